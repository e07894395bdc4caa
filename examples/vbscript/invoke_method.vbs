' Runs WMI methods over WS-Management, like Microsoft's Session.Invoke
' sample: StartService on a service, then StopService to put it back, with
' the <Method>_INPUT document as the parameters.
'
' Usage: cscript //nologo invoke_method.vbs [URL [USER [PASSWORD [SERVICE]]]]
'   defaults: http://localhost:5985/wsman wsmuser wsmpass Spooler
' Under Wine against the bundled test server: tools/run-wine-example.sh examples/vbscript/invoke_method.vbs
'
' SPDX-License-Identifier: MIT
Option Explicit

Const CLASS_URI = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service"
Dim url, user, password, service, wsman, options, flags, session, resource, state, result

url = "http://localhost:5985/wsman"
user = "wsmuser"
password = "wsmpass"
service = "Spooler"
If WScript.Arguments.Count > 0 Then url = WScript.Arguments(0)
If WScript.Arguments.Count > 1 Then user = WScript.Arguments(1)
If WScript.Arguments.Count > 2 Then password = WScript.Arguments(2)
If WScript.Arguments.Count > 3 Then service = WScript.Arguments(3)

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
    WScript.Echo session.Error
    WScript.Quit 1
End Sub

' Calls a method without parameters and returns its ReturnValue.
Function CallMethod(method)
    Dim response
    response = session.Invoke(method, resource, "<p:" & method & "_INPUT xmlns:p=""" & CLASS_URI & """/>")
    If Err.Number <> 0 Then Die method
    CallMethod = GetProperty(response, "ReturnValue")
End Function

Set wsman = CreateObject("WSMan.Automation")
Set options = wsman.CreateConnectionOptions
options.UserName = user
options.Password = password
flags = wsman.SessionFlagUseBasic Or wsman.SessionFlagCredUsernamePassword
If LCase(Left(url, 6)) <> "https:" Then flags = flags Or wsman.SessionFlagNoEncryption

On Error Resume Next
Set session = wsman.CreateSession(url, flags, options)
If Err.Number <> 0 Then Die "CreateSession"
resource = CLASS_URI & "?Name=" & service

state = GetProperty(session.Get(resource), "State")
If Err.Number <> 0 Then Die "Get"
WScript.Echo service & " is " & state

If state = "Running" Then
    ' Already running: stop it first, then start it again.
    WScript.Echo "StopService  -> ReturnValue " & CallMethod("StopService")
    WScript.Echo service & " is " & GetProperty(session.Get(resource), "State")
    WScript.Echo "StartService -> ReturnValue " & CallMethod("StartService")
Else
    WScript.Echo "StartService -> ReturnValue " & CallMethod("StartService")
    WScript.Echo service & " is " & GetProperty(session.Get(resource), "State")
    WScript.Echo "StopService  -> ReturnValue " & CallMethod("StopService")
End If
result = GetProperty(session.Get(resource), "State")
If Err.Number <> 0 Then Die "Get"
WScript.Echo service & " is " & result
On Error GoTo 0

If result <> state Then
    WScript.Echo "Error: the service did not go back to " & state
    WScript.Quit 1
End If
WScript.Echo "SUCCESS " & WScript.ScriptName
