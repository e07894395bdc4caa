/*
 * The Enumerator object, white-box: the public API reaches it only over
 * the network, so this test builds one from a prepared enumeration state.
 * SPDX-License-Identifier: MIT
 */
#define COBJMACROS
#include <stdlib.h>
#include <string.h>

#include "private.h"

#include "test.h"

/* SEC_E_NO_CREDENTIALS: what an operation of a Kerberos session without a ticket gives. */
#define NO_CREDS ((HRESULT)0x8009030Eu)

static IWSManSession *new_session(IWSManEx3 **wsman)
{
    IDispatch *disp = NULL;
    IWSManSession *session = NULL;

    ok_hr(S_OK, CoCreateInstance(&CLSID_WSMan, NULL, CLSCTX_INPROC_SERVER, &IID_IWSManEx3, (void **)wsman));
    ok_hr(S_OK, IWSManEx3_CreateSession(*wsman, OLESTR("server"), 0, NULL, &disp));
    IDispatch_QueryInterface(disp, &IID_IWSManSession, (void **)&session);
    IDispatch_Release(disp);
    return session;
}

static void test_finished_enumeration(IWSManSession *session)
{
    struct wsm_enum_state state;
    IDispatch *disp;
    IWSManEnumerator *e;
    VARIANT_BOOL eos;
    BSTR item, error;
    char *text;
    DISPID id;
    BSTR name;

    wsm_enum_init(&state);
    ok_hr(0, wsm_enum_push(&state, wsm_strdup("<a/>")));
    ok_hr(0, wsm_enum_push(&state, wsm_strdup("<b>\xc3\xa9</b>")));
    state.end_of_sequence = 1;
    ok_hr(S_OK, enumerator_create(session, &state, &disp));
    ok(state.count == 0 && !state.items, "the enumerator took over the state");
    IDispatch_QueryInterface(disp, &IID_IWSManEnumerator, (void **)&e);

    name = bstr_from_utf8("Error");
    ok_hr(S_OK, IDispatch_GetIDsOfNames(disp, &IID_NULL, &name, 1, 0, &id));
    ok(id == 8, "Enumerator.Error is DISPID 8, got %d", (int)id);
    SysFreeString(name);
    name = bstr_from_utf8("AtEndOfStream");
    ok_hr(S_OK, IDispatch_GetIDsOfNames(disp, &IID_NULL, &name, 1, 0, &id));
    ok(id == 2, "AtEndOfStream is DISPID 2");
    SysFreeString(name);

    ok_hr(S_OK, IWSManEnumerator_get_AtEndOfStream(e, &eos));
    ok(eos == VARIANT_FALSE, "items left: not at end");
    ok_hr(S_OK, IWSManEnumerator_ReadItem(e, &item));
    text = utf8_from_olestr(item);
    ok_str("<a/>", text);
    free(text);
    SysFreeString(item);

    /* ReadItem through IDispatch (DISPID 1). */
    {
        VARIANT r;
        DISPPARAMS none = {NULL, NULL, 0, 0};
        VariantInit(&r);
        ok_hr(S_OK, IDispatch_Invoke(disp, 1, &IID_NULL, 0, DISPATCH_METHOD, &none, &r, NULL, NULL));
        ok(V_VT(&r) == VT_BSTR, "ReadItem returns a BSTR");
        text = utf8_from_olestr(V_BSTR(&r));
        ok_str("<b>\xc3\xa9</b>", text);
        free(text);
        VariantClear(&r);
        ok_hr(S_OK, IDispatch_Invoke(disp, 2, &IID_NULL, 0, DISPATCH_PROPERTYGET, &none, &r, NULL, NULL));
        ok(V_VT(&r) == VT_BOOL && V_BOOL(&r) == VARIANT_TRUE, "AtEndOfStream via IDispatch is VT_BOOL true");
    }

    ok_hr(S_OK, IWSManEnumerator_get_AtEndOfStream(e, &eos));
    ok(eos == VARIANT_TRUE, "at end after the last item");
    item = (BSTR)0x1;
    ok_hr(ERROR_WSMAN_ENUMERATION_CLOSED, IWSManEnumerator_ReadItem(e, &item));
    ok(item == NULL, "failed ReadItem clears its out pointer");
    ok_hr(S_OK, IWSManEnumerator_get_Error(e, &error));
    text = utf8_from_olestr(error);
    ok(strstr(text, "Code=\"2150858759\"") != NULL, "Enumerator.Error has the fault: %s", text);
    free(text);
    SysFreeString(error);
    ok_hr(E_POINTER, IWSManEnumerator_ReadItem(e, NULL));
    ok_hr(E_POINTER, IWSManEnumerator_get_AtEndOfStream(e, NULL));

    /* A finished enumeration leaves the session's settings free. */
    ok_hr(S_OK, IWSManSession_put_BatchItems(session, 10));
    IWSManEnumerator_Release(e);
    ok(IDispatch_Release(disp) == 0, "enumerator freed");
}

static void test_running_enumeration(IWSManSession *session)
{
    struct wsm_enum_state state;
    IDispatch *disp;
    IWSManEnumerator *e;
    BSTR item;
    ULONG before;

    wsm_enum_init(&state);
    state.context = wsm_strdup("uuid:context");
    state.target = calloc(1, sizeof(*state.target));
    ok_hr(0, wsm_locator_set_uri_text(state.target, "wmicimv2/Win32_Service", NULL));
    ok_hr(0, wsm_enum_push(&state, wsm_strdup("<only/>")));
    IWSManSession_AddRef(session);
    before = IWSManSession_Release(session);
    ok_hr(S_OK, enumerator_create(session, &state, &disp));
    IWSManSession_AddRef(session);
    ok(IWSManSession_Release(session) == before + 1, "the enumerator holds a reference on its session");
    IDispatch_QueryInterface(disp, &IID_IWSManEnumerator, (void **)&e);

    /* While it runs, BatchItems and Timeout are frozen. */
    ok_hr(E_ILLEGAL_METHOD_CALL, IWSManSession_put_BatchItems(session, 5));
    ok_hr(E_ILLEGAL_METHOD_CALL, IWSManSession_put_Timeout(session, 5000));

    ok_hr(S_OK, IWSManEnumerator_ReadItem(e, &item));
    SysFreeString(item);
    /* The next batch needs a Kerberos ticket, and there is none. */
    ok_hr(NO_CREDS, IWSManEnumerator_ReadItem(e, &item));

    IWSManEnumerator_Release(e);
    ok(IDispatch_Release(disp) == 0, "enumerator released before its end");
    IWSManSession_AddRef(session);
    ok(IWSManSession_Release(session) == before, "the session reference was given back");
    ok_hr(S_OK, IWSManSession_put_BatchItems(session, 5));
}

static void test_enum_state(void)
{
    struct wsm_enum_state state;
    char *item;
    int in_order = 1;

    /* Wrap the ring buffer several times while it grows. */
    wsm_enum_init(&state);
    for (int i = 0, next = 0; i < 100; i++) {
        ok_hr(0, wsm_enum_push(&state, wsm_asprintf("%d", i)));
        if (i % 3 == 2) {
            item = wsm_enum_pop(&state);
            in_order &= atoi(item) == next++;
            free(item);
        }
    }
    ok(in_order, "FIFO order while growing");
    ok(state.count == 67, "67 items left, got %zu", state.count);
    wsm_enum_clear(&state);
    ok(!state.items && !state.count && !wsm_enum_pop(&state), "cleared");
}

int main(void)
{
    IWSManEx3 *wsman = NULL;
    IWSManSession *session;

    setenv("WSMAUTO_CLIENT_CONFIG", "", 1);
    /* Sessions with the default authentication (Kerberos to "server") find no ticket: no realm, no cache,
     * whatever the machine's own Kerberos set-up. */
    setenv("KRB5_CONFIG", "/dev/null", 1);
    setenv("KRB5CCNAME", "FILE:/nonexistent/wsmauto-test-ccache", 1);
    CoInitialize(NULL);
    test_enum_state();
    session = new_session(&wsman);
    test_finished_enumeration(session);
    test_running_enumeration(session);
    ok(IWSManSession_Release(session) == 0, "session freed");
    IWSManEx3_Release(wsman);
    ok_hr(S_OK, DllCanUnloadNow());
    CoUninitialize();
    return test_summary("enumerator");
}
