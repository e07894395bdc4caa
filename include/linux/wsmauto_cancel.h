/*
 * wsmauto extension (Windows' WSMAuto.dll has no such function): abandoning the requests in flight.
 *
 * WSManAutoCancelRequests() makes every WS-Management HTTP request of the process that is in flight at the
 * moment of the call — in any thread, on any session — stop within about 100 ms, whatever it is waiting for
 * (name resolution, the TCP connection, the TLS handshake, a leg of the Negotiate/Kerberos handshake, the
 * reply). The Session (or Enumerator) method that sent it then fails with E_ABORT (0x80004004); its error
 * text (IErrorInfo, Err.Description) and the object's Error property say that the request was cancelled.
 *
 * - Only requests in flight are cancelled. A request that starts after the call is not affected, so a
 *   program can send clean-up requests (Signal, Delete of a remote shell) right after cancelling. This also
 *   holds within one method call: a Session method that sends several requests (the legs of a Negotiate or
 *   Kerberos handshake) and whose next request starts after the call is not stopped by it; a caller that must
 *   be sure the call ends calls WSManAutoCancelRequests() again, for example every 100 ms until it returns.
 * - The session stays usable: the connection of the cancelled request is closed, and the session's next
 *   request opens a new one (and authenticates again where the scheme needs it).
 * - A request stops only between libcurl's steps: a GSSAPI call that contacts a KDC while a Kerberos ticket
 *   is obtained is not interrupted (the request stops as soon as it returns).
 * - It is async-signal-safe (one lock-free atomic increment) and may be called from any thread or from a
 *   signal handler — for SIGINT, say. The library itself never installs signal handlers.
 * - A program that never calls it sees no difference at all.
 *
 * Linux (libwsmauto) only: WSMAuto.dll for Windows (WinHTTP) does not export it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_CANCEL_H
#define WSMAUTO_CANCEL_H

#if defined(_WIN32)
#error "wsmauto_cancel.h: WSManAutoCancelRequests is not available in WSMAuto.dll"
#endif

#ifdef __cplusplus
extern "C" {
#endif

__attribute__((visibility("default"))) void WSManAutoCancelRequests(void);

#ifdef __cplusplus
}
#endif

#endif
