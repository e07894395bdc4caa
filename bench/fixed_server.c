/*
 * fixed_server: a WS-Management server with canned replies, for the benchmark (bench/README.md).
 *
 * It exists so that the figures measure the client, not the server: one thread, epoll, HTTP/1.1 keep-alive,
 * no XML parser (the few request fields it needs are found with memmem), each reply written with one send()
 * (header and body in one buffer; TCP_NODELAY). Basic (or any) authentication is accepted without checks.
 *
 *   Identify              -> a canned IdentifyResponse
 *   transfer/Get          -> a canned instance; RelatesTo carries the request's MessageID
 *   enumeration/Enumerate -> with w:OptimizeEnumeration, the first w:MaxElements items; the context
 *                            "bench-NEXT-TOTAL" carries the state, so the server keeps none
 *   enumeration/Pull      -> the next n:MaxElements items
 *   enumeration/Release   -> ReleaseResponse
 *   anything else         -> a SOAP fault (HTTP 500), reported on stderr
 *
 * The total number of items of an enumeration is -t (default 1000), or the number that ends the ResourceURI
 * (".../Bench_Item/250000").
 *
 * Usage: fixed_server [-b ADDR] [-p PORT]... [-n COUNT] [-t TOTAL] [-q]
 *   -b ADDR   address to bind (default 127.0.0.1; 0.0.0.0 answers every 127.x.y.z address)
 *   -p PORT   a port to listen on (repeatable; 0 = any free port). Default: one free port
 *   -n COUNT  listen on COUNT ports: PORT, PORT+1, ... (or COUNT free ports when PORT is 0 or not given)
 * The first line on stdout is "ports: P1 P2 ..." once every socket listens. SIGINT/SIGTERM end it with a
 * count of the requests served on stderr.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PORTS 256
#define MAX_REQUEST (4u << 20)

#define NS_DECLS                                                                                             \
    "xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\" "                                                   \
    "xmlns:a=\"http://schemas.xmlsoap.org/ws/2004/08/addressing\" "                                          \
    "xmlns:x=\"http://schemas.xmlsoap.org/ws/2004/09/transfer\" "                                            \
    "xmlns:n=\"http://schemas.xmlsoap.org/ws/2004/09/enumeration\" "                                         \
    "xmlns:w=\"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd\" "                                            \
    "xmlns:p=\"http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd\""
#define A_ANON "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
#define ACT_X "http://schemas.xmlsoap.org/ws/2004/09/transfer/"
#define ACT_N "http://schemas.xmlsoap.org/ws/2004/09/enumeration/"

/* One Win32_Service-like instance (about 1.3 KB), as Windows sends it: namespace declarations on the item. */
static const char ITEM[] =
    "<p:Win32_Service xmlns:p=\"http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service\" "
    "xmlns:cim=\"http://schemas.dmtf.org/wbem/wscim/1/common\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:type=\"p:Win32_Service_Type\" "
    "xml:lang=\"en-US\">"
    "<p:AcceptPause>false</p:AcceptPause><p:AcceptStop>true</p:AcceptStop>"
    "<p:Caption>Print Spooler</p:Caption><p:CheckPoint>0</p:CheckPoint>"
    "<p:CreationClassName>Win32_Service</p:CreationClassName><p:DelayedAutoStart>false</p:DelayedAutoStart>"
    "<p:Description>This service spools print jobs and handles interaction with the printer. If you turn off "
    "this service, you won't be able to print or see your printers.</p:Description>"
    "<p:DesktopInteract>true</p:DesktopInteract><p:DisplayName>Print Spooler</p:DisplayName>"
    "<p:ErrorControl>Normal</p:ErrorControl><p:ExitCode>0</p:ExitCode>"
    "<p:InstallDate xsi:nil=\"true\"/><p:Name>Spooler</p:Name>"
    "<p:PathName>C:\\Windows\\System32\\spoolsv.exe</p:PathName><p:ProcessId>2412</p:ProcessId>"
    "<p:ServiceSpecificExitCode>0</p:ServiceSpecificExitCode><p:ServiceType>Own Process</p:ServiceType>"
    "<p:Started>true</p:Started><p:StartMode>Auto</p:StartMode><p:StartName>LocalSystem</p:StartName>"
    "<p:State>Running</p:State><p:Status>OK</p:Status>"
    "<p:SystemCreationClassName>Win32_ComputerSystem</p:SystemCreationClassName>"
    "<p:SystemName>BENCH-SERVER</p:SystemName><p:TagId>0</p:TagId><p:WaitHint>0</p:WaitHint>"
    "</p:Win32_Service>";

static const char IDENTIFY[] =
    "<s:Envelope xml:lang=\"en-US\" xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Header/><s:Body>"
    "<wsmid:IdentifyResponse xmlns:wsmid=\"http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd\">"
    "<wsmid:ProtocolVersion>http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd</wsmid:ProtocolVersion>"
    "<wsmid:ProductVendor>wsmauto bench server</wsmid:ProductVendor>"
    "<wsmid:ProductVersion>OS: 10.0.20348 SP: 0.0 Stack: 3.0</wsmid:ProductVersion>"
    "</wsmid:IdentifyResponse></s:Body></s:Envelope>";

struct buf {
    char *p;
    size_t len, cap;
};

struct conn {
    int fd;
    struct buf in, out;
    size_t out_off;
    int close_after;
};

static struct conn **conns;
static size_t nconns;
static int epfd;
static int quiet;
static unsigned long default_total = 1000;
static unsigned long long served, faults, msgno;
static volatile sig_atomic_t stop;

static void die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fputs("fixed_server: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static void reserve(struct buf *b, size_t more)
{
    if (b->len + more <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more)
        cap *= 2;
    if (!(b->p = realloc(b->p, cap)))
        die("out of memory (%zu bytes)", cap);
    b->cap = cap;
}

static void put(struct buf *b, const void *s, size_t n)
{
    reserve(b, n);
    memcpy(b->p + b->len, s, n);
    b->len += n;
}

static void puts_(struct buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void putf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    reserve(b, 256);
    va_start(ap, fmt);
    n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        die("vsnprintf failed");
    if ((size_t)n >= b->cap - b->len) {
        reserve(b, (size_t)n + 1);
        va_start(ap, fmt);
        vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

/* The text of the first element with local name NAME (any prefix) in s[0..n): *len bytes at the result. */
static const char *elem_text(const char *s, size_t n, const char *name, size_t *len)
{
    size_t k = strlen(name);
    const char *end = s + n, *p = s;

    while ((p = memmem(p, (size_t)(end - p), name, k)) != NULL) {
        const char *q = p + k;
        if (p > s && (p[-1] == ':' || p[-1] == '<') && q < end && (*q == '>' || *q == ' ' || *q == '/')) {
            /* an opening tag: p[-1] is ':' (after a prefix, itself after '<') or '<' */
            const char *lt = p - 1;
            while (lt > s && *lt != '<' && *lt != '/' && *lt != ' ' && *lt != '>')
                lt--;
            if (*lt == '<') {
                const char *gt = memchr(q, '>', (size_t)(end - q));
                if (!gt)
                    return NULL;
                if (gt[-1] == '/') {
                    *len = 0;
                    return gt + 1;
                }
                const char *t = gt + 1, *e = memchr(t, '<', (size_t)(end - t));
                if (!e)
                    return NULL;
                *len = (size_t)(e - t);
                return t;
            }
        }
        p = q;
    }
    return NULL;
}

static unsigned long num(const char *s, size_t n, unsigned long dflt)
{
    unsigned long v = 0;
    size_t i = 0;

    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    if (i == n || s[i] < '0' || s[i] > '9')
        return dflt;
    for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
        v = v * 10 + (unsigned long)(s[i] - '0');
    return v;
}

/* The header of a SOAP reply (up to <s:Body>) into b. */
static void soap_head(struct buf *b, const char *action, const char *relates, size_t relates_len)
{
    puts_(b, "<s:Envelope xml:lang=\"en-US\" " NS_DECLS "><s:Header><a:Action>");
    puts_(b, action);
    putf(b,
         "</a:Action><a:MessageID>uuid:0B5E11C4-0000-4000-8000-%012llX</a:MessageID><a:To>" A_ANON
         "</a:To><a:RelatesTo>",
         ++msgno);
    put(b, relates, relates_len);
    puts_(b, "</a:RelatesTo></s:Header><s:Body>");
}

static void items(struct buf *b, unsigned long count)
{
    reserve(b, count * (sizeof(ITEM) - 1));
    for (unsigned long i = 0; i < count; i++)
        put(b, ITEM, sizeof(ITEM) - 1);
}

/* Builds the SOAP reply to body[0..n) into soap; returns the HTTP status. */
static int answer(const char *body, size_t n, struct buf *soap)
{
    size_t alen = 0, mlen = 0, len;
    const char *action = elem_text(body, n, "Action", &alen);
    const char *mid = elem_text(body, n, "MessageID", &mlen), *t;

    if (!mid) {
        mid = "";
        mlen = 0;
    }
    if (!action) {
        if (memmem(body, n, "Identify", 8)) {
            puts_(soap, IDENTIFY);
            return 200;
        }
        action = "";
    }
#define IS(a) (alen == sizeof(a) - 1 && !memcmp(action, a, alen))
    if (IS(ACT_X "Get")) {
        soap_head(soap, ACT_X "GetResponse", mid, mlen);
        put(soap, ITEM, sizeof(ITEM) - 1);
        puts_(soap, "</s:Body></s:Envelope>");
        return 200;
    }
    if (IS(ACT_N "Enumerate") || IS(ACT_N "Pull")) {
        int pull = IS(ACT_N "Pull");
        unsigned long total = default_total, next = 0, max;

        if (pull) {
            if (!(t = elem_text(body, n, "EnumerationContext", &len)) || len < 6 || memcmp(t, "bench-", 6))
                goto fault;
            next = num(t + 6, len - 6, 0);
            const char *dash = memchr(t + 6, '-', len - 6);
            if (!dash)
                goto fault;
            total = num(dash + 1, (size_t)(t + len - dash - 1), 0);
            max = (t = elem_text(body, n, "MaxElements", &len)) ? num(t, len, 1) : 1;
        } else {
            if ((t = elem_text(body, n, "ResourceURI", &len)) != NULL) {
                size_t i = len;
                while (i > 0 && t[i - 1] >= '0' && t[i - 1] <= '9')
                    i--;
                if (i < len && i > 0 && t[i - 1] == '/')
                    total = num(t + i, len - i, default_total);
            }
            if (memmem(body, n, "OptimizeEnumeration", 19))
                max = (t = elem_text(body, n, "MaxElements", &len)) ? num(t, len, 1) : 1;
            else
                max = 0;
        }
        if (max < 1 && pull)
            max = 1;
        unsigned long count = total - next < max ? total - next : max;
        int eos = next + count >= total;
        soap_head(soap, pull ? ACT_N "PullResponse" : ACT_N "EnumerateResponse", mid, mlen);
        puts_(soap, pull ? "<n:PullResponse>" : "<n:EnumerateResponse>");
        if (!eos || !pull)
            putf(soap, "<n:EnumerationContext>%s%lu-%lu</n:EnumerationContext>", eos ? "" : "bench-",
                 eos ? 0ul : next + count, eos ? 0ul : total);
        if (pull || max) {
            puts_(soap, pull ? "<n:Items>" : "<w:Items>");
            items(soap, count);
            puts_(soap, pull ? "</n:Items>" : "</w:Items>");
            if (eos)
                puts_(soap, pull ? "<n:EndOfSequence/>" : "<w:EndOfSequence/>");
        }
        puts_(soap, pull ? "</n:PullResponse></s:Body></s:Envelope>"
                         : "</n:EnumerateResponse></s:Body></s:Envelope>");
        return 200;
    }
    if (IS(ACT_N "Release")) {
        soap_head(soap, ACT_N "ReleaseResponse", mid, mlen);
        puts_(soap, "</s:Body></s:Envelope>");
        return 200;
    }
fault:
    faults++;
    if (!quiet)
        fprintf(stderr, "fixed_server: unsupported request (Action '%.*s'), answered with a fault\n",
                (int)alen, action);
    soap->len = 0;
    soap_head(soap, "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault", mid, mlen);
    puts_(soap, "<s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>a:ActionNotSupported"
                "</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang=\"en-US\">The bench server only "
                "answers Identify, Get, Enumerate, Pull and Release.</s:Text></s:Reason></s:Fault>"
                "</s:Body></s:Envelope>");
    return 500;
}

static void close_conn(struct conn *c)
{
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    conns[c->fd] = NULL;
    free(c->in.p);
    free(c->out.p);
    free(c);
}

static int header_value(const char *h, size_t hlen, const char *name, const char **v, size_t *vlen)
{
    size_t k = strlen(name);
    const char *p = h, *end = h + hlen;

    while (p < end) {
        const char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!eol)
            eol = end;
        if ((size_t)(eol - p) > k && p[k] == ':' && !strncasecmp(p, name, k)) {
            const char *s = p + k + 1;
            while (s < eol && (*s == ' ' || *s == '\t'))
                s++;
            *v = s;
            *vlen = (size_t)(eol - s);
            return 1;
        }
        p = eol + 2;
    }
    return 0;
}

/* Writes what is pending; 0 when all went out, 1 when the socket is full, -1 on an error. */
static int flush_out(struct conn *c)
{
    while (c->out_off < c->out.len) {
        ssize_t w = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 1;
            return -1;
        }
        c->out_off += (size_t)w;
    }
    c->out.len = c->out_off = 0;
    return 0;
}

static void simple_status(struct conn *c, const char *status, const char *why)
{
    if (!quiet)
        fprintf(stderr, "fixed_server: %s: %s\n", status, why);
    putf(&c->out, "HTTP/1.1 %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", status);
    c->close_after = 1;
}

/* Answers every complete request in c->in; returns -1 when the connection is to be closed now. */
static int process(struct conn *c)
{
    static struct buf soap;

    for (;;) {
        char *hend = c->in.len ? memmem(c->in.p, c->in.len, "\r\n\r\n", 4) : NULL;
        const char *v;
        size_t vlen, hlen, clen = 0;

        if (!hend) {
            if (c->in.len > 65536) {
                simple_status(c, "431 Request Header Fields Too Large", "request headers over 64 KB");
                break;
            }
            return 0;
        }
        hlen = (size_t)(hend - c->in.p) + 4;
        if (header_value(c->in.p, hlen, "Transfer-Encoding", &v, &vlen)) {
            simple_status(c, "411 Length Required", "chunked requests are not supported");
            break;
        }
        if (header_value(c->in.p, hlen, "Content-Length", &v, &vlen))
            clen = num(v, vlen, 0);
        if (clen > MAX_REQUEST) {
            simple_status(c, "413 Payload Too Large", "request body over 4 MB");
            break;
        }
        if (c->in.len < hlen + clen) {
            /* Expect: 100-continue: say go on once, before the body starts. */
            if (c->in.len == hlen && header_value(c->in.p, hlen, "Expect", &v, &vlen) && vlen >= 3 &&
                !strncasecmp(v, "100", 3) && !c->out.len)
                puts_(&c->out, "HTTP/1.1 100 Continue\r\n\r\n");
            return 0;
        }
        if (header_value(c->in.p, hlen, "Connection", &v, &vlen) && vlen >= 5 && !strncasecmp(v, "close", 5))
            c->close_after = 1;
        soap.len = 0;
        int status = answer(c->in.p + hlen, clen, &soap);
        reserve(&c->out, soap.len + 200);
        putf(&c->out,
             "HTTP/1.1 %s\r\nContent-Type: application/soap+xml;charset=UTF-8\r\nServer: wsmauto-bench\r\n"
             "Content-Length: %zu\r\n%s\r\n",
             status == 200 ? "200 OK" : "500 Internal Server Error", soap.len,
             c->close_after ? "Connection: close\r\n" : "");
        put(&c->out, soap.p, soap.len);
        served++;
        memmove(c->in.p, c->in.p + hlen + clen, c->in.len - hlen - clen);
        c->in.len -= hlen + clen;
        if (c->close_after)
            break;
    }
    return 0;
}

static void on_readable(struct conn *c)
{
    for (;;) {
        reserve(&c->in, 65536);
        ssize_t r = recv(c->fd, c->in.p + c->in.len, c->in.cap - c->in.len, 0);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            close_conn(c);
            return;
        }
        if (r == 0) {
            close_conn(c);
            return;
        }
        c->in.len += (size_t)r;
        if ((size_t)r < c->in.cap - c->in.len + (size_t)r)
            break; /* short read: nothing more for now */
    }
    process(c);
    int f = flush_out(c);
    if (f < 0 || (f == 0 && c->close_after)) {
        close_conn(c);
        return;
    }
    struct epoll_event ev = {.events = EPOLLIN | (f ? EPOLLOUT : 0), .data.fd = c->fd};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void on_writable(struct conn *c)
{
    int f = flush_out(c);
    if (f < 0 || (f == 0 && c->close_after)) {
        close_conn(c);
        return;
    }
    if (f == 0) {
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = c->fd};
        epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
        if (c->in.len)
            on_readable(c); /* requests that arrived while the reply was going out */
    }
}

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

int main(int argc, char **argv)
{
    const char *addr = "127.0.0.1";
    int ports[MAX_PORTS], nports = 0, count = 1, lfds[MAX_PORTS], opt;
    struct rlimit rl;

    while ((opt = getopt(argc, argv, "b:p:n:t:q")) != -1) {
        switch (opt) {
        case 'b':
            addr = optarg;
            break;
        case 'p':
            if (nports == MAX_PORTS)
                die("at most %d -p", MAX_PORTS);
            ports[nports++] = atoi(optarg);
            break;
        case 'n':
            count = atoi(optarg);
            break;
        case 't':
            default_total = strtoul(optarg, NULL, 10);
            break;
        case 'q':
            quiet = 1;
            break;
        default:
            fprintf(stderr, "usage: fixed_server [-b ADDR] [-p PORT]... [-n COUNT] [-t TOTAL] [-q]\n");
            return 2;
        }
    }
    if (count < 1 || count > MAX_PORTS)
        die("-n must be 1 to %d", MAX_PORTS);
    if (nports <= 1) {
        int base = nports ? ports[0] : 0;
        for (nports = 0; nports < count; nports++)
            ports[nports] = base ? base + nports : 0;
    }
    /* As many descriptors as allowed: the fan-out runs keep many connections open. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    getrlimit(RLIMIT_NOFILE, &rl);
    nconns = rl.rlim_cur > 1048576 ? 1048576 : (size_t)rl.rlim_cur;
    if (!(conns = calloc(nconns, sizeof(*conns))))
        die("out of memory");
    if ((epfd = epoll_create1(EPOLL_CLOEXEC)) < 0)
        die("epoll_create1: %s", strerror(errno));

    struct sockaddr_in sa = {.sin_family = AF_INET};
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
        die("-b %s is not an IPv4 address", addr);
    for (int i = 0; i < nports; i++) {
        int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        socklen_t sl = sizeof(sa);
        if (fd < 0)
            die("socket: %s", strerror(errno));
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        sa.sin_port = htons((unsigned short)ports[i]);
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
            die("bind %s:%d: %s", addr, ports[i], strerror(errno));
        if (listen(fd, 4096) < 0)
            die("listen: %s", strerror(errno));
        getsockname(fd, (struct sockaddr *)&sa, &sl);
        ports[i] = ntohs(sa.sin_port);
        lfds[i] = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = -1 - i};
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
            die("epoll_ctl: %s", strerror(errno));
    }
    printf("ports:");
    for (int i = 0; i < nports; i++)
        printf(" %d", ports[i]);
    printf("\n");
    fflush(stdout);

    struct sigaction sact = {.sa_handler = on_signal};
    sigaction(SIGINT, &sact, NULL);
    sigaction(SIGTERM, &sact, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct epoll_event evs[256];
    while (!stop) {
        int n = epoll_wait(epfd, evs, 256, 500);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            die("epoll_wait: %s", strerror(errno));
        }
        for (int i = 0; i < n; i++) {
            int id = evs[i].data.fd;
            if (id < 0) {
                int lfd = lfds[-1 - id];
                for (;;) {
                    int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), one = 1;
                    if (fd < 0) {
                        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && !quiet)
                            fprintf(stderr, "fixed_server: accept: %s\n", strerror(errno));
                        break;
                    }
                    if ((size_t)fd >= nconns) {
                        fprintf(stderr, "fixed_server: descriptor %d over the limit, connection closed\n",
                                fd);
                        close(fd);
                        continue;
                    }
                    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
                    struct conn *c = calloc(1, sizeof(*c));
                    if (!c)
                        die("out of memory");
                    c->fd = fd;
                    conns[fd] = c;
                    struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
                    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
                }
                continue;
            }
            struct conn *c = conns[id];
            if (!c)
                continue;
            if (evs[i].events & (EPOLLERR | EPOLLHUP) && !(evs[i].events & EPOLLIN)) {
                close_conn(c);
                continue;
            }
            if (evs[i].events & EPOLLOUT)
                on_writable(c);
            else if (evs[i].events & EPOLLIN)
                on_readable(c);
        }
    }
    fprintf(stderr, "fixed_server: %llu requests served, %llu faults\n", served, faults);
    return 0;
}
