#!/bin/sh
# Starts the test servers test_transport_win.exe needs (tests/server/wsman_server.py: HTTP Basic+Digest, HTTP
# Digest with 1 s nonces, HTTPS with server.pem, untrusted.pem, wrongcn.pem, expired.pem from
# tests/tls/make-certs.sh), trusts the test CA in a private Wine prefix (addroot.exe) and runs the test there.
# Both programs come from the Windows build (tests/wine/CMakeLists.txt; ctest runs this as wine_transport).
# Usage: run_transport_test.sh TEST_EXE ADDROOT_EXE [WORKDIR]   (default WORKDIR: a new mktemp directory,
# removed at the end). Prints the test's "test_transport_win: N passed, N failed" line; exit status 0 = all
# passed. TEST_VERBOSE=1 shows the detail sentences. Needs wine and /usr/bin/python3.
#
# SPDX-License-Identifier: MIT
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -lt 2 ]; then
    echo "usage: $0 TEST_EXE ADDROOT_EXE [WORKDIR]" >&2
    exit 2
fi
test_exe=$1
addroot_exe=$2
shift 2
if [ $# -ge 1 ]; then
    work=$1
    keep=1
    mkdir -p "$work"
else
    work=$(mktemp -d /tmp/wsm-wine-transport.XXXXXX)
    keep=0
fi
work=$(cd "$work" && pwd)
pids=""

# stop_all: stops the servers started so far and the wineserver of every prefix made here.
stop_all() {
    for p in $pids; do
        kill "$p" 2>/dev/null || true
    done
    for p in $pids; do
        wait "$p" 2>/dev/null || true
    done
    pids=""
    for prefix in "$work"/run*/prefix; do
        if [ -d "$prefix" ]; then
            WINEPREFIX=$prefix wineserver -k 2>/dev/null || true
        fi
    done
}
cleanup() {
    stop_all
    if [ "$keep" = 0 ]; then
        rm -rf "$work"
    fi
}
trap cleanup EXIT INT TERM

# setup DIR: fresh certificates, servers and a private prefix with the test CA trusted, all under DIR.
setup() {
    base=$1
    mkdir -p "$base/srv"
    sh "$src/tests/tls/make-certs.sh" "$base/certs"
    server() { # name, options...
        name=$1
        shift
        /usr/bin/python3 "$src/tests/server/wsman_server.py" --port-file "$base/srv/$name.port" \
            --log "$base/srv/$name.log" "$@" >"$base/srv/$name.out" 2>&1 &
        pids="$pids $!"
    }
    server http --auth basic,digest
    server stale --auth digest --digest-nonce-ttl-s 1
    for c in server untrusted wrongcn expired; do
        server "$c" --auth basic,digest --tls-cert "$base/certs/$c.pem" --tls-key "$base/certs/$c.key"
    done
    for name in http stale server untrusted wrongcn expired; do
        i=0
        while [ ! -s "$base/srv/$name.port" ]; do
            i=$((i + 1))
            if [ $i -gt 1200 ]; then # a guard against a server that never starts (120 s), not a measurement
                echo "run_transport_test.sh: the $name server did not start:" >&2
                cat "$base/srv/$name.out" >&2
                exit 1
            fi
            sleep 0.1
        done
        : >>"$base/srv/$name.log"
    done
    refused=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

    # The prefix's first start has finished (wsm_wine_prefix waits for it); add the test CA and check from a
    # new process that it stayed trusted.
    wsm_wine_prefix "$base/prefix"
    tries=0
    until wine "$addroot_exe" "Z:$base/certs/ca.pem" | grep -q "addroot: ok" &&
          wine "$addroot_exe" --check "Z:$base/certs/ca.pem" | grep -q "addroot: trusted"; do
        tries=$((tries + 1))
        if [ $tries -ge 3 ]; then
            echo "run_transport_test.sh: could not make the test CA trusted in the prefix's Root store" >&2
            exit 1
        fi
        wineserver -w
    done
}

WSM_WINE_DIR=$src/tests/wine
. "$WSM_WINE_DIR/wineprefix.sh"
trusted="trusted=1"
port() { cat "$base/srv/$1.port"; }
run_test() {
    wine "$test_exe" http="$(port http)" httplog="Z:$base/srv/http.log" \
        stale="$(port stale)" stalelog="Z:$base/srv/stale.log" server="$(port server)" \
        serverlog="Z:$base/srv/server.log" untrusted="$(port untrusted)" untrustedlog="Z:$base/srv/untrusted.log" \
        wrongcn="$(port wrongcn)" expired="$(port expired)" refused="$refused" $trusted \
        servercertsha256="$(openssl x509 -in "$base/certs/server.pem" -outform DER | sha256sum | cut -c1-64)"
}
# One more run when the first fails, from scratch: on a loaded machine (CI builds the 32-bit DLL and runs the
# Linux suites at the same time) Wine's Schannel and chain engine have failed whole stretches of TLS handshakes
# in a row (WinHTTP error 12157, which Wine's WinHTTP also reports when CertGetCertificateChain fails, with
# every skip flag set; once every connection to one of the servers, in both runs on the same servers and
# prefix). The second run gets new certificates, servers and prefix, so that nothing of the first one's state
# carries over. A real defect fails both runs; the first run's failures are always printed.
setup "$work/run1"
set +e
run_test >"$work/run1.out" 2>&1
status=$?
if [ "$status" -ne 0 ]; then
    echo "run_transport_test.sh: the first run failed; its output:"
    sed 's/^/  run 1: /' "$work/run1.out"
    # For the record: is the test CA still trusted in the prefix after the failure?
    echo "run_transport_test.sh: after the failure: $(wine "$addroot_exe" --check "Z:$base/certs/ca.pem" 2>&1 | tr -d '\r')"
    for name in http stale server untrusted wrongcn expired; do
        if grep -q . "$base/srv/$name.out"; then
            echo "run_transport_test.sh: the $name server printed:"
            sed 's/^/  /' "$base/srv/$name.out"
        fi
    done
    echo "run_transport_test.sh: running the test once more, with new certificates, servers and prefix"
    stop_all
    set -e
    setup "$work/run2"
    set +e
    run_test
    status=$?
else
    cat "$work/run1.out"
fi
set -e
exit $status
