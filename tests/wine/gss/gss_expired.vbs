' An expired ticket: the harness gave bob a ticket lifetime of 2 seconds
' (kadmin modprinc -maxlife), ran kinit bob into this script's cache and
' waited 3 seconds. Kerberos with implicit credentials: the ticket cache
' holds only an expired TGT, SEC_E_CONTEXT_EXPIRED (as on Linux), and
' nothing reaches the server.
'
' SPDX-License-Identifier: MIT

Dim wsman, s, r
Set wsman = CreateObject("WSMAN.Automation")
Set s = wsman.CreateSession(Arg("http", ""), fUseKerberos)
On Error Resume Next
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H80090317, Array("expired", "kinit"), "Kerberos, expired ticket"
On Error GoTo 0
Finish
