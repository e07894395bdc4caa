/*
 * CreateErrorInfo / SetErrorInfo / GetErrorInfo.
 *
 * The error object is one allocation implementing IErrorInfo (read side),
 * ICreateErrorInfo (write side) and ISupportErrorInfo, all sharing one
 * atomic reference count, as in Wine's combase. The "current error" is a
 * per-thread slot; a pthread key destructor releases whatever a thread
 * leaves in it when the thread exits.
 *
 * SPDX-License-Identifier: MIT
 */
#define COBJMACROS
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "wsmauto_rt.h"

struct error_info {
    IErrorInfo IErrorInfo_iface;
    ICreateErrorInfo ICreateErrorInfo_iface;
    ISupportErrorInfo ISupportErrorInfo_iface;
    atomic_uint refcount;
    GUID guid;
    BSTR source;
    BSTR description;
    BSTR help_file;
    DWORD help_context;
};

static struct error_info *impl_from_IErrorInfo(IErrorInfo *iface)
{
    return CONTAINING_RECORD(iface, struct error_info, IErrorInfo_iface);
}

static struct error_info *impl_from_ICreateErrorInfo(ICreateErrorInfo *iface)
{
    return CONTAINING_RECORD(iface, struct error_info, ICreateErrorInfo_iface);
}

static struct error_info *impl_from_ISupportErrorInfo(ISupportErrorInfo *iface)
{
    return CONTAINING_RECORD(iface, struct error_info, ISupportErrorInfo_iface);
}

/* ---- IErrorInfo (also the IUnknown of the object) ---- */

static HRESULT STDMETHODCALLTYPE errorinfo_QueryInterface(IErrorInfo *iface, REFIID riid, void **ppv)
{
    struct error_info *This = impl_from_IErrorInfo(iface);

    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IErrorInfo))
        *ppv = &This->IErrorInfo_iface;
    else if (IsEqualIID(riid, &IID_ICreateErrorInfo))
        *ppv = &This->ICreateErrorInfo_iface;
    else if (IsEqualIID(riid, &IID_ISupportErrorInfo))
        *ppv = &This->ISupportErrorInfo_iface;
    else {
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    IErrorInfo_AddRef(&This->IErrorInfo_iface);
    return S_OK;
}

static ULONG STDMETHODCALLTYPE errorinfo_AddRef(IErrorInfo *iface)
{
    struct error_info *This = impl_from_IErrorInfo(iface);
    return atomic_fetch_add(&This->refcount, 1) + 1;
}

static ULONG STDMETHODCALLTYPE errorinfo_Release(IErrorInfo *iface)
{
    struct error_info *This = impl_from_IErrorInfo(iface);
    ULONG ref = atomic_fetch_sub(&This->refcount, 1) - 1;

    if (!ref) {
        SysFreeString(This->source);
        SysFreeString(This->description);
        SysFreeString(This->help_file);
        free(This);
    }
    return ref;
}

static HRESULT STDMETHODCALLTYPE errorinfo_GetGUID(IErrorInfo *iface, GUID *pGUID)
{
    if (!pGUID)
        return E_INVALIDARG;
    *pGUID = impl_from_IErrorInfo(iface)->guid;
    return S_OK;
}

/* Hands out a copy; a string that was never set comes back as NULL. */
static HRESULT copy_out(BSTR stored, BSTR *out)
{
    if (!out)
        return E_INVALIDARG;
    *out = NULL;
    if (!stored)
        return S_OK;
    *out = SysAllocStringLen(stored, SysStringLen(stored));
    return *out ? S_OK : E_OUTOFMEMORY;
}

static HRESULT STDMETHODCALLTYPE errorinfo_GetSource(IErrorInfo *iface, BSTR *pBstrSource)
{
    return copy_out(impl_from_IErrorInfo(iface)->source, pBstrSource);
}

static HRESULT STDMETHODCALLTYPE errorinfo_GetDescription(IErrorInfo *iface, BSTR *pBstrDescription)
{
    return copy_out(impl_from_IErrorInfo(iface)->description, pBstrDescription);
}

static HRESULT STDMETHODCALLTYPE errorinfo_GetHelpFile(IErrorInfo *iface, BSTR *pBstrHelpFile)
{
    return copy_out(impl_from_IErrorInfo(iface)->help_file, pBstrHelpFile);
}

static HRESULT STDMETHODCALLTYPE errorinfo_GetHelpContext(IErrorInfo *iface, DWORD *pdwHelpContext)
{
    if (!pdwHelpContext)
        return E_INVALIDARG;
    *pdwHelpContext = impl_from_IErrorInfo(iface)->help_context;
    return S_OK;
}

static const IErrorInfoVtbl errorinfo_vtbl = {
    errorinfo_QueryInterface, errorinfo_AddRef,         errorinfo_Release,     errorinfo_GetGUID,
    errorinfo_GetSource,      errorinfo_GetDescription, errorinfo_GetHelpFile, errorinfo_GetHelpContext,
};

/* ---- ICreateErrorInfo ---- */

static HRESULT STDMETHODCALLTYPE create_QueryInterface(ICreateErrorInfo *iface, REFIID riid, void **ppv)
{
    return errorinfo_QueryInterface(&impl_from_ICreateErrorInfo(iface)->IErrorInfo_iface, riid, ppv);
}

static ULONG STDMETHODCALLTYPE create_AddRef(ICreateErrorInfo *iface)
{
    return errorinfo_AddRef(&impl_from_ICreateErrorInfo(iface)->IErrorInfo_iface);
}

static ULONG STDMETHODCALLTYPE create_Release(ICreateErrorInfo *iface)
{
    return errorinfo_Release(&impl_from_ICreateErrorInfo(iface)->IErrorInfo_iface);
}

static HRESULT STDMETHODCALLTYPE create_SetGUID(ICreateErrorInfo *iface, REFGUID rguid)
{
    if (!rguid)
        return E_INVALIDARG;
    impl_from_ICreateErrorInfo(iface)->guid = *rguid;
    return S_OK;
}

/* Replaces a stored string; NULL clears it. On allocation failure the old
 * value stays. */
static HRESULT store(BSTR *slot, LPOLESTR value)
{
    BSTR copy = NULL;
    if (value && !(copy = SysAllocString(value)))
        return E_OUTOFMEMORY;
    SysFreeString(*slot);
    *slot = copy;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE create_SetSource(ICreateErrorInfo *iface, LPOLESTR szSource)
{
    return store(&impl_from_ICreateErrorInfo(iface)->source, szSource);
}

static HRESULT STDMETHODCALLTYPE create_SetDescription(ICreateErrorInfo *iface, LPOLESTR szDescription)
{
    return store(&impl_from_ICreateErrorInfo(iface)->description, szDescription);
}

static HRESULT STDMETHODCALLTYPE create_SetHelpFile(ICreateErrorInfo *iface, LPOLESTR szHelpFile)
{
    return store(&impl_from_ICreateErrorInfo(iface)->help_file, szHelpFile);
}

static HRESULT STDMETHODCALLTYPE create_SetHelpContext(ICreateErrorInfo *iface, DWORD dwHelpContext)
{
    impl_from_ICreateErrorInfo(iface)->help_context = dwHelpContext;
    return S_OK;
}

static const ICreateErrorInfoVtbl create_errorinfo_vtbl = {
    create_QueryInterface, create_AddRef,         create_Release,     create_SetGUID,
    create_SetSource,      create_SetDescription, create_SetHelpFile, create_SetHelpContext,
};

/* ---- ISupportErrorInfo: "yes" for the interface named by SetGUID ---- */

static HRESULT STDMETHODCALLTYPE support_QueryInterface(ISupportErrorInfo *iface, REFIID riid, void **ppv)
{
    return errorinfo_QueryInterface(&impl_from_ISupportErrorInfo(iface)->IErrorInfo_iface, riid, ppv);
}

static ULONG STDMETHODCALLTYPE support_AddRef(ISupportErrorInfo *iface)
{
    return errorinfo_AddRef(&impl_from_ISupportErrorInfo(iface)->IErrorInfo_iface);
}

static ULONG STDMETHODCALLTYPE support_Release(ISupportErrorInfo *iface)
{
    return errorinfo_Release(&impl_from_ISupportErrorInfo(iface)->IErrorInfo_iface);
}

static HRESULT STDMETHODCALLTYPE support_InterfaceSupportsErrorInfo(ISupportErrorInfo *iface, REFIID riid)
{
    if (!riid)
        return E_INVALIDARG;
    return IsEqualIID(riid, &impl_from_ISupportErrorInfo(iface)->guid) ? S_OK : S_FALSE;
}

static const ISupportErrorInfoVtbl support_errorinfo_vtbl = {
    support_QueryInterface,
    support_AddRef,
    support_Release,
    support_InterfaceSupportsErrorInfo,
};

HRESULT CreateErrorInfo(ICreateErrorInfo **pperrinfo)
{
    if (!pperrinfo)
        return E_INVALIDARG;
    *pperrinfo = NULL;

    struct error_info *This = calloc(1, sizeof(*This));
    if (!This)
        return E_OUTOFMEMORY;
    This->IErrorInfo_iface.lpVtbl = &errorinfo_vtbl;
    This->ICreateErrorInfo_iface.lpVtbl = &create_errorinfo_vtbl;
    This->ISupportErrorInfo_iface.lpVtbl = &support_errorinfo_vtbl;
    atomic_init(&This->refcount, 1);
    *pperrinfo = &This->ICreateErrorInfo_iface;
    return S_OK;
}

/* ---- the per-thread slot ----
 *
 * The slot itself is a _Thread_local. The pthread key only exists so that
 * thread exit runs slot_destructor: its value mirrors the slot, and the
 * destructor releases that reference. */

static _Thread_local IErrorInfo *current_error;

static pthread_key_t slot_key;
static pthread_once_t slot_once = PTHREAD_ONCE_INIT;
static int slot_key_ready; /* written once, under slot_once */

static void slot_destructor(void *value)
{
    IErrorInfo *info = value;
    if (current_error == info)
        current_error = NULL;
    IErrorInfo_Release(info);
}

static void slot_key_init(void)
{
    slot_key_ready = pthread_key_create(&slot_key, slot_destructor) == 0;
}

/* A library unloaded with dlclose() must not leave the destructor behind. */
__attribute__((destructor)) static void slot_key_fini(void)
{
    if (slot_key_ready)
        pthread_key_delete(slot_key);
}

HRESULT SetErrorInfo(ULONG dwReserved, IErrorInfo *perrinfo)
{
    if (dwReserved)
        return E_INVALIDARG;
    pthread_once(&slot_once, slot_key_init);
    if (perrinfo && !slot_key_ready)
        return E_OUTOFMEMORY; /* without the key the reference would leak at thread exit */

    /* Record the new value for the exit hook first: if that fails, nothing
     * has changed. */
    if (slot_key_ready && pthread_setspecific(slot_key, perrinfo) != 0)
        return E_OUTOFMEMORY;

    IErrorInfo *old = current_error;
    if (perrinfo)
        IErrorInfo_AddRef(perrinfo);
    current_error = perrinfo;
    if (old)
        IErrorInfo_Release(old); /* last: Release may run arbitrary code */
    return S_OK;
}

/* Hands the caller the thread's reference and empties the slot. */
HRESULT GetErrorInfo(ULONG dwReserved, IErrorInfo **pperrinfo)
{
    if (dwReserved || !pperrinfo)
        return E_INVALIDARG;
    *pperrinfo = current_error;
    if (!current_error)
        return S_FALSE;
    current_error = NULL;
    if (slot_key_ready)
        pthread_setspecific(slot_key, NULL); /* clearing a key never allocates */
    return S_OK;
}
