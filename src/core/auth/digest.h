/*
 * HTTP Digest access authentication (RFC 7616, and RFC 2617's MD5 and
 * qop-less forms) for the transports that do not have it from their HTTP
 * library: the WinHTTP one (libcurl does Digest itself on Linux). One
 * object holds the server's last challenge and answers it pre-emptively on
 * each request (nc+1) until the server sends a new one.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_DIGEST_H
#define WSMAUTO_DIGEST_H

#include <stddef.h>

struct wsm_digest;

/* NULL when out of memory. */
struct wsm_digest *wsm_digest_new(void);
/* Wipes the session key. NULL is fine. */
void wsm_digest_free(struct wsm_digest *d);
/* Forgets the challenge (after the server refused an answer to it): no header until the next one. */
void wsm_digest_forget(struct wsm_digest *d);
/* 1 when a challenge is held, so that the next request can carry an answer. */
int wsm_digest_ready(const struct wsm_digest *d);

/* Takes the best Digest challenge of a 401's WWW-Authenticate values (SHA-256 before MD5; one that asks for
 * qop=auth-int only, an unknown algorithm, or lacks realm or nonce is not answerable) and computes the
 * session key for user and password. cnonce: the client nonce (32 hex digits) or NULL for a random one (tests
 * give one). Returns 1 when one was taken, 0 when there is none we can answer (the old one is kept), -1 when
 * out of memory or the hash failed; *stale: the taken challenge said stale=true. */
int wsm_digest_take(struct wsm_digest *d, char *const *www, const char *user, const char *password,
                    const char *cnonce, int *stale);

/* The Authorization value answering the held challenge for one request (method and request target, e.g.
 * "POST", "/wsman"), with the next nonce count; malloc'd, NULL when out of memory. */
char *wsm_digest_authorization(struct wsm_digest *d, const char *user, const char *method, const char *uri);

#endif
