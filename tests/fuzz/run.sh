#!/bin/sh
# run.sh - run joblet's libFuzzer harnesses (tests/fuzz/fuzz_*, `make fuzz`).
#
#   tests/fuzz/run.sh [-t SECONDS] [-j N] [-c CORPUS] [-o OUT] FUZZER...
#       fuzz each for SECONDS (default 30), N at a time (default 1), on a
#       copy of CORPUS/<name>/ (default: tests/fuzz/corpus beside this
#       script), so the tree is not changed; print per harness the
#       executions, coverage (cov: edges, ft: features) and crashes.  A
#       crash input is kept in OUT/<name>/ (default ./fuzz-crashes) for the
#       corpus once the bug is fixed (docs/hacking.md, "Fuzzing").
#   tests/fuzz/run.sh -r [-c CORPUS] FUZZER...
#       regression: run each over every file of its corpus once.
# <name> is the program's name without `fuzz_`.  Exits 1 when any harness
# crashed (or found a leak, a timeout or an out-of-memory), 2 on misuse.
set -u

seconds=30
jobs=1
corpus=$(cd "$(dirname "$0")" && pwd)/corpus
out=./fuzz-crashes
regress=no
while getopts "t:j:c:o:r" opt; do
	case $opt in
	t) seconds=$OPTARG ;;
	j) jobs=$OPTARG ;;
	c) corpus=$OPTARG ;;
	o) out=$OPTARG ;;
	r) regress=yes ;;
	*)
		echo "usage: $0 [-r] [-t SECONDS] [-j N] [-c CORPUS] [-o OUT] FUZZER..." >&2
		exit 2
		;;
	esac
done
shift $((OPTIND - 1))
if [ $# -eq 0 ]; then
	echo "$0: name the fuzzers to run (built by make fuzz: tests/fuzz/fuzz_*)" >&2
	exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/joblet-fuzz-run.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# Replay every input of the corpus once.
regress_one() { # fuzzer name log
	count=$(find "$corpus/$2" -type f 2>/dev/null | wc -l)
	if [ "$count" -eq 0 ]; then
		echo "fuzz_$2: no corpus in $corpus/$2"
		return 1
	fi
	# shellcheck disable=SC2046
	if "$1" -rss_limit_mb=2048 -timeout=25 $(find "$corpus/$2" -type f | LC_ALL=C sort) \
		>"$3" 2>&1; then
		echo "fuzz_$2: $count corpus inputs, no crash"
		return 0
	fi
	echo "fuzz_$2: CRASH on a corpus input; its output:"
	tail -n 40 "$3"
	return 1
}

# Fuzz for $seconds on a copy of the corpus; print one line of figures.
fuzz_one() { # fuzzer name log
	d=$work/$2
	mkdir -p "$d/corpus" "$d/artifacts"
	if [ -d "$corpus/$2" ]; then
		cp -R "$corpus/$2/." "$d/corpus/"
	fi
	"$1" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 -timeout=25 \
		-artifact_prefix="$d/artifacts/" "$d/corpus" >"$3" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$3" | tail -n 1)
	last=$(grep -E '^#[0-9]+[[:space:]]+(DONE|INITED|pulse|NEW|REDUCE)' "$3" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	units=$(find "$d/corpus" -type f | wc -l)
	# A slow unit (libFuzzer's report of an input that took over 10 s of
	# wall time, exit 0) says more of the machine's load than of the code:
	# kept and shown, never a failure.  A hang is a timeout- artifact.
	crashes=$(find "$d/artifacts" -type f ! -name 'slow-unit-*' | wc -l)
	slow=$(find "$d/artifacts" -type f -name 'slow-unit-*' | wc -l)
	echo "${execs:-0}" >"$d/execs"
	printf 'fuzz_%s: %s execs in %ss, cov: %s ft: %s, corpus %s inputs, crashes: %s\n' \
		"$2" "${execs:-?}" "$seconds" "${cov:-?}" "${ft:-?}" "$units" "$crashes"
	if [ "$slow" -gt 0 ]; then
		mkdir -p "$out/$2"
		cp "$d/artifacts/"slow-unit-* "$out/$2/" 2>/dev/null
		echo "fuzz_$2: $slow slow input(s) kept in $out/$2/ (over 10 s of wall time; not a failure)"
	fi
	if [ "$rc" -eq 0 ] && [ "$crashes" -eq 0 ]; then
		return 0
	fi
	mkdir -p "$out/$2"
	cp "$d/artifacts/"* "$out/$2/" 2>/dev/null
	echo "fuzz_$2: FAILED (status $rc); inputs kept in $out/$2/; the end of its output:"
	grep -E 'ERROR|SUMMARY|runtime error|#[0-9]+ in ' "$3" | head -n 30
	return 1
}

# Run one harness into $work/<name>.out and .rc.
run_one() { # fuzzer
	name=$(basename "$1")
	name=${name#fuzz_}
	if [ ! -x "$1" ]; then
		echo "fuzz_$name: not built (make fuzz)" >"$work/$name.out"
		echo 1 >"$work/$name.rc"
	elif [ "$regress" = yes ]; then
		regress_one "$1" "$name" "$work/$name.log" >"$work/$name.out" 2>&1
		echo $? >"$work/$name.rc"
	else
		fuzz_one "$1" "$name" "$work/$name.log" >"$work/$name.out" 2>&1
		echo $? >"$work/$name.rc"
	fi
}

# In batches of $jobs; results are printed in the order given.
failed=0
batch=""
n=0
flush() {
	wait
	for f in $batch; do
		name=$(basename "$f")
		name=${name#fuzz_}
		cat "$work/$name.out"
		[ "$(cat "$work/$name.rc")" -eq 0 ] || failed=1
	done
	batch=""
	n=0
}
for fuzzer in "$@"; do
	run_one "$fuzzer" &
	batch="$batch $fuzzer"
	n=$((n + 1))
	[ "$n" -lt "$jobs" ] || flush
done
flush
if [ "$regress" = no ]; then
	total=0
	for f in "$work"/*/execs; do
		[ -f "$f" ] && total=$((total + $(cat "$f")))
	done
	echo "fuzzing: $total executions in all"
fi
exit $failed
