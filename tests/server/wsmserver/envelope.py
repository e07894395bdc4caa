# SPDX-License-Identifier: MIT
"""SOAP envelope, header, fault and Identify builders (lxml element construction).

The replies are lxml trees serialized by libxml2, with two pieces of pre-rendered XML text spliced in:
  * the body a resource rendered (its own XML text: resources build large bodies such as 32000-item batches as
    text, and several misbehave modes pass bodies that are deliberately not well-formed — undeclared entities,
    a NUL placeholder used to cut an envelope in two);
  * header elements whose WinRM shape writes an attribute before a namespace declaration
    (`<s:NotUnderstood qname="ns1:X" xmlns:ns1="…"/>`, `s:Upgrade`): libxml2 always writes namespace
    declarations first, and the wire bytes are kept as WinRM sends them.
For the same reason the envelope's `xml:lang="en-US"` is put in front of its namespace declarations after
serialization (WinRM's order; the self-test compares the Identify reply byte for byte).
"""

import copy

from lxml import etree

from .names import (
    ANONYMOUS, A_ACTION, A_MESSAGEID, A_TO, FAULT_DETAIL, MUTUAL_AUTH, NS_A, NS_EV, NS_F, NS_N, NS_P,
    NS_S, NS_W, NS_WSMID, NS_X, NS_XSI, OMI_VENDOR, OMI_VERSION, PROTOCOL_VERSION, SECPROFILE, S_BODY,
    S_ENVELOPE, S_HEADER, XSI_NIL, qn)
from .xmlutil import new_uuid

# The namespace declarations of every WinRM reply envelope, in WinRM's order.
ENV_NSMAP = {'s': NS_S, 'a': NS_A, 'x': NS_X, 'e': NS_EV, 'n': NS_N, 'w': NS_W, 'p': NS_P}
A_RELATESTO = qn(NS_A, 'RelatesTo')
XML_LANG = qn('http://www.w3.org/XML/1998/namespace', 'lang')
_S_VALUE, _S_TEXT = qn(NS_S, 'Value'), qn(NS_S, 'Text')
_ENV_TAG = '<s:Envelope'
_HEADER_END = '</s:Header>'
_BODY_END = '</s:Body></s:Envelope>'


def sub(parent, tag, text=None, nsmap=None, **attrs):
    """etree.SubElement with its text (None = no text, '' = written as <x></x>)."""
    el = etree.SubElement(parent, tag, nsmap=nsmap) if nsmap else etree.SubElement(parent, tag)
    for k, v in attrs.items():
        el.set(k, v)
    if text is not None:
        el.text = text
    return el


def new_envelope(nsmap=None, addressing=None):
    """→ (envelope, header, body). addressing = (action, relates_to): the a:Action, a:MessageID (new), a:To
    (anonymous) and a:RelatesTo (when relates_to is set) headers; None: an empty s:Header."""
    env = etree.Element(S_ENVELOPE, nsmap=nsmap or ENV_NSMAP)
    header = sub(env, S_HEADER)
    if addressing is not None:
        action, relates_to = addressing
        sub(header, A_ACTION, action)
        sub(header, A_MESSAGEID, new_uuid())
        sub(header, A_TO, ANONYMOUS)
        if relates_to:
            sub(header, A_RELATESTO, relates_to)
    return env, header, sub(env, S_BODY)


def serialize(env, raw_headers='', raw_body=None):
    """The envelope as text: xml:lang first on s:Envelope, raw_headers (XML text) at the end of s:Header and,
    when raw_body is not None, raw_body (XML text) as the content of the empty s:Body."""
    body = env[1]
    if raw_body is not None:
        body.text = ''                  # written as <s:Body></s:Body>, the splice point
    xml = etree.tostring(env, encoding='unicode')
    assert xml.startswith(_ENV_TAG)
    xml = _ENV_TAG + ' xml:lang="en-US"' + xml[len(_ENV_TAG):]
    if raw_headers:
        # Text is escaped, so the first '</s:Header>' is the end tag of the header.
        head, end, rest = xml.partition(_HEADER_END)
        xml = head + raw_headers + end + rest
    if raw_body is not None:
        empty = '<s:Body></s:Body></s:Envelope>'
        assert xml.endswith(empty)
        xml = xml[:-len(empty)] + '<s:Body>' + raw_body + _BODY_END
    return xml


def split_headers(extra):
    """Extra headers (an lxml element, XML text, or a list of them) → (elements, XML text)."""
    if isinstance(extra, (str, etree._Element)):
        extra = [extra]
    return [h for h in extra if not isinstance(h, str)], ''.join(h for h in extra if isinstance(h, str))


def render_reply(action, relates_to, body, extra_header=()):
    """A reply envelope (text) with the resource's body (XML text) and extra header elements."""
    env, header, _ = new_envelope(addressing=(action, relates_to))
    elems, raw = split_headers(extra_header)
    for h in elems:
        header.append(copy.deepcopy(h))     # callers reuse their elements (the size skeleton, then the reply)
    return serialize(env, raw, body)


def total_items_header(total):
    """w:TotalItemsCountEstimate: the number, or xsi:nil when the count is unknown."""
    if total is None:
        el = etree.Element(qn(NS_W, 'TotalItemsCountEstimate'), nsmap={'xsi': NS_XSI})
        el.set(XSI_NIL, 'true')
    else:
        el = etree.Element(qn(NS_W, 'TotalItemsCountEstimate'))
        el.text = str(total)
    return el


def render_fault(f, relates_to, machine):
    """A faults.Fault as a WinRM fault envelope (text)."""
    env, header, body = new_envelope(addressing=(f.action, relates_to))
    elems, raw = split_headers(f.extra_header)
    for h in elems:
        header.append(copy.deepcopy(h))
    fault = sub(body, qn(NS_S, 'Fault'))
    code = sub(fault, qn(NS_S, 'Code'))
    sub(code, _S_VALUE, f.value)
    if f.subcode:
        sub(sub(code, qn(NS_S, 'Subcode')), _S_VALUE, f.subcode, nsmap=f.subcode_nsmap)
    text = sub(sub(fault, qn(NS_S, 'Reason')), _S_TEXT, f.reason)
    text.set(XML_LANG, 'en-US')
    detail = sub(fault, qn(NS_S, 'Detail'))
    if f.detail:
        sub(detail, qn(NS_W, 'FaultDetail'), FAULT_DETAIL + f.detail)
    wf = sub(detail, qn(NS_F, 'WSManFault'), nsmap={'f': NS_F}, Code='%d' % f.code, Machine=machine)
    sub(wf, qn(NS_F, 'Message'), f.message)
    return serialize(env, raw)


def _wsmid(local):
    return qn(NS_WSMID, local)


def render_identify(flavor, authenticated, tls, schemes, gss):
    """The IdentifyResponse envelope (text). flavor 'omi': OMI 1.0.8's shape (s:IdentifyResponse, wsmid
    declared on the envelope); schemes: the enabled --auth schemes; gss: Negotiate or Kerberos enabled."""
    if flavor == 'omi':
        # OMI 1.0.8: the response element is in the SOAP envelope namespace (same prefix as the
        # envelope), its children are the usual wsmid: ones.
        env, _, body = new_envelope({'s': NS_S, 'wsmid': NS_WSMID})
        resp = sub(body, qn(NS_S, 'IdentifyResponse'))
        vendor, version = OMI_VENDOR, OMI_VERSION
    else:
        env, _, body = new_envelope({'s': NS_S})
        resp = sub(body, _wsmid('IdentifyResponse'), nsmap={'wsmid': NS_WSMID})
        vendor = 'wsmauto test server'
        version = 'OS: 10.0.20348 SP: 0.0 Stack: 3.0' if authenticated else 'OS: 0.0.0 SP: 0.0 Stack: 3.0'
    sub(resp, _wsmid('ProtocolVersion'), PROTOCOL_VERSION)
    sub(resp, _wsmid('ProductVendor'), vendor)
    sub(resp, _wsmid('ProductVersion'), version)
    if authenticated:
        profiles = sub(resp, _wsmid('SecurityProfiles'), '')     # <x></x> also when no profile is listed
        scheme = 'https/' if tls else 'http/'
        for s in schemes:
            if s in ('basic', 'digest'):
                sub(profiles, _wsmid('SecurityProfileName'), SECPROFILE + scheme + s)
            elif s == 'certificate' and tls:
                sub(profiles, _wsmid('SecurityProfileName'), MUTUAL_AUTH)
        if gss:
            sub(profiles, _wsmid('SecurityProfileName'), SECPROFILE + scheme + 'spnego-kerberos')
    return serialize(env)
