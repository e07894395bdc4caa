/*
 * UTF-8 (RFC 3629) and UTF-16 (RFC 2781). Malformed input never fails a conversion: it becomes U+FFFD.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "utf.h"

size_t wsm_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    static const uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len;
    uint32_t c;

    if (!n)
        return 0;
    c = s[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, c &= 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, c &= 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, c &= 0x07;
    else {
        *cp = WSM_UTF8_BAD;
        return 1;
    }
    if (len > n) {
        *cp = WSM_UTF8_BAD;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = WSM_UTF8_BAD;
            return i;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min_for_len[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        c = WSM_UTF8_BAD;
    *cp = c;
    return len;
}

size_t wsm_utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
    uint32_t c;
    size_t k = wsm_utf8_decode(s, n, &c);

    if (!k || c == WSM_UTF8_BAD)
        return 0;
    *cp = c;
    return k;
}

size_t wsm_utf8_valid_prefix(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        uint32_t cp;
        size_t k = wsm_utf8_char(u + i, n - i, &cp);
        if (!k)
            return i;
        i += k;
    }
    return n;
}

size_t wsm_utf8_encode(uint32_t c, char *out)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18));
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

size_t wsm_utf16_encode(uint32_t c, uint16_t *out)
{
    if (c < 0x10000) {
        out[0] = (uint16_t)c;
        return 1;
    }
    c -= 0x10000;
    out[0] = (uint16_t)(0xD800 + (c >> 10));
    out[1] = (uint16_t)(0xDC00 + (c & 0x3FF));
    return 2;
}

size_t wsm_utf16_bytes_decode(const unsigned char *s, size_t n, int big_endian, uint32_t *cp)
{
    uint32_t hi, lo;

    if (n < 2)
        return 0;
    hi = big_endian ? (uint32_t)s[0] << 8 | s[1] : (uint32_t)s[1] << 8 | s[0];
    if (hi < 0xD800 || hi > 0xDFFF) {
        *cp = hi;
        return 2;
    }
    *cp = WSM_UTF8_BAD;
    if (hi > 0xDBFF || n < 4)
        return 2;
    lo = big_endian ? (uint32_t)s[2] << 8 | s[3] : (uint32_t)s[3] << 8 | s[2];
    if (lo < 0xDC00 || lo > 0xDFFF)
        return 2;
    *cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
    return 4;
}

size_t wsm_utf16_len(const uint16_t *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

char *wsm_utf8_from_utf16(const uint16_t *s, size_t len)
{
    size_t o = 0;
    char *out;

    if (len > (SIZE_MAX - 1) / 3 || !(out = malloc(len * 3 + 1)))
        return NULL;
    for (size_t i = 0; i < len; i++) {
        uint32_t c = s[i];
        if (c < 0x80) { /* most of what WS-Management carries: one byte, no call */
            out[o++] = (char)c;
            continue;
        }
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < len && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF)
            c = 0x10000 + ((c - 0xD800) << 10) + (uint32_t)(s[++i] - 0xDC00);
        else if (c >= 0xD800 && c <= 0xDFFF)
            c = WSM_UNICODE_REPLACEMENT;
        o += wsm_utf8_encode(c, out + o); /* a surrogate pair: 2 units in, 4 bytes out, within len * 3 */
    }
    out[o] = 0;
    return out;
}

/* Whether the 16 bytes at s are all ASCII. */
static int ascii16(const unsigned char *s)
{
    uint64_t w[2];

    memcpy(w, s, sizeof(w));
    return !((w[0] | w[1]) & 0x8080808080808080ull);
}

size_t wsm_utf16_from_utf8(const unsigned char *__restrict u, size_t n, uint16_t *__restrict buf)
{
    size_t o = 0;

    for (size_t i = 0; i < n;) {
        uint32_t c;
        if (n - i >= 16 && ascii16(u + i)) {
            if (buf)
                for (size_t k = 0; k < 16; k++)
                    buf[o + k] = u[i + k];
            i += 16, o += 16;
            continue;
        }
        i += wsm_utf8_decode(u + i, n - i, &c);
        if (c == WSM_UTF8_BAD)
            c = WSM_UNICODE_REPLACEMENT;
        if (buf)
            o += wsm_utf16_encode(c, buf + o);
        else
            o += c >= 0x10000 ? 2 : 1;
    }
    return o;
}

char *wsm_utf8_from_utf16z(const uint16_t *s)
{
    static const uint16_t empty[1];

    if (!s)
        s = empty;
    return wsm_utf8_from_utf16(s, wsm_utf16_len(s));
}

uint16_t *wsm_utf16_from_utf8z(const char *s, uint16_t *(*alloc)(size_t units))
{
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)u);
    uint16_t *out;

    /* Each byte yields at most one UTF-16 unit (4-byte sequences yield 2). The length is measured first, so
     * that the units are written once, into the caller's storage. */
    if (n >= 0x7FFFFFFF / sizeof(uint16_t))
        return NULL;
    if ((out = alloc(wsm_utf16_from_utf8(u, n, NULL))))
        wsm_utf16_from_utf8(u, n, out);
    return out;
}
