/*
 * The client configuration (Windows' winrm/config/client in the Linux
 * convention): INI files, TrustedHosts matching, and the client-side policy
 * checks made before a request is sent. docs/client-config.md is the
 * user-facing description of everything here.
 *
 * The parser is strict on purpose: a typo in a key or a value is an error
 * naming the file and line, not a silently ignored setting that leaves an
 * authentication method enabled or a host untrusted.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* secure_getenv (secure_env.h) */
#endif

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>
/* Windows has no setuid programs; its C runtime has no O_CLOEXEC, O_NOCTTY or O_NONBLOCK (and no FIFOs to
 * guard against), and opens files in text mode unless told otherwise. */
#define OPEN_FLAGS (O_RDONLY | O_BINARY)
#else
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
/* O_NONBLOCK: a FIFO planted at the path must not hang the caller. */
#define OPEN_FLAGS (O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)
#endif

#include "clientcfg.h"
#include "detail.h"
#include "iplit.h"
#include "secure_env.h"
#include "session_cfg.h"
#include "utf.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* A configuration file is a few hundred bytes; anything this large is a
 * mistake (a wrong path, /dev/zero) and must not be read into memory. */
#define MAX_FILE_SIZE (1024 * 1024)

/* 4194303 KiB is the largest envelope whose size in bytes fits in 32 bits;
 * 32 KiB is the smallest WinRM accepts. */
#define MIN_ENVELOPE_KB 32u
#define MAX_ENVELOPE_KB 4194303u

/* ---- small helpers ---- */

static int is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* A path for a detail sentence, whole (wsm_quote would cut it): valid UTF-8
 * is kept so that non-ASCII home directories stay readable, control bytes
 * and invalid sequences become \xNN so the sentence is always valid UTF-8. */
static char *printable(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    if (n > (SIZE_MAX - 1) / 4)
        return NULL;
    char *out = malloc(n * 4 + 1), *o = out;
    if (!out)
        return NULL;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t len = u[i] >= 0x80 ? wsm_utf8_char(u + i, n - i, &cp) : (u[i] < 0x20 || u[i] == 0x7F ? 0 : 1);
        if (len) {
            memcpy(o, u + i, len);
            o += len;
            i += len;
            continue;
        }
        *o++ = '\\';
        *o++ = 'x';
        *o++ = hex[u[i] >> 4];
        *o++ = hex[u[i] & 0xF];
        i++;
    }
    *o = '\0';
    return out;
}

static const char *errno_text(int err, char *buf, size_t size)
{
#ifdef _WIN32
    return strerror_s(buf, size, err) == 0 ? buf : "unknown error";
#elif defined(__GLIBC__) && defined(_GNU_SOURCE)
    return strerror_r(err, buf, size);
#else
    return strerror_r(err, buf, size) == 0 ? buf : "unknown error";
#endif
}

/* ---- the keys ---- */

enum value_kind { V_BOOL, V_PORT, V_UINT, V_STRING, V_HOSTS, V_SPNS };

struct key_def {
    const char *name;
    enum value_kind kind;
    size_t offset; /* of the field in struct wsm_client_config (unused for V_HOSTS) */
    uint32_t min, max;
};

#define FIELD(f) offsetof(struct wsm_client_config, f)

static const struct key_def client_keys[] = {
    {"TrustedHosts", V_HOSTS, 0, 0, 0},
    {"AllowUnencrypted", V_BOOL, FIELD(allow_unencrypted), 0, 0},
    {"NetworkDelayms", V_UINT, FIELD(network_delay_ms), 0, UINT32_MAX},
    {"MaxEnvelopeSizekb", V_UINT, FIELD(max_envelope_kb), MIN_ENVELOPE_KB, MAX_ENVELOPE_KB},
    {"CAFile", V_STRING, FIELD(ca_file), 0, 0},
    {"CAPath", V_STRING, FIELD(ca_path), 0, 0},
    {"CRLFile", V_STRING, FIELD(crl_file), 0, 0},
    {"Proxy", V_STRING, FIELD(proxy), 0, 0},
    {"CertStore", V_STRING, FIELD(cert_store), 0, 0},
};

static const struct key_def port_keys[] = {
    {"HTTP", V_PORT, FIELD(http_port), 1, 65535},
    {"HTTPS", V_PORT, FIELD(https_port), 1, 65535},
};

static const struct key_def auth_keys[] = {
    {"Basic", V_BOOL, FIELD(auth_basic), 0, 0},
    {"Digest", V_BOOL, FIELD(auth_digest), 0, 0},
    {"Kerberos", V_BOOL, FIELD(auth_kerberos), 0, 0},
    {"Negotiate", V_BOOL, FIELD(auth_negotiate), 0, 0},
    {"Certificate", V_BOOL, FIELD(auth_certificate), 0, 0},
    {"CredSSP", V_BOOL, FIELD(auth_credssp), 0, 0},
    {"AllowFreshCredentials", V_SPNS, 0, 0, 0},
};

struct section_def {
    const char *name;
    const struct key_def *keys;
    size_t n_keys;
};

static const struct section_def sections[] = {
    {"Client", client_keys, COUNT(client_keys)},
    {"Client/DefaultPorts", port_keys, COUNT(port_keys)},
    {"Client/Auth", auth_keys, COUNT(auth_keys)},
};

/* ---- the structure ---- */

void wsm_client_config_defaults(struct wsm_client_config *c)
{
    if (!c)
        return;
    memset(c, 0, sizeof(*c));
    c->allow_unencrypted = 0;
    c->http_port = 5985;
    c->https_port = 5986;
    c->auth_basic = c->auth_digest = c->auth_kerberos = c->auth_negotiate = c->auth_certificate = 1;
    c->auth_credssp = 0;
    c->network_delay_ms = 5000;
    c->max_envelope_kb = 500;
}

static void free_hosts(char **hosts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(hosts[i]);
    free(hosts);
}

void wsm_client_config_free(struct wsm_client_config *c)
{
    if (!c)
        return;
    free_hosts(c->trusted_hosts, c->n_trusted_hosts);
    free_hosts(c->fresh_credentials, c->n_fresh_credentials);
    free(c->ca_file);
    free(c->ca_path);
    free(c->crl_file);
    free(c->proxy);
    free(c->cert_store);
    memset(c, 0, sizeof(*c));
}

int32_t wsm_client_config_copy(struct wsm_client_config *dst, const struct wsm_client_config *src)
{
    if (!dst)
        return WSM_E_INVALIDARG;
    memset(dst, 0, sizeof(*dst));
    if (!src)
        return WSM_E_INVALIDARG;
    *dst = *src;
    dst->trusted_hosts = NULL;
    dst->n_trusted_hosts = 0;
    dst->fresh_credentials = NULL;
    dst->n_fresh_credentials = 0;
    dst->ca_file = dst->ca_path = dst->crl_file = dst->proxy = dst->cert_store = NULL;
    if (src->n_trusted_hosts) {
        dst->trusted_hosts = calloc(src->n_trusted_hosts, sizeof(*dst->trusted_hosts));
        if (!dst->trusted_hosts)
            goto oom;
        for (; dst->n_trusted_hosts < src->n_trusted_hosts; dst->n_trusted_hosts++) {
            if (!(dst->trusted_hosts[dst->n_trusted_hosts] =
                      wsm_strdup(src->trusted_hosts[dst->n_trusted_hosts])))
                goto oom;
        }
    }
    if (src->n_fresh_credentials) {
        dst->fresh_credentials = calloc(src->n_fresh_credentials, sizeof(*dst->fresh_credentials));
        if (!dst->fresh_credentials)
            goto oom;
        for (; dst->n_fresh_credentials < src->n_fresh_credentials; dst->n_fresh_credentials++) {
            if (!(dst->fresh_credentials[dst->n_fresh_credentials] =
                      wsm_strdup(src->fresh_credentials[dst->n_fresh_credentials])))
                goto oom;
        }
    }
    if ((src->ca_file && !(dst->ca_file = wsm_strdup(src->ca_file))) ||
        (src->ca_path && !(dst->ca_path = wsm_strdup(src->ca_path))) ||
        (src->crl_file && !(dst->crl_file = wsm_strdup(src->crl_file))) ||
        (src->proxy && !(dst->proxy = wsm_strdup(src->proxy))) ||
        (src->cert_store && !(dst->cert_store = wsm_strdup(src->cert_store))))
        goto oom;
    return WSM_S_OK;
oom:
    wsm_client_config_free(dst);
    return WSM_E_OUTOFMEMORY;
}

/* ---- TrustedHosts patterns ---- */

/* "192.168.1.*" style: 1 to 3 leading octets, then ".*". Fills the octets
 * and returns how many there are, 0 when s is not such a prefix. */
static int parse_ipv4_prefix(const char *s, size_t n, unsigned char octets[3])
{
    if (n < 3 || s[n - 1] != '*' || s[n - 2] != '.')
        return 0;
    n -= 2;
    int count = 0;
    size_t i = 0;
    while (i < n) {
        unsigned value = 0;
        size_t digits = 0;
        while (i < n && is_digit((unsigned char)s[i]) && digits < 4) {
            value = value * 10 + (unsigned)(s[i] - '0');
            digits++;
            i++;
        }
        if (digits == 0 || digits > 3 || value > 255 || count == 3)
            return 0;
        octets[count++] = (unsigned char)value;
        if (i < n) {
            if (s[i] != '.' || i + 1 == n)
                return 0;
            i++;
        }
    }
    return count;
}

/* Why a TrustedHosts entry cannot be used, or NULL when it can. */
static const char *pattern_problem(const char *s, size_t n)
{
    unsigned char a6[16], oct[3];
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7F || c == ' ')
            return "contains white space or a control character";
    }
    if (s[0] == '[') {
        if (n < 3 || s[n - 1] != ']' || !wsm_ipv6_parse(s + 1, n - 2, a6))
            return "is not a bracketed IPv6 address";
        return NULL;
    }
    if (memchr(s, '*', n)) {
        if (n == 1)
            return NULL;
        if (n > 2 && s[0] == '*' && s[1] == '.' && !memchr(s + 1, '*', n - 1) && s[2] != '.')
            return NULL;
        if (parse_ipv4_prefix(s, n, oct))
            return NULL;
        return "has a wildcard other than \"*\", \"*.suffix\" or an IPv4 prefix such as \"192.168.1.*\"";
    }
    if (memchr(s, ':', n) && !wsm_ipv6_parse(s, n, a6))
        return "has a ':' but is not an IPv6 address (TrustedHosts takes no ports)";
    return NULL;
}

/* The part of a host or pattern that is compared: without IPv6 brackets
 * and without the trailing dot of a fully qualified name. */
static void host_core(const char **s, size_t *n)
{
    if (*n >= 2 && (*s)[0] == '[' && (*s)[*n - 1] == ']') {
        (*s)++;
        *n -= 2;
    }
    if (*n > 1 && (*s)[*n - 1] == '.')
        (*n)--;
}

struct host_info {
    const char *text;
    size_t len;
    int is_v4, is_v6;
    unsigned char v4[4], v6[16];
};

static int pattern_matches(const char *pattern, const struct host_info *h)
{
    const char *p = pattern;
    size_t n = strlen(pattern);
    unsigned char a4[4], a6[16], oct[3];
    int count;

    host_core(&p, &n);
    if (n == 1 && p[0] == '*')
        return 1;
    if (n > 2 && p[0] == '*' && p[1] == '.') {
        /* A DNS suffix: never matches an address ("*.1.2" is not 10.0.1.2),
         * and ".example.com" with its dot cannot match "evilexample.com". */
        size_t suffix = n - 1;
        if (h->is_v4 || h->is_v6 || h->len <= suffix)
            return 0;
        return !wsm_strncasecmp_ascii(h->text + h->len - suffix, p + 1, suffix);
    }
    if ((count = parse_ipv4_prefix(p, n, oct)) > 0)
        return h->is_v4 && !memcmp(h->v4, oct, (size_t)count);
    if (wsm_ipv4_parse(p, n, a4))
        return h->is_v4 && !memcmp(h->v4, a4, 4);
    if (wsm_ipv6_parse(p, n, a6))
        return h->is_v6 && !memcmp(h->v6, a6, 16);
    return !h->is_v4 && !h->is_v6 && h->len == n && !wsm_strncasecmp_ascii(h->text, p, n);
}

/* Parses host (a name or an address literal, brackets and port left out) into h; 0 when empty. */
static int host_parse(struct host_info *h, const char *host)
{
    memset(h, 0, sizeof(*h));
    if (!host || !*host)
        return 0;
    h->text = host;
    h->len = strlen(host);
    host_core(&h->text, &h->len);
    h->is_v4 = wsm_ipv4_parse(h->text, h->len, h->v4);
    h->is_v6 = !h->is_v4 && wsm_ipv6_parse(h->text, h->len, h->v6);
    return 1;
}

static int host_is_loopback(const struct host_info *h)
{
    static const unsigned char loop6[16] = {[15] = 1};
    static const unsigned char mapped[12] = {[10] = 0xFF, [11] = 0xFF};

    return wsm_span_eq_nocase(h->text, h->len, "localhost") || (h->is_v4 && h->v4[0] == 127) ||
           (h->is_v6 && (!memcmp(h->v6, loop6, 16) || (!memcmp(h->v6, mapped, 12) && h->v6[12] == 127)));
}

int wsm_host_is_loopback(const char *host)
{
    struct host_info h;
    return host_parse(&h, host) && host_is_loopback(&h);
}

int wsm_client_config_trusts(const struct wsm_client_config *c, const char *host)
{
    struct host_info h;
    if (!host_parse(&h, host))
        return 0;
    /* Loopback never leaves the machine, so like Windows it needs no entry. */
    if (host_is_loopback(&h))
        return 1;
    if (!c)
        return 0;
    for (size_t i = 0; i < c->n_trusted_hosts; i++) {
        if (c->trusted_hosts[i] && pattern_matches(c->trusted_hosts[i], &h))
            return 1;
    }
    return 0;
}

/* The AllowFreshCredentials entries are SPNs "WSMAN/<TrustedHosts pattern>" (Windows' "Allow delegating
 * fresh credentials" policy, whose WinRM entries have this form); the host part is matched as above, and
 * loopback is not implied: delegating a password is always explicit. */
#define FRESH_SERVICE "WSMAN/"

int wsm_client_config_allows_fresh_credentials(const struct wsm_client_config *c, const char *host)
{
    struct host_info h;
    if (!c || !host_parse(&h, host))
        return 0;
    for (size_t i = 0; i < c->n_fresh_credentials; i++) {
        if (c->fresh_credentials[i] && pattern_matches(c->fresh_credentials[i] + strlen(FRESH_SERVICE), &h))
            return 1;
    }
    return 0;
}

/* ---- the INI parser ---- */

struct parser {
    const char *name; /* file name for details */
    unsigned line;
    const struct section_def *section;
    struct wsm_client_config *c;
    char **detail;
};

/* "name:line: what" (or "name: what" with line 0), CONFIG_CORRUPTED. */
static int32_t parse_fail(struct parser *p, const char *fmt, ...) __attribute__((format(WSM_PRINTF, 2, 3)));
static int32_t parse_fail(struct parser *p, const char *fmt, ...)
{
    if (!p->detail)
        return ERROR_WSMAN_CONFIG_CORRUPTED;
    va_list ap;
    va_start(ap, fmt);
    char *what = wsm_vasprintf(fmt, ap);
    va_end(ap);
    char *name = printable(p->name);
    int32_t hr = WSM_E_OUTOFMEMORY;
    if (what && name) {
        if (p->line)
            hr = wsm_fail(p->detail, ERROR_WSMAN_CONFIG_CORRUPTED, "%s:%u: %s", name, p->line, what);
        else
            hr = wsm_fail(p->detail, ERROR_WSMAN_CONFIG_CORRUPTED, "%s: %s", name, what);
    }
    free(what);
    free(name);
    return hr;
}

static int parse_bool(const char *s, size_t n, int *out)
{
    static const char *const yes[] = {"true", "yes", "1"}, *const no[] = {"false", "no", "0"};
    for (size_t i = 0; i < COUNT(yes); i++) {
        if (wsm_span_eq_nocase(s, n, yes[i])) {
            *out = 1;
            return 1;
        }
        if (wsm_span_eq_nocase(s, n, no[i])) {
            *out = 0;
            return 1;
        }
    }
    return 0;
}

/* Plain decimal digits only (no sign, no hex), within [min, max]. */
static int parse_u32(const char *s, size_t n, uint32_t min, uint32_t max, uint32_t *out)
{
    uint64_t v = 0;
    if (n == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit((unsigned char)s[i]))
            return 0;
        v = v * 10 + (uint64_t)(s[i] - '0');
        if (v > max)
            return 0;
    }
    if (v < min)
        return 0;
    *out = (uint32_t)v;
    return 1;
}

static int32_t parse_hosts(struct parser *p, const char *s, size_t n, int spns)
{
    const char *key = spns ? "AllowFreshCredentials" : "TrustedHosts";
    size_t skip = spns ? strlen(FRESH_SERVICE) : 0;
    char **hosts = NULL;
    size_t count = 0;
    struct wsm_quoted q;

    for (size_t start = 0; start <= n;) {
        const char *comma = memchr(s + start, ',', n - start);
        size_t end = comma ? (size_t)(comma - s) : n;
        const char *item = s + start;
        size_t len = end - start;
        start = end + 1;
        wsm_trim(&item, &len);
        if (!len)
            continue; /* "a,,b" and a trailing comma are harmless */
        if (spns && (len <= skip || !wsm_span_eq_nocase(item, skip, FRESH_SERVICE))) {
            free_hosts(hosts, count);
            return parse_fail(p,
                              "AllowFreshCredentials entry \"%s\" is not of the form WSMAN/host (for example "
                              "WSMAN/server1 or WSMAN/*.example.com).",
                              wsm_quote(&q, item, len));
        }
        const char *problem = pattern_problem(item + skip, len - skip);
        if (problem) {
            free_hosts(hosts, count);
            return parse_fail(p, "%s entry \"%s\" %s.", key, wsm_quote(&q, item, len), problem);
        }
        char **grown = realloc(hosts, (count + 1) * sizeof(*hosts));
        if (!grown || !(grown[count] = wsm_strndup(item, len))) {
            free_hosts(grown ? grown : hosts, count);
            return WSM_E_OUTOFMEMORY;
        }
        hosts = grown;
        count++;
    }
    if (spns) {
        free_hosts(p->c->fresh_credentials, p->c->n_fresh_credentials);
        p->c->fresh_credentials = hosts;
        p->c->n_fresh_credentials = count;
        return WSM_S_OK;
    }
    free_hosts(p->c->trusted_hosts, p->c->n_trusted_hosts);
    p->c->trusted_hosts = hosts;
    p->c->n_trusted_hosts = count;
    return WSM_S_OK;
}

static int32_t set_value(struct parser *p, const struct key_def *k, const char *v, size_t n)
{
    char *field = (char *)p->c + k->offset;
    struct wsm_quoted q;
    uint32_t u;
    int b;

    switch (k->kind) {
    case V_BOOL:
        if (!parse_bool(v, n, &b))
            return parse_fail(p, "%s = \"%s\" is not a boolean (true/false, yes/no or 1/0).", k->name,
                              wsm_quote(&q, v, n));
        memcpy(field, &b, sizeof(b));
        return WSM_S_OK;
    case V_PORT:
        if (!parse_u32(v, n, k->min, k->max, &u))
            return parse_fail(p, "%s = \"%s\" is not a port number from 1 to 65535.", k->name,
                              wsm_quote(&q, v, n));
        {
            unsigned port = u;
            memcpy(field, &port, sizeof(port));
        }
        return WSM_S_OK;
    case V_UINT:
        if (!parse_u32(v, n, k->min, k->max, &u))
            return parse_fail(p, "%s = \"%s\" is not a whole number from %" PRIu32 " to %" PRIu32 ".",
                              k->name, wsm_quote(&q, v, n), k->min, k->max);
        memcpy(field, &u, sizeof(u));
        return WSM_S_OK;
    case V_STRING: {
        /* Never echoed in a detail: Proxy may carry user:password@. */
        char *copy = NULL;
        if (n && !(copy = wsm_strndup(v, n)))
            return WSM_E_OUTOFMEMORY;
        char *old;
        memcpy(&old, field, sizeof(old));
        free(old);
        memcpy(field, &copy, sizeof(copy));
        return WSM_S_OK;
    }
    case V_HOSTS:
    case V_SPNS:
        return parse_hosts(p, v, n, k->kind == V_SPNS);
    }
    return WSM_E_INVALIDARG;
}

static const struct section_def *find_section(const char *s, size_t n)
{
    for (size_t i = 0; i < COUNT(sections); i++) {
        if (wsm_span_eq_nocase(s, n, sections[i].name))
            return &sections[i];
    }
    return NULL;
}

static const struct key_def *find_key(const struct section_def *sec, const char *s, size_t n)
{
    for (size_t i = 0; i < sec->n_keys; i++) {
        if (wsm_span_eq_nocase(s, n, sec->keys[i].name))
            return &sec->keys[i];
    }
    return NULL;
}

static int32_t unknown_key(struct parser *p, const char *key, size_t n)
{
    struct wsm_quoted q;
    char known[256] = "", hint[128] = "";
    size_t used = 0;

    for (size_t i = 0; i < p->section->n_keys; i++) {
        int w = snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "", p->section->keys[i].name);
        if (w > 0 && (size_t)w < sizeof(known) - used)
            used += (size_t)w;
    }
    /* The commonest mistakes get a pointer to the right place. */
    for (size_t i = 0; i < COUNT(sections); i++) {
        if (&sections[i] != p->section && find_key(&sections[i], key, n)) {
            snprintf(hint, sizeof(hint), " (it belongs in [%s])", sections[i].name);
            break;
        }
    }
    if (!hint[0] && wsm_span_eq_nocase(key, n, "MaxTimeoutms"))
        snprintf(hint, sizeof(hint),
                 " (MaxTimeoutms is a service setting; a client's timeout is the session's "
                 "Timeout)");
    return parse_fail(p, "unknown key \"%s\" in [%s]%s; the known keys there are %s.", wsm_quote(&q, key, n),
                      p->section->name, hint, known);
}

static int32_t parse_line(struct parser *p, const char *s, size_t n)
{
    struct wsm_quoted q;

    wsm_trim(&s, &n);
    if (!n || s[0] == '#' || s[0] == ';')
        return WSM_S_OK;
    if (s[0] == '[') {
        if (s[n - 1] != ']')
            return parse_fail(p, "a section header must be a whole line such as [Client].");
        const char *name = s + 1;
        size_t len = n - 2;
        wsm_trim(&name, &len);
        const struct section_def *sec = find_section(name, len);
        if (!sec)
            return parse_fail(p,
                              "unknown section [%s]; the known sections are [Client], "
                              "[Client/DefaultPorts] and [Client/Auth].",
                              wsm_quote(&q, name, len));
        p->section = sec;
        return WSM_S_OK;
    }
    /* The line itself is not quoted back: it may be a Proxy URL with a
     * password in it that lost its "Proxy =". */
    const char *eq = memchr(s, '=', n);
    if (!eq)
        return parse_fail(p, "expected \"Key = value\", a [Section] header or a comment.");
    const char *key = s, *value = eq + 1;
    size_t key_len = (size_t)(eq - s), value_len = n - key_len - 1;
    wsm_trim(&key, &key_len);
    wsm_trim(&value, &value_len);
    if (!key_len)
        return parse_fail(p, "there is no key before the '='.");
    if (!p->section)
        return parse_fail(p, "the key \"%s\" comes before any [Section] header.",
                          wsm_quote(&q, key, key_len));
    const struct key_def *k = find_key(p->section, key, key_len);
    if (!k)
        return unknown_key(p, key, key_len);
    /* Double quotes around the whole value are optional ("" is an empty value). */
    if (value_len && value[0] == '"') {
        if (value_len < 2 || value[value_len - 1] != '"')
            return parse_fail(p, "the value of %s has an opening '\"' but no closing one.", k->name);
        value++;
        value_len -= 2;
    }
    return set_value(p, k, value, value_len);
}

static int32_t parse_buffer(struct wsm_client_config *c, const char *buf, size_t len, const char *name,
                            char **detail)
{
    struct parser p = {name, 0, NULL, c, detail};

    if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) { /* a UTF-8 BOM some editors write */
        buf += 3;
        len -= 3;
    }
    const char *nul = memchr(buf, '\0', len);
    if (nul) {
        p.line = 1;
        for (const char *s = buf; s < nul; s++)
            p.line += *s == '\n';
        return parse_fail(&p, "the file contains a NUL byte; it is not a text file.");
    }
    for (size_t pos = 0; pos < len;) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - buf) : len;
        p.line++;
        int32_t hr = parse_line(&p, buf + pos, end - pos);
        if (hr)
            return hr;
        pos = end + 1;
    }
    return WSM_S_OK;
}

/* All or nothing: the text is applied to a copy that replaces *c only once
 * every line was accepted. */
static int32_t apply_buffer(struct wsm_client_config *c, const char *buf, size_t len, const char *name,
                            char **detail)
{
    struct wsm_client_config work;
    int32_t hr = wsm_client_config_copy(&work, c);
    if (hr)
        return hr;
    hr = parse_buffer(&work, buf, len, name, detail);
    if (hr) {
        wsm_client_config_free(&work);
        return hr;
    }
    wsm_client_config_free(c);
    *c = work;
    return WSM_S_OK;
}

int32_t wsm_client_config_apply_text(struct wsm_client_config *c, const char *text, const char *name,
                                     char **detail)
{
    if (detail)
        *detail = NULL;
    if (!c || !text)
        return wsm_fail(detail, WSM_E_INVALIDARG, "No configuration or text was given.");
    return apply_buffer(c, text, strlen(text), name ? name : "(text)", detail);
}

/* Reads a whole file. *missing is set (and nothing read) when it does not
 * exist; every other failure is an error naming the path. */
static int32_t read_file(const char *path, char **out, size_t *out_len, int *missing, char **detail)
{
    struct parser p = {path, 0, NULL, NULL, detail};
    char errbuf[128];
    struct stat st;

    *out = NULL;
    *out_len = 0;
    *missing = 0;
    int fd = open(path, OPEN_FLAGS);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT || err == ENOTDIR) {
            *missing = 1;
            return WSM_S_OK;
        }
        if (wsm_errno_is_fd_exhaustion(err)) {
            /* Out of descriptors: not a problem of the file, and not "corrupted". */
            char why[128], *name = printable(path);
            int32_t hr = WSM_E_OUTOFMEMORY;
            if (name)
                hr = wsm_fail(detail, WSM_E_TOO_MANY_OPEN_FILES, "%s: cannot open the file: %s; %s.", name,
                              errno_text(err, errbuf, sizeof(errbuf)),
                              wsm_fd_exhaustion_text(err, why, sizeof(why)));
            free(name);
            return hr;
        }
        return parse_fail(&p, "cannot open the file: %s.", errno_text(err, errbuf, sizeof(errbuf)));
    }
    if (fstat(fd, &st) < 0) {
        int err = errno;
        close(fd);
        return parse_fail(&p, "cannot examine the file: %s.", errno_text(err, errbuf, sizeof(errbuf)));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return parse_fail(&p, "is a directory, not a configuration file.");
    }
    if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)) { /* character devices: /dev/null is handy */
        close(fd);
        return parse_fail(&p, "is not a regular file.");
    }

    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        return WSM_E_OUTOFMEMORY;
    }
    for (;;) {
        if (len == cap) {
            if (cap > MAX_FILE_SIZE) {
                free(buf);
                close(fd);
                return parse_fail(&p, "the file is larger than %d bytes; it is not a configuration file.",
                                  MAX_FILE_SIZE);
            }
            char *grown = realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                close(fd);
                return WSM_E_OUTOFMEMORY;
            }
            buf = grown;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + len, cap - len);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int err = errno;
            free(buf);
            close(fd);
            return parse_fail(&p, "cannot read the file: %s.", errno_text(err, errbuf, sizeof(errbuf)));
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    if (len > MAX_FILE_SIZE) {
        free(buf);
        return parse_fail(&p, "the file is larger than %d bytes; it is not a configuration file.",
                          MAX_FILE_SIZE);
    }
    *out = buf;
    *out_len = len;
    return WSM_S_OK;
}

int32_t wsm_client_config_apply_file(struct wsm_client_config *c, const char *path, int missing_ok,
                                     char **detail)
{
    char *buf;
    size_t len;
    int missing;

    if (detail)
        *detail = NULL;
    if (!c || !path)
        return wsm_fail(detail, WSM_E_INVALIDARG, "No configuration or file name was given.");
    int32_t hr = read_file(path, &buf, &len, &missing, detail);
    if (hr)
        return hr;
    if (missing) {
        if (missing_ok)
            return WSM_S_OK;
        struct parser p = {path, 0, NULL, NULL, detail};
        return parse_fail(&p, "the file does not exist.");
    }
    hr = apply_buffer(c, buf, len, path, detail);
    free(buf);
    return hr;
}

/* ---- where the files are ---- */

#ifdef _WIN32
/* %APPDATA%\\wsmauto\\client.conf and %ProgramData%\\wsmauto\\client.conf: the per-user roaming and the
 * machine-wide application data folders. */
static int32_t dir_path(const char *var, char **out)
{
    const char *base = wsm_secure_getenv(var);
    *out = NULL;
    if (!base || !*base)
        return WSM_S_OK;
    size_t n = strlen(base);
    while (n > 1 && (base[n - 1] == '\\' || base[n - 1] == '/'))
        n--;
    *out = wsm_asprintf("%.*s\\wsmauto\\client.conf", (int)n, base);
    return *out ? WSM_S_OK : WSM_E_OUTOFMEMORY;
}

static int32_t user_path(char **out)
{
    return dir_path("APPDATA", out);
}

static char *system_path(void)
{
    char *path = NULL;
    dir_path("ProgramData", &path);
    return path ? path : wsm_strdup("C:\\ProgramData\\wsmauto\\client.conf");
}
#else
/* wsm_secure_getenv: in a setuid program the caller's environment must not
 * choose the configuration (it could trust every host). */
static int32_t user_path(char **out)
{
    const char *base = wsm_secure_getenv("XDG_CONFIG_HOME"), *sub = "";
    *out = NULL;
    /* The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored. */
    if (!base || base[0] != '/') {
        base = wsm_secure_getenv("HOME");
        sub = ".config/";
        if (!base || base[0] != '/')
            return WSM_S_OK;
    }
    size_t n = strlen(base);
    while (n > 1 && base[n - 1] == '/')
        n--;
    *out = wsm_asprintf("%.*s/%s%s", (int)n, base, sub, WSM_CLIENT_CONFIG_USER_SUFFIX);
    return *out ? WSM_S_OK : WSM_E_OUTOFMEMORY;
}

static char *system_path(void)
{
    return wsm_strdup(WSM_CLIENT_CONFIG_SYSTEM_PATH);
}
#endif

char *wsm_client_config_user_path(void)
{
    char *path;
    user_path(&path);
    return path;
}

/* ---- loading, read once per process ----
 *
 * The files are read and parsed once per process, not once per session: a program that opens thousands of
 * sessions (wsmanctl -hosts:) would otherwise open and parse them thousands of times, and each open needs a
 * file descriptor. The rule: a load gives a copy of the configuration the last successful read produced
 * when the same files would be read and none of them changed. "The same files": the same list of paths,
 * computed afresh at each load from WSMAUTO_CLIENT_CONFIG, XDG_CONFIG_HOME and HOME, so changing those
 * variables takes effect at the next session as before. "Changed": stat() (which needs no descriptor) gives
 * another device, inode, size, modification or status-change time, or the file appeared or went away.
 * Failures are not cached (the next load reads the files again), and neither is a read of a file whose
 * status changed less than RACY_NS before it was looked at: file times are as coarse as the kernel's clock
 * tick, so a same-size rewrite within the tick would otherwise look unchanged. One mutex guards the cache;
 * the files are read outside it. */

#define RACY_NS 100000000LL /* 100 ms */
#define MAX_CONFIG_FILES 2

struct file_stamp {
    int state; /* 0: exists (the fields below); else the errno of stat() (ENOENT: does not exist) */
    unsigned long long dev, ino, size, rdev;
    long long mtime_s, mtime_ns, ctime_s, ctime_ns;
};

static struct {
    int valid;
    int named; /* WSMAUTO_CLIENT_CONFIG named the file (a missing one is an error then) */
    size_t n;
    char *paths[MAX_CONFIG_FILES];
    struct file_stamp stamps[MAX_CONFIG_FILES];
    struct wsm_client_config cfg;
    unsigned long reads;
} cache;

#ifdef _WIN32
static SRWLOCK cache_lock = SRWLOCK_INIT;
static void cache_take(void)
{
    AcquireSRWLockExclusive(&cache_lock);
}
static void cache_give(void)
{
    ReleaseSRWLockExclusive(&cache_lock);
}
#else
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static void cache_take(void)
{
    pthread_mutex_lock(&cache_lock);
}
static void cache_give(void)
{
    pthread_mutex_unlock(&cache_lock);
}
#endif

static int racy_time(long long s, long long ns, long long now_s, long long now_ns)
{
    /* Long ago, or in the future (a clock set back, utime()): not racy. A later change sets the status-change
     * time to the clock's now, which differs from a time in the future. */
    if (now_s - s > 1 || now_s < s)
        return 0;
    return (now_s - s) * 1000000000LL + (now_ns - ns) < RACY_NS;
}

/* The stamp of path; 1 when its status changed too recently to trust it (see RACY_NS). */
static int stamp_of(const char *path, struct file_stamp *f)
{
    struct stat st;
    long long now_s, now_ns;

    memset(f, 0, sizeof(*f));
    if (stat(path, &st) < 0) {
        f->state = errno ? errno : EIO;
        return 0;
    }
    f->dev = (unsigned long long)st.st_dev;
    f->ino = (unsigned long long)st.st_ino;
    f->size = (unsigned long long)st.st_size;
    f->rdev = (unsigned long long)st.st_rdev;
    f->mtime_s = (long long)st.st_mtime;
    f->ctime_s = (long long)st.st_ctime;
#ifdef _WIN32
    now_s = (long long)time(NULL);
    now_ns = 0;
#else
    struct timespec now;
    f->mtime_ns = (long long)st.st_mtim.tv_nsec;
    f->ctime_ns = (long long)st.st_ctim.tv_nsec;
    clock_gettime(CLOCK_REALTIME, &now);
    now_s = (long long)now.tv_sec;
    now_ns = (long long)now.tv_nsec;
#endif
    return racy_time(f->ctime_s, f->ctime_ns, now_s, now_ns) ||
           racy_time(f->mtime_s, f->mtime_ns, now_s, now_ns);
}

static int same_stamp(const struct file_stamp *a, const struct file_stamp *b)
{
    return a->state == b->state && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
           a->rdev == b->rdev && a->mtime_s == b->mtime_s && a->mtime_ns == b->mtime_ns &&
           a->ctime_s == b->ctime_s && a->ctime_ns == b->ctime_ns;
}

/* Under cache_lock: the cache holds the result of reading these files as they are now. */
static int cache_matches(int named, size_t n, char *const *paths, const struct file_stamp *stamps)
{
    if (!cache.valid || cache.named != named || cache.n != n)
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(cache.paths[i], paths[i]) || !same_stamp(&cache.stamps[i], &stamps[i]))
            return 0;
    }
    return 1;
}

/* Under cache_lock: forgets the cached configuration. */
static void cache_clear(void)
{
    for (size_t i = 0; i < cache.n; i++)
        free(cache.paths[i]);
    wsm_client_config_free(&cache.cfg);
    cache.valid = 0;
    cache.n = 0;
}

/* Under cache_lock: remembers cfg (copied) as the result of reading these files (nothing when out of
 * memory). */
static void cache_store(int named, size_t n, char *const *paths, const struct file_stamp *stamps,
                        const struct wsm_client_config *cfg)
{
    struct wsm_client_config copy;

    cache_clear();
    if (wsm_client_config_copy(&copy, cfg))
        return;
    for (size_t i = 0; i < n; i++) {
        if (!(cache.paths[i] = wsm_strdup(paths[i]))) {
            for (size_t j = 0; j < i; j++)
                free(cache.paths[j]);
            wsm_client_config_free(&copy);
            return;
        }
        cache.stamps[i] = stamps[i];
    }
    cache.n = n;
    cache.named = named;
    cache.cfg = copy;
    cache.valid = 1;
}

unsigned long wsm_client_config_reads(void)
{
    unsigned long n;
    cache_take();
    n = cache.reads;
    cache_give();
    return n;
}

int32_t wsm_client_config_load(struct wsm_client_config *c, char **detail)
{
    struct wsm_client_config work;
    struct file_stamp stamps[MAX_CONFIG_FILES];
    char *paths[MAX_CONFIG_FILES] = {NULL, NULL};
    size_t n = 0;
    int named, racy = 0;
    int32_t hr = WSM_S_OK;

    if (detail)
        *detail = NULL;
    if (!c)
        return wsm_fail(detail, WSM_E_INVALIDARG, "No configuration was given to load into.");
    wsm_client_config_defaults(&work);
    /* The files this load reads: $WSMAUTO_CLIENT_CONFIG alone, else the system file and the user file. */
    const char *env = wsm_secure_getenv(WSM_CLIENT_CONFIG_ENV);
    named = env != NULL;
    if (env) {
        if (*env && !(paths[n++] = wsm_strdup(env)))
            hr = WSM_E_OUTOFMEMORY;
    } else {
        if (!(paths[n++] = system_path()))
            hr = WSM_E_OUTOFMEMORY;
        if (!hr && !(hr = user_path(&paths[n])) && paths[n])
            n++;
    }
    for (size_t i = 0; !hr && i < n; i++)
        racy |= stamp_of(paths[i], &stamps[i]);
    if (!hr) {
        cache_take();
        if (cache_matches(named, n, paths, stamps)) {
            wsm_client_config_free(&work);
            hr = wsm_client_config_copy(&work, &cache.cfg);
            cache_give();
            if (!hr)
                goto done;
            wsm_client_config_defaults(&work);
        } else {
            cache.reads++;
            cache_give();
        }
    }
    /* Named explicitly, WSMAUTO_CLIENT_CONFIG's file must exist: a missing file is a mistake worth
     * reporting rather than a silent fall-back to the defaults. The system and user files are optional. */
    for (size_t i = 0; !hr && i < n; i++)
        hr = wsm_client_config_apply_file(&work, paths[i], !named, detail);
    if (!hr && !racy) {
        cache_take();
        cache_store(named, n, paths, stamps, &work);
        cache_give();
    }
done:
    for (size_t i = 0; i < n; i++)
        free(paths[i]);
    if (hr) {
        wsm_client_config_free(&work);
        wsm_client_config_defaults(c);
        return hr;
    }
    *c = work;
    return WSM_S_OK;
}

/* ---- the policy checks ---- */

/* "[Section] of <the files that would be read>", for the policy details. */
static char *where(const char *section)
{
    const char *env = wsm_secure_getenv(WSM_CLIENT_CONFIG_ENV);
    char *result = NULL;
    if (env && *env) {
        char *path = printable(env);
        if (path)
            result = wsm_asprintf("[%s] of %s (the file %s names)", section, path, WSM_CLIENT_CONFIG_ENV);
        free(path);
    } else if (env) {
        result = wsm_asprintf("[%s] of the file %s names (it is set but empty, so only the defaults apply)",
                              section, WSM_CLIENT_CONFIG_ENV);
    } else {
        char *user = NULL, *shown = NULL, *sys = system_path();
        if (sys && user_path(&user) == WSM_S_OK && (!user || (shown = printable(user))))
            result = shown ? wsm_asprintf("[%s] of %s or %s", section, sys, shown)
                           : wsm_asprintf("[%s] of %s", section, sys);
        free(user);
        free(shown);
        free(sys);
    }
    return result;
}

/* wsm_fail with one "%s" in fmt standing for where(section). */
static int32_t policy_fail(char **detail, int32_t code, const char *section, const char *fmt, ...)
    __attribute__((format(WSM_PRINTF, 4, 5)));
static int32_t policy_fail(char **detail, int32_t code, const char *section, const char *fmt, ...)
{
    if (!detail)
        return code;
    va_list ap;
    va_start(ap, fmt);
    char *what = wsm_vasprintf(fmt, ap);
    va_end(ap);
    char *place = where(section);
    int32_t hr = WSM_E_OUTOFMEMORY;
    if (what && place)
        hr = wsm_fail(detail, code, "%s %s.", what, place);
    free(what);
    free(place);
    return hr;
}

struct auth_method {
    uint32_t flag;
    size_t offset;     /* of the int in struct wsm_client_config */
    const char *key;   /* in [Client/Auth] */
    const char *label; /* in sentences */
    int32_t code;
};

static const struct auth_method auth_methods[] = {
    {WSM_FLAG_USE_BASIC, FIELD(auth_basic), "Basic", "Basic",
     ERROR_WSMAN_CLIENT_BASIC_AUTHENTICATION_DISABLED},
    {WSM_FLAG_USE_DIGEST, FIELD(auth_digest), "Digest", "Digest",
     ERROR_WSMAN_CLIENT_DIGEST_AUTHENTICATION_DISABLED},
    {WSM_FLAG_USE_NEGOTIATE, FIELD(auth_negotiate), "Negotiate", "Negotiate",
     ERROR_WSMAN_CLIENT_NEGOTIATE_AUTHENTICATION_DISABLED},
    {WSM_FLAG_USE_KERBEROS, FIELD(auth_kerberos), "Kerberos", "Kerberos",
     ERROR_WSMAN_CLIENT_KERBEROS_AUTHENTICATION_DISABLED},
    {WSM_FLAG_USE_CLIENT_CERTIFICATE, FIELD(auth_certificate), "Certificate", "Client certificate",
     ERROR_WSMAN_CLIENT_CERTIFICATES_AUTHENTICATION_DISABLED},
    {WSM_FLAG_USE_CREDSSP, FIELD(auth_credssp), "CredSSP", "CredSSP",
     ERROR_WSMAN_CLIENT_CREDSSP_AUTHENTICATION_DISABLED},
};

static int method_enabled(const struct wsm_client_config *c, const struct auth_method *m)
{
    int on;
    memcpy(&on, (const char *)c + m->offset, sizeof(on));
    return on;
}

int32_t wsm_client_policy_check(const struct wsm_client_config *c, uint32_t flags, int explicit_credentials,
                                const struct wsm_endpoint *ep, char **detail)
{
    uint32_t auth = flags & WSM_AUTH_FLAGS;
    const char *label = NULL;
    struct wsm_quoted q;

    if (detail)
        *detail = NULL;
    if (!c || !ep)
        return wsm_fail(detail, WSM_E_INVALIDARG,
                        "The policy check needs a client configuration and an endpoint.");

    /* 1. The method the flags pick must be enabled. With no flag the client
     * goes through Negotiate (SPNEGO, which may pick Kerberos itself). */
    for (size_t i = 0; i < COUNT(auth_methods); i++) {
        const struct auth_method *m = &auth_methods[i];
        int picked = auth ? (auth & m->flag) != 0 : m->flag == WSM_FLAG_USE_NEGOTIATE;
        if (!picked)
            continue;
        if (!label)
            label = m->label;
        if (!method_enabled(c, m))
            return policy_fail(
                detail, m->code, "Client/Auth",
                "%s authentication is disabled in the client configuration%s: to use it, set "
                "%s = true in",
                m->label, auth ? "" : " (it is the default when no authentication flag is given)", m->key);
    }
    /* 1b. CredSSP hands the user's password to the server: only to servers the delegation list names. */
    if ((auth & WSM_FLAG_USE_CREDSSP) && !ep->local &&
        !wsm_client_config_allows_fresh_credentials(c, ep->host))
        return policy_fail(
            detail, ERROR_WSMAN_CLIENT_ALLOWFRESHCREDENTIALS, "Client/Auth",
            "CredSSP would delegate the user's password to \"%s\", which the delegation policy "
            "does not allow: add WSMAN/%s (or a pattern such as WSMAN/*.example.com) to "
            "AllowFreshCredentials in",
            wsm_quote_str(&q, ep->host ? ep->host : ""), ep->host ? ep->host : "");
    if (ep->local || ep->https)
        return WSM_S_OK;

    /* 2. Unencrypted HTTP must be allowed explicitly. */
    if ((flags & WSM_FLAG_NO_ENCRYPTION) && !c->allow_unencrypted)
        return policy_fail(
            detail, ERROR_WSMAN_CLIENT_UNENCRYPTED_DISABLED, "Client",
            "SessionFlagNoEncryption asks for unencrypted HTTP, but the client configuration does "
            "not allow unencrypted traffic: use HTTPS, or set AllowUnencrypted = true in");

    /* 3. Basic and Digest cannot encrypt HTTP messages; Windows refuses to
     * send them (and a Basic password) in the clear unless told to. */
    if ((auth & (WSM_FLAG_USE_BASIC | WSM_FLAG_USE_DIGEST)) && !(flags & WSM_FLAG_NO_ENCRYPTION))
        return policy_fail(detail, ERROR_WSMAN_CLIENT_UNENCRYPTED_DISABLED, "Client",
                           "%s authentication cannot encrypt HTTP messages, so the credentials and the data "
                           "would travel unencrypted: use HTTPS, or set SessionFlagNoEncryption and "
                           "AllowUnencrypted = true in",
                           (auth & WSM_FLAG_USE_BASIC) ? "Basic" : "Digest");

    /* 4. Only Kerberos authenticates the server over HTTP; anything else
     * could hand credentials to an impostor, so the host must be trusted. */
    int needs_trust =
        (auth & (WSM_FLAG_USE_BASIC | WSM_FLAG_USE_DIGEST | WSM_FLAG_USE_NEGOTIATE | WSM_FLAG_USE_CREDSSP)) !=
            0 ||
        (!auth && explicit_credentials);
    if (needs_trust && !wsm_client_config_trusts(c, ep->host)) {
        return policy_fail(
            detail, ERROR_WSMAN_SERVER_NOT_TRUSTED, "Client",
            "The host \"%s\" is not in TrustedHosts, and %s authentication over HTTP is only "
            "used with trusted hosts: use HTTPS or Kerberos, or add the host to TrustedHosts in",
            wsm_quote_str(&q, ep->host ? ep->host : ""), label ? label : "Negotiate");
    }
    return WSM_S_OK;
}
