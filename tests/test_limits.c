/*
 * Oversized replies are protocol errors that say what was too large, never E_OUTOFMEMORY: reply headers over
 * the caps of transport.h (one line over WSM_MAX_HEADER_LINE, all of them over WSM_MAX_REPLY_HEADERS, a line
 * over libcurl's own limit) give 0x80072F96 (ERROR_WINHTTP_HEADER_SIZE_OVERFLOW, as WinHTTP reports them),
 * and a WWW-Authenticate token over Windows' MaxTokenSize gives SEC_E_INVALID_TOKEN. Against the bundled
 * server's misbehave resources (header-flood, header-long, header-huge, www-auth-huge) and --gss-token-bytes,
 * through the transport and through the public COM API; the session works on afterwards.
 *
 * Usage: test_limits       the transport and Basic sessions
 *        test_limits gss   Negotiate and Kerberos handshakes with oversized tokens, an encrypted session's
 *                          oversized reply; needs the test realm's environment (run it through ctest)
 *
 * SPDX-License-Identifier: MIT
 */
#define COBJMACROS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <objbase.h>
#include <oleauto.h>

#include "wsmandisp.h"

#include "comutil.h"
#include "core.h"
#include "names.h"
#include "serverctl.h"
#include "test.h"
#include "transport.h"

#define MISBEHAVE "http://wsmauto.test/misbehave/"
#define SPOOLER "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service?Name=Spooler"
#define CT_UTF8 "application/soap+xml;charset=UTF-8"

#define HEADER_OVERFLOW ((HRESULT)0x80072F96u)
#define SEC_E_INVALID_TOKEN_ ((HRESULT)0x80090308u)
#define E_OUTOFMEMORY_ ((HRESULT)0x8007000Eu)

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
    cfg.url = srv.url;
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
        }
        IWSManEx3_Release(wsman);
    }
    CoUninitialize();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return test_summary(gss ? "limits_gss" : "limits");
}
