/*
 * The COM-free client session: what one Session object does on the wire.
 * It ties the pieces together — client configuration and policy
 * (clientcfg.c), request envelopes (envelope.c), the HTTP transport
 * (transport.c) and reply parsing (reply.c) — and turns every outcome
 * into either a result string or a wsm_failure carrying the HRESULT,
 * a readable sentence and, for server faults, the fault XML.
 *
 * Nothing here is thread-safe by itself: the caller runs one operation
 * of a client at a time (one request in flight per connection).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_CLIENT_H
#define WSMAUTO_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"
#include "enumstate.h"
#include "session_cfg.h"

struct wsm_client;

/* Why an operation failed. text is a readable sentence (never a
 * password); fault_xml is the server's fault element when the failure
 * came from a SOAP fault, else NULL (the caller builds its own). */
struct wsm_failure {
    int32_t hr;
    char *text;
    char *fault_xml;
};
void wsm_failure_clear(struct wsm_failure *f);

/* Records the session parameters; no I/O. creds may be NULL. The
 * endpoint and credentials are copied. */
int32_t wsm_client_new(const struct wsm_endpoint *ep, uint32_t flags, const struct wsm_session_options *creds,
                       struct wsm_client **out);
void wsm_client_free(struct wsm_client *c);

/* Every operation: timeout_ms is Session.Timeout (OperationTimeout; the
 * HTTP timeout adds the client's NetworkDelayms). Results are malloc'd
 * UTF-8. On failure the result is NULL and *f is filled. */
int32_t wsm_client_identify(struct wsm_client *c, uint32_t flags, uint32_t timeout_ms, char **result,
                            struct wsm_failure *f);
int32_t wsm_client_get(struct wsm_client *c, const struct wsm_locator *target, uint32_t timeout_ms,
                       char **result, struct wsm_failure *f);
int32_t wsm_client_put(struct wsm_client *c, const struct wsm_locator *target, const char *xml,
                       uint32_t timeout_ms, char **result, struct wsm_failure *f);
int32_t wsm_client_create(struct wsm_client *c, const struct wsm_locator *target, const char *xml,
                          uint32_t timeout_ms, char **epr, struct wsm_failure *f);
int32_t wsm_client_delete(struct wsm_client *c, const struct wsm_locator *target, uint32_t timeout_ms,
                          struct wsm_failure *f);
int32_t wsm_client_invoke(struct wsm_client *c, const char *action, const struct wsm_locator *target,
                          const char *xml, uint32_t timeout_ms, char **result, struct wsm_failure *f);
/* Starts an enumeration: st gets the context, the first batch (when the
 * server optimises) and a copy of target for the Pulls. */
int32_t wsm_client_enumerate(struct wsm_client *c, const struct wsm_locator *target, const char *filter,
                             const char *dialect, uint32_t flags, uint32_t timeout_ms, uint32_t batch_items,
                             struct wsm_enum_state *st, struct wsm_failure *f);
/* The next batch. On failure st is unchanged, so the call can be retried. */
int32_t wsm_client_pull(struct wsm_client *c, uint32_t timeout_ms, uint32_t batch_items,
                        struct wsm_enum_state *st, struct wsm_failure *f);
/* Best effort: tells the server to drop an unfinished enumeration. The
 * context is forgotten either way. */
void wsm_client_release(struct wsm_client *c, uint32_t timeout_ms, struct wsm_enum_state *st);

/* TCP connections opened so far (0 before the first operation). */
unsigned long wsm_client_connections(const struct wsm_client *c);

#endif
