// Helpers of the Negotiate/Kerberos/NTLM scripts in JScript. run_gss_scripts.py puts ../common.js and then this
// file in front of every gss/*.js (and runs neither on its own). checkFailure is common_gss.vbs's CheckFailure:
// the exact HRESULT, e.source "Session", a description that names the cause, Session.Error with the same code,
// no password (every test password has "-pw-" in it) nor token in either.
//
// SPDX-License-Identifier: MIT

var fUseNegotiate = 0x20000, fUseKerberos = 0x80000, fEnableSPNServerPort = 0x400000;
var g_verbose = arg("verbose", "") == "1";

(function checkArch() {
    var a = arg("arch", "");
    if (!a)
        return;
    var env = new ActiveXObject("WScript.Shell").Environment("Process");
    checkEq(env("PROCESSOR_ARCHITECTURE"), a == "32" ? "x86" : "AMD64",
            "PROCESSOR_ARCHITECTURE of the " + a + "-bit cscript");
})();

function hasSecret(text) {
    return contains(text, "-pw-") || contains(text, "YII") || contains(text, "TlRMTVNT") ||
           contains(text, "Authorization:");
}

// Runs f (a call on session s that must fail) -> the error or null, after checking everything above and that
// it returned within limit seconds.
function checkFailure(s, f, want, needles, what, limit) {
    var t0 = new Date().getTime();
    var e = expectError(f, want, what);
    var t = (new Date().getTime() - t0) / 1000;
    check(t <= (limit || 60), what + ": took " + t + " s (limit " + (limit || 60) + " s)");
    if (!e)
        return null;
    needles = needles instanceof Array ? needles : needles ? [needles] : [];
    for (var i = 0; i < needles.length; i++)
        checkContains(e.description, needles[i], what + ": the description names the cause");
    check(!hasSecret(e.description), what + ": no password or token in the description: " + show(e.description));
    var xml = s.Error;
    checkFault(xml, want, what + ": Session.Error");
    check(!hasSecret(xml), what + ": no password or token in Session.Error: " + show(xml));
    if (g_verbose)
        WScript.Echo("  " + what + ": " + hexCode(e.number | 0) + " " + e.description);
    return e;
}

function gssSession(wsman, url, flags, user, password) {
    return session(wsman, url, flags | fCredUsernamePassword, user, password);
}
