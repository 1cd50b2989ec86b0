#!/bin/sh
# test_run_local.sh - `joblet run-local` and the executor under it (spec
# checks, joblet-shim, the framed log, status and exit codes) with the
# isolation/none layer, so it runs without root.  The isolation layers are
# tested by hostile/test_hostile.sh.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

write_config "$TMP/joblet.yml" "isolation:
  stack: [none]
  grace_period: 1s"
rl() { run "$JOBLET" --config "$TMP/joblet.yml" run-local "$@"; }
jobs_left() { ls "$TMP/state/jobs" 2>/dev/null | wc -l; }

rl -- sh -c 'echo to-out; echo to-err >&2; exit 3'
ok 'test $rc -eq 3 && test "$out" = to-out && test "$err" = to-err' \
	"stdout and stderr reach their own streams; the job's exit code is ours"
ok 'test `jobs_left` -eq 0' "the job's state folder is removed afterwards"

rl -- true
ok 'test $rc -eq 0 && test -z "$out$err"' "a quiet job prints nothing"

# Every byte, in order, also when the job dies abruptly right after writing.
seq 1 200000 >"$TMP/expect"
rl -- sh -c 'seq 1 200000; kill -9 $$'
printf '%s\n' "$out" >"$TMP/got"
ok 'test $rc -eq 137 && cmp -s "$TMP/expect" "$TMP/got" && has "killed by signal 9" "$err"' \
	"1.2 MB written just before a SIGKILL all arrive, in order; exit 137"

rl --timeout=1 -- sleep 30
ok 'test $rc -eq 124 && has "timed out after 1s" "$err"' "a timeout ends the job with 124 and says so"

rl -- /nonexistent/program
ok 'test $rc -eq 125 && has "did not start: cannot execute" "$err" && has "/nonexistent/program" "$err"' \
	"a missing program is reported as a start failure (125)"
rl -- no-such-command-anywhere
ok 'test $rc -eq 125 && has "searched PATH=" "$err"' "a command not on PATH says which PATH was searched"

# Refused before anything is created.
for bad in --max-cpu=-5 --max-memory=lots --cpu-cores=0-4095 --max-pids=-1 --workdir=work \
	--workdir=/work/../etc -e1BAD=x --runtime=nope --upload=/nonexistent/x --network=bridge; do
	rl "$bad" -- true
	ok 'test $rc -ne 0 && test $rc -le 2 && test `jobs_left` -eq 0 && test -n "$err"' \
		"$bad is refused before anything is created: `printf '%s' "$err" | head -1`"
done
rl
ok 'test $rc -eq 2 && has "no command given" "$err"' "run-local without a command is a usage error"

# The node's ceilings (isolation.ceiling.*, shipped values) refuse larger requests, naming them.
rl --timeout=2d -- true
ok 'test $rc -eq 1 && has "timeout 172800 s is above this node'"'"'s ceiling isolation.ceiling.timeout = 86400 s" "$err" && test `jobs_left` -eq 0' \
	"--timeout above isolation.ceiling.timeout is refused, naming the ceiling"
rl --max-memory=unlimited -- true
ok 'test $rc -eq 1 && has "max_memory unlimited is above this node'"'"'s ceiling isolation.ceiling.memory" "$err"' \
	"--max-memory=unlimited under a finite ceiling is refused"
rl --max-pids=4194304 -- true
ok 'test $rc -eq 1 && has "1 to 32768" "$err"' "--max-pids=4194304 is refused (at most 32768)"

# Environment: exactly the job's.
JOBLET_TEST_SECRET=leak
export JOBLET_TEST_SECRET
rl -e FOO=bar -e PATH=/bin:/usr/bin -- env
got=`printf '%s\n' "$out" | sed 's/=.*//' | sort | tr '\n' ' '`
ok 'test $rc -eq 0 && test "$got" = "FOO HOME JOBLET_JOB_ID PATH " && has "PATH=/bin:/usr/bin" "$out" && ! has leak "$out"' \
	"the job's environment is its own (got: $got)"
unset JOBLET_TEST_SECRET

# Uploads land in /work (with isolation/none: the job's folder, its cwd).
mkdir -p "$TMP/up/sub"
echo payload >"$TMP/up/sub/data.txt"
echo single >"$TMP/file.txt"
rl --upload="$TMP/up" --upload="$TMP/file.txt" -- sh -c 'cat up/sub/data.txt file.txt'
ok 'test $rc -eq 0 && test "$out" = "payload
single"' "uploaded files and folders are in the job's working folder"

# --keep: the state stays, with the log, the spec and the status.
rl --keep -- sh -c 'echo kept; exit 4'
dir=`printf '%s\n' "$err" | sed -n 's/.*kept in //p'`
ok 'test $rc -eq 4 && test -f "$dir/status.json" && test -f "$dir/spec.json" && test -s "$dir/log" && grep -q "\"exit_code\":4" "$dir/status.json"' \
	"--keep keeps the log, spec and status.json (exit_code 4)"
rm -rf "$TMP/state/jobs"

# A secret reaches the job's environment and never a file: its folder
# (kept), whatever the umask, holds only its name.  The job prints a digest,
# never the value; the command line does not hold it either.
secret=s3cr3t-`od -An -N12 -tx1 /dev/urandom | tr -d ' \n'`
digest=`printf '%s' "$secret" | sha256sum | cut -d' ' -f1`
(umask 0; "$JOBLET" --config "$TMP/joblet.yml" run-local --keep -s TOKEN="$secret" -e PLAIN=1 -- \
	sh -c 'printf %s "$TOKEN" | sha256sum; sleep 0.5') >"$TMP/.out" 2>"$TMP/.err"
rc=$?
out=`cat "$TMP/.out"`
err=`cat "$TMP/.err"`
dir=`printf '%s\n' "$err" | sed -n 's/.*kept in //p'`
ok 'test $rc -eq 0 && has "$digest" "$out"' "a secret (-s) is in the job's environment"
ok 'test -f "$dir/spec.json" && grep -q "\"TOKEN\":\"\*\*\*\"" "$dir/spec.json" && ! grep -rqaF "$secret" "$TMP/state"' \
	"... and in no file of the state folder: spec.json names it with ***"
ok 'test -z "`find "$TMP/state/jobs" -type f -perm /077`"' "the job's files are 0600, whatever the umask"
rm -rf "$TMP/state/jobs"

# A closed stdout does not cost the job or its status.
"$JOBLET" --config "$TMP/joblet.yml" run-local -- sh -c 'seq 1 100000; exit 5' >&- 2>/dev/null
rc=$?
ok 'test $rc -eq 5' "with stdout closed the job still runs to its end and its code comes back"

# Ctrl-C: the job is stopped through its shim.
"$JOBLET" --config "$TMP/joblet.yml" run-local -- sh -c 'echo started; exec sleep 30' \
	>"$TMP/int.out" 2>"$TMP/int.err" &
pid=$!
wait_until 'grep -q started "$TMP/int.out"'
kill -INT $pid
wait $pid
rc=$?
err=`cat "$TMP/int.err"`
ok 'test $rc -eq 143 && has "stopped on request" "$err" && test `jobs_left` -eq 0' \
	"SIGINT stops the job (SIGTERM, exit 143) and cleans up"

# Output reaches run-local while the job runs: the shim rings its --notify
# pipe.  No inotify: closing one that has a watch waits for an SRCU grace
# period (16 ms here), and every run-local would end with that wait.
"$JOBLET" --config "$TMP/joblet.yml" run-local -- sh -c 'echo first; sleep 3; echo second' \
	>"$TMP/live.out" 2>&1 &
pid=$!
wait_until 'grep -q first "$TMP/live.out"'
early=`cat "$TMP/live.out"`
inotify=`ls -l /proc/$pid/fd 2>/dev/null | grep -c inotify`
wait $pid
ok 'test "$early" = first && test "$inotify" -eq 0' \
	"a job's output reaches run-local while the job runs, and run-local holds no inotify fd ($inotify)"

# The supervisor outlives whoever started it: SIGKILL run-local mid-job.
rm -rf "$TMP/state/jobs"
"$JOBLET" --config "$TMP/joblet.yml" run-local -- sh -c 'echo begun; sleep 1; echo finished' \
	>"$TMP/orphan.out" 2>&1 &
pid=$!
wait_until 'grep -q begun "$TMP/orphan.out"'
kill -KILL $pid
wait $pid 2>/dev/null
dir=`ls -d "$TMP"/state/jobs/* 2>/dev/null | head -1`
wait_until 'test -f "$dir/status.json"'
ok 'test -n "$dir" && grep -q "\"exit_code\":0" "$dir/status.json" && grep -q finished "$dir/log"' \
	"the job runs to its end and is recorded when run-local is killed"
rm -rf "$TMP/state/jobs"

# A second shim for the same job is refused (a job runs once).
rl --keep -- true
dir=`printf '%s\n' "$err" | sed -n 's/.*kept in //p'`
run "$build/joblet-shim" --config "$TMP/joblet.yml" "$dir"
ok 'test $rc -eq 1 && has "has already run" "$err"' "a job's supervisor runs once; a second is refused"
run "$build/joblet-shim"
ok 'test $rc -eq 2 && has "usage: joblet-shim" "$err"' "joblet-shim without a job folder shows its usage"
