/*
 * libFuzzer target: the client configuration file (src/core/config/clientcfg.h; docs/client-config.md: an INI
 * file with the settings of winrm/config/client, MS-WSMV 2.2.4.7 ConfigType), parsed from a buffer on top of
 * the defaults, then used for the policy checks made before a request is sent.
 *
 * Input: byte 0 picks the session flags of the policy check (auth method, NoEncryption, UseSsl), the rest is
 * the file. Invariants: all or nothing (a failure leaves the configuration exactly as it was, and gives
 * ERROR_WSMAN_CONFIG_CORRUPTED or E_OUTOFMEMORY with a detail naming "fuzz.conf:LINE"); a success gives
 * ports 1..65535 and UTF-8 strings; copies are deep and equal; the policy checks never crash.
 *
 * SPDX-License-Identifier: MIT
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "clientcfg.h"
#include "core.h"
#include "session_cfg.h"

#include "fuzz_common.h"

static int str_eq(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static int config_equal(const struct wsm_client_config *a, const struct wsm_client_config *b)
{
    if (a->n_trusted_hosts != b->n_trusted_hosts || a->allow_unencrypted != b->allow_unencrypted ||
        a->http_port != b->http_port || a->https_port != b->https_port || a->auth_basic != b->auth_basic ||
        a->auth_digest != b->auth_digest || a->auth_kerberos != b->auth_kerberos ||
        a->auth_negotiate != b->auth_negotiate || a->auth_certificate != b->auth_certificate ||
        a->auth_credssp != b->auth_credssp || a->network_delay_ms != b->network_delay_ms ||
        a->max_envelope_kb != b->max_envelope_kb || !str_eq(a->ca_file, b->ca_file) ||
        !str_eq(a->ca_path, b->ca_path) || !str_eq(a->crl_file, b->crl_file) || !str_eq(a->proxy, b->proxy) ||
        !str_eq(a->cert_store, b->cert_store))
        return 0;
    for (size_t i = 0; i < a->n_trusted_hosts; i++)
        if (!str_eq(a->trusted_hosts[i], b->trusted_hosts[i]))
            return 0;
    return 1;
}

static const uint32_t auth_flags[8] = {0,
                                       WSM_FLAG_USE_NO_AUTHENTICATION,
                                       WSM_FLAG_USE_BASIC | WSM_FLAG_CRED_USERNAME_PASSWORD,
                                       WSM_FLAG_USE_DIGEST | WSM_FLAG_CRED_USERNAME_PASSWORD,
                                       WSM_FLAG_USE_NEGOTIATE,
                                       WSM_FLAG_USE_KERBEROS,
                                       WSM_FLAG_USE_CLIENT_CERTIFICATE,
                                       WSM_FLAG_USE_CREDSSP | WSM_FLAG_CRED_USERNAME_PASSWORD};

static const char *const hosts[] = {
    "server1", "10.1.2.3",   "fe80::1", "host.lab.example",     "localhost", "127.0.0.1",
    "::1",     "[::1]:5985", "",        "a.b.c.d.e.f.g.h.i.j.k"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct wsm_client_config c, before, copy;
    char *text, *detail = NULL;
    int32_t hr;
    unsigned mode;

    if (size < 1)
        return 0;
    mode = data[0];
    text = fuzz_strdup(data + 1, size - 1);
    wsm_client_config_defaults(&c);
    FUZZ_REQUIRE(wsm_client_config_copy(&before, &c) == WSM_S_OK, "copy of the defaults failed");

    hr = wsm_client_config_apply_text(&c, text, "fuzz.conf", &detail);
    if (hr != WSM_S_OK) {
        FUZZ_REQUIRE(hr == ERROR_WSMAN_CONFIG_CORRUPTED || hr == WSM_E_OUTOFMEMORY,
                     "undocumented error 0x%08x", (unsigned)hr);
        FUZZ_REQUIRE(hr == WSM_E_OUTOFMEMORY || (detail && !strncmp(detail, "fuzz.conf:", 10)),
                     "detail does not name the file and line: %s", detail ? detail : "(null)");
        FUZZ_REQUIRE(fuzz_utf8_valid(detail) || !fuzz_utf8_valid(text), "detail is not UTF-8");
        FUZZ_REQUIRE(config_equal(&c, &before), "a failed file changed the configuration");
    } else {
        FUZZ_REQUIRE(detail == NULL, "a detail on success");
        FUZZ_REQUIRE(c.http_port >= 1 && c.http_port <= 65535 && c.https_port >= 1 && c.https_port <= 65535,
                     "ports %u %u", c.http_port, c.https_port);
        FUZZ_REQUIRE(c.n_trusted_hosts == 0 || c.trusted_hosts, "TrustedHosts count without a list");
        for (size_t i = 0; i < c.n_trusted_hosts; i++)
            FUZZ_REQUIRE(c.trusted_hosts[i] &&
                             (fuzz_utf8_valid(c.trusted_hosts[i]) || !fuzz_utf8_valid(text)),
                         "bad TrustedHosts entry");
    }
    free(detail);
    detail = NULL;

    FUZZ_REQUIRE(wsm_client_config_copy(&copy, &c) == WSM_S_OK, "copy failed");
    FUZZ_REQUIRE(config_equal(&copy, &c), "copy differs");
    FUZZ_REQUIRE(copy.n_trusted_hosts == 0 || copy.trusted_hosts != c.trusted_hosts, "shallow copy");

    for (size_t i = 0; i < sizeof hosts / sizeof *hosts; i++) {
        struct wsm_endpoint ep = {0};
        char *host = strdup(hosts[i]), *prefix = strdup("wsman");
        (void)wsm_client_config_trusts(&c, hosts[i]);
        ep.host = host;
        ep.prefix = prefix;
        ep.https = (mode >> 3) & 1;
        ep.port = ep.https ? c.https_port : c.http_port;
        ep.ipv6 = strchr(hosts[i], ':') != NULL;
        hr = wsm_client_policy_check(&c, auth_flags[mode & 7] | ((mode & 0x10) ? WSM_FLAG_NO_ENCRYPTION : 0),
                                     (mode >> 5) & 1, &ep, &detail);
        if (hr != WSM_S_OK)
            FUZZ_REQUIRE(detail && *detail, "policy check 0x%08x without a detail", (unsigned)hr);
        free(detail);
        detail = NULL;
        free(host);
        free(prefix);
    }

    wsm_client_config_free(&copy);
    wsm_client_config_free(&before);
    wsm_client_config_free(&c);
    free(text);
    return 0;
}
