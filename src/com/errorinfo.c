/*
 * Error reporting shared by every object: the Error property (WSManFault
 * XML of the last failure), the thread's rich error info (Err.Source,
 * Err.Description) and ISupportErrorInfo.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <unistd.h>
#endif

#include "private.h"

void com_error_init(struct com_error *e, const char *source, const IID *iid)
{
    wsm_lock_init(&e->lock);
    e->fault_xml = NULL;
    e->source = source;
    e->iid = iid;
}

void com_error_destroy(struct com_error *e)
{
    free(e->fault_xml);
    e->fault_xml = NULL;
    wsm_lock_destroy(&e->lock);
}

HRESULT com_error_get(struct com_error *e, BSTR *value)
{
    HRESULT hr;

    if (!value)
        return E_POINTER;
    wsm_lock_enter(&e->lock);
    hr = return_bstr(e->fault_xml ? e->fault_xml : "", value);
    wsm_lock_leave(&e->lock);
    return hr;
}

static char machine_name[256];

#ifdef _WIN32
static BOOL CALLBACK init_machine_name(INIT_ONCE *once, void *param, void **context)
{
    WCHAR name[MAX_COMPUTERNAME_LENGTH + 1];
    DWORD len = ARRAY_SIZE(name);

    (void)once, (void)param, (void)context;
    if (!GetComputerNameW(name, &len) ||
        !WideCharToMultiByte(CP_UTF8, 0, name, (int)len + 1, machine_name, sizeof(machine_name), NULL, NULL))
        snprintf(machine_name, sizeof(machine_name), "localhost");
    return TRUE;
}

const char *com_machine_name(void)
{
    static INIT_ONCE once = INIT_ONCE_STATIC_INIT;

    InitOnceExecuteOnce(&once, init_machine_name, NULL, NULL);
    return machine_name;
}
#else
static void init_machine_name(void)
{
    if (gethostname(machine_name, sizeof(machine_name) - 1) != 0 || !machine_name[0])
        snprintf(machine_name, sizeof(machine_name), "localhost");
}

const char *com_machine_name(void)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;

    pthread_once(&once, init_machine_name);
    return machine_name;
}
#endif

static void set_thread_error(const struct com_error *e, const char *text)
{
    ICreateErrorInfo *create;
    IErrorInfo *info;
    BSTR source, description;

    if (FAILED(CreateErrorInfo(&create)))
        return;
    source = bstr_from_utf8(e->source);
    description = bstr_from_utf8(text);
    ICreateErrorInfo_SetGUID(create, e->iid);
    ICreateErrorInfo_SetSource(create, source);
    ICreateErrorInfo_SetDescription(create, description);
    if (SUCCEEDED(ICreateErrorInfo_QueryInterface(create, &IID_IErrorInfo, (void **)&info))) {
        SetErrorInfo(0, info);
        IErrorInfo_Release(info);
    }
    ICreateErrorInfo_Release(create);
    SysFreeString(source);
    SysFreeString(description);
}

/* Replace the Error property; keeps the old text if memory runs out. */
static void set_fault_xml(struct com_error *e, char *xml)
{
    if (!xml)
        return;
    wsm_lock_enter(&e->lock);
    free(e->fault_xml);
    e->fault_xml = xml;
    wsm_lock_leave(&e->lock);
}

HRESULT com_fail_fault(struct com_error *e, HRESULT hr, const char *fault_xml, const char *text)
{
    char *copy = wsm_strdup(fault_xml);

    set_fault_xml(e, copy);
    set_thread_error(e, text);
    return hr;
}

HRESULT com_fail(struct com_error *e, HRESULT hr, const char *detail)
{
    char *message = wsm_error_message((uint32_t)hr);
    char *text = NULL;

    if (message && detail && *detail)
        text = wsm_asprintf("%s %s", message, detail);
    else if (message)
        text = wsm_strdup(message);
    else if (detail)
        text = wsm_strdup(detail);
    set_fault_xml(e, wsm_fault_xml((uint32_t)hr, com_machine_name(), text ? text : ""));
    set_thread_error(e, text ? text : "");
    free(text);
    free(message);
    return hr;
}

HRESULT com_failf(struct com_error *e, HRESULT hr, const char *fmt, ...)
{
    va_list ap;
    char *detail = NULL;
    int n;

    va_start(ap, fmt);
    n = vasprintf(&detail, fmt, ap);
    va_end(ap);
    hr = com_fail(e, hr, n >= 0 ? detail : NULL);
    if (n >= 0)
        free(detail);
    return hr;
}

/* ---- ISupportErrorInfo ---- */

static inline struct support_error_info *impl_from_ISupportErrorInfo(ISupportErrorInfo *iface)
{
    return CONTAINING_RECORD(iface, struct support_error_info, ISupportErrorInfo_iface);
}

static HRESULT STDMETHODCALLTYPE sei_QueryInterface(ISupportErrorInfo *iface, REFIID riid, void **ppv)
{
    struct support_error_info *s = impl_from_ISupportErrorInfo(iface);
    return IUnknown_QueryInterface(s->outer, riid, ppv);
}

static ULONG STDMETHODCALLTYPE sei_AddRef(ISupportErrorInfo *iface)
{
    struct support_error_info *s = impl_from_ISupportErrorInfo(iface);
    return IUnknown_AddRef(s->outer);
}

static ULONG STDMETHODCALLTYPE sei_Release(ISupportErrorInfo *iface)
{
    struct support_error_info *s = impl_from_ISupportErrorInfo(iface);
    return IUnknown_Release(s->outer);
}

static HRESULT STDMETHODCALLTYPE sei_InterfaceSupportsErrorInfo(ISupportErrorInfo *iface, REFIID riid)
{
    struct support_error_info *s = impl_from_ISupportErrorInfo(iface);

    if (!riid)
        return E_POINTER;
    for (const IID *const *p = s->iids; *p; p++)
        if (IsEqualIID(riid, *p))
            return S_OK;
    return S_FALSE;
}

static const ISupportErrorInfoVtbl support_error_info_vtbl = {
    sei_QueryInterface,
    sei_AddRef,
    sei_Release,
    sei_InterfaceSupportsErrorInfo,
};

void support_error_info_init(struct support_error_info *s, IUnknown *outer, const IID *const *iids)
{
    s->ISupportErrorInfo_iface.lpVtbl = &support_error_info_vtbl;
    s->outer = outer;
    s->iids = iids;
}
