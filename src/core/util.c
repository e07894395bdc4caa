/*
 * Small string helpers shared by the core.
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* explicit_bzero */
#endif

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "detail.h"

char *wsm_strdup(const char *s)
{
    if (!s)
        return NULL;
    return wsm_strndup(s, strlen(s));
}

/* Like POSIX strndup: copies at most n bytes, stopping early at a NUL. */
char *wsm_strndup(const char *s, size_t n)
{
    if (!s)
        return NULL;
    const char *nul = memchr(s, '\0', n);
    size_t len = nul ? (size_t)(nul - s) : n;
    if (len == SIZE_MAX)
        return NULL;
    char *copy = malloc(len + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

char *wsm_vasprintf(const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int len = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);

    char *buf = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (buf && vsnprintf(buf, (size_t)len + 1, fmt, ap) != len) {
        free(buf);
        buf = NULL;
    }
    return buf;
}

char *wsm_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *buf = wsm_vasprintf(fmt, ap);
    va_end(ap);
    return buf;
}

static int ascii_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

/* Locale-independent on purpose: protocol tokens must not change meaning
 * under a Turkish locale (dotless i). NULL sorts before any string. */
int wsm_strcasecmp_ascii(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    const unsigned char *pa = (const unsigned char *)a, *pb = (const unsigned char *)b;
    for (;; pa++, pb++) {
        int d = ascii_lower(*pa) - ascii_lower(*pb);
        if (d != 0 || *pa == '\0')
            return d;
    }
}

/* For secrets (passwords): a plain memset before free() may be removed as a
 * dead store, explicit_bzero may not. */
void wsm_wipe_free(char *s)
{
    if (!s)
        return;
    explicit_bzero(s, strlen(s));
    free(s);
}

/* ---- detail.h ---- */

const char *wsm_quote(struct wsm_quoted *q, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = q->text;
    size_t shown = n < WSM_QUOTE_MAX ? n : WSM_QUOTE_MAX;
    for (size_t i = 0; i < shown; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x7F) {
            *out++ = '\\';
            *out++ = 'x';
            *out++ = hex[c >> 4];
            *out++ = hex[c & 0xF];
            continue;
        }
        if (c == '"' || c == '\\')
            *out++ = '\\';
        *out++ = (char)c;
    }
    if (shown < n) {
        memcpy(out, "...", 3);
        out += 3;
    }
    *out = '\0';
    return q->text;
}

const char *wsm_quote_str(struct wsm_quoted *q, const char *s)
{
    return wsm_quote(q, s, strlen(s));
}

int32_t wsm_fail(char **detail, int32_t code, const char *fmt, ...)
{
    if (!detail)
        return code;
    va_list ap;
    va_start(ap, fmt);
    *detail = wsm_vasprintf(fmt, ap);
    va_end(ap);
    return *detail ? code : WSM_E_OUTOFMEMORY;
}

int wsm_is_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

void wsm_trim(const char **s, size_t *n)
{
    while (*n && wsm_is_space((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && wsm_is_space((unsigned char)(*s)[*n - 1]))
        (*n)--;
}
