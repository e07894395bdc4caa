' SessionFlagNoEncryption (with AllowUnencrypted = true in the client
' configuration): Negotiate/Kerberos, Negotiate/NTLM and Kerberos send
' plaintext SOAP to a server that allows it (enc=no in its log); a server that
' requires encryption answers 500, which is 0x80338170.
'
' SPDX-License-Identifier: MIT

Dim wsman, s, r
Set wsman = CreateObject("WSMAN.Automation")

Function Sess(url, flags, user)
    Dim opts
    Set opts = wsman.CreateConnectionOptions
    opts.UserName = user
    opts.Password = g_password
    Set Sess = wsman.CreateSession(url, flags Or fCredUsernamePassword Or fNoEncryption, opts)
End Function

Set s = Sess(Arg("allow", ""), fUseNegotiate, g_user)
CheckContains s.Get(ECHO_URI), "Auth=""negotiate""", "Negotiate/Kerberos without encryption"
Set s = Sess(Arg("allowip", ""), fUseNegotiate, Arg("ntlmuser", ""))
CheckContains s.Get(ECHO_URI), "Auth=""negotiate""", "Negotiate/NTLM without encryption"
Set s = Sess(Arg("allow", ""), fUseKerberos, g_user)
CheckContains s.Get(ECHO_URI), "Auth=""kerberos""", "Kerberos without encryption"

On Error Resume Next
Set s = Sess(Arg("http", ""), fUseKerberos, g_user)
r = s.Get(ECHO_URI)
CheckEq HexCode(Err.Number), "0x80338170", "NoEncryption against a server that requires encryption"
CheckContains Err.Description, "encryption", "the text names message encryption"
Err.Clear
On Error GoTo 0
Finish
