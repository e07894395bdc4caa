/*
 * HTTP(S) transport on libcurl: one easy handle per session, reused for every request so that the TCP (and
 * TLS) connection is kept alive, as WinRM's client does. Failures are mapped to the HRESULTs the Windows
 * client reports (WinHTTP errors and ERROR_WSMAN_*), with a sentence saying what failed.
 *
 * TLS certificate checks are done by OpenSSL during the handshake with our own verify callback (installed
 * through CURLOPT_SSL_CTX_FUNCTION), so that:
 *  - skip_ca_check can ignore trust errors only, while the host name is still checked (libcurl alone would
 * skip every check once CURLOPT_SSL_VERIFYPEER is off), and nothing (not even a Basic password) is sent to a
 * server whose name does not match;
 *  - the exact X509_V_ERR_* that failed is known, to pick the Windows error code.
 *
 * Cancellation (WSManAutoCancelRequests, include/linux/wsmauto_cancel.h): a process-wide generation counter,
 * bumped with one lock-free atomic increment (async-signal-safe). Each request remembers the generation it
 * started in and stops when the counter has moved on. It is looked at by the transfer loop (our own, on the
 * multi interface, waiting at most WSM_CANCEL_POLL_MS at a time: curl_easy_perform would sleep up to a second
 * between looks) and by libcurl's progress callback, so resolving, connecting, the TLS handshake, the legs of
 * a Negotiate handshake (each is a request of its own) and the wait for the reply are all covered.
 *
 * The trace (trace.h): with it on, libcurl's debug callback (CURLOPT_VERBOSE, set per request only then)
 * hands over the request as written and the reply as read; trace.c hides the credentials. Reply headers are
 * capped (WSM_MAX_HEADER_LINE, WSM_MAX_REPLY_HEADERS) in the header callback, and a line longer than
 * libcurl's own limit (CURL_MAX_HTTP_HEADER), which never reaches that callback, is reported the same way:
 * 0x80072F96, as WinHTTP reports headers over its limit, never E_OUTOFMEMORY.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* explicit_bzero */
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include "buf.h"
#include "core.h"
#include "detail.h"
#include "iplit.h"
#include "trace.h"
#include "transport.h"
/* The public declarations (include/linux is not on the core's include path). */
#include "../../../include/linux/wsmauto_cancel.h"
#include "../../../include/linux/wsmauto_trace.h"

#define USER_AGENT "wsmauto/0.1"
#define MAX_SOCKETS 8

struct wsm_transport {
    CURL *curl;
    CURLM *multi; /* runs curl's transfers (and keeps its connection cache) */
    char *url;
    char *host; /* host part of the URL, IPv6 without brackets: for the name check and the details */
    int host_is_ip;
    int https;
    enum wsm_auth_kind auth;
    char *user, *password;    /* wiped on free */
    char *cert_pem, *key_pem; /* key wiped on free; handed to libcurl without copying */
    int skip_ca_check, skip_cn_check, skip_revocation_check;
    char *ca_file, *ca_path, *crl_file;
    enum wsm_proxy_mode proxy_mode;
    char *proxy_url, *proxy_user, *proxy_password;
    long proxy_auth;
    int authenticated_now; /* CURLOPT_HTTPAUTH currently carries our scheme (not CURLAUTH_NONE) */
    unsigned long connections;
    curl_socket_t sockets[MAX_SOCKETS]; /* open sockets (CURL_SOCKET_BAD: free slot) */

    /* State of the request in progress. */
    unsigned generation; /* cancel_generation when it started */
    int cancelled;       /* it was stopped because the generation moved on */
    struct wsm_buf body; /* of the reply; its ceiling is max_reply */
    size_t max_reply;
    int overflow, oom;
    /* Filled by the TLS callbacks during the handshake of the request in progress. */
    int tls_verify_error; /* first X509_V_ERR_* that made us fail the handshake, 0 if none */
    int tls_error_depth;
    char tls_subject[256];  /* subject of the certificate that failed */
    int tls_alert;          /* description of a fatal alert the server sent, -1 if none */
    int tls_cert_requested; /* the server asked for a client certificate */
    int got_status;         /* a status line arrived */
    char errbuf[CURL_ERROR_SIZE];

    /* WSM_AUTH_EXTERNAL: the hook and the request's placeholder "Authorization:" header line. */
    wsm_auth_hook hook;
    void *hook_ctx;
    struct curl_slist *auth_line; /* NULL when the request carries no Authorization */
    /* The fixed header lines of requests without extra lines or hook placeholder, kept from one request to
     * the next and rebuilt only when what they are made of (the Content-Type, unauthenticated or not)
     * changes. */
    struct curl_slist *kept_headers;
    char *kept_ctype; /* the Content-Type they carry; NULL: none */
    int kept_unauth;
    int32_t hook_hr; /* the hook failed: the transfer was aborted with this */
    char *hook_detail;
    int socket_opened; /* a socket was opened since the last request started going out */
    int socket_errno;  /* EMFILE/ENFILE: a socket of the request in progress could not be had (0: none) */
    int new_connection;
    /* Of the response in progress. */
    char **www;
    size_t n_www;
    int connection_close;
    size_t header_bytes;  /* of its header lines so far, the status line included */
    int body_started;     /* on_body got some of it */
    int header_overflow;  /* 1: a line over WSM_MAX_HEADER_LINE; 2: all lines over WSM_MAX_REPLY_HEADERS */
    size_t overflow_size; /* that line's size, or the headers' size when it was refused */
    char overflow_name[48];

    /* The trace (trace.h): labels "s<trace_id>/c<conn_seq>", and the bodies of the request in progress as
     * libcurl's debug callback hands them over, written out whole. */
    unsigned trace_id, conn_seq;
    char trace_label[40];
    int verbose; /* CURLOPT_VERBOSE is on */
    struct trace_buf {
        struct wsm_buf kept; /* the first WSM_TRACE_BODY_MAX bytes */
        size_t total;
    } trace_out, trace_in;
};

/* ---- process-wide set-up ---- */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static CURLcode init_result = CURLE_FAILED_INIT;
static int ctx_index = -1;  /* SSL_CTX ex_data slot holding the transport, for the verify callback */
static int curl_is_openssl; /* libcurl's TLS backend is OpenSSL, so its SSL_CTX is ours to configure */

static void global_init(void)
{
    init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
    ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, NULL);
    const curl_version_info_data *info = curl_version_info(CURLVERSION_NOW);
    curl_is_openssl = info && info->ssl_version && !strncmp(info->ssl_version, "OpenSSL/", 8);
}

/* ---- cancellation ---- */

/* Bumped by WSManAutoCancelRequests(): requests that started in an older generation stop. Lock-free, so that
 * the increment is async-signal-safe. */
static atomic_uint cancel_generation;
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "WSManAutoCancelRequests must be async-signal-safe");

int WSManAutoSetTrace(const char *file)
{
    return wsm_trace_open(file);
}

void WSManAutoCancelRequests(void)
{
    atomic_fetch_add_explicit(&cancel_generation, 1u, memory_order_relaxed);
}

static unsigned current_generation(void)
{
    return atomic_load_explicit(&cancel_generation, memory_order_relaxed);
}

/* The request in progress was cancelled (remembered, so that the outcome is reported as such). */
static int cancel_pending(struct wsm_transport *t)
{
    if (!t->cancelled && current_generation() != t->generation)
        t->cancelled = 1;
    return t->cancelled;
}

/* ---- small helpers ---- */

static void wipe_free(char **s)
{
    wsm_wipe_free(*s);
    *s = NULL;
}

unsigned long wsm_transport_connections(const struct wsm_transport *t)
{
    return t ? t->connections : 0;
}

void wsm_transport_free(struct wsm_transport *t)
{
    if (!t)
        return;
    /* libcurl first: its connections point at the key blob and at t (SSL_CTX ex_data). (libcurl keeps copies
     * of the passwords it was given and frees them without wiping; that is out of our hands.) */
    if (t->multi)
        curl_multi_cleanup(t->multi); /* closes the cached connections (on_close_socket needs t) */
    if (t->curl)
        curl_easy_cleanup(t->curl);
    free(t->url);
    free(t->host);
    free(t->user);
    wipe_free(&t->password);
    free(t->cert_pem);
    wipe_free(&t->key_pem);
    free(t->ca_file);
    free(t->ca_path);
    free(t->crl_file);
    free(t->proxy_url);
    free(t->proxy_user);
    wipe_free(&t->proxy_password);
    wsm_buf_free(&t->body);
    free(t->hook_detail);
    curl_slist_free_all(t->kept_headers);
    free(t->kept_ctype);
    wsm_free_strv(t->www);
    wsm_buf_free(&t->trace_out.kept);
    wsm_buf_free(&t->trace_in.kept);
    free(t);
}

const char *wsm_transport_trace_label(const struct wsm_transport *t)
{
    return t ? t->trace_label : "-";
}

void wsm_transport_set_auth_hook(struct wsm_transport *t, wsm_auth_hook hook, void *ctx)
{
    t->hook = hook;
    t->hook_ctx = ctx;
}

/* ---- libcurl callbacks ---- */

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct wsm_transport *t = userp;
    size_t n = size * nmemb;
    t->body_started = 1;
    if (!t->body.data)
        wsm_buf_reserve(&t->body, 16000); /* 16 KiB, rounded up */
    if (wsm_buf_add(&t->body, data, n)) {
        /* Refusing the data aborts the transfer; libcurl then closes the connection. */
        if (t->body.failed == WSM_BUF_TOO_BIG)
            t->overflow = 1;
        else
            t->oom = 1;
        return 0;
    }
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    struct wsm_transport *t = userp;
    size_t n = size * nmemb;
    if (n >= 5 && !memcmp(data, "HTTP/", 5)) {
        /* A new response (e.g. the 200 after Digest's 401): only the last one's body is the reply. */
        t->got_status = 1;
        wsm_buf_reset(&t->body);
        wsm_free_strv(t->www);
        t->www = NULL;
        t->n_www = 0;
        t->connection_close = 0;
        t->header_bytes = 0;
        t->body_started = 0;
#ifdef TCP_QUICKACK
        /* Servers that write the header and the body in two segments would otherwise wait for our delayed ACK
         * (up to 40 ms per request with Nagle on their side). Linux clears the flag again by itself, hence
         * once per reply. libcurl 7.88 does not tell the socket from inside a callback (CURLINFO_ACTIVESOCKET
         * is only known after the transfer), so every socket of this transport gets it (the idle ones do not
         * mind). */
        curl_socket_t s = CURL_SOCKET_BAD;
        int one = 1;
        if (curl_easy_getinfo(t->curl, CURLINFO_ACTIVESOCKET, &s) == CURLE_OK && s != CURL_SOCKET_BAD) {
            setsockopt(s, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
        } else {
            for (size_t i = 0; i < MAX_SOCKETS; i++) {
                if (t->sockets[i] != CURL_SOCKET_BAD)
                    setsockopt(t->sockets[i], IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
            }
        }
#endif
    }
    t->header_bytes += n;
    if (n > WSM_MAX_HEADER_LINE || t->header_bytes > WSM_MAX_REPLY_HEADERS) {
        /* Refused like a reply over WinHTTP's limit (the transfer stops; map_failure says why). */
        size_t k = 0;
        t->header_overflow = n > WSM_MAX_HEADER_LINE ? 1 : 2;
        t->overflow_size = n > WSM_MAX_HEADER_LINE ? n : t->header_bytes;
        while (k < n && k + 1 < sizeof(t->overflow_name) && data[k] != ':' && data[k] != '\r' &&
               data[k] != '\n') {
            unsigned char c = (unsigned char)data[k];
            t->overflow_name[k++] = c < 0x20 || c >= 0x7f || c == '"' ? '?' : (char)c;
        }
        t->overflow_name[k] = '\0';
        return 0;
    }
    if (n > 17 && !wsm_strncasecmp_ascii(data, "WWW-Authenticate:", 17)) {
        /* Kept for client.c's own authentication (Negotiate/Kerberos tokens). */
        size_t a = 17, b = n;
        while (a < b && (data[a] == ' ' || data[a] == '\t'))
            a++;
        while (b > a &&
               (data[b - 1] == '\r' || data[b - 1] == '\n' || data[b - 1] == ' ' || data[b - 1] == '\t'))
            b--;
        char **www = realloc(t->www, (t->n_www + 2) * sizeof(*www));
        if (!www) {
            t->oom = 1;
            return 0;
        }
        t->www = www;
        if (!(www[t->n_www] = wsm_strndup(data + a, b - a))) {
            t->oom = 1;
            return 0;
        }
        www[++t->n_www] = NULL;
    } else if (n > 11 && !wsm_strncasecmp_ascii(data, "Connection:", 11)) {
        const char *v = data + 11;
        while (v < data + n && (*v == ' ' || *v == '\t'))
            v++;
        if ((size_t)(data + n - v) >= 5 && !wsm_strncasecmp_ascii(v, "close", 5))
            t->connection_close = 1;
    }
    return n;
}

/* ---- the trace ---- */

static void trace_keep(struct trace_buf *b, const char *data, size_t n)
{
    b->total += n;
    if (b->kept.len + n > WSM_TRACE_BODY_MAX)
        n = b->kept.len < WSM_TRACE_BODY_MAX ? WSM_TRACE_BODY_MAX - b->kept.len : 0;
    if (n)
        wsm_buf_add(&b->kept, data, n); /* if memory runs out, the trace shows less; the request goes on */
}

/* Writes out a body kept so far (the request's once the reply begins, a reply's at the next one or the end).
 */
static void trace_flush(struct wsm_transport *t, struct trace_buf *b, char mark, const char *title)
{
    if (b->total) {
        wsm_trace_body(t->trace_label, mark, title, b->kept.data, b->kept.len);
        if (b->total > b->kept.len)
            wsm_trace_note(t->trace_label, mark, "[... %zu more bytes not kept for the trace]",
                           b->total - b->kept.len);
    }
    wsm_buf_reset(&b->kept);
    b->total = 0;
}

/* libcurl's debug callback (only with CURLOPT_VERBOSE, which is on while the trace is): the request as
 * written, the reply as read, and libcurl's notes. TLS records are left out. */
static int on_debug(CURL *curl, curl_infotype type, char *data, size_t size, void *userp)
{
    struct wsm_transport *t = userp;
    (void)curl;

    switch (type) {
    case CURLINFO_TEXT: {
        size_t n = size;
        while (n && (data[n - 1] == '\n' || data[n - 1] == '\r' || data[n - 1] == ' '))
            n--;
        size_t a = 0;
        while (a < n && data[a] == ' ')
            a++;
        if (n > a)
            wsm_trace_note(t->trace_label, '*', "%.*s", (int)(n - a > 1000 ? 1000 : n - a), data + a);
        break;
    }
    case CURLINFO_HEADER_OUT:
        trace_flush(t, &t->trace_in, '<', "reply body");
        wsm_trace_headers(t->trace_label, '>', data, size);
        break;
    case CURLINFO_DATA_OUT:
        trace_keep(&t->trace_out, data, size);
        break;
    case CURLINFO_HEADER_IN:
        trace_flush(t, &t->trace_out, '>', "request body");
        if (size >= 5 && !memcmp(data, "HTTP/", 5))
            trace_flush(t, &t->trace_in, '<', "reply body");
        wsm_trace_headers(t->trace_label, '<', data, size);
        break;
    case CURLINFO_DATA_IN:
        trace_keep(&t->trace_in, data, size);
        break;
    default:
        break;
    }
    return 0;
}

/* Runs the auth hook once the connection for a request is up (TLS done) and before the request is written:
 * libcurl builds the request from CURLOPT_HTTPHEADER after this callback, so replacing the text of our
 * placeholder line (a curl_slist node we own) puts the hook's Authorization into this very request. */
static int on_prereq(void *userp, char *primary_ip, char *local_ip, int primary_port, int local_port)
{
    struct wsm_transport *t = userp;
    struct wsm_conn_info ci;
    unsigned char *der = NULL;
    char *value = NULL, *line;
    (void)primary_ip, (void)local_ip, (void)primary_port, (void)local_port;

    t->new_connection = t->socket_opened;
    t->socket_opened = 0;
    if (!t->auth_line || !t->hook)
        return CURL_PREREQFUNC_OK;
    memset(&ci, 0, sizeof(ci));
    ci.new_connection = t->new_connection;
    if (t->https) {
        struct curl_tlssessioninfo *info = NULL;
        if (curl_easy_getinfo(t->curl, CURLINFO_TLS_SSL_PTR, &info) == CURLE_OK && info &&
            info->backend == CURLSSLBACKEND_OPENSSL && info->internals) {
            X509 *cert = SSL_get1_peer_certificate((SSL *)info->internals);
            int len = cert ? i2d_X509(cert, &der) : -1;
            X509_free(cert);
            if (len > 0) {
                ci.peer_cert = der;
                ci.peer_cert_len = (size_t)len;
            }
        }
    }
    free(t->hook_detail);
    t->hook_detail = NULL;
    t->hook_hr = t->hook(t->hook_ctx, &ci, &value, &t->hook_detail);
    OPENSSL_free(der);
    if (t->hook_hr) {
        free(value);
        return CURL_PREREQFUNC_ABORT;
    }
    if (value && (wsm_has_crlf(value) || !(line = wsm_asprintf("Authorization: %s", value)))) {
        t->hook_hr = wsm_has_crlf(value) ? WSM_E_INVALIDARG : WSM_E_OUTOFMEMORY;
        wsm_wipe_free(value);
        return CURL_PREREQFUNC_ABORT;
    }
    if (!value && !(line = wsm_strdup("Authorization:"))) {
        t->hook_hr = WSM_E_OUTOFMEMORY;
        return CURL_PREREQFUNC_ABORT;
    }
    wsm_wipe_free(value);
    wsm_wipe_free(t->auth_line->data);
    t->auth_line->data = line;
    return CURL_PREREQFUNC_OK;
}

/* libcurl's progress callback, called from within its steps (also while connecting): stops a cancelled
 * request (CURLE_ABORTED_BY_CALLBACK). */
static int on_progress(void *userp, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    return cancel_pending(userp) ? 1 : 0;
}

/* Opens a socket as libcurl would, noting when there is no descriptor left for it: libcurl reports that as
 * CURLE_COULDNT_CONNECT without the errno, which must not be mistaken for an unreachable host. */
static curl_socket_t on_open_socket(void *userp, curlsocktype purpose, struct curl_sockaddr *a)
{
    struct wsm_transport *t = userp;
    curl_socket_t fd = socket(a->family, a->socktype, a->protocol);

    (void)purpose;
    if (fd == CURL_SOCKET_BAD && wsm_errno_is_fd_exhaustion(errno))
        t->socket_errno = errno;
    return fd;
}

/* Track the transport's open sockets for on_header(). */
static int on_sockopt(void *userp, curl_socket_t fd, curlsocktype purpose)
{
    struct wsm_transport *t = userp;
    if (purpose == CURLSOCKTYPE_IPCXN) {
        t->socket_opened = 1;
        t->conn_seq++;
        snprintf(t->trace_label, sizeof(t->trace_label), "s%u/c%u", t->trace_id, t->conn_seq);
        for (size_t i = 0; i < MAX_SOCKETS; i++) {
            if (t->sockets[i] == CURL_SOCKET_BAD) {
                t->sockets[i] = fd;
                break;
            }
        }
    }
    return CURL_SOCKOPT_OK;
}

static int on_close_socket(void *userp, curl_socket_t fd)
{
    struct wsm_transport *t = userp;
    for (size_t i = 0; i < MAX_SOCKETS; i++) {
        if (t->sockets[i] == fd)
            t->sockets[i] = CURL_SOCKET_BAD;
    }
    return close(fd);
}

static struct wsm_transport *transport_of_store(X509_STORE_CTX *store)
{
    SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
    SSL_CTX *ctx = ssl ? SSL_get_SSL_CTX(ssl) : NULL;
    return ctx ? SSL_CTX_get_ex_data(ctx, ctx_index) : NULL;
}

/* What skip_ca_check forgives: not knowing or not trusting the issuer. Dates, revocation and the name are
 * separate checks with their own flags (as with WinHTTP's SECURITY_FLAG_IGNORE_UNKNOWN_CA). */
static int is_trust_error(int err)
{
    switch (err) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_CERT_UNTRUSTED:
    case X509_V_ERR_CERT_REJECTED:
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
    case X509_V_ERR_CERT_CHAIN_TOO_LONG:
    case X509_V_ERR_INVALID_PURPOSE:
        return 1;
    default:
        return 0;
    }
}

static int is_name_error(int err)
{
    return err == X509_V_ERR_HOSTNAME_MISMATCH || err == X509_V_ERR_IP_ADDRESS_MISMATCH;
}

static int is_date_error(int err)
{
    return err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID ||
           err == X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD ||
           err == X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD;
}

static int is_revocation_check_error(int err)
{
    switch (err) {
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
    case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
    case X509_V_ERR_UNHANDLED_CRITICAL_CRL_EXTENSION:
    case X509_V_ERR_DIFFERENT_CRL_SCOPE:
    case X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
        return 1;
    default:
        return 0;
    }
}

static int verify_callback(int preverify_ok, X509_STORE_CTX *store)
{
    if (preverify_ok)
        return 1;
    struct wsm_transport *t = transport_of_store(store);
    if (!t)
        return 0;
    int err = X509_STORE_CTX_get_error(store);
    if ((t->skip_ca_check && is_trust_error(err)) || (t->skip_cn_check && is_name_error(err)))
        return 1;
    if (!t->tls_verify_error) {
        t->tls_verify_error = err;
        t->tls_error_depth = X509_STORE_CTX_get_error_depth(store);
        X509 *cert = X509_STORE_CTX_get_current_cert(store);
        t->tls_subject[0] = '\0';
        if (cert)
            X509_NAME_oneline(X509_get_subject_name(cert), t->tls_subject, sizeof(t->tls_subject));
    }
    return 0;
}

/* Remembers whether the server asked for a client certificate and the fatal alert it sent, if any: with
 * TLS 1.3 a rejected client certificate is only reported after our side of the handshake is done, as an alert
 * arriving when we read the reply (or just as a dropped connection). */
static void info_callback(const SSL *ssl, int where, int ret)
{
    struct wsm_transport *t = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_index);
    if (!t)
        return;
    if ((where & SSL_CB_LOOP) && SSL_get_state(ssl) == TLS_ST_CR_CERT_REQ)
        t->tls_cert_requested = 1;
    if ((where & SSL_CB_READ_ALERT) && (ret >> 8) == SSL3_AL_FATAL && t->tls_alert < 0)
        t->tls_alert = ret & 0xff;
}

/* Called by libcurl for each new TLS connection, before the handshake, with its SSL_CTX. */
static CURLcode on_ssl_ctx(CURL *curl, void *sslctx, void *userp)
{
    (void)curl;
    struct wsm_transport *t = userp;
    SSL_CTX *ctx = sslctx;
    if (!SSL_CTX_set_ex_data(ctx, ctx_index, t))
        return CURLE_OUT_OF_MEMORY;
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, verify_callback);
    SSL_CTX_set_info_callback(ctx, info_callback);
    if (!t->skip_cn_check) {
        X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
        X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        int ok = t->host_is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, t->host)
                               : X509_VERIFY_PARAM_set1_host(param, t->host, 0);
        if (!ok)
            return CURLE_OUT_OF_MEMORY;
    }
    return CURLE_OK;
}

/* ---- configuration ---- */

/* Where the transport goes, from the parsed endpoint: libcurl's URL (built once, an IPv6 literal in
 * brackets), and the host for the certificate name check and the details. */
static int32_t take_endpoint(struct wsm_transport *t, const struct wsm_endpoint *ep)
{
    t->https = !!ep->https;
    if (!(t->url = wsm_endpoint_url(ep)) || !(t->host = wsm_strdup(ep->host)))
        return WSM_E_OUTOFMEMORY;
    t->host_is_ip = ep->ipv6 || wsm_ipv4_parse(t->host, strlen(t->host), NULL);
    return WSM_S_OK;
}

static int32_t copy_config(struct wsm_transport *t, const struct wsm_transport_config *cfg)
{
#define COPY(field)                                                                                          \
    do {                                                                                                     \
        if (cfg->field && !(t->field = wsm_strdup(cfg->field)))                                              \
            return WSM_E_OUTOFMEMORY;                                                                        \
    } while (0)
    COPY(ca_file);
    COPY(ca_path);
    COPY(crl_file);
    if (cfg->auth == WSM_AUTH_BASIC || cfg->auth == WSM_AUTH_DIGEST) {
        COPY(user);
        COPY(password);
    }
    if (cfg->proxy_mode == WSM_PROXY_EXPLICIT)
        COPY(proxy_url);
    if (cfg->proxy_mode != WSM_PROXY_DIRECT) {
        COPY(proxy_user);
        COPY(proxy_password);
    }
#undef COPY
    t->auth = cfg->auth;
    t->skip_ca_check = !!cfg->skip_ca_check;
    t->skip_cn_check = !!cfg->skip_cn_check;
    t->skip_revocation_check = !!cfg->skip_revocation_check;
    t->proxy_mode = cfg->proxy_mode;
    t->proxy_auth = 0;
    if (cfg->proxy_auth & 1)
        t->proxy_auth |= (long)CURLAUTH_NEGOTIATE;
    if (cfg->proxy_auth & 2)
        t->proxy_auth |= (long)CURLAUTH_BASIC;
    if (cfg->proxy_auth & 4)
        t->proxy_auth |= (long)CURLAUTH_DIGEST;
    return WSM_S_OK;
}

static long host_auth_mask(const struct wsm_transport *t)
{
    /* Basic alone: libcurl then sends it with the first request instead of waiting for a 401. */
    return t->auth == WSM_AUTH_BASIC    ? (long)CURLAUTH_BASIC
           : t->auth == WSM_AUTH_DIGEST ? (long)CURLAUTH_DIGEST
                                        : 0;
}

/* SET(opt, val): one curl_easy_setopt on the handle c unless an earlier one failed (CURLcode rc). */
#define SET(opt, val)                                                                                        \
    do {                                                                                                     \
        if (!rc)                                                                                             \
            rc = curl_easy_setopt(c, opt, val);                                                              \
    } while (0)

/* Options that stay the same for every request of the transport. */
static int32_t setup_handle(struct wsm_transport *t, char **detail)
{
    CURL *c = t->curl;
    CURLcode rc = CURLE_OK;
    SET(CURLOPT_URL, t->url);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_TCP_NODELAY, 1L);
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    SET(CURLOPT_USERAGENT, USER_AGENT);
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_ERRORBUFFER, t->errbuf);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, t);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, t);
    SET(CURLOPT_POST, 1L);
    SET(CURLOPT_SOCKOPTFUNCTION, on_sockopt);
    SET(CURLOPT_SOCKOPTDATA, t);
    SET(CURLOPT_OPENSOCKETFUNCTION, on_open_socket);
    SET(CURLOPT_OPENSOCKETDATA, t);
    SET(CURLOPT_CLOSESOCKETFUNCTION, on_close_socket);
    SET(CURLOPT_CLOSESOCKETDATA, t);
    SET(CURLOPT_PREREQFUNCTION, on_prereq);
    SET(CURLOPT_PREREQDATA, t);
    SET(CURLOPT_NOPROGRESS, 0L);
    SET(CURLOPT_XFERINFOFUNCTION, on_progress);
    SET(CURLOPT_XFERINFODATA, t);
    SET(CURLOPT_DEBUGFUNCTION, on_debug);
    SET(CURLOPT_DEBUGDATA, t);

    /* Host authentication. The certificate case is the TLS client certificate plus a header (post()). */
    if (t->auth == WSM_AUTH_BASIC || t->auth == WSM_AUTH_DIGEST) {
        SET(CURLOPT_USERNAME, t->user ? t->user : "");
        SET(CURLOPT_PASSWORD, t->password ? t->password : "");
    }
    SET(CURLOPT_HTTPAUTH, host_auth_mask(t));
    t->authenticated_now = 1;

    /* TLS. */
    SET(CURLOPT_SSL_VERIFYPEER, t->skip_ca_check ? 0L : 1L);
    SET(CURLOPT_SSL_VERIFYHOST, t->skip_cn_check ? 0L : 2L);
    if (t->ca_file || t->ca_path) {
        /* Given trust anchors replace the system store (libcurl would otherwise keep its default CA path). */
        SET(CURLOPT_CAINFO, t->ca_file);
        SET(CURLOPT_CAPATH, t->ca_path);
    }
    if (t->crl_file && !t->skip_revocation_check)
        SET(CURLOPT_CRLFILE, t->crl_file);
    if (t->cert_pem && t->key_pem) {
        /* NOCOPY: the key stays in our memory only, which we wipe. */
        struct curl_blob cert = {t->cert_pem, strlen(t->cert_pem), CURL_BLOB_NOCOPY};
        struct curl_blob key = {t->key_pem, strlen(t->key_pem), CURL_BLOB_NOCOPY};
        SET(CURLOPT_SSLCERT_BLOB, &cert);
        SET(CURLOPT_SSLCERTTYPE, "PEM");
        SET(CURLOPT_SSLKEY_BLOB, &key);
        SET(CURLOPT_SSLKEYTYPE, "PEM");
    }
    if (t->https) {
        SET(CURLOPT_SSL_CTX_FUNCTION, on_ssl_ctx);
        SET(CURLOPT_SSL_CTX_DATA, t);
    }

    /* Proxy. */
    if (t->proxy_mode == WSM_PROXY_DIRECT)
        SET(CURLOPT_PROXY, ""); /* "" also disables the *_proxy environment variables */
    else if (t->proxy_mode == WSM_PROXY_EXPLICIT)
        SET(CURLOPT_PROXY, t->proxy_url);
    if (t->proxy_mode != WSM_PROXY_DIRECT && t->proxy_auth) {
        SET(CURLOPT_PROXYAUTH, t->proxy_auth);
        if (t->proxy_user) {
            SET(CURLOPT_PROXYUSERNAME, t->proxy_user);
            SET(CURLOPT_PROXYPASSWORD, t->proxy_password ? t->proxy_password : "");
        }
    }
    if (rc == CURLE_OUT_OF_MEMORY)
        return WSM_E_OUTOFMEMORY;
    if (rc)
        return wsm_fail(detail, WSM_E_NOTIMPL, "libcurl refused a transport setting: %s.",
                        curl_easy_strerror(rc));
    return WSM_S_OK;
}

int32_t wsm_transport_new(const struct wsm_transport_config *cfg, struct wsm_transport **out, char **detail)
{
    struct wsm_quoted q;
    struct wsm_clean_text cd;
    int32_t hr;

    if (detail)
        *detail = NULL;
    if (!out)
        return WSM_E_INVALIDARG;
    *out = NULL;
    if ((hr = wsm_transport_check_config(cfg, detail)))
        return hr;

    pthread_once(&init_once, global_init);
    if (init_result != CURLE_OK || ctx_index < 0)
        return wsm_fail(detail, WSM_E_OUTOFMEMORY, "libcurl could not be initialised: %s.",
                        curl_easy_strerror(init_result));

    struct wsm_transport *t = calloc(1, sizeof(*t));
    if (!t)
        return WSM_E_OUTOFMEMORY;
    wsm_trace_init();
    t->trace_id = wsm_trace_new_id();
    snprintf(t->trace_label, sizeof(t->trace_label), "s%u/c0", t->trace_id);
    t->tls_alert = -1;
    for (size_t i = 0; i < MAX_SOCKETS; i++)
        t->sockets[i] = CURL_SOCKET_BAD;
    if ((hr = copy_config(t, cfg)) || (hr = take_endpoint(t, cfg->endpoint)))
        goto fail;
    if (t->https && !curl_is_openssl) {
        /* on_ssl_ctx() treats libcurl's TLS context as OpenSSL's SSL_CTX. */
        hr = wsm_fail(detail, WSM_E_NOTIMPL, "HTTPS needs libcurl built with OpenSSL; this libcurl uses %s.",
                      curl_version_info(CURLVERSION_NOW)->ssl_version
                          ? curl_version_info(CURLVERSION_NOW)->ssl_version
                          : "no TLS library");
        goto fail;
    }

    if (cfg->auth == WSM_AUTH_CERTIFICATE) {
        char *dir = cfg->cert_dir ? wsm_strdup(cfg->cert_dir) : wsm_cert_store_dir();
        if (!dir) {
            hr = cfg->cert_dir
                     ? WSM_E_OUTOFMEMORY
                     : wsm_fail(detail, ERROR_WSMAN_CERT_NOT_FOUND,
                                "No certificate with thumbprint %s was found: no certificate store "
                                "directory is known (HOME is not set).",
                                wsm_quote_str(&q, cfg->cert_thumbprint ? cfg->cert_thumbprint : ""));
            goto fail;
        }
        if (!cfg->cert_thumbprint || !*cfg->cert_thumbprint)
            hr = wsm_fail(detail, ERROR_WSMAN_CERT_NOT_FOUND,
                          "Client certificate authentication was asked for without a certificate thumbprint "
                          "(certificate store \"%s\").",
                          wsm_clean(&cd, dir));
        else
            hr = wsm_cert_store_find(dir, cfg->cert_thumbprint, &t->cert_pem, &t->key_pem, detail);
        free(dir);
        if (hr)
            goto fail;
    }

    if (!(t->curl = curl_easy_init()) || !(t->multi = curl_multi_init())) {
        hr = WSM_E_OUTOFMEMORY;
        goto fail;
    }
    /* What curl_easy_perform's own multi handle would keep: libcurl's default of 5 idle connections. */
    curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, 5L);
    if ((hr = setup_handle(t, detail)))
        goto fail;
    *out = t;
    return WSM_S_OK;

fail:
    wsm_transport_free(t);
    return hr;
}

/* ---- errors ---- */

static const char *alert_text(int desc)
{
    return SSL_alert_desc_string_long(desc);
}

static int32_t tls_verify_failure(struct wsm_transport *t, int err, char **detail)
{
    struct wsm_clean_text ch, cs, cc;
    const char *host = wsm_clean(&ch, t->host);
    const char *subject = wsm_clean(&cs, t->tls_subject[0] ? t->tls_subject : "?");
    const char *reason = X509_verify_cert_error_string(err);

    if (is_name_error(err))
        return wsm_fail(detail, WSM_E_WINHTTP_SECURE_CERT_CN_INVALID,
                        "The server certificate name check failed: the certificate presented by \"%s\" "
                        "(subject \"%s\") is "
                        "not issued to that host name (OpenSSL: %s).",
                        host, subject, reason);
    if (is_date_error(err))
        return wsm_fail(
            detail, WSM_E_WINHTTP_SECURE_CERT_DATE_INVALID,
            "The server certificate date check failed for \"%s\": the certificate \"%s\" (chain depth "
            "%d) has expired or is not valid yet (OpenSSL: %s).",
            host, subject, t->tls_error_depth, reason);
    if (err == X509_V_ERR_CERT_REVOKED)
        return wsm_fail(
            detail, WSM_E_WINHTTP_SECURE_CERT_REVOKED,
            "The server certificate revocation check failed for \"%s\": the certificate \"%s\" (chain "
            "depth %d) has been revoked (OpenSSL: %s).",
            host, subject, t->tls_error_depth, reason);
    if (is_revocation_check_error(err))
        return wsm_fail(
            detail, WSM_E_WINHTTP_SECURE_CERT_REV_FAILED,
            "The revocation of the server certificate \"%s\" (chain depth %d) of \"%s\" could not be "
            "checked with the revocation list \"%s\" (OpenSSL: %s).",
            subject, t->tls_error_depth, host, wsm_clean(&cc, t->crl_file), reason);
    return wsm_fail(
        detail, WSM_E_WINHTTP_SECURE_INVALID_CA,
        "The server certificate chain check failed for \"%s\": the certificate \"%s\" (chain depth %d) "
        "is not issued by a trusted certificate authority (OpenSSL: %s).",
        host, subject, t->tls_error_depth, reason);
}

/* libcurl refused a reply header line longer than CURL_MAX_HTTP_HEADER before our header callback saw it.
 * libcurl 8.6 and later say so (CURLE_TOO_LARGE); 7.x reports CURLE_OUT_OF_MEMORY without a text, from its
 * header buffer, which cannot grow past that size. So an "out of memory" after the request went out and
 * before any byte of the reply body, with every allocation of ours fine, is that limit. */
static int header_rejected(const struct wsm_transport *t, CURLcode rc)
{
#if LIBCURL_VERSION_NUM >= 0x080600
    if (rc == CURLE_TOO_LARGE)
        return 1;
#endif
    long sent = 0;
    if (rc != CURLE_OUT_OF_MEMORY || t->oom || t->body_started)
        return 0;
    return curl_easy_getinfo(t->curl, CURLINFO_REQUEST_SIZE, &sent) == CURLE_OK && sent > 0;
}

/* EMFILE or ENFILE when the request failed for want of a file descriptor, else 0: our socket callback saw
 * it, or libcurl's errno says so, or (for the failures libcurl reports without an errno: its resolver
 * thread's socket pair, the CA file or CRL it could not open) no descriptor can be had right now. */
static int descriptor_shortage(struct wsm_transport *t, CURLcode rc)
{
    long os_errno = 0;

    if (t->socket_errno)
        return t->socket_errno;
    if (curl_easy_getinfo(t->curl, CURLINFO_OS_ERRNO, &os_errno) == CURLE_OK &&
        wsm_errno_is_fd_exhaustion((int)os_errno))
        return (int)os_errno;
    if (rc != CURLE_COULDNT_CONNECT && rc != CURLE_COULDNT_RESOLVE_HOST &&
        rc != CURLE_COULDNT_RESOLVE_PROXY && rc != CURLE_SSL_CACERT_BADFILE && rc != CURLE_SSL_CRL_BADFILE)
        return 0;
    return wsm_fd_shortage_now();
}

/* A reply whose headers were refused (over WSM_MAX_HEADER_LINE or WSM_MAX_REPLY_HEADERS in our header
 * callback, or over libcurl's own line limit); WSM_S_OK when that is not what happened. */
static int32_t header_failure(struct wsm_transport *t, CURLcode rc, const char *host, char **detail)
{
    if (t->header_overflow == 1)
        return wsm_fail(
            detail, WSM_E_WINHTTP_HEADER_SIZE_OVERFLOW,
            "The reply from \"%s\" has a header line (\"%s\") of %zu bytes, more than the limit of %u "
            "bytes for one header line; the reply was not used and the connection was closed.",
            host, t->overflow_name, t->overflow_size, (unsigned)WSM_MAX_HEADER_LINE);
    if (t->header_overflow)
        return wsm_fail(
            detail, WSM_E_WINHTTP_HEADER_SIZE_OVERFLOW,
            "The headers of the reply from \"%s\" are more than %u bytes in all (%zu bytes up to the "
            "line \"%s\"); the reply was not used and the connection was closed.",
            host, (unsigned)WSM_MAX_REPLY_HEADERS, t->overflow_size, t->overflow_name);
    if (header_rejected(t, rc))
        return wsm_fail(
            detail, WSM_E_WINHTTP_HEADER_SIZE_OVERFLOW,
            "The reply from \"%s\" has a header line longer than %u bytes (where libcurl stops reading "
            "one), more than the limit of %u bytes for one header line; the reply was not used and the "
            "connection was closed.",
            host, (unsigned)CURL_MAX_HTTP_HEADER, (unsigned)WSM_MAX_HEADER_LINE);
    return WSM_S_OK;
}

/* The failures of the TLS handshake and of the certificate checks, and any other failure of the connection.
 */
static int32_t tls_or_connection_failure(struct wsm_transport *t, CURLcode rc, const char *host,
                                         const char *why, char **detail)
{
    struct wsm_clean_text cf;

    switch (rc) {
    case CURLE_PEER_FAILED_VERIFICATION: {
        int err = t->tls_verify_error;
        if (!err) {
            long res = X509_V_OK;
            curl_easy_getinfo(t->curl, CURLINFO_SSL_VERIFYRESULT, &res);
            err = (int)res;
            /* Chain fine (or forgiven) yet refused: libcurl's own host name check is what failed. */
            if (err == X509_V_OK || (t->skip_ca_check && is_trust_error(err)))
                err = X509_V_ERR_HOSTNAME_MISMATCH;
        }
        return tls_verify_failure(t, err, detail);
    }
    case CURLE_SSL_CACERT_BADFILE:
        return wsm_fail(detail, WSM_E_WINHTTP_SECURE_INVALID_CA,
                        "The trusted certificate authorities (\"%s\") cannot be loaded to check the server "
                        "certificate of \"%s\": %s.",
                        wsm_clean(&cf, t->ca_file   ? t->ca_file
                                       : t->ca_path ? t->ca_path
                                                    : "system store"),
                        host, why);
    case CURLE_SSL_CRL_BADFILE:
        return wsm_fail(
            detail, WSM_E_WINHTTP_SECURE_CERT_REV_FAILED,
            "The certificate revocation list \"%s\" cannot be loaded to check the server certificate of "
            "\"%s\": %s.",
            wsm_clean(&cf, t->crl_file), host, why);
    case CURLE_SSL_CERTPROBLEM:
        return wsm_fail(detail, ERROR_WSMAN_CLIENT_INVALID_CERT,
                        "The client certificate cannot be used for the connection to \"%s\": %s.", host, why);
    default:
        break;
    }
    if (t->tls_verify_error)
        return tls_verify_failure(t, t->tls_verify_error, detail);
    if (t->tls_alert >= 0)
        return wsm_fail(detail, WSM_E_WINHTTP_SECURE_CHANNEL_ERROR,
                        "The TLS handshake with \"%s\" failed: the server sent the alert \"%s\"%s (%s).",
                        host, alert_text(t->tls_alert),
                        t->cert_pem ? "; it probably did not accept the client certificate" : "", why);
    if (t->cert_pem && t->tls_cert_requested && !t->got_status &&
        (rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING))
        /* TLS 1.3: the server checks our certificate after the client side of the handshake is done; when it
         * refuses it, it closes the connection, and its alert is not always read before the reset. */
        return wsm_fail(
            detail, WSM_E_WINHTTP_SECURE_CHANNEL_ERROR,
            "The server \"%s\" asked for a client certificate and then dropped the connection without "
            "a reply; it probably did not accept the certificate (%s).",
            host, why);
    switch (rc) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        return wsm_fail(detail, WSM_E_WINHTTP_SECURE_CHANNEL_ERROR,
                        "The TLS handshake with \"%s\" failed: %s.", host, why);
    default:
        /* Reset, closed without a reply, garbled HTTP, proxy failures... */
        return wsm_fail(detail, WSM_E_WINHTTP_CONNECTION_ERROR, "The connection to \"%s\" failed: %s.", host,
                        why);
    }
}

static int32_t map_failure(struct wsm_transport *t, CURLcode rc, char **detail)
{
    struct wsm_clean_text ch, ce;
    const char *host = wsm_clean(&ch, t->host);
    const char *why = wsm_clean(&ce, t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc));
    int32_t hr;

    if ((hr = header_failure(t, rc, host, detail)))
        return hr;
    int fd_err = descriptor_shortage(t, rc);
    if (fd_err) {
        char limit[128];
        return wsm_fail(detail, WSM_E_TOO_MANY_OPEN_FILES,
                        "Cannot connect to \"%s\": too many open files: %s; the host itself may be fine "
                        "(%s).",
                        host, wsm_fd_exhaustion_text(fd_err, limit, sizeof(limit)), why);
    }
    switch (rc) {
    case CURLE_OUT_OF_MEMORY:
        return WSM_E_OUTOFMEMORY;
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
        if (t->oom)
            return WSM_E_OUTOFMEMORY;
        return wsm_fail(detail, ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED,
                        "The reply from \"%s\" is larger than the limit of %zu bytes; it was cut off and the "
                        "connection closed.",
                        host, t->max_reply);
    case CURLE_COULDNT_CONNECT:
        return wsm_fail(detail, ERROR_WSMAN_DESTINATION_UNREACHABLE, "Cannot connect to \"%s\"%s: %s.", host,
                        t->proxy_mode == WSM_PROXY_DIRECT ? "" : " (or to the proxy)", why);
    case CURLE_COULDNT_RESOLVE_HOST:
        return wsm_fail(detail, WSM_E_WINHTTP_NAME_NOT_RESOLVED,
                        "The host name \"%s\" cannot be resolved: %s.", host, why);
    case CURLE_COULDNT_RESOLVE_PROXY:
        return wsm_fail(detail, WSM_E_WINHTTP_NAME_NOT_RESOLVED,
                        "The proxy name cannot be resolved (while connecting to \"%s\"): %s.", host, why);
    case CURLE_OPERATION_TIMEDOUT:
        return wsm_fail(detail, WSM_E_TIMEOUT, "The request to \"%s\" timed out: %s.", host, why);
    default:
        return tls_or_connection_failure(t, rc, host, why, detail);
    }
}

/* ---- requests ---- */

static int32_t add_header(struct curl_slist **list, const char *line)
{
    struct curl_slist *l = curl_slist_append(*list, line);
    if (!l)
        return WSM_E_OUTOFMEMORY;
    *list = l;
    return WSM_S_OK;
}

static int32_t build_headers(struct wsm_transport *t, const char *content_type, const char *const *extra,
                             int unauthenticated, struct curl_slist **out, char **detail)
{
    struct curl_slist *list = NULL;
    int32_t hr = WSM_S_OK;
    char *ct = NULL;

    *out = NULL;
    if ((hr = wsm_check_request_headers(content_type, extra, detail)))
        return hr;
    /* "Content-Type:" with no value stops libcurl from adding application/x-www-form-urlencoded; "Expect:"
     * stops the 100-continue round trip libcurl does for large bodies. */
    if (content_type && !(ct = wsm_asprintf("Content-Type: %s", content_type)))
        return WSM_E_OUTOFMEMORY;
    if ((hr = add_header(&list, ct ? ct : "Content-Type:")) ||
        (hr = add_header(&list, "Connection: Keep-Alive")) ||
        (hr = add_header(&list, "Accept-Encoding: identity")) || (hr = add_header(&list, "Expect:")))
        goto done;
    if (t->auth == WSM_AUTH_CERTIFICATE && !unauthenticated &&
        (hr = add_header(&list, "Authorization: " WSM_SECPROFILE_HTTPS_MUTUAL)))
        goto done;
    t->auth_line = NULL;
    if (t->auth == WSM_AUTH_EXTERNAL && !unauthenticated) {
        /* A placeholder that on_prereq() fills in ("Authorization:" alone sends nothing). */
        if ((hr = add_header(&list, "Authorization:")))
            goto done;
        for (t->auth_line = list; t->auth_line->next; t->auth_line = t->auth_line->next)
            ;
    }
    for (const char *const *h = extra; h && *h; h++) {
        if ((hr = add_header(&list, *h)))
            goto done;
    }
done:
    free(ct);
    if (hr) {
        curl_slist_free_all(list);
        t->auth_line = NULL;
    } else
        *out = list;
    return hr;
}

/* The header list of a request (*send): the transport's kept list when the request has no extra lines and no
 * placeholder for an auth hook (the same lines every time), rebuilt only when its Content-Type or
 * unauthenticated state differs from the last one's; otherwise a list for this request alone, also in *own,
 * which the caller frees (*own is NULL when the kept list is used). */
static int32_t request_headers(struct wsm_transport *t, const char *content_type, const char *const *extra,
                               int unauthenticated, struct curl_slist **own, struct curl_slist **send,
                               char **detail)
{
    struct curl_slist *list = NULL;
    char *ctype = NULL;
    int32_t hr;

    *own = *send = NULL;
    if ((extra && *extra) || (t->auth == WSM_AUTH_EXTERNAL && !unauthenticated)) {
        if ((hr = build_headers(t, content_type, extra, unauthenticated, own, detail)))
            return hr;
        *send = *own;
        return WSM_S_OK;
    }
    t->auth_line = NULL;
    if (!t->kept_headers || t->kept_unauth != !!unauthenticated ||
        (content_type ? !t->kept_ctype || strcmp(content_type, t->kept_ctype) : t->kept_ctype != NULL)) {
        if (content_type && !(ctype = wsm_strdup(content_type)))
            return WSM_E_OUTOFMEMORY;
        if ((hr = build_headers(t, content_type, NULL, unauthenticated, &list, detail))) {
            free(ctype);
            return hr;
        }
        curl_slist_free_all(t->kept_headers);
        free(t->kept_ctype);
        t->kept_headers = list;
        t->kept_ctype = ctype;
        t->kept_unauth = !!unauthenticated;
    }
    *send = t->kept_headers;
    return WSM_S_OK;
}

/* A multi interface failure as a CURLcode (with its text in errbuf) for map_failure(). */
static CURLcode multi_failure(struct wsm_transport *t, CURLMcode mc)
{
    if (mc == CURLM_OUT_OF_MEMORY)
        return CURLE_OUT_OF_MEMORY;
    snprintf(t->errbuf, sizeof(t->errbuf), "libcurl: %s", curl_multi_strerror(mc));
    return CURLE_FAILED_INIT;
}

/* What curl_easy_perform does, but waiting at most WSM_CANCEL_POLL_MS at a time, so that a cancellation is
 * seen promptly whatever the transfer waits for. A cancelled transfer is taken off the multi handle at once,
 * which closes its connection. */
static CURLcode run_transfer(struct wsm_transport *t)
{
    CURLcode rc = CURLE_OK;
    CURLMcode mc;
    int running = 1;

    if ((mc = curl_multi_add_handle(t->multi, t->curl)))
        return multi_failure(t, mc);
    for (;;) {
        if ((mc = curl_multi_perform(t->multi, &running))) {
            rc = multi_failure(t, mc);
            break;
        }
        if (!running) {
            CURLMsg *msg;
            int left;
            rc = CURLE_GOT_NOTHING; /* no outcome reported: should not happen */
            while ((msg = curl_multi_info_read(t->multi, &left))) {
                if (msg->msg == CURLMSG_DONE && msg->easy_handle == t->curl)
                    rc = msg->data.result;
            }
            break;
        }
        if (cancel_pending(t)) {
            rc = CURLE_ABORTED_BY_CALLBACK;
            break;
        }
        if ((mc = curl_multi_poll(t->multi, NULL, 0, WSM_CANCEL_POLL_MS, NULL))) {
            rc = multi_failure(t, mc);
            break;
        }
    }
#if LIBCURL_VERSION_NUM >= 0x075700
    /* A transfer stopped while a resolver thread is still in getaddrinfo(): detach the thread instead of
     * waiting for it (it frees its own data when it ends). Only then: otherwise libcurl behaves as always. */
    if (running)
        curl_easy_setopt(t->curl, CURLOPT_QUICK_EXIT, 1L);
#endif
    curl_multi_remove_handle(t->multi, t->curl);
#if LIBCURL_VERSION_NUM >= 0x075700
    if (running)
        curl_easy_setopt(t->curl, CURLOPT_QUICK_EXIT, 0L);
#endif
    return rc;
}

/* Forgets what the last request left behind, before a new one goes out. */
static void reset_request_state(struct wsm_transport *t, size_t max_reply)
{
    wsm_buf_reset(&t->body);
    t->body.max = max_reply;
    t->max_reply = max_reply;
    t->overflow = t->oom = 0;
    t->tls_verify_error = 0;
    t->tls_error_depth = 0;
    t->tls_subject[0] = '\0';
    t->tls_alert = -1;
    t->tls_cert_requested = t->got_status = 0;
    t->errbuf[0] = '\0';
    t->hook_hr = WSM_S_OK;
    t->new_connection = 0;
    t->socket_errno = 0;
    t->connection_close = 0;
    t->header_bytes = 0;
    t->header_overflow = 0;
    t->body_started = 0;
    wsm_free_strv(t->www);
    t->www = NULL;
    t->n_www = 0;
}

/* The options of one request: its header lines (send), body, timeout, reply limit, trace and whether it
 * carries the host credentials. */
static CURLcode set_request_options(struct wsm_transport *t, struct curl_slist *send, const char *body,
                                    size_t len, uint32_t timeout_ms, size_t max_reply, int unauthenticated)
{
    CURL *c = t->curl;
    CURLcode rc = CURLE_OK;
    SET(CURLOPT_HTTPHEADER, send);
    SET(CURLOPT_POSTFIELDS, body ? body : "");
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    SET(CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    if (wsm_trace_enabled() != t->verbose) {
        /* libcurl calls on_debug only while this is on */
        SET(CURLOPT_VERBOSE, (long)!t->verbose);
        if (!rc)
            t->verbose = !t->verbose;
    }
    /* Refuses a too large Content-Length up front; the write callback catches chunked replies. */
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)(max_reply <= (size_t)INT64_MAX ? max_reply : 0));
    if (host_auth_mask(t) && !!unauthenticated == t->authenticated_now) {
        /* CURLAUTH_NONE keeps the credentials (and Digest's nonce) for later requests but sends nothing. */
        SET(CURLOPT_HTTPAUTH, unauthenticated ? (long)CURLAUTH_NONE : host_auth_mask(t));
        if (!rc)
            t->authenticated_now = !unauthenticated;
    }
#undef SET
    return rc;
}

/* After the transfer, whatever its outcome: the trace gets the bodies, the connections are counted, and
 * libcurl lets go of this request's header list and body. */
static void end_transfer(struct wsm_transport *t, struct curl_slist *headers)
{
    long connects = 0;

    if (t->verbose) {
        trace_flush(t, &t->trace_out, '>', "request body");
        trace_flush(t, &t->trace_in, '<', "reply body");
    }
    if (curl_easy_getinfo(t->curl, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK && connects > 0)
        t->connections += (unsigned long)connects;
    /* The list must outlive the transfer only; do not leave libcurl pointing at freed memory. */
    curl_easy_setopt(t->curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(t->curl, CURLOPT_POSTFIELDS, "");
    curl_slist_free_all(headers);
    t->auth_line = NULL;
}

/* A transfer that failed: the auth hook's failure as it gave it, a cancellation, or map_failure()'s HRESULT.
 */
static int32_t transfer_failure(struct wsm_transport *t, CURLcode rc, char **detail)
{
    wsm_buf_reset(&t->body);
    wsm_free_strv(t->www);
    t->www = NULL;
    t->n_www = 0;
    if (rc == CURLE_ABORTED_BY_CALLBACK && t->hook_hr) {
        if (detail) {
            *detail = t->hook_detail;
            t->hook_detail = NULL;
        }
        return t->hook_hr;
    }
    if (t->verbose)
        wsm_trace_note(t->trace_label, '*', "the request failed: libcurl %d (%s)%s", (int)rc,
                       t->errbuf[0] ? t->errbuf : curl_easy_strerror(rc),
                       t->header_overflow ? "; the reply headers are over the limit" : "");
    if (t->cancelled) {
        struct wsm_clean_text ch;
        return wsm_fail(detail, WSM_E_ABORT,
                        "The request to \"%s\" was cancelled (WSManAutoCancelRequests) before it was "
                        "answered; its connection was closed.",
                        wsm_clean(&ch, t->host));
    }
    return map_failure(t, rc, detail);
}

/* Hands the reply of a transfer that succeeded over to *reply. */
static int32_t take_reply(struct wsm_transport *t, struct wsm_http_reply *reply)
{
    long status = 0;
    char *type = NULL;

    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(t->curl, CURLINFO_CONTENT_TYPE, &type);
    if (type && !(reply->content_type = wsm_strdup(type)))
        return WSM_E_OUTOFMEMORY;
    /* Hand the buffer over; the next request starts a new one. */
    if (!(reply->body = wsm_buf_take(&t->body, &reply->len))) {
        wsm_http_reply_clear(reply);
        return WSM_E_OUTOFMEMORY;
    }
    reply->status = status;
    reply->www_authenticate = t->www;
    t->www = NULL;
    t->n_www = 0;
    reply->connection_close = t->connection_close;
    reply->new_connection = t->new_connection;
    return WSM_S_OK;
}

int32_t wsm_transport_post(struct wsm_transport *t, const char *body, size_t len, const char *content_type,
                           const char *const *extra_headers, int unauthenticated, uint32_t timeout_ms,
                           size_t max_reply, struct wsm_http_reply *reply, char **detail)
{
    struct curl_slist *headers = NULL, *send = NULL; /* headers: this request's own list, if any */
    int32_t hr;

    if (detail)
        *detail = NULL;
    if (reply)
        memset(reply, 0, sizeof(*reply));
    if (!t || !reply || (!body && len))
        return wsm_fail(detail, WSM_E_INVALIDARG, "The transport, the reply or the request body is missing.");
    /* Only a cancellation from now on stops this request. */
    t->generation = current_generation();
    t->cancelled = 0;
    if ((hr = request_headers(t, content_type, extra_headers, unauthenticated, &headers, &send, detail)))
        return hr;

    reset_request_state(t, max_reply);
    CURLcode rc = set_request_options(t, send, body, len, timeout_ms, max_reply, unauthenticated);
    if (rc) {
        curl_slist_free_all(headers);
        return rc == CURLE_OUT_OF_MEMORY
                   ? WSM_E_OUTOFMEMORY
                   : wsm_fail(detail, WSM_E_INVALIDARG, "libcurl refused a request setting: %s.",
                              curl_easy_strerror(rc));
    }
    rc = run_transfer(t);
    end_transfer(t, headers);
    if (rc != CURLE_OK)
        return transfer_failure(t, rc, detail);
    return take_reply(t, reply);
}
