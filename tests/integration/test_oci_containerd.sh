#!/bin/sh
# test_oci_containerd.sh - joblet-oci driven by containerd (Debian package
# containerd 1.6) on this host, as Kubernetes and ctr users drive it: a
# containerd of the test's own (config, sockets, state under $TMP, no CRI
# plugin) and `ctr` with image-less runs (`ctr run --rootfs DIR`).
#
#  - runtime v2 (io.containerd.runc.v2 shim) with `ctr run --runc-binary`;
#  - the runtime named in containerd's config.toml (the v1 linux runtime's
#    `runtime = PATH`, used through `ctr run --runtime io.containerd.runtime.v1.linux`;
#    the CRI plugin's `runtimes.NAME.options.BinaryName` is what Kubernetes
#    uses: containerd has no non-CRI client for it, see docs/oci.md);
#  - output, exit codes, `ctr task exec/ps/pause/resume/kill`, a TTY, and a
#    memory limit seen from inside (its value and the OOM kill).
#
# The runtime is $JOBLET_OCI_RUNTIME (default: the build tree's joblet-oci;
# SKIP when there is none); proven with JOBLET_OCI_RUNTIME=`command -v runc`.
# Needs root; SKIPs without containerd/ctr.  About 15 s.  Outside $TMP it
# touches only /run/containerd/s/ (the shims' sockets: containerd 1.6 puts
# them there whatever its config says), like every containerd of the host.
#
# What containerd 1.6.20 called (runc 1.1.5 as the runtime; every call has
# the global flags `--root R --log B/log.json --log-format json`, R being
# --runc-root or the v1 runtime_root plus the namespace, B the bundle
# $state/io.containerd.runtime.v{1.linux,2.task}/NS/ID):
#   create --bundle B --pid-file B/init.pid ID
#   create --bundle B --pid-file B/init.pid --console-socket S ID   (ctr run -t)
#   start ID
#   exec --process /tmp/runc-processN --detach --pid-file B/EXECID.pid ID
#   exec --process F --detach --pid-file P --console-socket S ID    (exec -t)
#   ps --format json ID          (the output: a JSON array of host pids)
#   pause ID / resume ID
#   kill ID 15 / kill ID 9   (ctr task kill [-s SIGKILL]: the signal as a number)
#   delete ID                (after the init exited), then delete --force ID
# The v2 shim reads B/init.pid after `create` (the container's init, host pid)
# and reaps it: the runtime's `create` must leave that pid as a child the
# shim can wait for (the shim is a subreaper), not in a supervisor of its own.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"
. "$src/tests/integration/oci_clients.sh"

oci_need_root
oci_need containerd ctr containerd-shim-runc-v2 -- containerd
oci_runtime_setup

CTD="$TMP/ctd"
SOCK="$CTD/containerd.sock"
NS=jtest
ROOTFS="$TMP/rootfs"
mkdir -p "$CTD"
oci_rootfs "$ROOTFS"
# cgroup v1 hybrid here, v2 in the VMs: where a memory limit shows inside.
if test -d /sys/fs/cgroup/memory; then
	memfile=/sys/fs/cgroup/memory/memory.limit_in_bytes
else
	memfile=/sys/fs/cgroup/memory.max
fi

cat >"$CTD/config.toml" <<EOT
version = 2
root = "$CTD/root"
state = "$CTD/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$SOCK"
[ttrpc]
  address = "$SOCK.ttrpc"
[debug]
  address = "$CTD/debug.sock"
[metrics]
  address = ""
[plugins."io.containerd.runtime.v1.linux"]
  shim = "containerd-shim"
  runtime = "$RTW"
  runtime_root = "$CTD/runtime-v1"
EOT

ctd_pid=
had_run_containerd=no
test -d /run/containerd && had_run_containerd=yes
cleanup() {
	if test -n "$ctd_pid"; then
		for t in `ctr --address "$SOCK" -n $NS task ls -q 2>/dev/null`; do
			ctr --address "$SOCK" -n $NS task kill -s SIGKILL "$t" >/dev/null 2>&1
			sleep 0.2
			ctr --address "$SOCK" -n $NS task delete -f "$t" >/dev/null 2>&1
		done
		for c in `ctr --address "$SOCK" -n $NS container ls -q 2>/dev/null`; do
			ctr --address "$SOCK" -n $NS container delete "$c" >/dev/null 2>&1
		done
		kill -TERM $ctd_pid 2>/dev/null
		wait $ctd_pid 2>/dev/null
		# Shims of our containerd only: their command line names our socket.
		for p in `ps -eo pid=,args= | awk -v s="$SOCK" 'index($0, s) && /containerd-shim/ {print $1}'`; do
			kill -KILL "$p" 2>/dev/null
		done
		# The shims' socket folder, when this test made it (only if empty).
		test $had_run_containerd = yes || rmdir /run/containerd/s /run/containerd 2>/dev/null
	fi
	oci_calls
	tap_exit
}
trap cleanup EXIT

containerd --config "$CTD/config.toml" >"$CTD/containerd.log" 2>&1 &
ctd_pid=$!
c() { run ctr --address "$SOCK" -n $NS "$@"; }
up() { ctr --address "$SOCK" version >/dev/null 2>&1; }
if ! wait_until up; then
	echo "not ok - containerd starts with the test's config"
	sed 's/^/#   /' "$CTD/containerd.log" | tail -20
	exit 1
fi
echo "ok - containerd starts with the test's own config.toml, sockets and state"
v2="--fifo-dir $CTD/fifo --rootfs --runtime io.containerd.runc.v2 --runc-binary $RTW --runc-root $TMP/runtime-v2"
OCI_CALLS_SED="s#$CTD/state/io.containerd.runtime.(v1.linux|v2.task)/$NS/c[0-9]#B#g; s#/e[0-9].pid#/EXECID.pid#; s# c[0-9]\$# ID#; "
status_of() { ctr --address "$SOCK" -n $NS task ls 2>/dev/null | awk -v t="$1" '$1 == t {print $3}'; }

# shellcheck disable=SC2086
c run --rm $v2 "$ROOTFS" c1 /bin/sh -c 'echo to-out; echo to-err >&2; exit 3'
ok 'test $rc -eq 3 && test "$out" = to-out && has to-err "$err"' \
	"ctr run --runc-binary: stdout, stderr and the exit code come back"

c run --rm --fifo-dir "$CTD/fifo" --rootfs --runtime io.containerd.runtime.v1.linux "$ROOTFS" c2 /bin/sh -c 'echo v1; exit 4'
ok 'test $rc -eq 4 && test "$out" = v1 && grep -q "create --bundle $CTD/state/io.containerd.runtime.v1.linux/$NS/c2" "$RTLOG"' \
	"the runtime named in config.toml (v1 linux runtime) is used through ctr run --runtime"

run script -qec "ctr --address $SOCK -n $NS run --rm -t $v2 $ROOTFS c3 /bin/sh -c 'test -t 0 && test -t 1 && echo is-a-tty'" /dev/null
ok 'test $rc -eq 0 && has is-a-tty "$out" && grep -q " --console-socket " "$RTLOG"' \
	"ctr run -t: the process has a terminal (--console-socket)"

# A long-running task: exec, ps, pause/resume, limits, kill.
# shellcheck disable=SC2086
c run -d $v2 --memory-limit 67108864 \
	--mount type=cgroup,src=cgroup,dst=/sys/fs/cgroup,options=ro \
	"$ROOTFS" c4 /bin/sh -c 'trap "exit 42" TERM; while :; do sleep 1; done'
ok 'test $rc -eq 0 && test "`status_of c4`" = RUNNING' "ctr run -d: the task is RUNNING"
pid4=`ctr --address "$SOCK" -n $NS task ls 2>/dev/null | awk '$1 == "c4" {print $2}'`

c task exec --fifo-dir "$CTD/fifo" --exec-id e1 c4 /bin/sh -c 'echo in-exec $$; exit 6'
ok 'test $rc -eq 6 && has in-exec "$out"' "ctr task exec: output and exit code of the exec'd process"

c task exec --fifo-dir "$CTD/fifo" --exec-id e2 c4 /bin/cat $memfile
ok 'test $rc -eq 0 && test "$out" = 67108864' "--memory-limit 64 MiB is visible inside ($memfile)"

c task exec --fifo-dir "$CTD/fifo" --exec-id e3 c4 /bin/sh -c 'dd if=/dev/zero of=/dev/null bs=200M count=1; echo dd=$?'
ok 'has dd=137 "$out"' "... and holds: a 200 MB allocation is OOM-killed"

c task ps c4
ok 'test $rc -eq 0 && test -n "$pid4" && has "$pid4" "$out"' "ctr task ps lists the task's init ($pid4)"

c task pause c4
ok 'test $rc -eq 0 && test "`status_of c4`" = PAUSED' "ctr task pause: PAUSED"
c task resume c4
ok 'test $rc -eq 0 && test "`status_of c4`" = RUNNING' "ctr task resume: RUNNING again"
c task exec --fifo-dir "$CTD/fifo" --exec-id e4 c4 /bin/true
ok 'test $rc -eq 0' "... and it runs processes again"

c task kill c4
stopped() { test "`status_of c4`" = STOPPED; }
wait_until stopped
c task delete c4
ok 'test "`status_of c4`" = "" && has "exit code 42" "$err" && ! kill -0 $pid4 2>/dev/null' \
	"ctr task kill sends SIGTERM to the init (its trap exits 42); delete leaves no process"
c container delete c4
ok 'test $rc -eq 0' "the container is deleted"

# SIGKILL of a task whose init ignores SIGTERM (pid 1 without a handler).
# shellcheck disable=SC2086
c run -d $v2 "$ROOTFS" c5 /bin/sleep 1000
c task kill -s SIGKILL c5
stopped5() { test "`status_of c5`" = STOPPED; }
wait_until stopped5
c task delete c5
ok 'has "exit code 137" "$err"' "ctr task kill -s SIGKILL: the task ends with 137"
c container delete c5

# No state left in the runtime's root for the deleted containers.
ok 'test -z "`ls "$TMP/runtime-v2/$NS" 2>/dev/null`"' "the runtime's state folder (--runc-root) is empty afterwards"
