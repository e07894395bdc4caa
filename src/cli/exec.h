/*
 * wsmanctl exec: runs one command in a Windows cmd shell
 * (http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd) through the
 * public WSMAN.Automation API: Session.Create of a shell, Session.Invoke of
 * the shell's Command, Send, Receive and Signal actions, Session.Delete.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMANCTL_EXEC_H
#define WSMANCTL_EXEC_H

#include <stdio.h>

#include "comedge.h"

/* Runs argv[0..argc-1] in a new cmd shell on the session's host, streaming its stdout to out and its stderr
 * to err as they arrive (fwrite + fflush per chunk). On success returns S_OK and *remote_exit = the remote
 * exit code (-1 when the server reported none). On failure returns the HRESULT with f filled (f->text says
 * which step failed: "Creating the shell: …"). The shell is always deleted once created (best effort after a
 * failure: Signal terminate, then Delete). `stop` (may be NULL) is polled between Receive calls: when it
 * becomes non-zero (SIGINT in the CLI), the command gets Signal ctrl_c then terminate, the shell is deleted,
 * and the call returns HRESULT_FROM_WIN32(ERROR_CANCELLED) with f->text "Interrupted.".
 *
 * argv[0] is sent as rsp:Command and each further word as one rsp:Arguments, unchanged (XML-escaped only).
 * As with winrs, the remote side joins them with spaces and its shell parses the result (cmd.exe /c on
 * Windows, /bin/sh -c on the bundled test server): quote for the remote shell. The remote stdin is closed
 * right after the command starts (a command that reads it sees end of file). A word that is not valid UTF-8
 * or holds a character XML cannot carry fails with E_INVALIDARG before anything is sent. The session's
 * Timeout is the OperationTimeout of each Receive; a w:TimedOut fault just means "poll again". Writing to
 * out or err failing (a closed pipe) stops the remote command like an interruption and fails with E_FAIL.
 * A Delete that fails after the command completed is reported on err and does not fail the call. */
HRESULT cli_exec(IWSManEx3 *wsman, IWSManSession *session, char *const *argv, int argc, FILE *out, FILE *err,
                 volatile const int *stop, int *remote_exit, struct cli_failure *f);

#endif
