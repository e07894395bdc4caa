#!/usr/bin/python3
# Runs the VBScript/JScript test suite (tests/wine/*.vbs, *.js) and the
# script examples (examples/vbscript, examples/jscript) against the Windows
# build of WSMAuto.dll (64-bit or 32-bit) under Wine, with `cscript //nologo`.
#
#   run_scripts.py --dll PATH --workdir DIR [--arch 64|32] [--only NAME ...] [--timeout S] [--no-examples] [-v]
#
# What it does:
#   * makes (or reuses) a private 64-bit prefix DIR/prefix (WINEARCH=win64,
#     WINEDEBUG=-all, WINEDLLOVERRIDES="mscoree,mshtml=", `wineboot -i`);
#   * --arch 64 (the default) tests the 64-bit DLL with the 64-bit programs
#     C:\windows\system32\regsvr32.exe and cscript.exe; --arch 32 tests the
#     32-bit DLL with C:\windows\syswow64\regsvr32.exe and cscript.exe (needs
#     wine32). Both are started with the 64-bit loader (wine64), which starts
#     each program as the architecture of its directory: Debian's `wine` is the
#     32-bit loader once wine32 is installed, and it starts even
#     C:\windows\system32\cscript.exe as the 32-bit one;
#   * copies the DLL to DIR/WSMAuto.dll and registers it with
#     `regsvr32 /s <its Windows path>` (the exit status must be 0);
#   * starts tests/server/wsman_server.py instances on ephemeral ports: plain
#     HTTP with Basic+Digest, HTTPS with a certificate for localhost from the
#     test CA, HTTPS with a certificate for the wrong name (tests/tls/make-certs.sh),
#     and one HTTP server for the examples (they change its state);
#   * writes DIR/client.conf (AllowUnencrypted = true: Basic over plain HTTP
#     needs it, docs/client-config.md) and passes its Windows path in
#     WSMAUTO_CLIENT_CONFIG;
#   * runs every script: tests/wine/common.vbs (or common.js) is put in front
#     of each test script (VBScript has no include) and the combined file is
#     written to DIR/scripts/, so a failing script can be re-run by hand with
#     the command `-v` prints. The arguments are name=value pairs
#     (http=, https=, httpswrongcn=, user=, password=, mode=, arch=: the
#     architecture registration.vbs checks the script host is);
#   * a script passes only when cscript exits 0, no output line starts with
#     FAIL and the last line is exactly `SUCCESS <scriptname>` (Wine's cscript
#     exits 0 and prints nothing on a script error, so a script that dies
#     early fails here); a script that runs longer than --timeout fails;
#   * then unregisters the DLL (`regsvr32 /u /s`), runs registration.vbs in
#     mode=unregistered (every CreateObject must fail with error 429),
#     registers it again and runs registration.vbs once more;
#   * prints one line per script and `wine_scripts: N passed, M failed`, and
#     exits 0 only when everything passed and at least one script ran;
#   * stops the servers and the prefix's wineserver at the end, also on
#     Ctrl-C, SIGTERM and errors.
#
# SPDX-License-Identifier: MIT
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
SERVER = os.path.join(SOURCE, "tests", "server", "wsman_server.py")
MAKE_CERTS = os.path.join(SOURCE, "tests", "tls", "make-certs.sh")
PYTHON = "/usr/bin/python3"  # the server needs Debian's python3-lxml
USER, PASSWORD = "wsmuser", "wsmpass"
# Scripts of tests/wine that are not part of this suite (common.* is put in front of the others; wow64.vbs is
# run by run_wow64_test.py with both DLLs in one prefix).
NOT_IN_SUITE = ("common", "wow64")
# Examples that need more than the Basic server (a Kerberos realm): ctest runs them through
# tools/run-wine-example.sh --negotiate (tests/wine/CMakeLists.txt).
EXAMPLES_ELSEWHERE = ("negotiate.vbs",)
# Where each architecture's programs are in a 64-bit prefix.
SYSTEM_DIR = {"64": "C:\\windows\\system32", "32": "C:\\windows\\syswow64"}


def wine_loader():
    """The 64-bit loader: it starts C:\\windows\\system32\\*.exe as 64-bit and C:\\windows\\syswow64\\*.exe as
    32-bit programs. Debian's `wine` is the 32-bit loader once wine32 is installed, and that one starts the
    32-bit programs for both paths. Without a wine64, `wine` (a 64-bit-only Wine)."""
    found = shutil.which("wine64")
    if found:
        return found
    for path in ("/usr/lib/wine/wine64", "/usr/lib64/wine/wine64", "/usr/lib/x86_64-linux-gnu/wine/wine64"):
        if os.access(path, os.X_OK):
            return path
    return "wine"


def run_wine(argv, env, timeout):
    """Runs a (Wine) program with its output going to temporary files rather than pipes: the system processes
    a Wine program starts (services.exe, conhost and the like) inherit its standard handles and live on for
    a few seconds after it exits, so reading a pipe to its end waits for them -- 2.7 s for every program
    instead of 0.1 s. Returns a CompletedProcess; raises subprocess.TimeoutExpired (after killing the
    program's process group) when it runs longer than timeout."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(argv, proc.returncode, out.read(), err.read())


class Harness:
    def __init__(self, args):
        self.args = args
        self.workdir = os.path.abspath(args.workdir)
        self.prefix = os.path.join(self.workdir, "prefix")
        self.env = dict(os.environ)
        self.env.update({
            "WINEPREFIX": self.prefix,
            "WINEARCH": "win64",
            "WINEDEBUG": "-all",
            "WINEDLLOVERRIDES": "mscoree,mshtml=",
        })
        # Nothing of the user's own wsmauto configuration.
        self.env.pop("WSMAUTO_CLIENT_CONFIG", None)
        self.servers = []
        self.results = []  # (name, passed)
        self.scripts_run = 0
        self.wine_started = False
        self.loader = wine_loader()
        self.arch = getattr(args, "arch", "64")

    def log(self, text):
        if self.args.verbose:
            print(text, flush=True)

    # ---- wine ----

    def program(self, name, arch=None):
        """C:\\windows\\system32\\NAME.exe (64-bit) or C:\\windows\\syswow64\\NAME.exe (32-bit)."""
        return "%s\\%s.exe" % (SYSTEM_DIR[arch or self.arch], name)

    def wine(self, argv, timeout=300, check=False):
        self.wine_started = True
        self.log("+ %s %s" % (self.loader, " ".join(argv)))
        p = run_wine([self.loader] + argv, self.env, timeout)
        if check and p.returncode != 0:
            raise RuntimeError("wine %s failed (exit %d): %s" % (" ".join(argv), p.returncode,
                                                                  p.stderr.decode(errors="replace")))
        return p

    def winpath(self, path):
        self.wine_started = True
        p = run_wine(["winepath", "-w", path], self.env, 120)
        out = p.stdout.decode(errors="replace").strip()
        if p.returncode != 0 or not out:
            raise RuntimeError("winepath -w %s failed: %s" % (path, p.stderr.decode(errors="replace")))
        return out

    def make_prefix(self):
        if os.path.exists(os.path.join(self.prefix, "system.reg")):
            self.log("reusing the prefix " + self.prefix)
            return
        self.log("creating the prefix " + self.prefix)
        self.wine_started = True
        # make_prefix.sh: a copy of $WSMAUTO_WINE_TEMPLATE when the ctest sets it, else `wineboot -i`; the
        # first start's processes (they sync the host's root certificates into the prefix) have finished.
        p = subprocess.run(["sh", os.path.join(HERE, "make_prefix.sh"), self.prefix], env=self.env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=900, stdin=subprocess.DEVNULL)
        if p.returncode != 0 or not os.path.exists(os.path.join(self.prefix, "system.reg")):
            raise RuntimeError("make_prefix.sh %s failed (exit %d): %s" % (self.prefix, p.returncode,
                                                                         p.stdout.decode(errors="replace")))

    def check_programs(self, archs):
        """The prefix has the script host and regsvr32 of every architecture in archs."""
        for arch in archs:
            d = "system32" if arch == "64" else "syswow64"
            for name in ("cscript", "regsvr32"):
                if not os.path.exists(os.path.join(self.prefix, "drive_c", "windows", d, name + ".exe")):
                    hint = (" (the 32-bit programs need wine32: dpkg --add-architecture i386; apt-get install "
                            "wine32:i386; then remove %s)" % self.prefix) if arch == "32" else ""
                    raise RuntimeError("the prefix has no C:\\windows\\%s\\%s.exe%s" % (d, name, hint))

    def register_dll(self, dll_win, arch, unregister=False):
        argv = [self.program("regsvr32", arch)] + (["/u"] if unregister else []) + ["/s", dll_win]
        return self.wine(argv, timeout=120).returncode

    def register(self, unregister=False):
        return self.register_dll(self.dll_win, self.arch, unregister)

    # ---- servers ----

    def start_server(self, name, extra):
        d = os.path.join(self.workdir, "servers")
        os.makedirs(d, exist_ok=True)
        port_file = os.path.join(d, name + ".port")
        log_file = os.path.join(d, name + ".log")
        for f in (port_file, log_file):
            if os.path.exists(f):
                os.unlink(f)
        argv = [PYTHON, SERVER, "--port-file", port_file, "--log", log_file, "--user",
                "%s:%s" % (USER, PASSWORD)] + extra
        self.log("+ " + " ".join(argv))
        err = open(os.path.join(d, name + ".stderr"), "wb")
        proc = subprocess.Popen(argv, stdout=err, stderr=err, stdin=subprocess.DEVNULL, start_new_session=True)
        err.close()
        self.servers.append(proc)
        deadline = time.time() + 120  # a guard against a server that never starts, not a measurement
        while not os.path.exists(port_file):
            if proc.poll() is not None:
                raise RuntimeError("the %s server exited with %d (see %s.stderr)" % (name, proc.returncode,
                                                                                    os.path.join(d, name)))
            if time.time() > deadline:
                raise RuntimeError("the %s server did not start" % name)
            time.sleep(0.05)
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

    # ---- scripts ----

    def combined(self, path):
        """Writes common.vbs/common.js + the script to DIR/scripts/<name> (ASCII checked, CRLF)."""
        name = os.path.basename(path)
        ext = os.path.splitext(name)[1].lower()
        common = os.path.join(HERE, "common" + ext)
        parts = []
        if os.path.dirname(os.path.abspath(path)) == HERE and os.path.exists(common):
            parts.append(common)
        parts.append(path)
        text = ""
        for p in parts:
            with open(p, "rb") as f:
                raw = f.read()
            if ext == ".vbs":
                try:
                    raw.decode("ascii")
                except UnicodeDecodeError:
                    raise RuntimeError("%s is not ASCII (Wine's VBScript needs ASCII files)" % p)
            body = raw.decode("utf-8").replace("\r\n", "\n")
            if not body.endswith("\n"):
                body += "\n"
            text += body
        out_dir = os.path.join(self.workdir, "scripts")
        if os.path.dirname(os.path.abspath(path)) != HERE:
            out_dir = os.path.join(out_dir, os.path.basename(os.path.dirname(path)))
        os.makedirs(out_dir, exist_ok=True)
        out = os.path.join(out_dir, name)
        # JScript files may hold non-ASCII text: UTF-8 with a BOM, which Wine's script host reads as UTF-8.
        data = text.replace("\n", "\r\n").encode("utf-8")
        if ext == ".js":
            try:
                data.decode("ascii")
            except UnicodeDecodeError:
                data = b"\xef\xbb\xbf" + data
        with open(out, "wb") as f:
            f.write(data)
        return out

    def run_script(self, label, path, script_args, marker_name=None, arch=None):
        name = marker_name or os.path.basename(path)
        try:
            combined = self.combined(path)
            win = self.winpath(combined)
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            self.report(label, False, ["harness: %s" % e])
            return False
        argv = [self.loader, self.program("cscript", arch), "//nologo", win] + script_args
        self.scripts_run += 1
        self.log("+ " + " ".join(argv))
        self.wine_started = True
        started = time.monotonic()
        timed_out = False
        try:
            proc = run_wine(argv, self.env, self.args.timeout)
            out, err = proc.stdout, proc.stderr
        except subprocess.TimeoutExpired as e:
            timed_out = True
            proc = subprocess.CompletedProcess(argv, -9)
            out, err = e.stdout or b"", e.stderr or b""
        lines = [l.rstrip("\r") for l in out.decode("utf-8", errors="replace").split("\n")]
        while lines and not lines[-1].strip():
            lines.pop()
        problems = [l for l in lines if l.startswith("FAIL") and not l.startswith("FAILED ")]
        if timed_out:
            problems.append("timed out after %d s" % self.args.timeout)
        if proc.returncode != 0 and not timed_out:
            problems.append("cscript exit status %d" % proc.returncode)
        if not lines or lines[-1] != "SUCCESS " + name:
            if lines and lines[-1].startswith("FAILED "):
                problems.append(lines[-1])
            else:
                problems.append("no success marker: last line %r (the script stopped early, e.g. on an "
                                "unexpected error)" % (lines[-1] if lines else ""))
        passed = not problems
        if self.args.verbose:
            for l in lines:
                print("    | " + l)
            for l in err.decode("utf-8", errors="replace").splitlines():
                if l.strip():
                    print("    ! " + l)
        self.report(label, passed, problems, time.monotonic() - started)
        return passed

    def report(self, label, passed, problems, seconds=None):
        took = " (%.1f s)" % seconds if seconds is not None else ""
        self.results.append((label, passed))
        print(("PASS " if passed else "FAIL ") + label + took, flush=True)
        if not passed:
            for p in problems:
                print("    " + p, flush=True)

    # ---- the run ----

    def selected(self, name):
        if not self.args.only:
            return True
        # "enumerate", "enumerate.vbs", "get_instance" (both example languages), "jscript/get_instance.js", ...
        forms = {name, os.path.splitext(name)[0], os.path.basename(name),
                 os.path.splitext(os.path.basename(name))[0]}
        return any(o in forms for o in self.args.only)

    def run(self):
        os.makedirs(self.workdir, exist_ok=True)
        if not os.path.isfile(self.args.dll):
            raise RuntimeError("no DLL at %s" % self.args.dll)
        self.make_prefix()
        self.check_programs([self.arch])
        dll = os.path.join(self.workdir, "WSMAuto.dll")
        shutil.copyfile(self.args.dll, dll)
        self.dll_win = self.winpath(dll)
        rc = self.register()
        self.report("regsvr32 WSMAuto.dll", rc == 0, ["regsvr32 /s exited with %d" % rc])
        if rc != 0:
            return

        certs = os.path.join(self.workdir, "certs")
        subprocess.run(["sh", MAKE_CERTS, certs], check=True, timeout=120)
        config = os.path.join(self.workdir, "client.conf")
        with open(config, "w", newline="\r\n") as f:
            f.write("# written by tests/wine/run_scripts.py\n[Client]\n"
                    "# Basic and Digest over plain HTTP need SessionFlagNoEncryption, which needs this.\n"
                    "AllowUnencrypted = true\n")
        self.env["WSMAUTO_CLIENT_CONFIG"] = self.winpath(config)

        tests = sorted(f for f in os.listdir(HERE)
                       if f.lower().endswith((".vbs", ".js")) and os.path.splitext(f)[0].lower() not in NOT_IN_SUITE)
        tests = [t for t in tests if self.selected(t)]
        examples = []
        if not self.args.no_examples:
            for lang in ("vbscript", "jscript"):
                d = os.path.join(SOURCE, "examples", lang)
                if os.path.isdir(d):
                    examples += [os.path.join(d, f) for f in sorted(os.listdir(d))
                                 if f.lower().endswith((".vbs", ".js")) and f not in EXAMPLES_ELSEWHERE
                                 and self.selected(lang + "/" + f)]
        if not tests and not examples:
            print("wine_scripts: no script matches --only %s" % " ".join(self.args.only))
            return

        http = self.start_server("http", ["--auth", "basic,digest"])
        https = self.start_server("https", ["--auth", "basic,digest", "--tls-cert", os.path.join(certs, "server.pem"),
                                            "--tls-key", os.path.join(certs, "server.key")])
        wrong = self.start_server("https-wrongcn", ["--auth", "basic,digest",
                                                    "--tls-cert", os.path.join(certs, "wrongcn.pem"),
                                                    "--tls-key", os.path.join(certs, "wrongcn.key")])
        common_args = ["http=http://127.0.0.1:%d/wsman" % http, "https=https://localhost:%d/wsman" % https,
                       "httpswrongcn=https://localhost:%d/wsman" % wrong, "user=" + USER,
                       "password=" + PASSWORD, "arch=" + self.arch]

        for t in tests:
            self.run_script(t, os.path.join(HERE, t), common_args + ["mode=registered"])

        if examples:
            ex_port = self.start_server("examples", ["--auth", "basic"])
            for path in examples:
                lang = os.path.basename(os.path.dirname(path))
                self.run_script("%s/%s" % (lang, os.path.basename(path)), path,
                                ["http://127.0.0.1:%d/wsman" % ex_port, USER, PASSWORD])

        if "registration.vbs" in tests:
            rc = self.register(unregister=True)
            self.report("regsvr32 /u WSMAuto.dll", rc == 0, ["regsvr32 /u /s exited with %d" % rc])
            self.run_script("registration.vbs (unregistered)", os.path.join(HERE, "registration.vbs"),
                            common_args + ["mode=unregistered"])
            rc = self.register()
            self.report("regsvr32 WSMAuto.dll (again)", rc == 0, ["regsvr32 /s exited with %d" % rc])
            self.run_script("registration.vbs (registered again)", os.path.join(HERE, "registration.vbs"),
                            common_args + ["mode=registered"])

    def cleanup(self):
        self.stop_servers()
        if self.wine_started:
            subprocess.run(["wineserver", "-k"], env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           timeout=60)


def main():
    ap = argparse.ArgumentParser(description="Run the VBScript/JScript tests of WSMAuto.dll under Wine.")
    ap.add_argument("--dll", required=True, help="the Windows build of WSMAuto.dll")
    ap.add_argument("--workdir", required=True, help="scratch directory (the prefix lives in WORKDIR/prefix)")
    ap.add_argument("--arch", choices=("64", "32"), default="64",
                    help="the DLL's architecture: 64 (System32's regsvr32 and cscript, the default) or 32 "
                         "(SysWOW64's, in the same 64-bit prefix; needs wine32)")
    ap.add_argument("--only", nargs="+", default=[], metavar="NAME",
                    help="run only these scripts (file name with or without extension; "
                         "vbscript/NAME or jscript/NAME for examples)")
    ap.add_argument("--timeout", type=int, default=120, help="seconds per script (default 120)")
    ap.add_argument("--no-examples", action="store_true", help="do not run examples/vbscript and examples/jscript")
    ap.add_argument("-v", "--verbose", action="store_true", help="show commands and every script's output")
    args = ap.parse_args()

    def on_term(signum, frame):
        raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, on_term)
    h = Harness(args)
    error = None
    try:
        h.run()
    except KeyboardInterrupt:
        error = "interrupted"
    except (RuntimeError, OSError, subprocess.SubprocessError) as e:
        error = str(e)
    finally:
        try:
            h.cleanup()
        except (OSError, subprocess.SubprocessError) as e:
            print("cleanup: %s" % e, file=sys.stderr)
    passed = sum(1 for _, ok in h.results if ok)
    failed = len(h.results) - passed
    if error:
        print("wine_scripts: error: %s" % error)
        failed += 1
    print("wine_scripts: %d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 and h.scripts_run > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
