/*
 * Test helper for Wine prefixes: adds a PEM certificate (the test CA, tests/tls/make-certs.sh's ca.pem) to
 * the LocalMachine "Root" store, so that HTTPS against the test server can be verified in full. Usage:
 * addroot.exe CA.pem   (a Windows path, e.g. Z:/tmp/x/certs/ca.pem). Prints "addroot: ok" on success.
 *        addroot.exe --check CA.pem   prints "addroot: trusted" when a chain built for the certificate ends
 * in a trusted root (run it in a new process after adding: Wine syncs the host's roots into the same store).
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <windows.h>
#include <wincrypt.h>

int main(int argc, char **argv)
{
    static char pem[65536];
    BYTE der[16384];
    DWORD der_len = sizeof(der);
    FILE *f;
    size_t n;

    int check = argc == 3 && !strcmp(argv[1], "--check");

    if (argc != 2 && !check) {
        fprintf(stderr, "usage: addroot [--check] CA.pem\n");
        return 2;
    }
    if (check)
        argv++;
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
    if (check) {
        PCCERT_CONTEXT cert = CertCreateCertificateContext(X509_ASN_ENCODING, der, der_len);
        CERT_CHAIN_PARA para;
        memset(&para, 0, sizeof(para));
        para.cbSize = sizeof(para);
        PCCERT_CHAIN_CONTEXT chain = NULL;
        DWORD status = CERT_TRUST_IS_UNTRUSTED_ROOT;
        if (cert && CertGetCertificateChain(NULL, cert, NULL, NULL, &para, 0, NULL, &chain)) {
            status = chain->TrustStatus.dwErrorStatus;
            CertFreeCertificateChain(chain);
        }
        if (cert)
            CertFreeCertificateContext(cert);
        if (status & (CERT_TRUST_IS_UNTRUSTED_ROOT | CERT_TRUST_IS_PARTIAL_CHAIN)) {
            printf("addroot: not trusted (chain status 0x%08lx)\n", (unsigned long)status);
            return 1;
        }
        printf("addroot: trusted\n");
        return 0;
    }
    HCERTSTORE store =
        CertOpenStore(CERT_STORE_PROV_SYSTEM_W, 0, 0, CERT_SYSTEM_STORE_LOCAL_MACHINE, L"Root");
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
