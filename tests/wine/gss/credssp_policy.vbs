' The delegation policy: run_gss_scripts.py gives this script a client.conf
' (WSMAUTO_CLIENT_CONFIG) with CredSSP = true but AllowFreshCredentials =
' WSMAN/*.example.com, which does not name localhost: SessionFlagUseCredSsp
' fails with ERROR_WSMAN_CLIENT_ALLOWFRESHCREDENTIALS 0x803381A3 before
' anything is sent (the harness checks that no request reached the server).
'
' SPDX-License-Identifier: MIT

Dim wsman, s, r, opts
Set wsman = CreateObject("WSMAN.Automation")
Set opts = wsman.CreateConnectionOptions
opts.UserName = g_user
opts.Password = g_password
Set s = wsman.CreateSession(Arg("credssp", ""), fUseCredSsp Or fCredUsernamePassword, opts)
On Error Resume Next
r = s.Get(ECHO_URI)
CheckFailure Err, s, &H803381A3, Array("AllowFreshCredentials", "WSMAN/localhost"), "not in AllowFreshCredentials"
r = s.Identify(0)
CheckFailure Err, s, &H803381A3, "AllowFreshCredentials", "not in AllowFreshCredentials (Identify)"
On Error GoTo 0
Finish
