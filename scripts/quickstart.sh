#!/bin/sh
# quickstart.sh - set up joblet on a fresh Debian 12 machine, as root.
#
#   ./scripts/quickstart.sh         install build dependencies, build, install,
#                                   then show `joblet check` and `rnx plugins list`
#   ./scripts/quickstart.sh test    install build dependencies, build with
#                                   -Werror, run every test (unit, integration,
#                                   SDK; unit tests again under valgrind); the
#                                   last line is "N passed, N failed"
#   ./scripts/quickstart.sh ci      what CI runs: `test`, preceded by a build with
#                                   every plugin disabled and `make distcheck`
#   ./scripts/quickstart.sh deps    only install the Debian packages
set -eu
cd "$(dirname "$0")/.."

DEPS="build-essential autoconf automake libtool pkg-config xz-utils
libcurl4-gnutls-dev nettle-dev libgnutls28-dev libjson-c-dev libarchive-dev
libyaml-dev libsqlite3-dev libmicrohttpd-dev libseccomp-dev check valgrind gnutls-bin
qemu-system-x86 busybox-static cpio"
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

deps() {
	missing=""
	for p in $DEPS; do
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
	say "rnx plugins list"
	/usr/local/bin/rnx plugins list
}

run_test() {
	deps
	say "building joblet with warnings as errors"
	configure --enable-werror --enable-tests=yes
	make -j"$JOBS"
	say "running the tests (unit tests run a second time under valgrind)"
	# The summary line must come last, also when make reports a failure after it.
	if ! JOBLET_TEST_VALGRIND=1 make --no-print-directory check; then
		echo
		cat tests/logs/summary 2>/dev/null || echo "0 passed, 1 failed"
		SUMMARY_PRINTED=1
		exit 1
	fi
}

run_ci() {
	deps
	[ -x configure ] || ./autogen.sh
	say "build and test with every plugin disabled"
	rm -rf build-noplugins && mkdir build-noplugins
	if [ -f Makefile ]; then make distclean >/dev/null; fi
	(cd build-noplugins && ../configure $CONFIGURE_FLAGS --enable-werror --disable-all-plugins \
		--enable-tests=yes && make -j"$JOBS" && make check)
	rm -rf build-noplugins
	say "make distcheck"
	configure --enable-werror --enable-tests=yes
	make check-src
	# The cgroup v2 VM suite (a qemu boot) runs once, in the test step below.
	JOBLET_TEST_NO_VM=1 make -j"$JOBS" distcheck
	run_test
}

case "${1:-run}" in
run) run_main ;;
test)
	trap summary_guard EXIT
	run_test
	;;
ci)
	trap summary_guard EXIT
	run_ci
	;;
deps) deps ;;
-h | --help | help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' ;;
*)
	echo "quickstart: unknown mode \`$1'; use run, test, ci or deps (see --help)" >&2
	exit 2
	;;
esac
