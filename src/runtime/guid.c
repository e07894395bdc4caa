/*
 * The well-known interface IDs, GUID <-> string conversion and the COM task
 * allocator.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "strutil.h"
#include "wsmauto_rt.h"

#define CHARS_IN_GUID 39 /* "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}" plus the NUL */

/* The header declares these without a visibility attribute; giving it here
 * exports them from a library built with -fvisibility=hidden. */
#define OLE_GUID(l, w1, w2)                                                                                  \
    {                                                                                                        \
        l, w1, w2,                                                                                           \
        {                                                                                                    \
            0xC0, 0, 0, 0, 0, 0, 0, 0x46                                                                     \
        }                                                                                                    \
    }

WSMAUTO_EXPORT const IID IID_IUnknown = OLE_GUID(0x00000000, 0x0000, 0x0000);
WSMAUTO_EXPORT const IID IID_IClassFactory = OLE_GUID(0x00000001, 0x0000, 0x0000);
WSMAUTO_EXPORT const IID IID_IMarshal = OLE_GUID(0x00000003, 0x0000, 0x0000);
WSMAUTO_EXPORT const IID IID_IDispatch = OLE_GUID(0x00020400, 0x0000, 0x0000);
WSMAUTO_EXPORT const IID IID_ITypeInfo = OLE_GUID(0x00020401, 0x0000, 0x0000);
WSMAUTO_EXPORT const IID IID_IErrorInfo = {
    0x1CF2B120, 0x547D, 0x101B, {0x8E, 0x65, 0x08, 0x00, 0x2B, 0x2B, 0xD1, 0x19}};
WSMAUTO_EXPORT const IID IID_ICreateErrorInfo = {
    0x22F03340, 0x547D, 0x101B, {0x8E, 0x65, 0x08, 0x00, 0x2B, 0x2B, 0xD1, 0x19}};
WSMAUTO_EXPORT const IID IID_ISupportErrorInfo = {
    0xDF0B3D60, 0x548F, 0x101B, {0x8E, 0x65, 0x08, 0x00, 0x2B, 0x2B, 0xD1, 0x19}};
WSMAUTO_EXPORT const IID IID_IObjectWithSite = {
    0xFC4801A3, 0x2BA9, 0x11CF, {0xA2, 0x29, 0x00, 0xAA, 0x00, 0x3D, 0x73, 0x52}};
WSMAUTO_EXPORT const IID IID_IProvideClassInfo = {
    0xB196B283, 0xBAB4, 0x101A, {0xB6, 0x9C, 0x00, 0xAA, 0x00, 0x34, 0x1D, 0x07}};
WSMAUTO_EXPORT const IID IID_NULL = {0, 0, 0, {0, 0, 0, 0, 0, 0, 0, 0}};
WSMAUTO_EXPORT const GUID GUID_NULL = {0, 0, 0, {0, 0, 0, 0, 0, 0, 0, 0}};

static void put_hex(OLECHAR *out, uint32_t value, int digits)
{
    static const char hex[] = "0123456789ABCDEF";
    for (int i = digits - 1; i >= 0; i--, value >>= 4)
        out[i] = (OLECHAR)hex[value & 0xF];
}

int StringFromGUID2(REFGUID rguid, LPOLESTR lpsz, int cchMax)
{
    if (!rguid || !lpsz || cchMax < CHARS_IN_GUID)
        return 0;
    OLECHAR *p = lpsz;
    *p++ = u'{';
    put_hex(p, rguid->Data1, 8), p += 8;
    *p++ = u'-';
    put_hex(p, rguid->Data2, 4), p += 4;
    *p++ = u'-';
    put_hex(p, rguid->Data3, 4), p += 4;
    *p++ = u'-';
    for (int i = 0; i < 8; i++) {
        if (i == 2)
            *p++ = u'-';
        put_hex(p, rguid->Data4[i], 2), p += 2;
    }
    *p++ = u'}';
    *p = 0;
    return CHARS_IN_GUID;
}

/* Reads `digits` hex digits at s. Stops at the first non-hex character, so a
 * short string ends the scan at its NUL instead of being read past. */
static int get_hex(const OLECHAR *s, int digits, uint32_t *out)
{
    uint32_t v = 0;
    for (int i = 0; i < digits; i++) {
        int d = wsm_hex_value(s[i]);
        if (d < 0)
            return 0;
        v = (v << 4) | (uint32_t)d;
    }
    *out = v;
    return 1;
}

/* Parses exactly "{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}", hex in any case. */
static int guid_from_string(const OLECHAR *s, GUID *id)
{
    uint32_t v;
    if (s[0] != u'{' || !get_hex(s + 1, 8, &v) || s[9] != u'-')
        return 0;
    id->Data1 = v;
    if (!get_hex(s + 10, 4, &v) || s[14] != u'-')
        return 0;
    id->Data2 = (uint16_t)v;
    if (!get_hex(s + 15, 4, &v) || s[19] != u'-')
        return 0;
    id->Data3 = (uint16_t)v;
    const OLECHAR *p = s + 20;
    for (int i = 0; i < 8; i++) {
        if (i == 2 && *p++ != u'-')
            return 0;
        if (!get_hex(p, 2, &v))
            return 0;
        id->Data4[i] = (uint8_t)v;
        p += 2;
    }
    return p[0] == u'}' && p[1] == 0;
}

/* As on Windows, a NULL string gives GUID_NULL. Windows then tries the string
 * as a ProgID; here anything that is not a braced GUID is CO_E_CLASSSTRING
 * (use CLSIDFromProgID for ProgIDs). On failure *pclsid is GUID_NULL. */
HRESULT CLSIDFromString(LPCOLESTR lpsz, LPCLSID pclsid)
{
    if (!pclsid)
        return E_INVALIDARG;
    if (!lpsz) {
        *pclsid = GUID_NULL;
        return S_OK;
    }
    GUID id;
    if (!guid_from_string(lpsz, &id)) {
        *pclsid = GUID_NULL;
        return CO_E_CLASSSTRING;
    }
    *pclsid = id;
    return S_OK;
}

/* CoTaskMemAlloc(0) returns a real block on Windows; malloc(0) may not. */
LPVOID CoTaskMemAlloc(SIZE_T cb)
{
    return malloc(cb ? cb : 1);
}

void CoTaskMemFree(LPVOID pv)
{
    free(pv);
}
