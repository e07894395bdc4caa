#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""wsmanctl end to end: the built CLI against the bundled server (tests/server) over loopback.

Usage: run_cli_tests.py WSMANCTL SOURCE_DIR

Covers every operation, each output format, the exit statuses (0, 1, 2 with no request sent), many hosts with
some down, exec with streamed output and a non-zero remote exit code, the password prompt and the progress line
on a terminal (a pty), TLS with and without verification, UTF-16 requests, -options, -fragment and -file; switches
that contradict each other (exit 2, nothing sent, both switches named), switches given twice (the values quoted as
typed), the @{} error offsets, and that no error wsmanctl prints names one of the API's flags.
Prints "cli: N passed, N failed" and exits non-zero when anything failed.
"""
import os
import pty
import re
import resource
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

WSMANCTL = os.path.abspath(sys.argv[1])
SRC = os.path.abspath(sys.argv[2])
PYTHON = "/usr/bin/python3"
SERVER = os.path.join(SRC, "tests", "server", "wsman_server.py")
HANG_GUARD = 120  # seconds: only to turn a hang into a failure, never a timing assertion

passed = 0
failed = 0
# Names of the library's API that a wsmanctl user never typed: no output of any run may show one.
API_NAMES = re.compile(r"SessionFlag|WSManFlag|EnumerationFlag|ConnectionOptions|connection string|"
                       r"Proxy(?:IEConfig|WinHttpConfig|AutoDetect|NoProxyServer)")
api_leaks = []


def watch(args, text):
    m = API_NAMES.search(text)
    if m:
        api_leaks.append(f"{args}: ...{text[max(0, m.start() - 80):m.end() + 40]}...")


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)


class Server:
    def __init__(self, work, name, *args):
        self.dir = os.path.join(work, name)
        os.makedirs(self.dir)
        self.log = os.path.join(self.dir, "log")
        portfile = os.path.join(self.dir, "port")
        self.proc = subprocess.Popen([PYTHON, SERVER, "--port", "0", "--port-file", portfile, "--log", self.log,
                                      *args])
        deadline = time.monotonic() + 30
        while not os.path.exists(portfile):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server {name} did not start")
            time.sleep(0.05)
        with open(portfile) as f:
            self.port = int(f.read().strip())

    def url(self, host="127.0.0.1", scheme="http"):
        return f"{scheme}://{host}:{self.port}/wsman"

    def log_lines(self):
        try:
            with open(self.log) as f:
                return f.read().splitlines()
        except FileNotFoundError:
            return []

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def run(args, env, stdin_data=None, timeout=HANG_GUARD, nofile=None):
    """nofile: (soft, hard) open-file limit (RLIMIT_NOFILE) for wsmanctl."""
    limit = (lambda: resource.setrlimit(resource.RLIMIT_NOFILE, nofile)) if nofile else None
    p = subprocess.run([WSMANCTL, *args], input=stdin_data, capture_output=True, env=env, timeout=timeout,
                       preexec_fn=limit)
    err = p.stderr.decode("utf-8", "replace")
    watch(args, err)
    return p.returncode, p.stdout.decode("utf-8", "replace"), err


def run_pty(args, env, answer=None, timeout=HANG_GUARD):
    """Runs wsmanctl with stdin, stdout and stderr on a pty; answers a password prompt. Returns (rc, output)."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(WSMANCTL, [WSMANCTL, *args], env)
    out = b""
    answered = False
    deadline = time.monotonic() + timeout
    while True:
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            break
        r, _, _ = select.select([fd], [], [], 0.5)
        if fd in r:
            try:
                data = os.read(fd, 65536)
            except OSError:
                break
            if not data:
                break
            out += data
            if answer is not None and not answered and b"Password for" in out:
                os.write(fd, answer.encode() + b"\r")
                answered = True
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    watch(args, out.decode("utf-8", "replace"))
    return os.waitstatus_to_exitcode(status), out.decode("utf-8", "replace")


def refused_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def main():
    work = tempfile.mkdtemp(prefix="wsmanctl-test-")
    servers = []
    try:
        certs = os.path.join(work, "certs")
        subprocess.run(["sh", os.path.join(SRC, "tests", "tls", "make-certs.sh"), certs], check=True)
        conf = os.path.join(work, "client.conf")
        with open(conf, "w") as f:
            f.write(f"[Client]\nAllowUnencrypted = true\nCAFile = {certs}/ca.pem\n")
        strict_conf = os.path.join(work, "strict.conf")
        with open(strict_conf, "w") as f:
            f.write("[Client]\nAllowUnencrypted = false\n")
        env = dict(os.environ, WSMAUTO_CLIENT_CONFIG=conf)

        a = Server(work, "a", "--auth", "basic,digest", "--allow-shell", "--instances", "300")
        b = Server(work, "b", "--auth", "basic", "--machine", "host-b")
        tls = Server(work, "tls", "--auth", "basic", "--tls-cert", f"{certs}/server.pem", "--tls-key",
                     f"{certs}/server.key")
        wrongcn = Server(work, "wrongcn", "--auth", "basic", "--tls-cert", f"{certs}/wrongcn.pem", "--tls-key",
                         f"{certs}/wrongcn.key")
        servers += [a, b, tls, wrongcn]
        # Basic over plain HTTP needs -unencrypted and AllowUnencrypted in the client configuration, as on Windows.
        cred = ["-a:basic", "-u:wsmuser", "-p:wsmpass", "-unencrypted"]
        ra = ["-r:" + a.url()] + cred

        help_tests(env)
        operation_tests(a, ra, env)
        format_tests(ra, env)
        error_tests(a, ra, cred, env, strict_conf)
        usage_tests(a, ra, env)
        contradiction_tests(a, tls, cred, env, work)
        cli_words_tests(a, cred, env, strict_conf)
        tls_tests(tls, wrongcn, cred[:-1], env, work)
        fanout_tests(a, b, cred, env, work)
        fd_limit_tests(a, b, cred, env, work)
        exec_tests(a, ra, cred, env, work)
        tty_tests(a, ra, cred, env)
        interrupt_tests(a, cred, env, work)
        check("no error names an API flag or object instead of a switch", not api_leaks, "\n".join(api_leaks))
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"cli: {passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


def help_tests(env):
    rc, out, err = run(["--help"], env)
    check("--help exit 0", rc == 0, err)
    for op in ("get", "set", "create", "delete", "enumerate", "invoke", "identify", "helpmsg", "exec"):
        check(f"--help lists {op}", re.search(r"\b" + op + r"\b", out) is not None)
    for spelling in (["help", "get"], ["get", "-?"], ["GET", "/?"], ["get", "--help"]):
        rc, out, err = run(spelling, env)
        check(f"help {spelling}", rc == 0 and "get" in out.lower() and len(out) > 50, out + err)
    rc, out, err = run([], env)
    check("no arguments: a usage error with the hint", rc == 2 and "--help" in err, out + err)
    help_and_man_agree(env)


def help_and_man_agree(env):
    """--help, help OP and the man page list the same switches, defaults and exit statuses."""
    with open(os.path.join(SRC, "docs", "wsmanctl.1")) as f:
        man = f.read()
    plain = man.replace("\\-", "-").replace("\\(aq", "'")
    def switches(text):
        """The switch names of a help text: its lines "  -r, -remote:...", "  -usessl", "  -?, --help"."""
        found = set()
        for line in text.splitlines():
            if line.startswith("  -"):
                found.update(re.findall(r"-(-?[A-Za-z?]+)", line.split(":")[0]))
        return found

    rc, out, err = run(["--help"], env)
    names = switches(out)
    check("the help lists the switches", len(names) > 30, sorted(names))
    missing = [n for n in sorted(names) if "-" + n not in plain]
    check("every switch of --help is in the man page", not missing, missing)
    for op in ("get", "set", "create", "delete", "enumerate", "invoke", "identify", "exec"):
        rc, text, err = run(["help", op], env)
        listed = switches(text)
        check(f"help {op}: its switches are those of --help", listed and listed <= names, listed - names)
    # the defaults
    check("default authentication: Kerberos in both",
          "Default: Kerberos; Negotiate to localhost" in out and "default applies, as on Windows: Kerberos" in plain
          and "default: Negotiate" not in out, out)
    for help_says, man_says in (("(default 60000)", "(default 60000)"), ("(default 32)", "(default 32)"),
                                ("utf-16\n      The character encoding of the requests (default utf-8)",
                                 "UTF\\-8 is the default"),
                                ("tree (default)", "(the default) The indented tree"),
                                ("wql (the default)", "the filter is WQL"),
                                ("instances (the default)", "instances (the default)"),
                                ("(default: winhttp", "(the default) from the client configuration")):
        check(f"help and man page agree: {help_says!r}", help_says in out and man_says in man,
              f"help: {help_says in out}, man: {man_says in man}")
    # identify goes to localhost without -r
    rc, text, err = run(["help", "identify"], env)
    check("identify without -r: localhost, in the help and the man page",
          "Without -r, asks localhost" in text and "Needs -r" not in text and "Needs\n.BR \\-r:" not in man and
          "Without\n.B \\-r:\nit asks\n.B localhost" in man, text)
    # the exit statuses
    statuses = re.findall(r"^  (\d)  ", out.split("Exit status:")[-1], re.M)
    man_statuses = re.findall(r"^\.TP\n\.B (\d)$", man.split(".SH EXIT STATUS")[-1].split(".SH ")[0], re.M)
    check("help and man page list the same exit statuses", statuses == man_statuses == ["0", "1", "2"],
          f"{statuses} vs {man_statuses}")
    check("no stray roff in the man page", ".B .B" not in man and "\n.B .B" not in man)


def operation_tests(a, ra, env):
    # identify, with and without authentication
    rc, out, err = run(["identify"] + ra, env)
    check("identify", rc == 0 and out.startswith("IdentifyResponse\n") and "ProductVendor = wsmauto test server"
          in out and "10.0.20348" in out, out + err)
    rc, out, err = run(["id", "-r:" + a.url(), "-a:none"], env)
    check("identify -a:none (unauthenticated)", rc == 0 and "Stack: 3.0" in out and "10.0.20348" not in out,
          out + err)

    # get: an instance, with an alias and a selector, in the default text format
    rc, out, err = run(["get", "wmicimv2/Win32_Service?Name=Spooler"] + ra, env)
    check("get text", rc == 0 and out.startswith("Win32_Service\n") and "    Name = Spooler\n" in out and
          "    State = Stopped\n" in out, out + err)
    # the full URI spelling, and selectors with '+' joining two keys are passed through
    rc, out, err = run(["g", "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service?Name=WinRM"] + ra,
                       env)
    check("get by full URI (short form g)", rc == 0 and "Name = WinRM" in out, out + err)
    rc, out, err = run(["get", "winrm/config"] + ra, env)
    check("get winrm/config", rc == 0 and "MaxTimeoutms = " in out, out + err)

    # -fragment
    rc, out, err = run(["get", "wmicimv2/Win32_Service?Name=WinRM", "-fragment:State"] + ra, env)
    check("get -fragment", rc == 0 and "Running" in out and "DisplayName" not in out, out + err)

    # invoke with @{} input and with -file: input
    rc, out, err = run(["invoke", "StartService", "wmicimv2/Win32_Service?Name=Spooler", "@{}"] + ra, env)
    check("invoke StartService", rc == 0 and "StartService_OUTPUT" in out and "ReturnValue = 0" in out, out + err)
    rc, out, err = run(["i", "ChangeStartMode", "wmicimv2/Win32_Service?Name=Spooler", '@{StartMode="Disabled"}']
                       + ra, env)
    check("invoke with a parameter", rc == 0 and "ReturnValue = 0" in out, out + err)
    rc, out, err = run(["get", "wmicimv2/Win32_Service?Name=Spooler"] + ra, env)
    check("invoke changed the instance", "State = Running" in out and "StartMode = Disabled" in out, out + err)

    # set: Get, change, Put
    rc, out, err = run(["set", "winrm/config", '@{MaxTimeoutms="90000"}'] + ra, env)
    check("set winrm/config", rc == 0 and "MaxTimeoutms = 90000" in out, out + err)
    rc, out, err = run(["get", "winrm/config"] + ra, env)
    check("set persisted", "MaxTimeoutms = 90000" in out, out + err)
    rc, out, err = run(["set", "wmicimv2/Win32_Service?Name=w32time", "@{DisplayName='Time \"Service\" <&>'}"] + ra,
                       env)
    check("set with XML special characters", rc == 0 and 'DisplayName = Time "Service" <&>' in out, out + err)
    rc, out, err = run(["set", "wmicimv2/Win32_Service?Name=w32time", '@{NoSuchProperty="1"}'] + ra, env)
    check("set of an unknown property fails", rc == 1 and "NoSuchProperty" in err, out + err)

    # create, get, delete a WSMAuto_Item; delete again fails
    item = "wmicimv2/WSMAuto_Item"
    rc, out, err = run(["create", item + "?Id=77", '@{Id="77";Name="seventy-seven";Value="ü 77"}'] + ra, env)
    check("create", rc == 0 and "ResourceCreated" in out and "Id = 77" in out, out + err)
    rc, out, err = run(["get", item + "?Id=77"] + ra, env)
    check("get the created item", rc == 0 and "Name = seventy-seven" in out and "Value = ü 77" in out, out + err)
    rc, out, err = run(["delete", item + "?Id=77"] + ra, env)
    check("delete", rc == 0 and out == "", out + err)
    rc, out, err = run(["d", item + "?Id=77"] + ra, env)
    check("delete again fails with the WinRM code", rc == 1 and "0x8033805B" in err, out + err)

    # create from -file:
    body = os.path.join(os.path.dirname(a.log), "item.xml")
    with open(body, "w") as f:
        f.write('<p:WSMAuto_Item xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/WSMAuto_Item">'
                '<p:Id>78</p:Id><p:Name>from file</p:Name><p:Value>v</p:Value></p:WSMAuto_Item>')
    rc, out, err = run(["create", item, "-file:" + body] + ra, env)
    check("create -file:", rc == 0 and "ResourceCreated" in out, out + err)
    rc, out, err = run(["get", item + "?Id=78", "-format:xml"] + ra, env)
    check("get -format:xml", rc == 0 and "<p:Name>from file</p:Name>" in out, out + err)

    # enumerate: everything, with a WQL filter, EPRs, and shallow
    rc, out, err = run(["enumerate", "wmicimv2/Win32_Service"] + ra, env)
    check("enumerate", rc == 0 and out.count("Win32_Service\n") == 303, f"{out.count('Win32_Service')} items; {err}")
    check("enumerate: no progress line when stderr is not a terminal", "items/s" not in err, err)
    rc, out, err = run(["e", "wmicimv2/*", "-filter:select * from Win32_Service where State='Stopped'"] + ra, env)
    check("enumerate -filter (WQL by default)", rc == 0 and out.count("Win32_Service\n") > 50 and
          "State = Running" not in out, err)
    rc, out, err = run(["enum", "wmicimv2/Win32_Service", "-returnType:epr", "-format:xml"] + ra, env)
    check("enumerate -returnType:epr", rc == 0 and out.count("EndpointReference") >= 303, err)
    rc, out, err = run(["enumerate", "wmicimv2/CIM_Service", "-shallow"] + ra, env)
    check("enumerate -shallow", rc == 0 and "CIM_Service\n" in out and "Win32_Service" not in out, out + err)
    rc, out, err = run(["enumerate", "wmicimv2/Win32_Service", "-dialect:selector", '-filter:{Name="WinRM"}'] + ra, env)
    check("enumerate -dialect:selector", rc == 0 and out.count("Win32_Service\n") == 1 and "Name = WinRM" in out,
          out + err)

    # -options: the server's echo option replaces the reply with what it received
    rc, out, err = run(["get", "wmicimv2/Win32_Service?Name=WinRM", '-options:{wsmauto:echo="1"}',
                        "-format:xml"] + ra, env)
    check("-options reach the server", rc == 0 and "wsmauto:echo" in out, out + err)

    # UTF-16 requests
    before = len(a.log_lines())
    rc, out, err = run(["get", "wmicimv2/Win32_Service?Name=WinRM", "-encoding:utf-16"] + ra, env)
    lines = a.log_lines()[before:]
    check("-encoding:utf-16", rc == 0 and "Name = WinRM" in out and any("charset=utf-16" in l for l in lines),
          out + err + "\n".join(lines))

    # Digest, and the library's password prompt is not needed when -p is given
    rc, out, err = run(["get", "wmicimv2/Win32_Service?Name=WinRM", "-r:" + a.url(), "-a:Digest", "-u:wsmuser",
                        "-p:wsmpass", "-unencrypted"], env)
    check("-a:Digest", rc == 0 and "Name = WinRM" in out, out + err)

    # helpmsg: decimal, hex, negative
    for code in ("2150858843", "0x8033805B", "-2144108453"):
        rc, out, err = run(["helpmsg", code], env)
        check(f"helpmsg {code}", rc == 0 and "selector" in out.lower(), out + err)


def format_tests(ra, env):
    res = "wmicimv2/Win32_Service?Name=WinRM"
    rc, xml, err = run(["get", res, "-format:xml"] + ra, env)
    check("-format:xml is the raw reply", rc == 0 and xml.startswith("<p:Win32_Service") and "\n  <p:" not in xml,
          xml + err)
    rc, pretty, err = run(["get", res, "-format:pretty"] + ra, env)
    check("-format:pretty is indented", rc == 0 and "\n  <p:Name>WinRM</p:Name>" in pretty, pretty + err)
    rc, pretty2, err = run(["get", res, "-format:#pretty"] + ra, env)
    check("-format:#pretty (winrm's spelling)", pretty2 == pretty, pretty2 + err)
    rc, text, err = run(["get", res, "-FORMAT:TEXT"] + ra, env)
    check("-format:text", rc == 0 and text.startswith("Win32_Service\n    Caption = "), text + err)


def error_tests(a, ra, cred, env, strict_conf):
    rc, out, err = run(["get", "wmicimv2/Win32_Service?Name=NoSuchService"] + ra, env)
    check("a fault: exit 1", rc == 1, out + err)
    check("a fault: the Error text and the code on stderr",
          re.search(r"^wsmanctl: Get failed: .+ \(0x8033805B\)$", err, re.M) is not None, err)
    check("a fault: nothing on stdout", out == "", out)
    rc, out, err = run(["get", "wmicimv2/Win32_Service?Name=NoSuchService", "-format:xml"] + ra, env)
    check("a fault with -format:xml also gives the WSManFault", rc == 1 and "WSManFault" in err, err)
    rc, out, err = run(["get", "wmicimv2/NoSuchClass"] + ra, env)
    check("unknown resource: 0x80338000", rc == 1 and "(0x80338000)" in err, err)
    rc, out, err = run(["get", "wmicimv2/Win32_Service?Name=WinRM", "-r:" + a.url(), "-a:basic", "-u:wsmuser",
                        "-p:wrong", "-unencrypted"], env)
    check("wrong password: exit 1 with access denied", rc == 1 and "0x80070005" in err, err)
    check("wrong password: the password is not in any output", "wrong" not in err.replace("-p:wrong", ""), err)
    port = refused_port()
    rc, out, err = run(["identify", f"-r:http://127.0.0.1:{port}/wsman"] + cred, env)
    check("refused port: exit 1 and a reason", rc == 1 and re.search(r"\(0x[0-9A-F]{8}\)", err), err)
    # Basic over plain HTTP is refused when the client configuration does not allow unencrypted traffic
    before = len(a.log_lines())
    rc, out, err = run(["identify"] + ra, dict(env, WSMAUTO_CLIENT_CONFIG=strict_conf))
    check("Basic over HTTP refused by the client configuration", rc == 1 and "0x803380" in err, err)
    check("... and nothing was sent", len(a.log_lines()) == before)


def usage_error(args, culprits, env):
    """A usage error: exit 2, one line naming every culprit (str or tuple), the hint, nothing on stdout."""
    if isinstance(culprits, str):
        culprits = (culprits,)
    rc, out, err = run(args, env)
    lines = err.splitlines()
    check(f"usage error {args[:4]}: exit 2", rc == 2, f"rc={rc} {err}")
    check(f"usage error {args[:4]}: one line naming {culprits} plus the hint",
          len(lines) == 2 and lines[0].startswith("wsmanctl: ") and
          all(c.lower() in lines[0].lower() for c in culprits) and "--help" in lines[1], err)
    check(f"usage error {args[:4]}: nothing on stdout", out == "", out)


def usage_tests(a, ra, env):
    cases = [
        (["get", "winrm/config", "-bogus:1"] + ra, "bogus"),
        (["frobnicate", "winrm/config"] + ra, "frobnicate"),
        # @{} errors point at the character to look at (offsets count characters from 0)
        (["set", "winrm/config", '@{MaxTimeoutms="90000"'] + ra, "the '{' at offset 1 is not closed"),
        (["set", "winrm/config", '  @{a=@{b="c"}'] + ra, "the '{' at offset 3 is not closed"),
        (["set", "winrm/config", "@{=1}"] + ra, "expected a property name at offset 2"),
        (["set", "winrm/config", '@{MaxTimeoutms="1}'] + ra, "the string opened at offset 15 is not closed"),
        (["set", "winrm/config", '@{MaxTimeoutms}'] + ra, "expected '=' after 'MaxTimeoutms' at offset 14"),
        (["set", "winrm/config", '@{Max="ü" Other=1}'] + ra, "after the value of 'Max' at offset 10"),
        (["set", "winrm/config", '@{MaxTimeoutms="1"}x'] + ra, "unexpected text after the closing '}' at offset 19"),
        (["set", "winrm/config", '@{MaxTimeoutms='] + ra, "expected a value for 'MaxTimeoutms' at offset 15 (the end)"),
        (["set", "winrm/config", '@{1x=2}'] + ra, "'1x' at offset 2 is not a valid property name"),
        # a switch given twice: the values as typed
        (["get", "winrm/config", "-a:basic", "-a:digest"] + ra[1:], "('basic', then 'digest')"),
        (["get", "winrm/config", "-format:#xml", "-format:Text"] + ra, "('#xml', then 'Text')"),
        (["get", "winrm/config", "-unencrypted:no"] + ra, "('-unencrypted:no', then '-unencrypted')"),
        (["get", "wmicimv2/Win32_Service?Name"] + ra, "Name"),
        (["get", "wmi cimv2/x"] + ra, "wmi cimv2"),
        (["get", "winrm/config", "-r:bad host!"] + ra[1:], "bad host!"),
        (["get", "winrm/config", "-r:ftp://127.0.0.1/wsman"] + ra[1:], "ftp"),
        (["get", "winrm/config", "-r:127.0.0.1:99999"] + ra[1:], "99999"),
        (["get", "winrm/config", "-format:html"] + ra, "html"),
        (["get", "winrm/config", "-a:magic"] + ra[1:], "magic"),
        (["get", "winrm/config", "-timeout:soon"] + ra, "soon"),
        (["get", "winrm/config", "-filter:x"] + ra, "filter"),
        (["get"] + ra, "resource"),
        (["invoke", "StartService"] + ra, "resource"),
        (["exec"] + ra, "--"),
        (["helpmsg", "notanumber"], "notanumber"),
        (["get", "winrm/config", "-r"], "-r"),
        (["get", "winrm/config", "-hosts:/nonexistent/hosts"] + ra[1:], "/nonexistent/hosts"),
        (["create", "wmicimv2/WSMAuto_Item", "-file:/nonexistent/x.xml"] + ra, "/nonexistent/x.xml"),
    ]
    before = len(a.log_lines())
    for args, culprit in cases:
        usage_error(args, culprit, env)
    check("usage errors sent no request", len(a.log_lines()) == before, "\n".join(a.log_lines()[before:]))
    # switches: '/' and any case, value as the next word
    rc, out, err = run(["GET", "wmicimv2/Win32_Service?Name=WinRM", "/R", a.url(), "/A:Basic", "/U:wsmuser",
                        "/P:wsmpass", "/UNENCRYPTED"], env)
    check("'/' switches, upper case, value as the next word", rc == 0 and "Name = WinRM" in out, out + err)
    rc, out, err = run(["get", "wmicimv2/Win32_Service?Name=WinRM", "--remote=" + a.url(), "--authentication=basic",
                        "--username=wsmuser", "--password=wsmpass", "--unencrypted"], env)
    check("GNU --name=value spelling", rc == 0 and "Name = WinRM" in out, out + err)


def contradiction_tests(a, tls, cred, env, work):
    """Switches the library would refuse together: exit 2 naming both, and no request reaches either server."""
    http = "-r:" + a.url()
    https = "-r:" + tls.url("localhost", "https")
    user = ["-u:wsmuser", "-p:wsmpass"]
    tp = "-c:0123456789abcdef0123456789abcdef01234567"
    hosts = os.path.join(work, "mixed-hosts")
    with open(hosts, "w") as f:
        f.write(f"{a.url()}\n{tls.url('localhost', 'https')}\n")
    cases = [
        # -unencrypted with HTTPS, however HTTPS was asked for
        (["identify", https, "-a:basic", "-unencrypted"] + user, ("-unencrypted", tls.url("localhost", "https"))),
        (["identify", f"-r:localhost:{tls.port}", "-usessl", "-unencrypted", "-a:basic"] + user,
         ("-unencrypted", "-usessl")),
        (["get", "winrm/config", "/R", f"localhost:{tls.port}", "/UseSSL", "/Unencrypted", "-a:basic"] + user,
         ("/Unencrypted", "/UseSSL")),
        (["identify", "-hosts:" + hosts, "-unencrypted", "-a:basic"] + user, ("-unencrypted", "-hosts:" + hosts)),
        (["identify", "-usessl", "-r:" + a.url()] + cred[:-1], ("-usessl", a.url())),
        # -a:None takes no credentials
        (["identify", http, "-a:none"] + user, ("-u", "-a:none")),
        # -SPNPort is for Negotiate and Kerberos
        (["identify", http, "-SPNPort"] + cred, ("-SPNPort", "-a:basic")),
        # client certificates: HTTPS, -c, no -u
        (["identify", http, "-a:certificate", tp], ("-a:certificate", "HTTPS", a.url())),
        (["identify", https, "-a:certificate"], ("-a:certificate", "-c:")),
        (["identify", https, "-a:certificate", tp, "-u:wsmuser"], ("-u", "-a:certificate")),
        (["identify", https, tp, "-a:basic"] + user, ("-c", "-a:basic")),
        (["identify", https, "-a:certificate", "-c:xyz"], ("-c", "'xyz'", "thumbprint")),
        # Basic and Digest: a user, a password, and -unencrypted over HTTP
        (["identify", http, "-a:basic"], ("-a:basic", "-u:")),
        (["identify", https, "-a:digest", "-u:wsmuser", "-p:"], ("-a:digest", "-p")),
        (["identify", http, "-a:basic"] + user, ("-a:basic", "-unencrypted", a.url())),
        (["identify", "-a:Digest"] + user, ("-a:Digest", "-unencrypted", "localhost")),
        # the proxy
        (["identify", http, "-proxyaccess:ie"], ("-proxyaccess:ie", "HTTPS", a.url())),
        (["identify", https, "-proxyaccess:winhttp", "-a:kerberos"], ("-proxyaccess:winhttp", "-a:kerberos")),
        (["identify", https, "-proxyaccess:none", "-proxyauth:basic"], ("-proxyauth:basic", "-proxyaccess:none")),
        (["identify", https, "-proxyaccess:ie", "-proxyuser:u"], ("-proxyuser", "-proxyauth")),
    ]
    before_a, before_tls = len(a.log_lines()), len(tls.log_lines())
    for args, culprits in cases:
        usage_error(args, culprits, env)
    check("contradicting switches sent no request", len(a.log_lines()) == before_a and
          len(tls.log_lines()) == before_tls, "\n".join(a.log_lines()[before_a:] + tls.log_lines()[before_tls:]))
    # what is no contradiction still works: Basic over HTTP with -unencrypted, over HTTPS without it
    rc, out, err = run(["identify", http] + cred, env)
    check("Basic over HTTP with -unencrypted", rc == 0 and "IdentifyResponse" in out, out + err)


def cli_words_tests(a, cred, env, strict_conf):
    """What the library refuses beyond the command line is said in switches, not in the API's flag names."""
    before = len(a.log_lines())
    rc, out, err = run(["identify", "-r:" + a.url()] + cred, dict(env, WSMAUTO_CLIENT_CONFIG=strict_conf))
    check("refused by the client configuration: exit 1, -unencrypted named",
          rc == 1 and "-unencrypted asks for unencrypted HTTP" in err and "(0x803380DE)" in err, err)
    check("... and nothing was sent", len(a.log_lines()) == before)
    rc, out, err = run(["identify", "-r:" + a.url(), "-a:digest", "-u:wsmuser", "-p:wsmpass", "-unencrypted"],
                       dict(env, WSMAUTO_CLIENT_CONFIG=strict_conf))
    check("Digest refused by the client configuration names -unencrypted", rc == 1 and "-unencrypted" in err, err)
    # Negotiate with the current user's credentials to a host that is not trusted (refused before any lookup)
    rc, out, err = run(["identify", "-r:https://untrusted.invalid", "-a:negotiate"], env)
    check("implicit Negotiate credentials refused, in switches",
          rc == 1 and "(0x803380E5)" in err and "give -u:USER and -p:PASSWORD, use -a:Kerberos" in err, err)
    # helpmsg says the codes' texts in switches too
    for code, want in (("0x803380D7", "-unencrypted applies to HTTP only"),
                       ("0x803380AB", "-a:None sends no credentials"),
                       ("0x803380AE", "-SPNPort can be used only with -a:Negotiate or -a:Kerberos"),
                       ("0x80338156", "-c (a client certificate) needs -a:Certificate"),
                       ("0x803381BE", "-usessl cannot be combined with a remote (-r)")):
        rc, out, err = run(["helpmsg", code], env)
        watch(["helpmsg", code], out)
        check(f"helpmsg {code} in switches", rc == 0 and want in out, out + err)


def tls_tests(tls, wrongcn, cred, env, work):
    res = "wmicimv2/Win32_Service?Name=WinRM"
    rc, out, err = run(["get", res, "-r:" + tls.url("localhost", "https")] + cred, env)
    check("HTTPS verified against the configured CA", rc == 0 and "Name = WinRM" in out, out + err)
    rc, out, err = run(["get", res, f"-r:localhost:{tls.port}", "-usessl"] + cred, env)
    check("-usessl with host:port", rc == 0 and "Name = WinRM" in out, out + err)
    noca = os.path.join(work, "noca.conf")
    with open(noca, "w") as f:
        f.write("[Client]\n")
    noca_env = dict(env, WSMAUTO_CLIENT_CONFIG=noca)
    rc, out, err = run(["get", res, "-r:" + tls.url("localhost", "https")] + cred, noca_env)
    check("HTTPS with an unknown CA fails", rc == 1 and "(0x80072F" in err, err)
    rc, out, err = run(["get", res, "-r:" + tls.url("localhost", "https"), "-skipCAcheck"] + cred, noca_env)
    check("-skipCAcheck", rc == 0 and "Name = WinRM" in out, out + err)
    rc, out, err = run(["get", res, "-r:" + wrongcn.url("localhost", "https")] + cred, env)
    check("HTTPS to a name the certificate does not carry fails", rc == 1 and "(0x80072F06)" in err, err)
    rc, out, err = run(["get", res, "-r:" + wrongcn.url("localhost", "https"), "-skipCNcheck"] + cred, env)
    check("-skipCNcheck", rc == 0 and "Name = WinRM" in out, out + err)


def fanout_tests(a, b, cred, env, work):
    down = refused_port()
    hosts = [a.url(), f"http://127.0.0.1:{down}/wsman", b.url("localhost")]
    args = ["get", "wmicimv2/Win32_OperatingSystem"] + cred
    rc, out, err = run(args + ["-r:" + h for h in hosts], env)
    check("fan-out with a host down: exit 1", rc == 1, out + err)
    check("fan-out: each good host's output, prefixed",
          f"{a.url()}: Win32_OperatingSystem" in out and f"{b.url('localhost')}: Win32_OperatingSystem" in out and
          f"{b.url('localhost')}:     CSName = host-b" in out, out)
    check("fan-out: every stdout line is prefixed",
          all(l.split(": ", 1)[0] in hosts for l in out.splitlines()), out)
    check("fan-out: the failure is reported for its host",
          re.search(rf"^http://127\.0\.0\.1:{down}/wsman: wsmanctl: .*\(0x[0-9A-F]{{8}}\)$", err, re.M) is not None,
          err)
    check("fan-out: summary line", "wsmanctl: 3 hosts: 2 succeeded, 1 failed" in err, err)
    # a hosts file, concurrency 1, all up
    hf = os.path.join(work, "hosts")
    with open(hf, "w") as f:
        f.write(f"# lab\n{a.url()}\n\n  {b.url()}  \n")
    rc, out, err = run(args + ["-hosts:" + hf, "-concurrency:1"], env)
    check("fan-out from a hosts file", rc == 0 and "wsmanctl: 2 hosts: 2 succeeded, 0 failed" in err and
          out.count("Win32_OperatingSystem\n") == 2, out + err)
    # many hosts (the same two servers, 40 times) with the default limit
    many = [f"-r:{(a if i % 2 else b).url()}" for i in range(40)]
    rc, out, err = run(["identify"] + cred + many, env)
    check("fan-out over 40 connections", rc == 0 and "40 hosts: 40 succeeded, 0 failed" in err and
          out.count("IdentifyResponse") == 40, err)
    check("fan-out within the open-file limit: no note about it", "open-file limit" not in err, err)


CAP_NOTE = re.compile(r"^wsmanctl: -concurrency 1000 lowered to (\d+) to fit the open-file limit \((\d+)\)$", re.M)


def fd_limit_tests(a, b, cred, env, work):
    """Issue 18: the worker pool fits the open-file limit. 200 hosts (the two servers, each as 127.0.0.1 and as
    localhost) with -concurrency:1000 under a soft and hard limit of 64 descriptors: every host succeeds, none
    fails with "Too many open files" or as unreachable, and one note says that -concurrency was lowered."""
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 64:
        check("open-file limit: the hard limit allows 64 descriptors", False, f"hard limit {hard}")
        return
    urls = [a.url(), a.url("localhost"), b.url(), b.url("localhost")]
    hf = os.path.join(work, "hosts-200")
    with open(hf, "w") as f:
        f.write("".join(urls[i % len(urls)] + "\n" for i in range(200)))
    rc, out, err = run(["identify", "-hosts:" + hf, "-concurrency:1000"] + cred, env, nofile=(64, 64))
    notes = CAP_NOTE.findall(err)
    check("open-file limit 64: 200 hosts all succeed", rc == 0 and "200 hosts: 200 succeeded, 0 failed" in err and
          out.count("IdentifyResponse") == 200, err[-2000:])
    check("open-file limit 64: no host fails for want of descriptors or as unreachable",
          "Too many open files" not in err and "too many open files" not in err and "0x80070004" not in err and
          "0x80338012" not in err, err[-2000:])
    check("open-file limit 64: one note that -concurrency was lowered, naming the limit",
          len(notes) == 1 and notes[0][1] == "64" and 1 <= int(notes[0][0]) < 64 // 3, err[:2000])
    check("open-file limit 64: the note comes before any host's output",
          err.startswith("wsmanctl: -concurrency 1000 lowered"), err[:300])
    rc, out, err = run(["identify", "-hosts:" + hf, "-concurrency:1000", "-quiet"] + cred, env, nofile=(64, 64))
    check("open-file limit 64 with -quiet: no note, every host succeeds", rc == 0 and not err and
          out.count("IdentifyResponse") == 200, err[-2000:])
    # A soft limit of 64 below a hard one with room for 200 workers: raised, so nothing is lowered.
    if hard == resource.RLIM_INFINITY or hard >= 64 + 200 * 8 + 64:
        rc, out, err = run(["identify", "-hosts:" + hf, "-concurrency:200"] + cred, env, nofile=(64, hard))
        check("soft limit 64 raised to the hard limit: 200 at once, no note",
              rc == 0 and "200 hosts: 200 succeeded, 0 failed" in err and "open-file limit" not in err,
              err[-2000:])


def exec_tests(a, ra, cred, env, work):
    rc, out, err = run(["exec"] + ra + ["--", "echo", "hello", "world"], env)
    check("exec echo", rc == 0 and out == "hello world\n", repr(out) + err)
    rc, out, err = run(["exec"] + ra + ["--", "echo out; echo err >&2; exit 7"], env)
    check("exec: remote exit code", rc == 7, f"rc={rc} {err}")
    check("exec: stdout and stderr apart", out == "out\n" and "err\n" in err, repr(out) + repr(err))
    lines = a.log_lines()
    creates = sum(1 for l in lines if "resource=http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd" in l and
                  "transfer/Create" in l)
    deletes = sum(1 for l in lines if "resource=http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd" in l and
                  "transfer/Delete" in l)
    check("exec deletes every shell it creates", creates >= 2 and creates == deletes, f"{creates} vs {deletes}")

    # streaming: the command waits for a file the test creates only after it has seen the first line
    gate = os.path.join(work, "gate")
    cmd = f"echo first; while [ ! -e {gate} ]; do sleep 0.05; done; echo second; exit 3"
    p = subprocess.Popen([WSMANCTL, "exec"] + ra + ["--", cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env)
    timer = threading.Timer(HANG_GUARD, p.kill)
    timer.start()
    first = p.stdout.readline()
    check("exec streams output before the command ends", first == b"first\n", repr(first))
    open(gate, "w").close()
    rest, err = p.communicate()
    timer.cancel()
    check("exec: the rest arrives, and the exit code", rest == b"second\n" and p.returncode == 3,
          f"{rest!r} rc={p.returncode} {err!r}")

    # exec on several hosts: buffered per host, remote exit codes count as failures
    rc, out, err = run(["exec", "-r:" + a.url(), "-r:" + a.url("localhost")] + cred + ["--", "echo hi"], env)
    check("exec on two hosts", rc == 0 and out.count(": hi") == 2 and "2 hosts: 2 succeeded" in err, out + err)
    # a refused host
    rc, out, err = run(["exec", f"-r:http://127.0.0.1:{refused_port()}/wsman"] + cred + ["--", "echo x"], env)
    check("exec against a refused port", rc == 1 and "Exec failed" in err, out + err)


def tty_tests(a, ra, cred, env):
    # The password prompt: no echo, and the password works.
    rc, out = run_pty(["get", "wmicimv2/Win32_Service?Name=WinRM", "-r:" + a.url(), "-a:basic", "-u:wsmuser",
                       "-unencrypted"], env, answer="wsmpass")
    check("password prompt on a terminal", rc == 0 and "Password for wsmuser" in out and "Name = WinRM" in out, out)
    check("the typed password is not echoed", "wsmpass" not in out, out)
    # An empty password typed at the prompt: Basic cannot use it, a usage error, nothing sent.
    before = len(a.log_lines())
    rc, out = run_pty(["get", "winrm/config", "-r:" + a.url(), "-a:basic", "-u:wsmuser", "-unencrypted"], env,
                      answer="")
    check("an empty password for Basic at the prompt: exit 2", rc == 2 and "-a:Basic needs a password" in out, out)
    check("... and nothing was sent", len(a.log_lines()) == before, "\n".join(a.log_lines()[before:]))
    # Without a terminal and without -p: a usage error, nothing sent.
    rc, out, err = run(["get", "winrm/config", "-r:" + a.url(), "-a:basic", "-u:wsmuser", "-unencrypted"], env,
                       stdin_data=b"")
    check("no -p and no terminal: exit 2", rc == 2 and "-p" in err, err)
    # The progress line of an enumeration shows on a terminal.
    rc, out = run_pty(["enumerate", "wmicimv2/Win32_Service"] + ra, env)
    check("progress line on a terminal", rc == 0 and re.search(r"\d+ items, \d+ items/s", out) is not None,
          out[-500:])
    rc, out = run_pty(["enumerate", "wmicimv2/Win32_Service", "-quiet"] + ra, env)
    check("-quiet: no progress line", rc == 0 and "items/s" not in out, out[-500:])


# ---- SIGINT / SIGTERM (WSManAutoCancelRequests) ----

INTERRUPT_BOUND = 10  # seconds from the signal to the exit: generous (the design says 1 s, exec 2 s); the
                      # requests themselves would wait 65 s


class Hole:
    """A listener that accepts connections, reads what arrives and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns = []
        self.requests = 0
        self.lock = threading.Lock()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.conns.append(c)
            threading.Thread(target=self._read, args=(c,), daemon=True).start()

    def _read(self, c):
        try:
            if c.recv(65536):
                with self.lock:
                    self.requests += 1
        except OSError:
            pass

    def count(self):
        with self.lock:
            return self.requests

    def url(self, host="127.0.0.1", path="wsman"):
        return f"http://{host}:{self.port}/{path}"

    def close(self):
        self.sock.close()
        for c in self.conns:
            c.close()


def wait_for(cond, timeout=HANG_GUARD):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return True
        time.sleep(0.02)
    return False


def handlers_installed(pid):
    """wsmanctl catches SIGINT and SIGTERM (SigCgt in /proc/PID/status)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    mask = int(line.split()[1], 16)
                    return bool(mask & (1 << (signal.SIGINT - 1))) and bool(mask & (1 << (signal.SIGTERM - 1)))
    except OSError:
        pass
    return False


def connected_to(pid, port, n=1):
    """The process has n established TCP connections to 127.0.0.1:port."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                link = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
        with open("/proc/net/tcp") as f:
            rows = [l.split() for l in f.readlines()[1:]]
    except OSError:
        return False
    return sum(1 for r in rows if r[3] == "01" and int(r[2].split(":")[1], 16) == port and r[9] in inodes) >= n


def group_alive(pgid):
    """A process (not a zombie) of process group pgid exists."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            return True
    return False


def interrupt(args, env, sig, ready):
    """Starts wsmanctl, waits until ready(proc) and its signal handlers are in place, sends sig. Returns
    (rc, seconds from the signal to the exit, stdout, stderr); rc is None when ready() never came."""
    p = subprocess.Popen([WSMANCTL, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    if not wait_for(lambda: p.poll() is not None or (handlers_installed(p.pid) and ready(p))) or p.poll() is not None:
        p.kill()
        out, err = p.communicate()
        return None, 0, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")
    start = time.monotonic()
    p.send_signal(sig)
    try:
        out, err = p.communicate(timeout=HANG_GUARD)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    return p.returncode, time.monotonic() - start, out.decode("utf-8", "replace"), err.decode("utf-8", "replace")


SHELL_RES = "resource=http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd "


def shell_requests(lines, action):
    return sum(1 for l in lines if f"action={action} " in l and SHELL_RES in l and "status=200" in l)


def interrupt_tests(a, cred, env, work):
    hole = Hole()
    try:
        # identify against a server that accepts and never answers: SIGINT 130, SIGTERM 143
        for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
            before = hole.count()
            rc, took, out, err = interrupt(["identify", "-r:" + hole.url()] + cred, env, sig,
                                           lambda p: hole.count() > before)
            check(f"{sig.name} ends identify: exit {code}", rc == code, f"rc={rc} {err}")
            check(f"{sig.name} ends identify promptly", rc is not None and took < INTERRUPT_BOUND, f"{took:.2f} s")
            check(f"{sig.name}: identify says it was interrupted", "interrupted" in err, err)

        # get of the server's misbehave/sleep resource (no reply for 120 s)
        for sig, code in ((signal.SIGINT, 130), (signal.SIGTERM, 143)):
            rc, took, out, err = interrupt(["get", "http://wsmauto.test/misbehave/sleep", "-r:" + a.url()] + cred, env,
                                           sig, lambda p: connected_to(p.pid, a.port) and time.sleep(0.3) is None)
            check(f"{sig.name} ends get of misbehave/sleep: exit {code}", rc == code, f"rc={rc} {err}")
            check(f"{sig.name} ends get promptly", rc is not None and took < INTERRUPT_BOUND, f"{took:.2f} s")

        # several hosts at once
        before = hole.count()
        hosts = [hole.url(), hole.url("localhost"), hole.url(path="other")]
        rc, took, out, err = interrupt(["identify"] + cred + ["-r:" + h for h in hosts], env, signal.SIGINT,
                                       lambda p: hole.count() >= before + 3)
        check("SIGINT ends identify on three hosts: exit 130", rc == 130, f"rc={rc} {err}")
        check("SIGINT ends three hosts promptly", rc is not None and took < INTERRUPT_BOUND, f"{took:.2f} s")
        check("three hosts: each one interrupted, and the summary",
              all(re.search(rf"^{re.escape(h)}: wsmanctl: Identify interrupted", err, re.M) for h in hosts) and
              "3 hosts: 0 succeeded, 3 failed" in err, err)
        rc, took, out, err = interrupt(["get", "http://wsmauto.test/misbehave/sleep", "-r:" + a.url(),
                                        "-r:" + a.url("localhost")] + cred, env, signal.SIGTERM,
                                       lambda p: connected_to(p.pid, a.port, 2) and time.sleep(0.3) is None)
        check("SIGTERM ends get of misbehave/sleep on two hosts: exit 143", rc == 143, f"rc={rc} {err}")
        check("SIGTERM ends two hosts promptly", rc is not None and took < INTERRUPT_BOUND, f"{took:.2f} s")

        # a second signal ends the program at once (whichever comes first, it ends)
        before = hole.count()
        p = subprocess.Popen([WSMANCTL, "identify", "-r:" + hole.url()] + cred, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=env)
        if wait_for(lambda: handlers_installed(p.pid) and hole.count() > before):
            p.send_signal(signal.SIGTERM)
            p.send_signal(signal.SIGINT)
        try:
            p.communicate(timeout=INTERRUPT_BOUND)
        except subprocess.TimeoutExpired:
            p.kill()
            p.communicate()
        # (both may be pending at once: then the lower-numbered SIGINT is handled first)
        check("two signals: the program ends (as the first asks, or killed by the second)",
              p.returncode in (130, 143, -signal.SIGINT, -signal.SIGTERM), f"rc={p.returncode}")
    finally:
        hole.close()

    # exec: SIGINT while a Receive is outstanding stops the command (ctrl_c, terminate), deletes the shell
    lines0 = len(a.log_lines())
    p = subprocess.Popen([WSMANCTL, "exec", "-r:" + a.url()] + cred + ["--", "echo $$; sleep 30"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    timer = threading.Timer(HANG_GUARD, p.kill)
    timer.start()
    first = p.stdout.readline()
    pgid = int(first) if first.strip().isdigit() else 0
    time.sleep(0.5)  # the next Receive is outstanding (the command is quiet for 30 s)
    start = time.monotonic()
    p.send_signal(signal.SIGINT)
    out, err = p.communicate()
    took = time.monotonic() - start
    timer.cancel()
    check("exec: SIGINT exit 130", p.returncode == 130, f"rc={p.returncode} {err!r}")
    check("exec: SIGINT ends it promptly", took < INTERRUPT_BOUND, f"{took:.2f} s")
    check("exec: says it was interrupted", b"Exec interrupted (SIGINT)" in err, repr(err))
    lines = a.log_lines()[lines0:]
    check("exec: ctrl_c and terminate were signalled, the shell deleted",
          shell_requests(lines, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal") == 2 and
          shell_requests(lines, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete") == 1, "\n".join(lines))
    check("exec: the remote command is gone", pgid > 1 and wait_for(lambda: not group_alive(pgid), 20),
          f"pgid {pgid}")

    # exec on two hosts, SIGTERM: both commands stopped, both shells deleted
    lines0 = len(a.log_lines())
    marks = os.path.join(work, "interrupt-marks")
    os.makedirs(marks)
    rc, took, out, err = interrupt(["exec", "-r:" + a.url(), "-r:" + a.url("localhost")] + cred +
                                   ["--", f"touch {marks}/$$; sleep 30"], env, signal.SIGTERM,
                                   lambda p: len(os.listdir(marks)) == 2 and time.sleep(0.5) is None)
    check("exec on two hosts: SIGTERM exit 143", rc == 143, f"rc={rc} {err}")
    check("exec on two hosts: ends promptly", rc is not None and took < INTERRUPT_BOUND, f"{took:.2f} s")
    lines = a.log_lines()[lines0:]
    check("exec on two hosts: both commands signalled, both shells deleted",
          shell_requests(lines, "http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Signal") == 4 and
          shell_requests(lines, "http://schemas.xmlsoap.org/ws/2004/09/transfer/Delete") == 2, "\n".join(lines))
    pgids = [int(n) for n in os.listdir(marks)]
    check("exec on two hosts: the remote commands are gone",
          len(pgids) == 2 and wait_for(lambda: not any(group_alive(g) for g in pgids), 20), f"{pgids}")


if __name__ == "__main__":
    sys.exit(main())
