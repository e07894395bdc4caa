/*
 * wsmanctl: the shared definitions of the command-line tool. The tool is a
 * client of the public WSMAN.Automation API only (wsmandisp.h through COM);
 * nothing here calls src/core. Strings are UTF-8 everywhere in the CLI; the
 * COM edge (wsmanctl.c) converts to and from BSTR.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMANCTL_CLI_H
#define WSMANCTL_CLI_H

#include <stddef.h>
#include <stdio.h>

/* Exit statuses. */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAILED 1 /* the operation failed (on any host) */
#define CLI_EXIT_USAGE 2  /* bad command line or input: nothing was sent */

enum cli_op {
    CLI_OP_NONE = 0, /* only --help / -? / help given */
    CLI_OP_GET,
    CLI_OP_SET,
    CLI_OP_CREATE,
    CLI_OP_DELETE,
    CLI_OP_ENUMERATE,
    CLI_OP_INVOKE,
    CLI_OP_IDENTIFY,
    CLI_OP_HELPMSG,
    CLI_OP_EXEC,
};

enum cli_auth {
    CLI_AUTH_DEFAULT = 0, /* no -a: the library's default (Kerberos; Negotiate to loopback hosts, and with
                           * credentials to a host in TrustedHosts) */
    CLI_AUTH_NONE,
    CLI_AUTH_BASIC,
    CLI_AUTH_DIGEST,
    CLI_AUTH_NEGOTIATE,
    CLI_AUTH_KERBEROS,
    CLI_AUTH_CERTIFICATE,
    CLI_AUTH_CREDSSP,
};

enum cli_format {
    CLI_FORMAT_TEXT = 0, /* winrm's default: the indented "Name = value" tree */
    CLI_FORMAT_XML,      /* the reply as it came */
    CLI_FORMAT_PRETTY,   /* indented XML */
};

enum cli_return_type {
    CLI_RETURN_OBJECT = 0,
    CLI_RETURN_EPR,
    CLI_RETURN_OBJECT_AND_EPR,
};

/* One name = value pair, in the order given (duplicates kept: the caller decides). A NULL value is $null
 * (xsi:nil). A nested hash (@{a=@{b="c"}}) is a pair whose `children` is non-NULL and value is NULL. */
struct cli_prop {
    char *name;
    char *value;
    struct cli_props *children;
};

struct cli_props {
    struct cli_prop *items;
    size_t count;
};

/* What the command line said. Every string is malloc'd (owned); cli_opts_free() frees it all and wipes the
 * passwords. Unset strings are NULL; unset numbers are -1 where noted. */
struct cli_opts {
    enum cli_op op;
    int help;            /* --help, -?, -help, /?, or `help OP`: print usage (of `op` when set), exit 0 */
    const char *op_name; /* the operation word as typed (static storage or owned by argv) */

    char *action;                /* invoke: the method name (first positional) */
    char *resource;              /* the resource URI as typed (aliases and ?selectors left to the library) */
    char *helpmsg_code;          /* helpmsg: the number as typed */
    unsigned long helpmsg_value; /* helpmsg: that number as the 32-bit code (negative ones wrapped) */

    /* Input for set/create/invoke: either @{...} (parsed) or -file:PATH (read, raw XML). */
    struct cli_props *input; /* NULL when no @{...} was given */
    char *input_file;        /* -file: path as typed */
    char *input_xml;         /* the file's content (read by the parser) */

    char **remotes;      /* -r:/-remote: values, then the hosts file's lines, in order; NULL-terminated */
    size_t remote_count; /* 0 = no -r: (localhost, as winrm) */
    char *hosts_file;    /* -hosts:FILE (one host per line, # comments, blank lines ignored) */
    int concurrency;     /* -concurrency:N, default 32, 1..1024 */

    enum cli_auth auth;
    char *username;        /* -u:/-username: */
    char *password;        /* -p:/-password: (wiped on free) */
    int password_given;    /* -p: was on the command line (even empty) */
    char *cert_thumbprint; /* -c:/-certificate: */
    int unencrypted;       /* -unencrypted */
    int usessl;            /* -usessl */
    int skip_ca, skip_cn, skip_revocation;
    int spn_port;    /* -SPNPort */
    long timeout_ms; /* -timeout:MS, -1 = unset */
    int utf16;       /* -encoding:utf-16 (utf-8 is the default) */
    enum cli_format format;
    char *fragment;   /* -fragment: */
    char *filter;     /* -filter: */
    char *dialect;    /* -dialect: expanded: wql/selector/association/xpath short names -> URIs */
    int associations; /* -associations */
    enum cli_return_type return_type;
    int shallow, base_properties_only;
    struct cli_props *options; /* -options:{k="v";...} -> ResourceLocator.AddOption */

    /* Proxy (-proxyaccess:ie|winhttp|autodetect|none, -proxyauth:basic|digest|negotiate, -proxyuser:,
     * -proxypassword:). proxy_access 0 = not given. */
    int proxy_access; /* a WSManProxyAccessTypeFlags value or 0 */
    int proxy_auth;   /* a WSManProxyAuthenticationFlags value or 0 */
    char *proxy_user;
    char *proxy_password; /* wiped on free */

    int quiet; /* -quiet: no progress line, no per-host summary line on success */
    int debug; /* -debug: the library's HTTP trace (credentials hidden) to stderr, or to $WSMAUTO_TRACE */

    char **exec_argv; /* exec: the words after "--" (NULL-terminated), exec_argc >= 1 */
    int exec_argc;
};

void cli_opts_free(struct cli_opts *o);
void cli_props_free(struct cli_props *p);

#endif
