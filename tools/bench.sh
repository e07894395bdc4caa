#!/usr/bin/env bash
# Builds the benchmark (RelWithDebInfo tree build-bench, -DWSMAUTO_BENCH=ON), runs it against its own
# fixed-reply server (bench/fixed_server.c) and prints figures; nothing here passes or fails on a figure.
# bench/README.md says what each figure means.
#
#   tools/bench.sh            everything (about 5-8 minutes on 2 cores)
#   BENCH_QUICK=1 tools/bench.sh   smaller counts, a check that everything runs (under a minute)
#
# Exit status: 0 when every figure could be measured; 1 when the build or the server could not start, or a
# measurement could not be made (the reason is printed, the other figures still are).
set -u
export LC_ALL=C
root=$(cd "$(dirname "$0")/.." && pwd)
build=$root/build-bench
jobs=2
quick=${BENCH_QUICK:-}

say() { printf '== bench.sh [%3ds] %s\n' "$SECONDS" "$*" >&2; }
die() { printf 'bench.sh: %s\n' "$*" >&2; exit 1; }

for tool in cmake valgrind curl /usr/bin/time awk; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (tools/install-deps.sh installs it)"
done

say "configure and build $build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSMAUTO_BENCH=ON -DWSMAUTO_TESTS=OFF \
    >"${TMPDIR:-/tmp}/wsmauto-bench-cmake.log" 2>&1 || { cat "${TMPDIR:-/tmp}/wsmauto-bench-cmake.log" >&2; die "cmake configure failed"; }
cmake --build "$build" -j"$jobs" --target wsm_fixed_server wsm_bench_client wsmanctl \
    >"${TMPDIR:-/tmp}/wsmauto-bench-build.log" 2>&1 || { tail -40 "${TMPDIR:-/tmp}/wsmauto-bench-build.log" >&2; die "build failed"; }
server_bin=$build/bench/wsm_fixed_server
client=$build/bench/wsm_bench_client
wsmanctl=$build/wsmanctl
# The same wsmanctl linked with the lean static libxml2 (cmake/libxml2-lean.cmake: Debian's libxml2 source
# without ICU, which brings libstdc++ and its relocations into every process), for the whole-process figure.
say "configure and build $build-lean (-DWSMAUTO_LIBXML2_SOURCE)"
wsmanctl_lean=""
if xml_src=$("$root/tools/fetch-debian-source.sh" libxml2 "$build-lean-src" 2>"${TMPDIR:-/tmp}/wsmauto-bench-lean.log") &&
    cmake -S "$root" -B "$build-lean" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSMAUTO_TESTS=OFF \
        -DWSMAUTO_LIBXML2_SOURCE="$xml_src" >>"${TMPDIR:-/tmp}/wsmauto-bench-lean.log" 2>&1 &&
    cmake --build "$build-lean" -j"$jobs" --target wsmanctl >>"${TMPDIR:-/tmp}/wsmauto-bench-lean.log" 2>&1; then
    wsmanctl_lean=$build-lean/wsmanctl
else
    tail -20 "${TMPDIR:-/tmp}/wsmauto-bench-lean.log" >&2
    say "the lean build failed: its figure is left out"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/wsmauto-bench.XXXXXX")
server_pids=""
cleanup() {
    for p in $server_pids; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Basic over plain HTTP: the client configuration must allow unencrypted traffic.
printf '[Client]\nAllowUnencrypted = true\n' >"$work/client.conf"
export WSMAUTO_CLIENT_CONFIG=$work/client.conf

# start_server NAME ARGS...: starts the fixed server; its ports go to $work/NAME.ports.
start_server() {
    local name=$1
    shift
    "$server_bin" -q "$@" >"$work/$name.out" 2>"$work/$name.err" &
    local pid=$!
    server_pids="$server_pids $pid"
    for _ in $(seq 50); do
        if grep -q '^ports:' "$work/$name.out" 2>/dev/null; then
            sed -n 's/^ports: //p' "$work/$name.out" >"$work/$name.ports"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    cat "$work/$name.err" >&2
    die "the fixed server ($name) did not start"
}

start_server lo -b 127.0.0.1
port=$(cut -d' ' -f1 "$work/lo.ports")
url=http://127.0.0.1:$port/wsman
GET_URI='http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service?Name=Spooler'
ENUM_URI='http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Bench_Item'
CTL_AUTH=(-a:basic -u:bench -p:bench -unencrypted)

failures=0
failed() { # what, log
    failures=$((failures + 1))
    printf 'bench.sh: %s could not be measured:\n' "$1" >&2
    tail -5 "$2" | sed 's/^/    /' >&2
}

# ---- instruction counts (callgrind; one run at a time) ----
# ir LOG CMD...: total instructions of the process (callgrind "Collected"), or empty on a failure.
ir() {
    local log=$1
    shift
    if valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" >"$log.out" 2>"$log"; then
        sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$log"
    else
        cat "$log.out" >>"$log"
    fi
}
# per LABEL N1 N2 CMD-WITH-@N@: instructions per operation = (Ir(N2) - Ir(N1)) / (N2 - N1).
declare -A IR
per() {
    local label=$1 n1=$2 n2=$3 a b
    shift 3
    local c1=("${@//@N@/$n1}") c2=("${@//@N@/$n2}")
    a=$(ir "$work/cg.log" "${c1[@]}")
    [ -n "$a" ] && b=$(ir "$work/cg.log" "${c2[@]}")
    if [ -z "$a" ] || [ -z "${b:-}" ]; then
        failed "instructions of $label" "$work/cg.log"
        IR[$label]=""
        return
    fi
    IR[$label]=$(( (b - a) / (n2 - n1) ))
}

if [ -n "$quick" ]; then G1=10 G2=60 I1=100 I2=600 H1=2 H2=6; else G1=50 G2=550 I1=500 I2=5500 H1=2 H2=12; fi
say "callgrind: instructions per Get ($G1 vs $G2 Gets)"
for m in floor text api; do
    per "$m-get" $G1 $G2 "$client" "$m-get" "$url" @N@
done
say "callgrind: instructions per enumerated item ($I1 vs $I2 items)"
for b in 20 100; do
    for m in floor text api; do
        per "$m-enum-$b" $I1 $I2 "$client" "$m-enum" "$url" @N@ $b
    done
done
per api-text-enum-20 $I1 $I2 "$client" api-text-enum "$url" @N@ 20
say "callgrind: wsmanctl enumerate ($I1 vs $I2 items) and get (-hosts: $H1 vs $H2 hosts)"
# (valgrind does not follow exec: wsmanctl runs directly, its output goes to a file)
per ctl-enum-20 $I1 $I2 "$wsmanctl" enumerate "$ENUM_URI/@N@" -r:"$url" "${CTL_AUTH[@]}"
# The default text format gets the items laid out by the library (WSManAutoFlagEnumerationText); -format:xml
# prints each item as the API returns it.
per ctl-enum-xml-20 $I1 $I2 "$wsmanctl" enumerate "$ENUM_URI/@N@" -r:"$url" -format:xml "${CTL_AUTH[@]}"
# wsmanctl gets one instance per host: the per-Get figure comes from -hosts files of distinct loopback
# addresses (a session and a connection each), served by a 0.0.0.0-bound server.
start_server any -b 0.0.0.0 -n 10
read -r -a any_ports <"$work/any.ports"
hosts_file() { # N FILE: N distinct targets, 127.0.A.B x the ports of the "any" server
    awk -v n="$1" -v ports="${any_ports[*]}" 'BEGIN {
        np = split(ports, p, " "); k = 0
        for (a = 0; k < n; a++) for (i = 1; i <= np && k < n; i++) {
            printf "http://127.%d.%d.%d:%s/wsman\n", int(a / 62500) % 250, int(a / 250) % 250, a % 250 + 1, p[i]; k++ } }' >"$2"
}
for n in $H1 $H2; do hosts_file $n "$work/hosts$n"; done
per ctl-get $H1 $H2 "$wsmanctl" get "$GET_URI" -hosts:"$work/hosts@N@" "${CTL_AUTH[@]}"

say "callgrind: one whole wsmanctl get process vs one curl POST"
cat >"$work/get.xml" <<EOF
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd" xmlns:p="http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"><s:Header><a:To>$url</a:To><w:ResourceURI s:mustUnderstand="true">http://schemas.microsoft.com/wbem/wsman/1/wmi/root/cimv2/Win32_Service</w:ResourceURI><a:ReplyTo><a:Address s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:Address></a:ReplyTo><a:Action s:mustUnderstand="true">http://schemas.xmlsoap.org/ws/2004/09/transfer/Get</a:Action><w:MaxEnvelopeSize s:mustUnderstand="true">512000</w:MaxEnvelopeSize><a:MessageID>uuid:6F1E5C3A-0000-4000-8000-000000000001</a:MessageID><w:Locale xml:lang="en-US" s:mustUnderstand="false"/><p:DataLocale xml:lang="en-US" s:mustUnderstand="false"/><p:SessionId s:mustUnderstand="false">uuid:6F1E5C3A-1111-4000-8000-000000000001</p:SessionId><w:SelectorSet><w:Selector Name="Name">Spooler</w:Selector></w:SelectorSet><w:OperationTimeout>PT60.000S</w:OperationTimeout></s:Header><s:Body/></s:Envelope>
EOF
whole_ctl=$(ir "$work/cg1.log" "$wsmanctl" get "$GET_URI" -r:"$url" "${CTL_AUTH[@]}")
[ -n "$whole_ctl" ] || failed "one wsmanctl get process" "$work/cg1.log"
whole_lean=""
[ -z "$wsmanctl_lean" ] || whole_lean=$(ir "$work/cg3.log" "$wsmanctl_lean" get "$GET_URI" -r:"$url" "${CTL_AUTH[@]}")
whole_curl=$(ir "$work/cg2.log" curl -sS -f -o /dev/null -u bench:bench -H 'Content-Type: application/soap+xml;charset=UTF-8' \
    --data-binary @"$work/get.xml" "$url")
[ -n "$whole_curl" ] || failed "one curl POST" "$work/cg2.log"

# ---- wall clock: median of 5 runs ----
# median LABEL CMD...: the median "rate=" of five runs of the bench client.
declare -A RATE
median_rate() {
    local label=$1 r rates=()
    shift
    for _ in 1 2 3 4 5; do
        if ! "$@" >"$work/run.out" 2>"$work/run.log"; then
            cat "$work/run.out" >>"$work/run.log"
            failed "the rate of $label" "$work/run.log"
            RATE[$label]=""
            return
        fi
        r=$(sed -n 's/.* rate=\([0-9.]*\) .*/\1/p' "$work/run.out")
        rates+=("$r")
    done
    RATE[$label]=$(printf '%s\n' "${rates[@]}" | sort -g | sed -n 3p)
}
# median_wall LABEL OPS CMD...: OPS / the median wall time of five runs of CMD.
median_wall() {
    local label=$1 ops=$2 t0 t1 times=()
    shift 2
    for _ in 1 2 3 4 5; do
        t0=$(date +%s.%N)
        if ! "$@" >"$work/run.out" 2>"$work/run.log"; then
            failed "the rate of $label" "$work/run.log"
            RATE[$label]=""
            return
        fi
        t1=$(date +%s.%N)
        times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')")
    done
    RATE[$label]=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 3p | awk -v n="$ops" '{ printf "%.1f", n / $1 }')
}
if [ -n "$quick" ]; then WG=500 WI=5000 WP=5; else WG=5000 WI=50000 WP=20; fi
say "wall clock: Get/s ($WG Gets, median of 5)"
for m in floor text api; do median_rate "$m-get" "$client" "$m-get" "$url" $WG; done
ctl_gets() { for _ in $(seq "$WP"); do "$wsmanctl" get "$GET_URI" -r:"$url" "${CTL_AUTH[@]}" >/dev/null || return 1; done; }
median_wall ctl-get "$WP" ctl_gets
say "wall clock: items/s ($WI items, median of 5)"
for b in 20 100; do
    for m in floor text api; do median_rate "$m-enum-$b" "$client" "$m-enum" "$url" $WI $b; done
done
median_wall ctl-enum-20 "$WI" sh -c 'exec "$0" enumerate "$1/$2" -r:"$3" -a:basic -u:bench -p:bench -unencrypted >/dev/null' \
    "$wsmanctl" "$ENUM_URI" "$WI" "$url"

# ---- peak RSS of the C API ----
declare -A RSS RSS_RATE
if [ -n "$quick" ]; then rss_counts="1000 100000"; else rss_counts="1000 100000 1000000"; fi
say "peak RSS: the C API enumerating $rss_counts items (BatchItems 20)"
for n in $rss_counts; do
    if "$client" api-enum "$url" "$n" 20 >"$work/run.out" 2>"$work/run.log"; then
        RSS[$n]=$(sed -n 's/.* maxrss_kb=\([0-9]*\).*/\1/p' "$work/run.out")
        RSS_RATE[$n]=$(sed -n 's/.* rate=\([0-9.]*\) .*/\1/p' "$work/run.out")
    else
        failed "the peak RSS of $n items" "$work/run.log"
    fi
done

# ---- fan-out: wsmanctl get against N distinct targets ----
declare -A FAN_WALL FAN_RSS FAN_OK
if [ -n "$quick" ]; then fan_counts="100 1000"; else fan_counts="100 1000 10000 100000"; fi
say "fan-out: wsmanctl get -hosts with $fan_counts targets"
for n in $fan_counts; do
    hosts_file "$n" "$work/fan$n"
    /usr/bin/time -v -o "$work/fan.time" "$wsmanctl" get "$GET_URI" -hosts:"$work/fan$n" "${CTL_AUTH[@]}" \
        >/dev/null 2>"$work/fan.err"
    rc=$?
    FAN_OK[$n]=$(sed -n 's/^wsmanctl: [0-9]* hosts: \([0-9]*\) succeeded.*/\1/p' "$work/fan.err" | tail -1)
    if [ -z "${FAN_OK[$n]}" ]; then
        cat "$work/fan.time" >>"$work/fan.err"
        failed "the fan-out to $n hosts (exit status $rc)" "$work/fan.err"
        continue
    fi
    [ "${FAN_OK[$n]}" = "$n" ] || { grep -v ': wsmanctl: [0-9]* hosts' "$work/fan.err" | head -3 >&2; }
    FAN_WALL[$n]=$(sed -n 's/.*Elapsed (wall clock) time.*: \(.*\)$/\1/p' "$work/fan.time" |
        awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f", s }')
    FAN_RSS[$n]=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/fan.time")
done

# ---- the table ----
fmt_n() { [ -n "$1" ] && printf "%'d" "$1" 2>/dev/null || printf 'n/a'; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }' || printf 'n/a'; }
or_na() { [ -n "$1" ] && printf '%s' "$1" || printf 'n/a'; }
echo
echo "wsmauto benchmark, $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -m), $(sed -n 's/^model name.*: //p' /proc/cpuinfo | head -1)"
echo "fixed-reply server on loopback, HTTP keep-alive, Basic auth; one instance is 1.3 KB (bench/README.md)"
echo
printf '%-34s %14s %12s %10s\n' "Get (keep-alive)" "instr/Get" "x floor+text" "Get/s"
for row in "floor:floor-get" "floor+text:text-get" "C API Session.Get:api-get" "wsmanctl get (*):ctl-get"; do
    name=${row%%:*} key=${row#*:}
    rate=${RATE[$key]:-}
    printf '%-34s %14s %12s %10s\n' "$name" "$(fmt_n "${IR[$key]:-}")" "$(ratio "${IR[$key]:-}" "${IR[text-get]:-}")" "$(or_na "$rate")"
done
echo "  (*) wsmanctl get: instr/Get per extra host of a -hosts run (a new session and connection each);"
echo "      Get/s of one whole process per Get, $WP in a row"
echo
printf '%-34s %14s %12s %10s\n' "Enumerate + Pull" "instr/item" "x floor+text" "items/s"
for b in 20 100; do
    for row in "floor:floor-enum-$b" "floor+text:text-enum-$b" "C API Enumerate+ReadItem:api-enum-$b"; do
        name=${row%%:*} key=${row#*:}
        printf '%-34s %14s %12s %10s\n' "$name, batch $b" "$(fmt_n "${IR[$key]:-}")" \
            "$(ratio "${IR[$key]:-}" "${IR[text-enum-$b]:-}")" "$(or_na "${RATE[$key]:-}")"
    done
    [ $b = 20 ] && printf '%-34s %14s %12s %10s\n' "  text items (extension flag)" "$(fmt_n "${IR[api-text-enum-20]:-}")" \
        "$(ratio "${IR[api-text-enum-20]:-}" "${IR[text-enum-20]:-}")" "" \
        "wsmanctl enumerate, batch 20" "$(fmt_n "${IR[ctl-enum-20]:-}")" \
        "$(ratio "${IR[ctl-enum-20]:-}" "${IR[text-enum-20]:-}")" "$(or_na "${RATE[ctl-enum-20]:-}")" \
        "  -format:xml" "$(fmt_n "${IR[ctl-enum-xml-20]:-}")" \
        "$(ratio "${IR[ctl-enum-xml-20]:-}" "${IR[text-enum-20]:-}")" ""
done
echo "  wsmanctl enumerate per item / C API per item (batch 20): $(ratio "${IR[ctl-enum-20]:-}" \
    "${IR[api-enum-20]:-}") (text format), $(ratio "${IR[ctl-enum-xml-20]:-}" "${IR[api-enum-20]:-}") (-format:xml)"
echo
echo "Peak RSS, C API enumerating (BatchItems 20)"
for n in $rss_counts; do
    printf '  %9s items: %8s KB  (%s items/s)\n' "$n" "$(or_na "${RSS[$n]:-}")" "$(or_na "${RSS_RATE[$n]:-}")"
done
echo
echo "One whole process (callgrind, instructions)"
printf '  %-30s %14s\n' "wsmanctl get" "$(fmt_n "$whole_ctl")" "wsmanctl get, lean libxml2" \
    "$(fmt_n "$whole_lean")" "curl POST" "$(fmt_n "$whole_curl")"
printf '  %-30s %14s\n' "ratio" "$(ratio "$whole_ctl" "$whole_curl")" "ratio, lean libxml2" \
    "$(ratio "$whole_lean" "$whole_curl")"
echo
echo "Fan-out: wsmanctl get -hosts:FILE (concurrency 32), /usr/bin/time -v"
for n in $fan_counts; do
    printf '  %6s hosts: %8s s wall, %8s KB peak RSS, %s succeeded\n' "$n" "$(or_na "${FAN_WALL[$n]:-}")" \
        "$(or_na "${FAN_RSS[$n]:-}")" "$(or_na "${FAN_OK[$n]:-}")"
done
for s in lo any; do
    grep -v 'requests served' "$work/$s.err" | head -5 | sed "s/^/server $s: /" >&2
done
say "done"
[ "$failures" -eq 0 ] || { echo "bench.sh: $failures measurement(s) could not be made (see above)" >&2; exit 1; }
exit 0
