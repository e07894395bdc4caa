# SPDX-License-Identifier: MIT
"""GSSAPI (Negotiate / Kerberos) and WinRM message encryption framing (MS-WSMV 2.2.9.1)."""

import base64
import binascii
import hashlib
import re
import struct

from .xmlutil import big_token


OID_KRB5 = '1.2.840.113554.1.2.2'
OID_NTLM = '1.3.6.1.4.1.311.2.2.10'
OID_SPNEGO = '1.3.6.1.5.5.2'
# DER of those OIDs, to tell what the first token of a handshake carries.
_DER_KRB5 = bytes.fromhex('2a864886f712010202')
_DER_SPNEGO = bytes.fromhex('2b0601050502')
PROTO_SPNEGO = 'application/HTTP-SPNEGO-session-encrypted'
PROTO_KERBEROS = 'application/HTTP-Kerberos-session-encrypted'
ENC_BOUNDARY = 'Encrypted Boundary'
GSS_C_CHANNEL_BOUND_FLAG = 0x800      # set by MIT and gss-ntlmssp acceptors only when bindings matched
GSS_SCHEMES = ('negotiate', 'kerberos')
GSS_HEADER_NAME = {'negotiate': 'Negotiate', 'kerberos': 'Kerberos'}
GSS_PROTOCOL = {'negotiate': PROTO_SPNEGO, 'kerberos': PROTO_KERBEROS}

_gssapi = None


def gss_module():
    """python3-gssapi, imported on first use so that servers without Negotiate/Kerberos do not need it."""
    global _gssapi
    if _gssapi is None:
        import gssapi
        import gssapi.raw
        _gssapi = gssapi
    return _gssapi


class EncError(Exception):
    """A multipart/encrypted body that cannot be parsed or decrypted (→ HTTP 400)."""


class FramingError(EncError):
    """strict parsing (--flavor omi): a part header line that does not start at the beginning of its line
    (→ the connection is closed without a reply, as OMI does)."""


class EncParts(list):
    """parse_encrypted's result: [(length, charset, header, cipher)], plus `indented`: True when one of the
    part header lines (Content-Type/OriginalContent of a metadata part, Content-Type of a payload part) had
    leading blanks, as Windows clients write them (a tab)."""
    indented = False


def der_read(buf, pos):
    """One DER TLV at pos → (tag, value start, value end). Raises ValueError on a short buffer."""
    if pos + 2 > len(buf):
        raise ValueError('short DER')
    tag, n = buf[pos], buf[pos + 1]
    pos += 2
    if n & 0x80:
        k = n & 0x7f
        if k == 0 or k > 4 or pos + k > len(buf):
            raise ValueError('bad DER length')
        n = int.from_bytes(buf[pos:pos + k], 'big')
        pos += k
    if pos + n > len(buf):
        raise ValueError('short DER')
    return tag, pos, pos + n


def token_kind(tok):
    """What the first token of a handshake is: 'ntlm' (raw NTLMSSP), 'spnego', 'krb5' (raw RFC 4121
    InitialContextToken with the krb5 OID) or None."""
    if tok.startswith(b'NTLMSSP\x00'):
        return 'ntlm'
    try:
        tag, start, _ = der_read(tok, 0)
        if tag != 0x60:
            return None
        tag, s2, e2 = der_read(tok, start)
    except ValueError:
        return None
    if tag != 0x06:
        return None
    oid = tok[s2:e2]
    return 'spnego' if oid == _DER_SPNEGO else 'krb5' if oid == _DER_KRB5 else None


# Signature algorithm OIDs whose hash RFC 5929 keeps (every other one, MD5/SHA-1 included, maps to SHA-256).
_SIG_HASH = {
    bytes.fromhex('2a864886f70d01010c'): 'sha384', bytes.fromhex('2a864886f70d01010d'): 'sha512',  # RSA
    bytes.fromhex('2a8648ce3d040303'): 'sha384', bytes.fromhex('2a8648ce3d040304'): 'sha512',      # ECDSA
}


def cert_signature_hash(der):
    """Hash name RFC 5929 tls-server-end-point uses for this certificate."""
    try:
        _, s, e = der_read(der, 0)                  # Certificate
        _, _, tbs_end = der_read(der, s)            # tbsCertificate
        tag, a_s, _ = der_read(der, tbs_end)        # signatureAlgorithm
        tag, o_s, o_e = der_read(der, a_s)          # its OID
    except ValueError:
        return 'sha256'
    return _SIG_HASH.get(der[o_s:o_e], 'sha256') if tag == 0x06 else 'sha256'


def tls_server_end_point(der):
    return b'tls-server-end-point:' + hashlib.new(cert_signature_hash(der), der).digest()


def encrypted_ctype(protocol, lenient=False):
    if lenient:
        return 'multipart/encrypted; protocol="%s"; boundary=%s' % (protocol, ENC_BOUNDARY)
    return 'multipart/encrypted;protocol="%s";boundary="%s"' % (protocol, ENC_BOUNDARY)


def encrypted_body(protocol, parts, lenient=False, omi=False):
    """The [MS-WSMV] 2.2.9.1 body. parts = [(length, charset, header, cipher)]. The strict form is what Windows writes;
    the lenient form is how other servers write it (no tabs, '-- Encrypted Boundary', 'length=', an extra
    CRLF at the end); the omi form is OMI 1.0.8's (no tabs, an extra CRLF after the closing delimiter)."""
    tab = b'' if lenient or omi else b'\t'
    delim = ('-- %s' if lenient else '--%s') % ENC_BOUNDARY
    out = []
    for length, charset, header, cipher in parts:
        out.append(delim.encode() + b'\r\n')
        out.append(tab + b'Content-Type: ' + protocol.encode() + b'\r\n')
        out.append(tab + ('OriginalContent: type=application/soap+xml;charset=%s;%s=%d\r\n'
                          % ('UTF-16' if charset == 'utf-16' else 'UTF-8', 'length' if lenient else 'Length',
                             length)).encode())
        out.append(delim.encode() + b'\r\n')
        out.append(tab + b'Content-Type: application/octet-stream\r\n')
        out.append(struct.pack('<I', len(header)) + header + cipher)
    out.append(delim.encode() + b'--\r\n' + (b'\r\n' if lenient or omi else b''))
    return b''.join(out)


_CT_PARAM = re.compile(r';\s*([A-Za-z-]+)\s*=\s*(?:"([^"]*)"|([^;]*))')


def encrypted_params(ctype):
    """(protocol, boundary) of a multipart/encrypted Content-Type, or None when it is not one."""
    low = (ctype or '').strip().lower()
    if not (low.startswith('multipart/encrypted') or low.startswith('multipart/x-multi-encrypted')):
        return None
    params = {}
    for m in _CT_PARAM.finditer(ctype):
        params[m.group(1).lower()] = (m.group(2) if m.group(2) is not None else m.group(3)).strip()
    return params.get('protocol', ''), params.get('boundary', '')


def parse_encrypted(boundary, body, strict=False):
    """[MS-WSMV] 2.2.9.1 body → EncParts [(length, charset, header, cipher)]. Works on bytes: the ciphertext may hold
    anything. The ciphertext of a part is `Length` bytes (M = N for NTLM and Kerberos, padding included in N);
    when the next delimiter is not there, a single-part body may still be cut at its closing delimiter (the
    Length check after the unwrap then decides). The part header lines may start with blanks (Windows writes
    a tab); strict (OMI): they must start at the very beginning of a line (FramingError otherwise), and a
    metadata part needs its Content-Type line. An EncError carries `indented` (what was seen up to it)."""
    parts = EncParts()
    try:
        return _parse_encrypted(boundary, body, strict, parts)
    except EncError as e:
        e.indented = parts.indented
        raise


def _part_header_at_line_start(name, lead, strict, parts):
    if lead:
        parts.indented = True
        if strict:
            raise FramingError('the part header %s: is not at the start of a line (leading %s)'
                               % (name, 'tab' if '\t' in lead else 'blanks'))


def _parse_encrypted(boundary, body, strict, parts):
    if not boundary:
        raise EncError('the multipart/encrypted Content-Type has no boundary')
    b = re.escape(boundary.encode('latin-1'))
    delim = re.compile(b'--[ \t]*' + b + b'(--)?[ \t]*\r\n')
    pos = 0
    while True:
        m = delim.match(body, pos)
        if m is None:
            raise EncError('expected the boundary delimiter at byte %d' % pos)
        if m.group(1):                       # closing delimiter
            if body[m.end():].strip(b'\r\n') != b'':
                raise EncError('data after the closing boundary')
            break
        m2 = delim.search(body, m.end())
        if m2 is None or m2.group(1):
            raise EncError('a metadata part without its payload part')
        meta = body[m.end():m2.start()].decode('latin-1')
        length = charset = None
        has_ctype = False
        for line in meta.split('\r\n'):
            name, sep, value = line.strip().partition(':')
            low = name.strip().lower()
            if sep and low in ('content-type', 'originalcontent'):
                lead = line[:len(line) - len(line.lstrip(' \t'))]
                _part_header_at_line_start('Content-Type' if low == 'content-type' else 'OriginalContent',
                                           lead, strict, parts)
                has_ctype = has_ctype or low == 'content-type'
            if sep and low == 'originalcontent':
                for item in value.split(';'):
                    k, s2, v = item.strip().partition('=')
                    if k.lower() == 'length' and s2:
                        length = int(v) if v.strip().isdigit() else None
                    elif k.lower() == 'charset' and s2:
                        charset = v.strip().strip('"')
        if strict and not has_ctype:
            raise EncError('the metadata part has no Content-Type line')
        if length is None:
            raise EncError('the OriginalContent line has no valid Length')
        p = m2.end()
        cm = re.compile(b'([ \t]*)Content-Type:[ \t]*application/octet-stream[ \t]*\r\n', re.I).match(body, p)
        if cm is None:
            raise EncError('the payload part does not start with Content-Type: application/octet-stream')
        _part_header_at_line_start('Content-Type', cm.group(1).decode('latin-1'), strict, parts)
        p = cm.end()
        if p + 4 > len(body):
            raise EncError('the payload part is truncated')
        hlen = struct.unpack('<I', body[p:p + 4])[0]
        p += 4
        if p + hlen > len(body):
            raise EncError('the encryption header length %d runs past the body' % hlen)
        header = body[p:p + hlen]
        p += hlen
        end = p + length
        if not (end <= len(body) and delim.match(body, end)):
            # single part: cut at the closing delimiter at the end of the body
            closing = list(re.finditer(b'--[ \t]*' + b + b'--[ \t]*\r\n', body))
            if parts or not closing or closing[-1].start() < p:
                raise EncError('no boundary after the %d-byte ciphertext' % length)
            end = closing[-1].start()
        parts.append((length, charset, header, body[p:end]))
        pos = end
    if not parts:
        raise EncError('the body holds no encrypted part')
    return parts


def _strip_rfc1964_padding(data):
    """RFC 1964/4757 tokens carry 1..8 bytes of padding, each holding the padding length."""
    if data:
        k = data[-1]
        if 1 <= k <= 8 and len(data) >= k and data[-k:] == bytes([k]) * k:
            return data[:-k]
    return data


def gss_unwrap(g, header, cipher):
    """Decrypt one part → (plaintext counted for Length, plaintext without padding)."""
    gssapi = gss_module()
    raw = gssapi.raw
    if g.mech == 'ntlm':
        res = g.ctx.unwrap(header + cipher)
        if not res.encrypted:
            raise EncError('the NTLM part was signed but not sealed')
        return res.message, res.message
    # Kerberos: [HEADER][DATA] like SSPI DecryptMessage; MIT >= 1.19 accepts the missing padding buffer.
    # An RFC 4757 (RC4) token leaves its padding in DATA; the client counted it in Length.
    iov = raw.IOV((raw.IOVBufferType.header, False, header), (raw.IOVBufferType.data, False, cipher),
                  std_layout=False)
    res = raw.unwrap_iov(g.ctx, iov)
    if not res.encrypted:
        raise EncError('the Kerberos part was not encrypted')
    data = bytes(iov[1].value or b'')
    if header[:1] == b'\x60':                # legacy RFC 1964 framing = RC4-HMAC (or DES3)
        return data, _strip_rfc1964_padding(data)
    return data, data


def gss_wrap(g, plain, omi=False):
    """→ (header, cipher, Length value). omi: Kerberos as OMI 1.0.8 writes it, one plain gss_wrap token (RRC
    0 for CFX) split so that the 4-byte field says len(token) - len(plain) and header ‖ cipher = the token."""
    gssapi = gss_module()
    raw = gssapi.raw
    if g.mech == 'ntlm':
        w = g.ctx.wrap(plain, True).message
        return w[:16], w[16:], len(plain)
    if omi:
        tok = bytes(raw.wrap(g.ctx, plain, confidential=True).message)
        k = len(tok) - len(plain)
        return tok[:k], tok[k:], len(plain)
    T = raw.IOVBufferType
    # Windows: TOKEN + DATA, no padding buffer. MIT refuses that for RC4 (EINVAL), so ask how much padding the
    # enctype needs first and give a padding buffer only then.
    probe = raw.IOV(T.header, plain, T.padding, std_layout=False)
    raw.wrap_iov_length(g.ctx, probe, confidential=True)
    if probe[2].value and len(probe[2].value):
        iov = raw.IOV(T.header, plain, T.padding, std_layout=False)
    else:
        iov = raw.IOV(T.header, plain, std_layout=False)
    raw.wrap_iov(g.ctx, iov, confidential=True)
    header = bytes(iov[0].value)
    cipher = bytes(iov[1].value) + (bytes(iov[2].value or b'') if len(iov) > 2 else b'')
    return header, cipher, len(cipher)


class GssConn:
    """The security context of one TCP connection."""

    def __init__(self, scheme, ctx):
        self.scheme = scheme        # 'negotiate' | 'kerberos'
        self.ctx = ctx
        self.legs = 0
        self.complete = False
        self.mech = None            # 'krb5' | 'ntlm'
        self.user = '-'
        self.cbt = '-'              # HTTPS: 'yes' (bindings matched) / 'no' (none sent); HTTP: '-'
        self.served = 0
        self.first_out = None       # --gss-bad-handshake loop: the token of the first leg, sent again and again
        self.last_reply = None      # (status, body, Content-Type) of the last encrypted reply (enc-replay)

    @property
    def protocol(self):
        return GSS_PROTOCOL[self.scheme]


class GssHandlerMixin:
    """The Negotiate/Kerberos handshake legs of the HTTP handler (mixed into httpd.Handler)."""

    def gss_fail(self, why):
        """A handshake that failed: like HTTP.sys, a 401 with the bare challenges (connection kept)."""
        self.gss = None
        self.info['gsserr'] = why
        self.send_401()
        return None

    def gss_step(self, scheme, b64, body):
        app = self.app
        info = self.info
        info['gss'] = scheme
        if app.args.gss_drop_handshake:
            self.close_connection = True
            info['status'] = 0
            return None
        bad = app.args.gss_bad_handshake
        if bad == 'accept-no-token':
            # 200 at once, no token, nothing authenticated: the server never proves its identity.
            self.gss = None
            info['gsserr'] = 'answered 200 without a token (--gss-bad-handshake accept-no-token)'
            self.raw_reply(200)
            return None
        try:
            tok = base64.b64decode(b64, validate=True)
        except (binascii.Error, ValueError):
            tok = b''
        if not tok:
            return self.gss_fail('the %s token is not base64' % GSS_HEADER_NAME[scheme])
        g = self.gss
        if g is None or g.complete or g.scheme != scheme:
            # A new handshake (also on a connection whose context is complete: the client starts over).
            kind = token_kind(tok)
            if (scheme == 'kerberos' and kind != 'krb5') or (scheme == 'negotiate' and kind not in ('spnego',
                                                                                                  'ntlm')):
                return self.gss_fail('a %s handshake cannot start with a %s token'
                                     % (GSS_HEADER_NAME[scheme], kind or 'unknown'))
            try:
                g = GssConn(scheme, app.new_acceptor(app.tls))
            except Exception as e:      # noqa: BLE001 - any GSS set-up failure is logged, not fatal
                return self.gss_fail('acceptor: %s' % e)
            self.gss = g
        g.legs += 1
        info['leg'] = str(g.legs)
        if bad == 'loop':
            # Every leg is answered 401 with the token of the first leg: the handshake never ends with 200.
            if g.first_out is None:
                try:
                    g.first_out = g.ctx.step(tok)
                except Exception as e:  # noqa: BLE001 - GSSError and friends
                    return self.gss_fail(str(e))
                if not g.first_out:
                    return self.gss_fail('the acceptor produced no token to loop on')
            info['gsserr'] = 'leg %d answered with the first token again (--gss-bad-handshake loop)' % g.legs
            self.raw_reply(401, extra=[('WWW-Authenticate', '%s %s' % (
                GSS_HEADER_NAME[scheme], base64.b64encode(g.first_out).decode()))])
            return None
        try:
            out = g.ctx.step(tok)
            # python-gssapi keeps an error that came with an output token (SPNEGO reject) and raises it on
            # the next use of the context: ask now, inside the try.
            complete = g.ctx.complete
        except Exception as e:          # noqa: BLE001 - GSSError and friends
            return self.gss_fail(str(e))
        name = GSS_HEADER_NAME[scheme]
        if out and app.args.gss_token_bytes:
            info['gsserr'] = 'token replaced by %d bytes (--gss-token-bytes)' % app.args.gss_token_bytes
            out = big_token(app.args.gss_token_bytes)
        if out and bad in ('garbage', 'truncate', 'not-base64'):
            out = self.spoil_token(out, bad)
        if not complete:
            if not out:
                return self.gss_fail('the acceptor wants more but produced no token')
            self.raw_reply(401, extra=[('WWW-Authenticate', '%s %s' % (name, self.token_text(out)))])
            return None
        mech = g.ctx.mech.dotted_form
        g.mech = 'krb5' if mech == OID_KRB5 else 'ntlm' if mech == OID_NTLM else mech
        if g.mech not in ('krb5', 'ntlm') or (scheme == 'kerberos' and g.mech != 'krb5'):
            return self.gss_fail('mechanism %s is not allowed with %s' % (mech, name))
        flags = int(g.ctx.actual_flags)
        if app.tls:
            g.cbt = 'yes' if flags & GSS_C_CHANNEL_BOUND_FLAG else 'no'
            if app.args.require_cbt and g.cbt != 'yes':
                return self.gss_fail('channel bindings are required (--require-cbt) but the client sent none')
        try:
            # gss-ntlmssp's display name ends in a NUL; keep the log one token
            g.user = re.sub(r'[\x00-\x20]', '', str(g.ctx.initiator_name)) or '-'
        except Exception:               # noqa: BLE001 - a name that does not display
            g.user = '?'
        g.complete = True
        info['gss'], info['user'], info['cbt'] = '%s/%s' % (scheme, g.mech), g.user, g.cbt
        if out:
            # Kerberos AP-REP / SPNEGO accept-completed with mechListMIC: the client must see it.
            info['extra'].append(('WWW-Authenticate', '%s %s' % (name, self.token_text(out))))
        if not body:
            self.raw_reply(200)
            return None
        return scheme                   # Windows' style: the body rides on the last leg

    def spoil_token(self, out, how):
        """--gss-bad-handshake garbage|truncate|not-base64: the acceptor's token as the client gets it."""
        if how == 'garbage':
            self.info['gsserr'] = 'token replaced by 64 bytes of garbage (--gss-bad-handshake garbage)'
            return hashlib.sha256(b'wsmauto garbage token').digest() * 2
        if how == 'truncate':
            self.info['gsserr'] = ('token cut from %d to %d bytes (--gss-bad-handshake truncate)'
                                   % (len(out), len(out) // 2))
            return out[:len(out) // 2]
        self.info['gsserr'] = 'token sent as text that is not base64 (--gss-bad-handshake not-base64)'
        return out

    def token_text(self, out):
        """The token as it goes into WWW-Authenticate: base64, or with not-base64 the base64 text without its
        last character (a length that is not a multiple of 4)."""
        text = base64.b64encode(out).decode()
        return text[:-1] if self.app.args.gss_bad_handshake == 'not-base64' else text
