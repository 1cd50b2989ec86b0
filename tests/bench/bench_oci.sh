#!/bin/bash
# bench_oci.sh - joblet-oci against runc and crun, side by side in one run
# (absolute times mean little on noisy machines; the ratios are the figures):
#
#   1. `RUNTIME run --bundle B ID` of a bundle whose process is /bin/true
#      (busybox-static rootfs, the namespaces of `runc spec`, a cgroup), RUNS
#      times per runtime, interleaved (round r starts with a different one);
#   2. `ctr run --rm --rootfs --runc-binary RUNTIME DIR ID /bin/true` end to
#      end through a containerd of the bench's own (io.containerd.runc.v2
#      shim), CTR_RUNS times per runtime, interleaved.
#
# Targets (issue 15): joblet-oci at most runc's time, aiming for crun's.
#
# Runtimes: runc; crun with --cgroup-manager=cgroupfs (the same work as runc:
# a cgroup per container) and, as a second column, --cgroup-manager=disabled
# (no cgroup at all: less work, shown for reference); joblet-oci
# ($JOBLET_OCI_RUNTIME, else BUILDDIR's .libs/joblet-oci with LD_LIBRARY_PATH,
# not libtool's wrapper script).  A runtime that is missing or fails its
# first run is left out with a note.
#
# crun 1.8 refuses a hybrid cgroup host whose cgroup2 mount has controllers
# ("cgroups in hybrid mode not supported"), whatever its cgroup manager.  On
# such a host the whole bench re-runs itself in a private mount namespace
# where /sys/fs/cgroup/unified is unmounted, so every runtime sees the same
# v1-only host; the host's own mounts are not changed.
#
# Run `tests/bench/bench_oci.sh --help` for the usage.  Needs root (exit 77
# otherwise), bash >= 5 (EPOCHREALTIME), busybox-static; ctr runs need
# containerd.  It touches only what it creates: a temporary folder (bundles,
# runtimes' state, containerd's root, state and sockets), the processes it
# starts (ended by pid) and the cgroup joblet-bench-oci-PID that the
# bundle's cgroupsPath names (removed at the end).
set -eu
LC_ALL=C
export LC_ALL

usage() {
	cat <<'EOF'
Usage: tests/bench/bench_oci.sh [BUILDDIR] [RUNS] [CTR_RUNS]

  BUILDDIR   the built tree (default: .); joblet-oci is taken from it unless
             JOBLET_OCI_RUNTIME names a runtime
  RUNS       `RUNTIME run` of a `true` bundle per runtime (default 50)
  CTR_RUNS   `ctr run --rm` per runtime (default 10); 0 skips that part

Needs root: exits 77 otherwise.  Not part of `make check`.
EOF
}
case ${1:-} in -h | --help) usage; exit 0 ;; esac
[ $# -le 3 ] || { usage >&2; exit 2; }
builddir=${1:-.}
runs=${2:-50}
ctr_runs=${3:-10}
src=$(cd "$(dirname "$0")/../.." && pwd)

if [ "$(id -u)" != 0 ]; then
	echo "bench_oci: needs root (namespaces, mounts, cgroups)" >&2
	exit 77
fi
if [ "${JL_BENCH_OCI_NS:-}" != 1 ] && [ "$(stat -fc %T /sys/fs/cgroup)" = tmpfs ] &&
	[ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] &&
	[ -n "$(cat /sys/fs/cgroup/unified/cgroup.controllers 2>/dev/null)" ]; then
	exec unshare -m --propagation private env JL_BENCH_OCI_NS=1 bash -c \
		'umount -l /sys/fs/cgroup/unified && exec bash "$0" "$@"' "$0" "$@"
fi
[ "${JL_BENCH_OCI_NS:-}" = 1 ] &&
	echo "note: hybrid cgroup host: every runtime runs in a private mount namespace without the cgroup2 mount (crun refuses it)"

tmp=$(mktemp -d /tmp/joblet-bench-oci-XXXXXX)
cgname=joblet-bench-oci-$$
ctd_pid=""
cleanup() {
	if [ -n "$ctd_pid" ]; then
		kill -TERM "$ctd_pid" 2>/dev/null || true
		wait "$ctd_pid" 2>/dev/null || true
		for p in $(ps -eo pid=,args= | awk -v s="$tmp/" 'index($0, s) && /containerd-shim/ {print $1}'); do
			kill -KILL "$p" 2>/dev/null || true
		done
	fi
	for d in /sys/fs/cgroup/*/"$cgname" /sys/fs/cgroup/"$cgname"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	rm -rf "$tmp"
}
trap cleanup EXIT

# The bundle, as the client tests make it (tests/integration/oci_clients.sh).
TMP=$tmp
# shellcheck source=../integration/oci_clients.sh
. "$src/tests/integration/oci_clients.sh"
oci_bundle "$tmp/bundle"
sed -i 's#"args": \["sh"\]#"args": ["/bin/true"]#' "$tmp/bundle/config.json"
sed -i "s#\"namespaces\":#\"cgroupsPath\": \"/$cgname\", \"namespaces\":#" "$tmp/bundle/config.json"

# The runtimes: name -> command line before the subcommand.
declare -A cmd
names=()
add() { # name command...
	local name=$1
	shift
	mkdir -p "$tmp/state-$name"
	cmd[$name]="$*"
	if ! "$@" --root "$tmp/state-$name" run --bundle "$tmp/bundle" probe-$name >/dev/null 2>"$tmp/err.$name"; then
		echo "note: $name left out: its first run failed: $(head -c 300 "$tmp/err.$name")"
		return
	fi
	names+=("$name")
}
command -v runc >/dev/null && add runc runc || echo "note: runc is not installed (apt-get install runc)"
if command -v crun >/dev/null; then
	add crun crun --cgroup-manager=cgroupfs
	add crun-nocg crun --cgroup-manager=disabled
else
	echo "note: crun is not installed (apt-get install crun)"
fi
oci=${JOBLET_OCI_RUNTIME:-}
# joblet-oci's floor, the seccomp plugin, from the build tree unless a policy is named.
if [ -z "${JOBLET_OCI_CONFIG:-}" ] && [ -d "$builddir/build-plugins" ]; then
	printf 'plugins:\n  dirs: [%s]\n' "$(cd "$builddir" && pwd)/build-plugins" >"$tmp/oci-policy.yml"
	JOBLET_OCI_CONFIG=$tmp/oci-policy.yml
	export JOBLET_OCI_CONFIG
fi
if [ -z "$oci" ] && [ -x "$builddir/.libs/joblet-oci" ]; then
	add joblet-oci env LD_LIBRARY_PATH="$builddir/.libs" "$builddir/.libs/joblet-oci"
elif [ -z "$oci" ] && [ -x "$builddir/joblet-oci" ]; then
	add joblet-oci "$builddir/joblet-oci"
elif [ -n "$oci" ]; then
	add joblet-oci "$oci"
else
	echo "note: joblet-oci is not built in $builddir (make joblet-oci) and JOBLET_OCI_RUNTIME is not set"
fi
[ ${#names[@]} -gt 0 ] || { echo "bench_oci: no runtime can run here" >&2; exit 1; }

stats() { # file of seconds -> "n median p90 mean min" in ms
	sort -n "$1" | awk '{ v[NR] = $1 * 1000; s += v[NR] }
		END { if (NR == 0) { print "0 - - - -"; exit }
			m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			p = v[int(NR * 0.9 + 0.999)]
			printf "%d %.1f %.1f %.1f %.1f\n", NR, m, p, s / NR, v[1] }'
}
median() { stats "$1" | awk '{print $2}'; }
ratio() { # a b -> a/b or "-"
	awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'
}
table() { # prefix: files $tmp/PREFIX.NAME
	printf '%-12s %5s %9s %9s %9s %9s\n' runtime runs median p90 mean min
	for n in "${names[@]}"; do
		read -r c m p a mi < <(stats "$tmp/$1.$n")
		printf '%-12s %5s %9s %9s %9s %9s   (ms)\n' "$n" "$c" "$m" "$p" "$a" "$mi"
		[ -s "$tmp/$1.fail.$n" ] && echo "  $n: $(wc -l <"$tmp/$1.fail.$n") runs failed, first: $(head -1 "$tmp/$1.fail.$n")"
	done
	local o=- r=- c=-
	[ -f "$tmp/$1.joblet-oci" ] && o=$(median "$tmp/$1.joblet-oci")
	[ -f "$tmp/$1.runc" ] && r=$(median "$tmp/$1.runc")
	[ -f "$tmp/$1.crun" ] && c=$(median "$tmp/$1.crun")
	echo "joblet-oci / runc: $(ratio "$o" "$r") (target <= 1)   joblet-oci / crun: $(ratio "$o" "$c") (aim <= 1)"
}
# interleave PREFIX COUNT FUNCTION: FUNCTION NAME ID for each runtime, COUNT
# rounds, round r starting with runtime r mod n; seconds to $tmp/PREFIX.NAME.
interleave() {
	local prefix=$1 count=$2 fn=$3 r i k n t0 t1
	for n in "${names[@]}"; do : >"$tmp/$prefix.$n"; : >"$tmp/$prefix.fail.$n"; done
	for ((r = 0; r < count; r++)); do
		for ((i = 0; i < ${#names[@]}; i++)); do
			k=$(((r + i) % ${#names[@]}))
			n=${names[$k]}
			t0=$EPOCHREALTIME
			if "$fn" "$n" "b$$-$r-$n" >/dev/null 2>"$tmp/err.last"; then
				t1=$EPOCHREALTIME
				echo "$t1 - $t0" | awk '{printf "%.6f\n", $1 - $3}' >>"$tmp/$prefix.$n"
			else
				echo "exit $?: $(head -c 200 "$tmp/err.last" | tr '\n' ' ')" >>"$tmp/$prefix.fail.$n"
			fi
		done
	done
}

one_run() { # name id
	# shellcheck disable=SC2086
	${cmd[$1]} --root "$tmp/state-$1" run --bundle "$tmp/bundle" "$2" </dev/null
}
echo
echo "== 1. RUNTIME run of a /bin/true bundle, $runs runs each (host: $(nproc) CPUs, $(uname -r))"
for n in "${names[@]}"; do echo "  $n: ${cmd[$n]} --root STATE run --bundle BUNDLE ID"; done
interleave run "$runs" one_run
table run

[ "$ctr_runs" -gt 0 ] || exit 0
echo
if ! command -v containerd >/dev/null || ! command -v ctr >/dev/null; then
	echo "== 2. ctr run: skipped, containerd is not installed (apt-get install containerd)"
	exit 0
fi
ctd=$tmp/ctd
mkdir -p "$ctd"
cat >"$ctd/config.toml" <<EOT
version = 2
root = "$ctd/root"
state = "$ctd/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$ctd/containerd.sock"
[ttrpc]
  address = "$ctd/containerd.sock.ttrpc"
[debug]
  address = "$ctd/debug.sock"
[metrics]
  address = ""
EOT
containerd --config "$ctd/config.toml" >"$ctd/log" 2>&1 &
ctd_pid=$!
for ((i = 0; i < 100; i++)); do
	ctr --address "$ctd/containerd.sock" version >/dev/null 2>&1 && break
	sleep 0.1
done
# Each runtime behind the same one-line sh wrapper (crun needs its flag,
# joblet-oci its LD_LIBRARY_PATH), so they pay the same for it.
for n in "${names[@]}"; do
	printf '#!/bin/sh\nexec %s "$@"\n' "${cmd[$n]}" >"$tmp/wrap-$n"
	chmod 755 "$tmp/wrap-$n"
done
oci_rootfs "$tmp/ctr-rootfs"
ctr_run() { # name id
	ctr --address "$ctd/containerd.sock" -n bench run --rm --rootfs --runtime io.containerd.runc.v2 \
		--runc-binary "$tmp/wrap-$1" --runc-root "$tmp/ctr-state-$1" "$tmp/ctr-rootfs" "$2" /bin/true
}
echo "== 2. ctr run --rm --rootfs --runc-binary RUNTIME DIR ID /bin/true (containerd $(containerd --version | awk '{print $3}')), $ctr_runs runs each"
interleave ctr "$ctr_runs" ctr_run
table ctr
