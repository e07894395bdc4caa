/*
 * bench_client: the clients of the benchmark (bench/README.md), one mode per run.
 *
 *   bench_client MODE URL COUNT [BATCH]
 *
 * MODE:
 *   floor-get   COUNT Gets: raw libcurl POST of a fixed envelope + one libxml2 parse of the reply
 *   text-get    floor-get + the instance element serialized to text with xmlNodeDump
 *   api-get     COUNT Session.Get calls through the wsmauto C API (COM vtables)
 *   floor-enum  an enumeration of COUNT items, BATCH per reply (Enumerate + Pull), each reply parsed once
 *   text-enum   floor-enum + every item serialized to text with xmlNodeDump
 *   api-enum    Session.Enumerate + ReadItem of COUNT items with Session.BatchItems = BATCH
 *   api-text-enum  api-enum with WSManAutoFlagEnumerationText: the items as winrm's text layout
 * URL is the fixed server's, e.g. http://127.0.0.1:5985/wsman. The enumerated resource ends in /COUNT, which
 * tells the fixed server how many items to send.
 *
 * Prints one line:
 *   RESULT mode=M ops=N items=N sec=S rate=R maxrss_kb=K
 * (rate: operations or items per second; maxrss_kb: getrusage ru_maxrss). A failed request prints why on
 * stderr and the exit status is 1.
 *
 * SPDX-License-Identifier: MIT
 */
#define COBJMACROS
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <windows.h>
#include <objbase.h>
#include <oleauto.h>
#include <wsmandisp.h>
#include <wsmauto_enum.h>

#define GET_URI "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service"
#define ENUM_URI "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Bench_Item"
#define NS_S "http://www.w3.org/2003/05/soap-envelope"

static const char *mode;

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "bench_client %s: ", mode);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return 1;
}

/* ---- floor: libcurl + libxml2 ---- */

struct reply {
    char *p;
    size_t len, cap;
};

static size_t on_data(char *data, size_t size, size_t n, void *user)
{
    struct reply *r = user;
    size_t k = size * n;

    if (r->len + k + 1 > r->cap) {
        size_t cap = r->cap ? r->cap : 65536;
        while (cap < r->len + k + 1)
            cap *= 2;
        char *p = realloc(r->p, cap);
        if (!p)
            return 0;
        r->p = p;
        r->cap = cap;
    }
    memcpy(r->p + r->len, data, k);
    r->len += k;
    return k;
}

/* The request envelopes, as wsmauto writes them (same headers, same order). */
static int envelope(char *out, size_t cap, const char *url, const char *action, const char *resource,
                    unsigned long id, const char *extra_header, const char *body)
{
    return snprintf(
        out, cap,
        "<s:Envelope xmlns:s=\"" NS_S "\" xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "
        "xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\" "
        "xmlns:p=\"http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd\" "
        "xmlns:n=\"http://schemas.xmlsoap.org/ws/2004/09/enumeration\"><s:Header>"
        "<a:To>%s</a:To><w:ResourceURI s:mustUnderstand=\"true\">%s</w:ResourceURI>"
        "<a:ReplyTo><a:Address s:mustUnderstand=\"true\">"
        "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>"
        "<a:Action s:mustUnderstand=\"true\">%s</a:Action>"
        "<w:MaxEnvelopeSize s:mustUnderstand=\"true\">512000</w:MaxEnvelopeSize>"
        "<a:MessageID>uuid:6F1E5C3A-0000-4000-8000-%012lX</a:MessageID>"
        "<w:Locale xml:lang=\"en-US\" s:mustUnderstand=\"false\"/>"
        "<p:DataLocale xml:lang=\"en-US\" s:mustUnderstand=\"false\"/>"
        "<p:SessionId s:mustUnderstand=\"false\">uuid:6F1E5C3A-1111-4000-8000-000000000001</p:SessionId>"
        "%s<w:OperationTimeout>PT60.000S</w:OperationTimeout></s:Header><s:Body>%s</s:Body></s:Envelope>",
        url, resource, action, id, extra_header, body);
}

static xmlNodePtr first_elem(xmlNodePtr n)
{
    while (n && n->type != XML_ELEMENT_NODE)
        n = n->next;
    return n;
}

static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
    for (xmlNodePtr n = first_elem(parent->children); n; n = first_elem(n->next))
        if (!strcmp((const char *)n->name, name))
            return n;
    return NULL;
}

struct floor {
    CURL *curl;
    struct curl_slist *headers;
    struct reply r;
    const char *url;
    int text;
    char req[8192];
    unsigned long id;
};

/* POSTs f->req and parses the reply; the SOAP Body's first element is *body. */
static xmlDocPtr exchange(struct floor *f, int len, xmlNodePtr *body)
{
    long status = 0;
    CURLcode rc;
    xmlDocPtr doc;
    xmlNodePtr env, b;

    f->r.len = 0;
    curl_easy_setopt(f->curl, CURLOPT_POSTFIELDS, f->req);
    curl_easy_setopt(f->curl, CURLOPT_POSTFIELDSIZE, (long)len);
    if ((rc = curl_easy_perform(f->curl)) != CURLE_OK) {
        fail("POST to %s failed: %s (libcurl %d)", f->url, curl_easy_strerror(rc), (int)rc);
        return NULL;
    }
    curl_easy_getinfo(f->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
        fail("%s answered HTTP %ld", f->url, status);
        return NULL;
    }
    doc = xmlReadMemory(f->r.p, (int)f->r.len, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOBLANKS);
    if (!doc || !(env = xmlDocGetRootElement(doc)) || !(b = child(env, "Body")) ||
        !(*body = first_elem(b->children)) || !strcmp((const char *)(*body)->name, "Fault")) {
        fail("the reply from %s is not a SOAP reply with a body (or is a fault)", f->url);
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

/* floor+text: what an API returning XML text must do at least for one element. */
static int dump(xmlDocPtr doc, xmlNodePtr n)
{
    xmlBufferPtr buf = xmlBufferCreate();
    int len = buf ? xmlNodeDump(buf, doc, n, 0, 0) : -1;

    xmlBufferFree(buf);
    return len > 0;
}

static int floor_init(struct floor *f, const char *url)
{
    memset(f, 0, sizeof(*f));
    f->url = url;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) || !(f->curl = curl_easy_init()))
        return fail("libcurl could not start");
    f->headers = curl_slist_append(NULL, "Content-Type: application/soap+xml;charset=UTF-8");
    f->headers = curl_slist_append(f->headers, "Expect:");
    curl_easy_setopt(f->curl, CURLOPT_URL, url);
    curl_easy_setopt(f->curl, CURLOPT_HTTPHEADER, f->headers);
    curl_easy_setopt(f->curl, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(f->curl, CURLOPT_USERPWD, "bench:bench");
    curl_easy_setopt(f->curl, CURLOPT_USERAGENT, "Microsoft WinRM Client");
    curl_easy_setopt(f->curl, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(f->curl, CURLOPT_WRITEDATA, &f->r);
    curl_easy_setopt(f->curl, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(f->curl, CURLOPT_NOSIGNAL, 1L);
    return 0;
}

static void floor_done(struct floor *f)
{
    curl_slist_free_all(f->headers);
    curl_easy_cleanup(f->curl);
    free(f->r.p);
    curl_global_cleanup();
}

static int floor_get(struct floor *f, long count)
{
    for (long i = 0; i < count; i++) {
        xmlNodePtr body;
        int len = envelope(
            f->req, sizeof(f->req), f->url, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Get", GET_URI,
            ++f->id, "<w:SelectorSet><w:Selector Name=\"Name\">Spooler</w:Selector></w:SelectorSet>", "");
        xmlDocPtr doc = exchange(f, len, &body);
        if (!doc)
            return 1;
        if (f->text && !dump(doc, body)) {
            xmlFreeDoc(doc);
            return fail("xmlNodeDump failed");
        }
        xmlFreeDoc(doc);
    }
    return 0;
}

static int floor_enum(struct floor *f, long total, long batch, long *items)
{
    char resource[256], body[1024], ctx[256] = "";
    int first = 1;

    snprintf(resource, sizeof(resource), ENUM_URI "/%ld", total);
    for (;;) {
        xmlNodePtr reply, n;
        int len;

        if (first)
            snprintf(body, sizeof(body),
                     "<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>%ld</w:MaxElements></n:Enumerate>",
                     batch);
        else
            snprintf(body, sizeof(body),
                     "<n:Pull><n:EnumerationContext>%s</n:EnumerationContext><n:MaxElements>%ld"
                     "</n:MaxElements></n:Pull>",
                     ctx, batch);
        len = envelope(f->req, sizeof(f->req), f->url,
                       first ? "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Enumerate"
                             : "http://schemas.xmlsoap.org/ws/2004/09/enumeration/Pull",
                       resource, ++f->id, "", body);
        first = 0;
        xmlDocPtr doc = exchange(f, len, &reply);
        if (!doc)
            return 1;
        int eos = child(reply, "EndOfSequence") != NULL;
        if ((n = child(reply, "Items")) != NULL)
            for (xmlNodePtr it = first_elem(n->children); it; it = first_elem(it->next)) {
                if (f->text && !dump(doc, it)) {
                    xmlFreeDoc(doc);
                    return fail("xmlNodeDump failed");
                }
                ++*items;
            }
        if (!eos) {
            xmlNodePtr c = child(reply, "EnumerationContext");
            xmlChar *t = c ? xmlNodeGetContent(c) : NULL;
            if (!t || strlen((const char *)t) >= sizeof(ctx)) {
                xmlFree(t);
                xmlFreeDoc(doc);
                return fail("a reply without EndOfSequence has no usable EnumerationContext");
            }
            strcpy(ctx, (const char *)t);
            xmlFree(t);
        }
        xmlFreeDoc(doc);
        if (eos)
            break;
    }
    if (*items != total)
        return fail("the enumeration ended after %ld items, not %ld", *items, total);
    return 0;
}

/* ---- the wsmauto C API ---- */

static BSTR bstr(const char *s)
{
    size_t n = strlen(s);
    BSTR b = SysAllocStringLen(NULL, (UINT)n);

    for (size_t i = 0; b && i < n; i++)
        b[i] = (OLECHAR)(unsigned char)s[i];
    return b;
}

static void print_error(const char *what, HRESULT hr, IDispatch *obj)
{
    IErrorInfo *info;
    BSTR text = NULL;

    fprintf(stderr, "bench_client %s: %s failed: 0x%08X", mode, what, (unsigned)hr);
    (void)obj;
    if (GetErrorInfo(0, &info) == S_OK) {
        if (IErrorInfo_GetDescription(info, &text) == S_OK && text) {
            fputs(": ", stderr);
            for (UINT i = 0; i < SysStringLen(text); i++)
                fputc(text[i] < 0x80 ? (char)text[i] : '?', stderr);
        }
        SysFreeString(text);
        IErrorInfo_Release(info);
    }
    fputc('\n', stderr);
}

static IWSManEx3 *wsman;

static IWSManSession *api_session(const char *url)
{
    IDispatch *options_disp = NULL, *session_disp = NULL;
    IWSManConnectionOptions *options = NULL;
    IWSManSession *session = NULL;
    BSTR user = bstr("bench"), password = bstr("bench"), connection = bstr(url);
    HRESULT hr;

    if (FAILED(hr = CoInitialize(NULL)) ||
        FAILED(hr = CoCreateInstance(&CLSID_WSMan, NULL, CLSCTX_INPROC_SERVER, &IID_IWSManEx3,
                                     (void **)&wsman))) {
        print_error("CoInitialize/CoCreateInstance", hr, NULL);
        return NULL;
    }
    IWSManEx3_CreateConnectionOptions(wsman, &options_disp);
    IDispatch_QueryInterface(options_disp, &IID_IWSManConnectionOptions, (void **)&options);
    IWSManConnectionOptions_put_UserName(options, user);
    IWSManConnectionOptions_put_Password(options, password);
    IWSManConnectionOptions_Release(options);
    hr = IWSManEx3_CreateSession(wsman, connection,
                                 WSManFlagUseBasic | WSManFlagCredUsernamePassword | WSManFlagNoEncryption,
                                 options_disp, &session_disp);
    IDispatch_Release(options_disp);
    SysFreeString(user);
    SysFreeString(password);
    SysFreeString(connection);
    if (FAILED(hr)) {
        print_error("CreateSession", hr, NULL);
        return NULL;
    }
    IDispatch_QueryInterface(session_disp, &IID_IWSManSession, (void **)&session);
    IDispatch_Release(session_disp);
    return session;
}

static int api_get(IWSManSession *s, long count)
{
    VARIANT uri;
    HRESULT hr;

    V_VT(&uri) = VT_BSTR;
    V_BSTR(&uri) = bstr(GET_URI "?Name=Spooler");
    for (long i = 0; i < count; i++) {
        BSTR text = NULL;
        if (FAILED(hr = IWSManSession_Get(s, uri, 0, &text))) {
            print_error("Session.Get", hr, NULL);
            VariantClear(&uri);
            return 1;
        }
        SysFreeString(text);
    }
    VariantClear(&uri);
    return 0;
}

static int api_enum(IWSManSession *s, long total, long batch, LONG flags, long *items)
{
    char resource[256];
    VARIANT uri;
    IDispatch *disp = NULL;
    IWSManEnumerator *e = NULL;
    VARIANT_BOOL eos = VARIANT_FALSE;
    HRESULT hr;

    if (FAILED(hr = IWSManSession_put_BatchItems(s, (LONG)batch))) {
        print_error("Session.BatchItems", hr, NULL);
        return 1;
    }
    snprintf(resource, sizeof(resource), ENUM_URI "/%ld", total);
    V_VT(&uri) = VT_BSTR;
    V_BSTR(&uri) = bstr(resource);
    hr = IWSManSession_Enumerate(s, uri, NULL, NULL, flags, &disp);
    VariantClear(&uri);
    if (FAILED(hr)) {
        print_error("Session.Enumerate", hr, NULL);
        return 1;
    }
    IDispatch_QueryInterface(disp, &IID_IWSManEnumerator, (void **)&e);
    IDispatch_Release(disp);
    while (SUCCEEDED(hr = IWSManEnumerator_get_AtEndOfStream(e, &eos)) && !eos) {
        BSTR item = NULL;
        if (FAILED(hr = IWSManEnumerator_ReadItem(e, &item))) {
            print_error("Enumerator.ReadItem", hr, NULL);
            IWSManEnumerator_Release(e);
            return 1;
        }
        SysFreeString(item);
        ++*items;
    }
    IWSManEnumerator_Release(e);
    if (FAILED(hr)) {
        print_error("Enumerator.AtEndOfStream", hr, NULL);
        return 1;
    }
    if (*items != total)
        return fail("the enumeration ended after %ld items, not %ld", *items, total);
    return 0;
}

/* Basic over plain HTTP needs AllowUnencrypted in the client configuration: a private file, unless the
 * caller chose one. */
static char config_path[64];

static int use_config(void)
{
    int fd;
    static const char text[] = "[Client]\nAllowUnencrypted = true\n";

    if (getenv("WSMAUTO_CLIENT_CONFIG"))
        return 0;
    strcpy(config_path, "/tmp/wsmauto-bench-XXXXXX");
    if ((fd = mkstemp(config_path)) < 0 || write(fd, text, sizeof(text) - 1) != (ssize_t)sizeof(text) - 1) {
        perror("bench_client: client configuration file");
        return 1;
    }
    close(fd);
    setenv("WSMAUTO_CLIENT_CONFIG", config_path, 1);
    return 0;
}

int main(int argc, char **argv)
{
    struct rusage ru;
    long count, batch, items = 0;
    double t0, t1;
    int rc = 1;

    if (argc < 4) {
        fprintf(stderr, "usage: bench_client "
                        "floor-get|text-get|api-get|floor-enum|text-enum|api-enum|api-text-enum URL COUNT "
                        "[BATCH]\n");
        return 2;
    }
    mode = argv[1];
    count = strtol(argv[3], NULL, 10);
    batch = argc > 4 ? strtol(argv[4], NULL, 10) : 20;
    if (count < 1 || batch < 1) {
        fprintf(stderr, "bench_client: COUNT and BATCH must be positive\n");
        return 2;
    }
    if (!strncmp(mode, "floor-", 6) || !strncmp(mode, "text-", 5)) {
        struct floor f;
        if (floor_init(&f, argv[2]))
            return 1;
        f.text = mode[0] == 't';
        xmlInitParser();
        t0 = now();
        if (!strcmp(mode + (f.text ? 5 : 6), "get"))
            rc = floor_get(&f, count);
        else if (!strcmp(mode + (f.text ? 5 : 6), "enum"))
            rc = floor_enum(&f, count, batch, &items);
        else {
            fprintf(stderr, "bench_client: unknown mode %s\n", mode);
            rc = 2;
        }
        t1 = now();
        floor_done(&f);
        xmlCleanupParser();
    } else if (!strcmp(mode, "api-get") || !strcmp(mode, "api-enum") || !strcmp(mode, "api-text-enum")) {
        IWSManSession *s;
        if (use_config())
            return 1;
        if (!(s = api_session(argv[2]))) {
            if (config_path[0])
                unlink(config_path);
            return 1;
        }
        t0 = now();
        if (!strcmp(mode, "api-get"))
            rc = api_get(s, count);
        else
            rc = api_enum(s, count, batch, !strcmp(mode, "api-enum") ? 0 : WSManAutoFlagEnumerationText,
                          &items);
        t1 = now();
        IWSManSession_Release(s);
        IWSManEx3_Release(wsman);
        CoUninitialize();
        if (config_path[0])
            unlink(config_path);
    } else {
        fprintf(stderr, "bench_client: unknown mode %s\n", mode);
        return 2;
    }
    if (rc)
        return rc;
    getrusage(RUSAGE_SELF, &ru);
    long ops = items ? items : count;
    printf("RESULT mode=%s ops=%ld items=%ld sec=%.6f rate=%.1f maxrss_kb=%ld\n", mode, items ? 0 : count,
           items, t1 - t0, (double)ops / (t1 - t0 > 0 ? t1 - t0 : 1e-9), ru.ru_maxrss);
    return 0;
}
