#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""wsmanctl -a:CredSSP against the bundled server's CredSSP acceptor (tests/server/wsmserver/credssp.py), with
Kerberos and NTLM inside, over HTTP with message encryption and over HTTPS; the delegation policy of the
client configuration ([Client/Auth] CredSSP, AllowFreshCredentials).

Usage: run_cli_credssp_tests.py WSMANCTL SOURCE_DIR   (needs the test realm's environment: run it through ctest)

Prints "cli_credssp: N passed, N failed" and exits non-zero when anything failed.
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


def main():
    if not os.environ.get("WSM_KDC_DIR"):
        print("run_cli_credssp_tests.py needs the test realm's environment (run it through ctest)")
        return 1
    work = tempfile.mkdtemp(prefix="wsmanctl-credssp-")
    http = https = None
    try:
        certs = os.path.join(work, "certs")
        subprocess.run(["sh", os.path.join(cli.SRC, "tests", "tls", "make-certs.sh"), certs], check=True,
                       capture_output=True)

        def config(name, text):
            path = os.path.join(work, name + ".conf")
            with open(path, "w") as f:
                f.write(f"[Client]\nCAFile = {certs}/ca.pem\n" + text)
            return dict(os.environ, WSMAUTO_CLIENT_CONFIG=path)

        env = config("allowed", "[Client/Auth]\nCredSSP = true\n"
                                "AllowFreshCredentials = WSMAN/localhost, WSMAN/127.0.0.1\n")
        http = cli.Server(work, "http", "--auth", "credssp")
        https = cli.Server(work, "https", "--auth", "credssp", "--tls-cert", f"{certs}/server.pem",
                           "--tls-key", f"{certs}/server.key")
        cases = [
            ("credssp/krb5", http.url("localhost"), KRB_USER),
            ("credssp/ntlm", http.url("127.0.0.1"), NTLM_USER),
            ("credssp/krb5 https", https.url("localhost", "https"), KRB_USER),
        ]
        for name, url, user in cases:
            cred = ["-a:CredSSP", "-u:" + user, "-p:" + PASSWORD]
            rc, out, err = cli.run(["get", SPOOLER, "-r:" + url] + cred, env)
            cli.check(name + ": get", rc == 0 and "Name = Spooler" in out, out + err)
            rc, out, err = cli.run(["enumerate", "wmicimv2/Win32_Service", "-r:" + url] + cred, env)
            cli.check(name + ": enumerate", rc == 0 and out.count("Win32_Service") >= 20, out[-300:] + err)
            no_secret(name, out + err)
            # -debug traces every exchange; the CredSSP tokens and the password stay hidden
            rc, out, err = cli.run(["get", SPOOLER, "-r:" + url, "-debug"] + cred, env)
            cli.check(name + ": -debug", rc == 0 and "Authorization: CredSSP [" in err, err[-2000:])
            no_secret(name + " -debug", out + err)
        lines = http.log_lines()
        cli.check("credssp over HTTP: encrypted requests, credentials delegated",
                  any("enc=yes" in ln for ln in lines) and any("delegated=yes" in ln for ln in lines),
                  "\n".join(lines[-5:]))
        cli.check("credssp over HTTPS: no message encryption",
                  not any("enc=yes" in ln for ln in https.log_lines()))

        # the delegation policy: CredSSP off (the default), then on without the host in the list
        before = len(http.log_lines())
        for name, text, code in [
                ("CredSSP = false", "", "0x803381A2"),
                ("host not in AllowFreshCredentials",
                 "[Client/Auth]\nCredSSP = true\nAllowFreshCredentials = WSMAN/*.example.com\n", "0x803381A3")]:
            rc, out, err = cli.run(["get", SPOOLER, "-r:" + http.url("localhost"), "-a:CredSSP", "-u:" + KRB_USER,
                                    "-p:" + PASSWORD], config(name.replace(" ", "-"), text))
            cli.check("policy: " + name, rc == 1 and code in err, out + err)
            no_secret("policy: " + name, out + err)
        cli.check("policy refusals sent nothing", len(http.log_lines()) == before)
    finally:
        for s in (http, https):
            if s:
                s.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"cli_credssp: {cli.passed} passed, {cli.failed} failed")
    return 1 if cli.failed or not cli.passed else 0


if __name__ == "__main__":
    sys.exit(main())
