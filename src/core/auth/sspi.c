/*
 * Negotiate / Kerberos / NTLM through SSPI (secur32), the Windows back-end of gssauth.h; auth/gssapi.c is the
 * GSSAPI one of the Linux library and both keep the same contract, HRESULTs and wire layouts.
 *
 * Packages. SessionFlagUseKerberos uses the "Kerberos" package (raw RFC 4121 tokens under the HTTP scheme
 * "Kerberos"). Negotiate uses the "Negotiate" package, except to an IP literal, where no Kerberos ticket can
 * name the target and the "NTLM" package is used directly (raw NTLMSSP messages under "Negotiate", as
 * Windows' own client sends them when Kerberos is out of the question; MS-NLMP 3.1.5).
 *
 * Wine. Wine's "Negotiate" package does not speak SPNEGO: it hands out the raw token of its Kerberos
 * package (or, when that fails, of its NTLM package). A raw Kerberos token under the "Negotiate" scheme is
 * not what a WinRM server expects (MS-WSMV 2.2.9.1.1.1 carries SPNEGO there), so when the first token of
 * a Negotiate context is a raw Kerberos token this module carries it in a SPNEGO NegTokenInit itself
 * (RFC 4178 4.2.1, mechTypes = {krb5}) and takes the Kerberos token back out of the server's NegTokenResp
 * (verifying its mechListMIC when there is one). On Windows the package's own SPNEGO tokens pass through.
 *
 * Message encryption (MS-WSMV 2.2.9.1.1.2). NTLM: EncryptMessage(TOKEN 16 bytes, DATA) = the 16-byte
 * signature followed by the sealed data (MS-NLMP 3.4.3). Kerberos: Windows' layout, EncryptMessage(TOKEN,
 * DATA) where TOKEN is the RFC 4121 4.2.6.2 header with the trailer rotated into it (RRC = EC + 16 + the
 * checksum, MS-KILE 3.4.5.4.1) and DATA the encrypted data of the same length as the plaintext. Windows'
 * Kerberos package writes exactly that. Wine's does not (it seals with gss_wrap and splits the RRC-0 token
 * at the data length: DATA gets the first bytes of the token, TOKEN the rest), so under Wine the token is
 * put back together and rotated into Windows' layout here; and Wine's DecryptMessage joins DATA ‖ TOKEN and
 * unwraps that, so replies are rotated back to RRC 0 and split the same way before they go in. Both are
 * integrity-checked by the package; nothing unverified comes out.
 *
 * Channel bindings (RFC 5929 tls-server-end-point) go in as SECBUFFER_CHANNEL_BINDINGS on every leg. Wine's
 * Kerberos and NTLM packages ignore that buffer, so under Wine a handshake that should be bound fails here
 * (SEC_E_UNSUPPORTED_FUNCTION) rather than sending an unbound token over TLS.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef SECURITY_WIN32
#define SECURITY_WIN32
#endif

#include <windows.h>
#include <bcrypt.h>
#include <security.h>
#include <sspi.h>
#include <wincrypt.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "core.h"
#include "detail.h"
#include "gssauth.h"
#include "iplit.h"
#include "mechutil.h"

#define REQ_FLAGS                                                                                            \
    (ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY | ISC_REQ_SEQUENCE_DETECT |           \
     ISC_REQ_REPLAY_DETECT)
#define MAX_TOKEN 65536     /* output buffer of InitializeSecurityContext (Windows' MaxTokenSize is 48000) */
#define KRB_TOKEN_ROOM 2048 /* TOKEN buffer of a Kerberos EncryptMessage (60 bytes for AES) */
#define NTLM_SIGNATURE 16   /* MS-NLMP 2.2.2.9.1 */

/* Statuses Wine's LSA packages return as NTSTATUS. */
#define WINE_STATUS_UNSUCCESSFUL ((SECURITY_STATUS)0xC0000001L)

enum package { PKG_KERBEROS, PKG_NEGOTIATE, PKG_NTLM };

struct wsm_gss {
    enum wsm_gss_scheme scheme;
    enum package pkg;
    char *spn;   /* "HTTP/host[:port]" */
    WCHAR *wspn; /* the same, for InitializeSecurityContextW */
    char *user;  /* as given, for details; NULL: implicit credentials */
    int delegate;
    int wine;          /* running under Wine (see the top of the file) */
    char *krb5_reason; /* Negotiate: why Kerberos was not used (NULL: it was, or not known yet) */
    CredHandle cred;
    int have_cred;
    int64_t cred_expiry; /* when the package says the credentials end (FILETIME units; 0: not known) */
    CtxtHandle ctx;
    int have_ctx;
    int spnego;   /* Wine: this module carries the Kerberos tokens in SPNEGO */
    int raw_ntlm; /* the package answered with raw NTLMSSP messages */
    int complete;
    enum wsm_gss_mech mech;
    uint64_t krb_recv_seq; /* Wine, Kerberos: the highest sequence number of a reply that decrypted */
    int krb_recv_any;      /* ... once one did */
    size_t krb_cksum;      /* Wine, Kerberos: the checksum size of the context's wrap tokens (0: not known) */
};

/* ---- small helpers ---- */

static int running_on_wine(void)
{
    HMODULE nt = GetModuleHandleW(L"ntdll.dll");
    return nt && GetProcAddress(nt, "wine_get_version") != NULL;
}

/* UTF-8 → UTF-16, malloc'd; NULL when out of memory or not UTF-8 (*bad set then). */
static WCHAR *to_wide(const char *s, size_t n, int *bad)
{
    *bad = 0;
    if (!n)
        return calloc(1, sizeof(WCHAR));
    if (n > INT_MAX / 2) {
        *bad = 1;
        return NULL;
    }
    int len = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, (int)n, NULL, 0);
    if (len <= 0) {
        *bad = 1;
        return NULL;
    }
    WCHAR *w = malloc(((size_t)len + 1) * sizeof(WCHAR));
    if (!w)
        return NULL;
    if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, (int)n, w, len) != len) {
        free(w);
        *bad = 1;
        return NULL;
    }
    w[len] = 0;
    return w;
}

static void wipe_free_w(WCHAR *w)
{
    if (w) {
        wsm_wipe(w, wcslen(w) * sizeof(WCHAR));
        free(w);
    }
}

/* One SecBuffer of the given type over n bytes at p. */
static void sec_buffer(SecBuffer *b, unsigned long type, void *p, size_t n)
{
    b->BufferType = type;
    b->cbBuffer = (unsigned long)n;
    b->pvBuffer = p;
}

static const char *package_name(enum package p)
{
    return p == PKG_KERBEROS ? "Kerberos" : p == PKG_NTLM ? "NTLM" : "Negotiate";
}

/* The current time in FILETIME units (the unit of SSPI's TimeStamp). */
static int64_t filetime_now(void)
{
    FILETIME ft;
    GetSystemTimeAsFileTime(&ft);
    return (int64_t)((uint64_t)ft.dwHighDateTime << 32 | ft.dwLowDateTime);
}

/* Under Wine, implicit Kerberos credentials come from MIT's ticket cache: the one $KRB5CCNAME names (which
 * Wine passes through from the Unix environment), else MIT's default. Written into buf for the texts. */
static const char *wine_ccache(const struct wsm_gss *g, char *buf, size_t size)
{
    char name[512], q[1024];
    DWORD n = g->wine ? GetEnvironmentVariableA("KRB5CCNAME", name, sizeof(name)) : 0;
    if (!g->wine)
        snprintf(buf, size, "the logon session");
    else if (n && n < sizeof(name))
        /* The whole path (no WSM_QUOTE_MAX cut): the user needs it to find the cache. */
        snprintf(buf, size, "the ticket cache \"%s\" ($KRB5CCNAME)", wsm_quote_into(q, sizeof(q), name, n));
    else
        snprintf(buf, size, "the default ticket cache");
    return buf;
}

/* Wine's Kerberos package hands out implicit credentials whose ticket has already expired (MIT gives them the
 * lifetime 0, which Wine turns into the expiry "now"), and then fails the first InitializeSecurityContext
 * with one internal error. True when the package said so at AcquireCredentialsHandle. */
static int wine_cred_expired(const struct wsm_gss *g)
{
    return g->wine && !g->user && g->pkg == PKG_KERBEROS && g->cred_expiry > 0 &&
           g->cred_expiry <= filetime_now() + 10000000LL * 60;
}

/* ---- status mapping ---- */

enum phase { PH_CRED, PH_HANDSHAKE, PH_MESSAGE };

/* The HRESULT for an SSPI status and the cause in words (the same codes and causes as auth/gssapi.c). */
static int32_t classify(const struct wsm_gss *g, SECURITY_STATUS st, enum phase ph, char *cause, size_t size)
{
    /* The statuses whose cause is the same on every platform: the shared sentences (mechutil.c). */
    static const struct {
        SECURITY_STATUS st;
        enum wsm_cause cause;
    } same[] = {
        {SEC_E_LOGON_DENIED, WSM_CAUSE_LOGON_DENIED},
        {SEC_E_UNKNOWN_CREDENTIALS, WSM_CAUSE_BAD_USER_NAME},
        {SEC_E_TARGET_UNKNOWN, WSM_CAUSE_TARGET_UNKNOWN},
        {SEC_E_NO_AUTHENTICATING_AUTHORITY, WSM_CAUSE_NO_AUTHORITY},
        {SEC_E_TIME_SKEW, WSM_CAUSE_TIME_SKEW},
        {SEC_E_CONTEXT_EXPIRED, WSM_CAUSE_CONTEXT_EXPIRED},
        {SEC_E_SECPKG_NOT_FOUND, WSM_CAUSE_NO_PACKAGE},
        {SEC_E_WRONG_PRINCIPAL, WSM_CAUSE_WRONG_PRINCIPAL},
        {SEC_E_BAD_BINDINGS, WSM_CAUSE_BAD_BINDINGS},
        {SEC_E_MUTUAL_AUTH_FAILED, WSM_CAUSE_MUTUAL},
        {SEC_E_OUT_OF_SEQUENCE, WSM_CAUSE_OUT_OF_SEQUENCE},
        {SEC_E_INCOMPLETE_MESSAGE, WSM_CAUSE_INCOMPLETE},
        {SEC_E_DECRYPT_FAILURE, WSM_CAUSE_DECRYPT},
        {SEC_E_MESSAGE_ALTERED, WSM_CAUSE_ALTERED},
        {SEC_E_UNSUPPORTED_FUNCTION, WSM_CAUSE_UNSUPPORTED},
    };
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
        if (st == same[i].st)
            return wsm_mech_cause(same[i].cause, g->spn, cause, size);
    if (st == SEC_E_INVALID_TOKEN)
        /* Wine reports a bad token, a replay and an old token all as SEC_E_INVALID_TOKEN. */
        return wsm_mech_cause(ph == PH_MESSAGE ? WSM_CAUSE_ALTERED : WSM_CAUSE_BAD_TOKEN, g->spn, cause,
                              size);
    if (st == SEC_E_NO_CREDENTIALS) {
        char cc[1100];
        if (g->user)
            return wsm_mech_cause(WSM_CAUSE_NO_CREDENTIALS, g->spn, cause, size);
        if (!g->wine)
            snprintf(cause, size,
                     "there is no Kerberos ticket of the current user (no TGT in the logon session)");
        else if (g->pkg == PKG_KERBEROS)
            snprintf(cause, size, "there is no Kerberos ticket: %s does not exist or holds no TGT; run kinit",
                     wine_ccache(g, cc, sizeof(cc)));
        else
            snprintf(cause, size,
                     "there are no credentials of the current user: no Kerberos ticket in %s (run kinit) and "
                     "no NTLM credentials",
                     wine_ccache(g, cc, sizeof(cc)));
        return WSM_SEC_E_NO_CREDENTIALS;
    }
    if (g->wine && ph == PH_CRED && g->user && st == WINE_STATUS_UNSUCCESSFUL) {
        /* Wine's Kerberos package asks the KDC for the TGT in AcquireCredentialsHandle and reports every
         * failure of that request alike. */
        snprintf(
            cause, size,
            "the KDC did not issue a ticket for the user: wrong password, unknown user, or the realm's KDC "
            "cannot be reached (Wine's Kerberos package reports all of these as STATUS_UNSUCCESSFUL)");
        return WSM_SEC_E_LOGON_DENIED;
    }
    if (g->wine && ph == PH_HANDSHAKE && g->pkg == PKG_KERBEROS &&
        (st == SEC_E_INTERNAL_ERROR || st == WINE_STATUS_UNSUCCESSFUL)) {
        /* Wine's Kerberos package maps GSS_S_FAILURE whatever its minor status (the KDC's refusal of a
         * service ticket, an unreachable KDC, clock skew, an expired ticket) to one internal error. */
        if (wine_cred_expired(g)) {
            char cc[1100];
            snprintf(
                cause, size,
                "the Kerberos ticket has expired: the package gave the ticket in %s no lifetime left; run "
                "kinit",
                wine_ccache(g, cc, sizeof(cc)));
            return WSM_SEC_E_CONTEXT_EXPIRED;
        }
        if (g->user)
            /* The package got the user's TGT from the KDC a moment ago (AcquireCredentialsHandle), with the
             * clocks synchronised by that exchange. */
            snprintf(
                cause, size,
                "no service ticket for the SPN %s could be had, although the KDC had just issued the user's "
                "ticket: the KDC most likely does not know the SPN (check the host name or register the "
                "SPN; Wine's Kerberos package reports every failure to get a service ticket as one internal "
                "error)",
                g->spn);
        else
            snprintf(cause, size,
                     "no service ticket for the SPN %s could be had: the KDC does not know the SPN, the KDC "
                     "cannot be reached, or the clocks of this machine and the KDC differ too much (Wine's "
                     "Kerberos package reports all of these as one internal error; check the host name, the "
                     "realm's KDC in krb5.conf and the clock)",
                     g->spn);
        return WSM_SEC_E_TARGET_UNKNOWN;
    }
    return wsm_mech_cause(WSM_CAUSE_FAILED, g->spn, cause, size);
}

static int32_t sspi_fail(const struct wsm_gss *g, char **detail, const char *what, SECURITY_STATUS st,
                         enum phase ph, int32_t fallback)
{
    char cause[1200], who[800];
    struct wsm_quoted q;
    if ((uint32_t)st == (uint32_t)SEC_E_INSUFFICIENT_MEMORY)
        return WSM_E_OUTOFMEMORY;
    int32_t code = classify(g, st, ph, cause, sizeof(cause));
    if (g->user)
        snprintf(who, sizeof(who), "user \"%s\"", wsm_quote_str(&q, g->user));
    else if (g->wine && g->pkg != PKG_NTLM) {
        char cc[1100];
        snprintf(who, sizeof(who), "the current user's credentials from %s", wine_ccache(g, cc, sizeof(cc)));
    } else
        snprintf(who, sizeof(who), "the current user's credentials");
    if (code == WSM_SEC_E_INTERNAL_ERROR && fallback)
        code = fallback;
    return wsm_fail(detail, code, "%s: %s (%s, SPN %s; SSPI package %s: status 0x%08lx)%s%s", what, cause,
                    who, g->spn, package_name(g->pkg), (unsigned long)(uint32_t)st,
                    g->krb5_reason ? "; Kerberos was not used because " : "",
                    g->krb5_reason ? g->krb5_reason : "");
}

/* ---- SPNEGO (RFC 4178, DER) for Wine's raw Kerberos tokens ---- */

static const unsigned char oid_spnego[] = {0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02};
static const unsigned char oid_krb5_body[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
/* 1.2.840.48018.1.2.2, the krb5 OID as older Windows acceptors spell it */
static const unsigned char oid_krb5_ms_body[] = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};
/* MechTypeList = SEQUENCE { krb5 }: what the mechListMIC is computed over (RFC 4178 4.2.1) */
static const unsigned char mech_types[] = {0x30, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48,
                                           0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};

static size_t der_len_size(size_t n)
{
    return n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x1000000 ? 4 : 5;
}

static unsigned char *der_put(unsigned char *p, unsigned char tag, size_t n)
{
    *p++ = tag;
    size_t ls = der_len_size(n);
    if (ls == 1) {
        *p++ = (unsigned char)n;
    } else {
        *p++ = (unsigned char)(0x80 | (ls - 1));
        for (size_t i = ls - 1; i > 0; i--)
            *p++ = (unsigned char)(n >> (8 * (i - 1)));
    }
    return p;
}

/* Reads a tag and length at *p (within end); returns the content length, or -1. */
static long der_get(const unsigned char **p, const unsigned char *end, unsigned char *tag)
{
    const unsigned char *s = *p;
    if (end - s < 2)
        return -1;
    *tag = *s++;
    size_t n = *s++;
    if (n & 0x80) {
        unsigned k = n & 0x7f;
        if (k == 0 || k > 4 || (size_t)(end - s) < k)
            return -1;
        n = 0;
        while (k--)
            n = n << 8 | *s++;
    }
    if (n > (size_t)(end - s))
        return -1;
    *p = s;
    return (long)n;
}

/* A GSS-API InitialContextToken (RFC 2743 3.1) whose mechanism is krb5. */
static int is_raw_krb5(const unsigned char *t, size_t n)
{
    const unsigned char *p = t, *end = t + n;
    unsigned char tag;
    long len = der_get(&p, end, &tag);
    if (len < 0 || tag != 0x60)
        return 0;
    end = p + len;
    len = der_get(&p, end, &tag);
    return len == (long)sizeof(oid_krb5_body) && tag == 0x06 &&
           !memcmp(p, oid_krb5_body, sizeof(oid_krb5_body));
}

static int is_ntlmssp(const unsigned char *t, size_t n)
{
    return n >= 8 && !memcmp(t, "NTLMSSP", 8);
}

/* NegTokenInit { mechTypes {krb5}, mechToken tok } in its InitialContextToken framing. malloc'd. */
static unsigned char *spnego_init(const unsigned char *tok, size_t n, size_t *out_len)
{
    size_t oct = 1 + der_len_size(n) + n;                                  /* OCTET STRING */
    size_t a2 = 1 + der_len_size(oct) + oct;                               /* [2] mechToken */
    size_t a0 = 1 + der_len_size(sizeof(mech_types)) + sizeof(mech_types); /* [0] mechTypes */
    size_t seq = 1 + der_len_size(a0 + a2) + a0 + a2;
    size_t neg = 1 + der_len_size(seq) + seq; /* [0] NegTokenInit */
    size_t body = sizeof(oid_spnego) + neg;
    size_t total = 1 + der_len_size(body) + body;
    unsigned char *buf = malloc(total), *p = buf;
    if (!buf)
        return NULL;
    p = der_put(p, 0x60, body);
    memcpy(p, oid_spnego, sizeof(oid_spnego));
    p += sizeof(oid_spnego);
    p = der_put(p, 0xa0, seq);
    p = der_put(p, 0x30, a0 + a2);
    p = der_put(p, 0xa0, sizeof(mech_types));
    memcpy(p, mech_types, sizeof(mech_types));
    p += sizeof(mech_types);
    p = der_put(p, 0xa2, oct);
    p = der_put(p, 0x04, n);
    memcpy(p, tok, n);
    *out_len = total;
    return buf;
}

/* NegTokenResp { responseToken tok }. malloc'd. */
static unsigned char *spnego_resp(const unsigned char *tok, size_t n, size_t *out_len)
{
    size_t oct = 1 + der_len_size(n) + n;
    size_t a2 = 1 + der_len_size(oct) + oct;
    size_t seq = 1 + der_len_size(a2) + a2;
    size_t total = 1 + der_len_size(seq) + seq;
    unsigned char *buf = malloc(total), *p = buf;
    if (!buf)
        return NULL;
    p = der_put(p, 0xa1, seq);
    p = der_put(p, 0x30, a2);
    p = der_put(p, 0xa2, oct);
    p = der_put(p, 0x04, n);
    memcpy(p, tok, n);
    *out_len = total;
    return buf;
}

struct neg_resp {
    int state; /* -1: absent; 0 accept-completed, 1 accept-incomplete, 2 reject, 3 request-mic */
    int mech_krb5, mech_other;
    const unsigned char *token, *mic;
    size_t token_len, mic_len;
};

/* Parses a NegTokenResp (RFC 4178 4.2.2); 0 when it is not one. */
static int spnego_parse_resp(const unsigned char *t, size_t n, struct neg_resp *r)
{
    const unsigned char *p = t, *end = t + n;
    unsigned char tag;
    long len;

    memset(r, 0, sizeof(*r));
    r->state = -1;
    if ((len = der_get(&p, end, &tag)) < 0 || tag != 0xa1)
        return 0;
    end = p + len;
    if ((len = der_get(&p, end, &tag)) < 0 || tag != 0x30)
        return 0;
    end = p + len;
    while (p < end) {
        if ((len = der_get(&p, end, &tag)) < 0)
            return 0;
        const unsigned char *ip = p, *iend = p + len;
        unsigned char itag;
        long ilen = der_get(&ip, iend, &itag);
        if (ilen < 0)
            return 0;
        switch (tag) {
        case 0xa0:
            if (itag != 0x0a || ilen != 1)
                return 0;
            r->state = ip[0];
            break;
        case 0xa1:
            if (itag != 0x06)
                return 0;
            if ((ilen == (long)sizeof(oid_krb5_body) && !memcmp(ip, oid_krb5_body, sizeof(oid_krb5_body))) ||
                (ilen == (long)sizeof(oid_krb5_ms_body) &&
                 !memcmp(ip, oid_krb5_ms_body, sizeof(oid_krb5_ms_body))))
                r->mech_krb5 = 1;
            else
                r->mech_other = 1;
            break;
        case 0xa2:
            if (itag != 0x04)
                return 0;
            r->token = ip;
            r->token_len = (size_t)ilen;
            break;
        case 0xa3:
            if (itag != 0x04)
                return 0;
            r->mic = ip;
            r->mic_len = (size_t)ilen;
            break;
        default:
            break;
        }
        p += len;
    }
    return 1;
}

/* ---- lifetime ---- */

void wsm_gss_reset(struct wsm_gss *g)
{
    if (!g)
        return;
    if (g->have_ctx)
        DeleteSecurityContext(&g->ctx);
    g->have_ctx = 0;
    g->complete = 0;
    g->spnego = 0;
    g->raw_ntlm = 0;
    g->mech = WSM_GSS_MECH_NONE;
    g->krb_recv_seq = 0;
    g->krb_recv_any = 0;
    g->krb_cksum = 0;
}

void wsm_gss_free(struct wsm_gss *g)
{
    if (!g)
        return;
    wsm_gss_reset(g);
    if (g->have_cred)
        FreeCredentialsHandle(&g->cred);
    free(g->spn);
    free(g->wspn);
    free(g->user);
    free(g->krb5_reason);
    free(g);
}

/* Acquires the credentials: explicit ones as SEC_WINNT_AUTH_IDENTITY_W from "DOMAIN\user", "user@REALM"
 * (user and realm: Wine's Kerberos package builds user@domain itself) or "user"; the wide copy of the
 * password is wiped as soon as the package has it. */
static int32_t acquire(struct wsm_gss *g, const struct wsm_gss_config *cfg, char **detail)
{
    SEC_WINNT_AUTH_IDENTITY_W id;
    WCHAR *user = NULL, *domain = NULL, *password = NULL;
    WCHAR *pkg = g->pkg == PKG_KERBEROS ? L"Kerberos" : g->pkg == PKG_NTLM ? L"NTLM" : L"Negotiate";
    struct wsm_quoted q;
    int32_t hr = 0;
    int bad = 0;

    memset(&id, 0, sizeof(id));
    if (g->user) {
        const char *u = g->user, *bs = strchr(u, '\\'), *at = strrchr(u, '@');
        const char *name = u, *dom = NULL;
        size_t name_len = strlen(u), dom_len = 0;
        if (bs) {
            if (bs == u || !bs[1] || strchr(bs + 1, '\\'))
                return wsm_fail(
                    detail, WSM_SEC_E_UNKNOWN_CREDENTIALS,
                    "the user name \"%s\" cannot be used: DOMAIN\\user needs a domain and a user name",
                    wsm_quote_str(&q, u));
            dom = u;
            dom_len = (size_t)(bs - u);
            name = bs + 1;
            name_len = strlen(name);
        } else if (at) {
            if (at == u || !at[1])
                return wsm_fail(detail, WSM_SEC_E_UNKNOWN_CREDENTIALS,
                                "the user name \"%s\" cannot be used: user@REALM needs a user and a realm",
                                wsm_quote_str(&q, u));
            name_len = (size_t)(at - u);
            dom = at + 1;
            dom_len = strlen(dom);
        }
        if (!(user = to_wide(name, name_len, &bad)) || (dom && !(domain = to_wide(dom, dom_len, &bad))) ||
            !(password = to_wide(cfg->password ? cfg->password : "",
                                 strlen(cfg->password ? cfg->password : ""), &bad))) {
            hr = bad ? wsm_fail(detail, WSM_SEC_E_UNKNOWN_CREDENTIALS,
                                "the user name or the password of user \"%s\" is not valid UTF-8",
                                wsm_quote_str(&q, u))
                     : WSM_E_OUTOFMEMORY;
            goto done;
        }
        /* A Kerberos realm is the upper-case form of the domain (as auth/gssapi.c does: DOMAIN\user =
         * user@DOMAIN). */
        if (domain && g->pkg == PKG_KERBEROS && bs)
            for (WCHAR *c = domain; *c; c++)
                if (*c >= 'a' && *c <= 'z')
                    *c = (WCHAR)(*c - 'a' + 'A');
        id.User = (unsigned short *)user;
        id.UserLength = (unsigned long)wcslen(user);
        id.Domain = (unsigned short *)domain;
        id.DomainLength = domain ? (unsigned long)wcslen(domain) : 0;
        id.Password = (unsigned short *)password;
        id.PasswordLength = (unsigned long)wcslen(password);
        id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    }
    TimeStamp expiry;
    SECURITY_STATUS st = AcquireCredentialsHandleW(NULL, pkg, SECPKG_CRED_OUTBOUND, NULL,
                                                   g->user ? &id : NULL, NULL, NULL, &g->cred, &expiry);
    if (st == SEC_E_OK) {
        g->have_cred = 1;
        g->cred_expiry = expiry.QuadPart;
    } else if (st == SEC_E_SECPKG_NOT_FOUND) {
        hr = wsm_fail(detail, WSM_SEC_E_SECPKG_NOT_FOUND,
                      "the SSPI security package \"%s\" is not installed (SPN %s)%s", package_name(g->pkg),
                      g->spn,
                      g->wine && g->pkg != PKG_KERBEROS
                          ? "; under Wine, NTLM needs Samba's ntlm_auth (Debian package winbind)"
                          : "");
    } else {
        hr = sspi_fail(g, detail, g->user ? "the credentials could not be acquired" : "no credentials", st,
                       PH_CRED, g->user ? 0 : WSM_SEC_E_NO_CREDENTIALS);
    }
done:
    free(user);
    free(domain);
    wipe_free_w(password);
    wsm_wipe(&id, sizeof(id));
    return hr;
}

int32_t wsm_gss_new(const struct wsm_gss_config *cfg, struct wsm_gss **out, char **detail)
{
    int32_t hr;
    int bad, ip;
    char *spn;

    if ((hr = wsm_mech_new_begin(cfg, out, &spn, detail)))
        return hr;

    struct wsm_gss *g = calloc(1, sizeof(*g));
    if (!g) {
        free(spn);
        return WSM_E_OUTOFMEMORY;
    }
    g->scheme = cfg->scheme;
    g->delegate = cfg->delegate;
    g->wine = running_on_wine();
    g->spn = spn; /* exactly as given (never resolved or canonicalised) */
    if (cfg->user && cfg->user[0])
        g->user = wsm_strdup(cfg->user);
    if (!g->spn || (cfg->user && cfg->user[0] && !g->user)) {
        wsm_gss_free(g);
        return WSM_E_OUTOFMEMORY;
    }
    if (!(g->wspn = to_wide(g->spn, strlen(g->spn), &bad))) {
        hr = bad ? wsm_fail(detail, WSM_E_INVALIDARG, "the SPN %s is not valid UTF-8", g->spn)
                 : WSM_E_OUTOFMEMORY;
        wsm_gss_free(g);
        return hr;
    }
    if (g->scheme == WSM_GSS_KERBEROS) {
        g->pkg = PKG_KERBEROS;
    } else if ((hr = wsm_mech_negotiate_target(cfg, &ip, &g->krb5_reason, detail)) != 0) {
        wsm_gss_free(g);
        return hr;
    } else {
        g->pkg = ip ? PKG_NTLM : PKG_NEGOTIATE;
    }
    if ((hr = acquire(g, cfg, detail)) != 0) {
        wsm_gss_free(g);
        return hr;
    }
    *out = g;
    return 0;
}

/* ---- handshake ---- */

static int32_t verify_mic(struct wsm_gss *g, const unsigned char *mic, size_t mic_len, char **detail)
{
    unsigned char data[sizeof(mech_types)], *sig = malloc(mic_len ? mic_len : 1);
    SecBuffer b[2];
    SecBufferDesc desc = {SECBUFFER_VERSION, 2, b};
    ULONG qop = 0;
    if (!sig)
        return WSM_E_OUTOFMEMORY;
    memcpy(data, mech_types, sizeof(data));
    memcpy(sig, mic, mic_len);
    sec_buffer(&b[0], SECBUFFER_DATA, data, sizeof(data));
    sec_buffer(&b[1], SECBUFFER_TOKEN, sig, mic_len);
    SECURITY_STATUS st = VerifySignature(&g->ctx, &desc, 0, &qop);
    free(sig);
    if (st != SEC_E_OK)
        return sspi_fail(g, detail, "the server's SPNEGO mechListMIC is not valid", st, PH_HANDSHAKE,
                         WSM_SEC_E_INVALID_TOKEN);
    return 0;
}

/* The mechanism of an established context of the Negotiate package (Windows): the negotiated package. */
static enum wsm_gss_mech negotiated_mech(struct wsm_gss *g)
{
    SecPkgContext_NegotiationInfoW ni;
    SecPkgContext_PackageInfoW pi;
    enum wsm_gss_mech m = WSM_GSS_MECH_NONE;
    const WCHAR *name = NULL;

    memset(&ni, 0, sizeof(ni));
    memset(&pi, 0, sizeof(pi));
    if (QueryContextAttributesW(&g->ctx, SECPKG_ATTR_NEGOTIATION_INFO, &ni) == SEC_E_OK && ni.PackageInfo)
        name = ni.PackageInfo->Name;
    else if (QueryContextAttributesW(&g->ctx, SECPKG_ATTR_PACKAGE_INFO, &pi) == SEC_E_OK && pi.PackageInfo)
        name = pi.PackageInfo->Name;
    if (name && !_wcsicmp(name, L"Kerberos"))
        m = WSM_GSS_MECH_KRB5;
    else if (name && !_wcsicmp(name, L"NTLM"))
        m = WSM_GSS_MECH_NTLM;
    if (ni.PackageInfo)
        FreeContextBuffer(ni.PackageInfo);
    if (pi.PackageInfo)
        FreeContextBuffer(pi.PackageInfo);
    return m;
}

/* Wine + SPNEGO: the server's NegTokenResp carries the Kerberos token; *itok and *ilen become that token. */
static int32_t spnego_unpack(struct wsm_gss *g, const unsigned char **itok, size_t *ilen,
                             struct neg_resp *resp, char **detail)
{
    memset(resp, 0, sizeof(*resp));
    resp->state = -1;
    if (!g->have_ctx || !g->spnego || !*ilen || (*itok)[0] != 0xa1)
        return 0;
    if (!spnego_parse_resp(*itok, *ilen, resp))
        return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                        "the server's SPNEGO answer (SPN %s) is not a valid NegTokenResp", g->spn);
    if (resp->state == 2) {
        wsm_gss_reset(g);
        return wsm_fail(detail, WSM_SEC_E_LOGON_DENIED,
                        "the server rejected the Kerberos authentication (SPNEGO reject, SPN %s)", g->spn);
    }
    if (resp->mech_other) {
        wsm_gss_reset(g);
        return wsm_fail(detail, WSM_SEC_E_INVALID_TOKEN,
                        "the server chose a SPNEGO mechanism other than the offered Kerberos (SPN %s)",
                        g->spn);
    }
    if (!resp->token_len) {
        wsm_gss_reset(g);
        return wsm_fail(detail, WSM_SEC_E_MUTUAL_AUTH_FAILED,
                        "the server's SPNEGO answer carries no Kerberos token, so it did not prove its "
                        "identity (mutual authentication, SPN %s)",
                        g->spn);
    }
    *itok = resp->token;
    *ilen = resp->token_len;
    return 0;
}

/* The input buffers of a leg: a copy of the server's token (SSPI takes writable buffers) and the channel
 * bindings as SEC_CHANNEL_BINDINGS with only the application data (RFC 5929 4.1). */
struct leg_input {
    SecBuffer b[2];
    SecBufferDesc desc;
    unsigned char *tok, *cb;
};

static int32_t leg_input(struct leg_input *li, const unsigned char *itok, size_t ilen, const void *cb,
                         size_t cb_len)
{
    memset(li, 0, sizeof(*li));
    li->desc.ulVersion = SECBUFFER_VERSION;
    li->desc.pBuffers = li->b;
    if (ilen) {
        if (!(li->tok = malloc(ilen)))
            return WSM_E_OUTOFMEMORY;
        memcpy(li->tok, itok, ilen);
        sec_buffer(&li->b[li->desc.cBuffers++], SECBUFFER_TOKEN, li->tok, ilen);
    }
    if (cb) {
        size_t n = sizeof(SEC_CHANNEL_BINDINGS) + cb_len;
        if (!(li->cb = calloc(1, n))) {
            free(li->tok);
            return WSM_E_OUTOFMEMORY;
        }
        SEC_CHANNEL_BINDINGS *b = (SEC_CHANNEL_BINDINGS *)li->cb;
        b->cbApplicationDataLength = (unsigned long)cb_len;
        b->dwApplicationDataOffset = sizeof(SEC_CHANNEL_BINDINGS);
        memcpy(li->cb + sizeof(SEC_CHANNEL_BINDINGS), cb, cb_len);
        sec_buffer(&li->b[li->desc.cBuffers++], SECBUFFER_CHANNEL_BINDINGS, li->cb, n);
    }
    return 0;
}

/* One InitializeSecurityContext (and CompleteAuthToken when the package asks for it) into obuf (MAX_TOKEN
 * bytes): *olen and *attrs; *st SEC_E_OK or SEC_I_CONTINUE_NEEDED. A failure forgets the context. */
static int32_t isc_leg(struct wsm_gss *g, struct leg_input *li, unsigned char *obuf, size_t *olen,
                       ULONG *attrs, SECURITY_STATUS *st, char **detail)
{
    SecBuffer outb;
    SecBufferDesc out_desc = {SECBUFFER_VERSION, 1, &outb};
    sec_buffer(&outb, SECBUFFER_TOKEN, obuf, MAX_TOKEN);
    int first = !g->have_ctx;
    TimeStamp expiry;
    *attrs = 0;
    *st = InitializeSecurityContextW(
        &g->cred, first ? NULL : &g->ctx, g->wspn, REQ_FLAGS | (g->delegate ? ISC_REQ_DELEGATE : 0), 0,
        SECURITY_NATIVE_DREP, li->desc.cBuffers ? &li->desc : NULL, 0, &g->ctx, &out_desc, attrs, &expiry);
    if (first && (*st == SEC_E_OK || *st == SEC_I_CONTINUE_NEEDED || *st == SEC_I_COMPLETE_NEEDED ||
                  *st == SEC_I_COMPLETE_AND_CONTINUE))
        g->have_ctx = 1;
    if (*st == SEC_I_COMPLETE_NEEDED || *st == SEC_I_COMPLETE_AND_CONTINUE) {
        SECURITY_STATUS cst = CompleteAuthToken(&g->ctx, &out_desc);
        if (cst != SEC_E_OK)
            *st = cst;
        else
            *st = *st == SEC_I_COMPLETE_NEEDED ? SEC_E_OK : SEC_I_CONTINUE_NEEDED;
    }
    if (*st != SEC_E_OK && *st != SEC_I_CONTINUE_NEEDED) {
        const char *what = g->scheme == WSM_GSS_KERBEROS ? "Kerberos authentication failed"
                           : g->pkg == PKG_NTLM          ? "Negotiate (NTLM) authentication failed"
                                                         : "Negotiate authentication failed";
        wsm_gss_reset(g);
        return sspi_fail(g, detail, what, *st, PH_HANDSHAKE, 0);
    }
    *olen = outb.cbBuffer <= MAX_TOKEN ? outb.cbBuffer : 0;
    return 0;
}

/* The first token tells what the package speaks: raw NTLMSSP, or (Wine, Negotiate) a raw Kerberos token
 * that this module carries in SPNEGO. */
static int32_t note_first_token(struct wsm_gss *g, const unsigned char *tok, size_t n)
{
    if (is_ntlmssp(tok, n)) {
        g->raw_ntlm = 1;
        if (g->pkg == PKG_NEGOTIATE && !g->krb5_reason &&
            !(g->krb5_reason = wsm_asprintf("the Negotiate package chose NTLM (no Kerberos ticket could be "
                                            "had for the SPN %s)",
                                            g->spn)))
            return WSM_E_OUTOFMEMORY;
    } else if (g->pkg == PKG_NEGOTIATE && is_raw_krb5(tok, n)) {
        g->spnego = 1; /* Wine: carry it in SPNEGO (see the top of the file) */
    }
    return 0;
}

/* The context is established: its mechanism must seal, and Kerberos must have authenticated the server. */
static int32_t leg_complete(struct wsm_gss *g, int first, ULONG attrs, const struct neg_resp *resp,
                            char **detail)
{
    if (g->pkg == PKG_KERBEROS || g->spnego)
        g->mech = WSM_GSS_MECH_KRB5;
    else if (g->pkg == PKG_NTLM || g->raw_ntlm)
        g->mech = WSM_GSS_MECH_NTLM;
    else
        g->mech = negotiated_mech(g);
    if (g->mech == WSM_GSS_MECH_NONE)
        return wsm_fail(detail, WSM_SEC_E_UNSUPPORTED_FUNCTION,
                        "message encryption not available: the server chose a mechanism other than Kerberos "
                        "and NTLM (SPN %s)",
                        g->spn);
    if (!(g->wine && g->mech == WSM_GSS_MECH_NTLM) &&
        (attrs & (ISC_RET_CONFIDENTIALITY | ISC_RET_INTEGRITY)) !=
            (ISC_RET_CONFIDENTIALITY | ISC_RET_INTEGRITY))
        /* (Wine's NTLM package reports no attributes at all; wsm_gss_wrap checks that it seals.) */
        return wsm_fail(detail, WSM_SEC_E_UNSUPPORTED_FUNCTION,
                        "message encryption not available: the security context with SPN %s lacks %s", g->spn,
                        (attrs & ISC_RET_CONFIDENTIALITY) ? "integrity" : "confidentiality");
    if (g->mech == WSM_GSS_MECH_KRB5 && (first || !(attrs & ISC_RET_MUTUAL_AUTH)))
        return wsm_fail(
            detail, WSM_SEC_E_MUTUAL_AUTH_FAILED,
            "the Kerberos context with SPN %s was completed without the server proving its identity "
            "(mutual authentication)",
            g->spn);
    if (g->spnego && resp->mic_len)
        return verify_mic(g, resp->mic, resp->mic_len, detail);
    return 0;
}

/* The token to send: the package's own, or (g->spnego) carried in a NegTokenInit / NegTokenResp. */
static int32_t hand_out(const struct wsm_gss *g, int first, const unsigned char *tok, size_t n,
                        unsigned char **out, size_t *out_len)
{
    if (g->spnego)
        *out = first ? spnego_init(tok, n, out_len) : spnego_resp(tok, n, out_len);
    else if ((*out = malloc(n)) != NULL) {
        memcpy(*out, tok, n);
        *out_len = n;
    }
    if (!*out) {
        *out_len = 0;
        return WSM_E_OUTOFMEMORY;
    }
    return 0;
}

int32_t wsm_gss_step(struct wsm_gss *g, const void *in, size_t in_len, const void *cb, size_t cb_len,
                     unsigned char **out, size_t *out_len, int *complete, char **detail)
{
    struct neg_resp resp;
    const unsigned char *itok = in;
    size_t ilen = in ? in_len : 0, olen = 0;
    int32_t hr;

    int args_ok = g && out && out_len && complete && !(in_len && !in) && !(cb_len && !cb) &&
                  in_len <= 0x7fffffff && cb_len <= 0x7fffffff;
    enum wsm_mech_leg leg = wsm_mech_step_begin(args_ok, g ? g->spn : NULL, g && g->complete,
                                                g && g->have_ctx, ilen, out, out_len, complete, &hr, detail);
    if (leg == WSM_LEG_NO_FINAL)
        wsm_gss_reset(g); /* the server dropped the context */
    if (leg != WSM_LEG_FIRST && leg != WSM_LEG_NEXT)
        return hr;
    if (cb && g->wine)
        return wsm_fail(
            detail, WSM_SEC_E_UNSUPPORTED_FUNCTION,
            "channel binding is not available: over HTTPS the %s handshake with SPN %s must carry the "
            "RFC 5929 tls-server-end-point binding of the server certificate, and Wine's Kerberos and "
            "NTLM security packages ignore SECBUFFER_CHANNEL_BINDINGS, so no unbound token is sent. "
            "Use HTTP (the messages are encrypted) or Basic/a client certificate over HTTPS",
            g->scheme == WSM_GSS_KERBEROS ? "Kerberos" : "Negotiate", g->spn);
    if ((hr = spnego_unpack(g, &itok, &ilen, &resp, detail)))
        return hr;

    struct leg_input li;
    unsigned char *obuf;
    if ((hr = leg_input(&li, itok, ilen, cb, cb_len)))
        return hr;
    if (!(obuf = malloc(MAX_TOKEN))) {
        free(li.tok);
        free(li.cb);
        return WSM_E_OUTOFMEMORY;
    }
    int first = !g->have_ctx;
    ULONG attrs;
    SECURITY_STATUS st;
    hr = isc_leg(g, &li, obuf, &olen, &attrs, &st, detail);
    free(li.tok);
    free(li.cb);
    if (!hr && first && olen)
        hr = note_first_token(g, obuf, olen);
    if (!hr && st == SEC_E_OK && !(hr = leg_complete(g, first, attrs, &resp, detail))) {
        g->complete = 1;
        *complete = 1;
    }
    if (!hr && olen)
        hr = hand_out(g, first, obuf, olen, out, out_len);
    free(obuf);
    if (hr) {
        free(*out);
        *out = NULL;
        *out_len = 0;
        *complete = 0;
        wsm_gss_reset(g);
    }
    return hr;
}

enum wsm_gss_mech wsm_gss_mech(const struct wsm_gss *g)
{
    return g && g->complete ? g->mech : WSM_GSS_MECH_NONE;
}

const char *wsm_gss_spn(const struct wsm_gss *g)
{
    return g ? g->spn : NULL;
}

const char *wsm_gss_fallback_reason(const struct wsm_gss *g)
{
    return g ? g->krb5_reason : NULL;
}

/* ---- message encryption ---- */

static void reverse(unsigned char *p, size_t n)
{
    for (size_t i = 0, j = n ? n - 1 : 0; i < j; i++, j--) {
        unsigned char c = p[i];
        p[i] = p[j];
        p[j] = c;
    }
}

/* Rotates p[0..n) right by r bytes (RFC 4121 4.2.5); left is right by n - r. */
static void rotate_right(unsigned char *p, size_t n, size_t r)
{
    if (!n || !(r %= n))
        return;
    reverse(p, n);
    reverse(p, r);
    reverse(p + r, n - r);
}

/* Where wsm_gss_wrap puts its results. */
struct wrap_out {
    unsigned char **out;
    size_t *out_len, *hdr_len, *orig_len;
};

/* *out = the t header bytes ‖ the len bytes of encrypted data. */
static int32_t wrap_join(const struct wrap_out *w, const unsigned char *tok, size_t t,
                         const unsigned char *data, size_t len)
{
    if ((*w->out = malloc(t + len ? t + len : 1)) == NULL)
        return WSM_E_OUTOFMEMORY;
    memcpy(*w->out, tok, t);
    memcpy(*w->out + t, data, len);
    *w->out_len = t + len;
    *w->hdr_len = t;
    *w->orig_len = len;
    return 0;
}

/* EncryptMessage(TOKEN of room bytes, DATA in place); *t: the token length it wrote. */
static int32_t seal(struct wsm_gss *g, unsigned char *tok, size_t room, unsigned char *data, size_t len,
                    size_t *t, char **detail)
{
    SecBuffer b[2];
    SecBufferDesc desc = {SECBUFFER_VERSION, 2, b};
    sec_buffer(&b[0], SECBUFFER_TOKEN, tok, room);
    sec_buffer(&b[1], SECBUFFER_DATA, data, len);
    SECURITY_STATUS st = EncryptMessage(&g->ctx, 0, &desc, 0);
    *t = b[0].cbBuffer;
    if (st != SEC_E_OK)
        return sspi_fail(g, detail,
                         g->mech == WSM_GSS_MECH_NTLM ? "NTLM could not encrypt the message"
                                                      : "Kerberos could not encrypt the message",
                         st, PH_MESSAGE, 0);
    if (b[1].cbBuffer != len || *t > room)
        return wsm_fail(
            detail, WSM_SEC_E_UNSUPPORTED_FUNCTION,
            "message encryption not available: EncryptMessage changed the data length (%lu for %zu) "
            "for SPN %s",
            (unsigned long)b[1].cbBuffer, len, g->spn);
    return 0;
}

/* NTLM: the 16-byte signature, then the sealed data (MS-NLMP 3.4.3). */
static int32_t wrap_ntlm(struct wsm_gss *g, const struct wrap_out *w, const unsigned char *tok, size_t t,
                         const unsigned char *data, const void *plain, size_t len, char **detail)
{
    if (t != NTLM_SIGNATURE)
        return wsm_fail(detail, WSM_SEC_E_UNSUPPORTED_FUNCTION,
                        "message encryption not available: NTLM gave a %zu-byte signature for SPN %s", t,
                        g->spn);
    if (len >= 16 && !memcmp(data, plain, len))
        /* Signed only: NTLM did not negotiate sealing (NTLMSSP_NEGOTIATE_SEAL, MS-NLMP 2.2.2.5). */
        return wsm_fail(detail, WSM_SEC_E_UNSUPPORTED_FUNCTION,
                        "message encryption not available: NTLM did not seal the message for SPN %s", g->spn);
    return wrap_join(w, tok, t, data, len);
}

/* Wine: DATA ‖ TOKEN is one RRC-0 token H ‖ C; rotate C right by RRC = EC + 16 + checksum so that the header
 * H ‖ C[..RRC + 16] is followed by exactly the len bytes of encrypted data (RFC 4121 4.2.5). */
static int32_t wrap_wine_krb5(struct wsm_gss *g, const struct wrap_out *w, const unsigned char *tok, size_t t,
                              const unsigned char *data, size_t len, size_t ec)
{
    size_t n = len + t;
    unsigned char *o = malloc(n);
    if (!o)
        return WSM_E_OUTOFMEMORY;
    memcpy(o, data, len);
    memcpy(o + len, tok, t);
    size_t r = n - 32 - len;
    /* t = 48 + EC + the checksum (header, confounder, header copy): for unwrap of whole tokens */
    size_t k = t >= 48 + ec ? t - 48 - ec : 0;
    if (k == 12 || k == 16 || k == 24)
        g->krb_cksum = k;
    o[6] = (unsigned char)(r >> 8);
    o[7] = (unsigned char)r;
    rotate_right(o + 16, n - 16, r);
    *w->out = o;
    *w->out_len = n;
    *w->hdr_len = n - len;
    *w->orig_len = len;
    return 0;
}

/* Kerberos: Windows' layout, TOKEN = the header with the rotated trailer, DATA = the encrypted data
 * (MS-KILE 3.4.5.4.1), put together from Wine's when needed. */
static int32_t wrap_krb5(struct wsm_gss *g, const struct wrap_out *w, const unsigned char *tok, size_t t,
                         const unsigned char *data, size_t len, char **detail)
{
    size_t ec, rrc;
    if (wsm_mech_cfx_token(tok, t, &ec, &rrc) && rrc)
        return wrap_join(w, tok, t, data, len);
    if (g->wine && len >= 16 && wsm_mech_cfx_token(data, len, &ec, &rrc) && rrc == 0 && t >= 28)
        return wrap_wine_krb5(g, w, tok, t, data, len, ec);
    return wsm_fail(
        detail, WSM_SEC_E_UNSUPPORTED_FUNCTION,
        "message encryption not available: the Kerberos package sealed the message for SPN %s in a "
        "layout this module cannot put into Windows' (%s)",
        g->spn,
        g->wine ? "Wine, not an RFC 4121 token: RC4-HMAC keys are not supported under Wine"
                : "no RFC 4121 token header");
}

int32_t wsm_gss_wrap(struct wsm_gss *g, const void *plain, size_t len, unsigned char **out, size_t *out_len,
                     size_t *hdr_len, size_t *orig_len, char **detail)
{
    int32_t hr = wsm_mech_msg_begin(
        g && out && out_len && hdr_len && orig_len && !(len && !plain) && len <= 0x7fff0000,
        g ? g->spn : NULL, g && g->complete, out, out_len, hdr_len, orig_len, detail);
    if (hr)
        return hr;
    struct wrap_out w = {out, out_len, hdr_len, orig_len};
    int ntlm = g->mech == WSM_GSS_MECH_NTLM;
    size_t room = ntlm ? NTLM_SIGNATURE : KRB_TOKEN_ROOM, t = 0;
    unsigned char *buf = malloc(room + len + 1);
    if (!buf)
        return WSM_E_OUTOFMEMORY;
    unsigned char *tok = buf, *data = buf + room;
    if (len)
        memcpy(data, plain, len);
    if (!(hr = seal(g, tok, room, data, len, &t, detail)))
        hr = ntlm ? wrap_ntlm(g, &w, tok, t, data, plain, len, detail)
                  : wrap_krb5(g, &w, tok, t, data, len, detail);
    wsm_wipe(buf, room + len);
    free(buf);
    return hr;
}

/* DecryptMessage over the given buffers; checks that the message was encrypted, not only signed. */
static int32_t decrypt(struct wsm_gss *g, SecBuffer *b, unsigned long n, const char *what, char **detail)
{
    SecBufferDesc desc = {SECBUFFER_VERSION, n, b};
    ULONG qop = 0;
    SECURITY_STATUS st = DecryptMessage(&g->ctx, &desc, 0, &qop);
    if (st != SEC_E_OK)
        return sspi_fail(g, detail, what, st, PH_MESSAGE, WSM_SEC_E_MESSAGE_ALTERED);
    if (qop == SECQOP_WRAP_NO_ENCRYPT)
        return wsm_fail(detail, WSM_SEC_E_DECRYPT_FAILURE,
                        "the reply from SPN %s was signed but not encrypted", g->spn);
    return 0;
}

static int32_t take_plain(const void *p, size_t n, unsigned char **plain, size_t *plain_len)
{
    if (!(*plain = malloc(n + 1)))
        return WSM_E_OUTOFMEMORY;
    memcpy(*plain, p, n);
    (*plain)[n] = '\0';
    *plain_len = n;
    return 0;
}

/* The parts of a reply wsm_gss_unwrap was given, and buf: header ‖ data, a copy the package decrypts in. */
struct reply {
    const void *hdr, *data;
    size_t hdr_len, data_len, n;
    unsigned char *buf;
};

static int32_t unwrap_ntlm(struct wsm_gss *g, const struct reply *r, unsigned char **plain, size_t *plain_len,
                           char **detail)
{
    SecBuffer b[2];
    if (r->hdr_len != NTLM_SIGNATURE)
        return wsm_fail(detail, WSM_SEC_E_INCOMPLETE_MESSAGE,
                        "the NTLM-encrypted reply from SPN %s has a %zu-byte header instead of the 16-byte "
                        "signature",
                        g->spn, r->hdr_len);
    sec_buffer(&b[0], SECBUFFER_TOKEN, r->buf, NTLM_SIGNATURE);
    sec_buffer(&b[1], SECBUFFER_DATA, r->buf + r->hdr_len, r->data_len);
    int32_t hr = decrypt(g, b, 2, "the reply could not be decrypted", detail);
    return hr ? hr : take_plain(b[1].pvBuffer, b[1].cbBuffer, plain, plain_len);
}

/* Wine, a whole wrap token (CredSSP's pubKeyAuth and authInfo: the caller cannot tell the plaintext's
 * length): the plaintext is what the header, confounder, EC, header copy and checksum leave. The checksum
 * size is that of our own wrap tokens (same key), else the trailer an RRC of Windows' (16 + EC + checksum,
 * RRC 28 for AES-SHA1) says. Else data_len as given. */
static size_t wine_data_len(const struct wsm_gss *g, size_t n, size_t ec, size_t rrc, size_t data_len)
{
    if (rrc > n - 16 || n >= 48 + ec + data_len)
        return data_len;
    size_t c = g->krb_cksum;
    if (!c && rrc >= 16 + ec && (rrc - 16 - ec == 12 || rrc - 16 - ec == 16 || rrc - 16 - ec == 24))
        c = rrc - 16 - ec;
    return c && n >= 48 + ec + c ? n - 48 - ec - c : data_len;
}

/* Wine: a reply that failed its check with a sequence number an earlier reply already had was replayed
 * (Wine reports a replayed token, GSS_S_DUPLICATE_TOKEN or GSS_S_OLD_TOKEN, and a garbled one alike). */
static int32_t wine_replayed(const struct wsm_gss *g, uint64_t seq, char **detail)
{
    if (detail) {
        free(*detail);
        *detail = NULL;
    }
    return wsm_fail(detail, WSM_SEC_E_OUT_OF_SEQUENCE,
                    "the Kerberos-encrypted reply from SPN %s carries the sequence number %llu, which "
                    "an earlier reply already had (the highest so far: %llu): it was replayed or "
                    "forged, and is not used",
                    g->spn, (unsigned long long)seq, (unsigned long long)g->krb_recv_seq);
}

/* Wine's DecryptMessage unwraps DATA ‖ TOKEN as one token and copies DATA's length of plaintext back: rotate
 * the token to RRC 0 and split it after the plaintext's length, which is data_len in both layouts (Windows':
 * the data part; OMI's: the 4-byte field says how much longer the token is). */
static int32_t unwrap_wine(struct wsm_gss *g, const struct reply *r, unsigned char **plain, size_t *plain_len,
                           char **detail)
{
    SecBuffer b[2];
    size_t ec = 0, rrc = 0, n = r->n, k = 0;
    unsigned char *buf = r->buf;
    if (!wsm_mech_cfx_token(buf, n, &ec, &rrc))
        return wsm_fail(
            detail, WSM_SEC_E_UNSUPPORTED_FUNCTION,
            "the Kerberos-encrypted reply from SPN %s is not an RFC 4121 token (RC4-HMAC keys are not "
            "supported under Wine)",
            g->spn);
    size_t data_len = wine_data_len(g, n, ec, rrc, r->data_len);
    if (rrc > n - 16 || n < 48 + ec + data_len || ((k = n - 48 - ec - data_len) != 12 && k != 16 && k != 24))
        return wsm_fail(
            detail, WSM_SEC_E_INCOMPLETE_MESSAGE,
            "the Kerberos-encrypted reply from SPN %s does not add up: a %zu-byte token (RRC %zu, EC "
            "%zu) cannot hold %zu bytes of data",
            g->spn, n, rrc, ec, data_len);
    /* SND_SEQ of the token header (RFC 4121 4.2.6.2), in the clear. */
    uint64_t seq = 0;
    for (int i = 8; i < 16; i++)
        seq = seq << 8 | buf[i];
    rotate_right(buf + 16, n - 16, (n - 16) - rrc);
    buf[6] = buf[7] = 0;
    sec_buffer(&b[0], SECBUFFER_DATA, buf, data_len);
    sec_buffer(&b[1], SECBUFFER_TOKEN, buf + data_len, n - data_len);
    int32_t hr = decrypt(g, b, 2, "the reply could not be decrypted", detail);
    if (hr == WSM_SEC_E_MESSAGE_ALTERED && g->krb_recv_any && seq <= g->krb_recv_seq)
        return wine_replayed(g, seq, detail);
    if (hr)
        return hr;
    if (!g->krb_recv_any || seq > g->krb_recv_seq)
        g->krb_recv_seq = seq;
    g->krb_recv_any = 1;
    return take_plain(buf, data_len, plain, plain_len);
}

/* Windows, the DCE layout: TOKEN = the header with the rotated trailer, DATA (MS-KILE 3.4.5.4.1). */
static int32_t unwrap_dce(struct wsm_gss *g, const struct reply *r, unsigned char **plain, size_t *plain_len,
                          char **detail)
{
    SecBuffer b[2];
    sec_buffer(&b[0], SECBUFFER_TOKEN, r->buf, r->hdr_len);
    sec_buffer(&b[1], SECBUFFER_DATA, r->buf + r->hdr_len, r->data_len);
    int32_t hr = decrypt(g, b, 2, "the reply could not be decrypted", detail);
    return hr ? hr : take_plain(b[1].pvBuffer, b[1].cbBuffer, plain, plain_len);
}

/* Windows, one whole wrap token as SECBUFFER_STREAM. */
static int32_t unwrap_stream(struct wsm_gss *g, const struct reply *r, const char *what,
                             unsigned char **plain, size_t *plain_len, char **detail)
{
    SecBuffer b[2];
    sec_buffer(&b[0], SECBUFFER_STREAM, r->buf, r->n);
    sec_buffer(&b[1], SECBUFFER_DATA, NULL, 0);
    int32_t hr = decrypt(g, b, 2, what, detail);
    if (hr)
        return hr;
    if (!b[1].pvBuffer || (unsigned char *)b[1].pvBuffer < r->buf ||
        (unsigned char *)b[1].pvBuffer + b[1].cbBuffer > r->buf + r->n)
        return wsm_fail(detail, WSM_SEC_E_DECRYPT_FAILURE,
                        "DecryptMessage returned no data for the reply from SPN %s", g->spn);
    return take_plain(b[1].pvBuffer, b[1].cbBuffer, plain, plain_len);
}

/* Windows: the DCE layout unless the token can only be a plain one (RRC 0, or a trailer that cannot fit the
 * header: OMI), which goes in whole as a stream; a CFX token that fails in the DCE layout is tried whole. */
static int32_t unwrap_windows(struct wsm_gss *g, const struct reply *r, unsigned char **plain,
                              size_t *plain_len, char **detail)
{
    size_t rrc = 0;
    int cfx = wsm_mech_cfx_token(r->buf, r->n, NULL, &rrc);
    if (cfx && (rrc == 0 || r->hdr_len < 16 + rrc))
        return unwrap_stream(g, r, "the reply could not be decrypted as a plain wrap token", plain, plain_len,
                             detail);
    int32_t hr = unwrap_dce(g, r, plain, plain_len, detail);
    if (!hr || !cfx)
        return hr;
    if (detail) {
        free(*detail);
        *detail = NULL;
    }
    memcpy(r->buf, r->hdr, r->hdr_len); /* the failed attempt may have changed the buffer */
    if (r->data_len)
        memcpy(r->buf + r->hdr_len, r->data, r->data_len);
    return unwrap_stream(g, r,
                         "the reply could not be decrypted, in the Windows layout nor as a plain wrap token",
                         plain, plain_len, detail);
}

int32_t wsm_gss_unwrap(struct wsm_gss *g, const void *hdr, size_t hdr_len, const void *data, size_t data_len,
                       unsigned char **plain, size_t *plain_len, char **detail)
{
    int32_t hr =
        wsm_mech_msg_begin(g && plain && plain_len && !(hdr_len && !hdr) && !(data_len && !data),
                           g ? g->spn : NULL, g && g->complete, plain, plain_len, NULL, NULL, detail);
    if (hr)
        return hr;
    if (!hdr_len || hdr_len > 0x7fff0000 || data_len > 0x7fff0000 - hdr_len)
        return wsm_fail(detail, WSM_SEC_E_INCOMPLETE_MESSAGE,
                        "the encrypted message from SPN %s has no encryption header", g->spn);
    struct reply r = {hdr, data, hdr_len, data_len, hdr_len + data_len, NULL};
    if (!(r.buf = malloc(r.n + 1)))
        return WSM_E_OUTOFMEMORY;
    memcpy(r.buf, hdr, hdr_len);
    if (data_len)
        memcpy(r.buf + hdr_len, data, data_len);
    if (g->mech == WSM_GSS_MECH_NTLM)
        hr = unwrap_ntlm(g, &r, plain, plain_len, detail);
    else if (g->wine)
        hr = unwrap_wine(g, &r, plain, plain_len, detail);
    else
        hr = unwrap_windows(g, &r, plain, plain_len, detail);
    wsm_wipe(r.buf, r.n);
    free(r.buf);
    return hr;
}

/* ---- channel bindings ---- */

/* The hash of RFC 5929 4.1 for a signature algorithm OID: SHA-256 for MD5, SHA-1 and anything unknown. */
static const WCHAR *cbt_hash(const CERT_INFO *ci)
{
    static const struct {
        const char *oid;
        const WCHAR *alg;
    } table[] = {
        {"1.2.840.113549.1.1.12", BCRYPT_SHA384_ALGORITHM}, /* sha384WithRSAEncryption */
        {"1.2.840.113549.1.1.13", BCRYPT_SHA512_ALGORITHM}, /* sha512WithRSAEncryption */
        {"1.2.840.10045.4.3.3", BCRYPT_SHA384_ALGORITHM},   /* ecdsa-with-SHA384 */
        {"1.2.840.10045.4.3.4", BCRYPT_SHA512_ALGORITHM},   /* ecdsa-with-SHA512 */
    };
    const char *oid = ci->SignatureAlgorithm.pszObjId;
    if (!oid)
        return BCRYPT_SHA256_ALGORITHM;
    for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (!strcmp(oid, table[i].oid))
            return table[i].alg;
    if (!strcmp(oid, "1.2.840.113549.1.1.10")) {
        /* RSASSA-PSS: the hash is in the parameters (2.16.840.1.101.3.4.2.2 / .3: SHA-384 / SHA-512). */
        static const unsigned char sha2[] = {0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02};
        const unsigned char *p = ci->SignatureAlgorithm.Parameters.pbData;
        size_t n = ci->SignatureAlgorithm.Parameters.cbData;
        const unsigned char *hit = p ? wsm_memmem(p, n, sha2, sizeof(sha2)) : NULL;
        if (hit && hit + sizeof(sha2) < p + n) {
            if (hit[sizeof(sha2)] == 2)
                return BCRYPT_SHA384_ALGORITHM;
            if (hit[sizeof(sha2)] == 3)
                return BCRYPT_SHA512_ALGORITHM;
        }
    }
    return BCRYPT_SHA256_ALGORITHM;
}

int32_t wsm_gss_cbt_tls_server_end_point(const unsigned char *der, size_t der_len, unsigned char **out,
                                         size_t *out_len, char **detail)
{
    BCRYPT_ALG_HANDLE alg = NULL;
    UCHAR hash[64];
    DWORD hlen = 0, got = 0;
    int32_t hr = 0;

    if (detail)
        *detail = NULL;
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!out || !out_len || !der || !der_len || der_len > 0x7fffffff)
        return wsm_fail(detail, WSM_E_INVALIDARG, "no server certificate for the channel binding");
    PCCERT_CONTEXT cert = CertCreateCertificateContext(X509_ASN_ENCODING, der, (DWORD)der_len);
    if (!cert)
        return wsm_fail(detail, WSM_E_INVALIDARG,
                        "the server certificate (%zu bytes) is not a DER X.509 certificate", der_len);
    const WCHAR *name = cbt_hash(cert->pCertInfo);
    CertFreeCertificateContext(cert);
    BCRYPT_HASH_HANDLE h = NULL;
    if (BCryptOpenAlgorithmProvider(&alg, name, NULL, 0) < 0 ||
        BCryptGetProperty(alg, BCRYPT_HASH_LENGTH, (PUCHAR)&hlen, sizeof(hlen), &got, 0) < 0 ||
        hlen > sizeof(hash) || BCryptCreateHash(alg, &h, NULL, 0, NULL, 0, 0) < 0 ||
        BCryptHashData(h, (PUCHAR)der, (ULONG)der_len, 0) < 0 || BCryptFinishHash(h, hash, hlen, 0) < 0)
        hr = wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR, "the server certificate could not be hashed");
    if (h)
        BCryptDestroyHash(h);
    if (alg)
        BCryptCloseAlgorithmProvider(alg, 0);
    return hr ? hr : wsm_mech_cbt_data(hash, hlen, out, out_len);
}
