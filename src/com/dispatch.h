/*
 * IDispatch for the dual interfaces. On Linux it is driven by tables
 * generated from idl/wsmandisp.idl (tools/gen_dispatch.py): each member
 * carries its name, DISPID, kind, parameter types and defaults, and a typed
 * thunk that calls the member through its vtable slot (dispatch.c). The
 * Windows DLL uses the type library instead (dispatch_win.c), and there a
 * disp_interface is only its IID.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_DISPATCH_H
#define WSMAUTO_DISPATCH_H

#define COBJMACROS
#include <windows.h>
#include <oleauto.h>

#include "wsmandisp.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

/* How an [in] parameter is passed. */
enum disp_type { DT_BSTR, DT_LONG, DT_DWORD, DT_BOOL, DT_VARIANT, DT_DISPATCH };
/* What an [out, retval] parameter returns. */
enum disp_ret { DR_NONE, DR_BSTR, DR_LONG, DR_VBOOL, DR_DISPATCH };

struct disp_param {
    const char *name;
    unsigned char type;     /* enum disp_type */
    unsigned char optional; /* has [defaultvalue] */
    const char *defval;     /* the default, as IDL text (strings unquoted) */
};

struct disp_member {
    const char *name;
    DISPID id;
    WORD kind; /* DISPATCH_METHOD, DISPATCH_PROPERTYGET or DISPATCH_PROPERTYPUT */
    unsigned char nparams;
    const struct disp_param *params;
    unsigned char ret; /* enum disp_ret */
    /* a[i] holds parameter i converted to its type; the result goes to r. */
    HRESULT (*call)(void *iface, VARIANT *a, VARIANT *r);
};

struct disp_interface {
    const IID *iid;
    const char *name;
    size_t count;
    const struct disp_member *members;
};

extern const struct disp_interface disp_IWSMan, disp_IWSManEx, disp_IWSManEx2, disp_IWSManEx3;
extern const struct disp_interface disp_IWSManConnectionOptions, disp_IWSManConnectionOptionsEx,
    disp_IWSManConnectionOptionsEx2;
extern const struct disp_interface disp_IWSManSession, disp_IWSManEnumerator, disp_IWSManResourceLocator,
    disp_IWSManInternal;
extern const struct disp_interface *const disp_all_interfaces[];

#ifdef _WIN32
/* dispatch_win.c: the cached type info of di's interface (AddRef'd), and its release at unload. */
HRESULT disp_type_info(const struct disp_interface *di, ITypeInfo **out);
void disp_release_type_infos(void);
#endif

/* The four IDispatch methods, for an object whose dispatch interface is di
 * and whose interface pointer (of that type) is iface. */
HRESULT disp_get_type_info_count(UINT *count);
HRESULT disp_get_type_info(const struct disp_interface *di, UINT index, LCID lcid, ITypeInfo **info);
HRESULT disp_get_ids_of_names(const struct disp_interface *di, REFIID riid, LPOLESTR *names, UINT count,
                              LCID lcid, DISPID *ids);
HRESULT disp_invoke(const struct disp_interface *di, void *iface, DISPID id, REFIID riid, LCID lcid,
                    WORD flags, DISPPARAMS *params, VARIANT *result, EXCEPINFO *excep, UINT *arg_err);

/* Defines the four IDispatch methods of interface IFACE for an object type
 * forwarding to the table DI (generated for that interface). */
#define DEFINE_DISPATCH(IFACE, DI)                                                                           \
    static HRESULT STDMETHODCALLTYPE IFACE##_disp_GetTypeInfoCount(IFACE *iface, UINT *count)                \
    {                                                                                                        \
        (void)iface;                                                                                         \
        return disp_get_type_info_count(count);                                                              \
    }                                                                                                        \
    static HRESULT STDMETHODCALLTYPE IFACE##_disp_GetTypeInfo(IFACE *iface, UINT index, LCID lcid,           \
                                                              ITypeInfo **info)                              \
    {                                                                                                        \
        (void)iface;                                                                                         \
        return disp_get_type_info(&DI, index, lcid, info);                                                   \
    }                                                                                                        \
    static HRESULT STDMETHODCALLTYPE IFACE##_disp_GetIDsOfNames(IFACE *iface, REFIID riid, LPOLESTR *names,  \
                                                                UINT count, LCID lcid, DISPID *ids)          \
    {                                                                                                        \
        (void)iface;                                                                                         \
        return disp_get_ids_of_names(&DI, riid, names, count, lcid, ids);                                    \
    }                                                                                                        \
    static HRESULT STDMETHODCALLTYPE IFACE##_disp_Invoke(IFACE *iface, DISPID id, REFIID riid, LCID lcid,    \
                                                         WORD flags, DISPPARAMS *params, VARIANT *result,    \
                                                         EXCEPINFO *excep, UINT *arg_err)                    \
    {                                                                                                        \
        return disp_invoke(&DI, iface, id, riid, lcid, flags, params, result, excep, arg_err);               \
    }

#endif
