# SPDX-License-Identifier: MIT
"""GSS self-tests: the omi flavour, bad handshakes, HTTPS channel bindings, RC4, --gss-token-bytes."""

import base64
import hashlib
import json
import os
import re
import shutil
import ssl
import struct
import subprocess
import tempfile

from .gss_common import HERE, GssClient, MAKE_CERTS, MISB, OS_URI, PYTHON, envelope, log_fields, unframe
from .gss_http import IDENTIFY, no_reply


def t_omi(env):
    """--flavor omi: strict framing (tabs → connection closed), plain Kerberos wrap tokens, omi reply framing,
    no 401 challenge, frame= in the log."""
    check = env.check
    srv = env.ServerProc('--flavor', 'omi', '--auth', 'negotiate,kerberos,basic')

    def last():
        lines = srv.log_lines(1)
        return lines[-1] if lines else '', log_fields(lines[-1]) if lines else {}
    try:
        # 5. No Authorization header: no reply at all (not even a 401), except the unauthenticated Identify.
        c = GssClient(srv.port, 'krb5')
        check('omi: request without Authorization → connection closed without a reply',
              no_reply(c, envelope(OS_URI).encode()), c.last and c.last[:2])
        line, f = last()
        check('omi: ... logged status=0 with the reason', f.get('status') == '0' and f.get('auth') == '-'
              and 'no%20Authorization%20header' in f.get('gsserr', '') and f.get('frame') == '-', line)
        c.close()
        c = GssClient(srv.port, 'krb5')
        status, headers, data = c.post(IDENTIFY.encode(), {'WSMANIDENTIFY': 'unauthenticated'})
        check('omi: unauthenticated Identify is still answered (s:IdentifyResponse, OMI vendor)',
              status == 200 and b'<s:IdentifyResponse>' in data and b'wsmid:IdentifyResponse' not in data
              and b'<wsmid:ProductVendor>Open Management Infrastructure</wsmid:ProductVendor>' in data
              and b'<wsmid:ProductVersion>1.0.8</wsmid:ProductVersion>' in data, (status, data[:300]))
        # Failed credentials: 401 without any challenge line.
        status, headers, _ = c.post(envelope(OS_URI).encode(), {'Authorization': 'Basic ' + base64.b64encode(
            b'wsmuser:wrong').decode()})
        check('omi: wrong Basic password → 401 without WWW-Authenticate',
              status == 401 and not headers.get_all('WWW-Authenticate'), (status, headers.items()))
        status, headers, _ = c.post(b'', {'Authorization': 'Negotiate ' + base64.b64encode(
            b'`\x06\x06\x06+\x06\x01\x05\x05\x02' + b'junk' * 10).decode()})
        line, f = last()
        check('omi: bad SPNEGO token → 401 without WWW-Authenticate, error logged',
              status == 401 and not headers.get_all('WWW-Authenticate') and f.get('gsserr'),
              (status, headers.items(), line))
        status, headers, data = c.post(envelope(OS_URI).encode(), {'Authorization': 'Basic ' + base64.b64encode(
            b'wsmuser:wsmpass').decode()})
        check('omi: good Basic credentials → 200', status == 200 and b'CSName' in data, status)
        c.close()

        # 3/4. Kerberos replies: one plain gss_wrap token; omi reply framing. Requests in the Windows layout
        # (IOV header, RRC 28) are still accepted.
        for mech in ('krb5', 'spnego-krb5'):
            c = GssClient(srv.port, mech)
            st = c.handshake()
            check('omi %s: handshake → 200 with the final token (AP-REP) on it' % mech,
                  st == 200 and c.ctx.complete and c.server_token(c.last[1]) is not None, st)
            status, headers, data = c.post(*c.encrypt(envelope(OS_URI), tab=False))
            req_header = c.sent[0]
            check('omi %s: the request was in the Windows layout (RRC 28)' % mech,
                  req_header[:2] == b'\x05\x04' and struct.unpack('>H', req_header[6:8])[0] == 28,
                  req_header[:16].hex())
            check('omi %s: request without tabs → 200 encrypted' % mech, status == 200 and (
                headers.get('Content-Type') or '').startswith('multipart/encrypted'), status)
            check('omi %s: reply framing has no tabs and CR LF after the closing delimiter' % mech,
                  data.startswith(b'--Encrypted Boundary\r\nContent-Type: ' + c.protocol.encode() + b'\r\n'
                                  b'OriginalContent: type=application/soap+xml;charset=UTF-8;Length=')
                  and b'\r\n--Encrypted Boundary\r\nContent-Type: application/octet-stream\r\n' in data
                  and b'\t' not in data[:200] and data.endswith(b'--Encrypted Boundary--\r\n\r\n'),
                  (data[:160], data[-40:]))
            parts = unframe(headers.get('Content-Type') or '', data)
            length, _, header, cipher = parts[0]
            token = header + cipher
            try:
                plain = c.unwrap_token(token)
            except Exception as e:      # noqa: BLE001 - reported
                plain = ('unwrap failed: %s' % e).encode()
            check('omi %s: the whole token unwraps with gss_unwrap to Length bytes' % mech,
                  len(parts) == 1 and len(plain) == length and b'CSName' in plain
                  and plain.rstrip().endswith(b'</s:Envelope>'), (length, len(plain), plain[:80]))
            check('omi %s: a plain CFX wrap token with RRC 0' % mech,
                  token[:2] == b'\x05\x04' and token[2] & 0x02 and token[6:8] == b'\x00\x00',
                  token[:16].hex())
            check('omi %s: length field = len(token) - len(plaintext) = 60 (AES)' % mech,
                  len(header) == len(token) - length == 60, (len(header), len(token), length))
            # A second request on the connection (no Authorization: the connection context) with tabs.
            ok = no_reply(c, *c.encrypt(envelope(OS_URI)))
            line, f = last()
            check('omi %s: tabbed request → connection closed without a reply' % mech, ok,
                  c.last and c.last[:2])
            check('omi %s: ... logged status=0, frame=tab, gsserr says not at the start of a line' % mech,
                  f.get('status') == '0' and f.get('frame') == 'tab' and f.get('enc') == 'no'
                  and 'not%20at%20the%20start%20of%20a%20line' in f.get('gsserr', ''), line)
            c.close()
        lines = srv.log_lines(0)
        f = [log_fields(ln) for ln in lines]
        check('omi: the answered encrypted requests are logged enc=yes frame=plain',
              sum(1 for x in f if x.get('enc') == 'yes' and x.get('frame') == 'plain'
                  and x.get('status') == '200') == 2, lines)
        check('omi: frame= comes right after leg= on every line',
              lines and all(re.search(r' leg=\S+ frame=(-|tab|plain)( gsserr=\S+)?$', ln) for ln in lines),
              lines)

        # NTLM replies stay as they are (16-byte signature, Length = plaintext), in the omi framing.
        c = GssClient(srv.port, 'spnego-ntlm')
        st = c.handshake()
        check('omi spnego-ntlm: two-leg handshake (the first 401 carries the Negotiate token)',
              st == 200 and c.legs == 2, (st, c.legs))
        status, plain, headers, data = c.call(envelope(OS_URI), tab=False)
        parts = unframe(headers.get('Content-Type') or '', data)
        check('omi spnego-ntlm: reply has the 16-byte NTLM signature and decrypts to Length bytes',
              status == 200 and plain and b'CSName' in plain and len(parts[0][2]) == 16
              and parts[0][0] == len(plain), (status, len(parts[0][2])))
        check('omi spnego-ntlm: omi reply framing', b'\t' not in data[:200]
              and data.endswith(b'--Encrypted Boundary--\r\n\r\n'))
        status, plain, _, data = c.call(envelope('http://wsmauto.test/nothing-here'), tab=False)
        check('omi spnego-ntlm: faults are encrypted the same way', status == 500 and plain
              and b'DestinationUnreachable' in plain and data.endswith(b'Boundary--\r\n\r\n'), status)
        check('omi spnego-ntlm: tabbed request → connection closed without a reply',
              no_reply(c, *c.encrypt(envelope(OS_URI))))
        c.close()
        err = [ln for ln in open(srv.log).read().splitlines() if ln.startswith('error')]
        check('omi server: no internal errors logged', not err, err[:2])
    finally:
        rc, out = srv.stop()
        check('omi server: clean exit', rc == 0 and out == b'', (rc, out[:300]))


def t_bad_handshake(env):
    """--gss-bad-handshake garbage|truncate|not-base64|loop|accept-no-token, and the enc-replay misbehaviour."""
    check = env.check
    garbage = hashlib.sha256(b'wsmauto garbage token').digest() * 2

    def first_leg(c):
        """Sends the client's first token; → (status, headers, the server's token text or None)."""
        c.new_context()
        tok = c.ctx.step()
        status, headers, _ = c.post(b'', {'Authorization': '%s %s' % (c.scheme, base64.b64encode(tok).decode())})
        text = None
        for v in headers.get_all('WWW-Authenticate') or []:
            name, _, t = v.strip().partition(' ')
            if name.lower() == c.scheme.lower() and t.strip():
                text = t.strip()
        return status, headers, text

    def b64(text):
        try:
            return base64.b64decode(text, validate=True)
        except (ValueError, TypeError):
            return None

    for mode in ('garbage', 'truncate', 'not-base64'):
        srv = env.ServerProc('--auth', 'negotiate,kerberos', '--gss-bad-handshake', mode)
        try:
            # Kerberos completes on the first leg: the final token (AP-REP) goes on the 200.
            c = GssClient(srv.port, 'krb5')
            status, _, text = first_leg(c)
            tok = b64(text) if text else None
            if mode == 'garbage':
                ok = status == 200 and tok == garbage
            elif mode == 'truncate':
                ok = status == 200 and tok is not None and 20 < len(tok) < 200
            else:
                ok = status == 200 and text is not None and len(text) % 4 != 0 and tok is None
            if ok and tok is not None:
                try:
                    c.ctx.step(tok)
                    ok = False      # the spoiled AP-REP must not complete the context
                except Exception:   # noqa: BLE001 - GSSError: defective token
                    pass
            check('--gss-bad-handshake %s: Kerberos final token spoiled on the 200' % mode, ok, (status, text))
            c.close()
            # NTLM: the CHALLENGE of the first leg (401).
            c = GssClient(srv.port, 'ntlm')
            status, _, text = first_leg(c)
            tok = b64(text) if text else None
            if mode == 'garbage':
                ok = status == 401 and tok == garbage
            elif mode == 'truncate':
                ok = status == 401 and tok is not None and tok.startswith(b'NTLMSSP\0\x02') and len(tok) < 200
            else:
                ok = status == 401 and text is not None and len(text) % 4 != 0 and tok is None
            check('--gss-bad-handshake %s: NTLM challenge spoiled on the 401' % mode, ok, (status, text))
            c.close()
            lines = srv.log_lines(2)
            check('--gss-bad-handshake %s: logged gsserr= naming the mode' % mode,
                  len(lines) == 2 and all(('gss-bad-handshake%%20%s' % mode) in ln for ln in lines), lines)
        finally:
            rc, out = srv.stop()
            check('--gss-bad-handshake %s: clean exit' % mode, rc == 0 and out == b'', (rc, out[:300]))

    srv = env.ServerProc('--auth', 'negotiate,kerberos', '--gss-bad-handshake', 'loop')
    try:
        c = GssClient(srv.port, 'ntlm')
        status, _, first = first_leg(c)
        tok2 = c.ctx.step(b64(first))          # AUTHENTICATE
        seen = [(status, first)]
        for _ in range(3):
            status, headers, _ = c.post(b'', {'Authorization': 'Negotiate ' + base64.b64encode(tok2).decode()})
            seen.append((status, headers.get('WWW-Authenticate')))
        check('--gss-bad-handshake loop: NTLM legs 2-4 answered 401 with the first CHALLENGE again',
              first and b64(first).startswith(b'NTLMSSP\0\x02')
              and all(st == 401 and v == 'Negotiate ' + first for st, v in seen[1:]), seen)
        c.close()
        c = GssClient(srv.port, 'krb5')
        status, _, first = first_leg(c)
        ok = status == 401 and first is not None
        if ok:
            c.ctx.step(b64(first))             # the real AP-REP, on a 401
            ok = c.ctx.complete
        check('--gss-bad-handshake loop: Kerberos AP-REP on a 401', ok, (status, first))
        c.close()
        lines = srv.log_lines(5)
        check('--gss-bad-handshake loop: every leg logged 401 leg=n with gsserr',
              [log_fields(ln).get('status') for ln in lines] == ['401'] * 5
              and [log_fields(ln).get('leg') for ln in lines] == ['1', '2', '3', '4', '1']
              and all('gss-bad-handshake%20loop' in ln for ln in lines), lines)
    finally:
        rc, out = srv.stop()
        check('--gss-bad-handshake loop: clean exit', rc == 0 and out == b'', (rc, out[:300]))

    srv = env.ServerProc('--auth', 'negotiate,kerberos', '--gss-bad-handshake', 'accept-no-token')
    try:
        for mech in ('krb5', 'ntlm'):
            c = GssClient(srv.port, mech)
            status, headers, text = first_leg(c)
            ok = status == 200 and not headers.get_all('WWW-Authenticate') and c.last[2] == b''
            status2, _, _ = c.post(envelope(OS_URI).encode())
            check('--gss-bad-handshake accept-no-token %s: 200 without a token, and nothing authenticated'
                  % mech, ok and status2 == 401, (status, headers.items(), status2))
            c.close()
        f = log_fields(srv.log_lines(4)[0])
        check('--gss-bad-handshake accept-no-token: logged status=200 with gsserr', f.get('status') == '200'
              and 'accept-no-token' in f.get('gsserr', '') and f.get('leg') == '-', f)
    finally:
        rc, out = srv.stop()
        check('--gss-bad-handshake accept-no-token: clean exit', rc == 0 and out == b'', (rc, out[:300]))

    # enc-replay: the previous encrypted reply again, byte for byte; the initiator's replay detection refuses it.
    srv = env.ServerProc('--auth', 'negotiate,kerberos')
    try:
        for mech in ('krb5', 'spnego-ntlm'):
            c = GssClient(srv.port, mech)
            c.handshake()
            status, plain, _, _ = c.call(envelope(MISB + 'enc-replay'))
            check('enc-replay %s: without an earlier reply → the encrypted e:Ok' % mech,
                  status == 200 and plain and b'<e:Ok' in plain, (status, plain and plain[:200]))
            status, plain, _, before = c.call(envelope(OS_URI))
            body, h = c.encrypt(envelope(MISB + 'enc-replay'))
            status2, headers, data = c.post(body, h)
            try:
                c.decrypt(headers, data)
                refused = False
            except Exception:       # noqa: BLE001 - duplicate token / bad signature
                refused = True
            check('enc-replay %s: the previous reply byte for byte, refused by the initiator' % mech,
                  status == 200 and b'CSName' in plain and status2 == 200 and data == before and refused,
                  (status, status2, len(data), len(before), refused))
            c.close()
        f = log_fields(srv.log_lines(0)[-1])
        check('enc-replay: logged with gsserr', 'enc-replay' in f.get('gsserr', '') and f.get('enc') == 'yes', f)
    finally:
        rc, out = srv.stop()
        check('enc-replay server: clean exit', rc == 0 and out == b'', (rc, out[:300]))

def make_sha384_cert(d):
    subprocess.run(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384',
                    '-sha384', '-nodes', '-keyout', os.path.join(d, 's384.key'), '-out',
                    os.path.join(d, 's384.pem'), '-days', '2', '-subj', '/CN=localhost',
                    '-addext', 'subjectAltName=DNS:localhost'], check=True, capture_output=True)


def t_https(env):
    check = env.check
    d = tempfile.mkdtemp(prefix='wsmgsstls-')
    try:
        subprocess.run(['sh', MAKE_CERTS, d], check=True, capture_output=True, timeout=120)
        p = lambda n: os.path.join(d, n)   # noqa: E731
        tls = ssl.create_default_context(cafile=p('ca.pem'))
        for strict in (False, True):
            args = ['--tls-cert', p('server.pem'), '--tls-key', p('server.key'),
                    '--auth', 'negotiate,kerberos']
            srv = env.ServerProc(*(args + (['--require-cbt'] if strict else [])))
            tag = 'https %s' % ('--require-cbt' if strict else 'relaxed')
            try:
                n0 = 0
                for mech in ('krb5', 'spnego-krb5', 'spnego-ntlm', 'ntlm'):
                    for cbt, want in (('auto', 'yes'), (None, 'no'), (b'tls-server-end-point:' + b'\0' * 32,
                                                                     'bad')):
                        c = GssClient(srv.port, mech, tls_ctx=tls, cbt=cbt)
                        st = c.handshake()
                        legs = c.legs
                        expect = 401 if want == 'bad' or (strict and want == 'no') else 200
                        ok = st == expect
                        if st == 200:
                            status, _, data = c.post(envelope(OS_URI).encode())
                            ok = ok and status == 200 and b'CSName' in data
                            legs += 1
                        c.close()
                        lines = srv.log_lines(n0 + legs)[n0:]
                        n0 += legs
                        f = log_fields(lines[-1]) if lines else {}
                        if expect == 200:
                            ok = ok and f.get('cbt') == want and f.get('enc') == 'no'
                        check('%s %s bindings=%s → %d' % (tag, mech, want, expect), ok, (st, lines[-1:]))
                # Encrypted over HTTPS is still accepted (allowed) and answered encrypted.
                c = GssClient(srv.port, 'spnego-ntlm', tls_ctx=tls)
                c.handshake()
                status, plain, _, _ = c.call(envelope(OS_URI))
                check('%s: encrypted request over TLS' % tag, status == 200 and plain and b'CSName' in plain)
                c.close()
            finally:
                srv.stop()
        # A SHA-384-signed certificate: the bindings hash is SHA-384 (RFC 5929).
        make_sha384_cert(d)
        srv = env.ServerProc('--tls-cert', p('s384.pem'), '--tls-key', p('s384.key'), '--auth', 'negotiate',
                             '--require-cbt')
        try:
            cx = ssl.create_default_context(cafile=p('s384.pem'))
            c = GssClient(srv.port, 'spnego-krb5', tls_ctx=cx)
            c.connect()
            der = c.conn.sock.getpeercert(binary_form=True)
            c.cbt = b'tls-server-end-point:' + hashlib.sha384(der).digest()
            st = c.handshake()
            check('https sha384 cert: SHA-384 bindings accepted', st == 200, st)
            c.close()
            c = GssClient(srv.port, 'spnego-krb5', tls_ctx=cx)     # 'auto' = SHA-256: wrong here
            st = c.handshake()
            check('https sha384 cert: SHA-256 bindings refused', st == 401, st)
            c.close()
        finally:
            srv.stop()
    finally:
        shutil.rmtree(d, ignore_errors=True)


def t_rc4(env):
    check = env.check
    srv = env.ServerProc('--auth', 'kerberos')
    try:
        e = dict(os.environ)
        e['KRB5_CONFIG'] = os.path.join(env.kdc_dir, 'krb5-rc4.conf')
        p = subprocess.run([PYTHON, os.path.join(HERE, 'gss_selftest.py'), '--rc4-child', str(srv.port)], env=e,
                           capture_output=True, timeout=60)
        try:
            res = json.loads(p.stdout.decode().strip().splitlines()[-1])
        except (ValueError, IndexError):
            res = {'error': (p.stdout + p.stderr).decode(errors='replace')[-600:]}
        check('rc4: handshake', res.get('status') == 200, res)
        # RFC 1964 framing: 45 bytes for a tiny message, a few more as the DER length grows.
        check('rc4: the client wrap is RC4 (H 45-49, 1 padding byte counted in Length)',
              45 <= res.get('header_len', 0) <= 49 and res.get('pad') == 1, res)
        check('rc4: encrypted request accepted, reply decrypts', res.get('reply_status') == 200
              and res.get('reply_ok') is True, res)
        check('rc4: reply is an RC4 token with its padding counted in Length',
              45 <= res.get('reply_header_len', 0) <= 49 and res.get('reply_length_minus_plain') == 1, res)
        lines = srv.log_lines(2)
        check('rc4: logged enc=yes', len(lines) >= 2 and 'enc=yes' in lines[1], lines)
    finally:
        srv.stop()


def t_token_bytes(env):
    """--gss-token-bytes N (every token the server sends replaced by N bytes) and --token-log with GSS."""
    check = env.check
    big = (hashlib.sha256(b'wsmauto big token').digest() * 40)[:1000]
    work = tempfile.mkdtemp(prefix='wsmsrv-gsstokens-')
    tokens = os.path.join(work, 'tokens')
    srv = env.ServerProc('--auth', 'negotiate,kerberos', '--gss-token-bytes', '1000', '--token-log', tokens)
    try:
        sent = []
        for mech, status_wanted in (('krb5', 200), ('ntlm', 401)):
            c = GssClient(srv.port, mech)
            c.new_context()
            tok = base64.b64encode(c.ctx.step()).decode()
            sent.append(tok)
            status, headers, _ = c.post(b'', {'Authorization': '%s %s' % (c.scheme, tok)})
            got = [v.strip().partition(' ')[2] for v in headers.get_all('WWW-Authenticate') or []]
            check('--gss-token-bytes 1000 %s: the token on the %d is the 1000 bytes' % (mech, status_wanted),
                  status == status_wanted and len(got) == 1 and base64.b64decode(got[0]) == big, (status, got))
            c.close()
        lines = srv.log_lines(2)
        check('--gss-token-bytes: logged gsserr= naming it',
              len(lines) == 2 and all('--gss-token-bytes' in ln for ln in lines), lines)
        with open(tokens) as f:
            logged = f.read().splitlines()
        check('--token-log: the client tokens received and the tokens sent',
              all(t in logged for t in sent) and base64.b64encode(big).decode() in logged, len(logged))
    finally:
        rc, out = srv.stop()
        check('--gss-token-bytes: clean exit', rc == 0 and out == b'', (rc, out[:300]))
        shutil.rmtree(work, ignore_errors=True)
