#!/bin/sh
# Builds wsmauto with ThreadSanitizer (build-tsan: Debug, -DWSMAUTO_SANITIZE=thread) and runs the tests that
# use the library from several threads: threads (tests/test_threads.c), session, enumerator and
# session_cancel. Exits non-zero on any failure and on any ThreadSanitizer report (data race, lock-order
# inversion, unsafe signal use...), suppressed ones aside (tests/tsan.supp: system libraries only).
#
# Environment: BUILD_DIR (default build-tsan), JOBS (default: the number of CPUs).
set -eu
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build-tsan}
jobs=${JOBS:-$(nproc)}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Debug -DWSMAUTO_SANITIZE=thread >/dev/null
# Only what the tests below run (the whole tree under TSan would cost CI time for nothing).
cmake --build "$build" -j"$jobs" --target test_threads test_session test_enumerator test_cancel >/dev/null
log="$build/tsan-ctest.log"
rm -f "$log"
status=0
options="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/tests/tsan.supp"
TSAN_OPTIONS="$options${TSAN_OPTIONS:+:$TSAN_OPTIONS}" ctest --test-dir "$build" \
    -R 'threads|session$|enumerator|session_cancel$' --output-on-failure --output-log "$log" || status=$?
# A report makes the test fail (halt_on_error, exit code 66); a report in a process whose exit status a test
# does not look at still shows in the log.
if grep -q 'WARNING: ThreadSanitizer' "$log"; then
    echo "tsan.sh: ThreadSanitizer reported problems (see $log)" >&2
    status=1
fi
if [ "$status" -ne 0 ]; then
    echo "tsan.sh: FAILED" >&2
    exit "$status"
fi
echo "tsan.sh: no ThreadSanitizer report"
