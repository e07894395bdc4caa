# SPDX-License-Identifier: MIT
"""HTTP: the request handler and the threading server."""

import http.server
import re
import socket
import socketserver
import ssl
import sys
from email.utils import formatdate
from http import HTTPStatus
from urllib.parse import urlsplit

from . import credssp
from .names import (
    A_ACTION, MISBEHAVE_PREFIX, MUTUAL_AUTH, S_BODY, S_ENVELOPE, S_HEADER, WSMID_IDENTIFY, W_RESOURCEURI)
from .faults import E_ENCODING_LIMIT, f_encoding
from .xmlutil import (
    ACTION_RE, MSGID_RE, RESURI_RE, decode_body, encode_xml, first_child, parse_xml,
    soap_content_charset, text_of)
from .request import HttpCtx
from .gss import (
    EncError, FramingError, GSS_HEADER_NAME, GSS_SCHEMES, GssHandlerMixin, encrypted_body, encrypted_ctype,
    encrypted_params, gss_unwrap, gss_wrap, parse_encrypted)
from .misbehave import MisbehaveMixin


class Handler(GssHandlerMixin, MisbehaveMixin, http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    server_version = 'Microsoft-HTTPAPI/2.0'
    sys_version = ''
    timeout = 300
    MAX_BODY_HARD = 256 * 1024 * 1024

    def version_string(self):
        return 'Microsoft-HTTPAPI/2.0'

    def log_message(self, format, *args):   # noqa: A002 - BaseHTTPRequestHandler's signature
        pass

    def setup(self):
        http.server.BaseHTTPRequestHandler.setup(self)
        self.gss = None     # GssConn: Negotiate/Kerberos authenticate the TCP connection, not a request
        self.enc = None     # the GssConn that decrypted the current request (its reply is encrypted too)

    @property
    def app(self):
        return self.server.app

    # -- output --
    def raw_reply(self, status, body=b'', ctype=None, extra=(), close=False):
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = 'Status'
        lines = ['HTTP/1.1 %d %s' % (status, reason), 'Server: Microsoft-HTTPAPI/2.0',
                 'Date: ' + formatdate(usegmt=True)]
        if ctype:
            lines.append('Content-Type: ' + ctype)
        for name, value in list(extra) + self.info.get('extra', []):
            lines.append('%s: %s' % (name, value))
            if self.app.token_log and name.lower() == 'www-authenticate':
                self.app.log_token(value.partition(' ')[2])
        lines.append('Content-Length: %d' % len(body))
        if close or self.close_connection:
            self.close_connection = True
            lines.append('Connection: close')
        data = ('\r\n'.join(lines) + '\r\n\r\n').encode('latin-1') + body
        # Log before answering: once a client has its reply, the request's
        # line is already in the log, so tests can read it straight away.
        self.info['status'] = status
        self.write_log()
        try:
            self.wfile.write(data)
        except OSError:
            self.close_connection = True

    def soap_reply(self, status, data, charset, variant=None):
        if self.enc is not None:
            self.encrypted_reply(status, data, charset, variant)
            return
        ctype = 'application/soap+xml;charset=' + ('UTF-16' if charset == 'utf-16' else 'UTF-8')
        self.raw_reply(status, data, ctype)

    def encrypted_reply(self, status, data, charset, variant=None):
        """Replies to an encrypted request are encrypted with the same context and protocol string (faults
        too). variant: one of the enc-* misbehave modes."""
        g = self.enc
        if g.scheme == 'credssp':
            # TLS records of the inner session, 16384-byte chunks for bigger bodies ([MS-WSMV] 2.2.9.1.3)
            body, ctype = g.encrypt(data, charset, self.app.args.credssp_corrupt_records or variant == 'enc-tamper')
            g.last_reply = (status, body, ctype)
            self.raw_reply(status, body, ctype)
            return
        omi = self.app.args.flavor == 'omi'
        try:
            header, cipher, length = gss_wrap(g, data, omi)
        except Exception as e:      # noqa: BLE001 - a GSS failure here is the server's, log it
            self.info['gsserr'] = 'wrap: %s' % e
            self.raw_reply(500, close=True)
            return
        if variant == 'enc-tamper':
            i = len(cipher) // 2
            cipher = cipher[:i] + bytes([cipher[i] ^ 0x01]) + cipher[i + 1:]
        elif variant == 'enc-truncate':
            cipher = cipher[:-10]
        elif variant == 'enc-bad-length':
            length += 1
        lenient = variant == 'enc-lenient'
        body = encrypted_body(g.protocol, [(length, charset, header, cipher)], lenient, omi)
        ctype = encrypted_ctype(g.protocol, lenient)
        g.last_reply = (status, body, ctype)
        self.raw_reply(status, body, ctype)

    def send_error(self, code, message=None, explain=None):
        self.info = self.new_info()  # a request line that never reached do_POST
        self.close_connection = True
        self.raw_reply(code, b'', close=True)

    def new_info(self):
        return {'status': 0, 'action': '-', 'resource': '-', 'charset': '-', 'auth': '-', 'bytes': 0,
                'logged': False, 'gss': '-', 'user': '-', 'enc': 'no', 'cbt': '-', 'leg': '-', 'frame': '-',
                'gsserr': None, 'extra': []}

    def write_log(self):
        """One line per request: at its reply, or (status=0) when it ends without one."""
        i = self.info
        if i['logged']:
            return
        i['logged'] = True
        conn = self.client_address[2] if len(self.client_address) > 2 else 0

        def clean(v):
            return re.sub(r'\s', '%20', str(v)) or '-'
        line = ('conn=%d %s status=%d action=%s resource=%s charset=%s auth=%s bytes=%d gss=%s user=%s '
                'enc=%s cbt=%s leg=%s frame=%s' % (conn, clean(getattr(self, 'command', None) or '-'),
                                                   i['status'], clean(i['action']), clean(i['resource']),
                                                   i['charset'], i['auth'], i['bytes'], i['gss'],
                                                   clean(i['user']), i['enc'], i['cbt'], i['leg'],
                                                   i['frame']))
        for k, v in i.get('more', ()):
            line += ' %s=%s' % (k, clean(v))      # CredSSP: credssp=v<N> tls=<1.2|1.3> [delegated=yes]
        if i['gsserr']:
            line += ' gsserr=' + clean(i['gsserr'])[:300]
        self.app.log(line)

    # -- input --
    def read_body(self):
        """The request body, or None after answering an error."""
        te = (self.headers.get('Transfer-Encoding') or '').strip().lower()
        if te and te != 'identity':
            if te != 'chunked':
                self.raw_reply(501, close=True)
                return None
            chunks, total = [], 0
            while True:
                line = self.rfile.readline(1024)
                try:
                    n = int(line.split(b';')[0].strip(), 16)
                except ValueError:
                    self.raw_reply(400, close=True)
                    return None
                if n == 0:
                    while self.rfile.readline(8192) not in (b'\r\n', b'\n', b''):
                        pass
                    break
                total += n
                if total > self.MAX_BODY_HARD:
                    self.raw_reply(413, close=True)
                    return None
                chunks.append(self.rfile.read(n))
                self.rfile.readline(8)
            return b''.join(chunks)
        cl = self.headers.get('Content-Length')
        if cl is None:
            if self.command == 'POST':
                self.raw_reply(411, close=True)
                return None
            return b''
        try:
            n = int(cl.strip())
            if n < 0:
                raise ValueError
        except ValueError:
            self.raw_reply(400, close=True)
            return None
        if n > self.MAX_BODY_HARD:
            self.raw_reply(413, close=True)
            return None
        data = self.rfile.read(n)
        if len(data) != n:
            self.close_connection = True
            return None
        return data

    def not_post(self):
        self.info = self.new_info()
        body = self.read_body()
        if body is None:
            self.write_log()
            return
        self.info['bytes'] = len(body)
        path = urlsplit(self.path).path
        self.raw_reply(404 if path not in ('/wsman', '/wsman/') else 405,
                       extra=[('Allow', 'POST')] if path in ('/wsman', '/wsman/') else ())

    do_GET = do_HEAD = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = do_TRACE = not_post

    def send_401(self, stale=False):
        """The 401 of a failure: one challenge line per enabled scheme; --flavor omi: none at all."""
        if self.app.args.flavor == 'omi':
            self.raw_reply(401)
            return
        extra = [('WWW-Authenticate', c) for c in self.app.auth.challenges(stale)]
        self.raw_reply(401, extra=extra)

    def drop(self, why):
        """No reply at all: the connection is closed once the request has been read (logged status=0)."""
        self.close_connection = True
        self.info['status'] = 0
        self.info['gsserr'] = why

    def authenticate(self, body):
        """→ the scheme that authenticated the request, or None once a reply (401, handshake leg, the 200 of
        an empty handshake POST) has been sent."""
        auth = self.app.auth
        h = (self.headers.get('Authorization') or '').strip()
        if h and self.app.token_log:
            self.app.log_token(h.partition(' ')[2])
        if not h:
            g = self.gss
            if g is not None and g.complete:
                # Connection-bound authentication (HTTP.sys): later requests carry no Authorization.
                return g.scheme
            if 'none' in auth.schemes:
                return '-'
            if self.app.args.flavor == 'omi':
                # OMI sends no challenge: a request without credentials gets no reply at all.
                self.drop('no Authorization header (--flavor omi: no challenge, connection closed)')
                return None
            self.send_401()
            return None
        scheme, _, rest = h.partition(' ')
        low = scheme.lower()
        if low in GSS_SCHEMES and low in auth.schemes:
            return self.gss_step(low, rest.strip(), body)
        if low == 'credssp' and 'credssp' in auth.schemes:
            return credssp.http_step(self, rest.strip(), body)
        if low == 'basic' and 'basic' in auth.schemes:
            if auth.check_basic(rest):
                return 'basic'
        elif low == 'digest' and 'digest' in auth.schemes:
            state = auth.check_digest(rest, self.command, self.path)
            if state == 'ok':
                return 'digest'
            if state == 'stale':
                self.send_401(stale=True)
                return None
        elif h.lower() == MUTUAL_AUTH and 'certificate' in auth.schemes:
            if auth.check_cert(self.connection):
                return 'certificate'
        self.send_401()
        return None


    def do_POST(self):
        self.info = info = self.new_info()
        self.enc = None
        g = None
        try:
            g = self.post(info)
        finally:
            self.write_log()
            n = self.app.args.gss_reauth_after
            if g is not None and n and g.served >= n and self.gss is g:
                self.gss = None         # like a restarted server: the next request gets the bare 401

    def decrypt(self, g, protocol, parts, perr=None):
        """multipart/encrypted request (parse_encrypted's parts, or its error perr) → (plaintext, charset or
        None)."""
        if protocol.lower() != g.protocol.lower():
            raise EncError('protocol %r does not belong to the %s scheme'
                           % (protocol, GSS_HEADER_NAME[g.scheme]))
        if perr is not None:
            raise perr
        out, charset = [], None
        for length, cs, header, cipher in parts:
            try:
                counted, plain = gss_unwrap(g, header, cipher)
            except EncError:
                raise
            except Exception as e:      # noqa: BLE001 - GSSError: bad signature, wrong sequence number…
                raise EncError('unwrap: %s' % e)
            if len(counted) != length:
                raise EncError('the plaintext is %d bytes but Length=%d' % (len(counted), length))
            out.append(plain)
            charset = charset or cs
        return b''.join(out), soap_content_charset('application/soap+xml;charset=%s' % (charset or ''))

    def post(self, info):
        """→ the GssConn that served the request (for --gss-reauth-after), else None."""
        app = self.app
        body = self.read_body()
        if body is None:
            return None
        info['bytes'] = len(body)
        if urlsplit(self.path).path not in ('/wsman', '/wsman/'):
            self.raw_reply(404)
            return None
        ctype = self.headers.get('Content-Type')
        charset = soap_content_charset(ctype)
        if (self.headers.get('WSMANIDENTIFY') or '').strip().lower() == 'unauthenticated' and charset:
            try:
                root = parse_xml(decode_body(body, charset))
            except ValueError:
                root = None
            if root is not None and root.tag == S_ENVELOPE:
                b = root.find(S_BODY)
                if b is not None and first_child(b) is not None and first_child(b).tag == WSMID_IDENTIFY:
                    info['action'], info['charset'] = 'Identify', charset
                    self.soap_reply(200, encode_xml(app.identify_xml(False, False), charset), charset)
                    return
        scheme = self.authenticate(body)
        if scheme is None:
            return None
        info['auth'] = scheme
        g = self.gss if scheme in GSS_SCHEMES + ('credssp',) else None
        if g is not None:
            g.served += 1
            info['gss'], info['user'], info['cbt'] = '%s/%s' % (g.scheme, g.mech), g.user, g.cbt
            if g.scheme == 'credssp':
                info['more'] = g.log_fields()
        enc = encrypted_params(ctype)
        if enc is not None:
            # Parsed first so that the log says how the part headers were written (frame=tab|plain).
            try:
                parts, perr = parse_encrypted(enc[1], body, strict=app.args.flavor == 'omi'), None
            except EncError as e:
                parts, perr = None, e
            indented = parts.indented if parts is not None else getattr(perr, 'indented', False)
            info['frame'] = 'tab' if indented else 'plain'
            if g is None or app.args.gss_encryption == 'refuse':
                info['gsserr'] = ('encryption refused (--gss-encryption refuse)' if g is not None
                                  else 'an encrypted body without a Negotiate/Kerberos context')
                self.raw_reply(400)
                return g
            try:
                body, charset = (g.decrypt(enc, body) if g.scheme == 'credssp'
                                 else self.decrypt(g, enc[0], parts, perr))
            except FramingError as e:
                # OMI fails the decryption of such a request and closes the connection without a reply.
                self.drop('%s (--flavor omi: connection closed)' % e)
                return g
            except (EncError, credssp.EncryptionError) as e:
                info['gsserr'] = str(e)
                self.raw_reply(400)
                return g
            self.enc = g
            info['enc'] = 'yes'
        elif g is not None and not app.tls and app.args.gss_encryption == 'require':
            # What Windows does with AllowUnencrypted=false: 500, empty body.
            info['gsserr'] = 'plaintext refused (--gss-encryption require)'
            self.raw_reply(500)
            return g
        if charset is None:
            self.raw_reply(415)
            return g
        info['charset'] = charset
        if len(body) > app.max_env_bytes:
            try:
                head = decode_body(body[:131072], charset)[:65536]
            except ValueError:
                head = ''
            m = MSGID_RE.search(head)
            for key, rx in (('action', ACTION_RE), ('resource', RESURI_RE)):
                hit = rx.search(head)
                if hit:
                    info[key] = hit.group(1)
            f = f_encoding('The request is %d bytes, more than the server MaxEnvelopeSizekb limit of %d '
                           'bytes.' % (len(body), app.max_env_bytes), E_ENCODING_LIMIT)
            self.soap_reply(500, app.soap.fault_bytes(f, m.group(1) if m else None, charset), charset)
            return g
        try:
            root = parse_xml(decode_body(body, charset))
        except ValueError:
            self.raw_reply(400)
            return g
        hc = HttpCtx(self, charset, scheme)
        hdr = root.find(S_HEADER)
        res_uri = None
        if hdr is not None:
            el = hdr.find(W_RESOURCEURI)
            res_uri = text_of(el) if el is not None else None
            el = hdr.find(A_ACTION)
            if el is not None:
                info['action'] = text_of(el) or '-'
        b = root.find(S_BODY)
        if b is not None and first_child(b) is not None and first_child(b).tag == WSMID_IDENTIFY:
            info['action'] = 'Identify'
        if res_uri:
            info['resource'] = res_uri
            if res_uri.lower().startswith(MISBEHAVE_PREFIX):
                self.misbehave(res_uri[len(MISBEHAVE_PREFIX):], root, hc)
                return g
        status, data = app.soap.process(root, hc)
        self.soap_reply(status, data, charset)
        return g


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    block_on_close = False

    def __init__(self, addr, app, ssl_ctx):
        self.app = app
        self.ssl_ctx = ssl_ctx
        self.conn_seq = 0
        if ':' in addr[0]:
            self.address_family = socket.AF_INET6
        http.server.ThreadingHTTPServer.__init__(self, addr, Handler)

    def server_bind(self):
        # No getfqdn() (HTTPServer.server_bind does one, and a reverse lookup can hang without DNS).
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[0], self.server_address[1]

    def get_request(self):
        sock, addr = self.socket.accept()
        self.conn_seq += 1
        return sock, (addr[0], addr[1], self.conn_seq)

    def finish_request(self, request, client_address):
        try:
            request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        if self.ssl_ctx is None:
            self.RequestHandlerClass(request, client_address, self)
            return
        # TLS handshake here, in the connection's own thread (not in accept()).
        request.settimeout(30)
        try:
            tls = self.ssl_ctx.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls, client_address, self)
        finally:
            try:
                tls.close()
            except OSError:
                pass

    def handle_error(self, request, client_address):
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError, socket.timeout)):
            return
        import traceback
        self.app.log('error conn=%s %s' % (client_address[2] if len(client_address) > 2 else '-',
                                           traceback.format_exc().replace('\n', ' | ')))
