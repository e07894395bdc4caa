/*
 * Error names and readable messages, for GetErrorMessage and rich error info.
 *
 * Names of the 512 WinRM codes come straight from wsman_errors.def. Message
 * texts live in one table, error_texts.def, written for this project (they
 * describe the same conditions as Windows does, in our own words): every
 * WinRM code has one, and so has every non-WinRM code that users commonly
 * meet, which carries its name in the same table.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#endif

#include "core.h"

#define WINRM_FIRST 0x80338000u
#define WINRM_COUNT 512u

struct code_name {
    uint32_t code;
    const char *name;
};

/* Sorted and gap-free, so a code's entry sits at index code - WINRM_FIRST. */
static const struct code_name winrm_names[] = {
#define WSMERR(code, name) {code, #name},
#include "wsman_errors.def"
#undef WSMERR
};

_Static_assert(sizeof winrm_names / sizeof winrm_names[0] == WINRM_COUNT,
               "wsman_errors.def must list exactly the 512 codes 0x80338000-0x803381FF");

struct error_text {
    uint32_t code;
    const char *name; /* NULL for WinRM codes: their name comes from wsman_errors.def */
    const char *text;
};

#define WINRM(name, text)                                                                                    \
    {                                                                                                        \
        (uint32_t)(name), NULL, text                                                                         \
    }
#define OTHER(code, name, text)                                                                              \
    {                                                                                                        \
        code, #name, text                                                                                    \
    }

/* One entry per code, sorted by code (bsearch): error_texts.def. */
static const struct error_text error_texts[] = {
#include "error_texts.def"
};

static int compare_text_entry(const void *key, const void *entry)
{
    uint32_t code = *(const uint32_t *)key;
    uint32_t other = ((const struct error_text *)entry)->code;
    return (code > other) - (code < other);
}

size_t wsm_error_texts_unsorted(void)
{
    for (size_t i = 1; i < sizeof error_texts / sizeof error_texts[0]; i++)
        if (error_texts[i - 1].code >= error_texts[i].code)
            return i;
    return 0;
}

static const struct error_text *find_text(uint32_t code)
{
    return bsearch(&code, error_texts, sizeof error_texts / sizeof error_texts[0], sizeof error_texts[0],
                   compare_text_entry);
}

static int is_winrm_code(uint32_t code)
{
    return code >= WINRM_FIRST && code - WINRM_FIRST < WINRM_COUNT;
}

const char *wsm_error_name(uint32_t code)
{
    if (is_winrm_code(code)) {
        const struct code_name *entry = &winrm_names[code - WINRM_FIRST];
        return entry->code == code ? entry->name : NULL;
    }
    const struct error_text *entry = find_text(code);
    return entry ? entry->name : NULL;
}

#ifdef _WIN32
/* FormatMessage's text for a Win32 error, an HRESULT or a WinHTTP code (12001-12192, as such or as
 * 0x80072Exx/0x80072Fxx), UTF-8 without the trailing line break; NULL when the system has none. */
static char *system_message(uint32_t code)
{
    DWORD flags = FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_IGNORE_INSERTS | FORMAT_MESSAGE_FROM_SYSTEM;
    uint32_t win32 = (code & 0xFFFF0000u) == 0x80070000u ? code & 0xFFFFu : code;
    HMODULE winhttp = NULL;
    WCHAR *text = NULL;
    char *out = NULL;
    DWORD len;

    if (win32 >= 12000 && win32 < 12200 && (winhttp = GetModuleHandleW(L"winhttp.dll")))
        flags |= FORMAT_MESSAGE_FROM_HMODULE;
    len = FormatMessageW(flags, winhttp, win32, 0, (WCHAR *)&text, 0, NULL);
    if (!len && win32 != code)
        len = FormatMessageW(flags, winhttp, code, 0, (WCHAR *)&text, 0, NULL);
    while (len && (text[len - 1] == L'\n' || text[len - 1] == L'\r' || text[len - 1] == L' '))
        text[--len] = 0;
    if (len) {
        int n = WideCharToMultiByte(CP_UTF8, 0, text, (int)len, NULL, 0, NULL, NULL);
        if (n > 0 && (out = malloc((size_t)n + 1))) {
            WideCharToMultiByte(CP_UTF8, 0, text, (int)len, out, n, NULL, NULL);
            out[n] = '\0';
        }
    }
    LocalFree(text);
    return out;
}
#endif

char *wsm_error_message(uint32_t code)
{
    const struct error_text *entry = find_text(code);
    if (entry)
        return wsm_strdup(entry->text);

    const char *name = wsm_error_name(code);
    unsigned hex = (unsigned)code;
#ifdef _WIN32
    /* The system knows every Win32, COM and WinHTTP message (in the user's language); ours is the fallback.
     */
    char *system = system_message(code);
    if (system)
        return system;
#endif
    if (name && is_winrm_code(code))
        return wsm_asprintf("The WinRM client returned error 0x%08X (%s).", hex, name);
    if (name)
        return wsm_asprintf("The operation failed with error 0x%08X (%s).", hex, name);
    if ((code & 0xFFFF0000u) == 0x80070000u) /* HRESULT_FROM_WIN32 */
        return wsm_asprintf("Windows system error %u (0x%08X).", hex & 0xFFFFu, hex);
    return wsm_asprintf("Unknown error 0x%08X.", hex);
}
