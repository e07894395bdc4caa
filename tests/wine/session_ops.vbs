' Session: Identify, Get (URI selectors, aliases, ResourceLocator, EPR),
' Put, Create, Delete, Invoke, faults (Err.Number/Source/Description and
' Session.Error), Timeout and BatchItems (IWSManSession; the
' Session object pages on Microsoft Learn).
'
' SPDX-License-Identifier: MIT

Dim wsman, s, r, loc, epr, xml, id
Set wsman = CreateObject("WSMAN.Automation")

' ---- Identify ----
Set s = wsman.CreateSession(g_http, fUseNoAuthentication)
r = s.Identify
CheckContains r, "IdentifyResponse", "unauthenticated Identify"
CheckContains r, "OS: 0.0.0", "unauthenticated Identify has no version data"
CheckNotContains r, "Envelope", "Identify returns the IdentifyResponse element, not the envelope"
Set s = BasicSession(wsman, g_http)
CheckEq s.Error, "", "Session.Error is empty before a failure"
r = s.Identify()
CheckContains r, "ProtocolVersion", "authenticated Identify"
CheckContains r, "OS: 10.0.20348", "authenticated Identify has the version"
' The flag makes one Identify unauthenticated on an authenticated session.
r = s.Identify(wsman.SessionFlagUseNoAuthentication)
CheckContains r, "OS: 0.0.0", "Identify(SessionFlagUseNoAuthentication)"
On Error Resume Next
r = s.Identify(1)
CheckErr Err, &H803380AC, "Identify(1): not an auth flag"
On Error GoTo 0
' A local session cannot Identify.
On Error Resume Next
r = wsman.CreateSession("").Identify
CheckErr Err, &H803380FC, "Identify on a local session"
On Error GoTo 0

' ---- Get ----
CheckContains s.Get(WMI & "Win32_Service?Name=WinRM"), "<p:Name>WinRM</p:Name>", "Get with a URI selector"
CheckContains s.Get("wmicimv2/Win32_Service?Name=Spooler"), "Spooler", "Get with an alias"
CheckContains s.Get("wmi/root/cimv2/Win32_OperatingSystem"), "10.0.20348", "Get of a singleton"
CheckContains s.Get(WMI & "win32_service?name=winrm"), "<p:Name>WinRM</p:Name>", "class and key case-insensitive"
Set loc = wsman.CreateResourceLocator(WMI & "Win32_Service")
loc.AddSelector "Name", "WinRM"
CheckContains s.Get(loc), "<p:StartMode>", "Get through a ResourceLocator"
loc.FragmentPath = "State"
r = s.Get(loc)
CheckContains r, "XmlFragment", "fragment Get"
CheckContains r, ">Running<", "fragment value"
CheckNotContains r, "<p:Name>", "fragment Get returns only the fragment"
r = s.Get(WMI & "Win32_Service?Name=WinRM", 0)
CheckContains r, "WinRM", "Get with flags 0"

' ---- a fault: Err.Number, Err.Source, Err.Description, Session.Error ----
On Error Resume Next
r = s.Get(WMI & "Win32_Service?Name=NoSuchService")
CheckEq Err.Number, &H8033805B, "Get of a missing instance: Err.Number"
CheckEq Err.Source, "Session", "Err.Source"
Check Len(Err.Description) > 0, "Err.Description is not empty"
Err.Clear
On Error GoTo 0
CheckFault s.Error, &H8033805B, "Session.Error after the fault"
CheckContains s.Error, "<f:Message>", "Session.Error has a message"
On Error Resume Next
r = s.Get(WMI & "No_Such_Class")
CheckErr Err, &H80338000, "Get of an unknown class"
On Error GoTo 0
CheckFault s.Error, &H80338000, "Session.Error follows the last failure"
' The session is still good.
CheckContains s.Get(WMI & "Win32_Service?Name=WinRM"), "WinRM", "Get after a fault"

' ---- client-side argument checks ----
On Error Resume Next
r = s.Get("")
CheckErr Err, &H803380BF, "Get("""")"
CheckFault s.Error, &H803380BF, "Session.Error after a blank URI"
r = s.Get(5)
CheckErr Err, &H803380C0, "Get(5)"
r = s.Get(s)
CheckErr Err, &H803380C0, "Get(a Session object)"
r = s.Get(Null)
CheckErr Err, &H803380BF, "Get(Null)"
r = s.Get(WMI & "Win32_Service?Name")
CheckErr Err, &H8033807A, "a selector without a value"
r = s.Get(WMI & "Win32_Service?Name=WinRM", 1)
CheckErr Err, &H803380AC, "Get with flags 1"
r = s.Put(WMI & "Win32_Service?Name=WinRM", "")
CheckErr Err, &H803380C1, "Put with blank XML"
r = s.Create(WMI & "WSMAuto_Item", "  ")
CheckErr Err, &H803380C1, "Create with blank XML"
r = s.Invoke("", WMI & "Win32_Service?Name=WinRM", "<x/>")
CheckErr Err, &H803380C4, "Invoke with a blank action"
r = s.Invoke("StartService", WMI & "Win32_Service?Name=WinRM", "")
CheckErr Err, &H803380C1, "Invoke with blank parameters"
s.Delete WMI & "WSMAuto_Item?Id=1", 2
CheckErr Err, &H803380AC, "Delete with flags 2"
r = s.Put(WMI & "WSMAuto_Item?Id=1", "<p:WSMAuto_Item xmlns:p=""x""><unclosed></p:WSMAuto_Item>")
CheckErr Err, &H80338043, "Put with malformed XML"
On Error GoTo 0

' ---- Put / Create / Delete on WSMAuto_Item (its own Id, so reruns work) ----
id = "vbs" & CStr(Int(Timer * 100))
xml = "<p:WSMAuto_Item xmlns:p=""" & WMI & "WSMAuto_Item""><p:Id>" & id & "</p:Id><p:Name>new</p:Name>" & _
      "<p:Value>v1</p:Value></p:WSMAuto_Item>"
epr = s.Create(WMI & "WSMAuto_Item", xml)
CheckContains epr, "ResourceCreated", "Create returns the EPR"
CheckContains epr, id, "the EPR names the new instance"
On Error Resume Next
r = s.Create(WMI & "WSMAuto_Item", xml)
CheckErr Err, &H80338033, "Create of an existing instance"
On Error GoTo 0
' The EPR string addresses the instance.
CheckContains s.Get(epr), "<p:Value>v1</p:Value>", "Get with the EPR"
xml = Replace(xml, "<p:Value>v1</p:Value>", "<p:Value>changed &amp; &lt;ok&gt;</p:Value>")
r = s.Put(WMI & "WSMAuto_Item?Id=" & id, xml)
CheckContains r, "<p:Value>changed &amp; &lt;ok&gt;</p:Value>", "Put returns the new representation"
CheckContains s.Get(WMI & "WSMAuto_Item?Id=" & id), "changed &amp; &lt;ok&gt;", "Get after Put"
' Put of a fragment.
Set loc = wsman.CreateResourceLocator(WMI & "WSMAuto_Item")
loc.AddSelector "Id", id
loc.FragmentPath = "Name/text()"
r = s.Put(loc, "<w:XmlFragment xmlns:w=""http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"">renamed</w:XmlFragment>")
CheckContains r, "renamed", "fragment Put"
CheckContains s.Get(WMI & "WSMAuto_Item?Id=" & id), "<p:Name>renamed</p:Name>", "Get after the fragment Put"
s.Delete epr
On Error Resume Next
r = s.Get(WMI & "WSMAuto_Item?Id=" & id)
CheckErr Err, &H8033805B, "the deleted instance is gone"
s.Delete WMI & "WSMAuto_Item?Id=" & id
CheckErr Err, &H8033805B, "Delete of a deleted instance"
On Error GoTo 0

' ---- Invoke: by method name and by action URI ----
Dim params
params = "<p:StopService_INPUT xmlns:p=""" & WMI & "Win32_Service""/>"
r = s.Invoke("StopService", "wmicimv2/Win32_Service?Name=w32time", params)
CheckContains r, "StopService_OUTPUT", "StopService output"
Check Contains(r, "<p:ReturnValue>0</p:ReturnValue>") Or Contains(r, "<p:ReturnValue>5</p:ReturnValue>"), _
      "StopService ReturnValue: " & Show(r)
CheckContains s.Get(WMI & "Win32_Service?Name=w32time"), "<p:State>Stopped</p:State>", "stopped"
r = s.Invoke("StopService", "wmicimv2/Win32_Service?Name=w32time", params)
CheckContains r, "<p:ReturnValue>5</p:ReturnValue>", "StopService again"
r = s.Invoke(WMI & "Win32_Service/StartService", WMI & "Win32_Service?Name=w32time", _
             "<p:StartService_INPUT xmlns:p=""" & WMI & "Win32_Service""/>", 0)
CheckContains r, "<p:ReturnValue>0</p:ReturnValue>", "StartService by action URI"
CheckContains s.Get(WMI & "Win32_Service?Name=w32time"), "<p:State>Running</p:State>", "running again"
' Invoke with a ResourceLocator.
Set loc = wsman.CreateResourceLocator(WMI & "Win32_Service")
loc.AddSelector "Name", "w32time"
r = s.Invoke("ChangeStartMode", loc, "<p:ChangeStartMode_INPUT xmlns:p=""" & WMI & "Win32_Service""><p:StartMode>Manual</p:StartMode></p:ChangeStartMode_INPUT>")
CheckContains r, "<p:ReturnValue>0</p:ReturnValue>", "ChangeStartMode through a locator"
On Error Resume Next
r = s.Invoke("NoSuchMethod", WMI & "Win32_Service?Name=w32time", "<p:NoSuchMethod_INPUT xmlns:p=""" & WMI & "Win32_Service""/>")
CheckErr Err, &H80338013, "an unknown method"
r = s.Invoke("StopService", WMI & "Win32_Service?Name=w32time", "<p:Wrong_INPUT xmlns:p=""" & WMI & "Win32_Service""/>")
CheckErr Err, &H80338015, "the wrong input element"
On Error GoTo 0

' ---- Timeout and BatchItems ----
Dim s2
Set s2 = BasicSession(wsman, g_http)
CheckEq s2.Timeout, 60000, "Timeout default"
CheckEq s2.BatchItems, 20, "BatchItems default"
s2.Timeout = 2500
CheckEq s2.Timeout, 2500, "Timeout round trip"
s2.BatchItems = 7
CheckEq s2.BatchItems, 7, "BatchItems round trip"
CheckEq TypeName(s2.BatchItems), "Long", "BatchItems is a Long"
' The timeout goes on the wire as the OperationTimeout.
CheckContains s2.Get(ECHO_URI), "PT2.500S", "Session.Timeout drives OperationTimeout"
On Error Resume Next
s2.BatchItems = 0
CheckEq Err.Number, &H803380C2, "BatchItems = 0: Err.Number"
CheckEq Err.Source, "Session", "BatchItems = 0: Err.Source"
CheckContains Err.Description, "BatchItems", "BatchItems = 0: Err.Description"
Err.Clear
s2.BatchItems = -3
CheckErr Err, &H803380C2, "BatchItems = -3"
' The member's E_INVALIDARG comes back through EXCEPINFO, so VBScript shows it as it is.
s2.Timeout = -5
CheckErr Err, &H80070057, "Timeout = -5 (E_INVALIDARG)"
s2.Timeout = 0
CheckErr Err, &H80070057, "Timeout = 0"
s2.Timeout = "soon"
CheckErr Err, 13, "Timeout = ""soon"""
s2.BatchItems = 3000000000
CheckErr Err, 6, "BatchItems = 3000000000 (overflow)"
On Error GoTo 0
CheckEq s2.Timeout, 2500, "a refused Timeout changes nothing"
CheckEq s2.BatchItems, 7, "a refused BatchItems changes nothing"
s2.Timeout = "1500"
CheckEq s2.Timeout, 1500, "a numeric string converts"
' An operation that takes longer than the timeout (the server sleeps 3 s).
s2.Timeout = 1000
Set loc = wsman.CreateResourceLocator(ECHO_URI)
loc.AddOption "wsmauto:delay_ms", "3000"
On Error Resume Next
r = s2.Get(loc)
Check Err.Number = &H80338029 Or Err.Number = &H800705B4, "an operation past its Timeout: " & Show(Err.Number)
Err.Clear
On Error GoTo 0

Finish
