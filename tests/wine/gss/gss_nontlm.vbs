' The NTLM package missing: Wine's NTLM is Samba's ntlm_auth, and the
' harness runs this script with a PATH where there is none, so Wine has no
' NTLM package (as on Linux without gss-ntlmssp): Negotiate to an IP
' address, which can only be NTLM, is SEC_E_SECPKG_NOT_FOUND naming the
' package; Kerberos still works.
'
' SPDX-License-Identifier: MIT

Dim wsman, s, r
Set wsman = CreateObject("WSMAN.Automation")
On Error Resume Next
Set s = GssSession(wsman, Arg("httpip", ""), fUseNegotiate, Arg("ntlmuser", ""), g_password)
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H80090305, Array("NTLM", "not installed", "ntlm_auth"), "NTLM package missing"
On Error GoTo 0
Set s = GssSession(wsman, Arg("http", ""), fUseKerberos, g_user, g_password)
CheckContains s.Get(ECHO_URI), "Auth=""kerberos""", "Kerberos without ntlm_auth"
Finish
