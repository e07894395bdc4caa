# SPDX-License-Identifier: MIT
"""Shared part of the GSS self-tests: [MS-WSMV] 2.2.9.1 framing, the python-gssapi initiator and HTTP client,
the test environment (KDC) and the RC4 child."""

import base64
import hashlib
import http.client
import json
import os
import re
import struct
import subprocess
import tempfile


HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))     # tests/server
KDC_SH = os.path.join(HERE, '..', 'kdc', 'kdc.sh')
MAKE_CERTS = os.path.join(HERE, '..', 'tls', 'make-certs.sh')
PYTHON = '/usr/bin/python3'

OID_KRB5 = '1.2.840.113554.1.2.2'
OID_NTLM = '1.3.6.1.4.1.311.2.2.10'
OID_SPNEGO = '1.3.6.1.5.5.2'
P_SPNEGO = 'application/HTTP-SPNEGO-session-encrypted'
P_KERB = 'application/HTTP-Kerberos-session-encrypted'
KUSER, KPW = 'alice@WSMAUTO.TEST', 'alice-pw-1'
NUSER, NPW = 'WSMAUTO\\alice', 'alice-pw-1'

ECHO = 'http://wsmauto.test/echo'
MISB = 'http://wsmauto.test/misbehave/'
OS_URI = 'http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_OperatingSystem'
GET = 'http://schemas.xmlsoap.org/ws/2004/09/transfer/Get'


def envelope(uri, body='', action=GET, mid=None):
    return ('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
            'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
            'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Header>'
            '<a:To>http://localhost/wsman</a:To><w:ResourceURI s:mustUnderstand="true">%s</w:ResourceURI>'
            '<a:ReplyTo><a:Address s:mustUnderstand="true">'
            'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>'
            '<a:Action s:mustUnderstand="true">%s</a:Action><w:MaxEnvelopeSize s:mustUnderstand="true">'
            '%d</w:MaxEnvelopeSize><a:MessageID>%s</a:MessageID><w:OperationTimeout>PT60.000S'
            '</w:OperationTimeout></s:Header><s:Body>%s</s:Body></s:Envelope>'
            % (uri, action, 8000 * 1024, mid or 'uuid:0D8C3C22-6B3B-4B1C-9C3F-6A2A5B0E0E01', body))


# ------------------------------------------------------------------------------------------------------------
# [MS-WSMV] 2.2.9.1 framing (independent of the server's)
# ------------------------------------------------------------------------------------------------------------
def frame(protocol, length, header, cipher, charset='UTF-8', tab=True):
    """tab: Windows' framing (a TAB before each part header line); False: the lines start at the margin."""
    t = b'\t' if tab else b''
    return (b'--Encrypted Boundary\r\n'
            + t + b'Content-Type: ' + protocol.encode() + b'\r\n'
            + t + b'OriginalContent: type=application/soap+xml;charset=' + charset.encode() + b';Length='
            + str(length).encode() + b'\r\n'
            + b'--Encrypted Boundary\r\n'
            + t + b'Content-Type: application/octet-stream\r\n'
            + struct.pack('<I', len(header)) + header + cipher
            + b'--Encrypted Boundary--\r\n')


def ctype_of(protocol):
    return 'multipart/encrypted;protocol="%s";boundary="Encrypted Boundary"' % protocol


def unframe(ctype, body):
    """pypsrp's algorithm ([MS-WSMV] 2.2.9.1 "Decrypting a response") → [(length, charset, header, cipher)]."""
    m = re.search(r'boundary\s*=\s*"?([^";]+)"?', ctype, re.I)
    if not ctype.lower().startswith('multipart/encrypted') or not m:
        raise ValueError('not multipart/encrypted: %r' % ctype)
    b = re.escape(m.group(1).strip().encode())
    pieces = [p for p in re.split(b'--\\s*' + b + b'(?:--)?\r\n', body) if p.strip(b'\r\n')]
    if len(pieces) % 2:
        raise ValueError('odd number of MIME pieces')
    out = []
    for i in range(0, len(pieces), 2):
        meta, payload = pieces[i].decode('latin-1'), pieces[i + 1]
        lm = re.search(r'length\s*=\s*(\d+)', meta, re.I)
        cm = re.search(r'charset\s*=\s*([A-Za-z0-9-]+)', meta, re.I)
        pm = re.match(b'\\s*Content-Type:\\s*application/octet-stream\r\n', payload, re.I)
        if not lm or not pm:
            raise ValueError('bad MIME part')
        payload = payload[pm.end():]
        h = struct.unpack('<I', payload[:4])[0]
        out.append((int(lm.group(1)), cm.group(1) if cm else 'UTF-8', payload[4:4 + h], payload[4 + h:]))
    return out


# ------------------------------------------------------------------------------------------------------------
# GSS initiator + HTTP client
# ------------------------------------------------------------------------------------------------------------
def gss():
    import gssapi
    import gssapi.raw
    return gssapi


class AuthFailed(Exception):
    pass


class GssClient:
    """One keep-alive connection with its own security context.
    mech: 'spnego-krb5', 'spnego-ntlm', 'ntlm' (raw NTLMSSP in Negotiate), 'krb5' (Kerberos scheme)."""

    def __init__(self, port, mech, user=None, password=None, tls_ctx=None, cbt='auto', host='localhost'):
        self.port, self.mech, self.tls_ctx, self.host = port, mech, tls_ctx, host
        krb = mech in ('spnego-krb5', 'krb5')
        self.user = user or (KUSER if krb else NUSER)
        self.password = password or (KPW if krb else NPW)
        self.scheme = 'Kerberos' if mech == 'krb5' else 'Negotiate'
        self.protocol = P_KERB if mech == 'krb5' else P_SPNEGO
        self.cbt = cbt          # 'auto' = the right tls-server-end-point over TLS, None = none, bytes = these
        self.conn = None
        self.ctx = None
        self.last = None

    def connect(self):
        if self.tls_ctx is not None:
            self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.tls_ctx, timeout=60)
        else:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
        self.conn.connect()

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def post(self, body=b'', headers=None):
        if self.conn is None:
            self.connect()
        h = {'Content-Type': 'application/soap+xml;charset=UTF-8'}
        h.update(headers or {})
        h = {k: v for k, v in h.items() if v is not None}
        try:
            self.conn.request('POST', '/wsman', body, h)
            r = self.conn.getresponse()
            data = r.read()
        except Exception:
            self.close()
            raise
        self.last = (r.status, r.headers, data)
        return r.status, r.headers, data

    def bindings(self):
        g = gss()
        data = self.cbt
        if data == 'auto':
            if self.tls_ctx is None:
                return None
            der = self.conn.sock.getpeercert(binary_form=True)
            data = b'tls-server-end-point:' + hashlib.sha256(der).digest()
        if data is None:
            return None
        return g.raw.ChannelBindings(initiator_address_type=None, acceptor_address_type=None,
                                     application_data=data)

    def new_context(self):
        g = gss()
        krb5, ntlm, spnego = (g.OID.from_int_seq(o) for o in (OID_KRB5, OID_NTLM, OID_SPNEGO))
        inner = krb5 if self.mech in ('spnego-krb5', 'krb5') else ntlm
        outer = spnego if self.mech.startswith('spnego') else inner
        name = g.Name(self.user, g.NameType.user)
        cr = g.raw.acquire_cred_with_password(name, self.password.encode(), usage='initiate',
                                              mechs=[outer]).creds
        if outer == spnego:
            g.raw.set_neg_mechs(cr, [inner])    # else SPNEGO may pick another mech
        F = g.RequirementFlag
        flags = (F.mutual_authentication | F.confidentiality | F.integrity | F.replay_detection
                 | F.out_of_sequence_detection)
        if self.conn is None:
            self.connect()
        self.ctx = g.SecurityContext(name=g.Name('HTTP@localhost', g.NameType.hostbased_service),
                                     creds=g.Credentials(cr), mech=outer, usage='initiate', flags=flags,
                                     channel_bindings=self.bindings())
        self.inner = 'krb5' if inner == krb5 else 'ntlm'

    def server_token(self, headers):
        for v in headers.get_all('WWW-Authenticate') or []:
            name, _, tok = v.strip().partition(' ')
            if name.lower() == self.scheme.lower() and tok.strip():
                return base64.b64decode(tok.strip())
        return None

    def handshake(self, last_body=None, max_legs=5):
        """Empty-body legs until 200 (or, with last_body(ctx) → (body, headers), Windows' style: the final
        client token rides with that body). → the final HTTP status; self.legs = number of POSTs."""
        self.new_context()
        tok = self.ctx.step()
        self.legs = 0
        while True:
            self.legs += 1
            body, extra = b'', {}
            if last_body is not None and self.ctx.complete:
                body, extra = last_body(self)
            extra['Authorization'] = '%s %s' % (self.scheme, base64.b64encode(tok).decode())
            status, headers, data = self.post(body, extra)
            stok = self.server_token(headers)
            if status == 401 and stok and not self.ctx.complete and self.legs < max_legs:
                tok = self.ctx.step(stok)
                continue
            if status in (200, 500) and stok and not self.ctx.complete:
                self.ctx.step(stok)             # AP-REP / SPNEGO mechListMIC: must be fed before wrapping
            return status

    # -- wrapping (the C client's way) --
    def wrap(self, plain):
        g = gss()
        if self.inner == 'ntlm':
            w = self.ctx.wrap(plain, True).message
            return w[:16], w[16:], len(plain)
        T = g.raw.IOVBufferType
        iov = g.raw.IOV(T.header, plain, T.padding, std_layout=False)
        g.raw.wrap_iov(self.ctx, iov, confidential=True)
        pad = bytes(iov[2].value or b'')
        return bytes(iov[0].value), bytes(iov[1].value) + pad, len(plain) + len(pad)

    def unwrap(self, header, cipher):
        g = gss()
        if self.inner == 'ntlm':
            return self.ctx.unwrap(header + cipher).message
        T = g.raw.IOVBufferType
        iov = g.raw.IOV((T.header, False, header), (T.data, False, cipher), std_layout=False)
        g.raw.unwrap_iov(self.ctx, iov)
        return bytes(iov[1].value or b'')

    def encrypt(self, xml, charset='UTF-8', protocol=None, tab=True):
        plain = xml.encode('utf-16-le') if charset == 'UTF-16' else xml.encode('utf-8')
        if charset == 'UTF-16':
            plain = b'\xff\xfe' + plain
        header, cipher, length = self.wrap(plain)
        self.sent = (header, cipher, length)
        return frame(protocol or self.protocol, length, header, cipher, charset, tab), {
            'Content-Type': ctype_of(protocol or self.protocol)}

    def unwrap_token(self, token):
        """A whole plain gss_wrap token (what OMI sends for Kerberos) → plaintext (gss_unwrap)."""
        return bytes(gss().raw.unwrap(self.ctx, token).message)

    def decrypt(self, headers, data):
        """→ (plaintext, [Length], charset); raises on any inconsistency."""
        parts = unframe(headers.get('Content-Type') or '', data)
        out, lengths = [], []
        for length, charset, header, cipher in parts:
            plain = self.unwrap(header, cipher)
            if len(plain) != length:
                raise ValueError('Length=%d but %d plaintext bytes' % (length, len(plain)))
            if header[:1] == b'\x60' and plain and plain[-1] == 1:
                plain = plain[:-1]              # RFC 4757 padding (RC4), counted in Length
            out.append(plain)
            lengths.append(length)
        return b''.join(out), lengths, parts[0][1]

    def call(self, xml, charset='UTF-8', tab=True):
        """Encrypted request → (status, plaintext reply or None, headers, raw body)."""
        body, h = self.encrypt(xml, charset, tab=tab)
        status, headers, data = self.post(body, h)
        plain = None
        if (headers.get('Content-Type') or '').lower().startswith('multipart/encrypted'):
            plain = self.decrypt(headers, data)[0]
        return status, plain, headers, data


# ------------------------------------------------------------------------------------------------------------
# Test environment
# ------------------------------------------------------------------------------------------------------------
class Env:
    def __init__(self, check, server_proc, verbose):
        self.check, self.ServerProc, self.verbose = check, server_proc, verbose
        self.kdc_dir = None
        self.started_kdc = False

    def start_kdc(self):
        if os.environ.get('WSM_KDC_DIR'):
            self.kdc_dir = os.environ['WSM_KDC_DIR']
            return
        self.kdc_dir = tempfile.mkdtemp(prefix='wsmkdc-')
        subprocess.run(['sh', KDC_SH, 'start', self.kdc_dir], check=True, capture_output=True, timeout=60)
        self.started_kdc = True
        with open(os.path.join(self.kdc_dir, 'env')) as f:
            for line in f:
                k, sep, v = line.strip().partition('=')
                if sep and not k.startswith('export'):
                    os.environ[k] = v
        # No TGT anywhere: the initiators use explicit passwords.
        os.environ['KRB5CCNAME'] = 'FILE:' + os.path.join(self.kdc_dir, 'no-such-ccache')

    def stop_kdc(self):
        if self.started_kdc:
            subprocess.run(['sh', KDC_SH, 'stop', self.kdc_dir], capture_output=True, timeout=60)


def log_fields(line):
    return dict(kv.split('=', 1) for kv in line.split()[2:] if '=' in kv)


def rc4_child(port):
    """Run with KRB5_CONFIG=krb5-rc4.conf: a Kerberos-scheme handshake and one encrypted echo. Prints JSON."""
    res = {}
    c = GssClient(port, 'krb5')
    res['status'] = c.handshake()
    xml = envelope(ECHO, '<e:Ping xmlns:e="http://wsmauto.test/echo">rc4</e:Ping>')
    body, h = c.encrypt(xml)
    header, cipher, length = c.sent
    res['header_len'], res['pad'] = len(header), length - len(xml.encode())
    status, headers, data = c.post(body, h)
    res['reply_status'] = status
    try:
        parts = unframe(headers.get('Content-Type') or '', data)
        res['reply_header_len'] = len(parts[0][2])
        plain, lengths, _ = c.decrypt(headers, data)
        res['reply_ok'] = b'<e:Ping' in plain and plain.rstrip().endswith(b'</s:Envelope>')
        res['reply_length_minus_plain'] = lengths[0] - len(plain)
    except Exception as e:      # noqa: BLE001 - reported to the parent
        res['reply_error'] = str(e)
    c.close()
    print(json.dumps(res))
    return 0
