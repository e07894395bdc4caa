' The KDC cannot be reached: the harness points KRB5_CONFIG at a copy of
' the realm's krb5.conf whose KDC is a closed loopback port, and fills this
' script's ticket cache with alice's TGT (kinit with the good krb5.conf).
'
' Explicit credentials: Wine's Kerberos package asks the KDC for a TGT in
' AcquireCredentialsHandle and reports every failure of that request as
' STATUS_UNSUCCESSFUL, so the DLL cannot tell an unreachable KDC from a
' wrong password: SEC_E_LOGON_DENIED with a text naming every possible
' cause (Linux: 0x80090311 SEC_E_NO_AUTHENTICATING_AUTHORITY).
' Implicit credentials (the TGT is there, the service ticket cannot be had):
' Wine's package reports one internal error for an unknown SPN, an
' unreachable KDC and clock skew, so the DLL gives SEC_E_TARGET_UNKNOWN with
' a text naming all three.
'
' SPDX-License-Identifier: MIT

Dim wsman, s, r, t0
Set wsman = CreateObject("WSMAN.Automation")
On Error Resume Next
Set s = GssSession(wsman, Arg("http", ""), fUseKerberos, g_user, g_password)
t0 = Timer
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H8009030C, Array("alice@WSMAUTO.TEST", "cannot be reached", "STATUS_UNSUCCESSFUL"), _
    "Kerberos, explicit credentials, KDC unreachable (Wine: one status for every TGT failure)"
CheckQuick t0, 30, "KDC unreachable, explicit credentials"

Set s = wsman.CreateSession(Arg("http", ""), fUseKerberos)
t0 = Timer
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H80090303, Array("cannot be reached", "clocks", "does not know the SPN", "KRB5CCNAME"), _
    "Kerberos, implicit credentials (a TGT), KDC unreachable (Wine: one status for three causes)"
CheckQuick t0, 30, "KDC unreachable, implicit credentials"
On Error GoTo 0
Finish
