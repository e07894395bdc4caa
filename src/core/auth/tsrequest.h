/*
 * The DER messages of CredSSP ([MS-CSSP] 2.2.1): TSRequest (versions 2 to 6), TSCredentials and
 * TSPasswordCreds. A small hand-written encoder and a strict decoder, COM-free and free of any crypto
 * library, so that the Linux library and the Windows DLL (built without OpenSSL) share them.
 *
 * Decoding never trusts a length: anything that is not exactly the DER of the structure (a length running
 * past its parent, trailing bytes, a wrong tag, a non-minimal or indefinite length, an INTEGER out of range)
 * is WSM_SEC_E_INVALID_TOKEN with a sentence naming the field.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_TSREQUEST_H
#define WSMAUTO_TSREQUEST_H

#include <stddef.h>
#include <stdint.h>

/* The version this client speaks ([MS-CSSP] 2.2.1: 6 adds clientNonce to the error path, 5 the nonce). */
#define WSM_TSREQUEST_VERSION 6
/* clientNonce is 32 bytes ([MS-CSSP] 2.2.1). */
#define WSM_TSREQUEST_NONCE_LEN 32

/* One TSRequest. Byte fields are NULL/0 when absent; after wsm_tsrequest_decode they point into the
 * decoded buffer. Only the first negoToken is carried (CredSSP never sends more than one). */
struct wsm_tsrequest {
    uint32_t version;
    const unsigned char *nego_token;
    size_t nego_token_len;
    const unsigned char *auth_info;
    size_t auth_info_len;
    const unsigned char *pub_key_auth;
    size_t pub_key_auth_len;
    int has_error_code;
    uint32_t error_code; /* an NTSTATUS or HRESULT, as the 32-bit pattern */
    const unsigned char *client_nonce;
    size_t client_nonce_len;
};

/* DER of r; *out malloc'd. A present field with length 0 is still written (an empty OCTET STRING). */
int32_t wsm_tsrequest_encode(const struct wsm_tsrequest *r, unsigned char **out, size_t *out_len,
                             char **detail);

/* Parses in (exactly one TSRequest, nothing after it) into *r, whose pointers point into in.
 * A version of 0, a negative one or one above 2^31-1, and a clientNonce that is not 32 bytes, are refused
 * too (which versions a client accepts is its own business: credssp.c takes 2 to 6). */
int32_t wsm_tsrequest_decode(const void *in, size_t in_len, struct wsm_tsrequest *r, char **detail);

/* TSCredentials{credType 1, credentials = TSPasswordCreds{domainName, userName, password}} with the three
 * strings (UTF-8, NULL = "") as UTF-16LE ([MS-CSSP] 2.2.1.2, 2.2.1.2.1). *out malloc'd; it holds the
 * password, so the caller wipes it (wsm_wipe) before freeing. Every scratch buffer is wiped here.
 * Invalid UTF-8 → WSM_E_INVALIDARG. */
int32_t wsm_tscredentials_encode_password(const char *domain, const char *user, const char *password,
                                          unsigned char **out, size_t *out_len, char **detail);

/* The reverse (for tests and the test tools): the three strings as malloc'd UTF-8. A credType other than 1
 * or bad UTF-16 is WSM_SEC_E_INVALID_TOKEN. The caller wipes *password. */
int32_t wsm_tscredentials_decode_password(const void *in, size_t in_len, char **domain, char **user,
                                          char **password, char **detail);

/* How MS-CSSP wants a user name split into domainName and userName: "DOMAIN\user" → ("DOMAIN", "user");
 * "user@REALM" and "user" → ("", the whole name) -- a UPN goes whole in userName ([MS-CSSP] 2.2.1.2.1:
 * domainName may be empty when userName is a UPN). Both malloc'd; WSM_E_INVALIDARG for "\user" or
 * "DOMAIN\" or an empty name. */
int32_t wsm_tscredentials_split_user(const char *name, char **domain, char **user, char **detail);

#endif
