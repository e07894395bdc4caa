/*
 * Negotiate and Kerberos through GSSAPI (MIT krb5, with NTLM from
 * gss-ntlmssp as an SPNEGO mechanism): credentials, the security context
 * of one connection, and the wrap/unwrap of WinRM message encryption
 * ([MS-WSMV] 2.2.9.1, [MS-NLMP] 3.4.3, RFC 4121 4.2.6.2; the handshake:
 * RFC 4559 4). No HTTP here: client.c carries the
 * tokens in Authorization / WWW-Authenticate headers, encframe.c frames
 * the wrapped messages.
 *
 * Failures are reported with the SSPI HRESULTs below (the codes a Windows
 * client reports for the same causes) and a detail sentence naming the
 * cause, the user, the SPN and GSSAPI's own text. No detail ever holds a
 * password.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_GSSAUTH_H
#define WSMAUTO_GSSAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

#define WSM_SEC_E_UNSUPPORTED_FUNCTION ((int32_t)0x80090302u)
#define WSM_SEC_E_TARGET_UNKNOWN ((int32_t)0x80090303u)      /* SPN not known to the KDC */
#define WSM_SEC_E_INTERNAL_ERROR ((int32_t)0x80090304u)      /* any other GSSAPI failure */
#define WSM_SEC_E_SECPKG_NOT_FOUND ((int32_t)0x80090305u)    /* mechanism not installed (e.g. gss-ntlmssp) */
#define WSM_SEC_E_INVALID_TOKEN ((int32_t)0x80090308u)       /* server token garbled */
#define WSM_SEC_E_LOGON_DENIED ((int32_t)0x8009030Cu)        /* wrong password, unknown user (KDC said so) */
#define WSM_SEC_E_UNKNOWN_CREDENTIALS ((int32_t)0x8009030Du) /* user name unusable */
#define WSM_SEC_E_NO_CREDENTIALS ((int32_t)0x8009030Eu)      /* implicit: no ticket cache / no NTLM entry */
#define WSM_SEC_E_MESSAGE_ALTERED ((int32_t)0x8009030Fu)     /* integrity check of a reply failed */
#define WSM_SEC_E_OUT_OF_SEQUENCE ((int32_t)0x80090310u)     /* replayed / reordered reply */
#define WSM_SEC_E_NO_AUTHENTICATING_AUTHORITY ((int32_t)0x80090311u) /* KDC unreachable, realm unknown */
#define WSM_SEC_E_CONTEXT_EXPIRED ((int32_t)0x80090317u)             /* ticket or context expired */
#define WSM_SEC_E_INCOMPLETE_MESSAGE ((int32_t)0x80090318u)          /* truncated encrypted message */
#define WSM_SEC_E_WRONG_PRINCIPAL ((int32_t)0x80090322u)             /* server is not who the SPN names */
#define WSM_SEC_E_TIME_SKEW ((int32_t)0x80090324u)
#define WSM_SEC_E_DECRYPT_FAILURE ((int32_t)0x80090330u)
#define WSM_SEC_E_BAD_BINDINGS ((int32_t)0x80090346u)
#define WSM_SEC_E_MUTUAL_AUTH_FAILED ((int32_t)0x80090363u) /* server's final token missing or bad */

enum wsm_gss_scheme {
    WSM_GSS_NEGOTIATE, /* SPNEGO over krb5 and NTLM ("Negotiate" HTTP scheme) */
    WSM_GSS_KERBEROS   /* the raw krb5 mechanism ("Kerberos" HTTP scheme) */
};

enum wsm_gss_mech { WSM_GSS_MECH_NONE, WSM_GSS_MECH_KRB5, WSM_GSS_MECH_NTLM };

struct wsm_gss_config {
    enum wsm_gss_scheme scheme;
    const char *host;    /* target host as the user gave it (IPv6 without brackets); never resolved */
    unsigned port;       /* used only with spn_port */
    int spn_port;        /* SessionFlagEnableSPNServerPort: SPN HTTP/host:port */
    const char *service; /* NULL: "HTTP" */
    /* Explicit credentials, acquired in memory (never written to any ccache on disk). user NULL or "":
     * implicit credentials (the default ccache for krb5, $NTLM_USER_FILE for NTLM). Forms: "user@REALM",
     * "DOMAIN\user", "user". */
    const char *user, *password;
    int allow_ntlm; /* NEGOTIATE: NTLM may be negotiated (krb5 is never offered when host is an IP
                     * literal: no ticket can name an address) */
    int delegate;   /* ask for GSS_C_DELEG_FLAG (credential delegation, Kerberos only) */
};

struct wsm_gss;

/* Acquires the credentials and imports the SPN. With explicit Kerberos credentials MIT asks the KDC for the
 * TGT here, so a wrong password, an unknown user or an unknown realm fail here already. Copies everything
 * it needs (the password is wiped on free). *out NULL on failure. client.c calls it at the first handshake,
 * not at CreateSession. */
int32_t wsm_gss_new(const struct wsm_gss_config *cfg, struct wsm_gss **out, char **detail);
void wsm_gss_free(struct wsm_gss *g);

/* Forgets the security context (keeps the credentials): the next wsm_gss_step starts a new handshake.
 * Called when the connection is new or the server dropped the context. */
void wsm_gss_reset(struct wsm_gss *g);

/* One leg of the handshake. in: the server's token (NULL/0 for the first leg). cb/cb_len: the channel
 * binding application data (wsm_gss_cbt_tls_server_end_point) or NULL for none; the same for every leg.
 * *out: malloc'd token to send (*out_len may be 0 when there is nothing to send); *complete: the context
 * is established (for Kerberos/SPNEGO only after the server's final token was processed; a server that
 * ends the handshake without the final token the flags require gives WSM_SEC_E_MUTUAL_AUTH_FAILED). */
int32_t wsm_gss_step(struct wsm_gss *g, const void *in, size_t in_len, const void *cb, size_t cb_len,
                     unsigned char **out, size_t *out_len, int *complete, char **detail);

/* The mechanism the established context uses (NONE before completion). */
enum wsm_gss_mech wsm_gss_mech(const struct wsm_gss *g);

/* The SPN in use, e.g. "HTTP/localhost" or "HTTP/host:5985" (for details). */
const char *wsm_gss_spn(const struct wsm_gss *g);

/* Negotiate: why Kerberos was not offered (e.g. "the Kerberos realm is unknown ... (GSSAPI: ...)" or "the
 * target "10.0.0.1" is an IP address"), NULL when it was. Lives as long as g; for the detail of a later
 * failure (e.g. the server rejecting NTLM with 401). */
const char *wsm_gss_fallback_reason(const struct wsm_gss *g);

/* Message encryption (established context only). *out = header ‖ encrypted data (‖ padding), malloc'd;
 * *hdr_len = the header length that goes into the 4-byte field; *orig_len = the value for Length=
 * (plaintext + padding). NTLM: gss_wrap, header = 16-byte signature. Kerberos: gss_wrap_iov
 * HEADER|DATA|PADDING. */
int32_t wsm_gss_wrap(struct wsm_gss *g, const void *plain, size_t len, unsigned char **out, size_t *out_len,
                     size_t *hdr_len, size_t *orig_len, char **detail);

/* Decrypts and verifies one part: hdr (hdr_len bytes) and data. *plain malloc'd (NUL-terminated for
 * convenience, not counted in *plain_len). A bad checksum or garbled token → WSM_SEC_E_MESSAGE_ALTERED,
 * a replayed/out-of-order token → WSM_SEC_E_OUT_OF_SEQUENCE; never returns unverified data. */
int32_t wsm_gss_unwrap(struct wsm_gss *g, const void *hdr, size_t hdr_len, const void *data, size_t data_len,
                       unsigned char **plain, size_t *plain_len, char **detail);

/* RFC 5929 tls-server-end-point channel binding application data for a server certificate (DER):
 * "tls-server-end-point:" ‖ H(cert), H = SHA-256 when the certificate's signature hash is MD5 or SHA-1
 * (or unknown), else its own hash (SHA-384, SHA-512). malloc'd. */
int32_t wsm_gss_cbt_tls_server_end_point(const unsigned char *der, size_t der_len, unsigned char **out,
                                         size_t *out_len, char **detail);

#endif
