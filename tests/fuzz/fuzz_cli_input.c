/*
 * libFuzzer target: wsmanctl's @{...} input (src/cli/input.c): winrm's hash syntax (cli_parse_hash), the
 * -options:{...} form (cli_parse_options), the XML body built from it (cli_build_body: the instance
 * representation of DSP0230 section 7, xsi:nil per XML Schema part 1 section 2.6.2) and `set`'s edit of a
 * Get reply (cli_apply_props).
 *
 * Input: byte 0 picks the mode, the rest is "TEXT" or "TEXT\0XML".
 *   bit 0  parse TEXT as -options:{...} instead of @{...}
 *   bit 1  apply the hash to XML (the second part) rather than to the body it builds
 * Invariants: success gives a list whose names are non-empty (XML NCNames for a hash); failure gives NULL
 * and a one-line message; a built body is well-formed XML; applying a hash to the body built from it
 * succeeds (every property names an element that is there).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "cli.h"
#include "input.h"
#include "xmlsafe.h"

#include "fuzz_common.h"

static void check_props(const struct cli_props *p, int depth)
{
    FUZZ_REQUIRE(depth < 10000, "absurd nesting");
    FUZZ_REQUIRE(p->count == 0 || p->items, "count without items");
    for (size_t i = 0; i < p->count; i++) {
        FUZZ_REQUIRE(p->items[i].name && *p->items[i].name, "empty name");
        FUZZ_REQUIRE(!(p->items[i].children && p->items[i].value), "a nested hash with a value");
        if (p->items[i].children)
            check_props(p->items[i].children, depth + 1);
    }
}

static void check_fail(int rc, const void *out, char *err, const char *what)
{
    FUZZ_REQUIRE(rc == -1, "%s: return %d", what, rc);
    FUZZ_REQUIRE(out == NULL, "%s: output on failure", what);
    FUZZ_REQUIRE(err && *err, "%s: failure without a message", what);
    FUZZ_REQUIRE(!strchr(err, '\n') && !strchr(err, '\r'), "%s: message is not one line: %s", what, err);
}

static void check_xml(const char *xml, const char *what)
{
    xmlDocPtr doc;

    FUZZ_REQUIRE(xml && *xml, "%s: success without XML", what);
    doc = wsm_xml_parse(xml, strlen(xml), "UTF-8", 0, 0, SIZE_MAX, NULL);
    FUZZ_REQUIRE(doc != NULL, "%s: not well-formed: %s", what, xml);
    xmlFreeDoc(doc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cli_props *p = NULL;
    char *text, *other = NULL, *err = NULL, *xml = NULL, *out = NULL, *cls;
    const uint8_t *nul;
    unsigned mode;
    int rc;

    if (size < 1)
        return 0;
    mode = data[0];
    data++;
    size--;
    nul = memchr(data, 0, size);
    text = fuzz_strdup(data, nul ? (size_t)(nul - data) : size);
    if (nul)
        other = fuzz_strdup(nul + 1, size - (size_t)(nul - data) - 1);

    rc = (mode & 1) ? cli_parse_options(text, &p, &err) : cli_parse_hash(text, &p, &err);
    if (rc != 0) {
        check_fail(rc, p, err, "parse");
        goto done;
    }
    FUZZ_REQUIRE(p && err == NULL, "parse: success without a list, or with a message");
    check_props(p, 0);
    if (mode & 1)
        goto done; /* option names need not be XML names: no body */

    rc = cli_build_body(p, "Fuzz_Class",
                        "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Fuzz_Class", &xml, &err);
    if (rc != 0) {
        check_fail(rc, xml, err, "build_body");
        goto done;
    }
    check_xml(xml, "build_body");

    if ((mode & 2) && other) {
        rc = cli_apply_props(other, p, &out, &err);
        if (rc == 0)
            check_xml(out, "apply_props");
        else
            check_fail(rc, out, err, "apply_props");
    } else {
        rc = cli_apply_props(xml, p, &out, &err);
        FUZZ_REQUIRE(rc == 0, "apply_props to the body built from the same hash failed: %s\nbody: %s",
                     err ? err : "", xml);
        check_xml(out, "apply_props");
    }

done:
    cls = cli_class_name(other ? other : text);
    FUZZ_REQUIRE(!cls || (*cls && !strchr(cls, '/') && !strchr(cls, '?')), "class_name: %s", cls);
    free(cls);
    cli_props_free(p);
    free(text);
    free(other);
    free(err);
    free(xml);
    free(out);
    return 0;
}
