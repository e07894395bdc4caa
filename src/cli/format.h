/*
 * wsmanctl: printing replies in the three output formats (-format:xml,
 * pretty, text) and pulling the message and code out of a fault.
 *
 * Every input is UTF-8 XML text as the COM edge converted it. Parsing never
 * touches the network, never loads or honours a DTD (a document with one is
 * refused) and never substitutes entities.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMANCTL_FORMAT_H
#define WSMANCTL_FORMAT_H

#include <stddef.h>
#include <stdio.h>

#include "cli.h"

/* The largest reply that pretty and text formats parse; larger ones fail (and get printed raw). */
#define CLI_FORMAT_MAX_INPUT ((size_t)64 << 20)

/*
 * Prints one reply body (an instance, an EPR, an IdentifyResponse, a method
 * output, a config tree, one enumerated item) in the chosen format, always
 * ending with a newline:
 *   CLI_FORMAT_XML     the text exactly as given, plus '\n' when it does not end with one;
 *   CLI_FORMAT_PRETTY  re-indented XML (2 spaces), text content unchanged;
 *   CLI_FORMAT_TEXT    winrm's "Name = value" tree.
 * The output is rendered in memory first, so when formatting fails nothing
 * has been written (a failed write may have written part of it). Text
 * format details: 4 spaces per level, local names, adjacent repeated leaves
 * joined by ", ", xsi:nil shown as null, attributes other than xmlns, xsi:*
 * and xml:* appended as [Name="value"], SelectorSet as winrm's one
 * "Selector: a = 1, b = 2" line, controls other than tab/LF as \xNN.
 * Returns 0, or -1 with *err (when err is not NULL) set to a
 * malloc'd one-line reason without a final period: the XML did not parse
 * (or had a DTD, or was too large), memory ran out, or writing to `out`
 * failed. On a parse failure the caller prints the raw text instead.
 */
int cli_format_reply(FILE *out, const char *xml, size_t len, enum cli_format fmt, char **err);

/* The same rendering as a malloc'd NUL-terminated string (NULL and *err set on failure). */
char *cli_format_render(const char *xml, size_t len, enum cli_format fmt, char **err);

/*
 * The message of a fault for the error line: fault_xml may be an
 * f:WSManFault alone (what IWSManSession::Error returns), an s:Fault or a
 * whole s:Envelope. Returns the malloc'd, trimmed text of the outermost
 * WSManFault's f:Message, or of the deepest WSManFault nested in it (through
 * f:ProviderFault), or the provider fault's own text; failing that the first
 * non-empty Message element of any namespace (MSFT_WmiError), failing that
 * the first non-empty s:Reason/s:Text. Line breaks inside become single
 * spaces and control characters \xNN, so the result fits on one line. NULL
 * when there is no message, the XML does not parse, or memory ran out.
 */
char *cli_fault_message(const char *fault_xml);

/* The Code attribute of the outermost f:WSManFault as a number (decimal, or 0x hex), 0 when there is none,
 * it is not a number below 2^32, or the XML does not parse. */
unsigned long cli_fault_code(const char *fault_xml);

#endif
