/*
 * What the mechanism back-ends share (mechutil.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detail.h"
#include "iplit.h"
#include "mechutil.h"

int32_t wsm_mech_spn(const struct wsm_gss_config *cfg, char **spn, char **detail)
{
    struct wsm_quoted q;
    char port[16] = "";

    *spn = NULL;
    if (!cfg || !cfg->host || !cfg->host[0])
        return wsm_fail(detail, WSM_E_INVALIDARG,
                        "Negotiate/Kerberos authentication needs a target host name");
    if (cfg->scheme != WSM_GSS_NEGOTIATE && cfg->scheme != WSM_GSS_KERBEROS)
        return wsm_fail(detail, WSM_E_INVALIDARG, "unknown authentication scheme %d", (int)cfg->scheme);
    if (cfg->spn_port && (cfg->port == 0 || cfg->port > 65535))
        return wsm_fail(detail, WSM_E_INVALIDARG, "the SPN port %u is not in 1..65535", cfg->port);
    const char *service = cfg->service && cfg->service[0] ? cfg->service : "HTTP";
    if (strpbrk(service, "/@\\") || strpbrk(cfg->host, "/@\\"))
        return wsm_fail(detail, WSM_E_INVALIDARG,
                        "the SPN service \"%s\" or host cannot hold '/', '@' or '\\'",
                        wsm_quote_str(&q, service));
    if (cfg->spn_port)
        snprintf(port, sizeof(port), ":%u", cfg->port);
    *spn = wsm_asprintf("%s/%s%s", service, cfg->host, port);
    return *spn ? WSM_S_OK : WSM_E_OUTOFMEMORY;
}

char *wsm_mech_krb5_user(const char *user, int *bad)
{
    const char *bs = strchr(user, '\\');
    *bad = 0;
    if (!bs)
        return wsm_strdup(user);
    if (bs == user || !bs[1] || strchr(bs + 1, '\\')) {
        *bad = 1;
        return NULL;
    }
    char *r = wsm_asprintf("%s@%.*s", bs + 1, (int)(bs - user), user);
    for (char *p = r ? strrchr(r, '@') : NULL; p && *p; p++)
        *p = (char)wsm_ascii_upper((unsigned char)*p);
    return r;
}

int wsm_mech_cfx_token(const unsigned char *t, size_t n, size_t *ec, size_t *rrc)
{
    if (n < 16 || t[0] != 0x05 || t[1] != 0x04 || t[3] != 0xFF)
        return 0;
    if (ec)
        *ec = (size_t)t[4] << 8 | t[5];
    if (rrc)
        *rrc = (size_t)t[6] << 8 | t[7];
    return 1;
}

static const struct {
    int32_t hr;
    const char *text; /* may hold one %s: the SPN */
} causes[] = {
    [WSM_CAUSE_WRONG_PASSWORD] = {WSM_SEC_E_LOGON_DENIED, "the KDC rejected the password (wrong password)"},
    [WSM_CAUSE_UNKNOWN_USER] = {WSM_SEC_E_LOGON_DENIED, "the KDC does not know the user"},
    [WSM_CAUSE_USER_REVOKED] = {WSM_SEC_E_LOGON_DENIED,
                                "the KDC refused the user (account disabled or locked out)"},
    [WSM_CAUSE_PASSWORD_EXPIRED] = {WSM_SEC_E_LOGON_DENIED, "the user's password has expired"},
    [WSM_CAUSE_LOGON_DENIED] = {WSM_SEC_E_LOGON_DENIED,
                                "the credentials were rejected (wrong password or unknown user)"},
    [WSM_CAUSE_TARGET_UNKNOWN] =
        {WSM_SEC_E_TARGET_UNKNOWN,
         "the KDC does not know the SPN %s; check the host name or register the SPN"},
    [WSM_CAUSE_KDC_UNREACHABLE] = {WSM_SEC_E_NO_AUTHENTICATING_AUTHORITY,
                                   "no KDC of the realm could be reached"},
    [WSM_CAUSE_REALM_UNKNOWN] = {WSM_SEC_E_NO_AUTHENTICATING_AUTHORITY,
                                 "the Kerberos realm is unknown (no KDC configured or found for it)"},
    [WSM_CAUSE_NO_AUTHORITY] = {WSM_SEC_E_NO_AUTHENTICATING_AUTHORITY,
                                "no authority (KDC or domain controller) could be reached for the realm"},
    [WSM_CAUSE_TICKET_EXPIRED] = {WSM_SEC_E_CONTEXT_EXPIRED, "the Kerberos ticket has expired; run kinit"},
    [WSM_CAUSE_NO_TICKET] = {WSM_SEC_E_NO_CREDENTIALS,
                             "there is no Kerberos ticket cache (or no TGT in it); run kinit"},
    [WSM_CAUSE_TIME_SKEW] = {WSM_SEC_E_TIME_SKEW,
                             "the clocks of this machine and the KDC or server differ too much"},
    [WSM_CAUSE_WRONG_PRINCIPAL] = {WSM_SEC_E_WRONG_PRINCIPAL,
                                   "the server is not the principal the SPN %s names"},
    [WSM_CAUSE_BAD_BINDINGS] = {WSM_SEC_E_BAD_BINDINGS, "the channel bindings do not match"},
    [WSM_CAUSE_NO_PACKAGE] = {WSM_SEC_E_SECPKG_NOT_FOUND, "the security mechanism is not installed"},
    [WSM_CAUSE_CREDENTIALS_EXPIRED] = {WSM_SEC_E_CONTEXT_EXPIRED, "the credentials have expired; run kinit"},
    [WSM_CAUSE_CONTEXT_EXPIRED] = {WSM_SEC_E_CONTEXT_EXPIRED, "the security context has expired"},
    [WSM_CAUSE_NO_CREDENTIALS] = {WSM_SEC_E_NO_CREDENTIALS, "no usable credentials"},
    [WSM_CAUSE_BAD_USER_NAME] = {WSM_SEC_E_UNKNOWN_CREDENTIALS, "the user name cannot be used"},
    [WSM_CAUSE_ALTERED] = {WSM_SEC_E_MESSAGE_ALTERED,
                           "the message failed its integrity check (altered or garbled)"},
    [WSM_CAUSE_BAD_TOKEN] = {WSM_SEC_E_INVALID_TOKEN, "the server's authentication token is invalid"},
    [WSM_CAUSE_OUT_OF_SEQUENCE] = {WSM_SEC_E_OUT_OF_SEQUENCE,
                                   "the message was replayed or arrived out of order"},
    [WSM_CAUSE_INCOMPLETE] = {WSM_SEC_E_INCOMPLETE_MESSAGE, "the message is incomplete (truncated)"},
    [WSM_CAUSE_DECRYPT] = {WSM_SEC_E_DECRYPT_FAILURE, "the message could not be decrypted"},
    [WSM_CAUSE_MUTUAL] = {WSM_SEC_E_MUTUAL_AUTH_FAILED,
                          "the server did not prove its identity (mutual authentication)"},
    [WSM_CAUSE_UNSUPPORTED] = {WSM_SEC_E_UNSUPPORTED_FUNCTION,
                               "the security package does not support the request"},
    [WSM_CAUSE_FAILED] = {WSM_SEC_E_INTERNAL_ERROR, "the security package failed"},
};

int32_t wsm_mech_cause(enum wsm_cause cause, const char *spn, char *buf, size_t size)
{
    if ((size_t)cause >= sizeof(causes) / sizeof(causes[0]) || !causes[cause].text)
        cause = WSM_CAUSE_FAILED;
    snprintf(buf, size, causes[cause].text, spn ? spn : "");
    return causes[cause].hr;
}

int32_t wsm_mech_negotiate_target(const struct wsm_gss_config *cfg, int *ip, char **reason, char **detail)
{
    struct wsm_quoted q;
    *ip = wsm_host_is_ip_literal(cfg->host);
    if (!*ip)
        return WSM_S_OK;
    if (!cfg->allow_ntlm)
        return wsm_fail(detail, WSM_SEC_E_TARGET_UNKNOWN,
                        "Negotiate to the IP address %s cannot use Kerberos (no ticket can name an address) "
                        "and NTLM is not allowed",
                        wsm_quote_str(&q, cfg->host));
    return wsm_fail(reason, 0, "the target \"%s\" is an IP address", wsm_quote_str(&q, cfg->host));
}

int32_t wsm_mech_new_begin(const struct wsm_gss_config *cfg, struct wsm_gss **out, char **spn, char **detail)
{
    if (detail)
        *detail = NULL;
    *spn = NULL;
    if (!out)
        return WSM_E_INVALIDARG;
    *out = NULL;
    return wsm_mech_spn(cfg, spn, detail);
}

enum wsm_mech_leg wsm_mech_step_begin(int args_ok, const char *spn, int complete, int in_progress,
                                      size_t in_len, unsigned char **out, size_t *out_len, int *done,
                                      int32_t *hr, char **detail)
{
    if (detail)
        *detail = NULL;
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (done)
        *done = 0;
    *hr = WSM_S_OK;
    if (!args_ok) {
        *hr = WSM_E_INVALIDARG;
        return WSM_LEG_REFUSED;
    }
    if (complete) {
        if (!in_len) {
            *done = 1;
            return WSM_LEG_DONE;
        }
        *hr = wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                       "the server sent another authentication token after the security context for SPN %s "
                       "was complete",
                       spn);
        return WSM_LEG_REFUSED;
    }
    if (!in_progress && in_len) {
        *hr = wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                       "the server sent an authentication token but no handshake with SPN %s is in progress",
                       spn);
        return WSM_LEG_REFUSED;
    }
    if (in_progress && !in_len) {
        *hr =
            wsm_fail(detail, WSM_SEC_E_MUTUAL_AUTH_FAILED,
                     "the server ended the handshake for SPN %s without its final token, so it did not prove "
                     "its identity (mutual authentication)",
                     spn);
        return WSM_LEG_NO_FINAL;
    }
    return in_progress ? WSM_LEG_NEXT : WSM_LEG_FIRST;
}

int32_t wsm_mech_msg_begin(int args_ok, const char *spn, int complete, unsigned char **out, size_t *out_len,
                           size_t *hdr_len, size_t *orig_len, char **detail)
{
    if (detail)
        *detail = NULL;
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (hdr_len)
        *hdr_len = 0;
    if (orig_len)
        *orig_len = 0;
    if (!args_ok)
        return WSM_E_INVALIDARG;
    if (!complete)
        return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR,
                        "cannot %s a message: the security context with SPN %s is not established",
                        hdr_len ? "encrypt" : "decrypt", spn);
    return WSM_S_OK;
}

int32_t wsm_mech_cbt_data(const unsigned char *hash, size_t hash_len, unsigned char **out, size_t *out_len)
{
    static const char prefix[] = "tls-server-end-point:";
    size_t n = sizeof(prefix) - 1 + hash_len;
    if (!(*out = malloc(n)))
        return WSM_E_OUTOFMEMORY;
    memcpy(*out, prefix, sizeof(prefix) - 1);
    memcpy(*out + sizeof(prefix) - 1, hash, hash_len);
    *out_len = n;
    return WSM_S_OK;
}
