/*
 * WinRM message encryption framing over plain HTTP ([MS-WSMV]
 * 2.2.9.1): the multipart/encrypted body around wrapped SOAP messages. The
 * wrap itself is a callback (auth/gssapi.c), so this file only knows bytes.
 * Strict in what it writes (tabs, or none for OMI; no spaces after ';', no CR LF
 * after the binary data), liberal in what it reads (tabs or none, quoted or bare
 * parameters, any case, "-- boundary", trailing CR LF, several parts).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_ENCFRAME_H
#define WSMAUTO_ENCFRAME_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

#define WSM_ENC_PROTOCOL_SPNEGO "application/HTTP-SPNEGO-session-encrypted"
#define WSM_ENC_PROTOCOL_KERBEROS "application/HTTP-Kerberos-session-encrypted"
#define WSM_ENC_PROTOCOL_CREDSSP "application/HTTP-CredSSP-session-encrypted"
#define WSM_ENC_BOUNDARY "Encrypted Boundary"
/* CredSSP messages longer than this go in chunks of this size (multipart/x-multi-encrypted, §5.4). */
#define WSM_ENC_CREDSSP_CHUNK 16384u

/* Wraps plain: *out = header ‖ encrypted data (malloc'd), *hdr_len = header length, *orig_len = the Length=
 * value. Same contract as wsm_gss_wrap. */
typedef int32_t (*wsm_wrap_fn)(void *ctx, const void *plain, size_t len, unsigned char **out, size_t *out_len,
                               size_t *hdr_len, size_t *orig_len, char **detail);
/* Unwraps one part; same contract as wsm_gss_unwrap. */
typedef int32_t (*wsm_unwrap_fn)(void *ctx, const void *hdr, size_t hdr_len, const void *data,
                                 size_t data_len, unsigned char **plain, size_t *plain_len, char **detail);

/* Flags of wsm_encframe_build. UTF16: the SOAP text is UTF-16 (charset=UTF-16 in OriginalContent).
 * NO_TABS: the part header lines start at the line start, without the tab that MS-WSMV 2.2.9.1.1 shows and
 * Windows sends; OMI recognises them only so. */
#define WSM_ENCFRAME_UTF16 1u
#define WSM_ENCFRAME_NO_TABS 2u

/* Builds the request body for one SOAP message (one part; NTLM and Kerberos never chunk; with the CredSSP
 * protocol a message over WSM_ENC_CREDSSP_CHUNK bytes becomes one part per chunk, each wrapped on its own,
 * in a multipart/x-multi-encrypted body).
 * flags: WSM_ENCFRAME_*. *body malloc'd (binary, *body_len
 * bytes); *content_type malloc'd, e.g.
 * multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary".
 * Errors: the wrap's own; WSM_E_OUTOFMEMORY; WSM_E_INVALIDARG (NULL arguments, a protocol with a quote or
 * line break). */
int32_t wsm_encframe_build(const char *protocol, unsigned flags, const void *plain, size_t len,
                           wsm_wrap_fn wrap, void *ctx, char **body, size_t *body_len, char **content_type,
                           char **detail);

/* 1 when content_type is multipart/encrypted or multipart/x-multi-encrypted (any case, any spacing). */
int wsm_encframe_is_encrypted(const char *content_type);

/* Parses and decrypts a reply. content_type: the reply's Content-Type (must be one the function above
 * accepts; its boundary parameter is used, quoted or bare). expected_protocol: the protocol the request
 * used (a reply naming another one is refused), NULL to accept any. Every part is unwrapped and its
 * plaintext length must equal its Length=; the parts are concatenated. max_plain: cap on the total
 * plaintext (0 = none) → ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED. *plain malloc'd and NUL-terminated
 * (not counted); *charset malloc'd from OriginalContent ("UTF-8" when absent).
 * Errors: malformed framing (no boundary, missing parts, no 4-byte length, header length beyond the
 * data, no Length=, data cut short, fewer data bytes than Length=: encryption never shrinks a message) →
 * WSM_SEC_E_INCOMPLETE_MESSAGE (0x80090318); Length= different from the unwrapped length →
 * WSM_SEC_E_MESSAGE_ALTERED (0x8009030F); the unwrap's own errors. Outputs NULL
 * on failure; a failure never yields partial plaintext. */
int32_t wsm_encframe_parse(const char *content_type, const void *body, size_t len,
                           const char *expected_protocol, wsm_unwrap_fn unwrap, void *ctx, size_t max_plain,
                           char **plain, size_t *plain_len, char **charset, char **detail);

#endif
