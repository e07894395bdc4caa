// Shared helpers of the JScript tests. run_scripts.py puts this file in
// front of every tests/wine/*.js (except itself); the combined copies are in
// WORKDIR/scripts/. The last line must be `SUCCESS <scriptname>` (Wine's
// cscript exits 0 and prints nothing when a script dies on an error), so an
// unexpected exception is caught at the end and reported as a FAIL line.
// Non-ASCII test text is written with \u escapes so the files stay ASCII.
//
// SPDX-License-Identifier: MIT

var g_checks = 0, g_failures = 0;

function hexCode(n) {
    if (typeof n != "number")
        return String(n);
    var u = n < 0 ? n + 4294967296 : n;
    var h = u.toString(16).toUpperCase();
    while (h.length < 8)
        h = "0" + h;
    return "0x" + h;
}

// How a value is shown in a FAIL line; non-ASCII as \uXXXX so the console shows it.
function show(v) {
    if (v === undefined)
        return "undefined";
    if (v === null)
        return "null";
    if (typeof v == "number")
        return v + " (" + hexCode(v) + ")";
    if (typeof v == "string") {
        var s = v.length > 300 ? v.substring(0, 300) + "...(" + v.length + " chars)" : v;
        var out = "";
        for (var i = 0; i < s.length; i++) {
            var c = s.charCodeAt(i);
            out += c < 0x20 || c > 0x7e ? "\\u" + ("000" + c.toString(16)).slice(-4) : s.charAt(i);
        }
        return "\"" + out + "\"";
    }
    return String(v) + " [" + typeof v + "]";
}

function fail(what) {
    g_failures++;
    WScript.Echo("FAIL " + what);
}

function check(cond, what) {
    g_checks++;
    if (!cond)
        fail(what);
}

function checkEq(got, want, what) {
    g_checks++;
    if (got !== want)
        fail(what + ": got " + show(got) + " want " + show(want));
}

function contains(haystack, needle) {
    return typeof haystack == "string" && haystack.indexOf(needle) >= 0;
}

function checkContains(haystack, needle, what) {
    g_checks++;
    if (!contains(haystack, needle))
        fail(what + ": " + show(haystack) + " lacks " + show(needle));
}

function checkNotContains(haystack, needle, what) {
    g_checks++;
    if (contains(haystack, needle))
        fail(what + ": " + show(haystack) + " contains " + show(needle));
}

// Runs f, which must throw; returns the error (or null) after checking its
// number. want: one number, or an array of acceptable numbers (for the
// cases where Wine's JScript passes a DISP_E_* code through while Windows'
// JScript maps it to 0x800A01xx; the DLL's part is the same either way).
function expectError(f, want, what) {
    var wants = want instanceof Array ? want : [want];
    g_checks++;
    try {
        f();
    } catch (e) {
        var n = e.number | 0;
        for (var i = 0; i < wants.length; i++)
            if (n == (wants[i] | 0))
                return e;
        var list = [];
        for (var j = 0; j < wants.length; j++)
            list.push(hexCode(wants[j] | 0));
        fail(what + ": got e.number " + show(n) + " [" + e.description + "] want " + list.join(" or "));
        return e;
    }
    fail(what + ": no error (want " + hexCode(wants[0] | 0) + ")");
    return null;
}

function faultCode(n) {
    return "Code=\"" + (n < 0 ? n + 4294967296 : n) + "\"";
}

function checkFault(xml, code, what) {
    checkContains(xml, "<f:WSManFault xmlns:f=\"http://schemas.microsoft.com/wbem/wsman/1/wsmanfault\"",
                  what + " (WSManFault)");
    checkContains(xml, faultCode(code), what + " (Code)");
}

// Arguments are name=value pairs.
function arg(name, dflt) {
    var args = WScript.Arguments;
    for (var i = 0; i < args.length; i++) {
        var a = args.Item(i);
        if (a.substring(0, name.length + 1).toLowerCase() == name.toLowerCase() + "=")
            return a.substring(name.length + 1);
    }
    return dflt;
}

function finish() {
    if (g_failures == 0) {
        WScript.Echo("SUCCESS " + WScript.ScriptName);
        WScript.Quit(0);
    }
    WScript.Echo("FAILED " + WScript.ScriptName + ": " + g_failures + " of " + g_checks + " checks");
    WScript.Quit(1);
}

// Runs the script's body; an unexpected exception is a failure with its number and text.
function main(body) {
    try {
        body();
    } catch (e) {
        fail("unexpected error " + show(e.number | 0) + ": " + e.description);
    }
    finish();
}

var WMI = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/";
var ECHO_URI = "http://wsmauto.test/echo";
var WQL_DIALECT = "http://schemas.microsoft.com/wbem/wsman/1/WQL";

var fUTF8 = 0x1, fCredUsernamePassword = 0x1000, fSkipCACheck = 0x2000, fSkipCNCheck = 0x4000;
var fUseNoAuthentication = 0x8000, fUseDigest = 0x10000, fUseBasic = 0x40000, fNoEncryption = 0x100000;
var fUTF16 = 0x800000;

var g_http = arg("http", "http://127.0.0.1:5985/wsman");
var g_https = arg("https", "");
var g_user = arg("user", "wsmuser");
var g_password = arg("password", "wsmpass");

function session(wsman, url, flags, user, password) {
    var o = wsman.CreateConnectionOptions();
    o.UserName = user === undefined ? g_user : user;
    o.Password = password === undefined ? g_password : password;
    return wsman.CreateSession(url, flags === undefined ? fUseBasic | fCredUsernamePassword | fNoEncryption : flags, o);
}
