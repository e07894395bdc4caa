/*
 * Negotiate, Kerberos and NTLM end to end: the public COM API against the
 * bundled server (tests/server, its own GSSAPI binding and its own
 * encryption framing) and a real MIT KDC (tests/kdc/kdc.sh, started by the
 * ctest fixture; its environment comes from ctest). Kerberos and NTLM with
 * and without message encryption over HTTP and with channel binding over
 * HTTPS; the documented error for each common mistake; damaged encrypted
 * replies; the server losing the context or the connection.
 *
 * Usage: test_gss        (needs KRB5_CONFIG, KRB5_KTNAME, NTLM_USER_FILE, WSM_KDC_DIR)
 *        test_gss omi    (the same suites against the server's OMI flavour: --flavor omi)
 *        test_gss rc4    (the same environment with KRB5_CONFIG=$WSM_KDC_DIR/krb5-rc4.conf: RC4 keys)
 *
 * SPDX-License-Identifier: MIT
 */
#define COBJMACROS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <windows.h>
#include <objbase.h>
#include <oleauto.h>

#include "wsmandisp.h"
#include "wsmerror.h"

#include "comutil.h"
#include "serverctl.h"
#include "test.h"

#define WMI "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/"
#define SPOOLER WMI "Win32_Service?Name=Spooler"
#define MISBEHAVE "http://wsmauto.test/misbehave/"
#define ECHO_URI "http://wsmauto.test/echo"

#define KRB_USER "alice@WSMAUTO.TEST"
#define NTLM_USER "WSMAUTO\\alice"
#define PASSWORD "alice-pw-1"

#define SEC_E_TARGET_UNKNOWN_ ((HRESULT)0x80090303u)
#define SEC_E_LOGON_DENIED_ ((HRESULT)0x8009030Cu)
#define SEC_E_NO_CREDENTIALS_ ((HRESULT)0x8009030Eu)
#define SEC_E_MESSAGE_ALTERED_ ((HRESULT)0x8009030Fu)
#define SEC_E_CONTEXT_EXPIRED_ ((HRESULT)0x80090317u)
#define SEC_E_INCOMPLETE_MESSAGE_ ((HRESULT)0x80090318u)
#define E_ACCESSDENIED_ ((HRESULT)0x80070005u)
#define CONNECTION_ERROR ((HRESULT)0x80072EFEu)

#define BIG_CONFIG "[Client]\nMaxEnvelopeSizekb = 8192\n"

#define KERBEROS (WSManFlagUseKerberos | WSManFlagCredUsernamePassword)
#define NEGOTIATE (WSManFlagUseNegotiate | WSManFlagCredUsernamePassword)

static IWSManEx3 *wsman;
static int omi; /* the server runs as OMI does (--flavor omi) */
static char tmpdir[256];
static char certs[300];
static const char *kdc_dir;

static void use_config(const char *text)
{
    char path[300];
    static int n;

    snprintf(path, sizeof(path), "%s/client%d.conf", tmpdir, n++);
    write_file(path, text);
    setenv("WSMAUTO_CLIENT_CONFIG", path, 1);
}

static void use_tls_config(void)
{
    char cfg[512];
    snprintf(cfg, sizeof(cfg), "[Client]\nCAFile = %s/ca.pem\n", certs);
    use_config(cfg);
}

static IWSManSession *open_session(const char *url, LONG flags, const char *user, const char *password)
{
    IWSManSession *session = NULL;
    HRESULT hr = create_session(wsman, url, flags, user, password, NULL, &session);

    ok(hr == S_OK, "CreateSession(%s, 0x%x): 0x%08x", url, (unsigned)flags, (unsigned)hr);
    return session;
}

#define ok_get(s, uri, needle) check_get(__LINE__, s, uri, needle)
static void check_get(int line, IWSManSession *s, const char *uri, const char *needle)
{
    HRESULT hr;
    char *r = s ? session_get(s, uri, &hr) : NULL;

    if (!s)
        hr = E_POINTER;
    test_check(hr == S_OK && contains(r, needle), __FILE__, line, "Get(%s): hr 0x%08x, result %.200s", uri,
               (unsigned)hr, r ? r : "(none)");
    if (hr != S_OK && s) {
        char *desc = error_description();
        fprintf(stderr, "#   error: %s\n", desc);
        free(desc);
    }
    free(r);
}

/* A Get that must fail with `expected` and an Error text naming the cause (`text`); no secret may show. */
#define ok_get_fails(s, uri, expected, text) check_get_fails(__LINE__, s, uri, expected, text)
static void check_get_fails(int line, IWSManSession *s, const char *uri, HRESULT expected, const char *text)
{
    HRESULT hr = E_POINTER;
    char *r = s ? session_get(s, uri, &hr) : NULL, *err = s ? session_error(s) : NULL,
         *desc = error_description();

    test_check(hr == expected, __FILE__, line, "Get(%s): expected 0x%08x, got 0x%08x (%s)", uri,
               (unsigned)expected, (unsigned)hr, desc ? desc : "");
    test_check(!text || contains(desc, text), __FILE__, line, "error text lacks \"%s\": %s", text ? text : "",
               desc ? desc : "(null)");
    /* No password, and no token: SPNEGO tokens start "YII" in base64, NTLMSSP ones "TlRMTVNT". */
    test_check(!contains(err, "-pw-") && !contains(desc, "-pw-") && !contains(err, "YII") &&
                   !contains(desc, "YII") && !contains(err, "TlRMTVNT") && !contains(desc, "TlRMTVNT") &&
                   !contains(desc, "Authorization"),
               __FILE__, line, "a secret leaked into the error: %s / %s", desc ? desc : "", err ? err : "");
    free(r);
    free(err);
    free(desc);
}

/* Log lines of SOAP requests (not handshake legs) containing `needle`. */
static int requests_with(const struct test_server *srv, const char *needle)
{
    FILE *log = fopen(srv->log_path, "r");
    char line[2048];
    int n = 0;

    while (log && fgets(line, sizeof(line), log))
        n += contains(line, needle) && contains(line, "leg=-");
    if (log)
        fclose(log);
    return n;
}

static void release(IWSManSession *s)
{
    if (s)
        IWSManSession_Release(s);
}

/* Starts the server with args plus the flavour of this run. */
static int start(struct test_server *srv, const char *const *args)
{
    const char *all[32];
    size_t n = 0;

    while (args[n] && n < 29) {
        all[n] = args[n];
        n++;
    }
    all[n++] = "--flavor";
    all[n++] = omi ? "omi" : "windows";
    all[n] = NULL;
    int rc = test_server_start(srv, all);
    ok(rc == 0, "server started");
    return rc;
}

/* Log lines holding both needles. */
static int lines_with(const struct test_server *srv, const char *a, const char *b)
{
    FILE *log = fopen(srv->log_path, "r");
    char line[2048];
    int n = 0;

    while (log && fgets(line, sizeof(line), log))
        n += contains(line, a) && contains(line, b);
    if (log)
        fclose(log);
    return n;
}

/* TCP connections one session needs for its handshake and requests over HTTP with encryption: OMI drops
 * the first one, on the first encrypted request in Windows' framing. */
static int enc_connections(int sessions)
{
    return omi ? 2 * sessions : sessions;
}

static void url_for(char *buf, size_t size, const struct test_server *srv, const char *scheme,
                    const char *host)
{
    snprintf(buf, size, "%s://%s:%u/wsman", scheme, host, srv->port);
}

/* Runs a shell command with the test realm's environment; returns its exit status. */
static int sh(const char *fmt, const char *arg)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg);
    int rc = system(cmd);
    return rc == -1 ? -1 : WEXITSTATUS(rc);
}

/* ---- the happy paths ---- */

/* An encrypted echo of `size` bytes both ways through Invoke. */
static void check_large_echo(IWSManSession *s, size_t size)
{
    char *xml = malloc(size + 200), *r;
    BSTR action = bstr("Echo"), in;
    VARIANT v = vstr(ECHO_URI);
    BSTR out = NULL;
    HRESULT hr;

    strcpy(xml, "<e:Echo xmlns:e=\"http://wsmauto.test/echo\"><e:Data>");
    size_t at = strlen(xml);
    for (size_t i = 0; i < size; i++)
        xml[at + i] = (char)('a' + i % 26);
    strcpy(xml + at + size, "</e:Data></e:Echo>");
    in = bstr(xml);
    hr = IWSManSession_Invoke(s, action, v, in, 0, &out);
    r = utf8(out);
    ok(hr == S_OK && r && strlen(r) > size && strstr(r, "zabcdefghij"), "encrypted %zu-byte echo: 0x%08x",
       size, (unsigned)hr);
    free(r);
    free(xml);
    SysFreeString(in);
    SysFreeString(out);
    SysFreeString(action);
    VariantClear(&v);
}

static void test_kerberos_http(void)
{
    struct test_server srv;
    const char *args[] = {"--auth", "negotiate,kerberos", "--max-envelope-kb", "8192", NULL};
    char url[300];

    use_config(BIG_CONFIG);
    if (start(&srv, args))
        return;
    url_for(url, sizeof(url), &srv, "http", "localhost");

    /* Kerberos scheme, explicit credentials, message encryption (the default over HTTP). */
    IWSManSession *s = open_session(url, KERBEROS, KRB_USER, PASSWORD);
    ok_get(s, SPOOLER, "Spooler");
    ok_get(s, WMI "Win32_Service?Name=WinRM", "WinRM");
    ok(log_lines(&srv, "gss=kerberos/krb5") >= 2, "the server saw Kerberos");
    /* (OMI: but for the one dropped in Windows' framing, which the server could not read) */
    ok(log_lines(&srv, "enc=yes") >= 2 && requests_with(&srv, "enc=no") == (omi ? 1 : 0) &&
           lines_with(&srv, "enc=no", "frame=tab") == (omi ? 1 : 0),
       "every message was encrypted");
    ok(test_server_connections(&srv) == enc_connections(1), "handshake and requests on %d TCP connection(s)",
       enc_connections(1));
    if (s)
        check_large_echo(s, 3 * 1024 * 1024);
    release(s);

    /* Negotiate to a host name: SPNEGO picks Kerberos. */
    s = open_session(url, NEGOTIATE, KRB_USER, PASSWORD);
    ok_get(s, SPOOLER, "Spooler");
    ok(log_lines(&srv, "gss=negotiate/krb5") >= 1, "Negotiate chose Kerberos for a host name");
    release(s);

    /* The default (no auth flag) to localhost: Negotiate. */
    s = open_session(url, WSManFlagCredUsernamePassword, KRB_USER, PASSWORD);
    ok_get(s, SPOOLER, "Spooler");
    release(s);

    /* Implicit credentials: a ticket cache made by kinit. */
    char ccache[400], cmd[600];
    snprintf(ccache, sizeof(ccache), "FILE:%s/alice.ccache", tmpdir);
    snprintf(cmd, sizeof(cmd), "echo %s | KRB5CCNAME=%s kinit %s >/dev/null", PASSWORD, ccache, KRB_USER);
    ok(system(cmd) == 0, "kinit alice");
    setenv("KRB5CCNAME", ccache, 1);
    s = open_session(url, WSManFlagUseKerberos, NULL, NULL);
    ok_get(s, SPOOLER, "Spooler");
    release(s);
    unsetenv("KRB5CCNAME");

    test_server_stop(&srv);
}

static void test_ntlm_http(void)
{
    struct test_server srv;
    const char *args[] = {"--auth", "negotiate", "--max-envelope-kb", "8192", NULL};
    char url[300];

    use_config(BIG_CONFIG);
    if (start(&srv, args))
        return;
    /* An IP address cannot have a Kerberos ticket: Negotiate uses NTLM. */
    url_for(url, sizeof(url), &srv, "http", "127.0.0.1");
    IWSManSession *s = open_session(url, NEGOTIATE, NTLM_USER, PASSWORD);
    ok_get(s, SPOOLER, "Spooler");
    ok(log_lines(&srv, "gss=negotiate/ntlm") >= 1 && log_lines(&srv, "enc=yes") >= 1,
       "NTLM with message encryption");
    if (s) {
        VARIANT v = vstr(WMI "Win32_Service");
        IDispatch *disp = NULL;
        HRESULT hr = IWSManSession_Enumerate(s, v, NULL, NULL, 0, &disp);
        int items = 0;
        ok(hr == S_OK, "encrypted Enumerate: 0x%08x", (unsigned)hr);
        if (disp) {
            IWSManEnumerator *e = NULL;
            IDispatch_QueryInterface(disp, &IID_IWSManEnumerator, (void **)&e);
            VARIANT_BOOL end = VARIANT_FALSE;
            while (e && IWSManEnumerator_get_AtEndOfStream(e, &end) == S_OK && !end && items < 1000) {
                BSTR item = NULL;
                if (IWSManEnumerator_ReadItem(e, &item) != S_OK)
                    break;
                SysFreeString(item);
                items++;
            }
            if (e)
                IWSManEnumerator_Release(e);
            IDispatch_Release(disp);
        }
        ok(items >= 10, "read %d items over NTLM-encrypted pulls", items);
        VariantClear(&v);
        check_large_echo(s, 2 * 1024 * 1024);
    }
    ok(test_server_connections(&srv) == enc_connections(1),
       "NTLM handshake and requests on %d TCP connection(s)", enc_connections(1));
    release(s);

    /* Negotiate with DOMAIN\user to a host name: no Kerberos realm WSMAUTO, so NTLM. */
    url_for(url, sizeof(url), &srv, "http", "localhost");
    s = open_session(url, NEGOTIATE, NTLM_USER, PASSWORD);
    ok_get(s, SPOOLER, "Spooler");
    release(s);
    test_server_stop(&srv);
}

/* NoEncryption with a server that allows it, and with one that requires encryption. */
static void test_no_encryption(void)
{
    struct test_server srv;
    const char *allow[] = {"--auth", "negotiate,kerberos", "--gss-encryption", "allow", NULL};
    const char *require[] = {"--auth", "negotiate,kerberos", NULL};
    const char *refuse[] = {"--auth", "negotiate,kerberos", "--gss-encryption", "refuse", NULL};
    char url[300], ipurl[300];

    use_config("[Client]\nAllowUnencrypted = true\n");
    if (start(&srv, allow))
        return;
    url_for(url, sizeof(url), &srv, "http", "localhost");
    url_for(ipurl, sizeof(ipurl), &srv, "http", "127.0.0.1");
    IWSManSession *s = open_session(url, KERBEROS | WSManFlagNoEncryption, KRB_USER, PASSWORD);
    ok_get(s, SPOOLER, "Spooler");
    release(s);
    s = open_session(ipurl, NEGOTIATE | WSManFlagNoEncryption, NTLM_USER, PASSWORD);
    ok_get(s, SPOOLER, "Spooler");
    release(s);
    ok(requests_with(&srv, "enc=no") >= 2 && log_lines(&srv, "enc=yes") == 0, "sent unencrypted as asked");
    test_server_stop(&srv);

    /* Without AllowUnencrypted the client refuses before sending anything. */
    use_config("");
    s = open_session(url, KERBEROS | WSManFlagNoEncryption, KRB_USER, PASSWORD);
    ok_get_fails(s, SPOOLER, ERROR_WSMAN_CLIENT_UNENCRYPTED_DISABLED, "AllowUnencrypted");
    release(s);

    use_config("[Client]\nAllowUnencrypted = true\n");
    if (start(&srv, require))
        return;
    url_for(url, sizeof(url), &srv, "http", "localhost");
    s = open_session(url, KERBEROS | WSManFlagNoEncryption, KRB_USER, PASSWORD);
    ok_get_fails(s, SPOOLER, ERROR_WSMAN_HTTP_STATUS_SERVER_ERROR, "requires message encryption");
    release(s);
    test_server_stop(&srv);

    use_config("");
    if (start(&srv, refuse))
        return;
    url_for(url, sizeof(url), &srv, "http", "localhost");
    s = open_session(url, KERBEROS, KRB_USER, PASSWORD);
    ok_get_fails(s, SPOOLER, ERROR_WSMAN_HTTP_STATUS_BAD_REQUEST, "message encryption");
    release(s);
    test_server_stop(&srv);
}

/* HTTPS: no message encryption, channel binding required by the server. */
static void test_https_cbt(void)
{
    struct test_server srv;
    char cert[400], key[400], url[300];
    snprintf(cert, sizeof(cert), "%s/server.pem", certs);
    snprintf(key, sizeof(key), "%s/server.key", certs);
    const char *args[] = {"--auth", "negotiate,kerberos", "--tls-cert", cert, "--tls-key",
                          key,      "--require-cbt",      NULL};

    use_tls_config();
    if (start(&srv, args))
        return;
    url_for(url, sizeof(url), &srv, "https", "localhost");
    IWSManSession *s = open_session(url, KERBEROS, KRB_USER, PASSWORD);
    ok_get(s, SPOOLER, "Spooler");
    release(s);
    url_for(url, sizeof(url), &srv, "https", "127.0.0.1");
    s = open_session(url, NEGOTIATE, NTLM_USER, PASSWORD);
    ok_get(s, SPOOLER, "Spooler");
    release(s);
    ok(log_lines(&srv, "cbt=yes") >= 2, "both contexts carried channel bindings");
    ok(log_lines(&srv, "gss=kerberos/krb5") >= 1 && log_lines(&srv, "gss=negotiate/ntlm") >= 1,
       "Kerberos and NTLM over HTTPS");
    ok(log_lines(&srv, "enc=yes") == 0, "no message encryption inside TLS");
    test_server_stop(&srv);
}

/* ---- mistakes and their errors ---- */

static void test_mistakes(void)
{
    struct test_server srv;
    const char *args[] = {"--auth", "negotiate,kerberos", NULL};
    char url[300], ipurl[300];

    use_config("");
    if (start(&srv, args))
        return;
    url_for(url, sizeof(url), &srv, "http", "localhost");
    url_for(ipurl, sizeof(ipurl), &srv, "http", "127.0.0.1");

    IWSManSession *s = open_session(url, KERBEROS, KRB_USER, "wrong-pw-9");
    ok_get_fails(s, SPOOLER, SEC_E_LOGON_DENIED_, KRB_USER);
    release(s);
    s = open_session(url, KERBEROS, "mallory@WSMAUTO.TEST", "mallory-pw-3");
    ok_get_fails(s, SPOOLER, SEC_E_LOGON_DENIED_, "mallory");
    release(s);
    s = open_session(ipurl, NEGOTIATE, NTLM_USER, "wrong-pw-9");
    ok_get_fails(s, SPOOLER, E_ACCESSDENIED_, "rejected");
    release(s);
    s = open_session(ipurl, NEGOTIATE, "WSMAUTO\\mallory", "mallory-pw-3");
    ok_get_fails(s, SPOOLER, E_ACCESSDENIED_, "mallory");
    release(s);

    /* No ticket cache for implicit credentials. */
    char ccache[400];
    snprintf(ccache, sizeof(ccache), "FILE:%s/none.ccache", tmpdir);
    setenv("KRB5CCNAME", ccache, 1);
    s = open_session(url, WSManFlagUseKerberos, NULL, NULL);
    ok_get_fails(s, SPOOLER, SEC_E_NO_CREDENTIALS_, NULL);
    release(s);

    /* An expired ticket (bob's tickets live 2 seconds). */
    snprintf(ccache, sizeof(ccache), "FILE:%s/bob.ccache", tmpdir);
    ok(sh("kadmin.local -q 'modprinc -maxlife \"2 seconds\" bob' >/dev/null 2>&1", "") == 0,
       "short-lived bob");
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "echo bob-pw-2 | KRB5CCNAME=%s kinit bob@WSMAUTO.TEST >/dev/null", ccache);
    ok(system(cmd) == 0, "kinit bob");
    sleep(3);
    setenv("KRB5CCNAME", ccache, 1);
    s = open_session(url, WSManFlagUseKerberos, NULL, NULL);
    ok_get_fails(s, SPOOLER, SEC_E_CONTEXT_EXPIRED_, "expired");
    release(s);
    unsetenv("KRB5CCNAME");

    /* A wrong SPN: with EnableSPNServerPort the client asks for HTTP/localhost:<port>, unknown to the KDC
     * until it is added. */
    s = open_session(url, KERBEROS | WSManFlagEnableSPNServerPort, KRB_USER, PASSWORD);
    ok_get_fails(s, SPOOLER, SEC_E_TARGET_UNKNOWN_, "HTTP/localhost:");
    release(s);
    char spn[100];
    snprintf(spn, sizeof(spn), "HTTP/localhost:%u", srv.port);
    char add[700];
    snprintf(add, sizeof(add), "%s/tests/kdc/kdc.sh addprinc '%s' '%s'", WSMAUTO_SOURCE_DIR, kdc_dir, spn);
    ok(system(add) == 0, "addprinc %s", spn);
    s = open_session(url, KERBEROS | WSManFlagEnableSPNServerPort, KRB_USER, PASSWORD);
    ok_get(s, SPOOLER, "Spooler");
    release(s);

    /* Policy: implicit Negotiate credentials only for trusted hosts; explicit ones over HTTP likewise. */
    s = open_session("http://wsmauto-untrusted.invalid", WSManFlagUseNegotiate, NULL, NULL);
    ok_get_fails(s, SPOOLER, ERROR_WSMAN_EXPLICIT_CREDENTIALS_REQUIRED, "TrustedHosts");
    release(s);
    s = open_session("http://wsmauto-untrusted.invalid", NEGOTIATE, NTLM_USER, PASSWORD);
    ok_get_fails(s, SPOOLER, ERROR_WSMAN_SERVER_NOT_TRUSTED, "TrustedHosts");
    release(s);
    /* With no auth flag, explicit credentials to an untrusted host mean Kerberos, which needs no trust:
     * the request gets as far as the (unresolvable) host name. */
    s = open_session("http://wsmauto-untrusted.invalid", WSManFlagCredUsernamePassword, KRB_USER, PASSWORD);
    ok_get_fails(s, SPOOLER, (HRESULT)0x80072EE7u, "wsmauto-untrusted.invalid");
    release(s);

    test_server_stop(&srv);
}

/* Damaged encrypted replies are errors, never data, and the session stays usable. */
static void test_damaged_replies(void)
{
    static const struct {
        const char *mode;
        HRESULT hr;
        const char *text;
    } cases[] = {
        {"enc-tamper", SEC_E_MESSAGE_ALTERED_, "rejected"},
        {"enc-truncate", SEC_E_INCOMPLETE_MESSAGE_, "rejected"},
        /* Length= one more than the data: indistinguishable from data cut short. */
        {"enc-bad-length", SEC_E_INCOMPLETE_MESSAGE_, "rejected"},
        {"enc-plain", ERROR_WSMAN_HTTP_INVALID_CONTENT_TYPE_IN_RESPONSE_DATA, "unencrypted reply"},
    };
    struct test_server srv;
    const char *args[] = {"--auth", "negotiate,kerberos", NULL};
    char url[300], ipurl[300], uri[200];

    use_config("");
    if (start(&srv, args))
        return;
    url_for(url, sizeof(url), &srv, "http", "localhost");
    url_for(ipurl, sizeof(ipurl), &srv, "http", "127.0.0.1");
    IWSManSession *krb = open_session(url, KERBEROS, KRB_USER, PASSWORD);
    IWSManSession *ntlm = open_session(ipurl, NEGOTIATE, NTLM_USER, PASSWORD);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(uri, sizeof(uri), MISBEHAVE "%s", cases[i].mode);
        ok_get_fails(krb, uri, cases[i].hr, cases[i].text);
        ok_get(krb, SPOOLER, "Spooler");
        ok_get_fails(ntlm, uri, cases[i].hr, cases[i].text);
        ok_get(ntlm, SPOOLER, "Spooler");
    }
    /* What real servers send differently is accepted. */
    ok_get(krb, MISBEHAVE "enc-lenient", "ok");
    ok_get(ntlm, MISBEHAVE "enc-lenient", "ok");
    release(krb);
    release(ntlm);
    test_server_stop(&srv);
}

/* The server forgets contexts, closes connections, or drops the handshake. */
static void test_reauthentication(void)
{
    struct test_server srv;
    const char *reauth[] = {"--auth", "negotiate,kerberos", "--gss-reauth-after", "2", NULL};
    const char *drop[] = {"--auth", "negotiate,kerberos", "--gss-drop-handshake", NULL};
    char url[300], ipurl[300];

    use_config("");
    if (start(&srv, reauth))
        return;
    url_for(url, sizeof(url), &srv, "http", "localhost");
    url_for(ipurl, sizeof(ipurl), &srv, "http", "127.0.0.1");
    IWSManSession *s = open_session(url, KERBEROS, KRB_USER, PASSWORD);
    for (int i = 0; i < 5; i++)
        ok_get(s, SPOOLER, "Spooler");
    release(s);
    s = open_session(ipurl, NEGOTIATE, NTLM_USER, PASSWORD);
    for (int i = 0; i < 5; i++)
        ok_get(s, SPOOLER, "Spooler");
    /* The server closes the connection after a reply: the next request authenticates on a new one. */
    ok_get(s, MISBEHAVE "close-after-reply", "ok");
    ok_get(s, SPOOLER, "Spooler");
    release(s);
    ok(test_server_connections(&srv) >= 3, "a new connection after the server closed one (%d)",
       test_server_connections(&srv));
    test_server_stop(&srv);

    if (start(&srv, drop))
        return;
    url_for(url, sizeof(url), &srv, "http", "localhost");
    s = open_session(url, KERBEROS, KRB_USER, PASSWORD);
    ok_get_fails(s, SPOOLER, CONNECTION_ERROR, "at leg 1 of the handshake");
    release(s);
    test_server_stop(&srv);
}

/* The framing rule (client.c, post_message): Windows' bytes until the server answers; OMI's after the
 * server dropped the first encrypted request in Windows' framing; one resend at most. */
static void test_framing(void)
{
    struct test_server srv;
    const char *args[] = {"--auth", "negotiate,kerberos", NULL};
    char url[300], ipurl[300];

    use_config("");
    if (start(&srv, args))
        return;
    url_for(url, sizeof(url), &srv, "http", "localhost");
    url_for(ipurl, sizeof(ipurl), &srv, "http", "127.0.0.1");
    IWSManSession *krb = open_session(url, KERBEROS, KRB_USER, PASSWORD);
    IWSManSession *ntlm = open_session(ipurl, NEGOTIATE, NTLM_USER, PASSWORD);
    for (int i = 0; i < 3; i++) {
        ok_get(krb, SPOOLER, "Spooler");
        ok_get(ntlm, SPOOLER, "Spooler");
    }
    /* Identify through the authenticated, encrypted session (OMI's IdentifyResponse is in the SOAP
     * namespace). */
    if (krb) {
        BSTR out = NULL;
        HRESULT hr = IWSManSession_Identify(krb, 0, &out);
        char *text = utf8(out);
        ok(hr == S_OK && contains(text, "IdentifyResponse") && contains(text, "ProtocolVersion") &&
               (!omi || contains(text, "Open Management Infrastructure")),
           "encrypted Identify: 0x%08x %s", (unsigned)hr, text ? text : "");
        free(text);
        SysFreeString(out);
    }
    int tabs = lines_with(&srv, "frame=tab", "leg=-"), plain = lines_with(&srv, "frame=plain", "leg=-");
    if (omi) {
        /* each session: one request dropped in Windows' framing, all the others without tabs */
        ok(tabs == 2 && lines_with(&srv, "frame=tab", "status=0") == 2, "OMI: %d requests with tabs", tabs);
        ok(plain == 7, "OMI: %d requests without tabs, expected 7", plain);
    } else {
        ok(tabs == 7 && plain == 0, "Windows: %d requests with tabs, %d without (expected 7, 0)", tabs,
           plain);
        ok(log_lines(&srv, "status=0") == 0, "Windows: nothing dropped");
    }
    ok(test_server_connections(&srv) == enc_connections(2), "%d connections for two sessions",
       test_server_connections(&srv));

    /* A server that drops the session's first encrypted request whatever its framing: the request is sent
     * twice, then 0x80072EFE; no loop, and the session stays usable. */
    IWSManSession *s = open_session(url, KERBEROS, KRB_USER, PASSWORD);
    int before = log_lines(&srv, "status=0");
    ok_get_fails(s, MISBEHAVE "close", CONNECTION_ERROR, NULL);
    ok(log_lines(&srv, "status=0") - before == 2, "the dropped request was sent %d times, expected 2",
       log_lines(&srv, "status=0") - before);
    ok_get(s, SPOOLER, "Spooler");
    /* a drop later in a session that has its framing: the framing stays, one resend (the server may have
     * lost the connection), then 0x80072EFE */
    before = log_lines(&srv, "status=0");
    int plain_before = log_lines(&srv, "frame=plain"), tab_before = log_lines(&srv, "frame=tab");
    ok_get_fails(krb, MISBEHAVE "close", CONNECTION_ERROR, "without a reply");
    ok(log_lines(&srv, "status=0") - before == 2, "a later drop was sent %d times, expected 2",
       log_lines(&srv, "status=0") - before);
    ok(log_lines(&srv, omi ? "frame=plain" : "frame=tab") - (omi ? plain_before : tab_before) == 2,
       "a later drop changed the framing");
    ok_get(krb, SPOOLER, "Spooler");
    release(s);
    release(krb);
    release(ntlm);
    test_server_stop(&srv);
}

/* Basic in either flavour: over HTTPS, and over HTTP where the configuration allows it. */
static void test_basic(void)
{
    struct test_server srv;
    char cert[400], key[400], url[300];
    snprintf(cert, sizeof(cert), "%s/server.pem", certs);
    snprintf(key, sizeof(key), "%s/server.key", certs);
    const char *https[] = {"--auth", "basic,negotiate", "--tls-cert", cert, "--tls-key", key, NULL};
    const char *http[] = {"--auth", "basic,negotiate", NULL};
    const LONG basic = WSManFlagUseBasic | WSManFlagCredUsernamePassword;

    use_tls_config();
    if (start(&srv, https))
        return;
    url_for(url, sizeof(url), &srv, "https", "localhost");
    IWSManSession *s = open_session(url, basic, "wsmuser", "wsmpass");
    ok_get(s, SPOOLER, "Spooler");
    release(s);
    s = open_session(url, basic, "wsmuser", "wrong-pw-1");
    ok_get_fails(s, SPOOLER, E_ACCESSDENIED_, "wsmuser");
    release(s);
    ok(log_lines(&srv, "auth=basic") >= 1, "Basic over HTTPS");
    test_server_stop(&srv);

    use_config("[Client]\nAllowUnencrypted = true\n");
    if (start(&srv, http))
        return;
    url_for(url, sizeof(url), &srv, "http", "localhost");
    s = open_session(url, basic | WSManFlagNoEncryption, "wsmuser", "wsmpass");
    ok_get(s, SPOOLER, "Spooler");
    release(s);
    /* Basic goes on the first request: no request without credentials reached the server */
    ok(log_lines(&srv, "auth=basic") >= 1 && log_lines(&srv, "auth=-") == 0,
       "Basic over HTTP, pre-emptively");
    test_server_stop(&srv);
}

/* RC4-HMAC session keys (run with KRB5_CONFIG=$WSM_KDC_DIR/krb5-rc4.conf). */
static void test_rc4(void)
{
    struct test_server srv;
    const char *args[] = {"--auth", "negotiate,kerberos", NULL};
    char url[300];

    use_config("");
    if (start(&srv, args))
        return;
    url_for(url, sizeof(url), &srv, "http", "localhost");
    IWSManSession *s = open_session(url, KERBEROS, KRB_USER, PASSWORD);
    ok_get(s, SPOOLER, "Spooler");
    if (s)
        check_large_echo(s, 100000);
    release(s);
    s = open_session(url, NEGOTIATE, KRB_USER, PASSWORD);
    ok_get(s, SPOOLER, "Spooler");
    release(s);
    ok(log_lines(&srv, "enc=yes") >= 3, "RC4-encrypted messages");
    test_server_stop(&srv);
}

int main(int argc, char **argv)
{
    IDispatch *disp = NULL;
    char cmd[800];
    int rc4 = argc > 1 && !strcmp(argv[1], "rc4");
    omi = argc > 1 && !strcmp(argv[1], "omi");

    kdc_dir = getenv("WSM_KDC_DIR");
    if (!kdc_dir || !getenv("KRB5_KTNAME") || !getenv("NTLM_USER_FILE")) {
        fprintf(stderr, "test_gss needs the test realm's environment (run it through ctest)\n");
        return 1;
    }
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/wsmauto-gss-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    snprintf(certs, sizeof(certs), "%s/certs", tmpdir);
    snprintf(cmd, sizeof(cmd), "sh '%s/tests/tls/make-certs.sh' '%s' >/dev/null 2>&1", WSMAUTO_SOURCE_DIR,
             certs);
    ok(system(cmd) == 0, "test certificates");
    /* Kerberos tickets come from the test KDC only; no cache of the user's is touched. */
    unsetenv("KRB5CCNAME");

    CoInitialize(NULL);
    ok(CoCreateInstance(&CLSID_WSMan, NULL, CLSCTX_INPROC_SERVER, &IID_IDispatch, (void **)&disp) == S_OK,
       "WSMan object");
    if (disp) {
        IDispatch_QueryInterface(disp, &IID_IWSManEx3, (void **)&wsman);
        IDispatch_Release(disp);
    }
    if (wsman) {
        if (rc4) {
            test_rc4();
        } else {
            test_kerberos_http();
            test_ntlm_http();
            test_no_encryption();
            test_https_cbt();
            test_mistakes();
            test_damaged_replies();
            test_reauthentication();
            test_framing();
            test_basic();
        }
        IWSManEx3_Release(wsman);
    }
    CoUninitialize();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return test_summary(rc4 ? "gss_rc4" : omi ? "gss_omi" : "gss");
}
