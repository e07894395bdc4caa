#!/bin/sh
# Builds wsmauto with AddressSanitizer, LeakSanitizer and UBSan and runs
# every test. Installs the Debian packages it needs first.
set -eu
cd "$(dirname "$0")/.."
tools/install-deps.sh
build=${BUILD_DIR:-build-test}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DWSMAUTO_SANITIZE=ON >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure
