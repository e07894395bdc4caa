# SPDX-License-Identifier: MIT
"""Small helpers: escaping, XML parsing, charsets, durations."""

import base64
import hashlib
import re
import threading
import uuid

from lxml import etree


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


MSGID_RE = re.compile(r'<(?:[\w.-]+:)?MessageID\b[^>]*>\s*([^<\s]+)\s*<')
ACTION_RE = re.compile(r'<(?:[\w.-]+:)?Action\b[^>]*>\s*([^<\s]+)\s*<')
RESURI_RE = re.compile(r'<(?:[\w.-]+:)?ResourceURI\b[^>]*>\s*([^<\s]+)\s*<')


def big_token(n):
    """n bytes that look random (the same every time): an oversized token (--gss-token-bytes, www-auth-huge)."""
    return (hashlib.sha256(b'wsmauto big token').digest() * (n // 32 + 1))[:n]


def big_token_text(n):
    return base64.b64encode(big_token(n)).decode()
