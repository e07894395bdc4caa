// Unicode round trips (JScript strings are UTF-16, VBScript in Wine has no
// ChrW): non-ASCII BMP and astral (surrogate pair) characters through Put /
// Get of WSMAuto_Item, through the echo resource (body, selectors, options),
// over UTF-8 and UTF-16 requests, and in error texts.
//
// SPDX-License-Identifier: MIT

main(function () {
    var wsman = new ActiveXObject("WSMan.Automation");
    // e-acute, euro, "nihon" in kanji, a space, U+1F600 (a surrogate pair), U+10348 (gothic hwair), ae
    var text = "\u00e9\u20ac\u65e5\u672c \ud83d\ude00\ud800\udf48\u00e6";
    checkEq(text.length, 10, "the test text has two surrogate pairs");

    var flagsList = [fUseBasic | fCredUsernamePassword | fNoEncryption,
                     fUseBasic | fCredUsernamePassword | fNoEncryption | fUTF16];
    var names = ["UTF-8", "UTF-16"];
    for (var k = 0; k < flagsList.length; k++) {
        var s = session(wsman, g_http, flagsList[k]);
        var what = " (" + names[k] + ")";
        var id = "u" + k + "x" + new Date().getTime();
        var uri = WMI + "WSMAuto_Item";
        var xml = "<p:WSMAuto_Item xmlns:p=\"" + uri + "\"><p:Id>" + id + "</p:Id><p:Name>" + text +
                  "</p:Name><p:Value>&lt;" + text + "&gt;</p:Value></p:WSMAuto_Item>";
        var epr = s.Create(uri, xml);
        checkContains(epr, id, "Create" + what);
        var got = s.Get(uri + "?Id=" + id);
        checkContains(got, "<p:Name>" + text + "</p:Name>", "Get returns the non-ASCII name" + what);
        checkContains(got, "<p:Value>&lt;" + text + "&gt;</p:Value>", "escaped text round trip" + what);
        var text2 = text + "\u4e2d\ud83c\udf89";
        var put = s.Put(uri + "?Id=" + id, xml.replace("<p:Name>" + text, "<p:Name>" + text2));
        checkContains(put, "<p:Name>" + text2 + "</p:Name>", "Put returns the new text" + what);
        s.Delete(uri + "?Id=" + id);

        // The echo resource copies the body of a custom action.
        var body = "<e:In xmlns:e=\"http://wsmauto.test/echo\" attr=\"" + text + "\">" + text + "</e:In>";
        var r = s.Invoke("http://wsmauto.test/echo/DoIt", ECHO_URI, body);
        checkContains(r, "attr=\"" + text + "\"", "attribute round trip through Invoke" + what);
        checkContains(r, ">" + text + "</e:In>", "text round trip through Invoke" + what);
        checkContains(r, "Charset=\"" + names[k].toLowerCase() + "\"", "the request charset" + what);

        // Selectors and options with non-ASCII values.
        var loc = wsman.CreateResourceLocator(ECHO_URI);
        loc.AddSelector("Name", text);
        loc.AddOption("opt", text);
        r = s.Get(loc);
        checkContains(r, "<e:Selector Name=\"Name\">" + text + "</e:Selector>", "selector value" + what);
        checkContains(r, ">" + text + "</e:Option>", "option value" + what);
        // ... and in the URI query.
        var compact = text.replace(" ", "");
        r = s.Get(ECHO_URI + "?Key=" + compact);
        checkContains(r, "<e:Selector Name=\"Key\">" + compact + "</e:Selector>", "selector in the URI" + what);
    }

    // A non-ASCII user name and password reach Basic authentication intact
    // (the server knows no such user: access denied, and the names stay out of the error).
    var bad = session(wsman, g_http, undefined, "\u00fcser", "p\u00e4ss\ud83d\ude00");
    var e = expectError(function () { bad.Get(ECHO_URI); }, 0x80070005, "a non-ASCII password is refused");
    if (e)
        checkNotContains(e.description, "p\u00e4ss", "the password is not in the error");

    // A non-ASCII string in an error text: the fault message names the missing instance.
    var s8 = session(wsman, g_http);
    e = expectError(function () { s8.Get(WMI + "Win32_Service?Name=" + text); }, 0x8033805B,
                    "a missing instance with a non-ASCII name");
    checkContains(s8.Error, "WSManFault", "Session.Error after the non-ASCII fault");

    // A lone surrogate is not valid text: refused or replaced, never a crash.
    try {
        s8.Get(ECHO_URI + "?Key=\ud800x");
    } catch (err) {
        check((err.number | 0) != 0, "a lone surrogate gives an error number");
    }
    checkContains(s8.Get(WMI + "Win32_Service?Name=WinRM"), "WinRM", "the session works after a lone surrogate");

    // GetErrorMessage text is a proper string.
    var m = wsman.GetErrorMessage(0x803380BF);
    check(m.length > 0 && m.indexOf("\u0000") < 0, "GetErrorMessage has no NUL");
});
