#!/bin/sh
# Installs the build into a scratch prefix, builds examples/wsman_demo.c
# against the *installed* package with pkg-config, and runs it.
# Usage: example_installed.sh BUILD_DIR SOURCE_DIR CC SANITIZE
set -eu
build=$1 src=$2 cc=$3 sanitize=$4
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
pc_dir=$(dirname "$(find "$prefix" -name wsmauto.pc | head -n 1)")
flags=""
case "$sanitize" in ON|on|1|TRUE|true) flags="-fsanitize=address,undefined -fno-sanitize-recover=all" ;; esac
# shellcheck disable=SC2046
"$cc" -std=c11 -Wall -Wextra -Werror $flags -o "$prefix/wsman_demo" "$src/examples/wsman_demo.c" \
    $(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs wsmauto)
libdir=$(cd "$(PKG_CONFIG_PATH="$pc_dir" pkg-config --variable=libdir wsmauto)" && pwd -P)
out=$(LD_LIBRARY_PATH="$libdir" "$prefix/wsman_demo" "http://server.example:5985/wsman")
echo "$out"
# The program ran against the installed library and reached its end.
echo "$out" | grep -q '^ResourceLocator.ResourceURI = http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service$'
echo "$out" | grep -q '^wsman_demo: done$'
LD_LIBRARY_PATH="$libdir" ldd "$prefix/wsman_demo" | grep -q "$libdir/libwsmauto.so"
echo "example_installed: 1 passed, 0 failed"
