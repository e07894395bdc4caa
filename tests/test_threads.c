/*
 * The library under many threads (issue 15 item 7), built for ThreadSanitizer by tools/tsan.sh and run in the
 * normal ASan+UBSan build too. Against one bundled server (tests/server, Basic over HTTP, the cmd shell
 * allowed):
 *
 *  (a) 16 threads, each with its own WSMan object and Session, doing every operation for a few rounds:
 *      Identify, Get, Create, Put, Get, Delete, Invoke (StopService/StartService), Enumerate + ReadItem to
 * the end, and a remote command (Create shell, Command, Receive until Done, Delete shell; the cmd shell
 *      protocol of [MS-WSMV], Windows Remote Shell);
 *  (b) threads sharing one WSMan object (sessions, locators and options made from it, failing CreateSession
 *      calls writing its Error), one Session (concurrent Get, failing Get and Enumerate), one ResourceLocator
 *      (Gets through it while other threads change its selector, options and fragment and read them back),
 *      and one Enumerator (concurrent AtEndOfStream/ReadItem: every item is delivered exactly once in all);
 *      while the shared Session is busy, the HTTP trace is turned on and off again and again
 *      (WSManAutoSetTrace, "at any time").
 *
 * Every result is checked; under TSan any data race or lock-order problem ends the run (halt_on_error).
 *
 * SPDX-License-Identifier: MIT
 */
#define COBJMACROS
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <windows.h>
#include <objbase.h>
#include <oleauto.h>

#include "wsmandisp.h"
#include "wsmerror.h"
#include "wsmauto_trace.h"

#include "comutil.h"
#include "serverctl.h"
#include "test.h"

#define WMI "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/"
#define WINRM_SERVICE WMI "Win32_Service?Name=WinRM"
#define SHELL_NS "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
#define SHELL_URI SHELL_NS "/cmd"
#define SHELL_DONE SHELL_NS "/CommandState/Done"
#define BASIC (WSManFlagUseBasic | WSManFlagCredUsernamePassword | WSManFlagNoEncryption)

#define OWN_THREADS 16
#define OWN_ROUNDS 3
#define SHARED_THREADS 8
#define INSTANCES 50
#define SERVICES (INSTANCES + 3) /* the server's generated services and its three well-known ones */

static struct test_server srv;
static char tmpdir[256];

/* test.h's counters are plain ints: every check from a thread goes through this lock. */
static pthread_mutex_t check_lock = PTHREAD_MUTEX_INITIALIZER;
#define tok(cond, ...)                                                                                       \
    do {                                                                                                     \
        int tok_c_ = !!(cond);                                                                               \
        pthread_mutex_lock(&check_lock);                                                                     \
        test_check(tok_c_, __FILE__, __LINE__, __VA_ARGS__);                                                 \
        pthread_mutex_unlock(&check_lock);                                                                   \
    } while (0)
#define tok_hr(expected, got)                                                                                \
    do {                                                                                                     \
        HRESULT tok_e_ = (expected), tok_g_ = (got);                                                         \
        tok(tok_e_ == tok_g_, "expected hr 0x%08x, got 0x%08x", (unsigned)tok_e_, (unsigned)tok_g_);         \
    } while (0)

static void start_threads(pthread_t *threads, int n, void *(*fn)(void *), long *args)
{
    for (int i = 0; i < n; i++) {
        args[i] = i;
        if (pthread_create(&threads[i], NULL, fn, &args[i])) {
            fprintf(stderr, "pthread_create failed\n");
            exit(2);
        }
    }
}

static void join_threads(pthread_t *threads, int n)
{
    for (int i = 0; i < n; i++)
        pthread_join(threads[i], NULL);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static IWSManEx3 *new_wsman(void)
{
    IWSManEx3 *w = NULL;
    HRESULT hr = CoCreateInstance(&CLSID_WSMan, NULL, CLSCTX_INPROC_SERVER, &IID_IWSManEx3, (void **)&w);

    tok(hr == S_OK && w, "CoCreateInstance(WSMan): 0x%08x", (unsigned)hr);
    return hr == S_OK ? w : NULL;
}

static IWSManSession *new_session(IWSManEx3 *w)
{
    IWSManSession *s = NULL;
    HRESULT hr = create_session(w, srv.url, BASIC, "wsmuser", "wsmpass", NULL, &s);

    tok(hr == S_OK && s, "CreateSession: 0x%08x", (unsigned)hr);
    return hr == S_OK ? s : NULL;
}

/* ---- operations with their checks ---- */

static void get_ok(IWSManSession *s, const char *uri, const char *needle)
{
    HRESULT hr;
    char *r = session_get(s, uri, &hr);

    tok(hr == S_OK && contains(r, needle), "Get(%s): 0x%08x %s", uri, (unsigned)hr, r ? r : "(none)");
    free(r);
}

/* Session.<op>(uri, xml) for Put and Create; returns the UTF-8 result (or NULL). */
static char *put_or_create(IWSManSession *s, int create, const char *uri, const char *xml)
{
    VARIANT v = vstr(uri);
    BSTR in = bstr(xml), out = NULL;
    HRESULT hr = create ? IWSManSession_Create(s, v, in, 0, &out) : IWSManSession_Put(s, v, in, 0, &out);
    char *text = utf8(out);

    tok(hr == S_OK, "%s(%s): 0x%08x", create ? "Create" : "Put", uri, (unsigned)hr);
    VariantClear(&v);
    SysFreeString(in);
    SysFreeString(out);
    return text;
}

static char *invoke(IWSManSession *s, const char *action, const char *uri, const char *xml, HRESULT *hr_out)
{
    VARIANT v = vstr(uri);
    BSTR a = bstr(action), in = bstr(xml), out = NULL;
    HRESULT hr = IWSManSession_Invoke(s, a, v, in, 0, &out);
    char *text = utf8(out);

    VariantClear(&v);
    SysFreeString(a);
    SysFreeString(in);
    SysFreeString(out);
    *hr_out = hr;
    return text;
}

static IWSManEnumerator *start_enumeration(IWSManSession *s, const char *uri)
{
    VARIANT v = vstr(uri);
    IDispatch *disp = NULL;
    IWSManEnumerator *e = NULL;
    HRESULT hr = IWSManSession_Enumerate(s, v, NULL, NULL, 0, &disp);

    VariantClear(&v);
    tok(hr == S_OK && disp, "Enumerate(%s): 0x%08x", uri, (unsigned)hr);
    if (hr != S_OK || !disp)
        return NULL;
    IDispatch_QueryInterface(disp, &IID_IWSManEnumerator, (void **)&e);
    IDispatch_Release(disp);
    return e;
}

/* Enumerates Win32_Service to the end; the number of items (each checked to be a Win32_Service). */
static int enumerate_services(IWSManSession *s)
{
    IWSManEnumerator *e = start_enumeration(s, WMI "Win32_Service");
    int items = 0;

    if (!e)
        return -1;
    for (;;) {
        VARIANT_BOOL eos = VARIANT_TRUE;
        BSTR item = NULL;
        HRESULT hr;
        char *text;

        tok_hr(S_OK, IWSManEnumerator_get_AtEndOfStream(e, &eos));
        if (eos)
            break;
        hr = IWSManEnumerator_ReadItem(e, &item);
        text = utf8(item);
        SysFreeString(item);
        tok(hr == S_OK && contains(text, "<p:Win32_Service"), "ReadItem: 0x%08x %s", (unsigned)hr, text);
        free(text);
        if (hr != S_OK)
            break;
        items++;
    }
    IWSManEnumerator_Release(e);
    return items;
}

/* The text between `open` and the next '<' in xml, malloc'd; NULL when absent. */
static char *text_after(const char *xml, const char *open)
{
    const char *p = xml ? strstr(xml, open) : NULL, *end;

    if (!p)
        return NULL;
    p += strlen(open);
    if (!(end = strchr(p, '<')))
        return NULL;
    return strndup(p, (size_t)(end - p));
}

/* A remote command through the cmd shell: Create, Command, Receive until Done, Delete. */
static void run_shell_command(IWSManSession *s, int id)
{
    char cmdline[300], uri[300], receive[400], expect[64], *epr, *shell_id = NULL, *command_id = NULL, *r;
    char *all = NULL;
    size_t all_len = 0;
    int done = 0;
    HRESULT hr;

    epr = put_or_create(s, 1, SHELL_URI,
                        "<rsp:Shell xmlns:rsp=\"" SHELL_NS "\"><rsp:InputStreams>stdin</rsp:InputStreams>"
                        "<rsp:OutputStreams>stdout stderr</rsp:OutputStreams></rsp:Shell>");
    shell_id = text_after(epr, "Name=\"ShellId\">");
    tok(shell_id && *shell_id, "the shell's EPR has a ShellId: %s", epr);
    free(epr);
    if (!shell_id)
        return;
    snprintf(uri, sizeof(uri), SHELL_URI "?ShellId=%s", shell_id);
    /* The command prints "T<id>XY" (base64 in the Receive replies; six bytes with the
     * line feed, so eight characters without padding, short enough to come in one piece). */
    snprintf(cmdline, sizeof(cmdline),
             "<rsp:CommandLine xmlns:rsp=\"" SHELL_NS "\"><rsp:Command>echo T%02dXY</rsp:Command>"
             "</rsp:CommandLine>",
             id);
    r = invoke(s, SHELL_NS "/Command", uri, cmdline, &hr);
    command_id = text_after(r, "<rsp:CommandId>");
    tok(hr == S_OK && command_id, "Command: 0x%08x %s", (unsigned)hr, r);
    free(r);
    if (command_id) {
        snprintf(receive, sizeof(receive),
                 "<rsp:Receive xmlns:rsp=\"" SHELL_NS "\"><rsp:DesiredStream CommandId=\"%s\">stdout stderr"
                 "</rsp:DesiredStream></rsp:Receive>",
                 command_id);
        for (int i = 0; i < 50 && !done; i++) {
            r = invoke(s, SHELL_NS "/Receive", uri, receive, &hr);
            tok(hr == S_OK, "Receive: 0x%08x %s", (unsigned)hr, r);
            if (hr != S_OK) {
                free(r);
                break;
            }
            done = contains(r, SHELL_DONE);
            if (done)
                tok(contains(r, "<rsp:ExitCode>0</rsp:ExitCode>"), "the command's exit code: %s", r);
            all = realloc(all, all_len + strlen(r) + 1);
            memcpy(all + all_len, r, strlen(r) + 1);
            all_len += strlen(r);
            free(r);
        }
        tok(done, "the command finished");
        /* base64("T<id>XY\n"): 6 bytes, 8 characters. */
        {
            static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            char in[8];
            snprintf(in, sizeof(in), "T%02dXY\n", id);
            for (int i = 0; i < 2; i++) {
                unsigned v = (unsigned)(unsigned char)in[3 * i] << 16 |
                             (unsigned)(unsigned char)in[3 * i + 1] << 8 | (unsigned char)in[3 * i + 2];
                for (int k = 0; k < 4; k++)
                    expect[4 * i + k] = b64[(v >> (18 - 6 * k)) & 63];
            }
            expect[8] = '\0';
        }
        tok(contains(all, expect), "the command's output (%s) arrived: %s", expect, all ? all : "(none)");
        free(all);
        free(command_id);
    }
    {
        VARIANT v = vstr(uri);
        tok_hr(S_OK, IWSManSession_Delete(s, v, 0));
        VariantClear(&v);
    }
    free(shell_id);
}

/* ---- (a) every thread its own WSMan and Session ---- */

static void *own_objects_main(void *arg)
{
    int id = (int)*(long *)arg;
    IWSManEx3 *w;
    IWSManSession *s;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (!(w = new_wsman()))
        goto out;
    if (!(s = new_session(w))) {
        IWSManEx3_Release(w);
        goto out;
    }
    for (int round = 0; round < OWN_ROUNDS; round++) {
        char uri[300], xml[600], value[64], *r;
        BSTR out = NULL;
        HRESULT hr;
        int item = 1000 + id * 10 + round, items;

        hr = IWSManSession_Identify(s, 0, &out);
        r = utf8(out);
        tok(hr == S_OK && contains(r, "ProtocolVersion"), "Identify: 0x%08x %s", (unsigned)hr, r);
        free(r);
        SysFreeString(out);

        get_ok(s, WINRM_SERVICE, "<p:Name>WinRM</p:Name>");

        /* Create, Put, Get, Delete of an instance of this thread's own. */
        snprintf(xml, sizeof(xml),
                 "<p:WSMAuto_Item xmlns:p=\"" WMI "WSMAuto_Item\"><p:Id>%d</p:Id><p:Name>t%d</p:Name>"
                 "<p:Value>new</p:Value></p:WSMAuto_Item>",
                 item, id);
        r = put_or_create(s, 1, WMI "WSMAuto_Item", xml);
        tok(contains(r, "ResourceCreated") && contains(r, "WSMAuto_Item"), "Create: %s", r);
        free(r);
        snprintf(uri, sizeof(uri), WMI "WSMAuto_Item?Id=%d", item);
        snprintf(value, sizeof(value), "thread %d round %d", id, round);
        snprintf(xml, sizeof(xml),
                 "<p:WSMAuto_Item xmlns:p=\"" WMI "WSMAuto_Item\"><p:Id>%d</p:Id><p:Name>t%d</p:Name>"
                 "<p:Value>%s</p:Value></p:WSMAuto_Item>",
                 item, id, value);
        r = put_or_create(s, 0, uri, xml);
        tok(contains(r, value), "Put returns the new value: %s", r);
        free(r);
        get_ok(s, uri, value);
        {
            VARIANT v = vstr(uri);
            tok_hr(S_OK, IWSManSession_Delete(s, v, 0));
            VariantClear(&v);
        }

        /* Invoke on this thread's own service: stopped (or already stopped), then started. */
        snprintf(uri, sizeof(uri), WMI "Win32_Service?Name=svc%05d", id + 1);
        r = invoke(s, "StopService", uri, "<p:StopService_INPUT xmlns:p=\"" WMI "Win32_Service\"/>", &hr);
        tok(hr == S_OK && (contains(r, "<p:ReturnValue>0<") || contains(r, "<p:ReturnValue>5<")),
            "StopService: 0x%08x %s", (unsigned)hr, r);
        free(r);
        r = invoke(s, WMI "Win32_Service/StartService", uri,
                   "<p:StartService_INPUT xmlns:p=\"" WMI "Win32_Service\"/>", &hr);
        tok(hr == S_OK && contains(r, "<p:ReturnValue>0<"), "StartService: 0x%08x %s", (unsigned)hr, r);
        free(r);

        items = enumerate_services(s);
        tok(items == SERVICES, "enumeration: %d items (%d expected)", items, SERVICES);

        run_shell_command(s, id);
    }
    IWSManSession_Release(s);
    IWSManEx3_Release(w);
out:
    CoUninitialize();
    return NULL;
}

static void test_own_objects(void)
{
    pthread_t threads[OWN_THREADS];
    long args[OWN_THREADS];

    start_threads(threads, OWN_THREADS, own_objects_main, args);
    join_threads(threads, OWN_THREADS);
}

/* ---- (b) shared objects ---- */

static IWSManEx3 *shared_wsman;

/* One WSMan object: sessions, locators and options made from it in every thread, and CreateSession failures
 * that write its Error property while others read it. */
static void *shared_wsman_main(void *arg)
{
    int id = (int)*(long *)arg;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    for (int i = 0; i < 3; i++) {
        IWSManSession *s = new_session(shared_wsman);
        IDispatch *disp = NULL;
        BSTR text, err = NULL;
        HRESULT hr;
        char *e;

        if (s) {
            get_ok(s, WINRM_SERVICE, "WinRM");
            IWSManSession_Release(s);
        }
        text = bstr(WMI "Win32_Service?Name=Spooler");
        tok_hr(S_OK, IWSManEx3_CreateResourceLocator(shared_wsman, text, &disp));
        SysFreeString(text);
        if (disp)
            IDispatch_Release(disp);
        disp = NULL;
        tok_hr(S_OK, IWSManEx3_CreateConnectionOptions(shared_wsman, &disp));
        if (disp)
            IDispatch_Release(disp);
        disp = NULL;
        /* A malformed connection string: CreateSession fails and sets the object's Error. */
        text = bstr(id % 2 ? "http://[::1" : "bad scheme://host");
        hr = IWSManEx3_CreateSession(shared_wsman, text, 0, NULL, &disp);
        SysFreeString(text);
        tok(FAILED(hr) && !disp, "CreateSession of a malformed string fails: 0x%08x", (unsigned)hr);
        tok_hr(S_OK, IWSManEx3_get_Error(shared_wsman, &err));
        e = utf8(err);
        tok(contains(e, "WSManFault"), "WSMan.Error: %s", e);
        free(e);
        SysFreeString(err);
        err = NULL;
        tok_hr(S_OK, IWSManEx3_get_CommandLine(shared_wsman, &err));
        e = utf8(err);
        tok(contains(e, "test_threads"), "WSMan.CommandLine: %s", e);
        free(e);
        SysFreeString(err);
    }
    CoUninitialize();
    return NULL;
}

/* One Session: Gets (some failing, writing its Error) and whole enumerations at the same time. */
static IWSManSession *shared_session;

static void *shared_session_main(void *arg)
{
    int id = (int)*(long *)arg;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    for (int i = 0; i < 3; i++) {
        LONG value = 0;
        char *e;

        if (id % 2) {
            int items = enumerate_services(shared_session);
            tok(items == SERVICES, "enumeration on the shared session: %d items", items);
        } else {
            HRESULT hr;
            char *r;

            get_ok(shared_session, WINRM_SERVICE, "WinRM");
            r = session_get(shared_session, WMI "No_Such_Class", &hr);
            tok(hr == ERROR_WSMAN_RESOURCE_NOT_FOUND, "Get of a missing class: 0x%08x", (unsigned)hr);
            free(r);
        }
        tok_hr(S_OK, IWSManSession_get_Timeout(shared_session, &value));
        tok(value == 60000, "Timeout: %d", (int)value);
        tok_hr(S_OK, IWSManSession_get_BatchItems(shared_session, &value));
        tok(value == 7, "BatchItems: %d", (int)value);
        {
            /* The same property late-bound, as a script reads it. */
            BSTR name = bstr("BatchItems");
            DISPID dispid = 0;
            DISPPARAMS none = {NULL, NULL, 0, 0};
            VARIANT result;
            IDispatch *disp = (IDispatch *)shared_session;
            HRESULT hr = IDispatch_GetIDsOfNames(disp, &IID_NULL, &name, 1, LOCALE_USER_DEFAULT, &dispid);

            SysFreeString(name);
            VariantInit(&result);
            tok_hr(S_OK, hr);
            if (hr == S_OK)
                hr = IDispatch_Invoke(disp, dispid, &IID_NULL, LOCALE_USER_DEFAULT, DISPATCH_PROPERTYGET,
                                      &none, &result, NULL, NULL);
            tok(hr == S_OK && V_VT(&result) == VT_I4 && V_I4(&result) == 7, "IDispatch BatchItems: 0x%08x",
                (unsigned)hr);
            VariantClear(&result);
        }
        e = session_error(shared_session);
        tok(e != NULL, "Session.Error is readable");
        free(e);
    }
    CoUninitialize();
    return NULL;
}

/* One ResourceLocator: threads Get through it while others change its selector (WinRM <-> Spooler), its
 * options and its fragment, and read its properties. */
static IWSManResourceLocator *shared_locator;
static IDispatch *shared_locator_disp;

static void *shared_locator_main(void *arg)
{
    int id = (int)*(long *)arg;

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (id < SHARED_THREADS / 2) {
        /* Readers through sessions of their own. */
        IWSManSession *s = new_session(shared_wsman);
        for (int i = 0; s && i < 6; i++) {
            VARIANT v;
            BSTR out = NULL;
            HRESULT hr;
            char *r;

            V_VT(&v) = VT_DISPATCH;
            V_DISPATCH(&v) = shared_locator_disp;
            hr = IWSManSession_Get(s, v, 0, &out);
            r = utf8(out);
            SysFreeString(out);
            /* The selector is switched by ClearSelectors + AddSelector: a Get may see the locator in
             * between, with no selector, which the server answers (for a keyed class) with the fault WinRM
             * sends, w:InvalidSelectors/UnexpectedSelectors. */
            tok((hr == S_OK && (contains(r, "WinRM") || contains(r, "Spooler"))) ||
                    hr == ERROR_WSMAN_UNEXPECTED_SELECTORS,
                "Get through the shared locator: 0x%08x %s", (unsigned)hr, r);
            free(r);
        }
        if (s)
            IWSManSession_Release(s);
    } else {
        /* Writers and readers of the locator's own properties. */
        for (int i = 0; i < 12; i++) {
            BSTR name, text = NULL;
            VARIANT value;
            BOOL must = TRUE;
            char opt[32], *t;

            name = bstr("Name");
            value = vstr(i % 2 ? "WinRM" : "Spooler");
            tok_hr(S_OK, IWSManResourceLocator_ClearSelectors(shared_locator));
            /* Another writer may have added one since: the second AddSelector of a name fails. */
            IWSManResourceLocator_AddSelector(shared_locator, name, value);
            SysFreeString(name);
            VariantClear(&value);
            snprintf(opt, sizeof(opt), "opt%d", id); /* the same name twice would be refused */
            name = bstr(opt);
            value = vstr("v");
            tok_hr(S_OK, IWSManResourceLocator_AddOption(shared_locator, name, value, FALSE));
            SysFreeString(name);
            VariantClear(&value);
            /* (Not TRUE: the server refuses options it must understand and does not know.) */
            tok_hr(S_OK, IWSManResourceLocator_put_MustUnderstandOptions(shared_locator, FALSE));
            tok_hr(S_OK, IWSManResourceLocator_get_MustUnderstandOptions(shared_locator, &must));
            tok(!must, "MustUnderstandOptions: %d", (int)must);
            tok_hr(S_OK, IWSManResourceLocator_ClearOptions(shared_locator));
            text = bstr(i % 3 ? "" : "Name");
            tok_hr(S_OK, IWSManResourceLocator_put_FragmentPath(shared_locator, text));
            SysFreeString(text);
            text = NULL;
            tok_hr(S_OK, IWSManResourceLocator_get_FragmentPath(shared_locator, &text));
            t = utf8(text);
            tok(!strcmp(t, "") || !strcmp(t, "Name"), "FragmentPath: %s", t);
            free(t);
            SysFreeString(text);
            text = NULL;
            tok_hr(S_OK, IWSManResourceLocator_get_ResourceURI(shared_locator, &text));
            t = utf8(text);
            tok(!strcmp(t, WMI "Win32_Service"), "ResourceURI: %s", t);
            free(t);
            SysFreeString(text);
        }
    }
    CoUninitialize();
    return NULL;
}

/* One Enumerator: ReadItem and AtEndOfStream from every thread; each item comes out exactly once. */
static IWSManEnumerator *shared_enumerator;
static char *seen[SERVICES + 8];
static int n_seen;

static void *shared_enumerator_main(void *arg)
{
    (void)arg;
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    for (;;) {
        VARIANT_BOOL eos = VARIANT_TRUE;
        BSTR item = NULL;
        HRESULT hr;
        char *text, *name;

        tok_hr(S_OK, IWSManEnumerator_get_AtEndOfStream(shared_enumerator, &eos));
        if (eos)
            break;
        hr = IWSManEnumerator_ReadItem(shared_enumerator, &item);
        text = utf8(item);
        SysFreeString(item);
        /* Another thread may have taken the last item since AtEndOfStream said there was one. */
        if (hr == ERROR_WSMAN_ENUMERATION_CLOSED) {
            free(text);
            break;
        }
        name = text_after(text, "<p:Name>");
        tok(hr == S_OK && name, "ReadItem of the shared enumerator: 0x%08x %s", (unsigned)hr, text);
        free(text);
        if (!name)
            break;
        pthread_mutex_lock(&check_lock);
        if (n_seen < (int)(sizeof(seen) / sizeof(seen[0])))
            seen[n_seen++] = name;
        else
            free(name);
        pthread_mutex_unlock(&check_lock);
    }
    CoUninitialize();
    return NULL;
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_shared_objects(void)
{
    pthread_t threads[SHARED_THREADS];
    long args[SHARED_THREADS];
    BSTR text;
    int dups = 0;

    if (!(shared_wsman = new_wsman()))
        return;

    /* The WSMan object. */
    start_threads(threads, SHARED_THREADS, shared_wsman_main, args);
    join_threads(threads, SHARED_THREADS);

    /* The Session, with the trace switched on and off meanwhile. */
    if ((shared_session = new_session(shared_wsman))) {
        char trace[300], *text;
        FILE *f;

        snprintf(trace, sizeof(trace), "%s/trace.log", tmpdir);
        tok_hr(S_OK, IWSManSession_put_BatchItems(shared_session, 7));
        start_threads(threads, SHARED_THREADS, shared_session_main, args);
        for (int i = 0; i < 8; i++) {
            tok(WSManAutoSetTrace(trace) == 0, "WSManAutoSetTrace(%s)", trace);
            sleep_ms(15);
            tok(WSManAutoSetTrace(NULL) == 0, "WSManAutoSetTrace(NULL)");
            sleep_ms(15);
        }
        join_threads(threads, SHARED_THREADS);
        text = calloc(1, 1 << 16);
        if (text && (f = fopen(trace, "r"))) {
            size_t n = fread(text, 1, (1 << 16) - 1, f);
            text[n] = '\0';
            fclose(f);
        }
        tok(contains(text, "> POST /wsman") && !contains(text, "wsmpass"),
            "the trace has requests of the shared session and no password");
        free(text);
    }

    /* The ResourceLocator. */
    text = bstr(WMI "Win32_Service?Name=WinRM");
    tok_hr(S_OK, IWSManEx3_CreateResourceLocator(shared_wsman, text, &shared_locator_disp));
    SysFreeString(text);
    if (shared_locator_disp &&
        SUCCEEDED(IDispatch_QueryInterface(shared_locator_disp, &IID_IWSManResourceLocator,
                                           (void **)&shared_locator))) {
        start_threads(threads, SHARED_THREADS, shared_locator_main, args);
        join_threads(threads, SHARED_THREADS);
        IWSManResourceLocator_Release(shared_locator);
    }
    if (shared_locator_disp)
        IDispatch_Release(shared_locator_disp);

    /* The Enumerator (BatchItems 7: eight Pulls, from whichever threads need the next batch). */
    if (shared_session && (shared_enumerator = start_enumeration(shared_session, WMI "Win32_Service"))) {
        start_threads(threads, SHARED_THREADS, shared_enumerator_main, args);
        join_threads(threads, SHARED_THREADS);
        IWSManEnumerator_Release(shared_enumerator);
        qsort(seen, (size_t)n_seen, sizeof(seen[0]), compare_strings);
        for (int i = 1; i < n_seen; i++) {
            if (!strcmp(seen[i - 1], seen[i])) {
                dups++;
                fprintf(stderr, "delivered twice: %s\n", seen[i]);
            }
        }
        tok(n_seen == SERVICES && !dups, "the shared enumerator delivered %d items (%d expected), %d twice",
            n_seen, SERVICES, dups);
        for (int i = 0; i < n_seen; i++)
            free(seen[i]);
    }
    if (shared_session)
        IWSManSession_Release(shared_session);
    IWSManEx3_Release(shared_wsman);
}

int main(void)
{
    static const char *const args[] = {"--auth", "basic", "--allow-shell", NULL};
    char path[300];

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/wsmauto-threads-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 2;
    /* Nothing from the real user's configuration; set before any thread exists (setenv is not thread-safe).
     */
    setenv("XDG_CONFIG_HOME", tmpdir, 1);
    snprintf(path, sizeof(path), "%s/client.conf", tmpdir);
    write_file(path, "[Client]\nAllowUnencrypted = true\n");
    setenv("WSMAUTO_CLIENT_CONFIG", path, 1);

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (test_server_start(&srv, args) == 0) {
        test_own_objects();
        test_shared_objects();
        test_server_stop(&srv);
    } else {
        ok(0, "the test server did not start");
    }
    CoUninitialize();
    {
        char cmd[400];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    return test_summary("threads");
}
