// The OMI flavour of the server: Kerberos replies are one plain RFC 4121 wrap
// token (RRC 0) instead of Windows' header + data layout, encrypted requests
// with tabs are dropped (the session re-authenticates and resends without
// them), and there is no 401 challenge. Kerberos and Negotiate/NTLM from
// JScript; the harness checks enc=yes and frame=plain in the server log.
//
// SPDX-License-Identifier: MIT

var fUseNegotiate = 0x20000, fUseKerberos = 0x80000;

main(function () {
    var wsman = new ActiveXObject("WSMAN.Automation");
    var s = session(wsman, arg("omi", ""), fUseKerberos | fCredUsernamePassword);
    var r = s.Get(ECHO_URI);
    checkContains(r, "Auth=\"kerberos\"", "Kerberos against OMI (plain RRC-0 replies)");
    checkContains(s.Get(WMI + "Win32_Service?Name=WinRM"), "WinRM", "a second Kerberos request against OMI");
    // OMI's IdentifyResponse is in the SOAP namespace; it comes back as it came.
    r = s.Identify();
    checkContains(r, ":IdentifyResponse xmlns:", "Identify against OMI");
    checkContains(r, "Open Management Infrastructure", "OMI's IdentifyResponse, encrypted");
    checkContains(wsman.CreateSession(arg("omi", ""), fUseNoAuthentication).Identify(), "Open Management Infrastructure",
                  "unauthenticated Identify against OMI");
    s = session(wsman, arg("omiip", ""), fUseNegotiate | fCredUsernamePassword, arg("ntlmuser", ""));
    checkContains(s.Get(ECHO_URI), "Auth=\"negotiate\"", "Negotiate/NTLM against OMI");
    var e = expectError(function () {
        session(wsman, arg("omi", ""), fUseKerberos | fCredUsernamePassword, g_user, "wrong-pw").Get(ECHO_URI);
    }, 0x8009030C, "wrong Kerberos password against OMI");
    if (e)
        checkNotContains(e.description, "wrong-pw", "no password in the error text");
});
