#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""wsmanctl -debug (the library's HTTP trace) and oversized replies, end to end against the bundled server.

Usage: run_cli_trace_tests.py WSMANCTL SOURCE_DIR [gss]

Without gss: Basic and Digest over HTTP, Basic and a client certificate over HTTPS, many hosts, WSMAUTO_TRACE with
and without -debug, and the errors for reply headers over the caps (0x80072F96, never "Out of memory"). With gss
(needs the test realm's environment: run it through ctest): Negotiate (Kerberos and NTLM) and Kerberos over HTTP
with message encryption and over HTTPS, and oversized Negotiate/Kerberos tokens.

Each trace must hold the exchanges (request lines, statuses, bodies; the decrypted SOAP of encrypted messages,
marked), every line of it must be "TIME LABEL MARK TEXT", and no secret may be in it: not the passwords, not
the Basic credentials' base64, not "YII" or "TlRMTVNT", and nothing the server saw or sent as a credential or
token (its --token-log). Prints "cli_trace: N passed, N failed" and exits non-zero when anything failed.
"""
import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_cli_tests as cli  # noqa: E402  (the same argv: WSMANCTL SOURCE_DIR)

GSS = len(sys.argv) > 3 and sys.argv[3] == "gss"
SPOOLER = "wmicimv2/Win32_Service?Name=Spooler"
KRB_USER = "alice@WSMAUTO.TEST"
NTLM_USER = "WSMAUTO\\alice"
GSS_PASSWORD = "alice-pw-1"
BASIC_B64 = base64.b64encode(b"wsmuser:wsmpass").decode()
LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z s\d+/c\d+ [<>=*] ")


def trace_lines(text):
    """The trace's lines of wsmanctl's stderr (its own messages start with "wsmanctl:")."""
    return [ln for ln in text.splitlines() if not ln.startswith("wsmanctl:")]


def check_trace(what, text, token_log, encrypted=False, expect=()):
    lines = trace_lines(text)
    bad = [ln for ln in lines if not LINE.match(ln)]
    cli.check(f"{what}: a trace of well-formed lines", len(lines) > 10 and not bad, "\n".join(bad[:3]))
    cli.check(f"{what}: request lines and statuses",
              " > POST /wsman HTTP/1.1" in text and " < HTTP/1.1 200 OK" in text, text[-500:])
    if encrypted:
        cli.check(f"{what}: the encrypted messages' plaintext, marked",
                  " = [plaintext of the encrypted request that follows: " in text and
                  " = [decrypted reply (plaintext of the encrypted reply above): " in text and
                  " = <s:Envelope" in text and " bytes of binary data]" in text, text[-500:])
    else:
        cli.check(f"{what}: the SOAP bodies", " > <s:Envelope" in text and " < <s:Envelope" in text, text[-500:])
    for e in expect:
        cli.check(f"{what}: {e.strip()!r} in the trace", e in text, text[-800:])
    leaks = [s for s in ("wsmpass", GSS_PASSWORD, "wrong-pw", BASIC_B64, "YII", "TlRMTVNT") if s in text]
    pieces = 0
    if token_log:
        with open(token_log) as f:
            for piece in re.split(r'[ ,="\r\n]+', f.read()):
                if len(piece) >= 16:
                    pieces += 1
                    if piece in text:
                        leaks.append(piece[:40] + "...")
        cli.check(f"{what}: the server logged tokens to compare", pieces > 0)
    cli.check(f"{what}: no secret in the trace", not leaks, leaks)


def basic_tests(work, certs, env):
    tokens = os.path.join(work, "http.tokens")
    a = cli.Server(work, "http", "--auth", "basic,digest", "--token-log", tokens)
    b = cli.Server(work, "http2", "--auth", "basic")
    tls_tokens = os.path.join(work, "https.tokens")
    tls = cli.Server(work, "https", "--auth", "basic,certificate", "--tls-cert", f"{certs}/server.pem",
                     "--tls-key", f"{certs}/server.key", "--client-ca", f"{certs}/ca.pem", "--token-log", tls_tokens)
    try:
        basic = ["-a:basic", "-u:wsmuser", "-p:wsmpass", "-unencrypted"]
        rc, out, err = cli.run(["get", SPOOLER, "-r:" + a.url(), "-debug"] + basic, env)
        cli.check("basic -debug: the output as without it", rc == 0 and out.startswith("Win32_Service\n") and
                  "Name = Spooler" in out and " > " not in out, out + err)
        check_trace("basic", err, tokens, expect=[" > Authorization: Basic [hidden]\n", " s1/c1 > POST"])

        rc, out, err = cli.run(["get", SPOOLER, "-r:" + a.url(), "-debug", "-a:digest", "-u:wsmuser",
                                "-p:wsmpass", "-unencrypted"], env)
        cli.check("digest -debug", rc == 0 and "Name = Spooler" in out, out + err)
        check_trace("digest", err, tokens, expect=[" < WWW-Authenticate: Digest [hidden]\n",
                                                   " > Authorization: Digest [hidden]\n"])
        cli.check("digest: no parameter of the challenge or the response",
                  "nonce" not in err and "response=" not in err, err[-500:])

        rc, out, err = cli.run(["get", SPOOLER, "-r:" + a.url(), "-debug", "-a:basic", "-u:wsmuser",
                                "-p:wrong-pw-1", "-unencrypted"], env)
        cli.check("wrong password -debug: exit 1, the 401 traced",
                  rc == 1 and " < HTTP/1.1 401 Unauthorized" in err and "(0x80070005)" in err, err[-500:])
        cli.check("wrong password -debug: no password, no credentials",
                  "wrong-pw" not in err.replace("-p:wrong-pw-1", "") and
                  base64.b64encode(b"wsmuser:wrong-pw-1").decode() not in err, err[-500:])

        # -debug:false, and no -debug: nothing traced
        rc, out, err = cli.run(["get", SPOOLER, "-r:" + a.url(), "-debug:false"] + basic, env)
        cli.check("-debug:false: no trace", rc == 0 and err == "", err)

        # WSMAUTO_TRACE names the file: -debug writes there, and the variable alone does too
        trace_file = os.path.join(work, "trace.txt")
        rc, out, err = cli.run(["get", SPOOLER, "-r:" + a.url(), "-debug"] + basic,
                               dict(env, WSMAUTO_TRACE=trace_file))
        with open(trace_file) as f:
            text = f.read()
        cli.check("-debug with WSMAUTO_TRACE: to the file, not stderr", rc == 0 and err == "", err)
        check_trace("WSMAUTO_TRACE file", text, tokens)
        cli.check("the trace file is private", (os.stat(trace_file).st_mode & 0o777) == 0o600,
                  oct(os.stat(trace_file).st_mode))
        os.unlink(trace_file)
        rc, out, err = cli.run(["identify", "-r:" + a.url()] + basic, dict(env, WSMAUTO_TRACE=trace_file))
        with open(trace_file) as f:
            text = f.read()
        cli.check("WSMAUTO_TRACE without -debug", rc == 0 and " > POST /wsman HTTP/1.1" in text and err == "",
                  text[-300:] + err)
        rc, out, err = cli.run(["get", SPOOLER, "-r:" + a.url(), "-debug"] + basic,
                               dict(env, WSMAUTO_TRACE="/nonexistent-dir/trace"))
        cli.check("-debug with an unwritable WSMAUTO_TRACE: exit 2, nothing sent",
                  rc == 2 and "-debug" in err and "/nonexistent-dir/trace" in err, err)

        # many hosts: one trace, each session with its own label, whole lines
        rc, out, err = cli.run(["get", SPOOLER, "-r:" + a.url(), "-r:" + b.url(), "-debug"] + basic, env)
        cli.check("two hosts -debug", rc == 0 and out.count("Name = Spooler") == 2, out + err)
        check_trace("two hosts", err, tokens, expect=[" s1/c1 > POST", " s2/c1 > POST"])

        # HTTPS: Basic and a client certificate
        store = os.path.join(work, "store")
        os.makedirs(store)
        shutil.copy(f"{certs}/client.pem", store)
        shutil.copy(f"{certs}/client.key", store)
        thumb = subprocess.run(["openssl", "x509", "-in", f"{certs}/client.pem", "-noout", "-fingerprint",
                                "-sha1"], capture_output=True, text=True).stdout.split("=")[-1].strip()
        thumb = thumb.replace(":", "")
        tenv = dict(env, WSMAUTO_CERT_DIR=store)
        rc, out, err = cli.run(["get", SPOOLER, "-r:" + tls.url("localhost", "https"), "-debug", "-a:basic",
                                "-u:wsmuser", "-p:wsmpass"], tenv)
        cli.check("https basic -debug", rc == 0 and "Name = Spooler" in out, out + err)
        check_trace("https basic", err, tls_tokens, expect=[" > Authorization: Basic [hidden]\n"])
        rc, out, err = cli.run(["get", SPOOLER, "-r:" + tls.url("localhost", "https"), "-debug",
                                "-a:certificate", "-c:" + thumb], tenv)
        cli.check("client certificate -debug", rc == 0 and "Name = Spooler" in out, out + err)
        check_trace("client certificate", err, None, expect=[
            " > Authorization: http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual\n"])
        cli.check("client certificate: no key", "PRIVATE KEY" not in err)

        # oversized reply headers: what was too large, never "Out of memory"
        for mode, text in (("header-flood", "more than 65536 bytes in all"),
                           ("header-long", 'header line ("X-Long") of 80010 bytes'),
                           ("header-huge", "header line longer than 102400 bytes"),
                           ("www-auth-huge", "header line longer than 102400 bytes")):
            rc, out, err = cli.run(["get", "http://wsmauto.test/misbehave/" + mode, "-r:" + a.url()] + basic, env)
            cli.check(f"{mode}: exit 1, 0x80072F96 and what was too large",
                      rc == 1 and "(0x80072F96)" in err and text in err and "memory" not in err.lower(), err)
        rc, out, err = cli.run(["get", "http://wsmauto.test/misbehave/header-huge", "-r:" + a.url(), "-debug"] +
                               basic, env)
        cli.check("header-huge -debug: the failure is traced",
                  rc == 1 and " * the request failed" in err and "(0x80072F96)" in err, err[-500:])
        rc, out, err = cli.run(["helpmsg", "0x80072F96"], env)
        cli.check("helpmsg 0x80072F96 answers", rc == 0 and out.strip(), out + err)
    finally:
        a.stop()
        b.stop()
        tls.stop()


def gss_tests(work, certs, env):
    tokens = os.path.join(work, "gss-http.tokens")
    tls_tokens = os.path.join(work, "gss-https.tokens")
    http = cli.Server(work, "gss-http", "--auth", "negotiate,kerberos,basic", "--token-log", tokens)
    https = cli.Server(work, "gss-https", "--auth", "negotiate,kerberos,basic", "--tls-cert",
                       f"{certs}/server.pem", "--tls-key", f"{certs}/server.key", "--require-cbt",
                       "--token-log", tls_tokens)
    huge = cli.Server(work, "gss-huge", "--auth", "negotiate,kerberos", "--gss-token-bytes", "200000")
    big = cli.Server(work, "gss-big", "--auth", "negotiate,kerberos", "--gss-token-bytes", "48100")
    try:
        cases = [
            ("negotiate/krb5", http.url("localhost"), ["-a:negotiate", "-u:" + KRB_USER], tokens, True,
             [" > Authorization: Negotiate [hidden]\n", " < WWW-Authenticate: Negotiate [hidden]\n",
              " * Negotiate handshake with http://localhost:"]),
            ("kerberos", http.url("localhost"), ["-a:kerberos", "-u:" + KRB_USER], tokens, True,
             [" > Authorization: Kerberos [hidden]\n", " * Kerberos handshake with"]),
            ("negotiate/ntlm", http.url("127.0.0.1"), ["-a:negotiate", "-u:" + NTLM_USER], tokens, True,
             [" > Authorization: Negotiate [hidden]\n", " < HTTP/1.1 401 Unauthorized\n", ", leg 2\n"]),
            ("kerberos https", https.url("localhost", "https"), ["-a:kerberos", "-u:" + KRB_USER], tls_tokens,
             False, [" > Authorization: Kerberos [hidden]\n"]),
            ("negotiate/ntlm https", https.url("127.0.0.1", "https"), ["-a:negotiate", "-u:" + NTLM_USER],
             tls_tokens, False, [" > Authorization: Negotiate [hidden]\n", ", leg 2\n"]),
        ]
        for name, url, auth, log, encrypted, expect in cases:
            rc, out, err = cli.run(["get", SPOOLER, "-r:" + url, "-debug", "-p:" + GSS_PASSWORD] + auth, env)
            cli.check(f"{name} -debug", rc == 0 and "Name = Spooler" in out, out + err[-500:])
            check_trace(name, err, log, encrypted, expect)
        rc, out, err = cli.run(["get", SPOOLER, "-r:" + http.url("127.0.0.1"), "-debug", "-a:negotiate",
                                "-u:" + NTLM_USER, "-p:wrong-pw-9"], env)
        cli.check("ntlm wrong password -debug: exit 1, the 401s traced",
                  rc == 1 and err.count(" < HTTP/1.1 401 Unauthorized") >= 2, err[-500:])
        check_leaks = [s for s in ("wrong-pw", "YII", "TlRMTVNT") if s in err.replace("-p:wrong-pw-9", "")]
        cli.check("ntlm wrong password -debug: no secret", not check_leaks, check_leaks)

        # oversized tokens
        for server, text, code in ((huge, "header line longer than 102400 bytes", "(0x80072F96)"),
                                   (big, "more than the limit of 48000 bytes for a token", "(0x80090308)")):
            for auth in (["-a:kerberos", "-u:" + KRB_USER], ["-a:negotiate", "-u:" + NTLM_USER]):
                host = "127.0.0.1" if NTLM_USER in auth[1] else "localhost"
                rc, out, err = cli.run(["get", SPOOLER, "-r:" + server.url(host), "-p:" + GSS_PASSWORD] + auth, env)
                cli.check(f"{auth[0]} token of {server.dir[-8:]}: exit 1, {code}, what was too large",
                          rc == 1 and code in err and text in err and "memory" not in err.lower(), err)
    finally:
        for s in (http, https, huge, big):
            s.stop()


def main():
    if GSS and not os.environ.get("WSM_KDC_DIR"):
        print("run_cli_trace_tests.py gss needs the test realm's environment (run it through ctest)")
        return 1
    work = tempfile.mkdtemp(prefix="wsmanctl-trace-")
    try:
        certs = os.path.join(work, "certs")
        subprocess.run(["sh", os.path.join(cli.SRC, "tests", "tls", "make-certs.sh"), certs], check=True,
                       capture_output=True)
        conf = os.path.join(work, "client.conf")
        with open(conf, "w") as f:
            f.write(f"[Client]\nAllowUnencrypted = true\nCAFile = {certs}/ca.pem\n")
        env = dict(os.environ, WSMAUTO_CLIENT_CONFIG=conf, XDG_CONFIG_HOME=work)
        env.pop("WSMAUTO_TRACE", None)
        if GSS:
            gss_tests(work, certs, env)
        else:
            basic_tests(work, certs, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    name = "cli_trace_gss" if GSS else "cli_trace"
    print(f"{name}: {cli.passed} passed, {cli.failed} failed")
    return 1 if cli.failed or not cli.passed else 0


if __name__ == "__main__":
    sys.exit(main())
