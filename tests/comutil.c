/*
 * Helpers shared by the end-to-end tests of the COM API (see comutil.h).
 * SPDX-License-Identifier: MIT
 */
#define COBJMACROS
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "comutil.h"

BSTR bstr(const char *s)
{
    /* UTF-8 -> UTF-16, enough for the tests' text (BMP + surrogate pairs). */
    size_t n = strlen(s), k = 0;
    OLECHAR *w = malloc((n + 1) * sizeof(*w));
    BSTR b;

    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        unsigned cp;
        if (c < 0x80)
            cp = c, i += 1;
        else if ((c & 0xE0) == 0xC0)
            cp = ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu), i += 2;
        else if ((c & 0xF0) == 0xE0)
            cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu), i += 3;
        else
            cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) |
                 (s[i + 3] & 0x3Fu),
            i += 4;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            w[k++] = (OLECHAR)(0xD800 + (cp >> 10));
            w[k++] = (OLECHAR)(0xDC00 + (cp & 0x3FF));
        } else
            w[k++] = (OLECHAR)cp;
    }
    b = SysAllocStringLen(w, (UINT)k);
    free(w);
    return b;
}

char *utf8(const OLECHAR *s)
{
    size_t n = 0, k = 0;
    char *out;

    while (s && s[n])
        n++;
    if (!(out = malloc(n * 4 + 1)))
        abort();
    for (size_t i = 0; i < n; i++) {
        unsigned cp = s[i];
        if (cp >= 0xD800 && cp < 0xDC00 && i + 1 < n && s[i + 1] >= 0xDC00 && s[i + 1] < 0xE000)
            cp = 0x10000 + ((cp - 0xD800) << 10) + (s[++i] - 0xDC00);
        if (cp < 0x80)
            out[k++] = (char)cp;
        else if (cp < 0x800)
            out[k++] = (char)(0xC0 | (cp >> 6)), out[k++] = (char)(0x80 | (cp & 0x3F));
        else if (cp < 0x10000)
            out[k++] = (char)(0xE0 | (cp >> 12)), out[k++] = (char)(0x80 | ((cp >> 6) & 0x3F)),
            out[k++] = (char)(0x80 | (cp & 0x3F));
        else
            out[k++] = (char)(0xF0 | (cp >> 18)), out[k++] = (char)(0x80 | ((cp >> 12) & 0x3F)),
            out[k++] = (char)(0x80 | ((cp >> 6) & 0x3F)), out[k++] = (char)(0x80 | (cp & 0x3F));
    }
    out[k] = 0;
    return out;
}

int contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

VARIANT vstr(const char *s)
{
    VARIANT v;
    V_VT(&v) = VT_BSTR;
    V_BSTR(&v) = bstr(s);
    return v;
}

void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

char *session_error(IWSManSession *s)
{
    BSTR e = NULL;
    char *r;

    IWSManSession_get_Error(s, &e);
    r = utf8(e);
    SysFreeString(e);
    return r;
}

/* The thread's error description after a failure. */
char *error_description(void)
{
    IErrorInfo *info = NULL;
    BSTR d = NULL;
    char *r;

    if (GetErrorInfo(0, &info) != S_OK || !info)
        return strdup("");
    IErrorInfo_GetDescription(info, &d);
    IErrorInfo_Release(info);
    r = utf8(d);
    SysFreeString(d);
    return r;
}

/* Lines of the server's request log containing `needle` (the server
 * writes a request's line before it sends the reply). */
int log_lines(const struct test_server *srv, const char *needle)
{
    FILE *log = fopen(srv->log_path, "r");
    char line[2048];
    int n = 0;

    while (log && fgets(line, sizeof(line), log))
        n += contains(line, needle) != 0;
    if (log)
        fclose(log);
    return n;
}

HRESULT create_session(IWSManEx3 *wsman, const char *url, LONG flags, const char *user, const char *password,
                       const char *thumbprint, IWSManSession **out)
{
    IDispatch *disp = NULL, *optdisp = NULL;
    IWSManConnectionOptionsEx *opts = NULL;
    BSTR conn = bstr(url);
    HRESULT hr;

    *out = NULL;
    if (user || thumbprint) {
        IWSManEx3_CreateConnectionOptions(wsman, &optdisp);
        IDispatch_QueryInterface(optdisp, &IID_IWSManConnectionOptionsEx, (void **)&opts);
        if (user) {
            BSTR u = bstr(user), p = bstr(password);
            IWSManConnectionOptionsEx_put_UserName(opts, u);
            IWSManConnectionOptionsEx_put_Password(opts, p);
            SysFreeString(u);
            SysFreeString(p);
        }
        if (thumbprint) {
            BSTR t = bstr(thumbprint);
            IWSManConnectionOptionsEx_put_CertificateThumbprint(opts, t);
            SysFreeString(t);
        }
    }
    hr = IWSManEx3_CreateSession(wsman, conn, flags, optdisp, &disp);
    if (disp) {
        IDispatch_QueryInterface(disp, &IID_IWSManSession, (void **)out);
        IDispatch_Release(disp);
    }
    if (opts)
        IWSManConnectionOptionsEx_Release(opts);
    if (optdisp)
        IDispatch_Release(optdisp);
    SysFreeString(conn);
    return hr;
}

char *session_get(IWSManSession *s, const char *uri, HRESULT *hr_out)
{
    VARIANT v = vstr(uri);
    BSTR out = NULL;
    HRESULT hr = IWSManSession_Get(s, v, 0, &out);
    char *r = hr == S_OK ? utf8(out) : NULL;

    if (hr_out)
        *hr_out = hr;
    VariantClear(&v);
    SysFreeString(out);
    return r;
}
