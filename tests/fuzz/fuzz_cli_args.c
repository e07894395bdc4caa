/*
 * libFuzzer target: wsmanctl's command line (src/cli/args.c, cli_parse_args), winrm's syntax: an operation,
 * positionals and switches `-name:value`, `/name:value`, `--name=value` or `-name value`, including the
 * @{...} input, -options:{...}, remotes and resource URIs given on it.
 *
 * Input: the words of argv after argv[0], separated by NUL bytes (at most 64 words).
 * Files: -file: and -hosts: read files, so an input whose -file/-hosts value (inline or the next word) holds
 * a '/' is skipped: the target reads only files in its working directory (tools/fuzz.sh puts a few there).
 * Invariants: the result is CLI_EXIT_OK (no message) or CLI_EXIT_USAGE with a one-line message and the
 * options zeroed; a success has a known operation and a NULL-terminated list of remote_count remotes.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "args.h"
#include "cli.h"

#include "fuzz_common.h"

#define MAX_WORDS 64

/* The switch name of a word ("-file:x" -> "file"), its length, and where its inline value starts. */
static const char *switch_name(const char *w, size_t *len, const char **value)
{
    const char *sep;

    if (!strncmp(w, "--", 2))
        w += 2;
    else if (*w == '-' || *w == '/')
        w++;
    else
        return NULL;
    sep = w + strcspn(w, ":=");
    *len = (size_t)(sep - w);
    *value = *sep ? sep + 1 : NULL;
    return w;
}

/* 1 when the words name a file outside the working directory. */
static int reads_other_files(char **words, int n)
{
    for (int i = 0; i < n; i++) {
        size_t len;
        const char *value, *name = switch_name(words[i], &len, &value);
        if (!name ||
            !((len == 4 && !strncasecmp(name, "file", 4)) || (len == 5 && !strncasecmp(name, "hosts", 5))))
            continue;
        if (value && strchr(value, '/'))
            return 1;
        if (i + 1 < n && strchr(words[i + 1], '/'))
            return 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    char *buf = fuzz_strdup(data, size), *argv[MAX_WORDS + 2], *err = NULL;
    struct cli_opts o;
    int argc = 1, rc;
    size_t start = 0;

    argv[0] = "wsmanctl";
    if (size) {
        for (size_t i = 0; i <= size && argc <= MAX_WORDS; i++) {
            if (i == size || !buf[i]) {
                argv[argc++] = buf + start;
                start = i + 1;
            }
        }
    }
    argv[argc] = NULL;
    if (reads_other_files(argv + 1, argc - 1)) {
        free(buf);
        return 0;
    }

    memset(&o, 0xA5, sizeof o);
    rc = cli_parse_args(argc, argv, &o, &err);
    if (rc == CLI_EXIT_OK) {
        FUZZ_REQUIRE(err == NULL, "success with a message: %s", err);
        FUZZ_REQUIRE(o.op >= CLI_OP_NONE && o.op <= CLI_OP_EXEC, "operation %d", (int)o.op);
        if (!o.help) {
            FUZZ_REQUIRE(o.remote_count == 0 || o.remotes, "remote_count without remotes");
            for (size_t i = 0; i < o.remote_count; i++)
                FUZZ_REQUIRE(o.remotes[i] != NULL, "remote %zu is NULL", i);
            FUZZ_REQUIRE(!o.remotes || o.remotes[o.remote_count] == NULL, "remotes not NULL-terminated");
            FUZZ_REQUIRE(o.concurrency >= 1 && o.concurrency <= CLI_MAX_CONCURRENCY, "concurrency %d",
                         o.concurrency);
            FUZZ_REQUIRE(o.op != CLI_OP_EXEC ||
                             (o.exec_argc >= 1 && o.exec_argv && o.exec_argv[o.exec_argc] == NULL),
                         "exec without a NULL-terminated command");
            (void)cli_op_name(o.op);
        } else {
            if (!devnull)
                devnull = fopen("/dev/null", "w");
            if (devnull)
                cli_usage(devnull, o.op);
        }
        cli_opts_free(&o);
    } else {
        FUZZ_REQUIRE(rc == CLI_EXIT_USAGE, "return %d", rc);
        FUZZ_REQUIRE(err && *err, "usage error without a message");
        FUZZ_REQUIRE(!strchr(err, '\n') && !strchr(err, '\r'), "message is not one line: %s", err);
        FUZZ_REQUIRE(o.op == CLI_OP_NONE && o.remotes == NULL && o.input == NULL && o.password == NULL,
                     "options not freed and zeroed after a usage error");
    }
    free(err);
    free(buf);
    return 0;
}
