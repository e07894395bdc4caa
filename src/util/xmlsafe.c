/*
 * The safe parser for untrusted XML (see xmlsafe.h).
 *
 * Everything runs on a private parser context: no network, no entity
 * substitution, no DTD loading, and any DTD at all makes the parser stop at
 * once (no SOAP message or reply element carries one), so billion-laughs and
 * XXE inputs never expand or open anything, whatever the libxml2 version's
 * defaults are. libxml2's own error printing is diverted into the caller's
 * struct wsm_xml_failure.
 *
 * A start tag with more than WSM_XML_MAX_ATTRIBUTES attributes is refused
 * before libxml2 reads it (libxml2 2.9 spends time quadratic in their number
 * on one tag): a linear scan of the raw code units finds it first, and a
 * startElementNs hook catches what the scan cannot read (EBCDIC, or an
 * encoding such as UTF-7 that hides markup from it).
 *
 * SPDX-License-Identifier: MIT
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>
#if LIBXML_VERSION < 21200
#include <libxml/globals.h> /* xmlStructuredError, the thread's handler */
#endif

#include "strutil.h"
#include "xmlsafe.h"

/* libxml2 2.12 made the structured error callback take a const error. */
#if LIBXML_VERSION >= 21200
typedef const xmlError wsm_xml_error;
#else
typedef xmlError wsm_xml_error;
#endif

/* Never passed on: they load or expand entities and DTDs, validate, include, recover from errors (the
 * caller would get a document that is not what was sent), silence errors (from 2.13 on, the context's
 * handler too, and then no error would be seen), or skip the namespace-aware startElementNs hook (SAX1). */
#define REFUSED_OPTIONS                                                                                      \
    (XML_PARSE_RECOVER | XML_PARSE_NOENT | XML_PARSE_DTDLOAD | XML_PARSE_DTDATTR | XML_PARSE_DTDVALID |      \
     XML_PARSE_XINCLUDE | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_SAX1)

struct parse {
    struct wsm_xml_failure *why;
    unsigned flags;
    startElementNsSAX2Func start_element; /* libxml2's own, which builds the tree */
};

/* m without its trailing line feed and blanks, cut to fit out[WSM_XML_MESSAGE_SIZE]. */
/* libxml2's global set-up (xmlInitParser: its encoding handlers, its mutexes, the thread-local error state)
 * is not thread-safe in libxml2 2.9, and its first run would otherwise happen inside whichever threads build
 * or parse their first documents together. It runs here once, when the library (or the program that links
 * this file) is loaded, before any thread of the caller can exist. */
__attribute__((constructor)) static void xmlsafe_init(void)
{
    xmlInitParser();
}

static void keep_message(char *out, const char *m)
{
    size_t n = m ? strlen(m) : 0;

    while (n && (m[n - 1] == ' ' || m[n - 1] == '\t' || m[n - 1] == '\n' || m[n - 1] == '\r'))
        n--;
    if (n > WSM_XML_MESSAGE_SIZE - 1)
        n = WSM_XML_MESSAGE_SIZE - 1;
    if (n)
        memcpy(out, m, n);
    out[n] = '\0';
}

/* Counts an error (warnings do not count); the first one is kept. */
static void record_error(struct wsm_xml_failure *why, const xmlError *e)
{
    if (!why || !e || e->level < XML_ERR_ERROR)
        return;
    if (e->code == XML_ERR_NO_MEMORY)
        why->out_of_memory = 1;
    if (why->errors == INT_MAX || why->errors++)
        return;
    why->code = e->code;
    why->line = e->line;
    why->column = e->int2; /* where libxml2 puts the column of a parser error */
    keep_message(why->message, e->message);
}

/* A start tag on `line` with too many attributes: counted as an error, the first one unless libxml2 had
 * already reported one, and the last word. */
static void refuse_crowded(struct wsm_xml_failure *why, int line)
{
    char text[WSM_XML_MESSAGE_SIZE];

    snprintf(text, sizeof(text), "A start tag has more than %d attributes, more than this parser accepts",
             WSM_XML_MAX_ATTRIBUTES);
    why->too_many_attributes = 1;
    why->last_line = line;
    keep_message(why->last_message, text);
    if (why->errors == INT_MAX || why->errors++)
        return;
    why->code = XML_ERR_USER_STOP;
    why->line = line;
    why->column = 0;
    keep_message(why->message, text);
}

/* Errors raised with the parser context. */
static void ctxt_error(void *user, wsm_xml_error *e)
{
    xmlParserCtxtPtr ctxt = user;
    struct parse *p = ctxt ? ctxt->_private : NULL;

    if (!p || !e)
        return;
    if ((p->flags & WSM_XML_LAX_NAMESPACE_URI) &&
        (e->code == XML_WAR_NS_URI || e->code == XML_WAR_NS_URI_RELATIVE))
        return;
    record_error(p->why, e);
}

/* Errors raised without a context, while a wsm_xml_quiet is active. */
#if LIBXML_VERSION < 21200
static void thread_error(void *user, wsm_xml_error *e)
{
    record_error(user, e);
}
#endif

void wsm_xml_quiet_begin(struct wsm_xml_quiet *q, struct wsm_xml_failure *why)
{
#if LIBXML_VERSION < 21200
    q->handler = xmlStructuredError;
    q->context = xmlStructuredErrorContext;
    xmlSetStructuredErrorFunc(why, thread_error);
#else
    (void)q, (void)why;
#endif
}

void wsm_xml_quiet_end(const struct wsm_xml_quiet *q)
{
#if LIBXML_VERSION < 21200
    xmlSetStructuredErrorFunc(q->context, q->handler);
#else
    (void)q;
#endif
}

/* Any DTD is refused the moment it starts, before any declaration in it is read. */
static void refuse_dtd(void *user)
{
    xmlParserCtxtPtr ctxt = user;
    struct parse *p = ctxt ? ctxt->_private : NULL;

    if (p)
        p->why->dtd_seen = 1;
    if (ctxt)
        xmlStopParser(ctxt);
}

static void on_subset(void *user, const xmlChar *name, const xmlChar *external_id, const xmlChar *system_id)
{
    (void)name, (void)external_id, (void)system_id;
    refuse_dtd(user);
}

static void on_entity_decl(void *user, const xmlChar *name, int type, const xmlChar *public_id,
                           const xmlChar *system_id, xmlChar *content)
{
    (void)name, (void)type, (void)public_id, (void)system_id, (void)content;
    refuse_dtd(user);
}

/* The parser's backstop: a start tag with too many attributes that the scan below could not see stops the
 * parser before libxml2 builds its attribute list. */
static void on_start_element(void *user, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                             int nb_namespaces, const xmlChar **namespaces, int nb_attributes,
                             int nb_defaulted, const xmlChar **attributes)
{
    xmlParserCtxtPtr ctxt = user;
    struct parse *p = ctxt ? ctxt->_private : NULL;

    if (!p)
        return;
    if ((long)nb_namespaces + nb_attributes > WSM_XML_MAX_ATTRIBUTES) {
        refuse_crowded(p->why, ctxt->input ? ctxt->input->line : 0);
        xmlStopParser(ctxt);
        return;
    }
    if (p->start_element)
        p->start_element(user, localname, prefix, uri, nb_namespaces, namespaces, nb_attributes, nb_defaulted,
                         attributes);
}

/* ---- counting attributes before parsing ---- */

/* The input as code units of 1, 2 or 4 bytes, in the layout libxml2 will decode it from. */
struct units {
    const unsigned char *b;
    size_t n;       /* code units */
    unsigned width; /* bytes per unit */
    int big_endian;
};

static unsigned long unit_at(const struct units *u, size_t i)
{
    const unsigned char *p = u->b + i * u->width;
    unsigned long c = 0;

    if (u->width == 1)
        return *p;
    for (unsigned k = 0; k < u->width; k++)
        c = (c << 8) | p[u->big_endian ? k : u->width - 1 - k];
    return c;
}

static int starts_with_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if ((*s | 0x20) != (*prefix | 0x20))
            return 0;
    return 1;
}

static int bytes_are(const unsigned char *b, size_t len, const char *what, size_t n)
{
    return len >= n && !memcmp(b, what, n);
}

/* How libxml2 will read the input: the forced encoding's unit, or what xmlDetectCharEncoding sees in the
 * first four bytes. 0 when the markup is not ASCII in any unit (EBCDIC): the hook alone guards it. */
static int layout_of(const unsigned char *b, size_t len, const char *encoding, struct units *u)
{
    u->b = b;
    u->width = 1;
    u->big_endian = 0;
    if (encoding) {
        size_t n = strlen(encoding);

        if (starts_with_ci(encoding, "UTF-16") || starts_with_ci(encoding, "UTF16") ||
            starts_with_ci(encoding, "UCS-2") || starts_with_ci(encoding, "UCS2"))
            u->width = 2;
        else if (starts_with_ci(encoding, "UTF-32") || starts_with_ci(encoding, "UTF32") ||
                 starts_with_ci(encoding, "UCS-4") || starts_with_ci(encoding, "UCS4"))
            u->width = 4;
        if (n >= 2 && (encoding[n - 2] | 0x20) == 'b' && (encoding[n - 1] | 0x20) == 'e')
            u->big_endian = 1;
        else if (n < 2 || (encoding[n - 2] | 0x20) != 'l' || (encoding[n - 1] | 0x20) != 'e')
            u->big_endian = bytes_are(b, len, "\xFE\xFF", 2) || bytes_are(b, len, "\0\0\xFE\xFF", 4);
    } else if (bytes_are(b, len, "\x4C\x6F\xA7\x94", 4)) {
        return 0;
    } else if (bytes_are(b, len, "\0\0\0<", 4) || bytes_are(b, len, "<\0\0\0", 4)) {
        u->width = 4;
        u->big_endian = !b[0];
    } else if (bytes_are(b, len, "<\0?\0", 4) || bytes_are(b, len, "\xFF\xFE", 2)) {
        u->width = 2;
    } else if (bytes_are(b, len, "\0<\0?", 4) || bytes_are(b, len, "\xFE\xFF", 2)) {
        u->width = 2;
        u->big_endian = 1;
    }
    u->n = len / u->width;
    return 1;
}

/* Whether the ASCII text s starts at unit i. */
static int units_are(const struct units *u, size_t i, const char *s)
{
    for (; *s; s++, i++)
        if (i >= u->n || unit_at(u, i) != (unsigned char)*s)
            return 0;
    return 1;
}

/* The unit after the first `end` from unit i on (u->n when there is none), counting line feeds. */
static size_t skip_past(const struct units *u, size_t i, const char *end, int *line)
{
    for (; i < u->n; i++) {
        if (units_are(u, i, end))
            return i + strlen(end);
        if (unit_at(u, i) == '\n')
            (*line)++;
    }
    return i;
}

/* The unit after the '>' that ends the tag that unit i is in, quoted values skipped; *equals counts the '='
 * outside them (one per attribute of a well-formed start tag), and the scan stops once it passes the
 * limit. */
static size_t skip_tag(const struct units *u, size_t i, int *line, long *equals)
{
    unsigned long quote = 0;

    for (; i < u->n; i++) {
        unsigned long c = unit_at(u, i);

        if (c == '\n')
            (*line)++;
        else if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'')
            quote = c;
        else if (c == '>')
            return i + 1;
        else if (c == '=' && ++*equals > WSM_XML_MAX_ATTRIBUTES)
            return i;
    }
    return i;
}

/* ---- the same scan over 1-byte units (UTF-8, ASCII, Latin-1: the common case) ---- */

static int count_lines(const unsigned char *b, size_t n)
{
    int lines = 0;
    const unsigned char *end = b + n;

    while (b < end && (b = memchr(b, '\n', (size_t)(end - b)))) {
        lines++;
        b++;
    }
    return lines;
}

/* skip_past over bytes. */
static size_t skip_past_bytes(const unsigned char *b, size_t n, size_t i, const char *end, int *line)
{
    size_t elen = strlen(end);

    for (size_t from = i; from < n;) {
        const unsigned char *p = memchr(b + from, end[0], n - from);
        size_t at;

        if (!p)
            break;
        at = (size_t)(p - b);
        if (n - at >= elen && !memcmp(p, end, elen)) {
            *line += count_lines(b + i, at - i);
            return at + elen;
        }
        from = at + 1;
    }
    *line += count_lines(b + i, n - i);
    return n;
}

/* The bytes skip_tag acts on. */
static const unsigned char tag_stops[256] = {['\n'] = 1, ['"'] = 1, ['\''] = 1, ['>'] = 1, ['='] = 1};

/* skip_tag over bytes. */
static size_t skip_tag_bytes(const unsigned char *b, size_t n, size_t i, int *line, long *equals)
{
    for (; i < n; i++) {
        unsigned char c;

        while (n - i >= 4 &&
               !(tag_stops[b[i]] | tag_stops[b[i + 1]] | tag_stops[b[i + 2]] | tag_stops[b[i + 3]]))
            i += 4;
        while (i < n && !tag_stops[b[i]])
            i++;
        if (i == n)
            break;
        c = b[i];
        if (c == '\n')
            (*line)++;
        else if (c == '"' || c == '\'') {
            const unsigned char *q = memchr(b + i + 1, c, n - i - 1);
            size_t end = q ? (size_t)(q - b) : n;

            *line += count_lines(b + i + 1, end - i - 1);
            i = end;
            if (i == n)
                break;
        } else if (c == '>')
            return i + 1;
        else if (++*equals > WSM_XML_MAX_ATTRIBUTES)
            return i;
    }
    return i;
}

static int crowded_tag_line_bytes(const unsigned char *b, size_t n)
{
    int line = 1;
    size_t i = 0;

    while (i < n) {
        const unsigned char *lt = memchr(b + i, '<', n - i);
        size_t at = lt ? (size_t)(lt - b) : n;
        long equals = 0;
        int start;

        line += count_lines(b + i, at - i);
        if (!lt)
            break;
        i = at + 1;
        start = line;
        if (n - i >= 3 && !memcmp(b + i, "!--", 3))
            i = skip_past_bytes(b, n, i + 3, "-->", &line);
        else if (n - i >= 8 && !memcmp(b + i, "![CDATA[", 8))
            i = skip_past_bytes(b, n, i + 8, "]]>", &line);
        else if (n - i >= 1 && b[i] == '?')
            i = skip_past_bytes(b, n, i + 1, "?>", &line);
        else {
            i = skip_tag_bytes(b, n, i, &line, &equals);
            if (equals > WSM_XML_MAX_ATTRIBUTES)
                return start;
        }
    }
    return 0;
}

/* One linear pass over the raw input: the line of the first start tag with more than
 * WSM_XML_MAX_ATTRIBUTES attributes, 0 when there is none (or the input is not ASCII-based). Comments,
 * CDATA sections, processing instructions, end tags and declarations are skipped. */
static int crowded_tag_line(const char *data, size_t len, const char *encoding)
{
    struct units u;
    int line = 1;
    size_t i = 0;

    if (!layout_of((const unsigned char *)data, len, encoding, &u))
        return 0;
    if (u.width == 1)
        return crowded_tag_line_bytes(u.b, u.n);
    while (i < u.n) {
        unsigned long c = unit_at(&u, i++);
        long equals = 0;
        int start = line;

        if (c == '\n')
            line++;
        if (c != '<')
            continue;
        if (units_are(&u, i, "!--"))
            i = skip_past(&u, i + 3, "-->", &line);
        else if (units_are(&u, i, "![CDATA["))
            i = skip_past(&u, i + 8, "]]>", &line);
        else if (units_are(&u, i, "?"))
            i = skip_past(&u, i + 1, "?>", &line);
        else {
            i = skip_tag(&u, i, &line, &equals);
            if (equals > WSM_XML_MAX_ATTRIBUTES)
                return start;
        }
    }
    return 0;
}

xmlDocPtr wsm_xml_parse(const char *data, size_t len, const char *encoding, int options, unsigned flags,
                        size_t max_len, struct wsm_xml_failure *why)
{
    struct wsm_xml_failure ignored;
    struct wsm_xml_quiet quiet;
    struct parse p;
    xmlParserCtxtPtr ctxt;
    const xmlError *last;
    xmlDocPtr doc;
    int good, line;

    if (!why)
        why = &ignored;
    memset(why, 0, sizeof(*why));
    if (!data) {
        data = "";
        len = 0;
    }
    if (len > max_len || len > INT_MAX) {
        why->too_large = 1;
        return NULL;
    }
    if ((line = crowded_tag_line(data, len, encoding))) {
        refuse_crowded(why, line);
        return NULL;
    }
    options = (options & ~REFUSED_OPTIONS) | XML_PARSE_NONET;
#if defined(XML_PARSE_NO_XXE) || LIBXML_VERSION >= 21300
    options |= XML_PARSE_NO_XXE; /* an enum value in libxml2 2.13+, hence the version test */
#endif

    xmlInitParser();
    wsm_xml_quiet_begin(&quiet, why);
    if (!(ctxt = xmlNewParserCtxt())) {
        wsm_xml_quiet_end(&quiet);
        why->out_of_memory = 1;
        return NULL;
    }
    /* The handler block belongs to this context (xmlNewParserCtxt allocates it): changing it affects no
     * other parser. */
    p.why = why;
    p.flags = flags;
    p.start_element = ctxt->sax->startElementNs;
    ctxt->_private = &p;
    ctxt->sax->startElementNs = on_start_element;
    ctxt->sax->internalSubset = on_subset;
    ctxt->sax->externalSubset = on_subset;
    ctxt->sax->entityDecl = on_entity_decl;
    ctxt->sax->serror = ctxt_error;
    doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, encoding, options);
    wsm_xml_quiet_end(&quiet);

    if (!why->too_many_attributes && (last = xmlCtxtGetLastError(ctxt)) && last->code != XML_ERR_OK) {
        why->last_line = last->line;
        keep_message(why->last_message, last->message);
    }
    /* xmlStopParser leaves wellFormed set: a document cut short by a DTD must go. A namespace name that is
     * not a URI clears nsWellFormed; with WSM_XML_LAX_NAMESPACE_URI every other namespace error is still
     * counted. */
    good = doc && !why->dtd_seen && !why->too_many_attributes && !why->out_of_memory && !why->errors &&
           ctxt->wellFormed && (ctxt->nsWellFormed || (flags & WSM_XML_LAX_NAMESPACE_URI));
    xmlFreeParserCtxt(ctxt);
    if (!good) {
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

const char *wsm_xml_printable_message(char *out, size_t max, const char *m)
{
    size_t n = strlen(m);

    while (n && wsm_is_space((unsigned char)m[n - 1]))
        n--;
    if (n > max)
        n = max;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)m[i];
        out[i] = (c == '\n' || c == '\t' || c == '\r') ? ' ' : (c < 0x20 || c >= 0x7F) ? '?' : (char)c;
    }
    out[n] = '\0';
    return out;
}
