/*
 * The entry points of the in-process server, together: DllGetClassObject and DllCanUnloadNow (also the
 * Linux runtime's way in, src/runtime/activation.c) and, in the Windows DLL (src/win/WSMAuto.def exports
 * them), DllMain, DllRegisterServer and DllUnregisterServer. They call into the class factories (main.c),
 * the registration (register.c) and the type information cache (dispatch_win.c), none of which calls back.
 *
 * SPDX-License-Identifier: MIT
 */
#include "private.h"

STDAPI DllGetClassObject(REFCLSID rclsid, REFIID riid, LPVOID *ppv)
{
    IClassFactory *factory;

    if (!ppv)
        return E_POINTER;
    *ppv = NULL;
    if (!rclsid || !riid)
        return E_INVALIDARG;
    if (!(factory = com_class_factory(rclsid)))
        return CLASS_E_CLASSNOTAVAILABLE;
    return IClassFactory_QueryInterface(factory, riid, ppv);
}

STDAPI DllCanUnloadNow(void)
{
    return com_server_in_use() ? S_FALSE : S_OK;
}

#ifdef _WIN32
/* libxml2's threads.h declares it only when compiled with HAVE_WIN32_THREADS, i.e. inside libxml2 itself. */
extern int xmlDllMain(void *instance, unsigned long reason, void *reserved);

/* Thread notifications stay on: the static libxml2 inside (built with LIBXML_STATIC_FOR_DLL) frees a
 * thread's parser state in xmlDllMain when the thread ends. */
BOOL WINAPI DllMain(HINSTANCE instance, DWORD reason, void *reserved)
{
    /* At process exit (reserved != NULL) other DLLs may already be gone: only an explicit unload (FreeLibrary
     * after DllCanUnloadNow) releases the cached type infos. */
    if (reason == DLL_PROCESS_DETACH && !reserved)
        disp_release_type_infos();
    return xmlDllMain(instance, reason, reserved) ? TRUE : FALSE;
}

/* regsvr32: the CLSID, ProgID, TypeLib and Interface keys (register.c says which). */
STDAPI DllRegisterServer(void)
{
    return com_register();
}

STDAPI DllUnregisterServer(void)
{
    return com_unregister();
}
#endif
