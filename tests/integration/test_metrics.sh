#!/bin/sh
# test_metrics.sh - metrics over time and node monitoring through the
# daemon (docs/metrics.md), with jobs.metrics_interval 1s: a job that burns
# CPU and grows its memory gets samples whose CPU% matches the CPU time it
# burned and whose memory grows; the series goes on through a daemon
# restart (kill -9) with no gap; `rnx job metrics -f` follows it live and
# reconnects across the restart with no gap or duplicate; Last-Event-ID
# resumes exactly after the sample it names; owner rules (another
# developer 404, a reader allowed); monitor status/top against /proc; and
# /metrics still parses as Prometheus text with the new families.
#
# Needs root and the isolation plugins (real cgroups measure the job):
# exits 77 elsewhere.  Its jobs' cgroups go under a base of its own and are
# checked gone at the end; it ends only processes it started.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

if test "`id -u`" != 0 || test "$no_isolation" = yes; then
	echo "1..0 # SKIP needs root and the isolation plugins"
	exit 77
fi
for t in curl certtool python3; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "1..0 # SKIP $t not found (Debian packages curl, gnutls-bin, python3)"
		exit 77
	fi
done
if test "${JOBLET_TEST_UNDER_VALGRIND:-0}" = 1; then
	echo "1..0 # SKIP timing-dependent: not run under valgrind"
	exit 77
fi
cgbase=joblet-metrics-$$
first=`expr 410000 + $$ % 1000 \* 100`
last=`expr $first + 99`
write_stack_config "$TMP/base.yml" "$cgbase" "  uid_range: $first-$last
  grace_period: 1s
jobs:
  metrics_interval: 1s"
DAEMON_BASE_YML=$TMP/base.yml
export DAEMON_BASE_YML
start_daemon || exit 1
RNX_CONFIG=$CERTS/rnx-config-developer.yml
export RNX_CONFIG

# developer2: another developer's certificate, signed by the API's CA.
printf 'cn = developer2-client\nunit = developer\ntls_www_client\nsigning_key\nactivation_date = "2 days ago"\nexpiration_date = "30 days"\n' >"$TMP/d2.tmpl"
certtool --generate-privkey --key-type=ecdsa --outfile "$CERTS/client-developer2-key.pem" >/dev/null 2>&1
certtool --generate-certificate --load-privkey "$CERTS/client-developer2-key.pem" \
	--load-ca-certificate "$CERTS/ca/ca.pem" --load-ca-privkey "$CERTS/ca/ca-key.pem" \
	--template "$TMP/d2.tmpl" --outfile "$CERTS/client-developer2.pem" >/dev/null 2>&1 ||
	echo "# certtool could not make developer2"

idof() { printf '%s\n' "$1" | sed -n 's/^Job \([0-9a-f-]*\) .*/\1/p'; }
state_of() { "$RNX" --json job status "$1" 2>/dev/null | sed -n 's/^ *"state": "\([A-Z_]*\)".*/\1/p' | head -1; }
# py EXPR-PROGRAM FILE: run a python3 check over a JSON file; prints what it says, exit status its verdict.
py() { python3 -c "$1" "$2"; }

# ------------------------------------------------------------------ a job that burns and grows
# One core busy for the whole run; its memory doubles a string 24 times (16 MiB), once every 0.3 s.
run "$RNX" job run --name burner -- sh -c '( while :; do :; done ) & a=x; i=0; while [ $i -lt 24 ]; do a="$a$a"; i=$((i+1)); sleep 0.3; done; sleep 6; kill $!; echo ${#a}'
J=`idof "$out"`
ok 'test $rc -eq 0 && test -n "$J"' "a job that burns CPU and memory starts"
wait_until 'test "`state_of $J`" = RUNNING'
# -f follows it live, in the background, through the restart below.
"$RNX" --json job metrics -f "$J" >"$TMP/follow.out" 2>"$TMP/follow.err" &
FOLLOW=$!
sleep 4
kurl developer "$URL/v1/jobs/$J/metrics"
printf '%s\n' "$out" >"$TMP/early.json"
ok 'test "$code" = 200 && py "import json,sys; a=json.load(open(sys.argv[1])); sys.exit(not (len(a) >= 2 and [s[\"seq\"] for s in a] == list(range(1, len(a)+1))))" "$TMP/early.json"' \
	"samples appear every second while the job runs, numbered 1, 2, 3, ..."

# ------------------------------------------------------------------ the daemon restarts
stop_daemon KILL
sleep 2
# On the same port: the follower reconnects to where it was.
DAEMON_ADDRESS=127.0.0.1:$DPORT start_daemon || exit 1
wait_until 'test "`state_of $J`" != RUNNING' || sleep 10
wait_until 'test "`state_of $J`" = COMPLETED'
ok 'test "`state_of $J`" = COMPLETED' "the job completes after the daemon's restart"

kurl developer "$URL/v1/jobs/$J/metrics"
printf '%s\n' "$out" >"$TMP/all.json"
ok 'test "$code" = 200' "GET /v1/jobs/ID/metrics after the restart: 200"
py '
import json, sys
a = json.load(open(sys.argv[1]))
seqs = [s["seq"] for s in a]
early = json.load(open(sys.argv[1].replace("all", "early")))
ok = seqs == list(range(1, len(a) + 1)) and len(a) > len(early) + 3
ok = ok and all(e == s for e, s in zip(early, a))
print("# %d samples, %d before the restart" % (len(a), len(early)))
sys.exit(not ok)' "$TMP/all.json"
ok 'test $? -eq 0' "the series survived the restart: no gap, earlier samples unchanged, more after"
py '
import json, sys
a = json.load(open(sys.argv[1]))
need = ["seq", "ts", "cpu_usec", "cpu_percent", "memory_bytes", "memory_peak_bytes", "io_read_bytes", "io_write_bytes", "pids"]
ok = all(all(k in s for k in need) for s in a) and a[-1].get("final") is True
ok = ok and not any(s.get("final") for s in a[:-1]) and not any("net_rx_bytes" in s for s in a)
sys.exit(not ok)' "$TMP/all.json"
ok 'test $? -eq 0' "each sample has every field, the last is final, no net fields without a network"
# CPU%: what the job burned between two samples over the time between them (loose: the host is shared).
py '
import json, sys
a = json.load(open(sys.argv[1]))
mid = a[2:-3]
bad = []
for p, s in zip(a[1:], a[2:-3]):
    dt = (s["ts"] - p["ts"]) / 1e9
    burned = (s["cpu_usec"] - p["cpu_usec"]) / 1e6 / dt * 100
    if abs(burned - s["cpu_percent"]) > 15 or not (15 <= s["cpu_percent"] <= 130):
        bad.append((s["seq"], round(burned, 1), s["cpu_percent"]))
print("# cpu%% of the middle samples: %s" % [s["cpu_percent"] for s in mid])
sys.exit(bool(bad) or len(mid) < 3)' "$TMP/all.json"
ok 'test $? -eq 0' "CPU% of each sample matches the CPU time the job burned over its interval (one busy core)"
py '
import json, sys
a = json.load(open(sys.argv[1]))
mem = [s["memory_bytes"] for s in a[:-1]]
peak = max(s["memory_peak_bytes"] for s in a)
print("# memory: %s, peak %d" % (mem, peak))
# 15 of the 16 MiB: what else the job holds moves by some KiB between samples.
sys.exit(not (max(mem) >= min(mem[:2]) + (15 << 20) and peak >= max(mem) and all(s["pids"] >= 2 for s in a[1:-2])))' "$TMP/all.json"
ok 'test $? -eq 0' "memory grows by the 16 MiB the job built, the peak covers it, pids count the job's processes"

# ------------------------------------------------------------------ following and resuming
wait $FOLLOW
frc=$?
py '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
seqs = [l["seq"] for l in lines if "seq" in l]
a = json.load(open(sys.argv[1].replace("follow.out", "all.json")))
print("# followed %d samples" % len(seqs))
sys.exit(not (seqs == [s["seq"] for s in a]))' "$TMP/follow.out"
ok 'test $? -eq 0 && test $frc -eq 0' "rnx job metrics -f followed live and across the restart: every sample once, in order"
ok 'grep -q "reconnect" "$TMP/follow.err"' "... and said it reconnected"
n=`py 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$TMP/all.json"`
k=`expr $n / 2`
kurl reader -H "Last-Event-ID: $k" "$URL/v1/jobs/$J/metrics?follow=1"
ids=`printf '%s\n' "$out" | sed -n 's/^id: //p' | tr '\n' ' '`
want=`seq \`expr $k + 1\` $n | tr '\n' ' '`
ok 'test "$code" = 200 && test "$ids" = "$want" && has "event: exit" "$out"' \
	"Last-Event-ID: $k resumes with sample `expr $k + 1`: no gap, no duplicate, then the exit event"
kurl reader -H "Accept: text/event-stream" "$URL/v1/jobs/$J/metrics?after=$n"
ok 'test "$code" = 200 && ! has "id: " "$out" && has "event: exit" "$out"' \
	"Accept: text/event-stream after the last sample: only the exit event"
kurl reader -H 'Last-Event-ID: nope' "$URL/v1/jobs/$J/metrics"
ok 'test "$code" = 400 && has "not a sample number" "$out"' "a bad Last-Event-ID: 400"

# ------------------------------------------------------------------ owner rules
kurl developer2 "$URL/v1/jobs/$J/metrics"
ok 'test "$code" = 404' "another developer's metrics of the job: 404, as for a job that does not exist"
kurl reader "$URL/v1/jobs/$J/metrics"
ok 'test "$code" = 200 && has "\"seq\":1," "$out"' "a reader reads them"
run "$RNX" job metrics "$J"
ok 'test $rc -eq 0 && has "CPU%" "$out" && has "(final)" "$out"' "rnx job metrics prints the table"

# ------------------------------------------------------------------ the node
run "$RNX" job run --name sleeper -- sh -c '( while :; do :; done ) & sleep 120; kill $!'
S=`idof "$out"`
wait_until 'test "`state_of $S`" = RUNNING'
sleep 3
run "$RNX" --json monitor status
printf '%s\n' "$out" >"$TMP/status.json"
py '
import json, os, sys
s = json.load(open(sys.argv[1]))
mem = dict(l.split(":")[0:2] for l in open("/proc/meminfo"))
total = int(mem["MemTotal"].split()[0]) * 1024
disk = s["disks"][0]
st = os.statvfs(disk["path"])
checks = {
  "hostname": s["hostname"] == os.uname().nodename,
  "kernel": s["kernel"] == os.uname().release,
  "cpus": s["cpu"]["count"] == os.cpu_count(),
  "usage": 0 <= s["cpu"]["usage_percent"] <= 100,
  "load": len(s["cpu"]["load"]) == 3,
  "memory": s["memory"]["total_bytes"] == total and 0 < s["memory"]["free_bytes"] <= total,
  "disk": disk["name"] == "state" and disk["size_bytes"] == st.f_blocks * st.f_frsize,
  "jobs": s["jobs"]["running"] >= 1,
  "sched": s["scheduler"]["jobs"]["used"] >= 1 and s["scheduler"]["cpu_percent"]["total"] > 0,
  "uptime": abs(s["uptime_seconds"] - float(open("/proc/uptime").read().split()[0])) < 5,
}
print("# " + " ".join(k for k, v in checks.items() if not v))
sys.exit(not all(checks.values()))' "$TMP/status.json"
ok 'test $? -eq 0' "rnx monitor status --json: host, CPU, memory, disk, jobs and budgets agree with /proc and statvfs"
run "$RNX" monitor status
ok 'test $rc -eq 0 && has "scheduler budgets" "$out" && has "disk       state" "$out"' "rnx monitor status prints the node"
run "$RNX" --json monitor top --by=cpu
printf '%s\n' "$out" >"$TMP/top.json"
python3 -c '
import json, sys
t = json.load(open(sys.argv[1]))
row = [r for r in t if r["id"] == sys.argv[2]]
sys.exit(not (row and row[0]["owner"] == "developer-client" and row[0]["name"] == "sleeper" and row[0]["cpu_percent"] > 10))' "$TMP/top.json" "$S"
ok 'test $? -eq 0' "rnx monitor top --json ranks the running job with its owner, name and CPU%"
run "$RNX" --json monitor top --by=memory --limit=1
ok 'test $rc -eq 0 && test "`printf "%s" "$out" | python3 -c "import json,sys; print(len(json.load(sys.stdin)))"`" -le 1' "top --limit=1: at most one row"
kurl developer2 "$URL/v1/monitor/top"
ok 'test "$code" = 200 && ! has "$S" "$out"' "another developer's top does not list the job"
kurl reader "$URL/v1/monitor/top?by=disk"
ok 'test "$code" = 400 && has "by=cpu or by=memory" "$out"' "top?by=disk: 400 naming the choices"

# ------------------------------------------------------------------ /metrics
kurl reader "$URL/metrics"
printf '%s\n' "$out" >"$TMP/prom.txt"
python3 "$src/tests/integration/prom_check.py" "$TMP/prom.txt" "$S" >"$TMP/prom.check" 2>&1
prc=$?
sed 's/^/# /' "$TMP/prom.check"
ok 'test "$code" = 200 && test $prc -eq 0' "/metrics parses as Prometheus text, with node, scheduler and per-job gauges"
kurl developer2 "$URL/metrics"
ok 'test "$code" = 200 && ! has "$S" "$out"' "another developer's /metrics has no gauges of the job"

run "$RNX" job stop "$S"
wait_until 'test "`state_of $S`" = STOPPED'
# ------------------------------------------------------------------ the job is deleted: its samples too
run "$RNX" job delete "$J"
kurl reader "$URL/v1/jobs/$J/metrics"
ok 'test "$code" = 404 && ! test -e "$TMP/state/jobs/$J/metrics"' "a deleted job's samples are gone with it"

stop_daemon
for d in /sys/fs/cgroup/*/$cgbase /sys/fs/cgroup/$cgbase.slice /sys/fs/cgroup/unified/$cgbase.slice; do
	if test -d "$d"; then
		rmdir "$d/"* 2>/dev/null
		rmdir "$d" 2>/dev/null || echo "not ok - the cgroup $d is left"
	fi
done
u=$first
while test $u -le $last; do
	rm -f "/run/joblet/uids/$u"
	u=`expr $u + 1`
done
