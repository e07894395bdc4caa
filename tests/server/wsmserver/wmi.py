# SPDX-License-Identifier: MIT
"""WMI resources under …/wmi/root/cimv2/ and the wildcard (enumeration with filters, associations)."""

import re

from .names import (
    ANONYMOUS, CIMV2, DIALECT_ASSOC, DIALECT_SELECTOR, DIALECT_WQL, DIALECT_XPATH, DMTF_ALL, FAULT_ENUM,
    NS_B, NS_CIM, NS_XSI, W_SELECTOR, W_SELECTORSET, W_XMLFRAGMENT, XSI_NIL, qn)
from .faults import (
    E_ALREADY_EXISTS, E_FILTER_DIALECT, E_FRAGMENT_DIALECT, E_INVALID_FRAGMENT_PATH, Fault, R_DIALECT,
    R_EXISTS, R_FRAGMENT_DIALECT, f_action, f_filter, f_parameter, f_representation, f_selectors,
    f_unsupported)
from .xmlutil import children, esc, first_child, split_tag, text_of, xml_bool
from .store import (
    CIM_SERVICE, CLASSES, Ref, VALID_MODES, VALID_STATES, WIN32_DEPENDENT, WIN32_OS, WIN32_SERVICE,
    WSMAUTO_ITEM, render_epr_inner, render_obj)
from .request import parse_epr_elem, selector_value
from .resources import Resource, check_cim_namespace, renderer


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


def include_only(cls, include):
    """The property names IncludeResultProperty asks for, as cls spells them (None: all of them); an unknown
    name is a filter fault."""
    if not include:
        return None
    only = set()
    for p in include:
        pn = cls.prop_map.get(p.lower())
        if pn is None:
            raise f_filter('IncludeResultProperty %s is not a property of %s.' % (p, cls.name))
        only.add(pn)
    return only


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
            only = include_only(result_cls, include)

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
        only = include_only(WIN32_DEPENDENT, include)

        def gen2():
            if src_name is None:
                return
            for r in roles:
                for other in st.dep_results(src_name, r):
                    ant, dep = (src_name, other) if r == 'Antecedent' else (other, src_name)
                    yield WIN32_DEPENDENT, st.dep_props(ant, dep)
        render = renderer(params.mode, only)
        return (render(rec) for rec in gen2()), None
