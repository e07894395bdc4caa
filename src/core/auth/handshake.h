/*
 * The authentication seam: connection-oriented mechanisms (Negotiate and
 * Kerberos today, through GSSAPI on Linux and SSPI on Windows; CredSSP
 * next) behind one table of operations, and the one driver that runs their
 * handshakes over HTTP and frames their encrypted messages, on both
 * platforms. client.c decides the policy (which scheme, which credentials,
 * whether to encrypt) and hands each SOAP message to wsm_auth_post.
 *
 * The driver is a state machine (enum wsm_auth_state in handshake.c): the
 * transport's auth hook, called once the connection for a request is up,
 * acts on the state, so a context is always bound to the connection it
 * was made on (with HTTP Negotiate the context belongs to the connection,
 * RFC 4559).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_HANDSHAKE_H
#define WSMAUTO_HANDSHAKE_H

#include <stddef.h>
#include <stdint.h>

#include "encframe.h"
#include "gssauth.h"
#include "transport.h"

/* One mechanism as the driver sees it. ctx is the mechanism's own object, made by create on the first
 * handshake (credentials are acquired then, not at CreateSession). The contracts are those of gssauth.h. */
struct wsm_mech_ops {
    int32_t (*create)(const struct wsm_gss_config *cfg, void **ctx, char **detail);
    void (*destroy)(void *ctx);
    /* forget the context, keep the credentials: the next step starts a new handshake */
    void (*reset)(void *ctx);
    /* one leg: in is the server's token (NULL for the first leg), cb the channel binding data or NULL */
    int32_t (*step)(void *ctx, const void *in, size_t in_len, const void *cb, size_t cb_len,
                    unsigned char **out, size_t *out_len, int *complete, char **detail);
    /* the handshake has chosen its mechanism (NTLM, Kerberos...) */
    int (*chosen)(const void *ctx);
    /* the target the context is for, e.g. the SPN, for texts */
    const char *(*target)(const void *ctx);
    wsm_wrap_fn wrap;
    wsm_unwrap_fn unwrap;
};

/* Negotiate and Kerberos through gssauth.h (GSSAPI or SSPI, whichever this build has). */
extern const struct wsm_mech_ops wsm_mech_gss;
/* CredSSP ([MS-CSSP]) over tls.h, with SPNEGO through gssauth.h inside (auth/credssp.c). Its create needs
 * cfg.user and cfg.password; scheme, allow_ntlm and delegate are its own. */
extern const struct wsm_mech_ops wsm_mech_credssp;

struct wsm_auth_params {
    const struct wsm_mech_ops *mech;
    struct wsm_gss_config cfg; /* the pointers in it must outlive the wsm_auth */
    const char *scheme;        /* the HTTP scheme: "Negotiate", "Kerberos" */
    const char *protocol;      /* the encrypted MIME protocol that goes with it (WSM_ENC_PROTOCOL_*) */
    int encrypt;               /* message encryption: plain HTTP without SessionFlagNoEncryption */
    const char *url;           /* the endpoint, for texts (copied) */
};

struct wsm_auth;

/* No I/O. *out NULL on failure (WSM_E_OUTOFMEMORY). */
int32_t wsm_auth_new(const struct wsm_auth_params *p, struct wsm_auth **out);
void wsm_auth_free(struct wsm_auth *a);

/* Installs the driver's hook on the session's transport (WSM_AUTH_EXTERNAL). */
void wsm_auth_attach(struct wsm_auth *a, struct wsm_transport *t);

/* Sends one SOAP message: establishes the context first when the connection has none (again when the
 * server lost it), encrypts over HTTP, and decrypts and verifies the reply, so that on success http holds
 * plaintext SOAP whatever the wire carried. timeout_ms: the HTTP timeout of each POST; limit: the reply's
 * size cap (MaxEnvelopeSize). Any HTTP status that is not about authentication is a success here (the
 * caller reads it); the failures are the transport's, the mechanism's and those of the framing rule (see
 * handshake.c), each with a detail sentence. */
int32_t wsm_auth_post(struct wsm_auth *a, struct wsm_transport *t, const char *body, size_t len, int utf16,
                      uint32_t timeout_ms, size_t limit, struct wsm_http_reply *http, char **detail);

#endif
