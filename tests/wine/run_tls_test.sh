#!/bin/sh
# Runs test_tls_win.exe (src/core/auth/tls_schannel.c, the Schannel back-end of tls.h) in a private Wine prefix
# against tls_echo_server.py on loopback, with the certificates of tests/tls/make-certs.sh. The server
# certificate's SubjectPublicKeyInfo (from `openssl x509 -pubkey`) goes to the test as hex, which compares
# its BIT STRING with wsm_tls_peer_public_key. ctest runs this as wine_tls (tests/wine/CMakeLists.txt).
# Usage: run_tls_test.sh TEST_EXE [WORKDIR]   (default WORKDIR: a new mktemp directory, removed at the end).
# Exit status 0 = all passed. TEST_VERBOSE=1 shows the detail sentences. Needs wine, openssl and
# /usr/bin/python3.
#
# SPDX-License-Identifier: MIT
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -lt 1 ]; then
    echo "usage: $0 TEST_EXE [WORKDIR]" >&2
    exit 2
fi
test_exe=$1
shift
if [ $# -ge 1 ]; then
    work=$1
    keep=1
    mkdir -p "$work"
else
    work=$(mktemp -d /tmp/wsm-wine-tls.XXXXXX)
    keep=0
fi
work=$(cd "$work" && pwd)
pid=""

cleanup() {
    if [ -n "$pid" ]; then
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    fi
    if [ -d "$work/prefix" ]; then
        WINEPREFIX=$work/prefix wineserver -k 2>/dev/null || true
    fi
    if [ "$keep" = 0 ]; then
        rm -rf "$work"
    fi
}
trap cleanup EXIT INT TERM

sh "$src/tests/tls/make-certs.sh" "$work/certs"
rm -f "$work/ports"
/usr/bin/python3 "$src/tests/wine/tls_echo_server.py" --cert "$work/certs/server.pem" \
    --key "$work/certs/server.key" --ca "$work/certs/ca.pem" --port-file "$work/ports" >"$work/server.out" 2>&1 &
pid=$!
i=0
while [ ! -s "$work/ports" ]; do
    i=$((i + 1))
    if [ $i -gt 300 ]; then
        echo "run_tls_test.sh: the TLS server did not start:" >&2
        cat "$work/server.out" >&2
        exit 1
    fi
    sleep 0.1
done
spki=$(openssl x509 -in "$work/certs/server.pem" -pubkey -noout | openssl pkey -pubin -outform DER |
    od -An -v -tx1 | tr -d ' \n')

WSM_WINE_DIR=$src/tests/wine
. "$WSM_WINE_DIR/wineprefix.sh"
wsm_wine_prefix "$work/prefix"
# shellcheck disable=SC2046
wine "$test_exe" $(cat "$work/ports") spki="$spki"
