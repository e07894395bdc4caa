/*
 * The WSManInternal object (IWSManInternal, dispatch-only): ConfigSDDL,
 * which backs `winrm configsddl` on Windows by opening the security
 * descriptor editor. There is no such editor here, so it fails plainly.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "private.h"

struct wsman_internal {
    IWSManInternal IWSManInternal_iface;
    struct support_error_info sei;
    atomic_long refs;
    struct com_error error;
};

static const IID *const internal_error_iids[] = {&IID_IWSManInternal, NULL};

static inline struct wsman_internal *impl_from_IWSManInternal(IWSManInternal *iface)
{
    return CONTAINING_RECORD(iface, struct wsman_internal, IWSManInternal_iface);
}

static HRESULT STDMETHODCALLTYPE internal_QueryInterface(IWSManInternal *iface, REFIID riid, void **ppv)
{
    struct wsman_internal *This = impl_from_IWSManInternal(iface);

    if (!ppv)
        return E_POINTER;
    if (!riid) {
        *ppv = NULL;
        return E_INVALIDARG;
    }
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) ||
        IsEqualIID(riid, &IID_IWSManInternal))
        *ppv = &This->IWSManInternal_iface;
    else if (IsEqualIID(riid, &IID_ISupportErrorInfo))
        *ppv = &This->sei.ISupportErrorInfo_iface;
    else {
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    IUnknown_AddRef((IUnknown *)*ppv);
    return S_OK;
}

static ULONG STDMETHODCALLTYPE internal_AddRef(IWSManInternal *iface)
{
    struct wsman_internal *This = impl_from_IWSManInternal(iface);
    return (ULONG)atomic_fetch_add(&This->refs, 1) + 1;
}

static ULONG STDMETHODCALLTYPE internal_Release(IWSManInternal *iface)
{
    struct wsman_internal *This = impl_from_IWSManInternal(iface);
    ULONG refs = (ULONG)atomic_fetch_sub(&This->refs, 1) - 1;

    if (!refs) {
        com_error_destroy(&This->error);
        free(This);
        com_object_destroyed();
    }
    return refs;
}

DEFINE_DISPATCH(IWSManInternal, disp_IWSManInternal)

static HRESULT STDMETHODCALLTYPE internal_ConfigSDDL(IWSManInternal *iface, IDispatch *session, VARIANT uri,
                                                     LONG flags, BSTR *resource)
{
    struct wsman_internal *This = impl_from_IWSManInternal(iface);

    (void)uri;
    (void)flags;
    if (!resource)
        return E_POINTER;
    *resource = NULL;
    if (!session)
        return com_fail(&This->error, E_INVALIDARG, "ConfigSDDL needs a Session object.");
    return com_fail(&This->error, HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED),
                    "ConfigSDDL opens the Windows security descriptor editor, which does not exist "
                    "here. Read and change the SDDL with Session.Get and Session.Put on the "
                    "winrm/config resource instead.");
}

static const IWSManInternalVtbl internal_vtbl = {
    internal_QueryInterface,
    internal_AddRef,
    internal_Release,
    IWSManInternal_disp_GetTypeInfoCount,
    IWSManInternal_disp_GetTypeInfo,
    IWSManInternal_disp_GetIDsOfNames,
    IWSManInternal_disp_Invoke,
    internal_ConfigSDDL,
};

HRESULT wsman_internal_create(const IID *riid, void **ppv)
{
    struct wsman_internal *This = calloc(1, sizeof(*This));
    HRESULT hr;

    if (!This)
        return E_OUTOFMEMORY;
    This->IWSManInternal_iface.lpVtbl = &internal_vtbl;
    support_error_info_init(&This->sei, (IUnknown *)&This->IWSManInternal_iface, internal_error_iids);
    atomic_init(&This->refs, 1);
    com_error_init(&This->error, "WSManInternal", &IID_IWSManInternal);
    com_object_created();
    hr = internal_QueryInterface(&This->IWSManInternal_iface, riid, ppv);
    internal_Release(&This->IWSManInternal_iface);
    return hr;
}
