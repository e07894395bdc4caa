/*
 * libFuzzer target: WinRM message encryption framing (src/core/auth/encframe.h): the multipart/encrypted
 * and multipart/x-multi-encrypted bodies of MS-WSMV 2.2.9.1 (2.2.9.1.1 single part, 2.2.9.1.2 multiple
 * parts), the Content-Type's boundary and protocol parameters (RFC 2045 section 5.1, RFC 2046 section
 * 5.1.1, RFC 1847 section 2.2) and the part headers (Length=, OriginalContent=), with a fake mechanism in
 * place of GSSAPI: "unwrap" XORs the data with the first header byte, and refuses a header that starts with
 * '!' (as a failed integrity check would).
 *
 * Input: byte 0 picks the mode, the rest is the message.
 *   bits 0-1  the protocol the request used: any (NULL), SPNEGO, Kerberos, CredSSP
 *   bit 2     a 64-byte cap on the plaintext
 *   bit 3     round trip: the rest is plaintext, built with wsm_encframe_build (flags from bits 4-5) and
 *             parsed back, which must give it back unchanged
 *   otherwise the rest is "Content-Type\n" then the body (no '\n': the usual SPNEGO Content-Type)
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "encframe.h"

#include "fuzz_common.h"

/* SEC_E_MESSAGE_ALTERED, as src/core/auth/gssauth.h names it (that header needs GSSAPI's). */
#define FAKE_MESSAGE_ALTERED ((int32_t)0x8009030Fu)

#define DEFAULT_CT                                                                                           \
    "multipart/encrypted;protocol=\"" WSM_ENC_PROTOCOL_SPNEGO "\";boundary=\"" WSM_ENC_BOUNDARY "\""

static const char *const protocols[4] = {NULL, WSM_ENC_PROTOCOL_SPNEGO, WSM_ENC_PROTOCOL_KERBEROS,
                                         WSM_ENC_PROTOCOL_CREDSSP};

/* Same contract as wsm_gss_wrap: header ‖ data; the header is 4 bytes "K\0\0\0", data = plain XOR 'K'. */
static int32_t fake_wrap(void *ctx, const void *plain, size_t len, unsigned char **out, size_t *out_len,
                         size_t *hdr_len, size_t *orig_len, char **detail)
{
    const unsigned char *p = plain;
    unsigned char *o = malloc(4 + len + 1);

    (void)ctx;
    (void)detail;
    if (!o)
        return WSM_E_OUTOFMEMORY;
    memcpy(o, "K\0\0\0", 4);
    for (size_t i = 0; i < len; i++)
        o[4 + i] = p[i] ^ 'K';
    *out = o;
    *out_len = 4 + len;
    *hdr_len = 4;
    *orig_len = len;
    return WSM_S_OK;
}

/* Same contract as wsm_gss_unwrap: *plain malloc'd and NUL-terminated (not counted). */
static int32_t fake_unwrap(void *ctx, const void *hdr, size_t hdr_len, const void *data, size_t data_len,
                           unsigned char **plain, size_t *plain_len, char **detail)
{
    const unsigned char *h = hdr, *d = data;
    unsigned char key = hdr_len ? h[0] : 0, *p;

    (void)ctx;
    *plain = NULL;
    *plain_len = 0;
    if (hdr_len && h[0] == '!') {
        if (detail)
            *detail = strdup("fake unwrap: integrity check failed");
        return FAKE_MESSAGE_ALTERED;
    }
    if (!(p = malloc(data_len + 1)))
        return WSM_E_OUTOFMEMORY;
    for (size_t i = 0; i < data_len; i++)
        p[i] = d[i] ^ key;
    p[data_len] = '\0';
    *plain = p;
    *plain_len = data_len;
    return WSM_S_OK;
}

static void check_parse(int32_t hr, char *plain, size_t plain_len, char *charset, char *detail, size_t max)
{
    if (hr == WSM_S_OK) {
        FUZZ_REQUIRE(plain != NULL && plain[plain_len] == '\0', "parse: no NUL-terminated plaintext");
        FUZZ_REQUIRE(charset != NULL && *charset, "parse: success without a charset");
        FUZZ_REQUIRE(max == 0 || plain_len <= max, "parse: %zu plaintext bytes over the cap %zu", plain_len,
                     max);
    } else {
        FUZZ_REQUIRE(hr < 0, "parse: positive return");
        FUZZ_REQUIRE(plain == NULL && plain_len == 0 && charset == NULL, "parse: outputs left on failure");
        if (hr != WSM_E_OUTOFMEMORY)
            FUZZ_REQUIRE(detail != NULL && *detail, "parse: error 0x%08x without a detail", (unsigned)hr);
    }
}

static void round_trip(const char *protocol, unsigned flags, const uint8_t *data, size_t size)
{
    char *body = NULL, *ct = NULL, *detail = NULL, *plain = NULL, *charset = NULL;
    size_t body_len = 0, plain_len = 0;
    int32_t hr;

    if (!protocol)
        protocol = WSM_ENC_PROTOCOL_SPNEGO;
    hr = wsm_encframe_build(protocol, flags, data, size, fake_wrap, NULL, &body, &body_len, &ct, &detail);
    FUZZ_REQUIRE(hr == WSM_S_OK, "build failed: 0x%08x %s", (unsigned)hr, detail ? detail : "");
    FUZZ_REQUIRE(body && ct && wsm_encframe_is_encrypted(ct), "build: bad outputs");
    free(detail);
    detail = NULL;
    hr = wsm_encframe_parse(ct, body, body_len, protocol, fake_unwrap, NULL, 0, &plain, &plain_len, &charset,
                            &detail);
    FUZZ_REQUIRE(hr == WSM_S_OK, "round trip: parse failed: 0x%08x %s", (unsigned)hr, detail ? detail : "");
    check_parse(hr, plain, plain_len, charset, detail, 0);
    FUZZ_REQUIRE(plain_len == size && (!size || !memcmp(plain, data, size)),
                 "round trip changed the message");
    FUZZ_REQUIRE(!wsm_strcasecmp_ascii(charset, (flags & WSM_ENCFRAME_UTF16) ? "UTF-16" : "UTF-8"),
                 "round trip: charset %s", charset);
    free(body);
    free(ct);
    free(detail);
    free(plain);
    free(charset);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *protocol;
    const uint8_t *nl;
    char *ct, *plain = NULL, *charset = NULL, *detail = NULL;
    size_t plain_len = 0, max;
    unsigned mode;
    int32_t hr;

    if (size < 1)
        return 0;
    mode = data[0];
    data++;
    size--;
    protocol = protocols[mode & 3];
    max = (mode & 4) ? 64 : 0;
    if (mode & 8) {
        round_trip(protocol, (mode >> 4) & 3, data, size);
        return 0;
    }
    nl = memchr(data, '\n', size);
    if (nl) {
        ct = fuzz_strdup(data, (size_t)(nl - data));
        size -= (size_t)(nl - data) + 1;
        data = nl + 1;
    } else {
        ct = strdup(DEFAULT_CT);
    }
    (void)wsm_encframe_is_encrypted(ct);
    hr = wsm_encframe_parse(ct, data, size, protocol, fake_unwrap, NULL, max, &plain, &plain_len, &charset,
                            &detail);
    check_parse(hr, plain, plain_len, charset, detail, max);
    free(ct);
    free(plain);
    free(charset);
    free(detail);
    return 0;
}
