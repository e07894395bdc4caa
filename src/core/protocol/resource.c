/*
 * Resource URIs as the Session methods and CreateResourceLocator take them:
 * an optional short alias as the first path segment, and optional selectors
 * after the first '?' as `name=value` pairs joined by '+'.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "detail.h"

static const struct {
    const char *alias;
    const char *expansion;
} aliases[] = {
    {"wmi", "http://schemas.microsoft.com/wbem/wsman/1/wmi"},
    {"wmicimv2", "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2"},
    {"cimv2", "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2"},
    {"winrm", "http://schemas.microsoft.com/wbem/wsman/1"},
    {"wsman", "http://schemas.microsoft.com/wbem/wsman/1"},
    {"shell", "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"},
};

/* The alias must be the whole first segment: "wmix/..." and "http://..."
 * are left alone. A '?' also ends the segment, so "wmicimv2?k=v" works. */
char *wsm_expand_alias(const char *uri)
{
    if (!uri)
        return NULL;
    size_t segment_len = strcspn(uri, "/?");
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        if (wsm_span_eq_nocase(uri, segment_len, aliases[i].alias))
            return wsm_asprintf("%s%s", aliases[i].expansion, uri + segment_len);
    }
    return wsm_strdup(uri);
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!wsm_is_space((unsigned char)s[i]))
            return 0;
    }
    return 1;
}

static int32_t syntax_error(char **detail, const char *what, const char *pair, size_t n)
{
    struct wsm_quoted q;
    return wsm_fail(detail, ERROR_WSMAN_URI_QUERY_STRING_SYNTAX_ERROR,
                    "The selector \"%s\" %s; selectors are written name=value and joined by '+'.",
                    wsm_quote(&q, pair, n), what);
}

/* One `name=value` pair, s[0..n); the value may be empty and may hold '='. */
static int32_t parse_selector(const char *s, size_t n, struct wsm_selector *sel, char **detail)
{
    if (n == 0)
        return wsm_fail(detail, ERROR_WSMAN_URI_QUERY_STRING_SYNTAX_ERROR,
                        "The selectors contain an empty entry (a '+' at the start or end, or two "
                        "'+' in a row).");
    const char *eq = memchr(s, '=', n);
    if (!eq)
        return syntax_error(detail, "has no '='", s, n);
    if (eq == s)
        return syntax_error(detail, "has no name before the '='", s, n);

    size_t name_len = (size_t)(eq - s);
    sel->name = wsm_strndup(s, name_len);
    sel->value = wsm_strndup(eq + 1, n - name_len - 1);
    return sel->name && sel->value ? WSM_S_OK : WSM_E_OUTOFMEMORY;
}

static int32_t parse_query(const char *query, struct wsm_resource_uri *out, char **detail)
{
    if (*query == '\0')
        return wsm_fail(detail, ERROR_WSMAN_URI_QUERY_STRING_SYNTAX_ERROR,
                        "The resource URI ends with '?' but no selectors follow it.");
    size_t count = 1;
    for (const char *p = query; *p; p++)
        count += *p == '+';
    out->selectors = calloc(count, sizeof *out->selectors);
    if (!out->selectors)
        return WSM_E_OUTOFMEMORY;

    const char *pair = query;
    for (size_t i = 0; i < count; i++) {
        size_t n = strcspn(pair, "+");
        int32_t hr = parse_selector(pair, n, &out->selectors[i], detail);
        out->n_selectors = i + 1; /* so that a failure frees what was built */
        if (hr != WSM_S_OK)
            return hr;
        pair += n + 1;
    }
    return WSM_S_OK;
}

static int32_t parse_uri(const char *text, struct wsm_resource_uri *out, char **detail)
{
    if (is_blank(text, strlen(text)))
        return wsm_fail(detail, ERROR_WSMAN_CLIENT_BLANK_URI,
                        *text ? "The resource URI contains only white space." : "The resource URI is empty.");
    const char *question = strchr(text, '?');
    size_t uri_len = question ? (size_t)(question - text) : strlen(text);
    if (is_blank(text, uri_len)) {
        struct wsm_quoted q;
        return wsm_fail(detail, ERROR_WSMAN_CLIENT_BLANK_URI,
                        "\"%s\" has selectors but no resource URI before the '?'.", wsm_quote_str(&q, text));
    }

    char *path = wsm_strndup(text, uri_len);
    out->uri = path ? wsm_expand_alias(path) : NULL;
    free(path);
    if (!out->uri)
        return WSM_E_OUTOFMEMORY;
    return question ? parse_query(question + 1, out, detail) : WSM_S_OK;
}

int32_t wsm_parse_resource_uri(const char *text, struct wsm_resource_uri *out, char **detail)
{
    if (detail)
        *detail = NULL;
    if (!out)
        return WSM_E_INVALIDARG;
    memset(out, 0, sizeof *out);
    if (!text)
        return wsm_fail(detail, ERROR_WSMAN_CLIENT_BLANK_URI, "The resource URI is missing.");

    struct wsm_resource_uri parsed = {0};
    int32_t hr = parse_uri(text, &parsed, detail);
    if (hr != WSM_S_OK) {
        wsm_resource_uri_free(&parsed);
        return hr;
    }
    *out = parsed;
    return WSM_S_OK;
}

void wsm_resource_uri_free(struct wsm_resource_uri *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_selectors; i++) {
        free(r->selectors[i].name);
        free(r->selectors[i].value);
    }
    free(r->selectors);
    free(r->uri);
    memset(r, 0, sizeof *r);
}
