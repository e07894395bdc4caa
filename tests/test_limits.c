/*
 * Oversized replies are protocol errors that say what was too large, never E_OUTOFMEMORY: reply headers over
 * the caps of transport.h (one line over WSM_MAX_HEADER_LINE, all of them over WSM_MAX_REPLY_HEADERS, a line
 * over libcurl's own limit) give 0x80072F96 (ERROR_WINHTTP_HEADER_SIZE_OVERFLOW, as WinHTTP reports them),
 * and a WWW-Authenticate token over Windows' MaxTokenSize gives SEC_E_INVALID_TOKEN. Against the bundled
 * server's misbehave resources (header-flood, header-long, header-huge, www-auth-huge) and --gss-token-bytes,
 * through the transport and through the public COM API; the session works on afterwards.
 *
 * Out of file descriptors (issue 18): with the process's open-file limit used up, a Get reports
 * HRESULT_FROM_WIN32(ERROR_TOO_MANY_OPEN_FILES) with a text naming the open-file limit, whether the socket or
 * the client configuration file could not be opened, never ERROR_WSMAN_DESTINATION_UNREACHABLE; and the
 * client configuration is read once per process, not once per session.
 *
 * Usage: test_limits       the transport, Basic sessions and the open-file limit
 *        test_limits gss   Negotiate and Kerberos handshakes with oversized tokens, an encrypted session's
 *                          oversized reply; needs the test realm's environment (run it through ctest)
 *
 * SPDX-License-Identifier: MIT
 */
#define COBJMACROS
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <windows.h>
#include <objbase.h>
#include <oleauto.h>

#include "wsmandisp.h"

#include "clientcfg.h"
#include "comutil.h"
#include "core.h"
#include "names.h"
#include "serverctl.h"
#include "test.h"
#include "transport.h"
#include "endpoint.h"

#define MISBEHAVE "http://wsmauto.test/misbehave/"
#define SPOOLER "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service?Name=Spooler"
#define CT_UTF8 "application/soap+xml;charset=UTF-8"

#define HEADER_OVERFLOW ((HRESULT)0x80072F96u)
#define SEC_E_INVALID_TOKEN_ ((HRESULT)0x80090308u)
#define E_OUTOFMEMORY_ ((HRESULT)0x8007000Eu)
#define TOO_MANY_OPEN_FILES ((HRESULT)0x80070004u)
#define DESTINATION_UNREACHABLE ((HRESULT)0x80338012u)

#define BASIC_HTTP (WSManFlagUseBasic | WSManFlagCredUsernamePassword | WSManFlagNoEncryption)
#define KERBEROS (WSManFlagUseKerberos | WSManFlagCredUsernamePassword)
#define NEGOTIATE (WSManFlagUseNegotiate | WSManFlagCredUsernamePassword)
#define KRB_USER "alice@WSMAUTO.TEST"
#define NTLM_USER "WSMAUTO\\alice"
#define GSS_PASSWORD "alice-pw-1"

static IWSManEx3 *wsman;
static char tmpdir[256];

static void use_config(const char *text)
{
    char path[300];
    static int n;

    snprintf(path, sizeof(path), "%s/client%d.conf", tmpdir, n++);
    write_file(path, text);
    setenv("WSMAUTO_CLIENT_CONFIG", path, 1);
}

/* ---- the transport ---- */

static char *envelope(const char *url, const char *resource)
{
    static unsigned counter;
    return wsm_asprintf("<s:Envelope xmlns:s=\"" WSM_NS_SOAP "\" xmlns:a=\"" WSM_NS_ADDRESSING
                        "\" xmlns:w=\"" WSM_NS_WSMAN "\"><s:Header><a:To>%s</a:To>"
                        "<w:ResourceURI s:mustUnderstand=\"true\">%s</w:ResourceURI>"
                        "<a:ReplyTo><a:Address s:mustUnderstand=\"true\">" WSM_URI_ANONYMOUS
                        "</a:Address></a:ReplyTo><a:Action s:mustUnderstand=\"true\">" WSM_ACTION_GET
                        "</a:Action><w:MaxEnvelopeSize s:mustUnderstand=\"true\">153600</w:MaxEnvelopeSize>"
                        "<a:MessageID>uuid:6F1B9A4E-0000-4000-8000-%012X</a:MessageID>"
                        "<w:OperationTimeout>PT60.000S</w:OperationTimeout></s:Header><s:Body></s:Body>"
                        "</s:Envelope>",
                        url, resource, ++counter);
}

static int32_t post_get(struct wsm_transport *t, const char *url, const char *mode, struct wsm_http_reply *r,
                        char **detail)
{
    char resource[200];
    snprintf(resource, sizeof(resource), MISBEHAVE "%s", mode);
    char *body = envelope(url, resource);
    int32_t hr = body ? wsm_transport_post(t, body, strlen(body), CT_UTF8, NULL, 0, 30000, 0, r, detail)
                      : WSM_E_OUTOFMEMORY;
    free(body);
    return hr;
}

static void test_transport(void)
{
    static const char *const args[] = {"--auth", "basic", NULL};
    static const struct {
        const char *mode, *text[3];
    } cases[] = {
        {"header-flood",
         {"The headers of the reply from \"127.0.0.1\" are more than 65536 bytes in all",
          "up to the line \"X-Flood-", "the connection was closed"}},
        {"header-long",
         {"has a header line (\"X-Long\") of 80010 bytes",
          "more than the limit of 65536 bytes for one header line", "the reply was not used"}},
        {"header-huge",
         {"has a header line longer than 102400 bytes",
          "more than the limit of 65536 bytes for one header line", "the reply was not used"}},
        {"www-auth-huge", {"has a header line longer than 102400 bytes", "for one header line", "closed"}},
    };
    struct test_server srv;
    struct wsm_transport_config cfg = {0};
    struct wsm_transport *t = NULL;
    struct wsm_http_reply r;
    char *detail = NULL;
    int32_t hr;

    if (test_server_start(&srv, args)) {
        ok(0, "the server did not start");
        return;
    }
    cfg.endpoint = test_endpoint(srv.url);
    cfg.auth = WSM_AUTH_BASIC;
    cfg.user = "wsmuser";
    cfg.password = "wsmpass";
    cfg.proxy_mode = WSM_PROXY_DIRECT;
    hr = wsm_transport_new(&cfg, &t, &detail);
    ok(hr == 0 && t, "transport: 0x%08x %s", (unsigned)hr, detail ? detail : "");
    free(detail);
    detail = NULL;
    /* A connection to begin with: each refused reply closes the one it came over. */
    hr = t ? post_get(t, srv.url, "get-ok", &r, &detail) : WSM_E_INVALIDARG;
    ok(hr == 0 && r.status == 200, "get-ok: 0x%08x", (unsigned)hr);
    wsm_http_reply_clear(&r);
    free(detail);
    detail = NULL;
    for (size_t i = 0; t && i < sizeof(cases) / sizeof(cases[0]); i++) {
        unsigned long before = wsm_transport_connections(t);
        hr = post_get(t, srv.url, cases[i].mode, &r, &detail);
        ok(hr == WSM_E_WINHTTP_HEADER_SIZE_OVERFLOW, "%s: 0x80072F96, not 0x%08x (%s)", cases[i].mode,
           (unsigned)hr, detail ? detail : "");
        for (int k = 0; k < 3; k++)
            ok(detail && strstr(detail, cases[i].text[k]), "%s: the text says \"%s\": %s", cases[i].mode,
               cases[i].text[k], detail ? detail : "(none)");
        ok(!r.body && !r.status, "%s: no reply is handed over", cases[i].mode);
        free(detail);
        detail = NULL;
        /* The transport works on, over a new connection. */
        hr = post_get(t, srv.url, "get-ok", &r, &detail);
        ok(hr == 0 && r.status == 200 && r.body && strstr(r.body, ">ok<"), "%s: then get-ok: 0x%08x %s",
           cases[i].mode, (unsigned)hr, detail ? detail : "");
        ok(wsm_transport_connections(t) == before + 1, "%s: one new connection (%lu -> %lu)", cases[i].mode,
           before, wsm_transport_connections(t));
        wsm_http_reply_clear(&r);
        free(detail);
        detail = NULL;
    }
    wsm_transport_free(t);
    test_server_stop(&srv);
}

/* ---- through the COM API ---- */

static IWSManSession *session(const char *url, LONG flags, const char *user, const char *password)
{
    IWSManSession *s = NULL;
    HRESULT hr = create_session(wsman, url, flags, user, password, NULL, &s);
    ok(hr == S_OK && s, "CreateSession(%s): 0x%08x", url, (unsigned)hr);
    return s;
}

/* A Get that fails with `expected`, an Error text and error info holding `text`, and never says "memory". */
#define ok_get_fails(s, uri, expected, text) check_get_fails(__LINE__, s, uri, expected, text)
static void check_get_fails(int line, IWSManSession *s, const char *uri, HRESULT expected, const char *text)
{
    HRESULT hr = E_POINTER;
    char *r = s ? session_get(s, uri, &hr) : NULL, *desc = error_description(),
         *err = s ? session_error(s) : NULL;

    test_check(hr == expected, __FILE__, line, "Get(%s): expected 0x%08x, got 0x%08x (%s)", uri,
               (unsigned)expected, (unsigned)hr, desc ? desc : "");
    test_check(contains(desc, text) && contains(err, text), __FILE__, line, "the error lacks \"%s\": %s / %s",
               text, desc ? desc : "", err ? err : "");
    test_check(!contains(desc, "memory") && !contains(err, "memory") && hr != E_OUTOFMEMORY_, __FILE__, line,
               "an oversized reply is not a memory failure: %s", desc ? desc : "");
    test_check(!contains(desc, "YII") && !contains(desc, GSS_PASSWORD) && !contains(desc, "wsmpass"),
               __FILE__, line, "no secret in the error: %s", desc ? desc : "");
    free(r);
    free(desc);
    free(err);
}

#define ok_get_works(s, uri) check_get_works(__LINE__, s, uri)
static void check_get_works(int line, IWSManSession *s, const char *uri)
{
    HRESULT hr = E_POINTER;
    char *r = s ? session_get(s, uri, &hr) : NULL;
    test_check(hr == S_OK && r && *r, __FILE__, line, "Get(%s) afterwards: 0x%08x", uri, (unsigned)hr);
    free(r);
}

static void test_sessions(void)
{
    static const char *const args[] = {"--auth", "basic", NULL};
    struct test_server srv;
    IWSManSession *s;

    if (test_server_start(&srv, args)) {
        ok(0, "the server did not start");
        return;
    }
    use_config("[Client]\nAllowUnencrypted = true\n");
    s = session(srv.url, BASIC_HTTP, "wsmuser", "wsmpass");
    ok_get_fails(s, MISBEHAVE "header-flood", HEADER_OVERFLOW, "more than 65536 bytes in all");
    ok_get_works(s, MISBEHAVE "get-ok");
    ok_get_fails(s, MISBEHAVE "header-long", HEADER_OVERFLOW, "header line (\"X-Long\") of 80010 bytes");
    ok_get_works(s, SPOOLER);
    ok_get_fails(s, MISBEHAVE "header-huge", HEADER_OVERFLOW, "header line longer than 102400 bytes");
    ok_get_works(s, MISBEHAVE "get-ok");
    /* A 401 with a 200 KB Negotiate token: the size, not the status, is what the user hears about. */
    ok_get_fails(s, MISBEHAVE "www-auth-huge", HEADER_OVERFLOW, "header line longer than 102400 bytes");
    ok_get_works(s, MISBEHAVE "get-ok");
    if (s)
        IWSManSession_Release(s);

    test_server_stop(&srv);
}

/* ---- the open-file limit (issue 18) ---- */

/* Lets a freshly written configuration file age past clientcfg.c's RACY_NS (100 ms), after which its
 * stamp is trusted and the cache keeps it. A wait, not a timing assertion. */
static void let_config_age(void)
{
    struct timespec ts = {0, 250000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

/* A Get that fails for want of descriptors: 0x80070004, the text about the open-file limit, in both the
 * error info and Session.Error, and not an unreachable host. */
#define ok_get_no_fds(s, what) check_get_no_fds(__LINE__, s, what)
static void check_get_no_fds(int line, IWSManSession *s, const char *what)
{
    HRESULT hr = E_POINTER;
    char *r = s ? session_get(s, SPOOLER, &hr) : NULL, *desc = error_description(),
         *err = s ? session_error(s) : NULL;

    test_check(hr == TOO_MANY_OPEN_FILES, __FILE__, line, "%s: expected 0x80070004, got 0x%08x (%s)", what,
               (unsigned)hr, desc ? desc : "");
    test_check(hr != DESTINATION_UNREACHABLE, __FILE__, line, "%s: reported as an unreachable host", what);
    test_check(contains(desc, "open-file limit") && contains(err, "open-file limit"), __FILE__, line,
               "%s: the error does not name the open-file limit: %s / %s", what, desc ? desc : "",
               err ? err : "");
    test_check(!contains(desc, "cannot reach") && !contains(desc, "unreachable"), __FILE__, line,
               "%s: the text speaks of an unreachable host: %s", what, desc ? desc : "");
    free(r);
    free(desc);
    free(err);
}

/* Uses up the open-file limit: a low one, then descriptors until the next open fails with EMFILE; *saved
 * gets the limit to give back (give_back_descriptors). Returns 1 when they ran out. */
enum { MAX_HELD = 4096 };
static int held[MAX_HELD], n_held;
static int use_up_descriptors(struct rlimit *saved)
{
    struct rlimit low;
    int fd, full = 0;

    if (getrlimit(RLIMIT_NOFILE, saved)) {
        ok(0, "getrlimit: %s", strerror(errno));
        return 0;
    }
    low = *saved;
    low.rlim_cur = saved->rlim_cur < 256 ? saved->rlim_cur : 256;
    setrlimit(RLIMIT_NOFILE, &low);
    while (n_held < MAX_HELD) {
        if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) < 0) {
            full = errno == EMFILE;
            break;
        }
        held[n_held++] = fd;
    }
    ok(full, "the descriptors ran out with EMFILE after %d more (errno %d)", n_held, errno);
    return full;
}

static void give_back_descriptors(const struct rlimit *saved)
{
    while (n_held > 0)
        close(held[--n_held]);
    setrlimit(RLIMIT_NOFILE, saved);
}

static void test_descriptors(void)
{
    static const char *const args[] = {"--auth", "basic", NULL};
    struct test_server srv;
    struct rlimit saved;
    IWSManSession *s;
    char other[300];
    unsigned long reads;
    int full;

    if (test_server_start(&srv, args)) {
        ok(0, "the server for the open-file limit test did not start");
        return;
    }
    /* A second configuration file, written now: under the limit nothing can be written. */
    snprintf(other, sizeof(other), "%s/other.conf", tmpdir);
    write_file(other, "[Client]\nAllowUnencrypted = true\n");
    use_config("[Client]\nAllowUnencrypted = true\n");
    let_config_age();

    /* Read once per process: the first session reads the file, the next ones (a session each, as wsmanctl
     * opens one per host) copy what was read. */
    reads = wsm_client_config_reads();
    for (int i = 0; i < 5; i++) {
        s = session(srv.url, BASIC_HTTP, "wsmuser", "wsmpass");
        ok_get_works(s, SPOOLER);
        if (s)
            IWSManSession_Release(s);
    }
    ok(wsm_client_config_reads() == reads + 1, "five sessions read the configuration %lu times, not once",
       wsm_client_config_reads() - reads);

    full = use_up_descriptors(&saved);
    if (full) {
        /* The configuration comes from the cache (stat needs no descriptor); the socket cannot be had. */
        s = session(srv.url, BASIC_HTTP, "wsmuser", "wsmpass");
        ok_get_no_fds(s, "no descriptor for the socket");
        if (s)
            IWSManSession_Release(s);
        ok(wsm_client_config_reads() == reads + 1, "the configuration was read again without a change");
        /* Another configuration file: it cannot be opened, and that is said as such, not as a corrupted
         * file. */
        setenv("WSMAUTO_CLIENT_CONFIG", other, 1);
        s = session(srv.url, BASIC_HTTP, "wsmuser", "wsmpass");
        ok_get_no_fds(s, "no descriptor for the configuration file");
        {
            char *err = s ? session_error(s) : NULL;
            ok(contains(err, "other.conf") && contains(err, "cannot open the file"),
               "the configuration error names the file: %s", err ? err : "");
            free(err);
        }
        if (s)
            IWSManSession_Release(s);
    }
    give_back_descriptors(&saved);

    /* With descriptors again, the same configuration file works. */
    s = session(srv.url, BASIC_HTTP, "wsmuser", "wsmpass");
    ok_get_works(s, SPOOLER);
    if (s)
        IWSManSession_Release(s);
    test_server_stop(&srv);
}

/* ---- Negotiate and Kerberos (the test realm) ---- */

static void gss_tokens(const char *bytes, const char *krb_text, HRESULT krb_hr, const char *ntlm_text,
                       HRESULT ntlm_hr)
{
    const char *args[] = {"--auth", "negotiate,kerberos", "--gss-token-bytes", bytes, NULL};
    struct test_server srv;
    IWSManSession *s;
    char url[200];

    if (test_server_start(&srv, args)) {
        ok(0, "the server with --gss-token-bytes %s did not start", bytes);
        return;
    }
    snprintf(url, sizeof(url), "http://localhost:%u/wsman", srv.port);
    s = session(url, KERBEROS, KRB_USER, GSS_PASSWORD);
    ok_get_fails(s, SPOOLER, krb_hr, krb_text);
    if (s)
        IWSManSession_Release(s);
    s = session(url, NEGOTIATE, KRB_USER, GSS_PASSWORD);
    ok_get_fails(s, SPOOLER, krb_hr, krb_text);
    if (s)
        IWSManSession_Release(s);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/wsman", srv.port);
    s = session(url, NEGOTIATE, NTLM_USER, GSS_PASSWORD);
    ok_get_fails(s, SPOOLER, ntlm_hr, ntlm_text);
    if (s)
        IWSManSession_Release(s);
    test_server_stop(&srv);
}

static void test_gss(void)
{
    static const char *const args[] = {"--auth", "negotiate,kerberos", NULL};
    struct test_server srv;
    IWSManSession *s;
    char url[200];

    /* 48100 bytes: the header fits (64136 characters), the token is over MaxTokenSize (48000 bytes). */
    gss_tokens("48100", "token of about 48102 bytes (64136 characters of base64", SEC_E_INVALID_TOKEN_,
               "more than the limit of 48000 bytes for a token", SEC_E_INVALID_TOKEN_);
    /* 50000 bytes: the WWW-Authenticate line is over the header line cap. */
    gss_tokens("50000", "header line (\"WWW-Authenticate\") of 6669", HEADER_OVERFLOW,
               "header line (\"WWW-Authenticate\") of 66698 bytes", HEADER_OVERFLOW);
    /* 200000 bytes: the line is over libcurl's own limit. */
    gss_tokens("200000", "header line longer than 102400 bytes", HEADER_OVERFLOW,
               "header line longer than 102400 bytes", HEADER_OVERFLOW);

    /* An encrypted session's reply with oversized headers; the session authenticates again and works on. */
    if (test_server_start(&srv, args)) {
        ok(0, "the gss server did not start");
        return;
    }
    snprintf(url, sizeof(url), "http://localhost:%u/wsman", srv.port);
    s = session(url, KERBEROS, KRB_USER, GSS_PASSWORD);
    ok_get_works(s, SPOOLER);
    ok_get_fails(s, MISBEHAVE "header-flood", HEADER_OVERFLOW, "more than 65536 bytes in all");
    ok_get_works(s, SPOOLER);
    ok_get_fails(s, MISBEHAVE "header-huge", HEADER_OVERFLOW, "header line longer than 102400 bytes");
    ok_get_works(s, MISBEHAVE "get-ok");
    if (s)
        IWSManSession_Release(s);

    /* Out of descriptors: Kerberos cannot reach the KDC, and says why (issue 18), not that no KDC answered.
     */
    struct rlimit saved;
    if (use_up_descriptors(&saved)) {
        s = session(url, KERBEROS, KRB_USER, GSS_PASSWORD);
        ok_get_no_fds(s, "Kerberos without a descriptor for the KDC");
        if (s)
            IWSManSession_Release(s);
    }
    give_back_descriptors(&saved);
    s = session(url, KERBEROS, KRB_USER, GSS_PASSWORD);
    ok_get_works(s, SPOOLER);
    if (s)
        IWSManSession_Release(s);
    test_server_stop(&srv);
}

int main(int argc, char **argv)
{
    char cmd[300];
    int gss = argc > 1 && !strcmp(argv[1], "gss");
    HRESULT hr;

    if (gss && (!getenv("WSM_KDC_DIR") || !getenv("KRB5_KTNAME"))) {
        fprintf(stderr, "test_limits gss needs the test realm's environment (run it through ctest)\n");
        return 1;
    }
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/wsmauto-limits-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    setenv("XDG_CONFIG_HOME", tmpdir, 1);
    use_config("[Client]\n");
    if (gss)
        unsetenv("KRB5CCNAME");

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    hr = CoCreateInstance(&CLSID_WSMan, NULL, CLSCTX_INPROC_SERVER, &IID_IWSManEx3, (void **)&wsman);
    ok_hr(S_OK, hr);
    if (SUCCEEDED(hr)) {
        if (gss) {
            test_gss();
        } else {
            test_transport();
            test_sessions();
            test_descriptors();
        }
        IWSManEx3_Release(wsman);
    }
    CoUninitialize();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return test_summary(gss ? "limits_gss" : "limits");
}
