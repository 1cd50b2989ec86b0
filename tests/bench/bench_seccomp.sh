#!/bin/sh
# bench_seccomp.sh - what the isolation/seccomp filter costs a job: 1000
# getpid() and 200 fork + execve of /bin/true, timed inside a job run with
# `isolation.stack: [none]` and inside one with `[seccomp]`, alternately,
# ROUNDS times each.  Prints the median of each and the ratios
# (with filter / without); the target is a ratio close to 1.
# Usage: tests/bench/bench_seccomp.sh [BUILDDIR] [ROUNDS] [GETPIDS] [FORKS]
# Needs root (joblet run-local) and a built tree with its tests
# (make; make tests/integration/seccomp_probe).
set -eu
src=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-$src}" && pwd)
rounds=${2:-11}
n=${3:-1000}
m=${4:-200}
if [ "$(id -u)" -ne 0 ]; then
	echo "bench_seccomp: needs root (joblet run-local)" >&2
	exit 77
fi
probe="$build/tests/integration/seccomp_probe"
test -x "$probe" || {
	echo "bench_seccomp: build the probe first: make -C $build tests/integration/seccomp_probe" >&2
	exit 2
}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/joblet-bench-XXXXXX")
trap 'rm -rf "$tmp"' EXIT
for stack in none seccomp; do
	cat >"$tmp/$stack.yml" <<EOC
plugins:
  dirs: [$build/build-plugins]
paths:
  state_dir: $tmp/state
isolation:
  stack: [$stack]
EOC
done
JOBLET_SHIM="$build/joblet-shim"
JOBLET_DAEMON_MODULE="$build/.libs/joblet-daemon.so"
export JOBLET_SHIM JOBLET_DAEMON_MODULE

median() { # file: the median of its lines
	sort -n "$1" | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

echo "== $rounds rounds of $n getpid() and $m fork+exec of /bin/true, per job"
i=0
while [ $i -lt "$rounds" ]; do
	for stack in none seccomp; do
		line=$("$build/joblet" --config "$tmp/$stack.yml" run-local -- "$probe" bench "$n" "$m")
		echo "$line" | sed -n 's/.*getpid_ns=\([0-9]*\).*/\1/p' >>"$tmp/$stack.getpid"
		echo "$line" | sed -n 's/.*forkexec_ns=\([0-9]*\).*/\1/p' >>"$tmp/$stack.forkexec"
	done
	i=$((i + 1))
done
g0=$(median "$tmp/none.getpid")
g1=$(median "$tmp/seccomp.getpid")
f0=$(median "$tmp/none.forkexec")
f1=$(median "$tmp/seccomp.forkexec")
awk -v g0="$g0" -v g1="$g1" -v f0="$f0" -v f1="$f1" -v n="$n" -v m="$m" 'BEGIN {
	printf "%-22s %14s %14s %8s\n", "median", "without", "with filter", "ratio"
	printf "%-22s %11.1f ns %11.1f ns %8.3f\n", "getpid()", g0 / n, g1 / n, g1 / g0
	printf "%-22s %11.1f us %11.1f us %8.3f\n", "fork + execve(true)", f0 / m / 1000, f1 / m / 1000, f1 / f0
}'
