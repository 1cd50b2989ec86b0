#!/bin/bash
# bench_api.sh - the daemon and rnx against their baselines, in one run:
#
#   1. latency: `rnx job run -f true` (submit, run isolated, stream, exit)
#      beside a one-shot `curl` mTLS GET of a small file from a local TLS
#      server (fake_registry --client-ca: the floor for any CLI that talks to
#      a daemon over mTLS) and beside `crun run` of `true` (measured by
#      bench_isolation.sh in the same run); target rnx <= 1.15 x curl.  And
#      the daemon's own part: from the request's arrival to the job's exec
#      (the job's first program prints the time it starts), target median
#      at most 2 ms.
#   2. throughput: JOBS jobs of `true` from CLIENTS concurrent clients (each
#      a curl posting its share over one kept-alive connection), jobs/s from
#      the first request to the last job's end (target >= 500/s on 2 cores);
#      the daemon's RSS idle before (target under 8 MiB) and after (target:
#      under 1 MiB more, after JOBS=5000), idle meaning once the daemon's
#      trim after 5 s without events has run (also printed: right after
#      the start, and 2 s after the jobs).  Also the same with one
#      `rnx job run` process per job, for comparison.
#   3. log throughput: a job writes LOG_MIB MiB of 64-byte lines to stdout,
#      `rnx job run -f` follows it; MiB/s beside curl downloading the same
#      bytes over TLS from the local server (target >= 50 %); then 2-byte
#      lines beside the 64-byte ones (target >= 25 %); rnx's CPU time and
#      the job's own run time with and without the follower.
#
# Usage: tests/bench/bench_api.sh [BUILDDIR] [RUNS] [JOBS] [CLIENTS] [LOG_MIB]
#        (defaults: the source tree, 30, 2000, 8, 1000)
#        BENCH_API_WARM_POOL=N (or auto): the daemon's jobs.warm_pool (default 0)
# Needs root (the isolation stack), bash, curl and certtool;
# `make tests/fixtures/fake_registry` first.  Not part of `make check`.  It
# touches only what it starts (by pid) and its temporary folder.
set -eu
LC_ALL=C
export LC_ALL

src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src}" && pwd)
runs=${2:-30}
njobs=${3:-2000}
clients=${4:-8}
log_mib=${5:-1000}
for n in "$runs" "$njobs" "$clients" "$log_mib"; do
	case $n in '' | *[!0-9]*) echo "bench_api: counts are whole numbers, not \`$n'" >&2; exit 2 ;; esac
done
[ "$log_mib" -le 1023 ] || { echo "bench_api: LOG_MIB at most 1023 (the job's log, jobs.max_log, is at most 1 GiB)" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "bench_api: needs root (the isolation stack); skipped" >&2; exit 77; }
for t in curl certtool; do
	command -v $t >/dev/null || { echo "bench_api: needs $t" >&2; exit 2; }
done
LD_LIBRARY_PATH=$build/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
joblet=$build/.libs/joblet
rnx=$build/.libs/rnx
JOBLET_SHIM=$build/.libs/joblet-shim
export JOBLET_SHIM
JOBLET_DAEMON_MODULE=$build/.libs/joblet-daemon.so
export JOBLET_DAEMON_MODULE
fake=$build/tests/fixtures/fake_registry
for f in "$joblet" "$rnx" "$JOBLET_SHIM" "$fake"; do
	[ -x "$f" ] || { echo "bench_api: no $f; build first (make; make tests/fixtures/fake_registry)" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/joblet-bench-api-XXXXXX")
daemon=""
server=""
cleanup() {
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	bench_unmount_all
	rm -rf "$tmp"
}
trap cleanup EXIT

. "$src/tests/bench/bench_daemon.sh"
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# ------------------------------------------------------------------ set-up
# The log throughput job's output must fit its log (jobs.max_log, 64 MiB built in).
bench_daemon_start "jobs:
  max_active: $((njobs + 100))
  max_log: $((log_mib + 1))MiB
  warm_pool: ${BENCH_API_WARM_POOL:-0}" "  max_connections_per_client: 1024"
sed -i "s|address: .*|address: \"127.0.0.1:$port\"|" "$C/rnx-config-developer.yml"
RNX_CONFIG=$C/rnx-config-developer.yml
export RNX_CONFIG
mkdir -p "$tmp/www"
echo hello >"$tmp/www/small.txt"
"$fake" --cert "$C/server.pem" --key "$C/server-key.pem" --root "$tmp/www" \
	--port-file "$tmp/fport" --client-ca "$C/ca.pem" 2>"$tmp/fake.log" &
server=$!
for _ in $(seq 100); do [ -s "$tmp/fport" ] && break; sleep 0.05; done
furl=https://127.0.0.1:$(cat "$tmp/fport")
stack=$(sed -n 's/.*isolation.stack \(.*\)$/\1/p' "$tmp/daemon.log" | head -1)
echo "daemon: pid $daemon on $url; the default isolation stack; jobs.warm_pool ${BENCH_API_WARM_POOL:-0}; log $tmp/daemon.log"

# Idle: right after the start, and once the daemon's trim after 5 s without
# events has run (what an idle daemon holds).
start_rss=$(rss_kib "$daemon")
sleep 6
idle_before=$(rss_kib "$daemon")

# ------------------------------------------------------------------ 1. latency
echo
echo "1. latency (median of $runs runs each)"
for i in $(seq 5); do "${jcurl[@]}" -o /dev/null "$furl/small.txt"; "$rnx" job run -f true; done
for i in $(seq "$runs"); do
	t0=$(now_ns); "${jcurl[@]}" -o /dev/null "$furl/small.txt"; t1=$(now_ns)
	echo $(((t1 - t0) / 1000)) >>"$tmp/lat.curl"
	t0=$(now_ns); "$rnx" job run -f true; t1=$(now_ns)
	echo $(((t1 - t0) / 1000)) >>"$tmp/lat.rnx"
done
curl_us=$(median <"$tmp/lat.curl")
rnx_us=$(median <"$tmp/lat.rnx")
# The daemon's part: request received -> the job's exec, as the job's first
# program (date, dynamically linked: its own start counts too) tells it.
for i in $(seq "$runs"); do
	out=$("$rnx" --json job run -f -- /bin/date +%s%N)
	exec_ns=$(printf '%s\n' "$out" | sed -n 's/.*"data":"\([0-9]*\)\\n".*/\1/p' | head -1)
	id=$("$rnx" --json job list | sed -n 's/.*"id": "\([0-9a-f-]*\)".*/\1/p' | tail -1)
	created=$("${jcurl[@]}" "$url/v1/jobs/$id" | sed -n 's/.*"created":"\([^"]*\)".*/\1/p')
	created_ns=$(date -d "$created" +%s%N)
	[ -n "$exec_ns" ] && echo $(((exec_ns - created_ns) / 1000)) >>"$tmp/lat.daemon"
done
daemon_us=$(median <"$tmp/lat.daemon")
crun_ms=""
if [ "${BENCH_API_NO_CRUN:-0}" != 1 ]; then
	crun_ms=$(bash "$src/tests/bench/bench_isolation.sh" "$build" "$runs" 0 0 2>/dev/null |
		awk '$1 == "crun" && $2 ~ /^[0-9]+$/ { print $4 }')
fi
printf '   %-44s %9.2f ms\n' "curl mTLS GET of a small file (baseline)" "$(awk -v u="$curl_us" 'BEGIN { print u / 1000 }')"
printf '   %-44s %9.2f ms\n' "rnx job run -f true" "$(awk -v u="$rnx_us" 'BEGIN { print u / 1000 }')"
[ -n "$crun_ms" ] && printf '   %-44s %9.2f ms\n' "crun run true (bench_isolation.sh)" "$crun_ms"
printf '   %-44s %9.2f ms\n' "daemon: request received -> job exec (date)" "$(awk -v u="$daemon_us" 'BEGIN { print u / 1000 }')"
r=$(ratio "$rnx_us" "$curl_us")
echo "   rnx job run -f true / curl            = $r   target <= 1.15: $(awk -v r="$r" 'BEGIN { print (r <= 1.15 ? "met" : "NOT met") }')"
[ -n "$crun_ms" ] && echo "   rnx job run -f true / crun run true   = $(ratio "$rnx_us" "$(awk -v m="$crun_ms" 'BEGIN { print m * 1000 }')")"
echo "   daemon request -> exec median          = $(awk -v u="$daemon_us" 'BEGIN { printf "%.2f", u / 1000 }') ms   target <= 2 ms: $(awk -v u="$daemon_us" 'BEGIN { print (u <= 2000 ? "met" : "NOT met") }')"

# ------------------------------------------------------------------ 2. throughput
echo
echo "2. throughput: $njobs jobs of \`true\` from $clients concurrent clients"
bench_burst "$njobs" "$clients"
failed=$("${jcurl[@]}" "$url/metrics" | awk '$1 == "joblet_jobs{state=\"FAILED\"}" { print $2 }')
echo "   $burst_n jobs ran to their end in $burst_s s: $burst_jps jobs/s (submissions alone: $burst_sub_ps/s); $failed failed   target >= 500/s: $(awk -v j="$burst_jps" 'BEGIN { print (j >= 500 ? "met" : "NOT met") }')"
n_rnx=$((njobs / 5))
per_r=$((n_rnx / clients))
base=$(ended_total)
t0=$(now_ns)
pids=()
for c in $(seq "$clients"); do
	(for _ in $(seq "$per_r"); do "$rnx" job run true >/dev/null; done) &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
want=$((base + per_r * clients))
while [ "$(ended_total)" -lt "$want" ]; do sleep 0.05; done
t1=$(now_ns)
echo "   the same with one rnx process per job ($((per_r * clients)) jobs): $(awk -v n=$((per_r * clients)) -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", n / (ns / 1e9) }') jobs/s"
sleep 2
busy_after=$(rss_kib "$daemon")
sleep 4
idle_after=$(rss_kib "$daemon")
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
echo "   daemon RSS right after start $(mib "$start_rss") MiB, 2 s after the jobs $(mib "$busy_after") MiB; idle (after its 5 s trim)"
echo "   before: $(mib "$idle_before") MiB, after: $(mib "$idle_after") MiB   target idle < 8 MiB: $(awk -v k="$idle_before" 'BEGIN { print (k < 8192 ? "met" : "NOT met") }'), after < +1 MiB: $(awk -v a="$idle_after" -v b="$idle_before" 'BEGIN { print (a - b < 1024 ? "met" : "NOT met") }')"
"${jcurl[@]}" -o /dev/null -X DELETE --cert "$C/client-admin.pem" --key "$C/client-admin-key.pem" "$url/v1/jobs"

# ------------------------------------------------------------------ 3. log throughput
echo
echo "3. log throughput: a job writes $log_mib MiB to stdout, in lines of 64 and of 2 bytes"
bytes=$((log_mib * 1048576))
line64=$(head -c 63 /dev/zero | tr '\0' a)
yes "$line64" | head -c "$bytes" >"$tmp/www/big.txt"
t0=$(now_ns); "${jcurl[@]}" -o /dev/null "$furl/big.txt"; t1=$(now_ns)
curl_mibs=$(awk -v m="$log_mib" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", m / (ns / 1e9) }')
rm -f "$tmp/www/big.txt"
job_secs() { "${jcurl[@]}" "$url/v1/jobs/$1" | sed -n 's/.*"started":"\([^"]*\)","ended":"\([^"]*\)".*/\1 \2/p' |
	{ read -r a b; awk -v a="$(date -d "$a" +%s%N)" -v b="$(date -d "$b" +%s%N)" 'BEGIN { printf "%.2f", (b - a) / 1e9 }'; }; }
state_of() { "${jcurl[@]}" "$url/v1/jobs/$1" | sed -n 's/^{"id":"[^"]*","name":[^,]*,"state":"\([A-Z_]*\)".*/\1/p'; }
echo "   curl downloads $log_mib MiB of 64-byte lines over TLS (baseline): $curl_mibs MiB/s"
# follow LINE: the job alone (nobody follows), then with a follower from its
# start, whose rnx's CPU time is counted; sets mibs.
follow() {
	local job="yes $1 | head -c $bytes" out alone followed got t0 t1 cpu
	out=$("$rnx" job run -- sh -c "$job")
	alone=${out#Job }
	alone=${alone%% *}
	while [ "$(state_of "$alone")" = RUNNING ] || [ "$(state_of "$alone")" = PENDING ]; do sleep 0.2; done
	t0=$(now_ns)
	cpu=$( { /usr/bin/time -f '%U %S' "$rnx" job run -f -- sh -c "$job" | wc -c >"$tmp/got"; } 2>&1 | tail -1)
	t1=$(now_ns)
	followed=$("$rnx" --json job list | sed -n 's/.*"id": "\([0-9a-f-]*\)".*/\1/p' | tail -1)
	got=$(cat "$tmp/got")
	mibs=$(awk -v b="$got" -v ns=$((t1 - t0)) 'BEGIN { printf "%.0f", b / 1048576 / (ns / 1e9) }')
	echo "   $((${#1} + 1))-byte lines: rnx job run -f received $got of $bytes bytes: $mibs MiB/s (rnx CPU $(echo "$cpu" | awk '{ printf "%.2f", $1 + $2 }') s); the job's run time alone $(job_secs "$alone") s, followed $(job_secs "$followed") s"
	[ "$got" = "$bytes" ] || echo "   BYTES LOST: received $got, written $bytes"
}
follow "$line64"
mibs64=$mibs
follow y
mibs2=$mibs
echo "   64-byte lines / curl   = $(ratio "$mibs64" "$curl_mibs")   target >= 0.50: $(awk -v a="$mibs64" -v b="$curl_mibs" 'BEGIN { print (a >= 0.5 * b ? "met" : "NOT met") }')"
echo "   2-byte / 64-byte lines = $(ratio "$mibs2" "$mibs64")   target >= 0.25: $(awk -v a="$mibs2" -v b="$mibs64" 'BEGIN { print (a >= 0.25 * b ? "met" : "NOT met") }')"
echo
echo "daemon RSS at the end: $(awk -v k="$(rss_kib "$daemon")" 'BEGIN { printf "%.1f", k / 1024 }') MiB"
