' The WSMan object: every flag getter of IWSManEx/Ex2/Ex3 (WSManSessionFlags
' and WSManEnumFlags), CommandLine, GetErrorMessage (positive and negative numbers),
' CreateResourceLocator and WSMan.Error.
'
' SPDX-License-Identifier: MIT

Dim wsman, v, msg, msg2
Set wsman = CreateObject("WSMAN.Automation")

' ---- flag getters: called the ways scripts call them ----
CheckEq wsman.SessionFlagUTF8, &H1&, "SessionFlagUTF8"
CheckEq wsman.SessionFlagCredUsernamePassword, &H1000&, "SessionFlagCredUsernamePassword"
CheckEq wsman.SessionFlagSkipCACheck, &H2000&, "SessionFlagSkipCACheck"
CheckEq wsman.SessionFlagSkipCNCheck, &H4000&, "SessionFlagSkipCNCheck"
CheckEq wsman.SessionFlagUseDigest, &H10000, "SessionFlagUseDigest"
CheckEq wsman.SessionFlagUseNegotiate, &H20000, "SessionFlagUseNegotiate"
CheckEq wsman.SessionFlagUseBasic, &H40000, "SessionFlagUseBasic"
CheckEq wsman.SessionFlagUseKerberos, &H80000, "SessionFlagUseKerberos"
CheckEq wsman.SessionFlagNoEncryption, &H100000, "SessionFlagNoEncryption"
CheckEq wsman.SessionFlagEnableSPNServerPort, &H400000, "SessionFlagEnableSPNServerPort"
CheckEq wsman.SessionFlagUseNoAuthentication, &H8000&, "SessionFlagUseNoAuthentication"
CheckEq wsman.EnumerationFlagNonXmlText, &H1&, "EnumerationFlagNonXmlText"
CheckEq wsman.EnumerationFlagReturnEPR, &H2&, "EnumerationFlagReturnEPR"
CheckEq wsman.EnumerationFlagReturnObjectAndEPR, &H4&, "EnumerationFlagReturnObjectAndEPR"
CheckEq wsman.EnumerationFlagHierarchyDeep, 0, "EnumerationFlagHierarchyDeep"
CheckEq wsman.EnumerationFlagHierarchyShallow, &H20&, "EnumerationFlagHierarchyShallow"
CheckEq wsman.EnumerationFlagHierarchyDeepBasePropsOnly, &H40&, "EnumerationFlagHierarchyDeepBasePropsOnly"
CheckEq wsman.EnumerationFlagReturnObject, 0, "EnumerationFlagReturnObject"
CheckEq wsman.SessionFlagUseClientCertificate, &H200000, "SessionFlagUseClientCertificate"
CheckEq wsman.SessionFlagUTF16, &H800000, "SessionFlagUTF16"
CheckEq wsman.SessionFlagUseCredSsp, &H1000000, "SessionFlagUseCredSsp"
CheckEq wsman.EnumerationFlagAssociationInstance, &H80&, "EnumerationFlagAssociationInstance"
CheckEq wsman.EnumerationFlagAssociatedInstance, 0, "EnumerationFlagAssociatedInstance"
CheckEq wsman.SessionFlagSkipRevocationCheck, &H2000000, "SessionFlagSkipRevocationCheck"
CheckEq wsman.SessionFlagAllowNegotiateImplicitCredentials, &H4000000, "SessionFlagAllowNegotiateImplicitCredentials"
CheckEq wsman.SessionFlagUseSsl, &H8000000, "SessionFlagUseSsl"
' They are methods returning a long: with parentheses too, any case, VT_I4.
CheckEq wsman.SessionFlagUseBasic(), &H40000, "SessionFlagUseBasic()"
CheckEq wsman.sessionflagusebasic, &H40000, "sessionflagusebasic (case-insensitive)"
CheckEq TypeName(wsman.SessionFlagUTF8), "Long", "flag getters return a Long"
' winrm.vbs style: flags or'ed together.
v = wsman.SessionFlagUseBasic Or wsman.SessionFlagCredUsernamePassword Or wsman.SessionFlagNoEncryption
CheckEq v, &H141000, "or'ed flags"

' ---- CommandLine: the raw command line of cscript, naming this script ----
v = wsman.CommandLine
CheckEq TypeName(v), "String", "CommandLine type"
CheckContains LCase(v), "cscript", "CommandLine names the host"
CheckContains v, WScript.ScriptName, "CommandLine names the script"
CheckContains v, "user=" & g_user, "CommandLine holds the script arguments"
On Error Resume Next
wsman.CommandLine = "x"
CheckErr Err, 438, "CommandLine is read-only"
On Error GoTo 0

' ---- GetErrorMessage ----
msg = wsman.GetErrorMessage(&H803380BF)
CheckEq TypeName(msg), "String", "GetErrorMessage type"
Check Len(msg) > 10, "GetErrorMessage(&H803380BF) gives a text: " & Show(msg)
CheckContains LCase(msg), "uri", "message of ERROR_WSMAN_CLIENT_BLANK_URI"
' winrm helpmsg passes CLng of the hex code: a negative Long must work (IWSMan::GetErrorMessage).
msg = wsman.GetErrorMessage(CLng(&H803380FA))
Check Len(msg) > 10, "GetErrorMessage(CLng(&H803380FA)) gives a text: " & Show(msg)
msg2 = wsman.GetErrorMessage(2150859002)
CheckEq msg, msg2, "negative Long and the positive Double give the same message"
Dim negvar
negvar = -2144108294 ' a variable: passed by reference
CheckEq wsman.GetErrorMessage(negvar), msg, "GetErrorMessage(byref negative variable)"
msg = wsman.GetErrorMessage(&H80338004)
Check Len(msg) > 0, "a message for every WinRM code (0x80338004)"
msg = wsman.GetErrorMessage(5)
Check Len(msg) > 0, "a message for a Win32 code (5): " & Show(msg)
msg = wsman.GetErrorMessage(&H12345678)
CheckContains UCase(msg), "12345678", "an unknown code is named"
' A numeric string converts like any Automation argument.
CheckEq wsman.GetErrorMessage("5"), wsman.GetErrorMessage(5), "GetErrorMessage(""5"")"

' ---- CreateResourceLocator ----
Dim loc
Set loc = wsman.CreateResourceLocator()
CheckEq loc.ResourceURI, "", "an empty locator has no URI"
Set loc = wsman.CreateResourceLocator("wmicimv2/Win32_Service?Name=winrm")
CheckEq loc.ResourceURI, WMI & "Win32_Service", "CreateResourceLocator expands the alias"

' ---- WSMan.Error: empty until something fails, then the WSManFault ----
Dim fresh
Set fresh = CreateObject("WSMAN.Automation")
CheckEq fresh.Error, "", "WSMan.Error starts empty"
On Error Resume Next
Set loc = fresh.CreateResourceLocator("wmi/x?Name")
CheckEq Err.Number, &H8033807A, "CreateResourceLocator with a bad query: Err.Number"
CheckEq Err.Source, "WSMan", "CreateResourceLocator failure: Err.Source"
Check Len(Err.Description) > 0, "CreateResourceLocator failure: Err.Description"
Err.Clear
On Error GoTo 0
CheckFault fresh.Error, &H8033807A, "WSMan.Error after CreateResourceLocator"
On Error Resume Next
Set loc = fresh.CreateSession("host:99999")
CheckEq Err.Number, &H803380DB, "CreateSession(host:99999): Err.Number"
CheckEq Err.Source, "WSMan", "CreateSession failure: Err.Source"
CheckContains Err.Description, "99999", "CreateSession failure: Err.Description names the port"
Err.Clear
On Error GoTo 0
CheckFault fresh.Error, &H803380DB, "WSMan.Error after CreateSession"

' ---- members that do not exist ----
On Error Resume Next
v = wsman.NoSuchMember
CheckErr Err, 438, "wsman.NoSuchMember"
v = wsman.SessionFlagUseBasic(1)
CheckErr Err, 450, "a flag getter with an argument"
On Error GoTo 0

' ---- WSMAN.InternalAutomation: ConfigSDDL (winrm configsddl opens an editor that does not exist here) ----
Dim internal, sddlSession
Set internal = CreateObject("WSMAN.InternalAutomation")
CheckEq TypeName(internal), "IWSManInternal", "TypeName of the internal object"
Set sddlSession = BasicSession(wsman, g_http)
On Error Resume Next
v = internal.ConfigSDDL(sddlSession, "winrm/config/service")
CheckEq Err.Number, &H80070032, "ConfigSDDL: not supported"
CheckEq Err.Source, "WSManInternal", "ConfigSDDL: Err.Source"
CheckContains Err.Description, "Session.Get", "ConfigSDDL: Err.Description says what to do instead"
Err.Clear
v = internal.ConfigSDDL(Nothing, "winrm/config/service")
CheckErr Err, &H80070057, "ConfigSDDL(Nothing)"
Err.Clear
v = internal.ConfigSDDL(sddlSession)
CheckErr Err, 450, "ConfigSDDL without the resource URI"
Err.Clear
On Error GoTo 0

Finish
