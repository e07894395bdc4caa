/*
 * A small XML writer on struct wsm_buf: element text and attribute values escaped with the bytes that
 * libxml2's serialiser writes (xmlEscapeContent for text; xmlBufAttrSerializeTxtContent for attribute
 * values of a document without a declared encoding), so that what is written by hand matches byte for byte
 * what the tree API would have written (W3C XML 1.0 section 2.4, character data and markup).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_XMLWRITE_H
#define WSMAUTO_XMLWRITE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* What to do with a byte over 0x7F. */
enum wsm_xml_high {
    WSM_XML_HIGH_WRITE, /* text: copied as it is; attribute values: a hexadecimal character reference */
    WSM_XML_HIGH_STOP,  /* stop there and return 1: the caller writes the whole thing another way */
};

/* Appends s as element text: & < > and CR escaped (xmlEscapeContent), the rest copied. 0, or 1 when it
 * stopped at a byte over 0x7F (WSM_XML_HIGH_STOP). A failure of the buffer shows in b->failed. */
int wsm_xml_text(struct wsm_buf *b, const char *s, enum wsm_xml_high high);

/* Appends s as an attribute value (without the quotes): & < > " TAB LF CR escaped and, with
 * WSM_XML_HIGH_WRITE, every non-ASCII character (s is UTF-8) as "&#xHEX;". 0, or 1 as wsm_xml_text. */
int wsm_xml_attr_value(struct wsm_buf *b, const char *s, enum wsm_xml_high high);

/* ' name="value"', the value as wsm_xml_attr_value writes it with WSM_XML_HIGH_WRITE. */
void wsm_xml_attr(struct wsm_buf *b, const char *name, const char *value);

/* Ends an element whose start tag "<qname ..." is written: ">text</qname>", or "/>" when text is NULL or
 * empty. */
void wsm_xml_end(struct wsm_buf *b, const char *qname, const char *text);

/* <qname>text</qname>, or <qname/> when text is NULL or empty. */
void wsm_xml_elem(struct wsm_buf *b, const char *qname, const char *text);

#endif
