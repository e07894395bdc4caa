// The essentials through JScript: ActiveXObject with both ProgIDs, flag
// getters, ConnectionOptions, sessions with and without credentials,
// Identify, Get / Put / Create / Delete / Invoke, Enumerate with the
// AtEndOfStream / ReadItem loop, ResourceLocator options, errors as JScript
// error objects (e.number, e.description) plus Session.Error, GetErrorMessage,
// CommandLine, Timeout, BatchItems, HTTPS, and bad input.
//
// SPDX-License-Identifier: MIT

main(function () {
    var wsman = new ActiveXObject("WSMan.Automation");
    var w1 = new ActiveXObject("WSMan.Automation.1");
    var internal = new ActiveXObject("WSMAN.InternalAutomation");
    check(typeof w1 == "object" && typeof internal == "object", "the other ProgIDs");
    expectError(function () { new ActiveXObject("WSMan.Automation.2"); }, 0x800A01AD,
                "ActiveXObject of an unknown version");

    // ---- flags: methods, called with () in JScript ----
    checkEq(wsman.SessionFlagUseBasic(), 0x40000, "SessionFlagUseBasic()");
    checkEq(wsman.SessionFlagUseNoAuthentication(), 0x8000, "SessionFlagUseNoAuthentication()");
    checkEq(wsman.SessionFlagUseSsl(), 0x8000000, "SessionFlagUseSsl()");
    checkEq(wsman.SessionFlagUTF16(), 0x800000, "SessionFlagUTF16()");
    checkEq(wsman.EnumerationFlagReturnEPR(), 2, "EnumerationFlagReturnEPR()");
    checkEq(wsman.EnumerationFlagAssociationInstance(), 0x80, "EnumerationFlagAssociationInstance()");
    checkEq(typeof wsman.SessionFlagUTF8(), "number", "flags are numbers");

    // ---- GetErrorMessage, CommandLine ----
    var msg = wsman.GetErrorMessage(0x803380FA);
    check(typeof msg == "string" && msg.length > 10, "GetErrorMessage(0x803380FA): " + show(msg));
    checkEq(wsman.GetErrorMessage(0x803380FA | 0), msg, "GetErrorMessage of the negative number");
    checkEq(wsman.GetErrorMessage(-2144108294), msg, "GetErrorMessage(-2144108294)");
    checkContains(wsman.CommandLine, WScript.ScriptName, "CommandLine names the script");

    // ---- ConnectionOptions ----
    var o = wsman.CreateConnectionOptions();
    o.UserName = "DOMAIN\\admin";
    checkEq(o.UserName, "DOMAIN\\admin", "UserName round trip");
    o.Password = "pw";
    checkEq(o.ProxyAutoDetect(), 4, "ProxyAutoDetect()");
    o.SetProxy(o.ProxyNoProxyServer());
    var e = expectError(function () { o.SetProxy(3); }, 0x8033819C, "SetProxy(3)");
    check(e && e.description.length > 0, "e.description of a SetProxy failure");

    // ---- sessions ----
    var anon = wsman.CreateSession(g_http, fUseNoAuthentication);
    checkContains(anon.Identify(), "IdentifyResponse", "Identify without credentials");
    var s = session(wsman, g_http);
    checkContains(s.Identify(0), "OS: 10.0.20348", "authenticated Identify");
    checkContains(s.Get(WMI + "Win32_Service?Name=WinRM"), "<p:Name>WinRM</p:Name>", "Get with a URI selector");
    var loc = wsman.CreateResourceLocator(WMI + "Win32_Service");
    loc.AddSelector("Name", "Spooler");
    checkContains(s.Get(loc), "<p:Name>Spooler</p:Name>", "Get through a locator");
    loc.FragmentPath = "StartMode/text()";
    checkContains(s.Get(loc), "Manual", "fragment Get");

    // ---- a fault as a JScript error ----
    e = expectError(function () { s.Get(WMI + "Win32_Service?Name=NoSuchService"); }, 0x8033805B,
                    "Get of a missing instance");
    if (e) {
        check(e.description.length > 0, "e.description of a fault");
        checkEq(e.number, 0x8033805B | 0, "e.number is the signed HRESULT");
    }
    checkFault(s.Error, 0x8033805B, "Session.Error after the fault");
    expectError(function () { wsman.CreateSession("ftp://x"); }, 0x803380DA, "CreateSession(ftp://)");
    checkFault(wsman.Error, 0x803380DA, "WSMan.Error");

    // ---- Create / Put / Get / Delete ----
    var id = "js" + new Date().getTime();
    var xml = "<p:WSMAuto_Item xmlns:p=\"" + WMI + "WSMAuto_Item\"><p:Id>" + id + "</p:Id><p:Name>n</p:Name>" +
              "<p:Value>v</p:Value></p:WSMAuto_Item>";
    var epr = s.Create(WMI + "WSMAuto_Item", xml);
    checkContains(epr, id, "Create returns the EPR");
    checkContains(s.Put(WMI + "WSMAuto_Item?Id=" + id, xml.replace("<p:Value>v<", "<p:Value>w<")),
                  "<p:Value>w</p:Value>", "Put");
    checkContains(s.Get(epr), "<p:Value>w</p:Value>", "Get with the EPR");
    s.Delete(epr);
    expectError(function () { s.Get(epr); }, 0x8033805B, "Get after Delete");

    // ---- Invoke ----
    var r = s.Invoke("StopService", WMI + "Win32_Service?Name=w32time",
                     "<p:StopService_INPUT xmlns:p=\"" + WMI + "Win32_Service\"/>");
    checkContains(r, "StopService_OUTPUT", "Invoke StopService");
    r = s.Invoke("StartService", WMI + "Win32_Service?Name=w32time",
                 "<p:StartService_INPUT xmlns:p=\"" + WMI + "Win32_Service\"/>", 0);
    checkContains(r, "<p:ReturnValue>0</p:ReturnValue>", "Invoke StartService");

    // ---- Enumerate ----
    s.BatchItems = 10;
    checkEq(s.BatchItems, 10, "BatchItems");
    var en = s.Enumerate(WMI + "*", "SELECT * FROM Win32_Service WHERE State = 'Running'", WQL_DIALECT);
    var n = 0, running = 0;
    while (!en.AtEndOfStream) {
        var item = en.ReadItem();
        n++;
        if (contains(item, "<p:State>Running</p:State>"))
            running++;
        if (n > 1000)
            break;
    }
    check(n > 0, "WQL enumeration returned items");
    checkEq(running, n, "every item is running");
    checkEq(en.AtEndOfStream, true, "AtEndOfStream is a boolean true at the end");
    expectError(function () { en.ReadItem(); }, 0x80338007, "ReadItem past the end");
    checkFault(en.Error, 0x80338007, "Enumerator.Error");
    en = s.Enumerate(WMI + "Win32_Service", "", "", wsman.EnumerationFlagReturnEPR());
    checkContains(en.ReadItem(), "EndpointReference", "ReturnEPR");
    en = null;

    // ---- options reach the server ----
    loc = wsman.CreateResourceLocator(ECHO_URI);
    loc.AddOption("jsopt", 42, true);
    loc.MustUnderstandOptions = true;
    checkEq(loc.MustUnderstandOptions, 1, "MustUnderstandOptions is a BOOL");
    r = s.Get(loc);
    checkContains(r, "Name=\"jsopt\" MustComply=\"true\"", "option sent");
    checkContains(r, ">42</e:Option>", "numeric option value");
    loc.ClearOptions();
    checkNotContains(s.Get(loc), "jsopt", "ClearOptions");

    // ---- Timeout ----
    s.Timeout = 3000;
    checkEq(s.Timeout, 3000, "Timeout");
    checkContains(s.Get(ECHO_URI), "PT3.000S", "OperationTimeout");
    expectError(function () { s.BatchItems = 0; }, 0x803380C2, "BatchItems = 0");

    // ---- HTTPS with SkipCACheck ----
    if (g_https) {
        var hs = session(wsman, g_https, fUseBasic | fCredUsernamePassword | fSkipCACheck);
        checkContains(hs.Get(ECHO_URI), "Tls=\"true\"", "HTTPS with SkipCACheck");
    } else {
        fail("no https= argument");
    }

    // ---- bad input: Wine's JScript passes DISP_E_* through, Windows' maps them to 0x800A01xx ----
    var DISP_E_TYPEMISMATCH = 0x80020005, DISP_E_BADPARAMCOUNT = 0x8002000E;
    var DISP_E_MEMBERNOTFOUND = 0x80020003, DISP_E_UNKNOWNNAME = 0x80020006;
    expectError(function () { s.Get(WMI + "Win32_Service?Name=WinRM", "x"); },
                [DISP_E_TYPEMISMATCH, 0x800A000D], "Get(uri, \"x\")");
    expectError(function () { s.Get(WMI + "Win32_Service?Name=WinRM", 0, 1); },
                [DISP_E_BADPARAMCOUNT, 0x800A01C2], "Get with three arguments");
    // Too few arguments: the number of arguments is wrong (449 "argument not optional" is only for an
    // explicitly omitted required one).
    expectError(function () { s.Put(WMI + "Win32_Service?Name=WinRM"); },
                [DISP_E_BADPARAMCOUNT, 0x800A01C2], "Put with one argument");
    expectError(function () { s.NoSuchMethod(); },
                [DISP_E_UNKNOWNNAME, DISP_E_MEMBERNOTFOUND, 0x800A01B6], "a member that does not exist");
    expectError(function () { s.Get(null); }, 0x803380BF, "Get(null)");
    expectError(function () { s.Get(wsman); }, 0x803380C0, "Get(the WSMan object)");
    expectError(function () { return o.Password; }, [DISP_E_MEMBERNOTFOUND, 0x800A01B6], "reading Password");
    // Still working.
    checkContains(s.Get(WMI + "Win32_Service?Name=WinRM"), "WinRM", "the session works after bad input");
});
