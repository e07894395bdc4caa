/*
 * Random bytes from the operating system's CSPRNG.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_RANDOM_H
#define WSMAUTO_RANDOM_H

#include <stddef.h>

/* Fills buf with n bytes from the system's CSPRNG (getrandom or /dev/urandom; BCryptGenRandom on
 * Windows). Returns 1, or 0 when no randomness is available. */
int wsm_random_bytes(void *buf, size_t n);

#endif
