#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""wsmanctl with Negotiate (Kerberos and NTLM), the Kerberos scheme and Basic against the bundled server in both
of its flavours (Windows and OMI), over HTTP with message encryption and over HTTPS.

Usage: run_cli_gss_tests.py WSMANCTL SOURCE_DIR   (needs the test realm's environment: run it through ctest)

Prints "cli_gss: N passed, N failed" and exits non-zero when anything failed.
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_cli_tests as cli  # noqa: E402  (the same argv: WSMANCTL SOURCE_DIR)

KRB_USER = "alice@WSMAUTO.TEST"
NTLM_USER = "WSMAUTO\\alice"
PASSWORD = "alice-pw-1"
SPOOLER = "wmicimv2/Win32_Service?Name=Spooler"


def no_secret(name, text):
    cli.check(name + ": no password or token in the output",
              PASSWORD not in text and "YII" not in text and "TlRMTVNT" not in text, text)


def flavour_tests(work, flavour, certs, env):
    http = cli.Server(work, flavour + "-http", "--auth", "negotiate,kerberos,basic", "--flavor", flavour)
    https = cli.Server(work, flavour + "-https", "--auth", "negotiate,kerberos,basic", "--flavor", flavour,
                       "--tls-cert", f"{certs}/server.pem", "--tls-key", f"{certs}/server.key", "--require-cbt")
    try:
        cases = [
            ("kerberos", http.url("localhost"), ["-a:kerberos", "-u:" + KRB_USER]),
            ("negotiate/krb5", http.url("localhost"), ["-a:negotiate", "-u:" + KRB_USER]),
            ("negotiate/ntlm", http.url("127.0.0.1"), ["-a:negotiate", "-u:" + NTLM_USER]),
            ("kerberos https", https.url("localhost", "https"), ["-a:kerberos", "-u:" + KRB_USER]),
            ("negotiate/ntlm https", https.url("127.0.0.1", "https"), ["-a:negotiate", "-u:" + NTLM_USER]),
            ("basic https", https.url("localhost", "https"), ["-a:basic", "-u:wsmuser", "-p:wsmpass"]),
        ]
        for name, url, auth in cases:
            what = f"{flavour} {name}"
            cred = auth + ([] if "basic" in name else ["-p:" + PASSWORD])
            rc, out, err = cli.run(["get", SPOOLER, "-r:" + url] + cred, env)
            cli.check(what + ": get", rc == 0 and "Name = Spooler" in out, out + err)
            rc, out, err = cli.run(["identify", "-r:" + url] + cred, env)
            vendor = "Open Management Infrastructure" if flavour == "omi" else "wsmauto test server"
            cli.check(what + ": identify", rc == 0 and vendor in out and "ProtocolVersion" in out, out + err)
            rc, out, err = cli.run(["enumerate", "wmicimv2/Win32_Service", "-r:" + url] + cred, env)
            cli.check(what + ": enumerate", rc == 0 and out.count("Win32_Service") >= 20, out[-300:] + err)
            rc, out, err = cli.run(["invoke", "StartService", SPOOLER, "@{}", "-r:" + url] + cred, env)
            cli.check(what + ": invoke", rc == 0 and "ReturnValue" in out, out + err)
            no_secret(what, out + err)
        # A wrong password: the documented error, exit status 1.
        rc, out, err = cli.run(["get", SPOOLER, "-r:" + http.url("127.0.0.1"), "-a:negotiate",
                                "-u:" + NTLM_USER, "-p:wrong-pw-9"], env)
        cli.check(f"{flavour} NTLM wrong password", rc == 1 and "0x80070005" in err, out + err)
        no_secret(f"{flavour} wrong password", out + err)

        lines = http.log_lines()
        requests = [ln for ln in lines if "leg=-" in ln and "enc=yes" in ln]
        cli.check(f"{flavour}: requests over HTTP were encrypted", len(requests) >= 12, "\n".join(lines[-5:]))
        tabs = [ln for ln in lines if "frame=tab" in ln]
        plain = [ln for ln in lines if "frame=plain" in ln]
        if flavour == "omi":
            # every wsmanctl process is a new session: its first encrypted request goes out in Windows' framing,
            # is dropped, and is resent without the tabs
            cli.check("omi: each session's first request with tabs was dropped",
                      tabs and all("status=0" in ln for ln in tabs), "\n".join(tabs))
            cli.check("omi: every answered request without tabs",
                      plain and all("status=0" not in ln for ln in plain), "\n".join(plain[:3]))
        else:
            cli.check("windows: Windows' framing only, nothing dropped",
                      tabs and not plain and not any("status=0" in ln for ln in lines), "\n".join(lines[:5]))
        cli.check(f"{flavour} https: channel bindings, no message encryption",
                  any("cbt=yes" in ln for ln in https.log_lines())
                  and not any("enc=yes" in ln for ln in https.log_lines()))
    finally:
        http.stop()
        https.stop()


def main():
    if not os.environ.get("WSM_KDC_DIR"):
        print("run_cli_gss_tests.py needs the test realm's environment (run it through ctest)")
        return 1
    work = tempfile.mkdtemp(prefix="wsmanctl-gss-")
    try:
        certs = os.path.join(work, "certs")
        subprocess.run(["sh", os.path.join(cli.SRC, "tests", "tls", "make-certs.sh"), certs], check=True,
                       capture_output=True)
        conf = os.path.join(work, "client.conf")
        with open(conf, "w") as f:
            f.write(f"[Client]\nCAFile = {certs}/ca.pem\n")
        env = dict(os.environ, WSMAUTO_CLIENT_CONFIG=conf)
        for flavour in ("windows", "omi"):
            flavour_tests(work, flavour, certs, env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"cli_gss: {cli.passed} passed, {cli.failed} failed")
    return 1 if cli.failed or not cli.passed else 0


if __name__ == "__main__":
    sys.exit(main())
