' Clock skew: the harness ran kinit alice into this script's cache and then
' recorded in the cache that the KDC's clock is an hour ahead (the DeltaTime
' tag kinit writes when the clocks differ; MIT's library adds it to its own
' clock), so the request for the service ticket is an hour off the KDC's
' clock and the KDC refuses it (its log says "Clock skew too great"; the
' harness checks). Linux reports 0x80090324 SEC_E_TIME_SKEW; Wine's Kerberos
' package turns the failure into one internal error for an unknown SPN, an
' unreachable KDC and clock skew alike, so the DLL reports
' SEC_E_TARGET_UNKNOWN with a text naming all three (docs/windows.md).
'
' SPDX-License-Identifier: MIT

Dim wsman, s, r
Set wsman = CreateObject("WSMAN.Automation")
Set s = wsman.CreateSession(Arg("http", ""), fUseKerberos)
On Error Resume Next
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H80090303, Array("clocks", "cannot be reached", "does not know the SPN"), _
    "Kerberos, clock skew (Wine: one status for three causes)"
On Error GoTo 0
Finish
