/*
 * wsmanctl: a winrm-compatible command-line client of WS-Management, built
 * on the public WSMAN.Automation API (libwsmauto) as Windows' winrm is built
 * on WSMAuto.dll. Adds what winrm lacks: one operation against many hosts at
 * once, and remote commands (exec) through the Windows cmd shell resource.
 *
 * Exit status: 0 success; 1 the operation failed (on any host); 2 a usage
 * or input error (nothing was sent); exec: the remote command's exit code;
 * 128 + N after signal N (130 SIGINT, 143 SIGTERM).
 *
 * SIGINT/SIGTERM: the first one cancels every request in flight at once
 * (WSManAutoCancelRequests, async-signal-safe) and the operation ends as
 * interrupted, on every host; exec then stops the remote command and deletes
 * its shell with requests of their own. A watchdog thread makes sure the
 * program is gone within STOP_GRACE_MS (EXEC_STOP_GRACE_MS for exec) of the
 * signal whatever happens. A second signal ends the program at once.
 *
 * SPDX-License-Identifier: MIT
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "comedge.h"
#include "args.h"
#include "input.h"
#include "format.h"
#include "exec.h"
#include "names.h"
#include "strutil.h"
#include "wsmauto_cancel.h"
#include "wsmauto_enum.h"
#include "wsmauto_trace.h"
#include "secure_env.h"

#define USAGE_HINT "Type 'wsmanctl --help' (or 'wsmanctl help <operation>') for usage.\n"

/* After the first SIGINT/SIGTERM: the longest the program lives on (exec: with its clean-up requests). */
#define STOP_GRACE_MS 900
#define EXEC_STOP_GRACE_MS 1900
/* Until then the watchdog cancels again this often (not for exec, whose clean-up requests must go out):
 * requests that started after the first cancellation (an enumeration's Release, the next leg of a
 * handshake) stop too. */
#define RECANCEL_MS 100

/* The signal number once SIGINT/SIGTERM came (0 before): exec stops its remote command, enumerations stop
 * reading, no further host is started. */
static volatile int stop_requested;
/* Posted by the signal handler: wakes the watchdog. */
static sem_t stop_sem;
static struct sigaction default_action; /* SIG_DFL */
static enum cli_op watchdog_op;         /* the operation, for the watchdog (set before it starts) */

static void on_signal(int sig)
{
    int saved = errno;

    /* A second SIGINT or SIGTERM ends the program at once. */
    sigaction(SIGINT, &default_action, NULL);
    sigaction(SIGTERM, &default_action, NULL);
    if (!stop_requested) {
        stop_requested = sig;
        /* The requests in flight fail with E_ABORT within about 100 ms. */
        WSManAutoCancelRequests();
        sem_post(&stop_sem);
    }
    errno = saved;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

/* Waits for the first signal; then makes sure the program ends within the grace time even if a request
 * escaped the cancellation. */
static void *watchdog(void *arg)
{
    static const char msg[] = "wsmanctl: interrupted; not waiting any longer for the requests in flight\n";
    int is_exec = *(const enum cli_op *)arg == CLI_OP_EXEC;
    long waited = 0, grace = is_exec ? EXEC_STOP_GRACE_MS : STOP_GRACE_MS;

    while (sem_wait(&stop_sem) && errno == EINTR)
        ;
    if (is_exec) {
        sleep_ms(grace);
    } else {
        for (; waited + RECANCEL_MS <= grace; waited += RECANCEL_MS) {
            sleep_ms(RECANCEL_MS);
            WSManAutoCancelRequests();
        }
        sleep_ms(grace - waited);
    }
    if (write(STDERR_FILENO, msg, sizeof(msg) - 1) < 0) {
        /* nothing more to do */
    }
    _exit(128 + stop_requested);
    return NULL;
}

/* What one host's run needs. */
struct job {
    const struct cli_opts *opts;
    const char *remote;     /* as given to -r: */
    int progress;           /* print the enumeration progress line on stderr */
    int progress_on_stdout; /* stdout is the same terminal: clear the line before each item */
    FILE *out, *err;        /* where this host's output goes */
    int status;             /* CLI_EXIT_* or the remote exit code */
    char *out_buf, *err_buf;
    size_t out_len, err_len;
};

/* "Get", "Enumerate", ...: the operation's name (args.c's table) as the error lines spell it. */
static const char *op_label(enum cli_op op, char *buf, size_t size)
{
    snprintf(buf, size, "%s", cli_op_name(op));
    buf[0] = (char)wsm_ascii_upper((unsigned char)buf[0]);
    return buf;
}

/* "wsmanctl: Get failed: TEXT (0x80338xxx)"; with -format:xml or pretty the fault XML follows, so that
 * scripts get the whole WSManFault. */
static int report(struct job *j, const char *what, const struct cli_failure *f)
{
    char *line;

    if (stop_requested && (f->hr == E_ABORT || f->hr == HRESULT_FROM_WIN32(ERROR_CANCELLED))) {
        /* The signal cancelled it: no error text of the library's. */
        fprintf(j->err, "wsmanctl: %s interrupted (%s).\n", what,
                stop_requested == SIGTERM ? "SIGTERM" : "SIGINT");
        return CLI_EXIT_FAILED;
    }
    line = cli_failure_line(f);

    fprintf(j->err, "wsmanctl: %s failed: %s\n", what, line ? line : "out of memory");
    free(line);
    if (f->fault_xml && j->opts->format != CLI_FORMAT_TEXT)
        cli_format_reply(j->err, f->fault_xml, strlen(f->fault_xml), j->opts->format, NULL);
    return CLI_EXIT_FAILED;
}

static int report_oom(struct job *j, const char *what, struct cli_failure *f)
{
    cli_failure_text(f, E_OUTOFMEMORY, "Out of memory.");
    return report(j, what, f);
}

/* Prints one reply body in the chosen format; raw when it does not parse. */
static void print_reply(struct job *j, const char *xml)
{
    char *why = NULL;

    if (!xml || !*xml)
        return;
    if (cli_format_reply(j->out, xml, strlen(xml), j->opts->format, &why) && !ferror(j->out)) {
        /* Not XML after all: show it as it came rather than nothing. */
        fputs(xml, j->out);
        if (xml[strlen(xml) - 1] != '\n')
            fputc('\n', j->out);
        free(why);
    }
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long enumeration_flags(const struct cli_opts *o)
{
    long flags = 0;

    switch (o->return_type) {
    case CLI_RETURN_OBJECT:
        flags |= WSManFlagReturnObject;
        break;
    case CLI_RETURN_EPR:
        flags |= WSManFlagReturnEPR;
        break;
    case CLI_RETURN_OBJECT_AND_EPR:
        flags |= WSManFlagReturnObjectAndEPR;
        break;
    }
    if (o->shallow)
        flags |= WSManFlagHierarchyShallow;
    if (o->base_properties_only)
        flags |= WSManFlagHierarchyDeepBasePropsOnly;
    if (o->associations)
        flags |= WSManFlagAssociationInstance;
    /* The text format is laid out by the library from the reply it parsed, not parsed again here. */
    if (o->format == CLI_FORMAT_TEXT)
        flags |= WSManAutoFlagEnumerationText;
    return flags;
}

static int run_enumerate(struct job *j, IWSManSession *s, IWSManResourceLocator *loc, struct cli_failure *f)
{
    const struct cli_opts *o = j->opts;
    const char *dialect = o->dialect;
    BSTR filter = NULL, dial = NULL, item = NULL;
    IDispatch *disp = NULL;
    IWSManEnumerator *en = NULL;
    VARIANT_BOOL eos = VARIANT_FALSE;
    unsigned long items = 0;
    double start = now_seconds(), shown = start;
    int status = CLI_EXIT_OK, line_shown = 0;
    HRESULT hr;

    /* winrm's default filter dialect is WQL. */
    if (o->filter && !dialect)
        dialect = WSM_DIALECT_WQL;
    if (!(filter = cli_bstr_from_utf8(o->filter ? o->filter : "")) ||
        !(dial = cli_bstr_from_utf8(dialect ? dialect : ""))) {
        status = report_oom(j, "Enumerate", f);
        goto done;
    }
    hr = IWSManSession_Enumerate(s, cli_locator_variant(loc), filter, dial, enumeration_flags(o), &disp);
    if (FAILED(hr)) {
        cli_failure_set(f, hr, (IUnknown *)s);
        status = report(j, "Enumerate", f);
        goto done;
    }
    if (FAILED(hr = IDispatch_QueryInterface(disp, &IID_IWSManEnumerator, (void **)&en))) {
        cli_failure_set(f, hr, NULL);
        status = report(j, "Enumerate", f);
        goto done;
    }
    for (;;) {
        char *xml;

        if (FAILED(hr = IWSManEnumerator_get_AtEndOfStream(en, &eos))) {
            cli_failure_set(f, hr, (IUnknown *)en);
            status = report(j, "Enumerate", f);
            break;
        }
        if (eos)
            break;
        if (stop_requested) {
            cli_failure_text(f, HRESULT_FROM_WIN32(ERROR_CANCELLED), "Interrupted.");
            status = report(j, "Enumerate", f);
            break;
        }
        if (FAILED(hr = IWSManEnumerator_ReadItem(en, &item))) {
            cli_failure_set(f, hr, (IUnknown *)en);
            status = report(j, "Enumerate", f);
            break;
        }
        xml = cli_utf8_from_olestr(item);
        SysFreeString(item);
        item = NULL;
        if (!xml) {
            status = report_oom(j, "Enumerate", f);
            break;
        }
        if (line_shown && j->progress_on_stdout) { /* the item goes where the progress line was */
            fputs("\r\033[K", stderr);
            line_shown = 0;
        }
        if (o->format == CLI_FORMAT_TEXT)
            fputs(xml, j->out); /* laid out already (WSManAutoFlagEnumerationText) */
        else
            print_reply(j, xml);
        free(xml);
        items++;
        if (j->progress) {
            double t = now_seconds();
            if (items == 1 || t - shown >= 0.25) {
                shown = t;
                fflush(j->out);
                fprintf(stderr, "\r\033[K%lu items, %.0f items/s", items,
                        t > start ? (double)items / (t - start) : 0.0);
                fflush(stderr);
                line_shown = 1;
            }
        }
    }
    if (line_shown)
        fputs("\r\033[K", stderr);
done:
    SysFreeString(filter);
    SysFreeString(dial);
    if (en)
        IWSManEnumerator_Release(en);
    if (disp)
        IDispatch_Release(disp);
    return status;
}

/* The body for create/invoke/set from -file: or @{...}. */
static int input_body(struct job *j, const char *root, const char *ns, char **xml)
{
    char *why = NULL;

    *xml = NULL;
    if (j->opts->input_xml) {
        if (!(*xml = strdup(j->opts->input_xml)))
            return -1;
        return 0;
    }
    if (cli_build_body(j->opts->input, root, ns, xml, &why)) {
        fprintf(j->err, "wsmanctl: %s\n", why ? why : "out of memory");
        free(why);
        return -1;
    }
    return 0;
}

/* set: Get, change the named properties, Put (as winrm does); -file: puts the file as it is. */
static int run_set(struct job *j, IWSManSession *s, IWSManResourceLocator *loc, struct cli_failure *f)
{
    char *current = NULL, *changed = NULL, *result = NULL, *why = NULL;
    int status = CLI_EXIT_OK;

    if (j->opts->input_xml) {
        if (!(changed = strdup(j->opts->input_xml)))
            return report_oom(j, "Set", f);
    } else {
        if (FAILED(cli_session_get(s, loc, 0, &current, f)))
            return report(j, "Set (reading the current values)", f);
        if (cli_apply_props(current, j->opts->input, &changed, &why)) {
            fprintf(j->err, "wsmanctl: %s\n", why ? why : "out of memory");
            free(why);
            free(current);
            return CLI_EXIT_FAILED;
        }
    }
    if (FAILED(cli_session_put(s, loc, changed, &result, f)))
        status = report(j, "Set", f);
    else
        print_reply(j, result);
    free(current);
    free(changed);
    free(result);
    return status;
}

/* Runs the operation against one host. */
/* create and invoke: the body from -file or @{...} under its root element (the class's for create,
 * ACTION_INPUT for invoke), sent; the reply printed. */
static int run_send(struct job *j, IWSManSession *s, IWSManResourceLocator *loc, struct cli_failure *f)
{
    int create = j->opts->op == CLI_OP_CREATE, status = CLI_EXIT_OK;
    char *uri = cli_locator_uri(loc), *root = NULL, *body = NULL, *result = NULL;

    if (uri && !create && asprintf(&root, "%s_INPUT", j->opts->action) < 0)
        root = NULL;
    else if (uri && create)
        root = cli_class_name(uri);
    if (!uri || !root) {
        fprintf(j->err, "wsmanctl: out of memory\n");
        status = CLI_EXIT_FAILED;
    } else if (input_body(j, root, uri, &body)) {
        status = CLI_EXIT_FAILED;
    } else if (FAILED(create ? cli_session_create(s, loc, body, &result, f)
                             : cli_session_invoke(s, j->opts->action, loc, body, &result, f))) {
        status = report(j, create ? "Create" : "Invoke", f);
    } else {
        print_reply(j, result);
    }
    free(result);
    free(body);
    free(root);
    free(uri);
    return status;
}

static int run_identify(struct job *j, IWSManSession *s, struct cli_failure *f)
{
    BSTR out = NULL;
    char *result = NULL;
    int status = CLI_EXIT_OK;
    HRESULT hr;

    if (FAILED(hr = IWSManSession_Identify(s, 0, &out))) {
        cli_failure_set(f, hr, (IUnknown *)s);
        status = report(j, "Identify", f);
    } else if (!(result = cli_utf8_from_olestr(out))) {
        fprintf(j->err, "wsmanctl: out of memory\n");
        status = CLI_EXIT_FAILED;
    } else {
        print_reply(j, result);
    }
    free(result);
    SysFreeString(out);
    return status;
}

/* The operation on an open session (and the locator of its resource, when it has one). */
static int run_operation(struct job *j, IWSManEx3 *wsman, IWSManSession *s, IWSManResourceLocator *loc,
                         struct cli_failure *f)
{
    const struct cli_opts *o = j->opts;
    char *result = NULL;
    int status = CLI_EXIT_OK, remote_exit = 0;

    switch (o->op) {
    case CLI_OP_GET:
        if (FAILED(cli_session_get(s, loc, 0, &result, f)))
            status = report(j, "Get", f);
        else
            print_reply(j, result);
        free(result);
        return status;
    case CLI_OP_SET:
        return run_set(j, s, loc, f);
    case CLI_OP_CREATE:
    case CLI_OP_INVOKE:
        return run_send(j, s, loc, f);
    case CLI_OP_DELETE:
        return FAILED(cli_session_delete(s, loc, f)) ? report(j, "Delete", f) : CLI_EXIT_OK;
    case CLI_OP_ENUMERATE:
        return run_enumerate(j, s, loc, f);
    case CLI_OP_IDENTIFY:
        return run_identify(j, s, f);
    case CLI_OP_EXEC:
        if (FAILED(cli_exec(wsman, s, o->exec_argv, o->exec_argc, j->out, j->err, &stop_requested,
                            &remote_exit, f)))
            return report(j, "Exec", f);
        return remote_exit < 0 || remote_exit > 255 ? 255 : remote_exit;
    case CLI_OP_HELPMSG:
    case CLI_OP_NONE:
        break;
    }
    return CLI_EXIT_OK;
}

static int run_job(struct job *j)
{
    const struct cli_opts *o = j->opts;
    struct cli_failure f = {0};
    IWSManEx3 *wsman = NULL;
    IWSManSession *s = NULL;
    IWSManResourceLocator *loc = NULL;
    int status;

    if (stop_requested) /* interrupted before this host's turn: nothing is sent */
        return CLI_EXIT_FAILED;
    if (FAILED(cli_wsman_create(&wsman, &f)) || FAILED(cli_session_open(wsman, o, j->remote, &s, &f))) {
        status = report(j, "Connecting", &f);
    } else if (o->resource && FAILED(cli_locator_create(wsman, o, o->resource, &loc, &f))) {
        char label[32];
        status = report(j, op_label(o->op, label, sizeof(label)), &f);
    } else {
        status = run_operation(j, wsman, s, loc, &f);
    }
    fflush(j->out);
    fflush(j->err);
    cli_failure_clear(&f);
    if (loc)
        IWSManResourceLocator_Release(loc);
    if (s)
        IWSManSession_Release(s);
    if (wsman)
        IWSManEx3_Release(wsman);
    return status;
}

/* helpmsg CODE: the text GetErrorMessage gives for the code (args.c has parsed it: decimal, 0x hex, or
 * negative as a Long). */
static int run_helpmsg(const struct cli_opts *o)
{
    struct cli_failure f = {0};
    IWSManEx3 *wsman = NULL;
    char *msg = NULL, *line;
    const char *shown;
    BSTR out = NULL;
    HRESULT hr;

    if (SUCCEEDED(hr = cli_wsman_create(&wsman, &f))) {
        if (FAILED(hr = IWSManEx3_GetErrorMessage(wsman, (DWORD)o->helpmsg_value, &out)))
            cli_failure_set(&f, hr, (IUnknown *)wsman);
        else if (!(msg = cli_utf8_from_olestr(out)))
            hr = cli_failure_text(&f, E_OUTOFMEMORY, "Out of memory.");
        SysFreeString(out);
        IWSManEx3_Release(wsman);
    }
    if (FAILED(hr)) {
        line = cli_failure_line(&f);
        fprintf(stderr, "wsmanctl: helpmsg failed: %s\n", line ? line : "out of memory");
        free(line);
        cli_failure_clear(&f);
        return CLI_EXIT_FAILED;
    }
    /* The message in the CLI's words: switches, not the API's flag names. */
    line = cli_words((HRESULT)o->helpmsg_value, msg);
    shown = line ? line : msg;
    fputs(shown, stdout);
    if (!*shown || shown[strlen(shown) - 1] != '\n')
        fputc('\n', stdout);
    free(line);
    free(msg);
    return CLI_EXIT_OK;
}

/* ---- many hosts ---- */

/* The open-file limit after fit_open_file_limit (0: unknown or unlimited), and how many workers fit in it. */
static unsigned long long fd_limit;
static size_t workers_fit = SIZE_MAX;

/* Descriptors open now: /proc/self/fd's entries but the one reading it; 3 when that cannot be read. */
static unsigned long long open_descriptors(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    unsigned long long n = 0;

    if (!d)
        return 3;
    while ((e = readdir(d)))
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n ? n - 1 : 0;
}

/* At start: the soft open-file limit goes up to the hard one (quietly left as it is when that is refused),
 * and the worker pool is sized to what then fits (args.h: CLI_FDS_PER_WORKER, CLI_FD_RESERVE). Each worker
 * holds a connection and libcurl's own descriptors; a pool that outgrows the limit makes hosts fail with
 * "Too many open files" for no fault of theirs. */
static void fit_open_file_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl))
        return;
    if (rl.rlim_cur != rl.rlim_max) {
        struct rlimit raised = rl;
        raised.rlim_cur = rl.rlim_max;
        if (!setrlimit(RLIMIT_NOFILE, &raised))
            rl = raised;
    }
    if (rl.rlim_cur == RLIM_INFINITY)
        return;
    fd_limit = (unsigned long long)rl.rlim_cur;
    workers_fit = cli_workers_for_fd_limit(fd_limit, open_descriptors());
}

struct pool {
    struct job *jobs;
    size_t count, next, done, failed;
    int prefix;
    pthread_mutex_t lock;
};

/* Writes a host's buffered text with every line prefixed "HOST: ". */
static void print_prefixed(FILE *to, const char *host, const char *text, size_t len)
{
    size_t i = 0;

    while (i < len) {
        const char *nl = memchr(text + i, '\n', len - i);
        size_t n = nl ? (size_t)(nl - (text + i)) : len - i;
        fprintf(to, "%s: %.*s\n", host, (int)n, text + i);
        i += n + (nl ? 1 : 0);
    }
}

static void *worker(void *arg)
{
    struct pool *p = arg;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    for (;;) {
        struct job *j;

        pthread_mutex_lock(&p->lock);
        if (p->next == p->count || stop_requested) {
            pthread_mutex_unlock(&p->lock);
            break;
        }
        j = &p->jobs[p->next++];
        pthread_mutex_unlock(&p->lock);

        j->out = open_memstream(&j->out_buf, &j->out_len);
        j->err = open_memstream(&j->err_buf, &j->err_len);
        if (!j->out || !j->err) {
            if (j->out)
                fclose(j->out);
            if (j->err)
                fclose(j->err);
            j->out = j->err = NULL;
            j->status = CLI_EXIT_FAILED;
            j->err_buf = strdup("wsmanctl: out of memory\n");
            j->err_len = j->err_buf ? strlen(j->err_buf) : 0;
        } else {
            j->status = run_job(j);
            fclose(j->out);
            fclose(j->err);
        }
        /* Each host's output comes out whole, as soon as the host is done. */
        pthread_mutex_lock(&p->lock);
        if (p->prefix) {
            print_prefixed(stdout, j->remote ? j->remote : "localhost", j->out_buf, j->out_len);
            fflush(stdout);
            print_prefixed(stderr, j->remote ? j->remote : "localhost", j->err_buf, j->err_len);
        } else {
            fwrite(j->out_buf, 1, j->out_len, stdout);
            fflush(stdout);
            fwrite(j->err_buf, 1, j->err_len, stderr);
        }
        fflush(stderr);
        p->done++;
        if (j->status)
            p->failed++;
        pthread_mutex_unlock(&p->lock);
        free(j->out_buf);
        free(j->err_buf);
        j->out_buf = j->err_buf = NULL;
    }
    CoUninitialize();
    return NULL;
}

static int run_many(const struct cli_opts *o)
{
    struct pool p = {0};
    size_t nthreads = o->remote_count < (size_t)o->concurrency ? o->remote_count : (size_t)o->concurrency;
    pthread_t *threads;
    size_t started = 0, never_run;
    int status;

    if (nthreads > workers_fit) {
        if (!o->quiet)
            fprintf(stderr, "wsmanctl: -concurrency %d lowered to %zu to fit the open-file limit (%llu)\n",
                    o->concurrency, workers_fit, fd_limit);
        nthreads = workers_fit;
    }
    threads = calloc(nthreads, sizeof(*threads));

    p.jobs = calloc(o->remote_count, sizeof(*p.jobs));
    if (!threads || !p.jobs) {
        free(threads);
        free(p.jobs);
        fprintf(stderr, "wsmanctl: out of memory\n");
        return CLI_EXIT_FAILED;
    }
    p.count = o->remote_count;
    p.prefix = 1;
    pthread_mutex_init(&p.lock, NULL);
    for (size_t i = 0; i < p.count; i++) {
        p.jobs[i].opts = o;
        p.jobs[i].remote = o->remotes[i];
    }
    for (size_t i = 0; i < nthreads; i++) {
        if (pthread_create(&threads[i], NULL, worker, &p))
            break;
        started++;
    }
    if (!started) {
        fprintf(stderr, "wsmanctl: cannot start worker threads: %s\n", strerror(errno));
        status = CLI_EXIT_FAILED;
        goto out;
    }
    for (size_t i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    never_run = p.count - p.done;
    if (!o->quiet || p.failed || never_run)
        fprintf(stderr, "wsmanctl: %zu hosts: %zu succeeded, %zu failed%s\n", p.count, p.done - p.failed,
                p.failed + never_run, never_run ? " (interrupted before all hosts ran)" : "");
    status = p.failed || never_run ? CLI_EXIT_FAILED : CLI_EXIT_OK;
out:
    pthread_mutex_destroy(&p.lock);
    free(threads);
    free(p.jobs);
    return status;
}

/* Asks for the password on the terminal when -u was given without -p (as winrm does). */
static int need_password(struct cli_opts *o)
{
    char *pw = NULL;
    char prompt[300];

    if (!o->username || o->password_given || o->auth == CLI_AUTH_CERTIFICATE)
        return 0;
    if (!cli_stdin_is_tty()) {
        fprintf(stderr,
                "wsmanctl: -u:%s needs a password: give -p:PASSWORD, or run on a terminal to be asked for "
                "it\n" USAGE_HINT,
                o->username);
        return -1;
    }
    snprintf(prompt, sizeof(prompt), "Password for %s: ", o->username);
    if (cli_prompt_password(prompt, &pw)) {
        fprintf(stderr, "wsmanctl: no password was read\n");
        return -1;
    }
    if (!*pw && (o->auth == CLI_AUTH_BASIC || o->auth == CLI_AUTH_DIGEST || o->auth == CLI_AUTH_CREDSSP)) {
        /* The library would refuse the session: Basic, Digest and CredSSP need a password. */
        fprintf(stderr, "wsmanctl: -a:%s needs a password, but an empty one was typed\n" USAGE_HINT,
                o->auth == CLI_AUTH_BASIC    ? "Basic"
                : o->auth == CLI_AUTH_DIGEST ? "Digest"
                                             : "CredSSP");
        free(pw);
        return -1;
    }
    o->password = pw;
    o->password_given = 1;
    return 0;
}

int main(int argc, char **argv)
{
    struct cli_opts o;
    struct sigaction sa;
    pthread_t watchdog_thread;
    char *err = NULL;
    int status;

    memset(&o, 0, sizeof(o));
    if (cli_parse_args(argc, argv, &o, &err) != CLI_EXIT_OK) {
        fprintf(stderr, "wsmanctl: %s\n" USAGE_HINT, err ? err : "out of memory");
        free(err);
        return CLI_EXIT_USAGE;
    }
    if (o.help || o.op == CLI_OP_NONE) {
        cli_usage(stdout, o.op);
        cli_opts_free(&o);
        return CLI_EXIT_OK;
    }
    if (o.op == CLI_OP_HELPMSG) {
        if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED))) {
            fprintf(stderr, "wsmanctl: CoInitializeEx failed\n");
            cli_opts_free(&o);
            return CLI_EXIT_FAILED;
        }
        status = run_helpmsg(&o);
        CoUninitialize();
        cli_opts_free(&o);
        return status;
    }
    if (need_password(&o)) {
        cli_opts_free(&o);
        return CLI_EXIT_USAGE;
    }
    fit_open_file_limit();

    watchdog_op = o.op;
    memset(&default_action, 0, sizeof(default_action));
    default_action.sa_handler = SIG_DFL;
    sigemptyset(&default_action.sa_mask);
    if (sem_init(&stop_sem, 0, 0) || pthread_create(&watchdog_thread, NULL, watchdog, &watchdog_op)) {
        fprintf(stderr, "wsmanctl: cannot start the signal watchdog: %s\n", strerror(errno));
        cli_opts_free(&o);
        return CLI_EXIT_FAILED;
    }
    pthread_detach(watchdog_thread);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGINT);
    sigaddset(&sa.sa_mask, SIGTERM);
    sa.sa_flags = SA_RESTART; /* the handler itself puts SIG_DFL back: a second signal ends the program */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    /* A closed pipe (wsmanctl ... | head) must end the program quietly, not by SIGPIPE mid-request. */
    signal(SIGPIPE, SIG_IGN);

    if (o.debug) {
        /* The library's trace: to the file WSMAUTO_TRACE names, else to stderr. */
        const char *file = wsm_secure_getenv("WSMAUTO_TRACE");
        if (!file || !*file)
            file = "stderr";
        if (WSManAutoSetTrace(file)) {
            fprintf(stderr, "wsmanctl: -debug: cannot open the trace file '%s': %s\n", file, strerror(errno));
            cli_opts_free(&o);
            return CLI_EXIT_USAGE;
        }
    }
    if (FAILED(CoInitializeEx(NULL, COINIT_MULTITHREADED))) {
        fprintf(stderr, "wsmanctl: CoInitializeEx failed\n");
        cli_opts_free(&o);
        return CLI_EXIT_FAILED;
    }
    if (o.remote_count > 1) {
        status = run_many(&o);
    } else {
        struct job j = {0};
        j.opts = &o;
        /* No -r: this machine, through localhost (winrm's local session; ours would refuse Identify and
         * credentials). */
        j.remote = o.remote_count ? o.remotes[0] : "localhost";
        j.out = stdout;
        j.err = stderr;
        j.progress = o.op == CLI_OP_ENUMERATE && !o.quiet && !o.debug && isatty(STDERR_FILENO);
        j.progress_on_stdout = isatty(STDOUT_FILENO);
        status = run_job(&j);
    }
    CoUninitialize();
    cli_opts_free(&o);
    if (stop_requested)
        status = 128 + stop_requested;
    if (fflush(stdout) || ferror(stdout)) {
        if (errno != EPIPE)
            fprintf(stderr, "wsmanctl: writing the output failed: %s\n", strerror(errno));
        return status ? status : CLI_EXIT_FAILED;
    }
    return status;
}
