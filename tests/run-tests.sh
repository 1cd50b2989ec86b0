#!/bin/sh
# run-tests.sh - run joblet's tests and end with "N passed, N failed".
#
# Usage: run-tests.sh TEST...    (paths relative to the build or source tree)
#
# Every test prints TAP: "ok ..." / "not ok ..." lines, "ok ... # SKIP why"
# for a case that cannot run here.  A test that exits 77 without results is
# one skip; one that exits non-zero without a "not ok" line is one failure
# (it crashed).  Logs go to tests/logs/<name>.log.
#
# Environment: JOBLET_TEST_SRCDIR, JOBLET_TEST_BUILDDIR (set by make check),
# LIBTOOL, and JOBLET_TEST_VALGRIND=1 to run every C unit test a second time
# under valgrind (one result each: clean or not); a test so run sees
# JOBLET_TEST_UNDER_VALGRIND=1.  JOBLET_TEST_SANITIZERS=yes
# (make check of a configure --enable-sanitizers build) runs each test with
# the ASan/UBSan/LSan options below instead, and skips the valgrind pass.
set -u
src=${JOBLET_TEST_SRCDIR:?}
build=${JOBLET_TEST_BUILDDIR:?}
logdir=$build/tests/logs
mkdir -p "$logdir"
pass=0
fail=0
skip=0
failed_names=""
rm -f "$logdir/failures"
sanitizers=${JOBLET_TEST_SANITIZERS:-no}

# A sanitizer build: every finding (memory error, undefined behaviour, leak)
# ends the program that made it (halt_on_error, abort_on_error) and is
# written to LOG.san.PID, also from a daemon or shim whose exit status no
# test looks at; such a file fails the test (san_check).  Leaks of
# third-party libraries are suppressed in tests/lsan.supp, each with why.
# The VM test is skipped: its VM has no ASan runtime.  Instrumented code
# runs 2 to 5 times slower: Check's per-case timeouts are 5 times longer.
san_env() { # log
	ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:log_path=$1.san"
	UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:log_path=$1.san"
	LSAN_OPTIONS="suppressions=$src/tests/lsan.supp:print_suppressions=0"
	CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-5}
	JOBLET_TEST_NO_VM=1
	export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS CK_TIMEOUT_MULTIPLIER JOBLET_TEST_NO_VM
}
san_check() { # log: one "not ok" per report file
	for f in "$1".san.*; do
		test -f "$f" || continue
		{
			echo "not ok - sanitizer report `basename "$f"`"
			sed 's/^/#   /' "$f" | head -60
		} >>"$1"
	done
}

run_one() { # name log command...
	name=$1
	log=$2
	shift 2
	if test "$sanitizers" = yes; then
		rm -f "$log".san.*
		san_env "$log"
	fi
	"$@" >"$log" 2>&1 </dev/null
	rc=$?
	test "$sanitizers" = yes && san_check "$log"
	ok=`grep -c '^ok ' "$log"`
	sk=`grep '^ok ' "$log" | grep -c '# SKIP'`
	nok=`grep -c '^not ok ' "$log"`
	ok=`expr $ok - $sk`
	if test $rc -eq 77 && test $ok -eq 0 && test $nok -eq 0; then
		sk=`expr $sk + 1`
	elif test $rc -eq 0 && test $ok -eq 0 && test $nok -eq 0 && test $sk -eq 0; then
		nok=1
		echo "not ok - $name reported no results" >>"$log"
	elif test $rc -ne 0 && test $nok -eq 0; then
		nok=1
		echo "not ok - $name exited with status $rc" >>"$log"
	fi
	pass=`expr $pass + $ok`
	fail=`expr $fail + $nok`
	skip=`expr $skip + $sk`
	if test $nok -gt 0; then
		printf 'FAIL: %s (%s passed, %s failed)\n' "$name" "$ok" "$nok"
		grep '^not ok ' "$log" | sed 's/^/      /' | head -20
		echo "      log: $log"
		failed_names="$failed_names $name"
		# Again at the end, with what each failure printed below itself:
		# a CI shows only the tail of a long run.
		{
			echo "$name:"
			awk '/^not ok / { n = 4; print "  " $0; next } n > 0 && /^#/ { n--; print "  " $0; next } { n = 0 }' "$log" | head -40
		} >>"$logdir/failures"
	else
		printf 'PASS: %s (%s passed%s)\n' "$name" "$ok" \
			"`test $sk -gt 0 && echo ", $sk skipped"`"
	fi
}

for t in "$@"; do
	name=`basename "$t"`
	case $t in
	*.sh) run_one "$name" "$logdir/$name.log" ${SHELL:-/bin/sh} "$src/$t" ;;
	*) run_one "$name" "$logdir/$name.log" "$build/$t" ;;
	esac
done

if test "${JOBLET_TEST_VALGRIND:-0}" = 1 && test "$sanitizers" = yes; then
	# valgrind cannot run ASan programs (both replace malloc); the
	# sanitizers already checked every run above.
	echo "SKIP: valgrind runs (a sanitizer build checks memory with ASan instead)"
	skip=`expr $skip + 1`
elif test "${JOBLET_TEST_VALGRIND:-0}" = 1; then
	if command -v valgrind >/dev/null 2>&1; then
		for t in "$@"; do
			case $t in
			tests/integration/*.sh)
				# The programs themselves, run by the integration scripts.
				name=valgrind:`basename "$t"`
				JOBLET_TEST_UNDER_VALGRIND=1 run_one "$name" \
					"$logdir/`basename "$t"`.valgrind.log" ${SHELL:-/bin/sh} "$src/$t"
				continue
				;;
			*.sh) continue ;;
			esac
			name=valgrind:`basename "$t"`
			log="$logdir/`basename "$t"`.valgrind.log"
			# No fork mode: valgrind then sees every test in one process.
			CK_FORK=no JOBLET_TEST_UNDER_VALGRIND=1 \
				run_one "$name" "$log" ${LIBTOOL:-libtool} --mode=execute \
				valgrind -q --error-exitcode=99 --leak-check=full \
				--suppressions="$src/tests/valgrind.supp" \
				--errors-for-leak-kinds=definite --show-leak-kinds=definite \
				"$build/$t"
		done
	else
		echo "SKIP: valgrind runs (valgrind is not installed)"
		skip=`expr $skip + 1`
	fi
fi

echo
test $skip -gt 0 && echo "$skip skipped"
if test -s "$logdir/failures"; then
	echo "what failed:"
	cat "$logdir/failures"
fi
test -n "$failed_names" && echo "failed:$failed_names"
echo "$pass passed, $fail failed" | tee "$logdir/summary"
test $fail -eq 0
