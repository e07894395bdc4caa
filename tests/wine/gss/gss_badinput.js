// Bad input from the server's side of the handshake and of encrypted replies, from JScript: each a clear
// HRESULT and text (common_gss.js checkFailure: no password or token in the texts), no crash of cscript (the
// SUCCESS line), and no hang: every failing call returns well within the session Timeout (20 s here).
//   a 401 loop          --gss-bad-handshake loop: every leg answered 401 with the server's first token again;
//                       and the misbehave status401 resource: 401 to every authenticated request
//   mechanism not offered  a server with --auth kerberos asked for Negotiate, one with --auth negotiate for
//                       Kerberos
//   garbage / truncated / not-base64 tokens   --gss-bad-handshake garbage|truncate|not-base64
//   mutual authentication missing   --gss-bad-handshake accept-no-token: 200 and no token on the first leg
//   a replayed encrypted reply   misbehave enc-replay: the previous encrypted reply again, byte for byte
//
// SPDX-License-Identifier: MIT

var TIMEOUT_MS = 20000, LIMIT = 20;
var MISBEHAVE = "http://wsmauto.test/misbehave/";

main(function () {
    var wsman = new ActiveXObject("WSMAN.Automation");
    var ntlmuser = arg("ntlmuser", "");

    // One failing Get on a fresh session of `flags` to `url`.
    function fails(url, flags, user, want, needles, what, uri) {
        var s = gssSession(wsman, url, flags, user, g_password);
        s.Timeout = TIMEOUT_MS;
        return checkFailure(s, function () { s.Get(uri || ECHO_URI); }, want, needles, what, LIMIT);
    }
    function krb(url, want, needles, what, uri) {
        return fails(arg(url, ""), fUseKerberos, g_user, want, needles, "Kerberos: " + what, uri);
    }
    function negkrb(url, want, needles, what, uri) {
        return fails(arg(url, ""), fUseNegotiate, g_user, want, needles, "Negotiate/Kerberos: " + what, uri);
    }
    function ntlm(url, want, needles, what, uri) {
        return fails(arg(url + "ip", ""), fUseNegotiate, ntlmuser, want, needles, "NTLM: " + what, uri);
    }

    // ---- 401 loops ----
    krb("loop", 0x80090304, ["asked for another", "leg"], "401 loop (the AP-REP on a 401 again and again)");
    negkrb("loop", 0x80090304, ["asked for another", "leg"], "401 loop");
    ntlm("loop", 0x80070005, ["rejected", "after the client had completed it"], "401 loop (the CHALLENGE again)");
    krb("http", 0x80070005, ["refused the request (HTTP 401)", "had just succeeded"],
        "401 to every authenticated request (misbehave status401)", MISBEHAVE + "status401");
    ntlm("http", 0x80070005, ["refused the request (HTTP 401)", "had just succeeded"],
         "401 to every authenticated request (misbehave status401)", MISBEHAVE + "status401");

    // ---- a mechanism the server does not offer ----
    fails(arg("krbonly", ""), fUseNegotiate, g_user, 0x80070005, ["does not offer Negotiate", "HTTP 401"],
          "Negotiate to a server with --auth kerberos");
    fails(arg("negonly", ""), fUseKerberos, g_user, 0x80070005, ["does not offer Kerberos", "HTTP 401"],
          "Kerberos to a server with --auth negotiate");

    // ---- garbage, truncated and non-base64 tokens ----
    krb("garbage", 0x80090308, "token", "garbage final token");
    negkrb("garbage", 0x80090308, "token", "garbage final token");
    ntlm("garbage", 0x80090308, "token", "garbage challenge");
    krb("truncate", 0x80090308, "token", "truncated final token");
    negkrb("truncate", 0x80090308, "token", "truncated final token");
    ntlm("truncate", 0x80090308, "token", "truncated challenge");
    krb("notb64", 0x80090308, "not valid base64", "token that is not base64");
    ntlm("notb64", 0x80090308, "not valid base64", "token that is not base64");

    // ---- mutual authentication missing: 200 and no token on the first leg ----
    krb("noauth", 0x80090363, "mutual authentication", "200 without a token");
    negkrb("noauth", 0x80090363, "mutual authentication", "200 without a token");
    ntlm("noauth", 0x80090363, "mutual authentication", "200 without a token");

    // ---- a replayed encrypted reply ----
    // Kerberos: SEC_E_OUT_OF_SEQUENCE as on Linux (under Wine the DLL tells it by the sequence number, see
    // docs/windows.md); NTLM: the replay fails the signature check, SEC_E_MESSAGE_ALTERED.
    var names = ["Kerberos", "Negotiate/Kerberos", "NTLM"];
    var flags = [fUseKerberos, fUseNegotiate, fUseNegotiate];
    var urls = [arg("http", ""), arg("http", ""), arg("httpip", "")];
    var users = [g_user, g_user, ntlmuser];
    var codes = [0x80090310, 0x80090310, 0x8009030F];
    var texts = [["rejected", "replayed", "sequence number"], ["rejected", "replayed", "sequence number"],
                 ["rejected", "integrity check"]];
    for (var i = 0; i < 3; i++) {
        var s = gssSession(wsman, urls[i], flags[i], users[i], g_password);
        s.Timeout = TIMEOUT_MS;
        checkContains(s.Get(ECHO_URI), "Tls=\"false\"", names[i] + ": the reply that will be replayed");
        checkFailure(s, function () { s.Get(MISBEHAVE + "enc-replay"); }, codes[i], texts[i],
                     names[i] + ": a replayed encrypted reply", LIMIT);
        checkContains(s.Get(WMI + "Win32_Service?Name=WinRM"), "WinRM", names[i] + ": the session goes on");
    }
});
