/*
 * tls.h for the Windows DLL: a TLS client through Schannel (SSPI, the "Microsoft Unified Security Protocol
 * Provider", UNISP_NAME) on memory tokens, for the inner TLS channel of CredSSP ([MS-CSSP] 3.1.5). No socket:
 * the records travel in the HTTP messages of handshake.c. tls_openssl.c is the Linux back-end; both keep the
 * contract of tls.h.
 *
 * Credentials. SCH_CREDENTIALS (Windows 10 1809 and later, the only way to TLS 1.3 with Schannel, see
 * Microsoft's "SCH_CREDENTIALS structure") with the versions outside [min, max] in grbitDisabledProtocols;
 * where the platform refuses it, SCHANNEL_CRED with grbitEnabledProtocols. Both with
 * SCH_CRED_MANUAL_CRED_VALIDATION (the certificate is not checked here: CredSSP binds the server's public
 * key with pubKeyAuth, [MS-CSSP] 3.1.5) and SCH_CRED_NO_DEFAULT_CREDS (no client certificate is ever sent).
 *
 * Handshake. InitializeSecurityContext with ISC_REQ_STREAM on a SECBUFFER_TOKEN of the bytes received so far
 * and a SECBUFFER_EMPTY that comes back as SECBUFFER_EXTRA when the input held more than one step's worth
 * (kept for the next call, or, after the last step, for the first DecryptMessage); SEC_E_INCOMPLETE_MESSAGE
 * keeps the bytes and waits for more. Bytes that cannot be a TLS record header are refused before Schannel
 * sees them, and a plaintext alert record in the server's bytes is named in the text of the failure (RFC
 * 8446 6, RFC 5246 7.2).
 *
 * Records. EncryptMessage over STREAM_HEADER | DATA | STREAM_TRAILER with the sizes of
 * SecPkgContext_StreamSizes, one record per cbMaximumMessage bytes; DecryptMessage record by record,
 * following SECBUFFER_EXTRA. SEC_I_RENEGOTIATE (Windows' TLS 1.3 post-handshake messages: NewSessionTicket,
 * KeyUpdate, see "Using TLS 1.3 with Schannel") hands the remaining bytes to InitializeSecurityContext and
 * goes on.
 *
 * Wine 8 (schannel over GnuTLS), what differs and what is done about it (the WINE: comments below):
 *   - SCH_CREDENTIALS is accepted but its grbitDisabledProtocols ignored: SCHANNEL_CRED is used under Wine,
 *     and the negotiated version is checked against [min, max] after every handshake on every platform;
 *   - no TLS 1.3: a TLS 1.3-only credential fails (SEC_E_NO_AUTHENTICATING_AUTHORITY), reported as
 *     WSM_SEC_E_UNSUPPORTED_FUNCTION with a text saying so;
 *   - a received alert fails the handshake with SEC_E_INTERNAL_ERROR: the alert is named from the records;
 *   - SECPKG_ATTR_CIPHER_INFO ends AEAD suite names with "_<unknown>": replaced by the PRF hash;
 *   - DecryptMessage reports a record that fails its integrity check as SEC_E_INTERNAL_ERROR (mapped to
 *     WSM_SEC_E_MESSAGE_ALTERED), and the server's close_notify as SEC_E_OK with no data (mapped to
 *     WSM_SEC_E_CONTEXT_EXPIRED, as Windows' SEC_I_CONTEXT_EXPIRED).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef SECURITY_WIN32
#define SECURITY_WIN32
#endif
#define SCHANNEL_USE_BLACKLISTS /* SCH_CREDENTIALS, TLS_PARAMETERS */

#include <windows.h>
#include <subauth.h> /* UNICODE_STRING, for schannel.h's TLS_PARAMETERS */
#include <security.h>
#include <sspi.h>
#include <wincrypt.h>
#include <schannel.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "detail.h"
#include "gssauth.h"
#include "tls.h"

#define TLS12 0x0303
#define TLS13 0x0304
#define MAX_RECORD (16384 + 2048) /* the largest TLSCiphertext.length (RFC 5246 6.2.3) */

#define ISC_FLAGS                                                                                            \
    (ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT | ISC_REQ_CONFIDENTIALITY | ISC_REQ_ALLOCATE_MEMORY |   \
     ISC_REQ_STREAM | ISC_REQ_EXTENDED_ERROR | ISC_REQ_MANUAL_CRED_VALIDATION)

struct wsm_tls {
    char *host;
    WCHAR *whost;
    int min_version, max_version;
    int wine;
    CredHandle cred;
    int have_cred;
    int cred_v5; /* SCH_CREDENTIALS (else SCHANNEL_CRED) */
    CtxtHandle ctx;
    int have_ctx;
    int done;   /* handshake complete */
    int failed; /* a fatal error: the channel is unusable */
    DWORD isc_flags;
    unsigned char *in; /* received, not consumed yet (handshake), or records after the last handshake step */
    size_t in_len, in_cap;
    SecPkgContext_StreamSizes sizes;
    int version; /* TLS12 / TLS13 once done */
    int aead;    /* GCM, CCM, ChaCha20-Poly1305 */
    size_t mac_len, block_len;
    char version_name[16];
    char cipher_name[128];
};

static int running_on_wine(void)
{
    HMODULE nt = GetModuleHandleW(L"ntdll.dll");
    return nt && GetProcAddress(nt, "wine_get_version") != NULL;
}

static const char *alert_name(unsigned d)
{
    switch (d) {
    case 0:
        return "close_notify";
    case 10:
        return "unexpected_message";
    case 20:
        return "bad_record_mac";
    case 21:
        return "decryption_failed";
    case 22:
        return "record_overflow";
    case 40:
        return "handshake_failure";
    case 42:
        return "bad_certificate";
    case 43:
        return "unsupported_certificate";
    case 44:
        return "certificate_revoked";
    case 45:
        return "certificate_expired";
    case 46:
        return "certificate_unknown";
    case 47:
        return "illegal_parameter";
    case 48:
        return "unknown_ca";
    case 49:
        return "access_denied";
    case 50:
        return "decode_error";
    case 51:
        return "decrypt_error";
    case 70:
        return "protocol_version";
    case 71:
        return "insufficient_security";
    case 80:
        return "internal_error";
    case 86:
        return "inappropriate_fallback";
    case 90:
        return "user_canceled";
    case 100:
        return "no_renegotiation";
    case 109:
        return "missing_extension";
    case 110:
        return "unsupported_extension";
    case 112:
        return "unrecognized_name";
    case 113:
        return "bad_certificate_status_response";
    case 115:
        return "unknown_psk_identity";
    case 116:
        return "certificate_required";
    case 120:
        return "no_application_protocol";
    default:
        return "unknown";
    }
}

/* A plaintext alert record (2-byte body) among the records of b: its description, else -1. */
static int find_alert(const unsigned char *b, size_t n)
{
    size_t pos = 0;
    while (n - pos >= 5) {
        size_t len = (size_t)b[pos + 3] << 8 | b[pos + 4];
        if (b[pos] == 21 && len == 2 && n - pos >= 7)
            return b[pos + 6];
        pos += 5 + len;
        if (pos > n)
            break;
    }
    return -1;
}

/* 1 when b begins with something that can be a TLS record header (RFC 8446 5.1: a known content type,
 * legacy_record_version 3.x, a length within the limit); 0 when it cannot (n >= 5) or too little is there. */
static int plausible_record(const unsigned char *b, size_t n)
{
    if (n < 1)
        return 1;
    if (b[0] < 20 || b[0] > 24)
        return 0;
    if (n >= 2 && b[1] != 3)
        return 0;
    if (n >= 5 && ((size_t)b[3] << 8 | b[4]) > MAX_RECORD)
        return 0;
    return 1;
}

/* The text of a failed call: the HRESULT of gssauth.h that fits, the cause in words. seen: the server's bytes
 * that went into the call (for an alert's name), may be NULL. */
static int32_t tls_fail(struct wsm_tls *t, char **detail, const char *what, SECURITY_STATUS st,
                        const unsigned char *seen, size_t seen_len)
{
    struct wsm_quoted q;
    char cause[300];
    int32_t code = WSM_SEC_E_INTERNAL_ERROR;
    int alert = seen ? find_alert(seen, seen_len) : -1;
    t->failed = 1;
    if ((uint32_t)st == (uint32_t)SEC_E_INSUFFICIENT_MEMORY)
        return WSM_E_OUTOFMEMORY;
    if (alert >= 0) {
        snprintf(cause, sizeof(cause), "the server sent the TLS alert %s (%d)", alert_name((unsigned)alert),
                 alert);
        if (alert == 70 || alert == 71 || alert == 40)
            code = WSM_SEC_E_UNSUPPORTED_FUNCTION;
    } else {
        switch ((uint32_t)st) {
        case (uint32_t)SEC_E_INVALID_TOKEN:
            snprintf(cause, sizeof(cause), "the server's bytes are not the TLS records expected");
            code = WSM_SEC_E_INVALID_TOKEN;
            break;
        case (uint32_t)SEC_E_ILLEGAL_MESSAGE:
            snprintf(cause, sizeof(cause),
                     "the server sent a TLS alert or a malformed TLS message (Schannel does not say which)");
            break;
        case (uint32_t)SEC_E_ALGORITHM_MISMATCH:
        case (uint32_t)SEC_E_UNSUPPORTED_FUNCTION:
            snprintf(cause, sizeof(cause),
                     "the client and the server have no TLS version or cipher suite in common (allowed here: "
                     "TLS %s to %s)",
                     t->min_version == TLS13 ? "1.3" : "1.2", t->max_version == TLS13 ? "1.3" : "1.2");
            code = WSM_SEC_E_UNSUPPORTED_FUNCTION;
            break;
        case (uint32_t)SEC_E_MESSAGE_ALTERED:
        case (uint32_t)SEC_E_DECRYPT_FAILURE:
            snprintf(cause, sizeof(cause),
                     "a TLS record from the server failed its integrity check (altered or forged)");
            code = WSM_SEC_E_MESSAGE_ALTERED;
            break;
        case (uint32_t)SEC_E_INCOMPLETE_MESSAGE:
            snprintf(cause, sizeof(cause), "the server's TLS record is truncated (%zu bytes given)",
                     seen_len);
            code = WSM_SEC_E_INVALID_TOKEN;
            break;
        case (uint32_t)SEC_E_OUT_OF_SEQUENCE:
            snprintf(cause, sizeof(cause), "a TLS record from the server is out of sequence");
            code = WSM_SEC_E_OUT_OF_SEQUENCE;
            break;
        case (uint32_t)SEC_E_CONTEXT_EXPIRED:
        case (uint32_t)SEC_I_CONTEXT_EXPIRED:
            snprintf(cause, sizeof(cause), "the server closed the TLS channel (close_notify)");
            code = WSM_SEC_E_CONTEXT_EXPIRED;
            break;
        case (uint32_t)SEC_E_SECPKG_NOT_FOUND:
            snprintf(cause, sizeof(cause), "the Schannel security package is not installed");
            code = WSM_SEC_E_SECPKG_NOT_FOUND;
            break;
        default:
            snprintf(cause, sizeof(cause), "Schannel failed");
            break;
        }
    }
    return wsm_fail(detail, code, "%s with \"%s\": %s (Schannel status 0x%08lx)", what,
                    wsm_quote_str(&q, t->host ? t->host : ""), cause, (unsigned long)(uint32_t)st);
}

static int32_t fail_text(struct wsm_tls *t, char **detail, int32_t code, const char *text)
{
    struct wsm_quoted q;
    t->failed = 1;
    return wsm_fail(detail, code, "%s (TLS with \"%s\")", text, wsm_quote_str(&q, t->host ? t->host : ""));
}

/* Appends n bytes to the buffer *b (length *len, capacity *cap). 0 when out of memory. */
static int append(unsigned char **b, size_t *len, size_t *cap, const void *p, size_t n)
{
    if (!n)
        return 1;
    if (n > SIZE_MAX / 2 - *len)
        return 0;
    if (*len + n > *cap) {
        size_t c = *cap ? *cap : 4096;
        while (c < *len + n)
            c *= 2;
        unsigned char *nb = malloc(c);
        if (!nb)
            return 0;
        if (*len)
            memcpy(nb, *b, *len);
        if (*b) {
            wsm_wipe(*b, *cap);
            free(*b);
        }
        *b = nb;
        *cap = c;
    }
    memcpy(*b + *len, p, n);
    *len += n;
    return 1;
}

/* Keeps only the last keep bytes of t->in (a SECBUFFER_EXTRA). */
static void keep_tail(struct wsm_tls *t, size_t keep)
{
    if (keep > t->in_len)
        keep = t->in_len;
    memmove(t->in, t->in + (t->in_len - keep), keep);
    wsm_wipe(t->in + keep, t->in_len - keep);
    t->in_len = keep;
}

/* ---- credentials ---- */

static DWORD enabled_protocols(const struct wsm_tls *t)
{
    DWORD p = 0;
    if (t->min_version <= TLS12 && t->max_version >= TLS12)
        p |= SP_PROT_TLS1_2_CLIENT;
    if (t->max_version >= TLS13)
        p |= SP_PROT_TLS1_3_CLIENT;
    return p;
}

static SECURITY_STATUS acquire_v5(struct wsm_tls *t)
{
    TLS_PARAMETERS tp;
    SCH_CREDENTIALS sc;
    TimeStamp expiry;
    memset(&tp, 0, sizeof(tp));
    memset(&sc, 0, sizeof(sc));
    tp.grbitDisabledProtocols = (SP_PROT_SSL2_CLIENT | SP_PROT_SSL3_CLIENT | SP_PROT_TLS1_0_CLIENT |
                                 SP_PROT_TLS1_1_CLIENT | SP_PROT_TLS1_2_CLIENT | SP_PROT_TLS1_3_CLIENT) &
                                ~enabled_protocols(t);
    sc.dwVersion = SCH_CREDENTIALS_VERSION;
    sc.dwFlags = SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS;
    sc.cTlsParameters = 1;
    sc.pTlsParameters = &tp;
    return AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)UNISP_NAME_W, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL,
                                     NULL, &t->cred, &expiry);
}

static SECURITY_STATUS acquire_v4(struct wsm_tls *t)
{
    SCHANNEL_CRED sc;
    TimeStamp expiry;
    memset(&sc, 0, sizeof(sc));
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.grbitEnabledProtocols = enabled_protocols(t);
    sc.dwFlags = SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS;
    return AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)UNISP_NAME_W, SECPKG_CRED_OUTBOUND, NULL, &sc, NULL,
                                     NULL, &t->cred, &expiry);
}

int32_t wsm_tls_new(const struct wsm_tls_config *cfg, struct wsm_tls **out, char **detail)
{
    *out = NULL;
    if (!cfg)
        return wsm_fail(detail, WSM_E_INVALIDARG, "no TLS configuration");
    int minv = cfg->min_version ? cfg->min_version : TLS12;
    int maxv = cfg->max_version ? cfg->max_version : TLS13;
    if ((minv != TLS12 && minv != TLS13) || (maxv != TLS12 && maxv != TLS13) || minv > maxv)
        return wsm_fail(
            detail, WSM_E_INVALIDARG,
            "the TLS versions 0x%04x to 0x%04x are not a range of TLS 1.2 and 1.3 (0x0303, 0x0304)",
            (unsigned)minv, (unsigned)maxv);
    struct wsm_tls *t = calloc(1, sizeof(*t));
    if (!t)
        return WSM_E_OUTOFMEMORY;
    t->min_version = minv;
    t->max_version = maxv;
    t->wine = running_on_wine();
    t->isc_flags = ISC_FLAGS;
    const char *host = cfg->host ? cfg->host : "";
    t->host = strdup(host);
    if (!t->host) {
        wsm_tls_free(t);
        return WSM_E_OUTOFMEMORY;
    }
    if (*host) {
        int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, host, -1, NULL, 0);
        if (n <= 0) {
            struct wsm_quoted q;
            wsm_tls_free(t);
            return wsm_fail(detail, WSM_E_INVALIDARG, "the host name \"%s\" is not UTF-8",
                            wsm_quote_str(&q, host));
        }
        t->whost = malloc((size_t)n * sizeof(WCHAR));
        if (!t->whost) {
            wsm_tls_free(t);
            return WSM_E_OUTOFMEMORY;
        }
        MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, host, -1, t->whost, n);
    }
    /* WINE: Wine 8 accepts SCH_CREDENTIALS but ignores its grbitDisabledProtocols (a TLS 1.3-only credential
     * still negotiates TLS 1.2, and SECPKG_ATTR_SUPPORTED_PROTOCOLS lists SSL 3 to TLS 1.2), while it honours
     * SCHANNEL_CRED's grbitEnabledProtocols (masked with what its GnuTLS back-end supports). So under Wine
     * the credentials are always SCHANNEL_CRED. */
    SECURITY_STATUS st = t->wine ? SEC_E_UNSUPPORTED_FUNCTION : acquire_v5(t);
    if (st == SEC_E_OK) {
        t->cred_v5 = 1;
    } else {
        /* Before Windows 10 1809 Schannel knows no SCH_CREDENTIALS: SCHANNEL_CRED, and no TLS 1.3 there. */
        if (!t->wine && t->min_version == TLS13) {
            int32_t rc = tls_fail(t, detail, "TLS 1.3 is not available (Schannel refused SCH_CREDENTIALS)",
                                  st, NULL, 0);
            wsm_tls_free(t);
            return rc == WSM_E_OUTOFMEMORY ? rc : WSM_SEC_E_UNSUPPORTED_FUNCTION;
        }
        if (!t->wine)
            t->max_version = TLS12;
        SECURITY_STATUS st4 = acquire_v4(t);
        if (st4 != SEC_E_OK) {
            int32_t rc;
            struct wsm_quoted q;
            if (t->min_version == TLS13 &&
                (st4 == SEC_E_NO_AUTHENTICATING_AUTHORITY || st4 == SEC_E_ALGORITHM_MISMATCH ||
                 st4 == SEC_E_UNSUPPORTED_FUNCTION)) {
                /* WINE: Wine 8's schannel has no TLS 1.3; a credential of TLS 1.3 alone fails with
                 * SEC_E_NO_AUTHENTICATING_AUTHORITY. */
                t->failed = 1;
                rc = wsm_fail(detail, WSM_SEC_E_UNSUPPORTED_FUNCTION,
                              "TLS 1.3 is required for \"%s\", but this platform's Schannel%s has no TLS 1.3 "
                              "(Schannel status 0x%08lx)",
                              wsm_quote_str(&q, t->host), t->wine ? " (Wine's)" : "",
                              (unsigned long)(uint32_t)st4);
            } else {
                rc = tls_fail(t, detail, "Schannel refused the TLS client credentials", st4, NULL, 0);
            }
            wsm_tls_free(t);
            return rc;
        }
    }
    t->have_cred = 1;
    *out = t;
    return WSM_S_OK;
}

void wsm_tls_free(struct wsm_tls *t)
{
    if (!t)
        return;
    if (t->have_ctx)
        DeleteSecurityContext(&t->ctx);
    if (t->have_cred)
        FreeCredentialsHandle(&t->cred);
    if (t->in) {
        wsm_wipe(t->in, t->in_cap);
        free(t->in);
    }
    free(t->host);
    free(t->whost);
    wsm_wipe(t, sizeof(*t));
    free(t);
}

/* ---- handshake ---- */

static void copy_wide(char *out, size_t size, const WCHAR *w)
{
    size_t i = 0;
    for (; w[i] && i + 1 < size; i++)
        out[i] = w[i] < 0x80 ? (char)w[i] : '?';
    out[i] = 0;
}

static int contains(const char *s, const char *what)
{
    return strstr(s, what) != NULL;
}

/* After the last step: the record sizes, the version and the cipher suite. */
static int32_t learn_connection(struct wsm_tls *t, char **detail)
{
    SECURITY_STATUS st = QueryContextAttributesW(&t->ctx, SECPKG_ATTR_STREAM_SIZES, &t->sizes);
    if (st != SEC_E_OK)
        return tls_fail(t, detail, "Schannel did not give the TLS record sizes", st, NULL, 0);
    SecPkgContext_ConnectionInfo ci;
    memset(&ci, 0, sizeof(ci));
    st = QueryContextAttributesW(&t->ctx, SECPKG_ATTR_CONNECTION_INFO, &ci);
    if (st != SEC_E_OK)
        return tls_fail(t, detail, "Schannel did not give the TLS connection's parameters", st, NULL, 0);
    if (ci.dwProtocol & SP_PROT_TLS1_3_CLIENT) {
        t->version = TLS13;
        snprintf(t->version_name, sizeof(t->version_name), "TLSv1.3");
    } else if (ci.dwProtocol & SP_PROT_TLS1_2_CLIENT) {
        t->version = TLS12;
        snprintf(t->version_name, sizeof(t->version_name), "TLSv1.2");
    } else {
        snprintf(t->version_name, sizeof(t->version_name), "0x%lx", (unsigned long)ci.dwProtocol);
        return fail_text(t, detail, WSM_SEC_E_UNSUPPORTED_FUNCTION,
                         "Schannel negotiated a TLS version older than 1.2");
    }
    /* Never trust the credentials alone with the version range (see wsm_tls_new for Wine's). */
    if (t->version < t->min_version || t->version > t->max_version) {
        char text[160];
        snprintf(text, sizeof(text), "the server chose %s, outside the TLS versions allowed (%s to %s)",
                 t->version_name, t->min_version == TLS13 ? "1.3" : "1.2",
                 t->max_version == TLS13 ? "1.3" : "1.2");
        return fail_text(t, detail, WSM_SEC_E_UNSUPPORTED_FUNCTION, text);
    }
    SecPkgContext_CipherInfo cinfo;
    memset(&cinfo, 0, sizeof(cinfo));
    st = QueryContextAttributesW(&t->ctx, SECPKG_ATTR_CIPHER_INFO, &cinfo);
    if (st == SEC_E_OK && cinfo.szCipherSuite[0]) {
        copy_wide(t->cipher_name, sizeof(t->cipher_name), cinfo.szCipherSuite);
        /* WINE: Wine 8 spells the suite from GnuTLS's names and ends AEAD suites with "_<unknown>" (no MAC):
         * "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_<unknown>". The IANA name ends with the PRF's hash instead (RFC
         * 5289 3.2, RFC 7905 2). */
        char *u = strstr(t->cipher_name, "_<unknown>");
        if (u) {
            *u = 0;
            const char *prf = contains(t->cipher_name, "_256_GCM") ? "_SHA384"
                              : contains(t->cipher_name, "_GCM") || contains(t->cipher_name, "CHACHA20")
                                  ? "_SHA256"
                                  : "";
            size_t l = strlen(t->cipher_name);
            snprintf(t->cipher_name + l, sizeof(t->cipher_name) - l, "%s", prf);
        }
    } else
        snprintf(t->cipher_name, sizeof(t->cipher_name),
                 "cipher 0x%04x (%lu bits), hash 0x%04x, exchange 0x%04x", (unsigned)ci.aiCipher,
                 (unsigned long)ci.dwCipherStrength, (unsigned)ci.aiHash, (unsigned)ci.aiExch);
    /* The trailer of one record (wsm_tls_trailer_length): AEAD or MAC + CBC padding (RFC 5246 6.2.3). */
    const char *n = t->cipher_name;
    t->aead = t->version == TLS13 || contains(n, "GCM") || contains(n, "CCM") || contains(n, "CHACHA");
    t->mac_len = contains(n, "SHA384") ? 48 : contains(n, "SHA256") ? 32 : 20;
    t->block_len = ci.aiCipher == CALG_3DES ? 8 : 16;
    if (st != SEC_E_OK || !cinfo.szCipherSuite[0]) {
        /* Without the suite's name: ConnectionInfo's hash is the MAC's (0 or none for AEAD suites). */
        t->aead = t->version == TLS13 || ci.aiHash == 0 || ci.dwHashStrength == 0;
        t->mac_len = ci.dwHashStrength ? ci.dwHashStrength / 8 : 20;
    }
    return WSM_S_OK;
}

/* One SecBuffer of the given type over n bytes at p. */
static void sec_buffer(SecBuffer *b, unsigned long type, void *p, size_t n)
{
    b->BufferType = type;
    b->pvBuffer = p;
    b->cbBuffer = (unsigned long)n;
}

/* One InitializeSecurityContext on in (no input when the context is new), ISC_REQ_ALLOCATE_MEMORY: *token is
 * what Schannel wrote to send (the caller frees it with FreeContextBuffer), *extra the number of input bytes
 * it left for the next call (SECBUFFER_EXTRA). */
static SECURITY_STATUS isc_call(struct wsm_tls *t, unsigned char *in, size_t in_len, SecBuffer *token,
                                size_t *extra)
{
    SecBuffer ib[2];
    SecBufferDesc idesc = {SECBUFFER_VERSION, 2, ib}, odesc = {SECBUFFER_VERSION, 1, token};
    sec_buffer(&ib[0], SECBUFFER_TOKEN, in, in_len);
    sec_buffer(&ib[1], SECBUFFER_EMPTY, NULL, 0);
    sec_buffer(token, SECBUFFER_TOKEN, NULL, 0);
    ULONG attrs = 0;
    TimeStamp expiry;
    int first = !t->have_ctx;
    SECURITY_STATUS st =
        InitializeSecurityContextW(&t->cred, first ? NULL : &t->ctx, t->whost, t->isc_flags, 0, 0,
                                   first ? NULL : &idesc, 0, first ? &t->ctx : NULL, &odesc, &attrs, &expiry);
    *extra = ib[1].BufferType == SECBUFFER_EXTRA ? ib[1].cbBuffer : 0;
    return st;
}

int32_t wsm_tls_handshake(struct wsm_tls *t, const void *in, size_t in_len, unsigned char **out,
                          size_t *out_len, int *done, char **detail)
{
    unsigned char *ob = NULL;
    size_t olen = 0, ocap = 0;
    int incomplete_creds = 0;
    *out = NULL;
    *out_len = 0;
    *done = 0;
    if (t->failed)
        return fail_text(t, detail, WSM_SEC_E_INTERNAL_ERROR, "the TLS channel failed before");
    if (t->done) {
        /* Records after the handshake wait for the first wsm_tls_decrypt. */
        if (in_len && !append(&t->in, &t->in_len, &t->in_cap, in, in_len))
            return WSM_E_OUTOFMEMORY;
        *done = 1;
        return WSM_S_OK;
    }
    if (!t->have_ctx && in_len)
        return fail_text(t, detail, WSM_E_INVALIDARG, "the first TLS handshake step takes no input");
    if (in_len && !append(&t->in, &t->in_len, &t->in_cap, in, in_len))
        return WSM_E_OUTOFMEMORY;
    if (t->in_len && !plausible_record(t->in, t->in_len)) {
        struct wsm_quoted q, b;
        t->failed = 1;
        return wsm_fail(
            detail, WSM_SEC_E_INVALID_TOKEN,
            "the server's reply in the TLS handshake with \"%s\" is no TLS record: it begins with "
            "\"%s\"",
            wsm_quote_str(&q, t->host), wsm_quote(&b, (const char *)t->in, t->in_len < 24 ? t->in_len : 24));
    }
    for (;;) {
        SecBuffer obuf[1];
        size_t extra = 0;
        int first = !t->have_ctx;
        SECURITY_STATUS st = isc_call(t, t->in, t->in_len, obuf, &extra);
        if (first && (st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED))
            t->have_ctx = 1;
        int ok = st == SEC_E_OK || st == SEC_I_CONTINUE_NEEDED;
        if (obuf[0].pvBuffer) {
            if (ok && obuf[0].cbBuffer && !append(&ob, &olen, &ocap, obuf[0].pvBuffer, obuf[0].cbBuffer))
                st = SEC_E_INSUFFICIENT_MEMORY;
            FreeContextBuffer(obuf[0].pvBuffer);
        }
        if (st == SEC_E_INCOMPLETE_MESSAGE)
            break; /* wait for the rest of the server's flight */
        if (st == SEC_I_INCOMPLETE_CREDENTIALS && !incomplete_creds) {
            /* The server asked for a client certificate: go on without one, with the same input (Microsoft's
             * "InitializeSecurityContext (Schannel)": call again, the client has no certificate to give). */
            incomplete_creds = 1;
            t->isc_flags |= ISC_REQ_USE_SUPPLIED_CREDS;
            continue;
        }
        if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
            int32_t rc = tls_fail(t, detail, "the TLS handshake failed", st, t->in, t->in_len);
            if (ob) {
                wsm_wipe(ob, ocap);
                free(ob);
            }
            return rc;
        }
        if (!first)
            keep_tail(t, extra);
        if (st == SEC_E_OK) {
            t->done = 1;
            int32_t rc = learn_connection(t, detail);
            if (rc != WSM_S_OK) {
                free(ob);
                return rc;
            }
            break;
        }
        if (!t->in_len)
            break; /* SEC_I_CONTINUE_NEEDED: send ours, wait for the server's */
    }
    *out = ob;
    *out_len = olen;
    *done = t->done;
    return WSM_S_OK;
}

/* ---- after the handshake ---- */

int32_t wsm_tls_peer_public_key(struct wsm_tls *t, unsigned char **key, size_t *key_len, char **detail)
{
    *key = NULL;
    *key_len = 0;
    if (!t->done)
        return fail_text(t, detail, WSM_SEC_E_INTERNAL_ERROR, "the TLS handshake is not complete");
    PCCERT_CONTEXT cert = NULL;
    SECURITY_STATUS st = QueryContextAttributesW(&t->ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, &cert);
    if (st != SEC_E_OK || !cert)
        return tls_fail(t, detail, "Schannel did not give the server's certificate", st, NULL, 0);
    const CRYPT_BIT_BLOB *bits = &cert->pCertInfo->SubjectPublicKeyInfo.PublicKey;
    int32_t rc = WSM_S_OK;
    if (!bits->cbData) {
        rc = fail_text(t, detail, WSM_SEC_E_INTERNAL_ERROR, "the server's certificate has no public key");
    } else if (!(*key = malloc(bits->cbData))) {
        rc = WSM_E_OUTOFMEMORY;
    } else {
        memcpy(*key, bits->pbData, bits->cbData);
        *key_len = bits->cbData;
    }
    CertFreeCertificateContext(cert);
    return rc;
}

/* Records can be made or read: the handshake completed and nothing failed since. */
static int32_t channel_ready(struct wsm_tls *t, char **detail)
{
    if (!t->done || t->failed)
        return fail_text(t, detail, WSM_SEC_E_INTERNAL_ERROR,
                         t->failed ? "the TLS channel failed before" : "the TLS handshake is not complete");
    return WSM_S_OK;
}

int32_t wsm_tls_encrypt(struct wsm_tls *t, const void *in, size_t in_len, unsigned char **out,
                        size_t *out_len, char **detail)
{
    int32_t hr;
    *out = NULL;
    *out_len = 0;
    if ((hr = channel_ready(t, detail)))
        return hr;
    const unsigned char *p = in;
    size_t maxmsg = t->sizes.cbMaximumMessage ? t->sizes.cbMaximumMessage : 16384;
    size_t hdr = t->sizes.cbHeader, trl = t->sizes.cbTrailer;
    size_t records = in_len ? (in_len + maxmsg - 1) / maxmsg : 1;
    if (records > (SIZE_MAX - in_len) / (hdr + trl + 1))
        return WSM_E_OUTOFMEMORY;
    size_t cap = in_len + records * (hdr + trl), len = 0;
    unsigned char *ob = malloc(cap ? cap : 1);
    unsigned char *rec = malloc(hdr + maxmsg + trl);
    if (!ob || !rec) {
        free(ob);
        free(rec);
        return WSM_E_OUTOFMEMORY;
    }
    int32_t rc = WSM_S_OK;
    size_t off = 0;
    do {
        size_t n = in_len - off < maxmsg ? in_len - off : maxmsg;
        SecBuffer b[4];
        SecBufferDesc desc = {SECBUFFER_VERSION, 4, b};
        memcpy(rec + hdr, p + off, n);
        sec_buffer(&b[0], SECBUFFER_STREAM_HEADER, rec, hdr);
        sec_buffer(&b[1], SECBUFFER_DATA, rec + hdr, n);
        sec_buffer(&b[2], SECBUFFER_STREAM_TRAILER, rec + hdr + n, trl);
        sec_buffer(&b[3], SECBUFFER_EMPTY, NULL, 0);
        SECURITY_STATUS st = EncryptMessage(&t->ctx, 0, &desc, 0);
        if (st != SEC_E_OK) {
            rc = tls_fail(t, detail, "Schannel could not encrypt a TLS record", st, NULL, 0);
            break;
        }
        /* The three parts as they came out, one after the other (a header or trailer shorter than the maximum
         * leaves a gap in rec). */
        size_t parts = (size_t)b[0].cbBuffer + b[1].cbBuffer + b[2].cbBuffer;
        if (b[0].cbBuffer > hdr || b[1].cbBuffer > n || b[2].cbBuffer > trl || len + parts > cap) {
            rc = fail_text(t, detail, WSM_SEC_E_INTERNAL_ERROR, "Schannel's encrypted record does not fit");
            break;
        }
        for (int i = 0; i < 3; i++) {
            memcpy(ob + len, b[i].pvBuffer, b[i].cbBuffer);
            len += b[i].cbBuffer;
        }
        off += n;
    } while (off < in_len);
    wsm_wipe(rec, hdr + maxmsg + trl);
    free(rec);
    if (rc != WSM_S_OK) {
        free(ob);
        return rc;
    }
    *out = ob;
    *out_len = len;
    return WSM_S_OK;
}

/* Windows' TLS 1.3 post-handshake messages (SEC_I_RENEGOTIATE): the rest of the records go to
 * InitializeSecurityContext; what it leaves (SECBUFFER_EXTRA) is application data again. */
static int32_t post_handshake(struct wsm_tls *t, unsigned char *rest, size_t rest_len, size_t *left,
                              char **detail)
{
    SecBuffer obuf[1];
    size_t extra = 0;
    SECURITY_STATUS st = isc_call(t, rest, rest_len, obuf, &extra);
    size_t sent = obuf[0].pvBuffer ? obuf[0].cbBuffer : 0;
    if (obuf[0].pvBuffer)
        FreeContextBuffer(obuf[0].pvBuffer);
    if (st != SEC_E_OK)
        return tls_fail(t, detail, "the server's TLS post-handshake message failed", st, rest, rest_len);
    if (sent)
        /* A renegotiation, or a KeyUpdate that wants an answer: this channel has no way to send one. */
        return fail_text(
            t, detail, WSM_SEC_E_UNSUPPORTED_FUNCTION,
            "the server asked for a TLS renegotiation or key update, which CredSSP does not allow");
    *left = extra;
    return WSM_S_OK;
}

/* The plaintext wsm_tls_decrypt collects. */
struct plain_buf {
    unsigned char *p;
    size_t len, cap;
};

/* A failed DecryptMessage of a record whose outer content type is type, in words (Wine's statuses mapped). */
static int32_t decrypt_failed(struct wsm_tls *t, SECURITY_STATUS st, unsigned char type,
                              const unsigned char *rec, size_t rec_len, char **detail)
{
    if (t->wine && st == SEC_E_INTERNAL_ERROR && type == 21)
        return fail_text(t, detail, WSM_SEC_E_INTERNAL_ERROR, "the server sent an encrypted TLS alert");
    if (t->wine && st == SEC_E_INTERNAL_ERROR)
        /* WINE: Wine 8 reports every failure of gnutls_record_recv as SEC_E_INTERNAL_ERROR, a record that
         * fails its integrity check (GNUTLS_E_DECRYPTION_FAILED) included; the records given are complete
         * (plausible_record, and SEC_E_INCOMPLETE_MESSAGE otherwise), so that is what it means here. */
        st = SEC_E_MESSAGE_ALTERED;
    if (st == SEC_I_CONTEXT_EXPIRED)
        return tls_fail(t, detail, "the TLS channel ended", st, NULL, 0);
    return tls_fail(t, detail, "a TLS record from the server could not be decrypted", st, rec, rec_len);
}

/* Decrypts the record at buf[pos..len) in place and appends its data to pl; *next: where the next record
 * starts (after the post-handshake messages of SEC_I_RENEGOTIATE, if any). */
static int32_t decrypt_record(struct wsm_tls *t, unsigned char *buf, size_t len, size_t pos,
                              struct plain_buf *pl, size_t *next, char **detail)
{
    if (!plausible_record(buf + pos, len - pos))
        return fail_text(t, detail, WSM_SEC_E_INVALID_TOKEN, "the server's bytes are no TLS record");
    SecBuffer b[4];
    SecBufferDesc desc = {SECBUFFER_VERSION, 4, b};
    sec_buffer(&b[0], SECBUFFER_DATA, buf + pos, len - pos);
    for (int i = 1; i < 4; i++) {
        sec_buffer(&b[i], SECBUFFER_EMPTY, NULL, 0);
    }
    unsigned char type = buf[pos]; /* the outer content type: 21 = alert (TLS 1.2) */
    SECURITY_STATUS st = DecryptMessage(&t->ctx, &desc, 0, NULL);
    if (st != SEC_E_OK && st != SEC_I_RENEGOTIATE)
        return decrypt_failed(t, st, type, buf + pos, len - pos, detail);
    size_t extra = 0;
    for (int i = 0; i < 4; i++) {
        if (b[i].BufferType == SECBUFFER_DATA && b[i].cbBuffer &&
            !append(&pl->p, &pl->len, &pl->cap, b[i].pvBuffer, b[i].cbBuffer))
            return WSM_E_OUTOFMEMORY;
        if (b[i].BufferType == SECBUFFER_EXTRA)
            extra = b[i].cbBuffer;
    }
    if (st == SEC_E_OK && type == 21)
        /* WINE: Wine 8 answers the server's close_notify with SEC_E_OK and no data (gnutls_record_recv's end
         * of stream), where Windows returns SEC_I_CONTEXT_EXPIRED. An alert record is never data. */
        return tls_fail(t, detail, "the TLS channel ended", SEC_I_CONTEXT_EXPIRED, NULL, 0);
    if (extra > len - pos)
        return fail_text(t, detail, WSM_SEC_E_INTERNAL_ERROR, "Schannel reported more bytes left than given");
    *next = len - extra;
    if (st == SEC_I_RENEGOTIATE) {
        size_t left = 0;
        int32_t rc = post_handshake(t, buf + *next, extra, &left, detail);
        if (rc != WSM_S_OK)
            return rc;
        *next = len - left;
    } else if (*next <= pos) {
        return fail_text(t, detail, WSM_SEC_E_INTERNAL_ERROR, "Schannel consumed no TLS record");
    }
    return WSM_S_OK;
}

int32_t wsm_tls_decrypt(struct wsm_tls *t, const void *in, size_t in_len, unsigned char **out,
                        size_t *out_len, char **detail)
{
    int32_t hr;
    *out = NULL;
    *out_len = 0;
    if ((hr = channel_ready(t, detail)))
        return hr;
    /* What the last handshake step left, then the new records: decrypted in place in this copy. */
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    struct plain_buf pl = {NULL, 0, 0};
    if (!append(&buf, &len, &cap, t->in, t->in_len) || !append(&buf, &len, &cap, in, in_len)) {
        free(buf);
        return WSM_E_OUTOFMEMORY;
    }
    keep_tail(t, 0);
    int32_t rc = WSM_S_OK;
    for (size_t pos = 0; pos < len && rc == WSM_S_OK;)
        rc = decrypt_record(t, buf, len, pos, &pl, &pos, detail);
    wsm_wipe(buf, cap);
    free(buf);
    if (rc != WSM_S_OK) {
        if (pl.p) {
            wsm_wipe(pl.p, pl.cap);
            free(pl.p);
        }
        return rc;
    }
    if (!pl.p && !(pl.p = malloc(1)))
        return WSM_E_OUTOFMEMORY;
    *out = pl.p;
    *out_len = pl.len;
    return WSM_S_OK;
}

size_t wsm_tls_trailer_length(const struct wsm_tls *t, size_t plaintext_len)
{
    if (!t->done)
        return 0;
    if (t->version == TLS13)
        return 17; /* the inner content type and the 16-byte AEAD tag (RFC 8446 5.2) */
    if (t->aead)
        return 16; /* the AEAD tag (RFC 5288 3) */
    /* CBC: MAC, then padding to the block with its length byte (RFC 5246 6.2.3.2) */
    size_t b = t->block_len ? t->block_len : 16;
    size_t body = plaintext_len + t->mac_len + 1;
    size_t padded = (body + b - 1) / b * b;
    return padded - plaintext_len;
}

const char *wsm_tls_version_name(const struct wsm_tls *t)
{
    return t && t->done ? t->version_name : "";
}

const char *wsm_tls_cipher_name(const struct wsm_tls *t)
{
    return t && t->done ? t->cipher_name : "";
}
