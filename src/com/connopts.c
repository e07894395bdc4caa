/*
 * The ConnectionOptions object (IWSManConnectionOptions, ...Ex, ...Ex2):
 * credentials, client-certificate thumbprint and proxy settings for
 * CreateSession. The password is write-only and wiped from memory when it
 * is replaced or the object is released.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "private.h"

struct connopts {
    IWSManConnectionOptionsEx2 IWSManConnectionOptionsEx2_iface;
    struct support_error_info sei;
    atomic_long refs;
    struct com_error error;
    wsm_lock lock;
    struct wsm_session_options opts;
};

static const IID *const connopts_error_iids[] = {&IID_IWSManConnectionOptions, &IID_IWSManConnectionOptionsEx,
                                                 &IID_IWSManConnectionOptionsEx2, NULL};
static const IWSManConnectionOptionsEx2Vtbl connopts_vtbl;

static inline struct connopts *impl_from_IWSManConnectionOptionsEx2(IWSManConnectionOptionsEx2 *iface)
{
    return CONTAINING_RECORD(iface, struct connopts, IWSManConnectionOptionsEx2_iface);
}

static HRESULT STDMETHODCALLTYPE connopts_QueryInterface(IWSManConnectionOptionsEx2 *iface, REFIID riid,
                                                         void **ppv)
{
    struct connopts *This = impl_from_IWSManConnectionOptionsEx2(iface);

    if (!ppv)
        return E_POINTER;
    if (!riid) {
        *ppv = NULL;
        return E_INVALIDARG;
    }
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) ||
        IsEqualIID(riid, &IID_IWSManConnectionOptions) || IsEqualIID(riid, &IID_IWSManConnectionOptionsEx) ||
        IsEqualIID(riid, &IID_IWSManConnectionOptionsEx2))
        *ppv = &This->IWSManConnectionOptionsEx2_iface;
    else if (IsEqualIID(riid, &IID_ISupportErrorInfo))
        *ppv = &This->sei.ISupportErrorInfo_iface;
    else {
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    IUnknown_AddRef((IUnknown *)*ppv);
    return S_OK;
}

static ULONG STDMETHODCALLTYPE connopts_AddRef(IWSManConnectionOptionsEx2 *iface)
{
    struct connopts *This = impl_from_IWSManConnectionOptionsEx2(iface);
    return (ULONG)atomic_fetch_add(&This->refs, 1) + 1;
}

static ULONG STDMETHODCALLTYPE connopts_Release(IWSManConnectionOptionsEx2 *iface)
{
    struct connopts *This = impl_from_IWSManConnectionOptionsEx2(iface);
    ULONG refs = (ULONG)atomic_fetch_sub(&This->refs, 1) - 1;

    if (!refs) {
        wsm_session_options_clear(&This->opts); /* wipes the passwords */
        com_error_destroy(&This->error);
        wsm_lock_destroy(&This->lock);
        free(This);
        com_object_destroyed();
    }
    return refs;
}

DEFINE_DISPATCH(IWSManConnectionOptionsEx2, disp_IWSManConnectionOptionsEx2)

/* Replaces *field with a UTF-8 copy of value; a secret's old value is wiped. */
static HRESULT store_string(struct connopts *This, char **field, BSTR value, int secret)
{
    char *utf8 = utf8_from_olestr(value), *old;

    if (!utf8)
        return E_OUTOFMEMORY;
    wsm_lock_enter(&This->lock);
    old = *field;
    *field = utf8;
    wsm_lock_leave(&This->lock);
    if (secret)
        wsm_wipe_free(old);
    else
        free(old);
    return S_OK;
}

static HRESULT load_string(struct connopts *This, char *const *field, BSTR *value)
{
    HRESULT hr;

    if (!value)
        return E_POINTER;
    wsm_lock_enter(&This->lock);
    hr = return_bstr(*field ? *field : "", value);
    wsm_lock_leave(&This->lock);
    return hr;
}

static HRESULT STDMETHODCALLTYPE connopts_get_UserName(IWSManConnectionOptionsEx2 *iface, BSTR *name)
{
    struct connopts *This = impl_from_IWSManConnectionOptionsEx2(iface);
    return load_string(This, &This->opts.user, name);
}

static HRESULT STDMETHODCALLTYPE connopts_put_UserName(IWSManConnectionOptionsEx2 *iface, BSTR name)
{
    struct connopts *This = impl_from_IWSManConnectionOptionsEx2(iface);
    return store_string(This, &This->opts.user, name, 0);
}

static HRESULT STDMETHODCALLTYPE connopts_put_Password(IWSManConnectionOptionsEx2 *iface, BSTR password)
{
    struct connopts *This = impl_from_IWSManConnectionOptionsEx2(iface);
    return store_string(This, &This->opts.password, password, 1);
}

static HRESULT STDMETHODCALLTYPE connopts_get_CertificateThumbprint(IWSManConnectionOptionsEx2 *iface,
                                                                    BSTR *thumbprint)
{
    struct connopts *This = impl_from_IWSManConnectionOptionsEx2(iface);
    return load_string(This, &This->opts.thumbprint, thumbprint);
}

static HRESULT STDMETHODCALLTYPE connopts_put_CertificateThumbprint(IWSManConnectionOptionsEx2 *iface,
                                                                    BSTR thumbprint)
{
    struct connopts *This = impl_from_IWSManConnectionOptionsEx2(iface);
    char *text, *normalized = NULL, *detail = NULL, *old;
    HRESULT hr;

    if (!(text = utf8_from_olestr(thumbprint)))
        return E_OUTOFMEMORY;
    hr = wsm_normalize_thumbprint(text, &normalized, &detail);
    free(text);
    if (FAILED(hr)) {
        hr = hr == WSM_E_OUTOFMEMORY ? hr : com_fail(&This->error, hr, detail);
        free(detail);
        return hr;
    }
    wsm_lock_enter(&This->lock);
    old = This->opts.thumbprint;
    This->opts.thumbprint = normalized;
    wsm_lock_leave(&This->lock);
    free(old);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE connopts_SetProxy(IWSManConnectionOptionsEx2 *iface, LONG access, LONG auth,
                                                   BSTR user, BSTR password)
{
    struct connopts *This = impl_from_IWSManConnectionOptionsEx2(iface);
    char *u = utf8_from_olestr(user), *p = utf8_from_olestr(password), *detail = NULL;
    char *old_user, *old_password;
    HRESULT hr;

    if (!u || !p) {
        free(u);
        wsm_wipe_free(p);
        return E_OUTOFMEMORY;
    }
    if (FAILED(hr = wsm_check_proxy(access, auth, u, p, &detail))) {
        free(u);
        wsm_wipe_free(p);
        hr = com_fail(&This->error, hr, detail);
        free(detail);
        return hr;
    }
    wsm_lock_enter(&This->lock);
    old_user = This->opts.proxy_user;
    old_password = This->opts.proxy_password;
    This->opts.proxy_set = 1;
    This->opts.proxy_access = access ? access : WSM_PROXY_WINHTTP_CONFIG;
    This->opts.proxy_auth = auth;
    This->opts.proxy_user = u;
    This->opts.proxy_password = p;
    wsm_lock_leave(&This->lock);
    free(old_user);
    wsm_wipe_free(old_password);
    return S_OK;
}

#define CONSTANT_GETTER(name, value)                                                                         \
    static HRESULT STDMETHODCALLTYPE connopts_##name(IWSManConnectionOptionsEx2 *iface, LONG *out)           \
    {                                                                                                        \
        (void)iface;                                                                                         \
        if (!out)                                                                                            \
            return E_POINTER;                                                                                \
        *out = (LONG)(value);                                                                                \
        return S_OK;                                                                                         \
    }
CONSTANT_GETTER(ProxyIEConfig, WSManProxyIEConfig)
CONSTANT_GETTER(ProxyWinHttpConfig, WSManProxyWinHttpConfig)
CONSTANT_GETTER(ProxyAutoDetect, WSManProxyAutoDetect)
CONSTANT_GETTER(ProxyNoProxyServer, WSManProxyNoProxyServer)
CONSTANT_GETTER(ProxyAuthenticationUseNegotiate, WSManFlagProxyAuthenticationUseNegotiate)
CONSTANT_GETTER(ProxyAuthenticationUseBasic, WSManFlagProxyAuthenticationUseBasic)
CONSTANT_GETTER(ProxyAuthenticationUseDigest, WSManFlagProxyAuthenticationUseDigest)

static const IWSManConnectionOptionsEx2Vtbl connopts_vtbl = {
    connopts_QueryInterface,
    connopts_AddRef,
    connopts_Release,
    IWSManConnectionOptionsEx2_disp_GetTypeInfoCount,
    IWSManConnectionOptionsEx2_disp_GetTypeInfo,
    IWSManConnectionOptionsEx2_disp_GetIDsOfNames,
    IWSManConnectionOptionsEx2_disp_Invoke,
    connopts_get_UserName,
    connopts_put_UserName,
    connopts_put_Password,
    connopts_get_CertificateThumbprint,
    connopts_put_CertificateThumbprint,
    connopts_SetProxy,
    connopts_ProxyIEConfig,
    connopts_ProxyWinHttpConfig,
    connopts_ProxyAutoDetect,
    connopts_ProxyNoProxyServer,
    connopts_ProxyAuthenticationUseNegotiate,
    connopts_ProxyAuthenticationUseBasic,
    connopts_ProxyAuthenticationUseDigest,
};

HRESULT connection_options_create(IDispatch **out)
{
    struct connopts *This = calloc(1, sizeof(*This));

    *out = NULL;
    if (!This)
        return E_OUTOFMEMORY;
    This->IWSManConnectionOptionsEx2_iface.lpVtbl = &connopts_vtbl;
    support_error_info_init(&This->sei, (IUnknown *)&This->IWSManConnectionOptionsEx2_iface,
                            connopts_error_iids);
    atomic_init(&This->refs, 1);
    com_error_init(&This->error, "ConnectionOptions", &IID_IWSManConnectionOptionsEx2);
    wsm_lock_init(&This->lock);
    com_object_created();
    *out = (IDispatch *)&This->IWSManConnectionOptionsEx2_iface;
    return S_OK;
}

HRESULT connection_options_snapshot(IDispatch *disp, struct wsm_session_options *out)
{
    IWSManConnectionOptionsEx2 *iface;
    struct connopts *This;
    int32_t hr;

    if (!disp || FAILED(IDispatch_QueryInterface(disp, &IID_IWSManConnectionOptionsEx2, (void **)&iface)))
        return E_INVALIDARG;
    if (iface->lpVtbl != &connopts_vtbl) { /* someone else's implementation */
        IWSManConnectionOptionsEx2_Release(iface);
        return E_INVALIDARG;
    }
    This = impl_from_IWSManConnectionOptionsEx2(iface);
    wsm_lock_enter(&This->lock);
    hr = wsm_session_options_copy(out, &This->opts);
    wsm_lock_leave(&This->lock);
    IWSManConnectionOptionsEx2_Release(iface);
    return hr;
}
