#!/bin/sh
# The main job: builds wsmauto and its command-line tool wsmanctl, starts the
# bundled WS-Management server (tests/server) on a free loopback port, and
# runs wsmanctl against it the way an administrator would run winrm: identify,
# get, enumerate with a WQL filter, invoke, set, create/delete, many hosts at
# once, and a remote command through the cmd shell resource. Each command is
# printed before its output. The C example (examples/wsman_demo.c) runs last.
#
# With arguments, runs wsmanctl with them instead (against any target):
#   tools/demo.sh get winrm/config -r:https://server:5986 -a:basic -u:USER
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
if [ $# -gt 0 ]; then
    exec build/wsmanctl "$@"
fi

work=$(mktemp -d)
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
# Two servers, so that the many-hosts step has two hosts. The shell resource runs commands on this machine,
# so it is enabled only here, on loopback, for the demo (--allow-shell).
start_server() { # NAME MACHINE
    /usr/bin/python3 tests/server/wsman_server.py --port 0 --port-file "$work/$1.port" --auth basic,digest \
        --machine "$2" --allow-shell --log "$work/$1.log" &
    pids="$pids $!"
    tries=0
    while [ ! -s "$work/$1.port" ]; do
        tries=$((tries + 1))
        if [ "$tries" -gt 300 ]; then
            echo "demo: the bundled server did not start" >&2
            exit 1
        fi
        sleep 0.1
    done
}
start_server one server-one
start_server two server-two
one="http://127.0.0.1:$(cat "$work/one.port")/wsman"
two="http://localhost:$(cat "$work/two.port")/wsman"
# Basic over plain HTTP is refused unless the session says -unencrypted and the client configuration allows
# unencrypted traffic (as on Windows); this demo's private configuration does.
printf '[Client]\nAllowUnencrypted = true\n' >"$work/client.conf"
export WSMAUTO_CLIENT_CONFIG="$work/client.conf"

step() {
    printf '\n$ wsmanctl'
    for a in "$@"; do
        case "$a" in
        -p:*) printf ' -p:****' ;;
        *[!A-Za-z0-9_./:=@-]*) printf " '%s'" "$a" ;;
        *) printf ' %s' "$a" ;;
        esac
    done
    printf '\n'
    build/wsmanctl "$@" || echo "(exit status $?)"
}
auth="-a:basic -u:wsmuser -p:wsmpass -unencrypted"
echo "Bundled WS-Management servers: $one and $two (user wsmuser, Basic over HTTP)"
# shellcheck disable=SC2086
{
step identify -r:"$one" $auth
step get 'wmicimv2/Win32_Service?Name=Spooler' -r:"$one" $auth
step enumerate wmicimv2/Win32_Service -filter:"select * from Win32_Service where StartMode='Auto' and State='Running'" -r:"$one" $auth
step invoke StartService 'wmicimv2/Win32_Service?Name=Spooler' '@{}' -r:"$one" $auth
step get 'wmicimv2/Win32_Service?Name=Spooler' -fragment:State -format:pretty -r:"$one" $auth
step set winrm/config '@{MaxTimeoutms="90000"}' -r:"$one" $auth
step create 'wmicimv2/WSMAuto_Item?Id=42' '@{Id="42";Name="demo";Value="created by wsmanctl"}' -r:"$one" $auth
step delete 'wmicimv2/WSMAuto_Item?Id=42' -r:"$one" $auth
step get wmicimv2/Win32_OperatingSystem -r:"$one" -r:"$two" $auth
step exec -r:"$one" $auth -- 'echo hello from the remote shell && exit 3'
step helpmsg 0x8033805B
step get 'wmicimv2/Win32_Service?Name=NoSuchService' -r:"$one" $auth
}
printf '\n$ build/wsman_demo %s wsmuser ****   (the C example, examples/wsman_demo.c)\n' "$one"
build/wsman_demo "$one" wsmuser wsmpass
