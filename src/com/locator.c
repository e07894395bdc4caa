/*
 * The ResourceLocator object (IWSManResourceLocator plus the empty
 * IWSManResourceLocatorInternal marker): a resource URI with selectors,
 * options and a fragment, handed to Session methods instead of a string.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "private.h"

struct locator {
    IWSManResourceLocator IWSManResourceLocator_iface;
    IWSManResourceLocatorInternal IWSManResourceLocatorInternal_iface;
    struct support_error_info sei;
    atomic_long refs;
    struct com_error error;
    wsm_lock lock;
    struct wsm_locator *state;
};

static const IID *const locator_error_iids[] = {&IID_IWSManResourceLocator, NULL};
static const IWSManResourceLocatorVtbl locator_vtbl;

static inline struct locator *impl_from_IWSManResourceLocator(IWSManResourceLocator *iface)
{
    return CONTAINING_RECORD(iface, struct locator, IWSManResourceLocator_iface);
}

static inline struct locator *impl_from_IWSManResourceLocatorInternal(IWSManResourceLocatorInternal *iface)
{
    return CONTAINING_RECORD(iface, struct locator, IWSManResourceLocatorInternal_iface);
}

static HRESULT STDMETHODCALLTYPE locator_QueryInterface(IWSManResourceLocator *iface, REFIID riid, void **ppv)
{
    struct locator *This = impl_from_IWSManResourceLocator(iface);

    if (!ppv)
        return E_POINTER;
    if (!riid) {
        *ppv = NULL;
        return E_INVALIDARG;
    }
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) ||
        IsEqualIID(riid, &IID_IWSManResourceLocator))
        *ppv = &This->IWSManResourceLocator_iface;
    else if (IsEqualIID(riid, &IID_IWSManResourceLocatorInternal))
        *ppv = &This->IWSManResourceLocatorInternal_iface;
    else if (IsEqualIID(riid, &IID_ISupportErrorInfo))
        *ppv = &This->sei.ISupportErrorInfo_iface;
    else {
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    IUnknown_AddRef((IUnknown *)*ppv);
    return S_OK;
}

static ULONG STDMETHODCALLTYPE locator_AddRef(IWSManResourceLocator *iface)
{
    struct locator *This = impl_from_IWSManResourceLocator(iface);
    return (ULONG)atomic_fetch_add(&This->refs, 1) + 1;
}

static ULONG STDMETHODCALLTYPE locator_Release(IWSManResourceLocator *iface)
{
    struct locator *This = impl_from_IWSManResourceLocator(iface);
    ULONG refs = (ULONG)atomic_fetch_sub(&This->refs, 1) - 1;

    if (!refs) {
        wsm_locator_free(This->state);
        com_error_destroy(&This->error);
        wsm_lock_destroy(&This->lock);
        free(This);
        com_object_destroyed();
    }
    return refs;
}

DEFINE_DISPATCH(IWSManResourceLocator, disp_IWSManResourceLocator)

/* Converts a VARIANT selector/option value to UTF-8 text. Empty and Null
 * give NULL (a nil value). */
static HRESULT variant_to_utf8(const VARIANT *value, char **out)
{
    VARIANT text;
    HRESULT hr;

    *out = NULL;
    VariantInit(&text);
    if ((hr = VariantCopyInd(&text, (VARIANT *)value)) != S_OK)
        return hr;
    if (V_VT(&text) == VT_EMPTY || V_VT(&text) == VT_NULL)
        return S_OK;
    if (V_VT(&text) == VT_DISPATCH || V_VT(&text) == VT_UNKNOWN) {
        VariantClear(&text);
        return DISP_E_TYPEMISMATCH;
    }
    if (FAILED(hr = VariantChangeType(&text, &text, 0, VT_BSTR))) {
        VariantClear(&text);
        return hr;
    }
    *out = utf8_from_olestr(V_BSTR(&text));
    VariantClear(&text);
    return *out ? S_OK : E_OUTOFMEMORY;
}

/* Runs a state change under the lock and reports its failure. */
static HRESULT finish(struct locator *This, int32_t hr, char *detail)
{
    if (FAILED(hr) && hr != WSM_E_OUTOFMEMORY)
        hr = com_fail(&This->error, hr, detail);
    free(detail);
    return hr;
}

static HRESULT STDMETHODCALLTYPE locator_put_ResourceURI(IWSManResourceLocator *iface, BSTR uri)
{
    struct locator *This = impl_from_IWSManResourceLocator(iface);
    char *text, *expanded = NULL, *old;

    if (!(text = utf8_from_olestr(uri)))
        return E_OUTOFMEMORY;
    /* The documented contract: a path only; keys go through AddSelector. */
    if (strchr(text, '?')) {
        free(text);
        return com_fail(&This->error, ERROR_WSMAN_INVALID_URI,
                        "ResourceURI takes the URI without a query part; add keys with AddSelector.");
    }
    if (*text && !(expanded = wsm_expand_alias(text))) {
        free(text);
        return E_OUTOFMEMORY;
    }
    free(text);
    wsm_lock_enter(&This->lock);
    old = This->state->uri;
    This->state->uri = expanded;
    wsm_lock_leave(&This->lock);
    free(old);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE locator_get_ResourceURI(IWSManResourceLocator *iface, BSTR *uri)
{
    struct locator *This = impl_from_IWSManResourceLocator(iface);
    HRESULT hr;

    if (!uri)
        return E_POINTER;
    wsm_lock_enter(&This->lock);
    hr = return_bstr(This->state->uri ? This->state->uri : "", uri);
    wsm_lock_leave(&This->lock);
    return hr;
}

static HRESULT STDMETHODCALLTYPE locator_AddSelector(IWSManResourceLocator *iface, BSTR name, VARIANT value)
{
    struct locator *This = impl_from_IWSManResourceLocator(iface);
    char *n, *v, *detail = NULL;
    HRESULT hr;

    if (FAILED(hr = variant_to_utf8(&value, &v)))
        return com_fail(&This->error, hr, "A selector value must be text or a number.");
    if (!(n = utf8_from_olestr(name))) {
        free(v);
        return E_OUTOFMEMORY;
    }
    wsm_lock_enter(&This->lock);
    hr = wsm_locator_add_selector(This->state, n, v, &detail);
    wsm_lock_leave(&This->lock);
    free(n);
    free(v);
    return finish(This, hr, detail);
}

static HRESULT STDMETHODCALLTYPE locator_ClearSelectors(IWSManResourceLocator *iface)
{
    struct locator *This = impl_from_IWSManResourceLocator(iface);

    wsm_lock_enter(&This->lock);
    wsm_locator_clear_selectors(This->state);
    wsm_lock_leave(&This->lock);
    return S_OK;
}

static HRESULT get_text(struct locator *This, char *const *field, BSTR *out)
{
    HRESULT hr;

    if (!out)
        return E_POINTER;
    wsm_lock_enter(&This->lock);
    hr = return_bstr(*field ? *field : "", out);
    wsm_lock_leave(&This->lock);
    return hr;
}

static HRESULT put_text(struct locator *This, char **field, BSTR text)
{
    char *utf8 = utf8_from_olestr(text), *old;

    if (!utf8)
        return E_OUTOFMEMORY;
    wsm_lock_enter(&This->lock);
    old = *field;
    *field = utf8;
    wsm_lock_leave(&This->lock);
    free(old);
    return S_OK;
}

/* locator_get_NAME and locator_put_NAME of a text property kept in This->state->FIELD. */
#define TEXT_PROPERTY(NAME, FIELD)                                                                           \
    static HRESULT STDMETHODCALLTYPE locator_get_##NAME(IWSManResourceLocator *iface, BSTR *text)            \
    {                                                                                                        \
        struct locator *This = impl_from_IWSManResourceLocator(iface);                                       \
        return get_text(This, &This->state->FIELD, text);                                                    \
    }                                                                                                        \
    static HRESULT STDMETHODCALLTYPE locator_put_##NAME(IWSManResourceLocator *iface, BSTR text)             \
    {                                                                                                        \
        struct locator *This = impl_from_IWSManResourceLocator(iface);                                       \
        return put_text(This, &This->state->FIELD, text);                                                    \
    }

TEXT_PROPERTY(FragmentPath, fragment_path)
TEXT_PROPERTY(FragmentDialect, fragment_dialect)
#undef TEXT_PROPERTY

/* The xs: type an option value is sent with (w:Option/@Type): booleans
 * and numbers say what they are; text says nothing. */
static const char *option_type(const VARIANT *value)
{
    VARTYPE vt = V_VT(value) & ~VT_BYREF;

    switch (vt) {
    case VT_BOOL:
        return "xs:boolean";
    case VT_I1:
    case VT_I2:
    case VT_I4:
    case VT_INT:
        return "xs:int";
    case VT_UI1:
    case VT_UI2:
    case VT_UI4:
    case VT_UINT:
        return "xs:unsignedInt";
    case VT_I8:
        return "xs:long";
    case VT_UI8:
        return "xs:unsignedLong";
    case VT_R4:
        return "xs:float";
    case VT_R8:
        return "xs:double";
    default:
        return NULL;
    }
}

static HRESULT STDMETHODCALLTYPE locator_AddOption(IWSManResourceLocator *iface, BSTR name, VARIANT value,
                                                   BOOL must_comply)
{
    struct locator *This = impl_from_IWSManResourceLocator(iface);
    const char *type = option_type(&value);
    char *n, *v, *detail = NULL;
    HRESULT hr;

    if (type && !strcmp(type, "xs:boolean")) {
        VARIANT_BOOL b =
            (V_VT(&value) & VT_BYREF) ? (V_BOOLREF(&value) ? *V_BOOLREF(&value) : 0) : V_BOOL(&value);
        v = wsm_strdup(b ? "true" : "false");
        hr = v ? S_OK : E_OUTOFMEMORY;
    } else
        hr = variant_to_utf8(&value, &v);
    if (FAILED(hr))
        return com_fail(&This->error, hr, "An option value must be text, a number, Empty or Null.");
    if (!(n = utf8_from_olestr(name))) {
        free(v);
        return E_OUTOFMEMORY;
    }
    wsm_lock_enter(&This->lock);
    hr = wsm_locator_add_option(This->state, n, v, must_comply, &detail);
    if (!hr && type && !(This->state->options[This->state->n_options - 1].type = wsm_strdup(type)))
        hr = E_OUTOFMEMORY;
    wsm_lock_leave(&This->lock);
    free(n);
    free(v);
    return finish(This, hr, detail);
}

static HRESULT STDMETHODCALLTYPE locator_put_MustUnderstandOptions(IWSManResourceLocator *iface, BOOL value)
{
    struct locator *This = impl_from_IWSManResourceLocator(iface);

    wsm_lock_enter(&This->lock);
    This->state->must_understand_options = !!value;
    wsm_lock_leave(&This->lock);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE locator_get_MustUnderstandOptions(IWSManResourceLocator *iface, BOOL *value)
{
    struct locator *This = impl_from_IWSManResourceLocator(iface);

    if (!value)
        return E_POINTER;
    wsm_lock_enter(&This->lock);
    *value = This->state->must_understand_options ? TRUE : FALSE;
    wsm_lock_leave(&This->lock);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE locator_ClearOptions(IWSManResourceLocator *iface)
{
    struct locator *This = impl_from_IWSManResourceLocator(iface);

    wsm_lock_enter(&This->lock);
    wsm_locator_clear_options(This->state);
    wsm_lock_leave(&This->lock);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE locator_get_Error(IWSManResourceLocator *iface, BSTR *value)
{
    return com_error_get(&impl_from_IWSManResourceLocator(iface)->error, value);
}

static const IWSManResourceLocatorVtbl locator_vtbl = {
    locator_QueryInterface,
    locator_AddRef,
    locator_Release,
    IWSManResourceLocator_disp_GetTypeInfoCount,
    IWSManResourceLocator_disp_GetTypeInfo,
    IWSManResourceLocator_disp_GetIDsOfNames,
    IWSManResourceLocator_disp_Invoke,
    locator_put_ResourceURI,
    locator_get_ResourceURI,
    locator_AddSelector,
    locator_ClearSelectors,
    locator_get_FragmentPath,
    locator_put_FragmentPath,
    locator_get_FragmentDialect,
    locator_put_FragmentDialect,
    locator_AddOption,
    locator_put_MustUnderstandOptions,
    locator_get_MustUnderstandOptions,
    locator_ClearOptions,
    locator_get_Error,
};

/* ---- IWSManResourceLocatorInternal: IUnknown only ---- */

static HRESULT STDMETHODCALLTYPE internal_QueryInterface(IWSManResourceLocatorInternal *iface, REFIID riid,
                                                         void **ppv)
{
    struct locator *This = impl_from_IWSManResourceLocatorInternal(iface);
    return locator_QueryInterface(&This->IWSManResourceLocator_iface, riid, ppv);
}

static ULONG STDMETHODCALLTYPE internal_AddRef(IWSManResourceLocatorInternal *iface)
{
    return locator_AddRef(&impl_from_IWSManResourceLocatorInternal(iface)->IWSManResourceLocator_iface);
}

static ULONG STDMETHODCALLTYPE internal_Release(IWSManResourceLocatorInternal *iface)
{
    return locator_Release(&impl_from_IWSManResourceLocatorInternal(iface)->IWSManResourceLocator_iface);
}

static const IWSManResourceLocatorInternalVtbl locator_internal_vtbl = {
    internal_QueryInterface,
    internal_AddRef,
    internal_Release,
};

HRESULT resource_locator_create(const char *text, struct com_error *report, IDispatch **out)
{
    struct locator *This;
    char *detail = NULL;
    int32_t hr;

    *out = NULL;
    if (!(This = calloc(1, sizeof(*This))) || !(This->state = calloc(1, sizeof(*This->state)))) {
        free(This);
        return E_OUTOFMEMORY;
    }
    if ((hr = wsm_locator_set_uri_text(This->state, text, &detail))) {
        wsm_locator_free(This->state);
        free(This);
        hr = hr == WSM_E_OUTOFMEMORY ? hr : com_fail(report, hr, detail);
        free(detail);
        return hr;
    }
    This->IWSManResourceLocator_iface.lpVtbl = &locator_vtbl;
    This->IWSManResourceLocatorInternal_iface.lpVtbl = &locator_internal_vtbl;
    support_error_info_init(&This->sei, (IUnknown *)&This->IWSManResourceLocator_iface, locator_error_iids);
    atomic_init(&This->refs, 1);
    com_error_init(&This->error, "ResourceLocator", &IID_IWSManResourceLocator);
    wsm_lock_init(&This->lock);
    com_object_created();
    *out = (IDispatch *)&This->IWSManResourceLocator_iface;
    return S_OK;
}

HRESULT resource_locator_snapshot(IDispatch *disp, struct wsm_locator **out)
{
    IWSManResourceLocatorInternal *marker;
    struct wsm_locator *copy;
    struct locator *This;

    *out = NULL;
    if (!disp || FAILED(IDispatch_QueryInterface(disp, &IID_IWSManResourceLocatorInternal, (void **)&marker)))
        return E_INVALIDARG;
    if (marker->lpVtbl != &locator_internal_vtbl) {
        IUnknown_Release((IUnknown *)marker);
        return E_INVALIDARG;
    }
    This = impl_from_IWSManResourceLocatorInternal(marker);
    wsm_lock_enter(&This->lock);
    copy = wsm_locator_copy(This->state);
    wsm_lock_leave(&This->lock);
    IUnknown_Release((IUnknown *)marker);
    return (*out = copy) ? S_OK : E_OUTOFMEMORY;
}
