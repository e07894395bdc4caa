/*
 * Test helper: runs the bundled WS-Management test server and reads its log.
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "serverctl.h"

#ifndef WSMAUTO_SOURCE_DIR
#error "build with -DWSMAUTO_SOURCE_DIR=\"/path/to/the/source/tree\""
#endif

/* A guard against a server that never starts, not a measurement: generous for a loaded machine. */
#define START_TIMEOUT_MS 120000
#define STOP_TIMEOUT_MS 10000

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void remove_tree(const char *dir)
{
    if (dir[0])
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Reads "<port>\n" written (atomically, by rename) by the server; 0 while not there yet. */
static unsigned read_port(const char *path)
{
    FILE *f = fopen(path, "re");
    unsigned port = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%u", &port) != 1 || port > 65535)
        port = 0;
    fclose(f);
    return port;
}

/* Waits up to ms for the child to exit; returns 1 when it has been reaped. */
static int reap(pid_t pid, long ms)
{
    for (long waited = 0;; waited += 20) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid || (r == -1 && errno == ECHILD))
            return 1;
        if (waited >= ms)
            return 0;
        sleep_ms(20);
    }
}

int test_server_start(struct test_server *s, const char *const *args)
{
    static const char script[] = WSMAUTO_SOURCE_DIR "/tests/server/wsman_server.py";
    const char *tmp = getenv("TMPDIR");
    char port_path[300];
    size_t nargs = 0;
    int tls = 0;

    memset(s, 0, sizeof(*s));
    s->pid = -1;
    for (const char *const *a = args; a && *a; a++, nargs++) {
        if (!strcmp(*a, "--tls-cert"))
            tls = 1;
    }
    if (access(script, R_OK) != 0) {
        fprintf(stderr, "test_server_start: %s: %s\n", script, strerror(errno));
        return -1;
    }
    if (!tmp || !*tmp || strlen(tmp) > 200)
        tmp = "/tmp";
    snprintf(s->dir, sizeof(s->dir), "%s/wsmauto-server-XXXXXX", tmp);
    if (!mkdtemp(s->dir)) {
        fprintf(stderr, "test_server_start: mkdtemp %s: %s\n", s->dir, strerror(errno));
        s->dir[0] = '\0';
        return -1;
    }
    snprintf(port_path, sizeof(port_path), "%s/port", s->dir);
    snprintf(s->log_path, sizeof(s->log_path), "%s/log", s->dir);

    const char **argv = calloc(nargs + 9, sizeof(*argv));
    if (!argv) {
        fprintf(stderr, "test_server_start: out of memory\n");
        test_server_stop(s);
        return -1;
    }
    size_t i = 0;
    argv[i++] = WSMAUTO_PYTHON;
    argv[i++] = script;
    argv[i++] = "--port";
    argv[i++] = "0";
    argv[i++] = "--port-file";
    argv[i++] = port_path;
    argv[i++] = "--log";
    argv[i++] = s->log_path;
    for (const char *const *a = args; a && *a; a++)
        argv[i++] = *a;
    argv[i] = NULL;

    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* Do not outlive a test that crashed or was killed. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        execv(argv[0], (char *const *)argv);
        fprintf(stderr, "test_server_start: exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    free(argv);
    if (pid < 0) {
        fprintf(stderr, "test_server_start: fork: %s\n", strerror(errno));
        test_server_stop(s);
        return -1;
    }
    s->pid = (int)pid;

    for (long waited = 0; waited < START_TIMEOUT_MS; waited += 20) {
        unsigned port = read_port(port_path);
        if (port) {
            s->port = port;
            if (tls)
                snprintf(s->url, sizeof(s->url), "https://localhost:%u/wsman", port);
            else
                snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%u/wsman", port);
            return 0;
        }
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            s->pid = -1;
            fprintf(stderr, "test_server_start: the server exited (%s %d) before listening\n",
                    WIFEXITED(status) ? "status" : "signal",
                    WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
            test_server_stop(s);
            return -1;
        }
        sleep_ms(20);
    }
    fprintf(stderr, "test_server_start: no port file after %d s\n", START_TIMEOUT_MS / 1000);
    test_server_stop(s);
    return -1;
}

void test_server_stop(struct test_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        if (!reap(s->pid, STOP_TIMEOUT_MS)) {
            fprintf(stderr, "test_server_stop: server %d ignored SIGTERM; killing it\n", s->pid);
            kill(s->pid, SIGKILL);
            reap(s->pid, STOP_TIMEOUT_MS);
        }
    }
    s->pid = -1;
    remove_tree(s->dir);
    s->dir[0] = '\0';
    s->port = 0;
}

/* Calls fn(conn id) for each request line; returns the number of lines, -1 when the log cannot be read. */
static int scan_log(const struct test_server *s, void (*fn)(long id, void *ctx), void *ctx)
{
    FILE *f = fopen(s->log_path, "re");
    if (!f)
        return errno == ENOENT && s->pid > 0 ? 0 : -1; /* no request logged yet */
    char *line = NULL;
    size_t cap = 0;
    int count = 0;
    while (getline(&line, &cap, f) != -1) {
        char *end;
        if (strncmp(line, "conn=", 5) != 0)
            continue;
        long id = strtol(line + 5, &end, 10);
        if (end == line + 5)
            continue;
        count++;
        if (fn)
            fn(id, ctx);
    }
    free(line);
    fclose(f);
    return count;
}

struct id_set {
    long *ids;
    size_t n, cap;
    int failed;
};

static void add_id(long id, void *ctx)
{
    struct id_set *set = ctx;
    for (size_t i = 0; i < set->n; i++) {
        if (set->ids[i] == id)
            return;
    }
    if (set->n == set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 16;
        long *ids = realloc(set->ids, cap * sizeof(*ids));
        if (!ids) {
            set->failed = 1;
            return;
        }
        set->ids = ids;
        set->cap = cap;
    }
    set->ids[set->n++] = id;
}

/* The server writes a request's log line just after sending its reply, so a client that has its reply may
 * read the log a moment too early. Wait until the log has not grown for SETTLE_MS (at most SETTLE_MAX_MS). */
#define SETTLE_MS 60
#define SETTLE_MAX_MS 2000

static void settle(const struct test_server *s)
{
    struct stat st;
    off_t last = stat(s->log_path, &st) == 0 ? st.st_size : 0;
    for (long waited = 0, still = 0; still < SETTLE_MS && waited < SETTLE_MAX_MS; waited += 10) {
        sleep_ms(10);
        off_t size = stat(s->log_path, &st) == 0 ? st.st_size : 0;
        still = size == last ? still + 10 : 0;
        last = size;
    }
}

int test_server_connections(const struct test_server *s)
{
    struct id_set set = {0};
    settle(s);
    int lines = scan_log(s, add_id, &set);
    int n = lines < 0 || set.failed ? -1 : (int)set.n;
    free(set.ids);
    return n;
}

int test_server_log_count(const struct test_server *s)
{
    settle(s);
    return scan_log(s, NULL, NULL);
}
