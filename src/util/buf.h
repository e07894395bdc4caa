/*
 * One growable byte buffer for the whole library: requests written as text, serialised replies, collected
 * fault text, trace records and bodies.
 *
 * A zeroed struct wsm_buf is an empty buffer on malloc/realloc/free without a ceiling; wsm_buf_init sets a
 * ceiling (the most bytes it may hold) and another allocator (the reply code keeps libxml2's, so that the
 * allocation failures injected through xmlMemSetup reach it). The appends are inline and cheap; only growing
 * is out of line. A failed append (out of memory, or past the ceiling) sets `failed` and every later append
 * then fails too, so that a writer may append without checking each call and look at the flag (or at
 * wsm_buf_take's NULL) once at the end.
 *
 * While it has not failed, the buffer always has room for a NUL after its bytes, so that wsm_buf_str and
 * wsm_buf_take never need to allocate.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_BUF_H
#define WSMAUTO_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <string.h>

/* Where a buffer's memory comes from. */
struct wsm_buf_allocator {
    void *(*realloc)(void *p, size_t n);
    void (*free)(void *p);
};

/* Why a buffer failed (its `failed` field). */
#define WSM_BUF_OOM 1     /* an allocation failed */
#define WSM_BUF_TOO_BIG 2 /* an append would have taken it past its ceiling */

struct wsm_buf {
    char *data; /* NULL until the first append */
    size_t len; /* bytes held */
    size_t cap; /* bytes allocated; after a failure, len (so that every append goes to wsm_buf_grow) */
    size_t max; /* the most bytes it may hold; 0: no ceiling */
    int failed; /* 0, WSM_BUF_OOM or WSM_BUF_TOO_BIG */
    const struct wsm_buf_allocator *alloc; /* NULL: malloc, realloc and free */
};

/* An empty buffer holding at most max bytes (0: no ceiling), its memory from alloc (NULL: the C library). */
void wsm_buf_init(struct wsm_buf *b, size_t max, const struct wsm_buf_allocator *alloc);

/* Makes room for n more bytes and the NUL after them (the slow path of wsm_buf_add). 0, or -1 when the
 * buffer has failed (now or before). */
int wsm_buf_grow(struct wsm_buf *b, size_t n);

/* Room for n bytes in all (at most the ceiling), ahead of the appends: a first allocation of a known useful
 * size. 0 or -1. */
int wsm_buf_reserve(struct wsm_buf *b, size_t n);

/* Appends n bytes of s. 0, or -1 when the buffer has failed. */
static inline int wsm_buf_add(struct wsm_buf *b, const void *s, size_t n)
{
    if (n >= b->cap - b->len && wsm_buf_grow(b, n))
        return -1;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return 0;
}

static inline int wsm_buf_addstr(struct wsm_buf *b, const char *s)
{
    return wsm_buf_add(b, s, strlen(s));
}

static inline int wsm_buf_addc(struct wsm_buf *b, char c)
{
    if (1 >= b->cap - b->len && wsm_buf_grow(b, 1))
        return -1;
    b->data[b->len++] = c;
    return 0;
}

/* Appends a string literal, its length known at compile time. */
#define WSM_BUF_LIT(b, lit) wsm_buf_add((b), "" lit, sizeof(lit) - 1)

/* Appends printf-formatted text. 0 or -1 (the buffer has failed; a format error counts as out of memory).
 * MinGW's printf attribute is the Microsoft dialect (no %zu); the build uses MinGW's C99 stdio. */
#if defined(__MINGW32__)
__attribute__((format(gnu_printf, 2, 3)))
#elif defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int wsm_buf_printf(struct wsm_buf *b, const char *fmt, ...);
int wsm_buf_vprintf(struct wsm_buf *b, const char *fmt, va_list ap);

/* The bytes held, NUL-terminated ("" when empty), owned by the buffer; NULL when it has failed. */
const char *wsm_buf_str(struct wsm_buf *b);

/* Empties the buffer and clears its failure, keeping its memory for the next use. */
void wsm_buf_reset(struct wsm_buf *b);

/* Hands over the bytes, NUL-terminated, to be freed with the buffer's allocator (free() for the default
 * one); *len (when not NULL) gets their length. The buffer is left empty (without memory), its ceiling and
 * allocator kept. NULL when it has failed (its memory is then freed, *len is 0). An empty buffer without
 * memory gives an allocated "". */
char *wsm_buf_take(struct wsm_buf *b, size_t *len);

/* Frees the memory; the buffer is left empty, its ceiling and allocator kept. */
void wsm_buf_free(struct wsm_buf *b);

#endif
