/*
 * Strings: allocation (strdup, asprintf), ASCII case folding that no locale changes, white space, memmem,
 * quoting for messages, and wiping secrets. Plain C, no other header of the tree.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_STRUTIL_H
#define WSMAUTO_STRUTIL_H

#include <stdarg.h>
#include <stddef.h>

/* printf-style checking: MinGW's printf attribute means the Microsoft runtime's dialect, which has no %zu;
 * the build uses MinGW's C99 stdio (__USE_MINGW_ANSI_STDIO), so check against GNU's. */
#ifndef WSM_PRINTF
#ifdef __MINGW32__
#define WSM_PRINTF gnu_printf
#else
#define WSM_PRINTF printf
#endif
#endif

/* ---- allocation ---- */
char *wsm_strdup(const char *s);            /* NULL-safe: NULL -> NULL */
char *wsm_strndup(const char *s, size_t n); /* like POSIX strndup: at most n bytes, stops at a NUL */
char *wsm_asprintf(const char *fmt, ...) __attribute__((format(WSM_PRINTF, 1, 2)));
char *wsm_vasprintf(const char *fmt, va_list ap) __attribute__((format(WSM_PRINTF, 1, 0)));

/* ---- ASCII case folding ----
 * Locale-independent on purpose: protocol tokens must not change meaning under a Turkish locale (dotless
 * i). Only 'A'..'Z' fold; every other byte compares as itself. */
int wsm_ascii_lower(int c); /* c as an unsigned char value; 'A'..'Z' -> 'a'..'z' */
int wsm_ascii_upper(int c); /* 'a'..'z' -> 'A'..'Z' */
/* NULL sorts before any string. */
int wsm_strcasecmp_ascii(const char *a, const char *b);
/* The same for at most n bytes (a and b not NULL). */
int wsm_strncasecmp_ascii(const char *a, const char *b, size_t n);
/* Whether s[0..n) equals the NUL-terminated word, ASCII case-insensitively (s need not be terminated). */
int wsm_span_eq_nocase(const char *s, size_t n, const char *word);
/* Whether s starts with prefix, ASCII case-insensitively. */
int wsm_has_prefix_nocase(const char *s, const char *prefix);

/* The value of an ASCII hexadecimal digit (c a byte or a UTF-16 unit), -1 for anything else. */
int wsm_hex_value(int c);

/* ---- white space ---- */
/* ASCII white space (" \t\n\v\f\r"), independent of the locale. */
int wsm_is_space(unsigned char c);
/* Narrows [*s, *s + *n) to leave out ASCII white space at both ends. */
void wsm_trim(const char **s, size_t *n);

/* memmem, which Windows' C runtime lacks. */
const void *wsm_memmem(const void *hay, size_t hay_len, const void *needle, size_t needle_len);

/* ---- quoting text for a message ---- */
#define WSM_QUOTE_MAX 64 /* input bytes shown; longer text is cut and ends in "..." */

struct wsm_quoted {
    char text[WSM_QUOTE_MAX * 4 + 4];
};

/* Makes s[0..n) safe to show between double quotes in a message: control and non-ASCII bytes become \xNN,
 * '"' and '\' get a backslash. The result is always printable ASCII (so valid UTF-8), whatever the input
 * was. It lives in *q; no allocation. */
const char *wsm_quote(struct wsm_quoted *q, const char *s, size_t n);
const char *wsm_quote_str(struct wsm_quoted *q, const char *s);
/* The same escaping into out[0..size) with no cap of its own, for local text the user should see whole (a
 * path): cut, ending in "...", only where out is full. */
const char *wsm_quote_into(char *out, size_t size, const char *s, size_t n);

/* ---- secrets ---- */
void wsm_wipe(void *p, size_t n); /* overwrite with zeros, not optimised away */
void wsm_wipe_free(char *s);      /* overwrite with zeros (not optimised away), then free */

#endif
