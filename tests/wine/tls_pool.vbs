' No connection outlives its session's TLS policy. Under Wine, WinHTTP keeps
' one connection pool for the whole process, not one per session: a session
' that checks the server certificate must never be handed the kept-alive
' connection of a session that skipped the checks (src/core/transport/transport_win.c).
' In one script (one process), sessions with and without SkipCACheck /
' SkipCNCheck go to the same HTTPS server, in both orders and repeated: the
' checking session fails with the error of its own check every time, and the
' skipping one keeps working. The test CA is not trusted by the prefix, so
' https= has an untrusted certificate for localhost and httpswrongcn= one for
' another name.
'
' SPDX-License-Identifier: MIT

Dim wsman
Set wsman = CreateObject("WSMAN.Automation")

Function TlsSession(url, flags)
    Dim opts
    Set opts = wsman.CreateConnectionOptions
    opts.UserName = g_user
    opts.Password = g_password
    Set TlsSession = wsman.CreateSession(url, fUseBasic Or fCredUsernamePassword Or flags, opts)
End Function

Sub ExpectWorks(s, what)
    Dim r
    On Error Resume Next
    r = s.Get(ECHO_URI)
    CheckNoErr Err, what
    On Error GoTo 0
    CheckContains r, "Tls=""true""", what & " (over TLS)"
    CheckContains r, "Auth=""basic""", what & " (Basic)"
End Sub

Sub ExpectFails(s, code, text, what)
    Dim r, d
    On Error Resume Next
    r = s.Get(ECHO_URI)
    d = Err.Description
    CheckErr Err, code, what
    On Error GoTo 0
    CheckContains d, text, what & " (Err.Description)"
    CheckEq IsEmpty(r), True, what & " (no reply)"
    CheckFault s.Error, code, what & " (Session.Error)"
End Sub

Sub ExpectIdentifyFails(s, code, what)
    Dim r
    On Error Resume Next
    r = s.Identify
    CheckErr Err, code, what
    On Error GoTo 0
    CheckEq IsEmpty(r), True, what & " (no reply)"
End Sub

' Rounds 0 and 2 start with the skipping session, 1 and 3 with the checking
' one; each round has new sessions, each used twice.
Sub Mix(url, skipFlags, checkFlags, code, text, what)
    Dim round, i, skipping, checking, label
    For round = 0 To 3
        Set skipping = TlsSession(url, skipFlags)
        Set checking = TlsSession(url, checkFlags)
        For i = 1 To 2
            label = what & ": round " & round & ", request " & i
            If round Mod 2 = 0 Then ExpectWorks skipping, label & ", skipping session"
            ExpectFails checking, code, text, label & ", checking session"
            If round Mod 2 = 1 Then ExpectWorks skipping, label & ", skipping session"
        Next
        ExpectIdentifyFails checking, code, what & ": round " & round & ", Identify of the checking session"
        ExpectWorks skipping, what & ": round " & round & ", skipping session at the end"
    Next
End Sub

If g_httpsWrongCN = "" Then
    Fail "no httpswrongcn= argument"
Else
    Mix g_httpsWrongCN, fSkipCACheck Or fSkipCNCheck, fSkipCACheck, &H80072F06, "name check failed", _
        "wrong name, SkipCACheck only"
    Mix g_httpsWrongCN, fSkipCACheck Or fSkipCNCheck, 0, &H80072F06, "name check failed", _
        "wrong name, no skip flag"
End If

If g_https = "" Then
    Fail "no https= argument"
Else
    Mix g_https, fSkipCACheck, 0, &H80072F0D, "not issued by a trusted certificate authority", "untrusted CA"
    ' Sessions with the same flags may share connections: both keep working.
    Dim a, b, i
    Set a = TlsSession(g_https, fSkipCACheck)
    Set b = TlsSession(g_https, fSkipCACheck)
    For i = 1 To 3
        ExpectWorks a, "same flags, session a, request " & i
        ExpectWorks b, "same flags, session b, request " & i
    Next
End If

Finish
