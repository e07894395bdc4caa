/*
 * The small XML writer (xmlwrite.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <inttypes.h>
#include <stdio.h>

#include "utf.h"
#include "xmlwrite.h"

/* The bytes copied as they are: PLAIN_TEXT in text, PLAIN_ATTR in attribute values, PLAIN_HIGH (the bytes
 * over 0x7F) in text written with WSM_XML_HIGH_WRITE. The other bytes are escaped, or end the string. */
#define PLAIN_TEXT 1
#define PLAIN_ATTR 2
#define PLAIN_HIGH 4
#define P3 PLAIN_TEXT | PLAIN_ATTR
#define H8 PLAIN_HIGH, PLAIN_HIGH, PLAIN_HIGH, PLAIN_HIGH, PLAIN_HIGH, PLAIN_HIGH, PLAIN_HIGH, PLAIN_HIGH
#define H64 H8, H8, H8, H8, H8, H8, H8, H8
static const unsigned char plain[256] = {
    ['\t'] = PLAIN_TEXT,
    ['\n'] = PLAIN_TEXT,
    ['"'] = PLAIN_TEXT,
    [' '] = P3,
    ['!'] = P3,
    ['#'] = P3,
    ['$'] = P3,
    ['%'] = P3,
    ['\''] = P3,
    ['('] = P3,
    [')'] = P3,
    ['*'] = P3,
    ['+'] = P3,
    [','] = P3,
    ['-'] = P3,
    ['.'] = P3,
    ['/'] = P3,
    ['0'] = P3,
    ['1'] = P3,
    ['2'] = P3,
    ['3'] = P3,
    ['4'] = P3,
    ['5'] = P3,
    ['6'] = P3,
    ['7'] = P3,
    ['8'] = P3,
    ['9'] = P3,
    [':'] = P3,
    [';'] = P3,
    ['='] = P3,
    ['?'] = P3,
    ['@'] = P3,
    ['A'] = P3,
    ['B'] = P3,
    ['C'] = P3,
    ['D'] = P3,
    ['E'] = P3,
    ['F'] = P3,
    ['G'] = P3,
    ['H'] = P3,
    ['I'] = P3,
    ['J'] = P3,
    ['K'] = P3,
    ['L'] = P3,
    ['M'] = P3,
    ['N'] = P3,
    ['O'] = P3,
    ['P'] = P3,
    ['Q'] = P3,
    ['R'] = P3,
    ['S'] = P3,
    ['T'] = P3,
    ['U'] = P3,
    ['V'] = P3,
    ['W'] = P3,
    ['X'] = P3,
    ['Y'] = P3,
    ['Z'] = P3,
    ['['] = P3,
    ['\\'] = P3,
    [']'] = P3,
    ['^'] = P3,
    ['_'] = P3,
    ['`'] = P3,
    ['a'] = P3,
    ['b'] = P3,
    ['c'] = P3,
    ['d'] = P3,
    ['e'] = P3,
    ['f'] = P3,
    ['g'] = P3,
    ['h'] = P3,
    ['i'] = P3,
    ['j'] = P3,
    ['k'] = P3,
    ['l'] = P3,
    ['m'] = P3,
    ['n'] = P3,
    ['o'] = P3,
    ['p'] = P3,
    ['q'] = P3,
    ['r'] = P3,
    ['s'] = P3,
    ['t'] = P3,
    ['u'] = P3,
    ['v'] = P3,
    ['w'] = P3,
    ['x'] = P3,
    ['y'] = P3,
    ['z'] = P3,
    ['{'] = P3,
    ['|'] = P3,
    ['}'] = P3,
    ['~'] = P3,
    [0x7F] = P3,
    [0x80] = H64,
    H64,
};
#undef H64
#undef H8
#undef P3

/* The escape of an ASCII byte that is not plain, or NULL: copied (the other control characters, in both). */
static const char *escape_of(unsigned char c)
{
    switch (c) {
    case '<':
        return "&lt;";
    case '>':
        return "&gt;";
    case '&':
        return "&amp;";
    case '\r':
        return "&#13;";
    case '"':
        return "&quot;";
    case '\n':
        return "&#10;";
    case '\t':
        return "&#9;";
    default:
        return NULL;
    }
}

static int escaped(struct wsm_buf *b, const unsigned char *s, unsigned char mask, enum wsm_xml_high high)
{
    for (;;) {
        const unsigned char *run = s;
        const char *esc;
        unsigned char c;

        while (plain[*s] & mask)
            s++;
        wsm_buf_add(b, run, (size_t)(s - run));
        if (!(c = *s))
            return 0;
        if (c >= 0x80) {
            /* Only attribute values with WSM_XML_HIGH_WRITE get here without stopping. */
            char ref[16];
            uint32_t cp;
            size_t n;
            if (high == WSM_XML_HIGH_STOP)
                return 1;
            if (!(n = wsm_utf8_char(s, 4, &cp))) /* stops at the NUL: not a continuation byte */
                n = 1, cp = c;                   /* malformed: libxml2 writes the byte's value so */
            snprintf(ref, sizeof ref, "&#x%" PRIX32 ";", cp);
            wsm_buf_addstr(b, ref);
            s += n;
            continue;
        }
        s++;
        if ((esc = escape_of(c)))
            wsm_buf_addstr(b, esc);
        else
            wsm_buf_addc(b, (char)c);
    }
}

int wsm_xml_text(struct wsm_buf *b, const char *s, enum wsm_xml_high high)
{
    return escaped(b, (const unsigned char *)s,
                   high == WSM_XML_HIGH_WRITE ? PLAIN_TEXT | PLAIN_HIGH : PLAIN_TEXT, high);
}

int wsm_xml_attr_value(struct wsm_buf *b, const char *s, enum wsm_xml_high high)
{
    return escaped(b, (const unsigned char *)s, PLAIN_ATTR, high);
}

void wsm_xml_attr(struct wsm_buf *b, const char *name, const char *value)
{
    wsm_buf_addc(b, ' ');
    wsm_buf_addstr(b, name);
    WSM_BUF_LIT(b, "=\"");
    wsm_xml_attr_value(b, value, WSM_XML_HIGH_WRITE);
    wsm_buf_addc(b, '"');
}

void wsm_xml_end(struct wsm_buf *b, const char *qname, const char *text)
{
    if (!text || !*text) {
        WSM_BUF_LIT(b, "/>");
        return;
    }
    wsm_buf_addc(b, '>');
    wsm_xml_text(b, text, WSM_XML_HIGH_WRITE);
    WSM_BUF_LIT(b, "</");
    wsm_buf_addstr(b, qname);
    wsm_buf_addc(b, '>');
}

void wsm_xml_elem(struct wsm_buf *b, const char *qname, const char *text)
{
    wsm_buf_addc(b, '<');
    wsm_buf_addstr(b, qname);
    wsm_xml_end(b, qname, text);
}
