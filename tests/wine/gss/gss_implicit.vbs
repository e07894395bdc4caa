' Implicit credentials: the harness ran kinit alice@WSMAUTO.TEST into this
' script's ticket cache ($KRB5CCNAME, which Wine's Kerberos package reads).
' SessionFlagUseKerberos without credentials, and the default authentication
' (no auth flag: Negotiate for localhost), which ends in Kerberos.
'
' SPDX-License-Identifier: MIT

Dim wsman, s, r
Set wsman = CreateObject("WSMAN.Automation")
Set s = wsman.CreateSession(Arg("http", ""), fUseKerberos)
r = s.Get(ECHO_URI)
CheckContains r, "Auth=""kerberos""", "Kerberos with the ticket cache"
Set s = wsman.CreateSession(Arg("http", ""), 0)
r = s.Get(ECHO_URI)
CheckContains r, "Auth=""negotiate""", "the default authentication to localhost is Negotiate"
CheckContains s.Get(WMI & "Win32_Service?Name=WinRM"), "WinRM", "a second request on the implicit session"
Finish
