#!/bin/sh
# test_oci_slurm.sh - joblet-oci driven by Slurm 22.05 (Debian packages
# slurmctld slurmd slurm-client munge) on this host: a munged, a slurmctld
# and a slurmd of the test's own on 127.0.0.1 (free ports, node `ocitestPID`,
# key, socket, state, spool and every config file under $TMP), memory
# enforced by task/cgroup (cgroup v1), `srun --container=BUNDLE` with
# oci.conf's RunTimeRun:
#
#  - as root and as `nobody` (a rootless bundle: user namespace mapping 0 to
#    65534); output, stderr and the exit code come back to srun;
#  - `srun --mem=50`: a 200 MB allocation is OOM-killed, and the container's
#    processes are in the step's memory cgroup (Slurm's limit holds);
#  - `scancel`: no process and no cgroup of the job is left, both for a
#    workload that exits on SIGTERM and for an init ignoring it (pid 1
#    without a handler: Slurm's KillWait, then SIGKILL).
#
# The runtime is $JOBLET_OCI_RUNTIME (default: the build tree's joblet-oci;
# SKIP when there is none).  With JOBLET_OCI_RUNTIME=`command -v runc`
# (1.1.5) every check passes but the last: runc nests the container's
# cgroups below the step's (relative cgroupsPath), is SIGKILLed by
# slurmstepd after KillWait, so task/cgroup cannot remove the step's cgroups
# (they hold runc's) before RunTimeDelete runs; job_N/step_0/task_0 stay in
# the memory and freezer hierarchies.  A runtime that leaves the container
# in the step's own cgroups passes them all: crun 1.8.1 with
# --cgroup-manager=disabled did, in 32 s (in a private mount namespace
# without the cgroup2 mount, which crun refuses on this hybrid host, behind
# a wrapper moving `-b B` before the id: crun takes no option after it);
# proctrack/cgroup's SIGKILL then reaches every container process.
# Needs root and cgroup v1 (Slurm 22.05's cgroup/v2 wants slurmd under
# systemd with a delegated cgroup).  About 45 s (80 s when the last check
# fails: it waits 20 s).
#
# oci.conf (as docs/oci.md): RunTimeRun (create/start mode hangs in 22.05:
# slurmstepd reads RunTimeCreate's output to EOF, and the created container,
# waiting for `start`, holds that pipe as its stdout), each command run by
# `/bin/sh -c` as the job's user, so `exec` keeps the runtime the task
# slurmstepd signals.  What slurmstepd 22.05.8 called (runc 1.1.5):
#   --root R run NODE.USER.JOB.STEP.TASK -b SPOOL/oci-jobJJJJJ-SSSSS/
#   --root R state ID          (after the run ended, or on scancel: parses the JSON
#                               "status"; "container does not exist" and rc 1 mean gone)
#   --root R kill -a ID        (scancel, repeated with back-off while state says running)
#   --root R delete --force ID
# slurmstepd writes its own config.json into the spool folder: process.args,
# the submitter's whole environment and terminal=false replace the bundle's,
# root.path becomes absolute; no cgroupsPath, no resources (the runtime is
# expected to stay in the step's cgroup).  As `nobody` the runtime runs with
# uid 65534 and that user's --root.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"
. "$src/tests/integration/oci_clients.sh"

oci_need_root
oci_need slurmctld slurmd srun scancel squeue sinfo -- "slurmctld slurmd slurm-client"
oci_need munged munge -- munge
if ! test -d /sys/fs/cgroup/memory || ! test -d /sys/fs/cgroup/freezer; then
	echo "1..0 # SKIP needs the cgroup v1 memory and freezer hierarchies (Slurm 22.05's cgroup/v2 needs slurmd under systemd)"
	exit 77
fi
oci_runtime_setup

NODE=ocitest$$
USER_UID=`id -u nobody 2>/dev/null`
USER_GID=`id -g nobody 2>/dev/null`
chmod 755 "$TMP"
mkdir -p "$TMP/munge" "$TMP/state" "$TMP/spool" "$TMP/rt"
chmod 1777 "$TMP/rt"
oci_bundle "$TMP/b-root"
test -n "$USER_UID" && oci_bundle "$TMP/b-user" $USER_UID $USER_GID
MARK=`expr 40000 + $$ % 10000`

# munge: its own key and socket.
dd if=/dev/urandom of="$TMP/munge/munge.key" bs=1024 count=1 2>/dev/null
chmod 400 "$TMP/munge/munge.key"
MSOCK="$TMP/munge/munge.socket"

ctl_port=`oci_free_port`
d_port=`oci_free_port $ctl_port`
hw=`slurmd -C 2>/dev/null | head -1 | sed 's/^NodeName=[^ ]* //'`
cat >"$TMP/slurm.conf" <<EOC
ClusterName=ocitest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctl_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$MSOCK
CredType=cred/munge
StateSaveLocation=$TMP/state
SlurmdSpoolDir=$TMP/spool
SlurmctldPidFile=$TMP/slurmctld.pid
SlurmdPidFile=$TMP/slurmd.pid
SlurmctldLogFile=$TMP/slurmctld.log
SlurmdLogFile=$TMP/slurmd.log
SlurmdDebug=debug
ProctrackType=proctrack/cgroup
TaskPlugin=task/cgroup
JobAcctGatherType=jobacct_gather/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/builtin
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
KillWait=3
PlugStackConfig=$TMP/plugstack.conf
NodeName=$NODE NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=ocitest Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOC
: >"$TMP/plugstack.conf"
cat >"$TMP/cgroup.conf" <<EOC
CgroupPlugin=cgroup/v1
CgroupMountpoint=/sys/fs/cgroup
ConstrainRAMSpace=yes
ConstrainSwapSpace=yes
AllowedSwapSpace=0
EOC
ID=%n.%u.%j.%s.%t
cat >"$TMP/oci.conf" <<EOC
RunTimeQuery="$RTW --root $TMP/rt/%u state $ID"
RunTimeKill="$RTW --root $TMP/rt/%u kill -a $ID"
RunTimeDelete="$RTW --root $TMP/rt/%u delete --force $ID"
RunTimeRun="exec $RTW --root $TMP/rt/%u run $ID -b %b"
EOC
SLURM_CONF="$TMP/slurm.conf"
export SLURM_CONF

munge_pid=
ctld_pid=
slurmd_pid=
cleanup() {
	for j in `squeue -h -o %i 2>/dev/null`; do scancel $j 2>/dev/null; done
	test -n "$slurmd_pid" && sleep 1
	for p in $slurmd_pid $ctld_pid $munge_pid; do
		kill -TERM $p 2>/dev/null
		wait $p 2>/dev/null
	done
	# Our workloads only: they carry the test's marker.
	for p in `ps -eo pid=,args= | awk -v m="sleep $MARK" '$2 " " $3 == m {print $1}'`; do
		kill -KILL $p 2>/dev/null
	done
	# Slurm's cgroups of our node (slurm_NODE, by this build's multiple-slurmd
	# naming): empty folders, removed deepest first.
	for h in /sys/fs/cgroup/*/slurm_$NODE; do
		test -d "$h" && find "$h" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	oci_calls
	tap_exit
}
trap cleanup EXIT
OCI_CALLS_SED="s#$NODE\\.([a-z]+)\\.[0-9]+\\.0\\.0#NODE.\\1.J.0.0#g; s#oci-job[0-9]+-00000#oci-jobJJJJJ-00000#g; "

munged -F -f --socket="$MSOCK" --key-file="$TMP/munge/munge.key" --log-file="$TMP/munge/munged.log" \
	--pid-file="$TMP/munge/munged.pid" --seed-file="$TMP/munge/munged.seed" >/dev/null 2>&1 &
munge_pid=$!
slurmctld -D -f "$SLURM_CONF" >/dev/null 2>&1 &
ctld_pid=$!
slurmd -D -N $NODE -f "$SLURM_CONF" >/dev/null 2>&1 &
slurmd_pid=$!
idle() { test "`sinfo -h -n $NODE -o %t 2>/dev/null`" = idle; }
wait_until idle || wait_until idle
if ! idle; then
	echo "not ok - munged, slurmctld and slurmd start on 127.0.0.1 and the node is idle"
	tail -5 "$TMP/munge/munged.log" "$TMP/slurmctld.log" "$TMP/slurmd.log" 2>&1 | sed 's/^/#   /'
	exit 1
fi
echo "ok - munged, slurmctld and slurmd start on 127.0.0.1 (ports $ctl_port, $d_port) and $NODE is idle"

as_user() { # command line, run by nobody
	run setpriv --reuid=$USER_UID --regid=$USER_GID --clear-groups \
		env -i PATH=/usr/bin:/bin HOME=/ SLURM_CONF="$SLURM_CONF" sh -c "cd '$TMP' && $1"
}
S="timeout 60 srun"

run $S --container="$TMP/b-root" sh -c 'echo to-out; echo to-err >&2; exit 3'
ok 'test $rc -eq 3 && test "$out" = to-out && has to-err "$err" && grep -q "^0 .* run $NODE.root." "$RTLOG"' \
	"srun --container as root: stdout, stderr and the exit code come back (RunTimeRun)"

# The runtime runs as the job's user: nobody must reach it (not so for a
# build tree under a private home folder).
user_skip=
if test -z "$USER_UID"; then
	user_skip="no user nobody here"
elif ! setpriv --reuid=$USER_UID --regid=$USER_GID --clear-groups test -x "$RT"; then
	user_skip="nobody cannot execute $RT (a build tree in a private folder?)"
fi
if test -z "$user_skip"; then
	as_user "$S --container='$TMP/b-user' sh -c 'cat /proc/self/uid_map; exit 5'"
	ok 'test $rc -eq 5 && test "`echo $out`" = "0 $USER_UID 1" && grep -q "^$USER_UID .* run $NODE.nobody." "$RTLOG"' \
		"srun --container as nobody: the runtime runs as uid $USER_UID, 0 inside is $USER_UID outside, exit code back"
	as_user "$S --mem=50 --container='$TMP/b-user' sh -c 'dd if=/dev/zero of=/dev/null bs=200M count=1; echo dd=\$?'"
	ok 'has dd=137 "$out"' "srun --mem=50 as nobody: a 200 MB allocation is OOM-killed"
else
	echo "ok - srun --container as an unprivileged user # SKIP $user_skip"
fi

run $S --mem=50 --container="$TMP/b-root" sh -c 'dd if=/dev/zero of=/dev/null bs=200M count=1; echo dd=$?'
ok 'has dd=137 "$out"' "srun --mem=50 as root: a 200 MB allocation is OOM-killed"

marker_pid() { ps -eo pid=,args= | awk -v m="sleep $MARK" '$2 " " $3 == m {print $1; exit}'; }
job_cgroups() { # job id: its cgroup folders left in any hierarchy
	ls -d /sys/fs/cgroup/*/slurm_$NODE/uid_*/job_$1 2>/dev/null
}
# scancel_case DESC PROGRAM...: an srun in the background, cancelled.
scancel_case() {
	desc=$1
	shift
	$S --container="$TMP/b-root" "$@" >"$TMP/scancel.out" 2>&1 &
	srun_pid=$!
	running() { test -n "`marker_pid`"; }
	wait_until running
	mp=`marker_pid`
	J=`squeue -h -o %i | head -1`
	ok 'test -n "$mp" && grep -q "^[0-9]*:memory:/slurm_$NODE/uid_0/job_$J/" /proc/$mp/cgroup' \
		"$desc: the workload runs in the step's memory cgroup (job $J)"
	run scancel $J
	gone() { test -z "`squeue -h -j $J 2>/dev/null`" && test -z "`marker_pid`" && test -z "`job_cgroups $J`"; }
	wait_until gone || wait_until gone
	wait $srun_pid 2>/dev/null
	out=`job_cgroups $J`
	err=`cat "$TMP/scancel.out"`
	ok 'test -n "$mp" && test -z "`marker_pid`" && test -z "$out"' \
		"$desc: scancel leaves no process and no cgroup behind"
}
scancel_case "a workload that exits on SIGTERM" \
	sh -c "trap 'exit 143' TERM; sleep $MARK & wait"
scancel_case "an init that ignores SIGTERM" sleep $MARK
