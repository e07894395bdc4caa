/*
 * Strings: allocation, ASCII case folding, white space, memmem, quoting for messages, wiping secrets.
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* explicit_bzero */
#endif

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#endif

#include "strutil.h"

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

int wsm_ascii_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

int wsm_ascii_upper(int c)
{
    return (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c;
}

/* Locale-independent on purpose: protocol tokens must not change meaning
 * under a Turkish locale (dotless i). NULL sorts before any string. */
int wsm_strcasecmp_ascii(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    const unsigned char *pa = (const unsigned char *)a, *pb = (const unsigned char *)b;
    for (;; pa++, pb++) {
        int d = wsm_ascii_lower(*pa) - wsm_ascii_lower(*pb);
        if (d != 0 || *pa == '\0')
            return d;
    }
}

int wsm_strncasecmp_ascii(const char *a, const char *b, size_t n)
{
    const unsigned char *pa = (const unsigned char *)a, *pb = (const unsigned char *)b;
    for (; n; n--, pa++, pb++) {
        int d = wsm_ascii_lower(*pa) - wsm_ascii_lower(*pb);
        if (d != 0 || *pa == '\0')
            return d;
    }
    return 0;
}

int wsm_span_eq_nocase(const char *s, size_t n, const char *word)
{
    return strlen(word) == n && !wsm_strncasecmp_ascii(s, word, n);
}

int wsm_has_prefix_nocase(const char *s, const char *prefix)
{
    return !wsm_strncasecmp_ascii(s, prefix, strlen(prefix));
}

int wsm_hex_value(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
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

const void *wsm_memmem(const void *hay, size_t hay_len, const void *needle, size_t needle_len)
{
    const unsigned char *h = hay, *nd = needle;

    if (!needle_len)
        return hay;
    for (size_t i = 0; hay_len >= needle_len && i <= hay_len - needle_len; i++) {
        const unsigned char *p = memchr(h + i, nd[0], hay_len - needle_len - i + 1);
        if (!p)
            return NULL;
        i = (size_t)(p - h);
        if (!memcmp(p, nd, needle_len))
            return p;
    }
    return NULL;
}

const char *wsm_quote_into(char *out, size_t size, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    char *o = out;
    size_t i = 0;
    if (!size)
        return out;
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        size_t need = (c < 0x20 || c >= 0x7F) ? 4 : (c == '"' || c == '\\') ? 2 : 1;
        /* Room for this byte's escape, and for "..." plus the NUL if more follows. */
        if ((size_t)(o - out) + need + (i + 1 < n ? 3 : 0) + 1 > size)
            break;
        if (need == 4) {
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 0xF];
            continue;
        }
        if (need == 2)
            *o++ = '\\';
        *o++ = (char)c;
    }
    if (i < n && (size_t)(o - out) + 4 <= size) {
        memcpy(o, "...", 3);
        o += 3;
    }
    *o = '\0';
    return out;
}

const char *wsm_quote(struct wsm_quoted *q, const char *s, size_t n)
{
    size_t shown = n < WSM_QUOTE_MAX ? n : WSM_QUOTE_MAX;
    wsm_quote_into(q->text, sizeof(q->text), s, shown);
    if (shown < n)
        strcat(q->text, "...");
    return q->text;
}

const char *wsm_quote_str(struct wsm_quoted *q, const char *s)
{
    return wsm_quote(q, s, strlen(s));
}

/* For secrets (passwords): a plain memset before free() may be removed as a
 * dead store, explicit_bzero may not. */
void wsm_wipe(void *p, size_t n)
{
    if (!p || !n)
        return;
#ifdef _WIN32
    SecureZeroMemory(p, n);
#else
    explicit_bzero(p, n);
#endif
}

void wsm_wipe_free(char *s)
{
    if (!s)
        return;
    wsm_wipe(s, strlen(s));
    free(s);
}
