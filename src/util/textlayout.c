/*
 * winrm's text layout of an XML element (see textlayout.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include "names.h"
#include "strutil.h"
#include "textlayout.h"

#define TEXT_INDENT 4 /* spaces per level */

/* The output and where its current line starts (for continuation indents). */
struct lay {
    struct wsm_buf *b;
    size_t line;
};

static void lay_str(struct lay *l, const char *s)
{
    wsm_buf_addstr(l->b, s);
}

static void lay_newline(struct lay *l)
{
    wsm_buf_addc(l->b, '\n');
    l->line = l->b->len;
}

static void add_spaces(struct wsm_buf *b, size_t n)
{
    static const char spaces[] = "                                ";

    while (n) {
        size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;
        wsm_buf_add(b, spaces, k);
        n -= k;
    }
}

/* wsm_text_escape, and with `l` each line feed starts a new line indented by `cont` spaces. */
static void escaped(struct wsm_buf *b, const char *s, size_t n, struct lay *l, size_t cont)
{
    size_t start = 0;

    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        unsigned code;
        size_t width;
        char hex[8];

        if (c >= 0x20 && c < 0x7F)
            continue;
        if (c == '\n' && l) {
            wsm_buf_add(b, s + start, i - start);
            lay_newline(l);
            if (i + 1 < n && s[i + 1] != '\n') /* no trailing blanks on an empty line */
                add_spaces(b, cont);
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
        wsm_buf_add(b, s + start, i - start);
        snprintf(hex, sizeof(hex), "\\x%02X", code);
        wsm_buf_addstr(b, hex);
        i += width - 1;
        start = i + 1;
    }
    wsm_buf_add(b, s + start, n - start);
}

void wsm_text_escape(struct wsm_buf *out, const char *s, size_t n)
{
    escaped(out, s, n, NULL, 0);
}

/* ---- tree helpers ---- */

const xmlNode *wsm_xml_next_element(const xmlNode *n)
{
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->next;
    return n;
}

int wsm_xml_has_element_children(const xmlNode *e)
{
    return wsm_xml_next_element(e->children) != NULL;
}

static int is_text(const xmlNode *c)
{
    return (c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content;
}

void wsm_xml_own_text(struct wsm_buf *out, const xmlNode *e)
{
    for (const xmlNode *c = e->children; c; c = c->next)
        if (is_text(c))
            wsm_buf_addstr(out, (const char *)c->content);
}

static int ns_is(const xmlNs *ns, const char *uri)
{
    return ns && ns->href && !strcmp((const char *)ns->href, uri);
}

const char *wsm_xml_attr_text(const xmlAttr *a)
{
    const xmlNode *c = a ? a->children : NULL;

    return c && c->type == XML_TEXT_NODE && c->content ? (const char *)c->content : "";
}

/* xsi:nil="true" (or "1"), blanks around allowed as for any xs:boolean. */
static int is_nil(const xmlNode *e)
{
    for (const xmlAttr *a = e->properties; a; a = a->next) {
        if (ns_is(a->ns, WSM_NS_XSI) && !strcmp((const char *)a->name, "nil")) {
            const char *s = wsm_xml_attr_text(a);
            size_t n = strlen(s);

            wsm_trim(&s, &n);
            return (n == 4 && !memcmp(s, "true", 4)) || (n == 1 && s[0] == '1');
        }
    }
    return 0;
}

/* The attributes shown after an element: all but the xsi:* ones (type and nil are markup, not data) and the
 * xml:* ones (xml:lang on an instance is not one of its properties either). Namespace declarations are not
 * attributes in libxml2's tree. */
static const xmlAttr *next_shown(const xmlAttr *a)
{
    while (a && (ns_is(a->ns, WSM_NS_XSI) || ns_is(a->ns, WSM_NS_XML)))
        a = a->next;
    return a;
}

/* Each shown attribute as ` [Name="value"]` by local name, on one line. */
static void text_attributes(struct lay *l, const xmlNode *e)
{
    for (const xmlAttr *a = next_shown(e->properties); a; a = next_shown(a->next)) {
        const char *v = wsm_xml_attr_text(a);

        lay_str(l, " [");
        lay_str(l, (const char *)a->name);
        lay_str(l, "=\"");
        escaped(l->b, v, strlen(v), NULL, 0);
        lay_str(l, "\"]");
    }
}

/* A leaf's value as shown: "null" for xsi:nil, else its trimmed own text, continuation lines indented to
 * the column where the value starts. */
static void text_leaf_value(struct lay *l, const xmlNode *e)
{
    const xmlNode *only = NULL;
    struct wsm_buf v = {0};
    const char *s;
    size_t n, col = l->b->len - l->line;

    if (is_nil(e)) {
        lay_str(l, "null");
        return;
    }
    /* Nearly always one text node: its content as it is, without a copy. */
    for (const xmlNode *c = e->children; c; c = c->next) {
        if (!is_text(c))
            continue;
        if (only) {
            only = NULL;
            break;
        }
        only = c;
    }
    if (only) {
        s = (const char *)only->content;
        n = strlen(s);
    } else {
        wsm_xml_own_text(&v, e);
        s = v.data ? v.data : "";
        n = v.len;
    }
    wsm_trim(&s, &n);
    escaped(l->b, s, n, l, col);
    if (v.failed && !l->b->failed)
        l->b->failed = v.failed;
    wsm_buf_free(&v);
}

/* Whether the element shows " = value": nil, or its own text is not blank. */
static int leaf_has_value(const xmlNode *e)
{
    if (is_nil(e))
        return 1;
    for (const xmlNode *c = e->children; c; c = c->next)
        if (is_text(c))
            for (const xmlChar *p = c->content; *p; p++)
                if (!wsm_is_space(*p))
                    return 1;
    return 0;
}

/* Whether two sibling leaves print as one "Name = a, b" line: same namespace, local name and shown
 * attributes. Only adjacent siblings are joined (WMI arrays are always adjacent), which keeps this linear. */
static int same_leaf_group(const xmlNode *a, const xmlNode *b)
{
    const xmlAttr *x, *y;

    if (wsm_xml_has_element_children(b) || strcmp((const char *)a->name, (const char *)b->name))
        return 0;
    if (!a->ns != !b->ns || (a->ns && strcmp((const char *)a->ns->href, (const char *)b->ns->href)))
        return 0;
    /* The shown attributes, pairwise: the same local names and values in the same order. */
    for (x = next_shown(a->properties), y = next_shown(b->properties); x && y;
         x = next_shown(x->next), y = next_shown(y->next))
        if (strcmp((const char *)x->name, (const char *)y->name) ||
            strcmp(wsm_xml_attr_text(x), wsm_xml_attr_text(y)))
            return 0;
    return !x && !y;
}

/* A SelectorSet the winrm way: "Selector: Name = value, Name2 = value2" on one line. Returns 0 (writing
 * nothing) when a selector is not a plain named value, e.g. an EPR: the generic tree shows that better. */
static int text_selector_set(struct lay *l, const xmlNode *e, size_t depth)
{
    const xmlNode *c;
    int first = 1;

    for (c = wsm_xml_next_element(e->children); c; c = wsm_xml_next_element(c->next))
        if (strcmp((const char *)c->name, "Selector") || wsm_xml_has_element_children(c) ||
            !xmlHasNsProp((xmlNodePtr)c, BAD_CAST "Name", NULL))
            return 0;
    add_spaces(l->b, depth * TEXT_INDENT);
    lay_str(l, (const char *)e->name);
    text_attributes(l, e);
    lay_newline(l);
    if (!wsm_xml_next_element(e->children))
        return 1;
    add_spaces(l->b, (depth + 1) * TEXT_INDENT);
    lay_str(l, "Selector: ");
    for (c = wsm_xml_next_element(e->children); c; c = wsm_xml_next_element(c->next)) {
        const char *name = wsm_xml_attr_text(xmlHasNsProp((xmlNodePtr)c, BAD_CAST "Name", NULL));

        if (!first)
            lay_str(l, ", ");
        first = 0;
        escaped(l->b, name, strlen(name), NULL, 0);
        lay_str(l, " = ");
        text_leaf_value(l, c);
    }
    lay_newline(l);
    return 1;
}

static void text_element(struct lay *l, const xmlNode *e, size_t depth)
{
    const xmlNode *c;

    if (!strcmp((const char *)e->name, "SelectorSet") && text_selector_set(l, e, depth))
        return;

    add_spaces(l->b, depth * TEXT_INDENT);
    lay_str(l, (const char *)e->name);
    if (!wsm_xml_has_element_children(e)) {
        if (leaf_has_value(e)) {
            lay_str(l, " = ");
            text_leaf_value(l, e);
        }
        text_attributes(l, e);
        lay_newline(l);
        return;
    }

    /* Mixed content is rare in replies; its text, when not blank, is shown as the element's value. */
    if (leaf_has_value(e) && !is_nil(e)) {
        lay_str(l, " = ");
        text_leaf_value(l, e);
    }
    text_attributes(l, e);
    lay_newline(l);

    for (c = wsm_xml_next_element(e->children); c;) {
        const xmlNode *n = wsm_xml_next_element(c->next);

        if (wsm_xml_has_element_children(c) || !n || !same_leaf_group(c, n)) {
            text_element(l, c, depth + 1);
            c = n;
            continue;
        }
        /* A run of repeated leaves (an array): once, values joined by ", ". */
        add_spaces(l->b, (depth + 1) * TEXT_INDENT);
        lay_str(l, (const char *)c->name);
        lay_str(l, " = ");
        text_leaf_value(l, c);
        while (n && same_leaf_group(c, n)) {
            lay_str(l, ", ");
            text_leaf_value(l, n);
            n = wsm_xml_next_element(n->next);
        }
        text_attributes(l, c);
        lay_newline(l);
        c = n;
    }
}

void wsm_text_layout(struct wsm_buf *out, const xmlNode *element)
{
    struct lay l = {out, out->len};

    if (element)
        text_element(&l, element, 0);
}
