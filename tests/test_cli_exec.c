/*
 * wsmanctl exec end to end: cli_exec (src/cli/exec.c) through the public
 * COM API (CoCreateInstance, a Basic session) against the bundled test
 * server started with --allow-shell, whose cmd shell really runs the
 * commands here. Output goes to temporary files, or to a pipe read by a
 * thread when a test must see output while the command still runs.
 *
 * SPDX-License-Identifier: MIT
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base64.h"
#include "comedge.h"
#include "exec.h"
#include "names.h"
#include "wsmerror.h"

#include "serverctl.h"
#include "test.h"

/* Only as a guard against a hang: no test depends on how long anything takes. */
#define OVERALL_TIMEOUT_S 600

static IWSManEx3 *wsman;
static char tmpdir[256];

static char user[] = "wsmuser", password[] = "wsmpass";

static int contains(const char *hay, const char *needle)
{
    return hay && needle && strstr(hay, needle) != NULL;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static IWSManSession *open_session(const char *url)
{
    struct cli_opts o;
    struct cli_failure f = {0};
    IWSManSession *s = NULL;
    HRESULT hr;

    memset(&o, 0, sizeof(o));
    o.auth = CLI_AUTH_BASIC;
    o.username = user;
    o.password = password;
    o.password_given = 1;
    o.unencrypted = 1;
    o.timeout_ms = -1;
    hr = cli_session_open(wsman, &o, url, &s, &f);
    ok(hr == S_OK && s, "session to %s: 0x%08x %s", url, (unsigned)hr, f.text ? f.text : "");
    cli_failure_clear(&f);
    return s;
}

/* The whole content of a stream written by cli_exec, NUL-terminated (and its length). */
static char *slurp(FILE *fp, size_t *len_out)
{
    size_t cap = 4096, len = 0, n;
    char *buf = malloc(cap);

    rewind(fp);
    while (buf && (n = fread(buf + len, 1, cap - len - 1, fp)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *more = realloc(buf, cap * 2);
            if (!more) {
                free(buf);
                return NULL;
            }
            buf = more;
            cap *= 2;
        }
    }
    if (buf)
        buf[len] = '\0';
    if (len_out)
        *len_out = len;
    return buf;
}

struct result {
    HRESULT hr;
    int exit_code;
    char *out, *err;
    size_t out_len;
    struct cli_failure f;
};

static void result_free(struct result *r)
{
    free(r->out);
    free(r->err);
    cli_failure_clear(&r->f);
    memset(r, 0, sizeof(*r));
}

/* cli_exec of the words (NULL-terminated) with stdout and stderr in temporary files. */
static struct result run_words(IWSManSession *s, const char *const *words)
{
    struct result r;
    FILE *out = tmpfile(), *err = tmpfile();
    int argc = 0;

    memset(&r, 0, sizeof(r));
    while (words[argc])
        argc++;
    if (!out || !err) {
        ok(0, "tmpfile: %s", strerror(errno));
        r.hr = E_FAIL;
    } else {
        r.hr = cli_exec(wsman, s, (char *const *)words, argc, out, err, NULL, &r.exit_code, &r.f);
        r.out = slurp(out, &r.out_len);
        r.err = slurp(err, NULL);
    }
    if (out)
        fclose(out);
    if (err)
        fclose(err);
    return r;
}

#define RUN(s, ...) run_words(s, (const char *const[]){__VA_ARGS__, NULL})

/* Lines of the server log holding every one of the (up to three) needles. */
static int log_count(const struct test_server *srv, const char *a, const char *b, const char *c)
{
    FILE *fp;
    char *line = NULL;
    size_t cap = 0;
    int n = 0;

    test_server_log_count(srv); /* waits until the log has settled */
    if (!(fp = fopen(srv->log_path, "re")))
        return -1;
    while (getline(&line, &cap, fp) != -1) {
        /* Request lines start with conn=; the server's own errors with "error". */
        int request = !strncmp(line, "conn=", 5);
        if ((request || !strncmp(line, "error", 5)) && contains(line, a) && (!b || contains(line, b)) &&
            (!c || contains(line, c)))
            n++;
    }
    free(line);
    fclose(fp);
    return n;
}

#define SHELL_RES "resource=" WSM_URI_SHELL_CMD " "
#define CREATE_ACT "action=http://schemas.xmlsoap.org/ws/2004/09/transfer/Create "
#define DELETE_ACT "action=http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete "
#define SIGNAL_ACT "action=" WSM_ACTION_SHELL_SIGNAL " "

/* True while a (non-zombie) process of the process group exists (Linux /proc). */
static int group_alive(long pgid)
{
    DIR *proc = opendir("/proc");
    struct dirent *e;
    int alive = 0;

    while (proc && !alive && (e = readdir(proc))) {
        char path[300], buf[512], *close_paren, state;
        long ppid, pgrp;
        size_t n;
        FILE *fp;

        if (e->d_name[0] < '0' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        if (!(fp = fopen(path, "re")))
            continue;
        n = fread(buf, 1, sizeof(buf) - 1, fp);
        fclose(fp);
        buf[n] = '\0';
        /* pid (comm) state ppid pgrp ...; comm may hold anything, so parse after its last ')'. */
        if ((close_paren = strrchr(buf, ')')) &&
            sscanf(close_paren + 1, " %c %ld %ld", &state, &ppid, &pgrp) == 3 && pgrp == pgid && state != 'Z')
            alive = 1;
    }
    if (proc)
        closedir(proc);
    return alive;
}

static int wait_group_gone(long pgid)
{
    for (int i = 0; i < 400; i++) {
        if (!group_alive(pgid))
            return 1;
        sleep_ms(50);
    }
    return 0;
}

/* ---- the tests ---- */

static void test_base64(void)
{
    static const struct {
        const char *in, *out;
        long len;
    } cases[] = {
        {"", "", 0},
        {"Zg==", "f", 1},
        {"Zm8=", "fo", 2},
        {"Zm9v", "foo", 3},
        {"Zm9vYg", "foob", 4},
        {" Zm9v\r\nYmE=\n", "fooba", 5},
        {"AP8=", "\0\xff", 2},
        {"Zm9v!", NULL, -1},
        {"Z", NULL, -1},
        {"Zg==Zg==", NULL, -1},
        {"Zm9vY===", NULL, -1},
    };
    unsigned char buf[64];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        long n = wsm_base64_decode_into(cases[i].in, strlen(cases[i].in), buf, WSM_BASE64_LENIENT);
        ok(n == cases[i].len && (n < 0 || !memcmp(buf, cases[i].out, (size_t)n)), "base64 \"%s\": %ld",
           cases[i].in, n);
    }
}

static void test_basic(const struct test_server *srv, IWSManSession *s)
{
    struct result r;
    char *big;
    size_t len = 0;

    r = RUN(s, "echo", "hello");
    ok_hr(S_OK, r.hr);
    ok_str("hello\n", r.out);
    ok_str("", r.err);
    ok(r.exit_code == 0, "echo hello: exit %d (%s)", r.exit_code, r.f.text ? r.f.text : "");
    result_free(&r);

    /* The words are joined with spaces and parsed by the remote shell, as winrs does. */
    r = RUN(s, "echo", "oops", ">&2;", "exit", "7");
    ok_hr(S_OK, r.hr);
    ok_str("", r.out);
    ok_str("oops\n", r.err);
    ok(r.exit_code == 7, "exit 7: got %d", r.exit_code);
    result_free(&r);

    r = RUN(s, "echo out; echo err >&2; echo out2; exit 200");
    ok(r.hr == S_OK && r.exit_code == 200, "both streams: 0x%08x exit %d", (unsigned)r.hr, r.exit_code);
    ok_str("out\nout2\n", r.out);
    ok_str("err\n", r.err);
    result_free(&r);

    /* XML-special characters, UTF-8, a tab and a CR travel as they are. */
    r = RUN(s, "printf", "'%s\\n'", "'<&\"\xc3\xa9>'", "'a]]>b'", "'\xe2\x82\xac\t\r|'");
    ok_hr(S_OK, r.hr);
    ok_str("<&\"\xc3\xa9>\na]]>b\n\xe2\x82\xac\t\r|\n", r.out);
    result_free(&r);

    /* The remote stdin is closed: a command reading it ends. */
    r = RUN(s, "cat");
    ok(r.hr == S_OK && r.exit_code == 0 && r.out && !*r.out, "cat ends at once: 0x%08x exit %d",
       (unsigned)r.hr, r.exit_code);
    result_free(&r);

    r = RUN(s, "no-such-command-wsmauto");
    ok(r.hr == S_OK && r.exit_code == 127 && contains(r.err, "not found"),
       "a missing command: 0x%08x exit %d err %s", (unsigned)r.hr, r.exit_code, r.err ? r.err : "");
    result_free(&r);

    /* About 1.2 MB, many Receive replies: complete and in order. */
    r = RUN(s, "seq", "1", "200000");
    ok_hr(S_OK, r.hr);
    big = malloc(1400000);
    for (int i = 1; big && i <= 200000; i++)
        len += (size_t)sprintf(big + len, "%d\n", i);
    ok(big && r.out && r.out_len == len && !memcmp(r.out, big, len), "seq 1 200000: %zu bytes, want %zu",
       r.out_len, len);
    ok(r.exit_code == 0, "seq exit %d", r.exit_code);
    free(big);
    result_free(&r);

    ok(log_count(srv, CREATE_ACT, SHELL_RES, "status=200") ==
           log_count(srv, DELETE_ACT, SHELL_RES, "status=200"),
       "every shell created was deleted: %d creates, %d deletes", log_count(srv, CREATE_ACT, SHELL_RES, NULL),
       log_count(srv, DELETE_ACT, SHELL_RES, NULL));
}

/* A thread that reads a pipe into a buffer and acts when a marker shows up. */
struct reader {
    int fd;
    const char *marker;
    char buf[4096];
    size_t len;
    int seen;              /* the marker was read */
    const char *flag_path; /* created when the marker is seen (or NULL) */
    volatile int *stop;    /* set when the marker is seen (or NULL) */
    int check_group; /* the output starts with a pid: is its process group alive when the marker shows? */
    int group_was_alive;
};

static void *reader_main(void *arg)
{
    struct reader *rd = arg;
    ssize_t n;

    while ((n = read(rd->fd, rd->buf + rd->len, sizeof(rd->buf) - 1 - rd->len)) > 0) {
        rd->len += (size_t)n;
        rd->buf[rd->len] = '\0';
        if (!rd->seen && strstr(rd->buf, rd->marker)) {
            rd->seen = 1;
            if (rd->check_group)
                rd->group_was_alive = group_alive(strtol(rd->buf, NULL, 10));
            if (rd->flag_path) {
                int fd = open(rd->flag_path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
                if (fd >= 0)
                    close(fd);
            }
            if (rd->stop)
                *rd->stop = 1;
        }
        if (rd->len == sizeof(rd->buf) - 1)
            break;
    }
    return NULL;
}

/* cli_exec with stdout into a pipe that a reader thread watches. */
static HRESULT run_piped(IWSManSession *s, const char *const *words, int argc, struct reader *rd,
                         volatile const int *stop, int *exit_code, struct cli_failure *f)
{
    int fds[2];
    pthread_t thread;
    FILE *out, *err = tmpfile();
    HRESULT hr;

    if (!err || pipe(fds)) {
        ok(0, "pipe: %s", strerror(errno));
        if (err)
            fclose(err);
        return E_FAIL;
    }
    rd->fd = fds[0];
    out = fdopen(fds[1], "w");
    if (!out || pthread_create(&thread, NULL, reader_main, rd)) {
        ok(0, "fdopen/pthread_create failed");
        if (out)
            fclose(out);
        else
            close(fds[1]);
        close(fds[0]);
        fclose(err);
        return E_FAIL;
    }
    hr = cli_exec(wsman, s, (char *const *)words, argc, out, err, stop, exit_code, f);
    fclose(out); /* the reader sees end of file */
    pthread_join(thread, NULL);
    close(fds[0]);
    fclose(err);
    return hr;
}

/* Output reaches the caller while the command still runs: the command prints "second" only after a file
 * exists that the reader creates once it has read "first". Without streaming this would never finish (the
 * command gives up after about 60 s and prints "gave up" instead). */
static void test_streaming(IWSManSession *s)
{
    char flag[300], script[900];
    struct reader rd;
    struct cli_failure f = {0};
    int exit_code = -1;
    HRESULT hr;

    snprintf(flag, sizeof(flag), "%s/flag", tmpdir);
    snprintf(script, sizeof(script),
             "echo first; i=0; while [ ! -e '%s' ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; "
             "if [ -e '%s' ]; then echo second; else echo gave up; fi",
             flag, flag);
    memset(&rd, 0, sizeof(rd));
    rd.marker = "first\n";
    rd.flag_path = flag;
    {
        const char *words[] = {script};
        hr = run_piped(s, words, 1, &rd, NULL, &exit_code, &f);
    }
    ok_hr(S_OK, hr);
    ok(rd.seen, "the reader saw \"first\"");
    ok_str("first\nsecond\n", rd.buf);
    ok(exit_code == 0, "streaming exit %d", exit_code);
    cli_failure_clear(&f);
}

/* Creates a file once the server has answered a Receive with w:TimedOut (HTTP 500). */
struct watcher {
    const struct test_server *srv;
    int before; /* TimedOut Receives before the run */
    const char *flag_path;
    volatile int finished; /* the run is over: give up */
};

#define RECEIVE_ACT "action=" WSM_ACTION_SHELL_RECEIVE " "

static void *watcher_main(void *arg)
{
    struct watcher *w = arg;

    while (!w->finished) {
        if (log_count(w->srv, RECEIVE_ACT, "status=500", NULL) > w->before) {
            int fd = open(w->flag_path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
            if (fd >= 0)
                close(fd);
            break;
        }
        sleep_ms(20);
    }
    return NULL;
}

/* A quiet command: Receive answers w:TimedOut after the session's Timeout, and cli_exec asks again. The
 * command waits until the server has sent such a fault, so the path is always taken. */
static void test_poll_again(const struct test_server *srv)
{
    IWSManSession *s = open_session(srv->url);
    struct watcher w = {.srv = srv};
    char flag[300], script[900];
    pthread_t thread;
    struct result r;

    if (!s)
        return;
    ok_hr(S_OK, IWSManSession_put_Timeout(s, 500));
    snprintf(flag, sizeof(flag), "%s/timedout", tmpdir);
    snprintf(script, sizeof(script),
             "i=0; while [ ! -e '%s' ] && [ $i -lt 1200 ]; do sleep 0.05; i=$((i+1)); done; "
             "if [ -e '%s' ]; then echo late; else echo gave up; fi",
             flag, flag);
    w.before = log_count(srv, RECEIVE_ACT, "status=500", NULL);
    w.flag_path = flag;
    if (pthread_create(&thread, NULL, watcher_main, &w)) {
        ok(0, "pthread_create failed");
        IWSManSession_Release(s);
        return;
    }
    r = RUN(s, script);
    w.finished = 1;
    pthread_join(thread, NULL);
    ok_hr(S_OK, r.hr);
    ok_str("late\n", r.out);
    ok(r.exit_code == 0, "poll again: exit %d (%s)", r.exit_code, r.f.text ? r.f.text : "");
    ok(log_count(srv, RECEIVE_ACT, "status=500", NULL) > w.before, "a Receive timed out on the way");
    result_free(&r);
    IWSManSession_Release(s);
}

/* The stop flag (SIGINT in the CLI) set while the command runs: ctrl_c, terminate, Delete, cancelled. */
static void test_interrupt(const struct test_server *srv)
{
    IWSManSession *s = open_session(srv->url);
    struct reader rd;
    struct cli_failure f = {0};
    volatile int stop = 0;
    int exit_code = 123, signals, deletes;
    long pgid = 0;
    HRESULT hr;

    if (!s)
        return;
    /* A short OperationTimeout, so that the flag is looked at soon after it is set. */
    ok_hr(S_OK, IWSManSession_put_Timeout(s, 1000));
    signals = log_count(srv, SIGNAL_ACT, NULL, NULL);
    deletes = log_count(srv, DELETE_ACT, SHELL_RES, "status=200");
    memset(&rd, 0, sizeof(rd));
    rd.marker = "\n";
    rd.stop = (volatile int *)&stop;
    rd.check_group = 1;
    {
        const char *words[] = {"echo $$; sleep 100; echo not reached"};
        hr = run_piped(s, words, 1, &rd, &stop, &exit_code, &f);
    }
    ok_hr(HRESULT_FROM_WIN32(ERROR_CANCELLED), hr);
    ok_str("Interrupted.", f.text);
    ok(exit_code == -1, "no exit code after an interruption: %d", exit_code);
    ok(!contains(rd.buf, "not reached"), "the command did not finish: %s", rd.buf);
    pgid = strtol(rd.buf, NULL, 10);
    ok(pgid > 1 && rd.group_was_alive, "the command's pid %s; its group was alive while it ran", rd.buf);
    ok(log_count(srv, SIGNAL_ACT, NULL, NULL) == signals + 2, "ctrl_c and terminate were sent: %d signals",
       log_count(srv, SIGNAL_ACT, NULL, NULL) - signals);
    ok(log_count(srv, DELETE_ACT, SHELL_RES, "status=200") == deletes + 1, "the shell was deleted");
    ok(pgid > 1 && wait_group_gone(pgid), "the remote command's process group is gone");
    cli_failure_clear(&f);

    /* Set before the call: the shell is created and deleted, no command runs. */
    stop = 1;
    {
        const char *words[] = {"echo", "never"};
        FILE *out = tmpfile(), *err = tmpfile();
        hr = cli_exec(wsman, s, (char *const *)words, 2, out, err, &stop, &exit_code, &f);
        ok_hr(HRESULT_FROM_WIN32(ERROR_CANCELLED), hr);
        char *text = out ? slurp(out, NULL) : NULL;
        ok(text && !*text, "nothing ran: %s", text ? text : "(null)");
        free(text);
        if (out)
            fclose(out);
        if (err)
            fclose(err);
    }
    ok(log_count(srv, DELETE_ACT, SHELL_RES, "status=200") == deletes + 2, "that shell was deleted too");
    cli_failure_clear(&f);
    IWSManSession_Release(s);
}

/* The output cannot be written (the reading end of the pipe is gone): the remote command is stopped and the
 * shell deleted, and the call fails saying so. */
static void test_broken_pipe(const struct test_server *srv, IWSManSession *s)
{
    const char *words[] = {"echo $$; sleep 100"};
    struct cli_failure f = {0};
    int fds[2], exit_code = 0, deletes = log_count(srv, DELETE_ACT, SHELL_RES, "status=200");
    FILE *out, *err = tmpfile();
    HRESULT hr;

    if (!err || pipe(fds) || !(out = fdopen(fds[1], "w"))) {
        ok(0, "pipe/tmpfile: %s", strerror(errno));
        if (err)
            fclose(err);
        return;
    }
    close(fds[0]);
    hr = cli_exec(wsman, s, (char *const *)words, 1, out, err, NULL, &exit_code, &f);
    ok_hr(E_FAIL, hr);
    ok(contains(f.text, "Writing the command's stdout") && contains(f.text, strerror(EPIPE)),
       "broken pipe: %s", f.text ? f.text : "");
    ok(log_count(srv, DELETE_ACT, SHELL_RES, "status=200") == deletes + 1, "the shell was deleted");
    fclose(out);
    fclose(err);
    cli_failure_clear(&f);
}

static void test_bad_words(const struct test_server *srv, IWSManSession *s)
{
    struct result r;
    int before = test_server_log_count(srv);

    r = RUN(s, "echo", "\xc3(");
    ok(r.hr == E_INVALIDARG && contains(r.f.text, "Word 2") && contains(r.f.text, "UTF-8"),
       "invalid UTF-8: 0x%08x %s", (unsigned)r.hr, r.f.text ? r.f.text : "");
    result_free(&r);
    r = RUN(s, "echo", "a\x01");
    ok(r.hr == E_INVALIDARG && contains(r.f.text, "U+0001"), "control character: 0x%08x %s", (unsigned)r.hr,
       r.f.text ? r.f.text : "");
    result_free(&r);
    r = RUN(s, "");
    ok(r.hr == E_INVALIDARG && contains(r.f.text, "No command"), "empty command: %s",
       r.f.text ? r.f.text : "");
    result_free(&r);
    ok(test_server_log_count(srv) == before, "nothing was sent for bad words");
}

static void check_failure(const char *what, const struct result *r, const char *step, HRESULT expected)
{
    ok(FAILED(r->hr) && (!expected || r->hr == expected), "%s: hr 0x%08x", what, (unsigned)r->hr);
    ok(r->f.text && !strncmp(r->f.text, step, strlen(step)), "%s: text \"%s\"", what,
       r->f.text ? r->f.text : "");
    ok(r->f.hr == r->hr, "%s: f.hr 0x%08x", what, (unsigned)r->f.hr);
    ok(!contains(r->f.text, password) && !contains(r->f.fault_xml, password) &&
           !contains(r->f.text, "Authorization"),
       "%s: no secret in the failure", what);
}

static void test_failures(void)
{
    static const char *const no_shell_args[] = {"--auth", "basic", NULL};
    struct test_server srv;
    IWSManSession *s;
    struct result r;

    /* Nothing listens on port 1. */
    if ((s = open_session("http://127.0.0.1:1/wsman"))) {
        r = RUN(s, "echo", "hello");
        check_failure("refused port", &r, "Creating the shell: ", 0);
        result_free(&r);
        IWSManSession_Release(s);
    }
    /* A name that never resolves (RFC 2606). */
    if ((s = open_session("http://no-such-host.invalid:5985/wsman"))) {
        r = RUN(s, "echo", "hello");
        check_failure("unknown host", &r, "Creating the shell: ", 0);
        result_free(&r);
        IWSManSession_Release(s);
    }
    /* A server without --allow-shell refuses shells like WinRM with AllowRemoteShellAccess=false. */
    if (test_server_start(&srv, no_shell_args)) {
        ok(0, "the server without --allow-shell did not start");
        return;
    }
    if ((s = open_session(srv.url))) {
        r = RUN(s, "echo", "hello");
        check_failure("shells not allowed", &r, "Creating the shell: ", ERROR_WSMAN_REMOTESHELLS_NOT_ALLOWED);
        ok(contains(r.f.fault_xml, "WSManFault"), "the fault XML is kept: %s",
           r.f.fault_xml ? r.f.fault_xml : "(null)");
        ok(log_count(&srv, DELETE_ACT, NULL, NULL) == 0, "no Delete without a shell");
        result_free(&r);
        IWSManSession_Release(s);
    }
    test_server_stop(&srv);
}

int main(void)
{
    static const char *const args[] = {"--auth", "basic", "--allow-shell", NULL};
    struct test_server srv;
    struct cli_failure f = {0};
    char path[300];
    FILE *cfg;

    alarm(OVERALL_TIMEOUT_S);
    signal(SIGPIPE, SIG_IGN);
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/wsmauto-cli-exec-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 2;
    /* Nothing from the real user's configuration; plain HTTP with Basic allowed. */
    setenv("XDG_CONFIG_HOME", tmpdir, 1);
    snprintf(path, sizeof(path), "%s/client.conf", tmpdir);
    if (!(cfg = fopen(path, "w")))
        return 2;
    fputs("[Client]\nAllowUnencrypted = true\nNetworkDelayms = 500\n", cfg);
    fclose(cfg);
    setenv("WSMAUTO_CLIENT_CONFIG", path, 1);

    test_base64();
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    ok_hr(S_OK, cli_wsman_create(&wsman, &f));
    cli_failure_clear(&f);
    if (!wsman)
        return test_summary("cli_exec");

    if (test_server_start(&srv, args) == 0) {
        IWSManSession *s = open_session(srv.url);
        if (s) {
            test_basic(&srv, s);
            test_streaming(s);
            test_broken_pipe(&srv, s);
            test_bad_words(&srv, s);
            IWSManSession_Release(s);
        }
        test_poll_again(&srv);
        test_interrupt(&srv);
        ok(log_count(&srv, CREATE_ACT, SHELL_RES, "status=200") ==
                   log_count(&srv, DELETE_ACT, SHELL_RES, "status=200") &&
               log_count(&srv, CREATE_ACT, SHELL_RES, "status=200") > 0,
           "a Delete per Create: %d creates, %d deletes", log_count(&srv, CREATE_ACT, SHELL_RES, NULL),
           log_count(&srv, DELETE_ACT, SHELL_RES, NULL));
        ok(log_count(&srv, "error ", NULL, NULL) == 0 && log_count(&srv, "status=500", SIGNAL_ACT, NULL) == 0,
           "no server errors, no failed Signal");
        test_server_stop(&srv);
    } else {
        ok(0, "the test server did not start");
    }
    test_failures();

    IWSManEx3_Release(wsman);
    CoUninitialize();
    {
        char cmd[400];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    return test_summary("cli_exec");
}
