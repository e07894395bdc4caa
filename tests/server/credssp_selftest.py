#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""CredSSP part of the wsman_server.py self-test (`--auth credssp`, tests/server/wsmserver/credssp.py).

`credssp_selftest.py [-v]` → "credssp_selftest: N passed, N failed", exit 0 = all passed. Needs /usr/bin/python3
with python3-gssapi, MIT krb5 (krb5-kdc, kadmin.local, kinit), gss-ntlmssp and the openssl CLI. The realm comes
from WSM_KDC_DIR (ctest's kdc fixture) or is started here with tests/kdc/kdc.sh (selftests.gss_common.Env).

The client here is written apart from the server's acceptor: Python's ssl client over MemoryBIO for the inner
TLS session, its own DER codec for TSRequest/TSCredentials ([MS-CSSP] 2.2.1), the server's SubjectPublicKey
taken from the certificate with the openssl CLI, a python3-gssapi SPNEGO initiator (Kerberos with a password or
from a kinit ccache, NTLM through gss-ntlmssp) and its own [MS-WSMV] 2.2.9.1.3 framing.
"""

import base64
import hashlib
import http.client
import os
import re
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
# The KDC environment helper and envelopes of the GSS self-tests (imported after the sys.path change).
from selftests.gss_common import Env, ECHO, KUSER, KPW, NUSER, NPW, OS_URI, envelope, MAKE_CERTS  # noqa: E402

PROTO = 'application/HTTP-CredSSP-session-encrypted'
LAST = 'http://wsmauto.test/credssp/last'
OID_KRB5 = '1.2.840.113554.1.2.2'
OID_NTLM = '1.3.6.1.4.1.311.2.2.10'
OID_SPNEGO = '1.3.6.1.5.5.2'
C2S = b'CredSSP Client-To-Server Binding Hash\0'
S2C = b'CredSSP Server-To-Client Binding Hash\0'


# ------------------------------------------------------------------------------------------------------------
# A small BER/DER codec of its own: values are (tag, bytes) or (tag, [children])
# ------------------------------------------------------------------------------------------------------------
def enc(tag, value):
    if isinstance(value, list):
        value = b''.join(enc(*v) for v in value)
    n = len(value)
    ln = bytes([n]) if n < 128 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes(
        (n.bit_length() + 7) // 8, 'big')
    return bytes([tag]) + ln + value


def integer(v):
    return (0x02, v.to_bytes(max(1, (v.bit_length() + 8) // 8), 'big', signed=True))


def dec(data):
    """→ list of (tag, value bytes); raises ValueError."""
    out, i = [], 0
    while i < len(data):
        if i + 2 > len(data):
            raise ValueError('short')
        tag, n = data[i], data[i + 1]
        i += 2
        if n > 127:
            k = n - 128
            n = int.from_bytes(data[i:i + k], 'big')
            i += k
        if i + n > len(data):
            raise ValueError('overrun')
        out.append((tag, data[i:i + n]))
        i += n
    return out


def ts_request(version, tokens=(), auth_info=None, pub_key_auth=None, nonce=None):
    f = [(0xa0, [integer(version)])]
    if tokens:
        f.append((0xa1, [(0x30, [(0x30, [(0xa0, [(0x04, t)])]) for t in tokens])]))
    if auth_info is not None:
        f.append((0xa2, [(0x04, auth_info)]))
    if pub_key_auth is not None:
        f.append((0xa3, [(0x04, pub_key_auth)]))
    if nonce is not None:
        f.append((0xa5, [(0x04, nonce)]))
    return enc(0x30, f)


def parse_ts_request(data):
    top = dec(data)
    if len(top) != 1 or top[0][0] != 0x30:
        raise ValueError('not a SEQUENCE')
    r = {'tokens': []}
    for tag, v in dec(top[0][1]):
        (itag, iv), = dec(v)
        if tag == 0xa0:
            r['version'] = int.from_bytes(iv, 'big', signed=True)
        elif tag == 0xa1:
            for _, item in dec(iv):
                (_, t0), = dec(item)
                (_, tok), = dec(t0)
                r['tokens'].append(tok)
        elif tag == 0xa3:
            r['pub_key_auth'] = iv
        elif tag == 0xa4:
            r['error_code'] = int.from_bytes(iv, 'big', signed=True) & 0xffffffff
        elif tag in (0xa2, 0xa5):
            r[{0xa2: 'auth_info', 0xa5: 'nonce'}[tag]] = iv
    if 'version' not in r:
        raise ValueError('no version')
    return r


def ts_credentials(domain, user, password):
    u = lambda s: s.encode('utf-16-le')    # noqa: E731
    creds = enc(0x30, [(0xa0, [(0x04, u(domain))]), (0xa1, [(0x04, u(user))]), (0xa2, [(0x04, u(password))])])
    return enc(0x30, [(0xa0, [integer(1)]), (0xa1, [(0x04, creds)])])


def subject_public_key(cert_der):
    """The certificate's SubjectPublicKey (RSAPublicKey DER or EC point): the openssl CLI gives the
    SubjectPublicKeyInfo, whose BIT STRING (after its unused-bits octet) it is."""
    pem = subprocess.run(['openssl', 'x509', '-inform', 'DER', '-pubkey', '-noout'], input=cert_der,
                         capture_output=True, check=True).stdout
    spki = subprocess.run(['openssl', 'pkey', '-pubin', '-outform', 'DER'], input=pem,
                          capture_output=True, check=True).stdout
    (_, seq), = dec(spki)
    (_, _alg), (tag, bits) = dec(seq)
    assert tag == 0x03 and bits[0] == 0
    return bits[1:]


class AuthFailed(Exception):
    pass


class ErrorCode(AuthFailed):
    def __init__(self, code):
        AuthFailed.__init__(self, 'errorCode 0x%08X' % code)
        self.code = code


# ------------------------------------------------------------------------------------------------------------
# The client
# ------------------------------------------------------------------------------------------------------------
class CredsspClient:
    """One keep-alive connection. mech 'krb5' | 'ntlm' (SPNEGO inside CredSSP); ccache: Kerberos from a kinit
    ccache instead of a password; eager: see below; win_wrap: Kerberos pubKeyAuth/authInfo wrapped
    [HEADER][DATA] (RRC 28)."""

    def __init__(self, port, mech='krb5', version=6, tls_max=None, tls_min=None, password=None, domain=None,
                 user=None, https=None, win_wrap=False, ccache=None, timeout=60, bad_proof=False, eager=False):
        self.port, self.mech, self.version, self.https, self.timeout = port, mech, version, https, timeout
        self.user = user or (KUSER if mech == 'krb5' else NUSER)
        self.password = password or (KPW if mech == 'krb5' else NPW)
        self.deleg_domain = domain if domain is not None else 'WSMAUTO'
        self.deleg_user = self.user.split('@')[0].split('\\')[-1]
        self.win_wrap, self.ccache, self.bad_proof = win_wrap, ccache, bad_proof
        # eager (NTLM): pubKeyAuth rides with the AUTHENTICATE token, before SPNEGO's mechListMIC came back
        # (what Windows and pyspnego do); the server's reply then carries its last token and its proof.
        self.eager = eager
        self.combined = False
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE           # the CredSSP certificate is proven by pubKeyAuth
        ctx.minimum_version = tls_min or ssl.TLSVersion.TLSv1_2
        if tls_max:
            ctx.maximum_version = tls_max
        self.inc, self.out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self.tls = ctx.wrap_bio(self.inc, self.out, server_side=False)
        self.conn = None
        self.legs = 0
        self.neg = None

    def post(self, body=b'', headers=None):
        if self.conn is None:
            if self.https is not None:
                self.conn = http.client.HTTPSConnection('localhost', self.port, context=self.https,
                                                        timeout=self.timeout)
            else:
                self.conn = http.client.HTTPConnection('localhost', self.port, timeout=self.timeout)
        h = {'Content-Type': 'application/soap+xml;charset=UTF-8'}
        h.update(headers or {})
        try:
            self.conn.request('POST', '/wsman', body, h)
            r = self.conn.getresponse()
            data = r.read()
        except Exception:
            self.close()
            raise
        return r.status, r.headers, data

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    @staticmethod
    def token(headers):
        for v in headers.get_all('WWW-Authenticate') or []:
            name, _, tok = v.strip().partition(' ')
            if name.lower() == 'credssp' and tok.strip():
                return base64.b64decode(tok.strip())
        return None

    def leg(self, data, want=401, body=b'', headers=None):
        self.legs += 1
        h = dict(headers or {})
        h['Authorization'] = 'CredSSP ' + base64.b64encode(data).decode()
        status, headers, self.last_data = self.post(body, h)
        self.last_headers = headers
        tok = self.token(headers)
        if status == 401 and want == 401 and not tok:
            status = '401 without a CredSSP token'
        if status != want:
            raise AuthFailed('leg %d: status %s (challenges %s)' % (self.legs, status,
                                                                   headers.get_all('WWW-Authenticate')))
        if tok:
            self.inc.write(tok)
        return tok

    def exchange(self, req, want=401):
        """TSRequest → the server's TSRequest (parsed) or None on the final 200."""
        self.tls.write(req)
        self.leg(self.out.read(), want)
        if want == 200:
            return None
        plain = b''
        while True:
            try:
                plain += self.tls.read(1 << 20)
            except ssl.SSLWantReadError:
                break
        try:
            return parse_ts_request(plain)
        except (ValueError, IndexError) as e:
            raise AuthFailed('the server TSRequest is not DER: %s' % e)

    def gss_context(self):
        import gssapi
        import gssapi.raw
        g = gssapi
        inner = g.OID.from_int_seq(OID_KRB5 if self.mech == 'krb5' else OID_NTLM)
        spnego = g.OID.from_int_seq(OID_SPNEGO)
        if self.ccache:
            cr = g.Credentials(usage='initiate', mechs=[spnego], store={'ccache': self.ccache})
            g.raw.set_neg_mechs(cr, [inner])
        else:
            name = g.Name(self.user, g.NameType.user)
            raw = g.raw.acquire_cred_with_password(name, self.password.encode(), usage='initiate',
                                                   mechs=[spnego]).creds
            g.raw.set_neg_mechs(raw, [inner])
            cr = g.Credentials(raw)
        F = g.RequirementFlag
        flags = (F.mutual_authentication | F.confidentiality | F.integrity | F.replay_detection
                 | F.out_of_sequence_detection)
        return g.SecurityContext(name=g.Name('HTTP@localhost', g.NameType.hostbased_service), creds=cr,
                                 mech=spnego, usage='initiate', flags=flags)

    def wrap(self, plain):
        import gssapi.raw as raw
        if self.mech == 'krb5' and self.win_wrap:
            T = raw.IOVBufferType
            iov = raw.IOV(T.header, plain, std_layout=False)
            raw.wrap_iov(self.gctx, iov, confidential=True)
            return bytes(iov[0].value) + bytes(iov[1].value)
        return bytes(self.gctx.wrap(plain, True).message)

    def handshake(self, final_xml=None):
        """The whole CredSSP exchange; → the final status (200) or raises AuthFailed/ssl.SSLError. final_xml:
        a SOAP request sent with the authInfo leg (its reply: self.last_headers, self.last_data)."""
        while True:
            try:
                self.tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                if not self.leg(self.out.read()):
                    raise AuthFailed('TLS leg %d: no CredSSP token' % self.legs)
        self.tls_version = self.tls.version()
        self.spk = subject_public_key(self.tls.getpeercert(True))
        self.gctx = self.gss_context()
        nonce = os.urandom(32) if self.version >= 5 else None
        # TLS 1.3: the client Finished is still in the BIO; it goes with the first TSRequest.
        r = self.exchange(ts_request(self.version, [self.gctx.step()]))
        steps = 0
        while True:
            if 'error_code' in r:
                raise ErrorCode(r['error_code'])
            if self.neg is None:
                self.server_version = r['version']
                self.neg = min(self.version, r['version'])
            tok = self.gctx.step(r['tokens'][0]) if r['tokens'] and not self.gctx.complete else None
            if 'pub_key_auth' in r:
                break
            steps += 1
            if self.gctx.complete or (self.eager and tok and steps == 1):
                if self.neg >= 5:
                    proof = hashlib.sha256(C2S + nonce + self.spk).digest()
                else:
                    proof = self.spk
                if self.bad_proof:
                    proof = proof[:-1] + bytes([proof[-1] ^ 1])
                self.combined = bool(tok)       # the last SPNEGO token and pubKeyAuth in one TSRequest
                r = self.exchange(ts_request(self.version, [tok] if tok else [], pub_key_auth=self.wrap(proof),
                                             nonce=nonce))
            elif tok:
                r = self.exchange(ts_request(self.version, [tok]))
            else:
                raise AuthFailed('SPNEGO stalled')
        got = bytes(self.gctx.unwrap(r['pub_key_auth']).message)
        want = (hashlib.sha256(S2C + nonce + self.spk).digest() if self.neg >= 5
                else bytes([(self.spk[0] + 1) & 0xff]) + self.spk[1:])
        if got != want:
            raise AuthFailed('the server pubKeyAuth does not prove the TLS public key')
        creds = ts_credentials(self.deleg_domain, self.deleg_user, self.password)
        if final_xml is None:
            self.exchange(ts_request(self.version, auth_info=self.wrap(creds)), want=200)
        else:
            # Windows' style: the first request rides on the last leg (encrypted after the authInfo records
            # over HTTP, plaintext over HTTPS).
            self.tls.write(ts_request(self.version, auth_info=self.wrap(creds)))
            token = self.out.read()
            body, h = (final_xml.encode(), {}) if self.https else self.encrypt(final_xml.encode())
            self.leg(token, 200, body, h)
        if self.token(self.last_headers):
            raise AuthFailed('a token on the final 200')
        return 200

    # -- [MS-WSMV] 2.2.9.1.3 message encryption --
    def trailer(self):
        name, version, _ = self.tls.cipher()
        return 17 if version == 'TLSv1.3' else 16

    def encrypt(self, plain, tab=True):
        t = b'\t' if tab else b''
        parts = []
        chunks = [plain[i:i + 16384] for i in range(0, len(plain), 16384)]
        for ch in chunks:
            self.tls.write(ch)
            rec = self.out.read()
            parts.append(b'--Encrypted Boundary\r\n' + t + b'Content-Type: ' + PROTO.encode() + b'\r\n' + t
                         + b'OriginalContent: type=application/soap+xml;charset=UTF-8;Length=%d\r\n' % len(ch)
                         + b'--Encrypted Boundary\r\n' + t + b'Content-Type: application/octet-stream\r\n'
                         + struct.pack('<I', self.trailer()) + rec)
        kind = 'multipart/x-multi-encrypted' if len(chunks) > 1 else 'multipart/encrypted'
        return b''.join(parts) + b'--Encrypted Boundary--\r\n', {
            'Content-Type': '%s;protocol="%s";boundary="Encrypted Boundary"' % (kind, PROTO)}

    def decrypt(self, ctype, body):
        """→ (plaintext, number of parts)."""
        low = ctype.lower()
        if not (low.startswith('multipart/encrypted;') or low.startswith('multipart/x-multi-encrypted;')):
            raise ValueError('not encrypted: %r' % ctype)
        if PROTO.lower() not in low:
            raise ValueError('wrong protocol: %r' % ctype)
        pieces = [p for p in re.split(b'--Encrypted Boundary(?:--)?\r\n', body) if p]
        out = []
        for i in range(0, len(pieces), 2):
            length = int(re.search(rb'Length=(\d+)', pieces[i]).group(1))
            payload = pieces[i + 1].split(b'application/octet-stream\r\n', 1)[1][4:]
            self.inc.write(payload)
            plain = b''
            while True:
                try:
                    plain += self.tls.read(1 << 20)
                except ssl.SSLWantReadError:
                    break
            if len(plain) != length:
                raise ValueError('Length=%d but %d bytes' % (length, len(plain)))
            out.append(plain)
        return b''.join(out), len(out)

    def call(self, xml, tab=True):
        body, h = self.encrypt(xml.encode() if isinstance(xml, str) else xml, tab)
        status, headers, data = self.post(body, h)
        ctype = headers.get('Content-Type') or ''
        plain, n = self.decrypt(ctype, data) if data else (b'', 0)
        return status, plain, ctype, n, len(body)


def fields(line):
    return dict(kv.split('=', 1) for kv in line.split()[2:] if '=' in kv)


def ping(text):
    return envelope(ECHO, '<e:Ping xmlns:e="http://wsmauto.test/echo">%s</e:Ping>' % text)


def basic_get(port, uri, https=None):
    c = CredsspClient(port, https=https)
    auth = 'Basic ' + base64.b64encode(b'wsmuser:wsmpass').decode()
    status, _, data = c.post(envelope(uri).encode(), {'Authorization': auth})
    c.close()
    return status, data.decode('utf-8', 'replace')


# ------------------------------------------------------------------------------------------------------------
# Tests
# ------------------------------------------------------------------------------------------------------------
def t_versions(env):
    check = env.check
    srv = env.ServerProc('--auth', 'basic,credssp', '--max-envelope-kb', '8000')
    try:
        c = CredsspClient(srv.port)
        status, headers, _ = c.post(envelope(OS_URI).encode())
        ch = headers.get_all('WWW-Authenticate') or []
        check('credssp: no credentials → 401 listing CredSSP', status == 401 and 'CredSSP' in ch, (status, ch))
        c.close()
        n0 = len(srv.log_lines())
        for mech in ('krb5', 'ntlm'):
            for v in (2, 3, 4, 5, 6):
                for tls_max in (ssl.TLSVersion.TLSv1_2, None):
                    tag = 'credssp %s v%d %s' % (mech, v, 'tls1.2' if tls_max else 'tls1.3')
                    eager = mech == 'ntlm' and v % 2 == 0
                    tag += ' eager' if eager else ''
                    c = CredsspClient(srv.port, mech, v, tls_max=tls_max, win_wrap=(v == 4), eager=eager)
                    try:
                        st = c.handshake()
                    except (AuthFailed, ssl.SSLError) as e:
                        check(tag + ': handshake', False, e)
                        c.close()
                        n0 = len(srv.log_lines())
                        continue
                    status, plain, ctype, n, _ = c.call(ping('hello %s %d' % (mech, v)))
                    ok = (st == 200 and c.neg == v and c.combined == eager
                          and c.tls_version == ('TLSv1.2' if tls_max else 'TLSv1.3')
                          and status == 200 and b'hello %s %d' % (mech.encode(), v) in plain and n == 1
                          and ctype.startswith('multipart/encrypted;'))
                    check(tag + ': handshake, encrypted echo', ok, (st, c.neg, c.tls_version, status, ctype))
                    legs = c.legs + 1
                    c.close()
                    lines = srv.log_lines(n0 + legs)[n0:]
                    n0 += legs
                    f = [fields(x) for x in lines]
                    last = f[-1] if f else {}
                    hs = f[:-1]
                    ok = (len(f) == legs and all(x.get('status') == '401' for x in hs[:-1])
                          and hs and hs[-1].get('status') == '200' and hs[-1].get('delegated') == 'yes'
                          and all(x.get('auth') == 'credssp' for x in f)
                          and last.get('gss') == 'credssp/%s' % mech and last.get('credssp') == 'v%d' % v
                          and last.get('enc') == 'yes' and last.get('delegated') == 'yes'
                          and last.get('tls') == ('1.2' if tls_max else '1.3')
                          and last.get('user') == 'WSMAUTO\\alice')
                    check(tag + ': log lines', ok, lines)
        # the delegated credentials, through Basic on another connection
        status, text = basic_get(srv.port, LAST)
        ok = (status == 200 and '<c:Domain>WSMAUTO</c:Domain>' in text and '<c:User>alice</c:User>' in text
              and hashlib.sha256(NPW.encode()).hexdigest() in text and NPW not in text)
        check('credssp: /credssp/last has domain, user and SHA-256 of the password', ok, text)
        log = open(srv.log).read()
        check('credssp: the password is never logged', NPW not in log and KPW not in log)
        # kinit ccache (Kerberos without a password in the client)
        cc = os.path.join(env.kdc_dir, 'credssp-ccache')
        r = subprocess.run(['kinit', '-c', 'FILE:' + cc, KUSER], input=(KPW + '\n').encode(),
                           capture_output=True, timeout=60)
        if check('credssp: kinit alice', r.returncode == 0, r.stderr):
            c = CredsspClient(srv.port, 'krb5', ccache='FILE:' + cc, domain='WSMAUTO.TEST')
            st = c.handshake()
            status, plain, _, _, _ = c.call(ping('kinit'))
            check('credssp: Kerberos from a kinit ccache', st == 200 and status == 200 and b'kinit' in plain)
            c.close()
            os.unlink(cc)
        # the first request on the authInfo leg (encrypted after the authInfo records)
        c = CredsspClient(srv.port, 'ntlm')
        st = c.handshake(ping('on the last leg'))
        plain, _ = c.decrypt(c.last_headers.get('Content-Type') or '', c.last_data)
        check('credssp: an encrypted request on the authInfo leg is served', b'on the last leg' in plain, plain)
        status, plain, _, _, _ = c.call(ping('next'))
        check('credssp: ... and the session goes on', status == 200 and b'next' in plain)
        c.close()
        # big bodies both ways: 16384-byte chunks under multipart/x-multi-encrypted
        c = CredsspClient(srv.port, 'krb5')
        c.handshake()
        big = 'x' * (3 * 1024 * 1024)
        status, plain, ctype, n, sent = c.call(envelope(ECHO, '<e:Big xmlns:e="http://wsmauto.test/echo">%s'
                                                        '</e:Big>' % big), tab=False)
        check('credssp: 3 MB encrypted request and reply, chunked both ways',
              status == 200 and plain.count(b'x') >= len(big) and n == (len(plain) + 16383) // 16384
              and ctype.startswith('multipart/x-multi-encrypted;') and sent > len(big), (status, n, ctype[:40]))
        status, plain, _, _, _ = c.call(ping('after big'))
        check('credssp: the session goes on after a big exchange', status == 200 and b'after big' in plain)
        status, _, data = c.post(ping('plain').encode())
        check('credssp: plaintext over HTTP → 500 (encryption required)', status == 500 and data == b'', status)
        status, _, _ = c.post(b'--Encrypted Boundary\r\nnonsense', {
            'Content-Type': 'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"' % PROTO})
        check('credssp: broken encrypted body → 400', status == 400, status)
        c.close()
        # wrong password (NTLM: the acceptor rejects it) → 401 with the bare challenges
        c = CredsspClient(srv.port, 'ntlm', password='wrong-pw')
        try:
            c.handshake()
            check('credssp: wrong NTLM password → 401', False, 'handshake passed')
        except AuthFailed as e:
            ch = c.last_headers.get_all('WWW-Authenticate') or []
            check('credssp: wrong NTLM password → 401 with the bare challenges', 'CredSSP' in ch, (e, ch))
        c.close()
        # a client whose pubKeyAuth is wrong
        c = CredsspClient(srv.port, 'krb5', bad_proof=True)
        try:
            c.handshake()
            check('credssp: wrong client pubKeyAuth → 401', False, 'handshake passed')
        except AuthFailed as e:
            check('credssp: wrong client pubKeyAuth → 401', 'status 401' in str(e), e)
        c.close()
    finally:
        rc, out = srv.stop()
        check('credssp: clean exit', rc == 0 and out == b'', (rc, out[:300]))
    # the server's own version cap: it answers min(client's, N)
    for n in (2, 3, 4, 5):
        srv = env.ServerProc('--auth', 'credssp', '--credssp-version', str(n), '--credssp-reveal-password')
        try:
            for mech in ('krb5', 'ntlm'):
                c = CredsspClient(srv.port, mech, 6)
                try:
                    st = c.handshake()
                    status, plain, _, _, _ = c.call(ping('capped'))
                    check('credssp --credssp-version %d %s: negotiated %d' % (n, mech, n),
                          st == 200 and c.server_version == n and c.neg == n and b'capped' in plain,
                          (c.server_version, c.neg))
                    status, plain, _, _, _ = c.call(envelope(LAST))
                    text = plain.decode()
                    pw = KPW if mech == 'krb5' else NPW
                    check('credssp --credssp-reveal-password %s: /credssp/last has the password' % mech,
                          status == 200 and '<c:Password>%s</c:Password>' % pw in text
                          and '<c:Version>%d</c:Version>' % n in text, text)
                except (AuthFailed, ssl.SSLError) as e:
                    check('credssp --credssp-version %d %s' % (n, mech), False, e)
                c.close()
        finally:
            srv.stop()


def t_https(env):
    check = env.check
    d = tempfile.mkdtemp(prefix='wsmcredssptls-')
    try:
        subprocess.run(['sh', MAKE_CERTS, d], check=True, capture_output=True, timeout=120)
        p = lambda n: os.path.join(d, n)   # noqa: E731
        tls = ssl.create_default_context(cafile=p('ca.pem'))
        srv = env.ServerProc('--tls-cert', p('server.pem'), '--tls-key', p('server.key'), '--auth', 'credssp')
        try:
            for mech in ('krb5', 'ntlm'):
                c = CredsspClient(srv.port, mech, https=tls)
                st = c.handshake()
                status, _, data = c.post(envelope(OS_URI).encode())
                check('credssp https %s: handshake, then plaintext SOAP' % mech,
                      st == 200 and status == 200 and b'CSName' in data, (st, status))
                c.close()
                last = fields(srv.log_lines()[-1])
                check('credssp https %s: log enc=no, delegated' % mech,
                      last.get('enc') == 'no' and last.get('auth') == 'credssp'
                      and last.get('delegated') == 'yes', last)
            c = CredsspClient(srv.port, 'krb5', https=tls)
            c.handshake(envelope(OS_URI))
            check('credssp https: a request on the authInfo leg is served', b'CSName' in c.last_data)
            c.close()
            status, _, _ = CredsspClient(srv.port, https=tls).post(envelope(OS_URI).encode())
            check('credssp https: a new connection is not authenticated', status == 401, status)
        finally:
            rc, out = srv.stop()
            check('credssp https: clean exit', rc == 0 and out == b'', (rc, out[:300]))
    finally:
        shutil.rmtree(d, ignore_errors=True)


def t_switches(env):
    check = env.check

    def server(*a):
        return env.ServerProc('--auth', 'credssp', *a)

    def fails(c):
        try:
            c.handshake()
            return 'passed'
        except (AuthFailed, ssl.SSLError, OSError) as e:
            return e
        finally:
            c.close()
    srv = server('--credssp-bad-pubkey')
    try:
        for mech in ('krb5', 'ntlm'):
            for v in (3, 6):
                e = fails(CredsspClient(srv.port, mech, v))
                check('--credssp-bad-pubkey %s v%d: the client refuses the proof' % (mech, v),
                      'does not prove' in str(e), e)
    finally:
        srv.stop()
    srv = server('--credssp-error-code', '0x8009030C')
    try:
        for mech in ('krb5', 'ntlm'):
            e = fails(CredsspClient(srv.port, mech, 6))
            check('--credssp-error-code %s: TSRequest.errorCode' % mech,
                  isinstance(e, ErrorCode) and e.code == 0x8009030C, e)
        e = fails(CredsspClient(srv.port, 'krb5', 2))
        check('--credssp-error-code: a version 2 client gets the bare 401', 'status 401' in str(e), e)
        line = srv.log_lines()[-2]
        check('--credssp-error-code: logged', 'gsserr=answered%20with%20errorCode%200x8009030C' in
              open(srv.log).read(), line)
    finally:
        srv.stop()
    srv = server('--credssp-corrupt-records')
    try:
        c = CredsspClient(srv.port, 'ntlm')
        st = c.handshake()
        try:
            c.call(ping('x'))
            got = 'decrypted'
        except ssl.SSLError as e:
            got = e
        check('--credssp-corrupt-records: handshake fine, the reply does not decrypt',
              st == 200 and isinstance(got, ssl.SSLError), got)
        c.close()
    finally:
        srv.stop()
    srv = server('--credssp-garbage')
    try:
        e = fails(CredsspClient(srv.port, 'krb5'))
        check('--credssp-garbage: the client cannot parse the TSRequest', 'not DER' in str(e), e)
    finally:
        srv.stop()
    srv = server('--credssp-tls-alert')
    try:
        e = fails(CredsspClient(srv.port, 'krb5'))
        check('--credssp-tls-alert: the client TLS handshake fails with the alert',
              isinstance(e, ssl.SSLError) and 'HANDSHAKE_FAILURE' in str(e).upper(), e)
    finally:
        srv.stop()
    srv = server('--credssp-stall')
    try:
        e = fails(CredsspClient(srv.port, 'krb5', timeout=2))
        check('--credssp-stall: the second leg gets no reply', isinstance(e, (socket.timeout, TimeoutError)), e)
        lines = srv.log_lines(2)
        check('--credssp-stall: logged status=0', len(lines) == 2 and 'status=0' in lines[1], lines)
    finally:
        rc, out = srv.stop()
        check('--credssp-stall: clean exit', rc == 0, (rc, out))
    srv = server('--credssp-key', 'ec')
    try:
        for mech in ('krb5', 'ntlm'):
            for v in (4, 6):
                c = CredsspClient(srv.port, mech, v)
                st = c.handshake()
                status, plain, _, _, _ = c.call(ping('ec'))
                check('--credssp-key ec %s v%d: handshake and encrypted echo' % (mech, v),
                      st == 200 and status == 200 and b'ec' in plain and len(c.spk) == 65, len(c.spk))
                c.close()
    finally:
        srv.stop()
    srv = server()
    try:
        c = CredsspClient(srv.port, 'krb5')
        c.handshake()
        try:
            c.call(envelope('http://wsmauto.test/misbehave/enc-tamper'))
            got = 'decrypted'
        except ssl.SSLError as e:
            got = e
        check('credssp: misbehave enc-tamper → the reply does not decrypt', isinstance(got, ssl.SSLError), got)
        c.close()
    finally:
        srv.stop()
    srv = server('--credssp-tls-max', '1.2')
    try:
        c = CredsspClient(srv.port, 'ntlm')
        st = c.handshake()
        check('--credssp-tls-max 1.2: TLS 1.2 inside', st == 200 and c.tls_version == 'TLSv1.2', c.tls_version)
        c.close()
        e = fails(CredsspClient(srv.port, 'ntlm', tls_min=ssl.TLSVersion.TLSv1_3))
        check('--credssp-tls-max 1.2: a TLS 1.3-only client fails', 'status 401' in str(e), e)
    finally:
        srv.stop()


def run_all(check, server_proc, run, verbose=False):
    import importlib.util
    if importlib.util.find_spec('gssapi') is None:
        check('credssp: python3-gssapi installed', False)
        return
    env = Env(check, server_proc, verbose)
    try:
        env.start_kdc()
    except (subprocess.SubprocessError, OSError) as e:
        check('credssp: test KDC started (tests/kdc/kdc.sh)', False, e)
        return
    try:
        for name, fn in (('credssp-versions', t_versions), ('credssp-https', t_https),
                         ('credssp-switches', t_switches)):
            run(name, fn, env)
    finally:
        env.stop_kdc()


def main():
    from selftests import common
    run_all(common.check, common.ServerProc, common.run, common.VERBOSE)
    print('credssp_selftest: %d passed, %d failed' % (common.PASSED, common.FAILED))
    return 0 if common.FAILED == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
