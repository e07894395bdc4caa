/*
 * Base64 with padding (RFC 4648 section 4), as HTTP authentication headers (RFC 7235) and the WinRS
 * rsp:Stream elements (MS-WSMV 2.2.4.36) carry it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_BASE64_H
#define WSMAUTO_BASE64_H

#include <stddef.h>

/* malloc'd, NUL-terminated text; NULL when out of memory or len is too large. */
char *wsm_base64_encode(const void *data, size_t len);
/* Strict: only the alphabet, '=' only at the end, length a multiple of 4. malloc'd bytes (*out_len of
 * them); NULL if malformed, empty or out of memory. */
unsigned char *wsm_base64_decode(const char *text, size_t len, size_t *out_len);
/* Room enough for what text[0..len) decodes to, in either form below. */
#define WSM_BASE64_DECODED_MAX(len) ((len) / 4 * 3 + 2)
/* Decodes text[0..len) into out (room for WSM_BASE64_DECODED_MAX(len) bytes), with no allocation. Returns
 * the byte count (empty text: 0), or -1 when text is not base64. flags 0: the strict rules of
 * wsm_base64_decode. WSM_BASE64_LENIENT, for text a peer wrapped: white space is skipped, the padding may
 * be left out, and the filler bits of the last character must be zero. */
#define WSM_BASE64_LENIENT 0x1u
long wsm_base64_decode_into(const char *text, size_t len, unsigned char *out, unsigned flags);

#endif
