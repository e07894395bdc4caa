/*
 * The growable byte buffer (buf.h): its slow paths.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "buf.h"

#define FIRST_CAPACITY 256

static void *c_realloc(void *p, size_t n)
{
    return realloc(p, n);
}

static void c_free(void *p)
{
    free(p);
}

static const struct wsm_buf_allocator c_library = {c_realloc, c_free};

static const struct wsm_buf_allocator *allocator(const struct wsm_buf *b)
{
    return b->alloc ? b->alloc : &c_library;
}

void wsm_buf_init(struct wsm_buf *b, size_t max, const struct wsm_buf_allocator *alloc)
{
    memset(b, 0, sizeof(*b));
    b->max = max;
    b->alloc = alloc;
}

static int fail(struct wsm_buf *b, int why)
{
    if (!b->failed)
        b->failed = why;
    b->cap = b->len;
    return -1;
}

/* Room for need bytes and a NUL in all. */
static int ensure(struct wsm_buf *b, size_t need)
{
    size_t cap = b->cap ? b->cap : FIRST_CAPACITY;
    char *grown;

    if (b->failed)
        return -1;
    if (need >= SIZE_MAX / 2)
        return fail(b, WSM_BUF_OOM);
    if (b->max && need > b->max)
        return fail(b, WSM_BUF_TOO_BIG);
    if (need < b->cap)
        return 0;
    while (cap <= need)
        cap *= 2;
    if (b->max && cap > b->max + 1)
        cap = b->max + 1;
    if (!(grown = allocator(b)->realloc(b->data, cap)))
        return fail(b, WSM_BUF_OOM);
    b->data = grown;
    b->cap = cap;
    return 0;
}

int wsm_buf_grow(struct wsm_buf *b, size_t n)
{
    if (b->failed)
        return -1;
    if (n >= SIZE_MAX / 2 - b->len)
        return fail(b, WSM_BUF_OOM);
    return ensure(b, b->len + n);
}

int wsm_buf_reserve(struct wsm_buf *b, size_t n)
{
    if (b->max && n > b->max)
        n = b->max; /* a hint: never a reason to fail */
    return n > b->len ? ensure(b, n) : ensure(b, b->len);
}

int wsm_buf_vprintf(struct wsm_buf *b, const char *fmt, va_list ap)
{
    va_list again;
    int n;

    if (b->failed)
        return -1;
    va_copy(again, ap);
    n = vsnprintf(b->data ? b->data + b->len : NULL, b->data ? b->cap - b->len : 0, fmt, ap);
    if (n >= 0 && (size_t)n >= (b->data ? b->cap - b->len : 0)) {
        /* It did not fit (with its NUL): grow, and write it again. */
        if (wsm_buf_grow(b, (size_t)n)) {
            va_end(again);
            return -1;
        }
        n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, again);
    }
    va_end(again);
    if (n < 0)
        return fail(b, WSM_BUF_OOM);
    b->len += (size_t)n;
    return 0;
}

int wsm_buf_printf(struct wsm_buf *b, const char *fmt, ...)
{
    va_list ap;
    int r;

    va_start(ap, fmt);
    r = wsm_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return r;
}

const char *wsm_buf_str(struct wsm_buf *b)
{
    if (b->failed)
        return NULL;
    if (!b->data)
        return "";
    b->data[b->len] = '\0';
    return b->data;
}

void wsm_buf_reset(struct wsm_buf *b)
{
    if (b->failed) {
        /* The capacity was forgotten (set to len): what is allocated is at least that. */
        b->failed = 0;
    }
    b->len = 0;
}

char *wsm_buf_take(struct wsm_buf *b, size_t *len)
{
    char *data;

    if (len)
        *len = 0;
    if (b->failed || (!b->data && ensure(b, 0))) {
        wsm_buf_free(b);
        return NULL;
    }
    data = b->data;
    data[b->len] = '\0';
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return data;
}

void wsm_buf_free(struct wsm_buf *b)
{
    if (b->data)
        allocator(b)->free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
    b->failed = 0;
}
