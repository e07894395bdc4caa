' CredSSP that must not happen: a server whose pubKeyAuth proof is wrong
' (--credssp-bad-pubkey: an impostor, or a man in the middle of the inner
' TLS channel) fails with SEC_E_MUTUAL_AUTH_FAILED 0x80090363, and the
' server never gets the credentials (the harness checks: no delegated=yes
' in its log). credssp_policy.vbs: the delegation refused by client.conf.
'
' SPDX-License-Identifier: MIT

Dim wsman, s, r, opts
Set wsman = CreateObject("WSMAN.Automation")

Function CSession(url)
    Set opts = wsman.CreateConnectionOptions
    opts.UserName = g_user
    opts.Password = g_password
    Set CSession = wsman.CreateSession(url, fUseCredSsp Or fCredUsernamePassword, opts)
End Function

On Error Resume Next
Set s = CSession(Arg("badpk", ""))
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H80090363, "", "a wrong pubKeyAuth"
On Error GoTo 0
Finish
