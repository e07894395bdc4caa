/*
 * The one place where UTF-8 (the core's strings) and UTF-16 (BSTR,
 * OLECHAR) meet. Malformed input never fails: it becomes U+FFFD.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strconv.h"

#define REPLACEMENT 0xFFFDu

static size_t olestr_len(const OLECHAR *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

char *utf8_from_olestr(const OLECHAR *s)
{
    size_t len, o = 0;
    char *out;

    if (!s)
        s = OLESTR("");
    len = olestr_len(s);
    if (!(out = malloc(len * 3 + 1)))
        return NULL;
    for (size_t i = 0; i < len; i++) {
        uint32_t c = s[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < len && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF)
            c = 0x10000 + ((c - 0xD800) << 10) + (s[++i] - 0xDC00);
        else if (c >= 0xD800 && c <= 0xDFFF)
            c = REPLACEMENT;
        if (c < 0x80) {
            out[o++] = (char)c;
        } else if (c < 0x800) {
            out[o++] = (char)(0xC0 | (c >> 6));
            out[o++] = (char)(0x80 | (c & 0x3F));
        } else if (c < 0x10000) {
            out[o++] = (char)(0xE0 | (c >> 12));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (c & 0x3F));
        } else { /* a surrogate pair: 2 units in, 4 bytes out, within len * 3 */
            out[o++] = (char)(0xF0 | (c >> 18));
            out[o++] = (char)(0x80 | ((c >> 12) & 0x3F));
            out[o++] = (char)(0x80 | ((c >> 6) & 0x3F));
            out[o++] = (char)(0x80 | (c & 0x3F));
        }
    }
    out[o] = 0;
    return out;
}

/* Decodes one UTF-8 sequence at s (n bytes left); returns its length. */
static size_t decode_utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
    static const uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t len;
    uint32_t c = s[0];

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
        *cp = REPLACEMENT;
        return 1;
    }
    if (len > n) {
        *cp = REPLACEMENT;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = REPLACEMENT;
            return i;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min_for_len[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        c = REPLACEMENT;
    *cp = c;
    return len;
}

/* Whether the 16 bytes at s are all ASCII. */
static int ascii16(const unsigned char *s)
{
    uint64_t w[2];

    memcpy(w, s, sizeof(w));
    return !((w[0] | w[1]) & 0x8080808080808080ull);
}

/* Converts the n bytes at u into UTF-16 units at buf (NULL: only counts them); returns the count. */
static size_t utf16_from_utf8(const unsigned char *__restrict u, size_t n, OLECHAR *__restrict buf)
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
        i += decode_utf8(u + i, n - i, &c);
        if (c >= 0x10000) {
            if (buf) {
                c -= 0x10000;
                buf[o] = (OLECHAR)(0xD800 + (c >> 10));
                buf[o + 1] = (OLECHAR)(0xDC00 + (c & 0x3FF));
            }
            o += 2;
        } else {
            if (buf)
                buf[o] = (OLECHAR)c;
            o++;
        }
    }
    return o;
}

BSTR bstr_from_utf8(const char *s)
{
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)u), o;
    BSTR out;

    /* Each byte yields at most one UTF-16 unit (4-byte sequences yield 2). The length is measured first, so
     * that the units are written once, into the BSTR itself. */
    if (n >= 0x7FFFFFFF / sizeof(OLECHAR))
        return NULL;
    o = utf16_from_utf8(u, n, NULL);
    if (!(out = SysAllocStringLen(NULL, (UINT)o)))
        return NULL;
    utf16_from_utf8(u, n, out);
    return out;
}

HRESULT return_bstr(const char *s, BSTR *out)
{
    if (!out)
        return E_POINTER;
    *out = bstr_from_utf8(s);
    return *out ? S_OK : E_OUTOFMEMORY;
}

int olestr_equal_ascii_nocase(const OLECHAR *a, const char *b)
{
    for (; *a && *b; a++, b++) {
        OLECHAR ca = *a;
        char cb = *b;
        if (ca >= 'A' && ca <= 'Z')
            ca += 'a' - 'A';
        if (cb >= 'A' && cb <= 'Z')
            cb += 'a' - 'A';
        if (ca != (OLECHAR)(unsigned char)cb)
            return 0;
    }
    return !*a && !*b;
}
