' Shared helpers of the VBScript tests. VBScript has no include, so
' run_scripts.py puts this file in front of every tests/wine/*.vbs (except
' itself) and runs the result; the combined copies are kept in
' WORKDIR/scripts/ so that a failing script can be re-run by hand.
'
' Rules every script follows: `On Error GoTo 0` except around a call that
' is expected to fail, so an unexpected error stops the script before its
' SUCCESS line (Wine's cscript prints nothing and exits 0 on a script
' error); the last line is `SUCCESS <scriptname>` only when no check failed.
' Keep the files ASCII with CRLF line ends (Wine's VBScript has no ChrW).
'
' SPDX-License-Identifier: MIT
Option Explicit

Dim g_checks, g_failures
g_checks = 0
g_failures = 0

' "0x803380FA" for any number (negative Longs included).
Function HexCode(ByVal n)
    If IsNumeric(n) Then
        If n >= -2147483648 And n <= 4294967295 Then
            If n > 2147483647 Then n = n - 4294967296
            HexCode = "0x" & Right("0000000" & Hex(CLng(n)), 8)
            Exit Function
        End If
    End If
    HexCode = CStr(n)
End Function

' How a value is shown in a FAIL line: numbers also in hex, strings quoted
' and cut to 300 characters.
Function Show(v)
    Select Case VarType(v)
        Case 0
            Show = "Empty"
        Case 1
            Show = "Null"
        Case 2, 3, 17
            Show = CStr(v) & " (" & HexCode(v) & ")"
        Case 8
            If Len(v) > 300 Then
                Show = """" & Left(v, 300) & "..."" (" & Len(v) & " chars)"
            Else
                Show = """" & v & """"
            End If
        Case 9, 13
            Show = "object " & TypeName(v)
        Case Else
            Show = CStr(v) & " [" & TypeName(v) & "]"
    End Select
End Function

Sub Fail(what)
    g_failures = g_failures + 1
    WScript.Echo "FAIL " & what
End Sub

Sub Check(cond, what)
    g_checks = g_checks + 1
    If Not cond Then Fail what
End Sub

Function SameValue(got, want)
    SameValue = False
    If IsObject(got) Or IsObject(want) Then Exit Function
    If IsNull(got) Or IsNull(want) Then
        SameValue = IsNull(got) And IsNull(want)
        Exit Function
    End If
    If VarType(got) = 8 Or VarType(want) = 8 Then
        SameValue = (CStr(got) = CStr(want)) And (VarType(got) = VarType(want))
        Exit Function
    End If
    SameValue = (got = want)
End Function

Sub CheckEq(got, want, what)
    g_checks = g_checks + 1
    If Not SameValue(got, want) Then Fail what & ": got " & Show(got) & " want " & Show(want)
End Sub

' Checks the error of the statement just run under On Error Resume Next,
' then clears it. Pass the Err object: CheckErr Err, &H803380BF, "what".
Sub CheckErr(e, want, what)
    g_checks = g_checks + 1
    If e.Number <> want Then
        Fail what & ": got Err.Number " & Show(e.Number) & " [" & e.Description & "] want " & Show(want)
    End If
    e.Clear
End Sub

' The statement just run must have succeeded.
Sub CheckNoErr(e, what)
    g_checks = g_checks + 1
    If e.Number <> 0 Then
        Fail what & ": unexpected error " & Show(e.Number) & " [" & e.Description & "] source " & e.Source
    End If
    e.Clear
End Sub

Function Contains(haystack, needle)
    Contains = False
    If IsNull(haystack) Or IsEmpty(haystack) Then Exit Function
    Contains = (InStr(1, haystack, needle, vbBinaryCompare) > 0)
End Function

Sub CheckContains(haystack, needle, what)
    g_checks = g_checks + 1
    If Not Contains(haystack, needle) Then Fail what & ": " & Show(haystack) & " lacks """ & needle & """"
End Sub

Sub CheckNotContains(haystack, needle, what)
    g_checks = g_checks + 1
    If Contains(haystack, needle) Then Fail what & ": " & Show(haystack) & " contains """ & needle & """"
End Sub

' The WSManFault XML an Error property holds for code n (Code is unsigned decimal).
Function FaultCode(n)
    Dim u
    u = CDbl(n)
    If u < 0 Then u = u + 4294967296
    FaultCode = "Code=""" & CStr(u) & """"
End Function

Sub CheckFault(xml, code, what)
    CheckContains xml, "<f:WSManFault xmlns:f=""http://schemas.microsoft.com/wbem/wsman/1/wsmanfault""", what & " (WSManFault)"
    CheckContains xml, FaultCode(code), what & " (Code)"
End Sub

' Arguments are name=value pairs; a missing name gives the default.
Function Arg(name, default)
    Dim i, a
    Arg = default
    For i = 0 To WScript.Arguments.Count - 1
        a = WScript.Arguments(i)
        If LCase(Left(a, Len(name) + 1)) = LCase(name) & "=" Then
            Arg = Mid(a, Len(name) + 2)
            Exit Function
        End If
    Next
End Function

' Counts the items of an Enumerator with the documented loop.
Function CountItems(e, needle, ByRef matching)
    Dim n, item
    n = 0
    matching = 0
    Do While Not e.AtEndOfStream
        item = e.ReadItem
        n = n + 1
        If Contains(item, needle) Then matching = matching + 1
        If n > 100000 Then Exit Do
    Loop
    CountItems = n
End Function

' The last line: SUCCESS only when every check passed.
Sub Finish()
    If g_failures = 0 Then
        WScript.Echo "SUCCESS " & WScript.ScriptName
        WScript.Quit 0
    End If
    WScript.Echo "FAILED " & WScript.ScriptName & ": " & g_failures & " of " & g_checks & " checks"
    WScript.Quit 1
End Sub

Const WMI = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/"
Const ECHO_URI = "http://wsmauto.test/echo"
Const WQL_DIALECT = "http://schemas.microsoft.com/wbem/wsman/1/WQL"
Const SELECTOR_DIALECT = "http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter"
Const ASSOC_DIALECT = "http://schemas.dmtf.org/wbem/wsman/1/cimbinding/associationFilter"
Const XPATH_DIALECT = "http://www.w3.org/TR/1999/REC-xpath-19991116"

' Session flag values (WSManSessionFlags, wsmandisp.h), written out so the scripts do not
' depend on the getters they test.
Const fUTF8 = &H1
Const fCredUsernamePassword = &H1000
Const fSkipCACheck = &H2000
Const fSkipCNCheck = &H4000
Const fUseNoAuthentication = &H8000& ' the & keeps it a Long, not -32768
Const fUseDigest = &H10000
Const fUseNegotiate = &H20000
Const fUseBasic = &H40000
Const fUseKerberos = &H80000
Const fNoEncryption = &H100000
Const fUseClientCertificate = &H200000
Const fEnableSPNServerPort = &H400000
Const fUTF16 = &H800000
Const fUseCredSsp = &H1000000
Const fUseSsl = &H8000000

' The target and account, from the harness.
Dim g_http, g_https, g_httpsWrongCN, g_user, g_password
g_http = Arg("http", "http://127.0.0.1:5985/wsman")
g_https = Arg("https", "")
g_httpsWrongCN = Arg("httpswrongcn", "")
g_user = Arg("user", "wsmuser")
g_password = Arg("password", "wsmpass")

' Basic over plain HTTP: needs NoEncryption (and AllowUnencrypted in the
' client configuration the harness writes).
Function BasicSession(wsman, url)
    Dim opts
    Set opts = wsman.CreateConnectionOptions
    opts.UserName = g_user
    opts.Password = g_password
    Set BasicSession = wsman.CreateSession(url, fUseBasic Or fCredUsernamePassword Or fNoEncryption, opts)
End Function
