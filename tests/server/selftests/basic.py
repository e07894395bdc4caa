# SPDX-License-Identifier: MIT
"""Self-tests against the main server (basic + digest): HTTP layer, auth, Identify, Get, headers, echo,
Invoke, items, fragments."""

import hashlib
import re
import shutil
import subprocess
import time

from .common import (
    ANON, CIMSVC, CIMV2, CONFIG, CT8, Client, ECHO, EN, IDENTIFY, ITEM, NO_MESSAGEID, NO_RESOURCEURI, NS,
    OS_URI, SOAP11, SPEC_STYLE_GET, SVC, ServerProc, T, check, envelope, expect_fault, mid, sel)


def t_http_layer(srv, c):
    r = c.raw(IDENTIFY, path='/other')
    check('http: other path → 404', r.status == 404 and r.data == b'')
    r = c.raw(b'', method='GET')
    check('http: GET → 405', r.status == 405)
    check('http: Server header', r.headers.get('Server') == 'Microsoft-HTTPAPI/2.0')
    r = c.raw(envelope(OS_URI, T + 'Get'), {'Content-Type': 'text/xml'})
    check('http: wrong content type → 415', r.status == 415 and r.data == b'')
    r = c.raw(envelope(OS_URI, T + 'Get'), {'Content-Type': 'application/soap+xml'})
    check('http: content type without charset → 415', r.status == 415)
    r = c.raw(envelope(OS_URI, T + 'Get'), {'Content-Type': 'application/soap+xml; Charset = "utf-8"'})
    check('http: content type params with spaces/quotes accepted', r.status == 200, r.status)
    r = c.raw(b'this is not xml', {})
    check('http: non-XML body → 400 empty', r.status == 400 and r.data == b'')
    r = c.raw('<?xml version="1.0"?><!DOCTYPE s:Envelope [<!ENTITY x "y">]>' + envelope(OS_URI, T + 'Get'))
    check('http: DTD in request → 400', r.status == 400)
    r = c.raw(envelope(OS_URI, T + 'Get'), path='/wsman/')
    check('http: /wsman/ accepted', r.status == 200)
    r = c.raw(envelope(OS_URI, T + 'Get'), path='/wsman?PSVersion=5.1')
    check('http: query string accepted', r.status == 200)
    check('http: Content-Length on reply', r.headers.get('Content-Length') == str(len(r.data)))


def t_auth_basic(srv):
    c = Client(srv.port, user=None)
    r = c.raw(envelope(OS_URI, T + 'Get'))
    ww = r.all_headers.get_all('WWW-Authenticate') or []
    check('basic: no credentials → 401',
          r.status == 401 and r.data == b'' and r.headers.get('Content-Length') == '0')
    check('basic: one WWW-Authenticate line per scheme', 'Basic realm="WSMAN"' in ww and
          any(w.startswith('Digest realm="WSMAN", nonce="') and 'qop="auth"' in w and 'algorithm=MD5' in w
              for w in ww) and len(ww) == 2, ww)
    c = Client(srv.port, password='wrong')
    r = c.raw(envelope(OS_URI, T + 'Get'))
    check('basic: wrong password → 401', r.status == 401)
    c = Client(srv.port, user='WSMUSER')
    r = c.raw(envelope(OS_URI, T + 'Get'))
    check('basic: user name is case-insensitive', r.status == 200)
    c = Client(srv.port, user='other', password='pw:with:colons')
    r = c.raw(envelope(OS_URI, T + 'Get'))
    check('basic: second --user with colons in password', r.status == 200)
    r = c.raw(envelope(OS_URI, T + 'Get'),
              {'Authorization': 'Negotiate TlRMTVNTUAABAAAAB4IIogAAAAAAAAAAAAAAAAAAAAA='})
    check('basic: unsupported scheme → 401', r.status == 401)
    check('log: no passwords in the log', not any('wsmpass' in ln or 'colons' in ln or 'Basic ' in ln
                                                  for ln in open(srv.log).read().splitlines()))


def digest_header(challenge, user, password, uri='/wsman', nc=1, cnonce='0a4f113b', method='POST'):
    nonce = re.search(r'nonce="([^"]+)"', challenge).group(1)
    ha1 = hashlib.md5(('%s:WSMAN:%s' % (user, password)).encode()).hexdigest()
    ha2 = hashlib.md5(('%s:%s' % (method, uri)).encode()).hexdigest()
    ncs = '%08x' % nc
    resp = hashlib.md5(('%s:%s:%s:%s:auth:%s' % (ha1, nonce, ncs, cnonce, ha2)).encode()).hexdigest()
    return ('Digest username="%s", realm="WSMAN", nonce="%s", uri="%s", algorithm=MD5, response="%s", '
            'qop=auth, nc=%s, cnonce="%s"' % (user, nonce, uri, resp, ncs, cnonce))


def digest_challenge(r):
    for w in r.all_headers.get_all('WWW-Authenticate') or []:
        if w.startswith('Digest '):
            return w
    return None


def t_auth_digest(srv):
    c = Client(srv.port, user=None)
    r = c.raw(envelope(OS_URI, T + 'Get'))
    ch = digest_challenge(r)
    check('digest: challenge offered', r.status == 401 and ch is not None)
    r = c.raw(envelope(OS_URI, T + 'Get'), {'Authorization': digest_header(ch, 'wsmuser', 'wsmpass')})
    check('digest: good response → 200', r.status == 200, r.status)
    r = c.raw(envelope(OS_URI, T + 'Get'), {'Authorization': digest_header(ch, 'wsmuser', 'wsmpass', nc=2)})
    check('digest: nonce reused with next nc → 200', r.status == 200)
    r = c.raw(envelope(OS_URI, T + 'Get'), {'Authorization': digest_header(ch, 'wsmuser', 'wsmpass', nc=2)})
    check('digest: replayed nc → 401', r.status == 401)
    r = c.raw(envelope(OS_URI, T + 'Get'), {'Authorization': digest_header(ch, 'wsmuser', 'bad', nc=3)})
    check('digest: wrong password → 401 not stale',
          r.status == 401 and 'stale' not in (digest_challenge(r) or ''))
    forged = ch.replace('nonce="', 'nonce="0')
    r = c.raw(envelope(OS_URI, T + 'Get'), {'Authorization': digest_header(forged, 'wsmuser', 'wsmpass')})
    check('digest: nonce the server never issued → 401', r.status == 401)
    r = c.raw(envelope(OS_URI, T + 'Get'),
              {'Authorization': digest_header(ch, 'wsmuser', 'wsmpass', uri='/x', nc=9)})
    check('digest: uri not matching the request → 401', r.status == 401)
    lines = srv.log_lines()
    check('digest: log shows auth=digest', any('auth=digest' in ln for ln in lines))


def t_digest_stale():
    srv = ServerProc('--auth', 'digest', '--digest-nonce-ttl-s', '1')
    try:
        c = Client(srv.port, user=None)
        ch = digest_challenge(c.raw(envelope(OS_URI, T + 'Get')))
        r = c.raw(envelope(OS_URI, T + 'Get'), {'Authorization': digest_header(ch, 'wsmuser', 'wsmpass')})
        check('digest-stale: fresh nonce → 200', r.status == 200)
        time.sleep(1.3)
        r = c.raw(envelope(OS_URI, T + 'Get'),
                  {'Authorization': digest_header(ch, 'wsmuser', 'wsmpass', nc=2)})
        ch2 = digest_challenge(r)
        check('digest-stale: old nonce → 401 stale=true', r.status == 401 and ch2 and 'stale=true' in ch2,
              ch2)
        r = c.raw(envelope(OS_URI, T + 'Get'), {'Authorization': digest_header(ch2, 'wsmuser', 'wsmpass')})
        check('digest-stale: new nonce → 200', r.status == 200)
        r = Client(srv.port, user=None).raw(envelope(OS_URI, T + 'Get'))
        ww = r.all_headers.get_all('WWW-Authenticate')
        check('digest-only: only a Digest challenge', len(ww) == 1 and ww[0].startswith('Digest '), ww)
        if shutil.which('curl'):
            p = subprocess.run(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--digest', '-u',
                                'wsmuser:wsmpass', '-H', 'Content-Type: ' + CT8, '--data-binary',
                                envelope(OS_URI, T + 'Get'), 'http://127.0.0.1:%d/wsman' % srv.port],
                               capture_output=True, timeout=60)
            check('digest: libcurl (curl --digest) is accepted', p.stdout == b'200', p.stdout)
    finally:
        srv.stop()


# The windows flavour's Identify replies, byte for byte (server with --auth basic,digest over HTTP).
IDENTIFY_HEAD = ('<s:Envelope xml:lang="en-US" xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Header/>'
                 '<s:Body><wsmid:IdentifyResponse xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/'
                 'wsmanidentity.xsd"><wsmid:ProtocolVersion>http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd'
                 '</wsmid:ProtocolVersion><wsmid:ProductVendor>wsmauto test server</wsmid:ProductVendor>')
IDENTIFY_UNAUTH_WINDOWS = (IDENTIFY_HEAD + '<wsmid:ProductVersion>OS: 0.0.0 SP: 0.0 Stack: 3.0'
                           '</wsmid:ProductVersion></wsmid:IdentifyResponse></s:Body></s:Envelope>').encode()
IDENTIFY_AUTH_WINDOWS = (
    IDENTIFY_HEAD + '<wsmid:ProductVersion>OS: 10.0.20348 SP: 0.0 Stack: 3.0</wsmid:ProductVersion>'
    '<wsmid:SecurityProfiles><wsmid:SecurityProfileName>http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/'
    'http/basic</wsmid:SecurityProfileName><wsmid:SecurityProfileName>http://schemas.dmtf.org/wbem/wsman/1/'
    'wsman/secprofile/http/digest</wsmid:SecurityProfileName></wsmid:SecurityProfiles>'
    '</wsmid:IdentifyResponse></s:Body></s:Envelope>').encode()
LOG_TAIL = re.compile(r' cbt=\S+ leg=\S+ frame=(-|tab|plain)( gsserr=\S+)?$')


def t_identify(srv, c):
    anon = Client(srv.port, user=None)
    r = anon.raw(IDENTIFY, {'WSMANIDENTIFY': 'unauthenticated'})
    check('identify: unauthenticated → 200', r.status == 200, r.status)
    check('identify (windows flavour): unauthenticated reply unchanged, byte for byte',
          r.data == IDENTIFY_UNAUTH_WINDOWS, r.data)
    check('identify (windows flavour): wsmid:IdentifyResponse, not s:IdentifyResponse',
          r.xp('/s:Envelope/s:Body/wsmid:IdentifyResponse') and not r.xp('//s:IdentifyResponse'))
    check('identify: unauth ProductVersion hides OS',
          r.text('//wsmid:ProductVersion/text()') == 'OS: 0.0.0 SP: 0.0 Stack: 3.0')
    check('identify: unauth has no SecurityProfiles', not r.xp('//wsmid:SecurityProfiles'))
    check('identify: vendor', r.text('//wsmid:ProductVendor/text()') == 'wsmauto test server')
    check('identify: protocol version', r.text('//wsmid:ProtocolVersion/text()') ==
          'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd')
    check('identify: empty s:Header', r.xp('/s:Envelope/s:Header') and not r.xp('/s:Envelope/s:Header/*'))
    r = anon.raw(IDENTIFY)
    check('identify: without WSMANIDENTIFY needs auth', r.status == 401)
    r = c.raw(IDENTIFY)
    check('identify: authenticated OS version', r.text('//wsmid:ProductVersion/text()') ==
          'OS: 10.0.20348 SP: 0.0 Stack: 3.0')
    check('identify (windows flavour): authenticated reply unchanged, byte for byte',
          r.data == IDENTIFY_AUTH_WINDOWS, r.data)
    profs = [p.text for p in r.xp('//wsmid:SecurityProfiles/wsmid:SecurityProfileName')]
    check('identify: security profiles list enabled schemes',
          profs == ['http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/http/basic',
                    'http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/http/digest'], profs)
    lines = srv.log_lines()
    check('log: Identify logged as action=Identify', any('action=Identify' in ln and 'resource=-' in ln
                                                         for ln in lines))
    check('log: every line ends with leg= frame=- (plaintext requests) [gsserr=]',
          lines and all(LOG_TAIL.search(ln) and ' frame=- ' in ln + ' ' for ln in lines), lines[-3:])


def t_get(srv, c):
    m = mid()
    r = c.soap(SVC, T + 'Get', extra=sel(Name='winrm'), message_id=m)
    check('get: status 200', r.status == 200, r.status)
    check('get: GetResponse action', r.text('//a:Action/text()') == T + 'GetResponse')
    check('get: RelatesTo = MessageID', r.text('//a:RelatesTo/text()') == m)
    check('get: To anonymous', r.text('/s:Envelope/s:Header/a:To/text()') == ANON)
    check('get: reply MessageID uuid',
          re.match(r'^uuid:[0-9A-F-]{36}$', r.text('/s:Envelope/s:Header/a:MessageID/'
                                                                               'text()') or ''))
    check('get: xml:lang on envelope', r.doc.get('{http://www.w3.org/XML/1998/namespace}lang') == 'en-US')
    inst = r.xp('/s:Envelope/s:Body/svc:Win32_Service')
    check('get: Win32_Service element in its class namespace', len(inst) == 1)
    check('get: xsi:type', inst and inst[0].get('{%s}type' % NS['xsi']) == 'p:Win32_Service_Type')
    check('get: properties',
          r.text('//svc:Name/text()') == 'WinRM' and r.text('//svc:State/text()') == 'Running'
          and r.text('//svc:StartMode/text()') == 'Auto' and r.text('//svc:ProcessId/text()') != '0')
    r = c.soap(SVC, T + 'Get', extra=sel(Name='svc00003'))
    check('get: svc00003 is Stopped with ProcessId 0', r.text('//svc:State/text()') == 'Stopped' and
          r.text('//svc:ProcessId/text()') == '0' and r.text('//svc:DisplayName/text()') == 'Service 3')
    r = c.soap(SVC, T + 'Get', extra=sel(Name='svc00050'))
    check('get: last generated instance exists', r.status == 200)
    r = c.soap(SVC, T + 'Get', extra=sel(Name='svc00051'))
    expect_fault('get: beyond --instances → InvalidSelectors', r, 'w:InvalidSelectors', 2150858843)
    r = c.soap(SVC, T + 'Get', extra=sel(Name='nosuch'))
    expect_fault('get: no such instance → InvalidSelectors', r, 'w:InvalidSelectors', 2150858843)
    r = c.soap(SVC, T + 'Get')
    expect_fault('get: missing key → InsufficientSelectors', r, 'w:InvalidSelectors', 2150858843,
                 'InsufficientSelectors')
    r = c.soap(SVC, T + 'Get', extra=sel(Name='WinRM', Bogus='1'))
    expect_fault('get: extra selector → UnexpectedSelectors', r, 'w:InvalidSelectors', 2150858843,
                 'UnexpectedSelectors')
    r = c.raw(envelope(SVC, T + 'Get', extra='<w:SelectorSet><w:Selector Name="Name">a</w:Selector>'
                       '<w:Selector Name="name">b</w:Selector></w:SelectorSet>'))
    expect_fault('get: duplicate selector', r, 'w:InvalidSelectors', 2150858843, 'DuplicateSelectors')
    r = c.soap(SVC, T + 'Get', extra=sel(Name='WinRM', __cimnamespace='root/cimv2'))
    check('get: __cimnamespace selector accepted', r.status == 200)
    r = c.soap(SVC, T + 'Get', extra=sel(Name='WinRM', __cimnamespace='root/other'))
    expect_fault('get: other CIM namespace → DestinationUnreachable', r, 'a:DestinationUnreachable',
                 2150858752)
    r = c.soap(OS_URI, T + 'Get')
    check('get: singleton OS', r.text('//os:Version/text()') == '10.0.20348' and
          r.text('//os:CSName/text()') == 'wsmauto-test')
    r = c.soap(OS_URI, T + 'Get', extra=sel(Name='x'))
    expect_fault('get: selector on singleton → UnexpectedSelectors', r, 'w:InvalidSelectors', 2150858843,
                 'UnexpectedSelectors')
    r = c.soap(CIMSVC, T + 'Get', extra=sel(Name='cimsvc2'))
    check('get: CIM_Service direct instance', r.text('//cim:State/text()') == 'Stopped' and
          r.xp('/s:Envelope/s:Body/cim:CIM_Service'))
    r = c.soap(CIMSVC, T + 'Get', extra=sel(Name='w32time'))
    check('get: derived instance through the base class URI keeps its element',
          r.xp('/s:Envelope/s:Body/svc:Win32_Service/svc:Name[text()="w32time"]'))
    r = c.soap(CIMV2 + 'Win32_Nothing', T + 'Get')
    expect_fault('get: unknown class → DestinationUnreachable', r, 'a:DestinationUnreachable', 2150858752,
                     'InvalidResourceURI')
    check('fault: addressing fault action', r.text('//a:Action/text()') ==
          'http://schemas.xmlsoap.org/ws/2004/08/addressing/fault')
    r = c.soap('http://example.com/unknown', T + 'Get')
    expect_fault('get: unknown resource → DestinationUnreachable', r, 'a:DestinationUnreachable', 2150858752)
    m = mid()
    r = c.soap(SVC, T + 'Get', extra=sel(Name='nosuch'), message_id=m)
    check('fault: shape (Action, RelatesTo, Reason, WSManFault Machine)',
          r.text('//a:Action/text()') == 'http://schemas.dmtf.org/wbem/wsman/1/wsman/fault' and
          r.text('//a:RelatesTo/text()') == m and r.text('//s:Fault/s:Code/s:Value/text()') == 's:Sender' and
          r.text('//s:Reason/s:Text/@xml:lang') == 'en-US' and
          r.text('//f:WSManFault/@Machine') == 'wsmauto-test' and r.text('//f:WSManFault/f:Message/text()'))
    r = c.raw(SPEC_STYLE_GET)
    check('get: MS-WSMV style request (wsa/wsman prefixes, whitespace) accepted',
          r.status == 200 and r.text('//svc:Name/text()') == 'Spooler', r.data[:300])


def t_headers(srv, c):
    r = c.raw(NO_MESSAGEID)
    expect_fault('hdr: missing MessageID → MessageInformationHeaderRequired', r,
                 'a:MessageInformationHeaderRequired',
                 2150858769)
    r = c.raw(NO_RESOURCEURI)
    expect_fault('hdr: missing ResourceURI → DestinationUnreachable', r, 'a:DestinationUnreachable',
                 2150858752)
    check('hdr: RelatesTo present in fault', r.text('//a:RelatesTo/text()') ==
          'uuid:0B3C1C6E-1D63-4E7E-9A39-6F1DE7D2C002')
    r = c.raw(envelope(OS_URI, T + 'Get', message_id='not-a-uuid'))
    expect_fault('hdr: malformed MessageID', r, 'a:InvalidMessageInformationHeader', 2150858767)
    bad_reply = envelope(OS_URI, T + 'Get').replace(
        '<a:Address s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous',
        '<a:Address s:mustUnderstand="true">http://client.example/replies')
    r = c.raw(bad_reply)
    expect_fault('hdr: non-anonymous ReplyTo → UnsupportedFeature AddressingMode', r, 'w:UnsupportedFeature',
                 2150858818, 'AddressingMode')
    r = c.raw(SOAP11)
    f = r.fault()
    check('hdr: SOAP 1.1 envelope → VersionMismatch',
          r.status == 500 and f and f[0] == 's:VersionMismatch' and
          f[1] == 2150858765 and r.xp('//s:Header/s:Upgrade'), f)
    r = c.soap(OS_URI, T + 'Get', extra='<x:Foo xmlns:x="urn:test:foo" s:mustUnderstand="true">1</x:Foo>')
    f = r.fault()
    nu = r.xp('/s:Envelope/s:Header/s:NotUnderstood')
    check('hdr: unknown mustUnderstand header → s:MustUnderstand', r.status == 500 and f and
          f[0] == 's:MustUnderstand' and f[1] == 2150858768, f)
    check('hdr: s:NotUnderstood names the header',
          len(nu) == 1 and nu[0].get('qname', '').endswith(':Foo') and
          nu[0].nsmap.get(nu[0].get('qname').split(':')[0]) == 'urn:test:foo')
    check('hdr: MustUnderstand uses the addressing fault action', r.text('//a:Action/text()') ==
          'http://schemas.xmlsoap.org/ws/2004/08/addressing/fault')
    r = c.soap(OS_URI, T + 'Get', extra='<x:Foo xmlns:x="urn:test:foo" s:mustUnderstand="false">1</x:Foo>')
    check('hdr: unknown optional header ignored', r.status == 200)
    r = c.soap(OS_URI, T + 'Get', extra='<x:Foo xmlns:x="urn:test:foo" s:mustUnderstand="1" '
               's:role="http://example.com/other-role"/>')
    check('hdr: mustUnderstand header for another role ignored', r.status == 200)
    r = c.soap(OS_URI, T + 'Get', timeout='PT-1S')
    expect_fault('hdr: OperationTimeout PT-1S → InvalidMessageInformationHeader', r,
                 'a:InvalidMessageInformationHeader', 2150858767)
    r = c.soap(OS_URI, T + 'Get', timeout='60 seconds')
    expect_fault('hdr: unparsable OperationTimeout', r, 'a:InvalidMessageInformationHeader', 2150858767)
    for t in ('PT60S', 'PT1M', 'PT0.500S', 'P0DT0H1M0S'):
        r = c.soap(OS_URI, T + 'Get', timeout=t)
        check('hdr: OperationTimeout %s accepted' % t, r.status == 200)
    r = c.raw(envelope(OS_URI, T + 'Get').replace('<w:Locale xml:lang="en-US" s:mustUnderstand="false"/>',
                                                    '<w:Locale xml:lang="de-DE" s:mustUnderstand="true"/>'))
    expect_fault('hdr: Locale mustUnderstand=true → UnsupportedFeature Locale', r, 'w:UnsupportedFeature',
                 2150858818, 'Locale')
    datalocale = '<p:DataLocale xml:lang="en-US" s:mustUnderstand="%s"/>'
    r = c.raw(envelope(OS_URI, T + 'Get').replace(datalocale % 'false', datalocale % 'true'))
    expect_fault('hdr: DataLocale mustUnderstand=true → UnsupportedFeature', r, 'w:UnsupportedFeature',
                 2150858818,
                 'DataLocale')
    r = c.soap(SVC, T + 'Frobnicate')
    expect_fault('hdr: unknown action → ActionNotSupported', r, 'a:ActionNotSupported', 2150858771)
    r = c.soap(OS_URI, T + 'Delete')
    expect_fault('hdr: Delete on a read-only class → ActionNotSupported', r, 'a:ActionNotSupported',
                 2150858771)
    r = c.raw(envelope(OS_URI, T + 'Get', extra='<a:To>http://again/wsman</a:To>'))
    expect_fault('hdr: repeated a:To', r, 'a:InvalidMessageInformationHeader', 2150858767)
    # Options
    opt = ('<w:OptionSet xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"%s>'
           '<w:Option Name="SomeUnknownOption"%s>x</w:Option></w:OptionSet>')
    r = c.soap(OS_URI, T + 'Get', extra=opt % ('', ''))
    check('opt: unknown optional option ignored', r.status == 200)
    r = c.soap(OS_URI, T + 'Get', extra=opt % ('', ' MustComply="true"'))
    expect_fault('opt: unknown MustComply option → InvalidOptions', r, 'w:InvalidOptions', 2150858809)
    r = c.soap(OS_URI, T + 'Get', extra=opt % (' s:mustUnderstand="true"', ''))
    expect_fault('opt: unknown option in a mustUnderstand OptionSet → InvalidOptions', r, 'w:InvalidOptions',
                 2150858809)
    r = c.soap(OS_URI, T + 'Get',
               extra='<w:OptionSet s:mustUnderstand="true"><w:Option Name="__cimnamespace" '
               'MustComply="true">root\\cimv2</w:Option></w:OptionSet>')
    check('opt: __cimnamespace known by WMI resources', r.status == 200)
    r = c.soap(OS_URI, T + 'Get', extra='<w:OptionSet><w:Option Name="wsmauto:delay_ms">soon</w:Option>'
               '</w:OptionSet>')
    expect_fault('opt: bad delay_ms value', r, 'w:InvalidOptions', 2150858835)


def t_echo(srv, c):
    extra = ('<p:SessionId s:mustUnderstand="false">uuid:AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE</p:SessionId>'
             '<w:SelectorSet><w:Selector Name="k1">v1</w:Selector><w:Selector Name="ref">'
             '<a:EndpointReference>'
             '<a:Address>' + ANON + '</a:Address><a:ReferenceParameters><w:ResourceURI>' + SVC +
             '</w:ResourceURI><w:SelectorSet><w:Selector Name="Name">WinRM</w:Selector></w:SelectorSet>'
             '</a:ReferenceParameters></a:EndpointReference></w:Selector></w:SelectorSet>'
             '<w:OptionSet xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" s:mustUnderstand="true">'
             '<w:Option Name="opt1" MustComply="true">value &amp; 1</w:Option>'
             '<w:Option Name="opt2" Type="xs:QName">q:name</w:Option>'
             '<w:Option Name="opt3" xsi:nil="true"/></w:OptionSet>'
             '<w:FragmentTransfer s:mustUnderstand="true">Some/Path</w:FragmentTransfer>')
    r = c.soap(ECHO, T + 'Get', extra=extra, headers={'User-Agent': 'selftest/1.0'})
    check('echo: Get → 200', r.status == 200, r.data[:500])
    names = [h.get('Name') for h in r.xp('//e:Echo/e:Header')]
    check('echo: one child per header, in order', names == ['To', 'ResourceURI', 'ReplyTo', 'Action',
                                                           'MaxEnvelopeSize', 'MessageID', 'Locale',
                                                            'DataLocale',
                                                           'SessionId', 'SelectorSet', 'OptionSet',
                                                           'FragmentTransfer', 'OperationTimeout'], names)
    check('echo: header attributes',
          r.xp('//e:Header[@Name="ResourceURI"]/e:Attribute[@Name="mustUnderstand" and '
                                          'text()="true"]'))
    check('echo: header text', r.text('//e:Header[@Name="SessionId"]/e:Text/text()') ==
          'uuid:AAAAAAAA-BBBB-CCCC-DDDD-EEEEEEEEEEEE')
    o = r.xp('//e:OptionSet/e:Option')
    check('echo: options (Name, Value, MustComply, Type, nil)', len(o) == 3 and
          o[0].get('Name') == 'opt1' and o[0].text == 'value & 1' and o[0].get('MustComply') == 'true' and
          o[1].get('Type') == 'xs:QName' and o[1].get('MustComply') == 'false' and
          o[2].get('Nil') == 'true' and r.text('//e:OptionSet/@MustUnderstand') == 'true')
    check('echo: selectors incl. nested EPR', r.text('//e:Selector[@Name="k1"]/text()') == 'v1' and
          r.xp('//e:Selector[@Name="ref"]/a:EndpointReference/a:ReferenceParameters/w:SelectorSet/'
               'w:Selector[@Name="Name" and text()="WinRM"]'))
    check('echo: fragment', r.text('//e:Fragment/text()') == 'Some/Path')
    check('echo: HTTP headers, Authorization redacted',
          r.text('//e:HttpHeader[@Name="User-Agent"]/text()') == 'selftest/1.0' and
          r.text('//e:HttpHeader[@Name="Authorization"]/text()') == 'Basic (redacted)')
    check('echo: http info', r.xp('//e:Http[@Charset="utf-8" and @Auth="basic" and @Tls="false"]'))
    r = c.soap(ECHO, T + 'Put', body='<t:Thing xmlns:t="urn:t"><t:A>1</t:A></t:Thing>')
    check('echo: Put echoes the body', r.text('//a:Action/text()') == T + 'PutResponse' and
          r.xp('//e:Body/*[local-name()="Thing"]/*[text()="1"]'))
    r = c.soap(ECHO, 'http://wsmauto.test/echo/CustomMethod', body='<t:In xmlns:t="urn:t"/>')
    check('echo: custom action → <action>Response', r.text('//a:Action/text()') ==
          'http://wsmauto.test/echo/CustomMethodResponse' and r.xp('//e:Echo'))
    r = c.soap(ECHO, T + 'Create', body='<t:New xmlns:t="urn:t"/>')
    check('echo: Create → ResourceCreated + Echo', r.xp('/s:Envelope/s:Body/x:ResourceCreated') and
          r.xp('/s:Envelope/s:Body/e:Echo'))
    r = c.soap(SVC, T + 'Get',
               extra=sel(Name='WinRM') + '<w:OptionSet><w:Option Name="wsmauto:echo">1</w:Option>'
               '</w:OptionSet>')
    check('echo: wsmauto:echo option on another resource', r.xp('/s:Envelope/s:Body/e:Echo') and
          r.text('//a:Action/text()') == T + 'GetResponse')


def t_invoke(srv, c):
    def inv(name, method, body_inner='', uri=SVC, body=None):
        b = body
        if b is None:
            b = '<p:%s_INPUT xmlns:p="%s">%s</p:%s_INPUT>' % (method, uri, body_inner, method)
        return c.soap(uri, uri + '/' + method, body=b, extra=sel(Name=name))
    r = inv('svc00001', 'StopService')
    check('invoke: StopService → 0', r.text('//svc:StopService_OUTPUT/svc:ReturnValue/text()') == '0',
          r.data[:400])
    check('invoke: action <method>Response', r.text('//a:Action/text()') == SVC + '/StopServiceResponse')
    r = inv('svc00001', 'StopService')
    check('invoke: StopService again → 5', r.text('//svc:ReturnValue/text()') == '5')
    r = c.soap(SVC, T + 'Get', extra=sel(Name='svc00001'))
    check('invoke: state persisted (Stopped, ProcessId 0)', r.text('//svc:State/text()') == 'Stopped' and
          r.text('//svc:ProcessId/text()') == '0')
    r = inv('svc00001', 'StartService')
    check('invoke: StartService → 0', r.text('//svc:ReturnValue/text()') == '0')
    r = inv('svc00001', 'StartService')
    check('invoke: StartService again → 10', r.text('//svc:ReturnValue/text()') == '10')
    r = c.soap(SVC, T + 'Get', extra=sel(Name='svc00001'))
    check('invoke: running again with a ProcessId', r.text('//svc:State/text()') == 'Running' and
          r.text('//svc:ProcessId/text()') != '0')
    r = inv('Spooler', 'ChangeStartMode', '<p:StartMode>Disabled</p:StartMode>')
    check('invoke: ChangeStartMode → 0', r.text('//svc:ReturnValue/text()') == '0')
    r = c.soap(SVC, T + 'Get', extra=sel(Name='Spooler'))
    check('invoke: StartMode persisted', r.text('//svc:StartMode/text()') == 'Disabled')
    r = inv('Spooler', 'ChangeStartMode', '<p:StartMode>Sometimes</p:StartMode>')
    check('invoke: ChangeStartMode invalid → 21', r.text('//svc:ReturnValue/text()') == '21')
    r = inv('Spooler', 'StopService', body='<p:WrongElement xmlns:p="%s"/>' % SVC)
    expect_fault('invoke: wrong input element → InvalidRepresentation', r, 'x:InvalidRepresentation',
                 2150858773)
    r = inv('Spooler', 'StopService', body='<p:StopService_INPUT xmlns:p="urn:wrong-namespace"/>')
    expect_fault('invoke: input in the wrong namespace → InvalidRepresentation', r, 'x:InvalidRepresentation',
                 2150858773)
    r = inv('Spooler', 'PauseService')
    expect_fault('invoke: unknown method → ActionNotSupported', r, 'a:ActionNotSupported', 2150858771)
    r = c.soap(SVC, SVC + '/StopService', body='<p:StopService_INPUT xmlns:p="%s"/>' % SVC)
    expect_fault('invoke: instance method without selectors', r, 'w:InvalidSelectors', 2150858843,
                 'InsufficientSelectors')


def t_item_crud(srv, c):
    r = c.soap(ITEM, T + 'Create', body='<p:WSMAuto_Item xmlns:p="%s"><p:Id>3</p:Id><p:Name>three</p:Name>'
               '<p:Value>drei</p:Value></p:WSMAuto_Item>' % ITEM)
    check('item: Create → ResourceCreated',
          r.status == 200 and r.text('//a:Action/text()') == T + 'CreateResponse'
          and r.text('//x:ResourceCreated/a:ReferenceParameters/w:ResourceURI/text()') == ITEM and
          r.text('//x:ResourceCreated//w:Selector[@Name="Id"]/text()') == '3' and
          r.text('//x:ResourceCreated/a:Address/text()') == 'http://127.0.0.1:5985/wsman', r.data[:500])
    r = c.soap(ITEM, T + 'Create', body='<p:WSMAuto_Item xmlns:p="%s"><p:Id>3</p:Id></p:WSMAuto_Item>' % ITEM)
    expect_fault('item: Create existing → AlreadyExists', r, 'w:AlreadyExists', 2150858803)
    r = c.soap(ITEM, T + 'Create', extra=sel(Id='4'),
               body='<p:WSMAuto_Item xmlns:p="%s"><p:Name>four</p:Name>'
               '</p:WSMAuto_Item>' % ITEM)
    check('item: Create with the key as selector', r.text('//x:ResourceCreated//w:Selector/text()') == '4')
    r = c.soap(ITEM, T + 'Create', body='<p:WSMAuto_Item xmlns:p="%s"><p:Id>5</p:Id><p:Colour>red</p:Colour>'
               '</p:WSMAuto_Item>' % ITEM)
    expect_fault('item: Create with unknown property → InvalidRepresentation', r, 'x:InvalidRepresentation',
                 2150858773)
    r = c.soap(ITEM, T + 'Get', extra=sel(Id='3'))
    check('item: Get created',
          r.text('//item:Name/text()') == 'three' and r.text('//item:Value/text()') == 'drei')
    r = c.soap(ITEM, T + 'Get', extra=sel(Id='4'))
    check('item: missing property is nil', r.xp('//item:Value[@xsi:nil="true"]'))
    r = c.soap(ITEM, T + 'Put', extra=sel(Id='3'), body='<p:WSMAuto_Item xmlns:p="%s"><p:Id>3</p:Id>'
               '<p:Value>trois &amp; more</p:Value></p:WSMAuto_Item>' % ITEM)
    check('item: Put returns the new instance (full replacement)',
          r.text('//a:Action/text()') == T + 'PutResponse'
          and r.text('//item:Value/text()') == 'trois & more' and r.xp('//item:Name[@xsi:nil="true"]'))
    r = c.soap(ITEM, T + 'Put', extra=sel(Id='3'), body='<p:WSMAuto_Item xmlns:p="%s"><p:Id>99</p:Id>'
               '</p:WSMAuto_Item>' % ITEM)
    expect_fault('item: Put changing the key → InvalidRepresentation', r, 'x:InvalidRepresentation',
                 2150858773)
    r = c.soap(ITEM, T + 'Get', extra=sel(Id='3'))
    check('item: Put persisted', r.text('//item:Value/text()') == 'trois & more')
    r = c.soap(ITEM, T + 'Delete', extra=sel(Id='3'))
    check('item: Delete → empty DeleteResponse', r.status == 200 and r.text('//a:Action/text()') ==
          T + 'DeleteResponse' and not r.xp('/s:Envelope/s:Body/*'))
    r = c.soap(ITEM, T + 'Get', extra=sel(Id='3'))
    expect_fault('item: Get deleted → InvalidSelectors', r, 'w:InvalidSelectors', 2150858843)
    r = c.soap(ITEM, T + 'Delete', extra=sel(Id='3'))
    expect_fault('item: Delete missing → InvalidSelectors', r, 'w:InvalidSelectors', 2150858843)
    r = c.soap(ITEM, EN + 'Enumerate', body='<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>100'
               '</w:MaxElements></n:Enumerate>')
    ids = [e.text for e in r.xp('//w:Items/item:WSMAuto_Item/item:Id')]
    check('item: Enumerate', ids == ['1', '2', '4'], ids)
    c.soap(ITEM, T + 'Delete', extra=sel(Id='4'))
    # Put on a service (writable properties only; read-only ignored)
    r = c.soap(SVC, T + 'Put', extra=sel(Name='svc00002'),
               body='<p:Win32_Service xmlns:p="%s"><p:Name>svc00002'
               '</p:Name><p:Caption>New caption</p:Caption><p:ProcessId>7</p:ProcessId></p:Win32_Service>'
               % SVC)
    check('put: Win32_Service writable property', r.text('//svc:Caption/text()') == 'New caption' and
          r.text('//svc:ProcessId/text()') != '7')
    r = c.soap(SVC, T + 'Put', extra=sel(Name='svc00002'),
               body='<p:Win32_Service xmlns:p="%s"><p:State>Flying'
               '</p:State></p:Win32_Service>' % SVC)
    expect_fault('put: invalid State value → InvalidParameter', r, 'w:InvalidParameter', 2150858810,
                 'InvalidValue')


def t_fragments(srv, c):
    frag = '<w:FragmentTransfer s:mustUnderstand="true">%s</w:FragmentTransfer>'
    r = c.soap(SVC, T + 'Get', extra=sel(Name='w32time') + frag % 'State')
    check('frag: Get State', r.xp('/s:Envelope/s:Body/w:XmlFragment/svc:State[text()="Running"]'),
          r.data[-400:])
    r = c.soap(SVC, T + 'Get', extra=sel(Name='w32time') + frag % 'State/text()')
    check('frag: Get State/text()', r.text('/s:Envelope/s:Body/w:XmlFragment/text()') == 'Running' and
          not r.xp('/s:Envelope/s:Body/w:XmlFragment/*'))
    r = c.soap(SVC, T + 'Get', extra=sel(Name='w32time') + frag % 'Name')
    check('frag: Get Name', r.xp('//w:XmlFragment/svc:Name[text()="w32time"]'))
    r = c.soap(SVC, T + 'Put', extra=sel(Name='w32time') + frag % 'State/text()',
               body='<w:XmlFragment>Stopped</w:XmlFragment>')
    check('frag: Put State/text()', r.text('/s:Envelope/s:Body/w:XmlFragment/text()') == 'Stopped',
          r.data[-300:])
    r = c.soap(SVC, T + 'Get', extra=sel(Name='w32time'))
    check('frag: Put persisted',
          r.text('//svc:State/text()') == 'Stopped' and r.text('//svc:ProcessId/text()') ==
          '0')
    r = c.soap(SVC, T + 'Put', extra=sel(Name='w32time') + frag % 'State',
               body='<w:XmlFragment><p:State xmlns:p="%s">Running</p:State></w:XmlFragment>' % SVC)
    check('frag: Put State element', r.xp('//w:XmlFragment/svc:State[text()="Running"]'))
    r = c.soap(SVC, T + 'Get', extra=sel(Name='w32time') + frag % 'Colour')
    expect_fault('frag: unknown property → InvalidParameter', r, 'w:InvalidParameter', 2150858899,
                 'InvalidValue')
    r = c.soap(SVC, T + 'Get', extra=sel(Name='w32time') +
               '<w:FragmentTransfer s:mustUnderstand="true" Dialect="urn:other-dialect">State'
               '</w:FragmentTransfer>')
    expect_fault('frag: other dialect → FragmentDialectNotSupported', r, 'w:FragmentDialectNotSupported',
                 2150858896)
    r = c.soap(SVC, T + 'Put', extra=sel(Name='w32time') + frag % 'Name',
               body='<w:XmlFragment><p:Name xmlns:p="%s">x</p:Name></w:XmlFragment>' % SVC)
    expect_fault('frag: Put read-only key → InvalidParameter', r, 'w:InvalidParameter', 2150858810)
    r = c.soap(CONFIG, T + 'Get', extra=frag % 'MaxTimeoutms')
    expect_fault('frag: not on config → UnsupportedFeature FragmentLevelAccess', r, 'w:UnsupportedFeature',
                 2150858818, 'FragmentLevelAccess')
