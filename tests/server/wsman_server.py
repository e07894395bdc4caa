#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""wsmauto test server: a WS-Management (WinRM-like) service for loopback tests.

Written independently of the wsmauto C client. Only the Python standard library and lxml are used, plus
python3-gssapi for --auth negotiate/kerberos/credssp (imported only then); CredSSP lives in credssp_server.py.
Shapes of replies and faults are modelled on real WinRM captures (see tests/server/README.md for the rules).
Run `wsman_server.py --help` for the options.
"""

import argparse
import base64
import binascii
import hashlib
import hmac
import http.server
import os
import re
import select
import signal
import socket
import socketserver
import ssl
import subprocess
import struct
import sys
import threading
import time
import uuid
from email.utils import formatdate
from http import HTTPStatus
from urllib.parse import urlsplit

from lxml import etree

import credssp_server

# ------------------------------------------------------------------------------------------------------------
# Names
# ------------------------------------------------------------------------------------------------------------
NS_S = 'http://www.w3.org/2003/05/soap-envelope'
NS_S11 = 'http://schemas.xmlsoap.org/soap/envelope/'
NS_A = 'http://schemas.xmlsoap.org/ws/2004/08/addressing'
NS_X = 'http://schemas.xmlsoap.org/ws/2004/09/transfer'
NS_EV = 'http://schemas.xmlsoap.org/ws/2004/08/eventing'
NS_N = 'http://schemas.xmlsoap.org/ws/2004/09/enumeration'
NS_W = 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd'
NS_P = 'http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd'
NS_B = 'http://schemas.dmtf.org/wbem/wsman/1/cimbinding.xsd'
NS_WSMID = 'http://schemas.dmtf.org/wbem/wsman/identity/1/wsmanidentity.xsd'
NS_CIM = 'http://schemas.dmtf.org/wbem/wscim/1/common'
NS_XSI = 'http://www.w3.org/2001/XMLSchema-instance'
NS_F = 'http://schemas.microsoft.com/wbem/wsman/1/wsmanfault'
NS_CFG = 'http://schemas.microsoft.com/wbem/wsman/1/config'
NS_M = 'http://schemas.microsoft.com/wbem/wsman/1/machineid'
NS_ECHO = 'http://wsmauto.test/echo'
NS_WMIERR = 'http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/MSFT_WmiError'

ANONYMOUS = NS_A + '/role/anonymous'
ACT_GET = NS_X + '/Get'
ACT_PUT = NS_X + '/Put'
ACT_CREATE = NS_X + '/Create'
ACT_DELETE = NS_X + '/Delete'
ACT_ENUMERATE = NS_N + '/Enumerate'
ACT_PULL = NS_N + '/Pull'
ACT_RELEASE = NS_N + '/Release'
FAULT_WSMAN = 'http://schemas.dmtf.org/wbem/wsman/1/wsman/fault'
FAULT_ADDR = NS_A + '/fault'
FAULT_ENUM = NS_N + '/fault'
FAULT_TRANSFER = NS_X + '/fault'
FAULT_CIMB = 'http://schemas.dmtf.org/wbem/wsman/1/cimbinding/fault'
FAULT_DETAIL = 'http://schemas.dmtf.org/wbem/wsman/1/wsman/faultDetail/'
DIALECT_WQL = 'http://schemas.microsoft.com/wbem/wsman/1/WQL'
DIALECT_SELECTOR = 'http://schemas.dmtf.org/wbem/wsman/1/wsman/SelectorFilter'
DIALECT_ASSOC = 'http://schemas.dmtf.org/wbem/wsman/1/cimbinding/associationFilter'
DIALECT_XPATH = 'http://www.w3.org/TR/1999/REC-xpath-19991116'
WMI_PREFIX = 'http://schemas.microsoft.com/wbem/wsman/1/wmi/'
CIMV2 = WMI_PREFIX + 'root/cimv2/'
DMTF_ALL = 'http://schemas.dmtf.org/wbem/wscim/1/*'
ECHO_URI = 'http://wsmauto.test/echo'
MISBEHAVE_PREFIX = 'http://wsmauto.test/misbehave/'
SECPROFILE = 'http://schemas.dmtf.org/wbem/wsman/1/wsman/secprofile/'
MUTUAL_AUTH = SECPROFILE + 'https/mutual'
PROTOCOL_VERSION = 'http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd'
FLAVORS = ('windows', 'omi')         # --flavor: whose wire behaviour the server copies
OMI_VENDOR = 'Open Management Infrastructure'
OMI_VERSION = '1.0.8'


def qn(ns, local):
    return '{%s}%s' % (ns, local)


S_ENVELOPE, S_HEADER, S_BODY = qn(NS_S, 'Envelope'), qn(NS_S, 'Header'), qn(NS_S, 'Body')
S_MU, S_ROLE = qn(NS_S, 'mustUnderstand'), qn(NS_S, 'role')
A_TO, A_ACTION, A_MESSAGEID = qn(NS_A, 'To'), qn(NS_A, 'Action'), qn(NS_A, 'MessageID')
A_REPLYTO, A_FAULTTO, A_ADDRESS = qn(NS_A, 'ReplyTo'), qn(NS_A, 'FaultTo'), qn(NS_A, 'Address')
A_REFPARAMS, A_EPR = qn(NS_A, 'ReferenceParameters'), qn(NS_A, 'EndpointReference')
W_RESOURCEURI, W_SELECTORSET = qn(NS_W, 'ResourceURI'), qn(NS_W, 'SelectorSet')
W_SELECTOR = qn(NS_W, 'Selector')
W_OPTIONSET, W_OPTION = qn(NS_W, 'OptionSet'), qn(NS_W, 'Option')
W_MAXENV, W_TIMEOUT, W_LOCALE = qn(NS_W, 'MaxEnvelopeSize'), qn(NS_W, 'OperationTimeout'), qn(NS_W, 'Locale')
W_FRAGMENT, W_XMLFRAGMENT = qn(NS_W, 'FragmentTransfer'), qn(NS_W, 'XmlFragment')
W_TOTALREQ = qn(NS_W, 'RequestTotalItemsCountEstimate')
P_DATALOCALE = qn(NS_P, 'DataLocale')
XSI_NIL = qn(NS_XSI, 'nil')
WSMID_IDENTIFY = qn(NS_WSMID, 'Identify')

# Headers this server understands (a mustUnderstand="true" on anything else is a s:MustUnderstand fault).
KNOWN_HEADERS = frozenset([
    A_TO, A_ACTION, A_MESSAGEID, A_REPLYTO, A_FAULTTO, qn(NS_A, 'From'),
    W_RESOURCEURI, W_SELECTORSET, W_OPTIONSET, W_MAXENV, W_TIMEOUT, W_LOCALE, W_FRAGMENT, W_TOTALREQ,
    P_DATALOCALE, qn(NS_P, 'SessionId'), qn(NS_P, 'OperationID'), qn(NS_P, 'SequenceId'),
    qn(NS_P, 'ActivityId'), qn(NS_M, 'MachineID'),
])
SINGLE_HEADERS = (A_TO, A_ACTION, A_MESSAGEID, A_REPLYTO, W_RESOURCEURI, W_MAXENV, W_TIMEOUT, W_SELECTORSET,
                  W_OPTIONSET, W_FRAGMENT)
GENERIC_OPTIONS = frozenset(['wsmauto:delay_ms', 'wsmauto:echo'])

ENV_OPEN = ('<s:Envelope xml:lang="en-US" xmlns:s="%s" xmlns:a="%s" xmlns:x="%s" xmlns:e="%s" xmlns:n="%s" '
            'xmlns:w="%s" xmlns:p="%s">' % (NS_S, NS_A, NS_X, NS_EV, NS_N, NS_W, NS_P))

# WinRM error numbers (decimal, as they appear in f:WSManFault/@Code).
E_FAIL = 0x80004005
E_RESOURCE_NOT_FOUND = 0x80338000
E_VERSION_MISMATCH = 0x8033800D
E_INVALID_HEADER = 0x8033800F
E_MUST_UNDERSTAND = 0x80338010
E_HEADER_REQUIRED = 0x80338011
E_ACTION_NOT_SUPPORTED = 0x80338013
E_INVALID_REPRESENTATION = 0x80338015
E_FILTERING_NOT_SUPPORTED = 0x80338018
E_FILTER_DIALECT = 0x80338019
E_CANNOT_PROCESS_FILTER = 0x8033801A
E_INVALID_ENUM_CONTEXT = 0x8033801B
E_TIMED_OUT = 0x80338029
E_INVALID_BATCH = 0x8033802F
E_ALREADY_EXISTS = 0x80338033
E_ENCODING_LIMIT = 0x80338035
E_INVALID_OPTIONS = 0x80338039
E_INVALID_PARAMETER = 0x8033803A
E_SCHEMA_VALIDATION = 0x80338041
E_UNSUPPORTED_FEATURE = 0x80338042
E_MAX_ENVELOPE_EXCEEDED = 0x80338048
E_OPTIONS_INVALID_VALUE = 0x80338053
E_UNEXPECTED_SELECTORS = 0x8033805B
E_MIN_ENVELOPE_SIZE = 0x8033807E
E_ENUM_MODE_UNSUPPORTED = 0x80338086
E_FRAGMENT_DIALECT = 0x80338090
E_INVALID_FRAGMENT_PATH = 0x80338093
E_POLYMORPHISM_UNSUPPORTED = 0x80338137

# Reason texts (s:Reason), worded like WinRM's own (including its trailing space).
R_SELECTORS = ('The WS-Management service cannot process the request because the request contained invalid '
               'selectors for the resource. ')
R_UNREACHABLE = ('The WS-Management service cannot process the request. The service cannot find the resource '
                 'identified by the resource URI and selectors. ')
R_ACTION = ('The WS-Management service cannot process the request. The requested action is not supported by '
            'the service. ')
R_HEADER = ('The WS-Management service cannot process the request. The request contains one or more invalid '
            'SOAP headers. ')
R_HEADER_REQUIRED = ('The WS-Management service cannot process the request because a required SOAP header is '
                     'missing. ')
R_MUST_UNDERSTAND = ('The WS-Management service cannot process a SOAP header in the request that is marked '
                     'as mustUnderstand by the client.  This could be caused by the use of a version of the '
                     'protocol which is not supported, or may be an incompatibility  between the client and '
                     'server implementations. ')
R_UNSUPPORTED = ('The WS-Management service cannot process the request because it uses an unsupported '
                 'feature. ')
R_ENCODING = ('The WS-Management service cannot process the request because the envelope size or an encoding '
              'limit was exceeded. ')
R_TIMEDOUT = ('The WS-Management service cannot complete the operation within the time specified in '
              'OperationTimeout.  ')
R_OPTIONS = ('The WS-Management service cannot process the request because the request contained invalid '
             'options. ')
R_REPRESENTATION = ('The WS-Management service cannot process the request because the XML in the body does '
                    'not match the representation expected by the resource. ')
R_EXISTS = 'The WS-Management service cannot create the resource because it already exists. '
R_SCHEMA = ('The SOAP XML in the message does not match the corresponding XML schema definition. Change the '
            'XML and retry. ')
R_FILTER = ('The data source could not process the filter. The filter might be missing or it might be '
            'invalid. Change the filter and try the request again.  ')
R_DIALECT = ('The WS-Management service cannot process the request because the filter dialect is not '
             'supported. ')
R_FILTERING = ('The WS-Management service cannot process the request because the resource does not support '
               'filtering. ')
R_CONTEXT = ('The WS-Management service cannot process the request because the enumeration context is not '
             'valid. ')
R_PARAMETER = 'The parameter is incorrect. '
R_VERSION = 'The WS-Management service cannot process the request because the SOAP version is not supported. '
R_FRAGMENT_DIALECT = ('The WS-Management service cannot process the request because the fragment dialect is '
                      'not supported. ')
R_POLYMORPHISM = ('The WS-Management service cannot process the request because the polymorphism mode is not '
                  'supported. ')


class Fault(Exception):
    """A SOAP fault to send back (HTTP 500 unless status says otherwise)."""

    def __init__(self, subcode, reason, code, message, detail=None, action=FAULT_WSMAN, value='s:Sender',
                 extra_header='', subcode_decl=''):
        Exception.__init__(self, message)
        self.subcode, self.reason, self.code, self.message = subcode, reason, code, message
        self.detail, self.action, self.value = detail, action, value
        self.extra_header, self.subcode_decl = extra_header, subcode_decl


def f_selectors(msg, detail='UnexpectedSelectors'):
    return Fault('w:InvalidSelectors', R_SELECTORS, E_UNEXPECTED_SELECTORS, msg, detail)


def f_unreachable(msg):
    return Fault('a:DestinationUnreachable', R_UNREACHABLE, E_RESOURCE_NOT_FOUND, msg, 'InvalidResourceURI',
                 FAULT_ADDR)


def f_action(msg):
    return Fault('a:ActionNotSupported', R_ACTION, E_ACTION_NOT_SUPPORTED, msg, None, FAULT_ADDR)


def f_header(msg):
    return Fault('a:InvalidMessageInformationHeader', R_HEADER, E_INVALID_HEADER, msg, None, FAULT_ADDR)


def f_header_required(msg):
    return Fault('a:MessageInformationHeaderRequired', R_HEADER_REQUIRED, E_HEADER_REQUIRED, msg, None,
                 FAULT_ADDR)


def f_unsupported(msg, detail, code=E_UNSUPPORTED_FEATURE):
    return Fault('w:UnsupportedFeature', R_UNSUPPORTED, code, msg, detail)


def f_representation(msg):
    return Fault('x:InvalidRepresentation', R_REPRESENTATION, E_INVALID_REPRESENTATION, msg, None,
                 FAULT_TRANSFER)


def f_schema(msg):
    return Fault('w:SchemaValidationError', R_SCHEMA, E_SCHEMA_VALIDATION, msg)


def f_parameter(msg, code=E_INVALID_PARAMETER):
    return Fault('w:InvalidParameter', R_PARAMETER, code, msg, 'InvalidValue')


def f_options(msg, code=E_INVALID_OPTIONS):
    return Fault('w:InvalidOptions', R_OPTIONS, code, msg)


def f_filter(msg):
    return Fault('n:CannotProcessFilter', R_FILTER, E_CANNOT_PROCESS_FILTER, msg, None, FAULT_ENUM)


def f_context(msg):
    return Fault('n:InvalidEnumerationContext', R_CONTEXT, E_INVALID_ENUM_CONTEXT, msg, None, FAULT_ENUM,
                 's:Receiver')


def f_encoding(msg, code, detail='MaxEnvelopeSize'):
    return Fault('w:EncodingLimit', R_ENCODING, code, msg, detail)


def f_timedout(msg):
    return Fault('w:TimedOut', R_TIMEDOUT, E_TIMED_OUT, msg, None, FAULT_WSMAN, 's:Receiver')


# ------------------------------------------------------------------------------------------------------------
# Small helpers
# ------------------------------------------------------------------------------------------------------------
_ESC_TEXT = str.maketrans({'&': '&amp;', '<': '&lt;', '>': '&gt;'})
_ESC_ATTR = str.maketrans({'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\t': '&#9;', '\n': '&#10;',
                           '\r': '&#13;'})


def esc(s):
    s = str(s)
    if '&' in s or '<' in s or '>' in s:
        return s.translate(_ESC_TEXT)
    return s


def esc_attr(s):
    return str(s).translate(_ESC_ATTR)


def new_uuid():
    return 'uuid:' + str(uuid.uuid4()).upper()


def is_elem(node):
    return isinstance(node.tag, str)


def children(el):
    return [c for c in el if is_elem(c)]


def first_child(el):
    for c in el:
        if is_elem(c):
            return c
    return None


def text_of(el):
    return ''.join(el.itertext()).strip() if el is not None else ''


def split_tag(tag):
    if tag.startswith('{'):
        ns, _, local = tag[1:].partition('}')
        return ns, local
    return '', tag


def xml_bool(value):
    """xs:boolean: 'true'/'1' → True, 'false'/'0' → False, anything else → None."""
    v = (value or '').strip()
    if v in ('true', '1'):
        return True
    if v in ('false', '0'):
        return False
    return None


def enc_len(s, utf16):
    if s.isascii():
        return 2 * len(s) if utf16 else len(s)
    return len(s.encode('utf-16-le' if utf16 else 'utf-8'))


def encode_xml(xml, charset):
    if charset == 'utf-16':
        return b'\xff\xfe' + xml.encode('utf-16-le')
    return xml.encode('utf-8')


_DURATION = re.compile(r'^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?'
                       r'(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d*)?|\.\d+)S)?)?$')


def parse_duration_ms(text):
    """xs:duration → milliseconds (int), or None when unparsable or negative."""
    t = text.strip()
    m = _DURATION.match(t)
    if not m or t == 'P' or t.endswith('T'):
        return None
    y, mo, d, h, mi, s = m.groups()
    if all(g is None for g in m.groups()):
        return None
    total = (int(y or 0) * 365 + int(mo or 0) * 30 + int(d or 0)) * 86400.0
    total += int(h or 0) * 3600 + int(mi or 0) * 60 + float(s or 0)
    return int(round(total * 1000))


def soap_content_charset(ctype):
    """'utf-8' / 'utf-16' for application/soap+xml with that charset, else None."""
    if not ctype:
        return None
    parts = ctype.split(';')
    if parts[0].strip().lower() != 'application/soap+xml':
        return None
    charset = None
    for p in parts[1:]:
        k, _, v = p.partition('=')
        if k.strip().lower() == 'charset':
            charset = v.strip().strip('"').strip().lower()
    return charset if charset in ('utf-8', 'utf-16') else None


def decode_body(body, charset):
    """Request bytes → str. UTF-16: BOM decides LE/BE, no BOM = LE. Raises ValueError when undecodable."""
    if charset == 'utf-16':
        if body[:2] == b'\xff\xfe':
            return body[2:].decode('utf-16-le')
        if body[:2] == b'\xfe\xff':
            return body[2:].decode('utf-16-be')
        return body.decode('utf-16-le')
    if body[:3] == b'\xef\xbb\xbf':
        body = body[3:]
    return body.decode('utf-8')


_XML_DECL = re.compile(r'^\s*<\?xml[^>]*\?>')
_parser_local = threading.local()


def parse_xml(text):
    """Parses a request with a hardened lxml parser (no DTD, no entities, no network). Raises ValueError."""
    if '<!DOCTYPE' in text or '<!ENTITY' in text:
        raise ValueError('the request contains a document type declaration')
    parser = getattr(_parser_local, 'parser', None)
    if parser is None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
                                 encoding='utf-8', remove_comments=False)
        _parser_local.parser = parser
    # The text was decoded already: drop the declaration (its encoding= no longer applies) and feed UTF-8.
    text = _XML_DECL.sub('', text, count=1)
    try:
        root = etree.fromstring(text.encode('utf-8'), parser)
    except etree.XMLSyntaxError as e:
        raise ValueError('the request is not well-formed XML: %s' % e)
    if root is None:
        raise ValueError('the request is empty')
    info = root.getroottree().docinfo
    if info.doctype or info.internalDTD is not None:
        raise ValueError('the request contains a document type declaration')
    return root


_MSGID_RE = re.compile(r'<(?:[\w.-]+:)?MessageID\b[^>]*>\s*([^<\s]+)\s*<')
_ACTION_RE = re.compile(r'<(?:[\w.-]+:)?Action\b[^>]*>\s*([^<\s]+)\s*<')
_RESURI_RE = re.compile(r'<(?:[\w.-]+:)?ResourceURI\b[^>]*>\s*([^<\s]+)\s*<')


# ------------------------------------------------------------------------------------------------------------
# CIM model
# ------------------------------------------------------------------------------------------------------------
class CimClass:
    def __init__(self, name, props, keys, parent=None, writable=(), refs=()):
        self.name, self.props, self.keys, self.parent = name, list(props), list(keys), parent
        self.uri = CIMV2 + name
        self.writable = set(writable)
        self.refs = set(refs)            # properties whose values are EPRs
        self.prop_map = {p.lower(): p for p in props}
        self.open_tag = ('<p:%s xmlns:p="%s" xmlns:cim="%s" xmlns:xsi="%s" xsi:type="p:%s_Type">'
                         % (name, self.uri, NS_CIM, NS_XSI, name))
        self.close_tag = '</p:%s>' % name

    def is_a(self, other):
        c = self
        while c is not None:
            if c is other:
                return True
            c = c.parent
        return False


class Ref:
    """A reference (EPR) to an instance: used for association properties and selector values."""
    __slots__ = ('cls', 'keys')

    def __init__(self, cls, keys):
        self.cls, self.keys = cls, keys

    def __str__(self):
        return '%s.%s' % (self.cls.name, ','.join('%s="%s"' % kv for kv in self.keys.items()))


CIM_SERVICE = CimClass('CIM_Service', ['Caption', 'Name', 'State'], ['Name'], writable=['Caption', 'State'])
WIN32_SERVICE = CimClass('Win32_Service',
                         ['Caption', 'DisplayName', 'Name', 'ProcessId', 'StartMode', 'State'],
                         ['Name'], parent=CIM_SERVICE,
                         writable=['Caption', 'DisplayName', 'StartMode', 'State'])
WIN32_DEPENDENT = CimClass('Win32_DependentService', ['Antecedent', 'Dependent'], ['Antecedent', 'Dependent'],
                           refs=['Antecedent', 'Dependent'])
WIN32_OS = CimClass('Win32_OperatingSystem',
                    ['BuildNumber', 'Caption', 'CSName', 'OSArchitecture', 'Version'], [])
WSMAUTO_ITEM = CimClass('WSMAuto_Item', ['Id', 'Name', 'Value'], ['Id'], writable=['Name', 'Value'])
CLASSES = {c.name.lower(): c for c in (CIM_SERVICE, WIN32_SERVICE, WIN32_DEPENDENT, WIN32_OS, WSMAUTO_ITEM)}
VALID_STATES = {'running': 'Running', 'stopped': 'Stopped', 'paused': 'Paused'}
VALID_MODES = {'auto': 'Auto', 'automatic': 'Auto', 'manual': 'Manual', 'disabled': 'Disabled',
               'boot': 'Boot', 'system': 'System'}
START_MODES = ('Auto', 'Manual', 'Disabled')
WELL_KNOWN = [
    {'Caption': 'Windows Remote Management (WS-Management)', 'DisplayName': 'Windows Remote Management '
     '(WS-Management)', 'Name': 'WinRM', 'ProcessId': 1000, 'StartMode': 'Auto', 'State': 'Running'},
    {'Caption': 'Print Spooler', 'DisplayName': 'Print Spooler', 'Name': 'Spooler', 'ProcessId': 0,
     'StartMode': 'Manual', 'State': 'Stopped'},
    {'Caption': 'Windows Time', 'DisplayName': 'Windows Time', 'Name': 'w32time', 'ProcessId': 1200,
     'StartMode': 'Manual', 'State': 'Running'},
]
WELL_KNOWN_PID = {'WinRM': 1000, 'Spooler': 1100, 'w32time': 1200}


def render_epr_inner(cls, keys):
    """a:Address + a:ReferenceParameters for an instance of cls with the given key values."""
    parts = ['<a:Address>', ANONYMOUS, '</a:Address><a:ReferenceParameters><w:ResourceURI>', cls.uri,
             '</w:ResourceURI>']
    if keys:
        parts.append('<w:SelectorSet>')
        for k, v in keys.items():
            if isinstance(v, Ref):
                parts.append('<w:Selector Name="%s"><a:EndpointReference>%s</a:EndpointReference>'
                             '</w:Selector>' % (esc_attr(k), render_epr_inner(v.cls, v.keys)))
            else:
                parts.append('<w:Selector Name="%s">%s</w:Selector>' % (esc_attr(k), esc(v)))
        parts.append('</w:SelectorSet>')
    parts.append('</a:ReferenceParameters>')
    return ''.join(parts)


def instance_keys(cls, props):
    return {k: props.get(k) for k in cls.keys}


def render_epr(cls, props):
    return '<a:EndpointReference>%s</a:EndpointReference>' % render_epr_inner(cls, instance_keys(cls, props))


def render_prop(name, v):
    if v is None:
        return '<p:%s xsi:nil="true"/>' % name
    if isinstance(v, Ref):
        return '<p:%s>%s</p:%s>' % (name, render_epr_inner(v.cls, v.keys), name)
    return '<p:%s>%s</p:%s>' % (name, esc(v), name)


def render_obj(cls, props, only=None, as_cls=None):
    """WMI-over-WinRM instance XML. as_cls renders through a base class (its element name and properties)."""
    c = as_cls or cls
    parts = [c.open_tag]
    for name in c.props:
        if only is not None and name not in only:
            continue
        parts.append(render_prop(name, props.get(name)))
    parts.append(c.close_tag)
    return ''.join(parts)


# ------------------------------------------------------------------------------------------------------------
# The data store (all mutable state lives here, under one lock)
# ------------------------------------------------------------------------------------------------------------
class Store:
    def __init__(self, instances, machine):
        self.lock = threading.RLock()
        self.n = instances
        self.width = max(5, len(str(instances)))
        self.machine = machine
        self.svc_over = {}      # canonical service name → changed properties
        self.cim_direct = {
            'cimsvc1': {'Caption': 'CIM service 1', 'Name': 'cimsvc1', 'State': 'Running'},
            'cimsvc2': {'Caption': 'CIM service 2', 'Name': 'cimsvc2', 'State': 'Stopped'},
        }
        self.items = {
            '1': {'Id': '1', 'Name': 'Item 1', 'Value': 'Value 1'},
            '2': {'Id': '2', 'Name': 'Item 2', 'Value': 'Value 2'},
        }
        self.wk_lower = {p['Name'].lower(): p['Name'] for p in WELL_KNOWN}
        self.svc_re = re.compile(r'^svc([0-9]{%d})$' % self.width, re.I)

    # -- services --
    def svc_index(self, canon):
        m = self.svc_re.match(canon)
        return int(m.group(1)) if m else None

    def svc_canon(self, name):
        if not isinstance(name, str):
            return None
        low = name.lower()
        if low in self.wk_lower:
            return self.wk_lower[low]
        m = self.svc_re.match(name)
        if m:
            i = int(m.group(1))
            if 1 <= i <= self.n:
                return 'svc%0*d' % (self.width, i)
        return None

    def svc_gen(self, i):
        name = 'svc%0*d' % (self.width, i)
        stopped = i % 3 == 0
        d = {'Caption': 'Service %d' % i, 'DisplayName': 'Service %d' % i, 'Name': name,
             'ProcessId': 0 if stopped else 4000 + i, 'StartMode': START_MODES[(i - 1) % 3],
             'State': 'Stopped' if stopped else 'Running'}
        ov = self.svc_over.get(name)
        if ov:
            d.update(ov)
        return d

    def svc_get(self, canon):
        for p in WELL_KNOWN:
            if p['Name'] == canon:
                d = dict(p)
                d.update(self.svc_over.get(canon, {}))
                return d
        i = self.svc_index(canon)
        return self.svc_gen(i) if i else None

    def svc_running_pid(self, canon):
        if canon in WELL_KNOWN_PID:
            return WELL_KNOWN_PID[canon]
        return 4000 + (self.svc_index(canon) or 0)

    def svc_set(self, canon, changes):
        ov = self.svc_over.setdefault(canon, {})
        ov.update(changes)
        if 'State' in changes:
            ov['ProcessId'] = self.svc_running_pid(canon) if changes['State'] == 'Running' else 0

    def iter_services(self):
        for p in WELL_KNOWN:
            yield self.svc_get(p['Name'])
        gen = self.svc_gen
        for i in range(1, self.n + 1):
            yield gen(i)

    def count_services(self):
        return self.n + len(WELL_KNOWN)

    # -- dependencies: (antecedent, dependent) = "dependent depends on antecedent" --
    def dep_results(self, canon, source_role):
        """Names associated with service canon, where canon plays source_role; lazily generated."""
        if source_role == 'Antecedent':
            if canon == 'w32time':
                yield 'WinRM'
            elif canon == 'WinRM':
                for i in range(10, self.n + 1, 10):
                    yield 'svc%0*d' % (self.width, i)
        else:
            if canon == 'WinRM':
                yield 'w32time'
            else:
                i = self.svc_index(canon)
                if i and i % 10 == 0:
                    yield 'WinRM'

    def dep_exists(self, ant, dep):
        if ant == 'w32time' and dep == 'WinRM':
            return True
        i = self.svc_index(dep)
        return ant == 'WinRM' and i is not None and i % 10 == 0

    def iter_deps(self):
        yield ('w32time', 'WinRM')
        for i in range(10, self.n + 1, 10):
            yield ('WinRM', 'svc%0*d' % (self.width, i))

    def dep_props(self, ant, dep):
        return {'Antecedent': Ref(WIN32_SERVICE, {'Name': ant}),
                'Dependent': Ref(WIN32_SERVICE, {'Name': dep})}

    # -- generic class access --
    def os_props(self):
        return {'BuildNumber': '20348',
                'Caption': 'Microsoft Windows Server 2022 Datacenter (wsmauto test server)',
                'CSName': self.machine, 'OSArchitecture': '64-bit', 'Version': '10.0.20348'}

    def iter_class(self, cls, poly):
        """(class, props) records of cls; poly 'None' = only instances whose class is exactly cls."""
        if cls is CIM_SERVICE:
            for p in [dict(v) for v in self.cim_direct.values()]:
                yield CIM_SERVICE, p
            if poly != 'None':
                for p in self.iter_services():
                    yield WIN32_SERVICE, p
        elif cls is WIN32_SERVICE:
            for p in self.iter_services():
                yield WIN32_SERVICE, p
        elif cls is WIN32_OS:
            yield WIN32_OS, self.os_props()
        elif cls is WSMAUTO_ITEM:
            for p in [dict(v) for v in self.items.values()]:
                yield WSMAUTO_ITEM, p
        elif cls is WIN32_DEPENDENT:
            for ant, dep in self.iter_deps():
                yield WIN32_DEPENDENT, self.dep_props(ant, dep)

    def count_class(self, cls, poly):
        if cls is CIM_SERVICE:
            return len(self.cim_direct) + (0 if poly == 'None' else self.count_services())
        if cls is WIN32_SERVICE:
            return self.count_services()
        if cls is WIN32_OS:
            return 1
        if cls is WSMAUTO_ITEM:
            return len(self.items)
        return 1 + self.n // 10

    def find_service_like(self, cls, name):
        """Instance of cls (CIM_Service or Win32_Service) named name → (class, props) or None."""
        if not isinstance(name, str):
            return None
        if cls is CIM_SERVICE:
            for k, v in self.cim_direct.items():
                if k == name.lower():
                    return CIM_SERVICE, dict(v)
        canon = self.svc_canon(name)
        if canon is None:
            return None
        return WIN32_SERVICE, self.svc_get(canon)


# ------------------------------------------------------------------------------------------------------------
# WQL
# ------------------------------------------------------------------------------------------------------------
class WqlError(Exception):
    pass


_WQL_TOKEN = re.compile(r"""\s*(?:(?P<num>-?\d+(?:\.\d+)?)(?![A-Za-z_])|(?P<id>[A-Za-z_][A-Za-z0-9_]*)|"""
                        r"""(?P<str>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")|(?P<op><>|!=|<=|>=|=|<|>)|"""
                        r"""(?P<punct>[(),*]))""")


def wql_tokens(text):
    out, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _WQL_TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise WqlError('unexpected character %r at offset %d' % (text[pos:pos + 1], pos))
        pos = m.end()
        kind = m.lastgroup
        val = m.group(kind)
        if kind == 'str':
            val = re.sub(r'\\(.)', r'\1', val[1:-1])
        out.append((kind, val))
    return out


def _cmp(op, a, b):
    if op == '=':
        return a == b
    if op in ('<>', '!='):
        return a != b
    if op == '<':
        return a < b
    if op == '>':
        return a > b
    if op == '<=':
        return a <= b
    return a >= b


class WqlQuery:
    """SELECT * | p[,p…] FROM Class [WHERE cond]; cond with = != <> < > <= >= LIKE, IS [NOT] NULL, AND, OR,
    NOT, parentheses. Keywords and property names are case-insensitive; so are string comparisons."""

    def __init__(self, text):
        self.toks = wql_tokens(text)
        self.pos = 0
        self.parse()

    def peek(self, k=0):
        i = self.pos + k
        return self.toks[i] if i < len(self.toks) else (None, None)

    def next(self):
        t = self.peek()
        if t[0] is None:
            raise WqlError('unexpected end of query')
        self.pos += 1
        return t

    def is_kw(self, word, k=0):
        t = self.peek(k)
        return t[0] == 'id' and t[1].upper() == word

    def expect_kw(self, word):
        t = self.next()
        if t[0] != 'id' or t[1].upper() != word:
            raise WqlError('expected %s, found %r' % (word, t[1]))

    def parse(self):
        self.expect_kw('SELECT')
        self.select = None
        if self.peek() == ('punct', '*'):
            self.next()
        else:
            names = []
            while True:
                t = self.next()
                if t[0] != 'id' or t[1].upper() in ('FROM', 'WHERE'):
                    raise WqlError('expected a property name, found %r' % t[1])
                names.append(t[1])
                if self.peek() == ('punct', ','):
                    self.next()
                    continue
                break
            self.select = names
        self.expect_kw('FROM')
        t = self.next()
        if t[0] != 'id':
            raise WqlError('expected a class name after FROM, found %r' % t[1])
        self.cls = CLASSES.get(t[1].lower())
        if self.cls is None:
            raise WqlError('the class %s does not exist in the namespace root/cimv2' % t[1])
        self.only = None
        if self.select is not None:
            self.only = set()
            for n in self.select:
                self.only.add(self.prop(n))
        self.where = None
        if self.peek()[0] is not None:
            self.expect_kw('WHERE')
            self.where = self.expr()
            if self.peek()[0] is not None:
                raise WqlError('unexpected %r after the WHERE clause' % self.peek()[1])

    def prop(self, name):
        p = self.cls.prop_map.get(name.lower())
        if p is None:
            raise WqlError('the class %s has no property %s' % (self.cls.name, name))
        return p

    def expr(self):
        left = self.term()
        while self.is_kw('OR'):
            self.next()
            right = self.term()
            left = (lambda a, b: lambda r: a(r) or b(r))(left, right)
        return left

    def term(self):
        left = self.factor()
        while self.is_kw('AND'):
            self.next()
            right = self.factor()
            left = (lambda a, b: lambda r: a(r) and b(r))(left, right)
        return left

    def factor(self):
        if self.is_kw('NOT'):
            self.next()
            inner = self.factor()
            return lambda r: not inner(r)
        if self.peek() == ('punct', '('):
            self.next()
            e = self.expr()
            if self.next() != ('punct', ')'):
                raise WqlError('missing )')
            return e
        return self.comparison()

    def literal(self):
        t = self.next()
        if t[0] == 'str':
            return ('str', t[1])
        if t[0] == 'num':
            return ('num', float(t[1]))
        if t[0] == 'id' and t[1].upper() in ('TRUE', 'FALSE'):
            return ('bool', t[1].upper() == 'TRUE')
        if t[0] == 'id' and t[1].upper() == 'NULL':
            return ('null', None)
        raise WqlError('expected a value, found %r' % t[1])

    def comparison(self):
        t = self.peek()
        if t[0] == 'id' and t[1].upper() not in ('TRUE', 'FALSE', 'NULL'):
            self.next()
            pn = self.prop(t[1])
            if self.is_kw('IS'):
                self.next()
                neg = False
                if self.is_kw('NOT'):
                    self.next()
                    neg = True
                self.expect_kw('NULL')
                return (lambda r: r.get(pn) is not None) if neg else (lambda r: r.get(pn) is None)
            if self.is_kw('LIKE'):
                self.next()
                lit = self.literal()
                if lit[0] != 'str':
                    raise WqlError('LIKE needs a string pattern')
                rx = re.compile(''.join('.*' if c == '%' else '.' if c == '_' else re.escape(c)
                                        for c in lit[1]),
                                re.I | re.S)
                return lambda r: r.get(pn) is not None and rx.fullmatch(str(r.get(pn))) is not None
            op = self.next()
            if op[0] != 'op':
                raise WqlError('expected a comparison operator after %s, found %r' % (t[1], op[1]))
            return self.make_cmp(pn, op[1], self.literal())
        lit = self.literal()
        op = self.next()
        if op[0] != 'op':
            raise WqlError('expected a comparison operator, found %r' % op[1])
        t = self.next()
        if t[0] != 'id':
            raise WqlError('expected a property name, found %r' % t[1])
        swap = {'<': '>', '>': '<', '<=': '>=', '>=': '<='}
        return self.make_cmp(self.prop(t[1]), swap.get(op[1], op[1]), lit)

    @staticmethod
    def make_cmp(pn, op, lit):
        kind, val = lit
        if kind == 'null':
            return lambda r: False      # SQL semantics: comparisons with NULL are never true
        if kind == 'num':
            def f(r):
                v = r.get(pn)
                if v is None or isinstance(v, Ref):
                    return False
                try:
                    return _cmp(op, float(v), val)
                except ValueError:
                    return False
            return f
        if kind == 'bool':
            want = 'true' if val else 'false'
            return lambda r: r.get(pn) is not None and _cmp(op, str(r.get(pn)).lower(), want)
        low = val.casefold()

        def g(r):
            v = r.get(pn)
            if v is None:
                return False
            return _cmp(op, str(v).casefold(), low)
        return g


# ------------------------------------------------------------------------------------------------------------
# Request
# ------------------------------------------------------------------------------------------------------------
class Option:
    __slots__ = ('name', 'value', 'must_comply', 'must_comply_raw', 'type', 'nil')


class HttpCtx:
    """What the SOAP layer needs to know about the HTTP request."""

    def __init__(self, handler, charset, auth):
        self.charset = charset
        self.auth = auth
        self.headers = list(handler.headers.items())
        self.method = handler.command
        self.path = handler.path
        self.tls = isinstance(handler.connection, ssl.SSLSocket)
        self.host = handler.headers.get('Host') or ''
        self.client_ip = handler.client_address[0] if handler.client_address else ''


class Req:
    def __init__(self, root, http):
        self.root, self.http = root, http
        self.header = None
        self.body = None
        self.header_elems = []
        self.message_id = None
        self.action = None
        self.to = None
        self.resource_uri = None
        self.max_env = None
        self.timeout_ms = None
        self.selectors = []        # [(name, str or lxml element)]
        self.options = []
        self.optionset_present = False
        self.optionset_mu = False
        self.fragment = None       # (path, dialect)
        self.want_total = False

    def option(self, name):
        for o in self.options:
            if o.name == name:
                return o
        return None

    def body_elem(self):
        return first_child(self.body) if self.body is not None else None

    @property
    def utf16(self):
        return self.http.charset == 'utf-16'


def parse_epr_elem(el):
    """An EPR-shaped element (a:EndpointReference, b:Object, x:ResourceCreated…) → (uri, [(name, value)])
    or None."""
    rp = el.find(A_REFPARAMS)
    if rp is None:
        return None
    uri_el = rp.find(W_RESOURCEURI)
    if uri_el is None:
        return None
    sels = []
    ss = rp.find(W_SELECTORSET)
    if ss is not None:
        for s in children(ss):
            if s.tag != W_SELECTOR or s.get('Name') is None:
                return None
            sels.append((s.get('Name'), selector_value(s)))
    return text_of(uri_el), sels


def selector_value(s):
    epr = first_child(s)
    if epr is not None:
        return epr
    return (s.text or '').strip()


# ------------------------------------------------------------------------------------------------------------
# Enumeration contexts
# ------------------------------------------------------------------------------------------------------------
class EnumCtx:
    def __init__(self, uri, iterator, total):
        self.id = new_uuid()
        self.uri = uri.lower()
        self.it = iterator          # yields rendered item strings
        self.total = total
        self.pending = []
        self.done = False
        self.last_used = time.monotonic()

    def next_item(self):
        if self.pending:
            return self.pending.pop()
        if self.done:
            return None
        try:
            return next(self.it)
        except StopIteration:
            self.done = True
            return None

    def push_back(self, s):
        self.pending.append(s)

    def exhausted(self):
        if self.pending:
            return False
        s = self.next_item()
        if s is None:
            return True
        self.pending.append(s)
        return False


# ------------------------------------------------------------------------------------------------------------
# Resources
# ------------------------------------------------------------------------------------------------------------
class Resource:
    name = 'resource'
    known_options = frozenset()
    accepts_any_option = False
    supports_fragment = False
    enumerable = False
    uri = ''

    def __init__(self, app):
        self.app = app

    def check_options(self, req):
        for o in req.options:
            if self.accepts_any_option or o.name in GENERIC_OPTIONS or o.name in self.known_options:
                continue
            if req.optionset_mu or o.must_comply:
                raise f_options('The option %s is not supported by the resource %s (%s).'
                                % (o.name, req.resource_uri,
                                   'MustComply="true"' if o.must_comply
                                   else 'the OptionSet is mustUnderstand'))

    def no_selectors(self, req):
        if req.selectors:
            raise f_selectors('The resource %s takes no selectors, but the request has: %s.'
                              % (req.resource_uri, ', '.join(n for n, _ in req.selectors)))

    def unsupported(self, req):
        raise f_action('The action %s is not supported by the resource %s.' % (req.action, req.resource_uri))

    get = put = create = delete = unsupported

    def invoke(self, req, method):
        self.unsupported(req)

    def method_of(self, req):
        """Custom action → method name, or None when the action is not an Invoke of this resource."""
        return None

    def enumerate(self, req, params):
        """→ (iterator of rendered item strings, total or None)."""
        self.unsupported(req)


class EnumParams:
    def __init__(self):
        self.optimize = False
        self.max_elements = None
        self.mode = None             # None, 'EnumerateEPR', 'EnumerateObjectAndEPR'
        self.filter_dialect = None
        self.filter_elem = None
        self.poly = None


def renderer(mode, only=None, as_base=None):
    """Returns record → item string for the enumeration mode."""
    def obj(rec):
        cls, props = rec
        return render_obj(cls, props, only, as_base if as_base is not None and cls is not as_base else None)

    if mode is None:
        return obj
    if mode == 'EnumerateEPR':
        return lambda rec: render_epr(rec[0], rec[1])
    return lambda rec: '<w:Item>%s%s</w:Item>' % (obj(rec), render_epr(rec[0], rec[1]))


def check_cim_namespace(value):
    """The __cimnamespace selector/option: only root/cimv2 exists here."""
    if isinstance(value, str) and value.replace('\\', '/').lower() == 'root/cimv2':
        return
    raise f_unreachable('The CIM namespace %s does not exist on this server (only root/cimv2 does).'
                        % (value if isinstance(value, str) else 'given as an EPR'))


class WmiResource(Resource):
    """A class under …/wmi/root/cimv2/."""
    known_options = frozenset(['__cimnamespace'])
    supports_fragment = True
    enumerable = True

    def __init__(self, app, cls):
        Resource.__init__(self, app)
        self.cls = cls
        self.uri = cls.uri
        self.name = cls.name

    # -- selectors --
    @staticmethod
    def check_namespace(value):
        check_cim_namespace(value)

    def check_options(self, req):
        Resource.check_options(self, req)
        o = req.option('__cimnamespace')
        if o is not None:
            self.check_namespace(o.value.strip())

    def key_values(self, req, sels=None):
        cls = self.cls
        sels = req.selectors if sels is None else sels
        given = {}
        for name, value in sels:
            if name.lower() == '__cimnamespace':
                self.check_namespace(value)
                continue
            given[name.lower()] = (name, value)
        keys = {k.lower(): k for k in cls.keys}
        extra = [n for n, _ in given.values() if n.lower() not in keys]
        if extra:
            if keys:
                msg = ('The selector(s) %s are not keys of %s; its keys are %s.'
                       % (', '.join(extra), cls.name, ', '.join(cls.keys)))
            else:
                msg = '%s is a singleton and takes no selectors, but the request has %s.' % (cls.name,
                                                                                            ', '.join(extra))
            raise f_selectors(msg, 'UnexpectedSelectors')
        missing = [k for k in cls.keys if k.lower() not in given]
        if missing:
            raise f_selectors('The selector(s) %s are missing; %s needs %s.'
                              % (', '.join(missing), cls.name, ', '.join(cls.keys)), 'InsufficientSelectors')
        out = {}
        for low, (name, value) in given.items():
            canon = keys[low]
            if canon in cls.refs:
                if isinstance(value, str):
                    raise f_selectors('The selector %s of %s must be an EPR (a:EndpointReference), not text.'
                                      % (canon, cls.name), 'InvalidValue')
            elif not isinstance(value, str):
                raise f_selectors('The selector %s of %s must be text, not an EPR.' % (canon, cls.name),
                                  'InvalidValue')
            out[canon] = value
        return out

    def ref_service(self, epr, what):
        parsed = parse_epr_elem(epr)
        if parsed is None:
            raise f_selectors('The %s selector is not an EPR with a:ReferenceParameters/w:ResourceURI.'
                              % what, 'InvalidValue')
        uri, sels = parsed
        res = self.app.resolve(uri)
        if not isinstance(res, WmiResource) or res.cls not in (WIN32_SERVICE, CIM_SERVICE):
            raise f_selectors('The %s EPR names %s, which is not a service class.' % (what, uri),
                              'InvalidValue')
        keys = res.key_values(None, sels)
        found = self.app.store.find_service_like(res.cls, keys['Name'])
        if found is None or found[0] is not WIN32_SERVICE:
            raise f_selectors('The %s EPR names no existing service (Name=%s).' % (what, keys['Name']),
                              'InvalidValue')
        return found[1]['Name']

    def find(self, req):
        """The instance the selectors name → (class, props); raises w:InvalidSelectors."""
        st = self.app.store
        keys = self.key_values(req)
        cls = self.cls
        found = None
        if cls in (CIM_SERVICE, WIN32_SERVICE):
            found = st.find_service_like(cls, keys['Name'])
        elif cls is WIN32_OS:
            found = (WIN32_OS, st.os_props())
        elif cls is WSMAUTO_ITEM:
            p = st.items.get(keys['Id'])
            found = (WSMAUTO_ITEM, dict(p)) if p else None
        elif cls is WIN32_DEPENDENT:
            ant = self.ref_service(keys['Antecedent'], 'Antecedent')
            dep = self.ref_service(keys['Dependent'], 'Dependent')
            if st.dep_exists(ant, dep):
                found = (WIN32_DEPENDENT, st.dep_props(ant, dep))
            else:
                raise f_selectors('There is no %s instance with Antecedent=%s and Dependent=%s.'
                                  % (cls.name, ant, dep), 'InvalidValue')
        if found is None:
            desc = ', '.join('%s=%s' % (k, v) for k, v in keys.items())
            raise f_selectors('No instance of %s matches the selectors %s.' % (cls.name, desc),
                              'InvalidValue')
        return found

    # -- fragments --
    _FRAG = re.compile(r'^\s*/?\s*(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)\s*(/\s*text\(\s*\))?\s*$')

    def fragment_prop(self, req, cls):
        path, dialect = req.fragment
        if dialect != DIALECT_XPATH:
            raise Fault('w:FragmentDialectNotSupported', R_FRAGMENT_DIALECT, E_FRAGMENT_DIALECT,
                        'The fragment dialect %s is not supported; only XPath 1.0 (%s) is.'
                        % (dialect, DIALECT_XPATH))
        m = self._FRAG.match(path)
        prop = cls.prop_map.get(m.group(1).lower()) if m else None
        if prop is None:
            raise f_parameter('The fragment path %r does not name a property of %s (properties: %s).'
                              % (path, cls.name, ', '.join(cls.props)), E_INVALID_FRAGMENT_PATH)
        return prop, bool(m.group(2))

    @staticmethod
    def render_fragment(cls, prop, text_only, props):
        v = props.get(prop)
        if text_only:
            return '<w:XmlFragment>%s</w:XmlFragment>' % ('' if v is None else esc(v))
        if v is None:
            return ('<w:XmlFragment><p:%s xmlns:p="%s" xmlns:xsi="%s" xsi:nil="true"/></w:XmlFragment>'
                    % (prop, cls.uri, NS_XSI))
        inner = render_epr_inner(v.cls, v.keys) if isinstance(v, Ref) else esc(v)
        return '<w:XmlFragment><p:%s xmlns:p="%s">%s</p:%s></w:XmlFragment>' % (prop, cls.uri, inner, prop)

    # -- operations --
    def get(self, req):
        with self.app.store.lock:
            cls, props = self.find(req)
        if req.fragment:
            prop, text_only = self.fragment_prop(req, cls)
            return self.render_fragment(cls, prop, text_only, props)
        return render_obj(cls, props)

    def validate_value(self, cls, prop, value):
        if prop not in cls.writable:
            raise f_parameter('The property %s of %s is read-only.' % (prop, cls.name))
        if value is None:
            if cls is WSMAUTO_ITEM:
                return None
            raise f_parameter('The property %s of %s cannot be set to null.' % (prop, cls.name))
        if prop == 'State':
            v = VALID_STATES.get(value.strip().lower())
            if v is None:
                raise f_parameter('%r is not a valid State (use Running, Stopped or Paused).' % value)
            return v
        if prop == 'StartMode':
            v = VALID_MODES.get(value.strip().lower())
            if v is None:
                raise f_parameter('%r is not a valid StartMode (use Auto, Manual, Disabled, Boot or System).'
                                  % value)
            return v
        return value

    def apply(self, cls, props, changes):
        st = self.app.store
        if cls is WIN32_SERVICE:
            st.svc_set(props['Name'], changes)
            return st.svc_get(props['Name'])
        if cls is CIM_SERVICE:
            st.cim_direct[props['Name'].lower()].update(changes)
            return dict(st.cim_direct[props['Name'].lower()])
        if cls is WSMAUTO_ITEM:
            st.items[props['Id']].update(changes)
            return dict(st.items[props['Id']])
        raise f_action('Instances of %s cannot be changed.' % cls.name)

    def allowed_ns(self, req, cls):
        return (cls.uri, self.cls.uri, req.resource_uri)

    def read_instance_body(self, req, cls, want_key=None):
        """Body <p:Class> → {prop: value or None}; raises x:InvalidRepresentation."""
        el = req.body_elem()
        if el is None:
            raise f_representation('The request body is empty; it must hold a %s element in namespace %s.'
                                   % (cls.name, cls.uri))
        ns, local = split_tag(el.tag)
        names = (cls.name.lower(), self.cls.name.lower())
        if local.lower() not in names or ns not in self.allowed_ns(req, cls):
            raise f_representation('The body element is {%s}%s, but {%s}%s was expected.'
                                   % (ns, local, cls.uri, cls.name))
        values = {}
        for c in children(el):
            cns, clocal = split_tag(c.tag)
            if cns == NS_CIM and clocal == 'Location':
                continue            # WinRM puts the EPR of the instance there; not a property
            prop = cls.prop_map.get(clocal.lower())
            if prop is None or cns != ns:
                raise f_representation('{%s}%s is not a property of %s.' % (cns, clocal, cls.name))
            if prop in values:
                raise f_representation('The property %s appears twice in the body.' % prop)
            if first_child(c) is not None:
                raise f_representation('The property %s must hold text, not elements.' % prop)
            values[prop] = None if xml_bool(c.get(XSI_NIL)) else (c.text or '')
        return values

    def put(self, req):
        st = self.app.store
        with st.lock:
            cls, props = self.find(req)
            if req.fragment:
                prop, text_only = self.fragment_prop(req, cls)
                el = req.body_elem()
                if el is None or el.tag != W_XMLFRAGMENT:
                    raise f_representation('A fragment Put needs a w:XmlFragment body.')
                if text_only:
                    if first_child(el) is not None:
                        raise f_representation('The fragment %s/text() takes text only.' % prop)
                    value = el.text or ''
                else:
                    kids = children(el)
                    if len(kids) != 1:
                        raise f_representation('The w:XmlFragment must hold exactly one %s element.' % prop)
                    kns, klocal = split_tag(kids[0].tag)
                    if klocal.lower() != prop.lower() or kns not in self.allowed_ns(req, cls):
                        raise f_representation('The w:XmlFragment holds {%s}%s, but {%s}%s was expected.'
                                               % (kns, klocal, cls.uri, prop))
                    if first_child(kids[0]) is not None:
                        raise f_representation('The property %s must hold text, not elements.' % prop)
                    value = None if xml_bool(kids[0].get(XSI_NIL)) else (kids[0].text or '')
                new = self.apply(cls, props, {prop: self.validate_value(cls, prop, value)})
                return self.render_fragment(cls, prop, text_only, new)
            values = self.read_instance_body(req, cls)
            changes = {}
            for k in cls.keys:
                if k in values and values[k] != props.get(k):
                    raise f_representation('The body says %s=%s, but the selectors name %s.'
                                           % (k, values[k], props.get(k)))
            for prop in cls.props:
                if prop in cls.keys or prop not in cls.writable:
                    continue        # read-only properties in the body are ignored, as WMI does
                if prop in values:
                    changes[prop] = self.validate_value(cls, prop, values[prop])
                elif cls is WSMAUTO_ITEM:
                    changes[prop] = None     # full replacement: a missing property becomes null
            new = self.apply(cls, props, changes)
            return render_obj(cls, new)

    def create(self, req):
        cls = self.cls
        if cls is not WSMAUTO_ITEM:
            self.unsupported(req)
        if req.fragment:
            raise f_unsupported('Create does not support fragment transfer.', 'FragmentLevelAccess')
        st = self.app.store
        with st.lock:
            sel_id = None
            if req.selectors:
                sel_id = self.key_values(req)['Id']
            values = self.read_instance_body(req, cls)
            body_id = values.get('Id')
            if sel_id is not None and body_id is not None and sel_id != body_id:
                raise f_representation('The body says Id=%s, but the selectors say Id=%s.'
                                       % (body_id, sel_id))
            new_id = sel_id if sel_id is not None else body_id
            if not new_id:
                raise f_representation('The new %s has no Id (give p:Id in the body or an Id selector).'
                                       % cls.name)
            if new_id in st.items:
                raise Fault('w:AlreadyExists', R_EXISTS, E_ALREADY_EXISTS,
                            'An instance of %s with Id=%s already exists.' % (cls.name, new_id))
            st.items[new_id] = {'Id': new_id, 'Name': values.get('Name'), 'Value': values.get('Value')}
        address = req.to or ANONYMOUS
        return ('<x:ResourceCreated><a:Address>%s</a:Address><a:ReferenceParameters><w:ResourceURI>%s'
                '</w:ResourceURI><w:SelectorSet><w:Selector Name="Id">%s</w:Selector></w:SelectorSet>'
                '</a:ReferenceParameters></x:ResourceCreated>' % (esc(address), cls.uri, esc(new_id)))

    def delete(self, req):
        if self.cls is not WSMAUTO_ITEM:
            self.unsupported(req)
        if req.fragment:
            raise f_unsupported('Delete does not support fragment transfer.', 'FragmentLevelAccess')
        st = self.app.store
        with st.lock:
            cls, props = self.find(req)
            del st.items[props['Id']]
        return ''

    METHODS = {'startservice': 'StartService', 'stopservice': 'StopService',
               'changestartmode': 'ChangeStartMode'}

    def method_of(self, req):
        act = req.action
        for base in (self.cls.uri, req.resource_uri):
            if act.lower().startswith(base.lower() + '/'):
                name = act[len(base) + 1:]
                if '/' not in name and name:
                    return name
        return None

    def invoke(self, req, method):
        canon = self.METHODS.get(method.lower()) if self.cls is WIN32_SERVICE else None
        if canon is None:
            raise f_action('%s has no method %s (action %s).' % (self.cls.name, method, req.action))
        if req.fragment:
            raise f_unsupported('Invoke does not support fragment transfer.', 'FragmentLevelAccess')
        el = req.body_elem()
        want = canon + '_INPUT'
        if el is None:
            raise f_representation('The request body is empty; %s needs a p:%s element in namespace %s.'
                                   % (canon, want, self.cls.uri))
        ns, local = split_tag(el.tag)
        if local.lower() != want.lower() or ns not in self.allowed_ns(req, self.cls):
            raise f_representation('The body element is {%s}%s, but {%s}%s was expected.'
                                   % (ns, local, self.cls.uri, want))
        args = {}
        for c in children(el):
            cns, clocal = split_tag(c.tag)
            if cns != ns or canon != 'ChangeStartMode' or clocal.lower() != 'startmode':
                raise f_representation('{%s}%s is not a parameter of %s.' % (cns, clocal, canon))
            args['StartMode'] = c.text or ''
        st = self.app.store
        with st.lock:
            cls, props = self.find(req)
            name = props['Name']
            if canon == 'StartService':
                if props['State'] == 'Running':
                    rv = 10
                else:
                    st.svc_set(name, {'State': 'Running'})
                    rv = 0
            elif canon == 'StopService':
                if props['State'] == 'Stopped':
                    rv = 5
                else:
                    st.svc_set(name, {'State': 'Stopped'})
                    rv = 0
            else:
                mode = VALID_MODES.get(args.get('StartMode', '').strip().lower())
                if mode is None:
                    rv = 21
                else:
                    st.svc_set(name, {'StartMode': mode})
                    rv = 0
        return ('<p:%s_OUTPUT xmlns:p="%s" xmlns:xsi="%s" xmlns:cim="%s"><p:ReturnValue>%d</p:ReturnValue>'
                '</p:%s_OUTPUT>' % (canon, self.cls.uri, NS_XSI, NS_CIM, rv, canon))

    # -- enumeration --
    def enumerate(self, req, params):
        st = self.app.store
        cls = self.cls
        if req.fragment:
            raise f_unsupported('Enumerate does not support fragment transfer here.', 'FragmentLevelAccess')
        poly = params.poly or 'IncludeSubClassProperties'
        as_base = cls if poly == 'ExcludeSubClassProperties' else None
        records = None
        only = None
        total = None
        sel_filter = [(n, v) for n, v in req.selectors if n.lower() != '__cimnamespace']
        for n, v in req.selectors:
            if n.lower() == '__cimnamespace':
                self.check_namespace(v)
        if params.filter_dialect is None:
            records = st.iter_class(cls, poly)
            total = st.count_class(cls, poly)
        elif params.filter_dialect == DIALECT_SELECTOR:
            ss = params.filter_elem.find(W_SELECTORSET)
            if ss is None:
                raise f_filter('A SelectorFilter needs a w:SelectorSet.')
            for s in children(ss):
                if s.tag != W_SELECTOR or s.get('Name') is None:
                    raise f_filter('The SelectorFilter holds something other than w:Selector Name="…".')
                sel_filter.append((s.get('Name'), selector_value(s)))
            records = st.iter_class(cls, poly)
        elif params.filter_dialect == DIALECT_WQL:
            q = self.app.wql(text_of(params.filter_elem))
            records = (r for r in st.iter_class(q.cls, 'IncludeSubClassProperties')
                       if q.where is None or q.where(r[1]))
            only = q.only
            as_base = None          # WQL is polymorphic: derived objects keep their own element
        elif params.filter_dialect == DIALECT_ASSOC:
            raise f_filter('The association filter needs the ResourceURI %s* (or %s), not a class URI.'
                           % (CIMV2, DMTF_ALL))
        else:
            raise Fault('n:FilterDialectRequestedUnavailable', R_DIALECT, E_FILTER_DIALECT,
                        'The filter dialect %s is not supported.' % params.filter_dialect, None, FAULT_ENUM)
        if sel_filter:
            conds = []
            for n, v in sel_filter:
                pn = cls.prop_map.get(n.lower())
                if pn is None or not isinstance(v, str):
                    raise f_filter('The selector filter names %s, which is not a property of %s.'
                                   % (n, cls.name))
                conds.append((pn, v.casefold()))
            base = records
            records = (r for r in base if all(r[1].get(pn) is not None and str(r[1].get(pn)).casefold() == v
                                              for pn, v in conds))
            total = None
        render = renderer(params.mode, only, as_base)
        return (render(r) for r in records), total


class WmiWildcard(Resource):
    """…/root/cimv2/* and http://schemas.dmtf.org/wbem/wscim/1/*: Enumerate with a WQL or association
    filter."""
    known_options = frozenset(['__cimnamespace'])
    enumerable = True

    def __init__(self, app, uri, wql_ok):
        Resource.__init__(self, app)
        self.uri, self.wql_ok = uri, wql_ok

    def enumerate(self, req, params):
        if req.fragment:
            raise f_unsupported('Enumerate does not support fragment transfer here.', 'FragmentLevelAccess')
        for n, v in req.selectors:
            if n.lower() != '__cimnamespace':
                raise f_selectors('Only the __cimnamespace selector is allowed with %s.' % req.resource_uri)
            check_cim_namespace(v)
        st = self.app.store
        if params.filter_dialect is None:
            raise f_filter('Enumerating %s needs a filter (WQL or association).' % req.resource_uri)
        if params.filter_dialect == DIALECT_WQL and self.wql_ok:
            q = self.app.wql(text_of(params.filter_elem))
            records = (r for r in st.iter_class(q.cls, 'IncludeSubClassProperties')
                       if q.where is None or q.where(r[1]))
            return (renderer(params.mode, q.only)(r) for r in records), None
        if params.filter_dialect == DIALECT_ASSOC:
            return self.association(params)
        if params.filter_dialect in (DIALECT_WQL, DIALECT_SELECTOR):
            raise f_filter('The %s dialect cannot be used with %s.'
                           % (params.filter_dialect, req.resource_uri))
        raise Fault('n:FilterDialectRequestedUnavailable', R_DIALECT, E_FILTER_DIALECT,
                    'The filter dialect %s is not supported.' % params.filter_dialect, None, FAULT_ENUM)

    def association(self, params):
        st = self.app.store
        f = first_child(params.filter_elem)
        if f is None or f.tag not in (qn(NS_B, 'AssociatedInstances'), qn(NS_B, 'AssociationInstances')):
            raise f_filter('The association filter must hold b:AssociatedInstances or '
                           'b:AssociationInstances.')
        associated = f.tag == qn(NS_B, 'AssociatedInstances')
        fields = {'Object': None, 'AssociationClassName': None, 'Role': None, 'ResultClassName': None,
                  'ResultRole': None}
        include = []
        for c in children(f):
            ns, local = split_tag(c.tag)
            if ns != NS_B or (local not in fields and local != 'IncludeResultProperty') or \
                    (not associated and local in ('AssociationClassName', 'ResultRole')):
                raise f_filter('{%s}%s is not allowed in b:%s.' % (ns, local, split_tag(f.tag)[1]))
            if local == 'IncludeResultProperty':
                include.append(text_of(c))
            elif local == 'Object':
                fields['Object'] = c
            else:
                fields[local] = text_of(c)
        if fields['Object'] is None:
            raise f_filter('The association filter has no b:Object.')
        parsed = parse_epr_elem(fields['Object'])
        if parsed is None:
            raise f_filter('b:Object is not an EPR with a:ReferenceParameters/w:ResourceURI.')
        uri, sels = parsed
        res = self.app.resolve_or_none(uri)
        if not isinstance(res, WmiResource):
            raise f_filter('b:Object names %s, which is not a WMI class of this server.' % uri)
        try:
            keys = res.key_values(None, sels)
        except Fault as e:
            raise f_filter('b:Object has bad selectors: %s' % e.message)
        src = None
        if res.cls in (CIM_SERVICE, WIN32_SERVICE):
            src = st.find_service_like(res.cls, keys['Name'])
        if src is None:
            raise f_filter('b:Object (%s) names no existing instance.' % ', '.join('%s=%s' % kv for kv in
                                                                                 keys.items()))
        src_name = src[1]['Name'] if src[0] is WIN32_SERVICE else None
        role = fields['Role']
        roles = ['Antecedent', 'Dependent']
        if role is not None:
            roles = [r for r in roles if r.lower() == role.lower()]
        assoc_name = fields['AssociationClassName']
        if associated:
            result_cls = WIN32_SERVICE
            if assoc_name is not None and assoc_name.lower() != WIN32_DEPENDENT.name.lower():
                roles = []
            rc = fields['ResultClassName']
            if rc is not None:
                want = CLASSES.get(rc.lower())
                if want is None or not WIN32_SERVICE.is_a(want):
                    roles = []
                elif want is CIM_SERVICE:
                    result_cls = CIM_SERVICE
            rr = fields['ResultRole']
            if rr is not None:
                roles = [r for r in roles if ('Dependent' if r == 'Antecedent' else 'Antecedent').lower()
                         == rr.lower()]
            only = None
            if include:
                only = set()
                for p in include:
                    pn = result_cls.prop_map.get(p.lower())
                    if pn is None:
                        raise f_filter('IncludeResultProperty %s is not a property of %s.'
                                       % (p, result_cls.name))
                    only.add(pn)

            def gen():
                if src_name is None:
                    return
                for r in roles:
                    for name in st.dep_results(src_name, r):
                        yield WIN32_SERVICE, st.svc_get(name)
            render = renderer(params.mode, only)
            return (render(rec) for rec in gen()), None
        rc = fields['ResultClassName']
        if rc is not None and rc.lower() != WIN32_DEPENDENT.name.lower():
            roles = []
        only = None
        if include:
            only = set()
            for p in include:
                pn = WIN32_DEPENDENT.prop_map.get(p.lower())
                if pn is None:
                    raise f_filter('IncludeResultProperty %s is not a property of %s.'
                                   % (p, WIN32_DEPENDENT.name))
                only.add(pn)

        def gen2():
            if src_name is None:
                return
            for r in roles:
                for other in st.dep_results(src_name, r):
                    ant, dep = (src_name, other) if r == 'Antecedent' else (other, src_name)
                    yield WIN32_DEPENDENT, st.dep_props(ant, dep)
        render = renderer(params.mode, only)
        return (render(rec) for rec in gen2()), None


class EchoResource(Resource):
    name = 'echo'
    accepts_any_option = True
    supports_fragment = True
    enumerable = True
    uri = ECHO_URI

    def get(self, req):
        return render_echo(req)

    put = delete = get

    def create(self, req):
        return ('<x:ResourceCreated><a:Address>%s</a:Address><a:ReferenceParameters><w:ResourceURI>%s'
                '</w:ResourceURI></a:ReferenceParameters></x:ResourceCreated>%s'
                % (esc(req.to or ANONYMOUS), ECHO_URI, render_echo(req)))

    def method_of(self, req):
        return req.action

    def invoke(self, req, method):
        return render_echo(req)

    def enumerate(self, req, params):
        if params.filter_dialect is not None:
            raise Fault('n:FilteringNotSupported', R_FILTERING, E_FILTERING_NOT_SUPPORTED,
                        'The echo resource does not support filters.', None, FAULT_ENUM)
        echo = render_echo(req)
        epr = ('<a:EndpointReference><a:Address>%s</a:Address><a:ReferenceParameters><w:ResourceURI>%s'
               '</w:ResourceURI></a:ReferenceParameters></a:EndpointReference>' % (ANONYMOUS, ECHO_URI))
        item = echo if params.mode is None else epr if params.mode == 'EnumerateEPR' else \
            '<w:Item>%s%s</w:Item>' % (echo, epr)
        return iter([item]), 1


class CredsspLastResource(Resource):
    """--auth credssp: Get → the last credentials delegated over CredSSP (README "CredSSP")."""
    name = 'credssp-last'
    uri = credssp_server.LAST_URI

    def get(self, req):
        self.no_selectors(req)
        return self.app.credssp.last_xml()


def render_echo(req):
    """<e:Echo> describing what the request carried (tests use it to check what the client sent)."""
    hc = req.http
    out = ['<e:Echo xmlns:e="%s">' % NS_ECHO]
    out.append('<e:Http Method="%s" Path="%s" Charset="%s" Auth="%s" Tls="%s"/>'
               % (esc_attr(hc.method), esc_attr(hc.path), hc.charset, hc.auth, 'true' if hc.tls else 'false'))
    for name, value in hc.headers:
        if name.lower() in ('authorization', 'proxy-authorization'):
            value = value.strip().split(' ', 1)[0] + ' (redacted)'
        out.append('<e:HttpHeader Name="%s">%s</e:HttpHeader>' % (esc_attr(name), esc(value)))
    out.append('<e:Action>%s</e:Action>' % esc(req.action or ''))
    for h in req.header_elems:
        ns, local = split_tag(h.tag)
        out.append('<e:Header Namespace="%s" Name="%s">' % (esc_attr(ns), esc_attr(local)))
        for an, av in h.attrib.items():
            ans, alocal = split_tag(an)
            out.append('<e:Attribute Namespace="%s" Name="%s">%s</e:Attribute>'
                       % (esc_attr(ans), esc_attr(alocal), esc(av)))
        out.append('<e:Text>%s</e:Text>' % esc(''.join(h.itertext())))
        out.append('<e:Xml>%s</e:Xml>' % esc(etree.tostring(h, encoding=str, with_tail=False)))
        out.append('</e:Header>')
    if req.optionset_present:
        out.append('<e:OptionSet MustUnderstand="%s">' % ('true' if req.optionset_mu else 'false'))
        for o in req.options:
            attrs = 'Name="%s" MustComply="%s" Nil="%s"' % (
                esc_attr(o.name), 'true' if o.must_comply else 'false', 'true' if o.nil else 'false')
            if o.type is not None:
                attrs += ' Type="%s"' % esc_attr(o.type)
            out.append('<e:Option %s>%s</e:Option>' % (attrs, esc(o.value)))
        out.append('</e:OptionSet>')
    if req.selectors:
        out.append('<e:SelectorSet>')
        for n, v in req.selectors:
            if isinstance(v, str):
                out.append('<e:Selector Name="%s">%s</e:Selector>' % (esc_attr(n), esc(v)))
            else:
                out.append('<e:Selector Name="%s" Epr="true">%s</e:Selector>'
                           % (esc_attr(n), etree.tostring(v, encoding=str, with_tail=False)))
        out.append('</e:SelectorSet>')
    if req.fragment:
        out.append('<e:Fragment Dialect="%s">%s</e:Fragment>'
                   % (esc_attr(req.fragment[1]), esc(req.fragment[0])))
    out.append('<e:Body>')
    if req.body is not None:
        for c in children(req.body):
            out.append(etree.tostring(c, encoding=str, with_tail=False))
    out.append('</e:Body></e:Echo>')
    return ''.join(out)


# -- winrm config --
def _cfg_leaf_kind(value):
    if value in ('true', 'false'):
        return 'bool'
    if value.isdigit():
        return 'int'
    return 'str'


CONFIG_PATHS = {
    '': ('Config',), '/client': ('Client',), '/client/auth': ('Client', 'Auth'),
    '/client/defaultports': ('Client', 'DefaultPorts'), '/service': ('Service',),
    '/service/auth': ('Service', 'Auth'), '/service/defaultports': ('Service', 'DefaultPorts'),
    '/winrs': ('Winrs',),
}
CONFIG_MINIMA = {('MaxEnvelopeSizekb',): 32, ('MaxTimeoutms',): 500, ('MaxBatchItems',): 1}


class ConfigResource(Resource):
    def __init__(self, app, suffix):
        Resource.__init__(self, app)
        self.suffix = suffix
        self.path = CONFIG_PATHS[suffix]
        self.uri = NS_CFG + suffix
        self.name = 'config' + suffix
        self.elem_name = self.path[-1]

    def section(self):
        node = self.app.config
        for p in self.path[1:] if self.path[0] == 'Config' else self.path:
            node = node[p]
        return node

    def render(self, node, name, decl):
        parts = ['<cfg:%s%s>' % (name, decl)]
        for k, v in node.items():
            if isinstance(v, dict):
                parts.append(self.render(v, k, ''))
            else:
                parts.append('<cfg:%s>%s</cfg:%s>' % (k, esc(v), k))
        parts.append('</cfg:%s>' % name)
        return ''.join(parts)

    def render_self(self):
        return self.render(self.section(), self.elem_name, ' xmlns:cfg="%s"' % self.uri)

    def get(self, req):
        self.no_selectors(req)
        with self.app.store.lock:
            return self.render_self()

    def collect(self, el, node, prefix, changes):
        for c in children(el):
            ns, local = split_tag(c.tag)
            if ns not in (self.uri, NS_CFG) or local not in node:
                raise f_representation('{%s}%s is not a setting of %s.'
                                       % (ns, local, '/'.join(prefix) or 'Config'))
            cur = node[local]
            if isinstance(cur, dict):
                self.collect(c, cur, prefix + (local,), changes)
                continue
            if first_child(c) is not None:
                raise f_representation('The setting %s must hold text, not elements.' % local)
            value = (c.text or '').strip()
            kind = _cfg_leaf_kind(cur)
            if kind == 'bool':
                if value.lower() not in ('true', 'false'):
                    raise f_parameter('The setting %s needs true or false, not %r.' % (local, value))
                value = value.lower()
            elif kind == 'int':
                if not value.isdigit() or int(value) > 4294967295:
                    raise f_parameter('The setting %s needs a number, not %r.' % (local, value))
                low = CONFIG_MINIMA.get(prefix + (local,))
                if low is not None and int(value) < low:
                    raise f_parameter('The setting %s must be at least %d.' % (local, low))
                value = str(int(value))
            changes.append((node, local, value))

    def put(self, req):
        self.no_selectors(req)
        el = req.body_elem()
        if el is None:
            raise f_representation('The Put body is empty; it must hold cfg:%s.' % self.elem_name)
        ns, local = split_tag(el.tag)
        if local != self.elem_name or ns not in (self.uri, NS_CFG):
            raise f_representation('The body element is {%s}%s, but {%s}%s was expected.'
                                   % (ns, local, self.uri, self.elem_name))
        with self.app.store.lock:
            node = self.section()
            changes = []
            prefix = self.path[1:] if self.path[0] == 'Config' else self.path
            self.collect(el, node, tuple(prefix), changes)
            for n, k, v in changes:
                n[k] = v
            return self.render_self()


class ListenerResource(Resource):
    name = 'config/listener'
    enumerable = True
    uri = NS_CFG + '/listener'

    def listener_xml(self):
        app = self.app
        return ('<cfg:Listener xmlns:cfg="%s"><cfg:Address>*</cfg:Address><cfg:Transport>%s</cfg:Transport>'
                '<cfg:Port>%d</cfg:Port><cfg:Hostname></cfg:Hostname><cfg:Enabled>true</cfg:Enabled>'
                '<cfg:URLPrefix>wsman</cfg:URLPrefix>'
                '<cfg:CertificateThumbprint>%s</cfg:CertificateThumbprint>'
                '<cfg:ListeningOn>%s</cfg:ListeningOn></cfg:Listener>'
                % (self.uri, app.transport, app.port, app.thumbprint, esc(app.bind)))

    def epr(self):
        return ('<a:EndpointReference><a:Address>%s</a:Address><a:ReferenceParameters><w:ResourceURI>%s'
                '</w:ResourceURI><w:SelectorSet><w:Selector Name="Address">*</w:Selector>'
                '<w:Selector Name="Transport">%s</w:Selector></w:SelectorSet></a:ReferenceParameters>'
                '</a:EndpointReference>'
                % (ANONYMOUS, self.uri, self.app.transport))

    def get(self, req):
        given = {n.lower(): (n, v) for n, v in req.selectors}
        extra = [n for n, _ in given.values() if n.lower() not in ('address', 'transport')]
        if extra:
            raise f_selectors('The selector(s) %s are not keys of the listener (Address, Transport).'
                              % ', '.join(extra))
        missing = [k for k in ('Address', 'Transport') if k.lower() not in given]
        if missing:
            raise f_selectors('The listener needs the selector(s) %s.' % ', '.join(missing),
                              'InsufficientSelectors')
        addr, tr = given['address'][1], given['transport'][1]
        if addr != '*' or not isinstance(tr, str) or tr.upper() != self.app.transport:
            raise f_selectors('There is no listener with Address=%s and Transport=%s (only Address=*, '
                              'Transport=%s).' % (addr, tr, self.app.transport), 'InvalidValue')
        return self.listener_xml()

    def enumerate(self, req, params):
        self.no_selectors(req)
        if params.filter_dialect is not None:
            raise Fault('n:FilteringNotSupported', R_FILTERING, E_FILTERING_NOT_SUPPORTED,
                        'The listener resource does not support filters.', None, FAULT_ENUM)
        obj, epr = self.listener_xml(), self.epr()
        item = obj if params.mode is None else epr if params.mode == 'EnumerateEPR' else \
            '<w:Item>%s%s</w:Item>' % (obj, epr)
        return iter([item]), 1


# ------------------------------------------------------------------------------------------------------------
# Windows Remote Shell (cmd): runs real commands on this machine, only with --allow-shell
# ------------------------------------------------------------------------------------------------------------
NS_RSP = 'http://schemas.microsoft.com/wbem/wsman/1/windows/shell'
SHELL_CMD_URI = NS_RSP + '/cmd'
ACT_SHELL_COMMAND = NS_RSP + '/Command'
ACT_SHELL_RECEIVE = NS_RSP + '/Receive'
ACT_SHELL_SEND = NS_RSP + '/Send'
ACT_SHELL_SIGNAL = NS_RSP + '/Signal'
STATE_DONE = NS_RSP + '/CommandState/Done'
STATE_RUNNING = NS_RSP + '/CommandState/Running'
SIGNAL_TERMINATE = NS_RSP + '/signal/terminate'
SIGNAL_CTRL_C = NS_RSP + '/signal/ctrl_c'
SIGNAL_CTRL_BREAK = NS_RSP + '/signal/ctrl_break'
SIGNAL_PS_CTRL_C = 'powershell/signal/ctrl_c'
SHELL_OPTIONS = frozenset(['WINRS_NOPROFILE', 'WINRS_CODEPAGE', 'WINRS_CONSOLEMODE_STDIN',
                           'WINRS_SKIP_CMD_SHELL', 'WSMAN_CMDSHELL_OPTION_KEEPALIVE'])
MAX_SHELLS = 64
SHELL_CHUNK = 65536             # decoded bytes per rsp:Stream element, as WinRM
SHELL_BUFFER_CAP = 1 << 20      # per stream: beyond this the pipe is not read (flow control, like WinRM)
SHELL_IDLE_DEFAULT_MS = 7200000
SHELL_IDLE_MIN_MS = 60000       # Windows treats smaller IdleTimeOut values as 60 s
SHELL_EOF_GRACE_S = 2.0         # after the process exits: how long a background child may hold the pipes
E_REMOTESHELLS_NOT_ALLOWED = 0x803381AC
E_QUOTA_MAX_SHELLS = 0x803381A5
E_WIN32_INVALID_PARAMETER = 87
E_FILE_NOT_FOUND = 0x80070002
E_DIRECTORY_INVALID = 0x8007010B
E_ACCESS_DENIED_HR = 0x80070005
R_ACCESS_DENIED = 'Access is denied. '
R_QUOTA_SHELLS = ('The WS-Management service cannot process the request. The maximum number of concurrent '
                  'shells for this user has been exceeded. Close existing shells or raise the quota for this '
                  'user. ')
R_SHELL_DISABLED = ('The WS-Management service cannot process the request. The service is configured to not '
                    'accept any remote shell requests. ')
R_NO_SUCH_COMMAND = ('The Windows Remote Shell received a request to perform an operation on a command '
                     'identifier that does not exist. Either the command has completed execution or the '
                     'client specified an invalid command identifier. ')


def f_no_shell(sid):
    return f_selectors('The request for the Windows Remote Shell with ShellId %s failed because the shell '
                       'was not found on the server. Possible causes are: the specified ShellId is incorrect '
                       'or the shell no longer exists on the server. Provide the correct ShellId or create a '
                       'new shell and retry the operation. ' % sid)


def f_shell_parameter(msg):
    # What the cmd shell plugin answers for a bad Receive/Send/Signal (pypsrp vectors 028, 059): Code 87.
    return f_parameter(msg, E_WIN32_INVALID_PARAMETER)


def f_shell_internal(code, reason, msg):
    return Fault('w:InternalError', reason, code, msg, None, FAULT_WSMAN, 's:Receiver')


def shell_duration(ms):
    """Milliseconds → the P0DT0H0M0S form of rsp:ShellRunTime."""
    s = int(ms // 1000)
    return 'P%dDT%dH%dM%dS' % (s // 86400, s % 86400 // 3600, s % 3600 // 60, s % 60)


def option_true(req, name):
    o = req.option(name)
    return o is not None and o.value.strip().lower() in ('true', '1')


def request_user(hc):
    """The Basic/Digest user name of the request (for rsp:Owner), '' for other schemes."""
    for name, value in hc.headers:
        if name.lower() != 'authorization':
            continue
        scheme, _, rest = value.strip().partition(' ')
        if scheme.lower() == 'basic':
            try:
                raw = base64.b64decode(rest.strip(), validate=True)
                return raw.decode('utf-8', 'replace').partition(':')[0]
            except (binascii.Error, ValueError):
                return ''
        if scheme.lower() == 'digest':
            m = re.search(r'username="((?:[^"\\]|\\.)*)"', rest)
            return m.group(1) if m else ''
    return ''


def signal_group(proc, sig):
    """Sends sig to the command's process group (its own session: start_new_session=True)."""
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


class ShellCommand:
    """A running command: the process (leader of its own process group), two threads that read its stdout and
    stderr pipes as the bytes come, and the output kept in arrival order until a Receive takes it."""

    def __init__(self, cid, proc):
        self.id = cid
        self.proc = proc
        self.cond = threading.Condition()
        self.chunks = []                           # [[stream name, bytearray]] in arrival order
        self.buffered = {'stdout': 0, 'stderr': 0}
        self.eof = {'stdout': False, 'stderr': False}
        self.in_read = {'stdout': False, 'stderr': False}
        self.exit_code = None                      # set when the process has exited
        self.grace_over = False
        self.stopped = False                       # terminated or its shell deleted
        self.stdin_lock = threading.Lock()
        self.stdin_open = True
        for name, pipe in (('stdout', proc.stdout), ('stderr', proc.stderr)):
            threading.Thread(target=self.reader, args=(name, pipe), daemon=True).start()
        threading.Thread(target=self.waiter, daemon=True).start()

    def reader(self, name, pipe):
        fd = pipe.fileno()
        try:
            while True:
                with self.cond:
                    while self.buffered[name] >= SHELL_BUFFER_CAP and not self.stopped:
                        self.cond.wait()
                    if self.stopped:
                        break
                    self.in_read[name] = True
                try:
                    data = os.read(fd, SHELL_CHUNK)
                except OSError:
                    data = b''
                with self.cond:
                    self.in_read[name] = False
                    if not data:
                        break
                    if self.chunks and self.chunks[-1][0] == name:
                        self.chunks[-1][1] += data
                    else:
                        self.chunks.append([name, bytearray(data)])
                    self.buffered[name] += len(data)
                    self.cond.notify_all()
        finally:
            pipe.close()
            with self.cond:
                self.eof[name] = True
                self.cond.notify_all()

    def waiter(self):
        rc = self.proc.wait()
        with self.cond:
            # Killed by a signal: what a POSIX shell reports (128 + signal number).
            self.exit_code = rc if rc >= 0 else 128 - rc
            self.cond.notify_all()
            # The pipes reach EOF when every process that holds them has gone. A background child that keeps
            # them open must not keep the command Running for ever once the command itself has exited.
            self.cond.wait_for(lambda: all(self.eof.values()), SHELL_EOF_GRACE_S)
            self.grace_over = True
            self.cond.notify_all()

    def complete(self, desired):
        """Exited and every byte of the desired streams has been delivered (caller holds cond). Streams a
        Receive does not ask for do not hold it up; their output stays for a Receive that does."""
        if self.exit_code is None:
            return False
        for s in desired:
            if self.buffered[s]:
                return False
            if not self.eof[s] and not (self.grace_over and self.in_read[s]):
                return False
        return True

    def has_output(self, desired):
        return any(self.buffered[s] for s in desired)

    def stop(self):
        """terminate: kills the process group, stops the readers, closes stdin."""
        signal_group(self.proc, signal.SIGKILL)
        with self.cond:
            self.stopped = True
            self.cond.notify_all()
        with self.stdin_lock:
            if self.stdin_open:
                self.stdin_open = False
                try:
                    self.proc.stdin.close()
                except OSError:
                    pass


class Shell:
    def __init__(self, sid, owner, client_ip, cwd, env, idle_ms, input_streams, output_streams, codepage,
                 env_xml):
        self.id = sid
        self.owner, self.client_ip = owner, client_ip
        self.cwd, self.env, self.env_xml = cwd, env, env_xml
        self.idle_ms = idle_ms
        self.input_streams, self.output_streams = input_streams, output_streams
        self.codepage = codepage
        self.created = time.monotonic()
        self.last_used = self.created
        self.commands = {}                         # upper-case CommandId → ShellCommand

    def xml(self):
        now = time.monotonic()
        parts = ['<rsp:Shell xmlns:rsp="%s"><rsp:ShellId>%s</rsp:ShellId>'
                 '<rsp:ResourceUri>%s</rsp:ResourceUri><rsp:Owner>%s</rsp:Owner>'
                 '<rsp:ClientIP>%s</rsp:ClientIP>'
                 % (NS_RSP, self.id, SHELL_CMD_URI, esc(self.owner), esc(self.client_ip))]
        if self.cwd is not None:
            parts.append('<rsp:WorkingDirectory>%s</rsp:WorkingDirectory>' % esc(self.cwd))
        parts.append(self.env_xml)
        parts.append('<rsp:IdleTimeOut>PT%d.%03dS</rsp:IdleTimeOut><rsp:InputStreams>%s</rsp:InputStreams>'
                     '<rsp:OutputStreams>%s</rsp:OutputStreams><rsp:ShellRunTime>%s</rsp:ShellRunTime>'
                     '<rsp:ShellInactivity>%s</rsp:ShellInactivity></rsp:Shell>'
                     % (self.idle_ms // 1000, self.idle_ms % 1000, esc(' '.join(self.input_streams)),
                        esc(' '.join(self.output_streams)), shell_duration((now - self.created) * 1000),
                        shell_duration((now - self.last_used) * 1000)))
        return ''.join(parts)

    def close(self):
        for cmd in list(self.commands.values()):
            cmd.stop()
        self.commands.clear()


class ShellResource(Resource):
    """http://schemas.microsoft.com/wbem/wsman/1/windows/shell/cmd, the cmd shell as WinRM serves it: Create,
    Command, Send, Receive, Signal, Delete (and Get of a shell). Commands really run here, as
    `/bin/sh -c "<Command> <Arguments…>"` (cmd.exe /c on Windows), in their own process group."""
    name = 'shell/cmd'
    known_options = SHELL_OPTIONS
    uri = SHELL_CMD_URI

    def __init__(self, app):
        Resource.__init__(self, app)
        self.lock = threading.Lock()
        self.shells = {}                           # upper-case ShellId → Shell

    def enabled(self):
        return bool(self.app.args.allow_shell) and \
            self.app.config['Winrs'].get('AllowRemoteShellAccess') == 'true'

    def check_options(self, req):
        if not self.enabled():
            raise Fault('w:AccessDenied', R_ACCESS_DENIED, E_REMOTESHELLS_NOT_ALLOWED, R_SHELL_DISABLED +
                        '(This test server runs shell commands only when it was started with --allow-shell.)')
        Resource.check_options(self, req)

    def close_all(self):
        with self.lock:
            shells = list(self.shells.values())
            self.shells.clear()
        for sh in shells:
            sh.close()

    def sweep(self, now):
        """Forgets shells idle for longer than their IdleTimeOut (caller holds lock); returns them."""
        dead = [k for k, sh in self.shells.items() if (now - sh.last_used) * 1000 > sh.idle_ms]
        return [self.shells.pop(k) for k in dead]

    def shell_of(self, req):
        sid = None
        for n, v in req.selectors:
            if n.lower() != 'shellid' or not isinstance(v, str):
                raise f_selectors('The selector %s is not a key of the shell resource %s (only ShellId is).'
                                  % (n, SHELL_CMD_URI))
            sid = v
        if sid is None:
            raise f_selectors('The request to the shell resource %s has no ShellId selector.' % SHELL_CMD_URI,
                              'InsufficientSelectors')
        key = sid.upper()
        if key.startswith('UUID:'):
            key = key[5:]
        now = time.monotonic()
        with self.lock:
            expired = self.sweep(now)
            sh = self.shells.get(key)
            if sh is not None:
                sh.last_used = now
        for old in expired:
            old.close()
        if sh is None:
            raise f_no_shell(sid)
        return sh

    @staticmethod
    def command_id(el, what):
        cid = (el.get('CommandId') or '').strip() if el is not None else ''
        if not cid:
            raise f_shell_parameter('The %s request names no CommandId; a command of the cmd shell needs one.'
                                    % what)
        return cid

    def command_of(self, sh, cid):
        with self.lock:
            cmd = sh.commands.get(cid.upper())
        if cmd is None:
            raise f_selectors(R_NO_SUCH_COMMAND + '(CommandId %s, ShellId %s)' % (cid, sh.id))
        return cmd

    # -- WS-Transfer --
    def create(self, req):
        self.no_selectors(req)
        el = req.body_elem()
        if el is None or el.tag != qn(NS_RSP, 'Shell'):
            raise f_representation('A Create of %s needs an rsp:Shell body (namespace %s); the body holds %s.'
                                   % (SHELL_CMD_URI, NS_RSP, 'nothing' if el is None else el.tag))
        inputs, outputs = ['stdin'], ['stdout', 'stderr']
        cwd, env, env_parts, idle_ms = None, {}, [], SHELL_IDLE_DEFAULT_MS
        for c in children(el):
            if c.tag == qn(NS_RSP, 'InputStreams'):
                inputs = text_of(c).split()
            elif c.tag == qn(NS_RSP, 'OutputStreams'):
                outputs = text_of(c).split()
            elif c.tag == qn(NS_RSP, 'WorkingDirectory'):
                cwd = text_of(c)
            elif c.tag == qn(NS_RSP, 'IdleTimeOut'):
                ms = parse_duration_ms(text_of(c))
                if ms is None:
                    raise f_shell_parameter('The rsp:IdleTimeOut %r is not an xs:duration.' % text_of(c))
                idle_ms = max(ms, SHELL_IDLE_MIN_MS)
            elif c.tag == qn(NS_RSP, 'Environment'):
                for v in children(c):
                    name = v.get('Name')
                    if v.tag != qn(NS_RSP, 'Variable') or not name or '=' in name or '\0' in name:
                        raise f_shell_parameter('An rsp:Environment child must be rsp:Variable with a Name '
                                                'without "=" (got %s Name=%r).' % (v.tag, name))
                    value = ''.join(v.itertext())
                    env[name] = value
                    env_parts.append('<rsp:Variable Name="%s">%s</rsp:Variable>'
                                     % (esc_attr(name), esc(value)))
        codepage = '437'
        o = req.option('WINRS_CODEPAGE')
        if o is not None:
            codepage = o.value.strip()
            if not codepage.isdigit():
                raise f_options('The option WINRS_CODEPAGE needs a code page number, not %r.' % o.value,
                                E_OPTIONS_INVALID_VALUE)
        env_xml = '<rsp:Environment>%s</rsp:Environment>' % ''.join(env_parts) if env_parts else ''
        sid = str(uuid.uuid4()).upper()
        sh = Shell(sid, request_user(req.http), req.http.client_ip, cwd, env, idle_ms, inputs, outputs,
                   codepage, env_xml)
        now = time.monotonic()
        with self.lock:
            expired = self.sweep(now)
            full = len(self.shells) >= MAX_SHELLS
            if not full:
                self.shells[sid] = sh
        for old in expired:
            old.close()
        if full:
            raise Fault('w:QuotaLimit', R_QUOTA_SHELLS, E_QUOTA_MAX_SHELLS,
                        'The WS-Management service cannot process the request. This user is allowed a '
                        'maximum number of %d concurrent shells, which has been exceeded. Close existing '
                        'shells or raise the quota for this user. ' % MAX_SHELLS)
        return ('<x:ResourceCreated><a:Address>%s</a:Address><a:ReferenceParameters><w:ResourceURI>%s'
                '</w:ResourceURI><w:SelectorSet><w:Selector Name="ShellId">%s</w:Selector></w:SelectorSet>'
                '</a:ReferenceParameters></x:ResourceCreated>%s'
                % (esc(req.to or ANONYMOUS), SHELL_CMD_URI, sid, sh.xml()))

    def get(self, req):
        return self.shell_of(req).xml()

    def delete(self, req):
        sh = self.shell_of(req)
        with self.lock:
            gone = self.shells.pop(sh.id, None)
        if gone is None:
            raise f_no_shell(sh.id)
        gone.close()
        return ''

    # -- shell actions --
    def method_of(self, req):
        return {ACT_SHELL_COMMAND: 'Command', ACT_SHELL_RECEIVE: 'Receive', ACT_SHELL_SEND: 'Send',
                ACT_SHELL_SIGNAL: 'Signal'}.get(req.action)

    def invoke(self, req, method):
        sh = self.shell_of(req)
        return getattr(self, 'do_' + method.lower())(req, sh)

    def do_command(self, req, sh):
        el = req.body_elem()
        if el is None or el.tag != qn(NS_RSP, 'CommandLine'):
            raise f_representation('A Command request needs an rsp:CommandLine body (namespace %s).' % NS_RSP)
        command, args = None, []
        for c in children(el):
            # Values are trimmed: the MS-WSMV examples put them on lines of their own.
            if c.tag == qn(NS_RSP, 'Command') and command is None:
                command = ''.join(c.itertext()).strip()
            elif c.tag == qn(NS_RSP, 'Arguments'):
                args.append(''.join(c.itertext()).strip())
        if not command:
            raise f_representation('The rsp:CommandLine has no (or an empty) rsp:Command.')
        if any('\0' in a for a in [command] + args):
            raise f_shell_parameter('The command line contains a NUL character.')
        cid = (el.get('CommandId') or '').strip().upper() or str(uuid.uuid4()).upper()
        env = dict(os.environ)
        env.update(sh.env)
        cwd = sh.cwd if sh.cwd is not None else (os.environ.get('HOME') or '/')
        if option_true(req, 'WINRS_SKIP_CMD_SHELL'):
            argv = [command] + args             # run directly, like WinRM without cmd.exe
        else:
            argv = ['/bin/sh', '-c', ' '.join([command] + args)]
        with self.lock:
            if cid in sh.commands:
                raise f_shell_parameter('The shell %s already has a command with CommandId %s.'
                                        % (sh.id, cid))
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, cwd=cwd, env=env, start_new_session=True,
                                    close_fds=True)
        except NotADirectoryError:
            raise f_shell_internal(E_DIRECTORY_INVALID, 'The directory name is invalid. ',
                                   'The directory name is invalid. (WorkingDirectory %s)' % cwd)
        except FileNotFoundError as e:
            bad_dir = e.filename == cwd or not os.path.isdir(cwd)
            if bad_dir:
                raise f_shell_internal(E_DIRECTORY_INVALID, 'The directory name is invalid. ',
                                       'The directory name is invalid. (WorkingDirectory %s)' % cwd)
            raise f_shell_internal(E_FILE_NOT_FOUND, 'The system cannot find the file specified. ',
                                   'The system cannot find the file specified. (%s)' % command)
        except PermissionError as e:
            raise f_shell_internal(E_ACCESS_DENIED_HR, R_ACCESS_DENIED, 'Access is denied. (%s)' % e)
        except OSError as e:
            raise f_shell_internal(E_FAIL, 'The command could not be started. ',
                                   'The command could not be started: %s' % e)
        cmd = ShellCommand(cid, proc)
        with self.lock:
            sh.commands[cid] = cmd
            alive = self.shells.get(sh.id) is sh
        if not alive:                           # the shell was deleted meanwhile
            cmd.stop()
            raise f_no_shell(sh.id)
        return ('<rsp:CommandResponse xmlns:rsp="%s"><rsp:CommandId>%s</rsp:CommandId></rsp:CommandResponse>'
                % (NS_RSP, cid))

    def do_send(self, req, sh):
        el = req.body_elem()
        if el is None or el.tag != qn(NS_RSP, 'Send'):
            raise f_representation('A Send request needs an rsp:Send body (namespace %s).' % NS_RSP)
        streams = [c for c in children(el) if c.tag == qn(NS_RSP, 'Stream')]
        if not streams:
            raise f_shell_parameter('The rsp:Send holds no rsp:Stream.')
        for st in streams:
            name = st.get('Name')
            if name not in sh.input_streams:
                raise f_shell_parameter('The shell %s has no input stream %r (it has: %s).'
                                        % (sh.id, name, ' '.join(sh.input_streams)))
            cmd = self.command_of(sh, self.command_id(st, 'Send'))
            try:
                data = base64.b64decode(''.join(st.itertext()).strip(), validate=True)
            except (binascii.Error, ValueError):
                raise f_shell_parameter('The rsp:Stream %s of the Send is not base64.' % name)
            end = (st.get('End') or '').strip().lower() in ('true', '1')
            with cmd.stdin_lock:
                if not cmd.stdin_open:
                    if data or not end:
                        raise f_shell_parameter('The stdin of command %s was closed by an earlier Send with '
                                                'End="true".' % cmd.id)
                    continue
                try:
                    if data:
                        cmd.proc.stdin.write(data)
                        cmd.proc.stdin.flush()
                except OSError:
                    pass                        # the command has exited or closed its stdin: like a pipe
                if end:
                    cmd.stdin_open = False
                    try:
                        cmd.proc.stdin.close()
                    except OSError:
                        pass
        return '<rsp:SendResponse xmlns:rsp="%s"/>' % NS_RSP

    def receive_body(self, cid, parts, desired, done, exit_code, seq):
        out = ['<rsp:ReceiveResponse xmlns:rsp="%s"%s>' % (NS_RSP, ' SequenceId="%s"' % esc_attr(seq)
                                                          if seq is not None else '')]
        for name, data in parts:
            out.append('<rsp:Stream Name="%s" CommandId="%s">%s</rsp:Stream>'
                       % (name, cid, base64.b64encode(data).decode('ascii')))
        if done:
            for name in desired:
                out.append('<rsp:Stream Name="%s" CommandId="%s" End="true"></rsp:Stream>' % (name, cid))
            out.append('<rsp:CommandState CommandId="%s" State="%s"><rsp:ExitCode>%d</rsp:ExitCode>'
                       '</rsp:CommandState>' % (cid, STATE_DONE, exit_code))
        else:
            out.append('<rsp:CommandState CommandId="%s" State="%s"></rsp:CommandState>'
                       % (cid, STATE_RUNNING))
        out.append('</rsp:ReceiveResponse>')
        return ''.join(out)

    def do_receive(self, req, sh):
        el = req.body_elem()
        if el is None or el.tag != qn(NS_RSP, 'Receive'):
            raise f_representation('A Receive request needs an rsp:Receive body (namespace %s).' % NS_RSP)
        ds = el.find(qn(NS_RSP, 'DesiredStream'))
        cmd = self.command_of(sh, self.command_id(ds, 'Receive'))
        desired = [s for s in ('stdout', 'stderr') if s in text_of(ds).split()]
        if not desired:
            raise f_shell_parameter('The rsp:DesiredStream %r names neither stdout nor stderr.' % text_of(ds))
        seq = el.get('SequenceId')
        # Room for stream data: the envelope limit minus the reply around it (a Done reply, the longest).
        utf = 2 if req.utf16 else 1
        skeleton = render_reply(ACT_SHELL_RECEIVE + 'Response', req.message_id,
                                self.receive_body(cmd.id, [], desired, True, 4294967295, seq))
        room = req.max_env - utf * len(skeleton.encode('utf-8')) - 64
        per = utf * len('<rsp:Stream Name="stdout" CommandId="%s"></rsp:Stream>' % cmd.id)
        deadline = time.monotonic() + req.timeout_ms / 1000.0
        parts = []
        with cmd.cond:
            while not cmd.has_output(desired) and not cmd.complete(desired):
                if cmd.stopped:
                    raise f_selectors(R_NO_SUCH_COMMAND + '(CommandId %s was terminated.)' % cmd.id)
                left = deadline - time.monotonic()
                if left <= 0 or self.app.stop.is_set():
                    # Nothing within OperationTimeout: WinRM's w:TimedOut; the client polls again.
                    raise f_timedout(R_TIMEDOUT)
                cmd.cond.wait(min(left, 1.0))
            i = 0
            while i < len(cmd.chunks):
                name, data = cmd.chunks[i]
                if name not in desired:
                    i += 1
                    continue
                n = min(len(data), SHELL_CHUNK, (room - per) // (4 * utf) * 3)
                if n <= 0:
                    break
                parts.append((name, bytes(data[:n])))
                del data[:n]
                cmd.buffered[name] -= n
                room -= per + utf * 4 * ((n + 2) // 3)
                if not data:
                    del cmd.chunks[i]
            cmd.cond.notify_all()               # room in the buffers: the readers go on
            done = cmd.complete(desired)
            exit_code = cmd.exit_code
        return self.receive_body(cmd.id, parts, desired, done, exit_code, seq)

    def do_signal(self, req, sh):
        el = req.body_elem()
        if el is None or el.tag != qn(NS_RSP, 'Signal'):
            raise f_representation('A Signal request needs an rsp:Signal body (namespace %s).' % NS_RSP)
        cmd = self.command_of(sh, self.command_id(el, 'Signal'))
        code = text_of(el.find(qn(NS_RSP, 'Code')))
        low = code.lower()
        if low == SIGNAL_TERMINATE.lower():
            # terminate ends the command for good: the process group is killed and the CommandId forgotten.
            with self.lock:
                sh.commands.pop(cmd.id, None)
            cmd.stop()
        elif low in (SIGNAL_CTRL_C.lower(), SIGNAL_PS_CTRL_C):
            signal_group(cmd.proc, signal.SIGINT)
        elif low == SIGNAL_CTRL_BREAK.lower():
            signal_group(cmd.proc, signal.SIGQUIT)
        else:
            raise f_shell_parameter('The signal code %r is not one of %s, %s, %s, %s.'
                                    % (code, SIGNAL_TERMINATE, SIGNAL_CTRL_C, SIGNAL_CTRL_BREAK,
                                       SIGNAL_PS_CTRL_C))
        return '<rsp:SignalResponse xmlns:rsp="%s"/>' % NS_RSP


# ------------------------------------------------------------------------------------------------------------
# The SOAP processor
# ------------------------------------------------------------------------------------------------------------
def render_reply(action, relates_to, body, extra_header=''):
    return ''.join((ENV_OPEN, '<s:Header><a:Action>', esc(action), '</a:Action><a:MessageID>', new_uuid(),
                    '</a:MessageID><a:To>', ANONYMOUS, '</a:To>',
                    ('<a:RelatesTo>%s</a:RelatesTo>' % esc(relates_to)) if relates_to else '',
                    extra_header, '</s:Header><s:Body>', body, '</s:Body></s:Envelope>'))


def render_fault(f, relates_to, machine):
    parts = [ENV_OPEN, '<s:Header><a:Action>', f.action, '</a:Action><a:MessageID>', new_uuid(),
             '</a:MessageID><a:To>', ANONYMOUS, '</a:To>']
    if relates_to:
        parts.append('<a:RelatesTo>%s</a:RelatesTo>' % esc(relates_to))
    parts.append(f.extra_header)
    parts.append('</s:Header><s:Body><s:Fault><s:Code><s:Value>%s</s:Value>' % f.value)
    if f.subcode:
        parts.append('<s:Subcode><s:Value%s>%s</s:Value></s:Subcode>' % (f.subcode_decl, f.subcode))
    parts.append('</s:Code><s:Reason><s:Text xml:lang="en-US">%s</s:Text></s:Reason><s:Detail>'
                 % esc(f.reason))
    if f.detail:
        parts.append('<w:FaultDetail>%s%s</w:FaultDetail>' % (FAULT_DETAIL, f.detail))
    parts.append('<f:WSManFault xmlns:f="%s" Code="%d" Machine="%s"><f:Message>%s</f:Message></f:WSManFault>'
                 % (NS_F, f.code, esc_attr(machine), esc(f.message)))
    parts.append('</s:Detail></s:Fault></s:Body></s:Envelope>')
    return ''.join(parts)


class Soap:
    def __init__(self, app):
        self.app = app

    def fault_bytes(self, f, relates_to, charset):
        return encode_xml(render_fault(f, relates_to, self.app.machine), charset)

    def process(self, root, http):
        """→ (status, reply bytes). Never raises."""
        req = Req(root, http)
        try:
            return 200, self.process_req(req)
        except Fault as f:
            return 500, self.fault_bytes(f, req.message_id, http.charset)
        except Exception as e:      # a bug in this server: say so on the wire and in the log
            import traceback
            self.app.log('error %s' % traceback.format_exc().replace('\n', ' | '))
            f = Fault('w:InternalError', 'The WS-Management service cannot process the request because of an '
                      'internal error. ', E_FAIL, 'Internal error in the test server: %r' % e, None,
                      FAULT_WSMAN, 's:Receiver')
            return 500, self.fault_bytes(f, req.message_id, http.charset)

    # -- header parsing --
    def parse_headers(self, req):
        root = req.root
        if root.tag != S_ENVELOPE:
            ns, local = split_tag(root.tag)
            for h in root.iter(A_MESSAGEID):
                req.message_id = text_of(h)
                break
            upgrade = ('<s:Upgrade><s:SupportedEnvelope qname="ns:Envelope" xmlns:ns="%s"/></s:Upgrade>'
                       % NS_S)
            raise Fault(None, R_VERSION, E_VERSION_MISMATCH,
                        'The root element is {%s}%s; only SOAP 1.2 ({%s}Envelope) is supported.'
                        % (ns, local, NS_S),
                        None, FAULT_WSMAN, 's:VersionMismatch', upgrade)
        for c in children(root):
            if c.tag == S_HEADER and req.header is None and req.body is None:
                req.header = c
            elif c.tag == S_BODY and req.body is None:
                req.body = c
            else:
                raise f_schema('The s:Envelope holds an unexpected or repeated element %s.' % c.tag)
        if req.header is not None:
            req.header_elems = children(req.header)
        for h in req.header_elems:
            if h.tag == A_MESSAGEID and req.message_id is None:
                req.message_id = text_of(h)
        if req.body is None:
            raise f_schema('The s:Envelope has no s:Body.')
        # SOAP processing model: mustUnderstand faults come before anything else.
        for h in req.header_elems:
            role = h.get(S_ROLE)
            if role not in (None, '', NS_S + '/role/next', NS_S + '/role/ultimateReceiver'):
                continue
            if h.tag not in KNOWN_HEADERS and xml_bool(h.get(S_MU)):
                ns, local = split_tag(h.tag)
                nu = '<s:NotUnderstood qname="ns1:%s" xmlns:ns1="%s"/>' % (local, esc_attr(ns))
                raise Fault(None, R_MUST_UNDERSTAND, E_MUST_UNDERSTAND,
                            'The header {%s}%s is marked mustUnderstand="true", but this service does not '
                            'know it.' % (ns, local), None, FAULT_ADDR, 's:MustUnderstand', nu)

    def process_req(self, req):
        self.parse_headers(req)
        body_first = req.body_elem()
        if body_first is not None and body_first.tag == WSMID_IDENTIFY:
            return encode_xml(self.app.identify_xml(authenticated=True, tls=req.http.tls), req.http.charset)
        seen = {}
        for h in req.header_elems:
            if h.tag in SINGLE_HEADERS:
                if h.tag in seen:
                    raise f_header('The header %s appears more than once.' % split_tag(h.tag)[1])
                seen[h.tag] = h
        for tag, what in ((A_ACTION, 'a:Action'), (A_MESSAGEID, 'a:MessageID'), (A_TO, 'a:To'),
                          (A_REPLYTO, 'a:ReplyTo')):
            if tag not in seen:
                raise f_header_required('The request has no %s header.' % what)
        req.action = text_of(seen[A_ACTION])
        req.to = text_of(seen[A_TO])
        if not req.action:
            raise f_header('The a:Action header is empty.')
        if not req.to:
            raise f_header('The a:To header is empty.')
        if not re.match(r'^uuid:[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$',
                        req.message_id or ''):
            raise f_header('The a:MessageID %r is not uuid: followed by a GUID.' % (req.message_id or ''))
        for tag, what in ((A_REPLYTO, 'a:ReplyTo'), (A_FAULTTO, 'a:FaultTo')):
            el = seen.get(tag)
            if el is None:
                for h in req.header_elems:
                    if h.tag == tag:
                        el = h
            if el is None:
                continue
            addr = el.find(A_ADDRESS)
            if addr is None:
                raise f_header_required('The %s header has no a:Address.' % what)
            if text_of(addr) != ANONYMOUS:
                raise f_unsupported('The %s address %s is not supported; only %s is.' % (what, text_of(addr),
                                                                                         ANONYMOUS),
                                    'AddressingMode')
        if W_RESOURCEURI not in seen or not text_of(seen[W_RESOURCEURI]):
            raise f_unreachable('The request has no w:ResourceURI header.')
        req.resource_uri = text_of(seen[W_RESOURCEURI])
        app = self.app
        server_max = app.max_env_bytes
        req.max_env = server_max
        if W_MAXENV in seen:
            t = text_of(seen[W_MAXENV])
            if not re.match(r'^[0-9]{1,12}$', t):
                raise f_header('The w:MaxEnvelopeSize %r is not a number.' % t)
            v = int(t)
            if v < 8192:
                raise f_encoding('The w:MaxEnvelopeSize %d is below the minimum of 8192.' % v,
                                 E_MIN_ENVELOPE_SIZE)
            req.max_env = min(v, server_max)
        req.timeout_ms = app.max_timeout_ms
        if W_TIMEOUT in seen:
            t = text_of(seen[W_TIMEOUT])
            ms = parse_duration_ms(t)
            if ms is None:
                raise f_header('The WS-Management service cannot process the request. The XML contains an '
                               'invalid timeout field in the SOAP header: %s.' % t)
            req.timeout_ms = min(ms, app.max_timeout_ms)
        for h in req.header_elems:
            if h.tag == W_LOCALE and xml_bool(h.get(S_MU)):
                raise f_unsupported('w:Locale with mustUnderstand="true" is not supported.', 'Locale')
            if h.tag == P_DATALOCALE and xml_bool(h.get(S_MU)):
                raise f_unsupported('p:DataLocale with mustUnderstand="true" is not supported.', 'DataLocale')
            if h.tag == W_TOTALREQ:
                req.want_total = True
        if W_SELECTORSET in seen:
            names = set()
            for s in children(seen[W_SELECTORSET]):
                if s.tag != W_SELECTOR:
                    raise f_selectors('The w:SelectorSet holds %s, which is not a w:Selector.' % s.tag,
                                      'InvalidValue')
                name = s.get('Name')
                if not name:
                    raise f_selectors('A w:Selector has no Name attribute.', 'InvalidValue')
                if name.lower() in names:
                    raise f_selectors('The selector %s appears more than once.' % name, 'DuplicateSelectors')
                names.add(name.lower())
                req.selectors.append((name, selector_value(s)))
        if W_OPTIONSET in seen:
            os_el = seen[W_OPTIONSET]
            req.optionset_present = True
            req.optionset_mu = bool(xml_bool(os_el.get(S_MU)))
            for o in children(os_el):
                if o.tag != W_OPTION:
                    raise f_options('The w:OptionSet holds %s, which is not a w:Option.' % o.tag)
                opt = Option()
                opt.name = o.get('Name')
                if not opt.name:
                    raise f_options('A w:Option has no Name attribute.')
                opt.must_comply_raw = o.get('MustComply')
                mc = xml_bool(opt.must_comply_raw) if opt.must_comply_raw is not None else False
                if mc is None:
                    raise f_options('The MustComply attribute of option %s is %r, not true or false.'
                                    % (opt.name, opt.must_comply_raw))
                opt.must_comply = mc
                opt.type = o.get('Type')
                opt.nil = bool(xml_bool(o.get(XSI_NIL)))
                opt.value = '' if opt.nil else ''.join(o.itertext())
                req.options.append(opt)
        if W_FRAGMENT in seen:
            fr = seen[W_FRAGMENT]
            req.fragment = (text_of(fr), (fr.get('Dialect') or DIALECT_XPATH).strip())
            if not req.fragment[0]:
                raise f_parameter('The w:FragmentTransfer header is empty.', E_INVALID_FRAGMENT_PATH)
        return self.dispatch(req)

    # -- dispatch --
    def dispatch(self, req):
        app = self.app
        res = app.resolve(req.resource_uri)
        res.check_options(req)
        if req.fragment and not res.supports_fragment:
            raise f_unsupported('The resource %s does not support fragment transfer.' % req.resource_uri,
                                'FragmentLevelAccess')
        act = req.action
        if act in (ACT_ENUMERATE, ACT_PULL, ACT_RELEASE):
            if not res.enumerable:
                raise f_action('The resource %s cannot be enumerated.' % req.resource_uri)
            if act == ACT_ENUMERATE:
                params = self.enum_params(req)
                self.delay(req)
                return self.enumerate(req, res, params)
            self.delay(req)
            return self.pull(req) if act == ACT_PULL else self.release(req)
        if act == ACT_GET:
            op = res.get
        elif act == ACT_PUT:
            op = res.put
        elif act == ACT_CREATE:
            op = res.create
        elif act == ACT_DELETE:
            op = res.delete
        else:
            method = res.method_of(req)
            if method is None:
                raise f_action('The action %s is not supported by the resource %s.' % (act, req.resource_uri))
            op = lambda r: res.invoke(r, method)   # noqa: E731
        if getattr(op, '__func__', None) is Resource.unsupported:
            res.unsupported(req)        # before any wsmauto:delay_ms sleep
        self.delay(req)
        body = op(req)
        echo = req.option('wsmauto:echo')
        wants_echo = echo is not None and echo.value.strip().lower() not in ('false', '0')
        if wants_echo and not isinstance(res, EchoResource):
            body = (body + render_echo(req)) if act == ACT_CREATE else render_echo(req)
        return self.finish(req, render_reply(act + 'Response', req.message_id, body))

    def finish(self, req, xml):
        data = encode_xml(xml, req.http.charset)
        if len(data) > req.max_env:
            raise f_encoding('The reply (%d bytes) would exceed the MaxEnvelopeSize of %d bytes.'
                             % (len(data), req.max_env), E_MAX_ENVELOPE_EXCEEDED)
        return data

    def delay(self, req):
        o = req.option('wsmauto:delay_ms')
        if o is None:
            return
        v = o.value.strip()
        if not v.isdigit():
            raise f_options('The option wsmauto:delay_ms needs a whole number of milliseconds, not %r.' % v,
                            E_OPTIONS_INVALID_VALUE)
        ms = int(v)
        if ms > req.timeout_ms:
            self.app.stop.wait(req.timeout_ms / 1000.0)
            raise f_timedout('The operation needed %d ms, longer than the OperationTimeout of %d ms.'
                             % (ms, req.timeout_ms))
        self.app.stop.wait(ms / 1000.0)

    # -- enumeration --
    def enum_params(self, req):
        el = req.body_elem()
        if el is None or el.tag != qn(NS_N, 'Enumerate'):
            raise f_schema('An Enumerate request needs an n:Enumerate body element.')
        p = EnumParams()
        for c in children(el):
            t = c.tag
            if t == qn(NS_W, 'OptimizeEnumeration'):
                p.optimize = True
            elif t == qn(NS_W, 'MaxElements'):
                v = text_of(c)
                if not v.isdigit() or int(v) < 1:
                    raise f_parameter('w:MaxElements %r is not a positive number.' % v, E_INVALID_BATCH)
                p.max_elements = int(v)
            elif t == qn(NS_W, 'EnumerationMode'):
                v = text_of(c)
                if v not in ('EnumerateEPR', 'EnumerateObjectAndEPR'):
                    raise f_unsupported('The enumeration mode %r is not supported.' % v, 'EnumerationMode',
                                        E_ENUM_MODE_UNSUPPORTED)
                p.mode = v
            elif t in (qn(NS_W, 'Filter'), qn(NS_N, 'Filter')):
                if p.filter_elem is not None:
                    raise f_filter('The Enumerate request has more than one filter.')
                p.filter_elem = c
                p.filter_dialect = (c.get('Dialect') or DIALECT_XPATH).strip()
            elif t == qn(NS_B, 'PolymorphismMode'):
                v = text_of(c)
                if v not in ('IncludeSubClassProperties', 'ExcludeSubClassProperties', 'None'):
                    raise Fault('b:PolymorphismModeNotSupported', R_POLYMORPHISM, E_POLYMORPHISM_UNSUPPORTED,
                                'The polymorphism mode %r is not supported.' % v, None, FAULT_CIMB,
                                subcode_decl=' xmlns:b="%s"' % NS_B)
                p.poly = v
            elif t == qn(NS_N, 'EndTo'):
                raise f_unsupported('n:EndTo is not supported.', 'AddressingMode')
        return p

    def total_header(self, req, total):
        if not req.want_total:
            return ''
        if total is None:
            return '<w:TotalItemsCountEstimate xmlns:xsi="%s" xsi:nil="true"/>' % NS_XSI
        return '<w:TotalItemsCountEstimate>%d</w:TotalItemsCountEstimate>' % total

    def take(self, req, ctx, max_items, skeleton):
        budget = req.max_env - len(encode_xml(skeleton, req.http.charset))
        utf16 = req.utf16
        items, used = [], 0
        while len(items) < max_items:
            s = ctx.next_item()
            if s is None:
                break
            n = enc_len(s, utf16)
            if used + n > budget:
                ctx.push_back(s)
                if not items:
                    raise f_encoding('The next item (%d bytes) does not fit in the MaxEnvelopeSize of %d '
                                     'bytes.' % (n, req.max_env), E_MAX_ENVELOPE_EXCEEDED)
                break
            items.append(s)
            used += n
        return items, ctx.exhausted()

    def enumerate(self, req, res, params):
        app = self.app
        with app.store.lock:
            it, total = res.enumerate(req, params)
            ctx = EnumCtx(req.resource_uri, it, total)
            extra = self.total_header(req, total)
            if not params.optimize:
                app.add_context(ctx)
                body = ('<n:EnumerateResponse><n:EnumerationContext>%s</n:EnumerationContext>'
                        '</n:EnumerateResponse>' % ctx.id)
                return self.finish(req, render_reply(ACT_ENUMERATE + 'Response', req.message_id, body, extra))
            max_items = min(params.max_elements or 1, app.max_batch_items)
            skeleton = render_reply(ACT_ENUMERATE + 'Response', req.message_id,
                                    '<n:EnumerateResponse><n:EnumerationContext>%s</n:EnumerationContext>'
                                    '<w:Items></w:Items><w:EndOfSequence/></n:EnumerateResponse>' % ctx.id,
                                    extra)
            items, eos = self.take(req, ctx, max_items, skeleton)
            if not eos:
                app.add_context(ctx)
        body = ['<n:EnumerateResponse><n:EnumerationContext>%s</n:EnumerationContext>'
                % ('' if eos else ctx.id)]
        if items:
            body.append('<w:Items>%s</w:Items>' % ''.join(items))
        if eos:
            body.append('<w:EndOfSequence/>')
        body.append('</n:EnumerateResponse>')
        return encode_xml(render_reply(ACT_ENUMERATE + 'Response', req.message_id, ''.join(body), extra),
                          req.http.charset)

    def context_of(self, req, what):
        el = req.body_elem()
        if el is None or el.tag != qn(NS_N, what):
            raise f_schema('A %s request needs an n:%s body element.' % (what, what))
        c = el.find(qn(NS_N, 'EnumerationContext'))
        if c is None:
            raise f_context('The n:%s has no n:EnumerationContext.' % what)
        cid = text_of(c)
        ctx = self.app.take_context(cid)
        if ctx is None:
            raise f_context('The enumeration context %r is unknown, expired, finished or released.' % cid)
        if ctx.uri != req.resource_uri.lower():
            self.app.add_context(ctx)
            raise f_context('The enumeration context %s belongs to %s, not to %s.'
                            % (cid, ctx.uri, req.resource_uri))
        return el, ctx

    def pull(self, req):
        app = self.app
        el, ctx = self.context_of(req, 'Pull')
        try:
            max_items = 1
            m = el.find(qn(NS_N, 'MaxElements'))
            if m is not None:
                v = text_of(m)
                if not v.isdigit() or int(v) < 1:
                    raise f_parameter('n:MaxElements %r is not a positive number.' % v, E_INVALID_BATCH)
                max_items = int(v)
            max_items = min(max_items, app.max_batch_items)
            extra = self.total_header(req, ctx.total)
            skeleton = render_reply(ACT_PULL + 'Response', req.message_id,
                                    '<n:PullResponse><n:EnumerationContext>%s</n:EnumerationContext><n:Items>'
                                    '</n:Items><n:EndOfSequence/></n:PullResponse>' % ctx.id, extra)
            with app.store.lock:
                items, eos = self.take(req, ctx, max_items, skeleton)
        except Fault:
            app.add_context(ctx)
            raise
        if not eos:
            app.add_context(ctx)
        body = ['<n:PullResponse>']
        if not eos:
            body.append('<n:EnumerationContext>%s</n:EnumerationContext>' % ctx.id)
        if items:
            body.append('<n:Items>%s</n:Items>' % ''.join(items))
        if eos:
            body.append('<n:EndOfSequence/>')
        body.append('</n:PullResponse>')
        return encode_xml(render_reply(ACT_PULL + 'Response', req.message_id, ''.join(body), extra),
                          req.http.charset)

    def release(self, req):
        self.context_of(req, 'Release')
        return encode_xml(render_reply(ACT_RELEASE + 'Response', req.message_id, ''), req.http.charset)


# ------------------------------------------------------------------------------------------------------------
# Authentication
# ------------------------------------------------------------------------------------------------------------
_DIGEST_PARAM = re.compile(r'\s*([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))\s*(?:,|$)')


def parse_digest(rest):
    out, pos = {}, 0
    while pos < len(rest):
        m = _DIGEST_PARAM.match(rest, pos)
        if not m or m.end() == pos:
            return None
        key = m.group(1).lower()
        out[key] = re.sub(r'\\(.)', r'\1', m.group(2)) if m.group(2) is not None else m.group(3)
        pos = m.end()
    return out


def md5hex(s):
    return hashlib.md5(s.encode('utf-8')).hexdigest()


class Auth:
    def __init__(self, schemes, users, cert_users, nonce_ttl):
        self.schemes = schemes
        self.users = {}           # lower-case user name → (user, password)
        for u, p in users:
            self.users[u.lower()] = (u, p)
        self.cert_users = cert_users
        self.secret = os.urandom(32)
        self.nonce_ttl = nonce_ttl
        self.lock = threading.Lock()
        self.used_nc = {}

    def new_nonce(self):
        ts = '%x' % int(time.time() * 1000)
        mac = hmac.new(self.secret, ts.encode(), hashlib.sha256).hexdigest()[:32]
        return ts + mac

    def nonce_state(self, nonce):
        ts, mac = nonce[:-32], nonce[-32:]
        good = hmac.new(self.secret, ts.encode(), hashlib.sha256).hexdigest()[:32]
        if not ts or not hmac.compare_digest(good, mac):
            return 'bad'
        try:
            age = time.time() - int(ts, 16) / 1000.0
        except ValueError:
            return 'bad'
        return 'stale' if age > self.nonce_ttl or age < -5 else 'ok'

    def challenges(self, stale=False):
        # Windows' order: Negotiate, Kerberos, Basic (then our Digest).
        out = [GSS_HEADER_NAME[s] for s in GSS_SCHEMES if s in self.schemes]
        if 'credssp' in self.schemes:
            out.append('CredSSP')
        if 'basic' in self.schemes:
            out.append('Basic realm="WSMAN"')
        if 'digest' in self.schemes:
            out.append('Digest realm="WSMAN", nonce="%s", qop="auth", algorithm=MD5%s'
                       % (self.new_nonce(), ', stale=true' if stale else ''))
        return out

    def check_basic(self, rest):
        try:
            raw = base64.b64decode(rest.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        try:
            text = raw.decode('utf-8')
        except UnicodeDecodeError:
            text = raw.decode('latin-1')
        user, sep, password = text.partition(':')
        if not sep:
            return False
        entry = self.users.get(user.lower())
        return entry is not None and hmac.compare_digest(entry[1].encode('utf-8'), password.encode('utf-8'))

    def check_digest(self, rest, method, path):
        """→ 'ok', 'stale' or 'bad'."""
        p = parse_digest(rest)
        if p is None:
            return 'bad'
        for k in ('username', 'realm', 'nonce', 'uri', 'response', 'qop', 'nc', 'cnonce'):
            if not p.get(k):
                return 'bad'
        if p['realm'] != 'WSMAN' or p['qop'] != 'auth' or p.get('algorithm', 'MD5').upper() != 'MD5':
            return 'bad'
        if p['uri'] != path or not re.match(r'^[0-9a-fA-F]{8}$', p['nc']):
            return 'bad'
        entry = self.users.get(p['username'].lower())
        if entry is None:
            return 'bad'
        ha1 = md5hex('%s:WSMAN:%s' % (p['username'], entry[1]))
        ha2 = md5hex('%s:%s' % (method, p['uri']))
        want = md5hex('%s:%s:%s:%s:auth:%s' % (ha1, p['nonce'], p['nc'], p['cnonce'], ha2))
        if not hmac.compare_digest(want, p['response'].lower()):
            return 'bad'
        state = self.nonce_state(p['nonce'])
        if state != 'ok':
            return state
        with self.lock:
            used = self.used_nc.setdefault(p['nonce'], set())
            nc = int(p['nc'], 16)
            if nc in used:
                return 'bad'        # replayed request
            used.add(nc)
            if len(self.used_nc) > 10000:
                self.used_nc.pop(next(iter(self.used_nc)))
        return 'ok'

    def check_cert(self, conn):
        if not isinstance(conn, ssl.SSLSocket):
            return False
        try:
            cert = conn.getpeercert()
        except (ValueError, OSError):
            return False
        if not cert:
            return False
        if not self.cert_users:
            return True
        cns = [v for rdn in cert.get('subject', ()) for k, v in rdn if k == 'commonName']
        return any(cn in self.cert_users for cn in cns)


# ------------------------------------------------------------------------------------------------------------
# GSSAPI (Negotiate / Kerberos) and WinRM message encryption (RFC 4559, [MS-WSMV] 2.2.9.1)
# ------------------------------------------------------------------------------------------------------------
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
    """The §5.2 body. parts = [(length, charset, header, cipher)]. The strict form is what Windows writes;
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
    """§5.2 body → EncParts [(length, charset, header, cipher)]. Works on bytes: the ciphertext may hold
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


# ------------------------------------------------------------------------------------------------------------
# Application state
# ------------------------------------------------------------------------------------------------------------
class App:
    def __init__(self, args):
        self.args = args
        self.machine = args.machine
        self.store = Store(args.instances, args.machine)
        self.stop = threading.Event()
        self.contexts = {}
        self.ctx_lock = threading.Lock()
        self.enum_expiry = args.enum_expiry_s
        self.auth = Auth(args.auth, args.users, args.cert_users, args.digest_nonce_ttl_s)
        self.soap = Soap(self)
        self.tls = bool(args.tls_cert)
        self.transport = 'HTTPS' if self.tls else 'HTTP'
        self.bind = args.bind
        self.port = 0
        self.thumbprint = ''
        self.cbt_data = None          # HTTPS: RFC 5929 tls-server-end-point application data
        self.log_lock = threading.Lock()
        self.log_file = open(args.log, 'a', encoding='utf-8') if args.log else None
        self.token_log = open(args.token_log, 'a', encoding='utf-8') if args.token_log else None
        self.wql_cache = {}
        self.resources = {}
        for c in CLASSES.values():
            self.resources[c.uri.lower()] = WmiResource(self, c)
        self.resources[(CIMV2 + '*').lower()] = WmiWildcard(self, CIMV2 + '*', True)
        self.resources[DMTF_ALL.lower()] = WmiWildcard(self, DMTF_ALL, False)
        self.resources[ECHO_URI] = EchoResource(self)
        for suffix in CONFIG_PATHS:
            self.resources[(NS_CFG + suffix).lower()] = ConfigResource(self, suffix)
        self.resources[(NS_CFG + '/listener').lower()] = ListenerResource(self)
        self.shell = ShellResource(self)
        self.resources[SHELL_CMD_URI.lower()] = self.shell
        schemes = args.auth
        self.config = {
            'MaxEnvelopeSizekb': str(args.max_envelope_kb), 'MaxTimeoutms': str(args.max_timeout_ms),
            'MaxBatchItems': '32000', 'MaxProviderRequests': '4294967295',
            'Client': {'NetworkDelayms': '5000', 'URLPrefix': 'wsman', 'AllowUnencrypted': 'false',
                       'Auth': {'Basic': 'true', 'Digest': 'true', 'Kerberos': 'true', 'Negotiate': 'true',
                                'Certificate': 'true', 'CredSSP': 'false'},
                       'DefaultPorts': {'HTTP': '5985', 'HTTPS': '5986'}, 'TrustedHosts': ''},
            'Service': {'RootSDDL': 'O:NSG:BAD:P(A;;GA;;;BA)(A;;GR;;;IU)S:P(AU;FA;GA;;;WD)(AU;SA;GXGW;;;WD)',
                        'MaxConcurrentOperations': '4294967295', 'MaxConcurrentOperationsPerUser': '1500',
                        'EnumerationTimeoutms': str(int(args.enum_expiry_s * 1000)), 'MaxConnections': '300',
                        'MaxPacketRetrievalTimeSeconds': '120', 'AllowUnencrypted': 'true',
                        'Auth': {'Basic': 'true' if 'basic' in schemes else 'false',
                                 'Kerberos': 'true' if 'kerberos' in schemes else 'false',
                                 'Negotiate': 'true' if 'negotiate' in schemes else 'false',
                                 'Certificate': 'true' if 'certificate' in schemes else 'false',
                                 'CredSSP': 'true' if 'credssp' in schemes else 'false',
                                 'CbtHardeningLevel': 'Strict' if args.require_cbt else 'Relaxed'},
                        'DefaultPorts': {'HTTP': '5985', 'HTTPS': '5986'}, 'IPv4Filter': '*',
                        'IPv6Filter': '*', 'EnableCompatibilityHttpListener': 'false',
                        'EnableCompatibilityHttpsListener': 'false',
                        'CertificateThumbprint': '', 'AllowRemoteAccess': 'true'},
            'Winrs': {'AllowRemoteShellAccess': 'true' if args.allow_shell else 'false',
                      'IdleTimeout': '7200000',
                      'MaxConcurrentUsers': '2147483647', 'MaxShellRunTime': '2147483647',
                      'MaxProcessesPerShell': '2147483647',
                      'MaxMemoryPerShellMB': '2147483647', 'MaxShellsPerUser': '2147483647'},
        }

    # live limits (a config Put changes them)
    @property
    def max_env_bytes(self):
        return int(self.config['MaxEnvelopeSizekb']) * 1024

    @property
    def max_timeout_ms(self):
        return int(self.config['MaxTimeoutms'])

    @property
    def max_batch_items(self):
        return int(self.config['MaxBatchItems'])

    def resolve_or_none(self, uri):
        return self.resources.get(uri.strip().lower())

    def resolve(self, uri):
        res = self.resolve_or_none(uri)
        if res is None:
            if uri.lower().startswith(WMI_PREFIX) and not uri.lower().startswith(CIMV2.lower()):
                raise f_unreachable('The resource URI %s names a WMI namespace this server does not have '
                                    '(only root/cimv2).' % uri)
            raise f_unreachable('The resource URI %s is not served by this server.' % uri)
        return res

    def wql(self, text):
        q = self.wql_cache.get(text)
        if q is None:
            try:
                q = WqlQuery(text)
            except WqlError as e:
                raise f_filter('The WQL query %r cannot be processed: %s.' % (text, e))
            if len(self.wql_cache) > 256:
                self.wql_cache.clear()
            self.wql_cache[text] = q
        return q

    # -- enumeration contexts --
    def sweep(self, now):
        dead = [k for k, c in self.contexts.items() if now - c.last_used > self.enum_expiry]
        for k in dead:
            del self.contexts[k]

    def add_context(self, ctx):
        now = time.monotonic()
        ctx.last_used = now
        with self.ctx_lock:
            self.sweep(now)
            if len(self.contexts) >= 10000:
                self.contexts.pop(next(iter(self.contexts)))
            self.contexts[ctx.id] = ctx

    def take_context(self, cid):
        now = time.monotonic()
        with self.ctx_lock:
            self.sweep(now)
            return self.contexts.pop(cid, None)

    # -- identify --
    def identify_xml(self, authenticated, tls):
        omi = self.args.flavor == 'omi'
        if omi:
            # OMI 1.0.8: the response element is in the SOAP envelope namespace (same prefix as the
            # envelope), its children are the usual wsmid: ones.
            parts = ['<s:Envelope xml:lang="en-US" xmlns:s="%s" xmlns:wsmid="%s"><s:Header/><s:Body>'
                     '<s:IdentifyResponse><wsmid:ProtocolVersion>%s</wsmid:ProtocolVersion>'
                     '<wsmid:ProductVendor>%s</wsmid:ProductVendor>'
                     '<wsmid:ProductVersion>%s</wsmid:ProductVersion>'
                     % (NS_S, NS_WSMID, PROTOCOL_VERSION, OMI_VENDOR, OMI_VERSION)]
        else:
            parts = ['<s:Envelope xml:lang="en-US" xmlns:s="%s"><s:Header/><s:Body><wsmid:IdentifyResponse '
                     'xmlns:wsmid="%s"><wsmid:ProtocolVersion>%s</wsmid:ProtocolVersion>'
                     '<wsmid:ProductVendor>wsmauto test server</wsmid:ProductVendor>'
                     '<wsmid:ProductVersion>%s</wsmid:ProductVersion>'
                     % (NS_S, NS_WSMID, PROTOCOL_VERSION,
                        'OS: 10.0.20348 SP: 0.0 Stack: 3.0' if authenticated
                        else 'OS: 0.0.0 SP: 0.0 Stack: 3.0')]
        if authenticated:
            parts.append('<wsmid:SecurityProfiles>')
            scheme = 'https/' if tls else 'http/'
            for s in self.args.auth:
                if s in ('basic', 'digest'):
                    parts.append('<wsmid:SecurityProfileName>%s%s%s</wsmid:SecurityProfileName>'
                                 % (SECPROFILE, scheme, s))
                elif s == 'certificate' and tls:
                    parts.append('<wsmid:SecurityProfileName>%s</wsmid:SecurityProfileName>' % MUTUAL_AUTH)
            if any(s in GSS_SCHEMES for s in self.args.auth):
                parts.append('<wsmid:SecurityProfileName>%s%sspnego-kerberos</wsmid:SecurityProfileName>'
                             % (SECPROFILE, scheme))
            parts.append('</wsmid:SecurityProfiles>')
        parts.append('</%s:IdentifyResponse></s:Body></s:Envelope>' % ('s' if omi else 'wsmid'))
        return ''.join(parts)

    def new_acceptor(self, tls):
        """A GSS acceptor context with the default credentials (keytab from $KRB5_KTNAME, NTLM users from
        $NTLM_USER_FILE through gss-ntlmssp). Over HTTPS it carries our tls-server-end-point bindings: MIT and
        gss-ntlmssp then fail a context whose bindings differ, accept one without bindings, and set
        GSS_C_CHANNEL_BOUND_FLAG only when they matched (checked by the self-test)."""
        gssapi = gss_module()
        cb = None
        if tls and self.cbt_data is not None:
            cb = gssapi.raw.ChannelBindings(initiator_address_type=None, acceptor_address_type=None,
                                            application_data=self.cbt_data)
        return gssapi.SecurityContext(usage='accept', channel_bindings=cb)

    def log_token(self, text):
        """--token-log: one credential or token per line (nothing when the text is empty)."""
        if not text.strip():
            return
        with self.log_lock:
            try:
                self.token_log.write(text.strip() + '\n')
                self.token_log.flush()
            except (OSError, ValueError):
                pass

    def log(self, line):
        if self.log_file is None:
            return
        with self.log_lock:
            try:
                self.log_file.write(line + '\n')
                self.log_file.flush()
            except (OSError, ValueError):
                pass


# ------------------------------------------------------------------------------------------------------------
# Misbehaving replies
# ------------------------------------------------------------------------------------------------------------
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


def big_token(n):
    """n bytes that look random (the same every time): an oversized token (--gss-token-bytes, www-auth-huge)."""
    return (hashlib.sha256(b'wsmauto big token').digest() * (n // 32 + 1))[:n]


def big_token_text(n):
    return base64.b64encode(big_token(n)).decode()
HOSTILE_MODES = MISBEHAVE_MODES[MISBEHAVE_MODES.index('entity-param'):]
HTML_BODY = b'<html><head><title>Error</title></head><body><h1>Something went wrong</h1></body></html>'


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


# ------------------------------------------------------------------------------------------------------------
# HTTP
# ------------------------------------------------------------------------------------------------------------
class Handler(http.server.BaseHTTPRequestHandler):
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
            return credssp_server.http_step(self, rest.strip(), body)
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
            except (EncError, credssp_server.EncryptionError) as e:
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
            m = _MSGID_RE.search(head)
            for key, rx in (('action', _ACTION_RE), ('resource', _RESURI_RE)):
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

    # -- misbehaving resources --
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


# ------------------------------------------------------------------------------------------------------------
# main
# ------------------------------------------------------------------------------------------------------------
def parse_args(argv):
    ap = argparse.ArgumentParser(description='wsmauto WS-Management test server (see tests/server/README.md)')
    ap.add_argument('--bind', default='127.0.0.1', metavar='ADDR',
                    help='address to listen on (default 127.0.0.1)')
    ap.add_argument('--port', type=int, default=0, metavar='N', help='port (default 0 = ephemeral)')
    ap.add_argument('--port-file', metavar='PATH',
                    help='write the port + newline here once listening (atomic)')
    ap.add_argument('--tls-cert', metavar='PEM', help='serve HTTPS with this certificate (needs --tls-key)')
    ap.add_argument('--tls-key', metavar='PEM', help='private key of --tls-cert')
    ap.add_argument('--client-ca', metavar='PEM',
                    help='HTTPS: ask for a client certificate and verify it with this '
                    'CA (optional, so password auth keeps working)')
    ap.add_argument('--auth', default='basic', metavar='LIST',
                    help='comma list of none, basic, digest, certificate, negotiate, kerberos, credssp '
                    '(default basic)')
    ap.add_argument('--user', action='append', dest='user_args', metavar='NAME:PASSWORD',
                    help='an account (repeatable; default wsmuser:wsmpass)')
    ap.add_argument('--cert-user', action='append', dest='cert_users', default=[], metavar='CN',
                    help='accept client certificates with this subject CN only (repeatable; default: any '
                    'that verifies)')
    ap.add_argument('--instances', type=int, default=50, metavar='N',
                    help='number of generated Win32_Service instances (default 50)')
    ap.add_argument('--max-envelope-kb', type=int, default=500, metavar='N',
                    help='MaxEnvelopeSizekb (default 500)')
    ap.add_argument('--max-timeout-ms', type=int, default=60000, metavar='N',
                    help='MaxTimeoutms (default 60000)')
    ap.add_argument('--enum-expiry-s', type=float, default=60, metavar='N',
                    help='idle expiry of enumeration contexts in seconds (default 60)')
    ap.add_argument('--digest-nonce-ttl-s', type=float, default=300, metavar='N',
                    help='age in seconds after which a Digest nonce is stale (default 300)')
    ap.add_argument('--machine', default='wsmauto-test', metavar='NAME',
                    help='Machine attribute of faults and CSName (default wsmauto-test)')
    ap.add_argument('--log', metavar='PATH', help='append one line per HTTP request here')
    ap.add_argument('--token-log', metavar='PATH',
                    help='append every credential the server receives (Authorization, after the scheme) and every '
                    'token it sends (WWW-Authenticate, after the scheme) here, one a line: for tests that prove a '
                    'client never shows them; off by default')
    ap.add_argument('--gss-token-bytes', type=int, default=0, metavar='N',
                    help='replace every Negotiate/Kerberos token the server sends by N bytes that look random '
                    '(oversized tokens); 0 = off, the default')
    ap.add_argument('--gss-encryption', choices=('require', 'allow', 'refuse'), default='require',
                    help='Negotiate/Kerberos message encryption over HTTP: require (plaintext SOAP gets 500, '
                    'the default), allow, refuse (an encrypted request gets 400)')
    ap.add_argument('--require-cbt', action='store_true',
                    help='HTTPS: refuse a Negotiate/Kerberos context without matching channel bindings')
    ap.add_argument('--gss-reauth-after', type=int, default=0, metavar='N',
                    help='drop a connection\'s GSS context after N authenticated requests (0 = never)')
    ap.add_argument('--gss-drop-handshake', action='store_true',
                    help='close the connection without a reply on any Negotiate/Kerberos token')
    ap.add_argument('--gss-bad-handshake', choices=('garbage', 'truncate', 'not-base64', 'loop',
                                                    'accept-no-token'),
                    help='answer Negotiate/Kerberos handshake legs wrongly: garbage or truncated tokens, a '
                    'token that is not base64, a 401 with the first token on every leg (loop), or 200 '
                    'without a token at once (accept-no-token); off by default')
    ap.add_argument('--flavor', choices=FLAVORS, default='windows',
                    help='wire behaviour to copy: windows (WinRM, the default) or omi (Microsoft OMI 1.0.8: '
                    'Identify shape, strict encrypted framing, plain Kerberos wrap tokens, no 401 challenge)')
    ap.add_argument('--allow-shell', action='store_true',
                    help='serve the cmd shell resource (runs the requested commands on this machine with '
                    '/bin/sh; off by default)')
    credssp_server.add_arguments(ap)
    args = ap.parse_args(argv)
    schemes = [s.strip().lower() for s in args.auth.split(',') if s.strip()]
    bad = [s for s in schemes if s not in ('none', 'basic', 'digest', 'certificate', 'credssp') + GSS_SCHEMES]
    if bad or not schemes:
        ap.error('--auth takes a comma list of none, basic, digest, certificate, negotiate, kerberos, credssp '
                 '(got %r)' % args.auth)
    if args.gss_reauth_after < 0:
        ap.error('--gss-reauth-after must not be negative')
    if args.gss_token_bytes < 0:
        ap.error('--gss-token-bytes must not be negative')
    args.auth = schemes
    args.users = []
    for u in args.user_args or ['wsmuser:wsmpass']:
        name, sep, pw = u.partition(':')
        if not sep or not name:
            ap.error('--user needs NAME:PASSWORD')
        args.users.append((name, pw))
    if bool(args.tls_cert) != bool(args.tls_key):
        ap.error('--tls-cert and --tls-key go together')
    if args.client_ca and not args.tls_cert:
        ap.error('--client-ca needs --tls-cert/--tls-key')
    if 'certificate' in schemes and not args.client_ca:
        ap.error('--auth certificate needs --tls-cert, --tls-key and --client-ca')
    if args.instances < 0:
        ap.error('--instances must not be negative')
    if args.max_envelope_kb < 8:
        ap.error('--max-envelope-kb must be at least 8')
    if args.max_timeout_ms < 1:
        ap.error('--max-timeout-ms must be positive')
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if any(s in GSS_SCHEMES + ('credssp',) for s in args.auth):
        try:
            gss_module()
        except ImportError as e:
            print('wsman_server: --auth negotiate/kerberos/credssp needs python3-gssapi: %s' % e)
            return 2
    app = App(args)
    app.credssp = None
    if 'credssp' in args.auth:
        try:
            app.credssp = credssp_server.Service(args, lambda: app.new_acceptor(False))
        except (OSError, ssl.SSLError, ValueError, subprocess.SubprocessError) as e:
            print('wsman_server: cannot set up CredSSP (needs the openssl CLI): %s' % e)
            return 2
        app.resources[credssp_server.LAST_URI] = CredsspLastResource(app)
    ssl_ctx = None
    if args.tls_cert:
        try:
            ssl_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ssl_ctx.minimum_version = ssl.TLSVersion.TLSv1_2
            ssl_ctx.load_cert_chain(args.tls_cert, args.tls_key)
            if args.client_ca:
                ssl_ctx.verify_mode = ssl.CERT_OPTIONAL
                ssl_ctx.load_verify_locations(args.client_ca)
            with open(args.tls_cert, 'rb') as f:
                der = ssl.PEM_cert_to_DER_cert(f.read().decode('ascii', 'replace'))
            app.thumbprint = hashlib.sha1(der).hexdigest().upper()
            app.cbt_data = tls_server_end_point(der)
        except (OSError, ssl.SSLError, ValueError) as e:
            print('wsman_server: cannot set up TLS: %s' % e)
            return 2
    try:
        server = Server((args.bind, args.port), app, ssl_ctx)
    except OSError as e:
        print('wsman_server: cannot listen on %s:%d: %s' % (args.bind, args.port, e))
        return 2
    app.port = server.server_address[1]
    if args.port_file:
        tmp = args.port_file + '.tmp'
        with open(tmp, 'w') as f:
            f.write('%d\n' % app.port)
        os.replace(tmp, args.port_file)

    def on_signal(signum, frame):
        app.stop.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    t = threading.Thread(target=server.serve_forever, kwargs={'poll_interval': 0.2}, daemon=True)
    t.start()
    while not app.stop.wait(0.5):
        pass
    server.shutdown()
    server.server_close()
    app.shell.close_all()           # no command outlives the server
    if app.log_file:
        app.log_file.close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
