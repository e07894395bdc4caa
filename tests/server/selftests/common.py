# SPDX-License-Identifier: MIT
"""Shared helpers of the self-tests: envelopes, check(), the server process, the HTTP client."""

import base64
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import uuid

from lxml import etree


HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))     # tests/server
SERVER = os.path.join(HERE, 'wsman_server.py')
PYTHON = '/usr/bin/python3'
VERBOSE = '-v' in sys.argv

NS = {
    's': 'http://www.w3.org/2003/05/soap-envelope',
    'a': 'http://schemas.xmlsoap.org/ws/2004/08/addressing',
    'x': 'http://schemas.xmlsoap.org/ws/2004/09/transfer',
    'n': 'http://schemas.xmlsoap.org/ws/2004/09/enumeration',
    'w': 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd',
    'p': 'http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd',
    'b': 'http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd',
    'f': 'http://schemas.microsoft.com/wbem/wsman/1/wsmanfault',
    'wsmid': 'http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd',
    'e': 'http://wsmauto.test/echo',
    'cfg': 'http://schemas.microsoft.com/wbem/wsman/1/config',
    'xsi': 'http://www.w3.org/2001/XMLSchema-instance',
    'svc': 'http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service',
    'cim': 'http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/CIM_Service',
    'item': 'http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/WSMAuto_Item',
    'dep': 'http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_DependentService',
    'os': 'http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_OperatingSystem',
    'lst': 'http://schemas.microsoft.com/wbem/wsman/1/config/listener',
    'auth': 'http://schemas.microsoft.com/wbem/wsman/1/config/service/auth',
    'wmierr': 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError',
}

CIMV2 = 'http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/'
SVC = CIMV2 + 'Win32_Service'
CIMSVC = CIMV2 + 'CIM_Service'
ITEM = CIMV2 + 'WSMAuto_Item'
OS_URI = CIMV2 + 'Win32_OperatingSystem'
DEP = CIMV2 + 'Win32_DependentService'
ECHO = 'http://wsmauto.test/echo'
CONFIG = 'http://schemas.microsoft.com/wbem/wsman/1/config'
MISB = 'http://wsmauto.test/misbehave/'
T = 'http://schemas.xmlsoap.org/ws/2004/09/transfer/'
EN = 'http://schemas.xmlsoap.org/ws/2004/09/enumeration/'
ANON = 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous'
WQL = 'http://schemas.microsoft.com/wbem/wsman/1/WQL'
SELFILTER = 'http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter'
ASSOC = 'http://schemas.dmtf.org/wbem/wsman/1/cimbinding/associationFilter'
MUTUAL = 'http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/https/mutual'
CT8 = 'application/soap+xml;charset=UTF-8'
CT16 = 'application/soap+xml;charset=UTF-16'

# The request template: written by hand like a Windows client's header set (To, ResourceURI, ReplyTo, Action,
# MaxEnvelopeSize, MessageID, Locale, DataLocale, extras, OperationTimeout).
ENVELOPE = (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
    'xmlns:n="http://schemas.xmlsoap.org/ws/2004/09/enumeration" '
    'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" '
    'xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd" '
    'xmlns:b="http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd">'
    '<s:Header>'
    '<a:To>http://127.0.0.1:5985/wsman</a:To>'
    '<w:ResourceURI s:mustUnderstand="true">{uri}</w:ResourceURI>'
    '<a:ReplyTo><a:Address s:mustUnderstand="true">'
    'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>'
    '<a:Action s:mustUnderstand="true">{action}</a:Action>'
    '<w:MaxEnvelopeSize s:mustUnderstand="true">{maxenv}</w:MaxEnvelopeSize>'
    '<a:MessageID>{mid}</a:MessageID>'
    '<w:Locale xml:lang="en-US" s:mustUnderstand="false"/>'
    '<p:DataLocale xml:lang="en-US" s:mustUnderstand="false"/>'
    '{extra}'
    '<w:OperationTimeout>{timeout}</w:OperationTimeout>'
    '</s:Header>'
    '<s:Body>{body}</s:Body>'
    '</s:Envelope>')

IDENTIFY = ('<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
            'xmlns:wsmid="http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd">'
            '<s:Header/><s:Body><wsmid:Identify/></s:Body></s:Envelope>')

SOAP11 = ('<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/" '
          'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"><env:Header>'
          '<a:MessageID>uuid:0B3C1C6E-1D63-4E7E-9A39-6F1DE7D2C001</a:MessageID></env:Header>'
          '<env:Body/></env:Envelope>')

NO_MESSAGEID = (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" '
    'xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"><s:Header>'
    '<a:To>http://127.0.0.1:5985/wsman</a:To>'
    '<w:ResourceURI s:mustUnderstand="true">http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/'
    'Win32_OperatingSystem</w:ResourceURI>'
    '<a:ReplyTo><a:Address s:mustUnderstand="true">'
    'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>'
    '<a:Action s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/09/transfer/Get</a:Action>'
    '</s:Header><s:Body/></s:Envelope>')

NO_RESOURCEURI = (
    '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" '
    'xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing"><s:Header>'
    '<a:To>http://127.0.0.1:5985/wsman</a:To>'
    '<a:ReplyTo><a:Address s:mustUnderstand="true">'
    'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo>'
    '<a:Action s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/09/transfer/Get</a:Action>'
    '<a:MessageID>uuid:0B3C1C6E-1D63-4E7E-9A39-6F1DE7D2C002</a:MessageID>'
    '</s:Header><s:Body/></s:Envelope>')

# The MS-WSMV style (wsa:/wsman: prefixes, text on its own lines) must be accepted too.
SPEC_STYLE_GET = '''<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"
xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing"
xmlns:wsman="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd">
<s:Header>
<wsa:To>http://server:80/wsman</wsa:To>
<wsman:ResourceURI s:mustUnderstand="true">
http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service
</wsman:ResourceURI>
<wsa:ReplyTo>
<wsa:Address s:mustUnderstand="true">
http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous
</wsa:Address>
</wsa:ReplyTo>
<wsa:Action s:mustUnderstand="true">
http://schemas.xmlsoap.org/ws/2004/09/transfer/Get
</wsa:Action>
<wsman:MaxEnvelopeSize s:mustUnderstand="true">51200</wsman:MaxEnvelopeSize>
<wsa:MessageID>uuid:5E6FD101-710A-4EEA-A50D-70C0BF863AA3</wsa:MessageID>
<wsman:SelectorSet>
<wsman:Selector Name="Name">Spooler</wsman:Selector>
</wsman:SelectorSet>
<wsman:OperationTimeout>PT60S</wsman:OperationTimeout>
</s:Header>
<s:Body/>
</s:Envelope>'''

PASSED = 0
FAILED = 0


def check(name, cond, info=''):
    global PASSED, FAILED
    if cond:
        PASSED += 1
        if VERBOSE:
            print('ok   %s' % name)
    else:
        FAILED += 1
        print('FAIL %s %s' % (name, info))
    return bool(cond)


def mid():
    return 'uuid:' + str(uuid.uuid4()).upper()


def sel(**kw):
    return '<w:SelectorSet>%s</w:SelectorSet>' % ''.join('<w:Selector Name="%s">%s</w:Selector>' % kv
                                                         for kv in kw.items())


def envelope(uri, action, body='', extra='', maxenv=512000, timeout='PT60.000S', message_id=None):
    return ENVELOPE.format(uri=uri, action=action, body=body, extra=extra, maxenv=maxenv, timeout=timeout,
                           mid=message_id or mid())


# ------------------------------------------------------------------------------------------------------------
# Server process and client
# ------------------------------------------------------------------------------------------------------------
class ServerProc:
    def __init__(self, *args):
        self.dir = tempfile.mkdtemp(prefix='wsmsrv-')
        self.port_file = os.path.join(self.dir, 'port')
        self.log = os.path.join(self.dir, 'log')
        self.out = open(os.path.join(self.dir, 'stdout'), 'wb')
        self.proc = subprocess.Popen([PYTHON, SERVER, '--port', '0', '--port-file', self.port_file,
                                      '--log', self.log] + list(args), stdout=self.out,
                                     stderr=subprocess.STDOUT)
        # A guard against a server that never starts, not a measurement: generous for a loaded machine.
        deadline = time.time() + 120
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError('server did not start: %s' % open(os.path.join(self.dir, 'stdout')).read())
            time.sleep(0.02)
        self.port = int(open(self.port_file).read())

    def log_lines(self, n=0, wait=5.0):
        deadline = time.time() + wait
        while True:
            lines = [ln for ln in open(self.log).read().splitlines() if ln.startswith('conn=')]
            if len(lines) >= n or time.time() > deadline:
                return lines
            time.sleep(0.02)

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.out.close()
        output = open(os.path.join(self.dir, 'stdout'), 'rb').read()
        shutil.rmtree(self.dir, ignore_errors=True)
        return rc, output


class Reply:
    def __init__(self, status, headers, data):
        self.status, self.headers, self.data = status, headers, data
        self.ctype = headers.get('Content-Type') or ''
        self.doc = None
        if data and 'soap+xml' in self.ctype:
            try:
                if 'UTF-16' in self.ctype.upper():
                    text = data.decode('utf-16')
                else:
                    text = data.decode('utf-8')
                self.doc = etree.fromstring(text.encode('utf-8'), etree.XMLParser(resolve_entities=False,
                                                                                   no_network=True))
            except (ValueError, etree.XMLSyntaxError):
                self.doc = None

    def xp(self, path):
        return self.doc.xpath(path, namespaces=NS) if self.doc is not None else []

    def text(self, path):
        r = self.xp(path)
        if not r:
            return None
        return r[0] if isinstance(r[0], str) else (r[0].text or '')

    def fault(self):
        """(subcode, Code, faultDetail) of a fault reply, or None."""
        if not self.xp('/s:Envelope/s:Body/s:Fault'):
            return None
        sub = (self.text('//s:Fault/s:Code/s:Subcode/s:Value/text()')
               or self.text('//s:Fault/s:Code/s:Value/text()'))
        code = self.text('//s:Fault/s:Detail/f:WSManFault/@Code')
        detail = self.text('//s:Fault/s:Detail/w:FaultDetail/text()')
        return sub, int(code) if code else None, detail.rsplit('/', 1)[-1] if detail else None


class Client:
    def __init__(self, port, user='wsmuser', password='wsmpass', tls_ctx=None, host='127.0.0.1'):
        self.port, self.tls_ctx, self.host = port, tls_ctx, host
        self.user, self.password = user, password
        self.conn = None

    def connect(self):
        if self.tls_ctx is not None:
            self.conn = http.client.HTTPSConnection(self.host, self.port, context=self.tls_ctx, timeout=120)
        else:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=120)

    def raw(self, body, headers=None, method='POST', path='/wsman'):
        if self.conn is None:
            self.connect()
        if isinstance(body, str):
            body = body.encode('utf-8')
        h = {'Content-Type': CT8}
        if self.user is not None:
            h['Authorization'] = 'Basic ' + base64.b64encode(('%s:%s' % (self.user, self.password))
                                                             .encode()).decode()
        h.update(headers or {})
        h = {k: v for k, v in h.items() if v is not None}
        try:
            self.conn.request(method, path, body, h)
            r = self.conn.getresponse()
            data = r.read()
        except Exception:
            self.conn.close()
            self.conn = None
            raise
        rep = Reply(r.status, r.headers, data)
        rep.all_headers = r.headers
        return rep

    def soap(self, uri, action, body='', **kw):
        headers = kw.pop('headers', None)
        return self.raw(envelope(uri, action, body, **kw), headers)

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def expect_fault(name, r, sub, code, detail=None, status=500):
    f = r.fault()
    ok = (f is not None and f[0] == sub and f[1] == code and (detail is None or f[2] == detail)
          and r.status == status)
    check(name, ok, 'got status=%s fault=%s' % (r.status, f))
    return f


def run(name, fn, *args):
    try:
        fn(*args)
    except Exception:
        check(name + ' (exception)', False, traceback.format_exc())
