/*
 * wsmanctl's COM edge (comedge.h).
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comedge.h"
#include "utf.h"

/* Wipes a copy of a password before it is freed (not optimised away). */
static void wipe_bstr(BSTR b)
{
    volatile OLECHAR *p = b;

    for (UINT i = 0, n = b ? SysStringLen(b) : 0; i < n; i++)
        p[i] = 0;
}

char *cli_utf8_from_olestr(const OLECHAR *s)
{
    return wsm_utf8_from_utf16z((const uint16_t *)s);
}

static uint16_t *cli_bstr_alloc(size_t units)
{
    return (uint16_t *)SysAllocStringLen(NULL, (UINT)units);
}

BSTR cli_bstr_from_utf8(const char *s)
{
    return (BSTR)wsm_utf16_from_utf8z(s, cli_bstr_alloc);
}

void cli_failure_clear(struct cli_failure *f)
{
    if (!f)
        return;
    free(f->text);
    free(f->fault_xml);
    memset(f, 0, sizeof(*f));
}

HRESULT cli_failure_text(struct cli_failure *f, HRESULT hr, const char *text)
{
    if (f) {
        cli_failure_clear(f);
        f->hr = hr;
        f->text = strdup(text ? text : "");
    }
    return hr;
}

/* The Error property of whichever WSMAN.Automation object obj is. */
static BSTR error_property(IUnknown *obj)
{
    BSTR xml = NULL;
    IWSManSession *session;
    IWSManEnumerator *en;
    IWSManResourceLocator *loc;
    IWSMan *wsman;

    if (!obj)
        return NULL;
    if (SUCCEEDED(IUnknown_QueryInterface(obj, &IID_IWSManSession, (void **)&session))) {
        IWSManSession_get_Error(session, &xml);
        IWSManSession_Release(session);
    } else if (SUCCEEDED(IUnknown_QueryInterface(obj, &IID_IWSManEnumerator, (void **)&en))) {
        IWSManEnumerator_get_Error(en, &xml);
        IWSManEnumerator_Release(en);
    } else if (SUCCEEDED(IUnknown_QueryInterface(obj, &IID_IWSManResourceLocator, (void **)&loc))) {
        IWSManResourceLocator_get_Error(loc, &xml);
        IWSManResourceLocator_Release(loc);
    } else if (SUCCEEDED(IUnknown_QueryInterface(obj, &IID_IWSMan, (void **)&wsman))) {
        IWSMan_get_Error(wsman, &xml);
        IWSMan_Release(wsman);
    }
    return xml;
}

HRESULT cli_failure_set(struct cli_failure *f, HRESULT hr, IUnknown *obj)
{
    IErrorInfo *info = NULL;
    BSTR desc = NULL, xml;

    if (!f)
        return hr;
    cli_failure_clear(f);
    f->hr = hr;
    /* Take the error info first: the Error property call below must not be able to replace it. */
    if (GetErrorInfo(0, &info) == S_OK && info) {
        IErrorInfo_GetDescription(info, &desc);
        IErrorInfo_Release(info);
    }
    if (desc && SysStringLen(desc))
        f->text = cli_utf8_from_olestr(desc);
    SysFreeString(desc);
    if ((xml = error_property(obj))) {
        if (SysStringLen(xml))
            f->fault_xml = cli_utf8_from_olestr(xml);
        SysFreeString(xml);
    }
    if (!f->text)
        f->text = strdup(hr == E_OUTOFMEMORY ? "Out of memory." : "The operation failed.");
    return hr;
}

/* ---- the library's texts in the CLI's words ----
 *
 * The library's Error texts are written for API callers and name its flags and objects
 * (SessionFlagNoEncryption, ConnectionOptions.CertificateThumbprint, "the connection string"). A wsmanctl
 * user typed switches, so that is what the line must name. Most of these failures are usage errors that
 * args.c catches before anything is sent; what remains is reworded here: first the codes whose whole text is
 * about flags (a sentence of our own replaces it), then phrases, then any flag name left. */

/* Codes whose text (message and detail) is entirely about API flags or objects. */
static const struct {
    HRESULT hr;
    const char *text;
} cli_sentences[] = {
    {(HRESULT)0x803380ABu, /* ERROR_WSMAN_CREDS_PASSED_WITH_NO_AUTH_FLAG */
     "-a:None sends no credentials: leave out -u, -p and -c, or choose another -a."},
    {(HRESULT)0x803380ADu, /* ERROR_WSMAN_CLIENT_MULTIPLE_AUTH_FLAGS */
     "Give one authentication mechanism (-a) only."},
    {(HRESULT)0x803380AEu, /* ERROR_WSMAN_CLIENT_SPN_WRONG_AUTH */
     "-SPNPort can be used only with -a:Negotiate or -a:Kerberos (or without -a)."},
    {(HRESULT)0x803380B2u, /* ERROR_WSMAN_CLIENT_CREDENTIALS_NEEDED */
     "No user name was given: give -u:USER (and -p:PASSWORD)."},
    {(HRESULT)0x803380B3u, /* ERROR_WSMAN_CLIENT_CREDENTIALS_FLAG_NEEDED */
     "A password was given without a user name: give -u:USER with -p:PASSWORD."},
    {(HRESULT)0x803380B4u, /* ERROR_WSMAN_CLIENT_CERT_NEEDED */
     "-a:Certificate needs -c:THUMBPRINT, the SHA-1 thumbprint of the client certificate."},
    {(HRESULT)0x803380D7u, /* ERROR_WSMAN_CLIENT_UNENCRYPTED_HTTP_ONLY */
     "-unencrypted applies to HTTP only: HTTPS (-usessl or an https:// remote) is always encrypted."},
    {(HRESULT)0x80338156u, /* ERROR_WSMAN_CERT_MISSING_AUTH_FLAG */
     "-c (a client certificate) needs -a:Certificate."},
    {(HRESULT)0x80338157u, /* ERROR_WSMAN_CERT_MULTIPLE_CREDENTIALS_FLAG */
     "-a:Certificate takes no -u or -p: the certificate names the user."},
    {(HRESULT)0x803381B0u, /* ERROR_WSMAN_CANNOT_USE_ALLOW_NEGOTIATE_IMPLICIT_CREDENTIALS_FOR_HTTP */
     "The current user's credentials can be allowed for Negotiate to an untrusted host only over HTTPS."},
};

/* Phrases that need more than a flag name replaced; the first match at a position wins. */
static const struct {
    const char *from, *to;
} cli_phrases[] = {
    /* wsmanctl has no switch for implicit Negotiate credentials over HTTPS (winrm has none either). */
    {" or with SessionFlagAllowNegotiateImplicitCredentials", ""},
    {"give a user name and password, use Kerberos,", "give -u:USER and -p:PASSWORD, use -a:Kerberos,"},
    {"set SessionFlagNoEncryption and AllowUnencrypted", "give -unencrypted and set AllowUnencrypted"},
    {"Do not set SessionFlagNoEncryption", "Do not give -unencrypted"},
    {"when no authentication flag is given", "without -a"},
    {"More than one authentication mechanism flag was given", "Give one authentication mechanism (-a) only"},
    {"ConnectionOptions.CertificateThumbprint", "-c:THUMBPRINT"},
    {"ConnectionOptions.UserName", "-u:USER"},
    {"ConnectionOptions.Password", "-p:PASSWORD"},
    {"ConnectionOptions has no user name", "no -u:USER was given"},
    {"WSMan.CreateConnectionOptions", "wsmanctl"},
    {"Session.Timeout", "-timeout"},
    /* wsmanctl never opens a local session: without -r it connects to localhost. */
    {"(one created with an empty connection string)", "(one without a remote, which wsmanctl never opens)"},
    {"(empty connection string)", "(without a remote, which wsmanctl never opens)"},
    {"The connection string", "The remote (-r)"},
    {"the connection string", "the remote (-r)"},
    {"a connection string", "a remote (-r)"},
};

/* Flag names: SessionFlagX, WSManFlagX, EnumerationFlagX, WSManProxyX and ProxyX with one of these X. */
static const char *const cli_flag_prefixes[] = {"SessionFlag", "WSManFlag", "EnumerationFlag", "WSManProxy",
                                                "Proxy"};
static const struct {
    const char *name, *switch_text;
} cli_flag_words[] = {
    {"UTF8", "-encoding:utf-8"},
    {"UTF16", "-encoding:utf-16"},
    {"CredUsernamePassword", "-u:USER"},
    {"SkipCACheck", "-skipCAcheck"},
    {"SkipCNCheck", "-skipCNcheck"},
    {"SkipRevocationCheck", "-skipRevocationcheck"},
    {"UseNoAuthentication", "-a:None"},
    {"UseDigest", "-a:Digest"},
    {"UseNegotiate", "-a:Negotiate"},
    {"UseBasic", "-a:Basic"},
    {"UseKerberos", "-a:Kerberos"},
    {"UseClientCertificate", "-a:Certificate"},
    {"UseCredSsp", "-a:CredSSP"},
    {"NoEncryption", "-unencrypted"},
    {"EnableSPNServerPort", "-SPNPort"},
    {"UseSsl", "-usessl"},
    {"AllowNegotiateImplicitCredentials", "the current user's credentials for Negotiate over HTTPS"},
    {"ReturnObject", "-returnType:object"},
    {"ReturnEPR", "-returnType:epr"},
    {"ReturnObjectAndEPR", "-returnType:objectandepr"},
    {"HierarchyShallow", "-shallow"},
    {"HierarchyDeepBasePropsOnly", "-basePropertiesOnly"},
    {"AssociationInstance", "-associations"},
    {"IEConfig", "-proxyaccess:ie"},
    {"WinHttpConfig", "-proxyaccess:winhttp"},
    {"AutoDetect", "-proxyaccess:autodetect"},
    {"NoProxyServer", "-proxyaccess:none"},
    {"ProxyAuthenticationUseNegotiate", "-proxyauth:negotiate"},
    {"ProxyAuthenticationUseBasic", "-proxyauth:basic"},
    {"ProxyAuthenticationUseDigest", "-proxyauth:digest"},
};

static int is_word_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
}

/* The switch for the flag name at s (len bytes, a whole word), or NULL. */
static const char *flag_switch(const char *s, size_t len)
{
    for (size_t p = 0; p < sizeof(cli_flag_prefixes) / sizeof(cli_flag_prefixes[0]); p++) {
        size_t pl = strlen(cli_flag_prefixes[p]);
        if (len <= pl || strncmp(s, cli_flag_prefixes[p], pl))
            continue;
        for (size_t i = 0; i < sizeof(cli_flag_words) / sizeof(cli_flag_words[0]); i++) {
            const char *n = cli_flag_words[i].name;
            if (strlen(n) != len - pl)
                continue;
            size_t k = 0;
            while (k < len - pl && (s[pl + k] | 0x20) == (n[k] | 0x20))
                k++;
            if (k == len - pl)
                return cli_flag_words[i].switch_text;
        }
    }
    return NULL;
}

char *cli_words(HRESULT hr, const char *text)
{
    size_t n, cap, o = 0;
    char *out;

    for (size_t i = 0; i < sizeof(cli_sentences) / sizeof(cli_sentences[0]); i++)
        if (cli_sentences[i].hr == hr)
            return strdup(cli_sentences[i].text);
    if (!text)
        return NULL;
    n = strlen(text);
    cap = n * 2 + 64; /* no replacement more than doubles its text, plus room for one long one */
    if (!(out = malloc(cap)))
        return NULL;
    for (size_t i = 0; i < n;) {
        const char *rep = NULL;
        size_t used = 0, rl;

        for (size_t k = 0; k < sizeof(cli_phrases) / sizeof(cli_phrases[0]) && !rep; k++) {
            size_t fl = strlen(cli_phrases[k].from);
            if (!strncmp(text + i, cli_phrases[k].from, fl)) {
                rep = cli_phrases[k].to;
                used = fl;
            }
        }
        if (!rep && is_word_char(text[i]) && (!i || !is_word_char(text[i - 1]))) {
            size_t w = i;
            while (w < n && is_word_char(text[w]))
                w++;
            if ((rep = flag_switch(text + i, w - i)))
                used = w - i;
            else
                used = 0;
        }
        if (!rep) {
            rep = text + i;
            rl = 1;
            used = 1;
        } else {
            rl = strlen(rep);
        }
        if (o + rl + 1 > cap) {
            char *grown = realloc(out, (cap = (o + rl + 1) * 2));
            if (!grown) {
                free(out);
                return NULL;
            }
            out = grown;
        }
        memcpy(out + o, rep, rl);
        o += rl;
        i += used;
    }
    out[o] = '\0';
    return out;
}

char *cli_failure_line(const struct cli_failure *f)
{
    char *worded =
        cli_words(f ? f->hr : E_FAIL, f && f->text && *f->text ? f->text : "The operation failed.");
    const char *text = worded ? worded : f && f->text && *f->text ? f->text : "The operation failed.";
    size_t n = strlen(text), o = 0;
    char *line = malloc(n + 16);

    if (!line) {
        free(worded);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        char c = text[i];
        if (c == '\r' || c == '\n' || c == '\t') {
            if (o && line[o - 1] != ' ')
                line[o++] = ' ';
            continue;
        }
        line[o++] = c;
    }
    while (o && line[o - 1] == ' ')
        o--;
    snprintf(line + o, 16, " (0x%08X)", (unsigned)(f ? f->hr : E_FAIL));
    free(worded);
    return line;
}

HRESULT cli_wsman_create(IWSManEx3 **out, struct cli_failure *f)
{
    HRESULT hr = CoCreateInstance(&CLSID_WSMan, NULL, CLSCTX_INPROC_SERVER, &IID_IWSManEx3, (void **)out);
    if (FAILED(hr)) {
        *out = NULL;
        return cli_failure_set(f, hr, NULL);
    }
    return S_OK;
}

static long session_flags(const struct cli_opts *o)
{
    long flags = o->utf16 ? WSManFlagUTF16 : WSManFlagUTF8;

    switch (o->auth) {
    case CLI_AUTH_DEFAULT:
        break;
    case CLI_AUTH_NONE:
        flags |= WSManFlagUseNoAuthentication;
        break;
    case CLI_AUTH_BASIC:
        flags |= WSManFlagUseBasic;
        break;
    case CLI_AUTH_DIGEST:
        flags |= WSManFlagUseDigest;
        break;
    case CLI_AUTH_NEGOTIATE:
        flags |= WSManFlagUseNegotiate;
        break;
    case CLI_AUTH_KERBEROS:
        flags |= WSManFlagUseKerberos;
        break;
    case CLI_AUTH_CERTIFICATE:
        flags |= WSManFlagUseClientCertificate;
        break;
    case CLI_AUTH_CREDSSP:
        flags |= WSManFlagUseCredSsp;
        break;
    }
    if (o->username)
        flags |= WSManFlagCredUsernamePassword;
    if (o->unencrypted)
        flags |= WSManFlagNoEncryption;
    if (o->usessl)
        flags |= WSManFlagUseSsl;
    if (o->skip_ca)
        flags |= WSManFlagSkipCACheck;
    if (o->skip_cn)
        flags |= WSManFlagSkipCNCheck;
    if (o->skip_revocation)
        flags |= WSManFlagSkipRevocationCheck;
    if (o->spn_port)
        flags |= WSManFlagEnableSPNServerPort;
    return flags;
}

/* Fills a ConnectionOptions object; NULL options when nothing needs one. */
static HRESULT connection_options(IWSManEx3 *wsman, const struct cli_opts *o, IDispatch **out,
                                  struct cli_failure *f)
{
    IWSManConnectionOptionsEx2 *opts = NULL;
    IDispatch *disp = NULL;
    BSTR a = NULL, b = NULL;
    HRESULT hr;

    *out = NULL;
    if (!o->username && !o->cert_thumbprint && !o->proxy_access && !o->proxy_auth)
        return S_OK;
    if (FAILED(hr = IWSManEx3_CreateConnectionOptions(wsman, &disp)))
        return cli_failure_set(f, hr, (IUnknown *)wsman);
    hr = IDispatch_QueryInterface(disp, &IID_IWSManConnectionOptionsEx2, (void **)&opts);
    IDispatch_Release(disp);
    if (FAILED(hr))
        return cli_failure_set(f, hr, NULL);
    if (o->username) {
        if (!(a = cli_bstr_from_utf8(o->username)) ||
            !(b = cli_bstr_from_utf8(o->password ? o->password : "")))
            hr = E_OUTOFMEMORY;
        else if (SUCCEEDED(hr = IWSManConnectionOptionsEx2_put_UserName(opts, a)))
            hr = IWSManConnectionOptionsEx2_put_Password(opts, b);
        wipe_bstr(b);
        SysFreeString(a);
        SysFreeString(b);
        a = b = NULL;
        if (FAILED(hr))
            goto fail;
    }
    if (o->cert_thumbprint) {
        if (!(a = cli_bstr_from_utf8(o->cert_thumbprint)))
            hr = E_OUTOFMEMORY;
        else
            hr = IWSManConnectionOptionsEx2_put_CertificateThumbprint(opts, a);
        SysFreeString(a);
        a = NULL;
        if (FAILED(hr))
            goto fail;
    }
    if (o->proxy_access || o->proxy_auth) {
        if (!(a = cli_bstr_from_utf8(o->proxy_user ? o->proxy_user : "")) ||
            !(b = cli_bstr_from_utf8(o->proxy_password ? o->proxy_password : "")))
            hr = E_OUTOFMEMORY;
        else
            hr = IWSManConnectionOptionsEx2_SetProxy(opts, o->proxy_access, o->proxy_auth, a, b);
        wipe_bstr(b);
        SysFreeString(a);
        SysFreeString(b);
        if (FAILED(hr))
            goto fail;
    }
    *out = (IDispatch *)opts;
    return S_OK;

fail:
    cli_failure_set(f, hr, (IUnknown *)opts);
    IWSManConnectionOptionsEx2_Release(opts);
    return hr;
}

HRESULT cli_session_open(IWSManEx3 *wsman, const struct cli_opts *o, const char *remote, IWSManSession **out,
                         struct cli_failure *f)
{
    IDispatch *opts = NULL, *disp = NULL;
    BSTR connection = NULL;
    HRESULT hr;

    *out = NULL;
    if (FAILED(hr = connection_options(wsman, o, &opts, f)))
        return hr;
    if (!(connection = cli_bstr_from_utf8(remote ? remote : ""))) {
        hr = cli_failure_text(f, E_OUTOFMEMORY, "Out of memory.");
        goto done;
    }
    if (FAILED(hr = IWSManEx3_CreateSession(wsman, connection, session_flags(o), opts, &disp))) {
        cli_failure_set(f, hr, (IUnknown *)wsman);
        goto done;
    }
    hr = IDispatch_QueryInterface(disp, &IID_IWSManSession, (void **)out);
    IDispatch_Release(disp);
    if (FAILED(hr)) {
        cli_failure_set(f, hr, NULL);
        goto done;
    }
    if (o->timeout_ms > 0 && FAILED(hr = IWSManSession_put_Timeout(*out, (LONG)o->timeout_ms))) {
        cli_failure_set(f, hr, (IUnknown *)*out);
        IWSManSession_Release(*out);
        *out = NULL;
    }
done:
    SysFreeString(connection);
    if (opts)
        IDispatch_Release(opts);
    return hr;
}

static HRESULT put_text(IWSManResourceLocator *loc,
                        HRESULT(STDMETHODCALLTYPE *put)(IWSManResourceLocator *, BSTR), const char *text,
                        struct cli_failure *f)
{
    BSTR b = cli_bstr_from_utf8(text);
    HRESULT hr;

    if (!b)
        return cli_failure_text(f, E_OUTOFMEMORY, "Out of memory.");
    hr = put(loc, b);
    SysFreeString(b);
    return FAILED(hr) ? cli_failure_set(f, hr, (IUnknown *)loc) : hr;
}

HRESULT cli_locator_add_selector(IWSManResourceLocator *loc, const char *name, const char *value,
                                 struct cli_failure *f)
{
    BSTR n = cli_bstr_from_utf8(name);
    VARIANT v;
    HRESULT hr;

    VariantInit(&v);
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = cli_bstr_from_utf8(value);
    if (!n || !V_BSTR(&v))
        hr = cli_failure_text(f, E_OUTOFMEMORY, "Out of memory.");
    else if (FAILED(hr = IWSManResourceLocator_AddSelector(loc, n, v)))
        cli_failure_set(f, hr, (IUnknown *)loc);
    SysFreeString(n);
    VariantClear(&v);
    return hr;
}

HRESULT cli_locator_add_option(IWSManResourceLocator *loc, const char *name, const char *value,
                               int must_comply, struct cli_failure *f)
{
    BSTR n = cli_bstr_from_utf8(name);
    VARIANT v;
    HRESULT hr;

    VariantInit(&v);
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = cli_bstr_from_utf8(value ? value : "");
    if (!n || !V_BSTR(&v))
        hr = cli_failure_text(f, E_OUTOFMEMORY, "Out of memory.");
    else if (FAILED(hr = IWSManResourceLocator_AddOption(loc, n, v, must_comply ? TRUE : FALSE)))
        cli_failure_set(f, hr, (IUnknown *)loc);
    SysFreeString(n);
    VariantClear(&v);
    return hr;
}

HRESULT cli_locator_create(IWSManEx3 *wsman, const struct cli_opts *o, const char *resource,
                           IWSManResourceLocator **out, struct cli_failure *f)
{
    IDispatch *disp = NULL;
    BSTR text = cli_bstr_from_utf8(resource ? resource : "");
    HRESULT hr;

    *out = NULL;
    if (!text)
        return cli_failure_text(f, E_OUTOFMEMORY, "Out of memory.");
    hr = IWSManEx3_CreateResourceLocator(wsman, text, &disp);
    SysFreeString(text);
    if (FAILED(hr))
        return cli_failure_set(f, hr, (IUnknown *)wsman);
    hr = IDispatch_QueryInterface(disp, &IID_IWSManResourceLocator, (void **)out);
    IDispatch_Release(disp);
    if (FAILED(hr))
        return cli_failure_set(f, hr, NULL);
    if (o && o->fragment && FAILED(hr = put_text(*out, (*out)->lpVtbl->put_FragmentPath, o->fragment, f)))
        goto fail;
    if (o && o->options) {
        for (size_t i = 0; i < o->options->count; i++) {
            const struct cli_prop *p = &o->options->items[i];
            if (p->children) {
                hr =
                    cli_failure_text(f, E_INVALIDARG, "-options: an option value cannot be a nested @{...}.");
                goto fail;
            }
            if (FAILED(hr = cli_locator_add_option(*out, p->name, p->value, 0, f)))
                goto fail;
        }
    }
    return S_OK;

fail:
    IWSManResourceLocator_Release(*out);
    *out = NULL;
    return hr;
}

char *cli_locator_uri(IWSManResourceLocator *loc)
{
    BSTR uri = NULL;
    char *s;

    if (FAILED(IWSManResourceLocator_get_ResourceURI(loc, &uri)))
        return NULL;
    s = cli_utf8_from_olestr(uri);
    SysFreeString(uri);
    return s;
}

VARIANT cli_locator_variant(IWSManResourceLocator *loc)
{
    VARIANT v;

    VariantInit(&v);
    V_VT(&v) = VT_DISPATCH;
    V_DISPATCH(&v) = (IDispatch *)loc;
    return v;
}

/* Stores a BSTR result as UTF-8 and frees it. (The callers make the call first and pass its out-parameter
 * afterwards: C leaves the order in which arguments are evaluated open.) */
static HRESULT take_result(HRESULT hr, BSTR b, char **result, IWSManSession *s, struct cli_failure *f)
{
    if (FAILED(hr)) {
        SysFreeString(b);
        return cli_failure_set(f, hr, (IUnknown *)s);
    }
    if (result) {
        *result = cli_utf8_from_olestr(b);
        if (!*result) {
            SysFreeString(b);
            return cli_failure_text(f, E_OUTOFMEMORY, "Out of memory.");
        }
    }
    SysFreeString(b);
    return hr;
}

HRESULT cli_session_invoke(IWSManSession *s, const char *action, IWSManResourceLocator *loc, const char *xml,
                           char **result, struct cli_failure *f)
{
    BSTR a = cli_bstr_from_utf8(action), body = cli_bstr_from_utf8(xml ? xml : ""), out = NULL;
    HRESULT hr;

    *result = NULL;
    if (!a || !body) {
        hr = cli_failure_text(f, E_OUTOFMEMORY, "Out of memory.");
    } else {
        hr = IWSManSession_Invoke(s, a, cli_locator_variant(loc), body, 0, &out);
        hr = take_result(hr, out, result, s, f);
    }
    SysFreeString(a);
    SysFreeString(body);
    return hr;
}

HRESULT cli_session_create(IWSManSession *s, IWSManResourceLocator *loc, const char *xml, char **result,
                           struct cli_failure *f)
{
    BSTR body = cli_bstr_from_utf8(xml ? xml : ""), out = NULL;
    HRESULT hr;

    *result = NULL;
    if (!body)
        return cli_failure_text(f, E_OUTOFMEMORY, "Out of memory.");
    hr = IWSManSession_Create(s, cli_locator_variant(loc), body, 0, &out);
    hr = take_result(hr, out, result, s, f);
    SysFreeString(body);
    return hr;
}

HRESULT cli_session_delete(IWSManSession *s, IWSManResourceLocator *loc, struct cli_failure *f)
{
    HRESULT hr = IWSManSession_Delete(s, cli_locator_variant(loc), 0);
    return FAILED(hr) ? cli_failure_set(f, hr, (IUnknown *)s) : hr;
}

HRESULT cli_session_get(IWSManSession *s, IWSManResourceLocator *loc, long flags, char **result,
                        struct cli_failure *f)
{
    BSTR out = NULL;
    HRESULT hr;

    *result = NULL;
    hr = IWSManSession_Get(s, cli_locator_variant(loc), flags, &out);
    return take_result(hr, out, result, s, f);
}

HRESULT cli_session_put(IWSManSession *s, IWSManResourceLocator *loc, const char *xml, char **result,
                        struct cli_failure *f)
{
    BSTR body = cli_bstr_from_utf8(xml ? xml : ""), out = NULL;
    HRESULT hr;

    *result = NULL;
    if (!body)
        return cli_failure_text(f, E_OUTOFMEMORY, "Out of memory.");
    hr = IWSManSession_Put(s, cli_locator_variant(loc), body, 0, &out);
    hr = take_result(hr, out, result, s, f);
    SysFreeString(body);
    return hr;
}
