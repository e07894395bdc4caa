/*
 * CredSSP ([MS-CSSP]).
 *
 *   test_credssp unit   the DER of TSRequest/TSCredentials (hand-checked vectors, round trips, garbage), the
 *                       OpenSSL TLS client of tls.h against an in-process OpenSSL server over memory buffers
 *                       (TLS 1.2 and 1.3, trailer lengths, damaged records), and the 16 KiB chunking of
 *                       encframe.c; no network.
 *   test_credssp e2e [ntlm]
 *                       end to end through the public COM API against the bundled server's CredSSP acceptor
 *                       (tests/server/wsmserver/credssp.py) with Kerberos (or NTLM) inside, over the test
 * realm (ctest's kdc fixture): HTTP with encryption and HTTPS, big bodies both ways, every TSRequest version,
 * the delegation policy, and every bad-input switch of the server with its HRESULT and no credential
 * delegated.
 *
 * SPDX-License-Identifier: MIT
 */
#define COBJMACROS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <windows.h>
#include <objbase.h>
#include <oleauto.h>

#include "wsmandisp.h"
#include "wsmauto_trace.h"
#include "wsmerror.h"

#include "comutil.h"
#include "core.h"
#include "encframe.h"
#include "gssauth.h"
#include "serverctl.h"
#include "test.h"
#include "tls.h"
#include "tsrequest.h"

#define SEC_E_ILLEGAL_MESSAGE_ ((int32_t)0x80090326u)
#define SEC_E_ALGORITHM_MISMATCH_ ((int32_t)0x80090331u)

/* ======================================== unit: DER ======================================== */

static int bytes_eq(const unsigned char *a, size_t an, const unsigned char *b, size_t bn)
{
    return an == bn && !memcmp(a, b, an);
}

static void test_tsrequest_vectors(void)
{
    static const unsigned char tok[] = {1, 2, 3};
    /* hand-assembled from [MS-CSSP] 2.2.1: SEQUENCE { [0] INTEGER 6, [1] SEQUENCE { SEQUENCE { [0] OCTET
     * STRING 01 02 03 } } } */
    static const unsigned char v_nego[] = {0x30, 0x12, 0xA0, 0x03, 0x02, 0x01, 0x06, 0xA1, 0x0B, 0x30,
                                           0x09, 0x30, 0x07, 0xA0, 0x05, 0x04, 0x03, 0x01, 0x02, 0x03};
    /* { [0] 3, [4] INTEGER 0xC000006D (an NTSTATUS: negative, 4 bytes) } */
    static const unsigned char v_err[] = {0x30, 0x0D, 0xA0, 0x03, 0x02, 0x01, 0x03, 0xA4,
                                          0x06, 0x02, 0x04, 0xC0, 0x00, 0x00, 0x6D};
    /* the same errorCode as a positive 5-byte INTEGER (00 C0 00 00 6D) decodes alike */
    static const unsigned char v_err5[] = {0x30, 0x0E, 0xA0, 0x03, 0x02, 0x01, 0x03, 0xA4,
                                           0x07, 0x02, 0x05, 0x00, 0xC0, 0x00, 0x00, 0x6D};
    struct wsm_tsrequest r = {0}, d;
    unsigned char *out = NULL;
    size_t len = 0;
    char *detail = NULL;

    r.version = 6;
    r.nego_token = tok;
    r.nego_token_len = sizeof(tok);
    ok_hr(WSM_S_OK, wsm_tsrequest_encode(&r, &out, &len, NULL));
    ok(bytes_eq(out, len, v_nego, sizeof(v_nego)), "TSRequest{6, negoTokens} DER (%zu bytes)", len);
    ok_hr(WSM_S_OK, wsm_tsrequest_decode(v_nego, sizeof(v_nego), &d, NULL));
    ok(d.version == 6 && bytes_eq(d.nego_token, d.nego_token_len, tok, 3) && !d.auth_info &&
           !d.pub_key_auth && !d.has_error_code && !d.client_nonce,
       "decoded negoTokens");
    free(out);

    memset(&r, 0, sizeof(r));
    r.version = 3;
    r.has_error_code = 1;
    r.error_code = 0xC000006Du;
    ok_hr(WSM_S_OK, wsm_tsrequest_encode(&r, &out, &len, NULL));
    ok(bytes_eq(out, len, v_err, sizeof(v_err)), "TSRequest{3, errorCode 0xC000006D} DER");
    free(out);
    ok_hr(WSM_S_OK, wsm_tsrequest_decode(v_err, sizeof(v_err), &d, NULL));
    ok(d.version == 3 && d.has_error_code && d.error_code == 0xC000006Du, "errorCode decoded: 0x%08x",
       (unsigned)d.error_code);
    ok_hr(WSM_S_OK, wsm_tsrequest_decode(v_err5, sizeof(v_err5), &d, NULL));
    ok(d.has_error_code && d.error_code == 0xC000006Du, "5-byte errorCode decoded");

    /* every field, long-form lengths (a 300-byte token: 04 82 01 2C), round trip */
    unsigned char big[300], nonce[32], auth[5] = "abcde", pk[129];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (unsigned char)i;
    memset(nonce, 0x5A, sizeof(nonce));
    memset(pk, 0xEE, sizeof(pk));
    memset(&r, 0, sizeof(r));
    r.version = 6;
    r.nego_token = big;
    r.nego_token_len = sizeof(big);
    r.auth_info = auth;
    r.auth_info_len = sizeof(auth);
    r.pub_key_auth = pk;
    r.pub_key_auth_len = sizeof(pk);
    r.has_error_code = 1;
    r.error_code = 0x8009030Cu;
    r.client_nonce = nonce;
    r.client_nonce_len = sizeof(nonce);
    ok_hr(WSM_S_OK, wsm_tsrequest_encode(&r, &out, &len, NULL));
    ok(out && out[0] == 0x30 && out[1] == 0x82, "long outer length");
    ok(out && wsm_memmem(out, len, "\x04\x82\x01\x2C\x00\x01\x02", 7), "300-byte OCTET STRING in long form");
    ok(out && wsm_memmem(out, len, "\xA4\x06\x02\x04\x80\x09\x03\x0C", 8), "errorCode 0x8009030C");
    ok_hr(WSM_S_OK, wsm_tsrequest_decode(out, len, &d, NULL));
    ok(d.version == 6 && bytes_eq(d.nego_token, d.nego_token_len, big, sizeof(big)) &&
           bytes_eq(d.auth_info, d.auth_info_len, auth, 5) &&
           bytes_eq(d.pub_key_auth, d.pub_key_auth_len, pk, 129) && d.has_error_code &&
           d.error_code == 0x8009030Cu && bytes_eq(d.client_nonce, d.client_nonce_len, nonce, 32),
       "round trip of every field");

    /* each truncation of a valid message is refused, never read past */
    for (size_t cut = 0; out && cut < len; cut++) {
        unsigned char *copy = malloc(cut + 1);
        memcpy(copy, out, cut);
        int32_t hr = wsm_tsrequest_decode(copy, cut, &d, NULL);
        free(copy);
        if (hr != WSM_SEC_E_INVALID_TOKEN) {
            ok(0, "truncation at %zu: 0x%08x", cut, (unsigned)hr);
            break;
        }
    }
    ok(1, "truncations refused");
    free(out);

    /* garbage: each with SEC_E_INVALID_TOKEN and a sentence */
    static const struct {
        const char *what;
        unsigned char b[24];
        size_t n;
        const char *text;
    } bad[] = {
        {"empty", {0}, 0, "ends"},
        {"not a SEQUENCE", {0x31, 0x05, 0xA0, 0x03, 0x02, 0x01, 0x06}, 7, "tag 0x31"},
        {"indefinite length", {0x30, 0x80, 0xA0, 0x03, 0x02, 0x01, 0x06, 0, 0}, 9, "indefinite"},
        {"non-minimal length", {0x30, 0x81, 0x05, 0xA0, 0x03, 0x02, 0x01, 0x06}, 8, "long form"},
        {"length past the end", {0x30, 0x07, 0xA0, 0x03, 0x02, 0x01, 0x06}, 7, "runs past"},
        {"5-byte length", {0x30, 0x85, 0, 0, 0, 0, 5}, 7, "longer than 4"},
        {"trailing bytes", {0x30, 0x05, 0xA0, 0x03, 0x02, 0x01, 0x06, 0x00}, 8, "unexpected bytes"},
        {"no version", {0x30, 0x06, 0xA2, 0x04, 0x04, 0x02, 0x41, 0x42}, 8, "no version"},
        {"version 0", {0x30, 0x05, 0xA0, 0x03, 0x02, 0x01, 0x00}, 7, "version"},
        {"negative version", {0x30, 0x05, 0xA0, 0x03, 0x02, 0x01, 0xFF}, 7, "version"},
        {"non-minimal INTEGER", {0x30, 0x06, 0xA0, 0x04, 0x02, 0x02, 0x00, 0x06}, 8, "minimally"},
        {"6-byte INTEGER", {0x30, 0x0A, 0xA0, 0x08, 0x02, 0x06, 1, 0, 0, 0, 0, 0}, 12, "1 to 5"},
        {"unknown field [6]",
         {0x30, 0x0A, 0xA0, 0x03, 0x02, 0x01, 0x06, 0xA6, 0x03, 0x02, 0x01, 0x01},
         12,
         "tag 0xA6"},
        {"fields out of order",
         {0x30, 0x0B, 0xA2, 0x04, 0x04, 0x02, 0x41, 0x42, 0xA0, 0x03, 0x02, 0x01, 0x06},
         13,
         "misplaced"},
        {"15-byte clientNonce",
         {0x30, 0x16, 0xA0, 0x03, 0x02, 0x01, 0x06, 0xA5, 0x0F, 0x04, 0x0D},
         24,
         "clientNonce"},
        {"empty negoTokens", {0x30, 0x09, 0xA0, 0x03, 0x02, 0x01, 0x06, 0xA1, 0x02, 0x30, 0x00}, 11, "empty"},
        {"OCTET STRING with a trailing byte in its field",
         {0x30, 0x0C, 0xA0, 0x03, 0x02, 0x01, 0x06, 0xA2, 0x05, 0x04, 0x02, 0x41, 0x42, 0x00},
         14,
         "follow authInfo"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        detail = NULL;
        int32_t hr =
            wsm_tsrequest_decode(bad[i].n ? bad[i].b : (const unsigned char *)"", bad[i].n, &d, &detail);
        ok(hr == WSM_SEC_E_INVALID_TOKEN && detail && strstr(detail, bad[i].text),
           "%s: 0x%08x \"%s\" (expected \"%s\")", bad[i].what, (unsigned)hr, detail ? detail : "",
           bad[i].text);
        ok(d.version == 0 && !d.nego_token, "%s: nothing half-filled", bad[i].what);
        free(detail);
    }
}

static void test_tscredentials(void)
{
    /* TSCredentials{credType 1, TSPasswordCreds{"D", "u", "p"}} assembled by hand ([MS-CSSP] 2.2.1.2) */
    static const unsigned char v[] = {0x30, 0x1D, 0xA0, 0x03, 0x02, 0x01, 0x01, 0xA1, 0x16, 0x04, 0x14,
                                      0x30, 0x12, 0xA0, 0x04, 0x04, 0x02, 'D',  0x00, 0xA1, 0x04, 0x04,
                                      0x02, 'u',  0x00, 0xA2, 0x04, 0x04, 0x02, 'p',  0x00};
    unsigned char *out = NULL;
    size_t len = 0;
    char *d = NULL, *u = NULL, *p = NULL, *detail = NULL;

    ok_hr(WSM_S_OK, wsm_tscredentials_encode_password("D", "u", "p", &out, &len, NULL));
    ok(bytes_eq(out, len, v, sizeof(v)), "TSCredentials DER (%zu bytes)", len);
    free(out);
    ok_hr(WSM_S_OK, wsm_tscredentials_decode_password(v, sizeof(v), &d, &u, &p, NULL));
    ok_str("D", d);
    ok_str("u", u);
    ok_str("p", p);
    free(d);
    free(u);
    free(p);

    /* non-ASCII (UTF-16 surrogates), empty domain, round trip */
    const char *pw = "p\xC3\xA4ss \xF0\x9F\x94\x91 w\xC3\xB6rd";
    ok_hr(WSM_S_OK, wsm_tscredentials_encode_password("", "alice@WSMAUTO.TEST", pw, &out, &len, NULL));
    ok_hr(WSM_S_OK, wsm_tscredentials_decode_password(out, len, &d, &u, &p, NULL));
    ok_str("", d);
    ok_str("alice@WSMAUTO.TEST", u);
    ok_str(pw, p);
    free(d);
    free(u);
    free(p);
    /* the key emoji is a surrogate pair in UTF-16LE */
    ok(out && wsm_memmem(out, len, "\x3D\xD8\x11\xDD", 4), "surrogate pair");
    free(out);

    ok_hr(WSM_E_INVALIDARG, wsm_tscredentials_encode_password("", "u", "\xC3(", &out, &len, &detail));
    ok(detail && strstr(detail, "password") && !out, "invalid UTF-8 named: %s", detail ? detail : "");
    free(detail);
    detail = NULL;

    unsigned char bad[sizeof(v)];
    memcpy(bad, v, sizeof(v));
    bad[6] = 2; /* credType 2 (smart card) */
    ok_hr(WSM_SEC_E_INVALID_TOKEN, wsm_tscredentials_decode_password(bad, sizeof(bad), &d, &u, &p, &detail));
    ok(detail && strstr(detail, "credType 2") && !d && !u && !p, "credType 2 refused: %s",
       detail ? detail : "");
    free(detail);

    /* the user-name forms of MS-CSSP 2.2.1.2.1 */
    static const struct {
        const char *in, *domain, *user;
    } forms[] = {{"WSMAUTO\\alice", "WSMAUTO", "alice"},
                 {"alice@WSMAUTO.TEST", "", "alice@WSMAUTO.TEST"},
                 {"alice", "", "alice"}};
    for (size_t i = 0; i < 3; i++) {
        ok_hr(WSM_S_OK, wsm_tscredentials_split_user(forms[i].in, &d, &u, NULL));
        ok(d && u && !strcmp(d, forms[i].domain) && !strcmp(u, forms[i].user), "split \"%s\" → \"%s\" \"%s\"",
           forms[i].in, d ? d : "", u ? u : "");
        free(d);
        free(u);
    }
    static const char *const bad_names[] = {"", "\\alice", "DOMAIN\\", "A\\B\\c"};
    for (size_t i = 0; i < 4; i++)
        ok_hr(WSM_E_INVALIDARG, wsm_tscredentials_split_user(bad_names[i], &d, &u, NULL));
}

/* ======================================== unit: TLS ======================================== */

struct tls_server {
    SSL_CTX *ctx;
    SSL *ssl;
    BIO *in, *out;
    EVP_PKEY *key;
    X509 *cert;
};

static EVP_PKEY *server_key;
static X509 *server_cert;

static void make_server_identity(void)
{
    server_key = EVP_RSA_gen(2048);
    server_cert = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(server_cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(server_cert), 0);
    X509_gmtime_adj(X509_getm_notAfter(server_cert), 3600);
    X509_set_pubkey(server_cert, server_key);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(server_cert), "CN", MBSTRING_ASC,
                               (const unsigned char *)"wsmauto-test", -1, -1, 0);
    X509_set_issuer_name(server_cert, X509_get_subject_name(server_cert));
    X509_sign(server_cert, server_key, EVP_sha256());
}

static int server_new(struct tls_server *s, int max_version, int min_version, const char *ciphers)
{
    memset(s, 0, sizeof(*s));
    s->ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate(s->ctx, server_cert);
    SSL_CTX_use_PrivateKey(s->ctx, server_key);
    SSL_CTX_set_min_proto_version(s->ctx, min_version);
    SSL_CTX_set_max_proto_version(s->ctx, max_version);
    SSL_CTX_set_num_tickets(s->ctx, 2); /* TLS 1.3 session tickets arrive after the handshake */
    if (ciphers)
        SSL_CTX_set_cipher_list(s->ctx, ciphers);
    s->ssl = SSL_new(s->ctx);
    s->in = BIO_new(BIO_s_mem());
    s->out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(s->in, -1);
    SSL_set_bio(s->ssl, s->in, s->out);
    SSL_set_accept_state(s->ssl);
    return 0;
}

static void server_free(struct tls_server *s)
{
    SSL_free(s->ssl);
    SSL_CTX_free(s->ctx);
}

/* What the server sends (malloc'd). */
static unsigned char *server_drain(struct tls_server *s, size_t *n)
{
    *n = BIO_ctrl_pending(s->out);
    unsigned char *b = malloc(*n + 1);
    if (*n)
        BIO_read(s->out, b, (int)*n);
    return b;
}

static unsigned char *leftover;
static size_t leftover_len;

/* Runs the handshake between a wsm_tls client and s; returns the number of client legs, -1 on failure. */
static int run_handshake(struct wsm_tls *c, struct tls_server *s, int32_t *hr_out, char **detail)
{
    unsigned char *in = NULL, *out = NULL;
    size_t in_len = 0, out_len = 0;
    int done = 0, legs = 0;

    *hr_out = WSM_S_OK;
    while (!done && legs < 10) {
        int32_t hr = wsm_tls_handshake(c, in, in_len, &out, &out_len, &done, detail);
        free(in);
        in = NULL;
        legs++;
        if (hr) {
            *hr_out = hr;
            return -1;
        }
        if (out_len)
            BIO_write(s->in, out, (int)out_len);
        free(out);
        out = NULL;
        SSL_do_handshake(s->ssl);
        ERR_clear_error();
        in = server_drain(s, &in_len);
    }
    /* what the server sent after the handshake (TLS 1.3 tickets) is for the first decrypt */
    free(leftover);
    leftover = in;
    leftover_len = in_len;
    return done ? legs : -1;
}

static void check_tls(int max_version, const char *ciphers, const char *expect_version, size_t expect_trailer)
{
    struct tls_server s;
    struct wsm_tls *c = NULL;
    struct wsm_tls_config cfg = {"localhost", 0, 0};
    int32_t hr;
    char *detail = NULL;

    server_new(&s, max_version, TLS1_2_VERSION, ciphers);
    ok_hr(WSM_S_OK, wsm_tls_new(&cfg, &c, NULL));
    ok_str("", wsm_tls_version_name(c));
    int legs = run_handshake(c, &s, &hr, &detail);
    ok(legs > 0 && SSL_is_init_finished(s.ssl), "%s handshake: %d legs, 0x%08x %s", expect_version, legs,
       (unsigned)hr, detail ? detail : "");
    free(detail);
    ok_str(expect_version, wsm_tls_version_name(c));
    ok(*wsm_tls_cipher_name(c), "cipher %s", wsm_tls_cipher_name(c));

    /* the SubjectPublicKey: for RSA the PKCS#1 RSAPublicKey DER (RFC 3279 §2.3.1) */
    unsigned char *key = NULL, *want = NULL;
    size_t key_len = 0;
    int want_len = i2d_PublicKey(server_key, &want);
    ok_hr(WSM_S_OK, wsm_tls_peer_public_key(c, &key, &key_len, NULL));
    ok(want_len > 0 && bytes_eq(key, key_len, want, (size_t)want_len), "SubjectPublicKey (%zu bytes)",
       key_len);
    free(key);
    OPENSSL_free(want);

    /* post-handshake records alone (TLS 1.3's NewSessionTicket): no plaintext */
    if (leftover_len) {
        unsigned char *none = NULL;
        size_t none_len = 1;
        ok_hr(WSM_S_OK, wsm_tls_decrypt(c, leftover, leftover_len, &none, &none_len, NULL));
        ok(none_len == 0, "tickets give no plaintext");
        free(none);
    }
    ok(leftover_len == 0 || !strcmp(expect_version, "TLSv1.3"), "only TLS 1.3 sends after the handshake");

    /* client → server, with the record's trailer as Schannel counts it */
    static const size_t sizes[] = {1, 15, 16, 17, 100, 1000, 16384};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        size_t n = sizes[i], rec_len = 0, got = 0;
        unsigned char *plain = malloc(n), *rec = NULL, *back = malloc(n + 1);
        for (size_t k = 0; k < n; k++)
            plain[k] = (unsigned char)(k * 7);
        ok_hr(WSM_S_OK, wsm_tls_encrypt(c, plain, n, &rec, &rec_len, NULL));
        size_t explicit_iv = !strcmp(expect_version, "TLSv1.3")      ? 0
                             : strstr(wsm_tls_cipher_name(c), "GCM") ? 8
                                                                     : 16;
        size_t trailer = wsm_tls_trailer_length(c, n);
        ok(rec_len == 5 + explicit_iv + n + trailer,
           "%s %s, %zu bytes: record %zu = 5 + %zu + n + trailer %zu", expect_version, wsm_tls_cipher_name(c),
           n, rec_len, explicit_iv, trailer);
        if (expect_trailer)
            ok(trailer == expect_trailer, "trailer %zu, expected %zu", trailer, expect_trailer);
        BIO_write(s.in, rec, (int)rec_len);
        ok(SSL_read_ex(s.ssl, back, n + 1, &got) == 1 && got == n && !memcmp(back, plain, n),
           "the server reads %zu bytes", n);
        free(plain);
        free(rec);
        free(back);
    }

    /* server → client: several records (40000 bytes) in one call, and TLS 1.3 tickets before them */
    size_t big = 40000, wire_len = 0, plain_len = 0, w = 0;
    unsigned char *msg = malloc(big), *wire, *plain = NULL;
    for (size_t k = 0; k < big; k++)
        msg[k] = (unsigned char)('a' + k % 26);
    ok(SSL_write_ex(s.ssl, msg, big, &w) == 1 && w == big, "server writes");
    wire = server_drain(&s, &wire_len);
    detail = NULL;
    ok_hr(WSM_S_OK, wsm_tls_decrypt(c, wire, wire_len, &plain, &plain_len, &detail));
    if (detail)
        fprintf(stderr, "#   %s\n", detail);
    free(detail);
    detail = NULL;
    ok(plain && plain_len == big && !memcmp(plain, msg, big),
       "%s %s: 40000 bytes back in %zu bytes of records", expect_version, wsm_tls_cipher_name(c), wire_len);
    free(plain);
    plain = NULL;

    /* a record cut short: incomplete, nothing returned */
    SSL_write_ex(s.ssl, msg, 100, &w);
    free(wire);
    wire = server_drain(&s, &wire_len);
    detail = NULL;
    ok_hr(WSM_SEC_E_INCOMPLETE_MESSAGE, wsm_tls_decrypt(c, wire, wire_len - 3, &plain, &plain_len, &detail));
    ok(!plain && detail && strstr(detail, "ends inside a record"), "cut record: %s", detail ? detail : "");
    free(detail);

    /* a flipped bit: the record does not verify */
    SSL_write_ex(s.ssl, msg, 100, &w);
    free(wire);
    wire = server_drain(&s, &wire_len);
    wire[wire_len - 4] ^= 0x20;
    detail = NULL;
    ok_hr(WSM_SEC_E_MESSAGE_ALTERED, wsm_tls_decrypt(c, wire, wire_len, &plain, &plain_len, &detail));
    if (detail)
        fprintf(stderr, "#   %s\n", detail);
    ok(!plain && detail && strstr(detail, "decrypt"), "forged record: %s", detail ? detail : "");
    free(detail);
    free(wire);
    free(msg);
    wsm_tls_free(c);
    server_free(&s);
}

static void test_tls(void)
{
    struct tls_server s;
    struct wsm_tls *c = NULL;
    struct wsm_tls_config cfg = {"localhost", 0, 0};
    char *detail = NULL;
    int32_t hr;

    make_server_identity();
    check_tls(TLS1_3_VERSION, NULL, "TLSv1.3", 17);
    check_tls(TLS1_2_VERSION, "ECDHE-RSA-AES256-GCM-SHA384", "TLSv1.2", 16);
    check_tls(TLS1_2_VERSION, "ECDHE-RSA-AES128-SHA", "TLSv1.2", 0);    /* CBC, HMAC-SHA1: 20 + padding */
    check_tls(TLS1_2_VERSION, "ECDHE-RSA-AES256-SHA384", "TLSv1.2", 0); /* CBC, HMAC-SHA384 */

    /* bytes that are no TLS */
    unsigned char *out = NULL;
    size_t out_len = 0;
    int done = 0;
    ok_hr(WSM_S_OK, wsm_tls_new(&cfg, &c, NULL));
    ok_hr(WSM_S_OK, wsm_tls_handshake(c, NULL, 0, &out, &out_len, &done, NULL));
    ok(out_len > 5 && out[0] == 0x16 && !done, "ClientHello");
    free(out);
    hr = wsm_tls_handshake(c, "HTTP/1.1 200 OK\r\n\r\n", 19, &out, &out_len, &done, &detail);
    ok(hr == WSM_SEC_E_INVALID_TOKEN && detail && strstr(detail, "not valid TLS"), "garbage: 0x%08x %s",
       (unsigned)hr, detail ? detail : "");
    free(detail);
    detail = NULL;
    wsm_tls_free(c);

    /* a fatal handshake_failure alert (what the server's --credssp-tls-alert sends) */
    static const unsigned char alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    ok_hr(WSM_S_OK, wsm_tls_new(&cfg, &c, NULL));
    wsm_tls_handshake(c, NULL, 0, &out, &out_len, &done, NULL);
    free(out);
    hr = wsm_tls_handshake(c, alert, sizeof(alert), &out, &out_len, &done, &detail);
    ok(hr == SEC_E_ALGORITHM_MISMATCH_ && detail && strstr(detail, "handshake failure"), "alert: 0x%08x %s",
       (unsigned)hr, detail ? detail : "");
    free(detail);
    detail = NULL;
    wsm_tls_free(c);

    /* a server that wants TLS 1.3 only, a client capped at 1.2 */
    struct wsm_tls_config cfg12 = {"localhost", 0, TLS1_2_VERSION};
    server_new(&s, TLS1_3_VERSION, TLS1_3_VERSION, NULL);
    ok_hr(WSM_S_OK, wsm_tls_new(&cfg12, &c, NULL));
    ok(run_handshake(c, &s, &hr, &detail) < 0 && hr == SEC_E_ALGORITHM_MISMATCH_ && detail &&
           strstr(detail, "protocol version"),
       "no common version: 0x%08x %s", (unsigned)hr, detail ? detail : "");
    free(detail);
    detail = NULL;
    wsm_tls_free(c);
    server_free(&s);

    /* a flight cut short */
    server_new(&s, TLS1_3_VERSION, TLS1_2_VERSION, NULL);
    ok_hr(WSM_S_OK, wsm_tls_new(&cfg, &c, NULL));
    wsm_tls_handshake(c, NULL, 0, &out, &out_len, &done, NULL);
    BIO_write(s.in, out, (int)out_len);
    free(out);
    SSL_do_handshake(s.ssl);
    ERR_clear_error();
    size_t n;
    unsigned char *flight = server_drain(&s, &n);
    hr = wsm_tls_handshake(c, flight, n / 2, &out, &out_len, &done, &detail);
    ok(hr == WSM_SEC_E_INCOMPLETE_MESSAGE && !out, "cut flight: 0x%08x %s", (unsigned)hr,
       detail ? detail : "");
    free(detail);
    detail = NULL;
    free(flight);
    wsm_tls_free(c);
    server_free(&s);

    /* no encryption before the handshake; TLS 1.0/1.1 are not offered */
    ok_hr(WSM_S_OK, wsm_tls_new(&cfg, &c, NULL));
    ok_hr(WSM_SEC_E_INTERNAL_ERROR, wsm_tls_encrypt(c, "x", 1, &out, &out_len, NULL));
    wsm_tls_free(c);
    struct wsm_tls_config old = {"localhost", 0x0301, 0};
    ok_hr(WSM_E_INVALIDARG, wsm_tls_new(&old, &c, NULL));
    wsm_tls_free(NULL);

    X509_free(server_cert);
    EVP_PKEY_free(server_key);
    free(leftover);
    leftover = NULL;
}

/* ======================================== unit: chunking ======================================== */

static int32_t mock_wrap(void *ctx, const void *plain, size_t len, unsigned char **out, size_t *out_len,
                         size_t *hdr_len, size_t *orig_len, char **detail)
{
    (void)detail;
    ++*(int *)ctx;
    *out = malloc(len + 6);
    memcpy(*out, "TRAIL!", 6); /* a 6-byte "trailer", then the data plus 0 bytes: Length= n */
    memcpy(*out + 6, plain, len);
    *out_len = len + 6;
    *hdr_len = 6;
    *orig_len = len;
    return 0;
}

static int32_t mock_unwrap(void *ctx, const void *hdr, size_t hdr_len, const void *data, size_t data_len,
                           unsigned char **plain, size_t *plain_len, char **detail)
{
    (void)ctx;
    (void)detail;
    if (hdr_len != 6 || memcmp(hdr, "TRAIL!", 6))
        return WSM_SEC_E_MESSAGE_ALTERED;
    *plain = malloc(data_len + 1);
    memcpy(*plain, data, data_len);
    *plain_len = data_len;
    return 0;
}

static void test_chunking(void)
{
    static const size_t sizes[] = {16384, 16385, 40960, 3 * 16384};
    static const int parts[] = {1, 2, 3, 3};
    for (size_t i = 0; i < 4; i++) {
        size_t n = sizes[i], body_len = 0, plain_len = 0;
        char *msg = malloc(n), *body = NULL, *ct = NULL, *plain = NULL, *cs = NULL;
        int wraps = 0;
        for (size_t k = 0; k < n; k++)
            msg[k] = (char)('A' + k % 23);
        ok_hr(WSM_S_OK, wsm_encframe_build(WSM_ENC_PROTOCOL_CREDSSP, 0, msg, n, mock_wrap, &wraps, &body,
                                           &body_len, &ct, NULL));
        ok(wraps == parts[i], "%zu bytes: %d chunks, expected %d", n, wraps, parts[i]);
        ok(ct && !strncmp(ct, parts[i] > 1 ? "multipart/x-multi-encrypted;" : "multipart/encrypted;",
                          parts[i] > 1 ? 28 : 20),
           "Content-Type %s", ct ? ct : "");
        ok(body && wsm_memmem(body, body_len, "Length=16384\r\n", 14), "chunk Length=16384");
        ok(body && body_len > 24 && !memcmp(body + body_len - 24, "--Encrypted Boundary--\r\n", 24),
           "one closing boundary");
        ok_hr(WSM_S_OK, wsm_encframe_parse(ct, body, body_len, WSM_ENC_PROTOCOL_CREDSSP, mock_unwrap, NULL, 0,
                                           &plain, &plain_len, &cs, NULL));
        ok(plain && plain_len == n && !memcmp(plain, msg, n), "%zu bytes round trip", n);
        free(msg);
        free(body);
        free(ct);
        free(plain);
        free(cs);
    }
    /* pywinrm's arithmetic ([MS-WSMV] 2.2.9.1.3): 40960 bytes with its 4-byte mock header ... here our 6-byte
     * one; SPNEGO never chunks */
    char *msg = calloc(1, 40960), *body = NULL, *ct = NULL;
    size_t body_len = 0;
    int wraps = 0;
    ok_hr(WSM_S_OK, wsm_encframe_build(WSM_ENC_PROTOCOL_SPNEGO, 0, msg, 40960, mock_wrap, &wraps, &body,
                                       &body_len, &ct, NULL));
    ok(wraps == 1 && ct && !strncmp(ct, "multipart/encrypted;", 20), "SPNEGO: one part");
    free(msg);
    free(body);
    free(ct);
}

/* ======================================== end to end ======================================== */

#define LAST_URI "http://wsmauto.test/credssp/last"
#define SPOOLER "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service?Name=Spooler"
#define ECHO_URI "http://wsmauto.test/echo"
#define PASSWORD "alice-pw-1"
#define CREDSSP (WSManFlagUseCredSsp | WSManFlagCredUsernamePassword)
#define SEC_E_MUTUAL_AUTH_FAILED_ ((HRESULT)0x80090363u)
#define SEC_E_INVALID_TOKEN_ ((HRESULT)0x80090308u)
#define SEC_E_MESSAGE_ALTERED_ ((HRESULT)0x8009030Fu)
#define SEC_E_LOGON_DENIED_ ((HRESULT)0x8009030Cu)
#define TIMEOUT_HR ((HRESULT)0x800705B4u) /* ERROR_TIMEOUT, as for every request that times out */

static IWSManEx3 *wsman;
static int ntlm;         /* NTLM inside (the user as DOMAIN\user, the host an IP address) */
static const char *user; /* alice@WSMAUTO.TEST or WSMAUTO\alice */
static char tmpdir[256], certs[300];

static void use_config(const char *text)
{
    char path[300];
    static int n;
    snprintf(path, sizeof(path), "%s/client%d.conf", tmpdir, n++);
    write_file(path, text);
    setenv("WSMAUTO_CLIENT_CONFIG", path, 1);
}

#define ALLOWED_CONFIG                                                                                       \
    "[Client]\nMaxEnvelopeSizekb = 8192\n[Client/Auth]\nCredSSP = true\n"                                    \
    "AllowFreshCredentials = WSMAN/server1, WSMAN/localhost, WSMAN/127.0.0.1\n"

static void allow_credssp(void)
{
    char cfg[1024];
    snprintf(cfg, sizeof(cfg), ALLOWED_CONFIG "[Client]\nCAFile = %s/ca.pem\n", certs);
    use_config(cfg);
}

/* The host of this run: Kerberos needs the name the keytab has (HTTP/localhost); NTLM runs over the IP
 * literal, where Negotiate never offers Kerberos. */
static void url_for(char *buf, size_t size, const struct test_server *srv, const char *scheme)
{
    snprintf(buf, size, "%s://%s:%u/wsman", scheme,
             ntlm && !strcmp(scheme, "http") ? "127.0.0.1" : "localhost", srv->port);
}

static int start(struct test_server *srv, const char *const *extra, int https)
{
    const char *all[40];
    char cert[320], key[320];
    size_t n = 0;

    all[n++] = "--auth";
    all[n++] = "credssp,basic";
    all[n++] = "--max-envelope-kb";
    all[n++] = "8192";
    if (https) {
        snprintf(cert, sizeof(cert), "%s/server.pem", certs);
        snprintf(key, sizeof(key), "%s/server.key", certs);
        all[n++] = "--tls-cert";
        all[n++] = cert;
        all[n++] = "--tls-key";
        all[n++] = key;
    }
    for (size_t i = 0; extra && extra[i] && n < 38; i++)
        all[n++] = extra[i];
    all[n] = NULL;
    int rc = test_server_start(srv, all);
    ok(rc == 0, "server started");
    return rc;
}

static IWSManSession *open_session(const char *url, LONG flags, const char *u, const char *p)
{
    IWSManSession *session = NULL;
    HRESULT hr = create_session(wsman, url, flags, u, p, NULL, &session);
    ok(hr == S_OK, "CreateSession(%s, 0x%x): 0x%08x", url, (unsigned)flags, (unsigned)hr);
    return session;
}

static void release(IWSManSession *s)
{
    if (s)
        IWSManSession_Release(s);
}

/* How many delegations the server recorded: the handshake legs that delegated (later requests on the
 * connection carry delegated=yes too, with leg=-). */
static int delegations(const struct test_server *srv)
{
    FILE *log = fopen(srv->log_path, "r");
    char line[2048];
    int n = 0;
    while (log && fgets(line, sizeof(line), log))
        n += contains(line, "delegated=yes") && !contains(line, "leg=-");
    if (log)
        fclose(log);
    return n;
}

#define ok_get(s, uri, needle) check_get(__LINE__, s, uri, needle)
static void check_get(int line, IWSManSession *s, const char *uri, const char *needle)
{
    HRESULT hr = E_POINTER;
    char *r = s ? session_get(s, uri, &hr) : NULL;
    test_check(hr == S_OK && contains(r, needle), __FILE__, line, "Get(%s): hr 0x%08x, result %.300s", uri,
               (unsigned)hr, r ? r : "(none)");
    if (hr != S_OK && s) {
        char *desc = error_description();
        fprintf(stderr, "#   error: %s\n", desc);
        free(desc);
    }
    free(r);
}

#define ok_get_fails(s, uri, expected, text) check_get_fails(__LINE__, s, uri, expected, text)
static void check_get_fails(int line, IWSManSession *s, const char *uri, HRESULT expected, const char *text)
{
    HRESULT hr = E_POINTER;
    char *r = s ? session_get(s, uri, &hr) : NULL, *err = s ? session_error(s) : NULL,
         *desc = error_description();
    test_check(hr == expected, __FILE__, line, "Get(%s): expected 0x%08x, got 0x%08x (%s)", uri,
               (unsigned)expected, (unsigned)hr, desc ? desc : "");
    test_check(!text || contains(desc, text), __FILE__, line, "error text lacks \"%s\": %s", text ? text : "",
               desc ? desc : "(null)");
    test_check(!contains(err, "-pw-") && !contains(desc, "-pw-") && !contains(desc, "Authorization") &&
                   !contains(desc, "YII") && !contains(desc, "TlRMTVNT"),
               __FILE__, line, "a secret leaked into the error: %s / %s", desc ? desc : "", err ? err : "");
    free(r);
    free(err);
    free(desc);
}

/* The server's record of the last delegation, read over Basic (the bundled server's wsmuser). */
static char *last_delegation(const struct test_server *srv)
{
    char url[300];
    IWSManSession *s;
    char *r;
    snprintf(url, sizeof(url), "https://localhost:%u/wsman", srv->port);
    if (strncmp(srv->url, "https", 5))
        snprintf(url, sizeof(url), "http://localhost:%u/wsman", srv->port);
    use_config(ALLOWED_CONFIG "[Client]\nAllowUnencrypted = true\n");
    s = open_session(url,
                     WSManFlagUseBasic | WSManFlagCredUsernamePassword | WSManFlagNoEncryption |
                         WSManFlagSkipCACheck | WSManFlagSkipCNCheck,
                     "wsmuser", "wsmpass");
    r = s ? session_get(s, LAST_URI, NULL) : NULL;
    release(s);
    allow_credssp();
    return r;
}

/* An echo of `size` bytes both ways through Invoke. */
static void check_large_echo(IWSManSession *s, size_t size)
{
    char *xml = malloc(size + 200), *r;
    BSTR action = bstr("Echo"), in, out = NULL;
    VARIANT v = vstr(ECHO_URI);
    HRESULT hr;
    strcpy(xml, "<e:Echo xmlns:e=\"http://wsmauto.test/echo\"><e:Data>");
    size_t at = strlen(xml);
    for (size_t i = 0; i < size; i++)
        xml[at + i] = (char)('a' + i % 26);
    strcpy(xml + at + size, "</e:Data></e:Echo>");
    in = bstr(xml);
    hr = IWSManSession_Invoke(s, action, v, in, 0, &out);
    r = utf8(out);
    ok(hr == S_OK && r && strlen(r) > size && strstr(r, "zabcdefghij"), "encrypted %zu-byte echo: 0x%08x",
       size, (unsigned)hr);
    free(r);
    free(xml);
    SysFreeString(in);
    SysFreeString(out);
    SysFreeString(action);
    VariantClear(&v);
}

static void test_http(void)
{
    struct test_server srv;
    char url[300];
    if (start(&srv, NULL, 0))
        return;
    url_for(url, sizeof(url), &srv, "http");
    allow_credssp();
    IWSManSession *s = open_session(url, CREDSSP, user, PASSWORD);
    ok_get(s, SPOOLER, "Spooler");
    ok_get(s, SPOOLER, "Spooler"); /* the same context */
    ok(delegations(&srv) == 1, "one delegation: %d", delegations(&srv));
    ok(log_lines(&srv, "enc=yes") >= 2, "encrypted requests");
    ok(log_lines(&srv, ntlm ? "credssp/ntlm" : "credssp/krb5") >= 1, "inner mechanism %s",
       ntlm ? "NTLM" : "Kerberos");
    ok(log_lines(&srv, "credssp=v6") >= 1, "TSRequest version 6");
    /* multi-MB bodies both ways: chunked x-multi-encrypted */
    check_large_echo(s, 3 * 1024 * 1024);
    ok(log_lines(&srv, "enc=yes") >= 3, "big encrypted request");
    release(s);
    char *last = last_delegation(&srv);
    ok(contains(last, ntlm ? "<c:Domain>WSMAUTO</c:Domain><c:User>alice</c:User>"
                           : "<c:Domain/><c:User>alice@WSMAUTO.TEST</c:User>"),
       "delegated user: %.400s", last ? last : "");
    /* the SHA-256 of alice-pw-1 */
    ok(contains(last, "<c:PasswordSHA256>"), "password recorded");
    free(last);
    test_server_stop(&srv);
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *b = NULL;
    long n;
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n >= 0 && (b = calloc(1, (size_t)n + 1)) && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    return b;
}

/* The HTTP trace of a CredSSP session (as test_trace.c checks the other schemes): every leg and message is
 * there, but not the tokens (TLS records "FgMD"/"FwMD" in base64, TSRequests inside them), nor the password.
 */
static void test_trace(void)
{
    struct test_server srv;
    char url[300], path[300];
    if (start(&srv, NULL, 0))
        return;
    url_for(url, sizeof(url), &srv, "http");
    allow_credssp();
    snprintf(path, sizeof(path), "%s/credssp.trace", tmpdir);
    ok(WSManAutoSetTrace(path) == 0, "trace on");
    IWSManSession *s = open_session(url, CREDSSP, user, PASSWORD);
    ok_get(s, SPOOLER, "Spooler");
    release(s);
    WSManAutoSetTrace(NULL);
    char *t = read_all(path);
    ok(t && contains(t, "CredSSP handshake with") && contains(t, "Authorization: CredSSP [") &&
           contains(t, "WWW-Authenticate: CredSSP ["),
       "legs traced, tokens hidden");
    ok(t && contains(t, "plaintext of the encrypted request") && contains(t, "Spooler"), "messages traced");
    ok(t && !contains(t, PASSWORD) && !contains(t, "FgMD") && !contains(t, "FwMD") && !contains(t, "FgMB") &&
           !contains(t, "YII") && !contains(t, "TlRMTVNT"),
       "no token or password in the trace");
    free(t);
    test_server_stop(&srv);
}

static void test_https(void)
{
    struct test_server srv;
    char url[300];
    if (start(&srv, NULL, 1))
        return;
    url_for(url, sizeof(url), &srv, "https");
    allow_credssp();
    IWSManSession *s = open_session(url, CREDSSP, user, PASSWORD);
    ok_get(s, SPOOLER, "Spooler");
    check_large_echo(s, 1024 * 1024);
    ok(delegations(&srv) == 1, "one delegation over HTTPS");
    ok(log_lines(&srv, "enc=yes") == 0, "no message encryption over HTTPS");
    release(s);
    test_server_stop(&srv);
}

static void test_versions(void)
{
    for (int v = 2; v <= 6; v++) {
        for (int tls12 = 0; tls12 <= 1; tls12++) {
            struct test_server srv;
            char url[300], vs[8], want[32];
            snprintf(vs, sizeof(vs), "%d", v);
            const char *extra[] = {"--credssp-version", vs, "--credssp-tls-max", tls12 ? "1.2" : "1.3", NULL};
            if (start(&srv, extra, 0))
                return;
            url_for(url, sizeof(url), &srv, "http");
            allow_credssp();
            IWSManSession *s = open_session(url, CREDSSP, user, PASSWORD);
            ok_get(s, SPOOLER, "Spooler");
            check_large_echo(s, 40000);
            snprintf(want, sizeof(want), "credssp=v%d tls=%s", v, tls12 ? "1.2" : "1.3");
            ok(log_lines(&srv, want) >= 1 && delegations(&srv) == 1, "version %d over TLS %s", v,
               tls12 ? "1.2" : "1.3");
            release(s);
            test_server_stop(&srv);
        }
    }
}

static void test_policy(void)
{
    struct test_server srv;
    char url[300];
    IWSManSession *s;
    if (start(&srv, NULL, 0))
        return;
    url_for(url, sizeof(url), &srv, "http");

    /* CredSSP = false (the default) */
    use_config("[Client/Auth]\nAllowFreshCredentials = WSMAN/*\n");
    s = open_session(url, CREDSSP, user, PASSWORD);
    ok_get_fails(s, SPOOLER, ERROR_WSMAN_CLIENT_CREDSSP_AUTHENTICATION_DISABLED, "CredSSP = true");
    release(s);

    /* on, but the host is not in the delegation list */
    use_config("[Client/Auth]\nCredSSP = true\nAllowFreshCredentials = WSMAN/server1, WSMAN/*.example.com\n");
    s = open_session(url, CREDSSP, user, PASSWORD);
    ok_get_fails(s, SPOOLER, ERROR_WSMAN_CLIENT_ALLOWFRESHCREDENTIALS, "AllowFreshCredentials");
    release(s);
    use_config("[Client/Auth]\nCredSSP = true\n");
    s = open_session(url, CREDSSP, user, PASSWORD);
    ok_get_fails(s, SPOOLER, ERROR_WSMAN_CLIENT_ALLOWFRESHCREDENTIALS, "WSMAN/");
    release(s);
    ok(test_server_log_count(&srv) == 0, "nothing was sent to the server");

    /* a bad entry in the file */
    use_config("[Client/Auth]\nCredSSP = true\nAllowFreshCredentials = HTTP/server1\n");
    s = open_session(url, CREDSSP, user, PASSWORD);
    ok_get_fails(s, SPOOLER, ERROR_WSMAN_CONFIG_CORRUPTED, "WSMAN/host");
    release(s);

    /* wildcard */
    use_config("[Client]\nMaxEnvelopeSizekb = 8192\n[Client/Auth]\nCredSSP = true\nAllowFreshCredentials = "
               "WSMAN/*\n");
    s = open_session(url, CREDSSP, user, PASSWORD);
    ok_get(s, SPOOLER, "Spooler");
    release(s);

    /* no password: CreateSession refuses */
    allow_credssp();
    IWSManSession *none = NULL;
    HRESULT hr = create_session(wsman, url, CREDSSP, user, "", NULL, &none);
    ok(hr != S_OK && !none, "CredSSP without a password: 0x%08x", (unsigned)hr);
    release(none);
    test_server_stop(&srv);
}

/* Each bad-input switch of the server: the exact HRESULT, a text, no credential delegated, no hang (a client
 * that waited for ever would end with the session's Timeout instead, which is not the HRESULT expected; no
 * wall-clock bound, which a loaded machine could break). */
static void test_bad_servers(void)
{
    static const struct {
        const char *arg, *arg2;
        HRESULT hr;
        const char *text;
    } cases[] = {
        {"--credssp-bad-pubkey", NULL, SEC_E_MUTUAL_AUTH_FAILED_, "not who it claims"},
        {"--credssp-error-code", "0x8009030C", SEC_E_LOGON_DENIED_, "errorCode"},
        {"--credssp-error-code", "0xC000006D", (HRESULT)0xC000006Du, "0xC000006D"},
        {"--credssp-garbage", NULL, SEC_E_INVALID_TOKEN_, "CredSSP message"},
        {"--credssp-tls-alert", NULL, SEC_E_ALGORITHM_MISMATCH_, "handshake failure"},
        {"--credssp-corrupt-records", NULL, SEC_E_MESSAGE_ALTERED_, "decrypt"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int v = 6; v >= 2; v -= 4) {
            struct test_server srv;
            char url[300], vs[4];
            snprintf(vs, sizeof(vs), "%d", v);
            const char *extra[] = {cases[i].arg, cases[i].arg2 ? cases[i].arg2 : "--credssp-version",
                                   cases[i].arg2 ? "--credssp-version" : vs, cases[i].arg2 ? vs : NULL, NULL};
            if (cases[i].arg2 && v < 3)
                continue; /* errorCode is version 3+ */
            if (start(&srv, extra, 0))
                return;
            url_for(url, sizeof(url), &srv, "http");
            allow_credssp();
            IWSManSession *s = open_session(url, CREDSSP, user, PASSWORD);
            if (s)
                IWSManSession_put_Timeout(s, 60000);
            ok_get_fails(s, SPOOLER, cases[i].hr, cases[i].text);
            if (strcmp(cases[i].arg, "--credssp-corrupt-records"))
                ok(delegations(&srv) == 0, "%s (v%d): no credential delegated", cases[i].arg, v);
            release(s);
            test_server_stop(&srv);
        }
    }

    /* a server that stops answering in the middle of the handshake: the session's Timeout */
    struct test_server srv;
    char url[300];
    const char *extra[] = {"--credssp-stall", NULL};
    if (start(&srv, extra, 0))
        return;
    url_for(url, sizeof(url), &srv, "http");
    use_config(ALLOWED_CONFIG "[Client]\nNetworkDelayms = 0\n");
    IWSManSession *s = open_session(url, CREDSSP, user, PASSWORD);
    if (s)
        IWSManSession_put_Timeout(s, 2000);
    ok_get_fails(s, SPOOLER, TIMEOUT_HR, NULL); /* the Timeout's HRESULT: it ended because of the Timeout */
    ok(delegations(&srv) == 0, "stall: no credential delegated");
    release(s);
    test_server_stop(&srv);

    /* a wrong password: the inner SPNEGO fails, nothing delegated */
    if (start(&srv, NULL, 0))
        return;
    url_for(url, sizeof(url), &srv, "http");
    allow_credssp();
    s = open_session(url, CREDSSP, user, "wrong-pw-1");
    HRESULT hr = E_POINTER;
    char *r = s ? session_get(s, SPOOLER, &hr) : NULL;
    ok(hr != S_OK && delegations(&srv) == 0, "wrong password: 0x%08x, nothing delegated", (unsigned)hr);
    free(r);
    release(s);
    test_server_stop(&srv);
}

static int e2e(void)
{
    IDispatch *disp = NULL;
    char cmd[800];

    if (!getenv("WSM_KDC_DIR") || !getenv("KRB5_KTNAME") || !getenv("NTLM_USER_FILE")) {
        fprintf(stderr, "test_credssp e2e needs the test realm's environment (run it through ctest)\n");
        return 1;
    }
    user = ntlm ? "WSMAUTO\\alice" : "alice@WSMAUTO.TEST";
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/wsmauto-credssp-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    snprintf(certs, sizeof(certs), "%s/certs", tmpdir);
    snprintf(cmd, sizeof(cmd), "sh '%s/tests/tls/make-certs.sh' '%s' >/dev/null 2>&1", WSMAUTO_SOURCE_DIR,
             certs);
    ok(system(cmd) == 0, "test certificates");
    unsetenv("KRB5CCNAME");
    CoInitialize(NULL);
    ok(CoCreateInstance(&CLSID_WSMan, NULL, CLSCTX_INPROC_SERVER, &IID_IDispatch, (void **)&disp) == S_OK,
       "WSMan object");
    if (disp) {
        IDispatch_QueryInterface(disp, &IID_IWSManEx3, (void **)&wsman);
        IDispatch_Release(disp);
    }
    if (wsman) {
        const char *only = getenv("CREDSSP_ONLY");
        if (!only || strstr(only, "http"))
            test_http();
        if (!only || strstr(only, "https"))
            test_https();
        if (!only || strstr(only, "trace"))
            test_trace();
        if (!only || strstr(only, "policy"))
            test_policy();
        if (!only || strstr(only, "bad"))
            test_bad_servers();
        if (!only || strstr(only, "versions"))
            test_versions();
        IWSManEx3_Release(wsman);
    }
    CoUninitialize();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return test_summary(ntlm ? "credssp_ntlm" : "credssp");
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "e2e")) {
        ntlm = argc > 2 && !strcmp(argv[2], "ntlm");
        return e2e();
    }
    test_tsrequest_vectors();
    test_tscredentials();
    test_tls();
    test_chunking();
    return test_summary("credssp_unit");
}
