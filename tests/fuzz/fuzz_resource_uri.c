/*
 * libFuzzer target: resource URIs (DSP0226 section 5.1: the ResourceURI; the `?k=v+k2=v2` selector form of
 * MS-WSMV 2.2.4.30 as WinRM's URIs write it) with their short aliases (wsm_expand_alias,
 * wsm_parse_resource_uri in src/core/core.h), and the ResourceLocator's setter built on them
 * (wsm_locator_set_uri_text).
 *
 * Input: the URI text (up to a NUL). Invariants: the alias expansion never fails and leaves text without an
 * alias unchanged in length or longer; a successful parse gives a UTF-8 URI with no '?' and selectors with
 * non-empty names; a failure gives a documented code and a detail; locator and parse agree.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "session_cfg.h"

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wsm_resource_uri r;
    struct wsm_locator *loc = calloc(1, sizeof *loc);
    char *text = fuzz_strdup(data, size), *expanded, *detail = NULL, *detail2 = NULL;
    int32_t hr, hr2;

    expanded = wsm_expand_alias(text);
    FUZZ_REQUIRE(expanded != NULL, "expand_alias: NULL");
    FUZZ_REQUIRE(strlen(expanded) >= strlen(text), "expand_alias shortened \"%s\" to \"%s\"", text, expanded);
    free(expanded);

    memset(&r, 0xA5, sizeof r);
    hr = wsm_parse_resource_uri(text, &r, &detail);
    if (hr == WSM_S_OK) {
        FUZZ_REQUIRE(detail == NULL, "a detail on success");
        FUZZ_REQUIRE(r.uri && *r.uri && (!fuzz_utf8_valid(text) || fuzz_utf8_valid(r.uri)), "\"%s\": bad URI",
                     text);
        FUZZ_REQUIRE(!strchr(r.uri, '?'), "\"%s\": URI \"%s\" keeps a query", text, r.uri);
        FUZZ_REQUIRE(r.n_selectors == 0 || r.selectors, "selectors missing");
        for (size_t i = 0; i < r.n_selectors; i++) {
            FUZZ_REQUIRE(r.selectors[i].name && *r.selectors[i].name, "\"%s\": empty selector name", text);
            FUZZ_REQUIRE(r.selectors[i].value != NULL, "\"%s\": NULL selector value", text);
        }
    } else {
        FUZZ_REQUIRE(hr == ERROR_WSMAN_CLIENT_BLANK_URI || hr == ERROR_WSMAN_URI_QUERY_STRING_SYNTAX_ERROR ||
                         hr == ERROR_WSMAN_CLIENT_INVALID_RESOURCE_LOCATOR || hr == WSM_E_OUTOFMEMORY,
                     "\"%s\": undocumented error 0x%08x", text, (unsigned)hr);
        FUZZ_REQUIRE(hr == WSM_E_OUTOFMEMORY || (detail && *detail), "\"%s\": error without a detail", text);
        FUZZ_REQUIRE(r.uri == NULL && r.selectors == NULL && r.n_selectors == 0,
                     "\"%s\": outputs not zeroed on failure", text);
    }

    FUZZ_REQUIRE(loc != NULL, "out of memory");
    hr2 = wsm_locator_set_uri_text(loc, text, &detail2);
    if (hr2 == WSM_S_OK && hr == WSM_S_OK) {
        FUZZ_REQUIRE(loc->uri && !strcmp(loc->uri, r.uri) && loc->n_selectors == r.n_selectors,
                     "\"%s\": locator and parser disagree", text);
    }
    wsm_locator_free(loc);
    if (hr == WSM_S_OK)
        wsm_resource_uri_free(&r);
    free(detail);
    free(detail2);
    free(text);
    return 0;
}
