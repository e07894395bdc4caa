/*
 * sspi_cbt_probe.exe USER REALM PASSWORD SPN APPDATA: the first Kerberos token (AP-REQ) of an
 * InitializeSecurityContextW with explicit credentials and a SECBUFFER_CHANNEL_BINDINGS whose application
 * data is APPDATA, printed as "token <base64>". run_gss_scripts.py hands it to an MIT acceptor given the same
 * bindings: the acceptor sets GSS_C_CHANNEL_BOUND_FLAG only when the token carries them (RFC 4121 4.1.1.2,
 * the Bnd field of the authenticator checksum). That is how the tests prove what a package does with the
 * buffer (Wine's Kerberos package drops it; docs/windows.md).
 *
 * SPDX-License-Identifier: MIT
 */
#define SECURITY_WIN32
#include <windows.h>
#include <security.h>
#include <sspi.h>
#include <wincrypt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wmain(int argc, WCHAR **argv)
{
    if (argc != 6) {
        printf("usage: sspi_cbt_probe USER REALM PASSWORD SPN APPDATA\n");
        return 2;
    }
    SEC_WINNT_AUTH_IDENTITY_W id;
    memset(&id, 0, sizeof(id));
    id.User = (unsigned short *)argv[1];
    id.UserLength = (unsigned long)wcslen(argv[1]);
    id.Domain = (unsigned short *)argv[2];
    id.DomainLength = (unsigned long)wcslen(argv[2]);
    id.Password = (unsigned short *)argv[3];
    id.PasswordLength = (unsigned long)wcslen(argv[3]);
    id.Flags = SEC_WINNT_AUTH_IDENTITY_UNICODE;
    CredHandle cred;
    TimeStamp ts;
    SECURITY_STATUS st = AcquireCredentialsHandleW(NULL, (WCHAR *)L"Kerberos", SECPKG_CRED_OUTBOUND, NULL,
                                                   &id, NULL, NULL, &cred, &ts);
    if (st != SEC_E_OK) {
        printf("AcquireCredentialsHandleW: 0x%08lx\n", (unsigned long)st);
        return 1;
    }
    char app[256];
    int app_len = WideCharToMultiByte(CP_UTF8, 0, argv[5], -1, app, sizeof(app), NULL, NULL);
    if (app_len <= 1)
        return 1;
    app_len--;
    unsigned char cb[sizeof(SEC_CHANNEL_BINDINGS) + 256];
    memset(cb, 0, sizeof(cb));
    SEC_CHANNEL_BINDINGS *b = (SEC_CHANNEL_BINDINGS *)cb;
    b->cbApplicationDataLength = (unsigned long)app_len;
    b->dwApplicationDataOffset = sizeof(SEC_CHANNEL_BINDINGS);
    memcpy(cb + sizeof(SEC_CHANNEL_BINDINGS), app, (size_t)app_len);
    SecBuffer in = {(unsigned long)(sizeof(SEC_CHANNEL_BINDINGS) + app_len), SECBUFFER_CHANNEL_BINDINGS, cb};
    SecBufferDesc in_desc = {SECBUFFER_VERSION, 1, &in};
    static unsigned char tok[65536];
    SecBuffer out = {sizeof(tok), SECBUFFER_TOKEN, tok};
    SecBufferDesc out_desc = {SECBUFFER_VERSION, 1, &out};
    CtxtHandle ctx;
    ULONG attrs = 0;
    st = InitializeSecurityContextW(&cred, NULL, argv[4],
                                    ISC_REQ_MUTUAL_AUTH | ISC_REQ_CONFIDENTIALITY | ISC_REQ_INTEGRITY |
                                        ISC_REQ_SEQUENCE_DETECT | ISC_REQ_REPLAY_DETECT,
                                    0, SECURITY_NATIVE_DREP, &in_desc, 0, &ctx, &out_desc, &attrs, &ts);
    if (st != SEC_E_OK && st != SEC_I_CONTINUE_NEEDED) {
        printf("InitializeSecurityContextW: 0x%08lx\n", (unsigned long)st);
        return 1;
    }
    DWORD n = 0;
    CryptBinaryToStringA(tok, out.cbBuffer, CRYPT_STRING_BASE64 | CRYPT_STRING_NOCRLF, NULL, &n);
    char *text = malloc(n + 1);
    if (!text ||
        !CryptBinaryToStringA(tok, out.cbBuffer, CRYPT_STRING_BASE64 | CRYPT_STRING_NOCRLF, text, &n))
        return 1;
    printf("token %s\n", text);
    free(text);
    DeleteSecurityContext(&ctx);
    FreeCredentialsHandle(&cred);
    return 0;
}
