/*
 * wsmanctl: the input of set/create/invoke. winrm's @{Name="value";...} hash
 * becomes a struct cli_props; cli_build_body() turns it into the XML body of
 * a Create or an Invoke, and cli_apply_props() writes it into the XML that a
 * Get returned (set = Get, modify, Put, as winrm does). All XML goes through
 * libxml2: values are never pasted into markup by hand.
 *
 * Every function that takes `char **err` stores a malloc'd one-line English
 * message there on failure (no "wsmanctl: " prefix) and returns -1; outputs
 * are NULL on failure.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMANCTL_INPUT_H
#define WSMANCTL_INPUT_H

#include <stdarg.h>
#include <stddef.h>

#include "cli.h"

/* Size caps: an XML document (a -file:, a Get reply) and one command-line argument. */
#define CLI_MAX_XML ((size_t)64 << 20)
#define CLI_MAX_ARG ((size_t)1 << 20)

/* Parses winrm's hash: `@{Name="value";Other='v2';Flag=true;Empty="";Nil=$null;Nested=@{A="b"}}`.
 * The '@' is optional; keys are XML NCNames; values are double-quoted ("" \" \\ escapes), single-quoted
 * ('' escape) or bare (up to ';' or '}', trimmed; bare $null is a NULL value, bare true/false/$true/$false
 * in any case become "true"/"false", as xs:boolean wants); @{} is an empty list; a trailing ';' is allowed;
 * duplicate keys are kept in order. On success *out is a new list (free with cli_props_free). Returns 0 or
 * -1. */
int cli_parse_hash(const char *text, struct cli_props **out, char **err);
/* The same grammar for -options:{...}: the names are option names, which need not be XML names
 * (`wsmauto:echo`, `__cimnamespace`); they still end at white space, '=', ';', braces and quotes. */
int cli_parse_options(const char *text, struct cli_props **out, char **err);

/* `<p:ROOT xmlns:p="NS_URI"><p:Name>value</p:Name>...</p:ROOT>` (no XML declaration): a NULL value is
 * `<p:Name xsi:nil="true" xmlns:xsi="..."/>`, a nested hash nested elements. p may be NULL (no children).
 * A namespace URI with '&', '<' or '"' is refused (libxml2 2.9 writes xmlns values unescaped).
 * Returns 0 with *xml malloc'd, or -1. */
int cli_build_body(const struct cli_props *p, const char *root_name, const char *ns_uri, char **xml,
                   char **err);

/* The last path segment of a resource URI, before any '?' ("wmicimv2/Win32_Service?Name=x" ->
 * "Win32_Service"), malloc'd; NULL when that segment is empty or memory ran out. */
char *cli_class_name(const char *resource_uri);

/* For `set`: parses xml (a Get reply), and for each property sets the text of the first child element of the
 * root with that local name (a key given n times sets the n-th such element, adding a sibling when there is
 * none); a nested hash descends into that element; $null removes the children and sets xsi:nil="true"; a
 * value removes an xsi:nil. An unknown property is an error. *out is the whole document, serialized without
 * the XML declaration. Returns 0 or -1. */
int cli_apply_props(const char *xml, const struct cli_props *p, char **out, char **err);

/* Reads a whole text file (-file:, -hosts:) into *out (NUL-terminated, *len bytes): refuses more than `cap`
 * bytes, NUL bytes and text that is not UTF-8; a UTF-8 BOM is dropped and a UTF-16 file (with its BOM) is
 * converted to UTF-8. An empty file is not an error here: the callers say what empty means. */
int cli_read_text_file(const char *path, size_t cap, char **out, size_t *len, char **err);

/* ---- helpers shared by args.c and input.c ---- */

#define CLI_QUOTE_MAX 64 /* input bytes shown; longer text is cut and ends in "..." */

struct cli_quoted {
    char text[CLI_QUOTE_MAX * 4 + 8];
};

/* Makes s[0..n) safe to show in a one-line message: control characters and bytes that are not valid UTF-8
 * become \xNN; valid UTF-8 passes through. Lives in *q; no allocation. */
const char *cli_quote(struct cli_quoted *q, const char *s, size_t n);
const char *cli_quote_str(struct cli_quoted *q, const char *s);

/* MinGW's printf attribute means the Microsoft dialect (no %zu); the Windows build uses its C99 stdio. */
#ifdef __MINGW32__
#define CLI_PRINTF gnu_printf
#else
#define CLI_PRINTF printf
#endif

/* *err = the formatted message (or "out of memory"); returns rc. */
int cli_fail(char **err, int rc, const char *fmt, ...) __attribute__((format(CLI_PRINTF, 3, 4)));

#endif
