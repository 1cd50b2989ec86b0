#!/bin/sh
# test_ui_server.sh - `rnx ui`'s local server with curl (docs/ui.md): it
# listens on 127.0.0.1 only; the token turns into an HttpOnly SameSite
# cookie; without it, with another Host or another Origin a request is
# refused; answers carry the security headers; the API is relayed with the
# daemon's statuses and messages, only on the routes of its table; a log
# stream is relayed event by event, resumes with Last-Event-ID, and ends at
# the node when the browser goes away; strict parsing refuses oversized and
# chunked requests; SIGTERM ends it with streams open.  test_ui.sh drives
# the pages in a real browser.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

if ! command -v curl >/dev/null 2>&1; then
	echo "1..0 # SKIP curl not found (Debian package curl)"
	exit 77
fi

UI_PIDS=
ui_cleanup() {
	for p in $UI_PIDS; do kill "$p" 2>/dev/null; done
	test -n "${DAEMON_PID:-}" && stop_daemon
	tap_exit
}
trap ui_cleanup EXIT

# start_ui ROLE: rnx ui with ROLE's configuration; $UI_URL, $UI_PORT, $UI_TOKEN, $UI_PID.
start_ui() {
	: >"$TMP/ui-$1.out"
	"$RNX" --config "$CERTS/rnx-config-$1.yml" ui >"$TMP/ui-$1.out" 2>"$TMP/ui-$1.err" &
	UI_PID=$!
	UI_PIDS="$UI_PIDS $UI_PID"
	# Under valgrind rnx starts slowly: up to 60 s.
	_i=0
	while ! grep -q '^http://' "$TMP/ui-$1.out" && test $_i -lt 600; do
		kill -0 $UI_PID 2>/dev/null || break
		sleep 0.1
		_i=`expr $_i + 1`
	done
	UI_URL=`head -n 1 "$TMP/ui-$1.out"`
	UI_PORT=`printf '%s' "$UI_URL" | sed -n 's|^http://127\.0\.0\.1:\([0-9]*\)/?token=.*|\1|p'`
	UI_TOKEN=`printf '%s' "$UI_URL" | sed -n 's|.*?token=||p'`
}

# ucurl ARGS...: curl at the dashboard ($out: body, $code: status, $hdr: head).
ucurl() {
	curl -sS --max-time 30 -D "$TMP/.hdr" -o "$TMP/.out" -w '%{http_code}' "$@" >"$TMP/.code" 2>"$TMP/.err" </dev/null
	rc=$?
	code=`cat "$TMP/.code"`
	out=`cat "$TMP/.out"`
	hdr=`tr -d '\r' <"$TMP/.hdr"`
	err=`cat "$TMP/.err"`
}

run "$RNX" ui --port=http
ok 'test $rc -eq 2 && has "--port takes a number" "$err"' "rnx ui --port=http is a usage error"

start_daemon || exit 1
start_ui developer
DEV_PID=$UI_PID
B=http://127.0.0.1:$UI_PORT
ok 'test -n "$UI_PORT" && printf "%s" "$UI_TOKEN" | grep -qE "^[0-9a-f]{64}$"' \
	"rnx ui prints http://127.0.0.1:PORT/?token=<64 hex digits> on stdout ($UI_URL)"
hexport=`printf '%04X' "$UI_PORT"`
ok 'grep -q " 0100007F:$hexport 00000000:0000 0A" /proc/net/tcp && ! grep -q " 00000000:$hexport 00000000:0000 0A" /proc/net/tcp' \
	"it listens on 127.0.0.1 only"

# ------------------------------------------------------------------ the token
ucurl "$B/"
ok 'test "$code" = 401 && has "needs its token" "$out"' "without the token a page is 401, saying what to open"
ucurl "$B/?token=0000000000000000000000000000000000000000000000000000000000000000"
ok 'test "$code" = 401' "a wrong token is 401"
ucurl "$B/?token=$UI_TOKEN"
ok 'test "$code" = 303 && has "Set-Cookie: rnx_ui_$UI_PORT=$UI_TOKEN; Path=/; HttpOnly; SameSite=Strict" "$hdr" && has "Location: /" "$hdr"' \
	"the token sets an HttpOnly SameSite=Strict cookie and redirects to / (away from the token)"
C="Cookie: rnx_ui_$UI_PORT=$UI_TOKEN"
ucurl -H "$C" "$B/"
ok 'test "$code" = 200 && has "Content-Type: text/html" "$hdr" && has "<script src=\"/app.js\"" "$out"' "the cookie opens the page"
ok 'has "Content-Security-Policy: default-src '"'self'"'" "$hdr" && has "frame-ancestors '"'none'"'" "$hdr" && has "X-Content-Type-Options: nosniff" "$hdr" && has "Referrer-Policy: no-referrer" "$hdr" && has "Cache-Control: no-store" "$hdr"' \
	"answers carry CSP (default-src 'self', frame-ancestors 'none'), nosniff, no-referrer, no-store"
ok '! grep -qE "(src|href)=\"(https?:)?//" "$TMP/.out"' "the page loads nothing from elsewhere"
ucurl -H "$C" "$B/app.js"
ok 'test "$code" = 200 && has "Content-Type: text/javascript" "$hdr" && ! has "innerHTML" "$out"' \
	"app.js is served from rnx itself, and draws without innerHTML"
ucurl -H "Cookie: rnx_ui_$UI_PORT=${UI_TOKEN}0" "$B/api/v1/version"
ok 'test "$code" = 401 && has "\"error\"" "$out"' "a wrong cookie is 401 on the API too (JSON)"

# ------------------------------------------------------------------ Host and Origin
ucurl -H "$C" -H "Host: rebind.example:$UI_PORT" "$B/"
ok 'test "$code" = 421 && has "127.0.0.1:$UI_PORT" "$out"' "another Host (DNS rebinding) is refused"
ucurl -H "$C" -H "Host: localhost:$UI_PORT" "$B/api/v1/version"
ok 'test "$code" = 200' "Host localhost:PORT is taken"
ucurl -H "$C" -H "Origin: http://evil.example" "$B/api/v1/version"
ok 'test "$code" = 403' "another Origin is refused"
ucurl -H "$C" -X POST "$B/api/v1/jobs/0123abcd/stop"
ok 'test "$code" = 403 && has "Origin" "$out"' "a POST with the cookie but without the page's Origin is refused"

# ------------------------------------------------------------------ the API relayed
A="Authorization: Bearer $UI_TOKEN"
ucurl -H "$A" "$B/api/v1/version"
ok 'test "$code" = 200 && has "\"role\":\"developer\"" "$out" && has "Cache-Control: no-store" "$hdr"' \
	"GET /api/v1/version is the node's answer for this certificate (Bearer token)"
ucurl -H "$A" "$B/api/v1/jobs/0123abcd"
ok 'test "$code" = 404 && has "\"code\":\"not-found\"" "$out" && has "rnx job list" "$out"' \
	"a daemon's 404 passes with its status and message"
ucurl -H "$A" "$B/api/v1/audit"
ok 'test "$code" = 404 && has "does not relay" "$out"' "a route outside the table is not relayed"
ucurl -H "$A" --path-as-is "$B/api/v1/jobs/..%2f..%2fmetrics"
ok 'test "$code" = 404' "a segment with dots or % is not relayed"
ucurl -H "$A" "$B/api/v1/jobs?owner=x&limit=1"
ok 'test "$code" = 400 && has "query" "$out"' "a query parameter the route does not take is refused"
ucurl -H "$A" -X PUT "$B/api/v1/jobs"
ok 'test "$code" = 405' "a method the route does not take is 405"

# A job printing to stdout and stderr, then sleeping.
run "$RNX" --config "$CERTS/rnx-config-developer.yml" --json job run -- sh -c 'echo one; sleep 0.3; echo two >&2; sleep 0.3; echo three; exec sleep 600'
ID=`printf '%s' "$out" | sed -n 's/.*"id": *"\([0-9a-f-]*\)".*/\1/p' | head -n 1`
ok 'test -n "$ID"' "a job to follow ($ID)"
# The log streams live: read until the third record, then stop.
curl -sSN --max-time 20 -H "$A" "$B/api/v1/jobs/$ID/logs?follow=1&coalesce=0" >"$TMP/sse" 2>"$TMP/sse.err" &
CURL_PID=$!
wait_until 'grep -q "three" "$TMP/sse"'
ok 'grep -q "^event: stdout" "$TMP/sse" && grep -q "^event: stderr" "$TMP/sse" && grep -q "^id: 3" "$TMP/sse" && grep -q "data: {.*\"data\":\"two\\\\n\"}" "$TMP/sse"' \
	"a log stream is relayed live, event by event (id, event, data)"
ok 'kill -0 $CURL_PID 2>/dev/null' "... and stays open while the job runs"
kill $CURL_PID 2>/dev/null
wait $CURL_PID 2>/dev/null
followers() {
	kurl reader "$URL/metrics"
	printf '%s\n' "$out" | sed -n 's/^joblet_log_followers \([0-9]*\)$/\1/p'
}
wait_until 'test "`followers`" = 0'
ok 'test "`followers`" = 0' "when the browser goes away, the stream to the node ends too"
ucurl --max-time 5 -H "$A" -H "Last-Event-ID: 2" "$B/api/v1/jobs/$ID/logs?follow=1&coalesce=0"
ok 'has "id: 3" "$out" && ! has "id: 2" "$out" && ! has "\"one" "$out"' \
	"Last-Event-ID passes to the node: the stream resumes after that record"
ucurl -H "$A" -H "Last-Event-ID: `printf 'x%.0s' $(seq 1 80)`" "$B/api/v1/jobs/$ID/logs"
ok 'test "$code" = 400' "a Last-Event-ID that is not a short line is refused"
ucurl -H "$A" "$B/api/v1/jobs/0123abcd/logs?follow=1"
ok 'test "$code" = 404 && has "\"not-found\"" "$out"' "a stream the node refuses keeps the node's status and message"

# ------------------------------------------------------------------ roles
start_ui reader
ucurl -H "Authorization: Bearer $UI_TOKEN" -X POST "http://127.0.0.1:$UI_PORT/api/v1/jobs/$ID/stop"
ok 'test "$code" = 403 && has "role reader may not" "$out"' "a reader's stop is the daemon's 403 and message"
ucurl -H "$A" -X POST -H "Origin: $B" "$B/api/v1/jobs/$ID/stop"
ok 'test "$code" = 200' "the developer's stop passes (with the page's Origin)"
wait_state "$ID" STOPPED
ok 'test "`state_of $ID`" = STOPPED' "... and the job is STOPPED"

# ------------------------------------------------------------------ strict parsing
big=`head -c 20000 /dev/zero | tr '\0' a`
ucurl -H "$A" -H "X-Big: $big" "$B/api/v1/version"
ok 'test "$code" = 431' "a head over 16 KiB is refused (431)"
ucurl -H "$A" -H "Transfer-Encoding: chunked" -H "Origin: $B" -X POST --data-binary @/dev/null "$B/api/v1/runtimes/install"
ok 'test "$code" = 501' "a chunked request body is refused (501)"
ucurl -H "$A" -H "Origin: $B" -H "Content-Type: application/json" -X POST --data-binary "@$TMP/ui-developer.err" \
	-H "Content-Length: 70000" "$B/api/v1/runtimes/install"
ok 'test "$code" = 413' "a body over 64 KiB is refused (413)"
ucurl -H "$A" -H "Origin: $B" -X POST -H "Content-Type: text/plain" --data 'x' "$B/api/v1/runtimes/install"
ok 'test "$code" = 415' "a request body that is not JSON is refused (415)"
# raw REQUEST-TEXT: send bytes as they are (printf escapes), print the status line.
raw() {
	printf "$1" | python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(sys.stdin.buffer.read())
print(s.makefile("rb").readline().decode().strip())' "$UI_PORT" 2>&1
}
H="Host: 127.0.0.1:$UI_PORT"
r1=`raw "GET / HTTP/1.1\\n$H\\n\\n"`
ok 'has " 400 " "$r1"' "bare LF line ends are refused ($r1)"
r1=`raw "GET / HTTP/2.0\\r\\n$H\\r\\n\\r\\n"`
ok 'has " 505 " "$r1"' "another HTTP version is refused ($r1)"
r1=`raw "GET / HTTP/1.1\\r\\n$H\\r\\nX-A: 1\\r\\n folded\\r\\n\\r\\n"`
ok 'has " 400 " "$r1"' "a folded header line is refused ($r1)"
r1=`raw "GET / HTTP/1.1\\r\\n$H\\r\\n$H\\r\\n\\r\\n"`
ok 'has " 400 " "$r1"' "Host given twice is refused ($r1)"
r1=`raw "GET / HTTP/1.1\\r\\n\\r\\n"`
ok 'has " 400 " "$r1"' "an HTTP/1.1 request without Host is refused ($r1)"

# ------------------------------------------------------------------ stop
run "$RNX" --config "$CERTS/rnx-config-developer.yml" --json job run -- sleep 600
ID2=`printf '%s' "$out" | sed -n 's/.*"id": *"\([0-9a-f-]*\)".*/\1/p' | head -n 1`
curl -sSN --max-time 60 -H "$A" "$B/api/v1/jobs/$ID2/logs?follow=1" >/dev/null 2>&1 &
CURL_PID=$!
wait_until 'test "`followers`" = 1'
kill -TERM $DEV_PID
_i=0
while kill -0 $DEV_PID 2>/dev/null && test $_i -lt 100; do sleep 0.1; _i=`expr $_i + 1`; done
ok '! kill -0 $DEV_PID 2>/dev/null' "SIGTERM ends rnx ui within 10 s while a stream is open"
wait $DEV_PID
ui_rc=$?
ok 'test $ui_rc -eq 0' "... with status 0 ($ui_rc)"
kill $CURL_PID 2>/dev/null
wait $CURL_PID 2>/dev/null
kurl developer -X POST "$URL/v1/jobs/$ID2/stop"
