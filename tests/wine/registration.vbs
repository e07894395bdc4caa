' CreateObject with every ProgID regsvr32 registers, the interface names
' scripts see (TypeName comes from the type library), and, with
' mode=unregistered (after regsvr32 /u), error 429 for every ProgID.
'
' SPDX-License-Identifier: MIT

Dim progids, p, o, mode
progids = Array("WSMAN.Automation", "WSMan.Automation", "wsman.automation", "Wsman.Automation", _
                "WSMan.Automation.1", "WSMAN.InternalAutomation", "WSMan.InternalAutomation.1")
mode = Arg("mode", "registered")

' The script host is the architecture under test (arch=64: System32's cscript, arch=32: SysWOW64's, which
' Windows and Wine run with PROCESSOR_ARCHITECTURE=x86 and PROCESSOR_ARCHITEW6432=AMD64).
Dim arch, procEnv
arch = Arg("arch", "")
If arch <> "" Then
    Set procEnv = CreateObject("WScript.Shell").Environment("Process")
    If arch = "32" Then
        CheckEq procEnv("PROCESSOR_ARCHITECTURE"), "x86", "PROCESSOR_ARCHITECTURE of the 32-bit cscript"
    Else
        CheckEq procEnv("PROCESSOR_ARCHITECTURE"), "AMD64", "PROCESSOR_ARCHITECTURE of the 64-bit cscript"
    End If
End If

If mode = "unregistered" Then
    ' Unregistration removed every ProgID: the same error as in a fresh prefix.
    For Each p In progids
        On Error Resume Next
        Set o = CreateObject(p)
        CheckErr Err, 429, "CreateObject(""" & p & """) after regsvr32 /u"
        On Error GoTo 0
        Set o = Nothing
    Next
Else
    For Each p In progids
        On Error Resume Next
        Set o = CreateObject(p)
        CheckNoErr Err, "CreateObject(""" & p & """)"
        On Error GoTo 0
        If IsObject(o) Then
            If Not o Is Nothing Then
                If InStr(p, "Internal") > 0 Then
                    CheckEq TypeName(o), "IWSManInternal", "TypeName of " & p
                Else
                    ' The WSMan object's IDispatch describes IWSManEx3 (its default interface).
                    CheckEq TypeName(o), "IWSManEx3", "TypeName of " & p
                End If
            End If
        End If
        Set o = Nothing
    Next

    ' No other version, no unrelated name.
    On Error Resume Next
    Set o = CreateObject("WSMan.Automation.2")
    CheckErr Err, 429, "CreateObject(""WSMan.Automation.2"")"
    Set o = CreateObject("WSMan.NoSuchThing")
    CheckErr Err, 429, "CreateObject(""WSMan.NoSuchThing"")"
    On Error GoTo 0

    ' The type names of the objects the WSMan object hands out.
    Dim wsman, s
    Set wsman = CreateObject("WSMAN.Automation")
    CheckEq TypeName(wsman.CreateConnectionOptions), "IWSManConnectionOptionsEx2", "TypeName(ConnectionOptions)"
    CheckEq TypeName(wsman.CreateResourceLocator), "IWSManResourceLocator", "TypeName(ResourceLocator)"
    Set s = wsman.CreateSession(g_http)
    CheckEq TypeName(s), "IWSManSession", "TypeName(Session)"
    ' Two objects are independent: each has its own Error.
    Dim w2
    Set w2 = CreateObject("WSMan.Automation.1")
    Check Not (w2 Is wsman), "two CreateObject calls give two objects"
End If

Finish
