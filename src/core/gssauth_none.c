/*
 * gssauth.h for builds without GSSAPI (the Windows DLL, for now): every
 * entry point fails with E_NOTIMPL and a sentence saying which schemes
 * this build does have. The Windows counterpart of gssauth.c would sit on
 * SSPI (InitializeSecurityContext, EncryptMessage); it is not written yet.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "detail.h"
#include "gssauth.h"

#define NO_GSS_TEXT                                                                                         \
    "Negotiate, Kerberos and NTLM authentication are not available in this build of wsmauto (it was built " \
    "without GSSAPI, and the Windows build has no SSPI support yet). Use Basic or Digest over HTTPS, or a " \
    "client certificate."

int32_t wsm_gss_new(const struct wsm_gss_config *cfg, struct wsm_gss **out, char **detail)
{
    (void)cfg;
    if (out)
        *out = NULL;
    return wsm_fail(detail, WSM_E_NOTIMPL, "%s", NO_GSS_TEXT);
}

void wsm_gss_free(struct wsm_gss *g)
{
    (void)g;
}

void wsm_gss_reset(struct wsm_gss *g)
{
    (void)g;
}

int32_t wsm_gss_step(struct wsm_gss *g, const void *in, size_t in_len, const void *cb, size_t cb_len,
                     unsigned char **out, size_t *out_len, int *complete, char **detail)
{
    (void)g, (void)in, (void)in_len, (void)cb, (void)cb_len;
    *out = NULL;
    *out_len = 0;
    *complete = 0;
    return wsm_fail(detail, WSM_E_NOTIMPL, "%s", NO_GSS_TEXT);
}

enum wsm_gss_mech wsm_gss_mech(const struct wsm_gss *g)
{
    (void)g;
    return WSM_GSS_MECH_NONE;
}

const char *wsm_gss_spn(const struct wsm_gss *g)
{
    (void)g;
    return "";
}

const char *wsm_gss_fallback_reason(const struct wsm_gss *g)
{
    (void)g;
    return NULL;
}

int32_t wsm_gss_wrap(struct wsm_gss *g, const void *plain, size_t len, unsigned char **out, size_t *out_len,
                     size_t *hdr_len, size_t *orig_len, char **detail)
{
    (void)g, (void)plain, (void)len;
    *out = NULL;
    *out_len = *hdr_len = *orig_len = 0;
    return wsm_fail(detail, WSM_E_NOTIMPL, "%s", NO_GSS_TEXT);
}

int32_t wsm_gss_unwrap(struct wsm_gss *g, const void *hdr, size_t hdr_len, const void *data, size_t data_len,
                       unsigned char **plain, size_t *plain_len, char **detail)
{
    (void)g, (void)hdr, (void)hdr_len, (void)data, (void)data_len;
    *plain = NULL;
    *plain_len = 0;
    return wsm_fail(detail, WSM_E_NOTIMPL, "%s", NO_GSS_TEXT);
}

int32_t wsm_gss_cbt_tls_server_end_point(const unsigned char *der, size_t der_len, unsigned char **out,
                                         size_t *out_len, char **detail)
{
    (void)der, (void)der_len;
    *out = NULL;
    *out_len = 0;
    return wsm_fail(detail, WSM_E_NOTIMPL, "%s", NO_GSS_TEXT);
}
