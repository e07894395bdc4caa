/*
 * Base64 with padding (RFC 4648 section 4): one encoder and one decoder, in plain C on both builds.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>

#include "base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *wsm_base64_encode(const void *data, size_t len)
{
    const unsigned char *in = data;
    char *out, *o;
    size_t i = 0;

    if (len > (SIZE_MAX / 4) * 3 - 3 || len > INT32_MAX / 2 || !(out = malloc((len + 2) / 3 * 4 + 1)))
        return NULL;
    o = out;
    for (; len - i >= 3; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[(v >> 12) & 0x3F];
        *o++ = alphabet[(v >> 6) & 0x3F];
        *o++ = alphabet[v & 0x3F];
    }
    if (len - i) {
        uint32_t v = (uint32_t)in[i] << 16 | (len - i > 1 ? (uint32_t)in[i + 1] << 8 : 0);
        *o++ = alphabet[v >> 18];
        *o++ = alphabet[(v >> 12) & 0x3F];
        *o++ = len - i > 1 ? alphabet[(v >> 6) & 0x3F] : '=';
        *o++ = '=';
    }
    *o = '\0';
    return out;
}

/* The 6-bit value of an alphabet character, -1 for any other byte. */
static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

long wsm_base64_decode_into(const char *text, size_t len, unsigned char *out, unsigned flags)
{
    uint32_t acc = 0;
    long n = 0;
    int bits = 0, pad = 0;

    if (!(flags & WSM_BASE64_LENIENT) && len % 4)
        return -1;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        int v;

        if ((flags & WSM_BASE64_LENIENT) && (c == ' ' || c == '\t' || c == '\r' || c == '\n'))
            continue;
        if (c == '=') {
            pad++;
            continue;
        }
        if (pad || (v = sextet(c)) < 0)
            return -1; /* data after padding, or not in the alphabet */
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    /* Leftover bits: 0 (complete), 2 (one '='-worth) or 4 (two) of filler; 6 means a lone character. The
     * strict form ignores the filler's value (RFC 4648 section 3.5 allows either), as it always did. */
    if (bits >= 6 || pad > 2 || ((flags & WSM_BASE64_LENIENT) && acc && bits))
        return -1;
    return n;
}

unsigned char *wsm_base64_decode(const char *text, size_t len, size_t *out_len)
{
    unsigned char *out;
    long n;

    if (!len || len > INT32_MAX || !(out = malloc(WSM_BASE64_DECODED_MAX(len))))
        return NULL;
    if ((n = wsm_base64_decode_into(text, len, out, 0)) < 0) {
        free(out);
        return NULL;
    }
    *out_len = (size_t)n;
    return out;
}
