/*
 * Class activation as a Windows program expects it (Linux runtime):
 * CoInitialize/CoInitializeEx/CoUninitialize, CoCreateInstance and
 * CoGetClassObject for the classes this library serves, ProgID lookup,
 * and GetCommandLineW.
 *
 * SPDX-License-Identifier: MIT
 */
#define COBJMACROS
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <objbase.h>

#include "wsmandisp.h"
#include "strconv.h" /* bstr_from_utf8, olestr_equal_ascii_nocase (src/com/strconv.c) */

/* Per-thread apartment: 0 = not initialised. */
static _Thread_local struct {
    unsigned count;
    DWORD model;
} apartment;
/* Threads in the multithreaded apartment make it exist for every thread,
 * as on Windows (the implicit MTA). */
static atomic_long mta_threads;

HRESULT WINAPI CoInitializeEx(LPVOID reserved, DWORD model)
{
    if (reserved)
        return E_INVALIDARG;
    if (model & ~(DWORD)(COINIT_APARTMENTTHREADED | COINIT_DISABLE_OLE1DDE | COINIT_SPEED_OVER_MEMORY))
        return E_INVALIDARG;
    model &= COINIT_APARTMENTTHREADED;
    if (apartment.count) {
        if (apartment.model != model)
            return RPC_E_CHANGED_MODE;
        apartment.count++;
        return S_FALSE;
    }
    apartment.count = 1;
    apartment.model = model;
    if (model == COINIT_MULTITHREADED)
        atomic_fetch_add(&mta_threads, 1);
    return S_OK;
}

HRESULT WINAPI CoInitialize(LPVOID reserved)
{
    return CoInitializeEx(reserved, COINIT_APARTMENTTHREADED);
}

void WINAPI CoUninitialize(void)
{
    if (!apartment.count)
        return;
    if (--apartment.count == 0 && apartment.model == COINIT_MULTITHREADED)
        atomic_fetch_sub(&mta_threads, 1);
}

static int com_initialized(void)
{
    return apartment.count || atomic_load(&mta_threads) > 0;
}

HRESULT WINAPI CoGetClassObject(REFCLSID clsid, DWORD context, LPVOID server_info, REFIID riid, LPVOID *ppv)
{
    HRESULT hr;

    if (!ppv)
        return E_POINTER;
    *ppv = NULL;
    if (!clsid || !riid || server_info)
        return E_INVALIDARG;
    if (!com_initialized())
        return CO_E_NOTINITIALIZED;
    if (!(context & CLSCTX_INPROC_SERVER))
        return REGDB_E_CLASSNOTREG;
    hr = DllGetClassObject(clsid, riid, ppv);
    return hr == CLASS_E_CLASSNOTAVAILABLE ? REGDB_E_CLASSNOTREG : hr;
}

HRESULT WINAPI CoCreateInstance(REFCLSID clsid, IUnknown *outer, DWORD context, REFIID riid, LPVOID *ppv)
{
    IClassFactory *factory;
    HRESULT hr;

    if (!ppv)
        return E_POINTER;
    *ppv = NULL;
    if (!riid)
        return E_INVALIDARG;
    if (FAILED(hr = CoGetClassObject(clsid, context, NULL, &IID_IClassFactory, (void **)&factory)))
        return hr;
    hr = IClassFactory_CreateInstance(factory, outer, riid, ppv);
    IClassFactory_Release(factory);
    return hr;
}

static const struct {
    const char *progid;
    const CLSID *clsid;
} progids[] = {
    {"WSMan.Automation", &CLSID_WSMan},
    {"WSMan.Automation.1", &CLSID_WSMan},
    {"WSMAN.InternalAutomation", &CLSID_WSManInternal},
    {"WSMan.InternalAutomation.1", &CLSID_WSManInternal},
};

HRESULT WINAPI CLSIDFromProgID(LPCOLESTR progid, LPCLSID clsid)
{
    if (!progid || !clsid)
        return E_INVALIDARG;
    for (size_t i = 0; i < sizeof(progids) / sizeof(progids[0]); i++) {
        if (olestr_equal_ascii_nocase(progid, progids[i].progid)) {
            *clsid = *progids[i].clsid;
            return S_OK;
        }
    }
    memset(clsid, 0, sizeof(*clsid));
    return CO_E_CLASSSTRING;
}

HRESULT WINAPI ProgIDFromCLSID(REFCLSID clsid, LPOLESTR *progid)
{
    /* The registry's HKCR\CLSID\{...}\ProgID holds the versioned name. */
    const char *name = NULL;
    size_t len;

    if (!progid)
        return E_INVALIDARG;
    *progid = NULL;
    if (!clsid)
        return E_INVALIDARG;
    if (IsEqualCLSID(clsid, &CLSID_WSMan))
        name = "WSMan.Automation.1";
    else if (IsEqualCLSID(clsid, &CLSID_WSManInternal))
        name = "WSMan.InternalAutomation.1";
    else
        return REGDB_E_CLASSNOTREG;
    len = strlen(name);
    if (!(*progid = CoTaskMemAlloc((len + 1) * sizeof(OLECHAR))))
        return E_OUTOFMEMORY;
    for (size_t i = 0; i <= len; i++)
        (*progid)[i] = (OLECHAR)name[i];
    return S_OK;
}

/* ---- GetCommandLineW: /proc/self/cmdline, quoted as Windows does ---- */

static BSTR command_line;

/* Appends arg quoted so that CommandLineToArgvW gives it back unchanged. */
static void append_quoted(FILE *out, const char *arg)
{
    size_t slashes = 0;

    if (*arg && !strpbrk(arg, " \t\n\v\"")) {
        fputs(arg, out);
        return;
    }
    fputc('"', out);
    for (const char *p = arg;; p++) {
        if (*p == '\\') {
            slashes++;
            continue;
        }
        /* Backslashes before a quote (or the closing quote) are doubled. */
        for (size_t i = 0; i < (*p == '"' || !*p ? slashes * 2 : slashes); i++)
            fputc('\\', out);
        slashes = 0;
        if (!*p)
            break;
        if (*p == '"')
            fputc('\\', out);
        fputc(*p, out);
    }
    fputc('"', out);
}

static BSTR build_command_line(void)
{
    BSTR line;
    char *raw = NULL, *joined = NULL;
    size_t raw_len = 0, joined_len = 0;
    FILE *in = fopen("/proc/self/cmdline", "rb");
    FILE *out;

    if (in) {
        FILE *mem = open_memstream(&raw, &raw_len);
        char buf[4096];
        size_t n;
        while (mem && (n = fread(buf, 1, sizeof(buf), in)) > 0)
            fwrite(buf, 1, n, mem);
        if (mem)
            fclose(mem);
        fclose(in);
    }
    if ((out = open_memstream(&joined, &joined_len))) {
        for (size_t i = 0; raw && i < raw_len; i += strlen(raw + i) + 1) {
            if (i)
                fputc(' ', out);
            append_quoted(out, raw + i);
        }
        fclose(out);
    }
    /* A stream that could not be made (out of memory) must not pass for an empty command line. */
    line = (raw || !in) && joined ? bstr_from_utf8(joined) : NULL;
    free(raw);
    free(joined);
    return line;
}

/* Built once; a build that ran out of memory gives NULL and the next call tries again. */
LPWSTR WINAPI GetCommandLineW(void)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    BSTR line;

    pthread_mutex_lock(&lock);
    if (!command_line)
        command_line = build_command_line();
    line = command_line;
    pthread_mutex_unlock(&lock);
    return line;
}
