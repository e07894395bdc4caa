/*
 * The parts of the HTTP transport that do not depend on the HTTP stack, shared by transport.c (libcurl) and
 * transport_win.c (WinHTTP).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "detail.h"
#include "transport.h"

const char *wsm_clean(struct wsm_clean_text *c, const char *s)
{
    size_t n = 0;
    for (; s && *s && n + 4 < sizeof(c->text); s++) {
        unsigned char ch = (unsigned char)*s;
        c->text[n++] = ch == '"' ? '\'' : (ch < 0x20 || ch >= 0x7F) ? '?' : (char)ch;
    }
    int cut = s && *s;
    while (!cut && n && (c->text[n - 1] == '.' || c->text[n - 1] == ' '))
        n--;
    if (cut) {
        memcpy(c->text + n, "...", 3);
        n += 3;
    }
    c->text[n] = '\0';
    return c->text;
}

int wsm_has_crlf(const char *s)
{
    return s && strpbrk(s, "\r\n") != NULL;
}

void wsm_free_strv(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

void wsm_http_reply_clear(struct wsm_http_reply *r)
{
    if (!r)
        return;
    wsm_free_strv(r->www_authenticate);
    free(r->content_type);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

int32_t wsm_http_status_hr(long status)
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

int wsm_is_soap_type(const char *type)
{
    return type && !wsm_strncasecmp_ascii(type, "application/soap+xml", 20) &&
           (!type[20] || type[20] == ';' || type[20] == ' ');
}

/* A character that cannot stand in the host part of a URL (RFC 3986 section 3.2.2): white space, controls,
 * non-ASCII bytes and the delimiters of the other parts; ':' only inside an IPv6 literal. */
static int bad_host_char(unsigned char c, int ipv6)
{
    return c <= 0x20 || c >= 0x7F || strchr("@\\/?#[]", c) || (c == ':' && !ipv6);
}

/* A character the path of the request cannot carry as it is: white space, controls, and '?' and '#', which
 * would start a query or fragment (RFC 3986 section 3.3). */
static int bad_path_char(unsigned char c)
{
    return c <= 0x20 || c == 0x7F || c == '?' || c == '#';
}

static int32_t check_endpoint(const struct wsm_endpoint *ep, char **detail)
{
    struct wsm_quoted q;

    if (!ep || ep->local || !ep->host || !*ep->host)
        return wsm_fail(detail, WSM_E_INVALIDARG,
                        "No remote endpoint (host name) was given to the transport.");
    for (const char *c = ep->host; *c; c++) {
        if (bad_host_char((unsigned char)*c, ep->ipv6))
            return wsm_fail(detail, WSM_E_INVALIDARG,
                            "The host name \"%s\" given to the transport cannot be used in a URL.",
                            wsm_quote_str(&q, ep->host));
    }
    if (ep->port < 1 || ep->port > 65535)
        return wsm_fail(detail, WSM_E_INVALIDARG,
                        "The port %u given to the transport is not from 1 to 65535.", ep->port);
    for (const char *c = ep->prefix; c && *c; c++) {
        if (bad_path_char((unsigned char)*c))
            return wsm_fail(detail, WSM_E_INVALIDARG,
                            "The URL prefix \"%s\" given to the transport contains a character that is not "
                            "allowed there.",
                            wsm_quote_str(&q, ep->prefix));
    }
    return WSM_S_OK;
}

int32_t wsm_transport_check_config(const struct wsm_transport_config *cfg, char **detail)
{
    int32_t hr = check_endpoint(cfg ? cfg->endpoint : NULL, detail);

    if (hr)
        return hr;
    if ((unsigned)cfg->auth > WSM_AUTH_EXTERNAL)
        return wsm_fail(detail, WSM_E_INVALIDARG, "The transport authentication kind %d is not known.",
                        (int)cfg->auth);
    if ((unsigned)cfg->proxy_mode > WSM_PROXY_EXPLICIT)
        return wsm_fail(detail, WSM_E_INVALIDARG, "The proxy mode %d is not known.", (int)cfg->proxy_mode);
    if (cfg->proxy_mode == WSM_PROXY_EXPLICIT && (!cfg->proxy_url || !*cfg->proxy_url))
        return wsm_fail(detail, WSM_E_INVALIDARG, "An explicit proxy was asked for without a proxy URL.");
    if (wsm_has_crlf(cfg->proxy_url))
        return wsm_fail(detail, WSM_E_INVALIDARG, "The proxy URL contains a line break.");
    return WSM_S_OK;
}

int32_t wsm_check_request_headers(const char *content_type, const char *const *extra, char **detail)
{
    struct wsm_quoted q;

    if (wsm_has_crlf(content_type))
        return wsm_fail(detail, WSM_E_INVALIDARG, "The Content-Type \"%s\" contains a line break.",
                        wsm_quote_str(&q, content_type));
    for (const char *const *h = extra; h && *h; h++) {
        if (wsm_has_crlf(*h) || !strchr(*h, ':'))
            return wsm_fail(detail, WSM_E_INVALIDARG,
                            "The extra header \"%s\" is not one line of the form \"Name: value\".",
                            wsm_quote_str(&q, *h));
    }
    return WSM_S_OK;
}
