/*
 * IP address literals (RFC 4291 section 2.2, RFC 4007 section 11), in plain C on both builds.
 *
 * SPDX-License-Identifier: MIT
 */
#include <string.h>

#include "iplit.h"
#include "strutil.h"

int wsm_ipv4_parse(const char *s, size_t n, unsigned char out[4])
{
    unsigned char a[4];
    size_t i = 0;

    for (int part = 0; part < 4; part++) {
        size_t start;
        unsigned int v = 0;
        if (part && (i >= n || s[i++] != '.'))
            return 0;
        start = i;
        while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 4)
            v = v * 10 + (unsigned)(s[i++] - '0');
        if (i == start || i - start > 3 || v > 255 || (i - start > 1 && s[start] == '0'))
            return 0;
        a[part] = (unsigned char)v;
    }
    if (i != n)
        return 0;
    if (out)
        memcpy(out, a, 4);
    return 1;
}

int wsm_ipv6_parse(const char *s, size_t n, unsigned char out[16])
{
    unsigned char a[16] = {0};
    size_t i = 0, groups = 0, gap = 0; /* gap: the byte offset of "::" */
    int compressed = 0;

    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        compressed = 1;
        i = 2;
    } else if (n && s[0] == ':') {
        return 0;
    }
    while (i < n) {
        size_t j = i;
        unsigned int v = 0;
        while (j < n && wsm_hex_value(s[j]) >= 0 && j - i < 5)
            v = v << 4 | (unsigned)wsm_hex_value(s[j++]);
        if (j < n && s[j] == '.') { /* ::ffff:192.0.2.1 */
            if (groups > 6 || !wsm_ipv4_parse(s + i, n - i, a + groups * 2))
                return 0;
            groups += 2;
            break;
        }
        if (j == i || j - i > 4 || groups == 8)
            return 0;
        a[groups * 2] = (unsigned char)(v >> 8);
        a[groups * 2 + 1] = (unsigned char)v;
        groups++;
        i = j;
        if (i == n)
            break;
        if (s[i++] != ':')
            return 0;
        if (i < n && s[i] == ':') {
            if (compressed)
                return 0;
            compressed = 1;
            gap = groups * 2;
            i++;
        } else if (i == n) {
            return 0; /* a single trailing ':' */
        }
    }
    if (compressed ? groups > 7 : groups != 8)
        return 0;
    if (compressed) { /* move the groups after "::" to the end */
        size_t tail = groups * 2 - gap;
        memmove(a + 16 - tail, a + gap, tail);
        memset(a + gap, 0, 16 - tail - gap);
    }
    if (out)
        memcpy(out, a, 16);
    return 1;
}

int wsm_ipv6_parse_zoned(const char *s, size_t n, unsigned char out[16])
{
    const char *pct = memchr(s, '%', n);

    if (pct) {
        size_t zl = n - (size_t)(pct - s) - 1;
        if (!zl)
            return 0;
        for (size_t k = 1; k <= zl; k++) {
            char c = pct[k];
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
                  c == '_' || c == '-'))
                return 0;
        }
        n = (size_t)(pct - s);
    }
    return wsm_ipv6_parse(s, n, out);
}

int wsm_host_is_ip_literal(const char *host)
{
    if (strchr(host, ':'))
        return 1; /* IPv6 (a host name never holds ':'), zone index or not */
    return strspn(host, "0123456789.") == strlen(host);
}
