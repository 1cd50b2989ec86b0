#!/bin/bash
# bench_cron.sh - N recurring jobs (--cron) firing in the same minute, in the
# daemon, beside N plain submissions of the same job through the API in the
# same run (the baseline: the same folder, record and queue work, plus HTTP):
#
#   - from the minute to the last run recorded: total, per entry, and per
#     entry against a submission;
#   - how long a GET answers while they fire, beside idle (the runs' files
#     are made without the manager lock, so the API must not stall).
#
# The runs wait (PENDING) behind one running job (scheduler.max_running_jobs
# 1), so what is timed is the firing, not the jobs.  The per-entry cost of
# joblet_cron_next() alone is in bench_sched.
#
# Usage: tests/bench/bench_cron.sh [BUILDDIR] [N]     (defaults: the source tree, 1000)
# Needs root (the isolation stack), bash, curl and certtool.  Not part of
# `make check`.  It waits for up to two minute boundaries.  It touches only
# what it starts (by pid) and its temporary folder.
set -eu
LC_ALL=C
export LC_ALL

src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src}" && pwd)
n=${2:-1000}
case $n in '' | *[!0-9]*) echo "bench_cron: N is a whole number, not \`$n'" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "bench_cron: needs root (the isolation stack); skipped" >&2; exit 77; }
for t in curl certtool; do
	command -v $t >/dev/null || { echo "bench_cron: needs $t" >&2; exit 2; }
done
LD_LIBRARY_PATH=$build/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export LD_LIBRARY_PATH
joblet=$build/.libs/joblet
JOBLET_SHIM=$build/.libs/joblet-shim
export JOBLET_SHIM
JOBLET_DAEMON_MODULE=$build/.libs/joblet-daemon.so
export JOBLET_DAEMON_MODULE
for f in "$joblet" "$JOBLET_SHIM"; do
	[ -x "$f" ] || { echo "bench_cron: no $f; build first (make)" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/joblet-bench-cron-XXXXXX")
daemon=""
blocker=""
cleanup() {
	if [ -n "$blocker" ]; then
		"${jcurl[@]}" -o /dev/null -X POST "$url/v1/jobs/$blocker/stop" || true
		for _ in $(seq 100); do
			"${jcurl[@]}" "$url/v1/jobs/$blocker" | grep -q '"state":"RUNNING"' || break
			sleep 0.1
		done
	fi
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	bench_unmount_all
	rm -rf "$tmp"
}
trap cleanup EXIT

. "$src/tests/bench/bench_daemon.sh"
maxof() { sort -n | tail -1; }
ms() { awk -v ns="$1" 'BEGIN { printf "%.1f", ns / 1e6 }'; }

bench_daemon_start "jobs:
  max_active: $((3 * n + 100))
scheduler:
  max_running_jobs: 1"
submitted() { "${jcurl[@]}" "$url/metrics" | awk '$1 == "joblet_jobs_submitted_total" { print $2 }'; }
post_many() { # count body: one kept-alive connection, one POST after the other
	local urls=()
	for _ in $(seq "$1"); do urls+=(-o /dev/null "$url/v1/jobs"); done
	"${jcurl[@]}" -X POST -H 'Content-Type: application/json' -d "$2" "${urls[@]}"
}
# GETs one after the other until the file $1 exists; each one's start and end (ns) to $2.
probe() {
	while [ ! -e "$1" ]; do
		local t0 t1
		t0=$(now_ns)
		"${jcurl[@]}" -o /dev/null "$url/v1/jobs/$blocker"
		t1=$(now_ns)
		echo "$t0 $t1" >>"$2"
	done
}
# The times (ns) of the GETs in file $1 that overlap [$2, $3].
took() { awk -v a="$2" -v b="$3" '$2 >= a && $1 <= b { print $2 - $1 }' "$1"; }
echo "daemon: pid $daemon on $url; log $tmp/daemon.log"

blocker=$("${jcurl[@]}" -X POST -H 'Content-Type: application/json' \
	-d '{"command":["sleep","600"]}' "$url/v1/jobs" | sed -n 's/^{"id":"\([0-9a-f-]*\)".*/\1/p')
[ -n "$blocker" ] || { echo "bench_cron: cannot start the blocking job" >&2; exit 1; }

# Idle GET latency.
(sleep 2; touch "$tmp/stop.idle") &
probe "$tmp/stop.idle" "$tmp/lat.idle"

# Baseline: N submissions of the job the cron entries make, through the API.
base=$(submitted)
t0=$(now_ns)
post_many "$n" '{"command":["true"]}'
t1=$(now_ns)
got=$(($(submitted) - base))
[ "$got" = "$n" ] || { echo "bench_cron: $got of $n submissions were taken" >&2; exit 1; }
sub_ns=$((t1 - t0))

# N recurring jobs, submitted early in a minute so that they all fire at the next.
while [ "$(date +%S)" -gt 40 ]; do sleep 1; done
post_many "$n" '{"command":["true"],"cron":"* * * * *"}'
base=$(submitted)
next=$((($(date +%s) / 60 + 1) * 60))
[ "$(date +%s)" -lt "$next" ] || { echo "bench_cron: the submissions took past the minute; use a smaller N" >&2; exit 1; }
while [ "$(date +%s)" -lt $((next - 1)) ]; do sleep 0.2; done
rm -f "$tmp/stop.fire"
probe "$tmp/stop.fire" "$tmp/lat.fire" &
prober=$!
while [ "$(($(submitted) - base))" -lt "$n" ]; do sleep 0.02; done
t1=$(now_ns)
touch "$tmp/stop.fire"
wait "$prober"
fire_ns=$((t1 - next * 1000000000))
made=$(grep -c "run 1 is job" "$tmp/daemon.log" || true)
errs=$(grep -c "was not made" "$tmp/daemon.log" || true)

echo
echo "$n recurring jobs firing in the same minute (their runs wait, PENDING):"
printf '   %-50s %9s ms  (%s ms each)\n' "$n submissions through the API (baseline)" "$(ms "$sub_ns")" \
	"$(awk -v ns="$sub_ns" -v n="$n" 'BEGIN { printf "%.3f", ns / n / 1e6 }')"
printf '   %-50s %9s ms  (%s ms each)\n' "$n cron runs made, from the minute to the last" "$(ms "$fire_ns")" \
	"$(awk -v ns="$fire_ns" -v n="$n" 'BEGIN { printf "%.3f", ns / n / 1e6 }')"
echo "   a cron run / an API submission            = $(ratio "$fire_ns" "$sub_ns")"
echo "   runs made: $made, not made: $errs"
took "$tmp/lat.idle" 0 "$(now_ns)" >"$tmp/idle"
took "$tmp/lat.fire" "$((next * 1000000000))" "$t1" >"$tmp/fire"
idle_med=$(median <"$tmp/idle")
fire_med=$(median <"$tmp/fire")
fire_max=$(maxof <"$tmp/fire")
echo "   GET while idle: median $(ms "$idle_med") ms; while firing: median $(ms "$fire_med") ms, max $(ms "$fire_max") ms ($(wc -l <"$tmp/fire") GETs)"
echo "   GET while firing / idle (median)           = $(ratio "$fire_med" "$idle_med")"
