// Runs WMI methods over WS-Management, like Microsoft's Session.Invoke
// sample: StartService on a service, then StopService to put it back, with
// the <Method>_INPUT document as the parameters.
//
// Usage: cscript //nologo invoke_method.js [URL [USER [PASSWORD [SERVICE]]]]
//   defaults: http://localhost:5985/wsman wsmuser wsmpass Spooler
// Under Wine against the bundled test server: tools/run-wine-example.sh examples/jscript/invoke_method.js
//
// SPDX-License-Identifier: MIT

var CLASS_URI = "http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service";
var args = WScript.Arguments;
var url = args.length > 0 ? args.Item(0) : "http://localhost:5985/wsman";
var user = args.length > 1 ? args.Item(1) : "wsmuser";
var password = args.length > 2 ? args.Item(2) : "wsmpass";
var service = args.length > 3 ? args.Item(3) : "Spooler";

function getProperty(xml, name) {
    var m = new RegExp("<p:" + name + ">([^<]*)</p:" + name + ">").exec(xml);
    return m ? m[1] : "";
}

function hex(n) {
    return "0x" + (n < 0 ? n + 4294967296 : n).toString(16).toUpperCase();
}

var wsman = new ActiveXObject("WSMan.Automation");
var session, resource = CLASS_URI + "?Name=" + service;

// Calls a method without parameters and returns its ReturnValue.
function callMethod(method) {
    var response = session.Invoke(method, resource, "<p:" + method + "_INPUT xmlns:p=\"" + CLASS_URI + "\"/>");
    return getProperty(response, "ReturnValue");
}

function state() {
    return getProperty(session.Get(resource), "State");
}

try {
    var options = wsman.CreateConnectionOptions();
    options.UserName = user;
    options.Password = password;
    var flags = wsman.SessionFlagUseBasic() | wsman.SessionFlagCredUsernamePassword();
    if (url.substring(0, 6).toLowerCase() != "https:")
        flags |= wsman.SessionFlagNoEncryption();
    session = wsman.CreateSession(url, flags, options);

    var before = state();
    WScript.Echo(service + " is " + before);
    if (before == "Running") {
        WScript.Echo("StopService  -> ReturnValue " + callMethod("StopService"));
        WScript.Echo(service + " is " + state());
        WScript.Echo("StartService -> ReturnValue " + callMethod("StartService"));
    } else {
        WScript.Echo("StartService -> ReturnValue " + callMethod("StartService"));
        WScript.Echo(service + " is " + state());
        WScript.Echo("StopService  -> ReturnValue " + callMethod("StopService"));
    }
    var after = state();
    WScript.Echo(service + " is " + after);
    if (after != before) {
        WScript.Echo("Error: the service did not go back to " + before);
        WScript.Quit(1);
    }
} catch (e) {
    WScript.Echo("Error: " + hex(e.number) + " " + e.description);
    if (session)
        WScript.Echo(session.Error);
    WScript.Quit(1);
}
WScript.Echo("SUCCESS " + WScript.ScriptName);
