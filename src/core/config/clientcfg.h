/*
 * The client configuration: the Linux counterpart of Windows'
 * winrm/config/client (TrustedHosts, AllowUnencrypted, DefaultPorts, Auth,
 * ...), read from INI files, and the client-side policy checks made with it
 * before a request is sent. docs/client-config.md describes the files.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef WSMAUTO_CLIENTCFG_H
#define WSMAUTO_CLIENTCFG_H

#include <stddef.h>
#include <stdint.h>

#include "core.h"

/* The system-wide file; a build may point it elsewhere (e.g. its sysconfdir). */
#ifndef WSM_CLIENT_CONFIG_SYSTEM_PATH
#define WSM_CLIENT_CONFIG_SYSTEM_PATH "/etc/wsmauto/client.conf"
#endif
/* The per-user file, relative to $XDG_CONFIG_HOME (default ~/.config). */
#define WSM_CLIENT_CONFIG_USER_SUFFIX "wsmauto/client.conf"
/* When set, names the one file read instead of both (empty: defaults only). */
#define WSM_CLIENT_CONFIG_ENV "WSMAUTO_CLIENT_CONFIG"

struct wsm_client_config {
    char **trusted_hosts; /* patterns as written (trimmed); NULL when none */
    size_t n_trusted_hosts;
    int allow_unencrypted;
    unsigned http_port, https_port;
    int auth_basic, auth_digest, auth_kerberos, auth_negotiate, auth_certificate, auth_credssp;
    char *
        *fresh_credentials; /* [Client/Auth] AllowFreshCredentials: "WSMAN/pattern" as written; NULL: none */
    size_t n_fresh_credentials;
    uint32_t network_delay_ms;
    uint32_t max_envelope_kb;
    char *ca_file, *ca_path, *crl_file, *proxy, *cert_store; /* NULL when unset */
};

/* Windows' client defaults. Overwrites *c without freeing what it held. */
void wsm_client_config_defaults(struct wsm_client_config *c);
/* Frees everything and leaves *c all zeroes. NULL is fine. */
void wsm_client_config_free(struct wsm_client_config *c);
/* Deep copy into *dst (overwritten, not freed). On failure *dst is zeroed. */
int32_t wsm_client_config_copy(struct wsm_client_config *dst, const struct wsm_client_config *src);

/* Defaults, then the files: $WSMAUTO_CLIENT_CONFIG alone when that variable
 * is set (empty: no file; a missing file is an error, since it was named
 * explicitly), otherwise the system file and then the per-user file, both
 * optional. *c is overwritten (not freed first). On error *c holds the
 * defaults. Errors: ERROR_WSMAN_CONFIG_CORRUPTED ("path:line: what"),
 * WSM_E_TOO_MANY_OPEN_FILES (no descriptor to open a file with),
 * WSM_E_OUTOFMEMORY. Thread-safe; the files are read once per process and
 * the result copied while they stay the same (see wsm_client_config_reads). */
int32_t wsm_client_config_load(struct wsm_client_config *c, char **detail);
/* How many times wsm_client_config_load read the files rather than copying its cache (for tests): the files
 * are read once per process, and again only when other files would be read or one of them changed (the rule
 * is in clientcfg.c and docs/client-config.md). */
unsigned long wsm_client_config_reads(void);
/* Applies one file on top of *c (a missing file is fine when missing_ok).
 * All or nothing: on error *c is unchanged. */
int32_t wsm_client_config_apply_file(struct wsm_client_config *c, const char *path, int missing_ok,
                                     char **detail);
/* Also parse from a string (for tests), `name` used in details. All or nothing. */
int32_t wsm_client_config_apply_text(struct wsm_client_config *c, const char *text, const char *name,
                                     char **detail);

/* The per-user file's path ($XDG_CONFIG_HOME/wsmauto/client.conf, else
 * ~/.config/wsmauto/client.conf), malloc'd; NULL when there is no home. */
char *wsm_client_config_user_path(void);

/* localhost, 127.0.0.0/8, ::1 or ::ffff:127.x (any case, brackets and port ignored). */
int wsm_host_is_loopback(const char *host);

/* host (no brackets for IPv6) matches TrustedHosts. Loopback (localhost,
 * 127.0.0.0/8, ::1) is always trusted. c may be NULL (no TrustedHosts). */
int wsm_client_config_trusts(const struct wsm_client_config *c, const char *host);

/* host (no brackets for IPv6) matches an AllowFreshCredentials entry "WSMAN/<pattern>" (the pattern as in
 * TrustedHosts). Loopback is not implied. c may be NULL (no entries). */
int wsm_client_config_allows_fresh_credentials(const struct wsm_client_config *c, const char *host);

/* The client-side policy checks made before a request is sent (session flags from session_cfg.h
 * WSM_FLAG_*; the endpoint from core.h). In this order:
 *   the auth method the flags pick is disabled -> ERROR_WSMAN_CLIENT_BASIC_AUTHENTICATION_DISABLED /
 *     _DIGEST_ / _NEGOTIATE_ / _KERBEROS_ / _CERTIFICATES_ /
 *     ERROR_WSMAN_CLIENT_CREDSSP_AUTHENTICATION_DISABLED
 *     (no auth flag = the default pick, which goes through Negotiate: only Negotiate is checked);
 *   CredSSP to a host that no AllowFreshCredentials entry names -> ERROR_WSMAN_CLIENT_ALLOWFRESHCREDENTIALS
 *     (also over HTTPS);
 *   NoEncryption over HTTP while AllowUnencrypted = false -> ERROR_WSMAN_CLIENT_UNENCRYPTED_DISABLED;
 *   Basic or Digest over HTTP without NoEncryption -> ERROR_WSMAN_CLIENT_UNENCRYPTED_DISABLED too
 *     (Windows refuses to send a password unencrypted);
 *   over HTTP, any auth other than Kerberos and none (Basic, Digest, Negotiate, CredSSP, and the no-flag
 *     default when credentials are explicit) to a host that TrustedHosts does not cover
 *     -> ERROR_WSMAN_SERVER_NOT_TRUSTED.
 * A local session (ep->local) only gets the first check. Each detail names the setting to change and the
 * file it lives in (from the environment at the time of the call). NULL c or ep: WSM_E_INVALIDARG. */
int32_t wsm_client_policy_check(const struct wsm_client_config *c, uint32_t flags, int explicit_credentials,
                                const struct wsm_endpoint *ep, char **detail);

#endif
