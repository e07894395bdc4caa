' HTTPS with a server that requires channel binding (--require-cbt). The DLL
' learns the server certificate (an unauthenticated Identify on the same
' connection; the harness checks the server log), but Wine's Kerberos and NTLM
' packages ignore SECBUFFER_CHANNEL_BINDINGS, so the DLL refuses to send an
' unbound token: SEC_E_UNSUPPORTED_FUNCTION with a text saying why. (On
' Windows the binding goes with every leg.) The test CA is not trusted in the
' prefix, hence SkipCACheck.
'
' SPDX-License-Identifier: MIT

Dim wsman, s, r, opts, flags
Set wsman = CreateObject("WSMAN.Automation")
For Each flags In Array(fUseKerberos, fUseNegotiate)
    Set opts = wsman.CreateConnectionOptions
    opts.UserName = g_user
    opts.Password = g_password
    Set s = wsman.CreateSession(Arg("https", ""), flags Or fCredUsernamePassword Or fSkipCACheck, opts)
    On Error Resume Next
    r = s.Get(ECHO_URI)
    CheckEq HexCode(Err.Number), "0x80090302", "HTTPS " & HexCode(flags) & " under Wine: SEC_E_UNSUPPORTED_FUNCTION"
    CheckContains Err.Description, "channel binding", "the text names channel binding"
    CheckContains Err.Description, "SECBUFFER_CHANNEL_BINDINGS", "the text names what Wine lacks"
    Err.Clear
    On Error GoTo 0
Next
Finish
