#!/bin/sh
# test_warm_pool.sh - jobs.warm_pool: standby supervisors the daemon starts
# ahead of jobs (their configuration and plugins loaded).  Each takes one
# job and never a second: a dozen jobs, several at once, each see
# namespaces of their own and have a supervisor of their own; the pool
# refills; a standby that waited through a change of joblet.yml runs its
# job with the file as it is then; a stopped daemon leaves no standby.
#
# Needs root (the isolation stack): exits 77 elsewhere.  Its jobs' cgroups
# go under a base of its own; it ends only processes it started.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

if test "`id -u`" != 0 || test "$no_isolation" = yes; then
	echo "1..0 # SKIP needs root and the isolation plugins"
	exit 77
fi
cgbase=joblet-pool-$$
write_stack_config "$TMP/joblet.yml" "$cgbase" "jobs:
  warm_pool: 3"
if ! DAEMON_BASE_YML="$TMP/joblet.yml" start_daemon; then
	echo "Bail out! the daemon did not start"
	exit 1
fi
# The daemon's standby supervisors now.
standbys() { pgrep -P $DAEMON_PID -f -- 'joblet-shim.* --standby' | wc -l; }
metric() { kurl reader "$URL/metrics"; printf '%s\n' "$out" | awk -v m="$1" '$1 == m { print $2 }'; }

wait_until 'test `standbys` -eq 3'
ok 'test `standbys` -eq 3 && test "`metric joblet_warm_pool_ready`" = 3' \
	"the daemon keeps 3 standby supervisors ready (jobs.warm_pool: 3)"

# ---------------------------------------------------------------- scheduling
# A standby prepares on idle CPU time only (SCHED_IDLE: policy 5, field 41
# of /proc/PID/stat), so that the pool's refills do not slow the jobs that
# run; the job it is given, and its supervisor, are scheduled as every
# other process (SCHED_OTHER: 0).
policy() { awk '{ print $41 }' "/proc/$1/stat" 2>/dev/null; }
policies=`for p in \`pgrep -P $DAEMON_PID -f -- 'joblet-shim.* --standby'\`; do policy $p; done | sort -u | tr '\n' ' '`
ok 'test "$policies" = "5 "' "standby supervisors wait with SCHED_IDLE (policies: $policies)"
before=`metric joblet_warm_pool_claimed_total`
kurl developer -X POST -d '{"command":["sh","-c","cat /proc/self/stat; sleep 2"]}' "$URL/v1/jobs"
J=`jid`
wait_state $J RUNNING
shim_policy=`policy "\`cut -d' ' -f1 "$TMP/state/jobs/$J/lock"\`"`
wait_state $J COMPLETED
kurl reader "$URL/v1/jobs/$J/logs?coalesce=0"
job_policy=`printf '%s\n' "$out" | sed -n 's/^data: {"ts":[0-9]*,"data":"\(.*\)"}$/\1/p' | awk '{ print $41 }' | head -1`
claimed=`metric joblet_warm_pool_claimed_total`
ok 'test "$claimed" -gt "$before" && test "$shim_policy" = 0 && test "$job_policy" = 0' \
	"a job a standby takes runs with SCHED_OTHER, and so does its supervisor (job $job_policy, supervisor $shim_policy)"
wait_until 'test `standbys` -eq 3'

# ---------------------------------------------------------------- one job each
# Each job prints the identity of its namespaces and stays 10 s, so all
# twelve live at once (the kernel reuses a namespace's number once it is
# gone: only namespaces alive together can be told apart by it).
job='{"command":["sh","-c","for n in pid mnt net ipc uts cgroup; do readlink /proc/self/ns/$n; done; sleep 10"]}'
ids=
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do
	kurl developer -X POST -d "$job" "$URL/v1/jobs"
	ids="$ids `jid`"
done
running=0
for id in $ids; do
	wait_state $id RUNNING && running=`expr $running + 1`
done
ok 'test $running -eq 12' "12 jobs run at once ($running running)"
all=0
for id in $ids; do
	wait_state $id COMPLETED && all=`expr $all + 1`
done
ok 'test $all -eq 12' "... and complete ($all)"
: >"$TMP/ns"
: >"$TMP/shims"
for id in $ids; do
	kurl reader "$URL/v1/jobs/$id/logs?coalesce=0"
	printf '%s\n' "$out" | sed -n 's/^data: {"ts":[0-9]*,"data":"\(.*\)"}$/\1/p' | sed 's/\\n/\n/g' |
		grep ':\[' >>"$TMP/ns"
	cut -d' ' -f1 "$TMP/state/jobs/$id/lock" >>"$TMP/shims"
done
ok 'test `wc -l <"$TMP/ns"` -eq 72 && test `sort "$TMP/ns" | uniq -d | wc -l` -eq 0' \
	"every job's pid, mount, network, IPC, UTS and cgroup namespaces are its own (`wc -l <"$TMP/ns"` namespaces, `sort "$TMP/ns" | uniq -d | tr "\\n" " "` shared)"
ok 'test `wc -l <"$TMP/shims"` -eq 12 && test `sort "$TMP/shims" | uniq -d | wc -l` -eq 0' \
	"every job had a supervisor of its own: a standby takes one job, never a second"
claimed=`metric joblet_warm_pool_claimed_total`
ok 'test -n "$claimed" && test "$claimed" -ge 3' "standbys started jobs ($claimed of 12; the others when the pool was empty)"
wait_until 'test `standbys` -eq 3'
ok 'test `standbys` -eq 3' "the pool refills to 3"

# ---------------------------------------------------------------- the file changed
# The shims read the daemon's joblet.yml: a standby that waited through a
# change starts over, so its job sees the file as it is now.
sed -i 's/^  level: .*/  level: debug/' "$TMP/daemon.yml"
grep -q '^logging:' "$TMP/daemon.yml" || printf 'logging:\n  level: debug\n' >>"$TMP/daemon.yml"
kurl developer -X POST -d '{"command":["true"]}' "$URL/v1/jobs"
J=`jid`
wait_state $J COMPLETED
ok 'grep -q " debug " "$TMP/state/jobs/$J/shim.log"' \
	"a standby that waited through a change of joblet.yml runs its job with the file as it is now"

# ---------------------------------------------------------------- stop
pids=`pgrep -P $DAEMON_PID -f -- 'joblet-shim.* --standby' | tr '\n' ' '`
stop_daemon
left=0
for p in $pids; do
	kill -0 $p 2>/dev/null && left=`expr $left + 1`
done
ok 'test -n "$pids" && test $left -eq 0' "a stopped daemon leaves no standby behind ($left of `echo $pids | wc -w` left)"
ok 'test "$DAEMON_STATUS" = 0' "the daemon stops with status 0"

for d in /sys/fs/cgroup/*/$cgbase /sys/fs/cgroup/$cgbase.slice /sys/fs/cgroup/unified/$cgbase.slice; do
	if test -d "$d"; then rmdir "$d" 2>/dev/null || echo "# cannot remove $d"; fi
done
