/*
 * Reply parsing and fault mapping (see reply.h).
 *
 * Everything a server sends is untrusted. The parser (xmlsafe.c) runs on a
 * private libxml2 context: no network, no entity substitution, no DTD
 * loading, and any DTD at all makes it stop at once (a SOAP message must not
 * carry one), so billion-laughs and XXE replies never expand or open
 * anything. libxml2's own error printing is diverted into the detail
 * sentence.
 *
 * Names are always matched by namespace URI: Windows uses s/a/w/n/x/p, the
 * MS-WSMV examples wsa/wsman/wsen, OMI SOAP-ENV/wsa/wxf.
 *
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/parserInternals.h> /* xmlStringTextNoenc */
#include <libxml/tree.h>
#include <libxml/xmlIO.h>

#include "detail.h"
#include "names.h"
#include "reply.h"
#include "textlayout.h"
#include "xmlsafe.h"
#include "xmlwrite.h"

/* Namespaces only the reply parser needs (not in names.h yet). */
#define NS_SOAP11 "http://schemas.xmlsoap.org/soap/envelope/"
#define NS_MSFT_WMIERROR "http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError"
#define NS_WSSE "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"

#define LIBXML_MESSAGE_MAX 200 /* bytes of libxml2's error message kept in a detail */

struct wsm_reply {
    xmlDocPtr doc;
    xmlNodePtr body;  /* s:Body, never NULL */
    char *action;     /* a:Action, trimmed; NULL when absent */
    char *relates_to; /* a:RelatesTo, trimmed; NULL when absent */
};

/* ---- small tree helpers ---- */

static int is_elem(const xmlNode *n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           !strcmp((const char *)n->ns->href, ns) && !strcmp((const char *)n->name, name);
}

/* src/util's wsm_xml_next_element for the nodes this file changes (the serialisers declare namespaces on
 * them for the time of a write). */
static xmlNodePtr next_elem(xmlNodePtr n)
{
    return (xmlNodePtr)wsm_xml_next_element(n);
}

static xmlNodePtr first_elem(const xmlNode *parent)
{
    return parent ? next_elem(parent->children) : NULL;
}

static xmlNodePtr find_child(const xmlNode *parent, const char *ns, const char *name)
{
    for (xmlNodePtr n = first_elem(parent); n; n = next_elem(n->next))
        if (is_elem(n, ns, name))
            return n;
    return NULL;
}

static const char *ns_of(const xmlNode *n)
{
    return n->ns && n->ns->href ? (const char *)n->ns->href : "";
}

/* s[0..n) without leading and trailing ASCII blanks, as a new string. */
static char *dup_trimmed_n(const char *s, size_t n)
{
    while (n && wsm_is_space((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && wsm_is_space((unsigned char)s[n - 1]))
        n--;
    return wsm_strndup(s, n);
}

static char *dup_trimmed(const char *s)
{
    return dup_trimmed_n(s, strlen(s));
}

/* All text below n, trimmed. NULL only when out of memory. */
static char *trimmed_content(const xmlNode *n)
{
    xmlChar *content = xmlNodeGetContent(n);
    char *out;

    if (!content)
        return n->children ? NULL : wsm_strdup("");
    out = dup_trimmed((const char *)content);
    xmlFree(content);
    return out;
}

/* A no-namespace attribute's value, NULL when absent. *oom is set when it
 * exists but could not be copied (libxml2 returns NULL for both). */
static xmlChar *get_attr(const xmlNode *n, const char *name, int *oom)
{
    xmlChar *value = xmlGetNoNsProp(n, BAD_CAST name);

    if (!value && xmlHasNsProp(n, BAD_CAST name, NULL))
        *oom = 1;
    return value;
}

/* A readable one-line version of s: trimmed, and every run of blanks that
 * holds a line break or tab (pretty-printed or line-wrapped texts) becomes one
 * space. Runs of plain spaces are kept as the server wrote them. */
static char *one_line(const char *s)
{
    char *t = dup_trimmed(s), *out = t;

    if (!t)
        return NULL;
    for (const char *p = t; *p;) {
        if (!wsm_is_space((unsigned char)*p)) {
            *out++ = *p++;
            continue;
        }
        const char *run = p;
        int breaks = 0;
        while (*p && wsm_is_space((unsigned char)*p))
            breaks |= *p++ != ' ';
        if (breaks) {
            *out++ = ' ';
        } else {
            memmove(out, run, (size_t)(p - run));
            out += p - run;
        }
    }
    *out = '\0';
    return t;
}

/* ---- standalone serialisation ---- */

/* Is ns declared on `from` or one of its ancestors up to and including top? */
static int declared_within(const xmlNode *top, const xmlNode *from, const xmlNs *ns)
{
    for (const xmlNode *n = from; n; n = n->parent) {
        for (const xmlNs *d = n->nsDef; d; d = d->next)
            if (d == ns)
                return 1;
        if (n == top)
            break;
    }
    return 0;
}

/* Declares on top a namespace that the subtree uses at `at` but that is
 * declared outside it (on s:Envelope, typically). 0 on OOM. The xmlNs is
 * built by hand: xmlNewNs in libxml2 2.9 ignores a failed string copy. */
static int declare_outer(xmlNodePtr top, const xmlNode *at, const xmlNs *ns)
{
    xmlNsPtr decl, *tail;

    if (!ns || !ns->href || xmlStrEqual(ns->href, BAD_CAST WSM_NS_XML) || declared_within(top, at, ns))
        return 1;
    /* In scope at top, a prefix has one binding: declare each prefix once. */
    for (tail = &top->nsDef; *tail; tail = &(*tail)->next)
        if (xmlStrEqual((*tail)->prefix, ns->prefix))
            return 1;
    if (!(decl = xmlMalloc(sizeof(*decl))))
        return 0;
    memset(decl, 0, sizeof(*decl));
    decl->type = XML_NAMESPACE_DECL;
    decl->href = xmlStrdup(ns->href);
    decl->prefix = ns->prefix ? xmlStrdup(ns->prefix) : NULL;
    if (!decl->href || (ns->prefix && !decl->prefix)) {
        xmlFreeNs(decl);
        return 0;
    }
    *tail = decl;
    return 1;
}

/* The prefix of an xsi:type QName value, which names a namespace too
 * (xsi:type="p:Win32_Service_Type", "cim:cimString") although no element or
 * attribute name uses it. 0 on OOM. */
static int declare_xsi_type(xmlNodePtr top, const xmlNode *at, const xmlAttr *a)
{
    xmlChar *value, *prefix = NULL;
    const xmlChar *p, *colon;
    int ok = 1;

    if (!a->ns || !xmlStrEqual(a->ns->href, BAD_CAST WSM_NS_XSI) || !xmlStrEqual(a->name, BAD_CAST "type"))
        return 1;
    if (!(value = xmlNodeGetContent((const xmlNode *)a)))
        return 0;
    for (p = value; wsm_is_space(*p); p++)
        ;
    colon = xmlStrchr(p, ':');
    if (colon && colon > p) {
        if (!(prefix = xmlStrndup(p, (int)(colon - p))))
            ok = 0;
        else
            ok = declare_outer(top, at, xmlSearchNs(at->doc, (xmlNodePtr)at, prefix));
    }
    xmlFree(prefix);
    xmlFree(value);
    return ok;
}

/* Walks the subtree (without recursion) and declares on top every outer
 * namespace it uses. 0 on OOM. */
static int declare_outer_namespaces(xmlNodePtr top)
{
    for (const xmlNode *n = top; n;) {
        if (n->type == XML_ELEMENT_NODE) {
            if (!declare_outer(top, n, n->ns))
                return 0;
            for (const xmlAttr *a = n->properties; a; a = a->next)
                if (!declare_outer(top, n, a->ns) || !declare_xsi_type(top, n, a))
                    return 0;
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

/* ---- direct serialisation of the common case ----
 *
 * What xmlNodeDumpOutput (format 0, "UTF-8", so xmlEscapeContent for text)
 * writes for a subtree of elements and text only, written straight into a
 * scratch buffer that the caller may keep from one element to the next.
 * Anything else (comments, CDATA, processing instructions, entity
 * references, non-ASCII text or attribute values, a namespace name holding a
 * quote) makes it give up, and libxml2's writer does the work as before. */

/* Its memory comes from libxml2's allocator, as the xmlOutputBuffer's did; at most INT_MAX bytes, as
 * there. */
static void *xml_realloc(void *p, size_t n)
{
    return xmlRealloc(p, n);
}

static void xml_free(void *p)
{
    xmlFree(p);
}

static const struct wsm_buf_allocator xml_allocator = {xml_realloc, xml_free};

static void scratch_init(struct wsm_buf *d)
{
    wsm_buf_init(d, INT_MAX - 1, &xml_allocator);
}

static void direct_name(struct wsm_buf *d, const xmlNs *ns, const xmlChar *name)
{
    if (ns && ns->prefix) {
        wsm_buf_addstr(d, (const char *)ns->prefix);
        wsm_buf_addc(d, ':');
    }
    wsm_buf_addstr(d, (const char *)name);
}

/* Escaped ASCII text (xmlEscapeContent's escapes) or attribute value (xmlBufAttrSerializeTxtContent's).
 * 0: not ASCII. */
static int direct_escaped(struct wsm_buf *d, const xmlChar *s, int attr)
{
    return !(attr ? wsm_xml_attr_value(d, (const char *)s, WSM_XML_HIGH_STOP)
                  : wsm_xml_text(d, (const char *)s, WSM_XML_HIGH_STOP));
}

/* One pass over the subtree (without recursion), appended to d. 0: not the common case. */
static int direct_dump(const xmlNode *top, struct wsm_buf *d)
{
#if LIBXML_VERSION < 21200
    if (xmlSaveNoEmptyTags)
        return 0;
#endif
    for (const xmlNode *n = top; n;) {
        if (n->type == XML_TEXT_NODE) {
            if (n->name == xmlStringTextNoenc || (n->content && !direct_escaped(d, n->content, 0)))
                return 0;
        } else if (n->type != XML_ELEMENT_NODE) {
            return 0;
        } else {
            wsm_buf_addc(d, '<');
            direct_name(d, n->ns, n->name);
            for (const xmlNs *ns = n->nsDef; ns; ns = ns->next) {
                if (ns->type != XML_NAMESPACE_DECL || !ns->href || xmlStrEqual(ns->prefix, BAD_CAST "xml"))
                    continue;
                if (xmlStrchr(ns->href, '"'))
                    return 0;
                if (ns->prefix) {
                    WSM_BUF_LIT(d, " xmlns:");
                    wsm_buf_addstr(d, (const char *)ns->prefix);
                } else {
                    WSM_BUF_LIT(d, " xmlns");
                }
                WSM_BUF_LIT(d, "=\"");
                wsm_buf_addstr(d, (const char *)ns->href);
                wsm_buf_addc(d, '"');
            }
            for (const xmlAttr *a = n->properties; a; a = a->next) {
                wsm_buf_addc(d, ' ');
                direct_name(d, a->ns, a->name);
                WSM_BUF_LIT(d, "=\"");
                for (const xmlNode *t = a->children; t; t = t->next)
                    if (t->type != XML_TEXT_NODE || (t->content && !direct_escaped(d, t->content, 1)))
                        return 0;
                wsm_buf_addc(d, '"');
            }
            if (!n->children) {
                WSM_BUF_LIT(d, "/>");
            } else {
                wsm_buf_addc(d, '>');
                n = n->children;
                continue;
            }
        }
        /* n is done: close the elements that it ends. */
        while (n != top && !n->next) {
            n = n->parent;
            WSM_BUF_LIT(d, "</");
            direct_name(d, n->ns, n->name);
            wsm_buf_addc(d, '>');
        }
        n = n == top ? NULL : n->next;
    }
    return 1;
}

/* The element as a standalone UTF-8 string, every namespace it uses declared
 * on it. It is written in place, with the outer declarations added to it for
 * the time of the write: copying the subtree (xmlDocCopyNode) would be
 * simpler, but libxml2 2.9 leaks and returns a truncated copy when memory
 * runs out half-way. For the same reason the output's buffer is checked. NULL
 * only when out of memory. */
static char *serialize_standalone_in(const xmlNode *element, struct wsm_buf *d)
{
    xmlNodePtr node = (xmlNodePtr)element;
    xmlNsPtr last = node->nsDef, added;
    xmlOutputBufferPtr out;
    char *result = NULL;

    while (last && last->next)
        last = last->next;
    if (!declare_outer_namespaces(node)) {
        /* out of memory */
    } else if ((wsm_buf_reset(d), direct_dump(node, d))) {
        if (!d->failed && (result = malloc(d->len + 1))) {
            memcpy(result, d->data, d->len);
            result[d->len] = '\0';
        }
    } else if (d->failed) {
        /* out of memory */
    } else if ((out = xmlAllocOutputBuffer(NULL))) {
        xmlNodeDumpOutput(out, node->doc, node, 0, 0, "UTF-8");
        /* NULL content: the buffer hit an allocation failure. */
        const xmlChar *content = xmlOutputBufferGetContent(out);
        if (content && !out->error)
            result = wsm_strndup((const char *)content, xmlOutputBufferGetSize(out));
        xmlOutputBufferClose(out);
    }
    if (last) {
        added = last->next;
        last->next = NULL;
    } else {
        added = node->nsDef;
        node->nsDef = NULL;
    }
    xmlFreeNsList(added);
    return result;
}

/* The element in winrm's text layout (wsm_text_layout), written with d. NULL only when out of memory. */
static char *layout_in(const xmlNode *element, struct wsm_buf *d)
{
    wsm_buf_reset(d);
    wsm_text_layout(d, element);
    return d->failed ? NULL : wsm_strndup(d->data ? d->data : "", d->len);
}

static char *serialize_standalone(const xmlNode *element)
{
    struct wsm_buf d;
    char *result;

    scratch_init(&d);
    result = serialize_standalone_in(element, &d);

    wsm_buf_free(&d);
    return result;
}

/* ---- the hardened parser ---- */

/* Parses data (in `encoding`, or detected by the XML rules when NULL) into
 * a namespace-well-formed document (see xmlsafe.h for what is refused).
 * `what` names the input in details. */
static int32_t parse_xml(const char *data, size_t len, const char *encoding, const char *what, xmlDocPtr *out,
                         char **detail)
{
    struct wsm_xml_failure why;
    char message[LIBXML_MESSAGE_MAX + 1];

    *out = NULL;
    if (!data || !len)
        return wsm_fail(detail, ERROR_WSMAN_INVALID_XML, "The %s is empty.", what);
    /* With an encoding, the BOM or HTTP charset was decided by the caller: the declaration is ignored.
     * XML_PARSE_COMPACT keeps short text in its node (fewer allocations): nothing here changes text. */
    if ((*out = wsm_xml_parse(data, len, encoding, XML_PARSE_COMPACT | (encoding ? XML_PARSE_IGNORE_ENC : 0),
                              0, SIZE_MAX, &why)))
        return WSM_S_OK;
    if (why.too_large)
        return wsm_fail(detail, ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED,
                        "The %s is %zu bytes long, more than this parser accepts.", what, len);
    if (why.dtd_seen)
        return wsm_fail(detail, ERROR_WSMAN_INVALID_XML,
                        "The %s contained a DTD (<!DOCTYPE ...>), which SOAP messages must not carry; it "
                        "was refused without expanding any entity.",
                        what);
    if (why.too_many_attributes)
        return wsm_fail(detail, ERROR_WSMAN_INVALID_XML,
                        "The %s has an element with more than %d attributes (line %d), more than any "
                        "WS-Management message carries; it was refused.",
                        what, WSM_XML_MAX_ATTRIBUTES, why.line);
    if (why.out_of_memory)
        return WSM_E_OUTOFMEMORY;
    if (!why.errors)
        return wsm_fail(detail, ERROR_WSMAN_INVALID_XML, "The %s is not well-formed XML.", what);
    wsm_xml_printable_message(message, LIBXML_MESSAGE_MAX, why.message[0] ? why.message : "unknown error");
    return wsm_fail(detail, ERROR_WSMAN_INVALID_XML, "The %s is not well-formed XML: %s (line %d).", what,
                    message, why.line);
}

/* The encoding to force, from the BOM (which wins) or the HTTP charset. */
static int32_t pick_encoding(const char *data, size_t len, const char *charset, const char **encoding,
                             char **detail)
{
    const unsigned char *b = (const unsigned char *)data;
    char name[32];
    size_t n;

    *encoding = NULL;
    if (len >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF) {
        *encoding = "UTF-8";
        return WSM_S_OK;
    }
    if (len >= 2 && b[0] == 0xFF && b[1] == 0xFE) {
        *encoding = "UTF-16LE";
        return WSM_S_OK;
    }
    if (len >= 2 && b[0] == 0xFE && b[1] == 0xFF) {
        *encoding = "UTF-16BE";
        return WSM_S_OK;
    }
    if (!charset)
        return WSM_S_OK;

    /* Content-Type parameter values may be quoted and padded. */
    while (wsm_is_space((unsigned char)*charset) || *charset == '"')
        charset++;
    n = strlen(charset);
    while (n && (wsm_is_space((unsigned char)charset[n - 1]) || charset[n - 1] == '"'))
        n--;
    if (!n)
        return WSM_S_OK;
    if (n < sizeof(name)) {
        memcpy(name, charset, n);
        name[n] = '\0';
        if (!wsm_strcasecmp_ascii(name, "utf-8") || !wsm_strcasecmp_ascii(name, "utf8")) {
            *encoding = "UTF-8";
            return WSM_S_OK;
        }
        /* Without a BOM, plain "utf-16" is little-endian on the WinRM wire. */
        if (!wsm_strcasecmp_ascii(name, "utf-16") || !wsm_strcasecmp_ascii(name, "utf-16le")) {
            *encoding = "UTF-16LE";
            return WSM_S_OK;
        }
        if (!wsm_strcasecmp_ascii(name, "utf-16be")) {
            *encoding = "UTF-16BE";
            return WSM_S_OK;
        }
    }
    struct wsm_quoted q;
    return wsm_fail(detail, ERROR_WSMAN_UNSUPPORTED_ENCODING,
                    "The reply's charset \"%s\" is not supported; WS-Management uses utf-8 or utf-16.",
                    wsm_quote(&q, charset, n));
}

/* ---- the reply ---- */

void wsm_reply_free(struct wsm_reply *r)
{
    if (!r)
        return;
    xmlFreeDoc(r->doc);
    free(r->action);
    free(r->relates_to);
    free(r);
}

static int32_t not_soap12(const xmlNode *root, char **detail)
{
    struct wsm_quoted qn, qs;

    if (is_elem(root, NS_SOAP11, "Envelope"))
        return wsm_fail(detail, ERROR_WSMAN_INVALID_XML,
                        "The reply is a SOAP 1.1 envelope, not a SOAP 1.2 envelope.");
    return wsm_fail(detail, ERROR_WSMAN_INVALID_XML,
                    "The reply is not a SOAP 1.2 envelope: its root element is \"%s\" in namespace \"%s\".",
                    wsm_quote_str(&qn, (const char *)root->name), wsm_quote_str(&qs, ns_of(root)));
}

static int32_t reply_parse_impl(const char *data, size_t len, const char *charset, size_t max_size,
                                struct wsm_reply **out, char **detail)
{
    const char *encoding;
    struct wsm_reply *r;
    xmlDocPtr doc;
    xmlNodePtr root, header = NULL, body = NULL, n;
    int32_t hr;

    if (detail)
        *detail = NULL;
    if (!out)
        return WSM_E_INVALIDARG;
    *out = NULL;
    if (!data && len)
        return WSM_E_INVALIDARG;
    if (max_size && len > max_size)
        return wsm_fail(detail, ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED,
                        "The reply is %zu bytes long, more than the %zu bytes allowed.", len, max_size);
    if ((hr = pick_encoding(data, len, charset, &encoding, detail)))
        return hr;
    /* libxml2 would drop a lone last byte of UTF-16 text without a word. */
    if (encoding && !strncmp(encoding, "UTF-16", 6) && len % 2)
        return wsm_fail(
            detail, ERROR_WSMAN_INVALID_XML,
            "The reply is UTF-16 text of an odd number of bytes (%zu): it was cut off or is not UTF-16.",
            len);
    if ((hr = parse_xml(data, len, encoding, "reply", &doc, detail)))
        return hr;

    root = xmlDocGetRootElement(doc);
    if (!root) {
        hr = wsm_fail(detail, ERROR_WSMAN_INVALID_XML, "The reply has no root element.");
        goto fail;
    }
    if (!is_elem(root, WSM_NS_SOAP, "Envelope")) {
        hr = not_soap12(root, detail);
        goto fail;
    }
    /* SOAP 1.2: an optional Header, then the Body. */
    n = first_elem(root);
    if (is_elem(n, WSM_NS_SOAP, "Header")) {
        header = n;
        n = next_elem(n->next);
    }
    if (is_elem(n, WSM_NS_SOAP, "Body"))
        body = n;
    if (!body) {
        hr = wsm_fail(detail, ERROR_WSMAN_INVALID_XML,
                      "The reply is not a SOAP 1.2 envelope: s:Envelope has no s:Body element.");
        goto fail;
    }

    if (!(r = calloc(1, sizeof(*r))))
        goto oom;
    r->doc = doc;
    r->body = body;
    if ((n = find_child(header, WSM_NS_ADDRESSING, "Action")) && !(r->action = trimmed_content(n)))
        goto oom_reply;
    if ((n = find_child(header, WSM_NS_ADDRESSING, "RelatesTo")) && !(r->relates_to = trimmed_content(n)))
        goto oom_reply;
    *out = r;
    return WSM_S_OK;

oom_reply:
    wsm_reply_free(r);
    return WSM_E_OUTOFMEMORY;
oom:
    hr = WSM_E_OUTOFMEMORY;
fail:
    xmlFreeDoc(doc);
    return hr;
}

int32_t wsm_reply_parse(const char *data, size_t len, const char *charset, size_t max_size,
                        struct wsm_reply **out, char **detail)
{
    struct wsm_xml_quiet quiet;
    int32_t ret;

    wsm_xml_quiet_begin(&quiet, NULL);
    ret = reply_parse_impl(data, len, charset, max_size, out, detail);
    wsm_xml_quiet_end(&quiet);
    return ret;
}

const char *wsm_reply_action(const struct wsm_reply *r)
{
    return r ? r->action : NULL;
}

/* s without its leading and trailing blanks, as a pointer and a length. */
static const char *trim_span(const char *s, size_t *n)
{
    while (wsm_is_space((unsigned char)*s))
        s++;
    *n = strlen(s);
    while (*n && wsm_is_space((unsigned char)s[*n - 1]))
        (*n)--;
    return s;
}

/* Equal after trimming blanks, ASCII case-insensitively (message ids are
 * "uuid:" and a GUID, which Windows writes in upper case). */
static int ids_equal(const char *a, const char *b)
{
    size_t na, nb;

    a = trim_span(a, &na);
    b = trim_span(b, &nb);
    return na == nb && !wsm_strncasecmp_ascii(a, b, na);
}

int32_t wsm_reply_check_relates_to(const struct wsm_reply *r, const char *message_id, char **detail)
{
    struct wsm_quoted qr, qm;

    if (detail)
        *detail = NULL;
    if (!r || !message_id)
        return WSM_E_INVALIDARG;
    if (!r->relates_to || ids_equal(r->relates_to, message_id))
        return WSM_S_OK;
    return wsm_fail(detail, ERROR_WSMAN_RESPONSE_INVALID_MESSAGE_INFORMATION_HEADER,
                    "The reply's a:RelatesTo \"%s\" does not match the request's a:MessageID \"%s\".",
                    wsm_quote_str(&qr, r->relates_to), wsm_quote_str(&qm, message_id));
}

/* ---- faults ---- */

struct qname {
    const char *ns; /* NULL when the prefix is not declared */
    char *local;    /* malloc'd; NULL when there is no value */
};

/* Resolves the QName text of a s:Value element against the namespaces in
 * scope there. 0 on OOM. */
static int resolve_qname(const xmlNode *value, struct qname *q)
{
    char *text, *colon, *local;
    xmlNsPtr ns;

    q->ns = NULL;
    q->local = NULL;
    if (!value)
        return 1;
    if (!(text = trimmed_content(value)))
        return 0;
    colon = strchr(text, ':');
    if (colon) {
        *colon = '\0';
        ns = xmlSearchNs(value->doc, (xmlNodePtr)value, BAD_CAST text);
        local = colon + 1;
    } else {
        ns = xmlSearchNs(value->doc, (xmlNodePtr)value, NULL);
        local = text;
    }
    int empty = !*local;
    q->ns = ns && ns->href ? (const char *)ns->href : NULL;
    q->local = empty ? NULL : wsm_strdup(local);
    free(text);
    return empty || q->local != NULL;
}

struct subcode_map {
    const char *ns;
    const char *local;
    int32_t hr;
};

/* What Err.Number shows when a fault has no WSManFault Code: the DSP0226 14 subcodes mapped onto the
 * ERROR_WSMAN_* codes of wsmerror.h. */
static const struct subcode_map subcodes[] = {
    {WSM_NS_ADDRESSING, "DestinationUnreachable", ERROR_WSMAN_RESOURCE_NOT_FOUND}, /* as captured */
    {WSM_NS_ADDRESSING, "ActionNotSupported", ERROR_WSMAN_ACTION_NOT_SUPPORTED},
    {WSM_NS_ADDRESSING, "InvalidMessageInformationHeader", ERROR_WSMAN_INVALID_MESSAGE_INFORMATION_HEADER},
    {WSM_NS_ADDRESSING, "MessageInformationHeaderRequired", ERROR_WSMAN_MESSAGE_INFORMATION_HEADER_REQUIRED},
    {WSM_NS_ADDRESSING, "EndpointUnavailable", ERROR_WSMAN_ENDPOINT_UNAVAILABLE},
    {WSM_NS_WSMAN, "AccessDenied", WSM_E_ACCESSDENIED},
    {WSM_NS_WSMAN, "InvalidSelectors", ERROR_WSMAN_INVALID_SELECTORS},
    {WSM_NS_WSMAN, "InvalidParameter", ERROR_WSMAN_INVALID_PARAMETER},
    /* There is no ERROR_WSMAN_INTERNAL_ERROR: a failing plug-in is what WinRM reports this for. */
    {WSM_NS_WSMAN, "InternalError", ERROR_WSMAN_PROVIDER_FAILURE},
    {WSM_NS_WSMAN, "TimedOut", ERROR_WSMAN_OPERATION_TIMEDOUT},
    {WSM_NS_WSMAN, "QuotaLimit", ERROR_WSMAN_QUOTA_LIMIT},
    {WSM_NS_WSMAN, "EncodingLimit", ERROR_WSMAN_ENCODING_LIMIT},
    {WSM_NS_WSMAN, "UnsupportedFeature", ERROR_WSMAN_UNSUPPORTED_FEATURE},
    {WSM_NS_WSMAN, "SchemaValidationError", ERROR_WSMAN_SCHEMA_VALIDATION_ERROR},
    {WSM_NS_WSMAN, "InvalidOptions", ERROR_WSMAN_INVALID_OPTIONS},
    {WSM_NS_WSMAN, "AlreadyExists", ERROR_WSMAN_ALREADY_EXISTS},
    {WSM_NS_WSMAN, "Concurrency", ERROR_WSMAN_CONCURRENCY},
    {WSM_NS_WSMAN, "CannotProcessFilter", ERROR_WSMAN_ENUMERATE_CANNOT_PROCESS_FILTER},
    {WSM_NS_ENUMERATION, "CannotProcessFilter", ERROR_WSMAN_ENUMERATE_CANNOT_PROCESS_FILTER},
    {WSM_NS_ENUMERATION, "FilteringNotSupported", ERROR_WSMAN_ENUMERATE_FILTERING_NOT_SUPPORTED},
    {WSM_NS_ENUMERATION, "FilterDialectRequestedUnavailable",
     ERROR_WSMAN_ENUMERATE_FILTER_DIALECT_REQUESTED_UNAVAILABLE},
    {WSM_NS_ENUMERATION, "InvalidEnumerationContext", ERROR_WSMAN_ENUMERATE_INVALID_ENUMERATION_CONTEXT},
    {WSM_NS_ENUMERATION, "TimedOut", ERROR_WSMAN_ENUMERATE_TIMED_OUT},
    {WSM_NS_TRANSFER, "InvalidRepresentation", ERROR_WSMAN_INVALID_REPRESENTATION},
    {NS_WSSE, "FailedAuthentication", ERROR_WSMAN_FAILED_AUTHENTICATION},
};

/* SOAP 1.2 s:Code values that name the problem themselves. */
static const struct subcode_map soap_codes[] = {
    {WSM_NS_SOAP, "MustUnderstand", ERROR_WSMAN_SOAP_FAULT_MUST_UNDERSTAND},
    {WSM_NS_SOAP, "VersionMismatch", ERROR_WSMAN_SOAP_VERSION_MISMATCH},
    {WSM_NS_SOAP, "DataEncodingUnknown", ERROR_WSMAN_SOAP_DATA_ENCODING_UNKNOWN},
};

static int map_qname(const struct subcode_map *map, size_t n, const struct qname *q, int32_t *hr)
{
    if (!q->ns || !q->local)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(map[i].ns, q->ns) && !strcmp(map[i].local, q->local)) {
            *hr = map[i].hr;
            return 1;
        }
    }
    return 0;
}

/* A fault Code: unsigned decimal as Windows writes it, "0x" hex, or a
 * negative decimal HRESULT. */
static int parse_code(const char *text, uint32_t *code)
{
    char *end;
    int hex = text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    const char *digits = hex ? text + 2 : (text[0] == '-' ? text + 1 : text);

    if (!(hex ? wsm_hex_value((unsigned char)*digits) >= 0 : (*digits >= '0' && *digits <= '9')))
        return 0;
    errno = 0;
    if (text[0] == '-') {
        long long v = strtoll(text, &end, 10);
        if (errno || *end || v < INT32_MIN || v >= 0)
            return 0;
        *code = (uint32_t)(int32_t)v;
        return 1;
    }
    unsigned long long v = strtoull(digits, &end, hex ? 16 : 10);
    if (errno || *end || v > UINT32_MAX)
        return 0;
    *code = (uint32_t)v;
    return 1;
}

/* What Err.Number shows for a numeric code: Win32 errors become
 * HRESULT_FROM_WIN32; anything that is not a failure HRESULT is unusable. */
static int hr_from_code(uint32_t code, int32_t *hr)
{
    if (code < 0x10000u) {
        *hr = code ? (int32_t)(0x80070000u | code) : WSM_E_FAIL;
        return 1;
    }
    if (code & 0x80000000u) {
        *hr = (int32_t)code;
        return 1;
    }
    return 0;
}

/* 1 and *hr set when the trimmed text of the node is a usable code; -1 OOM. */
static int code_from_text(const xmlChar *raw, int32_t *hr)
{
    char *text;
    uint32_t code;
    int found;

    if (!raw)
        return 0;
    if (!(text = dup_trimmed((const char *)raw)))
        return -1;
    found = parse_code(text, &code) && hr_from_code(code, hr);
    free(text);
    return found;
}

/* The readable text of one f:Message: its own text plus the text directly
 * inside an f:ProviderFault it holds (nested faults and ExtendedError data
 * are not part of it). NULL on OOM. */
static char *message_text(const xmlNode *message)
{
    struct wsm_buf b = {0};
    const char *text;
    char *out;

    wsm_xml_own_text(&b, message);
    for (xmlNodePtr c = first_elem(message); c; c = next_elem(c->next))
        if (is_elem(c, WSM_NS_WSMAN_FAULT, "ProviderFault"))
            wsm_xml_own_text(&b, c);
    out = (text = wsm_buf_str(&b)) ? one_line(text) : NULL;
    wsm_buf_free(&b);
    return out;
}

/* The innermost non-empty f:Message text of a WSManFault, following nested
 * faults through f:Message and f:ProviderFault. "" when there is none,
 * NULL on OOM. */
static char *wsmanfault_text(const xmlNode *fault)
{
    char *best = wsm_strdup("");

    while (fault && best) {
        const xmlNode *message = find_child(fault, WSM_NS_WSMAN_FAULT, "Message");
        const xmlNode *inner = NULL;
        if (!message)
            break;
        char *text = message_text(message);
        if (!text) {
            free(best);
            return NULL;
        }
        if (*text) {
            free(best);
            best = text;
        } else {
            free(text);
        }
        inner = find_child(message, WSM_NS_WSMAN_FAULT, "WSManFault");
        for (xmlNodePtr c = first_elem(message); !inner && c; c = next_elem(c->next))
            if (is_elem(c, WSM_NS_WSMAN_FAULT, "ProviderFault"))
                inner = find_child(c, WSM_NS_WSMAN_FAULT, "WSManFault");
        fault = inner;
    }
    return best;
}

/* The first non-empty s:Reason/s:Text, one-lined. "" if none, NULL on OOM. */
static char *reason_text(const xmlNode *fault)
{
    const xmlNode *reason = find_child(fault, WSM_NS_SOAP, "Reason");

    for (xmlNodePtr t = first_elem(reason); t; t = next_elem(t->next)) {
        if (!is_elem(t, WSM_NS_SOAP, "Text"))
            continue;
        xmlChar *content = xmlNodeGetContent(t);
        if (!content)
            return NULL;
        char *line = one_line((const char *)content);
        xmlFree(content);
        if (!line || *line)
            return line;
        free(line);
    }
    return wsm_strdup("");
}

void wsm_fault_clear(struct wsm_fault *f)
{
    if (!f)
        return;
    free(f->xml);
    free(f->text);
    free(f->machine);
    memset(f, 0, sizeof(*f));
}

/* The fault's number: the (outer) WSManFault Code, else the WMI error_Code, else what the subcode or the SOAP
 * code means. 0, or -1 when out of memory. */
static int fault_number(const xmlNode *wsmf, const xmlNode *wmi, const struct qname *value,
                        const struct qname *sub, int32_t *hr)
{
    int have_hr = 0, found, oom = 0;

    if (wsmf) {
        xmlChar *attr = get_attr(wsmf, "Code", &oom);
        found = oom ? -1 : code_from_text(attr, hr);
        xmlFree(attr);
        if (found < 0)
            return -1;
        have_hr = found;
    } else if (wmi) {
        const xmlNode *n = find_child(wmi, NS_MSFT_WMIERROR, "error_Code");
        if (n) {
            xmlChar *content = xmlNodeGetContent(n);
            if (!content)
                return -1;
            found = code_from_text(content, hr);
            xmlFree(content);
            if (found < 0)
                return -1;
            have_hr = found;
        }
    }
    if (!have_hr)
        have_hr = map_qname(subcodes, sizeof(subcodes) / sizeof(subcodes[0]), sub, hr);
    if (!have_hr)
        have_hr = map_qname(soap_codes, sizeof(soap_codes) / sizeof(soap_codes[0]), value, hr);
    if (!have_hr)
        *hr = ERROR_WSMAN_RESPONSE_INVALID_SOAP_FAULT;
    return 0;
}

/* The machine: as the fault names it, else the host we talked to. NULL when out of memory. */
static char *fault_machine(const xmlNode *wsmf, const char *machine_fallback)
{
    int oom = 0;
    xmlChar *attr = wsmf ? get_attr(wsmf, "Machine", &oom) : NULL;
    char *machine = NULL;

    if (attr && *attr)
        machine = wsm_strdup((const char *)attr);
    else if (!oom)
        machine = wsm_strdup(machine_fallback ? machine_fallback : "");
    xmlFree(attr);
    return machine;
}

/* The text: the innermost WSManFault message, the WMI message, the Reason, the codes' names, else the
 * number's own message. NULL when out of memory. */
static char *fault_text(const xmlNode *fault, const xmlNode *wsmf, const xmlNode *wmi,
                        const struct qname *value, const struct qname *sub, int32_t hr)
{
    char *text = NULL;

    if (wsmf) {
        if (!(text = wsmanfault_text(wsmf)))
            return NULL;
    } else if (wmi) {
        const xmlNode *n = find_child(wmi, NS_MSFT_WMIERROR, "Message");
        xmlChar *content = n ? xmlNodeGetContent(n) : NULL;
        if (n && !content)
            return NULL;
        text = one_line(content ? (const char *)content : "");
        xmlFree(content);
        if (!text)
            return NULL;
    }
    if (!text || !*text) {
        free(text);
        if (!(text = reason_text(fault)))
            return NULL;
    }
    if (!*text && (sub->local || value->local)) {
        free(text);
        if (!(text = wsm_strdup(sub->local ? sub->local : value->local)))
            return NULL;
    }
    if (!*text) {
        free(text);
        text = wsm_error_message((uint32_t)hr);
    }
    return text;
}

static int reply_get_fault_impl(const struct wsm_reply *r, const char *machine_fallback, struct wsm_fault *f)
{
    const xmlNode *fault, *code, *subcode, *detail, *wsmf = NULL, *wmi = NULL;
    struct qname value = {0}, sub = {0};
    int ret = WSM_E_OUTOFMEMORY;

    if (!f)
        return 0;
    memset(f, 0, sizeof(*f));
    if (!r || !(fault = find_child(r->body, WSM_NS_SOAP, "Fault")))
        return 0;

    code = find_child(fault, WSM_NS_SOAP, "Code");
    subcode = find_child(code, WSM_NS_SOAP, "Subcode");
    if (!resolve_qname(find_child(code, WSM_NS_SOAP, "Value"), &value) ||
        !resolve_qname(find_child(subcode, WSM_NS_SOAP, "Value"), &sub))
        goto done;
    if ((detail = find_child(fault, WSM_NS_SOAP, "Detail"))) {
        wsmf = find_child(detail, WSM_NS_WSMAN_FAULT, "WSManFault");
        wmi = find_child(detail, NS_MSFT_WMIERROR, "MSFT_WmiError");
    }
    if (fault_number(wsmf, wmi, &value, &sub, &f->hr) ||
        !(f->machine = fault_machine(wsmf, machine_fallback)) ||
        !(f->text = fault_text(fault, wsmf, wmi, &value, &sub, f->hr)))
        goto done;
    if (wsmf || wmi)
        f->xml = serialize_standalone(wsmf ? wsmf : wmi);
    else
        f->xml = wsm_fault_xml((uint32_t)f->hr, f->machine, f->text);
    if (f->xml)
        ret = 1;
done:
    free(value.local);
    free(sub.local);
    if (ret != 1)
        wsm_fault_clear(f);
    return ret;
}

int wsm_reply_get_fault(const struct wsm_reply *r, const char *machine_fallback, struct wsm_fault *f)
{
    struct wsm_xml_quiet quiet;
    int ret;

    wsm_xml_quiet_begin(&quiet, NULL);
    ret = reply_get_fault_impl(r, machine_fallback, f);
    wsm_xml_quiet_end(&quiet);
    return ret;
}

/* ---- body shapes ---- */

static int32_t standalone(const xmlNode *node, char **xml)
{
    *xml = serialize_standalone(node);
    return *xml ? WSM_S_OK : WSM_E_OUTOFMEMORY;
}

/* A sentence part naming what the body holds instead, for details. */
static const char *body_shape(const struct wsm_reply *r, struct wsm_quoted *q)
{
    const xmlNode *first = first_elem(r->body);

    if (!first)
        return "an empty s:Body";
    if (is_elem(first, WSM_NS_SOAP, "Fault"))
        return "a SOAP fault";
    wsm_quote_str(q, (const char *)first->name);
    return q->text;
}

static int32_t reply_body_impl(const struct wsm_reply *r, char **xml, char **detail)
{
    const xmlNode *first;

    if (detail)
        *detail = NULL;
    if (!xml)
        return WSM_E_INVALIDARG;
    *xml = NULL;
    if (!r)
        return WSM_E_INVALIDARG;
    if (!(first = first_elem(r->body)))
        return (*xml = wsm_strdup("")) ? WSM_S_OK : WSM_E_OUTOFMEMORY;
    return standalone(first, xml);
}

int32_t wsm_reply_body(const struct wsm_reply *r, char **xml, char **detail)
{
    struct wsm_xml_quiet quiet;
    int32_t ret;

    wsm_xml_quiet_begin(&quiet, NULL);
    ret = reply_body_impl(r, xml, detail);
    wsm_xml_quiet_end(&quiet);
    return ret;
}

/* Identify and Create: one named element of the body, standalone. */
static int32_t reply_child_impl(const struct wsm_reply *r, const char *ns, const char *name, int32_t missing,
                                const char *what, char **xml, char **detail)
{
    const xmlNode *n;
    struct wsm_quoted q;

    if (detail)
        *detail = NULL;
    if (!xml)
        return WSM_E_INVALIDARG;
    *xml = NULL;
    if (!r)
        return WSM_E_INVALIDARG;
    if (!(n = find_child(r->body, ns, name)))
        return wsm_fail(detail, missing, "The %s reply has no %s element; its body holds %s.", what,
                        !strcmp(name, "IdentifyResponse") ? "wsmid:IdentifyResponse" : "x:ResourceCreated",
                        body_shape(r, &q));
    return standalone(n, xml);
}

static int32_t reply_child(const struct wsm_reply *r, const char *ns, const char *name, int32_t missing,
                           const char *what, char **xml, char **detail)
{
    struct wsm_xml_quiet quiet;
    int32_t ret;

    wsm_xml_quiet_begin(&quiet, NULL);
    ret = reply_child_impl(r, ns, name, missing, what, xml, detail);
    wsm_xml_quiet_end(&quiet);
    return ret;
}

/* An IdentifyResponse outside the wsmid namespace that is one all the same: its children are all wsmid
 * elements, at least one of them. OMI answers <SOAP-ENV:IdentifyResponse> in the SOAP envelope namespace
 * with wsmid: children (DSP0226 10.2 puts it in the wsmid namespace). */
static const xmlNode *foreign_identify(const struct wsm_reply *r)
{
    for (xmlNodePtr n = first_elem(r->body); n; n = next_elem(n->next)) {
        xmlNodePtr c = first_elem(n);
        if (strcmp((const char *)n->name, "IdentifyResponse") || !c)
            continue;
        while (c && !strcmp(ns_of(c), WSM_NS_IDENTITY))
            c = next_elem(c->next);
        if (!c)
            return n;
    }
    return NULL;
}

int32_t wsm_reply_identify(const struct wsm_reply *r, char **xml, char **detail)
{
    const xmlNode *other;
    struct wsm_xml_quiet quiet;
    int32_t ret;

    if (r && xml && !find_child(r->body, WSM_NS_IDENTITY, "IdentifyResponse") &&
        (other = foreign_identify(r))) {
        if (detail)
            *detail = NULL;
        wsm_xml_quiet_begin(&quiet, NULL);
        ret = standalone(other, xml);
        wsm_xml_quiet_end(&quiet);
        return ret;
    }
    return reply_child(r, WSM_NS_IDENTITY, "IdentifyResponse", ERROR_WSMAN_RESPONSE_NO_RESULTS, "Identify",
                       xml, detail);
}

int32_t wsm_reply_created(const struct wsm_reply *r, char **epr_xml, char **detail)
{
    return reply_child(r, WSM_NS_TRANSFER, "ResourceCreated", ERROR_WSMAN_CREATE_RESPONSE_NO_EPR, "Create",
                       epr_xml, detail);
}

static int32_t reply_enumeration_impl(const struct wsm_reply *r, int pull, struct wsm_enum_state *st,
                                      char **detail)
{
    const char *want = pull ? "PullResponse" : "EnumerateResponse";
    const char *other = pull ? "EnumerateResponse" : "PullResponse";
    const xmlNode *resp, *context_node, *items, *n;
    char **list = NULL, *context = NULL;
    size_t count = 0, pushed = 0;
    struct wsm_buf scratch;
    int eos;
    int32_t hr = WSM_E_OUTOFMEMORY;
    struct wsm_quoted q;

    scratch_init(&scratch);
    if (detail)
        *detail = NULL;
    if (!r || !st)
        return WSM_E_INVALIDARG;
    if (!(resp = find_child(r->body, WSM_NS_ENUMERATION, want))) {
        if (find_child(r->body, WSM_NS_ENUMERATION, other))
            return wsm_fail(detail, ERROR_WSMAN_RESPONSE_NO_RESULTS,
                            "The reply holds n:%s where n:%s was expected.", other, want);
        return wsm_fail(detail, ERROR_WSMAN_RESPONSE_NO_RESULTS,
                        "The reply has no n:%s element; its body holds %s.", want, body_shape(r, &q));
    }

    /* Optimized EnumerateResponse batches use w:Items/w:EndOfSequence, Pull
     * batches n:Items/n:EndOfSequence; take either in both. */
    context_node = find_child(resp, WSM_NS_ENUMERATION, "EnumerationContext");
    items = find_child(resp, WSM_NS_WSMAN, "Items");
    if (!items)
        items = find_child(resp, WSM_NS_ENUMERATION, "Items");
    eos = find_child(resp, WSM_NS_WSMAN, "EndOfSequence") ||
          find_child(resp, WSM_NS_ENUMERATION, "EndOfSequence");

    if (context_node && !eos) {
        if (!(context = trimmed_content(context_node)))
            goto done;
        if (!*context) {
            free(context);
            context = NULL;
        }
    }
    if (!items && !context && !eos) {
        hr = wsm_fail(detail, ERROR_WSMAN_RESPONSE_INVALID_ENUMERATION_CONTEXT,
                      "The n:%s has no items, no enumeration context and no EndOfSequence.", want);
        goto done;
    }

    /* Write every item first (XML, or the text layout where the tree already is), so that nothing is pushed
     * unless all are. */
    for (n = first_elem(items); n; n = next_elem(n->next))
        count++;
    if (count && !(list = calloc(count, sizeof(*list))))
        goto done;
    count = 0;
    for (n = first_elem(items); n; n = next_elem(n->next))
        if (!(list[count++] = st->text_items ? layout_in(n, &scratch) : serialize_standalone_in(n, &scratch)))
            goto done;
    for (; pushed < count; pushed++)
        if (wsm_enum_push(st, list[pushed]))
            goto done;

    free(st->context);
    st->context = context;
    context = NULL;
    if (eos)
        st->end_of_sequence = 1;
    hr = WSM_S_OK;

done:
    if (hr) {
        /* Take back what was pushed (the newest items sit at the ring's tail). */
        for (; pushed; pushed--) {
            st->count--;
            st->items[(st->head + st->count) % st->capacity] = NULL;
        }
        for (size_t i = 0; list && i < count; i++)
            free(list[i]);
    }
    free(list);
    free(context);
    wsm_buf_free(&scratch);
    return hr;
}

int32_t wsm_reply_enumeration(const struct wsm_reply *r, int pull, struct wsm_enum_state *st, char **detail)
{
    struct wsm_xml_quiet quiet;
    int32_t ret;

    wsm_xml_quiet_begin(&quiet, NULL);
    ret = reply_enumeration_impl(r, pull, st, detail);
    wsm_xml_quiet_end(&quiet);
    return ret;
}

/* ---- EPR strings ---- */

int wsm_looks_like_xml(const char *text)
{
    if (!text)
        return 0;
    while (wsm_is_space((unsigned char)*text))
        text++;
    return *text == '<';
}

/* A selector's value: a nested EPR (or any element) as standalone XML,
 * otherwise its trimmed text. NULL on OOM. */
static char *selector_value(const xmlNode *selector)
{
    const xmlNode *nested = find_child(selector, WSM_NS_ADDRESSING, "EndpointReference");

    if (!nested)
        nested = first_elem(selector);
    return nested ? serialize_standalone(nested) : trimmed_content(selector);
}

static int32_t parse_epr_impl(const char *xml, struct wsm_locator **out, char **detail)
{
    xmlDocPtr doc = NULL;
    const xmlNode *root, *params, *uri_node, *selectors, *n;
    struct wsm_locator *l = NULL;
    struct wsm_quoted q;
    char *value = NULL;
    xmlChar *name = NULL;
    int32_t hr;

    if (detail)
        *detail = NULL;
    if (!out)
        return WSM_E_INVALIDARG;
    *out = NULL;
    if (!xml)
        return wsm_fail(detail, ERROR_WSMAN_CLIENT_INVALID_RESOURCE_LOCATOR,
                        "No endpoint reference was given.");
    if ((hr = parse_xml(xml, strlen(xml), "UTF-8", "endpoint reference", &doc, detail)))
        return hr == ERROR_WSMAN_INVALID_XML || hr == ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED
                   ? ERROR_WSMAN_CLIENT_INVALID_RESOURCE_LOCATOR
                   : hr;

    root = xmlDocGetRootElement(doc);
    params = is_elem(root, WSM_NS_ADDRESSING, "ReferenceParameters")
                 ? root
                 : find_child(root, WSM_NS_ADDRESSING, "ReferenceParameters");
    if (!params) {
        hr = wsm_fail(detail, ERROR_WSMAN_CLIENT_INVALID_RESOURCE_LOCATOR,
                      "The endpoint reference \"%s\" has no a:ReferenceParameters element.",
                      wsm_quote_str(&q, root ? (const char *)root->name : ""));
        goto done;
    }
    if (!(uri_node = find_child(params, WSM_NS_WSMAN, "ResourceURI"))) {
        hr = wsm_fail(detail, ERROR_WSMAN_CLIENT_INVALID_RESOURCE_LOCATOR,
                      "The endpoint reference has no w:ResourceURI in its a:ReferenceParameters.");
        goto done;
    }
    hr = WSM_E_OUTOFMEMORY;
    if (!(l = calloc(1, sizeof(*l))) || !(l->uri = trimmed_content(uri_node)))
        goto done;
    if (!*l->uri) {
        hr = wsm_fail(detail, ERROR_WSMAN_CLIENT_INVALID_RESOURCE_LOCATOR,
                      "The endpoint reference has an empty w:ResourceURI.");
        goto done;
    }

    selectors = find_child(params, WSM_NS_WSMAN, "SelectorSet");
    for (n = first_elem(selectors); n; n = next_elem(n->next)) {
        if (!is_elem(n, WSM_NS_WSMAN, "Selector"))
            continue;
        int oom = 0;
        name = get_attr(n, "Name", &oom);
        if (oom) {
            hr = WSM_E_OUTOFMEMORY;
            goto done;
        }
        if (!name || !*name) {
            hr = wsm_fail(detail, ERROR_WSMAN_CLIENT_INVALID_RESOURCE_LOCATOR,
                          "A w:Selector of the endpoint reference has no Name attribute.");
            goto done;
        }
        if (!(value = selector_value(n))) {
            hr = WSM_E_OUTOFMEMORY;
            goto done;
        }
        hr = wsm_locator_add_selector(l, (const char *)name, value, NULL);
        if (hr == ERROR_WSMAN_DUPLICATE_SELECTORS || hr == ERROR_WSMAN_INVALID_SELECTOR_NAME) {
            hr = wsm_fail(detail, ERROR_WSMAN_CLIENT_INVALID_RESOURCE_LOCATOR,
                          "The endpoint reference names the selector \"%s\" more than once or with a blank "
                          "name.",
                          wsm_quote_str(&q, (const char *)name));
            goto done;
        }
        if (hr)
            goto done;
        free(value);
        value = NULL;
        xmlFree(name);
        name = NULL;
    }
    *out = l;
    l = NULL;
    hr = WSM_S_OK;

done:
    xmlFree(name);
    free(value);
    wsm_locator_free(l);
    xmlFreeDoc(doc);
    return hr;
}

int32_t wsm_parse_epr(const char *xml, struct wsm_locator **out, char **detail)
{
    struct wsm_xml_quiet quiet;
    int32_t ret;

    wsm_xml_quiet_begin(&quiet, NULL);
    ret = parse_epr_impl(xml, out, detail);
    wsm_xml_quiet_end(&quiet);
    return ret;
}
