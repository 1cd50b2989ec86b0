#!/bin/bash
# bench_mcp.sh - `rnx mcp` against what an agent without it would run, in
# one run against one daemon:
#
#   - run_job of `true` (submit, wait, read the output: the agent's common
#     call) through one `rnx mcp` an MCP client keeps running (the official
#     TypeScript SDK, tests/mcp/bench.mjs), beside `rnx job run -f true`,
#     one process per job, as an agent's shell tool would start it;
#     target: run_job <= rnx job run -f (rnx mcp keeps its TLS connection
#     and its process, so nothing should cost more than the one-shot path).
#   - job_status beside `rnx job status ID`; same target.
#   - the MCP session's start (rnx mcp started, initialize, tools/list).
#
# Usage: tests/bench/bench_mcp.sh [BUILDDIR] [RUNS]   (defaults: the source
# tree, 30).  Needs root (the isolation stack), node, and the SDK:
# `npm ci --prefix tests/mcp`.  Not part of `make check`.  It touches only
# what it starts (by pid) and its temporary folder.
set -eu
LC_ALL=C
export LC_ALL

src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src}" && pwd)
runs=${2:-30}
case $runs in '' | *[!0-9]*) echo "bench_mcp: RUNS is a whole number, not \`$runs'" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "bench_mcp: needs root (the isolation stack); skipped" >&2; exit 77; }
command -v node >/dev/null || { echo "bench_mcp: needs node" >&2; exit 2; }
[ -d "$src/tests/mcp/node_modules/@modelcontextprotocol/sdk" ] ||
	{ echo "bench_mcp: needs the MCP SDK: npm ci --prefix $src/tests/mcp" >&2; exit 2; }
LD_LIBRARY_PATH=$build/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
joblet=$build/.libs/joblet
rnx=$build/.libs/rnx
JOBLET_SHIM=$build/.libs/joblet-shim
JOBLET_DAEMON_MODULE=$build/.libs/joblet-daemon.so
export JOBLET_SHIM JOBLET_DAEMON_MODULE
for f in "$joblet" "$rnx" "$JOBLET_SHIM"; do
	[ -x "$f" ] || { echo "bench_mcp: no $f; build first" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/joblet-bench-mcp-XXXXXX")
daemon=""
cleanup() {
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	bench_unmount_all
	rm -rf "$tmp"
}
trap cleanup EXIT
. "$src/tests/bench/bench_daemon.sh"

bench_daemon_start "jobs:
  max_active: $((runs * 4 + 100))" ""
sed -i "s|address: .*|address: \"127.0.0.1:$port\"|" "$C/rnx-config-developer.yml"
RNX_CONFIG=$C/rnx-config-developer.yml
export RNX_CONFIG
echo "daemon: pid $daemon on $url; the default isolation stack; $runs runs each"

# The one-shot path: a process per call, as a shell tool runs it.
for i in $(seq 5); do "$rnx" job run -f true; done
for i in $(seq "$runs"); do
	t0=$(now_ns); "$rnx" job run -f true; t1=$(now_ns)
	echo $(((t1 - t0) / 1000)) >>"$tmp/rnx.run"
done
id=$("$rnx" --json job list | sed -n 's/.*"id": "\([0-9a-f-]*\)".*/\1/p' | tail -1)
for i in $(seq "$runs"); do
	t0=$(now_ns); "$rnx" job status "$id" >/dev/null; t1=$(now_ns)
	echo $(((t1 - t0) / 1000)) >>"$tmp/rnx.status"
done

# The MCP path: one rnx mcp, calls from the SDK (the script must sit beside
# its node_modules).
node "$src/tests/mcp/bench.mjs" "$rnx" "$RNX_CONFIG" "$runs" >"$tmp/mcp.out"
awk '$1 == "run_job" { print $2 }' "$tmp/mcp.out" >"$tmp/mcp.run"
awk '$1 == "job_status" { print $2 }' "$tmp/mcp.out" >"$tmp/mcp.status"
connect_us=$(awk '$1 == "connect" { print $2 }' "$tmp/mcp.out")

ms() { awk -v u="$1" 'BEGIN { printf "%.2f", u / 1000 }'; }
rr=$(median <"$tmp/rnx.run")
mr=$(median <"$tmp/mcp.run")
rs=$(median <"$tmp/rnx.status")
ms_=$(median <"$tmp/mcp.status")
echo
printf '   %-44s %9s ms\n' "rnx job run -f true (baseline)" "$(ms "$rr")"
printf '   %-44s %9s ms\n' "MCP run_job {command: [true]}" "$(ms "$mr")"
printf '   %-44s %9s ms\n' "rnx job status ID (baseline)" "$(ms "$rs")"
printf '   %-44s %9s ms\n' "MCP job_status" "$(ms "$ms_")"
printf '   %-44s %9s ms\n' "MCP session start (spawn, initialize, list)" "$(ms "$connect_us")"
r1=$(ratio "$mr" "$rr")
r2=$(ratio "$ms_" "$rs")
echo "   run_job / rnx job run -f     = $r1   target <= 1.00: $(awk -v r="$r1" 'BEGIN { print (r <= 1 ? "met" : "NOT met") }')"
echo "   job_status / rnx job status  = $r2   target <= 1.00: $(awk -v r="$r2" 'BEGIN { print (r <= 1 ? "met" : "NOT met") }')"
