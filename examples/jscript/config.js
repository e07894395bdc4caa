// Reads and changes a WinRM configuration value, like
// `winrm get winrm/config` and `winrm set winrm/config @{MaxEnvelopeSizekb="..."}`
// do through this API: Session.Get of "winrm/config", then Session.Put of a
// partial cfg:Config element, then the old value is put back.
//
// Usage: cscript //nologo config.js [URL [USER [PASSWORD [NEWVALUE]]]]
//   defaults: http://localhost:5985/wsman wsmuser wsmpass 1024
// Under Wine against the bundled test server: tools/run-wine-example.sh examples/jscript/config.js
//
// SPDX-License-Identifier: MIT

var CFG = "http://schemas.microsoft.com/wbem/wsman/1/config";
var args = WScript.Arguments;
var url = args.length > 0 ? args.Item(0) : "http://localhost:5985/wsman";
var user = args.length > 1 ? args.Item(1) : "wsmuser";
var password = args.length > 2 ? args.Item(2) : "wsmpass";
var newValue = args.length > 3 ? args.Item(3) : "1024";

function getSetting(xml, name) {
    var m = new RegExp("<cfg:" + name + ">([^<]*)</cfg:" + name + ">").exec(xml);
    return m ? m[1] : "";
}

function hex(n) {
    return "0x" + (n < 0 ? n + 4294967296 : n).toString(16).toUpperCase();
}

var wsman = new ActiveXObject("WSMan.Automation");
var session;

// Changes one setting of winrm/config; returns the updated configuration.
function setSetting(name, value) {
    return session.Put("winrm/config", "<cfg:Config xmlns:cfg=\"" + CFG + "\"><cfg:" + name + ">" + value +
                                       "</cfg:" + name + "></cfg:Config>");
}

try {
    var options = wsman.CreateConnectionOptions();
    options.UserName = user;
    options.Password = password;
    var flags = wsman.SessionFlagUseBasic() | wsman.SessionFlagCredUsernamePassword();
    if (url.substring(0, 6).toLowerCase() != "https:")
        flags |= wsman.SessionFlagNoEncryption();
    session = wsman.CreateSession(url, flags, options);

    var config = session.Get("winrm/config");
    var oldValue = getSetting(config, "MaxEnvelopeSizekb");
    WScript.Echo("MaxEnvelopeSizekb = " + oldValue);
    WScript.Echo("MaxTimeoutms      = " + getSetting(config, "MaxTimeoutms"));
    WScript.Echo("MaxBatchItems     = " + getSetting(config, "MaxBatchItems"));

    WScript.Echo("set MaxEnvelopeSizekb = " + getSetting(setSetting("MaxEnvelopeSizekb", newValue), "MaxEnvelopeSizekb"));
    var readBack = getSetting(session.Get("winrm/config"), "MaxEnvelopeSizekb");
    WScript.Echo("read back:            " + readBack);
    if (readBack != newValue) {
        WScript.Echo("Error: the new value did not stick");
        WScript.Quit(1);
    }

    // A value the service refuses comes back as an exception.
    try {
        setSetting("MaxEnvelopeSizekb", "1");
        WScript.Echo("MaxEnvelopeSizekb = 1 was accepted?");
    } catch (e) {
        WScript.Echo("MaxEnvelopeSizekb = 1 is refused: " + hex(e.number) + " " + e.description);
    }

    WScript.Echo("restored MaxEnvelopeSizekb = " + getSetting(setSetting("MaxEnvelopeSizekb", oldValue), "MaxEnvelopeSizekb"));
} catch (e) {
    WScript.Echo("Error: " + hex(e.number) + " " + e.description);
    WScript.Quit(1);
}
WScript.Echo("SUCCESS " + WScript.ScriptName);
