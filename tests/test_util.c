/*
 * Unit tests of src/util (wsmauto_util): ASCII case folding, base64 (RFC 4648 section 10 vectors), UTF-8
 * (RFC 3629) and UTF-16 (RFC 2781), IP literals (RFC 4291 section 2.2, RFC 4007 section 11), the
 * printable copy of a libxml2 message.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "iplit.h"
#include "strutil.h"
#include "test.h"
#include "utf.h"
#include "xmlsafe.h"

static void test_case_folding(void)
{
    ok(!wsm_strcasecmp_ascii("Content-Type", "content-TYPE"), "strcasecmp_ascii equal");
    ok(wsm_strcasecmp_ascii("a", "b") < 0 && wsm_strcasecmp_ascii(NULL, "") < 0, "strcasecmp_ascii order");
    ok(wsm_strcasecmp_ascii("\xc4\xb0", "\xc4\xb1") != 0, "no folding beyond ASCII");
    ok(wsm_span_eq_nocase("HTTPSx", 5, "https") && !wsm_span_eq_nocase("HTTP", 4, "https"), "span_eq_nocase");
    ok(wsm_has_prefix_nocase("HTTP://host", "http://") && !wsm_has_prefix_nocase("htt", "http"),
       "has_prefix_nocase");
    ok(wsm_ascii_upper('i') == 'I' && wsm_ascii_lower('I') == 'i' && wsm_ascii_lower(0xC4) == 0xC4,
       "ascii case");
    ok(wsm_hex_value('0') == 0 && wsm_hex_value('f') == 15 && wsm_hex_value('F') == 15 &&
           wsm_hex_value('g') == -1 && wsm_hex_value(0x0661) == -1,
       "hex_value");
}

static void test_base64(void)
{
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    unsigned char buf[16];

    for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
        char *e = wsm_base64_encode(plain[i], strlen(plain[i]));
        size_t n = 0;
        unsigned char *d = *coded[i] ? wsm_base64_decode(coded[i], strlen(coded[i]), &n) : NULL;
        ok(e && !strcmp(e, coded[i]), "encode \"%s\": %s", plain[i], e ? e : "(null)");
        ok(!*coded[i] || (d && n == strlen(plain[i]) && !memcmp(d, plain[i], n)), "decode %s", coded[i]);
        free(e);
        free(d);
    }
    static const char *const bad[] = {"Zg=", "Z===", "====", "Zg=a", "Zm9v!A==", "Zm 9v", ""};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t n;
        ok(!wsm_base64_decode(bad[i], strlen(bad[i]), &n), "strict decode refuses \"%s\"", bad[i]);
    }
    ok(wsm_base64_decode_into(" Zm9v\r\nYg", 9, buf, WSM_BASE64_LENIENT) == 4 && !memcmp(buf, "foob", 4),
       "lenient: white space, no padding");
    ok(wsm_base64_decode_into("Zh", 2, buf, WSM_BASE64_LENIENT) == -1, "lenient: filler bits must be zero");
}

static void test_utf(void)
{
    static const struct {
        const char *in;
        size_t len;
        uint32_t cp;
    } dec[] = {
        {"A", 1, 'A'},
        {"\xc3\xa9", 2, 0xE9},
        {"\xe2\x82\xac", 3, 0x20AC},
        {"\xf0\x9f\x98\x80", 4, 0x1F600},
        {"\xc0\xaf", 1, WSM_UTF8_BAD},         /* bad lead byte */
        {"\xe0\x80\xaf", 3, WSM_UTF8_BAD},     /* overlong */
        {"\xed\xa0\x80", 3, WSM_UTF8_BAD},     /* surrogate */
        {"\xf4\x90\x80\x80", 4, WSM_UTF8_BAD}, /* above U+10FFFF */
        {"\xe2\x82", 1, WSM_UTF8_BAD},         /* truncated */
        {"\xe2\x41\x41", 1, WSM_UTF8_BAD},     /* missing continuation */
    };
    for (size_t i = 0; i < sizeof(dec) / sizeof(dec[0]); i++) {
        uint32_t cp = 0;
        size_t k = wsm_utf8_decode((const unsigned char *)dec[i].in, strlen(dec[i].in), &cp);
        ok(k == dec[i].len && cp == dec[i].cp, "decode %zu: %zu U+%04X", i, k, (unsigned)cp);
    }
    ok(wsm_utf8_valid_prefix("ab\xc3\xa9\xff", 5) == 4, "valid_prefix");

    const char *s = "a\xc3\xa9\xf0\x9f\x98\x80\xff";
    uint16_t units[8];
    size_t n = wsm_utf16_from_utf8((const unsigned char *)s, strlen(s), NULL);
    ok(n == 5 && wsm_utf16_from_utf8((const unsigned char *)s, strlen(s), units) == 5 && units[0] == 'a' &&
           units[1] == 0xE9 && units[2] == 0xD83D && units[3] == 0xDE00 && units[4] == 0xFFFD,
       "utf16_from_utf8: %zu units", n);
    char *back = wsm_utf8_from_utf16(units, 4);
    ok(back && !strcmp(back, "a\xc3\xa9\xf0\x9f\x98\x80"), "utf8_from_utf16 round trip");
    free(back);
    static const uint16_t lone[] = {0xDC00, 'x', 0xD800, 0};
    back = wsm_utf8_from_utf16z(lone);
    ok(back && !strcmp(back, "\xef\xbf\xbdx\xef\xbf\xbd"), "unpaired surrogates become U+FFFD");
    free(back);
    back = wsm_utf8_from_utf16z(NULL);
    ok(back && !*back, "NULL gives \"\"");
    free(back);

    /* UTF-16 bytes in either order: the byte counts and code points, unpaired surrogates marked bad. */
    static const struct {
        const char *in;
        size_t n;
        int be;
        size_t len;
        uint32_t cp;
    } u16[] = {
        {"A\0", 2, 0, 2, 'A'},
        {"\0A", 2, 1, 2, 'A'},
        {"\xac\x20", 2, 0, 2, 0x20AC},
        {"\x3d\xd8\x00\xde", 4, 0, 4, 0x1F600},
        {"\xd8\x3d\xde\x00", 4, 1, 4, 0x1F600},
        {"\xff\xdb\xff\xdf", 4, 0, 4, 0x10FFFF},
        {"\x3d\xd8", 2, 0, 2, WSM_UTF8_BAD},         /* a high surrogate at the end */
        {"\x3d\xd8\x41", 3, 0, 2, WSM_UTF8_BAD},     /* ... with half a unit after it */
        {"\x3d\xd8\x41\x00", 4, 0, 2, WSM_UTF8_BAD}, /* ... followed by no low surrogate */
        {"\x00\xde\x41\x00", 4, 0, 2, WSM_UTF8_BAD}, /* a low surrogate first */
        {"\xde\x00", 2, 1, 2, WSM_UTF8_BAD},
        {"A", 1, 0, 0, 0},
    };
    for (size_t i = 0; i < sizeof(u16) / sizeof(u16[0]); i++) {
        uint32_t cp = 0;
        size_t k = wsm_utf16_bytes_decode((const unsigned char *)u16[i].in, u16[i].n, u16[i].be, &cp);
        ok(k == u16[i].len && (!k || cp == u16[i].cp), "utf16_bytes_decode %zu: %zu U+%04X", i, k,
           (unsigned)cp);
    }
}

static int v6(const char *s, const char *hex)
{
    unsigned char a[16];
    char text[33];

    if (!wsm_ipv6_parse(s, strlen(s), a))
        return !hex;
    for (int i = 0; i < 16; i++)
        snprintf(text + 2 * i, 3, "%02x", a[i]);
    return hex && !strcmp(text, hex);
}

static void test_ip(void)
{
    unsigned char a4[4];

    ok(wsm_ipv4_parse("192.0.2.255", 11, a4) && a4[0] == 192 && a4[3] == 255, "ipv4");
    ok(!wsm_ipv4_parse("192.0.2", 7, NULL) && !wsm_ipv4_parse("192.0.2.256", 11, NULL) &&
           !wsm_ipv4_parse("192.0.02.1", 10, NULL) && !wsm_ipv4_parse("1.2.3.4.", 8, NULL),
       "ipv4 refusals");
    ok(v6("::", "00000000000000000000000000000000"), "::");
    ok(v6("::1", "00000000000000000000000000000001"), "::1");
    ok(v6("2001:DB8:0:0:8:800:200C:417A", "20010db80000000000080800200c417a"), "full form");
    ok(v6("2001:db8::8:800:200c:417a", "20010db80000000000080800200c417a"), "compressed");
    ok(v6("ff01::", "ff010000000000000000000000000000"), "trailing ::");
    ok(v6("::ffff:192.0.2.1", "00000000000000000000ffffc0000201"), "embedded IPv4");
    ok(v6("1:2:3:4:5:6:7::", "00010002000300040005000600070000"), ":: for one group");
    static const char *const bad[] = {
        ":1",      "1:",  "1:::2",   "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::",
        "::1.2.3", "g::", "::1%eth0"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ok(v6(bad[i], NULL), "refuses %s", bad[i]);
    ok(wsm_ipv6_parse_zoned("fe80::1%eth0", 12, NULL) && !wsm_ipv6_parse_zoned("fe80::1%", 8, NULL) &&
           !wsm_ipv6_parse_zoned("fe80::1%e/0", 11, NULL),
       "zone index");
    ok(wsm_host_is_ip_literal("127.1") && wsm_host_is_ip_literal("fe80::1%eth0") &&
           !wsm_host_is_ip_literal("host1.example"),
       "host_is_ip_literal");
}

/* A libxml2 message quoted in a reason: one line of printable ASCII, at most max bytes. */
static void test_printable_message(void)
{
    char out[11];

    ok(!strcmp(wsm_xml_printable_message(out, 10, "a\tb\nc\rd\x01\xc3\xa9 \n\n"), "a b c d???"),
       "controls and non-ASCII: \"%s\"", out);
    ok(!strcmp(wsm_xml_printable_message(out, 10, "0123456789abc"), "0123456789"), "cut at max: \"%s\"", out);
    ok(!strcmp(wsm_xml_printable_message(out, 10, ""), ""), "empty");
}

int main(void)
{
    test_case_folding();
    test_base64();
    test_utf();
    test_ip();
    test_printable_message();
    return test_summary("util");
}
