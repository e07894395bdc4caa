/*
 * Request envelopes against hand-written golden files: each request is
 * built, parsed back, its a:MessageID masked, and compared with the golden
 * file in inclusive C14N 1.0 (which keeps namespace declarations where they
 * are in scope, so a declaration on the wrong element is caught). Golden
 * files are indented for reading; whitespace-only text is dropped from the
 * golden tree only, so the envelope itself must be compact.
 *
 * Usage: test_envelope <golden directory>
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <iconv.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/c14n.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "envelope.h"
#include "names.h"
#include "session_cfg.h"
#include "test.h"

#define TO "http://server.example.com:5985/wsman"
#define SESSION "uuid:5C3A1F1E-7B2D-4E8A-9C4B-1D2E3F405162"
#define CONTEXT "uuid:0D1E2F30-4152-4637-8899-AABBCCDDEEFF"
#define FIXED_ID "uuid:11111111-2222-4333-8444-555555555555"

static const char *golden_dir;

/* ---- helpers ---- */

static struct wsm_locator *locator(const char *uri_text)
{
    struct wsm_locator *l = calloc(1, sizeof *l);
    char *detail = NULL;

    if (!l) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    ok_hr(WSM_S_OK, wsm_locator_set_uri_text(l, uri_text, &detail));
    free(detail);
    return l;
}

static void fragment(struct wsm_locator *l, const char *path, const char *dialect)
{
    l->fragment_path = wsm_strdup(path);
    l->fragment_dialect = wsm_strdup(dialect);
}

static void option(struct wsm_locator *l, const char *name, const char *value, int must_comply,
                   const char *type)
{
    char *detail = NULL;
    ok_hr(WSM_S_OK, wsm_locator_add_option(l, name, value, must_comply, &detail));
    free(detail);
    if (type && l->n_options)
        l->options[l->n_options - 1].type = wsm_strdup(type);
}

static struct wsm_request request(enum wsm_op op, const struct wsm_locator *target)
{
    return (struct wsm_request){.op = op, .to = TO, .target = target, .max_envelope_size = 512000};
}

static int is_upper_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* "uuid:" + 8-4-4-4-12 upper-case hex, version 4, RFC 4122 variant. */
static int is_uuid(const char *s)
{
    if (!s || strlen(s) != 41 || strncmp(s, "uuid:", 5))
        return 0;
    for (int i = 0; i < 36; i++) {
        char c = s[5 + i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-')
                return 0;
        } else if (!is_upper_hex(c)) {
            return 0;
        }
    }
    return s[5 + 14] == '4' && strchr("89AB", s[5 + 19]) != NULL;
}

static void drop_blank_text(xmlNodePtr node)
{
    xmlNodePtr next;
    for (xmlNodePtr c = node->children; c; c = next) {
        next = c->next;
        if (c->type == XML_TEXT_NODE && xmlIsBlankNode(c)) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        } else if (c->type == XML_ELEMENT_NODE) {
            drop_blank_text(c);
        }
    }
}

static void mask_message_ids(xmlNodePtr node)
{
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (c->ns && !strcmp((const char *)c->ns->href, WSM_NS_ADDRESSING) &&
            !strcmp((const char *)c->name, "MessageID"))
            xmlNodeSetContent(c, BAD_CAST "uuid:MASKED");
        else
            mask_message_ids(c);
    }
}

/* Masked C14N of a document; frees doc. NULL when doc is NULL. */
static char *canonical(xmlDocPtr doc)
{
    xmlChar *c14n = NULL;
    char *copy = NULL;

    if (!doc)
        return NULL;
    mask_message_ids((xmlNodePtr)doc);
    if (xmlC14NDocDumpMemory(doc, NULL, XML_C14N_1_0, NULL, 0, &c14n) >= 0 && c14n)
        copy = wsm_strdup((const char *)c14n);
    xmlFree(c14n);
    xmlFreeDoc(doc);
    return copy;
}

static char *canonical_bytes(const char *bytes, size_t len)
{
    return canonical(xmlReadMemory(bytes, (int)len, NULL, NULL, XML_PARSE_NONET));
}

static char *canonical_golden(const char *name)
{
    char *path = wsm_asprintf("%s/%s.xml", golden_dir, name);
    xmlDocPtr doc = path ? xmlReadFile(path, NULL, XML_PARSE_NONET) : NULL;

    if (!doc)
        fprintf(stderr, "cannot read golden file %s\n", path ? path : name);
    else
        drop_blank_text(xmlDocGetRootElement(doc));
    free(path);
    return canonical(doc);
}

/* wsm_build_request writes most requests directly: its bytes must be exactly those of the libxml2 tree
 * path (wsm_build_request_tree) for the same request and MessageID. */
#define check_same_as_tree(name, req) check_same_as_tree_(__LINE__, name, req)
static void check_same_as_tree_(int line, const char *name, const struct wsm_request *req)
{
    struct wsm_request same = *req;
    char *out = NULL, *id = NULL, *detail = NULL, *tout = NULL, *tid = NULL, *tdetail = NULL;
    size_t len = 0, tlen = 0;
    int32_t hr = wsm_build_request(req, &out, &len, &id, &detail);

    if (!hr && req->op != WSM_OP_IDENTIFY)
        same.message_id = id;
    int32_t thr = wsm_build_request_tree(&same, &tout, &tlen, &tid, &tdetail);
    test_check(hr == thr, __FILE__, line, "%s: hr 0x%08" PRIx32 " as the tree path's 0x%08" PRIx32, name,
               (uint32_t)hr, (uint32_t)thr);
    test_check((!detail && !tdetail) || (detail && tdetail && !strcmp(detail, tdetail)), __FILE__, line,
               "%s: detail \"%s\" as the tree path's \"%s\"", name, detail ? detail : "(none)",
               tdetail ? tdetail : "(none)");
    test_check(len == tlen && (!len || (out && tout && !memcmp(out, tout, len))), __FILE__, line,
               "%s: the same bytes as the tree path\n got: %.*s\nwant: %.*s", name, (int)len, out ? out : "",
               (int)tlen, tout ? tout : "");
    test_check((!id && !tid) || (id && tid && !strcmp(id, tid)), __FILE__, line, "%s: the same MessageID",
               name);
    free(out);
    free(id);
    free(detail);
    free(tout);
    free(tid);
    free(tdetail);
}

/* Builds req, checks the output is compact UTF-8 without a declaration,
 * carries a well-formed MessageID, and matches the golden file. */
#define check_golden(name, req) check_golden_(__LINE__, name, req)
static void check_golden_(int line, const char *name, const struct wsm_request *req)
{
    char *out = (char *)"unset", *id = (char *)"unset", *detail = (char *)"unset";
    size_t len = 1234;
    int32_t hr = wsm_build_request(req, &out, &len, &id, &detail);

    test_check(hr == WSM_S_OK, __FILE__, line, "%s: hr 0x%08" PRIx32 " (%s)", name, (uint32_t)hr,
               detail ? detail : "no detail");
    test_check(detail == NULL, __FILE__, line, "%s: no detail on success", name);
    if (hr != WSM_S_OK) {
        free(detail);
        return;
    }
    test_check(out && strlen(out) == len, __FILE__, line, "%s: length %zu matches the text", name, len);
    test_check(strncmp(out, "<?xml", 5) != 0, __FILE__, line, "%s: no XML declaration", name);
    test_check(!strchr(out, '\n'), __FILE__, line, "%s: compact output (no newline)", name);
    if (req->op == WSM_OP_IDENTIFY) {
        test_check(id == NULL, __FILE__, line, "%s: Identify sends no MessageID", name);
    } else {
        test_check(is_uuid(id), __FILE__, line, "%s: MessageID \"%s\" is uuid:<upper-case v4 GUID>", name,
                   id ? id : "(null)");
        if (req->message_id)
            test_check(id && !strcmp(id, req->message_id), __FILE__, line, "%s: the caller's MessageID",
                       name);
        char *tag = wsm_asprintf("<a:MessageID>%s</a:MessageID>", id ? id : "");
        test_check(tag && strstr(out, tag), __FILE__, line, "%s: the MessageID returned is the one sent",
                   name);
        free(tag);
    }

    check_same_as_tree_(line, name, req);
    char *got = canonical_bytes(out, len), *want = canonical_golden(name);
    test_check(got && want && !strcmp(got, want), __FILE__, line,
               "%s: differs from the golden file\n got: %s\nwant: %s", name, got ? got : "(unparsable)",
               want ? want : "(missing)");
    free(got);
    free(want);
    free(out);
    free(id);
}

#define check_error(req, expected, needle) check_error_(__LINE__, req, expected, needle)
static void check_error_(int line, const struct wsm_request *req, int32_t expected, const char *needle)
{
    char *out = (char *)"unset", *id = (char *)"unset", *detail = NULL;
    size_t len = 1234;
    int32_t hr = wsm_build_request(req, &out, &len, &id, &detail);

    test_check(hr == expected, __FILE__, line, "expected hr 0x%08" PRIx32 ", got 0x%08" PRIx32 " (%s)",
               (uint32_t)expected, (uint32_t)hr, detail ? detail : "no detail");
    test_check(out == NULL && len == 0 && id == NULL, __FILE__, line, "outputs zeroed on failure");
    test_check(detail && *detail, __FILE__, line, "a detail sentence");
    if (detail && needle)
        test_check(strstr(detail, needle) != NULL, __FILE__, line, "detail \"%s\" mentions \"%s\"", detail,
                   needle);
    if (hr == WSM_S_OK) {
        free(out);
        free(id);
    }
    free(detail);

    check_same_as_tree_(line, "error", req);
    /* The same failure without a detail pointer must not crash. */
    hr = wsm_build_request(req, &out, &len, NULL, NULL);
    test_check(hr == expected, __FILE__, line, "same hr without a detail pointer");
    if (hr == WSM_S_OK)
        free(out);
}

/* Builds req and returns the UTF-8 text (caller frees), NULL on failure. */
static char *build(const struct wsm_request *req)
{
    char *out = NULL, *detail = NULL;
    size_t len;
    int32_t hr = wsm_build_request(req, &out, &len, NULL, &detail);
    ok(hr == WSM_S_OK, "build: hr 0x%08" PRIx32 " (%s)", (uint32_t)hr, detail ? detail : "no detail");
    free(detail);
    return out;
}

/* ---- small functions ---- */

static void test_uuid(void)
{
    char a[WSM_UUID_SIZE], b[WSM_UUID_SIZE];

    wsm_new_uuid(a);
    wsm_new_uuid(b);
    ok(WSM_UUID_SIZE == 42, "WSM_UUID_SIZE is 42");
    ok(strlen(a) == 41, "\"uuid:\" + 36 characters, got %zu", strlen(a));
    ok(is_uuid(a), "\"%s\" is an upper-case version-4 GUID", a);
    ok(is_uuid(b), "\"%s\" is an upper-case version-4 GUID", b);
    ok(strcmp(a, b) != 0, "two calls differ (%s, %s)", a, b);
}

static void test_duration(void)
{
    static const struct {
        uint32_t ms;
        const char *text;
    } cases[] = {
        {0, "PT0.000S"},    {1, "PT0.001S"},      {999, "PT0.999S"},
        {1000, "PT1.000S"}, {60000, "PT60.000S"}, {4294967295u, "PT4294967.295S"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = wsm_duration(cases[i].ms);
        ok_str(cases[i].text, s);
        free(s);
    }
}

static void test_invoke_action(void)
{
    static const struct {
        const char *uri, *action, *expected;
    } cases[] = {
        {"http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service", "StopService",
         "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service/StopService"},
        {"http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Process/", "Create",
         "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Process/Create"},
        {"http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service", "http://example.com/a/Act",
         "http://example.com/a/Act"},
        {"http://schemas.microsoft.com/wbem/wsman/1/config", "https://example.com/x",
         "https://example.com/x"},
        {"http://schemas.microsoft.com/wbem/wsman/1/config", "urn:example:action", "urn:example:action"},
        {"http://schemas.microsoft.com/wbem/wsman/1/config", "URN:Example", "URN:Example"},
        {"http://schemas.microsoft.com/wbem/wsman/1/config", "urnish",
         "http://schemas.microsoft.com/wbem/wsman/1/config/urnish"},
        {NULL, "Method", "Method"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = wsm_invoke_action(cases[i].uri, cases[i].action);
        ok_str(cases[i].expected, s);
        free(s);
    }
    ok(wsm_invoke_action("http://x/y", NULL) == NULL, "no action, no URI");
}

/* ---- golden requests ---- */

static void test_identify(void)
{
    static const char exact[] =
        "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
        "xmlns:wsmid=\"http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd\">"
        "<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>";
    struct wsm_request req = {.op = WSM_OP_IDENTIFY};

    check_golden("identify", &req);
    char *out = build(&req);
    ok_str(exact, out); /* byte for byte, as DSP0226 11 spells it */
    free(out);

    /* Anything else in the request is ignored, even garbage. */
    req.to = "";
    req.body_xml = "<not-even-closed";
    req.timeout_ms = 5;
    check_golden("identify", &req);
}

static void test_get(void)
{
    struct wsm_locator *l = locator("wmicimv2/Win32_Service?Name=winrm");
    struct wsm_request req = request(WSM_OP_GET, l);

    req.session_id = SESSION;
    req.timeout_ms = 60000;
    check_golden("get-selectors", &req);
    req.message_id = FIXED_ID;
    check_golden("get-selectors", &req);
    wsm_locator_free(l);

    l = locator("winrm/config");
    req = request(WSM_OP_GET, l);
    req.locale = "de-DE";
    req.session_id = ""; /* empty: omitted like NULL */
    check_golden("get-singleton", &req);
    wsm_locator_free(l);

    l = locator("wmicimv2/Win32_Service?Name=winrm");
    fragment(l, "Status/text()", NULL);
    req = request(WSM_OP_GET, l);
    req.timeout_ms = 60000;
    check_golden("get-fragment", &req);
    free(l->fragment_dialect);
    l->fragment_dialect = wsm_strdup(""); /* blank dialect: the XPath default too */
    check_golden("get-fragment", &req);
    wsm_locator_free(l);

    l = locator("winrm/config");
    fragment(l, "MaxEnvelopeSizekb", "http://example.com/dialects/fragment");
    req = request(WSM_OP_GET, l);
    check_golden("get-fragment-dialect", &req);
    wsm_locator_free(l);

    l = locator(
        "wmicimv2/Win32_Service?Name=Dienst-\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E+Other=+Odd=a<b&c\"d");
    req = request(WSM_OP_GET, l);
    check_golden("get-unicode", &req);
    wsm_locator_free(l);
}

static void test_put(void)
{
    struct wsm_locator *l = locator("winrm/config/client");
    struct wsm_request req = request(WSM_OP_PUT, l);

    req.session_id = SESSION;
    req.timeout_ms = 60000;
    req.body_xml =
        "<cfg:Client xmlns:cfg=\"http://schemas.microsoft.com/wbem/wsman/1/config\" xml:lang=\"en-US\">"
        "<cfg:TrustedHosts>host1,host2</cfg:TrustedHosts>"
        "<cfg:AllowUnencrypted>false</cfg:AllowUnencrypted></cfg:Client>";
    check_golden("put", &req);
    /* An XML declaration (even one claiming UTF-16: the text is UTF-8 by contract) is accepted. */
    req.body_xml =
        "<?xml version=\"1.0\" encoding=\"UTF-16\"?>"
        "<cfg:Client xmlns:cfg=\"http://schemas.microsoft.com/wbem/wsman/1/config\" xml:lang=\"en-US\">"
        "<cfg:TrustedHosts>host1,host2</cfg:TrustedHosts>"
        "<cfg:AllowUnencrypted>false</cfg:AllowUnencrypted></cfg:Client>";
    check_golden("put", &req);
    wsm_locator_free(l);

    l = locator("wmicimv2/Win32_Service?Name=winrm");
    fragment(l, "StartMode/text()", NULL);
    req = request(WSM_OP_PUT, l);
    req.body_xml = "Manual";
    check_golden("put-fragment-text", &req);
    wsm_locator_free(l);

    l = locator("wmicimv2/Win32_NetworkAdapterConfiguration?Index=7");
    fragment(l, "DNSServerSearchOrder", NULL);
    req = request(WSM_OP_PUT, l);
    req.body_xml = "<DNSServerSearchOrder>10.0.0.1</DNSServerSearchOrder>"
                   "<DNSServerSearchOrder>10.0.0.2</DNSServerSearchOrder>";
    check_golden("put-fragment-element", &req);
    wsm_locator_free(l);

    l = locator("wmicimv2/Win32_Service?Name=winrm");
    fragment(l, "StartMode", NULL);
    req = request(WSM_OP_PUT, l);
    req.body_xml = "<StartMode>Manual</StartMode>";
    check_golden("put-fragment-wrapped", &req);
    req.body_xml = "<w:XmlFragment xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\">"
                   "<StartMode>Manual</StartMode></w:XmlFragment>";
    check_golden("put-fragment-wrapped", &req);
    req.body_xml = "  <w:XmlFragment xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\">"
                   "<StartMode>Manual</StartMode></w:XmlFragment>\n";
    check_golden("put-fragment-wrapped", &req);
    req.body_xml = "<?xml version=\"1.0\"?><StartMode>Manual</StartMode>";
    check_golden("put-fragment-wrapped", &req);
    wsm_locator_free(l);
}

static void test_create_delete(void)
{
    struct wsm_locator *l = locator("winrm/config/listener?Address=*+Transport=HTTP");
    struct wsm_request req = request(WSM_OP_CREATE, l);

    fragment(l, "Port", NULL); /* Create and Delete ignore it */
    req.body_xml = "<cfg:Listener xmlns:cfg=\"http://schemas.microsoft.com/wbem/wsman/1/config\">"
                   "<cfg:Enabled>true</cfg:Enabled><cfg:Port>5985</cfg:Port></cfg:Listener>";
    check_golden("create", &req);

    req = request(WSM_OP_DELETE, l);
    req.locale = "fr-FR";
    req.session_id = SESSION;
    req.timeout_ms = 30000;
    req.body_xml = "<ignored/>";
    check_golden("delete", &req);
    wsm_locator_free(l);
}

static void test_invoke(void)
{
    struct wsm_locator *l = locator("wmicimv2/Win32_Service?Name=w32time");
    struct wsm_request req = request(WSM_OP_INVOKE, l);

    fragment(l, "Name", NULL); /* ignored by Invoke */
    req.action = "StopService";
    req.timeout_ms = 60000;
    req.body_xml = "<p:StopService_INPUT "
                   "xmlns:p=\"http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service\"/>";
    check_golden("invoke-method", &req);
    wsm_locator_free(l);

    l = locator("wmi/root/default/StdRegProv");
    req = request(WSM_OP_INVOKE, l);
    req.action = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/StdRegProv/EnumKey";
    req.body_xml =
        "<p:EnumKey_INPUT xmlns:p=\"http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/StdRegProv\">"
        "<p:hDefKey>2147483650</p:hDefKey><p:sSubKeyName>SOFTWARE\\Microsoft</p:sSubKeyName>"
        "</p:EnumKey_INPUT>";
    check_golden("invoke-uri", &req);
    wsm_locator_free(l);
}

static void test_enumerate(void)
{
    struct wsm_locator *service = locator("wmicimv2/Win32_Service");
    struct wsm_locator *all = locator("wmicimv2/*");
    struct wsm_locator *cim = locator("http://schemas.dmtf.org/wbem/wscim/1/*");
    struct wsm_request req = request(WSM_OP_ENUMERATE, service);

    req.timeout_ms = 60000;
    check_golden("enumerate-plain", &req);
    req.dialect = WSM_DIALECT_WQL; /* a dialect without a filter filters nothing */
    check_golden("enumerate-plain", &req);
    req.filter = " \t";
    check_golden("enumerate-plain", &req);
    fragment(service, "Name", NULL); /* ignored by Enumerate */
    req.filter = "";
    req.dialect = NULL;
    check_golden("enumerate-plain", &req);

    req = request(WSM_OP_ENUMERATE, all);
    req.dialect = "HTTP://SCHEMAS.MICROSOFT.COM/wbem/wsman/1/wql";
    req.filter = "SELECT Name,State FROM Win32_Service WHERE State='Running' AND ProcessId < 5000";
    req.max_elements = 32000;
    check_golden("enumerate-wql", &req);

    req = request(WSM_OP_ENUMERATE, service);
    req.dialect = WSM_DIALECT_SELECTOR;
    req.filter = "<wsman:SelectorSet xmlns:wsman='http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd'>"
                 "<wsman:Selector Name='State'>Running</wsman:Selector>"
                 "<wsman:Selector Name='StartMode'>Auto</wsman:Selector></wsman:SelectorSet>";
    check_golden("enumerate-selector-xml", &req);
    req.dialect = WSM_DIALECT_SELECTOR_MS;
    req.filter = "{State=\"Running\";StartMode=Auto}";
    check_golden("enumerate-selector-brace", &req);
    req.dialect = WSM_DIALECT_SELECTOR;
    req.filter = " { State = Running ; StartMode=\"Auto\" ; } ";
    check_golden("enumerate-selector-brace", &req);

    req = request(WSM_OP_ENUMERATE, all);
    req.dialect = WSM_DIALECT_ASSOCIATION;
    req.filter =
        "{ResultRole=Antecedent;IncludeResultProperty=Name,State;Object=wmicimv2/Win32_Service?Name=winrm;"
        "Role=Dependent;AssociationClassName=Win32_DependentService;ResultClassName=Win32_Service}";
    check_golden("enumerate-assoc-brace", &req);
    /* IncludeResultProperty given twice instead of comma-separated, full Object URI. */
    req.filter = "{Object=http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service?Name=winrm;"
                 "AssociationClassName=Win32_DependentService;Role=Dependent;ResultClassName=Win32_Service;"
                 "ResultRole=Antecedent;IncludeResultProperty=Name;IncludeResultProperty= State }";
    check_golden("enumerate-assoc-brace", &req);

    req.enum_flags = WSM_ENUM_ASSOCIATION_INSTANCE;
    req.dialect = "http://schemas.dmtf.org/wbem/wsman/1/cimbinding/AssociationFilter";
    req.filter = "{ object = \"Win32_Service?Name=winrm\" ; resultclassname = \"Win32_DependentService\" }";
    check_golden("enumerate-assoc-instances", &req);
    req.filter = "{Object=Win32_Service?Name=\"winrm\";ResultClassName=Win32_DependentService;Role=}";
    check_golden("enumerate-assoc-instances", &req);

    req = request(WSM_OP_ENUMERATE, cim);
    req.dialect = WSM_DIALECT_ASSOCIATION;
    req.filter =
        "<b:AssociatedInstances xmlns:b=\"http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd\" "
        "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
        "xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\"><b:Object>"
        "<a:Address>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address>"
        "<a:ReferenceParameters>"
        "<w:ResourceURI>http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ComputerSystem</w:ResourceURI>"
        "<w:SelectorSet><w:Selector Name=\"Name\">host</w:Selector></w:SelectorSet>"
        "</a:ReferenceParameters></b:Object><b:ResultClassName>CIM_Processor</b:ResultClassName>"
        "</b:AssociatedInstances>";
    check_golden("enumerate-assoc-xml", &req);

    req = request(WSM_OP_ENUMERATE, service);
    req.enum_flags = WSM_ENUM_RETURN_EPR;
    req.max_elements = 20;
    check_golden("enumerate-epr", &req);
    req = request(WSM_OP_ENUMERATE, service);
    req.enum_flags = WSM_ENUM_RETURN_OBJECT_AND_EPR;
    check_golden("enumerate-objepr", &req);
    req.enum_flags = WSM_ENUM_HIERARCHY_SHALLOW;
    check_golden("enumerate-shallow", &req);

    req = request(WSM_OP_ENUMERATE, all);
    req.enum_flags = WSM_ENUM_HIERARCHY_DEEP_BASE_PROPS_ONLY | WSM_ENUM_RETURN_OBJECT_AND_EPR;
    req.max_elements = 100;
    req.dialect = WSM_DIALECT_WQL;
    req.filter = "SELECT * FROM CIM_LogicalDevice";
    check_golden("enumerate-basepropsonly", &req);

    req = request(WSM_OP_ENUMERATE, service);
    req.dialect = WSM_DIALECT_XPATH;
    req.filter = "/Win32_Service[State=\"Running\"]";
    check_golden("enumerate-xpath", &req);

    req.dialect = NULL;
    req.filter = "  <q:Query xmlns:q=\"urn:example:query\">State = 'Running'</q:Query>";
    check_golden("enumerate-nodialect-xml", &req);
    req.dialect = "";
    req.enum_flags = WSM_ENUM_NON_XML_TEXT;
    req.filter = "<25 && > 1";
    check_golden("enumerate-nodialect-text", &req);

    wsm_locator_free(service);
    wsm_locator_free(all);
    wsm_locator_free(cim);
}

static void test_pull_release(void)
{
    struct wsm_locator *l = locator("cimv2/CIM_Processor?__cimnamespace=root/cimv2");
    struct wsm_request req = request(WSM_OP_PULL, l);

    req.context = CONTEXT;
    req.max_elements = 20;
    req.session_id = SESSION;
    req.timeout_ms = 60000;
    req.filter = "ignored";
    check_golden("pull", &req);

    req.op = WSM_OP_RELEASE;
    check_golden("release", &req);
    req.max_elements = 0;
    check_golden("release", &req);
    wsm_locator_free(l);

    /* Pull without a batch size: no n:MaxElements. */
    l = locator("wmicimv2/Win32_Service");
    req = request(WSM_OP_PULL, l);
    req.context = CONTEXT;
    char *out = build(&req);
    ok(out && strstr(out, "<n:Pull><n:EnumerationContext>" CONTEXT "</n:EnumerationContext></n:Pull>"),
       "Pull with max_elements 0 has no n:MaxElements: %s", out ? out : "(null)");
    free(out);
    wsm_locator_free(l);
}

static void test_options(void)
{
    struct wsm_locator *l = locator("wmicimv2/Win32_Service?Name=winrm");
    struct wsm_request req = request(WSM_OP_GET, l);

    option(l, "opt1", "value1", 0, NULL);
    option(l, "strict", "yes", 1, NULL);
    option(l, "nilopt", NULL, 0, NULL);
    req.timeout_ms = 60000;
    check_golden("options", &req);
    wsm_locator_free(l);

    l = locator("wmicimv2/Win32_Service");
    l->must_understand_options = 1;
    option(l, "msftwinrm:UsePreciseArrays", "true", 0, "xs:boolean");
    option(l, "count", "5", 1, "xs:int");
    option(l, "nothing", NULL, 1, NULL);
    option(l, "empty", "", 0, "");
    req = request(WSM_OP_ENUMERATE, l);
    req.max_envelope_size = 153600;
    check_golden("options-typed", &req);
    wsm_locator_free(l);
}

static char *utf16le_to_utf8(const char *in, size_t len)
{
    iconv_t cd = iconv_open("UTF-8", "UTF-16LE");
    size_t cap = len * 2 + 1, left = cap;
    char *out = calloc(1, cap), *o = out, *i = (char *)in;

    if (cd == (iconv_t)-1 || !out) {
        free(out);
        return NULL;
    }
    if (iconv(cd, &i, &len, &o, &left) == (size_t)-1 || len) {
        free(out);
        out = NULL;
    }
    iconv_close(cd);
    return out;
}

static void test_utf16(void)
{
    struct wsm_locator *l = locator(
        "wmicimv2/Win32_Service?Name=Dienst-\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E+Other=+Odd=a<b&c\"d");
    struct wsm_request req = request(WSM_OP_GET, l);
    char *utf8 = NULL, *utf16 = NULL, *id = NULL, *detail = NULL;
    size_t len8 = 0, len16 = 0;

    req.message_id = FIXED_ID;
    ok_hr(WSM_S_OK, wsm_build_request(&req, &utf8, &len8, NULL, NULL));
    req.utf16 = 1;
    ok_hr(WSM_S_OK, wsm_build_request(&req, &utf16, &len16, &id, &detail));
    ok(detail == NULL, "no detail");
    ok_str(FIXED_ID, id);
    ok(utf16 && len16 >= 2 && (unsigned char)utf16[0] == 0xFF && (unsigned char)utf16[1] == 0xFE,
       "UTF-16 output starts with the BOM FF FE");
    ok(len16 % 2 == 0, "UTF-16 output has an even length (%zu)", len16);
    /* U+1D11E must be the surrogate pair D834 DD1E, little-endian. */
    ok(utf16 && memmem(utf16, len16, "\x34\xD8\x1E\xDD", 4), "astral characters become a surrogate pair");
    if (utf8 && utf16 && len16 >= 2) {
        char *back = utf16le_to_utf8(utf16 + 2, len16 - 2);
        ok(back && !strcmp(back, utf8), "iconv decodes the UTF-16 bytes back to the UTF-8 envelope");
        free(back);

        char *got = canonical_bytes(utf16, len16), *want = canonical_golden("get-unicode");
        ok(got && want && !strcmp(got, want), "UTF-16 envelope matches the golden file\n got: %s\nwant: %s",
           got ? got : "(unparsable)", want ? want : "(missing)");
        free(got);
        free(want);
    }
    free(utf8);
    free(utf16);
    free(id);
    wsm_locator_free(l);

    /* Identify in UTF-16 too. */
    struct wsm_request identify = {.op = WSM_OP_IDENTIFY, .utf16 = 1};
    ok_hr(WSM_S_OK, wsm_build_request(&identify, &utf16, &len16, NULL, NULL));
    char *got = utf16 ? canonical_bytes(utf16, len16) : NULL, *want = canonical_golden("identify");
    ok(got && want && !strcmp(got, want), "UTF-16 Identify matches the golden file");
    free(got);
    free(want);
    free(utf16);
}

/* ---- content details golden files do not show ---- */

static void test_body_details(void)
{
    struct wsm_locator *l = locator("http://example.com/resource");
    struct wsm_request req = request(WSM_OP_PUT, l);
    char *out;

    /* White space in the caller's XML is kept exactly. */
    req.body_xml = "<a>\n  <b> x </b>\n</a>";
    out = build(&req);
    ok(out && strstr(out, "<s:Body><a>\n  <b> x </b>\n</a></s:Body>"), "blanks kept: %s",
       out ? out : "(null)");
    free(out);

    /* References are resolved on input and escaped again on output. */
    req.body_xml = "<a t=\"&quot;&#x9;\">&lt;&#x41;&amp;&#233;</a>";
    out = build(&req);
    ok(out && strstr(out, "<a t=\"&quot;&#9;\">&lt;A&amp;\xC3\xA9</a>"), "references: %s",
       out ? out : "(null)");
    free(out);

    /* A default namespace and xsi:type in the body survive. */
    req.body_xml =
        "<X xmlns=\"urn:x\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"T\"><Y/></X>";
    out = build(&req);
    ok(out &&
           strstr(out, "<s:Body><X xmlns=\"urn:x\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                       "xsi:type=\"T\"><Y/></X></s:Body>"),
       "namespaces kept: %s", out ? out : "(null)");
    free(out);

    /* A namespace name that is not a valid URI is bound all the same (a warning in the Namespaces spec). */
    req.body_xml = "<p:a xmlns:p=\"urn:x y\"/>";
    out = build(&req);
    ok(out && strstr(out, "<s:Body><p:a xmlns:p=\"urn:x y\"/></s:Body>"), "odd namespace URI kept: %s",
       out ? out : "(null)");
    free(out);

    /* Comments and PIs around the root element are not part of the body. */
    req.body_xml = "<!-- c --><?pi x?><a/><!-- d -->";
    out = build(&req);
    ok(out && strstr(out, "<s:Body><a/></s:Body>"), "only the root element: %s", out ? out : "(null)");
    free(out);

    /* Fragment text with a newline after the declaration keeps it as content. */
    fragment(l, "Name", NULL);
    req.body_xml = "<?xml version=\"1.0\"?>\nnew &amp; improved";
    out = build(&req);
    ok(out && strstr(out, "<s:Body><w:XmlFragment>\nnew &amp; improved</w:XmlFragment></s:Body>"),
       "fragment text: %s", out ? out : "(null)");
    free(out);
    /* The wrapper's w prefix is the envelope's: no second declaration. */
    req.body_xml = "<w:Extra>1</w:Extra>";
    out = build(&req);
    ok(out && strstr(out, "<s:Body><w:XmlFragment><w:Extra>1</w:Extra></w:XmlFragment></s:Body>"),
       "fragment reuses the envelope's w: %s", out ? out : "(null)");
    free(out);
    wsm_locator_free(l);

    /* Characters that need escaping in header text and attributes. */
    l = locator("http://example.com/r?K%22=a&b");
    req = request(WSM_OP_GET, l);
    req.to = "http://h:5985/wsman?x=<1>&y=\"2\"";
    out = build(&req);
    ok(out && strstr(out, "<a:To>http://h:5985/wsman?x=&lt;1&gt;&amp;y=\"2\"</a:To>"), "a:To escaped: %s",
       out ? out : "(null)");
    ok(out && strstr(out, "<w:Selector Name=\"K%22\">a&amp;b</w:Selector>"), "selector escaped: %s",
       out ? out : "(null)");
    free(out);
    wsm_locator_free(l);
}

/* ---- errors ---- */

static void test_errors(void)
{
    struct wsm_locator *l = locator("wmicimv2/Win32_Service?Name=winrm");
    struct wsm_locator *all = locator("wmicimv2/*");
    struct wsm_locator *empty = calloc(1, sizeof *empty);
    struct wsm_request req = request(WSM_OP_PUT, l);
    char *out = (char *)"unset", *detail = (char *)"unset";
    size_t len = 7;

    /* Malformed bodies: ERROR_WSMAN_INVALID_XML with the line and libxml2's words. */
    req.body_xml = "<a><b></a>";
    check_error(&req, ERROR_WSMAN_INVALID_XML, "line 1: Opening and ending tag mismatch");
    req.body_xml = "<a>\n<b>\n</a>";
    check_error(&req, ERROR_WSMAN_INVALID_XML, "line 3");
    req.body_xml = "<a/><b/>";
    check_error(&req, ERROR_WSMAN_INVALID_XML, "Extra content");
    req.body_xml = "Stopped"; /* text is only valid as a fragment */
    check_error(&req, ERROR_WSMAN_INVALID_XML, "Start tag expected");
    req.body_xml = "<a>&x;</a>";
    check_error(&req, ERROR_WSMAN_INVALID_XML, "Entity 'x' not defined");
    req.body_xml = "<q:a/>";
    check_error(&req, ERROR_WSMAN_INVALID_XML, "Namespace prefix q");
    req.body_xml = "<p:a xmlns:p=\"\"/>";
    check_error(&req, ERROR_WSMAN_INVALID_XML, "Empty XML namespace");
    req.body_xml = "<a>\xFF</a>";
    check_error(&req, ERROR_WSMAN_INVALID_XML, "line 1");
    req.body_xml = "<!-- only a comment -->";
    check_error(&req, ERROR_WSMAN_INVALID_XML, "The input XML");

    /* DTDs, internal entities, external entities: all refused before use. */
    req.body_xml = "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>";
    check_error(&req, ERROR_WSMAN_INVALID_XML, "document type declaration");
    req.body_xml = "<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>";
    check_error(&req, ERROR_WSMAN_INVALID_XML, "document type declaration");
    req.body_xml = "<!DOCTYPE a SYSTEM \"http://198.51.100.1/a.dtd\"><a/>";
    check_error(&req, ERROR_WSMAN_INVALID_XML, "document type declaration");
    req.body_xml = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
                   "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
                   "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">]>"
                   "<lolz>&lol3;</lolz>";
    check_error(&req, ERROR_WSMAN_INVALID_XML, "document type declaration");

    /* Fragment input goes through the same checks. */
    fragment(l, "Name", NULL);
    req.body_xml = "<a>";
    check_error(&req, ERROR_WSMAN_INVALID_XML, "The fragment input");
    req.body_xml = "salt & pepper";
    check_error(&req, ERROR_WSMAN_INVALID_XML, "line 1");
    req.body_xml = "<!DOCTYPE a><a/>";
    check_error(&req, ERROR_WSMAN_INVALID_XML, "line 1");
    free(l->fragment_path);
    l->fragment_path = NULL;

    /* Blank input and blank actions. */
    for (int op = WSM_OP_PUT; op <= WSM_OP_INVOKE; op++) {
        if (op == WSM_OP_DELETE)
            continue;
        req = request((enum wsm_op)op, l);
        req.action = "StopService";
        req.body_xml = NULL;
        check_error(&req, ERROR_WSMAN_CLIENT_BLANK_INPUT_XML, "empty");
        req.body_xml = "";
        check_error(&req, ERROR_WSMAN_CLIENT_BLANK_INPUT_XML, "empty");
        req.body_xml = " \t\r\n";
        check_error(&req, ERROR_WSMAN_CLIENT_BLANK_INPUT_XML, "white space");
    }
    req = request(WSM_OP_INVOKE, l);
    req.body_xml = "<p:StopService_INPUT xmlns:p=\"urn:x\"/>";
    check_error(&req, ERROR_WSMAN_CLIENT_BLANK_ACTION_URI, "empty");
    req.action = "";
    check_error(&req, ERROR_WSMAN_CLIENT_BLANK_ACTION_URI, "empty");
    req.action = "  ";
    check_error(&req, ERROR_WSMAN_CLIENT_BLANK_ACTION_URI, "white space");

    /* Filters. */
    req = request(WSM_OP_ENUMERATE, l);
    req.dialect = WSM_DIALECT_SELECTOR;
    req.filter =
        "<w:SelectorSet xmlns:w='http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd'><w:Selector Name='a'>x"
        "</w:SelectorSet>";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "line 1");
    req.filter = "<foo/>";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "SelectorSet");
    req.filter = "State=Running";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "neither");
    req.filter = "{State=\"Running}";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "never closed");
    req.filter = "{State=\"Running\" x}";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "followed by more text");
    req.filter = "{State}";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "no '='");
    req.filter = "{=Running}";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "no name");
    req.filter = "{ ; }";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "names no selector");
    req.filter = "{State=Running";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "'}'");

    req = request(WSM_OP_ENUMERATE, all);
    req.dialect = WSM_DIALECT_ASSOCIATION;
    req.filter = "{ResultClassName=Win32_Service}";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "no Object");
    req.filter = "{Object=;Role=x}";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "Object is empty");
    req.filter = "{Object=?Name=winrm}";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "no resource URI");
    req.filter = "{Object=Win32_Service?Name=winrm;Colour=red}";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "unknown key \"Colour\"");
    req.filter = "{Object=\"Win32_Service?Name=winrm;Role=x}";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "never closed");
    req.filter = "Object=Win32_Service";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "'{'");
    req.filter = "{Object=Win32_Service;Role=a;role=b}";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "Role more than once");
    req.filter = "{Object=Win32_Service?Name}";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "no '='");
    req.filter = "<b:AssociatedInstances/>";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "Namespace prefix b");
    req.dialect = NULL;
    req.filter = "<!DOCTYPE q [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><q>&e;</q>";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "document type declaration");
    req.dialect = WSM_DIALECT_XPATH;
    req.filter = "<unclosed";
    check_error(&req, ERROR_WSMAN_INVALID_FILTER_XML, "The filter XML");

    /* Enumeration flags. */
    req = request(WSM_OP_ENUMERATE, all);
    req.enum_flags = WSM_ENUM_RETURN_EPR | WSM_ENUM_RETURN_OBJECT_AND_EPR;
    check_error(&req, ERROR_WSMAN_CLIENT_MULTIPLE_ENUM_MODE_FLAGS, "at most one");
    req.enum_flags = WSM_ENUM_HIERARCHY_SHALLOW | WSM_ENUM_HIERARCHY_DEEP_BASE_PROPS_ONLY;
    check_error(&req, ERROR_WSMAN_CLIENT_INVALID_FLAG, "at most one");
    req.enum_flags = 0x100;
    check_error(&req, ERROR_WSMAN_CLIENT_INVALID_FLAG, "0x100");

    /* Missing fields. */
    req = request(WSM_OP_GET, l);
    req.to = NULL;
    check_error(&req, WSM_E_INVALIDARG, "a:To");
    req.to = " ";
    check_error(&req, WSM_E_INVALIDARG, "a:To");
    req = request(WSM_OP_GET, NULL);
    check_error(&req, WSM_E_INVALIDARG, "resource URI");
    req = request(WSM_OP_DELETE, empty);
    check_error(&req, WSM_E_INVALIDARG, "resource URI");
    req = request(WSM_OP_GET, l);
    req.max_envelope_size = 0;
    check_error(&req, WSM_E_INVALIDARG, "envelope size");
    req = request(WSM_OP_PULL, l);
    check_error(&req, WSM_E_INVALIDARG, "enumeration context");
    req = request(WSM_OP_RELEASE, l);
    req.context = "";
    check_error(&req, WSM_E_INVALIDARG, "enumeration context");
    req = request((enum wsm_op)99, l);
    check_error(&req, WSM_E_INVALIDARG, "unknown operation");

    /* Text XML cannot carry. */
    struct wsm_locator *bad = locator("wmicimv2/Win32_Service?Name=a\x01");
    req = request(WSM_OP_GET, bad);
    check_error(&req, WSM_E_INVALIDARG, "selector \"Name\"");
    wsm_locator_free(bad);
    bad = locator("wmicimv2/Win32_Service?Name=\xC3\x28");
    req = request(WSM_OP_GET, bad);
    check_error(&req, WSM_E_INVALIDARG, "not valid UTF-8");
    wsm_locator_free(bad);
    bad = locator("wmicimv2/Win32_Service");
    option(bad, "o", "\xED\xA0\x80", 0, NULL); /* an encoded surrogate */
    req = request(WSM_OP_GET, bad);
    check_error(&req, WSM_E_INVALIDARG, "option \"o\"");
    wsm_locator_free(bad);
    req = request(WSM_OP_ENUMERATE, all);
    req.dialect = WSM_DIALECT_WQL;
    req.filter = "SELECT * FROM Win32_Service WHERE Name='\x1B'";
    check_error(&req, WSM_E_INVALIDARG, "filter");
    req = request(WSM_OP_GET, l);
    req.session_id = "uuid:\xFF";
    check_error(&req, WSM_E_INVALIDARG, "session ID");

    /* Bad arguments to the function itself. */
    ok_hr(WSM_E_INVALIDARG, wsm_build_request(NULL, &out, &len, NULL, &detail));
    ok(out == NULL && len == 0 && detail && *detail, "NULL request: outputs zeroed, detail given");
    free(detail);
    req = request(WSM_OP_GET, l);
    ok_hr(WSM_E_INVALIDARG, wsm_build_request(&req, NULL, &len, NULL, NULL));
    ok_hr(WSM_E_INVALIDARG, wsm_build_request(&req, &out, NULL, NULL, NULL));

    wsm_locator_free(l);
    wsm_locator_free(all);
    wsm_locator_free(empty);
}

/* The directly written requests against the tree path, with every character that escapes differently in
 * text and in attributes, non-ASCII everywhere, and each optional part on and off. */
static void test_direct_writer(void)
{
    static const char *const odd = "a&b<c>d\"e'f\tg\nh\ri \xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E]]>&amp;";
    static const enum wsm_op ops[] = {WSM_OP_GET, WSM_OP_DELETE, WSM_OP_ENUMERATE, WSM_OP_PULL,
                                      WSM_OP_RELEASE};
    static const uint32_t timeouts[] = {0, 1, 999, 1000, 60000, 4294967295u};
    struct wsm_locator *plain = locator("wmicimv2/Win32_Service");
    struct wsm_locator *full = locator("wmicimv2/Win32_Service?Name=winrm+Other=+Odd=a<b&c\"d");
    char name[64];

    ok_hr(WSM_S_OK, wsm_locator_add_selector(full, odd, odd, NULL));
    option(full, odd, odd, 1, odd);
    option(full, "nil", NULL, 0, NULL);
    option(full, "empty", "", 1, NULL);
    option(full, "typed", "5", 0, "xs:int");
    fragment(full, odd, odd);
    full->must_understand_options = 1;

    for (size_t o = 0; o < sizeof ops / sizeof *ops; o++) {
        for (int variant = 0; variant < 4; variant++) {
            struct wsm_request req = request(ops[o], variant & 1 ? full : plain);
            req.context = CONTEXT;
            req.timeout_ms = timeouts[(o + (size_t)variant) % (sizeof timeouts / sizeof *timeouts)];
            req.max_elements = variant & 2 ? 20 : 0;
            req.max_envelope_size = variant & 2 ? 4294967295u : 153600;
            if (variant & 2) {
                req.locale = odd;
                req.session_id = odd;
                req.message_id = "uuid:a&b<c>\xC3\xA9";
            }
            snprintf(name, sizeof name, "op %d variant %d", (int)ops[o], variant);
            check_same_as_tree(name, &req);
            req.utf16 = 1;
            check_same_as_tree(name, &req);
        }
    }
    struct wsm_request req = request(WSM_OP_IDENTIFY, NULL);
    check_same_as_tree("identify", &req);
    req.utf16 = 1;
    check_same_as_tree("identify utf16", &req);

    /* Enumerate: every flag combination the checks accept, without a filter and with a WQL one. */
    for (uint32_t flags = 0; flags <= WSM_ENUM_FLAGS_KNOWN; flags++) {
        if (flags & ~(uint32_t)WSM_ENUM_FLAGS_KNOWN)
            continue;
        for (int variant = 0; variant < 4; variant++) {
            req = request(WSM_OP_ENUMERATE, variant & 1 ? full : plain);
            req.enum_flags = flags;
            req.max_elements = variant & 1 ? 100 : 0;
            if (variant & 2) {
                req.dialect = variant & 1 ? "http://schemas.microsoft.com/wbem/wsman/1/wql" : WSM_DIALECT_WQL;
                req.filter = "SELECT * FROM Win32_Service WHERE Name = 'a&b<c>\"\r\n\t\xC3\xA9'";
            } else if (variant & 1) {
                req.dialect = WSM_DIALECT_WQL;
                req.filter = " \t"; /* blank: no filter */
            }
            snprintf(name, sizeof name, "enumerate flags 0x%" PRIX32 " variant %d", flags, variant);
            check_same_as_tree(name, &req);
        }
    }
    wsm_locator_free(plain);
    wsm_locator_free(full);
}

/* Requests in a row: each one is the same as a freshly built one; nothing of one (selectors, options,
 * fragment, body, MessageID) is in the next. */
static void test_requests_in_a_row(void)
{
    struct wsm_locator *a = locator("wmicimv2/Win32_Service?Name=FirstSelector");
    struct wsm_locator *b = locator("wmicimv2/Win32_Process");
    char *first = NULL, *again = NULL, *other = NULL, *id1 = NULL, *id2 = NULL;
    size_t len;

    option(a, "FirstOption", "1", 1, NULL);
    fragment(a, "FirstFragment", NULL);
    struct wsm_request ra = request(WSM_OP_GET, a), rb = request(WSM_OP_GET, b);
    ra.session_id = SESSION;
    ra.timeout_ms = 60000;
    for (int round = 0; round < 3; round++) {
        check_same_as_tree("first", &ra);
        check_same_as_tree("second", &rb);
    }
    ok_hr(WSM_S_OK, wsm_build_request(&ra, &first, &len, &id1, NULL));
    ok_hr(WSM_S_OK, wsm_build_request(&rb, &other, &len, &id2, NULL));
    ok(first && other && id1 && id2 && strcmp(id1, id2), "two requests, two MessageIDs");
    ok(other && !strstr(other, "First") && !strstr(other, SESSION) && !strstr(other, "OperationTimeout") &&
           !strstr(other, id1 ? id1 : "-"),
       "the second request carries nothing of the first");
    ok(other && strstr(other, "Win32_Process") && !strstr(other, "SelectorSet"),
       "the second request is its own");
    ok_hr(WSM_S_OK, wsm_build_request(&ra, &again, &len, NULL, NULL));
    ok(again && id1 && !strstr(again, id1) && !strstr(again, "Win32_Process"),
       "the first again: a new MessageID, nothing of the second");

    /* Pull after Pull: the other context and batch size. */
    struct wsm_request p1 = request(WSM_OP_PULL, a), p2 = request(WSM_OP_PULL, a);
    p1.context = "uuid:context-one";
    p1.max_elements = 20;
    p2.context = "uuid:context-two";
    check_same_as_tree("pull one", &p1);
    check_same_as_tree("pull two", &p2);
    free(first);
    free(again);
    free(other);
    free(id1);
    free(id2);
    wsm_locator_free(a);
    wsm_locator_free(b);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s <golden directory>\n", argv[0]);
        return 2;
    }
    golden_dir = argv[1];
    LIBXML_TEST_VERSION

    test_uuid();
    test_duration();
    test_invoke_action();
    test_identify();
    test_get();
    test_put();
    test_create_delete();
    test_invoke();
    test_enumerate();
    test_pull_release();
    test_options();
    test_utf16();
    test_body_details();
    test_errors();
    test_direct_writer();
    test_requests_in_a_row();

    xmlCleanupParser();
    return test_summary("envelope");
}
