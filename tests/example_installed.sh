#!/bin/sh
# examples/wsman_demo.c built against the *installed* package through
# pkg-config, then run against the bundled server (tests/server).
# Usage: example_installed.sh BUILD_DIR SOURCE_DIR CC SANITIZE PYTHON
set -eu
build=$1 src=$2 cc=$3 sanitize=$4 python=$5
prefix=$(mktemp -d)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$prefix"
}
trap cleanup EXIT
cmake --install "$build" --prefix "$prefix" >/dev/null
pc_dir=$(dirname "$(find "$prefix" -name wsmauto.pc | head -n 1)")
flags=""
case "$sanitize" in ON|on|1|TRUE|true) flags="-fsanitize=address,undefined -fno-sanitize-recover=all" ;;
    thread) flags="-fsanitize=thread" ;; esac
# shellcheck disable=SC2046
"$cc" -std=c11 -Wall -Wextra -Werror $flags -o "$prefix/wsman_demo" "$src/examples/wsman_demo.c" \
    $(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags --libs wsmauto)
libdir=$(cd "$(PKG_CONFIG_PATH="$pc_dir" pkg-config --variable=libdir wsmauto)" && pwd -P)
LD_LIBRARY_PATH="$libdir" ldd "$prefix/wsman_demo" | grep -q "$libdir/libwsmauto.so"

"$python" "$src/tests/server/wsman_server.py" --port 0 --port-file "$prefix/port" --auth basic &
pid=$!
tries=0
while [ ! -s "$prefix/port" ]; do
    tries=$((tries + 1))
    [ "$tries" -gt 300 ] && { echo "the server did not start" >&2; exit 1; }
    sleep 0.1
done
printf '[Client]\nAllowUnencrypted = true\n' >"$prefix/client.conf"
out=$(WSMAUTO_CLIENT_CONFIG="$prefix/client.conf" LD_LIBRARY_PATH="$libdir" \
    "$prefix/wsman_demo" "http://127.0.0.1:$(cat "$prefix/port")/wsman" wsmuser wsmpass)
echo "$out"
# Every step reached the server and came back with its result.
echo "$out" | grep -q '^Identify: <wsmid:IdentifyResponse'
echo "$out" | grep -q '^  item 1: Name='
echo "$out" | grep -q '<p:Name>Spooler</p:Name>'
echo "$out" | grep -q '<p:ReturnValue>0</p:ReturnValue>'
echo "$out" | grep -q '<cfg:MaxTimeoutms>120000</cfg:MaxTimeoutms>'
echo "$out" | grep -q '^wsman_demo: done$'

# find_package(wsmauto): a CMake project building the same example against the imported target.
mkdir "$prefix/cmake-consumer"
cat >"$prefix/cmake-consumer/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.18)
project(consumer C)
find_package(wsmauto 0.1 REQUIRED)
add_executable(wsman_demo "$src/examples/wsman_demo.c")
target_link_libraries(wsman_demo PRIVATE wsmauto::wsmauto)
get_target_property(ctl wsmauto::wsmanctl LOCATION)
file(WRITE "\${CMAKE_BINARY_DIR}/wsmanctl-path" "\${ctl}")
EOF
cmake -S "$prefix/cmake-consumer" -B "$prefix/cmake-consumer/build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$flags" >/dev/null
cmake --build "$prefix/cmake-consumer/build" >/dev/null
out2=$(WSMAUTO_CLIENT_CONFIG="$prefix/client.conf" LD_LIBRARY_PATH="$libdir" \
    "$prefix/cmake-consumer/build/wsman_demo" "http://127.0.0.1:$(cat "$prefix/port")/wsman" wsmuser wsmpass)
echo "$out2" | grep -q '^wsman_demo: done$'

# The installed CLI (found through the package's imported target), its man pages and its bash completion.
ctl=$(cat "$prefix/cmake-consumer/build/wsmanctl-path")
[ "$ctl" = "$prefix/bin/wsmanctl" ]
"$ctl" --help | grep -q 'enumerate'
ident=$(WSMAUTO_CLIENT_CONFIG="$prefix/client.conf" "$ctl" identify -r:"http://127.0.0.1:$(cat "$prefix/port")/wsman" \
    -a:basic -u:wsmuser -p:wsmpass -unencrypted)
echo "$ident" | grep -q '^IdentifyResponse$'
[ -f "$(find "$prefix" -path '*/man1/wsmanctl.1')" ]
[ -f "$(find "$prefix" -path '*/man3/wsmauto.3')" ]
[ -f "$prefix/share/bash-completion/completions/wsmanctl" ]
echo "example_installed: 16 passed, 0 failed"
