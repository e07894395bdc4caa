/*
 * Unit tests of wsmanctl's command line (src/cli/args.c) and input (src/cli/input.c): every switch in each
 * spelling, the operations and their arguments, the help forms, every usage error (status and culprit),
 * switches given twice (quoted as typed) and switches that contradict each other, the @{...} grammar and the
 * offset of each kind of error, the XML bodies, set's edit of a Get reply, the files, the no-echo prompt on a
 * pseudo-terminal, and the library's texts in the CLI's words (cli_words, against every WinRM message and the
 * library's own refusals). No network.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "comedge.h" /* wsmandisp.h with COBJMACROS: the proxy enums the parser's values must match */

#include "args.h"
#include "cli.h"
#include "input.h"
#include "names.h"
#include "strutil.h"
#include "test.h"

static char tmpdir[256];

/* ---- helpers ---- */

#define MAX_WORDS 64
#define TP "0123456789abcdef0123456789abcdef01234567" /* a certificate thumbprint */
#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static int run(struct cli_opts *o, char **err, const char *const *words, char *shown, size_t shown_size)
{
    char *argv[MAX_WORDS + 2];
    int argc = 0;

    argv[argc++] = "wsmanctl";
    shown[0] = '\0';
    for (; *words && argc <= MAX_WORDS; words++) {
        argv[argc++] = (char *)*words;
        if (strlen(shown) + strlen(*words) + 2 < shown_size) {
            strcat(shown, " ");
            strcat(shown, *words);
        }
    }
    argv[argc] = NULL;
    return cli_parse_args(argc, argv, o, err);
}

#define parse_ok(o, ...) parse_ok_(__LINE__, o, ARGS(__VA_ARGS__))
static int parse_ok_(int line, struct cli_opts *o, const char *const *words)
{
    char *err = NULL, shown[2048];
    int rc = run(o, &err, words, shown, sizeof(shown));

    test_check(rc == CLI_EXIT_OK && !err, __FILE__, line, "wsmanctl%s: rc %d: %s", shown, rc,
               err ? err : "(no message)");
    free(err);
    return rc == CLI_EXIT_OK;
}

/* A usage error whose one-line message contains `culprit`, and *out left zeroed. */
#define parse_err(culprit, ...) parse_err_(__LINE__, culprit, ARGS(__VA_ARGS__))
static void parse_err_(int line, const char *culprit, const char *const *words)
{
    static const struct cli_opts zero;
    struct cli_opts o;
    char *err = NULL, shown[2048];
    int rc;

    memset(&o, 0x5A, sizeof(o));
    rc = run(&o, &err, words, shown, sizeof(shown));
    test_check(rc == CLI_EXIT_USAGE, __FILE__, line, "wsmanctl%s: expected a usage error, got rc %d", shown,
               rc);
    test_check(err && strstr(err, culprit), __FILE__, line,
               "wsmanctl%s: the message \"%s\" does not name \"%s\"", shown, err ? err : "(none)", culprit);
    test_check(err && !strchr(err, '\n') && strncmp(err, "wsmanctl:", 9), __FILE__, line,
               "wsmanctl%s: not one bare line: \"%s\"", shown, err ? err : "(none)");
    test_check(!memcmp(&o, &zero, sizeof(o)), __FILE__, line, "wsmanctl%s: the options were not zeroed",
               shown);
    if (rc == CLI_EXIT_OK)
        cli_opts_free(&o);
    free(err);
}

static char *write_file(const char *name, const void *data, size_t len)
{
    char *path;
    FILE *f;

    if (asprintf(&path, "%s/%s", tmpdir, name) < 0)
        abort();
    f = fopen(path, "wb");
    if (!f || fwrite(data, 1, len, f) != len || fclose(f)) {
        perror(path);
        abort();
    }
    return path;
}

/* The text of the first element named `name` anywhere under node (NULL when none), and its element. */
static xmlNodePtr find_element(xmlNodePtr node, const char *name)
{
    for (xmlNodePtr c = node; c; c = c->next) {
        xmlNodePtr hit;
        if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name))
            return c;
        if ((hit = find_element(c->children, name)))
            return hit;
    }
    return NULL;
}

static int count_elements(xmlNodePtr node, const char *name)
{
    int n = 0;
    for (xmlNodePtr c = node; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && !strcmp((const char *)c->name, name))
            n++;
        n += count_elements(c->children, name);
    }
    return n;
}

static char *element_text(xmlDocPtr doc, const char *name)
{
    xmlNodePtr e = find_element(xmlDocGetRootElement(doc), name);
    xmlChar *t = e ? xmlNodeGetContent(e) : NULL;
    char *s = t ? strdup((const char *)t) : NULL;

    xmlFree(t);
    return s;
}

static int is_nil(xmlDocPtr doc, const char *name)
{
    xmlNodePtr e = find_element(xmlDocGetRootElement(doc), name);
    xmlChar *v = e ? xmlGetNsProp(e, (const xmlChar *)"nil", (const xmlChar *)WSM_NS_XSI) : NULL;
    int nil = v && !strcmp((const char *)v, "true");

    xmlFree(v);
    return nil;
}

static xmlDocPtr parse_xml(const char *xml)
{
    return xmlReadMemory(xml, (int)strlen(xml), NULL, "UTF-8", XML_PARSE_NONET | XML_PARSE_NOERROR);
}

#define ok_text(doc, name, expected)                                                                         \
    do {                                                                                                     \
        char *t_ = element_text(doc, name);                                                                  \
        ok(t_ && !strcmp(t_, expected), "<%s>: expected \"%s\", got \"%s\"", name, expected,                 \
           t_ ? t_ : "(none)");                                                                              \
        free(t_);                                                                                            \
    } while (0)

/* ---- operations ---- */

static void test_operations(void)
{
    static const struct {
        const char *word;
        enum cli_op op;
    } words[] = {
        {"get", CLI_OP_GET},
        {"g", CLI_OP_GET},
        {"GET", CLI_OP_GET},
        {"delete", CLI_OP_DELETE},
        {"d", CLI_OP_DELETE},
        {"Delete", CLI_OP_DELETE},
        {"enumerate", CLI_OP_ENUMERATE},
        {"e", CLI_OP_ENUMERATE},
        {"enum", CLI_OP_ENUMERATE},
        {"ENUM", CLI_OP_ENUMERATE},
        {"E", CLI_OP_ENUMERATE},
    };
    struct cli_opts o;

    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
        if (parse_ok(&o, words[i].word, "winrm/config")) {
            ok(o.op == words[i].op, "%s: op %d", words[i].word, o.op);
            ok_str(words[i].word, o.op_name);
            ok_str("winrm/config", o.resource);
            ok(!o.help && o.remote_count == 0 && !o.remotes, "%s: defaults", words[i].word);
            ok(o.concurrency == 32 && o.timeout_ms == -1 && o.format == CLI_FORMAT_TEXT &&
                   o.auth == CLI_AUTH_DEFAULT,
               "%s: defaults", words[i].word);
            cli_opts_free(&o);
        }
    }

    if (parse_ok(&o, "set", "winrm/config/client", "@{TrustedHosts=\"a,b\"}")) {
        ok(o.op == CLI_OP_SET && o.input && o.input->count == 1, "set input");
        ok_str("TrustedHosts", o.input->items[0].name);
        ok_str("a,b", o.input->items[0].value);
        cli_opts_free(&o);
    }
    if (parse_ok(&o, "S", "winrm/config/client", "@{}", "-quiet")) {
        ok(o.op == CLI_OP_SET && o.input && o.input->count == 0 && o.quiet, "s with @{}");
        cli_opts_free(&o);
    }
    /* Option names are not XML names: a prefix and a leading "__" pass (only @{...} input needs NCNames). */
    if (parse_ok(&o, "get", "wmicimv2/Win32_Service",
                 "-options:{wsmauto:echo=\"1\";__cimnamespace=root/cimv2}")) {
        ok(o.options && o.options->count == 2, "-options with option names");
        ok_str("wsmauto:echo", o.options->items[0].name);
        ok_str("root/cimv2", o.options->items[1].value);
        cli_opts_free(&o);
    }
    parse_err("'p:Name'", "set", "winrm/config", "@{p:Name=1}");
    if (parse_ok(&o, "create", "wmicimv2/Win32_Environment")) { /* create without input: an empty body */
        ok(o.op == CLI_OP_CREATE && !o.input && !o.input_file, "create without input");
        cli_opts_free(&o);
    }
    if (parse_ok(&o, "C", "wmicimv2/Win32_Environment", "{Name='x'}")) {
        ok(o.op == CLI_OP_CREATE && o.input && o.input->count == 1, "create with {...}");
        cli_opts_free(&o);
    }
    if (parse_ok(&o, "invoke", "StopService", "wmicimv2/Win32_Service?Name=Spooler", "@{}")) {
        ok(o.op == CLI_OP_INVOKE, "invoke op");
        ok_str("StopService", o.action);
        ok_str("wmicimv2/Win32_Service?Name=Spooler", o.resource);
        ok(o.input && o.input->count == 0, "invoke @{}");
        cli_opts_free(&o);
    }
    if (parse_ok(&o, "I", "Create", "wmicimv2/Win32_Process", "@{CommandLine=\"notepad.exe\"}")) {
        ok(o.op == CLI_OP_INVOKE && o.input && o.input->count == 1, "i with input");
        cli_opts_free(&o);
    }
    if (parse_ok(&o, "invoke", "Restore", "winrm/config/plugin")) {
        ok(o.op == CLI_OP_INVOKE && !o.input, "invoke without input");
        cli_opts_free(&o);
    }
    if (parse_ok(&o, "identify")) {
        ok(o.op == CLI_OP_IDENTIFY && !o.resource, "identify");
        cli_opts_free(&o);
    }
    if (parse_ok(&o, "ID", "-r:srv1", "-a:None")) {
        ok(o.op == CLI_OP_IDENTIFY && o.auth == CLI_AUTH_NONE && o.remote_count == 1, "id");
        cli_opts_free(&o);
    }
    static const char *const codes[] = {"0x80338012", "0X80338012", "2150858770",  "-2144108526",
                                        "5",          "4294967295", "-2147483648", "0xFFFFFFFF"};
    static const unsigned long values[] = {0x80338012ul, 0x80338012ul, 0x80338012ul, 0x80338012ul,
                                           5ul,          0xFFFFFFFFul, 0x80000000ul, 0xFFFFFFFFul};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        if (parse_ok(&o, "helpmsg", codes[i])) {
            ok(o.op == CLI_OP_HELPMSG, "helpmsg");
            ok_str(codes[i], o.helpmsg_code);
            ok(o.helpmsg_value == values[i], "helpmsg %s = 0x%lX (got 0x%lX)", codes[i], values[i],
               o.helpmsg_value);
            cli_opts_free(&o);
        }
    }
    if (parse_ok(&o, "exec", "-r:srv1", "-u:admin", "-p:pw", "--", "ipconfig", "/all", "-x", "--")) {
        ok(o.op == CLI_OP_EXEC && o.exec_argc == 4, "exec argc %d", o.exec_argc);
        ok_str("ipconfig", o.exec_argv[0]);
        ok_str("/all", o.exec_argv[1]);
        ok_str("-x", o.exec_argv[2]); /* after "--" nothing is a switch */
        ok_str("--", o.exec_argv[3]);
        ok(o.exec_argv[4] == NULL, "exec_argv is NULL-terminated");
        ok_str("pw", o.password);
        cli_opts_free(&o);
    }
    if (parse_ok(&o, "EXEC", "--", "hostname")) {
        ok(o.op == CLI_OP_EXEC && o.exec_argc == 1, "exec one word");
        cli_opts_free(&o);
    }
    /* Switches may come before the operation; "--" ends the switches of other operations too. */
    if (parse_ok(&o, "-r:srv1", "get", "winrm/config")) {
        ok(o.op == CLI_OP_GET && o.remote_count == 1, "switch before the operation");
        cli_opts_free(&o);
    }
    if (parse_ok(&o, "get", "--", "winrm/config")) {
        ok_str("winrm/config", o.resource);
        cli_opts_free(&o);
    }
    /* '&' between selectors becomes '+', the library's separator. */
    if (parse_ok(&o, "get", "wmicimv2/Win32_Service?Name=WinRM&SystemName=x")) {
        ok_str("wmicimv2/Win32_Service?Name=WinRM+SystemName=x", o.resource);
        cli_opts_free(&o);
    }
    /* cli_opts_free twice, and on a zeroed struct, is harmless. */
    memset(&o, 0, sizeof(o));
    cli_opts_free(&o);
    cli_opts_free(&o);
    cli_opts_free(NULL);
}

/* ---- every switch in every spelling ---- */

typedef int (*opts_check)(const struct cli_opts *o);

static int c_remote(const struct cli_opts *o)
{
    return o->remote_count == 1 && !strcmp(o->remotes[0], "srv.example.com") && !o->remotes[1];
}
static int c_username(const struct cli_opts *o)
{
    return o->username && !strcmp(o->username, "EXAMPLE\\bob");
}
static int c_password(const struct cli_opts *o)
{
    return o->password_given && o->password && !strcmp(o->password, "s3cret:x");
}
static int c_auth(const struct cli_opts *o)
{
    return o->auth == CLI_AUTH_KERBEROS;
}
static int c_cert(const struct cli_opts *o)
{
    return o->auth == CLI_AUTH_CERTIFICATE && o->cert_thumbprint &&
           !strcmp(o->cert_thumbprint, "0123456789abcdef0123456789abcdef01234567");
}
static int c_timeout(const struct cli_opts *o)
{
    return o->timeout_ms == 5000;
}
static int c_encoding(const struct cli_opts *o)
{
    return o->utf16 == 1;
}
static int c_format(const struct cli_opts *o)
{
    return o->format == CLI_FORMAT_PRETTY;
}
static int c_fragment(const struct cli_opts *o)
{
    return o->fragment && !strcmp(o->fragment, "Config/Text");
}
static int c_filter(const struct cli_opts *o)
{
    return o->filter && !strcmp(o->filter, "select * from Win32_Service where Name='WinRM'");
}
static int c_dialect(const struct cli_opts *o)
{
    return o->dialect && !strcmp(o->dialect, WSM_DIALECT_WQL) && o->filter;
}
static int c_return_type(const struct cli_opts *o)
{
    return o->return_type == CLI_RETURN_OBJECT_AND_EPR;
}
static int c_options(const struct cli_opts *o)
{
    return o->options && o->options->count == 2 && !strcmp(o->options->items[0].name, "a") &&
           !strcmp(o->options->items[0].value, "1") && !strcmp(o->options->items[1].value, "two words");
}
static int c_file(const struct cli_opts *o)
{
    return o->input_file && o->input_xml && !strcmp(o->input_xml, "<p:X xmlns:p=\"urn:x\"/>\n");
}
static int c_hosts(const struct cli_opts *o)
{
    return o->hosts_file && o->remote_count == 2 && !strcmp(o->remotes[0], "h1") &&
           !strcmp(o->remotes[1], "h2");
}
static int c_concurrency(const struct cli_opts *o)
{
    return o->concurrency == 8;
}
static int c_proxy_access(const struct cli_opts *o)
{
    return o->proxy_access == WSManProxyWinHttpConfig;
}
static int c_proxy_auth(const struct cli_opts *o)
{
    return o->proxy_auth == WSManFlagProxyAuthenticationUseBasic && o->proxy_access == WSManProxyIEConfig;
}
static int c_proxy_user(const struct cli_opts *o)
{
    return o->proxy_user && !strcmp(o->proxy_user, "pu");
}
static int c_proxy_password(const struct cli_opts *o)
{
    return o->proxy_password && !strcmp(o->proxy_password, "pp") && o->proxy_user;
}

static void test_switch_spellings(const char *xml_file, const char *hosts_file)
{
    const struct {
        const char *names[3];
        const char *value;
        opts_check check;
        const char *op, *resource;
        const char *extra[4]; /* other switches the case needs */
    } cases[] = {
        {{"r", "remote"}, "srv.example.com", c_remote, "get", "winrm/config", {NULL}},
        {{"u", "username"}, "EXAMPLE\\bob", c_username, "get", "winrm/config", {NULL}},
        {{"p", "password"}, "s3cret:x", c_password, "get", "winrm/config", {"-u:bob"}},
        {{"a", "authentication"}, "kerberos", c_auth, "get", "winrm/config", {NULL}},
        {{"c", "certificate"},
         "0123456789abcdef0123456789abcdef01234567",
         c_cert,
         "get",
         "winrm/config",
         {"-a:Certificate", "-usessl"}},
        {{"timeout"}, "5000", c_timeout, "identify", NULL, {NULL}},
        {{"encoding"}, "UTF-16", c_encoding, "get", "winrm/config", {NULL}},
        {{"format"}, "pretty", c_format, "get", "winrm/config", {NULL}},
        {{"fragment"}, "Config/Text", c_fragment, "get", "winrm/config", {NULL}},
        {{"filter"},
         "select * from Win32_Service where Name='WinRM'",
         c_filter,
         "enumerate",
         "wmicimv2/*",
         {NULL}},
        {{"dialect"}, "WQL", c_dialect, "enumerate", "wmicimv2/*", {"-filter:x"}},
        {{"returnType"}, "ObjectAndEPR", c_return_type, "enumerate", "wmicimv2/Win32_Service", {NULL}},
        {{"options"}, "{a=1;b=\"two words\"}", c_options, "get", "wmicimv2/Win32_Service", {NULL}},
        {{"file"}, xml_file, c_file, "create", "wmi/root/x/Thing", {NULL}},
        {{"hosts"}, hosts_file, c_hosts, "identify", NULL, {NULL}},
        {{"concurrency"}, "8", c_concurrency, "identify", NULL, {NULL}},
        /* a proxy needs HTTPS, and proxy credentials a proxy authentication mechanism */
        {{"proxyaccess"}, "WinHttp", c_proxy_access, "get", "winrm/config", {"-usessl"}},
        {{"proxyauth"}, "Basic", c_proxy_auth, "get", "winrm/config", {"-proxyaccess:ie", "-usessl"}},
        {{"proxyuser", "proxyusername"},
         "pu",
         c_proxy_user,
         "get",
         "winrm/config",
         {"-proxyaccess:ie", "-proxyauth:basic", "-r:https://srv"}},
        {{"proxypassword"},
         "pp",
         c_proxy_password,
         "get",
         "winrm/config",
         {"-proxyaccess:ie", "-proxyuser:u", "-proxyauth:negotiate", "-usessl"}},
    };
    static const char *const prefixes[] = {"-", "/", "--"};

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        for (int n = 0; n < 3 && cases[i].names[n]; n++) {
            for (int p = 0; p < 3; p++) {
                /* forms: -name:value, -name value, -NAME:value (case), and --name=value */
                for (int form = 0; form < 4; form++) {
                    const char *words[MAX_WORDS];
                    char sw[512], name[64];
                    struct cli_opts o;
                    int k = 0;

                    if (form == 3 && p != 2)
                        continue;
                    snprintf(name, sizeof(name), "%s", cases[i].names[n]);
                    if (form == 2)
                        for (char *c = name; *c; c++)
                            *c = (char)((c - name) % 2 ? tolower((unsigned char)*c)
                                                       : toupper((unsigned char)*c));
                    words[k++] = cases[i].op;
                    if (cases[i].resource)
                        words[k++] = cases[i].resource;
                    for (int e = 0; e < 4 && cases[i].extra[e]; e++)
                        words[k++] = cases[i].extra[e];
                    if (form == 1) {
                        snprintf(sw, sizeof(sw), "%s%s", prefixes[p], name);
                        words[k++] = sw;
                        words[k++] = cases[i].value;
                    } else {
                        snprintf(sw, sizeof(sw), "%s%s%s%s", prefixes[p], name, form == 3 ? "=" : ":",
                                 cases[i].value);
                        words[k++] = sw;
                    }
                    words[k] = NULL;
                    if (parse_ok_(__LINE__, &o, words)) {
                        ok(cases[i].check(&o), "%s (form %d): the option was not set", sw, form);
                        cli_opts_free(&o);
                    }
                }
            }
        }
    }
}

static void test_flags(void)
{
    const struct {
        const char *name;
        size_t offset;
        const char *op;
    } flags[] = {
        {"unencrypted", offsetof(struct cli_opts, unencrypted), "get"},
        {"usessl", offsetof(struct cli_opts, usessl), "get"},
        {"skipCAcheck", offsetof(struct cli_opts, skip_ca), "get"},
        {"skipCNcheck", offsetof(struct cli_opts, skip_cn), "get"},
        {"skipRevocationcheck", offsetof(struct cli_opts, skip_revocation), "get"},
        {"SPNPort", offsetof(struct cli_opts, spn_port), "get"},
        {"quiet", offsetof(struct cli_opts, quiet), "get"},
        {"shallow", offsetof(struct cli_opts, shallow), "enumerate"},
        {"basePropertiesOnly", offsetof(struct cli_opts, base_properties_only), "enumerate"},
        {"associations", offsetof(struct cli_opts, associations), "enumerate"},
    };
    static const char *const spellings[] = {"-%s",      "/%s",   "--%s",      "-%s:true", "/%s:TRUE",
                                            "--%s=yes", "-%s:1", "-%s:false", "--%s=off", "/%s:0"};

    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        for (size_t s = 0; s < sizeof(spellings) / sizeof(spellings[0]); s++) {
            char sw[128], upper[64];
            struct cli_opts o;
            int expect = s < 7;

            for (size_t c = 0; c <= strlen(flags[i].name); c++)
                upper[c] = (char)(s % 2 ? toupper((unsigned char)flags[i].name[c]) : flags[i].name[c]);
            snprintf(sw, sizeof(sw), spellings[s], upper);
            if (parse_ok(&o, flags[i].op, "wmicimv2/Win32_Service", sw)) {
                int got = *(const int *)((const char *)&o + flags[i].offset);
                ok(got == expect, "%s: expected %d, got %d", sw, expect, got);
                cli_opts_free(&o);
            }
        }
    }
}

/* Each value of the keyword switches. */
static void test_keywords(void)
{
    /* Basic and Digest over HTTP need -unencrypted; they and CredSSP need a user name and a password. */
    const struct {
        const char *sw;
        enum cli_auth auth;
        const char *extra[3];
    } auths[] = {
        {"-a:None", CLI_AUTH_NONE, {"-SPNPort:false", NULL, NULL}},
        {"-a:basic", CLI_AUTH_BASIC, {"-u:x", "-p:y", "-unencrypted"}},
        {"-a:DIGEST", CLI_AUTH_DIGEST, {"-u:x", "-p:y", "-usessl"}},
        {"-a:Negotiate", CLI_AUTH_NEGOTIATE, {"-SPNPort", NULL, NULL}},
        {"-a:kerberos", CLI_AUTH_KERBEROS, {"-SPNPort", NULL, NULL}},
        {"-a:credssp", CLI_AUTH_CREDSSP, {"-u:x", "-p:y", NULL}},
    };
    struct cli_opts o;

    for (size_t i = 0; i < sizeof(auths) / sizeof(auths[0]); i++) {
        const char *words[6] = {"identify", auths[i].sw};
        for (int k = 0; k < 3; k++)
            words[2 + k] = auths[i].extra[k];
        if (parse_ok_(__LINE__, &o, words)) {
            ok(o.auth == auths[i].auth, "%s: auth %d", auths[i].sw, o.auth);
            cli_opts_free(&o);
        }
    }
    const struct {
        const char *sw;
        int utf16;
    } encodings[] = {
        {"-encoding:utf-8", 0}, {"-encoding:UTF8", 0}, {"-encoding:utf-16", 1}, {"-encoding:Utf16", 1}};
    for (size_t i = 0; i < sizeof(encodings) / sizeof(encodings[0]); i++) {
        if (parse_ok(&o, "identify", encodings[i].sw)) {
            ok(o.utf16 == encodings[i].utf16, "%s", encodings[i].sw);
            cli_opts_free(&o);
        }
    }
    const struct {
        const char *sw;
        enum cli_format f;
    } formats[] = {{"-format:xml", CLI_FORMAT_XML},
                   {"-format:#pretty", CLI_FORMAT_PRETTY},
                   {"-format:Text", CLI_FORMAT_TEXT},
                   {"-format:PRETTY", CLI_FORMAT_PRETTY}};
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        if (parse_ok(&o, "get", "winrm/config", formats[i].sw)) {
            ok(o.format == formats[i].f, "%s", formats[i].sw);
            cli_opts_free(&o);
        }
    }
    const struct {
        const char *sw;
        enum cli_return_type t;
    } types[] = {{"-returnType:object", CLI_RETURN_OBJECT},
                 {"-returnType:EPR", CLI_RETURN_EPR},
                 {"-returntype:objectandepr", CLI_RETURN_OBJECT_AND_EPR}};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        if (parse_ok(&o, "enumerate", "wmicimv2/Win32_Service", types[i].sw)) {
            ok(o.return_type == types[i].t, "%s", types[i].sw);
            cli_opts_free(&o);
        }
    }
    const struct {
        const char *sw, *uri;
    } dialects[] = {
        {"-dialect:wql", WSM_DIALECT_WQL},
        {"-dialect:Selector", WSM_DIALECT_SELECTOR},
        {"-dialect:ASSOCIATION", WSM_DIALECT_ASSOCIATION},
        {"-dialect:xpath", WSM_DIALECT_XPATH},
        {"-dialect:cql", WSM_DIALECT_CQL},
        {"-dialect:http://example.com/my/dialect", "http://example.com/my/dialect"},
        {"-dialect:urn:x-dialect", "urn:x-dialect"},
    };
    for (size_t i = 0; i < sizeof(dialects) / sizeof(dialects[0]); i++) {
        if (parse_ok(&o, "e", "wmicimv2/*", "-filter:x", dialects[i].sw)) {
            ok_str(dialects[i].uri, o.dialect);
            cli_opts_free(&o);
        }
    }
    ok(!strcmp(WSM_DIALECT_WQL, "http://schemas.microsoft.com/wbem/wsman/1/WQL") &&
           !strcmp(WSM_DIALECT_SELECTOR, "http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter") &&
           !strcmp(WSM_DIALECT_ASSOCIATION,
                   "http://schemas.dmtf.org/wbem/wsman/1/cimbinding/associationFilter") &&
           !strcmp(WSM_DIALECT_XPATH, "http://www.w3.org/TR/1999/REC-xpath-19991116"),
       "dialect URIs");
    const struct {
        const char *sw;
        int v;
    } access[] = {{"-proxyaccess:ie", WSManProxyIEConfig},
                  {"-proxyaccess:WINHTTP", WSManProxyWinHttpConfig},
                  {"-proxyaccess:autodetect", WSManProxyAutoDetect},
                  {"-proxyaccess:None", WSManProxyNoProxyServer}};
    for (size_t i = 0; i < sizeof(access) / sizeof(access[0]); i++) {
        if (parse_ok(&o, "identify", access[i].sw, "-usessl")) {
            ok(o.proxy_access == access[i].v, "%s: %d", access[i].sw, o.proxy_access);
            cli_opts_free(&o);
        }
    }
    const struct {
        const char *sw;
        int v;
    } pauth[] = {{"-proxyauth:negotiate", WSManFlagProxyAuthenticationUseNegotiate},
                 {"-proxyauth:Basic", WSManFlagProxyAuthenticationUseBasic},
                 {"-proxyauth:DIGEST", WSManFlagProxyAuthenticationUseDigest}};
    for (size_t i = 0; i < sizeof(pauth) / sizeof(pauth[0]); i++) {
        if (parse_ok(&o, "identify", "-r:https://srv", "-proxyaccess:ie", pauth[i].sw)) {
            ok(o.proxy_auth == pauth[i].v, "%s: %d", pauth[i].sw, o.proxy_auth);
            cli_opts_free(&o);
        }
    }
    if (parse_ok(&o, "identify", "-concurrency:1")) {
        ok(o.concurrency == 1, "concurrency 1");
        cli_opts_free(&o);
    }
    if (parse_ok(&o, "identify", "-concurrency:1024", "-timeout:2147483647")) {
        ok(o.concurrency == 1024 && o.timeout_ms == 2147483647L, "maximum values");
        cli_opts_free(&o);
    }
    /* Empty passwords are allowed (-p: and -p ""); several -r add up, in order. */
    if (parse_ok(&o, "get", "winrm/config", "-u:bob", "-p:", "-r:h1", "-remote", "h2", "/R:h3",
                 "--remote=h4")) {
        ok(o.password_given && o.password && !*o.password, "empty password");
        ok(o.remote_count == 4 && !strcmp(o.remotes[0], "h1") && !strcmp(o.remotes[3], "h4") && !o.remotes[4],
           "four remotes");
        cli_opts_free(&o);
    }
    if (parse_ok(&o, "get", "winrm/config", "-u", "bob", "-p", "")) {
        ok(o.password_given && o.password && !*o.password, "empty password as the next word");
        cli_opts_free(&o);
    }
    /* The same switch twice with the same value is fine. */
    if (parse_ok(&o, "get", "winrm/config", "-a:Basic", "-a:basic", "-u:x", "-username:x", "-usessl",
                 "-usessl:true", "-timeout:5000", "-timeout", "5000")) {
        ok(o.auth == CLI_AUTH_BASIC && o.usessl && o.timeout_ms == 5000, "repeated equal switches");
        cli_opts_free(&o);
    }
    /* The value of a switch may start with '-' when it is the next word. */
    if (parse_ok(&o, "get", "winrm/config", "-u", "bob", "-p", "-dash-")) {
        ok_str("-dash-", o.password);
        cli_opts_free(&o);
    }
}

/* ---- help ---- */

static void test_help(void)
{
    const struct {
        const char *const *words;
        enum cli_op op;
    } cases[] = {
        {ARGS("--help"), CLI_OP_NONE},
        {ARGS("-?"), CLI_OP_NONE},
        {ARGS("/?"), CLI_OP_NONE},
        {ARGS("-help"), CLI_OP_NONE},
        {ARGS("/HELP"), CLI_OP_NONE},
        {ARGS("-h"), CLI_OP_NONE},
        {ARGS("help"), CLI_OP_NONE},
        {ARGS("HELP", "help"), CLI_OP_NONE},
        {ARGS("help", "get"), CLI_OP_GET},
        {ARGS("help", "e"), CLI_OP_ENUMERATE},
        {ARGS("help", "Invoke"), CLI_OP_INVOKE},
        {ARGS("get", "-?"), CLI_OP_GET},
        {ARGS("set", "/?"), CLI_OP_SET},
        {ARGS("exec", "--help"), CLI_OP_EXEC},
        {ARGS("-?", "delete"), CLI_OP_DELETE},
        {ARGS("get", "winrm/config", "-bogus", "-?"), CLI_OP_GET}, /* help wins over other mistakes */
        {ARGS("get", "-r", "srv", "--help"), CLI_OP_GET},
        {ARGS("-r", "srv", "identify", "-help"), CLI_OP_IDENTIFY},
        {ARGS("helpmsg", "-?"), CLI_OP_HELPMSG},
    };
    struct cli_opts o;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (parse_ok_(__LINE__, &o, cases[i].words)) {
            ok(o.help == 1 && o.op == cases[i].op, "help case %zu: help %d op %d", i, o.help, o.op);
            cli_opts_free(&o);
        }
    }
    parse_err("frob", "frob", "--help");
    parse_err("frob", "help", "frob");
    parse_err("extra", "help", "get", "extra");
}

/* ---- usage errors ---- */

static void test_errors(const char *xml_file)
{
    char *big = malloc(CLI_MAX_ARG + 2);

    parse_err("no operation", "-r:srv1");
    {
        struct cli_opts o;
        char *err = NULL;
        char *argv[] = {"wsmanctl", NULL};
        ok(cli_parse_args(1, argv, &o, &err) == CLI_EXIT_USAGE && err && strstr(err, "no operation"),
           "no arguments: %s", err ? err : "(none)");
        free(err);
    }
    {
        /* err may be NULL: the status alone */
        struct cli_opts o;
        char *argv[] = {"wsmanctl", "get", "winrm/config", "-bogus", NULL},
             *argv2[] = {"wsmanctl", "frob", NULL};
        ok(cli_parse_args(4, argv, &o, NULL) == CLI_EXIT_USAGE && !o.resource, "no err pointer");
        ok(cli_parse_args(2, argv2, &o, NULL) == CLI_EXIT_USAGE, "no err pointer");
    }
    parse_err("'frobnicate'", "frobnicate", "winrm/config");
    parse_err("'-bogus'", "get", "winrm/config", "-bogus");
    parse_err("'/Bogus'", "get", "winrm/config", "/Bogus:1");
    parse_err("'--bogus'", "get", "winrm/config", "--bogus=1");
    parse_err("'-'", "get", "winrm/config", "-");
    parse_err("-r needs a value", "get", "winrm/config", "-r");
    parse_err("-r needs a value", "get", "winrm/config", "-r:");
    parse_err("--remote needs a value", "get", "winrm/config", "--remote=");
    parse_err("-timeout needs a value", "get", "winrm/config", "-timeout", "--", "x");
    parse_err("-u needs a value", "get", "winrm/config", "-u:");
    /* missing and extra arguments */
    parse_err("get: missing the resource URI", "get");
    parse_err("delete: missing the resource URI", "d", "-r:srv1");
    parse_err("enumerate: missing the resource URI", "enum");
    parse_err("set: missing the resource URI", "set");
    parse_err("create: missing the resource URI", "create");
    parse_err("invoke: missing the method name", "invoke");
    parse_err("invoke: missing the resource URI", "invoke", "StopService");
    parse_err("'two'", "get", "winrm/config", "two");
    parse_err("'three'", "invoke", "A", "wmi/x", "@{}", "three");
    parse_err("'notahash'", "set", "winrm/config", "notahash");
    parse_err("'x'", "identify", "x");
    parse_err("helpmsg: missing the error code", "helpmsg");
    parse_err("'12abc'", "helpmsg", "12abc");
    parse_err("'0x123456789'", "helpmsg", "0x123456789");
    parse_err("'4294967296'", "helpmsg", "4294967296");
    parse_err("'-2147483649'", "helpmsg", "-2147483649");
    parse_err("'0x'", "helpmsg", "0x");
    parse_err("'2'", "helpmsg", "1", "2");
    parse_err("'a b'", "invoke", "a b", "wmi/x");
    parse_err("exec: missing the command", "exec", "-r:srv1");
    parse_err("exec: missing the command", "exec", "-r:srv1", "--");
    parse_err("'ipconfig'", "exec", "ipconfig");
    /* switches that do not apply */
    parse_err("-filter does not apply to get", "get", "winrm/config", "-filter:x");
    parse_err("-dialect does not apply to get", "get", "winrm/config", "-dialect:wql");
    parse_err("-file does not apply to get", "get", "winrm/config", "-file:x.xml");
    parse_err("-file does not apply to delete", "delete", "winrm/config", "-file:x.xml");
    parse_err("/Shallow does not apply to get", "get", "winrm/config", "/Shallow");
    parse_err("-returnType does not apply to invoke", "invoke", "A", "wmi/x", "-returnType:epr");
    parse_err("-associations does not apply to get", "get", "winrm/config", "-associations");
    parse_err("-fragment does not apply to enumerate", "enumerate", "wmi/x", "-fragment:a");
    parse_err("-options does not apply to identify", "identify", "-options:{a=1}");
    parse_err("-r does not apply to helpmsg", "helpmsg", "5", "-r:srv1");
    parse_err("-format does not apply to exec", "exec", "-format:xml", "--", "dir");
    /* input */
    parse_err("-file and @{...}", "set", "winrm/config", "@{a=1}", "-file", xml_file);
    parse_err("set: no input", "set", "winrm/config/client");
    parse_err("expected '=' after 'Name'", "set", "winrm/config", "@{Name}");
    parse_err("at offset", "create", "wmi/x", "@{a=\"x}");
    parse_err("-file: cannot read", "create", "wmi/x", "-file:/nonexistent/dir/x.xml");
    parse_err("/nonexistent/dir/x.xml", "create", "wmi/x", "-file:/nonexistent/dir/x.xml");
    /* authentication */
    parse_err("-u does not apply with -a:Certificate", "get", "winrm/config", "-a:Certificate", "-c:" TP,
              "-u:bob");
    parse_err("-p does not apply with -a:certificate", "get", "winrm/config", "-a:certificate", "-c:" TP,
              "-p:x");
    parse_err("-a:Certificate needs -c", "get", "winrm/config", "-a:Certificate");
    parse_err("-c (a client certificate) needs -a:Certificate", "get", "winrm/config", "-c:" TP);
    parse_err("-c (a client certificate) needs -a:Certificate, not -a:Basic", "get", "winrm/config", "-c:" TP,
              "-a:Basic");
    parse_err("-p needs -u", "get", "winrm/config", "-p:secret");
    parse_err("'Magic'", "get", "winrm/config", "-a:Magic");
    /* a thumbprint is 40 hexadecimal digits (blanks between them allowed), as the library takes it */
    parse_err("-c: '0011' is not a certificate thumbprint", "get", "winrm/config", "-a:Certificate",
              "-c:0011");
    parse_err("'" TP "0' is not a certificate thumbprint", "get", "winrm/config", "-c:" TP "0");
    parse_err("'0123456789abcdef0123456789abcdef0123456g'", "get", "winrm/config",
              "-c:0123456789abcdef0123456789abcdef0123456g");
    {
        struct cli_opts o;
        if (parse_ok(&o, "get", "winrm/config", "-a:Certificate", "-usessl",
                     "-c:01 23 45 67 89 ab cd ef 01 23 45 67 89 AB CD EF 01 23 45 67")) {
            ok(o.cert_thumbprint && o.auth == CLI_AUTH_CERTIFICATE, "a thumbprint with blanks");
            cli_opts_free(&o);
        }
    }
    /* TLS */
    parse_err("'http://srv1'", "get", "winrm/config", "-usessl", "-r:http://srv1");
    parse_err("'HTTP://srv1:80'", "get", "winrm/config", "-r:HTTP://srv1:80", "/UseSSL");
    parse_err("-usessl does not take a value", "get", "winrm/config", "-usessl:maybe");
    parse_err("'maybe'", "get", "winrm/config", "-usessl:maybe");
    parse_err("--quiet does not take a value", "get", "winrm/config", "--quiet=loud");
    /* values */
    parse_err("'0'", "identify", "-timeout:0");
    parse_err("'-5'", "identify", "-timeout:-5");
    parse_err("'5s'", "identify", "-timeout:5s");
    parse_err("'2147483648'", "identify", "-timeout:2147483648");
    parse_err("'0'", "identify", "-concurrency:0");
    parse_err("'1025'", "identify", "-concurrency:1025");
    parse_err("'x'", "identify", "-concurrency:x");
    parse_err("'latin1'", "identify", "-encoding:latin1");
    parse_err("'json'", "get", "winrm/config", "-format:json");
    parse_err("'objects'", "enumerate", "wmi/x", "-returnType:objects");
    parse_err("'sql'", "enumerate", "wmi/x", "-filter:x", "-dialect:sql");
    parse_err("'not a uri'", "enumerate", "wmi/x", "-filter:x", "-dialect:not a uri");
    parse_err("-dialect needs -filter", "enumerate", "wmi/x", "-dialect:wql");
    parse_err("-shallow and -basePropertiesOnly", "enumerate", "wmi/x", "-shallow", "-basePropertiesOnly");
    parse_err("'squid'", "identify", "-proxyaccess:squid");
    parse_err("'ntlm'", "identify", "-proxyaccess:ie", "-proxyauth:ntlm");
    parse_err("-proxyauth needs -proxyaccess", "identify", "-proxyauth:basic");
    parse_err("-proxyuser needs -proxyaccess", "identify", "-proxyuser:u");
    parse_err("-proxypassword needs -proxyuser", "identify", "-proxyaccess:ie", "-proxypassword:p");
    parse_err("-options: @{...}: expected '=' after 'a'", "get", "wmi/x", "-options:{a}");
    parse_err("'n'", "get", "wmi/x", "-options:{n=@{a=1}}");
    parse_err("'z'", "get", "wmi/x", "-options:{z=$null}");
    /* the same switch with different values */
    parse_err("-a is given twice", "get", "winrm/config", "-a:Basic", "-a:Kerberos");
    parse_err("-username is given twice", "get", "winrm/config", "-u:bob", "-username:alice");
    parse_err("-usessl is given twice", "get", "winrm/config", "-usessl", "-usessl:false");
    parse_err("-format is given twice", "get", "winrm/config", "-format:xml", "-format:text");
    parse_err("-hosts is given twice", "identify", "-hosts:a", "-hosts:b");
    {
        /* a repeated password is named, its values never shown */
        struct cli_opts o;
        char *err = NULL, shown[256];
        int rc = run(&o, &err, ARGS("get", "winrm/config", "-u:bob", "-p:hunter2", "-p:swordfish"), shown,
                     sizeof(shown));
        ok(rc == CLI_EXIT_USAGE && err && strstr(err, "-p is given twice"), "repeated -p: %s",
           err ? err : "");
        ok(err && !strstr(err, "hunter2") && !strstr(err, "swordfish"), "a password in a message: %s",
           err ? err : "");
        free(err);
        rc = run(&o, &err,
                 ARGS("identify", "-proxyaccess:ie", "-proxyuser:u", "-proxypassword:hunter2",
                      "-proxypassword:swordfish"),
                 shown, sizeof(shown));
        ok(rc == CLI_EXIT_USAGE && err && !strstr(err, "hunter2") && strstr(err, "-proxypassword"),
           "repeated -proxypassword: %s", err ? err : "");
        free(err);
    }
    /* an argument over 1 MiB */
    if (big) {
        memset(big, 'a', CLI_MAX_ARG + 1);
        big[CLI_MAX_ARG + 1] = '\0';
        parse_err("argument 2 is longer than 1 MiB", "get", big);
        big[CLI_MAX_ARG] = '\0'; /* exactly 1 MiB: accepted (it is a valid resource URI) */
        {
            struct cli_opts o;
            if (parse_ok(&o, "get", big))
                cli_opts_free(&o);
        }
        free(big);
    }
}

/* ---- a switch given twice ---- */

/* Every duplicate-checked switch: two different values are an error that quotes both as they were typed (not
 * their canonical forms: '#xml', not '1'), and the same value twice (in another spelling) is not. */
static void test_duplicates(void)
{
    static const struct {
        const char *op, *resource;
        const char *first, *second; /* the two words */
        const char *message;        /* what the error must say */
    } cases[] = {
        {"get", "winrm/config", "-a:basic", "-a:digest",
         "-a is given twice with different values ('basic', then 'digest')"},
        {"get", "winrm/config", "/A:Basic", "--authentication=DIGEST",
         "--authentication is given twice with different values ('Basic', then 'DIGEST')"},
        {"get", "winrm/config", "-timeout:5000", "-timeout:0100", "('5000', then '0100')"},
        {"get", "winrm/config", "-encoding:utf8", "-encoding:UTF-16", "('utf8', then 'UTF-16')"},
        {"get", "winrm/config", "-u:bob", "-username:alice",
         "-username is given twice with different values ('bob', then 'alice')"},
        {"get", "winrm/config", "-c:" TP, "-c:ffffffffffffffffffffffffffffffffffffffff",
         "('" TP "', then 'ffffffffffffffffffffffffffffffffffffffff')"},
        {"get", "winrm/config", "-fragment:a", "-fragment:b", "('a', then 'b')"},
        {"get", "winrm/config", "-options:{a=1}", "-options:{a=2}", "('{a=1}', then '{a=2}')"},
        {"create", "wmi/x", "-file:x.xml", "-file:y.xml", "('x.xml', then 'y.xml')"},
        {"enumerate", "wmi/x", "-filter:a", "-filter:b", "('a', then 'b')"},
        {"enumerate", "wmi/x", "-dialect:wql", "-dialect:XPath",
         "-dialect is given twice with different values ('wql', then 'XPath')"},
        {"enumerate", "wmi/x", "-returnType:epr", "-returnType:Object", "('epr', then 'Object')"},
        {"get", "winrm/config", "-format:#xml", "-format:TEXT",
         "-format is given twice with different values ('#xml', then 'TEXT')"},
        {"identify", NULL, "-hosts:a", "-hosts:b", "('a', then 'b')"},
        {"identify", NULL, "-concurrency:8", "-concurrency:9", "('8', then '9')"},
        {"identify", NULL, "-proxyaccess:ie", "-proxyaccess:WinHttp", "('ie', then 'WinHttp')"},
        {"identify", NULL, "-proxyauth:basic", "-proxyauth:Negotiate", "('basic', then 'Negotiate')"},
        {"identify", NULL, "-proxyuser:u1", "-proxyusername:u2",
         "-proxyusername is given twice with different values ('u1', then 'u2')"},
        {"get", "winrm/config", "-usessl", "-usessl:false",
         "-usessl is given twice with different values ('-usessl', then '-usessl:false')"},
        {"get", "winrm/config", "/unencrypted:yes", "--unencrypted=no",
         "--unencrypted is given twice with different values ('/unencrypted:yes', then '--unencrypted=no')"},
        {"get", "winrm/config", "-SPNPort:1", "-spnport:off", "('-SPNPort:1', then '-spnport:off')"},
        {"get", "winrm/config", "-skipCAcheck", "-skipCAcheck:0", "('-skipCAcheck', then '-skipCAcheck:0')"},
        {"get", "winrm/config", "-skipCNcheck:no", "-skipCNcheck",
         "('-skipCNcheck:no', then '-skipCNcheck')"},
        {"get", "winrm/config", "-skipRevocationcheck", "-skipRevocationcheck:false",
         "('-skipRevocationcheck', then"},
        {"get", "winrm/config", "-quiet", "-quiet:false", "('-quiet', then '-quiet:false')"},
        {"enumerate", "wmi/x", "-shallow", "-shallow:no", "('-shallow', then '-shallow:no')"},
        {"enumerate", "wmi/x", "-basePropertiesOnly", "-basePropertiesOnly:0",
         "('-basePropertiesOnly', then"},
        {"enumerate", "wmi/x", "-associations:on", "-associations:off",
         "('-associations:on', then '-associations:off')"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *words[6];
        int k = 0;
        words[k++] = cases[i].op;
        if (cases[i].resource)
            words[k++] = cases[i].resource;
        words[k++] = cases[i].first;
        words[k++] = cases[i].second;
        words[k] = NULL;
        if (cases[i].message) {
            parse_err_(__LINE__, cases[i].message, words);
        } else {
            struct cli_opts o;
            if (parse_ok_(__LINE__, &o, words))
                cli_opts_free(&o);
        }
    }
    /* The first value given as the next word is quoted as typed too. */
    parse_err("-a is given twice with different values ('basic', then 'Digest')", "get", "winrm/config", "-a",
              "basic", "-a:Digest");
    /* Equal values in other spellings are no contradiction: the canonical forms are compared. */
    {
        struct cli_opts o;
        if (parse_ok(&o, "enumerate", "wmi/x", "-filter:f", "-dialect:wql", "-dialect:" WSM_DIALECT_WQL,
                     "-format:#xml", "-format:XML", "-encoding:utf-16", "-encoding:UTF16", "-timeout:0100",
                     "-timeout:100", "-shallow", "-shallow:yes"))
            cli_opts_free(&o);
    }
}

/* ---- switches that contradict each other ---- */

/* What the library would refuse (CreateSession, SetProxy, the client policy) when the switches alone show it:
 * a usage error naming both switches as they were typed. */
static void test_contradictions(void)
{
    struct cli_opts o;
    static const char mixed[] = "srv1\nhttps://srv2:5986\n";
    char *hosts = write_file("mixed-hosts", mixed, strlen(mixed));

    /* -unencrypted with HTTPS */
    parse_err("-unencrypted cannot be used with -usessl: HTTPS is always encrypted", "get", "winrm/config",
              "-unencrypted", "-usessl");
    parse_err("/UNENCRYPTED cannot be used with --usessl=yes", "get", "winrm/config", "/UNENCRYPTED",
              "--usessl=yes");
    parse_err("-unencrypted cannot be used with the -r remote 'https://srv:5986'", "identify",
              "-r:https://srv:5986", "-unencrypted");
    parse_err("-unencrypted:true cannot be used with the --remote remote 'HTTPS://srv'", "identify",
              "--remote=HTTPS://srv", "-unencrypted:true");
    parse_err("the -r remote 'https://b'", "identify", "-r:http://a", "-r:https://b", "-unencrypted");
    parse_err("-unencrypted cannot be used with the remote 'https://srv2:5986' in -hosts:", "identify",
              "-hosts", hosts, "-unencrypted");
    if (parse_ok(&o, "identify", "-r:http://a", "-r:b", "-unencrypted", "-usessl:false"))
        cli_opts_free(&o);
    /* -a:None takes no credentials */
    parse_err("-u cannot be used with -a:none, which sends no credentials", "identify", "-a:none", "-u:bob",
              "-p:x");
    parse_err("--password cannot be used with -a:None", "identify", "-a:None", "--password=x");
    /* -SPNPort is for Negotiate and Kerberos (and the default, which is one of them) */
    parse_err("-SPNPort cannot be used with -a:basic", "identify", "-a:basic", "-u:x", "-p:y", "-usessl",
              "-SPNPort");
    parse_err("/spnport:on cannot be used with -a:None", "identify", "/spnport:on", "-a:None");
    parse_err("-SPNPort cannot be used with -a:Certificate", "identify", "-a:Certificate", "-c:" TP,
              "-usessl", "-SPNPort");
    if (parse_ok(&o, "identify", "-SPNPort"))
        cli_opts_free(&o);
    if (parse_ok(&o, "identify", "-SPNPort", "-a:negotiate", "-r:srv"))
        cli_opts_free(&o);
    /* client certificates need HTTPS */
    parse_err("-a:Certificate needs HTTPS, but the default remote localhost is HTTP", "identify",
              "-a:Certificate", "-c:" TP);
    parse_err("-a:certificate needs HTTPS, but the -r remote 'http://srv' is HTTP", "identify",
              "-a:certificate", "-c:" TP, "-r:http://srv");
    parse_err("the remote 'srv1' in -hosts:", "identify", "-a:Certificate", "-c:" TP, "-r:https://x",
              "-hosts", hosts);
    if (parse_ok(&o, "identify", "-a:Certificate", "-c:" TP, "-r:srv", "-usessl"))
        cli_opts_free(&o);
    if (parse_ok(&o, "identify", "-a:Certificate", "-c:" TP, "-r:HTTPS://srv"))
        cli_opts_free(&o);
    /* Basic, Digest and CredSSP need a user name and a (non-empty) password */
    parse_err("-a:Basic needs -u:USER and a password", "identify", "-a:Basic", "-usessl");
    parse_err("-a:digest needs -u:USER", "identify", "-a:digest", "-unencrypted");
    parse_err("--authentication=CredSSP needs -u:USER", "identify", "--authentication=CredSSP");
    parse_err("-a:basic needs a password, but -p is empty", "identify", "-a:basic", "-u:x", "-p:", "-usessl");
    parse_err("-a:credssp needs a password, but --password is empty", "identify", "-a:credssp", "-u:x",
              "--password=");
    if (parse_ok(&o, "identify", "-a:basic", "-u:x", "-usessl")) /* the password is asked for */
        cli_opts_free(&o);
    if (parse_ok(&o, "identify", "-a:negotiate", "-u:x", "-p:")) /* Negotiate takes an empty password */
        cli_opts_free(&o);
    /* Basic and Digest over HTTP need -unencrypted (the library's client policy, before anything is sent) */
    parse_err("-a:basic over HTTP needs -unencrypted (the -r remote 'srv' is HTTP", "identify", "-a:basic",
              "-u:x", "-p:y", "-r:srv");
    parse_err("-a:Digest over HTTP needs -unencrypted (the default remote localhost is HTTP", "identify",
              "-a:Digest", "-u:x", "-p:y");
    parse_err("(the remote 'srv1' in -hosts:", "identify", "-a:basic", "-u:x", "-p:y", "-hosts", hosts);
    if (parse_ok(&o, "identify", "-a:basic", "-u:x", "-p:y", "-r:srv", "-unencrypted"))
        cli_opts_free(&o);
    /* the proxy: HTTPS only, not with Kerberos or CredSSP, credentials with a mechanism, none takes nothing
     */
    parse_err("-proxyaccess:ie needs HTTPS, but the -r remote 'srv' is HTTP", "identify", "-r:srv",
              "-proxyaccess:ie");
    parse_err("-proxyaccess:autodetect needs HTTPS, but the default remote localhost is HTTP", "identify",
              "-proxyaccess:autodetect");
    parse_err("-proxyaccess:winhttp cannot be used with -a:Kerberos", "identify", "-usessl",
              "-proxyaccess:winhttp", "-a:Kerberos");
    parse_err("-proxyaccess:ie cannot be used with -a:CredSSP", "identify", "-usessl", "-proxyaccess:ie",
              "-a:CredSSP", "-u:x", "-p:y");
    parse_err("-proxyauth:basic cannot be used with -proxyaccess:none", "identify", "-usessl",
              "-proxyaccess:none", "-proxyauth:basic");
    parse_err("-proxyuser cannot be used with -proxyaccess:None", "identify", "-proxyaccess:None",
              "-proxyuser:u");
    parse_err("-proxyuser needs -proxyauth", "identify", "-usessl", "-proxyaccess:ie", "-proxyuser:u");
    if (parse_ok(&o, "identify", "-proxyaccess:none", "-a:Kerberos")) /* no proxy: nothing to refuse */
        cli_opts_free(&o);
    if (parse_ok(&o, "identify", "-usessl", "-proxyaccess:ie", "-proxyauth:digest", "-proxyuser:u",
                 "-proxypassword:p", "-a:negotiate"))
        cli_opts_free(&o);
    /* -usessl with an http:// remote (also from -hosts) */
    parse_err("-usessl cannot be used with the -r remote 'http://srv1', which is http://", "identify",
              "-usessl", "-r:http://srv1");
    free(hosts);
}

/* ---- the library's texts in the CLI's words ---- */

/* Names of the API that a wsmanctl user never typed and must not read. */
static const char *api_name_in(const char *text)
{
    static const char *const names[] = {"SessionFlag",        "WSManFlag",          "EnumerationFlag",
                                        "ProxyIEConfig",      "ProxyWinHttpConfig", "ProxyAutoDetect",
                                        "ProxyNoProxyServer", "ConnectionOptions",  "connection string",
                                        "Session.Timeout",    "WSMan.Create"};
    for (size_t i = 0; text && i < sizeof(names) / sizeof(names[0]); i++)
        if (strstr(text, names[i]))
            return names[i];
    return NULL;
}

#define words_is(hr, text, want) words_is_(__LINE__, hr, text, want)
static void words_is_(int line, HRESULT hr, const char *text, const char *want)
{
    char *got = cli_words(hr, text);

    test_check(got && !strcmp(got, want), __FILE__, line,
               "0x%08X \"%s\":\n  expected \"%s\"\n  got      \"%s\"", (unsigned)hr, text, want,
               got ? got : "(null)");
    free(got);
}

/* A session the parser would refuse, opened anyway: the library's refusal, as wsmanctl prints it, names the
 * switches. */
static void session_line(int line, IWSManEx3 *wsman, struct cli_opts *o, const char *remote, HRESULT want_hr,
                         const char *want)
{
    struct cli_failure f = {0};
    IWSManSession *s = NULL;
    HRESULT hr = cli_session_open(wsman, o, remote, &s, &f);
    char *text = NULL;

    if (SUCCEEDED(hr)) { /* the client policy: refused by the first operation, before anything is sent */
        BSTR out = NULL;
        hr = IWSManSession_Identify(s, 0, &out);
        SysFreeString(out);
        if (FAILED(hr))
            cli_failure_set(&f, hr, (IUnknown *)s);
        IWSManSession_Release(s);
    }
    text = FAILED(hr) ? cli_failure_line(&f) : NULL;
    test_check(hr == want_hr && text && strstr(text, want) && !api_name_in(text), __FILE__, line,
               "0x%08X (expected 0x%08X): \"%s\" should name \"%s\" and no API name", (unsigned)hr,
               (unsigned)want_hr, text ? text : "(none)", want);
    free(text);
    cli_failure_clear(&f);
}

static void test_cli_words(void)
{
    struct cli_failure f = {0};
    IWSManEx3 *wsman = NULL;
    struct cli_opts o;
    char *cfg;

    /* the codes whose text is all about flags: a sentence of the CLI's own */
    words_is((HRESULT)0x803380D7u, "anything",
             "-unencrypted applies to HTTP only: HTTPS (-usessl or an https:// "
             "remote) is always encrypted.");
    words_is((HRESULT)0x803380ABu, NULL,
             "-a:None sends no credentials: leave out -u, -p and -c, or choose another -a.");
    words_is((HRESULT)0x803380AEu, "",
             "-SPNPort can be used only with -a:Negotiate or -a:Kerberos (or without -a).");
    /* phrases */
    words_is(
        (HRESULT)0x803380DEu,
        "SessionFlagNoEncryption asks for unencrypted HTTP, but the client configuration does not allow "
        "unencrypted traffic: use HTTPS, or set AllowUnencrypted = true in /etc/wsmauto/client.conf.",
        "-unencrypted asks for unencrypted HTTP, but the client configuration does not allow unencrypted "
        "traffic: use HTTPS, or set AllowUnencrypted = true in /etc/wsmauto/client.conf.");
    words_is(
        (HRESULT)0x803380DEu,
        "Basic authentication cannot encrypt HTTP messages, so the credentials and the data would travel "
        "unencrypted: use HTTPS, or set SessionFlagNoEncryption and AllowUnencrypted = true in x.",
        "Basic authentication cannot encrypt HTTP messages, so the credentials and the data would travel "
        "unencrypted: use HTTPS, or give -unencrypted and set AllowUnencrypted = true in x.");
    words_is(
        (HRESULT)0x803380E5u,
        "Negotiate authentication with the current user's (implicit) credentials is only used with hosts in "
        "TrustedHosts or with SessionFlagAllowNegotiateImplicitCredentials; \"h\" is not one: give a user "
        "name and password, use Kerberos, or add the host to TrustedHosts in the client configuration.",
        "Negotiate authentication with the current user's (implicit) credentials is only used with hosts in "
        "TrustedHosts; \"h\" is not one: give -u:USER and -p:PASSWORD, use -a:Kerberos, or add the host to "
        "TrustedHosts in the client configuration.");
    words_is(E_NOTIMPL,
             "CredSSP authentication is not available in this build yet. Use Negotiate or Kerberos "
             "(SessionFlagUseNegotiate, SessionFlagUseKerberos), which also encrypt over HTTP.",
             "CredSSP authentication is not available in this build yet. Use Negotiate or Kerberos "
             "(-a:Negotiate, -a:Kerberos), which also encrypt over HTTP.");
    words_is(
        (HRESULT)0x80338012u,
        "The server at http://h:5985/wsman answered the unencrypted request with HTTP 500 and no body: it "
        "most likely requires message encryption. Do not set SessionFlagNoEncryption, or use HTTPS.",
        "The server at http://h:5985/wsman answered the unencrypted request with HTTP 500 and no body: it "
        "most likely requires message encryption. Do not give -unencrypted, or use HTTPS.");
    words_is((HRESULT)0x803381BEu,
             "WSManFlagUseSsl cannot be combined with the http transport named in \"http://h\".",
             "-usessl cannot be combined with the http transport named in \"http://h\".");
    words_is((HRESULT)0x80338000u, "Check the port and the URL prefix in the connection string.",
             "Check the port and the URL prefix in the remote (-r).");
    words_is((HRESULT)0x8033819Du,
             "ProxyNoProxyServer takes no proxy authentication mechanism or credentials.",
             "-proxyaccess:none takes no proxy authentication mechanism or credentials.");
    words_is((HRESULT)0x8033819Cu, "(1) ProxyIEConfig, WSManProxyWinHttpConfig; ProxyAutoDetect.",
             "(1) -proxyaccess:ie, -proxyaccess:winhttp; -proxyaccess:autodetect.");
    words_is((HRESULT)0x803380ACu, "SessionFlagUTF8 and SessionFlagUTF16 cannot be used together.",
             "-encoding:utf-8 and -encoding:utf-16 cannot be used together.");
    words_is(
        (HRESULT)0x80338001u,
        "Give at most one of EnumerationFlagHierarchyShallow and EnumerationFlagHierarchyDeepBasePropsOnly, "
        "WSManFlagReturnEPR or WSManFlagReturnObjectAndEPR; WSManFlagAssociationInstance.",
        "Give at most one of -shallow and -basePropertiesOnly, -returnType:epr or -returnType:objectandepr; "
        "-associations.");
    words_is((HRESULT)0x80338001u, "WSManFlagUseCredSsp, SessionFlagUseCREDSSP, WSManFlagSkipCACheck.",
             "-a:CredSSP, -a:CredSSP, -skipCAcheck.");
    /* only whole names: a longer word, or an unknown flag, stays */
    words_is((HRESULT)0x80338001u, "XSessionFlagNoEncryption SessionFlagNoEncryptionX SessionFlagFrobnicate.",
             "XSessionFlagNoEncryption SessionFlagNoEncryptionX SessionFlagFrobnicate.");
    words_is((HRESULT)0x80338001u, "Nothing to change here: Proxy settings, Kerberos.",
             "Nothing to change here: Proxy settings, Kerberos.");
    ok(cli_words((HRESULT)0x80338001u, NULL) == NULL, "NULL text");
    {
        /* The library's detail texts that name its API (src/core/config/sessioncfg.c, connstr.c, clientcfg.c,
         * client.c, auth/handshake.c, src/com/session.c), under a code without a sentence of its own: none is
         * left naming the API. */
        static const char *const details[] = {
            "The proxy access type 16 is not one of ProxyIEConfig (1), ProxyWinHttpConfig (2), "
            "ProxyAutoDetect "
            "(4) or ProxyNoProxyServer (8).",
            "ProxyNoProxyServer takes no proxy authentication mechanism or credentials.",
            "SessionFlagUTF8 and SessionFlagUTF16 cannot be used together.",
            "A local session (empty connection string) takes no credentials.",
            "A local session (empty connection string) takes no connection options.",
            "Credentials were given together with SessionFlagUseNoAuthentication.",
            "SessionFlagEnableSPNServerPort needs Negotiate or Kerberos authentication.",
            "SessionFlagUseClientCertificate cannot be combined with SessionFlagCredUsernamePassword.",
            "SessionFlagUseClientCertificate needs ConnectionOptions.CertificateThumbprint.",
            "A certificate thumbprint was given without SessionFlagUseClientCertificate.",
            "SessionFlagCredUsernamePassword was given but ConnectionOptions has no user name.",
            "Credentials were given without SessionFlagCredUsernamePassword.",
            "SessionFlagNoEncryption applies to HTTP only; HTTPS is always encrypted.",
            "SessionFlagAllowNegotiateImplicitCredentials can only be used over HTTPS.",
            "The connection string contains only white space.",
            "The connection string \"x \" begins or ends with white space.",
            "The connection string \"://x\" has \"://\" without a transport before it.",
            "WSManFlagUseSsl cannot be combined with the http transport named in \"http://x\".",
            "The brackets \"[]\" in the connection string contain no IPv6 address.",
            "The connection string \"x:\" has no host name.",
            "The connection string has a ':' but no port number after it.",
            "Negotiate authentication is disabled in the client configuration (it is the default when no "
            "authentication flag is given): to use it, set Negotiate = true in x.",
            "The server at x did not accept the encrypted message (HTTP 400): it does not seem to support "
            "WinRM "
            "message encryption. Use HTTPS, or SessionFlagNoEncryption if the service allows unencrypted "
            "traffic.",
            "Session.Timeout must be at least 1 (0 was given).",
        };
        for (size_t i = 0; i < sizeof(details) / sizeof(details[0]); i++) {
            char *w = cli_words((HRESULT)0x80338001u, details[i]);
            ok(w && !api_name_in(w), "\"%s\" became \"%s\"", details[i], w ? w : "(null)");
            free(w);
        }
    }

    /* Every message of the library's WinRM codes, as helpmsg prints it. */
    CoInitializeEx(NULL, COINIT_MULTITHREADED);
    if (!ok(SUCCEEDED(cli_wsman_create(&wsman, &f)), "CoCreateInstance(WSMan): %s", f.text ? f.text : "")) {
        cli_failure_clear(&f);
        CoUninitialize();
        return;
    }
    for (unsigned long code = 0x80338000ul; code <= 0x803381FFul; code++) {
        BSTR b = NULL;
        char *msg, *worded;
        if (FAILED(IWSManEx3_GetErrorMessage(wsman, (DWORD)code, &b)))
            continue;
        msg = cli_utf8_from_olestr(b);
        worded = cli_words((HRESULT)code, msg);
        ok(worded && !api_name_in(worded), "helpmsg 0x%08lX: \"%s\" names %s", code,
           worded ? worded : "(null)", worded ? api_name_in(worded) : "");
        free(worded);
        free(msg);
        SysFreeString(b);
    }

    /* The library's own refusals, with what the parser would have refused let through. */
    memset(&o, 0, sizeof(o));
    o.timeout_ms = -1;
    o.unencrypted = 1;
    o.usessl = 1;
    session_line(__LINE__, wsman, &o, "srv", (HRESULT)0x803380D7u, "-unencrypted applies to HTTP only");
    memset(&o, 0, sizeof(o));
    o.auth = CLI_AUTH_NONE;
    o.username = "bob";
    o.password = "pw";
    session_line(__LINE__, wsman, &o, "srv", (HRESULT)0x803380ABu, "-a:None sends no credentials");
    memset(&o, 0, sizeof(o));
    o.auth = CLI_AUTH_BASIC;
    o.username = "bob";
    o.password = "pw";
    o.spn_port = 1;
    session_line(__LINE__, wsman, &o, "https://srv", (HRESULT)0x803380AEu, "-SPNPort can be used only with");
    memset(&o, 0, sizeof(o));
    o.auth = CLI_AUTH_CERTIFICATE;
    o.usessl = 1;
    session_line(__LINE__, wsman, &o, "srv", (HRESULT)0x803380B4u, "-a:Certificate needs -c:THUMBPRINT");
    memset(&o, 0, sizeof(o));
    o.auth = CLI_AUTH_CERTIFICATE;
    o.usessl = 1;
    o.username = "bob";
    o.cert_thumbprint = TP;
    session_line(__LINE__, wsman, &o, "srv", (HRESULT)0x80338157u, "-a:Certificate takes no -u or -p");
    memset(&o, 0, sizeof(o));
    o.cert_thumbprint = TP;
    session_line(__LINE__, wsman, &o, "https://srv", (HRESULT)0x80338156u, "-c (a client certificate) needs");
    memset(&o, 0, sizeof(o));
    o.proxy_access = WSManProxyNoProxyServer;
    o.proxy_auth = WSManFlagProxyAuthenticationUseBasic;
    session_line(__LINE__, wsman, &o, "https://srv", (HRESULT)0x8033819Du,
                 "-proxyaccess:none takes no proxy");
    /* the client policy: -unencrypted that the configuration does not allow (refused before any connection)
     */
    cfg = write_file("strict.conf", "[Client]\nAllowUnencrypted = false\n", 34);
    setenv("WSMAUTO_CLIENT_CONFIG", cfg, 1);
    memset(&o, 0, sizeof(o));
    o.auth = CLI_AUTH_BASIC;
    o.username = "bob";
    o.password = "pw";
    o.unencrypted = 1;
    session_line(__LINE__, wsman, &o, "http://127.0.0.1:1", (HRESULT)0x803380DEu,
                 "-unencrypted asks for unencrypted HTTP");
    memset(&o, 0, sizeof(o));
    o.auth = CLI_AUTH_DIGEST;
    o.username = "bob";
    o.password = "pw";
    session_line(__LINE__, wsman, &o, "http://127.0.0.1:1", (HRESULT)0x803380DEu,
                 "give -unencrypted and set AllowUnencrypted");
    unsetenv("WSMAUTO_CLIENT_CONFIG");
    free(cfg);
    IWSManEx3_Release(wsman);
    cli_failure_clear(&f);
    CoUninitialize();
}

/* ---- remotes ---- */

static void test_remotes(void)
{
    char label63[64], label64[66], name253[300], name254[300];
    static const char *const good[] = {
        "localhost",
        "srv1",
        "HOST-1",
        "srv.example.com",
        "srv.example.com.",
        "xn--bcher-kva.example",
        "10.0.0.1",
        "255.255.255.255",
        "0.0.0.0",
        "[::1]",
        "[::]",
        "[fe80::1%eth0]",
        "[2001:db8::1]:5986",
        "[1:2:3:4:5:6:7:8]",
        "[::ffff:192.0.2.1]",
        "[1::]",
        "http://srv1",
        "https://srv1",
        "HTTPS://srv1:5986/wsman",
        "srv1:1",
        "srv1:65535",
        "srv1/wsman",
        "srv1:5985/custom/prefix",
        "http://[::1]:5985/wsman",
        "9host.example",
    };
    static const struct {
        const char *remote, *why;
    } bad[] = {
        {"ftp://srv1", "only http:// and https://"},
        {"user@srv1", "user name"},
        {"http://user:pw@srv1", "user name"},
        {"srv 1", "white space"},
        {"srv1\t", "white space"},
        {"srv\x01", "control"},
        {"-srv", "not a valid DNS name"},
        {"srv-", "not a valid DNS name"},
        {"sr_v", "not a valid DNS name"},
        {"a..b", "not a valid DNS name"},
        {".srv", "not a valid DNS name"},
        {"srv.-x.com", "not a valid DNS name"},
        {"h\xc3\xb6st", "not a valid DNS name"},
        {"256.1.1.1", "IPv4"},
        {"1.2.3", "IPv4"},
        {"01.2.3.4", "IPv4"},
        {"1.2.3.4.5", "IPv4"},
        {"::1", "brackets"},
        {"fe80::1:5985", "brackets"},
        {"[::1", "']'"},
        {"[:::1]", "IPv6"},
        {"[1:2:3:4:5:6:7:8:9]", "IPv6"},
        {"[1:2:3:4:5:6:7]", "IPv6"},
        {"[1::2::3]", "IPv6"},
        {"[12345::1]", "IPv6"},
        {"[srv1]", "IPv6"},
        {"[::1%]", "IPv6"},
        {"[::1]x", "after the ']'"},
        {"srv1:0", "port"},
        {"srv1:65536", "port"},
        {"srv1:", "port"},
        {"srv1:http", "port"},
        {"srv1:123456", "port"},
        {"http://", "host name is empty"},
        {"http://:5985", "host name is empty"},
        {":5985", "host name is empty"},
    };
    struct cli_opts o;
    char sw[400];

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        snprintf(sw, sizeof(sw), "-r:%s", good[i]);
        if (parse_ok(&o, "identify", sw)) {
            ok(o.remote_count == 1 && !strcmp(o.remotes[0], good[i]), "%s kept as typed", good[i]);
            cli_opts_free(&o);
        }
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct cli_quoted q;
        char culprit[300];
        snprintf(sw, sizeof(sw), "-r:%s", bad[i].remote);
        snprintf(culprit, sizeof(culprit), "'%s'", cli_quote_str(&q, bad[i].remote));
        parse_err_(__LINE__, culprit, ARGS("identify", sw));
        parse_err_(__LINE__, bad[i].why, ARGS("identify", sw));
    }

    memset(label63, 'a', 63);
    label63[63] = '\0';
    memset(label64, 'b', 64);
    label64[64] = '\0';
    /* 253 characters: labels of 63 + 63 + 63 + 61 and three dots */
    snprintf(name253, sizeof(name253), "%s.%s.%s.%.*s", label63, label63, label63, 61, label63);
    snprintf(name254, sizeof(name254), "%s.%s.%s.%.*s", label63, label63, label63, 62, label63);
    ok(strlen(name253) == 253 && strlen(name254) == 254, "test names");
    snprintf(sw, sizeof(sw), "-r:%s", label63);
    if (parse_ok(&o, "identify", sw))
        cli_opts_free(&o);
    snprintf(sw, sizeof(sw), "-r:%s", name253);
    if (parse_ok(&o, "identify", sw))
        cli_opts_free(&o);
    snprintf(sw, sizeof(sw), "-r:https://%s.:5986", name253); /* the trailing dot does not count */
    if (parse_ok(&o, "identify", sw))
        cli_opts_free(&o);
    snprintf(sw, sizeof(sw), "-r:%s", label64);
    parse_err_(__LINE__, "not a valid DNS name", ARGS("identify", sw));
    snprintf(sw, sizeof(sw), "-r:%s", name254);
    parse_err_(__LINE__, "longer than 253", ARGS("identify", sw));
}

/* ---- resources ---- */

static void test_resources(void)
{
    static const char *const good[] = {
        "winrm/config",
        "wmicimv2/Win32_Service?Name=WinRM",
        "winrm/config/Listener?Address=*+Transport=HTTP",
        "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service",
        "wmicimv2/Win32_Service?DisplayName=Print Spooler",
        "wmicimv2/x?a=",
        "wmicimv2/x?a=b=c",
        "wmicimv2/*",
        "cimv2/CIM_Foo?Name=K\xc3\xb6ln",
    };
    static const struct {
        const char *resource, *culprit;
    } bad[] = {
        {"", "the resource URI is empty"},      {"win rm/config", "'win rm/config' contains white space"},
        {"winrm/config ", "white space"},       {"winrm/\x01config", "control characters"},
        {"?a=b", "nothing before the '?'"},     {"wmi/x?", "ends with '?'"},
        {"wmi/x?a", "'a' has no '='"},          {"wmi/x?a=1+b", "'b' has no '='"},
        {"wmi/x?=b", "'=b' has an empty name"}, {"wmi/x?a=1++b=2", "empty selector"},
        {"wmi/x?a=1+", "empty selector"},       {"wmi/x?+a=1", "empty selector"},
        {"wmi/x?a=1&&b=2", "empty selector"},   {"wmi/x?a b=1", "'a b' contains white space"},
        {"wmi/x?a=\x02", "control characters"},
    };
    struct cli_opts o;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        if (parse_ok(&o, "get", good[i])) {
            ok_str(good[i], o.resource);
            cli_opts_free(&o);
        }
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        parse_err_(__LINE__, bad[i].culprit, ARGS("get", bad[i].resource));
        parse_err_(__LINE__, "delete: ", ARGS("delete", bad[i].resource));
        parse_err_(__LINE__, bad[i].culprit, ARGS("invoke", "M", bad[i].resource));
    }
}

/* ---- files ---- */

static void test_files(void)
{
    static const char xml[] = "<p:X xmlns:p=\"urn:x\">K\xc3\xb6ln</p:X>";
    static const unsigned char utf16le[] = {0xFF, 0xFE, '<',  0,   'a', 0,   '>', 0,   0xF6, 0,   0x3D,
                                            0xD8, 0x00, 0xDE, '<', 0,   '/', 0,   'a', 0,    '>', 0};
    static const unsigned char utf16be[] = {0xFE, 0xFF, 0, '<', 0, 'b', 0, '/', 0, '>'};
    char bom[64], *path, *text = NULL, *err = NULL;
    size_t len;
    struct cli_opts o;

    snprintf(bom, sizeof(bom), "\xEF\xBB\xBF%s", xml);
    path = write_file("bom.xml", bom, strlen(bom));
    if (parse_ok(&o, "create", "wmi/x", "-file", path)) {
        ok_str(xml, o.input_xml);
        ok_str(path, o.input_file);
        cli_opts_free(&o);
    }
    free(path);
    path = write_file("le.xml", utf16le, sizeof(utf16le));
    if (parse_ok(&o, "invoke", "M", "wmi/x", "-file", path)) {
        ok_str("<a>\xc3\xb6\xf0\x9f\x98\x80</a>", o.input_xml);
        cli_opts_free(&o);
    }
    free(path);
    path = write_file("be.xml", utf16be, sizeof(utf16be));
    parse_err_(__LINE__, "/FILE needs a value", ARGS("set", "wmi/x", "/FILE:"));
    if (parse_ok(&o, "set", "wmi/x", "/FILE", path)) {
        ok_str("<b/>", o.input_xml);
        cli_opts_free(&o);
    }
    free(path);

    path = write_file("empty.xml", "", 0);
    parse_err_(__LINE__, "is empty", ARGS("create", "wmi/x", "-file", path));
    free(path);
    path = write_file("blank.xml", " \r\n\t\n", 5);
    parse_err_(__LINE__, "is empty", ARGS("create", "wmi/x", "-file", path));
    free(path);
    path = write_file("nul.xml", "<a>\0</a>", 8);
    parse_err_(__LINE__, "NUL", ARGS("create", "wmi/x", "-file", path));
    free(path);
    path = write_file("latin1.xml", "<a>\xf6</a>", 8);
    parse_err_(__LINE__, "not UTF-8", ARGS("create", "wmi/x", "-file", path));
    free(path);
    path = write_file("bad16.xml", "\xff\xfe<\0\x3d\xd8", 6); /* a lone high surrogate */
    parse_err_(__LINE__, "UTF-16", ARGS("create", "wmi/x", "-file", path));
    free(path);
    parse_err_(__LINE__, "cannot read", ARGS("create", "wmi/x", "-file", tmpdir)); /* a directory */

    /* the size cap */
    path = write_file("eleven.txt", "01234567890", 11);
    ok(cli_read_text_file(path, 10, &text, &len, &err) == -1 && !text && err &&
           strstr(err, "larger than 10 bytes"),
       "cap: %s", err ? err : "");
    free(err);
    err = NULL;
    ok(cli_read_text_file(path, 11, &text, &len, &err) == 0 && text && len == 11 && !err, "exactly the cap");
    free(text);
    free(path);

    /* hosts files */
    static const char hosts[] =
        "  h1  \n# a comment\n\n\t[::1]:5985\r\n   # indented comment\nhttps://h3:5986/wsman";
    path = write_file("hosts.txt", hosts, strlen(hosts));
    if (parse_ok(&o, "identify", "-r:first", "-hosts", path, "-r:second")) {
        ok(o.remote_count == 5, "remotes: %zu", o.remote_count);
        if (o.remote_count == 5) {
            ok_str("first", o.remotes[0]);
            ok_str("second", o.remotes[1]);
            ok_str("h1", o.remotes[2]);
            ok_str("[::1]:5985", o.remotes[3]);
            ok_str("https://h3:5986/wsman", o.remotes[4]);
            ok(o.remotes[5] == NULL, "NULL-terminated");
        }
        ok_str(path, o.hosts_file);
        cli_opts_free(&o);
    }
    free(path);
    path = write_file("hosts_http.txt", "h1\nhttp://h2\n", strlen("h1\nhttp://h2\n"));
    parse_err_(__LINE__, "'http://h2'", ARGS("identify", "-usessl", "-hosts", path));
    free(path);
    path = write_file("hosts_bad.txt", "h1\n# x\nbad host\nh4\n", strlen("h1\n# x\nbad host\nh4\n"));
    parse_err_(__LINE__, "line 3", ARGS("identify", "-hosts", path));
    parse_err_(__LINE__, "'bad host'", ARGS("identify", "-hosts", path));
    parse_err_(__LINE__, "hosts_bad.txt", ARGS("identify", "-hosts", path));
    free(path);
    path = write_file("hosts_none.txt", "# nothing\n\n  \n", strlen("# nothing\n\n  \n"));
    parse_err_(__LINE__, "lists no hosts", ARGS("identify", "-hosts", path));
    free(path);
    path = write_file("hosts_empty.txt", "", 0);
    parse_err_(__LINE__, "lists no hosts", ARGS("identify", "-r:h0", "-hosts", path));
    free(path);
    parse_err("-hosts: cannot read '/nonexistent/hosts'", "identify", "-hosts:/nonexistent/hosts");
}

/* ---- the @{...} hash ---- */

static struct cli_props *hash_ok(int line, const char *text)
{
    struct cli_props *p = NULL;
    char *err = NULL;
    int rc = cli_parse_hash(text, &p, &err);

    test_check(rc == 0 && p && !err, __FILE__, line, "%s: %s", text, err ? err : "(no message)");
    free(err);
    return rc == 0 ? p : NULL;
}

static void hash_err(int line, const char *text, const char *culprit)
{
    struct cli_props *p = (struct cli_props *)&p;
    char *err = NULL;
    int rc = cli_parse_hash(text, &p, &err);

    test_check(rc == -1 && !p, __FILE__, line, "%s: expected an error", text);
    test_check(err && strstr(err, culprit) && !strchr(err, '\n'), __FILE__, line,
               "%s: the message \"%s\" does not name \"%s\"", text, err ? err : "(none)", culprit);
    if (!rc)
        cli_props_free(p);
    free(err);
}

static void test_hash(void)
{
    struct cli_props *p;

    p = hash_ok(__LINE__, "@{Name=\"value\";Other='v2';Flag=true;Empty=\"\";Nil=$null;Nested=@{A=\"b\"}}");
    if (p) {
        ok(p->count == 6, "count %zu", p->count);
        ok_str("Name", p->items[0].name);
        ok_str("value", p->items[0].value);
        ok_str("Other", p->items[1].name);
        ok_str("v2", p->items[1].value);
        ok_str("true", p->items[2].value);
        ok_str("", p->items[3].value);
        ok(!p->items[4].value && !p->items[4].children, "$null is a NULL value");
        ok(!p->items[5].value && p->items[5].children && p->items[5].children->count == 1, "nested");
        if (p->items[5].children) {
            ok_str("A", p->items[5].children->items[0].name);
            ok_str("b", p->items[5].children->items[0].value);
        }
        cli_props_free(p);
    }
    p = hash_ok(__LINE__, "{a=1}");
    if (p) {
        ok(p->count == 1 && !strcmp(p->items[0].value, "1"), "without '@'");
        cli_props_free(p);
    }
    p = hash_ok(__LINE__, " \n @ { a = \"x\" ;\n b = 'y' ; c =  bare  value  ; } \t");
    if (p) {
        ok(p->count == 3, "white space: %zu", p->count);
        ok_str("x", p->items[0].value);
        ok_str("y", p->items[1].value);
        ok_str("bare  value", p->items[2].value);
        cli_props_free(p);
    }
    p = hash_ok(__LINE__, "@{a=\"say \"\"hi\"\" \\\"x\\\" \\\\ C:\\temp\\n\";b='it''s \"q\"'}");
    if (p) {
        ok_str("say \"hi\" \"x\" \\ C:\\temp\\n", p->items[0].value);
        ok_str("it's \"q\"", p->items[1].value);
        cli_props_free(p);
    }
    p = hash_ok(__LINE__, "@{}");
    if (p) {
        ok(p->count == 0 && !p->items, "empty hash");
        cli_props_free(p);
    }
    p = hash_ok(__LINE__, "@{ ; ;a=1;;b=2;}");
    if (p) {
        ok(p->count == 2, "empty statements: %zu", p->count);
        cli_props_free(p);
    }
    p = hash_ok(__LINE__, "@{a=1;a=2;a='3'}");
    if (p) {
        ok(p->count == 3 && !strcmp(p->items[2].name, "a") && !strcmp(p->items[2].value, "3"),
           "duplicates kept");
        cli_props_free(p);
    }
    p = hash_ok(__LINE__, "@{Name=\"Gr\xc3\xbc\xc3\x9f"
                          "e \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\";Gr\xc3\xb6\xc3\x9f"
                          "e=1;_x.y-z=2}");
    if (p) {
        ok_str("Gr\xc3\xbc\xc3\x9f"
               "e \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80",
               p->items[0].value);
        ok_str("Gr\xc3\xb6\xc3\x9f"
               "e",
               p->items[1].name);
        ok_str("_x.y-z", p->items[2].name);
        cli_props_free(p);
    }
    p = hash_ok(__LINE__, "@{a=$NULL;b=\"$null\";c=$True;d=FALSE;e=$false;f=True1}");
    if (p) {
        ok(!p->items[0].value, "$NULL");
        ok_str("$null", p->items[1].value);
        ok_str("true", p->items[2].value);
        ok_str("false", p->items[3].value);
        ok_str("false", p->items[4].value);
        ok_str("True1", p->items[5].value);
        cli_props_free(p);
    }
    p = hash_ok(__LINE__, "@{a=@{b=@{c=\"d\"};e={}};f=x}");
    if (p) {
        struct cli_props *a = p->items[0].children, *b = a ? a->items[0].children : NULL;
        ok(a && a->count == 2 && b && b->count == 1 && !strcmp(b->items[0].value, "d"), "deep nesting");
        ok(a && a->items[1].children && a->items[1].children->count == 0, "nested {}");
        ok_str("x", p->items[1].value);
        cli_props_free(p);
    }
    {
        char deep[200] = "", *s = deep;
        for (int i = 0; i < 31; i++)
            s += sprintf(s, "{a=");
        s += sprintf(s, "1");
        for (int i = 0; i < 31; i++)
            *s++ = '}';
        *s = '\0';
        p = hash_ok(__LINE__, deep);
        cli_props_free(p);
        s = deep;
        for (int i = 0; i < 33; i++)
            s += sprintf(s, "{a=");
        hash_err(__LINE__, deep, "nested more than 32 deep");
    }

    {
        /* 10000 properties in all (nested ones count) are accepted, one more is not */
        size_t size = 10001 * 8 + 16;
        char *big = malloc(size), *s = big;
        s += sprintf(s, "@{n=@{");
        for (int i = 0; i < 9999; i++)
            s += sprintf(s, "a='x';");
        sprintf(s, "}}");
        p = hash_ok(__LINE__, big);
        ok(p && p->count == 1 && p->items[0].children && p->items[0].children->count == 9999,
           "10000 properties");
        cli_props_free(p);
        sprintf(s, "b=1}}");
        hash_err(__LINE__, big, "more than 10000 properties");
        free(big);
    }
    hash_err(__LINE__, "@{a:b=\"x\"}", "'a:b'");
    hash_err(__LINE__, "@{a-=1;-a=2}", "'-a'");
    hash_err(__LINE__, "@{a=\"\xed\xa0\x80\"}", "not valid UTF-8"); /* a surrogate */
    hash_err(__LINE__, "@{a=@{b=1}", "not closed");

    /* Every kind of error points at the character to look at: "at offset N" counts characters (not bytes)
     * from 0, and N is where that character is (or the end, said as such). */
    const struct {
        int line;
        const char *text, *message;
        const char *at; /* the text from the offset on: the character pointed at first; "" for the end */
    } offsets[] = {
        /* no hash */
        {__LINE__, "", "expected '@{' at offset 0 (the end)", ""},
        {__LINE__, "Name=\"x\"", "expected '@{' at offset 0", "Name"},
        {__LINE__, "@x", "expected '@{' at offset 1", "x"},
        {__LINE__, "  @ x", "expected '@{' at offset 4", "x"},
        {__LINE__, "@", "expected '@{' at offset 1 (the end)", ""},
        {__LINE__, "@{a=@b}", "expected '{' at offset 5", "b}"},
        /* a '{' without its '}': the brace itself, not the '@' before it */
        {__LINE__, "@{MaxTimeoutms=\"90000\"", "the '{' at offset 1 is not closed", "{Max"},
        {__LINE__, "{a=1", "the '{' at offset 0 is not closed", "{a"},
        {__LINE__, " @ {a=1;b=2", "the '{' at offset 3 is not closed", "{a"},
        {__LINE__, "@{a=@{b=1}", "the '{' at offset 1 is not closed", "{a"},
        {__LINE__, "@{a=@{b=1", "the '{' at offset 5 is not closed", "{b"},
        {__LINE__, "@{a=@{b=1};c=@{d=\"\xc3\xa9\"", "the '{' at offset 14 is not closed",
         "{d"}, /* innermost */
        /* a string without its closing quote: the opening quote */
        {__LINE__, "@{Name=\"x}", "the string opened at offset 7 is not closed", "\"x}"},
        {__LINE__, "@{Name='x}", "the string opened at offset 7 is not closed", "'x}"},
        {__LINE__, "@{N\xc3\xa4me=\"x}", "the string opened at offset 7 is not closed", "\"x}"},
        /* a property name */
        {__LINE__, "@{=x}", "expected a property name at offset 2", "=x"},
        {__LINE__, "@{\"a\"=x}", "expected a property name at offset 2", "\"a"},
        {__LINE__, "@{a=1;{b=2}}", "expected a property name at offset 6", "{b"},
        {__LINE__, "@{1abc=\"x\"}", "'1abc' at offset 2 is not a valid property name", "1abc"},
        {__LINE__, "@{a=\"\xe6\x97\xa5\";1b=2}", "'1b' at offset 8 is not a valid property name", "1b"},
        /* the '=' */
        {__LINE__, "@{Name}", "expected '=' after 'Name' at offset 6", "}"},
        {__LINE__, "@{Name \"x\"}", "expected '=' after 'Name' at offset 7", "\"x"},
        {__LINE__, "@{Name", "expected '=' after 'Name' at offset 6 (the end)", ""},
        {__LINE__, "@{a=\"\xc3\xa9\";b}", "expected '=' after 'b' at offset 9", "}"},
        /* the value */
        {__LINE__, "@{a=}", "expected a value for 'a' at offset 4", "}"},
        {__LINE__, "@{a=  ;b=1}", "expected a value for 'a' at offset 6", ";b"},
        {__LINE__, "@{a=", "expected a value for 'a' at offset 4 (the end)", ""},
        /* what follows a value */
        {__LINE__, "@{a=\"x\" b=\"y\"}", "expected ';' or '}' after the value of 'a' at offset 8", "b="},
        {__LINE__, "@{a=\"\xe6\x97\xa5\xe6\x9c\xac\" b=1}", "after the value of 'a' at offset 9", "b="},
        {__LINE__, "@{a=@{b=1} c=2}", "after the value of 'a' at offset 11", "c="},
        /* after the hash */
        {__LINE__, "@{a=\"x\"}junk", "unexpected text after the closing '}' at offset 8", "junk"},
        {__LINE__, "@{a=1}}", "unexpected text after the closing '}' at offset 6", "}"},
        {__LINE__, "@{a=\"\xf0\x9f\x98\x80\"} ;", "unexpected text after the closing '}' at offset 9", ";"},
        /* characters that cannot travel in XML */
        {__LINE__, "@{a=\"\x01\"}", "a control character at offset 5", "\x01"},
        {__LINE__, "@{a=\"\xc3\xa9\x01\"}", "a control character at offset 6", "\x01"},
        {__LINE__, "@{a=\"\xff\"}", "not valid UTF-8 at offset 5", "\xff"},
        {__LINE__, "@{a=\"\xc0\xaf\"}", "not valid UTF-8 at offset 5", "\xc0"}, /* overlong */
        {__LINE__, "@{\xc3\xa9=\"\xc3\xa9\xff\"}", "not valid UTF-8 at offset 6", "\xff"},
    };
    for (size_t i = 0; i < sizeof(offsets) / sizeof(offsets[0]); i++) {
        const char *t = offsets[i].text, *m = strstr(offsets[i].message, "offset ");
        size_t want = m ? strtoul(m + 7, NULL, 10) : 0, chars = 0, b = 0;
        hash_err(offsets[i].line, t, offsets[i].message);
        /* the offset, counted in characters, lands on the character the case names */
        while (t[b] && chars < want) {
            b++;
            if (((unsigned char)t[b] & 0xC0) != 0x80)
                chars++;
        }
        test_check(m && chars == want && !strncmp(t + b, offsets[i].at, strlen(offsets[i].at)) &&
                       (*offsets[i].at || !t[b]),
                   __FILE__, offsets[i].line, "%s: offset %zu is not at \"%s\"", t, want, offsets[i].at);
    }
    {
        /* nested too deep: the '{' that is one too many (the 33rd) */
        char deep[200] = "", *s = deep;
        for (int i = 0; i < 33; i++)
            s += sprintf(s, "{a=");
        hash_err(__LINE__, deep, "nested more than 32 deep at offset 96");
        ok(deep[96] == '{' && !strcmp(deep + 96, "{a="), "the 33rd '{' is at 96");
    }
    /* The same offsets in the messages of the command line and of -options:. */
    parse_err("set: @{...}: the '{' at offset 1 is not closed", "set", "winrm/config",
              "@{MaxTimeoutms=\"90000\"");
    parse_err("-options: @{...}: the '{' at offset 0 is not closed", "get", "wmi/x", "-options:{a=1");
    parse_err("--options: @{...}: expected '=' after 'a' at offset 2", "get", "wmi/x", "--options={a}");
    {
        char *err = NULL;
        ok(cli_parse_hash(NULL, &p, &err) == -1 && !p && err, "NULL text");
        free(err);
    }
}

/* ---- XML bodies ---- */

static void test_build_body(void)
{
    struct cli_props *p;
    char *xml = NULL, *err = NULL;

    p = hash_ok(__LINE__,
                "@{Name=\"x\";Nil=$null;Nested=@{A=\"b & <c> ]]>\"};Name=\"K\xc3\xb6ln \xf0\x9f\x98\x80\"}");
    if (p && cli_build_body(p, "Win32_Foo", "http://example.com/ns?x=1;y=2", &xml, &err) == 0) {
        xmlDocPtr doc;
        ok_str("<p:Win32_Foo xmlns:p=\"http://example.com/ns?x=1;y=2\"><p:Name>x</p:Name>"
               "<p:Nil xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:nil=\"true\"/>"
               "<p:Nested><p:A>b &amp; &lt;c&gt; ]]&gt;</p:A></p:Nested>"
               "<p:Name>K\xc3\xb6ln \xf0\x9f\x98\x80</p:Name></p:Win32_Foo>",
               xml);
        doc = parse_xml(xml);
        ok(doc != NULL, "the body parses");
        if (doc) {
            xmlNodePtr root = xmlDocGetRootElement(doc), a = find_element(root, "A");
            ok(root && !strcmp((const char *)root->name, "Win32_Foo") && root->ns &&
                   !strcmp((const char *)root->ns->href, "http://example.com/ns?x=1;y=2"),
               "root element and namespace");
            ok(a && a->ns && !strcmp((const char *)a->ns->href, "http://example.com/ns?x=1;y=2") &&
                   a->parent && !strcmp((const char *)a->parent->name, "Nested"),
               "nested element in the namespace");
            ok_text(doc, "A", "b & <c> ]]>");
            ok(is_nil(doc, "Nil"), "xsi:nil");
            ok(count_elements(root, "Name") == 2, "repeated key, repeated element");
            xmlFreeDoc(doc);
        }
        ok(!err, "no error text");
    } else {
        ok(0, "cli_build_body failed: %s", err ? err : "");
    }
    free(xml);
    free(err);
    xml = err = NULL;

    ok(cli_build_body(NULL, "StopService_INPUT",
                      "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/"
                      "Win32_Service",
                      &xml, &err) == 0,
       "no properties");
    ok_str("<p:StopService_INPUT xmlns:p=\"http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/"
           "Win32_Service\"/>",
           xml);
    free(xml);
    xml = NULL;

    ok(cli_build_body(p, "1bad", "urn:x", &xml, &err) == -1 && !xml && err && strstr(err, "'1bad'"),
       "bad root: %s", err ? err : "");
    free(err);
    err = NULL;
    ok(cli_build_body(p, "Good", NULL, &xml, &err) == -1 && !xml && err && strstr(err, "namespace"), "no ns");
    free(err);
    err = NULL;
    ok(cli_build_body(p, "Good", "", &xml, &err) == -1 && !xml && err, "empty ns");
    free(err);
    err = NULL;
    /* libxml2 2.9 would write these unescaped into xmlns:p */
    ok(cli_build_body(p, "Good", "urn:a&b", &xml, &err) == -1 && !xml && err && strstr(err, "'urn:a&b'"),
       "'&' in the namespace: %s", err ? err : "");
    free(err);
    err = NULL;
    cli_props_free(p);

    /* Lists built by hand are checked too. */
    {
        struct cli_prop bad_name = {"a b", "x", NULL}, bad_value = {"a", "x\x01y", NULL};
        struct cli_props l1 = {&bad_name, 1}, l2 = {&bad_value, 1};
        ok(cli_build_body(&l1, "R", "urn:x", &xml, &err) == -1 && !xml && err && strstr(err, "'a b'"),
           "bad property name: %s", err ? err : "");
        free(err);
        err = NULL;
        ok(cli_build_body(&l2, "R", "urn:x", &xml, &err) == -1 && !xml && err && strstr(err, "control"),
           "bad value: %s", err ? err : "");
        free(err);
        err = NULL;
    }
}

static void test_class_name(void)
{
    static const struct {
        const char *uri, *name;
    } cases[] = {
        {"wmicimv2/Win32_Service?Name=x/y", "Win32_Service"},
        {"http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service", "Win32_Service"},
        {"winrm/config/Listener?Address=*+Transport=HTTP", "Listener"},
        {"Thing", "Thing"},
        {"a/b/", NULL},
        {"", NULL},
        {"?a=b", NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *n = cli_class_name(cases[i].uri);
        if (cases[i].name)
            ok_str(cases[i].name, n);
        else
            ok(!n, "%s: expected no name, got %s", cases[i].uri, n);
        free(n);
    }
    ok(!cli_class_name(NULL), "NULL");
}

/* ---- set ---- */

static const char client_xml[] =
    "<?xml version=\"1.0\" encoding=\"UTF-16\"?>\n"
    "<cfg:Client xmlns:cfg=\"http://schemas.microsoft.com/wbem/wsman/1/config/client\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
    "<cfg:NetworkDelayms>5000</cfg:NetworkDelayms><cfg:URLPrefix>wsman</cfg:URLPrefix>"
    "<cfg:AllowUnencrypted Source=\"GPO\">false</cfg:AllowUnencrypted>"
    "<cfg:Auth><cfg:Basic>true</cfg:Basic><cfg:Digest>true</cfg:Digest><cfg:Kerberos>true</cfg:Kerberos></"
    "cfg:Auth>"
    "<cfg:DefaultPorts><cfg:HTTP>5985</cfg:HTTP><cfg:HTTPS>5986</cfg:HTTPS></cfg:DefaultPorts>"
    "<cfg:TrustedHosts xsi:nil=\"true\"/><!-- comment --></cfg:Client>";

static xmlDocPtr apply_ok(int line, const char *xml, const char *hash)
{
    struct cli_props *p = hash_ok(line, hash);
    char *out = NULL, *err = NULL;
    xmlDocPtr doc = NULL;

    if (!p)
        return NULL;
    if (cli_apply_props(xml, p, &out, &err) == 0 && out) {
        test_check(!strstr(out, "<?xml") && !err, __FILE__, line, "%s: XML declaration in the output", hash);
        doc = parse_xml(out);
        test_check(doc != NULL, __FILE__, line, "%s: the output does not parse: %s", hash, out);
    } else {
        test_check(0, __FILE__, line, "%s: %s", hash, err ? err : "(no message)");
    }
    cli_props_free(p);
    free(out);
    free(err);
    return doc;
}

static void apply_err(int line, const char *xml, const char *hash, const char *culprit)
{
    struct cli_props *p = hash_ok(line, hash);
    char *out = (char *)"x", *err = NULL;
    int rc;

    if (!p)
        return;
    rc = cli_apply_props(xml, p, &out, &err);
    test_check(rc == -1 && !out, __FILE__, line, "%s: expected an error", hash);
    test_check(err && strstr(err, culprit) && !strchr(err, '\n'), __FILE__, line,
               "%s: the message \"%s\" does not name \"%s\"", hash, err ? err : "(none)", culprit);
    if (!rc)
        free(out);
    cli_props_free(p);
    free(err);
}

static void test_apply_props(void)
{
    xmlDocPtr doc;

    doc = apply_ok(__LINE__, client_xml, "@{AllowUnencrypted=\"true\"}");
    if (doc) {
        xmlNodePtr e = find_element(xmlDocGetRootElement(doc), "AllowUnencrypted");
        xmlChar *src = e ? xmlGetProp(e, (const xmlChar *)"Source") : NULL;
        ok_text(doc, "AllowUnencrypted", "true");
        ok_text(doc, "NetworkDelayms", "5000");
        ok_text(doc, "Basic", "true");
        ok(is_nil(doc, "TrustedHosts"), "others unchanged");
        ok(src && !strcmp((const char *)src, "GPO"), "attributes kept");
        ok(e && e->ns &&
               !strcmp((const char *)e->ns->href, "http://schemas.microsoft.com/wbem/wsman/1/config/client"),
           "namespace kept");
        xmlFree(src);
        xmlFreeDoc(doc);
    }
    doc = apply_ok(__LINE__, client_xml, "@{Auth=@{Basic=\"false\";Kerberos=$null};NetworkDelayms=7000}");
    if (doc) {
        ok_text(doc, "Basic", "false");
        ok_text(doc, "Digest", "true");
        ok(is_nil(doc, "Kerberos"), "nested $null");
        ok_text(doc, "Kerberos", "");
        ok_text(doc, "NetworkDelayms", "7000");
        xmlFreeDoc(doc);
    }
    doc = apply_ok(__LINE__, client_xml, "@{TrustedHosts=\"a,b & <c>\"}"); /* nil -> value */
    if (doc) {
        ok(!is_nil(doc, "TrustedHosts"), "the nil attribute was removed");
        ok_text(doc, "TrustedHosts", "a,b & <c>");
        xmlFreeDoc(doc);
    }
    doc = apply_ok(__LINE__, client_xml, "@{URLPrefix=$null}"); /* value -> nil */
    if (doc) {
        ok(is_nil(doc, "URLPrefix"), "value -> nil");
        ok_text(doc, "URLPrefix", "");
        xmlFreeDoc(doc);
    }
    doc = apply_ok(__LINE__, client_xml, "@{TrustedHosts=\"a\";TrustedHosts=\"b\";TrustedHosts=\"c\"}");
    if (doc) {
        ok(count_elements(xmlDocGetRootElement(doc), "TrustedHosts") == 3, "a key given 3 times, 3 elements");
        xmlFreeDoc(doc);
    }
    doc = apply_ok(__LINE__, client_xml, "@{}");
    if (doc) {
        ok_text(doc, "URLPrefix", "wsman");
        xmlFreeDoc(doc);
    }
    /* No xsi namespace in scope: it is declared where needed; a clashing "xsi" prefix is left alone. */
    doc = apply_ok(__LINE__, "<a:R xmlns:a=\"urn:a\"><a:V>1</a:V></a:R>", "@{V=$null}");
    if (doc) {
        ok(is_nil(doc, "V"), "xsi declared");
        xmlFreeDoc(doc);
    }
    doc =
        apply_ok(__LINE__, "<a:R xmlns:a=\"urn:a\" xmlns:xsi=\"urn:other\"><a:V>1</a:V></a:R>", "@{V=$null}");
    if (doc) {
        xmlNodePtr v = find_element(xmlDocGetRootElement(doc), "V");
        ok(is_nil(doc, "V"), "xsi with another prefix");
        ok(v && v->nsDef && strcmp((const char *)v->nsDef->prefix, "xsi"), "a fresh prefix");
        xmlFreeDoc(doc);
    }
    /* UTF-8 and the output: the whole document, no declaration. */
    {
        struct cli_props *p = hash_ok(__LINE__, "@{V=\"K\xc3\xb6ln\"}");
        char *out = NULL, *err = NULL;
        ok(p && cli_apply_props("<R><V>x</V></R>", p, &out, &err) == 0, "simple");
        ok_str("<R><V>K\xc3\xb6ln</V></R>", out);
        free(out);
        free(err);
        cli_props_free(p);
    }

    apply_err(__LINE__, client_xml, "@{Bogus=\"x\"}", "set: the resource has no property 'Bogus'");
    apply_err(__LINE__, client_xml, "@{allowunencrypted=\"x\"}", "'allowunencrypted'"); /* case-sensitive */
    apply_err(__LINE__, client_xml, "@{Auth=@{Foo=1}}", "'Auth.Foo'");
    apply_err(__LINE__, client_xml, "@{Basic=1}", "'Basic'"); /* not a child of the root */
    apply_err(__LINE__, client_xml, "@{Auth=\"x\"}", "'Auth' has sub-properties");
    apply_err(__LINE__, client_xml, "@{URLPrefix=@{A=1}}", "'URLPrefix.A'");
    apply_err(__LINE__, "<R><V>1</V>", "@{V=1}", "does not parse");
    apply_err(__LINE__, "<R xmlns:a=\"urn:a?x&amp;y\"><V>1</V></R>", "@{V=2}", "namespace URI");
    apply_err(__LINE__, "", "@{V=1}", "does not parse");
    apply_err(__LINE__, "<!DOCTYPE R [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><R><V>&e;</V></R>", "@{V=1}",
              "document type");
    apply_err(__LINE__, "<!DOCTYPE R SYSTEM \"http://example.com/r.dtd\"><R><V>1</V></R>", "@{V=1}",
              "document type");
    {
        struct cli_prop bad = {"V", "a\x01", NULL};
        struct cli_props l = {&bad, 1};
        char *out = NULL, *err = NULL;
        ok(cli_apply_props("<R><V>x</V></R>", &l, &out, &err) == -1 && !out && err && strstr(err, "control"),
           "bad value: %s", err ? err : "");
        free(err);
        err = NULL;
        ok(cli_apply_props(NULL, &l, &out, &err) == -1 && err, "NULL XML");
        free(err);
    }
}

/* ---- help text ---- */

static char *usage_text(enum cli_op op)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    if (!f)
        abort();
    cli_usage(f, op);
    fclose(f);
    return text;
}

static int max_line(const char *s)
{
    int max = 0, cur = 0;
    for (; *s; s++) {
        if (*s == '\n') {
            cur = 0;
            continue;
        }
        if ((*s & 0xC0) != 0x80 && ++cur > max)
            max = cur;
    }
    return max;
}

static void test_usage(void)
{
    static const char *const everything[] = {
        "-r, -remote:",
        "-u, -username:",
        "-p, -password:",
        "-a, -authentication:",
        "-c, -certificate:",
        "-unencrypted",
        "-usessl",
        "-skipCAcheck",
        "-skipCNcheck",
        "-skipRevocationcheck",
        "-SPNPort",
        "-timeout:",
        "-encoding:",
        "-format:",
        "-fragment:",
        "-filter:",
        "-dialect:",
        "-returnType:",
        "-shallow",
        "-basePropertiesOnly",
        "-associations",
        "-options:",
        "-file:",
        "-hosts:",
        "-concurrency:",
        "-quiet",
        "-proxyaccess:",
        "-proxyauth:",
        "-proxyuser:",
        "-proxypassword:",
        "--help",
        "-?",
        "get",
        "set",
        "create",
        "delete",
        "enumerate",
        "invoke",
        "identify",
        "helpmsg",
        "exec",
        "help",
        "wmi,",
        "wmicimv2",
        "cimv2",
        "winrm",
        "wsman",
        "shell",
        "?Name=WinRM",
        "'+'",
        "@{",
        "$null",
        "Exit status",
        "  2  ",
        "Examples",
        "None, Basic, Digest, Negotiate, Kerberos, Certificate",
        "CredSSP",
        "default 32",
        "--remote=host",
    };
    char *text = usage_text(CLI_OP_NONE);

    for (size_t i = 0; i < sizeof(everything) / sizeof(everything[0]); i++)
        ok(strstr(text, everything[i]) != NULL, "the general help lacks \"%s\"", everything[i]);
    /* The defaults the code has (the library's: Kerberos, Negotiate to loopback and trusted hosts). */
    ok(strstr(text, "Default: Kerberos; Negotiate to localhost") && !strstr(text, "default: Negotiate"),
       "the help names the default authentication");
    ok(strstr(text, "(default 60000)") && strstr(text, "wql (the default)") &&
           strstr(text, "instances (the default)") && strstr(text, "(default: winhttp"),
       "the help names the defaults of -timeout, -dialect, -returnType and -proxyaccess");
    ok(strstr(text, "contradict each") != NULL, "exit status 2 covers contradicting switches");
    free(text);
    text = usage_text(CLI_OP_IDENTIFY);
    ok(strstr(text, "Without -r, asks localhost") && !strstr(text, "Needs -r"), "identify without -r");
    ok(max_line(text) <= 80, "a help line is %d columns wide", max_line(text));
    free(text);

    const struct {
        enum cli_op op;
        const char *has[4], *lacks[3];
    } ops[] = {
        {CLI_OP_GET,
         {"wsmanctl get RESOURCE_URI", "-fragment:", "Examples", "Short form: g"},
         {"-filter:", "-file:"}},
        {CLI_OP_SET, {"wsmanctl set RESOURCE_URI", "-file:FILE", "@{", "$null"}, {"-filter:", "-returnType"}},
        {CLI_OP_CREATE, {"wsmanctl create", "-file:", "class name", "Short form: c"}, {"-fragment"}},
        {CLI_OP_DELETE, {"wsmanctl delete", "-r, -remote", "Short form: d", "?"}, {"-file:", "-filter"}},
        {CLI_OP_ENUMERATE,
         {"-filter:", "-dialect:", "-returnType:", "Short forms: e, enum"},
         {"-file:", "-fragment"}},
        {CLI_OP_INVOKE,
         {"wsmanctl invoke ACTION RESOURCE_URI", "-file:", "Short form: i", "ACTION_INPUT"},
         {"-filter"}},
        {CLI_OP_IDENTIFY,
         {"wsmanctl identify", "-r, -remote", "Short form: id", "-hosts:"},
         {"-file:", "-options"}},
        {CLI_OP_HELPMSG,
         {"wsmanctl helpmsg CODE", "0x80338012", "Examples", "hexadecimal"},
         {"-remote", "-format"}},
        {CLI_OP_EXEC,
         {"-- COMMAND", "exit code", "-r, -remote", "-quiet"},
         {"-format", "-file:", "-options"}},
    };
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        text = usage_text(ops[i].op);
        for (int k = 0; k < 4 && ops[i].has[k]; k++)
            ok(strstr(text, ops[i].has[k]) != NULL, "%s help lacks \"%s\"", cli_op_name(ops[i].op),
               ops[i].has[k]);
        for (int k = 0; k < 3 && ops[i].lacks[k]; k++)
            ok(strstr(text, ops[i].lacks[k]) == NULL, "%s help has \"%s\"", cli_op_name(ops[i].op),
               ops[i].lacks[k]);
        ok(max_line(text) <= 80, "%s: a help line is %d columns wide", cli_op_name(ops[i].op),
           max_line(text));
        free(text);
    }
    ok_str("enumerate", cli_op_name(CLI_OP_ENUMERATE));
    ok_str("", cli_op_name(CLI_OP_NONE));
}

static void test_quote(void)
{
    struct cli_quoted q;
    char long_text[100];

    ok_str("a\\x01b\\x7F", cli_quote_str(&q, "a\x01"
                                             "b\x7f"));
    ok_str("K\xc3\xb6ln", cli_quote_str(&q, "K\xc3\xb6ln"));
    ok_str("\\xFF\\xC3", cli_quote_str(&q, "\xff\xc3"));
    ok_str("", cli_quote_str(&q, NULL));
    memset(long_text, 'a', 99);
    long_text[99] = '\0';
    cli_quote_str(&q, long_text);
    ok(strlen(q.text) == 67 && !strcmp(q.text + 64, "..."), "cut: %s", q.text);
    /* a character across the cut is left out whole */
    memset(long_text, 'a', 63);
    memcpy(long_text + 63, "\xc3\xb6zz", 5);
    cli_quote_str(&q, long_text);
    ok(strlen(q.text) == 66 && !strcmp(q.text + 63, "..."), "cut before a character: %s", q.text);
    ok(!wsm_strcasecmp_ascii("ABC", "abc") && wsm_strcasecmp_ascii("ab", "abc"), "wsm_strcasecmp_ascii");
}

/* ---- the password prompt, on a pseudo-terminal ---- */

/* Reads from fd until `want` was seen (or 10 s of silence); the bytes read are appended to buf. */
static int read_until(int fd, char *buf, size_t size, const char *want)
{
    size_t n = strlen(buf);

    while (!strstr(buf, want)) {
        struct pollfd pfd = {fd, POLLIN, 0};
        ssize_t r;
        if (poll(&pfd, 1, 10000) <= 0 || n + 1 >= size)
            return 0;
        r = read(fd, buf + n, size - n - 1);
        if (r <= 0)
            return 0;
        n += (size_t)r;
        buf[n] = '\0';
    }
    return 1;
}

/* Starts a child in a new session whose controlling terminal is the pty's slave; the child prompts and
 * writes "rc:password" into the pipe. */
static pid_t start_prompt_child(int master, int result_pipe[2])
{
    const char *slave_name = ptsname(master);
    pid_t pid;

    if (!slave_name || pipe(result_pipe))
        return -1;
    pid = fork();
    if (pid == 0) {
        char *pw = NULL, msg[256];
        int slave, rc;
        close(result_pipe[0]);
        signal(SIGINT, SIG_DFL); /* a shell without job control starts background jobs with ^C ignored */
        setsid();
        if ((slave = open(slave_name, O_RDWR)) < 0) /* the session's first terminal: its controlling tty */
            _exit(3);
        dup2(slave, 0);
        dup2(slave, 2);
        rc = cli_prompt_password("Password: ", &pw);
        snprintf(msg, sizeof(msg), "%d:%s", rc, pw ? pw : "");
        if (write(result_pipe[1], msg, strlen(msg)) < 0)
            _exit(4);
        free(pw);
        _exit(0);
    }
    close(result_pipe[1]);
    return pid;
}

static void test_prompt(void)
{
    int master, slave = -1, pipefd[2], status, echo_off;
    struct termios t;
    char out[4096] = "", result[256] = "";
    pid_t pid;
    ssize_t r;

    /* Without a terminal: -1 at once. */
    pid = fork();
    if (pid == 0) {
        char *pw = NULL;
        int fd = open("/dev/null", O_RDONLY);
        setsid();
        dup2(fd, 0);
        _exit(cli_prompt_password("Password: ", &pw) == -1 && !pw ? 0 : 1);
    }
    ok(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
       "no terminal: -1");
    ok(cli_stdin_is_tty() == isatty(0), "cli_stdin_is_tty");

    master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) || unlockpt(master) || !ptsname(master) ||
        (slave = open(ptsname(master), O_RDWR | O_NOCTTY)) < 0) {
        printf("test_cli_args: no pseudo-terminal (%s): prompt tests skipped\n", strerror(errno));
        if (master >= 0)
            close(master);
        return;
    }

    /* A line typed with echo off. */
    pid = start_prompt_child(master, pipefd);
    ok(pid > 0, "fork");
    ok(read_until(master, out, sizeof(out), "Password: "), "the prompt: \"%s\"", out);
    echo_off = tcgetattr(master, &t) == 0 && !(t.c_lflag & ECHO);
    ok(echo_off, "echo is off while prompting");
    ok(write(master, "s3cr\xc3\xa9t\n", 8) == 8, "type");
    r = read(pipefd[0], result, sizeof(result) - 1); /* the child writes once, then exits */
    result[r > 0 ? r : 0] = '\0';
    ok_str("0:s3cr\xc3\xa9t", result);
    ok(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exit");
    read_until(master, out, sizeof(out), "\n"); /* the newline after the password */
    ok(!strstr(out, "s3cr"), "the password was echoed: \"%s\"", out);
    ok(tcgetattr(master, &t) == 0 && (t.c_lflag & ECHO), "echo is back on");
    close(pipefd[0]);

    /* ^C while prompting: echo back on, then the signal's default action. */
    out[0] = '\0';
    pid = start_prompt_child(master, pipefd);
    ok(read_until(master, out, sizeof(out), "Password: "), "the prompt again");
    ok(tcgetattr(master, &t) == 0 && !(t.c_lflag & ECHO), "echo is off");
    ok(write(master, "partial", 7) == 7, "type part of a line");
    kill(pid, SIGINT);
    ok(waitpid(pid, &status, 0) == pid && WIFSIGNALED(status) && WTERMSIG(status) == SIGINT,
       "the child died of SIGINT (status 0x%x)", status);
    ok(tcgetattr(master, &t) == 0 && (t.c_lflag & ECHO), "echo restored after SIGINT");
    r = read(pipefd[0], result, sizeof(result) - 1);
    ok(r == 0, "no result after SIGINT");
    close(pipefd[0]);

    /* End of file (^D) before any newline: -1. */
    out[0] = '\0';
    pid = start_prompt_child(master, pipefd);
    ok(read_until(master, out, sizeof(out), "Password: "), "the prompt a third time");
    ok(write(master, "\x04", 1) == 1, "^D");
    r = read(pipefd[0], result, sizeof(result) - 1);
    result[r > 0 ? r : 0] = '\0';
    ok_str("-1:", result);
    ok(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0, "child exit");
    ok(tcgetattr(master, &t) == 0 && (t.c_lflag & ECHO), "echo is back on after ^D");
    close(pipefd[0]);
    close(slave); /* held open so that the terminal outlives each child */
    close(master);
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)type;
    (void)ftw;
    return remove(path);
}

/* Many hosts under the open-file limit (issue 18): the pool never needs more descriptors than the limit
 * leaves, and always has one worker. */
static void test_fd_limit(void)
{
    static const unsigned long long limits[] = {0, 3, 27, 64, 256, 1024, 4096, 1048576};
    size_t n;

    for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
        for (unsigned long long used = 3; used <= 40; used += 37) {
            n = cli_workers_for_fd_limit(limits[i], used);
            ok(n >= 1, "limit %llu, %llu open: at least one worker (%zu)", limits[i], used, n);
            if (limits[i] >= used + CLI_FD_RESERVE + CLI_FDS_PER_WORKER)
                ok(used + CLI_FD_RESERVE + n * CLI_FDS_PER_WORKER <= limits[i] &&
                       used + CLI_FD_RESERVE + (n + 1) * CLI_FDS_PER_WORKER > limits[i],
                   "limit %llu, %llu open: %zu workers, as many as fit", limits[i], used, n);
            else
                ok(n == 1, "limit %llu, %llu open: one worker when none fits (%zu)", limits[i], used, n);
        }
    }
    /* The issue's case: 1,024 descriptors fit far fewer than -concurrency:1024 workers of 3 or more each. */
    n = cli_workers_for_fd_limit(1024, 3);
    ok(n * 3 < 1024 && n > 100, "limit 1024: %zu workers", n);
}

int main(void)
{
    static const char xml[] = "<p:X xmlns:p=\"urn:x\"/>\n";
    char *xml_file, *hosts_file;
    const char *base = getenv("TMPDIR");

    snprintf(tmpdir, sizeof(tmpdir), "%s/test_cli_args.XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    xml_file = write_file("input.xml", xml, strlen(xml));
    hosts_file = write_file("hosts2.txt", "h1\nh2\n", 6);

    test_operations();
    test_switch_spellings(xml_file, hosts_file);
    test_flags();
    test_keywords();
    test_help();
    test_errors(xml_file);
    test_duplicates();
    test_contradictions();
    test_cli_words();
    test_remotes();
    test_resources();
    test_files();
    test_hash();
    test_build_body();
    test_class_name();
    test_apply_props();
    test_usage();
    test_quote();
    test_prompt();
    test_fd_limit();

    free(xml_file);
    free(hosts_file);
    if (nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS))
        fprintf(stderr, "could not remove %s\n", tmpdir);
    xmlCleanupParser();
    return test_summary("test_cli_args");
}
