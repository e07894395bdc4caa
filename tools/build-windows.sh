#!/bin/sh
# Builds WSMAuto.dll for Windows with Debian's mingw-w64, from the same CMakeLists.txt as the Linux library, for
# both architectures: the 64-bit DLL (cmake/mingw-w64-x86_64.cmake) in $BUILD_WIN_DIR (default build-win) and the
# 32-bit one (cmake/mingw-w64-i686.cmake; SysWOW64's, for 32-bit script hosts) in $BUILD_WIN32_DIR (default: the
# same name with 32 appended, build-win32). libxml2 comes from Debian's source package
# (tools/fetch-debian-source.sh, unpacked once into $BUILD_WIN_DIR/src) and is built for each architecture.
# The 32-bit build is told where the 64-bit DLL is, for its wine_wow64 test (both DLLs in one Wine prefix).
# WSMAUTO_WIN_ONLY=64 or 32 builds one of the two. Extra arguments go to both cmake configure steps. Run tools/install-deps.sh first (tools/test.sh does).
set -eu
cd "$(dirname "$0")/.."
build=${BUILD_WIN_DIR:-build-win}
build32=${BUILD_WIN32_DIR:-${build}32}
src=$(tools/fetch-debian-source.sh libxml2 "$build/src")
[ "${WSMAUTO_WIN_ONLY:-}" = 32 ] || cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/mingw-w64-x86_64.cmake" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DWSMAUTO_LIBXML2_SOURCE="$src" "$@" >/dev/null
[ "${WSMAUTO_WIN_ONLY:-}" = 32 ] || cmake --build "$build" -j"$(nproc)"
dll64=$(cd "$build" && pwd)/WSMAuto.dll
# WSMAUTO_WIN_ONLY=64: stop here (tools/test.sh starts the 64-bit tests and then builds the 32-bit tree with
# WSMAUTO_WIN_ONLY=32, which skips the 64-bit build but still names its DLL).
[ "${WSMAUTO_WIN_ONLY:-}" = 64 ] && exit 0
cmake -S . -B "$build32" -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/mingw-w64-i686.cmake" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DWSMAUTO_LIBXML2_SOURCE="$src" -DWSMAUTO_WIN64_DLL="$dll64" "$@" >/dev/null
cmake --build "$build32" -j"$(nproc)"
