/*
 * A TLS client over memory buffers (no socket of its own): the inner TLS channel of CredSSP ([MS-CSSP]
 * 3.1.5: the TLS handshake, then TSRequest messages and, for WinRM, message encryption as TLS application
 * records, [MS-WSMV] 2.2.9.1.3). The bytes it produces and consumes travel in HTTP headers and bodies.
 * Two back-ends, one contract: OpenSSL with memory BIOs on Linux (tls_openssl.c), Schannel through SSPI on
 * memory tokens on Windows (tls_schannel.c). COM-free, UTF-8.
 *
 * Every function returns WSM_S_OK or an HRESULT-style code (WSM_E_OUTOFMEMORY, WSM_SEC_E_* of gssauth.h)
 * with a sentence in *detail (when detail is not NULL) that names what failed; buffers handed out are
 * malloc'ed and the caller frees them.
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_AUTH_TLS_H
#define WSMAUTO_AUTH_TLS_H

#include <stddef.h>
#include <stdint.h>

struct wsm_tls;

struct wsm_tls_config {
    const char *host; /* the server's name, for SNI and texts (the certificate is NOT verified here: CredSSP
                         proves the server's identity with pubKeyAuth, [MS-CSSP] 3.1.5) */
    int min_version;  /* lowest TLS version allowed: 0x0303 = TLS 1.2 (the default when 0), 0x0304 = 1.3 */
    int max_version;  /* highest: 0 = the highest the library has */
};

int32_t wsm_tls_new(const struct wsm_tls_config *cfg, struct wsm_tls **out, char **detail);
void wsm_tls_free(struct wsm_tls *t); /* NULL is fine; wipes keys and buffered plaintext */

/* One handshake step. in: what the server sent (NULL/0 on the first call). *out: the records to send next
 * (possibly none: *out NULL, *out_len 0). *done: 1 once the handshake is complete; *out may still hold the
 * client's last flight, which must be sent. A TLS alert from the server, or bytes that are no TLS, fail with
 * WSM_SEC_E_INTERNAL_ERROR or a closer WSM_SEC_E_* and a text naming the alert. */
int32_t wsm_tls_handshake(struct wsm_tls *t, const void *in, size_t in_len, unsigned char **out,
                          size_t *out_len, int *done, char **detail);

/* After the handshake: the server certificate's SubjectPublicKey -- the contents of the BIT STRING of its
 * SubjectPublicKeyInfo, without the unused-bits byte -- which pubKeyAuth binds to ([MS-CSSP] 3.1.5,
 * "SubjectPublicKey"). */
int32_t wsm_tls_peer_public_key(struct wsm_tls *t, unsigned char **key, size_t *key_len, char **detail);

/* After the handshake: plaintext → TLS application-data record(s). For WinRM, callers keep a message (or a
 * chunk of at most 16384 bytes) in one record. */
int32_t wsm_tls_encrypt(struct wsm_tls *t, const void *in, size_t in_len, unsigned char **out,
                        size_t *out_len, char **detail);

/* After the handshake: TLS record(s) → plaintext (all of it; a partial or forged record is
 * WSM_SEC_E_MESSAGE_ALTERED / WSM_SEC_E_INVALID_TOKEN with a text). */
int32_t wsm_tls_decrypt(struct wsm_tls *t, const void *in, size_t in_len, unsigned char **out,
                        size_t *out_len, char **detail);

/* The "trailer" length of one record carrying plaintext_len bytes, as Schannel's SecPkgContext_StreamSizes
 * cbTrailer gives it, for the 4-byte field of the WinRM encrypted part ([MS-WSMV] 2.2.9.1.3): TLS 1.3 17,
 * GCM on TLS 1.2 16, CBC: MAC + padding. */
size_t wsm_tls_trailer_length(const struct wsm_tls *t, size_t plaintext_len);

/* For texts and traces: "TLSv1.3", "ECDHE-RSA-AES256-GCM-SHA384"... ("" before the handshake). */
const char *wsm_tls_version_name(const struct wsm_tls *t);
const char *wsm_tls_cipher_name(const struct wsm_tls *t);

#endif
