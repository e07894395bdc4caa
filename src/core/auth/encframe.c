/*
 * WinRM message encryption framing ([MS-WSMV] 2.2.9.1): builds and
 * parses the multipart/encrypted bodies that carry wrapped SOAP messages
 * over plain HTTP. The wrap/unwrap are callbacks; this file only moves bytes.
 *
 * The payload of a part is binary and is followed directly by the next
 * boundary marker (no CR LF in between), so the ciphertext may itself hold
 * "--Encrypted Boundary" bytes. The parser therefore never splits the body
 * on the marker blindly. Where the data of a payload ends is decided like
 * this (see find_data_end):
 *   1. the marker at exactly data start + Length= (for NTLM, Kerberos AES
 *      and Kerberos RC4 the data length equals Length=), if what follows that
 *      marker is a valid continuation;
 *   2. otherwise the first marker after the header whose continuation is
 *      valid (CredSSP records are longer than Length=).
 * A valid continuation is either the end of the body (the closing
 * "--boundary--" and optional white space, or "--boundary" CR LF as in
 * pywinrm's vector 030, see is_final) or a complete next (metadata, payload)
 * pair header: a metadata part with a Length= followed by a payload part
 * starting with its octet-stream line. Ciphertext that merely contains a
 * marker is thus not mistaken for the end of the data; a wrong split could
 * only ever make the integrity check of the unwrap fail, never yield
 * unauthenticated plaintext. A next pair header cut off by the end of the
 * body means truncation (WSM_SEC_E_INCOMPLETE_MESSAGE, see continuation).
 * Known limit: a multi-part reply cut exactly after the "--boundary" CR LF
 * that opens a metadata part is indistinguishable from vector 030's form and
 * yields the complete parts before the cut (HTTP's own Content-Length or
 * chunked framing reports such a truncation first).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem, explicit_bzero */
#endif

#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "detail.h"
#include "encframe.h"
#include "gssauth.h"

#define ENC_CT_PREFIX "multipart/encrypted;protocol=\""
#define ENC_META_MAX 8192 /* longest metadata part we look through (real ones are ~130 bytes) */
#define ENC_LINE_MAX 1024 /* longest octet-stream header line of a payload part */

static const char octet_stream[] = "application/octet-stream";

/* ---- small byte helpers (never assume NUL termination of the body) ---- */

static int is_blank(unsigned char c)
{
    return c == ' ' || c == '\t';
}

/* ---- parameters of Content-Type and OriginalContent ---- */

/* One "name=value" parameter of a ';'-separated list. Values may be quoted ("..." with backslash escapes,
 * returned without the quotes but with the escapes left in place: the values we use never hold any). */
struct param {
    const char *name, *value;
    size_t name_len, value_len;
};

/* Reads the next parameter from [*p, end); returns 0 at the end of the list. Items without '=' are
 * returned with an empty name (the media type, or junk that we ignore). */
static int next_param(const char **p, const char *end, struct param *out)
{
    const char *s = *p;
    while (s < end && (wsm_is_space((unsigned char)*s) || *s == ';'))
        s++;
    if (s >= end)
        return 0;
    const char *item = s;
    while (s < end && *s != ';' && *s != '=' && *s != '"')
        s++;
    memset(out, 0, sizeof(*out));
    if (s < end && *s == '=') {
        out->name = item;
        out->name_len = (size_t)(s - item);
        wsm_trim(&out->name, &out->name_len);
        s++;
        while (s < end && wsm_is_space((unsigned char)*s))
            s++;
        if (s < end && *s == '"') {
            const char *v = ++s;
            while (s < end && *s != '"') {
                if (*s == '\\' && s + 1 < end)
                    s++;
                s++;
            }
            out->value = v;
            out->value_len = (size_t)(s - v);
            if (s < end)
                s++; /* closing quote; anything up to ';' after it is ignored */
            while (s < end && *s != ';')
                s++;
            *p = s;
            return 1;
        }
        item = s;
    } else {
        out->name = item;
        out->name_len = 0;
    }
    /* bare value: up to ';' (a stray quote is taken literally) */
    while (s < end && *s != ';')
        s++;
    out->value = item;
    out->value_len = (size_t)(s - item);
    wsm_trim(&out->value, &out->value_len);
    *p = s;
    return 1;
}

/* The media type of a Content-Type value without any white space in it, lower-cased, into buf.
 * Returns 0 when it does not fit (then it is none of ours anyway). */
static int media_type(const char *ct, char *buf, size_t size)
{
    size_t n = 0;
    for (; *ct && *ct != ';'; ct++) {
        if (wsm_is_space((unsigned char)*ct))
            continue;
        if (n + 1 >= size)
            return 0;
        buf[n++] = (char)wsm_ascii_lower((unsigned char)*ct);
    }
    buf[n] = '\0';
    return 1;
}

int wsm_encframe_is_encrypted(const char *content_type)
{
    char type[48];
    if (!content_type || !media_type(content_type, type, sizeof(type)))
        return 0;
    return !strcmp(type, "multipart/encrypted") || !strcmp(type, "multipart/x-multi-encrypted");
}

/* ---- build ---- */

static const char enc_tail[] = "--" WSM_ENC_BOUNDARY "--\r\n";

/* Clears the outputs of wsm_encframe_build and checks its arguments. */
static int32_t build_args(const char *protocol, const void *plain, size_t len, wsm_wrap_fn wrap, char **body,
                          size_t *body_len, char **content_type, char **detail)
{
    if (detail)
        *detail = NULL;
    if (body)
        *body = NULL;
    if (body_len)
        *body_len = 0;
    if (content_type)
        *content_type = NULL;
    if (!protocol || !wrap || !body || !body_len || !content_type || (!plain && len))
        return wsm_fail(detail, WSM_E_INVALIDARG, "wsm_encframe_build was called with a NULL %s",
                        !protocol ? "protocol"
                        : !wrap   ? "wrap function"
                        : !plain  ? "message"
                                  : "output pointer");
    if (!*protocol)
        return wsm_fail(detail, WSM_E_INVALIDARG, "the encryption protocol name is empty");
    for (const unsigned char *c = (const unsigned char *)protocol; *c; c++) {
        if (*c < 0x20 || *c == 0x7F || *c == '"' || *c == '\\') {
            struct wsm_quoted q;
            return wsm_fail(
                detail, WSM_E_INVALIDARG,
                "the encryption protocol name \"%s\" contains a quote, backslash or control character, "
                "which cannot appear in the Content-Type header",
                wsm_quote_str(&q, protocol));
        }
    }
    return WSM_S_OK;
}

/* The body wsm_encframe_build writes: one (metadata, payload) group per wrapped chunk. */
struct builder {
    const char *protocol, *charset, *tab;
    wsm_wrap_fn wrap;
    void *ctx;
    size_t len; /* of the whole message, for the texts */
    char *out;
    size_t total, cap;
};

/* Wraps one chunk: *wrapped (malloc'd, or NULL when empty; the caller frees it, also on failure) starts
 * with hdr_len header bytes. */
static int32_t wrap_chunk(const struct builder *bd, const char *p, size_t n, unsigned char **wrapped,
                          size_t *wrapped_len, size_t *hdr_len, size_t *orig_len, char **detail)
{
    char *wrap_detail = NULL;
    *wrapped = NULL;
    *wrapped_len = *hdr_len = *orig_len = 0;
    int32_t hr =
        bd->wrap(bd->ctx, p, n, wrapped, wrapped_len, hdr_len, orig_len, detail ? &wrap_detail : NULL);
    if (hr != WSM_S_OK) {
        if (detail && wrap_detail)
            *detail = wrap_detail;
        else if (detail)
            wsm_fail(detail, hr, "the message (%zu bytes) could not be encrypted", bd->len);
        else
            free(wrap_detail);
        return hr;
    }
    free(wrap_detail);
    if (!*wrapped && *wrapped_len)
        return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR, "the encryption returned no data");
    if (*hdr_len > *wrapped_len || *hdr_len > UINT32_MAX)
        return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR,
                        "the encryption returned a %zu-byte header for only %zu bytes of output", *hdr_len,
                        *wrapped_len);
    return WSM_S_OK;
}

/* Appends the part headers of one group ([MS-WSMV] 2.2.9.1.1), the 4-byte little-endian header length and
 * the wrapped bytes, keeping room for the closing boundary. */
static int32_t append_group(struct builder *bd, const unsigned char *wrapped, size_t wrapped_len,
                            size_t hdr_len, size_t orig_len, char **detail)
{
    char *head = wsm_asprintf("--" WSM_ENC_BOUNDARY "\r\n"
                              "%sContent-Type: %s\r\n"
                              "%sOriginalContent: type=application/soap+xml;charset=%s;Length=%zu\r\n"
                              "--" WSM_ENC_BOUNDARY "\r\n"
                              "%sContent-Type: application/octet-stream\r\n",
                              bd->tab, bd->protocol, bd->tab, bd->charset, orig_len, bd->tab);
    size_t head_len = head ? strlen(head) : 0;
    size_t need = bd->total + head_len + 4 + wrapped_len + sizeof(enc_tail);
    if (head && need > bd->total && need > wrapped_len && need > bd->cap) {
        size_t ncap = need < bd->cap * 2 ? bd->cap * 2 : need;
        char *grown = realloc(bd->out, ncap);
        if (grown) {
            bd->out = grown;
            bd->cap = ncap;
        }
    }
    if (!head || need <= bd->total || need <= wrapped_len || need > bd->cap) {
        free(head);
        return wsm_fail(detail, WSM_E_OUTOFMEMORY, "out of memory building a %zu-byte encrypted message",
                        need);
    }
    char *p = bd->out + bd->total;
    memcpy(p, head, head_len);
    p += head_len;
    uint32_t h = (uint32_t)hdr_len;
    *p++ = (char)(h & 0xFF);
    *p++ = (char)((h >> 8) & 0xFF);
    *p++ = (char)((h >> 16) & 0xFF);
    *p++ = (char)((h >> 24) & 0xFF);
    if (wrapped_len)
        memcpy(p, wrapped, wrapped_len);
    bd->total += head_len + 4 + wrapped_len;
    free(head);
    return WSM_S_OK;
}

int32_t wsm_encframe_build(const char *protocol, unsigned flags, const void *plain, size_t len,
                           wsm_wrap_fn wrap, void *ctx, char **body, size_t *body_len, char **content_type,
                           char **detail)
{
    int32_t hr = build_args(protocol, plain, len, wrap, body, body_len, content_type, detail);
    if (hr != WSM_S_OK)
        return hr;

    /* CredSSP keeps each TLS record within 16 KiB: longer messages go in 16384-byte chunks, one (metadata,
     * payload) group each, as multipart/x-multi-encrypted ([MS-WSMV] 2.2.9.1.3). NTLM and Kerberos never
     * chunk. */
    size_t chunk = len;
    if (!strcmp(protocol, WSM_ENC_PROTOCOL_CREDSSP) && len > WSM_ENC_CREDSSP_CHUNK)
        chunk = WSM_ENC_CREDSSP_CHUNK;
    struct builder bd = {protocol,
                         (flags & WSM_ENCFRAME_UTF16) ? "UTF-16" : "UTF-8",
                         (flags & WSM_ENCFRAME_NO_TABS) ? "" : "\t",
                         wrap,
                         ctx,
                         len,
                         NULL,
                         0,
                         0};
    size_t off = 0;
    do {
        size_t n = len - off < chunk ? len - off : chunk;
        unsigned char *wrapped;
        size_t wrapped_len, hdr_len, orig_len;
        hr = wrap_chunk(&bd, (const char *)plain + off, n, &wrapped, &wrapped_len, &hdr_len, &orig_len,
                        detail);
        if (hr == WSM_S_OK)
            hr = append_group(&bd, wrapped, wrapped_len, hdr_len, orig_len, detail);
        free(wrapped);
        if (hr != WSM_S_OK) {
            free(bd.out);
            return hr;
        }
        off += n;
    } while (off < len);
    memcpy(bd.out + bd.total, enc_tail, sizeof(enc_tail) - 1);
    bd.total += sizeof(enc_tail) - 1;
    char *ct = wsm_asprintf("%s;protocol=\"%s\";boundary=\"" WSM_ENC_BOUNDARY "\"",
                            chunk < len ? "multipart/x-multi-encrypted" : "multipart/encrypted", protocol);
    if (!ct) {
        free(bd.out);
        return wsm_fail(detail, WSM_E_OUTOFMEMORY, "out of memory building an encrypted message");
    }
    *body = bd.out;
    *body_len = bd.total;
    *content_type = ct;
    return WSM_S_OK;
}

/* ---- parse ---- */

struct parser {
    const char *b; /* body */
    size_t len;
    const char *bnd; /* boundary */
    size_t bnd_len;
};

/* When a boundary marker ("--", optional blanks, boundary) starts at pos, returns the offset just after
 * it, else 0 (a marker never ends at offset 0). */
static size_t marker_at(const struct parser *ps, size_t pos)
{
    if (pos > ps->len || ps->len - pos < 2 || ps->b[pos] != '-' || ps->b[pos + 1] != '-')
        return 0;
    size_t i = pos + 2;
    while (i < ps->len && is_blank((unsigned char)ps->b[i]))
        i++;
    if (ps->len - i < ps->bnd_len || memcmp(ps->b + i, ps->bnd, ps->bnd_len))
        return 0;
    return i + ps->bnd_len;
}

/* Finds the next marker starting in [from, limit); returns 1 with its start and end. */
static int find_marker(const struct parser *ps, size_t from, size_t limit, size_t *start, size_t *end)
{
    if (limit > ps->len)
        limit = ps->len;
    while (from + 1 < limit) {
        const char *hit = wsm_memmem(ps->b + from, limit - from, "--", 2);
        if (!hit)
            return 0;
        size_t at = (size_t)(hit - ps->b);
        size_t e = marker_at(ps, at);
        if (e) {
            *start = at;
            *end = e;
            return 1;
        }
        from = at + 1;
    }
    return 0;
}

/* After a marker ending at pos: 1 when the body ends there: "--" then only white space (the closing
 * boundary), or only CR and LF bytes, at least one LF (a closing boundary without its "--", which pywinrm
 * and pypsrp accept: pywinrm vector 030). A bare "--boundary" at the very end, or one followed by the
 * leading tab of a cut-off header line, is refused as truncated. */
static int is_final(const struct parser *ps, size_t pos)
{
    if (ps->len - pos >= 2 && ps->b[pos] == '-' && ps->b[pos + 1] == '-') {
        for (pos += 2; pos < ps->len; pos++)
            if (!wsm_is_space((unsigned char)ps->b[pos]))
                return 0;
        return 1;
    }
    int line_end = 0;
    for (; pos < ps->len; pos++) {
        if (ps->b[pos] != '\r' && ps->b[pos] != '\n')
            return 0;
        line_end |= ps->b[pos] == '\n';
    }
    return line_end;
}

/* After a (non-final) marker ending at pos: blanks and a line end (CR LF or LF). Returns the offset after
 * the line end, or 0. */
static size_t line_end_after(const struct parser *ps, size_t pos)
{
    while (pos < ps->len && is_blank((unsigned char)ps->b[pos]))
        pos++;
    if (pos < ps->len && ps->b[pos] == '\r')
        pos++;
    if (pos < ps->len && ps->b[pos] == '\n')
        return pos + 1;
    return 0;
}

struct meta {
    const char *protocol, *charset, *original;
    size_t protocol_len, charset_len, original_len;
    int has_length;
    size_t length;
    int length_bad; /* Length= present but not a decimal number that fits */
};

/* Reads the header lines of a metadata part [start, end): "Content-Type: <protocol>" and
 * "OriginalContent: type=...;charset=...;Length=N". Names in any case, with or without leading tabs,
 * CR LF or LF line ends; other lines are ignored. */
static void read_meta(const char *s, const char *end, struct meta *m)
{
    memset(m, 0, sizeof(*m));
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *line = s, *line_end = nl ? nl : end;
        s = nl ? nl + 1 : end;
        const char *colon = memchr(line, ':', (size_t)(line_end - line));
        if (!colon)
            continue;
        const char *name = line, *value = colon + 1;
        size_t name_len = (size_t)(colon - line), value_len = (size_t)(line_end - value);
        wsm_trim(&name, &name_len);
        wsm_trim(&value, &value_len);
        if (wsm_span_eq_nocase(name, name_len, "Content-Type") && !m->protocol) {
            /* the protocol, without any parameters */
            const char *semi = memchr(value, ';', value_len);
            m->protocol = value;
            m->protocol_len = semi ? (size_t)(semi - value) : value_len;
            wsm_trim(&m->protocol, &m->protocol_len);
        } else if (wsm_span_eq_nocase(name, name_len, "OriginalContent") && !m->original) {
            m->original = value;
            m->original_len = value_len;
            struct param pr;
            const char *p = value;
            while (next_param(&p, value + value_len, &pr)) {
                if (wsm_span_eq_nocase(pr.name, pr.name_len, "charset") && !m->charset) {
                    m->charset = pr.value;
                    m->charset_len = pr.value_len;
                } else if (wsm_span_eq_nocase(pr.name, pr.name_len, "Length") && !m->has_length) {
                    m->has_length = 1;
                    size_t v = 0;
                    m->length_bad = pr.value_len == 0;
                    for (size_t i = 0; i < pr.value_len; i++) {
                        unsigned d = (unsigned char)pr.value[i] - '0';
                        if (d > 9 || v > (SIZE_MAX / 2 - d) / 10) {
                            m->length_bad = 1;
                            break;
                        }
                        v = v * 10 + d;
                    }
                    m->length = v;
                }
            }
        }
    }
}

/* The octet-stream header line of a payload part starting at pos. Returns the offset of the first
 * binary byte (just after its LF), or 0; *line_len is the length of the line, for messages. */
static size_t payload_start(const struct parser *ps, size_t pos, size_t *line_len)
{
    size_t avail = ps->len - pos < ENC_LINE_MAX ? ps->len - pos : ENC_LINE_MAX;
    const char *line = ps->b + pos;
    const char *nl = memchr(line, '\n', avail);
    *line_len = nl ? (size_t)(nl - line) : avail;
    if (!nl)
        return 0;
    const char *colon = memchr(line, ':', *line_len);
    if (!colon)
        return 0;
    const char *name = line, *value = colon + 1;
    size_t name_len = (size_t)(colon - line), value_len = (size_t)(nl - value);
    wsm_trim(&name, &name_len);
    wsm_trim(&value, &value_len);
    if (!wsm_span_eq_nocase(name, name_len, "Content-Type") ||
        !wsm_span_eq_nocase(value, value_len, octet_stream))
        return 0;
    return (size_t)(nl - ps->b) + 1;
}

/* One (metadata, payload) pair header, starting just after the line end of the metadata's opening marker:
 * the metadata lines, the payload's marker and its octet-stream line. */
struct pair {
    size_t meta_start, meta_end; /* metadata header lines */
    size_t data_pos;             /* first byte after the octet-stream line (the LE32 field) */
    struct meta meta;
};

enum pair_result { PAIR_OK, PAIR_NO_META_END, PAIR_NO_PAYLOAD_LINE_END, PAIR_NO_OCTET_LINE };

static enum pair_result read_pair(const struct parser *ps, size_t pos, struct pair *pr, size_t *bad_line_len)
{
    size_t mstart, mend;
    memset(pr, 0, sizeof(*pr));
    pr->meta_start = pos;
    if (!find_marker(ps, pos, pos + ENC_META_MAX, &mstart, &mend))
        return PAIR_NO_META_END;
    pr->meta_end = mstart;
    read_meta(ps->b + pos, ps->b + mstart, &pr->meta);
    size_t p = line_end_after(ps, mend);
    if (!p)
        return PAIR_NO_PAYLOAD_LINE_END;
    pr->data_pos = payload_start(ps, p, bad_line_len);
    if (!pr->data_pos) {
        pr->data_pos = p; /* where the bad line starts, for the message */
        return PAIR_NO_OCTET_LINE;
    }
    return PAIR_OK;
}

enum cont { CONT_NO, CONT_YES, CONT_CUT };

/* Is what follows a marker ending at pos a valid continuation (see the comment at the top)? CONT_CUT: it
 * is the header of a next pair (metadata with a Length=) cut off by the end of the body, i.e. the body was
 * truncated there. Without this, a body cut just after the "--boundary" CR LF that opens a payload part
 * would pass for pywinrm's closing boundary without "--" and the data before would swallow a metadata
 * part. */
static enum cont continuation(const struct parser *ps, size_t pos)
{
    if (is_final(ps, pos))
        return CONT_YES;
    size_t p = line_end_after(ps, pos), dummy;
    if (!p)
        return CONT_NO;
    struct pair pr;
    enum pair_result r = read_pair(ps, p, &pr, &dummy);
    if (!pr.meta.has_length)
        return CONT_NO;
    if (r == PAIR_OK)
        return CONT_YES;
    /* the metadata was complete; does the body end before the payload's octet-stream line does? */
    if (r == PAIR_NO_PAYLOAD_LINE_END) {
        size_t q = marker_at(ps, pr.meta_end);
        while (q < ps->len && (is_blank((unsigned char)ps->b[q]) || ps->b[q] == '\r'))
            q++;
        return q >= ps->len ? CONT_CUT : CONT_NO;
    }
    size_t q = pr.data_pos; /* start of the incomplete line */
    return ps->len - q < ENC_LINE_MAX && !memchr(ps->b + q, '\n', ps->len - q) ? CONT_CUT : CONT_NO;
}

/* Where the data starting at data ends: the start and end of the marker after it. Returns CONT_YES when
 * found, CONT_CUT when the body turned out truncated after a marker, CONT_NO when no marker fits. */
static enum cont find_data_end(const struct parser *ps, size_t data, size_t length, size_t *mstart,
                               size_t *mend)
{
    if (length <= ps->len - data) {
        size_t e = marker_at(ps, data + length);
        enum cont c = e ? continuation(ps, e) : CONT_NO;
        if (c != CONT_NO) {
            *mstart = data + length;
            *mend = e;
            return c;
        }
    }
    size_t from = data;
    while (find_marker(ps, from, ps->len, mstart, mend)) {
        enum cont c = continuation(ps, *mend);
        if (c != CONT_NO)
            return c;
        from = *mstart + 1;
    }
    return CONT_NO;
}

/* The boundary parameter of the Content-Type; the default when absent or empty. */
static void ct_params(const char *ct, struct parser *ps, const char **protocol, size_t *protocol_len)
{
    const char *end = ct + strlen(ct), *p = ct;
    struct param pr;
    ps->bnd = WSM_ENC_BOUNDARY;
    ps->bnd_len = strlen(WSM_ENC_BOUNDARY);
    *protocol = NULL;
    *protocol_len = 0;
    while (next_param(&p, end, &pr)) {
        if (wsm_span_eq_nocase(pr.name, pr.name_len, "boundary") && pr.value_len) {
            ps->bnd = pr.value;
            ps->bnd_len = pr.value_len;
        } else if (wsm_span_eq_nocase(pr.name, pr.name_len, "protocol")) {
            *protocol = pr.value;
            *protocol_len = pr.value_len;
        }
    }
}

static void wipe_free(void *p, size_t n)
{
    if (p) {
        wsm_wipe(p, n);
        free(p);
    }
}

/* What wsm_encframe_parse carries from one part of a reply to the next. */
struct parse {
    struct parser ps;
    const char *expected; /* the request's protocol, NULL: any */
    wsm_unwrap_fn unwrap;
    void *ctx;
    size_t max_plain;
    struct wsm_quoted bq; /* the boundary, quoted for the texts */
    unsigned part;        /* the part being read, from 1 */
    size_t announced;     /* the sum of the Length= values so far */
    unsigned char *out;   /* the plaintext of the parts so far */
    size_t out_len, out_cap;
    char *cs; /* the charset of the first part */
};

/* Where the bytes of one part lie: the encryption header and the data, and the end of the marker after. */
struct part_span {
    size_t hdr, hdr_len, data, data_len, next;
};

/* Clears the outputs of wsm_encframe_parse and checks that none of its pointers is missing. */
static int32_t parse_args(const char *content_type, const void *body, size_t len, wsm_unwrap_fn unwrap,
                          char **plain, size_t *plain_len, char **charset, char **detail)
{
    if (detail)
        *detail = NULL;
    if (plain)
        *plain = NULL;
    if (plain_len)
        *plain_len = 0;
    if (charset)
        *charset = NULL;
    if (!content_type || !unwrap || !plain || !plain_len || !charset || (!body && len))
        return wsm_fail(detail, WSM_E_INVALIDARG, "wsm_encframe_parse was called with a NULL %s",
                        !content_type ? "content type"
                        : !unwrap     ? "unwrap function"
                        : !plain      ? "plaintext pointer"
                        : !plain_len  ? "length pointer"
                        : !charset    ? "charset pointer"
                                      : "body");
    return WSM_S_OK;
}

/* The Content-Type of the reply (encrypted, the expected protocol) and the first marker of its body:
 * *mend is the end of that marker. */
static int32_t parse_begin(struct parse *st, const char *content_type, size_t *mend, char **detail)
{
    struct wsm_quoted q, q2;
    if (!wsm_encframe_is_encrypted(content_type))
        return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                        "the reply is not encrypted: its Content-Type is \"%s\", not multipart/encrypted or "
                        "multipart/x-multi-encrypted",
                        wsm_quote_str(&q, content_type));
    const char *ct_protocol;
    size_t ct_protocol_len, len = st->ps.len;
    ct_params(content_type, &st->ps, &ct_protocol, &ct_protocol_len);
    if (st->expected && ct_protocol && !wsm_span_eq_nocase(ct_protocol, ct_protocol_len, st->expected))
        return wsm_fail(
            detail, WSM_SEC_E_INVALID_TOKEN,
            "the reply is encrypted with protocol \"%s\" (Content-Type), but the request used \"%s\"",
            wsm_quote(&q, ct_protocol, ct_protocol_len), wsm_quote_str(&q2, st->expected));
    if (len == 0)
        return wsm_fail(detail, WSM_SEC_E_INCOMPLETE_MESSAGE, "the encrypted reply is empty");
    wsm_quote(&st->bq, st->ps.bnd, st->ps.bnd_len);

    /* leading white space before the first marker is tolerated */
    size_t pos = 0;
    while (pos < len && wsm_is_space((unsigned char)st->ps.b[pos]))
        pos++;
    if (!(*mend = marker_at(&st->ps, pos)))
        return wsm_fail(detail, WSM_SEC_E_INCOMPLETE_MESSAGE,
                        "the encrypted reply (%zu bytes) does not start with the boundary \"--%s\"", len,
                        st->bq.text);
    return WSM_S_OK;
}

/* The checks of a part's metadata: its Length=, its protocol. */
static int32_t check_meta(const struct parse *st, const struct meta *m, char **detail)
{
    struct wsm_quoted q, q2;
    if (!m->has_length || m->length_bad) {
        if (m->original)
            return wsm_fail(detail, WSM_SEC_E_INCOMPLETE_MESSAGE,
                            "the OriginalContent header of encrypted part %u, \"%s\", has %s", st->part,
                            wsm_quote(&q, m->original, m->original_len),
                            m->has_length ? "a Length= that is not a decimal number" : "no Length=");
        return wsm_fail(detail, WSM_SEC_E_INCOMPLETE_MESSAGE,
                        "the metadata of encrypted part %u has no OriginalContent header (with Length=)",
                        st->part);
    }
    if (st->expected && !m->protocol)
        return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                        "the metadata of encrypted part %u has no Content-Type header naming the protocol",
                        st->part);
    if (st->expected && !wsm_span_eq_nocase(m->protocol, m->protocol_len, st->expected))
        return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                        "encrypted part %u of the reply uses protocol \"%s\", but the request used \"%s\"",
                        st->part, wsm_quote(&q, m->protocol, m->protocol_len),
                        wsm_quote_str(&q2, st->expected));
    return WSM_S_OK;
}

/* Reads the part headers that follow the line end at p into *pr, with the failures of read_pair in words. */
static int32_t parse_pair(const struct parse *st, size_t p, struct pair *pr, char **detail)
{
    struct wsm_quoted q;
    size_t line_len = 0;
    enum pair_result r = read_pair(&st->ps, p, pr, &line_len);
    if (r == PAIR_NO_META_END) {
        size_t left = st->ps.len - p;
        return wsm_fail(
            detail, WSM_SEC_E_INCOMPLETE_MESSAGE,
            "the encrypted reply ends inside the metadata of part %u: no boundary \"--%s\" within "
            "%zu bytes after byte %zu",
            st->part, st->bq.text, left < ENC_META_MAX ? left : (size_t)ENC_META_MAX, p);
    }
    int32_t hr = check_meta(st, &pr->meta, detail);
    if (hr != WSM_S_OK)
        return hr;
    if (r == PAIR_NO_PAYLOAD_LINE_END)
        return wsm_fail(detail, WSM_SEC_E_INCOMPLETE_MESSAGE,
                        "the encrypted reply has no line end after the boundary that opens the payload of "
                        "part %u",
                        st->part);
    if (r == PAIR_NO_OCTET_LINE)
        return wsm_fail(detail, WSM_SEC_E_INCOMPLETE_MESSAGE,
                        "the payload of encrypted part %u does not start with a complete "
                        "\"Content-Type: %s\" line: \"%s\"",
                        st->part, octet_stream, wsm_quote(&q, st->ps.b + pr->data_pos, line_len));
    return WSM_S_OK;
}

/* Takes the charset of the first part and adds the part's Length= to the announced total, which the cap
 * is checked against before any decryption work. */
static int32_t account(struct parse *st, const struct meta *m, char **detail)
{
    if (!st->cs) {
        st->cs = m->charset ? wsm_strndup(m->charset, m->charset_len) : wsm_strdup("UTF-8");
        if (!st->cs)
            return wsm_fail(detail, WSM_E_OUTOFMEMORY, "out of memory");
    }
    if (m->length > SIZE_MAX / 2 - st->announced ||
        (st->max_plain && st->announced + m->length > st->max_plain))
        return wsm_fail(
            detail, ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED,
            "the encrypted reply announces %zu bytes of plaintext in parts 1 to %u, more than the "
            "maximum of %zu bytes",
            st->announced + m->length, st->part, st->max_plain);
    st->announced += m->length;
    return WSM_S_OK;
}

/* The 4-byte header length at d, the header, and where the data ends (find_data_end). */
static int32_t locate_data(const struct parse *st, size_t d, size_t length, struct part_span *sp,
                           char **detail)
{
    size_t len = st->ps.len, ms, me;
    if (len - d < 4)
        return wsm_fail(detail, WSM_SEC_E_INCOMPLETE_MESSAGE,
                        "the encrypted reply ends inside part %u: %zu of the 4 bytes of the header length "
                        "present",
                        st->part, len - d);
    const unsigned char *u = (const unsigned char *)st->ps.b + d;
    sp->hdr_len = (size_t)u[0] | (size_t)u[1] << 8 | (size_t)u[2] << 16 | (size_t)u[3] << 24;
    sp->hdr = d + 4;
    if (sp->hdr_len > len - sp->hdr)
        return wsm_fail(
            detail, WSM_SEC_E_INCOMPLETE_MESSAGE,
            "the encrypted reply ends inside part %u: %zu bytes of encryption header announced by "
            "the header length, %zu present",
            st->part, sp->hdr_len, len - sp->hdr);
    sp->data = sp->hdr + sp->hdr_len;
    enum cont c = find_data_end(&st->ps, sp->data, length, &ms, &me);
    if (c == CONT_CUT)
        return wsm_fail(
            detail, WSM_SEC_E_INCOMPLETE_MESSAGE,
            "the encrypted reply ends inside the header of part %u (after the boundary at byte %zu)",
            st->part + 1, ms);
    if (c == CONT_NO)
        return wsm_fail(detail, WSM_SEC_E_INCOMPLETE_MESSAGE,
                        "the encrypted reply ends inside part %u: no boundary \"--%s\" closes its data "
                        "(%zu bytes after the %zu-byte header; Length=%zu)",
                        st->part, st->bq.text, len - sp->data, sp->hdr_len, length);
    /* Encryption never shrinks a message (NTLM and Kerberos keep its length, CredSSP's TLS records add to
     * it), so data shorter than Length= was cut off on the way. */
    sp->data_len = ms - sp->data;
    sp->next = me;
    if (sp->data_len < length)
        return wsm_fail(detail, WSM_SEC_E_INCOMPLETE_MESSAGE,
                        "the encrypted data of part %u is %zu bytes, fewer than its Length=%zu: the message "
                        "was cut short",
                        st->part, sp->data_len, length);
    return WSM_S_OK;
}

/* Appends pt to the plaintext so far (growing geometrically, wiping the old copy) and wipes pt. */
static int32_t append_plain(struct parse *st, unsigned char *pt, size_t pt_len, char **detail)
{
    if (st->out_cap - st->out_len < pt_len + 1) {
        size_t cap = st->out_len + pt_len + 1;
        if (cap < st->out_cap * 2)
            cap = st->out_cap * 2;
        unsigned char *grown = malloc(cap);
        if (!grown) {
            wipe_free(pt, pt_len);
            return wsm_fail(detail, WSM_E_OUTOFMEMORY, "out of memory for %zu bytes of plaintext", cap);
        }
        if (st->out_len)
            memcpy(grown, st->out, st->out_len);
        wipe_free(st->out, st->out_cap);
        st->out = grown;
        st->out_cap = cap;
    }
    if (pt_len)
        memcpy(st->out + st->out_len, pt, pt_len);
    st->out_len += pt_len;
    wipe_free(pt, pt_len);
    return WSM_S_OK;
}

/* Unwraps the part and appends its plaintext, which must be exactly Length= bytes. */
static int32_t unwrap_part(struct parse *st, const struct part_span *sp, size_t length, char **detail)
{
    unsigned char *pt = NULL;
    size_t pt_len = 0;
    char *ud = NULL;
    int32_t hr = st->unwrap(st->ctx, st->ps.b + sp->hdr, sp->hdr_len, st->ps.b + sp->data, sp->data_len, &pt,
                            &pt_len, detail ? &ud : NULL);
    if (hr != WSM_S_OK) {
        wipe_free(pt, 0);
        /* keep the unwrap's own code; its sentence gets the part number in front when memory allows */
        if (detail && wsm_fail(detail, hr, "encrypted part %u of the reply cannot be decrypted: %s", st->part,
                               ud ? ud : "the unwrap failed") != hr) {
            *detail = ud;
            ud = NULL;
        }
        free(ud);
        return hr;
    }
    free(ud);
    if (pt_len != length) {
        wipe_free(pt, pt_len);
        return wsm_fail(detail, WSM_SEC_E_MESSAGE_ALTERED,
                        "encrypted part %u of the reply decrypts to %zu bytes, but its OriginalContent "
                        "announces Length=%zu",
                        st->part, pt_len, length);
    }
    if (pt_len && !pt)
        return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR, "the unwrap of part %u returned no data", st->part);
    return append_plain(st, pt, pt_len, detail);
}

/* One part after its (non-final) opening marker, which ends at *mend; *mend becomes the end of the next. */
static int32_t parse_part(struct parse *st, size_t *mend, char **detail)
{
    size_t p = line_end_after(&st->ps, *mend);
    if (!p)
        return wsm_fail(detail, WSM_SEC_E_INCOMPLETE_MESSAGE,
                        "the encrypted reply has no line end after the boundary at byte %zu (before part %u)",
                        *mend, st->part);
    struct pair pr;
    struct part_span sp = {0, 0, 0, 0, 0};
    int32_t hr = parse_pair(st, p, &pr, detail);
    if (hr == WSM_S_OK)
        hr = account(st, &pr.meta, detail);
    if (hr == WSM_S_OK)
        hr = locate_data(st, pr.data_pos, pr.meta.length, &sp, detail);
    if (hr == WSM_S_OK)
        hr = unwrap_part(st, &sp, pr.meta.length, detail);
    if (hr == WSM_S_OK)
        *mend = sp.next;
    return hr;
}

int32_t wsm_encframe_parse(const char *content_type, const void *body, size_t len,
                           const char *expected_protocol, wsm_unwrap_fn unwrap, void *ctx, size_t max_plain,
                           char **plain, size_t *plain_len, char **charset, char **detail)
{
    int32_t hr = parse_args(content_type, body, len, unwrap, plain, plain_len, charset, detail);
    if (hr != WSM_S_OK)
        return hr;
    struct parse st;
    memset(&st, 0, sizeof(st));
    st.ps.b = body;
    st.ps.len = len;
    st.expected = expected_protocol;
    st.unwrap = unwrap;
    st.ctx = ctx;
    st.max_plain = max_plain;
    size_t mend = 0;
    if ((hr = parse_begin(&st, content_type, &mend, detail)) != WSM_S_OK)
        return hr;
    while (!is_final(&st.ps, mend)) {
        st.part++;
        if ((hr = parse_part(&st, &mend, detail)) != WSM_S_OK)
            break;
    }
    if (hr == WSM_S_OK && st.part == 0)
        hr = wsm_fail(detail, WSM_SEC_E_INCOMPLETE_MESSAGE,
                      "the encrypted reply (%zu bytes) holds no encrypted part", len);
    if (hr != WSM_S_OK) {
        wipe_free(st.out, st.out_cap);
        free(st.cs);
        return hr;
    }
    st.out[st.out_len] = '\0';
    *plain = (char *)st.out;
    *plain_len = st.out_len;
    *charset = st.cs;
    return WSM_S_OK;
}
