# SPDX-License-Identifier: MIT
"""Self-tests of the omi Identify, raw misbehaviours, oversized requests and start-up errors."""

import base64
import http.client
import os
import shutil
import socket
import subprocess
import tempfile

from .common import CT16, CT8, Client, IDENTIFY, MISB, NS, PYTHON, SERVER, ServerProc, T, check, envelope
from .basic import LOG_TAIL


def t_omi_identify():
    """--flavor omi: the Identify shape (both the unauthenticated and the authenticated one); no reply without
    credentials; a 401 without challenge lines."""
    srv = ServerProc('--flavor', 'omi', '--auth', 'basic,digest')
    try:
        for name, cl, hdr in (('unauthenticated', Client(srv.port, user=None),
                               {'WSMANIDENTIFY': 'unauthenticated'}),
                              ('authenticated', Client(srv.port), None)):
            r = cl.raw(IDENTIFY, hdr)
            root = r.doc
            body = r.xp('/s:Envelope/s:Body/*')
            resp = body[0] if len(body) == 1 else None
            check('omi identify %s: 200, one body element s:IdentifyResponse in the envelope namespace' % name,
                  r.status == 200 and resp is not None and resp.tag == '{%s}IdentifyResponse' % NS['s'],
                  (r.status, r.data[:300]))
            check('omi identify %s: same prefix as the envelope, no wsmid:IdentifyResponse' % name,
                  resp is not None and resp.prefix == root.prefix == 's'
                  and b'<s:IdentifyResponse>' in r.data and b'wsmid:IdentifyResponse' not in r.data
                  and not r.xp('//wsmid:IdentifyResponse'), r.data[:300])
            kids = [(k.tag.split('}')[0][1:], k.tag.split('}')[1]) for k in resp] if resp is not None else []
            want = ['ProtocolVersion', 'ProductVendor', 'ProductVersion']
            if name == 'authenticated':
                want.append('SecurityProfiles')
            check('omi identify %s: wsmid children %s' % (name, ', '.join(want)),
                  kids == [(NS['wsmid'], k) for k in want], kids)
            check('omi identify %s: ProtocolVersion, ProductVendor, ProductVersion values' % name,
                  r.text('/s:Envelope/s:Body/s:IdentifyResponse/wsmid:ProtocolVersion/text()')
                  == 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd'
                  and r.text('//s:IdentifyResponse/wsmid:ProductVendor/text()')
                  == 'Open Management Infrastructure'
                  and r.text('//s:IdentifyResponse/wsmid:ProductVersion/text()') == '1.0.8', r.data)
            if name == 'authenticated':
                profs = [x.text for x in r.xp('//s:IdentifyResponse/wsmid:SecurityProfiles/'
                                              'wsmid:SecurityProfileName')]
                check('omi identify: SecurityProfiles as the windows flavour lists them', profs == [
                    'http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/http/basic',
                    'http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/http/digest'], profs)
            cl.close()
        r = Client(srv.port).raw(IDENTIFY.encode('utf-16'), {'Content-Type': CT16})
        check('omi identify: UTF-16 request → UTF-16 s:IdentifyResponse', r.status == 200
              and r.data.startswith(b'\xff\xfe') and r.xp('/s:Envelope/s:Body/s:IdentifyResponse'), r.status)
        anon = Client(srv.port, user=None)
        try:
            anon.raw(IDENTIFY)
            closed = False
        except http.client.RemoteDisconnected:
            closed = True
        except (http.client.HTTPException, OSError):
            closed = False
        check('omi: Identify without WSMANIDENTIFY and without credentials → closed without a reply', closed)
        r = Client(srv.port, password='wrong').raw(IDENTIFY)
        check('omi: wrong Basic password → 401 without WWW-Authenticate',
              r.status == 401 and not r.all_headers.get_all('WWW-Authenticate'), r.all_headers.items())
        lines = srv.log_lines(6)
        check('omi: the closed request is logged status=0 with the reason', any(
            ' status=0 ' in ln and 'no%20Authorization%20header' in ln and LOG_TAIL.search(ln) for ln in lines),
            lines)
    finally:
        rc, out = srv.stop()
        check('omi identify server: clean exit', rc == 0 and out == b'', (rc, out[:300]))


def raw_misbehave(port, mode):
    """One authenticated Get of misbehave/<mode> over a plain socket (http.client refuses header lines over 64 KiB
    and more than 100 headers, which is what these modes send) → (status line, [(name, value)], body)."""
    body = envelope(MISB + mode, T + 'Get').encode('utf-8')
    auth = base64.b64encode(b'wsmuser:wsmpass').decode()
    req = ('POST /wsman HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAuthorization: Basic %s\r\nContent-Type: %s\r\n'
           'Content-Length: %d\r\n\r\n' % (port, auth, CT8, len(body))).encode('latin-1') + body
    with socket.create_connection(('127.0.0.1', port), timeout=60) as sk:
        sk.sendall(req)
        data = b''
        while b'\r\n\r\n' not in data:
            chunk = sk.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, rest = data.partition(b'\r\n\r\n')
        lines = head.decode('latin-1').split('\r\n')
        headers = [tuple(x.strip() for x in ln.split(':', 1)) for ln in lines[1:]]
        length = int(dict((k.lower(), v) for k, v in headers).get('content-length', '0'))
        while len(rest) < length:
            chunk = sk.recv(65536)
            if not chunk:
                break
            rest += chunk
    return lines[0], headers, rest


def t_oversized():
    """The opt-in misbehaviours with oversized headers, --token-log and --gss-token-bytes' argument check."""
    work = tempfile.mkdtemp(prefix='wsmsrv-tokens-')
    tokens = os.path.join(work, 'tokens')
    srv = ServerProc('--auth', 'basic,digest', '--token-log', tokens)
    try:
        status, headers, body = raw_misbehave(srv.port, 'header-flood')
        flood = [v for k, v in headers if k.startswith('X-Flood-')]
        check('misbehave: header-flood, 100 lines of 1000 bytes on a good reply',
              status == 'HTTP/1.1 200 OK' and len(flood) == 100 and all(v == 'f' * 1000 for v in flood) and
              b'<e:Ok' in body and sum(len(k) + len(v) + 4 for k, v in headers) > 100000, (status, len(flood)))
        for mode, n in (('header-long', 80000), ('header-huge', 200000)):
            status, headers, body = raw_misbehave(srv.port, mode)
            check('misbehave: %s, one X-Long line of %d bytes on a good reply' % (mode, n),
                  status == 'HTTP/1.1 200 OK' and dict(headers).get('X-Long') == 'l' * n and b'<e:Ok' in body,
                  status)
        status, headers, body = raw_misbehave(srv.port, 'www-auth-huge')
        www = [v for k, v in headers if k.lower() == 'www-authenticate']
        tok = www[0].partition(' ')[2] if len(www) == 1 else ''
        check('misbehave: www-auth-huge, a 401 with a Negotiate token of 200000 bytes',
              status.startswith('HTTP/1.1 401') and www[0].startswith('Negotiate ') and
              len(base64.b64decode(tok)) == 200000 and body == b'', (status, len(tok)))
        # --token-log: the Basic credentials received, the token and challenges sent; not the plain password
        r = Client(srv.port, user=None).raw(envelope(MISB + 'get-ok', T + 'Get'))
        check('token-log: a 401 without credentials', r.status == 401)
        with open(tokens) as f:
            logged = f.read().splitlines()
        basic = base64.b64encode(b'wsmuser:wsmpass').decode()
        check('token-log: the Basic credentials, the huge token and the challenges, one a line',
              basic in logged and tok in logged and 'realm="WSMAN"' in logged and
              any(ln.startswith('realm="WSMAN", nonce=') for ln in logged) and
              not any('wsmpass' in ln for ln in logged), [ln[:60] for ln in logged])
        check('log: no tokens in the request log', not any(basic in ln or tok[:40] in ln
                                                          for ln in open(srv.log).read().splitlines()))
    finally:
        rc, out = srv.stop()
        check('oversized: clean exit', rc == 0 and out == b'', (rc, out[:300]))
        shutil.rmtree(work, ignore_errors=True)
    p = subprocess.run([PYTHON, SERVER, '--auth', 'kerberos', '--gss-token-bytes', '-1'], capture_output=True,
                       timeout=30)
    check('startup: negative --gss-token-bytes rejected', p.returncode == 2 and b'--gss-token-bytes' in p.stderr,
          p.stderr[-200:])


def t_startup_errors():
    p = subprocess.run([PYTHON, SERVER, '--auth', 'ntlm'], capture_output=True, timeout=30)
    check('startup: bad --auth rejected', p.returncode != 0)
    p = subprocess.run([PYTHON, SERVER, '--auth', 'certificate'], capture_output=True, timeout=30)
    check('startup: certificate without TLS rejected', p.returncode != 0)
    p = subprocess.run([PYTHON, SERVER, '--auth', 'negotiate', '--gss-encryption', 'sometimes'],
                       capture_output=True, timeout=30)
    check('startup: bad --gss-encryption rejected', p.returncode == 2)
    p = subprocess.run([PYTHON, SERVER, '--auth', 'kerberos', '--gss-reauth-after', '-1'], capture_output=True,
                       timeout=30)
    check('startup: negative --gss-reauth-after rejected', p.returncode == 2)
    p = subprocess.run([PYTHON, SERVER, '--flavor', 'linux'], capture_output=True, timeout=30)
    check('startup: unknown --flavor rejected', p.returncode == 2 and b'--flavor' in p.stderr, p.stderr[-200:])
