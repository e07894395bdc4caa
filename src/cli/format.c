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
#include "xmlsafe.h"
#include "format.h"

#define TEXT_INDENT 4          /* spaces per level in the text format */
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

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Narrows [*s, *s + *n) to leave out XML white space at both ends. */
static void trim(const char **s, size_t *n)
{
    while (*n && is_space((unsigned char)**s)) {
        (*s)++;
        (*n)--;
    }
    while (*n && is_space((unsigned char)(*s)[*n - 1]))
        (*n)--;
}

/* The output: src/util's growing buffer (once an allocation fails it stays failed and ignores further
 * writes, so callers check `failed` once at the end) and `line`, where the current line starts (for
 * continuation indents). */
struct buf {
    struct wsm_buf w;
    size_t line;
};

static void buf_add(struct buf *b, const char *s, size_t n)
{
    wsm_buf_add(&b->w, s, n);
}

static void buf_str(struct buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

static void buf_char(struct buf *b, char c)
{
    buf_add(b, &c, 1);
    if (c == '\n')
        b->line = b->w.len;
}

static void buf_spaces(struct buf *b, size_t n)
{
    static const char spaces[] = "                                ";
    while (n) {
        size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
        buf_add(b, spaces, k);
        n -= k;
    }
}

static size_t buf_column(const struct buf *b)
{
    return b->w.len - b->line;
}

/* Appends text for the terminal: control characters other than tab (and, when `cont` is not NULL, line
 * feed) become \xNN, C1 controls (U+0080..U+009F) too; other UTF-8 passes unchanged. With `cont`, each line
 * feed starts a new line indented by *cont spaces. */
static void buf_text(struct buf *b, const char *s, size_t n, const size_t *cont)
{
    size_t start = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        unsigned code;
        size_t width;
        char hex[8];

        if (c == '\n' && cont) {
            buf_add(b, s + start, i - start);
            buf_char(b, '\n');
            if (i + 1 < n && s[i + 1] != '\n') /* no trailing blanks on an empty line */
                buf_spaces(b, *cont);
            start = i + 1;
            continue;
        }
        if ((c < 0x20 && c != '\t') || c == 0x7F) {
            code = c;
            width = 1;
        } else if (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
                   (unsigned char)s[i + 1] <= 0x9F) {
            code = (unsigned char)s[i + 1];
            width = 2;
        } else {
            continue;
        }
        buf_add(b, s + start, i - start);
        snprintf(hex, sizeof(hex), "\\x%02X", code);
        buf_str(b, hex);
        i += width - 1;
        start = i + 1;
    }
    buf_add(b, s + start, n - start);
}

/* ---- parsing ---- */

/* A libxml2 message quotes document bytes: a bounded copy of it, printable ASCII on one line, in out. */
static const char *parser_message(char out[PARSER_MESSAGE_MAX + 1], const char *m)
{
    size_t n = strlen(m);

    while (n && is_space((unsigned char)m[n - 1]))
        n--;
    if (n > PARSER_MESSAGE_MAX)
        n = PARSER_MESSAGE_MAX;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)m[i];
        out[i] = is_space(c) ? ' ' : (c < 0x20 || c >= 0x7F) ? '?' : (char)c;
    }
    out[n] = '\0';
    return out;
}

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
                parser_message(message, why.message), why.line);
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

static int has_element_children(const xmlNode *e)
{
    for (const xmlNode *c = e->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return 1;
    return 0;
}

/* Appends the element's own text (text and CDATA children, not descendants). */
static void direct_text(struct buf *b, const xmlNode *e)
{
    for (const xmlNode *c = e->children; c; c = c->next)
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
            buf_str(b, (const char *)c->content);
}

/* An attribute's value. The parser stores it as one text node: without a DTD the only entity references
 * are the predefined ones, which it always substitutes. (An empty value may have no node at all.) */
static const char *attr_text(const xmlAttr *a)
{
    const xmlNode *c = a ? a->children : NULL;

    return c && c->type == XML_TEXT_NODE && c->content ? (const char *)c->content : "";
}

/* xsi:nil="true" (or "1"), blanks around allowed as for any xs:boolean. */
static int is_nil(const xmlNode *e)
{
    for (const xmlAttr *a = e->properties; a; a = a->next) {
        if (a->ns && a->ns->href && !strcmp((const char *)a->ns->href, WSM_NS_XSI) &&
            !strcmp((const char *)a->name, "nil")) {
            const char *s = attr_text(a);
            size_t n = strlen(s);

            trim(&s, &n);
            return (n == 4 && !memcmp(s, "true", 4)) || (n == 1 && s[0] == '1');
        }
    }
    return 0;
}

/* ---- the text format ---- */

/* The attributes shown after an element, each as ` [Name="value"]` by local name, on one line: all but the
 * xsi:* ones (type and nil are markup, not data) and the xml:* ones (xml:lang on an instance is not one of
 * its properties either). Namespace declarations are not attributes in libxml2's tree. */
static int attr_shown(const xmlAttr *a)
{
    return !(
        a->ns && a->ns->href &&
        (!strcmp((const char *)a->ns->href, WSM_NS_XSI) || !strcmp((const char *)a->ns->href, WSM_NS_XML)));
}

static const xmlAttr *next_shown(const xmlAttr *a)
{
    while (a && !attr_shown(a))
        a = a->next;
    return a;
}

static void text_attributes(struct buf *b, const xmlNode *e)
{
    for (const xmlAttr *a = next_shown(e->properties); a; a = next_shown(a->next)) {
        const char *v = attr_text(a);

        buf_str(b, " [");
        buf_str(b, (const char *)a->name);
        buf_str(b, "=\"");
        buf_text(b, v, strlen(v), NULL);
        buf_str(b, "\"]");
    }
}

/* A leaf's value as shown: "null" for xsi:nil, else its trimmed text. Appends to b, continuation lines
 * indented to the column where the value starts. */
static void text_leaf_value(struct buf *b, const xmlNode *e)
{
    struct buf v = {0};
    const char *s;
    size_t n, col = buf_column(b);

    if (is_nil(e)) {
        buf_str(b, "null");
        return;
    }
    direct_text(&v, e);
    s = v.w.data ? v.w.data : "";
    n = v.w.len;
    trim(&s, &n);
    buf_text(b, s, n, &col);
    if (v.w.failed)
        b->w.failed = v.w.failed;
    wsm_buf_free(&v.w);
}

/* Whether the element shows " = value": nil, or its own text is not blank. */
static int leaf_has_value(const xmlNode *e)
{
    if (is_nil(e))
        return 1;
    for (const xmlNode *c = e->children; c; c = c->next)
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
            for (const xmlChar *p = c->content; *p; p++)
                if (!is_space(*p))
                    return 1;
    return 0;
}

static const xmlNode *next_element(const xmlNode *n)
{
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->next;
    return n;
}

/* Whether two sibling leaves print as one "Name = a, b" line: same namespace, local name and shown
 * attributes. Only adjacent siblings are joined (WMI arrays are always adjacent), which keeps this linear. */
static int same_leaf_group(const xmlNode *a, const xmlNode *b)
{
    const xmlAttr *x, *y;

    if (has_element_children(b) || strcmp((const char *)a->name, (const char *)b->name))
        return 0;
    if (!a->ns != !b->ns || (a->ns && strcmp((const char *)a->ns->href, (const char *)b->ns->href)))
        return 0;
    /* The shown attributes, pairwise: the same local names and values in the same order. */
    for (x = next_shown(a->properties), y = next_shown(b->properties); x && y;
         x = next_shown(x->next), y = next_shown(y->next))
        if (strcmp((const char *)x->name, (const char *)y->name) || strcmp(attr_text(x), attr_text(y)))
            return 0;
    return !x && !y;
}

static void text_element(struct buf *b, const xmlNode *e, size_t depth);

/* A SelectorSet the winrm way: "Selector: Name = value, Name2 = value2" on one line. Returns 0 (printing
 * nothing) when a selector is not a plain named value, e.g. an EPR: the generic tree shows that better. */
static int text_selector_set(struct buf *b, const xmlNode *e, size_t depth)
{
    const xmlNode *c;
    int first = 1;

    for (c = next_element(e->children); c; c = next_element(c->next))
        if (!name_is(c, "Selector") || has_element_children(c) ||
            !xmlHasNsProp((xmlNodePtr)c, BAD_CAST "Name", NULL))
            return 0;
    buf_spaces(b, depth * TEXT_INDENT);
    buf_str(b, (const char *)e->name);
    text_attributes(b, e);
    buf_char(b, '\n');
    if (!next_element(e->children))
        return 1;
    buf_spaces(b, (depth + 1) * TEXT_INDENT);
    buf_str(b, "Selector: ");
    for (c = next_element(e->children); c; c = next_element(c->next)) {
        const char *name = attr_text(xmlHasNsProp((xmlNodePtr)c, BAD_CAST "Name", NULL));

        if (!first)
            buf_str(b, ", ");
        first = 0;
        buf_text(b, name, strlen(name), NULL);
        buf_str(b, " = ");
        text_leaf_value(b, c);
    }
    buf_char(b, '\n');
    return 1;
}

static void text_element(struct buf *b, const xmlNode *e, size_t depth)
{
    const xmlNode *c;

    if (name_is(e, "SelectorSet") && text_selector_set(b, e, depth))
        return;

    buf_spaces(b, depth * TEXT_INDENT);
    buf_str(b, (const char *)e->name);
    if (!has_element_children(e)) {
        if (leaf_has_value(e)) {
            buf_str(b, " = ");
            text_leaf_value(b, e);
        }
        text_attributes(b, e);
        buf_char(b, '\n');
        return;
    }

    /* Mixed content is rare in replies; its text, when not blank, is shown as the element's value. */
    if (leaf_has_value(e) && !is_nil(e)) {
        buf_str(b, " = ");
        text_leaf_value(b, e);
    }
    text_attributes(b, e);
    buf_char(b, '\n');

    for (c = next_element(e->children); c;) {
        const xmlNode *n = next_element(c->next);

        if (has_element_children(c) || !n || !same_leaf_group(c, n)) {
            text_element(b, c, depth + 1);
            c = n;
            continue;
        }
        /* A run of repeated leaves (an array): once, values joined by ", ". */
        buf_spaces(b, (depth + 1) * TEXT_INDENT);
        buf_str(b, (const char *)c->name);
        buf_str(b, " = ");
        text_leaf_value(b, c);
        while (n && same_leaf_group(c, n)) {
            buf_str(b, ", ");
            text_leaf_value(b, n);
            n = next_element(n->next);
        }
        text_attributes(b, c);
        buf_char(b, '\n');
        c = n;
    }
}

static void render_text(struct buf *b, const xmlDoc *doc)
{
    text_element(b, xmlDocGetRootElement((xmlDocPtr)doc), 0);
}

/* ---- the pretty format ---- */

/* libxml2's own xmlBuffer grows by exactly what is needed in 2.9 (quadratic on large replies): the saver
 * writes into our doubling buffer instead. */
static int pretty_write(void *context, const char *data, int len)
{
    struct buf *b = context;

    if (len < 0)
        return -1;
    buf_add(b, data, (size_t)len);
    return b->w.failed ? -1 : len;
}

static int pretty_close(void *context)
{
    (void)context;
    return 0;
}

static int render_pretty(struct buf *b, xmlDocPtr doc)
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
    return closed >= 0 && saved >= 0 && !why.errors && !b->w.failed;
}

/* ---- the entry points ---- */

/* Renders into *b (always NUL-terminated on success, ending with '\n'). 0 or -1 with *err. */
static int render(struct buf *b, const char *xml, size_t len, enum cli_format fmt, char **err)
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
            buf_add(b, xml, len);
    } else {
        if (!(doc = parse_xml(xml, len, fmt == CLI_FORMAT_PRETTY ? XML_PARSE_NOBLANKS : 0, "reply", err)))
            return -1;
        if (fmt == CLI_FORMAT_PRETTY)
            ok = render_pretty(b, doc);
        else
            render_text(b, doc);
        xmlFreeDoc(doc);
    }
    if (!b->w.len || b->w.data[b->w.len - 1] != '\n')
        buf_char(b, '\n');
    if (!ok || b->w.failed) {
        wsm_buf_free(&b->w);
        memset(b, 0, sizeof(*b));
        set_err(err, "out of memory while formatting the reply");
        return -1;
    }
    return 0;
}

char *cli_format_render(const char *xml, size_t len, enum cli_format fmt, char **err)
{
    struct buf b;

    if (render(&b, xml, len, fmt, err))
        return NULL;
    return wsm_buf_take(&b.w, NULL);
}

int cli_format_reply(FILE *out, const char *xml, size_t len, enum cli_format fmt, char **err)
{
    struct buf b;
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
    failed = fwrite(b.w.data, 1, b.w.len, out) != b.w.len;
    wsm_buf_free(&b.w);
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
    struct buf b = {0};

    trim(&s, &n);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        int breaks = 0;

        while (j < n && is_space((unsigned char)s[j])) {
            breaks |= s[j] == '\n' || s[j] == '\r';
            j++;
        }
        if (j > i && breaks) {
            buf_char(&b, ' ');
            i = j;
            continue;
        }
        if (j == i)
            j++;
        /* Spaces and tabs stay as they are, whatever else is escaped. */
        while (j < n && !is_space((unsigned char)s[j]))
            j++;
        buf_text(&b, s + i, j - i, NULL);
        i = j;
    }
    if (b.w.failed || !b.w.len) {
        *oom |= b.w.failed != 0;
        wsm_buf_free(&b.w);
        return NULL;
    }
    return wsm_buf_take(&b.w, NULL);
}

/* One line of the element's own text, with that of the f:ProviderFault elements in it when `providers`. */
static char *element_line(const xmlNode *e, int providers, int *oom)
{
    struct buf t = {0};
    char *line = NULL;

    direct_text(&t, e);
    if (providers)
        for (const xmlNode *c = next_element(e->children); c; c = next_element(c->next))
            if (name_is(c, "ProviderFault") && ns_is(c, WSM_NS_WSMAN_FAULT))
                direct_text(&t, c);
    if (t.w.failed)
        *oom = 1;
    else
        line = one_line(t.w.data ? t.w.data : "", t.w.len, oom);
    wsm_buf_free(&t.w);
    return line;
}

/* The message of one f:WSManFault: a WSManFault nested in its f:Message wins (the provider's own fault);
 * else the text of f:Message and of the f:ProviderFault elements directly in it. */
static char *wsman_fault_message(const xmlNode *fault, int *oom)
{
    const xmlNode *msg, *inner;
    char *line;

    for (msg = next_element(fault->children); msg; msg = next_element(msg->next))
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
        if (is_named(n, ns, local) && !has_element_children(n)) {
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
        const char *s = attr_text(attr);
        size_t n = strlen(s), i = 0;
        unsigned long long value = 0;
        int base = 10, digits = 0;

        trim(&s, &n);
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
