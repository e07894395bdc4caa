/*
 * The HTTP trace (trace.h): where it goes, what it shows, and how credentials are kept out of it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* secure_getenv (secure_env.h), gmtime_r */
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifdef _WIN32
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#else
#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include "buf.h"
#include "core.h"
#include "secure_env.h"
#include "trace.h"
#include "utf.h"

atomic_int wsm_trace_active;

static atomic_uint next_id;

/* The output, under the lock. */
static FILE *out;
static int out_is_stderr;
static int env_read; /* WSMAUTO_TRACE was looked at, or wsm_trace_open decided first */

#ifdef _WIN32
static SRWLOCK lock = SRWLOCK_INIT;
static void lock_take(void)
{
    AcquireSRWLockExclusive(&lock);
}
static void lock_give(void)
{
    ReleaseSRWLockExclusive(&lock);
}
#else
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static void lock_take(void)
{
    pthread_mutex_lock(&lock);
}
static void lock_give(void)
{
    pthread_mutex_unlock(&lock);
}
#endif

/* ---- where it goes ---- */

static void close_locked(void)
{
    atomic_store(&wsm_trace_active, 0);
    if (out && !out_is_stderr)
        fclose(out);
    out = NULL;
    out_is_stderr = 0;
}

static int open_locked(const char *file)
{
    FILE *f = NULL;

    close_locked();
    if (!file || !*file)
        return 0;
    if (!strcmp(file, "-") || !strcmp(file, "stderr")) {
        out = stderr;
        out_is_stderr = 1;
        atomic_store(&wsm_trace_active, 1);
        return 0;
    }
#ifdef _WIN32
    f = fopen(file, "ab");
#else
    int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd >= 0 && !(f = fdopen(fd, "a"))) {
        int e = errno;
        close(fd);
        errno = e;
    }
#endif
    if (!f)
        return -1;
    out = f;
    atomic_store(&wsm_trace_active, 1);
    return 0;
}

int wsm_trace_open(const char *file)
{
    lock_take();
    env_read = 1;
    int rc = open_locked(file);
    lock_give();
    return rc;
}

void wsm_trace_init(void)
{
    lock_take();
    if (!env_read) {
        env_read = 1;
        const char *file = wsm_secure_getenv("WSMAUTO_TRACE");
        if (file && *file)
            open_locked(file);
    }
    lock_give();
}

unsigned wsm_trace_new_id(void)
{
    return atomic_fetch_add(&next_id, 1u) + 1u;
}

/* ---- records ---- */

struct rec {
    struct wsm_buf b;
    char prefix[96];
};

static void rec_begin(struct rec *r, const char *label, char mark)
{
    char stamp[64];
#ifdef _WIN32
    SYSTEMTIME st;
    GetSystemTime(&st);
    snprintf(stamp, sizeof(stamp), "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", st.wYear, st.wMonth, st.wDay,
             st.wHour, st.wMinute, st.wSecond, st.wMilliseconds);
#else
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    snprintf(stamp, sizeof(stamp), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)(ts.tv_nsec / 1000000));
#endif
    memset(r, 0, sizeof(*r));
    snprintf(r->prefix, sizeof(r->prefix), "%s %s %c ", stamp, label && *label ? label : "-", mark);
}

static void rec_line(struct rec *r, const char *text, size_t n)
{
    wsm_buf_addstr(&r->b, r->prefix);
    wsm_buf_add(&r->b, text, n);
    wsm_buf_addc(&r->b, '\n');
}

static void rec_end(struct rec *r)
{
    if (r->b.len && !r->b.failed) {
        lock_take();
        if (out) {
            fwrite(r->b.data, 1, r->b.len, out);
            fflush(out);
        }
        lock_give();
    }
    wsm_buf_free(&r->b);
}

void wsm_trace_note(const char *label, char mark, const char *fmt, ...)
{
    struct rec r;
    char text[1024];
    va_list ap;

    if (!wsm_trace_enabled())
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    for (char *c = text; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    }
    rec_begin(&r, label, mark);
    rec_line(&r, text, strlen(text));
    rec_end(&r);
}

/* ---- headers ---- */

static int is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* An authentication scheme's name ("Negotiate", "Basic"), not a token: at most 20 letters, digits, '-'. */
static int scheme_like(const char *v, size_t n)
{
    if (!n || n > 20)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = v[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
              c == '_'))
            return 0;
    }
    return 1;
}

/* A value that is only a list of bare scheme names ("Negotiate", "Negotiate, Kerberos"): nothing secret. */
static int bare_schemes(const char *v, size_t n)
{
    size_t i = 0;
    int items = 0;
    while (i < n) {
        while (i < n && (is_blank(v[i]) || v[i] == ','))
            i++;
        size_t start = i;
        while (i < n && ((v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z') ||
                         (v[i] >= '0' && v[i] <= '9') || v[i] == '-' || v[i] == '_'))
            i++;
        if (i - start > 20)
            return 0;
        if (i > start)
            items++;
        while (i < n && is_blank(v[i]))
            i++;
        if (i < n && v[i] != ',')
            return 0;
    }
    return items > 0;
}

static void put_clean(struct rec *r, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char o = (c < 0x20 && c != '\t') || c >= 0x7f ? '?' : (char)c;
        wsm_buf_addc(&r->b, o);
    }
}

/* Appends what the trace shows of one header line to r (the line without CR LF). */
static void header_text(struct rec *r, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    if (len && is_blank(line[0])) {
        /* obs-fold: a continuation of the previous header, which may have been a credential */
        WSM_BUF_LIT(&r->b, " [folded continuation line hidden]");
        return;
    }
    if (!colon) {
        put_clean(r, line, len); /* the request or status line */
        return;
    }
    size_t nlen = (size_t)(colon - line);
    while (nlen && is_blank(line[nlen - 1]))
        nlen--;
    const char *v = colon + 1, *end = line + len;
    while (v < end && is_blank(*v))
        v++;
    size_t vlen = (size_t)(end - v);
    int scheme_only = wsm_span_eq_nocase(line, nlen, "Authorization") ||
                      wsm_span_eq_nocase(line, nlen, "Proxy-Authorization");
    int challenge = wsm_span_eq_nocase(line, nlen, "WWW-Authenticate") ||
                    wsm_span_eq_nocase(line, nlen, "Proxy-Authenticate");
    int all = wsm_span_eq_nocase(line, nlen, "Authentication-Info") ||
              wsm_span_eq_nocase(line, nlen, "Proxy-Authentication-Info") ||
              wsm_span_eq_nocase(line, nlen, "Cookie") || wsm_span_eq_nocase(line, nlen, "Set-Cookie");

    if (!scheme_only && !challenge && !all) {
        if (len > WSM_TRACE_LINE_MAX) {
            put_clean(r, line, WSM_TRACE_LINE_MAX);
            wsm_buf_printf(&r->b, "... [%zu bytes in all]", len);
        } else {
            put_clean(r, line, len);
        }
        return;
    }
    put_clean(r, line, nlen);
    WSM_BUF_LIT(&r->b, ": ");
    if (all) {
        WSM_BUF_LIT(&r->b, "[hidden]");
        return;
    }
    if (challenge && bare_schemes(v, vlen)) {
        put_clean(r, v, vlen);
        return;
    }
    /* The scheme's name stays; a first word that is no scheme (a bare token) goes too. A URI alone is the
     * certificate profile of WS-Management (no token holds "://"). */
    size_t w = 0;
    while (w < vlen && !is_blank(v[w]) && v[w] != ',')
        w++;
    int uri = 0;
    for (size_t i = 0; w == vlen && w < 200 && i + 3 <= w && !uri; i++)
        uri = !memcmp(v + i, "://", 3);
    if (!scheme_like(v, w) && !uri) {
        if (vlen)
            WSM_BUF_LIT(&r->b, "[hidden]");
        return;
    }
    put_clean(r, v, w);
    const char *rest = v + w;
    while (rest < end && is_blank(*rest))
        rest++;
    if (rest < end)
        WSM_BUF_LIT(&r->b, " [hidden]");
}

char *wsm_trace_header_text(const char *line, size_t len)
{
    struct rec r;
    memset(&r, 0, sizeof(r));
    header_text(&r, line, len);
    return wsm_buf_take(&r.b, NULL);
}

void wsm_trace_headers(const char *label, char mark, const char *data, size_t len)
{
    struct rec r;

    if (!wsm_trace_enabled() || !data)
        return;
    rec_begin(&r, label, mark);
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(data + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (data + i)) : len - i;
        size_t m = n;
        if (m && data[i + m - 1] == '\r')
            m--;
        if (m) {
            wsm_buf_addstr(&r.b, r.prefix);
            header_text(&r, data + i, m);
            wsm_buf_addc(&r.b, '\n');
        }
        i += n + (nl ? 1 : 0);
    }
    rec_end(&r);
}

/* ---- bodies ---- */

static int is_text(const unsigned char *s, size_t n)
{
    for (size_t i = 0; i < n;) {
        if (s[i] < 0x20 ? s[i] != '\t' : s[i] == 0x7f)
            return 0;
        uint32_t cp;
        size_t k = wsm_utf8_char(s + i, n - i, &cp);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

static void put_utf8(struct wsm_buf *u, unsigned cp)
{
    char b[4];
    wsm_buf_add(u, b, wsm_utf8_encode(cp, b));
}

/* UTF-16 (after its BOM) as UTF-8 into a buffer of its own; unpaired surrogates become U+FFFD. */
static void utf16_to_utf8(struct wsm_buf *u, const unsigned char *s, size_t n, int be)
{
    uint32_t c;

    for (size_t i = 0, step; (step = wsm_utf16_bytes_decode(s + i, n - i, be, &c)); i += step)
        put_utf8(u, c == WSM_UTF8_BAD ? WSM_UNICODE_REPLACEMENT : c);
}

static void binary_line(struct rec *r, size_t *pending)
{
    char text[64];
    if (!*pending)
        return;
    int n = snprintf(text, sizeof(text), "[%zu bytes of binary data]", *pending);
    rec_line(r, text, (size_t)n);
    *pending = 0;
}

void wsm_trace_body(const char *label, char mark, const char *title, const void *data, size_t len)
{
    const unsigned char *s = data;
    struct rec r;
    struct wsm_buf u = {0};
    size_t shown = len > WSM_TRACE_BODY_MAX ? WSM_TRACE_BODY_MAX : len, pending = 0;
    char head[256];
    const char *how = "";

    if (!wsm_trace_enabled() || !data || !len)
        return;
    if (shown >= 2 && ((s[0] == 0xFF && s[1] == 0xFE) || (s[0] == 0xFE && s[1] == 0xFF))) {
        int be = s[0] == 0xFE;
        utf16_to_utf8(&u, s + 2, shown - 2, be);
        if (!u.failed && u.data) {
            how = be ? ", UTF-16BE shown as UTF-8" : ", UTF-16LE shown as UTF-8";
            s = (const unsigned char *)u.data;
            shown = u.len;
        }
    }
    rec_begin(&r, label, mark);
    int n = snprintf(head, sizeof(head), "[%s: %zu bytes%s]", title, len, how);
    rec_line(&r, head, n < 0 ? 0 : (size_t)n >= sizeof(head) ? sizeof(head) - 1 : (size_t)n);
    for (size_t i = 0; i < shown;) {
        const unsigned char *nl = memchr(s + i, '\n', shown - i);
        size_t k = nl ? (size_t)(nl - (s + i)) : shown - i, m = k;
        if (m && s[i + m - 1] == '\r')
            m--;
        if (is_text(s + i, m)) {
            binary_line(&r, &pending);
            if (m || nl)
                rec_line(&r, (const char *)s + i, m);
        } else {
            pending += k + (nl ? 1 : 0);
        }
        i += k + (nl ? 1 : 0);
    }
    binary_line(&r, &pending);
    if (len > WSM_TRACE_BODY_MAX) {
        n = snprintf(head, sizeof(head), "[... %zu more bytes not shown]", len - WSM_TRACE_BODY_MAX);
        rec_line(&r, head, (size_t)n);
    }
    rec_end(&r);
    wsm_buf_free(&u);
}
