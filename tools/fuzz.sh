#!/bin/sh
# Builds the libFuzzer targets of tests/fuzz with clang in build-fuzz and runs each on its corpus
# (docs/fuzzing.md).
#   tools/fuzz.sh [--smoke] [--time S] [target...]
#     --time S   seconds per target (default 60)
#     --smoke    the CI slice: every target (or those named) for a few seconds each
#     target     fuzz_reply, fuzz_encframe, ... or the same without "fuzz_" (default: all)
# The seed corpus (tests/fuzz/corpus/<target>) is copied into a working corpus under build-fuzz/work, which
# keeps what the runs find; the repository is not modified. A crash, leak, timeout or broken invariant
# stops that target's run, saves the input under build-fuzz/crashes/<target>/ and makes the script exit 1
# (after the other targets ran). Exit 2: bad usage or a missing tool; 3: the build failed.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-fuzz"
all="fuzz_reply fuzz_encframe fuzz_connstr fuzz_resource_uri fuzz_clientcfg fuzz_cli_args fuzz_cli_input"
time_per=60
smoke=0
targets=""

while [ $# -gt 0 ]; do
    case "$1" in
    --smoke) smoke=1 ;;
    --time)
        [ $# -ge 2 ] || { echo "fuzz.sh: --time needs a number of seconds" >&2; exit 2; }
        time_per=$2
        shift
        ;;
    --time=*) time_per=${1#--time=} ;;
    -h | --help)
        sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *)
        t=$1
        case "$t" in fuzz_*) ;; *) t="fuzz_$t" ;; esac
        case " $all " in *" $t "*) ;; *) echo "fuzz.sh: no target $1 (targets: $all)" >&2; exit 2 ;; esac
        targets="$targets $t"
        ;;
    esac
    shift
done
case "$time_per" in '' | *[!0-9]*) echo "fuzz.sh: --time wants whole seconds" >&2; exit 2 ;; esac
[ "$smoke" -eq 1 ] && time_per=3
[ -n "$targets" ] || targets=$all

# clang and libFuzzer's runtime (Debian 12: clang-14's libFuzzer is in libclang-rt-14-dev).
if ! command -v clang >/dev/null 2>&1; then
    echo "fuzz.sh: clang is not installed (Debian: apt-get install clang libclang-rt-14-dev)" >&2
    exit 2
fi
rt=$(clang -print-file-name=libclang_rt.fuzzer-x86_64.a 2>/dev/null || true)
if [ ! -f "$rt" ]; then
    rt=$(find "$(clang -print-resource-dir)" -name 'libclang_rt.fuzzer*.a' 2>/dev/null | head -n 1)
fi
if [ -z "$rt" ] || [ ! -f "$rt" ]; then
    echo "fuzz.sh: clang has no libFuzzer runtime (libclang_rt.fuzzer); on Debian 12 install it with:" >&2
    echo "    apt-get install libclang-rt-14-dev" >&2
    exit 2
fi

# Configure once (the fuzz targets only: no test suite), then build what is out of date.
if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
        -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS_DEBUG="-O1 -g" -DWSMAUTO_FUZZ=ON -DWSMAUTO_TESTS=OFF \
        >"$build.configure.log" 2>&1 || { cat "$build.configure.log" >&2; exit 3; }
    mv "$build.configure.log" "$build/configure.log"
fi
# shellcheck disable=SC2086
if ! cmake --build "$build" -j2 --target $targets >"$build/build.log" 2>&1; then
    tail -n 40 "$build/build.log" >&2
    echo "fuzz.sh: the build failed (whole log: $build/build.log)" >&2
    exit 3
fi

dict_of() {
    case "$1" in
    fuzz_reply | fuzz_cli_input) echo xml.dict ;;
    fuzz_encframe) echo encframe.dict ;;
    fuzz_connstr) echo connstr.dict ;;
    fuzz_resource_uri) echo resource_uri.dict ;;
    fuzz_clientcfg) echo clientcfg.dict ;;
    fuzz_cli_args) echo cli_args.dict ;;
    esac
}

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
failed=""
for t in $targets; do
    work="$build/work/$t"
    crashes="$build/crashes/$t"
    mkdir -p "$work/corpus" "$crashes"
    cp "$root/tests/fuzz/corpus/$t/"* "$work/corpus/"
    # fuzz_cli_args reads -file: and -hosts: files, but only ones in its working directory.
    printf '<p:X xmlns:p="urn:x"><p:a>1</p:a></p:X>' >"$work/in.xml"
    printf 'host1\n# comment\n\nhttps://host2:5986\n' >"$work/hosts.txt"
    dict=$(dict_of "$t")
    log="$work/run.log"
    start=$(date +%s)
    rc=0
    (cd "$work" && "$build/tests/fuzz/$t" -max_total_time="$time_per" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$crashes/" \
        -dict="$root/tests/fuzz/$dict" "$work/corpus") >"$log" 2>&1 || rc=$?
    took=$(($(date +%s) - start))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -ao 'cov: [0-9]*' "$log" | tail -n 1)
    if [ "$rc" -eq 0 ]; then
        printf '%-18s ok      %3ss  %s runs  %s  corpus %s files\n' "$t" "$took" "${runs:-?}" "${cov:-}" \
            "$(find "$work/corpus" -type f | wc -l)"
    else
        saved=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
        what=$(grep -aE '^(SUMMARY|==[0-9]+==ERROR|fuzz invariant broken)' "$log" | head -n 1)
        printf '%-18s FAILED  %3ss  (exit %s)\n' "$t" "$took" "$rc"
        echo "    ${what:-see the log}"
        echo "    crashing input: ${saved:-none saved (see the log)}"
        echo "    log: $log"
        echo "    reproduce: $build/tests/fuzz/$t ${saved:-INPUT}"
        failed="$failed $t"
    fi
done
if [ -n "$failed" ]; then
    echo "fuzz.sh: failed:$failed" >&2
    exit 1
fi
