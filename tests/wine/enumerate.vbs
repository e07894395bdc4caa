' Session.Enumerate with each filter dialect (WQL, selector filter,
' association) and each enumeration flag, the AtEndOfStream / ReadItem loop,
' Enumerator.Error, and BatchItems during an enumeration (IWSManEnumerator,
' Session.Enumerate on Microsoft Learn).
' The HTTP server has the default 50 generated services plus WinRM, Spooler
' and w32time.
'
' SPDX-License-Identifier: MIT

Const SERVICES = 53
Dim wsman, s, e, n, m, first, item
Set wsman = CreateObject("WSMAN.Automation")
Set s = BasicSession(wsman, g_http)

' Enumerates and counts; first holds the first item.
Function Run(uri, filter, dialect, flags, needle, ByRef matching)
    Dim en, it, count
    Set en = s.Enumerate(uri, filter, dialect, flags)
    count = 0
    matching = 0
    first = ""
    Do While Not en.AtEndOfStream
        it = en.ReadItem
        If count = 0 Then first = it
        count = count + 1
        If Contains(it, needle) Then matching = matching + 1
        If count > 1000 Then Exit Do
    Loop
    Run = count
End Function

' ---- plain enumeration, the documented loop ----
Set e = s.Enumerate(WMI & "Win32_Service")
CheckEq TypeName(e), "IWSManEnumerator", "Enumerate returns an Enumerator"
CheckEq e.Error, "", "Enumerator.Error starts empty"
CheckEq TypeName(e.AtEndOfStream), "Boolean", "AtEndOfStream is a Boolean"
n = CountItems(e, "<p:Win32_Service", m)
CheckEq n, SERVICES, "plain enumeration: items"
CheckEq m, SERVICES, "plain enumeration: every item is a Win32_Service"
CheckEq e.AtEndOfStream, True, "AtEndOfStream at the end"
' ReadItem past the end: ENUMERATION_CLOSED, and Enumerator.Error says so.
On Error Resume Next
item = e.ReadItem
CheckEq Err.Number, &H80338007, "ReadItem past the end: Err.Number"
CheckEq Err.Source, "Enumerator", "ReadItem past the end: Err.Source"
Err.Clear
On Error GoTo 0
CheckFault e.Error, &H80338007, "Enumerator.Error after ReadItem past the end"

' Small batches: the same items, more Pulls.
s.BatchItems = 4
n = Run(WMI & "Win32_Service", "", "", 0, "<p:Win32_Service", m)
CheckEq n, SERVICES, "BatchItems 4: items"
s.BatchItems = 20

' ---- WQL ----
n = Run(WMI & "*", "SELECT Name,State FROM Win32_Service WHERE State = 'Stopped'", WQL_DIALECT, 0, _
        "<p:State>Stopped</p:State>", m)
Check n > 0, "WQL: some stopped services"
CheckEq m, n, "WQL: every item is stopped"
CheckNotContains first, "StartMode", "WQL: only the selected properties"
n = Run(WMI & "*", "SELECT * FROM Win32_Service WHERE Name = 'WinRM'", WQL_DIALECT, 0, "WinRM", m)
CheckEq n, 1, "WQL: one service by name"
On Error Resume Next
n = Run(WMI & "*", "SELECT * FROM", WQL_DIALECT, 0, "", m)
CheckErr Err, &H8033801A, "bad WQL"
n = Run(WMI & "*", "SELECT * FROM Win32_Service", "http://example.com/nodialect", 0, "", m)
CheckErr Err, &H80338019, "an unknown dialect"
On Error GoTo 0

' ---- selector filter ----
n = Run(WMI & "Win32_Service", "<w:SelectorSet xmlns:w=""http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"">" & _
        "<w:Selector Name=""StartMode"">Disabled</w:Selector></w:SelectorSet>", SELECTOR_DIALECT, 0, _
        "<p:StartMode>Disabled<", m)
Check n > 0, "selector filter: some disabled services"
CheckEq m, n, "selector filter: every item matches"
' The Microsoft spelling of the dialect is accepted too.
n = Run(WMI & "Win32_Service", "<w:SelectorSet xmlns:w=""http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"">" & _
        "<w:Selector Name=""Name"">Spooler</w:Selector></w:SelectorSet>", _
        "http://schemas.microsoft.com/wbem/wsman/1/wsman/SelectorFilter", 0, "Spooler", m)
CheckEq n, 1, "selector filter (Microsoft dialect URI)"
' A ResourceLocator with selectors on an Enumerate acts as a selector filter.
Dim loc
Set loc = wsman.CreateResourceLocator(WMI & "Win32_Service")
loc.AddSelector "State", "Stopped"
Set e = s.Enumerate(loc)
n = CountItems(e, "<p:State>Stopped</p:State>", m)
Check n > 0, "Enumerate with a locator's selectors"
CheckEq m, n, "the locator's selectors filter"

' ---- association filter (winrm's brace form) ----
n = Run(WMI & "*", "{Object=Win32_Service?Name=WinRM;ResultClassName=Win32_Service;Role=Dependent}", _
        ASSOC_DIALECT, 0, "w32time", m)
CheckEq n, 1, "associated instances"
CheckEq m, 1, "the associated instance is w32time"
n = Run(WMI & "*", "{Object=Win32_Service?Name=WinRM}", _
        "http://schemas.dmtf.org/wbem/wsman/1/cimbinding/AssociationFilter", _
        wsman.EnumerationFlagAssociationInstance, "Win32_DependentService", m)
Check n > 0, "association instances"
CheckEq m, n, "association instances are Win32_DependentService"
n = Run(WMI & "*", "{Object=Win32_Service?Name=WinRM}", ASSOC_DIALECT, _
        wsman.EnumerationFlagAssociatedInstance, "Win32_Service", m)
Check n > 1, "associated instances (flag 0): " & n
On Error Resume Next
n = Run(WMI & "*", "{Object=;Nonsense=1}", ASSOC_DIALECT, 0, "", m)
CheckErr Err, &H80338107, "bad association text"
On Error GoTo 0

' ---- return modes ----
n = Run(WMI & "Win32_Service", "", "", wsman.EnumerationFlagReturnEPR, "EndpointReference", m)
CheckEq n, SERVICES, "ReturnEPR: items"
CheckEq m, SERVICES, "ReturnEPR: every item is an EPR"
CheckNotContains first, "<p:State>", "ReturnEPR: no object"
n = Run(WMI & "Win32_Service", "", "", wsman.EnumerationFlagReturnObjectAndEPR, "EndpointReference", m)
CheckEq n, SERVICES, "ReturnObjectAndEPR: items"
CheckEq m, SERVICES, "ReturnObjectAndEPR: every item has an EPR"
CheckContains first, "<p:State>", "ReturnObjectAndEPR: the object"
CheckContains first, "Item", "ReturnObjectAndEPR: the wsman:Item wrapper"
n = Run(WMI & "Win32_Service", "", "", wsman.EnumerationFlagReturnObject, "<p:Win32_Service", m)
CheckEq m, SERVICES, "ReturnObject"
' An EPR from an enumeration addresses its instance.
Set e = s.Enumerate(WMI & "Win32_Service", "", "", wsman.EnumerationFlagReturnEPR)
item = e.ReadItem
CheckContains s.Get(item), "<p:Win32_Service", "Get with an enumerated EPR"

' ---- hierarchy ----
n = Run(WMI & "CIM_Service", "", "", wsman.EnumerationFlagHierarchyShallow, "", m)
CheckEq n, 2, "HierarchyShallow: only CIM_Service itself"
n = Run(WMI & "CIM_Service", "", "", wsman.EnumerationFlagHierarchyDeepBasePropsOnly, "<p:Name>", m)
CheckEq n, SERVICES + 2, "HierarchyDeepBasePropsOnly: items"
CheckNotContains first, "StartMode", "HierarchyDeepBasePropsOnly: base properties only"
n = Run(WMI & "CIM_Service", "", "", wsman.EnumerationFlagHierarchyDeep, "", m)
CheckEq n, SERVICES + 2, "HierarchyDeep: derived classes too"

' ---- NonXmlText: a filter starting with < is text ----
On Error Resume Next
n = Run(WMI & "*", "<25 && > 1", WQL_DIALECT, wsman.EnumerationFlagNonXmlText, "", m)
CheckErr Err, &H8033801A, "NonXmlText sends the text to the server, which rejects it as WQL"
On Error GoTo 0

' ---- the wsmauto extension flag &H40000000: items in winrm's text layout ----
n = Run(WMI & "Win32_Service", "", "", &H40000000, "    Name = ", m)
CheckEq n, SERVICES, "text items (&H40000000): items"
CheckEq m, SERVICES, "text items: every item has a Name line"
CheckEq Left(first, 18), "Win32_Service" & vbLf & "    ", "text items: the class name, then indented lines"
CheckNotContains first, "<", "text items: no markup"
n = Run(WMI & "Win32_Service", "", "", &H40000000 Or wsman.EnumerationFlagReturnEPR, "    Address = ", m)
CheckEq m, SERVICES, "text items of EPRs"

' ---- bad flags ----
On Error Resume Next
Set e = s.Enumerate(WMI & "Win32_Service", "", "", 6)
CheckErr Err, &H8033811F, "ReturnEPR and ReturnObjectAndEPR together"
Set e = s.Enumerate(WMI & "Win32_Service", "", "", &H100)
CheckErr Err, &H803380AC, "an unknown enumeration flag"
Set e = s.Enumerate("")
CheckErr Err, &H803380BF, "Enumerate("""")"
On Error GoTo 0

' ---- BatchItems and Timeout are frozen while an enumeration runs ----
' (The unfinished EPR enumeration above still runs until its Enumerator goes.)
Set e = Nothing
s.BatchItems = 2
Set e = s.Enumerate(WMI & "Win32_Service")
item = e.ReadItem
On Error Resume Next
s.BatchItems = 5
CheckErr Err, &H8000000E, "BatchItems during an enumeration"
s.Timeout = 5000
CheckErr Err, &H8000000E, "Timeout during an enumeration"
On Error GoTo 0
' Releasing the Enumerator early ends the enumeration.
Set e = Nothing
s.BatchItems = 5
CheckEq s.BatchItems, 5, "BatchItems after the enumerator is released"

' ---- the echo resource: one item, and what the Enumerate carried ----
Set e = s.Enumerate(ECHO_URI)
item = e.ReadItem
CheckContains item, "enumeration/Enumerate", "the Enumerate action"
CheckEq e.AtEndOfStream, True, "one item only"

Finish
