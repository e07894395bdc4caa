/*
 * wsmanctl: the output formats (xml, pretty, text) and fault messages.
 *
 * The text format is what `winrm get ...` prints by default: one element per
 * line by local name, four spaces of indent per level, "Name = value" for
 * leaves. Everything is rendered into memory first so that a reply that
 * does not parse leaves the output untouched (the caller then prints it raw).
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "buf.h"
#include "names.h"
#include "strutil.h"
#include "textlayout.h"
#include "xmlsafe.h"
#include "format.h"

#define PARSER_MESSAGE_MAX 160 /* bytes of a libxml2 message quoted in a reason */

#if defined(__MINGW32__)
#define FORMAT_PRINTF(f, a) __attribute__((format(gnu_printf, f, a)))
#elif defined(__GNUC__)
#define FORMAT_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define FORMAT_PRINTF(f, a)
#endif

/* ---- small helpers ---- */

static void set_err(char **err, const char *fmt, ...) FORMAT_PRINTF(2, 3);
static void set_err(char **err, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (!err)
        return;
    free(*err);
    *err = NULL;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !(*err = malloc((size_t)n + 1)))
        return;
    va_start(ap, fmt);
    vsnprintf(*err, (size_t)n + 1, fmt, ap);
    va_end(ap);
}

/* ---- parsing ---- */

/* Parses UTF-8 XML with wsm_xml_parse: no network, DTD or entity substitution. `what` names the input in
 * reasons. */
static xmlDocPtr parse_xml(const char *xml, size_t len, int extra_options, const char *what, char **err)
{
    struct wsm_xml_failure why;
    char message[PARSER_MESSAGE_MAX + 1];
    xmlDocPtr doc;

    if (!xml || !len) {
        set_err(err, "the %s is empty", what);
        return NULL;
    }
    /* The CLI holds UTF-8 whatever the XML declaration claims: the COM edge converted it. */
    doc =
        wsm_xml_parse(xml, len, "UTF-8", XML_PARSE_IGNORE_ENC | extra_options, 0, CLI_FORMAT_MAX_INPUT, &why);
    if (doc && xmlDocGetRootElement(doc))
        return doc;
    xmlFreeDoc(doc);
    if (why.too_large)
        set_err(err, "the %s is %llu bytes long, more than the %llu MiB the formatter accepts", what,
                (unsigned long long)len, (unsigned long long)(CLI_FORMAT_MAX_INPUT >> 20));
    else if (why.dtd_seen)
        set_err(err, "the %s contains a DTD (<!DOCTYPE ...>), which is refused", what);
    else if (why.out_of_memory)
        set_err(err, "out of memory while parsing the %s", what);
    else if (why.message[0])
        set_err(err, "the %s is not well-formed XML: %s (line %d)", what,
                wsm_xml_printable_message(message, PARSER_MESSAGE_MAX, why.message), why.line);
    else
        set_err(err, "the %s is not well-formed XML", what);
    return NULL;
}

/* ---- tree helpers ---- */

static int ns_is(const xmlNode *n, const char *uri)
{
    return n->ns && n->ns->href && !strcmp((const char *)n->ns->href, uri);
}

static int name_is(const xmlNode *n, const char *local)
{
    return n->name && !strcmp((const char *)n->name, local);
}

/* ---- the pretty format ---- */

/* libxml2's own xmlBuffer grows by exactly what is needed in 2.9 (quadratic on large replies): the saver
 * writes into our doubling buffer instead. */
static int pretty_write(void *context, const char *data, int len)
{
    struct wsm_buf *b = context;

    if (len < 0)
        return -1;
    wsm_buf_add(b, data, (size_t)len);
    return b->failed ? -1 : len;
}

static int pretty_close(void *context)
{
    (void)context;
    return 0;
}

static int render_pretty(struct wsm_buf *b, xmlDocPtr doc)
{
    struct wsm_xml_failure why;
    struct wsm_xml_quiet quiet;
    xmlSaveCtxtPtr save;
    long saved = -1;
    int closed = -1;

    /* The saver reports its errors (out of memory) through the thread's handler too. */
    memset(&why, 0, sizeof(why));
    wsm_xml_quiet_begin(&quiet, &why);
    /* The UTF-8 encoding keeps non-ASCII text as it is instead of character references. */
    if ((save = xmlSaveToIO(pretty_write, pretty_close, b, "UTF-8", XML_SAVE_FORMAT | XML_SAVE_NO_DECL))) {
        saved = xmlSaveDoc(save, doc);
        closed = xmlSaveClose(save);
    }
    wsm_xml_quiet_end(&quiet);
    return closed >= 0 && saved >= 0 && !why.errors && !b->failed;
}

/* ---- the entry points ---- */

/* Renders into *b (always NUL-terminated on success, ending with '\n'). 0 or -1 with *err. */
static int render(struct wsm_buf *b, const char *xml, size_t len, enum cli_format fmt, char **err)
{
    xmlDocPtr doc;
    int ok = 1;

    memset(b, 0, sizeof(*b));
    if (err)
        *err = NULL;
    if (fmt != CLI_FORMAT_XML && fmt != CLI_FORMAT_PRETTY && fmt != CLI_FORMAT_TEXT) {
        set_err(err, "unknown output format %d", (int)fmt);
        return -1;
    }
    if (fmt == CLI_FORMAT_XML) {
        if (!xml && len) {
            set_err(err, "no reply text to print");
            return -1;
        }
        if (len)
            wsm_buf_add(b, xml, len);
    } else {
        if (!(doc = parse_xml(xml, len, fmt == CLI_FORMAT_PRETTY ? XML_PARSE_NOBLANKS : 0, "reply", err)))
            return -1;
        if (fmt == CLI_FORMAT_PRETTY)
            ok = render_pretty(b, doc);
        else
            wsm_text_layout(b, xmlDocGetRootElement(doc));
        xmlFreeDoc(doc);
    }
    if (!b->len || b->data[b->len - 1] != '\n')
        wsm_buf_addc(b, '\n');
    if (!ok || b->failed) {
        wsm_buf_free(b);
        memset(b, 0, sizeof(*b));
        set_err(err, "out of memory while formatting the reply");
        return -1;
    }
    return 0;
}

char *cli_format_render(const char *xml, size_t len, enum cli_format fmt, char **err)
{
    struct wsm_buf b;

    if (render(&b, xml, len, fmt, err))
        return NULL;
    return wsm_buf_take(&b, NULL);
}

int cli_format_reply(FILE *out, const char *xml, size_t len, enum cli_format fmt, char **err)
{
    struct wsm_buf b;
    int failed;

    if (!out) {
        if (err)
            *err = NULL;
        set_err(err, "no output stream");
        return -1;
    }
    if (render(&b, xml, len, fmt, err))
        return -1;
    errno = 0;
    failed = fwrite(b.data, 1, b.len, out) != b.len;
    wsm_buf_free(&b);
    if (failed) {
        set_err(err, "writing the output failed: %s", errno ? strerror(errno) : "short write");
        return -1;
    }
    return 0;
}

/* ---- faults ---- */

/* An element with this local name, and this namespace unless ns is NULL? */
static int is_named(const xmlNode *n, const char *ns, const char *local)
{
    return n->type == XML_ELEMENT_NODE && name_is(n, local) && (!ns || ns_is(n, ns));
}

/* The node after n in document order within top's subtree; NULL after the last. */
static const xmlNode *next_within(const xmlNode *top, const xmlNode *n)
{
    if (n->type == XML_ELEMENT_NODE && n->children)
        return n->children;
    while (n != top && !n->next)
        n = n->parent;
    return n == top ? NULL : n->next;
}

/* The first element in document order within top (top included) with this local name, and this namespace
 * unless ns is NULL. */
static const xmlNode *find_element(const xmlNode *top, const char *ns, const char *local)
{
    for (const xmlNode *n = top; n; n = next_within(top, n))
        if (is_named(n, ns, local))
            return n;
    return NULL;
}

/* The text as one line: trimmed, each white-space run holding a line break made one space, controls \xNN.
 * NULL when blank, or out of memory (then *oom is set: a fallback message would be the wrong one). */
static char *one_line(const char *s, size_t n, int *oom)
{
    struct wsm_buf b = {0};

    wsm_trim(&s, &n);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        int breaks = 0;

        while (j < n && wsm_is_space((unsigned char)s[j])) {
            breaks |= s[j] == '\n' || s[j] == '\r';
            j++;
        }
        if (j > i && breaks) {
            wsm_buf_addc(&b, ' ');
            i = j;
            continue;
        }
        if (j == i)
            j++;
        /* Spaces and tabs stay as they are, whatever else is escaped. */
        while (j < n && !wsm_is_space((unsigned char)s[j]))
            j++;
        wsm_text_escape(&b, s + i, j - i);
        i = j;
    }
    if (b.failed || !b.len) {
        *oom |= b.failed != 0;
        wsm_buf_free(&b);
        return NULL;
    }
    return wsm_buf_take(&b, NULL);
}

/* One line of the element's own text, with that of the f:ProviderFault elements in it when `providers`. */
static char *element_line(const xmlNode *e, int providers, int *oom)
{
    struct wsm_buf t = {0};
    char *line = NULL;

    wsm_xml_own_text(&t, e);
    if (providers)
        for (const xmlNode *c = wsm_xml_next_element(e->children); c; c = wsm_xml_next_element(c->next))
            if (name_is(c, "ProviderFault") && ns_is(c, WSM_NS_WSMAN_FAULT))
                wsm_xml_own_text(&t, c);
    if (t.failed)
        *oom = 1;
    else
        line = one_line(t.data ? t.data : "", t.len, oom);
    wsm_buf_free(&t);
    return line;
}

/* The message of one f:WSManFault: a WSManFault nested in its f:Message wins (the provider's own fault);
 * else the text of f:Message and of the f:ProviderFault elements directly in it. */
static char *wsman_fault_message(const xmlNode *fault, int *oom)
{
    const xmlNode *msg, *inner;
    char *line;

    for (msg = wsm_xml_next_element(fault->children); msg; msg = wsm_xml_next_element(msg->next))
        if (name_is(msg, "Message") && ns_is(msg, WSM_NS_WSMAN_FAULT))
            break;
    if (!msg)
        return NULL;
    for (const xmlNode *c = msg->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && (inner = find_element(c, WSM_NS_WSMAN_FAULT, "WSManFault"))) {
            if ((line = wsman_fault_message(inner, oom)) || *oom)
                return line;
        }
    }
    return element_line(msg, 1, oom);
}

/* The first leaf element with this local name (any namespace when ns is NULL) that has text. */
static char *first_text_of(const xmlNode *top, const char *ns, const char *local, int *oom)
{
    for (const xmlNode *n = top; n; n = next_within(top, n)) {
        if (is_named(n, ns, local) && !wsm_xml_has_element_children(n)) {
            char *line = element_line(n, 0, oom);

            if (line || *oom)
                return line;
        }
    }
    return NULL;
}

static xmlDocPtr parse_fault(const char *fault_xml)
{
    if (!fault_xml)
        return NULL;
    return parse_xml(fault_xml, strlen(fault_xml), 0, "fault", NULL);
}

char *cli_fault_message(const char *fault_xml)
{
    xmlDocPtr doc = parse_fault(fault_xml);
    const xmlNode *root, *fault;
    char *msg = NULL;
    int oom = 0;

    if (!doc)
        return NULL;
    root = xmlDocGetRootElement(doc);
    if ((fault = find_element(root, WSM_NS_WSMAN_FAULT, "WSManFault")))
        msg = wsman_fault_message(fault, &oom);
    if (!msg && !oom)
        msg = first_text_of(root, NULL, "Message", &oom);
    if (!msg && !oom)
        msg = first_text_of(root, WSM_NS_SOAP, "Text", &oom);
    xmlFreeDoc(doc);
    return msg;
}

unsigned long cli_fault_code(const char *fault_xml)
{
    xmlDocPtr doc = parse_fault(fault_xml);
    const xmlNode *fault;
    xmlAttrPtr attr;
    unsigned long code = 0;

    if (!doc)
        return 0;
    fault = find_element(xmlDocGetRootElement(doc), WSM_NS_WSMAN_FAULT, "WSManFault");
    if (fault && (attr = xmlHasNsProp((xmlNodePtr)fault, BAD_CAST "Code", NULL))) {
        const char *s = wsm_xml_attr_text(attr);
        size_t n = strlen(s), i = 0;
        unsigned long long value = 0;
        int base = 10, digits = 0;

        wsm_trim(&s, &n);
        if (n > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
            base = 16;
            i = 2;
        }
        for (; i < n; i++) {
            unsigned char c = (unsigned char)s[i];
            int d = wsm_hex_value(c);

            if (d < 0 || d >= base || (value = value * (unsigned)base + (unsigned)d) > 0xFFFFFFFFull) {
                digits = 0;
                break;
            }
            digits++;
        }
        if (digits)
            code = (unsigned long)value;
    }
    xmlFreeDoc(doc);
    return code;
}
