/*
 * The in-process server: class factories for WSMan and WSManInternal and
 * the count of live objects and locks (dllmain.c has the entry points).
 *
 * SPDX-License-Identifier: MIT
 */
#include "private.h"

static atomic_long live_objects;
static atomic_long server_locks;

void com_object_created(void)
{
    atomic_fetch_add(&live_objects, 1);
}

void com_object_destroyed(void)
{
    atomic_fetch_sub(&live_objects, 1);
}

struct class_factory {
    IClassFactory IClassFactory_iface;
    HRESULT (*create)(const IID *riid, void **ppv);
};

static inline struct class_factory *impl_from_IClassFactory(IClassFactory *iface)
{
    return CONTAINING_RECORD(iface, struct class_factory, IClassFactory_iface);
}

static HRESULT STDMETHODCALLTYPE factory_QueryInterface(IClassFactory *iface, REFIID riid, void **ppv)
{
    if (!ppv)
        return E_POINTER;
    if (IsEqualIID(riid, &IID_IUnknown) || IsEqualIID(riid, &IID_IClassFactory)) {
        *ppv = iface;
        IClassFactory_AddRef(iface);
        return S_OK;
    }
    *ppv = NULL;
    return E_NOINTERFACE;
}

/* The factories are static objects: their references only keep the
 * server loaded, like LockServer. */
static ULONG STDMETHODCALLTYPE factory_AddRef(IClassFactory *iface)
{
    (void)iface;
    return (ULONG)atomic_fetch_add(&server_locks, 1) + 1;
}

static ULONG STDMETHODCALLTYPE factory_Release(IClassFactory *iface)
{
    (void)iface;
    return (ULONG)atomic_fetch_sub(&server_locks, 1) - 1;
}

static HRESULT STDMETHODCALLTYPE factory_CreateInstance(IClassFactory *iface, IUnknown *outer, REFIID riid,
                                                        void **ppv)
{
    struct class_factory *factory = impl_from_IClassFactory(iface);

    if (!ppv)
        return E_POINTER;
    *ppv = NULL;
    if (outer)
        return CLASS_E_NOAGGREGATION;
    if (!riid)
        return E_INVALIDARG;
    return factory->create(riid, ppv);
}

static HRESULT STDMETHODCALLTYPE factory_LockServer(IClassFactory *iface, BOOL lock)
{
    (void)iface;
    if (lock)
        atomic_fetch_add(&server_locks, 1);
    else
        atomic_fetch_sub(&server_locks, 1);
    return S_OK;
}

static const IClassFactoryVtbl class_factory_vtbl = {
    factory_QueryInterface, factory_AddRef, factory_Release, factory_CreateInstance, factory_LockServer,
};

static struct class_factory wsman_factory = {{&class_factory_vtbl}, wsman_create};
static struct class_factory wsman_internal_factory = {{&class_factory_vtbl}, wsman_internal_create};

IClassFactory *com_class_factory(REFCLSID rclsid)
{
    if (IsEqualCLSID(rclsid, &CLSID_WSMan))
        return &wsman_factory.IClassFactory_iface;
    if (IsEqualCLSID(rclsid, &CLSID_WSManInternal))
        return &wsman_internal_factory.IClassFactory_iface;
    return NULL;
}

int com_server_in_use(void)
{
    return atomic_load(&live_objects) != 0 || atomic_load(&server_locks) != 0;
}
