/*
 * Unit tests of the client configuration: defaults, the INI files and
 * their errors, where the files are looked for, TrustedHosts matching and
 * the client-side policy checks.
 *
 * The tests point HOME, XDG_CONFIG_HOME and WSMAUTO_CLIENT_CONFIG at a
 * temporary directory before anything is loaded, so the real user's files
 * are never read.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* nftw, mkdtemp */
#endif

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "clientcfg.h"
#include "session_cfg.h"
#include "test.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static char tmpdir[] = "/tmp/test_clientcfg.XXXXXX";

static int contains(const char *s, const char *needle)
{
    return s && strstr(s, needle) != NULL;
}

static int starts_with(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

static int is_valid_utf8_text(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p < 0x20 || *p >= 0x7F)
            return 0; /* every detail of these tests is plain ASCII */
    }
    return 1;
}

/* A malloc'd path under the temporary directory. */
static char *tmp_path(const char *name)
{
    return wsm_asprintf("%s/%s", tmpdir, name);
}

/* Writes len bytes of text to tmpdir/name (directories must exist). */
static char *write_file_n(const char *name, const char *text, size_t len)
{
    char *path = tmp_path(name);
    FILE *f = path ? fopen(path, "wb") : NULL;
    ok(f != NULL, "cannot create %s", path ? path : name);
    if (f) {
        ok(fwrite(text, 1, len, f) == len, "short write to %s", path);
        fclose(f);
    }
    return path;
}

static char *write_file(const char *name, const char *text)
{
    return write_file_n(name, text, strlen(text));
}

static void make_dir(const char *name)
{
    char *path = tmp_path(name);
    ok(path && mkdir(path, 0700) == 0, "cannot create directory %s", path ? path : name);
    free(path);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

static void check_defaults(const struct wsm_client_config *c, const char *what)
{
    ok(c->trusted_hosts == NULL && c->n_trusted_hosts == 0, "%s: no TrustedHosts", what);
    ok(c->allow_unencrypted == 0, "%s: AllowUnencrypted false", what);
    ok(c->http_port == 5985 && c->https_port == 5986, "%s: ports %u/%u", what, c->http_port, c->https_port);
    ok(c->auth_basic == 1 && c->auth_digest == 1 && c->auth_kerberos == 1 && c->auth_negotiate == 1 &&
           c->auth_certificate == 1 && c->auth_credssp == 0,
       "%s: auth defaults", what);
    ok(c->network_delay_ms == 5000, "%s: NetworkDelayms %u", what, (unsigned)c->network_delay_ms);
    ok(c->max_envelope_kb == 500, "%s: MaxEnvelopeSizekb %u", what, (unsigned)c->max_envelope_kb);
    ok(!c->ca_file && !c->ca_path && !c->crl_file && !c->proxy && !c->cert_store, "%s: strings unset", what);
}

/* ---- defaults, free, copy ---- */

static void test_defaults(void)
{
    struct wsm_client_config c, zero, copy;
    memset(&zero, 0, sizeof(zero));
    memset(&c, 0xAB, sizeof(c)); /* defaults() overwrites whatever was there */
    wsm_client_config_defaults(&c);
    check_defaults(&c, "defaults");
    wsm_client_config_free(&c);
    ok(!memcmp(&c, &zero, sizeof(c)), "free leaves zeroes");
    wsm_client_config_free(NULL);
    wsm_client_config_defaults(NULL);

    char *detail = (char *)1;
    wsm_client_config_defaults(&c);
    ok_hr(WSM_S_OK,
          wsm_client_config_apply_text(&c, "[Client]\nTrustedHosts = a, b\nCAFile = /x\n", "t", &detail));
    ok(detail == NULL, "no detail on success");
    ok_hr(WSM_S_OK, wsm_client_config_copy(&copy, &c));
    ok(copy.n_trusted_hosts == 2 && copy.trusted_hosts != c.trusted_hosts, "copy is deep");
    ok_str("b", copy.n_trusted_hosts == 2 ? copy.trusted_hosts[1] : NULL);
    ok(copy.ca_file && copy.ca_file != c.ca_file, "copy duplicates strings");
    ok_str("/x", copy.ca_file);
    wsm_client_config_free(&copy);
    wsm_client_config_free(&c);
    ok_hr(WSM_E_INVALIDARG, wsm_client_config_copy(&copy, NULL));
    ok(!memcmp(&copy, &zero, sizeof(copy)), "failed copy is zeroed");

    ok_hr(WSM_E_INVALIDARG, wsm_client_config_apply_text(NULL, "", "t", &detail));
    ok(detail != NULL, "a detail for a NULL config");
    free(detail);
}

/* ---- every key ---- */

static void test_keys(void)
{
    struct wsm_client_config c;
    char *detail = NULL;
    static const char text[] = "\xEF\xBB\xBF# a comment\r\n"
                               "; another comment\n"
                               "\n"
                               "  [ client ]  \n"
                               "TrustedHosts = server1, *.example.com ,192.168.1.*,, [fe80::1]\n"
                               "allowunencrypted=YES\n"
                               "NetworkDelayms = 7000\r\n"
                               "MaxEnvelopeSizekb = 8192\n"
                               "CAFile = /etc/ssl/ca.pem\n"
                               "CAPath = \"/etc/ssl/certs dir\"\n"
                               "CRLFile = /etc/ssl/crl.pem\n"
                               "Proxy = http://proxy.example.com:3128/#literal; text\n"
                               "CertStore = /home/u/.wsmauto/certs\n"
                               "[CLIENT/DEFAULTPORTS]\n"
                               "HTTP = 80\n"
                               "https = 443\n"
                               "[Client/Auth]\n"
                               "Basic = false\n"
                               "Digest = no\n"
                               "Kerberos = 0\n"
                               "Negotiate = False\n"
                               "Certificate = NO\n"
                               "CredSSP = 1\n";

    wsm_client_config_defaults(&c);
    ok_hr(WSM_S_OK, wsm_client_config_apply_text(&c, text, "all.conf", &detail));
    ok(detail == NULL, "no detail: %s", detail ? detail : "");
    free(detail);
    ok(c.n_trusted_hosts == 4, "4 TrustedHosts entries, got %zu", c.n_trusted_hosts);
    if (c.n_trusted_hosts == 4) {
        ok_str("server1", c.trusted_hosts[0]);
        ok_str("*.example.com", c.trusted_hosts[1]);
        ok_str("192.168.1.*", c.trusted_hosts[2]);
        ok_str("[fe80::1]", c.trusted_hosts[3]);
    }
    ok(c.allow_unencrypted == 1, "AllowUnencrypted");
    ok(c.network_delay_ms == 7000, "NetworkDelayms");
    ok(c.max_envelope_kb == 8192, "MaxEnvelopeSizekb");
    ok_str("/etc/ssl/ca.pem", c.ca_file);
    ok_str("/etc/ssl/certs dir", c.ca_path);
    ok_str("/etc/ssl/crl.pem", c.crl_file);
    ok_str("http://proxy.example.com:3128/#literal; text", c.proxy);
    ok_str("/home/u/.wsmauto/certs", c.cert_store);
    ok(c.http_port == 80 && c.https_port == 443, "ports %u/%u", c.http_port, c.https_port);
    ok(!c.auth_basic && !c.auth_digest && !c.auth_kerberos && !c.auth_negotiate && !c.auth_certificate,
       "auth methods off");
    ok(c.auth_credssp == 1, "CredSSP on");

    /* Later values replace earlier ones; "" and an empty value unset strings;
     * a new TrustedHosts replaces the list, it does not append. */
    ok_hr(WSM_S_OK, wsm_client_config_apply_text(&c,
                                                 "[Client]\nCAFile =\nCAPath = \"\"\nTrustedHosts = other\n"
                                                 "NetworkDelayms = 0\nNetworkDelayms = 4294967295\n"
                                                 "MaxEnvelopeSizekb = 32\n[Client/Auth]\nBasic = TRUE\n"
                                                 "[Client/DefaultPorts]\nHTTP = 65535\nHTTPS = 1\n",
                                                 NULL, &detail));
    ok(!c.ca_file && !c.ca_path, "empty values unset CAFile and CAPath");
    ok_str("/etc/ssl/crl.pem", c.crl_file);
    ok(c.n_trusted_hosts == 1, "TrustedHosts replaced");
    ok_str("other", c.n_trusted_hosts ? c.trusted_hosts[0] : NULL);
    ok(c.network_delay_ms == 4294967295u, "NetworkDelayms max, last one wins");
    ok(c.max_envelope_kb == 32, "MaxEnvelopeSizekb min");
    ok(c.auth_basic == 1 && c.auth_digest == 0, "Basic back on, Digest still off");
    ok(c.http_port == 65535 && c.https_port == 1, "port bounds");

    ok_hr(WSM_S_OK, wsm_client_config_apply_text(&c, "[Client]\nTrustedHosts =\n", "t", &detail));
    ok(c.n_trusted_hosts == 0 && c.trusted_hosts == NULL, "empty TrustedHosts clears the list");
    ok_hr(WSM_S_OK, wsm_client_config_apply_text(&c, "", "t", &detail));
    ok_hr(WSM_S_OK, wsm_client_config_apply_text(&c, "[Client]", "t", &detail));
    wsm_client_config_free(&c);
}

/* ---- malformed text ---- */

static void test_errors(void)
{
    static const struct {
        const char *text;
        unsigned line;
        const char *needle1, *needle2;
    } rows[] = {
        {"[Client]\njust some words\n", 2, "expected \"Key = value\"", NULL},
        {"[Client\n", 1, "section header", NULL},
        {"[Client] AllowUnencrypted = true\n", 1, "section header", NULL},
        {"[Server]\n", 1, "unknown section [Server]", "[Client/Auth]"},
        {"[Client/Auth/Extra]\n", 1, "unknown section", NULL},
        {"AllowUnencrypted = true\n", 1, "before any [Section]", "AllowUnencrypted"},
        {"[Client]\n = 1\n", 2, "no key", NULL},
        {"[Client]\nTrustedHost = a\n", 2, "unknown key \"TrustedHost\" in [Client]",
         "TrustedHosts, AllowUnencrypted"},
        {"[Client/Auth]\nNTLM = true\n", 2, "unknown key \"NTLM\"",
         "Basic, Digest, Kerberos, Negotiate, Certificate, CredSSP"},
        {"[Client]\nBasic = true\n", 2, "unknown key \"Basic\"", "belongs in [Client/Auth]"},
        {"[Client/Auth]\nHTTPS = 1\n", 2, "unknown key \"HTTPS\"", "belongs in [Client/DefaultPorts]"},
        {"[Client]\nMaxTimeoutms = 60000\n", 2, "MaxTimeoutms", "service setting"},
        {"[Client]\nAllowUnencrypted = maybe\n", 2, "AllowUnencrypted = \"maybe\" is not a boolean", NULL},
        {"[Client]\nAllowUnencrypted =\n", 2, "is not a boolean", NULL},
        {"[Client]\nAllowUnencrypted = on\n", 2, "is not a boolean", NULL},
        {"[Client/Auth]\n\nBasic = 2\n", 3, "Basic = \"2\" is not a boolean", NULL},
        {"[Client/DefaultPorts]\nHTTP = 0\n", 2, "HTTP = \"0\"", "1 to 65535"},
        {"[Client/DefaultPorts]\nHTTPS = 70000\n", 2, "HTTPS = \"70000\"", "1 to 65535"},
        {"[Client/DefaultPorts]\nHTTPS = -1\n", 2, "1 to 65535", NULL},
        {"[Client/DefaultPorts]\nHTTP = 80x\n", 2, "1 to 65535", NULL},
        {"[Client/DefaultPorts]\nHTTP = 99999999999999999999999\n", 2, "1 to 65535", NULL},
        {"[Client/DefaultPorts]\nHTTP =\n", 2, "1 to 65535", NULL},
        {"[Client]\nNetworkDelayms = 4294967296\n", 2, "from 0 to 4294967295", NULL},
        {"[Client]\nNetworkDelayms = 0x10\n", 2, "NetworkDelayms", NULL},
        {"[Client]\nMaxEnvelopeSizekb = 31\n", 2, "from 32 to 4194303", NULL},
        {"[Client]\nMaxEnvelopeSizekb = 4194304\n", 2, "from 32 to 4194303", NULL},
        {"[Client]\nProxy = \"http://p:1\n", 2, "Proxy", "closing"},
        {"[Client]\nTrustedHosts = good, bad host\n", 2, "\"bad host\"", "white space"},
        {"[Client]\nTrustedHosts = server*\n", 2, "\"server*\"", "wildcard"},
        {"[Client]\nTrustedHosts = *.*.example.com\n", 2, "wildcard", NULL},
        {"[Client]\nTrustedHosts = 192.168.*.1\n", 2, "wildcard", NULL},
        {"[Client]\nTrustedHosts = 1.2.3.4.*\n", 2, "wildcard", NULL},
        {"[Client]\nTrustedHosts = 256.1.*\n", 2, "wildcard", NULL},
        {"[Client]\nTrustedHosts = *.\n", 2, "wildcard", NULL},
        {"[Client]\nTrustedHosts = host:5985\n", 2, "\"host:5985\"", "no ports"},
        {"[Client]\nTrustedHosts = [::1\n", 2, "bracketed IPv6", NULL},
        {"[Client]\nTrustedHosts = [nothost]\n", 2, "bracketed IPv6", NULL},
    };
    char *detail;

    for (size_t i = 0; i < COUNT(rows); i++) {
        struct wsm_client_config c;
        char prefix[64];
        wsm_client_config_defaults(&c);
        /* A valid line first (when the row starts a section): all or
         * nothing means it must not stick. */
        int lead = rows[i].text[0] == '[';
        char *full = wsm_asprintf("%s%s", lead ? "[Client/Auth]\nKerberos = false\n" : "", rows[i].text);
        detail = NULL;
        ok_hr(ERROR_WSMAN_CONFIG_CORRUPTED, wsm_client_config_apply_text(&c, full, "bad.conf", &detail));
        snprintf(prefix, sizeof(prefix), "bad.conf:%u: ", rows[i].line + (lead ? 2 : 0));
        ok(starts_with(detail, prefix), "row %zu: detail \"%s\" starts with \"%s\"", i, detail ? detail : "",
           prefix);
        ok(contains(detail, rows[i].needle1), "row %zu: detail \"%s\" has \"%s\"", i, detail ? detail : "",
           rows[i].needle1);
        ok(!rows[i].needle2 || contains(detail, rows[i].needle2), "row %zu: detail \"%s\" has \"%s\"", i,
           detail ? detail : "", rows[i].needle2 ? rows[i].needle2 : "");
        ok(detail && is_valid_utf8_text(detail), "row %zu: printable detail", i);
        check_defaults(&c, "after an error");
        free(detail);
        free(full);
        wsm_client_config_free(&c);
    }

    /* A malformed line is not echoed: it may be a proxy URL with a password. */
    struct wsm_client_config c;
    wsm_client_config_defaults(&c);
    detail = NULL;
    ok_hr(ERROR_WSMAN_CONFIG_CORRUPTED,
          wsm_client_config_apply_text(&c, "[Client]\nhttp://user:s3cret@proxy:3128\n", "p.conf", &detail));
    ok(detail && !contains(detail, "s3cret"), "the line is not in the detail: %s", detail ? detail : "");
    free(detail);

    /* Bytes that are not printable come back escaped. */
    detail = NULL;
    ok_hr(ERROR_WSMAN_CONFIG_CORRUPTED,
          wsm_client_config_apply_text(&c, "[Client]\nAllowUnencrypted = \xC3\xA9\x01\n", "n\x02.conf",
                                       &detail));
    ok(contains(detail, "n\\x02.conf:2: ") && contains(detail, "\\xC3\\xA9\\x01"), "escaped: %s",
       detail ? detail : "");
    free(detail);

    /* No detail pointer: just the code. */
    ok_hr(ERROR_WSMAN_CONFIG_CORRUPTED, wsm_client_config_apply_text(&c, "[Nope]\n", "t", NULL));
    check_defaults(&c, "after errors");
    wsm_client_config_free(&c);
}

/* ---- files ---- */

static void test_files(void)
{
    struct wsm_client_config c;
    char *detail = NULL;

    char *sys = write_file("system.conf", "[Client]\n"
                                          "TrustedHosts = *.corp.example\n"
                                          "NetworkDelayms = 100\n"
                                          "CAFile = /etc/pki/ca.pem\n"
                                          "[Client/Auth]\n"
                                          "Basic = false\n"
                                          "Digest = false\n"
                                          "[Client/DefaultPorts]\n"
                                          "HTTP = 8080\n");
    char *user = write_file("user.conf", "[client]\n"
                                         "NetworkDelayms = 200\n"
                                         "CAFile =\n"
                                         "[client/auth]\n"
                                         "Basic = true\n");
    wsm_client_config_defaults(&c);
    ok_hr(WSM_S_OK, wsm_client_config_apply_file(&c, sys, 1, &detail));
    ok_hr(WSM_S_OK, wsm_client_config_apply_file(&c, user, 1, &detail));
    ok(detail == NULL, "no detail");
    ok(c.network_delay_ms == 200, "the user file overrides NetworkDelayms");
    ok(c.ca_file == NULL, "the user file unsets CAFile");
    ok(c.auth_basic == 1, "the user file re-enables Basic");
    ok(c.auth_digest == 0, "Digest stays off from the system file");
    ok(c.http_port == 8080 && c.https_port == 5986, "HTTP port from the system file");
    ok(c.n_trusted_hosts == 1, "TrustedHosts from the system file");

    /* Missing files. */
    char *missing = tmp_path("no-such.conf");
    ok_hr(WSM_S_OK, wsm_client_config_apply_file(&c, missing, 1, &detail));
    ok(detail == NULL && c.network_delay_ms == 200, "a missing file changes nothing");
    ok_hr(ERROR_WSMAN_CONFIG_CORRUPTED, wsm_client_config_apply_file(&c, missing, 0, &detail));
    ok(starts_with(detail, missing) && contains(detail, "does not exist"), "missing: %s",
       detail ? detail : "");
    free(detail);
    detail = NULL;
    char *under_file = wsm_asprintf("%s/x.conf", user); /* ENOTDIR counts as missing */
    ok_hr(WSM_S_OK, wsm_client_config_apply_file(&c, under_file, 1, &detail));
    free(under_file);

    /* Unreadable: a directory (works as root too), and mode 000 when not root. */
    ok_hr(ERROR_WSMAN_CONFIG_CORRUPTED, wsm_client_config_apply_file(&c, tmpdir, 1, &detail));
    ok(starts_with(detail, tmpdir) && contains(detail, "directory"), "directory: %s", detail ? detail : "");
    free(detail);
    detail = NULL;
    char *locked = write_file("locked.conf", "[Client]\n");
    if (geteuid() != 0) {
        chmod(locked, 0);
        ok_hr(ERROR_WSMAN_CONFIG_CORRUPTED, wsm_client_config_apply_file(&c, locked, 1, &detail));
        ok(starts_with(detail, locked) && contains(detail, "cannot open"), "unreadable: %s",
           detail ? detail : "");
        free(detail);
        detail = NULL;
    }
    char *fifo = tmp_path("fifo.conf");
    ok(mkfifo(fifo, 0600) == 0, "mkfifo");
    ok_hr(ERROR_WSMAN_CONFIG_CORRUPTED, wsm_client_config_apply_file(&c, fifo, 1, &detail));
    ok(contains(detail, "not a regular file"), "fifo: %s", detail ? detail : "");
    free(detail);
    detail = NULL;
    ok_hr(WSM_S_OK, wsm_client_config_apply_file(&c, "/dev/null", 0, &detail));

    /* Malformed files name path:line; nothing of them is applied. */
    char *bad = write_file("bad.conf", "[Client]\nNetworkDelayms = 1\n[Client/DefaultPorts]\nHTTPS = 0\n");
    char *prefix = wsm_asprintf("%s:4: ", bad);
    ok_hr(ERROR_WSMAN_CONFIG_CORRUPTED, wsm_client_config_apply_file(&c, bad, 1, &detail));
    ok(starts_with(detail, prefix), "bad file: %s", detail ? detail : "");
    ok(c.network_delay_ms == 200, "a bad file changes nothing");
    free(detail);
    detail = NULL;
    free(prefix);

    char *nul = write_file_n("nul.conf", "[Client]\nAllow\0Unencrypted = true\n", 34);
    prefix = wsm_asprintf("%s:2: ", nul);
    ok_hr(ERROR_WSMAN_CONFIG_CORRUPTED, wsm_client_config_apply_file(&c, nul, 1, &detail));
    ok(starts_with(detail, prefix) && contains(detail, "NUL"), "NUL: %s", detail ? detail : "");
    free(detail);
    detail = NULL;
    free(prefix);

    size_t big_len = 1024 * 1024 + 10;
    char *big_text = malloc(big_len);
    ok(big_text != NULL, "malloc");
    char *big = NULL;
    if (big_text) {
        memset(big_text, '\n', big_len);
        big = write_file_n("big.conf", big_text, big_len);
        ok_hr(ERROR_WSMAN_CONFIG_CORRUPTED, wsm_client_config_apply_file(&c, big, 1, &detail));
        ok(contains(detail, "larger"), "big: %s", detail ? detail : "");
        free(detail);
        detail = NULL;
        free(big_text);
    }

    ok_hr(WSM_E_INVALIDARG, wsm_client_config_apply_file(&c, NULL, 1, &detail));
    free(detail);
    wsm_client_config_free(&c);
    free(sys);
    free(user);
    free(missing);
    free(locked);
    free(fifo);
    free(bad);
    free(nul);
    free(big);
}

/* ---- wsm_client_config_load and the environment ---- */

static void test_load(void)
{
    struct wsm_client_config c;
    char *detail = NULL, *path;

    make_dir("home");
    make_dir("home/.config");
    make_dir("home/.config/wsmauto");
    make_dir("xdg");
    make_dir("xdg/wsmauto");
    char *home = tmp_path("home"), *xdg = tmp_path("xdg");
    char *home_file = write_file("home/.config/wsmauto/client.conf", "[Client]\nNetworkDelayms = 4321\n");
    char *xdg_file = write_file("xdg/wsmauto/client.conf", "[Client]\nNetworkDelayms = 1234\n");
    char *env_file = write_file("env.conf", "[Client/Auth]\nBasic = no\n");
    char *env_bad = write_file("env-bad.conf", "[Client/Auth]\nBasic = nope\n");
    setenv("HOME", home, 1);
    setenv("XDG_CONFIG_HOME", xdg, 1);

    /* WSMAUTO_CLIENT_CONFIG is read instead of both. */
    setenv(WSM_CLIENT_CONFIG_ENV, env_file, 1);
    memset(&c, 0, sizeof(c));
    ok_hr(WSM_S_OK, wsm_client_config_load(&c, &detail));
    ok(c.auth_basic == 0, "the WSMAUTO_CLIENT_CONFIG file is read");
    ok(c.network_delay_ms == 5000, "the user file is not read with WSMAUTO_CLIENT_CONFIG");
    wsm_client_config_free(&c);

    setenv(WSM_CLIENT_CONFIG_ENV, "", 1);
    ok_hr(WSM_S_OK, wsm_client_config_load(&c, &detail));
    check_defaults(&c, "empty WSMAUTO_CLIENT_CONFIG");
    wsm_client_config_free(&c);

    setenv(WSM_CLIENT_CONFIG_ENV, env_bad, 1);
    ok_hr(ERROR_WSMAN_CONFIG_CORRUPTED, wsm_client_config_load(&c, &detail));
    char *prefix = wsm_asprintf("%s:2: ", env_bad);
    ok(starts_with(detail, prefix) && contains(detail, "Basic"), "bad env file: %s", detail ? detail : "");
    check_defaults(&c, "load error");
    free(prefix);
    free(detail);
    detail = NULL;
    wsm_client_config_free(&c);

    char *missing = tmp_path("env-missing.conf");
    setenv(WSM_CLIENT_CONFIG_ENV, missing, 1);
    ok_hr(ERROR_WSMAN_CONFIG_CORRUPTED, wsm_client_config_load(&c, &detail));
    ok(starts_with(detail, missing), "missing env file: %s", detail ? detail : "");
    check_defaults(&c, "missing env file");
    free(detail);
    detail = NULL;
    wsm_client_config_free(&c);
    free(missing);

    /* Without it: the system file (absent here, or anything the user file
     * overrides), then $XDG_CONFIG_HOME/wsmauto/client.conf. */
    unsetenv(WSM_CLIENT_CONFIG_ENV);
    path = wsm_client_config_user_path();
    ok_str(xdg_file, path);
    free(path);
    ok_hr(WSM_S_OK, wsm_client_config_load(&c, &detail));
    ok(c.network_delay_ms == 1234, "the XDG user file is read: %u", (unsigned)c.network_delay_ms);
    wsm_client_config_free(&c);

    /* XDG_CONFIG_HOME unset, or relative (which the XDG spec says to ignore): ~/.config. */
    unsetenv("XDG_CONFIG_HOME");
    path = wsm_client_config_user_path();
    ok_str(home_file, path);
    free(path);
    ok_hr(WSM_S_OK, wsm_client_config_load(&c, &detail));
    ok(c.network_delay_ms == 4321, "the ~/.config user file is read: %u", (unsigned)c.network_delay_ms);
    wsm_client_config_free(&c);
    setenv("XDG_CONFIG_HOME", "relative/dir", 1);
    path = wsm_client_config_user_path();
    ok_str(home_file, path);
    free(path);

    /* No home at all: no user file, and that is fine. */
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("HOME");
    path = wsm_client_config_user_path();
    ok(path == NULL, "no user path without HOME");
    free(path);
    ok_hr(WSM_S_OK, wsm_client_config_load(&c, &detail));
    wsm_client_config_free(&c);
    ok_hr(WSM_E_INVALIDARG, wsm_client_config_load(NULL, &detail));
    free(detail);

    /* Leave a known environment for the policy tests. */
    setenv("HOME", home, 1);
    setenv("XDG_CONFIG_HOME", xdg, 1);
    setenv(WSM_CLIENT_CONFIG_ENV, "", 1);
    free(home);
    free(xdg);
    free(home_file);
    free(xdg_file);
    free(env_file);
    free(env_bad);
}

/* ---- read once per process (issue 18) ---- */

/* Lets the files written so far age past clientcfg.c's RACY_NS (100 ms), after which their stamps are trusted
 * and the cache keeps what was read. A wait, not a timing assertion. */
static void let_files_age(void)
{
    struct timespec ts = {0, 250000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

/* Loads the configuration; its NetworkDelayms (0 on failure). */
static unsigned delay_now(void)
{
    struct wsm_client_config c;
    char *detail = NULL;
    unsigned delay = 0;

    memset(&c, 0, sizeof(c));
    if (wsm_client_config_load(&c, &detail) == WSM_S_OK)
        delay = (unsigned)c.network_delay_ms;
    wsm_client_config_free(&c);
    free(detail);
    return delay;
}

static void test_load_once(void)
{
    unsigned long reads;
    struct wsm_client_config c;
    char *detail = NULL;

    make_dir("once");
    make_dir("once/a");
    make_dir("once/a/wsmauto");
    make_dir("once/b");
    make_dir("once/b/wsmauto");
    char *one = write_file("once/one.conf", "[Client]\nNetworkDelayms = 1111\n");
    char *two = write_file("once/two.conf", "[Client]\nNetworkDelayms = 2222\n");
    char *xdg_a = tmp_path("once/a"), *xdg_b = tmp_path("once/b");
    free(write_file("once/a/wsmauto/client.conf", "[Client]\nNetworkDelayms = 3333\n"));
    let_files_age();

    /* The same file, unchanged: read by the first load only, and every load gets its settings. */
    setenv(WSM_CLIENT_CONFIG_ENV, one, 1);
    reads = wsm_client_config_reads();
    for (int i = 0; i < 10; i++)
        ok(delay_now() == 1111, "load %d of an unchanged file", i);
    ok(wsm_client_config_reads() == reads + 1, "ten loads of an unchanged file read it %lu times, not once",
       wsm_client_config_reads() - reads);

    /* Another path (WSMAUTO_CLIENT_CONFIG changed between sessions): read; back to the first: read again. */
    setenv(WSM_CLIENT_CONFIG_ENV, two, 1);
    ok(delay_now() == 2222, "WSMAUTO_CLIENT_CONFIG naming another file");
    setenv(WSM_CLIENT_CONFIG_ENV, one, 1);
    ok(delay_now() == 1111, "WSMAUTO_CLIENT_CONFIG naming the first file again");
    ok(wsm_client_config_reads() == reads + 3, "a changed path is read: %lu reads",
       wsm_client_config_reads() - reads);

    /* The file rewritten in place, even at once and to the same size: the new settings. */
    free(write_file("once/one.conf", "[Client]\nNetworkDelayms = 4444\n"));
    ok(delay_now() == 4444, "a rewritten file is read again");
    free(write_file("once/one.conf", "[Client]\nNetworkDelayms = 5555\n"));
    ok(delay_now() == 5555, "a file rewritten to the same size at once is read again");
    let_files_age();
    reads = wsm_client_config_reads();
    ok(delay_now() == 5555 && delay_now() == 5555, "the rewritten file, twice");
    ok(wsm_client_config_reads() == reads + 1, "once old enough, the rewritten file is cached: %lu reads",
       wsm_client_config_reads() - reads);

    /* Failures are not cached: a file that does not parse is read (and refused) each time. */
    free(write_file("once/one.conf", "[Client]\nNetworkDelayms = lots\n"));
    let_files_age();
    reads = wsm_client_config_reads();
    for (int i = 0; i < 2; i++) {
        ok_hr(ERROR_WSMAN_CONFIG_CORRUPTED, wsm_client_config_load(&c, &detail));
        ok(contains(detail, "NetworkDelayms"), "the corrupted file, load %d: %s", i, detail ? detail : "");
        free(detail);
        detail = NULL;
        wsm_client_config_free(&c);
    }
    ok(wsm_client_config_reads() == reads + 2, "a failed load is not cached: %lu reads",
       wsm_client_config_reads() - reads);

    /* The system and user files: XDG_CONFIG_HOME changed between sessions is followed, and a user file that
     * appears later is read. */
    unsetenv(WSM_CLIENT_CONFIG_ENV);
    setenv("XDG_CONFIG_HOME", xdg_a, 1);
    ok(delay_now() == 3333, "the user file under XDG_CONFIG_HOME");
    setenv("XDG_CONFIG_HOME", xdg_b, 1);
    ok(delay_now() == 5000, "another XDG_CONFIG_HOME without a user file: the default");
    ok(delay_now() == 5000, "the same, from the cache");
    free(write_file("once/b/wsmauto/client.conf", "[Client]\nNetworkDelayms = 6666\n"));
    ok(delay_now() == 6666, "a user file that appeared is read");

    /* Leave the environment test_load left. */
    char *xdg = tmp_path("xdg");
    setenv("XDG_CONFIG_HOME", xdg, 1);
    setenv(WSM_CLIENT_CONFIG_ENV, "", 1);
    free(xdg);
    free(xdg_a);
    free(xdg_b);
    free(one);
    free(two);
}

/* ---- TrustedHosts ---- */

static void test_trusts(void)
{
    struct wsm_client_config c;
    char *detail = NULL;
    static const struct {
        const char *host;
        int trusted;
    } rows[] = {
        {"server1", 1},
        {"SERVER1", 1},
        {"server1.", 1},
        {"server2", 0},
        {"server1.example.org", 0},
        {"a.example.com", 1},
        {"A.B.EXAMPLE.COM", 1},
        {"a.example.com.", 1},
        {"example.com", 0},
        {"evilexample.com", 0},
        {"a.example.com.evil", 0},
        {"192.168.1.7", 1},
        {"192.168.1.255", 1},
        {"192.168.10.7", 0},
        {"192.168.1.7.evil.net", 0},
        {"10.200.3.4", 1},
        {"100.1.1.1", 0},
        {"172.16.0.9", 1},
        {"172.16.0.90", 0},
        {"fe80::1", 1},
        {"FE80:0:0::1", 1},
        {"[fe80::1]", 1},
        {"fe80::2", 0},
        {"2001:DB8::5", 1},
        {"2001:db8::6", 0},
        {"10.0.0.1.evil", 0}, /* a name, not the 10.* prefix */
        {"10.0.0.1.lab", 1},  /* a name under *.lab */
        {"host.lab", 1},
        {"10.0.3.2", 1},
        {"", 0},
    };

    wsm_client_config_defaults(&c);
    ok_hr(WSM_S_OK,
          wsm_client_config_apply_text(&c,
                                       "[Client]\nTrustedHosts = server1, *.Example.COM, 192.168.1.*, "
                                       "10.*, [fe80::1], 2001:db8::5, 172.16.0.9, *.lab\n",
                                       "t", &detail));
    for (size_t i = 0; i < COUNT(rows); i++)
        ok(wsm_client_config_trusts(&c, rows[i].host) == rows[i].trusted, "\"%s\" trusted should be %d",
           rows[i].host, rows[i].trusted);
    ok(!wsm_client_config_trusts(&c, NULL), "NULL is not trusted");

    /* Loopback is always trusted, even with no list or no config. */
    static const char *const loopback[] = {"localhost",       "LocalHost",  "localhost.",
                                           "127.0.0.1",       "127.8.9.10", "::1",
                                           "0:0:0:0:0:0:0:1", "[::1]",      "::ffff:127.0.0.1"};
    static const char *const not_loopback[] = {
        "localhost.evil.com", "mylocalhost", "127.0.0.1.evil.com", "128.0.0.1", "::2", "8.8.8.8", "server1"};
    struct wsm_client_config empty;
    wsm_client_config_defaults(&empty);
    for (size_t i = 0; i < COUNT(loopback); i++) {
        ok(wsm_client_config_trusts(&empty, loopback[i]), "%s is trusted", loopback[i]);
        ok(wsm_client_config_trusts(NULL, loopback[i]), "%s is trusted without a config", loopback[i]);
    }
    for (size_t i = 0; i < COUNT(not_loopback); i++)
        ok(!wsm_client_config_trusts(&empty, not_loopback[i]), "%s is not trusted", not_loopback[i]);

    /* "*" trusts everything; a DNS suffix never matches an address. */
    ok_hr(WSM_S_OK, wsm_client_config_apply_text(&empty, "[Client]\nTrustedHosts = *.0.1\n", "t", &detail));
    ok(!wsm_client_config_trusts(&empty, "10.0.0.1"), "*.0.1 does not match 10.0.0.1");
    ok(wsm_client_config_trusts(&empty, "x.0.1"), "*.0.1 matches the name x.0.1");
    ok_hr(WSM_S_OK, wsm_client_config_apply_text(&empty, "[Client]\nTrustedHosts = *\n", "t", &detail));
    ok(wsm_client_config_trusts(&empty, "anything.at.all") && wsm_client_config_trusts(&empty, "8.8.8.8") &&
           wsm_client_config_trusts(&empty, "2001:db8::1"),
       "* trusts every host");
    wsm_client_config_free(&empty);
    wsm_client_config_free(&c);
}

/* ---- policy checks ---- */

struct endpoints {
    struct wsm_endpoint http, https, local, loop, trusted;
};

static void parse_ep(const char *conn, int use_ssl, struct wsm_endpoint *ep)
{
    char *detail = NULL;
    ok_hr(WSM_S_OK, wsm_parse_connection(conn, use_ssl, ep, &detail));
    free(detail);
}

static void check_row(const struct wsm_client_config *c, uint32_t flags, int creds,
                      const struct wsm_endpoint *ep, int32_t expected, const char *needle1,
                      const char *needle2, int line)
{
    char *detail = (char *)1;
    int32_t hr = wsm_client_policy_check(c, flags, creds, ep, &detail);
    ok(hr == expected, "line %d: expected 0x%08X, got 0x%08X (%s)", line, (unsigned)expected, (unsigned)hr,
       hr && detail ? detail : "");
    if (expected == WSM_S_OK) {
        ok(detail == NULL, "line %d: no detail on success", line);
        return;
    }
    ok(contains(detail, needle1), "line %d: detail \"%s\" has \"%s\"", line, detail ? detail : "", needle1);
    ok(!needle2 || contains(detail, needle2), "line %d: detail \"%s\" has \"%s\"", line, detail ? detail : "",
       needle2 ? needle2 : "");
    ok(detail && is_valid_utf8_text(detail), "line %d: printable detail", line);
    free(detail);
    /* The same code without a detail pointer. */
    ok_hr(expected, wsm_client_policy_check(c, flags, creds, ep, NULL));
}
#define ROW(c, flags, creds, ep, hr, n1, n2) check_row(c, flags, creds, ep, hr, n1, n2, __LINE__)

static void test_policy(void)
{
    struct wsm_client_config def, off, open, cred;
    struct endpoints e;
    char *detail = NULL;
    const uint32_t basic = WSM_FLAG_USE_BASIC | WSM_FLAG_CRED_USERNAME_PASSWORD;
    const uint32_t digest = WSM_FLAG_USE_DIGEST | WSM_FLAG_CRED_USERNAME_PASSWORD;
    const uint32_t nego = WSM_FLAG_USE_NEGOTIATE;
    const uint32_t kerb = WSM_FLAG_USE_KERBEROS;
    const uint32_t cert = WSM_FLAG_USE_CLIENT_CERTIFICATE;
    const uint32_t credssp = WSM_FLAG_USE_CREDSSP | WSM_FLAG_CRED_USERNAME_PASSWORD;
    const uint32_t noauth = WSM_FLAG_USE_NO_AUTHENTICATION;
    const uint32_t noenc = WSM_FLAG_NO_ENCRYPTION;

    parse_ep("server9", 0, &e.http);
    parse_ep("server9", 1, &e.https);
    parse_ep("", 0, &e.local);
    parse_ep("http://localhost", 0, &e.loop);
    parse_ep("http://web.trusted.example:8080/wsman", 0, &e.trusted);

    wsm_client_config_defaults(&def);
    wsm_client_config_defaults(&off);
    ok_hr(WSM_S_OK,
          wsm_client_config_apply_text(&off,
                                       "[Client/Auth]\nBasic = false\nDigest = false\nNegotiate = false\n"
                                       "Kerberos = false\nCertificate = false\nCredSSP = false\n",
                                       "off", &detail));
    wsm_client_config_defaults(&open);
    ok_hr(WSM_S_OK, wsm_client_config_apply_text(&open,
                                                 "[Client]\nAllowUnencrypted = true\n"
                                                 "TrustedHosts = *.trusted.example\n",
                                                 "open", &detail));
    wsm_client_config_defaults(&cred);
    ok_hr(WSM_S_OK,
          wsm_client_config_apply_text(&cred,
                                       "[Client/Auth]\nCredSSP = true\n"
                                       "AllowFreshCredentials = WSMAN/server9, WSMAN/*.trusted.example\n",
                                       "cred", &detail));

    /* 1. Disabled methods, whatever the transport (HTTPS so that nothing else fires). */
    ROW(&off, basic, 1, &e.https, ERROR_WSMAN_CLIENT_BASIC_AUTHENTICATION_DISABLED, "Basic = true",
        "[Client/Auth]");
    ROW(&off, digest, 1, &e.https, ERROR_WSMAN_CLIENT_DIGEST_AUTHENTICATION_DISABLED, "Digest = true", NULL);
    ROW(&off, nego, 0, &e.https, ERROR_WSMAN_CLIENT_NEGOTIATE_AUTHENTICATION_DISABLED, "Negotiate = true",
        NULL);
    ROW(&off, kerb, 0, &e.https, ERROR_WSMAN_CLIENT_KERBEROS_AUTHENTICATION_DISABLED, "Kerberos = true",
        NULL);
    ROW(&off, cert, 0, &e.https, ERROR_WSMAN_CLIENT_CERTIFICATES_AUTHENTICATION_DISABLED,
        "Certificate = true", NULL);
    ROW(&def, credssp, 1, &e.https, ERROR_WSMAN_CLIENT_CREDSSP_AUTHENTICATION_DISABLED, "CredSSP = true",
        NULL);
    ROW(&off, 0, 0, &e.https, ERROR_WSMAN_CLIENT_NEGOTIATE_AUTHENTICATION_DISABLED, "Negotiate = true",
        "no authentication flag");
    ROW(&off, noauth, 0, &e.https, WSM_S_OK, NULL, NULL);
    ROW(&off, basic, 1, &e.local, ERROR_WSMAN_CLIENT_BASIC_AUTHENTICATION_DISABLED, "Basic = true", NULL);
    /* Disabled comes first: before the HTTP checks. */
    ROW(&off, basic, 1, &e.http, ERROR_WSMAN_CLIENT_BASIC_AUTHENTICATION_DISABLED, "Basic", NULL);
    /* With no flag only Negotiate is checked. */
    struct wsm_client_config nokerb;
    wsm_client_config_defaults(&nokerb);
    ok_hr(WSM_S_OK, wsm_client_config_apply_text(&nokerb, "[Client/Auth]\nKerberos = false\n", "t", &detail));
    ROW(&nokerb, 0, 0, &e.https, WSM_S_OK, NULL, NULL);
    ROW(&def, cert, 0, &e.https, WSM_S_OK, NULL, NULL);
    ROW(&cred, credssp, 1, &e.https, WSM_S_OK, NULL, NULL);
    /* 1b. CredSSP only to hosts the delegation list names, over HTTPS too. */
    struct wsm_client_config nodeleg;
    wsm_client_config_defaults(&nodeleg);
    ok_hr(WSM_S_OK,
          wsm_client_config_apply_text(&nodeleg,
                                       "[Client/Auth]\nCredSSP = true\n"
                                       "AllowFreshCredentials = WSMAN/*.example.com, WSMAN/server1\n",
                                       "t", &detail));
    ROW(&nodeleg, credssp, 1, &e.https, ERROR_WSMAN_CLIENT_ALLOWFRESHCREDENTIALS, "AllowFreshCredentials",
        "WSMAN/server9");
    ROW(&nodeleg, credssp, 1, &e.http, ERROR_WSMAN_CLIENT_ALLOWFRESHCREDENTIALS, "[Client/Auth]", NULL);
    ok(!wsm_client_config_allows_fresh_credentials(&nodeleg, "localhost"), "loopback is not implied");
    ok(wsm_client_config_allows_fresh_credentials(&nodeleg, "a.example.com") &&
           wsm_client_config_allows_fresh_credentials(&nodeleg, "SERVER1") &&
           !wsm_client_config_allows_fresh_credentials(&nodeleg, "example.com"),
       "AllowFreshCredentials patterns");
    ok_hr(ERROR_WSMAN_CONFIG_CORRUPTED,
          wsm_client_config_apply_text(&nodeleg, "[Client/Auth]\nAllowFreshCredentials = server1\n", "t",
                                       NULL));
    wsm_client_config_free(&nodeleg);
    ROW(&def, basic, 1, &e.https, WSM_S_OK, NULL, NULL);
    ROW(&def, digest, 1, &e.https, WSM_S_OK, NULL, NULL);

    /* 2. NoEncryption over HTTP needs AllowUnencrypted. */
    ROW(&def, kerb | noenc, 0, &e.http, ERROR_WSMAN_CLIENT_UNENCRYPTED_DISABLED, "AllowUnencrypted = true",
        "[Client]");
    ROW(&def, basic | noenc, 1, &e.http, ERROR_WSMAN_CLIENT_UNENCRYPTED_DISABLED, "AllowUnencrypted = true",
        NULL);
    ROW(&open, kerb | noenc, 0, &e.http, WSM_S_OK, NULL, NULL);

    /* 3. Basic and Digest over HTTP without NoEncryption, even when allowed. */
    ROW(&def, basic, 1, &e.http, ERROR_WSMAN_CLIENT_UNENCRYPTED_DISABLED, "HTTPS", "SessionFlagNoEncryption");
    ROW(&open, basic, 1, &e.trusted, ERROR_WSMAN_CLIENT_UNENCRYPTED_DISABLED, "AllowUnencrypted", "HTTPS");
    ROW(&open, digest, 1, &e.trusted, ERROR_WSMAN_CLIENT_UNENCRYPTED_DISABLED, "Digest",
        "SessionFlagNoEncryption");
    ROW(&def, basic, 1, &e.loop, ERROR_WSMAN_CLIENT_UNENCRYPTED_DISABLED, "HTTPS", NULL);

    /* 4. Non-Kerberos authentication over HTTP needs a trusted host. */
    ROW(&open, basic | noenc, 1, &e.http, ERROR_WSMAN_SERVER_NOT_TRUSTED, "TrustedHosts", "\"server9\"");
    ROW(&open, basic | noenc, 1, &e.trusted, WSM_S_OK, NULL, NULL);
    ROW(&open, digest | noenc, 1, &e.http, ERROR_WSMAN_SERVER_NOT_TRUSTED, "TrustedHosts", "Digest");
    ROW(&def, nego, 0, &e.http, ERROR_WSMAN_SERVER_NOT_TRUSTED, "TrustedHosts", "[Client]");
    ROW(&def, nego | WSM_FLAG_CRED_USERNAME_PASSWORD, 1, &e.http, ERROR_WSMAN_SERVER_NOT_TRUSTED,
        "TrustedHosts", "Negotiate");
    ROW(&open, nego, 0, &e.trusted, WSM_S_OK, NULL, NULL);
    ROW(&def, nego, 0, &e.loop, WSM_S_OK, NULL, NULL);
    ROW(&cred, credssp, 1, &e.http, ERROR_WSMAN_SERVER_NOT_TRUSTED, "TrustedHosts", "CredSSP");
    ROW(&def, WSM_FLAG_CRED_USERNAME_PASSWORD, 1, &e.http, ERROR_WSMAN_SERVER_NOT_TRUSTED, "TrustedHosts",
        NULL);
    ROW(&def, 0, 0, &e.http, WSM_S_OK, NULL, NULL);
    ROW(&open, WSM_FLAG_CRED_USERNAME_PASSWORD, 1, &e.trusted, WSM_S_OK, NULL, NULL);
    ROW(&def, kerb, 0, &e.http, WSM_S_OK, NULL, NULL);
    ROW(&def, kerb | WSM_FLAG_CRED_USERNAME_PASSWORD, 1, &e.http, WSM_S_OK, NULL, NULL);
    ROW(&def, noauth, 0, &e.http, WSM_S_OK, NULL, NULL);
    ROW(&def, nego, 0, &e.https, WSM_S_OK, NULL, NULL);
    ROW(&def, 0, 1, &e.https, WSM_S_OK, NULL, NULL);
    ROW(&def, 0, 1, &e.local, WSM_S_OK, NULL, NULL);

    /* The details name the files the settings live in. */
    char *env_path = tmp_path("policy.conf");
    setenv(WSM_CLIENT_CONFIG_ENV, env_path, 1);
    ROW(&def, nego, 0, &e.http, ERROR_WSMAN_SERVER_NOT_TRUSTED, env_path, WSM_CLIENT_CONFIG_ENV);
    unsetenv(WSM_CLIENT_CONFIG_ENV);
    char *user = wsm_client_config_user_path();
    ROW(&def, nego, 0, &e.http, ERROR_WSMAN_SERVER_NOT_TRUSTED, WSM_CLIENT_CONFIG_SYSTEM_PATH, user);
    ROW(&off, basic, 1, &e.https, ERROR_WSMAN_CLIENT_BASIC_AUTHENTICATION_DISABLED,
        WSM_CLIENT_CONFIG_SYSTEM_PATH, user);
    setenv(WSM_CLIENT_CONFIG_ENV, "", 1);
    ROW(&def, basic, 1, &e.http, ERROR_WSMAN_CLIENT_UNENCRYPTED_DISABLED, WSM_CLIENT_CONFIG_ENV, "empty");
    free(user);
    free(env_path);

    detail = (char *)1;
    ok_hr(WSM_E_INVALIDARG, wsm_client_policy_check(NULL, 0, 0, &e.http, &detail));
    ok(detail != NULL && detail != (char *)1, "a detail for NULL arguments");
    free(detail);
    ok_hr(WSM_E_INVALIDARG, wsm_client_policy_check(&def, 0, 0, NULL, NULL));

    wsm_endpoint_free(&e.http);
    wsm_endpoint_free(&e.https);
    wsm_endpoint_free(&e.local);
    wsm_endpoint_free(&e.loop);
    wsm_endpoint_free(&e.trusted);
    wsm_client_config_free(&def);
    wsm_client_config_free(&off);
    wsm_client_config_free(&open);
    wsm_client_config_free(&cred);
    wsm_client_config_free(&nokerb);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    /* Before anything can call load(): never the real user's files. */
    setenv("HOME", tmpdir, 1);
    setenv("XDG_CONFIG_HOME", tmpdir, 1);
    setenv(WSM_CLIENT_CONFIG_ENV, "", 1);

    test_defaults();
    test_keys();
    test_errors();
    test_files();
    test_load();
    test_load_once();
    test_trusts();
    test_policy();

    nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return test_summary("clientcfg");
}
