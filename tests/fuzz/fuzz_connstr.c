/*
 * libFuzzer target: CreateSession connection strings, `[transport://]host[:port][/prefix]`
 * (wsm_parse_connection, src/core/core.h; MS-WSMV 3.1.4 and the URL forms of RFC 3986 section 3, with IPv6
 * literals in brackets per RFC 3986 section 3.2.2), and the client configuration's host checks on the host
 * found (wsm_host_is_loopback, wsm_client_config_trusts).
 *
 * Input: byte 0 bit 0 is WSManFlagUseSsl; the rest is the connection string (up to a NUL).
 * Invariants: a success gives a host, a port 1..65535 and a prefix, all UTF-8, and its URL
 * (wsm_endpoint_url) parses back to the same endpoint; a failure gives one of the four documented codes
 * and a detail.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clientcfg.h"
#include "core.h"

#include "fuzz_common.h"

/* Strings come from the COM edge as UTF-8 converted from BSTRs: UTF-8 in must give UTF-8 out. */
static void check_endpoint(const struct wsm_endpoint *ep, const char *conn)
{
    int utf8 = fuzz_utf8_valid(conn);

    if (!*conn) {
        FUZZ_REQUIRE(ep->local && !ep->host && !ep->prefix, "empty string: not a local session");
        return;
    }
    FUZZ_REQUIRE(!ep->local, "\"%s\": local", conn);
    FUZZ_REQUIRE(ep->host && *ep->host && (!utf8 || fuzz_utf8_valid(ep->host)), "\"%s\": bad host", conn);
    FUZZ_REQUIRE(ep->prefix && (!utf8 || fuzz_utf8_valid(ep->prefix)), "\"%s\": bad prefix", conn);
    FUZZ_REQUIRE(ep->port >= 1 && ep->port <= 65535, "\"%s\": port %u", conn, ep->port);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wsm_endpoint ep, again;
    struct wsm_client_config cfg;
    char *conn, *detail = NULL, *detail2 = NULL, *url;
    int use_ssl;
    int32_t hr;

    if (size < 1)
        return 0;
    use_ssl = data[0] & 1;
    conn = fuzz_strdup(data + 1, size - 1);
    hr = wsm_parse_connection(conn, use_ssl, &ep, &detail);
    if (hr != WSM_S_OK) {
        FUZZ_REQUIRE(hr == ERROR_WSMAN_CONNECTIONSTR_INVALID || hr == ERROR_WSMAN_TRANSPORT_NOT_SUPPORTED ||
                         hr == ERROR_WSMAN_PORT_INVALID || hr == ERROR_WSMAN_INVALID_USESSL_PARAM ||
                         hr == WSM_E_OUTOFMEMORY,
                     "\"%s\": undocumented error 0x%08x", conn, (unsigned)hr);
        FUZZ_REQUIRE(hr == WSM_E_OUTOFMEMORY || (detail && *detail && fuzz_utf8_valid(detail)),
                     "\"%s\": error 0x%08x without a UTF-8 detail", conn, (unsigned)hr);
        FUZZ_REQUIRE(!ep.host && !ep.prefix, "\"%s\": outputs left on failure", conn);
        free(detail);
        free(conn);
        return 0;
    }
    FUZZ_REQUIRE(detail == NULL, "\"%s\": a detail on success", conn);
    check_endpoint(&ep, conn);
    if (!ep.local) {
        FUZZ_REQUIRE(!use_ssl || ep.https, "\"%s\": UseSsl but not HTTPS", conn);
        url = wsm_endpoint_url(&ep);
        FUZZ_REQUIRE(url != NULL, "\"%s\": no URL", conn);
        hr = wsm_parse_connection(url, 0, &again, &detail2);
        FUZZ_REQUIRE(hr == WSM_S_OK, "\"%s\": its URL \"%s\" does not parse: %s", conn, url,
                     detail2 ? detail2 : "");
        FUZZ_REQUIRE(again.https == ep.https && again.port == ep.port && again.ipv6 == ep.ipv6 &&
                         !strcmp(again.host, ep.host) && !strcmp(again.prefix, ep.prefix),
                     "\"%s\": its URL \"%s\" parses to another endpoint", conn, url);
        wsm_endpoint_free(&again);
        free(url);

        (void)wsm_host_is_loopback(ep.host);
        wsm_client_config_defaults(&cfg);
        if (wsm_client_config_apply_text(&cfg, "[Client]\nTrustedHosts = *.lab.example, 10.*, fe80::1, *\n",
                                         "fuzz", NULL) == WSM_S_OK)
            FUZZ_REQUIRE(wsm_client_config_trusts(&cfg, ep.host), "\"%s\": '*' does not trust it", conn);
        wsm_client_config_free(&cfg);
        (void)wsm_client_config_trusts(NULL, ep.host);
    }
    wsm_endpoint_free(&ep);
    FUZZ_REQUIRE(!ep.host && !ep.prefix, "endpoint_free left pointers");
    free(conn);
    return 0;
}
