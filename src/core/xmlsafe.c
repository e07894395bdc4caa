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
 * SPDX-License-Identifier: MIT
 */
#include <limits.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>
#if LIBXML_VERSION < 21200
#include <libxml/globals.h> /* xmlStructuredError, the thread's handler */
#endif

#include "xmlsafe.h"

/* libxml2 2.12 made the structured error callback take a const error. */
#if LIBXML_VERSION >= 21200
typedef const xmlError wsm_xml_error;
#else
typedef xmlError wsm_xml_error;
#endif

/* Never passed on: they load or expand entities and DTDs, validate, include, recover from errors (the
 * caller would get a document that is not what was sent), or silence errors (from 2.13 on, the context's
 * handler too, and then no error would be seen). */
#define REFUSED_OPTIONS                                                                                      \
    (XML_PARSE_RECOVER | XML_PARSE_NOENT | XML_PARSE_DTDLOAD | XML_PARSE_DTDATTR | XML_PARSE_DTDVALID |      \
     XML_PARSE_XINCLUDE | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

struct parse {
    struct wsm_xml_failure *why;
    unsigned flags;
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

xmlDocPtr wsm_xml_parse(const char *data, size_t len, const char *encoding, int options, unsigned flags,
                        size_t max_len, struct wsm_xml_failure *why)
{
    struct wsm_xml_failure ignored;
    struct wsm_xml_quiet quiet;
    struct parse p;
    xmlParserCtxtPtr ctxt;
    const xmlError *last;
    xmlDocPtr doc;
    int good;

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
    ctxt->_private = &p;
    ctxt->sax->internalSubset = on_subset;
    ctxt->sax->externalSubset = on_subset;
    ctxt->sax->entityDecl = on_entity_decl;
    ctxt->sax->serror = ctxt_error;
    doc = xmlCtxtReadMemory(ctxt, data, (int)len, NULL, encoding, options);
    wsm_xml_quiet_end(&quiet);

    if ((last = xmlCtxtGetLastError(ctxt)) && last->code != XML_ERR_OK) {
        why->last_line = last->line;
        keep_message(why->last_message, last->message);
    }
    /* xmlStopParser leaves wellFormed set: a document cut short by a DTD must go. A namespace name that is
     * not a URI clears nsWellFormed; with WSM_XML_LAX_NAMESPACE_URI every other namespace error is still
     * counted. */
    good = doc && !why->dtd_seen && !why->out_of_memory && !why->errors && ctxt->wellFormed &&
           (ctxt->nsWellFormed || (flags & WSM_XML_LAX_NAMESPACE_URI));
    xmlFreeParserCtxt(ctxt);
    if (!good) {
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}
