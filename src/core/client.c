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

#include "client.h"
#include "clientcfg.h"
#include "detail.h"
#include "envelope.h"
#include "handshake.h"
#include "names.h"
#include "reply.h"
#include "transport.h"

#define CONTENT_TYPE_UTF8 "application/soap+xml;charset=UTF-8"
#define CONTENT_TYPE_UTF16 "application/soap+xml;charset=UTF-16"

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

    /* Negotiate / Kerberos: the authentication seam drives the handshakes (auth/handshake.h). */
    struct wsm_auth *auth;
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
    wsm_auth_free(c->auth);
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

/* The client configuration, and the port and URL it settles (the configured HTTP or HTTPS port when the
 * connection string named neither a port nor a scheme). */
static int32_t load_config(struct wsm_client *c, struct wsm_failure *f)
{
    char *detail = NULL;
    int32_t hr;

    wsm_client_config_free(&c->cfg);
    if ((hr = wsm_client_config_load(&c->cfg, &detail)))
        return fail_detail(f, hr, detail);
    if (!c->ep.port_given && !c->ep.scheme_given)
        c->ep.port = c->ep.https ? c->cfg.https_port : c->cfg.http_port;
    free(c->url);
    if (!(c->url = wsm_endpoint_url(&c->ep)))
        return failf(f, WSM_E_OUTOFMEMORY, "Out of memory.");
    return WSM_S_OK;
}

/* The client policy's verdict on sending credentials (c->policy_hr, c->policy_detail) for the
 * authentication flag auth; returns auth, the documented default when the session named none. */
static uint32_t judge_policy(struct wsm_client *c, int explicit_creds)
{
    uint32_t auth = c->flags & WSM_AUTH_FLAGS;

    free(c->policy_detail);
    c->policy_detail = NULL;
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
    return auth;
}

/* Negotiate, Kerberos and CredSSP ([MS-CSSP]: TLS, then SPNEGO inside it, then the password delegated) all
 * go through the authentication seam (auth/handshake.h): sets it up in c->auth. */
static int32_t new_auth_seam(struct wsm_client *c, uint32_t auth, int explicit_creds)
{
    int credssp = !!(c->flags & WSM_FLAG_USE_CREDSSP);
    struct wsm_auth_params ap;

    memset(&ap, 0, sizeof(ap));
    ap.mech = credssp ? &wsm_mech_credssp : &wsm_mech_gss;
    ap.cfg.scheme = auth == WSM_FLAG_USE_KERBEROS ? WSM_GSS_KERBEROS : WSM_GSS_NEGOTIATE;
    ap.cfg.host = c->ep.host;
    ap.cfg.port = c->ep.port;
    ap.cfg.spn_port = !!(c->flags & WSM_FLAG_ENABLE_SPN_SERVER_PORT);
    ap.cfg.user = explicit_creds ? c->creds.user : NULL;
    ap.cfg.password = explicit_creds ? c->creds.password : NULL;
    ap.cfg.allow_ntlm = 1;
    ap.scheme = credssp ? "CredSSP" : ap.cfg.scheme == WSM_GSS_KERBEROS ? "Kerberos" : "Negotiate";
    ap.protocol = credssp                             ? WSM_ENC_PROTOCOL_CREDSSP
                  : ap.cfg.scheme == WSM_GSS_KERBEROS ? WSM_ENC_PROTOCOL_KERBEROS
                                                      : WSM_ENC_PROTOCOL_SPNEGO;
    ap.encrypt = !c->ep.https && !(c->flags & WSM_FLAG_NO_ENCRYPTION);
    ap.url = c->url;
    wsm_auth_free(c->auth);
    c->auth = NULL;
    return wsm_auth_new(&ap, &c->auth);
}

/* Everything of the transport's configuration but its authentication kind. */
static void transport_config(const struct wsm_client *c, struct wsm_transport_config *tc)
{
    tc->endpoint = &c->ep;
    tc->user = c->creds.user;
    tc->password = c->creds.password;
    tc->cert_thumbprint = c->creds.thumbprint;
    tc->cert_dir = is_set(c->cfg.cert_store) ? c->cfg.cert_store : NULL;
    tc->skip_ca_check = !!(c->flags & WSM_FLAG_SKIP_CA_CHECK);
    tc->skip_cn_check = !!(c->flags & WSM_FLAG_SKIP_CN_CHECK);
    tc->skip_revocation_check = !!(c->flags & WSM_FLAG_SKIP_REVOCATION_CHECK);
    tc->ca_file = is_set(c->cfg.ca_file) ? c->cfg.ca_file : NULL;
    tc->ca_path = is_set(c->cfg.ca_path) ? c->cfg.ca_path : NULL;
    tc->crl_file = is_set(c->cfg.crl_file) ? c->cfg.crl_file : NULL;
    tc->proxy_mode = proxy_mode(c);
    tc->proxy_url = c->cfg.proxy;
    if (c->creds.proxy_set) {
        tc->proxy_auth = c->creds.proxy_auth;
        tc->proxy_user = c->creds.proxy_user;
        tc->proxy_password = c->creds.proxy_password;
    }
}

/* The first operation reads the client configuration, settles the port,
 * judges the policy and creates the transport. A failure leaves nothing
 * behind, so a later operation tries again. */
static int32_t prepare(struct wsm_client *c, struct wsm_failure *f)
{
    struct wsm_transport_config tc;
    char *detail = NULL;
    int32_t hr;

    if (c->ready)
        return WSM_S_OK;
    if ((hr = load_config(c, f)))
        return hr;
    int explicit_creds = c->has_creds && (is_set(c->creds.user) || is_set(c->creds.password));
    uint32_t auth = judge_policy(c, explicit_creds);

    memset(&tc, 0, sizeof(tc));
    transport_config(c, &tc);
    if (c->flags & WSM_FLAG_USE_NO_AUTHENTICATION)
        tc.auth = WSM_AUTH_NONE;
    else if (c->flags & WSM_FLAG_USE_BASIC)
        tc.auth = WSM_AUTH_BASIC;
    else if (c->flags & WSM_FLAG_USE_DIGEST)
        tc.auth = WSM_AUTH_DIGEST;
    else if (c->flags & WSM_FLAG_USE_CLIENT_CERTIFICATE)
        tc.auth = WSM_AUTH_CERTIFICATE;
    else if ((hr = new_auth_seam(c, auth, explicit_creds)))
        return failf(f, hr, "Out of memory.");
    else
        tc.auth = WSM_AUTH_EXTERNAL;
    if ((hr = wsm_transport_new(&tc, &c->transport, &detail)))
        return fail_detail(f, hr, detail);
    if (c->auth)
        wsm_auth_attach(c->auth, c->transport);
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
        if (!wsm_strncasecmp_ascii(p, "charset", 7)) {
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

/* Sends one SOAP message; with Negotiate/Kerberos through the authentication seam (auth/handshake.h), which
 * also encrypts and decrypts, so that on success http holds plaintext SOAP whatever the wire carried. */
static int32_t post_message(struct wsm_client *c, const char *body, size_t len, int utf16, int unauth,
                            uint32_t timeout_ms, size_t limit, struct wsm_http_reply *http,
                            struct wsm_failure *f)
{
    static const char *const identify_headers[] = {"WSMANIDENTIFY: unauthenticated", NULL};
    const char *ctype = utf16 ? CONTENT_TYPE_UTF16 : CONTENT_TYPE_UTF8;
    char *detail = NULL;
    int32_t hr;

    if (!c->auth || unauth)
        hr = wsm_transport_post(c->transport, body, len, ctype, unauth ? identify_headers : NULL, unauth,
                                http_timeout(c, timeout_ms), limit, http, &detail);
    else
        hr = wsm_auth_post(c->auth, c->transport, body, len, utf16, http_timeout(c, timeout_ms), limit, http,
                           &detail);
    return hr ? fail_detail(f, hr, detail) : WSM_S_OK;
}

/* A WS-Transfer reply must carry the response action of its request (DSP0226 section 7.3, the GetResponse,
 * PutResponse, CreateResponse and DeleteResponse actions): another operation's reply is not handed over as
 * this one's result. Liberal in what is accepted: a reply without a:Action is taken as it is, and only the
 * action's last path segment is compared (a server on another WS-Transfer namespace still says GetResponse).
 */
static int32_t check_transfer_action(enum wsm_op op, const struct wsm_reply *reply, struct wsm_failure *f,
                                     const char *url)
{
    const char *want = op == WSM_OP_GET      ? WSM_ACTION_GET_RESPONSE
                       : op == WSM_OP_PUT    ? WSM_ACTION_PUT_RESPONSE
                       : op == WSM_OP_CREATE ? WSM_ACTION_CREATE_RESPONSE
                       : op == WSM_OP_DELETE ? WSM_ACTION_DELETE_RESPONSE
                                             : NULL;
    const char *got = wsm_reply_action(reply);
    struct wsm_quoted qg, qw;

    if (!want || !got ||
        !wsm_strcasecmp_ascii(strrchr(got, '/') ? strrchr(got, '/') + 1 : got, strrchr(want, '/') + 1))
        return WSM_S_OK;
    return failf(f, ERROR_WSMAN_RESPONSE_INVALID_MESSAGE_INFORMATION_HEADER,
                 "The reply from %s has the action \"%s\" instead of \"%s\": it answers another "
                 "operation and was not used.",
                 url, wsm_quote_str(&qg, got), wsm_quote_str(&qw, want));
}

/* The failure for an HTTP 401: which credentials the server did not take. */
static int32_t unauthorized(const struct wsm_client *c, int unauth, struct wsm_failure *f)
{
    if (unauth || (c->flags & WSM_FLAG_USE_NO_AUTHENTICATION))
        return failf(f, WSM_E_ACCESSDENIED,
                     "The server at %s requires authentication (HTTP 401) and the request was sent without "
                     "credentials.",
                     c->url);
    if (c->flags & WSM_FLAG_USE_CLIENT_CERTIFICATE)
        return failf(f, WSM_E_ACCESSDENIED,
                     "The server at %s did not accept the client certificate (HTTP 401).", c->url);
    return failf(f, WSM_E_ACCESSDENIED,
                 "The server at %s rejected the %s credentials of user \"%s\" (HTTP 401).", c->url,
                 auth_name(c->flags), c->creds.user ? c->creds.user : "");
}

/* Parses a SOAP reply body (*reply stays NULL for a body that is not SOAP, or that could not be read while
 * the status says why anyway). */
static int32_t parse_reply(const struct wsm_client *c, const struct wsm_http_reply *http, uint32_t limit,
                           struct wsm_reply **reply, struct wsm_failure *f)
{
    char *detail = NULL, charset[32];
    int32_t hr;

    content_charset(http->content_type, charset, sizeof(charset));
    if (!http->len || !wsm_is_soap_type(http->content_type))
        return WSM_S_OK;
    hr = wsm_reply_parse(http->body, http->len, *charset ? charset : NULL, limit, reply, &detail);
    /* Out of memory reading a fault is out of memory, not the bare HTTP status. */
    if (hr && (http->status == 200 || hr == WSM_E_OUTOFMEMORY)) {
        char *text = wsm_asprintf("The reply from %s could not be read: %s", c->url, detail ? detail : "");
        free(detail);
        return fail_detail(f, hr, text);
    }
    free(detail);
    return WSM_S_OK;
}

/* The failure a reply carries: its SOAP fault, an HTTP status other than 200, no body, or a body that is
 * not SOAP. */
static int32_t reply_failure(const struct wsm_client *c, const struct wsm_http_reply *http,
                             const struct wsm_reply *reply, struct wsm_failure *f)
{
    struct wsm_fault fault = {0};
    int is_fault;

    if (reply) {
        if ((is_fault = wsm_reply_get_fault(reply, c->ep.host, &fault)) < 0)
            return failf(f, WSM_E_OUTOFMEMORY, "Out of memory.");
        if (is_fault) {
            wsm_failure_clear(f);
            f->hr = fault.hr;
            f->text = fault.text;
            f->fault_xml = fault.xml;
            fault.text = fault.xml = NULL;
            wsm_fault_clear(&fault);
            return f->hr;
        }
    }
    if (http->status != 200)
        return failf(f, wsm_http_status_hr(http->status), "The server at %s answered with HTTP status %ld%s.",
                     c->url, http->status,
                     !http->len ? " and no body"
                     : reply    ? " without a SOAP fault"
                                : " and a body that is not a SOAP envelope");
    if (!http->len)
        return failf(f, ERROR_WSMAN_HTTP_NO_RESPONSE_DATA,
                     "The server at %s answered HTTP 200 with an empty body.", c->url);
    if (!wsm_is_soap_type(http->content_type)) {
        struct wsm_quoted q;
        return failf(f, ERROR_WSMAN_HTTP_INVALID_CONTENT_TYPE_IN_RESPONSE_DATA,
                     "The server at %s answered with Content-Type \"%s\" instead of application/soap+xml.",
                     c->url, wsm_quote_str(&q, http->content_type ? http->content_type : ""));
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
    char *body = NULL, *message_id = NULL, *detail = NULL;
    size_t len = 0;
    uint32_t limit;
    int32_t hr;

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
    if (!hr && http.status == 401)
        hr = unauthorized(c, unauth, f);
    if (!hr)
        hr = parse_reply(c, &http, limit, &reply, f);
    if (!hr)
        hr = reply_failure(c, &http, reply, f);
    /* Identify carries no MessageID, so its reply relates to nothing. */
    if (!hr && message_id && (hr = wsm_reply_check_relates_to(reply, message_id, &detail)))
        fail_detail(f, hr, detail);
    if (!hr && !(hr = check_transfer_action(req->op, reply, f, c->url))) {
        *out = reply;
        reply = NULL;
    }
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

/* One Enumerate (pull 0) or Pull exchange, its reply read into st. */
static int32_t enumeration_exchange(struct wsm_client *c, struct wsm_request *req, uint32_t timeout_ms,
                                    int pull, struct wsm_enum_state *st, struct wsm_failure *f)
{
    struct wsm_reply *reply;
    char *detail = NULL;
    int32_t hr;

    if ((hr = exchange(c, req, timeout_ms, 0, &reply, f)))
        return hr;
    hr = wsm_reply_enumeration(reply, pull, st, &detail);
    wsm_reply_free(reply);
    return hr ? fail_detail(f, hr, detail) : WSM_S_OK;
}

int32_t wsm_client_enumerate(struct wsm_client *c, const struct wsm_locator *target, const char *filter,
                             const char *dialect, uint32_t flags, uint32_t timeout_ms, uint32_t batch_items,
                             struct wsm_enum_state *st, struct wsm_failure *f)
{
    struct wsm_request req;
    int32_t hr;

    wsm_enum_init(st);
    st->text_items = (flags & WSM_ENUM_ITEM_TEXT) != 0;
    request_init(&req, WSM_OP_ENUMERATE, target);
    req.filter = filter;
    req.dialect = dialect;
    req.enum_flags = flags;
    req.max_elements = batch_items;
    if ((hr = enumeration_exchange(c, &req, timeout_ms, 0, st, f))) {
        wsm_enum_clear(st);
        return hr;
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

    if (!st->context || st->end_of_sequence)
        return failf(f, ERROR_WSMAN_ENUMERATION_CLOSED, "The enumeration has no more items to pull.");
    request_init(&req, WSM_OP_PULL, st->target);
    req.context = st->context;
    req.max_elements = batch_items;
    return enumeration_exchange(c, &req, timeout_ms, 1, st, f);
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
