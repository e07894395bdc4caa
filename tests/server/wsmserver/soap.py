# SPDX-License-Identifier: MIT
"""The SOAP processor: header checks, dispatch, enumeration (the envelopes come from envelope.py)."""

import re

from .names import (
    ACT_CREATE, ACT_DELETE, ACT_ENUMERATE, ACT_GET, ACT_PULL, ACT_PUT, ACT_RELEASE, ANONYMOUS, A_ACTION,
    A_ADDRESS, A_FAULTTO, A_MESSAGEID, A_REPLYTO, A_TO, DIALECT_XPATH, FAULT_ADDR, FAULT_CIMB, FAULT_WSMAN,
    KNOWN_HEADERS, NS_B, NS_N, NS_S, NS_W, P_DATALOCALE, SINGLE_HEADERS, S_BODY, S_ENVELOPE, S_HEADER, S_MU,
    S_ROLE, WSMID_IDENTIFY, W_FRAGMENT, W_LOCALE, W_MAXENV, W_OPTION, W_OPTIONSET, W_RESOURCEURI,
    W_SELECTOR, W_SELECTORSET, W_TIMEOUT, W_TOTALREQ, XSI_NIL, qn)
from .faults import (
    E_ENUM_MODE_UNSUPPORTED, E_FAIL, E_INVALID_BATCH, E_INVALID_FRAGMENT_PATH, E_MAX_ENVELOPE_EXCEEDED,
    E_MIN_ENVELOPE_SIZE, E_MUST_UNDERSTAND, E_OPTIONS_INVALID_VALUE, E_POLYMORPHISM_UNSUPPORTED,
    E_VERSION_MISMATCH, Fault, R_MUST_UNDERSTAND, R_POLYMORPHISM, R_VERSION, f_action, f_context,
    f_encoding, f_filter, f_header, f_header_required, f_options, f_parameter, f_schema, f_selectors,
    f_timedout, f_unreachable, f_unsupported)
from .xmlutil import children, enc_len, encode_xml, esc_attr, parse_duration_ms, split_tag, text_of, xml_bool
from .request import EnumCtx, Option, Req, selector_value
from .resources import EchoResource, EnumParams, Resource, render_echo
from .envelope import render_fault, render_reply, total_items_header


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
            # XML text, spliced into the header by envelope.py: WinRM writes qname= before the xmlns:ns
            # declaration, an order libxml2 does not write (so does s:NotUnderstood below).
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
                                subcode_nsmap={'b': NS_B})
                p.poly = v
            elif t == qn(NS_N, 'EndTo'):
                raise f_unsupported('n:EndTo is not supported.', 'AddressingMode')
        return p

    def total_header(self, req, total):
        return [total_items_header(total)] if req.want_total else []

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
