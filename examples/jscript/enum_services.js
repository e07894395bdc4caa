// Lists the services of a machine with a WS-Management enumeration, like
// Microsoft's "Enumerating or Listing All Instances of a Resource" sample:
// Session.Enumerate, then ReadItem until AtEndOfStream. An optional WQL
// filter narrows the list (e.g. "SELECT * FROM Win32_Service WHERE State='Running'").
//
// Usage: cscript //nologo enum_services.js [URL [USER [PASSWORD [WQL]]]]
//   defaults: http://localhost:5985/wsman wsmuser wsmpass (no filter)
// Under Wine against the bundled test server: tools/run-wine-example.sh examples/jscript/enum_services.js
//
// SPDX-License-Identifier: MIT

var args = WScript.Arguments;
var url = args.length > 0 ? args.Item(0) : "http://localhost:5985/wsman";
var user = args.length > 1 ? args.Item(1) : "wsmuser";
var password = args.length > 2 ? args.Item(2) : "wsmpass";
var wql = args.length > 3 ? args.Item(3) : "";

function getProperty(xml, name) {
    var m = new RegExp("<p:" + name + ">([^<]*)</p:" + name + ">").exec(xml);
    return m ? m[1] : "";
}

function pad(s, n) {
    while (s.length < n)
        s += " ";
    return s;
}

function hex(n) {
    return "0x" + (n < 0 ? n + 4294967296 : n).toString(16).toUpperCase();
}

var wsman = new ActiveXObject("WSMan.Automation");
var count = 0;
try {
    var options = wsman.CreateConnectionOptions();
    options.UserName = user;
    options.Password = password;
    var flags = wsman.SessionFlagUseBasic() | wsman.SessionFlagCredUsernamePassword();
    if (url.substring(0, 6).toLowerCase() != "https:")
        flags |= wsman.SessionFlagNoEncryption();
    var session = wsman.CreateSession(url, flags, options);
    session.BatchItems = 50; // items per round trip

    var services = wql == ""
        ? session.Enumerate("http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service")
        // A WQL query goes to the namespace ("/*"), with the WQL dialect.
        : session.Enumerate("http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/*", wql,
                            "http://schemas.microsoft.com/wbem/wsman/1/WQL");
    while (!services.AtEndOfStream) {
        var item = services.ReadItem();
        WScript.Echo(pad(getProperty(item, "Name"), 12) + " " + pad(getProperty(item, "State"), 8) + " " +
                     getProperty(item, "DisplayName"));
        count++;
    }
} catch (e) {
    WScript.Echo("Error: " + hex(e.number) + " " + e.description);
    WScript.Quit(1);
}
WScript.Echo(count + " services");
WScript.Echo("SUCCESS " + WScript.ScriptName);
