' Reads and changes a WinRM configuration value, like
' `winrm get winrm/config` and `winrm set winrm/config @{MaxEnvelopeSizekb="..."}`
' do through this API: Session.Get of "winrm/config", then Session.Put of a
' partial cfg:Config element, then the old value is put back.
'
' Usage: cscript //nologo config.vbs [URL [USER [PASSWORD [NEWVALUE]]]]
'   defaults: http://localhost:5985/wsman wsmuser wsmpass 1024
' Under Wine against the bundled test server: tools/run-wine-example.sh examples/vbscript/config.vbs
'
' SPDX-License-Identifier: MIT
Option Explicit

Const CFG = "http://schemas.microsoft.com/wbem/wsman/1/config"
Dim url, user, password, newValue, wsman, options, flags, session, config, oldValue, updated

url = "http://localhost:5985/wsman"
user = "wsmuser"
password = "wsmpass"
newValue = "1024"
If WScript.Arguments.Count > 0 Then url = WScript.Arguments(0)
If WScript.Arguments.Count > 1 Then user = WScript.Arguments(1)
If WScript.Arguments.Count > 2 Then password = WScript.Arguments(2)
If WScript.Arguments.Count > 3 Then newValue = WScript.Arguments(3)

' The text of the first <cfg:Name> element ("" if there is none).
Function GetSetting(xml, name)
    Dim start, finish
    GetSetting = ""
    start = InStr(xml, "<cfg:" & name & ">")
    If start = 0 Then Exit Function
    start = start + Len("<cfg:" & name & ">")
    finish = InStr(start, xml, "</cfg:" & name & ">")
    If finish > 0 Then GetSetting = Mid(xml, start, finish - start)
End Function

Sub Die(what)
    WScript.Echo "Error: " & what & " failed: 0x" & Hex(Err.Number) & " " & Err.Description
    WScript.Quit 1
End Sub

' Changes one setting of winrm/config; returns the updated configuration.
Function SetSetting(name, value)
    SetSetting = session.Put("winrm/config", "<cfg:Config xmlns:cfg=""" & CFG & """><cfg:" & name & ">" & _
                             value & "</cfg:" & name & "></cfg:Config>")
    If Err.Number <> 0 Then Die "Put winrm/config"
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

config = session.Get("winrm/config")
If Err.Number <> 0 Then Die "Get winrm/config"
oldValue = GetSetting(config, "MaxEnvelopeSizekb")
WScript.Echo "MaxEnvelopeSizekb = " & oldValue
WScript.Echo "MaxTimeoutms      = " & GetSetting(config, "MaxTimeoutms")
WScript.Echo "MaxBatchItems     = " & GetSetting(config, "MaxBatchItems")

updated = SetSetting("MaxEnvelopeSizekb", newValue)
WScript.Echo "set MaxEnvelopeSizekb = " & GetSetting(updated, "MaxEnvelopeSizekb")
WScript.Echo "read back:            " & GetSetting(session.Get("winrm/config"), "MaxEnvelopeSizekb")
If GetSetting(session.Get("winrm/config"), "MaxEnvelopeSizekb") <> newValue Then
    WScript.Echo "Error: the new value did not stick"
    WScript.Quit 1
End If

' A value the service refuses comes back as an error with the fault in Session.Error.
Err.Clear
session.Put "winrm/config", "<cfg:Config xmlns:cfg=""" & CFG & """><cfg:MaxEnvelopeSizekb>1</cfg:MaxEnvelopeSizekb></cfg:Config>"
WScript.Echo "MaxEnvelopeSizekb = 1 is refused: 0x" & Hex(Err.Number) & " " & Err.Description
Err.Clear

updated = SetSetting("MaxEnvelopeSizekb", oldValue)
WScript.Echo "restored MaxEnvelopeSizekb = " & GetSetting(updated, "MaxEnvelopeSizekb")
On Error GoTo 0

WScript.Echo "SUCCESS " & WScript.ScriptName
