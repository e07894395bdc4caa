/*
 * The Linux stand-in for Windows' "My" certificate store: a directory of PEM
 * files. A client certificate is picked by its thumbprint (SHA-1 of the DER,
 * what certmgr shows and what ConnectionOptions.CertificateThumbprint holds);
 * its private key lives in the same file or in <basename>.key next to it.
 *
 * SPDX-License-Identifier: MIT
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* explicit_bzero, secure_getenv */
#endif

#include <dirent.h>
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "core.h"
#include "detail.h"
#include "secure_env.h"
#include "transport.h"

/* A certificate file is small; anything bigger is not one of ours and is not read into memory. */
#define CERT_FILE_MAX (1024 * 1024)

/* wsm_secure_getenv, as clientcfg.c does for the configuration: in a setuid program the caller's environment
 * must not choose which private keys are read. */
char *wsm_cert_store_dir(void)
{
    const char *env = wsm_secure_getenv("WSMAUTO_CERT_DIR");
    if (env && *env)
        return wsm_strdup(env);
    /* The XDG base directory spec says a relative XDG_CONFIG_HOME is invalid and must be ignored. */
    env = wsm_secure_getenv("XDG_CONFIG_HOME");
    if (env && *env == '/')
        return wsm_asprintf("%s/wsmauto/certs", env);
    env = wsm_secure_getenv("HOME");
    if (env && *env)
        return wsm_asprintf("%s/.config/wsmauto/certs", env);

    struct passwd pw, *found = NULL;
    char buf[4096];
    if (getpwuid_r(getuid(), &pw, buf, sizeof(buf), &found) == 0 && found && found->pw_dir && *found->pw_dir)
        return wsm_asprintf("%s/.config/wsmauto/certs", found->pw_dir);
    return NULL;
}

/* Never let OpenSSL prompt on the terminal for the pass phrase of an encrypted key: we have none to give. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

/* Reads a whole (small) file. The caller wipes and frees *data: it may hold a private key. Returns 0, or an
 * errno value (EFBIG when the file is too large to be a certificate). */
static int read_small_file(const char *path, char **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rbe");
    if (!f)
        return errno;
    char *buf = malloc(CERT_FILE_MAX + 1);
    if (!buf) {
        fclose(f);
        return ENOMEM;
    }
    size_t n = fread(buf, 1, CERT_FILE_MAX + 1, f);
    int err = ferror(f) ? EIO : 0;
    fclose(f);
    if (!err && n > CERT_FILE_MAX)
        err = EFBIG;
    if (err) {
        explicit_bzero(buf, n);
        free(buf);
        return err;
    }
    buf[n] = '\0';
    *data = buf;
    *len = n;
    return 0;
}

static void wipe_free_buf(char *data, size_t len)
{
    if (data) {
        explicit_bzero(data, len);
        free(data);
    }
}

static int has_suffix(const char *name, const char *suffix)
{
    size_t n = strlen(name), s = strlen(suffix);
    return n > s && wsm_strcasecmp_ascii(name + n - s, suffix) == 0;
}

static int is_cert_file_name(const char *name)
{
    return name[0] != '.' && (has_suffix(name, ".pem") || has_suffix(name, ".crt"));
}

/* scandir() filter: the candidates, in a stable (alphabetical) order so that the same store always gives the
 * same answer when a certificate is there twice. */
static int cert_file_filter(const struct dirent *e)
{
    return is_cert_file_name(e->d_name);
}

/* Returns the certificate of `pem` whose SHA-1 thumbprint is `want` (20 bytes), or NULL. */
static X509 *find_cert_in_pem(const char *pem, size_t len, const unsigned char *want)
{
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio)
        return NULL;
    X509 *found = NULL, *x;
    /* PEM_read_bio_X509 skips keys and other blocks between certificates. */
    while (!found && (x = PEM_read_bio_X509(bio, NULL, no_passphrase, NULL))) {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int md_len = 0;
        if (X509_digest(x, EVP_sha1(), md, &md_len) && md_len == 20 && !memcmp(md, want, 20))
            found = x;
        else
            X509_free(x);
    }
    BIO_free(bio);
    ERR_clear_error(); /* the end of the file is reported as an error */
    return found;
}

enum key_result { KEY_FOUND, KEY_NONE, KEY_MISMATCH, KEY_ENCRYPTED };

/* Looks for a private key in `pem` that belongs to `cert`. */
static enum key_result find_key_in_pem(const char *pem, size_t len, X509 *cert, EVP_PKEY **out)
{
    *out = NULL;
    BIO *bio = BIO_new_mem_buf(pem, (int)len);
    if (!bio)
        return KEY_NONE;
    enum key_result result = KEY_NONE;
    /* PEM_read_bio_PrivateKey stops at the first unreadable key block, so an encrypted key is noticed by its
     * header rather than by the error. */
    if (strstr(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----") || strstr(pem, "Proc-Type: 4,ENCRYPTED"))
        result = KEY_ENCRYPTED;
    EVP_PKEY *key;
    while ((key = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL))) {
        if (X509_check_private_key(cert, key)) {
            *out = key;
            result = KEY_FOUND;
            break;
        }
        EVP_PKEY_free(key);
        result = KEY_MISMATCH;
    }
    BIO_free(bio);
    ERR_clear_error();
    return result;
}

static char *bio_to_string(BIO *bio)
{
    char *data = NULL;
    long n = BIO_get_mem_data(bio, &data);
    return n > 0 ? wsm_strndup(data, (size_t)n) : NULL;
}

static int parse_thumbprint(const char *text, unsigned char out[20])
{
    if (!text || strlen(text) != 40)
        return 0;
    for (int i = 0; i < 40; i++) {
        int v = wsm_hex_value((unsigned char)text[i]);
        if (v < 0)
            return 0;
        if (i % 2)
            out[i / 2] |= (unsigned char)v;
        else
            out[i / 2] = (unsigned char)(v << 4);
    }
    return 1;
}

/* <dir>/<name without .pem/.crt>.key */
static char *key_file_path(const char *dir, const char *name)
{
    size_t base = strlen(name) - 4;
    return wsm_asprintf("%s/%.*s.key", dir, (int)base, name);
}

/* What the search of the store found: the certificate with a usable key, or else the first file that had the
 * certificate and why its key was not usable. */
struct search {
    X509 *cert;
    EVP_PKEY *key;
    char *first_hit;
    enum key_result first_why;
};

/* Looks for the key of x in <name without .pem/.crt>.key; *why becomes that file's verdict when it says
 * more than the first file's. */
static int32_t search_key_file(const char *dir, const char *name, X509 *x, EVP_PKEY **key,
                               enum key_result *why)
{
    char *key_path = key_file_path(dir, name), *data = NULL;
    size_t len = 0;

    if (!key_path)
        return WSM_E_OUTOFMEMORY;
    if (read_small_file(key_path, &data, &len) == 0) {
        enum key_result why2 = find_key_in_pem(data, len, x, key);
        wipe_free_buf(data, len);
        if (why2 != KEY_NONE || *why == KEY_NONE)
            *why = why2;
    }
    free(key_path);
    return WSM_S_OK;
}

/* Looks at one candidate file of the store; WSM_S_OK whether or not it has the certificate. */
static int32_t search_file(const char *dir, const char *name, const unsigned char *want, struct search *s)
{
    char *path = wsm_asprintf("%s/%s", dir, name), *data = NULL;
    size_t len = 0;
    struct stat st;
    int32_t hr = WSM_S_OK;

    if (!path)
        return WSM_E_OUTOFMEMORY;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || read_small_file(path, &data, &len) != 0) {
        free(path);
        return WSM_S_OK; /* unreadable files are not ours (or not for this user) */
    }
    X509 *x = find_cert_in_pem(data, len, want);
    if (!x) {
        wipe_free_buf(data, len);
        free(path);
        return WSM_S_OK;
    }
    enum key_result why = find_key_in_pem(data, len, x, &s->key);
    wipe_free_buf(data, len);
    if (!s->key && why != KEY_ENCRYPTED)
        hr = search_key_file(dir, name, x, &s->key, &why);
    if (s->key) {
        s->cert = x;
        free(path);
        return WSM_S_OK;
    }
    X509_free(x);
    if (!hr && !s->first_hit) {
        s->first_hit = path;
        s->first_why = why;
    } else {
        free(path);
    }
    return hr;
}

/* The failure when no file had the certificate with a usable key. */
static int32_t not_found(const char *dir, const char *thumbprint, const struct search *s, char **detail)
{
    struct wsm_quoted qd, qt, qf;

    if (s->first_hit) {
        const char *why = s->first_why == KEY_ENCRYPTED ? "its private key is encrypted with a pass phrase, "
                                                          "which is not supported"
                          : s->first_why == KEY_MISMATCH
                              ? "the private key found does not belong to it"
                              : "no private key was found in the file or in the .key "
                                "file of the same name";
        return wsm_fail(detail, ERROR_WSMAN_CLIENT_INVALID_CERT,
                        "The client certificate with thumbprint %s was found in \"%s\", but %s.",
                        wsm_quote_str(&qt, thumbprint), wsm_quote_str(&qf, s->first_hit), why);
    }
    return wsm_fail(detail, ERROR_WSMAN_CERT_NOT_FOUND,
                    "No certificate with thumbprint %s was found in the *.pem and *.crt files of the "
                    "certificate store directory \"%s\".",
                    wsm_quote_str(&qt, thumbprint), wsm_quote_str(&qd, dir));
}

/* Hands both out as PEM for CURLOPT_SSLCERT_BLOB/SSLKEY_BLOB. The key goes through secure heap memory that
 * OpenSSL clears when the BIO is freed. */
static int32_t export_pem(X509 *cert, EVP_PKEY *key, char **cert_pem, char **key_pem)
{
    BIO *cbio = BIO_new(BIO_s_mem()), *kbio = BIO_new(BIO_s_secmem());
    int32_t hr = WSM_E_OUTOFMEMORY;

    if (cbio && kbio && PEM_write_bio_X509(cbio, cert) &&
        PEM_write_bio_PrivateKey(kbio, key, NULL, NULL, 0, NULL, NULL)) {
        *cert_pem = bio_to_string(cbio);
        *key_pem = bio_to_string(kbio);
        if (*cert_pem && *key_pem) {
            hr = WSM_S_OK;
        } else {
            free(*cert_pem);
            wsm_wipe_free(*key_pem);
            *cert_pem = *key_pem = NULL;
        }
    }
    BIO_free(cbio);
    BIO_free(kbio);
    ERR_clear_error();
    return hr;
}

int32_t wsm_cert_store_find(const char *dir, const char *thumbprint, char **cert_pem, char **key_pem,
                            char **detail)
{
    struct wsm_quoted qd, qt;
    unsigned char want[20];
    struct dirent **names = NULL;
    struct search found = {NULL, NULL, NULL, KEY_NONE};
    int32_t hr = WSM_S_OK;

    if (cert_pem)
        *cert_pem = NULL;
    if (key_pem)
        *key_pem = NULL;
    if (detail)
        *detail = NULL;
    if (!dir || !cert_pem || !key_pem)
        return wsm_fail(detail, WSM_E_INVALIDARG, "No certificate store directory or output was given.");
    if (!parse_thumbprint(thumbprint, want))
        return wsm_fail(
            detail, ERROR_WSMAN_CLIENT_INVALID_CERT,
            "The certificate thumbprint \"%s\" is not 40 hexadecimal digits (the SHA-1 hash of the "
            "certificate).",
            wsm_quote_str(&qt, thumbprint ? thumbprint : ""));

    int n = scandir(dir, &names, cert_file_filter, alphasort);
    if (n < 0) {
        int err = errno;
        if (err == ENOMEM)
            return WSM_E_OUTOFMEMORY;
        return wsm_fail(detail, ERROR_WSMAN_CERT_NOT_FOUND,
                        "No certificate with thumbprint %s was found: the certificate store directory \"%s\" "
                        "cannot be read (%s).",
                        wsm_quote_str(&qt, thumbprint), wsm_quote_str(&qd, dir), strerror(err));
    }
    /* The first file holding the certificate with a usable key wins; if no file has a key, the sentence names
     * the first file that had the certificate and why its key was not usable. */
    for (int i = 0; i < n && !found.key && !hr; i++)
        hr = search_file(dir, names[i]->d_name, want, &found);
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);

    if (!hr)
        hr = found.cert ? export_pem(found.cert, found.key, cert_pem, key_pem)
                        : not_found(dir, thumbprint, &found, detail);
    free(found.first_hit);
    X509_free(found.cert);
    EVP_PKEY_free(found.key);
    return hr;
}
