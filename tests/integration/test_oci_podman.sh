#!/bin/sh
# test_oci_podman.sh - joblet-oci driven by podman (Debian package podman
# 4.3, with conmon) on this host: an image made by `podman import` of a
# busybox-static root file system (no registry), storage, run root, locks
# and events under $TMP (CONTAINERS_CONF, CONTAINERS_STORAGE_CONF), cgroupfs
# manager, no network (`netns = "none"`: netavark/CNI play no part).
#
#  - the runtime by path (`podman --runtime PATH`) and by name from
#    containers.conf (`[engine.runtimes] joblet-oci = [PATH]`, `runtime =
#    "joblet-oci"`), as docs/oci.md shows;
#  - output and exit code of `run --rm`, `run -t` (under script(1): podman
#    needs a terminal of its own for -t), `exec`, `exec -t`, `stop` (SIGTERM,
#    then SIGKILL after the timeout), `--memory` and `--pids-limit` (the
#    values seen inside and their effect).
#
# The runtime is $JOBLET_OCI_RUNTIME (default: the build tree's joblet-oci;
# SKIP when there is none); proven with JOBLET_OCI_RUNTIME=`command -v runc`.
# Needs root; SKIPs without podman/conmon.  About 30 s.  Outside $TMP:
# the runtime's default state folder (podman passes no --root: /run/runc for
# runc, /run/joblet-oci for joblet-oci) and /run/containers/networks, an
# empty folder podman makes once, like every podman of the host.
#
# What podman 4.3.1 (through conmon 2.1.6) called, runc 1.1.5 as the
# runtime.  No global flags at all: no --root (so the runtime's default state
# folder, shared by every podman user of the host), no --log:
#   create --bundle B --pid-file B/pidfile ID
#   create --bundle B --pid-file B/pidfile --console-socket /tmp/conmon-term.X ID   (-t)
#   start ID
#   exec --pid-file B/EXEC/exec_pid --process B/EXEC/exec-process-N --detach ID
#   exec --pid-file P --process F --detach --tty --console-socket S ID     (exec -t)
#   kill ID 15, then kill ID 9 when the stop timeout ran out (signals as numbers)
#   delete --force ID
#   --version        (podman info)
# B = $graphroot/vfs-containers/ID/userdata (the pid file: the same under $runroot).
# conmon is the runtime's parent for create and exec; it reads the pid file
# and waits for that pid (it is a subreaper): the container's init must be
# that pid, not a supervisor's.  podman's default ulimits (nofile 1048576,
# nproc 4194304) need CAP_SYS_RESOURCE in the runtime when the caller's hard
# limit is lower (this sandbox's root lacks it): then the runs say
# `--ulimit host`.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"
. "$src/tests/integration/oci_clients.sh"

oci_need_root
oci_need podman conmon -- podman
oci_runtime_setup
# conmon writes an `oom` marker into its working folder when an exec'd
# process is OOM-killed: ours, not the build tree (distcheck's distclean).
cd "$TMP" || exit 1

PM="$TMP/podman"
IMG=localhost/oci-test-busybox
mkdir -p "$PM/tmp"
oci_rootfs "$TMP/rootfs"
tar -C "$TMP/rootfs" -cf "$TMP/rootfs.tar" .
if test -d /sys/fs/cgroup/memory; then
	memfile=/sys/fs/cgroup/memory/memory.limit_in_bytes
	pidsfile=/sys/fs/cgroup/pids/pids.max
else
	memfile=/sys/fs/cgroup/memory.max
	pidsfile=/sys/fs/cgroup/pids.max
fi
# podman asks for nofile 1048576 and nproc 4194304 by default: above the
# hard limits, that needs CAP_SYS_RESOURCE, which some sandboxes' root
# lacks; then every run takes podman's own limits (`--ulimit host`, which
# containers.conf cannot say).
U=
capeff=`awk '/^CapEff:/ {print $2}' /proc/self/status`
test $(((0x$capeff >> 24) & 1)) = 1 || U="--ulimit host"

cat >"$PM/containers.conf" <<EOT
[containers]
netns = "none"
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$PM/events.log"
lock_type = "file"
tmp_dir = "$PM/tmp"
volume_path = "$PM/volumes"
runtime = "joblet-oci"

[engine.runtimes]
joblet-oci = ["$RTW"]
EOT
cat >"$PM/storage.conf" <<EOT
[storage]
driver = "vfs"
graphroot = "$PM/root"
runroot = "$PM/run"
EOT
: >"$PM/registries.conf"
CONTAINERS_CONF="$PM/containers.conf"
CONTAINERS_STORAGE_CONF="$PM/storage.conf"
CONTAINERS_REGISTRIES_CONF="$PM/registries.conf"
export CONTAINERS_CONF CONTAINERS_STORAGE_CONF CONTAINERS_REGISTRIES_CONF

cleanup() {
	podman rm -af -t 0 >/dev/null 2>&1
	# podman unmounts each container's /dev/shm on rm; whatever is still
	# mounted under our folder (a failed rm) is ours to unmount.
	awk -v t="$TMP" 'index($5, t) == 1 {print $5}' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m"; done
	oci_calls
	tap_exit
}
trap cleanup EXIT
OCI_CALLS_SED="s#$PM/(root|run)/vfs-containers/[0-9a-f]{64}/userdata#B#g; s#B/[0-9a-f]{64}/#B/EXEC/#g; "

p() { run podman "$@"; }
p import "$TMP/rootfs.tar" $IMG
ok 'test $rc -eq 0' "podman import of a busybox rootfs tarball makes the image"

p --runtime "$RTW" run --rm $U $IMG sh -c 'echo to-out; echo to-err >&2; exit 5'
ok 'test $rc -eq 5 && test "$out" = to-out && has to-err "$err"' \
	"podman --runtime PATH run --rm: stdout, stderr and the exit code come back"

p info --format '{{.Host.OCIRuntime.Path}}'
runtime_path=$out
p run --rm $U $IMG sh -c 'echo by-name; exit 0'
ok 'test $rc -eq 0 && test "$out" = by-name && test "$runtime_path" = "$RTW"' \
	"the runtime named in containers.conf ([engine.runtimes], runtime =) is used"

run script -qec "podman run --rm -t $U $IMG sh -c 'test -t 0 && test -t 1 && echo is-a-tty'" /dev/null
ok 'test $rc -eq 0 && has is-a-tty "$out" && grep -q " --console-socket " "$RTLOG"' \
	"podman run -t: the process has a terminal (--console-socket)"

p run -d $U --name p1 --memory 64m --pids-limit 20 $IMG \
	sh -c 'trap "exit 42" TERM; while :; do sleep 1; done'
ok 'test $rc -eq 0' "podman run -d --memory 64m --pids-limit 20"

p exec p1 sh -c 'echo in-exec; exit 6'
ok 'test $rc -eq 6 && test "$out" = in-exec' "podman exec: output and exit code"

run script -qec "podman exec -t p1 sh -c 'test -t 0 && echo exec-tty'" /dev/null
ok 'has exec-tty "$out"' "podman exec -t: the exec'd process has a terminal"

p exec p1 cat $memfile $pidsfile
ok 'test $rc -eq 0 && test "`echo $out`" = "67108864 20"' \
	"--memory and --pids-limit are visible inside ($memfile, $pidsfile)"

p exec p1 sh -c 'dd if=/dev/zero of=/dev/null bs=200M count=1; echo dd=$?'
ok 'has dd=137 "$out"' "--memory holds: a 200 MB allocation is OOM-killed"

p exec p1 sh -c 'for i in $(seq 1 30); do sleep 2 & done; wait'
ok 'has "can'"'"'t fork" "$err"' "--pids-limit holds: the 20th process cannot be made"

start=`date +%s`
p stop -t 10 p1
took=`expr \`date +%s\` - $start`
p inspect p1 --format '{{.State.ExitCode}}'
ok 'test "$out" = 42 && test $took -lt 8' \
	"podman stop: SIGTERM reaches the init (its trap exits 42) in ${took}s"
p rm p1
ok 'test $rc -eq 0' "podman rm"

# An init that ignores SIGTERM (pid 1 without a handler): SIGKILL after -t.
p run -d $U --name p2 $IMG sleep 1000
p stop -t 1 p2
p inspect p2 --format '{{.State.ExitCode}}'
ok 'test "$out" = 137 && grep -q " kill [0-9a-f]* 9\$" "$RTLOG"' \
	"podman stop -t 1 of an init ignoring SIGTERM: SIGKILL, exit 137"
p rm p2
ok 'test $rc -eq 0' "podman rm of the SIGKILLed container"

# conmon ends on its own once it has reported the exit: give it its time
# (a sanitizer build of the runtime is slower), then name what is left.
conmons() { ps -eo pid=,args= | grep "/usr/bin/conmon.*$PM" | grep -v grep; }
wait_until 'test -z "`conmons`"'
left=`conmons`
p ps -a -q
ok 'test $rc -eq 0 && test -z "$out" && test -z "$left"' \
	"no container and no conmon left (containers: '$out'; conmon: '$left')"
