#!/usr/bin/python3
# Runs the Negotiate / Kerberos / NTLM scripts of WSMAuto.dll (tests/wine/gss/*.vbs, *.js: the SSPI back-end,
# src/core/auth/sspi.c) under Wine with `wine64 cscript //nologo`, against tests/server in its GSS modes and
# the throw-away MIT realm WSMAUTO.TEST of tests/kdc/kdc.sh.
#
#   run_gss_scripts.py --dll PATH --workdir DIR [--arch 64|32] [--cbt-probe EXE] [--only NAME ...] [--timeout S]
#                      [-v]
#
# What it does:
#   * makes (or reuses) a private 64-bit prefix DIR/prefix (WINEDEBUG=-all, Mono and Gecko off) and registers the
#     DLL there: --arch 64 (the default) with C:\windows\system32\regsvr32.exe, and the scripts run in
#     C:\windows\system32\cscript.exe; --arch 32 (the 32-bit DLL, needs wine32) with C:\windows\syswow64's
#     regsvr32 and cscript. Both are started by the 64-bit loader wine64, which runs each program as the
#     architecture of its directory (Debian's `wine` is the 32-bit loader once wine32 is installed);
#   * starts the realm (tests/kdc/kdc.sh start DIR/kdc): Wine's Kerberos package is the host's MIT krb5, so
#     KRB5_CONFIG (a Unix path: MIT reads it on the Unix side) reaches it; Wine's NTLM runs Samba's ntlm_auth
#     (Debian package winbind);
#   * starts the servers: `gss` (HTTP, --auth negotiate,kerberos, encryption required), `allow` (the same with
#     --gss-encryption allow, for SessionFlagNoEncryption), `https` (HTTPS with --require-cbt) and `omi`
#     (--flavor omi: plain RRC-0 Kerberos replies, no tabs), all with --max-envelope-kb 20000; and the
#     misbehaving ones of the mistakes and bad-input scripts (SERVERS below): --gss-encryption refuse,
#     --gss-reauth-after 2, --gss-drop-handshake, --auth kerberos only, --auth negotiate only, and
#     --gss-bad-handshake garbage|truncate|not-base64|loop|accept-no-token; each reaches the scripts as
#     NAME=http://localhost:PORT/wsman and NAMEip=http://127.0.0.1:PORT/wsman;
#   * writes DIR/client.conf (AllowUnencrypted = true, MaxEnvelopeSizekb = 20000) and passes its Windows path
#     (winepath -w) in WSMAUTO_CLIENT_CONFIG;
#   * runs every script with ../common.vbs and gss/common_gss.vbs (or the .js ones) in front (DIR/scripts/),
#     each with a ticket cache of its own (KRB5CCNAME=FILE:DIR/cc/<script>; Wine's Kerberos package writes the
#     TGT of explicit credentials there), empty but for the scripts SETUP prepares: gss_implicit.vbs (kinit
#     alice), gss_expired.vbs (bob's tickets made to live 2 s with kadmin.local modprinc -maxlife, kinit bob,
#     3 s of waiting), gss_kdcdown.vbs (kinit alice, then KRB5_CONFIG = a copy of krb5.conf whose KDC is a
#     closed loopback port), gss_skew.vbs (kinit alice, then the cache's KDC time offset set to an hour: the
#     Kerberos library's clock is an hour off the KDC's), gss_nontlm.vbs (PATH without Samba's ntlm_auth, so
#     Wine has no NTLM package);
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
import hashlib
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time

from run_scripts import run_wine  # noqa: E402  (output through files, not pipes)

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
    "gss_mistakes.vbs": [
        ("gss", r"gss=\S+ user=\S*mallory", 0, 0),  # unknown users never got a context
        ("refuse", r"status=400 .*encryption%20refused", 2, None),
    ],
    "gss_expired.vbs": [
        ("gss", r"leg=1", 0, 0),
    ],
    "gss_kdcdown.vbs": [
        ("gss", r"leg=1", 0, 0),
    ],
    "gss_skew.vbs": [
        ("kdc", r"TGS_REQ .*alice@WSMAUTO\.TEST for HTTP/localhost@WSMAUTO\.TEST, Clock skew too great", 1, None),
        ("gss", r"leg=1", 0, 0),
    ],
    "gss_nontlm.vbs": [
        ("gss", r"gss=negotiate", 0, 0),  # no NTLM token was sent
        ("gss", r"gss=kerberos/krb5 .*enc=yes", 1, None),
    ],
    "gss_damaged.vbs": [
        ("gss", r"resource=http://wsmauto\.test/misbehave/enc-(tamper|truncate|bad-length|plain) .*enc=yes",
         12, 12),
    ],
    "gss_reauth.vbs": [
        # the server forgot the context after every second request: the bare 401, a new handshake, the resend
        ("reauth", r"status=401 .*auth=- .*gss=- .*leg=-", 4, None),
        ("reauth", r"gss=kerberos/krb5 .*leg=1", 3, None),
        ("reauth", r"gss=negotiate/ntlm .*leg=2", 3, None),
        ("reauth", r"resource=http://wsmauto\.test/misbehave/close-after-reply .*enc=yes", 2, 2),
        ("drop", r"status=0 .*leg=-", 2, None),
    ],
    "gss_badinput.js": [
        ("loop", r"status=401 .*gss-bad-handshake%20loop", 3, None),
        ("garbage", r"gss-bad-handshake%20garbage", 3, None),
        ("truncate", r"gss-bad-handshake%20truncate", 3, None),
        ("notb64", r"gss-bad-handshake%20not-base64", 2, None),
        ("noauth", r"status=200 .*accept-no-token", 3, None),
        ("gss", r"resource=http://wsmauto\.test/misbehave/enc-replay .*enc=yes .*gsserr=the%20previous", 3, 3),
        ("krbonly", r"status=401 .*auth=- ", 1, None),
        ("negonly", r"status=401 .*auth=- ", 1, None),
    ],
    # CredSSP (tls_schannel.c + sspi.c) against --auth credssp servers: credentials delegated, every SOAP
    # request encrypted in the inner TLS channel over HTTP; none delegated to the wrong-pubKeyAuth server,
    # nothing sent at all when client.conf forbids CredSSP.
    "credssp_session.vbs": [
        ("credssp", r"auth=credssp .*gss=credssp/krb5 user=alice@WSMAUTO\.TEST .*delegated=yes", 1, None),
        ("credssp", r"auth=credssp .*gss=credssp/ntlm .*delegated=yes", 1, None),
        ("credssp", r"status=200 action=\S+/transfer/Put .*auth=credssp bytes=[0-9]{7,} .*enc=yes", 2, None),
        ("credssp", r"action=(?!-)\S+ .*enc=no", 0, 0),
        ("credsspssl", r"status=200 action=\S+/transfer/Put .*auth=credssp bytes=[0-9]{7,}", 1, None),
        ("credsspssl", r"delegated=yes", 1, None),
    ],
    "credssp_refused.vbs": [
        ("badpk", r"credssp=", 1, None),
        ("badpk", r"delegated=yes", 0, 0),
    ],
    "credssp_policy.vbs": [
        ("credssp", r".", 0, 0),  # CredSSP = false: nothing was sent
    ],
    "gss_omi.js": [
        ("omi", r"status=200 action=\S+/transfer/Get .*gss=kerberos/krb5 .*enc=yes .*frame=plain", 1, None),
        ("omi", r"status=200 action=\S+/transfer/Get .*gss=negotiate/ntlm .*enc=yes .*frame=plain", 1, None),
    ],
}


# The misbehaving servers of the mistakes and bad-input scripts: name → extra options (all with --auth
# negotiate,kerberos unless they say otherwise).
SERVERS = [
    ("refuse", ["--gss-encryption", "refuse"]),
    ("reauth", ["--gss-reauth-after", "2"]),
    ("drop", ["--gss-drop-handshake"]),
    ("krbonly", ["--auth", "kerberos"]),
    ("negonly", ["--auth", "negotiate"]),
    ("garbage", ["--gss-bad-handshake", "garbage"]),
    ("truncate", ["--gss-bad-handshake", "truncate"]),
    ("notb64", ["--gss-bad-handshake", "not-base64"]),
    ("loop", ["--gss-bad-handshake", "loop"]),
    ("noauth", ["--gss-bad-handshake", "accept-no-token"]),
]
# Scripts that run only when --only names them, until what they show is fixed (none today). Wine's cscript
# reports an uncaught script error with a FIXME only (ActiveScriptSite_OnScriptError) and exits 0 with no
# output: a script that ends silently raised an error outside On Error Resume Next.
PENDING = set()
# Where each architecture's programs are in a 64-bit prefix.
SYSTEM_DIR = {"64": "C:\\windows\\system32", "32": "C:\\windows\\syswow64"}


def wine64_loader():
    for w in (shutil.which("wine64"), "/usr/lib/wine/wine64", "/usr/lib64/wine/wine64",
              "/usr/lib/x86_64-linux-gnu/wine/wine64"):
        if w and os.access(w, os.X_OK):
            return w
    return shutil.which("wine")


def set_ccache_time_offset(path, seconds):
    """Records in an MIT FILE ticket cache (version 4) that the KDC's clock is `seconds` ahead of this machine's
    (the header's DeltaTime tag, which kinit writes when the clocks differ): the Kerberos library that reads the
    cache adds that to its own clock (libdefaults kdc_timesync, on by default), so its requests are that far
    ahead of the KDC's clock, as those of a machine whose clock is that much fast; the KDC refuses them."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] != b"\x05\x04":
        raise RuntimeError("%s is not a version 4 FILE ticket cache" % path)
    hlen = struct.unpack(">H", data[2:4])[0]
    head, rest = data[4:4 + hlen], data[4 + hlen:]
    tags, i = [], 0
    while i + 4 <= len(head):
        tag, n = struct.unpack(">HH", head[i:i + 4])
        if tag != 1:  # keep every tag but DeltaTime
            tags.append(head[i:i + 4 + n])
        i += 4 + n
    tags.append(struct.pack(">HHii", 1, 8, seconds, 0))
    head = b"".join(tags)
    with open(path, "wb") as f:
        f.write(b"\x05\x04" + struct.pack(">H", len(head)) + head + rest)


class Harness:
    def __init__(self, args):
        self.args = args
        self.workdir = os.path.abspath(args.workdir)
        self.prefix = os.path.join(self.workdir, "prefix")
        self.wine = wine64_loader()
        self.arch = args.arch
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
        return run_wine(argv, env or self.env, timeout)

    def program(self, name):
        """C:\\windows\\system32\\NAME.exe (--arch 64) or C:\\windows\\syswow64\\NAME.exe (--arch 32)."""
        return "%s\\%s.exe" % (SYSTEM_DIR[self.arch], name)

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
        # make_prefix.sh: a copy of $WSMAUTO_WINE_TEMPLATE when the ctest sets it, else `wineboot -i`.
        p = subprocess.run(["sh", os.path.join(HERE, "make_prefix.sh"), self.prefix], env=self.env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900, stdin=subprocess.DEVNULL)
        if p.returncode != 0 or not os.path.exists(os.path.join(self.prefix, "system.reg")):
            raise RuntimeError("make_prefix.sh %s failed: %s" % (self.prefix, p.stdout.decode(errors="replace")))

    def start_kdc(self):
        p = self.run(["sh", KDC, "start", self.kdc_dir], timeout=120)
        if p.returncode != 0:
            raise RuntimeError("kdc.sh start failed: %s" % p.stderr.decode(errors="replace"))
        self.kdc_started = True
        self.logs["kdc"] = os.path.join(self.kdc_dir, "kdc.log")  # for the expectations of gss_skew.vbs
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
        deadline = time.time() + 120  # a guard against a server that never starts, not a measurement
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
        for p in (os.path.join(HERE, "common" + ext), os.path.join(GSS, "common_gss" + ext), path):
            if not os.path.exists(p):
                continue
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
        script_args = script_args + ["ccache=FILE:" + cc]
        try:
            self.setup(name, cc, env)
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            problems.append("setup: %s" % e)
        win = self.winpath(self.combined(path))
        before = self.log_sizes()
        started = time.monotonic()
        argv = [self.wine, self.program("cscript"), "//nologo", win] + script_args
        self.scripts_run += 1
        self.log("+ " + " ".join(argv))
        self.wine_started = True
        timed_out = False
        try:  # temporary files, not pipes (run_scripts.run_wine says why)
            proc = run_wine(argv, env, self.args.timeout)
            out = proc.stdout
        except subprocess.TimeoutExpired:
            timed_out = True
            proc = subprocess.CompletedProcess(argv, -9)
            out = b""
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
                            "no success marker: last line %r%s" % (
                                lines[-1] if lines else "",
                                " (an uncaught script error? Wine's cscript reports none: see PENDING)"
                                if not timed_out and proc.returncode == 0 else ""))
        for server, rx, least, most in EXPECT.get(name, []):
            got = sum(1 for l in self.new_lines(server, before) if re.search(rx, l))
            if got < least or (most is not None and got > most):
                problems.append("server %s: %d log lines match %r (want %d..%s)" % (server, got, rx, least,
                                                                                   most if most is not None else ""))
        for l in (l for s in self.logs for l in self.new_lines(s, before)):
            if "-pw-" in l or "wrong-pw" in l:  # every test password has "-pw-" in it
                problems.append("a password in the server log: %s" % l)
        if self.args.verbose or problems:
            for l in lines:
                print("    | " + l)
            for s in self.logs:
                for l in self.new_lines(s, before):
                    print("    [%s] %s" % (s, l))
        self.report(name, not problems, problems, time.monotonic() - started)

    def kinit(self, principal, password, cc, config=None):
        kenv = dict(os.environ)
        kenv.update({"KRB5_CONFIG": config or self.kdc_env["KRB5_CONFIG"], "KRB5CCNAME": "FILE:" + cc})
        p = subprocess.run(["kinit", principal], env=kenv, input=password.encode() + b"\n",
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
        if p.returncode != 0:
            raise RuntimeError("kinit %s failed: %s" % (principal, p.stdout.decode(errors="replace")))

    def kadmin(self, query):
        kenv = dict(os.environ)
        kenv.update(self.kdc_env)
        p = subprocess.run(["kadmin.local", "-r", "WSMAUTO.TEST", "-q", query], env=kenv, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
        if p.returncode != 0:
            raise RuntimeError("kadmin.local -q %r failed: %s" % (query, p.stdout.decode(errors="replace")))

    def setup(self, name, cc, env):
        """What a script needs besides an empty ticket cache (see the top of the file)."""
        if name == "gss_implicit.vbs":
            self.kinit("alice@WSMAUTO.TEST", "alice-pw-1", cc)
        elif name == "gss_expired.vbs":
            # test_gss.c's way: bob's tickets live 2 seconds (the realm is this run's own).
            self.kadmin('modprinc -maxlife "2 seconds" bob')
            self.kinit("bob@WSMAUTO.TEST", "bob-pw-2", cc)
            time.sleep(3)
        elif name == "credssp_policy.vbs":
            # client.conf whose delegation policy does not name the server
            config = os.path.join(self.workdir, "client-nodelegation.conf")
            with open(config, "w", newline="\r\n") as f:
                f.write("[Client]\nAllowUnencrypted = true\n[Client/Auth]\nCredSSP = true\n"
                        "AllowFreshCredentials = WSMAN/*.example.com\n")
            env["WSMAUTO_CLIENT_CONFIG"] = self.winpath(config)
        elif name == "gss_kdcdown.vbs":
            self.kinit("alice@WSMAUTO.TEST", "alice-pw-1", cc)
            env["KRB5_CONFIG"] = self.kdc_down_config()
        elif name == "gss_skew.vbs":
            self.kinit("alice@WSMAUTO.TEST", "alice-pw-1", cc)
            set_ccache_time_offset(cc, 3600)
        elif name == "gss_nontlm.vbs":
            env["PATH"] = self.path_without("ntlm_auth")

    def kdc_down_config(self):
        """A copy of the realm's krb5.conf whose KDC is a loopback port nothing listens on."""
        out = os.path.join(self.workdir, "krb5-kdc-down.conf")
        with socket.socket() as sk:
            sk.bind(("127.0.0.1", 0))
            port = sk.getsockname()[1]
        with open(self.kdc_env["KRB5_CONFIG"]) as f:
            text = f.read()
        text, n = re.subn(r"kdc = 127\.0\.0\.1:\d+", "kdc = 127.0.0.1:%d" % port, text)
        if n != 1:
            raise RuntimeError("no kdc line in %s" % self.kdc_env["KRB5_CONFIG"])
        with open(out, "w") as f:
            f.write(text)
        return out

    def path_without(self, program):
        """A PATH with every program of this one but `program` (links in DIR/path-without-PROGRAM)."""
        d = os.path.join(self.workdir, "path-without-" + program)
        if not os.path.isdir(d):
            os.makedirs(d)
            for dirname in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep):
                if not os.path.isdir(dirname):
                    continue
                for entry in os.listdir(dirname):
                    link = os.path.join(d, entry)
                    if entry != program and not os.path.lexists(link):
                        os.symlink(os.path.join(dirname, entry), link)
        if shutil.which(program, path=d):
            raise RuntimeError("%s is still on the PATH %s" % (program, d))
        return d

    def report(self, label, passed, problems, seconds=None):
        self.results.append((label, passed))
        took = " (%.1f s)" % seconds if seconds is not None else ""
        print(("PASS " if passed else "FAIL ") + label + took, flush=True)
        for p in problems if not passed else []:
            print("    " + p, flush=True)

    def main(self):
        os.makedirs(self.workdir, exist_ok=True)
        if not shutil.which("ntlm_auth"):
            raise RuntimeError("Samba's ntlm_auth is missing (Debian package winbind; tools/install-deps.sh)")
        self.make_prefix()
        dll = os.path.join(self.workdir, "WSMAuto.dll")
        shutil.copyfile(self.args.dll, dll)
        for prog in ("cscript", "regsvr32"):
            d = "system32" if self.arch == "64" else "syswow64"
            if not os.path.exists(os.path.join(self.prefix, "drive_c", "windows", d, prog + ".exe")):
                raise RuntimeError("the prefix has no C:\\windows\\%s\\%s.exe%s" % (
                    d, prog, " (the 32-bit programs need wine32:i386; then remove %s)" % self.prefix
                    if self.arch == "32" else ""))
        p = self.run([self.wine, self.program("regsvr32"), "/s", self.winpath(dll)], timeout=120)
        self.report("regsvr32 WSMAuto.dll (%s-bit)" % self.arch, p.returncode == 0,
                    ["exit status %d" % p.returncode])
        if p.returncode != 0:
            return
        certs = os.path.join(self.workdir, "certs")
        subprocess.run(["sh", MAKE_CERTS, certs], check=True, timeout=120, stdout=subprocess.DEVNULL)
        config = os.path.join(self.workdir, "client.conf")
        with open(config, "w", newline="\r\n") as f:
            f.write("# written by tests/wine/run_gss_scripts.py\n[Client]\nAllowUnencrypted = true\n"
                    "MaxEnvelopeSizekb = 20000\n[Client/Auth]\nCredSSP = true\n"
                    "AllowFreshCredentials = WSMAN/localhost, WSMAN/127.0.0.1\n")
        self.env["WSMAUTO_CLIENT_CONFIG"] = self.winpath(config)
        self.start_kdc()
        gss = self.start_server("gss", ["--auth", "negotiate,kerberos"])
        allow = self.start_server("allow", ["--auth", "negotiate,kerberos", "--gss-encryption", "allow"])
        https = self.start_server("https", ["--auth", "negotiate,kerberos", "--require-cbt", "--tls-cert",
                                            os.path.join(certs, "server.pem"), "--tls-key",
                                            os.path.join(certs, "server.key")])
        omi = self.start_server("omi", ["--auth", "negotiate,kerberos", "--flavor", "omi"])
        # --credssp-key ec: Wine 8's WinHTTP cuts every reply header line at about 1460 bytes, so the server's
        # first TLS flight in WWW-Authenticate must be small (an RSA-2048 certificate's is not: docs/windows.md)
        credssp = self.start_server("credssp", ["--auth", "credssp", "--credssp-key", "ec"])
        credsspssl = self.start_server("credsspssl", ["--auth", "credssp", "--credssp-key", "ec", "--tls-cert",
                                                      os.path.join(certs, "server.pem"), "--tls-key",
                                                      os.path.join(certs, "server.key")])
        badpk = self.start_server("badpk", ["--auth", "credssp", "--credssp-key", "ec", "--credssp-bad-pubkey"])
        args = []
        for name, extra in SERVERS:
            port = self.start_server(name, (["--auth", "negotiate,kerberos"] if "--auth" not in extra else [])
                                     + extra)
            args += ["%s=http://localhost:%d/wsman" % (name, port), "%sip=http://127.0.0.1:%d/wsman" % (name, port)]
        args += ["http=http://localhost:%d/wsman" % gss, "httpip=http://127.0.0.1:%d/wsman" % gss,
                "allow=http://localhost:%d/wsman" % allow, "allowip=http://127.0.0.1:%d/wsman" % allow,
                "https=https://localhost:%d/wsman" % https, "omi=http://localhost:%d/wsman" % omi,
                "omiip=http://127.0.0.1:%d/wsman" % omi, "user=alice@WSMAUTO.TEST", "password=alice-pw-1",
                "credssp=http://localhost:%d/wsman" % credssp, "credsspip=http://127.0.0.1:%d/wsman" % credssp,
                "credsspssl=https://localhost:%d/wsman" % credsspssl, "badpk=http://localhost:%d/wsman" % badpk,
                "pwsha256=" + hashlib.sha256(b"alice-pw-1").hexdigest(),
                "ntlmuser=WSMAUTO\\alice", "arch=" + self.arch] + (["verbose=1"] if self.args.verbose else [])
        names = sorted(f for f in os.listdir(GSS) if f.lower().endswith((".vbs", ".js"))
                       and not f.lower().startswith("common"))
        if self.args.only:
            names = [n for n in names if n in self.args.only or os.path.splitext(n)[0] in self.args.only]
        else:
            names = [n for n in names if n not in PENDING]
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
    ap.add_argument("--arch", choices=("64", "32"), default="64",
                    help="the DLL's architecture: 64 (System32's regsvr32 and cscript, the default) or 32 "
                    "(SysWOW64's, in the same 64-bit prefix; needs wine32)")
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
