/*
 * strconv.c: the COM layer's UTF-8 <-> UTF-16 (OLECHAR, BSTR) conversions, on src/util/utf.h.
 * Needs only the automation headers and src/util.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_STRCONV_H
#define WSMAUTO_STRCONV_H

#include <windows.h>
#include <oleauto.h>

/* NULL or empty input gives "" (never NULL unless out of memory). Stops at
 * an embedded NUL; unpaired surrogates become U+FFFD. */
char *utf8_from_olestr(const OLECHAR *s);
/* Invalid UTF-8 becomes U+FFFD. NULL input gives an empty BSTR. */
BSTR bstr_from_utf8(const char *s);
/* *out = BSTR copy of s; E_POINTER / E_OUTOFMEMORY. */
HRESULT return_bstr(const char *s, BSTR *out);
/* Case-insensitive ASCII comparison of a wide name with a narrow one. */
int olestr_equal_ascii_nocase(const OLECHAR *a, const char *b);

#endif
