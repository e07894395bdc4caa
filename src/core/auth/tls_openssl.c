/*
 * tls.h with OpenSSL: a TLS client whose records go through two memory BIOs instead of a socket, for the
 * TLS channel inside CredSSP ([MS-CSSP] 3.1.5) and the WinRM message encryption on top of it ([MS-WSMV]
 * 2.2.9.1.3).
 *
 * No certificate verification here: CredSSP servers use self-signed certificates and prove their identity
 * afterwards by binding the inner Kerberos/NTLM context to the certificate's public key (pubKeyAuth).
 * Encrypt-then-MAC (RFC 7366) and the 1/n-1 record split are switched off so that a CBC record has the
 * shape Schannel gives it (the trailer length below assumes that); TLS 1.2 is the lowest version offered.
 *
 * Failures: bytes from the server that are no TLS → WSM_SEC_E_INVALID_TOKEN; a TLS alert from the server
 * → WSM_SEC_E_ALGORITHM_MISMATCH (no common version or cipher: protocol_version, handshake_failure,
 * insufficient_security) or WSM_SEC_E_ILLEGAL_MESSAGE (any other alert), each with the alert's name; a
 * record that does not decrypt and verify → WSM_SEC_E_MESSAGE_ALTERED; a cut-off record →
 * WSM_SEC_E_INCOMPLETE_MESSAGE.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "core.h"
#include "detail.h"
#include "gssauth.h"
#include "iplit.h"
#include "mechutil.h"
#include "tls.h"

#ifndef WSM_SEC_E_ILLEGAL_MESSAGE
#define WSM_SEC_E_ILLEGAL_MESSAGE ((int32_t)0x80090326u)
#endif
#ifndef WSM_SEC_E_ALGORITHM_MISMATCH
#define WSM_SEC_E_ALGORITHM_MISMATCH ((int32_t)0x80090331u)
#endif

struct wsm_tls {
    SSL_CTX *ctx;
    SSL *ssl;
    BIO *in, *out; /* in: what the server sent, for OpenSSL to read; out: what OpenSSL wrote */
    char *host;
    int done;
    int alert;      /* the last alert the server sent (its description), -1 for none */
    int alert_seen; /* an alert arrived during the current call */
};

static void info_cb(const SSL *ssl, int where, int ret)
{
    struct wsm_tls *t = SSL_get_app_data(ssl);
    if (t && (where & SSL_CB_ALERT) && (where & SSL_CB_READ)) { /* not the alerts we send */
        t->alert = ret & 0xFF;
        t->alert_seen = 1;
    }
}

/* OpenSSL's first queued error, as text, then the queue is emptied. */
static const char *ssl_error_text(char *buf, size_t size)
{
    unsigned long e = ERR_get_error();
    if (!e) {
        snprintf(buf, size, "no further detail");
    } else {
        ERR_error_string_n(e, buf, size);
    }
    ERR_clear_error();
    return buf;
}

int32_t wsm_tls_new(const struct wsm_tls_config *cfg, struct wsm_tls **out, char **detail)
{
    struct wsm_tls *t;
    int minv = cfg && cfg->min_version ? cfg->min_version : TLS1_2_VERSION;
    int maxv = cfg && cfg->max_version ? cfg->max_version : 0;
    char eb[256];

    *out = NULL;
    if (minv < TLS1_2_VERSION || (maxv && maxv < minv))
        return wsm_fail(
            detail, WSM_E_INVALIDARG,
            "The TLS versions asked for CredSSP (0x%04X to 0x%04X) are not usable: TLS 1.2 is the "
            "lowest.",
            (unsigned)minv, (unsigned)maxv);
    if (!(t = calloc(1, sizeof(*t))))
        return wsm_fail(detail, WSM_E_OUTOFMEMORY, "Out of memory.");
    t->alert = -1;
    ERR_clear_error();
    if (!(t->host = wsm_strdup(cfg && cfg->host ? cfg->host : "")) ||
        !(t->ctx = SSL_CTX_new(TLS_client_method())))
        goto oom;
    SSL_CTX_set_verify(t->ctx, SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_options(t->ctx, SSL_OP_DONT_INSERT_EMPTY_FRAGMENTS | SSL_OP_NO_ENCRYPT_THEN_MAC |
                                    SSL_OP_NO_TICKET | SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
    SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
    if (!SSL_CTX_set_min_proto_version(t->ctx, minv) || !SSL_CTX_set_max_proto_version(t->ctx, maxv)) {
        wsm_tls_free(t);
        return wsm_fail(detail, WSM_E_INVALIDARG, "OpenSSL refused the TLS versions for CredSSP: %s.",
                        ssl_error_text(eb, sizeof(eb)));
    }
    t->in = BIO_new(BIO_s_mem());
    t->out = BIO_new(BIO_s_mem());
    if (!t->in || !t->out || !(t->ssl = SSL_new(t->ctx)))
        goto oom;
    BIO_set_mem_eof_return(t->in, -1);  /* an empty input BIO means "want more", not end of stream */
    SSL_set_bio(t->ssl, t->in, t->out); /* the SSL owns both BIOs from here on */
    SSL_set_app_data(t->ssl, t);
    SSL_set_info_callback(t->ssl, info_cb);
    SSL_set_connect_state(t->ssl);
    /* SNI only for names (RFC 6066 §3: no IP literals). */
    if (*t->host && !wsm_host_is_ip_literal(t->host))
        SSL_set_tlsext_host_name(t->ssl, t->host);
    *out = t;
    return WSM_S_OK;
oom:
    wsm_tls_free(t); /* no SSL yet: frees the BIOs itself */
    ERR_clear_error();
    return wsm_fail(detail, WSM_E_OUTOFMEMORY, "Out of memory setting up TLS for CredSSP.");
}

void wsm_tls_free(struct wsm_tls *t)
{
    if (!t)
        return;
    if (t->ssl)
        SSL_free(t->ssl); /* frees both BIOs (plaintext buffers inside OpenSSL are cleansed by it) */
    else {
        BIO_free(t->in);
        BIO_free(t->out);
    }
    SSL_CTX_free(t->ctx);
    free(t->host);
    free(t);
}

/* Moves everything OpenSSL wrote into a malloc'd buffer (NULL/0 when nothing). */
static int32_t drain(struct wsm_tls *t, unsigned char **out, size_t *out_len, char **detail)
{
    size_t n = BIO_ctrl_pending(t->out);
    unsigned char *b;

    *out = NULL;
    *out_len = 0;
    if (!n)
        return WSM_S_OK;
    if (!(b = malloc(n)))
        return wsm_fail(detail, WSM_E_OUTOFMEMORY, "Out of memory.");
    if (BIO_read(t->out, b, (int)n) != (int)n) {
        free(b);
        return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR, "The TLS output buffer could not be read.");
    }
    *out = b;
    *out_len = n;
    return WSM_S_OK;
}

static int32_t feed(struct wsm_tls *t, const void *in, size_t in_len, char **detail)
{
    if (in_len > INT32_MAX)
        return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN, "The TLS data from %s is too large.", t->host);
    if (in_len && BIO_write(t->in, in, (int)in_len) != (int)in_len)
        return wsm_fail(detail, WSM_E_OUTOFMEMORY, "Out of memory buffering TLS data.");
    return WSM_S_OK;
}

/* The failure of an SSL call that did not just want more input. */
static int32_t tls_failure(struct wsm_tls *t, const char *during, int32_t default_hr, char **detail)
{
    char eb[256];
    const char *why = ssl_error_text(eb, sizeof(eb));

    if (t->alert_seen) {
        int a = t->alert;
        int32_t hr = (a == SSL_AD_PROTOCOL_VERSION || a == SSL_AD_HANDSHAKE_FAILURE ||
                      a == SSL_AD_INSUFFICIENT_SECURITY)
                         ? WSM_SEC_E_ALGORITHM_MISMATCH
                         : WSM_SEC_E_ILLEGAL_MESSAGE;
        return wsm_fail(detail, hr, "The server %s sent the TLS alert \"%s\" (%d) during %s.", t->host,
                        SSL_alert_desc_string_long(a), a, during);
    }
    return wsm_fail(detail, default_hr,
                    "The TLS %s with %s failed: the server's bytes are not valid TLS (%s).", during, t->host,
                    why);
}

int32_t wsm_tls_handshake(struct wsm_tls *t, const void *in, size_t in_len, unsigned char **out,
                          size_t *out_len, int *done, char **detail)
{
    int32_t hr;
    int r;

    *out = NULL;
    *out_len = 0;
    *done = 0;
    if (t->done)
        return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR, "The TLS handshake with %s is already complete.",
                        t->host);
    if ((hr = feed(t, in, in_len, detail)))
        return hr;
    ERR_clear_error();
    t->alert_seen = 0;
    r = SSL_do_handshake(t->ssl);
    if (r != 1) {
        int e = SSL_get_error(t->ssl, r);
        if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
            hr = tls_failure(t, "the handshake", WSM_SEC_E_INVALID_TOKEN, detail);
            BIO_reset(t->out);
            return hr;
        }
        ERR_clear_error();
    } else {
        t->done = 1;
    }
    if ((hr = drain(t, out, out_len, detail)))
        return hr;
    if (!t->done && !*out_len && in_len) {
        /* OpenSSL took the bytes and wants more, but every flight of a server is answered by the client or
         * ends the handshake: the server's flight was cut short */
        return wsm_fail(
            detail, WSM_SEC_E_INCOMPLETE_MESSAGE,
            "The TLS handshake message from %s is incomplete (%zu bytes that do not end a flight).", t->host,
            in_len);
    }
    *done = t->done;
    return WSM_S_OK;
}

int32_t wsm_tls_peer_public_key(struct wsm_tls *t, unsigned char **key, size_t *key_len, char **detail)
{
    X509 *cert;
    const unsigned char *pk = NULL;
    int pk_len = 0;

    *key = NULL;
    *key_len = 0;
    if (!t->done || !(cert = SSL_get0_peer_certificate(t->ssl)))
        return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR,
                        "The server %s presented no TLS certificate, so CredSSP cannot bind to its key.",
                        t->host);
    /* the contents of the subjectPublicKey BIT STRING (RFC 5280 §4.1), without the unused-bits octet */
    if (!X509_PUBKEY_get0_param(NULL, &pk, &pk_len, NULL, X509_get_X509_PUBKEY(cert)) || !pk || pk_len <= 0)
        return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR,
                        "The public key of %s's TLS certificate is unreadable.", t->host);
    if (!(*key = malloc((size_t)pk_len)))
        return wsm_fail(detail, WSM_E_OUTOFMEMORY, "Out of memory.");
    memcpy(*key, pk, (size_t)pk_len);
    *key_len = (size_t)pk_len;
    return WSM_S_OK;
}

int32_t wsm_tls_encrypt(struct wsm_tls *t, const void *in, size_t in_len, unsigned char **out,
                        size_t *out_len, char **detail)
{
    size_t written = 0;

    *out = NULL;
    *out_len = 0;
    if (!t->done)
        return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR,
                        "TLS data cannot be encrypted before the handshake.");
    if (in_len > INT32_MAX)
        return wsm_fail(detail, WSM_E_INVALIDARG, "The message is too large for TLS.");
    ERR_clear_error();
    t->alert_seen = 0;
    if (in_len && (SSL_write_ex(t->ssl, in, in_len, &written) != 1 || written != in_len))
        return tls_failure(t, "encryption", WSM_SEC_E_INTERNAL_ERROR, detail);
    return drain(t, out, out_len, detail);
}

int32_t wsm_tls_decrypt(struct wsm_tls *t, const void *in, size_t in_len, unsigned char **out,
                        size_t *out_len, char **detail)
{
    unsigned char *buf = NULL;
    size_t cap = in_len + 1, len = 0;
    char eb[256];
    int32_t hr;

    *out = NULL;
    *out_len = 0;
    if (!t->done)
        return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR,
                        "TLS data cannot be decrypted before the handshake.");
    if ((hr = feed(t, in, in_len, detail)))
        return hr;
    if (!(buf = malloc(cap))) { /* plaintext is never longer than the records */
        BIO_reset(t->in);
        return wsm_fail(detail, WSM_E_OUTOFMEMORY, "Out of memory.");
    }
    ERR_clear_error();
    t->alert_seen = 0;
    for (;;) {
        size_t got = 0;
        if (SSL_read_ex(t->ssl, buf + len, cap - len, &got) == 1) {
            len += got;
            if (len == cap) {
                hr = wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR,
                              "TLS produced more plaintext than ciphertext.");
                goto fail;
            }
            continue;
        }
        int e = SSL_get_error(t->ssl, 0);
        if (e == SSL_ERROR_WANT_READ && !t->alert_seen)
            break;
        if (e == SSL_ERROR_ZERO_RETURN) {
            hr = wsm_fail(detail, WSM_SEC_E_CONTEXT_EXPIRED,
                          "The server %s closed the CredSSP TLS session (close_notify).", t->host);
            goto fail;
        }
        hr = t->alert_seen ? tls_failure(t, "decryption", WSM_SEC_E_MESSAGE_ALTERED, detail)
                           : wsm_fail(detail, WSM_SEC_E_MESSAGE_ALTERED,
                                      "A TLS record from %s failed to decrypt or verify (%s).", t->host,
                                      ssl_error_text(eb, sizeof(eb)));
        goto fail;
    }
    ERR_clear_error();
    if (SSL_has_pending(t->ssl) || BIO_ctrl_pending(t->in)) {
        hr = wsm_fail(detail, WSM_SEC_E_INCOMPLETE_MESSAGE,
                      "The TLS data from %s ends inside a record (%zu bytes given).", t->host, in_len);
        goto fail;
    }
    buf[len] = '\0';
    *out = buf;
    *out_len = len;
    return WSM_S_OK;
fail:
    wsm_wipe(buf, cap);
    free(buf);
    BIO_reset(t->in);
    return hr;
}

size_t wsm_tls_trailer_length(const struct wsm_tls *t, size_t plaintext_len)
{
    const SSL_CIPHER *c = t->ssl ? SSL_get_current_cipher(t->ssl) : NULL;
    const char *name;
    size_t mac = 0, bs;
    const EVP_MD *md;
    const EVP_CIPHER *ciph;

    if (!c)
        return 0;
    if (SSL_version(t->ssl) >= TLS1_3_VERSION)
        return 17; /* 16-byte AEAD tag + the 1-byte inner content type (RFC 8446 §5.2) */
    name = SSL_CIPHER_get_name(c);
    if (strstr(name, "GCM") || strstr(name, "CHACHA20") || (strstr(name, "CCM") && !strstr(name, "CCM8")))
        return 16;
    if (strstr(name, "CCM8"))
        return 8;
    md = EVP_get_digestbynid(SSL_CIPHER_get_digest_nid(c)); /* the record MAC (NID_undef for AEAD) */
    mac = md ? (size_t)EVP_MD_get_size(md) : 0;
    ciph = EVP_get_cipherbynid(SSL_CIPHER_get_cipher_nid(c));
    bs = ciph ? (size_t)EVP_CIPHER_get_block_size(ciph) : 1;
    if (bs <= 1)
        return mac; /* a stream cipher */
    return mac + (bs - (plaintext_len + mac) % bs);
}

const char *wsm_tls_version_name(const struct wsm_tls *t)
{
    return t && t->done ? SSL_get_version(t->ssl) : "";
}

const char *wsm_tls_cipher_name(const struct wsm_tls *t)
{
    const SSL_CIPHER *c = t && t->done ? SSL_get_current_cipher(t->ssl) : NULL;
    return c ? SSL_CIPHER_get_name(c) : "";
}
