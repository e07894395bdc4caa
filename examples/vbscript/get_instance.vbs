' Gets one WMI instance over WS-Management and prints some of its
' properties, like Microsoft's Session.Get sample ("Win32_Service?Name=Spooler").
'
' Usage: cscript //nologo get_instance.vbs [URL [USER [PASSWORD [SERVICE]]]]
'   defaults: http://localhost:5985/wsman wsmuser wsmpass Spooler
' Under Wine against the bundled test server: tools/run-wine-example.sh examples/vbscript/get_instance.vbs
'
' SPDX-License-Identifier: MIT
Option Explicit

Dim url, user, password, service, wsman, options, flags, session, response, os

url = "http://localhost:5985/wsman"
user = "wsmuser"
password = "wsmpass"
service = "Spooler"
If WScript.Arguments.Count > 0 Then url = WScript.Arguments(0)
If WScript.Arguments.Count > 1 Then user = WScript.Arguments(1)
If WScript.Arguments.Count > 2 Then password = WScript.Arguments(2)
If WScript.Arguments.Count > 3 Then service = WScript.Arguments(3)

' The text of the first <p:Name> element of an instance ("" if there is none).
Function GetProperty(xml, name)
    Dim start, finish
    GetProperty = ""
    start = InStr(xml, "<p:" & name & ">")
    If start = 0 Then Exit Function
    start = start + Len("<p:" & name & ">")
    finish = InStr(start, xml, "</p:" & name & ">")
    If finish > 0 Then GetProperty = Mid(xml, start, finish - start)
End Function

Sub Die(what)
    WScript.Echo "Error: " & what & " failed: 0x" & Hex(Err.Number) & " " & Err.Description
    WScript.Echo wsman.GetErrorMessage(Err.Number)
    WScript.Quit 1
End Sub

Set wsman = CreateObject("WSMan.Automation")
Set options = wsman.CreateConnectionOptions
options.UserName = user
options.Password = password
' Basic authentication with explicit credentials; plain HTTP also needs
' NoEncryption (and AllowUnencrypted in the client configuration).
flags = wsman.SessionFlagUseBasic Or wsman.SessionFlagCredUsernamePassword
If LCase(Left(url, 6)) <> "https:" Then flags = flags Or wsman.SessionFlagNoEncryption

On Error Resume Next
Set session = wsman.CreateSession(url, flags, options)
If Err.Number <> 0 Then Die "CreateSession"

response = session.Get("http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service?Name=" & service)
If Err.Number <> 0 Then Die "Get Win32_Service " & service
WScript.Echo "Service     " & GetProperty(response, "Name")
WScript.Echo "DisplayName " & GetProperty(response, "DisplayName")
WScript.Echo "State       " & GetProperty(response, "State")
WScript.Echo "StartMode   " & GetProperty(response, "StartMode")

' A singleton needs no selectors; "wmicimv2/" is the alias of the root/cimv2 URI prefix.
os = session.Get("wmicimv2/Win32_OperatingSystem")
If Err.Number <> 0 Then Die "Get Win32_OperatingSystem"
WScript.Echo "OS          " & GetProperty(os, "Caption") & " " & GetProperty(os, "Version") & _
             " on " & GetProperty(os, "CSName")
On Error GoTo 0

WScript.Echo "SUCCESS " & WScript.ScriptName
