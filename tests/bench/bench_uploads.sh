#!/bin/bash
# bench_uploads.sh - the daemon's memory while CLIENTS clients each upload a
# file of MB megabytes at once (issue 14, finding 1; target: peak RSS under
# 64 MiB), in one run:
#
#   1. multipart: the new path, each client a `curl -F` (what rnx sends);
#      then the same with rnx itself;
#   2. JSON in the same daemon: the files as base64 in a JSON body, with the
#      default in-memory budget (server.max_buffered_bytes): how they are
#      refused (413), and the peak RSS while they are;
#   3. baseline: with BENCH_BASE_BUILD set to a build of main (its joblet),
#      the JSON bodies on that daemon, as every client sent them before.
#
# The peak is VmHWM of /proc/PID/status, reset between parts by writing 5
# to /proc/PID/clear_refs.  Both daemons get server.max_request_bytes:
# 128MiB, as a 60 MB file is 80 MB of base64.
#
# Usage: tests/bench/bench_uploads.sh [BUILDDIR] [MB] [CLIENTS]
#        (defaults: the source tree, 60, 8); BENCH_BASE_BUILD=DIR for part 3.
# Needs root (the isolation stack), bash, curl.  Not part of `make check`.
# It touches only what it starts (by pid) and its temporary folder.
set -eu
LC_ALL=C
export LC_ALL

src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src}" && pwd)
mb=${2:-60}
clients=${3:-8}
for n in "$mb" "$clients"; do
	case $n in '' | *[!0-9]*) echo "bench_uploads: counts are whole numbers, not \`$n'" >&2; exit 2 ;; esac
done
[ "$(id -u)" = 0 ] || { echo "bench_uploads: needs root (the isolation stack); skipped" >&2; exit 77; }
command -v curl >/dev/null || { echo "bench_uploads: needs curl" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/joblet-bench-uploads-XXXXXX")
daemon=""
cleanup() {
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	bench_unmount_all
	rm -rf "$tmp"
}
trap cleanup EXIT

. "$src/tests/bench/bench_daemon.sh"
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
reset_hwm() { echo 5 >"/proc/$1/clear_refs"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# use BUILD: the daemon and rnx of a build tree.
use() {
	LD_LIBRARY_PATH=$1/.libs
	export LD_LIBRARY_PATH
	joblet=$1/.libs/joblet
	rnx=$1/.libs/rnx
	JOBLET_SHIM=$1/.libs/joblet-shim
	export JOBLET_SHIM
	JOBLET_DAEMON_MODULE=$1/.libs/joblet-daemon.so
	export JOBLET_DAEMON_MODULE
	build=$1
	for f in "$joblet" "$rnx" "$JOBLET_SHIM"; do
		[ -x "$f" ] || { echo "bench_uploads: no $f; build first" >&2; exit 2; }
	done
}

stop() {
	kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
	daemon=""
	rm -rf "$tmp/state" "$tmp/certs"
}

# fire NAME CMD...: CLIENTS copies of CMD at once; prints the seconds and the HTTP codes.
fire() {
	local name=$1 t0 t1 i
	shift
	rm -f "$tmp/code."*
	t0=$(now_ns)
	for i in $(seq "$clients"); do
		"$@" >"$tmp/code.$i" 2>/dev/null &
	done
	wait
	t1=$(now_ns)
	printf '%s %s\n' "$(awk -v n=$((t1 - t0)) 'BEGIN { printf "%.2f", n / 1e9 }')" \
		"$(cat "$tmp/code."* | tr -d '\n' | fold -w3 | sort | uniq -c | awk '{ printf "%s%sx%s", (NR > 1 ? "," : ""), $1, $2 }')"
}

head -c "$((mb * 1000 * 1000))" /dev/urandom >"$tmp/file.bin"
printf '{"command":["true"],"uploads":[{"path":"file.bin","data":"' >"$tmp/body.json"
base64 -w0 <"$tmp/file.bin" >>"$tmp/body.json"
printf '"}]}' >>"$tmp/body.json"
echo "bench_uploads: $clients clients, each a $mb MB file at once ($(du -m "$tmp/body.json" | cut -f1) MB as JSON)"

# ------------------------------------------------------------------ this build
use "$build"
bench_daemon_start "jobs:
  max_active: 1000" "  max_request_bytes: 128MiB"
idle=$(rss_kib "$daemon")
multipart=("${jcurl[@]}" -o /dev/null -w '%{http_code}' -F 'job={"command":["true"]};type=application/json' -F "upload=@$tmp/file.bin;filename=file.bin" "$url/v1/jobs")
(fire warmup "${multipart[@]}") >/dev/null
reset_hwm "$daemon"
read -r t_mp codes_mp < <(fire multipart "${multipart[@]}")
hwm_mp=$(hwm_kib "$daemon")

sed -i "s|address: .*|address: \"127.0.0.1:$port\"|" "$C/rnx-config-developer.yml"
reset_hwm "$daemon"
rnxrun=(sh -c "'$rnx' --config '$C/rnx-config-developer.yml' job run --upload '$tmp/file.bin' -- true >/dev/null 2>&1 && printf 201 || printf ERR")
read -r t_rnx codes_rnx < <(fire rnx "${rnxrun[@]}")
hwm_rnx=$(hwm_kib "$daemon")

json=("${jcurl[@]}" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "@$tmp/body.json" "$url/v1/jobs")
reset_hwm "$daemon"
read -r t_js codes_js < <(fire json "${json[@]}")
hwm_js=$(hwm_kib "$daemon")
stop

echo
printf '   %-52s %8s %10s %s\n' "" "seconds" "peak RSS" "answers"
printf '   %-52s %8s %7s MiB\n' "daemon idle (VmRSS)" "" "$(mib "$idle")"
printf '   %-52s %8s %7s MiB %s\n' "multipart, curl -F" "$t_mp" "$(mib "$hwm_mp")" "$codes_mp"
printf '   %-52s %8s %7s MiB %s\n' "multipart, rnx job run --upload" "$t_rnx" "$(mib "$hwm_rnx")" "$codes_rnx"
printf '   %-52s %8s %7s MiB %s\n' "JSON + base64, same daemon (default budget)" "$t_js" "$(mib "$hwm_js")" "$codes_js"

# ------------------------------------------------------------------ baseline
if [ -n "${BENCH_BASE_BUILD:-}" ]; then
	use "$(cd "$BENCH_BASE_BUILD" && pwd)"
	bench_daemon_start "jobs:
  max_active: 1000" "  max_request_bytes: 128MiB"
	json=("${jcurl[@]}" -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' --data-binary "@$tmp/body.json" "$url/v1/jobs")
	reset_hwm "$daemon"
	read -r t_base codes_base < <(fire base "${json[@]}")
	hwm_base=$(hwm_kib "$daemon")
	stop
	printf '   %-52s %8s %7s MiB %s\n' "baseline: JSON + base64 on $BENCH_BASE_BUILD" "$t_base" "$(mib "$hwm_base")" "$codes_base"
	echo "   peak RSS multipart / baseline = $(ratio "$hwm_mp" "$hwm_base")"
fi
echo "   target: peak RSS < 64 MiB with multipart: $(awk -v k="$hwm_mp" 'BEGIN { print (k < 65536 ? "met" : "NOT met") }') (curl), $(awk -v k="$hwm_rnx" 'BEGIN { print (k < 65536 ? "met" : "NOT met") }') (rnx)"
