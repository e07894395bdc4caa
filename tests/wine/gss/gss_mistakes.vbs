' The rows of README.md's "What a user sees for the common mistakes" that
' need no special environment, each with its exact HRESULT, a description
' naming the cause, Session.Error with the same code and no password
' anywhere (common_gss.vbs CheckFailure). The rows that need one have
' scripts of their own: gss_noticket (no ticket), gss_expired (expired
' ticket), gss_kdcdown (KDC unreachable), gss_skew (clock skew), gss_nontlm
' (package missing), gss_damaged (damaged replies), gss_reauth (server
' closing the connection during the handshake).
'
' SPDX-License-Identifier: MIT

Dim wsman, s, r, t0, port, http, ip
Set wsman = CreateObject("WSMAN.Automation")
http = Arg("http", "")
ip = Arg("httpip", "")
port = Mid(http, InStrRev(http, ":") + 1)
port = Left(port, InStr(port, "/") - 1)

On Error Resume Next

' ---- wrong password / unknown user, Kerberos: the KDC refuses the TGT ----
Set s = GssSession(wsman, http, fUseKerberos, g_user, "wrong-pw-9")
t0 = Timer
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H8009030C, Array("alice@WSMAUTO.TEST", "wrong password"), "Kerberos, wrong password"
CheckQuick t0, 30, "Kerberos, wrong password"

Set s = GssSession(wsman, http, fUseKerberos, "mallory@WSMAUTO.TEST", "mallory-pw-3")
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H8009030C, Array("mallory@WSMAUTO.TEST", "unknown user"), "Kerberos, unknown user"

' Negotiate to a host name with a wrong password: Wine's Negotiate package, refused a TGT, goes on with NTLM
' for the same user, which the server rejects: the NTLM row's code.
Set s = GssSession(wsman, http, fUseNegotiate, g_user, "wrong-pw-9")
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H80070005, Array("alice@WSMAUTO.TEST", "rejected"), "Negotiate to a host name, wrong password"

' ---- wrong password / unknown user, NTLM: the server says 401 ----
Set s = GssSession(wsman, ip, fUseNegotiate, Arg("ntlmuser", ""), "wrong-pw-9")
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H80070005, Array("WSMAUTO\alice", "rejected"), "NTLM, wrong password"

Set s = GssSession(wsman, ip, fUseNegotiate, "WSMAUTO\mallory", "mallory-pw-3")
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H80070005, Array("WSMAUTO\mallory", "rejected"), "NTLM, unknown user"

' ---- SPNs the KDC does not know ----
' an IP address with Kerberos: HTTP/127.0.0.1
Set s = GssSession(wsman, ip, fUseKerberos, g_user, g_password)
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H80090303, "HTTP/127.0.0.1", "Kerberos to an IP address (unknown SPN)"
' SessionFlagEnableSPNServerPort: HTTP/localhost:<port>, which the realm has not registered
Set s = GssSession(wsman, http, fUseKerberos Or fEnableSPNServerPort, g_user, g_password)
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H80090303, "HTTP/localhost:" & port, "Kerberos, SPN with the port (not registered)"

' ---- a realm krb5.conf does not know ----
' (Linux: 0x80090311 SEC_E_NO_AUTHENTICATING_AUTHORITY. Wine's Kerberos package reports every failure to get
' the TGT as one status; the DLL says so: docs/windows.md.)
Set s = GssSession(wsman, http, fUseKerberos, "alice@NO-SUCH-REALM.TEST", "alice-pw-1")
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H8009030C, Array("alice@NO-SUCH-REALM.TEST", "cannot be reached", "STATUS_UNSUCCESSFUL"), _
    "Kerberos, realm unknown to krb5.conf (Wine: one status for every TGT failure)"

' ---- message encryption ----
' NoEncryption against a server that requires encryption (AllowUnencrypted = true on the client)
Set s = GssSession(wsman, http, fUseKerberos Or fNoEncryption, g_user, g_password)
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H80338170, Array("requires message encryption", "SessionFlagNoEncryption"), _
    "NoEncryption against a server that requires encryption"
' encryption against a server that refuses it (--gss-encryption refuse: 400)
Set s = GssSession(wsman, Arg("refuse", ""), fUseKerberos, g_user, g_password)
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H80338171, Array("did not accept the encrypted message", "HTTP 400"), _
    "encryption against a server that refuses it (Kerberos)"
Set s = GssSession(wsman, Arg("refuseip", ""), fUseNegotiate, Arg("ntlmuser", ""), g_password)
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H80338171, "did not accept the encrypted message", _
    "encryption against a server that refuses it (NTLM)"

' ---- Negotiate with implicit credentials to a host not in TrustedHosts: nothing is sent ----
Set s = wsman.CreateSession("http://wsmauto-untrusted.invalid/wsman", fUseNegotiate)
t0 = Timer
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H803380E5, Array("TrustedHosts", "wsmauto-untrusted.invalid"), _
    "Negotiate, implicit credentials, untrusted host"
CheckQuick t0, 5, "the policy refuses before any network traffic"
On Error GoTo 0

' After all of that a good session works.
Set s = GssSession(wsman, http, fUseKerberos, g_user, g_password)
CheckContains s.Get(ECHO_URI), "Auth=""kerberos""", "a good session after the mistakes"
Finish
