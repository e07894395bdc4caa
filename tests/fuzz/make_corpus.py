#!/usr/bin/env python3
"""Writes the seed corpora of the libFuzzer targets (docs/fuzzing.md) into tests/fuzz/corpus/<target>/.

Seeds come from files already in the repository (tests/vectors, tests/golden, tests/cli_golden: their
licences are in tests/vectors/LICENSES and tests/cli_golden/LICENSES) and from the inputs of the unit tests
(tests/test_core.c, test_clientcfg.c, test_cli_args.c, test_encframe.c), each prefixed with the mode byte
its target reads first. Files named seed-* are rewritten; regress-* files (inputs that once crashed) are
kept. Run it from anywhere: python3 tests/fuzz/make_corpus.py

SPDX-License-Identifier: MIT
"""
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fuzz" / "corpus"
MAX_SEED = 24 * 1024  # bytes: keep the corpus small and the runs fast


def write(target, name, data):
    d = OUT / target
    d.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    if len(data) > MAX_SEED:
        return
    (d / ("seed-" + name)).write_bytes(data)


def clean():
    for d in OUT.glob("*"):
        for f in d.glob("seed-*"):
            f.unlink()


def xml_files(*dirs):
    for d in dirs:
        for f in sorted((ROOT / d).rglob("*.xml")):
            yield f


# ---- fuzz_reply: mode byte (charset bits 0-2, pull bit 3, mode bits 4-5, small cap bit 6) + reply ----
def reply_seeds():
    for f in xml_files("tests/vectors"):
        data = f.read_bytes()
        pull = 0x08 if "pull" in f.name else 0
        stem = f.parent.name + "-" + f.stem
        write("fuzz_reply", stem, bytes([pull]) + data)
        if "identify" in f.name or "get-config" in f.name:
            # the same reply in UTF-16LE with a BOM, charset utf-16le (index 4)
            write("fuzz_reply", stem + "-utf16", bytes([0x04]) + b"\xff\xfe" + data.decode("utf-8").encode("utf-16-le"))
    for f in xml_files("tests/golden"):
        write("fuzz_reply", "golden-" + f.stem, bytes([0x02]) + f.read_bytes())
    for f in xml_files("tests/cli_golden"):
        write("fuzz_reply", "format-" + f.stem, bytes([0x30]) + f.read_bytes())
        if "create" in f.name or "epr" in f.name:
            write("fuzz_reply", "epr-" + f.stem, bytes([0x20]) + f.read_bytes())


# ---- fuzz_encframe ----
def frame(protocol, plain, key=b"K", tabs=True, charset="UTF-8", boundary="Encrypted Boundary", parts=1):
    t = "\t" if tabs else ""
    body = b""
    chunk = (len(plain) + parts - 1) // parts or 1
    for i in range(parts):
        p = plain[i * chunk:(i + 1) * chunk]
        hdr = key + b"\0\0\0"
        data = bytes(c ^ key[0] for c in p)
        body += (f"--{boundary}\r\n{t}Content-Type: {protocol}\r\n"
                 f"{t}OriginalContent: type=application/soap+xml;charset={charset};Length={len(p)}\r\n"
                 f"--{boundary}\r\n{t}Content-Type: application/octet-stream\r\n").encode()
        body += struct.pack("<I", len(hdr)) + hdr + data
    body += f"--{boundary}--\r\n".encode()
    return body


def encframe_seeds():
    spnego = "application/HTTP-SPNEGO-session-encrypted"
    kerb = "application/HTTP-Kerberos-session-encrypted"
    plain = (ROOT / "tests/vectors/knife-windows/001-identify-response.xml").read_bytes()
    small = b"<s:Envelope/>"
    ct = 'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"'
    write("fuzz_encframe", "spnego", bytes([0x01]) + (ct % spnego).encode() + b"\n" + frame(spnego, plain))
    write("fuzz_encframe", "kerberos-notabs", bytes([0x02]) + (ct % kerb).encode() + b"\n" +
          frame(kerb, small, tabs=False))
    write("fuzz_encframe", "default-ct", bytes([0x00]) + frame(spnego, small))
    write("fuzz_encframe", "bare-params", bytes([0x00]) +
          b"Multipart/Encrypted; protocol=application/HTTP-SPNEGO-session-encrypted; boundary=Encrypted Boundary\n" +
          frame(spnego, small, key=b"Z"))
    write("fuzz_encframe", "multi", bytes([0x00]) +
          b'multipart/x-multi-encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"\n' +
          frame(spnego, plain[:600], parts=3))
    write("fuzz_encframe", "utf16", bytes([0x00]) + (ct % spnego).encode() + b"\n" +
          frame(spnego, "<a/>".encode("utf-16-le"), charset="UTF-16"))
    write("fuzz_encframe", "altered", bytes([0x00]) + (ct % spnego).encode() + b"\n" + frame(spnego, small, key=b"!"))
    write("fuzz_encframe", "capped", bytes([0x04]) + (ct % spnego).encode() + b"\n" + frame(spnego, plain))
    write("fuzz_encframe", "roundtrip", bytes([0x08]) + small)
    write("fuzz_encframe", "roundtrip-utf16-notabs", bytes([0x08 | 0x30 | 0x02]) + "<a/>".encode("utf-16-le"))


# ---- fuzz_connstr: byte 0 bit 0 = UseSsl ----
CONNS = ["host", "host:8080", "host/prefix", "host:8080/prefix", "http://host", "https://host",
         "HTTPS://host/websvcs/wsman", "https://[E3D7:0000:0000:0000:51F4:9BC8:C0A8:6420]:9999/wsman", "[::1]",
         "[1::2]:5985/x", "[::ffff:1.2.3.4]", "192.168.0.1", "host_name-1.example", "host//a/b//", "host/a://b",
         "host/a%20b", "host:00080", "http://host:5985/wsman", "", " host", "ftp://host", "://host",
         "fe80::1:5985", "[fe80::1%eth0]", "user@host", "host:65536", "host:+80", "host/a?b", "ho\x01st",
         "h\u00e9llo", "a" * 256]


def connstr_seeds():
    for i, c in enumerate(CONNS):
        write("fuzz_connstr", "%02d" % i, bytes([i & 1]) + c.encode("utf-8"))


# ---- fuzz_resource_uri ----
URIS = ["wmicimv2/Win32_Service?Name=winrm", "winrm/config/listener?Address=*+Transport=HTTP", "http://x/y",
        "wmicimv2/*", "a?k=", "a?k==v=w", "a?k=v+k2=", "a?k=v?w", "a?k=%41+x=a%2Bb", "a?Name=Two Words",
        "shell/cmd", "WSMAN", "cimv2/CIM_ComputerSystem", "wmi/root/default/StdRegProv", " wmi/root", "?a=b",
        "a?", "a?k=v++k2=v", "a?k=v+=w", "\t\r\n", "a?k=v+k=w"]


def uri_seeds():
    for i, u in enumerate(URIS):
        write("fuzz_resource_uri", "%02d" % i, u)


# ---- fuzz_clientcfg: byte 0 = policy-check flags ----
CONFIGS = [
    "\ufeff# a comment\r\n; another comment\n\n  [ client ]  \n"
    "TrustedHosts = server1, *.example.com ,192.168.1.*,, [fe80::1]\nallowunencrypted=YES\n"
    "NetworkDelayms = 7000\r\nMaxEnvelopeSizekb = 8192\nCAFile = /etc/ssl/ca.pem\n"
    "CAPath = \"/etc/ssl/certs dir\"\nCRLFile = /etc/ssl/crl.pem\n"
    "Proxy = http://proxy.example.com:3128/#literal; text\nCertStore = /home/u/.wsmauto/certs\n"
    "[CLIENT/DEFAULTPORTS]\nHTTP = 80\nhttps = 443\n[Client/Auth]\nBasic = false\nDigest = no\n"
    "Kerberos = 0\nNegotiate = False\nCertificate = NO\nCredSSP = 1\n",
    "[Client]\nTrustedHosts = *\nAllowUnencrypted = true\n",
    "[Client]\nTrustedHosts = a, b\nCAFile = /x\n",
    "[Client/DefaultPorts]\nHTTP = 0\n",
    "[Client]\nNoEquals\n",
    "[Unknown]\nx = 1\n",
    "[Client]\nMaxEnvelopeSizekb = 99999999999\n",
]


def clientcfg_seeds():
    for i, c in enumerate(CONFIGS):
        write("fuzz_clientcfg", "%02d" % i, bytes([(i * 37) & 0x3F]) + c.encode("utf-8"))


# ---- fuzz_cli_args: words separated by NUL ----
ARGVS = [
    ["get", "wmicimv2/Win32_Service?Name=Spooler", "-r:https://server:5986", "-a:basic", "-u:admin", "-p:x"],
    ["set", "winrm/config/client", "@{TrustedHosts=\"*.lab.example\"}", "-r:server", "-u:LAB\\admin", "-p:pw"],
    ["enumerate", "wmicimv2/*", "-filter:select * from Win32_Service where State='Stopped'", "-r:server"],
    ["invoke", "StartService", "wmicimv2/Win32_Service?Name=Spooler", "@{}", "-r:server"],
    ["create", "winrm/config/Listener?Address=*+Transport=HTTPS", "@{Hostname=\"server\";CertificateThumbprint=\"ab\"}"],
    ["identify", "-r:server", "-a:none"], ["helpmsg", "0x80338012"], ["help", "get"], ["--help"], ["-?"],
    ["e", "wmi/root/cimv2/*", "-dialect:association", "-filter:{Object=Win32_Service?Name=winrm}", "-associations",
     "-returnType:epr", "-shallow", "-format:pretty"],
    ["g", "winrm/config", "-r:h1", "-r:h2", "-concurrency:2", "-quiet", "-timeout:1000", "-encoding:utf-16",
     "-unencrypted", "-a:digest", "-u:u", "-p:p"],
    ["get", "wmicimv2/Win32_OperatingSystem", "--remote=https://h", "--usessl", "-skipCAcheck", "-skipCNcheck",
     "-skipRevocationcheck", "-SPNPort", "-options:{__cimnamespace=\"root/cimv2\"}", "-fragment:Caption"],
    ["get", "x", "-proxyaccess:winhttp", "-proxyauth:basic", "-proxyuser:p", "-proxypassword:q", "-usessl",
     "-r:h", "-a:basic", "-u:u", "-p:p"],
    ["exec", "-r:host", "-a:basic", "-u:u", "-p:p", "-unencrypted", "--", "cmd", "/c", "dir"],
    ["set", "winrm/config", "-file", "in.xml"], ["get", "x", "-hosts:hosts.txt"],
    ["get", "x", "-unencrypted", "-r:https://h"], ["create", "wmi/x", "@{a=\"x}"], ["bogus"],
]


def args_seeds():
    for i, a in enumerate(ARGVS):
        write("fuzz_cli_args", "%02d" % i, b"\0".join(w.encode("utf-8") for w in a))


# ---- fuzz_cli_input: mode byte + TEXT [\0 XML] ----
HASHES = [
    "@{Name=\"value\";Other='v2';Flag=true;Empty=\"\";Nil=$null;Nested=@{A=\"b\"}}",
    "@{a=\"say \"\"hi\"\" \\\"x\\\" \\\\ C:\\temp\\n\";b='it''s \"q\"'}", "@{}", "@{ ; ;a=1;;b=2;}",
    "@{a=1;a=2;a='3'}", "@{Name=\"Gr\u00fc\u00df\"}", "@{Name}", "@{a=\"x}", "@{p:Name=1}",
    "@{a=@{b=@{c=$null}}}", "{__cimnamespace=\"root/cimv2\";wsmauto:echo=1}",
]


def input_seeds():
    for i, h in enumerate(HASHES):
        mode = 1 if h.startswith("{") else 0
        write("fuzz_cli_input", "%02d" % i, bytes([mode]) + h.encode("utf-8"))
    cfg = (ROOT / "tests/cli_golden/config.xml")
    if cfg.exists():
        write("fuzz_cli_input", "apply-config", bytes([2]) + b"@{MaxEnvelopeSizekb=\"1024\";Client=@{NetworkDelayms=$null}}\0" +
              cfg.read_bytes())


clean()
reply_seeds()
encframe_seeds()
connstr_seeds()
uri_seeds()
clientcfg_seeds()
args_seeds()
input_seeds()
total = sum(f.stat().st_size for f in OUT.rglob("*") if f.is_file())
print("corpus: %d files, %d bytes" % (sum(1 for f in OUT.rglob("*") if f.is_file()), total))
