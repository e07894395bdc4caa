' Lists the services of a machine with a WS-Management enumeration, like
' Microsoft's "Enumerating or Listing All Instances of a Resource" sample:
' Session.Enumerate, then ReadItem until AtEndOfStream. An optional WQL
' filter narrows the list (e.g. "SELECT * FROM Win32_Service WHERE State='Running'").
'
' Usage: cscript //nologo enum_services.vbs [URL [USER [PASSWORD [WQL]]]]
'   defaults: http://localhost:5985/wsman wsmuser wsmpass (no filter)
' Under Wine against the bundled test server: tools/run-wine-example.sh examples/vbscript/enum_services.vbs
'
' SPDX-License-Identifier: MIT
Option Explicit

Dim url, user, password, wql, wsman, options, flags, session, services, item, count

url = "http://localhost:5985/wsman"
user = "wsmuser"
password = "wsmpass"
wql = ""
If WScript.Arguments.Count > 0 Then url = WScript.Arguments(0)
If WScript.Arguments.Count > 1 Then user = WScript.Arguments(1)
If WScript.Arguments.Count > 2 Then password = WScript.Arguments(2)
If WScript.Arguments.Count > 3 Then wql = WScript.Arguments(3)

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
    WScript.Quit 1
End Sub

Set wsman = CreateObject("WSMan.Automation")
Set options = wsman.CreateConnectionOptions
options.UserName = user
options.Password = password
flags = wsman.SessionFlagUseBasic Or wsman.SessionFlagCredUsernamePassword
If LCase(Left(url, 6)) <> "https:" Then flags = flags Or wsman.SessionFlagNoEncryption

On Error Resume Next
Set session = wsman.CreateSession(url, flags, options)
If Err.Number <> 0 Then Die "CreateSession"
session.BatchItems = 50   ' items per round trip

If wql = "" Then
    Set services = session.Enumerate("http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service")
Else
    ' A WQL query goes to the namespace ("/*"), with the WQL dialect.
    Set services = session.Enumerate("http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/*", wql, _
                                     "http://schemas.microsoft.com/wbem/wsman/1/WQL")
End If
If Err.Number <> 0 Then Die "Enumerate"

count = 0
While Not services.AtEndOfStream
    item = services.ReadItem
    If Err.Number <> 0 Then Die "ReadItem"
    WScript.Echo Left(GetProperty(item, "Name") & Space(12), 12) & " " & _
                 Left(GetProperty(item, "State") & Space(8), 8) & " " & GetProperty(item, "DisplayName")
    count = count + 1
Wend
On Error GoTo 0

WScript.Echo count & " services"
WScript.Echo "SUCCESS " & WScript.ScriptName
