/*
 * The HTTP trace (src/core/transport/trace.c; WSMAUTO_TRACE and WSManAutoSetTrace,
 * include/linux/wsmauto_trace.h) through the public COM API against the bundled server, with every
 * authentication scheme of the Linux build: the trace holds every exchange (request lines, headers, bodies,
 * statuses, handshake legs, the decrypted SOAP of encrypted messages, marked), every line is "TIME LABEL MARK
 * TEXT", and no secret is in it: not the passwords, not the Basic credentials' base64, not "YII"
 * (SPNEGO/Kerberos tokens) or "TlRMTVNT" (NTLM), and not a single credential or token the server saw or sent
 * (its --token-log). Also what the trace shows of header lines and bodies, turning it on and off, and
 * concurrent sessions.
 *
 * Usage: test_trace       Basic and Digest over HTTP, Basic and client certificates over HTTPS, and the rest
 *        test_trace gss   Negotiate (Kerberos and NTLM) and Kerberos over HTTP (encrypted) and HTTPS; needs
 * the test realm's environment (KRB5_CONFIG, KRB5_KTNAME, NTLM_USER_FILE, WSM_KDC_DIR)
 *
 * SPDX-License-Identifier: MIT
 */
#define COBJMACROS
#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <windows.h>
#include <objbase.h>
#include <oleauto.h>

#include "wsmandisp.h"
#include "wsmauto_trace.h"

#include "comutil.h"
#include "serverctl.h"
#include "test.h"
#include "trace.h"

#define WMI "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/"
#define SPOOLER WMI "Win32_Service?Name=Spooler"
#define MISBEHAVE "http://wsmauto.test/misbehave/"

#define KRB_USER "alice@WSMAUTO.TEST"
#define NTLM_USER "WSMAUTO\\alice"
#define GSS_PASSWORD "alice-pw-1"
#define BASIC_B64 "d3NtdXNlcjp3c21wYXNz" /* base64("wsmuser:wsmpass") */

#define BASIC_HTTP (WSManFlagUseBasic | WSManFlagCredUsernamePassword | WSManFlagNoEncryption)
#define DIGEST_HTTP (WSManFlagUseDigest | WSManFlagCredUsernamePassword | WSManFlagNoEncryption)
#define KERBEROS (WSManFlagUseKerberos | WSManFlagCredUsernamePassword)
#define NEGOTIATE (WSManFlagUseNegotiate | WSManFlagCredUsernamePassword)

static IWSManEx3 *wsman;
static char tmpdir[256], certs[300];

/* ---- files ---- */

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    char chunk[8192];

    if (!f)
        return calloc(1, 1);
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            char *nb = realloc(buf, cap);
            if (!nb)
                break;
            buf = nb;
        }
        memcpy(buf + len, chunk, n);
        len += n;
    }
    fclose(f);
    if (!buf)
        return calloc(1, 1);
    buf[len] = '\0';
    return buf;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) ? -1 : (long)st.st_size;
}

static void use_config(const char *text)
{
    char path[300];
    static int n;

    snprintf(path, sizeof(path), "%s/client%d.conf", tmpdir, n++);
    write_file(path, text);
    setenv("WSMAUTO_CLIENT_CONFIG", path, 1);
}

/* A fresh trace file of the test's directory, turned on. */
static void trace_to(char *path, size_t size, const char *name)
{
    snprintf(path, size, "%s/%s.trace", tmpdir, name);
    unlink(path);
    ok(WSManAutoSetTrace(path) == 0, "WSManAutoSetTrace(%s): %s", path, strerror(errno));
}

/* ---- what a trace must and must not hold ---- */

/* Every line is "YYYY-MM-DDTHH:MM:SS.mmmZ LABEL MARK TEXT" (LABEL s<n>/c<n>, MARK one of > < = *). */
static int well_formed(const char *trace, int *lines)
{
    regex_t re;
    int good = 1;
    *lines = 0;
    if (regcomp(&re,
                "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z s[0-9]+/c[0-9]+ [<>=*] ",
                REG_EXTENDED | REG_NOSUB))
        return 0;
    for (const char *p = trace; *p;) {
        const char *nl = strchr(p, '\n');
        size_t n = nl ? (size_t)(nl - p) : strlen(p);
        char *line = strndup(p, n);
        if (line && regexec(&re, line, 0, NULL, 0)) {
            if (good)
                fprintf(stderr, "#   malformed trace line: %.200s\n", line);
            good = 0;
        }
        free(line);
        (*lines)++;
        p += n + (nl ? 1 : 0);
    }
    regfree(&re);
    return good;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; p && (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* No password, no token, nothing the server's --token-log holds (every piece of 16 characters or more of it:
 * a base64 token whole, a Digest nonce or response). */
#define ok_no_secrets(trace, token_log, what) check_no_secrets(__LINE__, trace, token_log, what)
static void check_no_secrets(int line, const char *trace, const char *token_log, const char *what)
{
    static const char *const fixed[] = {"wsmpass", GSS_PASSWORD, "wrong-pw",        BASIC_B64,
                                        "YII",     "TlRMTVNT",   "not-the-password"};
    char *tokens = token_log ? read_all(token_log) : NULL;
    int leaks = 0, pieces = 0;

    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        if (contains(trace, fixed[i])) {
            fprintf(stderr, "#   %s: the trace holds \"%s\"\n", what, fixed[i]);
            leaks++;
        }
    }
    for (char *p = tokens; p && *p;) {
        size_t n = strcspn(p, " ,=\"\r\n");
        if (n >= 16) {
            char save = p[n];
            pieces++;
            p[n] = '\0';
            if (contains(trace, p)) {
                fprintf(stderr, "#   %s: the trace holds a token the server logged: %.40s...\n", what, p);
                leaks++;
            }
            p[n] = save;
        }
        p += n;
        p += strspn(p, " ,=\"\r\n");
    }
    test_check(!leaks, __FILE__, line, "%s: %d secrets in the trace", what, leaks);
    test_check(!token_log || pieces > 0, __FILE__, line, "%s: the server logged no token to compare", what);
    free(tokens);
}

#define ok_has(trace, needle, what)                                                                          \
    test_check(contains(trace, needle), __FILE__, __LINE__, "%s: no \"%s\"", what, needle)

/* The exchanges of a session's operations: request lines, statuses, both SOAP bodies. */
static void check_exchanges(int line, const char *trace, const char *what, int encrypted)
{
    int lines = 0;
    test_check(well_formed(trace, &lines) && lines > 10, __FILE__, line, "%s: %d lines, all well formed",
               what, lines);
    test_check(contains(trace, " > POST /wsman HTTP/1.1\n"), __FILE__, line, "%s: no request line", what);
    test_check(contains(trace, " < HTTP/1.1 200 OK\n"), __FILE__, line, "%s: no status line", what);
    test_check(contains(trace, " > Host: ") && contains(trace, " < Content-Length: "), __FILE__, line,
               "%s: no headers", what);
    if (encrypted) {
        test_check(contains(trace, " = [plaintext of the encrypted request that follows: ") &&
                       contains(trace, " = [decrypted reply (plaintext of the encrypted reply above): ") &&
                       contains(trace, " = <s:Envelope"),
                   __FILE__, line, "%s: the plaintext SOAP of the encrypted messages is not marked", what);
        test_check(contains(trace, " > Content-Type: multipart/encrypted;") &&
                       contains(trace, " < Content-Type: multipart/encrypted;") &&
                       contains(trace, " bytes of binary data]\n") && !contains(trace, " > <s:Envelope") &&
                       !contains(trace, " < <s:Envelope"),
                   __FILE__, line, "%s: the wire form of the encrypted messages", what);
        /* the decrypted reply comes after its wire form */
        const char *wire = strstr(trace, " < Content-Type: multipart/encrypted;");
        test_check(wire && strstr(wire, " = [decrypted reply"), __FILE__, line,
                   "%s: decrypted before the wire", what);
    } else {
        test_check(contains(trace, " > [request body: ") && contains(trace, " > <s:Envelope") &&
                       contains(trace, " < [reply body: ") && contains(trace, " < <s:Envelope"),
                   __FILE__, line, "%s: the SOAP bodies are not there", what);
        test_check(!contains(trace, " = "), __FILE__, line, "%s: plaintext marks without encryption", what);
    }
}

/* Identify (authenticated), a Get, and a Get that faults. */
static void operations(IWSManSession *s, const char *what)
{
    HRESULT hr;
    BSTR out = NULL;
    char *r;

    if (!s)
        return;
    hr = IWSManSession_Identify(s, 0, &out);
    ok(hr == S_OK, "%s: Identify 0x%08x", what, (unsigned)hr);
    SysFreeString(out);
    r = session_get(s, SPOOLER, &hr);
    ok(hr == S_OK && contains(r, "Spooler"), "%s: Get 0x%08x", what, (unsigned)hr);
    free(r);
    r = session_get(s, WMI "Win32_Service?Name=NoSuchService", &hr);
    ok(FAILED(hr), "%s: Get of a missing instance fails: 0x%08x", what, (unsigned)hr);
    free(r);
}

static IWSManSession *session(const char *url, LONG flags, const char *user, const char *password,
                              const char *thumbprint)
{
    IWSManSession *s = NULL;
    HRESULT hr = create_session(wsman, url, flags, user, password, thumbprint, &s);
    ok(hr == S_OK && s, "CreateSession(%s, 0x%x): 0x%08x", url, (unsigned)flags, (unsigned)hr);
    return s;
}

static int start(struct test_server *srv, const char *const *args, const char *what)
{
    if (test_server_start(srv, args)) {
        ok(0, "%s: the server did not start", what);
        return -1;
    }
    return 0;
}

/* ---- Basic, Digest, certificates (no KDC) ---- */

/* The first session of the process: WSMAUTO_TRACE (set by main) is read now. */
static void test_environment_variable(const char *env_trace)
{
    char tokens[300], *trace;
    const char *args[] = {"--auth", "basic,digest", "--token-log", tokens, NULL};
    struct test_server srv;
    IWSManSession *s;
    HRESULT hr;
    char *r;

    snprintf(tokens, sizeof(tokens), "%s/basic.tokens", tmpdir);
    if (start(&srv, args, "basic"))
        return;
    use_config("[Client]\nAllowUnencrypted = true\n");
    ok(!wsm_trace_enabled(), "the trace is off before the first session");
    s = session(srv.url, BASIC_HTTP, "wsmuser", "wsmpass", NULL);
    operations(s, "basic");
    if (s)
        IWSManSession_Release(s);
    /* A wrong password: the 401 is in the trace, the password is not. */
    s = session(srv.url, BASIC_HTTP, "wsmuser", "not-the-password", NULL);
    r = s ? session_get(s, SPOOLER, &hr) : NULL;
    ok(s && hr == E_ACCESSDENIED, "basic, wrong password: 0x%08x", (unsigned)hr);
    free(r);
    if (s)
        IWSManSession_Release(s);
    ok(wsm_trace_enabled(), "WSMAUTO_TRACE turned the trace on");

    trace = read_all(env_trace);
    check_exchanges(__LINE__, trace, "basic", 0);
    ok_has(trace, " > Authorization: Basic [hidden]\n", "basic");
    ok_has(trace, " < HTTP/1.1 401 Unauthorized\n", "basic, wrong password");
    ok_has(trace, " < WWW-Authenticate: Basic [hidden]\n", "basic, wrong password");
    ok_has(trace, " s1/c1 > POST", "basic: the first session's label");
    ok_has(trace, " s2/c1 > POST", "basic: the second session's label");
    {
        struct stat st;
        ok(!stat(env_trace, &st) && (st.st_mode & 0777) == 0600, "the trace file has mode 0600: %o",
           (unsigned)(st.st_mode & 0777));
    }
    ok_no_secrets(trace, tokens, "basic");
    free(trace);

    /* Digest: libcurl's own 401 round trip is traced, and nothing of the challenge or the response. */
    char path[300];
    trace_to(path, sizeof(path), "digest");
    s = session(srv.url, DIGEST_HTTP, "wsmuser", "wsmpass", NULL);
    operations(s, "digest");
    if (s)
        IWSManSession_Release(s);
    trace = read_all(path);
    check_exchanges(__LINE__, trace, "digest", 0);
    ok_has(trace, " < WWW-Authenticate: Digest [hidden]\n", "digest");
    ok_has(trace, " > Authorization: Digest [hidden]\n", "digest");
    ok(!contains(trace, "nonce") && !contains(trace, "response=") && !contains(trace, "cnonce"),
       "digest: no parameter of the challenge or response");
    ok_no_secrets(trace, tokens, "digest");
    free(trace);

    /* UTF-16 requests: shown as UTF-8. */
    trace_to(path, sizeof(path), "utf16");
    s = session(srv.url, BASIC_HTTP | WSManFlagUTF16, "wsmuser", "wsmpass", NULL);
    operations(s, "utf-16");
    if (s)
        IWSManSession_Release(s);
    trace = read_all(path);
    check_exchanges(__LINE__, trace, "utf-16", 0);
    ok_has(trace, ", UTF-16LE shown as UTF-8]\n", "utf-16");
    ok_no_secrets(trace, tokens, "utf-16");
    free(trace);

    /* Off: nothing more is written, and the library does no tracing work. */
    ok(WSManAutoSetTrace(NULL) == 0 && !wsm_trace_enabled(), "WSManAutoSetTrace(NULL) turns it off");
    long before = file_size(path);
    s = session(srv.url, BASIC_HTTP, "wsmuser", "wsmpass", NULL);
    operations(s, "trace off");
    if (s)
        IWSManSession_Release(s);
    ok(file_size(path) == before, "nothing written with the trace off: %ld -> %ld", before, file_size(path));
    test_server_stop(&srv);
}

/* The SHA-1 thumbprint of a PEM certificate, as Windows shows it. */
static void thumbprint_of(const char *pem, char *out, size_t size)
{
    char cmd[2100];
    FILE *p;
    size_t k = 0;
    int c;

    snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -noout -fingerprint -sha1", pem);
    out[0] = 0;
    if (!(p = popen(cmd, "r")))
        return;
    while ((c = fgetc(p)) != EOF && c != '=')
        ;
    while ((c = fgetc(p)) != EOF && k + 1 < size)
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))
            out[k++] = (char)c;
    out[k] = 0;
    pclose(p);
}

static void test_https(void)
{
    char cert[400], key[400], ca[400], tokens[300], cfg[1200], store[400], cmd[2000], thumb[64], path[300];
    const char *args[] = {"--tls-cert",        cert,          "--tls-key", key, "--client-ca", ca, "--auth",
                          "basic,certificate", "--token-log", tokens,      NULL};
    struct test_server srv;
    IWSManSession *s;
    char *trace;

    snprintf(cert, sizeof(cert), "%s/server.pem", certs);
    snprintf(key, sizeof(key), "%s/server.key", certs);
    snprintf(ca, sizeof(ca), "%s/ca.pem", certs);
    snprintf(tokens, sizeof(tokens), "%s/https.tokens", tmpdir);
    snprintf(store, sizeof(store), "%s/store", tmpdir);
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s' && cp '%s/client.pem' '%s/client.key' '%s/'", store, certs,
             certs, store);
    ok(system(cmd) == 0, "certificate store");
    snprintf(cfg, sizeof(cfg), "[Client]\nCAFile = %s\nCertStore = %s\n", ca, store);
    use_config(cfg);
    snprintf(cmd, sizeof(cmd), "%s/client.pem", certs);
    thumbprint_of(cmd, thumb, sizeof(thumb));
    if (start(&srv, args, "https"))
        return;

    trace_to(path, sizeof(path), "https-basic");
    s = session(srv.url, WSManFlagUseBasic | WSManFlagCredUsernamePassword, "wsmuser", "wsmpass", NULL);
    operations(s, "https basic");
    if (s)
        IWSManSession_Release(s);
    trace = read_all(path);
    check_exchanges(__LINE__, trace, "https basic", 0);
    ok_has(trace, " > Authorization: Basic [hidden]\n", "https basic");
    ok_no_secrets(trace, tokens, "https basic");
    free(trace);

    trace_to(path, sizeof(path), "https-certificate");
    s = session(srv.url, WSManFlagUseClientCertificate, NULL, NULL, thumb);
    operations(s, "client certificate");
    if (s)
        IWSManSession_Release(s);
    trace = read_all(path);
    check_exchanges(__LINE__, trace, "client certificate", 0);
    ok_has(trace, " > Authorization: http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual\n",
           "client certificate");
    ok(!contains(trace, "PRIVATE KEY") && !contains(trace, "BEGIN CERTIFICATE"), "no key or certificate");
    ok_no_secrets(trace, NULL, "client certificate");
    free(trace);
    test_server_stop(&srv);
}

/* ---- turning it on and off ---- */

static void test_set_trace(void)
{
    char path[300], *trace;

    errno = 0;
    ok(WSManAutoSetTrace("/nonexistent-dir/x/trace") == -1 && errno == ENOENT && !wsm_trace_enabled(),
       "an unopenable file: -1, ENOENT, the trace off (errno %d)", errno);
    trace_to(path, sizeof(path), "notes");
    ok(wsm_trace_enabled(), "on");
    wsm_trace_note("s9/c9", '*', "a note with a control byte \x01 and a newline\n");
    ok(WSManAutoSetTrace("") == 0 && !wsm_trace_enabled(), "\"\" turns it off");
    wsm_trace_note("s9/c9", '*', "not written");
    trace = read_all(path);
    ok(count(trace, "\n") == 1 && contains(trace, " s9/c9 * a note with a control byte ? and a newline?\n") &&
           !contains(trace, "not written"),
       "one line, control bytes shown as '?': %s", trace);
    free(trace);
}

/* ---- what the trace shows (no network) ---- */

static void test_header_text(void)
{
    static const struct {
        const char *line, *shown;
    } cases[] = {
        {"Authorization: Basic " BASIC_B64, "Authorization: Basic [hidden]"},
        {"authorization:Negotiate YIIC8QYGKwYBBQUCoIIC5TCC", "authorization: Negotiate [hidden]"},
        {"AUTHORIZATION:  Kerberos   YIIabc==  ", "AUTHORIZATION: Kerberos [hidden]"},
        {"Authorization: Digest username=\"wsmuser\", response=\"0123456789abcdef\"",
         "Authorization: Digest [hidden]"},
        {"Proxy-Authorization: Basic " BASIC_B64, "Proxy-Authorization: Basic [hidden]"},
        {"Authorization: " BASIC_B64 "xyzxyzxyz", "Authorization: [hidden]"},
        {"Authorization: http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual",
         "Authorization: http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual"},
        {"Authorization: Negotiate", "Authorization: Negotiate"},
        {"WWW-Authenticate: Negotiate", "WWW-Authenticate: Negotiate"},
        {"WWW-Authenticate: Negotiate, Kerberos", "WWW-Authenticate: Negotiate, Kerberos"},
        {"WWW-Authenticate: Negotiate oYG3MIG0oAMKAQChCwYJKoZIgvcSAQIC",
         "WWW-Authenticate: Negotiate [hidden]"},
        {"WWW-Authenticate: Basic realm=\"WSMAN\"", "WWW-Authenticate: Basic [hidden]"},
        {"WWW-Authenticate: Digest realm=\"WSMAN\", nonce=\"abc\", qop=\"auth\"",
         "WWW-Authenticate: Digest [hidden]"},
        {"WWW-Authenticate: TlRMTVNTUAACAAAADAAMADgAAAA", "WWW-Authenticate: [hidden]"},
        {"Proxy-Authenticate: NTLM TlRMTVNTUAACAAAA", "Proxy-Authenticate: NTLM [hidden]"},
        {"Authentication-Info: rspauth=\"abc\"", "Authentication-Info: [hidden]"},
        {"Set-Cookie: session=secret", "Set-Cookie: [hidden]"},
        {"Cookie: a=b", "Cookie: [hidden]"},
        {" continued token YIIabc", " [folded continuation line hidden]"},
        {"\tcontinued", " [folded continuation line hidden]"},
        {"Content-Type: application/soap+xml;charset=UTF-8",
         "Content-Type: application/soap+xml;charset=UTF-8"},
        {"HTTP/1.1 401 Unauthorized", "HTTP/1.1 401 Unauthorized"},
        {"X-Odd: a\x01\x7f\xc3\xa9", "X-Odd: a????"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *shown = wsm_trace_header_text(cases[i].line, strlen(cases[i].line));
        ok(shown && !strcmp(shown, cases[i].shown), "header %zu: \"%s\" shown as \"%s\", not \"%s\"", i,
           cases[i].line, shown ? shown : "(null)", cases[i].shown);
        free(shown);
    }
    /* A long line that is no credential is cut. */
    char *longline = malloc(10001);
    memcpy(longline, "X-Long: ", 8);
    memset(longline + 8, 'l', 10000 - 8);
    longline[10000] = '\0';
    char *shown = wsm_trace_header_text(longline, 10000);
    ok(shown && strlen(shown) < 2200 && contains(shown, "... [10000 bytes in all]"),
       "a long line is cut: %.60s", shown ? shown + (strlen(shown) > 60 ? strlen(shown) - 60 : 0) : "(null)");
    free(shown);
    free(longline);
}

static void test_bodies(void)
{
    char path[300], *trace;
    static const unsigned char binary[] =
        "--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n"
        "\x10\x00\x00\x00YII\x01\x02\x03\nYIIxx\xff\xfe--Encrypted Boundary--\r\n";
    static const unsigned char utf16[] = {0xFF, 0xFE, '<',  0,    'a', 0, '>', 0, 0xE9, 0, '\n', 0,
                                          0x3D, 0xD8, 0x00, 0xDE, '<', 0, '/', 0, 'a',  0, '>',  0};

    trace_to(path, sizeof(path), "bodies");
    wsm_trace_body("s7/c1", '>', "request body", "<a>\r\n  <b>é</b>\r\n\r\n</a>",
                   strlen("<a>\r\n  <b>é</b>\r\n\r\n</a>"));
    wsm_trace_body("s7/c1", '<', "reply body", binary, sizeof(binary) - 1);
    wsm_trace_body("s7/c1", '<', "reply body", utf16, sizeof(utf16));
    wsm_trace_body("s7/c1", '<', "empty body", "", 0);
    ok(WSManAutoSetTrace(NULL) == 0, "off");
    trace = read_all(path);
    int lines = 0;
    ok(well_formed(trace, &lines), "bodies: well formed");
    ok(contains(trace, " s7/c1 > [request body: 24 bytes]\n") && contains(trace, " > <a>\n") &&
           contains(trace, " >   <b>é</b>\n") && contains(trace, " > \n") && contains(trace, " > </a>\n"),
       "a text body line by line: %s", trace);
    ok(contains(trace, " < \tContent-Type: application/octet-stream\n") &&
           contains(trace, " < [42 bytes of binary data]\n") && !contains(trace, "YII"),
       "binary lines summarised, nothing of them shown: %s", trace);
    ok(contains(trace, "[reply body: 24 bytes, UTF-16LE shown as UTF-8]\n") && contains(trace, " < <a>é\n") &&
           contains(trace, " < \xf0\x9f\x98\x80</a>\n"),
       "UTF-16 with a BOM as UTF-8: %s", trace);
    ok(!contains(trace, "empty body"), "an empty body writes nothing");
    free(trace);
}

/* ---- concurrent sessions write whole records ---- */

struct worker {
    IWSManSession *s;
    int failures;
};

static void *work(void *arg)
{
    struct worker *w = arg;
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    for (int i = 0; i < 15; i++) {
        HRESULT hr;
        char *r = session_get(w->s, SPOOLER, &hr);
        w->failures += hr != S_OK;
        free(r);
    }
    CoUninitialize();
    return NULL;
}

static void test_concurrent(void)
{
    static const char *const args[] = {"--auth", "basic", NULL};
    struct test_server srv;
    struct worker w[3] = {{0}};
    pthread_t th[3];
    char path[300], *trace;
    int lines = 0;

    if (start(&srv, args, "concurrent"))
        return;
    use_config("[Client]\nAllowUnencrypted = true\n");
    trace_to(path, sizeof(path), "concurrent");
    for (int i = 0; i < 3; i++)
        w[i].s = session(srv.url, BASIC_HTTP, "wsmuser", "wsmpass", NULL);
    for (int i = 0; i < 3; i++)
        pthread_create(&th[i], NULL, work, &w[i]);
    for (int i = 0; i < 3; i++) {
        pthread_join(th[i], NULL);
        ok(w[i].failures == 0, "worker %d: %d failures", i, w[i].failures);
        if (w[i].s)
            IWSManSession_Release(w[i].s);
    }
    ok(WSManAutoSetTrace(NULL) == 0, "off");
    trace = read_all(path);
    ok(well_formed(trace, &lines), "concurrent sessions: every one of %d lines whole", lines);
    ok(count(trace, " < HTTP/1.1 200 OK\n") == 45 && count(trace, " > POST /wsman HTTP/1.1\n") == 45,
       "45 exchanges: %d requests, %d replies", count(trace, " > POST /wsman HTTP/1.1\n"),
       count(trace, " < HTTP/1.1 200 OK\n"));
    ok(count(trace, " < [reply body: ") == 45, "45 reply bodies, each one record");
    free(trace);
    test_server_stop(&srv);
}

/* ---- Negotiate, Kerberos, NTLM (the test realm) ---- */

static void gss_case(const char *what, const char *file, const char *url, LONG flags, const char *user,
                     const char *password, const char *tokens, int encrypted, const char *const *expect)
{
    char path[300], *trace;
    IWSManSession *s;

    trace_to(path, sizeof(path), file);
    s = session(url, flags, user, password, NULL);
    operations(s, what);
    if (s)
        IWSManSession_Release(s);
    trace = read_all(path);
    check_exchanges(__LINE__, trace, what, encrypted);
    for (const char *const *e = expect; *e; e++)
        ok(contains(trace, *e), "%s: no \"%s\"", what, *e);
    ok_no_secrets(trace, tokens, what);
    free(trace);
}

static void test_gss_schemes(void)
{
    char tokens[300], cert[400], key[400], http_args_tokens[300], url[400];
    const char *http_args[] = {"--auth", "negotiate,kerberos,basic", "--token-log", http_args_tokens, NULL};
    const char *https_args[] = {"--auth",        "negotiate,kerberos,basic",
                                "--tls-cert",    cert,
                                "--tls-key",     key,
                                "--require-cbt", "--token-log",
                                tokens,          NULL};
    struct test_server http, https;
    static const char *const negotiate_krb[] = {" > Authorization: Negotiate [hidden]\n",
                                                " < WWW-Authenticate: Negotiate [hidden]\n",
                                                " * Negotiate handshake with http://localhost:", NULL};
    static const char *const negotiate_ntlm[] = {" > Authorization: Negotiate [hidden]\n",
                                                 " < HTTP/1.1 401 Unauthorized\n",
                                                 " < WWW-Authenticate: Negotiate [hidden]\n",
                                                 " * Negotiate handshake with http://127.0.0.1:",
                                                 ", leg 2\n",
                                                 NULL};
    static const char *const kerberos[] = {" > Authorization: Kerberos [hidden]\n",
                                           " < WWW-Authenticate: Kerberos [hidden]\n",
                                           " * Kerberos handshake with http://localhost:", NULL};
    static const char *const kerberos_https[] = {" > Authorization: Kerberos [hidden]\n",
                                                 " * Kerberos handshake with https://localhost:", NULL};
    static const char *const ntlm_https[] = {" > Authorization: Negotiate [hidden]\n", ", leg 2\n", NULL};

    snprintf(http_args_tokens, sizeof(http_args_tokens), "%s/gss-http.tokens", tmpdir);
    snprintf(tokens, sizeof(tokens), "%s/gss-https.tokens", tmpdir);
    snprintf(cert, sizeof(cert), "%s/server.pem", certs);
    snprintf(key, sizeof(key), "%s/server.key", certs);
    snprintf(url, sizeof(url), "[Client]\nCAFile = %s/ca.pem\n", certs);
    use_config(url);
    if (start(&http, http_args, "gss http"))
        return;
    if (start(&https, https_args, "gss https")) {
        test_server_stop(&http);
        return;
    }
    snprintf(url, sizeof(url), "http://localhost:%u/wsman", http.port);
    gss_case("negotiate/krb5", "gss-negotiate-krb5", url, NEGOTIATE, KRB_USER, GSS_PASSWORD, http_args_tokens,
             1, negotiate_krb);
    gss_case("kerberos", "gss-kerberos", url, KERBEROS, KRB_USER, GSS_PASSWORD, http_args_tokens, 1,
             kerberos);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/wsman", http.port);
    gss_case("negotiate/ntlm", "gss-negotiate-ntlm", url, NEGOTIATE, NTLM_USER, GSS_PASSWORD,
             http_args_tokens, 1, negotiate_ntlm);
    /* NTLM with a wrong password: the refused legs are traced, no token or password. */
    {
        char path[300], *trace;
        IWSManSession *s;
        HRESULT hr;
        trace_to(path, sizeof(path), "gss-ntlm-wrong");
        s = session(url, NEGOTIATE, NTLM_USER, "wrong-pw-9", NULL);
        char *r = s ? session_get(s, SPOOLER, &hr) : NULL;
        ok(s && hr == E_ACCESSDENIED, "ntlm wrong password: 0x%08x", (unsigned)hr);
        free(r);
        if (s)
            IWSManSession_Release(s);
        trace = read_all(path);
        ok(count(trace, " < HTTP/1.1 401 Unauthorized\n") >= 2, "ntlm wrong password: the 401s are traced");
        ok_no_secrets(trace, http_args_tokens, "ntlm wrong password");
        free(trace);
    }
    snprintf(url, sizeof(url), "https://localhost:%u/wsman", https.port);
    gss_case("kerberos https", "gss-kerberos-https", url, KERBEROS, KRB_USER, GSS_PASSWORD, tokens, 0,
             kerberos_https);
    snprintf(url, sizeof(url), "https://127.0.0.1:%u/wsman", https.port);
    gss_case("negotiate/ntlm https", "gss-ntlm-https", url, NEGOTIATE, NTLM_USER, GSS_PASSWORD, tokens, 0,
             ntlm_https);
    test_server_stop(&https);
    test_server_stop(&http);
}

int main(int argc, char **argv)
{
    char cmd[800], env_trace[300];
    int gss = argc > 1 && !strcmp(argv[1], "gss");
    HRESULT hr;

    if (gss && (!getenv("WSM_KDC_DIR") || !getenv("KRB5_KTNAME") || !getenv("NTLM_USER_FILE"))) {
        fprintf(stderr, "test_trace gss needs the test realm's environment (run it through ctest)\n");
        return 1;
    }
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/wsmauto-trace-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 1;
    snprintf(certs, sizeof(certs), "%s/certs", tmpdir);
    snprintf(cmd, sizeof(cmd), "sh '%s/tests/tls/make-certs.sh' '%s' >/dev/null 2>&1", WSMAUTO_SOURCE_DIR,
             certs);
    ok(system(cmd) == 0, "test certificates");
    /* Nothing from the real user's configuration, certificates or tickets. */
    setenv("XDG_CONFIG_HOME", tmpdir, 1);
    if (gss)
        unsetenv("KRB5CCNAME");
    /* Read when the first session connects. */
    snprintf(env_trace, sizeof(env_trace), "%s/env.trace", tmpdir);
    setenv("WSMAUTO_TRACE", env_trace, 1);

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    hr = CoCreateInstance(&CLSID_WSMan, NULL, CLSCTX_INPROC_SERVER, &IID_IWSManEx3, (void **)&wsman);
    ok_hr(S_OK, hr);
    if (SUCCEEDED(hr)) {
        if (gss) {
            test_gss_schemes();
        } else {
            test_environment_variable(env_trace);
            test_https();
            test_set_trace();
            test_header_text();
            test_bodies();
            test_concurrent();
        }
        IWSManEx3_Release(wsman);
    }
    CoUninitialize();
    WSManAutoSetTrace(NULL);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return test_summary(gss ? "trace_gss" : "trace");
}
