' Helpers of the Negotiate/Kerberos/NTLM scripts. run_gss_scripts.py puts
' ../common.vbs and then this file in front of every gss/*.vbs (and runs
' neither on its own).
'
' CheckFailure checks one failing call the way a user meets it: the exact
' HRESULT in Err.Number, Err.Source "Session", an Err.Description that
' names the cause, Session.Error holding the WSManFault of the same code,
' and no password (nor an authentication token) in either. Every test
' password has "-pw-" in it.
'
' SPDX-License-Identifier: MIT

' The script host is of the architecture under test (arch=64: System32's
' cscript; arch=32: SysWOW64's, which runs with PROCESSOR_ARCHITECTURE=x86).
Sub CheckArch()
    Dim arch, procEnv
    arch = Arg("arch", "")
    If arch = "" Then Exit Sub
    Set procEnv = CreateObject("WScript.Shell").Environment("Process")
    If arch = "32" Then
        CheckEq procEnv("PROCESSOR_ARCHITECTURE"), "x86", "PROCESSOR_ARCHITECTURE of the 32-bit cscript"
    Else
        CheckEq procEnv("PROCESSOR_ARCHITECTURE"), "AMD64", "PROCESSOR_ARCHITECTURE of the 64-bit cscript"
    End If
End Sub
CheckArch

Function HasSecret(text)
    ' passwords, SPNEGO tokens ("YII" in base64), NTLMSSP messages, the header
    HasSecret = Contains(text, "-pw-") Or Contains(text, "YII") Or Contains(text, "TlRMTVNT") _
        Or Contains(text, "Authorization:")
End Function

' Seconds since t0 (a Timer value), across midnight too.
Function Elapsed(t0)
    Elapsed = Timer - t0
    If Elapsed < 0 Then Elapsed = Elapsed + 86400
End Function

' Call right after the failing statement, under On Error Resume Next.
' needles: a string or an array of strings the description must hold.
Sub CheckFailure(e, s, want, needles, what)
    Dim num, desc, src, xml, n
    num = e.Number
    desc = e.Description
    src = e.Source
    e.Clear
    On Error Resume Next
    g_checks = g_checks + 1
    If HexCode(num) <> HexCode(want) Then
        Fail what & ": got Err.Number " & HexCode(num) & " [" & desc & "] want " & HexCode(want)
    End If
    CheckEq src, "Session", what & ": Err.Source"
    If IsArray(needles) Then
        For Each n In needles
            CheckContains desc, n, what & ": Err.Description names the cause"
        Next
    ElseIf needles <> "" Then
        CheckContains desc, needles, what & ": Err.Description names the cause"
    End If
    Check Not HasSecret(desc), what & ": no password or token in Err.Description: " & Show(desc)
    xml = s.Error
    If e.Number <> 0 Then
        Fail what & ": reading Session.Error raised " & HexCode(e.Number)
        e.Clear
    End If
    CheckFault xml, want, what & ": Session.Error"
    Check Not HasSecret(xml), what & ": no password or token in Session.Error: " & Show(xml)
    If g_verbose Then WScript.Echo "  " & what & ": " & HexCode(num) & " " & desc
End Sub

' The call returned within `limit` seconds (no hang past the session Timeout).
Sub CheckQuick(t0, limit, what)
    Dim t
    t = Elapsed(t0)
    Check t <= limit, what & ": took " & Round(t, 1) & " s (limit " & limit & " s)"
End Sub

Dim g_verbose
g_verbose = (Arg("verbose", "") = "1")

Function GssSession(wsman, url, flags, user, password)
    Dim opts
    Set opts = wsman.CreateConnectionOptions
    opts.UserName = user
    opts.Password = password
    Set GssSession = wsman.CreateSession(url, flags Or fCredUsernamePassword, opts)
End Function
