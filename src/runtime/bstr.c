/*
 * BSTR allocation with the Windows memory layout.
 *
 * A BSTR points at its character data. The four bytes just before the data
 * hold the length in bytes (not counting the terminator), and the data is
 * followed by a 16-bit NUL. On 64-bit Windows a further four bytes of padding
 * precede the length so that the data is 8-byte aligned; we do the same, so
 * code that peeks at ((DWORD *)bstr)[-1] works as it does on Windows.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#include "wsmauto_rt.h"

struct bstr_block {
    DWORD pad;  /* keeps data 8-byte aligned, as oleaut32 does on Win64 */
    DWORD size; /* length of data in bytes, without the terminator */
    char data[];
};

/* Largest byte length accepted. The DWORD prefix must hold it and the
 * allocation must not wrap; this is the bound oleaut32 uses too. */
#define BSTR_MAX_BYTES (0xFFFFFFFFu - sizeof(WCHAR) - sizeof(DWORD))

static struct bstr_block *block_of(BSTR s)
{
    return (struct bstr_block *)((char *)s - offsetof(struct bstr_block, data));
}

/* Terminator bytes after `bytes` bytes of data: a NUL byte directly after the
 * data and a NUL WCHAR at the next WCHAR boundary, so an odd byte length still
 * ends in a complete 16-bit NUL (3 bytes for odd lengths, 2 for even). */
static size_t terminator_bytes(size_t bytes)
{
    return sizeof(WCHAR) + (bytes & 1);
}

/* Allocates a block for `bytes` bytes of data, sets the prefix and the
 * terminator; the data itself is left for the caller to fill. */
static BSTR alloc_bstr(size_t bytes)
{
    /* The second test only matters where size_t is 32 bits wide. */
    if (bytes > BSTR_MAX_BYTES || bytes > SIZE_MAX - sizeof(struct bstr_block) - 3)
        return NULL;
    size_t term = terminator_bytes(bytes);
    struct bstr_block *b = malloc(sizeof(*b) + bytes + term);
    if (!b)
        return NULL;
    b->pad = 0;
    b->size = (DWORD)bytes;
    memset(b->data + bytes, 0, term);
    return (BSTR)(void *)b->data;
}

static size_t olestr_len(const OLECHAR *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

BSTR SysAllocStringByteLen(LPCSTR psz, UINT len)
{
    BSTR s = alloc_bstr(len);
    if (!s)
        return NULL;
    if (psz)
        memcpy(s, psz, len);
    else
        memset(s, 0, len);
    return s;
}

BSTR SysAllocStringLen(const OLECHAR *strIn, UINT ui)
{
    if (ui > BSTR_MAX_BYTES / sizeof(OLECHAR))
        return NULL;
    return SysAllocStringByteLen((LPCSTR)strIn, ui * (UINT)sizeof(OLECHAR));
}

BSTR SysAllocString(const OLECHAR *psz)
{
    if (!psz)
        return NULL;
    size_t n = olestr_len(psz);
    if (n > BSTR_MAX_BYTES / sizeof(OLECHAR))
        return NULL;
    return SysAllocStringLen(psz, (UINT)n);
}

void SysFreeString(BSTR bstrString)
{
    if (bstrString)
        free(block_of(bstrString));
}

UINT SysStringByteLen(BSTR bstr)
{
    return bstr ? block_of(bstr)->size : 0;
}

UINT SysStringLen(BSTR pbstr)
{
    return SysStringByteLen(pbstr) / (UINT)sizeof(OLECHAR);
}

/* The new string is built before the old one is freed, so psz may point into
 * *pbstr and a failed allocation leaves *pbstr as it was. */
INT SysReAllocString(BSTR *pbstr, const OLECHAR *psz)
{
    if (!pbstr)
        return FALSE;
    BSTR s = SysAllocString(psz);
    if (psz && !s)
        return FALSE;
    SysFreeString(*pbstr);
    *pbstr = s;
    return TRUE;
}

/* With psz == NULL the old contents are kept (truncated or zero-extended to
 * len characters), which is what Windows' in-place reallocation amounts to. */
INT SysReAllocStringLen(BSTR *pbstr, const OLECHAR *psz, UINT len)
{
    if (!pbstr)
        return FALSE;
    BSTR s = SysAllocStringLen(psz, len);
    if (!s)
        return FALSE;
    if (!psz && *pbstr) {
        size_t keep = SysStringByteLen(*pbstr);
        if (keep > (size_t)len * sizeof(OLECHAR))
            keep = (size_t)len * sizeof(OLECHAR);
        memcpy(s, *pbstr, keep);
    }
    SysFreeString(*pbstr);
    *pbstr = s;
    return TRUE;
}
