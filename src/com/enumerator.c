/*
 * The Enumerator object (IWSManEnumerator): hands out the items of a
 * WS-Enumeration one at a time, pulling the next batch from its Session
 * when the buffered one is used up. It holds a reference on its Session.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "private.h"

struct enumerator {
    IWSManEnumerator IWSManEnumerator_iface;
    struct support_error_info sei;
    atomic_long refs;
    struct com_error error;
    wsm_lock lock;
    IWSManSession *session;
    struct wsm_enum_state state;
    int running; /* counted in the session's running enumerations */
};

static const IID *const enumerator_error_iids[] = {&IID_IWSManEnumerator, NULL};

static inline struct enumerator *impl_from_IWSManEnumerator(IWSManEnumerator *iface)
{
    return CONTAINING_RECORD(iface, struct enumerator, IWSManEnumerator_iface);
}

static HRESULT STDMETHODCALLTYPE enumerator_QueryInterface(IWSManEnumerator *iface, REFIID riid, void **ppv)
{
    struct enumerator *This = impl_from_IWSManEnumerator(iface);

    if (!ppv)
        return E_POINTER;
    if (!riid) {
        *ppv = NULL;
        return E_INVALIDARG;
    }
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IDispatch) ||
        IsEqualIID(riid, &IID_IWSManEnumerator))
        *ppv = &This->IWSManEnumerator_iface;
    else if (IsEqualIID(riid, &IID_ISupportErrorInfo))
        *ppv = &This->sei.ISupportErrorInfo_iface;
    else {
        *ppv = NULL;
        return E_NOINTERFACE;
    }
    IUnknown_AddRef((IUnknown *)*ppv);
    return S_OK;
}

static ULONG STDMETHODCALLTYPE enumerator_AddRef(IWSManEnumerator *iface)
{
    struct enumerator *This = impl_from_IWSManEnumerator(iface);
    return (ULONG)atomic_fetch_add(&This->refs, 1) + 1;
}

/* Stops counting this enumeration as running in its session. */
static void mark_finished(struct enumerator *This)
{
    if (This->running) {
        This->running = 0;
        session_enumeration_finished(This->session);
    }
}

static ULONG STDMETHODCALLTYPE enumerator_Release(IWSManEnumerator *iface)
{
    struct enumerator *This = impl_from_IWSManEnumerator(iface);
    ULONG refs = (ULONG)atomic_fetch_sub(&This->refs, 1) - 1;

    if (!refs) {
        /* Released before its end: tell the server to drop the context. */
        if (!This->state.end_of_sequence && This->state.context)
            session_release_enumeration(This->session, &This->state);
        mark_finished(This);
        wsm_enum_clear(&This->state);
        IWSManSession_Release(This->session);
        com_error_destroy(&This->error);
        wsm_lock_destroy(&This->lock);
        free(This);
        com_object_destroyed();
    }
    return refs;
}

DEFINE_DISPATCH(IWSManEnumerator, disp_IWSManEnumerator)

#define MAX_EMPTY_PULLS 16

static HRESULT STDMETHODCALLTYPE enumerator_ReadItem(IWSManEnumerator *iface, BSTR *resource)
{
    struct enumerator *This = impl_from_IWSManEnumerator(iface);
    char *item;
    HRESULT hr = S_OK;
    int empty_pulls = 0;

    if (!resource)
        return E_POINTER;
    *resource = NULL;
    wsm_lock_enter(&This->lock);
    while (!(item = wsm_enum_pop(&This->state)) && !This->state.end_of_sequence) {
        /* A server that keeps answering with empty batches must not keep
         * ReadItem busy for ever. */
        if (empty_pulls++ == MAX_EMPTY_PULLS) {
            hr = com_failf(&This->error, ERROR_WSMAN_OPERATION_TIMEDOUT,
                           "The server sent %d batches in a row without an item or the end of the "
                           "enumeration.",
                           MAX_EMPTY_PULLS);
            break;
        }
        if (FAILED(hr = session_pull(This->session, &This->state, &This->error)))
            break;
    }
    if (This->state.end_of_sequence && !This->state.count)
        mark_finished(This);
    wsm_lock_leave(&This->lock);
    if (FAILED(hr))
        return hr;
    if (!item)
        return com_fail(&This->error, ERROR_WSMAN_ENUMERATION_CLOSED,
                        "ReadItem was called after the last item; check AtEndOfStream first.");
    hr = return_bstr(item, resource);
    free(item);
    return hr;
}

static HRESULT STDMETHODCALLTYPE enumerator_get_AtEndOfStream(IWSManEnumerator *iface, VARIANT_BOOL *eos)
{
    struct enumerator *This = impl_from_IWSManEnumerator(iface);

    if (!eos)
        return E_POINTER;
    wsm_lock_enter(&This->lock);
    *eos = wsm_enum_at_end(&This->state) ? VARIANT_TRUE : VARIANT_FALSE;
    wsm_lock_leave(&This->lock);
    return S_OK;
}

static HRESULT STDMETHODCALLTYPE enumerator_get_Error(IWSManEnumerator *iface, BSTR *value)
{
    return com_error_get(&impl_from_IWSManEnumerator(iface)->error, value);
}

static const IWSManEnumeratorVtbl enumerator_vtbl = {
    enumerator_QueryInterface,
    enumerator_AddRef,
    enumerator_Release,
    IWSManEnumerator_disp_GetTypeInfoCount,
    IWSManEnumerator_disp_GetTypeInfo,
    IWSManEnumerator_disp_GetIDsOfNames,
    IWSManEnumerator_disp_Invoke,
    enumerator_ReadItem,
    enumerator_get_AtEndOfStream,
    enumerator_get_Error,
};

HRESULT enumerator_create(IWSManSession *session, struct wsm_enum_state *state, IDispatch **out)
{
    struct enumerator *This = calloc(1, sizeof(*This));

    *out = NULL;
    if (!This)
        return E_OUTOFMEMORY;
    This->IWSManEnumerator_iface.lpVtbl = &enumerator_vtbl;
    support_error_info_init(&This->sei, (IUnknown *)&This->IWSManEnumerator_iface, enumerator_error_iids);
    atomic_init(&This->refs, 1);
    com_error_init(&This->error, "Enumerator", &IID_IWSManEnumerator);
    wsm_lock_init(&This->lock);
    This->session = session;
    IWSManSession_AddRef(session);
    This->state = *state; /* takes over the context and the first batch */
    wsm_enum_init(state);
    if (!wsm_enum_at_end(&This->state)) {
        This->running = 1;
        session_enumeration_started(session);
    }
    com_object_created();
    *out = (IDispatch *)&This->IWSManEnumerator_iface;
    return S_OK;
}
