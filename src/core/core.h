/*
 * The COM-free protocol core: plain C, UTF-8 strings, no BSTR/VARIANT.
 * The COM layer converts at its edge and calls in here.
 *
 * Error convention: functions that can fail return an HRESULT-shaped
 * int32_t (0 on success, one of the ERROR_WSMAN_* codes of wsmerror.h or
 * WSM_E_* below on failure). Where they take `char **detail`, they store
 * a malloc'd UTF-8 sentence naming what exactly was wrong (or NULL); the
 * caller frees it. Nothing is half-filled on failure: outputs are zeroed.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_CORE_H
#define WSMAUTO_CORE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "wsmerror.h"

#include "base64.h"  /* wsm_base64_encode, wsm_base64_decode */
#include "random.h"  /* wsm_random_bytes */
#include "strutil.h" /* wsm_strdup, wsm_asprintf, wsm_strcasecmp_ascii, wsm_wipe, wsm_memmem, WSM_PRINTF */

#define WSM_S_OK ((int32_t)0)
#define WSM_E_OUTOFMEMORY ((int32_t)0x8007000Eu)
#define WSM_E_INVALIDARG ((int32_t)0x80070057u)
#define WSM_E_NOTIMPL ((int32_t)0x80004001u)
#define WSM_E_FAIL ((int32_t)0x80004005u)
#define WSM_E_ACCESSDENIED ((int32_t)0x80070005u)
/* HRESULT_FROM_WIN32(ERROR_TOO_MANY_OPEN_FILES): a file or socket could not be opened because the process (or
 * the system) is out of file descriptors (EMFILE, ENFILE). Never reported as an unreachable host. */
#define WSM_E_TOO_MANY_OPEN_FILES ((int32_t)0x80070004u)

/* ---- errors.c: the one table of error names and texts ---- */

/* The symbolic name of a code (e.g. "ERROR_WSMAN_CLIENT_BLANK_URI"), or
 * NULL when the code is not one we know. Covers all 512 WinRM codes
 * 0x80338000-0x803381FF plus the Win32/COM codes of the message table. */
const char *wsm_error_name(uint32_t code);

/* Readable English text for a code, as `winrm helpmsg` prints it, without
 * a trailing newline. Known codes get their real message; any other code
 * gets a sentence naming it in hex and, where known, by name. Returns a
 * malloc'd string; NULL only when out of memory. */
char *wsm_error_message(uint32_t code);

/* ---- connstr.c: CreateSession connection strings ---- */

struct wsm_endpoint {
    int local;        /* 1: empty string, a local session (no other field set) */
    int https;        /* 1: HTTPS, 0: HTTP */
    int scheme_given; /* 1: the string named http:// or https:// */
    int port_given;   /* 1: the string named a port */
    char *host;       /* DNS/NetBIOS name, IPv4, or IPv6 *without* brackets */
    int ipv6;         /* host is an IPv6 literal (was given in brackets) */
    unsigned port;    /* 1..65535 */
    char *prefix;     /* URL path without the leading '/', default "wsman" */
};

/* Parse `[transport://]host[:port][/prefix]` (see IWSMan::CreateSession).
 * use_ssl: the session has WSManFlagUseSsl. Errors:
 *   ERROR_WSMAN_CONNECTIONSTR_INVALID (malformed),
 *   ERROR_WSMAN_TRANSPORT_NOT_SUPPORTED (scheme other than http/https),
 *   ERROR_WSMAN_PORT_INVALID (port not 1..65535 or not a number),
 *   ERROR_WSMAN_INVALID_USESSL_PARAM (use_ssl with an explicit http://). */
int32_t wsm_parse_connection(const char *conn, int use_ssl, struct wsm_endpoint *ep, char **detail);
void wsm_endpoint_free(struct wsm_endpoint *ep);
/* "http://host:5985/wsman", IPv6 hosts in brackets; malloc'd. */
char *wsm_endpoint_url(const struct wsm_endpoint *ep);
/* "/wsman": the request target of the endpoint's URL (its path, RFC 7230 section 5.3.1); malloc'd. */
char *wsm_endpoint_path(const struct wsm_endpoint *ep);

/* ---- resource.c: resource URIs, aliases, selectors ---- */

struct wsm_selector {
    char *name;
    char *value; /* "" for a blank value (which means NULL) */
};

struct wsm_resource_uri {
    char *uri; /* alias-expanded, without the ?query */
    struct wsm_selector *selectors;
    size_t n_selectors;
};

/* Expand a leading alias (wmi, wmicimv2, cimv2, winrm, wsman, shell;
 * matched case-insensitively as the whole first path segment). Returns a
 * malloc'd copy, unchanged when there is no alias. */
char *wsm_expand_alias(const char *uri);

/* Parse a resource URI with optional `?k=v+k2=v2` selectors and expand
 * its alias. Errors: ERROR_WSMAN_CLIENT_BLANK_URI (empty or blank),
 * ERROR_WSMAN_URI_QUERY_STRING_SYNTAX_ERROR (a pair without '=' or with an
 * empty name, an empty query part such as "a?" or "a?k=v++"). */
int32_t wsm_parse_resource_uri(const char *text, struct wsm_resource_uri *out, char **detail);
void wsm_resource_uri_free(struct wsm_resource_uri *r);

#endif
