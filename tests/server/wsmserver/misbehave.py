# SPDX-License-Identifier: MIT
"""Misbehaving replies (http://wsmauto.test/misbehave/<mode>) for testing clients against bad servers."""

import base64
import os
import select
import socket
import struct
import time
from email.utils import formatdate
from http import HTTPStatus

from .names import (
    ACT_ENUMERATE, ACT_GET, ACT_PULL, ACT_RELEASE, ANONYMOUS, A_ACTION, A_MESSAGEID, FAULT_ADDR,
    FAULT_DETAIL, FAULT_WSMAN, NS_A, NS_B, NS_CIM, NS_ECHO, NS_EV, NS_F, NS_N, NS_P, NS_S, NS_W, NS_WMIERR,
    NS_X, NS_XSI, S_BODY, S_HEADER, W_MAXENV, qn)
from .faults import R_MUST_UNDERSTAND, R_SELECTORS, f_unreachable
from .xmlutil import big_token, big_token_text, encode_xml, esc, esc_attr, new_uuid, text_of
from .envelope import render_reply
from .gss import PROTO_SPNEGO, encrypted_body, encrypted_ctype


MISBEHAVE_MODES = ('status401', 'status413', 'status415', 'status500-empty', 'status500-html',
                   'status400-fault', 'nonxml', 'html200', 'empty200', 'oversize', 'endless', 'sleep',
                   'close', 'dtd', 'xxe', 'wrong-relatesto', 'utf16', 'utf16-nobom-header', 'wmierror',
                   'fault-nodetail', 'fault-nested', 'redirect', 'wrong-action', 'get-ok',
                   'enc-tamper', 'enc-truncate', 'enc-bad-length', 'enc-plain', 'enc-lenient',
                   'close-after-reply', 'enc-replay', 'header-flood', 'header-long', 'header-huge',
                   'www-auth-huge', 'many-attributes',
                   # The hostile-server suite (tests/test_hostile.c): one mode per kind of bad reply.
                   'entity-param', 'entity-undeclared', 'truncated', 'slow', 'auth-loop', 'ctype-text',
                   'ctype-json', 'ctype-missing', 'garbage', 'garbage-status', 'deep-nesting', 'endless-enum',
                   'endless-enum-empty', 'chunk-bad-size', 'chunk-short', 'fault-huge', 'fault-oversize',
                   'bad-utf8', 'charset-unknown', 'decl-ebcdic', 'bom-utf8-header-utf16',
                   'bom-utf16-body-utf8', 'nul', 'reset', 'enc-unexpected', 'redirect-loop',
                   'redirect-other-host')
OK_BODY = '<e:Ok xmlns:e="%s">ok</e:Ok>' % NS_ECHO

HOSTILE_MODES = MISBEHAVE_MODES[MISBEHAVE_MODES.index('entity-param'):]
HTML_BODY = b'<html><head><title>Error</title></head><body><h1>Something went wrong</h1></body></html>'

# The misbehaving replies below are XML text on purpose, not lxml trees: they copy captured fault shapes byte for
# byte (attributes before namespace declarations, `xml:lang=""`, other prefixes), and several are not
# well-formed at all (undeclared entities, DTDs, cut-off envelopes, odd encodings, BOMs) — things an lxml tree
# cannot hold or libxml2 would not write. The normal replies come from envelope.py.
ENV_OPEN = ('<s:Envelope xml:lang="en-US" xmlns:s="%s" xmlns:a="%s" xmlns:x="%s" xmlns:e="%s" xmlns:n="%s" '
            'xmlns:w="%s" xmlns:p="%s">' % (NS_S, NS_A, NS_X, NS_EV, NS_N, NS_W, NS_P))


def fault_head(action, relates_to):
    return ('<s:Header><a:Action>%s</a:Action><a:MessageID>%s</a:MessageID><a:To>%s</a:To>'
            '<a:RelatesTo>%s</a:RelatesTo>' % (action, new_uuid(), ANONYMOUS, esc(relates_to)))


def wmierror_fault(relates_to, machine):
    """Vector winrb 014 shape: w:QuotaLimit whose detail is a p:MSFT_WmiError instead of f:WSManFault."""
    msg = ('The WS-Management service cannot process the request. This user is allowed a maximum number of '
           '30 concurrent shells, which has been exceeded. Close existing shells or raise the quota for this '
           'user. ')
    nil_string = 'xsi:nil="true" xsi:type="cim:cimString"/>'
    fields = [
        '<p:CIMStatusCode xsi:type="cim:cimUnsignedInt">27</p:CIMStatusCode>',
        '<p:CIMStatusCodeDescription ' + nil_string,
        '<p:ErrorSource ' + nil_string,
        '<p:ErrorSourceFormat xsi:type="cim:cimUnsignedShort">0</p:ErrorSourceFormat>',
        '<p:ErrorType xsi:type="cim:cimUnsignedShort">0</p:ErrorType>',
        '<p:Message xsi:type="cim:cimString">%s</p:Message>' % msg,
        '<p:MessageID xsi:type="cim:cimString">HRESULT 0x803381a5</p:MessageID>',
        '<p:OtherErrorSourceFormat ' + nil_string,
        '<p:OtherErrorType ' + nil_string,
        '<p:OwningEntity ' + nil_string,
        '<p:PerceivedSeverity xsi:type="cim:cimUnsignedShort">0</p:PerceivedSeverity>',
        '<p:ProbableCause xsi:type="cim:cimUnsignedShort">0</p:ProbableCause>',
        '<p:ProbableCauseDescription ' + nil_string,
        '<p:error_Category xsi:type="cim:cimUnsignedInt">30</p:error_Category>',
        '<p:error_Code xsi:type="cim:cimUnsignedInt">2150859173</p:error_Code>',
        '<p:error_Type xsi:type="cim:cimString">HRESULT</p:error_Type>',
        '<p:error_WindowsErrorMessage xsi:type="cim:cimString">%s</p:error_WindowsErrorMessage>' % msg,
    ]
    return ''.join([
        ENV_OPEN, fault_head(FAULT_WSMAN, relates_to), '</s:Header><s:Body><s:Fault>',
        '<s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:QuotaLimit</s:Value></s:Subcode></s:Code>',
        '<s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot process the request. The '
        'maximum number of concurrent shells for this user has been exceeded. Close existing shells or raise '
        'the quota for this user. </s:Text></s:Reason>',
        '<s:Detail><p:MSFT_WmiError b:IsCIM_Error="true" xmlns:b="%s" xmlns:cim="%s" xmlns:p="%s" '
        'xsi:type="p:MSFT_WmiError_Type" xmlns:xsi="%s">' % (NS_B, NS_CIM, NS_WMIERR, NS_XSI),
        ''.join(fields),
        '</p:MSFT_WmiError></s:Detail></s:Fault></s:Body></s:Envelope>'])


def nodetail_fault(relates_to):
    """Vector pypsrp 058 shape: s:NotUnderstood header, s:MustUnderstand, no subcode and no s:Detail."""
    return ''.join([
        ENV_OPEN, fault_head(FAULT_ADDR, relates_to),
        '<s:NotUnderstood qname="wsman:ResourceUri" xmlns:wsman="%s"/></s:Header>' % NS_W,
        '<s:Body><s:Fault><s:Code><s:Value>s:MustUnderstand</s:Value></s:Code>',
        '<s:Reason><s:Text xml:lang="">%s</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>'
        % esc(R_MUST_UNDERSTAND)])


def nested_fault(relates_to, machine):
    """Vector pypsrp 033 shape: f:ProviderFault holding a nested f:WSManFault with its own message."""
    m = esc_attr(machine)
    return ''.join([
        ENV_OPEN, fault_head(FAULT_WSMAN, relates_to), '</s:Header><s:Body><s:Fault>',
        '<s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:InvalidSelectors</s:Value></s:Subcode>'
        '</s:Code>',
        '<s:Reason><s:Text xml:lang="en-US">%s</s:Text></s:Reason>' % esc(R_SELECTORS),
        '<s:Detail><w:FaultDetail>%sUnexpectedSelectors</w:FaultDetail>' % FAULT_DETAIL,
        '<f:WSManFault xmlns:f="%s" Code="2150858843" Machine="%s"><f:Message>' % (NS_F, m),
        '<f:ProviderFault provider="Test provider" path="%systemroot%\\system32\\wsmauto-test.dll">',
        '<f:WSManFault xmlns:f="%s" Code="2150858843" Machine="%s"><f:Message>' % (NS_F, m),
        'The inner provider message: no instance matches the selectors. </f:Message></f:WSManFault>',
        '</f:ProviderFault></f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>'])


def openwsman_fault(relates_to):
    """What openwsman sends (with HTTP 400): wsa/wsman prefixes, no f:WSManFault."""
    return ''.join([
        '<s:Envelope xmlns:s="%s" xmlns:wsa="%s" xmlns:wsman="%s"><s:Header>' % (NS_S, NS_A, NS_W),
        '<wsa:Action>%s</wsa:Action><wsa:MessageID>%s</wsa:MessageID>' % (FAULT_WSMAN, new_uuid()),
        '<wsa:To>%s</wsa:To><wsa:RelatesTo>%s</wsa:RelatesTo></s:Header>' % (ANONYMOUS, esc(relates_to)),
        '<s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode>',
        '<s:Value>wsman:InvalidSelectors</s:Value></s:Subcode></s:Code>',
        '<s:Reason><s:Text xml:lang="en">The Selectors for the resource were not valid</s:Text></s:Reason>',
        '<s:Detail><wsman:FaultDetail>%sInsufficientSelectors</wsman:FaultDetail></s:Detail>' % FAULT_DETAIL,
        '</s:Fault></s:Body></s:Envelope>'])


LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE s:Envelope [\n <!ENTITY lol "lol">\n'
          + ''.join(' <!ENTITY lol%d "%s">\n' % (i, ('&lol%s;' % ('' if i == 1 else i - 1)) * 10)
                    for i in range(1, 10)) + ']>\n')


class MisbehaveMixin:
    """The misbehaving resources of the HTTP handler (mixed into httpd.Handler)."""

    def peer_gone(self, wait):
        """Waits up to `wait` s; True when the client hung up (or sent something unexpected)."""
        sock = self.connection
        try:
            r, _, _ = select.select([sock], [], [], wait)
        except (OSError, ValueError):
            return True
        if not r:
            return False
        # Readable while a request is pending: the client closed (EOF/reset) or sent something it should not
        # have; either way stop waiting.
        return True

    def misbehave(self, mode, root, hc):
        app = self.app
        hdr = root.find(S_HEADER)
        mid = action = None
        max_env = app.max_env_bytes
        if hdr is not None:
            el = hdr.find(A_MESSAGEID)
            mid = text_of(el) if el is not None else None
            el = hdr.find(A_ACTION)
            action = text_of(el) if el is not None else None
            el = hdr.find(W_MAXENV)
            if el is not None and text_of(el).isdigit():
                max_env = int(text_of(el))
        action = action or ACT_GET
        charset = hc.charset
        if mode not in MISBEHAVE_MODES:
            f = f_unreachable('There is no misbehave mode %r (known: %s).'
                              % (mode, ', '.join(MISBEHAVE_MODES)))
            self.soap_reply(500, app.soap.fault_bytes(f, mid, charset), charset)
            return
        ok = render_reply(action + 'Response', mid, OK_BODY)
        if mode == 'status401':
            extra = [('WWW-Authenticate', c) for c in app.auth.challenges()] or [('WWW-Authenticate',
                                                                                   'Basic realm="WSMAN"')]
            self.raw_reply(401, extra=extra)
        elif mode in ('status413', 'status415', 'status500-empty'):
            self.raw_reply(int(mode[6:9]))
        elif mode == 'status500-html':
            self.raw_reply(500, HTML_BODY, 'text/html; charset=utf-8')
        elif mode == 'status400-fault':
            self.soap_reply(400, encode_xml(openwsman_fault(mid), charset), charset)
        elif mode == 'nonxml':
            self.raw_reply(200, b'this is not XML <<<', 'application/soap+xml;charset=UTF-8')
        elif mode == 'html200':
            self.raw_reply(200, HTML_BODY, 'text/html; charset=utf-8')
        elif mode == 'empty200':
            self.raw_reply(200, b'', 'application/soap+xml;charset=UTF-8')
        elif mode == 'oversize':
            pad = 'x' * (2 * max_env)
            xml = render_reply(action + 'Response', mid, '<e:Big xmlns:e="%s">%s</e:Big>' % (NS_ECHO, pad))
            self.soap_reply(200, encode_xml(xml, charset), charset)
        elif mode == 'endless':
            self.endless(mid, action)
        elif mode == 'sleep':
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not app.stop.is_set():
                if self.peer_gone(0.2):
                    break
            self.close_connection = True
            self.info['status'] = 0
        elif mode == 'close':
            self.close_connection = True
            self.info['status'] = 0
        elif mode == 'dtd':
            body = '<e:Ok xmlns:e="%s">&lol9;</e:Ok>' % NS_ECHO
            self.raw_reply(200, (LAUGHS + render_reply(action + 'Response', mid, body)).encode('utf-8'),
                           'application/soap+xml;charset=UTF-8')
        elif mode == 'xxe':
            body = '<e:Ok xmlns:e="%s">&xxe;</e:Ok>' % NS_ECHO
            xml = ('<?xml version="1.0"?>\n<!DOCTYPE s:Envelope [\n'
                   ' <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>\n'
                   + render_reply(action + 'Response', mid, body))
            self.raw_reply(200, xml.encode('utf-8'), 'application/soap+xml;charset=UTF-8')
        elif mode == 'wrong-relatesto':
            self.soap_reply(200, encode_xml(render_reply(action + 'Response', new_uuid(), OK_BODY), charset),
                            charset)
        elif mode == 'utf16':
            self.soap_reply(200, encode_xml(ok, 'utf-16'), 'utf-16')
        elif mode == 'utf16-nobom-header':
            self.raw_reply(200, encode_xml(ok, 'utf-16'), 'application/soap+xml;charset=UTF-8')
        elif mode == 'wmierror':
            self.soap_reply(500, encode_xml(wmierror_fault(mid, app.machine), charset), charset)
        elif mode == 'fault-nodetail':
            self.soap_reply(500, encode_xml(nodetail_fault(mid), charset), charset)
        elif mode == 'fault-nested':
            self.soap_reply(500, encode_xml(nested_fault(mid, app.machine), charset), charset)
        elif mode == 'redirect':
            host = self.headers.get('Host') or '%s:%d' % (app.bind, app.port)
            loc = '%s://%s/wsman-redirected' % ('https' if app.tls else 'http', host)
            self.raw_reply(302, extra=[('Location', loc)])
        elif mode == 'wrong-action':
            if action == ACT_ENUMERATE:
                xml = render_reply(ACT_GET + 'Response', mid, OK_BODY)
            else:
                xml = render_reply(ACT_ENUMERATE + 'Response', mid,
                                   '<n:EnumerateResponse><n:EnumerationContext>%s'
                                   '</n:EnumerationContext></n:EnumerateResponse>' % new_uuid())
            self.soap_reply(200, encode_xml(xml, charset), charset)
        elif mode == 'get-ok':
            self.soap_reply(200, encode_xml(ok, charset), charset)
        elif mode == 'close-after-reply':
            # A good reply, then the connection is closed (as after an idle timeout): the client's next
            # request has to open a new connection and, with Negotiate/Kerberos, authenticate again.
            self.close_connection = True
            self.soap_reply(200, encode_xml(ok, charset), charset)
        elif mode in ('header-flood', 'header-long', 'header-huge'):
            # A good reply under more header bytes than a client takes (WinHTTP: 64 KB in all): 100 lines of
            # about 1 KB, one line of 80000 bytes, or one of 200000 (more than libcurl's own 100 KiB a line).
            if mode == 'header-flood':
                self.info['extra'] += [('X-Flood-%03d' % i, 'f' * 1000) for i in range(100)]
            else:
                self.info['extra'].append(('X-Long', 'l' * (80000 if mode == 'header-long' else 200000)))
            self.soap_reply(200, encode_xml(ok, charset), charset)
        elif mode == 'many-attributes':
            # A well-formed reply within MaxEnvelopeSize whose one body element carries 50,000 attributes
            # (about 450 KB): libxml2 2.9 spends seconds of CPU on such a tag.
            attrs = ''.join(' a%d=""' % i for i in range(50000))
            xml = render_reply(action + 'Response', mid, '<e:Crowded xmlns:e="%s"%s/>' % (NS_ECHO, attrs))
            self.soap_reply(200, encode_xml(xml, charset), charset)
        elif mode == 'www-auth-huge':
            # A 401 whose Negotiate token is 200000 bytes (266668 characters of base64 on one line).
            self.raw_reply(401, extra=[('WWW-Authenticate', 'Negotiate ' + big_token_text(200000))])
        elif mode in HOSTILE_MODES:
            self.hostile(mode, mid, action, root, ok, charset, max_env)
        elif mode == 'enc-replay' and self.enc is not None and self.enc.last_reply is not None:
            # The previous encrypted reply of this context, byte for byte (an old sequence number).
            status, body, ctype = self.enc.last_reply
            self.info['gsserr'] = 'the previous encrypted reply sent again (enc-replay)'
            self.raw_reply(status, body, ctype)
        elif mode == 'enc-plain' and self.enc is not None:
            self.raw_reply(200, encode_xml(ok, charset),
                           'application/soap+xml;charset=' + ('UTF-16' if charset == 'utf-16' else 'UTF-8'))
        elif mode.startswith('enc-'):
            # Only meaningful for an encrypted request; a plaintext one gets the plain e:Ok reply.
            self.soap_reply(200, encode_xml(ok, charset), charset, variant=mode)

    def raw_write(self, data, status=200, reset=False):
        """Writes bytes as they are (no Content-Length of ours), logs the request and closes the connection
        afterwards; reset=True closes it with SO_LINGER 0, a TCP RST (RFC 9293 section 3.10.7.1)."""
        self.info['status'] = status
        self.write_log()
        self.close_connection = True
        try:
            if data:
                self.wfile.write(data)
                self.wfile.flush()
            if reset:
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
                self.connection.close()
        except OSError:
            pass

    def raw_head(self, status, ctype, extra=''):
        return ('HTTP/1.1 %d %s\r\nServer: Microsoft-HTTPAPI/2.0\r\nDate: %s\r\n%s%s'
                % (status, HTTPStatus(status).phrase, formatdate(usegmt=True),
                   ('Content-Type: %s\r\n' % ctype) if ctype else '', extra)).encode('latin-1')

    def hostile(self, mode, mid, action, root, ok, charset, max_env):
        """The modes of the hostile-server suite: every kind of bad reply a client must survive with a
        protocol error, in bounded time and memory (tests/server/README.md lists what each sends)."""
        app = self.app
        soap8 = 'application/soap+xml;charset=UTF-8'
        okb = ok.encode('utf-8')
        if mode == 'entity-param':
            # An external parameter entity in the internal subset (XML 1.0 section 4.1, PEReference).
            xml = ('<?xml version="1.0"?>\n<!DOCTYPE s:Envelope [\n <!ENTITY % ext SYSTEM '
                   '"http://127.0.0.1:1/evil.dtd">\n %ext;\n]>\n' + ok)
            self.raw_reply(200, xml.encode('utf-8'), soap8)
        elif mode == 'entity-undeclared':
            # A reference to an entity nobody declared (XML 1.0 section 4.1, WFC: Entity Declared), no DTD.
            xml = render_reply(action + 'Response', mid, '<e:Ok xmlns:e="%s">&lol9;</e:Ok>' % NS_ECHO)
            self.raw_reply(200, xml.encode('utf-8'), soap8)
        elif mode == 'truncated':
            # Content-Length announces 1000 bytes more than are sent, then the connection is closed.
            self.raw_write(self.raw_head(200, soap8, 'Content-Length: %d\r\n\r\n' % (len(okb) + 1000)) + okb)
        elif mode == 'slow':
            # One byte a second, from the status line on, until the client hangs up (at most 120 s).
            data = self.raw_head(200, soap8, 'Content-Length: %d\r\n\r\n' % len(okb)) + okb
            self.info['status'] = 200
            self.write_log()
            self.close_connection = True
            deadline = time.monotonic() + 120
            try:
                for i in range(len(data)):
                    self.wfile.write(data[i:i + 1])
                    self.wfile.flush()
                    if time.monotonic() > deadline or app.stop.is_set() or self.peer_gone(1.0):
                        break
            except OSError:
                pass
        elif mode == 'auth-loop':
            # 401 after a successful authentication, with a fresh Digest nonce (stale=true, RFC 7616 section
            # 3.3: "retry with the new nonce") and a Basic challenge, on every try.
            extra = [('WWW-Authenticate', 'Digest realm="WSMAN", nonce="%s", qop="auth", algorithm=MD5, '
                      'stale=true' % base64.b64encode(os.urandom(24)).decode()),
                     ('WWW-Authenticate', 'Basic realm="WSMAN"')]
            self.raw_reply(401, extra=extra)
        elif mode in ('ctype-text', 'ctype-json', 'ctype-missing'):
            ctype = {'ctype-text': 'text/plain; charset=utf-8', 'ctype-json': 'application/json',
                     'ctype-missing': None}[mode]
            self.raw_reply(200, okb, ctype)
        elif mode == 'garbage':
            # 64 KiB of bytes that look random under a SOAP content type.
            self.raw_reply(200, big_token(65536), soap8)
        elif mode == 'garbage-status':
            # Not HTTP at all: binary bytes where the status line should be, then close.
            self.raw_write(b'\x00\xff\xfe garbage \x01\x02\r\n\r\n' + big_token(4096), status=0)
        elif mode == 'deep-nesting':
            # 100,000 nested elements (300 KB, within MaxEnvelopeSize), never closed.
            xml = (render_reply(action + 'Response', mid, '\x00').split('\x00')[0]
                   + '<e:Deep xmlns:e="%s">' % NS_ECHO + '<d>' * 100000)
            self.raw_reply(200, xml.encode('utf-8'), soap8)
        elif mode in ('endless-enum', 'endless-enum-empty'):
            # An enumeration that never ends (DSP0226 section 8.4): every Enumerate and Pull answer has a new
            # context and no EndOfSequence; endless-enum sends MaxElements items (at most 100) each time,
            # endless-enum-empty none at all.
            n = 0
            body = root.find(S_BODY)
            if mode == 'endless-enum':
                n = 20
                want = (qn(NS_W, 'MaxElements'), qn(NS_N, 'MaxElements'))
                for el in (body.iter() if body is not None else ()):
                    if el.tag in want and (text_of(el) or '').isdigit():
                        n = max(1, min(100, int(text_of(el))))
            items = ''.join('<e:Item xmlns:e="%s">%d</e:Item>' % (NS_ECHO, i) for i in range(n))
            if action == ACT_RELEASE:
                xml = render_reply(ACT_RELEASE + 'Response', mid, '')
            elif action == ACT_ENUMERATE:
                xml = render_reply(ACT_ENUMERATE + 'Response', mid,
                                   '<n:EnumerateResponse><n:EnumerationContext>%s</n:EnumerationContext>'
                                   '<w:Items>%s</w:Items></n:EnumerateResponse>' % (new_uuid(), items))
            else:
                xml = render_reply(ACT_PULL + 'Response', mid,
                                   '<n:PullResponse><n:EnumerationContext>%s</n:EnumerationContext>'
                                   '<n:Items>%s</n:Items></n:PullResponse>' % (new_uuid(), items))
            self.soap_reply(200, encode_xml(xml, charset), charset)
        elif mode in ('chunk-bad-size', 'chunk-short'):
            # RFC 9112 section 7.1: a chunk size that is not hex, or a chunk shorter than announced (then
            # close).
            head = self.raw_head(200, soap8, 'Transfer-Encoding: chunked\r\n\r\n')
            if mode == 'chunk-bad-size':
                data = head + b'zz\r\n' + okb + b'\r\n0\r\n\r\n'
            else:
                data = head + b'%x\r\n' % (len(okb) + 4096) + okb
            self.raw_write(data)
        elif mode in ('fault-huge', 'fault-oversize'):
            # A fault whose Reason and Message are huge: 35 % of the request's MaxEnvelopeSize each (the
            # whole fault within it: several MB for a client that allows 8 MB), or 3 MB each (above the
            # default).
            size = max(1000, max_env * 7 // 20) if mode == 'fault-huge' else 3000000
            text = ('The huge fault. ' * (size // 16 + 1))[:size]
            xml = ''.join([
                ENV_OPEN, fault_head(FAULT_WSMAN, mid), '</s:Header><s:Body><s:Fault>',
                '<s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>w:InvalidSelectors</s:Value>'
                '</s:Subcode></s:Code><s:Reason><s:Text xml:lang="en-US">%s</s:Text></s:Reason>' % text,
                '<s:Detail><f:WSManFault xmlns:f="%s" Code="2150858843" Machine="%s"><f:Message>%s'
                '</f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>'
                % (NS_F, esc_attr(app.machine), text)])
            self.raw_reply(500, xml.encode('utf-8'), soap8)
        elif mode == 'bad-utf8':
            # Declared UTF-8 (header and declaration) with bytes that are not UTF-8 in the body.
            xml = ('<?xml version="1.0" encoding="UTF-8"?>' + ok).encode('utf-8')
            self.raw_reply(200, xml.replace(b'>ok<', b'>\xc3\x28\xff\xfe\xed\xa0\x80<'), soap8)
        elif mode == 'charset-unknown':
            self.raw_reply(200, okb, 'application/soap+xml;charset=EBCDIC')
        elif mode == 'decl-ebcdic':
            # No charset in the header; the declaration names EBCDIC, but the bytes are ASCII.
            self.raw_reply(200, ('<?xml version="1.0" encoding="EBCDIC"?>' + ok).encode('utf-8'),
                           'application/soap+xml')
        elif mode == 'bom-utf8-header-utf16':
            # A UTF-8 BOM and UTF-8 text under charset=UTF-16: the BOM wins (RFC 7303 section 3.2).
            self.raw_reply(200, b'\xef\xbb\xbf' + okb, 'application/soap+xml;charset=UTF-16')
        elif mode == 'bom-utf16-body-utf8':
            # A UTF-16LE BOM in front of UTF-8 text, under charset=UTF-8.
            self.raw_reply(200, b'\xff\xfe' + okb, soap8)
        elif mode == 'nul':
            # NUL bytes inside the XML (not a Char, XML 1.0 section 2.2).
            self.raw_reply(200, okb.replace(b'>ok<', b'>o\x00\x00k<'), soap8)
        elif mode == 'reset':
            # Half of the reply, then a TCP reset.
            data = self.raw_head(200, soap8, 'Content-Length: %d\r\n\r\n' % len(okb)) + okb
            self.raw_write(data[:len(data) // 2], reset=True)
        elif mode == 'enc-unexpected':
            # A multipart/encrypted reply (MS-WSMV section 2.2.9.1) to a plaintext request of a session
            # without any GSS context: the parts carry bytes that decrypt under nothing.
            blob = big_token(512)
            body = encrypted_body(PROTO_SPNEGO, [(len(okb), 'utf-8', blob[:60], blob[60:60 + len(okb)])],
                                  False, False)
            self.raw_reply(200, body, encrypted_ctype(PROTO_SPNEGO, False))
        elif mode == 'redirect-loop':
            # 307 (RFC 9110 section 15.4.8) to the very resource that was asked for.
            host = self.headers.get('Host') or '%s:%d' % (app.bind, app.port)
            self.raw_reply(307, extra=[('Location', '%s://%s%s' % ('https' if app.tls else 'http', host,
                                                                   self.path))])
        elif mode == 'redirect-other-host':
            # 308 to another host: a client that followed it would hand its credentials to that host.
            self.raw_reply(308, extra=[('Location', 'http://wsmauto-elsewhere.invalid:5985/wsman')])

    def endless(self, mid, action):
        head = ('HTTP/1.1 200 OK\r\nServer: Microsoft-HTTPAPI/2.0\r\nDate: %s\r\nContent-Type: '
                'application/soap+xml;charset=UTF-8\r\nTransfer-Encoding: chunked\r\n\r\n'
                % formatdate(usegmt=True))
        # Everything up to the body, then an element that never ends.
        first = render_reply(action + 'Response', mid, '\x00').split('\x00')[0]
        first += '<e:Endless xmlns:e="%s">' % NS_ECHO
        piece = ('<e:x>' + 'y' * 1000 + '</e:x>') * 16
        chunk = ('%x\r\n%s\r\n' % (len(piece), piece)).encode()
        self.info['status'] = 200
        self.write_log()
        self.close_connection = True
        try:
            self.wfile.write(head.encode('latin-1') + ('%x\r\n%s\r\n' % (len(first), first)).encode())
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not self.app.stop.is_set():
                self.wfile.write(chunk)
                time.sleep(0.01)
        except OSError:
            pass
