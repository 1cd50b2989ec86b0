#!/bin/sh
# test_results.sh - a job's result files (docs/results.md) through the daemon
# with the whole isolation stack: a job writes a 50 MiB file, nested folders,
# a 0600 file, links to /etc/passwd and to ../.. and a FIFO into its /work
# (a --max-disk tmpfs); `rnx job files` lists them and `rnx job download`
# fetches them byte-exact (sha256) while the job runs and after it ended,
# with the daemon's peak RSS bounded; a folder comes as a tar stream that
# rnx unpacks, leaving out the links that point out; the links out and the
# FIFO are refused (400) without the daemon waiting; another tenant gets
# 404, a reader reads; a daemon restart keeps the files; delete leaves no
# mount; jobs.keep_results and jobs.results_memory release them (410).
# Once a job ended, its /work is in the results namespace (pinned at
# STATE/jobs/.results-ns/mnt), not in the daemon's mount table; what that
# namespace holds is read from a busybox sleeping in it.
#
# The daemon mounts each job's /work tmpfs in its own mount namespace: the
# whole test runs in one it made (unshare -m), so nothing reaches the host's.
if test "${RESULTS_IN_NS:-}" != 1 && test "`id -u`" -eq 0 && command -v unshare >/dev/null 2>&1; then
	RESULTS_IN_NS=1 exec unshare -m --propagation private sh "$0" "$@"
fi
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

if test "`id -u`" -ne 0 || test "$no_isolation" = yes || test "${RESULTS_IN_NS:-}" != 1; then
	echo "# needs root, unshare and the isolation plugins (a --max-disk tmpfs /work)"
	exit 77
fi
if ! command -v curl >/dev/null 2>&1 || ! command -v tar >/dev/null 2>&1; then
	echo "# curl or tar not found (Debian packages curl, tar)"
	exit 77
fi
NO_RSS=${JOBLET_TEST_UNDER_VALGRIND:-0}
test "${JOBLET_TEST_SANITIZERS:-no}" = yes && NO_RSS=1

cgbase=joblet-results-$$
base_yml() { # keep_results results_memory
	write_stack_config "$TMP/base.yml" "$cgbase" "jobs:
  keep_results: $1
  results_memory: $2"
	DAEMON_BASE_YML=$TMP/base.yml
}
our_mounts() { awk -v t="$TMP" 'index($5, t "/") == 1 {print $5}' /proc/self/mountinfo | sort; }
MOUNTS0=`our_mounts`
base_yml 1h unlimited
start_daemon || exit 1

jid() { printf '%s' "$out" | sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p' | head -1; }
state_of() { kurl reader "$URL/v1/jobs/$1"; printf '%s' "$out" | sed -n 's/^{"id":"[^"]*","name":[^,]*,"state":"\([A-Z_]*\)".*/\1/p'; }
wait_state() { # id state
	_i=0
	while test "`state_of $1`" != "$2" && test $_i -lt 600; do sleep 0.1; _i=`expr $_i + 1`; done
	test "`state_of $1`" = "$2"
}
PIN=$TMP/state/jobs/.results-ns/mnt
# The mount points the results namespace holds: its root is the jobs folder,
# so a busybox placed there runs in it while its mount table is read here.
kept() {
	mkdir -p "$TMP/state/jobs/.t" && cp /bin/busybox "$TMP/state/jobs/.t/busybox" || return 1
	nsenter --mount="$PIN" /.t/busybox sleep 10 &
	_kp=$!
	wait_until 'test "`readlink /proc/$_kp/exe`" = /.t/busybox' || { kill $_kp; return 1; }
	awk '{print $5}' "/proc/$_kp/mountinfo"
	kill $_kp
	wait $_kp 2>/dev/null
	return 0
}
hwm_kb() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$DAEMON_PID/status; }
rnx() { run "$RNX" --config "$CERTS/rnx-config-${ROLE:-developer}.yml" "$@"; }
sum() { sha256sum <"$1" | cut -d' ' -f1; }
F=$TMP/files
mkdir -p "$F"

# ------------------------------------------------------------------ a job that leaves results
# It writes, says `ready`, and waits for /work/go (made by the test through the
# API's view of the same tmpfs: the host side of the job's work folder).
SCRIPT='mkdir -p out/a/b/c && echo deep >out/a/b/c/file && echo top >out/top.txt &&
head -c 52428800 /dev/urandom >big.bin && sha256sum big.bin >big.sum &&
echo secret >secret && chmod 0600 secret && ln -s /etc/passwd etc && ln -s ../.. up &&
ln -s top.txt out/inside && ln -s ../../../../etc out/a/esc && mkfifo fifo && : >ready &&
while ! test -e go; do sleep 0.1; done; echo done'
# (No double quote or backslash in SCRIPT: it goes into the JSON as it is.)
kurl developer -X POST -d "{\"max_disk\":128,\"command\":[\"sh\",\"-c\",\"`printf '%s' "$SCRIPT" | tr '\n' ' '`\"]}" "$URL/v1/jobs"
J1=`jid`
ok 'test "$code" = 201 && test -n "$J1"' "a job that writes results is accepted"
wait_until 'test -e "$TMP/state/jobs/$J1/work/ready"' || wait_until 'test -e "$TMP/state/jobs/$J1/work/ready"'
ok 'test "`state_of $J1`" = RUNNING && grep -q " $TMP/state/jobs/$J1/work .* - tmpfs " /proc/self/mountinfo' \
	"its /work is a tmpfs mounted at the job's work folder on the daemon's side"

rnx job files "$J1"
ok 'test $rc -eq 0 && has "big.bin" "$out" && has "etc -> /etc/passwd" "$out" && has "up -> ../.." "$out" && has "?rw-r--r--            0  " "$out" && has "-rw-------" "$out" && has "drwx" "$out"' \
	"rnx job files lists /work while the job runs: mode, size, mtime, name, link targets"
rnx job files "$J1" out --json
ok 'test $rc -eq 0 && has "\"name\":\"top.txt\"" "`printf "%s" "$out" | tr -d " \n"`" && has "\"type\":\"link\"" "`printf "%s" "$out" | tr -d " \n"`"' \
	"rnx job files ID PATH --json gives the listing as JSON"

HWM0=`hwm_kb`
cd "$F" && rnx job download "$J1" big.bin && cd - >/dev/null
HWM1=`hwm_kb`
kurl reader "$URL/v1/jobs/$J1/files/big.sum"
BIGSUM=`printf "%s" "$out" | cut -d" " -f1`
ok 'test $rc -eq 0 && test -n "$BIGSUM" && test "`sum "$F/big.bin"`" = "$BIGSUM" && test `stat -c %s "$F/big.bin"` = 52428800' \
	"a 50 MiB file downloads byte-exact while the job runs (sha256)"
echo "# daemon VmHWM: $HWM0 kB before, $HWM1 kB after streaming 50 MiB"
ok 'test "$NO_RSS" = 1 || test "$HWM1" -lt `expr $HWM0 + 16384`' \
	"the daemon's peak RSS grows by less than 16 MiB while it streams 50 MiB"
rnx job download "$J1" big.bin -o "$F/big.bin"
ok 'test $rc -ne 0 && has "exists; overwrite it with --force" "$err"' "an existing file is not overwritten without --force"
rnx job download "$J1" secret -o "$F/secret"
ok 'test $rc -eq 0 && test "`cat "$F/secret"`" = secret && test "`stat -c %a "$F/secret"`" = 600' \
	"a 0600 file downloads with its content and mode"

# ------------------------------------------------------------------ what is refused
for link in etc up up/etc/passwd out/a/esc out/a/esc/passwd; do
	kurl developer "$URL/v1/jobs/$J1/files/$link"
	ok 'test "$code" = 400 && has "leads out of /work through a symbolic link" "$out" && ! has "root:" "$out"' \
		"a symbolic link out of /work is never followed: $link (400)"
done
kurl developer "$URL/v1/jobs/$J1/files/out/inside"
ok 'test "$code" = 200 && test "$out" = top' "a symbolic link that stays inside /work is followed"
T0=`date +%s`
kurl developer --max-time 10 "$URL/v1/jobs/$J1/files/fifo"
ok 'test "$code" = 400 && has "is a FIFO" "$out" && test `expr \`date +%s\` - $T0` -lt 5' \
	"a FIFO is refused at once, never opened (400)"
kurl developer --max-time 10 "$URL/v1/jobs/$J1/files/fifo?archive=tar"
ok 'test "$code" = 400' "... also as an archive"
kurl maintainer "$URL/v1/jobs/$J1/files/"
ok 'test "$code" = 404 && ! has "big.bin" "$out"' "another tenant gets 404 for the job's files"
kurl maintainer "$URL/v1/jobs/$J1/files/big.sum"
ok 'test "$code" = 404' "... and for a file of it"
kurl reader "$URL/v1/jobs/$J1/files/out/top.txt"
ok 'test "$code" = 200 && test "$out" = top' "a reader reads them"
kurl developer "$URL/v1/jobs/$J1/files/nothing-here"
ok 'test "$code" = 404' "a missing path is 404"

# ------------------------------------------------------------------ after the end
touch "$TMP/state/jobs/$J1/work/go"
ok 'wait_state "$J1" COMPLETED' "the job ends"
KEPT=`kept`
ok 'test "`stat -f -c %T "$PIN"`" = nsfs && printf "%s\n" "$KEPT" | grep -qx "/$J1/work" && ! grep -q " $TMP/state/jobs/$J1/work " /proc/self/mountinfo' \
	"once it ended, its /work is in the results namespace, not in the daemon's mount table (kept: `echo $KEPT`)"
rm -f "$F/big.bin"
rnx job download "$J1" big.bin -o "$F/big.bin"
ok 'test $rc -eq 0 && test "`sum "$F/big.bin"`" = "$BIGSUM"' \
	"after the job ended, the 50 MiB file still downloads byte-exact"
rnx job download "$J1" out -o "$F/out"
ok 'test $rc -eq 0 && test "`cat "$F/out/a/b/c/file"`" = deep && test "`readlink "$F/out/inside"`" = top.txt && test ! -e "$F/out/a/esc" && has "left out \`a/esc\`" "$err"' \
	"a folder downloads as a tar stream unpacked by rnx; the link out of it is left out, saying so"
rnx job download "$J1" . -o "$F/all"
ok 'test $rc -eq 0 && test "`cat "$F/all/out/top.txt"`" = top && test ! -e "$F/all/etc" && test ! -e "$F/all/up" && test ! -e "$F/all/fifo" && test "`sum "$F/all/big.bin"`" = "`sum "$F/big.bin"`"' \
	"all of /work downloads: files byte-exact; links out and the FIFO are not unpacked"
rnx job download "$J1" out -o "$F/out"
ok 'test $rc -ne 0 && has "never merges a folder" "$err"' "a folder is never merged into an existing one"
rnx job download "$J1" out/inside -o "$F/inside"
ok 'test $rc -eq 0 && test "`cat "$F/inside"`" = top && test ! -L "$F/inside" && test "`stat -c %a "$F/inside"`" = 644' \
	"a link inside /work downloads as the file it leads to, not with the link's mode"
kurl reader -o "$F/work.tar" "$URL/v1/jobs/$J1/files/?archive=tar"
tar -tvf "$F/work.tar" >"$F/work.list" 2>&1
ok 'grep -q "etc -> /etc/passwd" "$F/work.list" && grep -q "up -> ../.." "$F/work.list" && grep -q " out/a/b/c/file$" "$F/work.list" && ! grep -q fifo "$F/work.list"' \
	"GNU tar reads the archive: links stored as links, never followed; no FIFO"

# ------------------------------------------------------------------ a restart
stop_daemon
# A job folder no record names, with its /work still mounted (a daemon that
# died in the middle of a submission): the next daemon removes both.
ORPHAN=$TMP/state/jobs/00000000-0000-4000-8000-00000000f11e
mkdir -p "$ORPHAN/work" && mount -t tmpfs -o size=1m joblet-test "$ORPHAN/work" && echo x >"$ORPHAN/work/x"
start_daemon || exit 1
rnx job files "$J1" out/a/b/c
ok 'test $rc -eq 0 && has "file" "$out"' "a daemon restart keeps the files"
ok 'test ! -e "$ORPHAN" && ! grep -q " $ORPHAN/work " /proc/self/mountinfo' \
	"the daemon's start unmounts and removes a job folder it has no record of"

# ------------------------------------------------------------------ delete
kurl developer -X POST -d '{"command":["sh","-c","echo x >/work/x"]}' "$URL/v1/jobs"
J2=`jid`
wait_state "$J2" COMPLETED
kurl developer "$URL/v1/jobs/$J2/files/x"
ok 'test "$code" = 200 && test "$out" = x' "a second job's file is there"
kurl developer -X DELETE "$URL/v1/jobs/$J2"
kurl developer "$URL/v1/jobs/$J2/files/x"
KEPT=`kept`
ok 'test "$code" = 404 && ! grep -q "$J2" /proc/self/mountinfo && test ! -e "$TMP/state/jobs/$J2" && ! has "$J2" "$KEPT" && has "$J1" "$KEPT"' \
	"delete: the files are 404, no mount (here or in the results namespace) and no folder is left"

# ------------------------------------------------------------------ jobs.keep_results
stop_daemon
base_yml 2s unlimited
start_daemon || exit 1
wait_until 'kurl reader "$URL/v1/jobs/$J1/files/"; test "$code" = 410'
ok 'test "$code" = 410 && has "jobs.keep_results" "$out" && has "released at" "$out"' \
	"past jobs.keep_results the files are released: 410 Gone saying why and when"
KEPT=`kept`
ok 'test -n "$KEPT" && ! has "$J1" "$KEPT" && ! grep -q "$J1" /proc/self/mountinfo' \
	"... and the job's tmpfs is unmounted (the results namespace holds: `echo $KEPT`)"
rnx job files "$J1"
ok 'test $rc -ne 0 && has "jobs.keep_results" "$err"' "rnx says so"
kurl reader "$URL/v1/jobs/$J1"
ok 'test "$code" = 200' "the job's record stays"

# ------------------------------------------------------------------ jobs.results_memory
stop_daemon
base_yml 1h 3MiB
start_daemon || exit 1
kurl developer -X POST -d '{"max_disk":16,"command":["sh","-c","head -c 2097152 /dev/zero >/work/two"]}' "$URL/v1/jobs"
J3=`jid`
wait_state "$J3" COMPLETED
sleep 1
kurl developer "$URL/v1/jobs/$J3/files/"
ok 'test "$code" = 200 && has "two" "$out"' "a job's 2 MiB under jobs.results_memory (3 MiB) are kept"
kurl developer -X POST -d '{"max_disk":16,"command":["sh","-c","head -c 2097152 /dev/zero >/work/two"]}' "$URL/v1/jobs"
J4=`jid`
wait_state "$J4" COMPLETED
wait_until 'kurl developer "$URL/v1/jobs/$J3/files/"; test "$code" = 410'
ok 'test "$code" = 410 && has "jobs.results_memory" "$out"' \
	"when the next job ends past jobs.results_memory, the oldest ended job's files are released (410)"
kurl developer "$URL/v1/jobs/$J4/files/"
ok 'test "$code" = 200 && has "two" "$out"' "... and the newest stay"
KEPT=`kept`
ok '! has "$J3" "$KEPT" && has "$J4" "$KEPT"' "the released tmpfs is gone from the results namespace, the newest is there"

# ------------------------------------------------------------------ nothing left
kurl admin -X DELETE "$URL/v1/jobs"
stop_daemon
ok 'test "`our_mounts`" = "$MOUNTS0" && test ! -e "$TMP/state/jobs/.results-ns"' \
	"no mount is left below the test's folder: an empty results namespace is unpinned at stop"
ok 'test -z "`ls "$TMP/state/jobs" 2>/dev/null`"' "no job folder is left"
for d in /sys/fs/cgroup/*/$cgbase /sys/fs/cgroup/$cgbase.slice /sys/fs/cgroup/unified/$cgbase.slice; do
	if test -d "$d"; then rmdir "$d" 2>/dev/null || echo "# cannot remove $d"; fi
done
