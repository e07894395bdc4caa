/*
 * The COM object model through the shared library, as a Windows program
 * uses it: activation, QueryInterface rules, reference counts, every
 * member through its vtable and through IDispatch (name -> DISPID ->
 * Invoke), and every error path with its exact HRESULT and Error text.
 *
 * SPDX-License-Identifier: MIT
 */
#define COBJMACROS
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <objbase.h>
#include <oleauto.h>

#include "wsmandisp.h"
#include "wsmerror.h"

#include "test.h"

/* SEC_E_NO_CREDENTIALS: what an operation of a Kerberos session without a ticket gives. */
#define NO_CREDS ((HRESULT)0x8009030Eu)

/* ---- helpers ---- */

static char *narrow(const OLECHAR *s)
{
    size_t n = 0;
    char *out;

    if (!s)
        return strdup("(null)");
    while (s[n])
        n++;
    out = malloc(n + 1);
    for (size_t i = 0; i <= n; i++)
        out[i] = s[i] < 0x80 ? (char)s[i] : '?';
    return out;
}

static BSTR wide(const char *s)
{
    size_t n = strlen(s);
    BSTR b = SysAllocStringLen(NULL, (UINT)n);
    for (size_t i = 0; i < n; i++)
        b[i] = (OLECHAR)(unsigned char)s[i];
    return b;
}

static int bstr_contains(BSTR b, const char *needle)
{
    char *n = narrow(b);
    int found = strstr(n, needle) != NULL;
    free(n);
    return found;
}

static int bstr_equals(BSTR b, const char *expected)
{
    char *n = narrow(b);
    int same = !strcmp(n, expected);
    free(n);
    return same;
}

static ULONG refcount(IUnknown *unk)
{
    IUnknown_AddRef(unk);
    return IUnknown_Release(unk);
}

/* Checks the thread's error info after a failure: source and a text. */
#define ok_errorinfo(source, text) check_errorinfo(__LINE__, source, text)
static void check_errorinfo(int line, const char *source, const char *text)
{
    IErrorInfo *info = NULL;
    BSTR s = NULL, d = NULL;

    test_check(GetErrorInfo(0, &info) == S_OK && info, __FILE__, line, "no error info");
    if (!info)
        return;
    IErrorInfo_GetSource(info, &s);
    IErrorInfo_GetDescription(info, &d);
    test_check(bstr_equals(s, source), __FILE__, line, "source: expected %s", source);
    test_check(bstr_contains(d, text), __FILE__, line, "description lacks \"%s\"", text);
    SysFreeString(s);
    SysFreeString(d);
    IErrorInfo_Release(info);
}

/* The Error property holds a WSManFault with the code in decimal. */
#define ok_fault(bstr, code) check_fault(__LINE__, bstr, code)
static void check_fault(int line, BSTR xml, uint32_t code)
{
    char attr[32];

    snprintf(attr, sizeof(attr), "Code=\"%u\"", (unsigned)code);
    test_check(
        bstr_contains(xml, "<f:WSManFault xmlns:f=\"http://schemas.microsoft.com/wbem/wsman/1/wsmanfault\""),
        __FILE__, line, "Error is not a WSManFault");
    test_check(bstr_contains(xml, attr), __FILE__, line, "Error lacks %s", attr);
    test_check(bstr_contains(xml, "xml:lang=\"en-US\"") && bstr_contains(xml, "<f:Message>"), __FILE__, line,
               "Error lacks lang or message");
}

static IWSManEx3 *new_wsman(void)
{
    IWSManEx3 *wsman = NULL;
    HRESULT hr = CoCreateInstance(&CLSID_WSMan, NULL, CLSCTX_INPROC_SERVER, &IID_IWSManEx3, (void **)&wsman);
    ok_hr(S_OK, hr);
    return wsman;
}

/* ---- GUIDs ---- */

static void check_guid(const GUID *g, const char *expected, const char *name)
{
    OLECHAR buf[39];
    char *text;

    ok(StringFromGUID2(g, buf, 39) == 39, "%s: StringFromGUID2", name);
    text = narrow(buf);
    ok(!strcmp(text, expected), "%s: expected %s, got %s", name, expected, text);
    free(text);
}

static void test_guids(void)
{
    static const struct {
        const GUID *guid;
        const char *text;
        const char *name;
    } guids[] = {
        {&LIBID_WSManAutomation, "{F010BE25-296D-4036-980F-5A0669A17577}", "LIBID"},
        {&CLSID_WSMan, "{BCED617B-EC03-420B-8508-977DC7A686BD}", "CLSID_WSMan"},
        {&CLSID_WSManInternal, "{7DE087A5-5DCB-4DF7-BB12-0924AD8FBD9A}", "CLSID_WSManInternal"},
        {&IID_IWSMan, "{190D8637-5CD3-496D-AD24-69636BB5A3B5}", "IWSMan"},
        {&IID_IWSManEx, "{2D53BDAA-798E-49E6-A1AA-74D01256F411}", "IWSManEx"},
        {&IID_IWSManEx2, "{1D1B5AE0-42D9-4021-8261-3987619512E9}", "IWSManEx2"},
        {&IID_IWSManEx3, "{6400E966-011D-4EAC-8474-049E0848AFAD}", "IWSManEx3"},
        {&IID_IWSManConnectionOptions, "{F704E861-9E52-464F-B786-DA5EB2320FDD}", "IWSManConnectionOptions"},
        {&IID_IWSManConnectionOptionsEx, "{EF43EDF7-2A48-4D93-9526-8BD6AB6D4A6B}",
         "IWSManConnectionOptionsEx"},
        {&IID_IWSManConnectionOptionsEx2, "{F500C9EC-24EE-48AB-B38D-FC9A164C658E}",
         "IWSManConnectionOptionsEx2"},
        {&IID_IWSManSession, "{FC84FC58-1286-40C4-9DA0-C8EF6EC241E0}", "IWSManSession"},
        {&IID_IWSManEnumerator, "{F3457CA9-ABB9-4FA5-B850-90E8CA300E7F}", "IWSManEnumerator"},
        {&IID_IWSManResourceLocator, "{A7A1BA28-DE41-466A-AD0A-C4059EAD7428}", "IWSManResourceLocator"},
        {&IID_IWSManResourceLocatorInternal, "{EFFAEAD7-7EC8-4716-B9BE-F2E7E9FB4ADB}",
         "IWSManResourceLocatorInternal"},
        {&IID_IWSManInternal, "{04AE2B1D-9954-4D99-94A9-A961E72C3A13}", "IWSManInternal"},
    };
    for (size_t i = 0; i < sizeof(guids) / sizeof(guids[0]); i++)
        check_guid(guids[i].guid, guids[i].text, guids[i].name);
}

/* ---- activation ---- */

static void test_activation(void)
{
    static const char *const progids[] = {"WSMan.Automation", "WSMAN.Automation", "wsman.automation",
                                          "WSMan.Automation.1"};
    IUnknown *unk = (IUnknown *)0xdeadbeef;
    IClassFactory *factory;
    CLSID clsid;
    LPOLESTR progid;
    HRESULT hr;

    hr = CoCreateInstance(&CLSID_WSMan, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&unk);
    ok_hr(CO_E_NOTINITIALIZED, hr);
    ok(unk == NULL, "out pointer not cleared");

    ok_hr(S_OK, CoInitialize(NULL));
    ok_hr(S_FALSE, CoInitialize(NULL));
    ok_hr(RPC_E_CHANGED_MODE, CoInitializeEx(NULL, COINIT_MULTITHREADED));
    CoUninitialize();

    for (size_t i = 0; i < sizeof(progids) / sizeof(progids[0]); i++) {
        BSTR p = wide(progids[i]);
        ok_hr(S_OK, CLSIDFromProgID(p, &clsid));
        ok(IsEqualCLSID(&clsid, &CLSID_WSMan), "%s maps to the wrong CLSID", progids[i]);
        SysFreeString(p);
    }
    ok_hr(S_OK, CLSIDFromProgID(OLESTR("WSMAN.InternalAutomation"), &clsid));
    ok(IsEqualCLSID(&clsid, &CLSID_WSManInternal), "InternalAutomation CLSID");
    ok_hr(S_OK, CLSIDFromProgID(OLESTR("WSMan.InternalAutomation.1"), &clsid));
    ok(IsEqualCLSID(&clsid, &CLSID_WSManInternal), "InternalAutomation.1 CLSID");
    ok_hr(CO_E_CLASSSTRING, CLSIDFromProgID(OLESTR("WSMan.Automation.2"), &clsid));
    ok_hr(E_INVALIDARG, CLSIDFromProgID(NULL, &clsid));
    ok_hr(S_OK, ProgIDFromCLSID(&CLSID_WSMan, &progid));
    ok(bstr_equals(progid, "WSMan.Automation.1"), "ProgIDFromCLSID");
    CoTaskMemFree(progid);

    hr = CoCreateInstance(&CLSID_WSMan, (IUnknown *)0x1, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&unk);
    ok_hr(CLASS_E_NOAGGREGATION, hr);
    hr = CoCreateInstance(&CLSID_WSMan, NULL, CLSCTX_LOCAL_SERVER, &IID_IUnknown, (void **)&unk);
    ok_hr(REGDB_E_CLASSNOTREG, hr);
    hr = CoCreateInstance(&IID_IWSMan, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, (void **)&unk);
    ok_hr(REGDB_E_CLASSNOTREG, hr);
    hr = CoCreateInstance(&CLSID_WSMan, NULL, CLSCTX_INPROC_SERVER, &IID_IWSManSession, (void **)&unk);
    ok_hr(E_NOINTERFACE, hr);
    ok(unk == NULL, "out pointer not cleared on E_NOINTERFACE");
    ok_hr(E_POINTER, CoCreateInstance(&CLSID_WSMan, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown, NULL));

    ok_hr(CLASS_E_CLASSNOTAVAILABLE, DllGetClassObject(&IID_IWSMan, &IID_IClassFactory, (void **)&factory));
    ok_hr(S_OK, DllGetClassObject(&CLSID_WSManInternal, &IID_IClassFactory, (void **)&factory));
    ok_hr(S_FALSE, DllCanUnloadNow());
    ok_hr(S_OK, IClassFactory_CreateInstance(factory, NULL, &IID_IWSManInternal, (void **)&unk));
    IClassFactory_Release(factory);
    ok_hr(S_FALSE, DllCanUnloadNow());
    ok(IUnknown_Release(unk) == 0, "last Release must return 0");
    ok_hr(S_OK, DllCanUnloadNow());
    CoUninitialize();
}

/* ---- QueryInterface rules ---- */

static const IID *const all_iids[] = {
    &IID_IUnknown,
    &IID_IDispatch,
    &IID_ISupportErrorInfo,
    &IID_IWSMan,
    &IID_IWSManEx,
    &IID_IWSManEx2,
    &IID_IWSManEx3,
    &IID_IWSManConnectionOptions,
    &IID_IWSManConnectionOptionsEx,
    &IID_IWSManConnectionOptionsEx2,
    &IID_IWSManSession,
    &IID_IWSManEnumerator,
    &IID_IWSManResourceLocator,
    &IID_IWSManResourceLocatorInternal,
    &IID_IWSManInternal,
    &IID_IObjectWithSite,
    &IID_IMarshal,
    &IID_IProvideClassInfo,
    &IID_IClassFactory,
};

static void check_qi(const char *name, IUnknown *obj, const IID *const *expected)
{
    IUnknown *identity, *other;

    ok_hr(S_OK, IUnknown_QueryInterface(obj, &IID_IUnknown, (void **)&identity));
    for (size_t i = 0; i < sizeof(all_iids) / sizeof(all_iids[0]); i++) {
        int want = 0;
        OLECHAR buf[39];
        char *iid;
        HRESULT hr;

        for (const IID *const *e = expected; *e; e++)
            want |= IsEqualIID(*e, all_iids[i]);
        StringFromGUID2(all_iids[i], buf, 39);
        iid = narrow(buf);
        other = (IUnknown *)0xdeadbeef;
        hr = IUnknown_QueryInterface(obj, all_iids[i], (void **)&other);
        ok(hr == (want ? S_OK : E_NOINTERFACE), "%s: QI %s gave 0x%08x", name, iid, (unsigned)hr);
        if (SUCCEEDED(hr)) {
            IUnknown *back;
            /* Every interface leads back to the same identity. */
            IUnknown_QueryInterface(other, &IID_IUnknown, (void **)&back);
            ok(back == identity, "%s: QI(%s)->IUnknown is not the identity", name, iid);
            IUnknown_Release(back);
            IUnknown_Release(other);
        } else {
            ok(other == NULL, "%s: QI %s did not clear the out pointer", name, iid);
        }
        free(iid);
    }
    ok_hr(E_POINTER, IUnknown_QueryInterface(obj, &IID_IUnknown, NULL));
    IUnknown_Release(identity);
}

static void test_query_interface(IWSManEx3 *wsman)
{
    static const IID *const wsman_iids[] = {
        &IID_IUnknown, &IID_IDispatch, &IID_ISupportErrorInfo, &IID_IWSMan,
        &IID_IWSManEx, &IID_IWSManEx2, &IID_IWSManEx3,         NULL};
    static const IID *const options_iids[] = {&IID_IUnknown,
                                              &IID_IDispatch,
                                              &IID_ISupportErrorInfo,
                                              &IID_IWSManConnectionOptions,
                                              &IID_IWSManConnectionOptionsEx,
                                              &IID_IWSManConnectionOptionsEx2,
                                              NULL};
    static const IID *const session_iids[] = {&IID_IUnknown, &IID_IDispatch, &IID_ISupportErrorInfo,
                                              &IID_IWSManSession, NULL};
    static const IID *const locator_iids[] = {&IID_IUnknown,
                                              &IID_IDispatch,
                                              &IID_ISupportErrorInfo,
                                              &IID_IWSManResourceLocator,
                                              &IID_IWSManResourceLocatorInternal,
                                              NULL};
    static const IID *const internal_iids[] = {&IID_IUnknown, &IID_IDispatch, &IID_ISupportErrorInfo,
                                               &IID_IWSManInternal, NULL};
    IDispatch *options, *session, *locator;
    IUnknown *internal;

    check_qi("WSMan", (IUnknown *)wsman, wsman_iids);
    ok_hr(S_OK, IWSManEx3_CreateConnectionOptions(wsman, &options));
    check_qi("ConnectionOptions", (IUnknown *)options, options_iids);
    ok_hr(S_OK, IWSManEx3_CreateSession(wsman, OLESTR("localhost"), 0, NULL, &session));
    check_qi("Session", (IUnknown *)session, session_iids);
    ok_hr(S_OK, IWSManEx3_CreateResourceLocator(wsman, OLESTR("wmicimv2/Win32_Service"), &locator));
    check_qi("ResourceLocator", (IUnknown *)locator, locator_iids);
    ok_hr(S_OK, CoCreateInstance(&CLSID_WSManInternal, NULL, CLSCTX_INPROC_SERVER, &IID_IUnknown,
                                 (void **)&internal));
    check_qi("WSManInternal", internal, internal_iids);

    ok(refcount((IUnknown *)options) == 1 && refcount((IUnknown *)session) == 1 &&
           refcount((IUnknown *)locator) == 1 && refcount(internal) == 1,
       "refcounts not balanced after the QI checks");
    ok(IDispatch_Release(options) == 0, "ConnectionOptions release");
    ok(IDispatch_Release(session) == 0, "Session release");
    ok(IDispatch_Release(locator) == 0, "ResourceLocator release");
    ok(IUnknown_Release(internal) == 0, "WSManInternal release");
}

/* ---- IDispatch: names, DISPIDs and Invoke ---- */

struct expected_member {
    const char *name;
    DISPID id;
};

static void check_dispids(const char *what, IDispatch *disp, const struct expected_member *members)
{
    for (; members->name; members++) {
        BSTR name = wide(members->name);
        DISPID id = 12345;
        HRESULT hr = IDispatch_GetIDsOfNames(disp, &IID_NULL, &name, 1, LOCALE_USER_DEFAULT, &id);
        ok(hr == S_OK && id == members->id, "%s.%s: hr 0x%08x id %d, expected id %d", what, members->name,
           (unsigned)hr, (int)id, (int)members->id);
        SysFreeString(name);
    }
}

static HRESULT invoke(IDispatch *disp, const char *name, WORD flags, VARIANT *args, UINT nargs,
                      VARIANT *result, EXCEPINFO *excep)
{
    BSTR n = wide(name);
    DISPID id, put = DISPID_PROPERTYPUT;
    DISPPARAMS params = {args, NULL, nargs, 0};
    UINT arg_err = 0;
    HRESULT hr = IDispatch_GetIDsOfNames(disp, &IID_NULL, &n, 1, LOCALE_USER_DEFAULT, &id);

    SysFreeString(n);
    if (FAILED(hr))
        return hr;
    if (flags & DISPATCH_PROPERTYPUT) {
        params.rgdispidNamedArgs = &put;
        params.cNamedArgs = 1;
    }
    if (result)
        VariantInit(result);
    return IDispatch_Invoke(disp, id, &IID_NULL, LOCALE_USER_DEFAULT, flags, &params, result, excep,
                            &arg_err);
}

/* Invokes by name and checks the member's own result: S_OK, or a failure
 * surfacing as DISP_E_EXCEPTION with that scode. */
#define ok_invoke(disp, name, flags, args, n, expected)                                                      \
    check_invoke(__LINE__, disp, name, flags, args, n, expected)
static void check_invoke(int line, IDispatch *disp, const char *name, WORD flags, VARIANT *args, UINT n,
                         HRESULT expected)
{
    EXCEPINFO excep;
    VARIANT r;
    HRESULT hr;

    memset(&excep, 0, sizeof(excep));
    hr = invoke(disp, name, flags, args, n, &r, &excep);
    if (expected == S_OK)
        test_check(hr == S_OK, __FILE__, line, "%s: 0x%08x", name, (unsigned)hr);
    else
        test_check(hr == DISP_E_EXCEPTION && excep.scode == expected, __FILE__, line,
                   "%s: hr 0x%08x scode 0x%08x, expected scode 0x%08x", name, (unsigned)hr,
                   (unsigned)excep.scode, (unsigned)expected);
    SysFreeString(excep.bstrSource);
    SysFreeString(excep.bstrDescription);
    SysFreeString(excep.bstrHelpFile);
    VariantClear(&r);
}

static LONG invoke_long(IDispatch *disp, const char *name)
{
    VARIANT r;
    HRESULT hr = invoke(disp, name, DISPATCH_METHOD | DISPATCH_PROPERTYGET, NULL, 0, &r, NULL);
    ok(hr == S_OK && V_VT(&r) == VT_I4, "%s: hr 0x%08x vt %d", name, (unsigned)hr, V_VT(&r));
    return V_I4(&r);
}

static void test_wsman_members(IWSManEx3 *wsman)
{
    static const struct {
        const char *name;
        DISPID id;
        LONG value;
        HRESULT (*get)(IWSManEx3 *, LONG *);
    } flags[] = {
        {"SessionFlagUTF8", 6, 0x1, NULL},
        {"SessionFlagCredUsernamePassword", 7, 0x1000, NULL},
        {"SessionFlagSkipCACheck", 8, 0x2000, NULL},
        {"SessionFlagSkipCNCheck", 9, 0x4000, NULL},
        {"SessionFlagUseDigest", 10, 0x10000, NULL},
        {"SessionFlagUseNegotiate", 11, 0x20000, NULL},
        {"SessionFlagUseBasic", 12, 0x40000, NULL},
        {"SessionFlagUseKerberos", 13, 0x80000, NULL},
        {"SessionFlagNoEncryption", 14, 0x100000, NULL},
        {"SessionFlagEnableSPNServerPort", 15, 0x400000, NULL},
        {"SessionFlagUseNoAuthentication", 16, 0x8000, NULL},
        {"EnumerationFlagNonXmlText", 17, 0x1, NULL},
        {"EnumerationFlagReturnEPR", 18, 0x2, NULL},
        {"EnumerationFlagReturnObjectAndEPR", 19, 0x4, NULL},
        {"EnumerationFlagHierarchyDeep", 21, 0x0, NULL},
        {"EnumerationFlagHierarchyShallow", 22, 0x20, NULL},
        {"EnumerationFlagHierarchyDeepBasePropsOnly", 23, 0x40, NULL},
        {"EnumerationFlagReturnObject", 24, 0x0, NULL},
        {"SessionFlagUseClientCertificate", 25, 0x200000, NULL},
        {"SessionFlagUTF16", 26, 0x800000, NULL},
        {"SessionFlagUseCredSsp", 27, 0x1000000, NULL},
        {"EnumerationFlagAssociationInstance", 28, 0x80, NULL},
        {"EnumerationFlagAssociatedInstance", 29, 0x0, NULL},
        {"SessionFlagSkipRevocationCheck", 30, 0x2000000, NULL},
        {"SessionFlagAllowNegotiateImplicitCredentials", 31, 0x4000000, NULL},
        {"SessionFlagUseSsl", 32, 0x8000000, NULL},
    };
    static const struct expected_member members[] = {{"CreateSession", 1},
                                                     {"CreateConnectionOptions", 2},
                                                     {"CommandLine", 3},
                                                     {"Error", 4},
                                                     {"CreateResourceLocator", 5},
                                                     {"GetErrorMessage", 20},
                                                     {"createsession", 1},
                                                     {"ERROR", 4},
                                                     {NULL, 0}};
    /* The vtable, in wsmandisp.h's slot order. */
    HRESULT(*const vtable_getters[])
    (IWSManEx3 *, LONG *) = {
        wsman->lpVtbl->SessionFlagUTF8,
        wsman->lpVtbl->SessionFlagCredUsernamePassword,
        wsman->lpVtbl->SessionFlagSkipCACheck,
        wsman->lpVtbl->SessionFlagSkipCNCheck,
        wsman->lpVtbl->SessionFlagUseDigest,
        wsman->lpVtbl->SessionFlagUseNegotiate,
        wsman->lpVtbl->SessionFlagUseBasic,
        wsman->lpVtbl->SessionFlagUseKerberos,
        wsman->lpVtbl->SessionFlagNoEncryption,
        wsman->lpVtbl->SessionFlagEnableSPNServerPort,
        wsman->lpVtbl->SessionFlagUseNoAuthentication,
        wsman->lpVtbl->EnumerationFlagNonXmlText,
        wsman->lpVtbl->EnumerationFlagReturnEPR,
        wsman->lpVtbl->EnumerationFlagReturnObjectAndEPR,
        wsman->lpVtbl->EnumerationFlagHierarchyDeep,
        wsman->lpVtbl->EnumerationFlagHierarchyShallow,
        wsman->lpVtbl->EnumerationFlagHierarchyDeepBasePropsOnly,
        wsman->lpVtbl->EnumerationFlagReturnObject,
        wsman->lpVtbl->SessionFlagUseClientCertificate,
        wsman->lpVtbl->SessionFlagUTF16,
        wsman->lpVtbl->SessionFlagUseCredSsp,
        wsman->lpVtbl->EnumerationFlagAssociationInstance,
        wsman->lpVtbl->EnumerationFlagAssociatedInstance,
        wsman->lpVtbl->SessionFlagSkipRevocationCheck,
        wsman->lpVtbl->SessionFlagAllowNegotiateImplicitCredentials,
        wsman->lpVtbl->SessionFlagUseSsl,
    };
    void *const *slots = (void *const *)wsman->lpVtbl;
    IDispatch *disp = (IDispatch *)wsman;
    UINT count = 99;
    ITypeInfo *info = (ITypeInfo *)0x1;

    /* The slot numbers of IWSMan, IWSManEx, IWSManEx2 and IWSManEx3 in wsmandisp.h. */
    ok(slots[7] == (void *)wsman->lpVtbl->CreateSession &&
           slots[11] == (void *)wsman->lpVtbl->CreateResourceLocator &&
           slots[26] == (void *)wsman->lpVtbl->GetErrorMessage &&
           slots[31] == (void *)wsman->lpVtbl->SessionFlagUseClientCertificate &&
           slots[38] == (void *)wsman->lpVtbl->SessionFlagUseSsl,
       "IWSManEx3 vtable slots");

    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        struct expected_member m[] = {{flags[i].name, flags[i].id}, {NULL, 0}};
        LONG v = -1;
        ok_hr(S_OK, vtable_getters[i](wsman, &v));
        ok(v == flags[i].value, "%s via vtable: 0x%x", flags[i].name, (unsigned)v);
        ok_hr(E_POINTER, vtable_getters[i](wsman, NULL));
        check_dispids("WSMan", disp, m);
        ok(invoke_long(disp, flags[i].name) == flags[i].value, "%s via IDispatch", flags[i].name);
    }
    check_dispids("WSMan", disp, members);

    ok_hr(S_OK, IDispatch_GetTypeInfoCount(disp, &count));
    ok(count == 0, "GetTypeInfoCount is 0 on Linux");
    ok_hr(E_NOTIMPL, IDispatch_GetTypeInfo(disp, 0, 0, &info));
    ok(info == NULL, "GetTypeInfo clears its out pointer");
}

static void test_dispatch_mechanics(IWSManEx3 *wsman)
{
    IDispatch *disp = (IDispatch *)wsman;
    BSTR names[3];
    DISPID ids[3];
    VARIANT args[4], inner, r;
    EXCEPINFO excep;
    DISPPARAMS params = {NULL, NULL, 0, 0};
    UINT arg_err = 0;
    BSTR text;
    HRESULT hr;

    /* Unknown names, parameter names, case-insensitivity. */
    names[0] = wide("NoSuchMember");
    ok_hr(DISP_E_UNKNOWNNAME, IDispatch_GetIDsOfNames(disp, &IID_NULL, names, 1, 0, ids));
    ok(ids[0] == DISPID_UNKNOWN, "unknown name gives DISPID_UNKNOWN");
    SysFreeString(names[0]);
    names[0] = wide("CREATESESSION");
    names[1] = wide("flags");
    names[2] = wide("nosuchparam");
    ok_hr(DISP_E_UNKNOWNNAME, IDispatch_GetIDsOfNames(disp, &IID_NULL, names, 3, 0, ids));
    ok(ids[0] == 1 && ids[1] == 1 && ids[2] == DISPID_UNKNOWN, "parameter ids %d %d %d", (int)ids[0],
       (int)ids[1], (int)ids[2]);
    for (int i = 0; i < 3; i++)
        SysFreeString(names[i]);
    ok_hr(DISP_E_UNKNOWNINTERFACE, IDispatch_GetIDsOfNames(disp, &IID_IUnknown, names, 1, 0, ids));
    ok_hr(DISP_E_UNKNOWNINTERFACE,
          IDispatch_Invoke(disp, 6, &IID_IDispatch, 0, DISPATCH_METHOD, &params, &r, NULL, NULL));
    ok_hr(DISP_E_MEMBERNOTFOUND,
          IDispatch_Invoke(disp, 999, &IID_NULL, 0, DISPATCH_METHOD, &params, &r, NULL, NULL));

    /* A method is not a property put; a property get is not a method call
     * from JScript (PROPERTYGET alone on a method fails, as with a typelib). */
    V_VT(&args[0]) = VT_I4;
    V_I4(&args[0]) = 1;
    ok_hr(DISP_E_MEMBERNOTFOUND, invoke(disp, "SessionFlagUTF8", DISPATCH_PROPERTYPUT, args, 1, NULL, NULL));
    ok_hr(DISP_E_MEMBERNOTFOUND, invoke(disp, "SessionFlagUTF8", DISPATCH_PROPERTYGET, NULL, 0, &r, NULL));
    ok_hr(S_OK, invoke(disp, "SessionFlagUTF8", DISPATCH_METHOD, NULL, 0, &r, NULL));
    ok_hr(DISP_E_BADPARAMCOUNT, invoke(disp, "SessionFlagUTF8", DISPATCH_METHOD, args, 1, &r, NULL));
    ok_hr(DISP_E_MEMBERNOTFOUND, invoke(disp, "CommandLine", DISPATCH_PROPERTYPUT, args, 1, NULL, NULL));

    /* GetErrorMessage: a required DWORD; a negative VT_I4 keeps its 32 bits. */
    ok_hr(DISP_E_PARAMNOTOPTIONAL, invoke(disp, "GetErrorMessage", DISPATCH_METHOD, NULL, 0, &r, NULL));
    V_VT(&args[0]) = VT_I4;
    V_I4(&args[0]) = (LONG)0x803380D9;
    ok_hr(S_OK, invoke(disp, "GetErrorMessage", DISPATCH_METHOD, args, 1, &r, NULL));
    ok(V_VT(&r) == VT_BSTR && SysStringLen(V_BSTR(&r)) > 20, "GetErrorMessage(negative) text");
    ok_hr(S_OK, IWSManEx3_GetErrorMessage(wsman, 0x803380D9, &text));
    ok(V_BSTR(&r) && text && !memcmp(V_BSTR(&r), text, SysStringByteLen(text) + 2),
       "negative VT_I4 and DWORD give the same message");
    SysFreeString(text);
    VariantClear(&r);
    /* VBScript passes variables by reference. */
    V_VT(&inner) = VT_I4;
    V_I4(&inner) = (LONG)0x803380FA;
    V_VT(&args[0]) = VT_BYREF | VT_VARIANT;
    V_VARIANTREF(&args[0]) = &inner;
    ok_hr(S_OK, invoke(disp, "GetErrorMessage", DISPATCH_METHOD, args, 1, &r, NULL));
    ok(V_VT(&r) == VT_BSTR && SysStringLen(V_BSTR(&r)) > 0, "GetErrorMessage(byref)");
    VariantClear(&r);
    V_VT(&args[0]) = VT_BSTR;
    V_BSTR(&args[0]) = wide("not a number");
    {
        DISPPARAMS one = {args, NULL, 1, 0};
        hr = IDispatch_Invoke(disp, 20, &IID_NULL, 0, DISPATCH_METHOD, &one, &r, NULL, &arg_err);
    }
    ok_hr(DISP_E_TYPEMISMATCH, hr);
    ok(arg_err == 0, "puArgErr names the bad argument");
    VariantClear(&args[0]);

    /* CreateSession with every argument omitted: a local session. */
    ok_hr(S_OK, invoke(disp, "CreateSession", DISPATCH_METHOD, NULL, 0, &r, NULL));
    ok(V_VT(&r) == VT_DISPATCH && V_DISPATCH(&r), "CreateSession() returns an object");
    VariantClear(&r);
    /* Missing optional arguments as VBScript marks them (VT_ERROR). */
    V_VT(&args[2]) = VT_BYREF | VT_BSTR;
    text = wide("http://server:8080/wsman");
    V_BSTRREF(&args[2]) = &text;
    V_VT(&args[1]) = VT_ERROR;
    V_ERROR(&args[1]) = DISP_E_PARAMNOTFOUND;
    V_VT(&args[0]) = VT_ERROR;
    V_ERROR(&args[0]) = DISP_E_PARAMNOTFOUND;
    ok_hr(S_OK, invoke(disp, "CreateSession", DISPATCH_METHOD, args, 3, &r, NULL));
    VariantClear(&r);
    SysFreeString(text);
    /* Too many arguments. */
    for (int i = 0; i < 4; i++)
        V_VT(&args[i]) = VT_EMPTY;
    ok_hr(DISP_E_BADPARAMCOUNT, invoke(disp, "CreateSession", DISPATCH_METHOD, args, 4, &r, NULL));
    /* A string where an object is needed. */
    V_VT(&args[0]) = VT_BSTR;
    V_BSTR(&args[0]) = wide("not an object");
    V_VT(&args[1]) = VT_I4;
    V_I4(&args[1]) = 0;
    V_VT(&args[2]) = VT_BSTR;
    V_BSTR(&args[2]) = wide("host");
    ok_hr(DISP_E_TYPEMISMATCH, invoke(disp, "CreateSession", DISPATCH_METHOD, args, 3, &r, NULL));
    VariantClear(&args[0]);
    VariantClear(&args[2]);

    /* A failing member: DISP_E_EXCEPTION with EXCEPINFO from the error info. */
    V_VT(&args[2]) = VT_BSTR;
    V_BSTR(&args[2]) = wide("host:99999");
    memset(&excep, 0, sizeof(excep));
    ok_hr(DISP_E_EXCEPTION, invoke(disp, "CreateSession", DISPATCH_METHOD, &args[2], 1, &r, &excep));
    ok_hr(ERROR_WSMAN_PORT_INVALID, excep.scode);
    ok(bstr_equals(excep.bstrSource, "WSMan"), "EXCEPINFO source");
    ok(bstr_contains(excep.bstrDescription, "99999"), "EXCEPINFO description names the port");
    SysFreeString(excep.bstrSource);
    SysFreeString(excep.bstrDescription);
    SysFreeString(excep.bstrHelpFile);
    /* Without an EXCEPINFO the member's own HRESULT comes back. */
    ok_hr(ERROR_WSMAN_PORT_INVALID, invoke(disp, "CreateSession", DISPATCH_METHOD, &args[2], 1, &r, NULL));
    VariantClear(&args[2]);

    /* Named arguments map to parameter positions. */
    {
        DISPID named = 0;
        DISPPARAMS p = {args, &named, 1, 1};
        V_VT(&args[0]) = VT_BSTR;
        V_BSTR(&args[0]) = wide("wmi/root/cimv2/Win32_Service?Name=winrm");
        ok_hr(S_OK, IDispatch_Invoke(disp, 5, &IID_NULL, 0, DISPATCH_METHOD, &p, &r, NULL, NULL));
        ok(V_VT(&r) == VT_DISPATCH, "CreateResourceLocator(strResourceLocator:=...)");
        VariantClear(&r);
        named = 7;
        ok_hr(DISP_E_PARAMNOTFOUND,
              IDispatch_Invoke(disp, 5, &IID_NULL, 0, DISPATCH_METHOD, &p, &r, NULL, NULL));
        VariantClear(&args[0]);
    }
    ok_hr(E_INVALIDARG, IDispatch_Invoke(disp, 5, &IID_NULL, 0, DISPATCH_METHOD, NULL, &r, NULL, NULL));
}

/* ---- CreateSession: connection strings and flag checks ---- */

static HRESULT create_session(IWSManEx3 *wsman, const char *conn, LONG flags, IDispatch *options)
{
    IDispatch *session = (IDispatch *)0x1;
    BSTR c = conn ? wide(conn) : NULL;
    HRESULT hr = IWSManEx3_CreateSession(wsman, c, flags, options, &session);

    SysFreeString(c);
    if (SUCCEEDED(hr))
        IDispatch_Release(session);
    else
        ok(session == NULL, "CreateSession(%s) left its out pointer set", conn ? conn : "NULL");
    return hr;
}

static void test_connection_strings(IWSManEx3 *wsman)
{
    static const struct {
        const char *conn;
        LONG flags;
        HRESULT hr;
    } cases[] = {
        {"", 0, S_OK},
        {NULL, 0, S_OK},
        {"server", 0, S_OK},
        {"server:5985", 0, S_OK},
        {"server/wsman", 0, S_OK},
        {"server:8080/websvcs/wsman", 0, S_OK},
        {"http://server", 0, S_OK},
        {"HTTPS://server/websvcs/wsman", 0, S_OK},
        {"https://[E3D7:0000:0000:0000:51F4:9BC8:C0A8:6420]:9999/wsman", 0, S_OK},
        {"[::1]", 0, S_OK},
        {"10.0.0.1:5986", WSManFlagUseSsl, S_OK},
        {"ftp://server", 0, ERROR_WSMAN_TRANSPORT_NOT_SUPPORTED},
        {"server:0", 0, ERROR_WSMAN_PORT_INVALID},
        {"server:65536", 0, ERROR_WSMAN_PORT_INVALID},
        {"server:abc", 0, ERROR_WSMAN_PORT_INVALID},
        {"::1", 0, ERROR_WSMAN_CONNECTIONSTR_INVALID},
        {"http://", 0, ERROR_WSMAN_CONNECTIONSTR_INVALID},
        {"bad host", 0, ERROR_WSMAN_CONNECTIONSTR_INVALID},
        {"http://server", WSManFlagUseSsl, ERROR_WSMAN_INVALID_USESSL_PARAM},
    };
    BSTR error;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        HRESULT hr = create_session(wsman, cases[i].conn, cases[i].flags, NULL);
        ok(hr == cases[i].hr, "CreateSession(\"%s\"): expected 0x%08x, got 0x%08x",
           cases[i].conn ? cases[i].conn : "NULL", (unsigned)cases[i].hr, (unsigned)hr);
        if (FAILED(hr)) {
            ok_errorinfo("WSMan", "");
            ok_hr(S_OK, IWSManEx3_get_Error(wsman, &error));
            ok_fault(error, (uint32_t)cases[i].hr);
            SysFreeString(error);
        }
    }
    ok_hr(E_POINTER, IWSManEx3_CreateSession(wsman, NULL, 0, NULL, NULL));
}

static IDispatch *make_options(IWSManEx3 *wsman, const char *user, const char *password,
                               const char *thumbprint)
{
    IDispatch *disp;
    IWSManConnectionOptionsEx2 *options;
    BSTR s;

    ok_hr(S_OK, IWSManEx3_CreateConnectionOptions(wsman, &disp));
    IDispatch_QueryInterface(disp, &IID_IWSManConnectionOptionsEx2, (void **)&options);
    if (user) {
        s = wide(user);
        ok_hr(S_OK, IWSManConnectionOptionsEx2_put_UserName(options, s));
        SysFreeString(s);
    }
    if (password) {
        s = wide(password);
        ok_hr(S_OK, IWSManConnectionOptionsEx2_put_Password(options, s));
        SysFreeString(s);
    }
    if (thumbprint) {
        s = wide(thumbprint);
        ok_hr(S_OK, IWSManConnectionOptionsEx2_put_CertificateThumbprint(options, s));
        SysFreeString(s);
    }
    IWSManConnectionOptionsEx2_Release(options);
    return disp;
}

#define THUMB "0123456789abcdef0123456789ABCDEF01234567"

static void test_flag_checks(IWSManEx3 *wsman)
{
    enum { NONE, CREDS, USER_ONLY, CERT, CERT_AND_CREDS, EMPTY, PROXY_HTTPS };
    static const struct {
        const char *conn;
        LONG flags;
        int options;
        HRESULT hr;
    } cases[] = {
        {"host", 0x10, NONE, ERROR_WSMAN_CLIENT_INVALID_FLAG},
        {"host", WSManFlagUTF8 | WSManFlagUTF16, NONE, ERROR_WSMAN_CLIENT_INVALID_FLAG},
        {"host", WSManFlagUseBasic | WSManFlagUseDigest, NONE, ERROR_WSMAN_CLIENT_MULTIPLE_AUTH_FLAGS},
        {"host", WSManFlagUseNoAuthentication | WSManFlagUseKerberos, NONE,
         ERROR_WSMAN_CLIENT_MULTIPLE_AUTH_FLAGS},
        {"", WSManFlagCredUsernamePassword, CREDS, ERROR_WSMAN_CLIENT_LOCAL_INVALID_CREDS},
        {"", 0, EMPTY, ERROR_WSMAN_CLIENT_LOCAL_INVALID_CONNECTION_OPTIONS},
        {"host", WSManFlagUseNoAuthentication | WSManFlagCredUsernamePassword, CREDS,
         ERROR_WSMAN_CREDS_PASSED_WITH_NO_AUTH_FLAG},
        {"host", WSManFlagUseBasic | WSManFlagCredUsernamePassword | WSManFlagEnableSPNServerPort, CREDS,
         ERROR_WSMAN_CLIENT_SPN_WRONG_AUTH},
        {"host", WSManFlagUseNegotiate | WSManFlagEnableSPNServerPort, NONE, S_OK},
        {"host", WSManFlagUseClientCertificate, CERT, ERROR_WSMAN_CANNOT_USE_CERTIFICATES_FOR_HTTP},
        {"https://host", WSManFlagUseClientCertificate, CERT, S_OK},
        {"https://host", WSManFlagUseClientCertificate, NONE, ERROR_WSMAN_CLIENT_CERT_NEEDED},
        {"https://host", WSManFlagUseClientCertificate | WSManFlagCredUsernamePassword, CERT,
         ERROR_WSMAN_CERT_MULTIPLE_CREDENTIALS_FLAG},
        {"https://host", WSManFlagUseClientCertificate, CERT_AND_CREDS,
         ERROR_WSMAN_CLIENT_CERT_UNNEEDED_USERNAME},
        {"https://host", 0, CERT, ERROR_WSMAN_CERT_MISSING_AUTH_FLAG},
        {"https://host", WSManFlagCredUsernamePassword, CERT_AND_CREDS, ERROR_WSMAN_MULTIPLE_CREDENTIALS},
        {"host", WSManFlagUseBasic, NONE, ERROR_WSMAN_CLIENT_USERNAME_PASSWORD_NEEDED},
        {"host", WSManFlagUseDigest | WSManFlagCredUsernamePassword, USER_ONLY,
         ERROR_WSMAN_CLIENT_USERNAME_PASSWORD_NEEDED},
        {"https://host", WSManFlagUseCredSsp, NONE, ERROR_WSMAN_CLIENT_USERNAME_AND_PASSWORD_NEEDED},
        {"host", WSManFlagCredUsernamePassword, NONE, ERROR_WSMAN_CLIENT_CREDENTIALS_NEEDED},
        {"host", WSManFlagCredUsernamePassword, EMPTY, ERROR_WSMAN_CLIENT_CREDENTIALS_NEEDED},
        {"host", 0, CREDS, ERROR_WSMAN_CLIENT_CREDENTIALS_FLAG_NEEDED},
        {"host", WSManFlagUseBasic | WSManFlagCredUsernamePassword, CREDS, S_OK},
        {"https://host", WSManFlagNoEncryption, NONE, ERROR_WSMAN_CLIENT_UNENCRYPTED_HTTP_ONLY},
        {"host", WSManFlagNoEncryption, NONE, S_OK},
        {"host", WSManFlagAllowNegotiateImplicitCredentials, NONE,
         ERROR_WSMAN_CANNOT_USE_ALLOW_NEGOTIATE_IMPLICIT_CREDENTIALS_FOR_HTTP},
        {"https://host", WSManFlagAllowNegotiateImplicitCredentials, NONE, S_OK},
        {"host", 0, PROXY_HTTPS, ERROR_WSMAN_CANNOT_USE_PROXY_SETTINGS_FOR_HTTP},
        {"https://host", WSManFlagUseKerberos, PROXY_HTTPS,
         ERROR_WSMAN_CANNOT_USE_PROXY_SETTINGS_FOR_KERBEROS},
        {"https://host", WSManFlagUseCredSsp | WSManFlagCredUsernamePassword, PROXY_HTTPS,
         ERROR_WSMAN_CANNOT_USE_PROXY_SETTINGS_FOR_CREDSSP},
        {"https://host", WSManFlagUseNegotiate, PROXY_HTTPS, S_OK},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        IDispatch *options = NULL;
        HRESULT hr;
        BSTR error;

        switch (cases[i].options) {
        case CREDS:
            options = make_options(wsman, "DOMAIN\\user", "secret", NULL);
            break;
        case USER_ONLY:
            options = make_options(wsman, "user", NULL, NULL);
            break;
        case CERT:
            options = make_options(wsman, NULL, NULL, THUMB);
            break;
        case CERT_AND_CREDS:
            options = make_options(wsman, "user", "secret", THUMB);
            break;
        case EMPTY:
            options = make_options(wsman, NULL, NULL, NULL);
            break;
        case PROXY_HTTPS: {
            IWSManConnectionOptionsEx2 *o;
            options = make_options(wsman, cases[i].flags & WSManFlagCredUsernamePassword ? "u" : NULL,
                                   cases[i].flags & WSManFlagCredUsernamePassword ? "p" : NULL, NULL);
            IDispatch_QueryInterface(options, &IID_IWSManConnectionOptionsEx2, (void **)&o);
            ok_hr(S_OK, IWSManConnectionOptionsEx2_SetProxy(o, WSManProxyIEConfig, 0, NULL, NULL));
            IWSManConnectionOptionsEx2_Release(o);
            break;
        }
        }
        hr = create_session(wsman, cases[i].conn, cases[i].flags, options);
        ok(hr == cases[i].hr, "case %zu (%s, 0x%08x): expected 0x%08x, got 0x%08x", i, cases[i].conn,
           (unsigned)cases[i].flags, (unsigned)cases[i].hr, (unsigned)hr);
        if (FAILED(hr)) {
            ok_hr(S_OK, IWSManEx3_get_Error(wsman, &error));
            ok_fault(error, (uint32_t)cases[i].hr);
            ok(!bstr_contains(error, "secret"), "case %zu: the password leaked into Error", i);
            SysFreeString(error);
        }
        if (options)
            ok(IDispatch_Release(options) == 0, "case %zu: options still referenced", i);
    }
}

/* ---- ConnectionOptions ---- */

static void test_connection_options(IWSManEx3 *wsman)
{
    static const struct expected_member members[] = {{"UserName", 1},
                                                     {"Password", 2},
                                                     {"CertificateThumbprint", 3},
                                                     {"SetProxy", 4},
                                                     {"ProxyIEConfig", 5},
                                                     {"ProxyWinHttpConfig", 6},
                                                     {"ProxyAutoDetect", 7},
                                                     {"ProxyNoProxyServer", 8},
                                                     {"ProxyAuthenticationUseNegotiate", 9},
                                                     {"ProxyAuthenticationUseBasic", 10},
                                                     {"ProxyAuthenticationUseDigest", 11},
                                                     {NULL, 0}};
    static const struct {
        LONG access, auth;
        const char *user, *password;
        HRESULT hr;
    } proxies[] = {
        {0, 0, "", "", S_OK},
        {WSManProxyNoProxyServer, 0, NULL, NULL, S_OK},
        {WSManProxyAutoDetect, WSManFlagProxyAuthenticationUseBasic, "u", "p", S_OK},
        {3, 0, NULL, NULL, ERROR_WSMAN_PROXY_ACCESS_TYPE},
        {16, 0, NULL, NULL, ERROR_WSMAN_PROXY_ACCESS_TYPE},
        {WSManProxyIEConfig, 8, NULL, NULL, ERROR_WSMAN_PROXY_AUTHENTICATION_INVALID_FLAG},
        {WSManProxyIEConfig, 3, NULL, NULL, ERROR_WSMAN_CLIENT_MULTIPLE_PROXY_AUTH_FLAGS},
        {WSManProxyIEConfig, 0, "u", "p", ERROR_WSMAN_CLIENT_CREDENTIALS_FOR_PROXY_AUTHENTICATION},
        {WSManProxyNoProxyServer, WSManFlagProxyAuthenticationUseDigest, NULL, NULL,
         ERROR_WSMAN_INVALID_OPTION_NO_PROXY_SERVER},
    };
    IDispatch *disp;
    IWSManConnectionOptionsEx2 *options;
    VARIANT arg, r;
    BSTR s;
    LONG v;

    ok_hr(S_OK, IWSManEx3_CreateConnectionOptions(wsman, &disp));
    ok_hr(E_POINTER, IWSManEx3_CreateConnectionOptions(wsman, NULL));
    IDispatch_QueryInterface(disp, &IID_IWSManConnectionOptionsEx2, (void **)&options);
    check_dispids("ConnectionOptions", disp, members);

    ok_hr(S_OK, IWSManConnectionOptionsEx2_get_UserName(options, &s));
    ok(s && SysStringLen(s) == 0, "UserName starts empty");
    SysFreeString(s);
    ok_hr(S_OK, IWSManConnectionOptionsEx2_put_UserName(options, OLESTR("DOMAIN\\admin")));
    ok_hr(S_OK, IWSManConnectionOptionsEx2_get_UserName(options, &s));
    ok(bstr_equals(s, "DOMAIN\\admin"), "UserName round trip");
    SysFreeString(s);
    ok_hr(S_OK, IWSManConnectionOptionsEx2_put_UserName(options, NULL));
    ok_hr(E_POINTER, IWSManConnectionOptionsEx2_get_UserName(options, NULL));

    /* Password is write-only: there is no getter to call. */
    V_VT(&arg) = VT_BSTR;
    V_BSTR(&arg) = wide("pa55");
    ok_hr(S_OK, invoke(disp, "Password", DISPATCH_PROPERTYPUT, &arg, 1, NULL, NULL));
    VariantClear(&arg);
    ok_hr(DISP_E_MEMBERNOTFOUND, invoke(disp, "Password", DISPATCH_PROPERTYGET, NULL, 0, &r, NULL));
    ok_hr(S_OK, invoke(disp, "UserName", DISPATCH_PROPERTYGET, NULL, 0, &r, NULL));
    ok(V_VT(&r) == VT_BSTR, "UserName via IDispatch");
    VariantClear(&r);

    ok_hr(S_OK, IWSManConnectionOptionsEx2_put_CertificateThumbprint(
                    options, OLESTR("01 23 45 67 89 ab cd ef 01 23 45 67 89 AB CD EF 01 23 45 67")));
    ok_hr(S_OK, IWSManConnectionOptionsEx2_get_CertificateThumbprint(options, &s));
    ok(bstr_equals(s, "0123456789ABCDEF0123456789ABCDEF01234567"), "thumbprint normalised");
    SysFreeString(s);
    ok_hr(ERROR_WSMAN_CLIENT_INVALID_CERT,
          IWSManConnectionOptionsEx2_put_CertificateThumbprint(options, OLESTR("xyz")));
    ok_errorinfo("ConnectionOptions", "hexadecimal");
    ok_hr(ERROR_WSMAN_CLIENT_INVALID_CERT,
          IWSManConnectionOptionsEx2_put_CertificateThumbprint(options, OLESTR("0123")));
    ok_hr(S_OK, IWSManConnectionOptionsEx2_get_CertificateThumbprint(options, &s));
    ok(bstr_equals(s, "0123456789ABCDEF0123456789ABCDEF01234567"), "a refused thumbprint changes nothing");
    SysFreeString(s);

    for (size_t i = 0; i < sizeof(proxies) / sizeof(proxies[0]); i++) {
        BSTR u = proxies[i].user ? wide(proxies[i].user) : NULL,
             p = proxies[i].password ? wide(proxies[i].password) : NULL;
        HRESULT hr = IWSManConnectionOptionsEx2_SetProxy(options, proxies[i].access, proxies[i].auth, u, p);
        ok(hr == proxies[i].hr, "SetProxy case %zu: expected 0x%08x got 0x%08x", i, (unsigned)proxies[i].hr,
           (unsigned)hr);
        if (FAILED(hr)) {
            BSTR error;
            ok_errorinfo("ConnectionOptions", "");
            /* The Error property of ConnectionOptions is reachable only
             * through the thread's error info; WSMan.Error is unchanged. */
            ok_hr(S_OK, IWSManEx3_get_Error(wsman, &error));
            ok(!bstr_contains(error, "secret-proxy"), "no proxy password in errors");
            SysFreeString(error);
        }
        SysFreeString(u);
        SysFreeString(p);
    }
    /* SetProxy with its defaults through IDispatch. */
    ok_hr(S_OK, invoke(disp, "SetProxy", DISPATCH_METHOD, NULL, 0, NULL, NULL));

    ok(invoke_long(disp, "ProxyIEConfig") == 1 && invoke_long(disp, "ProxyWinHttpConfig") == 2 &&
           invoke_long(disp, "ProxyAutoDetect") == 4 && invoke_long(disp, "ProxyNoProxyServer") == 8 &&
           invoke_long(disp, "ProxyAuthenticationUseNegotiate") == 1 &&
           invoke_long(disp, "ProxyAuthenticationUseBasic") == 2 &&
           invoke_long(disp, "ProxyAuthenticationUseDigest") == 4,
       "proxy constants via IDispatch");
    ok_hr(S_OK, IWSManConnectionOptionsEx2_ProxyAutoDetect(options, &v));
    ok(v == 4, "ProxyAutoDetect via vtable");
    ok_hr(E_POINTER, IWSManConnectionOptionsEx2_ProxyAutoDetect(options, NULL));

    IWSManConnectionOptionsEx2_Release(options);
    ok(IDispatch_Release(disp) == 0, "ConnectionOptions freed");
}

/* ---- ResourceLocator ---- */

static void test_resource_locator(IWSManEx3 *wsman)
{
    static const struct expected_member members[] = {
        {"ResourceURI", 1},     {"AddSelector", 2}, {"ClearSelectors", 3},        {"FragmentPath", 4},
        {"FragmentDialect", 5}, {"AddOption", 6},   {"MustUnderstandOptions", 7}, {"ClearOptions", 8},
        {"Error", 9},           {NULL, 0}};
    IDispatch *disp;
    IWSManResourceLocator *loc;
    VARIANT v, args[3], r;
    BOOL must;
    BSTR s;

    ok_hr(S_OK, IWSManEx3_CreateResourceLocator(wsman, OLESTR("wmicimv2/Win32_Service?Name=winrm+Other=x=y"),
                                                &disp));
    IDispatch_QueryInterface(disp, &IID_IWSManResourceLocator, (void **)&loc);
    check_dispids("ResourceLocator", disp, members);
    ok_hr(S_OK, IWSManResourceLocator_get_ResourceURI(loc, &s));
    ok(bstr_equals(s, "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service"),
       "alias expanded");
    SysFreeString(s);

    ok_hr(S_OK, IWSManResourceLocator_put_ResourceURI(loc, OLESTR("winrm/config")));
    ok_hr(S_OK, IWSManResourceLocator_get_ResourceURI(loc, &s));
    ok(bstr_equals(s, "http://schemas.microsoft.com/wbem/wsman/1/config"), "put_ResourceURI expands aliases");
    SysFreeString(s);
    ok_hr(ERROR_WSMAN_INVALID_URI, IWSManResourceLocator_put_ResourceURI(loc, OLESTR("winrm/config?a=b")));
    ok_errorinfo("ResourceLocator", "AddSelector");
    ok_hr(S_OK, IWSManResourceLocator_get_Error(loc, &s));
    ok_fault(s, (uint32_t)ERROR_WSMAN_INVALID_URI);
    SysFreeString(s);

    /* Selectors: the query's pair "Name" is already there. */
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = wide("winrm");
    ok_hr(ERROR_WSMAN_DUPLICATE_SELECTORS, IWSManResourceLocator_AddSelector(loc, OLESTR("Name"), v));
    ok_hr(S_OK, IWSManResourceLocator_ClearSelectors(loc));
    ok_hr(S_OK, IWSManResourceLocator_AddSelector(loc, OLESTR("Name"), v));
    VariantClear(&v);
    V_VT(&v) = VT_I4;
    V_I4(&v) = 42;
    ok_hr(S_OK, IWSManResourceLocator_AddSelector(loc, OLESTR("Id"), v));
    ok_hr(ERROR_WSMAN_INVALID_SELECTOR_NAME, IWSManResourceLocator_AddSelector(loc, OLESTR(""), v));
    V_VT(&v) = VT_DISPATCH;
    V_DISPATCH(&v) = disp;
    ok_hr(DISP_E_TYPEMISMATCH, IWSManResourceLocator_AddSelector(loc, OLESTR("Obj"), v));

    /* Options: Null is a nil value; mustComply; duplicates refused. */
    V_VT(&v) = VT_NULL;
    ok_hr(S_OK, IWSManResourceLocator_AddOption(loc, OLESTR("opt"), v, TRUE));
    ok_hr(ERROR_WSMAN_INVALID_OPTIONS, IWSManResourceLocator_AddOption(loc, OLESTR("opt"), v, FALSE));
    ok_hr(ERROR_WSMAN_OPTIONS_INVALID_NAME, IWSManResourceLocator_AddOption(loc, NULL, v, FALSE));
    ok_hr(S_OK, IWSManResourceLocator_ClearOptions(loc));
    ok_hr(S_OK, IWSManResourceLocator_AddOption(loc, OLESTR("opt"), v, FALSE));

    ok_hr(S_OK, IWSManResourceLocator_get_MustUnderstandOptions(loc, &must));
    ok(must == FALSE, "MustUnderstandOptions default");
    ok_hr(S_OK, IWSManResourceLocator_put_MustUnderstandOptions(loc, 5));
    ok_hr(S_OK, IWSManResourceLocator_get_MustUnderstandOptions(loc, &must));
    ok(must == TRUE, "MustUnderstandOptions normalised to TRUE");

    ok_hr(S_OK, IWSManResourceLocator_get_FragmentDialect(loc, &s));
    ok(s && !SysStringLen(s), "FragmentDialect starts empty");
    SysFreeString(s);
    ok_hr(S_OK, IWSManResourceLocator_put_FragmentPath(loc, OLESTR("Win32_Service/Name")));
    ok_hr(S_OK, IWSManResourceLocator_get_FragmentPath(loc, &s));
    ok(bstr_equals(s, "Win32_Service/Name"), "FragmentPath round trip");
    SysFreeString(s);

    /* Through IDispatch: VBScript's loc.AddOption "x", Null and the put-before-get property. */
    V_VT(&args[1]) = VT_BSTR;
    V_BSTR(&args[1]) = wide("x");
    V_VT(&args[0]) = VT_NULL;
    ok_hr(S_OK, invoke(disp, "AddOption", DISPATCH_METHOD, args, 2, NULL, NULL));
    VariantClear(&args[1]);
    V_VT(&args[0]) = VT_BOOL;
    V_BOOL(&args[0]) = VARIANT_TRUE;
    ok_hr(S_OK, invoke(disp, "MustUnderstandOptions", DISPATCH_PROPERTYPUT, args, 1, NULL, NULL));
    ok_hr(S_OK, invoke(disp, "MustUnderstandOptions", DISPATCH_PROPERTYGET, NULL, 0, &r, NULL));
    ok(V_VT(&r) == VT_I4 && V_I4(&r) == TRUE, "MustUnderstandOptions is a BOOL (VT_I4)");
    V_VT(&args[0]) = VT_BSTR;
    V_BSTR(&args[0]) = wide("http://www.w3.org/TR/1999/REC-xpath-19991116");
    ok_hr(S_OK, invoke(disp, "FragmentDialect", DISPATCH_PROPERTYPUT, args, 1, NULL, NULL));
    VariantClear(&args[0]);
    ok_hr(S_OK, invoke(disp, "ClearSelectors", DISPATCH_METHOD, NULL, 0, NULL, NULL));
    ok_hr(S_OK, invoke(disp, "ClearOptions", DISPATCH_METHOD, NULL, 0, NULL, NULL));
    ok_hr(S_OK, invoke(disp, "Error", DISPATCH_PROPERTYGET, NULL, 0, &r, NULL));
    ok(V_VT(&r) == VT_BSTR, "Error via IDispatch");
    VariantClear(&r);

    /* Bad URIs at creation. */
    IDispatch *other = (IDispatch *)0x1;
    ok_hr(ERROR_WSMAN_URI_QUERY_STRING_SYNTAX_ERROR,
          IWSManEx3_CreateResourceLocator(wsman, OLESTR("wmi/x?Name"), &other));
    ok(other == NULL, "failed CreateResourceLocator clears its out pointer");
    ok_hr(S_OK, IWSManEx3_get_Error(wsman, &s));
    ok_fault(s, (uint32_t)ERROR_WSMAN_URI_QUERY_STRING_SYNTAX_ERROR);
    SysFreeString(s);
    ok_hr(S_OK, IWSManEx3_CreateResourceLocator(wsman, NULL, &other));
    ok_hr(S_OK, IWSManResourceLocator_get_ResourceURI((IWSManResourceLocator *)other, &s));
    ok(s && !SysStringLen(s), "an empty locator has no URI");
    SysFreeString(s);
    IDispatch_Release(other);

    IWSManResourceLocator_Release(loc);
    ok(IDispatch_Release(disp) == 0, "ResourceLocator freed");
}

/* ---- Session ---- */

static void test_session(IWSManEx3 *wsman)
{
    static const struct expected_member members[] = {
        {"Get", 1},      {"Put", 2},   {"Create", 3},     {"Delete", 4},   {"Invoke", 5}, {"Enumerate", 6},
        {"Identify", 7}, {"Error", 8}, {"BatchItems", 9}, {"Timeout", 10}, {NULL, 0}};
    IDispatch *disp, *local, *locator, *options;
    IWSManSession *session;
    VARIANT uri, args[4], r;
    BSTR s = (BSTR)0x1, error;
    IDispatch *e = (IDispatch *)0x1;
    LONG v;

    ok_hr(S_OK, IWSManEx3_CreateSession(wsman, OLESTR("http://server:5985/wsman"), 0, NULL, &disp));
    IDispatch_QueryInterface(disp, &IID_IWSManSession, (void **)&session);
    check_dispids("Session", disp, members);
    ok_hr(S_OK, IWSManSession_get_Error(session, &error));
    ok(error && !SysStringLen(error), "Session.Error starts empty");
    SysFreeString(error);

    ok_hr(S_OK, IWSManSession_get_BatchItems(session, &v));
    ok(v == 20, "BatchItems default 20, got %d", (int)v);
    ok_hr(S_OK, IWSManSession_put_BatchItems(session, 500));
    ok_hr(ERROR_WSMAN_CLIENT_BATCH_ITEMS_TOO_SMALL, IWSManSession_put_BatchItems(session, 0));
    ok_errorinfo("Session", "BatchItems");
    ok_hr(S_OK, IWSManSession_get_BatchItems(session, &v));
    ok(v == 500, "a refused BatchItems changes nothing");
    ok_hr(S_OK, IWSManSession_get_Timeout(session, &v));
    ok(v == 60000, "Timeout default 60000, got %d", (int)v);
    ok_hr(S_OK, IWSManSession_put_Timeout(session, 1000));
    ok_hr(E_INVALIDARG, IWSManSession_put_Timeout(session, -5));
    ok_hr(S_OK, IWSManSession_get_Timeout(session, &v));
    ok(v == 1000, "Timeout kept");
    V_VT(&args[0]) = VT_I4;
    V_I4(&args[0]) = 7;
    ok_hr(S_OK, invoke(disp, "BatchItems", DISPATCH_PROPERTYPUT, args, 1, NULL, NULL));
    ok_hr(S_OK, invoke(disp, "batchitems", DISPATCH_PROPERTYGET | DISPATCH_METHOD, NULL, 0, &r, NULL));
    ok(V_VT(&r) == VT_I4 && V_I4(&r) == 7, "BatchItems via IDispatch");
    ok_hr(E_POINTER, IWSManSession_get_Timeout(session, NULL));

    /* Argument checks that need no network. */
    V_VT(&uri) = VT_BSTR;
    V_BSTR(&uri) = wide("");
    ok_hr(ERROR_WSMAN_CLIENT_BLANK_URI, IWSManSession_Get(session, uri, 0, &s));
    ok(s == NULL, "failed Get clears its out pointer");
    ok_errorinfo("Session", "");
    ok_hr(S_OK, IWSManSession_get_Error(session, &error));
    ok_fault(error, (uint32_t)ERROR_WSMAN_CLIENT_BLANK_URI);
    SysFreeString(error);
    VariantClear(&uri);
    V_VT(&uri) = VT_I4;
    V_I4(&uri) = 5;
    ok_hr(ERROR_WSMAN_CLIENT_INVALID_RESOURCE_LOCATOR, IWSManSession_Get(session, uri, 0, &s));
    V_VT(&uri) = VT_DISPATCH;
    V_DISPATCH(&uri) = disp; /* a Session is not a ResourceLocator */
    ok_hr(ERROR_WSMAN_CLIENT_INVALID_RESOURCE_LOCATOR, IWSManSession_Get(session, uri, 0, &s));
    V_VT(&uri) = VT_BSTR;
    V_BSTR(&uri) = wide("wmicimv2/Win32_Service?Name");
    ok_hr(ERROR_WSMAN_URI_QUERY_STRING_SYNTAX_ERROR, IWSManSession_Get(session, uri, 0, &s));
    VariantClear(&uri);
    V_VT(&uri) = VT_BSTR;
    V_BSTR(&uri) = wide("wmicimv2/Win32_Service?Name=winrm");
    ok_hr(ERROR_WSMAN_CLIENT_INVALID_FLAG, IWSManSession_Get(session, uri, 1, &s));
    ok_hr(ERROR_WSMAN_CLIENT_BLANK_INPUT_XML, IWSManSession_Put(session, uri, NULL, 0, &s));
    ok_hr(ERROR_WSMAN_CLIENT_BLANK_INPUT_XML, IWSManSession_Create(session, uri, OLESTR("  "), 0, &s));
    ok_hr(ERROR_WSMAN_CLIENT_BLANK_ACTION_URI,
          IWSManSession_Invoke(session, NULL, uri, OLESTR("<x/>"), 0, &s));
    ok_hr(ERROR_WSMAN_CLIENT_BLANK_INPUT_XML,
          IWSManSession_Invoke(session, OLESTR("StartService"), uri, NULL, 0, &s));
    ok_hr(ERROR_WSMAN_CLIENT_INVALID_FLAG, IWSManSession_Delete(session, uri, 2));
    ok_hr(ERROR_WSMAN_CLIENT_MULTIPLE_ENUM_MODE_FLAGS,
          IWSManSession_Enumerate(session, uri, NULL, NULL, WSManFlagReturnEPR | WSManFlagReturnObjectAndEPR,
                                  &e));
    ok(e == NULL, "failed Enumerate clears its out pointer");
    ok_hr(ERROR_WSMAN_CLIENT_INVALID_FLAG, IWSManSession_Enumerate(session, uri, NULL, NULL, 0x100, &e));
    ok_hr(ERROR_WSMAN_CLIENT_INVALID_FLAG, IWSManSession_Identify(session, 0x1, &s));

    /* The default authentication here is Kerberos, with the current user's ticket, and there is none:
     * the operations say so plainly, before anything goes on the wire. */
    ok_hr(NO_CREDS, IWSManSession_Get(session, uri, 0, &s));
    ok_errorinfo("Session", "ticket");
    ok_hr(NO_CREDS, IWSManSession_Identify(session, 0, &s));
    ok_hr(NO_CREDS, IWSManSession_Enumerate(session, uri, NULL, NULL, 0, &e));
    VariantClear(&uri);

    /* A ResourceLocator as the resource; one without a URI is blank. */
    ok_hr(S_OK, IWSManEx3_CreateResourceLocator(wsman, NULL, &locator));
    V_VT(&uri) = VT_DISPATCH;
    V_DISPATCH(&uri) = locator;
    ok_hr(ERROR_WSMAN_CLIENT_BLANK_URI, IWSManSession_Delete(session, uri, 0));
    IWSManResourceLocator_put_ResourceURI((IWSManResourceLocator *)locator,
                                          OLESTR("wmi/root/cimv2/Win32_Service"));
    ok_hr(NO_CREDS, IWSManSession_Delete(session, uri, 0));
    /* VBScript passes the locator variable by reference. */
    V_VT(&args[0]) = VT_BYREF | VT_VARIANT;
    V_VARIANTREF(&args[0]) = &uri;
    ok_invoke(disp, "Delete", DISPATCH_METHOD, args, 1, NO_CREDS);
    IDispatch_Release(locator);

    /* Invoke through IDispatch keeps its name and DISPID 5. */
    V_VT(&args[2]) = VT_BSTR;
    V_BSTR(&args[2]) = wide("");
    V_VT(&args[1]) = VT_BSTR;
    V_BSTR(&args[1]) = wide("wmicimv2/Win32_Service");
    V_VT(&args[0]) = VT_BSTR;
    V_BSTR(&args[0]) = wide("<p/>");
    {
        EXCEPINFO excep = {0};
        ok_hr(DISP_E_EXCEPTION, invoke(disp, "Invoke", DISPATCH_METHOD, args, 3, &r, &excep));
        ok_hr(ERROR_WSMAN_CLIENT_BLANK_ACTION_URI, excep.scode);
        ok(bstr_equals(excep.bstrSource, "Session"), "Err.Source is Session");
        SysFreeString(excep.bstrSource);
        SysFreeString(excep.bstrDescription);
        SysFreeString(excep.bstrHelpFile);
    }
    for (int i = 0; i < 3; i++)
        VariantClear(&args[i]);

    IWSManSession_Release(session);
    ok(IDispatch_Release(disp) == 0, "Session freed");

    /* A local session refuses Identify. */
    ok_hr(S_OK, IWSManEx3_CreateSession(wsman, OLESTR(""), 0, NULL, &local));
    ok_hr(ERROR_WSMAN_NO_IDENTIFY_FOR_LOCAL_SESSION, IWSManSession_Identify((IWSManSession *)local, 0, &s));
    IDispatch_Release(local);

    /* Credentials are copied: the options can go away first. */
    options = make_options(wsman, "user", "secret", NULL);
    ok_hr(S_OK, IWSManEx3_CreateSession(wsman, OLESTR("server"),
                                        WSManFlagUseBasic | WSManFlagCredUsernamePassword, options, &local));
    ok(IDispatch_Release(options) == 0, "the Session holds no reference on the options");
    IDispatch_Release(local);
    /* A foreign object as connection options. */
    ok_hr(E_INVALIDARG, IWSManEx3_CreateSession(wsman, OLESTR("server"), 0, (IDispatch *)wsman, &local));
}

/* ---- the remaining members through IDispatch ---- */

static void set_bstr(VARIANT *v, const char *s)
{
    V_VT(v) = VT_BSTR;
    V_BSTR(v) = wide(s);
}

static void test_dispatch_all_members(IWSManEx3 *wsman)
{
    IDispatch *session, *options, *locator;
    VARIANT a[4];
    const WORD get = DISPATCH_PROPERTYGET | DISPATCH_METHOD, put = DISPATCH_PROPERTYPUT;

    ok_hr(S_OK, IWSManEx3_CreateSession(wsman, OLESTR("server"), 0, NULL, &session));
    /* Arguments go right to left: a[n-1] is the first. */
    set_bstr(&a[0], "wmicimv2/Win32_Service?Name=winrm");
    ok_invoke(session, "Get", DISPATCH_METHOD, a, 1, NO_CREDS);
    ok_invoke(session, "Delete", DISPATCH_METHOD, a, 1, NO_CREDS);
    ok_invoke(session, "Enumerate", DISPATCH_METHOD, a, 1, NO_CREDS);
    VariantClear(&a[0]);
    set_bstr(&a[1], "wmicimv2/Win32_Service?Name=winrm");
    set_bstr(&a[0], "<p:Win32_Service xmlns:p=\"x\"/>");
    ok_invoke(session, "Put", DISPATCH_METHOD, a, 2, NO_CREDS);
    ok_invoke(session, "Create", DISPATCH_METHOD, a, 2, NO_CREDS);
    VariantClear(&a[0]);
    set_bstr(&a[0], "");
    ok_invoke(session, "Put", DISPATCH_METHOD, a, 2, ERROR_WSMAN_CLIENT_BLANK_INPUT_XML);
    VariantClear(&a[0]);
    VariantClear(&a[1]);
    ok_invoke(session, "Identify", DISPATCH_METHOD, NULL, 0, NO_CREDS);
    ok_invoke(session, "Error", get, NULL, 0, S_OK);
    V_VT(&a[0]) = VT_I2; /* VBScript's small integers */
    V_I2(&a[0]) = 2500;
    ok_invoke(session, "Timeout", put, a, 1, S_OK);
    ok_invoke(session, "Timeout", get, NULL, 0, S_OK);
    V_I2(&a[0]) = 0;
    ok_invoke(session, "BatchItems", put, a, 1, ERROR_WSMAN_CLIENT_BATCH_ITEMS_TOO_SMALL);
    IDispatch_Release(session);

    ok_hr(S_OK, IWSManEx3_CreateConnectionOptions(wsman, &options));
    set_bstr(&a[0], THUMB);
    ok_invoke(options, "CertificateThumbprint", put, a, 1, S_OK);
    VariantClear(&a[0]);
    ok_invoke(options, "CertificateThumbprint", get, NULL, 0, S_OK);
    set_bstr(&a[0], "user");
    ok_invoke(options, "UserName", put, a, 1, S_OK);
    VariantClear(&a[0]);
    V_VT(&a[3]) = VT_I4;
    V_I4(&a[3]) = 99;
    ok_invoke(options, "SetProxy", DISPATCH_METHOD, &a[3], 1, ERROR_WSMAN_PROXY_ACCESS_TYPE);
    IDispatch_Release(options);

    ok_hr(S_OK, IWSManEx3_CreateResourceLocator(wsman, NULL, &locator));
    set_bstr(&a[0], "wmi/root/cimv2/Win32_Service");
    ok_invoke(locator, "ResourceURI", put, a, 1, S_OK);
    VariantClear(&a[0]);
    ok_invoke(locator, "ResourceURI", get, NULL, 0, S_OK);
    set_bstr(&a[1], "Name");
    set_bstr(&a[0], "winrm");
    ok_invoke(locator, "AddSelector", DISPATCH_METHOD, a, 2, S_OK);
    ok_invoke(locator, "AddSelector", DISPATCH_METHOD, a, 2, ERROR_WSMAN_DUPLICATE_SELECTORS);
    VariantClear(&a[0]);
    VariantClear(&a[1]);
    set_bstr(&a[0], "Name");
    ok_invoke(locator, "FragmentPath", put, a, 1, S_OK);
    VariantClear(&a[0]);
    ok_invoke(locator, "FragmentPath", get, NULL, 0, S_OK);
    ok_invoke(locator, "FragmentDialect", get, NULL, 0, S_OK);
    ok(IDispatch_Release(locator) == 0, "locator freed");
}

/* ---- WSMan: CommandLine, Error, GetErrorMessage ---- */

static void test_wsman_misc(IWSManEx3 *wsman, const char *marker)
{
    BSTR s;

    ok_hr(S_OK, IWSManEx3_get_CommandLine(wsman, &s));
    ok(bstr_contains(s, "test_com"), "CommandLine names the program");
    {
        char quoted[256];
        snprintf(quoted, sizeof(quoted), "\"%s\"", marker);
        ok(bstr_contains(s, quoted), "CommandLine quotes an argument with spaces: %s", quoted);
    }
    SysFreeString(s);
    ok_hr(E_POINTER, IWSManEx3_get_CommandLine(wsman, NULL));

    ok_hr(S_OK, IWSManEx3_GetErrorMessage(wsman, 0x803380BF, &s));
    ok(bstr_contains(s, "URI") || bstr_contains(s, "uri"), "message for ERROR_WSMAN_CLIENT_BLANK_URI");
    SysFreeString(s);
    ok_hr(S_OK, IWSManEx3_GetErrorMessage(wsman, 0x80338004, &s));
    ok(SysStringLen(s) > 0, "a message for every WinRM code");
    SysFreeString(s);
    ok_hr(S_OK, IWSManEx3_GetErrorMessage(wsman, 0x12345678, &s));
    ok(bstr_contains(s, "12345678"), "an unknown code is named");
    SysFreeString(s);
    ok_hr(E_POINTER, IWSManEx3_GetErrorMessage(wsman, 5, NULL));
}

static void test_support_error_info(IWSManEx3 *wsman)
{
    ISupportErrorInfo *sei;

    ok_hr(S_OK, IWSManEx3_QueryInterface(wsman, &IID_ISupportErrorInfo, (void **)&sei));
    ok_hr(S_OK, ISupportErrorInfo_InterfaceSupportsErrorInfo(sei, &IID_IWSManEx3));
    ok_hr(S_OK, ISupportErrorInfo_InterfaceSupportsErrorInfo(sei, &IID_IWSMan));
    ok_hr(S_FALSE, ISupportErrorInfo_InterfaceSupportsErrorInfo(sei, &IID_IWSManSession));
    ISupportErrorInfo_Release(sei);
}

static void test_internal(void)
{
    IWSManInternal *internal;
    IDispatch *session;
    IWSManEx3 *wsman = new_wsman();
    VARIANT uri, args[2], r;
    BSTR s = (BSTR)0x1;
    DISPID id;
    BSTR name = wide("ConfigSDDL");

    ok_hr(S_OK, CoCreateInstance(&CLSID_WSManInternal, NULL, CLSCTX_INPROC_SERVER, &IID_IWSManInternal,
                                 (void **)&internal));
    ok_hr(S_OK, IWSManInternal_GetIDsOfNames(internal, &IID_NULL, &name, 1, 0, &id));
    ok(id == 2, "ConfigSDDL is DISPID 2");
    SysFreeString(name);
    IWSManEx3_CreateSession(wsman, OLESTR("server"), 0, NULL, &session);
    V_VT(&uri) = VT_BSTR;
    V_BSTR(&uri) = wide("default");
    ok_hr(HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED), IWSManInternal_ConfigSDDL(internal, session, uri, 0, &s));
    ok(s == NULL, "ConfigSDDL clears its out pointer");
    ok_errorinfo("WSManInternal", "security descriptor editor");
    ok_hr(E_INVALIDARG, IWSManInternal_ConfigSDDL(internal, NULL, uri, 0, &s));
    ok_hr(E_POINTER, IWSManInternal_ConfigSDDL(internal, session, uri, 0, NULL));
    /* winrm.vbs: wsmanInternalObj.ConfigSDDL(sessionObj, uri) late-bound. */
    V_VT(&args[1]) = VT_DISPATCH;
    V_DISPATCH(&args[1]) = session;
    args[0] = uri;
    ok_hr(HRESULT_FROM_WIN32(ERROR_NOT_SUPPORTED),
          invoke((IDispatch *)internal, "ConfigSDDL", DISPATCH_METHOD, args, 2, &r, NULL));
    VariantClear(&uri);
    IDispatch_Release(session);
    ok(IWSManInternal_Release(internal) == 0, "WSManInternal freed");
    IWSManEx3_Release(wsman);
}

int main(int argc, char **argv)
{
    IWSManEx3 *wsman;
    IWSMan *base;

    test_guids();
    test_activation();

    /* The built-in client configuration, whatever this machine has in its files. */
    setenv("WSMAUTO_CLIENT_CONFIG", "", 1);
    /* Sessions with the default authentication (Kerberos to "server") find no ticket: no realm, no cache,
     * whatever the machine's own Kerberos set-up. */
    setenv("KRB5_CONFIG", "/dev/null", 1);
    setenv("KRB5CCNAME", "FILE:/nonexistent/wsmauto-test-ccache", 1);
    ok_hr(S_OK, CoInitializeEx(NULL, COINIT_MULTITHREADED));
    wsman = new_wsman();
    if (!wsman)
        return test_summary("com");
    /* IWSMan is the same object with the first slots of the same vtable. */
    ok_hr(S_OK, IWSManEx3_QueryInterface(wsman, &IID_IWSMan, (void **)&base));
    ok((void *)base == (void *)wsman, "IWSMan and IWSManEx3 share one interface pointer");
    IWSMan_Release(base);

    test_query_interface(wsman);
    test_wsman_members(wsman);
    test_dispatch_mechanics(wsman);
    test_connection_strings(wsman);
    test_flag_checks(wsman);
    test_connection_options(wsman);
    test_resource_locator(wsman);
    test_session(wsman);
    test_dispatch_all_members(wsman);
    test_wsman_misc(wsman, argc > 1 ? argv[1] : "(no argument)");
    test_support_error_info(wsman);
    ok(refcount((IUnknown *)wsman) == 1, "WSMan refcount balanced");
    ok(IWSManEx3_Release(wsman) == 0, "WSMan freed");
    test_internal();
    ok_hr(S_OK, DllCanUnloadNow());
    CoUninitialize();
    return test_summary("com");
}
