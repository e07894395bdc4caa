/*
 * Test helper: runs the bundled WS-Management test server
 * (tests/server/wsman_server.py) on an ephemeral port in a fresh temporary
 * directory, and reads its request log.
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_SERVERCTL_H
#define WSMAUTO_SERVERCTL_H

#ifndef WSMAUTO_PYTHON
#define WSMAUTO_PYTHON "/usr/bin/python3"
#endif

struct test_server {
    int pid;
    unsigned port;
    char dir[256];
    char log_path[300];
    char url[320];
};

/* Starts WSMAUTO_PYTHON WSMAUTO_SOURCE_DIR "/tests/server/wsman_server.py" --port 0 --port-file <dir>/port
 * --log <dir>/log <args...> in a fresh temp dir (mkdtemp), waits (<= 30 s) for the port file, fills port and
 * url
 * ("http://127.0.0.1:<port>/wsman", or "https://localhost:<port>/wsman" when args contain --tls-cert).
 * args: NULL-terminated, may be NULL. Returns 0, or -1 with a message on stderr (nothing left running). */
int test_server_start(struct test_server *s, const char *const *args);
/* SIGTERM, waitpid, remove the temp dir. Safe on a zeroed or already stopped struct. */
void test_server_stop(struct test_server *s);
/* Number of distinct conn= ids in the log, -1 on error. */
int test_server_connections(const struct test_server *s);
/* Number of request lines in the log, -1 on error. */
int test_server_log_count(const struct test_server *s);

#endif
