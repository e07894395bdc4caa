/*
 * Table-driven IDispatch (Linux build). Behaves like oleaut32's
 * ITypeInfo::Invoke for the types this API uses: positional and named
 * arguments, [defaultvalue] parameters, VT_BYREF arguments as VBScript
 * passes them, coercion with VariantChangeType, and EXCEPINFO filled from
 * the thread's error info when a member fails.
 *
 * GetTypeInfoCount reports 0 and GetTypeInfo returns E_NOTIMPL: the Linux
 * runtime has no type library loader. (The Windows build uses the real
 * type library instead of this file.)
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "private.h"

#define MAX_PARAMS 8

HRESULT disp_get_type_info_count(UINT *count)
{
    if (!count)
        return E_POINTER;
    *count = 0;
    return S_OK;
}

HRESULT disp_get_type_info(const struct disp_interface *di, UINT index, LCID lcid, ITypeInfo **info)
{
    (void)di;
    (void)index;
    (void)lcid;
    if (!info)
        return E_POINTER;
    *info = NULL;
    return E_NOTIMPL;
}

static const struct disp_member *find_by_name(const struct disp_interface *di, const OLECHAR *name)
{
    for (size_t i = 0; i < di->count; i++)
        if (olestr_equal_ascii_nocase(name, di->members[i].name))
            return &di->members[i];
    return NULL;
}

static DISPID param_id(const struct disp_interface *di, const char *member, const OLECHAR *name)
{
    /* A property's get and put share one name; look through every entry. */
    for (size_t i = 0; i < di->count; i++) {
        const struct disp_member *m = &di->members[i];
        if (strcmp(m->name, member))
            continue;
        for (unsigned p = 0; p < m->nparams; p++)
            if (olestr_equal_ascii_nocase(name, m->params[p].name))
                return (DISPID)p;
    }
    return DISPID_UNKNOWN;
}

HRESULT disp_get_ids_of_names(const struct disp_interface *di, REFIID riid, LPOLESTR *names, UINT count,
                              LCID lcid, DISPID *ids)
{
    const struct disp_member *m;
    HRESULT hr = S_OK;

    (void)lcid;
    if (!riid || !IsEqualIID(riid, &IID_NULL))
        return DISP_E_UNKNOWNINTERFACE;
    if (!names || !ids)
        return E_POINTER;
    if (!count)
        return S_OK;
    for (UINT i = 0; i < count; i++)
        ids[i] = DISPID_UNKNOWN;
    if (!names[0] || !(m = find_by_name(di, names[0])))
        return DISP_E_UNKNOWNNAME;
    ids[0] = m->id;
    for (UINT i = 1; i < count; i++) {
        if (!names[i] || (ids[i] = param_id(di, m->name, names[i])) == DISPID_UNKNOWN)
            hr = DISP_E_UNKNOWNNAME;
    }
    return hr;
}

/* The member with this DISPID whose kind matches the call's flags, as
 * ITypeInfo::Invoke matches INVOKEKIND against wFlags. */
static const struct disp_member *find_member(const struct disp_interface *di, DISPID id, WORD flags,
                                             HRESULT *hr)
{
    const struct disp_member *found = NULL;

    for (size_t i = 0; i < di->count; i++) {
        const struct disp_member *m = &di->members[i];
        if (m->id != id)
            continue;
        if (flags & (DISPATCH_PROPERTYPUT | DISPATCH_PROPERTYPUTREF)) {
            if (m->kind == DISPATCH_PROPERTYPUT)
                return m;
        } else if (m->kind & flags) {
            if (!found || m->kind == DISPATCH_METHOD)
                found = m;
        }
    }
    *hr = DISP_E_MEMBERNOTFOUND;
    return found;
}

/* VBScript passes variables as VT_BYREF|VT_VARIANT; look through that. */
static const VARIANT *deref(const VARIANT *v)
{
    if (V_VT(v) == (VT_BYREF | VT_VARIANT) && V_VARIANTREF(v))
        return V_VARIANTREF(v);
    return v;
}

static int is_missing(const VARIANT *v)
{
    v = deref(v);
    return V_VT(v) == VT_ERROR && V_ERROR(v) == DISP_E_PARAMNOTFOUND;
}

static HRESULT apply_default(const struct disp_param *p, VARIANT *out)
{
    VariantInit(out);
    switch (p->type) {
    case DT_BSTR:
        V_VT(out) = VT_BSTR;
        if (!(V_BSTR(out) = bstr_from_utf8(p->defval ? p->defval : "")))
            return E_OUTOFMEMORY;
        return S_OK;
    case DT_LONG:
    case DT_BOOL:
        V_VT(out) = VT_I4;
        V_I4(out) = p->defval ? (LONG)strtol(p->defval, NULL, 0) : 0;
        return S_OK;
    case DT_DWORD:
        V_VT(out) = VT_UI4;
        V_UI4(out) = p->defval ? (ULONG)strtoul(p->defval, NULL, 0) : 0;
        return S_OK;
    case DT_DISPATCH:
        V_VT(out) = VT_DISPATCH;
        V_DISPATCH(out) = NULL;
        return S_OK;
    default: /* an optional VARIANT without a default arrives as "missing" */
        V_VT(out) = VT_ERROR;
        V_ERROR(out) = DISP_E_PARAMNOTFOUND;
        return S_OK;
    }
}

/* Converts one argument to the parameter's type; out is owned by the
 * caller except for DT_VARIANT, which is a shallow copy of the argument. */
static HRESULT convert_arg(const struct disp_param *p, const VARIANT *arg, VARIANT *out)
{
    const VARIANT *v = deref(arg);
    HRESULT hr;

    VariantInit(out);
    switch (p->type) {
    case DT_VARIANT:
        *out = *arg;
        return S_OK;
    case DT_BSTR:
        return VariantChangeType(out, v, 0, VT_BSTR);
    case DT_LONG:
    case DT_BOOL:
        return VariantChangeType(out, v, 0, VT_I4);
    case DT_DWORD:
        /* winrm passes 0x8033xxxx codes as negative VBScript longs: take the
         * 32 bits as they are instead of failing with DISP_E_OVERFLOW. */
        if (V_VT(v) == VT_I4 || V_VT(v) == (VT_BYREF | VT_I4)) {
            V_VT(out) = VT_UI4;
            V_UI4(out) = (ULONG)(V_VT(v) == VT_I4 ? V_I4(v) : *V_I4REF(v));
            return S_OK;
        }
        return VariantChangeType(out, v, 0, VT_UI4);
    case DT_DISPATCH:
        if (V_VT(v) == VT_EMPTY || V_VT(v) == VT_NULL) {
            V_VT(out) = VT_DISPATCH;
            V_DISPATCH(out) = NULL;
            return S_OK;
        }
        hr = VariantChangeType(out, v, 0, VT_DISPATCH);
        return hr == DISP_E_BADVARTYPE ? DISP_E_TYPEMISMATCH : hr;
    }
    return DISP_E_TYPEMISMATCH;
}

static void fill_excepinfo(EXCEPINFO *excep, HRESULT hr)
{
    IErrorInfo *info = NULL;

    memset(excep, 0, sizeof(*excep));
    excep->scode = hr;
    if (GetErrorInfo(0, &info) == S_OK && info) {
        IErrorInfo_GetSource(info, &excep->bstrSource);
        IErrorInfo_GetDescription(info, &excep->bstrDescription);
        IErrorInfo_GetHelpFile(info, &excep->bstrHelpFile);
        IErrorInfo_GetHelpContext(info, &excep->dwHelpContext);
        IErrorInfo_Release(info);
    }
    if (!excep->bstrDescription) {
        char *text = wsm_error_message((uint32_t)hr);
        excep->bstrDescription = text ? bstr_from_utf8(text) : NULL;
        free(text);
    }
}

static void store_result(const struct disp_member *m, VARIANT *r, VARIANT *result)
{
    switch (m->ret) {
    case DR_BSTR:
        V_VT(r) = VT_BSTR;
        break;
    case DR_LONG:
        V_VT(r) = VT_I4;
        break;
    case DR_VBOOL:
        V_VT(r) = VT_BOOL;
        break;
    case DR_DISPATCH:
        V_VT(r) = VT_DISPATCH;
        break;
    default:
        V_VT(r) = VT_EMPTY;
    }
    if (result)
        *result = *r;
    else
        VariantClear(r);
}

HRESULT disp_invoke(const struct disp_interface *di, void *iface, DISPID id, REFIID riid, LCID lcid,
                    WORD flags, DISPPARAMS *params, VARIANT *result, EXCEPINFO *excep, UINT *arg_err)
{
    const VARIANT *slot[MAX_PARAMS] = {0};
    UINT slot_index[MAX_PARAMS] = {0};
    VARIANT args[MAX_PARAMS], r;
    const struct disp_member *m;
    unsigned converted = 0;
    UINT positional;
    HRESULT hr;

    (void)lcid;
    if (!riid || !IsEqualIID(riid, &IID_NULL))
        return DISP_E_UNKNOWNINTERFACE;
    if (!params || (params->cArgs && !params->rgvarg) || (params->cNamedArgs && !params->rgdispidNamedArgs) ||
        params->cNamedArgs > params->cArgs)
        return E_INVALIDARG;
    if (!(m = find_member(di, id, flags, &hr)))
        return hr;
    if (m->nparams > MAX_PARAMS)
        return E_UNEXPECTED;
    if (result)
        VariantInit(result);

    /* rgvarg holds the named arguments first, then the positional ones in
     * reverse order. A property put's value is named DISPID_PROPERTYPUT
     * and is the last parameter. */
    positional = params->cArgs - params->cNamedArgs;
    if (positional > m->nparams)
        return DISP_E_BADPARAMCOUNT;
    for (UINT i = 0; i < positional; i++) {
        slot[i] = &params->rgvarg[params->cArgs - 1 - i];
        slot_index[i] = params->cArgs - 1 - i;
    }
    for (UINT i = 0; i < params->cNamedArgs; i++) {
        DISPID named = params->rgdispidNamedArgs[i];
        if (named == DISPID_PROPERTYPUT && m->kind == DISPATCH_PROPERTYPUT)
            named = (DISPID)m->nparams - 1;
        if (named < 0 || (unsigned)named >= m->nparams || slot[named]) {
            if (arg_err)
                *arg_err = i;
            return named == DISPID_PROPERTYPUT ? DISP_E_MEMBERNOTFOUND : DISP_E_PARAMNOTFOUND;
        }
        slot[named] = &params->rgvarg[i];
        slot_index[named] = i;
    }

    for (; converted < m->nparams; converted++) {
        const struct disp_param *p = &m->params[converted];
        if (!slot[converted] || is_missing(slot[converted])) {
            if (!p->optional) {
                hr = DISP_E_PARAMNOTOPTIONAL;
                if (arg_err)
                    *arg_err = slot[converted] ? slot_index[converted] : 0;
                goto done;
            }
            hr = apply_default(p, &args[converted]);
        } else {
            hr = convert_arg(p, slot[converted], &args[converted]);
            if (FAILED(hr) && arg_err)
                *arg_err = slot_index[converted];
        }
        if (FAILED(hr)) {
            if (hr != E_OUTOFMEMORY && hr != DISP_E_OVERFLOW)
                hr = DISP_E_TYPEMISMATCH;
            goto done;
        }
    }

    VariantInit(&r);
    hr = m->call(iface, args, &r);
    if (SUCCEEDED(hr))
        store_result(m, &r, result);
    else if (excep) {
        fill_excepinfo(excep, hr);
        hr = DISP_E_EXCEPTION;
    }

done:
    for (unsigned i = 0; i < converted; i++)
        if (m->params[i].type != DT_VARIANT)
            VariantClear(&args[i]);
    return hr;
}
