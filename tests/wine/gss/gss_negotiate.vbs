' SessionFlagUseNegotiate with explicit credentials: Kerberos to a host name
' (HTTP/localhost; Wine's raw Kerberos token carried in SPNEGO by the DLL),
' NTLM to an IP address (raw NTLMSSP, Samba's ntlm_auth under Wine), both
' encrypted (the harness checks enc=yes and which mechanism the server saw),
' several MB both ways, and a wrong NTLM password (access denied).
'
' SPDX-License-Identifier: MIT

Dim wsman, s, r, big
Set wsman = CreateObject("WSMAN.Automation")
Const NEG = &H21000 ' UseNegotiate | CredUsernamePassword
CheckEq NEG, fUseNegotiate Or fCredUsernamePassword, "NEG constant"

Function NSession(url, user, password)
    Dim opts
    Set opts = wsman.CreateConnectionOptions
    opts.UserName = user
    opts.Password = password
    Set NSession = wsman.CreateSession(url, NEG, opts)
End Function

big = "<e:Big xmlns:e=""http://wsmauto.test/echo"">" & String(2500000, "n") & "</e:Big>"

' ---- Negotiate -> Kerberos ----
Set s = NSession(Arg("http", ""), g_user, g_password)
r = s.Get(ECHO_URI)
CheckContains r, "Auth=""negotiate""", "Negotiate scheme on the wire (Kerberos)"
CheckContains s.Get(WMI & "Win32_Service?Name=WinRM"), "WinRM", "Get over Negotiate/Kerberos"
r = s.Put(ECHO_URI, big)
Check Len(r) > 2500000, "2.5 MB Put over Negotiate/Kerberos: " & Len(r) & " characters"

' ---- Negotiate -> NTLM (an IP address) ----
Set s = NSession(Arg("httpip", ""), Arg("ntlmuser", ""), g_password)
r = s.Get(ECHO_URI)
CheckContains r, "Auth=""negotiate""", "Negotiate scheme on the wire (NTLM)"
CheckContains s.Get(WMI & "Win32_Service?Name=WinRM"), "WinRM", "Get over Negotiate/NTLM"
r = s.Put(ECHO_URI, big)
Check Len(r) > 2500000, "2.5 MB Put over Negotiate/NTLM: " & Len(r) & " characters"
CheckContains r, "n</e:Big>", "the NTLM echo ends with the data"

' ---- a wrong NTLM password: the server says 401 ----
On Error Resume Next
Set s = NSession(Arg("httpip", ""), Arg("ntlmuser", ""), "wrong-pw")
r = s.Get(ECHO_URI)
CheckEq HexCode(Err.Number), "0x80070005", "wrong NTLM password: E_ACCESSDENIED"
CheckContains Err.Description, "WSMAUTO\alice", "wrong NTLM password: the user is named"
CheckNotContains Err.Description, "wrong-pw", "no password in Err.Description"
Err.Clear
On Error GoTo 0
Finish
