' Implicit credentials without a ticket ($KRB5CCNAME names an empty cache):
' SEC_E_NO_CREDENTIALS, and nothing is sent.
'
' SPDX-License-Identifier: MIT

Dim wsman, s, r
Set wsman = CreateObject("WSMAN.Automation")
Set s = wsman.CreateSession(Arg("http", ""), fUseKerberos)
On Error Resume Next
r = s.Get(ECHO_URI)
CheckEq HexCode(Err.Number), "0x8009030E", "no ticket: SEC_E_NO_CREDENTIALS"
CheckContains Err.Description, "kinit", "no ticket: the text says to run kinit"
Err.Clear
On Error GoTo 0
Finish
