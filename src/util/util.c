/*
 * Small string helpers shared by the core.
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* explicit_bzero */
#endif

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#include <bcrypt.h>
#include <wincrypt.h>
#else
#include <openssl/evp.h>
#include <fcntl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <unistd.h>
#endif

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

int wsm_strncasecmp_ascii(const char *a, const char *b, size_t n)
{
    const unsigned char *pa = (const unsigned char *)a, *pb = (const unsigned char *)b;
    for (; n; n--, pa++, pb++) {
        int d = ascii_lower(*pa) - ascii_lower(*pb);
        if (d != 0 || *pa == '\0')
            return d;
    }
    return 0;
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

int wsm_random_bytes(void *buf, size_t n)
{
#ifdef _WIN32
    for (size_t got = 0; got < n;) {
        ULONG chunk = n - got > 0x10000000u ? 0x10000000u : (ULONG)(n - got);
        if (!BCRYPT_SUCCESS(
                BCryptGenRandom(NULL, (unsigned char *)buf + got, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
            return 0;
        got += chunk;
    }
    return 1;
#else
    unsigned char *b = buf;
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(b + got, n - got, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            break; /* ENOSYS on old kernels, or a seccomp filter: try the device */
        }
        got += (size_t)r;
    }
    if (got == n)
        return 1;

    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    for (got = 0; got < n;) {
        ssize_t r = read(fd, b + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    return got == n;
#endif
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

/* ---- detail.h ---- */

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

int wsm_errno_is_fd_exhaustion(int err)
{
    return err == EMFILE || err == ENFILE;
}

const char *wsm_fd_exhaustion_text(int err, char *buf, size_t size)
{
    if (err == ENFILE) {
        snprintf(buf, size, "the system has reached its limit of open files");
        return buf;
    }
#ifndef _WIN32
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        snprintf(buf, size, "the process has reached its open-file limit (RLIMIT_NOFILE, now %llu)",
                 (unsigned long long)rl.rlim_cur);
        return buf;
    }
#endif
    snprintf(buf, size, "the process has reached its open-file limit");
    return buf;
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

/* ---- base64 (RFC 4648, with padding), as HTTP auth headers carry it ---- */

char *wsm_base64_encode(const void *data, size_t len)
{
    char *out;

    if (len > (SIZE_MAX / 4) * 3 - 3 || len > INT32_MAX / 2 || !(out = malloc((len + 2) / 3 * 4 + 1)))
        return NULL;
#ifdef _WIN32
    DWORD n = (DWORD)((len + 2) / 3 * 4 + 1);
    if (!len) {
        out[0] = '\0';
    } else if (!CryptBinaryToStringA(data, (DWORD)len, CRYPT_STRING_BASE64 | CRYPT_STRING_NOCRLF, out, &n)) {
        free(out);
        return NULL;
    }
#else
    EVP_EncodeBlock((unsigned char *)out, data, (int)len);
#endif
    return out;
}

unsigned char *wsm_base64_decode(const char *text, size_t len, size_t *out_len)
{
    unsigned char *out;
    size_t pad = 0;

    if (!len || len % 4 || len > INT32_MAX)
        return NULL;
    for (size_t i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '=' ? i < len - 2 || (i == len - 2 && text[len - 1] != '=')
                      : !(isalnum(ch) || ch == '+' || ch == '/'))
            return NULL;
    }
    pad = (text[len - 1] == '=') + (text[len - 2] == '=');
    if (!(out = malloc(len / 4 * 3 + 1)))
        return NULL;
#ifdef _WIN32
    DWORD n = (DWORD)(len / 4 * 3 + 1);
    if (!CryptStringToBinaryA(text, (DWORD)len, CRYPT_STRING_BASE64, out, &n, NULL, NULL)) {
        free(out);
        return NULL;
    }
    *out_len = n;
#else
    int n = EVP_DecodeBlock(out, (const unsigned char *)text, (int)len);
    if (n < 0 || (size_t)n < pad) {
        free(out);
        return NULL;
    }
    *out_len = (size_t)n - pad;
#endif
    (void)pad;
    return out;
}
