/*
 * The transport tests' way to say where a transport goes: a connection string ("http://127.0.0.1:5985/wsman")
 * parsed by wsm_parse_connection into the endpoint struct wsm_transport_config carries. The endpoints live in
 * a small ring of slots (each freed when its slot is reused), so a test keeps using one for as long as it
 * uses a few others at a time.
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_TEST_ENDPOINT_H
#define WSMAUTO_TEST_ENDPOINT_H

#include <stdio.h>
#include <stdlib.h>

#include "core.h"

#define TEST_ENDPOINT_SLOTS 16

/* The endpoint of `url`; NULL for NULL, or when it does not parse (the reason is printed). */
static inline const struct wsm_endpoint *test_endpoint(const char *url)
{
    static struct wsm_endpoint slots[TEST_ENDPOINT_SLOTS];
    static unsigned next;
    struct wsm_endpoint *ep = &slots[next++ % TEST_ENDPOINT_SLOTS];
    char *detail = NULL;

    wsm_endpoint_free(ep);
    if (!url)
        return NULL;
    if (wsm_parse_connection(url, 0, ep, &detail)) {
        printf("# the connection string %s does not parse: %s\n", url, detail ? detail : "");
        free(detail);
        return NULL;
    }
    return ep;
}

/* A remote endpoint made field by field (for what wsm_parse_connection refuses); host and prefix are not
 * copied. */
static inline struct wsm_endpoint test_endpoint_of(int https, const char *host, unsigned port,
                                                   const char *prefix)
{
    struct wsm_endpoint ep = {0};
    ep.https = https;
    ep.host = (char *)host;
    ep.port = port;
    ep.prefix = (char *)prefix;
    return ep;
}

#endif
