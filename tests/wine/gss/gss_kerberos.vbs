' SessionFlagUseKerberos with explicit credentials (user@REALM) through the
' SSPI Kerberos package: every operation encrypted (the harness checks
' enc=yes in the server log), several MB both ways, and the failures with
' their exact HRESULTs: wrong password, an SPN the KDC does not know, a
' user name that cannot be used.
'
' SPDX-License-Identifier: MIT

Dim wsman, s, r, big, n, e, items, matching
Set wsman = CreateObject("WSMAN.Automation")
Const KRB = &H81000 ' UseKerberos | CredUsernamePassword
CheckEq KRB, fUseKerberos Or fCredUsernamePassword, "KRB constant"

Function KSession(url, user, password)
    Dim opts
    Set opts = wsman.CreateConnectionOptions
    opts.UserName = user
    opts.Password = password
    Set KSession = wsman.CreateSession(url, KRB, opts)
End Function

Set s = KSession(Arg("http", ""), g_user, g_password)
r = s.Get(ECHO_URI)
CheckContains r, "Auth=""kerberos""", "Kerberos scheme on the wire"
CheckContains r, "Tls=""false""", "plain HTTP (message encryption)"
CheckContains s.Identify(0), "ProtocolVersion", "authenticated Identify"
CheckContains s.Get(WMI & "Win32_Service?Name=WinRM"), "WinRM", "Get a service"
Set e = s.Enumerate(WMI & "Win32_Service")
n = CountItems(e, "Win32_Service", matching)
Check n > 3 And n = matching, "Enumerate Win32_Service: " & n & " items, " & matching & " matching"

' Several MB each way: a 3 MB Put whose echo comes back.
big = String(3000000, "k")
r = s.Put(ECHO_URI, "<e:Big xmlns:e=""http://wsmauto.test/echo"">" & big & "</e:Big>")
Check Len(r) > 3000000, "3 MB Put echoed back: " & Len(r) & " characters"
CheckContains r, "k</e:Big>", "the echo ends with the data"

' ---- failures ----
On Error Resume Next
Set s = KSession(Arg("http", ""), g_user, "wrong-pw")
r = s.Get(ECHO_URI)
CheckEq HexCode(Err.Number), "0x8009030C", "wrong password: SEC_E_LOGON_DENIED"
CheckEq Err.Source, "Session", "wrong password: Err.Source"
CheckContains Err.Description, "alice@WSMAUTO.TEST", "wrong password: the user is named"
CheckNotContains Err.Description, "wrong-pw", "no password in Err.Description"
Err.Clear
CheckNotContains s.Error, "wrong-pw", "no password in Session.Error"
CheckFault s.Error, &H8009030C, "Session.Error after a wrong password"

' The KDC knows HTTP/localhost only: HTTP/127.0.0.1 is an unknown SPN.
Set s = KSession(Arg("httpip", ""), g_user, g_password)
r = s.Get(ECHO_URI)
CheckEq HexCode(Err.Number), "0x80090303", "unknown SPN: SEC_E_TARGET_UNKNOWN"
CheckContains Err.Description, "HTTP/127.0.0.1", "unknown SPN: the SPN is named"
Err.Clear

Set s = KSession(Arg("http", ""), "\alice", g_password)
r = s.Get(ECHO_URI)
CheckEq HexCode(Err.Number), "0x8009030D", "DOMAIN\user without a domain: SEC_E_UNKNOWN_CREDENTIALS"
Err.Clear
On Error GoTo 0

' The session still works after the failures.
Set s = KSession(Arg("http", ""), g_user, g_password)
CheckContains s.Get(ECHO_URI), "Auth=""kerberos""", "a new session after the failures"
Finish
