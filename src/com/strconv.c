/*
 * Where UTF-8 (the core's strings) and UTF-16 (BSTR, OLECHAR) meet in the COM layer, on the conversions of
 * src/util/utf.c. Malformed input never fails: it becomes U+FFFD.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strconv.h"
#include "strutil.h"
#include "utf.h"

char *utf8_from_olestr(const OLECHAR *s)
{
    return wsm_utf8_from_utf16z((const uint16_t *)s);
}

static uint16_t *bstr_alloc(size_t units)
{
    return (uint16_t *)SysAllocStringLen(NULL, (UINT)units);
}

BSTR bstr_from_utf8(const char *s)
{
    return (BSTR)wsm_utf16_from_utf8z(s, bstr_alloc);
}

HRESULT return_bstr(const char *s, BSTR *out)
{
    if (!out)
        return E_POINTER;
    *out = bstr_from_utf8(s);
    return *out ? S_OK : E_OUTOFMEMORY;
}

int olestr_equal_ascii_nocase(const OLECHAR *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (wsm_ascii_lower(*a) != wsm_ascii_lower((unsigned char)*b))
            return 0;
    return !*a && !*b;
}
