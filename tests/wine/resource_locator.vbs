' ResourceLocator: ResourceURI, AddSelector / ClearSelectors, FragmentPath,
' FragmentDialect, AddOption / MustUnderstandOptions / ClearOptions and Error
' (IWSManResourceLocator), and what the server receives from each (the echo
' resource shows the request's headers).
'
' SPDX-License-Identifier: MIT

Dim wsman, loc, s, r
Set wsman = CreateObject("WSMAN.Automation")

' ---- ResourceURI ----
Set loc = wsman.CreateResourceLocator("wmicimv2/Win32_Service?Name=winrm+Other=x=y")
CheckEq loc.ResourceURI, WMI & "Win32_Service", "the alias is expanded, the query becomes selectors"
loc.ResourceURI = "winrm/config"
CheckEq loc.ResourceURI, "http://schemas.microsoft.com/wbem/wsman/1/config", "put ResourceURI expands aliases"
loc.resourceuri = ECHO_URI
CheckEq loc.ResourceURI, ECHO_URI, "ResourceURI (any case)"
CheckEq loc.Error, "", "ResourceLocator.Error is empty before a failure"
On Error Resume Next
loc.ResourceURI = "winrm/config?a=b"
CheckEq Err.Number, &H80338002, "ResourceURI with a query: Err.Number"
CheckEq Err.Source, "ResourceLocator", "ResourceURI failure: Err.Source"
CheckContains Err.Description, "AddSelector", "ResourceURI failure: Err.Description says to use AddSelector"
Err.Clear
On Error GoTo 0
CheckFault loc.Error, &H80338002, "ResourceLocator.Error"
CheckEq loc.ResourceURI, ECHO_URI, "a refused ResourceURI changes nothing"

' ---- selectors ----
Set loc = wsman.CreateResourceLocator("wmicimv2/Win32_Service?Name=winrm")
On Error Resume Next
loc.AddSelector "Name", "winrm"
CheckErr Err, &H8033805F, "AddSelector of a name the query already gave"
On Error GoTo 0
loc.ClearSelectors
loc.AddSelector "Name", "winrm"
loc.AddSelector "Id", 42
On Error Resume Next
loc.AddSelector "", "x"
CheckErr Err, &H80338118, "AddSelector with an empty name"
loc.AddSelector "Name"
CheckErr Err, 450, "AddSelector without a value"
On Error GoTo 0

' ---- options ----
loc.AddOption "opt", Null, True
On Error Resume Next
loc.AddOption "opt", "again"
CheckErr Err, &H80338039, "AddOption of a name already there"
On Error GoTo 0
loc.ClearOptions
loc.AddOption "opt", "value"
CheckEq loc.MustUnderstandOptions, 0, "MustUnderstandOptions starts FALSE"
loc.MustUnderstandOptions = True
CheckEq loc.MustUnderstandOptions, 1, "MustUnderstandOptions is a BOOL: TRUE reads back as 1"
CheckEq TypeName(loc.MustUnderstandOptions), "Long", "MustUnderstandOptions is a Long"
loc.MustUnderstandOptions = 5
CheckEq loc.MustUnderstandOptions, 1, "MustUnderstandOptions normalised"
loc.MustUnderstandOptions = False
CheckEq loc.MustUnderstandOptions, 0, "MustUnderstandOptions FALSE"

' ---- fragments ----
CheckEq loc.FragmentDialect, "", "FragmentDialect starts empty"
CheckEq loc.FragmentPath, "", "FragmentPath starts empty"
loc.FragmentPath = "Win32_Service/Name"
CheckEq loc.FragmentPath, "Win32_Service/Name", "FragmentPath round trip"
loc.FragmentDialect = XPATH_DIALECT
CheckEq loc.FragmentDialect, XPATH_DIALECT, "FragmentDialect round trip"

' ---- what goes on the wire (the echo resource) ----
Set s = BasicSession(wsman, g_http)
Set loc = wsman.CreateResourceLocator(ECHO_URI)
loc.AddSelector "Name", "winrm"
loc.AddSelector "Number", 42
loc.AddOption "textopt", "hello", True
loc.AddOption "boolopt", True
loc.AddOption "nilopt", Null
loc.MustUnderstandOptions = True
loc.FragmentPath = "Status/text()"
r = s.Get(loc)
CheckContains r, "<e:Selector Name=""Name"">winrm</e:Selector>", "selector Name sent"
CheckContains r, "<e:Selector Name=""Number"">42</e:Selector>", "a numeric selector sent as text"
CheckContains r, "<e:OptionSet MustUnderstand=""true"">", "MustUnderstandOptions sent"
CheckContains r, "Name=""textopt"" MustComply=""true""", "option with MustComply"
CheckContains r, ">hello</e:Option>", "option value"
CheckContains r, "Name=""boolopt""", "boolean option"
CheckContains r, "xs:boolean", "the boolean option is typed"
CheckContains r, "Name=""nilopt"" MustComply=""false"" Nil=""true""", "a Null option is nil"
CheckContains r, ">Status/text()</e:Fragment>", "fragment path sent"
CheckContains r, "<e:Fragment Dialect=""" & XPATH_DIALECT & """>", "the default fragment dialect is XPath 1.0"

' ClearSelectors / ClearOptions / an empty FragmentPath: nothing of them is sent.
loc.ClearSelectors
loc.ClearOptions
loc.FragmentPath = ""
r = s.Get(loc)
CheckNotContains r, "<e:SelectorSet>", "no selectors after ClearSelectors"
CheckNotContains r, "<e:OptionSet", "no options after ClearOptions"
CheckNotContains r, "<e:Fragment", "no fragment after FragmentPath = """""

' The selectors of the query in CreateResourceLocator are sent like AddSelector's.
Set loc = wsman.CreateResourceLocator(ECHO_URI & "?A=1+B=two")
r = s.Get(loc)
CheckContains r, "<e:Selector Name=""A"">1</e:Selector><e:Selector Name=""B"">two</e:Selector>", "query selectors"

' A fragment of a real instance, by locator.
Set loc = wsman.CreateResourceLocator(WMI & "Win32_Service")
loc.AddSelector "Name", "WinRM"
loc.FragmentPath = "StartMode"
r = s.Get(loc)
CheckContains r, "XmlFragment", "fragment Get returns an XmlFragment"
CheckContains r, "Auto", "fragment value"
CheckNotContains r, "<p:Name>", "fragment Get returns just the fragment"
' An unknown dialect is the server's fault.
loc.FragmentDialect = "http://example.com/nodialect"
On Error Resume Next
r = s.Get(loc)
CheckErr Err, &H80338090, "an unknown fragment dialect"
On Error GoTo 0

Finish
