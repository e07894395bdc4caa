/*
 * The Windows DLL's self-registration (regsvr32), for DllRegisterServer and DllUnregisterServer (dllmain.c).
 *
 * Registration writes, under HKEY_CLASSES_ROOT:
 *   CLSID\{WSMan}          "WSMan Class"; InprocServer32 = this DLL, ThreadingModel Both; ProgID
 *                          WSMan.Automation.1; VersionIndependentProgID WSMan.Automation; TypeLib;
 * Version 1.0 CLSID\{WSManInternal}  the same for WSMan.InternalAutomation(.1) WSMan.Automation,
 * WSMan.Automation.1, WSMan.InternalAutomation, WSMan.InternalAutomation.1 (ProgID lookup is
 *                          case-insensitive, so WSMAN.Automation and WSMAN.InternalAutomation find them)
 * and RegisterTypeLib adds TypeLib\{LIBID}\1.0 (the path under 0\win64 for the 64-bit DLL, 0\win32 for the
 * 32-bit one) and the Interface\{IID} keys of every oleautomation interface (ProxyStubClsid32 = the type
 * library marshaler). Unregistration removes exactly these, and leaves alone a ProgID or CLSID key that
 * another server has taken over since.
 *
 * Both DLLs on 64-bit Windows: the 64-bit one in System32 and the 32-bit one in SysWOW64, each registered by
 * the regsvr32 of its own architecture. A 32-bit process's HKCR\CLSID is the registry's 32-bit view
 * (HKCR\WOW6432Node\CLSID), so each DLL has its own CLSID keys. The ProgID and TypeLib keys are shared by
 * both views (Windows 7 and later, and Wine), and the typelib marshaler's Interface keys are written to both
 * views. Registration therefore records the path of the file itself (a 32-bit DLL loaded through the
 * redirected System32 is recorded in SysWOW64, where a 64-bit reader of TypeLib\...\win32 finds it), and
 * unregistering one architecture leaves what the other still uses: the ProgIDs while the other view has
 * the CLSID, and the type library and Interface keys while TypeLib\{LIBID}\1.0\0 has the other's path.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include "private.h"

#include <olectl.h> /* SELFREG_E_* */

#ifdef _WIN64
#define OWN_SYSKIND SYS_WIN64
#define OWN_TYPELIB_SUBKEY L"win64"
#define OTHER_TYPELIB_SUBKEY L"win32"
#define OTHER_VIEW KEY_WOW64_32KEY
#else
#define OWN_SYSKIND SYS_WIN32
#define OWN_TYPELIB_SUBKEY L"win32"
#define OTHER_TYPELIB_SUBKEY L"win64"
#define OTHER_VIEW KEY_WOW64_64KEY /* ignored on 32-bit Windows: there the question is about the one view */
#endif

/* The module this code is in, found by an address inside it (no DllMain state needed). */
HRESULT com_module_path(WCHAR *path, DWORD chars)
{
    HMODULE module = NULL;
    DWORD len;

    if (!GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS |
                                GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                            (LPCWSTR)(void *)com_module_path, &module))
        return HRESULT_FROM_WIN32(GetLastError());
    len = GetModuleFileNameW(module, path, chars);
    if (!len || len >= chars)
        return HRESULT_FROM_WIN32(len ? ERROR_FILENAME_EXCED_RANGE : GetLastError());
    return S_OK;
}

struct progid {
    const WCHAR *name;        /* version-independent ProgID */
    const WCHAR *versioned;   /* ProgID.1 */
    const WCHAR *description; /* default value of the CLSID and ProgID keys */
    const CLSID *clsid;
};

static const struct progid servers[] = {
    {L"WSMan.Automation", L"WSMan.Automation.1", L"WSMan Class", &CLSID_WSMan},
    {L"WSMan.InternalAutomation", L"WSMan.InternalAutomation.1", L"WSManInternal Class",
     &CLSID_WSManInternal},
};

static void guid_string(const GUID *guid, WCHAR out[39])
{
    StringFromGUID2(guid, out, 39);
}

/* Creates HKCR\path and sets its value `name` (NULL: the default value) to the string `value`. */
static HRESULT set_string(const WCHAR *path, const WCHAR *name, const WCHAR *value)
{
    HKEY key;
    LONG err = RegCreateKeyExW(HKEY_CLASSES_ROOT, path, 0, NULL, 0, KEY_SET_VALUE, NULL, &key, NULL);

    if (err != ERROR_SUCCESS)
        return HRESULT_FROM_WIN32(err);
    err = RegSetValueExW(key, name, 0, REG_SZ, (const BYTE *)value,
                         (DWORD)((wcslen(value) + 1) * sizeof(WCHAR)));
    RegCloseKey(key);
    return err == ERROR_SUCCESS ? S_OK : HRESULT_FROM_WIN32(err);
}

/* HKCR\path's default value (or value `name`) as a string, or "" when absent. */
static void get_string(const WCHAR *path, const WCHAR *name, WCHAR *out, DWORD chars)
{
    DWORD size = chars * sizeof(WCHAR), type;
    HKEY key;

    out[0] = 0;
    if (RegOpenKeyExW(HKEY_CLASSES_ROOT, path, 0, KEY_QUERY_VALUE, &key) != ERROR_SUCCESS)
        return;
    if (RegQueryValueExW(key, name, NULL, &type, (BYTE *)out, &size) != ERROR_SUCCESS || type != REG_SZ ||
        size < sizeof(WCHAR))
        out[0] = 0;
    else
        out[chars - 1] = 0;
    RegCloseKey(key);
}

/* Whether HKCR\path exists in this process's registry view (other_view FALSE) or in the other one. */
static BOOL key_exists(const WCHAR *path, BOOL other_view)
{
    HKEY key;

    if (RegOpenKeyExW(HKEY_CLASSES_ROOT, path, 0, KEY_READ | (other_view ? OTHER_VIEW : 0), &key) !=
        ERROR_SUCCESS)
        return FALSE;
    RegCloseKey(key);
    return TRUE;
}

/* The path registration records: this DLL's own, except for a 32-bit DLL on 64-bit Windows that was loaded
 * through System32 (which the file system redirects to SysWOW64 for a 32-bit process): that one is recorded
 * in SysWOW64, where the file is, because the TypeLib key is shared and a 64-bit program reading
 * TypeLib\...\win32 would otherwise be sent to the 64-bit DLL. */
static HRESULT registration_path(WCHAR *path, DWORD chars)
{
    HRESULT hr = com_module_path(path, chars);
#ifndef _WIN64
    WCHAR sys[MAX_PATH], wow[MAX_PATH];
    BOOL wow64 = FALSE;
    size_t len, n, m;

    if (FAILED(hr) || !IsWow64Process(GetCurrentProcess(), &wow64) || !wow64)
        return hr;
    n = GetSystemDirectoryW(sys, ARRAY_SIZE(sys));
    m = GetSystemWow64DirectoryW(wow, ARRAY_SIZE(wow));
    len = wcslen(path);
    if (!n || n >= ARRAY_SIZE(sys) || !m || m >= ARRAY_SIZE(wow) || len <= n || path[n] != L'\\' ||
        _wcsnicmp(path, sys, n) || len - n + m >= chars)
        return hr;
    memmove(path + m, path + n, (len - n + 1) * sizeof(WCHAR));
    memcpy(path, wow, m * sizeof(WCHAR));
#endif
    return hr;
}

static HRESULT register_server(const struct progid *p, const WCHAR *module, const WCHAR *libid)
{
    WCHAR clsid[39], path[128];
    HRESULT hr;

    guid_string(p->clsid, clsid);
    swprintf(path, ARRAY_SIZE(path), L"CLSID\\%ls", clsid);
    if (FAILED(hr = set_string(path, NULL, p->description)))
        return hr;
    swprintf(path, ARRAY_SIZE(path), L"CLSID\\%ls\\InprocServer32", clsid);
    if (FAILED(hr = set_string(path, NULL, module)) ||
        FAILED(hr = set_string(path, L"ThreadingModel", L"Both")))
        return hr;
    swprintf(path, ARRAY_SIZE(path), L"CLSID\\%ls\\ProgID", clsid);
    if (FAILED(hr = set_string(path, NULL, p->versioned)))
        return hr;
    swprintf(path, ARRAY_SIZE(path), L"CLSID\\%ls\\VersionIndependentProgID", clsid);
    if (FAILED(hr = set_string(path, NULL, p->name)))
        return hr;
    swprintf(path, ARRAY_SIZE(path), L"CLSID\\%ls\\TypeLib", clsid);
    if (FAILED(hr = set_string(path, NULL, libid)))
        return hr;
    swprintf(path, ARRAY_SIZE(path), L"CLSID\\%ls\\Version", clsid);
    if (FAILED(hr = set_string(path, NULL, L"1.0")))
        return hr;

    if (FAILED(hr = set_string(p->name, NULL, p->description)))
        return hr;
    swprintf(path, ARRAY_SIZE(path), L"%ls\\CLSID", p->name);
    if (FAILED(hr = set_string(path, NULL, clsid)))
        return hr;
    swprintf(path, ARRAY_SIZE(path), L"%ls\\CurVer", p->name);
    if (FAILED(hr = set_string(path, NULL, p->versioned)))
        return hr;
    if (FAILED(hr = set_string(p->versioned, NULL, p->description)))
        return hr;
    swprintf(path, ARRAY_SIZE(path), L"%ls\\CLSID", p->versioned);
    return set_string(path, NULL, clsid);
}

/* Deletes HKCR\key_path when its CLSID-ish value `check_path` (default value) names clsid, so that a key
 * another server owns now is left alone. check_path NULL: key_path itself is a CLSID key of ours. */
static void delete_if_ours(const WCHAR *key_path, const WCHAR *check_path, const WCHAR *clsid)
{
    WCHAR value[64];

    if (check_path) {
        get_string(check_path, NULL, value, ARRAY_SIZE(value));
        if (_wcsicmp(value, clsid))
            return;
    }
    RegDeleteTreeW(HKEY_CLASSES_ROOT, key_path);
}

static void unregister_server(const struct progid *p)
{
    WCHAR clsid[39], path[128];

    guid_string(p->clsid, clsid);
    swprintf(path, ARRAY_SIZE(path), L"CLSID\\%ls", clsid);
    delete_if_ours(path, NULL, clsid);
    /* The ProgIDs are shared by both registry views: they stay while the other architecture's DLL is
     * registered under the same CLSID. */
    swprintf(path, ARRAY_SIZE(path), L"CLSID\\%ls\\InprocServer32", clsid);
    if (key_exists(path, TRUE))
        return;
    swprintf(path, ARRAY_SIZE(path), L"%ls\\CLSID", p->name);
    delete_if_ours(p->name, path, clsid);
    swprintf(path, ARRAY_SIZE(path), L"%ls\\CLSID", p->versioned);
    delete_if_ours(p->versioned, path, clsid);
}

HRESULT com_register(void)
{
    WCHAR module[MAX_PATH], libid[39];
    ITypeLib *lib;
    HRESULT hr;

    if (FAILED(hr = registration_path(module, ARRAY_SIZE(module))))
        return hr;
    /* TypeLib\{LIBID}\1.0\0\win64 (or win32) = this DLL, plus the Interface keys. RegisterTypeLib with the
     * path as GetModuleFileName gives it (Wine's REGKIND_REGISTER would record a \\?\ form). */
    if (FAILED(hr = LoadTypeLibEx(module, REGKIND_NONE, &lib)))
        return hr;
    hr = RegisterTypeLib(lib, module, NULL);
    ITypeLib_Release(lib);
    if (FAILED(hr))
        return SELFREG_E_TYPELIB;
    guid_string(&LIBID_WSManAutomation, libid);
    for (size_t i = 0; i < ARRAY_SIZE(servers); i++) {
        if (FAILED(hr = register_server(&servers[i], module, libid))) {
            /* All or nothing: a half-registered server would fail later with a confusing error. */
            com_unregister();
            return SELFREG_E_CLASS;
        }
    }
    return S_OK;
}

HRESULT com_unregister(void)
{
    WCHAR libid[39], path[80];
    HRESULT hr;

    for (size_t i = 0; i < ARRAY_SIZE(servers); i++)
        unregister_server(&servers[i]);
    /* Nothing registered is not an error for regsvr32 /u (UnRegisterTypeLib would say E_INVALIDARG). */
    guid_string(&LIBID_WSManAutomation, libid);
    swprintf(path, ARRAY_SIZE(path), L"TypeLib\\%ls\\1.0\\0\\" OTHER_TYPELIB_SUBKEY, libid);
    if (key_exists(path, FALSE) || key_exists(path, TRUE)) {
        /* The other architecture's DLL still uses the type library: UnRegisterTypeLib would remove the
         * Interface keys of both views, so only this DLL's path goes. */
        swprintf(path, ARRAY_SIZE(path), L"TypeLib\\%ls\\1.0\\0\\" OWN_TYPELIB_SUBKEY, libid);
        if (!key_exists(path, FALSE))
            return S_OK;
        return RegDeleteTreeW(HKEY_CLASSES_ROOT, path) == ERROR_SUCCESS ? S_OK : SELFREG_E_TYPELIB;
    }
    swprintf(path, ARRAY_SIZE(path), L"TypeLib\\%ls\\1.0\\0\\" OWN_TYPELIB_SUBKEY, libid);
    if (!key_exists(path, FALSE))
        return S_OK;
    hr = UnRegisterTypeLib(&LIBID_WSManAutomation, 1, 0, LOCALE_NEUTRAL, OWN_SYSKIND);
    return SUCCEEDED(hr) ? S_OK : SELFREG_E_TYPELIB;
}
