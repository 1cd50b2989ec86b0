#!/bin/sh
# test_cgroup2_vm.sh - isolation/cgroup2 on a real cgroup v2 kernel: boots
# ONE throwaway VM (qemu, tests/vm/vm_run.sh with Debian's cloud kernel) with
# the built joblet, joblet-shim, libjoblet, plugins and cg_helper, and runs
# every case of tests/vm/cgroup2_in_vm.sh inside it.  Prints TAP and "N
# passed, N failed"; exits 0 when all passed, 1 when one failed, 77 when no
# VM can be set up here (no qemu and not allowed to install it, no kernel
# package).
#
#   tests/vm/test_cgroup2_vm.sh [BUILDDIR]      (default: $JOBLET_TEST_BUILDDIR, else .)
#
# Environment: JOBLET_VM_TIMEOUT (seconds for the whole VM, default 420),
# JOBLET_TEST_NO_VM=1 (skip), JOBLET_VM_SETUP=1 (under `make check`, install
# qemu-system-x86, busybox-static and cpio with apt-get when missing; run
# directly as root, this script installs them anyway), and those of
# vm_run.sh (JOBLET_VM_CACHE, JOBLET_VM_KERNEL_PKG).  Takes about 30 s under
# TCG emulation once the kernel is cached.
set -u
here=`cd "\`dirname "$0"\`" && pwd`
src=${JOBLET_TEST_SRCDIR:-`cd "$here/../.." && pwd`}
build=${1:-${JOBLET_TEST_BUILDDIR:-`pwd`}}
build=`cd "$build" && pwd`
vmrun=$src/tests/vm/vm_run.sh
limit=${JOBLET_VM_TIMEOUT:-420}

skip() {
	echo "1..0 # SKIP $*"
	exit 77
}
test "${JOBLET_TEST_NO_VM:-0}" = 1 && skip "JOBLET_TEST_NO_VM=1"
missing=
command -v qemu-system-x86_64 >/dev/null 2>&1 || missing="$missing qemu-system-x86"
command -v cpio >/dev/null 2>&1 || missing="$missing cpio"
busybox=`command -v busybox || true`
if test -z "$busybox" || ldd "$busybox" >/dev/null 2>&1; then
	missing="$missing busybox-static"
fi
if test -n "$missing"; then
	if test "`id -u`" != 0; then
		skip "missing:$missing (install them, or run this script as root once)"
	elif test -n "${JOBLET_TEST_BUILDDIR:-}" && test "${JOBLET_VM_SETUP:-0}" != 1; then
		skip "missing:$missing; install them, or set JOBLET_VM_SETUP=1 to let this test do it"
	fi
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2 ||
		skip "cannot install$missing"
fi
soname=`objdump -p "$build/.libs/libjoblet.so" 2>/dev/null | awk '$1 == "SONAME" {print $2}'`
test -n "$soname" || soname=libjoblet.so
for f in .libs/joblet .libs/joblet-shim .libs/joblet-daemon.so .libs/$soname build-plugins/isolation_cgroup2.so \
	tests/integration/cg_helper; do
	test -e "$build/$f" || skip "$build/$f is missing: build with --enable-tests and run \`make check\` (or make tests/integration/cg_helper) first"
done

set -- -b "$build/.libs/joblet" -b "$build/.libs/joblet-shim" -b "$build/.libs/joblet-daemon.so" \
	-b "$build/tests/integration/cg_helper"
mkfs=`command -v mkfs.ext4 || true`
test -n "$mkfs" && set -- "$@" -b "$mkfs"
started=`date +%s`
# ldd (in vm_run.sh) finds libjoblet in the build tree and copies what it
# needs; libjoblet itself goes to /opt/joblet/lib (the VM mounts a tmpfs on
# /tmp, where build trees often are).
LD_LIBRARY_PATH="$build/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
	sh "$vmrun" -t "$limit" -c 2 -m 512 -d 64 "$@" \
	-f "`readlink -f "$build/.libs/$soname"`:/opt/joblet/lib/$soname" \
	-f "$build/build-plugins:/opt/joblet/plugins" \
	-f "$src/tests/vm/cgroup2_in_vm.sh:/root/cgroup2_in_vm.sh" \
	"JOBLET_LIBDIR=/opt/joblet/lib JOBLET_PLUGINDIR=/opt/joblet/plugins sh /root/cgroup2_in_vm.sh" \
	>"${TMPDIR:-/tmp}/cgroup2-vm.$$.log" 2>&1
rc=$?
cat "${TMPDIR:-/tmp}/cgroup2-vm.$$.log"
rm -f "${TMPDIR:-/tmp}/cgroup2-vm.$$.log"
echo "# the VM ran for `expr \`date +%s\` - $started` s (vm_run.sh status $rc)"
case $rc in
0 | 1) exit $rc ;;
2) skip "vm_run.sh could not set up qemu or the kernel (status 2; it said why above)" ;;
124) echo "not ok - the VM ran past ${limit} s"; exit 1 ;;
*) echo "not ok - the VM stopped without a result (status $rc)"; exit 1 ;;
esac
