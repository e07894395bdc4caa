/*
 * TSRequest, TSCredentials and TSPasswordCreds in DER ([MS-CSSP] 2.2.1, ITU-T X.690 §8 and §10).
 *
 * Hand-written rather than with OpenSSL's ASN.1 templates: this file is built into the Windows DLL too,
 * which has no OpenSSL (it uses Schannel and BCrypt), and the three structures need only SEQUENCE,
 * context tags [0]..[5], INTEGER and OCTET STRING. The decoder is strict on purpose (the bytes come from a
 * server that has not proven who it is yet): definite minimal lengths only, each length inside its parent,
 * nothing after the outer SEQUENCE, fields in ascending tag order.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "detail.h"
#include "gssauth.h"
#include "tsrequest.h"
#include "utf.h"

#define TAG_INTEGER 0x02
#define TAG_OCTET_STRING 0x04
#define TAG_SEQUENCE 0x30
#define TAG_CTX(n) (0xA0 | (n)) /* [n] EXPLICIT, constructed */

/* ---- encoding ---- */

/* Bytes of the DER length field for a content of n bytes (X.690 §8.1.3, §10.1). */
static size_t len_size(size_t n)
{
    size_t s = 1;
    if (n < 0x80)
        return 1;
    for (; n; n >>= 8)
        s++;
    return s;
}

static size_t tlv_size(size_t n)
{
    return 1 + len_size(n) + n;
}

static unsigned char *put_hdr(unsigned char *p, unsigned char tag, size_t n)
{
    size_t ls = len_size(n);
    *p++ = tag;
    if (ls == 1) {
        *p++ = (unsigned char)n;
        return p;
    }
    *p++ = (unsigned char)(0x80 | (ls - 1));
    for (size_t i = ls - 1; i > 0; i--)
        *p++ = (unsigned char)(n >> (8 * (i - 1)));
    return p;
}

/* The minimal two's-complement content octets of v (X.690 §8.3.2). */
static size_t int_bytes(int64_t v, unsigned char out[9])
{
    unsigned char b[8];
    size_t i = 0, n = 8;
    for (int k = 7; k >= 0; k--)
        b[7 - k] = (unsigned char)((uint64_t)v >> (8 * k));
    while (i < 7 && ((b[i] == 0x00 && !(b[i + 1] & 0x80)) || (b[i] == 0xFF && (b[i + 1] & 0x80))))
        i++;
    n = 8 - i;
    memcpy(out, b + i, n);
    return n;
}

/* [tag] EXPLICIT INTEGER */
static size_t ctx_int_size(int64_t v)
{
    unsigned char b[9];
    return tlv_size(tlv_size(int_bytes(v, b)));
}

static unsigned char *put_ctx_int(unsigned char *p, int n, int64_t v)
{
    unsigned char b[9];
    size_t k = int_bytes(v, b);
    p = put_hdr(p, (unsigned char)TAG_CTX(n), tlv_size(k));
    p = put_hdr(p, TAG_INTEGER, k);
    memcpy(p, b, k);
    return p + k;
}

/* [tag] EXPLICIT OCTET STRING */
static size_t ctx_octets_size(size_t n)
{
    return tlv_size(tlv_size(n));
}

static unsigned char *put_ctx_octets(unsigned char *p, int n, const void *data, size_t len)
{
    p = put_hdr(p, (unsigned char)TAG_CTX(n), tlv_size(len));
    p = put_hdr(p, TAG_OCTET_STRING, len);
    if (len)
        memcpy(p, data, len);
    return p + len;
}

/* Sizes above this are refused outright (a TSRequest is a few KiB; it also keeps the sums from wrapping). */
#define MAX_FIELD ((size_t)1 << 28)

int32_t wsm_tsrequest_encode(const struct wsm_tsrequest *r, unsigned char **out, size_t *out_len,
                             char **detail)
{
    size_t body, nego = 0, total;
    unsigned char *buf, *p;

    *out = NULL;
    *out_len = 0;
    if (r->nego_token_len > MAX_FIELD || r->auth_info_len > MAX_FIELD || r->pub_key_auth_len > MAX_FIELD ||
        r->client_nonce_len > MAX_FIELD)
        return wsm_fail(detail, WSM_E_INVALIDARG, "A CredSSP TSRequest field is too large to encode.");
    body = ctx_int_size(r->version);
    if (r->nego_token) {
        /* [1] NegoData ::= SEQUENCE OF SEQUENCE { negoToken [0] OCTET STRING } */
        nego = tlv_size(tlv_size(ctx_octets_size(r->nego_token_len)));
        body += tlv_size(nego);
    }
    if (r->auth_info)
        body += ctx_octets_size(r->auth_info_len);
    if (r->pub_key_auth)
        body += ctx_octets_size(r->pub_key_auth_len);
    if (r->has_error_code)
        body += ctx_int_size((int32_t)r->error_code);
    if (r->client_nonce)
        body += ctx_octets_size(r->client_nonce_len);
    total = tlv_size(body);
    if (!(buf = malloc(total)))
        return wsm_fail(detail, WSM_E_OUTOFMEMORY, "Out of memory encoding a CredSSP TSRequest.");
    p = put_hdr(buf, TAG_SEQUENCE, body);
    p = put_ctx_int(p, 0, r->version);
    if (r->nego_token) {
        p = put_hdr(p, TAG_CTX(1), nego);
        p = put_hdr(p, TAG_SEQUENCE, tlv_size(ctx_octets_size(r->nego_token_len)));
        p = put_hdr(p, TAG_SEQUENCE, ctx_octets_size(r->nego_token_len));
        p = put_ctx_octets(p, 0, r->nego_token, r->nego_token_len);
    }
    if (r->auth_info)
        p = put_ctx_octets(p, 2, r->auth_info, r->auth_info_len);
    if (r->pub_key_auth)
        p = put_ctx_octets(p, 3, r->pub_key_auth, r->pub_key_auth_len);
    if (r->has_error_code)
        p = put_ctx_int(p, 4, (int32_t)r->error_code); /* NTSTATUS 0xC000006D goes as a negative INTEGER */
    if (r->client_nonce)
        p = put_ctx_octets(p, 5, r->client_nonce, r->client_nonce_len);
    if ((size_t)(p - buf) != total) {
        free(buf);
        return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR, "The CredSSP TSRequest encoder miscounted.");
    }
    *out = buf;
    *out_len = total;
    return WSM_S_OK;
}

/* ---- decoding ---- */

struct cur {
    const unsigned char *p;
    size_t n;
};

/* Reads one TLV with the expected tag from c; *v is its content. Any deviation from DER is refused. */
static int32_t read_tlv(struct cur *c, unsigned char tag, struct cur *v, const char *what, char **detail)
{
    size_t len = 0, hdr = 2;

    if (c->n < 2)
        return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN, "The CredSSP message ends where %s should be.",
                        what);
    if (c->p[0] != tag)
        return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                        "The CredSSP message has tag 0x%02X where %s (tag 0x%02X) should be.", c->p[0], what,
                        tag);
    if (c->p[1] < 0x80) {
        len = c->p[1];
    } else {
        size_t k = c->p[1] & 0x7F;
        if (k == 0 || k > 4)
            return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN, "The length of %s in the CredSSP message is %s.",
                            what, k ? "longer than 4 bytes" : "indefinite (not DER)");
        if (c->n < 2 + k)
            return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                            "The CredSSP message ends inside the length of %s.", what);
        if (c->p[2] == 0)
            return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                            "The length of %s in the CredSSP message has a leading zero byte (not DER).",
                            what);
        for (size_t i = 0; i < k; i++)
            len = len << 8 | c->p[2 + i];
        if (len < 0x80)
            return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                            "The length of %s in the CredSSP message is in the long form for a value under "
                            "128 (not DER).",
                            what);
        hdr = 2 + k;
    }
    if (len > c->n - hdr)
        return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                        "The length of %s in the CredSSP message (%zu bytes) runs past the end of its "
                        "container (%zu bytes left).",
                        what, len, c->n - hdr);
    v->p = c->p + hdr;
    v->n = len;
    c->p += hdr + len;
    c->n -= hdr + len;
    return WSM_S_OK;
}

static int32_t no_rest(const struct cur *c, const char *what, char **detail)
{
    if (c->n)
        return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                        "%zu unexpected bytes follow %s in the CredSSP message.", c->n, what);
    return WSM_S_OK;
}

/* [n] EXPLICIT INTEGER whose value fits -2^31 .. 2^32-1; *v is the 32-bit pattern. */
static int32_t read_ctx_int(struct cur *field, uint32_t *v, int *negative, const char *what, char **detail)
{
    struct cur i = {0};
    int64_t x;
    int32_t hr;

    if ((hr = read_tlv(field, TAG_INTEGER, &i, what, detail)) || (hr = no_rest(field, what, detail)))
        return hr;
    if (i.n == 0 || i.n > 5)
        return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                        "The INTEGER %s in the CredSSP message has %zu bytes (1 to 5 expected).", what, i.n);
    if (i.n > 1 && ((i.p[0] == 0 && !(i.p[1] & 0x80)) || (i.p[0] == 0xFF && (i.p[1] & 0x80))))
        return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                        "The INTEGER %s in the CredSSP message is not minimally encoded (not DER).", what);
    x = (i.p[0] & 0x80) ? -1 : 0;
    for (size_t k = 0; k < i.n; k++)
        x = (int64_t)((uint64_t)x << 8 | i.p[k]);
    if (x < INT32_MIN || x > (int64_t)UINT32_MAX)
        return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                        "The INTEGER %s in the CredSSP message is out of range.", what);
    *v = (uint32_t)x;
    if (negative)
        *negative = x < 0;
    return WSM_S_OK;
}

static int32_t read_ctx_octets(struct cur *field, const unsigned char **p, size_t *n, const char *what,
                               char **detail)
{
    struct cur o = {0};
    int32_t hr;

    if ((hr = read_tlv(field, TAG_OCTET_STRING, &o, what, detail)) || (hr = no_rest(field, what, detail)))
        return hr;
    *p = o.p;
    *n = o.n;
    return WSM_S_OK;
}

static int32_t read_nego_data(struct cur *field, struct wsm_tsrequest *r, char **detail)
{
    struct cur seqof, item, tok;
    int32_t hr;
    int first = 1;

    if ((hr = read_tlv(field, TAG_SEQUENCE, &seqof, "negoTokens (NegoData)", detail)) ||
        (hr = no_rest(field, "negoTokens", detail)))
        return hr;
    if (!seqof.n)
        return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN, "The negoTokens of the CredSSP message are empty.");
    while (seqof.n) {
        const unsigned char *p;
        size_t n;
        if ((hr = read_tlv(&seqof, TAG_SEQUENCE, &item, "a NegoData item", detail)) ||
            (hr = read_tlv(&item, TAG_CTX(0), &tok, "negoToken", detail)) ||
            (hr = no_rest(&item, "negoToken", detail)) ||
            (hr = read_ctx_octets(&tok, &p, &n, "negoToken", detail)))
            return hr;
        if (first) {
            r->nego_token = p;
            r->nego_token_len = n;
            first = 0;
        }
    }
    return WSM_S_OK;
}

int32_t wsm_tsrequest_decode(const void *in, size_t in_len, struct wsm_tsrequest *r, char **detail)
{
    struct cur all = {in, in_len}, seq, field;
    int last = -1;
    int32_t hr;

    memset(r, 0, sizeof(*r));
    if (!in)
        return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN, "The CredSSP message is empty.");
    if ((hr = read_tlv(&all, TAG_SEQUENCE, &seq, "the TSRequest SEQUENCE", detail)) ||
        (hr = no_rest(&all, "the TSRequest", detail)))
        goto fail;
    while (seq.n) {
        int tag = seq.p[0] - 0xA0;
        if (tag < 0 || tag > 5 || tag <= last) {
            hr =
                wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                         "The TSRequest has an unknown, repeated or misplaced field (tag 0x%02X).", seq.p[0]);
            goto fail;
        }
        static const char *const names[] = {"version",    "negoTokens", "authInfo",
                                            "pubKeyAuth", "errorCode",  "clientNonce"};
        if ((hr = read_tlv(&seq, (unsigned char)TAG_CTX(tag), &field, names[tag], detail)))
            goto fail;
        last = tag;
        switch (tag) {
        case 0: {
            int neg = 0;
            if ((hr = read_ctx_int(&field, &r->version, &neg, "version", detail)))
                goto fail;
            if (neg || r->version == 0 || r->version > INT32_MAX) {
                hr =
                    wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN, "The TSRequest version is not a valid number.");
                goto fail;
            }
            break;
        }
        case 1:
            hr = read_nego_data(&field, r, detail);
            break;
        case 2:
            hr = read_ctx_octets(&field, &r->auth_info, &r->auth_info_len, "authInfo", detail);
            break;
        case 3:
            hr = read_ctx_octets(&field, &r->pub_key_auth, &r->pub_key_auth_len, "pubKeyAuth", detail);
            break;
        case 4:
            hr = read_ctx_int(&field, &r->error_code, NULL, "errorCode", detail);
            r->has_error_code = !hr;
            break;
        case 5:
            if (!(hr = read_ctx_octets(&field, &r->client_nonce, &r->client_nonce_len, "clientNonce",
                                       detail)) &&
                r->client_nonce_len != WSM_TSREQUEST_NONCE_LEN)
                hr = wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                              "The TSRequest clientNonce has %zu bytes instead of %d.", r->client_nonce_len,
                              WSM_TSREQUEST_NONCE_LEN);
            break;
        }
        if (hr)
            goto fail;
    }
    if (last < 0 || r->version == 0) {
        hr = wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN, "The TSRequest has no version field.");
        goto fail;
    }
    return WSM_S_OK;
fail:
    memset(r, 0, sizeof(*r));
    return hr;
}

/* ---- TSCredentials ---- */

/* UTF-8 → UTF-16LE; *out malloc'd (NULL-free even for ""), *out_len bytes. 0 when s is not UTF-8. */
static int utf8_to_utf16le(const char *s, unsigned char **out, size_t *out_len)
{
    size_t n = strlen(s), o = 0;
    unsigned char *b = malloc(n * 4 + 1); /* each byte gives at most one UTF-16 unit, 4 bytes per pair */

    *out = NULL;
    *out_len = 0;
    if (!b)
        return -1;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        uint16_t units[2];
        size_t k = wsm_utf8_char((const unsigned char *)s + i, n - i, &cp);
        if (!k)
            goto bad;
        i += k;
        for (size_t u = 0, nu = wsm_utf16_encode(cp, units); u < nu; u++) {
            b[o++] = (unsigned char)units[u];
            b[o++] = (unsigned char)(units[u] >> 8);
        }
    }
    *out = b;
    *out_len = o;
    return 1;
bad:
    wsm_wipe(b, n * 4 + 1);
    free(b);
    return 0;
}

/* UTF-16LE → UTF-8, malloc'd; NULL when not valid UTF-16 (or out of memory: *oom set). */
static char *utf16le_to_utf8(const unsigned char *p, size_t n, int *oom)
{
    char *s, *o;

    *oom = 0;
    if (n % 2)
        return NULL;
    if (!(s = malloc(n / 2 * 3 + 1))) {
        *oom = 1;
        return NULL;
    }
    o = s;
    for (size_t i = 0, step; i < n; i += step) {
        uint32_t cp;

        step = wsm_utf16_bytes_decode(p + i, n - i, 0, &cp);
        if (cp == WSM_UTF8_BAD)
            goto bad;
        o += wsm_utf8_encode(cp, o);
    }
    *o = '\0';
    return s;
bad:
    wsm_wipe(s, n / 2 * 3 + 1);
    free(s);
    return NULL;
}

int32_t wsm_tscredentials_encode_password(const char *domain, const char *user, const char *password,
                                          unsigned char **out, size_t *out_len, char **detail)
{
    const char *in[3] = {domain ? domain : "", user ? user : "", password ? password : ""};
    static const char *const names[3] = {"domain name", "user name", "password"};
    unsigned char *w[3] = {NULL, NULL, NULL}, *buf = NULL, *p;
    size_t wl[3] = {0, 0, 0}, pc_body = 0, pc, cr_body, total = 0;
    int32_t hr = WSM_S_OK;

    *out = NULL;
    *out_len = 0;
    for (int i = 0; i < 3; i++) {
        int r = utf8_to_utf16le(in[i], &w[i], &wl[i]);
        if (r <= 0) {
            hr = r < 0
                     ? wsm_fail(detail, WSM_E_OUTOFMEMORY, "Out of memory encoding CredSSP credentials.")
                     : wsm_fail(detail, WSM_E_INVALIDARG, "The %s for CredSSP is not valid UTF-8.", names[i]);
            goto done;
        }
        if (wl[i] > MAX_FIELD) {
            hr = wsm_fail(detail, WSM_E_INVALIDARG, "The %s for CredSSP is too long.", names[i]);
            goto done;
        }
        pc_body += ctx_octets_size(wl[i]);
    }
    /* TSPasswordCreds, then TSCredentials{credType [0] 1, credentials [1] OCTET STRING(TSPasswordCreds)} */
    pc = tlv_size(pc_body);
    cr_body = ctx_int_size(1) + ctx_octets_size(pc);
    total = tlv_size(cr_body);
    if (!(buf = malloc(total))) {
        hr = wsm_fail(detail, WSM_E_OUTOFMEMORY, "Out of memory encoding CredSSP credentials.");
        goto done;
    }
    p = put_hdr(buf, TAG_SEQUENCE, cr_body);
    p = put_ctx_int(p, 0, 1);
    p = put_hdr(p, TAG_CTX(1), tlv_size(pc));
    p = put_hdr(p, TAG_OCTET_STRING, pc);
    p = put_hdr(p, TAG_SEQUENCE, pc_body);
    for (int i = 0; i < 3; i++)
        p = put_ctx_octets(p, i, w[i], wl[i]);
    *out = buf;
    *out_len = total;
done:
    for (int i = 0; i < 3; i++) {
        if (w[i])
            wsm_wipe(w[i], wl[i]);
        free(w[i]);
    }
    return hr;
}

int32_t wsm_tscredentials_decode_password(const void *in, size_t in_len, char **domain, char **user,
                                          char **password, char **detail)
{
    struct cur all = {in, in_len}, seq, f, pcs, pcseq;
    char **outs[3] = {domain, user, password};
    static const char *const names[3] = {"domainName", "userName", "password"};
    const unsigned char *p;
    size_t n;
    uint32_t type;
    int32_t hr;

    *domain = *user = *password = NULL;
    if ((hr = read_tlv(&all, TAG_SEQUENCE, &seq, "the TSCredentials SEQUENCE", detail)) ||
        (hr = no_rest(&all, "the TSCredentials", detail)) ||
        (hr = read_tlv(&seq, TAG_CTX(0), &f, "credType", detail)) ||
        (hr = read_ctx_int(&f, &type, NULL, "credType", detail)))
        return hr;
    if (type != 1)
        return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                        "The TSCredentials carry credType %u, not 1 (password).", (unsigned)type);
    if ((hr = read_tlv(&seq, TAG_CTX(1), &f, "credentials", detail)) ||
        (hr = no_rest(&seq, "credentials", detail)) ||
        (hr = read_ctx_octets(&f, &p, &n, "credentials", detail)))
        return hr;
    pcs.p = p;
    pcs.n = n;
    if ((hr = read_tlv(&pcs, TAG_SEQUENCE, &pcseq, "the TSPasswordCreds SEQUENCE", detail)) ||
        (hr = no_rest(&pcs, "the TSPasswordCreds", detail)))
        return hr;
    for (int i = 0; i < 3; i++) {
        int oom;
        if ((hr = read_tlv(&pcseq, (unsigned char)TAG_CTX(i), &f, names[i], detail)) ||
            (hr = read_ctx_octets(&f, &p, &n, names[i], detail)))
            break;
        if (!(*outs[i] = utf16le_to_utf8(p, n, &oom))) {
            hr = oom ? wsm_fail(detail, WSM_E_OUTOFMEMORY, "Out of memory.")
                     : wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                                "The %s of the TSPasswordCreds is not UTF-16.", names[i]);
            break;
        }
    }
    if (!hr)
        hr = no_rest(&pcseq, "the password", detail);
    if (hr) {
        for (int i = 0; i < 3; i++) {
            if (*outs[i])
                wsm_wipe_free(*outs[i]);
            *outs[i] = NULL;
        }
    }
    return hr;
}

int32_t wsm_tscredentials_split_user(const char *name, char **domain, char **user, char **detail)
{
    const char *bs = name ? strchr(name, '\\') : NULL;

    *domain = *user = NULL;
    if (!name || !*name)
        return wsm_fail(detail, WSM_E_INVALIDARG, "CredSSP needs a user name.");
    if (bs && (bs == name || !bs[1] || strchr(bs + 1, '\\')))
        return wsm_fail(detail, WSM_E_INVALIDARG,
                        "The user name for CredSSP must be \"DOMAIN\\user\", \"user@REALM\" or \"user\".");
    *domain = bs ? wsm_strndup(name, (size_t)(bs - name)) : wsm_strdup("");
    *user = wsm_strdup(bs ? bs + 1 : name);
    if (!*domain || !*user) {
        free(*domain);
        free(*user);
        *domain = *user = NULL;
        return wsm_fail(detail, WSM_E_OUTOFMEMORY, "Out of memory.");
    }
    return WSM_S_OK;
}
