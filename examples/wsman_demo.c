/*
 * wsman_demo: the WSMAN.Automation API from C, written exactly as on
 * Windows (COBJMACROS, OLESTR literals). Build it on Linux with
 *     cc wsman_demo.c $(pkg-config --cflags --libs wsmauto)
 *
 * Usage: wsman_demo [connection [user password]]
 *   (default connection: http://localhost:5985/wsman; with a user name the
 *   session uses Basic authentication and runs Enumerate, Get, Invoke and
 *   Put after Identify)
 *
 * SPDX-License-Identifier: MIT
 */
#define COBJMACROS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Prints a failed session call: its code, description and Session.Error. */
static void session_failed(IWSManSession *session, const char *what, HRESULT hr)
{
    BSTR error = NULL;

    IWSManSession_get_Error(session, &error);
    report(what, hr, error);
    SysFreeString(error);
}

/* The text of the first <p:NAME>...</p:NAME> element of an instance, for
 * a one-line summary (a real program would use an XML parser). */
static void print_property(BSTR xml, const char *name)
{
    char open_tag[64];
    size_t n = 0, len = SysStringLen(xml), k;

    snprintf(open_tag, sizeof(open_tag), "<p:%s>", name);
    k = strlen(open_tag);
    for (size_t i = 0; i + k <= len; i++) {
        for (n = 0; n < k && xml[i + n] == (OLECHAR)open_tag[n]; n++)
            ;
        if (n == k) {
            printf(" %s=", name);
            for (i += k; i < len && xml[i] != '<'; i++)
                putchar(xml[i] < 0x80 ? (char)xml[i] : '?');
            return;
        }
    }
}

static void demo_enumerate(IWSManSession *session)
{
    IDispatch *disp = NULL;
    IWSManEnumerator *e = NULL;
    VARIANT uri;
    BSTR filter = ascii_bstr("SELECT Name,State,StartMode FROM Win32_Service WHERE StartMode = 'Auto'");
    BSTR dialect = ascii_bstr("http://schemas.microsoft.com/wbem/wsman/1/WQL");
    VARIANT_BOOL eos = VARIANT_FALSE;
    int count = 0;
    HRESULT hr;

    V_VT(&uri) = VT_BSTR;
    V_BSTR(&uri) = ascii_bstr("wmicimv2/*");
    printf("\nEnumerate wmicimv2/* with WQL: %s\n", "SELECT Name,State,StartMode FROM Win32_Service "
                                                    "WHERE StartMode = 'Auto'");
    hr = IWSManSession_Enumerate(session, uri, filter, dialect, 0, &disp);
    VariantClear(&uri);
    SysFreeString(filter);
    SysFreeString(dialect);
    if (FAILED(hr)) {
        session_failed(session, "Enumerate", hr);
        return;
    }
    IDispatch_QueryInterface(disp, &IID_IWSManEnumerator, (void **)&e);
    while (SUCCEEDED(IWSManEnumerator_get_AtEndOfStream(e, &eos)) && !eos) {
        BSTR item = NULL;
        if (FAILED(hr = IWSManEnumerator_ReadItem(e, &item))) {
            BSTR error = NULL;
            IWSManEnumerator_get_Error(e, &error);
            report("ReadItem", hr, error);
            SysFreeString(error);
            break;
        }
        if (++count <= 5) {
            printf("  item %d:", count);
            print_property(item, "Name");
            print_property(item, "State");
            print_property(item, "StartMode");
            putchar('\n');
        }
        SysFreeString(item);
    }
    printf("  ... %d items in all\n", count);
    IWSManEnumerator_Release(e);
    IDispatch_Release(disp);
}

int main(int argc, char **argv)
{
    IWSManEx3 *wsman = NULL;
    IDispatch *session_disp = NULL, *options_disp = NULL;
    IWSManSession *session = NULL;
    const char *target = argc > 1 ? argv[1] : "http://localhost:5985/wsman";
    BSTR connection, text = NULL, action, input;
    VARIANT uri;
    LONG flags = 0, flag;
    HRESULT hr;
    int failures = 0;

    if (FAILED(hr = CoInitialize(NULL))) {
        fprintf(stderr, "CoInitialize failed: 0x%08X\n", (unsigned)hr);
        return 1;
    }
    hr = CoCreateInstance(&CLSID_WSMan, NULL, CLSCTX_INPROC_SERVER, &IID_IWSManEx3, (void **)&wsman);
    if (FAILED(hr)) {
        fprintf(stderr, "CoCreateInstance(WSMan.Automation) failed: 0x%08X\n", (unsigned)hr);
        return 1;
    }

    /* With a user name: Basic authentication (over plain HTTP only with
     * NoEncryption, which the client configuration must allow). Without
     * one: no authentication, which servers only accept for Identify. */
    if (argc > 3) {
        IWSManConnectionOptions *options = NULL;
        BSTR user = ascii_bstr(argv[2]), password = ascii_bstr(argv[3]);

        IWSManEx3_CreateConnectionOptions(wsman, &options_disp);
        IDispatch_QueryInterface(options_disp, &IID_IWSManConnectionOptions, (void **)&options);
        IWSManConnectionOptions_put_UserName(options, user);
        IWSManConnectionOptions_put_Password(options, password);
        IWSManConnectionOptions_Release(options);
        SysFreeString(user);
        SysFreeString(password);
        IWSManEx3_SessionFlagUseBasic(wsman, &flag);
        flags |= flag;
        IWSManEx3_SessionFlagCredUsernamePassword(wsman, &flag);
        flags |= flag;
        if (strncmp(target, "https:", 6)) {
            IWSManEx3_SessionFlagNoEncryption(wsman, &flag);
            flags |= flag;
        }
    } else {
        IWSManEx3_SessionFlagUseNoAuthentication(wsman, &flag);
        flags |= flag;
    }

    connection = ascii_bstr(target);
    print_bstr("Connecting to: ", connection);
    hr = IWSManEx3_CreateSession(wsman, connection, flags, options_disp, &session_disp);
    SysFreeString(connection);
    if (options_disp)
        IDispatch_Release(options_disp);
    if (FAILED(hr)) {
        IWSManEx3_get_Error(wsman, &text);
        report("CreateSession", hr, text);
        SysFreeString(text);
        IWSManEx3_Release(wsman);
        CoUninitialize();
        return 1;
    }
    IDispatch_QueryInterface(session_disp, &IID_IWSManSession, (void **)&session);

    /* Identify: who is there. */
    if (SUCCEEDED(hr = IWSManSession_Identify(session, 0, &text))) {
        print_bstr("\nIdentify: ", text);
        SysFreeString(text);
    } else {
        session_failed(session, "Identify", hr);
        failures++;
    }
    if (argc <= 3)
        goto out; /* the rest needs credentials */

    demo_enumerate(session);

    /* Get one instance by its key. */
    V_VT(&uri) = VT_BSTR;
    V_BSTR(&uri) = ascii_bstr("wmicimv2/Win32_Service?Name=Spooler");
    if (SUCCEEDED(hr = IWSManSession_Get(session, uri, 0, &text))) {
        print_bstr("\nGet wmicimv2/Win32_Service?Name=Spooler:\n", text);
        SysFreeString(text);
    } else {
        session_failed(session, "Get", hr);
        failures++;
    }

    /* Invoke a method on it. */
    action = ascii_bstr("StartService");
    input =
        ascii_bstr("<p:StartService_INPUT "
                   "xmlns:p=\"http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service\"/>");
    if (SUCCEEDED(hr = IWSManSession_Invoke(session, action, uri, input, 0, &text))) {
        print_bstr("\nInvoke StartService:\n", text);
        SysFreeString(text);
    } else {
        session_failed(session, "Invoke", hr);
        failures++;
    }
    SysFreeString(action);
    SysFreeString(input);
    VariantClear(&uri);

    /* Put: change a configuration value, as `winrm set winrm/config @{MaxTimeoutms="120000"}` does. */
    V_VT(&uri) = VT_BSTR;
    V_BSTR(&uri) = ascii_bstr("winrm/config");
    input = ascii_bstr("<cfg:Config xmlns:cfg=\"http://schemas.microsoft.com/wbem/wsman/1/config\">"
                       "<cfg:MaxTimeoutms>120000</cfg:MaxTimeoutms></cfg:Config>");
    if (SUCCEEDED(hr = IWSManSession_Put(session, uri, input, 0, &text))) {
        print_bstr("\nPut winrm/config MaxTimeoutms=120000:\n", text);
        SysFreeString(text);
    } else {
        session_failed(session, "Put", hr);
        failures++;
    }
    SysFreeString(input);
    VariantClear(&uri);

out:
    IWSManEx3_GetErrorMessage(wsman, 0x803380D9, &text);
    print_bstr("\nGetErrorMessage(0x803380D9) = ", text);
    SysFreeString(text);
    IWSManSession_Release(session);
    IDispatch_Release(session_disp);
    IWSManEx3_Release(wsman);
    CoUninitialize();
    printf("wsman_demo: %s\n", failures ? "finished with failures" : "done");
    return failures ? 1 : 0;
}
