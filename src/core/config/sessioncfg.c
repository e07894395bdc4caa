/*
 * CreateSession's flag and credential checks, SetProxy's argument checks
 * and certificate thumbprints (IWSMan::CreateSession,
 * IWSManConnectionOptionsEx2::SetProxy and
 * IWSManConnectionOptionsEx::CertificateThumbprint on Microsoft Learn; the
 * ERROR_WSMAN_* codes of wsmerror.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "session_cfg.h"

static int is_set(const char *s)
{
    return s && *s;
}

void wsm_session_options_clear(struct wsm_session_options *o)
{
    if (!o)
        return;
    free(o->user);
    wsm_wipe_free(o->password);
    free(o->thumbprint);
    free(o->proxy_user);
    wsm_wipe_free(o->proxy_password);
    memset(o, 0, sizeof(*o));
}

int32_t wsm_session_options_copy(struct wsm_session_options *dst, const struct wsm_session_options *src)
{
    memset(dst, 0, sizeof(*dst));
    dst->proxy_set = src->proxy_set;
    dst->proxy_access = src->proxy_access;
    dst->proxy_auth = src->proxy_auth;
    if ((src->user && !(dst->user = wsm_strdup(src->user))) ||
        (src->password && !(dst->password = wsm_strdup(src->password))) ||
        (src->thumbprint && !(dst->thumbprint = wsm_strdup(src->thumbprint))) ||
        (src->proxy_user && !(dst->proxy_user = wsm_strdup(src->proxy_user))) ||
        (src->proxy_password && !(dst->proxy_password = wsm_strdup(src->proxy_password)))) {
        wsm_session_options_clear(dst);
        return WSM_E_OUTOFMEMORY;
    }
    return WSM_S_OK;
}

static int32_t fail(char **detail, int32_t code, const char *text)
{
    if (detail)
        *detail = wsm_strdup(text);
    return code;
}

int32_t wsm_check_proxy(int32_t access, int32_t auth, const char *user, const char *password, char **detail)
{
    if (detail)
        *detail = NULL;
    switch (access) {
    case 0:
    case WSM_PROXY_IE_CONFIG:
    case WSM_PROXY_WINHTTP_CONFIG:
    case WSM_PROXY_AUTO_DETECT:
    case WSM_PROXY_NO_PROXY_SERVER:
        break;
    default:
        if (detail)
            *detail = wsm_asprintf("The proxy access type %d is not one of ProxyIEConfig (1), "
                                   "ProxyWinHttpConfig (2), ProxyAutoDetect (4) or ProxyNoProxyServer (8).",
                                   access);
        return ERROR_WSMAN_PROXY_ACCESS_TYPE;
    }
    if (auth & ~(WSM_PROXY_AUTH_NEGOTIATE | WSM_PROXY_AUTH_BASIC | WSM_PROXY_AUTH_DIGEST)) {
        if (detail)
            *detail = wsm_asprintf("The proxy authentication mechanism %d is not one of "
                                   "Negotiate (1), Basic (2) or Digest (4).",
                                   auth);
        return ERROR_WSMAN_PROXY_AUTHENTICATION_INVALID_FLAG;
    }
    if (auth & (auth - 1))
        return fail(detail, ERROR_WSMAN_CLIENT_MULTIPLE_PROXY_AUTH_FLAGS,
                    "Only one proxy authentication mechanism may be given.");
    if (access == WSM_PROXY_NO_PROXY_SERVER && (auth || is_set(user) || is_set(password)))
        return fail(detail, ERROR_WSMAN_INVALID_OPTION_NO_PROXY_SERVER,
                    "ProxyNoProxyServer takes no proxy authentication mechanism or credentials.");
    if (!auth && (is_set(user) || is_set(password)))
        return fail(detail, ERROR_WSMAN_CLIENT_CREDENTIALS_FOR_PROXY_AUTHENTICATION,
                    "Proxy credentials were given without a proxy authentication mechanism.");
    if (is_set(password) && !is_set(user))
        return fail(detail, ERROR_WSMAN_CLIENT_CREDENTIALS_FOR_PROXY_AUTHENTICATION,
                    "A proxy password was given without a proxy user name.");
    return WSM_S_OK;
}

int32_t wsm_normalize_thumbprint(const char *text, char **out, char **detail)
{
    size_t n = 0;
    char *hex;

    *out = NULL;
    if (detail)
        *detail = NULL;
    if (!text)
        text = "";
    if (!(hex = malloc(strlen(text) + 1)))
        return WSM_E_OUTOFMEMORY;
    for (const char *p = text; *p; p++) {
        if (*p == ' ' || *p == '\t')
            continue;
        if (wsm_hex_value((unsigned char)*p) < 0) {
            free(hex);
            if (detail)
                *detail = wsm_strdup("A certificate thumbprint holds only hexadecimal digits "
                                     "(spaces are allowed between them).");
            return ERROR_WSMAN_CLIENT_INVALID_CERT;
        }
        hex[n++] = (char)wsm_ascii_upper((unsigned char)*p);
    }
    hex[n] = 0;
    if (n && n != 40) {
        free(hex);
        if (detail)
            *detail = wsm_asprintf("A certificate thumbprint is the 40-digit SHA-1 hash of the "
                                   "certificate; %zu digits were given.",
                                   n);
        return ERROR_WSMAN_CLIENT_INVALID_CERT;
    }
    *out = hex;
    return WSM_S_OK;
}

static int count_bits(uint32_t v)
{
    int n = 0;
    for (; v; v &= v - 1)
        n++;
    return n;
}

/* Checks in the order a caller meets them: flags alone, then the target,
 * then credentials, then transport-dependent restrictions. */
int32_t wsm_check_session(uint32_t flags, const struct wsm_endpoint *ep,
                          const struct wsm_session_options *opts, char **detail)
{
    uint32_t auth = flags & WSM_AUTH_FLAGS;
    int has_user = opts && is_set(opts->user);
    int has_password = opts && is_set(opts->password);
    int has_creds = has_user || has_password;
    int has_cert = opts && is_set(opts->thumbprint);
    int has_proxy = opts && opts->proxy_set && opts->proxy_access != WSM_PROXY_NO_PROXY_SERVER;
    int kerberos_or_negotiate = !auth || (auth & (WSM_FLAG_USE_NEGOTIATE | WSM_FLAG_USE_KERBEROS));

    if (detail)
        *detail = NULL;
    if (flags & ~(uint32_t)WSM_SESSION_FLAGS_KNOWN) {
        if (detail)
            *detail = wsm_asprintf("The flags value 0x%08X has bits (0x%08X) that are not session flags.",
                                   flags, flags & ~(uint32_t)WSM_SESSION_FLAGS_KNOWN);
        return ERROR_WSMAN_CLIENT_INVALID_FLAG;
    }
    if ((flags & WSM_FLAG_UTF8) && (flags & WSM_FLAG_UTF16))
        return fail(detail, ERROR_WSMAN_CLIENT_INVALID_FLAG,
                    "SessionFlagUTF8 and SessionFlagUTF16 cannot be used together.");
    if (count_bits(auth) > 1)
        return fail(detail, ERROR_WSMAN_CLIENT_MULTIPLE_AUTH_FLAGS,
                    "More than one authentication mechanism flag was given.");
    if (ep->local) {
        if (has_creds || has_cert || (flags & WSM_FLAG_CRED_USERNAME_PASSWORD))
            return fail(detail, ERROR_WSMAN_CLIENT_LOCAL_INVALID_CREDS,
                        "A local session (empty connection string) takes no credentials.");
        if (opts)
            return fail(detail, ERROR_WSMAN_CLIENT_LOCAL_INVALID_CONNECTION_OPTIONS,
                        "A local session (empty connection string) takes no connection options.");
    }
    if ((flags & WSM_FLAG_USE_NO_AUTHENTICATION) &&
        (has_creds || has_cert || (flags & WSM_FLAG_CRED_USERNAME_PASSWORD)))
        return fail(detail, ERROR_WSMAN_CREDS_PASSED_WITH_NO_AUTH_FLAG,
                    "Credentials were given together with SessionFlagUseNoAuthentication.");
    if ((flags & WSM_FLAG_ENABLE_SPN_SERVER_PORT) && !kerberos_or_negotiate)
        return fail(detail, ERROR_WSMAN_CLIENT_SPN_WRONG_AUTH,
                    "SessionFlagEnableSPNServerPort needs Negotiate or Kerberos authentication.");
    if (auth == WSM_FLAG_USE_CLIENT_CERTIFICATE) {
        if (!ep->local && !ep->https)
            return fail(detail, ERROR_WSMAN_CANNOT_USE_CERTIFICATES_FOR_HTTP,
                        "Client certificates can only be used over HTTPS.");
        if (flags & WSM_FLAG_CRED_USERNAME_PASSWORD)
            return fail(detail, ERROR_WSMAN_CERT_MULTIPLE_CREDENTIALS_FLAG,
                        "SessionFlagUseClientCertificate cannot be combined with "
                        "SessionFlagCredUsernamePassword.");
        if (has_creds)
            return fail(detail, ERROR_WSMAN_CLIENT_CERT_UNNEEDED_USERNAME,
                        "A user name or password was given with client-certificate authentication.");
        if (!has_cert)
            return fail(detail, ERROR_WSMAN_CLIENT_CERT_NEEDED,
                        "SessionFlagUseClientCertificate needs ConnectionOptions.CertificateThumbprint.");
    } else if (has_cert) {
        if (has_creds)
            return fail(detail, ERROR_WSMAN_MULTIPLE_CREDENTIALS,
                        "Both a certificate thumbprint and a user name or password were given.");
        return fail(detail, ERROR_WSMAN_CERT_MISSING_AUTH_FLAG,
                    "A certificate thumbprint was given without SessionFlagUseClientCertificate.");
    }
    if ((auth & (WSM_FLAG_USE_BASIC | WSM_FLAG_USE_DIGEST)) && !(has_user && has_password))
        return fail(detail, ERROR_WSMAN_CLIENT_USERNAME_PASSWORD_NEEDED,
                    "Basic and Digest authentication need a user name and a password.");
    if ((auth & WSM_FLAG_USE_CREDSSP) && !(has_user && has_password))
        return fail(detail, ERROR_WSMAN_CLIENT_USERNAME_AND_PASSWORD_NEEDED,
                    "CredSSP authentication needs a user name and a password.");
    if ((flags & WSM_FLAG_CRED_USERNAME_PASSWORD) && !has_user)
        return fail(detail, ERROR_WSMAN_CLIENT_CREDENTIALS_NEEDED,
                    "SessionFlagCredUsernamePassword was given but ConnectionOptions has no user name.");
    if (has_creds && !(flags & WSM_FLAG_CRED_USERNAME_PASSWORD))
        return fail(detail, ERROR_WSMAN_CLIENT_CREDENTIALS_FLAG_NEEDED,
                    "Credentials were given without SessionFlagCredUsernamePassword.");
    if (!ep->local && ep->https && (flags & WSM_FLAG_NO_ENCRYPTION))
        return fail(detail, ERROR_WSMAN_CLIENT_UNENCRYPTED_HTTP_ONLY,
                    "SessionFlagNoEncryption applies to HTTP only; HTTPS is always encrypted.");
    if (!ep->local && !ep->https && (flags & WSM_FLAG_ALLOW_NEGOTIATE_IMPLICIT_CREDENTIALS))
        return fail(detail, ERROR_WSMAN_CANNOT_USE_ALLOW_NEGOTIATE_IMPLICIT_CREDENTIALS_FOR_HTTP,
                    "SessionFlagAllowNegotiateImplicitCredentials can only be used over HTTPS.");
    if (has_proxy) {
        if (!ep->local && !ep->https)
            return fail(detail, ERROR_WSMAN_CANNOT_USE_PROXY_SETTINGS_FOR_HTTP,
                        "Proxy settings can only be used over HTTPS.");
        if (auth == WSM_FLAG_USE_KERBEROS)
            return fail(detail, ERROR_WSMAN_CANNOT_USE_PROXY_SETTINGS_FOR_KERBEROS,
                        "Proxy settings cannot be used with Kerberos authentication.");
        if (auth == WSM_FLAG_USE_CREDSSP)
            return fail(detail, ERROR_WSMAN_CANNOT_USE_PROXY_SETTINGS_FOR_CREDSSP,
                        "Proxy settings cannot be used with CredSSP authentication.");
    }
    return WSM_S_OK;
}
