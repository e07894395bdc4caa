/*
 * Tests of the multipart/encrypted framing of WinRM message encryption
 * (src/core/auth/encframe.c, [MS-WSMV] 2.2.9.1) with mock wrap/unwrap
 * functions; no GSSAPI, no network. The pywinrm bodies below are from
 * winrm/tests/test_encryption.py (MIT licence, see tests/vectors/LICENSES):
 * their mock "wraps" by base64-encoding the plaintext behind the 4-byte
 * signature "1234".
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "encframe.h"
#include "gssauth.h"
#include "test.h"

#define CT_SPNEGO                                                                                            \
    "multipart/encrypted;protocol=\"" WSM_ENC_PROTOCOL_SPNEGO "\";boundary=\"Encrypted Boundary\""
#define CT_KERBEROS                                                                                          \
    "multipart/encrypted;protocol=\"" WSM_ENC_PROTOCOL_KERBEROS "\";boundary=\"Encrypted Boundary\""

/* ---- mocks ---- */

enum mock_mode {
    MOCK_XOR, /* header "MOCK" LE32(len) LE64(FNV-1a of the plaintext), data = plaintext XOR key */
    MOCK_B64  /* pywinrm's mock: header "1234", data = base64(plaintext) */
};

struct mock {
    enum mock_mode mode;
    unsigned char key; /* MOCK_XOR; 0 = the ciphertext is the plaintext (lets a test plant bytes in it) */
    size_t pad;        /* MOCK_XOR: bytes of padding counted in Length= (Kerberos RC4 with MIT) */
    size_t extra;      /* MOCK_XOR: bytes after the data not counted in Length= (like a TLS record) */
    int32_t fail;      /* returned by wrap and unwrap when set */
    int unwraps;
};

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static size_t b64_encode(const unsigned char *in, size_t n, unsigned char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v =
            (uint32_t)in[i] << 16 | (i + 1 < n ? (uint32_t)in[i + 1] << 8 : 0) | (i + 2 < n ? in[i + 2] : 0);
        out[o++] = (unsigned char)b64[v >> 18 & 63];
        out[o++] = (unsigned char)b64[v >> 12 & 63];
        out[o++] = i + 1 < n ? (unsigned char)b64[v >> 6 & 63] : '=';
        out[o++] = i + 2 < n ? (unsigned char)b64[v & 63] : '=';
    }
    return o;
}

static int b64_decode(const unsigned char *in, size_t n, unsigned char *out, size_t *out_len)
{
    uint32_t v = 0;
    int bits = 0;
    size_t o = 0;
    if (n % 4)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (in[i] == '=') {
            if (i + 2 < n || (i + 2 == n && in[i + 1] != '='))
                return 0;
            break;
        }
        const char *c = in[i] ? strchr(b64, in[i]) : NULL;
        if (!c)
            return 0;
        v = v << 6 | (uint32_t)(c - b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(v >> bits);
        }
    }
    *out_len = o;
    return 1;
}

static void put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static int32_t mock_wrap(void *ctx, const void *plain, size_t len, unsigned char **out, size_t *out_len,
                         size_t *hdr_len, size_t *orig_len, char **detail)
{
    struct mock *m = ctx;
    *out = NULL;
    *out_len = *hdr_len = *orig_len = 0;
    if (m->fail) {
        if (detail)
            *detail = strdup("mock wrap refused");
        return m->fail;
    }
    if (m->mode == MOCK_B64) {
        *out = malloc(4 + (len + 2) / 3 * 4);
        memcpy(*out, "1234", 4);
        *out_len = 4 + b64_encode(plain, len, *out + 4);
        *hdr_len = 4;
        *orig_len = len;
        return WSM_S_OK;
    }
    size_t n = len + m->pad;
    *out = malloc(16 + n + m->extra);
    unsigned char *o = *out;
    memcpy(o, "MOCK", 4);
    put_le(o + 4, n, 4);
    unsigned char *d = o + 16;
    if (len)
        memcpy(d, plain, len);
    memset(d + len, (int)m->pad, m->pad);
    put_le(o + 8, fnv1a(d, n), 8);
    for (size_t i = 0; i < n; i++)
        d[i] ^= m->key;
    memset(d + n, 'X', m->extra);
    *out_len = 16 + n + m->extra;
    *hdr_len = 16;
    *orig_len = n;
    return WSM_S_OK;
}

static int32_t mock_unwrap(void *ctx, const void *hdr, size_t hdr_len, const void *data, size_t data_len,
                           unsigned char **plain, size_t *plain_len, char **detail)
{
    struct mock *m = ctx;
    const unsigned char *h = hdr;
    *plain = NULL;
    *plain_len = 0;
    m->unwraps++;
    if (m->fail) {
        if (detail)
            *detail = strdup("mock unwrap refused");
        return m->fail;
    }
    if (m->mode == MOCK_B64) {
        size_t n;
        unsigned char *p = malloc(data_len / 4 * 3 + 3);
        if (hdr_len != 4 || memcmp(h, "1234", 4) || !b64_decode(data, data_len, p, &n)) {
            free(p);
            if (detail)
                *detail = strdup("mock signature invalid");
            return WSM_SEC_E_MESSAGE_ALTERED;
        }
        *plain = p;
        *plain_len = n;
        return WSM_S_OK;
    }
    if (hdr_len != 16 || memcmp(h, "MOCK", 4) || data_len < m->extra ||
        get_le(h + 4, 4) != data_len - m->extra) {
        if (detail)
            *detail = strdup("mock token malformed");
        return WSM_SEC_E_INVALID_TOKEN;
    }
    size_t n = data_len - m->extra;
    unsigned char *p = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        p[i] = ((const unsigned char *)data)[i] ^ m->key;
    if (fnv1a(p, n) != get_le(h + 8, 8)) {
        free(p);
        if (detail)
            *detail = strdup("mock checksum mismatch");
        return WSM_SEC_E_MESSAGE_ALTERED;
    }
    *plain = p;
    *plain_len = n;
    return WSM_S_OK;
}

/* ---- helpers ---- */

static int has(const char *detail, const char *needle)
{
    return detail && strstr(detail, needle);
}

/* Parses and checks the outcome; returns the plaintext (caller frees) on success. */
static char *parse(const char *ct, const void *body, size_t len, const char *proto, struct mock *m,
                   size_t max, int32_t want, const char *want_detail, size_t *plain_len, int line)
{
    char *plain = (char *)1, *charset = (char *)1, *detail = (char *)1;
    size_t pl = 1;
    int32_t hr =
        wsm_encframe_parse(ct, body, len, proto, mock_unwrap, m, max, &plain, &pl, &charset, &detail);
    test_check(hr == want, __FILE__, line, "expected hr 0x%08x, got 0x%08x (%s)", (unsigned)want,
               (unsigned)hr, detail ? detail : "no detail");
    if (hr == WSM_S_OK) {
        test_check(!detail && plain && charset && plain[pl] == '\0', __FILE__, line, "success outputs");
        if (plain_len)
            *plain_len = pl;
        char *ret = malloc(pl + 1 + strlen(charset) + 1);
        memcpy(ret, plain, pl + 1);
        strcpy(ret + pl + 1, charset); /* charset after the NUL, see charset_of() */
        free(plain);
        free(charset);
        return ret;
    }
    test_check(!plain && !pl && !charset && detail, __FILE__, line, "failure outputs");
    if (want_detail)
        test_check(has(detail, want_detail), __FILE__, line, "detail \"%s\" lacks \"%s\"",
                   detail ? detail : "(null)", want_detail);
    free(detail);
    return NULL;
}
#define PARSE_OK(ct, body, len, proto, m, plen)                                                              \
    parse(ct, body, len, proto, m, 0, WSM_S_OK, NULL, plen, __LINE__)
#define PARSE_FAIL(ct, body, len, proto, m, max, hr, text)                                                   \
    free(parse(ct, body, len, proto, m, max, hr, text, NULL, __LINE__))

static const char *charset_of(const char *ret, size_t pl)
{
    return ret + pl + 1;
}

static char *build(const char *proto, unsigned flags, const void *plain, size_t len, struct mock *m,
                   size_t *body_len, char **ct)
{
    char *body = NULL, *detail = NULL;
    int32_t hr = wsm_encframe_build(proto, flags, plain, len, mock_wrap, m, &body, body_len, ct, &detail);
    ok_hr(WSM_S_OK, hr);
    ok(!detail, "build detail: %s", detail ? detail : "");
    free(detail);
    return body;
}

static size_t digits(size_t n)
{
    size_t d = 1;
    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

/* A hand-made part group for the lenient tests: metadata with the given lines, then a B64-mock payload. */
static size_t b64_group(char *out, const char *marker, const char *meta_lines, const char *octet_line,
                        const char *plain)
{
    size_t n = (size_t)sprintf(out, "%s\r\n%s%s\r\n%s", marker, meta_lines, marker, octet_line);
    memcpy(out + n,
           "\x04\0\0\0"
           "1234",
           8);
    n += 8;
    n += b64_encode((const unsigned char *)plain, strlen(plain), (unsigned char *)out + n);
    return n;
}

/* ---- pywinrm vectors ---- */

/* 028: request body of test_encrypt_message; 030/031 are the same body with "--" missing at the end and
 * with Length=20. */
static const char pywinrm_body[] =
    "--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n"
    "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=19\r\n"
    "--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n"
    "\x04\x00\x00\x00"
    "1234dW5lbmNyeXB0ZWQgbWVzc2FnZQ==--Encrypted Boundary--\r\n";

/* OMI's framing: the same parts without the tabs; OMI's own replies also end with an extra CR LF. */
static const char omi_body[] =
    "--Encrypted Boundary\r\nContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n"
    "OriginalContent: type=application/soap+xml;charset=UTF-8;Length=19\r\n"
    "--Encrypted Boundary\r\nContent-Type: application/octet-stream\r\n"
    "\x04\x00\x00\x00"
    "1234dW5lbmNyeXB0ZWQgbWVzc2FnZQ==--Encrypted Boundary--\r\n";

static void test_omi_framing(void)
{
    struct mock m = {.mode = MOCK_B64};
    size_t len, pl;
    char *ct = NULL, reply[sizeof(omi_body) + 2];
    char *body =
        build(WSM_ENC_PROTOCOL_SPNEGO, WSM_ENCFRAME_NO_TABS, "unencrypted message", 19, &m, &len, &ct);
    ok(body && len == sizeof(omi_body) - 1 && !memcmp(body, omi_body, len), "OMI framing: %zu bytes differ",
       len);
    ok(body && !memchr(body, '\t', len), "OMI framing holds a tab");
    ok_str(CT_SPNEGO, ct);
    free(body);
    free(ct);
    /* with UTF-16 too: the flags combine */
    body = build(WSM_ENC_PROTOCOL_SPNEGO, WSM_ENCFRAME_NO_TABS | WSM_ENCFRAME_UTF16, "ab", 2, &m, &len, &ct);
    ok(body && has(body, "\r\nOriginalContent: type=application/soap+xml;charset=UTF-16;Length=2\r\n") &&
           !memchr(body, '\t', len),
       "OMI framing, UTF-16");
    free(body);
    free(ct);

    /* an OMI reply: no tabs, an extra CR LF after the closing boundary */
    memcpy(reply, omi_body, sizeof(omi_body) - 1);
    memcpy(reply + sizeof(omi_body) - 1, "\r\n", 2);
    char *p = PARSE_OK(CT_SPNEGO, reply, sizeof(reply) - 1, WSM_ENC_PROTOCOL_SPNEGO, &m, &pl);
    ok(p && pl == 19 && !strcmp(p, "unencrypted message"), "OMI reply plaintext");
    free(p);
}

static void test_pywinrm(void)
{
    struct mock m = {.mode = MOCK_B64};
    size_t len, pl;
    char *ct = NULL;
    char *body = build(WSM_ENC_PROTOCOL_SPNEGO, 0, "unencrypted message", 19, &m, &len, &ct);
    ok(len == 272 && len == sizeof(pywinrm_body) - 1, "pywinrm body is %zu bytes, expected 272", len);
    ok(body && len == sizeof(pywinrm_body) - 1 && !memcmp(body, pywinrm_body, len),
       "pywinrm body bytes differ");
    ok_str(CT_SPNEGO, ct);
    free(body);
    free(ct);

    char *p = PARSE_OK(CT_SPNEGO, pywinrm_body, 272, WSM_ENC_PROTOCOL_SPNEGO, &m, &pl);
    ok(p && pl == 19 && !strcmp(p, "unencrypted message"), "pywinrm plaintext");
    ok_str("UTF-8", p ? charset_of(p, pl) : NULL);
    free(p);

    /* 030: closing boundary without the final "--" (pywinrm and pypsrp accept it) */
    char v030[300];
    size_t n030 = 272 - 4;
    memcpy(v030, pywinrm_body, n030);
    memcpy(v030 + n030, "\r\n", 2);
    n030 += 2;
    ok(n030 == 270, "030 is 270 bytes");
    p = PARSE_OK(CT_SPNEGO, v030, n030, NULL, &m, &pl);
    ok(p && pl == 19 && !strcmp(p, "unencrypted message"), "030 plaintext");
    free(p);

    /* 031: Length=20 but 19 bytes decrypted */
    char v031[300];
    memcpy(v031, pywinrm_body, 272);
    char *l = memmem(v031, 272, "Length=19", 9);
    l[7] = '2';
    l[8] = '0';
    PARSE_FAIL(CT_SPNEGO, v031, 272, NULL, &m, 0, WSM_SEC_E_MESSAGE_ALTERED,
               "part 1 of the reply decrypts to 19 bytes, but its OriginalContent announces Length=20");
}

/* ---- build ---- */

static void test_build_exact(void)
{
    /* written from §5.2 by hand: "hi" with the B64 mock (header "1234", data "aGk=") */
    static const char expect[] = "--Encrypted Boundary\r\n"
                                 "\tContent-Type: application/HTTP-Kerberos-session-encrypted\r\n"
                                 "\tOriginalContent: type=application/soap+xml;charset=UTF-16;Length=2\r\n"
                                 "--Encrypted Boundary\r\n"
                                 "\tContent-Type: application/octet-stream\r\n"
                                 "\x04\x00\x00\x00"
                                 "1234"
                                 "aGk="
                                 "--Encrypted Boundary--\r\n";
    struct mock m = {.mode = MOCK_B64};
    size_t len;
    char *ct = NULL;
    char *body = build(WSM_ENC_PROTOCOL_KERBEROS, 1, "hi", 2, &m, &len, &ct);
    ok(len == sizeof(expect) - 1 && body && !memcmp(body, expect, len), "exact body (%zu bytes)", len);
    ok_str(CT_KERBEROS, ct);
    free(body);
    free(ct);

    /* Length= is what the wrap says (plaintext + RC4 padding), not the input length */
    struct mock pad = {.mode = MOCK_XOR, .key = 0x33, .pad = 1};
    body = build(WSM_ENC_PROTOCOL_KERBEROS, 0, "abcdef", 6, &pad, &len, &ct);
    ok(body && memmem(body, len, "charset=UTF-8;Length=7\r\n", 24), "Length= counts the padding");
    size_t pl;
    char *p = PARSE_OK(ct, body, len, WSM_ENC_PROTOCOL_KERBEROS, &pad, &pl);
    ok(p && pl == 7 && !memcmp(p, "abcdef\x01", 7), "padded plaintext comes back with its padding");
    free(p);
    free(body);
    free(ct);
}

static void test_build_sizes(void)
{
    static const size_t sizes[] = {0, 1, 9, 10, 99, 100, 12345, 1000000};
    static const struct {
        const char *proto;
        size_t extra;
    } protos[] = {
        {WSM_ENC_PROTOCOL_SPNEGO, 0}, {WSM_ENC_PROTOCOL_KERBEROS, 2}, {WSM_ENC_PROTOCOL_CREDSSP, 1}};
    char *plain = calloc(1, 1000000);
    for (size_t pi = 0; pi < 3; pi++) {
        for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
            if (!strcmp(protos[pi].proto, WSM_ENC_PROTOCOL_CREDSSP) && sizes[i] > WSM_ENC_CREDSSP_CHUNK)
                continue; /* CredSSP chunks by 16 KiB (§5.4): test_credssp checks that */
            struct mock m = {.mode = MOCK_XOR, .key = 0xA5};
            size_t len, n = sizes[i];
            char *ct = NULL;
            char *body = build(protos[pi].proto, 0, plain, n, &m, &len, &ct);
            size_t want = 234 + digits(n) + 4 + 16 + n + protos[pi].extra;
            ok(len == want, "%s N=%zu: %zu bytes, expected %zu", protos[pi].proto, n, len, want);
            size_t pl;
            char *p = PARSE_OK(ct, body, len, protos[pi].proto, &m, &pl);
            ok(p && pl == n && !memcmp(p, plain, n), "round trip N=%zu", n);
            free(p);
            free(body);
            free(ct);
        }
    }
    free(plain);
}

static void test_build_errors(void)
{
    struct mock m = {.mode = MOCK_XOR};
    char *body = (char *)1, *ct = (char *)1, *detail = NULL;
    size_t len = 1;
    ok_hr(WSM_E_INVALIDARG,
          wsm_encframe_build("app/x\"y", 0, "a", 1, mock_wrap, &m, &body, &len, &ct, &detail));
    ok(!body && !len && !ct && has(detail, "app/x\\\"y"), "quote in protocol: %s", detail);
    free(detail);
    ok_hr(WSM_E_INVALIDARG,
          wsm_encframe_build("app/x\r\nX: y", 0, "a", 1, mock_wrap, &m, &body, &len, &ct, &detail));
    ok(!body && !ct && has(detail, "control character"), "line break in protocol: %s", detail);
    free(detail);
    ok_hr(WSM_E_INVALIDARG, wsm_encframe_build(NULL, 0, "a", 1, mock_wrap, &m, &body, &len, &ct, &detail));
    free(detail);
    ok_hr(WSM_E_INVALIDARG,
          wsm_encframe_build(WSM_ENC_PROTOCOL_SPNEGO, 0, "a", 1, NULL, &m, &body, &len, &ct, &detail));
    free(detail);
    ok_hr(WSM_E_INVALIDARG,
          wsm_encframe_build(WSM_ENC_PROTOCOL_SPNEGO, 0, NULL, 1, mock_wrap, &m, &body, &len, &ct, &detail));
    free(detail);
    ok_hr(WSM_E_INVALIDARG,
          wsm_encframe_build(WSM_ENC_PROTOCOL_SPNEGO, 0, "a", 1, mock_wrap, &m, NULL, &len, &ct, NULL));
    /* the wrap's own error and sentence */
    m.fail = WSM_SEC_E_CONTEXT_EXPIRED;
    ok_hr(WSM_SEC_E_CONTEXT_EXPIRED,
          wsm_encframe_build(WSM_ENC_PROTOCOL_SPNEGO, 0, "a", 1, mock_wrap, &m, &body, &len, &ct, &detail));
    ok(!body && !len && !ct, "outputs NULL after a wrap failure");
    ok_str("mock wrap refused", detail);
    free(detail);
    ok_hr(WSM_SEC_E_CONTEXT_EXPIRED,
          wsm_encframe_build(WSM_ENC_PROTOCOL_SPNEGO, 0, "a", 1, mock_wrap, &m, &body, &len, &ct, NULL));
}

/* ---- parse ---- */

static void test_is_encrypted(void)
{
    ok(wsm_encframe_is_encrypted(CT_SPNEGO), "SPNEGO type");
    ok(wsm_encframe_is_encrypted("multipart/x-multi-encrypted;protocol=x"), "x-multi");
    ok(wsm_encframe_is_encrypted(" MULTIPART / Encrypted ; boundary=x"), "case and spaces");
    ok(wsm_encframe_is_encrypted("multipart/encrypted"), "no parameters");
    ok(!wsm_encframe_is_encrypted("application/soap+xml;charset=UTF-8"), "soap");
    ok(!wsm_encframe_is_encrypted("multipart/encryptedx"), "longer type");
    ok(!wsm_encframe_is_encrypted("multipart/mixed"), "mixed");
    ok(!wsm_encframe_is_encrypted(""), "empty");
    ok(!wsm_encframe_is_encrypted(NULL), "NULL");
}

static void test_round_trips(void)
{
    static const char soap[] = "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"/>";
    struct mock m = {.mode = MOCK_XOR, .key = 0x5A};
    size_t len, pl;
    char *ct;
    char *body = build(WSM_ENC_PROTOCOL_SPNEGO, 0, soap, sizeof(soap) - 1, &m, &len, &ct);
    char *p = PARSE_OK(ct, body, len, WSM_ENC_PROTOCOL_SPNEGO, &m, &pl);
    ok(p && pl == sizeof(soap) - 1 && !strcmp(p, soap), "UTF-8 round trip");
    ok_str("UTF-8", p ? charset_of(p, pl) : NULL);
    free(p);
    free(body);
    free(ct);

    /* UTF-16LE with BOM, as Windows may send it */
    char u16[2 + 2 * sizeof(soap)];
    u16[0] = '\xFF';
    u16[1] = '\xFE';
    for (size_t i = 0; i < sizeof(soap) - 1; i++) {
        u16[2 + 2 * i] = soap[i];
        u16[3 + 2 * i] = 0;
    }
    size_t u16_len = 2 + 2 * (sizeof(soap) - 1);
    body = build(WSM_ENC_PROTOCOL_SPNEGO, 1, u16, u16_len, &m, &len, &ct);
    ok(memmem(body, len, "charset=UTF-16;", 15) != NULL, "UTF-16 charset written");
    p = PARSE_OK(ct, body, len, NULL, &m, &pl);
    ok(p && pl == u16_len && !memcmp(p, u16, u16_len), "UTF-16 round trip");
    ok_str("UTF-16", p ? charset_of(p, pl) : NULL);
    free(p);
    free(body);
    free(ct);

    /* empty message */
    body = build(WSM_ENC_PROTOCOL_SPNEGO, 0, NULL, 0, &m, &len, &ct);
    ok(len == 234 + 1 + 4 + 16, "empty message body is %zu bytes", len);
    p = PARSE_OK(ct, body, len, WSM_ENC_PROTOCOL_SPNEGO, &m, &pl);
    ok(p && pl == 0 && p[0] == '\0', "empty round trip");
    free(p);
    free(body);
    free(ct);

    /* 5 MB, every byte value */
    size_t big = 5 * 1024 * 1024;
    unsigned char *data = malloc(big);
    for (size_t i = 0; i < big; i++)
        data[i] = (unsigned char)(i * 7 + (i >> 11));
    body = build(WSM_ENC_PROTOCOL_KERBEROS, 0, data, big, &m, &len, &ct);
    ok(len == 234 + 2 + digits(big) + 4 + 16 + big, "5 MB body size %zu", len);
    p = PARSE_OK(ct, body, len, WSM_ENC_PROTOCOL_KERBEROS, &m, &pl);
    ok(p && pl == big && !memcmp(p, data, big), "5 MB round trip");
    free(p);
    PARSE_FAIL(ct, body, len, WSM_ENC_PROTOCOL_KERBEROS, &m, big - 1, ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED,
               "more than the maximum of 5242879 bytes");
    p = parse(ct, body, len, NULL, &m, big, WSM_S_OK, NULL, &pl, __LINE__);
    ok(p && pl == big, "max_plain equal to the size is fine");
    free(p);
    free(body);
    free(ct);
    free(data);
}

/* The ciphertext (key 0: ciphertext = plaintext) holds boundary markers. The data of a part ends at the
 * marker at data + Length= when that marker is followed by a valid continuation, else at the first marker
 * followed by one (end of body, or a complete next metadata + octet-stream header). */
static void test_markers_in_ciphertext(void)
{
#define S(x)                                                                                                 \
    {                                                                                                        \
        x, sizeof(x) - 1                                                                                     \
    }
    static const struct {
        const char *s;
        size_t n;
    } nasty[] = {
        S("\r\n--Encrypted Boundary\r\n"),
        S("abc--Encrypted Boundary--\r\n"),
        S("--Encrypted Boundary--"),
        S("x\r\n-- Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n\x04\0\0\0"),
        /* a complete fake group: only Length= tells it apart */
        S("--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n"
          "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=3\r\n--Encrypted Boundary\r\n"
          "\tContent-Type: application/octet-stream\r\n\x10\0\0\0MOCK\x03\0\0\0........abc"),
        S("--Encrypted Boundary\r\n--Encrypted Boundary--\r\n--Encrypted Boundary"),
    };
#undef S
    for (size_t i = 0; i < sizeof(nasty) / sizeof(nasty[0]); i++) {
        struct mock m = {.mode = MOCK_XOR, .key = 0};
        size_t n = nasty[i].n, len, pl;
        char plain[1024];
        memcpy(plain, "<s:Envelope>", 12);
        memcpy(plain + 12, nasty[i].s, n);
        memcpy(plain + 12 + n, nasty[i].s, n); /* twice, and at the very end too */
        n = 12 + 2 * n;
        char *ct;
        char *body = build(WSM_ENC_PROTOCOL_SPNEGO, 0, plain, n, &m, &len, &ct);
        ok(memmem(body + 200, len - 200, nasty[i].s, 10) != NULL, "case %zu: the marker is in the ciphertext",
           i);
        char *p = PARSE_OK(ct, body, len, WSM_ENC_PROTOCOL_SPNEGO, &m, &pl);
        ok(p && pl == n && !memcmp(p, plain, n), "case %zu: plaintext with markers in it", i);
        free(p);
        free(body);
        free(ct);

        /* data longer than Length= (like CredSSP records): the first marker with a valid continuation */
        if (i == 4)
            continue; /* a complete fake group inside such data is indistinguishable by design */
        struct mock rec = {.mode = MOCK_XOR, .key = 0, .extra = 5};
        body = build(WSM_ENC_PROTOCOL_CREDSSP, 0, plain, n, &rec, &len, &ct);
        p = PARSE_OK(ct, body, len, WSM_ENC_PROTOCOL_CREDSSP, &rec, &pl);
        ok(p && pl == n && !memcmp(p, plain, n), "case %zu: data longer than Length=", i);
        free(p);
        free(body);
        free(ct);
    }
}

static void test_lenient(void)
{
    struct mock m = {.mode = MOCK_B64};
    char body[4096];
    size_t n, pl;
    char *p;
    const char *meta = "\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n"
                       "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=5\r\n";
    const char *octet = "\tContent-Type: application/octet-stream\r\n";

    /* no tabs, bare boundary parameter, lower-case length=, no CR LF at the end */
    n = b64_group(body, "--Encrypted Boundary",
                  "Content-Type: application/HTTP-SPNEGO-session-encrypted\r\n"
                  "OriginalContent: type=application/soap+xml;charset=UTF-8;length=5\r\n",
                  "Content-Type: application/octet-stream\r\n", "hello");
    n += (size_t)sprintf(body + n, "--Encrypted Boundary--");
    p = PARSE_OK(
        "multipart/encrypted;protocol=application/HTTP-SPNEGO-session-encrypted;boundary=Encrypted Boundary",
        body, n, WSM_ENC_PROTOCOL_SPNEGO, &m, &pl);
    ok(p && pl == 5 && !strcmp(p, "hello"), "no tabs, bare parameters");
    free(p);

    /* Exchange's "-- Encrypted Boundary", upper case everything, spaces, extra trailing CR LF, quoted charset
     */
    n = b64_group(body, "-- Encrypted Boundary",
                  "\tCONTENT-TYPE:APPLICATION/HTTP-SPNEGO-SESSION-ENCRYPTED\r\n"
                  "\toriginalcontent: TYPE=application/soap+xml; CHARSET=\"utf-16\" ; LENGTH = 5\r\n",
                  "\tcontent-type:  Application/Octet-Stream  \r\n", "HELLO");
    n += (size_t)sprintf(body + n, "-- Encrypted Boundary--\r\n\r\n\r\n");
    p = PARSE_OK("MULTIPART/ENCRYPTED; PROTOCOL=\"application/http-spnego-session-encrypted\"; BOUNDARY = "
                 "\"Encrypted Boundary\"",
                 body, n, WSM_ENC_PROTOCOL_SPNEGO, &m, &pl);
    ok(p && pl == 5 && !strcmp(p, "HELLO"), "upper case, spaces, -- boundary");
    ok_str("utf-16", p ? charset_of(p, pl) : NULL);
    free(p);

    /* another boundary, LF line ends, no charset (UTF-8 assumed), no protocol in the Content-Type */
    n = b64_group(body, "--xyz",
                  "Content-Type: application/HTTP-Kerberos-session-encrypted\n"
                  "OriginalContent: type=application/soap+xml;Length=3\n",
                  "Content-Type: application/octet-stream\n", "abc");
    n += (size_t)sprintf(body + n, "--xyz--\n");
    p = PARSE_OK("multipart/encrypted;boundary=xyz", body, n, WSM_ENC_PROTOCOL_KERBEROS, &m, &pl);
    ok(p && pl == 3 && !strcmp(p, "abc"), "other boundary, LF");
    ok_str("UTF-8", p ? charset_of(p, pl) : NULL);
    free(p);
    /* ... and without a boundary parameter "Encrypted Boundary" is assumed, so "--xyz" is not found */
    PARSE_FAIL("multipart/encrypted", body, n, NULL, &m, 0, WSM_SEC_E_INCOMPLETE_MESSAGE,
               "does not start with the boundary \"--Encrypted Boundary\"");

    /* x-multi-encrypted with 3 CredSSP-style groups (16384/16384/8192 in real life) */
    static const char *const chunks[] = {"first chunk ", "second chunk ", "third"};
    n = 0;
    size_t group[3];
    for (int i = 0; i < 3; i++) {
        group[i] = n;
        char meta3[200];
        sprintf(meta3,
                "\tContent-Type: application/HTTP-CredSSP-session-encrypted\r\n"
                "\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=%zu\r\n",
                strlen(chunks[i]));
        n += b64_group(body + n, "--Encrypted Boundary", meta3, octet, chunks[i]);
    }
    n += (size_t)sprintf(body + n, "--Encrypted Boundary--\r\n");
    m.unwraps = 0;
    p = PARSE_OK("multipart/x-multi-encrypted;protocol=\"application/HTTP-CredSSP-session-encrypted\";"
                 "boundary=\"Encrypted Boundary\"",
                 body, n, WSM_ENC_PROTOCOL_CREDSSP, &m, &pl);
    ok(p && pl == 30 && !strcmp(p, "first chunk second chunk third"), "3 parts concatenated");
    ok(m.unwraps == 3, "3 unwraps, got %d", m.unwraps);
    free(p);
    /* the cap applies to the total */
    m.unwraps = 0;
    PARSE_FAIL("multipart/x-multi-encrypted;boundary=\"Encrypted Boundary\"", body, n, NULL, &m, 29,
               ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED, "announces 30 bytes of plaintext in parts 1 to 3");
    ok(m.unwraps == 2, "the cap is checked before unwrapping part 3 (%d unwraps)", m.unwraps);
    /* truncated at every offset: never a crash or leak. Besides the whole body (with or without its final
     * CR LF), a cut just after the "--Encrypted Boundary\r\n" opening group 2 or 3 looks exactly like
     * pywinrm's closing boundary without "--" (vector 030) and yields the whole groups before it. */
    int bad = 0;
    for (size_t cut = 0; cut <= n; cut++) {
        char *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any read past the end */
        memcpy(copy, body, cut);
        char *pt = NULL, *cs = NULL, *detail = NULL;
        int32_t hr = wsm_encframe_parse("multipart/x-multi-encrypted;boundary=\"Encrypted Boundary\"", copy,
                                        cut, NULL, mock_unwrap, &m, 0, &pt, &pl, &cs, &detail);
        size_t want = cut == group[1] + 22 ? 12 : cut == group[2] + 22 ? 25 : cut + 2 >= n ? 30 : SIZE_MAX;
        if (want == SIZE_MAX
                ? hr != WSM_SEC_E_INCOMPLETE_MESSAGE || pt || cs || !detail
                : hr != WSM_S_OK || pl != want || memcmp(pt, "first chunk second chunk third", pl))
            bad++;
        free(pt);
        free(cs);
        free(detail);
        free(copy);
    }
    ok(bad == 0, "multi-part truncation: %d bad outcomes", bad);
    size_t cut2 =
        (size_t)((char *)memmem(body + group[1] + 22, n, "--Encrypted Boundary\r\n", 22) - body) + 22;
    PARSE_FAIL("multipart/x-multi-encrypted;boundary=\"Encrypted Boundary\"", body, cut2, NULL, &m, 0,
               WSM_SEC_E_INCOMPLETE_MESSAGE,
               "ends inside the header of part 2 (after the boundary at byte 237)");
    PARSE_FAIL("multipart/x-multi-encrypted;boundary=\"Encrypted Boundary\"", body, cut2 + 10, NULL, &m, 0,
               WSM_SEC_E_INCOMPLETE_MESSAGE, "ends inside the header of part 2");

    /* leading white space before the first boundary */
    n = (size_t)sprintf(body, "\r\n");
    n += b64_group(body + n, "--Encrypted Boundary", meta, octet, "hello");
    n += (size_t)sprintf(body + n, "--Encrypted Boundary--\r\n");
    p = PARSE_OK(CT_SPNEGO, body, n, NULL, &m, &pl);
    ok(p && !strcmp(p, "hello"), "leading CR LF");
    free(p);
}

static void test_truncation(void)
{
    struct mock m = {.mode = MOCK_XOR, .key = 0x2D}; /* '-' : XOR turns '\0' into '-' */
    char plain[64];
    memset(plain, 0, sizeof(plain));
    memcpy(plain, "\x0f\x5f", 2);
    size_t len, pl;
    char *ct;
    char *body = build(WSM_ENC_PROTOCOL_SPNEGO, 0, plain, sizeof(plain), &m, &len, &ct);
    int failures = 0, bad = 0;
    for (size_t cut = 0; cut <= len; cut++) {
        char *copy = malloc(cut ? cut : 1); /* exact size: ASan sees any read past the end */
        memcpy(copy, body, cut);
        char *p = NULL, *cs = NULL, *detail = NULL;
        int32_t hr = wsm_encframe_parse(ct, copy, cut, WSM_ENC_PROTOCOL_SPNEGO, mock_unwrap, &m, 0, &p, &pl,
                                        &cs, &detail);
        /* accepted: the whole body, and without its final CR LF or LF */
        int may_pass = cut == len || cut == len - 1 || cut == len - 2;
        if (hr == WSM_S_OK) {
            if (!may_pass || pl != sizeof(plain) || memcmp(p, plain, pl))
                bad++;
        } else {
            failures++;
            if (may_pass || hr != WSM_SEC_E_INCOMPLETE_MESSAGE || p || cs || !detail)
                bad++;
        }
        free(p);
        free(cs);
        free(detail);
        free(copy);
    }
    ok(bad == 0 && failures == (int)len - 2, "truncation: %d bad outcomes, %d failures of %zu", bad, failures,
       len);

    /* specific sentences */
    size_t at = (size_t)((char *)memmem(body, len, "octet-stream\r\n", 14) - body) + 14;
    PARSE_FAIL(ct, body, at + 2, NULL, &m, 0, WSM_SEC_E_INCOMPLETE_MESSAGE,
               "ends inside part 1: 2 of the 4 bytes of the header length present");
    PARSE_FAIL(
        ct, body, at + 4 + 10, NULL, &m, 0, WSM_SEC_E_INCOMPLETE_MESSAGE,
        "ends inside part 1: 16 bytes of encryption header announced by the header length, 10 present");
    PARSE_FAIL(ct, body, at + 4 + 16 + 30, NULL, &m, 0, WSM_SEC_E_INCOMPLETE_MESSAGE,
               "ends inside part 1: no boundary \"--Encrypted Boundary\" closes its data (30 bytes");
    PARSE_FAIL(ct, body, 60, NULL, &m, 0, WSM_SEC_E_INCOMPLETE_MESSAGE, "ends inside the metadata of part 1");
    PARSE_FAIL(ct, body, 0, NULL, &m, 0, WSM_SEC_E_INCOMPLETE_MESSAGE, "the encrypted reply is empty");
    PARSE_FAIL(ct, body, 22, NULL, &m, 0, WSM_SEC_E_INCOMPLETE_MESSAGE, "holds no encrypted part");
    PARSE_FAIL(ct, body, 20, NULL, &m, 0, WSM_SEC_E_INCOMPLETE_MESSAGE,
               "no line end after the boundary at byte 20 (before part 1)");

    /* header length beyond the data, in a complete body */
    char *copy = malloc(len);
    memcpy(copy, body, len);
    copy[at] = (char)0xFF;
    copy[at + 1] = (char)0xFF;
    copy[at + 3] = (char)0x7F;
    PARSE_FAIL(ct, copy, len, NULL, &m, 0, WSM_SEC_E_INCOMPLETE_MESSAGE,
               "2130771967 bytes of encryption header announced by the header length");
    /* a header length that eats the closing marker */
    memcpy(copy, body, len);
    copy[at] = 16 + 64 + 3;
    PARSE_FAIL(ct, copy, len, NULL, &m, 0, WSM_SEC_E_INCOMPLETE_MESSAGE, "no boundary");
    free(copy);
    free(body);
    free(ct);
}

static void test_errors(void)
{
    struct mock m = {.mode = MOCK_XOR, .key = 0x11};
    static const char secret[] = "<Password>hunter2-secret</Password>";
    size_t len;
    char *ct;
    char *body = build(WSM_ENC_PROTOCOL_SPNEGO, 0, secret, sizeof(secret) - 1, &m, &len, &ct);
    char *copy = malloc(len);

    /* Length= mismatch */
    memcpy(copy, body, len);
    char *l = memmem(copy, len, "Length=35", 9);
    ok(l != NULL, "Length=35 present");
    l[8] = '4';
    PARSE_FAIL(ct, copy, len, NULL, &m, 0, WSM_SEC_E_MESSAGE_ALTERED, "decrypts to 35 bytes");
    /* no Length= */
    memcpy(copy, body, len);
    l = memmem(copy, len, "Length=35", 9);
    memcpy(l, "Lenxth", 6);
    PARSE_FAIL(ct, copy, len, NULL, &m, 0, WSM_SEC_E_INCOMPLETE_MESSAGE, "has no Length=");
    l[3] = 'g';
    l[7] = 'x';
    PARSE_FAIL(ct, copy, len, NULL, &m, 0, WSM_SEC_E_INCOMPLETE_MESSAGE,
               "a Length= that is not a decimal number");
    /* a tampered ciphertext byte: the unwrap's code, its sentence behind the part number */
    memcpy(copy, body, len);
    copy[len - 30] ^= 1;
    char *p = NULL, *cs = NULL, *detail = NULL;
    size_t pl;
    ok_hr(WSM_SEC_E_MESSAGE_ALTERED,
          wsm_encframe_parse(ct, copy, len, NULL, mock_unwrap, &m, 0, &p, &pl, &cs, &detail));
    ok_str("encrypted part 1 of the reply cannot be decrypted: mock checksum mismatch", detail);
    ok(!p && !cs && !pl, "no output after an unwrap failure");
    free(detail);
    m.fail = WSM_SEC_E_OUT_OF_SEQUENCE;
    PARSE_FAIL(ct, body, len, NULL, &m, 0, WSM_SEC_E_OUT_OF_SEQUENCE,
               "cannot be decrypted: mock unwrap refused");
    ok_hr(WSM_SEC_E_OUT_OF_SEQUENCE,
          wsm_encframe_parse(ct, body, len, NULL, mock_unwrap, &m, 0, &p, &pl, &cs, NULL));
    m.fail = 0;

    /* wrong protocol: in the Content-Type, and in the metadata part */
    PARSE_FAIL(
        ct, body, len, WSM_ENC_PROTOCOL_KERBEROS, &m, 0, WSM_SEC_E_INVALID_TOKEN,
        "encrypted with protocol \"application/HTTP-SPNEGO-session-encrypted\" (Content-Type), but the "
        "request used \"application/HTTP-Kerberos-session-encrypted\"");
    PARSE_FAIL("multipart/encrypted;boundary=\"Encrypted Boundary\"", body, len, WSM_ENC_PROTOCOL_KERBEROS,
               &m, 0, WSM_SEC_E_INVALID_TOKEN,
               "part 1 of the reply uses protocol \"application/HTTP-SPNEGO-session-encrypted\"");
    /* the cap */
    PARSE_FAIL(ct, body, len, NULL, &m, 10, ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED, "maximum of 10 bytes");
    /* not encrypted at all */
    PARSE_FAIL("application/soap+xml;charset=UTF-8", body, len, NULL, &m, 0, WSM_SEC_E_INVALID_TOKEN,
               "not encrypted: its Content-Type is \"application/soap+xml;charset=UTF-8\"");
    /* the payload part has no octet-stream line */
    memcpy(copy, body, len);
    l = memmem(copy, len, "octet-stream", 12);
    l[0] = 'X';
    PARSE_FAIL(ct, copy, len, NULL, &m, 0, WSM_SEC_E_INCOMPLETE_MESSAGE,
               "does not start with a complete \"Content-Type: application/octet-stream\" line: "
               "\"\\x09Content-Type: application/Xctet-stream\\x0D\"");
    /* garbage after the closing boundary */
    char *longer = malloc(len + 3);
    memcpy(longer, body, len);
    memcpy(longer + len, "xyz", 3);
    PARSE_FAIL(ct, longer, len + 3, NULL, &m, 0, WSM_SEC_E_INCOMPLETE_MESSAGE, "no boundary");
    free(longer);
    /* NULL arguments */
    ok_hr(WSM_E_INVALIDARG,
          wsm_encframe_parse(NULL, body, len, NULL, mock_unwrap, &m, 0, &p, &pl, &cs, NULL));
    ok_hr(WSM_E_INVALIDARG, wsm_encframe_parse(ct, body, len, NULL, NULL, &m, 0, &p, &pl, &cs, NULL));
    ok_hr(WSM_E_INVALIDARG, wsm_encframe_parse(ct, NULL, 5, NULL, mock_unwrap, &m, 0, &p, &pl, &cs, NULL));

    /* no detail ever shows the plaintext: collect every sentence of the failures above once more */
    static const int cuts[] = {0, 30, 120, 200, 240, 260, 280};
    for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
        detail = NULL;
        if ((size_t)cuts[i] < len)
            wsm_encframe_parse(ct, body, (size_t)cuts[i], NULL, mock_unwrap, &m, 0, &p, &pl, &cs, &detail);
        ok(!has(detail, "hunter2"), "detail shows the plaintext: %s", detail);
        free(detail);
    }
    free(copy);
    free(body);
    free(ct);
}

int main(void)
{
    test_pywinrm();
    test_omi_framing();
    test_build_exact();
    test_build_sizes();
    test_build_errors();
    test_is_encrypted();
    test_round_trips();
    test_markers_in_ciphertext();
    test_lenient();
    test_truncation();
    test_errors();
    return test_summary("test_encframe");
}
