#!/bin/sh
# test_scheduler.sh - the scheduler through the daemon and rnx: a job waits
# (PENDING, saying why) until it fits into scheduler.max_running_jobs and
# the CPU budget; a job that can never fit is refused at submission, saying
# why; --cpus=N pins cores no other pinned job holds, inside the job too,
# and gives them back; with scheduler.reserve_cores the other jobs run on
# the other CPUs; a zone-less --schedule is the node's local time;
# a job without limits gets and counts isolation.max_cpu and max_memory;
# the priority policy starts the higher priority first, and a waiting job
# keeps its age across a restart; a recurring job
# (--cron) makes one run per matching minute, once even when the minute
# passed while the daemon was down, and is listed and canceled like a job;
# the secrets (-s) of a recurring and a scheduled job survive the restart
# encrypted, and no file of the state folder or log holds their value.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

command -v certtool >/dev/null 2>&1 || { echo "# certtool not found (gnutls-bin)"; exit 77; }
if test "${JOBLET_TEST_UNDER_VALGRIND:-0}" = 1; then
	echo "# waits for the wall clock (a cron minute): not run under valgrind"
	exit 77
fi
if test "`id -u`" -ne 0 && test "$no_isolation" != yes; then
	no_isolation=yes
fi
NCPU=`getconf _NPROCESSORS_ONLN`
SCHED="scheduler:
  max_running_jobs: 1
  cpu_budget: 100
  cores: 0-$((NCPU - 1))"
start_daemon "$SCHED" || exit 1
RNX_CONFIG=$CERTS/rnx-config-developer.yml
export RNX_CONFIG

idof() { printf '%s\n' "$1" | sed -n 's/^Job \([0-9a-f-]*\) .*/\1/p'; }
field() { # id field: a top-level string or number field of `rnx --json job status`
	"$RNX" --json job status "$1" 2>/dev/null |
		sed -n "s/^  \"$2\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" | head -1
}
state_of() { field "$1" state; }
started_before() { # a b: job a started before job b (both started)
	_sa=`field $1 started`
	_sb=`field $2 started`
	echo "# started: $_sa, $_sb"
	test -n "$_sa" && test -n "$_sb" && expr "$_sa" \< "$_sb" >/dev/null
}
wait_state() { # id state [tenths]
	_i=0
	while test "`state_of $1`" != "$2" && test $_i -lt ${3:-150}; do sleep 0.1; _i=`expr $_i + 1`; done
	test "`state_of $1`" = "$2"
}

# ---------------------------------------------------------------- admission
run "$RNX" job run -- sh -c 'sleep 1.5; echo first'
first=`idof "$out"`
run "$RNX" job run -- echo second
second=`idof "$out"`
ok 'has "PENDING" "$out" && has "waits for a free slot" "$out"' \
	"with max_running_jobs 1 the second job waits, and run says why"
run "$RNX" job status "$second"
ok 'has "State:         PENDING" "$out" && has "Waiting:       waits for a free slot: 1 jobs run" "$out"' \
	"rnx job status shows why it waits"
wait_state "$second" COMPLETED 100
ok 'test $? -eq 0' "it runs once the first has ended"
s1=`field $first ended`
s2=`field $second started`
ok 'test -n "$s1" && test -n "$s2" && ! expr "$s2" \< "$s1" >/dev/null' \
	"... and not before the first ended ($s1 <= $s2)"

if test "$NCPU" -ge 2; then
	run "$RNX" job run --max-cpu=150 -- true
	ok 'test $rc -eq 1 && test "$err" = "rnx: the job needs 150% CPU but the whole CPU budget of this node is 100% (scheduler.cpu_budget); ask for at most that much with --max-cpu or --cpus"' \
		"a job over the whole CPU budget is refused at submission, saying why (the message docs/scheduling.md quotes)"
else
	echo "ok - a job over the whole CPU budget is refused # SKIP one CPU: 150% is out of range there"
fi
run "$RNX" job run --cpus=$((NCPU + 1)) -- true
ok 'test $rc -ne 0 && has "asks for $((NCPU + 1)) exclusive cores" "$err" && has "pin $NCPU" "$err"' \
	"a job asking for more cores than may be pinned is refused, saying why"
run "$RNX" job list
ok '! has "150%" "$out" && test `printf "%s\n" "$out" | grep -c "^[0-9a-f]\{8\}-"` = 2' \
	"refused jobs leave no record"
stop_daemon

# ---------------------------------------------------------------- default limits
# isolation.max_cpu: what a job without --max-cpu gets, and what it counts.
ISO="isolation:
  max_cpu: 60
  max_memory: 64MiB"
test "$no_isolation" = yes && ISO="$ISO
  stack: [none]"
start_daemon "$ISO
scheduler:
  max_running_jobs: 10
  cpu_budget: 100" || exit 1
run "$RNX" job run -- sleep 3
g1=`idof "$out"`
run "$RNX" job status "$g1"
ok 'has "Limits:        cpu 60%, memory 64 MiB," "$out"' \
	"a job that gives no limits gets the node's isolation.max_cpu and max_memory"
run "$RNX" job run -- true
g2=`idof "$out"`
ok 'has "PENDING" "$out" && has "waits for CPU: needs 60%, 40% of the 100% budget is free" "$out"' \
	"... and counts them: a second such job waits for CPU, saying why"
run "$RNX" job run --max-cpu=40 --max-memory=32 -- true
g3=`idof "$out"`
run "$RNX" job status "$g3"
ok 'has "Limits:        cpu 40%, memory 32 MiB," "$out"' "a job that gives its own limits keeps them"
ok 'has "Waiting:       waits its turn behind job $g2, the next in the fifo policy'"'"'s order, which waits for CPU: needs 60%" "$out"' \
	"a job that would fit but waits behind another says which, and for what"
wait_state "$g2" COMPLETED 100
ok 'test $? -eq 0' "the waiting job runs once the first has ended"
wait_state "$g3" COMPLETED 100
stop_daemon
printf 'isolation:\n  max_cpu: 300\nscheduler:\n  cpu_budget: 200\n' >"$TMP/bad.yml"
run "$JOBLET" --config "$TMP/bad.yml" serve
ok 'test $rc -ne 0 && has "isolation.max_cpu (300%) is more than scheduler.cpu_budget (200%)" "$err"' \
	"the daemon refuses a default limit that no budget can hold, saying which"

# ---------------------------------------------------------------- pinning
start_daemon "scheduler:
  max_running_jobs: 10
  cores: 0-$((NCPU - 1))" || exit 1
# The two holders run 5 s: long enough that, on a busy machine too, both
# still hold their cores when the third asks.
run "$RNX" job run --cpus=1 -- sh -c 'grep Cpus_allowed_list /proc/self/status; sleep 5'
a=`idof "$out"`
ok 'has "on cores " "$out"' "a --cpus=1 job is told its core"
run "$RNX" job run --cpus=1 -- sh -c 'grep Cpus_allowed_list /proc/self/status; sleep 5'
b=`idof "$out"`
wait_state "$a" RUNNING
ca=`field $a cores`
cb=`field $b cores`
if test "$NCPU" -ge 2; then
	ok 'test -n "$ca" && test -n "$cb" && test "$ca" != "$cb"' \
		"two --cpus=1 jobs hold different cores ($ca, $cb)"
	run "$RNX" job run --cpus=1 -- true
	c=`idof "$out"`
	ok 'has "PENDING" "$out" && has "waits for cores: needs 1 exclusive cores, 0 of $NCPU are free" "$out"' \
		"a third waits for a core while both are held"
	wait_state "$c" COMPLETED 200
	ok 'test $? -eq 0 && test -n "`field $c cores`"' "... and runs on a core given back"
else
	echo "ok - # SKIP one CPU: two jobs cannot hold different cores"
	echo "ok - # SKIP one CPU"
	echo "ok - # SKIP one CPU"
fi
wait_state "$a" COMPLETED 200
run "$RNX" job log "$a"
if test "$no_isolation" = yes; then
	echo "ok - # SKIP the no-isolation stack sets no cpuset"
else
	ok 'has "Cpus_allowed_list:	$ca" "$out"' "inside the job only its core is allowed ($ca)"
fi
run "$RNX" job status "$a"
ok 'has "Pinned cores:  $ca (held by this job alone)" "$out"' "rnx job status shows the pinned cores"

# A zone-less time is the node's local time: the node runs with TZ from its environment.
later=`date -d '+1 hour' '+%Y-%m-%d %H:%M:%S'`
run "$RNX" job run --schedule="$later" -- true
d=`idof "$out"`
want=`date -u -d "$later" '+%Y-%m-%dT%H:%M:%S'`
ok 'test "`field $d scheduled | cut -c1-19`" = "$want"' \
	"a zone-less --schedule is read in the node's local time ($later = ${want}Z)"
run "$RNX" job list
line=`printf '%s\n' "$out" | grep "^$d"`
ok 'has "START" "$out" && has "SCHEDULED" "$line" && has "  $later  " "$line"' \
	"rnx job list shows when a scheduled job starts, not only when it was made ($line)"
"$RNX" job cancel "$d" >/dev/null 2>&1

# A delay in the words upstream Joblet's documentation uses: `2 minutes` from now.
before=`date -u +%s`
run "$RNX" job run --schedule="2 minutes" -- true
d=`idof "$out"`
at=`date -u -d "\`field $d scheduled\`" +%s 2>/dev/null`
ok 'test -n "$d" && test -n "$at" && test $((at - before)) -ge 119 && test $((at - before)) -le 125' \
	"--schedule='2 minutes' starts the job two minutes from now (in `expr ${at:-0} - $before` s)"
"$RNX" job cancel "$d" >/dev/null 2>&1
stop_daemon

# ---------------------------------------------------------------- reserved cores
# scheduler.reserve_cores: the pinnable CPUs are for --cpus jobs; the rest run elsewhere.
if test "$NCPU" -ge 2 && test "$no_isolation" != yes; then
	start_daemon "scheduler:
  cores: 1-$((NCPU - 1))
  reserve_cores: true" || exit 1
	run "$RNX" job run -- grep Cpus_allowed_list /proc/self/status
	u=`idof "$out"`
	run "$RNX" job run --cpus=1 -- grep Cpus_allowed_list /proc/self/status
	p=`idof "$out"`
	wait_state "$u" COMPLETED 100
	wait_state "$p" COMPLETED 100
	pc=`field $p cores`
	run "$RNX" job log "$u"
	ok 'test "$out" = "Cpus_allowed_list:	0"' \
		"with reserve_cores a job without pinning runs only on the CPUs not kept for --cpus ($out)"
	run "$RNX" job log "$p"
	ok 'test -n "$pc" && test "$pc" != 0 && test "$out" = "Cpus_allowed_list:	$pc"' \
		"... and a --cpus job on a kept one ($pc)"
	run "$RNX" job run --cpu-cores=0-1 -- true
	ok 'test $rc -ne 0 && has "names CPUs that this node keeps for --cpus jobs" "$err"' \
		"--cpu-cores naming a kept CPU is refused, saying which CPUs it may name"
	stop_daemon
else
	echo "ok - # SKIP one CPU, or no cpusets (the no-isolation stack)"
	echo "ok - # SKIP one CPU, or no cpusets"
	echo "ok - # SKIP one CPU, or no cpusets"
fi

# ---------------------------------------------------------------- priority
if test -f "$build/build-plugins/scheduler_priority.so"; then
	# 600 points a minute: 10 a second, so waiting shows within seconds.
	cat >"$TMP/prio.yml" <<EOF
plugins:
  dirs: [$build/build-plugins${EXTRA_PLUGIN_DIRS:-}]
  settings:
    "scheduler/priority":
      aging_per_minute: 600
paths:
  state_dir: $TMP/state-prio
scheduler:
  policy: priority
  max_running_jobs: 1
EOF
	DAEMON_BASE_YML=$TMP/prio.yml start_daemon || exit 1
	run "$RNX" job run -- sleep 1
	blocker=`idof "$out"`
	run "$RNX" job run --priority=10 -- echo low
	low=`idof "$out"`
	run "$RNX" job run --priority=900 -- echo high
	high=`idof "$out"`
	wait_state "$low" COMPLETED 100
	wait_state "$high" COMPLETED 100
	ok 'started_before $high $low' "the priority policy starts the later, higher-priority job first"
	# The age a waiting job gained survives a restart: `old` (0) waits 3 s
	# (30 points) before the daemon dies; `new` (20) comes after the restart.
	run "$RNX" job run -- sleep 6
	blocker=`idof "$out"`
	wait_state "$blocker" RUNNING
	run "$RNX" job run --priority=0 -- echo old
	old=`idof "$out"`
	sleep 3
	stop_daemon KILL
	DAEMON_BASE_YML=$TMP/prio.yml start_daemon || exit 1
	run "$RNX" job run --priority=20 -- echo new
	new=`idof "$out"`
	wait_state "$old" COMPLETED 150
	wait_state "$new" COMPLETED 150
	ok 'started_before $old $new' \
		"a waiting job keeps the priority it gained by waiting across a daemon restart"
	stop_daemon
else
	echo "ok - # SKIP scheduler/priority is not built"
	echo "ok - # SKIP scheduler/priority is not built"
fi

# ---------------------------------------------------------------- cron
start_daemon || exit 1
run "$RNX" job run --cron="0 0 30 2 *" -- true
ok 'test $rc -ne 0 && has "never" "$err"' "a cron expression that never fires is refused"
run "$RNX" job run --cron="*/5 * *" -- true
ok 'test $rc -ne 0 && has "5 fields" "$err"' "a cron expression with 3 fields is refused, saying what it takes"
# Stay clear of a minute boundary, so the first run is at the next minute.
while test "`date +%S`" -ge 50; do sleep 1; done
echo tick >"$TMP/tick.txt"
run "$RNX" job run --cron="* * * * *" --name=every-minute --upload="$TMP/tick.txt" -- cat tick.txt
cron=`idof "$out"`
ok 'has "SCHEDULED (recurring \`* * * * *\`" "$out"' "a cron job is recorded as a recurring SCHEDULED job"
run "$RNX" job list
ok 'has "[cron * * * * *] cat tick.txt" "$out"' "rnx job list shows it with its cron line"
# A secret (-s) of a recurring job and of a scheduled one: both wait across the
# crash below, and their runs see it; no file of the state folder, the store
# (and its WAL) or the daemon's log ever holds it.  The jobs print a digest.
secret=s3cr3t-`od -An -N12 -tx1 /dev/urandom | tr -d ' \n'`
digest=`printf '%s' "$secret" | sha256sum | cut -d' ' -f1`
run "$RNX" job run --cron="* * * * *" -s TOKEN="$secret" -- sh -c 'printf %s "$TOKEN" | sha256sum'
scron=`idof "$out"`
run "$RNX" job run --schedule=5s -s TOKEN="$secret" -- sh -c 'printf %s "$TOKEN" | sha256sum'
ssched=`idof "$out"`
ok 'test -n "$scron" && test -n "$ssched" && ! grep -rqaF "$secret" "$TMP/state" "$DLOG"' \
	"the secret of a waiting job is in no file of the state folder, the store or the log"
ok 'test "`stat -c %a "$TMP/state/jobs/$ssched/secrets.enc"`" = 600 && grep -q "\"TOKEN\":\"\*\*\*\"" "$TMP/state/jobs/$ssched/spec.json"' \
	"... it waits encrypted (secrets.enc, 0600); spec.json names it with ***"
run "$RNX" job status "$ssched"
ok 'has "TOKEN=***" "$out" && ! has "$secret" "$out"' "rnx job status lists the secret's name, not its value"
# The daemon dies before the minute; the run that fell due while it was down is made once.
stop_daemon KILL
next=$(( (`date +%s` / 60 + 1) * 60 ))
while test "`date +%s`" -lt $((next + 2)); do sleep 1; done
start_daemon || exit 1
i=0
while test "`field $cron runs`" != 1 && test $i -lt 100; do sleep 0.1; i=$((i + 1)); done
ok 'test "`field $cron runs`" = 1' "the run due while the daemon was down is made once, at its start"
run "$RNX" --json job list
child=`printf '%s\n' "$out" | awk -v p="\"parent\": \"$cron\"" '/^    "id": / { id = $2 } index($0, p) { gsub(/[",]/, "", id); print id; exit }'`
wait_state "$child" COMPLETED 100
ok 'test $? -eq 0' "the run is a job of its own that completes"
run "$RNX" job log "$child"
ok 'test "$out" = tick' "the run's log is its output, from the file uploaded with the recurring job"
run "$RNX" job status "$child"
ok 'has "Made by:       $cron" "$out"' "the run names the recurring job that made it"
run "$RNX" job status "$cron"
ok 'has "Cron:          * * * * * (local time of the node; 1 runs made)" "$out" && has "Next run:" "$out"' \
	"the recurring job shows its cron line, runs and next run"
run "$RNX" job cancel "$cron"
ok 'test $rc -eq 0 && has "CANCELED" "$out"' "a recurring job is canceled like a job"
ok 'test "`state_of $cron`" = CANCELED && test "`field $cron runs`" = 1' "... and makes no more runs"
# The secret jobs of before the crash: the run of the recurring one and the
# scheduled one got their secret from the encrypted copy.
wait_state "$ssched" COMPLETED 100
run "$RNX" job log "$ssched"
ok 'test "$out" = "$digest  -"' "a scheduled job that waited across a restart sees its secret"
run "$RNX" --json job list
schild=`printf '%s\n' "$out" | awk -v p="\"parent\": \"$scron\"" '/^    "id": / { id = $2 } index($0, p) { gsub(/[",]/, "", id); print id; exit }'`
wait_state "$schild" COMPLETED 100
run "$RNX" job log "$schild"
ok 'test -n "$schild" && test "$out" = "$digest  -"' "the run of a recurring job with a secret sees it"
ok 'test ! -e "$TMP/state/jobs/$ssched/secrets.enc" && test ! -e "$TMP/state/jobs/$schild/secrets.enc" && test -f "$TMP/state/jobs/$scron/secrets.enc"' \
	"a started job's encrypted secrets are gone; the recurring job keeps its own"
run "$RNX" job cancel "$scron"
ok 'test $rc -eq 0 && test ! -e "$TMP/state/jobs/$scron/secrets.enc"' "... until it is canceled"
ok '! grep -rqaF "$secret" "$TMP/state" "$DLOG"' \
	"after the runs, the secret is still in no file of the state folder, the store or the log"
# (jobs/.results-ns/mnt is the results namespace's pin, an nsfs mount: no content.)
wide=`find "$TMP/state" -type f -perm /077 ! -path "*/work/*" ! -path "$TMP/state/jobs/.results-ns/mnt" | sed "s|^$TMP/state/||"`
ok 'test -z "$wide"' "every file of the state folder is 0600, but the jobs' own in their /work${wide:+; wider: }`echo $wide`"
stop_daemon
