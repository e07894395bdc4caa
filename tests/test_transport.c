/*
 * Tests of the HTTP(S) transport (src/core/transport/transport.c) and the client
 * certificate store (src/core/config/certstore.c): against the bundled test server
 * (tests/server/wsman_server.py, through serverctl.c) and against a tiny raw
 * HTTP server thread in this file that records the exact request bytes and
 * answers with deliberately broken replies.
 *
 * Usage: test_transport [SOURCE_DIR]   (default: WSMAUTO_SOURCE_DIR)
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core.h"
#include "names.h"
#include "serverctl.h"
#include "test.h"
#include "transport.h"
#include "endpoint.h"

#ifndef WSMAUTO_SOURCE_DIR
#define WSMAUTO_SOURCE_DIR "."
#endif

#define CT_UTF8 "application/soap+xml;charset=UTF-8"
#define MISBEHAVE "http://wsmauto.test/misbehave/"
#define ECHO_URI "http://wsmauto.test/echo"
#define MAX_ENV 153600

static const char *source_dir = WSMAUTO_SOURCE_DIR;
static int verbose; /* $TEST_VERBOSE: print the detail sentences of expected failures */

static void show_detail(const char *what, int32_t hr, const char *detail)
{
    if (verbose)
        printf("  %s: 0x%08X %s\n", what, (unsigned)hr, detail ? detail : "(no detail)");
}
static char certs[256]; /* output of make-certs.sh */

/* Path of a file made by make-certs.sh; the result lives until the fourth next call. */
static char *cert_path(const char *name)
{
    static char buf[4][400];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof(buf[0]), "%s/%s", certs, name);
    return p;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void rm_tree(const char *dir)
{
    if (dir && dir[0])
        nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int rc = fputs(text, f) < 0 ? -1 : 0;
    return fclose(f) || rc ? -1 : 0;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, len = 0, n;
    char chunk[4096];
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = nb;
        }
        memcpy(buf + len, chunk, n);
        len += n;
        buf[len] = '\0';
    }
    fclose(f);
    return buf;
}

/* "a.pem" + "b.key" → path, for the certificate store tests. */
static int concat_files(const char *out, const char *a, const char *b)
{
    char *ta = read_file(a), *tb = b ? read_file(b) : NULL;
    int rc = -1;
    if (ta && (!b || tb)) {
        char *all = malloc(strlen(ta) + (tb ? strlen(tb) : 0) + 1);
        if (all) {
            strcpy(all, ta);
            if (tb)
                strcat(all, tb);
            rc = write_file(out, all);
            free(all);
        }
    }
    free(ta);
    free(tb);
    return rc;
}

/* SHA-1 of the DER of the first certificate of a PEM file, as 40 upper-case hex digits. */
static void thumbprint_of(const char *pem_path, char out[41])
{
    out[0] = '\0';
    FILE *f = fopen(pem_path, "r");
    if (!f)
        return;
    X509 *x = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (x && X509_digest(x, EVP_sha1(), md, &n) && n == 20) {
        for (unsigned i = 0; i < 20; i++)
            sprintf(out + 2 * i, "%02X", md[i]);
    }
    X509_free(x);
}

static int contains(const char *hay, const char *needle)
{
    return hay && needle && strstr(hay, needle) != NULL;
}

/* ---- request bodies (hand-written envelopes) ---- */

static char *envelope(const char *url, const char *resource)
{
    static unsigned counter;
    return wsm_asprintf("<s:Envelope xmlns:s=\"" WSM_NS_SOAP "\" xmlns:a=\"" WSM_NS_ADDRESSING
                        "\" xmlns:w=\"" WSM_NS_WSMAN "\">"
                        "<s:Header>"
                        "<a:To>%s</a:To>"
                        "<w:ResourceURI s:mustUnderstand=\"true\">%s</w:ResourceURI>"
                        "<a:ReplyTo><a:Address s:mustUnderstand=\"true\">" WSM_URI_ANONYMOUS
                        "</a:Address></a:ReplyTo>"
                        "<a:Action s:mustUnderstand=\"true\">" WSM_ACTION_GET "</a:Action>"
                        "<w:MaxEnvelopeSize s:mustUnderstand=\"true\">%d</w:MaxEnvelopeSize>"
                        "<a:MessageID>uuid:6F1B9A4E-0000-4000-8000-%012X</a:MessageID>"
                        "<w:OperationTimeout>PT60.000S</w:OperationTimeout>"
                        "</s:Header><s:Body></s:Body></s:Envelope>",
                        url, resource, MAX_ENV, ++counter);
}

static const char identify_body[] =
    "<s:Envelope xmlns:s=\"" WSM_NS_SOAP "\" xmlns:wsmid=\"" WSM_NS_IDENTITY "\">"
    "<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>";

/* Posts a Get of `resource` to t's server. */
static int32_t post_get(struct wsm_transport *t, const char *url, const char *resource, uint32_t timeout_ms,
                        size_t max_reply, struct wsm_http_reply *r, char **detail)
{
    char *body = envelope(url, resource);
    if (!body)
        return WSM_E_OUTOFMEMORY;
    int32_t hr =
        wsm_transport_post(t, body, strlen(body), CT_UTF8, NULL, 0, timeout_ms, max_reply, r, detail);
    free(body);
    return hr;
}

/* A misbehave/get-ok request must work (used after every failure). */
#define check_get_ok(t, url) check_get_ok_(t, url, __LINE__)
static void check_get_ok_(struct wsm_transport *t, const char *url, int line)
{
    struct wsm_http_reply r;
    char *detail = NULL;
    int32_t hr = post_get(t, url, MISBEHAVE "get-ok", 30000, 0, &r, &detail);
    ok(hr == 0 && r.status == 200 && contains(r.body, ">ok<"),
       "line %d: get-ok: hr 0x%08x status %ld body %.80s detail %s", line, (unsigned)hr, r.status,
       r.body ? r.body : "(null)", detail ? detail : "(none)");
    free(detail);
    wsm_http_reply_clear(&r);
}

static struct wsm_transport *new_transport(const struct wsm_transport_config *cfg)
{
    struct wsm_transport *t = NULL;
    char *detail = NULL;
    int32_t hr = wsm_transport_new(cfg, &t, &detail);
    ok(hr == 0 && t, "wsm_transport_new(%s): 0x%08x %s", cfg->endpoint ? cfg->endpoint->host : "(none)",
       (unsigned)hr, detail ? detail : "");
    free(detail);
    return t;
}

static struct wsm_transport_config basic_cfg(const char *url)
{
    struct wsm_transport_config cfg = {0};
    cfg.endpoint = test_endpoint(url);
    cfg.auth = WSM_AUTH_BASIC;
    cfg.user = "wsmuser";
    cfg.password = "wsmpass";
    cfg.proxy_mode = WSM_PROXY_DIRECT;
    return cfg;
}

/* ---- a raw HTTP server thread, for what the WS-Management server cannot show ---- */

enum raw_mode { RAW_OK, RAW_SPLIT, RAW_GARBLED, RAW_RESET, RAW_CLOSE, RAW_BIG_LENGTH, RAW_NO_LENGTH_CLOSE };

struct raw_server {
    int fd;
    unsigned port;
    pthread_t thread;
    int started;
    pthread_mutex_t lock;
    enum raw_mode mode;
    int stop;
    /* what the last request was */
    char *head;
    size_t body_len;
    int body_ok; /* every body byte was the expected pattern byte */
    int requests, connections;
};

static const char raw_reply_body[] = "<raw>hello</raw>";

static int send_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int send_str(int fd, const char *s)
{
    return send_all(fd, s, strlen(s));
}

static int raw_stopping(struct raw_server *rs)
{
    pthread_mutex_lock(&rs->lock);
    int stop = rs->stop;
    pthread_mutex_unlock(&rs->lock);
    return stop;
}

/* Reads one request; returns 0, or -1 on EOF/error/stop. */
static int raw_read_request(struct raw_server *rs, int c)
{
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap + 1);
    char *end = NULL;
    if (!buf)
        return -1;
    while (!end) {
        struct pollfd p = {c, POLLIN, 0};
        if (raw_stopping(rs) || len == cap) {
            free(buf);
            return -1;
        }
        if (poll(&p, 1, 100) <= 0)
            continue;
        ssize_t n = recv(c, buf + len, cap - len, 0);
        if (n <= 0) {
            free(buf);
            return -1;
        }
        len += (size_t)n;
        buf[len] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    size_t head_len = (size_t)(end - buf) + 4;
    size_t content_length = 0;
    for (char *h = buf; (h = strcasestr(h, "\r\nContent-Length:")); h += 2)
        content_length = strtoul(h + 17, NULL, 10);
    size_t have = len - head_len, got = 0;
    int body_ok = 1;
    for (size_t i = 0; i < have && i < content_length; i++)
        body_ok &= buf[head_len + i] == (char)('a' + (got + i) % 26);
    got = have < content_length ? have : content_length;
    char chunk[65536];
    while (got < content_length) {
        ssize_t n = recv(c, chunk, sizeof(chunk), 0);
        if (n <= 0)
            break;
        for (ssize_t i = 0; i < n; i++)
            body_ok &= chunk[i] == (char)('a' + (got + (size_t)i) % 26);
        got += (size_t)n;
    }
    buf[head_len] = '\0';
    pthread_mutex_lock(&rs->lock);
    free(rs->head);
    rs->head = buf;
    rs->body_len = got;
    rs->body_ok = body_ok;
    rs->requests++;
    pthread_mutex_unlock(&rs->lock);
    return got == content_length ? 0 : -1;
}

static void *raw_thread(void *arg)
{
    struct raw_server *rs = arg;
    while (!raw_stopping(rs)) {
        struct pollfd p = {rs->fd, POLLIN, 0};
        if (poll(&p, 1, 100) <= 0)
            continue;
        int c = accept(rs->fd, NULL, NULL);
        if (c < 0)
            continue;
        pthread_mutex_lock(&rs->lock);
        rs->connections++;
        pthread_mutex_unlock(&rs->lock);
        while (raw_read_request(rs, c) == 0) {
            pthread_mutex_lock(&rs->lock);
            enum raw_mode mode = rs->mode;
            pthread_mutex_unlock(&rs->lock);
            char head[256];
            snprintf(head, sizeof(head),
                     "HTTP/1.1 200 OK\r\nContent-Type: " CT_UTF8 "\r\nContent-Length: %zu\r\n\r\n",
                     strlen(raw_reply_body));
            int keep = 1;
            switch (mode) {
            case RAW_OK:
                keep = send_all(c, head, strlen(head)) == 0 &&
                       send_all(c, raw_reply_body, strlen(raw_reply_body)) == 0;
                break;
            case RAW_SPLIT:
                /* header and body in two segments, a while apart */
                keep = send_all(c, head, strlen(head)) == 0;
                sleep_ms(50);
                keep = keep && send_all(c, raw_reply_body, strlen(raw_reply_body)) == 0;
                break;
            case RAW_GARBLED:
                send_str(c, "this is not HTTP at all\r\n\r\n");
                keep = 0;
                break;
            case RAW_RESET: {
                struct linger lg = {1, 0}; /* close() sends RST */
                setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
                keep = 0;
                break;
            }
            case RAW_CLOSE:
                keep = 0;
                break;
            case RAW_BIG_LENGTH:
                send_str(c, "HTTP/1.1 200 OK\r\nContent-Type: " CT_UTF8
                            "\r\nContent-Length: 10000000\r\n\r\n<a>");
                keep = 0;
                break;
            case RAW_NO_LENGTH_CLOSE:
                /* HTTP/1.0 style: body up to the end of the connection */
                send_str(c,
                         "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nuntil-eof");
                keep = 0;
                break;
            }
            if (!keep)
                break;
        }
        close(c);
    }
    return NULL;
}

/* Listening socket on 127.0.0.1:0. listen_now: 0 leaves it bound but not listening (connection refused). */
static int raw_socket(unsigned *port, int listen_now)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {0};
    socklen_t alen = sizeof(a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) ||
        getsockname(fd, (struct sockaddr *)&a, &alen) || (listen_now && listen(fd, 16))) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static int raw_start(struct raw_server *rs, int fd, unsigned port)
{
    memset(rs, 0, sizeof(*rs));
    rs->fd = fd;
    rs->port = port;
    pthread_mutex_init(&rs->lock, NULL);
    if (pthread_create(&rs->thread, NULL, raw_thread, rs)) {
        pthread_mutex_destroy(&rs->lock);
        return -1;
    }
    rs->started = 1;
    return 0;
}

static void raw_set_mode(struct raw_server *rs, enum raw_mode mode)
{
    pthread_mutex_lock(&rs->lock);
    rs->mode = mode;
    pthread_mutex_unlock(&rs->lock);
}

/* Copy of the last request head (caller frees). */
static char *raw_last_head(struct raw_server *rs)
{
    pthread_mutex_lock(&rs->lock);
    char *h = wsm_strdup(rs->head);
    pthread_mutex_unlock(&rs->lock);
    return h;
}

static void raw_stop(struct raw_server *rs)
{
    if (rs->started) {
        pthread_mutex_lock(&rs->lock);
        rs->stop = 1;
        pthread_mutex_unlock(&rs->lock);
        pthread_join(rs->thread, NULL);
        pthread_mutex_destroy(&rs->lock);
    }
    if (rs->fd >= 0)
        close(rs->fd);
    free(rs->head);
    memset(rs, 0, sizeof(*rs));
    rs->fd = -1;
}

/* ---- tests without a server ---- */

static void test_arguments(void)
{
    struct wsm_transport *t = (struct wsm_transport *)1;
    struct wsm_transport_config cfg = basic_cfg(NULL);
    char *detail = NULL;

    ok_hr(WSM_E_INVALIDARG, wsm_transport_new(&cfg, &t, &detail));
    ok(t == NULL && detail != NULL, "no URL: out NULL, detail %s", detail ? detail : "(null)");
    free(detail);

    /* Endpoints the connection string parser would never make. */
    struct wsm_endpoint bad_host = test_endpoint_of(0, "not a host", 80, "wsman");
    cfg.endpoint = &bad_host;
    ok_hr(WSM_E_INVALIDARG, wsm_transport_new(&cfg, &t, &detail));
    ok(t == NULL && contains(detail, "not a host"), "bad host: detail %s", detail ? detail : "(null)");
    free(detail);

    struct wsm_endpoint no_port = test_endpoint_of(0, "127.0.0.1", 0, "wsman");
    cfg.endpoint = &no_port;
    ok_hr(WSM_E_INVALIDARG, wsm_transport_new(&cfg, &t, &detail));
    free(detail);

    cfg.endpoint = test_endpoint("http://127.0.0.1:1/wsman");
    cfg.proxy_mode = WSM_PROXY_EXPLICIT;
    ok_hr(WSM_E_INVALIDARG, wsm_transport_new(&cfg, &t, &detail));
    ok(t == NULL, "explicit proxy without URL fails");
    free(detail);

    cfg.proxy_mode = WSM_PROXY_DIRECT;
    t = new_transport(&cfg);
    if (t) {
        struct wsm_http_reply r = {99, (char *)1, (char *)1, 5, (char **)1, 1, 1};
        const char *bad[] = {"X-Evil: a\r\nX-Injected: b", NULL};
        ok_hr(WSM_E_INVALIDARG, wsm_transport_post(t, "x", 1, CT_UTF8, bad, 0, 1000, 0, &r, &detail));
        ok(r.status == 0 && r.body == NULL && r.content_type == NULL && r.len == 0 && !r.www_authenticate,
           "reply zeroed on failure");
        free(detail);
        const char *noname[] = {"no colon here", NULL};
        ok_hr(WSM_E_INVALIDARG, wsm_transport_post(t, "x", 1, CT_UTF8, noname, 0, 1000, 0, &r, &detail));
        free(detail);
        ok(wsm_transport_connections(t) == 0, "no connection made yet");
        wsm_transport_free(t);
    }
    /* an IPv6 literal: nobody listens on port 1 */
    cfg.endpoint = test_endpoint("http://[::1]:1/wsman");
    t = new_transport(&cfg);
    if (t) {
        struct wsm_http_reply r;
        int32_t hr = wsm_transport_post(t, "x", 1, CT_UTF8, NULL, 0, 10000, 0, &r, &detail);
        ok_hr(ERROR_WSMAN_DESTINATION_UNREACHABLE, hr);
        ok(contains(detail, "\"::1\""), "IPv6 detail: %s", detail ? detail : "(null)");
        show_detail("IPv6", hr, detail);
        free(detail);
        wsm_transport_free(t);
    }

    wsm_transport_free(NULL);
    wsm_http_reply_clear(NULL);
}

static void test_cert_store(void)
{
    char dir[300], path[400], path2[400];
    char tp_client[41], tp_other[41], tp_server[41], tp_wrongcn[41], tp_expired[41];
    char *cert = NULL, *key = NULL, *detail = NULL;

    thumbprint_of(cert_path("client.pem"), tp_client);
    thumbprint_of(cert_path("otherclient.pem"), tp_other);
    thumbprint_of(cert_path("server.pem"), tp_server);
    thumbprint_of(cert_path("wrongcn.pem"), tp_wrongcn);
    thumbprint_of(cert_path("expired.pem"), tp_expired);
    ok(strlen(tp_client) == 40 && strlen(tp_expired) == 40, "thumbprints computed");

    snprintf(dir, sizeof(dir), "%s/store", certs);
    mkdir(dir, 0700);
    /* certificate and key in one file */
    snprintf(path, sizeof(path), "%s/combined.pem", dir);
    ok(!concat_files(path, cert_path("client.pem"), cert_path("client.key")), "write %s", path);
    /* certificate in split.crt, key in split.key */
    snprintf(path, sizeof(path), "%s/split.crt", dir);
    snprintf(path2, sizeof(path2), "%s/split.key", dir);
    ok(!concat_files(path, cert_path("otherclient.pem"), NULL) &&
           !concat_files(path2, cert_path("otherclient.key"), NULL),
       "write split");
    /* certificate without any key */
    snprintf(path, sizeof(path), "%s/nokey.pem", dir);
    ok(!concat_files(path, cert_path("server.pem"), NULL), "write nokey");
    /* certificate with somebody else's key */
    snprintf(path, sizeof(path), "%s/mismatch.pem", dir);
    snprintf(path2, sizeof(path2), "%s/mismatch.key", dir);
    ok(!concat_files(path, cert_path("wrongcn.pem"), NULL) &&
           !concat_files(path2, cert_path("untrusted.key"), NULL),
       "write mismatch");
    /* a file that is not PEM at all, and one with another extension holding the expired certificate */
    snprintf(path, sizeof(path), "%s/garbage.pem", dir);
    ok(!write_file(path, "not a certificate\n"), "write garbage");
    snprintf(path, sizeof(path), "%s/expired.txt", dir);
    ok(!concat_files(path, cert_path("expired.pem"), cert_path("expired.key")), "write expired.txt");

    /* found in the same file */
    ok_hr(0, wsm_cert_store_find(dir, tp_client, &cert, &key, &detail));
    ok(contains(cert, "-----BEGIN CERTIFICATE-----") && contains(key, "PRIVATE KEY-----") && !detail,
       "combined: cert and key PEM returned");
    char *want = read_file(cert_path("client.pem"));
    ok(want && cert && !strcmp(want, cert), "combined: the right certificate");
    free(want);
    free(cert);
    wsm_wipe_free(key);

    /* found with its .key file; lower-case thumbprint accepted */
    char lower[41];
    for (int i = 0; i < 41; i++)
        lower[i] = (char)(tp_other[i] >= 'A' && tp_other[i] <= 'F' ? tp_other[i] - 'A' + 'a' : tp_other[i]);
    ok_hr(0, wsm_cert_store_find(dir, lower, &cert, &key, &detail));
    ok(cert && key, "split: found");
    free(cert);
    wsm_wipe_free(key);

    /* not found: the expired certificate is only in a .txt file */
    ok_hr(ERROR_WSMAN_CERT_NOT_FOUND, wsm_cert_store_find(dir, tp_expired, &cert, &key, &detail));
    ok(!cert && !key && contains(detail, dir) && contains(detail, tp_expired), "not found: detail %s",
       detail ? detail : "(null)");
    free(detail);

    /* found without key */
    ok_hr(ERROR_WSMAN_CLIENT_INVALID_CERT, wsm_cert_store_find(dir, tp_server, &cert, &key, &detail));
    ok(!cert && !key && contains(detail, "nokey.pem") && contains(detail, "no private key"), "no key: %s",
       detail ? detail : "(null)");
    free(detail);

    /* found with a key that does not match */
    ok_hr(ERROR_WSMAN_CLIENT_INVALID_CERT, wsm_cert_store_find(dir, tp_wrongcn, &cert, &key, &detail));
    ok(contains(detail, "does not belong"), "mismatch: %s", detail ? detail : "(null)");
    free(detail);

    /* malformed thumbprint, missing directory */
    ok_hr(ERROR_WSMAN_CLIENT_INVALID_CERT, wsm_cert_store_find(dir, "1234", &cert, &key, &detail));
    free(detail);
    snprintf(path, sizeof(path), "%s/no-such-dir", certs);
    ok_hr(ERROR_WSMAN_CERT_NOT_FOUND, wsm_cert_store_find(path, tp_client, &cert, &key, &detail));
    ok(contains(detail, "no-such-dir"), "missing dir: %s", detail ? detail : "(null)");
    free(detail);

    /* the transport loads the certificate when it is created */
    struct wsm_transport_config cfg = {0};
    struct wsm_transport *t = (struct wsm_transport *)1;
    cfg.endpoint = test_endpoint("https://localhost:1/wsman");
    cfg.auth = WSM_AUTH_CERTIFICATE;
    cfg.cert_dir = dir;
    cfg.cert_thumbprint = tp_expired;
    ok_hr(ERROR_WSMAN_CERT_NOT_FOUND, wsm_transport_new(&cfg, &t, &detail));
    ok(t == NULL && contains(detail, dir), "transport: not found names the directory: %s",
       detail ? detail : "(null)");
    free(detail);
    cfg.cert_thumbprint = NULL;
    ok_hr(ERROR_WSMAN_CERT_NOT_FOUND, wsm_transport_new(&cfg, &t, &detail));
    free(detail);
    cfg.cert_thumbprint = tp_server;
    ok_hr(ERROR_WSMAN_CLIENT_INVALID_CERT, wsm_transport_new(&cfg, &t, &detail));
    ok(t == NULL, "transport: no key → no transport");
    free(detail);

    /* where the store is */
    char *saved_env[3];
    const char *names[3] = {"WSMAUTO_CERT_DIR", "XDG_CONFIG_HOME", "HOME"};
    for (int i = 0; i < 3; i++)
        saved_env[i] = wsm_strdup(getenv(names[i]));
    setenv("WSMAUTO_CERT_DIR", "/x/certs", 1);
    setenv("XDG_CONFIG_HOME", "/y", 1);
    setenv("HOME", "/z", 1);
    char *d = wsm_cert_store_dir();
    ok_str("/x/certs", d);
    free(d);
    unsetenv("WSMAUTO_CERT_DIR");
    d = wsm_cert_store_dir();
    ok_str("/y/wsmauto/certs", d);
    free(d);
    unsetenv("XDG_CONFIG_HOME");
    d = wsm_cert_store_dir();
    ok_str("/z/.config/wsmauto/certs", d);
    free(d);
    setenv("XDG_CONFIG_HOME", "relative", 1); /* ignored, as the XDG spec says */
    d = wsm_cert_store_dir();
    ok_str("/z/.config/wsmauto/certs", d);
    free(d);
    for (int i = 0; i < 3; i++) {
        if (saved_env[i])
            setenv(names[i], saved_env[i], 1);
        else
            unsetenv(names[i]);
        free(saved_env[i]);
    }
}

/* What goes on the wire, failures the real server cannot produce, and recovery after them. */
static void test_raw(void)
{
    struct raw_server rs;
    unsigned port;
    char url[100], *detail = NULL;
    struct wsm_http_reply r;
    int32_t hr;

    /* connection refused: bound, not listening */
    int fd = raw_socket(&port, 0);
    ok(fd >= 0, "raw socket");
    if (fd < 0)
        return;
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/wsman", port);
    struct wsm_transport_config cfg = basic_cfg(url);
    struct wsm_transport *t = new_transport(&cfg);
    if (!t) {
        close(fd);
        return;
    }
    hr = wsm_transport_post(t, "abc", 3, CT_UTF8, NULL, 0, 10000, 0, &r, &detail);
    ok_hr(ERROR_WSMAN_DESTINATION_UNREACHABLE, hr);
    show_detail("ERROR_WSMAN_DESTINATION_UNREACHABLE", hr, detail);
    ok(contains(detail, "127.0.0.1") && r.body == NULL, "refused: detail %s", detail ? detail : "(null)");
    free(detail);

    /* now somebody listens there: the same transport works */
    ok(listen(fd, 16) == 0 && raw_start(&rs, fd, port) == 0, "raw server started");

    /* a 2 MB body: Content-Length, no chunking, no Expect: 100-continue (libcurl's default above 1 MB) */
    size_t big = 2 * 1024 * 1024;
    char *body = malloc(big);
    for (size_t i = 0; body && i < big; i++)
        body[i] = (char)('a' + i % 26);
    const char *extra[] = {"WSMANIDENTIFY: unauthenticated", "X-Test: 1", NULL};
    hr = wsm_transport_post(t, body, big, CT_UTF8, extra, 0, 30000, 0, &r, &detail);
    ok_hr(0, hr);
    ok(r.status == 200 && r.len == strlen(raw_reply_body) && r.body && !strcmp(r.body, raw_reply_body),
       "raw reply: status %ld len %zu", r.status, r.len);
    ok(r.content_type && !strcmp(r.content_type, CT_UTF8), "content type %s",
       r.content_type ? r.content_type : "-");
    wsm_http_reply_clear(&r);
    free(detail);
    detail = NULL;
    char *head = raw_last_head(&rs);
    ok(head && !strncmp(head, "POST /wsman HTTP/1.1\r\n", 22), "request line: %.40s", head ? head : "(null)");
    ok(contains(head, "\r\nContent-Length: 2097152\r\n"), "Content-Length sent");
    ok(!contains(head, "Transfer-Encoding") && !contains(head, "Expect:"), "no chunking, no Expect");
    ok(contains(head, "\r\nContent-Type: " CT_UTF8 "\r\n"), "Content-Type sent");
    ok(contains(head, "\r\nConnection: Keep-Alive\r\n"), "Connection: Keep-Alive sent");
    ok(contains(head, "\r\nAccept-Encoding: identity\r\n"), "Accept-Encoding: identity sent");
    ok(contains(head, "\r\nUser-Agent: wsmauto/0.1\r\n"), "User-Agent sent");
    ok(contains(head, "\r\nWSMANIDENTIFY: unauthenticated\r\n") && contains(head, "\r\nX-Test: 1\r\n"),
       "extra headers sent");
    ok(contains(head, "\r\nAuthorization: Basic d3NtdXNlcjp3c21wYXNz\r\n"), "Basic sent pre-emptively");
    pthread_mutex_lock(&rs.lock);
    ok(rs.body_len == big && rs.body_ok, "body arrived intact (%zu bytes)", rs.body_len);
    pthread_mutex_unlock(&rs.lock);
    free(head);
    free(body);

    /* unauthenticated: no Authorization on this request, but again on the next */
    hr = wsm_transport_post(t, identify_body, strlen(identify_body), CT_UTF8, extra, 1, 10000, 0, &r, NULL);
    ok_hr(0, hr);
    wsm_http_reply_clear(&r);
    head = raw_last_head(&rs);
    ok(head && !contains(head, "Authorization"), "unauthenticated: no Authorization header");
    free(head);
    hr = wsm_transport_post(t, "", 0, CT_UTF8, NULL, 0, 10000, 0, &r, NULL);
    ok_hr(0, hr);
    wsm_http_reply_clear(&r);
    head = raw_last_head(&rs);
    ok(contains(head, "\r\nAuthorization: Basic ") && contains(head, "\r\nContent-Length: 0\r\n"),
       "authenticated again, empty body has Content-Length: 0");
    free(head);
    ok(wsm_transport_connections(t) == 1, "one connection so far (%lu)", wsm_transport_connections(t));

    /* header and body in two segments */
    raw_set_mode(&rs, RAW_SPLIT);
    hr = wsm_transport_post(t, "x", 1, CT_UTF8, NULL, 0, 10000, 0, &r, NULL);
    ok(hr == 0 && r.status == 200 && r.len == strlen(raw_reply_body), "split reply: 0x%08x", (unsigned)hr);
    wsm_http_reply_clear(&r);

    /* garbled HTTP, reset, closed without reply: connection errors, and the next post reconnects */
    static const struct {
        enum raw_mode mode;
        int32_t hr;
        const char *name;
    } broken[] = {
        {RAW_GARBLED, WSM_E_WINHTTP_CONNECTION_ERROR, "garbled"},
        {RAW_RESET, WSM_E_WINHTTP_CONNECTION_ERROR, "reset"},
        {RAW_CLOSE, WSM_E_WINHTTP_CONNECTION_ERROR, "closed"},
        {RAW_BIG_LENGTH, ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED, "Content-Length over max_reply"},
    };
    for (size_t i = 0; i < sizeof(broken) / sizeof(broken[0]); i++) {
        raw_set_mode(&rs, broken[i].mode);
        hr = wsm_transport_post(t, "x", 1, CT_UTF8, NULL, 0, 10000, 65536, &r, &detail);
        ok(hr == broken[i].hr, "%s: expected 0x%08x, got 0x%08x (%s)", broken[i].name, (unsigned)broken[i].hr,
           (unsigned)hr, detail ? detail : "no detail");
        show_detail(broken[i].name, hr, detail);
        ok(detail && contains(detail, "127.0.0.1") && !contains(detail, "wsmpass"), "%s: detail %s",
           broken[i].name, detail ? detail : "(null)");
        ok(r.body == NULL && r.status == 0, "%s: reply zeroed", broken[i].name);
        free(detail);
        detail = NULL;
        raw_set_mode(&rs, RAW_OK);
        unsigned long before = wsm_transport_connections(t);
        hr = wsm_transport_post(t, "x", 1, CT_UTF8, NULL, 0, 10000, 0, &r, NULL);
        ok(hr == 0 && r.status == 200, "after %s: post works (0x%08x)", broken[i].name, (unsigned)hr);
        ok(wsm_transport_connections(t) == before + 1, "after %s: reconnected", broken[i].name);
        wsm_http_reply_clear(&r);
    }

    /* a body delimited by the end of the connection is still a reply */
    raw_set_mode(&rs, RAW_NO_LENGTH_CLOSE);
    hr = wsm_transport_post(t, "x", 1, CT_UTF8, NULL, 0, 10000, 0, &r, NULL);
    ok(hr == 0 && r.status == 200 && r.body && !strcmp(r.body, "until-eof") && r.content_type &&
           !strcmp(r.content_type, "text/plain"),
       "until-eof reply: 0x%08x %s", (unsigned)hr, r.body ? r.body : "-");
    wsm_http_reply_clear(&r);
    raw_set_mode(&rs, RAW_OK);
    wsm_transport_free(t);

    /* an explicit proxy: the raw server plays the proxy and sees the absolute URL and proxy credentials */
    cfg = basic_cfg("http://wsmauto-target.invalid:5985/wsman");
    char proxy[100];
    snprintf(proxy, sizeof(proxy), "http://127.0.0.1:%u", port);
    cfg.proxy_mode = WSM_PROXY_EXPLICIT;
    cfg.proxy_url = proxy;
    cfg.proxy_auth = 2; /* Basic */
    cfg.proxy_user = "puser";
    cfg.proxy_password = "ppass";
    t = new_transport(&cfg);
    if (t) {
        hr = wsm_transport_post(t, "x", 1, CT_UTF8, NULL, 0, 10000, 0, &r, &detail);
        ok(hr == 0 && r.status == 200, "via proxy: 0x%08x %s", (unsigned)hr, detail ? detail : "");
        free(detail);
        detail = NULL;
        wsm_http_reply_clear(&r);
        head = raw_last_head(&rs);
        ok(head && !strncmp(head, "POST http://wsmauto-target.invalid:5985/wsman HTTP/1.1\r\n", 56),
           "proxy request line: %.60s", head ? head : "(null)");
        ok(contains(head, "\r\nProxy-Authorization: Basic cHVzZXI6cHBhc3M=\r\n"), "proxy credentials sent");
        free(head);
        wsm_transport_free(t);
    }
    raw_stop(&rs);

    /* proxy modes and the environment */
    const char *envs[] = {"http_proxy", "https_proxy", "no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY"};
    char *saved[6];
    for (int i = 0; i < 6; i++) {
        saved[i] = wsm_strdup(getenv(envs[i]));
        unsetenv(envs[i]);
    }
    setenv("http_proxy", "http://wsmauto-proxy.invalid:3128", 1);
    fd = raw_socket(&port, 1);
    ok(fd >= 0 && raw_start(&rs, fd, port) == 0, "raw server restarted");
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/wsman", port);
    cfg = basic_cfg(url);
    cfg.proxy_mode = WSM_PROXY_DIRECT; /* http_proxy ignored */
    t = new_transport(&cfg);
    if (t) {
        hr = wsm_transport_post(t, "x", 1, CT_UTF8, NULL, 0, 10000, 0, &r, NULL);
        ok(hr == 0 && r.status == 200, "direct ignores http_proxy: 0x%08x", (unsigned)hr);
        wsm_http_reply_clear(&r);
        wsm_transport_free(t);
    }
    cfg.proxy_mode = WSM_PROXY_ENVIRONMENT; /* http_proxy used: its name does not resolve */
    t = new_transport(&cfg);
    if (t) {
        hr = wsm_transport_post(t, "x", 1, CT_UTF8, NULL, 0, 10000, 0, &r, &detail);
        ok_hr(WSM_E_WINHTTP_NAME_NOT_RESOLVED, hr);
        show_detail("WSM_E_WINHTTP_NAME_NOT_RESOLVED", hr, detail);
        ok(contains(detail, "proxy"), "proxy not resolved: %s", detail ? detail : "(null)");
        free(detail);
        detail = NULL;
        setenv("no_proxy", "127.0.0.1", 1); /* ... unless no_proxy says otherwise */
        hr = wsm_transport_post(t, "x", 1, CT_UTF8, NULL, 0, 10000, 0, &r, NULL);
        ok(hr == 0 && r.status == 200, "no_proxy honoured: 0x%08x", (unsigned)hr);
        wsm_http_reply_clear(&r);
        wsm_transport_free(t);
    }
    for (int i = 0; i < 6; i++) {
        if (saved[i])
            setenv(envs[i], saved[i], 1);
        else
            unsetenv(envs[i]);
        free(saved[i]);
    }
    raw_stop(&rs);

    /* host not found */
    cfg = basic_cfg("http://wsmauto-no-such-host.invalid:5985/wsman");
    t = new_transport(&cfg);
    if (t) {
        hr = wsm_transport_post(t, "x", 1, CT_UTF8, NULL, 0, 20000, 0, &r, &detail);
        ok_hr(WSM_E_WINHTTP_NAME_NOT_RESOLVED, hr);
        show_detail("WSM_E_WINHTTP_NAME_NOT_RESOLVED", hr, detail);
        ok(contains(detail, "wsmauto-no-such-host.invalid"), "not resolved: %s", detail ? detail : "(null)");
        free(detail);
        wsm_transport_free(t);
    }
}

/* ---- against the WS-Management test server ---- */

static int start(struct test_server *s, const char *const *args)
{
    int rc = test_server_start(s, args);
    ok(rc == 0, "test server started (%s)", args && args[0] ? args[0] : "defaults");
    return rc;
}

static void test_http(void)
{
    struct test_server s;
    struct wsm_http_reply r;
    char *detail = NULL;
    int32_t hr;

    if (start(&s, NULL))
        return;
    struct wsm_transport_config cfg = basic_cfg(s.url);
    struct wsm_transport *t = new_transport(&cfg);
    if (!t) {
        test_server_stop(&s);
        return;
    }

    /* keep-alive: 10 requests, one connection on both sides */
    int good = 0;
    for (int i = 0; i < 10; i++) {
        hr = post_get(t, s.url, MISBEHAVE "get-ok", 30000, MAX_ENV, &r, &detail);
        good +=
            hr == 0 && r.status == 200 && contains(r.body, ">ok<") && contains(r.content_type, "soap+xml");
        if (hr)
            fprintf(stderr, "post %d: 0x%08x %s\n", i, (unsigned)hr, detail ? detail : "");
        free(detail);
        detail = NULL;
        wsm_http_reply_clear(&r);
    }
    ok(good == 10, "10 posts answered (%d)", good);
    ok(wsm_transport_connections(t) == 1, "client opened 1 connection (%lu)", wsm_transport_connections(t));
    ok(test_server_connections(&s) == 1, "server saw 1 connection (%d)", test_server_connections(&s));
    ok(test_server_log_count(&s) == 10, "server logged 10 requests (%d)", test_server_log_count(&s));

    /* wrong password: 401 is a reply, not a transport failure */
    struct wsm_transport_config bad = basic_cfg(s.url);
    bad.password = "wrong";
    struct wsm_transport *tb = new_transport(&bad);
    if (tb) {
        hr = post_get(tb, s.url, MISBEHAVE "get-ok", 30000, 0, &r, &detail);
        ok(hr == 0 && r.status == 401 && r.len == 0, "bad password: 0x%08x status %ld", (unsigned)hr,
           r.status);
        free(detail);
        detail = NULL;
        wsm_http_reply_clear(&r);
        wsm_transport_free(tb);
    }

    /* unauthenticated Identify is answered; an unauthenticated Get is refused (so no Authorization was sent)
     */
    const char *identify_hdr[] = {"WSMANIDENTIFY: unauthenticated", NULL};
    hr = wsm_transport_post(t, identify_body, strlen(identify_body), CT_UTF8, identify_hdr, 1, 30000, 0, &r,
                            NULL);
    ok(hr == 0 && r.status == 200 && contains(r.body, "IdentifyResponse") &&
           !contains(r.body, "SecurityProfiles"),
       "unauthenticated Identify: 0x%08x %ld", (unsigned)hr, r.status);
    wsm_http_reply_clear(&r);
    char *body = envelope(s.url, MISBEHAVE "get-ok");
    hr = wsm_transport_post(t, body, strlen(body), CT_UTF8, NULL, 1, 30000, 0, &r, NULL);
    ok(hr == 0 && r.status == 401, "unauthenticated Get: 0x%08x %ld", (unsigned)hr, r.status);
    wsm_http_reply_clear(&r);
    free(body);
    check_get_ok(t, s.url);

    /* replies whose status and content are the caller's business */
    static const struct {
        const char *mode;
        long status;
        const char *type; /* prefix of the Content-Type, NULL: do not check */
        int empty;        /* 1: no body, 0: a body, -1: do not check */
    } statuses[] = {
        {"status401", 401, NULL, 1},
        {"status413", 413, NULL, -1},
        {"status415", 415, NULL, -1},
        {"status500-empty", 500, NULL, 1},
        {"status500-html", 500, "text/html", 0},
        {"status400-fault", 400, "application/soap+xml", 0},
        {"nonxml", 200, "application/soap+xml", 0},
        {"html200", 200, "text/html", 0},
        {"empty200", 200, NULL, 1},
        {"redirect", 302, NULL, -1},
    };
    for (size_t i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
        char uri[200];
        snprintf(uri, sizeof(uri), MISBEHAVE "%s", statuses[i].mode);
        int before = test_server_log_count(&s);
        hr = post_get(t, s.url, uri, 30000, MAX_ENV, &r, &detail);
        ok(hr == 0 && r.status == statuses[i].status, "%s: hr 0x%08x status %ld (%s)", statuses[i].mode,
           (unsigned)hr, r.status, detail ? detail : "");
        if (statuses[i].type)
            ok(r.content_type && !strncmp(r.content_type, statuses[i].type, strlen(statuses[i].type)),
               "%s: content type %s", statuses[i].mode, r.content_type ? r.content_type : "(none)");
        if (statuses[i].empty >= 0)
            ok(r.body && (r.len == 0) == statuses[i].empty && strlen(r.body) == r.len, "%s: body length %zu",
               statuses[i].mode, r.len);
        if (!strcmp(statuses[i].mode, "nonxml"))
            ok(r.body && !strcmp(r.body, "this is not XML <<<"), "nonxml body: %s", r.body ? r.body : "-");
        if (!strcmp(statuses[i].mode, "redirect"))
            ok(test_server_log_count(&s) == before + 1, "redirect not followed (%d requests)",
               test_server_log_count(&s) - before);
        free(detail);
        detail = NULL;
        wsm_http_reply_clear(&r);
        check_get_ok(t, s.url);
    }

    /* oversize: fine without a limit, cut off with one */
    hr = post_get(t, s.url, MISBEHAVE "oversize", 30000, 0, &r, NULL);
    ok(hr == 0 && r.status == 200 && r.len > MAX_ENV, "oversize without limit: 0x%08x len %zu", (unsigned)hr,
       r.len);
    wsm_http_reply_clear(&r);
    hr = post_get(t, s.url, MISBEHAVE "oversize", 30000, MAX_ENV, &r, &detail);
    ok_hr(ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED, hr);
    show_detail("ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED", hr, detail);
    ok(r.body == NULL && contains(detail, "153600"), "oversize: %s", detail ? detail : "(null)");
    free(detail);
    detail = NULL;
    check_get_ok(t, s.url);

    /* endless: cut off by max_reply */
    unsigned long conns = wsm_transport_connections(t);
    hr = post_get(t, s.url, MISBEHAVE "endless", 60000, 65536, &r, &detail);
    ok_hr(ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED, hr);
    show_detail("ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED", hr, detail);
    free(detail);
    detail = NULL;
    check_get_ok(t, s.url);
    ok(wsm_transport_connections(t) == conns + 1, "endless: connection dropped and reopened (%lu → %lu)",
       conns, wsm_transport_connections(t));

    /* endless: cut off by the timeout */
    hr = post_get(t, s.url, MISBEHAVE "endless", 1500, 0, &r, &detail);
    ok_hr(WSM_E_TIMEOUT, hr);
    show_detail("WSM_E_TIMEOUT", hr, detail);
    free(detail);
    detail = NULL;
    check_get_ok(t, s.url);

    /* sleep: timeout */
    hr = post_get(t, s.url, MISBEHAVE "sleep", 1000, 0, &r, &detail);
    ok_hr(WSM_E_TIMEOUT, hr);
    show_detail("WSM_E_TIMEOUT", hr, detail);
    ok(contains(detail, "timed out") && r.body == NULL, "sleep: %s", detail ? detail : "(null)");
    free(detail);
    detail = NULL;
    check_get_ok(t, s.url);

    /* close: connection error */
    hr = post_get(t, s.url, MISBEHAVE "close", 30000, 0, &r, &detail);
    ok_hr(WSM_E_WINHTTP_CONNECTION_ERROR, hr);
    show_detail("WSM_E_WINHTTP_CONNECTION_ERROR", hr, detail);
    free(detail);
    detail = NULL;
    check_get_ok(t, s.url);

    wsm_transport_free(t);
    test_server_stop(&s);
}

static void test_digest(void)
{
    struct test_server s;
    struct wsm_http_reply r;
    char *detail = NULL;
    const char *args[] = {"--auth", "digest", NULL};

    if (start(&s, args))
        return;
    struct wsm_transport_config cfg = basic_cfg(s.url);
    cfg.auth = WSM_AUTH_DIGEST;
    struct wsm_transport *t = new_transport(&cfg);
    if (t) {
        for (int i = 0; i < 3; i++)
            check_get_ok(t, s.url);
        /* an unauthenticated request in between does not disturb Digest */
        const char *identify_hdr[] = {"WSMANIDENTIFY: unauthenticated", NULL};
        int32_t hr = wsm_transport_post(t, identify_body, strlen(identify_body), CT_UTF8, identify_hdr, 1,
                                        30000, 0, &r, NULL);
        ok(hr == 0 && r.status == 200, "digest transport, unauthenticated Identify: 0x%08x %ld", (unsigned)hr,
           r.status);
        wsm_http_reply_clear(&r);
        check_get_ok(t, s.url);
        ok(wsm_transport_connections(t) == 1, "digest: one connection (%lu)", wsm_transport_connections(t));
        wsm_transport_free(t);
    }
    cfg.password = "wrong";
    t = new_transport(&cfg);
    if (t) {
        int32_t hr = post_get(t, s.url, MISBEHAVE "get-ok", 30000, 0, &r, &detail);
        ok(hr == 0 && r.status == 401, "digest, wrong password: 0x%08x %ld", (unsigned)hr, r.status);
        free(detail);
        wsm_http_reply_clear(&r);
        wsm_transport_free(t);
    }
    /* Basic offered to a Digest-only server: 401 */
    cfg.auth = WSM_AUTH_BASIC;
    cfg.password = "wsmpass";
    t = new_transport(&cfg);
    if (t) {
        int32_t hr = post_get(t, s.url, MISBEHAVE "get-ok", 30000, 0, &r, NULL);
        ok(hr == 0 && r.status == 401, "basic to digest server: 0x%08x %ld", (unsigned)hr, r.status);
        wsm_http_reply_clear(&r);
        wsm_transport_free(t);
    }
    test_server_stop(&s);
}

struct tls_case {
    const char *name;
    const char *url_host; /* NULL: localhost */
    int use_ca;           /* 1: ca_file, 2: ca_path, 0: the system store */
    int skip_ca, skip_cn, skip_rev;
    const char *crl;        /* file name in certs, or NULL */
    int32_t hr;             /* expected */
    const char *detail_has; /* for failures */
};

static void run_tls_cases(const char *server_cert, const struct tls_case *cases, size_t n)
{
    struct test_server s;
    char cert[400], key[400];
    snprintf(cert, sizeof(cert), "%s/%s.pem", certs, server_cert);
    snprintf(key, sizeof(key), "%s/%s.key", certs, server_cert);
    const char *args[] = {"--tls-cert", cert, "--tls-key", key, NULL};
    if (start(&s, args))
        return;
    for (size_t i = 0; i < n; i++) {
        const struct tls_case *c = &cases[i];
        char url[200], crl[400];
        snprintf(url, sizeof(url), "https://%s:%u/wsman", c->url_host ? c->url_host : "localhost", s.port);
        struct wsm_transport_config cfg = basic_cfg(url);
        cfg.ca_file = c->use_ca == 1 ? cert_path("ca.pem") : NULL;
        cfg.ca_path = c->use_ca == 2 ? cert_path("capath") : NULL;
        cfg.skip_ca_check = c->skip_ca;
        cfg.skip_cn_check = c->skip_cn;
        cfg.skip_revocation_check = c->skip_rev;
        if (c->crl) {
            snprintf(crl, sizeof(crl), "%s/%s", certs, c->crl);
            cfg.crl_file = crl;
        }
        struct wsm_transport *t = new_transport(&cfg);
        if (!t)
            continue;
        int before = test_server_log_count(&s);
        struct wsm_http_reply r;
        char *detail = NULL;
        int32_t hr = post_get(t, url, MISBEHAVE "get-ok", 30000, 0, &r, &detail);
        ok(hr == c->hr, "%s/%s: expected 0x%08x, got 0x%08x (%s)", server_cert, c->name, (unsigned)c->hr,
           (unsigned)hr, detail ? detail : "no detail");
        show_detail(c->name, hr, detail);
        if (c->hr == 0) {
            ok(r.status == 200 && contains(r.body, ">ok<"), "%s/%s: status %ld", server_cert, c->name,
               r.status);
            /* and the TLS connection is kept alive */
            check_get_ok(t, url);
            ok(wsm_transport_connections(t) == 1, "%s/%s: one connection (%lu)", server_cert, c->name,
               wsm_transport_connections(t));
        } else {
            ok(detail && contains(detail, c->url_host ? c->url_host : "localhost") &&
                   (!c->detail_has || contains(detail, c->detail_has)),
               "%s/%s: detail %s", server_cert, c->name, detail ? detail : "(null)");
            /* nothing (no password) was sent to the server that failed the checks */
            ok(test_server_log_count(&s) == before, "%s/%s: no request reached the server", server_cert,
               c->name);
            /* and the transport can be used again (it fails the same way) */
            char *detail2 = NULL;
            int32_t hr2 = post_get(t, url, MISBEHAVE "get-ok", 30000, 0, &r, &detail2);
            ok(hr2 == c->hr, "%s/%s: second post 0x%08x", server_cert, c->name, (unsigned)hr2);
            free(detail2);
        }
        free(detail);
        wsm_http_reply_clear(&r);
        wsm_transport_free(t);
    }
    test_server_stop(&s);
}

static void test_tls(void)
{
    static const struct tls_case good[] = {
        {"ca", NULL, 1, 0, 0, 0, NULL, 0, NULL},
        {"ip", "127.0.0.1", 1, 0, 0, 0, NULL, 0, NULL},
        {"ca path", NULL, 2, 0, 0, 0, NULL, 0, NULL},
        {"system store", NULL, 0, 0, 0, 0, NULL, WSM_E_WINHTTP_SECURE_INVALID_CA, "trusted"},
        {"skip ca", NULL, 0, 1, 0, 0, NULL, 0, NULL},
        {"crl", NULL, 1, 0, 0, 0, "crl.pem", 0, NULL},
        {"other crl", NULL, 1, 0, 0, 0, "otherca-crl.pem", WSM_E_WINHTTP_SECURE_CERT_REV_FAILED,
         "revocation"},
        {"other crl skipped", NULL, 1, 0, 0, 1, "otherca-crl.pem", 0, NULL},
        {"missing crl file", NULL, 1, 0, 0, 0, "no-such-crl.pem", WSM_E_WINHTTP_SECURE_CERT_REV_FAILED, NULL},
    };
    run_tls_cases("server", good, sizeof(good) / sizeof(good[0]));

    static const struct tls_case wrongcn[] = {
        {"ca", NULL, 1, 0, 0, 0, NULL, WSM_E_WINHTTP_SECURE_CERT_CN_INVALID, "name"},
        {"ip", "127.0.0.1", 1, 0, 0, 0, NULL, WSM_E_WINHTTP_SECURE_CERT_CN_INVALID, "name"},
        {"skip cn", NULL, 1, 0, 1, 0, NULL, 0, NULL},
        /* skip_ca_check alone must still check the name */
        {"skip ca only", NULL, 0, 1, 0, 0, NULL, WSM_E_WINHTTP_SECURE_CERT_CN_INVALID, "wrong.example"},
        {"skip both", NULL, 0, 1, 1, 0, NULL, 0, NULL},
        {"skip cn, untrusted", NULL, 0, 0, 1, 0, NULL, WSM_E_WINHTTP_SECURE_INVALID_CA, NULL},
    };
    run_tls_cases("wrongcn", wrongcn, sizeof(wrongcn) / sizeof(wrongcn[0]));

    static const struct tls_case untrusted[] = {
        {"ca", NULL, 1, 0, 0, 0, NULL, WSM_E_WINHTTP_SECURE_INVALID_CA, "self-signed"},
        {"skip ca", NULL, 1, 1, 0, 0, NULL, 0, NULL},
        {"skip ca, ip", "127.0.0.1", 0, 1, 0, 0, NULL, 0, NULL},
    };
    run_tls_cases("untrusted", untrusted, sizeof(untrusted) / sizeof(untrusted[0]));

    static const struct tls_case expired[] = {
        {"ca", NULL, 1, 0, 0, 0, NULL, WSM_E_WINHTTP_SECURE_CERT_DATE_INVALID, "expired"},
        /* as WinHTTP's IGNORE_UNKNOWN_CA: trust is forgiven, dates are not */
        {"skip ca", NULL, 1, 1, 1, 0, NULL, WSM_E_WINHTTP_SECURE_CERT_DATE_INVALID, "expired"},
    };
    run_tls_cases("expired", expired, sizeof(expired) / sizeof(expired[0]));

    static const struct tls_case revoked[] = {
        {"no crl", NULL, 1, 0, 0, 0, NULL, 0, NULL},
        {"crl", NULL, 1, 0, 0, 0, "crl.pem", WSM_E_WINHTTP_SECURE_CERT_REVOKED, "revoked"},
        {"crl skipped", NULL, 1, 0, 0, 1, "crl.pem", 0, NULL},
    };
    run_tls_cases("revoked", revoked, sizeof(revoked) / sizeof(revoked[0]));
}

static void test_client_cert(void)
{
    struct test_server s;
    char dir[300], path[400], tp_client[41], tp_other[41], server_pem[400], server_key[400], ca_pem[400];
    const char *args[] = {"--tls-cert", server_pem, "--tls-key",   server_key, "--client-ca",
                          ca_pem,       "--auth",   "certificate", NULL};

    snprintf(server_pem, sizeof(server_pem), "%s", cert_path("server.pem"));
    snprintf(server_key, sizeof(server_key), "%s", cert_path("server.key"));
    snprintf(ca_pem, sizeof(ca_pem), "%s", cert_path("ca.pem"));

    snprintf(dir, sizeof(dir), "%s/clientstore", certs);
    mkdir(dir, 0700);
    snprintf(path, sizeof(path), "%s/client.pem", dir);
    concat_files(path, cert_path("client.pem"), NULL);
    snprintf(path, sizeof(path), "%s/client.key", dir);
    concat_files(path, cert_path("client.key"), NULL);
    snprintf(path, sizeof(path), "%s/other.pem", dir);
    concat_files(path, cert_path("otherclient.pem"), cert_path("otherclient.key"));
    thumbprint_of(cert_path("client.pem"), tp_client);
    thumbprint_of(cert_path("otherclient.pem"), tp_other);

    if (start(&s, args))
        return;
    struct wsm_transport_config cfg = {0};
    cfg.endpoint = test_endpoint(s.url);
    cfg.auth = WSM_AUTH_CERTIFICATE;
    cfg.cert_dir = dir;
    cfg.cert_thumbprint = tp_client;
    cfg.ca_file = ca_pem;
    struct wsm_transport *t = new_transport(&cfg);
    if (t) {
        for (int i = 0; i < 3; i++)
            check_get_ok(t, s.url);
        ok(wsm_transport_connections(t) == 1, "client cert: one connection (%lu)",
           wsm_transport_connections(t));
        wsm_transport_free(t);
    }

    /* a certificate from another CA: refused in the handshake or by status */
    struct wsm_http_reply r;
    char *detail = NULL;
    cfg.cert_thumbprint = tp_other;
    t = new_transport(&cfg);
    if (t) {
        int32_t hr = post_get(t, s.url, MISBEHAVE "get-ok", 30000, 0, &r, &detail);
        ok(hr == WSM_E_WINHTTP_SECURE_CHANNEL_ERROR || (hr == 0 && (r.status == 401 || r.status == 403)),
           "other client cert: 0x%08x status %ld (%s)", (unsigned)hr, r.status, detail ? detail : "");
        show_detail("other client cert", hr, detail);
        free(detail);
        detail = NULL;
        wsm_http_reply_clear(&r);
        wsm_transport_free(t);
    }

    /* no certificate at all: the server wants one */
    cfg.auth = WSM_AUTH_NONE;
    cfg.cert_thumbprint = NULL;
    t = new_transport(&cfg);
    if (t) {
        int32_t hr = post_get(t, s.url, MISBEHAVE "get-ok", 30000, 0, &r, &detail);
        ok(hr == 0 && (r.status == 401 || r.status == 403), "no client cert: 0x%08x status %ld (%s)",
           (unsigned)hr, r.status, detail ? detail : "");
        free(detail);
        wsm_http_reply_clear(&r);
        wsm_transport_free(t);
    }
    test_server_stop(&s);
}

int main(int argc, char **argv)
{
    if (argc > 1)
        source_dir = argv[1];
    verbose = getenv("TEST_VERBOSE") && *getenv("TEST_VERBOSE");

    const char *tmp = getenv("TMPDIR");
    snprintf(certs, sizeof(certs), "%s/wsmauto-certs-XXXXXX",
             tmp && *tmp && strlen(tmp) < 200 ? tmp : "/tmp");
    if (!mkdtemp(certs)) {
        perror("mkdtemp");
        return 1;
    }
    char *cmd = wsm_asprintf("sh '%s/tests/tls/make-certs.sh' '%s'", source_dir, certs);
    int rc = cmd ? system(cmd) : -1;
    free(cmd);
    ok(rc == 0, "make-certs.sh succeeded (%d)", rc);
    if (rc == 0) {
        test_arguments();
        test_cert_store();
        test_raw();
        test_http();
        test_digest();
        test_tls();
        test_client_cert();
    }
    rm_tree(certs);
    return test_summary("transport");
}
