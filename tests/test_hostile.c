/*
 * The hostile-server suite: every misbehave mode of the bundled server (tests/server/README.md, "Misbehaving
 * resources") run through the public COM API, one table row per mode. For each: the exact HRESULT, a
 * non-empty error description (and for some rows a phrase of it), a bound on the time the call took
 * (Session.Timeout + NetworkDelayms + 10 s), a bound on the heap the call needed at its peak (4 ×
 * MaxEnvelopeSize + a fixed allowance; measured with ASan's malloc/free hooks, else as growth of the
 * resident set), and that the same session then works (a Get of misbehave/get-ok).
 *
 * The server's own list of modes is read from its answer to an unknown mode; a mode without a row here (or
 * a row for a mode the server does not know) fails the test.
 *
 * SPDX-License-Identifier: MIT
 */
#define COBJMACROS
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <windows.h>
#include <objbase.h>
#include <oleauto.h>

#include "wsmandisp.h"
#include "wsmerror.h"

#include "comutil.h"
#include "serverctl.h"
#include "test.h"

#if defined(__SANITIZE_ADDRESS__)
#define HOSTILE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOSTILE_ASAN 1
#endif
#endif
#ifdef HOSTILE_ASAN
#if __has_include(<sanitizer/allocator_interface.h>)
#include <sanitizer/allocator_interface.h>
#else
/* GCC ships no allocator_interface.h; libasan exports these all the same. */
int __sanitizer_install_malloc_and_free_hooks(void (*malloc_hook)(const volatile void *, size_t),
                                              void (*free_hook)(const volatile void *));
size_t __sanitizer_get_allocated_size(const volatile void *p);
#endif
#endif

#define MISBEHAVE "http://wsmauto.test/misbehave/"
#define BASIC (WSManFlagUseBasic | WSManFlagCredUsernamePassword | WSManFlagNoEncryption)
#define DIGEST (WSManFlagUseDigest | WSManFlagCredUsernamePassword | WSManFlagNoEncryption)

#define TIMEOUT_MS 2000      /* Session.Timeout of every session here */
#define NETWORK_DELAY_MS 500 /* NetworkDelayms of the client configuration */
#define MAX_ENVELOPE 512000  /* MaxEnvelopeSizekb 500, the default */
#define TIME_SLACK_MS 10000  /* the bound: Timeout + NetworkDelayms + this */
#define HEAP_ALLOWANCE (4u << 20)
#define HEAP_BOUND (4u * MAX_ENVELOPE + HEAP_ALLOWANCE)
#define BIG_ENVELOPE (8192u * 1024) /* MaxEnvelopeSizekb 8192 */
#define BIG_HEAP_BOUND (4u * BIG_ENVELOPE + HEAP_ALLOWANCE)
#define ENDLESS_READS 300 /* ReadItem calls against the enumeration that never ends */

#define E_ACCESSDENIED_ ((HRESULT)0x80070005u)
#define TIMEOUT_HR ((HRESULT)0x800705B4u)        /* ERROR_TIMEOUT */
#define CONNECTION_ERROR ((HRESULT)0x80072EFEu)  /* ERROR_WINHTTP_CONNECTION_ERROR */
#define HEADER_OVERFLOW ((HRESULT)0x80072F96u)   /* ERROR_WINHTTP_HEADER_SIZE_OVERFLOW */
#define INVALID_SELECTORS ((HRESULT)0x8033805Bu) /* f:WSManFault Code 2150858843 */

enum op {
    OP_GET,        /* Session.Get on a Basic session */
    OP_GET_DIGEST, /* Session.Get on a Digest session */
    OP_GET_BIG,    /* Session.Get on a Basic session whose client allows BIG_ENVELOPE */
    OP_ENUM,       /* Session.Enumerate, then ENDLESS_READS ReadItem calls (all must succeed) */
    OP_ENUM_READ,  /* Session.Enumerate (must succeed), then one ReadItem: the row's HRESULT */
};

static const struct row {
    const char *mode;
    enum op op;
    HRESULT hr;
    const char *text; /* a phrase of the error description, or NULL */
} rows[] = {
    /* HTTP status without a SOAP fault */
    {"status401", OP_GET, E_ACCESSDENIED_, "HTTP 401"},
    {"status413", OP_GET, ERROR_WSMAN_HTTP_REQUEST_TOO_LARGE_STATUS, "413"},
    {"status415", OP_GET, ERROR_WSMAN_UNSUPPORTED_ENCODING, "415"},
    {"status500-empty", OP_GET, ERROR_WSMAN_HTTP_STATUS_SERVER_ERROR, "500"},
    {"status500-html", OP_GET, ERROR_WSMAN_HTTP_STATUS_SERVER_ERROR, "500"},
    {"status400-fault", OP_GET, ERROR_WSMAN_INVALID_SELECTORS, "Selectors"},
    /* bodies that are not a SOAP reply */
    {"nonxml", OP_GET, ERROR_WSMAN_INVALID_XML, "could not be read"},
    {"html200", OP_GET, ERROR_WSMAN_HTTP_INVALID_CONTENT_TYPE_IN_RESPONSE_DATA, "text/html"},
    {"empty200", OP_GET, ERROR_WSMAN_HTTP_NO_RESPONSE_DATA, "empty"},
    {"garbage", OP_GET, ERROR_WSMAN_INVALID_XML, "not well-formed"},
    {"garbage-status", OP_GET, CONNECTION_ERROR, NULL},
    {"ctype-text", OP_GET, ERROR_WSMAN_HTTP_INVALID_CONTENT_TYPE_IN_RESPONSE_DATA, "text/plain"},
    {"ctype-json", OP_GET, ERROR_WSMAN_HTTP_INVALID_CONTENT_TYPE_IN_RESPONSE_DATA, "application/json"},
    {"ctype-missing", OP_GET, ERROR_WSMAN_HTTP_INVALID_CONTENT_TYPE_IN_RESPONSE_DATA, "Content-Type"},
    {"enc-unexpected", OP_GET, ERROR_WSMAN_HTTP_INVALID_CONTENT_TYPE_IN_RESPONSE_DATA, "multipart/encrypted"},
    /* size */
    {"oversize", OP_GET, ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED, "larger than the limit"},
    {"endless", OP_GET, ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED, "larger than the limit"},
    {"fault-huge", OP_GET, INVALID_SELECTORS, "The huge fault."},
    {"fault-huge", OP_GET_BIG, INVALID_SELECTORS, "The huge fault."}, /* 2 × 3.3 MB of text */
    {"fault-oversize", OP_GET, ERROR_WSMAN_MAX_ENVELOPE_SIZE_EXCEEDED, "larger than the limit"},
    {"many-attributes", OP_GET, ERROR_WSMAN_INVALID_XML, "attributes"},
    {"deep-nesting", OP_GET, ERROR_WSMAN_INVALID_XML, "not well-formed"},
    {"header-flood", OP_GET, HEADER_OVERFLOW, "more than 65536 bytes in all"},
    {"header-long", OP_GET, HEADER_OVERFLOW, "(\"X-Long\") of 80010 bytes"},
    {"header-huge", OP_GET, HEADER_OVERFLOW, "header line longer than 102400 bytes"},
    {"www-auth-huge", OP_GET, HEADER_OVERFLOW, "header line longer than 102400 bytes"},
    /* time and the connection */
    {"sleep", OP_GET, TIMEOUT_HR, "timed out"},
    {"slow", OP_GET, TIMEOUT_HR, "timed out"},
    {"close", OP_GET, CONNECTION_ERROR, NULL},
    {"truncated", OP_GET, CONNECTION_ERROR, NULL},
    {"reset", OP_GET, CONNECTION_ERROR, NULL},
    {"chunk-bad-size", OP_GET, CONNECTION_ERROR, NULL},
    {"chunk-short", OP_GET, CONNECTION_ERROR, NULL},
    {"close-after-reply", OP_GET, S_OK, NULL},
    /* entities and DTDs */
    {"dtd", OP_GET, ERROR_WSMAN_INVALID_XML, "DTD"},
    {"xxe", OP_GET, ERROR_WSMAN_INVALID_XML, "DTD"},
    {"entity-param", OP_GET, ERROR_WSMAN_INVALID_XML, "DTD"},
    {"entity-undeclared", OP_GET, ERROR_WSMAN_INVALID_XML, "lol9"},
    /* encodings */
    {"bad-utf8", OP_GET, ERROR_WSMAN_INVALID_XML, "not well-formed"},
    {"nul", OP_GET, ERROR_WSMAN_INVALID_XML, "not well-formed"},
    {"charset-unknown", OP_GET, ERROR_WSMAN_UNSUPPORTED_ENCODING, "EBCDIC"},
    {"decl-ebcdic", OP_GET, ERROR_WSMAN_INVALID_XML, "not well-formed"},
    {"bom-utf16-body-utf8", OP_GET, ERROR_WSMAN_INVALID_XML, NULL},
    {"bom-utf8-header-utf16", OP_GET, S_OK, NULL}, /* the BOM wins (RFC 7303 section 3.2) */
    {"utf16", OP_GET, S_OK, NULL},
    {"utf16-nobom-header", OP_GET, S_OK, NULL},
    /* authentication and redirects */
    {"auth-loop", OP_GET, E_ACCESSDENIED_, "HTTP 401"},
    {"auth-loop", OP_GET_DIGEST, E_ACCESSDENIED_, "HTTP 401"},
    {"redirect", OP_GET, ERROR_WSMAN_UNSUPPORTED_HTTP_STATUS_REDIRECT, "302"},
    {"redirect-loop", OP_GET, ERROR_WSMAN_UNSUPPORTED_HTTP_STATUS_REDIRECT, "307"},
    {"redirect-other-host", OP_GET, ERROR_WSMAN_UNSUPPORTED_HTTP_STATUS_REDIRECT, "308"},
    /* faults and SOAP-level trouble */
    {"wmierror", OP_GET, ERROR_WSMAN_QUOTA_MAX_SHELLS, "concurrent shells"},
    {"fault-nodetail", OP_GET, ERROR_WSMAN_SOAP_FAULT_MUST_UNDERSTAND, "mustUnderstand"},
    {"fault-nested", OP_GET, INVALID_SELECTORS, NULL},
    {"wrong-relatesto", OP_GET, ERROR_WSMAN_RESPONSE_INVALID_MESSAGE_INFORMATION_HEADER, "RelatesTo"},
    {"wrong-action", OP_GET, ERROR_WSMAN_RESPONSE_INVALID_MESSAGE_INFORMATION_HEADER, "transfer/GetResponse"},
    {"get-ok", OP_GET, S_OK, NULL},
    /* enumerations */
    {"endless-enum", OP_ENUM, S_OK, NULL},
    {"endless-enum-empty", OP_ENUM_READ, ERROR_WSMAN_OPERATION_TIMEDOUT, "without an item"},
    /* message encryption: a plaintext request gets the plain e:Ok reply (test_gss covers them encrypted) */
    {"enc-tamper", OP_GET, S_OK, NULL},
    {"enc-truncate", OP_GET, S_OK, NULL},
    {"enc-bad-length", OP_GET, S_OK, NULL},
    {"enc-plain", OP_GET, S_OK, NULL},
    {"enc-lenient", OP_GET, S_OK, NULL},
    {"enc-replay", OP_GET, S_OK, NULL},
};

static IWSManEx3 *wsman;
static char tmpdir[256];

/* ---- the heap the library needs during one call ---- */

#ifdef HOSTILE_ASAN
static atomic_llong live_bytes, peak_bytes;

static void on_malloc(const volatile void *ptr, size_t size)
{
    (void)ptr;
    long long now = atomic_fetch_add(&live_bytes, (long long)size) + (long long)size;
    long long peak = atomic_load(&peak_bytes);
    while (now > peak && !atomic_compare_exchange_weak(&peak_bytes, &peak, now))
        ;
}

static void on_free(const volatile void *ptr)
{
    if (ptr)
        atomic_fetch_sub(&live_bytes, (long long)__sanitizer_get_allocated_size((const void *)ptr));
}

static void heap_init(void)
{
    __sanitizer_install_malloc_and_free_hooks(on_malloc, on_free);
}

static long long heap_begin(void)
{
    long long now = atomic_load(&live_bytes);
    atomic_store(&peak_bytes, now);
    return now;
}

/* The peak of live heap bytes since heap_begin, above where it started. */
static long long heap_end(long long start)
{
    return atomic_load(&peak_bytes) - start;
}
#define HEAP_WHAT "peak live heap"
#else
static void heap_init(void)
{
}

static long long maxrss(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (long long)ru.ru_maxrss * 1024;
}

static long long heap_begin(void)
{
    return maxrss();
}

/* Growth of the peak resident set: an upper bound of what the call needed, once the set is past its start. */
static long long heap_end(long long start)
{
    return maxrss() - start;
}
#define HEAP_WHAT "growth of the peak resident set"
#endif

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* ---- sessions ---- */

static void use_config(const char *text)
{
    char path[300];
    static int n;

    snprintf(path, sizeof(path), "%s/client%d.conf", tmpdir, n++);
    write_file(path, text);
    setenv("WSMAUTO_CLIENT_CONFIG", path, 1);
}

/* The client configuration of the sessions opened from now on (read at a session's first operation). */
static void use_envelope_kb(unsigned kb)
{
    char cfg[200];

    snprintf(cfg, sizeof(cfg),
             "[Client]\nAllowUnencrypted = true\nNetworkDelayms = %d\nMaxEnvelopeSizekb = %u\n",
             NETWORK_DELAY_MS, kb);
    use_config(cfg);
}

static IWSManSession *open_session(const struct test_server *srv, LONG flags)
{
    IWSManSession *s = NULL;
    HRESULT hr = create_session(wsman, srv->url, flags, "wsmuser", "wsmpass", NULL, &s);

    ok(hr == S_OK && s, "CreateSession(%s, 0x%x): 0x%08x", srv->url, (unsigned)flags, (unsigned)hr);
    if (s) {
        ok_hr(S_OK, IWSManSession_put_Timeout(s, TIMEOUT_MS));
        ok_hr(S_OK, IWSManSession_put_BatchItems(s, 20));
    }
    return s;
}

/* ---- the server's list of modes ---- */

/* The names after "known: " in the server's answer to a mode it does not know, as a malloc'd
 * comma-and-space separated list, or NULL. */
static char *server_modes(IWSManSession *s)
{
    HRESULT hr;
    char *r = session_get(s, MISBEHAVE "no-such-mode", &hr), *err = session_error(s), *list = NULL;
    const char *k = err ? strstr(err, "known: ") : NULL;

    free(r);
    ok(hr == (HRESULT)0x80338000u, "an unknown mode is a DestinationUnreachable fault: 0x%08x", (unsigned)hr);
    if (k) {
        size_t n = strcspn(k + 7, ")");
        if ((list = malloc(n + 1))) {
            memcpy(list, k + 7, n);
            list[n] = '\0';
        }
    }
    free(err);
    return list;
}

static int in_list(const char *list, const char *mode)
{
    size_t n = strlen(mode);
    for (const char *p = list; p && *p;) {
        size_t k = strcspn(p, ",");
        if (k == n && !strncmp(p, mode, n))
            return 1;
        p += k;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return 0;
}

/* ---- one row ---- */

struct outcome {
    HRESULT hr;
    char *result; /* the Get result on success */
    int reads;    /* OP_ENUM: ReadItem calls that succeeded */
};

static struct outcome run_op(IWSManSession *s, const struct row *row, const char *uri)
{
    struct outcome o = {0};
    VARIANT v = vstr(uri);

    if (row->op == OP_GET || row->op == OP_GET_DIGEST || row->op == OP_GET_BIG) {
        BSTR out = NULL;
        o.hr = IWSManSession_Get(s, v, 0, &out);
        if (o.hr == S_OK)
            o.result = utf8(out);
        SysFreeString(out);
    } else {
        IDispatch *disp = NULL;
        IWSManEnumerator *e = NULL;
        o.hr = IWSManSession_Enumerate(s, v, NULL, NULL, 0, &disp);
        ok(o.hr == S_OK && disp, "%s: Enumerate: 0x%08x", row->mode, (unsigned)o.hr);
        if (disp) {
            IDispatch_QueryInterface(disp, &IID_IWSManEnumerator, (void **)&e);
            IDispatch_Release(disp);
        }
        for (int i = 0; e && i < (row->op == OP_ENUM ? ENDLESS_READS : 1); i++) {
            VARIANT_BOOL eos = VARIANT_TRUE;
            BSTR item = NULL;
            IWSManEnumerator_get_AtEndOfStream(e, &eos);
            if (row->op == OP_ENUM && eos) {
                ok(0, "%s: AtEndOfStream after %d items", row->mode, o.reads);
                break;
            }
            o.hr = IWSManEnumerator_ReadItem(e, &item);
            SysFreeString(item);
            if (o.hr != S_OK)
                break;
            o.reads++;
        }
        if (e)
            IWSManEnumerator_Release(e); /* sends a Release: the enumeration did not end */
    }
    VariantClear(&v);
    return o;
}

static void run_row(const struct test_server *srv, IWSManSession *basic, const struct row *row)
{
    char uri[160], needle[180], *desc, *err;
    IWSManSession *own = NULL, *s = basic;
    const unsigned long long bound = row->op == OP_GET_BIG ? BIG_HEAP_BOUND : HEAP_BOUND;
    struct outcome o;
    double t0, elapsed;
    long long heap0, heap;
    int before;

    if (row->op == OP_GET_BIG)
        use_envelope_kb(BIG_ENVELOPE / 1024);
    if (row->op == OP_GET_DIGEST || row->op == OP_GET_BIG) {
        s = own = open_session(srv, row->op == OP_GET_DIGEST ? DIGEST : BASIC);
        if (!s)
            return;
    }
    snprintf(uri, sizeof(uri), MISBEHAVE "%s", row->mode);
    snprintf(needle, sizeof(needle), "resource=%s ", uri); /* the log line of exactly this mode */
    before = log_lines(srv, needle);

    heap0 = heap_begin();
    t0 = now_ms();
    o = run_op(s, row, uri);
    elapsed = now_ms() - t0;
    heap = heap_end(heap0);

    ok(o.hr == row->hr, "%s%s: expected 0x%08x, got 0x%08x", row->mode,
       row->op == OP_GET_DIGEST ? " (Digest)" : "", (unsigned)row->hr, (unsigned)o.hr);
    desc = error_description();
    err = session_error(s);
    if (row->hr != S_OK) {
        ok(desc && *desc, "%s: the error description is empty", row->mode);
        ok(!row->text || contains(desc, row->text), "%s: the description lacks \"%s\": %.300s", row->mode,
           row->text ? row->text : "", desc ? desc : "(null)");
        ok(!contains(desc, "wsmpass") && !contains(err, "wsmpass") && !contains(err, "Authorization:"),
           "%s: a secret leaked into the error", row->mode);
    } else if (row->op == OP_ENUM) {
        ok(o.reads == ENDLESS_READS, "%s: %d of %d ReadItem calls succeeded", row->mode, o.reads,
           ENDLESS_READS);
    } else {
        ok(o.result && (contains(o.result, ">ok<") || contains(o.result, "EnumerationContext")),
           "%s: the result: %.300s", row->mode, o.result ? o.result : "(null)");
    }
    ok(elapsed < TIMEOUT_MS + NETWORK_DELAY_MS + TIME_SLACK_MS, "%s: the call took %.0f ms", row->mode,
       elapsed);
    ok(heap < (long long)bound, "%s: %s %lld bytes, more than %llu", row->mode, HEAP_WHAT, heap, bound);
    if (getenv("HOSTILE_VERBOSE"))
        printf("%-22s %-6s 0x%08x %6.0f ms %9lld bytes  %.160s\n", row->mode,
               row->op == OP_GET_DIGEST ? "digest"
               : row->op == OP_GET_BIG  ? "big"
               : row->op == OP_GET      ? "get"
                                        : "enum",
               (unsigned)o.hr, elapsed, heap, desc ? desc : "");
    /* No redirect is followed, and nothing is sent again after a refusal (Digest may answer the 401 of its
     * first leg once more). */
    if (!strncmp(row->mode, "redirect", 8) || !strcmp(row->mode, "auth-loop")) {
        int sent = log_lines(srv, needle) - before;
        ok(sent >= 1 && sent <= (row->op == OP_GET_DIGEST ? 3 : 1), "%s: %d requests reached the server",
           row->mode, sent);
        ok(log_lines(srv, "wsman-redirected") == 0 && log_lines(srv, "elsewhere") == 0,
           "%s: a redirect was followed", row->mode);
    }
    free(desc);
    free(err);
    free(o.result);

    /* The same session works on. */
    {
        HRESULT hr;
        char *r = session_get(s, MISBEHAVE "get-ok", &hr);
        ok(hr == S_OK && contains(r, ">ok<"), "%s: then get-ok: 0x%08x", row->mode, (unsigned)hr);
        free(r);
    }
    if (own)
        IWSManSession_Release(own);
    if (row->op == OP_GET_BIG)
        use_envelope_kb(MAX_ENVELOPE / 1024);
}

static void test_hostile(const struct test_server *srv)
{
    IWSManSession *s = open_session(srv, BASIC);
    char *modes;
    size_t n = sizeof(rows) / sizeof(rows[0]);
    double t0 = now_ms();

    if (!s)
        return;
    modes = server_modes(s);
    ok(modes && in_list(modes, "get-ok") && in_list(modes, "status401"), "the server's list of modes: %s",
       modes ? modes : "(none)");
    /* Every mode of the server has a row, and every row a mode of the server. */
    for (const char *p = modes; p && *p;) {
        size_t k = strcspn(p, ",");
        int found = 0;
        for (size_t i = 0; i < n; i++)
            found |= strlen(rows[i].mode) == k && !strncmp(rows[i].mode, p, k);
        ok(found, "the misbehave mode \"%.*s\" has no row in test_hostile.c", (int)k, p);
        p += k;
        while (*p == ',' || *p == ' ')
            p++;
    }
    for (size_t i = 0; i < n; i++)
        ok(in_list(modes, rows[i].mode), "the row \"%s\" names no mode of the server", rows[i].mode);
    free(modes);

    for (size_t i = 0; i < n; i++)
        run_row(srv, s, &rows[i]);
    IWSManSession_Release(s);
    printf("hostile: %zu rows in %.1f s\n", n, (now_ms() - t0) / 1000);
}

int main(void)
{
    static const char *const args[] = {"--auth", "basic,digest", NULL};
    struct test_server srv;
    HRESULT hr;

    heap_init();
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/wsmauto-hostile-XXXXXX");
    if (!mkdtemp(tmpdir))
        return 2;
    setenv("XDG_CONFIG_HOME", tmpdir, 1);
    use_envelope_kb(MAX_ENVELOPE / 1024);

    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    hr = CoCreateInstance(&CLSID_WSMan, NULL, CLSCTX_INPROC_SERVER, &IID_IWSManEx3, (void **)&wsman);
    ok_hr(S_OK, hr);
    if (SUCCEEDED(hr)) {
        if (test_server_start(&srv, args) == 0) {
            test_hostile(&srv);
            test_server_stop(&srv);
        } else
            ok(0, "the test server did not start");
        IWSManEx3_Release(wsman);
    }
    CoUninitialize();
    {
        char cmd[400];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", tmpdir);
    }
    return test_summary("hostile");
}
