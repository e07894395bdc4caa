/*
 * Reply parsing: a WS-Management reply envelope, its SOAP fault mapped to
 * the HRESULT and Error XML the COM API shows, and the body shapes of
 * Get/Put/Invoke, Identify, Create and Enumerate/Pull. Also EPR strings
 * (what Create returns) turned back into a resource locator.
 *
 * Replies are untrusted input: they are parsed with a private libxml2
 * context that refuses any DTD (no entity is ever expanded, no file or
 * network is touched), prints nothing, and resolves every name by its
 * namespace URI, never by its prefix.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_REPLY_H
#define WSMAUTO_REPLY_H

#include <stddef.h>
#include <stdint.h>
#include "session_cfg.h" /* struct wsm_locator */
#include "enumstate.h"   /* struct wsm_enum_state: wsm_enum_push etc. */

/* An opaque parsed envelope (owns the xmlDoc). The functions below take it as const, but the
 * serialising ones briefly add namespace declarations to the element they write: do not use one reply
 * from two threads at once. */
struct wsm_reply;

/* Parses one reply. `charset` is the charset parameter of the HTTP
 * Content-Type ("utf-8", "utf-16", "utf-16le", "utf-16be", any case, may be
 * quoted; NULL or "" when absent: then the XML rules detect the encoding).
 * A byte order mark wins over the charset. `max_size` caps `len` (0: no cap).
 * Errors: ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED (too long, nothing parsed),
 * ERROR_WSMAN_UNSUPPORTED_ENCODING (unknown charset and no BOM),
 * ERROR_WSMAN_INVALID_XML (not well-formed, namespace errors, a DTD, not a
 * SOAP 1.2 s:Envelope with an s:Body), WSM_E_OUTOFMEMORY. */
int32_t wsm_reply_parse(const char *data, size_t len, const char *charset, size_t max_size,
                        struct wsm_reply **out, char **detail);
void wsm_reply_free(struct wsm_reply *r);

/* What a fault reply means for the caller: the HRESULT Err.Number shows, and the XML Session.Error
 * returns. */
struct wsm_fault {
    /* see mapping below */
    int32_t hr;
    /* standalone XML: the f:WSManFault element (or p:MSFT_WmiError) as received, namespaces declared on it;
     * synthesised with wsm_fault_xml(code, machine, text) when the fault has neither */
    char *xml;
    /* readable one-line message: f:Message text (innermost, whitespace-trimmed), else s:Reason/s:Text, else
     * the subcode's local name; never empty */
    char *text;
    /* Machine attribute, or the machine_fallback given */
    char *machine;
};
/* 1 and *f filled when the body holds s:Fault; 0 (f zeroed) otherwise; WSM_E_OUTOFMEMORY (<0) on OOM.
 * hr is always a failure code:
 *  - f:WSManFault@Code (decimal or 0x hex) of the outer fault: below 0x10000 it is a Win32 error and
 *    becomes HRESULT_FROM_WIN32 (0 becomes E_FAIL), otherwise it is used as it is;
 *  - else p:MSFT_WmiError/p:error_Code, the same way;
 *  - else the s:Subcode QName (or s:MustUnderstand, s:VersionMismatch, s:DataEncodingUnknown as the
 *    s:Code value) by the subcode table in reply.c; anything else ERROR_WSMAN_RESPONSE_INVALID_SOAP_FAULT.
 * machine is never NULL ("" when neither the fault nor the fallback names one). */
int wsm_reply_get_fault(const struct wsm_reply *r, const char *machine_fallback, struct wsm_fault *f);
void wsm_fault_clear(struct wsm_fault *f);

/* a:RelatesTo must equal message_id (case-insensitive, surrounding blanks ignored). Missing RelatesTo is
 * accepted (some Windows faults have none). Mismatch →
 * ERROR_WSMAN_RESPONSE_INVALID_MESSAGE_INFORMATION_HEADER, detail names both ids. */
int32_t wsm_reply_check_relates_to(const struct wsm_reply *r, const char *message_id, char **detail);

/* Get/Put/Invoke (after wsm_reply_get_fault said 0): the first element child of s:Body serialised as a
 * standalone UTF-8 string (every namespace it uses declared on it, including prefixes used in xsi:type
 * values). An empty body gives "" (Put may answer with an empty body). */
int32_t wsm_reply_body(const struct wsm_reply *r, char **xml, char **detail);
/* Identify: the wsmid:IdentifyResponse element, standalone. Absent → ERROR_WSMAN_RESPONSE_NO_RESULTS. */
int32_t wsm_reply_identify(const struct wsm_reply *r, char **xml, char **detail);
/* Create: the x:ResourceCreated element, standalone (the EPR of the new resource). Extra body children
 * (rsp:Shell after it) are ignored. Missing → ERROR_WSMAN_CREATE_RESPONSE_NO_EPR. */
int32_t wsm_reply_created(const struct wsm_reply *r, char **epr_xml, char **detail);
/* EnumerateResponse or PullResponse: replace st->context by the reply's n:EnumerationContext (NULL when
 * absent or empty; surrounding blanks trimmed), push every item (w:Items or n:Items children: an object
 * element, an a:EndpointReference, or a w:Item — each standalone XML) with wsm_enum_push, set
 * st->end_of_sequence on w:EndOfSequence or n:EndOfSequence. When EOS is set, the context is freed and
 * NULLed. `pull` says which response element to expect (n:PullResponse vs n:EnumerateResponse); the wrong one
 * or none → ERROR_WSMAN_RESPONSE_NO_RESULTS. A response that has neither items, nor a context, nor EOS →
 * ERROR_WSMAN_RESPONSE_INVALID_ENUMERATION_CONTEXT. On error st is left as it was (no item pushed). */
int32_t wsm_reply_enumeration(const struct wsm_reply *r, int pull, struct wsm_enum_state *st, char **detail);
/* Any reply: its a:Action text (blanks trimmed) or NULL (borrowed pointer valid until wsm_reply_free). */
const char *wsm_reply_action(const struct wsm_reply *r);

/* Parse an EPR given as a string (what Create returns: see Session.Create): an x:ResourceCreated or
 * a:EndpointReference (or any element) that has a:ReferenceParameters containing w:ResourceURI and optional
 * w:SelectorSet (selectors may be nested EPRs: the nested a:EndpointReference's standalone XML is the value).
 * The root may also be a:ReferenceParameters itself. Returns a new locator (uri + selectors; no alias is
 * expanded inside an EPR). Errors: ERROR_WSMAN_CLIENT_INVALID_RESOURCE_LOCATOR with detail,
 * WSM_E_OUTOFMEMORY. */
int32_t wsm_parse_epr(const char *xml, struct wsm_locator **out, char **detail);
/* 1 when text (after leading blanks) starts with '<' — i.e. should be treated as an EPR rather than a URI. */
int wsm_looks_like_xml(const char *text);

#endif
