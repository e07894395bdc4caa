/*
 * Private helpers of the core for the `char **detail` sentences of core.h
 * (detail.c; wsm_quote and wsm_trim come from src/util/strutil.h). Not part of the contract with the
 * COM layer.
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_DETAIL_H
#define WSMAUTO_DETAIL_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"    /* WSM_PRINTF */
#include "strutil.h" /* wsm_quote, wsm_is_space, wsm_trim */

/* Formats a sentence into *detail (when detail is not NULL) and returns
 * code, or WSM_E_OUTOFMEMORY when the sentence cannot be allocated. */
int32_t wsm_fail(char **detail, int32_t code, const char *fmt, ...) __attribute__((format(WSM_PRINTF, 3, 4)));

/* EMFILE or ENFILE: a descriptor could not be had (a file, a socket), reported as WSM_E_TOO_MANY_OPEN_FILES
 * and never as an unreachable host or a corrupted file. */
int wsm_errno_is_fd_exhaustion(int err);
/* The words for that, into buf: "the process has reached its open-file limit (RLIMIT_NOFILE, now 1024)" for
 * EMFILE, "the system has reached its limit of open files" for ENFILE. */
const char *wsm_fd_exhaustion_text(int err, char *buf, size_t size);
/* EMFILE or ENFILE when no descriptor can be had right now, else 0 (always 0 on Windows): for failures whose
 * own report lost the errno (a library that skipped a socket or a file it could not open). */
int wsm_fd_shortage_now(void);

/* errors.c: 0 when the message table is strictly sorted by code (its
 * lookups use bsearch), else the index of the first entry out of order. */
size_t wsm_error_texts_unsorted(void);

#endif
