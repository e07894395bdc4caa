# SPDX-License-Identifier: MIT
"""The CIM model and the data store (all mutable instance state, under one lock)."""

import re
import threading

from .names import ANONYMOUS, CIMV2, NS_CIM, NS_XSI
from .xmlutil import esc, esc_attr


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
