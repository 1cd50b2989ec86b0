#!/bin/sh
# test_log_cap.sh - a job's log has a cap (--max-log, jobs.max_log): a job
# that prints far past it ends normally and unslowed, the host's log file
# holds at most the cap plus the markers, the marker "log truncated after N
# bytes, M bytes dropped" reaches `rnx job log` (after the end and while
# following), an SSE follower (`event: system`) and run-local, the status
# counts the dropped bytes (API, `rnx job status`) and keeps them across a
# daemon restart, and a job without --max-log gets the configured default.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

command -v certtool >/dev/null 2>&1 || { echo "# certtool not found (gnutls-bin)"; exit 77; }
command -v curl >/dev/null 2>&1 || { echo "# curl not found"; exit 77; }
if test "`id -u`" -ne 0 && test "$no_isolation" != yes; then
	no_isolation=yes
fi
STACK=
test "$no_isolation" = yes && STACK="isolation:
  stack: [none]"
start_daemon "$STACK" || exit 1
RNX_CONFIG=$CERTS/rnx-config-developer.yml
export RNX_CONFIG

MIB=1048576
TOTAL=52428800 # 50 MiB printed by a job under --max-log=1
# A job's output: a second of quiet (for the follower to attach), then 50 MiB of lines.
FLOOD="sleep 1; yes 0123456789abcdef | head -c $TOTAL"

idof() { printf '%s\n' "$1" | sed -n 's/^Job \([0-9a-f-]*\) .*/\1/p'; }
jfield() { # json key: the first integer value of key
	printf '%s\n' "$1" | sed -n "s/^ *\"$2\": \([0-9-]*\).*/\1/p" | head -1
}
state_of() { "$RNX" --json job status "$1" 2>/dev/null | sed -n 's/^ *"state": "\([A-Z_]*\)".*/\1/p' | head -1; }
ended() { case "`state_of $1`" in COMPLETED | FAILED | STOPPED | TIMEOUT | OOM_KILLED) return 0 ;; esac; return 1; }
size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }

# ------------------------------------------------------------------ the built-in default
# No --max-log: jobs.max_log, 64 MiB built in.  70 MiB printed.
run "$RNX" job run -- sh -c "yes | head -c 73400320"
B=`idof "$out"`
_i=0
while test -n "$B" && ! ended "$B" && test $_i -lt 600; do sleep 0.1; _i=`expr $_i + 1`; done
logsize=`size_of "$TMP/state/jobs/$B/log"`
ok 'test "`state_of $B`" = COMPLETED && test "$logsize" -gt 0 && test "$logsize" -le `expr 64 \* $MIB + 1024`' \
	"a job without --max-log that prints 70 MiB leaves at most 64 MiB of log ($logsize bytes)"
run "$RNX" --json job status "$B"
ok 'test "`jfield "$out" max_log`" = 64 && test "`jfield "$out" log_dropped_bytes`" -ge `expr 6 \* $MIB`' \
	"its spec says max_log 64 (jobs.max_log) and its status counts what was dropped"
run "$RNX" job delete "$B"

# ------------------------------------------------------------------ far past --max-log=1
run "$RNX" job run --max-log=1 -- sh -c "$FLOOD"
J=`idof "$out"`
ok 'test -n "$J"' "a job with --max-log=1 that prints 50 MiB is accepted"
test -n "$J" || exit 1
# Followers from the start: SSE with curl, and `rnx job log -f`.
curl -sS -N --max-time 120 --cacert "$CERTS/ca.pem" --cert "$CERTS/client-reader.pem" \
	--key "$CERTS/client-reader-key.pem" "$URL/v1/jobs/$J/logs?follow=1" >"$TMP/sse" 2>&1 &
sse=$!
"$RNX" job log -f "$J" >"$TMP/followed" 2>"$TMP/followed.err" &
follower=$!
t0=`date +%s`
_i=0
while ! ended "$J" && test $_i -lt 600; do sleep 0.1; _i=`expr $_i + 1`; done
t1=`date +%s`
wait $sse
wait $follower
frc=$?
ok 'test "`state_of $J`" = COMPLETED' "the job ends normally (COMPLETED): the cap neither blocks nor stops it"
ok 'test `expr $t1 - $t0` -lt 60' "it is not slowed: 50 MiB past the cap in `expr $t1 - $t0` s"
logsize=`size_of "$TMP/state/jobs/$J/log"`
ok 'test "$logsize" -gt 0 && test "$logsize" -le `expr $MIB + 1024`' \
	"the log file on the host holds at most the cap plus the markers ($logsize bytes)"

run "$RNX" --json job status "$J"
dropped=`jfield "$out" log_dropped_bytes`
ok 'test -n "$dropped" && test "$dropped" -gt `expr $TOTAL - $MIB` && test "$dropped" -lt $TOTAL' \
	"the status counts the dropped bytes (log_dropped_bytes $dropped)"
ok 'test "`jfield "$out" max_log`" = 1' "its spec says max_log 1"
kept=`expr $TOTAL - ${dropped:-0}`
marker="log truncated after $kept bytes, $dropped bytes dropped"
run "$RNX" job status "$J"
ok 'has "$dropped bytes past max_log" "$out" && has "log 1 MiB" "$out"' \
	"rnx job status shows the dropped bytes and the cap"

"$RNX" job log "$J" >"$TMP/logout" 2>"$TMP/logerr"
lrc=$?
ok 'test $lrc -eq 0 && test "`size_of $TMP/logout`" -eq "$kept"' \
	"rnx job log prints the first $kept bytes of the output, no more"
ok 'test "`head -c 17 $TMP/logout`" = "0123456789abcdef"' "it is the first part of the output that is kept"
ok 'grep -q "^joblet: $marker\$" "$TMP/logerr" && ! grep -q "truncated" "$TMP/logout"' \
	"rnx job log shows the final marker on stderr, apart from the job's stdout"
ok 'test $frc -eq 0 && has "joblet: $marker" "`cat $TMP/followed.err`" && test "`size_of $TMP/followed`" -eq "$kept"' \
	"rnx job log -f shows the marker to a follower that was there while it ran"
ok 'grep -q "^event: system" "$TMP/sse" && grep -q "$marker" "$TMP/sse" && grep -q "^event: exit" "$TMP/sse"' \
	"an SSE follower gets the marker as \`event: system\` before \`exit\`"
ok 'test "`grep -c "^event: system" "$TMP/sse"`" -eq 2 && grep -q "the rest is dropped" "$TMP/sse"' \
	"the first marker came when the cap was reached, the final one at the end"
run "$RNX" --json job log "$J"
ok 'printf "%s\n" "$out" | grep -q "\"stream\":\"system\""' "rnx job log --json names the stream \`system\`"

# ------------------------------------------------------------------ the default
run "$RNX" job run -- sh -c 'echo small'
D=`idof "$out"`
_i=0
while ! ended "$D" && test $_i -lt 100; do sleep 0.1; _i=`expr $_i + 1`; done
run "$RNX" job log "$D"
ok 'test $rc -eq 0 && test "$out" = small && ! has "truncated" "$err"' \
	"a job under its cap: output whole, no marker"
run "$RNX" --json job status "$D"
ok 'test "`jfield "$out" max_log`" = 64 && test "`jfield "$out" log_dropped_bytes`" = 0' \
	"a job without --max-log gets jobs.max_log (64 MiB built in), nothing dropped"
kurl developer -X POST -d '{"command":["true"],"max_log":-1}' "$URL/v1/jobs"
ok 'test "$code" = 400 && has "max_log" "$out"' "the API refuses a negative max_log with 400"
kurl developer -X POST -d '{"command":["true"],"max_log":"unlimited"}' "$URL/v1/jobs"
ok 'test "$code" = 400' "the API has no unlimited log"
run "$RNX" job run --max-log=lots -- true
ok 'test $rc -eq 2 && has "--max-log" "$err"' "rnx refuses a max-log that is no size"
run "$RNX" job run --max-log=2MiB -- true
S=`idof "$out"`
run "$RNX" --json job status "$S"
ok 'test "`jfield "$out" max_log`" = 2' "--max-log takes a size (2MiB)"

# ------------------------------------------------------------------ across a restart
stop_daemon TERM
start_daemon "$STACK" || exit 1
run "$RNX" --json job status "$J"
ok 'test "`jfield "$out" log_dropped_bytes`" = "$dropped"' \
	"log_dropped_bytes survives a daemon restart"
# A job that ends while the daemon is down: its count comes from status.json.
run "$RNX" job run --max-log=1 -- sh -c "sleep 2; head -c 3145728 /dev/zero"
R=`idof "$out"`
wait_until 'test "`state_of $R`" = RUNNING'
stop_daemon KILL
wait_until "test -f $TMP/state/jobs/$R/status.json" || sleep 10
start_daemon "$STACK" || exit 1
_i=0
while ! ended "$R" && test $_i -lt 100; do sleep 0.1; _i=`expr $_i + 1`; done
run "$RNX" --json job status "$R"
d2=`jfield "$out" log_dropped_bytes`
ok 'test -n "$d2" && test "$d2" -gt `expr 2 \* $MIB` && test "$d2" -lt 3145728' \
	"a job that ended while the daemon was down has its dropped bytes counted ($d2)"
stop_daemon TERM

# ------------------------------------------------------------------ run-local
write_config "$TMP/local.yml" "$STACK"
"$JOBLET" --config "$TMP/local.yml" run-local --max-log=1 -- sh -c "yes | head -c 10485760" \
	>"$TMP/local.out" 2>"$TMP/local.err" </dev/null
lrc=$?
ok 'test $lrc -eq 0 && test "`size_of $TMP/local.out`" -le $MIB && grep -q "^joblet: log truncated after [0-9]* bytes, [0-9]* bytes dropped" "$TMP/local.err"' \
	"run-local: output cut at --max-log, the marker on stderr"
# jobs.max_log from joblet.yml is the default of a job that gives no --max-log.
write_config "$TMP/local2.yml" "jobs:
  max_log: 1MiB
$STACK"
"$JOBLET" --config "$TMP/local2.yml" run-local -- sh -c "yes | head -c 10485760" \
	>"$TMP/local.out" 2>"$TMP/local.err" </dev/null
lrc=$?
ok 'test $lrc -eq 0 && test "`size_of $TMP/local.out`" -le $MIB && grep -q "^joblet: log truncated after [0-9]* bytes, [0-9]* bytes dropped" "$TMP/local.err"' \
	"run-local: jobs.max_log in joblet.yml caps a job that gives no --max-log"
