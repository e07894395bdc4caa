/*
 * Negotiate / Kerberos / NTLM through MIT GSSAPI (gssauth.h). gss-ntlmssp is
 * reached only through MIT's mechglue (/etc/gss/mech.d), never linked.
 *
 * Credentials. SPNEGO needs one credential of its own (the mechglue cannot
 * turn a krb5 + NTLM union credential into a SPNEGO one: gss_set_neg_mechs
 * answers GSS_S_BAD_MECH on it and gss_init_sec_context(SPNEGO) silently
 * falls back to the default credentials). So for Negotiate the password
 * credential is acquired once for the SPNEGO mech with a single user name
 * that both mechanisms read the same way: "user@REALM" as given, "DOMAIN\user"
 * as "user@DOMAIN" (upper-cased: the krb5 realm; gss-ntlmssp splits the same
 * string into user "user" and domain "DOMAIN"), "user" as given. MIT keeps
 * password credentials in a MEMORY ccache and gets the TGT lazily, on the
 * first gss_init_sec_context.
 *
 * Fallback. MIT's SPNEGO initiator already drops a mechanism whose first
 * gss_init_sec_context fails and goes on with the next one, but it forgets
 * why. So the first leg of a Negotiate handshake that may use both krb5 and
 * NTLM first runs SPNEGO restricted to krb5: if that fails for a reason NTLM
 * can help with, the krb5 reason is kept and SPNEGO restricted to NTLM is
 * used; if it works, the context is thrown away and SPNEGO offering {krb5,
 * NTLM} runs (the service ticket is cached by then, so no extra KDC trip).
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>

#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "core.h"
#include "detail.h"
#include "gssauth.h"
#include "iplit.h"
#include "mechutil.h"
#include "secure_env.h"

static gss_OID_desc oid_krb5 = {9, (void *)"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02"};
/* 1.2.840.48018.1.2.2: the krb5 OID as older Windows acceptors spell it in a SPNEGO reply */
static gss_OID_desc oid_krb5_ms = {9, (void *)"\x2a\x86\x48\x82\xf7\x12\x01\x02\x02"};
static gss_OID_desc oid_spnego = {6, (void *)"\x2b\x06\x01\x05\x05\x02"};
static gss_OID_desc oid_ntlm = {10, (void *)"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a"};

#define REQ_FLAGS                                                                                            \
    (GSS_C_MUTUAL_FLAG | GSS_C_SEQUENCE_FLAG | GSS_C_REPLAY_FLAG | GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG)

/* Which mechanisms SPNEGO may negotiate. */
#define OFFER_KRB5 1u
#define OFFER_NTLM 2u

struct wsm_gss {
    enum wsm_gss_scheme scheme;
    char *spn;      /* "HTTP/host[:port]" */
    char *user;     /* as given, for details; NULL: implicit credentials */
    char *password; /* explicit credentials: for diagnosing a krb5 failure (wiped on free) */
    unsigned offer; /* Negotiate: OFFER_* still allowed */
    int delegate;
    int krb5_checked;  /* Negotiate: the krb5-only first leg has succeeded once */
    char *krb5_reason; /* Negotiate: why krb5 was dropped (NULL: it was not) */
    gss_cred_id_t cred;
    gss_name_t target;
    gss_ctx_id_t ctx;
    int complete;
    enum wsm_gss_mech mech;
};

/* ---- names and small helpers ---- */

static int oid_is_krb5(gss_const_OID o)
{
    return o && (gss_oid_equal(o, &oid_krb5) || gss_oid_equal(o, &oid_krb5_ms));
}

/* GSSAPI's own words for major (routine error part) and minor, "major text; minor text". */
static void status_text(OM_uint32 major, OM_uint32 minor, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int pass = 0; pass < 2; pass++) {
        OM_uint32 code = pass ? minor : GSS_ROUTINE_ERROR(major);
        OM_uint32 msg_ctx = 0, maj, min;
        if (!code && pass)
            break;
        if (!code)
            code = major; /* supplementary bits only (replay and friends) */
        do {
            gss_buffer_desc text = GSS_C_EMPTY_BUFFER;
            maj = gss_display_status(&min, code, pass ? GSS_C_MECH_CODE : GSS_C_GSS_CODE, GSS_C_NO_OID,
                                     &msg_ctx, &text);
            if (GSS_ERROR(maj))
                break;
            if (used < size) {
                int n = snprintf(buf + used, size - used, "%s%.*s", used ? "; " : "", (int)text.length,
                                 (const char *)text.value);
                if (n > 0)
                    used += (size_t)n;
            }
            gss_release_buffer(&min, &text);
        } while (msg_ctx);
        if (used >= size)
            break;
    }
    if (!buf[0])
        snprintf(buf, size, "major 0x%08x, minor %d", (unsigned)major, (int)minor);
}

enum phase { PH_CRED, PH_HANDSHAKE, PH_MESSAGE };

/* krb5 error codes (the minor status) whose cause is the same in every phase. */
static const struct {
    krb5_error_code code;
    enum wsm_cause cause;
} krb5_causes[] = {
    {KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN, WSM_CAUSE_UNKNOWN_USER},
    {KRB5KDC_ERR_CLIENT_REVOKED, WSM_CAUSE_USER_REVOKED},
    {KRB5KDC_ERR_KEY_EXP, WSM_CAUSE_PASSWORD_EXPIRED},
    {KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN, WSM_CAUSE_TARGET_UNKNOWN},
    {KRB5_KDC_UNREACH, WSM_CAUSE_KDC_UNREACHABLE},
    {KRB5_REALM_UNKNOWN, WSM_CAUSE_REALM_UNKNOWN},
    {KRB5_REALM_CANT_RESOLVE, WSM_CAUSE_REALM_UNKNOWN},
    {KRB5KRB_AP_ERR_TKT_EXPIRED, WSM_CAUSE_TICKET_EXPIRED},
    {KRB5_FCC_NOFILE, WSM_CAUSE_NO_TICKET},
    {KRB5_CC_NOTFOUND, WSM_CAUSE_NO_TICKET},
    {KRB5KRB_AP_ERR_SKEW, WSM_CAUSE_TIME_SKEW},
    {KRB5_KDCREP_SKEW, WSM_CAUSE_TIME_SKEW},
    {KRB5KRB_AP_ERR_MODIFIED, WSM_CAUSE_WRONG_PRINCIPAL},
    {KRB5KRB_AP_ERR_BADMATCH, WSM_CAUSE_WRONG_PRINCIPAL},
    {KRB5KRB_AP_WRONG_PRINC, WSM_CAUSE_WRONG_PRINCIPAL},
    {KRB5KRB_AP_ERR_NOT_US, WSM_CAUSE_WRONG_PRINCIPAL},
};

/* GSSAPI routine errors whose cause is the same in every phase. */
static const struct {
    OM_uint32 routine;
    enum wsm_cause cause;
} routine_causes[] = {
    {GSS_S_BAD_BINDINGS, WSM_CAUSE_BAD_BINDINGS},
    {GSS_S_BAD_MECH, WSM_CAUSE_NO_PACKAGE},
    {GSS_S_CREDENTIALS_EXPIRED, WSM_CAUSE_CREDENTIALS_EXPIRED},
    {GSS_S_CONTEXT_EXPIRED, WSM_CAUSE_CONTEXT_EXPIRED},
    {GSS_S_NO_CRED, WSM_CAUSE_NO_CREDENTIALS},
};

/* The cause of a GSSAPI failure (WSM_CAUSE_FAILED when none fits). */
static enum wsm_cause gss_cause(OM_uint32 major, OM_uint32 minor, enum phase ph)
{
    OM_uint32 routine = GSS_ROUTINE_ERROR(major);
    krb5_error_code code = (krb5_error_code)minor;
    if ((code == KRB5KDC_ERR_PREAUTH_FAILED || code == KRB5KRB_AP_ERR_BAD_INTEGRITY) && ph != PH_MESSAGE)
        return WSM_CAUSE_WRONG_PASSWORD;
    for (size_t i = 0; i < sizeof(krb5_causes) / sizeof(krb5_causes[0]); i++)
        if (code == krb5_causes[i].code)
            return krb5_causes[i].cause;
    for (size_t i = 0; i < sizeof(routine_causes) / sizeof(routine_causes[0]); i++)
        if (routine == routine_causes[i].routine)
            return routine_causes[i].cause;
    if ((routine == GSS_S_BAD_NAME || routine == GSS_S_BAD_NAMETYPE) && ph == PH_CRED)
        return WSM_CAUSE_BAD_USER_NAME;
    if (routine == GSS_S_BAD_SIG || routine == GSS_S_DEFECTIVE_TOKEN)
        return ph == PH_MESSAGE ? WSM_CAUSE_ALTERED : WSM_CAUSE_BAD_TOKEN;
    if (routine == 0 &&
        (major & (GSS_S_DUPLICATE_TOKEN | GSS_S_OLD_TOKEN | GSS_S_UNSEQ_TOKEN | GSS_S_GAP_TOKEN)))
        return WSM_CAUSE_OUT_OF_SEQUENCE;
    return WSM_CAUSE_FAILED;
}

/* The SSPI code for a GSSAPI failure and the cause in words (spn for the sentences naming it). */
static int32_t classify(OM_uint32 major, OM_uint32 minor, enum phase ph, const char *spn, char *cause,
                        size_t size)
{
    return wsm_mech_cause(gss_cause(major, minor, ph), spn, cause, size);
}

static const char *ccache_name(void)
{
    const char *cc = wsm_secure_getenv("KRB5CCNAME");
    return cc && *cc ? cc : "the default ticket cache";
}

/* A detail naming what failed, why, the user, the SPN and GSSAPI's words. */
static int32_t gss_fail(const struct wsm_gss *g, char **detail, const char *what, OM_uint32 major,
                        OM_uint32 minor, enum phase ph, int32_t fallback)
{
    char cause[512], text[1024], who[300];
    struct wsm_quoted q;
    int32_t code = classify(major, minor, ph, g->spn, cause, sizeof(cause));
    status_text(major, minor, text, sizeof(text));
    if (g->user)
        snprintf(who, sizeof(who), "user \"%s\"", wsm_quote_str(&q, g->user));
    else
        snprintf(who, sizeof(who), "implicit credentials from %s", wsm_quote_str(&q, ccache_name()));
    /* MIT krb5 skips a KDC whose socket it cannot open and then reports only that no KDC answered (and a
     * krb5.conf, ticket cache or keytab it cannot open as missing): with the descriptors used up, that is
     * the cause to report. */
    int fd_err = wsm_fd_shortage_now();
    if (fd_err) {
        char limit[128];
        return wsm_fail(
            detail, WSM_E_TOO_MANY_OPEN_FILES,
            "%s: too many open files: %s, so the security package could not open a connection to the "
            "Kerberos KDC or its files (%s, SPN %s; GSSAPI: %s)",
            what, wsm_fd_exhaustion_text(fd_err, limit, sizeof(limit)), who, g->spn, text);
    }
    if (code == WSM_SEC_E_INTERNAL_ERROR && fallback)
        code = fallback; /* the caller knows better what an unrecognised failure means here */
    return wsm_fail(detail, code, "%s: %s (%s, SPN %s; GSSAPI: %s)%s%s", what, cause, who, g->spn, text,
                    g->krb5_reason ? "; Kerberos was not used because " : "",
                    g->krb5_reason ? g->krb5_reason : "");
}

/* ---- credentials ---- */

static int32_t import_name(const char *s, gss_OID type, gss_name_t *out, OM_uint32 *minor)
{
    gss_buffer_desc b = {strlen(s), (void *)s};
    return (int32_t)gss_import_name(minor, &b, type, out);
}

/* Remembers why krb5 cannot be used (Negotiate) as "<cause> (GSSAPI: ...)". */
static int32_t keep_krb5_reason(struct wsm_gss *g, OM_uint32 major, OM_uint32 minor, enum phase ph)
{
    char cause[512], text[1024];
    classify(major, minor, ph, g->spn, cause, sizeof(cause));
    status_text(major, minor, text, sizeof(text));
    free(g->krb5_reason);
    g->krb5_reason = wsm_asprintf("%s (GSSAPI: %s)", cause, text);
    return g->krb5_reason ? 0 : WSM_E_OUTOFMEMORY;
}

/* Probes a default credential of one mechanism (implicit credentials). */
static OM_uint32 probe_default(gss_OID mech, OM_uint32 *minor)
{
    gss_OID_set_desc set = {1, mech};
    gss_cred_id_t c = GSS_C_NO_CREDENTIAL;
    OM_uint32 major = gss_acquire_cred(minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &set, GSS_C_INITIATE, &c, NULL,
                                       NULL),
              m;
    if (c != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&m, &c);
    return major;
}

static int32_t acquire(struct wsm_gss *g, const struct wsm_gss_config *cfg, char **detail)
{
    OM_uint32 major, minor, m;
    int32_t hr;
    gss_OID_set_desc mechs = {1, g->scheme == WSM_GSS_KERBEROS ? &oid_krb5 : &oid_spnego};
    struct wsm_quoted q;

    if (!g->user) {
        if (g->scheme == WSM_GSS_KERBEROS) {
            major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
                                     &g->cred, NULL, NULL);
            if (GSS_ERROR(major))
                return gss_fail(g, detail, "no Kerberos credentials", major, minor, PH_CRED,
                                WSM_SEC_E_NO_CREDENTIALS);
            return 0;
        }
        /* Negotiate: find out which mechanisms have default credentials, keeping krb5's reason. */
        char ntlm_text[1024] = "";
        if (g->offer & OFFER_KRB5) {
            major = probe_default(&oid_krb5, &minor);
            if (GSS_ERROR(major)) {
                if (!(g->offer & OFFER_NTLM))
                    return gss_fail(g, detail, "no Kerberos credentials", major, minor, PH_CRED,
                                    WSM_SEC_E_NO_CREDENTIALS);
                if ((hr = keep_krb5_reason(g, major, minor, PH_CRED)))
                    return hr;
                g->offer &= ~OFFER_KRB5;
            }
        }
        if (g->offer & OFFER_NTLM) {
            major = probe_default(&oid_ntlm, &minor);
            if (major == GSS_S_BAD_MECH || major == GSS_S_UNAVAILABLE) {
                if (!(g->offer & OFFER_KRB5))
                    return wsm_fail(detail, WSM_SEC_E_SECPKG_NOT_FOUND,
                                    "NTLM is not available: the gss-ntlmssp mechanism is not installed "
                                    "(SPN %s)%s%s",
                                    g->spn, g->krb5_reason ? "; Kerberos was not used because " : "",
                                    g->krb5_reason ? g->krb5_reason : "");
                g->offer &= ~OFFER_NTLM;
            } else if (GSS_ERROR(major)) {
                status_text(major, minor, ntlm_text, sizeof(ntlm_text));
                g->offer &= ~OFFER_NTLM;
            }
        }
        if (!g->offer) {
            const char *ntlm_file = wsm_secure_getenv("NTLM_USER_FILE");
            return wsm_fail(
                detail, WSM_SEC_E_NO_CREDENTIALS,
                "no credentials for Negotiate to SPN %s: Kerberos: %s; NTLM: %s (NTLM_USER_FILE %s%s%s)",
                g->spn, g->krb5_reason ? g->krb5_reason : "not usable for this host",
                ntlm_text[0] ? ntlm_text : "not allowed", ntlm_file ? "\"" : "",
                ntlm_file ? wsm_quote_str(&q, ntlm_file) : "not set", ntlm_file ? "\"" : "");
        }
        major = gss_acquire_cred(&minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE, &g->cred,
                                 NULL, NULL);
        if (GSS_ERROR(major))
            return gss_fail(g, detail, "no Negotiate credentials", major, minor, PH_CRED, 0);
        return 0;
    }

    /* Explicit credentials. */
    int bad;
    char *name_text;
    gss_OID name_type;
    if (g->scheme == WSM_GSS_NEGOTIATE && !(g->offer & OFFER_KRB5)) {
        name_text = wsm_strdup(g->user); /* NTLM only: gss-ntlmssp reads every form as given */
        bad = 0;
        name_type = GSS_C_NT_USER_NAME;
    } else {
        name_text = wsm_mech_krb5_user(g->user, &bad);
        name_type = g->scheme == WSM_GSS_KERBEROS ? GSS_KRB5_NT_PRINCIPAL_NAME : GSS_C_NT_USER_NAME;
    }
    if (bad)
        return wsm_fail(detail, WSM_SEC_E_UNKNOWN_CREDENTIALS,
                        "the user name \"%s\" cannot be used: DOMAIN\\user needs a domain and a user name",
                        wsm_quote_str(&q, g->user));
    if (!name_text)
        return WSM_E_OUTOFMEMORY;
    gss_name_t name = GSS_C_NO_NAME;
    major = (OM_uint32)import_name(name_text, name_type, &name, &minor);
    free(name_text);
    if (GSS_ERROR(major))
        return gss_fail(g, detail, "the user name cannot be used", major, minor, PH_CRED, 0);
    gss_buffer_desc pw = {strlen(cfg->password ? cfg->password : ""),
                          (void *)(cfg->password ? cfg->password : "")};
    major = gss_acquire_cred_with_password(&minor, name, &pw, GSS_C_INDEFINITE, &mechs, GSS_C_INITIATE,
                                           &g->cred, NULL, NULL);
    gss_release_name(&m, &name);
    if (GSS_ERROR(major))
        return gss_fail(g, detail, "the credentials could not be acquired", major, minor, PH_CRED, 0);
    return 0;
}

/* ---- lifetime ---- */

void wsm_gss_reset(struct wsm_gss *g)
{
    OM_uint32 m;
    if (!g)
        return;
    if (g->ctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&m, &g->ctx, GSS_C_NO_BUFFER);
    g->ctx = GSS_C_NO_CONTEXT;
    g->complete = 0;
    g->mech = WSM_GSS_MECH_NONE;
}

void wsm_gss_free(struct wsm_gss *g)
{
    OM_uint32 m;
    if (!g)
        return;
    wsm_gss_reset(g);
    if (g->cred != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&m, &g->cred);
    if (g->target != GSS_C_NO_NAME)
        gss_release_name(&m, &g->target);
    free(g->spn);
    free(g->user);
    wsm_wipe_free(g->password);
    free(g->krb5_reason);
    free(g);
}

int32_t wsm_gss_new(const struct wsm_gss_config *cfg, struct wsm_gss **out, char **detail)
{
    OM_uint32 major, minor;
    int32_t hr;
    char *spn;

    if ((hr = wsm_mech_new_begin(cfg, out, &spn, detail)))
        return hr;

    struct wsm_gss *g = calloc(1, sizeof(*g));
    if (!g) {
        free(spn);
        return WSM_E_OUTOFMEMORY;
    }
    g->scheme = cfg->scheme;
    g->delegate = cfg->delegate;
    g->ctx = GSS_C_NO_CONTEXT;
    g->cred = GSS_C_NO_CREDENTIAL;
    g->target = GSS_C_NO_NAME;
    g->spn = spn;
    if (cfg->user && cfg->user[0]) {
        g->user = wsm_strdup(cfg->user);
        g->password = wsm_strdup(cfg->password ? cfg->password : "");
    }
    if (!g->spn || (cfg->user && cfg->user[0] && (!g->user || !g->password))) {
        wsm_gss_free(g);
        return WSM_E_OUTOFMEMORY;
    }

    if (g->scheme == WSM_GSS_NEGOTIATE) {
        int ip;
        if ((hr = wsm_mech_negotiate_target(cfg, &ip, &g->krb5_reason, detail)) != 0) {
            wsm_gss_free(g);
            return hr;
        }
        g->offer = (ip ? 0 : OFFER_KRB5) | (cfg->allow_ntlm ? OFFER_NTLM : 0);
    }

    /* Kerberos scheme: the SPN exactly as given (no DNS canonicalisation, no case change). SPNEGO: a
     * host-based name, the only target form gss-ntlmssp imports; MIT maps it to service/host[:port]. */
    char *tname = wsm_strdup(g->spn);
    if (!tname) {
        wsm_gss_free(g);
        return WSM_E_OUTOFMEMORY;
    }
    if (g->scheme != WSM_GSS_KERBEROS)
        *strchr(tname, '/') = '@'; /* service@host[:port]: neither part can hold a '/' */
    major = (OM_uint32)import_name(
        tname, g->scheme == WSM_GSS_KERBEROS ? GSS_KRB5_NT_PRINCIPAL_NAME : GSS_C_NT_HOSTBASED_SERVICE,
        &g->target, &minor);
    free(tname);
    if (GSS_ERROR(major)) {
        hr = gss_fail(g, detail, "the SPN cannot be used", major, minor, PH_CRED, 0);
        wsm_gss_free(g);
        return hr == WSM_SEC_E_INTERNAL_ERROR ? WSM_SEC_E_TARGET_UNKNOWN : hr;
    }

    if ((hr = acquire(g, cfg, detail)) != 0) {
        wsm_gss_free(g);
        return hr;
    }
    *out = g;
    return 0;
}

/* ---- handshake ---- */

static OM_uint32 set_offer(struct wsm_gss *g, unsigned offer, OM_uint32 *minor)
{
    gss_OID_desc list[2];
    gss_OID_set_desc set = {0, list};
    if (offer & OFFER_KRB5)
        list[set.count++] = oid_krb5;
    if (offer & OFFER_NTLM)
        list[set.count++] = oid_ntlm;
    return gss_set_neg_mechs(minor, g->cred, &set);
}

static OM_uint32 init_leg(struct wsm_gss *g, gss_channel_bindings_t cb, gss_buffer_t in, gss_buffer_t out,
                          gss_OID *mech, OM_uint32 *flags, OM_uint32 *minor)
{
    OM_uint32 req = REQ_FLAGS | (g->delegate ? GSS_C_DELEG_FLAG : 0);
    return gss_init_sec_context(minor, g->cred, &g->ctx, g->target,
                                g->scheme == WSM_GSS_KERBEROS ? &oid_krb5 : &oid_spnego, req,
                                GSS_C_INDEFINITE, cb, in, mech, out, flags, NULL);
}

/* Runs krb5 alone, not through SPNEGO, to learn why it fails: SPNEGO's password acquisition drops a
 * failing krb5 silently, and the mechglue renumbers the krb5 minor codes that come out of SPNEGO (its error
 * map hands out a new number when the same value is already mapped for the inner mech). Only on the
 * failure path, so the extra KDC exchange costs nothing when Kerberos works. */
static OM_uint32 krb5_direct(struct wsm_gss *g, gss_channel_bindings_t cb, OM_uint32 *minor)
{
    OM_uint32 major, m;
    gss_cred_id_t c = GSS_C_NO_CREDENTIAL;
    gss_ctx_id_t ctx = GSS_C_NO_CONTEXT;
    gss_buffer_desc tok = GSS_C_EMPTY_BUFFER;
    gss_OID_set_desc set = {1, &oid_krb5};

    *minor = 0;
    if (g->user) {
        int bad;
        char *text = wsm_mech_krb5_user(g->user, &bad);
        gss_name_t name = GSS_C_NO_NAME;
        if (!text)
            return GSS_S_BAD_NAME;
        major = (OM_uint32)import_name(text, GSS_KRB5_NT_PRINCIPAL_NAME, &name, minor);
        free(text);
        if (GSS_ERROR(major))
            return major;
        gss_buffer_desc pw = {strlen(g->password), g->password};
        major = gss_acquire_cred_with_password(minor, name, &pw, GSS_C_INDEFINITE, &set, GSS_C_INITIATE, &c,
                                               NULL, NULL);
        gss_release_name(&m, &name);
    } else {
        major =
            gss_acquire_cred(minor, GSS_C_NO_NAME, GSS_C_INDEFINITE, &set, GSS_C_INITIATE, &c, NULL, NULL);
    }
    if (!GSS_ERROR(major))
        major = gss_init_sec_context(minor, c, &ctx, g->target, &oid_krb5, REQ_FLAGS, GSS_C_INDEFINITE, cb,
                                     GSS_C_NO_BUFFER, NULL, &tok, NULL, NULL);
    gss_release_buffer(&m, &tok);
    if (ctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&m, &ctx, GSS_C_NO_BUFFER);
    if (c != GSS_C_NO_CREDENTIAL)
        gss_release_cred(&m, &c);
    return major;
}

/* Failures of the krb5-only first leg after which NTLM is worth trying: everything but a wrong password
 * (NTLM would fail the same way and count one more bad logon towards a lockout). */
static int krb5_fallback_ok(OM_uint32 minor)
{
    return (krb5_error_code)minor != KRB5KDC_ERR_PREAUTH_FAILED &&
           (krb5_error_code)minor != KRB5KRB_AP_ERR_BAD_INTEGRITY;
}

/* Negotiate, first leg with both mechanisms allowed: krb5 alone first, to learn why it fails (see the top of
 * the file). Keeps the reason and drops krb5 when NTLM can help, fails when it cannot. */
static int32_t krb5_first(struct wsm_gss *g, gss_channel_bindings_t cbp, char **detail)
{
    OM_uint32 major, minor, m, flags = 0;
    gss_OID mech = GSS_C_NO_OID;
    gss_buffer_desc otok = GSS_C_EMPTY_BUFFER;
    int32_t hr;

    major = set_offer(g, OFFER_KRB5, &minor);
    if (GSS_ERROR(major))
        return gss_fail(g, detail, "the Negotiate mechanisms cannot be set", major, minor, PH_CRED, 0);
    major = init_leg(g, cbp, GSS_C_NO_BUFFER, &otok, &mech, &flags, &minor);
    gss_release_buffer(&m, &otok);
    if (g->ctx != GSS_C_NO_CONTEXT)
        gss_delete_sec_context(&m, &g->ctx, GSS_C_NO_BUFFER);
    g->ctx = GSS_C_NO_CONTEXT;
    if (GSS_ERROR(major)) {
        OM_uint32 dminor, dmajor = krb5_direct(g, cbp, &dminor);
        if (GSS_ERROR(dmajor)) {
            major = dmajor;
            minor = dminor;
        }
    }
    if (!GSS_ERROR(major)) {
        g->krb5_checked = 1;
    } else if (krb5_fallback_ok(minor)) {
        if ((hr = keep_krb5_reason(g, major, minor, PH_HANDSHAKE)))
            return hr;
        g->offer &= ~OFFER_KRB5;
    } else {
        return gss_fail(g, detail, "Kerberos authentication failed", major, minor, PH_HANDSHAKE, 0);
    }
    return 0;
}

/* Negotiate, first leg: the mechanisms SPNEGO may offer. */
static int32_t negotiate_first(struct wsm_gss *g, gss_channel_bindings_t cbp, char **detail)
{
    OM_uint32 major, minor;
    int32_t hr;
    if ((g->offer & OFFER_KRB5) && (g->offer & OFFER_NTLM) && !g->krb5_checked &&
        (hr = krb5_first(g, cbp, detail)))
        return hr;
    major = set_offer(g, g->offer, &minor);
    if (GSS_ERROR(major))
        return gss_fail(g, detail, "the Negotiate mechanisms cannot be set", major, minor, PH_CRED, 0);
    return 0;
}

/* A failed gss_init_sec_context: the context is forgotten; on the first leg of a Negotiate that still offers
 * krb5 unchecked, krb5 alone tells why (krb5_direct). */
static int32_t leg_failed(struct wsm_gss *g, int first, gss_channel_bindings_t cbp, OM_uint32 major,
                          OM_uint32 minor, char **detail)
{
    wsm_gss_reset(g);
    if (first && g->scheme == WSM_GSS_NEGOTIATE && (g->offer & OFFER_KRB5) && !g->krb5_checked) {
        OM_uint32 dminor, dmajor = krb5_direct(g, cbp, &dminor);
        if (GSS_ERROR(dmajor)) {
            major = dmajor;
            minor = dminor;
        }
    }
    const char *what = g->scheme == WSM_GSS_KERBEROS ? "Kerberos authentication failed"
                       : g->offer == OFFER_NTLM      ? "Negotiate (NTLM) authentication failed"
                                                     : "Negotiate authentication failed";
    return gss_fail(g, detail, what, major, minor, PH_HANDSHAKE, 0);
}

/* The context is established: it must seal (confidentiality and integrity) with krb5 or NTLM. */
static int32_t leg_complete(struct wsm_gss *g, OM_uint32 flags, gss_OID mech, char **detail)
{
    if ((flags & (GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG)) != (GSS_C_CONF_FLAG | GSS_C_INTEG_FLAG))
        return wsm_fail(detail, WSM_SEC_E_UNSUPPORTED_FUNCTION,
                        "message encryption not available: the security context with SPN %s lacks %s", g->spn,
                        (flags & GSS_C_CONF_FLAG) ? "integrity" : "confidentiality");
    g->mech = oid_is_krb5(mech)                        ? WSM_GSS_MECH_KRB5
              : mech && gss_oid_equal(mech, &oid_ntlm) ? WSM_GSS_MECH_NTLM
                                                       : WSM_GSS_MECH_NONE;
    if (g->mech == WSM_GSS_MECH_NONE)
        return wsm_fail(detail, WSM_SEC_E_UNSUPPORTED_FUNCTION,
                        "message encryption not available: the server chose a mechanism other than Kerberos "
                        "and NTLM (SPN %s)",
                        g->spn);
    g->complete = 1;
    return 0;
}

/* One gss_init_sec_context with the server's token (none on the first leg); *out gets the token to send. */
static int32_t run_leg(struct wsm_gss *g, gss_buffer_t itok, gss_channel_bindings_t cbp, unsigned char **out,
                       size_t *out_len, int *complete, char **detail)
{
    OM_uint32 major, minor, m, flags = 0;
    gss_OID mech = GSS_C_NO_OID;
    gss_buffer_desc otok = GSS_C_EMPTY_BUFFER;
    int32_t hr = 0;
    int first = g->ctx == GSS_C_NO_CONTEXT;

    major = init_leg(g, cbp, itok->length ? itok : GSS_C_NO_BUFFER, &otok, &mech, &flags, &minor);
    if (GSS_ERROR(major)) {
        gss_release_buffer(&m, &otok);
        return leg_failed(g, first, cbp, major, minor, detail);
    }
    if (major == GSS_S_COMPLETE && !(hr = leg_complete(g, flags, mech, detail)))
        *complete = 1;
    if (!hr && otok.length) {
        if ((*out = malloc(otok.length)) != NULL) {
            memcpy(*out, otok.value, otok.length);
            *out_len = otok.length;
        } else {
            hr = WSM_E_OUTOFMEMORY;
        }
    }
    gss_release_buffer(&m, &otok);
    if (hr) {
        wsm_gss_reset(g);
        *complete = 0;
    }
    return hr;
}

int32_t wsm_gss_step(struct wsm_gss *g, const void *in, size_t in_len, const void *cb, size_t cb_len,
                     unsigned char **out, size_t *out_len, int *complete, char **detail)
{
    gss_buffer_desc itok = {in ? in_len : 0, (void *)in};
    struct gss_channel_bindings_struct bindings;
    gss_channel_bindings_t cbp = GSS_C_NO_CHANNEL_BINDINGS;
    int32_t hr;

    int args_ok = g && out && out_len && complete && !(in_len && !in) && !(cb_len && !cb);
    enum wsm_mech_leg leg =
        wsm_mech_step_begin(args_ok, g ? g->spn : NULL, g && g->complete, g && g->ctx != GSS_C_NO_CONTEXT,
                            itok.length, out, out_len, complete, &hr, detail);
    if (leg == WSM_LEG_NO_FINAL)
        wsm_gss_reset(g); /* the server dropped the context */
    if (leg != WSM_LEG_FIRST && leg != WSM_LEG_NEXT)
        return hr;
    if (cb) {
        memset(&bindings, 0, sizeof(bindings));
        bindings.initiator_addrtype = GSS_C_AF_UNSPEC;
        bindings.acceptor_addrtype = GSS_C_AF_UNSPEC;
        bindings.application_data.length = cb_len;
        bindings.application_data.value = (void *)cb;
        cbp = &bindings;
    }
    if (g->ctx == GSS_C_NO_CONTEXT && g->scheme == WSM_GSS_NEGOTIATE &&
        (hr = negotiate_first(g, cbp, detail)))
        return hr;
    return run_leg(g, &itok, cbp, out, out_len, complete, detail);
}

enum wsm_gss_mech wsm_gss_mech(const struct wsm_gss *g)
{
    return g && g->complete ? g->mech : WSM_GSS_MECH_NONE;
}

const char *wsm_gss_spn(const struct wsm_gss *g)
{
    return g ? g->spn : NULL;
}

const char *wsm_gss_fallback_reason(const struct wsm_gss *g)
{
    return g ? g->krb5_reason : NULL;
}

/* ---- message encryption ---- */

int32_t wsm_gss_wrap(struct wsm_gss *g, const void *plain, size_t len, unsigned char **out, size_t *out_len,
                     size_t *hdr_len, size_t *orig_len, char **detail)
{
    OM_uint32 major, minor, m;
    int conf = 0;
    int32_t hr =
        wsm_mech_msg_begin(g && out && out_len && hdr_len && orig_len && !(len && !plain), g ? g->spn : NULL,
                           g && g->complete, out, out_len, hdr_len, orig_len, detail);
    if (hr)
        return hr;

    if (g->mech == WSM_GSS_MECH_NTLM) {
        gss_buffer_desc ib = {len, (void *)plain}, ob = GSS_C_EMPTY_BUFFER;
        major = gss_wrap(&minor, g->ctx, 1, GSS_C_QOP_DEFAULT, &ib, &conf, &ob);
        if (GSS_ERROR(major))
            return gss_fail(g, detail, "NTLM could not encrypt the message", major, minor, PH_MESSAGE, 0);
        if (!conf || ob.length != len + 16) {
            gss_release_buffer(&m, &ob);
            return wsm_fail(detail, WSM_SEC_E_UNSUPPORTED_FUNCTION,
                            "message encryption not available: NTLM did not seal the message for SPN %s",
                            g->spn);
        }
        *out = malloc(ob.length ? ob.length : 1);
        if (!*out) {
            gss_release_buffer(&m, &ob);
            return WSM_E_OUTOFMEMORY;
        }
        memcpy(*out, ob.value, ob.length);
        *out_len = ob.length;
        *hdr_len = 16;
        *orig_len = len;
        gss_release_buffer(&m, &ob);
        return 0;
    }

    /* Kerberos: encrypt a copy in place; MIT allocates the header and padding. */
    unsigned char *buf = malloc(len ? len : 1);
    if (!buf)
        return WSM_E_OUTOFMEMORY;
    if (len)
        memcpy(buf, plain, len);
    gss_iov_buffer_desc iov[3];
    memset(iov, 0, sizeof(iov));
    iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER | GSS_IOV_BUFFER_FLAG_ALLOCATE;
    iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
    iov[1].buffer.length = len;
    iov[1].buffer.value = buf;
    iov[2].type = GSS_IOV_BUFFER_TYPE_PADDING | GSS_IOV_BUFFER_FLAG_ALLOCATE;
    major = gss_wrap_iov(&minor, g->ctx, 1, GSS_C_QOP_DEFAULT, &conf, iov, 3);
    if (GSS_ERROR(major)) {
        hr = gss_fail(g, detail, "Kerberos could not encrypt the message", major, minor, PH_MESSAGE, 0);
    } else if (!conf) {
        hr = wsm_fail(detail, WSM_SEC_E_UNSUPPORTED_FUNCTION,
                      "message encryption not available: Kerberos did not encrypt the message for SPN %s",
                      g->spn);
    } else {
        size_t h = iov[0].buffer.length, p = iov[2].buffer.length;
        *out = malloc(h + len + p ? h + len + p : 1);
        if (!*out) {
            hr = WSM_E_OUTOFMEMORY;
        } else {
            memcpy(*out, iov[0].buffer.value, h);
            if (len)
                memcpy(*out + h, buf, len);
            if (p)
                memcpy(*out + h + len, iov[2].buffer.value, p);
            *out_len = h + len + p;
            *hdr_len = h;
            *orig_len = len + p;
        }
    }
    gss_release_iov_buffer(&m, iov, 3);
    free(buf);
    return hr;
}

/* One whole wrap token through gss_unwrap: NTLM's signature ‖ sealed data, and a Kerberos token that is not
 * in the DCE layout. buf is wiped and freed. */
static int32_t unwrap_whole(struct wsm_gss *g, unsigned char *buf, size_t n, const char *what,
                            unsigned char **plain, size_t *plain_len, char **detail)
{
    OM_uint32 major, minor, m;
    int conf = 0;
    gss_qop_t qop = 0;
    int32_t hr = 0;
    gss_buffer_desc ib = {n, buf}, ob = GSS_C_EMPTY_BUFFER;

    major = gss_unwrap(&minor, g->ctx, &ib, &ob, &conf, &qop);
    if (GSS_ERROR(major) || GSS_SUPPLEMENTARY_INFO(major)) {
        hr = gss_fail(g, detail, what, major, minor, PH_MESSAGE, 0);
    } else if (!conf) {
        hr = wsm_fail(detail, WSM_SEC_E_DECRYPT_FAILURE, "the reply from SPN %s was signed but not encrypted",
                      g->spn);
    } else {
        *plain = malloc(ob.length + 1);
        if (!*plain) {
            hr = WSM_E_OUTOFMEMORY;
        } else {
            memcpy(*plain, ob.value, ob.length);
            (*plain)[ob.length] = '\0';
            *plain_len = ob.length;
        }
    }
    if (ob.value)
        explicit_bzero(ob.value, ob.length);
    gss_release_buffer(&m, &ob);
    explicit_bzero(buf, n);
    free(buf);
    return hr;
}

/* The Windows (DCE) layout: [HEADER][DATA], no padding buffer (what a Windows reply needs, RC4 included).
 * buf = header ‖ data is decrypted in place; on success the plaintext is moved to its front and buf becomes
 * *plain, on failure it is wiped and freed. */
static int32_t unwrap_iov(struct wsm_gss *g, unsigned char *buf, size_t hdr_len, size_t data_len,
                          unsigned char **plain, size_t *plain_len, char **detail)
{
    OM_uint32 major, minor;
    int conf = 0;
    gss_qop_t qop = 0;
    int32_t hr;
    gss_iov_buffer_desc iov[2];

    memset(iov, 0, sizeof(iov));
    iov[0].type = GSS_IOV_BUFFER_TYPE_HEADER;
    iov[0].buffer.length = hdr_len;
    iov[0].buffer.value = buf;
    iov[1].type = GSS_IOV_BUFFER_TYPE_DATA;
    iov[1].buffer.length = data_len;
    iov[1].buffer.value = buf + hdr_len;
    major = gss_unwrap_iov(&minor, g->ctx, &conf, &qop, iov, 2);
    if (GSS_ERROR(major) || GSS_SUPPLEMENTARY_INFO(major))
        hr = gss_fail(g, detail, "the reply could not be decrypted", major, minor, PH_MESSAGE, 0);
    else if (!conf)
        hr = wsm_fail(detail, WSM_SEC_E_DECRYPT_FAILURE, "the reply from SPN %s was signed but not encrypted",
                      g->spn);
    else
        hr = 0;
    if (hr) {
        explicit_bzero(buf, hdr_len + data_len);
        free(buf);
        return hr;
    }
    size_t n = iov[1].buffer.length;
    memmove(buf, iov[1].buffer.value, n);
    explicit_bzero(buf + n, hdr_len + data_len - n);
    buf[n] = '\0';
    *plain = buf;
    *plain_len = n;
    return 0;
}

/* header ‖ data in one new buffer (one spare byte for a NUL); NULL when out of memory. */
static unsigned char *join(const void *hdr, size_t hdr_len, const void *data, size_t data_len)
{
    unsigned char *buf = malloc(hdr_len + data_len + 1);
    if (buf) {
        memcpy(buf, hdr, hdr_len);
        if (data_len)
            memcpy(buf + hdr_len, data, data_len);
    }
    return buf;
}

int32_t wsm_gss_unwrap(struct wsm_gss *g, const void *hdr, size_t hdr_len, const void *data, size_t data_len,
                       unsigned char **plain, size_t *plain_len, char **detail)
{
    unsigned char *buf;
    size_t rrc = 0;
    int32_t hr =
        wsm_mech_msg_begin(g && plain && plain_len && !(hdr_len && !hdr) && !(data_len && !data),
                           g ? g->spn : NULL, g && g->complete, plain, plain_len, NULL, NULL, detail);
    if (hr)
        return hr;
    if (!hdr_len || hdr_len > SIZE_MAX / 2 || data_len > SIZE_MAX / 2)
        return wsm_fail(detail, WSM_SEC_E_INCOMPLETE_MESSAGE,
                        "the encrypted message from SPN %s has no encryption header", g->spn);
    /* One buffer header ‖ data: gss_unwrap wants it so, and the IOV path decrypts the data part in place. */
    if (!(buf = join(hdr, hdr_len, data, data_len)))
        return WSM_E_OUTOFMEMORY;
    if (g->mech == WSM_GSS_MECH_NTLM)
        return unwrap_whole(g, buf, hdr_len + data_len, "the reply could not be decrypted", plain, plain_len,
                            detail);

    /* Kerberos comes in two layouts. Windows' (EncryptMessage with TOKEN + DATA, MS-WSMV 2.2.9.1.1.2.2): the
     * length field covers the token header, confounder and the trailer rotated to the front (RRC = its
     * length), the data follows. OMI's: the length field says how much longer the token is than the text,
     * and what follows is one ordinary gss_wrap token (RRC 0). A CFX token whose RRC is 0, or whose rotated
     * trailer does not fit in the header, can only be the second kind: it is unwrapped whole. Any other
     * token is tried in the DCE layout first and, for a CFX token, whole after that. Both verify the token's
     * integrity: neither yields data from a damaged or forged reply. */
    int cfx = wsm_mech_cfx_token(buf, hdr_len + data_len, NULL, &rrc);
    if (cfx && (rrc == 0 || hdr_len < 16 + rrc)) {
        char *why = NULL;
        hr = unwrap_whole(g, buf, hdr_len + data_len, "the reply could not be decrypted", plain, plain_len,
                          detail ? &why : NULL);
        if (hr && detail)
            *detail =
                wsm_asprintf("%s; read as a plain wrap token (RRC %zu) because the Windows layout cannot "
                             "apply: its %zu-byte header cannot hold a rotated trailer of %zu bytes",
                             why ? why : "the unwrap failed", rrc, hdr_len, rrc);
        free(why);
        return hr;
    }
    char *why_iov = NULL, *why_whole = NULL;
    hr = unwrap_iov(g, buf, hdr_len, data_len, plain, plain_len, detail ? &why_iov : NULL);
    if (!hr || !cfx) {
        if (detail)
            *detail = why_iov;
        else
            free(why_iov);
        return hr;
    }
    if (!(buf = join(hdr, hdr_len, data, data_len))) {
        free(why_iov);
        return WSM_E_OUTOFMEMORY;
    }
    if (!unwrap_whole(g, buf, hdr_len + data_len, "as a plain wrap token", plain, plain_len,
                      detail ? &why_whole : NULL)) {
        free(why_iov);
        return 0;
    }
    if (detail)
        *detail = wsm_asprintf("%s, in the Windows layout (%zu-byte header, RRC %zu); %s",
                               why_iov ? why_iov : "the reply could not be decrypted", hdr_len, rrc,
                               why_whole ? why_whole : "and not as a plain wrap token either");
    free(why_iov);
    free(why_whole);
    return hr;
}

/* ---- channel bindings ---- */

int32_t wsm_gss_cbt_tls_server_end_point(const unsigned char *der, size_t der_len, unsigned char **out,
                                         size_t *out_len, char **detail)
{
    const unsigned char *p = der;
    int md_nid = NID_undef, pk_nid = NID_undef;

    if (detail)
        *detail = NULL;
    if (out)
        *out = NULL;
    if (out_len)
        *out_len = 0;
    if (!out || !out_len || !der || !der_len || der_len > LONG_MAX)
        return wsm_fail(detail, WSM_E_INVALIDARG, "no server certificate for the channel binding");
    X509 *x = d2i_X509(NULL, &p, (long)der_len);
    if (!x || p != der + der_len) {
        X509_free(x);
        return wsm_fail(detail, WSM_E_INVALIDARG,
                        "the server certificate (%zu bytes) is not a DER X.509 certificate", der_len);
    }
    /* X509_get_signature_info knows RSA-PSS (hash in the parameters); older paths use the sigid table. */
    if (!X509_get_signature_info(x, &md_nid, &pk_nid, NULL, NULL))
        OBJ_find_sigid_algs(X509_get_signature_nid(x), &md_nid, &pk_nid);
    const EVP_MD *md =
        md_nid == NID_undef || md_nid == NID_md5 || md_nid == NID_sha1 ? NULL : EVP_get_digestbynid(md_nid);
    if (!md)
        md = EVP_sha256();
    unsigned char hash[EVP_MAX_MD_SIZE];
    unsigned int hlen = 0;
    int okd = EVP_Digest(der, der_len, hash, &hlen, md, NULL);
    X509_free(x);
    if (!okd)
        return wsm_fail(detail, WSM_SEC_E_INTERNAL_ERROR, "the server certificate could not be hashed");
    return wsm_mech_cbt_data(hash, hlen, out, out_len);
}
