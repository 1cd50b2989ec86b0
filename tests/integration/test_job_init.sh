#!/bin/sh
# test_job_init.sh - the job's PID 1 is joblet's init (core/shim/init.c),
# with the full isolation stack: a stop reaches a command that has no
# SIGTERM handler at once, orphans are reaped, a job that traps SIGTERM
# still gets its grace period, the job's status is its command's, and the
# job dies with its supervisor (the parent-death signal survives the switch
# to the job's user).
#
# Needs root (namespaces, mounts, cgroups): exits 77 elsewhere.  Its jobs'
# cgroups go under a base of its own; it ends only processes it started.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

if test "`id -u`" != 0 || test "$no_isolation" = yes; then
	echo "1..0 # SKIP needs root and the isolation plugins"
	exit 77
fi
cgbase=joblet-init-$$
write_stack_config "$TMP/joblet.yml" "$cgbase" "  grace_period: 5s"
now_ms() { echo $((`date +%s%N` / 1000000)); }
# The job folder of the one job running under $TMP/state, its lock line's pids.
job_dir() { ls -d "$TMP"/state/jobs/* 2>/dev/null | head -1; }
shim_pid() { cut -d' ' -f1 "`job_dir`/lock" 2>/dev/null; }
init_pid() { cut -d' ' -f2 -s "`job_dir`/lock" 2>/dev/null; }
# Start run-local in the background with its output in $TMP/bg.out/.err; $bg is its pid.
bg() {
	"$JOBLET" --config "$TMP/joblet.yml" run-local "$@" >"$TMP/bg.out" 2>"$TMP/bg.err" &
	bg=$!
}

run "$JOBLET" --config "$TMP/joblet.yml" run-local -- sh -c 'echo ppid=$PPID pid=$$; tr "\0" " " </proc/1/cmdline'
ok 'test $rc -eq 0 && has "ppid=1 pid=2" "$out" && has "joblet-init" "$out" && ! has "$TMP" "$out"' \
	"the job's command is pid 2, the child of joblet-init (pid 1), which shows no host path"

# ---------------------------------------------------------------- a stop is at once
bg -- sleep 100
wait_until 'test -n "`init_pid`"'
sleep 0.5
t0=`now_ms`
kill -TERM $bg
wait $bg
rc=$?
took=`expr \`now_ms\` - $t0`
err=`cat "$TMP/bg.err"`
ok 'test $rc -eq 143 && has "stopped on request" "$err" && test $took -lt 1000' \
	"stopping \`sleep 100\` (no SIGTERM handler) takes ${took} ms, not the 5 s grace period; exit 143"

# ---------------------------------------------------------------- a job that traps SIGTERM
bg -- sh -c 'trap "sleep 2; echo graceful; exit 0" TERM; echo ready; while :; do sleep 1; done'
wait_until 'grep -q ready "$TMP/bg.out"'
t0=`now_ms`
kill -TERM $bg
wait $bg
rc=$?
took=`expr \`now_ms\` - $t0`
out=`cat "$TMP/bg.out"`
err=`cat "$TMP/bg.err"`
ok 'test $rc -eq 0 && has graceful "$out" && has "stopped on request" "$err" && test $took -ge 1900' \
	"a job that traps SIGTERM gets it once and finishes its handler in its grace period (${took} ms, exit 0)"

# ---------------------------------------------------------------- orphans are reaped
# 200 orphans that end after their parent became \`sleep\` (which reaps no one).
bg -- sh -c 'i=0; while test $i -lt 200; do (sleep 1 &); i=$((i+1)); done; echo forked; exec sleep 30'
wait_until 'grep -q forked "$TMP/bg.out"'
ipid=`init_pid`
ns=`readlink /proc/$ipid/ns/pid`
sleep 2
zombies=0
procs=0
for p in /proc/[0-9]*; do
	test "`readlink $p/ns/pid 2>/dev/null`" = "$ns" || continue
	procs=`expr $procs + 1`
	state=`sed 's/.*) \(.\).*/\1/' $p/stat 2>/dev/null`
	test "$state" = Z && zombies=`expr $zombies + 1`
done
ok 'test -n "$ns" && test $zombies -eq 0 && test $procs -eq 2' \
	"200 orphans of a job that reaps nothing leave no zombie ($zombies zombies, $procs processes in its pid namespace)"
kill -TERM $bg
wait $bg

# ---------------------------------------------------------------- the job's status is its own
run "$JOBLET" --config "$TMP/joblet.yml" run-local -- sh -c 'exit 3'
ok 'test $rc -eq 3' "the job's exit code comes through init (3)"
run "$JOBLET" --config "$TMP/joblet.yml" run-local -- sh -c 'kill -TERM $$'
ok 'test $rc -eq 143 && has "killed by signal 15" "$err"' "a job killed by a signal is reported as killed by it, not as an exit code"
run "$JOBLET" --config "$TMP/joblet.yml" run-local --timeout=1 -- sleep 30
ok 'test $rc -eq 124 && has "timed out" "$err"' "a timeout still ends the job as a timeout (124)"

# ---------------------------------------------------------------- the job dies with its supervisor
rm -rf "$TMP/state/jobs"
bg -- sh -c 'echo started; exec sleep 60'
wait_until 'grep -q started "$TMP/bg.out" && test -n "`init_pid`"'
spid=`shim_pid`
ipid=`init_pid`
dir=`job_dir`
# run-local first (the shim outlives it), then the shim: no one is left to stop the job.
kill -KILL $bg
wait $bg 2>/dev/null
kill -KILL "$spid"
wait_until '! kill -0 $ipid 2>/dev/null'
gone=$?
ok 'test -n "$ipid" && test $gone -eq 0' \
	"SIGKILL to the job's supervisor ends the job (the parent-death signal is set after setresuid)"
if kill -0 "$ipid" 2>/dev/null; then
	kill -KILL "$ipid"
fi
# The cgroups and mounts the dead shim left.
"$build/joblet-shim" --config "$TMP/joblet.yml" --reap "$dir" >/dev/null 2>&1
rm -rf "$TMP/state/jobs"

# ---------------------------------------------------------------- through the API
DAEMON_BASE_YML=$TMP/joblet.yml
start_daemon || exit 1
jid() { printf '%s' "$out" | sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p' | head -1; }
state_of() { kurl admin "$URL/v1/jobs/$1"; printf '%s' "$out" | sed -n 's/.*"state":"\([A-Z_]*\)".*/\1/p' | head -1; }
kurl admin -X POST -d '{"command":["sleep","100"]}' "$URL/v1/jobs"
J=`jid`
wait_until 'test "`state_of $J`" = RUNNING'
sleep 0.5
t0=`now_ms`
kurl admin -X POST "$URL/v1/jobs/$J/stop"
wait_until 'test "`state_of $J`" = STOPPED'
took=`expr \`now_ms\` - $t0`
kurl admin "$URL/v1/jobs/$J"
ok 'has "\"state\":\"STOPPED\"" "$out" && has "stopped on request" "$out" && test $took -lt 2000' \
	"the API's stop of \`sleep 100\` ends STOPPED in ${took} ms (polled over HTTPS), not 5 s"
stop_daemon

for d in /sys/fs/cgroup/*/$cgbase /sys/fs/cgroup/$cgbase.slice /sys/fs/cgroup/unified/$cgbase.slice; do
	if test -d "$d"; then rmdir "$d" 2>/dev/null || echo "# cannot remove $d"; fi
done
