#!/bin/sh
# Runs test_dll.exe (registration, resources, activation, typelib IDispatch of WSMAuto.dll) in a private
# 64-bit Wine prefix under WORKDIR, made on first use. Usage: run_dll_test.sh TEST_EXE DLL WORKDIR
#
# SPDX-License-Identifier: MIT
set -eu
[ $# -eq 3 ] || { echo "usage: $0 TEST_EXE DLL WORKDIR" >&2; exit 2; }
mkdir -p "$3"
work=$(cd "$3" && pwd)
export WINEPREFIX="$work/prefix" WINEARCH=win64 WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
trap 'wineserver -k 2>/dev/null || true' EXIT INT TERM
if [ ! -f "$WINEPREFIX/system.reg" ]; then
    wineboot -i >/dev/null 2>&1
    wineserver -w # let the first start's processes finish
fi
cp "$1" "$2" "$work/"
cd "$work"
wine "$work/$(basename "$1")" "$(winepath -w "$work/$(basename "$2")")"
