/*
 * CredSSP ([MS-CSSP]) as a mechanism of the authentication seam (handshake.h), for the "CredSSP" HTTP
 * scheme of WinRM ([MS-WSMV] 2.2.9.1.3, [MS-CSSP] 3.1.5). Platform-neutral: the TLS channel comes from tls.h
 * (OpenSSL or Schannel), the inner SPNEGO (Kerberos or NTLM, SPN HTTP/host as for Negotiate) from gssauth.h
 * (GSSAPI or SSPI), the DER from tsrequest.h, SHA-256 from the platform (BCrypt or OpenSSL, as digest.c).
 *
 * The legs, each token carried base64 in Authorization / WWW-Authenticate ([MS-CSSP] 3.1.5):
 *   1. the TLS handshake (the server's certificate is not verified here; step 3 proves it);
 *   2. TSRequest{version 6, negoTokens} inside TLS until the SPNEGO context is complete;
 *   3. pubKeyAuth: the client wraps the server certificate's SubjectPublicKey (versions 2-4) or
 *      SHA-256("CredSSP Client-To-Server Binding Hash\0" ‖ clientNonce ‖ SubjectPublicKey) (versions 5, 6)
 *      with the SPNEGO context; the server answers with the key's first byte plus one, or the
 *      Server-To-Client hash. Only a server that holds the SPNEGO session key AND terminates the TLS channel
 *      can answer, so this is where the server proves who it is: nothing about the credentials goes out
 *      before the answer was verified;
 *   4. authInfo: the SPNEGO-wrapped TSCredentials{TSPasswordCreds{domain, user, password}} -- the
 *      delegation itself -- then HTTP 200.
 * Afterwards WinRM messages are TLS application records of that channel (wrap/unwrap below; the 4-byte
 * field of the framing is the TLS trailer length, encframe.c chunks by 16 KiB).
 *
 * Failures (HRESULT, each with a sentence; none holds the password or a token):
 *   server's pubKeyAuth does not match (an impostor, or a TLS man in the middle)
 *                                           → WSM_SEC_E_MUTUAL_AUTH_FAILED (0x80090363)
 *   server's TSRequest carries errorCode (v3+) → that code as an HRESULT (an NTSTATUS such as 0xC000006D
 *                                             is reported as it came)
 *   garbage in place of a TSRequest, a version outside 2..6 answered with, a TSRequest without what the
 *   leg needs                                → WSM_SEC_E_INVALID_TOKEN (0x80090308)
 *   TLS failures: those of tls.h; SPNEGO failures: those of gssauth.h.
 *
 * SPDX-License-Identifier: MIT
 */
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
#include "handshake.h"
#include "tls.h"
#include "tsrequest.h"

/* [MS-CSSP] 3.1.5: the magic strings of the version 5+ binding hashes, with their terminating NUL. */
static const char client_magic[] = "CredSSP Client-To-Server Binding Hash";
static const char server_magic[] = "CredSSP Server-To-Client Binding Hash";

enum phase {
    PH_TLS,   /* TLS handshake legs */
    PH_NEGO,  /* TSRequest{negoTokens} legs; pubKeyAuth sent once the SPNEGO context is complete */
    PH_DONE,  /* authInfo sent: the credentials are delegated */
    PH_FAILED /* a step failed: only a reset starts over */
};

struct credssp {
    struct wsm_gss_config cfg; /* points at the copies below */
    char *host, *user, *password;
    struct wsm_gss *gss;
    struct wsm_tls *tls;
    enum phase phase;
    int gss_complete;
    int pubkey_sent;
    uint32_t version; /* the version both speak: min(ours, the server's) */
    unsigned char nonce[WSM_TSREQUEST_NONCE_LEN];
    unsigned char *pubkey; /* the server's SubjectPublicKey */
    size_t pubkey_len;
};

static int32_t sha256(const void *a, size_t an, const void *b, size_t bn, const void *c, size_t cn,
                      unsigned char out[32])
{
    const void *parts[3] = {a, b, c};
    size_t lens[3] = {an, bn, cn};
    int ok = 0;
#ifdef _WIN32
    BCRYPT_ALG_HANDLE ah = NULL;
    BCRYPT_HASH_HANDLE hh = NULL;

    if (BCryptOpenAlgorithmProvider(&ah, BCRYPT_SHA256_ALGORITHM, NULL, 0) < 0)
        return WSM_SEC_E_INTERNAL_ERROR;
    if (BCryptCreateHash(ah, &hh, NULL, 0, NULL, 0, 0) >= 0) {
        ok = 1;
        for (int i = 0; i < 3 && ok; i++)
            ok = BCryptHashData(hh, (PUCHAR)parts[i], (ULONG)lens[i], 0) >= 0;
        ok = ok && BCryptFinishHash(hh, out, 32, 0) >= 0;
        BCryptDestroyHash(hh);
    }
    BCryptCloseAlgorithmProvider(ah, 0);
#else
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int size = 0;

    if (ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1) {
        ok = 1;
        for (int i = 0; i < 3 && ok; i++)
            ok = EVP_DigestUpdate(ctx, parts[i], lens[i]) == 1;
        ok = ok && EVP_DigestFinal_ex(ctx, out, &size) == 1 && size == 32;
    }
    EVP_MD_CTX_free(ctx);
#endif
    return ok ? WSM_S_OK : WSM_SEC_E_INTERNAL_ERROR;
}

/* ---- life ---- */

static void cs_reset(void *ctx)
{
    struct credssp *c = ctx;
    wsm_tls_free(c->tls);
    c->tls = NULL;
    if (c->gss)
        wsm_gss_reset(c->gss);
    if (c->pubkey)
        wsm_wipe(c->pubkey, c->pubkey_len);
    free(c->pubkey);
    c->pubkey = NULL;
    c->pubkey_len = 0;
    wsm_wipe(c->nonce, sizeof(c->nonce));
    c->phase = PH_TLS;
    c->gss_complete = c->pubkey_sent = 0;
    c->version = WSM_TSREQUEST_VERSION;
}

static void cs_destroy(void *ctx)
{
    struct credssp *c = ctx;
    if (!c)
        return;
    cs_reset(c);
    wsm_gss_free(c->gss);
    if (c->password)
        wsm_wipe_free(c->password);
    free(c->user);
    free(c->host);
    free(c);
}

static int32_t cs_create(const struct wsm_gss_config *cfg, void **ctx, char **detail)
{
    struct credssp *c;
    int32_t hr;

    *ctx = NULL;
    if (!cfg->user || !*cfg->user || !cfg->password || !*cfg->password)
        return wsm_fail(detail, ERROR_WSMAN_CREDSSP_USERNAME_PASSWORD_NEEDED,
                        "CredSSP delegates a user name and password to the server: give both "
                        "(SessionFlagCredUsernamePassword).");
    if (!(c = calloc(1, sizeof(*c))))
        return wsm_fail(detail, WSM_E_OUTOFMEMORY, "Out of memory.");
    c->cfg = *cfg;
    c->cfg.scheme = WSM_GSS_NEGOTIATE; /* [MS-CSSP] 3.1.5: SPNEGO inside, Kerberos or NTLM */
    c->cfg.allow_ntlm = 1;
    c->cfg.delegate = 0; /* CredSSP delegates the password itself, never a Kerberos ticket */
    if (!(c->host = wsm_strdup(cfg->host ? cfg->host : "")) || !(c->user = wsm_strdup(cfg->user)) ||
        !(c->password = wsm_strdup(cfg->password))) {
        cs_destroy(c);
        return wsm_fail(detail, WSM_E_OUTOFMEMORY, "Out of memory.");
    }
    c->cfg.host = c->host;
    c->cfg.user = c->user;
    c->cfg.password = c->password;
    if ((hr = wsm_gss_new(&c->cfg, &c->gss, detail))) {
        cs_destroy(c);
        return hr;
    }
    cs_reset(c);
    *ctx = c;
    return WSM_S_OK;
}

static int cs_chosen(const void *ctx)
{
    return ((const struct credssp *)ctx)->phase == PH_DONE;
}

static const char *cs_target(const void *ctx)
{
    const struct credssp *c = ctx;
    return c->gss ? wsm_gss_spn(c->gss) : c->host;
}

/* ---- the TSRequest legs ---- */

/* Encrypts the DER of r as TLS records, behind prefix (the client's last handshake flight, or nothing). */
static int32_t send_request(struct credssp *c, const struct wsm_tsrequest *r, unsigned char *prefix,
                            size_t prefix_len, unsigned char **out, size_t *out_len, char **detail)
{
    unsigned char *der = NULL, *rec = NULL, *all;
    size_t der_len = 0, rec_len = 0;
    int32_t hr;

    if ((hr = wsm_tsrequest_encode(r, &der, &der_len, detail)))
        return hr;
    hr = wsm_tls_encrypt(c->tls, der, der_len, &rec, &rec_len, detail);
    wsm_wipe(der, der_len); /* authInfo is wrapped, but keep the habit for anything the TSRequest holds */
    free(der);
    if (hr)
        return hr;
    if (!prefix_len) {
        *out = rec;
        *out_len = rec_len;
        return WSM_S_OK;
    }
    if (!(all = malloc(prefix_len + rec_len))) {
        free(rec);
        return wsm_fail(detail, WSM_E_OUTOFMEMORY, "Out of memory.");
    }
    memcpy(all, prefix, prefix_len);
    memcpy(all + prefix_len, rec, rec_len);
    free(rec);
    *out = all;
    *out_len = prefix_len + rec_len;
    return WSM_S_OK;
}

/* Wraps data with the SPNEGO context into one token (header ‖ data ‖ padding, as gss_wrap gives it). */
static int32_t gss_seal(struct credssp *c, const void *data, size_t len, unsigned char **out, size_t *out_len,
                        char **detail)
{
    size_t hdr_len = 0, orig_len = 0;
    return wsm_gss_wrap(c->gss, data, len, out, out_len, &hdr_len, &orig_len, detail);
}

/* The value our pubKeyAuth wraps (or the one the server's must hold, server = 1). */
static int32_t pubkey_value(struct credssp *c, int server, unsigned char **v, size_t *n, char **detail)
{
    *v = NULL;
    *n = 0;
    if (c->version >= 5) {
        if (!(*v = malloc(32)))
            return wsm_fail(detail, WSM_E_OUTOFMEMORY, "Out of memory.");
        *n = 32;
        if (sha256(server ? server_magic : client_magic, sizeof(client_magic), c->nonce, sizeof(c->nonce),
                   c->pubkey, c->pubkey_len, *v)) {
            free(*v);
            *v = NULL;
            return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR, "SHA-256 is not available for CredSSP.");
        }
        return WSM_S_OK;
    }
    if (!(*v = malloc(c->pubkey_len)))
        return wsm_fail(detail, WSM_E_OUTOFMEMORY, "Out of memory.");
    memcpy(*v, c->pubkey, c->pubkey_len);
    *n = c->pubkey_len;
    if (server)
        (*v)[0] = (unsigned char)((*v)[0] + 1); /* [MS-CSSP] 3.1.5 step 4, versions 2 to 4 */
    return WSM_S_OK;
}

/* The next TSRequest of the SPNEGO legs: the token to send (may be none) and, once the context is complete,
 * pubKeyAuth (with clientNonce from version 5 on). */
static int32_t nego_request(struct credssp *c, const unsigned char *tok, size_t tok_len,
                            unsigned char *prefix, size_t prefix_len, unsigned char **out, size_t *out_len,
                            char **detail)
{
    struct wsm_tsrequest r;
    unsigned char *value = NULL, *sealed = NULL;
    size_t value_len = 0, sealed_len = 0;
    int32_t hr;

    memset(&r, 0, sizeof(r));
    r.version = WSM_TSREQUEST_VERSION;
    if (tok_len) {
        r.nego_token = tok;
        r.nego_token_len = tok_len;
    }
    if (c->gss_complete && !c->pubkey_sent) {
        if (c->version >= 5 && !wsm_random_bytes(c->nonce, sizeof(c->nonce)))
            return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR,
                            "No random bytes for the CredSSP client nonce.");
        if ((hr = pubkey_value(c, 0, &value, &value_len, detail)))
            return hr;
        hr = gss_seal(c, value, value_len, &sealed, &sealed_len, detail);
        free(value);
        if (hr)
            return hr;
        r.pub_key_auth = sealed;
        r.pub_key_auth_len = sealed_len;
        if (c->version >= 5) {
            r.client_nonce = c->nonce;
            r.client_nonce_len = sizeof(c->nonce);
        }
        c->pubkey_sent = 1;
    }
    if (!r.nego_token && !r.pub_key_auth) {
        free(sealed);
        return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR,
                        "The SPNEGO context for %s has nothing to send but is not complete.", cs_target(c));
    }
    hr = send_request(c, &r, prefix, prefix_len, out, out_len, detail);
    free(sealed);
    return hr;
}

/* Checks the server's pubKeyAuth ([MS-CSSP] 3.1.5 step 4): the one proof of its identity. */
static int32_t verify_server(struct credssp *c, const struct wsm_tsrequest *r, char **detail)
{
    unsigned char *plain = NULL, *want = NULL;
    size_t plain_len = 0, want_len = 0;
    char *why = NULL;
    int32_t hr;
    int match;

    if (r->pub_key_auth_len < 16)
        return wsm_fail(
            detail, WSM_SEC_E_MUTUAL_AUTH_FAILED,
            "The server %s is not who it claims to be: its CredSSP public-key proof (pubKeyAuth) is "
            "only %zu bytes; no credentials were sent.",
            c->host, r->pub_key_auth_len);
    /* 16 bytes of header: the NTLM signature; a Kerberos token is unwrapped whole (RRC-aware) */
    hr = wsm_gss_unwrap(c->gss, r->pub_key_auth, 16, r->pub_key_auth + 16, r->pub_key_auth_len - 16, &plain,
                        &plain_len, &why);
    if (hr) {
        hr = wsm_fail(
            detail, WSM_SEC_E_MUTUAL_AUTH_FAILED,
            "The server %s is not who it claims to be: its CredSSP public-key proof (pubKeyAuth) does "
            "not decrypt with the %s session key (%s); no credentials were sent.",
            c->host, cs_target(c), why ? why : "no detail");
        free(why);
        free(plain);
        return hr;
    }
    if ((hr = pubkey_value(c, 1, &want, &want_len, detail))) {
        free(plain);
        return hr;
    }
    match = plain_len == want_len && !memcmp(plain, want, want_len);
    free(plain);
    free(want);
    if (!match)
        return wsm_fail(detail, WSM_SEC_E_MUTUAL_AUTH_FAILED,
                        "The server %s is not who it claims to be: its CredSSP public-key proof (pubKeyAuth, "
                        "TSRequest version %u) does not match the public key of the TLS certificate it "
                        "presented, so the TLS channel may end at someone else; no credentials were sent.",
                        c->host, (unsigned)c->version);
    return WSM_S_OK;
}

/* The last leg: authInfo = the wrapped TSCredentials ([MS-CSSP] 3.1.5 step 5). The password lives in the
 * TSCredentials buffer only until it is wrapped; that buffer is wiped at once. */
static int32_t creds_request(struct credssp *c, unsigned char **out, size_t *out_len, char **detail)
{
    struct wsm_tsrequest r;
    char *domain = NULL, *user = NULL;
    unsigned char *creds = NULL, *sealed = NULL;
    size_t creds_len = 0, sealed_len = 0;
    int32_t hr;

    if ((hr = wsm_tscredentials_split_user(c->user, &domain, &user, detail)))
        return hr;
    hr = wsm_tscredentials_encode_password(domain, user, c->password, &creds, &creds_len, detail);
    free(domain);
    free(user);
    if (hr)
        return hr;
    hr = gss_seal(c, creds, creds_len, &sealed, &sealed_len, detail);
    wsm_wipe(creds, creds_len);
    free(creds);
    if (hr)
        return hr;
    memset(&r, 0, sizeof(r));
    r.version = WSM_TSREQUEST_VERSION;
    r.auth_info = sealed;
    r.auth_info_len = sealed_len;
    hr = send_request(c, &r, NULL, 0, out, out_len, detail);
    wsm_wipe(sealed, sealed_len);
    free(sealed);
    return hr;
}

/* A TSRequest from the server during PH_NEGO. */
static int32_t nego_reply(struct credssp *c, const struct wsm_tsrequest *r, unsigned char **out,
                          size_t *out_len, int *complete, char **detail)
{
    int32_t hr;

    if (r->has_error_code) {
        int32_t code = (int32_t)r->error_code;
        return wsm_fail(detail, code < 0 ? code : WSM_SEC_E_INTERNAL_ERROR,
                        "The server %s ended the CredSSP authentication of %s with error 0x%08X (TSRequest "
                        "errorCode); no credentials were sent.",
                        c->host, c->user, (unsigned)r->error_code);
    }
    if (r->version < 2)
        return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                        "The server %s answered with CredSSP version %u; versions 2 to %d are supported.",
                        c->host, (unsigned)r->version, WSM_TSREQUEST_VERSION);
    if (!c->pubkey_sent) /* the version of the pubKeyAuth exchange is settled before our proof goes */
        c->version = r->version < WSM_TSREQUEST_VERSION ? r->version : WSM_TSREQUEST_VERSION;
    if (r->pub_key_auth) {
        if (!c->pubkey_sent)
            return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                            "The server %s sent its CredSSP public-key proof before the client's.", c->host);
        if (r->nego_token && !c->gss_complete) {
            /* the SPNEGO context's last token comes with the proof (e.g. a mechListMIC) */
            unsigned char *t = NULL;
            size_t tl = 0;
            int done = 0;
            if ((hr =
                     wsm_gss_step(c->gss, r->nego_token, r->nego_token_len, NULL, 0, &t, &tl, &done, detail)))
                return hr;
            free(t);
            c->gss_complete = done;
        }
        if ((hr = verify_server(c, r, detail)))
            return hr;
        if ((hr = creds_request(c, out, out_len, detail)))
            return hr;
        c->phase = PH_DONE;
        *complete = 1;
        return WSM_S_OK;
    }
    if (c->pubkey_sent)
        return wsm_fail(
            detail, WSM_SEC_E_MUTUAL_AUTH_FAILED,
            "The server %s is not who it claims to be: it answered the client's CredSSP public-key "
            "proof without its own (no pubKeyAuth); no credentials were sent.",
            c->host);
    if (!r->nego_token)
        return wsm_fail(
            detail, WSM_SEC_E_INVALID_TOKEN,
            "The server %s sent a CredSSP TSRequest without a negoToken during the SPNEGO exchange.",
            c->host);
    unsigned char *t = NULL;
    size_t tl = 0;
    int done = 0;
    if ((hr = wsm_gss_step(c->gss, r->nego_token, r->nego_token_len, NULL, 0, &t, &tl, &done, detail)))
        return hr;
    c->gss_complete = done;
    hr = nego_request(c, t, tl, NULL, 0, out, out_len, detail);
    free(t);
    return hr;
}

static int32_t cs_step_inner(struct credssp *c, const void *in, size_t in_len, unsigned char **out,
                             size_t *out_len, int *complete, char **detail)
{
    unsigned char *flight = NULL, *tok = NULL, *plain = NULL;
    size_t flight_len = 0, tok_len = 0, plain_len = 0;
    struct wsm_tsrequest r;
    int done = 0;
    int32_t hr;

    switch (c->phase) {
    case PH_TLS: {
        struct wsm_tls_config tc = {c->host, 0, 0};
        if (!c->tls && in_len)
            return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                            "The server %s sent a CredSSP token before the TLS handshake began.", c->host);
        if (!c->tls && (hr = wsm_tls_new(&tc, &c->tls, detail)))
            return hr;
        if ((hr = wsm_tls_handshake(c->tls, in, in_len, &flight, &flight_len, &done, detail)))
            return hr;
        if (!done) {
            *out = flight;
            *out_len = flight_len;
            return WSM_S_OK;
        }
        /* TLS is up: the SPNEGO legs start at once, behind the client's last flight (TLS 1.3's Finished) */
        if ((hr = wsm_tls_peer_public_key(c->tls, &c->pubkey, &c->pubkey_len, detail)) ||
            (hr = wsm_gss_step(c->gss, NULL, 0, NULL, 0, &tok, &tok_len, &done, detail))) {
            free(flight);
            return hr;
        }
        c->phase = PH_NEGO;
        c->gss_complete = done;
        hr = nego_request(c, tok, tok_len, flight, flight_len, out, out_len, detail);
        free(tok);
        free(flight);
        return hr;
    }
    case PH_NEGO:
        if (!in_len)
            return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                            "The server %s sent no CredSSP token in the middle of the handshake.", c->host);
        if ((hr = wsm_tls_decrypt(c->tls, in, in_len, &plain, &plain_len, detail)))
            return hr;
        if (!(hr = wsm_tsrequest_decode(plain, plain_len, &r, detail)))
            hr = nego_reply(c, &r, out, out_len, complete, detail);
        wsm_wipe(plain, plain_len);
        free(plain);
        return hr;
    case PH_DONE:
        if (in_len)
            return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                            "The server %s sent another CredSSP token after the credentials were delegated.",
                            c->host);
        *complete = 1;
        return WSM_S_OK;
    case PH_FAILED:
        break;
    }
    return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR, "The CredSSP context for %s failed earlier.", c->host);
}

static int32_t cs_step(void *ctx, const void *in, size_t in_len, const void *cb, size_t cb_len,
                       unsigned char **out, size_t *out_len, int *complete, char **detail)
{
    struct credssp *c = ctx;
    int32_t hr;

    (void)cb; /* the channel binding of CredSSP is pubKeyAuth, not a GSS binding */
    (void)cb_len;
    *out = NULL;
    *out_len = 0;
    *complete = 0;
    if (!in)
        in_len = 0;
    if ((hr = cs_step_inner(c, in, in_len, out, out_len, complete, detail))) {
        c->phase = PH_FAILED;
        free(*out);
        *out = NULL;
        *out_len = 0;
        *complete = 0;
    }
    return hr;
}

/* ---- messages: TLS application records ([MS-WSMV] 2.2.9.1.3) ---- */

static int32_t cs_wrap(void *ctx, const void *plain, size_t len, unsigned char **out, size_t *out_len,
                       size_t *hdr_len, size_t *orig_len, char **detail)
{
    struct credssp *c = ctx;
    int32_t hr;

    *hdr_len = *orig_len = 0;
    if (c->phase != PH_DONE)
        return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR,
                        "Cannot encrypt a message: the CredSSP context with %s is not established.", c->host);
    if ((hr = wsm_tls_encrypt(c->tls, plain, len, out, out_len, detail)))
        return hr;
    /* the 4-byte field: the trailer length as Schannel's cbTrailer gives it; the whole record follows */
    *hdr_len = wsm_tls_trailer_length(c->tls, len);
    if (*hdr_len > *out_len)
        *hdr_len = *out_len;
    *orig_len = len;
    return WSM_S_OK;
}

static int32_t cs_unwrap(void *ctx, const void *hdr, size_t hdr_len, const void *data, size_t data_len,
                         unsigned char **plain, size_t *plain_len, char **detail)
{
    struct credssp *c = ctx;
    unsigned char *all;
    int32_t hr;

    *plain = NULL;
    *plain_len = 0;
    if (c->phase != PH_DONE)
        return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR,
                        "Cannot decrypt a message: the CredSSP context with %s is not established.", c->host);
    /* the split at the 4-byte value is arbitrary: the records are header ‖ data */
    if (!(all = malloc(hdr_len + data_len + 1)))
        return wsm_fail(detail, WSM_E_OUTOFMEMORY, "Out of memory.");
    if (hdr_len)
        memcpy(all, hdr, hdr_len);
    if (data_len)
        memcpy(all + hdr_len, data, data_len);
    hr = wsm_tls_decrypt(c->tls, all, hdr_len + data_len, plain, plain_len, detail);
    free(all);
    return hr;
}

const struct wsm_mech_ops wsm_mech_credssp = {cs_create, cs_destroy, cs_reset, cs_step,
                                              cs_chosen, cs_target,  cs_wrap,  cs_unwrap};
