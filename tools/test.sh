#!/bin/sh
# Builds wsmauto with AddressSanitizer, LeakSanitizer and UBSan and runs
# every test. Installs the Debian packages it needs first. Also compiles an
# optimised build (as tools/demo.sh makes), because some warnings only show
# with optimisation and -Werror turns them into errors.
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
build=${BUILD_DIR:-build-test}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DWSMAUTO_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
cmake -S . -B "$build-release" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build-release" -j"$(nproc)" >/dev/null
ctest --test-dir "$build" --output-on-failure
# The Windows DLLs, cross-built with mingw-w64 and tested under Wine (VBScript/JScript through cscript): the
# 64-bit one with System32's programs, the 32-bit one with SysWOW64's, and both in one prefix (wine_wow64).
BUILD_WIN_DIR="$build-win" BUILD_WIN32_DIR="$build-win32" tools/build-windows.sh
ctest --test-dir "$build-win" --output-on-failure
ctest --test-dir "$build-win32" --output-on-failure
