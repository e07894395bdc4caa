/*
 * wsmanctl: the command line, as winrm spells it. `wsmanctl OPERATION [ARGS] [SWITCHES]`; switches start
 * with '-' or '/' (or '--' in the GNU spelling), are case-insensitive and take their value after ':' (or
 * '=' after '--') or as the next word. cli_parse_args() checks everything that can be checked without the
 * network (remote and resource syntax, @{...} input, -file: and -hosts: files), so a usage error never
 * sends a request.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMANCTL_ARGS_H
#define WSMANCTL_ARGS_H

#include <stdio.h>

#include "cli.h"

#define CLI_DEFAULT_CONCURRENCY 32
#define CLI_MAX_CONCURRENCY 1024

/* Many hosts and the open-file limit (RLIMIT_NOFILE): one worker holds up to CLI_FDS_PER_WORKER descriptors
 * at once (for its session's life its connection and libcurl's wake-up socket pair, 3, as /proc/PID/fd
 * shows; briefly also libcurl's resolver socket pair for a host name, a CA file, Kerberos' files and
 * sockets), and CLI_FD_RESERVE stay free for the rest of the process (the trace file, OpenSSL's and GSSAPI's
 * configuration files, plug-ins). */
#define CLI_FDS_PER_WORKER 6
#define CLI_FD_RESERVE 24

/* How many workers fit under an open-file limit of `limit` descriptors with `in_use` of them already open:
 * (limit - in_use - CLI_FD_RESERVE) / CLI_FDS_PER_WORKER, at least 1. */
size_t cli_workers_for_fd_limit(unsigned long long limit, unsigned long long in_use);

/* Parses argv[1..argc) into *out (zeroed first; concurrency 32 and timeout_ms -1 by default). Returns
 * CLI_EXIT_OK, or CLI_EXIT_USAGE with *err = a malloc'd one-line message naming the culprit (without the
 * "wsmanctl: " prefix and without the usage hint) and *out freed and zeroed. When out->help is set, print
 * cli_usage(stdout, out->op) and exit 0: nothing else in *out is meaningful then. Selector separators '&'
 * in the resource are rewritten to '+', the only separator the library knows. */
int cli_parse_args(int argc, char **argv, struct cli_opts *out, char **err);

/* The help: CLI_OP_NONE = the general help (synopsis, operations, every switch, examples, exit statuses);
 * otherwise that operation's syntax, the switches that apply to it and examples. */
void cli_usage(FILE *f, enum cli_op op);

/* The canonical name of an operation ("get", ...; "" for CLI_OP_NONE). */
const char *cli_op_name(enum cli_op op);

/* Writes prompt to stderr and reads one line with echo off from /dev/tty (or from stdin when it is a
 * terminal). The terminal's echo is restored even when SIGINT/SIGTERM/SIGHUP/SIGQUIT arrives (the signal is
 * then re-raised with its previous disposition). *out = the line without its end of line, malloc'd (the
 * caller wipes and frees it). Returns 0, or -1 when there is no terminal, on end of file before any newline
 * or on an error. */
int cli_prompt_password(const char *prompt, char **out);

/* 1 when standard input is a terminal. */
int cli_stdin_is_tty(void);

#endif
