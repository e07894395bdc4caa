#!/bin/sh
# The main job: builds wsmauto, starts the bundled WS-Management server
# (tests/server) on a free loopback port, and runs the C example
# (examples/wsman_demo.c) against it: Identify, Enumerate + ReadItem, Get,
# Invoke and Put, printing what came back.
#
# With arguments, runs the example against another target instead:
#   tools/demo.sh CONNECTION [USER PASSWORD]
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
if [ $# -gt 0 ]; then
    exec build/wsman_demo "$@"
fi

work=$(mktemp -d)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
/usr/bin/python3 tests/server/wsman_server.py --port 0 --port-file "$work/port" --auth basic \
    --log "$work/server.log" &
pid=$!
tries=0
while [ ! -s "$work/port" ]; do
    tries=$((tries + 1))
    if [ "$tries" -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "demo: the bundled server did not start" >&2
        exit 1
    fi
    sleep 0.1
done
port=$(cat "$work/port")
# Basic over plain HTTP is refused unless the client configuration allows
# unencrypted traffic (as on Windows); this demo's private configuration does.
printf '[Client]\nAllowUnencrypted = true\n' >"$work/client.conf"
echo "Bundled WS-Management server: http://127.0.0.1:$port/wsman (user wsmuser, Basic over HTTP)"
WSMAUTO_CLIENT_CONFIG="$work/client.conf" build/wsman_demo "http://127.0.0.1:$port/wsman" wsmuser wsmpass
