/*
 * What the mechanism back-ends (gssapi.c on Linux, sspi.c on Windows)
 * share: the checks and the SPN of a configuration, the forms of a user
 * name, the RFC 4121 token header, and the causes of failures with the
 * one sentence and HRESULT each, so that the library and the DLL report
 * the same mistake the same way.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_MECHUTIL_H
#define WSMAUTO_MECHUTIL_H

#include <stddef.h>
#include <stdint.h>

#include "gssauth.h"

/* Checks cfg (a host, a known scheme, an SPN port in range, no '/', '@' or '\' in the service or host) and
 * builds its SPN, "HTTP/host" or "HTTP/host:port", exactly as given (never resolved or canonicalised).
 * *spn malloc'd. WSM_E_INVALIDARG with a detail, or WSM_E_OUTOFMEMORY. */
int32_t wsm_mech_spn(const struct wsm_gss_config *cfg, char **spn, char **detail);

/* The user name in krb5 form: "DOMAIN\user" → "user@DOMAIN" (realm upper-cased), else as given. NULL with
 * *bad set when the form is unusable ("\user", "DOMAIN\", two backslashes), NULL alone when out of memory. */
char *wsm_mech_krb5_user(const char *user, int *bad);

/* An RFC 4121 §4.2.6.2 wrap token (TOK_ID 05 04, filler FF): 1 with its Extra Count and Right Rotation Count
 * (either may be NULL). */
int wsm_mech_cfx_token(const unsigned char *t, size_t n, size_t *ec, size_t *rrc);

/* Why an authentication step failed, in the back-ends' common terms. */
enum wsm_cause {
    WSM_CAUSE_WRONG_PASSWORD,   /* the KDC said so */
    WSM_CAUSE_UNKNOWN_USER,     /* the KDC said so */
    WSM_CAUSE_USER_REVOKED,     /* account disabled or locked out */
    WSM_CAUSE_PASSWORD_EXPIRED, /* the user's password */
    WSM_CAUSE_LOGON_DENIED,     /* credentials rejected, no finer reason known */
    WSM_CAUSE_TARGET_UNKNOWN,   /* the KDC does not know the SPN */
    WSM_CAUSE_KDC_UNREACHABLE,
    WSM_CAUSE_REALM_UNKNOWN,
    WSM_CAUSE_NO_AUTHORITY, /* no KDC or domain controller, no finer reason known */
    WSM_CAUSE_TICKET_EXPIRED,
    WSM_CAUSE_NO_TICKET, /* implicit credentials: no ticket cache or no TGT */
    WSM_CAUSE_TIME_SKEW,
    WSM_CAUSE_WRONG_PRINCIPAL, /* the server is not who the SPN names */
    WSM_CAUSE_BAD_BINDINGS,
    WSM_CAUSE_NO_PACKAGE, /* the mechanism is not installed */
    WSM_CAUSE_CREDENTIALS_EXPIRED,
    WSM_CAUSE_CONTEXT_EXPIRED,
    WSM_CAUSE_NO_CREDENTIALS,
    WSM_CAUSE_BAD_USER_NAME,
    WSM_CAUSE_ALTERED,   /* a message failed its integrity check */
    WSM_CAUSE_BAD_TOKEN, /* the server's handshake token */
    WSM_CAUSE_OUT_OF_SEQUENCE,
    WSM_CAUSE_INCOMPLETE,
    WSM_CAUSE_DECRYPT,
    WSM_CAUSE_MUTUAL,
    WSM_CAUSE_UNSUPPORTED,
    WSM_CAUSE_FAILED /* anything else */
};

/* The cause's sentence into buf (spn for those that name it) and its HRESULT (WSM_SEC_E_*). */
int32_t wsm_mech_cause(enum wsm_cause cause, const char *spn, char *buf, size_t size);

/* Negotiate to host: 1 in *ip when it is an IP literal (wsm_host_is_ip_literal), and then *reason (malloc'd)
 * says why Kerberos is not used; when NTLM is not allowed either, the failure WSM_SEC_E_TARGET_UNKNOWN. */
int32_t wsm_mech_negotiate_target(const struct wsm_gss_config *cfg, int *ip, char **reason, char **detail);

/* The start of wsm_gss_new: clears *detail, checks out (WSM_E_INVALIDARG) and builds the SPN (wsm_mech_spn).
 */
int32_t wsm_mech_new_begin(const struct wsm_gss_config *cfg, struct wsm_gss **out, char **spn, char **detail);

/* Where a handshake stands when wsm_gss_step is called. */
enum wsm_mech_leg {
    WSM_LEG_FIRST,   /* no context yet and no token in: the first leg */
    WSM_LEG_NEXT,    /* a handshake in progress and the server's next token */
    WSM_LEG_DONE,    /* the context is established and nothing came in: *done = 1 again */
    WSM_LEG_REFUSED, /* a missing argument or a token out of place: the failure is in *hr */
    WSM_LEG_NO_FINAL /* the server ended the handshake without its final token: the failure is in *hr and the
                      * caller forgets the context */
};

/* The start of wsm_gss_step: clears its outputs (those not NULL) and tells the leg. args_ok: the caller's
 * checks of its arguments passed (else WSM_E_INVALIDARG); spn is only read when they did. */
enum wsm_mech_leg wsm_mech_step_begin(int args_ok, const char *spn, int complete, int in_progress,
                                      size_t in_len, unsigned char **out, size_t *out_len, int *done,
                                      int32_t *hr, char **detail);

/* The start of wsm_gss_wrap (hdr_len and orig_len given) and wsm_gss_unwrap (both NULL): clears the outputs
 * (those not NULL); WSM_E_INVALIDARG unless args_ok; WSM_SEC_E_INTERNAL_ERROR naming the SPN when the context
 * is not complete. */
int32_t wsm_mech_msg_begin(int args_ok, const char *spn, int complete, unsigned char **out, size_t *out_len,
                           size_t *hdr_len, size_t *orig_len, char **detail);

/* RFC 5929 4.1 tls-server-end-point channel binding data: "tls-server-end-point:" followed by hash; *out
 * malloc'd. */
int32_t wsm_mech_cbt_data(const unsigned char *hash, size_t hash_len, unsigned char **out, size_t *out_len);

#endif
