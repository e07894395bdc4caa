/*
 * wsmauto extension (Windows' WSMAuto.dll has no such function): the HTTP trace, for debugging.
 *
 * With the trace on, the library writes every HTTP exchange of every session of the process: the request
 * line, headers and body, the status line, reply headers and body, the legs of a Negotiate/Kerberos
 * handshake, and for encrypted messages (Negotiate/Kerberos over HTTP) the plaintext SOAP after the wire
 * form, marked as such. Every line reads "TIMESTAMP LABEL MARK TEXT", for example
 *
 *     2024-05-01T12:34:56.789Z s1/c1 > POST /wsman HTTP/1.1
 *     2024-05-01T12:34:56.789Z s1/c1 > Authorization: Negotiate [hidden]
 *     2024-05-01T12:34:56.790Z s1/c1 < HTTP/1.1 200 OK
 *     2024-05-01T12:34:56.790Z s1/c1 = [decrypted reply: 1834 bytes]
 *
 * (UTC with milliseconds; s1/c1 = session 1 of the process, its connection 1; '>' sent, '<' received, '=' the
 * plaintext of an encrypted message, '*' a note). Credentials never reach it: every Authorization and
 * Proxy-Authorization value, every WWW-Authenticate/Proxy-Authenticate token or parameter,
 * Authentication-Info and cookies are replaced by "[hidden]" (the scheme name stays), passwords are never
 * written, and the ciphertext of encrypted bodies is summarised ("[N bytes of binary data]"). The SOAP of the
 * messages is written in full: a trace file is created with mode 0600.
 *
 * Two ways to turn it on:
 *  - the environment variable WSMAUTO_TRACE=FILE, read once when the process creates its first session's
 *    connection (with secure_getenv: not in set-user-ID programs). FILE "-" or "stderr" means standard error;
 *    otherwise the file is appended to;
 *  - WSManAutoSetTrace(FILE) at any time (it overrides the variable): the same FILE values, NULL or "" to
 * turn the trace off and close the file. Returns 0, or -1 with errno set when the file cannot be opened (the
 *    trace is then off).
 *
 * With the trace off (the default) the library does no tracing work at all. Thread-safe: concurrent sessions
 * write whole records (a header block, a body), never mixed lines.
 *
 * Linux (libwsmauto) only: WSMAuto.dll for Windows reads WSMAUTO_TRACE too, but does not export the function.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_TRACE_PUBLIC_H
#define WSMAUTO_TRACE_PUBLIC_H

#if defined(_WIN32)
#error "wsmauto_trace.h: WSManAutoSetTrace is not available in WSMAuto.dll (use WSMAUTO_TRACE=FILE)"
#endif

#ifdef __cplusplus
extern "C" {
#endif

__attribute__((visibility("default"))) int WSManAutoSetTrace(const char *file);

#ifdef __cplusplus
}
#endif

#endif
