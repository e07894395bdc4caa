/*
 * HTTP Digest access authentication (digest.h): RFC 7616 §3.4 (MD5, MD5-sess, SHA-256, SHA-256-sess;
 * qop=auth, or none as in RFC 2069). The hashes come from the platform: BCrypt on Windows, OpenSSL elsewhere.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#include <bcrypt.h>
#else
#include <openssl/evp.h>
#endif

#include "core.h"
#include "detail.h"
#include "digest.h"

enum digest_alg { DIGEST_MD5, DIGEST_MD5_SESS, DIGEST_SHA256, DIGEST_SHA256_SESS };

struct wsm_digest {
    int ready;
    enum digest_alg alg;
    int qop; /* qop=auth (else none: RFC 2069 compatibility) */
    char *realm, *nonce, *opaque;
    char cnonce[65]; /* ours: 32 hex digits; a test may give a longer one */
    unsigned long nc;
    char ha1[65]; /* hex, wiped; for -sess the session key for this nonce/cnonce */
};

struct wsm_digest *wsm_digest_new(void)
{
    return calloc(1, sizeof(struct wsm_digest));
}

void wsm_digest_forget(struct wsm_digest *d)
{
    d->ready = 0;
    free(d->realm);
    free(d->nonce);
    free(d->opaque);
    d->realm = d->nonce = d->opaque = NULL;
    wsm_wipe(d->ha1, sizeof(d->ha1));
    d->nc = 0;
}

void wsm_digest_free(struct wsm_digest *d)
{
    if (!d)
        return;
    wsm_digest_forget(d);
    free(d);
}

int wsm_digest_ready(const struct wsm_digest *d)
{
    return d && d->ready;
}

/* ---- hashes ---- */

static int is_sha256(enum digest_alg alg)
{
    return alg == DIGEST_SHA256 || alg == DIGEST_SHA256_SESS;
}

/* The raw hash of the concatenation of the NULL-terminated list of strings into out (32 bytes room); its
 * length, 0 on failure. */
static size_t hash_raw(enum digest_alg alg, unsigned char *out, const char *const *parts)
{
#ifdef _WIN32
    BCRYPT_ALG_HANDLE ah = NULL;
    BCRYPT_HASH_HANDLE hh = NULL;
    DWORD size = 0, got = 0;
    size_t done = 0;

    if (BCryptOpenAlgorithmProvider(&ah, is_sha256(alg) ? BCRYPT_SHA256_ALGORITHM : BCRYPT_MD5_ALGORITHM,
                                    NULL, 0) < 0)
        return 0;
    if (BCryptGetProperty(ah, BCRYPT_HASH_LENGTH, (PUCHAR)&size, sizeof(size), &got, 0) < 0 || size > 32 ||
        BCryptCreateHash(ah, &hh, NULL, 0, NULL, 0, 0) < 0)
        goto out;
    for (const char *const *p = parts; *p; p++)
        if (**p && BCryptHashData(hh, (PUCHAR)*p, (ULONG)strlen(*p), 0) < 0)
            goto out;
    if (BCryptFinishHash(hh, out, size, 0) >= 0)
        done = size;
out:
    if (hh)
        BCryptDestroyHash(hh);
    BCryptCloseAlgorithmProvider(ah, 0);
    return done;
#else
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int size = 0;
    size_t done = 0;

    if (!ctx)
        return 0;
    if (EVP_DigestInit_ex(ctx, is_sha256(alg) ? EVP_sha256() : EVP_md5(), NULL) != 1)
        goto out;
    for (const char *const *p = parts; *p; p++)
        if (**p && EVP_DigestUpdate(ctx, *p, strlen(*p)) != 1)
            goto out;
    if (EVP_DigestFinal_ex(ctx, out, &size) == 1 && size <= 32)
        done = size;
out:
    EVP_MD_CTX_free(ctx);
    return done;
#endif
}

/* The lower-case hex hash (out: 65 bytes); 0 on failure. */
static int hash_hex(enum digest_alg alg, char *out, const char *const *parts)
{
    static const char hex[] = "0123456789abcdef";
    unsigned char raw[32];
    size_t n = hash_raw(alg, raw, parts);

    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[raw[i] >> 4];
        out[2 * i + 1] = hex[raw[i] & 15];
    }
    out[2 * n] = '\0';
    wsm_wipe(raw, sizeof(raw));
    return n != 0;
}

/* ---- challenges ---- */

struct challenge {
    char *realm, *nonce, *opaque;
    int stale, qop_auth, qop_other, alg_ok;
    enum digest_alg alg;
};

static void challenge_free(struct challenge *c)
{
    free(c->realm);
    free(c->nonce);
    free(c->opaque);
    memset(c, 0, sizeof(*c));
}

/* Parses one auth-param "name=value" (token or quoted-string, RFC 7235 §2.1) at *p; returns 0 at the end or
 * on junk, -1 when out of memory. */
static int next_param(const char **p, char *name, size_t name_size, char **value)
{
    const char *s = *p;
    size_t n = 0;

    *value = NULL;
    while (*s == ' ' || *s == '\t' || *s == ',')
        s++;
    if (!*s)
        return 0;
    while (*s && *s != '=' && *s != ' ' && *s != '\t' && *s != ',') {
        if (n + 1 < name_size)
            name[n++] = *s;
        s++;
    }
    name[n] = '\0';
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s != '=')
        return 0; /* a new scheme starts (or junk): stop */
    s++;
    while (*s == ' ' || *s == '\t')
        s++;
    char *v = malloc(strlen(s) + 1), *o = v;
    if (!v)
        return -1;
    if (*s == '"') {
        for (s++; *s && *s != '"'; s++) {
            if (*s == '\\' && s[1])
                s++;
            *o++ = *s;
        }
        if (*s == '"')
            s++;
    } else {
        while (*s && *s != ',' && *s != ' ' && *s != '\t')
            *o++ = *s++;
    }
    *o = '\0';
    *value = v;
    *p = s;
    return 1;
}

static void parse_param(struct challenge *c, const char *name, char *value)
{
    if (!wsm_strcasecmp_ascii(name, "realm")) {
        free(c->realm);
        c->realm = value;
        return;
    }
    if (!wsm_strcasecmp_ascii(name, "nonce")) {
        free(c->nonce);
        c->nonce = value;
        return;
    }
    if (!wsm_strcasecmp_ascii(name, "opaque")) {
        free(c->opaque);
        c->opaque = value;
        return;
    }
    if (!wsm_strcasecmp_ascii(name, "stale")) {
        c->stale = !wsm_strcasecmp_ascii(value, "true");
    } else if (!wsm_strcasecmp_ascii(name, "algorithm")) {
        static const char *const names[] = {"MD5", "MD5-sess", "SHA-256", "SHA-256-sess"};
        c->alg_ok = 0;
        for (int i = 0; i < 4; i++)
            if (!wsm_strcasecmp_ascii(value, names[i])) {
                c->alg = (enum digest_alg)i;
                c->alg_ok = 1;
            }
    } else if (!wsm_strcasecmp_ascii(name, "qop")) {
        /* A list: "auth", "auth-int", "auth,auth-int". */
        for (char *tok = value; *tok;) {
            size_t len = strcspn(tok, ", \t");
            if (len == 4 && !wsm_strncasecmp_ascii(tok, "auth", 4))
                c->qop_auth = 1;
            else if (len)
                c->qop_other = 1;
            tok += len;
            tok += strspn(tok, ", \t");
        }
    }
    free(value);
}

/* Parses "Digest realm=..., nonce=..." into *c; 1 when usable, 0 when not a usable Digest challenge, -1 when
 * out of memory. */
static int parse_challenge(const char *www, struct challenge *c)
{
    char name[32], *value;
    int r;

    memset(c, 0, sizeof(*c));
    if (wsm_strncasecmp_ascii(www, "Digest", 6) || (www[6] != ' ' && www[6] != '\t'))
        return 0;
    const char *p = www + 7;
    c->alg_ok = 1; /* no algorithm= means MD5 */
    c->alg = DIGEST_MD5;
    while ((r = next_param(&p, name, sizeof(name), &value)) > 0)
        parse_param(c, name, value);
    if (r < 0 || !c->realm || !c->nonce || !c->alg_ok || (c->qop_other && !c->qop_auth)) {
        challenge_free(c);
        return r < 0 ? -1 : 0;
    }
    return 1;
}

/* HA1 (RFC 7616 §3.4.2), for -sess the session key of this nonce and cnonce. */
static int session_key(struct wsm_digest *d, const char *user, const char *password)
{
    const char *a1[] = {user ? user : "", ":", d->realm, ":", password ? password : "", NULL};
    if (!hash_hex(d->alg, d->ha1, a1))
        return 0;
    if (d->alg == DIGEST_MD5_SESS || d->alg == DIGEST_SHA256_SESS) {
        char base[65];
        memcpy(base, d->ha1, sizeof(base));
        const char *sess[] = {base, ":", d->nonce, ":", d->cnonce, NULL};
        int ok = hash_hex(d->alg, d->ha1, sess);
        wsm_wipe(base, sizeof(base));
        return ok;
    }
    return 1;
}

int wsm_digest_take(struct wsm_digest *d, char *const *www, const char *user, const char *password,
                    const char *cnonce, int *stale)
{
    struct challenge best = {0}, c;
    int have = 0;

    *stale = 0;
    for (size_t i = 0; www && www[i]; i++) {
        int r = parse_challenge(www[i], &c);
        if (r < 0) {
            challenge_free(&best);
            return -1;
        }
        if (!r)
            continue;
        if (!have || (is_sha256(c.alg) && !is_sha256(best.alg))) {
            challenge_free(&best);
            best = c;
            have = 1;
        } else {
            challenge_free(&c);
        }
    }
    if (!have)
        return 0;
    wsm_digest_forget(d);
    *stale = best.stale;
    d->realm = best.realm;
    d->nonce = best.nonce;
    d->opaque = best.opaque;
    d->alg = best.alg;
    d->qop = best.qop_auth;
    d->nc = 0;

    /* A fresh client nonce per server nonce; HA1 once per nonce. */
    if (cnonce) {
        snprintf(d->cnonce, sizeof(d->cnonce), "%s", cnonce);
    } else {
        static const char hex[] = "0123456789abcdef";
        unsigned char rnd[16];
        if (!wsm_random_bytes(rnd, sizeof(rnd))) {
            wsm_digest_forget(d);
            return -1;
        }
        for (size_t i = 0; i < sizeof(rnd); i++) {
            d->cnonce[2 * i] = hex[rnd[i] >> 4];
            d->cnonce[2 * i + 1] = hex[rnd[i] & 15];
        }
        d->cnonce[32] = '\0';
    }
    if (!session_key(d, user, password)) {
        wsm_digest_forget(d);
        return -1;
    }
    d->ready = 1;
    return 1;
}

/* A quoted-string with '"' and '\' escaped; malloc'd. */
static char *quote_param(const char *s)
{
    char *q = malloc(2 * strlen(s) + 3), *o = q;
    if (!q)
        return NULL;
    *o++ = '"';
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            *o++ = '\\';
        *o++ = *s;
    }
    *o++ = '"';
    *o = '\0';
    return q;
}

char *wsm_digest_authorization(struct wsm_digest *d, const char *user, const char *method, const char *uri)
{
    static const char *const alg_names[] = {"MD5", "MD5-sess", "SHA-256", "SHA-256-sess"};
    char ha2[65], resp[65], nc[9];
    char *quser = NULL, *realm = NULL, *nonce = NULL, *quri = NULL, *opaque = NULL, *out = NULL;

    if (!d->ready)
        return NULL;
    d->nc++;
    snprintf(nc, sizeof(nc), "%08lx", d->nc & 0xFFFFFFFFul);
    const char *a2[] = {method, ":", uri, NULL};
    if (!hash_hex(d->alg, ha2, a2))
        return NULL;
    const char *with_qop[] = {d->ha1, ":", d->nonce, ":", nc, ":", d->cnonce, ":auth:", ha2, NULL};
    const char *without_qop[] = {d->ha1, ":", d->nonce, ":", ha2, NULL};
    if (!hash_hex(d->alg, resp, d->qop ? with_qop : without_qop))
        return NULL;
    if (!(quser = quote_param(user ? user : "")) || !(realm = quote_param(d->realm)) ||
        !(nonce = quote_param(d->nonce)) || !(quri = quote_param(uri)) ||
        (d->opaque && !(opaque = quote_param(d->opaque))))
        goto done;
    if (d->qop)
        out = wsm_asprintf("Digest username=%s, realm=%s, nonce=%s, uri=%s, algorithm=%s, response=\"%s\", "
                           "qop=auth, nc=%s, cnonce=\"%s\"%s%s",
                           quser, realm, nonce, quri, alg_names[d->alg], resp, nc, d->cnonce,
                           opaque ? ", opaque=" : "", opaque ? opaque : "");
    else
        out = wsm_asprintf(
            "Digest username=%s, realm=%s, nonce=%s, uri=%s, algorithm=%s, response=\"%s\"%s%s", quser, realm,
            nonce, quri, alg_names[d->alg], resp, opaque ? ", opaque=" : "", opaque ? opaque : "");
done:
    free(quser);
    free(realm);
    free(nonce);
    free(quri);
    free(opaque);
    return out;
}
