/*
 * UTF-8 (RFC 3629) and UTF-16 (RFC 2781): the one decoder of UTF-8 and the conversions between the two.
 * UTF-16 units are uint16_t, which is what OLECHAR and WCHAR are on both builds.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_UTF_H
#define WSMAUTO_UTF_H

#include <stddef.h>
#include <stdint.h>

#define WSM_UNICODE_REPLACEMENT 0xFFFDu
/* What wsm_utf8_decode stores for a malformed sequence: never a code point. */
#define WSM_UTF8_BAD 0xFFFFFFFFu

/* Decodes the character at s[0..n) (n > 0). Returns the bytes it takes (1 to 4); *cp is the code point, or
 * WSM_UTF8_BAD for a malformed sequence (RFC 3629 section 3: a bad lead byte, a missing continuation byte,
 * an overlong form, a surrogate, above U+10FFFF). A malformed sequence takes 1 byte when its lead byte is
 * bad or it runs past n, the bytes before the first bad continuation byte, or its whole length when only
 * its value is bad. Returns 0 only when n is 0. */
size_t wsm_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);
/* The length of the well-formed character at s[0..n), 0 when it is malformed (or n is 0). */
size_t wsm_utf8_char(const unsigned char *s, size_t n, uint32_t *cp);
/* The offset of the first byte of s[0..n) that does not start a well-formed character, or n. */
size_t wsm_utf8_valid_prefix(const char *s, size_t n);

/* Writes the code point c (at most U+10FFFF, not a surrogate) as 1 to 4 bytes at out; returns how many. */
size_t wsm_utf8_encode(uint32_t c, char *out);

/* Writes the code point c (at most U+10FFFF, not a surrogate) as 1 UTF-16 unit or a surrogate pair at out;
 * returns how many units. */
size_t wsm_utf16_encode(uint32_t c, uint16_t *out);

/* Decodes the character at the UTF-16 bytes s[0..n) in the given byte order (big_endian: UTF-16BE, else
 * UTF-16LE; RFC 2781 section 2.2). Returns the bytes it takes: 4 for a surrogate pair, otherwise 2 (an
 * unpaired surrogate too: then *cp is WSM_UTF8_BAD, never a code point); 0 when n < 2. What to do with a
 * bad character (refuse the text, or show U+FFFD) is the caller's policy. */
size_t wsm_utf16_bytes_decode(const unsigned char *s, size_t n, int big_endian, uint32_t *cp);

/* UTF-16 -> UTF-8 of s[0..len), malloc'd and NUL-terminated; unpaired surrogates become U+FFFD. NULL
 * when out of memory. */
char *wsm_utf8_from_utf16(const uint16_t *s, size_t len);
/* UTF-8 -> UTF-16 of u[0..n) into buf (NULL: only counts); returns the units. Malformed sequences become
 * U+FFFD. At most n units. */
size_t wsm_utf16_from_utf8(const unsigned char *u, size_t n, uint16_t *buf);
/* The same for a NUL-terminated string; NULL gives "". */
char *wsm_utf8_from_utf16z(const uint16_t *s);
/* UTF-8 -> UTF-16 of the NUL-terminated s (NULL: ""), into the storage alloc(units) returns for that many
 * units (as SysAllocStringLen(NULL, units) does for a BSTR). NULL when alloc fails or s has 2^30 bytes or
 * more. */
uint16_t *wsm_utf16_from_utf8z(const char *s, uint16_t *(*alloc)(size_t units));
/* The units of a NUL-terminated UTF-16 string. */
size_t wsm_utf16_len(const uint16_t *s);

#endif
