/*
 * wsmanctl: winrm's @{Name="value";...} input, the XML bodies built from it,
 * `set`'s edit of the XML a Get returned, and the -file: reader.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "names.h"
#include "strutil.h"
#include "utf.h"
#include "xmlsafe.h"
#include "input.h"

#define HASH_MAX_DEPTH 32
#define HASH_MAX_PROPS 10000 /* over the whole hash: keeps set's matching loops small */

/* ---- shared helpers ---- */

int cli_fail(char **err, int rc, const char *fmt, ...)
{
    va_list ap, ap2;
    int n;

    if (!err)
        return rc;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    *err = n < 0 ? NULL : malloc((size_t)n + 1);
    if (*err)
        vsnprintf(*err, (size_t)n + 1, fmt, ap);
    else
        *err = strdup("out of memory");
    va_end(ap);
    return rc;
}

const char *cli_quote(struct cli_quoted *q, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    char *o = q->text;
    size_t i = 0;

    if (!s)
        n = 0;
    while (i < n) {
        uint32_t cp;
        size_t k;

        if (i >= CLI_QUOTE_MAX) {
            memcpy(o, "...", 3);
            o += 3;
            break;
        }
        k = u[i] >= 0x80 ? wsm_utf8_char(u + i, n - i, &cp) : 0;
        if (k && i + k > CLI_QUOTE_MAX) {
            i = CLI_QUOTE_MAX; /* never cut a character in half */
            continue;
        }
        if (k) {
            memcpy(o, u + i, k);
            o += k;
            i += k;
            continue;
        }
        if (u[i] < 0x20 || u[i] >= 0x7F) {
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hex[u[i] >> 4];
            *o++ = hex[u[i] & 0xF];
        } else {
            *o++ = (char)u[i];
        }
        i++;
    }
    *o = '\0';
    return q->text;
}

const char *cli_quote_str(struct cli_quoted *q, const char *s)
{
    return cli_quote(q, s, s ? strlen(s) : 0);
}

static int is_xml_char(unsigned int c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
           (c >= 0x10000 && c <= 0x10FFFF);
}

/* The offset of the first byte of s[0..n) that is not valid UTF-8 or not an XML 1.0 character, or n. */
static size_t bad_xml_text_offset(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    while (i < n) {
        uint32_t cp;
        size_t k = wsm_utf8_char(u + i, n - i, &cp);
        if (!k || !is_xml_char(cp))
            return i;
        i += k;
    }
    return n;
}

static int is_ncname(const char *name)
{
    return name && *name && xmlValidateNCName((const xmlChar *)name, 0) == 0;
}

void cli_props_free(struct cli_props *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->count; i++) {
        free(p->items[i].name);
        free(p->items[i].value);
        cli_props_free(p->items[i].children);
    }
    free(p->items);
    free(p);
}

/* Appends a pair, taking ownership of name, value and children (freed on failure). */
static int props_add(struct cli_props *p, char *name, char *value, struct cli_props *children)
{
    /* The capacity is implied by the count: 4, then doubled each time the count reaches a power of two. */
    if (!p->count || (p->count >= 4 && !(p->count & (p->count - 1)))) {
        size_t cap = p->count ? p->count * 2 : 4;
        struct cli_prop *items = realloc(p->items, cap * sizeof(*items));
        if (!items) {
            free(name);
            free(value);
            cli_props_free(children);
            return -1;
        }
        p->items = items;
    }
    p->items[p->count].name = name;
    p->items[p->count].value = value;
    p->items[p->count].children = children;
    p->count++;
    return 0;
}

/* ---- the @{...} hash ---- */

struct hash_parser {
    const char *s;
    size_t len, pos;
    size_t props; /* pairs so far, over every level */
    char **err;
    int any_names; /* -options: option names (wsmauto:echo, __cimnamespace), not XML element names */
};

static int hash_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void hash_skip_space(struct hash_parser *h)
{
    while (h->pos < h->len && hash_is_space(h->s[h->pos]))
        h->pos++;
}

static int hash_oom(struct hash_parser *h)
{
    return cli_fail(h->err, -1, "out of memory");
}

/* "offset N" for byte position pos of the text, N counting characters (not bytes) from 0, the argument's
 * first character; "offset N (the end)" past its last one. The text is valid UTF-8 up to pos (checked first).
 */
struct hash_at {
    char text[48];
};

static const char *hash_at(const char *s, size_t len, size_t pos, struct hash_at *b)
{
    size_t chars = 0;

    for (size_t i = 0; i < pos && i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            chars++;
    snprintf(b->text, sizeof(b->text), pos >= len ? "offset %zu (the end)" : "offset %zu", chars);
    return b->text;
}

#define HASH_AT(h, pos, b) hash_at((h)->s, (h)->len, (pos), (b))

/* A quoted string at h->pos (its opening quote): "..." with "" \" \\ escapes, or '...' with ''. */
/* Decodes the quoted string at s[pos] (its opening quote) into buf (NULL: only measure). Returns the position
 * after the closing quote, or 0 when the string is not closed; *n = the decoded length. */
static size_t unquote(const char *s, size_t len, size_t pos, char *buf, size_t *n)
{
    char quote = s[pos++];
    size_t o = 0;

    for (;;) {
        char c;
        if (pos >= len)
            return 0;
        c = s[pos];
        if (c == quote) {
            if (pos + 1 < len && s[pos + 1] == quote) {
                if (buf)
                    buf[o] = quote;
                o++;
                pos += 2;
                continue;
            }
            *n = o;
            return pos + 1;
        }
        /* Only \" and \\ are escapes: a Windows path such as "C:\temp" keeps its backslash. */
        if (quote == '"' && c == '\\' && pos + 1 < len && (s[pos + 1] == '"' || s[pos + 1] == '\\')) {
            c = s[pos + 1];
            pos++;
        }
        if (buf)
            buf[o] = c;
        o++;
        pos++;
    }
}

/* A quoted string at h->pos (its opening quote): "..." with "" \" \\ escapes, or '...' with ''. */
static int hash_quoted(struct hash_parser *h, char **out)
{
    size_t n, end = unquote(h->s, h->len, h->pos, NULL, &n);
    struct hash_at at;
    char *buf;

    if (!end)
        return cli_fail(h->err, -1, "@{...}: the string opened at %s is not closed (no closing %c)",
                        HASH_AT(h, h->pos, &at), h->s[h->pos]);
    if (!(buf = malloc(n + 1)))
        return hash_oom(h);
    unquote(h->s, h->len, h->pos, buf, &n);
    buf[n] = '\0';
    h->pos = end;
    *out = buf;
    return 0;
}

static int hash_parse(struct hash_parser *h, int depth, struct cli_props **out);

static int hash_value(struct hash_parser *h, int depth, const char *key, char **value,
                      struct cli_props **children)
{
    struct cli_quoted q;
    struct hash_at at;
    size_t start = h->pos, end;
    char c;

    *value = NULL;
    *children = NULL;
    if (h->pos >= h->len)
        return cli_fail(h->err, -1, "@{...}: expected a value for '%s' at %s", cli_quote_str(&q, key),
                        HASH_AT(h, h->pos, &at));
    c = h->s[h->pos];
    if (c == '"' || c == '\'')
        return hash_quoted(h, value);
    if (c == '@' || c == '{') {
        if (depth + 1 >= HASH_MAX_DEPTH)
            return cli_fail(h->err, -1, "@{...}: hashes nested more than %d deep at %s", HASH_MAX_DEPTH,
                            HASH_AT(h, h->pos, &at));
        return hash_parse(h, depth + 1, children);
    }
    /* A bare value runs to the next ';' or '}', without the white space around it. */
    while (h->pos < h->len && h->s[h->pos] != ';' && h->s[h->pos] != '}')
        h->pos++;
    end = h->pos;
    while (end > start && hash_is_space(h->s[end - 1]))
        end--;
    if (end == start)
        return cli_fail(h->err, -1, "@{...}: expected a value for '%s' at %s", cli_quote_str(&q, key),
                        HASH_AT(h, start, &at));
    if (wsm_span_eq_nocase(h->s + start, end - start, "$null"))
        return 0; /* *value stays NULL: xsi:nil */
    if (wsm_span_eq_nocase(h->s + start, end - start, "$true"))
        start++, end = start + 4;
    else if (wsm_span_eq_nocase(h->s + start, end - start, "$false"))
        start++, end = start + 5;
    if (!(*value = wsm_strndup(h->s + start, end - start)))
        return hash_oom(h);
    if (wsm_span_eq_nocase(*value, end - start, "true"))
        memcpy(*value, "true", 4);
    else if (wsm_span_eq_nocase(*value, end - start, "false"))
        memcpy(*value, "false", 5);
    return 0;
}

/* A hash at h->pos: optional '@', '{', pairs separated by ';', '}'. */
static int hash_parse(struct hash_parser *h, int depth, struct cli_props **out)
{
    struct cli_quoted q;
    struct cli_props *props;
    struct hash_at at;
    size_t open;

    *out = NULL;
    hash_skip_space(h);
    if (h->pos < h->len && h->s[h->pos] == '@') {
        h->pos++;
        hash_skip_space(h);
    }
    if (h->pos >= h->len || h->s[h->pos] != '{')
        return cli_fail(h->err, -1, "@{...}: expected '%s' at %s", depth ? "{" : "@{",
                        HASH_AT(h, h->pos, &at));
    open = h->pos++; /* the '{' itself: what an unclosed hash points at */
    if (!(props = calloc(1, sizeof(*props))))
        return hash_oom(h);

    for (;;) {
        char *key, *value;
        struct cli_props *children;
        size_t key_start;
        char c;

        hash_skip_space(h);
        if (h->pos >= h->len) {
            cli_fail(h->err, -1, "@{...}: the '{' at %s is not closed (no '}' before the end)",
                     HASH_AT(h, open, &at));
            goto fail;
        }
        c = h->s[h->pos];
        if (c == '}') {
            h->pos++;
            break;
        }
        if (c == ';') { /* an empty statement, as PowerShell allows: "a=1;;b=2", "a=1;" */
            h->pos++;
            continue;
        }
        key_start = h->pos;
        while (h->pos < h->len && !hash_is_space(h->s[h->pos]) && !strchr("=;{}\"'", h->s[h->pos]))
            h->pos++;
        if (h->pos == key_start) {
            cli_fail(h->err, -1, "@{...}: expected a property name at %s, found '%c'",
                     HASH_AT(h, h->pos, &at), c);
            goto fail;
        }
        if (!(key = wsm_strndup(h->s + key_start, h->pos - key_start))) {
            hash_oom(h);
            goto fail;
        }
        if (!h->any_names && !is_ncname(key)) {
            cli_fail(h->err, -1,
                     "@{...}: '%s' at %s is not a valid property name (an XML name: a letter or '_', "
                     "then letters, digits, '.', '-' or '_')",
                     cli_quote_str(&q, key), HASH_AT(h, key_start, &at));
            free(key);
            goto fail;
        }
        hash_skip_space(h);
        if (h->pos >= h->len || h->s[h->pos] != '=') {
            cli_fail(h->err, -1, "@{...}: expected '=' after '%s' at %s", cli_quote_str(&q, key),
                     HASH_AT(h, h->pos, &at));
            free(key);
            goto fail;
        }
        h->pos++;
        hash_skip_space(h);
        if (hash_value(h, depth, key, &value, &children)) {
            free(key);
            goto fail;
        }
        if (++h->props > HASH_MAX_PROPS) {
            cli_fail(h->err, -1, "@{...}: more than %d properties", HASH_MAX_PROPS);
            free(key);
            free(value);
            cli_props_free(children);
            goto fail;
        }
        if (props_add(props, key, value, children)) {
            hash_oom(h);
            goto fail;
        }
        hash_skip_space(h);
        if (h->pos < h->len && h->s[h->pos] == ';') {
            h->pos++;
        } else if (h->pos < h->len && h->s[h->pos] != '}') {
            cli_fail(h->err, -1, "@{...}: expected ';' or '}' after the value of '%s' at %s",
                     cli_quote_str(&q, props->items[props->count - 1].name), HASH_AT(h, h->pos, &at));
            goto fail;
        }
    }
    *out = props;
    return 0;

fail:
    cli_props_free(props);
    return -1;
}

static int parse_hash(const char *text, int any_names, struct cli_props **out, char **err)
{
    struct hash_parser h = {0};
    struct hash_at at;
    size_t bad;

    if (err)
        *err = NULL;
    if (!out)
        return cli_fail(err, -1, "@{...}: no output pointer");
    *out = NULL;
    if (!text)
        return cli_fail(err, -1, "@{...}: no input");
    h.s = text;
    h.len = strlen(text);
    h.err = err;
    h.any_names = any_names;
    if (h.len > CLI_MAX_XML)
        return cli_fail(err, -1, "@{...}: the input is larger than %zu MiB", CLI_MAX_XML >> 20);
    /* Everything must be able to travel in XML: valid UTF-8, no control characters but white space. */
    if ((bad = bad_xml_text_offset(text, h.len)) < h.len)
        return cli_fail(err, -1, "@{...}: %s at %s",
                        (unsigned char)text[bad] < 0x20 ? "a control character"
                                                        : "text that is not valid UTF-8",
                        hash_at(text, h.len, bad, &at));
    if (hash_parse(&h, 0, out))
        return -1;
    hash_skip_space(&h);
    if (h.pos < h.len) {
        cli_props_free(*out);
        *out = NULL;
        return cli_fail(err, -1, "@{...}: unexpected text after the closing '}' at %s",
                        HASH_AT(&h, h.pos, &at));
    }
    return 0;
}

int cli_parse_hash(const char *text, struct cli_props **out, char **err)
{
    return parse_hash(text, 0, out, err);
}

int cli_parse_options(const char *text, struct cli_props **out, char **err)
{
    return parse_hash(text, 1, out, err);
}

/* ---- XML ---- */

/* libxml2 2.9 writes namespace URIs into xmlns attributes without escaping '&' and '<' (and '"' when the
 * URI also has a "'"): such a document would not come back as XML. Refuse it instead. */
static int has_unwritable_namespace(xmlNodePtr node)
{
    xmlNodePtr n = node;

    while (n) {
        if (n->type == XML_ELEMENT_NODE) {
            for (xmlNsPtr ns = n->nsDef; ns; ns = ns->next)
                if (ns->href &&
                    (strpbrk((const char *)ns->href, "&<") ||
                     (strchr((const char *)ns->href, '"') && strchr((const char *)ns->href, '\''))))
                    return 1;
            if (n->children) {
                n = n->children;
                continue;
            }
        }
        while (n && n != node && !n->next)
            n = n->parent;
        if (!n || n == node)
            break;
        n = n->next;
    }
    return 0;
}

/* Serializes the whole document (node NULL) or one element, UTF-8, without the XML declaration. */
static int xml_serialize(xmlDocPtr doc, xmlNodePtr node, char **out, char **err)
{
    xmlBufferPtr buf = xmlBufferCreate();
    xmlSaveCtxtPtr save;
    long written;
    size_t len;

    *out = NULL;
    if (!buf)
        return cli_fail(err, -1, "out of memory");
    if (has_unwritable_namespace(node ? node : xmlDocGetRootElement(doc))) {
        xmlBufferFree(buf);
        return cli_fail(err, -1,
                        "a namespace URI in the XML contains '&' or '<', which cannot be written back");
    }
    if (!(save = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_NO_DECL))) {
        xmlBufferFree(buf);
        return cli_fail(err, -1, "out of memory");
    }
    written = node ? xmlSaveTree(save, node) : xmlSaveDoc(save, doc);
    if (xmlSaveClose(save) < 0 || written < 0) {
        xmlBufferFree(buf);
        return cli_fail(err, -1, "cannot serialize the XML (out of memory?)");
    }
    len = (size_t)xmlBufferLength(buf);
    /* xmlSaveDoc ends every top-level node with a newline: the body needs none. */
    while (len && xmlBufferContent(buf)[len - 1] == '\n')
        len--;
    *out = wsm_strndup((const char *)xmlBufferContent(buf), len);
    xmlBufferFree(buf);
    return *out ? 0 : cli_fail(err, -1, "out of memory");
}

static int check_text(const char *what, const char *name, const char *text, char **err)
{
    struct cli_quoted q;
    size_t n = strlen(text), bad = bad_xml_text_offset(text, n);

    if (bad < n)
        return cli_fail(
            err, -1, "%s '%s': %s at byte %zu", what, cli_quote_str(&q, name),
            (unsigned char)text[bad] < 0x20 ? "a control character" : "text that is not valid UTF-8", bad);
    return 0;
}

static xmlNsPtr xsi_ns(xmlDocPtr doc, xmlNodePtr e)
{
    xmlNsPtr ns = xmlSearchNsByHref(doc, e, (const xmlChar *)WSM_NS_XSI);
    char prefix[16] = "xsi";

    if (ns)
        return ns;
    /* "xsi" may be bound to something else here: pick a free prefix. */
    for (int i = 0; xmlSearchNs(doc, e, (const xmlChar *)prefix) && i < 1000; i++)
        snprintf(prefix, sizeof(prefix), "xsi%d", i);
    return xmlNewNs(e, (const xmlChar *)WSM_NS_XSI, (const xmlChar *)prefix);
}

static int set_nil(xmlDocPtr doc, xmlNodePtr e)
{
    xmlNsPtr ns = xsi_ns(doc, e);
    return ns && xmlSetNsProp(e, ns, (const xmlChar *)"nil", (const xmlChar *)"true") ? 0 : -1;
}

static int build_props(xmlDocPtr doc, xmlNodePtr parent, xmlNsPtr ns, const struct cli_props *p, char **err)
{
    struct cli_quoted q;

    for (size_t i = 0; p && i < p->count; i++) {
        const struct cli_prop *it = &p->items[i];
        xmlNodePtr e;

        if (!is_ncname(it->name))
            return cli_fail(err, -1, "'%s' is not a valid property name", cli_quote_str(&q, it->name));
        if (!(e = xmlNewDocNode(doc, ns, (const xmlChar *)it->name, NULL)))
            return cli_fail(err, -1, "out of memory");
        xmlAddChild(parent, e);
        if (it->children) {
            if (build_props(doc, e, ns, it->children, err))
                return -1;
        } else if (!it->value) {
            if (set_nil(doc, e))
                return cli_fail(err, -1, "out of memory");
        } else {
            xmlNodePtr t;
            if (check_text("the value of", it->name, it->value, err))
                return -1;
            if (!(t = xmlNewDocText(doc, (const xmlChar *)it->value)))
                return cli_fail(err, -1, "out of memory");
            xmlAddChild(e, t);
        }
    }
    return 0;
}

int cli_build_body(const struct cli_props *p, const char *root_name, const char *ns_uri, char **xml,
                   char **err)
{
    struct cli_quoted q;
    xmlDocPtr doc;
    xmlNodePtr root;
    xmlNsPtr ns;
    int rc;

    if (err)
        *err = NULL;
    if (!xml)
        return cli_fail(err, -1, "no output pointer");
    *xml = NULL;
    if (!is_ncname(root_name))
        return cli_fail(err, -1, "'%s' cannot be the name of an XML element (the class or method name)",
                        cli_quote_str(&q, root_name ? root_name : ""));
    if (!ns_uri || !*ns_uri)
        return cli_fail(err, -1, "no namespace URI for <%s>", root_name);
    if (check_text("the namespace of", root_name, ns_uri, err))
        return -1;
    if (strpbrk(ns_uri, "&<\""))
        return cli_fail(err, -1, "the namespace URI '%s' contains '&', '<' or '\"'",
                        cli_quote_str(&q, ns_uri));
    if (!(doc = xmlNewDoc((const xmlChar *)"1.0")))
        return cli_fail(err, -1, "out of memory");
    if (!(root = xmlNewDocNode(doc, NULL, (const xmlChar *)root_name, NULL))) {
        xmlFreeDoc(doc);
        return cli_fail(err, -1, "out of memory");
    }
    xmlDocSetRootElement(doc, root);
    if (!(ns = xmlNewNs(root, (const xmlChar *)ns_uri, (const xmlChar *)"p"))) {
        xmlFreeDoc(doc);
        return cli_fail(err, -1, "out of memory");
    }
    xmlSetNs(root, ns);
    rc = build_props(doc, root, ns, p, err);
    if (!rc)
        rc = xml_serialize(doc, root, xml, err);
    xmlFreeDoc(doc);
    return rc;
}

char *cli_class_name(const char *resource_uri)
{
    const char *end, *start;

    if (!resource_uri)
        return NULL;
    end = resource_uri + strcspn(resource_uri, "?");
    start = end;
    while (start > resource_uri && start[-1] != '/')
        start--;
    if (start == end)
        return NULL;
    return wsm_strndup(start, (size_t)(end - start));
}

static void remove_children(xmlNodePtr e)
{
    xmlNodePtr c = e->children;

    while (c) {
        xmlNodePtr next = c->next;
        xmlUnlinkNode(c);
        xmlFreeNode(c);
        c = next;
    }
}

static int has_element_children(xmlNodePtr e)
{
    for (xmlNodePtr c = e->children; c; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return 1;
    return 0;
}

/* "Outer.Inner" for messages about nested properties. */
static char *prop_path(const char *prefix, const char *name)
{
    size_t a = prefix ? strlen(prefix) + 1 : 0, b = strlen(name);
    char *s = malloc(a + b + 1);

    if (!s)
        return NULL;
    if (prefix) {
        memcpy(s, prefix, a - 1);
        s[a - 1] = '.';
    }
    memcpy(s + a, name, b + 1);
    return s;
}

static int apply_props(xmlDocPtr doc, xmlNodePtr parent, const struct cli_props *p, const char *prefix,
                       char **err)
{
    struct cli_quoted q, q2;

    for (size_t i = 0; i < p->count; i++) {
        const struct cli_prop *it = &p->items[i];
        xmlNodePtr e = NULL, last = NULL;
        size_t nth = 0, seen = 0;
        char *path;
        int rc = 0;

        /* The n-th time a key is given it sets the n-th element of that name (array properties). */
        for (size_t j = 0; j < i; j++)
            nth += !strcmp(p->items[j].name, it->name);
        for (xmlNodePtr c = parent->children; c; c = c->next) {
            if (c->type != XML_ELEMENT_NODE || strcmp((const char *)c->name, it->name))
                continue;
            last = c;
            if (seen++ == nth) {
                e = c;
                break;
            }
        }
        if (!(path = prop_path(prefix, it->name)))
            return cli_fail(err, -1, "out of memory");
        if (!e && !last) {
            rc = cli_fail(err, -1, "set: the resource has no property '%s'", cli_quote_str(&q, path));
            free(path);
            return rc;
        }
        if (!e) {
            /* One more value than the resource has elements: add a copy of the last one after it. */
            if (!(e = xmlDocCopyNode(last, doc, 1))) {
                free(path);
                return cli_fail(err, -1, "out of memory");
            }
            xmlAddNextSibling(last, e);
        }
        if (it->children) {
            rc = apply_props(doc, e, it->children, path, err);
        } else if (!it->value) {
            remove_children(e);
            if (set_nil(doc, e))
                rc = cli_fail(err, -1, "out of memory");
        } else if (has_element_children(e)) {
            rc = cli_fail(err, -1, "set: '%s' has sub-properties: give them as %s=@{Name=\"value\"}",
                          cli_quote_str(&q, path), cli_quote_str(&q2, it->name));
        } else {
            xmlAttrPtr nil = xmlHasNsProp(e, (const xmlChar *)"nil", (const xmlChar *)WSM_NS_XSI);
            xmlNodePtr t;
            if (!(rc = check_text("the value of", path, it->value, err))) {
                if (nil)
                    xmlRemoveProp(nil);
                remove_children(e);
                if (!(t = xmlNewDocText(doc, (const xmlChar *)it->value)))
                    rc = cli_fail(err, -1, "out of memory");
                else
                    xmlAddChild(e, t);
            }
        }
        free(path);
        if (rc)
            return rc;
    }
    return 0;
}

int cli_apply_props(const char *xml, const struct cli_props *p, char **out, char **err)
{
    struct wsm_xml_failure why;
    xmlDocPtr doc;
    xmlNodePtr root;
    int rc;

    if (err)
        *err = NULL;
    if (!out)
        return cli_fail(err, -1, "set: no output pointer");
    *out = NULL;
    if (!xml)
        return cli_fail(err, -1, "set: no XML to modify");
    /* The text came through a BSTR as UTF-8, whatever its declaration says. */
    if (!(doc = wsm_xml_parse(xml, strlen(xml), "UTF-8", XML_PARSE_IGNORE_ENC, 0, CLI_MAX_XML, &why))) {
        if (why.too_large)
            return cli_fail(err, -1, "set: the resource's XML is larger than %zu MiB", CLI_MAX_XML >> 20);
        if (why.dtd_seen)
            return cli_fail(err, -1, "set: the resource's XML has a document type declaration (refused)");
        if (why.out_of_memory)
            return cli_fail(err, -1, "out of memory");
        /* libxml2's last word on it, as xmlCtxtGetLastError() gives it: its first line. */
        why.last_message[strcspn(why.last_message, "\r\n")] = '\0';
        return cli_fail(err, -1, "set: the resource's XML does not parse: %s (line %d)",
                        why.last_message[0] ? why.last_message : "unknown error", why.last_line);
    }
    if (!(root = xmlDocGetRootElement(doc))) {
        xmlFreeDoc(doc);
        return cli_fail(err, -1, "set: the resource's XML has no root element");
    }
    rc = p ? apply_props(doc, root, p, NULL, err) : 0;
    if (!rc)
        rc = xml_serialize(doc, NULL, out, err);
    xmlFreeDoc(doc);
    return rc;
}

/* ---- files ---- */

/* UTF-16 (after its BOM) to UTF-8; -1 on a lone surrogate, a NUL or an odd length. */
static int utf16_to_utf8(const unsigned char *s, size_t n, int big_endian, char **out, size_t *out_len)
{
    char *o;
    size_t k = 0;

    if (n % 2)
        return -1;
    if (!(o = malloc(n / 2 * 3 + 1)))
        return -2;
    for (size_t i = 0, step; i < n; i += step) {
        uint32_t c;

        step = wsm_utf16_bytes_decode(s + i, n - i, big_endian, &c);
        if (!c || c == WSM_UTF8_BAD)
            goto bad;
        k += wsm_utf8_encode(c, o + k); /* 4 bytes out for 4 bytes in: within n / 2 * 3 */
    }
    o[k] = '\0';
    *out = o;
    *out_len = k;
    return 0;
bad:
    free(o);
    return -1;
}

int cli_read_text_file(const char *path, size_t cap, char **out, size_t *len, char **err)
{
    struct cli_quoted q;
    unsigned char *buf = NULL;
    size_t n = 0, size = 0, bad;
    FILE *f;

    if (err)
        *err = NULL;
    *out = NULL;
    if (len)
        *len = 0;
    if (!path || !*path)
        return cli_fail(err, -1, "no file name");
    if (!(f = fopen(path, "rb")))
        return cli_fail(err, -1, "cannot read '%s': %s", cli_quote_str(&q, path), strerror(errno));
    for (;;) {
        size_t got;
        if (n == size) {
            size_t want = size ? size * 2 : 65536;
            unsigned char *grown;
            if (size > cap)
                break; /* cap + 1 bytes read: too large */
            if (want > cap + 1)
                want = cap + 1;
            if (!(grown = realloc(buf, want + 1))) {
                fclose(f);
                free(buf);
                return cli_fail(err, -1, "out of memory");
            }
            buf = grown;
            size = want;
        }
        if (!(got = fread(buf + n, 1, size - n, f)))
            break;
        n += got;
    }
    if (n > cap) {
        fclose(f);
        free(buf);
        if (cap >= ((size_t)1 << 20))
            return cli_fail(err, -1, "'%s' is larger than %zu MiB", cli_quote_str(&q, path), cap >> 20);
        return cli_fail(err, -1, "'%s' is larger than %zu bytes", cli_quote_str(&q, path), cap);
    }
    if (ferror(f)) {
        int e = errno;
        fclose(f);
        free(buf);
        return cli_fail(err, -1, "cannot read '%s': %s", cli_quote_str(&q, path), strerror(e ? e : EIO));
    }
    fclose(f);
    if (!buf && !(buf = malloc(1)))
        return cli_fail(err, -1, "out of memory");
    buf[n] = '\0';

    if (n >= 2 && ((buf[0] == 0xFF && buf[1] == 0xFE) || (buf[0] == 0xFE && buf[1] == 0xFF))) {
        char *utf8;
        size_t k;
        int rc = utf16_to_utf8(buf + 2, n - 2, buf[0] == 0xFE, &utf8, &k);
        free(buf);
        if (rc == -2)
            return cli_fail(err, -1, "out of memory");
        if (rc)
            return cli_fail(err, -1, "'%s' starts with a UTF-16 byte order mark but is not valid UTF-16 text",
                            cli_quote_str(&q, path));
        buf = (unsigned char *)utf8;
        n = k;
    } else if (n >= 3 && buf[0] == 0xEF && buf[1] == 0xBB && buf[2] == 0xBF) {
        memmove(buf, buf + 3, n - 3 + 1);
        n -= 3;
    }
    if (memchr(buf, '\0', n)) {
        free(buf);
        return cli_fail(err, -1, "'%s' contains a NUL byte: it is not a text file", cli_quote_str(&q, path));
    }
    if ((bad = wsm_utf8_valid_prefix((const char *)buf, n)) < n) {
        free(buf);
        return cli_fail(err, -1, "'%s' is not UTF-8 text (byte %zu); save it as UTF-8",
                        cli_quote_str(&q, path), bad);
    }
    *out = (char *)buf;
    if (len)
        *len = n;
    return 0;
}
