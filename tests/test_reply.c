/*
 * Tests of reply parsing and fault mapping (src/core/protocol/reply.c) against real
 * WinRM captures (tests/vectors, see its README) and hand-written hostile
 * input. Usage: test_reply <tests/vectors directory>.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlmemory.h>

#include "names.h"
#include "reply.h"
#include "test.h"
#include "xmlsafe.h"

#define MAX_ENVELOPE 512000
#define FALLBACK "fallback.example"

#define ENV_OPEN                                                                                             \
    "<s:Envelope xmlns:s=\"" WSM_NS_SOAP "\" xmlns:a=\"" WSM_NS_ADDRESSING "\" xmlns:w=\"" WSM_NS_WSMAN      \
    "\" xmlns:n=\"" WSM_NS_ENUMERATION "\">"
#define ENV_CLOSE "</s:Envelope>"

static const char *vector_dir;
static int skipped;

/* ---- helpers ---- */

static char *load_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long size;

    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)size + 1))) {
        if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
            free(buf);
            buf = NULL;
        } else {
            buf[size] = '\0';
            if (len)
                *len = (size_t)size;
        }
    }
    fclose(f);
    return buf;
}

/* A vector file; NULL (and a failed check) when missing, except for the
 * optional ms-wsmv folder, which the lead may drop (see tests/vectors/README.md). */
static char *load_vector(const char *rel, size_t *len)
{
    char path[1024];
    char *data;

    snprintf(path, sizeof(path), "%s/%s", vector_dir, rel);
    data = load_file(path, len);
    if (!data && !strncmp(rel, "ms-wsmv/", 8)) {
        printf("skipped (missing optional vector): %s\n", rel);
        skipped++;
        return NULL;
    }
    ok(data != NULL, "cannot read vector %s", path);
    return data;
}

/* wsm_reply_parse with stderr captured: libxml2 must print nothing. */
static int32_t parse_quiet(const char *data, size_t len, const char *charset, size_t max,
                           struct wsm_reply **r, char **detail, const char *what)
{
    FILE *capture = tmpfile();
    int saved = dup(2);
    int32_t hr;

    fflush(stderr);
    if (capture && saved >= 0)
        dup2(fileno(capture), 2);
    hr = wsm_reply_parse(data, len, charset, max, r, detail);
    fflush(stderr);
    if (saved >= 0) {
        dup2(saved, 2);
        close(saved);
    }
    if (capture) {
        long printed = (fseek(capture, 0, SEEK_END), ftell(capture));
        ok(printed == 0, "%s: parsing printed %ld bytes to stderr", what, printed);
        fclose(capture);
    }
    /* Whatever the outcome, outputs are consistent. */
    if (hr)
        ok(*r == NULL && (!detail || (*detail && **detail)), "%s: failure without clean outputs", what);
    else
        ok(*r != NULL && (!detail || !*detail), "%s: success without a reply", what);
    return hr;
}

static struct wsm_reply *parse_vector(const char *rel)
{
    size_t len = 0;
    char *data = load_vector(rel, &len), *detail = NULL;
    struct wsm_reply *r = NULL;

    if (!data)
        return NULL;
    ok_hr(0, parse_quiet(data, len, "utf-8", MAX_ENVELOPE, &r, &detail, rel));
    if (detail)
        fprintf(stderr, "  %s: %s\n", rel, detail);
    free(detail);
    free(data);
    return r;
}

static int xml_errors;
static void count_error(void *user, xmlErrorPtr e)
{
    (void)user;
    if (e && e->level >= XML_ERR_ERROR)
        xml_errors++;
}

/* Every xsi:type value's prefix must be declared where it is used. */
static int xsi_prefixes_declared(xmlDocPtr doc, xmlNodePtr top)
{
    for (xmlNodePtr n = top; n;) {
        if (n->type == XML_ELEMENT_NODE) {
            for (xmlAttrPtr a = n->properties; a; a = a->next) {
                if (!a->ns || !xmlStrEqual(a->ns->href, BAD_CAST WSM_NS_XSI) ||
                    !xmlStrEqual(a->name, BAD_CAST "type"))
                    continue;
                xmlChar *v = xmlNodeGetContent((xmlNodePtr)a);
                const xmlChar *colon = v ? xmlStrchr(v, ':') : NULL;
                int good = 1;
                if (colon) {
                    xmlChar *prefix = xmlStrndup(v, (int)(colon - v));
                    good = xmlSearchNs(doc, n, prefix) != NULL;
                    xmlFree(prefix);
                }
                xmlFree(v);
                if (!good)
                    return 0;
            }
            if (n->children) {
                n = n->children;
                continue;
            }
        }
        while (n != top && !n->next)
            n = n->parent;
        n = n == top ? NULL : n->next;
    }
    return 1;
}

/* The string is one standalone, namespace-well-formed element (no XML
 * declaration, no DTD) named {ns}name. */
static int standalone_ok(const char *xml, const char *ns, const char *name)
{
    xmlParserCtxtPtr c;
    xmlDocPtr d;
    xmlNodePtr root;
    int good;

    if (!xml || xml[0] != '<' || xml[1] == '?')
        return 0;
    if (!(c = xmlNewParserCtxt()))
        return 0;
    c->sax->serror = count_error;
    xml_errors = 0;
    d = xmlCtxtReadMemory(c, xml, (int)strlen(xml), NULL, "UTF-8", XML_PARSE_NONET);
    root = d ? xmlDocGetRootElement(d) : NULL;
    good = d && c->wellFormed && c->nsWellFormed && !xml_errors && !d->intSubset && root && root->ns &&
           xmlStrEqual(root->ns->href, BAD_CAST ns) && xmlStrEqual(root->name, BAD_CAST name) &&
           xsi_prefixes_declared(d, root);
    xmlFreeDoc(d);
    xmlFreeParserCtxt(c);
    return good;
}

#define ok_standalone(xml, ns, name)                                                                         \
    ok(standalone_ok(xml, ns, name), "not a standalone {%s}%s: %.300s", ns, name, (xml) ? (xml) : "(null)")

static int contains(const char *hay, const char *needle)
{
    return hay && needle && strstr(hay, needle) != NULL;
}

/* ---- faults from real captures ---- */

struct fault_case {
    const char *file;
    int32_t hr;
    const char *machine;
    const char *text;
    const char *xml_root; /* "WSManFault" / "MSFT_WmiError" as received; NULL: synthesised */
    const char *action;   /* NULL: not checked */
};

#define MSG_TIMEOUT                                                                                          \
    "The WS-Management service cannot complete the operation within the time specified in OperationTimeout."
#define MSG_NO_CMD                                                                                           \
    "The Windows Remote Shell received a request to perform an operation on a command identifier that does " \
    "not exist. Either the command has completed execution or the client specified an invalid command "      \
    "identifier."
#define MSG_SELECTORS                                                                                        \
    "The WS-Management service cannot process the request because the request contained invalid selectors "  \
    "for the resource."
#define MSG_NOT_FOUND                                                                                        \
    "The WS-Management service cannot process the request. The service cannot find the resource identified " \
    "by the resource URI and selectors."
#define MSG_NO_CLASS "The specified class does not exist in the given namespace."

static const struct fault_case fault_cases[] = {
    {"pypsrp/023-shell-receive-fault-timedout-response.xml", ERROR_WSMAN_OPERATION_TIMEDOUT, "192.168.56.11",
     MSG_TIMEOUT, "WSManFault", WSM_ACTION_FAULT_WSMAN},
    {"pypsrp/026-shell-command-fault-internalerror-response.xml", (int32_t)0x80070002u,
     "server2008r2.domain.local", "The system cannot find the file specified.", "WSManFault", NULL},
    {"pypsrp/028-shell-receive-fault-invalidparameter-response.xml", (int32_t)0x80070057u, "127.0.0.1",
     "The parameter is incorrect.", "WSManFault", NULL},
    {"pypsrp/029-shell-receive-fault-invalidselectors-response.xml", ERROR_WSMAN_UNEXPECTED_SELECTORS,
     "192.168.56.15", MSG_NO_CMD, "WSManFault", NULL},
    {"pypsrp/033-shell-get-fault-invalidselectors-response.xml", ERROR_WSMAN_UNEXPECTED_SELECTORS,
     "127.0.0.1", MSG_SELECTORS, "WSManFault", NULL},
    {"pypsrp/034-shell-get-fault-invalidheader-response.xml", ERROR_WSMAN_INVALID_MESSAGE_INFORMATION_HEADER,
     "127.0.0.1",
     "The WS-Management service cannot process the request. The XML contains an invalid timeout field in the "
     "SOAP header: PT-1S.",
     "WSManFault", WSM_ACTION_FAULT_ADDRESSING},
    {"pypsrp/048-psrp-receive-fault-invalidselectors-response.xml", ERROR_WSMAN_UNEXPECTED_SELECTORS,
     "127.0.0.1", MSG_NO_CMD, "WSManFault", NULL},
    {"pypsrp/058-fault-mustunderstand-response.xml", ERROR_WSMAN_SOAP_FAULT_MUST_UNDERSTAND, FALLBACK,
     "The WS-Management service cannot process a SOAP header in the request that is marked as mustUnderstand "
     "by the client.  This could be caused by the use of a version of the protocol which is not supported, "
     "or may be an incompatibility  between the client and server implementations.",
     NULL, WSM_ACTION_FAULT_ADDRESSING},
    {"pypsrp/059-fault-invalidparameter-providerfault-response.xml", (int32_t)0x80070057u,
     "SERVER2016.domain.local", "The parameter is incorrect.", "WSManFault", NULL},
    {"pypsrp/060-fault-schemavalidation-response.xml", ERROR_WSMAN_SCHEMA_VALIDATION_ERROR,
     "SERVER2008.domain.local",
     "The Windows Remote Shell cannot process the request. The SOAP packet contains an element Argument that "
     "is invalid. Retry the request with the correct XML element.",
     "WSManFault", NULL},
    {"pywinrm/009-fault-mustunderstand-response.xml", ERROR_WSMAN_SOAP_FAULT_MUST_UNDERSTAND, FALLBACK,
     "Test reason.", NULL, NULL},
    {"pywinrm/010-fault-no-reason-response.xml", ERROR_WSMAN_RESPONSE_INVALID_SOAP_FAULT, FALLBACK, "Unknown",
     NULL, NULL},
    {"pywinrm/011-fault-timedout-response.xml", ERROR_WSMAN_OPERATION_TIMEDOUT, "server2022.domain.test",
     MSG_TIMEOUT, "WSManFault", NULL},
    {"pywinrm/012-fault-schemavalidation-response.xml", ERROR_WSMAN_SCHEMA_VALIDATION_ERROR,
     "SERVER2008.domain.local", "Detail message.", "WSManFault", NULL},
    {"pywinrm/013-fault-wmierror-response.xml", (int32_t)0x803381A6u, FALLBACK, "WMI Message.",
     "MSFT_WmiError", NULL},
    {"pywinrm/021-get-config-fault-invalidheader-response.xml",
     ERROR_WSMAN_INVALID_MESSAGE_INFORMATION_HEADER, "windows-host",
     "The WS-Management service cannot process the request. The SOAP packet that WS-Management received did "
     "not contain a valid Body element.",
     "WSManFault", NULL},
    {"pywinrm/022-shell-receive-fault-timedout-response.xml", ERROR_WSMAN_OPERATION_TIMEDOUT, "192.168.1.6",
     MSG_TIMEOUT, "WSManFault", NULL},
    {"omi/005-fault-internalerror-pwrshplugin-response.xml", (int32_t)0x80540FA0u, "10.123.175.205",
     "Error with error code -2144108472 occurred while calling method WSManPluginReceiveResult.",
     "WSManFault", NULL},
    {"omi/006-fault-destinationunreachable-invalidresourceuri-response.xml", ERROR_WSMAN_RESOURCE_NOT_FOUND,
     "10.68.240.26", MSG_NOT_FOUND, "WSManFault", WSM_ACTION_FAULT_ADDRESSING},
    {"omi/007-fault-timedout-response.xml", ERROR_WSMAN_OPERATION_TIMEDOUT, "10.123.175.205", MSG_TIMEOUT,
     "WSManFault", NULL},
    {"winrb/012-enumerate-fault-cannotprocessfilter-v1-response.xml",
     ERROR_WSMAN_ENUMERATE_CANNOT_PROCESS_FILTER, FALLBACK, MSG_NO_CLASS, "WSManFault",
     WSM_ACTION_FAULT_ENUMERATION},
    {"winrb/013-enumerate-fault-cannotprocessfilter-v2-response.xml",
     ERROR_WSMAN_ENUMERATE_CANNOT_PROCESS_FILTER, "localhost", MSG_NO_CLASS, "WSManFault",
     WSM_ACTION_FAULT_ENUMERATION},
    {"winrb/014-fault-quotalimit-wmierror-response.xml", (int32_t)0x803381A5u, FALLBACK,
     "The WS-Management service cannot process the request. This user is allowed a maximum number of 30 "
     "concurrent shells, which has been exceeded. Close existing shells or raise the quota for this user.",
     "MSFT_WmiError", WSM_ACTION_FAULT_WSMAN},
    {"winrb/016-omi-fault-internalerror-response.xml", ERROR_WSMAN_PROVIDER_FAILURE, FALLBACK,
     "get-instance: instance name parameter is missing", NULL, WSM_ACTION_FAULT_WSMAN},
    {"winrb/017-omi-get-config-fault-response.xml", ERROR_WSMAN_PROVIDER_FAILURE, FALLBACK,
     "get-instance: instance name parameter is missing", NULL, WSM_ACTION_FAULT_WSMAN},
    {"masterzen-winrm/003-shell-command-fault-internalerror-response.xml", (int32_t)0x800700CEu,
     "203.0.113.11", "The filename or extension is too long.", "WSManFault", NULL},
    {"masterzen-winrm/008-shell-receive-fault-timedout-response.xml", ERROR_WSMAN_OPERATION_TIMEDOUT,
     "127.0.0.1", MSG_TIMEOUT, "WSManFault", NULL},
    /* Code 32768 < 0x10000: a Win32 number; the a: prefix of its subcode is not even declared. */
    {"ms-wsmv/027-get-fault-detail-response.xml", (int32_t)0x80078000u, "http://localhost:80/wsman",
     MSG_NOT_FOUND, "WSManFault", WSM_ACTION_FAULT_ADDRESSING},
};

static void test_fault_vectors(void)
{
    for (size_t i = 0; i < sizeof(fault_cases) / sizeof(fault_cases[0]); i++) {
        const struct fault_case *c = &fault_cases[i];
        struct wsm_reply *r = parse_vector(c->file);
        struct wsm_fault f;
        char *body = NULL, *detail = NULL;

        if (!r)
            continue;
        ok(wsm_reply_get_fault(r, FALLBACK, &f) == 1, "%s: no fault found", c->file);
        ok(f.hr == c->hr, "%s: hr 0x%08X, expected 0x%08X", c->file, (unsigned)f.hr, (unsigned)c->hr);
        ok(f.hr < 0, "%s: fault hr is not a failure", c->file);
        ok(f.machine && !strcmp(f.machine, c->machine), "%s: machine \"%s\", expected \"%s\"", c->file,
           f.machine ? f.machine : "(null)", c->machine);
        ok(f.text && !strcmp(f.text, c->text), "%s: text \"%s\",\n   expected \"%s\"", c->file,
           f.text ? f.text : "(null)", c->text);
        if (c->xml_root && !strcmp(c->xml_root, "MSFT_WmiError")) {
            ok_standalone(f.xml, "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError",
                          "MSFT_WmiError");
        } else {
            char code[32];
            ok_standalone(f.xml, WSM_NS_WSMAN_FAULT, "WSManFault");
            if (!c->xml_root) {
                snprintf(code, sizeof(code), "Code=\"%u\"", (unsigned)c->hr);
                ok(contains(f.xml, code) && contains(f.xml, "Machine=\"" FALLBACK "\""),
                   "%s: synthesised fault XML lacks %s: %s", c->file, code, f.xml ? f.xml : "(null)");
            }
        }
        if (c->action)
            ok_str(c->action, wsm_reply_action(r));
        /* A fault is no Identify/Create/Enumerate answer. */
        ok_hr(ERROR_WSMAN_RESPONSE_NO_RESULTS, wsm_reply_identify(r, &body, &detail));
        ok(body == NULL && contains(detail, "SOAP fault"), "%s: identify detail \"%s\"", c->file,
           detail ? detail : "(null)");
        free(detail);
        wsm_fault_clear(&f);
        ok(!f.xml && !f.text && !f.machine && !f.hr, "wsm_fault_clear left data");
        wsm_reply_free(r);
    }
}

/* Nested fault: the number is the OUTER Code, the text the innermost message. */
static void test_fault_nesting(void)
{
    static const char reply[] = ENV_OPEN
        "<s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:InvalidSelectors"
        "</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang=\"en-US\">reason</s:Text></s:Reason>"
        "<s:Detail><f:WSManFault xmlns:f=\"" WSM_NS_WSMAN_FAULT "\" Code=\"0x8033803D\" Machine=\"outer\">"
        "<f:Message>outer text <f:ProviderFault provider=\"x\" path=\"y\"><f:WSManFault "
        "xmlns:f=\"" WSM_NS_WSMAN_FAULT
        "\" Code=\"5\" Machine=\"inner\"><f:Message>\n  inner\n  text  </f:Message>"
        "</f:WSManFault></f:ProviderFault></f:Message></f:WSManFault></s:Detail></s:Fault>"
        "</s:Body>" ENV_CLOSE;
    static const char no_code[] =
        ENV_OPEN "<s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:AccessDenied"
                 "</s:Value></s:Subcode></s:Code><s:Detail><f:WSManFault xmlns:f=\"" WSM_NS_WSMAN_FAULT
                 "\" Code=\"junk\">"
                 "<f:Message></f:Message></f:WSManFault></s:Detail></s:Fault></s:Body>" ENV_CLOSE;
    /* Subcode QName resolved by namespace, with prefixes nobody else uses. */
    static const char odd_prefix[] =
        "<env:Envelope xmlns:env=\"" WSM_NS_SOAP "\"><env:Body><env:Fault><env:Code><env:Value>env:Receiver"
        "</env:Value><env:Subcode><env:Value xmlns:q=\"" WSM_NS_ENUMERATION "\">q:TimedOut</env:Value>"
        "</env:Subcode></env:Code><env:Reason><env:Text xml:lang=\"\"> </env:Text><env:Text>second</env:Text>"
        "</env:Reason></env:Fault></env:Body></env:Envelope>";
    static const char zero_code[] =
        ENV_OPEN "<s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value></s:Code><s:Detail><f:WSManFault "
                 "xmlns:f=\"" WSM_NS_WSMAN_FAULT "\" Code=\"0\"/></s:Detail></s:Fault></s:Body>" ENV_CLOSE;
    static const char version[] = ENV_OPEN
        "<s:Body><s:Fault><s:Code><s:Value>s:VersionMismatch</s:Value></s:Code></s:Fault></s:Body>" ENV_CLOSE;
    struct wsm_reply *r = NULL;
    struct wsm_fault f;
    char *detail = NULL;

    ok_hr(0, parse_quiet(reply, sizeof(reply) - 1, NULL, 0, &r, &detail, "nested fault"));
    if (r) {
        ok(wsm_reply_get_fault(r, NULL, &f) == 1, "nested fault not found");
        ok_hr(ERROR_WSMAN_INVALID_SELECTORS, f.hr);
        ok_str("inner text", f.text);
        ok_str("outer", f.machine);
        ok_standalone(f.xml, WSM_NS_WSMAN_FAULT, "WSManFault");
        wsm_fault_clear(&f);
        wsm_reply_free(r);
    }
    ok_hr(0, parse_quiet(no_code, sizeof(no_code) - 1, NULL, 0, &r, &detail, "fault without usable Code"));
    if (r) {
        ok(wsm_reply_get_fault(r, NULL, &f) == 1, "fault not found");
        ok_hr(WSM_E_ACCESSDENIED, f.hr);
        ok_str("", f.machine);
        ok_str("AccessDenied", f.text);
        wsm_fault_clear(&f);
        wsm_reply_free(r);
    }
    ok_hr(0, parse_quiet(odd_prefix, sizeof(odd_prefix) - 1, NULL, 0, &r, &detail, "odd prefixes"));
    if (r) {
        ok(wsm_reply_get_fault(r, "m", &f) == 1, "fault not found");
        ok_hr(ERROR_WSMAN_ENUMERATE_TIMED_OUT, f.hr);
        ok_str("second", f.text);
        ok_str("m", f.machine);
        ok_standalone(f.xml, WSM_NS_WSMAN_FAULT, "WSManFault");
        wsm_fault_clear(&f);
        wsm_reply_free(r);
    }
    ok_hr(0, parse_quiet(zero_code, sizeof(zero_code) - 1, NULL, 0, &r, &detail, "Code 0"));
    if (r) {
        ok(wsm_reply_get_fault(r, NULL, &f) == 1, "fault not found");
        ok_hr(WSM_E_FAIL, f.hr);
        ok(f.text && *f.text, "empty fault text");
        wsm_fault_clear(&f);
        wsm_reply_free(r);
    }
    ok_hr(0, parse_quiet(version, sizeof(version) - 1, NULL, 0, &r, &detail, "VersionMismatch"));
    if (r) {
        ok(wsm_reply_get_fault(r, NULL, &f) == 1, "fault not found");
        ok_hr(ERROR_WSMAN_SOAP_VERSION_MISMATCH, f.hr);
        ok_str("VersionMismatch", f.text);
        wsm_fault_clear(&f);
        wsm_reply_free(r);
    }
}

/* ---- Identify, Get, Create ---- */

static void test_identify(void)
{
    static const char *files[] = {"knife-windows/001-identify-response.xml",
                                  "knife-windows/002-identify-response.xml"};
    static const char *stacks[] = {"Stack: 2.0", "Stack: 3.0"};

    for (int i = 0; i < 2; i++) {
        struct wsm_reply *r = parse_vector(files[i]);
        struct wsm_fault f;
        char *xml = NULL, *detail = NULL;

        if (!r)
            continue;
        ok(wsm_reply_get_fault(r, FALLBACK, &f) == 0 && !f.xml && !f.text && !f.machine && !f.hr,
           "%s: fault reported", files[i]);
        ok(wsm_reply_action(r) == NULL, "%s: identify reply has an action", files[i]);
        ok_hr(0, wsm_reply_check_relates_to(r, "uuid:anything", &detail)); /* no RelatesTo at all */
        ok_hr(0, wsm_reply_identify(r, &xml, &detail));
        ok_standalone(xml, WSM_NS_IDENTITY, "IdentifyResponse");
        ok(contains(xml, stacks[i]) && contains(xml, "<wsmid:ProductVendor>Microsoft Corporation<"),
           "%s: identify xml %s", files[i], xml ? xml : "(null)");
        free(xml);
        xml = NULL;
        ok_hr(ERROR_WSMAN_CREATE_RESPONSE_NO_EPR, wsm_reply_created(r, &xml, &detail));
        ok(xml == NULL && contains(detail, "IdentifyResponse"), "created detail \"%s\"",
           detail ? detail : "");
        free(detail);
        wsm_reply_free(r);
    }
}

/* Identify replies in other namespaces: OMI's <SOAP-ENV:IdentifyResponse> with wsmid: children is
 * accepted as it came; anything else named IdentifyResponse is still refused. */
static void test_identify_foreign(void)
{
#define ID_ENV(body)                                                                                         \
    "<SOAP-ENV:Envelope xmlns:SOAP-ENV=\"" WSM_NS_SOAP "\" xmlns:wsmid=\"" WSM_NS_IDENTITY "\">"             \
    "<SOAP-ENV:Header/><SOAP-ENV:Body>" body "</SOAP-ENV:Body></SOAP-ENV:Envelope>"
    static const struct {
        const char *xml;
        int32_t hr;
        const char *want; /* in the result, or in the detail on failure */
    } cases[] = {
        {ID_ENV("<SOAP-ENV:IdentifyResponse><wsmid:ProtocolVersion>" WSM_NS_WSMAN "</wsmid:ProtocolVersion>"
                "<wsmid:ProductVendor>Open Management Infrastructure</wsmid:ProductVendor>"
                "<wsmid:ProductVersion>1.0.8</wsmid:ProductVersion></SOAP-ENV:IdentifyResponse>"),
         0, "<SOAP-ENV:IdentifyResponse xmlns:SOAP-ENV=\"" WSM_NS_SOAP "\""},
        /* another namespace, no prefix of its own */
        {ID_ENV("<IdentifyResponse xmlns=\"urn:x\"><wsmid:ProductVendor>V</wsmid:ProductVendor>"
                "</IdentifyResponse>"),
         0, "<wsmid:ProductVendor>V</wsmid:ProductVendor>"},
        /* wsmid wins when both are there */
        {ID_ENV("<SOAP-ENV:IdentifyResponse><wsmid:ProductVendor>A</wsmid:ProductVendor>"
                "</SOAP-ENV:IdentifyResponse><wsmid:IdentifyResponse><wsmid:ProductVendor>B</"
                "wsmid:ProductVendor>"
                "</wsmid:IdentifyResponse>"),
         0, "<wsmid:IdentifyResponse xmlns:wsmid=\"" WSM_NS_IDENTITY "\"><wsmid:ProductVendor>B<"},
        /* strict otherwise: a child outside wsmid, no children, another local name */
        {ID_ENV("<SOAP-ENV:IdentifyResponse><wsmid:ProductVendor>A</wsmid:ProductVendor><x xmlns=\"urn:x\"/>"
                "</SOAP-ENV:IdentifyResponse>"),
         ERROR_WSMAN_RESPONSE_NO_RESULTS, "wsmid:IdentifyResponse"},
        {ID_ENV("<SOAP-ENV:IdentifyResponse>text only</SOAP-ENV:IdentifyResponse>"),
         ERROR_WSMAN_RESPONSE_NO_RESULTS, "IdentifyResponse"},
        {ID_ENV("<SOAP-ENV:Identify><wsmid:ProductVendor>A</wsmid:ProductVendor></SOAP-ENV:Identify>"),
         ERROR_WSMAN_RESPONSE_NO_RESULTS, "Identify"},
        {ID_ENV(""), ERROR_WSMAN_RESPONSE_NO_RESULTS, "empty s:Body"},
    };
#undef ID_ENV
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct wsm_reply *r = NULL;
        char *xml = NULL, *detail = NULL;
        if (parse_quiet(cases[i].xml, strlen(cases[i].xml), "utf-8", MAX_ENVELOPE, &r, &detail, "identify"))
            continue;
        ok_hr(cases[i].hr, wsm_reply_identify(r, &xml, &detail));
        if (cases[i].hr)
            ok(!xml && contains(detail, cases[i].want), "identify case %zu: detail \"%s\"", i,
               detail ? detail : "(null)");
        else
            ok(contains(xml, cases[i].want) && !detail, "identify case %zu: %s", i, xml ? xml : "(null)");
        free(xml);
        free(detail);
        wsm_reply_free(r);
    }
}

/* The body element as libxml2's own writer gives it, from a separate parse (the element must declare every
 * namespace it uses, so that nothing is added to it), parsed as the reply is (UTF-8 forced). */
static char *libxml2_body(const char *doc_text)
{
    xmlDocPtr doc = xmlReadMemory(doc_text, (int)strlen(doc_text), NULL, "UTF-8", XML_PARSE_IGNORE_ENC);
    xmlNodePtr n = doc ? xmlDocGetRootElement(doc)->children : NULL;
    char *out = NULL;

    while (n && (n->type != XML_ELEMENT_NODE || strcmp((const char *)n->name, "Body")))
        n = n->next;
    for (n = n ? n->children : NULL; n && n->type != XML_ELEMENT_NODE; n = n->next)
        ;
    if (n) {
        xmlOutputBufferPtr buf = xmlAllocOutputBuffer(NULL);
        xmlNodeDumpOutput(buf, doc, n, 0, 0, "UTF-8");
        out = strndup((const char *)xmlOutputBufferGetContent(buf), xmlOutputBufferGetSize(buf));
        xmlOutputBufferClose(buf);
    }
    xmlFreeDoc(doc);
    return out;
}

/* The standalone text is byte for byte what xmlNodeDumpOutput writes, whether the direct writer or libxml2's
 * (comments, CDATA, non-ASCII values...) produced it. */
static void test_standalone_bytes(void)
{
    static const char *const bodies[] = {
        "<p:X xmlns:p=\"urn:x\" a=\"&lt;&gt;&amp;&quot;'&#9;&#10;&#13;x\" b='say \"hi\"' c=\"\" "
        "xml:lang=\"en\"><p:Y>a &lt; b &gt; c &amp; d \"q\" 'x' &#13; tab&#9;nl&#10;\x7F</p:Y><p:E/>"
        "<p:F>  </p:F><p:G p:k=\"v\"></p:G></p:X>",
        "<X xmlns=\"urn:d\" xmlns:q=\"urn:q&amp;r\"><q:Y q:attr=\"1\">t</q:Y><Z xmlns=\"\"/></X>",
        "<p:X xmlns:p=\"urn:x\" v=\"h&#xE9;\"><!--c--><![CDATA[<x>]]><?pi data?>h\xC3\xA9</p:X>",
        "<p:X xmlns:p=\"urn:x\"><p:Y>h\xC3\xA9 &#x65E5;</p:Y><p:Z a=\"&#x65E5;\"/></p:X>",
        "<p:X xmlns:p=\"urn:x\"/>",
    };

    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        char doc[2048], *xml = NULL, *detail = NULL, *want;
        struct wsm_reply *r = NULL;

        snprintf(doc, sizeof(doc), "%s<s:Body>%s</s:Body>%s", ENV_OPEN, bodies[i], ENV_CLOSE);
        want = libxml2_body(doc);
        ok_hr(0, parse_quiet(doc, strlen(doc), "UTF-8", 0, &r, &detail, "standalone bytes"));
        if (r) {
            ok_hr(0, wsm_reply_body(r, &xml, &detail));
            ok(want && xml && !strcmp(want, xml), "standalone case %zu: %s, libxml2 %s", i,
               xml ? xml : "(null)", want ? want : "(null)");
            free(xml);
            wsm_reply_free(r);
        }
        free(detail);
        free(want);
    }
}

static void test_get(void)
{
    struct wsm_reply *r;
    char *xml = NULL, *detail = NULL;

    if ((r = parse_vector("ms-wsmv/001-get-wmi-instance-response.xml"))) {
        ok_str(WSM_ACTION_GET_RESPONSE, wsm_reply_action(r));
        ok_hr(0, wsm_reply_check_relates_to(r, "uuid:5e6fd101-710a-4eea-a50d-70c0bf863aa3", &detail));
        ok_hr(0, wsm_reply_body(r, &xml, &detail));
        ok_standalone(xml, "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/mynamespace/myclass",
                      "myclass");
        ok(contains(xml, "<p:Data1>Hello World</p:Data1>") && contains(xml, "<cim:Location") &&
               contains(xml, "<wsman:Selector Name=\"id\">1</wsman:Selector>"),
           "get body %s", xml ? xml : "(null)");
        free(xml);
        wsm_reply_free(r);
    }
    if ((r = parse_vector("ms-wsmv/007-get-config-response.xml"))) {
        ok_hr(0, wsm_reply_body(r, &xml, &detail));
        ok_standalone(xml, "http://schemas.microsoft.com/wbem/wsman/1/config", "Config");
        ok(contains(xml, "<cfg:MaxEnvelopeSizekb>50</cfg:MaxEnvelopeSizekb>"), "config body %.200s",
           xml ? xml : "(null)");
        free(xml);
        wsm_reply_free(r);
    }

    /* Namespaces declared only on the envelope, including prefixes used only
     * inside xsi:type values, must be declared on the standalone body. */
    static const char hoist[] =
        "<s:Envelope xmlns:s=\"" WSM_NS_SOAP "\" xmlns:p=\"urn:class\" xmlns:cim=\"" WSM_NS_CIM_COMMON
        "\" xmlns:xsi=\"" WSM_NS_XSI "\" xmlns:u=\"urn:unused\"><s:Body><p:Thing xsi:type=\"p:Thing_Type\">"
        "<p:Name xsi:type=\"cim:cimString\">h\xC3\xA9 \xE6\x97\xA5</p:Name><p:Nil "
        "xsi:nil=\"true\"/></p:Thing>"
        "<p:Second/></s:Body>" ENV_CLOSE;
    ok_hr(0, parse_quiet(hoist, sizeof(hoist) - 1, "UTF-8", 0, &r, &detail, "hoisted namespaces"));
    if (r) {
        ok_hr(0, wsm_reply_body(r, &xml, &detail));
        ok_standalone(xml, "urn:class", "Thing");
        ok(contains(xml, "xmlns:cim=\"" WSM_NS_CIM_COMMON "\"") && contains(xml, "h\xC3\xA9 \xE6\x97\xA5") &&
               !contains(xml, "urn:unused") && !contains(xml, "Second"),
           "hoisted body %s", xml ? xml : "(null)");
        free(xml);
        wsm_reply_free(r);
    }

    /* Put may answer with an empty body. */
    static const char empty[] =
        ENV_OPEN "<s:Header><a:Action>" WSM_ACTION_PUT_RESPONSE "</a:Action></s:Header>"
                 "<s:Body>\n  </s:Body>" ENV_CLOSE;
    ok_hr(0, parse_quiet(empty, sizeof(empty) - 1, NULL, 0, &r, &detail, "empty body"));
    if (r) {
        xml = NULL;
        ok_hr(0, wsm_reply_body(r, &xml, &detail));
        ok_str("", xml);
        free(xml);
        ok_str(WSM_ACTION_PUT_RESPONSE, wsm_reply_action(r));
        wsm_reply_free(r);
    }
}

struct create_case {
    const char *file;
    const char *uri;
    size_t n;
    const char *names[3], *values[3];
};

static const struct create_case create_cases[] = {
    {"pypsrp/025-shell-create-response.xml",
     WSM_URI_SHELL_CMD,
     1,
     {"ShellId"},
     {"F15E6BF4-8A64-41F7-BDDE-13F83D9D22DD"}},
    {"pypsrp/036-psrp-shell-create-response.xml",
     "http://schemas.microsoft.com/powershell/Microsoft.PowerShell",
     1,
     {"ShellId"},
     {"C8CD7685-F0A0-4B79-8F82-B8B37462667A"}},
    {"winrb/010-shell-create-v1-response.xml",
     WSM_URI_SHELL_CMD,
     1,
     {"ShellId"},
     {"uuid:739990FF-1492-4CDD-80BB-6E07ADB06D85"}},
    {"winrb/015-omi-shell-create-response.xml",
     "http://schemas.microsoft.com/powershell/Microsoft.PowerShell",
     1,
     {"ShellId"},
     {"74142DC5-E14D-4FCC-86ED-63DA3EE8407E"}},
    {"pywinrm/027-shell-create-relatesto-mismatch-response.xml",
     WSM_URI_SHELL_CMD,
     1,
     {"ShellId"},
     {"4C7F3BB5-B508-4F20-9B6E-C8980CFCADCA"}},
    {"ms-wsmv/009-create-certmapping-response.xml",
     "http://schemas.microsoft.com/wbem/wsman/1/config/service/certmapping",
     3,
     {"URI", "Subject", "Issuer"},
     {"*", "*@example.test", "5600a015ca5e8a26f638b74e819ae92096da5c8c"}},
};

static void test_create(void)
{
    for (size_t i = 0; i < sizeof(create_cases) / sizeof(create_cases[0]); i++) {
        const struct create_case *c = &create_cases[i];
        struct wsm_reply *r = parse_vector(c->file);
        struct wsm_locator *l = NULL;
        char *epr = NULL, *detail = NULL;

        if (!r)
            continue;
        ok_str(WSM_ACTION_CREATE_RESPONSE, wsm_reply_action(r));
        ok_hr(0, wsm_reply_created(r, &epr, &detail));
        ok_standalone(epr, WSM_NS_TRANSFER, "ResourceCreated");
        ok(!contains(epr, "rsp:Shell"), "%s: EPR holds the rsp:Shell sibling", c->file);
        ok(wsm_looks_like_xml(epr), "%s: EPR does not look like XML", c->file);
        ok_hr(0, wsm_parse_epr(epr, &l, &detail));
        if (l) {
            ok_str(c->uri, l->uri);
            ok(l->n_selectors == c->n, "%s: %zu selectors", c->file, l->n_selectors);
            for (size_t k = 0; k < c->n && k < l->n_selectors; k++) {
                ok_str(c->names[k], l->selectors[k].name);
                ok_str(c->values[k], l->selectors[k].value);
            }
            wsm_locator_free(l);
        }
        free(epr);
        epr = NULL;
        /* The Create body as a whole is also reachable (first child). */
        ok_hr(0, wsm_reply_body(r, &epr, &detail));
        ok_standalone(epr, WSM_NS_TRANSFER, "ResourceCreated");
        free(epr);
        free(detail);
        wsm_reply_free(r);
    }
}

/* ---- RelatesTo ---- */

static void test_relates_to(void)
{
    struct wsm_reply *r;
    char *detail = NULL;

    if ((r = parse_vector("pypsrp/025-shell-create-response.xml"))) {
        ok_hr(0, wsm_reply_check_relates_to(r, "uuid:B76F7604-293A-401D-80D6-B85D4F810CA2", &detail));
        ok_hr(0, wsm_reply_check_relates_to(r, "uuid:b76f7604-293a-401d-80d6-b85d4f810ca2", &detail));
        ok(detail == NULL, "detail on success");
        ok_hr(WSM_E_INVALIDARG, wsm_reply_check_relates_to(r, NULL, &detail));
        wsm_reply_free(r);
    }
    if ((r = parse_vector("pywinrm/027-shell-create-relatesto-mismatch-response.xml"))) {
        ok_hr(ERROR_WSMAN_RESPONSE_INVALID_MESSAGE_INFORMATION_HEADER,
              wsm_reply_check_relates_to(r, "uuid:11111111-1111-1111-1111-111111111111", &detail));
        ok(contains(detail, "uuid:11111111-1111-1111-1111-111111111112") &&
               contains(detail, "uuid:11111111-1111-1111-1111-111111111111"),
           "mismatch detail \"%s\"", detail ? detail : "(null)");
        free(detail);
        detail = NULL;
        ok_hr(0, wsm_reply_check_relates_to(r, "uuid:11111111-1111-1111-1111-111111111112", &detail));
        wsm_reply_free(r);
    }
    if ((r = parse_vector("pywinrm/021-get-config-fault-invalidheader-response.xml"))) {
        ok_hr(0, wsm_reply_check_relates_to(r, "uuid:6292D774-84D1-4421-8A5E-0EE2EA3831DA", &detail));
        wsm_reply_free(r);
    }
    if ((r = parse_vector("winrb/017-omi-get-config-fault-response.xml"))) {
        ok_hr(0, wsm_reply_check_relates_to(r, "uuid:01022086-C0D6-45DA-85F2-21FA2B476FCA", &detail));
        wsm_reply_free(r);
    }
}

/* ---- Enumerate and Pull ---- */

static size_t drain(struct wsm_enum_state *st, const char *ns, const char *name, const char *expect_text)
{
    size_t n = 0;
    char *item;
    int found = !expect_text;

    while ((item = wsm_enum_pop(st))) {
        ok_standalone(item, ns, name);
        found |= contains(item, expect_text);
        free(item);
        n++;
    }
    ok(found, "no item contains \"%s\"", expect_text ? expect_text : "");
    return n;
}

#define NS_PROCESS "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Process"
#define NS_MYCLASS "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/mynamespace/myclass"

static void test_enumeration(void)
{
    struct wsm_enum_state st;
    struct wsm_reply *r, *pull;
    char *detail = NULL;

    /* Optimized, finished at once: empty context, w:Items, w:EndOfSequence. */
    wsm_enum_init(&st);
    if ((r = parse_vector("pypsrp/053-enumerate-shells-optimized-response.xml"))) {
        ok_str(WSM_ACTION_ENUMERATE_RESPONSE, wsm_reply_action(r));
        ok_hr(0, wsm_reply_enumeration(r, 0, &st, &detail));
        ok(st.count == 2 && st.end_of_sequence && !st.context, "053: count %zu eos %d ctx %s", st.count,
           st.end_of_sequence, st.context ? st.context : "(null)");
        ok(drain(&st, WSM_NS_SHELL, "Shell", "01AA3E43-9E21-424B-A7FC-BC16AA34F4CE") == 2, "053 items");
        ok(wsm_enum_at_end(&st), "053 not at end");
        wsm_reply_free(r);
    }
    wsm_enum_clear(&st);

    /* Empty result: no Items element at all. */
    if ((r = parse_vector("pypsrp/054-enumerate-commands-empty-response.xml"))) {
        ok_hr(0, wsm_reply_enumeration(r, 0, &st, &detail));
        ok(st.count == 0 && st.end_of_sequence && !st.context, "054 state");
        wsm_reply_free(r);
    }
    wsm_enum_clear(&st);

    /* Items and a context but no EOS, then a Pull with n:EndOfSequence. */
    r = parse_vector("winrb/001-enumerate-wmi-optimized-response.xml");
    pull = parse_vector("winrb/002-pull-endofsequence-response.xml");
    if (r && pull) {
        ok_hr(0, wsm_reply_enumeration(r, 0, &st, &detail));
        ok(st.count == 2 && !st.end_of_sequence, "winrb 001 count %zu eos %d", st.count, st.end_of_sequence);
        ok_str("uuid:12AE5286-91FE-48F3-937E-0C22FF1AD7A1", st.context);

        /* The wrong response element changes nothing. */
        ok_hr(ERROR_WSMAN_RESPONSE_NO_RESULTS, wsm_reply_enumeration(r, 1, &st, &detail));
        ok(contains(detail, "EnumerateResponse") && contains(detail, "PullResponse"), "detail \"%s\"",
           detail ? detail : "(null)");
        free(detail);
        detail = NULL;
        ok_hr(ERROR_WSMAN_RESPONSE_NO_RESULTS, wsm_reply_enumeration(pull, 0, &st, &detail));
        free(detail);
        detail = NULL;
        ok(st.count == 2 && !st.end_of_sequence && st.context, "state changed by a refused reply");

        ok_hr(0, wsm_reply_enumeration(pull, 1, &st, &detail));
        ok(st.count == 3 && st.end_of_sequence && !st.context, "winrb 002 count %zu eos %d", st.count,
           st.end_of_sequence);
        ok(drain(&st, NS_PROCESS, "Win32_Process", "<cim:Datetime>2013-04-29T13:09:06.102138-07:00<") == 3,
           "winrb items");
    }
    wsm_reply_free(r);
    wsm_reply_free(pull);
    wsm_enum_clear(&st);

    /* Plain Enumerate (context only), Pull with a new context, Pull with EOS. */
    if ((r = parse_vector("ms-wsmv/002-enumerate-response.xml"))) {
        ok_hr(0, wsm_reply_enumeration(r, 0, &st, &detail));
        ok_str("uuid:22EB9809-5543-4020-A75C-FD95FF06217B", st.context);
        ok(st.count == 0 && !st.end_of_sequence, "ms-wsmv 002 state");
        wsm_reply_free(r);
        if ((r = parse_vector("ms-wsmv/003-pull-response.xml"))) {
            ok_hr(0, wsm_reply_enumeration(r, 1, &st, &detail));
            ok_str("uuid:2504CA0D-94B9-4F91-B2F7-9F4CD9A2A96C", st.context);
            ok(st.count == 1 && !st.end_of_sequence, "ms-wsmv 003 state");
            wsm_reply_free(r);
        }
        if ((r = parse_vector("ms-wsmv/004-pull-endofsequence-response.xml"))) {
            ok_hr(0, wsm_reply_enumeration(r, 1, &st, &detail));
            ok(st.count == 2 && st.end_of_sequence && !st.context, "ms-wsmv 004 state");
            ok(drain(&st, NS_MYCLASS, "myclass", "<p:Data1>\"Hello again\"</p:Data1>") == 2, "ms-wsmv items");
            wsm_reply_free(r);
        }
    }
    wsm_enum_clear(&st);

    /* EnumerateObjectAndEPR items (w:Item) and EPR items, namespaces only on
     * the envelope; then a response with nothing usable. */
    static const char mixed[] = ENV_OPEN
        "<s:Body><n:PullResponse xmlns:p=\"urn:p\"><n:EnumerationContext> ctx-2 </n:EnumerationContext>"
        "<n:Items><w:Item><p:Obj><p:K>1</p:K></p:Obj><a:EndpointReference><a:Address>" WSM_URI_ANONYMOUS
        "</a:Address><a:ReferenceParameters><w:ResourceURI>urn:p</w:ResourceURI></a:ReferenceParameters>"
        "</a:EndpointReference></w:Item>text<!-- c --><a:EndpointReference><a:Address>x</a:Address>"
        "</a:EndpointReference></n:Items></n:PullResponse></s:Body>" ENV_CLOSE;
    static const char nothing[] = ENV_OPEN "<s:Body><n:PullResponse><n:EnumerationContext/></n:PullResponse>"
                                           "</s:Body>" ENV_CLOSE;
    st.context = strdup("ctx-1");
    ok_hr(0, parse_quiet(mixed, sizeof(mixed) - 1, NULL, 0, &r, &detail, "mixed items"));
    if (r) {
        ok_hr(0, wsm_reply_enumeration(r, 1, &st, &detail));
        ok_str("ctx-2", st.context);
        char *item = wsm_enum_pop(&st);
        ok_standalone(item, WSM_NS_WSMAN, "Item");
        ok(contains(item, "xmlns:p=\"urn:p\"") && contains(item, "xmlns:a=\"" WSM_NS_ADDRESSING "\""),
           "w:Item namespaces: %s", item ? item : "(null)");
        free(item);
        item = wsm_enum_pop(&st);
        ok_standalone(item, WSM_NS_ADDRESSING, "EndpointReference");
        free(item);
        ok(wsm_enum_pop(&st) == NULL, "extra item");
        wsm_reply_free(r);
    }
    ok_hr(0, parse_quiet(nothing, sizeof(nothing) - 1, NULL, 0, &r, &detail, "nothing"));
    if (r) {
        ok_hr(ERROR_WSMAN_RESPONSE_INVALID_ENUMERATION_CONTEXT, wsm_reply_enumeration(r, 1, &st, &detail));
        ok(detail != NULL, "no detail");
        free(detail);
        detail = NULL;
        ok_str("ctx-2", st.context);
        wsm_reply_free(r);
    }
    wsm_enum_clear(&st);
}

/* ---- EPR strings ---- */

static void test_epr(void)
{
    struct wsm_locator *l = NULL;
    char *detail = NULL;

    ok(wsm_looks_like_xml("  \r\n\t<a/>"), "blank-led XML");
    ok(!wsm_looks_like_xml("http://schemas.microsoft.com/wbem/wsman/1/wmi"), "URI taken for XML");
    ok(!wsm_looks_like_xml("wmi/root?x=<y>"), "URI with < taken for XML");
    ok(!wsm_looks_like_xml("") && !wsm_looks_like_xml(NULL) && !wsm_looks_like_xml("   "), "blank");

    /* A nested EPR selector keeps its XML; the root may be an EndpointReference. */
    static const char nested[] =
        "<a:EndpointReference xmlns:a=\"" WSM_NS_ADDRESSING "\" xmlns:w=\"" WSM_NS_WSMAN "\">"
        "<a:Address>" WSM_URI_ANONYMOUS "</a:Address><a:ReferenceParameters>"
        "<w:ResourceURI>http://schemas.microsoft.com/wbem/wsman/1/wmi/root/virtualization/Msvm_X"
        "</w:ResourceURI>"
        "<w:SelectorSet><w:Selector Name=\"Name\">vm 1</w:Selector><w:Selector Name=\"Blank\"/>"
        "<w:Selector Name=\"Ref\"><a:EndpointReference><a:Address>x</a:Address><a:ReferenceParameters>"
        "<w:ResourceURI>urn:inner</w:ResourceURI></a:ReferenceParameters></a:EndpointReference></w:Selector>"
        "</w:SelectorSet></a:ReferenceParameters></a:EndpointReference>";
    ok_hr(0, wsm_parse_epr(nested, &l, &detail));
    if (l) {
        ok_str("http://schemas.microsoft.com/wbem/wsman/1/wmi/root/virtualization/Msvm_X", l->uri);
        ok(l->n_selectors == 3, "nested: %zu selectors", l->n_selectors);
        if (l->n_selectors == 3) {
            ok_str("vm 1", l->selectors[0].value);
            ok_str("", l->selectors[1].value);
            ok_str("Ref", l->selectors[2].name);
            ok_standalone(l->selectors[2].value, WSM_NS_ADDRESSING, "EndpointReference");
            ok(contains(l->selectors[2].value, "urn:inner"), "nested value %s", l->selectors[2].value);
        }
        ok(l->n_options == 0 && !l->fragment_path, "EPR locator has extras");
        wsm_locator_free(l);
        l = NULL;
    }
    /* Bare ReferenceParameters, aliases not expanded. */
    static const char bare[] =
        "<a:ReferenceParameters xmlns:a=\"" WSM_NS_ADDRESSING "\"><w:ResourceURI xmlns:w=\"" WSM_NS_WSMAN
        "\">wmicimv2/Win32_Service</w:ResourceURI></a:ReferenceParameters>";
    ok_hr(0, wsm_parse_epr(bare, &l, &detail));
    if (l) {
        ok_str("wmicimv2/Win32_Service", l->uri);
        ok(l->n_selectors == 0, "bare selectors");
        wsm_locator_free(l);
        l = NULL;
    }

    static const struct {
        const char *xml, *word;
    } bad[] = {
        {"not xml at all", "well-formed"},
        {"<a:EndpointReference xmlns:a=\"" WSM_NS_ADDRESSING
         "\"><a:Address>x</a:Address></a:EndpointReference>",
         "ReferenceParameters"},
        {"<x:ResourceCreated xmlns:x=\"" WSM_NS_TRANSFER "\" xmlns:a=\"" WSM_NS_ADDRESSING
         "\"><a:ReferenceParameters/></x:ResourceCreated>",
         "ResourceURI"},
        {"<R xmlns:a=\"" WSM_NS_ADDRESSING "\" xmlns:w=\"" WSM_NS_WSMAN
         "\"><a:ReferenceParameters><w:ResourceURI> "
         "</w:ResourceURI></a:ReferenceParameters></R>",
         "empty"},
        {"<R xmlns:a=\"" WSM_NS_ADDRESSING "\" xmlns:w=\"" WSM_NS_WSMAN
         "\"><a:ReferenceParameters><w:ResourceURI>u"
         "</w:ResourceURI><w:SelectorSet><w:Selector>v</w:Selector></w:SelectorSet></a:ReferenceParameters>"
         "</R>",
         "Name"},
        {"<R xmlns:a=\"" WSM_NS_ADDRESSING "\" xmlns:w=\"" WSM_NS_WSMAN
         "\"><a:ReferenceParameters><w:ResourceURI>u"
         "</w:ResourceURI><w:SelectorSet><w:Selector Name=\"k\">1</w:Selector><w:Selector Name=\"k\">2"
         "</w:Selector></w:SelectorSet></a:ReferenceParameters></R>",
         "\"k\""},
        {"<!DOCTYPE R [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><R>&e;</R>", "DTD"},
        {"", "empty"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        static struct wsm_locator sentinel;
        l = &sentinel; /* must be reset */
        ok_hr(ERROR_WSMAN_CLIENT_INVALID_RESOURCE_LOCATOR, wsm_parse_epr(bad[i].xml, &l, &detail));
        ok(l == NULL && contains(detail, bad[i].word), "bad EPR %zu: detail \"%s\"", i,
           detail ? detail : "(null)");
        free(detail);
        detail = NULL;
    }
    ok_hr(ERROR_WSMAN_CLIENT_INVALID_RESOURCE_LOCATOR, wsm_parse_epr(NULL, &l, &detail));
    free(detail);
}

/* ---- hostile and odd input ---- */

/* Converts UTF-8 (assumed valid) to UTF-16, optionally with a BOM. */
static char *to_utf16(const char *s, size_t len, int big_endian, int bom, size_t *out_len)
{
    char *out = malloc(len * 4 + 2), *o = out;
    const unsigned char *p = (const unsigned char *)s, *end = p + len;

    if (!out)
        return NULL;
#define PUT16(u)                                                                                             \
    do {                                                                                                     \
        unsigned v_ = (u);                                                                                   \
        *o++ = (char)(big_endian ? v_ >> 8 : v_ & 0xFF);                                                     \
        *o++ = (char)(big_endian ? v_ & 0xFF : v_ >> 8);                                                     \
    } while (0)
    if (bom)
        PUT16(0xFEFF);
    while (p < end) {
        unsigned cp;
        if (*p < 0x80) {
            cp = *p++;
        } else if ((*p & 0xE0) == 0xC0) {
            cp = (unsigned)(p[0] & 0x1F) << 6 | (p[1] & 0x3F);
            p += 2;
        } else if ((*p & 0xF0) == 0xE0) {
            cp = (unsigned)(p[0] & 0x0F) << 12 | (unsigned)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
            p += 3;
        } else {
            cp = (unsigned)(p[0] & 0x07) << 18 | (unsigned)(p[1] & 0x3F) << 12 |
                 (unsigned)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
            p += 4;
        }
        if (cp >= 0x10000) {
            PUT16(0xD800 + ((cp - 0x10000) >> 10));
            PUT16(0xDC00 + ((cp - 0x10000) & 0x3FF));
        } else {
            PUT16(cp);
        }
    }
#undef PUT16
    *out_len = (size_t)(o - out);
    return out;
}

static void test_encodings(void)
{
    static const char text[] =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>" ENV_OPEN "<s:Body><p:V xmlns:p=\"urn:v\">h\xC3\xA9 "
        "\xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80</p:V></s:Body>" ENV_CLOSE;
    static const char expect[] = "h\xC3\xA9 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x98\x80";
    static const struct {
        const char *name;
        int big_endian, bom;
        const char *charset;
    } cases[] = {
        {"UTF-16LE with BOM", 0, 1, "utf-16"},
        {"UTF-16BE with BOM", 1, 1, "UTF-16"},
        {"UTF-16LE with BOM, no charset", 0, 1, NULL},
        {"UTF-16 without BOM, charset utf-16", 0, 0, "utf-16"},
        {"UTF-16 without BOM, charset \"UTF-16\"", 0, 0, " \"UTF-16\" "},
        {"UTF-16BE without BOM, charset utf-16be", 1, 0, "utf-16be"},
        {"UTF-16LE BOM wins over charset utf-8", 0, 1, "utf-8"},
        {"UTF-16BE BOM wins over an unknown charset", 1, 1, "iso-8859-1"},
    };
    struct wsm_reply *r;
    char *detail = NULL, *xml = NULL;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t len = 0;
        char *data = to_utf16(text, sizeof(text) - 1, cases[i].big_endian, cases[i].bom, &len);
        r = NULL;
        ok_hr(0, parse_quiet(data, len, cases[i].charset, 0, &r, &detail, cases[i].name));
        if (detail)
            fprintf(stderr, "  %s: %s\n", cases[i].name, detail);
        free(detail);
        detail = NULL;
        if (r) {
            ok_hr(0, wsm_reply_body(r, &xml, &detail));
            ok(contains(xml, expect), "%s: body %s", cases[i].name, xml ? xml : "(null)");
            free(xml);
            wsm_reply_free(r);
        }
        free(data);
    }

    /* UTF-16 of an odd number of bytes: an error, not the text without its last byte (LE, BE, BOM or
     * charset alike); the same text one byte longer, with a trailing space, is fine. */
    for (int be = 0; be < 2; be++) {
        size_t n = 0;
        char *data = to_utf16(text, sizeof(text) - 1, be, 1, &n);
        char *odd = malloc(n + 1);
        memcpy(odd, data, n);
        odd[n] = be ? 0 : ' ';
        r = NULL;
        ok_hr(ERROR_WSMAN_INVALID_XML,
              parse_quiet(odd, n + 1, be ? "utf-16be" : "utf-16", 0, &r, &detail, "odd UTF-16"));
        ok(!r && contains(detail, "odd number of bytes"), "odd UTF-16 detail: %s", detail ? detail : "");
        free(detail);
        detail = NULL;
        ok_hr(ERROR_WSMAN_INVALID_XML, parse_quiet(odd + 2, n - 1, be ? "utf-16be" : "utf-16", 0, &r, &detail,
                                                   "odd UTF-16 without BOM"));
        free(detail);
        detail = NULL;
        free(odd);
        free(data);
    }

    /* A real capture transcoded to UTF-16LE (the Windows event-forwarding form). */
    size_t len = 0, wlen = 0;
    char *data = load_vector("pypsrp/053-enumerate-shells-optimized-response.xml", &len);
    if (data) {
        char *wide = to_utf16(data, len, 0, 1, &wlen);
        struct wsm_enum_state st;
        wsm_enum_init(&st);
        ok_hr(0, parse_quiet(wide, wlen, "utf-16", MAX_ENVELOPE, &r, &detail, "053 as UTF-16LE"));
        if (r) {
            ok_hr(0, wsm_reply_enumeration(r, 0, &st, &detail));
            ok(st.count == 2 && st.end_of_sequence, "UTF-16 053 state");
            wsm_reply_free(r);
        }
        wsm_enum_clear(&st);
        free(wide);
        free(data);
    }

    /* UTF-8 BOM wins over charset utf-16. */
    static const char bom8[] = "\xEF\xBB\xBF" ENV_OPEN "<s:Body/>" ENV_CLOSE;
    ok_hr(0, parse_quiet(bom8, sizeof(bom8) - 1, "utf-16", 0, &r, &detail, "UTF-8 BOM"));
    wsm_reply_free(r);

    /* Unknown charset, no BOM. */
    static const char plain[] = ENV_OPEN "<s:Body/>" ENV_CLOSE;
    ok_hr(ERROR_WSMAN_UNSUPPORTED_ENCODING,
          parse_quiet(plain, sizeof(plain) - 1, "iso-8859-1", 0, &r, &detail, "unknown charset"));
    ok(contains(detail, "iso-8859-1"), "charset detail \"%s\"", detail ? detail : "(null)");
    free(detail);
    detail = NULL;
    ok_hr(ERROR_WSMAN_UNSUPPORTED_ENCODING,
          parse_quiet(plain, sizeof(plain) - 1, "a-charset-name-much-longer-than-any-real-one", 0, &r,
                      &detail, "long charset"));
    free(detail);
    detail = NULL;
    ok_hr(0, parse_quiet(plain, sizeof(plain) - 1, "UTF-8", 0, &r, &detail, "charset UTF-8"));
    wsm_reply_free(r);
    ok_hr(0, parse_quiet(plain, sizeof(plain) - 1, "", 0, &r, &detail, "empty charset"));
    wsm_reply_free(r);

    /* UTF-16 bytes announced as utf-8 (no BOM): refused, not misread. */
    data = to_utf16(plain, sizeof(plain) - 1, 0, 0, &wlen);
    ok_hr(ERROR_WSMAN_INVALID_XML, parse_quiet(data, wlen, "utf-8", 0, &r, &detail, "UTF-16 as utf-8"));
    free(detail);
    detail = NULL;
    free(data);
    /* Invalid UTF-8. */
    static const char bad8[] = ENV_OPEN "<s:Body><p:V xmlns:p=\"urn:v\">\xFF\xFE</p:V></s:Body>" ENV_CLOSE;
    ok_hr(ERROR_WSMAN_INVALID_XML, parse_quiet(bad8, sizeof(bad8) - 1, "utf-8", 0, &r, &detail, "bad UTF-8"));
    free(detail);
}

static char *passwd_line; /* the first line of /etc/passwd, which must never show up */

static void check_no_passwd(const char *what, const char *s)
{
    ok(!contains(s, passwd_line) && !contains(s, "root:x:0:0"), "%s leaked /etc/passwd: %s", what, s);
}

static void expect_refused_max(const char *what, const char *data, size_t len, size_t max, int32_t expected,
                               const char *word)
{
    struct wsm_reply *r = (struct wsm_reply *)&r; /* must be reset */
    char *detail = NULL;

    ok_hr(expected, parse_quiet(data, len, "utf-8", max, &r, &detail, what));
    ok(r == NULL, "%s: reply returned", what);
    ok(contains(detail, word), "%s: detail \"%s\" lacks \"%s\"", what, detail ? detail : "(null)", word);
    check_no_passwd(what, detail);
    free(detail);
    if (r != (struct wsm_reply *)&r)
        wsm_reply_free(r);
}

static void expect_refused(const char *what, const char *data, size_t len, int32_t expected, const char *word)
{
    expect_refused_max(what, data, len, 0, expected, word);
}

/* A reply within MaxEnvelopeSize whose s:Body child has n attributes (the hostile one of the issue has
 * 50,000). Free it. */
static char *crowded_reply(int n, size_t *len)
{
    size_t cap = 256 + (size_t)n * 16;
    char *x = malloc(cap);
    size_t k;

    if (!x)
        return NULL;
    k = (size_t)snprintf(x, cap, "%s<s:Body><p:X xmlns:p=\"urn:x\"", ENV_OPEN);
    for (int i = 0; i < n; i++)
        k += (size_t)snprintf(x + k, cap - k, " a%d=\"\"", i);
    k += (size_t)snprintf(x + k, cap - k, "/></s:Body>%s", ENV_CLOSE);
    *len = k;
    return x;
}

/* Attributes on one element cost libxml2 2.9 time quadratic in their number: past WSM_XML_MAX_ATTRIBUTES
 * the reply is refused before it is parsed; below, it parses as before. */
static void test_crowded(void)
{
    struct wsm_reply *r = NULL;
    char *detail = NULL, *data, *wide;
    size_t len = 0;

    data = crowded_reply(50000, &len);
    ok(data && len <= MAX_ENVELOPE, "crowded: the hostile reply (%zu bytes) is within MaxEnvelopeSize", len);
    if (data)
        expect_refused_max("50,000 attributes", data, len, MAX_ENVELOPE, ERROR_WSMAN_INVALID_XML,
                           "more than 1000 attributes (line 1)");
    /* The same in UTF-16 (the charset WinRM may use): the scan reads its code units. */
    wide = data ? malloc(2 * len) : NULL;
    if (wide) {
        for (size_t i = 0; i < len; i++) {
            wide[2 * i] = data[i];
            wide[2 * i + 1] = 0;
        }
        ok_hr(ERROR_WSMAN_INVALID_XML,
              parse_quiet(wide, 2 * len, "utf-16", 0, &r, &detail, "50,000 attributes in UTF-16"));
        ok(contains(detail, "attributes"), "crowded: UTF-16 detail \"%s\"", detail ? detail : "(null)");
        free(detail);
        detail = NULL;
        free(wide);
    }
    free(data);

    /* The namespace declaration makes it one more than 999. */
    data = crowded_reply(WSM_XML_MAX_ATTRIBUTES - 1, &len);
    r = NULL;
    ok_hr(0, data ? parse_quiet(data, len, "utf-8", MAX_ENVELOPE, &r, &detail, "1000 attributes")
                  : WSM_E_OUTOFMEMORY);
    if (r) {
        char *xml = NULL;
        ok_hr(0, wsm_reply_body(r, &xml, &detail));
        ok(contains(xml, " a998=\"\""), "crowded: the body keeps all 999 attributes");
        free(xml);
        wsm_reply_free(r);
    }
    free(data);
    data = crowded_reply(WSM_XML_MAX_ATTRIBUTES, &len);
    if (data)
        expect_refused("1001 attributes", data, len, ERROR_WSMAN_INVALID_XML, "more than 1000 attributes");
    free(data);
}

static void test_hostile(void)
{
    static const char laughs[] =
        "<?xml version=\"1.0\"?><!DOCTYPE s:Envelope [<!ENTITY lol \"lol\">"
        "<!ENTITY lol1 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
        "<!ENTITY lol2 \"&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;\">"
        "<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
        "<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
        "<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
        "<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
        "<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
        "<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
        "<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">]>" ENV_OPEN
        "<s:Body><p:X xmlns:p=\"urn:x\">&lol9;</p:X></s:Body>" ENV_CLOSE;
    static const char xxe[] = "<!DOCTYPE s:Envelope [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>" ENV_OPEN
                              "<s:Body><p:X xmlns:p=\"urn:x\" v=\"&xxe;\">&xxe;</p:X></s:Body>" ENV_CLOSE;
    static const char xxe_param[] =
        "<!DOCTYPE s:Envelope [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>" ENV_OPEN
        "<s:Body/>" ENV_CLOSE;
    static const char ext_dtd[] =
        "<!DOCTYPE s:Envelope SYSTEM \"file:///etc/passwd\">" ENV_OPEN "<s:Body/>" ENV_CLOSE;
    static const char ext_dtd_net[] =
        "<!DOCTYPE s:Envelope PUBLIC \"-//X//Y\" \"http://127.0.0.1:9/x.dtd\">" ENV_OPEN
        "<s:Body/>" ENV_CLOSE;
    static const char no_dtd_entity[] =
        ENV_OPEN "<s:Body><p:X xmlns:p=\"urn:x\">&xxe;</p:X></s:Body>" ENV_CLOSE;
    static const char xinclude[] = ENV_OPEN
        "<s:Body><xi:include xmlns:xi=\"http://www.w3.org/2001/XInclude\" href=\"file:///etc/passwd\" "
        "parse=\"text\"/></s:Body>" ENV_CLOSE;
    static const char soap11[] = "<e:Envelope xmlns:e=\"http://schemas.xmlsoap.org/soap/envelope/\"><e:Body/>"
                                 "</e:Envelope>";
    static const char html[] = "<html><body>Service Unavailable</body></html>";
    static const char no_body[] = ENV_OPEN "<s:Header/>" ENV_CLOSE;
    static const char two_bodies_wrong_order[] =
        ENV_OPEN "<s:Header/><p:X xmlns:p=\"urn:x\"/><s:Body/>" ENV_CLOSE;
    static const char undeclared[] = ENV_OPEN "<s:Body><q:X/></s:Body>" ENV_CLOSE;
    static const char not_xml[] = "HTTP/1.1 500 Internal Server Error\r\n\r\noops";
    struct wsm_reply *r = NULL;
    char *detail = NULL, *xml = NULL;

    expect_refused("billion laughs", laughs, sizeof(laughs) - 1, ERROR_WSMAN_INVALID_XML, "DTD");
    expect_refused("XXE", xxe, sizeof(xxe) - 1, ERROR_WSMAN_INVALID_XML, "DTD");
    expect_refused("XXE parameter entity", xxe_param, sizeof(xxe_param) - 1, ERROR_WSMAN_INVALID_XML, "DTD");
    expect_refused("external DTD", ext_dtd, sizeof(ext_dtd) - 1, ERROR_WSMAN_INVALID_XML, "DTD");
    expect_refused("external DTD over the network", ext_dtd_net, sizeof(ext_dtd_net) - 1,
                   ERROR_WSMAN_INVALID_XML, "DTD");
    expect_refused("entity without DTD", no_dtd_entity, sizeof(no_dtd_entity) - 1, ERROR_WSMAN_INVALID_XML,
                   "xxe");
    expect_refused("SOAP 1.1", soap11, sizeof(soap11) - 1, ERROR_WSMAN_INVALID_XML, "SOAP 1.1");
    expect_refused("HTML", html, sizeof(html) - 1, ERROR_WSMAN_INVALID_XML, "not a SOAP 1.2 envelope");
    expect_refused("no body", no_body, sizeof(no_body) - 1, ERROR_WSMAN_INVALID_XML, "s:Body");
    expect_refused("element before body", two_bodies_wrong_order, sizeof(two_bodies_wrong_order) - 1,
                   ERROR_WSMAN_INVALID_XML, "s:Body");
    expect_refused("undeclared prefix", undeclared, sizeof(undeclared) - 1, ERROR_WSMAN_INVALID_XML,
                   "line 1");
    expect_refused("not XML", not_xml, sizeof(not_xml) - 1, ERROR_WSMAN_INVALID_XML, "line 1");
    expect_refused("empty", "", 0, ERROR_WSMAN_INVALID_XML, "empty");
    expect_refused("NULL", NULL, 0, ERROR_WSMAN_INVALID_XML, "empty");

    /* XInclude is never processed: the element stays as it is. */
    ok_hr(0, parse_quiet(xinclude, sizeof(xinclude) - 1, NULL, 0, &r, &detail, "xinclude"));
    if (r) {
        ok_hr(0, wsm_reply_body(r, &xml, &detail));
        ok_standalone(xml, "http://www.w3.org/2001/XInclude", "include");
        check_no_passwd("xinclude body", xml);
        free(xml);
        wsm_reply_free(r);
    }

    /* Truncated capture: libxml2's message and line make the detail. */
    size_t len = 0;
    char *data = load_vector("winrb/001-enumerate-wmi-optimized-response.xml", &len);
    if (data) {
        expect_refused("truncated", data, len / 2, ERROR_WSMAN_INVALID_XML, "(line ");
        /* Size cap: one byte over is refused before parsing, exactly the size is fine. */
        expect_refused_max("over max_size", data, len, len / 2, ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED,
                           "bytes");
        r = NULL;
        ok_hr(ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED,
              parse_quiet(data, len, NULL, len - 1, &r, &detail, "max_size - 1"));
        free(detail);
        detail = NULL;
        ok_hr(0, parse_quiet(data, len, NULL, len, &r, &detail, "max_size"));
        wsm_reply_free(r);
        free(data);
    }

    /* 10000 levels: libxml2's depth limit refuses it cleanly (or it parses). */
    {
        static const char head[] = ENV_OPEN "<s:Body>", tail[] = "</s:Body>" ENV_CLOSE;
        size_t depth = 10000, n = 0;
        char *deep = malloc(sizeof(head) + sizeof(tail) + depth * 7 + 1);
        memcpy(deep, head, sizeof(head) - 1);
        n = sizeof(head) - 1;
        for (size_t i = 0; i < depth; i++, n += 3)
            memcpy(deep + n, "<a>", 3);
        for (size_t i = 0; i < depth; i++, n += 4)
            memcpy(deep + n, "</a>", 4);
        memcpy(deep + n, tail, sizeof(tail) - 1);
        n += sizeof(tail) - 1;
        r = NULL;
        int32_t hr = parse_quiet(deep, n, "utf-8", 0, &r, &detail, "deep nesting");
        ok(hr == 0 || hr == ERROR_WSMAN_INVALID_XML, "deep nesting hr 0x%08X", (unsigned)hr);
        if (r) {
            ok_hr(0, wsm_reply_body(r, &xml, &detail));
            free(xml);
            wsm_reply_free(r);
        }
        free(detail);
        detail = NULL;
        free(deep);
    }

    /* Huge attributes: 1 MB parses and survives serialisation; 12 MB is over
     * libxml2's own limit and is refused cleanly (or parses, never crashes). */
    for (int big = 0; big < 2; big++) {
        static const char head[] = ENV_OPEN "<s:Body><p:X xmlns:p=\"urn:x\" v=\"",
                          tail[] = "\"/></s:Body>" ENV_CLOSE;
        size_t size = big ? 12u << 20 : 1u << 20, n;
        char *huge = malloc(sizeof(head) + sizeof(tail) + size);
        memcpy(huge, head, sizeof(head) - 1);
        memset(huge + sizeof(head) - 1, 'A', size);
        memcpy(huge + sizeof(head) - 1 + size, tail, sizeof(tail) - 1);
        n = sizeof(head) - 1 + size + sizeof(tail) - 1;
        r = NULL;
        int32_t hr =
            parse_quiet(huge, n, "utf-8", 0, &r, &detail, big ? "12 MB attribute" : "1 MB attribute");
        if (!big)
            ok_hr(0, hr);
        else
            ok(hr == 0 || hr == ERROR_WSMAN_INVALID_XML, "12 MB attribute hr 0x%08X", (unsigned)hr);
        if (r) {
            ok_hr(0, wsm_reply_body(r, &xml, &detail));
            ok(xml && strlen(xml) > size, "huge attribute lost");
            free(xml);
            wsm_reply_free(r);
        }
        free(detail);
        detail = NULL;
        free(huge);
    }
}

/* ---- out of memory ---- */

/* libxml2's allocations go through these, so that the k-th one can fail:
 * only that one (a caller that ignores the failure goes on and produces a
 * wrong result, which the comparison catches), or, while libxml2 itself
 * parses, that one and all later ones - libxml2 2.9's parser dereferences
 * NULL after some single failures, which is not ours to test. */
static long alloc_countdown = -1, alloc_failures;
static int alloc_sticky;

static int alloc_fails(void)
{
    if (alloc_countdown < 0)
        return 0;
    if (alloc_countdown == 0) {
        if (!alloc_sticky)
            alloc_countdown = -1;
        alloc_failures++;
        return 1;
    }
    alloc_countdown--;
    return 0;
}

static void *test_malloc(size_t n)
{
    return alloc_fails() ? NULL : malloc(n);
}

static void *test_realloc(void *p, size_t n)
{
    return alloc_fails() ? NULL : realloc(p, n);
}

static char *test_strdup(const char *s)
{
    return alloc_fails() ? NULL : strdup(s);
}

static void fail_allocation(long k, int sticky)
{
    alloc_countdown = k;
    alloc_sticky = sticky;
    alloc_failures = 0;
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Everything the parser produces for one reply, to compare runs. */
struct outcome {
    int32_t body_hr, identify_hr, created_hr, epr_hr, enum_hr;
    int fault;
    struct wsm_fault f;
    char *body, *identify, *created, *uri, *selectors, *context, *items;
    int eos;
};

static void outcome_clear(struct outcome *o)
{
    wsm_fault_clear(&o->f);
    free(o->body);
    free(o->identify);
    free(o->created);
    free(o->uri);
    free(o->selectors);
    free(o->context);
    free(o->items);
    memset(o, 0, sizeof(*o));
}

static char *join(char *acc, const char *s)
{
    size_t a = acc ? strlen(acc) : 0, n = strlen(s);
    char *grown = realloc(acc, a + n + 2);
    if (!grown)
        abort();
    memcpy(grown + a, s, n);
    grown[a + n] = '|';
    grown[a + n + 1] = '\0';
    return grown;
}

/* Everything but wsm_reply_parse and wsm_parse_epr. */
static void run_queries(const struct wsm_reply *r, int pull, struct outcome *o)
{
    struct wsm_enum_state st;
    char *detail = NULL, *item;

    memset(o, 0, sizeof(*o));
    o->fault = wsm_reply_get_fault(r, FALLBACK, &o->f);
    o->body_hr = wsm_reply_body(r, &o->body, NULL);
    o->identify_hr = wsm_reply_identify(r, &o->identify, &detail);
    free(detail);
    detail = NULL;
    o->created_hr = wsm_reply_created(r, &o->created, &detail);
    free(detail);
    detail = NULL;
    wsm_enum_init(&st);
    o->enum_hr = wsm_reply_enumeration(r, pull, &st, &detail);
    free(detail);
    if (o->enum_hr)
        ok(st.count == 0 && !st.context && !st.end_of_sequence, "failed enumeration changed the state");
    o->context = st.context ? strdup(st.context) : NULL;
    o->eos = st.end_of_sequence;
    while ((item = wsm_enum_pop(&st))) {
        o->items = join(o->items, item);
        free(item);
    }
    wsm_enum_clear(&st);
}

static int32_t run_epr(const char *epr, struct outcome *o)
{
    struct wsm_locator *l = NULL;
    char *detail = NULL;
    int32_t hr = wsm_parse_epr(epr, &l, &detail);

    if (!hr) {
        o->uri = strdup(l->uri);
        for (size_t i = 0; i < l->n_selectors; i++)
            o->selectors = join(join(o->selectors, l->selectors[i].name), l->selectors[i].value);
        wsm_locator_free(l);
    }
    free(detail);
    return hr;
}

/* loose_xml: the fault XML is synthesised by wsm_fault_xml (xmlfault.c), which
 * builds it with libxml2's tree API: libxml2 2.9 ignores some failed string
 * copies there, so under OOM it may differ; it must still be there. */
static int same_queries(const struct outcome *o, const struct outcome *ref, const char *file, long k,
                        int loose_xml)
{
    int good = 1;

#define SAME_OR_OOM(name, got, ref_hr, same)                                                                 \
    good &= ok((got) == WSM_E_OUTOFMEMORY || ((got) == (ref_hr) && (same)),                                  \
               "%s, failing allocation %ld: %s 0x%08X", file, k, name, (unsigned)(got))
    SAME_OR_OOM("fault", o->fault, ref->fault,
                o->f.hr == ref->f.hr && (loose_xml ? o->f.xml != NULL : same_str(o->f.xml, ref->f.xml)) &&
                    same_str(o->f.text, ref->f.text) && same_str(o->f.machine, ref->f.machine));
    SAME_OR_OOM("body", o->body_hr, ref->body_hr, same_str(o->body, ref->body));
    SAME_OR_OOM("identify", o->identify_hr, ref->identify_hr, same_str(o->identify, ref->identify));
    SAME_OR_OOM("created", o->created_hr, ref->created_hr, same_str(o->created, ref->created));
    SAME_OR_OOM("enumeration", o->enum_hr, ref->enum_hr,
                same_str(o->context, ref->context) && same_str(o->items, ref->items) && o->eos == ref->eos);
#undef SAME_OR_OOM
    return good;
}

/* Runs fn with stderr captured; returns the number of bytes printed. */
static long quietly(void (*fn)(void *), void *arg)
{
    FILE *capture = tmpfile();
    int saved = dup(2);
    long printed = -1;

    fflush(stderr);
    if (capture && saved >= 0)
        dup2(fileno(capture), 2);
    fn(arg);
    fflush(stderr);
    if (saved >= 0) {
        dup2(saved, 2);
        close(saved);
    }
    if (capture) {
        printed = (fseek(capture, 0, SEEK_END), ftell(capture));
        fclose(capture);
    }
    return printed;
}

struct oom_step {
    const char *data;
    size_t len;
    int pull;
    long k;
    struct wsm_reply *r;
    int32_t hr;
    struct outcome o;
};

static void step_parse(void *arg)
{
    struct oom_step *s = arg;
    char *detail = NULL;

    fail_allocation(s->k, 1);
    s->hr = wsm_reply_parse(s->data, s->len, "utf-8", 0, &s->r, &detail);
    alloc_countdown = -1;
    free(detail);
}

static void step_queries(void *arg)
{
    struct oom_step *s = arg;

    fail_allocation(s->k, 0);
    run_queries(s->r, s->pull, &s->o);
    alloc_countdown = -1;
}

static void step_epr(void *arg)
{
    struct oom_step *s = arg;

    fail_allocation(s->k, 1);
    s->hr = run_epr(s->data, &s->o);
    alloc_countdown = -1;
}

static void test_out_of_memory(void)
{
    static const struct {
        const char *file;
        int pull, synthesised;
    } cases[] = {
        {"omi/006-fault-destinationunreachable-invalidresourceuri-response.xml", 0, 0},
        {"winrb/014-fault-quotalimit-wmierror-response.xml", 0, 0},
        {"pypsrp/058-fault-mustunderstand-response.xml", 0, 1},
        {"pypsrp/025-shell-create-response.xml", 0, 0},
        {"knife-windows/002-identify-response.xml", 0, 0},
        {"winrb/001-enumerate-wmi-optimized-response.xml", 0, 0},
        {"winrb/002-pull-endofsequence-response.xml", 1, 0},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *file = cases[i].file;
        struct oom_step s = {.pull = cases[i].pull};
        struct outcome ref;
        char *data, *detail = NULL;
        int32_t ref_epr_hr = 0;

        if (!(data = load_vector(file, &s.len)))
            continue;
        s.data = data;
        ok_hr(0, wsm_reply_parse(data, s.len, "utf-8", 0, &s.r, &detail));
        if (!s.r) {
            free(data);
            continue;
        }
        run_queries(s.r, s.pull, &ref);
        if (!ref.created_hr)
            ref_epr_hr = run_epr(ref.created, &ref);

        /* Each query, the k-th libxml2 allocation failing; the same reply
         * serves every run, so nothing may be left changed in it either. */
        for (s.k = 0;; s.k++) {
            long printed = quietly(step_queries, &s);
            ok(printed == 0, "%s, failing allocation %ld: %ld bytes on stderr", file, s.k, printed);
            int good = same_queries(&s.o, &ref, file, s.k, cases[i].synthesised);
            outcome_clear(&s.o);
            if (!alloc_failures || !good)
                break;
        }
        ok(s.k > 3, "%s: only %ld allocations in the queries", file, s.k);
        wsm_reply_free(s.r);
        s.r = NULL;

        /* Parsing, allocations failing from the k-th on. */
        for (s.k = 0;; s.k++) {
            long printed = quietly(step_parse, &s);
            ok(printed == 0, "%s, failing parse allocation %ld: %ld bytes on stderr", file, s.k, printed);
            if (s.hr == 0) {
                run_queries(s.r, s.pull, &s.o);
                same_queries(&s.o, &ref, file, s.k, cases[i].synthesised);
                outcome_clear(&s.o);
            } else {
                ok(s.hr == WSM_E_OUTOFMEMORY && !s.r, "%s, failing parse allocation %ld: 0x%08X", file, s.k,
                   (unsigned)s.hr);
            }
            wsm_reply_free(s.r);
            s.r = NULL;
            if (!alloc_failures)
                break;
        }

        /* The EPR of a Create reply, parsed again. */
        if (!ref.created_hr) {
            s.data = ref.created;
            s.len = strlen(ref.created);
            for (s.k = 0;; s.k++) {
                long printed = quietly(step_epr, &s);
                ok(printed == 0, "%s, failing EPR allocation %ld: %ld bytes on stderr", file, s.k, printed);
                ok(s.hr == WSM_E_OUTOFMEMORY || (s.hr == ref_epr_hr && same_str(s.o.uri, ref.uri) &&
                                                 same_str(s.o.selectors, ref.selectors)),
                   "%s, failing EPR allocation %ld: 0x%08X", file, s.k, (unsigned)s.hr);
                outcome_clear(&s.o);
                if (!alloc_failures)
                    break;
            }
        }
        outcome_clear(&ref);
        free(data);
    }
}

static void test_arguments(void)
{
    struct wsm_reply *r = NULL;
    struct wsm_fault f;
    char *detail = NULL;

    ok_hr(WSM_E_INVALIDARG, wsm_reply_parse("<a/>", 4, NULL, 0, NULL, &detail));
    ok(wsm_reply_get_fault(NULL, NULL, &f) == 0 && !f.xml, "fault of NULL");
    ok(wsm_reply_action(NULL) == NULL, "action of NULL");
    wsm_reply_free(NULL);
    wsm_fault_clear(NULL);
    (void)r;
}

int main(int argc, char **argv)
{
    char *passwd;

    if (argc < 2) {
        fprintf(stderr, "usage: %s <tests/vectors directory>\n", argv[0]);
        return 2;
    }
    vector_dir = argv[1];
    /* Before libxml2 allocates anything: test_out_of_memory makes its allocations fail. */
    xmlMemSetup(free, test_malloc, test_realloc, test_strdup);
    passwd = load_file("/etc/passwd", NULL);
    passwd_line = passwd ? strndup(passwd, strcspn(passwd, "\n")) : strdup("root:x:0:0:");
    free(passwd);

    test_fault_vectors();
    test_fault_nesting();
    test_identify();
    test_identify_foreign();
    test_get();
    test_standalone_bytes();
    test_create();
    test_relates_to();
    test_enumeration();
    test_epr();
    test_encodings();
    test_hostile();
    test_crowded();
    test_arguments();
    test_out_of_memory();

    free(passwd_line);
    xmlCleanupParser();
    if (skipped)
        printf("reply: %d optional vector(s) missing\n", skipped);
    return test_summary("reply");
}
