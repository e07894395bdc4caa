/*
 * The COM-free client session (see client.h): configuration and policy,
 * one request at a time over one keep-alive transport, and the mapping
 * of every HTTP outcome onto the HRESULTs the Windows client reports.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client.h"
#include "clientcfg.h"
#include "detail.h"
#include "encframe.h"
#include "envelope.h"
#include "gssauth.h"
#include "reply.h"
#include "transport.h"

#define CONTENT_TYPE_UTF8 "application/soap+xml;charset=UTF-8"
#define CONTENT_TYPE_UTF16 "application/soap+xml;charset=UTF-16"

/* The framing of encrypted requests: the part header lines of MS-WSMV 2.2.9.1.1 with the leading tab that
 * Windows sends, or without it, the only form OMI reads (see post_message()). */
enum wsm_framing {
    FRAMING_TABS_UNTRIED, /* tabs; the server has not answered an encrypted request yet */
    FRAMING_TABS,         /* tabs; the server has answered such a request: kept for the session */
    FRAMING_NO_TABS       /* the server dropped the connection on the tabs: no tabs for the session */
};

struct wsm_client {
    struct wsm_endpoint ep;
    uint32_t flags;
    struct wsm_session_options creds;
    int has_creds;
    char session_id[WSM_UUID_SIZE];

    /* Set up by the first operation (see prepare()). */
    int ready;
    struct wsm_client_config cfg;
    char *url;
    int32_t policy_hr; /* the client policy's verdict on sending credentials */
    char *policy_detail;
    struct wsm_transport *transport;
    unsigned long connections; /* of transports already dropped */

    /* Negotiate / Kerberos through GSSAPI (see gss_handshake()). */
    int gss_on;                    /* Negotiate/Kerberos: client.c authenticates, not libcurl */
    struct wsm_gss_config gss_cfg; /* points into ep and creds */
    struct wsm_gss *gss;           /* created by the first handshake (credentials acquired then) */
    const char *scheme;            /* "Negotiate" or "Kerberos": the HTTP scheme */
    const char *protocol;          /* the encrypted MIME protocol that goes with it */
    int encrypt;                   /* message encryption: HTTP without SessionFlagNoEncryption */
    int gss_complete;              /* the context is established on the current connection */
    int hs_leg;                    /* >0 while a handshake leg is being posted */
    char *hs_header;               /* Authorization value of the next leg (legs after the first) */
    unsigned char *cbt;            /* channel binding data of the current HTTPS connection */
    size_t cbt_len;
    enum wsm_framing framing; /* of encrypted requests (see post_message()) */
    int sent;                 /* the message being posted has gone out once (see auth_hook()) */
};

void wsm_failure_clear(struct wsm_failure *f)
{
    free(f->text);
    free(f->fault_xml);
    memset(f, 0, sizeof(*f));
}

/* Fills *f with hr and a sentence (printf-style); returns hr. */
static int32_t failf(struct wsm_failure *f, int32_t hr, const char *fmt, ...)
    __attribute__((format(WSM_PRINTF, 3, 4)));
static int32_t failf(struct wsm_failure *f, int32_t hr, const char *fmt, ...)
{
    va_list ap;
    char *text = NULL;

    wsm_failure_clear(f);
    va_start(ap, fmt);
    if (vasprintf(&text, fmt, ap) < 0)
        text = NULL;
    va_end(ap);
    f->hr = hr;
    f->text = text;
    return hr;
}

/* Takes over a detail sentence from the core modules. */
static int32_t fail_detail(struct wsm_failure *f, int32_t hr, char *detail)
{
    wsm_failure_clear(f);
    f->hr = hr;
    f->text = detail;
    return hr;
}

static int endpoint_copy(struct wsm_endpoint *dst, const struct wsm_endpoint *src)
{
    *dst = *src;
    dst->host = NULL;
    dst->prefix = NULL;
    if ((src->host && !(dst->host = wsm_strdup(src->host))) ||
        (src->prefix && !(dst->prefix = wsm_strdup(src->prefix)))) {
        wsm_endpoint_free(dst);
        return 0;
    }
    return 1;
}

int32_t wsm_client_new(const struct wsm_endpoint *ep, uint32_t flags, const struct wsm_session_options *creds,
                       struct wsm_client **out)
{
    struct wsm_client *c;

    *out = NULL;
    if (!(c = calloc(1, sizeof(*c))))
        return WSM_E_OUTOFMEMORY;
    if (!endpoint_copy(&c->ep, ep)) {
        free(c);
        return WSM_E_OUTOFMEMORY;
    }
    if (creds) {
        if (wsm_session_options_copy(&c->creds, creds)) {
            wsm_endpoint_free(&c->ep);
            free(c);
            return WSM_E_OUTOFMEMORY;
        }
        c->has_creds = 1;
    }
    c->flags = flags;
    wsm_new_uuid(c->session_id);
    *out = c;
    return WSM_S_OK;
}

static void drop_transport(struct wsm_client *c)
{
    if (c->transport) {
        c->connections += wsm_transport_connections(c->transport);
        wsm_transport_free(c->transport);
        c->transport = NULL;
    }
}

void wsm_client_free(struct wsm_client *c)
{
    if (!c)
        return;
    drop_transport(c);
    wsm_gss_free(c->gss);
    free(c->hs_header);
    free(c->cbt);
    wsm_client_config_free(&c->cfg);
    free(c->url);
    free(c->policy_detail);
    wsm_session_options_clear(&c->creds);
    wsm_endpoint_free(&c->ep);
    free(c);
}

unsigned long wsm_client_connections(const struct wsm_client *c)
{
    return c->connections + (c->transport ? wsm_transport_connections(c->transport) : 0);
}

static int is_set(const char *s)
{
    return s && *s;
}

/* SetProxy's access type onto the transport's proxy modes. Without
 * SetProxy, as with WSManProxyWinHttpConfig, the client configuration's
 * Proxy decides (Windows' default WinHTTP setting is "direct"). */
static enum wsm_proxy_mode proxy_mode(const struct wsm_client *c)
{
    if (c->creds.proxy_set) {
        switch (c->creds.proxy_access) {
        case WSM_PROXY_NO_PROXY_SERVER:
            return WSM_PROXY_DIRECT;
        case WSM_PROXY_IE_CONFIG:
        case WSM_PROXY_AUTO_DETECT:
            return WSM_PROXY_ENVIRONMENT;
        default:
            break;
        }
    }
    return is_set(c->cfg.proxy) ? WSM_PROXY_EXPLICIT : WSM_PROXY_DIRECT;
}

/* ---- Negotiate / Kerberos (GSSAPI) ---- */

static uint32_t http_timeout(const struct wsm_client *c, uint32_t timeout_ms);
static int32_t status_error(long status);

/* Private statuses of auth_hook(). RECONNECT: the request found a new connection after the context was
 * established there, so nothing was sent; the caller authenticates again and resends. DROPPED: the request
 * did go out, on the connection of the context, but the server closed it without a reply and libcurl is
 * about to send it again on a new one (it does so for a reused connection); it is stopped there, and the
 * caller treats it as a connection closed without a reply. */
#define WSM_S_RECONNECT ((int32_t)1)
#define WSM_S_DROPPED ((int32_t)2)

/* Looks for `scheme` in the WWW-Authenticate values (one scheme per line, or several folded into one line
 * separated by commas; any case). Returns 1 when the server offers the scheme, and then *token is its
 * base64 token (pointer into the value, *token_len bytes; 0 when bare). */
static int find_challenge(char *const *www, const char *scheme, const char **token, size_t *token_len)
{
    size_t n = strlen(scheme);
    *token = NULL;
    *token_len = 0;
    for (size_t i = 0; www && www[i]; i++) {
        for (const char *p = www[i]; *p;) {
            while (*p == ' ' || *p == '\t' || *p == ',')
                p++;
            if (!strncasecmp(p, scheme, n) && (!p[n] || p[n] == ' ' || p[n] == ',' || p[n] == '\t')) {
                const char *t = p + n, *e;
                while (*t == ' ' || *t == '\t')
                    t++;
                for (e = t; isalnum((unsigned char)*e) || *e == '+' || *e == '/' || *e == '='; e++)
                    ;
                if (e > t && (!*e || *e == ',' || *e == ' ' || *e == '\t') &&
                    memchr(t, '=', (size_t)(e - t)) != t) {
                    *token = t;
                    *token_len = (size_t)(e - t);
                }
                return 1;
            }
            /* Skip to the next comma outside quotes. */
            int quoted = 0;
            for (; *p && (quoted || *p != ','); p++) {
                if (*p == '"')
                    quoted = !quoted;
                else if (*p == '\\' && quoted && p[1])
                    p++;
            }
        }
    }
    return 0;
}

/* One step of the context; on success *header is "<Scheme> <base64 token>" (NULL when there is nothing to
 * send) and *complete tells whether the context is established. */
static int32_t gss_next(struct wsm_client *c, const unsigned char *in, size_t in_len, char **header,
                        int *complete, char **detail)
{
    unsigned char *out = NULL;
    size_t out_len = 0;
    char *b64;
    int32_t hr;

    *header = NULL;
    if ((hr = wsm_gss_step(c->gss, in, in_len, c->cbt, c->cbt_len, &out, &out_len, complete, detail)))
        return hr;
    if (out_len) {
        b64 = wsm_base64_encode(out, out_len);
        *header = b64 ? wsm_asprintf("%s %s", c->scheme, b64) : NULL;
        free(b64);
        if (!*header) {
            free(out);
            return WSM_E_OUTOFMEMORY;
        }
    }
    free(out);
    return WSM_S_OK;
}

/* The transport calls this before each authenticated request goes out (see wsm_auth_hook). */
static int32_t auth_hook(void *ctx, const struct wsm_conn_info *ci, char **authorization, char **detail)
{
    struct wsm_client *c = ctx;
    int complete = 0;
    int32_t hr;

    *authorization = NULL;
    if (!c->hs_leg) {
        /* An ordinary request rides on the connection's context: no header. A new connection has none. */
        if (ci->new_connection && c->gss_complete) {
            c->gss_complete = 0;
            return c->sent ? WSM_S_DROPPED : WSM_S_RECONNECT;
        }
        c->sent = 1;
        return WSM_S_OK;
    }
    if (c->hs_leg > 1) {
        if (ci->new_connection) {
            /* The context under construction belonged to the connection that is gone. */
            return wsm_fail(detail, WSM_E_WINHTTP_CONNECTION_ERROR,
                            "The server at %s closed the connection in the middle of the %s handshake (after "
                            "leg %d), so the authentication could not complete.",
                            c->url, c->scheme, c->hs_leg - 1);
        }
        *authorization = c->hs_header;
        c->hs_header = NULL;
        return WSM_S_OK;
    }
    /* The first leg: a fresh context, bound to this connection's TLS certificate over HTTPS. */
    wsm_gss_reset(c->gss);
    free(c->cbt);
    c->cbt = NULL;
    c->cbt_len = 0;
    if (ci->peer_cert && (hr = wsm_gss_cbt_tls_server_end_point(ci->peer_cert, ci->peer_cert_len, &c->cbt,
                                                                &c->cbt_len, detail)))
        return hr;
    if ((hr = gss_next(c, NULL, 0, authorization, &complete, detail)))
        return hr;
    if (!*authorization)
        return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR, "GSSAPI produced no initial %s token for %s.",
                        c->scheme, wsm_gss_spn(c->gss));
    return WSM_S_OK;
}

/* Names the user for details (never the password). */
static const char *user_text(const struct wsm_client *c)
{
    return c->gss_cfg.user && *c->gss_cfg.user ? c->gss_cfg.user : "(the current user's credentials)";
}

/* The handshake step went as it should and another leg follows (a private status of handshake_reply()). */
#define WSM_S_NEXT_LEG ((int32_t)1)

static int gss_established(const struct wsm_client *c)
{
    return wsm_gss_mech(c->gss) != WSM_GSS_MECH_NONE;
}

/* Reads the server's answer to handshake leg `leg`: WSM_S_OK when the context is established, WSM_S_NEXT_LEG
 * when c->hs_header holds the next leg's Authorization, else the failure (in *f). */
static int32_t handshake_reply(struct wsm_client *c, const struct wsm_http_reply *http, int leg,
                               struct wsm_failure *f)
{
    const char *token;
    size_t token_len, in_len = 0;
    unsigned char *in = NULL;
    char *detail = NULL;
    int32_t hr, step = WSM_S_OK;
    int complete = gss_established(c);
    int offered = find_challenge(http->www_authenticate, c->scheme, &token, &token_len);

    if (token && !(in = wsm_base64_decode(token, token_len, &in_len)))
        return failf(f, WSM_SEC_E_INVALID_TOKEN,
                     "The server at %s sent a %s token that is not valid base64 (leg %d of the handshake).",
                     c->url, c->scheme, leg);
    if (http->status == 401) {
        if (!in && leg == 1 && !offered)
            hr = failf(f, (int32_t)0x80070005u,
                       "The server at %s does not offer %s authentication (HTTP 401 without a %s challenge).",
                       c->url, c->scheme, c->scheme);
        else if (!in)
            hr = failf(
                f, (int32_t)0x80070005u,
                "The server at %s rejected the %s authentication of %s for %s (HTTP 401 at leg %d of the "
                "handshake): wrong password, unknown user, or the server cannot use the service ticket.",
                c->url, c->scheme, user_text(c), wsm_gss_spn(c->gss), leg);
        else if (complete)
            hr = failf(
                f, (int32_t)0x80070005u,
                "The server at %s rejected the %s authentication of %s after the client had completed it "
                "(HTTP 401).",
                c->url, c->scheme, user_text(c));
        else if (!(hr = step = gss_next(c, in, in_len, &c->hs_header, &complete, &detail)))
            hr = c->hs_header
                     ? WSM_S_NEXT_LEG
                     : failf(f, WSM_SEC_E_INTERNAL_ERROR,
                             "The server at %s asked for another %s leg, but GSSAPI has nothing more to "
                             "send.",
                             c->url, c->scheme);
    } else if (http->status == 200) {
        hr = WSM_S_OK;
        if (in && !complete)
            hr = step = gss_next(c, in, in_len, &c->hs_header, &complete, &detail);
        if (!hr && !complete)
            hr = failf(f, WSM_SEC_E_MUTUAL_AUTH_FAILED,
                       "The server at %s accepted the %s authentication without sending the final token that "
                       "proves its own identity (mutual authentication), so it cannot be trusted.",
                       c->url, c->scheme);
    } else {
        hr = failf(f, status_error(http->status),
                   "The server at %s answered the %s handshake with HTTP status %ld.", c->url, c->scheme,
                   http->status);
    }
    if (step) {
        /* gss_next() failed: its sentence, with where it happened. */
        fail_detail(
            f, step,
            wsm_asprintf("%s authentication to %s failed: %s", c->scheme, c->url, detail ? detail : ""));
        free(detail);
    }
    free(in);
    return hr;
}

/* Establishes the security context on the session's connection with empty-body POSTs (fact sheet §6.1, the
 * "empty-body trick"): every leg answered 401 + token, then 200 (+ the server's final token, which is
 * processed before anything is wrapped). */
static int32_t gss_handshake(struct wsm_client *c, uint32_t timeout_ms, struct wsm_failure *f)
{
    struct wsm_http_reply http = {0};
    char *detail = NULL;
    int32_t hr;

    c->gss_complete = 0;
    if (!c->gss && (hr = wsm_gss_new(&c->gss_cfg, &c->gss, &detail)))
        return fail_detail(f, hr, detail);
    for (int leg = 1; leg <= 10; leg++) {
        c->hs_leg = leg;
        hr = wsm_transport_post(c->transport, "", 0, NULL, NULL, 0, http_timeout(c, timeout_ms), 65536, &http,
                                &detail);
        c->hs_leg = 0;
        free(c->hs_header);
        c->hs_header = NULL;
        if (hr) {
            char *text = wsm_asprintf("%s authentication of %s to %s failed: %s", c->scheme, user_text(c),
                                      c->url, detail ? detail : "");
            free(detail);
            return fail_detail(f, hr, text);
        }
        hr = handshake_reply(c, &http, leg, f);
        wsm_http_reply_clear(&http);
        if (hr != WSM_S_NEXT_LEG) {
            free(c->hs_header);
            c->hs_header = NULL;
            c->gss_complete = !hr;
            return hr;
        }
    }
    free(c->hs_header);
    c->hs_header = NULL;
    return failf(f, WSM_SEC_E_INTERNAL_ERROR, "The %s handshake with %s did not end after 10 legs.",
                 c->scheme, c->url);
}

static int32_t wrap_cb(void *ctx, const void *plain, size_t len, unsigned char **out, size_t *out_len,
                       size_t *hdr_len, size_t *orig_len, char **detail)
{
    return wsm_gss_wrap(ctx, plain, len, out, out_len, hdr_len, orig_len, detail);
}

static int32_t unwrap_cb(void *ctx, const void *hdr, size_t hdr_len, const void *data, size_t data_len,
                         unsigned char **plain, size_t *plain_len, char **detail)
{
    return wsm_gss_unwrap(ctx, hdr, hdr_len, data, data_len, plain, plain_len, detail);
}

/* The first operation reads the client configuration, settles the port,
 * judges the policy and creates the transport. A failure leaves nothing
 * behind, so a later operation tries again. */
static int32_t prepare(struct wsm_client *c, struct wsm_failure *f)
{
    struct wsm_transport_config tc;
    char *detail = NULL;
    uint32_t auth;
    int explicit_creds;
    int32_t hr;

    if (c->ready)
        return WSM_S_OK;
    wsm_client_config_free(&c->cfg);
    if ((hr = wsm_client_config_load(&c->cfg, &detail)))
        return fail_detail(f, hr, detail);
    if (!c->ep.port_given && !c->ep.scheme_given)
        c->ep.port = c->ep.https ? c->cfg.https_port : c->cfg.http_port;
    free(c->url);
    if (!(c->url = wsm_endpoint_url(&c->ep)))
        return failf(f, WSM_E_OUTOFMEMORY, "Out of memory.");

    free(c->policy_detail);
    c->policy_detail = NULL;
    explicit_creds = c->has_creds && (is_set(c->creds.user) || is_set(c->creds.password));
    auth = c->flags & WSM_AUTH_FLAGS;
    if (!auth) {
        /* The documented default: Negotiate for explicit credentials to a trusted host and for the local
         * machine, Kerberos otherwise. */
        auth = (wsm_host_is_loopback(c->ep.host) ||
                (explicit_creds && wsm_client_config_trusts(&c->cfg, c->ep.host)))
                   ? WSM_FLAG_USE_NEGOTIATE
                   : WSM_FLAG_USE_KERBEROS;
    }
    c->policy_hr = WSM_S_OK;
    if (auth == WSM_FLAG_USE_NEGOTIATE && !explicit_creds && !wsm_client_config_trusts(&c->cfg, c->ep.host) &&
        !(c->ep.https && (c->flags & WSM_FLAG_ALLOW_NEGOTIATE_IMPLICIT_CREDENTIALS))) {
        /* Negotiate may end in NTLM, which would answer any server's challenge with the user's own
         * credentials: only to trusted hosts, or over HTTPS when the caller explicitly allows it. */
        c->policy_hr = ERROR_WSMAN_EXPLICIT_CREDENTIALS_REQUIRED;
        c->policy_detail = wsm_asprintf(
            "Negotiate authentication with the current user's (implicit) credentials is only used with hosts "
            "in TrustedHosts%s; \"%s\" is not one: give a user name and password, use Kerberos, or add the "
            "host to TrustedHosts in the client configuration.",
            c->ep.https ? " or with SessionFlagAllowNegotiateImplicitCredentials" : "",
            c->ep.host ? c->ep.host : "");
    }

    if (!c->policy_hr)
        c->policy_hr = wsm_client_policy_check(&c->cfg, (c->flags & ~WSM_AUTH_FLAGS) | auth, explicit_creds,
                                               &c->ep, &c->policy_detail);

    memset(&tc, 0, sizeof(tc));
    tc.url = c->url;
    if (c->flags & WSM_FLAG_USE_NO_AUTHENTICATION)
        tc.auth = WSM_AUTH_NONE;
    else if (c->flags & WSM_FLAG_USE_BASIC)
        tc.auth = WSM_AUTH_BASIC;
    else if (c->flags & WSM_FLAG_USE_DIGEST)
        tc.auth = WSM_AUTH_DIGEST;
    else if (c->flags & WSM_FLAG_USE_CLIENT_CERTIFICATE)
        tc.auth = WSM_AUTH_CERTIFICATE;
    else if (c->flags & WSM_FLAG_USE_CREDSSP)
        return failf(f, WSM_E_NOTIMPL,
                     "CredSSP authentication is not available in this build yet. Use Negotiate or Kerberos "
                     "(SessionFlagUseNegotiate, SessionFlagUseKerberos), which also encrypt over HTTP.");
    else {
        struct wsm_gss_config gc;
        memset(&gc, 0, sizeof(gc));
        gc.scheme = auth == WSM_FLAG_USE_KERBEROS ? WSM_GSS_KERBEROS : WSM_GSS_NEGOTIATE;
        gc.host = c->ep.host;
        gc.port = c->ep.port;
        gc.spn_port = !!(c->flags & WSM_FLAG_ENABLE_SPN_SERVER_PORT);
        gc.user = explicit_creds ? c->creds.user : NULL;
        gc.password = explicit_creds ? c->creds.password : NULL;
        gc.allow_ntlm = 1;
        c->gss_cfg = gc;
        c->gss_on = 1;
        tc.auth = WSM_AUTH_EXTERNAL;
        c->scheme = gc.scheme == WSM_GSS_KERBEROS ? "Kerberos" : "Negotiate";
        c->protocol = gc.scheme == WSM_GSS_KERBEROS ? WSM_ENC_PROTOCOL_KERBEROS : WSM_ENC_PROTOCOL_SPNEGO;
        c->encrypt = !c->ep.https && !(c->flags & WSM_FLAG_NO_ENCRYPTION);
        c->gss_complete = 0;
    }
    tc.user = c->creds.user;
    tc.password = c->creds.password;
    tc.cert_thumbprint = c->creds.thumbprint;
    tc.cert_dir = is_set(c->cfg.cert_store) ? c->cfg.cert_store : NULL;
    tc.skip_ca_check = !!(c->flags & WSM_FLAG_SKIP_CA_CHECK);
    tc.skip_cn_check = !!(c->flags & WSM_FLAG_SKIP_CN_CHECK);
    tc.skip_revocation_check = !!(c->flags & WSM_FLAG_SKIP_REVOCATION_CHECK);
    tc.ca_file = is_set(c->cfg.ca_file) ? c->cfg.ca_file : NULL;
    tc.ca_path = is_set(c->cfg.ca_path) ? c->cfg.ca_path : NULL;
    tc.crl_file = is_set(c->cfg.crl_file) ? c->cfg.crl_file : NULL;
    tc.proxy_mode = proxy_mode(c);
    tc.proxy_url = c->cfg.proxy;
    if (c->creds.proxy_set) {
        tc.proxy_auth = c->creds.proxy_auth;
        tc.proxy_user = c->creds.proxy_user;
        tc.proxy_password = c->creds.proxy_password;
    }
    if ((hr = wsm_transport_new(&tc, &c->transport, &detail)))
        return fail_detail(f, hr, detail);
    if (c->gss_on)
        wsm_transport_set_auth_hook(c->transport, auth_hook, c);
    c->ready = 1;
    return WSM_S_OK;
}

static uint32_t max_envelope(const struct wsm_client *c)
{
    uint64_t bytes = (uint64_t)c->cfg.max_envelope_kb * 1024;
    return bytes < 8192 ? 8192 : bytes > 0x7fffffff ? 0x7fffffff : (uint32_t)bytes;
}

/* The HTTP timeout: the operation's own plus the client's NetworkDelayms,
 * as the WinRM client allows for the network (no overflow). */
static uint32_t http_timeout(const struct wsm_client *c, uint32_t timeout_ms)
{
    uint64_t total = (uint64_t)timeout_ms + c->cfg.network_delay_ms;
    return total > UINT32_MAX ? UINT32_MAX : (uint32_t)total;
}

/* The charset parameter of a Content-Type, copied into buf ("" if none). */
static void content_charset(const char *type, char *buf, size_t size)
{
    const char *p = type;

    buf[0] = 0;
    while (p && (p = strchr(p, ';'))) {
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!strncasecmp(p, "charset", 7)) {
            size_t n = 0;
            p += 7;
            while (*p == ' ' || *p == '\t')
                p++;
            if (*p++ != '=')
                continue;
            while (*p == ' ' || *p == '\t' || *p == '"')
                p++;
            while (*p && *p != ';' && *p != '"' && *p != ' ' && n + 1 < size)
                buf[n++] = *p++;
            buf[n] = 0;
            return;
        }
    }
}

static int is_soap_type(const char *type)
{
    return type && !strncasecmp(type, "application/soap+xml", 20) &&
           (!type[20] || type[20] == ';' || type[20] == ' ');
}

/* The HRESULT for an HTTP status that carried no usable SOAP fault. */
static int32_t status_error(long status)
{
    if (status == 400)
        return ERROR_WSMAN_HTTP_STATUS_BAD_REQUEST;
    if (status == 404)
        return ERROR_WSMAN_HTTP_NOT_FOUND_STATUS;
    if (status == 413)
        return ERROR_WSMAN_HTTP_REQUEST_TOO_LARGE_STATUS;
    if (status == 415)
        return ERROR_WSMAN_UNSUPPORTED_ENCODING;
    if (status == 503)
        return ERROR_WSMAN_HTTP_SERVICE_UNAVAILABLE_STATUS;
    if (status >= 300 && status < 400)
        return ERROR_WSMAN_UNSUPPORTED_HTTP_STATUS_REDIRECT;
    if (status >= 500 && status < 600)
        return ERROR_WSMAN_HTTP_STATUS_SERVER_ERROR;
    return ERROR_WSMAN_UNKNOWN_HTTP_STATUS_RETURNED;
}

static const char *auth_name(uint32_t flags)
{
    if (flags & WSM_FLAG_USE_BASIC)
        return "Basic";
    if (flags & WSM_FLAG_USE_DIGEST)
        return "Digest";
    if (flags & WSM_FLAG_USE_CLIENT_CERTIFICATE)
        return "client certificate";
    return "no";
}

/* Sends one SOAP message. With Negotiate/Kerberos it first establishes the context (again when the server
 * lost it: a new connection, or a 401 on an authenticated one — once per message), encrypts over HTTP, and
 * decrypts and verifies the reply, so that on success http holds plaintext SOAP whatever the wire carried.
 *
 * The framing rule. Windows and OMI both accept the encrypted parts in Windows' framing except for one
 * thing: OMI finds the part header lines only at the very start of a line, so the tab that MS-WSMV shows
 * and Windows sends before each of them makes OMI fail the decryption and close the connection without an
 * HTTP reply. So a session frames like Windows until the server has answered an encrypted request (then it
 * never changes: a session against Windows sends Windows' bytes). When instead the server closes the
 * connection without a reply to the session's first encrypted request, the session authenticates again on
 * a new connection, resends that request once without the tabs, and keeps that framing to its end. That is
 * one resend at most: if the server drops that one too, the failure is reported (0x80072EFE). */
static int32_t post_message(struct wsm_client *c, const char *body, size_t len, int utf16, int unauth,
                            uint32_t timeout_ms, size_t limit, struct wsm_http_reply *http,
                            struct wsm_failure *f)
{
    static const char *const identify_headers[] = {"WSMANIDENTIFY: unauthenticated", NULL};
    const char *ctype = utf16 ? CONTENT_TYPE_UTF16 : CONTENT_TYPE_UTF8;
    char *detail = NULL;
    int32_t hr;

    if (!c->gss_on || unauth) {
        hr = wsm_transport_post(c->transport, body, len, ctype, unauth ? identify_headers : NULL, unauth,
                                http_timeout(c, timeout_ms), limit, http, &detail);
        return hr ? fail_detail(f, hr, detail) : WSM_S_OK;
    }
    for (int attempt = 0;; attempt++) {
        char *ebody = NULL, *etype = NULL;
        size_t elen = 0;

        if (!c->gss_complete && (hr = gss_handshake(c, timeout_ms, f)))
            return hr;
        unsigned frame =
            (utf16 ? WSM_ENCFRAME_UTF16 : 0) | (c->framing == FRAMING_NO_TABS ? WSM_ENCFRAME_NO_TABS : 0);
        if (c->encrypt && (hr = wsm_encframe_build(c->protocol, frame, body, len, wrap_cb, c->gss, &ebody,
                                                   &elen, &etype, &detail))) {
            c->gss_complete = 0;
            return fail_detail(f, hr, detail);
        }
        /* The encrypted reply is a little larger than the SOAP text the limit is about. */
        c->sent = 0;
        hr = wsm_transport_post(c->transport, c->encrypt ? ebody : body, c->encrypt ? elen : len,
                                c->encrypt ? etype : ctype, NULL, 0, http_timeout(c, timeout_ms),
                                limit ? limit + 65536 : 0, http, &detail);
        free(ebody);
        free(etype);
        if (hr == WSM_S_RECONNECT && attempt == 0)
            continue; /* nothing was sent: authenticate on the new connection */
        if (hr == WSM_S_RECONNECT)
            return failf(f, WSM_E_WINHTTP_CONNECTION_ERROR,
                         "The connection to %s was lost again right after %s authentication.", c->url,
                         c->scheme);
        if (hr) {
            /* Whether the server saw the message is unknown, and with it the sequence numbers. */
            c->gss_complete = 0;
            if ((hr == WSM_S_DROPPED || hr == WSM_E_WINHTTP_CONNECTION_ERROR) && c->encrypt &&
                c->framing == FRAMING_TABS_UNTRIED) {
                /* dropped without a reply: OMI's way of refusing the tabs (the framing rule above) */
                c->framing = FRAMING_NO_TABS;
                free(detail);
                detail = NULL;
                continue;
            }
            if (hr == WSM_S_DROPPED && attempt == 0)
                continue; /* the server closed the connection of the context (restart, idle): once more */
            if (hr == WSM_S_DROPPED)
                return failf(f, WSM_E_WINHTTP_CONNECTION_ERROR,
                             "The server at %s closed the connection without a reply to the request, also "
                             "when it was sent again after a new %s authentication.",
                             c->url, c->scheme);
            return fail_detail(f, hr, detail);
        }
        if (c->encrypt && c->framing == FRAMING_TABS_UNTRIED && http->status != 401)
            c->framing = FRAMING_TABS;
        if (http->status != 401)
            break;
        c->gss_complete = 0;
        if (attempt > 0)
            return failf(
                f, (int32_t)0x80070005u,
                "The server at %s refused the request (HTTP 401) although %s authentication of %s had "
                "just succeeded.",
                c->url, c->scheme, user_text(c));
        wsm_http_reply_clear(http); /* the server lost the context (restart, idle timeout): once more */
    }

    if (wsm_encframe_is_encrypted(http->content_type)) {
        char *plain = NULL, *charset = NULL, *type;
        size_t plain_len = 0;
        hr = wsm_encframe_parse(http->content_type, http->body, http->len, c->protocol, unwrap_cb, c->gss,
                                limit, &plain, &plain_len, &charset, &detail);
        if (hr) {
            char *text = wsm_asprintf("The encrypted reply from %s (HTTP %ld) was rejected: %s", c->url,
                                      http->status, detail ? detail : "");
            free(detail);
            c->gss_complete = 0; /* a damaged or forged message may have upset the sequence state */
            wsm_http_reply_clear(http);
            return fail_detail(f, hr, text);
        }
        /* An RC4-HMAC Kerberos wrap made by MIT carries one byte of RFC 4757 padding (0x01) that Length=
         * counts; no well-formed SOAP text ends with that byte (UTF-8 or UTF-16LE), so it goes. */
        if (plain_len && (unsigned char)plain[plain_len - 1] == 0x01)
            plain[--plain_len] = '\0';
        type = wsm_asprintf("application/soap+xml;charset=%s", charset);
        free(charset);
        if (!type) {
            free(plain);
            wsm_http_reply_clear(http);
            return failf(f, WSM_E_OUTOFMEMORY, "Out of memory.");
        }
        free(http->body);
        free(http->content_type);
        http->body = plain;
        http->len = plain_len;
        http->content_type = type;
        return WSM_S_OK;
    }
    if (c->encrypt && (http->status == 200 || is_soap_type(http->content_type))) {
        struct wsm_quoted q;
        hr = failf(f, ERROR_WSMAN_HTTP_INVALID_CONTENT_TYPE_IN_RESPONSE_DATA,
                   "The server at %s answered an encrypted request with an unencrypted reply (HTTP %ld, "
                   "Content-Type \"%s\"); it is not used, because anyone on the network could have sent it.",
                   c->url, http->status, wsm_quote_str(&q, http->content_type ? http->content_type : ""));
        wsm_http_reply_clear(http);
        return hr;
    }
    if (!http->len && !c->encrypt && !c->ep.https && http->status == 500) {
        hr = failf(
            f, ERROR_WSMAN_HTTP_STATUS_SERVER_ERROR,
            "The server at %s answered the unencrypted request with HTTP 500 and no body: it most likely "
            "requires message encryption (AllowUnencrypted = false on the service). Do not set "
            "SessionFlagNoEncryption, or use HTTPS.",
            c->url);
        wsm_http_reply_clear(http);
        return hr;
    }
    if (!http->len && c->encrypt && (http->status == 400 || http->status == 415)) {
        hr = failf(f, status_error(http->status),
                   "The server at %s did not accept the encrypted message (HTTP %ld): it does not seem to "
                   "support WinRM message encryption. Use HTTPS, or SessionFlagNoEncryption if the service "
                   "allows unencrypted traffic.",
                   c->url, http->status);
        wsm_http_reply_clear(http);
        return hr;
    }
    return WSM_S_OK;
}

/* One request/reply exchange. unauth: an unauthenticated Identify. On
 * success *out holds the parsed reply, which is not a fault. */
static int32_t exchange(struct wsm_client *c, struct wsm_request *req, uint32_t timeout_ms, int unauth,
                        struct wsm_reply **out, struct wsm_failure *f)
{
    struct wsm_http_reply http = {0};
    struct wsm_reply *reply = NULL;
    struct wsm_fault fault = {0};
    char *body = NULL, *message_id = NULL, *detail = NULL, charset[32];
    size_t len = 0;
    uint32_t limit;
    int32_t hr;
    int is_fault;

    *out = NULL;
    if ((hr = prepare(c, f)))
        return hr;
    if (!unauth && !(c->flags & WSM_FLAG_USE_NO_AUTHENTICATION) && c->policy_hr)
        return failf(f, c->policy_hr, "%s", c->policy_detail ? c->policy_detail : "");

    limit = max_envelope(c);
    req->to = c->url;
    req->max_envelope_size = limit;
    req->timeout_ms = timeout_ms;
    req->session_id = c->session_id;
    req->utf16 = !!(c->flags & WSM_FLAG_UTF16);
    if ((hr = wsm_build_request(req, &body, &len, &message_id, &detail)))
        return fail_detail(f, hr, detail);

    hr = post_message(c, body, len, req->utf16, unauth, timeout_ms, limit, &http, f);
    free(body);
    if (hr) {
        free(message_id);
        return hr;
    }

    if (http.status == 401) {
        if (unauth || (c->flags & WSM_FLAG_USE_NO_AUTHENTICATION))
            hr = failf(f, (int32_t)0x80070005u,
                       "The server at %s requires authentication (HTTP 401) and the request was sent without "
                       "credentials.",
                       c->url);
        else if (c->flags & WSM_FLAG_USE_CLIENT_CERTIFICATE)
            hr = failf(f, (int32_t)0x80070005u,
                       "The server at %s did not accept the client certificate (HTTP 401).", c->url);
        else
            hr = failf(f, (int32_t)0x80070005u,
                       "The server at %s rejected the %s credentials of user \"%s\" (HTTP 401).", c->url,
                       auth_name(c->flags), c->creds.user ? c->creds.user : "");
        goto done;
    }

    content_charset(http.content_type, charset, sizeof(charset));
    if (http.len && is_soap_type(http.content_type)) {
        hr = wsm_reply_parse(http.body, http.len, *charset ? charset : NULL, limit, &reply, &detail);
        if (hr && http.status == 200) {
            char *text =
                wsm_asprintf("The reply from %s could not be read: %s", c->url, detail ? detail : "");
            free(detail);
            fail_detail(f, hr, text);
            goto done;
        }
        free(detail);
        detail = NULL;
    }
    if (reply) {
        if ((is_fault = wsm_reply_get_fault(reply, c->ep.host, &fault)) < 0) {
            hr = failf(f, WSM_E_OUTOFMEMORY, "Out of memory.");
            goto done;
        }
        if (is_fault) {
            wsm_failure_clear(f);
            f->hr = hr = fault.hr;
            f->text = fault.text;
            f->fault_xml = fault.xml;
            fault.text = fault.xml = NULL;
            wsm_fault_clear(&fault);
            goto done;
        }
    }
    if (http.status != 200) {
        hr = failf(f, status_error(http.status), "The server at %s answered with HTTP status %ld%s.", c->url,
                   http.status,
                   !http.len ? " and no body"
                   : reply   ? " without a SOAP fault"
                             : " and a body that is not a SOAP envelope");
        goto done;
    }
    if (!http.len) {
        hr = failf(f, ERROR_WSMAN_HTTP_NO_RESPONSE_DATA,
                   "The server at %s answered HTTP 200 with an empty body.", c->url);
        goto done;
    }
    if (!is_soap_type(http.content_type)) {
        struct wsm_quoted q;
        hr = failf(f, ERROR_WSMAN_HTTP_INVALID_CONTENT_TYPE_IN_RESPONSE_DATA,
                   "The server at %s answered with Content-Type \"%s\" instead of application/soap+xml.",
                   c->url, wsm_quote_str(&q, http.content_type ? http.content_type : ""));
        goto done;
    }
    /* Identify carries no MessageID, so its reply relates to nothing. */
    if (message_id && (hr = wsm_reply_check_relates_to(reply, message_id, &detail))) {
        fail_detail(f, hr, detail);
        goto done;
    }
    *out = reply;
    reply = NULL;
done:
    wsm_reply_free(reply);
    wsm_http_reply_clear(&http);
    free(message_id);
    return hr;
}

static void request_init(struct wsm_request *req, enum wsm_op op, const struct wsm_locator *target)
{
    memset(req, 0, sizeof(*req));
    req->op = op;
    req->target = target;
}

/* Runs one exchange and hands the reply to `extract`. */
static int32_t simple(struct wsm_client *c, struct wsm_request *req, uint32_t timeout_ms, int unauth,
                      int32_t (*extract)(const struct wsm_reply *, char **, char **), char **result,
                      struct wsm_failure *f)
{
    struct wsm_reply *reply;
    char *detail = NULL;
    int32_t hr;

    if (result)
        *result = NULL;
    if ((hr = exchange(c, req, timeout_ms, unauth, &reply, f)))
        return hr;
    if (extract && (hr = extract(reply, result, &detail)))
        fail_detail(f, hr, detail);
    wsm_reply_free(reply);
    return hr;
}

int32_t wsm_client_identify(struct wsm_client *c, uint32_t flags, uint32_t timeout_ms, char **result,
                            struct wsm_failure *f)
{
    struct wsm_request req;
    int unauth = (flags & WSM_FLAG_USE_NO_AUTHENTICATION) || (c->flags & WSM_FLAG_USE_NO_AUTHENTICATION);

    request_init(&req, WSM_OP_IDENTIFY, NULL);
    return simple(c, &req, timeout_ms, unauth, wsm_reply_identify, result, f);
}

int32_t wsm_client_get(struct wsm_client *c, const struct wsm_locator *target, uint32_t timeout_ms,
                       char **result, struct wsm_failure *f)
{
    struct wsm_request req;

    request_init(&req, WSM_OP_GET, target);
    return simple(c, &req, timeout_ms, 0, wsm_reply_body, result, f);
}

int32_t wsm_client_put(struct wsm_client *c, const struct wsm_locator *target, const char *xml,
                       uint32_t timeout_ms, char **result, struct wsm_failure *f)
{
    struct wsm_request req;

    request_init(&req, WSM_OP_PUT, target);
    req.body_xml = xml;
    return simple(c, &req, timeout_ms, 0, wsm_reply_body, result, f);
}

int32_t wsm_client_create(struct wsm_client *c, const struct wsm_locator *target, const char *xml,
                          uint32_t timeout_ms, char **epr, struct wsm_failure *f)
{
    struct wsm_request req;

    request_init(&req, WSM_OP_CREATE, target);
    req.body_xml = xml;
    return simple(c, &req, timeout_ms, 0, wsm_reply_created, epr, f);
}

int32_t wsm_client_delete(struct wsm_client *c, const struct wsm_locator *target, uint32_t timeout_ms,
                          struct wsm_failure *f)
{
    struct wsm_request req;

    request_init(&req, WSM_OP_DELETE, target);
    return simple(c, &req, timeout_ms, 0, NULL, NULL, f);
}

int32_t wsm_client_invoke(struct wsm_client *c, const char *action, const struct wsm_locator *target,
                          const char *xml, uint32_t timeout_ms, char **result, struct wsm_failure *f)
{
    struct wsm_request req;

    request_init(&req, WSM_OP_INVOKE, target);
    req.action = action;
    req.body_xml = xml;
    return simple(c, &req, timeout_ms, 0, wsm_reply_body, result, f);
}

int32_t wsm_client_enumerate(struct wsm_client *c, const struct wsm_locator *target, const char *filter,
                             const char *dialect, uint32_t flags, uint32_t timeout_ms, uint32_t batch_items,
                             struct wsm_enum_state *st, struct wsm_failure *f)
{
    struct wsm_request req;
    struct wsm_reply *reply;
    char *detail = NULL;
    int32_t hr;

    wsm_enum_init(st);
    request_init(&req, WSM_OP_ENUMERATE, target);
    req.filter = filter;
    req.dialect = dialect;
    req.enum_flags = flags;
    req.max_elements = batch_items;
    if ((hr = exchange(c, &req, timeout_ms, 0, &reply, f)))
        return hr;
    hr = wsm_reply_enumeration(reply, 0, st, &detail);
    wsm_reply_free(reply);
    if (hr) {
        wsm_enum_clear(st);
        return fail_detail(f, hr, detail);
    }
    if (!(st->target = wsm_locator_copy(target))) {
        wsm_client_release(c, timeout_ms, st);
        wsm_enum_clear(st);
        return failf(f, WSM_E_OUTOFMEMORY, "Out of memory.");
    }
    return WSM_S_OK;
}

int32_t wsm_client_pull(struct wsm_client *c, uint32_t timeout_ms, uint32_t batch_items,
                        struct wsm_enum_state *st, struct wsm_failure *f)
{
    struct wsm_request req;
    struct wsm_reply *reply;
    char *detail = NULL;
    int32_t hr;

    if (!st->context || st->end_of_sequence)
        return failf(f, ERROR_WSMAN_ENUMERATION_CLOSED, "The enumeration has no more items to pull.");
    request_init(&req, WSM_OP_PULL, st->target);
    req.context = st->context;
    req.max_elements = batch_items;
    if ((hr = exchange(c, &req, timeout_ms, 0, &reply, f)))
        return hr;
    hr = wsm_reply_enumeration(reply, 1, st, &detail);
    wsm_reply_free(reply);
    if (hr)
        return fail_detail(f, hr, detail);
    return WSM_S_OK;
}

void wsm_client_release(struct wsm_client *c, uint32_t timeout_ms, struct wsm_enum_state *st)
{
    struct wsm_failure f = {0};
    struct wsm_request req;
    struct wsm_reply *reply;

    if (st->context && !st->end_of_sequence && st->target) {
        request_init(&req, WSM_OP_RELEASE, st->target);
        req.context = st->context;
        if (!exchange(c, &req, timeout_ms, 0, &reply, &f))
            wsm_reply_free(reply);
        wsm_failure_clear(&f);
    }
    free(st->context);
    st->context = NULL;
}
