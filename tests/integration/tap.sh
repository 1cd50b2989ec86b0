# tap.sh - helpers for joblet's shell tests (sourced).  Prints TAP.
#
#   run CMD...        run a command, keeping its status in $rc, stdout in $out,
#                     stderr in $err
#   ok COND DESC      "ok - DESC" when the shell test COND (an eval'd string)
#                     holds, else "not ok" with the command's output
#   has TEXT STRING   1 when STRING contains TEXT (for ok conditions)
#
# Tests run against the build tree: $JOBLET, $RNX are the built programs.
src=${JOBLET_TEST_SRCDIR:?}
build=${JOBLET_TEST_BUILDDIR:?}
JOBLET="$build/joblet"
RNX="$build/rnx"
TMP=`mktemp -d "${TMPDIR:-/tmp}/joblet-it-XXXXXX"` || exit 1
# At the end: every error valgrind found (lines "==PID==") is a failure;
# its notes ("--PID--", e.g. a system call it does not know) are not.
tap_exit() {
	for f in "$TMP"/.valgrind.*; do
		test -f "$f" || continue
		if grep -q '^==' "$f"; then
			echo "not ok - valgrind found errors in `basename "$f"`"
			sed 's/^/#   /' "$f" | head -40
		fi
	done
	rm -rf "$TMP"
}
trap tap_exit EXIT

# Under the runner's valgrind pass every joblet and rnx runs in valgrind;
# a memory error or a definite leak turns the exit status into 99.
if test "${JOBLET_TEST_UNDER_VALGRIND:-0}" = 1; then
	for prog in joblet rnx; do
		# valgrind writes to a file per process, so the program's stderr
		# stays what the tests compare; its errors are reported at exit.
		cat >"$TMP/$prog" <<EOW
#!/bin/sh
exec ${LIBTOOL:-libtool} --mode=execute valgrind -q --log-file="$TMP/.valgrind.%p" \\
	--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \\
	--show-leak-kinds=definite "$build/$prog" "\$@"
EOW
		chmod 755 "$TMP/$prog"
	done
	JOBLET="$TMP/joblet"
	RNX="$TMP/rnx"
fi
# The default isolation stack cannot run jobs in two cases, and `joblet
# check` and `serve` would report that: a build without the isolation
# plugins (configure --disable-all-plugins), and the valgrind pass
# (valgrind 3.19 has no openat2(), so the rootfs layer's probe says no).
# Configurations written by write_config then use the no-isolation stack.
no_isolation=no
if test "${JOBLET_TEST_UNDER_VALGRIND:-0}" = 1 || ! test -f "$build/build-plugins/isolation_rootfs.so"; then
	no_isolation=yes
fi

# Jobs are supervised by the joblet-shim of the build tree.
JOBLET_SHIM="$build/joblet-shim"
export JOBLET_SHIM
out=
err=
rc=0

run() {
	"$@" >"$TMP/.out" 2>"$TMP/.err" </dev/null
	rc=$?
	out=`cat "$TMP/.out"`
	err=`cat "$TMP/.err"`
}

# Wait up to 10 s until the shell test COND (eval'd) holds; 1 if it never did.
wait_until() {
	_i=0
	while ! eval "$1" 2>/dev/null; do
		test $_i -lt 100 || return 1
		sleep 0.1
		_i=`expr $_i + 1`
	done
}

has() {
	case "$2" in *"$1"*) return 0 ;; *) return 1 ;; esac
}

ok() {
	if eval "$1"; then
		echo "ok - $2"
	else
		echo "not ok - $2"
		echo "#   condition: $1 (status $rc)"
		printf '%s\n' "$out" | sed 's/^/#   out: /' | head -20
		printf '%s\n' "$err" | sed 's/^/#   err: /' | head -20
	fi
}

# A joblet.yml that loads the plugins of the build tree.
write_config() { # file [extra yaml]
	{
		echo "plugins:"
		echo "  dirs: [$build/build-plugins]"
		echo "paths:"
		echo "  state_dir: $TMP/state"
		test -n "${2:-}" && printf '%s\n' "$2"
		# See no_isolation below: then the no-isolation stack, unless a
		# test chooses its own.
		case "${2:-}" in
		*isolation:*) ;;
		*) test "$no_isolation" = yes && printf 'isolation:\n  stack: [none]\n' ;;
		esac
	} >"$1"
}
