/*
 * The Windows DLL's entry point and self-registration (regsvr32):
 * DllMain, DllRegisterServer and DllUnregisterServer.
 *
 * Registration writes, under HKEY_CLASSES_ROOT:
 *   CLSID\{WSMan}          "WSMan Class"; InprocServer32 = this DLL, ThreadingModel Both; ProgID
 *                          WSMan.Automation.1; VersionIndependentProgID WSMan.Automation; TypeLib; Version 1.0
 *   CLSID\{WSManInternal}  the same for WSMan.InternalAutomation(.1)
 *   WSMan.Automation, WSMan.Automation.1, WSMan.InternalAutomation, WSMan.InternalAutomation.1 (ProgID lookup is
 *                          case-insensitive, so WSMAN.Automation and WSMAN.InternalAutomation find them)
 * and RegisterTypeLib adds TypeLib\{LIBID}\1.0 and the Interface\{IID} keys of every oleautomation interface
 * (ProxyStubClsid32 = the type library marshaler). Unregistration removes exactly these, and leaves alone
 * a ProgID or CLSID key that another server has taken over since.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include "private.h"

#include <olectl.h> /* SELFREG_E_* */

/* libxml2's threads.h declares it only when compiled with HAVE_WIN32_THREADS, i.e. inside libxml2 itself. */
extern int xmlDllMain(void *instance, unsigned long reason, void *reserved);

static HINSTANCE module_instance;

HRESULT com_module_path(WCHAR *path, DWORD chars)
{
    DWORD len = GetModuleFileNameW(module_instance, path, chars);

    if (!len || len >= chars)
        return HRESULT_FROM_WIN32(len ? ERROR_FILENAME_EXCED_RANGE : GetLastError());
    return S_OK;
}

/* Thread notifications stay on: the static libxml2 inside (built with LIBXML_STATIC_FOR_DLL) frees a
 * thread's parser state in xmlDllMain when the thread ends. */
BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, void *reserved)
{
    switch (reason) {
    case DLL_PROCESS_ATTACH:
        module_instance = instance;
        break;
    case DLL_PROCESS_DETACH:
        /* At process exit (reserved != NULL) other DLLs may already be gone: only an explicit unload
         * (FreeLibrary after DllCanUnloadNow) releases the cached type infos. */
        if (!reserved)
            disp_release_type_infos();
        break;
    }
    return xmlDllMain(instance, reason, reserved) ? TRUE : FALSE;
}

struct progid {
    const WCHAR *name;        /* version-independent ProgID */
    const WCHAR *versioned;   /* ProgID.1 */
    const WCHAR *description; /* default value of the CLSID and ProgID keys */
    const CLSID *clsid;
};

static const struct progid servers[] = {
    {L"WSMan.Automation", L"WSMan.Automation.1", L"WSMan Class", &CLSID_WSMan},
    {L"WSMan.InternalAutomation", L"WSMan.InternalAutomation.1", L"WSManInternal Class", &CLSID_WSManInternal},
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
    err = RegSetValueExW(key, name, 0, REG_SZ, (const BYTE *)value, (DWORD)((wcslen(value) + 1) * sizeof(WCHAR)));
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

static HRESULT register_server(const struct progid *p, const WCHAR *module, const WCHAR *libid)
{
    WCHAR clsid[39], path[128];
    HRESULT hr;

    guid_string(p->clsid, clsid);
    swprintf(path, ARRAY_SIZE(path), L"CLSID\\%ls", clsid);
    if (FAILED(hr = set_string(path, NULL, p->description)))
        return hr;
    swprintf(path, ARRAY_SIZE(path), L"CLSID\\%ls\\InprocServer32", clsid);
    if (FAILED(hr = set_string(path, NULL, module)) || FAILED(hr = set_string(path, L"ThreadingModel", L"Both")))
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
    swprintf(path, ARRAY_SIZE(path), L"%ls\\CLSID", p->name);
    delete_if_ours(p->name, path, clsid);
    swprintf(path, ARRAY_SIZE(path), L"%ls\\CLSID", p->versioned);
    delete_if_ours(p->versioned, path, clsid);
    swprintf(path, ARRAY_SIZE(path), L"CLSID\\%ls", clsid);
    delete_if_ours(path, NULL, clsid);
}

STDAPI DllUnregisterServer(void);

STDAPI DllRegisterServer(void)
{
    WCHAR module[MAX_PATH], libid[39];
    ITypeLib *lib;
    HRESULT hr;

    if (FAILED(hr = com_module_path(module, ARRAY_SIZE(module))))
        return hr;
    /* TypeLib\{LIBID}\1.0\0\win64 = this DLL, plus the Interface keys. RegisterTypeLib with the path as
     * GetModuleFileName gives it (Wine's REGKIND_REGISTER would record a \\?\ form). */
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
            DllUnregisterServer();
            return SELFREG_E_CLASS;
        }
    }
    return S_OK;
}

STDAPI DllUnregisterServer(void)
{
    WCHAR libid[39], path[64];
    HRESULT hr = S_OK;
    HKEY key;

    for (size_t i = 0; i < ARRAY_SIZE(servers); i++)
        unregister_server(&servers[i]);
    /* Nothing registered is not an error for regsvr32 /u (UnRegisterTypeLib would say E_INVALIDARG). */
    guid_string(&LIBID_WSManAutomation, libid);
    swprintf(path, ARRAY_SIZE(path), L"TypeLib\\%ls\\1.0", libid);
    if (RegOpenKeyExW(HKEY_CLASSES_ROOT, path, 0, KEY_READ, &key) != ERROR_SUCCESS)
        return S_OK;
    RegCloseKey(key);
#ifdef _WIN64
    hr = UnRegisterTypeLib(&LIBID_WSManAutomation, 1, 0, LOCALE_NEUTRAL, SYS_WIN64);
#else
    hr = UnRegisterTypeLib(&LIBID_WSManAutomation, 1, 0, LOCALE_NEUTRAL, SYS_WIN32);
#endif
    return SUCCEEDED(hr) ? S_OK : SELFREG_E_TYPELIB;
}
