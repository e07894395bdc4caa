/*
 * Request envelopes: the SOAP messages the client sends for Identify, the
 * WS-Transfer operations, custom actions and WS-Enumeration, in the header
 * order and with the prefixes Windows uses (DSP0226 5-11, [MS-WSMV] 3.1.4.1):
 * built with the libxml2 tree API when they carry caller XML, written
 * directly (with the same bytes) otherwise.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_ENVELOPE_H
#define WSMAUTO_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>
#include "session_cfg.h" /* struct wsm_locator, WSM_ENUM_* flags */

enum wsm_op {
    WSM_OP_IDENTIFY,
    WSM_OP_GET,
    WSM_OP_PUT,
    WSM_OP_CREATE,
    WSM_OP_DELETE,
    WSM_OP_INVOKE,
    WSM_OP_ENUMERATE,
    WSM_OP_PULL,
    WSM_OP_RELEASE
};

#define WSM_UUID_SIZE 42 /* "uuid:" + 36 + NUL, padded */

struct wsm_request {
    enum wsm_op op;
    const char *to;                   /* endpoint URL for a:To */
    const struct wsm_locator *target; /* URI (alias-expanded, no ?query), selectors, options, fragment. Unused
                                         for Identify; for Pull/Release the same locator as the Enumerate */
    const char *action;               /* Invoke: a method name ("StopService") or a full action URI */
    const char *body_xml;             /* Put/Create/Invoke: the caller's XML text (UTF-8) */
    const char *filter, *dialect;     /* Enumerate: may be NULL/"" */
    uint32_t enum_flags;              /* Enumerate: WSM_ENUM_* */
    const char *context;              /* Pull/Release: the enumeration context */
    uint32_t max_elements; /* Enumerate (w:MaxElements, with w:OptimizeEnumeration) and Pull (n:MaxElements);
                              0 = omit */
    uint32_t max_envelope_size; /* w:MaxEnvelopeSize in octets */
    uint32_t timeout_ms;        /* w:OperationTimeout; 0 = omit */
    const char *locale;         /* xml:lang of w:Locale and p:DataLocale; NULL = "en-US" */
    const char *session_id;     /* "uuid:…" for p:SessionId; NULL = omit */
    const char *message_id;     /* "uuid:…"; NULL = generate a new one */
    int utf16;                  /* serialise as UTF-16LE with a BOM instead of UTF-8 */
};

/* Fills out[] with "uuid:" + a random version-4 GUID in upper-case hex (from /dev/urandom or getrandom()). */
void wsm_new_uuid(char out[WSM_UUID_SIZE]);

/* "PT60.000S" for 60000 ms (xs:duration with milliseconds, what Windows writes). malloc'd. */
char *wsm_duration(uint32_t ms);

/* Build the request envelope. On success *out / *out_len hold malloc'd bytes (UTF-8 without XML declaration,
 * or UTF-16LE starting with the BOM FF FE when req->utf16), and *message_id (when not NULL) a malloc'd copy
 * of the a:MessageID sent. Errors: ERROR_WSMAN_INVALID_XML (body_xml not well-formed, has a DTD, or is not a
 * single element — detail says line and libxml2's message), ERROR_WSMAN_CLIENT_BLANK_INPUT_XML (body blank
 * for Put/Create/Invoke), ERROR_WSMAN_INVALID_FILTER_XML (filter XML or association brace text malformed —
 * detail names the problem), ERROR_WSMAN_CLIENT_BLANK_ACTION_URI, WSM_E_INVALIDARG (missing fields for the
 * op), WSM_E_OUTOFMEMORY. */
int32_t wsm_build_request(const struct wsm_request *req, char **out, size_t *out_len, char **message_id,
                          char **detail);

/* wsm_build_request's reference: the same request always built as a libxml2 tree and serialised (which
 * wsm_build_request does only for requests carrying caller XML; it writes the others directly, with the same
 * bytes). Same outputs and errors. For the tests. */
int32_t wsm_build_request_tree(const struct wsm_request *req, char **out, size_t *out_len, char **message_id,
                               char **detail);

/* The action URI Invoke sends: a full URI (contains "://" or starts with "urn:") is used as is, otherwise
 * "<resource uri>/<method>". malloc'd; NULL when out of memory. */
char *wsm_invoke_action(const char *resource_uri, const char *action);

#endif
