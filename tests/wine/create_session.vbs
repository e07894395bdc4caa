' WSMan.CreateSession: connection strings, sessions with and without
' credentials, and the documented bad flag/credential combinations, each
' with its 0x8033xxxx code in Err.Number and in WSMan.Error
' (IWSMan::CreateSession; the ERROR_WSMAN_CLIENT_* codes of wsmerror.h).
'
' SPDX-License-Identifier: MIT

Dim wsman, s, o
Set wsman = CreateObject("WSMAN.Automation")

' Opens a session and checks the outcome; credentials: "" none, "creds",
' "user" (no password), "cert", "certcreds", "empty", "proxy".
Sub TrySession(conn, flags, creds, want, what)
    Dim opts, sess, e
    Set opts = Nothing
    If creds <> "" Then
        Set opts = wsman.CreateConnectionOptions
        If creds = "creds" Or creds = "user" Or creds = "certcreds" Then opts.UserName = "DOMAIN\user"
        If creds = "creds" Or creds = "certcreds" Then opts.Password = "secret"
        If creds = "cert" Or creds = "certcreds" Then opts.CertificateThumbprint = "0123456789abcdef0123456789ABCDEF01234567"
        If creds = "proxy" Then opts.SetProxy 1
    End If
    On Error Resume Next
    If creds = "" Then
        Set sess = wsman.CreateSession(conn, flags)
    Else
        Set sess = wsman.CreateSession(conn, flags, opts)
    End If
    e = Err.Number
    If e <> 0 Then
        CheckEq Err.Source, "WSMan", what & ": Err.Source"
        Check Len(Err.Description) > 0, what & ": Err.Description is empty"
        CheckNotContains Err.Description, "secret", what & ": the password is not in Err.Description"
    End If
    Err.Clear
    On Error GoTo 0
    CheckEq e, want, what
    If e <> 0 Then
        CheckFault wsman.Error, want, what & ": WSMan.Error"
        CheckNotContains wsman.Error, "secret", what & ": the password is not in WSMan.Error"
    End If
End Sub

' ---- connection strings ----
TrySession "", 0, "", 0, "empty connection (local session)"
TrySession "server", 0, "", 0, "host"
TrySession "server:5985", 0, "", 0, "host:port"
TrySession "server/wsman", 0, "", 0, "host/prefix"
TrySession "server:8080/websvcs/wsman", 0, "", 0, "host:port/prefix"
TrySession "http://server", 0, "", 0, "http://host"
TrySession "HTTPS://server/websvcs/wsman", 0, "", 0, "HTTPS://host/prefix"
TrySession "https://[E3D7:0000:0000:0000:51F4:9BC8:C0A8:6420]:9999/wsman", 0, "", 0, "IPv6 in brackets"
TrySession "[::1]", 0, "", 0, "[::1]"
TrySession "10.0.0.1:5986", fUseSsl, "", 0, "UseSsl without a scheme"
TrySession "ftp://server", 0, "", &H803380DA, "ftp://"
TrySession "server:0", 0, "", &H803380DB, "port 0"
TrySession "server:65536", 0, "", &H803380DB, "port 65536"
TrySession "server:abc", 0, "", &H803380DB, "port abc"
TrySession "::1", 0, "", &H803380D9, "IPv6 without brackets"
TrySession "http://", 0, "", &H803380D9, "http:// without a host"
TrySession "bad host", 0, "", &H803380D9, "a host with a space"

' ---- flag and credential combinations ----
TrySession "host", &H10, "", &H803380AC, "an unknown flag bit"
TrySession "host", fUTF8 Or fUTF16, "", &H803380AC, "UTF8 and UTF16"
TrySession "host", fUseBasic Or fUseDigest, "", &H803380AD, "two auth flags"
TrySession "host", fUseNoAuthentication Or fUseKerberos, "", &H803380AD, "NoAuthentication and Kerberos"
TrySession "", fCredUsernamePassword, "creds", &H803380B8, "credentials on a local session"
TrySession "", 0, "empty", &H803380B9, "options on a local session"
TrySession "host", fUseNoAuthentication Or fCredUsernamePassword, "creds", &H803380AB, "NoAuthentication with credentials"
TrySession "host", fUseBasic Or fCredUsernamePassword Or fEnableSPNServerPort, "creds", &H803380AE, "SPN port with Basic"
TrySession "host", fUseNegotiate Or fEnableSPNServerPort, "", 0, "SPN port with Negotiate"
TrySession "host", fUseClientCertificate, "cert", &H803380D8, "client certificate over HTTP"
TrySession "https://host", fUseClientCertificate, "cert", 0, "client certificate over HTTPS"
TrySession "https://host", fUseClientCertificate, "", &H803380B4, "UseClientCertificate without a thumbprint"
TrySession "https://host", fUseClientCertificate Or fCredUsernamePassword, "cert", &H80338157, "certificate and CredUsernamePassword"
TrySession "https://host", fUseClientCertificate, "certcreds", &H803380B1, "certificate and user name"
TrySession "https://host", 0, "cert", &H80338156, "thumbprint without UseClientCertificate"
TrySession "https://host", fCredUsernamePassword, "certcreds", &H80338144, "thumbprint and credentials"
TrySession "host", fUseBasic, "", &H803380B0, "Basic without credentials"
TrySession "host", fUseDigest Or fCredUsernamePassword, "user", &H803380B0, "Digest without a password"
TrySession "https://host", fUseCredSsp, "", &H80338147, "CredSSP without credentials"
TrySession "host", fCredUsernamePassword, "", &H803380B2, "CredUsernamePassword without options"
TrySession "host", fCredUsernamePassword, "empty", &H803380B2, "CredUsernamePassword with empty options"
TrySession "host", 0, "creds", &H803380B3, "credentials without CredUsernamePassword"
TrySession "host", fUseBasic Or fCredUsernamePassword, "creds", 0, "Basic with credentials"
TrySession "https://host", fNoEncryption, "", &H803380D7, "NoEncryption over HTTPS"
TrySession "host", fNoEncryption, "", 0, "NoEncryption over HTTP"
TrySession "host", &H4000000, "", &H803381B0, "AllowNegotiateImplicitCredentials over HTTP"
TrySession "https://host", &H4000000, "", 0, "AllowNegotiateImplicitCredentials over HTTPS"
TrySession "host", 0, "proxy", &H803381B1, "proxy over HTTP"
TrySession "http://server", fUseSsl, "", &H803381BE, "UseSsl with http://"

' ---- with and without credentials, against the server ----
' No credentials: only an unauthenticated Identify gets through.
Set s = wsman.CreateSession(g_http, fUseNoAuthentication)
CheckContains s.Identify, "IdentifyResponse", "Identify without credentials"
On Error Resume Next
Dim r
r = s.Get(WMI & "Win32_Service?Name=WinRM")
CheckErr Err, &H80070005, "Get without credentials: access denied"
On Error GoTo 0
' With credentials.
Set o = wsman.CreateConnectionOptions
o.UserName = g_user
o.Password = g_password
Set s = wsman.CreateSession(g_http, fUseBasic Or fCredUsernamePassword Or fNoEncryption, o)
CheckContains s.Get(WMI & "Win32_Service?Name=WinRM"), "<p:Name>WinRM</p:Name>", "Get with credentials"
' Missing optional arguments, named the VBScript way.
Set s = wsman.CreateSession(g_http, , Nothing)
Set s = wsman.CreateSession(, 0)
Set s = wsman.CreateSession()
' Nothing as the options is the same as none.
Set s = wsman.CreateSession(g_http, fUseNoAuthentication, Nothing)
CheckContains s.Identify, "IdentifyResponse", "Identify on a session made with Nothing as options"

Finish
