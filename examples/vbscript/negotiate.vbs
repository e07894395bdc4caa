' Connects to a Windows host as WinRM is configured out of the box: HTTP on
' port 5985, Negotiate (Kerberos, or NTLM for an IP address or a host
' outside the domain), every message encrypted, no Basic, nothing to change
' on the server. Prints what Identify says and a few facts of the machine.
'
' Usage: cscript //nologo negotiate.vbs [URL [USER [PASSWORD]]]
'   defaults: http://localhost:5985/wsman and the current user's credentials
'   (a Kerberos ticket: kinit under Wine). USER is DOMAIN\user or user@REALM.
' Under Wine against the bundled test server (a throw-away Kerberos realm):
'   tools/run-wine-example.sh --negotiate examples/vbscript/negotiate.vbs
'
' SPDX-License-Identifier: MIT
Option Explicit

Dim url, user, password, wsman, options, flags, session, response

url = "http://localhost:5985/wsman"
user = ""
password = ""
If WScript.Arguments.Count > 0 Then url = WScript.Arguments(0)
If WScript.Arguments.Count > 1 Then user = WScript.Arguments(1)
If WScript.Arguments.Count > 2 Then password = WScript.Arguments(2)

' The text of the first <NAME> element of any prefix ("" if there is none).
Function GetElement(xml, name)
    Dim start, finish
    GetElement = ""
    start = InStr(xml, ":" & name & ">")
    If start = 0 Then Exit Function
    start = start + Len(":" & name & ">")
    finish = InStr(start, xml, "</")
    If finish > 0 Then GetElement = Mid(xml, start, finish - start)
End Function

Sub Die(what)
    WScript.Echo "Error: " & what & " failed: 0x" & Hex(Err.Number) & " " & Err.Description
    WScript.Quit 1
End Sub

Set wsman = CreateObject("WSMan.Automation")
' Negotiate: SPNEGO picks Kerberos when a ticket can be had for the host, else NTLM. Over HTTP every
' message is encrypted with the negotiated key (no SessionFlagNoEncryption, no AllowUnencrypted).
flags = wsman.SessionFlagUseNegotiate
On Error Resume Next
If user <> "" Then
    Set options = wsman.CreateConnectionOptions
    options.UserName = user
    options.Password = password
    flags = flags Or wsman.SessionFlagCredUsernamePassword
    Set session = wsman.CreateSession(url, flags, options)
Else
    ' The current user's credentials: only to hosts in TrustedHosts (NTLM would answer anyone).
    Set session = wsman.CreateSession(url, flags)
End If
If Err.Number <> 0 Then Die "CreateSession"

response = session.Identify
If Err.Number <> 0 Then Die "Identify"
WScript.Echo "Vendor      " & GetElement(response, "ProductVendor")
WScript.Echo "Version     " & GetElement(response, "ProductVersion")

response = session.Get("wmicimv2/Win32_OperatingSystem")
If Err.Number <> 0 Then Die "Get Win32_OperatingSystem"
WScript.Echo "OS          " & GetElement(response, "Caption") & " " & GetElement(response, "Version")
WScript.Echo "Computer    " & GetElement(response, "CSName")
response = session.Get("wmicimv2/Win32_Service?Name=WinRM")
If Err.Number <> 0 Then Die "Get Win32_Service WinRM"
WScript.Echo "WinRM       " & GetElement(response, "State")
On Error GoTo 0

WScript.Echo "SUCCESS " & WScript.ScriptName
