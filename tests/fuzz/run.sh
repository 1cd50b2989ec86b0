#!/bin/sh
# run.sh - run joblet's libFuzzer harnesses (tests/fuzz/fuzz_*, `make fuzz`).
#
#   tests/fuzz/run.sh [-t SECONDS] [-c CORPUS] [-o OUT] FUZZER...
#       fuzz each for SECONDS (default 30) on a copy of CORPUS/<name>/
#       (default: tests/fuzz/corpus beside this script), so the tree is not
#       changed; print per harness the executions, coverage (cov: edges,
#       ft: features) and crashes.  A crash input is kept in
#       OUT/<name>/ (default ./fuzz-crashes) for the corpus once the bug is
#       fixed (docs/hacking.md, "Fuzzing").
#   tests/fuzz/run.sh -r [-c CORPUS] FUZZER...
#       regression: run each over every file of its corpus once.
# <name> is the program's name without `fuzz_`.  Exits 1 when any harness
# crashed (or found a leak, a timeout or an out-of-memory), 2 on misuse.
set -u

seconds=30
corpus=$(cd "$(dirname "$0")" && pwd)/corpus
out=./fuzz-crashes
regress=no
while getopts "t:c:o:r" opt; do
	case $opt in
	t) seconds=$OPTARG ;;
	c) corpus=$OPTARG ;;
	o) out=$OPTARG ;;
	r) regress=yes ;;
	*)
		echo "usage: $0 [-r] [-t SECONDS] [-c CORPUS] [-o OUT] FUZZER..." >&2
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

failed=0
total_execs=0
for fuzzer in "$@"; do
	prog=$(basename "$fuzzer")
	name=${prog#fuzz_}
	if [ ! -x "$fuzzer" ]; then
		echo "$prog: not built (make fuzz)"
		failed=1
		continue
	fi
	seeds=$corpus/$name
	log=$work/$name.log
	if [ "$regress" = yes ]; then
		n=$(find "$seeds" -type f 2>/dev/null | wc -l)
		if [ "$n" -eq 0 ]; then
			echo "$prog: no corpus in $seeds"
			failed=1
			continue
		fi
		# shellcheck disable=SC2046
		if "$fuzzer" -rss_limit_mb=2048 -timeout=25 $(find "$seeds" -type f | LC_ALL=C sort) \
			>"$log" 2>&1; then
			echo "$prog: $n corpus inputs, no crash"
		else
			echo "$prog: CRASH on a corpus input; its output:"
			tail -n 40 "$log"
			failed=1
		fi
		continue
	fi
	mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
	if [ -d "$seeds" ]; then
		cp -R "$seeds/." "$work/$name/corpus/"
	fi
	"$fuzzer" -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=2048 -timeout=25 \
		-artifact_prefix="$work/$name/artifacts/" "$work/$name/corpus" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	done_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|INITED|pulse|NEW|REDUCE)' "$log" | tail -n 1)
	cov=$(echo "$done_line" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$done_line" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	units=$(find "$work/$name/corpus" -type f | wc -l)
	crashes=$(find "$work/$name/artifacts" -type f | wc -l)
	total_execs=$((total_execs + ${execs:-0}))
	printf '%s: %s execs in %ss, cov: %s ft: %s, corpus %s inputs, crashes: %s\n' \
		"$prog" "${execs:-?}" "$seconds" "${cov:-?}" "${ft:-?}" "$units" "$crashes"
	if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then
		failed=1
		mkdir -p "$out/$name"
		cp "$work/$name/artifacts/"* "$out/$name/" 2>/dev/null
		echo "$prog: FAILED (status $rc); inputs kept in $out/$name/; the end of its output:"
		grep -E 'ERROR|SUMMARY|runtime error|#[0-9]+ in ' "$log" | head -n 30
	fi
done
[ "$regress" = yes ] || echo "fuzzing: $total_execs executions in all"
exit $failed
