' Both WSMAuto.dlls in one 64-bit prefix, as on 64-bit Windows (run by run_wow64_test.py, with each of
' C:\windows\system32\cscript.exe and C:\windows\syswow64\cscript.exe after each registration step):
' the 64-bit DLL in System32, registered by System32's regsvr32, the 32-bit one in SysWOW64, registered by
' SysWOW64's regsvr32.
'
' Arguments: arch=64|32 (the script host this runs in), has64=0|1 and has32=0|1 (which DLLs are registered).
' Checks that the host is that architecture; that this registry view's CLSID keys name this architecture's
' DLL (the 64-bit host also sees the 32-bit ones under HKCR\Wow6432Node\CLSID); that the shared TypeLib key
' has each registered DLL's path under 0\win64 and 0\win32; that the shared ProgIDs and the Interface keys
' are there while either DLL is; and that CreateObject gives a working object when this architecture's
' DLL is registered and error 429 when it is not. An in-process server always has its host's architecture,
' so an object in the x86 host comes from the 32-bit DLL and one in the AMD64 host from the 64-bit DLL.
'
' SPDX-License-Identifier: MIT

Const SYS32_DLL = "C:\windows\system32\WSMAuto.dll"
Const WOW64_DLL = "C:\windows\syswow64\WSMAuto.dll"
Const WSMAN_CLSID = "{BCED617B-EC03-420B-8508-977DC7A686BD}"
Const INTERNAL_CLSID = "{7DE087A5-5DCB-4DF7-BB12-0924AD8FBD9A}"
Const LIBID = "{F010BE25-296D-4036-980F-5A0669A17577}"
Const SESSION_IID = "{FC84FC58-1286-40C4-9DA0-C8EF6EC241E0}"
Const TYPELIB_MARSHALER = "{00020424-0000-0000-C000-000000000046}"

Dim arch, has64, has32, own, ownPath, anyDll, sh, procEnv
arch = Arg("arch", "")
has64 = (Arg("has64", "0") = "1")
has32 = (Arg("has32", "0") = "1")
anyDll = has64 Or has32
Set sh = CreateObject("WScript.Shell")
Set procEnv = sh.Environment("Process")

' A registry value (a key's default value when the path ends in \), or Empty when it is missing.
Function RegValue(path)
    RegValue = Empty
    On Error Resume Next
    RegValue = sh.RegRead(path)
    Err.Clear
End Function

' value when cond holds, else Empty (what RegValue gives for a missing value).
Function Expect(cond, value)
    Expect = Empty
    If cond Then Expect = value
End Function

' Paths compare without case (Windows paths).
Sub CheckPath(got, want, what)
    If VarType(got) = 8 And VarType(want) = 8 Then
        CheckEq LCase(got), LCase(want), what
    Else
        CheckEq got, want, what
    End If
End Sub

' ---- the host ----
If arch = "32" Then
    CheckEq procEnv("PROCESSOR_ARCHITECTURE"), "x86", "PROCESSOR_ARCHITECTURE of SysWOW64's cscript"
    CheckEq procEnv("PROCESSOR_ARCHITEW6432"), "AMD64", "PROCESSOR_ARCHITEW6432 of SysWOW64's cscript"
    own = has32
    ownPath = WOW64_DLL
ElseIf arch = "64" Then
    CheckEq procEnv("PROCESSOR_ARCHITECTURE"), "AMD64", "PROCESSOR_ARCHITECTURE of System32's cscript"
    own = has64
    ownPath = SYS32_DLL
Else
    Fail "no arch=64 or arch=32 argument"
    own = False
    ownPath = ""
End If

' ---- this view's CLSID keys: this architecture's DLL only ----
CheckPath RegValue("HKCR\CLSID\" & WSMAN_CLSID & "\InprocServer32\"), Expect(own, ownPath), _
          "HKCR\CLSID\{WSMan}\InprocServer32 (arch " & arch & ")"
CheckEq RegValue("HKCR\CLSID\" & WSMAN_CLSID & "\InprocServer32\ThreadingModel"), Expect(own, "Both"), _
        "ThreadingModel (arch " & arch & ")"
CheckPath RegValue("HKCR\CLSID\" & INTERNAL_CLSID & "\InprocServer32\"), Expect(own, ownPath), _
          "HKCR\CLSID\{WSManInternal}\InprocServer32 (arch " & arch & ")"
CheckEq RegValue("HKCR\CLSID\" & WSMAN_CLSID & "\ProgID\"), Expect(own, "WSMan.Automation.1"), _
        "HKCR\CLSID\{WSMan}\ProgID (arch " & arch & ")"
If arch = "64" Then
    ' The 32-bit DLL's keys, where a 64-bit program sees the 32-bit registry view.
    CheckPath RegValue("HKCR\Wow6432Node\CLSID\" & WSMAN_CLSID & "\InprocServer32\"), Expect(has32, WOW64_DLL), _
              "HKCR\Wow6432Node\CLSID\{WSMan}\InprocServer32"
    CheckEq RegValue("HKCR\Wow6432Node\CLSID\" & WSMAN_CLSID & "\TypeLib\"), Expect(has32, LIBID), _
            "HKCR\Wow6432Node\CLSID\{WSMan}\TypeLib"
End If

' ---- the keys both views share ----
CheckPath RegValue("HKCR\TypeLib\" & LIBID & "\1.0\0\win64\"), Expect(has64, SYS32_DLL), "TypeLib ...\1.0\0\win64"
CheckPath RegValue("HKCR\TypeLib\" & LIBID & "\1.0\0\win32\"), Expect(has32, WOW64_DLL), "TypeLib ...\1.0\0\win32"
CheckEq RegValue("HKCR\TypeLib\" & LIBID & "\1.0\"), Expect(anyDll, "Microsoft WSMAN Automation V1.0 Library"), _
        "TypeLib ...\1.0"
CheckEq RegValue("HKCR\WSMan.Automation\CLSID\"), Expect(anyDll, WSMAN_CLSID), "ProgID WSMan.Automation"
CheckEq RegValue("HKCR\WSMan.Automation\CurVer\"), Expect(anyDll, "WSMan.Automation.1"), "WSMan.Automation\CurVer"
CheckEq RegValue("HKCR\WSMan.InternalAutomation.1\CLSID\"), Expect(anyDll, INTERNAL_CLSID), _
        "ProgID WSMan.InternalAutomation.1"
CheckEq RegValue("HKCR\Interface\" & SESSION_IID & "\ProxyStubClsid32\"), Expect(anyDll, TYPELIB_MARSHALER), _
        "Interface\{IWSManSession}\ProxyStubClsid32 (arch " & arch & ")"
CheckEq RegValue("HKCR\Interface\" & SESSION_IID & "\TypeLib\"), Expect(anyDll, LIBID), _
        "Interface\{IWSManSession}\TypeLib (arch " & arch & ")"

' ---- CreateObject ----
Dim progids, p, o
progids = Array("WSMAN.Automation", "WSMan.Automation.1", "WSMAN.InternalAutomation")
For Each p In progids
    On Error Resume Next
    Set o = CreateObject(p)
    If own Then
        CheckNoErr Err, "CreateObject(""" & p & """) in the " & arch & "-bit host"
    Else
        CheckErr Err, 429, "CreateObject(""" & p & """) in the " & arch & "-bit host without its DLL"
    End If
    On Error GoTo 0
    Set o = Nothing
Next

If own Then
    ' The object works: members that run the DLL's own code.
    Dim wsman, msg, s
    Set wsman = CreateObject("WSMAN.Automation")
    CheckEq TypeName(wsman), "IWSManEx3", "TypeName of WSMAN.Automation"
    msg = wsman.GetErrorMessage(&H803380BF)
    Check Len(msg) > 10, "GetErrorMessage(&H803380BF) gives a text: " & Show(msg)
    CheckEq TypeName(wsman.CreateConnectionOptions), "IWSManConnectionOptionsEx2", "TypeName(ConnectionOptions)"
    Set s = wsman.CreateSession("http://127.0.0.1:1/wsman")
    CheckEq TypeName(s), "IWSManSession", "TypeName(Session)"
    CheckEq wsman.Error, "", "Error after success"
End If

Finish
