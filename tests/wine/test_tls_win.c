/*
 * Tests of the Schannel back-end of tls.h (src/core/auth/tls_schannel.c), run under Wine against the TLS
 * servers of tests/wine/tls_echo_server.py, which tests/wine/run_tls_test.sh starts. The program carries the
 * records between its socket and wsm_tls_* as CredSSP carries them in HTTP messages.
 *
 * Usage: test_tls_win.exe key=value...
 *   tls12=PORT tls13=PORT any=PORT   echo servers: TLS 1.2 only, 1.3 only, both
 *   cbc=PORT                         echo server, TLS 1.2 ECDHE-ECDSA-AES128-SHA (MAC-then-encrypt)
 *   clientcert=PORT                  TLS 1.2 server that requires a client certificate
 *   close=PORT                       echoes one message, then sends close_notify
 *   spki=HEX                         the server certificate's SubjectPublicKeyInfo (DER)
 * Prints "test_tls_win: N passed, N failed". TEST_VERBOSE=1 shows the detail sentences.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include "core.h"
#include "gssauth.h"
#include "test.h"
#include "tls.h"

static const char *args[32][2];
static int n_args;
static int verbose;

static const char *arg(const char *key)
{
    for (int i = 0; i < n_args; i++) {
        if (!strcmp(args[i][0], key))
            return args[i][1];
    }
    return NULL;
}

static void show(const char *what, int32_t hr, const char *detail)
{
    if (verbose)
        printf("  %s: 0x%08X %s\n", what, (unsigned)hr, detail ? detail : "(no detail)");
}

static int contains(const char *hay, const char *needle)
{
    return hay && needle && strstr(hay, needle) != NULL;
}

/* ---- the socket side ---- */

struct conn {
    SOCKET s;
    unsigned char *rb; /* received, not handed on yet */
    size_t rlen, rcap;
};

static int conn_open(struct conn *c, const char *port)
{
    memset(c, 0, sizeof(*c));
    c->s = socket(AF_INET, SOCK_STREAM, IPPROTO_TCP);
    if (c->s == INVALID_SOCKET)
        return 0;
    DWORD tmo = 20000;
    setsockopt(c->s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&tmo, sizeof(tmo));
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_port = htons((u_short)atoi(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return connect(c->s, (struct sockaddr *)&a, sizeof(a)) == 0;
}

static void conn_close(struct conn *c)
{
    if (c->s != INVALID_SOCKET)
        closesocket(c->s);
    free(c->rb);
    memset(c, 0, sizeof(*c));
    c->s = INVALID_SOCKET;
}

static int send_all(struct conn *c, const unsigned char *p, size_t n)
{
    while (n) {
        int k = send(c->s, (const char *)p, n > 65536 ? 65536 : (int)n, 0);
        if (k <= 0)
            return 0;
        p += k;
        n -= (size_t)k;
    }
    return 1;
}

/* Reads more bytes into c->rb; 0 on EOF, error or timeout. */
static int recv_more(struct conn *c)
{
    if (c->rcap - c->rlen < 65536) {
        size_t cap = c->rcap ? c->rcap * 2 : 131072;
        while (cap - c->rlen < 65536)
            cap *= 2;
        unsigned char *nb = realloc(c->rb, cap);
        if (!nb)
            return 0;
        c->rb = nb;
        c->rcap = cap;
    }
    int k = recv(c->s, (char *)c->rb + c->rlen, 65536, 0);
    if (k <= 0)
        return 0;
    c->rlen += (size_t)k;
    return 1;
}

/* The length of the complete records at the start of c->rb (0: none yet). */
static size_t complete_records(const struct conn *c)
{
    size_t pos = 0;
    while (c->rlen - pos >= 5) {
        size_t len = 5 + ((size_t)c->rb[pos + 3] << 8 | c->rb[pos + 4]);
        if (c->rlen - pos < len)
            break;
        pos += len;
    }
    return pos;
}

static void consume(struct conn *c, size_t n)
{
    memmove(c->rb, c->rb + n, c->rlen - n);
    c->rlen -= n;
}

/* Runs the handshake. split: hands the server's bytes over in pieces of 7 (SEC_E_INCOMPLETE_MESSAGE). */
static int32_t handshake(struct conn *c, struct wsm_tls *t, int split, char **detail)
{
    unsigned char *out = NULL;
    size_t out_len = 0;
    int done = 0;
    int32_t rc = wsm_tls_handshake(t, NULL, 0, &out, &out_len, &done, detail);
    for (int legs = 0; rc == WSM_S_OK && legs < 100000; legs++) {
        if (out_len && !send_all(c, out, out_len)) {
            free(out);
            return -1;
        }
        free(out);
        out = NULL;
        out_len = 0;
        if (done)
            return WSM_S_OK;
        if (!c->rlen && !recv_more(c))
            return -2; /* the server closed the connection */
        size_t n = split && c->rlen > 7 ? 7 : c->rlen;
        rc = wsm_tls_handshake(t, c->rb, n, &out, &out_len, &done, detail);
        consume(c, n);
    }
    free(out);
    return rc;
}

/* Receives and decrypts until want plaintext bytes came (appended to *plain). */
static int32_t receive_plain(struct conn *c, struct wsm_tls *t, unsigned char *plain, size_t want,
                             char **detail)
{
    size_t got = 0;
    while (got < want) {
        size_t n = complete_records(c);
        if (!n) {
            if (!recv_more(c))
                return -2;
            continue;
        }
        unsigned char *p = NULL;
        size_t plen = 0;
        int32_t rc = wsm_tls_decrypt(t, c->rb, n, &p, &plen, detail);
        consume(c, n);
        if (rc != WSM_S_OK)
            return rc;
        if (plen > want - got) {
            free(p);
            return -3;
        }
        memcpy(plain + got, p, plen);
        got += plen;
        free(p);
    }
    return WSM_S_OK;
}

/* Sends len bytes (in encrypt calls of at most chunk bytes) and checks that they come back. */
static int echo(struct conn *c, struct wsm_tls *t, size_t len, size_t chunk, const char *what)
{
    unsigned char *data = malloc(len ? len : 1), *back = malloc(len ? len : 1);
    int good = data && back;
    for (size_t i = 0; good && i < len; i++)
        data[i] = (unsigned char)(i * 7 + (i >> 8));
    for (size_t off = 0; good && off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        unsigned char *rec = NULL;
        size_t rec_len = 0;
        char *detail = NULL;
        int32_t rc = wsm_tls_encrypt(t, data + off, n, &rec, &rec_len, &detail);
        if (!ok(rc == WSM_S_OK, "%s: encrypt of %zu bytes: 0x%08X %s", what, n, (unsigned)rc,
                detail ? detail : ""))
            good = 0;
        if (good && !ok(send_all(c, rec, rec_len), "%s: send", what))
            good = 0;
        free(rec);
        free(detail);
        detail = NULL;
        if (good) {
            rc = receive_plain(c, t, back + off, n, &detail);
            if (!ok(rc == WSM_S_OK, "%s: decrypt of the echo: 0x%08X %s", what, (unsigned)rc,
                    detail ? detail : ""))
                good = 0;
            free(detail);
        }
    }
    if (good)
        good = ok(!memcmp(data, back, len), "%s: %zu bytes came back altered", what, len);
    free(data);
    free(back);
    return good;
}

/* ---- the public key from the SPKI hex ---- */

static size_t unhex(const char *h, unsigned char *out, size_t cap)
{
    size_t n = 0;
    while (h[0] && h[1] && n < cap) {
        unsigned v;
        if (sscanf(h, "%2x", &v) != 1)
            break;
        out[n++] = (unsigned char)v;
        h += 2;
    }
    return n;
}

/* A DER tag and length at *p: the content length, or -1. */
static long der(const unsigned char **p, const unsigned char *end, unsigned char tag)
{
    const unsigned char *s = *p;
    if (end - s < 2 || s[0] != tag)
        return -1;
    s++;
    size_t n = *s++;
    if (n & 0x80) {
        unsigned k = n & 0x7f;
        if (k < 1 || k > 3 || (size_t)(end - s) < k)
            return -1;
        for (n = 0; k; k--)
            n = n << 8 | *s++;
    }
    if (n > (size_t)(end - s))
        return -1;
    *p = s;
    return (long)n;
}

/* SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT STRING }
 * (RFC 5280 4.1): the BIT STRING's contents after its unused-bits byte. */
static int spki_key(const unsigned char *spki, size_t n, const unsigned char **key, size_t *key_len)
{
    const unsigned char *p = spki, *end = spki + n;
    long len = der(&p, end, 0x30);
    if (len < 0)
        return 0;
    end = p + len;
    if ((len = der(&p, end, 0x30)) < 0)
        return 0;
    p += len;
    if ((len = der(&p, end, 0x03)) < 2 || p[0] != 0)
        return 0;
    *key = p + 1;
    *key_len = (size_t)len - 1;
    return 1;
}

/* ---- tests ---- */

static int have_tls13; /* this platform's Schannel has TLS 1.3 (Wine 8's has not) */

static struct wsm_tls *new_tls(int minv, int maxv)
{
    struct wsm_tls_config cfg = {"localhost", minv, maxv};
    struct wsm_tls *t = NULL;
    char *detail = NULL;
    int32_t rc = wsm_tls_new(&cfg, &t, &detail);
    ok(rc == WSM_S_OK && t, "wsm_tls_new(0x%04x, 0x%04x): 0x%08X %s", (unsigned)minv, (unsigned)maxv,
       (unsigned)rc, detail ? detail : "");
    free(detail);
    return t;
}

/* Handshake, version, public key, trailer and record sizes, echo of 1 byte, 16384 bytes and 3 MB. */
static void test_echo(const char *name, const char *port, int minv, int maxv, const char *version, int split,
                      const char *spki_hex)
{
    struct conn c;
    char what[64];
    snprintf(what, sizeof(what), "%s (0x%04x-0x%04x%s)", name, (unsigned)minv, (unsigned)maxv,
             split ? ", split" : "");
    if (!ok(conn_open(&c, port), "%s: connect", what)) {
        conn_close(&c);
        return;
    }
    struct wsm_tls *t = new_tls(minv, maxv);
    if (!t) {
        conn_close(&c);
        return;
    }
    ok_str("", wsm_tls_version_name(t));
    char *detail = NULL;
    int32_t rc = handshake(&c, t, split, &detail);
    show(what, rc, detail);
    if (!ok(rc == WSM_S_OK, "%s: handshake: 0x%08X %s", what, (unsigned)rc, detail ? detail : "")) {
        free(detail);
        wsm_tls_free(t);
        conn_close(&c);
        return;
    }
    free(detail);
    detail = NULL;
    if (verbose)
        printf("  %s: %s %s\n", what, wsm_tls_version_name(t), wsm_tls_cipher_name(t));
    ok_str(version, wsm_tls_version_name(t));
    ok(wsm_tls_cipher_name(t)[0], "%s: no cipher name", what);

    /* The public key, as openssl x509 -pubkey gives it. */
    unsigned char spki[1024];
    const unsigned char *want = NULL;
    size_t want_len = 0, spki_len = spki_hex ? unhex(spki_hex, spki, sizeof(spki)) : 0;
    unsigned char *key = NULL;
    size_t key_len = 0;
    rc = wsm_tls_peer_public_key(t, &key, &key_len, &detail);
    ok(rc == WSM_S_OK, "%s: peer public key: 0x%08X %s", what, (unsigned)rc, detail ? detail : "");
    if (ok(spki_key(spki, spki_len, &want, &want_len), "spki= is no SubjectPublicKeyInfo"))
        ok(key_len == want_len && key && !memcmp(key, want, want_len),
           "%s: public key of %zu bytes differs from the certificate's (%zu bytes)", what, key_len, want_len);
    free(key);
    free(detail);
    detail = NULL;

    /* One record of n bytes: its length is header + n + trailer, trailer as wsm_tls_trailer_length says. */
    size_t sizes[] = {1, 100, 1000, 16384};
    for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
        static unsigned char zero[16384];
        unsigned char *rec = NULL;
        size_t rec_len = 0;
        rc = wsm_tls_encrypt(t, zero, sizes[i], &rec, &rec_len, NULL);
        size_t hdr = !strcmp(version, "TLSv1.3") ? 5 : contains(wsm_tls_cipher_name(t), "GCM") ? 13 : 21;
        size_t trl = wsm_tls_trailer_length(t, sizes[i]);
        ok(rc == WSM_S_OK && rec_len == hdr + sizes[i] + trl,
           "%s: a record of %zu bytes is %zu bytes long, not %zu + %zu + %zu (%s)", what, sizes[i], rec_len,
           hdr, sizes[i], trl, wsm_tls_cipher_name(t));
        if (rec_len >= 5)
            ok((size_t)(rec[3] << 8 | rec[4]) + 5 == rec_len, "%s: %zu bytes are not one record", what,
               rec_len);
        /* sent, so that the server stays in step; its echo is read below */
        if (rc == WSM_S_OK) {
            send_all(&c, rec, rec_len);
            unsigned char back[16384];
            rc = receive_plain(&c, t, back, sizes[i], &detail);
            ok(rc == WSM_S_OK && !memcmp(back, zero, sizes[i]), "%s: echo of %zu: 0x%08X %s", what, sizes[i],
               (unsigned)rc, detail ? detail : "");
            free(detail);
            detail = NULL;
        }
        free(rec);
    }
    if (!strcmp(version, "TLSv1.3"))
        ok(wsm_tls_trailer_length(t, 5) == 17, "%s: TLS 1.3 trailer %zu", what, wsm_tls_trailer_length(t, 5));

    echo(&c, t, 1, 1, what);
    echo(&c, t, 16384, 16384, what);
    echo(&c, t, 3 * 1024 * 1024 + 17, 16384, what);
    /* one call with more than a record's worth: several records */
    echo(&c, t, 100000, 100000, what);
    wsm_tls_free(t);
    conn_close(&c);
}

/* A record altered on the way, and a truncated one. */
static void test_corrupt(const char *port, int minv, int maxv)
{
    for (int mode = 0; mode < 2; mode++) {
        struct conn c;
        const char *what = mode ? "truncated record" : "altered record";
        if (!ok(conn_open(&c, port), "%s: connect", what)) {
            conn_close(&c);
            continue;
        }
        struct wsm_tls *t = new_tls(minv, maxv);
        char *detail = NULL;
        int32_t rc = t ? handshake(&c, t, 0, &detail) : -1;
        ok(rc == WSM_S_OK, "%s: handshake 0x%08X %s", what, (unsigned)rc, detail ? detail : "");
        free(detail);
        detail = NULL;
        if (rc == WSM_S_OK) {
            echo(&c, t, 10, 10, what); /* past any post-handshake messages */
            unsigned char *rec = NULL;
            size_t rec_len = 0;
            rc = wsm_tls_encrypt(t, "0123456789abcdef", 16, &rec, &rec_len, NULL);
            if (rc == WSM_S_OK)
                send_all(&c, rec, rec_len);
            free(rec);
            size_t n;
            while (!(n = complete_records(&c)) && recv_more(&c))
                ;
            if (ok(n > 20, "%s: no record came back", what)) {
                unsigned char *p = NULL;
                size_t plen = 0;
                if (mode == 0)
                    c.rb[n - 3] ^= 0x40; /* in the tag / MAC */
                rc = wsm_tls_decrypt(t, c.rb, mode ? n - 4 : n, &p, &plen, &detail);
                show(what, rc, detail);
                ok_hr(mode ? WSM_SEC_E_INVALID_TOKEN : WSM_SEC_E_MESSAGE_ALTERED, rc);
                ok(p == NULL && plen == 0, "%s: plaintext came out", what);
                ok(contains(detail, "localhost"), "%s: detail \"%s\"", what, detail ? detail : "");
                free(p);
                free(detail);
            }
        }
        wsm_tls_free(t);
        conn_close(&c);
    }
}

/* Handshakes that fail: no common version (the server's alert), a required client certificate, no TLS. */
static void test_handshake_failures(void)
{
    struct {
        const char *server;
        int minv, maxv;
        int32_t hr;
        const char *text;
    } cases[] = {
        {"tls13", 0x0303, 0x0303, WSM_SEC_E_UNSUPPORTED_FUNCTION, "protocol_version"},
        {"tls12", 0x0304, 0x0304, WSM_SEC_E_UNSUPPORTED_FUNCTION, "protocol_version"},
        {"clientcert", 0x0303, 0x0303, 0, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct conn c;
        char what[64];
        snprintf(what, sizeof(what), "%s with 0x%04x-0x%04x", cases[i].server, (unsigned)cases[i].minv,
                 (unsigned)cases[i].maxv);
        if (cases[i].minv == 0x0304 && !have_tls13)
            continue; /* see main */
        if (!arg(cases[i].server) || !ok(conn_open(&c, arg(cases[i].server)), "%s: connect", what))
            continue;
        struct wsm_tls *t = new_tls(cases[i].minv, cases[i].maxv);
        char *detail = NULL;
        int32_t rc = t ? handshake(&c, t, 0, &detail) : -1;
        show(what, rc, detail);
        ok(rc != WSM_S_OK, "%s: the handshake succeeded", what);
        if (rc == -2)
            ok(0, "%s: the server closed the connection, no failure from Schannel", what);
        else {
            ok((rc & 0xFFFF0000) == 0x80090000, "%s: 0x%08X is no SEC_E_*", what, (unsigned)rc);
            ok(contains(detail, "localhost"), "%s: detail \"%s\"", what, detail ? detail : "");
        }
        if (cases[i].hr)
            ok_hr(cases[i].hr, rc);
        if (cases[i].text)
            ok(contains(detail, cases[i].text), "%s: detail \"%s\"", what, detail ? detail : "");
        free(detail);
        wsm_tls_free(t);
        conn_close(&c);
    }

    /* Bytes that are no TLS (an HTTP reply): INVALID_TOKEN at once, not a wait for 21584 more bytes. */
    struct wsm_tls *t = new_tls(0, 0);
    if (t) {
        unsigned char *out = NULL;
        size_t out_len = 0;
        int done = 0;
        char *detail = NULL;
        int32_t rc = wsm_tls_handshake(t, NULL, 0, &out, &out_len, &done, &detail);
        ok(rc == WSM_S_OK && out_len > 0 && out[0] == 22, "ClientHello: 0x%08X", (unsigned)rc);
        free(out);
        out = NULL;
        const char http[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";
        rc = wsm_tls_handshake(t, http, sizeof(http) - 1, &out, &out_len, &done, &detail);
        show("no TLS", rc, detail);
        ok_hr(WSM_SEC_E_INVALID_TOKEN, rc);
        ok(contains(detail, "HTTP/1.1"), "no TLS: detail \"%s\"", detail ? detail : "");
        ok(out == NULL && !done, "no TLS: output");
        free(detail);
        detail = NULL;
        /* and everything after a failure fails */
        rc = wsm_tls_encrypt(t, "x", 1, &out, &out_len, &detail);
        ok(rc != WSM_S_OK && out == NULL, "encrypt after a failure: 0x%08X", (unsigned)rc);
        free(detail);
        wsm_tls_free(t);
    }

    /* Before the handshake: no key, no records. */
    t = new_tls(0, 0);
    if (t) {
        unsigned char *out = NULL;
        size_t out_len = 0;
        char *detail = NULL;
        ok(wsm_tls_peer_public_key(t, &out, &out_len, &detail) != WSM_S_OK && !out,
           "key before the handshake");
        free(detail);
        detail = NULL;
        ok(wsm_tls_decrypt(t, "\x17\x03\x03\x00\x01x", 6, &out, &out_len, &detail) != WSM_S_OK && !out,
           "decrypt before the handshake");
        free(detail);
        ok(wsm_tls_trailer_length(t, 10) == 0, "trailer before the handshake");
        wsm_tls_free(t);
    }
    struct wsm_tls_config bad = {"localhost", 0x0304, 0x0303};
    char *detail = NULL;
    t = NULL;
    ok_hr(WSM_E_INVALIDARG, wsm_tls_new(&bad, &t, &detail));
    ok(!t, "bad config");
    free(detail);
    wsm_tls_free(NULL);
}

/* The server ends the channel with close_notify after one echo. */
static void test_close_notify(const char *port)
{
    struct conn c;
    if (!ok(conn_open(&c, port), "close: connect"))
        return;
    struct wsm_tls *t = new_tls(0x0303, 0x0303);
    char *detail = NULL;
    int32_t rc = t ? handshake(&c, t, 0, &detail) : -1;
    ok(rc == WSM_S_OK, "close: handshake 0x%08X %s", (unsigned)rc, detail ? detail : "");
    free(detail);
    detail = NULL;
    if (rc == WSM_S_OK && echo(&c, t, 5, 5, "close")) {
        size_t n;
        while (!(n = complete_records(&c)) && recv_more(&c))
            ;
        unsigned char *p = NULL;
        size_t plen = 0;
        rc = n ? wsm_tls_decrypt(t, c.rb, n, &p, &plen, &detail) : -2;
        show("close_notify", rc, detail);
        ok_hr(WSM_SEC_E_CONTEXT_EXPIRED, rc);
        ok(contains(detail, "close_notify"), "close: detail \"%s\"", detail ? detail : "");
        free(p);
        free(detail);
    }
    wsm_tls_free(t);
    conn_close(&c);
}

int main(int argc, char **argv)
{
    verbose = getenv("TEST_VERBOSE") != NULL;
    for (int i = 1; i < argc && n_args < 32; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "usage: %s key=value... (see the source)\n", argv[0]);
            return 2;
        }
        *eq = '\0';
        args[n_args][0] = argv[i];
        args[n_args][1] = eq + 1;
        n_args++;
    }
    WSADATA wsa;
    if (WSAStartup(MAKEWORD(2, 2), &wsa) != 0) {
        fprintf(stderr, "WSAStartup failed\n");
        return 1;
    }
    const char *spki = arg("spki");
    /* TLS 1.3: where Schannel lacks it (Wine 8), a credential of TLS 1.3 alone fails at once, with its own
     * HRESULT and text, and the TLS 1.3 servers' tests are skipped. */
    {
        struct wsm_tls_config cfg = {"localhost", 0x0304, 0x0304};
        struct wsm_tls *t = NULL;
        char *detail = NULL;
        int32_t rc = wsm_tls_new(&cfg, &t, &detail);
        have_tls13 = rc == WSM_S_OK;
        show("TLS 1.3 only", rc, detail);
        if (!have_tls13) {
            ok_hr(WSM_SEC_E_UNSUPPORTED_FUNCTION, rc);
            ok(contains(detail, "TLS 1.3") && contains(detail, "localhost"), "TLS 1.3: detail \"%s\"",
               detail ? detail : "");
            printf("test_tls_win: this Schannel has no TLS 1.3: the TLS 1.3 tests are skipped\n");
        }
        wsm_tls_free(t);
        free(detail);
    }
    if (arg("tls12")) {
        test_echo("tls12", arg("tls12"), 0, 0, "TLSv1.2", 0, spki);
        test_echo("tls12", arg("tls12"), 0x0303, 0x0303, "TLSv1.2", 1, spki);
        test_corrupt(arg("tls12"), 0x0303, 0x0303);
    }
    if (arg("tls13") && have_tls13) {
        test_echo("tls13", arg("tls13"), 0, 0, "TLSv1.3", 0, spki);
        test_echo("tls13", arg("tls13"), 0x0304, 0x0304, "TLSv1.3", 1, spki);
        test_corrupt(arg("tls13"), 0x0304, 0x0304);
    }
    if (arg("any")) {
        test_echo("any", arg("any"), 0, 0x0303, "TLSv1.2", 0, spki);
        test_echo("any", arg("any"), 0, 0, have_tls13 ? "TLSv1.3" : "TLSv1.2", 0, spki);
    }
    if (arg("cbc"))
        test_echo("cbc", arg("cbc"), 0, 0, "TLSv1.2", 0, spki);
    test_handshake_failures();
    if (arg("close"))
        test_close_notify(arg("close"));
    WSACleanup();
    return test_summary("test_tls_win");
}
