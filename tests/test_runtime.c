/*
 * Unit tests of the Linux automation runtime: BSTR layout, VARIANT
 * clear/copy/conversion, per-thread error info and the GUID helpers.
 *
 * SPDX-License-Identifier: MIT
 */
#define COBJMACROS
#include <float.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"
#include "wsmauto_rt.h"

/* ---- helpers ---- */

/* A BSTR from an ASCII string (NULs inside counted by len). */
static BSTR bstr_n(const char *s, size_t len)
{
    BSTR b = SysAllocStringLen(NULL, (UINT)len);
    for (size_t i = 0; b && i < len; i++)
        b[i] = (OLECHAR)(unsigned char)s[i];
    return b;
}

static BSTR bstr(const char *s)
{
    return bstr_n(s, strlen(s));
}

/* Exact comparison: same length, same characters. */
static int bstr_eq(BSTR b, const char *s)
{
    size_t n = strlen(s);
    if (!b || SysStringLen(b) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (b[i] != (OLECHAR)(unsigned char)s[i])
            return 0;
    return b[n] == 0;
}

/* An ASCII rendering of a BSTR for failure messages (rotating buffers). */
static const char *narrow(BSTR b)
{
    static char bufs[4][128];
    static int next;
    char *out = bufs[next++ & 3];
    if (!b)
        return "(null)";
    size_t n = SysStringLen(b), j = 0;
    for (size_t i = 0; i < n && j + 1 < sizeof(bufs[0]); i++)
        out[j++] = b[i] >= 0x20 && b[i] < 0x7f ? (char)b[i] : '?';
    out[j] = 0;
    return out;
}

static DWORD prefix_of(BSTR b)
{
    DWORD len;
    memcpy(&len, (const char *)b - sizeof(DWORD), sizeof(len));
    return len;
}

#define ok_bstr(expected, got)                                                                               \
    ok(bstr_eq((got), (expected)), "expected BSTR \"%s\", got \"%s\"", (expected), narrow(got))

/* ---- a counted IDispatch for refcount checks ---- */

struct test_obj {
    IDispatch IDispatch_iface;
    LONG ref;
    int dispatch_ok; /* 0: behaves as a plain IUnknown (no IDispatch) */
    int qi_calls;
};

static struct test_obj *obj_from(IDispatch *iface)
{
    return CONTAINING_RECORD(iface, struct test_obj, IDispatch_iface);
}

static HRESULT STDMETHODCALLTYPE obj_QueryInterface(IDispatch *iface, REFIID riid, void **ppv)
{
    struct test_obj *o = obj_from(iface);
    o->qi_calls++;
    if (IsEqualIID(riid, &IID_IUnknown) || (o->dispatch_ok && IsEqualIID(riid, &IID_IDispatch))) {
        *ppv = iface;
        o->ref++;
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

static ULONG STDMETHODCALLTYPE obj_AddRef(IDispatch *iface)
{
    return (ULONG)++obj_from(iface)->ref;
}

static ULONG STDMETHODCALLTYPE obj_Release(IDispatch *iface)
{
    return (ULONG)--obj_from(iface)->ref;
}

static HRESULT STDMETHODCALLTYPE obj_GetTypeInfoCount(IDispatch *iface, UINT *n)
{
    (void)iface;
    *n = 0;
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE obj_GetTypeInfo(IDispatch *iface, UINT i, LCID lcid, ITypeInfo **ti)
{
    (void)iface, (void)i, (void)lcid, (void)ti;
    return E_NOTIMPL;
}

static HRESULT STDMETHODCALLTYPE obj_GetIDsOfNames(IDispatch *iface, REFIID riid, LPOLESTR *names, UINT n,
                                                   LCID lcid, DISPID *ids)
{
    (void)iface, (void)riid, (void)names, (void)n, (void)lcid, (void)ids;
    return E_NOTIMPL;
}

static HRESULT STDMETHODCALLTYPE obj_Invoke(IDispatch *iface, DISPID id, REFIID riid, LCID lcid, WORD flags,
                                            DISPPARAMS *params, VARIANT *result, EXCEPINFO *ei, UINT *argerr)
{
    (void)iface, (void)id, (void)riid, (void)lcid, (void)flags, (void)params, (void)result;
    (void)ei, (void)argerr;
    return E_NOTIMPL;
}

static const IDispatchVtbl obj_vtbl = {
    obj_QueryInterface, obj_AddRef,        obj_Release, obj_GetTypeInfoCount,
    obj_GetTypeInfo,    obj_GetIDsOfNames, obj_Invoke,
};

static void obj_init(struct test_obj *o, int dispatch_ok)
{
    o->IDispatch_iface.lpVtbl = &obj_vtbl;
    o->ref = 1;
    o->dispatch_ok = dispatch_ok;
    o->qi_calls = 0;
}

static IUnknown *obj_unk(struct test_obj *o)
{
    return (IUnknown *)&o->IDispatch_iface;
}

/* ---- BSTR ---- */

static void test_bstr_layout(void)
{
    BSTR s = SysAllocString(OLESTR("abc"));
    ok(s != NULL, "SysAllocString failed");
    ok(((uintptr_t)s & 7) == 0, "BSTR data not 8-byte aligned: %p", (void *)s);
    ok(prefix_of(s) == 6, "prefix %u, expected 6 bytes", (unsigned)prefix_of(s));
    ok(SysStringLen(s) == 3 && SysStringByteLen(s) == 6, "len %u/%u", SysStringLen(s), SysStringByteLen(s));
    ok(s[0] == u'a' && s[1] == u'b' && s[2] == u'c' && s[3] == 0, "bad data or terminator");
    SysFreeString(s);

    ok(SysAllocString(NULL) == NULL, "SysAllocString(NULL) must be NULL");
    s = SysAllocString(OLESTR(""));
    ok(s && prefix_of(s) == 0 && SysStringLen(s) == 0 && s[0] == 0, "empty BSTR wrong");
    SysFreeString(s);

    /* Embedded NULs are data, not terminators. */
    static const OLECHAR with_nul[] = {u'a', 0, u'b'};
    s = SysAllocStringLen(with_nul, 3);
    ok(s && SysStringLen(s) == 3 && prefix_of(s) == 6, "embedded NUL length wrong");
    ok(s && s[0] == u'a' && s[1] == 0 && s[2] == u'b' && s[3] == 0, "embedded NUL data wrong");
    SysFreeString(s);

    /* NULL source: zero-filled. */
    s = SysAllocStringLen(NULL, 5);
    ok(s && SysStringLen(s) == 5, "SysAllocStringLen(NULL, 5) length");
    int zero = 1;
    for (int i = 0; s && i <= 5; i++)
        zero &= s[i] == 0;
    ok(zero, "SysAllocStringLen(NULL, n) not zero-filled");
    SysFreeString(s);

    ok(SysStringLen(NULL) == 0 && SysStringByteLen(NULL) == 0, "NULL BSTR lengths");
    SysFreeString(NULL);
}

static void test_bstr_bytelen(void)
{
    /* Odd byte length: a NUL byte after the data, then a whole NUL WCHAR. */
    BSTR s = SysAllocStringByteLen("abc", 3);
    const unsigned char *p = (const unsigned char *)s;
    ok(s && prefix_of(s) == 3, "odd byte length prefix");
    ok(SysStringByteLen(s) == 3 && SysStringLen(s) == 1, "odd byte lengths %u/%u", SysStringByteLen(s),
       SysStringLen(s));
    ok(p[0] == 'a' && p[1] == 'b' && p[2] == 'c', "odd byte data");
    ok(p[3] == 0 && p[4] == 0 && p[5] == 0, "odd byte length terminator");
    SysFreeString(s);

    s = SysAllocStringByteLen("abcd", 4);
    p = (const unsigned char *)s;
    ok(s && SysStringLen(s) == 2 && p[4] == 0 && p[5] == 0, "even byte length");
    SysFreeString(s);

    s = SysAllocStringByteLen(NULL, 3);
    p = (const unsigned char *)s;
    ok(s && p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0, "NULL source zero-filled");
    SysFreeString(s);

    s = SysAllocStringByteLen("", 0);
    ok(s && SysStringByteLen(s) == 0 && s[0] == 0, "zero byte length");
    SysFreeString(s);
}

static void test_bstr_overflow(void)
{
    /* Lengths whose byte count cannot be represented: NULL, never a wrap. */
    ok(SysAllocStringLen(NULL, 0x80000000u) == NULL, "0x80000000 chars must fail");
    ok(SysAllocStringLen(NULL, 0xFFFFFFFFu) == NULL, "0xFFFFFFFF chars must fail");
    ok(SysAllocStringLen(NULL, 0x7FFFFFFEu) == NULL, "0x7FFFFFFE chars must fail");
    ok(SysAllocStringByteLen(NULL, 0xFFFFFFFFu) == NULL, "0xFFFFFFFF bytes must fail");
    ok(SysAllocStringByteLen(NULL, 0xFFFFFFFAu) == NULL, "0xFFFFFFFA bytes must fail");

    BSTR s = bstr("keep");
    BSTR before = s;
    ok(!SysReAllocStringLen(&s, NULL, 0x80000000u), "huge realloc must fail");
    ok(s == before && bstr_eq(s, "keep"), "failed realloc changed the string");
    SysFreeString(s);
}

static void test_bstr_realloc(void)
{
    BSTR s = bstr("abc");
    ok(SysReAllocString(&s, OLESTR("hello")) == TRUE, "SysReAllocString failed");
    ok_bstr("hello", s);

    /* The new value may point into the old string. */
    ok(SysReAllocString(&s, s + 1) == TRUE, "aliased SysReAllocString failed");
    ok_bstr("ello", s);

    ok(SysReAllocString(&s, NULL) == TRUE && s == NULL, "SysReAllocString(NULL) must give NULL");
    ok(SysReAllocString(NULL, OLESTR("x")) == FALSE, "NULL pbstr must fail");

    s = bstr("abcdef");
    ok(SysReAllocStringLen(&s, NULL, 3) == TRUE, "shrink failed");
    ok_bstr("abc", s);
    ok(SysReAllocStringLen(&s, NULL, 5) == TRUE, "grow failed");
    ok(SysStringLen(s) == 5 && s[0] == u'a' && s[2] == u'c' && s[3] == 0 && s[4] == 0 && s[5] == 0,
       "grow must keep the prefix and zero the rest");
    ok(SysReAllocStringLen(&s, OLESTR("xyz"), 2) == TRUE, "copy failed");
    ok_bstr("xy", s);
    ok(SysReAllocStringLen(&s, s + 1, 1) == TRUE, "aliased SysReAllocStringLen failed");
    ok_bstr("y", s);
    SysFreeString(s);

    s = NULL;
    ok(SysReAllocStringLen(&s, OLESTR("ab"), 2) == TRUE, "realloc from NULL failed");
    ok_bstr("ab", s);
    SysFreeString(s);
    ok(SysReAllocStringLen(NULL, OLESTR("ab"), 2) == FALSE, "NULL pbstr must fail");
}

/* ---- VARIANT init, clear, copy ---- */

static void test_variant_init_clear(void)
{
    VARIANT v;
    ok(sizeof(VARIANT) == (sizeof(void *) == 8 ? 24 : 16), "VARIANT is %zu bytes", sizeof(VARIANT));
    ok(offsetof(VARIANT, llVal) == 8, "VARIANT value at offset %zu", offsetof(VARIANT, llVal));

    memset(&v, 0xAA, sizeof(v));
    VariantInit(&v);
    static const VARIANT zero;
    ok(V_VT(&v) == VT_EMPTY && !memcmp(&v, &zero, sizeof(v)), "VariantInit must zero everything");

    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = bstr("freed by VariantClear"); /* LeakSanitizer checks it is */
    ok_hr(S_OK, VariantClear(&v));
    ok(V_VT(&v) == VT_EMPTY, "vt after clear: %d", V_VT(&v));

    struct test_obj o;
    obj_init(&o, 1);
    o.ref = 2;
    V_VT(&v) = VT_DISPATCH;
    V_DISPATCH(&v) = &o.IDispatch_iface;
    ok_hr(S_OK, VariantClear(&v));
    ok(o.ref == 1, "VariantClear(VT_DISPATCH) must Release: ref %d", (int)o.ref);

    V_VT(&v) = VT_UNKNOWN;
    V_UNKNOWN(&v) = obj_unk(&o);
    ok_hr(S_OK, VariantClear(&v));
    ok(o.ref == 0, "VariantClear(VT_UNKNOWN) must Release: ref %d", (int)o.ref);

    V_VT(&v) = VT_DISPATCH;
    V_DISPATCH(&v) = NULL;
    ok_hr(S_OK, VariantClear(&v));

    /* By-reference forms own nothing. */
    o.ref = 1;
    IDispatch *pd = &o.IDispatch_iface;
    V_VT(&v) = VT_DISPATCH | VT_BYREF;
    V_DISPATCHREF(&v) = &pd;
    ok_hr(S_OK, VariantClear(&v));
    ok(V_VT(&v) == VT_EMPTY && o.ref == 1, "BYREF|DISPATCH clear must not Release");

    BSTR owned = bstr("still mine");
    V_VT(&v) = VT_BSTR | VT_BYREF;
    V_BSTRREF(&v) = &owned;
    ok_hr(S_OK, VariantClear(&v));
    ok(V_VT(&v) == VT_EMPTY && bstr_eq(owned, "still mine"), "BYREF|BSTR clear must not free");
    SysFreeString(owned);

    /* Invalid types are refused and left alone. */
    static const VARTYPE bad[] = {
        VT_VECTOR | VT_I4,   15,   VT_BYREF | VT_EMPTY, VT_BYREF | VT_NULL, VT_VOID, VT_HRESULT, VT_LPWSTR,
        VT_RESERVED | VT_I4, 0xfff};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        V_VT(&v) = bad[i];
        ok_hr(DISP_E_BADVARTYPE, VariantClear(&v));
        ok(V_VT(&v) == bad[i], "invalid vt 0x%x was modified", bad[i]);
    }
    /* No SAFEARRAY support: a by-value array cannot be freed, so it is refused. */
    V_VT(&v) = VT_ARRAY | VT_I4;
    v.parray = NULL;
    ok_hr(DISP_E_BADVARTYPE, VariantClear(&v));
    V_VT(&v) = VT_ARRAY | VT_I4 | VT_BYREF;
    ok_hr(S_OK, VariantClear(&v));

    ok_hr(E_INVALIDARG, VariantClear(NULL));
}

static void test_variant_copy(void)
{
    VARIANT src, dst;
    struct test_obj o;
    obj_init(&o, 1);

    /* BSTR: deep copy keeping length, embedded NULs and odd byte lengths. */
    VariantInit(&dst);
    V_VT(&src) = VT_BSTR;
    V_BSTR(&src) = bstr_n("a\0b", 3);
    ok_hr(S_OK, VariantCopy(&dst, &src));
    ok(V_VT(&dst) == VT_BSTR && V_BSTR(&dst) != V_BSTR(&src), "BSTR must be a new allocation");
    ok(SysStringLen(V_BSTR(&dst)) == 3 && V_BSTR(&dst)[1] == 0 && V_BSTR(&dst)[2] == u'b',
       "embedded NUL lost in copy");
    VariantClear(&src);
    V_VT(&src) = VT_BSTR;
    V_BSTR(&src) = SysAllocStringByteLen("xyz", 3);
    ok_hr(S_OK, VariantCopy(&dst, &src)); /* also frees the previous dst BSTR */
    ok(SysStringByteLen(V_BSTR(&dst)) == 3 && !memcmp(V_BSTR(&dst), "xyz", 4),
       "odd byte length lost in copy");
    VariantClear(&src);

    V_VT(&src) = VT_BSTR;
    V_BSTR(&src) = NULL;
    ok_hr(S_OK, VariantCopy(&dst, &src));
    ok(V_VT(&dst) == VT_BSTR && V_BSTR(&dst) == NULL, "NULL BSTR copies as NULL");

    /* Interfaces are AddRef'd; dest's old value is released. */
    V_VT(&src) = VT_DISPATCH;
    V_DISPATCH(&src) = &o.IDispatch_iface;
    ok_hr(S_OK, VariantCopy(&dst, &src));
    ok(V_DISPATCH(&dst) == &o.IDispatch_iface && o.ref == 2, "copy must AddRef: ref %d", (int)o.ref);
    V_VT(&src) = VT_I4;
    V_I4(&src) = 5;
    ok_hr(S_OK, VariantCopy(&dst, &src));
    ok(o.ref == 1 && V_VT(&dst) == VT_I4 && V_I4(&dst) == 5, "copy must clear dest first");

    V_VT(&src) = VT_UNKNOWN;
    V_UNKNOWN(&src) = obj_unk(&o);
    ok_hr(S_OK, VariantCopy(&dst, &src));
    ok(o.ref == 2, "VT_UNKNOWN copy must AddRef");
    ok_hr(S_OK, VariantClear(&dst));
    ok(o.ref == 1, "refcount balance after clear: %d", (int)o.ref);

    /* By-reference: the pointer is copied, nothing else. */
    LONG l = 7;
    V_VT(&src) = VT_I4 | VT_BYREF;
    V_I4REF(&src) = &l;
    ok_hr(S_OK, VariantCopy(&dst, &src));
    ok(V_VT(&dst) == (VT_I4 | VT_BYREF) && V_I4REF(&dst) == &l, "byref copy must keep the pointer");
    IDispatch *pd = &o.IDispatch_iface;
    V_VT(&src) = VT_DISPATCH | VT_BYREF;
    V_DISPATCHREF(&src) = &pd;
    ok_hr(S_OK, VariantCopy(&dst, &src));
    ok(V_DISPATCHREF(&dst) == &pd && o.ref == 1, "byref dispatch copy must not AddRef");

    /* Scalars and other by-value types are copied bit for bit. */
    V_VT(&src) = VT_R8;
    V_R8(&src) = 2.25;
    ok_hr(S_OK, VariantCopy(&dst, &src));
    ok(V_VT(&dst) == VT_R8 && V_R8(&dst) == 2.25, "R8 copy");
    V_VT(&src) = VT_CY;
    src.cyVal.int64 = 123456;
    ok_hr(S_OK, VariantCopy(&dst, &src));
    ok(V_VT(&dst) == VT_CY && dst.cyVal.int64 == 123456, "CY copy");

    /* Invalid source: error, dest untouched. */
    V_VT(&dst) = VT_I4;
    V_I4(&dst) = 99;
    V_VT(&src) = VT_VECTOR | VT_I4;
    ok_hr(DISP_E_BADVARTYPE, VariantCopy(&dst, &src));
    ok(V_VT(&dst) == VT_I4 && V_I4(&dst) == 99, "dest changed on bad source");
    V_VT(&src) = 72; /* VT_CLSID is never a valid source */
    ok_hr(DISP_E_BADVARTYPE, VariantCopy(&dst, &src));

    /* Invalid dest: error, dest untouched. */
    V_VT(&src) = VT_I4;
    V_I4(&src) = 1;
    V_VT(&dst) = 15;
    ok_hr(DISP_E_BADVARTYPE, VariantCopy(&dst, &src));
    ok(V_VT(&dst) == 15, "bad dest was modified");

    /* src == dest: nothing happens. */
    V_VT(&src) = VT_BSTR;
    V_BSTR(&src) = bstr("same");
    BSTR before = V_BSTR(&src);
    ok_hr(S_OK, VariantCopy(&src, &src));
    ok(V_VT(&src) == VT_BSTR && V_BSTR(&src) == before, "self copy changed the variant");
    VariantClear(&src);

    ok_hr(E_INVALIDARG, VariantCopy(NULL, &src));
    ok_hr(E_INVALIDARG, VariantCopy(&src, NULL));
}

/* VariantCopyInd for each by-reference form. */
static void test_variant_copyind(void)
{
    VARIANT src, dst, inner;
    struct test_obj o;
    obj_init(&o, 1);
    VariantInit(&dst);

#define COPYIND_SCALAR(vtype, field, value)                                                                  \
    do {                                                                                                     \
        VARIANT store_;                                                                                      \
        VariantInit(&store_);                                                                                \
        store_.field = (value);                                                                              \
        V_VT(&src) = (vtype) | VT_BYREF;                                                                     \
        V_BYREF(&src) = &store_.field;                                                                       \
        ok_hr(S_OK, VariantCopyInd(&dst, &src));                                                             \
        ok(V_VT(&dst) == (vtype) && dst.field == (value), "CopyInd of BYREF|vt %d", (vtype));                \
    } while (0)

    COPYIND_SCALAR(VT_I1, cVal, (CHAR)-5);
    COPYIND_SCALAR(VT_UI1, bVal, 200);
    COPYIND_SCALAR(VT_I2, iVal, -1234);
    COPYIND_SCALAR(VT_UI2, uiVal, 60000);
    COPYIND_SCALAR(VT_I4, lVal, -123456);
    COPYIND_SCALAR(VT_UI4, ulVal, 4000000000u);
    COPYIND_SCALAR(VT_I8, llVal, -1234567890123LL);
    COPYIND_SCALAR(VT_UI8, ullVal, 18000000000000000000ULL);
    COPYIND_SCALAR(VT_INT, intVal, -77);
    COPYIND_SCALAR(VT_UINT, uintVal, 77u);
    COPYIND_SCALAR(VT_R4, fltVal, 1.5f);
    COPYIND_SCALAR(VT_R8, dblVal, -2.75);
    COPYIND_SCALAR(VT_BOOL, boolVal, VARIANT_TRUE);
    COPYIND_SCALAR(VT_ERROR, scode, DISP_E_PARAMNOTFOUND);
    COPYIND_SCALAR(VT_DATE, date, 45000.5);
#undef COPYIND_SCALAR

    /* BYREF|BSTR: a deep copy of the pointed-to string. */
    BSTR s = bstr("deref me");
    V_VT(&src) = VT_BSTR | VT_BYREF;
    V_BSTRREF(&src) = &s;
    ok_hr(S_OK, VariantCopyInd(&dst, &src));
    ok(V_VT(&dst) == VT_BSTR && V_BSTR(&dst) != s && bstr_eq(V_BSTR(&dst), "deref me"),
       "BYREF|BSTR must be copied");
    SysFreeString(s);
    VariantClear(&dst);

    /* BYREF|DISPATCH and BYREF|UNKNOWN: AddRef'd. */
    IDispatch *pd = &o.IDispatch_iface;
    V_VT(&src) = VT_DISPATCH | VT_BYREF;
    V_DISPATCHREF(&src) = &pd;
    ok_hr(S_OK, VariantCopyInd(&dst, &src));
    ok(V_VT(&dst) == VT_DISPATCH && V_DISPATCH(&dst) == pd && o.ref == 2, "BYREF|DISPATCH deref");
    IUnknown *pu = obj_unk(&o);
    V_VT(&src) = VT_UNKNOWN | VT_BYREF;
    V_UNKNOWNREF(&src) = &pu;
    ok_hr(S_OK, VariantCopyInd(&dst, &src));
    ok(V_VT(&dst) == VT_UNKNOWN && V_UNKNOWN(&dst) == pu && o.ref == 2, "BYREF|UNKNOWN deref");
    VariantClear(&dst);
    ok(o.ref == 1, "refcount balance: %d", (int)o.ref);

    /* Dest's own interface pointer as the by-reference source. */
    V_VT(&dst) = VT_DISPATCH;
    V_DISPATCH(&dst) = pd;
    o.ref = 2; /* one held by dst */
    V_VT(&src) = VT_DISPATCH | VT_BYREF;
    V_DISPATCHREF(&src) = &V_DISPATCH(&dst);
    ok_hr(S_OK, VariantCopyInd(&dst, &src));
    ok(V_VT(&dst) == VT_DISPATCH && V_DISPATCH(&dst) == pd && o.ref == 2, "self-referencing CopyInd: ref %d",
       (int)o.ref);
    VariantClear(&dst);
    o.ref = 1;

    /* BYREF|VARIANT: the pointed-to VARIANT, deep-copied. */
    V_VT(&inner) = VT_BSTR;
    V_BSTR(&inner) = bstr("inner");
    V_VT(&src) = VT_VARIANT | VT_BYREF;
    V_VARIANTREF(&src) = &inner;
    ok_hr(S_OK, VariantCopyInd(&dst, &src));
    ok(V_VT(&dst) == VT_BSTR && V_BSTR(&dst) != V_BSTR(&inner) && bstr_eq(V_BSTR(&dst), "inner"),
       "BYREF|VARIANT deref");
    VariantClear(&inner);
    VariantClear(&dst);

    /* ... which may itself be a by-reference scalar (dereferenced too) ... */
    LONG l = 4321;
    V_VT(&inner) = VT_I4 | VT_BYREF;
    V_I4REF(&inner) = &l;
    ok_hr(S_OK, VariantCopyInd(&dst, &src));
    ok(V_VT(&dst) == VT_I4 && V_I4(&dst) == 4321, "BYREF|VARIANT -> BYREF|I4");

    /* ... but not another BYREF|VARIANT; dest is left alone. */
    VARIANT inner2;
    V_VT(&inner2) = VT_I4;
    V_I4(&inner2) = 1;
    V_VT(&inner) = VT_VARIANT | VT_BYREF;
    V_VARIANTREF(&inner) = &inner2;
    V_VT(&dst) = VT_I4;
    V_I4(&dst) = 55;
    ok_hr(E_INVALIDARG, VariantCopyInd(&dst, &src));
    ok(V_VT(&dst) == VT_I4 && V_I4(&dst) == 55, "dest changed by failed CopyInd");

    /* A BYREF|VARIANT to an invalid type behaves like VariantCopy of it. */
    V_VT(&inner) = 15;
    ok_hr(DISP_E_BADVARTYPE, VariantCopyInd(&dst, &src));
    ok(V_VT(&dst) == VT_I4 && V_I4(&dst) == 55, "dest changed by failed CopyInd");

    /* Invalid by-reference types and NULL pointers. */
    V_VT(&src) = VT_EMPTY | VT_BYREF;
    V_BYREF(&src) = &l;
    ok_hr(E_INVALIDARG, VariantCopyInd(&dst, &src));
    V_VT(&src) = VT_I4 | VT_BYREF;
    V_BYREF(&src) = NULL;
    ok_hr(E_INVALIDARG, VariantCopyInd(&dst, &src));
    ok(V_VT(&dst) == VT_I4 && V_I4(&dst) == 55, "dest changed by failed CopyInd");

    /* Not by reference: same as VariantCopy. */
    V_VT(&src) = VT_BSTR;
    V_BSTR(&src) = bstr("plain");
    ok_hr(S_OK, VariantCopyInd(&dst, &src));
    ok(V_BSTR(&dst) != V_BSTR(&src) && bstr_eq(V_BSTR(&dst), "plain"), "plain CopyInd");
    VariantClear(&src);
    VariantClear(&dst);

    /* In place. */
    V_VT(&src) = VT_I4 | VT_BYREF;
    V_I4REF(&src) = &l;
    ok_hr(S_OK, VariantCopyInd(&src, &src));
    ok(V_VT(&src) == VT_I4 && V_I4(&src) == 4321, "in-place CopyInd");
    s = bstr("in place");
    V_VT(&src) = VT_BSTR | VT_BYREF;
    V_BSTRREF(&src) = &s;
    ok_hr(S_OK, VariantCopyInd(&src, &src));
    ok(V_VT(&src) == VT_BSTR && V_BSTR(&src) != s && bstr_eq(V_BSTR(&src), "in place"),
       "in-place BYREF|BSTR");
    VariantClear(&src);
    SysFreeString(s);
}

/* ---- VariantChangeType: the full source x destination matrix ---- */

static const VARTYPE all_types[] = {VT_EMPTY, VT_NULL, VT_I1,   VT_I2,   VT_I4,       VT_I8,
                                    VT_UI1,   VT_UI2,  VT_UI4,  VT_UI8,  VT_INT,      VT_UINT,
                                    VT_R4,    VT_R8,   VT_BOOL, VT_BSTR, VT_DISPATCH, VT_UNKNOWN};
#define N_TYPES (sizeof(all_types) / sizeof(all_types[0]))

static struct test_obj matrix_obj;

static int int_width(VARTYPE vt, int *is_signed)
{
    switch (vt) {
    case VT_I1:
        *is_signed = 1;
        return 8;
    case VT_UI1:
        *is_signed = 0;
        return 8;
    case VT_I2:
        *is_signed = 1;
        return 16;
    case VT_UI2:
        *is_signed = 0;
        return 16;
    case VT_I4:
    case VT_INT:
        *is_signed = 1;
        return 32;
    case VT_UI4:
    case VT_UINT:
        *is_signed = 0;
        return 32;
    case VT_I8:
        *is_signed = 1;
        return 64;
    case VT_UI8:
        *is_signed = 0;
        return 64;
    default:
        *is_signed = 0;
        return 0;
    }
}

static uint64_t bits_of(const VARIANT *v, int width)
{
    switch (width) {
    case 8:
        return V_UI1(v);
    case 16:
        return V_UI2(v);
    case 32:
        return V_UI4(v);
    default:
        return V_UI8(v);
    }
}

/* The value 42 (TRUE for BOOL, "42" for BSTR, the test object for
 * interfaces) in type vt. The object gets a reference. */
static void make_source(VARIANT *v, VARTYPE vt)
{
    int s, w = int_width(vt, &s);
    VariantInit(v);
    V_VT(v) = vt;
    if (w == 8)
        V_UI1(v) = 42;
    else if (w == 16)
        V_UI2(v) = 42;
    else if (w == 32)
        V_UI4(v) = 42;
    else if (w == 64)
        V_UI8(v) = 42;
    else if (vt == VT_R4)
        V_R4(v) = 42.0f;
    else if (vt == VT_R8)
        V_R8(v) = 42.0;
    else if (vt == VT_BOOL)
        V_BOOL(v) = VARIANT_TRUE;
    else if (vt == VT_BSTR)
        V_BSTR(v) = bstr("42");
    else if (vt == VT_DISPATCH || vt == VT_UNKNOWN) {
        V_DISPATCH(v) = &matrix_obj.IDispatch_iface;
        matrix_obj.ref++;
    }
}

static VARTYPE norm(VARTYPE vt)
{
    return vt == VT_INT ? VT_I4 : vt == VT_UINT ? VT_UI4 : vt;
}

static HRESULT expected_hr(VARTYPE from, VARTYPE to)
{
    int iface_from = from == VT_DISPATCH || from == VT_UNKNOWN;
    int iface_to = to == VT_DISPATCH || to == VT_UNKNOWN;

    if (norm(from) == norm(to))
        return S_OK;
    if (from == VT_NULL)
        return to == VT_NULL ? S_OK : DISP_E_TYPEMISMATCH;
    if (to == VT_EMPTY || to == VT_NULL)
        return S_OK;
    if (iface_from)
        return iface_to ? S_OK : DISP_E_TYPEMISMATCH;
    return iface_to ? DISP_E_TYPEMISMATCH : S_OK;
}

/* Checks a successful conversion of make_source(from) to `to`. */
static void check_converted(const VARIANT *v, VARTYPE from, VARTYPE to, const char *how)
{
    int is_signed, w = int_width(to, &is_signed);

    ok(V_VT(v) == to, "%s %d->%d: vt %d", how, from, to, V_VT(v));
    if (w) {
        uint64_t mask = w == 64 ? UINT64_MAX : (UINT64_C(1) << w) - 1;
        uint64_t want = from == VT_EMPTY ? 0 : from == VT_BOOL ? mask : 42;
        ok(bits_of(v, w) == want, "%s %d->%d: value 0x%" PRIx64 ", expected 0x%" PRIx64, how, from, to,
           bits_of(v, w), want);
    } else if (to == VT_R4 || to == VT_R8) {
        double want = from == VT_EMPTY ? 0.0 : from == VT_BOOL ? -1.0 : 42.0;
        double got = to == VT_R4 ? V_R4(v) : V_R8(v);
        ok(got == want, "%s %d->%d: %g, expected %g", how, from, to, got, want);
    } else if (to == VT_BOOL) {
        VARIANT_BOOL want = from == VT_EMPTY ? VARIANT_FALSE : VARIANT_TRUE;
        ok(V_BOOL(v) == want, "%s %d->BOOL: %d", how, from, V_BOOL(v));
    } else if (to == VT_BSTR) {
        const char *want = from == VT_EMPTY ? "" : from == VT_BOOL ? "-1" : "42";
        ok(bstr_eq(V_BSTR(v), want), "%s %d->BSTR: \"%s\", expected \"%s\"", how, from, narrow(V_BSTR(v)),
           want);
    } else if (to == VT_DISPATCH || to == VT_UNKNOWN) {
        ok(V_UNKNOWN(v) == obj_unk(&matrix_obj), "%s %d->%d: wrong interface", how, from, to);
    }
}

/* Converts src (not in place) into a dest holding a sentinel. */
static void matrix_one(const VARIANT *src, VARTYPE from, VARTYPE to, const char *how)
{
    VARIANT dst;
    LONG ref_before = matrix_obj.ref;
    HRESULT want = expected_hr(from, to);

    V_VT(&dst) = VT_I4;
    V_I4(&dst) = 0x5EED;
    HRESULT hr = VariantChangeType(&dst, src, 0, to);
    ok((int32_t)hr == (int32_t)want, "%s %d->%d: hr 0x%08x, expected 0x%08x", how, from, to, (unsigned)hr,
       (unsigned)want);
    if (SUCCEEDED(hr)) {
        check_converted(&dst, from, to, how);
        ok_hr(S_OK, VariantClear(&dst));
    } else {
        ok(V_VT(&dst) == VT_I4 && V_I4(&dst) == 0x5EED, "%s %d->%d: dest touched on failure", how, from, to);
    }
    ok(matrix_obj.ref == ref_before, "%s %d->%d: refcount %d, expected %d", how, from, to,
       (int)matrix_obj.ref, (int)ref_before);
}

/* The same conversion with dest == src. */
static void matrix_in_place(const VARIANT *val, VARTYPE from, VARTYPE to)
{
    VARIANT t, snapshot;
    LONG ref_before = matrix_obj.ref;

    VariantInit(&t);
    ok_hr(S_OK, VariantCopy(&t, val));
    snapshot = t;
    HRESULT hr = VariantChangeType(&t, &t, 0, to);
    ok((int32_t)hr == (int32_t)expected_hr(from, to), "in place %d->%d: hr 0x%08x", from, to, (unsigned)hr);
    if (SUCCEEDED(hr))
        check_converted(&t, from, to, "in place");
    else
        ok(!memcmp(&t, &snapshot, sizeof(t)), "in place %d->%d: source changed on failure", from, to);
    ok_hr(S_OK, VariantClear(&t));
    ok(matrix_obj.ref == ref_before, "in place %d->%d: refcount %d, expected %d", from, to,
       (int)matrix_obj.ref, (int)ref_before);
}

static void test_changetype_matrix(void)
{
    obj_init(&matrix_obj, 1);
    for (size_t i = 0; i < N_TYPES; i++) {
        VARTYPE from = all_types[i];
        VARIANT val, ref;
        make_source(&val, from);

        for (size_t j = 0; j < N_TYPES; j++) {
            VARTYPE to = all_types[j];
            matrix_one(&val, from, to, "by value");
            matrix_in_place(&val, from, to);

            /* Through BYREF|<type> (not defined for EMPTY and NULL). */
            if (from != VT_EMPTY && from != VT_NULL) {
                V_VT(&ref) = from | VT_BYREF;
                V_BYREF(&ref) = &val.llVal;
                matrix_one(&ref, from, to, "byref");
            }
            /* Through BYREF|VARIANT. */
            V_VT(&ref) = VT_VARIANT | VT_BYREF;
            V_VARIANTREF(&ref) = &val;
            matrix_one(&ref, from, to, "byref variant");
        }
        ok_hr(S_OK, VariantClear(&val));
    }
    ok(matrix_obj.ref == 1, "matrix leaked references: %d", (int)matrix_obj.ref);
}

/* ---- VariantChangeType: specific rules ---- */

static HRESULT change(VARIANT *out, const VARIANT *in, USHORT flags, VARTYPE vt)
{
    VariantInit(out);
    return VariantChangeType(out, in, flags, vt);
}

static VARIANT v_i4(LONG x)
{
    VARIANT v;
    VariantInit(&v);
    V_VT(&v) = VT_I4;
    V_I4(&v) = x;
    return v;
}

static VARIANT v_i8(LONGLONG x)
{
    VARIANT v;
    VariantInit(&v);
    V_VT(&v) = VT_I8;
    V_I8(&v) = x;
    return v;
}

static VARIANT v_ui8(ULONGLONG x)
{
    VARIANT v;
    VariantInit(&v);
    V_VT(&v) = VT_UI8;
    V_UI8(&v) = x;
    return v;
}

static VARIANT v_r8(double x)
{
    VARIANT v;
    VariantInit(&v);
    V_VT(&v) = VT_R8;
    V_R8(&v) = x;
    return v;
}

static VARIANT v_r4(float x)
{
    VARIANT v;
    VariantInit(&v);
    V_VT(&v) = VT_R4;
    V_R4(&v) = x;
    return v;
}

static VARIANT v_bool(VARIANT_BOOL x)
{
    VARIANT v;
    VariantInit(&v);
    V_VT(&v) = VT_BOOL;
    V_BOOL(&v) = x;
    return v;
}

static VARIANT v_typed(VARTYPE vt, uint64_t bits)
{
    VARIANT v;
    VariantInit(&v);
    V_VT(&v) = vt;
    V_UI8(&v) = bits; /* little-endian: narrower fields see the low bits */
    return v;
}

/* Converts and returns the result's raw integer bits (0 on failure). */
static uint64_t conv_bits(VARIANT in, VARTYPE to, HRESULT *hr)
{
    VARIANT out;
    int s, w = int_width(to, &s);
    *hr = change(&out, &in, 0, to);
    return SUCCEEDED(*hr) && V_VT(&out) == to ? bits_of(&out, w) : 0;
}

#define CHECK_INT(in, to, want_hr, want_bits)                                                                \
    do {                                                                                                     \
        HRESULT hr_;                                                                                         \
        uint64_t got_ = conv_bits((in), (to), &hr_);                                                         \
        ok((int32_t)hr_ == (int32_t)(want_hr) && got_ == (uint64_t)(want_bits),                              \
           "line %d: hr 0x%08x value 0x%" PRIx64 ", expected 0x%08x 0x%" PRIx64, __LINE__, (unsigned)hr_,    \
           got_, (unsigned)(want_hr), (uint64_t)(want_bits));                                                \
    } while (0)

static void test_changetype_integers(void)
{
    /* Narrowing out of range is an overflow. */
    CHECK_INT(v_i4(300), VT_I1, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_i4(300), VT_UI1, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_i4(255), VT_UI1, S_OK, 255);
    CHECK_INT(v_i4(-129), VT_I1, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_i4(-128), VT_I1, S_OK, 0x80);
    CHECK_INT(v_i4(32768), VT_I2, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_i4(-32768), VT_I2, S_OK, 0x8000);
    CHECK_INT(v_i4(65536), VT_UI2, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_i4(-1), VT_UI1, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_i4(-1), VT_UI2, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_i4(-1), VT_UI8, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_typed(VT_I2, 0xFFFF), VT_UI4, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_typed(VT_I1, 0xFF), VT_UI8, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_i8(2147483648LL), VT_I4, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_i8(-2147483649LL), VT_I4, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_i8(-2147483648LL), VT_I4, S_OK, 0x80000000u);
    CHECK_INT(v_i8(4294967296LL), VT_UI4, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_ui8(UINT64_C(1) << 63), VT_I4, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_ui8(65535), VT_UI2, S_OK, 65535);
    CHECK_INT(v_ui8(65536), VT_UI2, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_i8(-1), VT_UI2, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_typed(VT_UI4, 0x80000000u), VT_I8, S_OK, 0x80000000u);
    CHECK_INT(v_typed(VT_UI4, 0xFFFFFFFFu), VT_INT, S_OK, 0xFFFFFFFFu);
    CHECK_INT(v_typed(VT_UINT, 0x80000000u), VT_I2, DISP_E_OVERFLOW, 0);

    /* Same width, other signedness: oleaut32 copies the bits. */
    CHECK_INT(v_i4(-1), VT_UI4, S_OK, 0xFFFFFFFFu);
    CHECK_INT(v_i4(-1), VT_UINT, S_OK, 0xFFFFFFFFu);
    CHECK_INT(v_typed(VT_UI4, 0xFFFFFFFFu), VT_I4, S_OK, 0xFFFFFFFFu);
    CHECK_INT(v_typed(VT_I2, 0xFFFF), VT_UI2, S_OK, 0xFFFF);
    CHECK_INT(v_typed(VT_UI2, 0xFFFF), VT_I2, S_OK, 0xFFFF);
    CHECK_INT(v_typed(VT_I1, 0x80), VT_UI1, S_OK, 0x80);
    CHECK_INT(v_typed(VT_UI1, 200), VT_I1, S_OK, 200);
    CHECK_INT(v_i8(-1), VT_UI8, S_OK, UINT64_MAX);
    CHECK_INT(v_ui8(UINT64_MAX), VT_I8, S_OK, UINT64_MAX);

    /* BOOL is -1/0 in every width. */
    CHECK_INT(v_bool(VARIANT_TRUE), VT_I4, S_OK, 0xFFFFFFFFu);
    CHECK_INT(v_bool(VARIANT_TRUE), VT_UI1, S_OK, 0xFF);
    CHECK_INT(v_bool(VARIANT_FALSE), VT_UI8, S_OK, 0);

    /* Result vt is exactly what was asked for. */
    VARIANT in = v_i4(5), out;
    ok_hr(S_OK, change(&out, &in, 0, VT_INT));
    ok(V_VT(&out) == VT_INT && V_INT(&out) == 5, "VT_INT target");
    ok_hr(S_OK, change(&out, &in, 0, VT_UINT));
    ok(V_VT(&out) == VT_UINT && V_UINT(&out) == 5, "VT_UINT target");
    in = v_typed(VT_INT, 9);
    ok_hr(S_OK, change(&out, &in, 0, VT_I4));
    ok(V_VT(&out) == VT_I4 && V_I4(&out) == 9, "VT_INT source");
}

static void test_changetype_rounding(void)
{
    /* Banker's rounding: ties go to the even neighbour. */
    CHECK_INT(v_r8(2.5), VT_I4, S_OK, 2);
    CHECK_INT(v_r8(3.5), VT_I4, S_OK, 4);
    CHECK_INT(v_r8(-2.5), VT_I4, S_OK, (uint32_t)-2);
    CHECK_INT(v_r8(-3.5), VT_I4, S_OK, (uint32_t)-4);
    CHECK_INT(v_r8(0.5), VT_I4, S_OK, 0);
    CHECK_INT(v_r8(1.5), VT_I4, S_OK, 2);
    CHECK_INT(v_r8(2.4999999), VT_I4, S_OK, 2);
    CHECK_INT(v_r8(2.5000001), VT_I4, S_OK, 3);
    CHECK_INT(v_r8(-0.4), VT_I4, S_OK, 0);
    CHECK_INT(v_r8(-0.6), VT_I4, S_OK, 0xFFFFFFFFu);
    CHECK_INT(v_r4(2.5f), VT_I2, S_OK, 2);
    CHECK_INT(v_r4(-3.5f), VT_I8, S_OK, (uint64_t)-4);
    CHECK_INT(v_r8(2.5), VT_UI8, S_OK, 2);

    /* The range test is on the rounded value. */
    CHECK_INT(v_r8(-0.5), VT_UI1, S_OK, 0);
    CHECK_INT(v_r8(-0.6), VT_UI1, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_r8(126.5), VT_I1, S_OK, 126);
    CHECK_INT(v_r8(127.5), VT_I1, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_r8(-128.5), VT_I1, S_OK, 0x80);
    CHECK_INT(v_r8(-129.5), VT_I1, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_r8(255.5), VT_UI1, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_r8(2147483647.5), VT_I4, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_r8(2147483646.5), VT_I4, S_OK, 2147483646);
    CHECK_INT(v_r8(-2147483648.5), VT_I4, S_OK, 0x80000000u);
    CHECK_INT(v_r8(4294967295.4), VT_UI4, S_OK, 0xFFFFFFFFu);
    CHECK_INT(v_r8(9223372036854775808.0), VT_I8, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_r8(-9223372036854775808.0), VT_I8, S_OK, UINT64_C(1) << 63);
    CHECK_INT(v_r8(9223372036854775808.0), VT_UI8, S_OK, UINT64_C(1) << 63);
    CHECK_INT(v_r8(18446744073709551616.0), VT_UI8, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_r8(1e300), VT_I8, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_r8(-(double)INFINITY), VT_I4, DISP_E_OVERFLOW, 0);
    CHECK_INT(v_r8((double)NAN), VT_I4, DISP_E_OVERFLOW, 0);
}

static void test_changetype_reals(void)
{
    VARIANT in, out;

    in = v_r8(1e39);
    ok_hr(DISP_E_OVERFLOW, change(&out, &in, 0, VT_R4));
    in = v_r8(-1e39);
    ok_hr(DISP_E_OVERFLOW, change(&out, &in, 0, VT_R4));
    in = v_r8(0.25);
    ok_hr(S_OK, change(&out, &in, 0, VT_R4));
    ok(V_VT(&out) == VT_R4 && V_R4(&out) == 0.25f, "R8 -> R4");
    in = v_r4(1.1f);
    ok_hr(S_OK, change(&out, &in, 0, VT_R8));
    ok(V_R8(&out) == (double)1.1f, "R4 -> R8 must be exact");
    in = v_ui8(UINT64_MAX);
    ok_hr(S_OK, change(&out, &in, 0, VT_R8));
    ok(V_R8(&out) == 18446744073709551616.0, "UI8 max -> R8: %g", V_R8(&out));
    in = v_i8(INT64_MIN);
    ok_hr(S_OK, change(&out, &in, 0, VT_R4));
    ok(V_R4(&out) == -9223372036854775808.0f, "I8 min -> R4");
    in = v_i4(-7);
    ok_hr(S_OK, change(&out, &in, 0, VT_R8));
    ok(V_R8(&out) == -7.0, "I4 -> R8");
    in = v_bool(VARIANT_TRUE);
    ok_hr(S_OK, change(&out, &in, 0, VT_R4));
    ok(V_R4(&out) == -1.0f, "BOOL -> R4");

    /* Numbers to BOOL: nonzero is VARIANT_TRUE. */
    in = v_r8(0.0001);
    ok_hr(S_OK, change(&out, &in, 0, VT_BOOL));
    ok(V_BOOL(&out) == VARIANT_TRUE, "0.0001 -> TRUE");
    in = v_r8(-0.0);
    ok_hr(S_OK, change(&out, &in, 0, VT_BOOL));
    ok(V_BOOL(&out) == VARIANT_FALSE, "-0.0 -> FALSE");
    in = v_i8(INT64_MIN);
    ok_hr(S_OK, change(&out, &in, 0, VT_BOOL));
    ok(V_BOOL(&out) == VARIANT_TRUE, "I8 min -> TRUE");
    in = v_typed(VT_UI1, 0);
    ok_hr(S_OK, change(&out, &in, 0, VT_BOOL));
    ok(V_BOOL(&out) == VARIANT_FALSE, "0 -> FALSE");
}

/* BSTR -> number/bool; returns hr, leaves the converted value in *out. */
static HRESULT from_str(const char *text, VARTYPE to, VARIANT *out)
{
    VARIANT in;
    V_VT(&in) = VT_BSTR;
    V_BSTR(&in) = bstr(text);
    HRESULT hr = change(out, &in, 0, to);
    VariantClear(&in);
    return hr;
}

#define CHECK_STR_INT(text, to, want_hr, want_bits)                                                          \
    do {                                                                                                     \
        VARIANT o_;                                                                                          \
        int s_, w_ = int_width((to), &s_);                                                                   \
        HRESULT hr_ = from_str((text), (to), &o_);                                                           \
        uint64_t got_ = SUCCEEDED(hr_) ? bits_of(&o_, w_) : 0;                                               \
        ok((int32_t)hr_ == (int32_t)(want_hr) && got_ == (uint64_t)(want_bits),                              \
           "\"%s\" -> vt %d: hr 0x%08x value 0x%" PRIx64 ", expected 0x%08x 0x%" PRIx64, (text), (to),       \
           (unsigned)hr_, got_, (unsigned)(want_hr), (uint64_t)(want_bits));                                 \
    } while (0)

#define CHECK_STR_R8(text, want_hr, want)                                                                    \
    do {                                                                                                     \
        VARIANT o_;                                                                                          \
        HRESULT hr_ = from_str((text), VT_R8, &o_);                                                          \
        double got_ = SUCCEEDED(hr_) ? V_R8(&o_) : -12345.0;                                                 \
        ok((int32_t)hr_ == (int32_t)(want_hr) && (FAILED(hr_) || got_ == (want)),                            \
           "\"%s\" -> R8: hr 0x%08x value %.17g", (text), (unsigned)hr_, got_);                              \
    } while (0)

static void test_changetype_from_string(void)
{
    CHECK_STR_INT("42", VT_I4, S_OK, 42);
    CHECK_STR_INT("  42  ", VT_I4, S_OK, 42);
    CHECK_STR_INT("\t42\r\n", VT_I4, S_OK, 42);
    CHECK_STR_INT("+7", VT_I2, S_OK, 7);
    CHECK_STR_INT("-7", VT_I2, S_OK, 0xFFF9);
    CHECK_STR_INT(" -7 ", VT_I8, S_OK, (uint64_t)-7);
    CHECK_STR_INT("007", VT_UI1, S_OK, 7);
    CHECK_STR_INT("1e3", VT_I4, S_OK, 1000);
    CHECK_STR_INT("1.5E+2", VT_I4, S_OK, 150);
    CHECK_STR_INT("12500e-2", VT_I4, S_OK, 125);
    CHECK_STR_INT("1.", VT_I4, S_OK, 1);
    CHECK_STR_INT("-0", VT_UI4, S_OK, 0);
    CHECK_STR_INT("-0.4", VT_UI4, S_OK, 0);
    CHECK_STR_INT("-0.6", VT_UI4, DISP_E_OVERFLOW, 0);

    /* Rounding happens on the decimal digits: ties to even. */
    CHECK_STR_INT("2.5", VT_I4, S_OK, 2);
    CHECK_STR_INT("3.5", VT_I4, S_OK, 4);
    CHECK_STR_INT("-2.5", VT_I4, S_OK, (uint32_t)-2);
    CHECK_STR_INT("0.5", VT_I4, S_OK, 0);
    CHECK_STR_INT(".5", VT_I4, S_OK, 0);
    CHECK_STR_INT("1.5", VT_I4, S_OK, 2);
    CHECK_STR_INT("2.50000000000000000000001", VT_I4, S_OK, 3);
    CHECK_STR_INT("2.49999999999999999999999", VT_I4, S_OK, 2);
    CHECK_STR_INT("0.05", VT_I4, S_OK, 0);

    /* Range. */
    CHECK_STR_INT("300", VT_UI1, DISP_E_OVERFLOW, 0);
    CHECK_STR_INT("-1", VT_UI4, DISP_E_OVERFLOW, 0);
    CHECK_STR_INT("40000", VT_I2, DISP_E_OVERFLOW, 0);
    CHECK_STR_INT("4294967295", VT_UI4, S_OK, 0xFFFFFFFFu);
    CHECK_STR_INT("4294967296", VT_UI4, DISP_E_OVERFLOW, 0);
    CHECK_STR_INT("2147483647", VT_I4, S_OK, 0x7FFFFFFF);
    CHECK_STR_INT("2147483648", VT_I4, DISP_E_OVERFLOW, 0);
    CHECK_STR_INT("-2147483648", VT_I4, S_OK, 0x80000000u);
    CHECK_STR_INT("18446744073709551615", VT_UI8, S_OK, UINT64_MAX);
    CHECK_STR_INT("18446744073709551616", VT_UI8, DISP_E_OVERFLOW, 0);
    CHECK_STR_INT("-9223372036854775808", VT_I8, S_OK, UINT64_C(1) << 63);
    CHECK_STR_INT("9223372036854775808", VT_I8, DISP_E_OVERFLOW, 0);
    CHECK_STR_INT("1e20", VT_UI8, DISP_E_OVERFLOW, 0);
    CHECK_STR_INT("1e-99999999", VT_I4, S_OK, 0);
    CHECK_STR_INT("0e99999999", VT_I4, S_OK, 0);

    /* Hex and octal: a bit pattern in the target width. */
    CHECK_STR_INT("&HFF", VT_I4, S_OK, 255);
    CHECK_STR_INT("&hff", VT_UI1, S_OK, 255);
    CHECK_STR_INT("&HFF", VT_I1, S_OK, 0xFF);
    CHECK_STR_INT("&HFFFF", VT_I2, S_OK, 0xFFFF);
    CHECK_STR_INT("&HFFFF", VT_I4, S_OK, 0xFFFF);
    CHECK_STR_INT("&HFFFFFFFF", VT_I4, S_OK, 0xFFFFFFFFu);
    CHECK_STR_INT(" &H10 ", VT_I4, S_OK, 16);
    CHECK_STR_INT("&O17", VT_I4, S_OK, 15);
    CHECK_STR_INT("&H10000", VT_I2, DISP_E_OVERFLOW, 0);
    CHECK_STR_INT("&HFFFFFFFFFFFFFFFF", VT_UI8, S_OK, UINT64_MAX);
    CHECK_STR_INT("&H10000000000000000", VT_UI8, DISP_E_OVERFLOW, 0);
    CHECK_STR_INT("&H", VT_I4, DISP_E_TYPEMISMATCH, 0);
    CHECK_STR_INT("&HG", VT_I4, DISP_E_TYPEMISMATCH, 0);
    CHECK_STR_INT("&O8", VT_I4, DISP_E_TYPEMISMATCH, 0);
    CHECK_STR_INT("&X1", VT_I4, DISP_E_TYPEMISMATCH, 0);

    /* Not numbers. */
    static const char *const junk[] = {"",  "   ", "abc",  "12abc", "1 2", "1e",    "1e+", ".",
                                       "-", "+-1", "1..2", "0x10",  "--1", "1,000", "$5"};
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
        CHECK_STR_INT(junk[i], VT_I4, DISP_E_TYPEMISMATCH, 0);

    /* Embedded NUL: the text ends there, as oleaut32 reads a C string. */
    VARIANT in, out;
    V_VT(&in) = VT_BSTR;
    V_BSTR(&in) = bstr_n("12\0zz", 5);
    ok_hr(S_OK, change(&out, &in, 0, VT_I4));
    ok(V_I4(&out) == 12, "text after an embedded NUL must be ignored: %d", (int)V_I4(&out));
    VariantClear(&in);

    /* A NULL BSTR is the empty string: not a number. */
    V_VT(&in) = VT_BSTR;
    V_BSTR(&in) = NULL;
    ok_hr(DISP_E_TYPEMISMATCH, change(&out, &in, 0, VT_I4));
    ok_hr(DISP_E_TYPEMISMATCH, change(&out, &in, 0, VT_BOOL));

    /* Reals. */
    CHECK_STR_R8("0.1", S_OK, 0.1);
    CHECK_STR_R8("-2.5e-3", S_OK, -2.5e-3);
    CHECK_STR_R8(" 1E5 ", S_OK, 1e5);
    CHECK_STR_R8(".5", S_OK, 0.5);
    CHECK_STR_R8("123456789012345678901234567890", S_OK, 123456789012345678901234567890.0);
    CHECK_STR_R8("1.7976931348623157e308", S_OK, DBL_MAX);
    CHECK_STR_R8("1e400", DISP_E_OVERFLOW, 0.0);
    CHECK_STR_R8("-1e400", DISP_E_OVERFLOW, 0.0);
    CHECK_STR_R8("1e-400", S_OK, 0.0);
    CHECK_STR_R8("&HFF", S_OK, 255.0);
    CHECK_STR_R8("&HFFFFFFFF", S_OK, -1.0);
    CHECK_STR_R8("nan", DISP_E_TYPEMISMATCH, 0.0);
    CHECK_STR_R8("inf", DISP_E_TYPEMISMATCH, 0.0);

    /* Digits past the ones kept (800) still decide rounding. */
    static char longnum[1200];
    memset(longnum, '0', sizeof(longnum) - 1);
    memcpy(longnum, "0.1", 3);
    longnum[sizeof(longnum) - 2] = '1';
    CHECK_STR_R8(longnum, S_OK, 0.1);
    memcpy(longnum, "2.5", 3);
    CHECK_STR_INT(longnum, VT_I4, S_OK, 3); /* 2.5000...0001 is above the tie */
    longnum[sizeof(longnum) - 2] = '0';
    CHECK_STR_INT(longnum, VT_I4, S_OK, 2); /* exactly 2.5: ties to even */
    memcpy(longnum, "100", 3);              /* 1 followed by 1198 zeros */
    CHECK_STR_INT(longnum, VT_I8, DISP_E_OVERFLOW, 0);
    CHECK_STR_R8(longnum, DISP_E_OVERFLOW, 0.0);

    ok_hr(S_OK, from_str("1.5", VT_R4, &out));
    ok(V_R4(&out) == 1.5f, "\"1.5\" -> R4");
    ok_hr(DISP_E_OVERFLOW, from_str("1e39", VT_R4, &out));
    ok_hr(DISP_E_OVERFLOW, from_str("1e-50", VT_R4, &out)); /* oleaut32: below FLT_MIN */
    ok_hr(S_OK, from_str("0", VT_R4, &out));
    ok(V_R4(&out) == 0.0f, "\"0\" -> R4");
}

static void test_changetype_string_bool(void)
{
    static const struct {
        const char *text;
        HRESULT hr;
        VARIANT_BOOL value;
    } cases[] = {
        {"True", S_OK, VARIANT_TRUE},      {"TRUE", S_OK, VARIANT_TRUE},
        {"true", S_OK, VARIANT_TRUE},      {"False", S_OK, VARIANT_FALSE},
        {"fAlSe", S_OK, VARIANT_FALSE},    {"#TRUE#", S_OK, VARIANT_TRUE},
        {"#FALSE#", S_OK, VARIANT_FALSE},  {"0", S_OK, VARIANT_FALSE},
        {"-1", S_OK, VARIANT_TRUE},        {"2", S_OK, VARIANT_TRUE},
        {" 0.0 ", S_OK, VARIANT_FALSE},    {"0.001", S_OK, VARIANT_TRUE},
        {"&H0", S_OK, VARIANT_FALSE},      {"#true#", DISP_E_TYPEMISMATCH, 0},
        {"yes", DISP_E_TYPEMISMATCH, 0},   {" true", DISP_E_TYPEMISMATCH, 0},
        {"truex", DISP_E_TYPEMISMATCH, 0}, {"", DISP_E_TYPEMISMATCH, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        VARIANT out;
        V_BOOL(&out) = 0x1234;
        HRESULT hr = from_str(cases[i].text, VT_BOOL, &out);
        ok((int32_t)hr == (int32_t)cases[i].hr, "\"%s\" -> BOOL: hr 0x%08x", cases[i].text, (unsigned)hr);
        if (SUCCEEDED(hr))
            ok(V_BOOL(&out) == cases[i].value, "\"%s\" -> BOOL: %d", cases[i].text, V_BOOL(&out));
    }
}

/* Converts in to a BSTR with flags and compares. */
static void check_to_str(VARIANT in, USHORT flags, const char *want, int line)
{
    VARIANT out;
    HRESULT hr = change(&out, &in, flags, VT_BSTR);
    ok(hr == S_OK && V_VT(&out) == VT_BSTR && bstr_eq(V_BSTR(&out), want),
       "line %d: hr 0x%08x \"%s\", expected \"%s\"", line, (unsigned)hr,
       SUCCEEDED(hr) ? narrow(V_BSTR(&out)) : "", want);
    if (SUCCEEDED(hr))
        VariantClear(&out);
}
#define CHECK_TO_STR(in, flags, want) check_to_str((in), (flags), (want), __LINE__)

static void test_changetype_to_string(void)
{
    CHECK_TO_STR(v_bool(VARIANT_TRUE), 0, "-1");
    CHECK_TO_STR(v_bool(VARIANT_FALSE), 0, "0");
    CHECK_TO_STR(v_bool(VARIANT_TRUE), VARIANT_ALPHABOOL, "True");
    CHECK_TO_STR(v_bool(VARIANT_FALSE), VARIANT_ALPHABOOL, "False");
    CHECK_TO_STR(v_bool(VARIANT_TRUE), VARIANT_LOCALBOOL, "True");

    CHECK_TO_STR(v_i4(-42), 0, "-42");
    CHECK_TO_STR(v_i4(0), 0, "0");
    CHECK_TO_STR(v_i4(INT32_MIN), 0, "-2147483648");
    CHECK_TO_STR(v_typed(VT_I1, 0x80), 0, "-128");
    CHECK_TO_STR(v_typed(VT_UI1, 0xFF), 0, "255");
    CHECK_TO_STR(v_typed(VT_I2, 0x8000), 0, "-32768");
    CHECK_TO_STR(v_typed(VT_UI2, 0xFFFF), 0, "65535");
    CHECK_TO_STR(v_typed(VT_UI4, 0xFFFFFFFFu), 0, "4294967295");
    CHECK_TO_STR(v_typed(VT_INT, 0xFFFFFFFFu), 0, "-1");
    CHECK_TO_STR(v_typed(VT_UINT, 0xFFFFFFFFu), 0, "4294967295");
    CHECK_TO_STR(v_i8(INT64_MIN), 0, "-9223372036854775808");
    CHECK_TO_STR(v_ui8(UINT64_MAX), 0, "18446744073709551615");

    CHECK_TO_STR(v_r8(1.5), 0, "1.5");
    CHECK_TO_STR(v_r8(-1.5), 0, "-1.5");
    CHECK_TO_STR(v_r8(100), 0, "100");
    CHECK_TO_STR(v_r8(0.1), 0, "0.1");
    CHECK_TO_STR(v_r8(1e20), 0, "1E+20");
    CHECK_TO_STR(v_r8(1e15), 0, "1E+15");
    CHECK_TO_STR(v_r8(123456789012345.0), 0, "123456789012345");
    CHECK_TO_STR(v_r8(123456789012345678.0), 0, "1.23456789012346E+17");
    CHECK_TO_STR(v_r8(1.0 / 3.0), 0, "0.333333333333333");
    CHECK_TO_STR(v_r8(0.0001), 0, "0.0001");
    CHECK_TO_STR(v_r8(1e-5), 0, "1E-05");
    CHECK_TO_STR(v_r8(-0.0), 0, "0");
    CHECK_TO_STR(v_r8(0.0), 0, "0");
    CHECK_TO_STR(v_r4(1.5f), 0, "1.5");
    CHECK_TO_STR(v_r4(0.1f), 0, "0.1");
    CHECK_TO_STR(v_r4(16777216.0f), 0, "1.677722E+07");
    CHECK_TO_STR(v_r4(-0.0f), 0, "0");

    VARIANT empty;
    VariantInit(&empty);
    CHECK_TO_STR(empty, 0, "");

    /* The LCID is ignored: formatting is always invariant. */
    VARIANT in = v_r8(2.5), out;
    VariantInit(&out);
    ok_hr(S_OK, VariantChangeTypeEx(&out, &in, 0x0407 /* de-DE */, 0, VT_BSTR));
    ok_bstr("2.5", V_BSTR(&out));
    VariantClear(&out);

    /* So is the C library's locale, where a comma locale is installed. */
    if (setlocale(LC_NUMERIC, "de_DE.UTF-8") || setlocale(LC_NUMERIC, "fr_FR.UTF-8")) {
        CHECK_TO_STR(v_r8(2.5), 0, "2.5");
        CHECK_STR_R8("2.5", S_OK, 2.5);
        setlocale(LC_NUMERIC, "C");
    }
}

static void test_changetype_interfaces(void)
{
    struct test_obj disp, plain;
    VARIANT in, out;
    obj_init(&disp, 1);
    obj_init(&plain, 0);

    /* DISPATCH -> UNKNOWN goes through QueryInterface. */
    V_VT(&in) = VT_DISPATCH;
    V_DISPATCH(&in) = &disp.IDispatch_iface;
    ok_hr(S_OK, change(&out, &in, 0, VT_UNKNOWN));
    ok(V_VT(&out) == VT_UNKNOWN && V_UNKNOWN(&out) == obj_unk(&disp), "DISPATCH -> UNKNOWN");
    ok(disp.qi_calls == 1 && disp.ref == 2, "QI calls %d, ref %d", disp.qi_calls, (int)disp.ref);
    VariantClear(&out);

    /* DISPATCH -> DISPATCH is a copy: AddRef, no QI. */
    ok_hr(S_OK, change(&out, &in, 0, VT_DISPATCH));
    ok(V_DISPATCH(&out) == &disp.IDispatch_iface && disp.ref == 2 && disp.qi_calls == 1,
       "same-type conversion must be a copy");
    VariantClear(&out);

    /* UNKNOWN -> DISPATCH: the QI may fail, and then dest is untouched. */
    V_VT(&in) = VT_UNKNOWN;
    V_UNKNOWN(&in) = obj_unk(&plain);
    V_VT(&out) = VT_I4;
    V_I4(&out) = 3;
    ok_hr(E_NOINTERFACE, VariantChangeType(&out, &in, 0, VT_DISPATCH));
    ok(V_VT(&out) == VT_I4 && V_I4(&out) == 3 && plain.ref == 1, "failed QI changed state");
    V_UNKNOWN(&in) = obj_unk(&disp);
    ok_hr(S_OK, change(&out, &in, 0, VT_DISPATCH));
    ok(V_DISPATCH(&out) == &disp.IDispatch_iface && disp.ref == 2, "UNKNOWN -> DISPATCH");
    VariantClear(&out);

    /* NULL interface pointers convert to NULL. */
    V_VT(&in) = VT_DISPATCH;
    V_DISPATCH(&in) = NULL;
    ok_hr(S_OK, change(&out, &in, 0, VT_UNKNOWN));
    ok(V_VT(&out) == VT_UNKNOWN && V_UNKNOWN(&out) == NULL, "NULL DISPATCH -> UNKNOWN");
    V_VT(&in) = VT_UNKNOWN;
    ok_hr(S_OK, change(&out, &in, 0, VT_DISPATCH));
    ok(V_VT(&out) == VT_DISPATCH && V_DISPATCH(&out) == NULL, "NULL UNKNOWN -> DISPATCH");

    /* No default-value property support: DISPATCH to a value type fails. */
    V_VT(&in) = VT_DISPATCH;
    V_DISPATCH(&in) = &disp.IDispatch_iface;
    ok_hr(DISP_E_TYPEMISMATCH, change(&out, &in, 0, VT_I4));
    ok_hr(DISP_E_TYPEMISMATCH, change(&out, &in, 0, VT_BSTR));
    ok_hr(DISP_E_TYPEMISMATCH, change(&out, &in, VARIANT_NOVALUEPROP, VT_BOOL));
    ok(disp.ref == 1, "refcount after failures: %d", (int)disp.ref);

    /* In place: the old reference is released, the new one kept. */
    V_VT(&in) = VT_DISPATCH;
    V_DISPATCH(&in) = &disp.IDispatch_iface;
    disp.ref = 2; /* one owned by `in` */
    ok_hr(S_OK, VariantChangeType(&in, &in, 0, VT_UNKNOWN));
    ok(V_VT(&in) == VT_UNKNOWN && V_UNKNOWN(&in) == obj_unk(&disp) && disp.ref == 2,
       "in-place DISPATCH -> UNKNOWN: ref %d", (int)disp.ref);
    ok_hr(S_OK, VariantChangeType(&in, &in, 0, VT_EMPTY));
    ok(V_VT(&in) == VT_EMPTY && disp.ref == 1, "in-place -> EMPTY must Release");
}

static void test_changetype_rules(void)
{
    VARIANT in, out;

    /* EMPTY and NULL. */
    VariantInit(&in);
    ok_hr(S_OK, change(&out, &in, 0, VT_BSTR));
    ok(V_VT(&out) == VT_BSTR && V_BSTR(&out) != NULL && SysStringLen(V_BSTR(&out)) == 0,
       "EMPTY -> BSTR must be an empty, non-NULL BSTR");
    VariantClear(&out);
    ok_hr(S_OK, change(&out, &in, 0, VT_BOOL));
    ok(V_BOOL(&out) == VARIANT_FALSE, "EMPTY -> BOOL");
    ok_hr(S_OK, change(&out, &in, 0, VT_R8));
    ok(V_R8(&out) == 0.0, "EMPTY -> R8");
    V_VT(&in) = VT_NULL;
    ok_hr(DISP_E_TYPEMISMATCH, change(&out, &in, 0, VT_I4));
    ok_hr(DISP_E_TYPEMISMATCH, change(&out, &in, 0, VT_BSTR));
    ok_hr(DISP_E_TYPEMISMATCH, change(&out, &in, 0, VT_EMPTY));
    ok_hr(S_OK, change(&out, &in, 0, VT_NULL));
    ok(V_VT(&out) == VT_NULL, "NULL -> NULL");
    in = v_i4(3);
    ok_hr(S_OK, change(&out, &in, 0, VT_NULL));
    ok(V_VT(&out) == VT_NULL, "I4 -> NULL");

    /* Unsupported or invalid targets. */
    in = v_i4(3);
    ok_hr(DISP_E_TYPEMISMATCH, change(&out, &in, 0, VT_CY));
    ok_hr(DISP_E_TYPEMISMATCH, change(&out, &in, 0, VT_DATE));
    ok_hr(DISP_E_TYPEMISMATCH, change(&out, &in, 0, VT_DECIMAL));
    ok_hr(DISP_E_TYPEMISMATCH, change(&out, &in, 0, VT_ERROR));
    ok_hr(DISP_E_TYPEMISMATCH, change(&out, &in, 0, VT_I4 | VT_BYREF));
    ok_hr(DISP_E_TYPEMISMATCH, change(&out, &in, 0, VT_I4 | VT_ARRAY));
    ok_hr(DISP_E_BADVARTYPE, change(&out, &in, 0, 72 /* VT_CLSID */));
    ok_hr(DISP_E_BADVARTYPE, change(&out, &in, 0, 15));
    ok_hr(DISP_E_BADVARTYPE, change(&out, &in, 0, VT_VOID));
    ok_hr(DISP_E_BADVARTYPE, change(&out, &in, 0, VT_VECTOR | VT_I4));

    /* Invalid sources. */
    V_VT(&in) = VT_VECTOR | VT_I4;
    ok_hr(DISP_E_BADVARTYPE, change(&out, &in, 0, VT_I4));
    V_VT(&in) = VT_BYREF | VT_EMPTY;
    ok_hr(DISP_E_BADVARTYPE, change(&out, &in, 0, VT_I4));
    V_VT(&in) = VT_I4 | VT_BYREF;
    V_BYREF(&in) = NULL;
    ok_hr(DISP_E_TYPEMISMATCH, change(&out, &in, 0, VT_I4));
    VARIANT bad;
    V_VT(&bad) = 15;
    V_VT(&in) = VT_VARIANT | VT_BYREF;
    V_VARIANTREF(&in) = &bad;
    ok_hr(DISP_E_BADVARTYPE, change(&out, &in, 0, VT_I4));
    V_VT(&in) = VT_CY;
    in.cyVal.int64 = 10000;
    ok_hr(DISP_E_TYPEMISMATCH, change(&out, &in, 0, VT_I4)); /* not supported here */
    ok_hr(E_INVALIDARG, VariantChangeType(NULL, &in, 0, VT_I4));
    ok_hr(E_INVALIDARG, VariantChangeType(&out, NULL, 0, VT_I4));

    /* Same-type conversion is a deep copy. */
    V_VT(&in) = VT_BSTR;
    V_BSTR(&in) = bstr("copy me");
    ok_hr(S_OK, change(&out, &in, 0, VT_BSTR));
    ok(V_BSTR(&out) != V_BSTR(&in) && bstr_eq(V_BSTR(&out), "copy me"), "BSTR -> BSTR copy");
    VariantClear(&out);

    /* In place, success: the old BSTR is freed (LeakSanitizer checks). */
    ok_hr(S_OK, VariantChangeType(&in, &in, 0, VT_BSTR));
    ok(bstr_eq(V_BSTR(&in), "copy me"), "in-place same type");
    VariantClear(&in);
    V_VT(&in) = VT_BSTR;
    V_BSTR(&in) = bstr(" 42 ");
    ok_hr(S_OK, VariantChangeType(&in, &in, 0, VT_I4));
    ok(V_VT(&in) == VT_I4 && V_I4(&in) == 42, "in-place BSTR -> I4");
    ok_hr(S_OK, VariantChangeType(&in, &in, 0, VT_BSTR));
    ok(V_VT(&in) == VT_BSTR && bstr_eq(V_BSTR(&in), "42"), "in-place I4 -> BSTR");

    /* In place, failure: the variant is exactly as before. */
    VariantClear(&in);
    V_VT(&in) = VT_BSTR;
    V_BSTR(&in) = bstr("not a number");
    BSTR keep = V_BSTR(&in);
    ok_hr(DISP_E_TYPEMISMATCH, VariantChangeType(&in, &in, 0, VT_I4));
    ok(V_VT(&in) == VT_BSTR && V_BSTR(&in) == keep && bstr_eq(keep, "not a number"),
       "in-place failure changed the source");
    VariantClear(&in);
    in = v_i4(1000);
    ok_hr(DISP_E_OVERFLOW, VariantChangeType(&in, &in, 0, VT_I1));
    ok(V_VT(&in) == VT_I4 && V_I4(&in) == 1000, "in-place overflow changed the source");

    /* Not in place: dest keeps its value on failure, is cleared on success. */
    V_VT(&out) = VT_BSTR;
    V_BSTR(&out) = bstr("old");
    keep = V_BSTR(&out);
    in = v_r8(1e10);
    ok_hr(DISP_E_OVERFLOW, VariantChangeType(&out, &in, 0, VT_I4));
    ok(V_VT(&out) == VT_BSTR && V_BSTR(&out) == keep, "dest changed on failure");
    ok_hr(S_OK, VariantChangeType(&out, &in, 0, VT_R4));
    ok(V_VT(&out) == VT_R4 && V_R4(&out) == 1e10f, "dest not replaced on success");

    /* Dest with an invalid type: error, dest untouched, nothing leaked. */
    V_VT(&out) = 15;
    V_VT(&in) = VT_BSTR;
    V_BSTR(&in) = bstr("x");
    ok_hr(DISP_E_BADVARTYPE, VariantChangeType(&out, &in, 0, VT_BSTR));
    ok(V_VT(&out) == 15, "bad dest was modified");
    VariantClear(&in);

    /* By-reference sources are read through, and not consumed. */
    LONG l = 77;
    V_VT(&in) = VT_I4 | VT_BYREF;
    V_I4REF(&in) = &l;
    ok_hr(S_OK, VariantChangeType(&in, &in, 0, VT_BSTR));
    ok(V_VT(&in) == VT_BSTR && bstr_eq(V_BSTR(&in), "77") && l == 77, "in-place BYREF|I4");
    VariantClear(&in);
}

/* ---- error info ---- */

static ULONG refcount_of(IUnknown *unk)
{
    IUnknown_AddRef(unk);
    return IUnknown_Release(unk);
}

static void test_errorinfo_object(void)
{
    ICreateErrorInfo *cei;
    IErrorInfo *ei;
    ISupportErrorInfo *sei;
    IUnknown *unk1, *unk2;
    GUID g;
    BSTR b, b2;
    DWORD ctx;
    static const GUID test_guid = {
        0x9474ba1a, 0x258b, 0x490b, {0xbc, 0x13, 0x51, 0x6e, 0x92, 0x39, 0xac, 0xe0}};

    ok_hr(E_INVALIDARG, CreateErrorInfo(NULL));
    ok_hr(S_OK, CreateErrorInfo(&cei));
    ok(cei != NULL, "no object");

    ok_hr(S_OK, ICreateErrorInfo_QueryInterface(cei, &IID_IErrorInfo, (void **)&ei));
    ok(ICreateErrorInfo_Release(cei) == 1, "refcount after QI+Release");

    /* Unset fields read back as NULL / zero. */
    ok_hr(S_OK, IErrorInfo_GetDescription(ei, &b));
    ok(b == NULL, "unset description must be NULL");
    ok_hr(S_OK, IErrorInfo_GetGUID(ei, &g));
    ok(IsEqualGUID(&g, &GUID_NULL), "unset GUID");
    ok_hr(S_OK, IErrorInfo_GetHelpContext(ei, &ctx));
    ok(ctx == 0, "unset help context");

    ok_hr(S_OK, IErrorInfo_QueryInterface(ei, &IID_ICreateErrorInfo, (void **)&cei));
    ok_hr(S_OK, ICreateErrorInfo_SetDescription(cei, OLESTR("Failed Sprocket")));
    ok_hr(S_OK, ICreateErrorInfo_SetSource(cei, OLESTR("sprocket")));
    ok_hr(S_OK, ICreateErrorInfo_SetHelpFile(cei, OLESTR("sprocket.hlp")));
    ok_hr(S_OK, ICreateErrorInfo_SetHelpContext(cei, 0xdeadbeef));
    ok_hr(S_OK, ICreateErrorInfo_SetGUID(cei, &test_guid));

    ok_hr(S_OK, IErrorInfo_GetDescription(ei, &b));
    ok_bstr("Failed Sprocket", b);
    ok_hr(S_OK, IErrorInfo_GetDescription(ei, &b2));
    ok(b2 != b && bstr_eq(b2, "Failed Sprocket"), "each Get must return a fresh copy");
    SysFreeString(b);
    SysFreeString(b2);
    ok_hr(S_OK, IErrorInfo_GetSource(ei, &b));
    ok_bstr("sprocket", b);
    SysFreeString(b);
    ok_hr(S_OK, IErrorInfo_GetHelpFile(ei, &b));
    ok_bstr("sprocket.hlp", b);
    SysFreeString(b);
    ok_hr(S_OK, IErrorInfo_GetHelpContext(ei, &ctx));
    ok(ctx == 0xdeadbeef, "help context 0x%x", (unsigned)ctx);
    ok_hr(S_OK, IErrorInfo_GetGUID(ei, &g));
    ok(IsEqualGUID(&g, &test_guid), "GUID round trip");

    /* Setting NULL clears; setting again replaces (no leak). */
    ok_hr(S_OK, ICreateErrorInfo_SetSource(cei, NULL));
    ok_hr(S_OK, IErrorInfo_GetSource(ei, &b));
    ok(b == NULL, "SetSource(NULL) must clear");
    ok_hr(S_OK, ICreateErrorInfo_SetDescription(cei, OLESTR("second")));
    ok_hr(S_OK, IErrorInfo_GetDescription(ei, &b));
    ok_bstr("second", b);
    SysFreeString(b);

    ok_hr(E_INVALIDARG, IErrorInfo_GetDescription(ei, NULL));
    ok_hr(E_INVALIDARG, IErrorInfo_GetGUID(ei, NULL));
    ok_hr(E_INVALIDARG, IErrorInfo_GetHelpContext(ei, NULL));

    /* One object: every interface answers for the same IUnknown. */
    ok_hr(S_OK, IErrorInfo_QueryInterface(ei, &IID_IUnknown, (void **)&unk1));
    ok_hr(S_OK, ICreateErrorInfo_QueryInterface(cei, &IID_IUnknown, (void **)&unk2));
    ok(unk1 == unk2 && unk1 == (IUnknown *)ei, "IUnknown identity");
    IUnknown_Release(unk1);
    IUnknown_Release(unk2);
    void *none = (void *)1;
    ok_hr(E_NOINTERFACE, IErrorInfo_QueryInterface(ei, &IID_IDispatch, &none));
    ok(none == NULL, "failed QI must clear *ppv");
    ok_hr(E_POINTER, IErrorInfo_QueryInterface(ei, &IID_IUnknown, NULL));

    ok_hr(S_OK, IErrorInfo_QueryInterface(ei, &IID_ISupportErrorInfo, (void **)&sei));
    ok_hr(S_OK, ISupportErrorInfo_InterfaceSupportsErrorInfo(sei, &test_guid));
    ok_hr(S_FALSE, ISupportErrorInfo_InterfaceSupportsErrorInfo(sei, &IID_IDispatch));
    ok(ISupportErrorInfo_Release(sei) == 2, "refcount via ISupportErrorInfo");

    ok(ICreateErrorInfo_Release(cei) == 1, "refcount via ICreateErrorInfo");
    ok(IErrorInfo_Release(ei) == 0, "final release");
}

static IErrorInfo *new_error(const OLECHAR *description)
{
    ICreateErrorInfo *cei;
    IErrorInfo *ei = NULL;
    if (FAILED(CreateErrorInfo(&cei)))
        return NULL;
    ICreateErrorInfo_SetDescription(cei, (LPOLESTR)description);
    ICreateErrorInfo_QueryInterface(cei, &IID_IErrorInfo, (void **)&ei);
    ICreateErrorInfo_Release(cei);
    return ei;
}

static void test_errorinfo_slot(void)
{
    IErrorInfo *a = new_error(OLESTR("a")), *b = new_error(OLESTR("b")), *got;

    /* Nothing set yet on this thread. */
    got = (IErrorInfo *)1;
    ok_hr(S_FALSE, GetErrorInfo(0, &got));
    ok(got == NULL, "empty slot must give NULL");

    ok_hr(S_OK, SetErrorInfo(0, a));
    ok(refcount_of((IUnknown *)a) == 2, "SetErrorInfo must AddRef");
    ok_hr(S_OK, SetErrorInfo(0, b)); /* replaces: releases a */
    ok(refcount_of((IUnknown *)a) == 1 && refcount_of((IUnknown *)b) == 2, "replace refcounts");

    /* Get hands over the slot's reference and empties it. */
    ok_hr(S_OK, GetErrorInfo(0, &got));
    ok(got == b && refcount_of((IUnknown *)b) == 2, "GetErrorInfo must transfer the reference");
    IErrorInfo_Release(got);
    ok_hr(S_FALSE, GetErrorInfo(0, &got));
    ok(got == NULL, "slot must be empty after GetErrorInfo");

    ok_hr(S_OK, SetErrorInfo(0, a));
    ok_hr(S_OK, SetErrorInfo(0, NULL)); /* clears and releases */
    ok(refcount_of((IUnknown *)a) == 1, "SetErrorInfo(NULL) must release");
    ok_hr(S_FALSE, GetErrorInfo(0, &got));

    ok_hr(E_INVALIDARG, SetErrorInfo(1, a));
    ok_hr(E_INVALIDARG, GetErrorInfo(0xdeadbeef, &got));
    ok_hr(E_INVALIDARG, GetErrorInfo(0, NULL));
    ok(refcount_of((IUnknown *)a) == 1, "rejected SetErrorInfo must not AddRef");

    IErrorInfo_Release(a);
    IErrorInfo_Release(b);
}

struct thread_args {
    IErrorInfo *to_set;
    HRESULT seen_hr;
    IErrorInfo *seen;
    HRESULT own_hr;
    IErrorInfo *own;
};

static void *errorinfo_thread(void *p)
{
    struct thread_args *t = p;
    /* The main thread's error is not visible here. */
    t->seen_hr = GetErrorInfo(0, &t->seen);
    /* Our own is. */
    SetErrorInfo(0, t->to_set);
    t->own_hr = GetErrorInfo(0, &t->own);
    if (t->own)
        IErrorInfo_Release(t->own);
    /* Exit with error info set: the thread-exit hook must release it. */
    SetErrorInfo(0, t->to_set);
    return NULL;
}

static void test_errorinfo_threads(void)
{
    IErrorInfo *mine = new_error(OLESTR("main")), *theirs = new_error(OLESTR("thread")), *got;
    struct thread_args t = {theirs, 0, NULL, 0, NULL};
    pthread_t th;

    ok_hr(S_OK, SetErrorInfo(0, mine));
    ok(pthread_create(&th, NULL, errorinfo_thread, &t) == 0, "pthread_create");
    pthread_join(th, NULL);

    ok_hr(S_FALSE, t.seen_hr);
    ok(t.seen == NULL, "another thread's error info leaked across threads");
    ok_hr(S_OK, t.own_hr);
    ok(t.own == theirs, "thread did not get its own error info back");
    ok(refcount_of((IUnknown *)theirs) == 1, "thread exit did not release its error info: %u",
       (unsigned)refcount_of((IUnknown *)theirs));

    ok_hr(S_OK, GetErrorInfo(0, &got));
    ok(got == mine, "main thread's error info lost");
    IErrorInfo_Release(got);
    ok(IErrorInfo_Release(mine) == 0 && IErrorInfo_Release(theirs) == 0, "final releases");
}

struct hammer_args {
    IErrorInfo *ei;
};

static void *refcount_hammer(void *p)
{
    IErrorInfo *ei = ((struct hammer_args *)p)->ei;
    for (int i = 0; i < 100000; i++) {
        IErrorInfo_AddRef(ei);
        IErrorInfo_Release(ei);
    }
    return NULL;
}

static void test_errorinfo_refcount_threads(void)
{
    struct hammer_args a = {new_error(OLESTR("shared"))};
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&th[i], NULL, refcount_hammer, &a);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    ok(refcount_of((IUnknown *)a.ei) == 1, "refcount not atomic");
    IErrorInfo_Release(a.ei);
}

/* ---- GUIDs and the task allocator ---- */

static int olestr_eq(const OLECHAR *w, const char *s)
{
    size_t i = 0;
    for (; s[i]; i++)
        if (w[i] != (OLECHAR)(unsigned char)s[i])
            return 0;
    return w[i] == 0;
}

static void test_guids(void)
{
    OLECHAR buf[64];
    GUID g;

    ok(StringFromGUID2(&IID_IDispatch, buf, 39) == 39, "StringFromGUID2 length");
    ok(olestr_eq(buf, "{00020400-0000-0000-C000-000000000046}"), "IID_IDispatch string");
    ok(StringFromGUID2(&IID_IErrorInfo, buf, 64) == 39, "StringFromGUID2 length");
    ok(olestr_eq(buf, "{1CF2B120-547D-101B-8E65-08002B2BD119}"), "IID_IErrorInfo string");

    static const struct {
        const GUID *guid;
        const char *text;
    } known[] = {
        {&IID_IUnknown, "{00000000-0000-0000-C000-000000000046}"},
        {&IID_IClassFactory, "{00000001-0000-0000-C000-000000000046}"},
        {&IID_IMarshal, "{00000003-0000-0000-C000-000000000046}"},
        {&IID_ITypeInfo, "{00020401-0000-0000-C000-000000000046}"},
        {&IID_ICreateErrorInfo, "{22F03340-547D-101B-8E65-08002B2BD119}"},
        {&IID_ISupportErrorInfo, "{DF0B3D60-548F-101B-8E65-08002B2BD119}"},
        {&IID_IObjectWithSite, "{FC4801A3-2BA9-11CF-A229-00AA003D7352}"},
        {&IID_IProvideClassInfo, "{B196B283-BAB4-101A-B69C-00AA00341D07}"},
        {&IID_NULL, "{00000000-0000-0000-0000-000000000000}"},
        {&GUID_NULL, "{00000000-0000-0000-0000-000000000000}"},
    };
    for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
        StringFromGUID2(known[i].guid, buf, 39);
        ok(olestr_eq(buf, known[i].text), "constant %zu is not %s", i, known[i].text);
    }

    /* Too small a buffer: 0, nothing written. */
    buf[0] = u'#';
    ok(StringFromGUID2(&IID_IDispatch, buf, 38) == 0 && buf[0] == u'#', "cchMax 38 must fail");
    ok(StringFromGUID2(NULL, buf, 39) == 0, "NULL GUID must fail");

    /* Round trip, lower-case input accepted. */
    static const GUID test_guid = {
        0x9474ba1a, 0x258b, 0x490b, {0xbc, 0x13, 0x51, 0x6e, 0x92, 0x39, 0xac, 0xe0}};
    StringFromGUID2(&test_guid, buf, 39);
    ok(olestr_eq(buf, "{9474BA1A-258B-490B-BC13-516E9239ACE0}"), "upper-case hex");
    ok_hr(S_OK, CLSIDFromString(buf, &g));
    ok(IsEqualGUID(&g, &test_guid), "round trip");
    ok_hr(S_OK, CLSIDFromString(OLESTR("{9474ba1a-258b-490b-bc13-516e9239ace0}"), &g));
    ok(IsEqualGUID(&g, &test_guid), "lower-case parse");

    static const OLECHAR *const bad[] = {
        OLESTR(""),
        OLESTR("{"),
        OLESTR("9474ba1a-258b-490b-bc13-516e9239ace0"),
        OLESTR("{9474ba1a-258b-490b-bc13-516e9239ace0"),
        OLESTR("{9474ba1a-258b-490b-bc13-516e9239ace0}x"),
        OLESTR("{9474ba1a-258b-490b-bc13516e9239ace0}"),
        OLESTR("{9474ba1a-258b-490b-bc1-3516e9239ace0}"),
        OLESTR("{9474ba1g-258b-490b-bc13-516e9239ace0}"),
        OLESTR("{9474ba1a-258b-490b-bc13-516e9239ace}"),
        OLESTR("{ 474ba1a-258b-490b-bc13-516e9239ace0}"),
        OLESTR("(9474ba1a-258b-490b-bc13-516e9239ace0)"),
        OLESTR("WSMAN.Automation"),
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        g = test_guid;
        ok_hr(CO_E_CLASSSTRING, CLSIDFromString(bad[i], &g));
        ok(IsEqualGUID(&g, &GUID_NULL), "bad string %zu must leave GUID_NULL", i);
    }

    g = test_guid;
    ok_hr(S_OK, CLSIDFromString(NULL, &g));
    ok(IsEqualGUID(&g, &GUID_NULL), "NULL string gives GUID_NULL");
    ok_hr(E_INVALIDARG, CLSIDFromString(OLESTR("{9474ba1a-258b-490b-bc13-516e9239ace0}"), NULL));

    void *p = CoTaskMemAlloc(0);
    ok(p != NULL, "CoTaskMemAlloc(0) must return a block");
    CoTaskMemFree(p);
    p = CoTaskMemAlloc(16);
    ok(p != NULL, "CoTaskMemAlloc(16)");
    if (p)
        memset(p, 0x5A, 16);
    CoTaskMemFree(p);
    CoTaskMemFree(NULL);
}

int main(void)
{
    test_bstr_layout();
    test_bstr_bytelen();
    test_bstr_overflow();
    test_bstr_realloc();
    test_variant_init_clear();
    test_variant_copy();
    test_variant_copyind();
    test_changetype_matrix();
    test_changetype_integers();
    test_changetype_rounding();
    test_changetype_reals();
    test_changetype_from_string();
    test_changetype_string_bool();
    test_changetype_to_string();
    test_changetype_interfaces();
    test_changetype_rules();
    test_errorinfo_object();
    test_errorinfo_slot();
    test_errorinfo_threads();
    test_errorinfo_refcount_threads();
    test_guids();
    return test_summary("runtime");
}
