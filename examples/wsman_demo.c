/*
 * wsman_demo: the WSMAN.Automation API from C, written exactly as on
 * Windows (COBJMACROS, OLESTR literals). Build it on Linux with
 *     cc wsman_demo.c $(pkg-config --cflags --libs wsmauto)
 *
 * Usage: wsman_demo [connection]   (default: http://localhost:5985/wsman)
 *
 * SPDX-License-Identifier: MIT
 */
#define COBJMACROS
#include <stdio.h>
#include <stdlib.h>

#include <windows.h>
#include <objbase.h>
#include <oleauto.h>

#include <wsmandisp.h>

/* Prints a BSTR; this demo only needs ASCII. */
static void print_bstr(const char *label, BSTR s)
{
    printf("%s", label);
    for (UINT i = 0; s && i < SysStringLen(s); i++)
        putchar(s[i] < 0x80 ? (char)s[i] : '?');
    putchar('\n');
}

static BSTR ascii_bstr(const char *s)
{
    size_t n = 0;
    BSTR b;

    while (s[n])
        n++;
    if (!(b = SysAllocStringLen(NULL, (UINT)n)))
        return NULL;
    for (size_t i = 0; i < n; i++)
        b[i] = (OLECHAR)(unsigned char)s[i];
    return b;
}

/* Shows what a failed call left behind: the code, Err.Description-style
 * text from the error info, and the object's Error property. */
static void report(const char *what, HRESULT hr, BSTR error_xml)
{
    IErrorInfo *info;
    BSTR text = NULL;

    printf("%s failed: 0x%08X\n", what, (unsigned)hr);
    if (GetErrorInfo(0, &info) == S_OK) {
        IErrorInfo_GetDescription(info, &text);
        print_bstr("  Description: ", text);
        SysFreeString(text);
        IErrorInfo_Release(info);
    }
    if (error_xml)
        print_bstr("  Error: ", error_xml);
}

int main(int argc, char **argv)
{
    IWSManEx3 *wsman = NULL;
    IDispatch *session_disp = NULL, *locator_disp = NULL;
    IWSManSession *session = NULL;
    IWSManResourceLocator *locator = NULL;
    BSTR connection, text = NULL;
    LONG flags = 0;
    HRESULT hr;

    if (FAILED(hr = CoInitialize(NULL))) {
        fprintf(stderr, "CoInitialize failed: 0x%08X\n", (unsigned)hr);
        return 1;
    }
    hr = CoCreateInstance(&CLSID_WSMan, NULL, CLSCTX_INPROC_SERVER, &IID_IWSManEx3, (void **)&wsman);
    if (FAILED(hr)) {
        fprintf(stderr, "CoCreateInstance(WSMan.Automation) failed: 0x%08X\n", (unsigned)hr);
        return 1;
    }

    IWSManEx3_SessionFlagUseNoAuthentication(wsman, &flags);
    printf("SessionFlagUseNoAuthentication = 0x%08X\n", (unsigned)flags);

    connection = ascii_bstr(argc > 1 ? argv[1] : "http://localhost:5985/wsman");
    print_bstr("Connecting to: ", connection);
    hr = IWSManEx3_CreateSession(wsman, connection, flags, NULL, &session_disp);
    SysFreeString(connection);
    if (FAILED(hr)) {
        IWSManEx3_get_Error(wsman, &text);
        report("CreateSession", hr, text);
        SysFreeString(text);
        IWSManEx3_Release(wsman);
        CoUninitialize();
        return 1;
    }
    IDispatch_QueryInterface(session_disp, &IID_IWSManSession, (void **)&session);
    IWSManSession_get_BatchItems(session, &flags);
    printf("Session.BatchItems = %d\n", (int)flags);

    hr = IWSManSession_Identify(session, 0, &text);
    if (SUCCEEDED(hr)) {
        print_bstr("Identify: ", text);
        SysFreeString(text);
    } else {
        BSTR error = NULL;
        IWSManSession_get_Error(session, &error);
        report("Identify", hr, error);
        SysFreeString(error);
    }

    IWSManEx3_CreateResourceLocator(wsman, OLESTR("wmicimv2/Win32_Service?Name=winrm"), &locator_disp);
    IDispatch_QueryInterface(locator_disp, &IID_IWSManResourceLocator, (void **)&locator);
    IWSManResourceLocator_get_ResourceURI(locator, &text);
    print_bstr("ResourceLocator.ResourceURI = ", text);
    SysFreeString(text);

    IWSManEx3_GetErrorMessage(wsman, 0x803380D9, &text);
    print_bstr("GetErrorMessage(0x803380D9) = ", text);
    SysFreeString(text);

    IWSManResourceLocator_Release(locator);
    IDispatch_Release(locator_disp);
    IWSManSession_Release(session);
    IDispatch_Release(session_disp);
    IWSManEx3_Release(wsman);
    CoUninitialize();
    printf("wsman_demo: done\n");
    return 0;
}
