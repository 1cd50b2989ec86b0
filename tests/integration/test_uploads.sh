#!/bin/sh
# test_uploads.sh - uploads of POST /v1/jobs as multipart/form-data, and the
# limits of request bodies (docs/security.md, "Limits a client meets"):
# files of tens of MB sent with curl -F and with rnx reach the job byte for
# byte while the daemon's peak RSS (VmHWM) stays bounded; a body past
# server.max_request_bytes gets 413 and leaves no spool; paths with `..`,
# absolute ones and a file used as a folder are refused; a JSON body that
# can never fit the in-memory budget gets 413, one that does not fit now
# 503 with Retry-After, past server.max_uploads_per_identity 429 with
# Retry-After, past server.max_streamed_uploads 503; /metrics counts them.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

if ! command -v curl >/dev/null 2>&1; then
	echo "# curl not found (Debian package curl)"
	exit 77
fi
# Under valgrind the peak RSS is valgrind's and the files are made smaller.
# Under ASan it is the quarantine's (freed memory kept, up to 256 MiB), so
# the peak is not measured there either.
VG=${JOBLET_TEST_UNDER_VALGRIND:-0}
MB=40
test "$VG" = 1 && MB=4
NO_RSS=$VG
test "${JOBLET_TEST_SANITIZERS:-no}" = yes && NO_RSS=1
STACK=
test "$no_isolation" = yes || test "`id -u`" -ne 0 && STACK="isolation:
  stack: [none]"
start_daemon "$STACK" "  max_request_bytes: 48MiB
  max_buffered_bytes: 1MiB
  max_uploads_per_identity: 2
  max_streamed_uploads: 2" || exit 1
SPOOL=$TMP/state/uploads

hwm_kb() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$DAEMON_PID/status; }
spool_empty() { test -z "`ls -A "$SPOOL" 2>/dev/null`"; }

# ------------------------------------------------------------------ curl -F
head -c ${MB}000000 /dev/urandom >"$TMP/big.bin"
echo small >"$TMP/small.txt"
SUM=`sha256sum <"$TMP/big.bin" | cut -d' ' -f1`
printf '%s' '{"command":["sh","-c","sha256sum <big.bin; cat d/small.txt; stat -c %a d/small.txt d empty"],"uploads":[{"path":"d","dir":true,"mode":488},{"path":"d/small.txt","mode":384},{"path":"empty","dir":true}]}' >"$TMP/job.json"
HWM0=`hwm_kb`
kurl developer -F "job=<$TMP/job.json;type=application/json" -F "upload=@$TMP/big.bin;filename=big.bin" \
	-F "upload=@$TMP/small.txt;filename=d/small.txt" "$URL/v1/jobs"
J1=`jid`
ok 'test "$code" = 201 && has "\"uploads\":[" "$out"' "a $MB MB upload with curl -F: 201"
wait_state "$J1" COMPLETED
kurl reader "$URL/v1/jobs/$J1/logs"
ok 'has "$SUM" "$out"' "the job reads the uploaded file byte for byte (sha256)"
ok 'has "small" "$out" && has "600" "$out" && has "750" "$out" && has "755" "$out"' "folders and modes of the job part apply"
HWM1=`hwm_kb`
echo "# daemon VmHWM: ${HWM0} kB before, ${HWM1} kB after a $MB MB multipart upload"
ok 'test "$NO_RSS" = 1 || test "$HWM1" -lt `expr $HWM0 + 16384`' "the daemon's peak RSS grows by less than 16 MiB for a $MB MB upload"
ok 'spool_empty' "the spool is empty once the job is made"

# ------------------------------------------------------------------ rnx --upload
mkdir -p "$TMP/tree/sub"
head -c `expr $MB / 4 \* 3`000000 /dev/urandom >"$TMP/tree/sub/data.bin"
printf '#!/bin/sh\necho run-ok\n' >"$TMP/tree/run.sh"
chmod 755 "$TMP/tree/run.sh"
SUM2=`sha256sum <"$TMP/tree/sub/data.bin" | cut -d' ' -f1`
run "$RNX" --config "$CERTS/rnx-config-developer.yml" job run --upload "$TMP/tree" -- sh -c 'sha256sum <tree/sub/data.bin; ./tree/run.sh'
J2=`printf '%s' "$out" | sed -n 's/^Job \([0-9a-f-]*\) .*/\1/p'`
ok 'test $rc = 0 && test -n "$J2"' "rnx job run --upload of a folder with tens of MB: submitted"
wait_state "$J2" COMPLETED
kurl reader "$URL/v1/jobs/$J2/logs"
ok 'has "$SUM2" "$out" && has "run-ok" "$out"' "rnx uploads reach the job byte for byte, modes kept"
HWM2=`hwm_kb`
ok 'test "$NO_RSS" = 1 || test "$HWM2" -lt `expr $HWM0 + 16384`' "the daemon's peak RSS stays bounded after rnx's upload too (${HWM2} kB)"

# ------------------------------------------------------------------ 413, nothing left
head -c 52000000 /dev/zero >"$TMP/huge.bin"
kurl developer -F "job=<$TMP/job.json" -F "upload=@$TMP/huge.bin;filename=huge.bin" "$URL/v1/jobs"
ok 'test "$code" = 413 && has "max_request_bytes" "$out"' "a multipart body past server.max_request_bytes: 413"
kurl developer -H 'Transfer-Encoding: chunked' -F "job=<$TMP/job.json" -F "upload=@$TMP/huge.bin;filename=huge.bin" "$URL/v1/jobs"
ok 'test "$code" = 413' "the same sent chunked (no length announced): 413"
ok 'spool_empty' "a refused upload leaves nothing in the spool"

# ------------------------------------------------------------------ hostile paths
for bad in '../escape' '/etc/passwd-joblet' 'a/../../b' 'a//b' '.'; do
	kurl developer -F "job=<$TMP/job.json" -F "upload=@$TMP/small.txt;filename=$bad" "$URL/v1/jobs"
	ok 'test "$code" = 400 && has "relative to /work" "$out"' "an upload part named \`$bad\` is refused (400)"
done
kurl developer -F 'job={"command":["true"]}' -F "upload=@$TMP/small.txt;filename=f" \
	-F "upload=@$TMP/small.txt;filename=f/x" "$URL/v1/jobs"
ok 'test "$code" = 400 && has "not a folder" "$out"' "a file used as a folder of another upload: 400"
kurl developer -F 'job={"command":["true"]}' -F "upload=@$TMP/small.txt;filename=f" \
	-F "upload=@$TMP/small.txt;filename=f" "$URL/v1/jobs"
ok 'test "$code" = 400 && has "given twice" "$out"' "the same path twice: 400"
kurl developer -F 'job={"command":["true"],"uploads":[{"path":"x","data":"eA=="}]}' "$URL/v1/jobs"
ok 'test "$code" = 400 && has "part named \`upload\`" "$out"' "base64 data in the job part of a multipart body: 400"
kurl developer -F "upload=@$TMP/small.txt;filename=f" "$URL/v1/jobs"
ok 'test "$code" = 400 && has "part named \`job\`" "$out"' "a multipart body without its job part: 400"
ok 'spool_empty && ! test -e "$TMP/state/escape" && ! test -e /etc/passwd-joblet' "hostile paths left nothing behind, inside or outside"

# ------------------------------------------------------------------ budgets and caps
head -c 400000 /dev/zero | tr '\0' a >"$TMP/pad"
printf '{"command":["true"],"env":{"PAD":"%s"}}' "`cat "$TMP/pad"`" >"$TMP/fat.json"
kurl developer -H 'Content-Type: application/json' --data-binary "@$TMP/fat.json" "$URL/v1/jobs"
ok 'test "$code" = 413 && has "multipart/form-data" "$out"' "a JSON body that can never fit server.max_buffered_bytes: 413 naming multipart"
head -c 200000 /dev/zero | tr '\0' a >"$TMP/pad"
printf '{"command":["true"],"env":{"PAD":"%s"}}' "`cat "$TMP/pad"`" >"$TMP/half.json"
# A slow client holds 600 KB of the 1 MiB budget and one of developer's two slots.
curl -sS -o /dev/null --max-time 60 --limit-rate 20k -H 'Expect:' --cacert "$CERTS/ca.pem" \
	--cert "$CERTS/client-developer.pem" --key "$CERTS/client-developer-key.pem" \
	-H 'Content-Type: application/json' --data-binary "@$TMP/half.json" "$URL/v1/jobs" &
SLOW1=$!
wait_until 'kurl reader "$URL/metrics"; has "joblet_buffered_body_bytes 6" "$out"'
kurl maintainer -i -H 'Content-Type: application/json' --data-binary "@$TMP/half.json" "$URL/v1/jobs"
ok 'test "$code" = 503 && has "Retry-After:" "$out" && has "max_buffered_bytes" "$out"' "a JSON body that does not fit the budget now: 503 with Retry-After"
# A slow multipart client: developer's second slot, one of two spools.
curl -sS -o /dev/null --max-time 60 --limit-rate 20k -H 'Expect:' --cacert "$CERTS/ca.pem" \
	--cert "$CERTS/client-developer.pem" --key "$CERTS/client-developer-key.pem" \
	-F 'job={"command":["true"]}' -F "upload=@$TMP/pad;filename=pad" "$URL/v1/jobs" &
SLOW2=$!
wait_until 'kurl reader "$URL/metrics"; has "joblet_streamed_uploads 1" "$out"'
kurl developer -i -F 'job={"command":["true"]}' "$URL/v1/jobs"
ok 'test "$code" = 429 && has "Retry-After:" "$out" && has "max_uploads_per_identity" "$out"' "past server.max_uploads_per_identity: 429 with Retry-After"
kurl developer -i "$URL/v1/jobs"
ok 'test "$code" = 200' "requests without a body are not capped"
curl -sS -o /dev/null --max-time 60 --limit-rate 20k -H 'Expect:' --cacert "$CERTS/ca.pem" \
	--cert "$CERTS/client-maintainer.pem" --key "$CERTS/client-maintainer-key.pem" \
	-F 'job={"command":["true"]}' -F "upload=@$TMP/pad;filename=pad" "$URL/v1/jobs" &
SLOW3=$!
wait_until 'kurl reader "$URL/metrics"; has "joblet_streamed_uploads 2" "$out"'
kurl admin -i -F 'job={"command":["true"]}' -F "upload=@$TMP/small.txt;filename=s" "$URL/v1/jobs"
ok 'test "$code" = 503 && has "Retry-After:" "$out" && has "max_streamed_uploads" "$out"' "past server.max_streamed_uploads: 503 with Retry-After"
kurl reader "$URL/metrics"
ok 'has "joblet_body_refusals_total{reason=\"busy\"} 2" "$out" && has "joblet_body_refusals_total{reason=\"identity\"} 1" "$out" && has "joblet_body_refusals_total{reason=\"too_large\"} 1" "$out"' "/metrics counts the refusals"
kill $SLOW1 $SLOW2 $SLOW3 2>/dev/null
wait $SLOW1 $SLOW2 $SLOW3 2>/dev/null
wait_until 'kurl reader "$URL/metrics"; has "joblet_buffered_body_bytes 0" "$out" && has "joblet_streamed_uploads 0" "$out"'
ok 'has "joblet_buffered_body_bytes 0" "$out" && has "joblet_streamed_uploads 0" "$out"' "clients that go away give their share back"
ok 'spool_empty' "an upload cut off leaves nothing in the spool"
kurl developer -F 'job={"command":["true"]}' -F "upload=@$TMP/small.txt;filename=s" "$URL/v1/jobs"
ok 'test "$code" = 201' "after that, uploads are taken again"

# ------------------------------------------------------------------ rnx waits on Retry-After
curl -sS -o /dev/null --max-time 60 --limit-rate 100k -H 'Expect:' --cacert "$CERTS/ca.pem" \
	--cert "$CERTS/client-developer.pem" --key "$CERTS/client-developer-key.pem" \
	-F 'job={"command":["true"]}' -F "upload=@$TMP/pad;filename=pad" "$URL/v1/jobs" &
SLOW1=$!
curl -sS -o /dev/null --max-time 60 --limit-rate 100k -H 'Expect:' --cacert "$CERTS/ca.pem" \
	--cert "$CERTS/client-developer.pem" --key "$CERTS/client-developer-key.pem" \
	-F 'job={"command":["true"]}' -F "upload=@$TMP/pad;filename=pad" "$URL/v1/jobs" &
SLOW2=$!
wait_until 'kurl reader "$URL/metrics"; has "joblet_streamed_uploads 2" "$out"'
run "$RNX" --config "$CERTS/rnx-config-developer.yml" job run --upload "$TMP/small.txt" -- true
# Under valgrind rnx starts too slowly to meet the held slot: only the submission counts there.
ok 'test $rc = 0 && { test "$VG" = 1 || has "trying again" "$err"; }' "rnx waits for Retry-After on 429/503 and then submits"
wait $SLOW1 $SLOW2 2>/dev/null

stop_daemon
ok 'test "$DAEMON_STATUS" = 0' "the daemon stops cleanly"
mkdir -p "$SPOOL/leftover/sub"
echo x >"$SPOOL/leftover/sub/f"
start_daemon "$STACK" || exit 1
ok 'spool_empty' "the daemon clears spool leftovers at start"
stop_daemon
