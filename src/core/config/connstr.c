/*
 * CreateSession connection strings: `[transport://]host[:port][/prefix]`.
 *
 * The parser is strict on purpose: anything it does not understand is an
 * error with a sentence saying what was wrong, rather than a guess that
 * later fails as an obscure network error.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "detail.h"
#include "iplit.h"

#define DEFAULT_PREFIX "wsman"
#define MAX_HOST_LEN 255

/* ---- character classes (ASCII only: independent of the locale) ---- */

static int is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7F;
}

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static int is_host_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '.' ||
           c == '_';
}

/* ---- the pieces of the grammar ---- */

/* What the parser found, as spans into the input; copied out at the end. */
struct spans {
    const char *host;
    size_t host_len;
    const char *prefix;
    size_t prefix_len;
};

static int32_t check_whitespace(const char *conn, char **detail)
{
    size_t len = strlen(conn);
    size_t blanks = 0;
    while (blanks < len && wsm_is_space((unsigned char)conn[blanks]))
        blanks++;
    if (blanks == len)
        return wsm_fail(detail, ERROR_WSMAN_CONNECTIONSTR_INVALID,
                        "The connection string contains only white space.");
    if (blanks > 0 || wsm_is_space((unsigned char)conn[len - 1])) {
        struct wsm_quoted q;
        return wsm_fail(detail, ERROR_WSMAN_CONNECTIONSTR_INVALID,
                        "The connection string \"%s\" begins or ends with white space.",
                        wsm_quote_str(&q, conn));
    }
    return WSM_S_OK;
}

/* A scheme is whatever precedes the first "://", unless a '/' comes first
 * (then the "://" belongs to the prefix). Advances *rest past "://". */
static int32_t parse_scheme(const char *conn, int use_ssl, struct wsm_endpoint *ep, const char **rest,
                            char **detail)
{
    const char *sep = strstr(conn, "://");
    *rest = conn;
    ep->https = use_ssl ? 1 : 0;
    if (!sep || memchr(conn, '/', (size_t)(sep - conn)))
        return WSM_S_OK;

    size_t n = (size_t)(sep - conn);
    struct wsm_quoted q;
    if (n == 0)
        return wsm_fail(detail, ERROR_WSMAN_CONNECTIONSTR_INVALID,
                        "The connection string \"%s\" has \"://\" without a transport before it.",
                        wsm_quote_str(&q, conn));
    if (wsm_span_eq_nocase(conn, n, "http"))
        ep->https = 0;
    else if (wsm_span_eq_nocase(conn, n, "https"))
        ep->https = 1;
    else
        return wsm_fail(detail, ERROR_WSMAN_TRANSPORT_NOT_SUPPORTED,
                        "The transport \"%s\" is not supported; use http or https.", wsm_quote(&q, conn, n));
    if (use_ssl && !ep->https)
        return wsm_fail(detail, ERROR_WSMAN_INVALID_USESSL_PARAM,
                        "WSManFlagUseSsl cannot be combined with the http transport named in "
                        "\"%s\".",
                        wsm_quote_str(&q, conn));
    ep->scheme_given = 1;
    *rest = sep + 3;
    return WSM_S_OK;
}

static int32_t check_ipv6(const char *addr, size_t n, char **detail)
{
    struct wsm_quoted q;
    if (n == 0)
        return wsm_fail(detail, ERROR_WSMAN_CONNECTIONSTR_INVALID,
                        "The brackets \"[]\" in the connection string contain no IPv6 address.");
    if (memchr(addr, '%', n))
        return wsm_fail(detail, ERROR_WSMAN_CONNECTIONSTR_INVALID,
                        "The IPv6 address \"%s\" has a zone index ('%%'), which is not supported.",
                        wsm_quote(&q, addr, n));
    if (!wsm_ipv6_parse(addr, n, NULL))
        return wsm_fail(detail, ERROR_WSMAN_CONNECTIONSTR_INVALID, "\"%s\" is not a valid IPv6 address.",
                        wsm_quote(&q, addr, n));
    return WSM_S_OK;
}

/* "[v6]" followed by end, ':' or '/'. Advances *rest past the ']'. */
static int32_t parse_bracketed_host(const char **rest, struct wsm_endpoint *ep, struct spans *sp,
                                    char **detail)
{
    const char *open = *rest;
    const char *close = strchr(open, ']');
    struct wsm_quoted q;
    if (!close)
        return wsm_fail(detail, ERROR_WSMAN_CONNECTIONSTR_INVALID,
                        "The IPv6 address in \"%s\" has no closing ']'.", wsm_quote_str(&q, open));
    int32_t hr = check_ipv6(open + 1, (size_t)(close - open - 1), detail);
    if (hr != WSM_S_OK)
        return hr;
    const char *after = close + 1;
    if (*after != '\0' && *after != ':' && *after != '/')
        return wsm_fail(detail, ERROR_WSMAN_CONNECTIONSTR_INVALID,
                        "Unexpected text \"%s\" after the IPv6 address; a port must follow a "
                        "':' and a prefix a '/'.",
                        wsm_quote_str(&q, after));
    sp->host = open + 1;
    sp->host_len = (size_t)(close - open - 1);
    ep->ipv6 = 1;
    *rest = after;
    return WSM_S_OK;
}

/* A DNS/NetBIOS name or IPv4 address up to ':' or '/'. Advances *rest. */
static int32_t parse_plain_host(const char **rest, const char *conn, struct spans *sp, char **detail)
{
    const char *host = *rest;
    size_t authority_len = strcspn(host, "/");
    const char *colon = memchr(host, ':', authority_len);
    struct wsm_quoted q, q2;
    if (colon && memchr(colon + 1, ':', authority_len - (size_t)(colon + 1 - host)))
        return wsm_fail(detail, ERROR_WSMAN_CONNECTIONSTR_INVALID,
                        "The host part \"%s\" contains more than one ':'; an IPv6 address must be "
                        "enclosed in brackets, as in [::1]:5985.",
                        wsm_quote(&q, host, authority_len));

    size_t n = colon ? (size_t)(colon - host) : authority_len;
    if (n == 0)
        return wsm_fail(detail, ERROR_WSMAN_CONNECTIONSTR_INVALID,
                        "The connection string \"%s\" has no host name.", wsm_quote_str(&q, conn));
    if (n > MAX_HOST_LEN)
        return wsm_fail(detail, ERROR_WSMAN_CONNECTIONSTR_INVALID,
                        "The host name \"%s\" is %zu characters long; at most %d are allowed.",
                        wsm_quote(&q, host, n), n, MAX_HOST_LEN);
    for (size_t i = 0; i < n; i++) {
        if (!is_host_char((unsigned char)host[i]))
            return wsm_fail(detail, ERROR_WSMAN_CONNECTIONSTR_INVALID,
                            "The host name \"%s\" contains the character \"%s\", which is not "
                            "allowed; use letters, digits, '-', '.' and '_'.",
                            wsm_quote(&q, host, n), wsm_quote(&q2, host + i, 1));
    }
    sp->host = host;
    sp->host_len = n;
    *rest = host + n;
    return WSM_S_OK;
}

/* ":digits" up to '/' or the end. *rest points at the ':'; advances it. */
static int32_t parse_port(const char **rest, struct wsm_endpoint *ep, char **detail)
{
    const char *digits = *rest + 1;
    size_t n = strcspn(digits, "/");
    if (n == 0)
        return wsm_fail(detail, ERROR_WSMAN_PORT_INVALID,
                        "The connection string has a ':' but no port number after it.");
    /* At most 5 digits, so the value cannot overflow; "+80", "-1", "0x50" are refused. */
    unsigned long value = 0;
    int valid = n <= 5;
    for (size_t i = 0; valid && i < n; i++) {
        if (is_digit((unsigned char)digits[i]))
            value = value * 10 + (unsigned long)(digits[i] - '0');
        else
            valid = 0;
    }
    struct wsm_quoted q;
    if (!valid || value < 1 || value > 65535)
        return wsm_fail(detail, ERROR_WSMAN_PORT_INVALID, "The port \"%s\" is not a number from 1 to 65535.",
                        wsm_quote(&q, digits, n));
    ep->port = (unsigned)value;
    ep->port_given = 1;
    *rest = digits + n;
    return WSM_S_OK;
}

/* "/prefix" with leading and trailing slashes dropped; "" means the default. */
static int32_t parse_prefix(const char *slash, struct spans *sp, char **detail)
{
    const char *start = slash;
    while (*start == '/')
        start++;
    size_t n = strlen(start);
    while (n > 0 && start[n - 1] == '/')
        n--;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)start[i];
        if (c == '?' || c == '#' || wsm_is_space(c) || is_control(c)) {
            struct wsm_quoted q, q2;
            return wsm_fail(detail, ERROR_WSMAN_CONNECTIONSTR_INVALID,
                            "The URL prefix \"%s\" contains the character \"%s\", which is not "
                            "allowed there.",
                            wsm_quote(&q, start, n), wsm_quote(&q2, start + i, 1));
        }
    }
    sp->prefix = start;
    sp->prefix_len = n;
    return WSM_S_OK;
}

static unsigned default_port(const struct wsm_endpoint *ep)
{
    if (ep->scheme_given)
        return ep->https ? 443 : 80;
    return ep->https ? 5986 : 5985;
}

static int32_t parse_remote(const char *conn, int use_ssl, struct wsm_endpoint *ep, char **detail)
{
    struct spans sp = {0};
    const char *rest;
    int32_t hr = check_whitespace(conn, detail);
    if (hr == WSM_S_OK)
        hr = parse_scheme(conn, use_ssl, ep, &rest, detail);
    if (hr == WSM_S_OK)
        hr = *rest == '[' ? parse_bracketed_host(&rest, ep, &sp, detail)
                          : parse_plain_host(&rest, conn, &sp, detail);
    if (hr == WSM_S_OK && *rest == ':')
        hr = parse_port(&rest, ep, detail);
    if (hr == WSM_S_OK && *rest == '/')
        hr = parse_prefix(rest, &sp, detail);
    if (hr != WSM_S_OK)
        return hr;

    if (!ep->port_given)
        ep->port = default_port(ep);
    ep->host = wsm_strndup(sp.host, sp.host_len);
    ep->prefix = sp.prefix_len ? wsm_strndup(sp.prefix, sp.prefix_len) : wsm_strdup(DEFAULT_PREFIX);
    return ep->host && ep->prefix ? WSM_S_OK : WSM_E_OUTOFMEMORY;
}

int32_t wsm_parse_connection(const char *conn, int use_ssl, struct wsm_endpoint *ep, char **detail)
{
    if (detail)
        *detail = NULL;
    if (!ep)
        return WSM_E_INVALIDARG;
    memset(ep, 0, sizeof *ep);
    if (!conn || !*conn) {
        ep->local = 1;
        return WSM_S_OK;
    }

    struct wsm_endpoint parsed = {0};
    int32_t hr = parse_remote(conn, use_ssl, &parsed, detail);
    if (hr != WSM_S_OK) {
        wsm_endpoint_free(&parsed);
        return hr;
    }
    *ep = parsed;
    return WSM_S_OK;
}

void wsm_endpoint_free(struct wsm_endpoint *ep)
{
    if (!ep)
        return;
    free(ep->host);
    free(ep->prefix);
    memset(ep, 0, sizeof *ep);
}

char *wsm_endpoint_url(const struct wsm_endpoint *ep)
{
    if (!ep || ep->local || !ep->host)
        return NULL;
    return wsm_asprintf("%s://%s%s%s:%u/%s", ep->https ? "https" : "http", ep->ipv6 ? "[" : "", ep->host,
                        ep->ipv6 ? "]" : "", ep->port, ep->prefix ? ep->prefix : DEFAULT_PREFIX);
}

char *wsm_endpoint_path(const struct wsm_endpoint *ep)
{
    if (!ep || ep->local)
        return NULL;
    return wsm_asprintf("/%s", ep->prefix ? ep->prefix : DEFAULT_PREFIX);
}
