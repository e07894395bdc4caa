' Damaged, forged and wrong replies to encrypted requests (tests/server's
' misbehave resources), over Kerberos, Negotiate/Kerberos and NTLM: each is
' an error with the Linux library's HRESULT, never data, and the same
' session works again right after it (it re-authenticates).
'   enc-tamper      one ciphertext byte flipped       0x8009030F SEC_E_MESSAGE_ALTERED
'   enc-truncate    the last 10 bytes missing         0x80090318 SEC_E_INCOMPLETE_MESSAGE
'   enc-bad-length  Length= one more than the data    0x80090318 (indistinguishable from data cut short)
'   enc-plain       a plaintext reply                 0x803380F7 (the reply was not encrypted and is not used)
'
' SPDX-License-Identifier: MIT

Const MISBEHAVE = "http://wsmauto.test/misbehave/"
Dim wsman, sessions, names, i, s, r, c, cases, codes, texts
Set wsman = CreateObject("WSMAN.Automation")
sessions = Array(GssSession(wsman, Arg("http", ""), fUseKerberos, g_user, g_password), _
                 GssSession(wsman, Arg("http", ""), fUseNegotiate, g_user, g_password), _
                 GssSession(wsman, Arg("httpip", ""), fUseNegotiate, Arg("ntlmuser", ""), g_password))
names = Array("Kerberos", "Negotiate/Kerberos", "NTLM")
cases = Array("enc-tamper", "enc-truncate", "enc-bad-length", "enc-plain")
codes = Array(&H8009030F, &H80090318, &H80090318, &H803380F7)
texts = Array("rejected", "rejected", _
              "rejected", "unencrypted reply")

For i = 0 To UBound(sessions)
    Set s = sessions(i)
    CheckContains s.Get(ECHO_URI), "Tls=""false""", names(i) & ": a good encrypted Get first"
    For c = 0 To UBound(cases)
        On Error Resume Next
        r = s.Get(MISBEHAVE & cases(c))
        CheckFailure Err, s, codes(c), texts(c), names(i) & ", " & cases(c)
        On Error GoTo 0
        ' the session re-authenticates and goes on
        CheckContains s.Get(WMI & "Win32_Service?Name=WinRM"), "WinRM", names(i) & ": a Get after " & cases(c)
    Next
    ' what real servers send differently is accepted
    CheckContains s.Get(MISBEHAVE & "enc-lenient"), ">ok<", names(i) & ": enc-lenient"
Next
Finish
