#!/bin/sh
# test_job_uid.sh - every running job has a host uid and gid of its own,
# from isolation.uid_range (core/shim/uid.c): two jobs at once differ, a
# host process running as nobody (65534, the uid every job shared before)
# cannot read a job's environment, /work and its uploads are the job's,
# and a range that meets a host account is refused.
#
# Needs root (the shim takes the uids in /run/joblet/uids): exits 77
# elsewhere.  Its jobs' cgroups go under a base of its own; it ends only
# processes it started.  Its range is one no other joblet's default uses.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

if test "`id -u`" != 0 || test "$no_isolation" = yes; then
	echo "1..0 # SKIP needs root and the isolation plugins"
	exit 77
fi
if ! command -v setpriv >/dev/null 2>&1; then
	echo "1..0 # SKIP setpriv not found (Debian package util-linux)"
	exit 77
fi
cgbase=joblet-uid-$$
first=`expr 400000 + $$ % 1000 \* 100`
last=`expr $first + 99`
write_stack_config "$TMP/joblet.yml" "$cgbase" "  uid_range: $first-$last
  grace_period: 1s
scheduler:
  max_running_jobs: 10"
# The job's command: the child of the init its lock file names.
job_pid() { # job folder
	_init=`cut -d' ' -f2 -s "$1/lock" 2>/dev/null`
	test -n "$_init" && cat /proc/$_init/task/$_init/children 2>/dev/null | cut -d' ' -f1
}
uid_of() { awk '/^Uid:/ {print $2}' /proc/$1/status 2>/dev/null; }
gid_of() { awk '/^Gid:/ {print $2}' /proc/$1/status 2>/dev/null; }

# Two jobs at once, each with a secret in its environment.
for n in 1 2; do
	"$JOBLET" --config "$TMP/joblet.yml" run-local -e TOKEN=secret-$n-$$ -- \
		sh -c 'echo started; exec sleep 30' >"$TMP/job$n.out" 2>&1 &
	eval bg$n=\$!
	wait_until "grep -q started '$TMP/job$n.out'"
done
pids=
for d in "$TMP"/state/jobs/*; do
	wait_until "test -n \"\`job_pid $d\`\""
	pids="$pids `job_pid $d`"
done
set -- $pids
p1=${1:-0}
p2=${2:-0}
u1=`uid_of $p1`
u2=`uid_of $p2`
g1=`gid_of $p1`
ok 'test -n "$u1" && test -n "$u2" && test "$u1" != "$u2" && test "$u1" -ge $first && test "$u1" -le $last && test "$u2" -ge $first && test "$u2" -le $last && test "$g1" = "$u1"' \
	"two running jobs run as different host uids of isolation.uid_range ($u1 and $u2, gid $g1)"
ok 'test -f "/run/joblet/uids/$u1" && test -f "/run/joblet/uids/$u2"' "each uid is held by a lock in /run/joblet/uids"
run setpriv --reuid=65534 --regid=65534 --clear-groups cat /proc/$p1/environ
ok 'test $p1 -gt 0 && test $rc -ne 0 && ! has "secret-1-$$" "$out"' \
	"a host process running as nobody (65534) cannot read a job's environment"
run setpriv --reuid=65534 --regid=65534 --clear-groups kill -0 $p1
ok 'test $p1 -gt 0 && test $rc -ne 0' "... nor signal the job"
run setpriv --reuid=${u2:-1} --regid=${u2:-1} --clear-groups cat /proc/$p1/environ
ok 'test $p1 -gt 0 && test $rc -ne 0 && ! has "secret-1-$$" "$out"' "... and neither can the other job's uid"
kill -TERM $bg1 $bg2
wait $bg1 $bg2

# A uid is free again once its job ended: the next job gets the lowest.
run "$JOBLET" --config "$TMP/joblet.yml" run-local -- id -u
ok 'test $rc -eq 0 && test "$out" = "$first"' "an ended job's uid is free again (the next job got $out)"

# /work and what was uploaded into it are the job's; links in uploads are not followed.
mkdir -p "$TMP/up/sub"
echo data >"$TMP/up/sub/file"
ln -s /etc/hostname "$TMP/up/link"
before=`stat -c %u:%g /etc/hostname`
run "$JOBLET" --config "$TMP/joblet.yml" run-local --upload="$TMP/up" -- \
	sh -c 'id -u; stat -c "%u %n" /work /work/up /work/up/sub /work/up/sub/file; echo more >>/work/up/sub/file && echo writable'
me=`printf '%s\n' "$out" | head -1`
others=`printf '%s\n' "$out" | sed -n '2,5p' | awk -v u="$me" '$1 != u' | wc -l`
ok 'test $rc -eq 0 && test "$others" -eq 0 && has writable "$out" && test "`stat -c %u:%g /etc/hostname`" = "$before"' \
	"/work and the uploads in it belong to the job's uid ($me); a link in them was not followed"

# Configurations that would share a uid are refused.
printf 'paths:\n  state_dir: %s/state\nisolation:\n  uid: 65534\n' "$TMP" >"$TMP/old.yml"
run "$JOBLET" --config "$TMP/old.yml" run-local -- true
ok 'test $rc -ne 0 && has "isolation.uid" "$err" && has "uid_range" "$err"' \
	"isolation.uid (one uid for every job) is refused, naming isolation.uid_range"
printf 'paths:\n  state_dir: %s/state\nisolation:\n  uid_range: 65000-66000\n' "$TMP" >"$TMP/nobody.yml"
run "$JOBLET" --config "$TMP/nobody.yml" run-local -- true
ok 'test $rc -ne 0 && has "holds 65534" "$err" && has "/etc/passwd" "$err"' \
	"a uid_range holding a host account (nobody) is refused"

for d in /sys/fs/cgroup/*/$cgbase /sys/fs/cgroup/$cgbase.slice /sys/fs/cgroup/unified/$cgbase.slice; do
	if test -d "$d"; then rmdir "$d" 2>/dev/null || echo "# cannot remove $d"; fi
done
# The lock files of this test's range (no job of it runs any more).
u=$first
while test $u -le $last; do
	rm -f "/run/joblet/uids/$u"
	u=`expr $u + 1`
done
