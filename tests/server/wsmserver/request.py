# SPDX-License-Identifier: MIT
"""The parsed request (headers, options, selectors) and enumeration contexts."""

import ssl
import time

from .names import A_REFPARAMS, W_RESOURCEURI, W_SELECTOR, W_SELECTORSET
from .xmlutil import children, first_child, new_uuid, text_of


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
