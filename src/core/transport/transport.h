/*
 * HTTP(S) transport of the core on libcurl, and the Linux client-certificate
 * store (certstore.c). One transport = one libcurl easy handle = one
 * keep-alive connection, reused for every request of a session.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_TRANSPORT_H
#define WSMAUTO_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

/* The Win32/WinHTTP HRESULTs transport failures are reported with, as WinRM's client reports them (their
 * names and texts are in errors.c). */
#define WSM_E_TIMEOUT ((int32_t)0x800705B4u) /* HRESULT_FROM_WIN32(ERROR_TIMEOUT) */
#define WSM_E_ABORT ((int32_t)0x80004004u)   /* E_ABORT: cancelled by WSManAutoCancelRequests() */
#define WSM_E_WINHTTP_NAME_NOT_RESOLVED ((int32_t)0x80072EE7u)
#define WSM_E_WINHTTP_CONNECTION_ERROR ((int32_t)0x80072EFEu)
#define WSM_E_WINHTTP_SECURE_CERT_DATE_INVALID ((int32_t)0x80072F05u)
#define WSM_E_WINHTTP_SECURE_CERT_CN_INVALID ((int32_t)0x80072F06u)
#define WSM_E_WINHTTP_SECURE_INVALID_CA ((int32_t)0x80072F0Du)
#define WSM_E_WINHTTP_SECURE_CERT_REV_FAILED ((int32_t)0x80072F19u)
#define WSM_E_WINHTTP_SECURE_CHANNEL_ERROR ((int32_t)0x80072F7Du)
#define WSM_E_WINHTTP_SECURE_CERT_REVOKED ((int32_t)0x80072F8Au)
#define WSM_E_WINHTTP_HEADER_SIZE_OVERFLOW ((int32_t)0x80072F96u) /* ERROR_WINHTTP_HEADER_SIZE_OVERFLOW */

/* Caps on the headers of a reply, WinHTTP's default (WINHTTP_OPTION_MAX_RESPONSE_HEADER_SIZE, 64 KB): one
 * header line (its CR LF included), and all the header lines of one response (the status line included). A
 * reply over either is a failure with WSM_E_WINHTTP_HEADER_SIZE_OVERFLOW and a text naming the line, never
 * E_OUTOFMEMORY. The largest legitimate line, a WWW-Authenticate token of Windows' MaxTokenSize (48000 bytes,
 * 64000 characters of base64), fits. */
#define WSM_MAX_HEADER_LINE 65536u
#define WSM_MAX_REPLY_HEADERS 65536u

/* The Authorization header value of WS-Management's mutual-TLS security profile (DSP0226 C.3.5). */
#define WSM_SECPROFILE_HTTPS_MUTUAL "http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual"

/* EXTERNAL: the Authorization header comes from the auth hook (wsm_transport_set_auth_hook); libcurl does
 * no authentication of its own. Used for Negotiate/Kerberos, whose context client.c drives. */
enum wsm_auth_kind {
    WSM_AUTH_NONE,
    WSM_AUTH_BASIC,
    WSM_AUTH_DIGEST,
    WSM_AUTH_CERTIFICATE,
    WSM_AUTH_EXTERNAL
};
enum wsm_proxy_mode { WSM_PROXY_DIRECT, WSM_PROXY_ENVIRONMENT, WSM_PROXY_EXPLICIT };

struct wsm_transport_config {
    /* Where to: the endpoint wsm_parse_connection made (https, host with an IPv6 literal unbracketed and
     * flagged ipv6, port, prefix: the request path without its leading '/'). Not copied: only read by
     * wsm_transport_new. The transports never parse a URL string. */
    const struct wsm_endpoint *endpoint;
    enum wsm_auth_kind auth;
    const char *user, *password; /* BASIC / DIGEST */
    const char *cert_thumbprint; /* CERTIFICATE: 40 upper-case hex digits (SHA-1 of the DER) */
    const char *cert_dir;        /* NULL: wsm_cert_store_dir() */
    int skip_ca_check, skip_cn_check, skip_revocation_check;
    const char *ca_file, *ca_path; /* NULL: the system trust store */
    const char *crl_file; /* NULL: no revocation list; otherwise checked unless skip_revocation_check */
    enum wsm_proxy_mode proxy_mode; /* DIRECT: never a proxy, ignore *_proxy variables; ENVIRONMENT: libcurl's
                                       http_proxy/https_proxy/no_proxy handling; EXPLICIT: proxy_url */
    const char *proxy_url;
    int proxy_auth; /* 0, or bits 1 Negotiate, 2 Basic, 4 Digest (WSManProxyAuthenticationFlags) */
    const char *proxy_user, *proxy_password;
};

struct wsm_transport;

struct wsm_http_reply {
    long status;        /* HTTP status */
    char *content_type; /* NULL if none */
    char *body;         /* NUL-terminated copy, len bytes ("" when the reply had no body) */
    size_t len;
    char **www_authenticate; /* NULL-terminated values of the WWW-Authenticate lines of the final response
                                (NULL when there were none), white space trimmed */
    int connection_close;    /* the response said "Connection: close" */
    int new_connection;      /* the request went over a TCP connection opened for it */
};

/* What the auth hook learns about the connection a request is about to go over. */
struct wsm_conn_info {
    int new_connection; /* the connection was opened for this request: any security context bound to an
                           earlier connection is void */
    const unsigned char *peer_cert; /* HTTPS: DER of the server's leaf certificate; NULL over HTTP */
    size_t peer_cert_len;
};

/* Called by wsm_transport_post (WSM_AUTH_EXTERNAL, authenticated requests only) after the connection is up
 * (TLS handshake done, so the certificate is known) and before the request is written. Stores a malloc'd
 * Authorization value (e.g. "Negotiate YII...") in *authorization, or NULL to send none. A failure aborts the
 * post with that HRESULT and detail before anything is sent. */
typedef int32_t (*wsm_auth_hook)(void *ctx, const struct wsm_conn_info *ci, char **authorization,
                                 char **detail);

/* Copies everything it needs from cfg (secrets are wiped on free). Loads the client certificate now, so a
 * missing one fails here: ERROR_WSMAN_CERT_NOT_FOUND (no file in the store has that thumbprint; detail names
 * the directory), ERROR_WSMAN_CLIENT_INVALID_CERT (found, but no matching private key, or unreadable). No
 * endpoint, or one that is local or unusable (wsm_transport_check_config) → WSM_E_INVALIDARG. *out is NULL on
 * failure. */
int32_t wsm_transport_new(const struct wsm_transport_config *cfg, struct wsm_transport **out, char **detail);
void wsm_transport_free(struct wsm_transport *t);

/* POST body (Content-Length always set; never chunked; no "Expect: 100-continue") with the given Content-Type
 * and extra header lines ("Name: value", NULL-terminated array, may be NULL). unauthenticated: send no
 * Authorization for this request (Identify with WSMANIDENTIFY). timeout_ms: whole-request timeout (0 = none).
 * max_reply: a reply body larger than this is cut off while receiving (the connection is dropped) →
 * ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED (0 = no limit). *reply is overwritten (not freed); zeroed on
 * failure.
 * Any HTTP status is a success of this function (status is the caller's business); failures are transport
 * failures:
 *   connection refused → ERROR_WSMAN_DESTINATION_UNREACHABLE (0x80338012)
 *   host (or proxy) name not resolved → 0x80072EE7 (ERROR_WINHTTP_NAME_NOT_RESOLVED)
 *   timeout (connect or whole request) → 0x800705B4 (HRESULT_FROM_WIN32(ERROR_TIMEOUT))
 *   TLS: server certificate name mismatch → 0x80072F06; untrusted CA/self-signed → 0x80072F0D;
 *   expired/not yet valid → 0x80072F05; revoked → 0x80072F8A; revocation check failed → 0x80072F19;
 *   other handshake failure (e.g. the server rejected our client certificate) → 0x80072F7D; each detail says
 *   which check failed, for which host, plus OpenSSL's reason
 *   connection reset / closed with no reply / garbled HTTP → 0x80072EFE (ERROR_WINHTTP_CONNECTION_ERROR)
 *   a reply header line over WSM_MAX_HEADER_LINE, or headers over WSM_MAX_REPLY_HEADERS in all → 0x80072F96
 *   (ERROR_WINHTTP_HEADER_SIZE_OVERFLOW); the detail says which line and how large
 *   redirects are not followed (the 3xx status is returned).
 *   libcurl transport only: cancelled by WSManAutoCancelRequests() (wsmauto_cancel.h) after this call began →
 *   WSM_E_ABORT (E_ABORT), within about WSM_CANCEL_POLL_MS of the cancellation, whatever the request was
 *   waiting for; the connection is closed. A cancellation before this call began does not affect it.
 * skip_ca_check forgives only trust errors (unknown issuer, self-signed, not a CA): as with WinHTTP's
 * SECURITY_FLAG_IGNORE_UNKNOWN_CA, an expired certificate still fails with 0x80072F05, and the name is still
 * checked unless skip_cn_check. Nothing is sent to a server whose certificate fails a check.
 * On failure the transport stays usable: the next post reconnects. One thread at a time per transport. */
int32_t wsm_transport_post(struct wsm_transport *t, const char *body, size_t len, const char *content_type,
                           const char *const *extra_headers, int unauthenticated, uint32_t timeout_ms,
                           size_t max_reply, struct wsm_http_reply *reply, char **detail);
void wsm_http_reply_clear(struct wsm_http_reply *r);

/* How often (at most) a request in flight looks whether it was cancelled, in milliseconds. */
#define WSM_CANCEL_POLL_MS 100

/* Installs the hook for WSM_AUTH_EXTERNAL transports (NULL: no Authorization header). */
void wsm_transport_set_auth_hook(struct wsm_transport *t, wsm_auth_hook hook, void *ctx);

/* Number of TCP connections this transport has opened so far (sum of CURLINFO_NUM_CONNECTS). */
unsigned long wsm_transport_connections(const struct wsm_transport *t);

/* The transport's label in the trace (trace.h): "s<session>/c<connection>" ("-" for NULL). */
const char *wsm_transport_trace_label(const struct wsm_transport *t);

/* ---- transport_common.c: shared by both transports ---- */

/* The checks both transports make of a configuration before using it, each failure WSM_E_INVALIDARG with a
 * sentence: an endpoint is there, is remote, has a host name without characters that cannot stand in a URL
 * authority (RFC 3986 section 3.2.2), a port from 1 to 65535 and a prefix without white space, control
 * characters, '?' or '#'; the authentication kind and proxy mode are known ones; an explicit proxy has a URL;
 * the proxy URL holds no line break. */
int32_t wsm_transport_check_config(const struct wsm_transport_config *cfg, char **detail);
/* The checks both transports make of a request's own header lines: a Content-Type without a line break, and
 * extra lines that are each one "Name: value" line; WSM_E_INVALIDARG with a sentence otherwise. */
int32_t wsm_check_request_headers(const char *content_type, const char *const *extra, char **detail);

/* Printable form of a host name, a path or a library's message for a detail sentence: non-printable and
 * non-ASCII bytes become '?', '"' becomes '\'', trailing dots and spaces go (the sentence adds its own), and
 * text that does not fit ends in "...". Unlike wsm_quote() it does not cut at 64 bytes: these are not user
 * input and a cut path or message is useless. */
struct wsm_clean_text {
    char text[600];
};
const char *wsm_clean(struct wsm_clean_text *c, const char *s);
/* s holds a CR or LF (which must not reach an HTTP header). NULL: no. */
int wsm_has_crlf(const char *s);
/* Frees a NULL-terminated array of malloc'd strings and the array (NULL is fine). */
void wsm_free_strv(char **v);
/* The HRESULT for an HTTP status that carried no usable SOAP fault, as WinRM's client reports it: 400, 404,
 * 413, 415, 503, 3xx (redirects are not followed), other 5xx, anything else. */
int32_t wsm_http_status_hr(long status);
/* 1 when a Content-Type value is application/soap+xml (any case; parameters may follow). */
int wsm_is_soap_type(const char *type);

/* ---- certstore.c: the Linux certificate store for client certificates ---- */

/* $WSMAUTO_CERT_DIR, else $XDG_CONFIG_HOME/wsmauto/certs, else $HOME/.config/wsmauto/certs (the home
 * directory of the passwd entry when HOME is unset); malloc'd, NULL only when out of memory or no home
 * directory is known. */
char *wsm_cert_store_dir(void);

/* Looks through the *.pem and *.crt files of dir for a certificate whose SHA-1 thumbprint (of its DER) is
 * `thumbprint` (40 hex digits, either case); returns its PEM and the PEM of its private key — from the same
 * file, else from <basename>.key — checked to match the certificate (X509_check_private_key). key_pem is
 * wiped when freed by the caller with wsm_wipe_free. Errors as for wsm_transport_new; encrypted keys are not
 * supported (no prompt). Outputs are NULL on failure. */
int32_t wsm_cert_store_find(const char *dir, const char *thumbprint, char **cert_pem, char **key_pem,
                            char **detail);

#endif
