/*
 * Private helpers of the core for the `char **detail` sentences of core.h
 * (implemented in util.c). Not part of the contract with the COM layer.
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_DETAIL_H
#define WSMAUTO_DETAIL_H

#include <stddef.h>
#include <stdint.h>

#include "core.h" /* WSM_PRINTF */

#define WSM_QUOTE_MAX 64 /* input bytes shown; longer text is cut and ends in "..." */

struct wsm_quoted {
    char text[WSM_QUOTE_MAX * 4 + 4];
};

/* Makes s[0..n) safe to show between double quotes in a detail: control
 * and non-ASCII bytes become \xNN, '"' and '\' get a backslash. The result
 * is always printable ASCII (so valid UTF-8), whatever the input was. It
 * lives in *q; no allocation. */
const char *wsm_quote(struct wsm_quoted *q, const char *s, size_t n);
const char *wsm_quote_str(struct wsm_quoted *q, const char *s);
/* The same escaping into out[0..size) with no cap of its own, for local text the user should see whole (a
 * path): cut, ending in "...", only where out is full. */
const char *wsm_quote_into(char *out, size_t size, const char *s, size_t n);

/* Formats a sentence into *detail (when detail is not NULL) and returns
 * code, or WSM_E_OUTOFMEMORY when the sentence cannot be allocated. */
int32_t wsm_fail(char **detail, int32_t code, const char *fmt, ...) __attribute__((format(WSM_PRINTF, 3, 4)));

/* EMFILE or ENFILE: a descriptor could not be had (a file, a socket), reported as WSM_E_TOO_MANY_OPEN_FILES
 * and never as an unreachable host or a corrupted file. */
int wsm_errno_is_fd_exhaustion(int err);
/* The words for that, into buf: "the process has reached its open-file limit (RLIMIT_NOFILE, now 1024)" for
 * EMFILE, "the system has reached its limit of open files" for ENFILE. */
const char *wsm_fd_exhaustion_text(int err, char *buf, size_t size);

/* errors.c: 0 when the message table is strictly sorted by code (its
 * lookups use bsearch), else the index of the first entry out of order. */
size_t wsm_error_texts_unsorted(void);

/* ASCII white space (" \t\n\v\f\r"), independent of the locale. */
int wsm_is_space(unsigned char c);

/* Narrows [*s, *s + *n) to leave out ASCII white space at both ends. */
void wsm_trim(const char **s, size_t *n);

#endif
