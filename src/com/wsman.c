/*
 * The WSMan object (IWSMan, IWSManEx, IWSManEx2, IWSManEx3): the creatable
 * entry point, the flag constants, and GetErrorMessage.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "private.h"

struct wsman {
    IWSManEx3 IWSManEx3_iface;
    struct support_error_info sei;
    atomic_long refs;
    struct com_error error;
};

static const IID *const wsman_error_iids[] = {&IID_IWSMan, &IID_IWSManEx, &IID_IWSManEx2, &IID_IWSManEx3,
                                              NULL};

static inline struct wsman *impl_from_IWSManEx3(IWSManEx3 *iface)
{
    return CONTAINING_RECORD(iface, struct wsman, IWSManEx3_iface);
}

static HRESULT STDMETHODCALLTYPE wsman_QueryInterface(IWSManEx3 *iface, REFIID riid, void **ppv)
{
    struct wsman *This = impl_from_IWSManEx3(iface);

    if (!ppv)
        return E_POINTER;
    if (!riid) {
        *ppv = NULL;
        return E_INVALIDARG;
    }
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) ||
        IsEqualIID(riid, &IID_IWSMan) || IsEqualIID(riid, &IID_IWSManEx) ||
        IsEqualIID(riid, &IID_IWSManEx2) || IsEqualIID(riid, &IID_IWSManEx3))
        *ppv = &This->IWSManEx3_iface;
    else if (IsEqualIID(riid, &IID_ISupportErrorInfo))
        *ppv = &This->sei.ISupportErrorInfo_iface;
    else {
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    IUnknown_AddRef((IUnknown *)*ppv);
    return S_OK;
}

static ULONG STDMETHODCALLTYPE wsman_AddRef(IWSManEx3 *iface)
{
    struct wsman *This = impl_from_IWSManEx3(iface);
    return (ULONG)atomic_fetch_add(&This->refs, 1) + 1;
}

static ULONG STDMETHODCALLTYPE wsman_Release(IWSManEx3 *iface)
{
    struct wsman *This = impl_from_IWSManEx3(iface);
    ULONG refs = (ULONG)atomic_fetch_sub(&This->refs, 1) - 1;

    if (!refs) {
        com_error_destroy(&This->error);
        free(This);
        com_object_destroyed();
    }
    return refs;
}

DEFINE_DISPATCH(IWSManEx3, disp_IWSManEx3)

static HRESULT STDMETHODCALLTYPE wsman_CreateSession(IWSManEx3 *iface, BSTR connection, LONG flags,
                                                     IDispatch *options, IDispatch **session)
{
    struct wsman *This = impl_from_IWSManEx3(iface);
    char *conn;
    HRESULT hr;

    if (!session)
        return E_POINTER;
    *session = NULL;
    if (!(conn = utf8_from_olestr(connection)))
        return E_OUTOFMEMORY;
    hr = session_create(conn, flags, options, &This->error, session);
    free(conn);
    return hr;
}

static HRESULT STDMETHODCALLTYPE wsman_CreateConnectionOptions(IWSManEx3 *iface, IDispatch **options)
{
    (void)iface;
    if (!options)
        return E_POINTER;
    return connection_options_create(options);
}

static HRESULT STDMETHODCALLTYPE wsman_get_CommandLine(IWSManEx3 *iface, BSTR *value)
{
    LPWSTR line = GetCommandLineW();

    (void)iface;
    if (!value)
        return E_POINTER;
    *value = line ? SysAllocString(line) : NULL; /* NULL: out of memory building it */
    return *value ? S_OK : E_OUTOFMEMORY;
}

static HRESULT STDMETHODCALLTYPE wsman_get_Error(IWSManEx3 *iface, BSTR *value)
{
    return com_error_get(&impl_from_IWSManEx3(iface)->error, value);
}

static HRESULT STDMETHODCALLTYPE wsman_CreateResourceLocator(IWSManEx3 *iface, BSTR text, IDispatch **locator)
{
    struct wsman *This = impl_from_IWSManEx3(iface);
    char *utf8;
    HRESULT hr;

    if (!locator)
        return E_POINTER;
    *locator = NULL;
    if (!(utf8 = utf8_from_olestr(text)))
        return E_OUTOFMEMORY;
    hr = resource_locator_create(utf8, &This->error, locator);
    free(utf8);
    return hr;
}

static HRESULT STDMETHODCALLTYPE wsman_GetErrorMessage(IWSManEx3 *iface, DWORD number, BSTR *message)
{
    char *text;
    HRESULT hr;

    (void)iface;
    if (!message)
        return E_POINTER;
    if (!(text = wsm_error_message(number))) {
        *message = NULL;
        return E_OUTOFMEMORY;
    }
    hr = return_bstr(text, message);
    free(text);
    return hr;
}

/* The flag getters return constants (the WSManSessionFlags, WSManEnumFlags and proxy flag enumerations of
 * wsmandisp.h; Session Constants and Enumeration Constants, Microsoft Learn). */
#define FLAG_GETTER(name, value)                                                                             \
    static HRESULT STDMETHODCALLTYPE wsman_##name(IWSManEx3 *iface, LONG *flags)                             \
    {                                                                                                        \
        (void)iface;                                                                                         \
        if (!flags)                                                                                          \
            return E_POINTER;                                                                                \
        *flags = (LONG)(value);                                                                              \
        return S_OK;                                                                                         \
    }
FLAG_GETTER(SessionFlagUTF8, WSManFlagUTF8)
FLAG_GETTER(SessionFlagCredUsernamePassword, WSManFlagCredUsernamePassword)
FLAG_GETTER(SessionFlagSkipCACheck, WSManFlagSkipCACheck)
FLAG_GETTER(SessionFlagSkipCNCheck, WSManFlagSkipCNCheck)
FLAG_GETTER(SessionFlagUseDigest, WSManFlagUseDigest)
FLAG_GETTER(SessionFlagUseNegotiate, WSManFlagUseNegotiate)
FLAG_GETTER(SessionFlagUseBasic, WSManFlagUseBasic)
FLAG_GETTER(SessionFlagUseKerberos, WSManFlagUseKerberos)
FLAG_GETTER(SessionFlagNoEncryption, WSManFlagNoEncryption)
FLAG_GETTER(SessionFlagEnableSPNServerPort, WSManFlagEnableSPNServerPort)
FLAG_GETTER(SessionFlagUseNoAuthentication, WSManFlagUseNoAuthentication)
FLAG_GETTER(EnumerationFlagNonXmlText, WSManFlagNonXmlText)
FLAG_GETTER(EnumerationFlagReturnEPR, WSManFlagReturnEPR)
FLAG_GETTER(EnumerationFlagReturnObjectAndEPR, WSManFlagReturnObjectAndEPR)
FLAG_GETTER(EnumerationFlagHierarchyDeep, WSManFlagHierarchyDeep)
FLAG_GETTER(EnumerationFlagHierarchyShallow, WSManFlagHierarchyShallow)
FLAG_GETTER(EnumerationFlagHierarchyDeepBasePropsOnly, WSManFlagHierarchyDeepBasePropsOnly)
FLAG_GETTER(EnumerationFlagReturnObject, WSManFlagReturnObject)
FLAG_GETTER(SessionFlagUseClientCertificate, WSManFlagUseClientCertificate)
FLAG_GETTER(SessionFlagUTF16, WSManFlagUTF16)
FLAG_GETTER(SessionFlagUseCredSsp, WSManFlagUseCredSsp)
FLAG_GETTER(EnumerationFlagAssociationInstance, WSManFlagAssociationInstance)
FLAG_GETTER(EnumerationFlagAssociatedInstance, WSManFlagAssociatedInstance)
FLAG_GETTER(SessionFlagSkipRevocationCheck, WSManFlagSkipRevocationCheck)
FLAG_GETTER(SessionFlagAllowNegotiateImplicitCredentials, WSManFlagAllowNegotiateImplicitCredentials)
FLAG_GETTER(SessionFlagUseSsl, WSManFlagUseSsl)

static const IWSManEx3Vtbl wsman_vtbl = {
    wsman_QueryInterface,
    wsman_AddRef,
    wsman_Release,
    IWSManEx3_disp_GetTypeInfoCount,
    IWSManEx3_disp_GetTypeInfo,
    IWSManEx3_disp_GetIDsOfNames,
    IWSManEx3_disp_Invoke,
    wsman_CreateSession,
    wsman_CreateConnectionOptions,
    wsman_get_CommandLine,
    wsman_get_Error,
    wsman_CreateResourceLocator,
    wsman_SessionFlagUTF8,
    wsman_SessionFlagCredUsernamePassword,
    wsman_SessionFlagSkipCACheck,
    wsman_SessionFlagSkipCNCheck,
    wsman_SessionFlagUseDigest,
    wsman_SessionFlagUseNegotiate,
    wsman_SessionFlagUseBasic,
    wsman_SessionFlagUseKerberos,
    wsman_SessionFlagNoEncryption,
    wsman_SessionFlagEnableSPNServerPort,
    wsman_SessionFlagUseNoAuthentication,
    wsman_EnumerationFlagNonXmlText,
    wsman_EnumerationFlagReturnEPR,
    wsman_EnumerationFlagReturnObjectAndEPR,
    wsman_GetErrorMessage,
    wsman_EnumerationFlagHierarchyDeep,
    wsman_EnumerationFlagHierarchyShallow,
    wsman_EnumerationFlagHierarchyDeepBasePropsOnly,
    wsman_EnumerationFlagReturnObject,
    wsman_SessionFlagUseClientCertificate,
    wsman_SessionFlagUTF16,
    wsman_SessionFlagUseCredSsp,
    wsman_EnumerationFlagAssociationInstance,
    wsman_EnumerationFlagAssociatedInstance,
    wsman_SessionFlagSkipRevocationCheck,
    wsman_SessionFlagAllowNegotiateImplicitCredentials,
    wsman_SessionFlagUseSsl,
};

HRESULT wsman_create(const IID *riid, void **ppv)
{
    struct wsman *This = calloc(1, sizeof(*This));
    HRESULT hr;

    if (!This)
        return E_OUTOFMEMORY;
    This->IWSManEx3_iface.lpVtbl = &wsman_vtbl;
    support_error_info_init(&This->sei, (IUnknown *)&This->IWSManEx3_iface, wsman_error_iids);
    atomic_init(&This->refs, 1);
    com_error_init(&This->error, "WSMan", &IID_IWSManEx3);
    com_object_created();
    hr = wsman_QueryInterface(&This->IWSManEx3_iface, riid, ppv);
    wsman_Release(&This->IWSManEx3_iface);
    return hr;
}
