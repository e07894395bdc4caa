/*
 * One safe way to parse untrusted XML with libxml2, for the protocol core
 * (replies, caller-supplied bodies and filters) and for wsmanctl (replies,
 * faults, the XML `set` edits), which compiles this file into itself.
 *
 * It depends on libxml2 and the C library only, never on the core's other
 * headers, so that the CLI can use it without reaching the protocol core,
 * and it builds with MinGW for the Windows DLL.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_XMLSAFE_H
#define WSMAUTO_XMLSAFE_H

#include <stddef.h>

#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlversion.h>

#define WSM_XML_MESSAGE_SIZE 256 /* bytes kept of a libxml2 message, with its NUL */

/* The most attributes (namespace declarations included) one start tag may carry. libxml2 2.9 checks an
 * element's attributes for duplicates pairwise and appends each one to the node by walking its list, so a
 * tag with n attributes costs n^2: 50,000 of them (a 489 KB reply, within the default MaxEnvelopeSize)
 * cost seconds of CPU. No WS-Management message comes near this: its busiest elements (s:Envelope with
 * its namespace declarations, a CIM instance's root) carry a few dozen. */
#define WSM_XML_MAX_ATTRIBUTES 1000

/* Why wsm_xml_parse returned NULL (and what libxml2 said while it worked); all zero when nothing went
 * wrong. Each caller turns it into its own error style. */
struct wsm_xml_failure {
    int too_large;     /* len was over max_len or INT_MAX: nothing was parsed */
    int out_of_memory; /* no parser context, or libxml2 reported an allocation failure (at any point) */
    int dtd_seen;      /* the input has a DTD (<!DOCTYPE ...>): the parser stopped where it starts */
    int errors;        /* how many errors (not warnings) libxml2 reported */
    /* A start tag has more than WSM_XML_MAX_ATTRIBUTES attributes: refused (before parsing when the raw
     * bytes show it, which they do in the encodings WS-Management uses). It counts as an error: unless
     * libxml2 reported one first, `code` is XML_ERR_USER_STOP and `line` and `message` say which tag and
     * what was too much; it is always the last message. */
    int too_many_attributes;
    /* The first of those errors: libxml2's code (xmlParserErrors), line and column, and its message as
     * libxml2 wrote it, without the trailing line feed and blanks, cut to fit ("" when none was given).
     * The message may quote document bytes: it is neither one line nor printable for sure. */
    int code, line, column;
    char message[WSM_XML_MESSAGE_SIZE];
    /* The last error or warning raised on the parser context (what xmlCtxtGetLastError() returns), the same
     * way; "" when there was none. */
    int last_line;
    char last_message[WSM_XML_MESSAGE_SIZE];
};

/* wsm_xml_parse flags */
/* A namespace name that is not a valid URI (xmlns:p="urn:x y") is bound all the same: the Namespaces spec
 * makes it a warning, although libxml2 reports it as a namespace error. */
#define WSM_XML_LAX_NAMESPACE_URI 0x1u

/* Parses data[0..len) (data may be NULL when len is 0) into a document that is well-formed XML with
 * namespaces: any error libxml2 reports (not a warning) fails it. `encoding` forces the input's encoding
 * (NULL: the XML rules detect it). `options` adds XML_PARSE_* flags (NOBLANKS, NODICT, NOCDATA,
 * IGNORE_ENC); the ones that would load, expand or validate anything, recover from errors or silence them
 * are ignored. Always: XML_PARSE_NONET, no entity substitution, XML_PARSE_NO_XXE where libxml2 has it, and
 * any DTD refused the moment it starts (internal or external subset, entity declaration), before anything
 * in it is read; libxml2 prints nothing. Refuses more than max_len (and INT_MAX) bytes unread, and a start
 * tag with more than WSM_XML_MAX_ATTRIBUTES attributes, found by a linear scan of the raw bytes before
 * libxml2 sees them (in UTF-8, UTF-16 or UCS-4, and any encoding whose markup characters are ASCII), and
 * again as the parser reaches it, whatever the encoding.
 * Returns the document (free with xmlFreeDoc), or NULL with *why saying why. */
xmlDocPtr wsm_xml_parse(const char *data, size_t len, const char *encoding, int options, unsigned flags,
                        size_t max_len, struct wsm_xml_failure *why);

/* Before libxml2 2.12 some errors (encoding conversion, allocation failures, the serialiser's) go to the
 * thread's structured error handler, i.e. stderr, instead of a parser context. Between wsm_xml_quiet_begin
 * and wsm_xml_quiet_end that handler is ours: such errors are counted in *why (which may be NULL: they are
 * dropped) and nothing is printed. The handler is per thread; pairs nest (end them in reverse order). From
 * 2.12 on the parser context gets everything that matters and these do nothing. */
struct wsm_xml_quiet {
#if LIBXML_VERSION < 21200
    xmlStructuredErrorFunc handler;
    void *context;
#else
    int unused;
#endif
};

void wsm_xml_quiet_begin(struct wsm_xml_quiet *q, struct wsm_xml_failure *why);
void wsm_xml_quiet_end(const struct wsm_xml_quiet *q);

/* libxml2's messages may quote document bytes: a bounded, printable copy of m in out[0..max] for a reason
 * text: trailing blanks dropped, at most max bytes, tab, line feed and carriage return as spaces, other
 * control characters and every byte over 0x7E as '?'. Returns out. */
const char *wsm_xml_printable_message(char *out, size_t max, const char *m);

#endif
