/*
 * winrm's "text" layout of an XML element, written from a libxml2 tree: what `winrm get ...` prints by
 * default, one element per line by local name, four spaces of indent per level, "Name = value" for leaves.
 *
 * One renderer for the whole project: wsmanctl lays out the replies it parses with it, and the core lays
 * out enumerated items with it where the Pull reply's tree already exists (the wsmauto extension flag
 * WSManAutoFlagEnumerationText), so that both give the same bytes.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_TEXTLAYOUT_H
#define WSMAUTO_TEXTLAYOUT_H

#include <stddef.h>

#include <libxml/tree.h>

#include "buf.h"

/*
 * Appends the layout of `element` and everything in it to `out`, which must be at the start of a line; every
 * line written ends with '\n'. Details: 4 spaces per level, local names, adjacent repeated leaves joined by
 * ", ", xsi:nil shown as null, attributes other than xmlns, xsi:* and xml:* appended as [Name="value"],
 * SelectorSet as winrm's one "Selector: a = 1, b = 2" line, controls other than tab/LF as \xNN, a value's
 * continuation lines indented to the column where the value starts. A failure of the buffer (out of memory,
 * its ceiling) shows in out->failed.
 */
void wsm_text_layout(struct wsm_buf *out, const xmlNode *element);

/* Appends n bytes of s for a terminal: control characters other than tab, and C1 controls
 * (U+0080..U+009F), become \xNN; other UTF-8 passes unchanged. */
void wsm_text_escape(struct wsm_buf *out, const char *s, size_t n);

/* The first element node at or after n among its siblings, or NULL. */
const xmlNode *wsm_xml_next_element(const xmlNode *n);

/* Whether e has an element child. */
int wsm_xml_has_element_children(const xmlNode *e);

/* An attribute's value ("" for NULL). The parser stores it as one text node: without a DTD the only entity
 * references are the predefined ones, which it always substitutes. (An empty value may have no node.) */
const char *wsm_xml_attr_text(const xmlAttr *a);

/* Appends e's own text (its text and CDATA children, not its descendants'). */
void wsm_xml_own_text(struct wsm_buf *out, const xmlNode *e);

#endif
