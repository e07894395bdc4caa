/*
 * Every Session operation end to end: the public COM API (vtables and
 * IDispatch) of the shared library talking HTTP(S) over loopback to the
 * bundled WS-Management server (tests/server), which runs as a separate
 * process. Covers Identify, Get, Put, Create, Delete, Invoke, Enumerate
 * with every filter dialect and flag, fragments, options, UTF-16, the
 * transport error mappings (canned misbehaviour of the server), the
 * Basic-over-HTTP refusal, keep-alive, TLS checks and client
 * certificates.
 *
 * Usage: test_session [large [BATCH]]   ("large": only the 100k-item enumerations, all three batch sizes or
 *                                      the one given: 32000, 20 or 1)
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

#include "wsmandisp.h"
#include "wsmerror.h"
#include "wsmauto_enum.h"

#include "buf.h"
#include "textlayout.h"
#include "xmlsafe.h"

#include "comutil.h"
#include "serverctl.h"
#include "test.h"

#define WMI "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/"
#define MISBEHAVE "http://wsmauto.test/misbehave/"
#define ECHO_URI "http://wsmauto.test/echo"

static IWSManEx3 *wsman;
static char tmpdir[256];

/* Each session reads the client configuration at its first operation;
 * this selects the file that session will see. */
static void use_config(const char *text)
{
    char path[300];
    static int n;

    snprintf(path, sizeof(path), "%s/client%d.conf", tmpdir, n++);
    write_file(path, text);
    setenv("WSMAUTO_CLIENT_CONFIG", path, 1);
}

#define PLAIN_CONFIG "[Client]\nAllowUnencrypted = true\nNetworkDelayms = 500\n"

/* ---- sessions ---- */

static IWSManSession *open_session(const char *url, LONG flags, const char *user, const char *password,
                                   const char *thumbprint)
{
    IWSManSession *session = NULL;
    HRESULT hr = create_session(wsman, url, flags, user, password, thumbprint, &session);

    ok(hr == S_OK, "CreateSession(%s, 0x%x): 0x%08x", url, (unsigned)flags, (unsigned)hr);
    return session;
}

#define BASIC (WSManFlagUseBasic | WSManFlagCredUsernamePassword | WSManFlagNoEncryption)

static IWSManSession *basic_session(const struct test_server *srv)
{
    return open_session(srv->url, BASIC, "wsmuser", "wsmpass", NULL);
}

#define ok_get(s, uri, needle) check_get(__LINE__, s, uri, needle)
static void check_get(int line, IWSManSession *s, const char *uri, const char *needle)
{
    HRESULT hr;
    char *r = session_get(s, uri, &hr);

    test_check(hr == S_OK && contains(r, needle), __FILE__, line, "Get(%s): hr 0x%08x, result %s", uri,
               (unsigned)hr, r ? r : "(none)");
    free(r);
}

/* Get that must fail with `expected`; also checks the Error property
 * holds a WSManFault naming the code and that no secret leaked. */
#define ok_get_fails(s, uri, expected, text) check_get_fails(__LINE__, s, uri, expected, text)
static void check_get_fails(int line, IWSManSession *s, const char *uri, HRESULT expected, const char *text)
{
    HRESULT hr;
    char *r = session_get(s, uri, &hr), *err, *desc, code[32];

    test_check(hr == expected, __FILE__, line, "Get(%s): expected 0x%08x, got 0x%08x", uri,
               (unsigned)expected, (unsigned)hr);
    err = session_error(s);
    desc = error_description();
    snprintf(code, sizeof(code), "Code=\"%u\"", (unsigned)hr);
    test_check(contains(err, "WSManFault") && contains(err, code), __FILE__, line, "Error property: %s",
               err ? err : "(null)");
    test_check(!text || contains(desc, text) || contains(err, text), __FILE__, line,
               "error text lacks \"%s\": %s", text ? text : "", desc ? desc : "(null)");
    test_check(!contains(err, "wsmpass") && !contains(desc, "wsmpass") && !contains(err, "Authorization"),
               __FILE__, line, "a secret leaked into the error");
    free(r);
    free(err);
    free(desc);
}

/* ---- IDispatch ---- */

static HRESULT call(IDispatch *disp, const char *name, WORD flags, VARIANT *args, UINT n, VARIANT *result,
                    SCODE *scode)
{
    BSTR bname = bstr(name);
    DISPID id, put = DISPID_PROPERTYPUT;
    DISPPARAMS params = {args, NULL, n, 0};
    EXCEPINFO excep;
    UINT arg_err = 0;
    HRESULT hr = IDispatch_GetIDsOfNames(disp, &IID_NULL, &bname, 1, LOCALE_USER_DEFAULT, &id);

    SysFreeString(bname);
    memset(&excep, 0, sizeof(excep));
    if (result)
        VariantInit(result);
    if (FAILED(hr))
        return hr;
    if (flags & DISPATCH_PROPERTYPUT) {
        params.rgdispidNamedArgs = &put;
        params.cNamedArgs = 1;
    }
    hr = IDispatch_Invoke(disp, id, &IID_NULL, LOCALE_USER_DEFAULT, flags, &params, result, &excep, &arg_err);
    if (scode)
        *scode = excep.scode;
    SysFreeString(excep.bstrSource);
    SysFreeString(excep.bstrDescription);
    SysFreeString(excep.bstrHelpFile);
    return hr;
}

/* ---- enumeration helper ---- */

struct enum_result {
    HRESULT hr; /* of Enumerate */
    int items;
    int matching; /* items containing `needle` */
    HRESULT read_hr;
    char *first;
};

static struct enum_result enumerate(IWSManSession *s, const char *uri, const char *filter,
                                    const char *dialect, LONG flags, const char *needle)
{
    struct enum_result r = {0};
    VARIANT v = vstr(uri);
    BSTR f = filter ? bstr(filter) : NULL, d = dialect ? bstr(dialect) : NULL;
    IDispatch *disp = NULL;
    IWSManEnumerator *e;

    r.hr = IWSManSession_Enumerate(s, v, f, d, flags, &disp);
    VariantClear(&v);
    SysFreeString(f);
    SysFreeString(d);
    if (r.hr != S_OK)
        return r;
    IDispatch_QueryInterface(disp, &IID_IWSManEnumerator, (void **)&e);
    IDispatch_Release(disp);
    for (;;) {
        VARIANT_BOOL eos = VARIANT_TRUE;
        BSTR item = NULL;
        char *text;

        IWSManEnumerator_get_AtEndOfStream(e, &eos);
        if (eos)
            break;
        if ((r.read_hr = IWSManEnumerator_ReadItem(e, &item)) != S_OK)
            break;
        text = utf8(item);
        SysFreeString(item);
        r.items++;
        if (!needle || contains(text, needle))
            r.matching++;
        if (!r.first)
            r.first = text;
        else
            free(text);
    }
    IWSManEnumerator_Release(e);
    return r;
}

/* ---- the tests ---- */

static void test_identify(const struct test_server *srv)
{
    IWSManSession *s;
    BSTR out = NULL;
    char *text;

    s = open_session(srv->url, WSManFlagUseNoAuthentication, NULL, NULL, NULL);
    ok_hr(S_OK, IWSManSession_Identify(s, 0, &out));
    text = utf8(out);
    ok(contains(text, "IdentifyResponse") && contains(text, "OS: 0.0.0") && !contains(text, "Envelope"),
       "unauthenticated Identify returns the IdentifyResponse element: %s", text);
    free(text);
    SysFreeString(out);
    IWSManSession_Release(s);

    s = basic_session(srv);
    ok_hr(S_OK, IWSManSession_Identify(s, 0, &out));
    text = utf8(out);
    ok(contains(text, "ProtocolVersion") && contains(text, "OS: 10.0.20348"), "authenticated Identify: %s",
       text);
    free(text);
    SysFreeString(out);
    /* The flag makes one Identify unauthenticated on an authenticated session. */
    ok_hr(S_OK, IWSManSession_Identify(s, WSManFlagUseNoAuthentication, &out));
    text = utf8(out);
    ok(contains(text, "OS: 0.0.0"), "Identify(UseNoAuthentication): %s", text);
    free(text);
    SysFreeString(out);
    IWSManSession_Release(s);
}

static void test_get_forms(const struct test_server *srv)
{
    IWSManSession *s = basic_session(srv);
    IDispatch *locdisp = NULL;
    IWSManResourceLocator *loc;
    BSTR out = NULL, name;
    VARIANT v, value;
    char *text;

    ok_get(s, WMI "Win32_Service?Name=WinRM", "<p:Name>WinRM</p:Name>");
    ok_get(s, "wmicimv2/Win32_Service?Name=Spooler", "Spooler");     /* alias */
    ok_get(s, "wmi/root/cimv2/Win32_OperatingSystem", "10.0.20348"); /* singleton, no selectors */

    /* A ResourceLocator with a selector and a fragment. */
    name = bstr(WMI "Win32_Service");
    ok_hr(S_OK, IWSManEx3_CreateResourceLocator(wsman, name, &locdisp));
    SysFreeString(name);
    IDispatch_QueryInterface(locdisp, &IID_IWSManResourceLocator, (void **)&loc);
    name = bstr("Name");
    value = vstr("WinRM");
    ok_hr(S_OK, IWSManResourceLocator_AddSelector(loc, name, value));
    SysFreeString(name);
    VariantClear(&value);
    V_VT(&v) = VT_DISPATCH;
    V_DISPATCH(&v) = locdisp;
    ok_hr(S_OK, IWSManSession_Get(s, v, 0, &out));
    text = utf8(out);
    ok(contains(text, "<p:StartMode>"), "Get through a ResourceLocator: %s", text);
    free(text);
    SysFreeString(out);
    name = bstr("StartMode");
    ok_hr(S_OK, IWSManResourceLocator_put_FragmentPath(loc, name));
    SysFreeString(name);
    ok_hr(S_OK, IWSManSession_Get(s, v, 0, &out));
    text = utf8(out);
    ok(contains(text, "XmlFragment") && contains(text, "Auto") && !contains(text, "<p:Name>"),
       "fragment Get returns just the fragment: %s", text);
    free(text);
    SysFreeString(out);
    IWSManResourceLocator_Release(loc);
    IDispatch_Release(locdisp);

    /* A fault from the server: Err.Number is its code, Error its WSManFault. */
    ok_get_fails(s, WMI "Win32_Service?Name=NoSuchService", ERROR_WSMAN_UNEXPECTED_SELECTORS, NULL);
    ok_get_fails(s, WMI "No_Such_Class", ERROR_WSMAN_RESOURCE_NOT_FOUND, NULL);
    /* ... and the session is still good. */
    ok_get(s, WMI "Win32_Service?Name=WinRM", "WinRM");
    IWSManSession_Release(s);
}

/* What the echo resource says the client sent. */
static char *echo(IWSManSession *s, IDispatch *locator)
{
    VARIANT v;
    BSTR out = NULL;
    char *text;

    if (locator) {
        V_VT(&v) = VT_DISPATCH;
        V_DISPATCH(&v) = locator;
    } else
        v = vstr(ECHO_URI);
    ok_hr(S_OK, IWSManSession_Get(s, v, 0, &out));
    if (!locator)
        VariantClear(&v);
    text = utf8(out);
    SysFreeString(out);
    return text;
}

static void test_headers_and_options(const struct test_server *srv)
{
    IWSManSession *s = basic_session(srv);
    IDispatch *locdisp;
    IWSManResourceLocator *loc;
    BSTR name;
    VARIANT value;
    char *text;

    ok_hr(S_OK, IWSManSession_put_Timeout(s, 2500));
    text = echo(s, NULL);
    ok(contains(text, "PT2.500S"), "Session.Timeout drives OperationTimeout: %s", text);
    ok(contains(text, "512000"), "MaxEnvelopeSize is sent: %s", text);
    ok(contains(text, "en-US") && contains(text, "uuid:"), "Locale and MessageID are sent: %s", text);
    free(text);

    name = bstr(ECHO_URI);
    IWSManEx3_CreateResourceLocator(wsman, name, &locdisp);
    SysFreeString(name);
    IDispatch_QueryInterface(locdisp, &IID_IWSManResourceLocator, (void **)&loc);
    name = bstr("textopt");
    value = vstr("hello");
    IWSManResourceLocator_AddOption(loc, name, value, TRUE);
    SysFreeString(name);
    VariantClear(&value);
    name = bstr("boolopt");
    V_VT(&value) = VT_BOOL;
    V_BOOL(&value) = VARIANT_TRUE;
    IWSManResourceLocator_AddOption(loc, name, value, FALSE);
    SysFreeString(name);
    name = bstr("nilopt");
    V_VT(&value) = VT_NULL;
    IWSManResourceLocator_AddOption(loc, name, value, FALSE);
    SysFreeString(name);
    IWSManResourceLocator_put_MustUnderstandOptions(loc, TRUE);
    text = echo(s, locdisp);
    ok(contains(text, "textopt") && contains(text, "hello") && contains(text, "boolopt") &&
           contains(text, "xs:boolean") && contains(text, "nilopt"),
       "options arrive with their types: %s", text);
    free(text);
    IWSManResourceLocator_Release(loc);
    IDispatch_Release(locdisp);
    IWSManSession_Release(s);
}

static void test_invoke(const struct test_server *srv)
{
    IWSManSession *s = basic_session(srv);
    BSTR action, params, out = NULL;
    VARIANT v;
    char *text;

    v = vstr("wmicimv2/Win32_Service?Name=w32time");
    action = bstr("StopService");
    params = bstr("<p:StopService_INPUT xmlns:p=\"" WMI "Win32_Service\"/>");
    ok_hr(S_OK, IWSManSession_Invoke(s, action, v, params, 0, &out));
    text = utf8(out);
    ok(contains(text, "StopService_OUTPUT") && contains(text, "<p:ReturnValue>0</p:ReturnValue>"),
       "StopService by name: %s", text);
    free(text);
    SysFreeString(out);
    ok_get(s, WMI "Win32_Service?Name=w32time", "<p:State>Stopped</p:State>");
    ok_hr(S_OK, IWSManSession_Invoke(s, action, v, params, 0, &out));
    text = utf8(out);
    ok(contains(text, "<p:ReturnValue>5</p:ReturnValue>"), "StopService again: %s", text);
    free(text);
    SysFreeString(out);
    SysFreeString(action);
    SysFreeString(params);

    /* A full action URI. */
    action = bstr(WMI "Win32_Service/StartService");
    params = bstr("<p:StartService_INPUT xmlns:p=\"" WMI "Win32_Service\"/>");
    ok_hr(S_OK, IWSManSession_Invoke(s, action, v, params, 0, &out));
    text = utf8(out);
    ok(contains(text, "<p:ReturnValue>0</p:ReturnValue>"), "StartService by action URI: %s", text);
    free(text);
    SysFreeString(out);
    SysFreeString(action);
    SysFreeString(params);
    ok_get(s, WMI "Win32_Service?Name=w32time", "<p:State>Running</p:State>");

    /* Malformed parameters never leave the client. */
    action = bstr("StopService");
    params = bstr("<p:StopService_INPUT xmlns:p=\"x\">");
    ok_hr(ERROR_WSMAN_INVALID_XML, IWSManSession_Invoke(s, action, v, params, 0, &out));
    SysFreeString(action);
    SysFreeString(params);
    VariantClear(&v);
    IWSManSession_Release(s);
}

static void test_put_create_delete(const struct test_server *srv)
{
    IWSManSession *s = basic_session(srv);
    BSTR xml, out = NULL;
    VARIANT v, epr;
    char *text;
    HRESULT hr;

    /* Put: change a property of an instance. */
    v = vstr(WMI "WSMAuto_Item?Id=1");
    xml = bstr("<p:WSMAuto_Item xmlns:p=\"" WMI "WSMAuto_Item\"><p:Id>1</p:Id><p:Name>first</p:Name>"
               "<p:Value>changed \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80</p:Value></p:WSMAuto_Item>");
    ok_hr(S_OK, IWSManSession_Put(s, v, xml, 0, &out));
    text = utf8(out);
    ok(contains(text, "changed \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
       "Put returns the new representation: %s", text);
    free(text);
    SysFreeString(out);
    SysFreeString(xml);
    VariantClear(&v);
    ok_get(s, WMI "WSMAuto_Item?Id=1", "changed \xc3\xa9");

    /* Create returns the new resource's EPR, which addresses it. */
    v = vstr(WMI "WSMAuto_Item");
    xml = bstr("<p:WSMAuto_Item xmlns:p=\"" WMI "WSMAuto_Item\"><p:Id>77</p:Id><p:Name>new</p:Name>"
               "<p:Value>v77</p:Value></p:WSMAuto_Item>");
    ok_hr(S_OK, IWSManSession_Create(s, v, xml, 0, &out));
    text = utf8(out);
    ok(contains(text, "ResourceCreated") && contains(text, "WSMAuto_Item") && contains(text, "77"),
       "Create returns the EPR: %s", text);
    free(text);
    /* Creating it again is a fault. */
    {
        BSTR again = NULL;
        ok_hr(ERROR_WSMAN_ALREADY_EXISTS, IWSManSession_Create(s, v, xml, 0, &again));
        ok(again == NULL, "a failed Create returns no EPR");
    }
    SysFreeString(xml);
    VariantClear(&v);
    V_VT(&epr) = VT_BSTR;
    V_BSTR(&epr) = out;
    out = NULL;
    ok_hr(S_OK, IWSManSession_Get(s, epr, 0, &out));
    text = utf8(out);
    ok(contains(text, "v77"), "Get with the EPR string: %s", text);
    free(text);
    SysFreeString(out);
    ok_hr(S_OK, IWSManSession_Delete(s, epr, 0));
    hr = IWSManSession_Get(s, epr, 0, &out);
    ok(FAILED(hr), "the deleted instance is gone: 0x%08x", (unsigned)hr);
    VariantClear(&epr);

    /* Malformed input is refused before anything is sent; the session stays usable. */
    v = vstr(WMI "WSMAuto_Item?Id=1");
    xml = bstr("<p:WSMAuto_Item xmlns:p=\"x\"><unclosed></p:WSMAuto_Item>");
    ok_hr(ERROR_WSMAN_INVALID_XML, IWSManSession_Put(s, v, xml, 0, &out));
    SysFreeString(xml);
    xml = bstr("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>");
    ok_hr(ERROR_WSMAN_INVALID_XML, IWSManSession_Put(s, v, xml, 0, &out));
    SysFreeString(xml);
    VariantClear(&v);
    ok_get(s, WMI "WSMAuto_Item?Id=2", "<p:Id>2</p:Id>");
    IWSManSession_Release(s);
}

static void test_enumerations(const struct test_server *srv, int instances)
{
    IWSManSession *s = basic_session(srv);
    struct enum_result r;
    int services = instances + 3;

    r = enumerate(s, WMI "Win32_Service", NULL, NULL, 0, "<p:Win32_Service");
    ok(r.hr == S_OK && r.items == services && r.matching == services && r.read_hr == S_OK,
       "plain enumeration: hr 0x%08x, %d items (%d expected)", (unsigned)r.hr, r.items, services);
    free(r.first);

    r = enumerate(s, WMI "*", "SELECT Name,State FROM Win32_Service WHERE State = 'Stopped'",
                  "http://schemas.microsoft.com/wbem/wsman/1/WQL", 0, "<p:State>Stopped</p:State>");
    ok(r.hr == S_OK && r.items > 0 && r.matching == r.items && !contains(r.first, "StartMode"),
       "WQL: hr 0x%08x, %d items, %d matching, first %s", (unsigned)r.hr, r.items, r.matching, r.first);
    free(r.first);

    r = enumerate(s, WMI "Win32_Service",
                  "<w:SelectorSet xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\">"
                  "<w:Selector Name=\"StartMode\">Disabled</w:Selector></w:SelectorSet>",
                  "http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter", 0, "<p:StartMode>Disabled<");
    ok(r.hr == S_OK && r.items > 0 && r.matching == r.items, "selector filter: hr 0x%08x, %d/%d",
       (unsigned)r.hr, r.matching, r.items);
    free(r.first);

    r = enumerate(s, WMI "*",
                  "{Object=Win32_Service?Name=WinRM;ResultClassName=Win32_Service;Role=Dependent}",
                  "http://schemas.dmtf.org/wbem/wsman/1/cimbinding/associationFilter", 0, "w32time");
    ok(r.hr == S_OK && r.items == 1 && r.matching == 1, "associated instances: hr 0x%08x, %d items, %s",
       (unsigned)r.hr, r.items, r.first);
    free(r.first);
    r = enumerate(s, WMI "*", "{Object=Win32_Service?Name=WinRM}",
                  "http://schemas.dmtf.org/wbem/wsman/1/cimbinding/AssociationFilter",
                  WSManFlagAssociationInstance, "Win32_DependentService");
    ok(r.hr == S_OK && r.items > 0 && r.matching == r.items, "association instances: hr 0x%08x, %d/%d",
       (unsigned)r.hr, r.matching, r.items);
    free(r.first);

    r = enumerate(s, WMI "Win32_Service", NULL, NULL, WSManFlagReturnEPR, "EndpointReference");
    ok(r.hr == S_OK && r.items == services && r.matching == services && !contains(r.first, "<p:State>"),
       "EPR mode: %d/%d, %s", r.matching, r.items, r.first);
    free(r.first);
    r = enumerate(s, WMI "Win32_Service", NULL, NULL, WSManFlagReturnObjectAndEPR, "EndpointReference");
    ok(r.hr == S_OK && r.items == services && r.matching == services && contains(r.first, "<p:State>") &&
           contains(r.first, "Item"),
       "object-and-EPR mode: %d/%d, %s", r.matching, r.items, r.first);
    free(r.first);

    r = enumerate(s, WMI "CIM_Service", NULL, NULL, WSManFlagHierarchyShallow, NULL);
    ok(r.hr == S_OK && r.items == 2, "shallow: hr 0x%08x, %d items", (unsigned)r.hr, r.items);
    free(r.first);
    r = enumerate(s, WMI "CIM_Service", NULL, NULL, WSManFlagHierarchyDeepBasePropsOnly, "<p:Name>");
    ok(r.hr == S_OK && r.items == services + 2 && !contains(r.first, "StartMode"),
       "base properties only: hr 0x%08x, %d items, %s", (unsigned)r.hr, r.items, r.first);
    free(r.first);

    r = enumerate(s, WMI "*", "SELECT * FROM", "http://schemas.microsoft.com/wbem/wsman/1/WQL", 0, NULL);
    ok(r.hr == ERROR_WSMAN_ENUMERATE_CANNOT_PROCESS_FILTER, "bad WQL: 0x%08x", (unsigned)r.hr);
    r = enumerate(s, WMI "*", "{Object=;Nonsense=1}",
                  "http://schemas.dmtf.org/wbem/wsman/1/cimbinding/associationFilter", 0, NULL);
    ok(r.hr == ERROR_WSMAN_INVALID_FILTER_XML, "bad association text: 0x%08x", (unsigned)r.hr);
    IWSManSession_Release(s);
}

/* Every item of an enumeration, UTF-8, in a NULL-terminated array (*count of them); NULL when Enumerate or
 * a ReadItem failed (*hr says which HRESULT). */
static char **all_items(IWSManSession *s, const char *uri, const char *filter, const char *dialect,
                        LONG flags, int *count, HRESULT *hr)
{
    VARIANT v = vstr(uri);
    BSTR f = filter ? bstr(filter) : NULL, d = dialect ? bstr(dialect) : NULL;
    IDispatch *disp = NULL;
    IWSManEnumerator *e = NULL;
    char **items = NULL;
    int n = 0;

    *count = 0;
    *hr = IWSManSession_Enumerate(s, v, f, d, flags, &disp);
    VariantClear(&v);
    SysFreeString(f);
    SysFreeString(d);
    if (*hr != S_OK)
        return NULL;
    IDispatch_QueryInterface(disp, &IID_IWSManEnumerator, (void **)&e);
    IDispatch_Release(disp);
    items = calloc(1, sizeof(*items));
    for (;;) {
        VARIANT_BOOL eos = VARIANT_TRUE;
        BSTR item = NULL;

        IWSManEnumerator_get_AtEndOfStream(e, &eos);
        if (eos)
            break;
        if ((*hr = IWSManEnumerator_ReadItem(e, &item)) != S_OK) {
            for (int i = 0; i < n; i++)
                free(items[i]);
            free(items);
            items = NULL;
            break;
        }
        items = realloc(items, (size_t)(n + 2) * sizeof(*items));
        items[n++] = utf8(item);
        items[n] = NULL;
        SysFreeString(item);
    }
    IWSManEnumerator_Release(e);
    *count = n;
    return items;
}

static void free_items(char **items)
{
    for (size_t i = 0; items && items[i]; i++)
        free(items[i]);
    free(items);
}

/* What a program gets by parsing an item's XML and laying it out (what wsmanctl did before the flag). */
static char *relayout(const char *xml)
{
    struct wsm_xml_failure why;
    struct wsm_buf b = {0};
    xmlDocPtr doc = wsm_xml_parse(xml, strlen(xml), "UTF-8", XML_PARSE_IGNORE_ENC, 0, (size_t)1 << 26, &why);

    if (!doc)
        return NULL;
    wsm_text_layout(&b, xmlDocGetRootElement(doc));
    xmlFreeDoc(doc);
    return wsm_buf_take(&b, NULL);
}

/* WSManAutoFlagEnumerationText (wsmauto_enum.h): ReadItem gives the text layout, byte for byte what parsing
 * the XML item and laying it out gives, in every enumeration mode; errors are those without the flag. */
static void test_text_items(const struct test_server *srv)
{
    static const struct {
        const char *what, *uri, *filter, *dialect;
        LONG flags;
    } cases[] = {
        {"plain", WMI "Win32_Service", NULL, NULL, 0},
        {"WQL", WMI "*", "SELECT Name,State FROM Win32_Service WHERE State = 'Stopped'",
         "http://schemas.microsoft.com/wbem/wsman/1/WQL", 0},
        {"EPR", WMI "Win32_Service", NULL, NULL, WSManFlagReturnEPR},
        {"object and EPR", WMI "Win32_Service", NULL, NULL, WSManFlagReturnObjectAndEPR},
        {"association instances", WMI "*", "{Object=Win32_Service?Name=WinRM}",
         "http://schemas.dmtf.org/wbem/wsman/1/cimbinding/AssociationFilter", WSManFlagAssociationInstance},
        {"base properties only", WMI "CIM_Service", NULL, NULL, WSManFlagHierarchyDeepBasePropsOnly},
        {"odd values", WMI "WSMAuto_Item", NULL, NULL, 0},
    };
    IWSManSession *s = basic_session(srv);
    VARIANT v;
    BSTR xml, out = NULL;
    HRESULT hr, hr_xml, hr_text;
    int n_xml, n_text;
    char **x, **t;

    ok(WSManAutoFlagEnumerationText == 0x40000000, "the extension flag is 0x40000000");
    /* An instance with values that take the layout's every path: line breaks (continuation lines; the test
     * server sends the CR raw, so the parser makes it a line feed), a tab, a C1 control (\xNN), markup
     * characters, non-ASCII text. */
    v = vstr(WMI "WSMAuto_Item");
    xml = bstr("<p:WSMAuto_Item xmlns:p=\"" WMI "WSMAuto_Item\"><p:Id>88</p:Id><p:Name> a &lt;b&gt; &amp; "
               "\xc3\xa9\xe2\x82\xac </p:Name><p:Value>line one\nline two\twith a tab&#13;\xc2\x85 end\n\n"
               "after a blank line</p:Value></p:WSMAuto_Item>");
    ok_hr(S_OK, IWSManSession_Create(s, v, xml, 0, &out));
    SysFreeString(out);
    SysFreeString(xml);
    VariantClear(&v);

    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        int same = 0;

        x = all_items(s, cases[c].uri, cases[c].filter, cases[c].dialect, cases[c].flags, &n_xml, &hr_xml);
        t = all_items(s, cases[c].uri, cases[c].filter, cases[c].dialect,
                      cases[c].flags | WSManAutoFlagEnumerationText, &n_text, &hr_text);
        ok(x && t && n_xml > 0 && n_xml == n_text, "%s: %d XML items, %d text items (0x%08x, 0x%08x)",
           cases[c].what, n_xml, n_text, (unsigned)hr_xml, (unsigned)hr_text);
        for (int i = 0; x && t && i < n_xml && i < n_text; i++) {
            char *want = relayout(x[i]);

            if (want && !strcmp(want, t[i]))
                same++;
            else
                ok(0, "%s item %d: the library's text\n%s\ndiffers from the XML laid out\n%s", cases[c].what,
                   i, t[i], want ? want : "(the XML did not parse)");
            free(want);
        }
        ok(same == n_xml, "%s: %d of %d text items are the XML item laid out", cases[c].what, same, n_xml);
        if (t && n_text && !strcmp(cases[c].what, "plain"))
            ok(!strncmp(t[0], "Win32_Service\n    ", 18) && contains(t[0], "\n    Name = ") &&
                   !contains(t[0], "<") && t[0][strlen(t[0]) - 1] == '\n',
               "a text item reads as winrm's text format: %s", t[0]);
        if (t && !strcmp(cases[c].what, "odd values"))
            for (int i = 0; i < n_text; i++)
                if (contains(t[i], "Id = 88"))
                    ok(contains(
                           t[i],
                           "    Value = line one\n            line two\twith a tab\n            \\x85 end\n\n"
                           "            after a blank line\n") &&
                           contains(t[i], "    Name = a <b> & \xc3\xa9\xe2\x82\xac\n"),
                       "odd values laid out: %s", t[i]);
        free_items(x);
        free_items(t);
    }

    /* The flag changes nothing else: the same faults, unknown bits still refused. */
    x = all_items(s, WMI "*", "SELECT * FROM", "http://schemas.microsoft.com/wbem/wsman/1/WQL",
                  WSManAutoFlagEnumerationText, &n_text, &hr);
    ok(!x && hr == ERROR_WSMAN_ENUMERATE_CANNOT_PROCESS_FILTER, "bad WQL with the flag: 0x%08x",
       (unsigned)hr);
    x = all_items(s, WMI "Win32_Service", NULL, NULL, WSManAutoFlagEnumerationText | 0x20000000, &n_text,
                  &hr);
    ok(!x && hr == ERROR_WSMAN_CLIENT_INVALID_FLAG, "another unknown bit is still refused: 0x%08x",
       (unsigned)hr);
    x = all_items(s, WMI "Win32_Service", NULL, NULL,
                  WSManAutoFlagEnumerationText | WSManFlagReturnEPR | WSManFlagReturnObjectAndEPR, &n_text,
                  &hr);
    ok(!x && hr == ERROR_WSMAN_CLIENT_MULTIPLE_ENUM_MODE_FLAGS, "conflicting modes with the flag: 0x%08x",
       (unsigned)hr);
    v = vstr(WMI "WSMAuto_Item?Id=88");
    ok_hr(S_OK, IWSManSession_Delete(s, v, 0));
    VariantClear(&v);
    IWSManSession_Release(s);
}

/* Releasing an Enumerator before its end sends a Release; ReadItem past
 * the end is ENUMERATION_CLOSED; Error holds the last failure. */
static void test_enumerator_lifecycle(const struct test_server *srv)
{
    IWSManSession *s = basic_session(srv);
    IWSManEnumerator *e;
    IDispatch *disp = NULL;
    VARIANT v = vstr(WMI "Win32_Service");
    VARIANT_BOOL eos;
    BSTR item = NULL;
    int releases;

    ok_hr(S_OK, IWSManSession_put_BatchItems(s, 2));
    ok_hr(S_OK, IWSManSession_Enumerate(s, v, NULL, NULL, 0, &disp));
    IDispatch_QueryInterface(disp, &IID_IWSManEnumerator, (void **)&e);
    IDispatch_Release(disp);
    ok_hr(E_ILLEGAL_METHOD_CALL, IWSManSession_put_BatchItems(s, 5));
    ok_hr(S_OK, IWSManEnumerator_ReadItem(e, &item));
    SysFreeString(item);
    IWSManEnumerator_Release(e);
    releases = log_lines(srv, "enumeration/Release");
    ok(releases == 1, "one Release was sent for the abandoned enumeration (%d)", releases);
    ok_hr(S_OK, IWSManSession_put_BatchItems(s, 5));
    VariantClear(&v);

    v = vstr(WMI "CIM_Service");
    ok_hr(S_OK, IWSManSession_Enumerate(s, v, NULL, NULL, WSManFlagHierarchyShallow, &disp));
    IDispatch_QueryInterface(disp, &IID_IWSManEnumerator, (void **)&e);
    IDispatch_Release(disp);
    for (int i = 0; i < 2; i++) {
        ok_hr(S_OK, IWSManEnumerator_ReadItem(e, &item));
        SysFreeString(item);
    }
    ok_hr(S_OK, IWSManEnumerator_get_AtEndOfStream(e, &eos));
    ok(eos == VARIANT_TRUE, "AtEndOfStream after the last item");
    ok_hr(ERROR_WSMAN_ENUMERATION_CLOSED, IWSManEnumerator_ReadItem(e, &item));
    IWSManEnumerator_get_Error(e, &item);
    ok(item && SysStringLen(item) > 0, "Enumerator.Error is set");
    SysFreeString(item);
    IWSManEnumerator_Release(e);
    VariantClear(&v);
    IWSManSession_Release(s);
}

/* The same operations by name through IDispatch, as scripts call them. */
static void test_dispatch(const struct test_server *srv, int expected_cim_services)
{
    IWSManSession *s = basic_session(srv);
    IDispatch *disp = (IDispatch *)s, *en;
    VARIANT a[4], r, item;
    SCODE scode = 0;
    int n = 0;

    a[0] = vstr("wmicimv2/Win32_Service?Name=WinRM");
    ok_hr(S_OK, call(disp, "Get", DISPATCH_METHOD, a, 1, &r, NULL));
    ok(V_VT(&r) == VT_BSTR && V_BSTR(&r) && SysStringLen(V_BSTR(&r)) > 0, "Get by IDispatch");
    VariantClear(&r);
    ok_hr(S_OK, call(disp, "Identify", DISPATCH_METHOD, NULL, 0, &r, NULL));
    VariantClear(&r);
    VariantClear(&a[0]);

    /* Invoke(action, uri, parameters): arguments right to left. */
    a[2] = vstr("StopService");
    a[1] = vstr("wmicimv2/Win32_Service?Name=Spooler");
    a[0] = vstr("<p:StopService_INPUT xmlns:p=\"" WMI "Win32_Service\"/>");
    ok_hr(S_OK, call(disp, "Invoke", DISPATCH_METHOD, a, 3, &r, NULL));
    ok(V_VT(&r) == VT_BSTR, "Invoke by IDispatch");
    VariantClear(&r);
    for (int i = 0; i < 3; i++)
        VariantClear(&a[i]);

    /* Create / Put / Delete. */
    a[1] = vstr(WMI "WSMAuto_Item");
    a[0] = vstr("<p:WSMAuto_Item xmlns:p=\"" WMI "WSMAuto_Item\"><p:Id>88</p:Id><p:Name>d</p:Name>"
                "<p:Value>x</p:Value></p:WSMAuto_Item>");
    ok_hr(S_OK, call(disp, "Create", DISPATCH_METHOD, a, 2, &r, NULL));
    VariantClear(&r);
    VariantClear(&a[1]);
    a[1] = vstr(WMI "WSMAuto_Item?Id=88");
    ok_hr(S_OK, call(disp, "Put", DISPATCH_METHOD, a, 2, &r, NULL));
    VariantClear(&r);
    VariantClear(&a[0]);
    a[0] = a[1];
    ok_hr(S_OK, call(disp, "Delete", DISPATCH_METHOD, a, 1, NULL, NULL));
    ok_hr(DISP_E_EXCEPTION, call(disp, "Get", DISPATCH_METHOD, a, 1, &r, &scode));
    ok(scode == ERROR_WSMAN_UNEXPECTED_SELECTORS, "a fault surfaces as the EXCEPINFO scode: 0x%08x",
       (unsigned)scode);
    VariantClear(&a[0]);

    /* Enumerate + AtEndOfStream + ReadItem. */
    a[0] = vstr(WMI "CIM_Service");
    ok_hr(S_OK, call(disp, "Enumerate", DISPATCH_METHOD, a, 1, &r, NULL));
    VariantClear(&a[0]);
    en = V_VT(&r) == VT_DISPATCH ? V_DISPATCH(&r) : NULL;
    while (en) {
        VARIANT eos;
        if (call(en, "AtEndOfStream", DISPATCH_PROPERTYGET, NULL, 0, &eos, NULL) != S_OK || V_BOOL(&eos))
            break;
        if (call(en, "ReadItem", DISPATCH_METHOD, NULL, 0, &item, NULL) != S_OK)
            break;
        VariantClear(&item);
        n++;
    }
    ok(n == expected_cim_services, "enumerated %d items by IDispatch (%d expected)", n,
       expected_cim_services);
    VariantClear(&r);
    IWSManSession_Release(s);
}

/* Every way a server can misbehave maps to its documented HRESULT, with
 * a readable text, and the session works again right after. */
static void test_error_mappings(const struct test_server *srv)
{
    static const struct {
        const char *mode;
        HRESULT hr;
        const char *text;
    } cases[] = {
        {"status401", E_ACCESSDENIED, "401"},
        {"status413", ERROR_WSMAN_HTTP_REQUEST_TOO_LARGE_STATUS, "413"},
        {"status415", ERROR_WSMAN_UNSUPPORTED_ENCODING, "415"},
        {"status500-empty", ERROR_WSMAN_HTTP_STATUS_SERVER_ERROR, "500"},
        {"status500-html", ERROR_WSMAN_HTTP_STATUS_SERVER_ERROR, "500"},
        {"nonxml", ERROR_WSMAN_INVALID_XML, "could not be read"},
        {"html200", ERROR_WSMAN_HTTP_INVALID_CONTENT_TYPE_IN_RESPONSE_DATA, "text/html"},
        {"empty200", ERROR_WSMAN_HTTP_NO_RESPONSE_DATA, "empty"},
        {"oversize", ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED, NULL},
        {"endless", ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED, NULL},
        {"sleep", (HRESULT)0x800705B4, NULL},
        {"close", (HRESULT)0x80072EFE, NULL},
        {"dtd", ERROR_WSMAN_INVALID_XML, "DTD"},
        {"xxe", ERROR_WSMAN_INVALID_XML, "DTD"},
        {"redirect", ERROR_WSMAN_UNSUPPORTED_HTTP_STATUS_REDIRECT, "302"},
    };
    IWSManSession *s = basic_session(srv);
    char uri[128], *err;

    ok_hr(S_OK, IWSManSession_put_Timeout(s, 1000));
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(uri, sizeof(uri), MISBEHAVE "%s", cases[i].mode);
        ok_get_fails(s, uri, cases[i].hr, cases[i].text);
        ok_get(s, MISBEHAVE "get-ok", "<e:Ok");
    }
    /* The external entity was never resolved. */
    session_get(s, MISBEHAVE "xxe", NULL);
    err = session_error(s);
    ok(!contains(err, "root:"), "no file content in the error: %s", err);
    free(err);

    /* Replies with faults of every shape. */
    {
        HRESULT hr;
        char *r = session_get(s, MISBEHAVE "wmierror", &hr);
        ok(FAILED(hr) && (hr & 0xFFFF0000) == 0x80330000, "MSFT_WmiError fault: 0x%08x", (unsigned)hr);
        err = session_error(s);
        ok(contains(err, "MSFT_WmiError") || contains(err, "WSManFault"), "Error keeps the WMI error: %s",
           err);
        free(err);
        free(r);
        r = session_get(s, MISBEHAVE "fault-nodetail", &hr);
        ok(FAILED(hr), "fault without detail: 0x%08x", (unsigned)hr);
        free(r);
        r = session_get(s, MISBEHAVE "fault-nested", &hr);
        err = session_error(s);
        ok(FAILED(hr) && contains(err, "ProviderFault"), "nested fault: 0x%08x %s", (unsigned)hr, err);
        free(err);
        free(r);
        r = session_get(s, MISBEHAVE "status400-fault", &hr);
        ok(FAILED(hr) && hr != ERROR_WSMAN_HTTP_STATUS_BAD_REQUEST, "a fault sent with HTTP 400: 0x%08x",
           (unsigned)hr);
        free(r);
        r = session_get(s, MISBEHAVE "wrong-relatesto", &hr);
        ok(FAILED(hr), "a reply to another message is refused: 0x%08x", (unsigned)hr);
        free(r);
        /* A UTF-16 reply to a UTF-8 request is still read. */
        ok_get(s, MISBEHAVE "utf16", "Ok");
        ok_get(s, MISBEHAVE "utf16-nobom-header", "Ok");
    }
    IWSManSession_Release(s);
}

static void test_connection_failures(void)
{
    IWSManSession *s;
    char url[64];

    /* Nobody listens on port 1 of loopback. */
    snprintf(url, sizeof(url), "http://127.0.0.1:1/wsman");
    s = open_session(url, BASIC, "wsmuser", "wsmpass", NULL);
    ok_get_fails(s, ECHO_URI, ERROR_WSMAN_DESTINATION_UNREACHABLE, "127.0.0.1");
    IWSManSession_Release(s);
    /* Only trusted hosts get a password over plain HTTP. */
    s = open_session("http://no-such-host.invalid:5985/wsman", BASIC, "wsmuser", "wsmpass", NULL);
    ok_get_fails(s, ECHO_URI, ERROR_WSMAN_SERVER_NOT_TRUSTED, "TrustedHosts");
    IWSManSession_Release(s);
    use_config(PLAIN_CONFIG "TrustedHosts = *.invalid\n");
    s = open_session("http://no-such-host.invalid:5985/wsman", BASIC, "wsmuser", "wsmpass", NULL);
    ok_get_fails(s, ECHO_URI, (HRESULT)0x80072EE7, "no-such-host.invalid");
    IWSManSession_Release(s);
    use_config(PLAIN_CONFIG);
}

/* Basic over plain HTTP needs NoEncryption, and NoEncryption needs
 * AllowUnencrypted in the client configuration, as on Windows. */
static void test_plaintext_policy(const struct test_server *srv)
{
    IWSManSession *s;

    use_config(PLAIN_CONFIG);
    s = open_session(srv->url, WSManFlagUseBasic | WSManFlagCredUsernamePassword, "wsmuser", "wsmpass", NULL);
    ok_get_fails(s, ECHO_URI, ERROR_WSMAN_CLIENT_UNENCRYPTED_DISABLED, "NoEncryption");
    IWSManSession_Release(s);
    use_config("[Client]\nAllowUnencrypted = false\n");
    s = basic_session(srv);
    ok_get_fails(s, ECHO_URI, ERROR_WSMAN_CLIENT_UNENCRYPTED_DISABLED, "AllowUnencrypted");
    IWSManSession_Release(s);
    use_config("[Client]\nAllowUnencrypted = true\n[Client/Auth]\nBasic = false\n");
    s = basic_session(srv);
    ok_get_fails(s, ECHO_URI, ERROR_WSMAN_CLIENT_BASIC_AUTHENTICATION_DISABLED, NULL);
    IWSManSession_Release(s);
    use_config(PLAIN_CONFIG);
    /* Wrong password: the server's 401. */
    s = open_session(srv->url, BASIC, "wsmuser", "not-the-password", NULL);
    ok_get_fails(s, ECHO_URI, E_ACCESSDENIED, "wsmuser");
    IWSManSession_Release(s);
}

/* Every request of a session goes over one TCP connection. */
static void test_keep_alive(void)
{
    static const char *const args[] = {"--auth", "basic", NULL};
    struct test_server srv;
    IWSManSession *s;
    struct enum_result r;

    if (test_server_start(&srv, args)) {
        ok(0, "server for the keep-alive test did not start");
        return;
    }
    s = basic_session(&srv);
    for (int i = 0; i < 5; i++)
        ok_get(s, WMI "Win32_Service?Name=WinRM", "WinRM");
    ok_hr(S_OK, IWSManSession_put_BatchItems(s, 3));
    r = enumerate(s, WMI "Win32_Service", NULL, NULL, 0, NULL);
    ok(r.hr == S_OK && r.items == 53, "enumeration on the same connection: %d items", r.items);
    free(r.first);
    ok(log_lines(&srv, "conn=") >= 20, "the server saw %d requests", test_server_log_count(&srv));
    ok(test_server_connections(&srv) == 1, "all requests used one TCP connection (%d)",
       test_server_connections(&srv));
    IWSManSession_Release(s);
    test_server_stop(&srv);
}

static void test_utf16(const struct test_server *srv)
{
    IWSManSession *s = open_session(srv->url, BASIC | WSManFlagUTF16, "wsmuser", "wsmpass", NULL);
    BSTR xml, out = NULL;
    VARIANT v;
    char *text;
    struct enum_result r;

    ok_get(s, WMI "Win32_Service?Name=WinRM", "<p:Name>WinRM</p:Name>");
    /* Non-ASCII text both ways. */
    v = vstr(WMI "WSMAuto_Item?Id=2");
    xml = bstr("<p:WSMAuto_Item xmlns:p=\"" WMI "WSMAuto_Item\"><p:Id>2</p:Id><p:Name>\xe2\x82\xac</p:Name>"
               "<p:Value>\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80</p:Value></p:WSMAuto_Item>");
    ok_hr(S_OK, IWSManSession_Put(s, v, xml, 0, &out));
    text = utf8(out);
    ok(contains(text, "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80"), "UTF-16 Put round trip: %s", text);
    free(text);
    SysFreeString(out);
    SysFreeString(xml);
    VariantClear(&v);
    r = enumerate(s, WMI "CIM_Service", NULL, NULL, WSManFlagHierarchyShallow, NULL);
    ok(r.hr == S_OK && r.items == 2, "UTF-16 enumeration: %d", r.items);
    free(r.first);
    IWSManSession_Release(s);
    ok(log_lines(srv, "charset=utf-16") >= 3, "the server saw UTF-16 requests");
}

static void test_digest(void)
{
    static const char *const args[] = {"--auth", "digest", NULL};
    struct test_server srv;
    IWSManSession *s;

    if (test_server_start(&srv, args)) {
        ok(0, "digest server did not start");
        return;
    }
    s = open_session(srv.url, WSManFlagUseDigest | WSManFlagCredUsernamePassword | WSManFlagNoEncryption,
                     "wsmuser", "wsmpass", NULL);
    ok_get(s, WMI "Win32_Service?Name=WinRM", "WinRM");
    ok_get(s, WMI "Win32_Service?Name=Spooler", "Spooler");
    IWSManSession_Release(s);
    s = open_session(srv.url, WSManFlagUseDigest | WSManFlagCredUsernamePassword | WSManFlagNoEncryption,
                     "wsmuser", "wrong", NULL);
    ok_get_fails(s, WMI "Win32_Service?Name=WinRM", E_ACCESSDENIED, NULL);
    IWSManSession_Release(s);
    test_server_stop(&srv);
}

static char certs[300];

static int run(const char *cmd)
{
    int rc = system(cmd);
    ok(rc == 0, "%s: exit %d", cmd, rc);
    return rc;
}

static void start_tls_server(struct test_server *srv, const char *cert, const char *extra1,
                             const char *extra2, const char *extra3, const char *extra4)
{
    char c[400], k[400];
    const char *args[12] = {"--tls-cert", c, "--tls-key", k, extra1, extra2, extra3, extra4, NULL};

    snprintf(c, sizeof(c), "%s/%s.pem", certs, cert);
    snprintf(k, sizeof(k), "%s/%s.key", certs, cert);
    if (test_server_start(srv, args))
        ok(0, "TLS server with %s did not start", cert);
}

static void test_tls(void)
{
    struct test_server srv;
    IWSManSession *s;
    char cfg[800];

    snprintf(cfg, sizeof(cfg), "[Client]\nCAFile = %s/ca.pem\nNetworkDelayms = 500\n", certs);
    use_config(cfg);

    start_tls_server(&srv, "server", NULL, NULL, NULL, NULL);
    s = open_session(srv.url, WSManFlagUseBasic | WSManFlagCredUsernamePassword, "wsmuser", "wsmpass", NULL);
    ok_get(s, WMI "Win32_Service?Name=WinRM", "WinRM"); /* Basic is fine over HTTPS */
    IWSManSession_Release(s);
    test_server_stop(&srv);

    start_tls_server(&srv, "wrongcn", NULL, NULL, NULL, NULL);
    s = open_session(srv.url, WSManFlagUseBasic | WSManFlagCredUsernamePassword, "wsmuser", "wsmpass", NULL);
    ok_get_fails(s, ECHO_URI, (HRESULT)0x80072F06, "localhost");
    IWSManSession_Release(s);
    s = open_session(srv.url, WSManFlagUseBasic | WSManFlagCredUsernamePassword | WSManFlagSkipCNCheck,
                     "wsmuser", "wsmpass", NULL);
    ok_get(s, WMI "Win32_Service?Name=WinRM", "WinRM");
    IWSManSession_Release(s);
    /* Skipping the CA check does not skip the name check. */
    s = open_session(srv.url, WSManFlagUseBasic | WSManFlagCredUsernamePassword | WSManFlagSkipCACheck,
                     "wsmuser", "wsmpass", NULL);
    ok_get_fails(s, ECHO_URI, (HRESULT)0x80072F06, NULL);
    IWSManSession_Release(s);
    test_server_stop(&srv);

    start_tls_server(&srv, "untrusted", NULL, NULL, NULL, NULL);
    s = open_session(srv.url, WSManFlagUseBasic | WSManFlagCredUsernamePassword, "wsmuser", "wsmpass", NULL);
    ok_get_fails(s, ECHO_URI, (HRESULT)0x80072F0D, NULL);
    IWSManSession_Release(s);
    s = open_session(srv.url, WSManFlagUseBasic | WSManFlagCredUsernamePassword | WSManFlagSkipCACheck,
                     "wsmuser", "wsmpass", NULL);
    ok_get(s, WMI "Win32_Service?Name=WinRM", "WinRM");
    IWSManSession_Release(s);
    test_server_stop(&srv);
}

/* The SHA-1 thumbprint of a PEM certificate, as Windows shows it. */
static void thumbprint_of(const char *pem, char *out, size_t size)
{
    char cmd[600];
    FILE *p;
    size_t k = 0;
    int c;

    snprintf(cmd, sizeof(cmd), "openssl x509 -in '%s' -noout -fingerprint -sha1", pem);
    out[0] = 0;
    if (!(p = popen(cmd, "r")))
        return;
    while ((c = fgetc(p)) != EOF && c != '=')
        ;
    while ((c = fgetc(p)) != EOF && k + 1 < size)
        if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))
            out[k++] = (char)c;
    out[k] = 0;
    pclose(p);
}

static void test_client_certificates(void)
{
    struct test_server srv;
    IWSManSession *s;
    char cfg[1200], store[400], cmd[4000], thumb[64], other[64], ca[400];
    const LONG flags = WSManFlagUseClientCertificate;

    snprintf(store, sizeof(store), "%s/store", tmpdir);
    snprintf(cmd, sizeof(cmd),
             "mkdir -p '%s' && cp '%s/client.pem' '%s/client.pem' && cp '%s/client.key' '%s/client.key' && "
             "cat '%s/otherclient.pem' '%s/otherclient.key' > '%s/other.pem'",
             store, certs, store, certs, store, certs, certs, store);
    if (run(cmd))
        return;
    snprintf(cfg, sizeof(cfg), "[Client]\nCAFile = %s/ca.pem\nCertStore = %s\n", certs, store);
    use_config(cfg);
    snprintf(ca, sizeof(ca), "%s/ca.pem", certs);
    snprintf(cmd, sizeof(cmd), "%s/client.pem", certs);
    thumbprint_of(cmd, thumb, sizeof(thumb));
    snprintf(cmd, sizeof(cmd), "%s/otherclient.pem", certs);
    thumbprint_of(cmd, other, sizeof(other));
    ok(strlen(thumb) == 40 && strlen(other) == 40, "thumbprints: %s %s", thumb, other);

    start_tls_server(&srv, "server", "--client-ca", ca, "--auth", "certificate");
    s = open_session(srv.url, flags, NULL, NULL, thumb);
    ok_get(s, WMI "Win32_Service?Name=WinRM", "WinRM");
    IWSManSession_Release(s);
    /* A certificate the server's CA did not issue. */
    s = open_session(srv.url, flags, NULL, NULL, other);
    {
        HRESULT hr;
        char *r = session_get(s, WMI "Win32_Service?Name=WinRM", &hr);
        ok(hr == E_ACCESSDENIED || hr == (HRESULT)0x80072F7D || hr == (HRESULT)0x80072EFE,
           "a wrong client certificate is refused: 0x%08x", (unsigned)hr);
        free(r);
    }
    IWSManSession_Release(s);
    /* A thumbprint that is in no file of the store. */
    s = open_session(srv.url, flags, NULL, NULL, "0123456789ABCDEF0123456789ABCDEF01234567");
    ok_get_fails(s, WMI "Win32_Service?Name=WinRM", ERROR_WSMAN_CERT_NOT_FOUND, NULL);
    IWSManSession_Release(s);
    test_server_stop(&srv);
}

/* 100k items with BatchItems 1, 20 and 32000 (or only the one given): every item arrives once and in order,
 * the client only ever holds one batch. ctest runs the three as three tests, side by side. */
static void test_large(LONG only)
{
    static const char *const args[] = {"--auth", "basic", "--instances", "100000", NULL};
    static const LONG batches[] = {32000, 20, 1};
    struct test_server srv;
    IWSManSession *s;

    if (test_server_start(&srv, args)) {
        ok(0, "large server did not start");
        return;
    }
    s = basic_session(&srv);
    for (size_t i = 0; i < sizeof(batches) / sizeof(batches[0]); i++) {
        struct enum_result r;
        if (only && batches[i] != only)
            continue;
        ok_hr(S_OK, IWSManSession_put_BatchItems(s, batches[i]));
        r = enumerate(s, WMI "Win32_Service", NULL, NULL, WSManFlagReturnEPR, "EndpointReference");
        ok(r.hr == S_OK && r.read_hr == S_OK && r.items == 100003 && r.matching == 100003,
           "BatchItems %d: hr 0x%08x, %d items", (int)batches[i], (unsigned)r.hr, r.items);
        free(r.first);
    }
    IWSManSession_Release(s);
    test_server_stop(&srv);
}

int main(int argc, char **argv)
{
    static const char *const args[] = {"--auth", "basic,none", NULL};
    struct test_server srv;
    HRESULT hr;
    int large = argc > 1 && !strcmp(argv[1], "large");

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/wsmauto-session-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 2;
    snprintf(certs, sizeof(certs), "%s/certs", tmpdir);
    /* Nothing from the real user's configuration or certificates. */
    setenv("XDG_CONFIG_HOME", tmpdir, 1);
    use_config(PLAIN_CONFIG);

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    hr = CoCreateInstance(&CLSID_WSMan, NULL, CLSCTX_INPROC_SERVER, &IID_IWSManEx3, (void **)&wsman);
    ok_hr(S_OK, hr);
    if (FAILED(hr))
        return test_summary("session");

    if (large) {
        test_large(argc > 2 ? (LONG)atol(argv[2]) : 0);
    } else if (test_server_start(&srv, args) == 0) {
        test_identify(&srv);
        test_get_forms(&srv);
        test_headers_and_options(&srv);
        test_invoke(&srv);
        test_put_create_delete(&srv);
        test_enumerations(&srv, 50);
        test_text_items(&srv);
        test_enumerator_lifecycle(&srv);
        test_dispatch(&srv, 55);
        test_error_mappings(&srv);
        test_plaintext_policy(&srv);
        test_utf16(&srv);
        test_server_stop(&srv);
        test_connection_failures();
        test_keep_alive();
        test_digest();
        {
            char cmd[700];
            snprintf(cmd, sizeof(cmd), "sh '%s/tests/tls/make-certs.sh' '%s'", WSMAUTO_SOURCE_DIR, certs);
            if (!run(cmd)) {
                test_tls();
                test_client_certificates();
            }
        }
    } else
        ok(0, "the test server did not start");

    IWSManEx3_Release(wsman);
    CoUninitialize();
    {
        char cmd[400];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    return test_summary(large ? "session_large" : "session");
}
