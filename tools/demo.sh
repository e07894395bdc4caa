#!/bin/sh
# The main job: builds wsmauto and runs the C example against a target
# (default: the WS-Management endpoint on this machine).
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" >/dev/null
exec build/wsman_demo "$@"
