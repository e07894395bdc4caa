/*
 * The generated wsmandisp.h as a C++ program on Windows would use it:
 * interfaces as abstract classes, default arguments, OLESTR literals.
 * SPDX-License-Identifier: MIT
 */
#include <cstdio>
#include <cstring>

#include <windows.h>
#include <objbase.h>

#include "wsmandisp.h"

static int failures, checks;
#define CHECK(c)                                                                                   \
    do {                                                                                           \
        checks++;                                                                                  \
        if (!(c)) {                                                                                \
            failures++;                                                                            \
            std::fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #c);                   \
        }                                                                                          \
    } while (0)

int main()
{
    IWSManEx3 *wsman = nullptr;
    CHECK(CoInitializeEx(nullptr, COINIT_MULTITHREADED) == S_OK);
    CHECK(CoCreateInstance(CLSID_WSMan, nullptr, CLSCTX_INPROC_SERVER, IID_IWSManEx3,
                           reinterpret_cast<void **>(&wsman)) == S_OK);
    if (wsman) {
        LONG flags = 0;
        CHECK(wsman->SessionFlagUseSsl(&flags) == S_OK && flags == 0x08000000);
        CHECK(wsman->SessionFlagUTF16(&flags) == S_OK && flags == 0x00800000);

        IDispatch *session = nullptr;
        CHECK(wsman->CreateSession(nullptr, 0, nullptr, &session) == S_OK);
        IWSManSession *s = nullptr;
        CHECK(session && session->QueryInterface(IID_IWSManSession, reinterpret_cast<void **>(&s)) == S_OK);
        if (s) {
            LONG batch = 0;
            CHECK(s->get_BatchItems(&batch) == S_OK && batch == 20);
            BSTR result = nullptr;
            VARIANT uri;
            VariantInit(&uri);
            CHECK(s->Get(uri, 0, &result) == static_cast<HRESULT>(0x803380BF)); /* blank URI */
            s->Release();
        }
        if (session)
            CHECK(session->Release() == 0);

        IDispatch *locator = nullptr;
        CHECK(wsman->CreateResourceLocator(const_cast<BSTR>(OLESTR("winrm/config")), &locator) == S_OK);
        IWSManResourceLocator *loc = nullptr;
        CHECK(locator && locator->QueryInterface(IID_IWSManResourceLocator, reinterpret_cast<void **>(&loc)) == S_OK);
        if (loc) {
            BSTR uri = nullptr;
            CHECK(loc->get_ResourceURI(&uri) == S_OK);
            CHECK(uri && SysStringLen(uri) == std::strlen("http://schemas.microsoft.com/wbem/wsman/1/config"));
            SysFreeString(uri);
            loc->Release();
        }
        if (locator)
            locator->Release();
        CHECK(wsman->Release() == 0);
    }
    CoUninitialize();
    std::printf("cxx: %d passed, %d failed\n", checks - failures, failures);
    return failures ? 1 : 0;
}
