/*
 * libFuzzer target: the reply parser (src/core/protocol/reply.h), i.e. everything a WS-Management server's
 * bytes reach: the SOAP 1.2 envelope (SOAP 1.2 part 1 section 5), faults (section 5.4, DSP0226 section 14,
 * MS-WSMV 2.2.4.43 WSManFault), a:RelatesTo (WS-Addressing), Get/Put/Invoke bodies, Identify
 * (DSP0226 section 11), Create's ResourceCreated EPR (DSP0226 section 7.4), Enumerate/Pull replies
 * (DSP0226 section 8) and the cmd shell replies (MS-WSMV 3.1.4.11 to 3.1.4.14: Create of a shell, Command,
 * Receive through the same body/created paths), plus the CLI's rendering of reply bodies and faults.
 *
 * Input: byte 0 picks the mode, the rest is the reply.
 *   bits 0-2  the HTTP charset parameter given with the reply (none, "", utf-8, UTF-16, ...)
 *   bit 3     a PullResponse is expected rather than an EnumerateResponse
 *   bits 4-5  0, 1: the whole reply chain; 2: wsm_parse_epr on the text; 3: cli_format_render (three
 *             formats), cli_fault_message, cli_fault_code
 *   bit 6     MaxEnvelopeSize of 4096 bytes instead of none
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "core.h"
#include "enumstate.h"
#include "format.h"
#include "reply.h"
#include "session_cfg.h"
#include "textlayout.h"
#include "xmlsafe.h"

#include "fuzz_common.h"

static const char *const charsets[8] = {NULL,       "",         "utf-8",     "UTF-16",
                                        "utf-16le", "UTF-16BE", "\"utf-8\"", "iso-8859-1"};

/* A successful string output is valid UTF-8 and, when not empty, a well-formed standalone XML document whose
 * every prefix is declared (reply.h: "standalone ... every namespace it uses declared on it"). */
static void check_standalone_xml(const char *what, const char *xml, int may_be_empty)
{
    xmlDocPtr doc;

    FUZZ_REQUIRE(xml != NULL, "%s: success without output", what);
    FUZZ_REQUIRE(fuzz_utf8_valid(xml), "%s: output is not UTF-8", what);
    if (!*xml) {
        FUZZ_REQUIRE(may_be_empty, "%s: empty output", what);
        return;
    }
    doc = wsm_xml_parse(xml, strlen(xml), "UTF-8", 0, 0, SIZE_MAX, NULL);
    FUZZ_REQUIRE(doc != NULL, "%s: output is not well-formed namespace-correct XML: %s", what, xml);
    xmlFreeDoc(doc);
}

static void check_error(const char *what, int32_t hr, char *detail)
{
    FUZZ_REQUIRE(hr < 0, "%s: positive return 0x%08x", what, (unsigned)hr);
    if (hr != WSM_E_OUTOFMEMORY)
        FUZZ_REQUIRE(detail != NULL && *detail, "%s: error 0x%08x without a detail", what, (unsigned)hr);
    if (detail)
        FUZZ_REQUIRE(fuzz_utf8_valid(detail), "%s: detail is not UTF-8", what);
}

static void check_locator(const struct wsm_locator *l)
{
    FUZZ_REQUIRE(l != NULL, "parse_epr: success without a locator");
    FUZZ_REQUIRE(l->uri && *l->uri && fuzz_utf8_valid(l->uri), "parse_epr: bad resource URI");
    for (size_t i = 0; i < l->n_selectors; i++) {
        FUZZ_REQUIRE(l->selectors[i].name && fuzz_utf8_valid(l->selectors[i].name), "selector name");
        FUZZ_REQUIRE(l->selectors[i].value && fuzz_utf8_valid(l->selectors[i].value), "selector value");
    }
}

static void run_epr(const char *text)
{
    struct wsm_locator *l = NULL;
    char *detail = NULL;
    int32_t hr = wsm_parse_epr(text, &l, &detail);

    (void)wsm_looks_like_xml(text);
    if (hr == WSM_S_OK) {
        check_locator(l);
        wsm_locator_free(l);
    } else {
        FUZZ_REQUIRE(l == NULL, "parse_epr: a locator with an error");
        check_error("parse_epr", hr, detail);
    }
    free(detail);
}

/* xml[len] is a NUL (xml may hold NULs before it: the renderer takes a length, the fault helpers a string).
 */
static void run_format(const char *xml, size_t len)
{
    static const enum cli_format fmts[3] = {CLI_FORMAT_TEXT, CLI_FORMAT_XML, CLI_FORMAT_PRETTY};
    char *msg;

    for (int i = 0; i < 3; i++) {
        char *err = NULL, *out = cli_format_render(xml, len, fmts[i], &err);
        if (out) {
            FUZZ_REQUIRE(err == NULL, "format: output and an error");
            if (strlen(xml) == len) { /* "always ending with a newline" (format.h) */
                FUZZ_REQUIRE(*out, "format: empty rendering");
                FUZZ_REQUIRE(out[strlen(out) - 1] == '\n', "format: no final newline");
            }
        } else {
            FUZZ_REQUIRE(err != NULL && *err, "format: failure without a reason");
            FUZZ_REQUIRE(!strchr(err, '\n'), "format: reason is not one line: %s", err);
        }
        free(out);
        free(err);
    }
    msg = cli_fault_message(xml);
    if (msg) {
        FUZZ_REQUIRE(*msg, "fault_message: empty message");
        FUZZ_REQUIRE(!strchr(msg, '\n') && !strchr(msg, '\r'), "fault_message: not one line: %s", msg);
    }
    free(msg);
    (void)cli_fault_code(xml);
}

/* What wsmanctl did with an enumerated XML item in the text format: parse it again and lay it out. */
static char *relayout(const char *xml)
{
    struct wsm_xml_failure why;
    struct wsm_buf b = {0};
    xmlDocPtr doc = wsm_xml_parse(xml, strlen(xml), "UTF-8", XML_PARSE_IGNORE_ENC, 0, (size_t)1 << 26, &why);

    FUZZ_REQUIRE(doc || why.out_of_memory, "an enumeration item does not parse again: %s", xml);
    if (!doc)
        return NULL;
    wsm_text_layout(&b, xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    return wsm_buf_take(&b, NULL);
}

static void free_items(char **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

/* The reply as an Enumerate (pull 0) or Pull reply, its items as XML or (text) laid out; the items are
 * handed back in *items (*n of them, NULL when it failed). */
static void run_enumeration(const struct wsm_reply *r, int pull, char ***items, size_t *n, int text)
{
    struct wsm_enum_state st;
    char *detail = NULL, *item;
    int32_t hr;

    *items = NULL;
    *n = 0;
    wsm_enum_init(&st);
    st.text_items = text;
    st.context = strdup("uuid:previous-context");
    hr = wsm_reply_enumeration(r, pull, &st, &detail);
    if (hr == WSM_S_OK) {
        FUZZ_REQUIRE(!st.end_of_sequence || st.context == NULL, "enumeration: context kept after EOS");
        FUZZ_REQUIRE(st.context == NULL || (*st.context && fuzz_utf8_valid(st.context)),
                     "enumeration: empty or non-UTF-8 context");
        *items = calloc(st.count + 1, sizeof(**items));
        while ((item = wsm_enum_pop(&st))) {
            if (text)
                FUZZ_REQUIRE(*item && item[strlen(item) - 1] == '\n' && fuzz_utf8_valid(item),
                             "a text item is empty, does not end a line or is not UTF-8: %s", item);
            else
                check_standalone_xml("enumeration item", item, 0);
            if (*items)
                (*items)[(*n)++] = item;
            else
                free(item);
        }
    } else {
        check_error("enumeration", hr, detail);
        FUZZ_REQUIRE(st.count == 0 && st.context && !strcmp(st.context, "uuid:previous-context") &&
                         !st.end_of_sequence,
                     "enumeration: state changed by a failure");
    }
    wsm_enum_clear(&st);
    free(detail);
}

static void run_reply(const char *data, size_t len, const char *charset, int pull, size_t max_size)
{
    struct wsm_reply *r = NULL;
    struct wsm_fault f;
    char *detail = NULL, *xml = NULL, **xml_items = NULL, **text_items = NULL;
    size_t n_xml = 0, n_text = 0;
    const char *action;
    int32_t hr = wsm_reply_parse(data, len, charset, max_size, &r, &detail);
    int fault;

    if (hr != WSM_S_OK) {
        FUZZ_REQUIRE(r == NULL, "reply_parse: a reply with an error");
        check_error("reply_parse", hr, detail);
        free(detail);
        return;
    }
    FUZZ_REQUIRE(r != NULL, "reply_parse: success without a reply");
    FUZZ_REQUIRE(max_size == 0 || len <= max_size, "reply_parse: accepted %zu > %zu bytes", len, max_size);
    free(detail);
    detail = NULL;

    action = wsm_reply_action(r);
    FUZZ_REQUIRE(action == NULL || fuzz_utf8_valid(action), "action is not UTF-8");

    fault = wsm_reply_get_fault(r, "fallback.example", &f);
    FUZZ_REQUIRE(fault == 0 || fault == 1 || fault == WSM_E_OUTOFMEMORY, "get_fault returned %d", fault);
    if (fault == 1) {
        FUZZ_REQUIRE(f.hr < 0, "fault hr 0x%08x is not a failure", (unsigned)f.hr);
        FUZZ_REQUIRE(f.text && *f.text && fuzz_utf8_valid(f.text), "fault text missing, empty or not UTF-8");
        FUZZ_REQUIRE(f.machine && fuzz_utf8_valid(f.machine), "fault machine missing or not UTF-8");
        check_standalone_xml("fault xml", f.xml, 0);
        /* What wsmanctl does with Session.Error. */
        run_format(f.xml, strlen(f.xml));
    } else if (fault == 0) {
        FUZZ_REQUIRE(!f.xml && !f.text && !f.machine && !f.hr, "no fault but fields set");
    }
    wsm_fault_clear(&f);

    hr = wsm_reply_check_relates_to(r, "uuid:5E6FD101-710A-4EEA-A50D-70C0BF863AA3", &detail);
    if (hr != WSM_S_OK)
        check_error("check_relates_to", hr, detail);
    free(detail);
    detail = NULL;

    hr = wsm_reply_body(r, &xml, &detail);
    if (hr == WSM_S_OK) {
        check_standalone_xml("body", xml, 1);
        run_format(xml, strlen(xml));
    } else {
        FUZZ_REQUIRE(xml == NULL, "body: output with an error");
        check_error("body", hr, detail);
    }
    free(xml);
    free(detail);
    xml = detail = NULL;

    hr = wsm_reply_identify(r, &xml, &detail);
    if (hr == WSM_S_OK)
        check_standalone_xml("identify", xml, 0);
    else
        check_error("identify", hr, detail);
    free(xml);
    free(detail);
    xml = detail = NULL;

    hr = wsm_reply_created(r, &xml, &detail);
    if (hr == WSM_S_OK) {
        check_standalone_xml("created", xml, 0);
        run_epr(xml); /* Session.Create's result goes back in as a ResourceLocator */
    } else {
        check_error("created", hr, detail);
    }
    free(xml);
    free(detail);
    xml = detail = NULL;

    run_enumeration(r, pull, &xml_items, &n_xml, 0);
    run_enumeration(r, pull, &text_items, &n_text, 1);
    /* The text items (WSManAutoFlagEnumerationText) are the XML items parsed again and laid out: what
     * wsmanctl printed before the library laid them out itself. */
    FUZZ_REQUIRE(n_xml == n_text, "enumeration: %zu XML items but %zu text items", n_xml, n_text);
    for (size_t i = 0; i < n_xml && i < n_text; i++) {
        char *want = relayout(xml_items[i]);
        FUZZ_REQUIRE(want && !strcmp(want, text_items[i]),
                     "text item %zu: %s\nis not the XML item laid out: %s", i, text_items[i],
                     want ? want : "(out of memory)");
        free(want);
    }
    free_items(xml_items, n_xml);
    free_items(text_items, n_text);

    wsm_reply_free(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned mode;
    char *text;

    if (size < 1)
        return 0;
    mode = data[0];
    data++;
    size--;
    switch ((mode >> 4) & 3) {
    case 2:
        text = fuzz_strdup(data, size);
        run_epr(text);
        free(text);
        break;
    case 3:
        text = fuzz_strdup(data, size);
        run_format(text, size);
        free(text);
        break;
    default:
        run_reply((const char *)data, size, charsets[mode & 7], (mode >> 3) & 1, (mode & 0x40) ? 4096 : 0);
        break;
    }
    return 0;
}
