/*
 * The HTTP trace: every exchange of every session written to a file for debugging (wsmanctl -debug,
 * WSMAUTO_TRACE=FILE, WSManAutoSetTrace in include/linux/wsmauto_trace.h). This module alone decides what
 * reaches the trace: the transports and the handshake driver hand it raw header blocks and bodies, and it
 * hides every credential on the way out (Authorization and Proxy-Authorization values, WWW-Authenticate and
 * Proxy-Authenticate tokens and parameters, Authentication-Info, cookies), keeping the scheme name:
 * "Authorization: Negotiate [hidden]". Bodies are shown as text; lines that are not text (the ciphertext of
 * an encrypted message) become "[N bytes of binary data]", so nothing undecoded of a token ever shows.
 *
 * Every line of the trace is "TIMESTAMP LABEL MARK TEXT": the UTC time with milliseconds
 * (2024-05-01T12:34:56.789Z), the session and connection ("s3/c1": the third transport of the process, its
 * first connection), and a mark: '>' sent, '<' received, '=' a payload in plaintext (the SOAP of an
 * encrypted message: the request before it is encrypted, the reply after it is decrypted), '*' a note (what
 * the transport did, a handshake leg). Each record (a header block, a body, a note) is written whole under
 * one lock, so concurrent sessions never mix within a record.
 *
 * Cost when the trace is off: wsm_trace_enabled() is one relaxed atomic load, and callers do nothing else.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_TRACE_H
#define WSMAUTO_TRACE_H

#include <stdatomic.h>
#include <stddef.h>

#include "core.h" /* WSM_PRINTF */

/* Set while a trace file is open (private; read through wsm_trace_enabled). */
extern atomic_int wsm_trace_active;

static inline int wsm_trace_enabled(void)
{
    return atomic_load_explicit(&wsm_trace_active, memory_order_relaxed);
}

/* Reads WSMAUTO_TRACE once per process (secure_getenv on Linux: ignored in set-user-ID programs), unless
 * wsm_trace_open was called first. Called by wsm_transport_new. A file that cannot be opened leaves the trace
 * off. */
void wsm_trace_init(void);

/* NULL or "": the trace off (the file closed). "-" or "stderr": standard error. Otherwise the file is opened
 * for appending (created with mode 0600: a trace holds the SOAP of every message). Returns 0, or -1 with
 * errno set when the file cannot be opened (the trace is then off). Overrides WSMAUTO_TRACE. Thread-safe. */
int wsm_trace_open(const char *file);

/* A new session number for labels: 1, 2, ... */
unsigned wsm_trace_new_id(void);

/* A note: one line with the '*' mark (or any other). */
void wsm_trace_note(const char *label, char mark, const char *fmt, ...)
    __attribute__((format(WSM_PRINTF, 3, 4)));

/* A block of header lines (CR LF or LF separated, as on the wire; empty lines dropped), credentials hidden.
 */
void wsm_trace_headers(const char *label, char mark, const char *data, size_t len);

/* A body: "[TITLE: N bytes]" and then its lines (nothing at all for an empty body). UTF-16 text with a BOM is
 * shown as UTF-8; a line that is not text (control bytes, invalid UTF-8) is summarised. Bodies longer than
 * WSM_TRACE_BODY_MAX bytes are cut there, with a line saying how much was left out. */
#define WSM_TRACE_BODY_MAX (4u << 20)
void wsm_trace_body(const char *label, char mark, const char *title, const void *data, size_t len);

/* Header lines longer than this (that are not credentials) are cut there in the trace. */
#define WSM_TRACE_LINE_MAX 2048u

/* What the trace shows of one header line (without its CR LF): malloc'd, NULL when out of memory. Credentials
 * are replaced by "[hidden]" as described above; control bytes become '?'. (For the tests.) */
char *wsm_trace_header_text(const char *line, size_t len);

#endif
