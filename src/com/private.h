/*
 * Shared declarations of the COM layer (the objects of WSMAN.Automation).
 * One .c file per object family, in the shape of Wine's automation DLLs.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_COM_PRIVATE_H
#define WSMAUTO_COM_PRIVATE_H

#define COBJMACROS
#include <stdatomic.h>
#include <stdint.h>

#include <windows.h>
#include <oleauto.h>

#include "wsmandisp.h"
#include "core.h"
#include "session_cfg.h"
#include "enumstate.h"
#include "dispatch.h"

#ifdef _WIN32
#include <synchapi.h>
typedef SRWLOCK wsm_lock;
#define wsm_lock_init(l) InitializeSRWLock(l)
#define wsm_lock_destroy(l) ((void)(l))
#define wsm_lock_enter(l) AcquireSRWLockExclusive(l)
#define wsm_lock_leave(l) ReleaseSRWLockExclusive(l)
#else
#include <pthread.h>
typedef pthread_mutex_t wsm_lock;
#define wsm_lock_init(l) pthread_mutex_init((l), NULL)
#define wsm_lock_destroy(l) pthread_mutex_destroy(l)
#define wsm_lock_enter(l) pthread_mutex_lock(l)
#define wsm_lock_leave(l) pthread_mutex_unlock(l)
#endif

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif
#ifndef E_ILLEGAL_METHOD_CALL /* not in every SDK's winerror.h */
#define E_ILLEGAL_METHOD_CALL ((HRESULT)0x8000000EL)
#endif

#ifdef _WIN32
/* ---- register.c: self-registration (dllmain.c's DllRegisterServer and DllUnregisterServer) ---- */
/* This DLL's full path (for registration and its TYPELIB resource). */
HRESULT com_module_path(WCHAR *path, DWORD chars);
HRESULT com_register(void);
HRESULT com_unregister(void);
#endif

/* ---- main.c: the class factories and object accounting (dllmain.c's DllGetClassObject and
 * DllCanUnloadNow) ---- */
void com_object_created(void);
void com_object_destroyed(void);
/* The factory of a class this server implements, NULL for another. */
IClassFactory *com_class_factory(REFCLSID rclsid);
/* Objects or server locks (LockServer, factory references) are alive. */
int com_server_in_use(void);

#include "strconv.h"

/* ---- errorinfo.c: Error properties and rich error info ---- */
struct com_error {
    wsm_lock lock;
    char *fault_xml;    /* WSManFault XML of the last failure, or NULL */
    const char *source; /* Err.Source, e.g. "Session" */
    const IID *iid;     /* the interface that reports errors */
};
void com_error_init(struct com_error *e, const char *source, const IID *iid);
void com_error_destroy(struct com_error *e);
/* The Error property: "" when nothing failed yet. */
HRESULT com_error_get(struct com_error *e, BSTR *value);
/* Records a failure of a method: the object's Error property gets the
 * WSManFault XML, the thread's error info gets the source and a readable
 * description (the code's message, then `detail` when given). Returns hr. */
HRESULT com_fail(struct com_error *e, HRESULT hr, const char *detail);
HRESULT com_failf(struct com_error *e, HRESULT hr, const char *fmt, ...)
    __attribute__((format(WSM_PRINTF, 3, 4)));
/* As com_fail, but with a fault XML received from a server. */
HRESULT com_fail_fault(struct com_error *e, HRESULT hr, const char *fault_xml, const char *text);
/* The name of this machine, for WSManFault/@Machine. */
const char *com_machine_name(void);

/* ---- ISupportErrorInfo, shared by every object ---- */
struct support_error_info {
    ISupportErrorInfo ISupportErrorInfo_iface;
    IUnknown *outer;
    const IID *const *iids; /* NULL-terminated */
};
void support_error_info_init(struct support_error_info *s, IUnknown *outer, const IID *const *iids);

/* ---- object constructors ---- */
HRESULT wsman_create(const IID *riid, void **ppv);
HRESULT wsman_internal_create(const IID *riid, void **ppv);
HRESULT connection_options_create(IDispatch **out);
HRESULT resource_locator_create(const char *text, struct com_error *report, IDispatch **out);
HRESULT session_create(const char *connection, LONG flags, IDispatch *options, struct com_error *report,
                       IDispatch **out);

/* ---- what other objects may read from a ConnectionOptions ---- */
/* Fills a COM-free snapshot; strings are malloc'd copies (free with
 * wsm_session_options_clear). E_INVALIDARG for a foreign object. */
HRESULT connection_options_snapshot(IDispatch *disp, struct wsm_session_options *out);

/* ---- what a Session may read from a ResourceLocator ---- */
/* A deep copy of the locator's state in *out: E_INVALIDARG when disp is not one of ours, E_OUTOFMEMORY. */
HRESULT resource_locator_snapshot(IDispatch *disp, struct wsm_locator **out);

/* ---- enumerator.c ---- */
/* Takes over *state (its context and first batch); state is reset. */
HRESULT enumerator_create(IWSManSession *session, struct wsm_enum_state *state, IDispatch **out);

/* ---- what an Enumerator asks of its Session (session.c) ---- */
/* Fetches the next batch into state; failures are reported on `report`. */
HRESULT session_pull(IWSManSession *session, struct wsm_enum_state *state, struct com_error *report);
/* Best effort: asks the server to drop an unfinished enumeration. */
void session_release_enumeration(IWSManSession *session, struct wsm_enum_state *state);
void session_enumeration_started(IWSManSession *session);
void session_enumeration_finished(IWSManSession *session);

#endif
