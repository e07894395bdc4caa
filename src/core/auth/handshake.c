/*
 * The handshake driver of the authentication seam (handshake.h), shared by
 * the Linux library and the Windows DLL: the legs of a connection-oriented
 * mechanism carried in Authorization / WWW-Authenticate headers (RFC 4559,
 * and the same for the Kerberos scheme), the WinRM message encryption
 * (encframe.c) and the framing rule for servers that differ.
 *
 * SPDX-License-Identifier: MIT
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "detail.h"
#include "handshake.h"
#include "trace.h"

/* Where the context of the session's connection stands. The transport's hook (auth_hook) runs once the
 * connection of each request is up and acts on it:
 *   NONE          no context: wsm_auth_post runs a handshake before the message;
 *   FIRST_LEG     the first leg is going out: the hook makes a fresh context (bound to this connection's
 *                 certificate over HTTPS) and sends its first token;
 *   NEXT_LEG      a later leg is going out: the hook sends the token prepared from the server's last one,
 *                 and fails when the connection is a new one (the context was the old connection's);
 *   ESTABLISHED   the context is established on the connection: messages go out without a header; a new
 *                 connection means nothing was sent and the server has no context (RECONNECT);
 *   SENT          the message went out once on the context's connection; a second hook call means the
 *                 server closed it without a reply and libcurl resends on a new one (DROPPED). */
enum wsm_auth_state { AUTH_NONE, AUTH_FIRST_LEG, AUTH_NEXT_LEG, AUTH_ESTABLISHED, AUTH_SENT };

/* The framing of encrypted requests: the part header lines of MS-WSMV 2.2.9.1.1 with the leading tab that
 * Windows sends, or without it, the only form OMI reads (see wsm_auth_post). */
enum wsm_framing {
    FRAMING_TABS_UNTRIED, /* tabs; the server has not answered an encrypted request yet */
    FRAMING_TABS,         /* tabs; the server has answered such a request: kept for the session */
    FRAMING_NO_TABS       /* the server dropped the connection on the tabs: no tabs for the session */
};

/* Private statuses of auth_hook() (see AUTH_ESTABLISHED and AUTH_SENT). */
#define WSM_S_RECONNECT ((int32_t)1)
#define WSM_S_DROPPED ((int32_t)2)
/* A private status of handshake_reply(): another leg follows. */
#define WSM_S_NEXT_LEG ((int32_t)3)

#define MAX_LEGS 10

/* The largest token a server may send in WWW-Authenticate: Windows' default MaxTokenSize (48000 bytes), as
 * base64. A longer one is refused before it is decoded (SEC_E_INVALID_TOKEN); the transport's header caps
 * (WSM_MAX_HEADER_LINE) come first for anything longer than a header line may be. */
#define MAX_TOKEN_BYTES 48000u
#define MAX_TOKEN_BASE64 (MAX_TOKEN_BYTES / 3 * 4)

struct wsm_auth {
    struct wsm_auth_params p;
    char *url;
    void *ctx; /* the mechanism's, made by the first handshake */
    enum wsm_auth_state state;
    enum wsm_framing framing;
    int leg;            /* the leg being posted, for texts */
    char *next_header;  /* NEXT_LEG: the Authorization value to send */
    unsigned char *cbt; /* channel binding data of the current HTTPS connection */
    size_t cbt_len;
};

/* ---- the mechanism behind gssauth.h ---- */

static int32_t gss_create(const struct wsm_gss_config *cfg, void **ctx, char **detail)
{
    struct wsm_gss *g = NULL;
    int32_t hr = wsm_gss_new(cfg, &g, detail);
    *ctx = g;
    return hr;
}

static void gss_destroy(void *ctx)
{
    wsm_gss_free(ctx);
}

static void gss_reset(void *ctx)
{
    wsm_gss_reset(ctx);
}

static int32_t gss_step(void *ctx, const void *in, size_t in_len, const void *cb, size_t cb_len,
                        unsigned char **out, size_t *out_len, int *complete, char **detail)
{
    return wsm_gss_step(ctx, in, in_len, cb, cb_len, out, out_len, complete, detail);
}

static int gss_chosen(const void *ctx)
{
    return wsm_gss_mech(ctx) != WSM_GSS_MECH_NONE;
}

static const char *gss_target(const void *ctx)
{
    return wsm_gss_spn(ctx);
}

static int32_t gss_wrap(void *ctx, const void *plain, size_t len, unsigned char **out, size_t *out_len,
                        size_t *hdr_len, size_t *orig_len, char **detail)
{
    return wsm_gss_wrap(ctx, plain, len, out, out_len, hdr_len, orig_len, detail);
}

static int32_t gss_unwrap(void *ctx, const void *hdr, size_t hdr_len, const void *data, size_t data_len,
                          unsigned char **plain, size_t *plain_len, char **detail)
{
    return wsm_gss_unwrap(ctx, hdr, hdr_len, data, data_len, plain, plain_len, detail);
}

const struct wsm_mech_ops wsm_mech_gss = {gss_create, gss_destroy, gss_reset, gss_step,
                                          gss_chosen, gss_target,  gss_wrap,  gss_unwrap};

/* ---- life ---- */

int32_t wsm_auth_new(const struct wsm_auth_params *p, struct wsm_auth **out)
{
    struct wsm_auth *a = calloc(1, sizeof(*a));

    *out = NULL;
    if (!a || !(a->url = wsm_strdup(p->url ? p->url : ""))) {
        free(a);
        return WSM_E_OUTOFMEMORY;
    }
    a->p = *p;
    a->p.url = a->url;
    *out = a;
    return WSM_S_OK;
}

void wsm_auth_free(struct wsm_auth *a)
{
    if (!a)
        return;
    if (a->ctx)
        a->p.mech->destroy(a->ctx);
    free(a->next_header);
    free(a->cbt);
    free(a->url);
    free(a);
}

/* Names the user for texts (never the password). */
static const char *user_text(const struct wsm_auth *a)
{
    return a->p.cfg.user && *a->p.cfg.user ? a->p.cfg.user : "(the current user's credentials)";
}

/* ---- the legs ---- */

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
            if (!wsm_strncasecmp_ascii(p, scheme, n) &&
                (!p[n] || p[n] == ' ' || p[n] == ',' || p[n] == '\t')) {
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
static int32_t next_leg(struct wsm_auth *a, const unsigned char *in, size_t in_len, char **header,
                        int *complete, char **detail)
{
    unsigned char *out = NULL;
    size_t out_len = 0;
    char *b64;
    int32_t hr;

    *header = NULL;
    if ((hr = a->p.mech->step(a->ctx, in, in_len, a->cbt, a->cbt_len, &out, &out_len, complete, detail)))
        return hr;
    if (out_len) {
        b64 = wsm_base64_encode(out, out_len);
        *header = b64 ? wsm_asprintf("%s %s", a->p.scheme, b64) : NULL;
        free(b64);
        if (!*header) {
            free(out);
            return WSM_E_OUTOFMEMORY;
        }
    }
    free(out);
    return WSM_S_OK;
}

/* The first leg: a fresh context, bound to this connection's TLS certificate over HTTPS. */
static int32_t first_leg(struct wsm_auth *a, const struct wsm_conn_info *ci, char **authorization,
                         char **detail)
{
    int complete = 0;
    int32_t hr;

    a->p.mech->reset(a->ctx);
    free(a->cbt);
    a->cbt = NULL;
    a->cbt_len = 0;
    if (ci->peer_cert && (hr = wsm_gss_cbt_tls_server_end_point(ci->peer_cert, ci->peer_cert_len, &a->cbt,
                                                                &a->cbt_len, detail)))
        return hr;
    if ((hr = next_leg(a, NULL, 0, authorization, &complete, detail)))
        return hr;
    if (!*authorization)
        return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR,
                        "The %s mechanism produced no initial token for %s.", a->p.scheme,
                        a->p.mech->target(a->ctx));
    return WSM_S_OK;
}

/* The transport calls this before each authenticated request goes out (see wsm_auth_hook). */
static int32_t auth_hook(void *ctx, const struct wsm_conn_info *ci, char **authorization, char **detail)
{
    struct wsm_auth *a = ctx;

    *authorization = NULL;
    switch (a->state) {
    case AUTH_FIRST_LEG:
        return first_leg(a, ci, authorization, detail);
    case AUTH_NEXT_LEG:
        if (ci->new_connection)
            return wsm_fail(detail, WSM_E_WINHTTP_CONNECTION_ERROR,
                            "The server at %s closed the connection in the middle of the %s handshake (after "
                            "leg %d), so the authentication could not complete.",
                            a->url, a->p.scheme, a->leg - 1);
        *authorization = a->next_header;
        a->next_header = NULL;
        return WSM_S_OK;
    case AUTH_ESTABLISHED:
        if (ci->new_connection) {
            a->state = AUTH_NONE;
            return WSM_S_RECONNECT;
        }
        a->state = AUTH_SENT;
        return WSM_S_OK;
    case AUTH_SENT:
        if (ci->new_connection) {
            a->state = AUTH_NONE;
            return WSM_S_DROPPED;
        }
        return WSM_S_OK;
    case AUTH_NONE:
        break;
    }
    return WSM_S_OK;
}

void wsm_auth_attach(struct wsm_auth *a, struct wsm_transport *t)
{
    wsm_transport_set_auth_hook(t, auth_hook, a);
}

/* Reads the server's answer to handshake leg a->leg: WSM_S_OK when the context is established,
 * WSM_S_NEXT_LEG when a->next_header holds the next leg's Authorization, else the failure. */
static int32_t handshake_reply(struct wsm_auth *a, const struct wsm_http_reply *http, char **detail)
{
    const char *token;
    size_t token_len, in_len = 0;
    unsigned char *in = NULL;
    char *why = NULL;
    int32_t hr, step = WSM_S_OK;
    int complete = a->p.mech->chosen(a->ctx);
    int offered = find_challenge(http->www_authenticate, a->p.scheme, &token, &token_len);

    if (token && token_len > MAX_TOKEN_BASE64)
        return wsm_fail(
            detail, WSM_SEC_E_INVALID_TOKEN,
            "The server at %s sent a %s token of about %zu bytes (%zu characters of base64, leg %d of "
            "the handshake), more than the limit of %u bytes for a token; it was not used.",
            a->url, a->p.scheme, token_len / 4 * 3, token_len, a->leg, MAX_TOKEN_BYTES);
    if (token && !(in = wsm_base64_decode(token, token_len, &in_len)))
        return wsm_fail(
            detail, WSM_SEC_E_INVALID_TOKEN,
            "The server at %s sent a %s token that is not valid base64 (leg %d of the handshake).", a->url,
            a->p.scheme, a->leg);
    if (http->status == 401) {
        if (!in && a->leg == 1 && !offered)
            hr = wsm_fail(
                detail, WSM_E_ACCESSDENIED,
                "The server at %s does not offer %s authentication (HTTP 401 without a %s challenge).",
                a->url, a->p.scheme, a->p.scheme);
        else if (!in)
            hr = wsm_fail(
                detail, WSM_E_ACCESSDENIED,
                "The server at %s rejected the %s authentication of %s for %s (HTTP 401 at leg %d of the "
                "handshake): wrong password, unknown user, or the server cannot use the service ticket.",
                a->url, a->p.scheme, user_text(a), a->p.mech->target(a->ctx), a->leg);
        else if (complete)
            hr = wsm_fail(
                detail, WSM_E_ACCESSDENIED,
                "The server at %s rejected the %s authentication of %s after the client had completed "
                "it (HTTP 401).",
                a->url, a->p.scheme, user_text(a));
        else if (!(hr = step = next_leg(a, in, in_len, &a->next_header, &complete, &why)))
            hr = a->next_header ? WSM_S_NEXT_LEG
                                : wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR,
                                           "The server at %s asked for another %s leg, but the mechanism has "
                                           "nothing more to send.",
                                           a->url, a->p.scheme);
    } else if (http->status == 200) {
        hr = WSM_S_OK;
        if (in && !complete)
            hr = step = next_leg(a, in, in_len, &a->next_header, &complete, &why);
        if (!hr && !complete)
            hr = wsm_fail(detail, WSM_SEC_E_MUTUAL_AUTH_FAILED,
                          "The server at %s accepted the %s authentication without sending the final token "
                          "that proves its own identity (mutual authentication), so it cannot be trusted.",
                          a->url, a->p.scheme);
    } else {
        hr = wsm_fail(detail, wsm_http_status_hr(http->status),
                      "The server at %s answered the %s handshake with HTTP status %ld.", a->url, a->p.scheme,
                      http->status);
    }
    if (step) {
        /* next_leg() failed: its sentence, with where it happened. */
        if (detail)
            *detail = wsm_asprintf("%s authentication to %s failed: %s", a->p.scheme, a->url, why ? why : "");
        free(why);
    }
    free(in);
    return hr;
}

/* Establishes the context on the session's connection with empty-body POSTs before the first message:
 * every leg answered 401 + token, then 200 (+ the server's final token, which is processed before anything
 * is wrapped). The first leg carries credentials: some servers (OMI) never answer a request without them. */
static int32_t handshake(struct wsm_auth *a, struct wsm_transport *t, uint32_t timeout_ms, char **detail)
{
    struct wsm_http_reply http = {0};
    char *why = NULL;
    int32_t hr;

    a->state = AUTH_NONE;
    if (!a->ctx && (hr = a->p.mech->create(&a->p.cfg, &a->ctx, detail)))
        return hr;
    for (a->leg = 1; a->leg <= MAX_LEGS; a->leg++) {
        a->state = a->leg == 1 ? AUTH_FIRST_LEG : AUTH_NEXT_LEG;
        if (wsm_trace_enabled())
            wsm_trace_note(wsm_transport_trace_label(t), '*', "%s handshake with %s, leg %d", a->p.scheme,
                           a->url, a->leg);
        hr = wsm_transport_post(t, "", 0, NULL, NULL, 0, timeout_ms, 65536, &http, &why);
        a->state = AUTH_NONE;
        free(a->next_header);
        a->next_header = NULL;
        if (hr) {
            if (detail)
                *detail = wsm_asprintf("%s authentication of %s to %s failed at leg %d of the handshake: %s",
                                       a->p.scheme, user_text(a), a->url, a->leg, why ? why : "");
            free(why);
            return hr;
        }
        hr = handshake_reply(a, &http, detail);
        wsm_http_reply_clear(&http);
        if (hr != WSM_S_NEXT_LEG) {
            free(a->next_header);
            a->next_header = NULL;
            if (!hr)
                a->state = AUTH_ESTABLISHED;
            return hr;
        }
    }
    free(a->next_header);
    a->next_header = NULL;
    return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR, "The %s handshake with %s did not end after %d legs.",
                    a->p.scheme, a->url, MAX_LEGS);
}

/* ---- messages ---- */

/* Decrypts and verifies an encrypted reply in place: http then holds the plaintext SOAP. */
static int32_t decrypt_reply(struct wsm_auth *a, size_t limit, struct wsm_http_reply *http, char **detail)
{
    char *plain = NULL, *charset = NULL, *type, *why = NULL;
    size_t plain_len = 0;
    int32_t hr = wsm_encframe_parse(http->content_type, http->body, http->len, a->p.protocol,
                                    a->p.mech->unwrap, a->ctx, limit, &plain, &plain_len, &charset, &why);
    if (hr) {
        if (detail)
            *detail = wsm_asprintf("The encrypted reply from %s (HTTP %ld) was rejected: %s", a->url,
                                   http->status, why ? why : "");
        free(why);
        a->state = AUTH_NONE; /* a damaged or forged message may have upset the sequence state */
        wsm_http_reply_clear(http);
        return hr;
    }
    /* An RC4-HMAC Kerberos wrap made by MIT carries one byte of RFC 4757 padding (0x01) that Length= counts;
     * no well-formed SOAP text ends with that byte (UTF-8 or UTF-16LE), so it goes. */
    if (plain_len && (unsigned char)plain[plain_len - 1] == 0x01)
        plain[--plain_len] = '\0';
    type = wsm_asprintf("application/soap+xml;charset=%s", charset);
    free(charset);
    if (!type) {
        free(plain);
        wsm_http_reply_clear(http);
        return wsm_fail(detail, WSM_E_OUTOFMEMORY, "Out of memory.");
    }
    free(http->body);
    free(http->content_type);
    http->body = plain;
    http->len = plain_len;
    http->content_type = type;
    return WSM_S_OK;
}

/* What an unencrypted reply means for a session that encrypts, or one that does not (WSM_S_OK: the caller
 * reads it as usual). */
static int32_t check_plain_reply(struct wsm_auth *a, int https, struct wsm_http_reply *http, char **detail)
{
    int32_t hr = WSM_S_OK;

    if (a->p.encrypt && (http->status == 200 || wsm_is_soap_type(http->content_type))) {
        struct wsm_quoted q;
        hr = wsm_fail(
            detail, ERROR_WSMAN_HTTP_INVALID_CONTENT_TYPE_IN_RESPONSE_DATA,
            "The server at %s answered an encrypted request with an unencrypted reply (HTTP %ld, "
            "Content-Type \"%s\"); it is not used, because anyone on the network could have sent it.",
            a->url, http->status, wsm_quote_str(&q, http->content_type ? http->content_type : ""));
    } else if (!http->len && !a->p.encrypt && !https && http->status == 500) {
        hr = wsm_fail(
            detail, ERROR_WSMAN_HTTP_STATUS_SERVER_ERROR,
            "The server at %s answered the unencrypted request with HTTP 500 and no body: it most likely "
            "requires message encryption (AllowUnencrypted = false on the service). Do not set "
            "SessionFlagNoEncryption, or use HTTPS.",
            a->url);
    } else if (!http->len && a->p.encrypt && (http->status == 400 || http->status == 415)) {
        hr =
            wsm_fail(detail, wsm_http_status_hr(http->status),
                     "The server at %s did not accept the encrypted message (HTTP %ld): it does not seem to "
                     "support WinRM message encryption. Use HTTPS, or SessionFlagNoEncryption if the service "
                     "allows unencrypted traffic.",
                     a->url, http->status);
    }
    if (hr)
        wsm_http_reply_clear(http);
    return hr;
}

/* The framing rule. Windows and OMI both accept the encrypted parts in Windows' framing except for one
 * thing: OMI finds the part header lines only at the very start of a line, so the tab that MS-WSMV shows
 * and Windows sends before each of them makes OMI fail the decryption and close the connection without an
 * HTTP reply. So a session frames like Windows until the server has answered an encrypted request (then it
 * never changes: a session against Windows sends Windows' bytes). When instead the server closes the
 * connection without a reply to the session's first encrypted request, the session authenticates again on
 * a new connection, resends that request once without the tabs, and keeps that framing to its end. That is
 * one resend at most: if the server drops that one too, the failure is reported (0x80072EFE). */
int32_t wsm_auth_post(struct wsm_auth *a, struct wsm_transport *t, const char *body, size_t len, int utf16,
                      uint32_t timeout_ms, size_t limit, struct wsm_http_reply *http, char **detail)
{
    const char *ctype = utf16 ? "application/soap+xml;charset=UTF-16" : "application/soap+xml;charset=UTF-8";
    int https = !wsm_strncasecmp_ascii(a->url, "https:", 6);
    int32_t hr;

    if (detail)
        *detail = NULL;
    for (int attempt = 0;; attempt++) {
        char *ebody = NULL, *etype = NULL, *why = NULL;
        size_t elen = 0;
        unsigned frame =
            (utf16 ? WSM_ENCFRAME_UTF16 : 0) | (a->framing == FRAMING_NO_TABS ? WSM_ENCFRAME_NO_TABS : 0);

        if (a->state == AUTH_NONE && (hr = handshake(a, t, timeout_ms, detail)))
            return hr;
        if (a->p.encrypt && wsm_trace_enabled())
            wsm_trace_body(wsm_transport_trace_label(t), '=',
                           "plaintext of the encrypted request that follows", body, len);
        if (a->p.encrypt && (hr = wsm_encframe_build(a->p.protocol, frame, body, len, a->p.mech->wrap, a->ctx,
                                                     &ebody, &elen, &etype, detail))) {
            a->state = AUTH_NONE;
            return hr;
        }
        /* The encrypted reply is a little larger than the SOAP text the limit is about. */
        hr = wsm_transport_post(t, a->p.encrypt ? ebody : body, a->p.encrypt ? elen : len,
                                a->p.encrypt ? etype : ctype, NULL, 0, timeout_ms, limit ? limit + 65536 : 0,
                                http, &why);
        free(ebody);
        free(etype);
        if (hr == WSM_S_RECONNECT) {
            free(why);
            if (attempt == 0)
                continue; /* nothing was sent: authenticate on the new connection */
            return wsm_fail(detail, WSM_E_WINHTTP_CONNECTION_ERROR,
                            "The connection to %s was lost again right after %s authentication.", a->url,
                            a->p.scheme);
        }
        if (hr) {
            /* Whether the server saw the message is unknown, and with it the sequence numbers. */
            a->state = AUTH_NONE;
            if ((hr == WSM_S_DROPPED || hr == WSM_E_WINHTTP_CONNECTION_ERROR) && a->p.encrypt &&
                a->framing == FRAMING_TABS_UNTRIED) {
                /* dropped without a reply: OMI's way of refusing the tabs (the framing rule above) */
                a->framing = FRAMING_NO_TABS;
                free(why);
                continue;
            }
            if (hr == WSM_S_DROPPED) {
                free(why);
                if (attempt == 0)
                    continue; /* the server closed the connection of the context (restart, idle): once more */
                return wsm_fail(detail, WSM_E_WINHTTP_CONNECTION_ERROR,
                                "The server at %s closed the connection without a reply to the request, also "
                                "when it was sent again after a new %s authentication.",
                                a->url, a->p.scheme);
            }
            if (detail)
                *detail = why;
            else
                free(why);
            return hr;
        }
        if (a->state == AUTH_SENT)
            a->state = AUTH_ESTABLISHED;
        if (a->p.encrypt && a->framing == FRAMING_TABS_UNTRIED && http->status != 401)
            a->framing = FRAMING_TABS;
        if (http->status != 401)
            break;
        a->state = AUTH_NONE;
        if (attempt > 0)
            return wsm_fail(
                detail, WSM_E_ACCESSDENIED,
                "The server at %s refused the request (HTTP 401) although %s authentication of %s "
                "had just succeeded.",
                a->url, a->p.scheme, user_text(a));
        wsm_http_reply_clear(http); /* the server lost the context (restart, idle timeout): once more */
    }

    if (wsm_encframe_is_encrypted(http->content_type)) {
        if ((hr = decrypt_reply(a, limit, http, detail)) == WSM_S_OK && wsm_trace_enabled())
            wsm_trace_body(wsm_transport_trace_label(t), '=',
                           "decrypted reply (plaintext of the encrypted reply above)", http->body, http->len);
        return hr;
    }
    return check_plain_reply(a, https, http, detail);
}
