#!/bin/sh
# Builds wsmauto and runs every test; what .ci/run runs. Installs the Debian packages it needs first
# (tools/install-deps.sh). Three lines of work run side by side, because most tests wait on servers and Wine
# rather than use the CPU:
#   linux   the ASan+UBSan build (build-test) and its ctest, in parallel (ctest -j);
#   windows the 64- and 32-bit DLLs (tools/build-windows.sh: build-test-win, build-test-win32) and their Wine
#           tests, both architectures at once (one template prefix: tests/wine/make_prefix.sh);
#   extra   tools/check-style.sh (clang-format and pyflakes find no drift), an optimised build
#           (build-test-release: some warnings only show with optimisation and -Werror turns them into errors)
#           linked with the lean static libxml2 (cmake/libxml2-lean.cmake) and its ctest, ThreadSanitizer
#           (tools/tsan.sh: build-tsan) and the fuzzing slice (tools/fuzz.sh --smoke: build-fuzz).
# Every phase prints a progress line with the seconds since the start; the windows and extra lines write their
# output to build-test-logs/ and show it when something fails. Exit status 0 only when everything passed.
#   BUILD_DIR  the Linux build tree (default build-test; the others are named after it)
set -eu
cd "$(dirname "$0")/.."
t0=$(date +%s)
build=${BUILD_DIR:-build-test}
logs="$build-logs"
jobs=$(nproc)

say() { echo "== test.sh [$(($(date +%s) - t0)) s] $*"; }

say "Debian packages (tools/install-deps.sh)"
tools/install-deps.sh
# libxml2's Debian source, once, before the lines start: the Windows builds and the lean Linux build use it.
say "libxml2's Debian source (tools/fetch-debian-source.sh)"
xml_src=$(tools/fetch-debian-source.sh libxml2 "$build-win/src")
rm -rf "$logs"
mkdir -p "$logs"

# run NAME COMMAND...: a step of a background line, its output in $logs/NAME.log, its exit status in
# $logs/NAME.status.
run() {
    name=$1
    shift
    say "$name: started"
    status=0
    "$@" >"$logs/$name.log" 2>&1 || status=$?
    echo "$status" >"$logs/$name.status"
    if [ "$status" -eq 0 ]; then
        say "$name: passed"
    else
        say "$name: FAILED (exit $status; output follows at the end)"
    fi
    return "$status"
}

windows() {
    # The 64-bit DLL's Wine suites run while the 32-bit DLL builds; the 32-bit tree uses the 64-bit tree's
    # template prefix and DLL (wine_wow64).
    run windows-build env BUILD_WIN_DIR="$build-win" BUILD_WIN32_DIR="$build-win32" WSMAUTO_WIN_ONLY=64 \
        tools/build-windows.sh || return 0
    run wine64 ctest --test-dir "$build-win" --output-on-failure -j3 &
    run windows32-build env BUILD_WIN_DIR="$build-win" BUILD_WIN32_DIR="$build-win32" WSMAUTO_WIN_ONLY=32 \
        tools/build-windows.sh && run wine32 ctest --test-dir "$build-win32" --output-on-failure -j3
    wait
}

extra() {
    # This subshell's own PID ($$ would be the parent's); its children inherit the priority.
    renice -n 15 -p "$(sh -c 'echo $PPID')" >/dev/null 2>&1 || true
    run style tools/check-style.sh || true
    run release-lean sh -c "cmake -S . -B '$build-release' -DCMAKE_BUILD_TYPE=RelWithDebInfo \
                                -DWSMAUTO_LIBXML2_SOURCE='$xml_src' >/dev/null &&
                            cmake --build '$build-release' -j$jobs &&
                            ctest --test-dir '$build-release' --output-on-failure -j$((jobs * 2))" || true
    run tsan env BUILD_DIR="$build-tsan" tools/tsan.sh || true
    run fuzz-smoke env BUILD_DIR="$build-fuzz" tools/fuzz.sh --smoke || true
}

# The Windows build and its Wine suites are the longest line: it starts first, and the extra line (CPU work
# only) runs at a lower priority, so that the Wine suites and the Linux tests, which mostly wait, get the CPU
# when they need it.
windows &
windows_pid=$!

say "linux: ASan+UBSan build ($build)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DWSMAUTO_SANITIZE=ON >/dev/null
if ! cmake --build "$build" -j"$jobs" >"$logs/linux-build.log" 2>&1; then
    cat "$logs/linux-build.log"
    say "FAILED: the Linux build"
    kill "$windows_pid" 2>/dev/null || true
    exit 1
fi

extra &
extra_pid=$!

say "linux: ctest -j$((jobs * 2)) ($build)"
linux=0
ctest --test-dir "$build" --output-on-failure -j$((jobs * 2)) || linux=$?
say "linux: ctest $([ "$linux" -eq 0 ] && echo passed || echo "FAILED (exit $linux)")"

say "waiting for the windows and extra lines"
wait "$windows_pid" || true
wait "$extra_pid" || true

failed=""
[ "$linux" -eq 0 ] || failed="linux-ctest"
for step in windows-build wine64 windows32-build wine32 style release-lean tsan fuzz-smoke; do
    status=$(cat "$logs/$step.status" 2>/dev/null || echo "not run")
    if [ "$status" != 0 ]; then
        echo
        echo "==================== $step: exit $status ($logs/$step.log) ===================="
        tail -n 200 "$logs/$step.log" 2>/dev/null || true
        failed="$failed $step"
    fi
done
for step in wine64 wine32; do
    # The Wine suites' own summary lines, also when they passed.
    grep -E 'passed, [0-9]+ failed|tests passed' "$logs/$step.log" 2>/dev/null |
        sed "s/^/$step: /" || true
done
if [ -n "$failed" ]; then
    say "FAILED:$failed"
    exit 1
fi
say "everything passed"
