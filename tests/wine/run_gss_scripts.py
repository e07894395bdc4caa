#!/usr/bin/python3
# Runs the Negotiate / Kerberos / NTLM scripts of WSMAuto.dll (tests/wine/gss/*.vbs, *.js: the SSPI back-end,
# src/core/auth/sspi.c) under Wine with `wine64 cscript //nologo`, against tests/server in its GSS modes and
# the throw-away MIT realm WSMAUTO.TEST of tests/kdc/kdc.sh.
#
#   run_gss_scripts.py --dll PATH --workdir DIR [--cbt-probe EXE] [--only NAME ...] [--timeout S] [-v]
#
# What it does:
#   * makes (or reuses) a private 64-bit prefix DIR/prefix (WINEDEBUG=-all, Mono and Gecko off) and registers the
#     DLL there with the 64-bit regsvr32 (Debian's `wine` is the 32-bit loader once wine32 is installed, so the
#     64-bit loader wine64 starts cscript and regsvr32);
#   * starts the realm (tests/kdc/kdc.sh start DIR/kdc): Wine's Kerberos package is the host's MIT krb5, so
#     KRB5_CONFIG (a Unix path: MIT reads it on the Unix side) reaches it; Wine's NTLM runs Samba's ntlm_auth
#     (Debian package winbind);
#   * starts the servers: `gss` (HTTP, --auth negotiate,kerberos, encryption required), `allow` (the same with
#     --gss-encryption allow, for SessionFlagNoEncryption), `https` (HTTPS with --require-cbt) and `omi`
#     (--flavor omi: plain RRC-0 Kerberos replies, no tabs), all with --max-envelope-kb 20000;
#   * writes DIR/client.conf (AllowUnencrypted = true, MaxEnvelopeSizekb = 20000) and passes its Windows path
#     (winepath -w) in WSMAUTO_CLIENT_CONFIG;
#   * runs every script with common.vbs / common.js in front (DIR/scripts/), each with a ticket cache of its own
#     (KRB5CCNAME=FILE:DIR/cc/<script>; Wine's Kerberos package writes the TGT of explicit credentials there);
#     gss_implicit.vbs gets a cache filled by kinit first, the others an empty one;
#   * a script passes when cscript exits 0, no line starts with FAIL, its last line is `SUCCESS <name>`, and the
#     server log lines written while it ran match its expectations below (what the wire carried: enc=yes,
#     gss=negotiate/krb5 ...);
#   * with --cbt-probe, checks what Wine's Kerberos package does with SECBUFFER_CHANNEL_BINDINGS: the token
#     sspi_cbt_probe.exe makes with bindings goes to an MIT acceptor given the same bindings, which reports
#     GSS_C_CHANNEL_BOUND_FLAG only when the token carries them (Wine 8 drops them: docs/windows.md);
#   * prints one line per script and `wine_gss_scripts: N passed, M failed`; exits 0 only when all passed.
#
# SPDX-License-Identifier: MIT
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GSS = os.path.join(HERE, "gss")
SOURCE = os.path.dirname(os.path.dirname(HERE))
SERVER = os.path.join(SOURCE, "tests", "server", "wsman_server.py")
MAKE_CERTS = os.path.join(SOURCE, "tests", "tls", "make-certs.sh")
KDC = os.path.join(SOURCE, "tests", "kdc", "kdc.sh")
PYTHON = "/usr/bin/python3"

# Per script: (server, regular expression, least count, most count or None) over the log lines the script caused.
ENC_GET = r"action=\S+/transfer/Get .*enc=yes"
EXPECT = {
    "gss_kerberos.vbs": [
        ("gss", r"auth=kerberos .*gss=kerberos/krb5 user=alice@WSMAUTO\.TEST enc=yes", 5, None),
        ("gss", r"status=200 action=\S+/transfer/Put .*auth=kerberos bytes=[0-9]{7,} .*enc=yes", 1, None),
        ("gss", r"action=(?!-)\S+ .*enc=no", 0, 0),  # every SOAP request was encrypted
    ],
    "gss_negotiate.vbs": [
        ("gss", r"gss=negotiate/krb5 user=alice@WSMAUTO\.TEST enc=yes", 3, None),
        ("gss", r"gss=negotiate/ntlm user=WSMAUTO\\alice enc=yes", 3, None),
        ("gss", r"action=\S+/transfer/Put .*auth=negotiate bytes=[0-9]{7,} gss=negotiate/krb5 .*enc=yes", 1, None),
        ("gss", r"action=\S+/transfer/Put .*auth=negotiate bytes=[0-9]{7,} gss=negotiate/ntlm .*enc=yes", 1, None),
        ("gss", r"action=(?!-)\S+ .*enc=no", 0, 0),
    ],
    "gss_implicit.vbs": [
        ("gss", r"gss=kerberos/krb5 user=alice@WSMAUTO\.TEST enc=yes", 1, None),
        ("gss", r"gss=negotiate/krb5 user=alice@WSMAUTO\.TEST enc=yes", 1, None),
    ],
    "gss_noticket.vbs": [
        ("gss", r"leg=1", 0, 0),  # nothing was sent without a ticket
    ],
    "gss_noencryption.vbs": [
        ("allow", r"status=200 " + r"action=\S+/transfer/Get .*gss=negotiate/krb5 .*enc=no", 1, None),
        ("allow", r"status=200 " + r"action=\S+/transfer/Get .*gss=negotiate/ntlm .*enc=no", 1, None),
        ("allow", r"status=200 " + r"action=\S+/transfer/Get .*gss=kerberos/krb5 .*enc=no", 1, None),
        ("gss", r"status=500 .*enc=no", 1, None),
    ],
    "gss_https.vbs": [
        ("https", r"action=Identify .*auth=- ", 1, None),  # the certificate probe
        ("https", r"leg=1", 0, 0),  # no unbound token went over TLS
    ],
    "gss_omi.js": [
        ("omi", r"status=200 action=\S+/transfer/Get .*gss=kerberos/krb5 .*enc=yes .*frame=plain", 1, None),
        ("omi", r"status=200 action=\S+/transfer/Get .*gss=negotiate/ntlm .*enc=yes .*frame=plain", 1, None),
    ],
}


def wine64_loader():
    for w in (shutil.which("wine64"), "/usr/lib/wine/wine64", "/usr/lib64/wine/wine64",
              "/usr/lib/x86_64-linux-gnu/wine/wine64"):
        if w and os.access(w, os.X_OK):
            return w
    return shutil.which("wine")


class Harness:
    def __init__(self, args):
        self.args = args
        self.workdir = os.path.abspath(args.workdir)
        self.prefix = os.path.join(self.workdir, "prefix")
        self.wine = wine64_loader()
        self.env = dict(os.environ)
        self.env.update({"WINEPREFIX": self.prefix, "WINEARCH": "win64", "WINEDEBUG": "-all",
                         "WINEDLLOVERRIDES": "mscoree,mshtml="})
        for k in ("WSMAUTO_CLIENT_CONFIG", "KRB5CCNAME", "KRB5_CONFIG", "KRB5_KTNAME", "NTLM_USER_FILE"):
            self.env.pop(k, None)
        self.servers = []
        self.logs = {}
        self.results = []
        self.scripts_run = 0
        self.kdc_dir = os.path.join(self.workdir, "kdc")
        self.kdc_started = False
        self.wine_started = False

    def log(self, text):
        if self.args.verbose:
            print(text, flush=True)

    def run(self, argv, env=None, timeout=300):
        self.log("+ " + " ".join(argv))
        return subprocess.run(argv, env=env or self.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def winpath(self, path):
        self.wine_started = True
        p = self.run(["winepath", "-w", path], timeout=120)
        out = p.stdout.decode(errors="replace").strip()
        if p.returncode != 0 or not out:
            raise RuntimeError("winepath -w %s failed" % path)
        return out

    def make_prefix(self):
        if os.path.exists(os.path.join(self.prefix, "system.reg")):
            return
        self.wine_started = True
        p = subprocess.run(["wineboot", "-i"], env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=600, stdin=subprocess.DEVNULL)
        if p.returncode != 0 or not os.path.exists(os.path.join(self.prefix, "system.reg")):
            raise RuntimeError("wineboot -i failed: %s" % p.stdout.decode(errors="replace"))
        subprocess.run(["wineserver", "-w"], env=self.env, timeout=300, stdin=subprocess.DEVNULL)

    def start_kdc(self):
        p = self.run(["sh", KDC, "start", self.kdc_dir], timeout=120)
        if p.returncode != 0:
            raise RuntimeError("kdc.sh start failed: %s" % p.stderr.decode(errors="replace"))
        self.kdc_started = True
        self.kdc_env = {}
        with open(os.path.join(self.kdc_dir, "env")) as f:
            for line in f:
                m = re.match(r"^([A-Z0-9_]+)=(.*)$", line.strip())
                if m:
                    self.kdc_env[m.group(1)] = m.group(2)

    def start_server(self, name, extra):
        d = os.path.join(self.workdir, "servers")
        os.makedirs(d, exist_ok=True)
        port_file = os.path.join(d, name + ".port")
        log_file = os.path.join(d, name + ".log")
        for f in (port_file, log_file):
            if os.path.exists(f):
                os.unlink(f)
        env = dict(os.environ)
        env.update(self.kdc_env)
        env["KRB5CCNAME"] = "FILE:" + os.path.join(d, "server.ccache")
        argv = [PYTHON, SERVER, "--port-file", port_file, "--log", log_file, "--max-envelope-kb", "20000"] + extra
        self.log("+ " + " ".join(argv))
        err = open(os.path.join(d, name + ".stderr"), "wb")
        proc = subprocess.Popen(argv, env=env, stdout=err, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        err.close()
        self.servers.append(proc)
        deadline = time.time() + 30
        while not os.path.exists(port_file):
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("the %s server did not start (see %s.stderr)" % (name, os.path.join(d, name)))
            time.sleep(0.05)
        open(log_file, "a").close()
        self.logs[name] = log_file
        with open(port_file) as f:
            return int(f.read().strip())

    def stop_servers(self):
        for proc in self.servers:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.servers:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.servers = []

    def combined(self, path):
        name = os.path.basename(path)
        ext = os.path.splitext(name)[1].lower()
        text = ""
        for p in (os.path.join(HERE, "common" + ext), path):
            with open(p, "rb") as f:
                raw = f.read()
            raw.decode("ascii")  # the scripts are ASCII (Wine's VBScript needs it)
            body = raw.decode("ascii").replace("\r\n", "\n")
            text += body if body.endswith("\n") else body + "\n"
        out_dir = os.path.join(self.workdir, "scripts")
        os.makedirs(out_dir, exist_ok=True)
        out = os.path.join(out_dir, name)
        with open(out, "wb") as f:
            f.write(text.replace("\n", "\r\n").encode("ascii"))
        return out

    def log_sizes(self):
        return {n: os.path.getsize(p) for n, p in self.logs.items()}

    def new_lines(self, name, since):
        with open(self.logs[name], "rb") as f:
            f.seek(since[name])
            return f.read().decode("utf-8", errors="replace").splitlines()

    def run_script(self, name, script_args):
        path = os.path.join(GSS, name)
        problems = []
        cc = os.path.join(self.workdir, "cc", name)
        os.makedirs(os.path.dirname(cc), exist_ok=True)
        if os.path.exists(cc):
            os.unlink(cc)
        env = dict(self.env)
        env["KRB5_CONFIG"] = self.kdc_env["KRB5_CONFIG"]
        env["KRB5CCNAME"] = "FILE:" + cc
        if name == "gss_implicit.vbs":
            kenv = dict(os.environ)
            kenv.update({"KRB5_CONFIG": self.kdc_env["KRB5_CONFIG"], "KRB5CCNAME": "FILE:" + cc})
            p = subprocess.run(["kinit", "alice@WSMAUTO.TEST"], env=kenv, input=b"alice-pw-1\n",
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
            if p.returncode != 0:
                problems.append("kinit failed: %s" % p.stdout.decode(errors="replace"))
        win = self.winpath(self.combined(path))
        before = self.log_sizes()
        argv = [self.wine, "cscript", "//nologo", win] + script_args
        self.scripts_run += 1
        self.log("+ " + " ".join(argv))
        self.wine_started = True
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        timed_out = False
        try:
            out, err = proc.communicate(timeout=self.args.timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        time.sleep(0.2)  # the server writes its log line after the reply
        lines = [l.rstrip("\r") for l in out.decode("utf-8", errors="replace").split("\n")]
        while lines and not lines[-1].strip():
            lines.pop()
        problems += [l for l in lines if l.startswith("FAIL") and not l.startswith("FAILED ")]
        if timed_out:
            problems.append("timed out after %d s" % self.args.timeout)
        elif proc.returncode != 0:
            problems.append("cscript exit status %d" % proc.returncode)
        if not lines or lines[-1] != "SUCCESS " + name:
            problems.append(lines[-1] if lines and lines[-1].startswith("FAILED ") else
                            "no success marker: last line %r" % (lines[-1] if lines else ""))
        for server, rx, least, most in EXPECT.get(name, []):
            got = sum(1 for l in self.new_lines(server, before) if re.search(rx, l))
            if got < least or (most is not None and got > most):
                problems.append("server %s: %d log lines match %r (want %d..%s)" % (server, got, rx, least,
                                                                                   most if most is not None else ""))
        for l in (l for s in self.logs for l in self.new_lines(s, before)):
            if "alice-pw-1" in l or "wrong-pw" in l:
                problems.append("a password in the server log: %s" % l)
        if self.args.verbose or problems:
            for l in lines:
                print("    | " + l)
            for s in self.logs:
                for l in self.new_lines(s, before):
                    print("    [%s] %s" % (s, l))
        self.report(name, not problems, problems)

    def report(self, label, passed, problems):
        self.results.append((label, passed))
        print(("PASS " if passed else "FAIL ") + label, flush=True)
        for p in problems if not passed else []:
            print("    " + p, flush=True)

    def main(self):
        os.makedirs(self.workdir, exist_ok=True)
        if not shutil.which("ntlm_auth"):
            raise RuntimeError("Samba's ntlm_auth is missing (Debian package winbind; tools/install-deps.sh)")
        self.make_prefix()
        dll = os.path.join(self.workdir, "WSMAuto.dll")
        shutil.copyfile(self.args.dll, dll)
        p = self.run([self.wine, "regsvr32", "/s", self.winpath(dll)], timeout=120)
        self.report("regsvr32 WSMAuto.dll", p.returncode == 0, ["exit status %d" % p.returncode])
        if p.returncode != 0:
            return
        certs = os.path.join(self.workdir, "certs")
        subprocess.run(["sh", MAKE_CERTS, certs], check=True, timeout=120, stdout=subprocess.DEVNULL)
        config = os.path.join(self.workdir, "client.conf")
        with open(config, "w", newline="\r\n") as f:
            f.write("# written by tests/wine/run_gss_scripts.py\n[Client]\nAllowUnencrypted = true\n"
                    "MaxEnvelopeSizekb = 20000\n")
        self.env["WSMAUTO_CLIENT_CONFIG"] = self.winpath(config)
        self.start_kdc()
        gss = self.start_server("gss", ["--auth", "negotiate,kerberos"])
        allow = self.start_server("allow", ["--auth", "negotiate,kerberos", "--gss-encryption", "allow"])
        https = self.start_server("https", ["--auth", "negotiate,kerberos", "--require-cbt", "--tls-cert",
                                            os.path.join(certs, "server.pem"), "--tls-key",
                                            os.path.join(certs, "server.key")])
        omi = self.start_server("omi", ["--auth", "negotiate,kerberos", "--flavor", "omi"])
        args = ["http=http://localhost:%d/wsman" % gss, "httpip=http://127.0.0.1:%d/wsman" % gss,
                "allow=http://localhost:%d/wsman" % allow, "allowip=http://127.0.0.1:%d/wsman" % allow,
                "https=https://localhost:%d/wsman" % https, "omi=http://localhost:%d/wsman" % omi,
                "omiip=http://127.0.0.1:%d/wsman" % omi, "user=alice@WSMAUTO.TEST", "password=alice-pw-1",
                "ntlmuser=WSMAUTO\\alice"]
        names = sorted(f for f in os.listdir(GSS) if f.lower().endswith((".vbs", ".js")))
        if self.args.only:
            names = [n for n in names if n in self.args.only or os.path.splitext(n)[0] in self.args.only]
        for n in names:
            self.run_script(n, args)
        if self.args.cbt_probe and not self.args.only:
            self.cbt_probe()

    def cbt_probe(self):
        """Wine's Kerberos package and SECBUFFER_CHANNEL_BINDINGS: a token made with bindings B is accepted by
        an MIT acceptor given B, which sets GSS_C_CHANNEL_BOUND_FLAG only when the token carries B. Wine's does
        not (docs/windows.md); this fails, so that auth/sspi.c gets revisited, the day Wine carries them."""
        label = "SSPI Kerberos with SECBUFFER_CHANNEL_BINDINGS (Wine drops the bindings)"
        exe = os.path.join(self.workdir, "sspi_cbt_probe.exe")
        shutil.copyfile(self.args.cbt_probe, exe)
        cc = os.path.join(self.workdir, "cc", "cbt_probe")
        if os.path.exists(cc):
            os.unlink(cc)
        env = dict(self.env)
        env.update({"KRB5_CONFIG": self.kdc_env["KRB5_CONFIG"], "KRB5CCNAME": "FILE:" + cc})
        app = "tls-server-end-point:wsmauto-cbt-probe"
        p = self.run([self.wine, self.winpath(exe), "alice", "WSMAUTO.TEST", "alice-pw-1", "HTTP/localhost", app],
                     env=env, timeout=120)
        out = p.stdout.decode(errors="replace").strip()
        m = re.search(r"^token (\S+)$", out, re.M)
        if p.returncode != 0 or not m:
            self.report(label, False, ["sspi_cbt_probe failed (exit %d): %s" % (p.returncode, out)])
            return
        acceptor = ("import base64, sys, gssapi\n"
                    "cb = gssapi.raw.ChannelBindings(initiator_address_type=None, acceptor_address_type=None,"
                    " application_data=sys.argv[2].encode())\n"
                    "ctx = gssapi.SecurityContext(usage='accept', channel_bindings=cb)\n"
                    "ctx.step(base64.b64decode(sys.argv[1]))\n"
                    "print('bound' if int(ctx.actual_flags) & 0x800 else 'unbound')\n")
        aenv = dict(os.environ)
        aenv.update(self.kdc_env)
        aenv["KRB5RCACHETYPE"] = "none"
        a = self.run([PYTHON, "-c", acceptor, m.group(1), app], env=aenv, timeout=60)
        verdict = a.stdout.decode(errors="replace").strip()
        self.log("    acceptor: %s %s" % (verdict, a.stderr.decode(errors="replace").strip()))
        if verdict == "unbound":
            self.report(label, True, [])
        elif verdict == "bound":
            self.report(label, False, ["this Wine's Kerberos package carries channel bindings now: let "
                                       "auth/sspi.c bind under Wine too (it refuses HTTPS there today)"])
        else:
            self.report(label, False, ["the MIT acceptor failed: %s" % a.stderr.decode(errors="replace")])

    def cleanup(self):
        self.stop_servers()
        if self.kdc_started:
            subprocess.run(["sh", KDC, "stop", self.kdc_dir], timeout=60, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        if self.wine_started:
            subprocess.run(["wineserver", "-k"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=60)


def main():
    ap = argparse.ArgumentParser(description="Negotiate/Kerberos/NTLM scripts of WSMAuto.dll under Wine.")
    ap.add_argument("--dll", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--only", nargs="+", default=[], metavar="NAME")
    ap.add_argument("--timeout", type=int, default=300)
    ap.add_argument("--cbt-probe", metavar="EXE", help="sspi_cbt_probe.exe: also check what Wine does with "
                    "SECBUFFER_CHANNEL_BINDINGS")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda s, f: (_ for _ in ()).throw(KeyboardInterrupt()))
    h = Harness(args)
    error = None
    try:
        h.main()
    except KeyboardInterrupt:
        error = "interrupted"
    except (RuntimeError, OSError, subprocess.SubprocessError, UnicodeDecodeError) as e:
        error = str(e)
    finally:
        try:
            h.cleanup()
        except (OSError, subprocess.SubprocessError) as e:
            print("cleanup: %s" % e, file=sys.stderr)
    passed = sum(1 for _, ok in h.results if ok)
    failed = len(h.results) - passed
    if error:
        print("wine_gss_scripts: error: %s" % error)
        failed += 1
    print("wine_gss_scripts: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and h.scripts_run > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
