/*
 * Test helper for Wine prefixes: adds a PEM certificate (the test CA, tests/tls/make-certs.sh's ca.pem) to the
 * LocalMachine "Root" store, so that HTTPS against the test server can be verified in full.
 * Usage: addroot.exe CA.pem   (a Windows path, e.g. Z:/tmp/x/certs/ca.pem). Prints "addroot: ok" on success.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>

#include <windows.h>
#include <wincrypt.h>

int main(int argc, char **argv)
{
    static char pem[65536];
    BYTE der[16384];
    DWORD der_len = sizeof(der);
    FILE *f;
    size_t n;

    if (argc != 2) {
        fprintf(stderr, "usage: addroot CA.pem\n");
        return 2;
    }
    if (!(f = fopen(argv[1], "rb"))) {
        fprintf(stderr, "addroot: cannot open %s\n", argv[1]);
        return 1;
    }
    n = fread(pem, 1, sizeof(pem) - 1, f);
    fclose(f);
    pem[n] = '\0';
    if (!CryptStringToBinaryA(pem, 0, CRYPT_STRING_BASE64HEADER, der, &der_len, NULL, NULL)) {
        fprintf(stderr, "addroot: %s is not a PEM certificate (error %lu)\n", argv[1], GetLastError());
        return 1;
    }
    HCERTSTORE store = CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, L"Root");
    if (!store) {
        fprintf(stderr, "addroot: cannot open LocalMachine\\Root (error %lu)\n", GetLastError());
        return 1;
    }
    BOOL ok = CertAddEncodedCertificateToStore(store, X509_ASN_ENCODING, der, der_len,
                                               CERT_STORE_ADD_REPLACE_EXISTING, NULL);
    DWORD err = GetLastError();
    CertCloseStore(store, 0);
    if (!ok) {
        fprintf(stderr, "addroot: adding the certificate failed (error %lu)\n", err);
        return 1;
    }
    printf("addroot: ok\n");
    return 0;
}
