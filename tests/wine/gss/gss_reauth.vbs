' The server forgetting the context and closing connections, from the DLL:
' --gss-reauth-after 2 (the server drops the context after two requests:
' the session gets the bare 401, authenticates again and resends once, the
' harness counts the handshakes in the server log), misbehave
' close-after-reply (the next request authenticates on a new connection),
' and --gss-drop-handshake (the server closes the connection on the first
' leg: 0x80072EFE naming the leg).
'
' SPDX-License-Identifier: MIT

Dim wsman, s, i, r, t0
Set wsman = CreateObject("WSMAN.Automation")

Set s = GssSession(wsman, Arg("reauth", ""), fUseKerberos, g_user, g_password)
For i = 1 To 5
    CheckContains s.Get(WMI & "Win32_Service?Name=WinRM"), "WinRM", "Kerberos: Get " & i & " with --gss-reauth-after 2"
Next
Set s = GssSession(wsman, Arg("reauthip", ""), fUseNegotiate, Arg("ntlmuser", ""), g_password)
For i = 1 To 5
    CheckContains s.Get(WMI & "Win32_Service?Name=WinRM"), "WinRM", "NTLM: Get " & i & " with --gss-reauth-after 2"
Next
' The server closes the connection after a reply: the next request authenticates on a new one.
CheckContains s.Get("http://wsmauto.test/misbehave/close-after-reply"), ">ok<", "NTLM: close-after-reply"
CheckContains s.Get(ECHO_URI), "Auth=""negotiate""", "NTLM: the Get after close-after-reply"
Set s = GssSession(wsman, Arg("reauth", ""), fUseKerberos, g_user, g_password)
CheckContains s.Get("http://wsmauto.test/misbehave/close-after-reply"), ">ok<", "Kerberos: close-after-reply"
CheckContains s.Get(ECHO_URI), "Auth=""kerberos""", "Kerberos: the Get after close-after-reply"

' The server closes the connection in the middle of the handshake.
On Error Resume Next
Set s = GssSession(wsman, Arg("drop", ""), fUseKerberos, g_user, g_password)
s.Timeout = 20000
t0 = Timer
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H80072EFE, Array("Kerberos authentication", "alice@WSMAUTO.TEST"), _
    "Kerberos, the server closes the connection at leg 1"
CheckQuick t0, 20, "Kerberos, --gss-drop-handshake"
Set s = GssSession(wsman, Arg("dropip", ""), fUseNegotiate, Arg("ntlmuser", ""), g_password)
s.Timeout = 20000
t0 = Timer
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H80072EFE, "Negotiate authentication", "NTLM, the server closes the connection at leg 1"
CheckQuick t0, 20, "NTLM, --gss-drop-handshake"
On Error GoTo 0
Finish
