/*
 * A small ok()-style test harness: each check reports file:line on failure,
 * and test_summary() prints "N passed, N failed" and returns the exit code.
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_TEST_H
#define WSMAUTO_TEST_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int test_passed, test_failed;

/* MinGW's printf attribute means the Microsoft dialect (no %zu); the Windows tests use MinGW's C99 stdio. */
#ifdef __MINGW32__
#define TEST_PRINTF gnu_printf
#else
#define TEST_PRINTF printf
#endif

static inline int test_check(int cond, const char *file, int line, const char *fmt, ...)
    __attribute__((format(TEST_PRINTF, 4, 5)));
static inline int test_check(int cond, const char *file, int line, const char *fmt, ...)
{
    if (cond) {
        test_passed++;
        return 1;
    }
    test_failed++;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s:%d: FAILED: ", file, line);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 0;
}

/* ok(condition, printf-format, ...) */
#define ok(cond, ...) test_check(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
/* Compare an HRESULT with its expected value. */
#define ok_hr(expected, got)                                                                                 \
    do {                                                                                                     \
        int32_t ok_hr_e_ = (int32_t)(expected), ok_hr_g_ = (int32_t)(got);                                   \
        ok(ok_hr_e_ == ok_hr_g_, "expected hr 0x%08" PRIx32 ", got 0x%08" PRIx32, (uint32_t)ok_hr_e_,        \
           (uint32_t)ok_hr_g_);                                                                              \
    } while (0)
#define ok_str(expected, got)                                                                                \
    do {                                                                                                     \
        const char *ok_s_e_ = (expected), *ok_s_g_ = (got);                                                  \
        ok(ok_s_g_ && !strcmp(ok_s_e_, ok_s_g_), "expected \"%s\", got \"%s\"", ok_s_e_,                     \
           ok_s_g_ ? ok_s_g_ : "(null)");                                                                    \
    } while (0)

static inline int test_summary(const char *name)
{
    printf("%s: %d passed, %d failed\n", name, test_passed, test_failed);
    return test_failed ? 1 : (test_passed ? 0 : 1);
}

#endif
