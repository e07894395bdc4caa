/*
 * Tests of the WinHTTP transport (src/core/transport/transport_win.c), run under Wine against the bundled
 * test server (tests/server/wsman_server.py), which tests/wine/run_transport_test.sh starts.
 *
 * Usage: test_transport_win.exe key=value...
 *   http=PORT httplog=PATH      HTTP server, --auth basic,digest
 *   stale=PORT stalelog=PATH    HTTP server, --auth digest --digest-nonce-ttl-s 1
 *   server=PORT serverlog=PATH  HTTPS with server.pem (CN/SAN localhost, signed by the test CA)
 *   untrusted=PORT untrustedlog=PATH  HTTPS with the self-signed untrusted.pem
 *   wrongcn=PORT expired=PORT   HTTPS with wrongcn.pem / expired.pem
 *   refused=PORT                a port nothing listens on
 *   serverlog=PATH              log of the server.pem server
 *   trusted=1                   ca.pem is in the prefix's Root store (tests/wine/addroot.c): full checks
 *   servercertsha256=HEX        SHA-256 of server.pem's DER (its tls-server-end-point channel binding)
 * Log paths are Windows paths (Z:/tmp/...). Prints "test_transport_win: N passed, N failed".
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* winsock2/ws2tcpip before windows.h and winhttp.h: WINHTTP_CONNECTION_INFO needs SOCKADDR_STORAGE. */
#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>
#include <winhttp.h>

#include "core.h"
#include "gssauth.h"
#include "names.h"
#include "test.h"
#include "transport.h"
#include "endpoint.h"

#define CT_UTF8 "application/soap+xml;charset=UTF-8"
#define MISBEHAVE "http://wsmauto.test/misbehave/"

static const char *args[32][2];
static int n_args;
static int verbose;

static const char *arg(const char *key)
{
    for (int i = 0; i < n_args; i++) {
        if (!strcmp(args[i][0], key))
            return args[i][1];
    }
    return NULL;
}

static void show(const char *what, int32_t hr, const char *detail)
{
    if (verbose)
        printf("  %s: 0x%08X %s\n", what, (unsigned)hr, detail ? detail : "(no detail)");
}

static int contains(const char *hay, const char *needle)
{
    return hay && needle && strstr(hay, needle) != NULL;
}

/* ---- server log ---- */

/* Size of a log file now (what a later log_since() starts from). */
static long log_size(const char *path)
{
    FILE *f = path ? fopen(path, "rb") : NULL;
    long n = 0;
    if (f) {
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fclose(f);
    }
    return n;
}

/* The log lines written since offset (malloc'd text; "" when none). The server writes a line after its reply
 * went out, so wait a little for the last one. */
static char *log_since(const char *path, long offset, int lines_expected)
{
    for (int tries = 0; tries < 50; tries++) {
        FILE *f = fopen(path, "rb");
        char *text = NULL;
        if (f) {
            fseek(f, 0, SEEK_END);
            long n = ftell(f) - offset;
            if (n < 0)
                n = 0;
            text = calloc(1, (size_t)n + 1);
            fseek(f, offset, SEEK_SET);
            if (text && fread(text, 1, (size_t)n, f) != (size_t)n)
                text[0] = '\0';
            fclose(f);
        }
        int lines = 0;
        for (const char *p = text; p && *p; p++)
            lines += *p == '\n';
        if (lines >= lines_expected || tries == 49)
            return text ? text : calloc(1, 1);
        free(text);
        Sleep(100);
    }
    return calloc(1, 1);
}

static int count_lines_with(const char *text, const char *a, const char *b)
{
    int n = 0;
    for (const char *line = text; line && *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[1024];
        if (len >= sizeof(buf))
            len = sizeof(buf) - 1;
        memcpy(buf, line, len);
        buf[len] = '\0';
        if (strstr(buf, a) && (!b || strstr(buf, b)))
            n++;
        line = end ? end + 1 : line + len;
    }
    return n;
}

/* ---- request bodies ---- */

static const char identify_body[] =
    "<s:Envelope xmlns:s=\"" WSM_NS_SOAP "\" xmlns:wsmid=\"" WSM_NS_IDENTITY "\">"
    "<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>";

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
                        "<w:MaxEnvelopeSize s:mustUnderstand=\"true\">153600</w:MaxEnvelopeSize>"
                        "<a:MessageID>uuid:6F1B9A4E-0000-4000-8000-%012X</a:MessageID>"
                        "<w:OperationTimeout>PT60.000S</w:OperationTimeout>"
                        "</s:Header><s:Body></s:Body></s:Envelope>",
                        url, resource, ++counter);
}

static int32_t post_identify(struct wsm_transport *t, struct wsm_http_reply *r, char **detail)
{
    return wsm_transport_post(t, identify_body, strlen(identify_body), CT_UTF8, NULL, 0, 30000, 0, r, detail);
}

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

/* A misbehave/get-ok request must work (after every failure: the transport stays usable). */
#define check_get_ok(t, url) check_get_ok_(t, url, __LINE__)
static void check_get_ok_(struct wsm_transport *t, const char *url, int line)
{
    struct wsm_http_reply r;
    char *detail = NULL;
    int32_t hr = post_get(t, url, MISBEHAVE "get-ok", 30000, 0, &r, &detail);
    ok(hr == 0 && r.status == 200 && contains(r.body, ">ok<"),
       "line %d: get-ok: hr 0x%08x status %ld detail %s", line, (unsigned)hr, r.status,
       detail ? detail : "(none)");
    free(detail);
    wsm_http_reply_clear(&r);
}

static struct wsm_transport_config make_cfg(const char *url, enum wsm_auth_kind auth, const char *password)
{
    struct wsm_transport_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    cfg.endpoint = test_endpoint(url);
    cfg.auth = auth;
    cfg.user = "wsmuser";
    cfg.password = password;
    cfg.proxy_mode = WSM_PROXY_DIRECT;
    return cfg;
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

/* ---- tests ---- */

static void test_config_errors(void)
{
    struct wsm_transport *t = (struct wsm_transport *)1;
    char *detail = NULL;
    struct wsm_endpoint local = {0};
    local.local = 1;
    struct wsm_transport_config cfg = make_cfg(NULL, WSM_AUTH_BASIC, "x");
    cfg.endpoint = &local;
    int32_t hr = wsm_transport_new(&cfg, &t, &detail);
    ok_hr(WSM_E_INVALIDARG, hr);
    ok(!t && contains(detail, "endpoint"), "local endpoint: %s", detail ? detail : "(null)");
    free(detail);

    /* Endpoints the connection string parser would never make. */
    const struct {
        const char *what;
        struct wsm_endpoint ep;
    } bad[] = {
        {"no host", test_endpoint_of(0, "", 80, "wsman")},
        {"IPv6 not flagged", test_endpoint_of(0, "::1", 80, "wsman")},
        {"port 0", test_endpoint_of(0, "host", 0, "wsman")},
        {"port 99999", test_endpoint_of(0, "host", 99999, "wsman")},
        {"space in the prefix", test_endpoint_of(1, "host", 443, "ws man")},
        {"space in the host", test_endpoint_of(0, "ho st", 80, "wsman")},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        detail = NULL;
        cfg.endpoint = &bad[i].ep;
        hr = wsm_transport_new(&cfg, &t, &detail);
        ok(hr == WSM_E_INVALIDARG && !t && detail, "%s: 0x%08x %s", bad[i].what, (unsigned)hr,
           detail ? detail : "(null)");
        show(bad[i].what, hr, detail);
        free(detail);
    }

    /* Client certificate not in CurrentUser\MY. */
    cfg = make_cfg("https://localhost:5986/wsman", WSM_AUTH_CERTIFICATE, NULL);
    cfg.cert_thumbprint = "0123456789ABCDEF0123456789ABCDEF01234567";
    detail = NULL;
    hr = wsm_transport_new(&cfg, &t, &detail);
    ok_hr(ERROR_WSMAN_CERT_NOT_FOUND, hr);
    ok(!t && contains(detail, "CurrentUser\\MY") && contains(detail, "0123456789ABCDEF"),
       "cert not found: %s", detail ? detail : "(null)");
    show("cert not found", hr, detail);
    free(detail);
}

static void test_basic(const char *port, const char *log)
{
    char url[128];
    snprintf(url, sizeof(url), "http://localhost:%s/wsman", port);
    struct wsm_transport_config cfg = make_cfg(url, WSM_AUTH_BASIC, "wsmpass");
    struct wsm_transport *t = new_transport(&cfg);
    struct wsm_http_reply r;
    char *detail = NULL;
    if (!t)
        return;

    long off = log_size(log);
    for (int i = 0; i < 3; i++) {
        int32_t hr = post_identify(t, &r, &detail);
        ok(hr == 0 && r.status == 200 && contains(r.body, "IdentifyResponse"),
           "basic identify %d: 0x%08x status %ld %s", i, (unsigned)hr, r.status, detail ? detail : "");
        ok(r.new_connection == (i == 0), "basic identify %d: new_connection %d", i, r.new_connection);
        ok(r.content_type && contains(r.content_type, "application/soap+xml"), "content type %s",
           r.content_type ? r.content_type : "(null)");
        ok(r.body && r.len == strlen(r.body), "body NUL-terminated, len %lu", (unsigned long)r.len);
        free(detail);
        detail = NULL;
        wsm_http_reply_clear(&r);
    }
    ok(wsm_transport_connections(t) == 1, "basic: %lu connections", wsm_transport_connections(t));
    char *text = log_since(log, off, 3);
    int n_ok = count_lines_with(text, "status=200", "auth=basic");
    ok(n_ok == 3, "server log: %d lines with status=200 auth=basic:\n%s", n_ok, text);
    /* One connection carried the three requests: they share one conn= number. */
    char first_conn[32] = "";
    sscanf(text, "%31s", first_conn);
    int same = count_lines_with(text, first_conn, "auth=basic");
    ok(first_conn[0] && same == 3, "one connection for all requests (%s): %d\n%s", first_conn, same, text);
    free(text);

    /* A redirect is returned, not followed. */
    int32_t hr = post_get(t, url, MISBEHAVE "redirect", 30000, 0, &r, &detail);
    ok(hr == 0 && r.status == 302, "redirect: 0x%08x status %ld", (unsigned)hr, r.status);
    free(detail);
    detail = NULL;
    wsm_http_reply_clear(&r);

    /* max_reply: cut off, then the transport reconnects. */
    hr = post_get(t, url, MISBEHAVE "oversize", 30000, 20000, &r, &detail);
    ok_hr(ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED, hr);
    ok(r.body == NULL && r.status == 0 && contains(detail, "20000"), "oversize: %s",
       detail ? detail : "(null)");
    show("oversize", hr, detail);
    free(detail);
    detail = NULL;
    check_get_ok(t, url);

    /* endless (chunked, never ends): cut off by max_reply while reading. */
    hr = post_get(t, url, MISBEHAVE "endless", 30000, 100000, &r, &detail);
    ok_hr(ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED, hr);
    show("endless", hr, detail);
    free(detail);
    detail = NULL;
    check_get_ok(t, url);

    /* Time-out: the server says nothing. */
    hr = post_get(t, url, MISBEHAVE "sleep", 1000, 0, &r, &detail);
    ok_hr(WSM_E_TIMEOUT, hr);
    ok(r.body == NULL && contains(detail, "timed out"), "sleep: %s", detail ? detail : "(null)");
    show("sleep", hr, detail);
    free(detail);
    detail = NULL;
    check_get_ok(t, url);

    /* Connection closed without a reply. */
    hr = post_get(t, url, MISBEHAVE "close", 30000, 0, &r, &detail);
    ok_hr(WSM_E_WINHTTP_CONNECTION_ERROR, hr);
    show("close", hr, detail);
    free(detail);
    detail = NULL;
    check_get_ok(t, url);
    ok(wsm_transport_connections(t) >= 4, "reconnected after failures: %lu connections",
       wsm_transport_connections(t));
    wsm_transport_free(t);

    /* Wrong password: status 401 with the challenges; an unauthenticated Identify still works. */
    cfg.password = "wrong";
    t = new_transport(&cfg);
    if (!t)
        return;
    hr = post_identify(t, &r, &detail);
    ok(hr == 0 && r.status == 401, "wrong password: 0x%08x status %ld", (unsigned)hr, r.status);
    ok(r.www_authenticate && r.www_authenticate[0] && r.www_authenticate[1] &&
           contains(r.www_authenticate[0], "Basic realm") && contains(r.www_authenticate[1], "Digest "),
       "challenges: %s / %s", r.www_authenticate && r.www_authenticate[0] ? r.www_authenticate[0] : "(none)",
       r.www_authenticate && r.www_authenticate[0] && r.www_authenticate[1] ? r.www_authenticate[1]
                                                                            : "(none)");
    wsm_http_reply_clear(&r);
    free(detail);
    detail = NULL;
    static const char *const identify_headers[] = {"WSMANIDENTIFY: unauthenticated", NULL};
    hr = wsm_transport_post(t, identify_body, strlen(identify_body), CT_UTF8, identify_headers, 1, 30000, 0,
                            &r, &detail);
    ok(hr == 0 && r.status == 200, "unauthenticated identify: 0x%08x status %ld", (unsigned)hr, r.status);
    wsm_http_reply_clear(&r);
    free(detail);
    wsm_transport_free(t);
}

static void test_digest(const char *port, const char *log)
{
    char url[128];
    snprintf(url, sizeof(url), "http://localhost:%s/wsman", port);
    struct wsm_transport_config cfg = make_cfg(url, WSM_AUTH_DIGEST, "wsmpass");
    struct wsm_transport *t = new_transport(&cfg);
    struct wsm_http_reply r;
    char *detail = NULL;
    if (!t)
        return;

    long off = log_size(log);
    int32_t hr = post_identify(t, &r, &detail);
    ok(hr == 0 && r.status == 200, "digest first: 0x%08x status %ld %s", (unsigned)hr, r.status,
       detail ? detail : "");
    wsm_http_reply_clear(&r);
    free(detail);
    detail = NULL;
    char *text = log_since(log, off, 2);
    ok(count_lines_with(text, "status=401", NULL) == 1 &&
           count_lines_with(text, "status=200", "auth=digest") == 1,
       "digest first request: one 401 then 200 auth=digest:\n%s", text);
    free(text);

    /* Later requests: Digest pre-emptively (nc+1), no 401 round trip. */
    off = log_size(log);
    for (int i = 0; i < 2; i++) {
        hr = post_identify(t, &r, &detail);
        ok(hr == 0 && r.status == 200, "digest pre-emptive %d: 0x%08x status %ld", i, (unsigned)hr, r.status);
        wsm_http_reply_clear(&r);
        free(detail);
        detail = NULL;
    }
    text = log_since(log, off, 2);
    ok(count_lines_with(text, "status=401", NULL) == 0 &&
           count_lines_with(text, "status=200", "auth=digest") == 2,
       "digest pre-emptive: no 401:\n%s", text);
    free(text);
    ok(wsm_transport_connections(t) == 1, "digest: %lu connections", wsm_transport_connections(t));
    wsm_transport_free(t);

    /* Wrong password: the 401 after our answer goes to the caller. */
    cfg.password = "wrong";
    t = new_transport(&cfg);
    if (!t)
        return;
    hr = post_identify(t, &r, &detail);
    ok(hr == 0 && r.status == 401, "digest wrong password: 0x%08x status %ld", (unsigned)hr, r.status);
    wsm_http_reply_clear(&r);
    free(detail);
    wsm_transport_free(t);
}

static void test_digest_stale(const char *port, const char *log)
{
    char url[128];
    snprintf(url, sizeof(url), "http://localhost:%s/wsman", port);
    struct wsm_transport_config cfg = make_cfg(url, WSM_AUTH_DIGEST, "wsmpass");
    struct wsm_transport *t = new_transport(&cfg);
    struct wsm_http_reply r;
    char *detail = NULL;
    if (!t)
        return;
    int32_t hr = post_identify(t, &r, &detail);
    ok(hr == 0 && r.status == 200, "stale server, first: 0x%08x status %ld", (unsigned)hr, r.status);
    wsm_http_reply_clear(&r);
    free(detail);
    detail = NULL;

    Sleep(2000); /* the nonce (ttl 1 s) goes stale */
    long off = log_size(log);
    hr = post_identify(t, &r, &detail);
    ok(hr == 0 && r.status == 200, "stale nonce: 0x%08x status %ld %s", (unsigned)hr, r.status,
       detail ? detail : "");
    wsm_http_reply_clear(&r);
    free(detail);
    char *text = log_since(log, off, 2);
    ok(count_lines_with(text, "status=401", NULL) == 1 &&
           count_lines_with(text, "status=200", "auth=digest") == 1,
       "stale: one 401 (stale) then 200:\n%s", text);
    free(text);
    wsm_transport_free(t);
}

static void expect_failure(const char *what, const char *url, struct wsm_transport_config cfg,
                           int32_t expected, const char *detail_part, const char *log)
{
    cfg.endpoint = test_endpoint(url);
    struct wsm_transport *t = new_transport(&cfg);
    struct wsm_http_reply r;
    char *detail = NULL;
    if (!t)
        return;
    long off = log ? log_size(log) : 0;
    int32_t hr = post_identify(t, &r, &detail);
    ok(hr == expected, "%s: expected 0x%08x, got 0x%08x (status %ld) %s", what, (unsigned)expected,
       (unsigned)hr, r.status, detail ? detail : "(null)");
    ok(r.status == 0 && r.body == NULL && r.www_authenticate == NULL, "%s: reply zeroed", what);
    ok(detail_part == NULL || contains(detail, detail_part), "%s: detail %s", what,
       detail ? detail : "(null)");
    ok(!contains(detail, "wsmpass"), "%s: no password in the detail", what);
    show(what, hr, detail);
    free(detail);
    if (log) {
        /* Nothing reached the server (no request line in its log). */
        Sleep(300);
        char *text = log_since(log, off, 0);
        ok(!text[0], "%s: the server logged a request:\n%s", what, text);
        free(text);
    }
    wsm_transport_free(t);
}

static void test_failures(void)
{
    char url[128];
    struct wsm_transport_config cfg = make_cfg(NULL, WSM_AUTH_BASIC, "wsmpass");

    if (arg("refused")) {
        snprintf(url, sizeof(url), "http://127.0.0.1:%s/wsman", arg("refused"));
        expect_failure("refused", url, cfg, ERROR_WSMAN_DESTINATION_UNREACHABLE, "127.0.0.1", NULL);
    }
    expect_failure("unresolvable", "http://nonexistent.invalid:5985/wsman", cfg,
                   WSM_E_WINHTTP_NAME_NOT_RESOLVED, "nonexistent.invalid", NULL);

    if (arg("server")) {
        snprintf(url, sizeof(url), "https://localhost:%s/wsman", arg("server"));
        cfg.endpoint = test_endpoint(url);
        if (arg("trusted"))
            /* Revocation checked: the test CA's certificates name no revocation list. First, while no
             * connection to this server is pooled: Wine's WinHTTP pools connections per process, not per
             * session, so with one pooled by a transport with other flags, this transport would first probe
             * it with an unauthenticated Identify (transport_win.c), which the log check below would see. */
            expect_failure("trusted, revocation unknown", url, cfg, WSM_E_WINHTTP_SECURE_CERT_REV_FAILED,
                           "revocation", arg("serverlog"));
        cfg.skip_ca_check = cfg.skip_cn_check = 1;
        /* With the test CA trusted, the revocation check is reached, and the CA publishes no revocation list
         * (tested below); untrusted, WinHTTP stops at the forgiven chain error. */
        cfg.skip_revocation_check = arg("trusted") != NULL;
        struct wsm_transport *t = new_transport(&cfg);
        struct wsm_http_reply r;
        char *detail = NULL;
        if (t) {
            for (int i = 0; i < 2; i++) {
                int32_t hr = post_identify(t, &r, &detail);
                ok(hr == 0 && r.status == 200, "https skip ca+cn %d: 0x%08x status %ld %s", i, (unsigned)hr,
                   r.status, detail ? detail : "");
                free(detail);
                detail = NULL;
                wsm_http_reply_clear(&r);
            }
            ok(wsm_transport_connections(t) == 1, "https: %lu connections", wsm_transport_connections(t));
            wsm_transport_free(t);
        }
        cfg.skip_ca_check = cfg.skip_cn_check = 0;
        if (arg("trusted")) {
            /* ca.pem is in the Root store: every check on except revocation. */
            cfg.skip_revocation_check = 1;
            cfg.endpoint = test_endpoint(url);
            t = new_transport(&cfg);
            if (t) {
                int32_t hr = post_identify(t, &r, &detail);
                ok(hr == 0 && r.status == 200, "https fully verified: 0x%08x status %ld %s", (unsigned)hr,
                   r.status, detail ? detail : "");
                free(detail);
                detail = NULL;
                wsm_http_reply_clear(&r);
                wsm_transport_free(t);
            }
            if (arg("wrongcn")) {
                snprintf(url, sizeof(url), "https://localhost:%s/wsman", arg("wrongcn"));
                cfg.skip_revocation_check = 1;
                expect_failure("trusted, wrong name", url, cfg, WSM_E_WINHTTP_SECURE_CERT_CN_INVALID,
                               "name check", NULL);
            }
        }
        cfg.skip_revocation_check = 0;
    }
    if (arg("untrusted")) {
        snprintf(url, sizeof(url), "https://localhost:%s/wsman", arg("untrusted"));
        expect_failure("untrusted", url, cfg, WSM_E_WINHTTP_SECURE_INVALID_CA, "localhost",
                       arg("untrustedlog"));
    }
    if (arg("wrongcn")) {
        snprintf(url, sizeof(url), "https://localhost:%s/wsman", arg("wrongcn"));
        cfg.skip_ca_check = 1;
        expect_failure("wrong name", url, cfg, WSM_E_WINHTTP_SECURE_CERT_CN_INVALID, "name check", NULL);
        cfg.skip_cn_check = 1;
        cfg.skip_revocation_check = arg("trusted") != NULL;
        struct wsm_transport *t = NULL;
        cfg.endpoint = test_endpoint(url);
        if ((t = new_transport(&cfg))) {
            struct wsm_http_reply r;
            char *detail = NULL;
            int32_t hr = post_identify(t, &r, &detail);
            ok(hr == 0 && r.status == 200, "wrong name, skip_cn: 0x%08x status %ld %s", (unsigned)hr,
               r.status, detail ? detail : "");
            free(detail);
            wsm_http_reply_clear(&r);
            wsm_transport_free(t);
        }
        cfg.skip_ca_check = cfg.skip_cn_check = cfg.skip_revocation_check = 0;
    }
    if (arg("expired")) {
        snprintf(url, sizeof(url), "https://localhost:%s/wsman", arg("expired"));
        cfg.skip_ca_check = 1;
        expect_failure("expired", url, cfg, WSM_E_WINHTTP_SECURE_CERT_DATE_INVALID, "date check", NULL);
        cfg.skip_ca_check = 0;
    }
}

/* EXTERNAL over HTTPS (Negotiate/Kerberos): the hook gets the server certificate of the connection the
 * request goes over, learnt from an unauthenticated Identify on that connection, and only when the connection
 * may be new; its tls-server-end-point binding is SHA-256 of server.pem's DER (RFC 5929 4.1). */
struct hook_record {
    int calls, new_conn[4];
    unsigned char *cert[4];
    size_t cert_len[4];
};

static int32_t record_hook(void *ctx, const struct wsm_conn_info *ci, char **authorization, char **detail)
{
    struct hook_record *h = ctx;
    (void)detail;
    if (h->calls < 4) {
        h->new_conn[h->calls] = ci->new_connection;
        if (ci->peer_cert && (h->cert[h->calls] = malloc(ci->peer_cert_len))) {
            memcpy(h->cert[h->calls], ci->peer_cert, ci->peer_cert_len);
            h->cert_len[h->calls] = ci->peer_cert_len;
        }
    }
    h->calls++;
    *authorization = wsm_strdup("Negotiate dGVzdA==");
    return 0;
}

static void test_external_https(const char *port, const char *log, const char *sha256_hex)
{
    char url[128];
    struct hook_record h;
    struct wsm_http_reply r;
    char *detail = NULL;
    int32_t hr;

    snprintf(url, sizeof(url), "https://localhost:%s/wsman", port);
    struct wsm_transport_config cfg = make_cfg(url, WSM_AUTH_EXTERNAL, NULL);
    cfg.skip_ca_check = arg("trusted") == NULL;
    cfg.skip_revocation_check = 1;
    struct wsm_transport *t = new_transport(&cfg);
    if (!t)
        return;
    memset(&h, 0, sizeof(h));
    wsm_transport_set_auth_hook(t, record_hook, &h);
    long offset = log_size(log);
    for (int i = 0; i < 2; i++) {
        hr = wsm_transport_post(t, "", 0, NULL, NULL, 0, 20000, 65536, &r, &detail);
        ok(hr == 0 && r.status == 401, "external %d: 0x%08x status %ld %s", i, (unsigned)hr, r.status,
           detail ? detail : "");
        free(detail);
        detail = NULL;
        wsm_http_reply_clear(&r);
    }
    ok(h.calls == 2, "the hook ran %d times", h.calls);
    ok(h.new_conn[0] == 1 && h.new_conn[1] == 0, "new_connection %d then %d", h.new_conn[0], h.new_conn[1]);
    ok(h.cert[0] && h.cert[1] && h.cert_len[0] == h.cert_len[1] &&
           !memcmp(h.cert[0], h.cert[1], h.cert_len[0]),
       "the same certificate both times (%lu bytes)", (unsigned long)h.cert_len[0]);
    if (h.cert[0]) {
        unsigned char *cb = NULL;
        size_t cb_len = 0;
        char hex[129] = "";
        hr = wsm_gss_cbt_tls_server_end_point(h.cert[0], h.cert_len[0], &cb, &cb_len, &detail);
        for (size_t i = 21; !hr && i < cb_len && i < 21 + 64; i++)
            snprintf(hex + 2 * (i - 21), 3, "%02x", cb[i]);
        show("tls-server-end-point SHA-256", hr, hex);
        ok(hr == 0 && cb_len == 21 + 32 && !memcmp(cb, "tls-server-end-point:", 21) && sha256_hex &&
               !strcmp(hex, sha256_hex),
           "tls-server-end-point of server.pem: 0x%08x %s (want %s) %s", (unsigned)hr, hex,
           sha256_hex ? sha256_hex : "?", detail ? detail : "");
        free(detail);
        detail = NULL;
        free(cb);
        unsigned char junk[3] = {1, 2, 3};
        hr = wsm_gss_cbt_tls_server_end_point(junk, sizeof(junk), &cb, &cb_len, &detail);
        ok(hr == WSM_E_INVALIDARG && !cb && contains(detail, "not a DER X.509"),
           "junk certificate: 0x%08x %s", (unsigned)hr, detail ? detail : "");
        free(detail);
        detail = NULL;
    }
    for (int i = 0; i < 4; i++)
        free(h.cert[i]);
    wsm_transport_free(t);
    if (log) {
        char *text = log_since(log, offset, 3);
        ok(count_lines_with(text, "action=Identify", "auth=-") == 1,
           "one unauthenticated Identify learnt the certificate:\n%s", text ? text : "");
        char conn[32] = "";
        const char *c = text ? strstr(text, "conn=") : NULL;
        if (c)
            snprintf(conn, sizeof(conn), "%.*s ", (int)strcspn(c, " "), c);
        ok(conn[0] && count_lines_with(text, conn, NULL) == 3,
           "all three requests on one connection (%s):\n%s", conn, text ? text : "");
        free(text);
    }
}

/* ---- the TLS policy of pooled connections ---- */

static int under_wine(void)
{
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    return ntdll && GetProcAddress(ntdll, "wine_get_version") != NULL;
}

struct raw_result {
    int ok, opened;
    DWORD err, status;
    unsigned port; /* local port of the request's connection */
};

static int raw_opened;

static void CALLBACK raw_status(HINTERNET h, DWORD_PTR ctx, DWORD status, LPVOID info, DWORD len)
{
    (void)h;
    (void)ctx;
    (void)info;
    (void)len;
    if (status == WINHTTP_CALLBACK_STATUS_CONNECTED_TO_SERVER)
        raw_opened = 1;
}

/* An unauthenticated Identify through WinHTTP itself on connect handle c, with SECURITY_FLAG_IGNORE_* flags
 * and WINHTTP_DISABLE_* features disable; the reply is read to the end. */
static struct raw_result raw_identify(HINTERNET c, DWORD flags, DWORD disable)
{
    static const WCHAR headers[] = L"Content-Type: " CT_UTF8 "\r\nWSMANIDENTIFY: unauthenticated\r\n";
    struct raw_result r;
    memset(&r, 0, sizeof(r));
    HINTERNET h = WinHttpOpenRequest(c, L"POST", L"/wsman", NULL, WINHTTP_NO_REFERER,
                                     WINHTTP_DEFAULT_ACCEPT_TYPES, WINHTTP_FLAG_SECURE);
    if (!h) {
        r.err = GetLastError();
        return r;
    }
    raw_opened = 0;
    WinHttpSetStatusCallback(h, raw_status, WINHTTP_CALLBACK_FLAG_CONNECT_TO_SERVER, 0);
    if (flags)
        WinHttpSetOption(h, WINHTTP_OPTION_SECURITY_FLAGS, &flags, sizeof(flags));
    if (disable)
        WinHttpSetOption(h, WINHTTP_OPTION_DISABLE_FEATURE, &disable, sizeof(disable));
    r.ok = WinHttpSendRequest(h, headers, (DWORD)-1L, (void *)identify_body, (DWORD)strlen(identify_body),
                              (DWORD)strlen(identify_body), 0) &&
           WinHttpReceiveResponse(h, NULL);
    r.err = r.ok ? 0 : GetLastError();
    r.opened = raw_opened;
    if (r.ok) {
        DWORD size = sizeof(r.status);
        WinHttpQueryHeaders(h, WINHTTP_QUERY_STATUS_CODE | WINHTTP_QUERY_FLAG_NUMBER,
                            WINHTTP_HEADER_NAME_BY_INDEX, &r.status, &size, WINHTTP_NO_HEADER_INDEX);
        WINHTTP_CONNECTION_INFO ci;
        memset(&ci, 0, sizeof(ci));
        ci.cbSize = sizeof(ci);
        size = sizeof(ci);
        if (WinHttpQueryOption(h, WINHTTP_OPTION_CONNECTION_INFO, &ci, &size))
            r.port = ntohs(((const struct sockaddr_in *)&ci.LocalAddress)->sin_port);
        char buf[4096];
        DWORD got = 0;
        while (WinHttpReadData(h, buf, sizeof(buf), &got) && got)
            ;
    }
    WinHttpCloseHandle(h);
    return r;
}

/* What the transport's design rests on (transport_win.c, top): under Wine, WinHTTP's connection pool is the
 * process's, not the session handle's. A request on one session handle with the ignore flags leaves its
 * connection to the wrong-name server in the pool; a request on ANOTHER session handle without them (so its
 * own handshake would fail) goes over that connection without a check, even with keep-alive disabled. On
 * Windows each session handle has its own pool, and that request fails. */
static void test_wine_pool(const char *port)
{
    int wine = under_wine();
    HINTERNET s1 =
        WinHttpOpen(L"test", WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0);
    HINTERNET s2 =
        WinHttpOpen(L"test", WINHTTP_ACCESS_TYPE_NO_PROXY, WINHTTP_NO_PROXY_NAME, WINHTTP_NO_PROXY_BYPASS, 0);
    HINTERNET c1 = s1 ? WinHttpConnect(s1, L"localhost", (INTERNET_PORT)atoi(port), 0) : NULL;
    HINTERNET c2 = s2 ? WinHttpConnect(s2, L"localhost", (INTERNET_PORT)atoi(port), 0) : NULL;
    ok(c1 && c2, "WinHttpOpen/WinHttpConnect");
    if (c1 && c2) {
        struct raw_result a =
            raw_identify(c1, SECURITY_FLAG_IGNORE_UNKNOWN_CA | SECURITY_FLAG_IGNORE_CERT_CN_INVALID, 0);
        ok(a.ok && a.status == 200, "raw: session 1 with the ignore flags: ok %d error %lu status %lu", a.ok,
           (unsigned long)a.err, (unsigned long)a.status);
        /* Keep-alive disabled: the connection is closed after this request, so the pool is empty again. */
        struct raw_result b = raw_identify(c2, 0, WINHTTP_DISABLE_KEEP_ALIVE);
        int shared = b.ok && !b.opened && a.port && b.port == a.port;
        printf("  WinHTTP pool (%s): session 2 without ignore flags: ok %d error %lu status %lu, opened a "
               "connection %d, local port %u (session 1: %u): %s\n",
               wine ? "Wine" : "Windows", b.ok, (unsigned long)b.err, (unsigned long)b.status, b.opened,
               b.port, a.port, shared ? "the pool is process-wide" : "the pool is per session handle");
        if (wine)
            ok(shared,
               "Wine's WinHTTP: one pool for all session handles (see transport_win.c): ok %d opened %d "
               "port %u/%u",
               b.ok, b.opened, b.port, a.port);
        else
            ok(!b.ok && b.err == ERROR_WINHTTP_SECURE_FAILURE,
               "Windows: a pool per session handle: ok %d error %lu", b.ok, (unsigned long)b.err);

        /* A connection with the ignore flags that is not the DLL's (another WinHTTP user in the process), to
         * a server name no session of the DLL has used: the transport has no record of it, so no probe goes
         * first, but the reply over it is refused (under Wine with the text of the transport's own check of a
         * reused connection), and the next request opens a connection of its own, which WinHTTP checks. */
        HINTERNET c3 = WinHttpConnect(s1, L"127.0.0.1", (INTERNET_PORT)atoi(port), 0);
        a = c3 ? raw_identify(c3, SECURITY_FLAG_IGNORE_UNKNOWN_CA | SECURITY_FLAG_IGNORE_CERT_CN_INVALID, 0)
               : a;
        ok(c3 && a.ok && a.status == 200, "raw: 127.0.0.1 with the ignore flags: ok %d error %lu", a.ok,
           (unsigned long)a.err);
        if (c3)
            WinHttpCloseHandle(c3);
        char url[128];
        snprintf(url, sizeof(url), "https://127.0.0.1:%s/wsman", port);
        struct wsm_transport_config cfg = make_cfg(url, WSM_AUTH_BASIC, "wsmpass");
        cfg.skip_ca_check = 1;
        cfg.skip_revocation_check = arg("trusted") != NULL;
        struct wsm_transport *t = new_transport(&cfg);
        if (t) {
            struct wsm_http_reply r;
            char *detail = NULL;
            int32_t hr = post_identify(t, &r, &detail);
            ok(hr == WSM_E_WINHTTP_SECURE_CERT_CN_INVALID && !r.body && contains(detail, "name check") &&
                   (!wine || contains(detail, "reused")),
               "a strict session over a foreign pooled connection: 0x%08x %s", (unsigned)hr,
               detail ? detail : "");
            show("strict over a foreign pooled connection", hr, detail);
            free(detail);
            detail = NULL;
            hr = post_identify(t, &r, &detail);
            ok(hr == WSM_E_WINHTTP_SECURE_CERT_CN_INVALID && contains(detail, "name check") &&
                   !contains(detail, "reused"),
               "the same session again, on a new connection: 0x%08x %s", (unsigned)hr, detail ? detail : "");
            free(detail);
            wsm_transport_free(t);
        }
    }
    if (c1)
        WinHttpCloseHandle(c1);
    if (c2)
        WinHttpCloseHandle(c2);
    if (s1)
        WinHttpCloseHandle(s1);
    if (s2)
        WinHttpCloseHandle(s2);
}

/* One Identify with Basic through transport t: the HRESULT (detail checked against detail_part on failure).
 */
#define pool_post(t, what, expected, detail_part) pool_post_(t, what, expected, detail_part, __LINE__)
static void pool_post_(struct wsm_transport *t, const char *what, int32_t expected, const char *detail_part,
                       int line)
{
    struct wsm_http_reply r;
    char *detail = NULL;
    int32_t hr = post_identify(t, &r, &detail);
    if (expected == 0)
        ok(hr == 0 && r.status == 200 && contains(r.body, "IdentifyResponse"),
           "line %d: %s: 0x%08x status %ld %s", line, what, (unsigned)hr, r.status, detail ? detail : "");
    else
        ok(hr == expected && r.status == 0 && !r.body && contains(detail, detail_part),
           "line %d: %s: expected 0x%08x, got 0x%08x (status %ld) %s", line, what, (unsigned)expected,
           (unsigned)hr, r.status, detail ? detail : "(null)");
    show(what, hr, detail);
    free(detail);
    wsm_http_reply_clear(&r);
}

/* Sessions with different TLS policies to one server in one process, in both orders and repeated: the
 * checking one fails every time with the HRESULT of its check, and sends nothing authenticated; the lax one
 * keeps working (transport_win.c, top). log: the server's log, or NULL. */
static void pool_mix(const char *what, const char *url, struct wsm_transport_config lax,
                     struct wsm_transport_config strict, int32_t expected, const char *detail_part,
                     const char *log)
{
    char label[160];
    long off = log ? log_size(log) : 0;
    int lax_ok = 0;

    lax.endpoint = strict.endpoint = test_endpoint(url);
    for (int round = 0; round < 4; round++) {
        /* Rounds 0 and 2: lax first; 1 and 3: checking first. Each round with new transports, each used
         * twice. */
        struct wsm_transport *l = new_transport(&lax), *s = new_transport(&strict);
        if (!l || !s) {
            wsm_transport_free(l);
            wsm_transport_free(s);
            return;
        }
        for (int i = 0; i < 2; i++) {
            if (round % 2 == 0) {
                snprintf(label, sizeof(label), "%s: round %d, lax session, request %d", what, round, i);
                pool_post(l, label, 0, NULL);
                lax_ok++;
            }
            snprintf(label, sizeof(label), "%s: round %d, checking session, request %d", what, round, i);
            pool_post(s, label, expected, detail_part);
            if (round % 2 == 1) {
                snprintf(label, sizeof(label), "%s: round %d, lax session, request %d", what, round, i);
                pool_post(l, label, 0, NULL);
                lax_ok++;
            }
        }
        wsm_transport_free(l);
        wsm_transport_free(s);
    }
    if (log) {
        /* Only the lax session's requests carried credentials; the checking one sent at most the
         * unauthenticated Identify that probes a connection. */
        char *text = log_since(log, off, lax_ok);
        int basic = count_lines_with(text, "auth=basic", NULL);
        ok(basic == lax_ok, "%s: %d requests with Basic reached the server, want %d (the lax session's):\n%s",
           what, basic, lax_ok, text);
        free(text);
    }
}

static void test_pool_policies(void)
{
    char url[128];
    int trusted = arg("trusted") != NULL;
    struct wsm_transport_config lax = make_cfg(NULL, WSM_AUTH_BASIC, "wsmpass"), strict = lax;

    if (arg("wrongcn")) {
        /* With the test CA trusted the name is the only difference; either way, checking with SkipCACheck
         * alone and with no skip flag at all. */
        snprintf(url, sizeof(url), "https://localhost:%s/wsman", arg("wrongcn"));
        lax.skip_ca_check = lax.skip_cn_check = 1;
        lax.skip_revocation_check = strict.skip_revocation_check = trusted;
        strict.skip_ca_check = 1;
        pool_mix("wrong name, SkipCACheck", url, lax, strict, WSM_E_WINHTTP_SECURE_CERT_CN_INVALID,
                 "name check", NULL);
        strict.skip_ca_check = 0;
        pool_mix("wrong name, no skip flag", url, lax, strict, WSM_E_WINHTTP_SECURE_CERT_CN_INVALID,
                 "name check", NULL);

        /* EXTERNAL (Negotiate over HTTPS) after a lax session: the channel binding is never computed for the
         * certificate of a connection its own checks refuse; the hook does not run. */
        lax.endpoint = strict.endpoint = test_endpoint(url);
        strict.auth = WSM_AUTH_EXTERNAL;
        strict.skip_ca_check = 1;
        for (int i = 0; i < 2; i++) {
            struct wsm_transport *l = new_transport(&lax), *e = new_transport(&strict);
            struct hook_record h;
            memset(&h, 0, sizeof(h));
            if (l && e) {
                wsm_transport_set_auth_hook(e, record_hook, &h);
                pool_post(l, "lax session before an EXTERNAL one", 0, NULL);
                struct wsm_http_reply r;
                char *detail = NULL;
                int32_t hr = wsm_transport_post(e, "", 0, NULL, NULL, 0, 20000, 65536, &r, &detail);
                ok(hr == WSM_E_WINHTTP_SECURE_CERT_CN_INVALID && h.calls == 0 &&
                       contains(detail, "name check"),
                   "EXTERNAL after a lax session: 0x%08x, the hook ran %d times, %s", (unsigned)hr, h.calls,
                   detail ? detail : "");
                free(detail);
                wsm_http_reply_clear(&r);
            }
            for (int k = 0; k < 4; k++)
                free(h.cert[k]);
            wsm_transport_free(l);
            wsm_transport_free(e);
        }
    }

    if (arg("untrusted")) {
        /* Self-signed for localhost: SkipCACheck is the only difference. */
        snprintf(url, sizeof(url), "https://localhost:%s/wsman", arg("untrusted"));
        lax = strict = make_cfg(NULL, WSM_AUTH_BASIC, "wsmpass");
        lax.skip_ca_check = 1;
        lax.skip_revocation_check = strict.skip_revocation_check = 1;
        pool_mix("untrusted", url, lax, strict, WSM_E_WINHTTP_SECURE_INVALID_CA,
                 "trusted certificate authority", arg("untrustedlog"));

        /* Two sessions with the same policy share a connection without a probe (under Wine across their
         * session handles, as the pool is the process's): b's request goes over a's. */
        const char *log = arg("untrustedlog");
        lax.endpoint = test_endpoint(url);
        struct wsm_transport *a = new_transport(&lax), *b = new_transport(&lax);
        if (a && b && log) {
            pool_post(a, "same policy, session a", 0, NULL);
            long off = log_size(log);
            pool_post(b, "same policy, session b", 0, NULL);
            pool_post(a, "same policy, session a again", 0, NULL);
            char *text = log_since(log, off, 2);
            char conn[32] = "";
            sscanf(text, "%31s", conn);
            ok(count_lines_with(text, "auth=basic", NULL) == 2 && count_lines_with(text, "auth=-", NULL) == 0,
               "same policy: no probe:\n%s", text);
            if (under_wine())
                ok(conn[0] && count_lines_with(text, conn, "auth=basic") == 2,
                   "same policy: one connection for both sessions (%s):\n%s", conn, text);
            free(text);
        }
        wsm_transport_free(a);
        wsm_transport_free(b);
    }
}

int main(int argc, char **argv)
{
    verbose = getenv("TEST_VERBOSE") != NULL;
    for (int i = 1; i < argc && n_args < 32; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "usage: %s key=value... (see the source)\n", argv[0]);
            return 2;
        }
        *eq = '\0';
        args[n_args][0] = argv[i];
        args[n_args][1] = eq + 1;
        n_args++;
    }
    test_config_errors();
    if (arg("http"))
        test_basic(arg("http"), arg("httplog"));
    if (arg("http"))
        test_digest(arg("http"), arg("httplog"));
    if (arg("stale"))
        test_digest_stale(arg("stale"), arg("stalelog"));
    test_failures();
    if (arg("server"))
        test_external_https(arg("server"), arg("serverlog"), arg("servercertsha256"));
    if (arg("wrongcn"))
        test_wine_pool(arg("wrongcn"));
    test_pool_policies();
    return test_summary("test_transport_win");
}
