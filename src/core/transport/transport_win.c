/*
 * HTTP(S) transport of the core on WinHTTP, for the Windows build (transport.c is the libcurl one for Linux;
 * transport.h is the contract of both). WinHTTP is what Windows' own WSMAuto uses: TLS through Schannel,
 * trust from the Windows certificate store, the system's proxy settings, keep-alive connection pooling;
 * nothing to ship. (libcurl with Schannel was rejected: its Digest goes through SSPI's WDigest package, which
 * Wine lacks.)
 *
 * One transport = one WinHTTP session + connect handle; each post opens a request handle on it,
 * synchronously. WinHTTP keeps the TCP/TLS connection alive between requests of the same connect handle.
 *
 * Authentication is ours, never WinHTTP's (autologon policy HIGH, no WinHttpSetCredentials for the server):
 *  - Basic is sent pre-emptively on every authenticated request;
 *  - Digest (RFC 7616/2617, auth/digest.c: MD5, MD5-sess, SHA-256, SHA-256-sess; qop=auth or none): the first
 *    request goes without Authorization, the 401 challenge is answered once, and later requests send Digest
 *    pre-emptively (nc+1); a stale=true 401 is answered once with the new nonce;
 *  - certificate: the client certificate from CurrentUser\MY plus the mutual-TLS secprofile header;
 *  - external: the auth hook's header (Negotiate/Kerberos driven by client.c, SSPI in auth/sspi.c). Over
 *    HTTPS the hook needs the server certificate of the connection the request goes over (the channel
 *    binding, RFC 5929 tls-server-end-point), and WinHTTP shows WINHTTP_OPTION_SERVER_CERT_CONTEXT only once
 *    a request is on a connection, with no hook between connecting and writing the headers. So whenever the
 *    connection may be new (the first request, after a failure or a "Connection: close") the transport first
 *    sends an unauthenticated Identify (WSMANIDENTIFY: unauthenticated, which Windows and OMI both answer) on
 *    the connect handle, takes the certificate of its connection and then gives it to the hook; the
 *    authenticated request follows on the same kept-alive connection. Every HTTPS reply's certificate is
 *    checked afterwards: if a request that carried an Authorization went over a connection whose certificate
 *    is not the one its binding was computed for (WinHTTP reconnected in between to a server presenting
 *    another certificate), the reply is not used and the post fails (SEC_E_BAD_BINDINGS).
 * Proxy authentication (407) is left to WinHTTP with WinHttpSetCredentials(WINHTTP_AUTH_TARGET_PROXY).
 *
 * No connection outlives its session's TLS policy. WinHTTP checks a server certificate once, in the handshake
 * of a new connection, with the security flags of the request that opened it; a kept-alive connection is then
 * reused without a new check. Windows keeps a pool per session handle (one per transport here). Wine's
 * WinHTTP keeps ONE pool for the whole process, keyed by server name, port and "secure" only
 * (tests/wine/test_transport_win.c, test_wine_pool, shows it: two session handles share one TLS connection, a
 * request without ignore flags goes over a connection opened with them, and WINHTTP_DISABLE_KEEP_ALIVE does
 * not keep a request off a pooled connection). So a session with SkipCACheck|SkipCNCheck would lend its
 * connection to a session that checks. The transport therefore:
 *  - checks the connection of every HTTPS reply (check_connection): a connection WinHTTP opened for this
 * request (WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER) was checked with this transport's flags; any other
 * one must have a certificate this transport accepted before, or pass check_server_cert() with this
 * transport's flags and host name, else the reply is discarded, the connection dropped and the post fails
 * with the HRESULT of the failed check. A transport with a client certificate accepts only connections its
 * own requests opened (a reused connection carries whichever client certificate, if any, its opener
 * presented);
 *  - keeps requests off connections it has not checked: a process-wide record (pool_note, pool_foreign) says
 *    when a transport with another TLS policy (flags, host name, client certificate) used a connection that
 * may be in the same pool since this transport's last request. Then an unauthenticated Identify goes first
 * (the probe: it carries no credentials and nothing of the caller's); a reused connection that fails the
 * check is dropped and the probe repeated, so the verdict comes from a connection WinHTTP opens with this
 * transport's flags, with the same HRESULTs and texts as always. The request proper follows on the probed
 * connection. Transports with the same policy share connections without a probe.
 *
 * TLS failures: Windows' WinHTTP says which check failed through the WINHTTP_CALLBACK_STATUS_SECURE_FAILURE
 * callback. Wine's WinHTTP (8.0) does not: it fails every check with ERROR_WINHTTP_SECURE_CHANNEL_ERROR and
 * never calls that callback. Then the transport finds out itself: a bare Schannel handshake (SSPI, no HTTP
 * byte is written) fetches the server certificate, and CryptoAPI runs the checks WinHTTP ran (chain, dates,
 * revocation, SSL policy with the host name), honouring the same skip flags.
 *
 * cert_dir, ca_file, ca_path and crl_file of struct wsm_transport_config are Linux-only and ignored here:
 * on Windows trust anchors and revocation come from the Windows certificate store, client certificates from
 * CurrentUser\MY.
 *
 * The trace (trace.h, WSMAUTO_TRACE=FILE): each exchange writes the request line and headers as this
 * transport gives them to WinHTTP, the body, and the reply's raw headers and body (trace.c hides the
 * credentials); the label is "s<session>" (WinHTTP does not say which connection a request went over before
 * it is answered). Reply headers are capped at WSM_MAX_REPLY_HEADERS
 * (WINHTTP_OPTION_MAX_RESPONSE_HEADER_SIZE, WinHTTP's default too); WinHTTP's
 * ERROR_WINHTTP_HEADER_SIZE_OVERFLOW becomes 0x80072F96 with a text saying so.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef SECURITY_WIN32
#define SECURITY_WIN32
#endif

/* winsock2/ws2tcpip before windows.h and winhttp.h: WINHTTP_CONNECTION_INFO needs SOCKADDR_STORAGE. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <bcrypt.h>
#include <schannel.h>
#include <security.h>
#include <sspi.h>
#include <wincrypt.h>
#include <winhttp.h>

#include <limits.h>
#include <wchar.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core.h"
#include "detail.h"
#include "digest.h"
#include "trace.h"
#include "transport.h"

/* fdwChecks bits of SSL_EXTRA_CERT_CHAIN_POLICY_PARA (wininet.h's names, which winhttp.h lacks). */
#ifndef SECURITY_FLAG_IGNORE_REVOCATION
#define SECURITY_FLAG_IGNORE_REVOCATION 0x00000080
#endif
#ifndef SECURITY_FLAG_IGNORE_WRONG_USAGE
#define SECURITY_FLAG_IGNORE_WRONG_USAGE 0x00000200
#endif

/* What the Linux transport sends too (transport.c). */
#define USER_AGENT L"wsmauto/0.1"

struct wsm_transport {
    HINTERNET session, connect;
    char *host; /* host part of the URL, IPv6 without brackets: for details and the TLS diagnosis */
    WCHAR *whost, *wpath;
    char *path; /* request target (path and query), for Digest's uri= */
    INTERNET_PORT port;
    int https;
    enum wsm_auth_kind auth;
    char *user, *password; /* wiped on free */
    PCCERT_CONTEXT client_cert;
    int skip_ca_check, skip_cn_check, skip_revocation_check;
    enum wsm_proxy_mode proxy_mode;
    int proxy_auth;
    WCHAR *proxy_user, *proxy_password; /* password wiped on free */

    wsm_auth_hook hook;
    void *hook_ctx;

    /* Connection tracking: WINHTTP_OPTION_CONNECTION_INFO gives the local/remote address of the connection a
     * request went over; a different one than last time is a new TCP connection. When WinHTTP cannot say
     * (older systems), a request counts as new when it is the first one or follows a failure, a
     * "Connection: close" or a cut-off reply, which all drop the connection. */
    int have_addr;
    SOCKADDR_STORAGE local_addr, remote_addr;
    int maybe_dropped; /* the next request has no kept-alive connection to go over */
    unsigned long connections;

    struct wsm_digest *digest; /* Digest: the server's last challenge (auth/digest.c) */

    /* Of the request in progress. */
    DWORD secure_flags; /* WINHTTP_CALLBACK_STATUS_FLAG_* from the SECURE_FAILURE callback */
    int conn_opened;    /* WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER: WinHTTP opened a connection for it */

    /* HTTPS: the DER of the server certificate of the current connection (for EXTERNAL the channel binding's,
     * see the top). */
    unsigned char *peer_cert;
    size_t peer_cert_len;

    /* TLS policy per connection (see the top). verified: DER of server certificates this transport accepted
     * (WinHTTP's check of a connection opened for one of its requests, or check_server_cert), so a reused
     * connection with one of them needs no new check. own: the addresses of connections its requests opened
     * (client certificates). pool_key: which pool its connections may share under Wine (host, port), proxied:
     * the pool is the proxy's; policy: hash of what the certificate checks depend on; pool_seq: the number of
     * its last exchange in the process-wide record. */
    unsigned char *verified[4];
    size_t verified_len[4];
    unsigned verified_next;
    struct {
        SOCKADDR_STORAGE local, remote;
    } own[4];
    unsigned own_count, own_next;
    unsigned long long pool_key, policy, pool_seq;
    int proxied;

    char trace_label[24]; /* "s<n>" (trace.h) */
};

/* ---- the process-wide record of HTTPS connection use (Wine's process-wide pool, see the top) ---- */

/* One slot per pool key and TLS policy that completed an HTTPS exchange lately: the number of its last
 * exchange. A slot idle for POOL_FORGET_MS is reused (Wine keeps an idle connection 30 s). When no slot is
 * free, pool_lost is set to that exchange's number, which every transport then counts as another policy's. */
#define POOL_SLOTS 64
#define POOL_FORGET_MS 120000u

struct pool_slot {
    unsigned long long seq, key, policy;
    ULONGLONG tick;
    int proxied;
};

static SRWLOCK pool_lock = SRWLOCK_INIT;
static struct pool_slot pool_slots[POOL_SLOTS];
static unsigned long long pool_counter, pool_lost;

/* Under Wine the pool key is the server name WinHttpConnect got, the port and "secure"; through a proxy it is
 * the proxy's, which the environment mode does not name: a proxied transport may share with anyone. */
static int pool_shared(const struct pool_slot *s, const struct wsm_transport *t)
{
    return s->proxied || t->proxied || s->key == t->pool_key;
}

/* After an HTTPS exchange of t: its connection may now be in the pool. */
static void pool_note(struct wsm_transport *t)
{
    ULONGLONG now = GetTickCount64();
    struct pool_slot *slot = NULL, *spare = NULL;

    AcquireSRWLockExclusive(&pool_lock);
    unsigned long long seq = ++pool_counter;
    for (size_t i = 0; i < POOL_SLOTS && !slot; i++) {
        struct pool_slot *s = &pool_slots[i];
        if (s->seq && s->key == t->pool_key && s->policy == t->policy && s->proxied == t->proxied)
            slot = s;
        else if (!spare && (!s->seq || now - s->tick > POOL_FORGET_MS))
            spare = s;
    }
    if (!slot && (slot = spare) != NULL) {
        slot->key = t->pool_key;
        slot->policy = t->policy;
        slot->proxied = t->proxied;
    }
    if (slot) {
        slot->seq = seq;
        slot->tick = now;
    } else {
        pool_lost = seq;
    }
    t->pool_seq = seq;
    ReleaseSRWLockExclusive(&pool_lock);
}

/* Whether t's next request may be given a connection that a transport with another TLS policy used since t's
 * last exchange (with a client certificate: any other transport). */
static int pool_foreign(const struct wsm_transport *t)
{
    ULONGLONG now = GetTickCount64();
    int foreign;

    AcquireSRWLockShared(&pool_lock);
    foreign = pool_lost > t->pool_seq;
    for (size_t i = 0; i < POOL_SLOTS && !foreign; i++) {
        const struct pool_slot *s = &pool_slots[i];
        if (s->seq > t->pool_seq && now - s->tick <= POOL_FORGET_MS && pool_shared(s, t) &&
            (s->policy != t->policy || t->client_cert))
            foreign = 1;
    }
    ReleaseSRWLockShared(&pool_lock);
    return foreign;
}

/* FNV-1a, 64 bits. */
static unsigned long long fnv(unsigned long long h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++) {
        h ^= p[i];
        h *= 1099511628211ull;
    }
    return h;
}

/* pool_key and policy of a new transport (host names compare without case, as certificate names do). */
static void pool_identity(struct wsm_transport *t)
{
    unsigned long long host = 14695981039346656037ull;
    for (const char *c = t->host; *c; c++) {
        char l = (char)wsm_ascii_lower((unsigned char)*c);
        host = fnv(host, &l, 1);
    }
    t->proxied = t->proxy_mode != WSM_PROXY_DIRECT;
    t->pool_key = fnv(host, &t->port, sizeof(t->port));
    unsigned char flags[3] = {(unsigned char)t->skip_ca_check, (unsigned char)t->skip_cn_check,
                              (unsigned char)t->skip_revocation_check};
    t->policy = fnv(host, flags, sizeof(flags));
    if (t->client_cert)
        t->policy = fnv(t->policy, t->client_cert->pbCertEncoded, t->client_cert->cbCertEncoded);
}

/* ---- small helpers ---- */

static void wipe_free(char **s)
{
    wsm_wipe_free(*s);
    *s = NULL;
}

static void wipe_free_w(WCHAR **s)
{
    if (*s)
        wsm_wipe(*s, wcslen(*s) * sizeof(WCHAR));
    free(*s);
    *s = NULL;
}

/* UTF-8 → UTF-16, malloc'd; NULL when out of memory or not valid UTF-8 (*bad set then). */
static WCHAR *to_wide(const char *s, int *bad)
{
    if (bad)
        *bad = 0;
    if (!s)
        return NULL;
    if (!*s)
        return calloc(1, sizeof(WCHAR));
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    if (n <= 0) {
        if (bad)
            *bad = 1;
        return NULL;
    }
    WCHAR *w = malloc((size_t)n * sizeof(WCHAR));
    if (w && MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n) != n) {
        free(w);
        w = NULL;
    }
    return w;
}

/* UTF-16 (n units, or -1: NUL-terminated) → UTF-8, malloc'd. */
static char *from_wide(const WCHAR *w, int n)
{
    int len = WideCharToMultiByte(CP_UTF8, 0, w, n, NULL, 0, NULL, NULL);
    if (len < 0)
        return NULL;
    char *s = malloc((size_t)len + 1);
    if (!s)
        return NULL;
    if (len && WideCharToMultiByte(CP_UTF8, 0, w, n, s, len, NULL, NULL) != len) {
        free(s);
        return NULL;
    }
    s[len] = '\0';
    if (n < 0 && len)
        s[len - 1] = '\0';
    return s;
}

unsigned long wsm_transport_connections(const struct wsm_transport *t)
{
    return t ? t->connections : 0;
}

const char *wsm_transport_trace_label(const struct wsm_transport *t)
{
    return t ? t->trace_label : "-";
}

void wsm_transport_set_auth_hook(struct wsm_transport *t, wsm_auth_hook hook, void *ctx)
{
    if (!t)
        return;
    t->hook = hook;
    t->hook_ctx = ctx;
}

void wsm_transport_free(struct wsm_transport *t)
{
    if (!t)
        return;
    if (t->connect)
        WinHttpCloseHandle(t->connect);
    if (t->session)
        WinHttpCloseHandle(t->session);
    if (t->client_cert)
        CertFreeCertificateContext(t->client_cert);
    wsm_digest_free(t->digest);
    free(t->host);
    free(t->whost);
    free(t->wpath);
    free(t->path);
    free(t->user);
    wipe_free(&t->password);
    free(t->proxy_user);
    wipe_free_w(&t->proxy_password);
    free(t->peer_cert);
    for (size_t i = 0; i < sizeof(t->verified) / sizeof(t->verified[0]); i++)
        free(t->verified[i]);
    free(t);
}

/* ---- configuration ---- */

/* Where the transport goes, from the parsed endpoint: WinHttpConnect's host (an IPv6 literal without
 * brackets) and port, and the request target. */
static int32_t take_endpoint(struct wsm_transport *t, const struct wsm_endpoint *ep, char **detail)
{
    struct wsm_quoted q;
    int bad = 0;

    t->https = !!ep->https;
    t->port = (INTERNET_PORT)ep->port;
    if (!(t->host = wsm_strdup(ep->host)) || !(t->path = wsm_endpoint_path(ep)))
        return WSM_E_OUTOFMEMORY;
    if (!(t->whost = to_wide(t->host, &bad)) || !(t->wpath = to_wide(t->path, &bad)))
        return bad ? wsm_fail(detail, WSM_E_INVALIDARG, "The URL path \"%s\" is not valid UTF-8.",
                              wsm_quote_str(&q, t->path))
                   : WSM_E_OUTOFMEMORY;
    return WSM_S_OK;
}

/* "http://host:port[/]" (or "host:port") → WinHTTP's proxy string "host:port". */
static WCHAR *proxy_string(const char *url, char **detail, int32_t *hr)
{
    struct wsm_quoted q;
    const char *p = url;
    if (!_strnicmp(p, "http://", 7))
        p += 7;
    else if (strstr(p, "://")) {
        *hr = wsm_fail(detail, WSM_E_INVALIDARG, "The proxy URL \"%s\" is not an http:// URL.",
                       wsm_quote_str(&q, url));
        return NULL;
    }
    size_t n = strcspn(p, "/");
    if (!n || p[n + strspn(p + n, "/")]) {
        *hr = wsm_fail(detail, WSM_E_INVALIDARG, "The proxy URL \"%s\" is not of the form http://host:port.",
                       wsm_quote_str(&q, url));
        return NULL;
    }
    char *hp = wsm_strndup(p, n);
    WCHAR *w = hp ? to_wide(hp, NULL) : NULL;
    free(hp);
    if (!w)
        *hr = WSM_E_OUTOFMEMORY;
    return w;
}

/* Finds the client certificate in CurrentUser\MY by its SHA-1 thumbprint and checks it has a private key. */
static int32_t load_client_cert(struct wsm_transport *t, const char *thumbprint, char **detail)
{
    struct wsm_quoted q;
    BYTE hash[20];

    if (!thumbprint || strlen(thumbprint) != 40)
        return wsm_fail(detail, ERROR_WSMAN_CERT_NOT_FOUND,
                        "The client certificate thumbprint \"%s\" is not 40 hexadecimal digits (certificate "
                        "store CurrentUser\\MY).",
                        wsm_quote_str(&q, thumbprint ? thumbprint : ""));
    for (int i = 0; i < 20; i++) {
        int hi = wsm_hex_value(thumbprint[2 * i]), lo = wsm_hex_value(thumbprint[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return wsm_fail(detail, ERROR_WSMAN_CERT_NOT_FOUND,
                            "The client certificate thumbprint \"%s\" is not 40 hexadecimal digits "
                            "(certificate store CurrentUser\\MY).",
                            wsm_quote_str(&q, thumbprint));
        hash[i] = (BYTE)(hi << 4 | lo);
    }
    HCERTSTORE store = CertOpenStore(
        CERT_STORE_PROV_SYSTEM_W, 0, 0,
        CERT_SYSTEM_STORE_CURRENT_USER | CERT_STORE_READONLY_FLAG | CERT_STORE_OPEN_EXISTING_FLAG, L"MY");
    if (!store)
        return wsm_fail(detail, ERROR_WSMAN_CERT_NOT_FOUND,
                        "No certificate with thumbprint %s was found: the certificate store CurrentUser\\MY "
                        "cannot be opened (error %lu).",
                        wsm_quote_str(&q, thumbprint), (unsigned long)GetLastError());
    CRYPT_HASH_BLOB blob = {sizeof(hash), hash};
    t->client_cert = CertFindCertificateInStore(store, X509_ASN_ENCODING | PKCS_7_ASN_ENCODING, 0,
                                                CERT_FIND_SHA1_HASH, &blob, NULL);
    CertCloseStore(store, 0);
    if (!t->client_cert)
        return wsm_fail(detail, ERROR_WSMAN_CERT_NOT_FOUND,
                        "No certificate with thumbprint %s was found in the certificate store "
                        "CurrentUser\\MY.",
                        wsm_quote_str(&q, thumbprint));
    DWORD size = 0;
    if (!CertGetCertificateContextProperty(t->client_cert, CERT_KEY_PROV_INFO_PROP_ID, NULL, &size))
        return wsm_fail(detail, ERROR_WSMAN_CLIENT_INVALID_CERT,
                        "The certificate with thumbprint %s in CurrentUser\\MY has no private key, so it "
                        "cannot be used as a client certificate.",
                        wsm_quote_str(&q, thumbprint));
    return WSM_S_OK;
}

int32_t wsm_transport_new(const struct wsm_transport_config *cfg, struct wsm_transport **out, char **detail)
{
    int32_t hr = WSM_S_OK;
    WCHAR *proxy = NULL;

    if (detail)
        *detail = NULL;
    if (!out)
        return WSM_E_INVALIDARG;
    *out = NULL;
    if ((hr = wsm_transport_check_config(cfg, detail)))
        return hr;
    if ((cfg->auth == WSM_AUTH_BASIC || cfg->auth == WSM_AUTH_DIGEST) &&
        (wsm_has_crlf(cfg->user) || wsm_has_crlf(cfg->password)))
        return wsm_fail(detail, WSM_E_INVALIDARG, "The user name or the password contains a line break.");

    struct wsm_transport *t = calloc(1, sizeof(*t));
    if (!t)
        return WSM_E_OUTOFMEMORY;
    t->auth = cfg->auth;
    t->skip_ca_check = !!cfg->skip_ca_check;
    t->skip_cn_check = !!cfg->skip_cn_check;
    t->skip_revocation_check = !!cfg->skip_revocation_check;
    t->proxy_mode = cfg->proxy_mode;
    t->proxy_auth = cfg->proxy_auth & 7;
    t->maybe_dropped = 1;
    wsm_trace_init();
    snprintf(t->trace_label, sizeof(t->trace_label), "s%u", wsm_trace_new_id());
    if ((hr = take_endpoint(t, cfg->endpoint, detail)))
        goto fail;
    if (cfg->auth == WSM_AUTH_BASIC || cfg->auth == WSM_AUTH_DIGEST) {
        if ((cfg->user && !(t->user = wsm_strdup(cfg->user))) ||
            (cfg->password && !(t->password = wsm_strdup(cfg->password))) ||
            (cfg->auth == WSM_AUTH_DIGEST && !(t->digest = wsm_digest_new()))) {
            hr = WSM_E_OUTOFMEMORY;
            goto fail;
        }
    }
    if (cfg->proxy_mode != WSM_PROXY_DIRECT && cfg->proxy_user) {
        if (!(t->proxy_user = to_wide(cfg->proxy_user, NULL)) ||
            !(t->proxy_password = to_wide(cfg->proxy_password ? cfg->proxy_password : "", NULL))) {
            hr = WSM_E_OUTOFMEMORY;
            goto fail;
        }
    }
    if (cfg->auth == WSM_AUTH_CERTIFICATE && (hr = load_client_cert(t, cfg->cert_thumbprint, detail)))
        goto fail;

    if (cfg->proxy_mode == WSM_PROXY_EXPLICIT && !(proxy = proxy_string(cfg->proxy_url, detail, &hr)))
        goto fail;
    DWORD access = cfg->proxy_mode == WSM_PROXY_EXPLICIT      ? WINHTTP_ACCESS_TYPE_NAMED_PROXY
                   : cfg->proxy_mode == WSM_PROXY_ENVIRONMENT ? WINHTTP_ACCESS_TYPE_DEFAULT_PROXY
                                                              : WINHTTP_ACCESS_TYPE_NO_PROXY;
    t->session =
        WinHttpOpen(USER_AGENT, access, proxy ? proxy : WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0);
    free(proxy);
    if (!t->session) {
        hr = wsm_fail(detail, WSM_E_OUTOFMEMORY, "WinHTTP could not be initialised (error %lu).",
                      (unsigned long)GetLastError());
        goto fail;
    }
    if (!(t->connect = WinHttpConnect(t->session, t->whost, t->port, 0))) {
        struct wsm_clean_text ch;
        hr = wsm_fail(detail, WSM_E_INVALIDARG, "WinHTTP refused the host \"%s\" (error %lu).",
                      wsm_clean(&ch, t->host), (unsigned long)GetLastError());
        goto fail;
    }
    pool_identity(t);
    *out = t;
    return WSM_S_OK;

fail:
    wsm_transport_free(t);
    return hr;
}

/* ---- TLS failure diagnosis ---- */

/* The checks that failed, as WINHTTP_CALLBACK_STATUS_FLAG_* bits, from CryptoAPI on the server's certificate,
 * with the same skip flags WinHTTP got. */
static DWORD check_server_cert(struct wsm_transport *t, PCCERT_CONTEXT cert)
{
    static char server_auth_oid[] = szOID_PKIX_KP_SERVER_AUTH;
    char *usages[] = {server_auth_oid};
    CERT_CHAIN_PARA para;
    PCCERT_CHAIN_CONTEXT chain = NULL;
    DWORD flags = 0;

    memset(&para, 0, sizeof(para));
    para.cbSize = sizeof(para);
    para.RequestedUsage.dwType = USAGE_MATCH_TYPE_AND;
    para.RequestedUsage.Usage.cUsageIdentifier = 1;
    para.RequestedUsage.Usage.rgpszUsageIdentifier = usages;
    if (!CertGetCertificateChain(
            NULL, cert, NULL, cert->hCertStore, &para,
            t->skip_revocation_check ? 0 : CERT_CHAIN_REVOCATION_CHECK_CHAIN_EXCLUDE_ROOT, NULL, &chain))
        return WINHTTP_CALLBACK_STATUS_FLAG_SECURITY_CHANNEL_ERROR;
    DWORD st = chain->TrustStatus.dwErrorStatus;
    if (st & (CERT_TRUST_IS_NOT_TIME_VALID | CERT_TRUST_CTL_IS_NOT_TIME_VALID))
        flags |= WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID;
    if ((st &
         (CERT_TRUST_IS_UNTRUSTED_ROOT | CERT_TRUST_IS_PARTIAL_CHAIN | CERT_TRUST_IS_NOT_SIGNATURE_VALID)) &&
        !t->skip_ca_check)
        flags |= WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA;
    if (!t->skip_revocation_check) {
        if (st & CERT_TRUST_IS_REVOKED)
            flags |= WINHTTP_CALLBACK_STATUS_FLAG_CERT_REVOKED;
        else if (st & (CERT_TRUST_REVOCATION_STATUS_UNKNOWN | CERT_TRUST_IS_OFFLINE_REVOCATION))
            flags |= WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED;
    }
    if (!t->skip_cn_check) {
        /* The name check alone: the chain's own errors are judged above. */
        CERT_CHAIN_CONTEXT copy = *chain;
        SSL_EXTRA_CERT_CHAIN_POLICY_PARA ssl;
        CERT_CHAIN_POLICY_PARA policy;
        CERT_CHAIN_POLICY_STATUS status;
        copy.TrustStatus.dwErrorStatus = 0;
        memset(&ssl, 0, sizeof(ssl));
        ssl.cbSize = sizeof(ssl);
        ssl.dwAuthType = AUTHTYPE_SERVER;
        ssl.fdwChecks = SECURITY_FLAG_IGNORE_UNKNOWN_CA | SECURITY_FLAG_IGNORE_CERT_DATE_INVALID |
                        SECURITY_FLAG_IGNORE_REVOCATION | SECURITY_FLAG_IGNORE_WRONG_USAGE;
        ssl.pwszServerName = t->whost;
        memset(&policy, 0, sizeof(policy));
        policy.cbSize = sizeof(policy);
        policy.pvExtraPolicyPara = &ssl;
        memset(&status, 0, sizeof(status));
        status.cbSize = sizeof(status);
        if (CertVerifyCertificateChainPolicy(CERT_CHAIN_POLICY_SSL, &copy, &policy, &status) &&
            status.dwError == (DWORD)CERT_E_CN_NO_MATCH)
            flags |= WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID;
    }
    CertFreeCertificateChain(chain);
    return flags;
}

typedef PSecurityFunctionTableW(WINAPI *init_security_fn)(void);

static int send_all(SOCKET s, const void *data, ULONG len)
{
    const char *p = data;
    while (len) {
        int n = send(s, p, (int)len, 0);
        if (n <= 0)
            return 0;
        p += n;
        len -= (ULONG)n;
    }
    return 1;
}

/* A TCP connection to the transport's host and port (timeouts set), or INVALID_SOCKET. */
static SOCKET connect_to_server(const struct wsm_transport *t, uint32_t timeout_ms)
{
    struct addrinfo hints, *ai = NULL;
    SOCKET s = INVALID_SOCKET;
    char port[8];

    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    snprintf(port, sizeof(port), "%u", (unsigned)t->port);
    if (getaddrinfo(t->host, port, &hints, &ai) || !ai) {
        if (ai)
            freeaddrinfo(ai);
        return INVALID_SOCKET;
    }
    if ((s = socket(ai->ai_family, SOCK_STREAM, IPPROTO_TCP)) != INVALID_SOCKET) {
        DWORD tmo = timeout_ms ? timeout_ms : 30000;
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, (const char *)&tmo, sizeof(tmo));
        setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, (const char *)&tmo, sizeof(tmo));
        if (connect(s, ai->ai_addr, (int)ai->ai_addrlen)) {
            closesocket(s);
            s = INVALID_SOCKET;
        }
    }
    freeaddrinfo(ai);
    return s;
}

/* The client side of a TLS handshake over s with Schannel's credentials cred, up to the point where the
 * server's certificate is known: returns it, or NULL. */
static PCCERT_CONTEXT handshake_for_cert(PSecurityFunctionTableW sspi, CredHandle *cred, SOCKET s,
                                         const WCHAR *target)
{
    const ULONG req = ISC_REQ_ALLOCATE_MEMORY | ISC_REQ_CONFIDENTIALITY | ISC_REQ_SEQUENCE_DETECT |
                      ISC_REQ_REPLAY_DETECT | ISC_REQ_STREAM | ISC_REQ_MANUAL_CRED_VALIDATION |
                      ISC_REQ_USE_SUPPLIED_CREDS;
    PCCERT_CONTEXT cert = NULL;
    CtxtHandle ctx;
    int have_ctx = 0;
    size_t buf_len = 0, buf_cap = 32768;
    unsigned char *buf = malloc(buf_cap);

    for (int round = 0; buf && round < 64; round++) {
        SecBuffer in[2] = {{(ULONG)buf_len, SECBUFFER_TOKEN, buf}, {0, SECBUFFER_EMPTY, NULL}};
        SecBuffer outb = {0, SECBUFFER_TOKEN, NULL};
        SecBufferDesc in_desc = {SECBUFFER_VERSION, 2, in}, out_desc = {SECBUFFER_VERSION, 1, &outb};
        ULONG attrs = 0;
        SECURITY_STATUS st = sspi->InitializeSecurityContextW(
            cred, have_ctx ? &ctx : NULL, (SEC_WCHAR *)target, req, 0, 0, have_ctx ? &in_desc : NULL, 0,
            have_ctx ? NULL : &ctx, &out_desc, &attrs, NULL);
        have_ctx = 1;
        if (outb.pvBuffer) {
            int sent = !outb.cbBuffer || send_all(s, outb.pvBuffer, outb.cbBuffer);
            sspi->FreeContextBuffer(outb.pvBuffer);
            if (!sent)
                break;
        }
        if (st == SEC_E_OK || st == SEC_I_INCOMPLETE_CREDENTIALS) {
            /* The server's certificate is known by now (a client certificate request is no matter here). */
            if (sspi->QueryContextAttributesW(&ctx, SECPKG_ATTR_REMOTE_CERT_CONTEXT, (void *)&cert) !=
                SEC_E_OK)
                cert = NULL;
            break;
        }
        if (st != SEC_I_CONTINUE_NEEDED && st != SEC_E_INCOMPLETE_MESSAGE)
            break;
        if (st == SEC_I_CONTINUE_NEEDED) {
            /* Keep what Schannel did not consume. */
            if (in[1].BufferType == SECBUFFER_EXTRA && in[1].cbBuffer <= buf_len) {
                memmove(buf, buf + buf_len - in[1].cbBuffer, in[1].cbBuffer);
                buf_len = in[1].cbBuffer;
            } else {
                buf_len = 0;
            }
        }
        if (buf_len == buf_cap)
            break;
        int n = recv(s, (char *)buf + buf_len, (int)(buf_cap - buf_len), 0);
        if (n <= 0)
            break;
        buf_len += (size_t)n;
    }
    free(buf);
    if (have_ctx)
        sspi->DeleteSecurityContext(&ctx);
    return cert;
}

/* A bare Schannel handshake with the server (direct connections only): returns its certificate, or NULL. No
 * application data is sent. Used only to explain a TLS failure WinHTTP did not explain. */
static PCCERT_CONTEXT fetch_server_cert(struct wsm_transport *t, uint32_t timeout_ms)
{
    HMODULE secur32 = LoadLibraryW(L"secur32.dll");
    init_security_fn init =
        secur32 ? (init_security_fn)(void (*)(void))GetProcAddress(secur32, "InitSecurityInterfaceW") : NULL;
    PSecurityFunctionTableW sspi = init ? init() : NULL;
    PCCERT_CONTEXT cert = NULL;
    SOCKET s = INVALID_SOCKET;
    CredHandle cred;
    SCHANNEL_CRED sc;
    WSADATA wsa;
    int wsa_ok = 0;

    if (!sspi)
        goto done;
    wsa_ok = !WSAStartup(MAKEWORD(2, 2), &wsa);
    if ((s = connect_to_server(t, timeout_ms)) == INVALID_SOCKET)
        goto done;
    memset(&sc, 0, sizeof(sc));
    sc.dwVersion = SCHANNEL_CRED_VERSION;
    sc.dwFlags = SCH_CRED_MANUAL_CRED_VALIDATION | SCH_CRED_NO_DEFAULT_CREDS;
    if (sspi->AcquireCredentialsHandleW(NULL, (SEC_WCHAR *)UNISP_NAME_W, SECPKG_CRED_OUTBOUND, NULL, &sc,
                                        NULL, NULL, &cred, NULL) != SEC_E_OK)
        goto done;
    cert = handshake_for_cert(sspi, &cred, s, t->whost);
    sspi->FreeCredentialsHandle(&cred);
done:
    if (s != INVALID_SOCKET)
        closesocket(s);
    if (wsa_ok)
        WSACleanup();
    if (secur32)
        FreeLibrary(secur32);
    return cert;
}

/* The HRESULT and text of a failed certificate check. how: NULL when WinHTTP failed the request (flags from
 * its callback, else found out here), or who found the flags. */
static int32_t tls_failure(struct wsm_transport *t, DWORD err, DWORD flags, uint32_t timeout_ms,
                           const char *how, char **detail)
{
    struct wsm_clean_text ch;
    const char *host = wsm_clean(&ch, t->host);

    int winhttp_failed = !how;

    if (winhttp_failed)
        how = "WinHTTP";
    if (winhttp_failed && !(flags & ~WINHTTP_CALLBACK_STATUS_FLAG_SECURITY_CHANNEL_ERROR)) {
        /* Map WinHTTP's own specific codes first, then find out ourselves (Wine reports them all as a channel
         * error without the callback). */
        switch (err) {
        case ERROR_WINHTTP_SECURE_CERT_DATE_INVALID:
            flags = WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID;
            break;
        case ERROR_WINHTTP_SECURE_CERT_CN_INVALID:
            flags = WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID;
            break;
        case ERROR_WINHTTP_SECURE_INVALID_CA:
            flags = WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA;
            break;
        case ERROR_WINHTTP_SECURE_CERT_REVOKED:
            flags = WINHTTP_CALLBACK_STATUS_FLAG_CERT_REVOKED;
            break;
        case ERROR_WINHTTP_SECURE_CERT_REV_FAILED:
            flags = WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED;
            break;
        default:
            if (t->proxy_mode == WSM_PROXY_DIRECT) {
                PCCERT_CONTEXT cert = fetch_server_cert(t, timeout_ms);
                if (cert) {
                    flags = check_server_cert(t, cert);
                    CertFreeCertificateContext(cert);
                    how = "own check of the server certificate";
                }
            }
            break;
        }
    }
    if (flags & WINHTTP_CALLBACK_STATUS_FLAG_CERT_CN_INVALID)
        return wsm_fail(
            detail, WSM_E_WINHTTP_SECURE_CERT_CN_INVALID,
            "The server certificate name check failed: the certificate presented by \"%s\" is not "
            "issued to that host name (WinHTTP error %lu, %s).",
            host, (unsigned long)err, how);
    if (flags & WINHTTP_CALLBACK_STATUS_FLAG_INVALID_CA)
        return wsm_fail(
            detail, WSM_E_WINHTTP_SECURE_INVALID_CA,
            "The server certificate chain check failed for \"%s\": the certificate is not issued by "
            "a trusted certificate authority (WinHTTP error %lu, %s).",
            host, (unsigned long)err, how);
    if (flags & WINHTTP_CALLBACK_STATUS_FLAG_CERT_DATE_INVALID)
        return wsm_fail(detail, WSM_E_WINHTTP_SECURE_CERT_DATE_INVALID,
                        "The server certificate date check failed for \"%s\": a certificate of its chain has "
                        "expired or is not valid yet (WinHTTP error %lu, %s).",
                        host, (unsigned long)err, how);
    if (flags & WINHTTP_CALLBACK_STATUS_FLAG_CERT_REVOKED)
        return wsm_fail(
            detail, WSM_E_WINHTTP_SECURE_CERT_REVOKED,
            "The server certificate revocation check failed for \"%s\": a certificate of its chain "
            "has been revoked (WinHTTP error %lu, %s).",
            host, (unsigned long)err, how);
    if (flags & WINHTTP_CALLBACK_STATUS_FLAG_CERT_REV_FAILED)
        return wsm_fail(detail, WSM_E_WINHTTP_SECURE_CERT_REV_FAILED,
                        "The revocation of the server certificate of \"%s\" could not be checked (WinHTTP "
                        "error %lu, %s).",
                        host, (unsigned long)err, how);
    return wsm_fail(detail, WSM_E_WINHTTP_SECURE_CHANNEL_ERROR,
                    "The TLS handshake with \"%s\" failed%s (WinHTTP error %lu, flags 0x%08lx).", host,
                    t->client_cert ? "; the server probably did not accept the client certificate" : "",
                    (unsigned long)err, (unsigned long)flags);
}

static int32_t map_failure(struct wsm_transport *t, DWORD err, uint32_t timeout_ms, char **detail)
{
    struct wsm_clean_text ch;
    const char *host = wsm_clean(&ch, t->host);
    const char *proxy = t->proxy_mode == WSM_PROXY_DIRECT ? "" : " (or to the proxy)";

    switch (err) {
    case ERROR_NOT_ENOUGH_MEMORY:
    case ERROR_OUTOFMEMORY:
        return WSM_E_OUTOFMEMORY;
    case ERROR_WINHTTP_CANNOT_CONNECT:
        return wsm_fail(detail, ERROR_WSMAN_DESTINATION_UNREACHABLE,
                        "Cannot connect to \"%s\" port %u%s: the connection was refused or the host is not "
                        "reachable (WinHTTP error %lu).",
                        host, (unsigned)t->port, proxy, (unsigned long)err);
    case ERROR_WINHTTP_NAME_NOT_RESOLVED:
        return wsm_fail(detail, WSM_E_WINHTTP_NAME_NOT_RESOLVED,
                        t->proxy_mode == WSM_PROXY_EXPLICIT
                            ? "The host name \"%s\" or the proxy name cannot be resolved (WinHTTP error %lu)."
                            : "The host name \"%s\" cannot be resolved (WinHTTP error %lu).",
                        host, (unsigned long)err);
    case ERROR_WINHTTP_TIMEOUT:
        return wsm_fail(detail, WSM_E_TIMEOUT,
                        "The request to \"%s\" timed out after %lu ms (WinHTTP error %lu).", host,
                        (unsigned long)timeout_ms, (unsigned long)err);
    case ERROR_WINHTTP_SECURE_FAILURE:
    case ERROR_WINHTTP_SECURE_CHANNEL_ERROR:
    case ERROR_WINHTTP_SECURE_CERT_DATE_INVALID:
    case ERROR_WINHTTP_SECURE_CERT_CN_INVALID:
    case ERROR_WINHTTP_SECURE_INVALID_CA:
    case ERROR_WINHTTP_SECURE_CERT_REV_FAILED:
    case ERROR_WINHTTP_SECURE_CERT_REVOKED:
    case ERROR_WINHTTP_SECURE_INVALID_CERT:
    case ERROR_WINHTTP_SECURE_CERT_WRONG_USAGE:
        return tls_failure(t, err, t->secure_flags, timeout_ms, NULL, detail);
    case ERROR_WINHTTP_HEADER_SIZE_OVERFLOW:
    case ERROR_WINHTTP_HEADER_COUNT_EXCEEDED:
        return wsm_fail(
            detail, WSM_E_WINHTTP_HEADER_SIZE_OVERFLOW,
            "The headers of the reply from \"%s\" are larger than the limit of %u bytes (or too many); "
            "the reply was not used and the connection was closed (WinHTTP error %lu).",
            host, (unsigned)WSM_MAX_REPLY_HEADERS, (unsigned long)err);
    case ERROR_WINHTTP_CLIENT_AUTH_CERT_NEEDED:
        return wsm_fail(detail, WSM_E_WINHTTP_SECURE_CHANNEL_ERROR,
                        "The TLS handshake with \"%s\" failed: the server asked for a client certificate "
                        "(WinHTTP error %lu).",
                        host, (unsigned long)err);
    default:
        /* Reset, closed without a reply, garbled HTTP, proxy failures... */
        return wsm_fail(detail, WSM_E_WINHTTP_CONNECTION_ERROR,
                        "The connection to \"%s\"%s failed (WinHTTP error %lu).", host, proxy,
                        (unsigned long)err);
    }
}

/* ---- requests ---- */

static void CALLBACK on_status(HINTERNET h, DWORD_PTR ctx, DWORD status, LPVOID info, DWORD len)
{
    (void)h;
    struct wsm_transport *t = (struct wsm_transport *)ctx;
    if (t && status == WINHTTP_CALLBACK_STATUS_SECURE_FAILURE && info && len >= sizeof(DWORD))
        t->secure_flags |= *(const DWORD *)info;
    else if (t && status == WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER)
        t->conn_opened = 1;
}

/* The request's header block: Content-Type, the extra lines, Authorization. NULL when out of memory. */
static WCHAR *header_block(const char *content_type, const char *const *extra, const char *authorization)
{
    size_t n = 1;
    if (content_type)
        n += strlen(content_type) + 16;
    for (const char *const *h = extra; h && *h; h++)
        n += strlen(*h) + 2;
    if (authorization)
        n += strlen(authorization) + 17;
    char *block = malloc(n), *o = block;
    if (!block)
        return NULL;
    if (content_type)
        o += sprintf(o, "Content-Type: %s\r\n", content_type);
    for (const char *const *h = extra; h && *h; h++)
        o += sprintf(o, "%s\r\n", *h);
    if (authorization)
        o += sprintf(o, "Authorization: %s\r\n", authorization);
    *o = '\0';
    WCHAR *w = to_wide(block, NULL);
    wsm_wipe(block, n);
    free(block);
    return w;
}

/* A response header as UTF-8 (index: which one of several; NULL: the first); NULL when absent. *oom set
 * when out of memory. */
static char *query_header(HINTERNET h, DWORD info, DWORD *index, int *oom)
{
    DWORD size = 0, saved = index ? *index : 0;
    WinHttpQueryHeaders(h, info, WINHTTP_HEADER_NAME_BY_INDEX, NULL, &size, index);
    if (GetLastError() != ERROR_INSUFFICIENT_BUFFER || !size)
        return NULL;
    if (index)
        *index = saved;
    WCHAR *w = malloc(size + sizeof(WCHAR));
    if (!w) {
        *oom = 1;
        return NULL;
    }
    if (!WinHttpQueryHeaders(h, info, WINHTTP_HEADER_NAME_BY_INDEX, w, &size, index)) {
        free(w);
        return NULL;
    }
    char *s = from_wide(w, (int)(size / sizeof(WCHAR)));
    free(w);
    if (!s)
        *oom = 1;
    return s;
}

static void trim(char *s)
{
    size_t a = strspn(s, " \t"), n = strlen(s);
    while (n > a && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    memmove(s, s + a, n - a);
    s[n - a] = '\0';
}

/* Learns whether the request went over a new TCP connection (see struct wsm_transport). */
static int note_connection(struct wsm_transport *t, HINTERNET h)
{
    WINHTTP_CONNECTION_INFO ci;
    DWORD size = sizeof(ci);
    int fresh;

    memset(&ci, 0, sizeof(ci));
    ci.cbSize = sizeof(ci);
    if (WinHttpQueryOption(h, WINHTTP_OPTION_CONNECTION_INFO, &ci, &size)) {
        fresh = !t->have_addr || memcmp(&ci.LocalAddress, &t->local_addr, sizeof(ci.LocalAddress)) ||
                memcmp(&ci.RemoteAddress, &t->remote_addr, sizeof(ci.RemoteAddress));
        t->local_addr = ci.LocalAddress;
        t->remote_addr = ci.RemoteAddress;
        t->have_addr = 1;
    } else {
        fresh = t->maybe_dropped;
        t->have_addr = 0;
    }
    t->maybe_dropped = 0;
    if (fresh)
        t->connections++;
    return fresh;
}

struct exchange {
    long status;
    char *content_type;
    char **www;
    int connection_close, new_connection;
    char *body;
    size_t len;
    unsigned char *cert; /* HTTPS: DER of the server certificate of the request's connection */
    size_t cert_len;
};

/* ---- the TLS policy of reused connections (see the top) ---- */

static int is_verified(const struct wsm_transport *t, const unsigned char *der, size_t len)
{
    for (size_t i = 0; i < sizeof(t->verified) / sizeof(t->verified[0]); i++) {
        if (t->verified[i] && t->verified_len[i] == len && !memcmp(t->verified[i], der, len))
            return 1;
    }
    return 0;
}

/* Remembers an accepted certificate (the oldest of four is forgotten; out of memory: not remembered, so the
 * next reuse checks again). */
static void remember_verified(struct wsm_transport *t, const unsigned char *der, size_t len)
{
    unsigned char *copy;
    if (is_verified(t, der, len) || !(copy = malloc(len ? len : 1)))
        return;
    memcpy(copy, der, len);
    unsigned i = t->verified_next++ % (sizeof(t->verified) / sizeof(t->verified[0]));
    free(t->verified[i]);
    t->verified[i] = copy;
    t->verified_len[i] = len;
}

/* The connection of the request just answered (addresses from note_connection) is one a request of t opened.
 */
static int is_own(const struct wsm_transport *t)
{
    if (!t->have_addr)
        return 0;
    for (unsigned i = 0; i < t->own_count; i++) {
        if (!memcmp(&t->own[i].local, &t->local_addr, sizeof(t->local_addr)) &&
            !memcmp(&t->own[i].remote, &t->remote_addr, sizeof(t->remote_addr)))
            return 1;
    }
    return 0;
}

static void remember_own(struct wsm_transport *t)
{
    if (!t->have_addr || is_own(t))
        return;
    unsigned i = t->own_next++ % (sizeof(t->own) / sizeof(t->own[0]));
    t->own[i].local = t->local_addr;
    t->own[i].remote = t->remote_addr;
    if (t->own_count <= i)
        t->own_count = i + 1;
}

/* Checks the connection request h went over against t's TLS policy; x->cert gets its server certificate. A
 * connection WinHTTP opened for this request was checked by WinHTTP with t's flags. Any other one was opened
 * for an earlier request, maybe of another session with other flags (Wine), and is accepted only with a
 * certificate t accepted before or that passes check_server_cert with t's flags and host name; with a client
 * certificate, only when one of t's own requests opened it. Returns 0, or the failure (*rejected: a reused
 * connection was refused, which the caller drops). */
static int32_t check_connection(struct wsm_transport *t, HINTERNET h, struct exchange *x, int *rejected,
                                char **detail)
{
    struct wsm_clean_text ch;
    PCCERT_CONTEXT cert = NULL;
    DWORD size = sizeof(cert);
    int32_t hr = WSM_S_OK;

    *rejected = 0;
    if (!WinHttpQueryOption(h, WINHTTP_OPTION_SERVER_CERT_CONTEXT, &cert, &size))
        cert = NULL;
    if (cert) {
        if (!(x->cert = malloc(cert->cbCertEncoded ? cert->cbCertEncoded : 1))) {
            CertFreeCertificateContext(cert);
            return WSM_E_OUTOFMEMORY;
        }
        memcpy(x->cert, cert->pbCertEncoded, cert->cbCertEncoded);
        x->cert_len = cert->cbCertEncoded;
    }
    if (t->conn_opened) {
        if (cert)
            remember_verified(t, x->cert, x->cert_len);
        remember_own(t);
    } else if (!cert && is_own(t)) {
        /* Opened by an earlier request of t, so WinHTTP checked it with t's flags. */
    } else if (!cert) {
        *rejected = 1;
        hr = wsm_fail(
            detail, WSM_E_WINHTTP_SECURE_CHANNEL_ERROR,
            "The request to \"%s\" went over a connection WinHTTP had opened before, and WinHTTP did not "
            "give its server certificate, so it could not be checked; the reply is not used.",
            wsm_clean(&ch, t->host));
    } else if (t->client_cert && !is_own(t)) {
        *rejected = 1;
        hr = wsm_fail(
            detail, WSM_E_WINHTTP_SECURE_CHANNEL_ERROR,
            "The request to \"%s\" went over a connection another session had opened, which need not "
            "carry this session's client certificate; the reply is not used.",
            wsm_clean(&ch, t->host));
    } else if (!is_verified(t, x->cert, x->cert_len)) {
        DWORD flags = check_server_cert(t, cert);
        if (flags) {
            *rejected = 1;
            hr = tls_failure(t, ERROR_WINHTTP_SECURE_FAILURE, flags, 0,
                             "own check of the server certificate of a connection WinHTTP reused", detail);
        } else {
            remember_verified(t, x->cert, x->cert_len);
        }
    }
    if (cert)
        CertFreeCertificateContext(cert);
    return hr;
}

static void exchange_clear(struct exchange *x)
{
    free(x->cert);
    free(x->content_type);
    wsm_free_strv(x->www);
    free(x->body);
    memset(x, 0, sizeof(*x));
}

static int set_dword(HINTERNET h, DWORD option, DWORD value)
{
    return WinHttpSetOption(h, option, &value, sizeof(value));
}

/* Opens the request handle of one exchange with this transport's options (time-outs, no redirects, no
 * automatic logon, the TLS checks and client certificate), or fails with the HRESULT. */
static int32_t open_request(struct wsm_transport *t, uint32_t timeout_ms, HINTERNET *out, char **detail)
{
    HINTERNET h = WinHttpOpenRequest(t->connect, L"POST", t->wpath, NULL, WINHTTP_NO_REFERER,
                                     WINHTTP_DEFAULT_ACCEPT_TYPES, t->https ? WINHTTP_FLAG_SECURE : 0);
    *out = NULL;
    if (!h)
        return map_failure(t, GetLastError(), timeout_ms, detail);

    DWORD sec = 0;
    if (t->skip_ca_check)
        sec |= SECURITY_FLAG_IGNORE_UNKNOWN_CA;
    if (t->skip_cn_check)
        sec |= SECURITY_FLAG_IGNORE_CERT_CN_INVALID;
    int tmo = (int)(timeout_ms > INT_MAX ? INT_MAX : timeout_ms); /* 0: no time-out */
    WinHttpSetOption(h, WINHTTP_OPTION_CONTEXT_VALUE, &(DWORD_PTR){(DWORD_PTR)t}, sizeof(DWORD_PTR));
    if (WinHttpSetStatusCallback(
            h, on_status, WINHTTP_CALLBACK_FLAG_SECURE_FAILURE | WINHTTP_CALLBACK_FLAG_CONNECT_TO_SERVER,
            0) == WINHTTP_INVALID_STATUS_CALLBACK ||
        !set_dword(h, WINHTTP_OPTION_DISABLE_FEATURE, WINHTTP_DISABLE_REDIRECTS) ||
        !set_dword(h, WINHTTP_OPTION_AUTOLOGON_POLICY, WINHTTP_AUTOLOGON_SECURITY_LEVEL_HIGH) ||
        !WinHttpSetTimeouts(h, tmo, tmo, tmo, tmo) ||
        /* The wait for the response headers has its own time-out (90 s by default on Wine). */
        !set_dword(h, WINHTTP_OPTION_RECEIVE_RESPONSE_TIMEOUT, tmo ? (DWORD)tmo : INFINITE) ||
        (t->https && sec && !set_dword(h, WINHTTP_OPTION_SECURITY_FLAGS, sec)) ||
        (t->https && !t->skip_revocation_check &&
         !set_dword(h, WINHTTP_OPTION_ENABLE_FEATURE, WINHTTP_ENABLE_SSL_REVOCATION)) ||
        (t->https &&
         !WinHttpSetOption(h, WINHTTP_OPTION_CLIENT_CERT_CONTEXT,
                           t->client_cert ? (void *)t->client_cert : WINHTTP_NO_CLIENT_CERT_CONTEXT,
                           t->client_cert ? sizeof(CERT_CONTEXT) : 0))) {
        DWORD err = GetLastError();
        WinHttpCloseHandle(h);
        return wsm_fail(detail, WSM_E_NOTIMPL, "WinHTTP refused a request setting (error %lu).",
                        (unsigned long)err);
    }
    set_dword(h, WINHTTP_OPTION_MAX_RESPONSE_HEADER_SIZE,
              WSM_MAX_REPLY_HEADERS); /* WinHTTP's default anyway */
    *out = h;
    return WSM_S_OK;
}

static void trace_request(struct wsm_transport *t, const WCHAR *headers, const char *body, size_t len)
{
    if (!wsm_trace_enabled())
        return;
    char *text = headers ? from_wide(headers, -1) : NULL;
    wsm_trace_note(t->trace_label, '>', "POST %s HTTP/1.1 (to %s port %u%s)", t->path ? t->path : "/",
                   t->host ? t->host : "", (unsigned)t->port, t->https ? ", TLS" : "");
    if (text) {
        wsm_trace_headers(t->trace_label, '>', text, strlen(text));
        wsm_wipe_free(text);
    }
    wsm_trace_body(t->trace_label, '>', "request body", body, len);
}

/* How a step of an exchange ended: on to the next step, or the failure that ends the exchange (FAILED: with
 * the Win32 error in *err). */
enum step { STEP_OK, STEP_FAILED, STEP_TOO_LARGE, STEP_OUT_OF_MEMORY };

/* The proxy answered 407: lets WinHTTP answer its challenge (Negotiate, Digest or Basic, as allowed) with the
 * proxy credentials. 0: there is nothing to answer it with. */
static int answer_proxy(struct wsm_transport *t, HINTERNET h)
{
    DWORD schemes = 0, first = 0, target = 0, scheme = 0;

    if (!WinHttpQueryAuthSchemes(h, &schemes, &first, &target))
        return 0;
    if ((t->proxy_auth & 1) && (schemes & WINHTTP_AUTH_SCHEME_NEGOTIATE))
        scheme = WINHTTP_AUTH_SCHEME_NEGOTIATE;
    else if ((t->proxy_auth & 4) && (schemes & WINHTTP_AUTH_SCHEME_DIGEST))
        scheme = WINHTTP_AUTH_SCHEME_DIGEST;
    else if ((t->proxy_auth & 2) && (schemes & WINHTTP_AUTH_SCHEME_BASIC))
        scheme = WINHTTP_AUTH_SCHEME_BASIC;
    return scheme && WinHttpSetCredentials(h, WINHTTP_AUTH_TARGET_PROXY, scheme, t->proxy_user,
                                           t->proxy_password, NULL);
}

/* Sends the request and waits for the status of its response (once more after a proxy's 407 when there are
 * proxy credentials). */
static enum step send_request(struct wsm_transport *t, HINTERNET h, const WCHAR *headers, const char *body,
                              size_t len, struct exchange *x, DWORD *err)
{
    int proxy_auth_done = 0;
    for (;;) {
        DWORD status = 0, size = sizeof(status);
        if (!WinHttpSendRequest(h, headers, (DWORD)-1L, len ? (void *)body : WINHTTP_NO_REQUEST_DATA,
                                (DWORD)len, (DWORD)len, 0) ||
            !WinHttpReceiveResponse(h, NULL) ||
            !WinHttpQueryHeaders(h, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                                 WINHTTP_HEADER_NAME_BY_INDEX, &status, &size, WINHTTP_NO_HEADER_INDEX)) {
            *err = GetLastError();
            return STEP_FAILED;
        }
        x->status = (long)status;
        if (wsm_trace_enabled()) {
            int oom = 0;
            char *raw = query_header(h, WINHTTP_QUERY_RAW_HEADERS_CRLF, WINHTTP_NO_HEADER_INDEX, &oom);
            if (raw) {
                wsm_trace_headers(t->trace_label, '<', raw, strlen(raw));
                free(raw);
            }
        }
        if (status != 407 || proxy_auth_done || !t->proxy_auth || !t->proxy_user ||
            t->proxy_mode == WSM_PROXY_DIRECT)
            return STEP_OK;
        proxy_auth_done = 1;
        if (!answer_proxy(t, h))
            return STEP_OK;
    }
}

/* The reply's Content-Type, WWW-Authenticate values and "Connection: close". */
static enum step read_reply_headers(HINTERNET h, struct exchange *x)
{
    int oom = 0;
    size_t n_www = 0;

    x->content_type = query_header(h, WINHTTP_QUERY_CONTENT_TYPE, WINHTTP_NO_HEADER_INDEX, &oom);
    for (DWORD index = 0;;) {
        DWORD before = index;
        char *v = query_header(h, WINHTTP_QUERY_WWW_AUTHENTICATE, &index, &oom);
        if (!v)
            break;
        trim(v);
        char **www = realloc(x->www, (n_www + 2) * sizeof(*www));
        if (!www) {
            free(v);
            oom = 1;
            break;
        }
        x->www = www;
        www[n_www++] = v;
        www[n_www] = NULL;
        if (index == before)
            index++;
    }
    char *conn = query_header(h, WINHTTP_QUERY_CONNECTION, WINHTTP_NO_HEADER_INDEX, &oom);
    if (conn) {
        for (char *tok = conn; *tok;) {
            tok += strspn(tok, " \t,");
            size_t l = strcspn(tok, " \t,");
            if (l == 5 && !_strnicmp(tok, "close", 5))
                x->connection_close = 1;
            tok += l;
        }
        free(conn);
    }
    return oom ? STEP_OUT_OF_MEMORY : STEP_OK;
}

/* Reads the reply body into x (NUL-terminated), up to max_reply bytes (0: no limit) and until the deadline
 * (0: none). */
static enum step read_reply_body(HINTERNET h, struct exchange *x, size_t max_reply, ULONGLONG deadline,
                                 DWORD *err)
{
    size_t cap = 0;
    WCHAR clen_text[32];
    DWORD clen_text_size = sizeof(clen_text);

    /* A Content-Length over the limit is refused before reading. */
    if (max_reply && WinHttpQueryHeaders(h, WINHTTP_QUERY_CONTENT_LENGTH, WINHTTP_HEADER_NAME_BY_INDEX,
                                         clen_text, &clen_text_size, WINHTTP_NO_HEADER_INDEX)) {
        unsigned long long clen = wcstoull(clen_text, NULL, 10);
        if (clen > max_reply)
            return STEP_TOO_LARGE;
    }
    for (;;) {
        DWORD avail = 0, got = 0;
        if (deadline && GetTickCount64() >= deadline) {
            *err = ERROR_WINHTTP_TIMEOUT;
            return STEP_FAILED;
        }
        if (!WinHttpQueryDataAvailable(h, &avail)) {
            *err = GetLastError();
            return STEP_FAILED;
        }
        if (max_reply && avail > max_reply - x->len)
            return STEP_TOO_LARGE;
        /* Read even when nothing is announced: the read that returns 0 bytes is what tells WinHTTP the
         * response is complete, so that it keeps the connection (Wine drops it otherwise, e.g. after an
         * empty 401). */
        if (!avail)
            avail = 1;
        if (x->len + avail + 1 > cap) {
            size_t ncap = cap ? cap : 16384;
            while (ncap < x->len + avail + 1)
                ncap *= 2;
            char *nb = realloc(x->body, ncap);
            if (!nb)
                return STEP_OUT_OF_MEMORY;
            x->body = nb;
            cap = ncap;
        }
        if (!WinHttpReadData(h, x->body + x->len, avail, &got)) {
            *err = GetLastError();
            return STEP_FAILED;
        }
        if (!got)
            break;
        x->len += got;
        if (max_reply && x->len > max_reply)
            return STEP_TOO_LARGE;
    }
    if (!x->body && !(x->body = malloc(1)))
        return STEP_OUT_OF_MEMORY;
    x->body[x->len] = '\0';
    return STEP_OK;
}

/* The HRESULT of a step that failed. */
static int32_t step_failure(struct wsm_transport *t, enum step step, DWORD err, uint32_t timeout_ms,
                            ULONGLONG deadline, size_t max_reply, char **detail)
{
    struct wsm_clean_text ch;

    switch (step) {
    case STEP_TOO_LARGE:
        return wsm_fail(detail, ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED,
                        "The reply from \"%s\" is larger than the limit of %zu bytes; it was cut off and the "
                        "connection closed.",
                        wsm_clean(&ch, t->host), max_reply);
    case STEP_OUT_OF_MEMORY:
        return WSM_E_OUTOFMEMORY;
    default:
        /* Wine reports a receive time-out as a garbled or closed connection; the deadline says what it was.
         */
        if (deadline && GetTickCount64() >= deadline)
            err = ERROR_WINHTTP_TIMEOUT;
        return map_failure(t, err, timeout_ms, detail);
    }
}

/* One request and its response, read completely. On failure the request handle is closed (which drops a
 * connection that has not been read to the end) and the HRESULT returned. *rejected: the reply came over a
 * connection check_connection() refused. */
static int32_t exchange(struct wsm_transport *t, const char *body, size_t len, const WCHAR *headers,
                        uint32_t timeout_ms, ULONGLONG deadline, size_t max_reply, struct exchange *x,
                        int *rejected, char **detail)
{
    HINTERNET h = NULL;
    DWORD err = 0;
    int32_t hr = WSM_S_OK;
    int refused = 0;

    memset(x, 0, sizeof(*x));
    if (rejected)
        *rejected = 0;
    t->secure_flags = 0;
    t->conn_opened = 0;
    if ((hr = open_request(t, timeout_ms, &h, detail)))
        return hr;
    trace_request(t, headers, body, len);
    enum step step = send_request(t, h, headers, body, len, x, &err);
    if (step == STEP_OK) {
        x->new_connection = note_connection(t, h);
        /* HTTPS: before anything of the reply is used (see the top). */
        if (t->https && (hr = check_connection(t, h, x, &refused, detail)) != WSM_S_OK) {
            if (rejected)
                *rejected = refused;
        } else {
            step = read_reply_headers(h, x);
        }
    }
    if (!hr && step == STEP_OK)
        step = read_reply_body(h, x, max_reply, deadline, &err);
    if (!hr && step == STEP_OK) {
        if (wsm_trace_enabled())
            wsm_trace_body(t->trace_label, '<', "reply body", x->body, x->len);
        WinHttpCloseHandle(h);
        if (x->connection_close)
            t->maybe_dropped = 1;
        if (t->https)
            pool_note(t);
        return WSM_S_OK;
    }
    if (!hr)
        hr = step_failure(t, step, err, timeout_ms, deadline, max_reply, detail);
    if (wsm_trace_enabled())
        wsm_trace_note(t->trace_label, '*', "the request failed: 0x%08lX", (unsigned long)(uint32_t)hr);
    /* Closing a request whose response was not read to the end drops its connection. */
    WinHttpCloseHandle(h);
    t->maybe_dropped = 1;
    exchange_clear(x);
    return hr;
}

/* The probe (see the top): an unauthenticated Identify, which carries no credentials and nothing of the
 * caller's, goes over the connection the next request will take, so that the next request goes only over a
 * connection checked against this transport's TLS policy, and (for EXTERNAL) to learn that connection's
 * server certificate for the channel binding. A reused connection that check_connection refuses is dropped,
 * and the probe tries the next one, until WinHTTP opens one with this transport's flags (and reports its own
 * verdict, with today's HRESULTs and texts). need_cert: fail when WinHTTP does not give the certificate.
 * *fresh: that connection is new to this transport. */
#define PROBE_TRIES 8
static int32_t probe_connection(struct wsm_transport *t, uint32_t timeout_ms, ULONGLONG deadline,
                                int need_cert, int *fresh, char **detail)
{
    static const char body[] =
        "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "
        "xmlns:wsmid=\"http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd\">"
        "<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>";
    static const char *const extra[] = {"WSMANIDENTIFY: unauthenticated", NULL};
    struct exchange x;
    WCHAR *headers = header_block("application/soap+xml;charset=UTF-8", extra, NULL);
    int32_t hr;

    *fresh = 0;
    if (!headers)
        return WSM_E_OUTOFMEMORY;
    for (int i = 0;; i++) {
        int rejected = 0;
        hr = exchange(t, body, sizeof(body) - 1, headers, timeout_ms, deadline, 1u << 20, &x, &rejected,
                      detail);
        if (!hr || !rejected || i + 1 == PROBE_TRIES)
            break;
        if (detail) {
            free(*detail);
            *detail = NULL;
        }
    }
    free(headers);
    if (hr)
        return hr;
    if (!x.cert && need_cert) {
        struct wsm_clean_text ch;
        exchange_clear(&x);
        return wsm_fail(detail, WSM_E_WINHTTP_SECURE_CHANNEL_ERROR,
                        "WinHTTP did not give the server certificate of the connection to \"%s\", which the "
                        "channel binding of the authentication needs.",
                        wsm_clean(&ch, t->host));
    }
    if (x.cert) {
        free(t->peer_cert);
        t->peer_cert = x.cert;
        t->peer_cert_len = x.cert_len;
        x.cert = NULL;
    }
    *fresh = x.new_connection;
    exchange_clear(&x);
    return WSM_S_OK;
}

static char *basic_authorization(const struct wsm_transport *t)
{
    char *plain = wsm_asprintf("%s:%s", t->user ? t->user : "", t->password ? t->password : "");
    char *b64 = plain ? wsm_base64_encode(plain, strlen(plain)) : NULL;
    char *authorization = b64 ? wsm_asprintf("Basic %s", b64) : NULL;

    if (plain)
        wsm_wipe_free(plain);
    if (b64)
        wsm_wipe_free(b64);
    return authorization;
}

/* The auth hook's Authorization for the connection the request goes over (probed: probe_connection() ran
 * first and said whether its connection was new). */
static int32_t hook_authorization(struct wsm_transport *t, int probed, int probe_fresh, char **out,
                                  char **detail)
{
    struct wsm_conn_info ci;
    char *hook_detail = NULL;
    int32_t hr;

    memset(&ci, 0, sizeof(ci));
    ci.new_connection = t->maybe_dropped;
    if (t->https) {
        if (probed)
            ci.new_connection = probe_fresh || t->maybe_dropped;
        ci.peer_cert = t->peer_cert;
        ci.peer_cert_len = t->peer_cert_len;
    }
    if ((hr = t->hook(t->hook_ctx, &ci, out, &hook_detail))) {
        wsm_wipe_free(*out);
        *out = NULL;
        if (detail)
            *detail = hook_detail;
        else
            free(hook_detail);
        return hr;
    }
    free(hook_detail);
    if (*out && wsm_has_crlf(*out)) {
        wsm_wipe_free(*out);
        *out = NULL;
        return wsm_fail(detail, WSM_E_INVALIDARG,
                        "The authentication module produced an Authorization value with a line break.");
    }
    return WSM_S_OK;
}

/* The Authorization of one attempt (*out NULL: none): Basic every time, Digest once a challenge is known,
 * the mutual-TLS secprofile, or the hook's (external). */
static int32_t attempt_authorization(struct wsm_transport *t, int authenticate, int external, int probed,
                                     int probe_fresh, char **out, char **detail)
{
    *out = NULL;
    if (authenticate && t->auth == WSM_AUTH_BASIC)
        *out = basic_authorization(t);
    else if (authenticate && t->auth == WSM_AUTH_DIGEST && wsm_digest_ready(t->digest))
        *out = wsm_digest_authorization(t->digest, t->user, "POST", t->path);
    else if (authenticate && t->auth == WSM_AUTH_CERTIFICATE)
        *out = wsm_strdup(WSM_SECPROFILE_HTTPS_MUTUAL);
    else if (external)
        return hook_authorization(t, probed, probe_fresh, out, detail);
    else
        return WSM_S_OK;
    return *out ? WSM_S_OK : WSM_E_OUTOFMEMORY;
}

/* Keeps the server certificate of the reply's connection; fails (SEC_E_BAD_BINDINGS) when an EXTERNAL
 * Authorization was bound to another one (bound, NULL: none). */
static int32_t take_reply_cert(struct wsm_transport *t, struct exchange *x, const unsigned char *bound,
                               size_t bound_len, char **detail)
{
    if (!x->cert)
        return WSM_S_OK;
    int mismatch = bound && (x->cert_len != bound_len || memcmp(x->cert, bound, bound_len));
    free(t->peer_cert);
    t->peer_cert = x->cert;
    t->peer_cert_len = x->cert_len;
    x->cert = NULL;
    if (!mismatch)
        return WSM_S_OK;
    struct wsm_clean_text ch;
    exchange_clear(x);
    t->maybe_dropped = 1;
    return wsm_fail(detail, (int32_t)0x80090346u, /* SEC_E_BAD_BINDINGS */
                    "The authenticated request to \"%s\" went over a new connection whose server "
                    "certificate is not the one its channel binding was computed for; the reply is "
                    "not used.",
                    wsm_clean(&ch, t->host));
}

/* Sends one attempt with the given Authorization (wiped and freed here) and reads its reply into *x. */
static int32_t send_attempt(struct wsm_transport *t, const char *body, size_t len, const char *content_type,
                            const char *const *extra_headers, char *authorization, uint32_t timeout_ms,
                            ULONGLONG deadline, size_t max_reply, struct exchange *x, char **detail)
{
    WCHAR *headers = header_block(content_type, extra_headers, authorization);
    /* The certificate an EXTERNAL Authorization was bound to (checked against the reply's). */
    unsigned char *bound = NULL;
    size_t bound_len = 0;
    int32_t hr;

    if (authorization && t->auth == WSM_AUTH_EXTERNAL && t->https && t->peer_cert) {
        if (!(bound = malloc(t->peer_cert_len))) {
            wsm_wipe_free(authorization);
            free(headers);
            return WSM_E_OUTOFMEMORY;
        }
        memcpy(bound, t->peer_cert, t->peer_cert_len);
        bound_len = t->peer_cert_len;
    }
    wsm_wipe_free(authorization);
    if (!headers)
        return WSM_E_OUTOFMEMORY;
    hr = exchange(t, body, len, headers, timeout_ms, deadline, max_reply, x, NULL, detail);
    wsm_wipe(headers, wcslen(headers) * sizeof(WCHAR));
    free(headers);
    if (!hr)
        hr = take_reply_cert(t, x, bound, bound_len, detail);
    free(bound);
    return hr;
}

/* What a reply means for Digest: the end of the post, or a challenge to answer with another attempt. */
enum digest_next { DIGEST_DONE, DIGEST_ANSWER, DIGEST_OUT_OF_MEMORY };

/* Digest answers a 401's challenge once (or a stale=true one after our own credentials); a refusal of our
 * own credentials starts afresh next time. */
static enum digest_next digest_next(struct wsm_transport *t, const struct exchange *x, int sent_digest)
{
    int stale = 0, r = wsm_digest_take(t->digest, x->www, t->user, t->password, NULL, &stale);

    if (r < 0)
        return DIGEST_OUT_OF_MEMORY;
    if (r > 0 && (!sent_digest || stale))
        return DIGEST_ANSWER;
    if (sent_digest)
        wsm_digest_forget(t->digest);
    return DIGEST_DONE;
}

int32_t wsm_transport_post(struct wsm_transport *t, const char *body, size_t len, const char *content_type,
                           const char *const *extra_headers, int unauthenticated, uint32_t timeout_ms,
                           size_t max_reply, struct wsm_http_reply *reply, char **detail)
{
    struct exchange x;
    char *authorization = NULL;
    int32_t hr;

    if (detail)
        *detail = NULL;
    if (reply)
        memset(reply, 0, sizeof(*reply));
    if (!t || !reply || (!body && len) || len > 0xFFFFFFFFu)
        return wsm_fail(detail, WSM_E_INVALIDARG, "The transport, the reply or the request body is missing.");
    if ((hr = wsm_check_request_headers(content_type, extra_headers, detail)))
        return hr;
    /* timeout_ms bounds the whole request: WinHTTP's own time-outs are per step (resolve, connect, send,
     * each receive), so the body loop also checks a deadline (a server that trickles data forever). */
    ULONGLONG deadline = timeout_ms ? GetTickCount64() + timeout_ms : 0;
    int authenticate = !unauthenticated && t->auth != WSM_AUTH_NONE;
    int external = authenticate && t->auth == WSM_AUTH_EXTERNAL && t->hook;

    /* The probe: when the pool may hand this request a connection another TLS policy used, or (EXTERNAL) when
     * the connection may be new and its certificate is needed for the channel binding. */
    int probed = 0, probe_fresh = 0;
    if (t->https && (pool_foreign(t) || (external && (t->maybe_dropped || !t->peer_cert)))) {
        if ((hr = probe_connection(t, timeout_ms, deadline, external, &probe_fresh, detail)))
            return hr;
        probed = 1;
    }

    for (int attempt = 0;; attempt++) {
        if ((hr = attempt_authorization(t, authenticate, external, probed, probe_fresh, &authorization,
                                        detail)))
            return hr;
        int sent_digest = authorization && t->auth == WSM_AUTH_DIGEST;
        if ((hr = send_attempt(t, body, len, content_type, extra_headers, authorization, timeout_ms, deadline,
                               max_reply, &x, detail)))
            return hr;
        if (x.status != 401 || !authenticate || t->auth != WSM_AUTH_DIGEST || attempt != 0)
            break;
        enum digest_next next = digest_next(t, &x, sent_digest);
        if (next == DIGEST_DONE)
            break;
        exchange_clear(&x);
        if (next == DIGEST_OUT_OF_MEMORY)
            return WSM_E_OUTOFMEMORY;
    }

    reply->status = x.status;
    reply->content_type = x.content_type;
    reply->body = x.body;
    reply->len = x.len;
    reply->www_authenticate = x.www;
    reply->connection_close = x.connection_close;
    reply->new_connection = x.new_connection;
    return WSM_S_OK;
}
