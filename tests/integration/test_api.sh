#!/bin/sh
# test_api.sh - the daemon's HTTPS API on loopback, with curl as the client:
# every negative mTLS case (certificates made here with certtool: another
# CA, expired, not yet valid, server EKU, no OU, unknown OU, an OU forged
# into the CN, revoked through the CRL), every route x role against the
# permission table, jobs from submission to deletion, bad input answered
# with clean 4xx while the daemon lives, log streams (resume with
# Last-Event-ID byte for byte, 50 followers), job ownership (every per-job
# route x role on one's own and another's job, list and delete-all scope,
# runs of a recurring job), connection caps (429), the audit log and /metrics.  Restarts are in test_restart.sh.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

for t in curl certtool; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "# $t not found (Debian packages curl, gnutls-bin)"
		exit 77
	fi
done
if test "`id -u`" -ne 0 && test "$no_isolation" != yes; then
	# Without root the isolation layers cannot run: the API is the same without them.
	no_isolation=yes
fi
STACK=
test "$no_isolation" = yes && STACK="isolation:
  stack: [none]"
start_daemon "$STACK" "  max_request_bytes: 262144" || exit 1

# ------------------------------------------------------------------ hostile certificates
H=$TMP/hostile
mkdir -p "$H"
# mkcert NAME TEMPLATE-LINES [CA-PREFIX]: a client key and certificate signed by CA (default the API's).
mkcert() {
	_ca=${3:-$CERTS/ca/ca}
	printf '%s\n' "$2" >"$H/$1.tmpl"
	certtool --generate-privkey --key-type=ecdsa --outfile "$H/$1-key.pem" >/dev/null 2>&1 &&
		certtool --generate-certificate --load-privkey "$H/$1-key.pem" \
			--load-ca-certificate "$_ca.pem" --load-ca-privkey "$_ca-key.pem" \
			--template "$H/$1.tmpl" --outfile "$H/$1.pem" >/dev/null 2>&1 ||
		echo "# certtool could not make $1"
}
VALID='activation_date = "2 days ago"
expiration_date = "30 days"'
printf 'cn = "other CA"\nca\ncert_signing_key\n%s\n' "$VALID" >"$H/otherca.tmpl"
certtool --generate-privkey --key-type=ecdsa --outfile "$H/otherca-key.pem" >/dev/null 2>&1
certtool --generate-self-signed --load-privkey "$H/otherca-key.pem" --template "$H/otherca.tmpl" \
	--outfile "$H/otherca.pem" >/dev/null 2>&1
mkcert otherca-admin "cn = admin-client
unit = admin
tls_www_client
signing_key
$VALID" "$H/otherca"
mkcert expired 'cn = admin-client
unit = admin
tls_www_client
signing_key
activation_date = "10 days ago"
expiration_date = "1 day ago"'
mkcert notyet 'cn = admin-client
unit = admin
tls_www_client
signing_key
activation_date = "2 days"
expiration_date = "30 days"'
mkcert servereku "cn = admin-client
unit = admin
tls_www_server
signing_key
$VALID"
mkcert noou "cn = nobody-client
tls_www_client
signing_key
$VALID"
mkcert unknownou "cn = super-client
unit = superuser
tls_www_client
signing_key
$VALID"
mkcert forged "cn = \"x,OU=admin\"
tls_www_client
signing_key
$VALID"
mkcert multi "cn = multi-client
unit = admin
unit = reader
tls_www_client
signing_key
$VALID"
mkcert viewer "cn = viewer-client
unit = Viewer
tls_www_client
signing_key
$VALID"

# hcurl NAME ARGS...: curl with a hostile certificate (NAME ""= none).
hcurl() {
	_n=$1
	shift
	if test -n "$_n"; then
		set -- --cert "$H/$_n.pem" --key "$H/$_n-key.pem" "$@"
	fi
	curl -sS --max-time 20 --cacert "$CERTS/ca.pem" -w '\n%{http_code}' "$@" >"$TMP/.out" \
		2>"$TMP/.err" </dev/null
	rc=$?
	code=`tail -n 1 "$TMP/.out"`
	out=`sed '$d' "$TMP/.out"`
	err=`cat "$TMP/.err"`
}

for c in "" otherca-admin expired notyet servereku; do
	hcurl "$c" "$URL/v1/version"
	ok 'test $rc -ne 0 && test "$code" = 000 && test -z "$out"' \
		"a client ${c:-without a certificate} gets a TLS error and nothing else"
done
hcurl otherca-admin -X POST -d '{"command":["true"]}' "$URL/v1/jobs"
ok 'test "$code" = 000 && ! grep -q "POST /v1/jobs" "$DLOG"' \
	"a refused client's request never reaches a route (no job, no audit line)"
for c in noou unknownou forged; do
	hcurl $c "$URL/v1/version"
	ok 'test "$code" = 403 && has "names no role" "$out"' \
		"a certificate with no role OU ($c) is refused with 403, saying what the OU must be"
done
hcurl multi -X POST -d '{}' "$URL/v1/jobs"
ok 'test "$code" = 403 && has "role reader may not" "$out"' \
	"a certificate with several role OUs acts with the least privileged (reader)"
hcurl viewer "$URL/v1/version"
ok 'test "$code" = 200 && has "\"role\":\"reader\"" "$out"' "OU viewer (any case) is the reader role"
curl -sS --max-time 10 -w '%{http_code}' "http://127.0.0.1:$DPORT/v1/version" >"$TMP/.out" 2>/dev/null
ok 'test "`cat $TMP/.out`" = 000' "plain HTTP to the TLS port gets nothing"
run curl -sS --max-time 10 --tls-max 1.2 --cacert "$CERTS/ca.pem" --cert "$CERTS/client-admin.pem" \
	--key "$CERTS/client-admin-key.pem" "$URL/v1/version"
ok 'test $rc -ne 0 && test -z "$out"' "TLS 1.2 is refused by default (server.tls.min_version 1.3)"

# ------------------------------------------------------------------ every route x role
# The permission table as the architecture states it: least role per route.
# A request below the role gets 403; at or above it, anything but 403.
ID0=00000000-0000-4000-8000-000000000000
table="GET /v1/version reader
GET /v1/plugins reader
GET /metrics reader
GET /v1/audit admin
POST /v1/jobs developer
GET /v1/jobs reader
DELETE /v1/jobs developer
GET /v1/jobs/$ID0 reader
DELETE /v1/jobs/$ID0 developer
GET /v1/jobs/$ID0/logs reader
POST /v1/jobs/$ID0/stop developer
POST /v1/jobs/$ID0/cancel developer
GET /v1/runtimes reader
GET /v1/runtimes/nosuch reader
POST /v1/runtimes/install maintainer
DELETE /v1/runtimes/nosuch admin"
rank() {
	case $1 in reader) echo 1 ;; developer) echo 2 ;; maintainer) echo 3 ;; admin) echo 4 ;; esac
}
wrong=0
checked=0
echo "$table" | {
	while read -r method path least; do
		for role in reader developer maintainer admin; do
			body=
			case "$method" in POST) body='{"bogus":1}' ;; esac
			if test -n "$body"; then
				kurl $role -X "$method" -H 'Content-Type: application/json' -d "$body" "$URL$path"
			else
				kurl $role -X "$method" "$URL$path"
			fi
			checked=`expr $checked + 1`
			if test `rank $role` -lt `rank $least`; then
				test "$code" = 403 || { wrong=`expr $wrong + 1`; echo "# $role $method $path: $code (want 403)"; }
			else
				test "$code" != 403 && test "$code" != 000 ||
					{ wrong=`expr $wrong + 1`; echo "# $role $method $path: $code (want not 403)"; }
			fi
		done
	done
	echo "$checked $wrong" >"$TMP/table.result"
}
read checked wrong <"$TMP/table.result"
ok 'test "$checked" = 64 && test "$wrong" = 0' "every route x role follows the permission table ($checked checked, $wrong wrong)"
kurl admin -X PUT "$URL/v1/jobs"
ok 'test "$code" = 405 && has "it takes POST, GET, DELETE" "$out"' "a known route with another method: 405 naming the methods"
kurl admin "$URL/v2/nothing"
ok 'test "$code" = 404 && has "no such API route" "$out"' "an unknown route: 404"

# ------------------------------------------------------------------ jobs
jid() { printf '%s' "$out" | sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p' | head -1; }
state_of() { kurl reader "$URL/v1/jobs/$1"; printf '%s' "$out" | sed -n 's/^{"id":"[^"]*","name":[^,]*,"state":"\([A-Z_]*\)".*/\1/p'; }
wait_state() { # id state
	_i=0
	while test "`state_of $1`" != "$2" && test $_i -lt 100; do sleep 0.1; _i=`expr $_i + 1`; done
	test "`state_of $1`" = "$2"
}

kurl developer -X POST -d '{"command":["sh","-c","echo out; echo err >&2; echo secret-length-${#SECRET}; exit 3"],"env":{"PLAIN":"shown"},"secret_env":{"SECRET":"hunter2"},"name":"first"}' "$URL/v1/jobs"
J1=`jid`
ok 'test "$code" = 201 && test -n "$J1" && has "\"owner\":\"developer-client\"" "$out"' "POST /v1/jobs records the job (201) with its owner"
ok '! has hunter2 "$out" && has "\"SECRET\":\"***\"" "$out" && has "\"PLAIN\":\"shown\"" "$out"' \
	"the answer shows secret env values as *** and plain ones as they are"
wait_state "$J1" FAILED
kurl reader "$URL/v1/jobs/`echo $J1 | cut -c1-8`"
ok 'test "$code" = 200 && has "\"state\":\"FAILED\"" "$out" && has "\"exit_code\":3" "$out" && has "exit code 3" "$out"' \
	"status by a unique prefix: FAILED, exit code 3 and the reason"
ok 'has "\"events\":[{" "$out" && has "\"state\":\"RUNNING\"" "$out" && ! has hunter2 "$out"' "status lists the job's state changes and no secret"
kurl reader "$URL/v1/jobs/$J1/logs"
ok 'has "event: stdout" "$out" && has "\"data\":\"out\\n" "$out" && has "event: stderr" "$out" && has "secret-length-7" "$out" && has "event: exit" "$out"' \
	"the log stream holds stdout and stderr apart, and the job saw its secret"
kurl reader "$URL/v1/jobs"
ok 'has "$J1" "$out" && ! has hunter2 "$out"' "the list holds the job, without secrets"
# A secret value is in no file of the state folder (spec.json, the store and
# its WAL) nor in the daemon's log, at any time; the job prints a digest.
secret=s3cr3t-`od -An -N12 -tx1 /dev/urandom | tr -d ' \n'`
kurl developer -X POST -d '{"command":["sh","-c","printf %s \"$TOKEN\" | sha256sum; sleep 1"],"secret_env":{"TOKEN":"'"$secret"'"}}' "$URL/v1/jobs"
JS=`jid`
ok 'test "$code" = 201 && ! grep -rqaF "$secret" "$TMP/state" "$DLOG"' "a secret is in no file of the state folder or log while its job runs"
wait_state "$JS" COMPLETED
kurl reader "$URL/v1/jobs/$JS/logs"
ok 'has "`printf %s "$secret" | sha256sum | cut -d" " -f1`" "$out"' "... the job sees it"
ok '! grep -rqaF "$secret" "$TMP/state" "$DLOG" && grep -q "\"TOKEN\":\"\*\*\*\"" "$TMP/state/jobs/$JS/spec.json"' \
	"... and once it ended, spec.json names it with ***, and no file holds it"
kurl reader "$URL/v1/jobs?status=FAILED"
ok 'has "$J1" "$out"' "list --status filters by state"
kurl reader "$URL/v1/jobs?status=RUNNING"
ok '! has "$J1" "$out"' "... and leaves out the others"
kurl reader "$URL/v1/jobs?status=bogus"
ok 'test "$code" = 400 && has "not a job state" "$out"' "an unknown state filter: 400"
kurl admin "$URL/v1/audit"
ok 'has "\"path\":\"/v1/jobs\"" "$out" && has "\"cn\":\"developer-client\"" "$out" && has "\"role\":\"developer\"" "$out" && has "\"serial\":\"" "$out"' \
	"the audit log holds the submission with CN, serial and role"
ok 'grep -q "audit: POST /v1/jobs -> 201 by cn=\`developer-client\` serial=[0-9a-f]* role=developer target=$J1" "$DLOG"' \
	"... and so does the daemon log"

kurl developer -X POST -d '{"command":["sleep","30"]}' "$URL/v1/jobs"
J2=`jid`
wait_state "$J2" RUNNING
if test "`id -u`" = 0; then
	# The lock file names the shim and the job's first process (shim/lock.c).
	set -- `cat "$TMP/state/jobs/$J2/lock" 2>/dev/null` 0 0
	adj="`cat /proc/$DAEMON_PID/oom_score_adj` `cat /proc/$2/oom_score_adj`"
	shim_adj=`cat /proc/$1/oom_score_adj`
	# Lowering it needs CAP_SYS_RESOURCE (bit 24), which some containers withhold.
	capeff=`sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status`
	if test $(( 0x$capeff >> 24 & 1 )) = 1; then
		ok 'test "$adj $shim_adj" = "-900 1000 -900"' \
			"oom_score_adj: daemon -900, shim -900, job 1000: the OOM killer picks jobs first ($adj $shim_adj)"
	else
		ok 'test "$adj" = "0 1000" && grep -q "the OOM killer may pick the daemon" "$DLOG"' \
			"oom_score_adj: the job 1000; without CAP_SYS_RESOURCE the daemon stays 0 and says so ($adj)"
	fi
fi
kurl developer -X DELETE "$URL/v1/jobs/$J2"
ok 'test "$code" = 409 && has "has not ended" "$out"' "deleting a running job: 409"
kurl developer -X POST "$URL/v1/jobs/$J2/cancel"
ok 'test "$code" = 409 && has "use \`rnx job stop" "$out"' "canceling a running job: 409, pointing at stop"
kurl developer -X POST "$URL/v1/jobs/$J2/stop"
ok 'test "$code" = 200' "stop answers 200"
wait_state "$J2" STOPPED
kurl reader "$URL/v1/jobs/$J2"
ok 'has "\"state\":\"STOPPED\"" "$out" && has "stopped on request" "$out"' "a stopped job ends STOPPED"
kurl developer -X POST "$URL/v1/jobs/$J2/stop"
ok 'test "$code" = 409 && has "already ended (STOPPED)" "$out"' "stopping an ended job: 409"

kurl developer -X POST -d '{"command":["sleep","5"],"timeout":1}' "$URL/v1/jobs"
J3=`jid`
wait_state "$J3" TIMEOUT
kurl reader "$URL/v1/jobs/$J3"
ok 'has "\"state\":\"TIMEOUT\"" "$out" && has "\"exit_code\":124" "$out"' "a job past its timeout ends TIMEOUT with 124"

when=`date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ`
kurl developer -X POST -d "{\"command\":[\"true\"],\"schedule\":\"$when\"}" "$URL/v1/jobs"
J4=`jid`
ok 'has "\"state\":\"SCHEDULED\"" "$out"' "a job with a future schedule is SCHEDULED"
kurl developer -X POST "$URL/v1/jobs/$J4/cancel"
ok 'test "$code" = 200 && has "\"state\":\"CANCELED\"" "$out"' "canceling a scheduled job: CANCELED"
past=`date -u -d '-1 hour' +%Y-%m-%dT%H:%M:%SZ`
kurl developer -X POST -d "{\"command\":[\"echo\",\"late\"],\"schedule\":\"$past\"}" "$URL/v1/jobs"
J5=`jid`
wait_state "$J5" COMPLETED
ok 'test "`state_of $J5`" = COMPLETED' "a schedule in the past runs at once"

kurl developer -X POST -d '{"command":["cat","dir/hello.txt","top.sh"],"uploads":[{"path":"dir","dir":true},{"path":"dir/hello.txt","data":"aGVsbG8gdXBsb2FkCg=="},{"path":"top.sh","data":"IyEvYmluL3NoCg==","mode":493}]}' "$URL/v1/jobs"
J6=`jid`
wait_state "$J6" COMPLETED
kurl reader "$URL/v1/jobs/$J6/logs"
ok 'has "hello upload" "$out" && has "#!/bin/sh" "$out"' "uploads land in the job's /work, folders included"
for bad in '../escape' '/etc/passwd' 'a/../../b' 'a//b' '.'; do
	kurl developer -X POST -d "{\"command\":[\"true\"],\"uploads\":[{\"path\":\"$bad\",\"data\":\"eA==\"}]}" "$URL/v1/jobs"
	ok 'test "$code" = 400 && has "must be relative to /work" "$out"' "an upload path \`$bad\` is refused (400)"
done
kurl developer -X POST -d '{"command":["true"],"uploads":[{"path":"x","data":"not base64!"}]}' "$URL/v1/jobs"
ok 'test "$code" = 400 && has "not base64" "$out"' "upload data that is not base64: 400"

# ------------------------------------------------------------------ bad input
kurl developer -X POST -d '{"command":["true"],"max_memroy":64}' "$URL/v1/jobs"
ok 'test "$code" = 400 && has "\`max_memroy\` is not a field of a job" "$out"' "an unknown field is refused, not ignored (400)"
kurl developer -X POST -d '{"command":["true"' "$URL/v1/jobs"
ok 'test "$code" = 400 && has "not valid JSON" "$out"' "malformed JSON: 400"
kurl developer -X POST -d '[1,2]' "$URL/v1/jobs"
ok 'test "$code" = 400 && has "must be a JSON object" "$out"' "a body that is not an object: 400"
kurl developer -X POST -d '{"command":["true"]} {}' "$URL/v1/jobs"
ok 'test "$code" = 400' "trailing data after the object: 400"
kurl developer -X POST -d '{"command":[]}' "$URL/v1/jobs"
ok 'test "$code" = 400 && has "non-empty array" "$out"' "an empty command: 400"
kurl developer -X POST -d '{"command":["true"],"max_cpu":-5}' "$URL/v1/jobs"
ok 'test "$code" = 400 && has "max_cpu" "$out"' "a negative limit: 400"
kurl developer -X POST -d '{"command":["true"],"max_memory":"lots"}' "$URL/v1/jobs"
ok 'test "$code" = 400 && has "whole number" "$out"' "a limit of the wrong type: 400, not ignored"
# The shipped defaults and ceilings (isolation.max_*, isolation.timeout, isolation.ceiling.*).
kurl developer -X POST -d '{"command":["true"],"timeout":172800}' "$URL/v1/jobs"
ok 'test "$code" = 400 && has "timeout 172800 s is above this node'"'"'s ceiling isolation.ceiling.timeout = 86400 s" "$out"' \
	"a timeout above isolation.ceiling.timeout: 400 naming the ceiling"
kurl developer -X POST -d '{"command":["true"],"max_memory":-1}' "$URL/v1/jobs"
ok 'test "$code" = 400 && has "max_memory unlimited is above this node'"'"'s ceiling isolation.ceiling.memory = 8192 MiB" "$out"' \
	"no memory limit under a finite ceiling: 400 naming the ceiling"
kurl developer -X POST -d '{"command":["true"],"max_pids":5000}' "$URL/v1/jobs"
ok 'test "$code" = 400 && has "isolation.ceiling.pids = 4096" "$out"' "max_pids above isolation.ceiling.pids: 400"
kurl developer -X POST -d '{"command":["true"],"max_pids":4194304}' "$URL/v1/jobs"
ok 'test "$code" = 400 && has "max_pids 4194304 is out of range: 1 to 32768" "$out"' \
	"max_pids 4194304: 400 whatever the ceiling (at most 32768)"
kurl developer -X POST -d '{"command":["true"]}' "$URL/v1/jobs"
ok 'test "$code" = 201 && has "\"max_memory\":512," "$out" && has "\"max_pids\":1024," "$out" && has "\"timeout\":3600," "$out"' \
	"a job that gives no limits gets 512 MiB, 1024 processes and 1 h"
kurl developer -X POST -d '{"command":["true"],"network":"host"}' "$URL/v1/jobs"
ok 'test "$code" = 403 && has "only the admin role" "$out"' "a developer may not ask for the host network (403)"
kurl developer -X POST -d '{"command":["true"],"schedule":"tomorrow"}' "$URL/v1/jobs"
ok 'test "$code" = 400 && has "RFC 3339" "$out"' "a schedule that is not RFC 3339: 400"
kurl developer -X POST -d '{"command":["true"],"runtime":"nosuch-runtime"}' "$URL/v1/jobs"
ok 'test "$code" = 404 && has "nosuch-runtime" "$out"' "an unknown runtime: 404 naming it"
head -c 300000 /dev/zero | tr '\0' 'a' >"$TMP/big"
kurl developer -X POST --data-binary "@$TMP/big" "$URL/v1/jobs"
ok 'test "$code" = 413 && has "server.max_request_bytes" "$out"' "a body beyond server.max_request_bytes: 413"
# Sent at once (no 100-continue): the 413 must not race the client into a reset.
n413=0
for _ in 1 2 3 4 5 6 7 8 9 10; do
	kurl developer -X POST --data-binary "@$TMP/big" "$URL/v1/jobs"
	[ "$code" = 413 ] && n413=$((n413 + 1))
done
ok 'test $n413 -eq 10' "... 10 times of 10, never a reset ($n413 answered)"
kurl developer -X POST -H 'Transfer-Encoding: chunked' --data-binary "@$TMP/big" "$URL/v1/jobs"
ok 'test "$code" = 413' "a chunked body beyond the limit: 413 too"
for bad in 'zz' "`echo $J1 | cut -c1-8`X" '-1'; do
	kurl reader "$URL/v1/jobs/$bad"
	ok 'test "$code" = 400 && has "not a job id" "$out"' "a malformed job id \`$bad\`: 400"
done
kurl reader "$URL/v1/jobs/$ID0"
ok 'test "$code" = 404 && has "no job" "$out"' "an unknown job id: 404"
# Two ids that share a prefix are likely among these: find one.
kurl reader "$URL/v1/jobs"
pfx=`printf '%s' "$out" | tr ',' '\n' | sed -n 's/.*"id":"\(.\).*/\1/p' | sort | uniq -d | head -1`
if test -n "$pfx"; then
	kurl reader "$URL/v1/jobs/$pfx"
	ok 'test "$code" = 409 && has "several job ids" "$out"' "an ambiguous prefix: 409 naming the matches"
else
	echo "ok - an ambiguous prefix: 409 naming the matches # SKIP no two ids share a first digit"
fi
kurl reader -H 'Last-Event-ID: nope' "$URL/v1/jobs/$J1/logs"
ok 'test "$code" = 400 && has "not an event id" "$out"' "a bad Last-Event-ID: 400"
ok 'kill -0 $DAEMON_PID' "the daemon is alive after all the bad input"

# ------------------------------------------------------------------ log streams
kurl developer -X POST -d '{"command":["sh","-c","i=0; while [ $i -lt 40 ]; do echo line $i; printf \"\\342\\202\\254 \\377\\n\" >&2; i=$((i+1)); sleep 0.05; done"]}' "$URL/v1/jobs"
JS=`jid`
# 50 followers from the start, while the job runs, one event per record
# (coalesced events depend on when each follower read; see below).
i=0
pids=
while test $i -lt 50; do
	curl -sS --max-time 60 -N --cacert "$CERTS/ca.pem" --cert "$CERTS/client-reader.pem" \
		--key "$CERTS/client-reader-key.pem" "$URL/v1/jobs/$JS/logs?follow=1&coalesce=0" >"$TMP/f$i" 2>&1 &
	pids="$pids $!"
	i=`expr $i + 1`
done
wait_state "$JS" COMPLETED
# (Not a bare wait: the daemon is a child of this script too.)
for p in $pids; do wait $p; done
# kget ROLE URL FILE [curl args]: the body alone into FILE.
kget() {
	_r=$1
	_u=$2
	_f=$3
	shift 3
	curl -sS --max-time 60 --cacert "$CERTS/ca.pem" --cert "$CERTS/client-$_r.pem" \
		--key "$CERTS/client-$_r-key.pem" "$@" "$_u" >"$_f" 2>/dev/null
}
kget reader "$URL/v1/jobs/$JS/logs?coalesce=0" "$TMP/full"
same=0
i=0
while test $i -lt 50; do
	cmp -s "$TMP/f$i" "$TMP/full" && same=`expr $same + 1`
	i=`expr $i + 1`
done
ok 'test $same -eq 50' "50 followers of one running job each got the whole stream, byte for byte ($same of 50)"
ok 'test `grep -c "^event: stdout" "$TMP/full"` -eq 40 && test `grep -c "^event: stderr" "$TMP/full"` -eq 40 && tail -3 "$TMP/full" | grep -q "^event: exit"' \
	"the stream has every line, then the exit event"
ok 'grep -q "\"b64\":\"" "$TMP/full" || grep -q "\\\\u20ac" "$TMP/full" || grep -q "€" "$TMP/full"' \
	"bytes that are not UTF-8 come as base64, UTF-8 as text"
last=`grep '^id: ' "$TMP/full" | tail -1 | cut -d' ' -f2`
k=`expr $last / 2`
kget reader "$URL/v1/jobs/$JS/logs?coalesce=0" "$TMP/resumed" -H "Last-Event-ID: $k"
# The full stream after the event with id k: from the line "id: k+1" on.
awk -v want="id: `expr $k + 1`" 'found || $0 == want { found = 1; print }' "$TMP/full" >"$TMP/tail"
ok 'test -s "$TMP/tail" && cmp -s "$TMP/resumed" "$TMP/tail"' \
	"Last-Event-ID: $k resumes with id `expr $k + 1`: no gap, no duplicate, byte for byte"
kurl reader "$URL/v1/jobs/$JS/logs?after=$last"
ok 'test "`printf "%s" "$out" | grep -c "^id:"`" = 0 && has "event: exit" "$out"' "after the last id only the exit event follows"

# Coalescing: consecutive records of one stream are one event, whose id is
# its last record's; ?coalesce=0 gives one event per record.  The pause
# makes the shim read the output as two records at least; the second keeps
# stderr before the last line (the shim reads two pipes in no set order).
kurl developer -X POST -d '{"command":["sh","-c","i=0; while [ $i -lt 200 ]; do echo line $i; i=$((i+1)); [ $i = 100 ] && sleep 0.3; done; echo err >&2; sleep 0.3; echo last"]}' "$URL/v1/jobs"
JC=`jid`
wait_state "$JC" COMPLETED
kget reader "$URL/v1/jobs/$JC/logs" "$TMP/coalesced"
kget reader "$URL/v1/jobs/$JC/logs?coalesce=0" "$TMP/records"
# datas FILE: the escaped data of every event, joined.
datas() { sed -n 's/^data: {"ts":[0-9]*,"data":"\(.*\)"}$/\1/p' "$1" | tr -d '\n'; }
nrec=`grep -c '^id: ' "$TMP/records"`
lastrec=`grep '^id: ' "$TMP/records" | tail -1 | cut -d' ' -f2`
ok 'test "$nrec" -ge 4 && test "$nrec" = "$lastrec" && grep "^event:" "$TMP/coalesced" | tr "\n" " " | grep -qx "event: stdout event: stderr event: stdout event: exit "' \
	"$nrec records of stdout, stderr, stdout come as three events, then the exit event"
ok 'test "`grep "^id: " "$TMP/coalesced" | tail -1`" = "id: $lastrec" && test "`datas "$TMP/coalesced"`" = "`datas "$TMP/records"`" && test -n "`datas "$TMP/records"`"' \
	"... the last event's id is the last record's, and the bytes are the same as one event per record"
k=`grep '^id: ' "$TMP/coalesced" | head -1 | cut -d' ' -f2`
kget reader "$URL/v1/jobs/$JC/logs?coalesce=0" "$TMP/rtail" -H "Last-Event-ID: $k"
kget reader "$URL/v1/jobs/$JC/logs" "$TMP/ctail" -H "Last-Event-ID: $k"
ok 'test "`datas "$TMP/ctail"`" = "`datas "$TMP/rtail"`" && datas "$TMP/ctail" | grep -q "^err\\\\nlast\\\\n$"' \
	"Last-Event-ID of a coalesced event ($k) resumes after all it carried: no gap, no duplicate"
kget reader "$URL/v1/jobs/$JC/logs" "$TMP/ctail" -H "Last-Event-ID: 1"
kget reader "$URL/v1/jobs/$JC/logs?coalesce=0" "$TMP/rtail" -H "Last-Event-ID: 1"
ok 'test "`datas "$TMP/ctail"`" = "`datas "$TMP/rtail"`" && test "`grep -c "^id: " "$TMP/ctail"`" = 3' \
	"resuming after a record inside an event (1) starts with the next record, coalesced again"

# ------------------------------------------------------------------ delete
kurl developer -X DELETE "$URL/v1/jobs/$J3"
ok 'test "$code" = 200 && has "\"deleted\":\"$J3\"" "$out" && ! test -d "$TMP/state/jobs/$J3"' \
	"deleting an ended job removes its record and folder"
kurl reader "$URL/v1/jobs/$J3"
ok 'test "$code" = 404' "... it is gone"
kurl developer -X POST -d '{"command":["sleep","30"]}' "$URL/v1/jobs"
J7=`jid`
wait_state "$J7" RUNNING
kurl admin -X DELETE "$URL/v1/jobs"
ok 'test "$code" = 200 && has "\"skipped_count\":1" "$out" && test -d "$TMP/state/jobs/$J7"' \
	"delete-all removes the ended jobs and leaves the running one"
kurl developer -X POST "$URL/v1/jobs/$J7/stop"
wait_state "$J7" STOPPED

# ------------------------------------------------------------------ misc
kurl reader "$URL/metrics"
ok 'test "$code" = 200 && has "joblet_jobs{state=\"STOPPED\"} 1" "$out" && has "joblet_jobs_submitted_total" "$out"' \
	"/metrics answers in the Prometheus text format"
kurl reader "$URL/v1/plugins"
ok 'test "$code" = 200 && has "\"scheduler\"" "$out"' "/v1/plugins lists the plugins"

# ------------------------------------------------------------------ ownership
# A job belongs to the CN that submitted it.  developer and maintainer see and
# act on their own jobs only: another's is 404 with the body of a job that does
# not exist; reader sees all and acts on none; admin sees and acts on all.
# developer2 (another CN) and renewed (developer-client again, another key and
# serial) are made here, signed by the API's CA.
mkcert developer2 "cn = developer2-client
unit = developer
tls_www_client
signing_key
$VALID"
mkcert renewed "cn = developer-client
unit = developer
tls_www_client
signing_key
$VALID"
for c in developer2 renewed; do
	cp "$H/$c.pem" "$CERTS/client-$c.pem" && cp "$H/$c-key.pem" "$CERTS/client-$c-key.pem"
done
cron_test=yes
if test "${JOBLET_TEST_UNDER_VALGRIND:-0}" = 1; then
	cron_test=no
else
	# A recurring job of developer2: its runs are developer2's (checked below, once one is made).
	kurl developer2 -X POST -d '{"command":["echo","tick"],"cron":"* * * * *"}' "$URL/v1/jobs"
	JC=`jid`
fi
kurl developer -X POST -d '{"command":["sleep","60"],"env":{"PLAIN":"shown"},"secret_env":{"SECRET":"hunter2"}}' "$URL/v1/jobs"
JO=`jid`
kurl developer -X POST -d '{"command":["sh","-c","echo mine"]}' "$URL/v1/jobs"
JE=`jid`
kurl developer -X POST -d "{\"command\":[\"true\"],\"schedule\":\"$when\"}" "$URL/v1/jobs"
JW=`jid`
kurl admin -X POST -d '{"command":["echo","admins"]}' "$URL/v1/jobs"
JA=`jid`
kurl admin -X POST -d '{"command":["sleep","300"]}' "$URL/v1/jobs"
JAR=`jid`
kurl maintainer -X POST -d '{"command":["echo","maintainers"]}' "$URL/v1/jobs"
JM=`jid`
wait_state "$JO" RUNNING
wait_state "$JE" COMPLETED
wait_state "$JA" COMPLETED
wait_state "$JAR" RUNNING
wait_state "$JM" COMPLETED
ok 'test -n "$JO" && test -n "$JE" && test -n "$JW" && test -n "$JA" && test -n "$JAR" && test -n "$JM"' \
	"jobs of developer, admin and maintainer are recorded"

# probe ROLE METHOD TEMPLATE ID: the answer when @ in TEMPLATE is ID ($code), with ID written @ ($norm).
probe() {
	_u=`printf '%s' "$3" | sed "s|@|$4|"`
	kurl $1 -X "$2" "$URL$_u"
	norm=`printf '%s' "$out" | sed "s|$4|@|g"`
}
MISSING=ffffffff-ffff-4fff-bfff-ffffffffffff
# Every per-job route, on a job of someone else: 404, and byte for byte the answer to a missing job.
cases="developer2 GET /v1/jobs/@ $JO $MISSING
developer2 GET /v1/jobs/@ $JE $MISSING
developer2 GET /v1/jobs/@ `echo $JE | cut -c1-8` ffffffff
developer2 GET /v1/jobs/@/logs $JE $MISSING
developer2 GET /v1/jobs/@/logs?follow=1 $JE $MISSING
developer2 POST /v1/jobs/@/stop $JO $MISSING
developer2 POST /v1/jobs/@/cancel $JW $MISSING
developer2 DELETE /v1/jobs/@ $JE $MISSING
maintainer GET /v1/jobs/@ $JO $MISSING
maintainer GET /v1/jobs/@/logs $JE $MISSING
maintainer POST /v1/jobs/@/stop $JO $MISSING
maintainer POST /v1/jobs/@/cancel $JW $MISSING
maintainer DELETE /v1/jobs/@ $JE $MISSING
developer GET /v1/jobs/@ $JA $MISSING
developer GET /v1/jobs/@/logs $JA $MISSING
developer GET /v1/jobs/@ $JM $MISSING
developer POST /v1/jobs/@/stop $JAR $MISSING
developer POST /v1/jobs/@/cancel $JAR $MISSING
developer DELETE /v1/jobs/@ $JA $MISSING
developer DELETE /v1/jobs/@ $JM $MISSING"
echo "$cases" | {
	n=0
	bad=0
	while read -r who method tmpl id missing; do
		probe $who $method "$tmpl" $missing
		want=$norm
		probe $who $method "$tmpl" $id
		n=`expr $n + 1`
		if test "$code" != 404 || test "$norm" != "$want" || has "$id" "$norm"; then
			bad=`expr $bad + 1`
			echo "# $who $method $tmpl on $id: $code $out (want 404 $want)"
		fi
	done
	echo "$n $bad" >"$TMP/own.result"
}
read n bad <"$TMP/own.result"
ok 'test "$n" = 20 && test "$bad" = 0' \
	"another's job is 404 with the body of a missing job on every per-job route and role ($n checked, $bad wrong)"
ok 'test "`state_of $JO`" = RUNNING && test "`state_of $JW`" = SCHEDULED && test "`state_of $JE`" = COMPLETED && test "`state_of $JAR`" = RUNNING && test "`state_of $JA`" = COMPLETED && test "`state_of $JM`" = COMPLETED' \
	"... and none of those jobs was stopped, canceled or deleted"

kurl developer2 "$URL/v1/jobs"
ok 'test "$code" = 200 && ! has "$JO" "$out" && ! has "$JE" "$out" && ! has "$JA" "$out" && ! has "$JM" "$out" && ! has "\"owner\":\"developer-client\"" "$out" && ! has "\"owner\":\"admin-client\"" "$out"' \
	"list: a developer sees none of the others' jobs"
kurl developer2 "$URL/v1/jobs?owner=developer-client"
ok 'test "$code" = 200 && test "$out" = "[]"' "list ?owner= naming someone else gives a developer nothing"
kurl maintainer "$URL/v1/jobs"
ok 'has "$JM" "$out" && ! has "$JO" "$out" && ! has "$JA" "$out"' "list: a maintainer sees its own jobs only"
kurl developer "$URL/v1/jobs"
ok 'has "$JO" "$out" && has "$JE" "$out" && has "$JW" "$out" && ! has "$JA" "$out" && ! has "$JM" "$out" && ! has hunter2 "$out"' \
	"list: a developer sees its own jobs"
kurl developer "$URL/v1/jobs?owner=developer-client&status=COMPLETED"
ok 'has "$JE" "$out" && ! has "$JO" "$out"' "... ?owner= itself and ?status= still filter"
kurl renewed "$URL/v1/jobs/$JE"
ok 'test "$code" = 200 && has "\"owner\":\"developer-client\"" "$out"' \
	"identity is the CN: another certificate with the same CN (a renewal) sees the job"

for j in $JO $JA $JM $JAR; do
	kurl reader "$URL/v1/jobs/$j"
	ok 'test "$code" = 200 && ! has hunter2 "$out"' "reader reads any job ($j), without secret values"
done
kurl reader "$URL/v1/jobs/$JO"
ok 'has "\"SECRET\":\"***\"" "$out" && has "\"PLAIN\":\"shown\"" "$out"' "... env shown, secret env as ***"
kurl reader "$URL/v1/jobs/$JM/logs"
ok 'test "$code" = 200 && has "maintainers" "$out"' "reader reads another's log"
kurl reader "$URL/v1/jobs/$JO/logs?follow=1" --max-time 2
ok '! has hunter2 "$out"' "... and follows it (SSE) without secret values"
kurl reader "$URL/v1/jobs"
ok 'has "$JO" "$out" && has "$JA" "$out" && has "$JM" "$out" && ! has hunter2 "$out"' "reader lists every job, without secrets"
kurl reader "$URL/v1/jobs?owner=maintainer-client"
ok 'has "$JM" "$out" && ! has "$JO" "$out"' "reader lists one owner's jobs with ?owner="
kurl reader -X POST "$URL/v1/jobs/$JO/stop"
c1=$code
kurl reader -X POST "$URL/v1/jobs/$JW/cancel"
c2=$code
kurl reader -X DELETE "$URL/v1/jobs/$JE"
c3=$code
kurl reader -X DELETE "$URL/v1/jobs"
c4=$code
ok 'test "$c1$c2$c3$c4" = 403403403403 && test "`state_of $JO`" = RUNNING && test "`state_of $JW`" = SCHEDULED && test "`state_of $JE`" = COMPLETED' \
	"reader acts on nothing: stop, cancel, delete, delete-all are 403"

kurl admin "$URL/v1/jobs"
ok 'has "$JO" "$out" && has "$JM" "$out" && has "$JA" "$out"' "admin lists every job"
kurl admin "$URL/v1/jobs/$JO/logs"
ok 'test "$code" = 200' "admin reads another's log"
kurl admin -X POST "$URL/v1/jobs/$JW/cancel"
ok 'test "$code" = 200 && has "CANCELED" "$out"' "admin cancels a developer's job"
kurl admin -X DELETE "$URL/v1/jobs/$JM"
ok 'test "$code" = 200' "admin deletes a maintainer's job"

kurl developer -X POST "$URL/v1/jobs/$JO/stop"
ok 'test "$code" = 200' "a developer stops its own job"
wait_state "$JO" STOPPED
kurl developer "$URL/v1/jobs/`echo $JE | cut -c1-8`/logs"
ok 'test "$code" = 200 && has "mine" "$out"' "a developer reads its own log by a prefix"

if test "$cron_test" = yes; then
	# The first run is made at the next minute.
	i=0
	while test $i -lt 75; do
		kurl developer2 "$URL/v1/jobs"
		child=`printf '%s' "$out" | tr '{' '\n' | grep "\"parent\":\"$JC\"" | sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p' | head -1`
		test -n "$child" && break
		sleep 1
		i=`expr $i + 1`
	done
	ok 'test -n "$child" && has "\"owner\":\"developer2-client\"" "$out"' \
		"a run of a recurring job belongs to the owner of the recurring job"
	kurl developer "$URL/v1/jobs"
	ok '! has "$child" "$out" && ! has "$JC" "$out"' "... and is not listed for another developer"
	probe developer GET /v1/jobs/@ $MISSING
	want=$norm
	probe developer GET /v1/jobs/@ $child
	ok 'test "$code" = 404 && test "$norm" = "$want"' "... who gets 404 for it"
	probe developer GET /v1/jobs/@/logs $child
	ok 'test "$code" = 404' "... and for its log"
	kurl developer2 -X POST "$URL/v1/jobs/$JC/cancel"
	ok 'test "$code" = 200' "its owner cancels the recurring job"
else
	echo "ok - a run of a recurring job belongs to the owner of the recurring job # SKIP waits for the wall clock: not under valgrind"
fi

# delete-all: only the caller's own ended jobs; another's neither touched nor counted.
kurl developer2 -X POST -d '{"command":["true"]}' "$URL/v1/jobs"
JD2=`jid`
wait_state "$JD2" COMPLETED
kurl developer2 -X DELETE "$URL/v1/jobs"
ok 'test "$code" = 200 && has "\"skipped_count\":0" "$out" && test "`state_of $JD2`" = ""' \
	"delete-all by a developer removes its own ended jobs, and counts no one else's running job"
kurl reader "$URL/v1/jobs/$JE"
c1=$code
kurl reader "$URL/v1/jobs/$JA"
ok 'test "$c1" = 200 && test "$code" = 200' "... the others' ended jobs are still there"
kurl developer -X DELETE "$URL/v1/jobs"
ok 'test "$code" = 200 && has "\"skipped_count\":0" "$out" && test "`state_of $JE`" = "" && test "`state_of $JO`" = "" && test "`state_of $JA`" = COMPLETED' \
	"delete-all by the owner removes its ended jobs, not the admin's"
kurl admin -X POST "$URL/v1/jobs/$JAR/stop"
wait_state "$JAR" STOPPED
# rnx says the same.
run "$RNX" --config "$CERTS/rnx-config-admin.yml" job list
ok 'test $rc -eq 0 && has "OWNER" "$out" && has "admin-client" "$out" && has "$JA" "$out"' \
	"rnx job list shows each job's owner"
run "$RNX" --config "$CERTS/rnx-config-developer.yml" job list --owner=admin-client
ok 'test $rc -eq 0 && test -z "$out" && has "no jobs you may see owned by admin-client" "$err"' \
	"rnx job list --owner naming someone else: none, saying so"
run "$RNX" --config "$CERTS/rnx-config-developer.yml" job status "$JA"
ok 'test $rc -ne 0 && has "no job \`$JA\`" "$err"' "rnx job status of another's job: no job"


stop_daemon
ok 'test $DAEMON_STATUS -eq 0' "the daemon stops on SIGTERM"

# ------------------------------------------------------------------ caps and the CRL
printf 'crl_next_update = 30\ncrl_number = 1\n' >"$TMP/crl.tmpl"
certtool --generate-crl --load-ca-privkey "$CERTS/ca/ca-key.pem" --load-ca-certificate "$CERTS/ca.pem" \
	--template "$TMP/crl.tmpl" --outfile "$TMP/empty-crl.pem" >/dev/null 2>&1
cp "$TMP/empty-crl.pem" "$TMP/crl-now.pem"
printf 'crl_next_update = 30\ncrl_number = 2\n' >"$TMP/crl2.tmpl"
certtool --generate-crl --load-ca-privkey "$CERTS/ca/ca-key.pem" --load-ca-certificate "$CERTS/ca.pem" \
	--load-certificate "$CERTS/client-developer.pem" --template "$TMP/crl2.tmpl" \
	--outfile "$TMP/revoked-crl.pem" >/dev/null 2>&1
start_daemon "$STACK" "  max_connections_per_client: 3" "    crl: $TMP/crl-now.pem" || exit 1
kurl developer "$URL/v1/version"
ok 'test "$code" = 200' "with an empty CRL the developer certificate works"
kurl developer -X POST -d '{"command":["sleep","30"]}' "$URL/v1/jobs"
JL=`jid`
# Three followers hold three connections: a fourth request is over the cap.
pids=
for i in 1 2 3; do
	curl -sS --max-time 20 -N --cacert "$CERTS/ca.pem" --cert "$CERTS/client-reader.pem" \
		--key "$CERTS/client-reader-key.pem" "$URL/v1/jobs/$JL/logs?follow=1" >/dev/null 2>&1 &
	pids="$pids $!"
done
# (Polling the daemon here would take a connection of its own: give them time instead.)
sleep 2
kurl reader "$URL/v1/version"
ok 'test "$code" = 429 && has "server.max_connections_per_client" "$out"' "a client over max_connections_per_client gets 429 saying why"
cp "$TMP/revoked-crl.pem" "$TMP/crl-now.pem"
kill -HUP $DAEMON_PID
wait_until 'grep -q "TLS credentials reloaded" "$DLOG"'
ok 'grep -q "CRL .* (1 list)" "$DLOG"' "SIGHUP reloads the CRL"
kurl developer -X POST "$URL/v1/jobs/$JL/stop"
ok 'test "$code" = 000 && test -z "$out"' "a certificate revoked by the reloaded CRL is refused in the handshake"
# The followers go: their connections free the cap again.
for p in $pids; do kill $p 2>/dev/null; wait $p 2>/dev/null; done
pids=
wait_until 'kurl reader "$URL/v1/version"; test "$code" = 200'
ok 'test "`state_of $JL`" = RUNNING' "the reload did not touch the running job"
kurl admin -X POST "$URL/v1/jobs/$JL/stop"
wait_state "$JL" STOPPED
for p in $pids; do wait $p; done
stop_daemon
