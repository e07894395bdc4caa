# SPDX-License-Identifier: MIT
"""Self-tests against the main server: enumeration, polymorphism, filters, config, encodings, limits,
timeouts."""

import time

from .common import (
    ANON, ASSOC, CIMSVC, CIMV2, CONFIG, CT16, CT8, DEP, ECHO, EN, NS, OS_URI, SELFILTER, SVC, T, VERBOSE,
    WQL, check, envelope, expect_fault, sel)


def enum_all(c, uri, body_inner='', extra='', pull_max=20, maxenv=512000):
    """Optimized Enumerate + Pulls; returns (list of item elements, number of round trips, last reply)."""
    r = c.soap(uri, EN + 'Enumerate',
               body='<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>%d</w:MaxElements>'
               '%s</n:Enumerate>' % (pull_max, body_inner), extra=extra, maxenv=maxenv)
    if r.status != 200:
        return None, 1, r
    items = list(r.xp('/s:Envelope/s:Body/n:EnumerateResponse/w:Items/*'))
    ctx = r.text('//n:EnumerateResponse/n:EnumerationContext/text()')
    eos = bool(r.xp('//n:EnumerateResponse/w:EndOfSequence'))
    trips = 1
    while not eos:
        r = c.soap(uri, EN + 'Pull',
                   body='<n:Pull><n:EnumerationContext>%s</n:EnumerationContext><n:MaxElements>%d'
                   '</n:MaxElements></n:Pull>' % (ctx, pull_max), extra=extra, maxenv=maxenv)
        trips += 1
        if r.status != 200:
            return None, trips, r
        items.extend(r.xp('/s:Envelope/s:Body/n:PullResponse/n:Items/*'))
        eos = bool(r.xp('//n:PullResponse/n:EndOfSequence'))
        ctx = r.text('//n:PullResponse/n:EnumerationContext/text()')
        if not eos and not ctx:
            return None, trips, r
    return items, trips, r


def t_enumerate(srv, c):
    # Not optimized: EnumerateResponse holds only a context.
    r = c.soap(SVC, EN + 'Enumerate', body='<n:Enumerate/>')
    ctx = r.text('//n:EnumerateResponse/n:EnumerationContext/text()')
    check('enum: plain Enumerate → context only', r.text('//a:Action/text()') == EN + 'EnumerateResponse' and
          ctx and ctx.startswith('uuid:') and not r.xp('//w:Items') and not r.xp('//w:EndOfSequence'))
    r = c.soap(SVC, EN + 'Pull',
               body='<n:Pull><n:EnumerationContext>%s</n:EnumerationContext></n:Pull>' % ctx)
    items = r.xp('//n:PullResponse/n:Items/svc:Win32_Service')
    check('enum: Pull default MaxElements 1', len(items) == 1 and r.text('//a:Action/text()') ==
          EN + 'PullResponse' and r.text('//n:PullResponse/n:EnumerationContext/text()') == ctx)
    check('enum: well-known instances first', items and items[0].findtext('{%s}Name' % NS['svc']) == 'WinRM')
    names = []
    while True:
        r = c.soap(SVC, EN + 'Pull',
                   body='<n:Pull><n:EnumerationContext>%s</n:EnumerationContext><n:MaxElements>7'
                   '</n:MaxElements></n:Pull>' % ctx)
        got = r.xp('//n:Items/svc:Win32_Service/svc:Name/text()')
        if len(got) > 7:
            break
        names.extend(got)
        if r.xp('//n:PullResponse/n:EndOfSequence'):
            check('enum: no context with EndOfSequence', not r.xp('//n:PullResponse/n:EnumerationContext'))
            break
    check('enum: Pulls return everything (50 + 3 well-known)', len(names) == 52 and len(set(names)) == 52,
          len(names))
    r = c.soap(SVC, EN + 'Pull',
               body='<n:Pull><n:EnumerationContext>%s</n:EnumerationContext></n:Pull>' % ctx)
    expect_fault('enum: Pull on a finished context → InvalidEnumerationContext', r,
                     'n:InvalidEnumerationContext', 2150858779)
    check('enum: enumeration fault action', r.text('//a:Action/text()') ==
          'http://schemas.xmlsoap.org/ws/2004/09/enumeration/fault')
    # Optimized + Release
    r = c.soap(SVC, EN + 'Enumerate',
               body='<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>10</w:MaxElements>'
               '</n:Enumerate>')
    ctx = r.text('//n:EnumerateResponse/n:EnumerationContext/text()')
    check('enum: optimized first batch in w:Items',
          len(r.xp('//n:EnumerateResponse/w:Items/*')) == 10 and ctx)
    r = c.soap(SVC, EN + 'Release',
               body='<n:Release><n:EnumerationContext>%s</n:EnumerationContext></n:Release>'
               % ctx)
    check('enum: Release → empty ReleaseResponse', r.status == 200 and r.text('//a:Action/text()') ==
          EN + 'ReleaseResponse' and not r.xp('/s:Envelope/s:Body/*'))
    r = c.soap(SVC, EN + 'Pull',
               body='<n:Pull><n:EnumerationContext>%s</n:EnumerationContext></n:Pull>' % ctx)
    expect_fault('enum: Pull after Release → InvalidEnumerationContext', r, 'n:InvalidEnumerationContext',
                 2150858779)
    r = c.soap(SVC, EN + 'Release',
               body='<n:Release><n:EnumerationContext>%s</n:EnumerationContext></n:Release>'
               % ctx)
    expect_fault('enum: Release twice → InvalidEnumerationContext', r, 'n:InvalidEnumerationContext',
                 2150858779)
    r = c.soap(SVC, EN + 'Pull',
               body='<n:Pull><n:EnumerationContext>uuid:00000000-0000-0000-0000-000000000000'
               '</n:EnumerationContext></n:Pull>')
    expect_fault('enum: unknown context → InvalidEnumerationContext', r, 'n:InvalidEnumerationContext',
                 2150858779)
    r = c.soap(SVC, EN + 'Enumerate',
               body='<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>2</w:MaxElements>'
               '</n:Enumerate>')
    ctx = r.text('//n:EnumerateResponse/n:EnumerationContext/text()')
    r = c.soap(CIMSVC, EN + 'Pull',
               body='<n:Pull><n:EnumerationContext>%s</n:EnumerationContext></n:Pull>' % ctx)
    expect_fault('enum: Pull with another ResourceURI → InvalidEnumerationContext', r,
                 'n:InvalidEnumerationContext',
                 2150858779)
    r = c.soap(SVC, EN + 'Pull',
               body='<n:Pull><n:EnumerationContext>%s</n:EnumerationContext></n:Pull>' % ctx)
    check('enum: context still valid after that', r.status == 200)
    c.soap(SVC, EN + 'Release',
           body='<n:Release><n:EnumerationContext>%s</n:EnumerationContext></n:Release>' % ctx)
    # Optimized, everything in one batch: empty context + w:EndOfSequence
    r = c.soap(OS_URI, EN + 'Enumerate', body='<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>32000'
               '</w:MaxElements></n:Enumerate>')
    check('enum: done in one batch → empty context + w:EndOfSequence',
          r.text('//n:EnumerateResponse/n:EnumerationContext/text()') is None and
          r.xp('//n:EnumerateResponse/n:EnumerationContext')
          and r.xp('//n:EnumerateResponse/w:EndOfSequence') and
          len(r.xp('//w:Items/os:Win32_OperatingSystem')) == 1)
    r = c.soap(SVC, EN + 'Enumerate',
               body='<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>50</w:MaxElements>'
               '<w:Filter Dialect="%s">SELECT * FROM Win32_Service WHERE Name = \'none-such\'</w:Filter>'
               '</n:Enumerate>' % WQL)
    check('enum: empty result → no w:Items', r.status == 200 and not r.xp('//w:Items') and
          r.xp('//n:EnumerateResponse/w:EndOfSequence'))
    r = c.soap(SVC, EN + 'Enumerate', body='<n:Enumerate><w:OptimizeEnumeration/></n:Enumerate>')
    check('enum: OptimizeEnumeration without MaxElements → 1 item', len(r.xp('//w:Items/*')) == 1)
    ctx = r.text('//n:EnumerateResponse/n:EnumerationContext/text()')
    c.soap(SVC, EN + 'Release',
           body='<n:Release><n:EnumerationContext>%s</n:EnumerationContext></n:Release>' % ctx)
    r = c.soap(SVC, EN + 'Enumerate',
               body='<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>0</w:MaxElements>'
               '</n:Enumerate>')
    expect_fault('enum: MaxElements 0 → InvalidParameter', r, 'w:InvalidParameter', 2150858799)
    r = c.soap(SVC, EN + 'Enumerate',
               body='<n:Enumerate><w:EnumerationMode>EnumerateEverything</w:EnumerationMode>'
               '</n:Enumerate>')
    expect_fault('enum: bad EnumerationMode → UnsupportedFeature', r, 'w:UnsupportedFeature', 2150858886,
                 'EnumerationMode')
    r = c.soap(SVC, EN + 'Enumerate', body='<n:Other/>')
    expect_fault('enum: wrong body → SchemaValidationError', r, 'w:SchemaValidationError', 2150858817)
    r = c.soap(CONFIG, EN + 'Enumerate', body='<n:Enumerate/>')
    expect_fault('enum: not enumerable → ActionNotSupported', r, 'a:ActionNotSupported', 2150858771)
    r = c.soap(CIMV2 + 'NoSuchClass', EN + 'Enumerate', body='<n:Enumerate/>')
    expect_fault('enum: unknown class → DestinationUnreachable', r, 'a:DestinationUnreachable', 2150858752)
    # EPR modes
    r = c.soap(SVC, EN + 'Enumerate',
               body='<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>3</w:MaxElements>'
               '<w:EnumerationMode>EnumerateEPR</w:EnumerationMode></n:Enumerate>')
    eprs = r.xp('//w:Items/a:EndpointReference')
    check('enum: EnumerateEPR', len(eprs) == 3 and
          r.text('//w:Items/a:EndpointReference[1]/a:Address/text()') == ANON and
          r.text('//w:Items/a:EndpointReference[1]/a:ReferenceParameters/w:ResourceURI/text()') == SVC and
          r.text('//w:Items/a:EndpointReference[1]//w:Selector[@Name="Name"]/text()') == 'WinRM')
    ctx = r.text('//n:EnumerateResponse/n:EnumerationContext/text()')
    r = c.soap(SVC, EN + 'Pull',
               body='<n:Pull><n:EnumerationContext>%s</n:EnumerationContext><n:MaxElements>2'
               '</n:MaxElements></n:Pull>' % ctx)
    check('enum: EPR mode kept across Pull', len(r.xp('//n:Items/a:EndpointReference')) == 2)
    c.soap(SVC, EN + 'Release',
           body='<n:Release><n:EnumerationContext>%s</n:EnumerationContext></n:Release>' % ctx)
    r = c.soap(SVC, EN + 'Enumerate',
               body='<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>2</w:MaxElements>'
               '<w:EnumerationMode>EnumerateObjectAndEPR</w:EnumerationMode></n:Enumerate>')
    it = r.xp('//w:Items/w:Item')
    check('enum: EnumerateObjectAndEPR (w:Item: object then EPR)', len(it) == 2 and
          [split(ch.tag) for ch in it[0]] == ['Win32_Service', 'EndpointReference'])
    ctx = r.text('//n:EnumerateResponse/n:EnumerationContext/text()')
    c.soap(SVC, EN + 'Release',
           body='<n:Release><n:EnumerationContext>%s</n:EnumerationContext></n:Release>' % ctx)
    # Total count estimate
    r = c.soap(SVC, EN + 'Enumerate',
               body='<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>1</w:MaxElements>'
               '</n:Enumerate>', extra='<w:RequestTotalItemsCountEstimate/>')
    check('enum: TotalItemsCountEstimate', r.text('//s:Header/w:TotalItemsCountEstimate/text()') == '53')
    ctx = r.text('//n:EnumerateResponse/n:EnumerationContext/text()')
    c.soap(SVC, EN + 'Release',
           body='<n:Release><n:EnumerationContext>%s</n:EnumerationContext></n:Release>' % ctx)


def split(tag):
    return tag.rsplit('}', 1)[-1]


def t_polymorphism(srv, c):
    items, _, r = enum_all(c, CIMSVC, '<b:PolymorphismMode>None</b:PolymorphismMode>', pull_max=100)
    check('poly: None → only direct CIM_Service instances', items is not None and
          [split(i.tag) for i in items] == ['CIM_Service', 'CIM_Service'], items and [i.tag for i in items])
    items, _, r = enum_all(c, CIMSVC, '<b:PolymorphismMode>ExcludeSubClassProperties</b:PolymorphismMode>',
                           pull_max=100)
    ok = items is not None and len(items) == 55 and all(i.tag == '{%s}CIM_Service' % NS['cim'] for i in items)
    check('poly: Exclude → all 55 as CIM_Service elements', ok, items and len(items))
    check('poly: Exclude → only base properties', items and
          [split(ch.tag) for ch in items[2]] == ['Caption', 'Name', 'State'])
    items, _, r = enum_all(c, CIMSVC, '<b:PolymorphismMode>IncludeSubClassProperties</b:PolymorphismMode>',
                           pull_max=100)
    check('poly: Include → derived instances keep their element + namespace',
          items is not None and len(items) == 55
          and items[2].tag == '{%s}Win32_Service' % NS['svc'] and
          items[2].find('{%s}StartMode' % NS['svc']) is not None)
    items2, _, _ = enum_all(c, CIMSVC, pull_max=100)
    check('poly: absent = Include', items2 is not None and [i.tag for i in items2] == [i.tag for i in items])
    r = c.soap(CIMSVC, EN + 'Enumerate', body='<n:Enumerate><b:PolymorphismMode>Sideways</b:PolymorphismMode>'
               '</n:Enumerate>')
    expect_fault('poly: unknown mode → PolymorphismModeNotSupported', r, 'b:PolymorphismModeNotSupported',
                 2150859063)


def t_filters(srv, c):
    def wql(q, uri=CIMV2 + '*', mode=''):
        return enum_all(c, uri, '%s<w:Filter Dialect="%s">%s</w:Filter>' % (mode, WQL, q), pull_max=1000)
    items, _, r = wql("SELECT * FROM Win32_Service WHERE State = 'Stopped'")
    states = [i.findtext('{%s}State' % NS['svc']) for i in items or []]
    check('wql: State = Stopped', items is not None and states and all(s == 'Stopped' for s in states),
          r.data[:500])
    n_stopped = len(states)
    items, _, r = wql("select Name, State from win32_service where state&lt;&gt;'Stopped' and "
                      "(StartMode = 'Manual' or name = \"WinRM\")")
    ok = items is not None and all([split(ch.tag) for ch in i] == ['Name', 'State'] for i in items) and \
        all(i.findtext('{%s}State' % NS['svc']) != 'Stopped' for i in items)
    check('wql: projection + AND/OR/parentheses, case-insensitive', ok and len(items) > 0,
          r.data[:600] if r is not None else None)
    items, _, r = wql('SELECT Name FROM Win32_Service WHERE ProcessId = 0')
    check('wql: numeric comparison', items is not None and len(items) == n_stopped,
          (len(items or []), n_stopped))
    items, _, r = wql("SELECT * FROM Win32_Service WHERE State != 'Running'", uri=SVC)
    check('wql: on a class URI', items is not None and len(items) == n_stopped)
    items, _, r = wql("SELECT Name FROM CIM_Service WHERE Name = 'cimsvc1' OR Name = 'WinRM'")
    check('wql: base class query returns derived objects with their own element', items is not None and
          sorted(split(i.tag) for i in items) == ['CIM_Service', 'Win32_Service'])
    items, _, r = wql("SELECT * FROM Win32_Service WHERE Name LIKE 'svc0001%'")
    check('wql: LIKE', items is not None and len(items) == 10)
    items, _, r = wql("SELECT * FROM Win32_Service WHERE NOT (State = 'Running')")
    check('wql: NOT', items is not None and len(items) == n_stopped)
    items, _, r = wql('SELECT * FROM Win32_Service WHERE Name = \'WinRM\'',
                      mode='<w:EnumerationMode>EnumerateEPR'
                      '</w:EnumerationMode>')
    check('wql: EPR mode',
          items is not None and len(items) == 1 and split(items[0].tag) == 'EndpointReference')
    for bad in ('SELECT FROM Win32_Service', 'SELECT * FROM Win32_Nothing',
                "SELECT * FROM Win32_Service WHERE "
                "Colour = 'red'", "SELECT * FROM Win32_Service WHERE State = 'x' AND", 'DELETE everything',
                "SELECT * FROM Win32_Service WHERE State = 'unterminated"):
        r = c.soap(CIMV2 + '*', EN + 'Enumerate', body='<n:Enumerate><w:Filter Dialect="%s">%s</w:Filter>'
                   '</n:Enumerate>' % (WQL, bad))
        expect_fault('wql: bad query %r → CannotProcessFilter' % bad, r, 'n:CannotProcessFilter', 2150858778)
    check('wql: enumeration fault action', r.text('//a:Action/text()') ==
          'http://schemas.xmlsoap.org/ws/2004/09/enumeration/fault')
    r = c.soap(CIMV2 + '*', EN + 'Enumerate', body='<n:Enumerate><w:Filter Dialect="urn:no-such-dialect">x'
               '</w:Filter></n:Enumerate>')
    expect_fault('filter: unknown dialect → FilterDialectRequestedUnavailable', r,
                 'n:FilterDialectRequestedUnavailable', 2150858777)
    r = c.soap(CIMV2 + '*', EN + 'Enumerate', body='<n:Enumerate/>')
    expect_fault('filter: * without a filter → CannotProcessFilter', r, 'n:CannotProcessFilter', 2150858778)
    # SelectorFilter (MS-WSMV shape)
    items, _, r = enum_all(c, SVC,
                           '<w:Filter Dialect="%s"><w:SelectorSet><w:Selector Name="StartMode">Disabled'
                           '</w:Selector><w:Selector Name="State">Stopped</w:Selector></w:SelectorSet>'
                           '</w:Filter>'
                           % SELFILTER, pull_max=100)
    ok = items is not None and len(items) > 0 and all(i.findtext('{%s}StartMode' % NS['svc']) == 'Disabled'
                                                      and
                                                      i.findtext('{%s}State' % NS['svc']) == 'Stopped'
                                                      for i in items)
    check('selectorfilter: StartMode=Disabled, State=Stopped', ok, r.data[:400])
    r = c.soap(SVC, EN + 'Enumerate', body='<n:Enumerate><w:Filter Dialect="%s"><w:SelectorSet><w:Selector '
               'Name="Colour">red</w:Selector></w:SelectorSet></w:Filter></n:Enumerate>' % SELFILTER)
    expect_fault('selectorfilter: unknown property → CannotProcessFilter', r, 'n:CannotProcessFilter',
                 2150858778)
    # Association filter
    obj = ('<b:Object><a:Address>%s</a:Address><a:ReferenceParameters><w:ResourceURI>%s</w:ResourceURI>'
           '<w:SelectorSet><w:Selector Name="Name">%%s</w:Selector></w:SelectorSet></a:ReferenceParameters>'
           '</b:Object>' % (ANON, SVC))

    def assoc(inner, mode=''):
        return enum_all(c, CIMV2 + '*', '%s<w:Filter Dialect="%s">%s</w:Filter>' % (mode, ASSOC, inner),
                        pull_max=100)
    items, _, r = assoc('<b:AssociatedInstances>%s</b:AssociatedInstances>' % (obj % 'winrm'))
    names = sorted(i.findtext('{%s}Name' % NS['svc']) for i in items or [])
    check('assoc: AssociatedInstances of WinRM', names == ['svc00010', 'svc00020', 'svc00030', 'svc00040',
                                                           'svc00050', 'w32time'], r.data[:400])
    items, _, r = assoc('<b:AssociatedInstances>%s<b:AssociationClassName>Win32_DependentService'
                        '</b:AssociationClassName><b:Role>Dependent</b:Role><b:ResultClassName>Win32_Service'
                        '</b:ResultClassName><b:ResultRole>Antecedent</b:ResultRole>'
                        '<b:IncludeResultProperty>Name</b:IncludeResultProperty>'
                        '<b:IncludeResultProperty>State</b:IncludeResultProperty>'
                        '</b:AssociatedInstances>' % (obj % 'WinRM'))
    check('assoc: Role/ResultRole/ResultClassName/IncludeResultProperty',
          items is not None and len(items) == 1 and
          [split(ch.tag) for ch in items[0]] == ['Name', 'State'] and
          items[0].findtext('{%s}Name' % NS['svc']) == 'w32time', r.data[:400])
    items, _, r = assoc('<b:AssociatedInstances>%s<b:Role>Antecedent</b:Role>'
                        '<b:ResultRole>Antecedent</b:ResultRole></b:AssociatedInstances>' % (obj % 'WinRM'))
    check('assoc: contradictory roles → empty', items == [])
    items, _, r = assoc('<b:AssociatedInstances>%s<b:AssociationClassName>Win32_Other'
                        '</b:AssociationClassName></b:AssociatedInstances>' % (obj % 'WinRM'))
    check('assoc: other association class → empty', items == [])
    items, _, r = assoc('<b:AssociationInstances>%s</b:AssociationInstances>' % (obj % 'svc00020'))
    ok = items is not None and len(items) == 1 and split(items[0].tag) == 'Win32_DependentService'
    if ok:
        ant = items[0].find('{%s}Antecedent' % NS['dep'])
        ok = ant is not None and ant.findtext('.//{%s}Selector' % NS['w']) == 'WinRM' and \
            ant.findtext('{%s}ReferenceParameters/{%s}ResourceURI' % (NS['a'], NS['w'])) == SVC
    check('assoc: AssociationInstances carry Antecedent/Dependent EPRs', ok, r.data[:600])
    items, _, r = assoc('<b:AssociatedInstances>%s</b:AssociatedInstances>' % (obj % 'w32time'),
                        mode='<w:EnumerationMode>EnumerateEPR</w:EnumerationMode>')
    check('assoc: EPR mode', items is not None and len(items) == 1 and
          items[0].findtext('.//{%s}Selector' % NS['w']) == 'WinRM')
    r = c.soap(CIMV2 + '*', EN + 'Enumerate',
               body='<n:Enumerate><w:Filter Dialect="%s"><b:AssociatedInstances>%s'
               '</b:AssociatedInstances></w:Filter></n:Enumerate>' % (ASSOC, obj % 'nosuch'))
    expect_fault('assoc: unknown object → CannotProcessFilter', r, 'n:CannotProcessFilter', 2150858778)
    # Get of an association instance (EPR-valued selectors)
    epr = ('<a:EndpointReference><a:Address>%s</a:Address><a:ReferenceParameters>'
           '<w:ResourceURI>%s</w:ResourceURI><w:SelectorSet><w:Selector Name="Name">%%s</w:Selector>'
           '</w:SelectorSet></a:ReferenceParameters>'
           '</a:EndpointReference>' % (ANON, SVC))
    r = c.soap(DEP, T + 'Get',
               extra='<w:SelectorSet><w:Selector Name="Antecedent">%s</w:Selector><w:Selector '
               'Name="Dependent">%s</w:Selector></w:SelectorSet>' % (epr % 'w32time', epr % 'WinRM'))
    check('assoc: Get Win32_DependentService by EPR selectors', r.status == 200 and
          r.xp('//dep:Win32_DependentService/dep:Dependent//w:Selector[text()="WinRM"]'), r.data[:400])


def t_config(srv, c):
    r = c.soap(CONFIG, T + 'Get')
    check('config: Get → bare cfg:Config', r.xp('/s:Envelope/s:Body/cfg:Config') and
          r.text('//cfg:Config/cfg:MaxEnvelopeSizekb/text()') == '500' and
          r.text('//cfg:Config/cfg:MaxTimeoutms/text()') == '60000' and
          r.text('//cfg:Config/cfg:MaxBatchItems/text()') == '32000' and
          r.text('//cfg:Config/cfg:Service/cfg:Auth/cfg:Basic/text()') == 'true' and
          r.xp('//cfg:Config/cfg:Client/cfg:DefaultPorts/cfg:HTTP') and
          r.xp('//cfg:Config/cfg:Winrs/cfg:MaxShellsPerUser'))
    r = c.soap(CONFIG + '/service/auth', T + 'Get')
    check('config: Get service/auth', r.text('/s:Envelope/s:Body/auth:Auth/auth:Basic/text()') == 'true' and
          r.text('//auth:Auth/auth:Certificate/text()') == 'false')
    r = c.soap(CONFIG + '/winrs', T + 'Put', body='<cfg:Winrs xmlns:cfg="%s/winrs"><cfg:IdleTimeout>1234'
               '</cfg:IdleTimeout></cfg:Winrs>' % CONFIG)
    check('config: partial Put returns the updated element',
          r.text('/s:Envelope/s:Body/*[local-name()="Winrs"]/*[local-name()="IdleTimeout"]/text()')
          == '1234' and
          r.text('//*[local-name()="MaxShellsPerUser"]/text()') == '2147483647', r.data[-500:])
    r = c.soap(CONFIG, T + 'Get')
    check('config: Put persisted', r.text('//cfg:Config/cfg:Winrs/cfg:IdleTimeout/text()') == '1234')
    r = c.soap(CONFIG, T + 'Put', body='<cfg:Config xmlns:cfg="%s"><cfg:Service><cfg:Auth><cfg:Basic>maybe'
               '</cfg:Basic></cfg:Auth></cfg:Service></cfg:Config>' % CONFIG)
    expect_fault('config: bad boolean → InvalidParameter', r, 'w:InvalidParameter', 2150858810)
    r = c.soap(CONFIG, T + 'Put', body='<cfg:Config xmlns:cfg="%s"><cfg:NoSuchSetting>1</cfg:NoSuchSetting>'
               '</cfg:Config>' % CONFIG)
    expect_fault('config: unknown setting → InvalidRepresentation', r, 'x:InvalidRepresentation', 2150858773)
    r = c.soap(CONFIG + '/client', T + 'Put', body='<cfg:Client xmlns:cfg="%s/client"><cfg:TrustedHosts>a,b'
               '</cfg:TrustedHosts></cfg:Client>' % CONFIG)
    check('config: Put client', r.text('//*[local-name()="TrustedHosts"]/text()') == 'a,b')
    r = c.soap(CONFIG + '/listener', EN + 'Enumerate',
               body='<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>5'
               '</w:MaxElements></n:Enumerate>')
    check('config: listener Enumerate', r.text('//w:Items/lst:Listener/lst:Port/text()') == str(srv.port) and
          r.text('//w:Items/lst:Listener/lst:Transport/text()') == 'HTTP' and r.xp('//w:EndOfSequence'))
    r = c.soap(CONFIG + '/listener', T + 'Get', extra=sel(Address='*', Transport='HTTP'))
    check('config: listener Get', r.text('//lst:Listener/lst:Address/text()') == '*')
    r = c.soap(CONFIG + '/listener', T + 'Get', extra=sel(Address='*', Transport='HTTPS'))
    expect_fault('config: listener Get with no match', r, 'w:InvalidSelectors', 2150858843)
    r = c.soap(CONFIG + '/listener', T + 'Get', extra=sel(Address='*'))
    expect_fault('config: listener Get with a missing selector', r, 'w:InvalidSelectors', 2150858843,
                 'InsufficientSelectors')


def t_encoding(srv, c):
    # UTF-16LE with BOM
    body = b'\xff\xfe' + envelope(SVC, T + 'Get', extra=sel(Name='WinRM')).encode('utf-16-le')
    r = c.raw(body, {'Content-Type': CT16})
    check('utf16: reply is UTF-16LE with BOM and charset=UTF-16',
          r.status == 200 and r.data[:2] == b'\xff\xfe' and
          r.ctype == CT16 and r.text('//svc:Name/text()') == 'WinRM', (r.status, r.ctype, r.data[:20]))
    check('utf16: Content-Length counts bytes', r.headers.get('Content-Length') == str(len(r.data)))
    body = b'\xfe\xff' + envelope(SVC, T + 'Get', extra=sel(Name='WinRM')).encode('utf-16-be')
    r = c.raw(body, {'Content-Type': 'application/soap+xml; charset=utf-16'})
    check('utf16: big-endian with BOM accepted', r.status == 200 and r.text('//svc:Name/text()') == 'WinRM')
    body = envelope(ECHO, T + 'Get',
                    extra='<w:OptionSet><w:Option Name="word">Grüße ☃ 𝄞</w:Option></w:OptionSet>'
                    ).encode('utf-16-le')
    r = c.raw(body, {'Content-Type': CT16})
    check('utf16: no BOM = LE; non-ASCII text round-trips', r.status == 200 and
          r.text('//e:Option[@Name="word"]/text()') == 'Grüße ☃ 𝄞' and r.xp('//e:Http[@Charset="utf-16"]'))
    r = c.raw('<?xml version="1.0" encoding="utf-16"?>' + envelope(OS_URI, T + 'Get'))
    check('utf8: a wrong XML declaration encoding does not override the HTTP charset', r.status == 200)
    r = c.raw(b'\xff\xfe' + envelope(OS_URI, T + 'Get').encode('utf-16-le'), {'Content-Type': CT8})
    check('utf8 header with UTF-16 body → 400', r.status == 400)
    r = c.raw(envelope(OS_URI, T + 'Frob').encode('utf-16-le'), {'Content-Type': CT16})
    check('utf16: faults in UTF-16 too', r.status == 500 and r.data[:2] == b'\xff\xfe' and r.fault() and
          r.fault()[0] == 'a:ActionNotSupported')
    lines = srv.log_lines()
    check('log: charset=utf-16 logged', any('charset=utf-16' in ln for ln in lines))


def t_limits(srv, c):
    r = c.soap(OS_URI, T + 'Get', maxenv=4096)
    expect_fault('limit: MaxEnvelopeSize < 8192 → EncodingLimit', r, 'w:EncodingLimit', 2150858878,
                 'MaxEnvelopeSize')
    r = c.soap(OS_URI, T + 'Get', maxenv='lots')
    expect_fault('limit: MaxEnvelopeSize not a number', r, 'a:InvalidMessageInformationHeader', 2150858767)
    big = 'x' * 20000
    r = c.soap(ECHO, T + 'Get', maxenv=8192,
               extra='<w:OptionSet><w:Option Name="pad">%s</w:Option></w:OptionSet>'
               % big)
    expect_fault('limit: reply larger than MaxEnvelopeSize → EncodingLimit 0x80338048', r, 'w:EncodingLimit',
                 2150858824, 'MaxEnvelopeSize')
    r = c.soap(ECHO, T + 'Get', maxenv=200000, extra='<w:OptionSet><w:Option Name="pad">%s</w:Option>'
               '</w:OptionSet>' % big)
    check('limit: same reply fits a larger MaxEnvelopeSize', r.status == 200)
    huge = 'y' * (520 * 1024)
    r = c.soap(ECHO, T + 'Get', extra='<w:OptionSet><w:Option Name="pad">%s</w:Option></w:OptionSet>' % huge)
    expect_fault('limit: request larger than MaxEnvelopeSizekb → EncodingLimit', r, 'w:EncodingLimit',
                 2150858805,
                 'MaxEnvelopeSize')
    check('limit: that fault still relates to the request',
          (r.text('//a:RelatesTo/text()') or '').startswith('uuid:'))
    # Envelope-size-limited enumeration batches: fewer items than asked, never a fault.
    r = c.soap(SVC, EN + 'Enumerate', maxenv=8192,
               body='<n:Enumerate><w:OptimizeEnumeration/><w:MaxElements>100'
               '</w:MaxElements></n:Enumerate>')
    n = len(r.xp('//w:Items/*'))
    check('limit: optimized batch trimmed to fit MaxEnvelopeSize', r.status == 200 and 0 < n < 53 and
          len(r.data) <= 8192 and not r.xp('//w:EndOfSequence'), (r.status, n, len(r.data)))
    ctx = r.text('//n:EnumerateResponse/n:EnumerationContext/text()')
    total = n
    while ctx:
        r = c.soap(SVC, EN + 'Pull', maxenv=8192,
                   body='<n:Pull><n:EnumerationContext>%s</n:EnumerationContext>'
                   '<n:MaxElements>100</n:MaxElements></n:Pull>' % ctx)
        if r.status != 200 or len(r.data) > 8192:
            break
        total += len(r.xp('//n:Items/*'))
        ctx = r.text('//n:PullResponse/n:EnumerationContext/text()')
    check('limit: trimmed batches still deliver everything', total == 53, total)


def t_timeout(srv, c):
    dl = '<w:OptionSet><w:Option Name="wsmauto:delay_ms">%d</w:Option></w:OptionSet>'
    r = c.soap(OS_URI, T + 'Get', extra=dl % 200, timeout='PT5S')
    check('timeout: delay shorter than OperationTimeout → 200', r.status == 200)
    t0 = time.time()
    r = c.soap(OS_URI, T + 'Get', extra=dl % 30000, timeout='PT1.000S')
    el = time.time() - t0
    expect_fault('timeout: delay longer than OperationTimeout → TimedOut', r, 'w:TimedOut', 2150858793)
    check('timeout: TimedOut is s:Receiver', r.text('//s:Fault/s:Code/s:Value/text()') == 's:Receiver')
    if VERBOSE:
        print('     (TimedOut arrived after %.2f s)' % el)
    r = c.soap(OS_URI, T + 'Get', extra=dl % 1, timeout='PT10S')
    check('timeout: connection usable after TimedOut', r.status == 200)
