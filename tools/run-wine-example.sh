#!/bin/sh
# Runs one of the script examples (examples/vbscript/*.vbs, examples/jscript/*.js)
# with Wine's cscript against the bundled WS-Management server:
#
#   tools/run-wine-example.sh [--32] [--negotiate] [--dll FILE] [--build] \
#       examples/vbscript/get_instance.vbs [EXTRA ARGS...]
#
# --dll FILE: that WSMAuto.dll (of the architecture --32 says) instead of the one found as below; the
# prefix then lives beside it.
# --build: when no DLL is found, build both with tools/build-windows.sh (into build-win and build-win32;
# it needs mingw-w64 and dpkg-dev, see tools/install-deps.sh) instead of asking.
# --negotiate: instead of Basic, the server speaks only Negotiate and Kerberos with
# message encryption, as a default-configured Windows host does, in a throw-away
# Kerberos realm (tests/kdc/kdc.sh, removed afterwards) whose environment (a Unix
# KRB5_CONFIG, which Wine's Kerberos reads through the host's MIT libraries, and a
# private KRB5CCNAME) the script gets; it is given
#   http://localhost:PORT/wsman alice@WSMAUTO.TEST alice-pw-1 (e.g. examples/vbscript/negotiate.vbs).
#
# Without --dll it takes the first WSMAuto.dll of $BUILD_WIN_DIR (as tools/build-windows.sh
# takes it), build-win (what tools/build-windows.sh makes) and build-test-win (what
# tools/test.sh makes); with --32 the 32-bit DLL of $BUILD_WIN32_DIR, build-win32 and
# build-test-win32, run by the 32-bit programs of C:\windows\syswow64 (regsvr32,
# cscript; needs wine32). When there is none it offers to build it (on a terminal),
# or builds it with --build, or fails saying how to build it.
# It makes or reuses a private 64-bit Wine prefix in wine-example beside the DLL
# (e.g. build-win/wine-example), registers the DLL there with the regsvr32 of its
# architecture, starts tests/server/wsman_server.py on
# a free loopback port (Basic and Digest, user wsmuser, password wsmpass),
# writes a client configuration that allows Basic over plain HTTP
# (AllowUnencrypted, docs/client-config.md), and runs
#   C:\windows\system32\cscript.exe //nologo SCRIPT http://127.0.0.1:PORT/wsman wsmuser wsmpass [EXTRA ARGS...]
# (C:\windows\syswow64\cscript.exe with --32), started with the 64-bit loader.
# Then it stops the server and the prefix's wineserver. The exit status is
# the script's; it is 1 when the script's last line is not its success marker
# (`SUCCESS <script name>`), because Wine's cscript exits 0 and prints nothing
# when a script dies on an error.
#
# SPDX-License-Identifier: MIT
set -eu

build="build-win"
sys=system32
negotiate=""
dll_arg=""
build_it=""
while [ $# -gt 0 ]; do
    case $1 in
    --32)
        build="build-win32"
        sys=syswow64
        ;;
    --negotiate) negotiate=1 ;;
    --build) build_it=1 ;;
    --dll)
        dll_arg=$2
        shift
        ;;
    *) break ;;
    esac
    shift
done
sysdir="C:\\windows\\$sys"
if [ $# -lt 1 ]; then
    echo "usage: $0 [--32] [--negotiate] [--dll FILE] [--build] SCRIPT [EXTRA ARGS...]" \
        "  (e.g. $0 examples/vbscript/enum_services.vbs)" >&2
    exit 2
fi
script=$1
shift
if [ ! -f "$script" ]; then
    echo "$0: no script $script" >&2
    exit 2
fi
script=$(cd "$(dirname "$script")" && pwd)/$(basename "$script")
top=$(cd "$(dirname "$0")/.." && pwd)
# The DLL where tools/build-windows.sh or tools/test.sh (build-test-win, build-test-win32) left it.
find_dll() {
    if [ "$sys" = syswow64 ]; then
        set -- "${BUILD_WIN32_DIR:-${BUILD_WIN_DIR:+${BUILD_WIN_DIR}32}}" build-win32 build-test-win32
    else
        set -- "${BUILD_WIN_DIR:-}" build-win build-test-win
    fi
    for d in "$@"; do
        [ -n "$d" ] || continue
        case $d in
        /*) ;;
        *) d=$top/$d ;;
        esac
        if [ -f "$d/WSMAuto.dll" ]; then
            echo "$d/WSMAuto.dll"
            return 0
        fi
    done
    return 1
}
if [ -n "$dll_arg" ]; then
    dll=$dll_arg
    if [ ! -f "$dll" ]; then
        echo "$0: $dll does not exist" >&2
        exit 2
    fi
elif ! dll=$(find_dll); then
    how="tools/build-windows.sh (both DLLs, into build-win and build-win32;"
    how="$how it needs mingw-w64 and dpkg-dev: tools/install-deps.sh)"
    if [ -z "$build_it" ] && [ -t 0 ] && [ -t 2 ]; then
        printf '%s: no %s/WSMAuto.dll (nor build-test-%s). Build it now with %s? [y/N] ' "$0" "$build" \
            "${build#build-}" "$how" >&2
        read -r answer || answer=""
        case $answer in
        [yY]*) build_it=1 ;;
        esac
    fi
    if [ -z "$build_it" ]; then
        echo "$0: no $build/WSMAuto.dll (nor build-test-${build#build-}):" \
            "build it with $how, or run this with --build" >&2
        exit 2
    fi
    echo "$0: building WSMAuto.dll with tools/build-windows.sh..." >&2
    (cd "$top" && BUILD_WIN_DIR=build-win BUILD_WIN32_DIR=build-win32 tools/build-windows.sh) || {
        echo "$0: tools/build-windows.sh failed (tools/install-deps.sh installs what it needs)" >&2
        exit 1
    }
    dll=$top/$build/WSMAuto.dll
    if [ ! -f "$dll" ]; then
        echo "$0: tools/build-windows.sh made no $dll" >&2
        exit 1
    fi
fi
for tool in wine wineboot wineserver winepath; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool is not installed (Debian: apt-get install wine wine64, and wine32:i386 for --32)" >&2
        exit 2
    fi
done

dir=$(dirname "$dll")/wine-example
mkdir -p "$dir"
export WINEPREFIX="$dir/prefix" # before the cleanup trap: its wineserver -k must not reach ~/.wine
WSM_WINE_DIR=$top/tests/wine
. "$WSM_WINE_DIR/wineprefix.sh"
unset WSMAUTO_CLIENT_CONFIG
wine=$(wsm_wine64)

pid=""
out=""
cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    [ -n "$negotiate" ] && sh "$top/tests/kdc/kdc.sh" stop "$dir/kdc" >/dev/null 2>&1
    [ -n "$out" ] && rm -f "$out"
    wineserver -k 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

[ -f "$WINEPREFIX/system.reg" ] || echo "Creating the Wine prefix $WINEPREFIX (once, about 20 s)..." >&2
wsm_wine_prefix "$WINEPREFIX" "$dir/wineboot.log" || {
    echo "$0: wineboot -i failed, see $dir/wineboot.log" >&2
    exit 1
}

if [ ! -f "$WINEPREFIX/drive_c/windows/$sys/cscript.exe" ]; then
    echo "$0: the prefix $WINEPREFIX has no $sysdir\\cscript.exe (32-bit programs need wine32)" >&2
    exit 1
fi
cp "$dll" "$dir/WSMAuto.dll"
if ! "$wine" "$sysdir\\regsvr32.exe" /s "$(winepath -w "$dir/WSMAuto.dll")" >"$dir/regsvr32.log" 2>&1; then
    echo "$0: wine regsvr32 $dir/WSMAuto.dll failed, see $dir/regsvr32.log" >&2
    exit 1
fi

if [ -n "$negotiate" ]; then
    # Nothing to allow: Negotiate encrypts every message over HTTP.
    printf '[Client]\r\n' >"$dir/client.conf"
    sh "$top/tests/kdc/kdc.sh" stop "$dir/kdc" >/dev/null 2>&1 || true
    if ! sh "$top/tests/kdc/kdc.sh" start "$dir/kdc" >"$dir/kdc.log" 2>&1; then
        echo "$0: the test realm did not start, see $dir/kdc.log (needs krb5-kdc, krb5-admin-server, krb5-user)" >&2
        exit 1
    fi
    . "$dir/kdc/env"
    KRB5CCNAME="FILE:$dir/kdc/example.ccache"
    export KRB5CCNAME
    server_auth="negotiate,kerberos"
    host=localhost
    user=alice@WSMAUTO.TEST
    password=alice-pw-1
else
    printf '[Client]\r\n# Basic over plain HTTP needs SessionFlagNoEncryption, which needs this.\r\nAllowUnencrypted = true\r\n' \
        >"$dir/client.conf"
    server_auth="basic,digest"
    host=127.0.0.1
    user=wsmuser
    password=wsmpass
fi
WSMAUTO_CLIENT_CONFIG=$(winepath -w "$dir/client.conf")
export WSMAUTO_CLIENT_CONFIG

rm -f "$dir/port"
/usr/bin/python3 "$top/tests/server/wsman_server.py" --port-file "$dir/port" --log "$dir/server.log" \
    --auth "$server_auth" --user wsmuser:wsmpass &
pid=$!
tries=0
while [ ! -s "$dir/port" ]; do
    tries=$((tries + 1))
    if [ $tries -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "$0: the test server did not start" >&2
        exit 1
    fi
    sleep 0.1
done
port=$(cat "$dir/port")

out=$(mktemp)
winscript=$(winepath -w "$script")
# The output is shown as it comes and kept for the marker check; cscript's
# own exit status goes through a file (a pipeline's status is tee's).
{
    st=0
    "$wine" "$sysdir\\cscript.exe" //nologo "$winscript" "http://$host:$port/wsman" "$user" "$password" "$@" || st=$?
    echo "$st" >"$out.status"
} | tee "$out"
status=$(cat "$out.status" 2>/dev/null || echo 1)
rm -f "$out.status"
last=$(tr -d '\r' <"$out" | sed '/^[[:space:]]*$/d' | tail -n 1)
if [ "$last" != "SUCCESS $(basename "$script")" ]; then
    echo "$0: $(basename "$script") did not finish (no \"SUCCESS $(basename "$script")\" line)" >&2
    [ $status -ne 0 ] || status=1
fi
exit $status
