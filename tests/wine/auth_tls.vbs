' Authentication and transport: Basic and Digest over HTTP, a wrong password
' (access denied), the plaintext policy of the client configuration, HTTPS
' with the SkipCA / SkipCN flags (the test CA is not trusted by the prefix,
' and one server has a certificate for the wrong name), UTF-16.
'
' SPDX-License-Identifier: MIT

Dim wsman, s, o, r
Set wsman = CreateObject("WSMAN.Automation")

Function Session(url, flags, user, password)
    Dim opts
    Set opts = wsman.CreateConnectionOptions
    opts.UserName = user
    opts.Password = password
    Set Session = wsman.CreateSession(url, flags, opts)
End Function

Const BASIC = &H141000   ' UseBasic | CredUsernamePassword | NoEncryption
Const DIGEST = &H111000  ' UseDigest | CredUsernamePassword | NoEncryption
CheckEq BASIC, fUseBasic Or fCredUsernamePassword Or fNoEncryption, "BASIC constant"
CheckEq DIGEST, fUseDigest Or fCredUsernamePassword Or fNoEncryption, "DIGEST constant"

' ---- Basic and Digest over HTTP: the echo resource tells which one was used ----
Set s = Session(g_http, BASIC, g_user, g_password)
r = s.Get(ECHO_URI)
CheckContains r, "Auth=""basic""", "Basic session authenticates with Basic"
CheckContains r, "Tls=""false""", "plain HTTP"
CheckContains r, "<e:HttpHeader Name=""Authorization"">Basic (redacted)</e:HttpHeader>", "Basic Authorization header"
Set s = Session(g_http, DIGEST, g_user, g_password)
r = s.Get(ECHO_URI)
CheckContains r, "Auth=""digest""", "Digest session authenticates with Digest"
CheckContains s.Get(WMI & "Win32_Service?Name=WinRM"), "WinRM", "a second Digest request"
' User names compare case-insensitively (as on Windows).
Set s = Session(g_http, BASIC, UCase(g_user), g_password)
CheckContains s.Get(WMI & "Win32_Service?Name=WinRM"), "WinRM", "upper-case user name"

' ---- wrong password: access denied, no password in any error text ----
Set s = Session(g_http, BASIC, g_user, "not-the-password")
On Error Resume Next
r = s.Get(ECHO_URI)
CheckEq Err.Number, &H80070005, "Basic with a wrong password: Err.Number"
CheckEq Err.Source, "Session", "wrong password: Err.Source"
Check Len(Err.Description) > 0, "wrong password: Err.Description"
CheckNotContains Err.Description, "not-the-password", "the password is not in Err.Description"
Err.Clear
On Error GoTo 0
CheckFault s.Error, &H80070005, "Session.Error after access denied"
CheckNotContains s.Error, "not-the-password", "the password is not in Session.Error"
Set s = Session(g_http, DIGEST, g_user, "not-the-password")
On Error Resume Next
r = s.Get(ECHO_URI)
CheckErr Err, &H80070005, "Digest with a wrong password"
Set s = Session(g_http, BASIC, "nobody", g_password)
r = s.Get(ECHO_URI)
CheckErr Err, &H80070005, "an unknown user"
On Error GoTo 0

' ---- plaintext policy: Basic over HTTP needs NoEncryption ----
Set s = Session(g_http, fUseBasic Or fCredUsernamePassword, g_user, g_password)
On Error Resume Next
r = s.Get(ECHO_URI)
CheckErr Err, &H803380DE, "Basic over HTTP without NoEncryption"
On Error GoTo 0

' ---- HTTPS ----
If g_https = "" Then
    Fail "no https= argument"
Else
    ' The certificate comes from the test CA, which the prefix does not trust.
    Set s = Session(g_https, fUseBasic Or fCredUsernamePassword, g_user, g_password)
    On Error Resume Next
    r = s.Get(ECHO_URI)
    CheckErr Err, &H80072F0D, "HTTPS to an untrusted CA"
    On Error GoTo 0
    Set s = Session(g_https, fUseBasic Or fCredUsernamePassword Or fSkipCACheck, g_user, g_password)
    r = s.Get(ECHO_URI)
    CheckContains r, "Tls=""true""", "HTTPS with SkipCACheck"
    CheckContains r, "Auth=""basic""", "Basic over HTTPS needs no NoEncryption"
    CheckContains s.Identify, "secprofile/https/basic", "authenticated Identify over HTTPS lists the HTTPS profiles"
    Set s = Session(g_https, fUseDigest Or fCredUsernamePassword Or fSkipCACheck, g_user, g_password)
    CheckContains s.Get(ECHO_URI), "Auth=""digest""", "Digest over HTTPS"
    ' UseSsl with a connection string without a scheme: host:port gets HTTPS.
    Dim hostport
    hostport = Mid(g_https, Len("https://") + 1)
    hostport = Left(hostport, InStr(hostport, "/") - 1)
    Set s = Session(hostport, fUseBasic Or fCredUsernamePassword Or fSkipCACheck Or fUseSsl, g_user, g_password)
    CheckContains s.Get(ECHO_URI), "Tls=""true""", "UseSsl with host:port"
    ' NoEncryption is refused over HTTPS.
    On Error Resume Next
    Set s = Session(g_https, BASIC Or fSkipCACheck, g_user, g_password)
    CheckErr Err, &H803380D7, "NoEncryption over HTTPS"
    On Error GoTo 0
    ' A wrong password over HTTPS.
    Set s = Session(g_https, fUseBasic Or fCredUsernamePassword Or fSkipCACheck, g_user, "bad")
    On Error Resume Next
    r = s.Get(ECHO_URI)
    CheckErr Err, &H80070005, "HTTPS with a wrong password"
    On Error GoTo 0
End If

If g_httpsWrongCN = "" Then
    Fail "no httpswrongcn= argument"
Else
    ' SkipCACheck alone does not skip the name check.
    Set s = Session(g_httpsWrongCN, fUseBasic Or fCredUsernamePassword Or fSkipCACheck, g_user, g_password)
    On Error Resume Next
    r = s.Get(ECHO_URI)
    CheckErr Err, &H80072F06, "HTTPS to a certificate for another name (SkipCACheck only)"
    On Error GoTo 0
    Set s = Session(g_httpsWrongCN, fUseBasic Or fCredUsernamePassword Or fSkipCACheck Or fSkipCNCheck, _
                    g_user, g_password)
    CheckContains s.Get(ECHO_URI), "Tls=""true""", "HTTPS with SkipCACheck and SkipCNCheck"
End If

' ---- UTF-16 requests ----
Set s = Session(g_http, BASIC Or fUTF16, g_user, g_password)
r = s.Get(ECHO_URI)
CheckContains r, "Charset=""utf-16""", "SessionFlagUTF16 sends UTF-16"
CheckContains s.Get(WMI & "Win32_Service?Name=WinRM"), "<p:Name>WinRM</p:Name>", "Get over UTF-16"
Set s = Session(g_http, BASIC Or fUTF8, g_user, g_password)
CheckContains s.Get(ECHO_URI), "Charset=""utf-8""", "SessionFlagUTF8 sends UTF-8"

' ---- nobody listens: destination unreachable ----
Set s = Session("http://127.0.0.1:1/wsman", BASIC, g_user, g_password)
On Error Resume Next
r = s.Get(ECHO_URI)
CheckEq Err.Number, &H80338012, "nothing listens on the port: Err.Number"
CheckContains Err.Description, "127.0.0.1", "the unreachable host is named"
Err.Clear
On Error GoTo 0

Finish
