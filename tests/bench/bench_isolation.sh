#!/bin/bash
# bench_isolation.sh - the cost of an isolated job, against tools doing the
# same work in the same run (absolute times mean little on noisy machines):
#
#   1. start-to-exit latency of `true` run by `joblet run-local` against
#      bwrap, `crun run` and bare `unshare -fpmiu` with equivalent isolation
#      (targets: joblet faster than crun, within 3x of bare unshare);
#   2. memory of joblet-shim per running job: VmRSS and Pss of the shim of
#      each of several concurrent `sleep` jobs, with a per-library breakdown
#      (target: under 2 MiB per job);
#   3. leaks: N jobs back to back leave no mount, cgroup, fd, process or
#      state file behind (before/after table), and their rate in jobs/s.
#
# Run `tests/bench/bench_isolation.sh --help` for the usage.  Needs root
# (exit 77 otherwise) and bash >= 5 (EPOCHREALTIME).  It installs bubblewrap,
# crun and jq with apt-get when missing (unless --no-install) and skips a
# comparison, saying why, when a tool cannot be had or cannot run here.
#
# It touches only what it creates: a temporary folder (state dir, bundles),
# the processes it starts (ended by pid), the crun containers it runs (with
# their state under the temporary folder) and, with --crun-cgroup=cgroupfs,
# the single cgroup crun makes for them (joblet-bench-crun-PID).  On a hybrid
# cgroup host crun runs in a private mount namespace of its own in which the
# cgroup2 mount is hidden (crun refuses hybrid hosts whose cgroup2 has any
# controller); the host's mounts are not changed.
set -eu
LC_ALL=C
export LC_ALL

usage() {
	cat <<'EOF'
Usage: tests/bench/bench_isolation.sh [OPTIONS] [BUILDDIR] [RUNS] [CONCURRENT] [JOBS]

  BUILDDIR    the built tree (default: the source tree); joblet, joblet-shim
              and build-plugins/ are taken from it
  RUNS        runs of `true` per tool for the latency comparison (default 50)
  CONCURRENT  concurrent `sleep` jobs whose shims are measured (default 10)
  JOBS        jobs run back to back for the leak check (default 1000)
  A count of 0 skips that part.

Options:
  --stack LIST         isolation.stack to benchmark, comma-separated
                       (default: namespaces,rootfs,cgroup,seccomp).  A layer that
                       reports "not written yet" or cannot work on this host is
                       dropped, with a note (namespaces and rootfs are kept).
  --crun-cgroup MODE   auto (default: cgroupfs when joblet's stack has a cgroup
                       layer, else disabled, as joblet), cgroupfs or disabled
  --sleep SECONDS      how long the jobs of the memory part run (default 5)
  --no-install         do not apt-get install missing tools; skip them
  -h, --help           this help

Needs root (namespaces, mounts): exits 77 otherwise.  Not part of `make check`.
EOF
}

stack_req="namespaces,rootfs,cgroup,seccomp"
crun_cgroup=auto
install=yes
sleep_s=5
args=()
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help) usage; exit 0 ;;
	--stack) [ $# -ge 2 ] || { usage >&2; exit 2; }; stack_req=$2; shift 2 ;;
	--stack=*) stack_req=${1#*=}; shift ;;
	--crun-cgroup) [ $# -ge 2 ] || { usage >&2; exit 2; }; crun_cgroup=$2; shift 2 ;;
	--crun-cgroup=*) crun_cgroup=${1#*=}; shift ;;
	--sleep) [ $# -ge 2 ] || { usage >&2; exit 2; }; sleep_s=$2; shift 2 ;;
	--sleep=*) sleep_s=${1#*=}; shift ;;
	--no-install) install=no; shift ;;
	--) shift; args+=("$@"); break ;;
	-*) echo "bench_isolation: unknown option $1; see --help" >&2; exit 2 ;;
	*) args+=("$1"); shift ;;
	esac
done
set -- "${args[@]}"
[ $# -le 4 ] || { usage >&2; exit 2; }
case $crun_cgroup in auto | cgroupfs | disabled) ;; *)
	echo "bench_isolation: --crun-cgroup is auto, cgroupfs or disabled" >&2; exit 2 ;;
esac
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src}" && pwd)
runs=${2:-50}
conc=${3:-10}
leak_n=${4:-1000}
for n in "$runs" "$conc" "$leak_n" "$sleep_s"; do
	case $n in '' | *[!0-9]*) echo "bench_isolation: counts are whole numbers, not \`$n'" >&2; exit 2 ;; esac
done

if [ "$(id -u)" != 0 ]; then
	echo "bench_isolation: needs root (namespaces, mounts, pivot_root); skipped" >&2
	exit 77
fi
if [ -z "${EPOCHREALTIME:-}" ]; then
	echo "bench_isolation: needs bash >= 5 (EPOCHREALTIME)" >&2
	exit 2
fi

# The real programs, not libtool's wrapper scripts (a bash start each, twice a job).
if [ -x "$build/.libs/joblet" ] && [ -x "$build/.libs/joblet-shim" ]; then
	joblet_bin=$build/.libs/joblet
	shim_bin=$build/.libs/joblet-shim
	LD_LIBRARY_PATH=$build/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
	export LD_LIBRARY_PATH
else
	joblet_bin=$build/joblet
	shim_bin=$build/joblet-shim
fi
plugdir=$build/build-plugins
for f in "$joblet_bin" "$shim_bin"; do
	[ -x "$f" ] || { echo "bench_isolation: no $f; build first (make)" >&2; exit 2; }
done
[ -d "$plugdir" ] || { echo "bench_isolation: no $plugdir; build first (make)" >&2; exit 2; }
JOBLET_SHIM=$shim_bin
JOBLET_DAEMON_MODULE=$build/.libs/joblet-daemon.so
export JOBLET_SHIM JOBLET_DAEMON_MODULE
unset JOBLET_CONFIG

tmp=$(mktemp -d "${TMPDIR:-/tmp}/joblet-bench-iso-XXXXXX")
state=$tmp/state
bg_pids=""          # the run-local processes we started in the background
crun_pid=""         # the crun worker (below)
crun_cgname=joblet-bench-crun-$$

crun_stop() {
	[ -n "$crun_pid" ] || return 0
	echo quit >&5 2>/dev/null || true
	exec 5>&- 6<&-
	wait "$crun_pid" 2>/dev/null || true
	crun_pid=""
}
cleanup() {
	set +e
	crun_stop
	for p in $bg_pids; do kill -TERM "$p" 2>/dev/null; done
	for p in $bg_pids; do wait "$p" 2>/dev/null; done
	# The one cgroup crun makes for us with cgroupfs (crun removes it after each run).
	for d in /sys/fs/cgroup/*/"$crun_cgname" /sys/fs/cgroup/"$crun_cgname"; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null
	done
	# Nothing of a job may stay mounted on the host; if something did, keep it to be seen.
	if grep -qF " $tmp/" /proc/self/mountinfo; then
		echo "bench_isolation: something is still mounted under $tmp; left in place" >&2
	else
		rm -rf --one-file-system "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

note() { echo "note: $*"; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }'; }

# ------------------------------------------------------------------ tools

# have CMD PACKAGE: CMD is there, or apt-get installed PACKAGE (once).
apt_updated=no
have() {
	command -v "$1" >/dev/null 2>&1 && return 0
	if [ "$install" = no ]; then
		note "$1 is missing (package $2) and --no-install was given"
		return 1
	fi
	if ! command -v apt-get >/dev/null 2>&1; then
		note "$1 is missing and there is no apt-get to install $2"
		return 1
	fi
	echo "installing $2 (apt-get) for $1 ..."
	if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >"$tmp/apt.log" 2>&1; then
		if [ "$apt_updated" = no ]; then
			apt_updated=yes
			apt-get update -qq >>"$tmp/apt.log" 2>&1 || true
		fi
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >>"$tmp/apt.log" 2>&1 || true
	fi
	command -v "$1" >/dev/null 2>&1 && return 0
	note "could not install $2: $(tail -n 1 "$tmp/apt.log")"
	return 1
}

# ------------------------------------------------------------------ joblet's stack

write_cfg() { # FILE PLUGIN_DIR STACK
	cat >"$1" <<EOC
paths: {state_dir: $state}
plugins: {dirs: [$2]}
isolation: {stack: [$3]}
EOC
}

# "a,b c" -> "a, b, c"
stack=$(printf '%s\n' "$stack_req" | tr ' ,' '\n\n' | grep . | paste -sd, - | sed 's/,/, /g')
[ -n "$stack" ] || { echo "bench_isolation: --stack is empty" >&2; exit 2; }
cfg=$tmp/joblet.yml

# Run `true` with $stack; drop the layers that say they cannot work yet.
resolve_stack() {
	local msg layer m
	while :; do
		write_cfg "$cfg" "$plugdir" "$stack"
		if "$joblet_bin" --config "$cfg" run-local -- true >/dev/null 2>"$tmp/probe.err"; then
			return 0
		fi
		msg=$(tr '\n' ' ' <"$tmp/probe.err")
		case $msg in
		*"not written yet"* | *"cannot work on this host"* | *"no cgroup backend"* | *"is not loaded"*) ;;
		*)
			echo "bench_isolation: joblet cannot run a job with isolation.stack [$stack]: $msg" >&2
			exit 1
			;;
		esac
		layer=""
		for m in ${stack//,/ }; do
			case $m in
			namespaces | rootfs) continue ;;
			cgroup)
				case $msg in *isolation/cgroup1* | *isolation/cgroup2* | *"no cgroup backend"*) layer=$m ;; esac
				;;
			*)
				case $msg in *"isolation/$m"* | *"\`$m\`"*) layer=$m ;; esac
				;;
			esac
			[ -n "$layer" ] && break
		done
		if [ -n "$layer" ]; then
			note "isolation layer \`$layer' is left out: ${msg#joblet: }"
			stack=$(printf '%s\n' ${stack//,/ } | grep -vx "$layer" | paste -sd, - | sed 's/,/, /g')
		elif [ "$stack" != "namespaces, rootfs" ]; then
			note "falling back to [namespaces, rootfs]: ${msg#joblet: }"
			stack="namespaces, rootfs"
		else
			echo "bench_isolation: joblet cannot run a job here: $msg" >&2
			exit 1
		fi
	done
}
resolve_stack
case ", $stack," in *", cgroup"*) joblet_has_cgroup=yes ;; *) joblet_has_cgroup=no ;; esac

# (An earlier what-if ran the stack with a plugin folder holding only the
# isolation plugins; joblet-shim now loads only the plugins of its stack, so
# that variant is the same as the real one and is no longer measured.)
cfg_iso=""

echo "== joblet $("$joblet_bin" --version 2>/dev/null | head -n 1) from $build"
echo "isolation.stack: [$stack] (asked: [$(printf '%s' "$stack_req" | sed 's/,/, /g')])"
echo "host: $(uname -sr), $(nproc) CPUs; cgroups: $(
	if [ "$(stat -fc %T /sys/fs/cgroup)" = cgroup2fs ]; then echo v2
	elif [ -e /sys/fs/cgroup/unified/cgroup.controllers ]; then echo "hybrid (cgroup2 controllers: $(cat /sys/fs/cgroup/unified/cgroup.controllers))"
	else echo v1; fi)"

# ------------------------------------------------------------------ 1. latency

declare -A tcmd                     # tool -> how it is run (for the report)
tools=()
mkdir -p "$tmp/work-bwrap" "$tmp/work-crun"

# Host files a job sees in joblet's default rootfs allow-list, plus the /etc
# files joblet generates (bound from the host for the others).
etc_files="/etc/ssl /etc/alternatives /etc/ld.so.cache /etc/passwd /etc/group /etc/hosts /etc/resolv.conf"

setup_bwrap() {
	local l f
	have bwrap bubblewrap || return 1
	bw=(bwrap --unshare-pid --unshare-ipc --unshare-uts --unshare-net --unshare-cgroup
		--die-with-parent --new-session --cap-drop ALL --hostname bench
		--ro-bind /usr /usr)
	for l in bin lib lib64 sbin; do
		if [ -L "/$l" ]; then
			bw+=(--symlink "$(readlink "/$l")" "/$l")
		elif [ -d "/$l" ]; then
			bw+=(--ro-bind "/$l" "/$l")
		fi
	done
	for f in $etc_files; do
		[ -e "$f" ] && bw+=(--ro-bind "$f" "$f")
	done
	bw+=(--proc /proc --dev /dev --tmpfs /tmp --bind "$tmp/work-bwrap" /work --chdir /work)
	if ! "${bw[@]}" true >/dev/null 2>"$tmp/probe.err"; then
		note "bwrap cannot run here, no bwrap comparison: $(tr '\n' ' ' <"$tmp/probe.err")"
		return 1
	fi
	tcmd[bwrap]="${bw[*]} true"
}

# crun: a bundle whose rootfs is assembled from the same host folders.
hybrid=no
if [ "$(stat -fc %T /sys/fs/cgroup)" = tmpfs ] &&
	[ "$(stat -fc %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
	hybrid=yes
fi

# The worker: a bash in a private mount namespace (there, on a hybrid host,
# /sys/fs/cgroup/unified is unmounted so crun sees cgroup v1 only).  It runs
# `crun run` once per line it reads and answers "rc t0 t1", so the crun runs
# are interleaved with the others' and timed the same way (fork+exec from bash).
crun_start() { # MODE
	local mode=$1
	rm -f "$tmp/crun.in" "$tmp/crun.out"
	mkfifo "$tmp/crun.in" "$tmp/crun.out"
	# shellcheck disable=SC2016
	unshare -m --propagation private bash -c '
		set -u
		if [ "$1" = yes ]; then umount -l /sys/fs/cgroup/unified 2>>"$4" || true; fi
		exec 3<"$2" 4>"$3"
		err=$4
		shift 4
		while read -r id <&3; do
			[ "$id" = quit ] && break
			t0=$EPOCHREALTIME
			if "$@" "$id" >/dev/null 2>>"$err"; then rc=0; else rc=$?; fi
			t1=$EPOCHREALTIME
			echo "$rc $t0 $t1" >&4
		done' crun-worker "$hybrid" "$tmp/crun.in" "$tmp/crun.out" "$tmp/err.crun" \
		crun --root "$tmp/crun-state" --cgroup-manager="$mode" run --bundle "$tmp/crun" \
		</dev/null &
	crun_pid=$!
	# Read-write opens of a FIFO never block, whatever the worker did.
	exec 5<>"$tmp/crun.in" 6<>"$tmp/crun.out"
	tcmd[crun]="crun --cgroup-manager=$mode run --bundle BUNDLE ID$([ "$hybrid" = yes ] && echo " (in a private mount namespace without the cgroup2 mount)")"
}
crun_seq=0
crun_once() { # prints "rc t0 t1"; rc 124 when the worker does not answer
	local line
	crun_seq=$((crun_seq + 1))
	echo "jlbench-$$-$crun_seq" >&5
	if read -r -t 60 line <&6; then echo "$line"; else echo "124 0 0"; fi
}

setup_crun() {
	local mode extra f l rc
	have crun crun || return 1
	have jq jq || { note "no jq to write crun's config.json: no crun comparison"; return 1; }
	mkdir -p "$tmp/crun/rootfs" "$tmp/crun-state"
	for l in bin lib lib64 sbin; do
		if [ -L "/$l" ]; then ln -s "$(readlink "/$l")" "$tmp/crun/rootfs/$l"; fi
	done
	extra='[{"destination":"/usr","type":"bind","source":"/usr","options":["rbind","ro","nosuid","nodev"]}'
	for l in bin lib lib64 sbin; do
		if [ ! -L "/$l" ] && [ -d "/$l" ]; then
			extra="$extra,{\"destination\":\"/$l\",\"type\":\"bind\",\"source\":\"/$l\",\"options\":[\"rbind\",\"ro\",\"nosuid\",\"nodev\"]}"
		fi
	done
	for f in $etc_files; do
		[ -e "$f" ] && extra="$extra,{\"destination\":\"$f\",\"type\":\"bind\",\"source\":\"$f\",\"options\":[\"rbind\",\"ro\",\"nosuid\",\"nodev\"]}"
	done
	extra="$extra,{\"destination\":\"/tmp\",\"type\":\"tmpfs\",\"source\":\"tmpfs\",\"options\":[\"nosuid\",\"nodev\",\"mode=1777\",\"size=65536k\"]}"
	extra="$extra,{\"destination\":\"/work\",\"type\":\"bind\",\"source\":\"$tmp/work-crun\",\"options\":[\"rbind\",\"rw\",\"nosuid\",\"nodev\"]}]"
	(cd "$tmp/crun" && crun spec) || { note "crun spec failed: no crun comparison"; return 1; }
	mode=$crun_cgroup
	if [ "$mode" = auto ]; then
		if [ "$joblet_has_cgroup" = yes ]; then mode=cgroupfs; else mode=disabled; fi
	fi
	# Same isolation as joblet's namespaces+rootfs: pid, net, ipc, uts, mount and
	# cgroup namespaces, a read-only root, /proc (crun masks the same files),
	# /dev (tmpfs, devpts, shm), the host folders read-only, /tmp, /work; user
	# 65534 without capabilities, as joblet's jobs.
	jq --argjson extra "$extra" --arg cg "$([ "$mode" = cgroupfs ] && echo "/$crun_cgname")" '
		.process.terminal = false | .process.args = ["true"] | .process.cwd = "/work"
		| .process.user = {uid: 65534, gid: 65534}
		| .process.env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/work"]
		| .process.capabilities = {bounding: [], effective: [], inheritable: [], permitted: [], ambient: []}
		| .hostname = "bench" | .root = {path: "rootfs", readonly: true}
		| .mounts = ([.mounts[] | select(.destination == "/proc" or .destination == "/dev"
			or .destination == "/dev/pts" or .destination == "/dev/shm")] + $extra)
		| .linux.namespaces = [{type: "pid"}, {type: "network"}, {type: "ipc"}, {type: "uts"},
			{type: "mount"}, {type: "cgroup"}]
		| del(.linux.resources)
		| if $cg != "" then .linux.cgroupsPath = $cg else . end
	' "$tmp/crun/config.json" >"$tmp/crun/config.new" && mv "$tmp/crun/config.new" "$tmp/crun/config.json"
	: >"$tmp/err.crun"
	crun_start "$mode"
	read -r rc _ <<<"$(crun_once)"
	if [ "$rc" != 0 ] && [ "$mode" = cgroupfs ]; then
		note "crun with --cgroup-manager=cgroupfs fails here ($(tail -n 1 "$tmp/err.crun")); using disabled"
		crun_stop
		jq 'del(.linux.cgroupsPath)' "$tmp/crun/config.json" >"$tmp/crun/config.new" &&
			mv "$tmp/crun/config.new" "$tmp/crun/config.json"
		mode=disabled
		: >"$tmp/err.crun"
		crun_start "$mode"
		read -r rc _ <<<"$(crun_once)"
	fi
	if [ "$rc" != 0 ]; then
		note "crun cannot run here, no crun comparison: $(tail -n 2 "$tmp/err.crun" | tr '\n' ' ')"
		crun_stop
		return 1
	fi
	crun_mode=$mode
}

if [ "$runs" -gt 0 ]; then
	echo
	echo "== 1. start-to-exit latency of \`true\`, $runs runs per tool, interleaved"
	tools+=(joblet)
	tcmd[joblet]="joblet run-local -- true  (isolation.stack [$stack])"
	if [ -n "$cfg_iso" ]; then
		tools+=(joblet-isoplug)
		tcmd[joblet-isoplug]="the same, plugins.dirs holding only the isolation plugins (what-if)"
	fi
	crun_mode=""
	if setup_crun; then tools+=(crun); fi
	if setup_bwrap; then tools+=(bwrap); fi
	if command -v unshare >/dev/null 2>&1 && unshare -fpmiu true 2>/dev/null; then
		tools+=(unshare)
		tcmd[unshare]="unshare -fpmiu true"
	else
		note "unshare -fpmiu true does not run here: no unshare baseline"
	fi
	# References for the cost of starting a joblet program with its libraries.
	tools+=(joblet-version true)
	tcmd[joblet-version]="joblet --version  (reference: loading joblet and its libraries)"
	tcmd[true]="/bin/true  (reference: fork+exec of a minimal program)"
	[ -z "$crun_mode" ] || echo "crun: --cgroup-manager=$crun_mode$([ "$hybrid" = yes ] && echo ", in a private mount namespace where /sys/fs/cgroup/unified is unmounted (crun refuses hybrid hosts whose cgroup2 has controllers)")"

	run_tool() { # TOOL -> appends ms to $tmp/t.TOOL, or counts a failure
		local t0 t1 rc=0
		case $1 in
		crun) read -r rc t0 t1 <<<"$(crun_once)" ;;
		*)
			t0=$EPOCHREALTIME
			case $1 in
			joblet) "$joblet_bin" --config "$cfg" run-local -- true >/dev/null 2>>"$tmp/err.joblet" || rc=$? ;;
			joblet-isoplug) "$joblet_bin" --config "$cfg_iso" run-local -- true >/dev/null 2>>"$tmp/err.joblet-isoplug" || rc=$? ;;
			bwrap) "${bw[@]}" true >/dev/null 2>>"$tmp/err.bwrap" || rc=$? ;;
			unshare) unshare -fpmiu true >/dev/null 2>>"$tmp/err.unshare" || rc=$? ;;
			joblet-version) "$joblet_bin" --version >/dev/null 2>>"$tmp/err.joblet-version" || rc=$? ;;
			true) /bin/true || rc=$? ;;
			esac
			t1=$EPOCHREALTIME
			;;
		esac
		if [ "$rc" = 0 ]; then
			ms "$t0" "$t1" >>"$tmp/t.$1"
		else
			echo "$rc" >>"$tmp/fail.$1"
		fi
	}
	for t in "${tools[@]}"; do run_tool "$t"; done # warm-up, not counted
	for t in "${tools[@]}"; do rm -f "$tmp/t.$t" "$tmp/fail.$t"; done
	k=${#tools[@]}
	for r in $(seq 1 "$runs"); do
		for j in $(seq 0 $((k - 1))); do
			run_tool "${tools[$(((r + j) % k))]}"
		done
	done
	crun_stop

	echo
	for t in "${tools[@]}"; do printf '  %-15s %s\n' "$t" "${tcmd[$t]}"; done
	echo
	printf '  %-15s %5s %9s %9s %9s %9s %6s\n' tool runs "mean ms" "median" "p90" "min" failed
	declare -A med mean
	for t in "${tools[@]}"; do
		nf=0
		[ -f "$tmp/fail.$t" ] && nf=$(wc -l <"$tmp/fail.$t")
		if [ ! -s "$tmp/t.$t" ]; then
			printf '  %-15s %5s %9s %9s %9s %9s %6s\n' "$t" 0 - - - - "$nf"
			continue
		fi
		# shellcheck disable=SC2046
		set -- $(sort -n "$tmp/t.$t" | awk '{ v[NR] = $1; s += $1 } END {
			p90 = int(NR * 0.9 + 0.999); if (p90 < 1) p90 = 1
			med = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%d %.2f %.2f %.2f %.2f\n", NR, s / NR, med, v[p90], v[1] }')
		printf '  %-15s %5s %9s %9s %9s %9s %6s\n' "$t" "$1" "$2" "$3" "$4" "$5" "$nf"
		mean[$t]=$2
		med[$t]=$3
	done
	for t in "${tools[@]}"; do
		if [ -s "$tmp/err.$t" ]; then
			echo "  $t said: $(sort "$tmp/err.$t" | uniq -c | sort -rn | head -n 3 | tr -s ' ' | tr '\n' ';')"
		fi
	done
	echo
	ratio() { # NAME A B TARGET-TEXT CMP LIMIT
		local a=${med[$2]:-} b=${med[$3]:-}
		if [ -z "$a" ] || [ -z "$b" ]; then
			echo "  $1: not measured ($3 missing)"
			return
		fi
		awk -v n="$1" -v a="$a" -v b="$b" -v ma="${mean[$2]}" -v mb="${mean[$3]}" \
			-v tt="$4" -v cmp="$5" -v lim="$6" 'BEGIN {
			r = a / b
			v = ""
			if (cmp == "lt") v = r < lim ? "met" : "NOT met"
			if (cmp == "le") v = r <= lim ? "met" : "NOT met"
			printf "  %-28s = %5.2f  (means: %.2f)%s%s\n", n, r, ma / mb,
				tt != "" ? "   target " tt ": " : "", v }'
	}
	echo "ratios of the medians:"
	ratio "joblet / crun" joblet crun "< 1" lt 1
	ratio "joblet / bwrap" joblet bwrap "" "" 0
	ratio "joblet / unshare -fpmiu" joblet unshare "<= 3" le 3
	if [ -n "$cfg_iso" ]; then
		ratio "what-if isoplug / crun" joblet-isoplug crun "" "" 0
		ratio "what-if isoplug / unshare" joblet-isoplug unshare "" "" 0
	fi
	ratio "joblet --version / true" joblet-version true "" "" 0
	if [ -n "${med[joblet]:-}" ] && [ -n "${med[joblet-version]:-}" ]; then
		awk -v j="${med[joblet]}" -v v="${med[joblet-version]}" -v t="${med[true]}" 'BEGIN {
			printf "a job starts two joblet programs (run-local, joblet-shim): their loading beyond a\n"
			printf "minimal exec is 2 x %.2f ms = %.0f%% of joblet'"'"'s median\n", v - t, 100 * 2 * (v - t) / j }'
	fi
fi

# ------------------------------------------------------------------ 2. shim memory

kv() { awk -v k="$1:" '$1 == k { print $2; exit }' "$2" 2>/dev/null; } # KEY FILE -> kB

# The job's command under shim PID: the shim's child is joblet-init (the job's PID 1), whose
# child is the command; a joblet before joblet-init ran the command as the shim's child.
job_pid() { # SHIM_PID
	local c
	c=$(ps -o pid= --ppid "$1" 2>/dev/null | head -n 1 | tr -d ' ')
	[ -n "$c" ] && [ "$(cat "/proc/$c/comm" 2>/dev/null)" = joblet-init ] &&
		c=$(ps -o pid= --ppid "$c" 2>/dev/null | head -n 1 | tr -d ' ')
	echo "$c"
}

# Start $conc jobs of `sleep` with CONFIG, wait until each runs; shim pids go to $tmp/shims.
start_sleepers() { # CONFIG
	local n deadline p c
	: >"$tmp/shims"
	bg_pids=""
	for _ in $(seq 1 "$conc"); do
		"$joblet_bin" --config "$1" run-local -- sleep "$sleep_s" >/dev/null 2>>"$tmp/err.rss" &
		bg_pids="$bg_pids $!"
	done
	deadline=$((SECONDS + 30))
	while [ "$SECONDS" -lt "$deadline" ]; do
		n=0
		for f in "$state"/jobs/*/lock; do
			# The lock holds "SHIM_PID [JOB_PID START_TIME]".
			read -r p _ 2>/dev/null <"$f" || continue
			c=$(job_pid "$p")
			[ -n "$c" ] && [ "$(cat "/proc/$c/comm" 2>/dev/null)" = sleep ] && n=$((n + 1))
		done
		[ "$n" -ge "$conc" ] && break
		sleep 0.1
	done
	for f in "$state"/jobs/*/lock; do
		[ -f "$f" ] || continue
		read -r p _ <"$f" || continue
		[ "$(cat "/proc/$p/comm" 2>/dev/null)" = joblet-shim ] && echo "$p" >>"$tmp/shims"
	done
	sleep 0.2
}
stop_sleepers() {
	local p
	for p in $bg_pids; do wait "$p" 2>/dev/null || true; done
	bg_pids=""
}

# mean of kB values on stdin, in kB
mean_kb() { awk '{ s += $1; n++ } END { if (n) printf "%.0f\n", s / n; else print 0 }'; }

# The shim's memory by mapping: RSS, PSS, private dirty (kB) per file, with a class.
breakdown() { # PID
	local p=$1 linked
	linked=$(ldd "$shim_bin" 2>/dev/null | awk '{ print ($2 == "=>") ? $3 : $1 }' |
		while read -r l; do
			case $l in /*) l=$(readlink -f "$l") ;; esac
			printf '%s ' "${l##*/}"
		done)
	awk -v linked=" $linked " -v plug="$(cd "$plugdir" && pwd -P)/" -v plug2="$tmp/plugins-isolation/" \
		-v shim="$(readlink -f "$shim_bin")" '
		/^[0-9a-f]+-[0-9a-f]+ / { name = NF >= 6 ? $6 : "[anon]"; next }
		$1 == "Rss:" { rss[name] += $2 } $1 == "Pss:" { pss[name] += $2 }
		$1 == "Private_Dirty:" { pd[name] += $2 }
		END {
			for (n in rss) {
				b = n; sub(".*/", "", b)
				if (n ~ /^\[/) c = "anon"
				else if (n == shim) c = "shim-binary"
				else if (index(n, plug) == 1 || index(n, plug2) == 1) c = "plugin"
				else if (index(linked, " " b " ")) c = "linked"
				else c = "plugin-dep"
				printf "%d %d %d %s %s\n", rss[n], pss[n], pd[n], c, n
			}
		}' "/proc/$p/smaps" | sort -rn
}

if [ "$conc" -gt 0 ]; then
	echo
	echo "== 2. memory of joblet-shim with $conc concurrent jobs of \`sleep $sleep_s\` (isolation.stack [$stack])"
	rss_round() { # LABEL CONFIG -> sets r_rss r_pss r_n
		local p c
		start_sleepers "$2"
		: >"$tmp/m.rss"; : >"$tmp/m.pss"; : >"$tmp/m.anon"; : >"$tmp/m.job"; : >"$tmp/m.jobpss"; : >"$tmp/m.client"
		while read -r p; do
			kv VmRSS "/proc/$p/status" >>"$tmp/m.rss"
			kv Pss "/proc/$p/smaps_rollup" >>"$tmp/m.pss"
			kv Private_Dirty "/proc/$p/smaps_rollup" >>"$tmp/m.anon"
			c=$(job_pid "$p")
			if [ -n "$c" ]; then
				kv VmRSS "/proc/$c/status" >>"$tmp/m.job"
				kv Pss "/proc/$c/smaps_rollup" >>"$tmp/m.jobpss"
			fi
		done <"$tmp/shims"
		for p in $bg_pids; do kv VmRSS "/proc/$p/status" >>"$tmp/m.client"; done
		r_n=$(wc -l <"$tmp/shims")
		r_rss=$(mean_kb <"$tmp/m.rss")
		r_pss=$(mean_kb <"$tmp/m.pss")
		r_pd=$(mean_kb <"$tmp/m.anon")
		printf '  %-34s shims %2d: VmRSS %6d kB, Pss %6d kB, private dirty %5d kB\n' \
			"$1" "$r_n" "$r_rss" "$r_pss" "$r_pd"
	}
	rss_round "joblet-shim (plugins.dirs as built)" "$cfg"
	rss_all=$r_rss pss_all=$r_pss n_all=$r_n
	job_rss=$(mean_kb <"$tmp/m.job") job_pss=$(mean_kb <"$tmp/m.jobpss")
	client_rss=$(mean_kb <"$tmp/m.client")
	first=$(head -n 1 "$tmp/shims")
	if [ -n "$first" ] && [ -r "/proc/$first/smaps" ]; then
		breakdown "$first" >"$tmp/breakdown"
	fi
	stop_sleepers
	[ "$n_all" -ge "$conc" ] || note "only $n_all of $conc jobs were running when measured: $(tail -n 1 "$tmp/err.rss" 2>/dev/null)"
	if [ -n "$cfg_iso" ]; then
		rss_round "what-if: isolation plugins only" "$cfg_iso"
		rss_iso=$r_rss pss_iso=$r_pss
		stop_sleepers
	fi
	printf '  %-34s          VmRSS %6d kB, Pss %6d kB   (baseline: a minimal libc process)\n' \
		"the jobs themselves (sleep)" "$job_rss" "$job_pss"
	printf '  %-34s          VmRSS %6d kB   (the foreground client; not a target)\n' \
		"joblet run-local" "$client_rss"
	if [ -s "$tmp/breakdown" ]; then
		echo
		echo "  where one shim's memory is (kB, from /proc/$first/smaps; largest RSS first):"
		printf '    %6s %6s %6s  %-12s %s\n' RSS PSS "pvt-d" class mapping
		head -n 18 "$tmp/breakdown" | while read -r a b c d e; do
			printf '    %6d %6d %6d  %-12s %s\n' "$a" "$b" "$c" "$d" "$e"
		done
		echo "  by class (linked: libraries joblet-shim is linked with, as ldd lists them; plugin:"
		echo "  the plugin .so files it dlopen()s; plugin-dep: libraries those pull in; anon: heap,"
		echo "  stack, anonymous):"
		awk '{ r[$4] += $1; p[$4] += $2; d[$4] += $3; n[$4]++ }
			END { for (c in r) printf "    %6d %6d %6d  %-12s (%d files)\n", r[c], p[c], d[c], c, n[c] }' \
			"$tmp/breakdown" | sort -rn
	fi
	echo
	if [ "$n_all" -lt 1 ]; then
		echo "shim VmRSS per job: not measured (no job ran: $(tail -n 1 "$tmp/err.rss" 2>/dev/null))"
	else
		awk -v r="$rss_all" -v p="$pss_all" -v j="$job_rss" -v ri="${rss_iso:-}" -v pi="${pss_iso:-}" 'BEGIN {
			printf "shim VmRSS per job: %.2f MiB (target < 2 MiB): %s;  Pss %.2f MiB: %s\n",
				r / 1024, r < 2048 ? "met" : "NOT met", p / 1024, p < 2048 ? "under 2 MiB" : "over 2 MiB"
			if (j > 0) printf "ratio shim VmRSS / job (sleep) VmRSS = %.1f\n", r / j
			if (ri != "") printf "what-if (isolation plugins only): VmRSS %.2f MiB (%.0f%% of now), Pss %.2f MiB\n",
				ri / 1024, 100 * ri / r, pi / 1024 }'
	fi
fi

# ------------------------------------------------------------------ 3. leaks

# Each count also keeps its list in $tmp/snap.NAME.WHEN, to show what changed.
snap_list() { # NAME
	case $1 in
	mounts) cut -d' ' -f4- /proc/self/mountinfo ;;
	cgroups) find /sys/fs/cgroup -mindepth 1 -type d -path '*joblet*' 2>/dev/null ;;
	fds) find "/proc/$$/fd" -mindepth 1 -printf '%f -> %l\n' 2>/dev/null ;;
	ours) ps -eo pid=,args= | T=$tmp awk 'index($0, ENVIRON["T"])' ;;
	shims) ps -eo pid=,comm=,args= | awk '$2 == "joblet-shim"' ;;
	state) find "$state" -mindepth 2 2>/dev/null ;;
	esac
}
snap_names="mounts cgroups fds ours shims state"
snapshot() { # WHEN
	local n
	# Into a file first, then sorted: no pipe of ours is open while the fds are listed.
	for n in $snap_names; do
		snap_list "$n" >"$tmp/snap.raw"
		sort "$tmp/snap.raw" >"$tmp/snap.$n.$1"
	done
}
snap_count() { wc -l <"$tmp/snap.$1.$2"; }

if [ "$leak_n" -gt 0 ]; then
	echo
	echo "== 3. $leak_n jobs back to back (\`true\`, isolation.stack [$stack])"
	"$joblet_bin" --config "$cfg" run-local -- true >/dev/null 2>&1 || true # state/jobs exists
	snapshot before
	fails=0
	t0=$EPOCHREALTIME
	for _ in $(seq 1 "$leak_n"); do
		"$joblet_bin" --config "$cfg" run-local -- true >/dev/null 2>>"$tmp/err.leak" || fails=$((fails + 1))
	done
	t1=$EPOCHREALTIME
	snapshot after
	# The baseline's rate, same count.
	u0=$EPOCHREALTIME
	for _ in $(seq 1 "$leak_n"); do unshare -fpmiu true >/dev/null 2>&1 || true; done
	u1=$EPOCHREALTIME
	printf '  %-54s %7s %7s\n' "" before after
	leaked=""
	for n in $snap_names; do
		case $n in
		mounts) what="mounts of the host (/proc/self/mountinfo lines)" ;;
		cgroups) what="cgroup folders under /sys/fs/cgroup matching *joblet*" ;;
		fds) what="open fds of this shell" ;;
		ours) what="processes whose command line names our temp dir" ;;
		shims) what="joblet-shim processes on the host (info: others')" ;;
		state) what="files and folders left in state_dir/jobs" ;;
		esac
		b=$(snap_count "$n" before) a=$(snap_count "$n" after)
		printf '  %-54s %7s %7s\n' "$what" "$b" "$a"
		if ! cmp -s "$tmp/snap.$n.before" "$tmp/snap.$n.after"; then
			diff "$tmp/snap.$n.before" "$tmp/snap.$n.after" | grep '^[<>]' | head -n 5 |
				sed 's/^</      gone:/; s/^>/      new: /'
			[ "$n" = shims ] || leaked="$leaked $n"
		fi
	done
	[ "$fails" = 0 ] || echo "  $fails of $leak_n jobs failed: $(sort "$tmp/err.leak" | uniq -c | sort -rn | head -n 1)"
	awk -v n="$leak_n" -v a="$t0" -v b="$t1" -v c="$u0" -v d="$u1" 'BEGIN {
		printf "loop: %.1f s, %.0f jobs/s; unshare -fpmiu true: %.0f runs/s; ratio of rates joblet/unshare = %.2f\n",
			b - a, n / (b - a), n / (d - c), (d - c) / (b - a) }'
	if [ -z "$leaked" ] && [ "$fails" = 0 ]; then
		echo "leak check: nothing left behind by $leak_n jobs: met"
	else
		echo "leak check: changed:${leaked:- none}; failed jobs: $fails (see above; other users of this host"
		echo "  may have made the change, the new entries are listed): NOT met"
	fi
fi
