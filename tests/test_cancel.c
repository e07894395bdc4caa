/*
 * WSManAutoCancelRequests (include/linux/wsmauto_cancel.h) through the public COM API: a request in flight
 * (waiting for a reply, in the TLS handshake, in a leg of the Negotiate/Kerberos handshake) fails promptly
 * with E_ABORT and a text saying it was cancelled, also when the function is called from a signal handler;
 * the session works afterwards; a request that starts after the call is not affected; one call stops the
 * requests of every thread.
 *
 * The "hole" is a listener of this test that accepts connections, reads what arrives and never answers: the
 * test knows exactly when a request is in flight. Time bounds are generous (they only turn a hang into a
 * failure); the requests themselves would wait 65 s.
 *
 * Usage: test_cancel [gss]   ("gss": the Negotiate/Kerberos cases, in the environment of tests/kdc)
 *
 * SPDX-License-Identifier: MIT
 */
#define COBJMACROS
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <windows.h>
#include <objbase.h>
#include <oleauto.h>

#include "wsmandisp.h"
#include "wsmauto_cancel.h"

#include "comutil.h"
#include "serverctl.h"
#include "test.h"

#define WINRM_SERVICE "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service?Name=WinRM"
#define SLEEP_URI "http://wsmauto.test/misbehave/sleep"
#define E_ABORT_ ((HRESULT)0x80004004u)
#define E_ABORT_CODE "Code=\"2147500036\""
#define BOUND_S 10.0 /* a cancelled request must be over well before this (it stops within about 0.1 s) */

#define PLAIN_CONFIG "[Client]\nAllowUnencrypted = true\n"
#define BASIC (WSManFlagUseBasic | WSManFlagCredUsernamePassword | WSManFlagNoEncryption)
#define BASIC_TLS                                                                                            \
    (WSManFlagUseBasic | WSManFlagCredUsernamePassword | WSManFlagSkipCACheck | WSManFlagSkipCNCheck)
#define KERBEROS (WSManFlagUseKerberos | WSManFlagCredUsernamePassword)
#define KRB_USER "alice@WSMAUTO.TEST"
#define PASSWORD "alice-pw-1"

static IWSManEx3 *wsman;
static char tmpdir[256];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

static void use_config(const char *text)
{
    char path[300];
    static int n;

    snprintf(path, sizeof(path), "%s/client%d.conf", tmpdir, n++);
    write_file(path, text);
    setenv("WSMAUTO_CLIENT_CONFIG", path, 1);
}

/* ---- the hole: accepts, reads, never answers ---- */

#define HOLE_MAX 16

struct hole {
    int fd;
    unsigned port;
    pthread_t thread;
    pthread_mutex_t lock;
    int conns[HOLE_MAX];
    int n_conns;
    int requests; /* connections that have sent something */
};

static void *hole_main(void *arg)
{
    struct hole *h = arg;

    for (;;) {
        char buf[4096];
        int c = accept(h->fd, NULL, NULL);
        if (c < 0) {
            if (errno == EINTR)
                continue;
            break; /* shut down */
        }
        pthread_mutex_lock(&h->lock);
        if (h->n_conns < HOLE_MAX)
            h->conns[h->n_conns++] = c;
        pthread_mutex_unlock(&h->lock);
        /* HTTP requests and TLS ClientHellos come at once: count the connection when its first bytes do. */
        if (recv(c, buf, sizeof(buf), 0) > 0) {
            pthread_mutex_lock(&h->lock);
            h->requests++;
            pthread_mutex_unlock(&h->lock);
        }
    }
    return NULL;
}

static int hole_start(struct hole *h)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof(sa);

    memset(h, 0, sizeof(*h));
    pthread_mutex_init(&h->lock, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if ((h->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
        bind(h->fd, (void *)&sa, sizeof(sa)) || listen(h->fd, HOLE_MAX) ||
        getsockname(h->fd, (void *)&sa, &len) || pthread_create(&h->thread, NULL, hole_main, h)) {
        ok(0, "the hole: %s", strerror(errno));
        if (h->fd >= 0)
            close(h->fd);
        return -1;
    }
    h->port = ntohs(sa.sin_port);
    return 0;
}

static int hole_requests(struct hole *h)
{
    int n;
    pthread_mutex_lock(&h->lock);
    n = h->requests;
    pthread_mutex_unlock(&h->lock);
    return n;
}

/* Waits (<= 30 s) until n requests are in flight in the hole. */
static int hole_wait(struct hole *h, int n)
{
    for (int i = 0; i < 3000; i++) {
        if (hole_requests(h) >= n)
            return 1;
        sleep_ms(10);
    }
    return 0;
}

static void hole_stop(struct hole *h)
{
    shutdown(h->fd, SHUT_RDWR);
    pthread_join(h->thread, NULL);
    close(h->fd);
    for (int i = 0; i < h->n_conns; i++)
        close(h->conns[i]);
    pthread_mutex_destroy(&h->lock);
}

/* ---- a call in a thread of its own ---- */

enum call_kind { CALL_GET, CALL_IDENTIFY };

struct call {
    IWSManSession *session;
    enum call_kind kind;
    const char *uri;
    pthread_t thread;
    HRESULT hr;
    char *error;       /* Session.Error */
    char *description; /* IErrorInfo */
    double ended;      /* now_s() when the call returned */
    atomic_int done;   /* polled by the thread that cancels (a plain int would be a data race) */
};

static void *call_main(void *arg)
{
    struct call *c = arg;
    BSTR out = NULL;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (c->kind == CALL_IDENTIFY) {
        c->hr = IWSManSession_Identify(c->session, WSManFlagUseNoAuthentication, &out);
    } else {
        VARIANT v = vstr(c->uri);
        c->hr = IWSManSession_Get(c->session, v, 0, &out);
        VariantClear(&v);
    }
    SysFreeString(out);
    c->description = error_description();
    c->error = session_error(c->session);
    c->ended = now_s();
    c->done = 1;
    CoUninitialize();
    return NULL;
}

static int call_start(struct call *c, IWSManSession *s, enum call_kind kind, const char *uri)
{
    memset(c, 0, sizeof(*c));
    c->session = s;
    c->kind = kind;
    c->uri = uri;
    if (pthread_create(&c->thread, NULL, call_main, c)) {
        ok(0, "pthread_create failed");
        return -1;
    }
    return 0;
}

static void call_join(struct call *c)
{
    pthread_join(c->thread, NULL);
}

static void call_clear(struct call *c)
{
    free(c->error);
    free(c->description);
    c->error = c->description = NULL;
}

/* The call failed with E_ABORT, said why, and ended within BOUND_S of `cancelled_at`. */
#define ok_cancelled(c, cancelled_at, what) check_cancelled(__LINE__, c, cancelled_at, what)
static void check_cancelled(int line, const struct call *c, double cancelled_at, const char *what)
{
    test_check(c->hr == E_ABORT_, __FILE__, line, "%s: expected E_ABORT, got 0x%08x (%s)", what,
               (unsigned)c->hr, c->description ? c->description : "");
    test_check(contains(c->description, "cancelled"), __FILE__, line, "%s: the error text: %s", what,
               c->description ? c->description : "(null)");
    test_check(contains(c->error, "WSManFault") && contains(c->error, E_ABORT_CODE), __FILE__, line,
               "%s: the Error property: %s", what, c->error ? c->error : "(null)");
    test_check(c->ended - cancelled_at < BOUND_S, __FILE__, line, "%s: ended %.2f s after the cancellation",
               what, c->ended - cancelled_at);
}

static IWSManSession *open_session(const char *url, LONG flags, const char *user, const char *password)
{
    IWSManSession *s = NULL;
    HRESULT hr = create_session(wsman, url, flags, user, password, NULL, &s);

    ok(hr == S_OK && s, "CreateSession(%s): 0x%08x", url, (unsigned)hr);
    return s;
}

static void ok_get_works(int line, IWSManSession *s, const char *what)
{
    HRESULT hr;
    char *r = session_get(s, WINRM_SERVICE, &hr);

    test_check(hr == S_OK && contains(r, "WinRM"), __FILE__, line, "%s: Get: 0x%08x", what, (unsigned)hr);
    free(r);
}

/* ---- the tests ---- */

static void on_sigusr1(int sig)
{
    (void)sig;
    WSManAutoCancelRequests();
}

/* A Get waiting for its reply, cancelled by a signal handler on the very thread that waits. */
static void test_waiting_for_reply(void)
{
    struct hole h;
    struct call c;
    char url[100];
    IWSManSession *s;
    double at;

    if (hole_start(&h))
        return;
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/wsman", h.port);
    if ((s = open_session(url, BASIC, "wsmuser", "wsmpass")) && !call_start(&c, s, CALL_GET, WINRM_SERVICE)) {
        ok(hole_wait(&h, 1), "the Get reached the hole");
        at = now_s();
        pthread_kill(c.thread, SIGUSR1);
        call_join(&c);
        ok_cancelled(&c, at, "Get cancelled from a signal handler");
        ok(contains(c.description, "127.0.0.1"), "the text names the host: %s", c.description);
        call_clear(&c);

        /* Unauthenticated Identify, cancelled from another thread. */
        if (!call_start(&c, s, CALL_IDENTIFY, NULL)) {
            ok(hole_wait(&h, 2), "the Identify reached the hole (on a new connection)");
            at = now_s();
            WSManAutoCancelRequests();
            call_join(&c);
            ok_cancelled(&c, at, "Identify");
            call_clear(&c);
        }
    }
    if (s)
        IWSManSession_Release(s);
    hole_stop(&h);
}

/* The TLS handshake never gets an answer: the request is cancelled while connecting. */
static void test_tls_handshake(void)
{
    struct hole h;
    struct call c;
    char url[100];
    IWSManSession *s;
    double at;

    if (hole_start(&h))
        return;
    snprintf(url, sizeof(url), "https://127.0.0.1:%u/wsman", h.port);
    if ((s = open_session(url, BASIC_TLS, "wsmuser", "wsmpass")) &&
        !call_start(&c, s, CALL_GET, WINRM_SERVICE)) {
        ok(hole_wait(&h, 1), "the ClientHello reached the hole");
        at = now_s();
        WSManAutoCancelRequests();
        call_join(&c);
        ok_cancelled(&c, at, "Get in the TLS handshake");
        call_clear(&c);
    }
    if (s)
        IWSManSession_Release(s);
    hole_stop(&h);
}

/* One call stops the requests of every thread. */
static void test_every_thread(void)
{
    struct hole h;
    struct call c[3];
    IWSManSession *s[3] = {NULL, NULL, NULL};
    char url[100];
    int started = 0;
    double at;

    if (hole_start(&h))
        return;
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/wsman", h.port);
    for (int i = 0; i < 3; i++) {
        if (!(s[i] = open_session(url, BASIC, "wsmuser", "wsmpass")) ||
            call_start(&c[i], s[i], i == 1 ? CALL_IDENTIFY : CALL_GET, WINRM_SERVICE))
            break;
        started++;
    }
    ok(hole_wait(&h, started), "%d requests reached the hole", started);
    at = now_s();
    WSManAutoCancelRequests();
    for (int i = 0; i < started; i++) {
        call_join(&c[i]);
        ok_cancelled(&c[i], at, "a request of one of three threads");
        call_clear(&c[i]);
    }
    ok(started == 3, "three calls started");
    for (int i = 0; i < 3; i++) {
        if (s[i])
            IWSManSession_Release(s[i]);
    }
    hole_stop(&h);
}

/* Against the real server: the session works before and after a cancelled request, the cancelled request's
 * connection is closed (the next request opens a new one), and a request that starts after a cancellation is
 * not affected by it. */
static void test_session_usable(const struct test_server *srv, IWSManSession *s, const char *what)
{
    struct call c;
    int conns_before;

    ok_get_works(__LINE__, s, what);
    /* Cancelled before it starts: no effect. */
    WSManAutoCancelRequests();
    ok_get_works(__LINE__, s, what);
    conns_before = test_server_connections(srv);
    if (call_start(&c, s, CALL_GET, SLEEP_URI))
        return;
    /* misbehave/sleep answers nothing for 120 s. The test cannot see when the request has reached the
     * server, so it cancels every 200 ms until the call returns (a request that starts after a cancellation
     * is not affected by it). */
    for (int i = 0; i < (int)(BOUND_S * 5) && !c.done; i++) {
        sleep_ms(200);
        if (!c.done)
            WSManAutoCancelRequests();
    }
    call_join(&c);
    ok(c.hr == E_ABORT_, "%s: Get of misbehave/sleep: expected E_ABORT, got 0x%08x (%s)", what,
       (unsigned)c.hr, c.description ? c.description : "");
    ok(contains(c.description, "cancelled"), "%s: the error text: %s", what, c.description);
    call_clear(&c);
    ok_get_works(__LINE__, s, what);
    ok_get_works(__LINE__, s, what);
    /* The request after the cancelled one came over a new connection (the server logs a request after its
     * reply, so the abandoned one shows up when the server gives up on it, which it does only later). */
    ok(test_server_connections(srv) > conns_before,
       "%s: a new connection after the cancellation (%d, was %d)", what, test_server_connections(srv),
       conns_before);
}

static void test_basic_server(void)
{
    static const char *const args[] = {"--auth", "basic", NULL};
    struct test_server srv;
    IWSManSession *s;

    if (test_server_start(&srv, args)) {
        ok(0, "the test server did not start");
        return;
    }
    if ((s = open_session(srv.url, BASIC, "wsmuser", "wsmpass"))) {
        test_session_usable(&srv, s, "Basic");
        IWSManSession_Release(s);
    }
    test_server_stop(&srv);
}

/* Negotiate/Kerberos: a leg of the handshake is cancelled (the hole never answers the first one); and an
 * encrypted session works again after a cancelled request (it authenticates again on its new connection). */
static void test_gss(void)
{
    static const char *const args[] = {"--auth", "negotiate,kerberos", NULL};
    struct test_server srv;
    struct hole h;
    struct call c;
    char url[100];
    IWSManSession *s;
    double at;

    use_config("[Client]\n");
    if (!hole_start(&h)) {
        snprintf(url, sizeof(url), "http://localhost:%u/wsman", h.port);
        if ((s = open_session(url, KERBEROS, KRB_USER, PASSWORD)) &&
            !call_start(&c, s, CALL_GET, WINRM_SERVICE)) {
            ok(hole_wait(&h, 1), "the first leg of the Kerberos handshake reached the hole");
            at = now_s();
            WSManAutoCancelRequests();
            call_join(&c);
            ok_cancelled(&c, at, "Get in the Kerberos handshake");
            ok(contains(c.description, "Kerberos"), "the text says where: %s", c.description);
            call_clear(&c);
        }
        if (s)
            IWSManSession_Release(s);
        hole_stop(&h);
    }

    if (test_server_start(&srv, args)) {
        ok(0, "the test server did not start");
        return;
    }
    snprintf(url, sizeof(url), "http://localhost:%u/wsman", srv.port);
    if ((s = open_session(url, KERBEROS, KRB_USER, PASSWORD))) {
        test_session_usable(&srv, s, "Kerberos");
        IWSManSession_Release(s);
    }
    test_server_stop(&srv);
}

int main(int argc, char **argv)
{
    struct sigaction sa;
    HRESULT hr;
    int gss = argc > 1 && !strcmp(argv[1], "gss");

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/wsmauto-cancel-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 2;
    setenv("XDG_CONFIG_HOME", tmpdir, 1);
    use_config(PLAIN_CONFIG);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sigusr1;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGUSR1, &sa, NULL);

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    hr = CoCreateInstance(&CLSID_WSMan, NULL, CLSCTX_INPROC_SERVER, &IID_IWSManEx3, (void **)&wsman);
    ok_hr(S_OK, hr);
    if (FAILED(hr))
        return test_summary("session_cancel");
    if (gss) {
        test_gss();
    } else {
        test_waiting_for_reply();
        test_tls_handshake();
        test_every_thread();
        test_basic_server();
    }
    IWSManEx3_Release(wsman);
    CoUninitialize();
    {
        char cmd[400];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    return test_summary(gss ? "session_cancel_gss" : "session_cancel");
}
