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
	# The daemon keeps each ended job's /work tmpfs mounted until the job is
	# deleted (docs/results.md): what this test's jobs left goes first.
	tap_unmount_all
	rm -rf "$TMP"
}
tap_unmount_all() {
	awk -v t="$TMP" '$5 == t || index($5, t "/") == 1 {print $5}' /proc/self/mountinfo 2>/dev/null |
		sort -r | while read -r _m; do umount -l "$_m" 2>/dev/null; done
}
trap tap_exit EXIT

# Under the runner's valgrind pass every joblet and rnx runs in valgrind;
# a memory error or a definite leak turns the exit status into 99.
if test "${JOBLET_TEST_UNDER_VALGRIND:-0}" = 1; then
	# The build tree's libtool by absolute path: tests may change folder.
	SHELL_FOR_LIBTOOL=${SHELL:-/bin/sh}
	for prog in joblet rnx; do
		# valgrind writes to a file per process, so the program's stderr
		# stays what the tests compare; its errors are reported at exit.
		cat >"$TMP/$prog" <<EOW
#!/bin/sh
exec $SHELL_FOR_LIBTOOL "$build/libtool" --mode=execute valgrind -q --log-file="$TMP/.valgrind.%p" \\
	--error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \\
	--suppressions="$src/tests/valgrind.supp" \\
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

# Jobs are supervised by the joblet-shim of the build tree, and `joblet
# serve`, `check` and `certs` load the daemon's part from it too.
JOBLET_SHIM="$build/joblet-shim"
JOBLET_DAEMON_MODULE="$build/.libs/joblet-daemon.so"
export JOBLET_SHIM JOBLET_DAEMON_MODULE
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

# tap_outside PID [SH]: the "internet" of the network tests: the network
# namespace of process PID (one of the test's own) joined to this one by the
# veth pair d0 (10.99.0.1, here) / o0 (10.99.0.2, there, this side's default
# route), with 203.0.113.10, .20, .53 and 169.254.169.254 on its loopback;
# then SH runs in it.
tap_outside() {
	for _i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
		test "`readlink /proc/$1/ns/net`" != "`readlink /proc/self/ns/net`" && break
		sleep 0.1
	done
	ip link add d0 type veth peer name o0 netns "$1" &&
		ip addr add 10.99.0.1/24 dev d0 && ip link set d0 up &&
		ip route add default via 10.99.0.2 &&
		nsenter -t "$1" -n sh -c "
			ip link set lo up
			ip addr add 10.99.0.2/24 dev o0
			ip link set o0 up
			for a in 203.0.113.10 203.0.113.20 203.0.113.53 169.254.169.254; do
				ip addr add \$a/32 dev lo
			done
			${2:-}"
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
		echo "  dirs: [$build/build-plugins${EXTRA_PLUGIN_DIRS:-}]"
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

# write_stack_config FILE CGBASE [MORE]: the whole isolation stack for tests
# of it, the jobs' cgroups under CGBASE (the test's own, so it counts only
# what it made), MORE (YAML lines) after `isolation: stack:`.
write_stack_config() {
	cat >"$1" <<EOY
paths:
  state_dir: $TMP/state
plugins:
  dirs: [$build/build-plugins]
  settings:
    "isolation/cgroup1": {base: $2}
    "isolation/cgroup2": {base: $2.slice}
isolation:
  stack: [namespaces, rootfs, cgroup, seccomp]
EOY
	if test -n "${3:-}"; then printf '%s\n' "$3" >>"$1"; fi
}

# ------------------------------------------------------------------ a daemon
#
#   make_certs             $CERTS: `joblet certs init` (CA, server, a client
#                          per role, rnx-config-<role>.yml), made once
#   start_daemon [YAML [SERVER [TLS]]]
#                          joblet serve on 127.0.0.1 on a free port with the
#                          config of write_config plus YAML at the top level,
#                          SERVER lines under server: and TLS lines under
#                          server.tls: (both indented as there); waits until it
#                          serves; sets $DAEMON_PID, $DPORT, $URL, $DLOG and
#                          points every $CERTS/rnx-config*.yml at the port.
#                          With $DAEMON_BASE_YML set, that file is the config
#                          instead of write_config's (the server part is added);
#                          $DAEMON_ADDRESS replaces 127.0.0.1:0 (any free port)
#   stop_daemon [SIGNAL]   signal (default TERM) and wait; $DAEMON_STATUS
#   kurl ROLE ARGS...      curl with ROLE's client certificate (run's conventions:
#                          $rc, $out, $err; out is the body, code in $code)
#   jid, state_of ID, wait_state ID STATE
#                          the job id in a kurl answer, a job's state, waiting
#                          (30 s at most) for one
CERTS=$TMP/api-certs
make_certs() {
	test -f "$CERTS/ca.pem" && return 0
	"$build/joblet" certs init --dir "$CERTS" >/dev/null 2>"$TMP/.certs.err" ||
		{ cat "$TMP/.certs.err" >&2; return 1; }
}

start_daemon() { # [top-level yaml [server lines [tls lines]]]
	make_certs || return 1
	_server="server:
  address: ${DAEMON_ADDRESS:-127.0.0.1:0}
${2:-}
  tls:
    cert: $CERTS/server.pem
    key: $CERTS/server-key.pem
    client_ca: $CERTS/ca.pem
${3:-}
${1:-}"
	if test -n "${DAEMON_BASE_YML:-}"; then
		{
			cat "$DAEMON_BASE_YML"
			printf '%s\n' "$_server"
			# As write_config does: the no-isolation stack where the default cannot run.
			if test "$no_isolation" = yes && ! grep -q '^isolation:' "$DAEMON_BASE_YML"; then
				printf 'isolation:\n  stack: [none]\n'
			fi
		} >"$TMP/daemon.yml"
	else
		write_config "$TMP/daemon.yml" "$_server"
	fi
	DLOG=$TMP/daemon.log
	: >"$DLOG"
	"$JOBLET" --config "$TMP/daemon.yml" serve >>"$DLOG" 2>&1 &
	DAEMON_PID=$!
	DPORT=
	_i=0
	while test $_i -lt 300; do
		DPORT=`sed -n 's|.*API on https://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$DLOG" | tail -1`
		test -n "$DPORT" && grep -q "serving; state directory" "$DLOG" && break
		kill -0 $DAEMON_PID 2>/dev/null || break
		DPORT=
		sleep 0.1
		_i=`expr $_i + 1`
	done
	if test -z "$DPORT"; then
		echo "# the daemon did not start:"
		sed 's/^/#   /' "$DLOG" | tail -20
		return 1
	fi
	URL=https://127.0.0.1:$DPORT
	for _f in "$CERTS"/rnx-config*.yml; do
		sed -i "s|address: .*|address: \"127.0.0.1:$DPORT\"|" "$_f"
	done
	return 0
}

stop_daemon() { # [signal]
	kill -"${1:-TERM}" $DAEMON_PID 2>/dev/null
	wait $DAEMON_PID
	DAEMON_STATUS=$?
}

code=
kurl() { # role args...
	_role=$1
	shift
	curl -sS --max-time 30 --cacert "$CERTS/ca.pem" --cert "$CERTS/client-$_role.pem" \
		--key "$CERTS/client-$_role-key.pem" -w '\n%{http_code}' "$@" >"$TMP/.out" 2>"$TMP/.err" </dev/null
	rc=$?
	code=`tail -n 1 "$TMP/.out"`
	out=`sed '$d' "$TMP/.out"`
	err=`cat "$TMP/.err"`
}

# jid: the job id in $out (a kurl answer); state_of ID: the job's state;
# wait_state ID STATE: wait up to 30 s for it (1 if it never came).
jid() { printf '%s' "$out" | sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p' | head -1; }
state_of() { kurl reader "$URL/v1/jobs/$1"; printf '%s' "$out" | sed -n 's/^{"id":"[^"]*","name":[^,]*,"state":"\([A-Z_]*\)".*/\1/p'; }
wait_state() { # id state
	_i=0
	while test "`state_of $1`" != "$2" && test $_i -lt 300; do sleep 0.1; _i=`expr $_i + 1`; done
	test "`state_of $1`" = "$2"
}
