/*
 * wsmauto native Linux automation runtime: the subset of the Windows
 * COM/OLE Automation API that WSManDisp.h and its callers need.
 *
 * Types have the Windows layout (LONG/ULONG/DWORD are 32 bits, OLECHAR is
 * 16 bits, VARIANT is 24 bytes on LP64), so a program written on Windows
 * against WSManDisp.h compiles here with only include/link changes.
 * Use OLESTR("text") for portable wide literals.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_RT_H
#define WSMAUTO_RT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifndef __cplusplus
#include <uchar.h>
#endif

#ifdef __cplusplus
#define EXTERN_C extern "C"
#else
#define EXTERN_C extern
#endif

#define WSMAUTO_EXPORT __attribute__((visibility("default")))
#define WINAPI
#define STDMETHODCALLTYPE
#define STDAPICALLTYPE
#define WINOLEAUTAPI EXTERN_C WSMAUTO_EXPORT HRESULT
#define WINOLEAPI EXTERN_C WSMAUTO_EXPORT HRESULT
#define WINOLEAPI_(t) EXTERN_C WSMAUTO_EXPORT t
#define WINOLEAUTAPI_(t) EXTERN_C WSMAUTO_EXPORT t
#define STDAPI EXTERN_C WSMAUTO_EXPORT HRESULT
#define STDAPI_(t) EXTERN_C WSMAUTO_EXPORT t
#define STDMETHODIMP HRESULT STDMETHODCALLTYPE
#define STDMETHODIMP_(t) t STDMETHODCALLTYPE
#define BEGIN_INTERFACE
#define END_INTERFACE
#define CONST_VTBL const
#define DECLSPEC_UUID(x)
#define DECLSPEC_NOVTABLE
#define DECLSPEC_SELECTANY __attribute__((weak))
#define FORCEINLINE inline __attribute__((always_inline))
#define MIDL_INTERFACE(x) struct DECLSPEC_NOVTABLE
#ifndef interface
#define interface struct
#endif
#define __RPC_FAR
#define __RPC_USER
#define __RPC_STUB
#define RPC_ENTRY
#define __RPCNDR_H_VERSION__ 475
#define __REQUIRED_RPCNDR_H_VERSION__ 475

/* ---- basic types (Windows sizes) ---- */
typedef void VOID, *PVOID, *LPVOID;
typedef const void *LPCVOID;
typedef unsigned char BYTE, UCHAR, *LPBYTE;
typedef char CHAR;
typedef signed char INT8;
typedef uint16_t WORD, USHORT;
typedef int16_t SHORT;
typedef uint32_t DWORD, ULONG, UINT, UINT32, *LPDWORD;
typedef int32_t LONG, INT, INT32, BOOL, HRESULT, SCODE;
typedef int64_t LONGLONG, INT64;
typedef uint64_t ULONGLONG, UINT64, DWORDLONG;
typedef intptr_t LONG_PTR, INT_PTR;
typedef uintptr_t ULONG_PTR, UINT_PTR, DWORD_PTR, SIZE_T;
typedef float FLOAT;
typedef double DOUBLE, DATE;
typedef int16_t VARIANT_BOOL;
typedef uint16_t VARTYPE;
typedef DWORD LCID;
typedef LONG DISPID, MEMBERID;
typedef void *HANDLE, *HINSTANCE, *HMODULE, *HWND;
typedef char16_t OLECHAR, WCHAR;
typedef OLECHAR *LPOLESTR, *BSTR, *LPBSTR;
typedef const OLECHAR *LPCOLESTR;
typedef WCHAR *LPWSTR, *PWSTR;
typedef const WCHAR *LPCWSTR, *PCWSTR;
typedef char *LPSTR;
typedef const char *LPCSTR;

#define OLESTR(s) u##s
#ifndef TRUE
#define TRUE 1
#define FALSE 0
#endif
#define VARIANT_TRUE ((VARIANT_BOOL)-1)
#define VARIANT_FALSE ((VARIANT_BOOL)0)

typedef union tagCY {
    struct {
        ULONG Lo;
        LONG Hi;
    };
    LONGLONG int64;
} CY;

typedef struct tagDEC {
    USHORT wReserved;
    BYTE scale;
    BYTE sign;
    ULONG Hi32;
    ULONGLONG Lo64;
} DECIMAL;

/* ---- GUIDs ---- */
#ifndef GUID_DEFINED
#define GUID_DEFINED
typedef struct _GUID {
    uint32_t Data1;
    uint16_t Data2;
    uint16_t Data3;
    uint8_t Data4[8];
} GUID;
#endif
typedef GUID IID, CLSID, *LPGUID, *LPIID, *LPCLSID;
#ifdef __cplusplus
#define REFGUID const GUID &
#define REFIID const IID &
#define REFCLSID const IID &
#else
#define REFGUID const GUID *
#define REFIID const IID *
#define REFCLSID const IID *
#endif

#undef DEFINE_GUID
#ifdef INITGUID
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8)                                         \
    EXTERN_C const GUID DECLSPEC_SELECTANY name = {l, w1, w2, {b1, b2, b3, b4, b5, b6, b7, b8}}
#else
#define DEFINE_GUID(name, l, w1, w2, b1, b2, b3, b4, b5, b6, b7, b8) EXTERN_C const GUID name
#endif

static inline int IsEqualGUID_(const GUID *a, const GUID *b)
{
    return !memcmp(a, b, sizeof(GUID));
}
#ifdef __cplusplus
static inline int IsEqualGUID(REFGUID a, REFGUID b)
{
    return IsEqualGUID_(&a, &b);
}
#define IsEqualIID(a, b) IsEqualGUID(a, b)
#define IsEqualCLSID(a, b) IsEqualGUID(a, b)
#else
#define IsEqualGUID(a, b) IsEqualGUID_((a), (b))
#define IsEqualIID(a, b) IsEqualGUID_((a), (b))
#define IsEqualCLSID(a, b) IsEqualGUID_((a), (b))
#endif

/* ---- HRESULTs ---- */
#define _HRESULT_TYPEDEF_(x) ((HRESULT)(x))
#define SUCCEEDED(hr) (((HRESULT)(hr)) >= 0)
#define FAILED(hr) (((HRESULT)(hr)) < 0)
#define HRESULT_CODE(hr) ((hr)&0xFFFF)
#define HRESULT_FACILITY(hr) (((hr) >> 16) & 0x1fff)
#define SCODE_CODE(sc) ((sc)&0xFFFF)
#define FACILITY_NULL 0
#define FACILITY_RPC 1
#define FACILITY_DISPATCH 2
#define FACILITY_ITF 4
#define FACILITY_WIN32 7
#define FACILITY_WINDOWS 8
#define FACILITY_WINRM 51
#define SEVERITY_ERROR 1
#define MAKE_HRESULT(sev, fac, code)                                                                         \
    ((HRESULT)(((uint32_t)(sev) << 31) | ((uint32_t)(fac) << 16) | ((uint32_t)(code))))
#define HRESULT_FROM_WIN32(x)                                                                                \
    ((HRESULT)(x) <= 0 ? ((HRESULT)(x))                                                                      \
                       : ((HRESULT)(((uint32_t)(x)&0x0000FFFF) | (FACILITY_WIN32 << 16) | 0x80000000u)))

#define S_OK _HRESULT_TYPEDEF_(0)
#define S_FALSE _HRESULT_TYPEDEF_(1)
#define NOERROR 0
#define E_UNEXPECTED _HRESULT_TYPEDEF_(0x8000FFFFu)
#define E_NOTIMPL _HRESULT_TYPEDEF_(0x80004001u)
#define E_OUTOFMEMORY _HRESULT_TYPEDEF_(0x8007000Eu)
#define E_INVALIDARG _HRESULT_TYPEDEF_(0x80070057u)
#define E_NOINTERFACE _HRESULT_TYPEDEF_(0x80004002u)
#define E_POINTER _HRESULT_TYPEDEF_(0x80004003u)
#define E_HANDLE _HRESULT_TYPEDEF_(0x80070006u)
#define E_ABORT _HRESULT_TYPEDEF_(0x80004004u)
#define E_FAIL _HRESULT_TYPEDEF_(0x80004005u)
#define E_ACCESSDENIED _HRESULT_TYPEDEF_(0x80070005u)
#define E_ILLEGAL_METHOD_CALL _HRESULT_TYPEDEF_(0x8000000Eu)
#define CLASS_E_NOAGGREGATION _HRESULT_TYPEDEF_(0x80040110u)
#define CLASS_E_CLASSNOTAVAILABLE _HRESULT_TYPEDEF_(0x80040111u)
#define REGDB_E_CLASSNOTREG _HRESULT_TYPEDEF_(0x80040154u)
#define CO_E_NOTINITIALIZED _HRESULT_TYPEDEF_(0x800401F0u)
#define CO_E_CLASSSTRING _HRESULT_TYPEDEF_(0x800401F3u)
#define RPC_E_CHANGED_MODE _HRESULT_TYPEDEF_(0x80010106u)
#define TYPE_E_ELEMENTNOTFOUND _HRESULT_TYPEDEF_(0x8002802Bu)
#define DISP_E_UNKNOWNINTERFACE _HRESULT_TYPEDEF_(0x80020001u)
#define DISP_E_MEMBERNOTFOUND _HRESULT_TYPEDEF_(0x80020003u)
#define DISP_E_PARAMNOTFOUND _HRESULT_TYPEDEF_(0x80020004u)
#define DISP_E_TYPEMISMATCH _HRESULT_TYPEDEF_(0x80020005u)
#define DISP_E_UNKNOWNNAME _HRESULT_TYPEDEF_(0x80020006u)
#define DISP_E_NONAMEDARGS _HRESULT_TYPEDEF_(0x80020007u)
#define DISP_E_BADVARTYPE _HRESULT_TYPEDEF_(0x80020008u)
#define DISP_E_EXCEPTION _HRESULT_TYPEDEF_(0x80020009u)
#define DISP_E_OVERFLOW _HRESULT_TYPEDEF_(0x8002000Au)
#define DISP_E_BADINDEX _HRESULT_TYPEDEF_(0x8002000Bu)
#define DISP_E_UNKNOWNLCID _HRESULT_TYPEDEF_(0x8002000Cu)
#define DISP_E_ARRAYISLOCKED _HRESULT_TYPEDEF_(0x8002000Du)
#define DISP_E_BADPARAMCOUNT _HRESULT_TYPEDEF_(0x8002000Eu)
#define DISP_E_PARAMNOTOPTIONAL _HRESULT_TYPEDEF_(0x8002000Fu)
#define DISP_E_BADCALLEE _HRESULT_TYPEDEF_(0x80020010u)
#define DISP_E_NOTACOLLECTION _HRESULT_TYPEDEF_(0x80020011u)
#define DISP_E_DIVBYZERO _HRESULT_TYPEDEF_(0x80020012u)

/* Win32 error numbers used through HRESULT_FROM_WIN32. */
#define ERROR_SUCCESS 0L
#define ERROR_FILE_NOT_FOUND 2L
#define ERROR_ACCESS_DENIED 5L
#define ERROR_NOT_ENOUGH_MEMORY 8L
#define ERROR_OUTOFMEMORY 14L
#define ERROR_NOT_SUPPORTED 50L
#define ERROR_INVALID_PARAMETER 87L
#define ERROR_INSUFFICIENT_BUFFER 122L
#define ERROR_TIMEOUT 1460L
#define ERROR_CANCELLED 1223L
#define ERROR_LOGON_FAILURE 1326L

/* ---- VARIANT ---- */
enum VARENUM {
    VT_EMPTY = 0,
    VT_NULL = 1,
    VT_I2 = 2,
    VT_I4 = 3,
    VT_R4 = 4,
    VT_R8 = 5,
    VT_CY = 6,
    VT_DATE = 7,
    VT_BSTR = 8,
    VT_DISPATCH = 9,
    VT_ERROR = 10,
    VT_BOOL = 11,
    VT_VARIANT = 12,
    VT_UNKNOWN = 13,
    VT_DECIMAL = 14,
    VT_I1 = 16,
    VT_UI1 = 17,
    VT_UI2 = 18,
    VT_UI4 = 19,
    VT_I8 = 20,
    VT_UI8 = 21,
    VT_INT = 22,
    VT_UINT = 23,
    VT_VOID = 24,
    VT_HRESULT = 25,
    VT_PTR = 26,
    VT_SAFEARRAY = 27,
    VT_CARRAY = 28,
    VT_USERDEFINED = 29,
    VT_LPSTR = 30,
    VT_LPWSTR = 31,
    VT_RECORD = 36,
    VT_VECTOR = 0x1000,
    VT_ARRAY = 0x2000,
    VT_BYREF = 0x4000,
    VT_RESERVED = 0x8000,
    VT_ILLEGAL = 0xffff,
    VT_ILLEGALMASKED = 0xfff,
    VT_TYPEMASK = 0xfff
};

typedef struct IUnknown IUnknown;
typedef struct IDispatch IDispatch;
typedef struct ITypeInfo ITypeInfo;
typedef struct ITypeLib ITypeLib;
typedef struct IRecordInfo IRecordInfo;
typedef struct IErrorInfo IErrorInfo;
typedef struct ICreateErrorInfo ICreateErrorInfo;
typedef struct ISupportErrorInfo ISupportErrorInfo;
typedef struct IClassFactory IClassFactory;
typedef struct tagSAFEARRAY SAFEARRAY;
typedef struct tagVARIANT VARIANT, VARIANTARG, *LPVARIANT, *LPVARIANTARG;

struct tagVARIANT {
    union {
        struct {
            VARTYPE vt;
            WORD wReserved1;
            WORD wReserved2;
            WORD wReserved3;
            union {
                LONGLONG llVal;
                LONG lVal;
                BYTE bVal;
                SHORT iVal;
                FLOAT fltVal;
                DOUBLE dblVal;
                VARIANT_BOOL boolVal;
                SCODE scode;
                CY cyVal;
                DATE date;
                BSTR bstrVal;
                IUnknown *punkVal;
                IDispatch *pdispVal;
                SAFEARRAY *parray;
                BYTE *pbVal;
                SHORT *piVal;
                LONG *plVal;
                LONGLONG *pllVal;
                FLOAT *pfltVal;
                DOUBLE *pdblVal;
                VARIANT_BOOL *pboolVal;
                SCODE *pscode;
                CY *pcyVal;
                DATE *pdate;
                BSTR *pbstrVal;
                IUnknown **ppunkVal;
                IDispatch **ppdispVal;
                SAFEARRAY **pparray;
                VARIANT *pvarVal;
                PVOID byref;
                CHAR cVal;
                USHORT uiVal;
                ULONG ulVal;
                ULONGLONG ullVal;
                INT intVal;
                UINT uintVal;
                DECIMAL *pdecVal;
                CHAR *pcVal;
                USHORT *puiVal;
                ULONG *pulVal;
                ULONGLONG *pullVal;
                INT *pintVal;
                UINT *puintVal;
                struct {
                    PVOID pvRecord;
                    IRecordInfo *pRecInfo;
                };
            };
        };
        DECIMAL decVal;
    };
};

#define V_VT(v) ((v)->vt)
#define V_ISBYREF(v) (V_VT(v) & VT_BYREF)
#define V_UNION(v, m) ((v)->m)
#define V_I2(v) ((v)->iVal)
#define V_I4(v) ((v)->lVal)
#define V_I8(v) ((v)->llVal)
#define V_UI1(v) ((v)->bVal)
#define V_UI2(v) ((v)->uiVal)
#define V_UI4(v) ((v)->ulVal)
#define V_UI8(v) ((v)->ullVal)
#define V_I1(v) ((v)->cVal)
#define V_INT(v) ((v)->intVal)
#define V_UINT(v) ((v)->uintVal)
#define V_R4(v) ((v)->fltVal)
#define V_R8(v) ((v)->dblVal)
#define V_BOOL(v) ((v)->boolVal)
#define V_ERROR(v) ((v)->scode)
#define V_BSTR(v) ((v)->bstrVal)
#define V_DISPATCH(v) ((v)->pdispVal)
#define V_UNKNOWN(v) ((v)->punkVal)
#define V_BYREF(v) ((v)->byref)
#define V_VARIANTREF(v) ((v)->pvarVal)
#define V_BSTRREF(v) ((v)->pbstrVal)
#define V_I4REF(v) ((v)->plVal)
#define V_I2REF(v) ((v)->piVal)
#define V_BOOLREF(v) ((v)->pboolVal)
#define V_DISPATCHREF(v) ((v)->ppdispVal)
#define V_UNKNOWNREF(v) ((v)->ppunkVal)

/* VariantChangeType flags */
#define VARIANT_NOVALUEPROP 0x01
#define VARIANT_ALPHABOOL 0x02
#define VARIANT_NOUSEROVERRIDE 0x04
#define VARIANT_LOCALBOOL 0x10

/* ---- IDispatch support types ---- */
typedef struct tagDISPPARAMS {
    VARIANTARG *rgvarg;
    DISPID *rgdispidNamedArgs;
    UINT cArgs;
    UINT cNamedArgs;
} DISPPARAMS;

typedef struct tagEXCEPINFO {
    WORD wCode;
    WORD wReserved;
    BSTR bstrSource;
    BSTR bstrDescription;
    BSTR bstrHelpFile;
    DWORD dwHelpContext;
    PVOID pvReserved;
    HRESULT(STDMETHODCALLTYPE *pfnDeferredFillIn)(struct tagEXCEPINFO *);
    SCODE scode;
} EXCEPINFO, *LPEXCEPINFO;

#define DISPATCH_METHOD 0x1
#define DISPATCH_PROPERTYGET 0x2
#define DISPATCH_PROPERTYPUT 0x4
#define DISPATCH_PROPERTYPUTREF 0x8
#define DISPID_UNKNOWN (-1)
#define DISPID_VALUE 0
#define DISPID_PROPERTYPUT (-3)
#define DISPID_NEWENUM (-4)
#define DISPID_EVALUATE (-5)

#define LOCALE_USER_DEFAULT 0x0400
#define LOCALE_SYSTEM_DEFAULT 0x0800
#define LOCALE_NEUTRAL 0x0000
#define LOCALE_INVARIANT 0x007f

/* ---- activation ---- */
#define CLSCTX_INPROC_SERVER 0x1
#define CLSCTX_INPROC_HANDLER 0x2
#define CLSCTX_LOCAL_SERVER 0x4
#define CLSCTX_REMOTE_SERVER 0x10
#define CLSCTX_INPROC (CLSCTX_INPROC_SERVER | CLSCTX_INPROC_HANDLER)
#define CLSCTX_ALL (CLSCTX_INPROC_SERVER | CLSCTX_INPROC_HANDLER | CLSCTX_LOCAL_SERVER | CLSCTX_REMOTE_SERVER)
#define CLSCTX_SERVER (CLSCTX_INPROC_SERVER | CLSCTX_LOCAL_SERVER | CLSCTX_REMOTE_SERVER)
#define COINIT_MULTITHREADED 0x0
#define COINIT_APARTMENTTHREADED 0x2
#define COINIT_DISABLE_OLE1DDE 0x4
#define COINIT_SPEED_OVER_MEMORY 0x8

/* ---- core interfaces ---- */
#if defined(__cplusplus) && !defined(CINTERFACE)

struct IUnknown {
    virtual HRESULT STDMETHODCALLTYPE QueryInterface(REFIID riid, void **ppv) = 0;
    virtual ULONG STDMETHODCALLTYPE AddRef(void) = 0;
    virtual ULONG STDMETHODCALLTYPE Release(void) = 0;
};

struct IDispatch : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE GetTypeInfoCount(UINT *pctinfo) = 0;
    virtual HRESULT STDMETHODCALLTYPE GetTypeInfo(UINT iTInfo, LCID lcid, ITypeInfo **ppTInfo) = 0;
    virtual HRESULT STDMETHODCALLTYPE GetIDsOfNames(REFIID riid, LPOLESTR *rgszNames, UINT cNames, LCID lcid,
                                                    DISPID *rgDispId) = 0;
    virtual HRESULT STDMETHODCALLTYPE Invoke(DISPID dispIdMember, REFIID riid, LCID lcid, WORD wFlags,
                                             DISPPARAMS *pDispParams, VARIANT *pVarResult,
                                             EXCEPINFO *pExcepInfo, UINT *puArgErr) = 0;
};

struct IClassFactory : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE CreateInstance(IUnknown *pUnkOuter, REFIID riid, void **ppv) = 0;
    virtual HRESULT STDMETHODCALLTYPE LockServer(BOOL fLock) = 0;
};

struct IErrorInfo : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE GetGUID(GUID *pGUID) = 0;
    virtual HRESULT STDMETHODCALLTYPE GetSource(BSTR *pBstrSource) = 0;
    virtual HRESULT STDMETHODCALLTYPE GetDescription(BSTR *pBstrDescription) = 0;
    virtual HRESULT STDMETHODCALLTYPE GetHelpFile(BSTR *pBstrHelpFile) = 0;
    virtual HRESULT STDMETHODCALLTYPE GetHelpContext(DWORD *pdwHelpContext) = 0;
};

struct ICreateErrorInfo : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE SetGUID(REFGUID rguid) = 0;
    virtual HRESULT STDMETHODCALLTYPE SetSource(LPOLESTR szSource) = 0;
    virtual HRESULT STDMETHODCALLTYPE SetDescription(LPOLESTR szDescription) = 0;
    virtual HRESULT STDMETHODCALLTYPE SetHelpFile(LPOLESTR szHelpFile) = 0;
    virtual HRESULT STDMETHODCALLTYPE SetHelpContext(DWORD dwHelpContext) = 0;
};

struct ISupportErrorInfo : public IUnknown {
    virtual HRESULT STDMETHODCALLTYPE InterfaceSupportsErrorInfo(REFIID riid) = 0;
};

#else /* C */

typedef struct IUnknownVtbl {
    HRESULT(STDMETHODCALLTYPE *QueryInterface)(IUnknown *This, REFIID riid, void **ppv);
    ULONG(STDMETHODCALLTYPE *AddRef)(IUnknown *This);
    ULONG(STDMETHODCALLTYPE *Release)(IUnknown *This);
} IUnknownVtbl;
struct IUnknown {
    CONST_VTBL IUnknownVtbl *lpVtbl;
};

typedef struct IDispatchVtbl {
    HRESULT(STDMETHODCALLTYPE *QueryInterface)(IDispatch *This, REFIID riid, void **ppv);
    ULONG(STDMETHODCALLTYPE *AddRef)(IDispatch *This);
    ULONG(STDMETHODCALLTYPE *Release)(IDispatch *This);
    HRESULT(STDMETHODCALLTYPE *GetTypeInfoCount)(IDispatch *This, UINT *pctinfo);
    HRESULT(STDMETHODCALLTYPE *GetTypeInfo)(IDispatch *This, UINT iTInfo, LCID lcid, ITypeInfo **ppTInfo);
    HRESULT(STDMETHODCALLTYPE *GetIDsOfNames)
    (IDispatch *This, REFIID riid, LPOLESTR *rgszNames, UINT cNames, LCID lcid, DISPID *rgDispId);
    HRESULT(STDMETHODCALLTYPE *Invoke)
    (IDispatch *This, DISPID dispIdMember, REFIID riid, LCID lcid, WORD wFlags, DISPPARAMS *pDispParams,
     VARIANT *pVarResult, EXCEPINFO *pExcepInfo, UINT *puArgErr);
} IDispatchVtbl;
struct IDispatch {
    CONST_VTBL IDispatchVtbl *lpVtbl;
};

typedef struct IClassFactoryVtbl {
    HRESULT(STDMETHODCALLTYPE *QueryInterface)(IClassFactory *This, REFIID riid, void **ppv);
    ULONG(STDMETHODCALLTYPE *AddRef)(IClassFactory *This);
    ULONG(STDMETHODCALLTYPE *Release)(IClassFactory *This);
    HRESULT(STDMETHODCALLTYPE *CreateInstance)
    (IClassFactory *This, IUnknown *pUnkOuter, REFIID riid, void **ppv);
    HRESULT(STDMETHODCALLTYPE *LockServer)(IClassFactory *This, BOOL fLock);
} IClassFactoryVtbl;
struct IClassFactory {
    CONST_VTBL IClassFactoryVtbl *lpVtbl;
};

typedef struct IErrorInfoVtbl {
    HRESULT(STDMETHODCALLTYPE *QueryInterface)(IErrorInfo *This, REFIID riid, void **ppv);
    ULONG(STDMETHODCALLTYPE *AddRef)(IErrorInfo *This);
    ULONG(STDMETHODCALLTYPE *Release)(IErrorInfo *This);
    HRESULT(STDMETHODCALLTYPE *GetGUID)(IErrorInfo *This, GUID *pGUID);
    HRESULT(STDMETHODCALLTYPE *GetSource)(IErrorInfo *This, BSTR *pBstrSource);
    HRESULT(STDMETHODCALLTYPE *GetDescription)(IErrorInfo *This, BSTR *pBstrDescription);
    HRESULT(STDMETHODCALLTYPE *GetHelpFile)(IErrorInfo *This, BSTR *pBstrHelpFile);
    HRESULT(STDMETHODCALLTYPE *GetHelpContext)(IErrorInfo *This, DWORD *pdwHelpContext);
} IErrorInfoVtbl;
struct IErrorInfo {
    CONST_VTBL IErrorInfoVtbl *lpVtbl;
};

typedef struct ICreateErrorInfoVtbl {
    HRESULT(STDMETHODCALLTYPE *QueryInterface)(ICreateErrorInfo *This, REFIID riid, void **ppv);
    ULONG(STDMETHODCALLTYPE *AddRef)(ICreateErrorInfo *This);
    ULONG(STDMETHODCALLTYPE *Release)(ICreateErrorInfo *This);
    HRESULT(STDMETHODCALLTYPE *SetGUID)(ICreateErrorInfo *This, REFGUID rguid);
    HRESULT(STDMETHODCALLTYPE *SetSource)(ICreateErrorInfo *This, LPOLESTR szSource);
    HRESULT(STDMETHODCALLTYPE *SetDescription)(ICreateErrorInfo *This, LPOLESTR szDescription);
    HRESULT(STDMETHODCALLTYPE *SetHelpFile)(ICreateErrorInfo *This, LPOLESTR szHelpFile);
    HRESULT(STDMETHODCALLTYPE *SetHelpContext)(ICreateErrorInfo *This, DWORD dwHelpContext);
} ICreateErrorInfoVtbl;
struct ICreateErrorInfo {
    CONST_VTBL ICreateErrorInfoVtbl *lpVtbl;
};

typedef struct ISupportErrorInfoVtbl {
    HRESULT(STDMETHODCALLTYPE *QueryInterface)(ISupportErrorInfo *This, REFIID riid, void **ppv);
    ULONG(STDMETHODCALLTYPE *AddRef)(ISupportErrorInfo *This);
    ULONG(STDMETHODCALLTYPE *Release)(ISupportErrorInfo *This);
    HRESULT(STDMETHODCALLTYPE *InterfaceSupportsErrorInfo)(ISupportErrorInfo *This, REFIID riid);
} ISupportErrorInfoVtbl;
struct ISupportErrorInfo {
    CONST_VTBL ISupportErrorInfoVtbl *lpVtbl;
};

#ifdef COBJMACROS
#define IUnknown_QueryInterface(p, a, b) (p)->lpVtbl->QueryInterface(p, a, b)
#define IUnknown_AddRef(p) (p)->lpVtbl->AddRef(p)
#define IUnknown_Release(p) (p)->lpVtbl->Release(p)
#define IDispatch_QueryInterface(p, a, b) (p)->lpVtbl->QueryInterface(p, a, b)
#define IDispatch_AddRef(p) (p)->lpVtbl->AddRef(p)
#define IDispatch_Release(p) (p)->lpVtbl->Release(p)
#define IDispatch_GetTypeInfoCount(p, a) (p)->lpVtbl->GetTypeInfoCount(p, a)
#define IDispatch_GetTypeInfo(p, a, b, c) (p)->lpVtbl->GetTypeInfo(p, a, b, c)
#define IDispatch_GetIDsOfNames(p, a, b, c, d, e) (p)->lpVtbl->GetIDsOfNames(p, a, b, c, d, e)
#define IDispatch_Invoke(p, a, b, c, d, e, f, g, h) (p)->lpVtbl->Invoke(p, a, b, c, d, e, f, g, h)
#define IClassFactory_QueryInterface(p, a, b) (p)->lpVtbl->QueryInterface(p, a, b)
#define IClassFactory_AddRef(p) (p)->lpVtbl->AddRef(p)
#define IClassFactory_Release(p) (p)->lpVtbl->Release(p)
#define IClassFactory_CreateInstance(p, a, b, c) (p)->lpVtbl->CreateInstance(p, a, b, c)
#define IClassFactory_LockServer(p, a) (p)->lpVtbl->LockServer(p, a)
#define IErrorInfo_QueryInterface(p, a, b) (p)->lpVtbl->QueryInterface(p, a, b)
#define IErrorInfo_AddRef(p) (p)->lpVtbl->AddRef(p)
#define IErrorInfo_Release(p) (p)->lpVtbl->Release(p)
#define IErrorInfo_GetGUID(p, a) (p)->lpVtbl->GetGUID(p, a)
#define IErrorInfo_GetSource(p, a) (p)->lpVtbl->GetSource(p, a)
#define IErrorInfo_GetDescription(p, a) (p)->lpVtbl->GetDescription(p, a)
#define IErrorInfo_GetHelpFile(p, a) (p)->lpVtbl->GetHelpFile(p, a)
#define IErrorInfo_GetHelpContext(p, a) (p)->lpVtbl->GetHelpContext(p, a)
#define ICreateErrorInfo_QueryInterface(p, a, b) (p)->lpVtbl->QueryInterface(p, a, b)
#define ICreateErrorInfo_AddRef(p) (p)->lpVtbl->AddRef(p)
#define ICreateErrorInfo_Release(p) (p)->lpVtbl->Release(p)
#define ICreateErrorInfo_SetGUID(p, a) (p)->lpVtbl->SetGUID(p, a)
#define ICreateErrorInfo_SetSource(p, a) (p)->lpVtbl->SetSource(p, a)
#define ICreateErrorInfo_SetDescription(p, a) (p)->lpVtbl->SetDescription(p, a)
#define ICreateErrorInfo_SetHelpFile(p, a) (p)->lpVtbl->SetHelpFile(p, a)
#define ICreateErrorInfo_SetHelpContext(p, a) (p)->lpVtbl->SetHelpContext(p, a)
#define ISupportErrorInfo_QueryInterface(p, a, b) (p)->lpVtbl->QueryInterface(p, a, b)
#define ISupportErrorInfo_AddRef(p) (p)->lpVtbl->AddRef(p)
#define ISupportErrorInfo_Release(p) (p)->lpVtbl->Release(p)
#define ISupportErrorInfo_InterfaceSupportsErrorInfo(p, a) (p)->lpVtbl->InterfaceSupportsErrorInfo(p, a)
#endif /* COBJMACROS */

#endif /* C */

EXTERN_C const IID IID_IUnknown;
EXTERN_C const IID IID_IDispatch;
EXTERN_C const IID IID_IClassFactory;
EXTERN_C const IID IID_IErrorInfo;
EXTERN_C const IID IID_ICreateErrorInfo;
EXTERN_C const IID IID_ISupportErrorInfo;
EXTERN_C const IID IID_ITypeInfo;
EXTERN_C const IID IID_IObjectWithSite;
EXTERN_C const IID IID_IProvideClassInfo;
EXTERN_C const IID IID_IMarshal;
EXTERN_C const IID IID_NULL;
EXTERN_C const GUID GUID_NULL;

/* ---- BSTR ---- */
WINOLEAUTAPI_(BSTR) SysAllocString(const OLECHAR *psz);
WINOLEAUTAPI_(BSTR) SysAllocStringLen(const OLECHAR *strIn, UINT ui);
WINOLEAUTAPI_(BSTR) SysAllocStringByteLen(LPCSTR psz, UINT len);
WINOLEAUTAPI_(INT) SysReAllocString(BSTR *pbstr, const OLECHAR *psz);
WINOLEAUTAPI_(INT) SysReAllocStringLen(BSTR *pbstr, const OLECHAR *psz, UINT len);
WINOLEAUTAPI_(void) SysFreeString(BSTR bstrString);
WINOLEAUTAPI_(UINT) SysStringLen(BSTR pbstr);
WINOLEAUTAPI_(UINT) SysStringByteLen(BSTR bstr);

/* ---- VARIANT ---- */
WINOLEAUTAPI_(void) VariantInit(VARIANTARG *pvarg);
WINOLEAUTAPI VariantClear(VARIANTARG *pvarg);
WINOLEAUTAPI VariantCopy(VARIANTARG *pvargDest, const VARIANTARG *pvargSrc);
WINOLEAUTAPI VariantCopyInd(VARIANT *pvarDest, const VARIANTARG *pvargSrc);
WINOLEAUTAPI VariantChangeType(VARIANTARG *pvargDest, const VARIANTARG *pvarSrc, USHORT wFlags, VARTYPE vt);
WINOLEAUTAPI VariantChangeTypeEx(VARIANTARG *pvargDest, const VARIANTARG *pvarSrc, LCID lcid, USHORT wFlags,
                                 VARTYPE vt);

/* ---- error info ---- */
WINOLEAUTAPI CreateErrorInfo(ICreateErrorInfo **pperrinfo);
WINOLEAUTAPI SetErrorInfo(ULONG dwReserved, IErrorInfo *perrinfo);
WINOLEAUTAPI GetErrorInfo(ULONG dwReserved, IErrorInfo **pperrinfo);

/* ---- GUIDs, activation ---- */
WINOLEAPI CLSIDFromProgID(LPCOLESTR lpszProgID, LPCLSID lpclsid);
WINOLEAPI ProgIDFromCLSID(REFCLSID clsid, LPOLESTR *lplpszProgID);
WINOLEAPI CLSIDFromString(LPCOLESTR lpsz, LPCLSID pclsid);
WINOLEAPI_(int) StringFromGUID2(REFGUID rguid, LPOLESTR lpsz, int cchMax);
WINOLEAPI CoInitialize(LPVOID pvReserved);
WINOLEAPI CoInitializeEx(LPVOID pvReserved, DWORD dwCoInit);
WINOLEAPI_(void) CoUninitialize(void);
WINOLEAPI CoCreateInstance(REFCLSID rclsid, IUnknown *pUnkOuter, DWORD dwClsContext, REFIID riid,
                           LPVOID *ppv);
WINOLEAPI CoGetClassObject(REFCLSID rclsid, DWORD dwClsContext, LPVOID pvReserved, REFIID riid, LPVOID *ppv);
WINOLEAPI_(LPVOID) CoTaskMemAlloc(SIZE_T cb);
WINOLEAPI_(void) CoTaskMemFree(LPVOID pv);
EXTERN_C WSMAUTO_EXPORT LPWSTR WINAPI GetCommandLineW(void);

/* The in-process server entry points, as a Windows DLL exports them. */
STDAPI DllGetClassObject(REFCLSID rclsid, REFIID riid, LPVOID *ppv);
STDAPI DllCanUnloadNow(void);

#ifndef CONTAINING_RECORD
#define CONTAINING_RECORD(address, type, field) ((type *)((char *)(address)-offsetof(type, field)))
#endif

#endif /* WSMAUTO_RT_H */
