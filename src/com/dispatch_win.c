/*
 * IDispatch for the Windows DLL, driven by the type library embedded in
 * WSMAuto.dll as its TYPELIB resource: GetIDsOfNames and Invoke go to
 * oleaut32's ITypeInfo implementation (as Wine's automation DLLs do), so
 * argument coercion, [defaultvalue]s, named arguments, VBScript's by-ref
 * VARIANTs and the EXCEPINFO of a failed call are exactly the system's.
 *
 * One exception (IWSMan::GetErrorMessage in wsmandisp.h): it takes a DWORD, and
 * winrm.vbs passes 0x8033xxxx codes as negative VBScript Longs (VT_I4);
 * oleaut32 would refuse those with DISP_E_OVERFLOW, so their 32 bits are
 * taken as they are before the call.
 *
 * The type library is loaded once per process, on first use; the type
 * infos are cached with it and released when the DLL is unloaded.
 *
 * SPDX-License-Identifier: MIT
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "private.h"

/* The Linux build's dispatch tables carry member lists; here an interface
 * is only its IID, and the type library knows the rest. */
#define DISP_IFACE(name) const struct disp_interface disp_##name = {&IID_##name, #name, 0, NULL}
DISP_IFACE(IWSMan);
DISP_IFACE(IWSManEx);
DISP_IFACE(IWSManEx2);
DISP_IFACE(IWSManEx3);
DISP_IFACE(IWSManConnectionOptions);
DISP_IFACE(IWSManConnectionOptionsEx);
DISP_IFACE(IWSManConnectionOptionsEx2);
DISP_IFACE(IWSManSession);
DISP_IFACE(IWSManEnumerator);
DISP_IFACE(IWSManResourceLocator);
DISP_IFACE(IWSManInternal);

static const struct disp_interface *const cached_ifaces[] = {
    &disp_IWSMan,
    &disp_IWSManEx,
    &disp_IWSManEx2,
    &disp_IWSManEx3,
    &disp_IWSManConnectionOptions,
    &disp_IWSManConnectionOptionsEx,
    &disp_IWSManConnectionOptionsEx2,
    &disp_IWSManSession,
    &disp_IWSManEnumerator,
    &disp_IWSManResourceLocator,
    &disp_IWSManInternal,
};

static ITypeLib *typelib;
static ITypeInfo *typeinfos[ARRAY_SIZE(cached_ifaces)];
static SRWLOCK typeinfo_lock = SRWLOCK_INIT;

/* The type library of this very module (its TYPELIB resource 1), not
 * whatever the registry points at: a stale registration of another copy
 * must not change how this one dispatches. */
static HRESULT load_typelib(void)
{
    WCHAR path[MAX_PATH];
    ITypeLib *lib;
    HRESULT hr;

    if (FAILED(hr = com_module_path(path, ARRAY_SIZE(path))) ||
        FAILED(hr = LoadTypeLibEx(path, REGKIND_NONE, &lib)))
        return hr;
    typelib = lib;
    return S_OK;
}

HRESULT disp_type_info(const struct disp_interface *di, ITypeInfo **out)
{
    HRESULT hr = S_OK;
    size_t i;

    *out = NULL;
    for (i = 0; i < ARRAY_SIZE(cached_ifaces); i++)
        if (cached_ifaces[i] == di)
            break;
    if (i == ARRAY_SIZE(cached_ifaces))
        return E_UNEXPECTED;

    AcquireSRWLockShared(&typeinfo_lock);
    if (typeinfos[i]) {
        *out = typeinfos[i];
        ITypeInfo_AddRef(*out);
    }
    ReleaseSRWLockShared(&typeinfo_lock);
    if (*out)
        return S_OK;

    AcquireSRWLockExclusive(&typeinfo_lock);
    if (!typelib)
        hr = load_typelib();
    if (SUCCEEDED(hr) && !typeinfos[i])
        hr = ITypeLib_GetTypeInfoOfGuid(typelib, di->iid, &typeinfos[i]);
    if (SUCCEEDED(hr)) {
        *out = typeinfos[i];
        ITypeInfo_AddRef(*out);
    }
    ReleaseSRWLockExclusive(&typeinfo_lock);
    return hr;
}

void disp_release_type_infos(void)
{
    for (size_t i = 0; i < ARRAY_SIZE(typeinfos); i++) {
        if (typeinfos[i])
            ITypeInfo_Release(typeinfos[i]);
        typeinfos[i] = NULL;
    }
    if (typelib)
        ITypeLib_Release(typelib);
    typelib = NULL;
}

HRESULT disp_get_type_info_count(UINT *count)
{
    if (!count)
        return E_POINTER;
    *count = 1;
    return S_OK;
}

HRESULT disp_get_type_info(const struct disp_interface *di, UINT index, LCID lcid, ITypeInfo **info)
{
    (void)lcid;
    if (!info)
        return E_POINTER;
    *info = NULL;
    if (index != 0)
        return DISP_E_BADINDEX;
    return disp_type_info(di, info);
}

HRESULT disp_get_ids_of_names(const struct disp_interface *di, REFIID riid, LPOLESTR *names, UINT count,
                              LCID lcid, DISPID *ids)
{
    ITypeInfo *ti;
    HRESULT hr;

    (void)lcid;
    if (!riid || !IsEqualIID(riid, &IID_NULL))
        return DISP_E_UNKNOWNINTERFACE;
    if (!names || !ids)
        return E_POINTER;
    if (!count)
        return S_OK;
    if (FAILED(hr = disp_type_info(di, &ti)))
        return hr;
    hr = ITypeInfo_GetIDsOfNames(ti, names, count, ids);
    ITypeInfo_Release(ti);
    return hr;
}

/* The most arguments member `id` accepts for this kind of call (its parameters without the [out, retval]),
 * looked up in the vtable interface and its bases; -1 when not found. Wine's ITypeInfo::Invoke ignores
 * surplus arguments to members that return nothing; Windows' refuses them, and so do we. */
static int max_args(ITypeInfo *ti, DISPID id, WORD flags)
{
    ITypeInfo *cur = ti, *next;
    HREFTYPE href;
    TYPEATTR *attr;
    int result = -1;

    ITypeInfo_AddRef(cur);
    if (SUCCEEDED(ITypeInfo_GetTypeAttr(cur, &attr))) {
        int dual = attr->typekind == TKIND_DISPATCH && (attr->wTypeFlags & TYPEFLAG_FDUAL);
        ITypeInfo_ReleaseTypeAttr(cur, attr);
        if (dual && SUCCEEDED(ITypeInfo_GetRefTypeOfImplType(cur, (UINT)-1, &href)) &&
            SUCCEEDED(ITypeInfo_GetRefTypeInfo(cur, href, &next))) {
            ITypeInfo_Release(cur);
            cur = next;
        }
    }
    for (int depth = 0; cur && depth < 8 && result < 0; depth++) {
        if (FAILED(ITypeInfo_GetTypeAttr(cur, &attr)))
            break;
        WORD nfuncs = attr->cFuncs, nimpl = attr->cImplTypes;
        ITypeInfo_ReleaseTypeAttr(cur, attr);
        for (WORD i = 0; i < nfuncs && result < 0; i++) {
            FUNCDESC *fd;
            if (FAILED(ITypeInfo_GetFuncDesc(cur, i, &fd)))
                continue;
            int kind_ok = (flags & (DISPATCH_PROPERTYPUT | DISPATCH_PROPERTYPUTREF))
                              ? (fd->invkind & (INVOKE_PROPERTYPUT | INVOKE_PROPERTYPUTREF)) != 0
                              : (fd->invkind & (INVOKE_FUNC | INVOKE_PROPERTYGET)) != 0;
            if (fd->memid == id && kind_ok && (fd->invkind & INVOKE_PROPERTYGET)) {
                result = INT_MAX; /* oleaut32's own answer (451, not a collection) is Windows' too */
            } else if (fd->memid == id && kind_ok) {
                result = fd->cParams;
                if (result && (fd->lprgelemdescParam[result - 1].paramdesc.wParamFlags & PARAMFLAG_FRETVAL))
                    result--;
            }
            ITypeInfo_ReleaseFuncDesc(cur, fd);
        }
        next = NULL;
        if (result < 0 && nimpl && SUCCEEDED(ITypeInfo_GetRefTypeOfImplType(cur, 0, &href)))
            ITypeInfo_GetRefTypeInfo(cur, href, &next);
        ITypeInfo_Release(cur);
        cur = next;
    }
    if (cur)
        ITypeInfo_Release(cur);
    return result;
}

/* A member that itself found an argument of the wrong type or count fails with the DISP_E code (VBScript:
 * 13 Type mismatch, 450 Wrong number of arguments) rather than as an exception carrying it, exactly as
 * when oleaut32 finds the same fault before the call. */
static int is_argument_error(HRESULT hr)
{
    return hr == DISP_E_TYPEMISMATCH || hr == DISP_E_BADPARAMCOUNT || hr == DISP_E_PARAMNOTOPTIONAL ||
           hr == DISP_E_OVERFLOW || hr == DISP_E_BADVARTYPE;
}

/* IWSManEx::GetErrorMessage (DISPID 20), inherited by Ex2 and Ex3. */
#define DISPID_GETERRORMESSAGE 20

static int is_get_error_message(const struct disp_interface *di, DISPID id, WORD flags)
{
    return id == DISPID_GETERRORMESSAGE && (flags & DISPATCH_METHOD) &&
           (di == &disp_IWSManEx || di == &disp_IWSManEx2 || di == &disp_IWSManEx3);
}

HRESULT disp_invoke(const struct disp_interface *di, void *iface, DISPID id, REFIID riid, LCID lcid,
                    WORD flags, DISPPARAMS *params, VARIANT *result, EXCEPINFO *excep, UINT *arg_err)
{
    DISPPARAMS copy;
    VARIANT arg;
    ITypeInfo *ti;
    HRESULT hr;

    (void)lcid;
    if (!riid || !IsEqualIID(riid, &IID_NULL))
        return DISP_E_UNKNOWNINTERFACE;
    if (!params)
        return E_POINTER;
    if (FAILED(hr = disp_type_info(di, &ti)))
        return hr;

    /* A negative Long for the DWORD: reinterpret its bits (a copy; the caller's arguments stay as they are).
     */
    if (is_get_error_message(di, id, flags) && params->cArgs == 1 && !params->cNamedArgs && params->rgvarg) {
        VARIANT *v = &params->rgvarg[0];
        if (V_VT(v) == (VT_BYREF | VT_VARIANT) && V_VARIANTREF(v))
            v = V_VARIANTREF(v);
        if (V_VT(v) == VT_I4 || V_VT(v) == (VT_BYREF | VT_I4) || V_VT(v) == VT_I2 ||
            V_VT(v) == (VT_BYREF | VT_I2)) {
            LONG value = V_VT(v) == VT_I4                ? V_I4(v)
                         : V_VT(v) == VT_I2              ? V_I2(v)
                         : V_VT(v) == (VT_BYREF | VT_I4) ? *V_I4REF(v)
                                                         : *V_I2REF(v);
            V_VT(&arg) = VT_UI4;
            V_UI4(&arg) = (ULONG)value;
            copy = *params;
            copy.rgvarg = &arg;
            params = &copy;
        }
    }
    int most = max_args(ti, id, flags);
    if (most >= 0 && params->cArgs > (UINT)most) {
        ITypeInfo_Release(ti);
        return DISP_E_BADPARAMCOUNT;
    }
    hr = ITypeInfo_Invoke(ti, iface, id, flags, params, result, excep, arg_err);
    ITypeInfo_Release(ti);
    if (hr == DISP_E_EXCEPTION && excep && is_argument_error(excep->scode)) {
        hr = excep->scode;
        SysFreeString(excep->bstrSource);
        SysFreeString(excep->bstrDescription);
        SysFreeString(excep->bstrHelpFile);
        memset(excep, 0, sizeof(*excep));
    }
    return hr;
}
