#!/bin/sh
# cgroup2_in_vm.sh - the isolation/cgroup2 cases, run INSIDE the VM that
# tests/vm/test_cgroup2_vm.sh boots (busybox sh, root, cgroup2 with every
# controller on /sys/fs/cgroup, /dev/vda an empty disk).  Prints TAP and a
# last line "N passed, N failed"; exits 1 when a case failed.
#
# Environment (set by the outer script): JOBLET_LIBDIR (libjoblet.so),
# JOBLET_PLUGINDIR (the built plugins).
set -u
export LD_LIBRARY_PATH="$JOBLET_LIBDIR"
export JOBLET_SHIM=/usr/local/bin/joblet-shim
export JOBLET_DAEMON_MODULE=/usr/local/bin/joblet-daemon.so
JOBLET=/usr/local/bin/joblet
helper=/usr/local/bin/cg_helper
CG=/sys/fs/cgroup
pass=0
fail=0
rc=0
out=
err=

ok() { # condition description
	if eval "$1"; then
		echo "ok - $2"
		pass=$((pass + 1))
	else
		echo "not ok - $2"
		echo "#   condition: $1 (status $rc)"
		printf '%s\n' "$out" | head -n 15 | sed 's/^/#   out: /'
		printf '%s\n' "$err" | head -n 15 | sed 's/^/#   err: /'
		fail=$((fail + 1))
	fi
}
skip() {
	echo "ok - $1 # SKIP $2"
}
has() {
	case "$2" in *"$1"*) return 0 ;; *) return 1 ;; esac
}
run() {
	"$@" >/tmp/.out 2>/tmp/.err </dev/null
	rc=$?
	out=`cat /tmp/.out`
	err=`cat /tmp/.err`
}

echo "# kernel `uname -r`, controllers: `cat $CG/cgroup.controllers`"

# The state folder on a real disk, so io.max has a device to limit.
state=/tmp/state
disk=no
if [ -b /dev/vda ] && command -v mkfs.ext4 >/dev/null 2>&1 &&
	mkfs.ext4 -q -F /dev/vda >/tmp/mkfs.log 2>&1 && mkdir -p /mnt/disk &&
	mount -t ext4 /dev/vda /mnt/disk; then
	state=/mnt/disk/state
	disk=yes
else
	echo "# no ext4 on /dev/vda: `cat /tmp/mkfs.log 2>/dev/null | head -n 3`"
fi
mkdir -p "$state"

config() { # file state_dir [extra cgroup2 settings line]
	cat >"$1" <<EOY
plugins:
  dirs: [$JOBLET_PLUGINDIR]
  settings:
    isolation/cgroup2: {${3:-base: joblet.slice}}
paths:
  state_dir: $2
isolation:
  stack: [cgroup]
  grace_period: 1s
EOY
}
config /tmp/joblet.yml "$state"
job() {
	run "$JOBLET" --config /tmp/joblet.yml run-local "$@"
}
status_field() { # field of the only kept job's status.json
	sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p" "$state"/jobs/*/status.json | tr -d '"'
}
job_cgroups() {
	n=0
	for d in $CG/joblet.slice/*/; do
		[ -d "$d" ] && n=$((n + 1))
	done
	echo $n
}
left_with() { # mark: processes whose command line has it
	n=0
	for f in /proc/[0-9]*/cmdline; do
		[ "$f" = "/proc/$$/cmdline" ] && continue
		tr '\0' ' ' <"$f" 2>/dev/null | grep -q -- "$1" && n=$((n + 1))
	done
	echo $n
}

# ---------------------------------------------------------------- probe
run "$JOBLET" --config /tmp/joblet.yml check
ok 'has "stack cgroup (= cgroup2)" "$out" && printf "%s\n" "$out" | grep -Eq "^ +cgroup2 +usable" && printf "%s\n" "$out" | grep -Eq "^ +cgroup1 +unusable: no cgroup v1 controller is mounted"' \
	"cgroup2's probe says yes on a cgroup2 host with every controller, cgroup1's says no"
config /tmp/elsewhere.yml "$state" "mount: /tmp"
run "$JOBLET" --config /tmp/elsewhere.yml check
ok 'printf "%s\n" "$out" | grep -Eq "^ +cgroup2 +unusable: cgroup2 is not mounted at \`/tmp\`"' \
	"a configured mount that is not cgroup2 makes the probe say no, naming it"

# ---------------------------------------------------------------- limits and placement
job --max-cpu=50 --max-memory=64 --max-pids=30 --cpu-cores=1 -- sh -c '
	cat /proc/self/cgroup
	d=/sys/fs/cgroup`sed -n "s/^0:://p" /proc/self/cgroup`
	for f in cpu.max memory.max memory.swap.max memory.oom.group pids.max cpuset.cpus cpuset.mems; do
		echo "$f=`cat $d/$f`"
	done'
ok 'test $rc -eq 0 && printf "%s\n" "$out" | grep -Eq "^0::/joblet.slice/[0-9a-f-]{36}\$"' \
	"the job runs in joblet.slice/<job id>"
ok 'has "cpu.max=50000 100000" "$out" && has "memory.max=67108864" "$out" && has "memory.swap.max=0" "$out" && has "memory.oom.group=1" "$out" && has "pids.max=31" "$out" && has "cpuset.cpus=1" "$out" && has "cpuset.mems=0" "$out"' \
	"cpu.max, memory.max, memory.swap.max=0, memory.oom.group=1, pids.max, cpuset.cpus/mems as asked"
sub=`cat $CG/joblet.slice/cgroup.subtree_control 2>/dev/null`
ok 'has cpu "$sub" && has memory "$sub" && has pids "$sub" && has cpuset "$sub"' \
	"the controllers are enabled in joblet.slice/cgroup.subtree_control ($sub)"
ok 'test "`job_cgroups`" -eq 0' "the job's cgroup is removed when it ends"

# CLONE_INTO_CGROUP: run-local and its shim live in a cgroup where no third
# process fits.  A job created there first and moved later could not start.
mkdir $CG/launch
echo 2 >$CG/launch/pids.max
sh -c 'echo $$ >/sys/fs/cgroup/launch/cgroup.procs; exec "$@"' sh \
	"$JOBLET" --config /tmp/joblet.yml run-local -- cat /proc/self/cgroup >/tmp/.out 2>/tmp/.err
rc=$?
out=`cat /tmp/.out`
err=`cat /tmp/.err`
ev=`sed -n 's/^max //p' $CG/launch/pids.events`
ok 'test $rc -eq 0 && printf "%s\n" "$out" | grep -Eq "^0::/joblet.slice/[0-9a-f-]{36}\$" && test "$ev" -eq 0' \
	"the job's first process is created inside its cgroup (CLONE_INTO_CGROUP): its supervisor's cgroup, full at pids.max=2, never held it (pids.events max $ev)"
# The control: the limit does stop forks made in that cgroup.
echo 1 >$CG/launch/pids.max
sh -c 'echo $$ >/sys/fs/cgroup/launch/cgroup.procs; exec "$@"' sh \
	"$JOBLET" --config /tmp/joblet.yml run-local -- true >/dev/null 2>/tmp/.err
rc=$?
err=`cat /tmp/.err`
ok 'test $rc -ne 0' "(control) with pids.max=1 there, run-local cannot even start its supervisor (rc $rc)"
rmdir $CG/launch

# ---------------------------------------------------------------- memory
rm -rf "$state/jobs"
job --keep --max-memory=32 -- "$helper" mem 200
oom=`status_field oom`
peak=`status_field memory_peak_bytes`
ok 'test $rc -eq 137 && has "out of memory" "$err" && ! has survived "$out" && test "$oom" = true' \
	"a 200 MB hog under --max-memory=32 is OOM-killed: exit 137, out of memory (memory.events)"
ok 'test -n "$peak" && test "$peak" -gt 16000000 && test "$peak" -le 34000000' \
	"its peak comes from memory.peak ($peak bytes)"
rm -rf "$state/jobs"
# One process of the job meets the limit: all of it ends (memory.oom.group), as on v1.
# (104857600: the VM's head takes no size suffix.)
job --keep --max-memory=32 -- sh -c 'head -c 104857600 /dev/zero | tail; echo survived'
oom=`status_field oom`
ok 'test $rc -eq 137 && ! has survived "$out" && test "$oom" = true' \
	"an OOM in one process of the job ends the whole job: OOM_KILLED, 137, no \"survived\""
rm -rf "$state/jobs"

# ---------------------------------------------------------------- pids
job --max-pids=20 -- "$helper" fork 200
forked=`printf '%s\n' "$out" | sed -n 's/^forked=//p'`
ok 'test $rc -eq 0 && test -n "$forked" && test "$forked" -gt 0 && test "$forked" -le 20' \
	"a fork bomb under --max-pids=20 is stopped and the job finishes (forked $forked of 200)"

# ---------------------------------------------------------------- cpu
job --keep --max-cpu=20 -- "$helper" spin 3
ratio=`printf '%s\n' "$out" | sed -n 's/^cpu_ratio=//p'`
usec=`status_field cpu_usec`
ok 'test $rc -eq 0 && awk -v r="$ratio" "BEGIN { exit !(r >= 0.16 && r <= 0.24) }"' \
	"a CPU hog under --max-cpu=20 gets usage/elapsed of 0.2 +-20% (measured $ratio)"
ok 'test -n "$usec" && test "$usec" -ge 480000 && test "$usec" -le 720000' \
	"cpu.stat usage_usec in status.json is 3 s x 20% +-20% ($usec us)"
rm -rf "$state/jobs"

# ---------------------------------------------------------------- cpuset
job --cpu-cores=1 -- grep Cpus_allowed_list /proc/self/status
ok 'test $rc -eq 0 && test "`printf "%s" "$out" | awk "{print \\$2}"`" = 1' \
	"--cpu-cores=1 pins the job to CPU 1 ($out)"

# ---------------------------------------------------------------- io
if [ $disk = yes ]; then
	dev=`cat /sys/block/vda/dev`
	"$JOBLET" --config /tmp/joblet.yml run-local --max-iobps=1048576 -- "$helper" write 4 f \
		>/tmp/io.out 2>/tmp/io.err &
	runner=$!
	line=
	i=0
	while [ $i -lt 200 ]; do
		for d in $CG/joblet.slice/*/; do
			[ -r "$d/io.max" ] && line=`cat "$d/io.max"`
		done
		[ -n "$line" ] && break
		sleep 0.05
		i=$((i + 1))
	done
	wait $runner
	rc=$?
	out=`cat /tmp/io.out`
	err=`cat /tmp/io.err`
	ok 'has "$dev rbps=1048576 wbps=1048576" "$line"' \
		"io.max names /dev/vda's real major:minor $dev ($line)"
	bps=`printf '%s\n' "$out" | sed -n 's/^bps=//p'`
	ok 'test $rc -eq 0 && test -n "$bps" && test "$bps" -le 1300000' \
		"4 MiB of direct writes are throttled to about 1 MiB/s (measured $bps bytes/s)"
else
	skip "io.max names /dev/vda's major:minor" "no ext4 file system could be made on /dev/vda"
	skip "io.max throttles writes" "no ext4 file system could be made on /dev/vda"
fi
mkdir -p /tmp/tmpfs-state
config /tmp/tmpfs.yml /tmp/tmpfs-state
run "$JOBLET" --config /tmp/tmpfs.yml run-local --max-iobps=1048576 -- true
ok 'test $rc -ne 0 && has "not backed by a block device" "$err"' \
	"--max-iobps with the state folder on tmpfs is refused with the reason"

# ---------------------------------------------------------------- stopping
mark="joblet-cg2-stubborn-$$"
job --timeout=1 -- "$helper" stubborn "$mark"
ok 'test $rc -eq 124 && has "timed out" "$err"' "a SIGTERM-ignoring job is killed at --timeout=1 (exit 124)"
ok 'test "`left_with $mark`" -eq 0' "its double-forked, SIGTERM-ignoring grandchild is gone too (cgroup.kill)"

mark2="joblet-cg2-stop-$$"
"$JOBLET" --config /tmp/joblet.yml run-local -- "$helper" stubborn "$mark2" >/tmp/stop.out 2>/tmp/stop.err &
stopper=$!
i=0
while ! grep -q started /tmp/stop.out 2>/dev/null && [ $i -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM $stopper
wait $stopper
rc=$?
err=`cat /tmp/stop.err`
ok 'test $rc -eq 137 && has "stopped on request" "$err" && test "`left_with $mark2`" -eq 0' \
	"a stopped job ends with 137 and leaves no process"

# A stop reaches every process of the job, also one that left its tree.
"$JOBLET" --config /tmp/joblet.yml run-local -- "$helper" termwatch >/tmp/tw.out 2>/tmp/tw.err &
watcher=$!
i=0
while ! grep -q started /tmp/tw.out 2>/dev/null && [ $i -lt 200 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -TERM $watcher
wait $watcher
rc=$?
out=`cat /tmp/tw.out`
err=`cat /tmp/tw.err`
ok 'has "grandchild got SIGTERM" "$out"' \
	"a stop sends SIGTERM to every process in the job's cgroup (cgroup.freeze, signal, thaw)"

ok 'test "`job_cgroups`" -eq 0' "no job cgroup is left in joblet.slice after all jobs"

[ $disk = yes ] && umount /mnt/disk
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
