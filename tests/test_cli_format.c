/*
 * wsmanctl output formats: golden files (tests/cli_golden, given as argv[1]) for the text and pretty
 * formats, the xml format's pass-through, refusal of malformed XML and DTDs without printing anything, and
 * the fault message/code extraction over real fault shapes.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "test.h"

static const char *golden_dir;

/* The whole file, NUL-terminated (*len without the NUL); NULL when it cannot be read. */
static char *read_file(const char *name, size_t *len)
{
    char path[1024];
    char *data = NULL;
    long size;
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", golden_dir, name);
    if (!(f = fopen(path, "rb")))
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (data = malloc((size_t)size + 1))) {
        if (fread(data, 1, (size_t)size, f) != (size_t)size) {
            free(data);
            data = NULL;
        } else {
            data[size] = '\0';
            if (len)
                *len = (size_t)size;
        }
    }
    fclose(f);
    return data;
}

/* What cli_format_reply wrote to a temporary file, NUL-terminated. */
static char *slurp(FILE *f, size_t *len)
{
    long size;
    char *data;

    fflush(f);
    if ((size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) || !(data = malloc((size_t)size + 1)))
        return NULL;
    if (fread(data, 1, (size_t)size, f) != (size_t)size) {
        free(data);
        return NULL;
    }
    data[size] = '\0';
    *len = (size_t)size;
    return data;
}

static int same_text(const char *what, const char *expected, const char *got)
{
    if (expected && got && !strcmp(expected, got))
        return ok(1, "%s", what);
    ok(0, "%s differs from the golden file", what);
    fprintf(stderr, "---- expected\n%s---- got\n%s----\n", expected ? expected : "(none)\n",
            got ? got : "(null)\n");
    return 0;
}

/* `spec`: an MS-WSMV example (Microsoft Open Specifications notice); the files may be dropped, the case is
 * then skipped (see tests/cli_golden/README.md). */
static const struct {
    const char *name;
    int spec;
} golden[] = {
    {"config", 0},              /* pypsrp 001: winrm/config, single line as Windows sends it */
    {"config-spec", 1},         /* MS-WSMV 4.1.4: values on their own lines, a line-wrapped RootSDDL */
    {"config-gpo", 0},          /* hand-made: winrm/config/service with Source="GPO" */
    {"listener", 0},            /* hand-made: a winrm/config/listener item, repeated ListeningOn */
    {"identify", 0},            /* knife-windows 002: IdentifyResponse */
    {"process-item", 0},        /* WinRb 001: an enumerated Win32_Process, xsi:nil, a nested cim:Datetime */
    {"win32-service", 0},       /* hand-made: a Win32_Service instance (xml:lang, xsi:type, xsi:nil hidden) */
    {"startservice-output", 0}, /* hand-made: StartService_OUTPUT */
    {"delete-output", 0},       /* WinRb 003: CIM_DataFile Delete_OUTPUT */
    {"create-output", 1},       /* MS-WSMV 4.1.6: Win32_Process Create_OUTPUT */
    {"enumkey-output", 0},      /* openwsman 002: StdRegProv EnumKey_OUTPUT, a 26-item array */
    {"resource-created", 1},    /* MS-WSMV 4.5: ResourceCreated with three padded selectors */
    {"resource-created-shell", 0}, /* pypsrp 003: a shell's ResourceCreated */
    {"instance-location", 1},      /* MS-WSMV 4.1.1: an instance carrying its cim:Location EPR */
    {"shell", 0},                  /* pypsrp 032: rsp:Shell */
    {"epr-item", 0},               /* hand-made: an EPR item whose selectors are EPRs (association) */
    {"utf8", 0},                   /* hand-made: UTF-8, control characters, multi-line values, CDATA */
};

static void test_golden(void)
{
    for (size_t i = 0; i < sizeof(golden) / sizeof(golden[0]); i++) {
        char name[256], what[300];
        size_t xml_len = 0, len = 0;
        char *xml, *txt, *pretty, *out, *again, *err = NULL;
        FILE *f;

        const char *base = golden[i].name;

        snprintf(name, sizeof(name), "%s.xml", base);
        xml = read_file(name, &xml_len);
        snprintf(name, sizeof(name), "%s.txt", base);
        txt = read_file(name, NULL);
        snprintf(name, sizeof(name), "%s.pretty", base);
        pretty = read_file(name, NULL);
        if (golden[i].spec && !xml && !txt && !pretty) {
            printf("skipped: %s (MS-WSMV example not present)\n", base);
            continue;
        }
        if (!ok(xml && txt && pretty, "golden files of %s missing in %s", base, golden_dir)) {
            free(xml);
            free(txt);
            free(pretty);
            continue;
        }

        snprintf(what, sizeof(what), "%s.txt", base);
        out = cli_format_render(xml, xml_len, CLI_FORMAT_TEXT, &err);
        ok(out && !err, "%s: render failed: %s", what, err ? err : "(no reason)");
        same_text(what, txt, out);
        free(out);
        free(err);
        err = NULL;

        snprintf(what, sizeof(what), "%s.pretty", base);
        out = cli_format_render(xml, xml_len, CLI_FORMAT_PRETTY, &err);
        ok(out && !err, "%s: render failed: %s", what, err ? err : "(no reason)");
        same_text(what, pretty, out);
        /* Pretty-printing changes no text: the text view of the pretty output is the same tree. */
        snprintf(what, sizeof(what), "%s.txt of %s.pretty", base, base);
        again = out ? cli_format_render(out, strlen(out), CLI_FORMAT_TEXT, NULL) : NULL;
        same_text(what, txt, again);
        free(again);
        free(out);
        free(err);
        err = NULL;

        /* The xml format is the text exactly as given, plus the final newline (no golden file ends with one).
         */
        out = cli_format_render(xml, xml_len, CLI_FORMAT_XML, &err);
        ok(out && strlen(out) == xml_len + 1 && !memcmp(out, xml, xml_len) && out[xml_len] == '\n',
           "%s: xml format is not the input plus a newline", base);
        free(out);

        /* cli_format_reply writes the same bytes as the render. */
        if (ok((f = tmpfile()) != NULL, "tmpfile")) {
            ok(cli_format_reply(f, xml, xml_len, CLI_FORMAT_TEXT, &err) == 0, "%s: cli_format_reply failed",
               base);
            out = slurp(f, &len);
            snprintf(what, sizeof(what), "%s.txt through cli_format_reply", base);
            same_text(what, txt, out);
            free(out);
            fclose(f);
        }
        free(err);
        free(xml);
        free(txt);
        free(pretty);
    }
}

/* Renders an inline document as text and compares. */
static void check_text(int line, const char *xml, const char *expected)
{
    char *err = NULL;
    char *out = cli_format_render(xml, strlen(xml), CLI_FORMAT_TEXT, &err);

    if (!test_check(out && !strcmp(out, expected), __FILE__, line, "text of %s", xml))
        fprintf(stderr, "---- expected\n%s---- got\n%s----\n", expected, out ? out : err ? err : "(null)");
    free(out);
    free(err);
}
#define check_text(xml, expected) check_text(__LINE__, xml, expected)

static void test_text_rules(void)
{
    check_text("<a>v</a>", "a = v\n");
    check_text("<a/>", "a\n");
    check_text("<a> \n\t </a>", "a\n");
    check_text("<a>  padded  value \n</a>", "a = padded  value\n");
    check_text("<?xml version='1.0'?><!-- c --><a><?pi x?>v</a>", "a = v\n");
    /* xsi:nil, as an xs:boolean; "false" keeps the text. */
    check_text(
        "<r xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance'><a xsi:nil='1'/><b xsi:nil=' true '/>"
        "<c xsi:nil='false'>x</c><d xsi:nil='true'>ignored</d></r>",
        "r\n    a = null\n    b = null\n    c = x\n    d = null\n");
    /* Only adjacent leaves with the same name, namespace and attributes are joined. */
    check_text("<r><a>1</a><b>2</b><a>3</a></r>", "r\n    a = 1\n    b = 2\n    a = 3\n");
    check_text("<r><a>1</a><!-- c -->\n <a>2</a> <a/><a>4</a></r>", "r\n    a = 1, 2, , 4\n");
    check_text("<r><a x='1'>1</a><a x='1'>2</a><a x='2'>3</a></r>",
               "r\n    a = 1, 2 [x=\"1\"]\n    a = 3 [x=\"2\"]\n");
    check_text("<r xmlns:p='urn:p'><a>1</a><p:a>2</p:a></r>", "r\n    a = 1\n    a = 2\n");
    /* A complex element is never joined, even when repeated; a leaf next to it is not joined with it. */
    check_text("<r><c><v>1</v></c><c><v>2</v></c><c>3</c></r>",
               "r\n    c\n        v = 1\n    c\n        v = 2\n    c = 3\n");
    /* Attributes: by local name, xmlns/xsi/xml ones hidden, each in its brackets, controls escaped. */
    check_text("<r xmlns:q='urn:q' xmlns:xsi='http://www.w3.org/2001/XMLSchema-instance' xml:lang='en' "
               "xsi:type='t' a='1' q:b='x&#10;y&#9;z'><c s='S'/></r>",
               "r [a=\"1\"] [b=\"x\\x0Ay\tz\"]\n    c [s=\"S\"]\n");
    /* Mixed content shows its text as the value. */
    check_text("<r>hello<a>1</a> world</r>", "r = hello world\n    a = 1\n");
    /* Multi-line values continue at the value's column, also inside a joined array. */
    check_text("<a>one\n\n  three</a>", "a = one\n\n      three\n");
    check_text("\xef\xbb\xbf<a>BOM</a>", "a = BOM\n");
    check_text("<r><long>one\ntwo</long><a>x</a><a>y\nz</a></r>",
               "r\n    long = one\n           two\n    a = x, y\n           z\n");
    /* SelectorSet: one winrm line; empty; a selector without Name or with an EPR falls back to the tree. */
    check_text("<w:SelectorSet xmlns:w='urn:w'><w:Selector Name='a'> 1 </w:Selector>"
               "<w:Selector Name='b'/></w:SelectorSet>",
               "SelectorSet\n    Selector: a = 1, b = \n");
    check_text("<SelectorSet/>", "SelectorSet\n");
    check_text("<SelectorSet><Selector>1</Selector></SelectorSet>", "SelectorSet\n    Selector = 1\n");
    check_text("<SelectorSet><Selector Name='n'>1</Selector><Other/></SelectorSet>",
               "SelectorSet\n    Selector = 1 [Name=\"n\"]\n    Other\n");
    /* Controls other than tab and line feed, including DEL and C1, are shown as \xNN; UTF-8 passes. */
    check_text("<a>x&#13;y&#127;z&#x9B;\xc3\xa9\xe6\x99\x82\xf0\x9d\x84\x9e</a>",
               "a = x\\x0Dy\\x7Fz\\x9B\xc3\xa9\xe6\x99\x82\xf0\x9d\x84\x9e\n");
}

/* Asserts that formatting `xml` fails with a reason containing `reason` and writes nothing. */
static void check_refused(int line, const char *xml, size_t len, enum cli_format fmt, const char *reason)
{
    char *err = NULL, *out;
    FILE *f = tmpfile();
    int rc;

    if (!test_check(f != NULL, __FILE__, line, "tmpfile"))
        return;
    rc = cli_format_reply(f, xml, len, fmt, &err);
    test_check(rc == -1, __FILE__, line, "format %d accepted %.60s", (int)fmt, xml ? xml : "(null)");
    test_check(err && strstr(err, reason) && !strchr(err, '\n'), __FILE__, line,
               "reason \"%s\" does not say \"%s\" on one line", err ? err : "(null)", reason);
    fflush(f);
    test_check(ftell(f) == 0, __FILE__, line, "%ld bytes written on failure", ftell(f));
    fclose(f);
    free(err);
    err = NULL;
    out = cli_format_render(xml, len, fmt, &err);
    test_check(!out && err, __FILE__, line, "cli_format_render did not fail the same way");
    free(out);
    free(err);
}
static size_t length(const char *s)
{
    return s ? strlen(s) : 0;
}
#define check_refused(xml, fmt, reason) check_refused(__LINE__, xml, length(xml), fmt, reason)

static void test_refusals(void)
{
    static const char *const bad[] = {
        "<a><b></a>",
        "<a>",
        "not xml at all",
        "<a>&undefined;</a>",
        "<p:a>unbound prefix</p:a>",
        "<a>\xff\xfe invalid UTF-8</a>",
        "<a/><b/>",
        "<a>&#1;</a>",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        check_refused(bad[i], CLI_FORMAT_TEXT, "not well-formed");
        check_refused(bad[i], CLI_FORMAT_PRETTY, "not well-formed");
    }
    check_refused("", CLI_FORMAT_TEXT, "empty");
    check_refused(NULL, CLI_FORMAT_PRETTY, "empty");
    /* Any DTD is refused before it is read: internal entities (billion laughs), external ones (XXE), a
     * DOCTYPE alone. */
    check_refused("<!DOCTYPE a [<!ENTITY x \"boom\">]><a>&x;</a>", CLI_FORMAT_TEXT, "DTD");
    check_refused("<!DOCTYPE a [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><a>&x;</a>", CLI_FORMAT_PRETTY,
                  "DTD");
    check_refused("<!DOCTYPE a SYSTEM \"http://127.0.0.1:9/x.dtd\"><a/>", CLI_FORMAT_TEXT, "DTD");
    check_refused("<!DOCTYPE a><a/>", CLI_FORMAT_PRETTY, "DTD");
    check_refused("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 "
                  "\"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]><lolz>&lol2;</lolz>",
                  CLI_FORMAT_TEXT, "DTD");
    check_refused("<a/>", (enum cli_format)42, "format");

    /* Larger than the cap: refused before parsing. */
    {
        char *big = calloc(1, CLI_FORMAT_MAX_INPUT + 2);
        if (ok(big != NULL, "calloc")) {
            big[0] = '<';
            (check_refused)(__LINE__, big, CLI_FORMAT_MAX_INPUT + 1, CLI_FORMAT_TEXT, "MiB");
            free(big);
        }
    }

    /* A write failure is reported (a read-only stream). */
    {
        char *err = NULL;
        char path[1024];
        FILE *ro;

        snprintf(path, sizeof(path), "%s/identify.xml", golden_dir);
        if (ok((ro = fopen(path, "rb")) != NULL, "open %s", path)) {
            ok(cli_format_reply(ro, "<a/>", 4, CLI_FORMAT_TEXT, &err) == -1, "writing to a read-only stream");
            ok(err && strstr(err, "writing"), "write failure reason: %s", err ? err : "(null)");
            fclose(ro);
        }
        free(err);
    }
}

static void test_xml_format(void)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"", "\n"},
        {"abc", "abc\n"},
        {"<a/>\n", "<a/>\n"},
        {"<a><b></a>", "<a><b></a>\n"}, /* the xml format never parses */
        {"<!DOCTYPE a><a/>", "<!DOCTYPE a><a/>\n"},
        {"\n", "\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *err = NULL;
        char *out = cli_format_render(cases[i].in, strlen(cases[i].in), CLI_FORMAT_XML, &err);
        ok_str(cases[i].out, out);
        ok(!err, "xml format set a reason");
        free(out);
        free(err);
    }
    /* NUL bytes pass through cli_format_reply as they are. */
    {
        FILE *f = tmpfile();
        size_t len = 0;
        char *out;

        if (ok(f != NULL, "tmpfile")) {
            ok(cli_format_reply(f, "a\0b", 3, CLI_FORMAT_XML, NULL) == 0, "xml with a NUL");
            out = slurp(f, &len);
            ok(out && len == 4 && !memcmp(out, "a\0b\n", 4), "xml with a NUL written as is");
            free(out);
            fclose(f);
        }
    }
    /* Pretty: 2-space indent, no XML declaration, text untouched, one final newline. */
    {
        static const char in[] = "<?xml version='1.0' encoding='UTF-8'?><a><b> x </b><c><d/></c></a>";
        char *out = cli_format_render(in, strlen(in), CLI_FORMAT_PRETTY, NULL);
        ok_str("<a>\n  <b> x </b>\n  <c>\n    <d/>\n  </c>\n</a>\n", out);
        free(out);
    }
}

static void check_fault(int line, const char *file, int spec, const char *inline_xml, const char *message,
                        unsigned long code)
{
    char *xml = file ? read_file(file, NULL) : NULL;
    const char *src = file ? xml : inline_xml;
    char *got;

    if (file && !xml && spec) {
        printf("skipped: %s (MS-WSMV example not present)\n", file);
        return;
    }
    if (file && !test_check(xml != NULL, __FILE__, line, "cannot read %s/%s", golden_dir, file))
        return;
    got = cli_fault_message(src);
    if (message)
        test_check(got && !strcmp(got, message), __FILE__, line, "message of %s: expected \"%s\", got \"%s\"",
                   file ? file : inline_xml, message, got ? got : "(null)");
    else
        test_check(!got, __FILE__, line, "message of %s: expected none, got \"%s\"", file ? file : inline_xml,
                   got ? got : "");
    test_check(cli_fault_code(src) == code, __FILE__, line, "code of %s: expected %lu, got %lu",
               file ? file : inline_xml, code, cli_fault_code(src));
    free(got);
    free(xml);
}
#define check_fault_file(file, message, code) check_fault(__LINE__, file, 0, NULL, message, code)
#define check_fault_spec(file, message, code) check_fault(__LINE__, file, 1, NULL, message, code)
#define check_fault_xml(xml, message, code) check_fault(__LINE__, NULL, 0, xml, message, code)

#define WSF "xmlns:f='http://schemas.microsoft.com/wbem/wsman/1/wsmanfault'"

static void test_faults(void)
{
    static const char timed_out[] = "The WS-Management service cannot complete the operation within the time "
                                    "specified in OperationTimeout.";
    static const char not_found[] =
        "The WS-Management service cannot process the request. The service cannot "
        "find the resource identified by the resource URI and selectors.";

    /* f:WSManFault alone (as IWSManSession::Error returns it), s:Fault alone, whole envelopes. */
    check_fault_file("fault-wsmanfault.xml", timed_out, 2150858793ul);
    check_fault_file("fault-soapfault.xml", timed_out, 2150858793ul);
    check_fault_file(
        "fault-invalidselectors.xml",
        "The Windows Remote Shell received a request to perform an operation on a command identifier "
        "that does not exist. Either the command has completed execution or the client specified an "
        "invalid command identifier.",
        2150858843ul);
    /* The provider's text inside f:ProviderFault. */
    check_fault_file("fault-providerfault.xml", "The parameter is incorrect.", 87);
    check_fault_file(
        "fault-empty-text.xml",
        "Error with error code -2144108472 occurred while calling method WSManPluginReceiveResult.",
        2152992672ul);
    /* The deepest WSManFault wins; the outer code stays; line breaks become spaces; ExtendedError is not
     * part of the message. */
    check_fault_spec("fault-nested.xml", not_found, 32768);
    check_fault_file("fault-extendederror.xml", not_found, 2150858752ul);
    check_fault_file("fault-cannotprocessfilter.xml",
                     "The specified class does not exist in the given namespace.", 2150858778ul);
    /* No WSManFault: MSFT_WmiError's Message, else s:Reason/s:Text (inner double spaces kept), else none. */
    check_fault_file("fault-wmierror.xml", "WMI Message.", 0);
    check_fault_file(
        "fault-mustunderstand.xml",
        "The WS-Management service cannot process a SOAP header in the request that is marked as "
        "mustUnderstand by the client.  This could be caused by the use of a version of the protocol "
        "which is not supported, or may be an incompatibility  between the client and server "
        "implementations.",
        0);
    check_fault_file("fault-no-reason.xml", NULL, 0);

    /* The shape the library's own client-side errors take (src/core/protocol/xmlfault.c). */
    check_fault_xml("<f:WSManFault " WSF " Code='2150859046' Machine='host' xml:lang='en-US'><f:Message>"
                    "The client cannot connect to the destination specified in the request. </f:Message>"
                    "</f:WSManFault>",
                    "The client cannot connect to the destination specified in the request.", 2150859046ul);
    check_fault_xml("<f:WSManFault " WSF " Code='0x8033801A'><f:Message>m</f:Message></f:WSManFault>", "m",
                    0x8033801Aul);
    check_fault_xml(
        "<f:WSManFault " WSF " Code=' 5 '><f:Message>\r\n a \r\n\t b\t</f:Message></f:WSManFault>", "a b", 5);
    check_fault_xml("<f:WSManFault " WSF
                    " Code='4294967295'><f:Message>x&#x9B;31m</f:Message></f:WSManFault>",
                    "x\\x9B31m", 4294967295ul);
    check_fault_xml("<f:WSManFault " WSF " Code='4294967296'/>", NULL, 0);
    check_fault_xml("<f:WSManFault " WSF " Code='12ab'/>", NULL, 0);
    check_fault_xml("<f:WSManFault " WSF " Code=''/>", NULL, 0);
    check_fault_xml("<f:WSManFault " WSF "><f:Message/></f:WSManFault>", NULL, 0);
    /* A WSManFault by local name only is not one: the namespace decides (the Message is still found). */
    check_fault_xml("<WSManFault Code='5'><Message>plain</Message></WSManFault>", "plain", 0);
    /* Empty f:Message: the SOAP reason. */
    check_fault_xml(
        "<s:Fault xmlns:s='http://www.w3.org/2003/05/soap-envelope'><s:Reason><s:Text xml:lang=''/>"
        "<s:Text> second </s:Text></s:Reason><s:Detail><f:WSManFault " WSF " Code='7'><f:Message>"
        "</f:Message></f:WSManFault></s:Detail></s:Fault>",
        "second", 7);
    check_fault_xml(NULL, NULL, 0);
    check_fault_xml("", NULL, 0);
    check_fault_xml("<f:WSManFault " WSF " Code='5'><f:Message>m</f:Message>", NULL, 0);
    check_fault_xml("<!DOCTYPE f [<!ENTITY m \"boom\">]><f:WSManFault " WSF
                    " Code='5'><f:Message>&m;</f:Message>"
                    "</f:WSManFault>",
                    NULL, 0);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s GOLDEN_DIR (tests/cli_golden)\n", argv[0]);
        return 2;
    }
    golden_dir = argv[1];
    test_golden();
    test_text_rules();
    test_refusals();
    test_xml_format();
    test_faults();
    return test_summary("cli_format");
}
