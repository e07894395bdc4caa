/*
 * Shared helpers of the libFuzzer targets (docs/fuzzing.md): invariant checks that abort() when broken, so
 * that libFuzzer saves the input, and a UTF-8 validator (RFC 3629 section 4: no overlong forms, no
 * surrogates, nothing above U+10FFFF).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_FUZZ_COMMON_H
#define WSMAUTO_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Stops the run on a broken invariant: the message names it, abort() makes libFuzzer keep the input. */
#define FUZZ_REQUIRE(cond, ...)                                                                              \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf(stderr, "fuzz invariant broken at %s:%d: %s: ", __FILE__, __LINE__, #cond);              \
            fprintf(stderr, __VA_ARGS__);                                                                    \
            fputc('\n', stderr);                                                                             \
            abort();                                                                                         \
        }                                                                                                    \
    } while (0)

/* 1 when s[0..n) is well-formed UTF-8 (RFC 3629 section 4). */
static inline int fuzz_utf8_valid_n(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        unsigned c = u[i], need, cp, min;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF)
            need = 1, cp = c & 0x1F, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF)
            need = 2, cp = c & 0x0F, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4)
            need = 3, cp = c & 0x07, min = 0x10000;
        else
            return 0;
        if (n - i <= need)
            return 0;
        for (unsigned k = 1; k <= need; k++) {
            if ((u[i + k] & 0xC0) != 0x80)
                return 0;
            cp = cp << 6 | (u[i + k] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += need + 1;
    }
    return 1;
}

static inline int fuzz_utf8_valid(const char *s)
{
    return s && fuzz_utf8_valid_n(s, strlen(s));
}

/* A NUL-terminated copy of data[0..size) (which may hold NULs: C string consumers stop at the first). */
static inline char *fuzz_strdup(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        abort();
    if (size)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
