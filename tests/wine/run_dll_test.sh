#!/bin/sh
# Runs test_dll.exe (registration, resources, activation, typelib IDispatch of WSMAuto.dll) in a private
# 64-bit Wine prefix under WORKDIR, made on first use. Usage: run_dll_test.sh TEST_EXE DLL WORKDIR
#
# SPDX-License-Identifier: MIT
set -eu
[ $# -eq 3 ] || { echo "usage: $0 TEST_EXE DLL WORKDIR" >&2; exit 2; }
mkdir -p "$3"
work=$(cd "$3" && pwd)
WSM_WINE_DIR=$(cd "$(dirname "$0")" && pwd)
. "$WSM_WINE_DIR/wineprefix.sh"
export WINEPREFIX="$work/prefix" # before the trap: its wineserver -k must not reach ~/.wine
trap 'wineserver -k 2>/dev/null || true' EXIT INT TERM
wsm_wine_prefix "$WINEPREFIX"
cp "$1" "$2" "$work/"
cd "$work"
wine "$work/$(basename "$1")" "$(winepath -w "$work/$(basename "$2")")"
