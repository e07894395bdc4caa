' CredSSP (SessionFlagUseCredSsp | SessionFlagCredUsernamePassword) through
' Schannel (src/core/auth/tls_schannel.c) and SSPI (sspi.c) against
' wsman_server.py --auth credssp: over HTTP with message encryption (TLS
' records of the inner channel) with Kerberos inside (localhost) and NTLM
' inside (127.0.0.1: no ticket names an address), over HTTPS, a 3 MB Put
' and Get both ways, and the credentials the server received
' (http://wsmauto.test/credssp/last: user, domain, SHA-256 of the
' password). The harness checks the server log: delegated=yes, enc=yes.
'
' SPDX-License-Identifier: MIT

Dim wsman, s, r, big, last
Set wsman = CreateObject("WSMAN.Automation")
Const CSSP = &H1001000 ' UseCredSsp | CredUsernamePassword
CheckEq CSSP, fUseCredSsp Or fCredUsernamePassword, "CSSP constant"
Const LAST_URI = "http://wsmauto.test/credssp/last"

Function CSession(url, user, password, extra)
    Dim opts
    Set opts = wsman.CreateConnectionOptions
    opts.UserName = user
    opts.Password = password
    Set CSession = wsman.CreateSession(url, CSSP Or extra, opts)
End Function

Sub CheckLast(s, user, domain, mech, what)
    Dim last
    last = s.Get(LAST_URI)
    CheckContains last, "<c:User>" & user & "</c:User>", what & ": the user the server received"
    If domain = "" Then
        CheckContains last, "<c:Domain/>", what & ": no domain (a user@REALM name goes whole in User)"
    Else
        CheckContains last, "<c:Domain>" & domain & "</c:Domain>", what & ": the domain the server received"
    End If
    CheckContains last, "<c:PasswordSHA256>" & Arg("pwsha256", "?") & "</c:PasswordSHA256>", _
        what & ": the password the server received"
    CheckContains last, "<c:Mechanism>" & mech & "</c:Mechanism>", what & ": the inner mechanism"
    CheckNotContains last, "-pw-", what & ": no password revealed"
End Sub

' ---- HTTP, Kerberos inside (user@REALM to localhost) ----
Set s = CSession(Arg("credssp", ""), g_user, g_password, 0)
r = s.Get(ECHO_URI)
CheckContains r, "Auth=""credssp""", "Kerberos inside: CredSSP scheme on the wire"
CheckContains r, "Tls=""false""", "Kerberos inside: plain HTTP (message encryption)"
CheckContains s.Identify(0), "ProtocolVersion", "authenticated Identify"
CheckLast s, "alice@WSMAUTO.TEST", "", "krb5", "Kerberos inside"
big = String(3000000, "c")
r = s.Put(ECHO_URI, "<e:Big xmlns:e=""http://wsmauto.test/echo"">" & big & "</e:Big>")
Check Len(r) > 3000000, "3 MB Put echoed back (encrypted both ways): " & Len(r) & " characters"
CheckContains r, "c</e:Big>", "the echo ends with the data"

' ---- HTTP, NTLM inside (DOMAIN\user to an address) ----
Set s = CSession(Arg("credsspip", ""), Arg("ntlmuser", ""), g_password, 0)
r = s.Get(ECHO_URI)
CheckContains r, "Auth=""credssp""", "NTLM inside: CredSSP scheme on the wire"
CheckLast s, "alice", "WSMAUTO", "ntlm", "NTLM inside"
r = s.Put(ECHO_URI, "<e:Big xmlns:e=""http://wsmauto.test/echo"">" & big & "</e:Big>")
Check Len(r) > 3000000, "NTLM inside: 3 MB Put echoed back: " & Len(r) & " characters"

' ---- HTTPS (the test CA is not trusted in the prefix: SkipCACheck) ----
Set s = CSession(Arg("credsspssl", ""), g_user, g_password, fUseSsl Or fSkipCACheck)
r = s.Get(ECHO_URI)
CheckContains r, "Auth=""credssp""", "HTTPS: CredSSP scheme on the wire"
CheckContains r, "Tls=""true""", "HTTPS: outer TLS"
CheckLast s, "alice@WSMAUTO.TEST", "", "krb5", "HTTPS"
r = s.Put(ECHO_URI, "<e:Big xmlns:e=""http://wsmauto.test/echo"">" & big & "</e:Big>")
Check Len(r) > 3000000, "HTTPS: 3 MB Put echoed back: " & Len(r) & " characters"

' ---- a wrong password: the inner SPNEGO fails, nothing is delegated ----
' Wine's Negotiate package, refused a TGT, goes on with NTLM for the same user,
' which the server rejects (HTTP 401 in the SPNEGO legs): the NTLM row's code,
' as in gss_mistakes.vbs (Windows would stop at the KDC: SEC_E_LOGON_DENIED).
On Error Resume Next
Set s = CSession(Arg("credssp", ""), g_user, "wrong-pw", 0)
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H80070005, Array("alice@WSMAUTO.TEST", "rejected"), "CredSSP with a wrong password"
On Error GoTo 0
Finish
