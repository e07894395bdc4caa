/*
 * wsmanctl: the command line. winrm's syntax (`winrm get winrm/config -r:host -u:user`) with GNU spellings
 * on top (`--remote=host`), checked completely before anything is sent: a usage error exits with status 2
 * and no request. Also the help text and the no-echo password prompt.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>
#include <io.h>
#else
#include <fcntl.h>
#include <signal.h>
#include <sys/select.h>
#include <termios.h>
#include <unistd.h>
#endif

#include "args.h"
#include "input.h"
#include "iplit.h"
#include "names.h"
#include "strutil.h"
#include "wsmandisp.h" /* WSManProxyAccessTypeFlags, WSManProxyAuthenticationFlags */

#define HOSTS_FILE_MAX ((size_t)16 << 20)

/* ---- the operations ---- */

#define OPB(op) (1u << (op))
#define OPS_RESOURCE                                                                                         \
    (OPB(CLI_OP_GET) | OPB(CLI_OP_SET) | OPB(CLI_OP_CREATE) | OPB(CLI_OP_DELETE) | OPB(CLI_OP_ENUMERATE) |   \
     OPB(CLI_OP_INVOKE))
#define OPS_NET (OPS_RESOURCE | OPB(CLI_OP_IDENTIFY) | OPB(CLI_OP_EXEC))
#define OPS_OUTPUT (OPS_RESOURCE | OPB(CLI_OP_IDENTIFY))
#define OPS_INPUT (OPB(CLI_OP_SET) | OPB(CLI_OP_CREATE) | OPB(CLI_OP_INVOKE))
#define OPS_ENUM OPB(CLI_OP_ENUMERATE)
#define OPS_ALL (OPS_NET | OPB(CLI_OP_HELPMSG))

struct op_def {
    enum cli_op op;
    const char *name;
    const char *aliases[2];
    const char *brief; /* one line in the list of operations */
    const char *syntax;
    const char *summary;
    const char *details;
    const char *examples;
};

/* The help fits in 80 columns (tests/test_cli_args.c checks). */
static const char resource_text[] =
    "RESOURCE_URI is a full URI or starts with an alias: wmi, wmicimv2 (WMI\n"
    "root/cimv2), cimv2 (the DMTF CIM schema), winrm and wsman (WinRM itself,\n"
    "as in winrm/config), shell (the Windows shells). Selectors that pick one\n"
    "instance follow a '?' as KEY=VALUE pairs joined by '+' (or '&'):\n"
    "    'wmicimv2/Win32_Service?Name=WinRM'\n"
    "    'winrm/config/Listener?Address=*+Transport=HTTP'\n"
    "Quote the URI in a POSIX shell: '?', '*' and '&' are special there.\n";

static const char input_text[] =
    "The input (set, create, invoke) is a hash,\n"
    "    @{KEY=\"VALUE\";KEY2='VALUE2';FLAG=true;EMPTY=\"\";NIL=$null;SUB=@{A=\"b\"}}\n"
    "('@' optional; \"\" or \\\" inside double quotes, '' inside single quotes; a\n"
    "key given twice makes two elements; $null sends xsi:nil), or the XML body\n"
    "in a file, -file:FILE (UTF-8, or UTF-16 with a byte order mark). Quote the\n"
    "hash in a POSIX shell: '@{Name=\"x\"}'.\n";

/* The tables keep one entry per row. */
/* clang-format off */
static const struct op_def op_defs[] = {
    {CLI_OP_GET, "get", {"g", NULL}, "Get one instance or a configuration tree.",
     "wsmanctl get RESOURCE_URI [-SWITCH:VALUE ...]",
     "Retrieves management information: one instance, or a configuration tree\n"
     "(WS-Transfer Get).\n",
     resource_text,
     "  wsmanctl get winrm/config\n"
     "  wsmanctl get 'wmicimv2/Win32_Service?Name=WinRM' \\\n"
     "      -r:https://server.example.com:5986 -u:admin\n"
     "  wsmanctl g wmicimv2/Win32_OperatingSystem -r:srv1 -r:srv2 -format:pretty\n"},
    {CLI_OP_SET, "set", {"s", NULL}, "Change properties of an instance (Get, then Put).",
     "wsmanctl set RESOURCE_URI [-SWITCH:VALUE ...]\n"
     "             @{KEY=\"VALUE\"[;KEY=\"VALUE\"...]} | -file:FILE",
     "Modifies management information: gets the resource, changes the\n"
     "properties named in the input and puts it back, as winrm does (an unknown\n"
     "property is an error).\n",
     resource_text,
     "  wsmanctl set winrm/config/client '@{TrustedHosts=\"srv1,srv2\"}'\n"
     "  wsmanctl set winrm/config/service/auth '@{Basic=\"true\"}' -r:srv1\n"
     "  wsmanctl set 'winrm/config/Listener?Address=*+Transport=HTTPS' \\\n"
     "      -file:listener.xml\n"},
    {CLI_OP_CREATE, "create", {"c", NULL}, "Create a new instance.",
     "wsmanctl create RESOURCE_URI [-SWITCH:VALUE ...]\n"
     "             [@{KEY=\"VALUE\"[;KEY=\"VALUE\"...]} | -file:FILE]",
     "Creates a new instance of a resource. The body's root element is the\n"
     "class name, the last segment of the resource URI.\n",
     resource_text,
     "  wsmanctl create 'winrm/config/Listener?Address=*+Transport=HTTPS' \\\n"
     "      '@{Hostname=\"srv1\";CertificateThumbprint=\"0123...\"}'\n"
     "  wsmanctl c wmicimv2/Win32_Environment \\\n"
     "      '@{Name=\"X\";VariableValue=\"1\";UserName=\"<SYSTEM>\"}'\n"
     "  wsmanctl create wmi/root/example/Thing -file:thing.xml -r:srv1\n"},
    {CLI_OP_DELETE, "delete", {"d", NULL}, "Delete an instance.",
     "wsmanctl delete RESOURCE_URI [-SWITCH:VALUE ...]",
     "Deletes an instance of a resource.\n", resource_text,
     "  wsmanctl delete 'winrm/config/Listener?Address=*+Transport=HTTP'\n"
     "  wsmanctl d 'wmicimv2/Win32_Environment?Name=X+UserName=<SYSTEM>' -r:srv1\n"},
    {CLI_OP_ENUMERATE, "enumerate", {"e", "enum"}, "List instances, optionally filtered.",
     "wsmanctl enumerate RESOURCE_URI [-filter:EXPR [-dialect:DIALECT]]\n"
     "             [-associations] [-returnType:TYPE] [-shallow | -basePropertiesOnly]\n"
     "             [-SWITCH:VALUE ...]",
     "Lists the instances of a resource (WS-Enumeration), optionally filtered.\n",
     resource_text,
     "  wsmanctl enumerate wmicimv2/Win32_Service\n"
     "  wsmanctl e 'wmicimv2/*' -dialect:wql \\\n"
     "      -filter:\"select Name from Win32_Service where StartMode='Auto'\"\n"
     "  wsmanctl enum 'wmicimv2/*' -dialect:association -associations \\\n"
     "      -filter:'{object=Win32_Service?Name=WinRM}'\n"},
    {CLI_OP_INVOKE, "invoke", {"i", NULL}, "Run a method of a resource.",
     "wsmanctl invoke ACTION RESOURCE_URI [-SWITCH:VALUE ...]\n"
     "             [@{KEY=\"VALUE\"[;KEY=\"VALUE\"...]} | -file:FILE]",
     "Runs the method ACTION of a resource; the input becomes the method's\n"
     "parameters (the ACTION_INPUT element).\n",
     resource_text,
     "  wsmanctl invoke StopService 'wmicimv2/Win32_Service?Name=Spooler' @{}\n"
     "  wsmanctl i Create wmicimv2/Win32_Process '@{CommandLine=\"notepad.exe\"}'\n"
     "  wsmanctl invoke Restore winrm/config/plugin -file:input.xml -r:srv1\n"},
    {CLI_OP_IDENTIFY, "identify", {"id", NULL}, "Ask for the protocol version and vendor.",
     "wsmanctl identify [-SWITCH:VALUE ...]",
     "Asks the service for its protocol version, vendor and product version\n"
     "(WS-Management Identify). Without -r, asks localhost.\n",
     NULL,
     "  wsmanctl identify\n"
     "  wsmanctl id -r:https://server.example.com:5986 -a:None\n"
     "  wsmanctl id -hosts:servers.txt -concurrency:64 -format:xml\n"},
    {CLI_OP_HELPMSG, "helpmsg", {NULL, NULL}, "Print the message of an error code.", "wsmanctl helpmsg CODE",
     "Prints the message text of an error code: decimal, 0x hexadecimal, or a\n"
     "negative HRESULT.\n",
     NULL,
     "  wsmanctl helpmsg 0x80338012\n"
     "  wsmanctl helpmsg 2150858770\n"
     "  wsmanctl helpmsg -2144108526\n"},
    {CLI_OP_EXEC, "exec", {NULL, NULL}, "Run a command on the remote host (cmd shell).",
     "wsmanctl exec [-SWITCH:VALUE ...] -- COMMAND [ARGUMENTS ...]",
     "Runs COMMAND in the Windows cmd shell of the remote host (the shell\n"
     "resource), streams its output as it arrives and exits with the remote\n"
     "exit code (1 when WS-Management itself fails).\n",
     "Everything after \"--\" is the command line; only switches may come before.\n",
     "  wsmanctl exec -r:srv1 -u:admin -- ipconfig /all\n"
     "  wsmanctl exec -r:https://srv1:5986 -a:Kerberos -- cmd /c \"dir C:\\\\\"\n"
     "  wsmanctl exec -hosts:servers.txt -quiet -- hostname\n"},
};
/* clang-format on */

static const struct op_def *find_op_def(enum cli_op op)
{
    for (size_t i = 0; i < sizeof(op_defs) / sizeof(op_defs[0]); i++)
        if (op_defs[i].op == op)
            return &op_defs[i];
    return NULL;
}

size_t cli_workers_for_fd_limit(unsigned long long limit, unsigned long long in_use)
{
    unsigned long long spare = limit > in_use + CLI_FD_RESERVE ? limit - in_use - CLI_FD_RESERVE : 0,
                       workers = spare / CLI_FDS_PER_WORKER;

    if (workers < 1)
        return 1;
    return workers > (unsigned long long)SIZE_MAX ? SIZE_MAX : (size_t)workers;
}

const char *cli_op_name(enum cli_op op)
{
    const struct op_def *d = find_op_def(op);
    return d ? d->name : "";
}

/* 1 and *op when word names an operation (or one of its short forms); "help" is not one. */
static int lookup_op(const char *word, enum cli_op *op)
{
    for (size_t i = 0; i < sizeof(op_defs) / sizeof(op_defs[0]); i++) {
        const struct op_def *d = &op_defs[i];
        if (!wsm_strcasecmp_ascii(word, d->name) ||
            (d->aliases[0] && !wsm_strcasecmp_ascii(word, d->aliases[0])) ||
            (d->aliases[1] && !wsm_strcasecmp_ascii(word, d->aliases[1]))) {
            *op = d->op;
            return 1;
        }
    }
    return 0;
}

/* ---- the switches ---- */

enum sw_id {
    SW_REMOTE,
    SW_TIMEOUT,
    SW_ENCODING,
    SW_USESSL,
    SW_UNENCRYPTED,
    SW_SPNPORT,
    SW_AUTH,
    SW_USERNAME,
    SW_PASSWORD,
    SW_CERT,
    SW_SKIPCA,
    SW_SKIPCN,
    SW_SKIPREV,
    SW_FRAGMENT,
    SW_OPTIONS,
    SW_FILE,
    SW_FILTER,
    SW_DIALECT,
    SW_ASSOCIATIONS,
    SW_RETURNTYPE,
    SW_SHALLOW,
    SW_BASEPROPS,
    SW_FORMAT,
    SW_QUIET,
    SW_HOSTS,
    SW_CONCURRENCY,
    SW_PROXYACCESS,
    SW_PROXYAUTH,
    SW_PROXYUSER,
    SW_PROXYPASSWORD,
    SW_DEBUG,
    SW_HELP,
    SW_COUNT
};

struct switch_def {
    enum sw_id id;
    const char *names[3]; /* [0] as winrm documents it; then short forms */
    const char *arg;      /* the value's placeholder; NULL for a flag */
    unsigned int ops;     /* the operations it applies to */
    const char *group;    /* starts a group in the help */
    const char *help;
};

/* The tables keep one entry per row. */
/* clang-format off */
static const struct switch_def switch_defs[] = {
    {SW_REMOTE, {"remote", "r", NULL}, "[http(s)://]HOST[:PORT][/PREFIX]", OPS_NET, "Connection",
     "The endpoint (default: localhost). HOST is a DNS name, an IPv4\n"
     "address or an IPv6 address in brackets ([::1]); the port defaults to\n"
     "5985 (http) or 5986 (https), the prefix to /wsman. Repeat -r to run\n"
     "the operation against several hosts."},
    {SW_TIMEOUT, {"timeout", NULL, NULL}, "MS", OPS_NET, NULL,
     "The operation timeout in milliseconds (default 60000)."},
    {SW_ENCODING, {"encoding", NULL, NULL}, "utf-8|utf-16", OPS_NET, NULL,
     "The character encoding of the requests (default utf-8)."},
    {SW_USESSL, {"usessl", NULL, NULL}, NULL, OPS_NET, NULL,
     "Use HTTPS (port 5986 unless given); an http:// remote is an error."},
    {SW_UNENCRYPTED, {"unencrypted", NULL, NULL}, NULL, OPS_NET, NULL,
     "Send HTTP messages unencrypted (the client configuration must have\n"
     "AllowUnencrypted = true); needed for Basic and Digest over HTTP, an\n"
     "error with HTTPS."},
    {SW_SPNPORT, {"SPNPort", NULL, NULL}, NULL, OPS_NET, NULL,
     "Append the port to the service principal name (Negotiate and\n"
     "Kerberos only)."},
    {SW_AUTH, {"authentication", "a", NULL}, "MECHANISM", OPS_NET, "Authentication",
     "None, Basic, Digest, Negotiate, Kerberos, Certificate or CredSSP.\n"
     "Default: Kerberos; Negotiate to localhost and the loopback addresses,\n"
     "and with -u to a host in TrustedHosts. Basic, Digest and CredSSP need\n"
     "-u; Certificate needs -c and HTTPS; None takes no -u, -p or -c."},
    {SW_USERNAME, {"username", "u", NULL}, "USER", OPS_NET, NULL,
     "The user name (USER, DOMAIN\\USER or USER@REALM). Without -p the\n"
     "password is asked for on the terminal, with echo off."},
    {SW_PASSWORD, {"password", "p", NULL}, "PASSWORD", OPS_NET, NULL,
     "The password. Other users can see command lines: prefer the prompt."},
    {SW_CERT, {"certificate", "c", NULL}, "THUMBPRINT", OPS_NET, NULL,
     "The client certificate's SHA-1 thumbprint (40 hexadecimal digits),\n"
     "with -a:Certificate."},
    {SW_SKIPCA, {"skipCAcheck", NULL, NULL}, NULL, OPS_NET, "HTTPS checks",
     "Do not check that a trusted authority issued the server's certificate."},
    {SW_SKIPCN, {"skipCNcheck", NULL, NULL}, NULL, OPS_NET, NULL,
     "Do not check that the server's certificate names the host."},
    {SW_SKIPREV, {"skipRevocationcheck", NULL, NULL}, NULL, OPS_NET, NULL,
     "Do not check whether the server's certificate was revoked."},
    {SW_FRAGMENT, {"fragment", NULL, NULL}, "PATH", OPB(CLI_OP_GET) | OPB(CLI_OP_SET), "Request",
     "Get or set only a part of the instance (a property path)."},
    {SW_OPTIONS, {"options", NULL, NULL}, "{KEY=\"VALUE\"[;KEY=\"VALUE\"...]}", OPS_RESOURCE, NULL,
     "Provider options (the WS-Management OptionSet)."},
    {SW_FILE, {"file", NULL, NULL}, "FILE", OPS_INPUT, NULL,
     "Read the XML body from FILE instead of an @{...} hash."},
    {SW_FILTER, {"filter", NULL, NULL}, "EXPRESSION", OPS_ENUM, NULL,
     "Enumerate only what matches EXPRESSION (in the -dialect language)."},
    {SW_DIALECT, {"dialect", NULL, NULL}, "DIALECT", OPS_ENUM, NULL,
     "The filter language: wql (the default), selector, association, xpath,\n"
     "cql, or an absolute URI."},
    {SW_ASSOCIATIONS, {"associations", NULL, NULL}, NULL, OPS_ENUM, NULL,
     "With an association filter: the association instances themselves."},
    {SW_RETURNTYPE, {"returnType", NULL, NULL}, "object|epr|objectandepr", OPS_ENUM, NULL,
     "Return the instances (the default), their references (EPRs), or both."},
    {SW_SHALLOW, {"shallow", NULL, NULL}, NULL, OPS_ENUM, NULL,
     "Only instances of the class itself, not of its subclasses."},
    {SW_BASEPROPS, {"basePropertiesOnly", NULL, NULL}, NULL, OPS_ENUM, NULL,
     "Subclasses too, but only the base class's properties."},
    {SW_FORMAT, {"format", NULL, NULL}, "text|pretty|xml", OPS_OUTPUT, "Output",
     "text: the indented Name = value tree (default); pretty: indented XML;\n"
     "xml: the reply as it came."},
    {SW_QUIET, {"quiet", NULL, NULL}, NULL, OPS_NET, NULL,
     "No progress line, no summary line when every host succeeded."},
    {SW_HOSTS, {"hosts", NULL, NULL}, "FILE", OPS_NET, "Many hosts",
     "Read more remotes from FILE, one per line (blank lines and lines\n"
     "starting with # are skipped)."},
    {SW_CONCURRENCY, {"concurrency", NULL, NULL}, "N", OPS_NET, NULL,
     "Talk to at most N hosts at a time, 1 to 1024 (default 32)."},
    {SW_PROXYACCESS, {"proxyaccess", NULL, NULL}, "ie|winhttp|autodetect|none", OPS_NET,
     "Proxy (HTTPS only, not with -a:Kerberos or -a:CredSSP)",
     "Where the proxy settings come from (default: winhttp, the client\n"
     "configuration's Proxy), or none."},
    {SW_PROXYAUTH, {"proxyauth", NULL, NULL}, "negotiate|basic|digest", OPS_NET, NULL,
     "How to authenticate to the proxy (not with -proxyaccess:none)."},
    {SW_PROXYUSER, {"proxyuser", "proxyusername", NULL}, "USER", OPS_NET, NULL,
     "The proxy user name (needs -proxyauth)."},
    {SW_PROXYPASSWORD, {"proxypassword", NULL, NULL}, "PASSWORD", OPS_NET, NULL,
     "The proxy password (needs -proxyuser)."},
    {SW_DEBUG, {"debug", NULL, NULL}, NULL, OPS_NET, "Debugging",
     "Trace every HTTP exchange on stderr (or to the file WSMAUTO_TRACE\n"
     "names): requests, replies, handshake legs and the decrypted SOAP of\n"
     "encrypted messages, with credentials and tokens shown as [hidden]."},
    {SW_HELP, {"help", "?", "h"}, NULL, OPS_ALL, "Help", "Print this help (or an operation's) and exit."},
};
/* clang-format on */

static const struct switch_def *lookup_switch(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof(switch_defs) / sizeof(switch_defs[0]); i++) {
        for (int k = 0; k < 3 && switch_defs[i].names[k]; k++) {
            const char *n = switch_defs[i].names[k];
            if (wsm_span_eq_nocase(name, len, n))
                return &switch_defs[i];
        }
    }
    return NULL;
}

/* ---- small checks ---- */

static int has_control_or_space(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7F)
            return 1;
    return 0;
}

static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7F)
            return 1;
    return 0;
}

/* A decimal number without sign or blanks, at most max; -1 otherwise. */
static long long parse_number(const char *s, long long max)
{
    long long v = 0;

    if (!*s)
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (*s - '0');
        if (v > max)
            return -1;
    }
    return v;
}

static int parse_bool(const char *v)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};

    for (size_t i = 0; i < 4; i++) {
        if (!wsm_strcasecmp_ascii(v, yes[i]))
            return 1;
        if (!wsm_strcasecmp_ascii(v, no[i]))
            return 0;
    }
    return -1;
}

static int valid_dns_name(const char *s, size_t n)
{
    size_t label = 0;

    if (n && s[n - 1] == '.') /* an absolute name: "host.example.com." */
        n--;
    if (!n || n > 253)
        return 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || s[i] == '.') {
            if (!label || label > 63 || s[i - label] == '-' || s[i - 1] == '-')
                return 0;
            label = 0;
            continue;
        }
        if (!isalnum((unsigned char)s[i]) && s[i] != '-')
            return 0;
        label++;
    }
    return 1;
}

/* NULL when r is a valid -r: value, else why not. */
static const char *check_remote(const char *r)
{
    const char *p = r, *end, *host, *host_end, *port = NULL, *port_end = NULL;
    size_t hn;

    if (!*r)
        return "it is empty";
    if (has_control_or_space(r))
        return "it contains white space or control characters";
    if (wsm_has_prefix_nocase(p, "http://"))
        p += 7;
    else if (wsm_has_prefix_nocase(p, "https://"))
        p += 8;
    else if (strstr(r, "://"))
        return "only http:// and https:// are supported";
    end = p + strcspn(p, "/");
    if (memchr(p, '@', (size_t)(end - p)))
        return "a user name does not belong in the remote: use -u";
    if (*p == '[') {
        const char *close = memchr(p, ']', (size_t)(end - p));
        if (!close)
            return "'[' without a closing ']'";
        host = p + 1;
        host_end = close;
        if (!wsm_ipv6_parse_zoned(host, (size_t)(host_end - host), NULL))
            return "the IPv6 address in brackets is not valid";
        if (close + 1 < end) {
            if (close[1] != ':')
                return "expected ':PORT' or '/PREFIX' after the ']'";
            port = close + 2;
            port_end = end;
        }
    } else {
        const char *colon = memchr(p, ':', (size_t)(end - p));
        host = p;
        host_end = colon ? colon : end;
        if (colon && memchr(colon + 1, ':', (size_t)(end - colon - 1)))
            return "an IPv6 address must be written in brackets, as [::1]";
        if (host == host_end)
            return "the host name is empty";
        hn = (size_t)(host_end - host);
        if (strspn(host, "0123456789.") >= hn) {
            if (!wsm_ipv4_parse(host, hn, NULL))
                return "the IPv4 address is not valid";
        } else if (hn > 253 + (host[hn - 1] == '.')) {
            return "the host name is longer than 253 characters";
        } else if (!valid_dns_name(host, hn)) {
            return "the host name is not a valid DNS name (labels of letters, digits and '-', at most 63 "
                   "characters each, not starting or ending with '-')";
        }
        if (colon) {
            port = colon + 1;
            port_end = end;
        }
    }
    if (port) {
        long v = 0;
        if (port == port_end || port_end - port > 5)
            return "the port must be a number from 1 to 65535";
        for (const char *c = port; c < port_end; c++) {
            if (*c < '0' || *c > '9')
                return "the port must be a number from 1 to 65535";
            v = v * 10 + (*c - '0');
        }
        if (v < 1 || v > 65535)
            return "the port must be a number from 1 to 65535";
    }
    return NULL;
}

/* Checks a resource URI as the library will read it; rewrites '&' selector separators to '+'. */
static int check_resource(const char *op, char *r, char **err)
{
    struct cli_quoted q, q2;
    char *question = strchr(r, '?'), *sel;

    if (!*r)
        return cli_fail(err, -1, "%s: the resource URI is empty", op);
    if (has_control(r))
        return cli_fail(err, -1, "%s: the resource URI '%s' contains control characters", op,
                        cli_quote_str(&q, r));
    if (question == r)
        return cli_fail(err, -1, "%s: the resource URI '%s' has selectors but nothing before the '?'", op,
                        cli_quote_str(&q, r));
    for (const char *c = r, *end = question ? question : r + strlen(r); c < end; c++)
        if ((unsigned char)*c <= 0x20)
            return cli_fail(err, -1, "%s: the resource URI '%s' contains white space", op,
                            cli_quote_str(&q, r));
    if (!question)
        return 0;
    sel = question + 1;
    if (!*sel)
        return cli_fail(err, -1, "%s: the resource URI '%s' ends with '?' but no selectors follow", op,
                        cli_quote_str(&q, r));
    for (;;) {
        size_t n = strcspn(sel, "+&");
        char *eq = memchr(sel, '=', n);
        if (!n)
            return cli_fail(
                err, -1,
                "%s: the resource URI '%s' has an empty selector (a '+' or '&' at the start or end, "
                "or two in a row)",
                op, cli_quote_str(&q, r));
        if (!eq)
            return cli_fail(err, -1,
                            "%s: the selector '%s' has no '=' (selectors are NAME=VALUE joined by '+')", op,
                            cli_quote(&q, sel, n));
        if (eq == sel)
            return cli_fail(err, -1, "%s: the selector '%s' has an empty name", op, cli_quote(&q, sel, n));
        for (const char *c = sel; c < eq; c++)
            if ((unsigned char)*c <= 0x20)
                return cli_fail(err, -1, "%s: the selector name '%s' contains white space", op,
                                cli_quote(&q2, sel, (size_t)(eq - sel)));
        if (!sel[n])
            break;
        sel[n] = '+';
        sel += n + 1;
    }
    return 0;
}

/* helpmsg: decimal (up to 4294967295), negative decimal (down to -2147483648, an HRESULT as VBScript's Long
 * shows it) or 0x hex (up to 8 digits). Returns 1 with *code, or 0. */
static int parse_error_code(const char *s, unsigned long *code)
{
    long long v;

    if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))) {
        size_t n = strlen(s + 2);
        if (n < 1 || n > 8 || strspn(s + 2, "0123456789abcdefABCDEF") != n)
            return 0;
        *code = strtoul(s + 2, NULL, 16);
        return 1;
    }
    if (*s == '-') {
        if ((v = parse_number(s + 1, 2147483648LL)) < 0)
            return 0;
        *code = (unsigned long)(4294967296LL - v) & 0xFFFFFFFFul;
        return 1;
    }
    if ((v = parse_number(s, 4294967295LL)) < 0)
        return 0;
    *code = (unsigned long)v;
    return 1;
}

/* Clears a secret before it is freed (volatile: the stores must not be optimized away). */
static void wipe_n(char *s, size_t n)
{
    volatile char *v = s;

    while (s && n--)
        *v++ = '\0';
}

static void wipe(char *s)
{
    if (s)
        wipe_n(s, strlen(s));
}

/* ---- the parser ---- */

struct sw_use {
    const struct switch_def *def;
    const char *typed; /* the switch as typed, typed_len bytes: "-r", "/Remote", "--remote" */
    int typed_len;
    const char *value; /* NULL when none was given */
};

struct parser {
    struct cli_opts *o;
    char **err;
    char *seen[SW_COUNT]; /* the canonical value each switch had, to catch contradicting repeats */
    const struct sw_use *first[SW_COUNT]; /* how each switch was first typed (for the messages) */
    size_t remote_cap;
    size_t cmdline_remotes; /* remotes[0..cmdline_remotes) came from -r, the rest from -hosts */
};

/* A switch word: "-x", "/x", "--x" (not a lone "-" followed by a digit: a negative number is an argument). */
static int is_switch_word(const char *w)
{
    if (w[0] == '/')
        return w[1] != '\0';
    if (w[0] != '-' || !w[1])
        return 0;
    return !(w[1] >= '0' && w[1] <= '9');
}

static int add_remote(struct parser *ps, const char *value, size_t len)
{
    struct cli_opts *o = ps->o;
    char *copy;

    if (o->remote_count + 2 > ps->remote_cap) {
        size_t cap = ps->remote_cap ? ps->remote_cap * 2 : 8;
        char **grown = realloc(o->remotes, cap * sizeof(*grown));
        if (!grown)
            return cli_fail(ps->err, CLI_EXIT_USAGE, "out of memory");
        o->remotes = grown;
        ps->remote_cap = cap;
    }
    if (!(copy = wsm_strndup(value, len)))
        return cli_fail(ps->err, CLI_EXIT_USAGE, "out of memory");
    o->remotes[o->remote_count++] = copy;
    o->remotes[o->remote_count] = NULL;
    return CLI_EXIT_OK;
}

/* What the user typed for one use of a switch: the value as typed, or for a flag the whole word ("-usessl",
 * "-usessl:false", "--usessl=no"). */
static const char *typed_value(const struct sw_use *u)
{
    return u->def->arg ? u->value : u->typed;
}

/* Records the canonical value of a switch; a repeat with another value is an error that quotes both values as
 * they were typed. */
static int note_value(struct parser *ps, const struct sw_use *u, const char *canonical)
{
    struct cli_quoted q1, q2;
    enum sw_id id = u->def->id;
    int secret = id == SW_PASSWORD || id == SW_PROXYPASSWORD;

    if (ps->seen[id]) {
        if (!strcmp(ps->seen[id], canonical))
            return CLI_EXIT_OK;
        if (secret)
            return cli_fail(ps->err, CLI_EXIT_USAGE, "%.*s is given twice with different values",
                            u->typed_len, u->typed);
        return cli_fail(ps->err, CLI_EXIT_USAGE,
                        "%.*s is given twice with different values ('%s', then '%s')", u->typed_len, u->typed,
                        cli_quote_str(&q1, typed_value(ps->first[id])), cli_quote_str(&q2, typed_value(u)));
    }
    if (!(ps->seen[id] = strdup(canonical)))
        return cli_fail(ps->err, CLI_EXIT_USAGE, "out of memory");
    ps->first[id] = u;
    return CLI_EXIT_OK;
}

/* A switch as the user first typed it, for a message: "-a:basic", "--authentication=basic", "/UseSSL",
 * "-unencrypted:true"; `fallback` when it was not given. Values are quoted as cli_quote() does. */
struct said {
    char text[CLI_QUOTE_MAX * 8 + 120]; /* a switch as typed, or a remote with the switch that gave it */
};

static const char *said(const struct parser *ps, enum sw_id id, const char *fallback, struct said *b)
{
    const struct sw_use *u = ps->first[id];
    struct cli_quoted q;

    if (!u)
        return fallback;
    if (!u->def->arg) /* a flag: the whole word, which holds any :true/:false */
        snprintf(b->text, sizeof(b->text), "%s", cli_quote_str(&q, u->typed));
    else
        snprintf(b->text, sizeof(b->text), "%.*s%c%s", u->typed_len < 40 ? u->typed_len : 40, u->typed,
                 u->typed[0] == '-' && u->typed[1] == '-' ? '=' : ':', cli_quote_str(&q, u->value));
    return b->text;
}

static int set_string(struct parser *ps, const struct sw_use *u, char **field)
{
    int rc = note_value(ps, u, u->value);

    if (rc || *field)
        return rc;
    if (!(*field = strdup(u->value)))
        return cli_fail(ps->err, CLI_EXIT_USAGE, "out of memory");
    return CLI_EXIT_OK;
}

struct keyword {
    const char *word;
    int value;
};

/* Maps a value through a table; an unknown value is an error listing the choices. */
static int set_keyword(struct parser *ps, const struct sw_use *u, const struct keyword *table,
                       const char *choices, int *field)
{
    struct cli_quoted q;
    char num[16];

    for (const struct keyword *k = table; k->word; k++) {
        if (!wsm_strcasecmp_ascii(u->value, k->word)) {
            snprintf(num, sizeof(num), "%d", k->value);
            *field = k->value;
            return note_value(ps, u, num);
        }
    }
    return cli_fail(ps->err, CLI_EXIT_USAGE, "%.*s: '%s' is not one of %s", u->typed_len, u->typed,
                    cli_quote_str(&q, u->value), choices);
}

static const struct keyword auth_words[] = {
    {"None", CLI_AUTH_NONE},         {"Basic", CLI_AUTH_BASIC},
    {"Digest", CLI_AUTH_DIGEST},     {"Negotiate", CLI_AUTH_NEGOTIATE},
    {"Kerberos", CLI_AUTH_KERBEROS}, {"Certificate", CLI_AUTH_CERTIFICATE},
    {"CredSSP", CLI_AUTH_CREDSSP},   {NULL, 0},
};
static const struct keyword encoding_words[] = {
    {"utf-8", 0}, {"utf8", 0}, {"utf-16", 1}, {"utf16", 1}, {NULL, 0},
};
static const struct keyword format_words[] = {
    {"text", CLI_FORMAT_TEXT},
    {"#text", CLI_FORMAT_TEXT},
    {"xml", CLI_FORMAT_XML},
    {"#xml", CLI_FORMAT_XML},
    {"pretty", CLI_FORMAT_PRETTY},
    {"#pretty", CLI_FORMAT_PRETTY},
    {NULL, 0},
};
static const struct keyword return_type_words[] = {
    {"object", CLI_RETURN_OBJECT},
    {"epr", CLI_RETURN_EPR},
    {"objectandepr", CLI_RETURN_OBJECT_AND_EPR},
    {NULL, 0},
};
static const struct keyword proxy_access_words[] = {
    {"ie", WSManProxyIEConfig},
    {"winhttp", WSManProxyWinHttpConfig},
    {"autodetect", WSManProxyAutoDetect},
    {"none", WSManProxyNoProxyServer},
    {NULL, 0},
};
static const struct keyword proxy_auth_words[] = {
    {"negotiate", WSManFlagProxyAuthenticationUseNegotiate},
    {"basic", WSManFlagProxyAuthenticationUseBasic},
    {"digest", WSManFlagProxyAuthenticationUseDigest},
    {NULL, 0},
};

static const struct {
    const char *name, *uri;
} dialects[] = {
    {"wql", WSM_DIALECT_WQL},
    {"selector", WSM_DIALECT_SELECTOR},
    {"association", WSM_DIALECT_ASSOCIATION},
    {"xpath", WSM_DIALECT_XPATH},
    {"cql", WSM_DIALECT_CQL},
};

/* A SHA-1 thumbprint as the library takes it: 40 hexadecimal digits, blanks allowed between them. */
static int is_thumbprint(const char *s)
{
    size_t digits = 0;

    for (; *s; s++) {
        if (*s == ' ' || *s == '\t')
            continue;
        if (wsm_hex_value((unsigned char)*s) < 0)
            return 0;
        digits++;
    }
    return digits == 40;
}

/* An absolute URI: scheme ":" something, no blanks. */
static int is_absolute_uri(const char *s)
{
    const char *c = s;

    if (!isalpha((unsigned char)*c))
        return 0;
    while (isalnum((unsigned char)*c) || *c == '+' || *c == '-' || *c == '.')
        c++;
    return *c == ':' && c[1] && !has_control_or_space(s);
}

/* 0 when u's switch applies to the operation, else the usage error naming the operations it is for. */
static int check_switch_applies(struct parser *ps, const struct sw_use *u)
{
    char only[128] = "";

    if (u->def->ops & OPB(ps->o->op))
        return CLI_EXIT_OK;
    if ((u->def->ops & OPS_NET) != OPS_NET) { /* name the few operations it is for */
        for (size_t i = 0; i < sizeof(op_defs) / sizeof(op_defs[0]); i++) {
            if (u->def->ops & OPB(op_defs[i].op))
                snprintf(only + strlen(only), sizeof(only) - strlen(only), "%s%s",
                         *only ? ", " : " (only to ", op_defs[i].name);
        }
        if (*only)
            snprintf(only + strlen(only), sizeof(only) - strlen(only), ")");
    }
    return cli_fail(ps->err, CLI_EXIT_USAGE, "%.*s does not apply to %s%s", u->typed_len, u->typed,
                    cli_op_name(ps->o->op), only);
}

/* The option a flag switch (one without a value) sets; NULL for one that sets none of its own (-help). */
static int *flag_field(struct cli_opts *o, enum sw_id id)
{
    switch (id) {
    case SW_USESSL:
        return &o->usessl;
    case SW_UNENCRYPTED:
        return &o->unencrypted;
    case SW_SPNPORT:
        return &o->spn_port;
    case SW_SKIPCA:
        return &o->skip_ca;
    case SW_SKIPCN:
        return &o->skip_cn;
    case SW_SKIPREV:
        return &o->skip_revocation;
    case SW_ASSOCIATIONS:
        return &o->associations;
    case SW_SHALLOW:
        return &o->shallow;
    case SW_BASEPROPS:
        return &o->base_properties_only;
    case SW_QUIET:
        return &o->quiet;
    case SW_DEBUG:
        return &o->debug;
    default:
        return NULL;
    }
}

/* A flag: "-usessl", or "-usessl:false". */
static int apply_flag(struct parser *ps, const struct sw_use *u)
{
    struct cli_quoted q;
    int b = 1, *flag;

    if (u->value && (b = parse_bool(u->value)) < 0)
        return cli_fail(ps->err, CLI_EXIT_USAGE, "%.*s does not take a value (only true or false): '%s'",
                        u->typed_len, u->typed, cli_quote_str(&q, u->value));
    if ((flag = flag_field(ps->o, u->def->id)))
        *flag = b;
    return note_value(ps, u, b ? "true" : "false");
}

/* -timeout and -concurrency: a whole number from 1 to max into *field; the error says the value "is not
 * <before>max<after>". */
static int apply_number(struct parser *ps, const struct sw_use *u, long long max, const char *before,
                        const char *after, long *field)
{
    struct cli_quoted q;
    char num[32];
    long long n = parse_number(u->value, max);

    if (n < 1)
        return cli_fail(ps->err, CLI_EXIT_USAGE, "%.*s: '%s' is not %s%d%s", u->typed_len, u->typed,
                        cli_quote_str(&q, u->value), before, (int)max, after);
    *field = (long)n;
    snprintf(num, sizeof(num), "%lld", n);
    return note_value(ps, u, num);
}

/* A switch whose value is one of a few words (-a, -format, -returntype, -encoding, -proxyaccess...). */
static int apply_keyword(struct parser *ps, const struct sw_use *u)
{
    struct cli_opts *o = ps->o;
    int v = 0, rc;

    switch (u->def->id) {
    case SW_ENCODING:
        return set_keyword(ps, u, encoding_words, "utf-8, utf-16", &o->utf16);
    case SW_PROXYACCESS:
        return set_keyword(ps, u, proxy_access_words, "ie, winhttp, autodetect, none", &o->proxy_access);
    case SW_PROXYAUTH:
        return set_keyword(ps, u, proxy_auth_words, "negotiate, basic, digest", &o->proxy_auth);
    case SW_AUTH:
        rc = set_keyword(ps, u, auth_words, "None, Basic, Digest, Negotiate, Kerberos, Certificate, CredSSP",
                         &v);
        o->auth = (enum cli_auth)v;
        return rc;
    case SW_FORMAT:
        rc = set_keyword(ps, u, format_words, "text, pretty, xml", &v);
        o->format = (enum cli_format)v;
        return rc;
    default: /* SW_RETURNTYPE */
        rc = set_keyword(ps, u, return_type_words, "object, epr, objectandepr", &v);
        o->return_type = (enum cli_return_type)v;
        return rc;
    }
}

/* -remote: checked, then added to the list of remotes. */
static int apply_remote(struct parser *ps, const struct sw_use *u)
{
    struct cli_quoted q;
    const char *why = check_remote(u->value);

    if (why)
        return cli_fail(ps->err, CLI_EXIT_USAGE, "%.*s: '%s' is not a valid remote: %s", u->typed_len,
                        u->typed, cli_quote_str(&q, u->value), why);
    if (!ps->first[SW_REMOTE])
        ps->first[SW_REMOTE] = u;
    return add_remote(ps, u->value, strlen(u->value));
}

/* -dialect: a short name (wql, selector...) or an absolute URI. */
static int apply_dialect(struct parser *ps, const struct sw_use *u)
{
    struct cli_quoted q;
    const char *v = u->value, *uri = NULL;
    int rc;

    for (size_t i = 0; i < sizeof(dialects) / sizeof(dialects[0]); i++)
        if (!wsm_strcasecmp_ascii(v, dialects[i].name))
            uri = dialects[i].uri;
    if (!uri && !is_absolute_uri(v))
        return cli_fail(ps->err, CLI_EXIT_USAGE,
                        "%.*s: '%s' is neither wql, selector, association, xpath, cql nor an absolute URI",
                        u->typed_len, u->typed, cli_quote_str(&q, v));
    if ((rc = note_value(ps, u, uri ? uri : v)) || ps->o->dialect)
        return rc;
    if (!(ps->o->dialect = strdup(uri ? uri : v)))
        return cli_fail(ps->err, CLI_EXIT_USAGE, "out of memory");
    return CLI_EXIT_OK;
}

/* -options:@{name=value;...}: plain values only. */
static int apply_options(struct parser *ps, const struct sw_use *u)
{
    struct cli_quoted q;
    struct cli_props *props;
    char *perr = NULL;
    int rc;

    if ((rc = note_value(ps, u, u->value)) || ps->o->options)
        return rc;
    if (cli_parse_options(u->value, &props, &perr)) {
        rc = cli_fail(ps->err, CLI_EXIT_USAGE, "%.*s: %s", u->typed_len, u->typed, perr);
        free(perr);
        return rc;
    }
    for (size_t i = 0; i < props->count; i++) {
        if (props->items[i].children || !props->items[i].value) {
            rc = cli_fail(ps->err, CLI_EXIT_USAGE,
                          "%.*s: the option '%s' needs a plain value (no @{...}, "
                          "no $null)",
                          u->typed_len, u->typed, cli_quote_str(&q, props->items[i].name));
            cli_props_free(props);
            return rc;
        }
    }
    ps->o->options = props;
    return CLI_EXIT_OK;
}

/* A switch that takes a string as it is (after the checks a few of them have). */
static int apply_string(struct parser *ps, const struct sw_use *u)
{
    struct cli_opts *o = ps->o;
    struct cli_quoted q;

    switch (u->def->id) {
    case SW_USERNAME:
        if (has_control(u->value))
            return cli_fail(ps->err, CLI_EXIT_USAGE, "%.*s: the user name contains control characters",
                            u->typed_len, u->typed);
        return set_string(ps, u, &o->username);
    case SW_PASSWORD:
        o->password_given = 1;
        return set_string(ps, u, &o->password);
    case SW_CERT:
        if (!is_thumbprint(u->value))
            return cli_fail(ps->err, CLI_EXIT_USAGE,
                            "%.*s: '%s' is not a certificate thumbprint (the certificate's SHA-1 hash: 40 "
                            "hexadecimal digits)",
                            u->typed_len, u->typed, cli_quote_str(&q, u->value));
        return set_string(ps, u, &o->cert_thumbprint);
    case SW_FRAGMENT:
        return set_string(ps, u, &o->fragment);
    case SW_FILTER:
        return set_string(ps, u, &o->filter);
    case SW_FILE:
        return set_string(ps, u, &o->input_file);
    case SW_HOSTS:
        return set_string(ps, u, &o->hosts_file);
    case SW_PROXYUSER:
        return set_string(ps, u, &o->proxy_user);
    case SW_PROXYPASSWORD:
        return set_string(ps, u, &o->proxy_password);
    default:
        return CLI_EXIT_OK;
    }
}

static int apply_switch(struct parser *ps, const struct sw_use *u)
{
    struct cli_opts *o = ps->o;
    long n;
    int rc;

    if ((rc = check_switch_applies(ps, u)))
        return rc;
    if (!u->def->arg)
        return apply_flag(ps, u);
    /* A switch with a value: only the passwords may be empty. */
    if (!*u->value && u->def->id != SW_PASSWORD && u->def->id != SW_PROXYPASSWORD)
        return cli_fail(ps->err, CLI_EXIT_USAGE, "%.*s needs a value (%.*s:%s)", u->typed_len, u->typed,
                        u->typed_len, u->typed, u->def->arg);
    switch (u->def->id) {
    case SW_REMOTE:
        return apply_remote(ps, u);
    case SW_TIMEOUT:
        return apply_number(ps, u, INT_MAX, "a positive number of milliseconds (at most ", ")",
                            &o->timeout_ms);
    case SW_CONCURRENCY:
        n = 0;
        rc = apply_number(ps, u, CLI_MAX_CONCURRENCY, "a number from 1 to ", "", &n);
        if (n)
            o->concurrency = (int)n;
        return rc;
    case SW_ENCODING:
    case SW_AUTH:
    case SW_FORMAT:
    case SW_RETURNTYPE:
    case SW_PROXYACCESS:
    case SW_PROXYAUTH:
        return apply_keyword(ps, u);
    case SW_DIALECT:
        return apply_dialect(ps, u);
    case SW_OPTIONS:
        return apply_options(ps, u);
    default:
        return apply_string(ps, u);
    }
}

static int read_hosts_file(struct parser *ps)
{
    struct cli_opts *o = ps->o;
    struct cli_quoted q, q2;
    char *text, *ferr = NULL, *line;
    size_t len, lineno = 0, before = o->remote_count;
    int rc = CLI_EXIT_OK;

    if (cli_read_text_file(o->hosts_file, HOSTS_FILE_MAX, &text, &len, &ferr)) {
        rc = cli_fail(ps->err, CLI_EXIT_USAGE, "-hosts: %s", ferr);
        free(ferr);
        return rc;
    }
    for (line = text; line && line < text + len && !rc;) {
        char *nl = memchr(line, '\n', (size_t)(text + len - line));
        char *s = line;
        const char *why;
        size_t n = nl ? (size_t)(nl - line) : (size_t)(text + len - line);

        lineno++;
        line = nl ? nl + 1 : NULL;
        while (n && (*s == ' ' || *s == '\t' || *s == '\r'))
            s++, n--;
        while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
            n--;
        if (!n || *s == '#')
            continue;
        s[n] = '\0'; /* the line's end (its newline or the text's NUL) */
        if ((why = check_remote(s)))
            rc = cli_fail(ps->err, CLI_EXIT_USAGE, "-hosts: '%s' line %zu: '%s' is not a valid remote: %s",
                          cli_quote_str(&q, o->hosts_file), lineno, cli_quote_str(&q2, s), why);
        else
            rc = add_remote(ps, s, n);
    }
    free(text);
    if (!rc && o->remote_count == before)
        rc = cli_fail(ps->err, CLI_EXIT_USAGE, "-hosts: '%s' lists no hosts",
                      cli_quote_str(&q, o->hosts_file));
    return rc;
}

static int read_input_file(struct parser *ps)
{
    struct cli_opts *o = ps->o;
    struct cli_quoted q;
    char *ferr = NULL;
    size_t len;
    int rc;

    if (cli_read_text_file(o->input_file, CLI_MAX_XML, &o->input_xml, &len, &ferr)) {
        rc = cli_fail(ps->err, CLI_EXIT_USAGE, "-file: %s", ferr);
        free(ferr);
        return rc;
    }
    if (strspn(o->input_xml, " \t\r\n") == len)
        return cli_fail(ps->err, CLI_EXIT_USAGE, "-file: '%s' is empty", cli_quote_str(&q, o->input_file));
    return CLI_EXIT_OK;
}

/* The words after the operation. */
static int take_positionals(struct parser *ps, char **pos, int npos)
{
    struct cli_opts *o = ps->o;
    const char *op = cli_op_name(o->op);
    struct cli_quoted q;
    int used = 0, need_resource = 0, want_input = 0;
    char *perr = NULL;
    int rc;

    switch (o->op) {
    case CLI_OP_GET:
    case CLI_OP_DELETE:
    case CLI_OP_ENUMERATE:
        need_resource = 1;
        break;
    case CLI_OP_SET:
    case CLI_OP_CREATE:
        need_resource = 1;
        want_input = 1;
        break;
    case CLI_OP_INVOKE:
        if (npos < 1)
            return cli_fail(ps->err, CLI_EXIT_USAGE,
                            "invoke: missing the method name and the resource URI "
                            "(wsmanctl invoke ACTION RESOURCE_URI [@{...}])");
        if (!*pos[0] || has_control_or_space(pos[0]))
            return cli_fail(ps->err, CLI_EXIT_USAGE, "invoke: '%s' is not a method name",
                            cli_quote_str(&q, pos[0]));
        if (!(o->action = strdup(pos[0])))
            return cli_fail(ps->err, CLI_EXIT_USAGE, "out of memory");
        used = 1;
        need_resource = 1;
        want_input = 1;
        break;
    case CLI_OP_HELPMSG:
        if (npos < 1)
            return cli_fail(ps->err, CLI_EXIT_USAGE,
                            "helpmsg: missing the error code (wsmanctl helpmsg CODE)");
        if (!parse_error_code(pos[0], &o->helpmsg_value))
            return cli_fail(
                ps->err, CLI_EXIT_USAGE,
                "helpmsg: '%s' is not an error code (decimal, negative decimal or 0x hex, 32 bits)",
                cli_quote_str(&q, pos[0]));
        if (!(o->helpmsg_code = strdup(pos[0])))
            return cli_fail(ps->err, CLI_EXIT_USAGE, "out of memory");
        used = 1;
        break;
    case CLI_OP_EXEC:
        if (npos)
            return cli_fail(ps->err, CLI_EXIT_USAGE,
                            "exec: unexpected argument '%s' (the command goes after '--': wsmanctl exec "
                            "-r:HOST -- COMMAND [ARGS])",
                            cli_quote_str(&q, pos[0]));
        break;
    default:
        break;
    }
    if (need_resource) {
        if (used >= npos)
            return cli_fail(ps->err, CLI_EXIT_USAGE, "%s: missing the resource URI", op);
        if (!(o->resource = strdup(pos[used])))
            return cli_fail(ps->err, CLI_EXIT_USAGE, "out of memory");
        if (check_resource(op, o->resource, ps->err))
            return CLI_EXIT_USAGE;
        used++;
    }
    if (want_input && used < npos) {
        const char *t = pos[used] + strspn(pos[used], " \t\r\n");
        if (*t == '@' || *t == '{') {
            if (cli_parse_hash(pos[used], &o->input, &perr)) {
                rc = cli_fail(ps->err, CLI_EXIT_USAGE, "%s: %s", op, perr);
                free(perr);
                return rc;
            }
            used++;
        }
    }
    if (used < npos)
        return cli_fail(ps->err, CLI_EXIT_USAGE, "%s: unexpected argument '%s'%s", op,
                        cli_quote_str(&q, pos[used]),
                        want_input ? " (the input is one @{...} argument: quote it)" : "");
    return CLI_EXIT_OK;
}

/* A switch's name as the user first typed it ("-u", "/U", "--username"): never its value (-p!). */
static const char *said_name(const struct parser *ps, enum sw_id id, const char *fallback, struct said *b)
{
    const struct sw_use *u = ps->first[id];

    if (!u)
        return fallback;
    snprintf(b->text, sizeof(b->text), "%.*s", u->typed_len < 40 ? u->typed_len : 40, u->typed);
    return b->text;
}

/* Remote i for a message: "the -r remote 'srv'", "the remote 'srv' in -hosts:list.txt", or, with no remote at
 * all, "the default remote localhost". */
static const char *said_remote(const struct parser *ps, size_t i, struct said *b)
{
    const struct cli_opts *o = ps->o;
    struct cli_quoted q;
    struct said n;

    if (!o->remote_count)
        return "the default remote localhost";
    /* room for the quoted remote and the words; the switch as typed gets the rest */
    int room = (int)(sizeof(b->text) - sizeof(q.text) - 24);
    if (i < ps->cmdline_remotes)
        snprintf(b->text, sizeof(b->text), "the %.*s remote '%s'", room, said_name(ps, SW_REMOTE, "-r", &n),
                 cli_quote_str(&q, o->remotes[i]));
    else
        snprintf(b->text, sizeof(b->text), "the remote '%s' in %.*s", cli_quote_str(&q, o->remotes[i]), room,
                 said(ps, SW_HOSTS, "-hosts", &n));
    return b->text;
}

/* The mechanisms that need a user name and a password (CreateSession refuses them without). */
static int needs_password(enum cli_auth a)
{
    return a == CLI_AUTH_BASIC || a == CLI_AUTH_DIGEST || a == CLI_AUTH_CREDSSP;
}

/* The contradictions between authentication switches that the library would refuse
 * (src/core/config/sessioncfg.c, wsm_check_session and wsm_check_proxy): each is a usage error naming both
 * switches. */
static int auth_checks(struct parser *ps)
{
    struct cli_opts *o = ps->o;
    struct said a, n1, n2;
    const char *auth = said(ps, SW_AUTH, "-a", &a);

    if (o->auth == CLI_AUTH_CERTIFICATE) {
        if (o->username)
            return cli_fail(ps->err, CLI_EXIT_USAGE,
                            "%s does not apply with %s (the certificate names the user)",
                            said_name(ps, SW_USERNAME, "-u", &n1), auth);
        if (o->password_given)
            return cli_fail(ps->err, CLI_EXIT_USAGE, "%s does not apply with %s",
                            said_name(ps, SW_PASSWORD, "-p", &n1), auth);
        if (!o->cert_thumbprint)
            return cli_fail(ps->err, CLI_EXIT_USAGE, "%s needs -c:THUMBPRINT (the client certificate)", auth);
    } else if (o->cert_thumbprint) {
        if (o->auth != CLI_AUTH_DEFAULT)
            return cli_fail(ps->err, CLI_EXIT_USAGE, "%s (a client certificate) needs -a:Certificate, not %s",
                            said_name(ps, SW_CERT, "-c", &n1), auth);
        return cli_fail(ps->err, CLI_EXIT_USAGE, "%s (a client certificate) needs -a:Certificate",
                        said_name(ps, SW_CERT, "-c", &n1));
    }
    if (o->auth == CLI_AUTH_NONE && (o->username || o->password_given))
        return cli_fail(ps->err, CLI_EXIT_USAGE, "%s cannot be used with %s, which sends no credentials",
                        o->username ? said_name(ps, SW_USERNAME, "-u", &n1)
                                    : said_name(ps, SW_PASSWORD, "-p", &n1),
                        auth);
    if (o->password_given && !o->username)
        return cli_fail(ps->err, CLI_EXIT_USAGE, "%s needs -u (the user name)",
                        said_name(ps, SW_PASSWORD, "-p", &n1));
    if (needs_password(o->auth) && !o->username)
        return cli_fail(ps->err, CLI_EXIT_USAGE,
                        "%s needs -u:USER and a password (-p:PASSWORD, or asked for on the terminal)", auth);
    if (needs_password(o->auth) && o->password_given && !*o->password)
        return cli_fail(ps->err, CLI_EXIT_USAGE, "%s needs a password, but %s is empty", auth,
                        said_name(ps, SW_PASSWORD, "-p", &n1));
    if (o->spn_port && o->auth != CLI_AUTH_DEFAULT && o->auth != CLI_AUTH_NEGOTIATE &&
        o->auth != CLI_AUTH_KERBEROS)
        return cli_fail(ps->err, CLI_EXIT_USAGE,
                        "%s cannot be used with %s: it is for -a:Negotiate and -a:Kerberos only",
                        said(ps, SW_SPNPORT, "-SPNPort", &n1), auth);

    /* The proxy (SetProxy's checks, then CreateSession's). */
    if (!o->proxy_access && (o->proxy_auth || o->proxy_user || o->proxy_password))
        return cli_fail(ps->err, CLI_EXIT_USAGE, "%s needs -proxyaccess",
                        o->proxy_auth   ? said_name(ps, SW_PROXYAUTH, "-proxyauth", &n1)
                        : o->proxy_user ? said_name(ps, SW_PROXYUSER, "-proxyuser", &n1)
                                        : said_name(ps, SW_PROXYPASSWORD, "-proxypassword", &n1));
    if (o->proxy_password && !o->proxy_user)
        return cli_fail(ps->err, CLI_EXIT_USAGE, "%s needs -proxyuser",
                        said_name(ps, SW_PROXYPASSWORD, "-proxypassword", &n1));
    if (o->proxy_access == WSManProxyNoProxyServer && (o->proxy_auth || o->proxy_user))
        return cli_fail(ps->err, CLI_EXIT_USAGE, "%s cannot be used with %s, which connects without a proxy",
                        o->proxy_auth ? said(ps, SW_PROXYAUTH, "-proxyauth", &n1)
                                      : said_name(ps, SW_PROXYUSER, "-proxyuser", &n1),
                        said(ps, SW_PROXYACCESS, "-proxyaccess", &n2));
    if (o->proxy_user && !o->proxy_auth)
        return cli_fail(ps->err, CLI_EXIT_USAGE, "%s needs -proxyauth (how to authenticate to the proxy)",
                        said_name(ps, SW_PROXYUSER, "-proxyuser", &n1));
    if (o->proxy_access && o->proxy_access != WSManProxyNoProxyServer &&
        (o->auth == CLI_AUTH_KERBEROS || o->auth == CLI_AUTH_CREDSSP))
        return cli_fail(ps->err, CLI_EXIT_USAGE,
                        "%s cannot be used with %s: a proxy works with the other mechanisms only",
                        said(ps, SW_PROXYACCESS, "-proxyaccess", &n1), auth);
    return CLI_EXIT_OK;
}

/* The contradictions between the transport of each remote (HTTP or HTTPS) and the other switches, as the
 * library would refuse them (CreateSession, or its client policy before anything is sent). */
static int transport_checks(struct parser *ps)
{
    struct cli_opts *o = ps->o;
    struct said a, n, r;
    size_t count = o->remote_count ? o->remote_count : 1;

    for (size_t i = 0; i < count; i++) {
        const char *remote = o->remote_count ? o->remotes[i] : "localhost";
        int http_scheme = wsm_has_prefix_nocase(remote, "http://");
        int https = o->usessl || wsm_has_prefix_nocase(remote, "https://");

        if (o->usessl && http_scheme)
            return cli_fail(ps->err, CLI_EXIT_USAGE, "%s cannot be used with %s, which is http://",
                            said_name(ps, SW_USESSL, "-usessl", &n), said_remote(ps, i, &r));
        if (o->unencrypted && https) {
            if (o->usessl)
                return cli_fail(
                    ps->err, CLI_EXIT_USAGE, "%s cannot be used with %s: HTTPS is always encrypted",
                    said(ps, SW_UNENCRYPTED, "-unencrypted", &n), said(ps, SW_USESSL, "-usessl", &a));
            return cli_fail(ps->err, CLI_EXIT_USAGE, "%s cannot be used with %s: HTTPS is always encrypted",
                            said(ps, SW_UNENCRYPTED, "-unencrypted", &n), said_remote(ps, i, &r));
        }
        if (https)
            continue;
        if (o->auth == CLI_AUTH_CERTIFICATE)
            return cli_fail(ps->err, CLI_EXIT_USAGE,
                            "%s needs HTTPS, but %s is HTTP: use an https:// remote or -usessl",
                            said(ps, SW_AUTH, "-a", &a), said_remote(ps, i, &r));
        if ((o->auth == CLI_AUTH_BASIC || o->auth == CLI_AUTH_DIGEST) && !o->unencrypted)
            return cli_fail(ps->err, CLI_EXIT_USAGE,
                            "%s over HTTP needs -unencrypted (%s is HTTP, and %s cannot encrypt the "
                            "messages): use an https:// remote or -usessl, or give -unencrypted (with "
                            "AllowUnencrypted = true in the client configuration)",
                            said(ps, SW_AUTH, "-a", &a), said_remote(ps, i, &r),
                            o->auth == CLI_AUTH_BASIC ? "Basic" : "Digest");
        if (o->proxy_access && o->proxy_access != WSManProxyNoProxyServer)
            return cli_fail(ps->err, CLI_EXIT_USAGE,
                            "%s needs HTTPS, but %s is HTTP: use an https:// remote or -usessl",
                            said(ps, SW_PROXYACCESS, "-proxyaccess", &a), said_remote(ps, i, &r));
    }
    return CLI_EXIT_OK;
}

/* What cannot be judged one switch at a time. */
static int cross_checks(struct parser *ps)
{
    struct cli_opts *o = ps->o;
    int rc;

    if (o->input && o->input_file)
        return cli_fail(ps->err, CLI_EXIT_USAGE, "-file and @{...} cannot be used together: give one input");
    if (o->op == CLI_OP_SET && !o->input && !o->input_file)
        return cli_fail(ps->err, CLI_EXIT_USAGE, "set: no input: give @{NAME=\"VALUE\"} or -file:FILE");
    if ((rc = auth_checks(ps)))
        return rc;
    if (o->dialect && !o->filter)
        return cli_fail(ps->err, CLI_EXIT_USAGE, "-dialect needs -filter");
    if (o->shallow && o->base_properties_only)
        return cli_fail(ps->err, CLI_EXIT_USAGE, "-shallow and -basePropertiesOnly cannot be used together");
    if (o->input_file && read_input_file(ps))
        return CLI_EXIT_USAGE;
    ps->cmdline_remotes = o->remote_count;
    if (o->hosts_file && read_hosts_file(ps))
        return CLI_EXIT_USAGE;
    if (OPB(o->op) & OPS_NET)
        return transport_checks(ps);
    return CLI_EXIT_OK;
}

/* Splits one switch word; *value is NULL when no ':' (or '=' after "--") separates a value. */
static void split_switch(const char *w, const char **name, size_t *name_len, int *typed_len,
                         const char **value)
{
    int gnu = w[0] == '-' && w[1] == '-';
    const char *n = w + (gnu ? 2 : 1);
    size_t len = strcspn(n, gnu ? ":=" : ":");

    *name = n;
    *name_len = len;
    *typed_len = (int)(n - w + (ptrdiff_t)len);
    *value = n[len] ? n + len + 1 : NULL;
}

/* The command line split into words: switches (with their values), positional arguments, and what follows
 * "--". */
struct words {
    struct sw_use *uses;
    int nuses;
    char **pos;
    int npos;
    char **tail; /* after "--", or NULL */
    int ntail;
    int help;          /* -help, -? or -h was given */
    char *first_error; /* the first bad word, reported once we know -help is absent */
};

/* Pass 1: words into switches and positional arguments. Errors wait until we know --help is absent:
 * `wsmanctl get -bogus -?` prints get's help. */
static void split_words(int argc, char **argv, struct words *ws)
{
    struct cli_quoted q;

    for (int i = 1; i < argc; i++) {
        const char *w = argv[i], *name, *value;
        const struct switch_def *def;
        size_t name_len;
        int typed_len;

        if (!strcmp(w, "--")) {
            ws->tail = argv + i + 1;
            ws->ntail = argc - i - 1;
            break;
        }
        if (!is_switch_word(w)) {
            ws->pos[ws->npos++] = argv[i];
            continue;
        }
        split_switch(w, &name, &name_len, &typed_len, &value);
        if (!(def = lookup_switch(name, name_len))) {
            if (!ws->first_error)
                cli_fail(&ws->first_error, CLI_EXIT_USAGE, "unknown switch '%s'",
                         cli_quote(&q, w, (size_t)typed_len));
            continue;
        }
        if (def->id == SW_HELP) {
            ws->help = 1;
            continue;
        }
        if (def->arg && !value) {
            if (i + 1 < argc && strcmp(argv[i + 1], "--")) {
                value = argv[++i];
            } else {
                if (!ws->first_error)
                    cli_fail(&ws->first_error, CLI_EXIT_USAGE, "%.*s needs a value (%.*s:%s)", typed_len, w,
                             typed_len, w, def->arg);
                continue;
            }
        }
        ws->uses[ws->nuses].def = def;
        ws->uses[ws->nuses].typed = w;
        ws->uses[ws->nuses].typed_len = typed_len;
        ws->uses[ws->nuses].value = value;
        ws->nuses++;
    }
}

/* The operation: the first positional word ("help OP" asks for OP's help). Sets *done when nothing more is to
 * be parsed (help was asked for, or an error). */
static int take_operation(struct parser *ps, struct words *ws, int *done)
{
    struct cli_opts *o = ps->o;
    struct cli_quoted q;

    *done = 1;
    if (ws->npos && !wsm_strcasecmp_ascii(ws->pos[0], "help")) {
        o->op_name = ws->pos[0];
        o->help = 1;
        if (ws->npos > 1 && wsm_strcasecmp_ascii(ws->pos[1], "help") && !lookup_op(ws->pos[1], &o->op))
            return cli_fail(ps->err, CLI_EXIT_USAGE, "help: unknown operation '%s'",
                            cli_quote_str(&q, ws->pos[1]));
        if (ws->npos > 2)
            return cli_fail(ps->err, CLI_EXIT_USAGE, "help: unexpected argument '%s'",
                            cli_quote_str(&q, ws->pos[2]));
        return CLI_EXIT_OK;
    }
    if (ws->npos && !lookup_op(ws->pos[0], &o->op))
        return cli_fail(ps->err, CLI_EXIT_USAGE, "unknown operation '%s'", cli_quote_str(&q, ws->pos[0]));
    if (ws->npos)
        o->op_name = ws->pos[0];
    if (ws->help) {
        o->help = 1;
        return CLI_EXIT_OK;
    }
    if (ws->first_error) {
        if (ps->err) {
            *ps->err = ws->first_error;
            ws->first_error = NULL;
        }
        return CLI_EXIT_USAGE;
    }
    if (!ws->npos)
        return cli_fail(ps->err, CLI_EXIT_USAGE,
                        "no operation given (get, set, create, delete, enumerate, invoke, "
                        "identify, helpmsg, exec or help)");
    *done = 0;
    return CLI_EXIT_OK;
}

/* exec: the command and its arguments, after "--". */
static int take_exec_command(struct parser *ps, char **tail, int ntail)
{
    struct cli_opts *o = ps->o;

    if (!tail || !ntail)
        return cli_fail(
            ps->err, CLI_EXIT_USAGE,
            "exec: missing the command: give it after '--' (wsmanctl exec -r:HOST -- COMMAND [ARGS])");
    if (!(o->exec_argv = calloc((size_t)ntail + 1, sizeof(char *))))
        return cli_fail(ps->err, CLI_EXIT_USAGE, "out of memory");
    for (int i = 0; i < ntail; i++) {
        if (!(o->exec_argv[i] = strdup(tail[i])))
            return cli_fail(ps->err, CLI_EXIT_USAGE, "out of memory");
        o->exec_argc = i + 1;
    }
    return CLI_EXIT_OK;
}

static int parse_words(struct parser *ps, struct words *ws)
{
    struct cli_opts *o = ps->o;
    int rc, done;

    if ((rc = take_operation(ps, ws, &done)) || done)
        return rc;
    for (int i = 0; i < ws->nuses && !rc; i++)
        rc = apply_switch(ps, &ws->uses[i]);
    if (rc)
        return rc;
    if (ws->tail && o->op != CLI_OP_EXEC) {
        /* "--" ends the switches: what follows are arguments even when they start with '-'. */
        for (int i = 0; i < ws->ntail; i++)
            ws->pos[ws->npos++] = ws->tail[i];
    }
    if ((rc = take_positionals(ps, ws->pos + 1, ws->npos - 1)))
        return rc;
    if (o->op == CLI_OP_EXEC && (rc = take_exec_command(ps, ws->tail, ws->ntail)))
        return rc;
    return cross_checks(ps);
}

static int parse(struct parser *ps, int argc, char **argv)
{
    struct words ws = {0};
    int rc;

    for (int i = 1; i < argc; i++)
        if (strlen(argv[i]) > CLI_MAX_ARG)
            return cli_fail(ps->err, CLI_EXIT_USAGE, "argument %d is longer than %zu MiB", i,
                            CLI_MAX_ARG >> 20);
    if (argc < 2)
        return cli_fail(ps->err, CLI_EXIT_USAGE, "no operation given");
    ws.uses = calloc((size_t)argc, sizeof(*ws.uses));
    ws.pos = calloc((size_t)argc, sizeof(*ws.pos));
    if (!ws.uses || !ws.pos) {
        rc = cli_fail(ps->err, CLI_EXIT_USAGE, "out of memory");
    } else {
        split_words(argc, argv, &ws);
        rc = parse_words(ps, &ws);
    }
    free(ws.first_error);
    free(ws.uses);
    free(ws.pos);
    return rc;
}

int cli_parse_args(int argc, char **argv, struct cli_opts *out, char **err)
{
    struct parser ps = {0};
    int rc;

    if (err)
        *err = NULL;
    if (!out)
        return cli_fail(err, CLI_EXIT_USAGE, "no output");
    memset(out, 0, sizeof(*out));
    out->concurrency = CLI_DEFAULT_CONCURRENCY;
    out->timeout_ms = -1;
    ps.o = out;
    ps.err = err;
    rc = parse(&ps, argc, argv);
    for (int i = 0; i < SW_COUNT; i++) {
        if (i == SW_PASSWORD || i == SW_PROXYPASSWORD)
            wipe(ps.seen[i]);
        free(ps.seen[i]);
    }
    if (rc) {
        cli_opts_free(out);
        if (err && !*err)
            cli_fail(err, rc, "bad command line");
    }
    return rc;
}

void cli_opts_free(struct cli_opts *o)
{
    if (!o)
        return;
    free(o->action);
    free(o->resource);
    free(o->helpmsg_code);
    cli_props_free(o->input);
    free(o->input_file);
    free(o->input_xml);
    for (size_t i = 0; o->remotes && i < o->remote_count; i++)
        free(o->remotes[i]);
    free(o->remotes);
    free(o->hosts_file);
    free(o->username);
    wipe(o->password);
    free(o->password);
    free(o->cert_thumbprint);
    free(o->fragment);
    free(o->filter);
    free(o->dialect);
    cli_props_free(o->options);
    free(o->proxy_user);
    wipe(o->proxy_password);
    free(o->proxy_password);
    for (int i = 0; o->exec_argv && i < o->exec_argc; i++)
        free(o->exec_argv[i]);
    free(o->exec_argv);
    memset(o, 0, sizeof(*o));
}

/* ---- help ---- */

static void print_switch(FILE *f, const struct switch_def *d)
{
    const char *h = d->help;

    fputs("  ", f);
    for (int k = 2; k >= 1; k--) /* short forms first, as winrm lists "-r, -remote" */
        if (d->names[k] && d->id != SW_PROXYUSER && d->id != SW_HELP)
            fprintf(f, "-%s, ", d->names[k]);
    if (d->id == SW_HELP)
        fputs("-?, --help", f);
    else
        fprintf(f, "-%s%s%s", d->names[0], d->arg ? ":" : "", d->arg ? d->arg : "");
    if (d->id == SW_PROXYUSER)
        fputs(" (or -proxyusername:)", f);
    fputs("\n", f);
    while (*h) {
        size_t n = strcspn(h, "\n");
        fprintf(f, "      %.*s\n", (int)n, h);
        h += n + (h[n] == '\n');
    }
}

static void print_switches(FILE *f, unsigned int ops)
{
    const char *group = NULL;

    for (size_t i = 0; i < sizeof(switch_defs) / sizeof(switch_defs[0]); i++) {
        const struct switch_def *d = &switch_defs[i];
        if (d->group)
            group = d->group;
        if (!(d->ops & ops))
            continue;
        if (group) {
            fprintf(f, "\n%s:\n", group);
            group = NULL;
        }
        print_switch(f, d);
    }
}

static const char switch_syntax_text[] =
    "Switches start with '-' or '/' and are case-insensitive; a value follows\n"
    "':' or comes as the next word (-r:host, /r:host, -r host). The GNU\n"
    "spelling --name[=value] works too (--remote=host). A flag may be given as\n"
    "-flag:true or -flag:false.\n";

void cli_usage(FILE *f, enum cli_op op)
{
    const struct op_def *d = find_op_def(op);

    if (d) {
        fprintf(f, "Usage: %s\n\n%s", d->syntax, d->summary);
        if (d->aliases[0])
            fprintf(f, "Short form%s: %s%s%s.\n", d->aliases[1] ? "s" : "", d->aliases[0],
                    d->aliases[1] ? ", " : "", d->aliases[1] ? d->aliases[1] : "");
        if (d->details)
            fprintf(f, "\n%s", d->details);
        if (op == CLI_OP_SET || op == CLI_OP_CREATE || op == CLI_OP_INVOKE)
            fprintf(f, "\n%s", input_text);
        if (op != CLI_OP_HELPMSG) {
            fprintf(f, "\n%s", switch_syntax_text);
            print_switches(f, OPB(op));
        }
        fprintf(f, "\nExamples:\n%s", d->examples);
        return;
    }
    fputs("wsmanctl: WS-Management from the command line, as Windows' winrm, built on\n"
          "the WSMAN.Automation API of libwsmauto.\n\n"
          "Usage: wsmanctl OPERATION [ARGUMENTS] [-SWITCH[:VALUE] ...]\n"
          "       wsmanctl help [OPERATION]\n"
          "       wsmanctl OPERATION -?\n\n"
          "Operations:\n",
          f);
    for (size_t i = 0; i < sizeof(op_defs) / sizeof(op_defs[0]); i++) {
        const struct op_def *o = &op_defs[i];
        char names[32];
        snprintf(names, sizeof(names), "%s%s%s%s%s%s", o->name, o->aliases[0] ? " (" : "",
                 o->aliases[0] ? o->aliases[0] : "", o->aliases[1] ? ", " : "",
                 o->aliases[1] ? o->aliases[1] : "", o->aliases[0] ? ")" : "");
        fprintf(f, "  %-20s %s\n", names, o->brief);
    }
    fputs("  help [OPERATION]     This help, or an operation's.\n\n", f);
    fputs(resource_text, f);
    fputs("\n", f);
    fputs(input_text, f);
    fputs("\n", f);
    fputs(switch_syntax_text, f);
    print_switches(f, OPS_ALL);
    fputs("\nSeveral hosts (-r repeated, or -hosts:FILE) are handled concurrently\n"
          "(-concurrency:N). Each line of output is prefixed with its host, failures\n"
          "are reported per host, and a summary line follows.\n"
          "\nExamples:\n"
          "  wsmanctl get winrm/config\n"
          "  wsmanctl get 'wmicimv2/Win32_Service?Name=WinRM' \\\n"
          "      -r:https://srv1.example.com:5986 -u:admin\n"
          "  wsmanctl enumerate wmicimv2/Win32_LogicalDisk -r:srv1 -r:srv2 -format:pretty\n"
          "  wsmanctl set winrm/config/client '@{TrustedHosts=\"srv1,srv2\"}'\n"
          "  wsmanctl invoke StartService 'wmicimv2/Win32_Service?Name=Spooler' @{}\n"
          "  wsmanctl identify -hosts:servers.txt -a:None\n"
          "  wsmanctl exec -r:srv1 -u:admin -- ipconfig /all\n"
          "  wsmanctl helpmsg 0x80338012\n"
          "\nExit status:\n"
          "  0  success\n"
          "  1  the operation failed (on any host): the error text and its 0x8033xxxx\n"
          "     code are on stderr\n"
          "  2  bad command line or input, such as switches that contradict each\n"
          "     other (-unencrypted with HTTPS): nothing was sent\n"
          "  exec exits with the remote command's exit code (1 when WS-Management\n"
          "  itself fails).\n",
          f);
}

/* ---- the password prompt ---- */

int cli_stdin_is_tty(void)
{
#ifdef _WIN32
    return _isatty(_fileno(stdin)) != 0;
#else
    return isatty(STDIN_FILENO) == 1;
#endif
}

#define PASSWORD_MAX 4096

#ifdef _WIN32

static HANDLE prompt_console;
static DWORD prompt_mode;

static BOOL WINAPI prompt_ctrl(DWORD type)
{
    (void)type;
    SetConsoleMode(prompt_console, prompt_mode); /* echo back on, then let the default handler exit */
    return FALSE;
}

int cli_prompt_password(const char *prompt, char **out)
{
    WCHAR wbuf[PASSWORD_MAX];
    DWORD mode, got = 0;
    HANDLE h;
    BOOL ok;
    int n;

    *out = NULL;
    h = CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL,
                    OPEN_EXISTING, 0, NULL);
    if (h == INVALID_HANDLE_VALUE)
        return -1;
    if (!GetConsoleMode(h, &mode)) {
        CloseHandle(h);
        return -1;
    }
    prompt_console = h;
    prompt_mode = mode;
    SetConsoleCtrlHandler(prompt_ctrl, TRUE);
    SetConsoleMode(h, (mode | ENABLE_LINE_INPUT | ENABLE_PROCESSED_INPUT) & ~(DWORD)ENABLE_ECHO_INPUT);
    fputs(prompt, stderr);
    fflush(stderr);
    ok = ReadConsoleW(h, wbuf, PASSWORD_MAX - 1, &got, NULL);
    SetConsoleMode(h, mode);
    SetConsoleCtrlHandler(prompt_ctrl, FALSE);
    CloseHandle(h);
    fputc('\n', stderr);
    if (!ok || !got) {
        SecureZeroMemory(wbuf, sizeof(wbuf));
        return -1;
    }
    while (got && (wbuf[got - 1] == L'\n' || wbuf[got - 1] == L'\r'))
        got--;
    n = got ? WideCharToMultiByte(CP_UTF8, 0, wbuf, (int)got, NULL, 0, NULL, NULL) : 0;
    if ((got && n <= 0) || !(*out = malloc((size_t)n + 1))) {
        SecureZeroMemory(wbuf, sizeof(wbuf));
        return -1;
    }
    if (n)
        WideCharToMultiByte(CP_UTF8, 0, wbuf, (int)got, *out, n, NULL, NULL);
    (*out)[n] = '\0';
    SecureZeroMemory(wbuf, sizeof(wbuf));
    return 0;
}

#else

static volatile sig_atomic_t prompt_signal;

static void prompt_on_signal(int sig)
{
    prompt_signal = sig;
}

static const int prompt_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
#define N_PROMPT_SIGNALS ((int)(sizeof(prompt_signals) / sizeof(prompt_signals[0])))

/* The prompt's signal handling: saved_mask and the previous dispositions to restore; wait_mask is what
 * pselect() waits with (the prompt's signals unblocked where this process handles them). */
struct prompt_sigs {
    struct sigaction old[N_PROMPT_SIGNALS];
    int handled[N_PROMPT_SIGNALS];
    sigset_t saved_mask, wait_mask;
};

/* The signals that end a prompt are blocked except while waiting in pselect(), which unblocks them
 * atomically: a ^C is either seen there (EINTR, then echo goes back on and the signal is re-raised) or
 * after the terminal is restored. Job-control stops stay blocked until then, so a stopped job never
 * leaves the terminal without echo. */
static void prompt_sigs_install(struct prompt_sigs *ps)
{
    struct sigaction sa;
    sigset_t block;

    prompt_signal = 0;
    sigemptyset(&block);
    for (int i = 0; i < N_PROMPT_SIGNALS; i++)
        sigaddset(&block, prompt_signals[i]);
    sigaddset(&block, SIGTSTP);
    sigaddset(&block, SIGTTIN);
    sigaddset(&block, SIGTTOU);
    sigprocmask(SIG_BLOCK, &block, &ps->saved_mask);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = prompt_on_signal;
    sigemptyset(&sa.sa_mask);
    ps->wait_mask = ps->saved_mask;
    sigaddset(&ps->wait_mask, SIGTSTP);
    sigaddset(&ps->wait_mask, SIGTTIN);
    sigaddset(&ps->wait_mask, SIGTTOU);
    for (int i = 0; i < N_PROMPT_SIGNALS; i++) {
        ps->handled[i] = 0;
        if (sigaction(prompt_signals[i], NULL, &ps->old[i]) == 0 && ps->old[i].sa_handler != SIG_IGN) {
            sigaction(prompt_signals[i], &sa, NULL);
            ps->handled[i] = 1;
            sigdelset(&ps->wait_mask, prompt_signals[i]);
        }
    }
}

static void prompt_sigs_restore_handlers(const struct prompt_sigs *ps)
{
    for (int i = 0; i < N_PROMPT_SIGNALS; i++)
        if (ps->handled[i])
            sigaction(prompt_signals[i], &ps->old[i], NULL);
}

/* Reads one line from fd into buf (at most PASSWORD_MAX bytes kept) until '\n', the end of input, an error
 * or a prompt signal. *eol: the line ended with '\n'; *too_long: it had more than PASSWORD_MAX bytes. */
static size_t read_password_line(int fd, const sigset_t *wait_mask, char *buf, int *eol, int *too_long)
{
    size_t n = 0;

    while (!prompt_signal) {
        fd_set rfds;
        char c;
        ssize_t r;

        FD_ZERO(&rfds);
        FD_SET(fd, &rfds);
        if (pselect(fd + 1, &rfds, NULL, NULL, NULL, wait_mask) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        r = read(fd, &c, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        if (c == '\n') {
            *eol = 1;
            break;
        }
        if (n < PASSWORD_MAX)
            buf[n++] = c;
        else
            *too_long = 1; /* read on to the end of the line, then fail */
    }
    return n;
}

int cli_prompt_password(const char *prompt, char **out)
{
    struct prompt_sigs sigs;
    struct termios saved, quiet;
    char *buf;
    size_t n = 0;
    int fd, own_fd = 0, rc = -1, eol = 0, too_long = 0, sig;

    *out = NULL;
    if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) >= 0)
        own_fd = 1;
    else if (isatty(STDIN_FILENO) == 1)
        fd = STDIN_FILENO;
    else
        return -1;
    if (tcgetattr(fd, &saved) || !(buf = malloc(PASSWORD_MAX + 1))) {
        if (own_fd)
            close(fd);
        return -1;
    }
    prompt_sigs_install(&sigs);
    quiet = saved;
    quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
    quiet.c_lflag |= ICANON;
    if (tcsetattr(fd, TCSAFLUSH, &quiet) == 0) {
        fputs(prompt, stderr);
        fflush(stderr);
        n = read_password_line(fd, &sigs.wait_mask, buf, &eol, &too_long);
        tcsetattr(fd, TCSAFLUSH, &saved);
        fputc('\n', stderr);
    }
    sig = prompt_signal;
    prompt_sigs_restore_handlers(&sigs);
    if (own_fd)
        close(fd);
    if (n && buf[n - 1] == '\r')
        n--;
    buf[n] = '\0';
    if (eol && !sig && !too_long) {
        *out = buf;
        rc = 0;
    } else {
        wipe_n(buf, PASSWORD_MAX + 1);
        free(buf);
    }
    if (sig)
        raise(sig); /* pending until the mask is restored: then the previous disposition acts */
    sigprocmask(SIG_SETMASK, &sigs.saved_mask, NULL);
    return rc;
}

#endif
