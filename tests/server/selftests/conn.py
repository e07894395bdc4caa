# SPDX-License-Identifier: MIT
"""Self-tests of connections and misbehaviours, and of servers with other options (no auth, expiry, big,
HTTPS)."""

import base64
import http.client
import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from xml.etree import ElementTree

from .common import (
    CIMV2, CONFIG, CT16, CT8, Client, ECHO, EN, IDENTIFY, MISB, MUTUAL, NS, OS_URI, SVC, ServerProc, T,
    VERBOSE, WQL, check, envelope, expect_fault, mid, sel)
from .enum import enum_all
from .misc import raw_misbehave


def t_keepalive(srv):
    c = Client(srv.port)
    before = len(srv.log_lines())
    for _ in range(10):
        c.soap(OS_URI, T + 'Get')
    lines = srv.log_lines(before + 10)[before:]
    conns = {ln.split()[0] for ln in lines}
    check('keepalive: 10 requests on one connection (one conn= id)', len(lines) == 10 and len(conns) == 1,
          conns)
    r = c.raw(envelope(OS_URI, T + 'Get'), {'Connection': 'close'})
    check('keepalive: Connection: close honoured', r.headers.get('Connection') == 'close')
    c.soap(OS_URI, T + 'Get')
    lines = srv.log_lines(before + 12)[before:]
    check('keepalive: next request on a new connection', len(lines) == 12 and
          lines[-1].split()[0] != lines[-2].split()[0], lines[-2:])
    c.close()
    check('log: line format', re.match(r'^conn=\d+ POST status=200 action=\S+ resource=\S+ charset=utf-8 '
                                       r'auth=basic bytes=\d+ gss=- user=- enc=no cbt=- leg=- frame=-$',
                                       lines[0]),
          lines[0])


def raw_exchange(port, body, read_until=None, close_after=None, limit=200000):
    """Sends one POST over a raw socket; returns the bytes read before EOF/limit/timeout."""
    s = socket.create_connection(('127.0.0.1', port), timeout=10)
    data = body.encode()
    head = ('POST /wsman HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: %s\r\nAuthorization: Basic %s\r\n'
            'Content-Length: %d\r\n\r\n'
            % (port, CT8, base64.b64encode(b'wsmuser:wsmpass').decode(), len(data)))
    s.sendall(head.encode() + data)
    got = b''
    t0 = time.time()
    try:
        while len(got) < limit:
            if close_after is not None and time.time() - t0 > close_after:
                break
            s.settimeout(0.2 if close_after is not None else 10)
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                if close_after is not None:
                    continue
                break
            if not chunk:
                break
            got += chunk
    finally:
        s.close()
    return got


def raw_until_close(port, body):
    """One authenticated POST with Connection: close over a raw socket → every byte until EOF (at most 5 s), or
    the text of the socket error (a reset) when one ends it."""
    data = body.encode()
    head = ('POST /wsman HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nContent-Type: %s\r\nAuthorization: Basic %s\r\n'
            'Connection: close\r\nContent-Length: %d\r\n\r\n'
            % (port, CT8, base64.b64encode(b'wsmuser:wsmpass').decode(), len(data)))
    got = b''
    deadline = time.time() + 5
    with socket.create_connection(('127.0.0.1', port), timeout=5) as s:
        s.sendall(head.encode() + data)
        try:
            while time.time() < deadline:
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        except OSError as e:        # reset: the RST may come before or after some of the bytes
            return got + repr(e).encode()
    return got


def t_misbehave(srv, c):
    def mb(mode, **kw):
        cl = Client(srv.port)
        try:
            return cl.soap(MISB + mode, T + 'Get', **kw)
        finally:
            cl.close()
    r = Client(srv.port, user=None).raw(envelope(MISB + 'get-ok', T + 'Get'))
    check('misbehave: auth still applies', r.status == 401)
    r = mb('status401')
    check('misbehave: status401',
          r.status == 401 and r.data == b'' and r.all_headers.get_all('WWW-Authenticate'))
    for mode, st in (('status413', 413), ('status415', 415), ('status500-empty', 500)):
        r = mb(mode)
        check('misbehave: %s' % mode, r.status == st and r.data == b'')
    r = mb('status500-html')
    check('misbehave: status500-html',
          r.status == 500 and r.ctype.startswith('text/html') and b'<html>' in r.data)
    r = mb('status400-fault')
    check('misbehave: status400-fault',
          r.status == 400 and r.fault() and r.fault()[0] == 'wsman:InvalidSelectors')
    r = mb('nonxml')
    check('misbehave: nonxml', r.status == 200 and r.data == b'this is not XML <<<' and 'soap+xml' in r.ctype)
    r = mb('html200')
    check('misbehave: html200', r.status == 200 and r.ctype.startswith('text/html'))
    r = mb('empty200')
    check('misbehave: empty200', r.status == 200 and r.data == b'')
    r = mb('oversize', maxenv=153600)
    check('misbehave: oversize ≈ 2x MaxEnvelopeSize, valid', r.status == 200 and len(r.data) >= 2 * 153600 and
          r.doc is not None)
    m = mid()
    r = mb('wrong-relatesto', message_id=m)
    check('misbehave: wrong-relatesto', r.status == 200 and r.text('//a:RelatesTo/text()') not in (None, m))
    r = mb('utf16')
    check('misbehave: utf16', r.status == 200 and r.data[:2] == b'\xff\xfe' and r.ctype == CT16 and
          r.xp('//e:Ok'))
    r = mb('utf16-nobom-header')
    check('misbehave: utf16-nobom-header', r.status == 200 and r.data[:2] == b'\xff\xfe' and r.ctype == CT8)
    r = mb('wmierror')
    check('misbehave: wmierror',
          r.status == 500 and r.text('//wmierr:MSFT_WmiError/wmierr:error_Code/text()') ==
          '2150859173')
    r = mb('fault-nodetail')
    check('misbehave: fault-nodetail', r.status == 500 and r.xp('//s:Fault') and not r.xp('//s:Detail'))
    r = mb('fault-nested')
    check('misbehave: fault-nested', r.status == 500 and
          r.xp('//f:WSManFault/f:Message/f:ProviderFault/f:WSManFault/f:Message'))
    r = mb('redirect')
    check('misbehave: redirect', r.status == 302 and '/wsman-redirected' in (r.headers.get('Location') or ''))
    r = mb('wrong-action')
    check('misbehave: wrong-action',
          r.status == 200 and r.text('//a:Action/text()') == EN + 'EnumerateResponse')
    r = mb('get-ok')
    check('misbehave: get-ok', r.status == 200 and r.text('//e:Ok/text()') == 'ok' and
          r.text('//a:Action/text()') == T + 'GetResponse')
    # Read raw and parsed with expat: libxml2 2.9 (lxml's) would spend seconds on that tag.
    status, headers, body = raw_misbehave(srv.port, 'many-attributes')
    crowded = ElementTree.fromstring(body).find('.//{http://wsmauto.test/echo}Crowded')
    check('misbehave: many-attributes, 50,000 on e:Crowded, within 512000 bytes',
          status == 'HTTP/1.1 200 OK' and len(body) <= 512000 and crowded is not None and
          len(crowded.attrib) == 50000 and crowded.get('a49999') == '', (status, len(body)))
    r = mb('no-such-mode')
    expect_fault('misbehave: unknown mode', r, 'a:DestinationUnreachable', 2150858752)
    for mode in ('dtd', 'xxe'):
        r = mb(mode)
        check('misbehave: %s carries a DTD' % mode, r.status == 200 and b'<!DOCTYPE' in r.data and
              b'<!ENTITY' in r.data and (mode != 'xxe' or b'file:///etc/passwd' in r.data))
    got = raw_exchange(srv.port, envelope(MISB + 'close', T + 'Get'))
    check('misbehave: close → no reply', got == b'', got[:100])
    got = raw_exchange(srv.port, envelope(MISB + 'endless', T + 'Get'), limit=300000)
    check('misbehave: endless streams chunked data', got.startswith(b'HTTP/1.1 200') and
          b'Transfer-Encoding: chunked' in got and len(got) >= 300000)
    got = raw_exchange(srv.port, envelope(MISB + 'sleep', T + 'Get'), close_after=0.6)
    check('misbehave: sleep sends nothing', got == b'')
    # The hostile-server suite's modes (tests/test_hostile.c checks what a client makes of them): what each
    # sends first, and something that only that mode sends.
    hostile = (('entity-param', b'HTTP/1.1 200', b'<!ENTITY % ext SYSTEM'),
               ('entity-undeclared', b'HTTP/1.1 200', b'&lol9;'),
               ('truncated', b'HTTP/1.1 200', b'>ok</e:Ok>'),
               ('auth-loop', b'HTTP/1.1 401', b'stale=true'),
               ('ctype-text', b'HTTP/1.1 200', b'Content-Type: text/plain'),
               ('ctype-json', b'HTTP/1.1 200', b'Content-Type: application/json'),
               ('ctype-missing', b'HTTP/1.1 200', b'>ok</e:Ok>'),
               ('garbage', b'HTTP/1.1 200', b'Content-Length: 65536'),
               ('garbage-status', b'\x00\xff\xfe garbage', b''),
               ('deep-nesting', b'HTTP/1.1 200', b'<d>' * 1000),
               ('endless-enum', b'HTTP/1.1 200', b'<n:PullResponse><n:EnumerationContext>'),
               ('endless-enum-empty', b'HTTP/1.1 200', b'<n:Items></n:Items>'),
               ('chunk-bad-size', b'HTTP/1.1 200', b'chunked\r\n\r\nzz\r\n'),
               ('chunk-short', b'HTTP/1.1 200', b'Transfer-Encoding: chunked'),
               ('fault-huge', b'HTTP/1.1 500', b'The huge fault. '),
               ('fault-oversize', b'HTTP/1.1 500', b'The huge fault. '),
               ('bad-utf8', b'HTTP/1.1 200', b'\xc3\x28\xff'),
               ('charset-unknown', b'HTTP/1.1 200', b'charset=EBCDIC'),
               ('decl-ebcdic', b'HTTP/1.1 200', b'encoding="EBCDIC"'),
               ('bom-utf8-header-utf16', b'HTTP/1.1 200', b'\r\n\r\n\xef\xbb\xbf<s:Envelope'),
               ('bom-utf16-body-utf8', b'HTTP/1.1 200', b'\r\n\r\n\xff\xfe<s:Envelope'),
               ('nul', b'HTTP/1.1 200', b'>o\x00\x00k<'),
               ('reset', b'HTTP/1.1 200', b'Content-Length:'),
               ('enc-unexpected', b'HTTP/1.1 200', b'multipart/encrypted'),
               ('redirect-loop', b'HTTP/1.1 307', b'/wsman\r\n'),
               ('redirect-other-host', b'HTTP/1.1 308', b'wsmauto-elsewhere.invalid'))
    for mode, first, marker in hostile:
        got = raw_until_close(srv.port, envelope(MISB + mode, T + 'Get'))
        check('misbehave: %s' % mode, (got.startswith(first) and marker in got) or
              (mode == 'reset' and b'reset' in got.lower()), got[:300])
    got = raw_exchange(srv.port, envelope(MISB + 'slow', T + 'Get'), close_after=2.5)
    check('misbehave: slow trickles a byte a second', 1 <= len(got) <= 5 and b'HTTP/1.1 200'.startswith(got),
          got)
    r = c.soap(OS_URI, T + 'Get')
    check('misbehave: server fine afterwards', r.status == 200)


def t_concurrency(srv):
    import threading
    errors = []

    def worker(k):
        cl = Client(srv.port)
        try:
            for i in range(20):
                r = cl.soap(SVC, T + 'Get', extra=sel(Name='svc%05d' % (1 + (k * 20 + i) % 50)))
                if r.status != 200:
                    errors.append(r.status)
        except Exception as e:
            errors.append(repr(e))
        finally:
            cl.close()
    ts = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    check('concurrency: 8 clients x 20 requests', not errors, errors[:3])


# ------------------------------------------------------------------------------------------------------------
# Other servers
# ------------------------------------------------------------------------------------------------------------
def t_auth_none():
    srv = ServerProc('--auth', 'none', '--max-timeout-ms', '60000')
    try:
        c = Client(srv.port, user=None)
        r = c.soap(OS_URI, T + 'Get')
        check('auth none: served without Authorization', r.status == 200)
        lines = srv.log_lines(1)
        check('auth none: logged auth=-', lines and lines[-1].split()[6] == 'auth=-', lines[-1:])
        # Live config: MaxTimeoutms caps the OperationTimeout.
        r = c.soap(CONFIG, T + 'Put',
                   body='<cfg:Config xmlns:cfg="%s"><cfg:MaxTimeoutms>1000</cfg:MaxTimeoutms>'
                   '</cfg:Config>' % CONFIG)
        check('config: MaxTimeoutms Put', r.text('//cfg:Config/cfg:MaxTimeoutms/text()') == '1000')
        r = c.soap(OS_URI, T + 'Get', extra='<w:OptionSet><w:Option Name="wsmauto:delay_ms">5000</w:Option>'
                   '</w:OptionSet>', timeout='PT60S')
        expect_fault('config: MaxTimeoutms caps OperationTimeout (live)', r, 'w:TimedOut', 2150858793)
        r = c.soap(CONFIG, T + 'Put',
                   body='<cfg:Config xmlns:cfg="%s"><cfg:MaxTimeoutms>10</cfg:MaxTimeoutms>'
                   '</cfg:Config>' % CONFIG)
        expect_fault('config: MaxTimeoutms below 500 → InvalidParameter', r, 'w:InvalidParameter', 2150858810)
    finally:
        rc, out = srv.stop()
        check('server: exits 0 on SIGTERM and prints nothing', rc == 0 and out == b'', (rc, out[:300]))


def t_expiry():
    srv = ServerProc('--enum-expiry-s', '1')
    try:
        c = Client(srv.port)
        r = c.soap(SVC, EN + 'Enumerate', body='<n:Enumerate/>')
        ctx = r.text('//n:EnumerationContext/text()')
        r = c.soap(SVC, EN + 'Pull',
                   body='<n:Pull><n:EnumerationContext>%s</n:EnumerationContext></n:Pull>' % ctx)
        check('expiry: context works while fresh', r.status == 200)
        time.sleep(1.6)
        r = c.soap(SVC, EN + 'Pull',
                   body='<n:Pull><n:EnumerationContext>%s</n:EnumerationContext></n:Pull>' % ctx)
        expect_fault('expiry: idle context expires → InvalidEnumerationContext', r,
                     'n:InvalidEnumerationContext',
                     2150858779)
    finally:
        srv.stop()


def t_big():
    srv = ServerProc('--instances', '100000', '--max-envelope-kb', '65536')
    try:
        c = Client(srv.port)
        t0 = time.time()
        items, trips, r = enum_all(c, SVC, pull_max=32000, maxenv=67108864)
        el = time.time() - t0
        names = [i.findtext('{%s}Name' % NS['svc']) for i in items or []]
        check('big: 100000 (+3) instances in batches of 32000', items is not None and len(names) == 100003 and
              len(set(names)) == 100003 and trips == 4, (len(names), trips, r.status if r else None))
        check('big: names zero-padded to 6 digits', 'svc100000' in set(names) and 'svc000001' in set(names))
        if VERBOSE:
            print('     (100003 items in %d round trips, %.1f s)' % (trips, el))
        r = c.soap(SVC, EN + 'Enumerate', body='<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>32000'
                   '</w:MaxElements></n:Enumerate>')
        n = len(r.xp('//w:Items/*'))
        check('big: default 512000 MaxEnvelopeSize trims a 32000 batch', r.status == 200 and 0 < n < 32000 and
              len(r.data) <= 512000, (n, len(r.data)))
        ctx = r.text('//n:EnumerateResponse/n:EnumerationContext/text()')
        c.soap(SVC, EN + 'Release',
               body='<n:Release><n:EnumerationContext>%s</n:EnumerationContext></n:Release>'
               % ctx)
        # Batches of 20: per-request overhead (a few hundred round trips of the 5000 a full run needs).
        r = c.soap(SVC, EN + 'Enumerate', body='<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>20'
                   '</w:MaxElements></n:Enumerate>')
        ctx = r.text('//n:EnumerateResponse/n:EnumerationContext/text()')
        got = len(r.xp('//w:Items/*'))
        t0 = time.time()
        for _ in range(300):
            r = c.soap(SVC, EN + 'Pull', body='<n:Pull><n:EnumerationContext>%s</n:EnumerationContext>'
                       '<n:MaxElements>20</n:MaxElements></n:Pull>' % ctx)
            got += len(r.xp('//n:Items/*'))
        el = time.time() - t0
        check('big: 301 batches of 20', got == 301 * 20, got)
        if VERBOSE:
            print('     (300 Pulls of 20 in %.2f s = %.1f ms each)' % (el, el * 1000 / 300))
        items, _, r = enum_all(c, CIMV2 + '*', '<w:Filter Dialect="%s">SELECT Name FROM Win32_Service WHERE '
                               'State = \'Stopped\' AND StartMode = \'Manual\'</w:Filter>' % WQL,
                               pull_max=32000,
                               maxenv=67108864)
        check('big: WQL over 100000', items is not None and len(items) == 1, items and len(items))
    finally:
        srv.stop()


def make_certs(d):
    def run_ssl(*args):
        subprocess.run(['openssl'] + list(args), cwd=d, check=True, capture_output=True)
    with open(os.path.join(d, 'server.ext'), 'w') as f:
        f.write('subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n')
    with open(os.path.join(d, 'client.ext'), 'w') as f:
        f.write('extendedKeyUsage=clientAuth\n')
    for ca in ('ca', 'otherca'):
        run_ssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', ca + '.key', '-out', ca + '.pem',
                '-days',
                '2', '-subj', '/CN=wsmauto selftest ' + ca, '-addext', 'basicConstraints=critical,CA:TRUE',
                '-addext', 'keyUsage=critical,keyCertSign,cRLSign')
    for name, cn, ca, ext in (('server', 'localhost', 'ca', 'server.ext'),
                              ('client', 'wsmuser', 'ca', 'client.ext'),
                              ('stranger', 'stranger', 'ca', 'client.ext'),
                              ('otherclient', 'wsmuser', 'otherca', 'client.ext')):
        run_ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', name + '.key', '-out', name + '.csr',
                '-subj',
                '/CN=' + cn)
        run_ssl('x509', '-req', '-in', name + '.csr', '-CA', ca + '.pem', '-CAkey', ca + '.key',
                '-set_serial',
                str(int(time.time() * 1000) % 1000000000 + len(name)), '-days', '2', '-out', name + '.pem',
                '-extfile', ext)


def t_https():
    d = tempfile.mkdtemp(prefix='wsmtls-')
    try:
        make_certs(d)
        p = lambda n: os.path.join(d, n)   # noqa: E731
        srv = ServerProc('--tls-cert', p('server.pem'), '--tls-key', p('server.key'), '--client-ca',
                         p('ca.pem'),
                         '--auth', 'basic,certificate', '--cert-user', 'wsmuser')
        try:
            def ctx(cert=None):
                cx = ssl.create_default_context(cafile=p('ca.pem'))
                if cert:
                    cx.load_cert_chain(p(cert + '.pem'), p(cert + '.key'))
                return cx
            c = Client(srv.port, tls_ctx=ctx(), host='localhost')
            r = c.soap(SVC, T + 'Get', extra=sel(Name='WinRM'))
            check('https: Basic over TLS', r.status == 200 and r.text('//svc:Name/text()') == 'WinRM')
            r = c.raw(IDENTIFY)
            profs = [x.text for x in r.xp('//wsmid:SecurityProfileName')]
            check('https: Identify lists https profiles', profs == [
                'http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/basic', MUTUAL], profs)
            r = c.soap(CONFIG + '/listener', T + 'Get', extra=sel(Address='*', Transport='HTTPS'))
            check('https: listener says HTTPS with a thumbprint',
                  len(r.text('//lst:CertificateThumbprint/text()') or
                                                                        '') == 40)
            r = c.soap(ECHO, T + 'Get')
            check('https: echo says Tls=true', r.xp('//e:Http[@Tls="true"]'))
            c.close()
            c = Client(srv.port, user=None, tls_ctx=ctx('client'), host='localhost')
            r = c.soap(OS_URI, T + 'Get', headers={'Authorization': MUTUAL})
            check('https: client certificate + mutual header → 200', r.status == 200, r.status)
            lines = srv.log_lines(5)
            check('https: logged auth=certificate', len(lines) >= 5 and 'auth=certificate' in lines[4],
                  lines[4:5])
            r = c.soap(OS_URI, T + 'Get')
            check('https: client certificate without the header → 401', r.status == 401)
            c.close()
            c = Client(srv.port, user=None, tls_ctx=ctx(), host='localhost')
            r = c.soap(OS_URI, T + 'Get', headers={'Authorization': MUTUAL})
            check('https: mutual header without a certificate → 401', r.status == 401)
            c.close()
            c = Client(srv.port, user=None, tls_ctx=ctx('stranger'), host='localhost')
            r = c.soap(OS_URI, T + 'Get', headers={'Authorization': MUTUAL})
            check('https: certificate CN not in --cert-user → 401', r.status == 401)
            c.close()
            c = Client(srv.port, user=None, tls_ctx=ctx('otherclient'), host='localhost')
            try:
                r = c.soap(OS_URI, T + 'Get', headers={'Authorization': MUTUAL})
                ok = r.status == 401
            except (ssl.SSLError, OSError, http.client.HTTPException):
                ok = True
            check('https: certificate from another CA rejected', ok)
            c.close()
            c = Client(srv.port, tls_ctx=ctx(), host='localhost')
            before = len(srv.log_lines(8))      # the 8 requests above that reached HTTP
            for _ in range(5):
                c.soap(OS_URI, T + 'Get')
            lines = srv.log_lines(before + 5)[before:]
            check('https: keep-alive over TLS', len({ln.split()[0] for ln in lines}) == 1, lines)
            c.close()
        finally:
            srv.stop()
    finally:
        shutil.rmtree(d, ignore_errors=True)
