/*
 * WSMAuto.dll as Windows' COM runtime sees it, run under Wine: self-registration (every registry key and
 * value, unregistration removing them, re-registration), ProgID lookup in all documented spellings,
 * activation through ole32, the embedded TYPELIB and VERSIONINFO resources, the typelib-driven IDispatch
 * (type info, names, DISPIDs, EXCEPINFO of a failure, GetErrorMessage with a negative Long),
 * ISupportErrorInfo, no IObjectWithSite, and DllCanUnloadNow.
 *
 * Usage: test_dll.exe <path of WSMAuto.dll>. The prefix must be a private one: the test registers the DLL.
 *
 * SPDX-License-Identifier: MIT
 */
#define COBJMACROS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include <windows.h>
#include <objbase.h>
#include <ocidl.h>
#include <oleauto.h>

#include "wsmandisp.h"
#include "test.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

typedef HRESULT(WINAPI *dll_fn)(void);
typedef HRESULT(WINAPI *get_class_object_fn)(REFCLSID, REFIID, void **);

static WCHAR dll_path[MAX_PATH];
static HMODULE dll;

/* RegisterTypeLib records the path under the type library's SYSKIND, which follows the DLL's architecture. */
#ifdef _WIN64
#define TYPELIB_SUBKEY L"win64"
#define OTHER_TYPELIB_SUBKEY L"win32"
#else
#define TYPELIB_SUBKEY L"win32"
#define OTHER_TYPELIB_SUBKEY L"win64"
#endif

#define WSMAN_CLSID L"{BCED617B-EC03-420B-8508-977DC7A686BD}"
#define INTERNAL_CLSID L"{7DE087A5-5DCB-4DF7-BB12-0924AD8FBD9A}"
#define LIBID L"{F010BE25-296D-4036-980F-5A0669A17577}"

static char *narrow(const WCHAR *w)
{
    static char buf[4][1024];
    static int next;
    char *out = buf[next++ % 4];

    if (!w)
        return strcpy(out, "(null)");
    WideCharToMultiByte(CP_UTF8, 0, w, -1, out, sizeof(buf[0]), NULL, NULL);
    return out;
}

/* root\path's value `name` (NULL: default) into out, in the registry view `view` (0: this process's,
 * KEY_WOW64_32KEY or KEY_WOW64_64KEY); 0 when absent. */
static int reg_string_view(HKEY root, const WCHAR *path, REGSAM view, const WCHAR *name, WCHAR *out,
                           DWORD chars)
{
    DWORD size = chars * sizeof(WCHAR), type = 0;
    HKEY key;
    LONG err;

    out[0] = 0;
    if (RegOpenKeyExW(root, path, 0, KEY_READ | view, &key) != ERROR_SUCCESS)
        return 0;
    err = RegQueryValueExW(key, name, NULL, &type, (BYTE *)out, &size);
    RegCloseKey(key);
    return err == ERROR_SUCCESS && type == REG_SZ;
}

/* HKCR\path's value `name` (NULL: default) into out; 0 when absent. */
static int reg_string(const WCHAR *path, const WCHAR *name, WCHAR *out, DWORD chars)
{
    return reg_string_view(HKEY_CLASSES_ROOT, path, 0, name, out, chars);
}

static int key_exists_view(const WCHAR *path, REGSAM view)
{
    HKEY key;

    if (RegOpenKeyExW(HKEY_CLASSES_ROOT, path, 0, KEY_READ | view, &key) != ERROR_SUCCESS)
        return 0;
    RegCloseKey(key);
    return 1;
}

static int key_exists(const WCHAR *path)
{
    return key_exists_view(path, 0);
}

/* Whether the system has two registry views: a 64-bit process, or a 32-bit one under WOW64. */
static int two_views(void)
{
#ifdef _WIN64
    return 1;
#else
    BOOL wow64 = FALSE;

    return IsWow64Process(GetCurrentProcess(), &wow64) && wow64;
#endif
}

#define ok_reg(path, name, want)                                                                             \
    do {                                                                                                     \
        WCHAR got_[MAX_PATH];                                                                                \
        int found_ = reg_string(path, name, got_, MAX_PATH);                                                 \
        ok(found_ && !_wcsicmp(got_, want), "HKCR\\%s [%s]: expected \"%s\", got %s\"%s\"", narrow(path),    \
           name ? narrow(name) : "default", narrow(want), found_ ? "" : "(missing) ", narrow(got_));         \
    } while (0)

static void check_registered(void)
{
    static const struct {
        const WCHAR *progid, *versioned, *clsid;
    } servers[] = {
        {L"WSMan.Automation", L"WSMan.Automation.1", WSMAN_CLSID},
        {L"WSMan.InternalAutomation", L"WSMan.InternalAutomation.1", INTERNAL_CLSID},
    };
    WCHAR path[256];

    for (size_t i = 0; i < ARRAY_SIZE(servers); i++) {
        swprintf(path, ARRAY_SIZE(path), L"%ls\\CLSID", servers[i].progid);
        ok_reg(path, NULL, servers[i].clsid);
        swprintf(path, ARRAY_SIZE(path), L"%ls\\CurVer", servers[i].progid);
        ok_reg(path, NULL, servers[i].versioned);
        swprintf(path, ARRAY_SIZE(path), L"%ls\\CLSID", servers[i].versioned);
        ok_reg(path, NULL, servers[i].clsid);
        swprintf(path, ARRAY_SIZE(path), L"CLSID\\%ls\\InprocServer32", servers[i].clsid);
        ok_reg(path, NULL, dll_path);
        ok_reg(path, L"ThreadingModel", L"Both");
        swprintf(path, ARRAY_SIZE(path), L"CLSID\\%ls\\ProgID", servers[i].clsid);
        ok_reg(path, NULL, servers[i].versioned);
        swprintf(path, ARRAY_SIZE(path), L"CLSID\\%ls\\VersionIndependentProgID", servers[i].clsid);
        ok_reg(path, NULL, servers[i].progid);
        swprintf(path, ARRAY_SIZE(path), L"CLSID\\%ls\\TypeLib", servers[i].clsid);
        ok_reg(path, NULL, LIBID);
    }
    /* RegisterTypeLib's part: the type library and the oleautomation interfaces. */
    ok_reg(L"TypeLib\\" LIBID L"\\1.0\\0\\" TYPELIB_SUBKEY, NULL, dll_path);
    ok(!key_exists(L"TypeLib\\" LIBID L"\\1.0\\0\\" OTHER_TYPELIB_SUBKEY),
       "TypeLib registered under \\0\\%s too", narrow(OTHER_TYPELIB_SUBKEY));
    ok_reg(L"TypeLib\\" LIBID L"\\1.0", NULL, L"Microsoft WSMAN Automation V1.0 Library");
    ok_reg(L"Interface\\{FC84FC58-1286-40C4-9DA0-C8EF6EC241E0}", NULL, L"IWSManSession");
    ok_reg(L"Interface\\{FC84FC58-1286-40C4-9DA0-C8EF6EC241E0}\\TypeLib", NULL, LIBID);
    ok_reg(L"Interface\\{FC84FC58-1286-40C4-9DA0-C8EF6EC241E0}\\ProxyStubClsid32", NULL,
           L"{00020424-0000-0000-C000-000000000046}");
    ok_reg(L"Interface\\{6400E966-011D-4EAC-8474-049E0848AFAD}", NULL, L"IWSManEx3");

    /* 64-bit Windows (or Wine's 64-bit prefix): the CLSID keys are in this architecture's registry view only
     * (a 32-bit DLL's in HKLM\Software\Classes\WOW6432Node\CLSID, as the 64-bit side sees it), and the
     * typelib marshaler's Interface keys are in both views. */
    if (two_views()) {
#ifdef _WIN64
        const REGSAM other = KEY_WOW64_32KEY;
#else
        const REGSAM other = KEY_WOW64_64KEY;
        WCHAR got[MAX_PATH];
        int found = reg_string_view(
            HKEY_LOCAL_MACHINE, L"Software\\Classes\\WOW6432Node\\CLSID\\" WSMAN_CLSID L"\\InprocServer32",
            KEY_WOW64_64KEY, NULL, got, ARRAY_SIZE(got));
        ok(found && !_wcsicmp(got, dll_path), "WOW6432Node\\CLSID\\{WSMan}\\InprocServer32: %s\"%s\"",
           found ? "" : "(missing) ", narrow(got));
#endif
        ok(!key_exists_view(L"CLSID\\" WSMAN_CLSID, other), "the CLSID is in the other registry view too");
        ok(!key_exists_view(L"CLSID\\" INTERNAL_CLSID, other),
           "CLSID of WSManInternal in the other view too");
        ok(key_exists_view(L"Interface\\{FC84FC58-1286-40C4-9DA0-C8EF6EC241E0}\\ProxyStubClsid32", other),
           "IWSManSession not registered in the other registry view");
    }
}

static void check_unregistered(void)
{
    ok(!key_exists(L"WSMan.Automation"), "WSMan.Automation still registered");
    ok(!key_exists(L"WSMan.Automation.1"), "WSMan.Automation.1 still registered");
    ok(!key_exists(L"WSMan.InternalAutomation"), "WSMan.InternalAutomation still registered");
    ok(!key_exists(L"WSMan.InternalAutomation.1"), "WSMan.InternalAutomation.1 still registered");
    ok(!key_exists(L"CLSID\\" WSMAN_CLSID), "CLSID of WSMan still registered");
    ok(!key_exists(L"CLSID\\" INTERNAL_CLSID), "CLSID of WSManInternal still registered");
    ok(!key_exists(L"TypeLib\\" LIBID), "TypeLib still registered");
    ok(!key_exists(L"Interface\\{FC84FC58-1286-40C4-9DA0-C8EF6EC241E0}"), "IWSManSession still registered");
}

static void test_registration(void)
{
    dll_fn reg = (dll_fn)(void *)GetProcAddress(dll, "DllRegisterServer");
    dll_fn unreg = (dll_fn)(void *)GetProcAddress(dll, "DllUnregisterServer");
    CLSID clsid;

    ok(reg && unreg, "DllRegisterServer/DllUnregisterServer not exported");
    if (!reg || !unreg)
        return;
    ok_hr(S_OK, reg());
    check_registered();
    /* Registering twice is harmless. */
    ok_hr(S_OK, reg());
    check_registered();

    /* Every documented spelling of the ProgIDs (lookup is case-insensitive). */
    static const WCHAR *const wsman_ids[] = {L"WSMAN.Automation", L"WSMan.Automation", L"Wsman.Automation",
                                             L"WSMan.Automation.1"};
    for (size_t i = 0; i < ARRAY_SIZE(wsman_ids); i++) {
        ok_hr(S_OK, CLSIDFromProgID(wsman_ids[i], &clsid));
        ok(IsEqualCLSID(&clsid, &CLSID_WSMan), "%s: wrong CLSID", narrow(wsman_ids[i]));
    }
    static const WCHAR *const internal_ids[] = {L"WSMAN.InternalAutomation", L"WSMan.InternalAutomation.1"};
    for (size_t i = 0; i < ARRAY_SIZE(internal_ids); i++) {
        ok_hr(S_OK, CLSIDFromProgID(internal_ids[i], &clsid));
        ok(IsEqualCLSID(&clsid, &CLSID_WSManInternal), "%s: wrong CLSID", narrow(internal_ids[i]));
    }

    ok_hr(S_OK, unreg());
    check_unregistered();
    ok(FAILED(CLSIDFromProgID(L"WSMAN.Automation", &clsid)), "ProgID resolves after unregistration");
    /* Unregistering what is not registered is not an error. */
    ok_hr(S_OK, unreg());

    /* A ProgID another server has taken over is left alone by our unregistration. */
    ok_hr(S_OK, reg());
    HKEY key;
    const WCHAR other[] = L"{00000000-1111-2222-3333-444444444444}";
    ok(RegCreateKeyExW(HKEY_CLASSES_ROOT, L"WSMan.Automation.1\\CLSID", 0, NULL, 0, KEY_SET_VALUE, NULL, &key,
                       NULL) == ERROR_SUCCESS,
       "cannot open WSMan.Automation.1\\CLSID");
    RegSetValueExW(key, NULL, 0, REG_SZ, (const BYTE *)other, sizeof(other));
    RegCloseKey(key);
    ok_hr(S_OK, unreg());
    ok_reg(L"WSMan.Automation.1\\CLSID", NULL, other);
    RegDeleteTreeW(HKEY_CLASSES_ROOT, L"WSMan.Automation.1");

    /* Registered again for the rest of the test. */
    ok_hr(S_OK, reg());
    check_registered();
}

static void test_resources(void)
{
    ITypeLib *lib = NULL;
    TLIBATTR *attr;
    DWORD handle, size = GetFileVersionInfoSizeW(dll_path, &handle);
    void *data, *value;
    UINT len;

    ok_hr(S_OK, LoadTypeLibEx(dll_path, REGKIND_NONE, &lib));
    if (lib) {
        ok_hr(S_OK, ITypeLib_GetLibAttr(lib, &attr));
        ok(IsEqualGUID(&attr->guid, &LIBID_WSManAutomation), "wrong LIBID in the embedded type library");
        ok(attr->wMajorVerNum == 1 && attr->wMinorVerNum == 0, "type library version %u.%u",
           attr->wMajorVerNum, attr->wMinorVerNum);
        ITypeLib_ReleaseTLibAttr(lib, attr);
        ok(ITypeLib_GetTypeInfoCount(lib) >= 14, "only %u type infos", ITypeLib_GetTypeInfoCount(lib));
        ITypeLib_Release(lib);
    }

    ok(size > 0, "no VERSIONINFO resource");
    if (!size || !(data = malloc(size)))
        return;
    ok(GetFileVersionInfoW(dll_path, handle, size, data), "GetFileVersionInfoW failed");
    ok(VerQueryValueW(data, L"\\StringFileInfo\\040904B0\\OriginalFilename", &value, &len) && len &&
           !wcscmp(value, L"WSMAuto.dll"),
       "OriginalFilename");
    ok(VerQueryValueW(data, L"\\StringFileInfo\\040904B0\\FileVersion", &value, &len) && len &&
           ((WCHAR *)value)[0] >= L'0' && ((WCHAR *)value)[0] <= L'9',
       "FileVersion");
    VS_FIXEDFILEINFO *fixed;
    ok(VerQueryValueW(data, L"\\", (void **)&fixed, &len) && len == sizeof(*fixed) &&
           fixed->dwSignature == 0xFEEF04BD && fixed->dwFileType == VFT_DLL,
       "VS_FIXEDFILEINFO");
    free(data);
}

/* Calls a method by name through IDispatch. */
static HRESULT call(IDispatch *disp, const WCHAR *name, WORD flags, VARIANT *args, UINT nargs,
                    VARIANT *result, EXCEPINFO *ei)
{
    DISPID id;
    DISPPARAMS params = {args, NULL, nargs, 0};
    DISPID put = DISPID_PROPERTYPUT;
    LPOLESTR names[1] = {(LPOLESTR)name};
    HRESULT hr = IDispatch_GetIDsOfNames(disp, &IID_NULL, names, 1, LOCALE_USER_DEFAULT, &id);

    if (FAILED(hr))
        return hr;
    if (flags & DISPATCH_PROPERTYPUT) {
        params.rgdispidNamedArgs = &put;
        params.cNamedArgs = 1;
    }
    if (ei)
        memset(ei, 0, sizeof(*ei));
    return IDispatch_Invoke(disp, id, &IID_NULL, LOCALE_USER_DEFAULT, flags, &params, result, ei, NULL);
}

static void clear_excep(EXCEPINFO *ei)
{
    SysFreeString(ei->bstrSource);
    SysFreeString(ei->bstrDescription);
    SysFreeString(ei->bstrHelpFile);
    memset(ei, 0, sizeof(*ei));
}

static void test_objects(void)
{
    IDispatch *wsman = NULL, *options = NULL;
    IUnknown *unk = NULL;
    ITypeInfo *ti = NULL;
    EXCEPINFO ei;
    VARIANT args[3], result;
    BSTR name = NULL;
    UINT count = 0;
    HRESULT hr;

    hr = CoCreateInstance(&CLSID_WSMan, NULL, CLSCTX_INPROC_SERVER, &IID_IDispatch, (void **)&wsman);
    ok_hr(S_OK, hr);
    if (FAILED(hr))
        return;

    ok_hr(E_NOINTERFACE, IDispatch_QueryInterface(wsman, &IID_IObjectWithSite, (void **)&unk));
    ISupportErrorInfo *sei = NULL;
    ok_hr(S_OK, IDispatch_QueryInterface(wsman, &IID_ISupportErrorInfo, (void **)&sei));
    if (sei) {
        ok_hr(S_OK, ISupportErrorInfo_InterfaceSupportsErrorInfo(sei, &IID_IWSManEx3));
        ISupportErrorInfo_Release(sei);
    }

    /* The type info is IWSManEx3's, from the embedded library. */
    ok_hr(S_OK, IDispatch_GetTypeInfoCount(wsman, &count));
    ok(count == 1, "GetTypeInfoCount: %u", count);
    ok_hr(S_OK, IDispatch_GetTypeInfo(wsman, 0, LOCALE_USER_DEFAULT, &ti));
    if (ti) {
        ok_hr(S_OK, ITypeInfo_GetDocumentation(ti, MEMBERID_NIL, &name, NULL, NULL, NULL));
        ok(name && !wcscmp(name, L"IWSManEx3"), "type info name %s", narrow(name));
        SysFreeString(name);
        ITypeInfo_Release(ti);
    }
    ti = (ITypeInfo *)1;
    ok_hr(DISP_E_BADINDEX, IDispatch_GetTypeInfo(wsman, 1, LOCALE_USER_DEFAULT, &ti));
    ok(!ti, "GetTypeInfo(1) left a pointer");

    /* Names are case-insensitive; DISPIDs are the IDL's. */
    DISPID id = 0;
    LPOLESTR names[1] = {(LPOLESTR)L"sessionflagusessl"};
    ok_hr(S_OK, IDispatch_GetIDsOfNames(wsman, &IID_NULL, names, 1, LOCALE_USER_DEFAULT, &id));
    names[0] = (LPOLESTR)L"NoSuchMember";
    ok_hr(DISP_E_UNKNOWNNAME, IDispatch_GetIDsOfNames(wsman, &IID_NULL, names, 1, LOCALE_USER_DEFAULT, &id));
    names[0] = (LPOLESTR)L"GetErrorMessage";
    ok_hr(S_OK, IDispatch_GetIDsOfNames(wsman, &IID_NULL, names, 1, LOCALE_USER_DEFAULT, &id));
    ok(id == 20, "GetErrorMessage has DISPID %ld", (long)id);
    ok_hr(DISP_E_UNKNOWNINTERFACE,
          IDispatch_GetIDsOfNames(wsman, &IID_IDispatch, names, 1, LOCALE_USER_DEFAULT, &id));

    /* A property getter. */
    VariantInit(&result);
    /* The flag "properties" are methods in the IDL, called as VBScript calls them (method or get). */
    ok_hr(S_OK,
          call(wsman, L"SessionFlagUTF8", DISPATCH_METHOD | DISPATCH_PROPERTYGET, NULL, 0, &result, NULL));
    ok(V_VT(&result) == VT_I4 && V_I4(&result) == 1, "SessionFlagUTF8: vt %u", V_VT(&result));

    /* GetErrorMessage with the negative Long winrm.vbs passes, and with an unsigned value. */
    V_VT(&args[0]) = VT_I4;
    V_I4(&args[0]) = (LONG)0x803380FAu;
    ok_hr(S_OK, call(wsman, L"GetErrorMessage", DISPATCH_METHOD, args, 1, &result, NULL));
    ok(V_VT(&result) == VT_BSTR && SysStringLen(V_BSTR(&result)) > 20, "GetErrorMessage(negative): vt %u",
       V_VT(&result));
    BSTR negative = V_VT(&result) == VT_BSTR ? V_BSTR(&result) : NULL;
    V_VT(&args[0]) = VT_R8;
    V_R8(&args[0]) = 2150859002.0;
    VariantInit(&result);
    ok_hr(S_OK, call(wsman, L"GetErrorMessage", DISPATCH_METHOD, args, 1, &result, NULL));
    ok(V_VT(&result) == VT_BSTR && negative && !wcscmp(V_BSTR(&result), negative),
       "GetErrorMessage: the negative and the unsigned form differ");
    VariantClear(&result);
    SysFreeString(negative);
    /* Too few arguments, and a string that is no number. */
    ok_hr(DISP_E_BADPARAMCOUNT, call(wsman, L"GetErrorMessage", DISPATCH_METHOD, NULL, 0, &result, NULL));
    V_VT(&args[0]) = VT_BSTR;
    V_BSTR(&args[0]) = SysAllocString(L"abc");
    ok_hr(DISP_E_TYPEMISMATCH, call(wsman, L"GetErrorMessage", DISPATCH_METHOD, args, 1, &result, NULL));
    VariantClear(&args[0]);

    /* A failing member: DISP_E_EXCEPTION with the WinRM code, the source and the text. Credentials without
     * SessionFlagCredUsernamePassword. */
    ok_hr(S_OK, call(wsman, L"CreateConnectionOptions", DISPATCH_METHOD, NULL, 0, &result, NULL));
    ok(V_VT(&result) == VT_DISPATCH && V_DISPATCH(&result), "CreateConnectionOptions: vt %u", V_VT(&result));
    if (V_VT(&result) == VT_DISPATCH)
        options = V_DISPATCH(&result);
    if (options) {
        V_VT(&args[0]) = VT_BSTR;
        V_BSTR(&args[0]) = SysAllocString(L"user");
        ok_hr(S_OK, call(options, L"UserName", DISPATCH_PROPERTYPUT, args, 1, NULL, NULL));
        VariantClear(&args[0]);
        /* Reverse order: options, flags, connection. */
        V_VT(&args[0]) = VT_DISPATCH;
        V_DISPATCH(&args[0]) = options;
        V_VT(&args[1]) = VT_I4;
        V_I4(&args[1]) = 0;
        V_VT(&args[2]) = VT_BSTR;
        V_BSTR(&args[2]) = SysAllocString(L"http://127.0.0.1:1/wsman");
        VariantInit(&result);
        hr = call(wsman, L"CreateSession", DISPATCH_METHOD, args, 3, &result, &ei);
        ok_hr(DISP_E_EXCEPTION, hr);
        ok((ei.scode & 0xFFFF0000) == 0x80330000, "EXCEPINFO scode 0x%08lx", (unsigned long)ei.scode);
        ok(ei.bstrSource && !wcscmp(ei.bstrSource, L"WSMan"), "EXCEPINFO source %s", narrow(ei.bstrSource));
        ok(ei.bstrDescription && wcsstr(ei.bstrDescription, L"WSManFlagCredUsernamePassword"),
           "EXCEPINFO description %s", narrow(ei.bstrDescription));
        clear_excep(&ei);
        SysFreeString(V_BSTR(&args[2]));

        /* The object stays usable after the failure. */
        V_VT(&args[0]) = VT_BSTR;
        V_BSTR(&args[0]) = SysAllocString(L"other");
        ok_hr(S_OK, call(options, L"UserName", DISPATCH_PROPERTYPUT, args, 1, NULL, NULL));
        VariantClear(&args[0]);
        ok_hr(S_OK, call(options, L"UserName", DISPATCH_PROPERTYGET, NULL, 0, &result, NULL));
        ok(V_VT(&result) == VT_BSTR && !wcscmp(V_BSTR(&result), L"other"), "UserName after a failure");
        VariantClear(&result);
        /* Password is write-only: no getter in the type library. */
        ok_hr(DISP_E_MEMBERNOTFOUND,
              call(options, L"Password", DISPATCH_PROPERTYGET, NULL, 0, &result, NULL));
    }

    /* DllCanUnloadNow: busy while objects live, free when all are released. */
    dll_fn can_unload = (dll_fn)(void *)GetProcAddress(dll, "DllCanUnloadNow");
    ok(can_unload != NULL, "DllCanUnloadNow not exported");
    if (can_unload)
        ok_hr(S_FALSE, can_unload());
    if (options)
        IDispatch_Release(options);
    IDispatch_Release(wsman);
    if (can_unload)
        ok_hr(S_OK, can_unload());

    /* The internal object, through its ProgID. */
    CLSID clsid;
    IDispatch *internal = NULL;
    ok_hr(S_OK, CLSIDFromProgID(L"WSMAN.InternalAutomation", &clsid));
    ok_hr(S_OK, CoCreateInstance(&clsid, NULL, CLSCTX_INPROC_SERVER, &IID_IDispatch, (void **)&internal));
    if (internal) {
        ok_hr(S_OK, IDispatch_GetTypeInfo(internal, 0, LOCALE_USER_DEFAULT, &ti));
        if (ti) {
            ok_hr(S_OK, ITypeInfo_GetDocumentation(ti, MEMBERID_NIL, &name, NULL, NULL, NULL));
            ok(name && !wcscmp(name, L"IWSManInternal"), "internal type info %s", narrow(name));
            SysFreeString(name);
            ITypeInfo_Release(ti);
        }
        /* ConfigSDDL fails (no security descriptor editor) with rich error info, though the interface is
         * not dual. Arguments in reverse order: resourceUri, session (the internal object stands in: only
         * non-NULL matters before the failure). */
        V_VT(&args[0]) = VT_BSTR;
        V_BSTR(&args[0]) = SysAllocString(L"winrm/config/service");
        V_VT(&args[1]) = VT_DISPATCH;
        V_DISPATCH(&args[1]) = internal;
        VariantInit(&result);
        hr = call(internal, L"ConfigSDDL", DISPATCH_METHOD, args, 2, &result, &ei);
        ok_hr(DISP_E_EXCEPTION, hr);
        ok(ei.scode == (SCODE)0x80070032, "ConfigSDDL scode 0x%08lx", (unsigned long)ei.scode);
        ok(ei.bstrSource && !wcscmp(ei.bstrSource, L"WSManInternal"), "ConfigSDDL source %s",
           narrow(ei.bstrSource));
        ok(ei.bstrDescription && wcsstr(ei.bstrDescription, L"Session.Get"), "ConfigSDDL description %s",
           narrow(ei.bstrDescription));
        clear_excep(&ei);
        VariantClear(&args[0]);
        IDispatch_Release(internal);
    }

    /* The class factory refuses aggregation and unknown classes. */
    get_class_object_fn gco = (get_class_object_fn)(void *)GetProcAddress(dll, "DllGetClassObject");
    IClassFactory *factory = NULL;
    ok(gco != NULL, "DllGetClassObject not exported");
    if (gco) {
        ok_hr(CLASS_E_CLASSNOTAVAILABLE, gco(&IID_IDispatch, &IID_IClassFactory, (void **)&factory));
        ok_hr(S_OK, gco(&CLSID_WSMan, &IID_IClassFactory, (void **)&factory));
        if (factory) {
            IUnknown *outer = (IUnknown *)factory;
            ok_hr(CLASS_E_NOAGGREGATION,
                  IClassFactory_CreateInstance(factory, outer, &IID_IUnknown, (void **)&unk));
            IClassFactory_Release(factory);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: test_dll.exe <WSMAuto.dll>\n");
        return 2;
    }
    if (!(dll = LoadLibraryA(argv[1]))) {
        fprintf(stderr, "cannot load %s: error %lu\n", argv[1], (unsigned long)GetLastError());
        return 1;
    }
    GetModuleFileNameW(dll, dll_path, ARRAY_SIZE(dll_path));
    CoInitializeEx(NULL, COINIT_APARTMENTTHREADED);
    test_resources();
    test_registration();
    test_objects();
    CoUninitialize();
    return test_summary("test_dll");
}
