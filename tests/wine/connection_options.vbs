' ConnectionOptions: UserName, the write-only Password, CertificateThumbprint,
' SetProxy and the proxy constants (IWSManConnectionOptions...Ex2,
' WSManProxyAccessTypeFlags, WSManProxyAuthenticationFlags; wsmandisp.h).
'
' SPDX-License-Identifier: MIT

Dim wsman, o, v
Set wsman = CreateObject("WSMAN.Automation")
Set o = wsman.CreateConnectionOptions()

' ---- UserName ----
CheckEq o.UserName, "", "UserName starts empty"
o.UserName = "DOMAIN\admin"
CheckEq o.UserName, "DOMAIN\admin", "UserName round trip"
o.UserName = ""
CheckEq o.UserName, "", "UserName cleared"
o.UserName = 12345
CheckEq o.UserName, "12345", "a number is converted to the user name"

' ---- Password: write-only ----
o.Password = "pa55w0rd"
On Error Resume Next
v = o.Password
CheckErr Err, 438, "reading the write-only Password"
CheckEq IsEmpty(v), True, "nothing was read from Password"
On Error GoTo 0

' ---- CertificateThumbprint ----
CheckEq o.CertificateThumbprint, "", "CertificateThumbprint starts empty"
o.CertificateThumbprint = "01 23 45 67 89 ab cd ef 01 23 45 67 89 AB CD EF 01 23 45 67"
CheckEq o.CertificateThumbprint, "0123456789ABCDEF0123456789ABCDEF01234567", "thumbprint normalised"
On Error Resume Next
o.CertificateThumbprint = "xyz"
CheckEq Err.Number, &H803380B7, "a thumbprint that is not hex: Err.Number"
CheckEq Err.Source, "ConnectionOptions", "thumbprint failure: Err.Source"
Check Len(Err.Description) > 0, "thumbprint failure: Err.Description"
Err.Clear
o.CertificateThumbprint = "0123"
CheckErr Err, &H803380B7, "a thumbprint that is too short"
On Error GoTo 0
CheckEq o.CertificateThumbprint, "0123456789ABCDEF0123456789ABCDEF01234567", "a refused thumbprint changes nothing"

' ---- proxy constants ----
CheckEq o.ProxyIEConfig, 1, "ProxyIEConfig"
CheckEq o.ProxyWinHttpConfig, 2, "ProxyWinHttpConfig"
CheckEq o.ProxyAutoDetect, 4, "ProxyAutoDetect"
CheckEq o.ProxyNoProxyServer, 8, "ProxyNoProxyServer"
CheckEq o.ProxyAuthenticationUseNegotiate, 1, "ProxyAuthenticationUseNegotiate"
CheckEq o.ProxyAuthenticationUseBasic, 2, "ProxyAuthenticationUseBasic"
CheckEq o.ProxyAuthenticationUseDigest, 4, "ProxyAuthenticationUseDigest"
CheckEq TypeName(o.ProxyAutoDetect()), "Long", "proxy constants are Longs"

' ---- SetProxy ----
Dim p
Set p = wsman.CreateConnectionOptions
p.SetProxy
CheckEq Err.Number, 0, "SetProxy with every argument omitted"
p.SetProxy 0, 0, "", ""
p.SetProxy p.ProxyNoProxyServer
p.SetProxy p.ProxyAutoDetect, p.ProxyAuthenticationUseBasic, "proxyuser", "secret-proxy"
p.SetProxy p.ProxyWinHttpConfig, p.ProxyAuthenticationUseNegotiate
On Error Resume Next
p.SetProxy 3
CheckErr Err, &H8033819C, "SetProxy(3): not an access type"
p.SetProxy 16, 0
CheckErr Err, &H8033819C, "SetProxy(16)"
p.SetProxy 1, 8
CheckErr Err, &H8033819A, "SetProxy(1, 8): not a proxy auth flag"
p.SetProxy 1, 3
CheckErr Err, &H803381B4, "SetProxy(1, 3): two proxy auth flags"
p.SetProxy 1, 0, "u", "secret-proxy"
CheckEq Err.Number, &H8033819B, "SetProxy with credentials but no mechanism"
CheckEq Err.Source, "ConnectionOptions", "SetProxy failure: Err.Source"
CheckNotContains Err.Description, "secret-proxy", "the proxy password is not in the message"
Err.Clear
p.SetProxy "direct"
CheckErr Err, 13, "SetProxy(""direct"")"
On Error GoTo 0

' ---- the options in CreateSession ----
Dim s
Set o = wsman.CreateConnectionOptions
o.UserName = g_user
o.Password = g_password
Set s = wsman.CreateSession(g_http, fUseBasic Or fCredUsernamePassword Or fNoEncryption, o)
' The session copied the credentials: changing or dropping the options later changes nothing.
o.Password = "changed"
Set o = Nothing
CheckContains s.Identify, "IdentifyResponse", "the session keeps the credentials it was given"

' Proxy settings are refused over HTTP (ERROR_WSMAN_CANNOT_USE_PROXY_SETTINGS_FOR_HTTP).
Set o = wsman.CreateConnectionOptions
o.SetProxy 1
On Error Resume Next
Set s = wsman.CreateSession("http://server", 0, o)
CheckErr Err, &H803381B1, "proxy settings over HTTP"
Set s = wsman.CreateSession("https://server", fUseKerberos, o)
CheckErr Err, &H803381B2, "proxy settings with Kerberos"
On Error GoTo 0
Set s = wsman.CreateSession("https://server", fUseNegotiate, o)

Finish
