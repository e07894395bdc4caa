/*
 * Request envelopes (SOAP 1.2, WS-Addressing, DSP0226 5-11, [MS-WSMV] 3.1.4.1), built with the libxml2
 * tree API so that every caller-supplied string is escaped by the
 * serialiser and never spliced into markup (requests without caller XML are
 * written by the direct writer at the end of this file, which escapes every
 * value the same way, byte for byte). Caller XML (Put/Create/Invoke
 * bodies, filter XML) is parsed by wsm_xml_parse (xmlsafe.h), which refuses
 * DTDs before any entity declaration is read, then moved into the envelope.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>

#include "core.h"
#include "detail.h"
#include "envelope.h"
#include "names.h"
#include "utf.h"
#include "xmlsafe.h"
#include "xmlwrite.h"

/* ---- ids, durations, actions ---- */

void wsm_new_uuid(char out[WSM_UUID_SIZE])
{
    unsigned char b[16];

    if (!wsm_random_bytes(b, sizeof b)) {
        /* No kernel randomness at all (a locked-down sandbox). A MessageID
         * must be unique, not secret: mix the clock, the pid and a counter. */
        static unsigned counter;
        uint64_t t = (uint64_t)time(NULL) * 1000000u + (uint64_t)clock();
        uint64_t c = ((uint64_t)(uintptr_t)&t << 16) ^ __atomic_fetch_add(&counter, 1u, __ATOMIC_RELAXED);
        memcpy(b, &t, 8);
        memcpy(b + 8, &c, 8);
    }
    b[6] = (unsigned char)((b[6] & 0x0F) | 0x40); /* version 4 */
    b[8] = (unsigned char)((b[8] & 0x3F) | 0x80); /* RFC 4122 variant */
    /* "uuid:%02X%02X%02X%02X-%02X%02X-%02X%02X-%02X%02X-%02X%02X%02X%02X%02X%02X", without snprintf's cost */
    static const char hex[] = "0123456789ABCDEF";
    char *o = out;
    memcpy(o, "uuid:", 5);
    o += 5;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *o++ = '-';
        *o++ = hex[b[i] >> 4];
        *o++ = hex[b[i] & 0x0F];
    }
    *o = '\0';
}

char *wsm_duration(uint32_t ms)
{
    return wsm_asprintf("PT%" PRIu32 ".%03" PRIu32 "S", ms / 1000, ms % 1000);
}

char *wsm_invoke_action(const char *resource_uri, const char *action)
{
    if (!action)
        return NULL;
    if (strstr(action, "://") || wsm_has_prefix_nocase(action, "urn:") || !resource_uri || !*resource_uri)
        return wsm_strdup(action);
    size_t n = strlen(resource_uri);
    return wsm_asprintf("%s%s%s", resource_uri, resource_uri[n - 1] == '/' ? "" : "/", action);
}

/* ---- text checks ---- */

static int is_blank(const char *s)
{
    if (!s)
        return 1;
    for (; *s; s++) {
        if (!wsm_is_space((unsigned char)*s))
            return 0;
    }
    return 1;
}

static const char *skip_blanks(const char *s)
{
    while (*s && wsm_is_space((unsigned char)*s))
        s++;
    return s;
}

static int is_xml_char(uint32_t c)
{
    return c == 0x9 || c == 0xA || c == 0xD || (c >= 0x20 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
           (c >= 0x10000 && c <= 0x10FFFF);
}

/* libxml2 would write a control character as "&#1;", which no XML parser
 * accepts, and pass broken UTF-8 through: refuse both up front, naming the
 * field, instead of sending a message the service cannot read. */
static int32_t check_text(const char *s, const char *what, char **detail)
{
    size_t len = s ? strlen(s) : 0;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        if ((unsigned char)s[i] >= 0x20 && (unsigned char)s[i] < 0x80) {
            i++; /* printable ASCII: always an XML character */
            continue;
        }
        size_t n = wsm_utf8_char((const unsigned char *)s + i, len - i, &c);
        if (!n || !is_xml_char(c))
            return wsm_fail(detail, WSM_E_INVALIDARG,
                            "The %s is not valid UTF-8 or contains a character XML cannot carry "
                            "(at byte %zu).",
                            what, i + 1);
        i += n;
    }
    return WSM_S_OK;
}

/* check_text for a field named after a selector or option ("the value of the selector \"Name\""). */
static int32_t check_named(const char *s, const char *field, const char *kind, const char *name,
                           char **detail)
{
    struct wsm_quoted q;
    char what[sizeof q.text + 64];
    snprintf(what, sizeof what, "%s of the %s \"%s\"", field, kind, wsm_quote_str(&q, name ? name : ""));
    return check_text(s, what, detail);
}

static int32_t check_locator(const struct wsm_request *req, char **detail)
{
    const struct wsm_locator *t = req->target;
    int32_t hr = check_text(t->uri, "resource URI", detail);

    for (size_t i = 0; !hr && i < t->n_selectors; i++) {
        if (!t->selectors[i].name || !*t->selectors[i].name)
            return wsm_fail(detail, WSM_E_INVALIDARG, "Selector %zu has no name.", i + 1);
        hr = check_text(t->selectors[i].name, "selector name", detail);
        if (!hr)
            hr = check_named(t->selectors[i].value, "value", "selector", t->selectors[i].name, detail);
    }
    for (size_t i = 0; !hr && i < t->n_options; i++) {
        const struct wsm_option *o = &t->options[i];
        if (!o->name || !*o->name)
            return wsm_fail(detail, WSM_E_INVALIDARG, "Option %zu has no name.", i + 1);
        hr = check_text(o->name, "option name", detail);
        if (!hr)
            hr = check_named(o->value, "value", "option", o->name, detail);
        if (!hr)
            hr = check_named(o->type, "type", "option", o->name, detail);
    }
    if (!hr && (req->op == WSM_OP_GET || req->op == WSM_OP_PUT)) {
        hr = check_text(t->fragment_path, "fragment path", detail);
        if (!hr)
            hr = check_text(t->fragment_dialect, "fragment dialect", detail);
    }
    return hr;
}

static int32_t check_enum_flags(uint32_t flags, char **detail)
{
    if (flags & ~(uint32_t)WSM_ENUM_FLAGS_KNOWN)
        return wsm_fail(detail, ERROR_WSMAN_CLIENT_INVALID_FLAG,
                        "The enumeration flags 0x%" PRIX32 " include the unknown bits 0x%" PRIX32 ".", flags,
                        flags & ~(uint32_t)WSM_ENUM_FLAGS_KNOWN);
    if ((flags & WSM_ENUM_RETURN_EPR) && (flags & WSM_ENUM_RETURN_OBJECT_AND_EPR))
        return wsm_fail(detail, ERROR_WSMAN_CLIENT_MULTIPLE_ENUM_MODE_FLAGS,
                        "The enumeration flags ask for both EPRs only (0x2) and objects with EPRs (0x4); "
                        "give at most one.");
    if ((flags & WSM_ENUM_HIERARCHY_SHALLOW) && (flags & WSM_ENUM_HIERARCHY_DEEP_BASE_PROPS_ONLY))
        return wsm_fail(detail, ERROR_WSMAN_CLIENT_INVALID_FLAG,
                        "The enumeration flags ask for both a shallow (0x20) and a base-properties-only "
                        "(0x40) hierarchy; give at most one.");
    return WSM_S_OK;
}

static int is_known_op(enum wsm_op op)
{
    switch (op) {
    case WSM_OP_IDENTIFY:
    case WSM_OP_GET:
    case WSM_OP_PUT:
    case WSM_OP_CREATE:
    case WSM_OP_DELETE:
    case WSM_OP_INVOKE:
    case WSM_OP_ENUMERATE:
    case WSM_OP_PULL:
    case WSM_OP_RELEASE:
        return 1;
    }
    return 0;
}

static int32_t check_request(const struct wsm_request *req, char **detail)
{
    int32_t hr;

    if (!is_known_op(req->op))
        return wsm_fail(detail, WSM_E_INVALIDARG, "The request names an unknown operation (%d).",
                        (int)req->op);
    if (req->op == WSM_OP_IDENTIFY)
        return WSM_S_OK; /* Identify carries no headers and no caller data */

    if (is_blank(req->to))
        return wsm_fail(detail, WSM_E_INVALIDARG, "The request has no endpoint URL for a:To.");
    if (!req->target || is_blank(req->target->uri))
        return wsm_fail(detail, WSM_E_INVALIDARG, "The request has no resource URI.");
    if (!req->max_envelope_size)
        return wsm_fail(detail, WSM_E_INVALIDARG, "The request's maximum envelope size is 0 octets.");
    if (req->op == WSM_OP_INVOKE && is_blank(req->action))
        return wsm_fail(detail, ERROR_WSMAN_CLIENT_BLANK_ACTION_URI,
                        req->action && *req->action ? "The action URI contains only white space."
                                                    : "The action URI is empty.");
    if ((req->op == WSM_OP_PUT || req->op == WSM_OP_CREATE || req->op == WSM_OP_INVOKE) &&
        is_blank(req->body_xml))
        return wsm_fail(detail, ERROR_WSMAN_CLIENT_BLANK_INPUT_XML,
                        req->body_xml && *req->body_xml ? "The input XML contains only white space."
                                                        : "The input XML is empty.");
    if ((req->op == WSM_OP_PULL || req->op == WSM_OP_RELEASE) && is_blank(req->context))
        return wsm_fail(detail, WSM_E_INVALIDARG, "The request has no enumeration context.");
    if (req->op == WSM_OP_ENUMERATE && (hr = check_enum_flags(req->enum_flags, detail)))
        return hr;

    if ((hr = check_text(req->to, "endpoint URL", detail)) || (hr = check_locator(req, detail)) ||
        (hr = check_text(req->locale, "locale", detail)) ||
        (hr = check_text(req->session_id, "session ID", detail)) ||
        (hr = check_text(req->message_id, "message ID", detail)))
        return hr;
    if (req->op == WSM_OP_INVOKE && (hr = check_text(req->action, "action URI", detail)))
        return hr;
    if (req->op == WSM_OP_ENUMERATE && ((hr = check_text(req->filter, "filter", detail)) ||
                                        (hr = check_text(req->dialect, "dialect", detail))))
        return hr;
    if ((req->op == WSM_OP_PULL || req->op == WSM_OP_RELEASE) &&
        (hr = check_text(req->context, "enumeration context", detail)))
        return hr;
    return WSM_S_OK;
}

/* ---- parsing caller XML ---- */

/* libxml2 before 2.11 does not check every allocation: xmlNewNode,
 * xmlNewProp, xmlNewText and xmlNewNs can return an object whose name, text
 * or URI is NULL. Walk the finished tree once so that running out of memory
 * never becomes a silently truncated envelope. */
static int tree_complete(xmlNodePtr node)
{
    for (; node; node = node->next) {
        switch (node->type) {
        case XML_ELEMENT_NODE:
            if (!node->name)
                return 0;
            for (xmlNsPtr ns = node->nsDef; ns; ns = ns->next) {
                if (!ns->href)
                    return 0;
            }
            for (xmlAttrPtr a = node->properties; a; a = a->next) {
                if (!a->name || !tree_complete(a->children))
                    return 0;
            }
            if (!tree_complete(node->children))
                return 0;
            break;
        case XML_TEXT_NODE:
        case XML_CDATA_SECTION_NODE:
        case XML_COMMENT_NODE:
        case XML_PI_NODE:
            if (!node->content || !node->name)
                return 0;
            break;
        default:
            break;
        }
    }
    return 1;
}

#define ERROR_MESSAGE_SIZE 200 /* bytes of libxml2's first error kept in a detail, with the NUL */

/* libxml2's first error as one line in out: only the first line (some
 * messages go on with a hex dump of the input), without a final full stop. */
static const char *first_error(char out[ERROR_MESSAGE_SIZE], const struct wsm_xml_failure *why)
{
    const char *m = why->message[0] ? why->message : "unknown error";
    size_t n = 0;

    while (m[n] && m[n] != '\n' && n < ERROR_MESSAGE_SIZE - 1) {
        unsigned char c = (unsigned char)m[n];
        out[n] = (c < 0x20 || c == 0x7F) ? ' ' : (char)c;
        n++;
    }
    while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '.'))
        n--;
    out[n] = '\0';
    if (!n)
        snprintf(out, ERROR_MESSAGE_SIZE, "libxml2 error %d", why->code);
    return out;
}

/* Parses text (UTF-8) into a document with exactly one root element.
 * Failures other than out-of-memory return bad_code with a detail that
 * starts with `what` ("The input XML"). */
static int32_t parse_xml(const char *text, int32_t bad_code, const char *what, xmlDocPtr *out, char **detail)
{
    struct wsm_xml_failure why;
    size_t len = strlen(text);
    xmlDocPtr doc;
    int32_t hr = WSM_S_OK;

    /* The text is UTF-8 whatever its declaration says (the COM layer has
     * converted it): IGNORE_ENC makes libxml2 skip the declared encoding,
     * and no encoding is forced because libxml2 2.9's forced-encoding path
     * dereferences NULL when an allocation fails. NODICT keeps names out of
     * the context's dictionary so nodes can move to the envelope document.
     * A namespace name that is not a valid URI is only a warning in the
     * Namespaces spec (and what libxml2 also says when xmlParseURI runs out
     * of memory): the prefix is still bound, so it is accepted. */
    *out = NULL;
    doc = wsm_xml_parse(text, len, NULL, XML_PARSE_NODICT | XML_PARSE_IGNORE_ENC, WSM_XML_LAX_NAMESPACE_URI,
                        SIZE_MAX, &why);

    struct wsm_quoted q;
    if (why.too_large) {
        hr = wsm_fail(detail, bad_code, "%s is larger than 2 GiB.", what);
    } else if (why.out_of_memory) {
        hr = WSM_E_OUTOFMEMORY;
    } else if (why.dtd_seen) {
        hr = wsm_fail(detail, bad_code,
                      "%s contains a document type declaration (<!DOCTYPE ...>); DTDs and entity "
                      "declarations are not accepted.",
                      what);
    } else if (!doc) {
        /* libxml2 reports every well-formedness error it finds; a failure
         * it said nothing about is an allocation it could not make. */
        char message[ERROR_MESSAGE_SIZE];
        if (why.errors)
            hr = wsm_fail(detail, bad_code, "%s is not well-formed: line %d: %s.", what, why.line,
                          first_error(message, &why));
        else
            hr = WSM_E_OUTOFMEMORY;
    } else if (!tree_complete(doc->children)) {
        hr = WSM_E_OUTOFMEMORY;
    } else if (!xmlDocGetRootElement(doc)) {
        hr = wsm_fail(detail, bad_code, "%s has no element; it must be a single XML element, not \"%s\".",
                      what, wsm_quote_str(&q, text));
    }
    if (hr) {
        xmlFreeDoc(doc);
        return hr;
    }
    *out = doc;
    return WSM_S_OK;
}

/* ---- building ---- */

struct builder {
    const struct wsm_request *req;
    char **detail;
    xmlDocPtr doc;
    xmlNodePtr header, body;
    xmlNsPtr s, a, n, w, p, b, xml;
};

#define NEED(x)                                                                                              \
    do {                                                                                                     \
        if (!(x))                                                                                            \
            return WSM_E_OUTOFMEMORY;                                                                        \
    } while (0)

/* xmlNewTextChild keeps the text as is and escapes it when writing (where
 * xmlNewChild would read '&' as an entity reference). An empty text gives
 * no text node, so the element is written as <x/>. */
static xmlNodePtr add(xmlNodePtr parent, xmlNsPtr ns, const char *name, const char *text)
{
    return xmlNewTextChild(parent, ns, BAD_CAST name, text && *text ? BAD_CAST text : NULL);
}

static int attr(xmlNodePtr node, xmlNsPtr ns, const char *name, const char *value)
{
    return xmlNewNsProp(node, ns, BAD_CAST name, BAD_CAST value) != NULL;
}

static int must_understand(struct builder *bld, xmlNodePtr node, int yes)
{
    return attr(node, bld->s, "mustUnderstand", yes ? "true" : "false");
}

static int is_element(xmlNodePtr node, const char *ns, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && node->name && node->ns && node->ns->href &&
           !strcmp((const char *)node->ns->href, ns) && !strcmp((const char *)node->name, name);
}

/* Moves node (from src) to the end of parent's children. Namespace
 * references whose declaration stays behind in src are re-pointed to an
 * in-scope declaration of the envelope (or declared on the node). */
static int32_t adopt(struct builder *bld, xmlDocPtr src, xmlNodePtr node, xmlNodePtr parent)
{
    xmlUnlinkNode(node);
    if (xmlDOMWrapAdoptNode(NULL, src, node, bld->doc, parent, 0) != 0 || !xmlAddChild(parent, node)) {
        xmlFreeNode(node);
        return WSM_E_OUTOFMEMORY;
    }
    return WSM_S_OK;
}

/* Parses text and moves its root element under parent (as its last child). */
static int32_t import_xml(struct builder *bld, const char *text, int32_t bad_code, const char *what,
                          xmlNodePtr parent)
{
    xmlDocPtr src;
    int32_t hr = parse_xml(text, bad_code, what, &src, bld->detail);
    if (hr)
        return hr;
    hr = adopt(bld, src, xmlDocGetRootElement(src), parent);
    xmlFreeDoc(src);
    return hr;
}

static int32_t add_selector_set(xmlNodePtr parent, xmlNsPtr w, const struct wsm_selector *sel, size_t n)
{
    xmlNodePtr set, node;
    NEED(set = add(parent, w, "SelectorSet", NULL));
    for (size_t i = 0; i < n; i++) {
        NEED(node = add(set, w, "Selector", sel[i].value));
        NEED(attr(node, NULL, "Name", sel[i].name));
    }
    return WSM_S_OK;
}

static int32_t add_option_set(struct builder *bld)
{
    const struct wsm_locator *t = bld->req->target;
    xmlNodePtr set, node;
    xmlNsPtr xsi;
    int typed = 0;

    for (size_t i = 0; i < t->n_options; i++)
        typed |= t->options[i].type && *t->options[i].type;
    /* Windows declares xsi on the OptionSet itself; xs only matters when a
     * Type="xs:..." QName has to resolve. */
    NEED(set = add(bld->header, bld->w, "OptionSet", NULL));
    NEED(xsi = xmlNewNs(set, BAD_CAST WSM_NS_XSI, BAD_CAST WSM_PREFIX_XSI));
    if (typed)
        NEED(xmlNewNs(set, BAD_CAST WSM_NS_XSD, BAD_CAST "xs"));
    if (t->must_understand_options)
        NEED(must_understand(bld, set, 1));
    for (size_t i = 0; i < t->n_options; i++) {
        const struct wsm_option *o = &t->options[i];
        NEED(node = add(set, bld->w, "Option", o->value));
        NEED(attr(node, NULL, "Name", o->name));
        if (o->must_comply)
            NEED(attr(node, NULL, "MustComply", "true"));
        if (o->type && *o->type)
            NEED(attr(node, NULL, "Type", o->type));
        if (!o->value)
            NEED(attr(node, xsi, "nil", "true"));
    }
    return WSM_S_OK;
}

static int32_t build_header(struct builder *bld, const char *action, const char *message_id)
{
    const struct wsm_request *req = bld->req;
    const struct wsm_locator *t = req->target;
    const char *locale = req->locale && *req->locale ? req->locale : "en-US";
    xmlNodePtr h = bld->header, node;
    char number[16];
    int32_t hr;

    NEED(add(h, bld->a, "To", req->to));
    NEED((node = add(h, bld->w, "ResourceURI", t->uri)) && must_understand(bld, node, 1));
    NEED(node = add(h, bld->a, "ReplyTo", NULL));
    NEED((node = add(node, bld->a, "Address", WSM_URI_ANONYMOUS)) && must_understand(bld, node, 1));
    NEED((node = add(h, bld->a, "Action", action)) && must_understand(bld, node, 1));
    snprintf(number, sizeof number, "%" PRIu32, req->max_envelope_size);
    NEED((node = add(h, bld->w, "MaxEnvelopeSize", number)) && must_understand(bld, node, 1));
    NEED(add(h, bld->a, "MessageID", message_id));
    NEED((node = add(h, bld->w, "Locale", NULL)) && attr(node, bld->xml, "lang", locale) &&
         must_understand(bld, node, 0));
    NEED((node = add(h, bld->p, "DataLocale", NULL)) && attr(node, bld->xml, "lang", locale) &&
         must_understand(bld, node, 0));
    if (req->session_id && *req->session_id)
        NEED((node = add(h, bld->p, "SessionId", req->session_id)) && must_understand(bld, node, 0));
    if (t->n_selectors && (hr = add_selector_set(h, bld->w, t->selectors, t->n_selectors)))
        return hr;
    if (t->n_options && (hr = add_option_set(bld)))
        return hr;
    if (req->timeout_ms) {
        char *duration = wsm_duration(req->timeout_ms);
        node = duration ? add(h, bld->w, "OperationTimeout", duration) : NULL;
        free(duration);
        NEED(node);
    }
    /* Only Get and Put address a fragment; the other operations ignore it. */
    if ((req->op == WSM_OP_GET || req->op == WSM_OP_PUT) && t->fragment_path && *t->fragment_path) {
        const char *dialect =
            t->fragment_dialect && *t->fragment_dialect ? t->fragment_dialect : WSM_DIALECT_XPATH;
        NEED((node = add(h, bld->w, "FragmentTransfer", t->fragment_path)) && must_understand(bld, node, 1) &&
             attr(node, NULL, "Dialect", dialect));
    }
    return WSM_S_OK;
}

/* A leading UTF-8 BOM and XML declaration cannot stay in front of text
 * that is put inside a wrapper element. */
static const char *skip_xml_decl(const char *text)
{
    const char *p = text;
    if (!strncmp(p, "\xEF\xBB\xBF", 3))
        p += 3;
    p = skip_blanks(p);
    if (!strncmp(p, "<?xml", 5) && wsm_is_space((unsigned char)p[5])) {
        const char *end = strstr(p, "?>");
        if (end)
            return end + 2;
    }
    return text;
}

/* The only element child of node when everything else is blank text,
 * comments or processing instructions; NULL otherwise. */
static xmlNodePtr sole_element(xmlNodePtr node)
{
    xmlNodePtr found = NULL;
    for (xmlNodePtr c = node->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) {
            if (found)
                return NULL;
            found = c;
        } else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
                   !is_blank((const char *)c->content)) {
            return NULL;
        }
    }
    return found;
}

/* Put with a fragment path: the body is a w:XmlFragment holding the new
 * value, which may be plain text ("Stopped") or one or more elements. The
 * input is parsed inside a wrapper so that both forms are accepted. */
static int32_t body_fragment(struct builder *bld)
{
    char *wrapped = wsm_asprintf("<" WSM_PREFIX_WSMAN ":XmlFragment xmlns:" WSM_PREFIX_WSMAN
                                 "=\"" WSM_NS_WSMAN "\">%s</" WSM_PREFIX_WSMAN ":XmlFragment>",
                                 skip_xml_decl(bld->req->body_xml));
    xmlDocPtr src;
    xmlNodePtr wrapper, only, frag;
    int32_t hr;

    NEED(wrapped);
    hr = parse_xml(wrapped, ERROR_WSMAN_INVALID_XML, "The fragment input", &src, bld->detail);
    free(wrapped);
    if (hr)
        return hr;
    wrapper = xmlDocGetRootElement(src);
    only = sole_element(wrapper);
    if (is_element(only, WSM_NS_WSMAN, "XmlFragment")) {
        hr = adopt(bld, src, only, bld->body); /* the caller wrapped it already */
    } else if (!(frag = add(bld->body, bld->w, "XmlFragment", NULL))) {
        hr = WSM_E_OUTOFMEMORY;
    } else {
        while (!hr && wrapper->children)
            hr = adopt(bld, src, wrapper->children, frag);
    }
    xmlFreeDoc(src);
    return hr;
}

/* ---- filters ---- */

struct brace_pair {
    char *key, *value;
};

struct brace_pairs {
    struct brace_pair *v;
    size_t n;
};

static void brace_pairs_free(struct brace_pairs *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->v[i].key);
        free(p->v[i].value);
    }
    free(p->v);
    p->v = NULL;
    p->n = 0;
}

static char *trimmed_copy(const char *s, const char *end)
{
    while (s < end && wsm_is_space((unsigned char)*s))
        s++;
    while (end > s && wsm_is_space((unsigned char)end[-1]))
        end--;
    return wsm_strndup(s, (size_t)(end - s));
}

/* winrm's filter text: {key=value;key2="value; with quotes"}. Empty entries
 * (";;", a trailing ';') are skipped. */
static int32_t parse_braces(const char *text, const char *what, struct brace_pairs *out, char **detail)
{
    const char *p = skip_blanks(text), *end = text + strlen(text);
    struct wsm_quoted q;

    while (end > p && wsm_is_space((unsigned char)end[-1]))
        end--;
    if (end - p < 2 || *p != '{' || end[-1] != '}')
        return wsm_fail(
            detail, ERROR_WSMAN_INVALID_FILTER_XML,
            "The %s \"%s\" must be written {name=value;...}, starting with '{' and ending with '}'.", what,
            wsm_quote_str(&q, text));
    p++, end--;
    while (p < end) {
        const char *key = p, *key_end, *value, *value_end;
        int quoted = 0;
        if (wsm_is_space((unsigned char)*p) || *p == ';') {
            p++;
            continue;
        }
        while (p < end && *p != '=' && *p != ';')
            p++;
        if (p == end || *p == ';')
            return wsm_fail(detail, ERROR_WSMAN_INVALID_FILTER_XML,
                            "The entry \"%s\" of the %s has no '='; entries are written name=value.",
                            wsm_quote(&q, key, (size_t)(p - key)), what);
        key_end = p++;
        while (p < end && wsm_is_space((unsigned char)*p))
            p++;
        if (p < end && *p == '"') {
            quoted = 1;
            value = ++p;
            value_end = memchr(value, '"', (size_t)(end - value));
            if (!value_end)
                return wsm_fail(detail, ERROR_WSMAN_INVALID_FILTER_XML,
                                "The value of \"%s\" in the %s opens a '\"' that is never closed.",
                                wsm_quote(&q, key, (size_t)(key_end - key)), what);
            p = value_end + 1;
            while (p < end && wsm_is_space((unsigned char)*p))
                p++;
            if (p < end && *p != ';')
                return wsm_fail(detail, ERROR_WSMAN_INVALID_FILTER_XML,
                                "The quoted value of \"%s\" in the %s is followed by more text before the "
                                "next ';'.",
                                wsm_quote(&q, key, (size_t)(key_end - key)), what);
        } else {
            value = p;
            while (p < end && *p != ';')
                p++;
            value_end = p;
        }

        struct brace_pair pair = {trimmed_copy(key, key_end), NULL};
        if (pair.key && !*pair.key) {
            free(pair.key);
            return wsm_fail(detail, ERROR_WSMAN_INVALID_FILTER_XML,
                            "The %s has an entry with no name before the '='.", what);
        }
        /* A quoted value is taken exactly; an unquoted one without its blanks. */
        pair.value =
            quoted ? wsm_strndup(value, (size_t)(value_end - value)) : trimmed_copy(value, value_end);
        struct brace_pair *grown = realloc(out->v, (out->n + 1) * sizeof *grown);
        if (!pair.key || !pair.value || !grown) {
            free(pair.key);
            free(pair.value);
            if (grown)
                out->v = grown;
            return WSM_E_OUTOFMEMORY;
        }
        out->v = grown;
        out->v[out->n++] = pair;
    }
    return WSM_S_OK;
}

static int32_t selector_filter(struct builder *bld, xmlNodePtr filter)
{
    const char *text = bld->req->filter, *first = skip_blanks(text);
    struct brace_pairs pairs = {0};
    struct wsm_quoted q;
    int32_t hr;

    if (*first == '<') {
        if ((hr = import_xml(bld, text, ERROR_WSMAN_INVALID_FILTER_XML, "The selector filter XML", filter)))
            return hr;
        if (!is_element(filter->last, WSM_NS_WSMAN, "SelectorSet"))
            return wsm_fail(bld->detail, ERROR_WSMAN_INVALID_FILTER_XML,
                            "The selector filter XML must be a SelectorSet element in the namespace %s, "
                            "not \"%s\".",
                            WSM_NS_WSMAN,
                            wsm_quote_str(&q, filter->last->name ? (const char *)filter->last->name : ""));
        return WSM_S_OK;
    }
    if (*first != '{')
        return wsm_fail(bld->detail, ERROR_WSMAN_INVALID_FILTER_XML,
                        "The selector filter \"%s\" is neither a w:SelectorSet element nor winrm's "
                        "{name=\"value\";...} text.",
                        wsm_quote_str(&q, text));
    if ((hr = parse_braces(text, "selector filter", &pairs, bld->detail)))
        goto done;
    if (!pairs.n) {
        hr = wsm_fail(bld->detail, ERROR_WSMAN_INVALID_FILTER_XML,
                      "The selector filter \"%s\" names no selector.", wsm_quote_str(&q, text));
        goto done;
    }
    struct wsm_selector *sel = calloc(pairs.n, sizeof *sel);
    if (!sel) {
        hr = WSM_E_OUTOFMEMORY;
        goto done;
    }
    for (size_t i = 0; i < pairs.n; i++)
        sel[i] = (struct wsm_selector){pairs.v[i].key, pairs.v[i].value};
    hr = add_selector_set(filter, bld->w, sel, pairs.n);
    free(sel);
done:
    brace_pairs_free(&pairs);
    return hr;
}

enum {
    ASSOC_OBJECT,
    ASSOC_CLASS,
    ASSOC_ROLE,
    ASSOC_RESULT_CLASS,
    ASSOC_RESULT_ROLE,
    ASSOC_INCLUDE,
    ASSOC_KEYS
};

/* Element names in the order DSP0227 (and openwsman) writes them. */
static const char *const assoc_keys[ASSOC_KEYS] = {
    "Object", "AssociationClassName", "Role", "ResultClassName", "ResultRole", "IncludeResultProperty",
};

/* The Object's resource URI: an alias is expanded; a bare class name
 * ("Win32_Service") lives in the enumerated URI's namespace, i.e. the
 * resource URI with its last segment (usually "*") replaced. */
static char *object_uri(const char *base, const char *path)
{
    if (strpbrk(path, "/:")) {
        return wsm_expand_alias(path);
    }
    const char *slash = strrchr(base, '/');
    if (!slash)
        return wsm_strdup(path);
    return wsm_asprintf("%.*s%s", (int)(slash - base + 1), base, path);
}

static void unquote(char *s)
{
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        memmove(s, s + 1, n - 2);
        s[n - 2] = '\0';
    }
}

/* The value of each association key in pairs (value[ASSOC_...], NULL when not given); an unknown key, a key
 * given twice (but IncludeResultProperty) or no Object is an error. */
static int32_t assoc_values(struct builder *bld, const struct brace_pairs *pairs,
                            const char *value[ASSOC_KEYS])
{
    struct wsm_quoted q;

    for (size_t i = 0; i < pairs->n; i++) {
        size_t k = 0;
        while (k < ASSOC_KEYS && wsm_strcasecmp_ascii(pairs->v[i].key, assoc_keys[k]))
            k++;
        if (k == ASSOC_KEYS)
            return wsm_fail(
                bld->detail, ERROR_WSMAN_INVALID_FILTER_XML,
                "The association filter has the unknown key \"%s\"; the keys are Object, "
                "AssociationClassName, Role, ResultClassName, ResultRole and IncludeResultProperty.",
                wsm_quote_str(&q, pairs->v[i].key));
        if (value[k] && k != ASSOC_INCLUDE)
            return wsm_fail(bld->detail, ERROR_WSMAN_INVALID_FILTER_XML,
                            "The association filter gives %s more than once.", assoc_keys[k]);
        value[k] = pairs->v[i].value;
    }
    if (is_blank(value[ASSOC_OBJECT]))
        return wsm_fail(bld->detail, ERROR_WSMAN_INVALID_FILTER_XML,
                        value[ASSOC_OBJECT]
                            ? "The association filter's Object is empty."
                            : "The association filter has no Object=<resource URI>?<selectors> "
                              "entry naming the instance whose associations are wanted.");
    return WSM_S_OK;
}

/* The Object=<resource URI>?<selectors> entry as the instance's resource URI (*uri) and selectors (*sel,
 * unquoted), the selector syntax the resource URI one: ?k=v+k2=v2. */
static int32_t assoc_object(struct builder *bld, const char *object, char **uri, struct wsm_resource_uri *sel)
{
    const char *question = strchr(object, '?');
    char *path = NULL, *query = NULL, *inner = NULL;
    struct wsm_quoted q;
    int32_t hr = WSM_E_OUTOFMEMORY;

    if (!(path = trimmed_copy(object, question ? question : object + strlen(object))))
        goto done;
    if (!*path) {
        hr = wsm_fail(bld->detail, ERROR_WSMAN_INVALID_FILTER_XML,
                      "The association filter's Object \"%s\" has selectors but no resource URI.",
                      wsm_quote_str(&q, object));
        goto done;
    }
    if (!(*uri = object_uri(bld->req->target->uri, path)))
        goto done;
    hr = WSM_S_OK;
    if (!question)
        goto done;
    if (!(query = wsm_asprintf("x%s", question))) {
        hr = WSM_E_OUTOFMEMORY;
        goto done;
    }
    hr = wsm_parse_resource_uri(query, sel, &inner);
    if (hr && hr != WSM_E_OUTOFMEMORY)
        hr = wsm_fail(bld->detail, ERROR_WSMAN_INVALID_FILTER_XML,
                      "The selectors of the association filter's Object are malformed: %s",
                      inner ? inner : "(no detail)");
    for (size_t i = 0; !hr && i < sel->n_selectors; i++)
        unquote(sel->selectors[i].value);
done:
    free(path);
    free(query);
    free(inner);
    return hr;
}

/* IncludeResultProperty may list several names (comma-separated, or the key given again): one element each.
 * 0, or -1 when out of memory. */
static int add_result_properties(struct builder *bld, xmlNodePtr inst, const struct brace_pairs *pairs)
{
    for (size_t i = 0; i < pairs->n; i++) {
        if (wsm_strcasecmp_ascii(pairs->v[i].key, assoc_keys[ASSOC_INCLUDE]))
            continue;
        for (const char *item = pairs->v[i].value; *item;) {
            const char *comma = strchr(item, ',');
            const char *item_end = comma ? comma : item + strlen(item);
            char *name = trimmed_copy(item, item_end);
            xmlNodePtr node = name && *name ? add(inst, bld->b, assoc_keys[ASSOC_INCLUDE], name) : NULL;
            int failed = !name || (*name && !node);
            free(name);
            if (failed)
                return -1;
            item = comma ? comma + 1 : item_end;
        }
    }
    return 0;
}

static int32_t add_association(struct builder *bld, xmlNodePtr filter, const struct brace_pairs *pairs)
{
    const char *value[ASSOC_KEYS] = {0};
    struct wsm_resource_uri sel = {0};
    char *uri = NULL;
    xmlNodePtr inst, obj, refs;
    int32_t hr;

    if ((hr = assoc_values(bld, pairs, value)) || (hr = assoc_object(bld, value[ASSOC_OBJECT], &uri, &sel)))
        goto done;
    hr = WSM_E_OUTOFMEMORY;
    if (!(inst = add(filter, bld->b,
                     bld->req->enum_flags & WSM_ENUM_ASSOCIATION_INSTANCE ? "AssociationInstances"
                                                                          : "AssociatedInstances",
                     NULL)) ||
        !(obj = add(inst, bld->b, "Object", NULL)) || !add(obj, bld->a, "Address", WSM_URI_ANONYMOUS) ||
        !(refs = add(obj, bld->a, "ReferenceParameters", NULL)) || !add(refs, bld->w, "ResourceURI", uri))
        goto done;
    if (sel.n_selectors && add_selector_set(refs, bld->w, sel.selectors, sel.n_selectors))
        goto done;
    for (size_t k = ASSOC_CLASS; k < ASSOC_INCLUDE; k++) {
        if (value[k] && *value[k] && !add(inst, bld->b, assoc_keys[k], value[k]))
            goto done;
    }
    if (!add_result_properties(bld, inst, pairs))
        hr = WSM_S_OK;
done:
    free(uri);
    wsm_resource_uri_free(&sel);
    return hr;
}

static int32_t association_filter(struct builder *bld, xmlNodePtr filter)
{
    const char *text = bld->req->filter;
    struct brace_pairs pairs = {0};
    int32_t hr;

    if (*skip_blanks(text) == '<')
        return import_xml(bld, text, ERROR_WSMAN_INVALID_FILTER_XML, "The association filter XML", filter);
    if (!(hr = parse_braces(text, "association filter", &pairs, bld->detail)))
        hr = add_association(bld, filter, &pairs);
    brace_pairs_free(&pairs);
    return hr;
}

static int is_association_dialect(const char *dialect)
{
    return dialect && !wsm_strcasecmp_ascii(dialect, WSM_DIALECT_ASSOCIATION);
}

static int32_t add_filter(struct builder *bld, xmlNodePtr parent)
{
    const struct wsm_request *req = bld->req;
    const char *dialect = req->dialect ? req->dialect : "";
    xmlNodePtr filter;

    if (is_blank(req->filter))
        return WSM_S_OK; /* a dialect alone filters nothing */
    if (!wsm_strcasecmp_ascii(dialect, WSM_DIALECT_WQL)) {
        NEED((filter = add(parent, bld->w, "Filter", req->filter)) &&
             attr(filter, NULL, "Dialect", WSM_DIALECT_WQL));
        return WSM_S_OK;
    }
    NEED(filter = add(parent, bld->w, "Filter", NULL));
    if (!wsm_strcasecmp_ascii(dialect, WSM_DIALECT_SELECTOR) ||
        !wsm_strcasecmp_ascii(dialect, WSM_DIALECT_SELECTOR_MS)) {
        NEED(
            attr(filter, NULL, "Dialect", WSM_DIALECT_SELECTOR)); /* the DMTF spelling, whichever was given */
        return selector_filter(bld, filter);
    }
    if (is_association_dialect(dialect)) {
        NEED(attr(filter, NULL, "Dialect", WSM_DIALECT_ASSOCIATION));
        return association_filter(bld, filter);
    }
    /* XPath, any other dialect, or none (the service then guesses): XML
     * when it looks like XML, unless the caller said it is text. */
    if (*dialect)
        NEED(attr(filter, NULL, "Dialect", dialect));
    if (*skip_blanks(req->filter) == '<' && !(req->enum_flags & WSM_ENUM_NON_XML_TEXT))
        return import_xml(bld, req->filter, ERROR_WSMAN_INVALID_FILTER_XML, "The filter XML", filter);
    NEED(xmlAddChild(filter, xmlNewDocText(bld->doc, BAD_CAST req->filter)));
    return WSM_S_OK;
}

static int32_t body_enumerate(struct builder *bld)
{
    const struct wsm_request *req = bld->req;
    xmlNodePtr en;
    char number[16];

    NEED(en = add(bld->body, bld->n, "Enumerate", NULL));
    if (req->max_elements) {
        snprintf(number, sizeof number, "%" PRIu32, req->max_elements);
        NEED(add(en, bld->w, "OptimizeEnumeration", NULL) && add(en, bld->w, "MaxElements", number));
    }
    if (req->enum_flags & WSM_ENUM_RETURN_EPR)
        NEED(add(en, bld->w, "EnumerationMode", "EnumerateEPR"));
    else if (req->enum_flags & WSM_ENUM_RETURN_OBJECT_AND_EPR)
        NEED(add(en, bld->w, "EnumerationMode", "EnumerateObjectAndEPR"));
    if (req->enum_flags & WSM_ENUM_HIERARCHY_SHALLOW)
        NEED(add(en, bld->b, "PolymorphismMode", "None"));
    else if (req->enum_flags & WSM_ENUM_HIERARCHY_DEEP_BASE_PROPS_ONLY)
        NEED(add(en, bld->b, "PolymorphismMode", "ExcludeSubClassProperties"));
    return add_filter(bld, en);
}

static int32_t build_body(struct builder *bld)
{
    const struct wsm_request *req = bld->req;
    xmlNodePtr node;
    char number[16];

    switch (req->op) {
    case WSM_OP_PUT:
        if (req->target->fragment_path && *req->target->fragment_path)
            return body_fragment(bld);
        /* fall through */
    case WSM_OP_CREATE:
    case WSM_OP_INVOKE:
        return import_xml(bld, req->body_xml, ERROR_WSMAN_INVALID_XML, "The input XML", bld->body);
    case WSM_OP_ENUMERATE:
        return body_enumerate(bld);
    case WSM_OP_PULL:
        NEED(node = add(bld->body, bld->n, "Pull", NULL));
        NEED(add(node, bld->n, "EnumerationContext", req->context));
        if (req->max_elements) {
            snprintf(number, sizeof number, "%" PRIu32, req->max_elements);
            NEED(add(node, bld->n, "MaxElements", number));
        }
        return WSM_S_OK;
    case WSM_OP_RELEASE:
        NEED((node = add(bld->body, bld->n, "Release", NULL)) &&
             add(node, bld->n, "EnumerationContext", req->context));
        return WSM_S_OK;
    default:
        return WSM_S_OK; /* Get and Delete: <s:Body/> */
    }
}

static int uses_cimbinding(const struct wsm_request *req)
{
    if (req->op != WSM_OP_ENUMERATE)
        return 0;
    if (req->enum_flags & (WSM_ENUM_HIERARCHY_SHALLOW | WSM_ENUM_HIERARCHY_DEEP_BASE_PROPS_ONLY))
        return 1;
    return is_association_dialect(req->dialect) && !is_blank(req->filter) && *skip_blanks(req->filter) != '<';
}

/* The document and its s:Envelope root, the SOAP namespace declared first on it. */
static int32_t new_envelope(struct builder *bld, xmlNodePtr *root)
{
    NEED(bld->doc = xmlNewDoc(BAD_CAST "1.0"));
    NEED(*root = xmlNewDocNode(bld->doc, NULL, BAD_CAST "Envelope", NULL));
    xmlDocSetRootElement(bld->doc, *root);
    NEED(bld->s = xmlNewNs(*root, BAD_CAST WSM_NS_SOAP, BAD_CAST WSM_PREFIX_SOAP));
    xmlSetNs(*root, bld->s);
    return WSM_S_OK;
}

static int32_t start_envelope(struct builder *bld)
{
    const struct wsm_request *req = bld->req;
    int enumeration = req->op == WSM_OP_ENUMERATE || req->op == WSM_OP_PULL || req->op == WSM_OP_RELEASE;
    xmlNodePtr root;
    int32_t hr;

    /* Every namespace once, on the root, in Windows' order. */
    if ((hr = new_envelope(bld, &root)))
        return hr;
    NEED(bld->a = xmlNewNs(root, BAD_CAST WSM_NS_ADDRESSING, BAD_CAST WSM_PREFIX_ADDRESSING));
    if (enumeration)
        NEED(bld->n = xmlNewNs(root, BAD_CAST WSM_NS_ENUMERATION, BAD_CAST WSM_PREFIX_ENUMERATION));
    NEED(bld->w = xmlNewNs(root, BAD_CAST WSM_NS_WSMAN, BAD_CAST WSM_PREFIX_WSMAN));
    NEED(bld->p = xmlNewNs(root, BAD_CAST WSM_NS_MS_WSMAN, BAD_CAST WSM_PREFIX_MS_WSMAN));
    if (uses_cimbinding(req))
        NEED(bld->b = xmlNewNs(root, BAD_CAST WSM_NS_CIMBINDING, BAD_CAST WSM_PREFIX_CIMBINDING));
    NEED(bld->xml = xmlSearchNs(bld->doc, root, BAD_CAST "xml"));
    NEED(bld->header = add(root, bld->s, "Header", NULL));
    NEED(bld->body = add(root, bld->s, "Body", NULL));
    return WSM_S_OK;
}

/* Identify has no addressing headers at all (DSP0226 11; the Windows reply in
 * tests/vectors/knife-windows/001-identify-response.xml has an empty s:Header too). */
static int32_t build_identify(struct builder *bld)
{
    xmlNodePtr root;
    xmlNsPtr id;
    int32_t hr;

    if ((hr = new_envelope(bld, &root)))
        return hr;
    NEED(id = xmlNewNs(root, BAD_CAST WSM_NS_IDENTITY, BAD_CAST WSM_PREFIX_IDENTITY));
    NEED(add(root, bld->s, "Header", NULL));
    NEED((bld->body = add(root, bld->s, "Body", NULL)) && add(bld->body, id, "Identify", NULL));
    return WSM_S_OK;
}

/* ---- output ---- */

/* UTF-8 (as libxml2 wrote it) to BOM + UTF-16LE. */
static int32_t to_utf16le(const unsigned char *s, size_t len, char **out, size_t *out_len)
{
    unsigned char *buf, *o;

    if (len > (SIZE_MAX - 4) / 2)
        return WSM_E_OUTOFMEMORY;
    /* Each UTF-8 byte gives at most two bytes (4-byte sequences: a surrogate
     * pair); plus the BOM and a two-byte terminator for convenience. */
    if (!(buf = malloc(2 * len + 4)))
        return WSM_E_OUTOFMEMORY;
    o = buf;
    *o++ = 0xFF, *o++ = 0xFE;
    for (size_t i = 0; i < len;) {
        uint32_t c;
        size_t n = wsm_utf8_char(s + i, len - i, &c);
        if (!n) {
            free(buf);
            return WSM_E_INVALIDARG; /* cannot happen: every input was checked */
        }
        i += n;
        uint16_t units[2];
        for (size_t k = 0, nu = wsm_utf16_encode(c, units); k < nu; k++)
            *o++ = (unsigned char)(units[k] & 0xFF), *o++ = (unsigned char)(units[k] >> 8);
    }
    *out_len = (size_t)(o - buf);
    o[0] = o[1] = 0;
    *out = (char *)buf;
    return WSM_S_OK;
}

static int32_t serialize(xmlDocPtr doc, int utf16, char **out, size_t *out_len)
{
    xmlBufferPtr buf = xmlBufferCreate();
    xmlSaveCtxtPtr save;
    int32_t hr = WSM_E_OUTOFMEMORY;

    if (!buf)
        return hr;
    /* The root element alone: no XML declaration, no trailing newline, no
     * indentation. */
    save = xmlSaveToBuffer(buf, "UTF-8", XML_SAVE_NO_DECL | XML_SAVE_AS_XML);
    if (save) {
        int saved = xmlSaveTree(save, xmlDocGetRootElement(doc)) >= 0;
        if (xmlSaveClose(save) >= 0 && saved) {
            const unsigned char *content = xmlBufferContent(buf);
            size_t len = (size_t)xmlBufferLength(buf);
            if (utf16) {
                hr = to_utf16le(content, len, out, out_len);
            } else if ((*out = malloc(len + 1))) {
                memcpy(*out, content, len);
                (*out)[len] = '\0';
                *out_len = len;
                hr = WSM_S_OK;
            }
        }
    }
    xmlBufferFree(buf);
    return hr;
}

int32_t wsm_build_request_tree(const struct wsm_request *req, char **out, size_t *out_len, char **message_id,
                               char **detail)
{
    struct builder bld = {.req = req, .detail = detail};
    char generated[WSM_UUID_SIZE];
    const char *id = NULL;
    char *action = NULL;
    int32_t hr;

    if (detail)
        *detail = NULL;
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (message_id)
        *message_id = NULL;
    if (!req || !out || !out_len)
        return wsm_fail(detail, WSM_E_INVALIDARG, "wsm_build_request needs a request and an output buffer.");
    if ((hr = check_request(req, detail)))
        return hr;

    if (req->op == WSM_OP_IDENTIFY) {
        hr = build_identify(&bld);
    } else {
        if (req->message_id && *req->message_id) {
            id = req->message_id;
        } else {
            wsm_new_uuid(generated);
            id = generated;
        }
        switch (req->op) {
        case WSM_OP_GET:
            action = wsm_strdup(WSM_ACTION_GET);
            break;
        case WSM_OP_PUT:
            action = wsm_strdup(WSM_ACTION_PUT);
            break;
        case WSM_OP_CREATE:
            action = wsm_strdup(WSM_ACTION_CREATE);
            break;
        case WSM_OP_DELETE:
            action = wsm_strdup(WSM_ACTION_DELETE);
            break;
        case WSM_OP_INVOKE:
            action = wsm_invoke_action(req->target->uri, req->action);
            break;
        case WSM_OP_ENUMERATE:
            action = wsm_strdup(WSM_ACTION_ENUMERATE);
            break;
        case WSM_OP_PULL:
            action = wsm_strdup(WSM_ACTION_PULL);
            break;
        default:
            action = wsm_strdup(WSM_ACTION_RELEASE);
            break;
        }
        hr = action ? start_envelope(&bld) : WSM_E_OUTOFMEMORY;
        if (!hr)
            hr = build_header(&bld, action, id);
        if (!hr)
            hr = build_body(&bld);
    }
    if (!hr && !tree_complete(xmlDocGetRootElement(bld.doc)))
        hr = WSM_E_OUTOFMEMORY;
    if (!hr)
        hr = serialize(bld.doc, req->utf16, out, out_len);
    if (!hr && message_id && id && !(*message_id = wsm_strdup(id)))
        hr = WSM_E_OUTOFMEMORY;

    xmlFreeDoc(bld.doc);
    free(action);
    if (hr) {
        free(*out);
        *out = NULL;
        *out_len = 0;
        if (message_id) {
            free(*message_id);
            *message_id = NULL;
        }
    }
    return hr;
}

/* ---- the direct writer ----
 *
 * The requests that carry no caller XML (Identify, Get, Delete, Pull, Release, and Enumerate without a filter
 * or with a WQL one: what a session sends over and over) are written straight as text, with the bytes
 * libxml2's serialiser gives the same tree (wsm_build_request_tree, which the tests compare with): text
 * escapes & < > and CR (xmlEscapeContent); attribute values & < > " TAB LF CR and, as libxml2 writes them for
 * a document without a declared encoding, every non-ASCII character as a hexadecimal character reference
 * (xmlBufAttrSerializeTxtContent): the writer of xmlwrite.h. Every value has passed check_request (UTF-8, XML
 * characters) first. Nothing is kept from one request to the next. */

#define MU_TRUE " " WSM_PREFIX_SOAP ":mustUnderstand=\"true\""
#define MU_FALSE " " WSM_PREFIX_SOAP ":mustUnderstand=\"false\""
#define QA(name) WSM_PREFIX_ADDRESSING ":" name
#define QW(name) WSM_PREFIX_WSMAN ":" name
#define QP(name) WSM_PREFIX_MS_WSMAN ":" name
#define QN(name) WSM_PREFIX_ENUMERATION ":" name

static void w_header(struct wsm_buf *b, const struct wsm_request *req, const char *action, const char *id)
{
    const struct wsm_locator *t = req->target;
    const char *locale = req->locale && *req->locale ? req->locale : "en-US";
    char number[32];

    WSM_BUF_LIT(b, "<" WSM_PREFIX_SOAP ":Header>");
    wsm_xml_elem(b, QA("To"), req->to);
    WSM_BUF_LIT(b, "<" QW("ResourceURI") MU_TRUE);
    wsm_xml_end(b, QW("ResourceURI"), t->uri);
    WSM_BUF_LIT(b, "<" QA("ReplyTo") "><" QA("Address") MU_TRUE ">" WSM_URI_ANONYMOUS
                                                                "</" QA("Address") "></" QA("ReplyTo") ">");
    WSM_BUF_LIT(b, "<" QA("Action") MU_TRUE);
    wsm_xml_end(b, QA("Action"), action);
    snprintf(number, sizeof number, "%" PRIu32, req->max_envelope_size);
    WSM_BUF_LIT(b, "<" QW("MaxEnvelopeSize") MU_TRUE);
    wsm_xml_end(b, QW("MaxEnvelopeSize"), number);
    wsm_xml_elem(b, QA("MessageID"), id);
    WSM_BUF_LIT(b, "<" QW("Locale"));
    wsm_xml_attr(b, "xml:lang", locale);
    WSM_BUF_LIT(b, MU_FALSE "/>");
    WSM_BUF_LIT(b, "<" QP("DataLocale"));
    wsm_xml_attr(b, "xml:lang", locale);
    WSM_BUF_LIT(b, MU_FALSE "/>");
    if (req->session_id && *req->session_id) {
        WSM_BUF_LIT(b, "<" QP("SessionId") MU_FALSE);
        wsm_xml_end(b, QP("SessionId"), req->session_id);
    }
    if (t->n_selectors) {
        WSM_BUF_LIT(b, "<" QW("SelectorSet") ">");
        for (size_t i = 0; i < t->n_selectors; i++) {
            WSM_BUF_LIT(b, "<" QW("Selector"));
            wsm_xml_attr(b, "Name", t->selectors[i].name);
            wsm_xml_end(b, QW("Selector"), t->selectors[i].value);
        }
        WSM_BUF_LIT(b, "</" QW("SelectorSet") ">");
    }
    if (t->n_options) {
        int typed = 0;
        for (size_t i = 0; i < t->n_options; i++)
            typed |= t->options[i].type && *t->options[i].type;
        WSM_BUF_LIT(b, "<" QW("OptionSet") " xmlns:" WSM_PREFIX_XSI "=\"" WSM_NS_XSI "\"");
        if (typed)
            WSM_BUF_LIT(b, " xmlns:xs=\"" WSM_NS_XSD "\"");
        if (t->must_understand_options)
            WSM_BUF_LIT(b, MU_TRUE);
        wsm_buf_addc(b, '>');
        for (size_t i = 0; i < t->n_options; i++) {
            const struct wsm_option *o = &t->options[i];
            WSM_BUF_LIT(b, "<" QW("Option"));
            wsm_xml_attr(b, "Name", o->name);
            if (o->must_comply)
                WSM_BUF_LIT(b, " MustComply=\"true\"");
            if (o->type && *o->type)
                wsm_xml_attr(b, "Type", o->type);
            if (!o->value)
                WSM_BUF_LIT(b, " " WSM_PREFIX_XSI ":nil=\"true\"");
            wsm_xml_end(b, QW("Option"), o->value);
        }
        WSM_BUF_LIT(b, "</" QW("OptionSet") ">");
    }
    if (req->timeout_ms) {
        snprintf(number, sizeof number, "PT%" PRIu32 ".%03" PRIu32 "S", req->timeout_ms / 1000,
                 req->timeout_ms % 1000); /* wsm_duration, without its allocation */
        wsm_xml_elem(b, QW("OperationTimeout"), number);
    }
    if ((req->op == WSM_OP_GET || req->op == WSM_OP_PUT) && t->fragment_path && *t->fragment_path) {
        WSM_BUF_LIT(b, "<" QW("FragmentTransfer") MU_TRUE);
        wsm_xml_attr(b, "Dialect",
                     t->fragment_dialect && *t->fragment_dialect ? t->fragment_dialect : WSM_DIALECT_XPATH);
        wsm_xml_end(b, QW("FragmentTransfer"), t->fragment_path);
    }
    WSM_BUF_LIT(b, "</" WSM_PREFIX_SOAP ":Header>");
}

static void w_body(struct wsm_buf *b, const struct wsm_request *req)
{
    char number[16];

    switch (req->op) {
    case WSM_OP_ENUMERATE: {
        int open = 0; /* the n:Enumerate start tag is closed: it has children */
#define W_CHILD()                                                                                            \
    do {                                                                                                     \
        if (!open)                                                                                           \
            wsm_buf_addc(b, '>'), open = 1;                                                                  \
    } while (0)
        WSM_BUF_LIT(b, "<" WSM_PREFIX_SOAP ":Body><" QN("Enumerate"));
        if (req->max_elements) {
            snprintf(number, sizeof number, "%" PRIu32, req->max_elements);
            W_CHILD();
            WSM_BUF_LIT(b, "<" QW("OptimizeEnumeration") "/>");
            wsm_xml_elem(b, QW("MaxElements"), number);
        }
        if (req->enum_flags & (WSM_ENUM_RETURN_EPR | WSM_ENUM_RETURN_OBJECT_AND_EPR))
            W_CHILD();
        if (req->enum_flags & WSM_ENUM_RETURN_EPR)
            WSM_BUF_LIT(b, "<" QW("EnumerationMode") ">EnumerateEPR</" QW("EnumerationMode") ">");
        else if (req->enum_flags & WSM_ENUM_RETURN_OBJECT_AND_EPR)
            WSM_BUF_LIT(b, "<" QW("EnumerationMode") ">EnumerateObjectAndEPR</" QW("EnumerationMode") ">");
        if (req->enum_flags & (WSM_ENUM_HIERARCHY_SHALLOW | WSM_ENUM_HIERARCHY_DEEP_BASE_PROPS_ONLY))
            W_CHILD();
        if (req->enum_flags & WSM_ENUM_HIERARCHY_SHALLOW)
            WSM_BUF_LIT(b, "<" WSM_PREFIX_CIMBINDING ":PolymorphismMode>None</" WSM_PREFIX_CIMBINDING
                           ":PolymorphismMode>");
        else if (req->enum_flags & WSM_ENUM_HIERARCHY_DEEP_BASE_PROPS_ONLY)
            WSM_BUF_LIT(b, "<" WSM_PREFIX_CIMBINDING
                           ":PolymorphismMode>ExcludeSubClassProperties</" WSM_PREFIX_CIMBINDING
                           ":PolymorphismMode>");
        if (!is_blank(req->filter)) {
            W_CHILD();
            WSM_BUF_LIT(b, "<" QW("Filter") " Dialect=\"" WSM_DIALECT_WQL "\"");
            wsm_xml_end(b, QW("Filter"), req->filter);
        }
#undef W_CHILD
        if (open)
            WSM_BUF_LIT(b, "</" QN("Enumerate") "></" WSM_PREFIX_SOAP ":Body>");
        else
            WSM_BUF_LIT(b, "/></" WSM_PREFIX_SOAP ":Body>");
        return;
    }
    case WSM_OP_PULL:
    case WSM_OP_RELEASE:
        if (req->op == WSM_OP_PULL)
            WSM_BUF_LIT(b, "<" WSM_PREFIX_SOAP ":Body><" QN("Pull") ">");
        else
            WSM_BUF_LIT(b, "<" WSM_PREFIX_SOAP ":Body><" QN("Release") ">");
        wsm_xml_elem(b, QN("EnumerationContext"), req->context);
        if (req->op == WSM_OP_PULL && req->max_elements) {
            snprintf(number, sizeof number, "%" PRIu32, req->max_elements);
            wsm_xml_elem(b, QN("MaxElements"), number);
        }
        if (req->op == WSM_OP_PULL)
            WSM_BUF_LIT(b, "</" QN("Pull") "></" WSM_PREFIX_SOAP ":Body>");
        else
            WSM_BUF_LIT(b, "</" QN("Release") "></" WSM_PREFIX_SOAP ":Body>");
        return;
    default:
        WSM_BUF_LIT(b, "<" WSM_PREFIX_SOAP ":Body/>"); /* Get and Delete */
        return;
    }
}

/* Whether the direct writer can write req: no caller XML anywhere in it. */
static int writable(const struct wsm_request *req)
{
    switch (req->op) {
    case WSM_OP_IDENTIFY:
    case WSM_OP_GET:
    case WSM_OP_DELETE:
    case WSM_OP_PULL:
    case WSM_OP_RELEASE:
        return 1;
    case WSM_OP_ENUMERATE:
        return is_blank(req->filter) ||
               (req->dialect && !wsm_strcasecmp_ascii(req->dialect, WSM_DIALECT_WQL));
    default:
        return 0;
    }
}

int32_t wsm_build_request(const struct wsm_request *req, char **out, size_t *out_len, char **message_id,
                          char **detail)
{
    struct wsm_buf b = {0};
    char generated[WSM_UUID_SIZE];
    const char *id = NULL;
    int32_t hr;

    if (!req || !out || !out_len || !writable(req))
        return wsm_build_request_tree(req, out, out_len, message_id, detail);
    if (detail)
        *detail = NULL;
    *out = NULL;
    *out_len = 0;
    if (message_id)
        *message_id = NULL;
    if ((hr = check_request(req, detail)))
        return hr;

    wsm_buf_reserve(&b, 4000); /* a request fits: one allocation (4 KiB with the NUL, rounded up) */
    if (req->op == WSM_OP_IDENTIFY) {
        WSM_BUF_LIT(&b, "<" WSM_PREFIX_SOAP ":Envelope xmlns:" WSM_PREFIX_SOAP "=\"" WSM_NS_SOAP
                        "\" xmlns:" WSM_PREFIX_IDENTITY "=\"" WSM_NS_IDENTITY "\"><" WSM_PREFIX_SOAP
                        ":Header/><" WSM_PREFIX_SOAP ":Body><" WSM_PREFIX_IDENTITY
                        ":Identify/></" WSM_PREFIX_SOAP ":Body></" WSM_PREFIX_SOAP ":Envelope>");
    } else {
        const char *action = req->op == WSM_OP_GET         ? WSM_ACTION_GET
                             : req->op == WSM_OP_DELETE    ? WSM_ACTION_DELETE
                             : req->op == WSM_OP_ENUMERATE ? WSM_ACTION_ENUMERATE
                             : req->op == WSM_OP_PULL      ? WSM_ACTION_PULL
                                                           : WSM_ACTION_RELEASE;
        if (req->message_id && *req->message_id) {
            id = req->message_id;
        } else {
            wsm_new_uuid(generated);
            id = generated;
        }
        /* Every namespace once, on the root, in Windows' order (start_envelope). */
        WSM_BUF_LIT(&b, "<" WSM_PREFIX_SOAP ":Envelope xmlns:" WSM_PREFIX_SOAP "=\"" WSM_NS_SOAP
                        "\" xmlns:" WSM_PREFIX_ADDRESSING "=\"" WSM_NS_ADDRESSING "\"");
        if (req->op == WSM_OP_ENUMERATE || req->op == WSM_OP_PULL || req->op == WSM_OP_RELEASE)
            WSM_BUF_LIT(&b, " xmlns:" WSM_PREFIX_ENUMERATION "=\"" WSM_NS_ENUMERATION "\"");
        WSM_BUF_LIT(&b, " xmlns:" WSM_PREFIX_WSMAN "=\"" WSM_NS_WSMAN "\" xmlns:" WSM_PREFIX_MS_WSMAN
                        "=\"" WSM_NS_MS_WSMAN "\"");
        if (uses_cimbinding(req))
            WSM_BUF_LIT(&b, " xmlns:" WSM_PREFIX_CIMBINDING "=\"" WSM_NS_CIMBINDING "\"");
        wsm_buf_addc(&b, '>');
        w_header(&b, req, action, id);
        w_body(&b, req);
        WSM_BUF_LIT(&b, "</" WSM_PREFIX_SOAP ":Envelope>");
    }

    if (b.failed) {
        hr = WSM_E_OUTOFMEMORY;
    } else if (req->utf16) {
        hr = to_utf16le((const unsigned char *)b.data, b.len, out, out_len);
    } else if (!(*out = wsm_buf_take(&b, out_len))) {
        hr = WSM_E_OUTOFMEMORY;
    }
    wsm_buf_free(&b);
    if (!hr && message_id && id && !(*message_id = wsm_strdup(id))) {
        free(*out);
        *out = NULL;
        *out_len = 0;
        hr = WSM_E_OUTOFMEMORY;
    }
    return hr;
}
