' Bad input from a script: wrong types, too few and too many arguments,
' Nothing where an object is expected, members that do not exist. Each must
' raise the VBScript runtime error Windows gives (VBScript maps
' DISP_E_TYPEMISMATCH to 13, DISP_E_BADPARAMCOUNT to 450,
' DISP_E_PARAMNOTOPTIONAL to 449, DISP_E_UNKNOWNNAME / DISP_E_MEMBERNOTFOUND
' to 438, DISP_E_OVERFLOW to 6) or the member's documented HRESULT, and
' never crash or hang cscript: the objects keep working afterwards.
'
' SPDX-License-Identifier: MIT

Dim wsman, s, loc, o, e, r, n
Set wsman = CreateObject("WSMAN.Automation")
Set s = BasicSession(wsman, g_http)
Set loc = wsman.CreateResourceLocator(WMI & "Win32_Service")
Set o = wsman.CreateConnectionOptions
Set e = s.Enumerate(WMI & "Win32_Service")

On Error Resume Next

' ---- wrong types: 13 type mismatch ----
Set r = wsman.CreateSession(g_http, "not a number")
CheckErr Err, 13, "CreateSession(url, ""not a number"")"
Set r = wsman.CreateSession(g_http, 0, "not an object")
CheckErr Err, 13, "CreateSession(url, 0, ""not an object"")"
Set r = wsman.CreateSession(Array(1, 2))
CheckErr Err, 13, "CreateSession(an array)"
r = wsman.GetErrorMessage("abc")
CheckErr Err, 13, "GetErrorMessage(""abc"")"
r = s.Get(WMI & "Win32_Service?Name=WinRM", "zero")
CheckErr Err, 13, "Get(uri, ""zero"")"
r = s.Identify("x")
CheckErr Err, 13, "Identify(""x"")"
s.BatchItems = "many"
CheckErr Err, 13, "BatchItems = ""many"""
s.Timeout = Array(1)
CheckErr Err, 13, "Timeout = an array"
loc.MustUnderstandOptions = "yes"
CheckErr Err, 13, "MustUnderstandOptions = ""yes"""
loc.AddSelector "Name", loc
CheckErr Err, 13, "AddSelector with an object as the value"
loc.AddOption "opt", Array(1, 2)
CheckErr Err, 13, "AddOption with an array as the value"
o.SetProxy "ie"
CheckErr Err, 13, "SetProxy(""ie"")"
Set r = s.Enumerate(WMI & "Win32_Service", "", "", "none")
CheckErr Err, 13, "Enumerate(..., flags ""none"")"
' Out of range for a long: 6 overflow.
r = s.Get(WMI & "Win32_Service?Name=WinRM", 1E+20)
CheckErr Err, 6, "Get(uri, 1E+20)"
' A resource that is neither a string nor a ResourceLocator: the documented HRESULT.
r = s.Get(3.5)
CheckErr Err, &H803380C0, "Get(3.5)"
r = s.Get(Array("a"))
CheckErr Err, &H803380C0, "Get(an array)"
r = s.Get(o)
CheckErr Err, &H803380C0, "Get(a ConnectionOptions object)"

' ---- too few arguments: 450 (449 "argument not optional" is for a required argument left
' out explicitly, as in Put(uri, , 0)) ----
r = s.Get()
CheckErr Err, 450, "Get()"
r = s.Put(WMI & "Win32_Service?Name=WinRM")
CheckErr Err, 450, "Put(uri)"
r = s.Create(WMI & "WSMAuto_Item")
CheckErr Err, 450, "Create(uri)"
s.Delete
CheckErr Err, 450, "Delete"
r = s.Invoke("StopService", WMI & "Win32_Service?Name=WinRM")
CheckErr Err, 450, "Invoke(action, uri)"
Set r = s.Enumerate()
CheckErr Err, 450, "Enumerate()"
r = wsman.GetErrorMessage()
CheckErr Err, 450, "GetErrorMessage()"
loc.AddSelector "Name"
CheckErr Err, 450, "AddSelector(name)"
loc.AddOption "opt"
CheckErr Err, 450, "AddOption(name)"

' A required argument left out explicitly: Wine's oleaut32 tries to convert VBScript's
' missing-argument marker to the BSTR and reports a type mismatch (13).
r = s.Put(WMI & "Win32_Service?Name=WinRM", , 0)
CheckErr Err, 13, "Put(uri, , 0): the required resource left out"
' For the VARIANT resource the marker reaches the member, which calls it a blank URI.
r = s.Invoke("StopService", , "<x/>")
CheckErr Err, &H803380BF, "Invoke(action, , xml)"

' ---- too many arguments: 450 ----
r = s.Get(WMI & "Win32_Service?Name=WinRM", 0, 1)
CheckErr Err, 450, "Get with three arguments"
s.Delete WMI & "WSMAuto_Item?Id=none", 0, 1
CheckErr Err, 450, "Delete with three arguments"
r = s.Identify(0, 1)
CheckErr Err, 450, "Identify with two arguments"
Set r = wsman.CreateConnectionOptions(1)
CheckErr Err, 450, "CreateConnectionOptions(1)"
Set r = wsman.CreateSession(g_http, 0, Nothing, 1)
CheckErr Err, 450, "CreateSession with four arguments"
Set r = wsman.CreateResourceLocator("a", "b")
CheckErr Err, 450, "CreateResourceLocator with two arguments"
r = e.ReadItem(1)
CheckErr Err, 450, "ReadItem(1)"
loc.ClearSelectors 1
CheckErr Err, 450, "ClearSelectors 1"
loc.ClearOptions 1, 2
CheckErr Err, 450, "ClearOptions 1, 2"
' An argument to a property that takes none: oleaut32's DISP_E_NOTACOLLECTION, 451.
r = s.Timeout(5)
CheckErr Err, 451, "Timeout(5): a property get with an argument"
r = o.ProxyIEConfig(1)
CheckErr Err, 450, "ProxyIEConfig(1)"
o.SetProxy 1, 0, "", "", 5
CheckErr Err, 450, "SetProxy with five arguments"

' ---- Nothing ----
r = s.Get(Nothing)
CheckErr Err, &H803380C0, "Get(Nothing)"
r = s.Invoke("StopService", Nothing, "<x/>")
CheckErr Err, &H803380C0, "Invoke(action, Nothing, xml)"
Set r = s.Enumerate(Nothing)
CheckErr Err, &H803380C0, "Enumerate(Nothing)"
loc.AddSelector "Name", Nothing
CheckErr Err, 13, "AddSelector(name, Nothing)"
' Nothing for a string: oleaut32 cannot convert an empty object reference (DISP_E_BADVARTYPE, 458).
Set r = wsman.CreateSession(Nothing)
CheckErr Err, 458, "CreateSession(Nothing)"
' A foreign object as the connection options: the member's E_INVALIDARG, through EXCEPINFO.
Set r = wsman.CreateSession(g_http, 0, wsman)
CheckErr Err, &H80070057, "CreateSession(url, 0, the WSMan object)"
' Nothing is the documented default of the options.
Set r = wsman.CreateSession(g_http, 0, Nothing)
CheckNoErr Err, "CreateSession(url, 0, Nothing)"
' A member of Nothing: an error (Windows' VBScript says 424 "object required"; Wine 8's
' says 0x80004005), and the script goes on.
Dim nothingObj
Set nothingObj = Nothing
r = nothingObj.Get(WMI)
Check Err.Number = 424 Or Err.Number = &H80004005, "a member of Nothing: " & Show(Err.Number)
Err.Clear
' Null where a string is expected: oleaut32 cannot convert it, a type mismatch.
Set r = wsman.CreateSession(Null)
CheckErr Err, 13, "CreateSession(Null)"

' ---- members that do not exist: 438 ----
r = s.NoSuchMember
CheckErr Err, 438, "Session.NoSuchMember"
Set r = wsman.CreateSesion(g_http)
CheckErr Err, 438, "a misspelt CreateSession"
e.Timeout = 5
CheckErr Err, 438, "Enumerator.Timeout = 5 (winrm.vbs does it; the TLB has no such member)"
loc.Foo = 1
CheckErr Err, 438, "ResourceLocator.Foo = 1"
r = o.Password
CheckErr Err, 438, "reading the write-only Password"
wsman.SessionFlagUTF8 = 1
CheckErr Err, 438, "assigning a flag getter"
s.Error = "x"
CheckErr Err, 438, "assigning Session.Error"
e.AtEndOfStream = True
CheckErr Err, 438, "assigning AtEndOfStream"
s.Identify = "x"
CheckErr Err, 438, "assigning to a method"

' ---- big and odd strings ----
r = s.Get(WMI & "Win32_Service?Name=" & Replace(Space(200000), " ", "a"))
Check Err.Number <> 0, "a 200000-character selector is refused"
Err.Clear
r = s.Get("http://" & Chr(1) & Chr(2) & "/x")
Check Err.Number <> 0, "control characters in the URI are refused"
Err.Clear
r = s.Put(WMI & "WSMAuto_Item?Id=1", "<a>" & Chr(0) & "</a>")
Check Err.Number <> 0, "a NUL in the XML is refused"
Err.Clear

On Error GoTo 0

' ---- still alive: every object still works ----
CheckContains s.Get(WMI & "Win32_Service?Name=WinRM"), "<p:Name>WinRM</p:Name>", "the session works after bad input"
loc.ClearSelectors
loc.AddSelector "Name", "Spooler"
CheckContains s.Get(loc), "Spooler", "the locator works after bad input"
n = 0
Do While Not e.AtEndOfStream
    r = e.ReadItem
    n = n + 1
Loop
CheckEq n, 53, "the enumerator works after bad input"
CheckEq wsman.SessionFlagUseBasic, &H40000, "the WSMan object works after bad input"

Finish
