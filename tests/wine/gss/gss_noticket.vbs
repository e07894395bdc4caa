' Implicit credentials without a ticket ($KRB5CCNAME names an empty cache):
' SEC_E_NO_CREDENTIALS naming the cache and kinit, and nothing is sent (the
' harness checks the server log).
'
' SPDX-License-Identifier: MIT

Dim wsman, s, r
Set wsman = CreateObject("WSMAN.Automation")
Set s = wsman.CreateSession(Arg("http", ""), fUseKerberos)
On Error Resume Next
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H8009030E, Array("kinit", "KRB5CCNAME", Arg("ccache", "")), "Kerberos, no ticket"
' The same session tries again (and fails the same way) on the next call.
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H8009030E, "kinit", "Kerberos, no ticket, second call"
On Error GoTo 0
Finish
