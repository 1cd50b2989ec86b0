#!/bin/sh
# test_hostile.sh - the hostile-job suite: a job that attacks its isolation,
# one attack per case, with the full isolation stack (namespaces, rootfs,
# cgroup, seccomp).  Each case asserts the attack fails and, where it could
# change the host, that the host is unchanged afterwards.  The probe
# (probe.c, static) is uploaded into /work and run as the job.
#
# Needs root (namespaces, mounts, cgroups): exits 77 elsewhere.  Writes no
# value that would harm the host if an attack succeeded (see probe.c), and
# ends only processes it started.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

if test "`id -u`" != 0; then
	echo "1..0 # SKIP the hostile-job suite needs root"
	exit 77
fi
for layer in namespaces rootfs cgroup1 cgroup2 seccomp; do
	if ! test -f "$build/build-plugins/isolation_$layer.so"; then
		echo "1..0 # SKIP isolation/$layer is not built here (configure disabled it or lacked its dependency)"
		exit 77
	fi
done
probe="$build/tests/integration/hostile/probe"
write_config "$TMP/joblet.yml" "isolation:
  stack: [namespaces, rootfs, cgroup, seccomp]
  grace_period: 1s
runtimes:
  dir: $TMP/runtimes"
# The 100-job loop runs the real program even in the valgrind pass (memory is
# checked by the other cases; this one is about what the host is left with).
JOBLET_REAL="$build/joblet"

job() { # [flags] -- command...
	run "$JOBLET" --config "$TMP/joblet.yml" run-local --upload="$probe" "$@"
}

# The whole stack must be usable here, or every case below is meaningless.
job -- /work/probe hostname
if test $rc -ne 0; then
	echo "not ok - the full isolation stack runs a job on this host"
	printf '%s\n' "$err" | sed 's/^/#   /'
	exit 1
fi
ok 'has "job-" "$out"' "the job has its own host name (job-<short id>)"

# ---------------------------------------------------------------- P0 list
job -- /work/probe pids $$
ok 'test $rc -eq 0' "host processes are invisible and cannot be signalled"
printf '%s\n' "$out" | grep '^FAIL' | sed 's/^/# /'

nsargs=
for n in pid mnt uts ipc net cgroup; do
	nsargs="$nsargs $n:`readlink /proc/self/ns/$n | sed 's/.*\[//;s/\]//'`"
done
job -- /work/probe ns $nsargs
ok 'test $rc -eq 0 && test `printf "%s\n" "$out" | grep -c "^ok"` -eq 6' \
	"the job's pid, mnt, uts, ipc, net and cgroup namespaces all differ from the host's"

: >"$TMP/marker"
job -- /work/probe root "$TMP/marker"
ok 'test $rc -eq 0' "the root is the job's own: no .. or chroot escape reaches the host"

job -- /work/probe fds
ok 'test $rc -eq 0' "only fds 0, 1 and 2 reach the job"

job -- /work/probe privs
ok 'test $rc -eq 0' "all capability sets are empty, NoNewPrivs is 1, the uid is not 0"

job -- /work/probe readonly
ok 'test $rc -eq 0' "writes outside /work, /tmp and /dev/shm fail with EROFS; every mount nosuid, nodev, private"

job -- /work/probe procfs
ok 'test $rc -eq 0' "/proc/sysrq-trigger and /proc/sys are unwritable, kernel files masked"

job -- /work/probe dev
ok 'test $rc -eq 0' "/dev holds only the allow-list, mknod fails, no controlling tty"

job -- /work/probe cgroupfs
ok 'test $rc -eq 0' "no cgroupfs is writable or mountable; the job is at the root of its cgroup namespace"

job --max-pids=20 -- /work/probe forkbomb 200
forked=`printf '%s\n' "$out" | sed -n 's/^forked=//p'`
ok 'test $rc -eq 0 && test -n "$forked" && test "$forked" -lt 20' \
	"a fork bomb is stopped by --max-pids=20 (forked $forked of 200)"

job --max-memory=32 -- /work/probe memhog 256
ok 'test $rc -eq 137 && has "out of memory" "$err" && ! has "survived" "$out"' \
	"a memory hog is OOM-killed (exit 137) and reported as out of memory"

job --max-cpu=20 -- /work/probe cpuhog 3
ratio=`printf '%s\n' "$out" | sed -n 's/^cpu_ratio=//p'`
ok 'test $rc -eq 0 && test -n "$ratio" && awk -v r="$ratio" "BEGIN { exit !(r >= 0.16 && r <= 0.24) }"' \
	"a CPU hog at --max-cpu=20 gets 20% of a core, +-20% (measured $ratio)"

mark="joblet-stubborn-$$"
job --timeout=1 -- /work/probe stubborn "$mark"
ok 'test $rc -eq 124 && has "timed out" "$err"' "a timeout is reported as a timeout, exit 124"
# (The bracket keeps grep from finding its own command line.)
left=`grep -l "joblet-stubbor[n]-$$" /proc/[0-9]*/cmdline 2>/dev/null | wc -l`
ok 'test "$left" -eq 0' "a double-forking, SIGTERM-ignoring job leaves no process after its timeout"

# Stop: SIGTERM to run-local asks the shim to stop the job.
mark2="joblet-stop-$$"
"$JOBLET" --config "$TMP/joblet.yml" run-local --upload="$probe" -- /work/probe stubborn "$mark2" \
	>"$TMP/stop.out" 2>"$TMP/stop.err" &
stopper=$!
wait_until 'grep -q started "$TMP/stop.out"'
# Seen from the host, every process of the job is in the job's cgroups (the
# layer placed the first one before it ran anything; its children followed).
placed=yes
nproc=0
for f in `grep -l "joblet-sto[p]-$$" /proc/[0-9]*/cmdline 2>/dev/null`; do
	# The job's processes (not run-local, which names the mark too).
	case `tr '\0' ' ' <"$f" 2>/dev/null` in /work/probe*) ;; *) continue ;; esac
	cg=`cat "${f%/cmdline}/cgroup" 2>/dev/null` || continue
	nproc=`expr $nproc + 1`
	for c in memory pids freezer; do
		printf '%s\n' "$cg" | grep -Eq "^[0-9]+:([a-z,]*,)?$c(,[a-z,]*)?:/joblet/[0-9a-f-]{36}\$" ||
			printf '%s\n' "$cg" | grep -Eq "^0::/joblet.slice/[0-9a-f-]{36}\$" || placed="no ($c: $cg)"
	done
done
ok 'test "$nproc" -ge 3 && test "$placed" = yes' \
	"all $nproc processes of the job are in the job's cgroups, seen from the host ($placed)"
kill -TERM $stopper
wait $stopper
rc=$?
err=`cat "$TMP/stop.err"`
out=`cat "$TMP/stop.out"`
ok 'test $rc -eq 137 && has "stopped on request" "$err"' "a stopped job ends with 137, reported as stopped"
left=`grep -l "joblet-sto[p]-$$" /proc/[0-9]*/cmdline 2>/dev/null | wc -l`
ok 'test "$left" -eq 0' "a double-forking, SIGTERM-ignoring job leaves no process after a stop"

# Network: a listener on the host's loopback and an abstract socket.
port=`expr 20000 + $$ % 20000`
"$probe" listen $port >"$TMP/listen.out" 2>&1 &
listener=$!
wait_until 'grep -q listening "$TMP/listen.out"'
hostip=`hostname -I 2>/dev/null | awk '{print $1}'`
job -- /work/probe net $port $hostip
ok 'test $rc -eq 0' "no network beyond the job's own loopback (host loopback, abstract sockets, $hostip)"
kill $listener 2>/dev/null
wait $listener 2>/dev/null

JOBLET_TEST_SECRET=leak
export JOBLET_TEST_SECRET
job -e FOO=bar -- /work/probe env
got=`printf '%s\n' "$out" | sed 's/=.*//' | sort | tr '\n' ' '`
ok 'test $rc -eq 0 && test "$got" = "FOO HOME JOBLET_JOB_ID PATH " && has "FOO=bar" "$out"' \
	"the environment is exactly the job's: FOO, HOME, JOBLET_JOB_ID, PATH (got: $got)"
unset JOBLET_TEST_SECRET

job -- /work/probe seccomp
ok 'test $rc -eq 0' "namespaces, mount, keyctl, bpf, io_uring, ptrace, clone3, TIOCSTI are refused, through every ABI (syscall, int \$0x80, x32) and past the table"
printf '%s\n' "$out" | grep -E '^FAIL|SKIP' | sed 's/^/# /'

# ---------------------------------------------------------------- runtimes
mkdir -p "$TMP/runtimes/good-1.0.0/bin"
cat >"$TMP/runtimes/good-1.0.0/runtime.yml" <<EOY
name: good
version: "1.0.0"
mounts:
  - {source: bin, target: /opt/good, readonly: true}
environment: {GOOD: "yes"}
EOY
printf '#!/bin/sh\necho "hello from the runtime, GOOD=$GOOD"\n' >"$TMP/runtimes/good-1.0.0/bin/hello"
chmod 755 "$TMP/runtimes/good-1.0.0/bin/hello" "$TMP/runtimes/good-1.0.0/bin"
job --runtime=good -- /opt/good/hello
ok 'test $rc -eq 0 && has "hello from the runtime, GOOD=yes" "$out"' \
	"a runtime's mounts and environment reach the job"
job --runtime=good -- sh -c 'touch /opt/good/x'
ok 'test $rc -ne 0 && has "Read-only file system" "$err"' "a read-only runtime mount stays read-only"

mkdir -p "$TMP/runtimes/evil-1.0.0/tree" "$TMP/runtimes/evil-1.0.0/lib"
ln -s /etc "$TMP/runtimes/evil-1.0.0/tree/rt"
cat >"$TMP/runtimes/evil-1.0.0/runtime.yml" <<EOY
name: evil
version: "1.0.0"
mounts:
  - {source: tree, target: /opt, readonly: false}
  - {source: lib, target: /opt/rt/joblet-planted, readonly: true}
EOY
job --runtime=evil -- true
ok 'test $rc -eq 125 && has "symlink" "$err" && test ! -e /etc/joblet-planted' \
	"a symlink planted in a mount target makes the job fail to start; the host is untouched"

# ---------------------------------------------------------------- the host's disk
# A job that writes far past its --max-disk into /work, into /tmp and into one
# big file gets ENOSPC (or is stopped by RLIMIT_FSIZE), and the filesystem of
# the state folder (usually the host's /) does not fill: it may not lose more
# than a few MiB while the job writes 256 MiB.
free_kib() { df -Pk "$TMP" | awk 'NR == 2 {print $4}'; }
before=`free_kib`
job --max-disk=16 -- sh -c 'df -k /work | tail -1; ulimit -f; dd if=/dev/zero of=/work/fill bs=1M count=256 2>&1 | grep -i "space"; ls -l /work/fill; cp /work/probe /work/probe2 2>&1; echo end'
after=`free_kib`
ok 'has "No space left on device" "$out" && has " 16384 " "$out" && has "32768" "$out" && has end "$out"' \
	"a job writing 256 MiB into a 16 MiB /work gets ENOSPC; /work is 16 MiB and RLIMIT_FSIZE the same"
ok 'test `expr $before - $after` -lt 8192' \
	"the state folder's filesystem lost less than 8 MiB while the job wrote 256 MiB (`expr $before - $after` KiB)"
job -- sh -c 'df -k /work | tail -1'
ok 'test $rc -eq 0 && has " 1048576 " "$out"' "a job without --max-disk gets isolation.max_disk, 1 GiB by default"
head -c 6291456 /dev/zero >"$TMP/six-mib"
job --max-disk=4 --upload="$TMP/six-mib" -- sh -c 'ls -l /work/six-mib && echo uploaded'
ok 'test $rc -eq 125 && has "uploads do not fit into the job" "$err"' \
	"uploads larger than --max-disk are refused at the start, saying so"

# ---------------------------------------------------------------- a stack without a mount namespace
# rootfs alone would build the job's root in the host's mount namespace and
# pivot the host into it: the layer must refuse.  Run inside a throwaway
# mount namespace, so that even a broken guard cannot touch the host's.
write_config "$TMP/nons.yml" "isolation:
  stack: [rootfs]"
before=`awk '{print $5}' /proc/self/mountinfo | sort`
run unshare -m --propagation private "$JOBLET" --config "$TMP/nons.yml" run-local -- true
after=`awk '{print $5}' /proc/self/mountinfo | sort`
ok 'test $rc -eq 125 && has "needs the job to have its own mount namespace" "$err" && test "$before" = "$after"' \
	"rootfs without a mount namespace of the job's own refuses to run (put namespaces first)"

# ---------------------------------------------------------------- recursive read-only binds
# A host path with a mount below it: the submount must be read-only in the
# job too (a bind ignores the flags; each submount is remounted), with the
# new mount API and with the classic one.
# (Not under /tmp, which every job has for itself.)
hostdir=/var/tmp/joblet-hostile-$$
mkdir -p "$hostdir/sub"
if mount -t tmpfs -o size=1m joblet-test "$hostdir/sub"; then
	echo host >"$hostdir/sub/file"
	for api in auto legacy; do
		cat >"$TMP/sub.yml" <<EOY
paths:
  state_dir: $TMP/state
plugins:
  dirs: [$build/build-plugins]
  settings:
    "isolation/rootfs":
      paths: /bin /lib /lib64 /usr /sbin /etc/ssl $hostdir
      mount_api: $api
isolation:
  stack: [namespaces, rootfs, cgroup, seccomp]
EOY
		run "$JOBLET" --config "$TMP/sub.yml" run-local --upload="$probe" -- \
			sh -c "cat $hostdir/sub/file; touch $hostdir/sub/x $hostdir/y; /work/probe readonly"
		ok 'has "host" "$out" && has "$hostdir/sub/x'"'"': Read-only file system" "$err" && has "$hostdir/y'"'"': Read-only file system" "$err" && ! has FAIL "$out"' \
			"a submount of a bound host path is read-only in the job too (mount_api $api)"
	done
	ok 'test ! -e "$hostdir/sub/x" && test ! -e "$hostdir/y"' "the host paths are untouched"
	umount "$hostdir/sub"
	rm -r "$hostdir"
else
	rm -r "$hostdir"
	echo "ok - a submount of a bound host path is read-only # SKIP cannot mount a tmpfs here"
fi

# ---------------------------------------------------------------- the host afterwards
# Other joblets may run jobs on this host meanwhile: count only what this
# test made.  Its jobs get cgroups under a base of their own, and only mounts
# below its folder are compared.
cgbase=joblet-hostile-$$
write_stack_config "$TMP/loop.yml" "$cgbase"
our_mounts() { awk -v t="$TMP" 'index($5, t) == 1 {print $5}' /proc/self/mountinfo | sort | tr '\n' ' '; }
before=`our_mounts`
i=0
failed=0
while test $i -lt 100; do
	"$JOBLET_REAL" --config "$TMP/loop.yml" run-local -- true >/dev/null 2>&1 || failed=`expr $failed + 1`
	i=`expr $i + 1`
done
after=`our_mounts`
ok 'test $failed -eq 0 && test "$before" = "$after"' \
	"no mount of the jobs is left in the host's mount table after 100 jobs ($failed failed)"
jobs_left=`ls "$TMP/state/jobs" 2>/dev/null | wc -l`
ok 'test "$jobs_left" -eq 0' "no job state is left behind"
cg_left=`ls -d /sys/fs/cgroup/*/$cgbase/* /sys/fs/cgroup/$cgbase.slice/* /sys/fs/cgroup/unified/$cgbase.slice/* 2>/dev/null | grep -c -- '-.*-.*-' || true`
ok 'test "$cg_left" -eq 0' "no job cgroup is left behind"
for d in /sys/fs/cgroup/*/$cgbase /sys/fs/cgroup/$cgbase.slice /sys/fs/cgroup/unified/$cgbase.slice; do
	if test -d "$d"; then rmdir "$d" 2>/dev/null || echo "# cannot remove $d"; fi
done
