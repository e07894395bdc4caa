# SPDX-License-Identifier: MIT
"""CredSSP acceptor of the test server (`--auth credssp`), written from [MS-CSSP] and [MS-WSMV].

Over HTTP(S) every CredSSP message travels base64-encoded in `Authorization: CredSSP …` (client) and
`WWW-Authenticate: CredSSP …` (server, on 401 legs) on one kept-alive connection:
  1. the inner TLS handshake ([MS-CSSP] 3.1.5 step 1) with ssl.MemoryBIO/SSLObject and a self-signed certificate
     made at start-up with the openssl CLI;
  2. TSRequest messages ([MS-CSSP] 2.2.1) inside that TLS session carrying SPNEGO negoTokens, handled by a
     python3-gssapi acceptor with the default credentials (keytab, gss-ntlmssp's NTLM_USER_FILE);
  3. pubKeyAuth ([MS-CSSP] 3.1.5 steps 3-4): v2-4 the server's SubjectPublicKey encrypted by the inner
     context (the server answers with its first byte + 1); v5/6 SHA-256 of the magic string, the clientNonce
     and the SubjectPublicKey;
  4. authInfo: the encrypted TSCredentials ([MS-CSSP] 2.2.1.2) whose TSPasswordCreds are recorded in memory.
Afterwards message encryption over HTTP uses TLS application records of the inner session ([MS-WSMV]
2.2.9.1.3 CredSSPEncryptedMessage): 4-byte little-endian trailer length, then the record bytes; bodies over
16384 bytes are cut into 16384-byte chunks under `multipart/x-multi-encrypted`.

The DER codec is our own (only the few types MS-CSSP uses): no pyasn1 is needed. python3-gssapi is imported
lazily (the KDC environment must be in place first). Nothing here logs a password.
"""

import base64
import hashlib
import os
import re
import select
import shutil
import ssl
import struct
import subprocess
import tempfile
import threading
import time
from xml.sax.saxutils import escape

PROTO_CREDSSP = 'application/HTTP-CredSSP-session-encrypted'
LAST_URI = 'http://wsmauto.test/credssp/last'
NS_LAST = 'http://wsmauto.test/credssp'
CHUNK = 16384                       # [MS-WSMV] 2.2.9.1.3: CredSSP messages are encrypted in 16 KiB pieces
OID_KRB5 = '1.2.840.113554.1.2.2'
OID_NTLM = '1.3.6.1.4.1.311.2.2.10'
CLIENT_MAGIC = b'CredSSP Client-To-Server Binding Hash\x00'     # [MS-CSSP] 3.1.5 (version 5 and later)
SERVER_MAGIC = b'CredSSP Server-To-Client Binding Hash\x00'
TLS_ALERT = bytes.fromhex('15030300020228')      # fatal handshake_failure(40), TLS 1.2 record (RFC 5246 7.2)
GARBAGE = b'\x30\x84\xff\xff\xff\xffnot DER at all: wsmauto --credssp-garbage' + bytes(range(32))
TLS_MAX = {'1.2': ssl.TLSVersion.TLSv1_2, '1.3': ssl.TLSVersion.TLSv1_3}


class CredsspError(Exception):
    """A handshake that cannot go on (→ 401 with the bare challenges, the connection's context dropped)."""


class EncryptionError(ValueError):
    """A CredSSP-encrypted body that cannot be parsed or decrypted (→ 400)."""


# ------------------------------------------------------------------------------------------------------------
# DER (X.690) for the MS-CSSP 2.2.1 structures
# ------------------------------------------------------------------------------------------------------------
def der_tlv(buf, pos, end=None):
    """One TLV at pos → (tag, value start, value end). Definite lengths only (DER)."""
    end = len(buf) if end is None else end
    if pos + 2 > end:
        raise ValueError('short DER at byte %d' % pos)
    tag, n = buf[pos], buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7f
        if k == 0 or k > 4 or pos + k > end:
            raise ValueError('bad DER length at byte %d' % (pos - 1))
        n = int.from_bytes(buf[pos:pos + k], 'big')
        pos += k
    if pos + n > end:
        raise ValueError('DER value runs past its container at byte %d' % pos)
    return tag, pos, pos + n


def der_children(buf, start, end):
    out = []
    while start < end:
        t, s, e = der_tlv(buf, start, end)
        out.append((t, s, e))
        start = e
    return out


def der(tag, content):
    n = len(content)
    if n < 0x80:
        head = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, 'big')
        head = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + head + content


def der_int(v):
    k = 1
    while not -(1 << (8 * k - 1)) <= v < (1 << (8 * k - 1)):
        k += 1
    return der(0x02, v.to_bytes(k, 'big', signed=True))


def ctx_tag(n):
    return 0xa0 | n                 # [n] EXPLICIT, constructed


class TSRequest:
    """[MS-CSSP] 2.2.1 TSRequest: version [0], negoTokens [1] (SEQUENCE OF SEQUENCE {negoToken [0] OCTET
    STRING}), authInfo [2], pubKeyAuth [3], errorCode [4] (version 3+), clientNonce [5] (version 5+)."""

    def __init__(self, version, nego_tokens=(), auth_info=None, pub_key_auth=None, error_code=None,
                 client_nonce=None):
        self.version = version
        self.nego_tokens = list(nego_tokens)
        self.auth_info = auth_info
        self.pub_key_auth = pub_key_auth
        self.error_code = error_code
        self.client_nonce = client_nonce

    def encode(self):
        f = [der(ctx_tag(0), der_int(self.version))]
        if self.nego_tokens:
            items = b''.join(der(0x30, der(ctx_tag(0), der(0x04, t))) for t in self.nego_tokens)
            f.append(der(ctx_tag(1), der(0x30, items)))
        for n, v in ((2, self.auth_info), (3, self.pub_key_auth)):
            if v is not None:
                f.append(der(ctx_tag(n), der(0x04, v)))
        if self.error_code is not None:
            f.append(der(ctx_tag(4), der_int(self.error_code)))
        if self.client_nonce is not None:
            f.append(der(ctx_tag(5), der(0x04, self.client_nonce)))
        return der(0x30, b''.join(f))

    @classmethod
    def decode(cls, buf):
        try:
            return cls._decode(buf)
        except (ValueError, IndexError) as e:
            raise CredsspError('TSRequest: %s' % e)

    @classmethod
    def _decode(cls, buf):
        tag, s, e = der_tlv(buf, 0)
        if tag != 0x30 or e != len(buf):
            raise ValueError('not one DER SEQUENCE')
        req = cls(None)
        last = -1
        for t, fs, fe in der_children(buf, s, e):
            n = t - 0xa0
            if not 0 <= n <= 5 or n <= last:
                raise ValueError('unexpected field tag 0x%02x' % t)
            last = n
            it, vs, ve = der_tlv(buf, fs, fe)
            if ve != fe:
                raise ValueError('trailing bytes in field [%d]' % n)
            if n in (0, 4):
                if it != 0x02 or ve == vs:
                    raise ValueError('field [%d] is not an INTEGER' % n)
                v = int.from_bytes(buf[vs:ve], 'big', signed=True)
                if n == 0:
                    req.version = v
                else:
                    req.error_code = v
            elif n == 1:
                if it != 0x30:
                    raise ValueError('negoTokens is not a SEQUENCE')
                for t2, s2, e2 in der_children(buf, vs, ve):
                    t3, s3, e3 = der_tlv(buf, s2, e2)
                    t4, s4, e4 = der_tlv(buf, s3, e3) if t3 == ctx_tag(0) else (None, 0, 0)
                    if t2 != 0x30 or t4 != 0x04:
                        raise ValueError('a NegoData item is not SEQUENCE {[0] OCTET STRING}')
                    req.nego_tokens.append(bytes(buf[s4:e4]))
            else:
                if it != 0x04:
                    raise ValueError('field [%d] is not an OCTET STRING' % n)
                v = bytes(buf[vs:ve])
                if n == 2:
                    req.auth_info = v
                elif n == 3:
                    req.pub_key_auth = v
                else:
                    req.client_nonce = v
        if req.version is None:
            raise ValueError('no version field')
        return req


def decode_credentials(buf):
    """[MS-CSSP] 2.2.1.2 TSCredentials {credType [0] INTEGER, credentials [1] OCTET STRING}; credType 1 =
    2.2.1.2.1 TSPasswordCreds {domainName [0], userName [1], password [2]} (OCTET STRINGs of UTF-16LE).
    → (domain, user, password)."""
    try:
        tag, s, e = der_tlv(buf, 0)
        fields = {}
        for t, fs, fe in der_children(buf, s, e) if tag == 0x30 else ():
            it, vs, ve = der_tlv(buf, fs, fe)
            fields[t] = (it, buf[vs:ve])
        if tag != 0x30 or fields.get(0xa0, (0,))[0] != 0x02 or fields.get(0xa1, (0,))[0] != 0x04:
            raise ValueError('not a TSCredentials')
        ctype = int.from_bytes(fields[0xa0][1], 'big', signed=True)
        if ctype != 1:
            raise ValueError('credType %d (only 1, TSPasswordCreds, is supported)' % ctype)
        inner = fields[0xa1][1]
        tag, s, e = der_tlv(inner, 0)
        pw = {}
        for t, fs, fe in der_children(inner, s, e) if tag == 0x30 else ():
            it, vs, ve = der_tlv(inner, fs, fe)
            if it != 0x04:
                raise ValueError('a TSPasswordCreds field is not an OCTET STRING')
            pw[t] = inner[vs:ve].decode('utf-16-le')
        if tag != 0x30 or set(pw) != {0xa0, 0xa1, 0xa2}:
            raise ValueError('not a TSPasswordCreds')
        return pw[0xa0], pw[0xa1], pw[0xa2]
    except (ValueError, IndexError, UnicodeDecodeError) as e:
        raise CredsspError('authInfo: %s' % e)


def subject_public_key(cert_der):
    """The SubjectPublicKey of a certificate ([MS-CSSP] 3.1.5: the BIT STRING contents of
    subjectPublicKeyInfo, without its unused-bits octet)."""
    _, s, e = der_tlv(cert_der, 0)                       # Certificate
    _, ts, te = der_tlv(cert_der, s, e)                  # tbsCertificate
    fields = der_children(cert_der, ts, te)
    if fields and fields[0][0] == 0xa0:                  # version [0]
        fields = fields[1:]
    _, ks, ke = fields[5]                                # serial, signature, issuer, validity, subject, SPKI
    _, bs, be = der_children(cert_der, ks, ke)[1]        # algorithm, subjectPublicKey BIT STRING
    return bytes(cert_der[bs + 1:be])


# ------------------------------------------------------------------------------------------------------------
# Options and the per-server state
# ------------------------------------------------------------------------------------------------------------
def hresult(text):
    v = int(text, 0)
    if not -(1 << 31) <= v < (1 << 32):
        raise ValueError(text)
    return v - (1 << 32) if v >= (1 << 31) else v        # the INTEGER of a 32-bit HRESULT/NTSTATUS


def add_arguments(ap):
    ap.add_argument('--credssp-version', type=int, default=6, choices=range(2, 7), metavar='N',
                    help='CredSSP: the TSRequest version the server speaks, 2..6 (default 6); it answers with '
                    'min(client version, N)')
    ap.add_argument('--credssp-bad-pubkey', action='store_true',
                    help='CredSSP: send a wrong pubKeyAuth (the server\'s public key proof)')
    ap.add_argument('--credssp-error-code', type=hresult, metavar='HRESULT',
                    help='CredSSP: answer the first TSRequest with a TSRequest carrying this errorCode '
                    '(version 3+), e.g. 0x8009030C')
    ap.add_argument('--credssp-corrupt-records', action='store_true',
                    help='CredSSP: corrupt the TLS records of encrypted replies')
    ap.add_argument('--credssp-garbage', action='store_true',
                    help='CredSSP: answer the first TSRequest with bytes that are not DER (inside TLS)')
    ap.add_argument('--credssp-tls-alert', action='store_true',
                    help='CredSSP: answer the ClientHello with a fatal TLS alert')
    ap.add_argument('--credssp-stall', action='store_true',
                    help='CredSSP: send no reply to the second handshake leg (until the client hangs up)')
    ap.add_argument('--credssp-tls-max', choices=sorted(TLS_MAX), default='1.3',
                    help='CredSSP: highest inner TLS version (default 1.3; the lowest is 1.2)')
    ap.add_argument('--credssp-key', choices=('rsa', 'ec'), default='rsa',
                    help='CredSSP: the inner certificate\'s key, RSA 2048 (default) or EC P-256: a smaller first '
                    'server flight (Wine 8\'s WinHTTP cuts reply header lines at about 1460 bytes)')
    ap.add_argument('--credssp-reveal-password', action='store_true',
                    help='CredSSP, tests only: http://wsmauto.test/credssp/last also returns the delegated '
                    'password itself (by default only its SHA-256)')


def make_certificate(directory, key_type='rsa'):
    """A self-signed RSA (or, --credssp-key ec, P-256) certificate for the inner TLS session (the CredSSP
    certificate; its identity is proven by pubKeyAuth, not by a CA)."""
    cert, key = os.path.join(directory, 'credssp.pem'), os.path.join(directory, 'credssp.key')
    newkey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] if key_type == 'ec' else ['-newkey', 'rsa:2048']
    subprocess.run(['openssl', 'req', '-x509'] + newkey + ['-nodes', '-sha256', '-days', '30',
                    '-subj', '/CN=wsmauto-credssp', '-keyout', key, '-out', cert],
                   check=True, capture_output=True, timeout=60)
    return cert, key


class Service:
    """Per server: the inner TLS context, its public key and the last delegated credentials."""

    def __init__(self, args, new_acceptor):
        self.args = args
        self.new_acceptor = new_acceptor          # () → gssapi.SecurityContext (acceptor, no bindings)
        d = tempfile.mkdtemp(prefix='wsmcredssp-')
        try:
            cert, key = make_certificate(d, getattr(args, 'credssp_key', 'rsa'))
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ctx.maximum_version = TLS_MAX[args.credssp_tls_max]
            ctx.options |= ssl.OP_NO_COMPRESSION
            ctx.load_cert_chain(cert, key)
            ctx.num_tickets = 0           # TLS 1.3: no NewSessionTicket after the handshake
            with open(cert, 'rb') as f:
                self.cert_der = ssl.PEM_cert_to_DER_cert(f.read().decode('ascii'))
        finally:
            shutil.rmtree(d, ignore_errors=True)
        self.ssl_ctx = ctx
        self.public_key = subject_public_key(self.cert_der)
        self.lock = threading.Lock()
        self.last = None                          # dict of the last delegation
        self.count = 0

    def record(self, domain, user, password, conn):
        with self.lock:
            self.count += 1
            self.last = {'domain': domain, 'user': user, 'password': password, 'version': conn.version,
                         'mech': conn.mech, 'initiator': conn.initiator, 'tls': conn.tls_version}

    def last_xml(self):
        """The body of a Get of LAST_URI."""
        with self.lock:
            last, count = self.last, self.count
        out = ['<c:CredSSPLast xmlns:c="%s"><c:Count>%d</c:Count>' % (NS_LAST, count)]
        if last is not None:
            out.append('<c:Domain>%s</c:Domain><c:User>%s</c:User><c:PasswordSHA256>%s</c:PasswordSHA256>'
                       % (escape(last['domain']), escape(last['user']),
                          hashlib.sha256(last['password'].encode('utf-8')).hexdigest()))
            if self.args.credssp_reveal_password:
                out.append('<c:Password>%s</c:Password>' % escape(last['password']))
            out.append('<c:Version>%d</c:Version><c:Mechanism>%s</c:Mechanism><c:Initiator>%s</c:Initiator>'
                       '<c:TLS>%s</c:TLS>' % (last['version'], last['mech'], escape(last['initiator']),
                                              last['tls']))
        out.append('</c:CredSSPLast>')
        return ''.join(out)


# ------------------------------------------------------------------------------------------------------------
# The security context of one TCP connection
# ------------------------------------------------------------------------------------------------------------
def _gss():
    import gssapi
    import gssapi.raw
    return gssapi


def tls_trailer_length(cipher):
    """cbSecurityTrailer of the TLS session ([MS-WSMV] 2.2.9.1.3: the 4-byte field of each part)."""
    name, version, _ = cipher
    if version == 'TLSv1.3':
        return 17                                 # 16-byte AEAD tag + the inner content type octet
    if 'GCM' in name or 'CHACHA20' in name:
        return 16
    mac = 48 if name.endswith('SHA384') else 32 if name.endswith('SHA256') else 20
    return mac + 16                               # CBC: MAC + up to one block of padding (an upper bound)


class CredsspConn:
    """Duck-types wsman_server's GssConn (scheme, complete, mech, user, cbt, served, last_reply, protocol)."""

    scheme = 'credssp'
    protocol = PROTO_CREDSSP

    def __init__(self, svc):
        self.svc = svc
        self.args = svc.args
        self.legs = 0
        self.complete = False
        self.mech = None
        self.user = '-'
        self.initiator = '-'
        self.cbt = '-'
        self.served = 0
        self.last_reply = None
        self.first_out = None
        self.version = None           # negotiated TSRequest version = min(client's, --credssp-version)
        self.client_version = None
        self.tls_version = None
        self.delegated = False
        self.state = 'tls'            # tls → nego → pubkey → creds → done
        self.nonce = None
        self.inc = ssl.MemoryBIO()
        self.out = ssl.MemoryBIO()
        self.tls = svc.ssl_ctx.wrap_bio(self.inc, self.out, server_side=True)
        self.ctx = None

    # -- log --
    def log_fields(self):
        f = [('credssp', 'v%s' % (self.version if self.version is not None else '-')),
             ('tls', (self.tls_version or '-').replace('TLSv', ''))]
        if self.delegated:
            f.append(('delegated', 'yes'))
        return f

    # -- TLS plumbing --
    def read_plain(self):
        out = []
        while True:
            try:
                data = self.tls.read(1 << 20)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                raise CredsspError('the client closed the inner TLS session')
            if not data:
                break
            out.append(data)
        return b''.join(out)

    def write_plain(self, data):
        self.tls.write(data)
        return self.out.read()

    # -- handshake --
    def step(self, token):
        """One leg → (kind, bytes to send): kind 'continue' (401 + token), 'done' (200), 'error' (a TSRequest
        with errorCode: 401 + token, context dropped). Raises CredsspError."""
        self.inc.write(token)
        out = b''
        if self.state == 'tls':
            try:
                self.tls.do_handshake()
            except ssl.SSLWantReadError:
                out = self.out.read()
                if not out:
                    raise CredsspError('TLS handshake: the token gave the server nothing to answer')
                return 'continue', out
            except ssl.SSLError as e:
                raise CredsspError('TLS handshake: %s' % (e.reason or e))
            out = self.out.read()
            self.tls_version = self.tls.version()
            self.state = 'nego'
        data = self.read_plain()
        if not data:
            return 'continue', out        # TLS 1.2: the server's Finished; TLS 1.3: a client Finished alone
        req = TSRequest.decode(data)
        kind, reply = self.ts_step(req)
        if reply is not None:
            out += self.write_plain(reply)
        return kind, out

    def ts_step(self, req):
        args = self.args
        if req.version < 2:
            raise CredsspError('TSRequest version %d (the server needs 2 or later)' % req.version)
        if self.version is None:
            self.client_version = req.version
            self.version = min(req.version, args.credssp_version)
        if req.error_code is not None:
            raise CredsspError('the client sent errorCode 0x%08X' % (req.error_code & 0xffffffff))
        if self.state == 'nego':
            if args.credssp_error_code is not None:
                if self.version < 3:
                    raise CredsspError('--credssp-error-code: TSRequest version %d has no errorCode (3+)'
                                       % self.version)
                return 'error', TSRequest(self.version, error_code=args.credssp_error_code).encode()
            if not req.nego_tokens:
                raise CredsspError('the TSRequest carries no negoTokens')
            if self.ctx is None:
                try:
                    self.ctx = self.svc.new_acceptor()
                except Exception as e:          # noqa: BLE001 - any GSS set-up failure
                    raise CredsspError('acceptor: %s' % e)
            try:
                tok = self.ctx.step(req.nego_tokens[0])
                complete = self.ctx.complete
            except Exception as e:              # noqa: BLE001 - GSSError and friends
                raise CredsspError('SPNEGO: %s' % e)
            reply = TSRequest(self.version, nego_tokens=[tok] if tok else [])
            if complete:
                self.inner_complete()
                if req.pub_key_auth is not None:        # the client's last token and its proof together
                    self.check_pub_key(req)
                    reply.pub_key_auth = self.server_pub_key()
                    self.state = 'creds'
            elif not tok:
                raise CredsspError('the acceptor wants more but produced no token')
            if args.credssp_garbage:
                return 'continue', GARBAGE
            return 'continue', reply.encode()
        if self.state == 'pubkey':
            if req.nego_tokens or req.pub_key_auth is None:
                raise CredsspError('expected a TSRequest with pubKeyAuth (the inner context is complete)')
            self.check_pub_key(req)
            self.state = 'creds'
            return 'continue', TSRequest(self.version, pub_key_auth=self.server_pub_key()).encode()
        if self.state == 'creds':
            if req.auth_info is None:
                raise CredsspError('expected a TSRequest with authInfo')
            try:
                creds = self.unwrap(req.auth_info)
            except Exception as e:              # noqa: BLE001 - GSSError
                raise CredsspError('authInfo unwrap: %s' % e)
            domain, user, password = decode_credentials(creds)
            self.svc.record(domain, user, password, self)
            self.user = ('%s\\%s' % (domain, user)) if domain else user
            self.delegated = True
            self.state = 'done'
            return 'done', None
        raise CredsspError('unexpected TSRequest in state %s' % self.state)

    def inner_complete(self):
        mech = self.ctx.mech.dotted_form
        self.mech = 'krb5' if mech == OID_KRB5 else 'ntlm' if mech == OID_NTLM else mech
        if self.mech not in ('krb5', 'ntlm'):
            raise CredsspError('inner mechanism %s is not allowed' % mech)
        try:
            # gss-ntlmssp's display name ends in a NUL; keep the log one token
            self.initiator = re.sub(r'[\x00-\x20]', '', str(self.ctx.initiator_name)) or '-'
        except Exception:                       # noqa: BLE001 - a name that does not display
            self.initiator = '?'
        self.user = self.initiator
        self.state = 'pubkey'

    # -- pubKeyAuth ([MS-CSSP] 3.1.5) --
    def check_pub_key(self, req):
        try:
            got = self.unwrap(req.pub_key_auth)
        except Exception as e:                  # noqa: BLE001 - GSSError
            raise CredsspError('pubKeyAuth unwrap: %s' % e)
        spk = self.svc.public_key
        if self.version >= 5:
            if req.client_nonce is None or len(req.client_nonce) != 32:
                raise CredsspError('version %d needs a 32-byte clientNonce with pubKeyAuth' % self.version)
            self.nonce = req.client_nonce
            want = hashlib.sha256(CLIENT_MAGIC + self.nonce + spk).digest()
        else:
            want = spk
        if got != want:
            raise CredsspError('pubKeyAuth does not match the server public key (version %d)' % self.version)

    def server_pub_key(self):
        spk = self.svc.public_key
        if self.version >= 5:
            plain = hashlib.sha256(SERVER_MAGIC + self.nonce + spk).digest()
        else:
            plain = bytes([(spk[0] + 1) & 0xff]) + spk[1:]
        if self.args.credssp_bad_pubkey:
            plain = plain[:-1] + bytes([plain[-1] ^ 0x01])
        return self.wrap(plain)

    def wrap(self, plain):
        """EncryptMessage-style: NTLM signature ‖ sealed data; Kerberos [HEADER][DATA] (RRC 28 for AES, as
        Windows' SSPI writes it; gss_unwrap takes it as one token)."""
        g = _gss()
        if self.mech == 'ntlm':
            return bytes(self.ctx.wrap(plain, True).message)
        T = g.raw.IOVBufferType
        probe = g.raw.IOV(T.header, plain, T.padding, std_layout=False)
        g.raw.wrap_iov_length(self.ctx, probe, confidential=True)
        pad = probe[2].value and len(probe[2].value)
        iov = (g.raw.IOV(T.header, plain, T.padding, std_layout=False) if pad
               else g.raw.IOV(T.header, plain, std_layout=False))
        g.raw.wrap_iov(self.ctx, iov, confidential=True)
        return b''.join(bytes(b.value or b'') for b in iov)

    def unwrap(self, data):
        res = self.ctx.unwrap(data)
        if not res.encrypted:
            raise CredsspError('the message was signed but not sealed')
        return bytes(res.message)

    # -- message encryption ([MS-WSMV] 2.2.9.1.3) --
    def decrypt(self, enc, body):
        """enc = (protocol, boundary) of the Content-Type → (plaintext, charset or None)."""
        protocol, boundary = enc
        if protocol.lower() != PROTO_CREDSSP.lower():
            raise EncryptionError('protocol %r does not belong to the CredSSP scheme' % protocol)
        out, charset = [], None
        for length, cs, records in parse_parts(boundary, body):
            self.inc.write(records)
            try:
                plain = self.read_plain()
            except (ssl.SSLError, CredsspError) as e:
                raise EncryptionError('TLS: %s' % e)
            if len(plain) != length:
                raise EncryptionError('the plaintext is %d bytes but Length=%d' % (len(plain), length))
            out.append(plain)
            charset = charset or cs
        return b''.join(out), charset

    def encrypt(self, plain, charset, corrupt=False):
        """→ (body, Content-Type): one part, or 16384-byte chunks under multipart/x-multi-encrypted."""
        trailer = tls_trailer_length(self.tls.cipher())
        out = []
        chunks = [plain[i:i + CHUNK] for i in range(0, len(plain), CHUNK)] or [b'']
        for chunk in chunks:
            rec = self.write_plain(chunk)
            if corrupt:
                i = len(rec) - 8
                rec = rec[:i] + bytes([rec[i] ^ 0x5a]) + rec[i + 1:]
            out.append(b'--Encrypted Boundary\r\n\tContent-Type: ' + PROTO_CREDSSP.encode() + b'\r\n'
                       + ('\tOriginalContent: type=application/soap+xml;charset=%s;Length=%d\r\n'
                          % ('UTF-16' if charset == 'utf-16' else 'UTF-8', len(chunk))).encode()
                       + b'--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n'
                       + struct.pack('<I', trailer) + rec)
        out.append(b'--Encrypted Boundary--\r\n')
        kind = 'multipart/x-multi-encrypted' if len(chunks) > 1 else 'multipart/encrypted'
        return b''.join(out), '%s;protocol="%s";boundary="Encrypted Boundary"' % (kind, PROTO_CREDSSP)


def parse_parts(boundary, body):
    """A CredSSP multipart/encrypted or x-multi-encrypted body → [(Length, charset, TLS record bytes)]. The
    records after the 4-byte field are walked by their own 5-byte headers, so the end of a part never depends
    on a boundary string that might occur in ciphertext."""
    if not boundary:
        raise EncryptionError('the multipart Content-Type has no boundary')
    b = re.escape(boundary.encode('latin-1'))
    delim = re.compile(b'--[ \t]*' + b + b'(--)?[ \t]*\r\n')
    octet = re.compile(b'[ \t]*Content-Type:[ \t]*application/octet-stream[ \t]*\r\n', re.I)
    parts, pos = [], 0
    while True:
        m = delim.match(body, pos)
        if m is None:
            raise EncryptionError('expected the boundary delimiter at byte %d' % pos)
        if m.group(1):
            if body[m.end():].strip(b'\r\n'):
                raise EncryptionError('data after the closing boundary')
            break
        m2 = delim.search(body, m.end())
        if m2 is None or m2.group(1):
            raise EncryptionError('a metadata part without its payload part')
        length = charset = None
        for line in body[m.end():m2.start()].decode('latin-1').split('\r\n'):
            name, sep, value = line.strip().partition(':')
            if sep and name.strip().lower() == 'originalcontent':
                for item in value.split(';'):
                    k, s2, v = item.strip().partition('=')
                    if k.lower() == 'length' and s2 and v.strip().isdigit():
                        length = int(v)
                    elif k.lower() == 'charset' and s2:
                        charset = v.strip().strip('"')
        if length is None:
            raise EncryptionError('the OriginalContent line has no valid Length')
        cm = octet.match(body, m2.end())
        if cm is None:
            raise EncryptionError('the payload part does not start with Content-Type: application/octet-stream')
        p = cm.end() + 4
        start = p
        if p > len(body):
            raise EncryptionError('the payload part is truncated')
        while p < len(body) and not delim.match(body, p):
            if p + 5 > len(body) or body[p] not in (20, 21, 22, 23):
                raise EncryptionError('no TLS record at byte %d' % p)
            p += 5 + struct.unpack('>H', body[p + 3:p + 5])[0]
        if p > len(body) or p == start:
            raise EncryptionError('the TLS records of a part are truncated or missing')
        parts.append((length, charset, body[start:p]))
        pos = p
    if not parts:
        raise EncryptionError('the body holds no encrypted part')
    return parts


# ------------------------------------------------------------------------------------------------------------
# HTTP side: one `Authorization: CredSSP <b64>` leg
# ------------------------------------------------------------------------------------------------------------
def http_step(h, b64, body):
    """Runs one leg on the wsman_server Handler h → 'credssp' when the request's body is to be served now
    (the last leg carried one), else None once a reply (401 leg, the final 200) was sent."""
    app = h.app
    args = app.args
    info = h.info
    info['gss'] = 'credssp'
    info['auth'] = 'credssp'
    try:
        tok = base64.b64decode(b64, validate=True)
    except ValueError:
        tok = b''
    c = h.gss
    if not isinstance(c, CredsspConn) or c.complete:
        c = CredsspConn(app.credssp)
        h.gss = c
    c.legs += 1
    info['leg'] = str(c.legs)
    info['more'] = c.log_fields()

    def fail(why):
        h.gss = None
        info['gsserr'] = why
        h.send_401()
        return None
    if not tok:
        return fail('the CredSSP token is not base64')
    if args.credssp_tls_alert and c.state == 'tls':
        h.gss = None
        info['gsserr'] = 'answered the TLS handshake with a fatal alert (--credssp-tls-alert)'
        h.raw_reply(401, extra=[('WWW-Authenticate', 'CredSSP ' + base64.b64encode(TLS_ALERT).decode())])
        return None
    if args.credssp_stall and c.legs >= 2:
        info['gsserr'] = 'no reply to leg %d (--credssp-stall)' % c.legs
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not app.stop.is_set():
            try:
                r, _, _ = select.select([h.connection], [], [], 0.2)
            except (OSError, ValueError):
                break
            if r:
                break
        h.gss = None
        h.close_connection = True
        info['status'] = 0
        return None
    try:
        kind, out = c.step(tok)
    except CredsspError as e:
        return fail(str(e))
    finally:
        info['more'] = c.log_fields()
    if c.mech:
        info['gss'], info['user'] = 'credssp/%s' % c.mech, c.user
    if args.credssp_garbage and kind == 'continue' and c.state != 'tls':
        info['gsserr'] = 'a TSRequest replaced by bytes that are not DER (--credssp-garbage)'
    challenge = [('WWW-Authenticate', 'CredSSP ' + base64.b64encode(out).decode() if out else 'CredSSP')]
    if kind == 'error':
        h.gss = None
        info['gsserr'] = 'answered with errorCode 0x%08X (--credssp-error-code)' % (args.credssp_error_code
                                                                                    & 0xffffffff)
        h.raw_reply(401, extra=challenge)
        return None
    if kind == 'continue':
        h.raw_reply(401, extra=challenge)
        return None
    c.complete = True
    if out:
        info['extra'].append(challenge[0])
    if not body:
        h.raw_reply(200)
        return None
    return 'credssp'
