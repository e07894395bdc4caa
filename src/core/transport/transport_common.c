/*
 * The parts of the HTTP transport that do not depend on the HTTP stack, shared by transport.c (libcurl) and
 * transport_win.c (WinHTTP).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

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
