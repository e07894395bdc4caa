# SPDX-License-Identifier: MIT
"""Resources: the base class, echo, /credssp/last, winrm/config and the listener."""

from lxml import etree

from . import credssp
from .names import ANONYMOUS, ECHO_URI, FAULT_ENUM, GENERIC_OPTIONS, NS_CFG, NS_ECHO
from .faults import (
    E_FILTERING_NOT_SUPPORTED, Fault, R_FILTERING, f_action, f_options, f_parameter, f_representation,
    f_selectors, f_unreachable)
from .xmlutil import children, esc, esc_attr, first_child, split_tag
from .store import render_epr, render_obj


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
    uri = credssp.LAST_URI

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
