#!/bin/bash
# bench_network.sh - what a job network costs at start: the daemon's part
# of a job's start (from the request's arrival to the job's exec, as
# bench_api.sh measures it: the job's first program, `date +%s%N`, prints
# the time it starts) for a job on `bridge` beside one on `none`, in the
# same run and interleaved; prints both medians, the difference in ms and
# the ratio.  Target: bridge no more than 3 ms slower (median).
#
# Usage: tests/bench/bench_network.sh [BUILDDIR] [RUNS]   (defaults: the source tree, 30)
# Needs root, bash, curl, unshare and a build with job networks.  It runs
# itself in network and mount namespaces of its own (the host's network is
# never touched); it ends only what it starts and removes its folder.
set -eu
LC_ALL=C
export LC_ALL

src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src}" && pwd)
runs=${2:-30}
case $runs in '' | *[!0-9]*) echo "bench_network: RUNS is a whole number, not \`$runs'" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "bench_network: needs root; skipped" >&2; exit 77; }
[ -f "$build/build-plugins/isolation_network.so" ] ||
	{ echo "bench_network: no job networks in $build (configure --enable-networks); skipped" >&2; exit 77; }
if [ -z "${JL_BENCH_NETNS:-}" ]; then
	JL_BENCH_NETNS=1 exec unshare -n -m --propagation private bash "$0" "$build" "$runs"
fi
ip link set lo up

LD_LIBRARY_PATH=$build/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
joblet=$build/.libs/joblet
rnx=$build/.libs/rnx
JOBLET_SHIM=$build/.libs/joblet-shim
export JOBLET_SHIM
JOBLET_DAEMON_MODULE=$build/.libs/joblet-daemon.so
export JOBLET_DAEMON_MODULE
tmp=$(mktemp -d "${TMPDIR:-/tmp}/joblet-bench-net-XXXXXX")
daemon=""
cleanup() {
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	bench_unmount_all
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$src/tests/bench/bench_daemon.sh"

bench_daemon_start "networks:
  dns: [192.0.2.53]"
if grep -q "jobs may use only" "$tmp/daemon.log"; then
	grep "jobs may use only" "$tmp/daemon.log" >&2
	exit 77
fi
sed -i "s|address: .*|address: \"127.0.0.1:$port\"|" "$C/rnx-config-developer.yml"
RNX_CONFIG=$C/rnx-config-developer.yml
export RNX_CONFIG

# start_us NETWORK: request received -> the job's exec, in microseconds; and
# into $tmp/NETWORK.spawn request received -> its supervisor spawned (the
# daemon's part alone: for a job on a network, the address leased and
# written into its spec.json).
start_us() {
	local out exec_ns id job created started
	out=$("$rnx" --json job run -f --network="$1" -- /bin/date +%s%N)
	exec_ns=$(printf '%s\n' "$out" | sed -n 's/.*"data":"\([0-9]*\)\\n".*/\1/p' | head -1)
	id=$("$rnx" --json job list | sed -n 's/.*"id": "\([0-9a-f-]*\)".*/\1/p' | tail -1)
	job=$("${jcurl[@]}" "$url/v1/jobs/$id")
	created=$(date -d "$(printf '%s' "$job" | sed -n 's/.*"created":"\([^"]*\)".*/\1/p')" +%s%N)
	started=$(date -d "$(printf '%s' "$job" | sed -n 's/.*"started":"\([^"]*\)".*/\1/p')" +%s%N)
	echo $(((started - created) / 1000)) >>"$tmp/$1.spawn"
	[ -n "$exec_ns" ] && echo $(((exec_ns - created) / 1000))
}

for _ in 1 2 3; do start_us none >/dev/null; start_us bridge >/dev/null; done
rm -f "$tmp/none.spawn" "$tmp/bridge.spawn"
for _ in $(seq "$runs"); do
	start_us none >>"$tmp/none"
	start_us bridge >>"$tmp/bridge"
done
none_us=$(median <"$tmp/none")
bridge_us=$(median <"$tmp/bridge")
none_sp=$(median <"$tmp/none.spawn")
bridge_sp=$(median <"$tmp/bridge.spawn")
diff_ms=$(awk -v a="$bridge_us" -v b="$none_us" 'BEGIN { printf "%.2f", (a - b) / 1000 }')
echo "job start, request received -> job exec (median of $runs runs each, interleaved)"
printf '   %-28s %9.2f ms\n' "--network=none" "$(awk -v u="$none_us" 'BEGIN { print u / 1000 }')"
printf '   %-28s %9.2f ms\n' "--network=bridge" "$(awk -v u="$bridge_us" 'BEGIN { print u / 1000 }')"
echo "   bridge - none = $diff_ms ms, bridge / none = $(ratio "$bridge_us" "$none_us");" \
	"target <= 3 ms: $(awk -v d="$diff_ms" 'BEGIN { print (d <= 3 ? "met" : "NOT met") }')"
echo "of which the daemon's part, request received -> supervisor spawned (the lease included)"
printf '   %-28s %9.2f ms\n' "--network=none" "$(awk -v u="$none_sp" 'BEGIN { print u / 1000 }')"
printf '   %-28s %9.2f ms\n' "--network=bridge" "$(awk -v u="$bridge_sp" 'BEGIN { print u / 1000 }')"
echo "   bridge - none = $(awk -v a="$bridge_sp" -v b="$none_sp" 'BEGIN { printf "%.2f", (a - b) / 1000 }') ms"
