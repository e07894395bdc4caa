#!/bin/sh
# Builds WSMAuto.dll for 64-bit Windows with Debian's mingw-w64, from the same CMakeLists.txt as the Linux
# library: fetches libxml2's Debian source package (tools/fetch-debian-source.sh), configures with
# cmake/mingw-w64-x86_64.cmake and builds. The DLL lands in $BUILD_WIN_DIR (default build-win)/WSMAuto.dll.
# Extra arguments go to the cmake configure step. Run tools/install-deps.sh first (tools/test.sh does).
set -eu
cd "$(dirname "$0")/.."
build=${BUILD_WIN_DIR:-build-win}
src=$(tools/fetch-debian-source.sh libxml2 "$build/src")
cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/mingw-w64-x86_64.cmake" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DWSMAUTO_LIBXML2_SOURCE="$src" "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
