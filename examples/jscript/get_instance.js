// Gets one WMI instance over WS-Management and prints some of its
// properties, like Microsoft's Session.Get sample ("Win32_Service?Name=Spooler").
//
// Usage: cscript //nologo get_instance.js [URL [USER [PASSWORD [SERVICE]]]]
//   defaults: http://localhost:5985/wsman wsmuser wsmpass Spooler
// Under Wine against the bundled test server: tools/run-wine-example.sh examples/jscript/get_instance.js
//
// SPDX-License-Identifier: MIT

var args = WScript.Arguments;
var url = args.length > 0 ? args.Item(0) : "http://localhost:5985/wsman";
var user = args.length > 1 ? args.Item(1) : "wsmuser";
var password = args.length > 2 ? args.Item(2) : "wsmpass";
var service = args.length > 3 ? args.Item(3) : "Spooler";

// The text of the first <p:name> element of an instance ("" if there is none).
function getProperty(xml, name) {
    var m = new RegExp("<p:" + name + ">([^<]*)</p:" + name + ">").exec(xml);
    return m ? m[1] : "";
}

function hex(n) {
    return "0x" + (n < 0 ? n + 4294967296 : n).toString(16).toUpperCase();
}

var wsman = new ActiveXObject("WSMan.Automation");
try {
    var options = wsman.CreateConnectionOptions();
    options.UserName = user;
    options.Password = password;
    // Basic with explicit credentials; plain HTTP also needs NoEncryption
    // (and AllowUnencrypted in the client configuration). Flag getters are methods.
    var flags = wsman.SessionFlagUseBasic() | wsman.SessionFlagCredUsernamePassword();
    if (url.substring(0, 6).toLowerCase() != "https:")
        flags |= wsman.SessionFlagNoEncryption();
    var session = wsman.CreateSession(url, flags, options);

    var response = session.Get("http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service?Name=" + service);
    WScript.Echo("Service     " + getProperty(response, "Name"));
    WScript.Echo("DisplayName " + getProperty(response, "DisplayName"));
    WScript.Echo("State       " + getProperty(response, "State"));
    WScript.Echo("StartMode   " + getProperty(response, "StartMode"));

    // A singleton needs no selectors; "wmicimv2/" is the alias of the root/cimv2 URI prefix.
    var os = session.Get("wmicimv2/Win32_OperatingSystem");
    WScript.Echo("OS          " + getProperty(os, "Caption") + " " + getProperty(os, "Version") + " on " +
                 getProperty(os, "CSName"));
} catch (e) {
    WScript.Echo("Error: " + hex(e.number) + " " + e.description);
    WScript.Quit(1);
}
WScript.Echo("SUCCESS " + WScript.ScriptName);
