#!/bin/sh
# quickstart.sh - set up joblet on a fresh Debian 12 machine, as root.
#
#   ./scripts/quickstart.sh         install build dependencies, build, install,
#                                   show `joblet check`, then the quick start:
#                                   certificates and a config in one folder
#                                   ($JOBLET_QUICKSTART_DIR, default
#                                   /tmp/joblet-quickstart), a daemon on
#                                   127.0.0.1 ($JOBLET_QUICKSTART_PORT, 50051),
#                                   an isolated job with limits through
#                                   `rnx job run -f`, `rnx job list`, and the
#                                   daemon stopped again
#   ./scripts/quickstart.sh test    install build dependencies and what the
#                                   tests drive (chromium, chromedriver,
#                                   selenium, zsh, node and the MCP SDK),
#                                   build with -Werror, run every test (unit,
#                                   integration, SDK; unit tests again under
#                                   valgrind); the last line is
#                                   "N passed, N failed"
#   ./scripts/quickstart.sh ci      what CI runs: `test`, with joblet-oci's real
#                                   clients installed (containerd, podman,
#                                   Slurm, munge; no service started), preceded
#                                   by a build with every plugin disabled,
#                                   the libFuzzer harnesses run (see `fuzz`),
#                                   a build with ASan and UBSan and its
#                                   `make check`, `make check-src`,
#                                   `make format-check` and
#                                   `make distcheck`; the last line sums the
#                                   sanitizer run's results and test's
#   ./scripts/quickstart.sh fuzz    build the libFuzzer harnesses with clang in
#                                   build-fuzz/ and run each for $FUZZ_SECONDS
#                                   (default 30) on its seed corpus; a crash
#                                   fails (`ci` runs this too)
#   ./scripts/quickstart.sh deps    only install the Debian packages
#   ./scripts/quickstart.sh demo    only the quick start (joblet installed)
set -eu
cd "$(dirname "$0")/.."

DEPS="build-essential autoconf automake libtool pkg-config xz-utils
libcurl4-gnutls-dev nettle-dev libgnutls28-dev libjson-c-dev libarchive-dev
libyaml-dev libsqlite3-dev libmicrohttpd-dev libseccomp-dev libmnl-dev libnftables-dev
check valgrind gnutls-bin iproute2 nftables
curl qemu-system-x86 busybox-static cpio clang-format python3 e2fsprogs"
# The real clients of joblet-oci, for its tests (tests/integration/test_oci_*.sh,
# which skip without them): installed by ci mode only, see client_deps.
OCI_CLIENT_DEPS="containerd podman runc slurmd slurmctld slurm-client munge"
# What only the tests need (test and ci modes, see test_deps): the browser
# the dashboard's test drives (tests/integration/test_ui.sh), zsh for the
# completion test, and node for the MCP client of tests/integration/test_mcp.sh.
TEST_DEPS="chromium chromium-driver python3-selenium zsh"
CONFIGURE_FLAGS="--prefix=/usr/local --sysconfdir=/etc --localstatedir=/var"
JOBS=$(nproc 2>/dev/null || echo 2)

say() { printf '\n==> %s\n' "$*"; }

# In test and ci mode the last line is always "N passed, N failed", also
# when the set-up or the build fails before any test runs.
summary_guard() {
	status=$?
	if [ "$status" -ne 0 ] && [ -z "${SUMMARY_PRINTED:-}" ]; then
		echo
		echo "quickstart: failed before the tests finished (status $status); see above"
		echo "0 passed, 1 failed"
	fi
}

deps() { # [packages; default $DEPS]
	missing=""
	for p in ${1:-$DEPS}; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	if [ -z "$missing" ]; then
		say "build dependencies: all installed"
		return
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "quickstart: these packages are missing:$missing" >&2
		echo "quickstart: run as root (or install them with apt-get) and try again" >&2
		exit 1
	fi
	say "installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	# shellcheck disable=SC2086
	apt-get install -y -q --no-install-recommends $missing
}

# The OCI clients' packages would start containerd, munged, slurmctld and
# slurmd from their postinst (invoke-rc.d, deb-systemd-invoke); the tests
# start their own, on their own sockets and ports, so the system's are not
# wanted: a policy-rc.d that denies every start holds while they install,
# unless the machine already has one (then its own policy applies).
client_deps() {
	policy=/usr/sbin/policy-rc.d
	made_policy=""
	if [ "$(id -u)" -eq 0 ] && [ ! -e $policy ]; then
		printf '#!/bin/sh\n# quickstart.sh: no service starts while the OCI clients install\nexit 101\n' >$policy
		chmod 755 $policy
		made_policy=yes
	fi
	status=0
	deps "$OCI_CLIENT_DEPS" || status=$?
	if [ -n "$made_policy" ]; then rm -f $policy; fi
	return $status
}

# The tests' own packages, and the MCP SDK from npm into tests/mcp/node_modules
# (its package-lock.json), where every build's test_mcp.sh finds it
# ($JOBLET_TEST_NODE_MODULES: make distcheck's copy of the tree has none).
# A registry that cannot be reached is no failure here: test_mcp.sh then
# tries itself and says why it skips.
test_deps() {
	test -n "${TEST_DEPS_DONE:-}" && return 0
	deps "$TEST_DEPS"
	command -v node >/dev/null 2>&1 || deps nodejs
	command -v npm >/dev/null 2>&1 || deps npm
	say "npm ci in tests/mcp: the MCP TypeScript SDK for test_mcp.sh"
	if npm ci --prefix tests/mcp --no-audit --no-fund --loglevel=error; then
		JOBLET_TEST_NODE_MODULES=$PWD/tests/mcp/node_modules
		export JOBLET_TEST_NODE_MODULES
	else
		echo "quickstart: npm ci failed; test_mcp.sh will say why it skips" >&2
	fi
	TEST_DEPS_DONE=1
}

configure() { # extra flags...
	[ -x configure ] || ./autogen.sh
	# shellcheck disable=SC2086
	./configure $CONFIGURE_FLAGS "$@"
}

run_main() {
	deps
	say "building joblet"
	configure
	make -j"$JOBS"
	say "installing into /usr/local (configuration in /etc/joblet, state in /var/lib/joblet)"
	make install
	ldconfig
	say "joblet check"
	/usr/local/sbin/joblet check || true
	demo
}

# The quick start: everything under one folder, a daemon on loopback, one job.
demo() {
	qs=${JOBLET_QUICKSTART_DIR:-/tmp/joblet-quickstart}
	port=${JOBLET_QUICKSTART_PORT:-50051}
	joblet=/usr/local/sbin/joblet
	rnx=/usr/local/bin/rnx
	say "quick start in $qs: certificates (joblet certs init)"
	mkdir -p "$qs"
	$joblet certs init --dir "$qs/certs" --address "127.0.0.1:$port" --force >/dev/null
	cat >"$qs/joblet.yml" <<EOF
# The quick start's daemon: state and certificates under $qs.
paths:
  state_dir: $qs/state
server:
  address: 127.0.0.1:$port
  tls:
    cert: $qs/certs/server.pem
    key: $qs/certs/server-key.pem
    client_ca: $qs/certs/ca.pem
EOF
	say "starting joblet serve on 127.0.0.1:$port (log: $qs/joblet.log)"
	$joblet --config "$qs/joblet.yml" serve >"$qs/joblet.log" 2>&1 &
	daemon=$!
	i=0
	until grep -q "serving; state directory" "$qs/joblet.log" 2>/dev/null; do
		if ! kill -0 $daemon 2>/dev/null || test $i -ge 100; then
			echo "quickstart: the daemon did not start; its log says:" >&2
			cat "$qs/joblet.log" >&2
			kill $daemon 2>/dev/null
			exit 1
		fi
		sleep 0.1
		i=$((i + 1))
	done
	RNX_CONFIG=$qs/certs/rnx-config-developer.yml
	export RNX_CONFIG
	say "rnx job run -f --max-memory=64 --max-cpu=50 --timeout=30s -- sh -c '...'"
	rc=0
	$rnx job run -f --max-memory=64 --max-cpu=50 --timeout=30s -- \
		sh -c 'echo "hello from $(hostname), uid $(id -u), pid $$"; echo "/ holds: $(ls / | tr "\\n" " ")"' || rc=$?
	say "rnx job list"
	$rnx job list
	say "stopping the daemon"
	kill -TERM $daemon
	wait $daemon || true
	echo
	echo "Done.  Start it again with: $joblet --config $qs/joblet.yml serve"
	echo "and talk to it with:        RNX_CONFIG=$RNX_CONFIG $rnx job list"
	return $rc
}

run_test() {
	deps
	test_deps
	say "building joblet with warnings as errors"
	configure --enable-werror --enable-tests=yes
	make -j"$JOBS"
	say "running the tests (unit tests run a second time under valgrind)"
	# The summary line must come last, also when make reports a failure after it.
	status=0
	JOBLET_TEST_VALGRIND=1 make --no-print-directory check || status=1
	sum_runs $status
}

# Runs before `test` (ci mode) leave their "N passed, N failed" in a file
# named in RUN_SUMMARIES; then the last line is the sum of them all.
RUN_SUMMARIES=""
RUN_SUMMARY_NAMES=""
sum_runs() { # status of test's own make check
	if [ -z "$RUN_SUMMARIES" ]; then
		[ "$1" -eq 0 ] && return 0
		echo
		cat tests/logs/summary 2>/dev/null || echo "0 passed, 1 failed"
		SUMMARY_PRINTED=1
		exit 1
	fi
	echo
	echo "all runs (test and$RUN_SUMMARY_NAMES):"
	# shellcheck disable=SC2086
	if ! { cat tests/logs/summary 2>/dev/null || echo "0 passed, 1 failed"; cat $RUN_SUMMARIES; } |
		awk '/^[0-9]+ passed, [0-9]+ failed$/ { p += $1; f += $3 }
			END { printf "%d passed, %d failed\n", p, f; exit (f > 0) }'; then
		SUMMARY_PRINTED=1
		exit 1
	fi
	SUMMARY_PRINTED=1
	[ "$1" -eq 0 ] || exit 1
}

# The unit and integration suites built with AddressSanitizer and
# UndefinedBehaviorSanitizer (docs/security.md, "Sanitizers").
run_sanitizers() {
	say "build and test with AddressSanitizer and UndefinedBehaviorSanitizer"
	rm -rf build-sanitizers && mkdir build-sanitizers
	if [ -f Makefile ]; then make distclean >/dev/null; fi
	# shellcheck disable=SC2086
	(cd build-sanitizers && ../configure $CONFIGURE_FLAGS --enable-werror --enable-sanitizers \
		--enable-tests=yes && make -j"$JOBS" && make check) || true
	mkdir -p tests/logs
	cp build-sanitizers/tests/logs/summary tests/logs/summary.sanitizers 2>/dev/null ||
		echo "0 passed, 1 failed" >tests/logs/summary.sanitizers
	RUN_SUMMARIES="$RUN_SUMMARIES tests/logs/summary.sanitizers"
	RUN_SUMMARY_NAMES="$RUN_SUMMARY_NAMES sanitizers"
	rm -rf build-sanitizers
}

# The libFuzzer harnesses (tests/fuzz, docs/hacking.md "Fuzzing"): a clang
# build of their own in build-fuzz/ (a VPATH build: the source tree must not
# be configured), each harness fuzzed for FUZZ_SECONDS on a copy of its seed
# corpus, one per CPU at a time.  A crash fails; its input is kept in build-fuzz/fuzz-crashes/.
FUZZ_DEPS="clang libclang-rt-14-dev"
run_fuzz() {
	deps "$FUZZ_DEPS"
	[ -x configure ] || ./autogen.sh
	say "fuzzing: clang build with --enable-fuzzing, then each harness for ${FUZZ_SECONDS:-30}s"
	fuzz_start=$(date +%s)
	rm -rf build-fuzz && mkdir build-fuzz
	(cd build-fuzz && ../configure $CONFIGURE_FLAGS CC=clang --enable-fuzzing --enable-tests=no \
		>configure.log && make -j"$JOBS" fuzz)
	fuzz_built=$(date +%s)
	(cd build-fuzz && make --no-print-directory fuzz-run FUZZ_SECONDS="${FUZZ_SECONDS:-30}" \
		FUZZ_JOBS="$JOBS")
	echo "fuzzing: build $((fuzz_built - fuzz_start))s, runs $(($(date +%s) - fuzz_built))s"
	rm -rf build-fuzz
}

run_ci() {
	deps
	client_deps
	test_deps
	[ -x configure ] || ./autogen.sh
	say "build and test with every plugin disabled"
	rm -rf build-noplugins && mkdir build-noplugins
	if [ -f Makefile ]; then make distclean >/dev/null; fi
	(cd build-noplugins && ../configure $CONFIGURE_FLAGS --enable-werror --disable-all-plugins \
		--enable-tests=yes && make -j"$JOBS" && make check)
	rm -rf build-noplugins
	run_fuzz
	run_sanitizers
	say "make distcheck"
	configure --enable-werror --enable-tests=yes
	make check-src
	make format-check
	# The cgroup v2 VM suite (a qemu boot) runs once, in the test step below.
	JOBLET_TEST_NO_VM=1 make -j"$JOBS" distcheck
	run_test
}

case "${1:-run}" in
run) run_main ;;
demo) demo ;;
test)
	trap summary_guard EXIT
	run_test
	;;
ci)
	trap summary_guard EXIT
	run_ci
	;;
fuzz) run_fuzz ;;
deps) deps ;;
-h | --help | help) sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//' ;;
*)
	echo "quickstart: unknown mode \`$1'; use run, test, ci, fuzz, deps or demo (see --help)" >&2
	exit 2
	;;
esac
