/*
 * The Session object (IWSManSession): one target, its flags and
 * credentials, BatchItems and Timeout, and the WS-Management operations.
 *
 * CreateSession only records and checks its parameters; nothing touches
 * the network until the first operation.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "private.h"
#include "reply.h"

#define DEFAULT_BATCH_ITEMS 20
#define DEFAULT_TIMEOUT_MS 60000 /* WSMAN_DEFAULT_TIMEOUT_MS */

struct session {
    IWSManSession IWSManSession_iface;
    struct support_error_info sei;
    atomic_long refs;
    struct com_error error;
    wsm_lock lock;
    struct wsm_endpoint endpoint;
    uint32_t flags;
    int has_options;
    struct wsm_session_options creds; /* passwords wiped on release */
    LONG batch_items;
    LONG timeout_ms;
    atomic_int running_enumerations;
    /* The wire side: one operation at a time (one request in flight on
     * the session's connection). */
    wsm_lock op_lock;
    struct wsm_client *client;
};

static const IID *const session_error_iids[] = {&IID_IWSManSession, NULL};

static inline struct session *impl_from_IWSManSession(IWSManSession *iface)
{
    return CONTAINING_RECORD(iface, struct session, IWSManSession_iface);
}

static HRESULT STDMETHODCALLTYPE session_QueryInterface(IWSManSession *iface, REFIID riid, void **ppv)
{
    struct session *This = impl_from_IWSManSession(iface);

    if (!ppv)
        return E_POINTER;
    if (!riid) {
        *ppv = NULL;
        return E_INVALIDARG;
    }
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) ||
        IsEqualIID(riid, &IID_IWSManSession))
        *ppv = &This->IWSManSession_iface;
    else if (IsEqualIID(riid, &IID_ISupportErrorInfo))
        *ppv = &This->sei.ISupportErrorInfo_iface;
    else {
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    IUnknown_AddRef((IUnknown *)*ppv);
    return S_OK;
}

static ULONG STDMETHODCALLTYPE session_AddRef(IWSManSession *iface)
{
    struct session *This = impl_from_IWSManSession(iface);
    return (ULONG)atomic_fetch_add(&This->refs, 1) + 1;
}

static ULONG STDMETHODCALLTYPE session_Release(IWSManSession *iface)
{
    struct session *This = impl_from_IWSManSession(iface);
    ULONG refs = (ULONG)atomic_fetch_sub(&This->refs, 1) - 1;

    if (!refs) {
        wsm_client_free(This->client);
        wsm_lock_destroy(&This->op_lock);
        wsm_session_options_clear(&This->creds);
        wsm_endpoint_free(&This->endpoint);
        com_error_destroy(&This->error);
        wsm_lock_destroy(&This->lock);
        free(This);
        com_object_destroyed();
    }
    return refs;
}

DEFINE_DISPATCH(IWSManSession, disp_IWSManSession)

static int is_blank(const OLECHAR *s)
{
    if (!s)
        return 1;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\r' && *s != '\n')
            return 0;
    return 1;
}

/* Turns the resourceUri argument (a URI string, a ResourceLocator, or an
 * EPR string) into a locator snapshot the operation can use. */
static HRESULT resolve_resource(struct session *This, const VARIANT *arg, struct wsm_locator **out)
{
    VARIANT v;
    char *text, *detail = NULL;
    HRESULT hr;

    *out = NULL;
    VariantInit(&v);
    if (FAILED(hr = VariantCopyInd(&v, (VARIANT *)arg)))
        return hr == E_OUTOFMEMORY ? hr
                                   : com_fail(&This->error, ERROR_WSMAN_CLIENT_INVALID_RESOURCE_LOCATOR,
                                              "The resource argument could not be read.");
    switch (V_VT(&v)) {
    case VT_DISPATCH:
        hr = resource_locator_snapshot(V_DISPATCH(&v), out);
        VariantClear(&v);
        if (hr == E_OUTOFMEMORY)
            return hr;
        if (!*out)
            return com_fail(&This->error, ERROR_WSMAN_CLIENT_INVALID_RESOURCE_LOCATOR,
                            "The object given as the resource is not a ResourceLocator created by "
                            "WSMan.CreateResourceLocator.");
        if (!(*out)->uri) {
            wsm_locator_free(*out);
            *out = NULL;
            return com_fail(&This->error, ERROR_WSMAN_CLIENT_BLANK_URI,
                            "The ResourceLocator has no ResourceURI.");
        }
        return S_OK;
    case VT_BSTR:
        break;
    case VT_EMPTY:
    case VT_NULL:
    case VT_ERROR:
        VariantClear(&v);
        return com_fail(&This->error, ERROR_WSMAN_CLIENT_BLANK_URI, NULL);
    default:
        VariantClear(&v);
        return com_fail(&This->error, ERROR_WSMAN_CLIENT_INVALID_RESOURCE_LOCATOR,
                        "The resource must be a URI string or a ResourceLocator object.");
    }
    if (is_blank(V_BSTR(&v))) {
        VariantClear(&v);
        return com_fail(&This->error, ERROR_WSMAN_CLIENT_BLANK_URI, NULL);
    }
    text = utf8_from_olestr(V_BSTR(&v));
    VariantClear(&v);
    if (text && wsm_looks_like_xml(text)) {
        /* An endpoint reference, such as the one Create returns; aliases are not expanded inside it. */
        hr = wsm_parse_epr(text, out, &detail);
        free(text);
        if (hr && hr != WSM_E_OUTOFMEMORY)
            hr = com_fail(&This->error, hr, detail);
        free(detail);
        return hr;
    }
    if (!text || !(*out = calloc(1, sizeof(**out)))) {
        free(text);
        return E_OUTOFMEMORY;
    }
    hr = wsm_locator_set_uri_text(*out, text, &detail);
    free(text);
    if (hr) {
        wsm_locator_free(*out);
        *out = NULL;
        if (hr != WSM_E_OUTOFMEMORY)
            hr = com_fail(&This->error, hr, detail);
        free(detail);
    }
    return hr;
}

static HRESULT check_reserved_flags(struct session *This, LONG flags, const char *method)
{
    if (!flags)
        return S_OK;
    return com_failf(&This->error, ERROR_WSMAN_CLIENT_INVALID_FLAG,
                     "Session.%s takes no flags (0x%08X was given).", method, (unsigned)flags);
}

static HRESULT check_input(struct session *This, BSTR text, HRESULT code, const char *what)
{
    if (!is_blank(text))
        return S_OK;
    return com_failf(&This->error, code, "The %s is empty.", what);
}

/* Reports a failed wire operation on the Session (and returns its HRESULT). */
static HRESULT report_failure(struct com_error *e, struct wsm_failure *f)
{
    HRESULT hr = f->hr;

    if (hr == WSM_E_OUTOFMEMORY)
        ;
    else if (f->fault_xml)
        com_fail_fault(e, hr, f->fault_xml, f->text ? f->text : "");
    else
        com_fail(e, hr, f->text);
    wsm_failure_clear(f);
    return hr;
}

static void read_settings(struct session *This, uint32_t *timeout_ms, uint32_t *batch_items)
{
    wsm_lock_enter(&This->lock);
    *timeout_ms = (uint32_t)This->timeout_ms;
    if (batch_items)
        *batch_items = (uint32_t)This->batch_items;
    wsm_lock_leave(&This->lock);
}

/* Hands a result string to the caller as a BSTR. */
static HRESULT finish_result(struct session *This, int32_t hr, char *result, struct wsm_failure *f, BSTR *out)
{
    if (hr) {
        free(result);
        return report_failure(&This->error, f);
    }
    if (out)
        hr = return_bstr(result ? result : "", out);
    free(result);
    return hr;
}

enum transfer_op { OP_GET, OP_PUT, OP_CREATE, OP_DELETE };

/* A WS-Transfer operation: its reserved flags, the resource, and for
 * Put/Create (has_input) a non-empty input document. */
static HRESULT transfer(struct session *This, enum transfer_op op, LONG flags, const VARIANT *uri, BSTR input,
                        BSTR *out)
{
    static const char *const names[] = {"Get", "Put", "Create", "Delete"};
    struct wsm_failure f = {0};
    struct wsm_locator *target;
    char *xml = NULL, *result = NULL;
    uint32_t timeout;
    HRESULT hr;

    if (out)
        *out = NULL;
    if (FAILED(hr = check_reserved_flags(This, flags, names[op])) ||
        FAILED(hr = resolve_resource(This, uri, &target)))
        return hr;
    if (op == OP_PUT || op == OP_CREATE) {
        if (FAILED(hr = check_input(This, input, ERROR_WSMAN_CLIENT_BLANK_INPUT_XML, "resource XML"))) {
            wsm_locator_free(target);
            return hr;
        }
        if (!(xml = utf8_from_olestr(input))) {
            wsm_locator_free(target);
            return E_OUTOFMEMORY;
        }
    }
    read_settings(This, &timeout, NULL);
    wsm_lock_enter(&This->op_lock);
    switch (op) {
    case OP_GET:
        hr = wsm_client_get(This->client, target, timeout, &result, &f);
        break;
    case OP_PUT:
        hr = wsm_client_put(This->client, target, xml, timeout, &result, &f);
        break;
    case OP_CREATE:
        hr = wsm_client_create(This->client, target, xml, timeout, &result, &f);
        break;
    case OP_DELETE:
        hr = wsm_client_delete(This->client, target, timeout, &f);
        break;
    }
    wsm_lock_leave(&This->op_lock);
    free(xml);
    wsm_locator_free(target);
    return finish_result(This, hr, result, &f, out);
}

static HRESULT STDMETHODCALLTYPE session_Get(IWSManSession *iface, VARIANT uri, LONG flags, BSTR *resource)
{
    if (!resource)
        return E_POINTER;
    return transfer(impl_from_IWSManSession(iface), OP_GET, flags, &uri, NULL, resource);
}

static HRESULT STDMETHODCALLTYPE session_Put(IWSManSession *iface, VARIANT uri, BSTR resource, LONG flags,
                                             BSTR *result)
{
    if (!result)
        return E_POINTER;
    return transfer(impl_from_IWSManSession(iface), OP_PUT, flags, &uri, resource, result);
}

static HRESULT STDMETHODCALLTYPE session_Create(IWSManSession *iface, VARIANT uri, BSTR resource, LONG flags,
                                                BSTR *new_uri)
{
    if (!new_uri)
        return E_POINTER;
    return transfer(impl_from_IWSManSession(iface), OP_CREATE, flags, &uri, resource, new_uri);
}

static HRESULT STDMETHODCALLTYPE session_Delete(IWSManSession *iface, VARIANT uri, LONG flags)
{
    return transfer(impl_from_IWSManSession(iface), OP_DELETE, flags, &uri, NULL, NULL);
}

static HRESULT STDMETHODCALLTYPE session_Invoke(IWSManSession *iface, BSTR action, VARIANT uri,
                                                BSTR parameters, LONG flags, BSTR *result)
{
    struct session *This = impl_from_IWSManSession(iface);
    struct wsm_failure f = {0};
    struct wsm_locator *target;
    char *action8, *xml, *out = NULL;
    uint32_t timeout;
    HRESULT hr;

    if (!result)
        return E_POINTER;
    *result = NULL;
    if (FAILED(hr = check_reserved_flags(This, flags, "Invoke")) ||
        FAILED(hr = check_input(This, action, ERROR_WSMAN_CLIENT_BLANK_ACTION_URI, "action")) ||
        FAILED(hr = resolve_resource(This, &uri, &target)))
        return hr;
    if (FAILED(hr = check_input(This, parameters, ERROR_WSMAN_CLIENT_BLANK_INPUT_XML, "parameters XML"))) {
        wsm_locator_free(target);
        return hr;
    }
    action8 = utf8_from_olestr(action);
    xml = utf8_from_olestr(parameters);
    if (!action8 || !xml) {
        free(action8);
        free(xml);
        wsm_locator_free(target);
        return E_OUTOFMEMORY;
    }
    read_settings(This, &timeout, NULL);
    wsm_lock_enter(&This->op_lock);
    hr = wsm_client_invoke(This->client, action8, target, xml, timeout, &out, &f);
    wsm_lock_leave(&This->op_lock);
    free(action8);
    free(xml);
    wsm_locator_free(target);
    return finish_result(This, hr, out, &f, result);
}

static HRESULT STDMETHODCALLTYPE session_Enumerate(IWSManSession *iface, VARIANT uri, BSTR filter,
                                                   BSTR dialect, LONG flags, IDispatch **result)
{
    struct session *This = impl_from_IWSManSession(iface);
    struct wsm_failure f = {0};
    struct wsm_enum_state st;
    struct wsm_locator *target;
    char *filter8, *dialect8;
    uint32_t timeout, batch;
    HRESULT hr;

    if (!result)
        return E_POINTER;
    *result = NULL;
    if ((uint32_t)flags & ~(uint32_t)WSM_ENUM_FLAGS_KNOWN)
        return com_failf(&This->error, ERROR_WSMAN_CLIENT_INVALID_FLAG,
                         "The enumeration flags 0x%08X include unknown bits.", (unsigned)flags);
    if ((flags & WSM_ENUM_RETURN_EPR) && (flags & WSM_ENUM_RETURN_OBJECT_AND_EPR))
        return com_fail(&This->error, ERROR_WSMAN_CLIENT_MULTIPLE_ENUM_MODE_FLAGS,
                        "Give at most one of EnumerationFlagReturnEPR and "
                        "EnumerationFlagReturnObjectAndEPR.");
    if ((flags & WSM_ENUM_HIERARCHY_SHALLOW) && (flags & WSM_ENUM_HIERARCHY_DEEP_BASE_PROPS_ONLY))
        return com_fail(&This->error, ERROR_WSMAN_CLIENT_INVALID_FLAG,
                        "Give at most one of EnumerationFlagHierarchyShallow and "
                        "EnumerationFlagHierarchyDeepBasePropsOnly.");
    if (FAILED(hr = resolve_resource(This, &uri, &target)))
        return hr;
    filter8 = utf8_from_olestr(filter);
    dialect8 = utf8_from_olestr(dialect);
    if (!filter8 || !dialect8) {
        free(filter8);
        free(dialect8);
        wsm_locator_free(target);
        return E_OUTOFMEMORY;
    }
    read_settings(This, &timeout, &batch);
    wsm_lock_enter(&This->op_lock);
    hr = wsm_client_enumerate(This->client, target, filter8, dialect8, (uint32_t)flags, timeout, batch, &st,
                              &f);
    wsm_lock_leave(&This->op_lock);
    free(filter8);
    free(dialect8);
    wsm_locator_free(target);
    if (hr)
        return report_failure(&This->error, &f);
    if (FAILED(hr = enumerator_create(iface, &st, result))) {
        session_release_enumeration(iface, &st);
        wsm_enum_clear(&st);
    }
    return hr;
}

static HRESULT STDMETHODCALLTYPE session_Identify(IWSManSession *iface, LONG flags, BSTR *result)
{
    struct session *This = impl_from_IWSManSession(iface);
    uint32_t auth = (uint32_t)flags & WSM_AUTH_FLAGS;
    struct wsm_failure f = {0};
    char *out = NULL;
    uint32_t timeout;
    HRESULT hr;

    if (!result)
        return E_POINTER;
    *result = NULL;
    if (((uint32_t)flags & ~(uint32_t)WSM_AUTH_FLAGS) || (auth & (auth - 1)))
        return com_failf(&This->error, ERROR_WSMAN_CLIENT_INVALID_FLAG,
                         "Session.Identify takes at most one authentication flag (0x%08X was given).",
                         (unsigned)flags);
    if (This->endpoint.local)
        return com_fail(&This->error, ERROR_WSMAN_NO_IDENTIFY_FOR_LOCAL_SESSION, NULL);
    read_settings(This, &timeout, NULL);
    wsm_lock_enter(&This->op_lock);
    hr = wsm_client_identify(This->client, (uint32_t)flags, timeout, &out, &f);
    wsm_lock_leave(&This->op_lock);
    return finish_result(This, hr, out, &f, result);
}

static HRESULT STDMETHODCALLTYPE session_get_Error(IWSManSession *iface, BSTR *value)
{
    return com_error_get(&impl_from_IWSManSession(iface)->error, value);
}

/* Reads BatchItems or Timeout. */
static HRESULT get_setting(struct session *This, const LONG *field, LONG *value)
{
    if (!value)
        return E_POINTER;
    wsm_lock_enter(&This->lock);
    *value = *field;
    wsm_lock_leave(&This->lock);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE session_get_BatchItems(IWSManSession *iface, LONG *value)
{
    struct session *This = impl_from_IWSManSession(iface);
    return get_setting(This, &This->batch_items, value);
}

/* Both settings are read by running enumerations, so they are frozen
 * while one runs (Session.BatchItems and Session.Timeout, Microsoft Learn). */
static HRESULT set_setting(struct session *This, LONG *field, LONG value, LONG minimum, HRESULT too_small,
                           const char *name)
{
    if (value < minimum)
        return com_failf(&This->error, too_small, "Session.%s must be at least %d (%d was given).", name,
                         (int)minimum, (int)value);
    if (atomic_load(&This->running_enumerations))
        return com_failf(&This->error, E_ILLEGAL_METHOD_CALL,
                         "Session.%s cannot be changed while an enumeration is running.", name);
    wsm_lock_enter(&This->lock);
    *field = value;
    wsm_lock_leave(&This->lock);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE session_put_BatchItems(IWSManSession *iface, LONG value)
{
    struct session *This = impl_from_IWSManSession(iface);
    return set_setting(This, &This->batch_items, value, 1, ERROR_WSMAN_CLIENT_BATCH_ITEMS_TOO_SMALL,
                       "BatchItems");
}

static HRESULT STDMETHODCALLTYPE session_get_Timeout(IWSManSession *iface, LONG *value)
{
    struct session *This = impl_from_IWSManSession(iface);
    return get_setting(This, &This->timeout_ms, value);
}

static HRESULT STDMETHODCALLTYPE session_put_Timeout(IWSManSession *iface, LONG value)
{
    struct session *This = impl_from_IWSManSession(iface);
    return set_setting(This, &This->timeout_ms, value, 1, E_INVALIDARG, "Timeout");
}

static const IWSManSessionVtbl session_vtbl = {
    session_QueryInterface,
    session_AddRef,
    session_Release,
    IWSManSession_disp_GetTypeInfoCount,
    IWSManSession_disp_GetTypeInfo,
    IWSManSession_disp_GetIDsOfNames,
    IWSManSession_disp_Invoke,
    session_Get,
    session_Put,
    session_Create,
    session_Delete,
    session_Invoke,
    session_Enumerate,
    session_Identify,
    session_get_Error,
    session_get_BatchItems,
    session_put_BatchItems,
    session_get_Timeout,
    session_put_Timeout,
};

/* Marks an enumeration of this session as running or finished. */
void session_enumeration_started(IWSManSession *iface)
{
    atomic_fetch_add(&impl_from_IWSManSession(iface)->running_enumerations, 1);
}

void session_enumeration_finished(IWSManSession *iface)
{
    atomic_fetch_sub(&impl_from_IWSManSession(iface)->running_enumerations, 1);
}

/* A local session (empty connection string) talks to the WS-Management
 * service of this machine: localhost on the default port. */
static int32_t create_client(struct session *This)
{
    struct wsm_endpoint local = {0};

    if (!This->endpoint.local)
        return wsm_client_new(&This->endpoint, This->flags, This->has_options ? &This->creds : NULL,
                              &This->client);
    local.https = !!(This->flags & WSM_FLAG_USE_SSL);
    local.host = (char *)"localhost";
    local.prefix = (char *)"wsman";
    local.port = local.https ? 5986 : 5985;
    return wsm_client_new(&local, This->flags, NULL, &This->client);
}

HRESULT session_create(const char *connection, LONG flags, IDispatch *options, struct com_error *report,
                       IDispatch **out)
{
    struct session *This;
    char *detail = NULL;
    int32_t hr;

    *out = NULL;
    if (!(This = calloc(1, sizeof(*This))))
        return E_OUTOFMEMORY;
    This->flags = (uint32_t)flags;
    if (options) {
        if (FAILED(hr = connection_options_snapshot(options, &This->creds))) {
            free(This);
            return hr == E_OUTOFMEMORY ? hr
                                       : com_fail(report, E_INVALIDARG,
                                                  "connectionOptions must be an object made by "
                                                  "WSMan.CreateConnectionOptions.");
        }
        This->has_options = 1;
    }
    hr = wsm_parse_connection(connection, (This->flags & WSM_FLAG_USE_SSL) != 0, &This->endpoint, &detail);
    if (!hr)
        hr =
            wsm_check_session(This->flags, &This->endpoint, This->has_options ? &This->creds : NULL, &detail);
    if (hr) {
        wsm_session_options_clear(&This->creds);
        wsm_endpoint_free(&This->endpoint);
        free(This);
        if (hr != WSM_E_OUTOFMEMORY)
            hr = com_fail(report, hr, detail);
        free(detail);
        return hr;
    }
    if (create_client(This)) {
        wsm_session_options_clear(&This->creds);
        wsm_endpoint_free(&This->endpoint);
        free(This);
        return E_OUTOFMEMORY;
    }
    This->IWSManSession_iface.lpVtbl = &session_vtbl;
    support_error_info_init(&This->sei, (IUnknown *)&This->IWSManSession_iface, session_error_iids);
    atomic_init(&This->refs, 1);
    atomic_init(&This->running_enumerations, 0);
    com_error_init(&This->error, "Session", &IID_IWSManSession);
    wsm_lock_init(&This->lock);
    wsm_lock_init(&This->op_lock);
    This->batch_items = DEFAULT_BATCH_ITEMS;
    This->timeout_ms = DEFAULT_TIMEOUT_MS;
    com_object_created();
    *out = (IDispatch *)&This->IWSManSession_iface;
    return S_OK;
}

HRESULT session_pull(IWSManSession *iface, struct wsm_enum_state *state, struct com_error *report)
{
    struct session *This = impl_from_IWSManSession(iface);
    struct wsm_failure f = {0};
    uint32_t timeout, batch;
    int32_t hr;

    read_settings(This, &timeout, &batch);
    wsm_lock_enter(&This->op_lock);
    hr = wsm_client_pull(This->client, timeout, batch, state, &f);
    wsm_lock_leave(&This->op_lock);
    return hr ? report_failure(report, &f) : S_OK;
}

void session_release_enumeration(IWSManSession *iface, struct wsm_enum_state *state)
{
    struct session *This = impl_from_IWSManSession(iface);
    uint32_t timeout;

    read_settings(This, &timeout, NULL);
    wsm_lock_enter(&This->op_lock);
    wsm_client_release(This->client, timeout, state); /* forgets the context either way */
    wsm_lock_leave(&This->op_lock);
}
