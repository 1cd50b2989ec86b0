#!/bin/sh
# test_api_conns.sh - connections the daemon holds open: past the
# connection caps every request still gets an HTTP answer (429 with
# Retry-After, then the connection closes), connections that never start
# TLS go after server.handshake_timeout, and a CRL reloaded by SIGHUP
# reaches connections and log streams opened before it.  tls_conn (built
# with the tests) holds the connections.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

for t in curl certtool; do
	if ! command -v $t >/dev/null 2>&1; then
		echo "# $t not found (Debian packages curl, gnutls-bin)"
		exit 77
	fi
done
TLSC=$build/tests/integration/tls_conn
if ! test -x "$TLSC"; then
	echo "# $TLSC not built (make check-build)"
	exit 77
fi
if test "`id -u`" -ne 0 && test "$no_isolation" != yes; then
	no_isolation=yes
fi
STACK=
test "$no_isolation" = yes && STACK="isolation:
  stack: [none]"
# tlsc ROLE STEP...: tls_conn with ROLE's client certificate.
tlsc() {
	_role=$1
	shift
	"$TLSC" 127.0.0.1 "$DPORT" "$CERTS/ca.pem" "$CERTS/client-$_role.pem" \
		"$CERTS/client-$_role-key.pem" "$@"
}
jid() { printf '%s' "$out" | sed -n 's/.*"id":"\([0-9a-f-]*\)".*/\1/p' | head -1; }
count() { printf '%s\n' "$out" | grep -c "$1"; }

# ------------------------------------------------------------------ caps that answer
# A small cap, so that many times cap + 64 (where MHD used to close new
# connections unanswered) is quick to reach from one address; a long
# handshake_timeout, so that the first connections still wait for their
# request when the last are open (under valgrind too).
start_daemon "$STACK" "  max_connections_per_client: 4
  handshake_timeout: 60s" || exit 1
ok 'grep -q "accepting up to [0-9]* connections (RLIMIT_NOFILE [0-9]*" "$DLOG"' \
	"the daemon logs how many connections it accepts and its open-file limit"
kurl reader "$URL/metrics"
ok 'test "$code" = 200 && has "joblet_connections_limit " "$out" && has "joblet_open_files_limit " "$out" && has "joblet_connections_max 1024" "$out"' \
	"/metrics shows the connection limits"
run tlsc reader open 120 get /v1/version
n429=`count '^conn [0-9]*: 429 retry-after=1 close=yes closed=yes$'`
n200=`count '^conn [0-9]*: 200 '`
ok 'has "open: 120 ok, 0 failed" "$out"' "120 connections from one address (cap 4) all get through the handshake"
ok 'test "$n429" -ge 116 && test `expr $n429 + $n200` -eq 120' \
	"every request on them gets an answer: 429 with Retry-After and Connection: close, the rest 200 ($n429 x 429, $n200 x 200)"
ok 'has "server.max_connections_per_client" "$out"' "... the 429 says which cap"
kurl reader "$URL/v1/version"
ok 'test "$code" = 200' "the address is not locked out afterwards"
stop_daemon
ok 'test $DAEMON_STATUS -eq 0' "the daemon stops on SIGTERM"

# ------------------------------------------------------------------ a low open-file limit
# The soft limit is raised to the hard one; the hard connection limit is it
# less 512, and being below max_connections is worth a warning.
(
	ulimit -n 1000 && ulimit -S -n 600 || exit 0
	start_daemon "$STACK" || exit 1
	# (valgrind keeps descriptors of the limit for itself and does not let the soft
	# limit be raised: there only the derivation is checked.)
	N=`sed -n 's/.*accepting up to \([0-9]*\) connections (RLIMIT_NOFILE [0-9]*, 512 kept.*/\1/p' "$DLOG"`
	M=`sed -n 's/.*accepting up to [0-9]* connections (RLIMIT_NOFILE \([0-9]*\), 512 kept.*/\1/p' "$DLOG"`
	raised=yes
	test "${JOBLET_TEST_UNDER_VALGRIND:-0}" = 1 || test "${M:-0}" -gt 900 || raised=no
	ok 'test -n "$M" && test $raised = yes && test "$M" -le 1000 && test "$N" -eq `expr $M - 512`' \
		"the daemon raises its soft open-file limit to the hard one and derives its connection limit ($N of $M)"
	ok 'grep -q "warning.*RLIMIT_NOFILE $M allows only $N connections" "$DLOG"' \
		"... and warns when that is not above server.max_connections"
	kurl reader "$URL/metrics"
	ok 'has "joblet_connections_limit $N" "$out" && has "joblet_open_files_limit $M" "$out"' \
		"/metrics shows the limits"
	stop_daemon
)

# ------------------------------------------------------------------ revocation on open connections
printf 'crl_next_update = 30\ncrl_number = 1\n' >"$TMP/crl.tmpl"
certtool --generate-crl --load-ca-privkey "$CERTS/ca/ca-key.pem" --load-ca-certificate "$CERTS/ca.pem" \
	--template "$TMP/crl.tmpl" --outfile "$TMP/crl-now.pem" >/dev/null 2>&1
printf 'crl_next_update = 30\ncrl_number = 2\n' >"$TMP/crl2.tmpl"
certtool --generate-crl --load-ca-privkey "$CERTS/ca/ca-key.pem" --load-ca-certificate "$CERTS/ca.pem" \
	--load-certificate "$CERTS/client-developer.pem" --template "$TMP/crl2.tmpl" \
	--outfile "$TMP/revoked-crl.pem" >/dev/null 2>&1
start_daemon "$STACK" "  handshake_timeout: 3s" "    crl: $TMP/crl-now.pem" || exit 1

# Peers that hold sockets without finishing a handshake: silent ones, and
# ones that trickle a ClientHello a byte a second.
run tlsc reader tcp 5 tcpalive sleep 5 tcpalive
ok 'has "tcp alive: 5" "$out" && has "tcp alive: 0" "$out"' \
	"connections that never start TLS are closed after server.handshake_timeout"
run tlsc reader tcp 5 trickle 6 tcpalive
ok 'has "tcp alive: 0" "$out"' "... and so are those that trickle a handshake"

kurl developer -X POST -d '{"command":["sleep","60"]}' "$URL/v1/jobs"
J=`jid`
ok 'test -n "$J"' "a developer starts a job"
# A log stream and a kept-alive connection of the developer, one of the admin.
curl -sS -N --max-time 40 --cacert "$CERTS/ca.pem" --cert "$CERTS/client-developer.pem" \
	--key "$CERTS/client-developer-key.pem" "$URL/v1/jobs/$J/logs?follow=1" >"$TMP/stream.out" 2>&1 &
SPID=$!
tlsc developer open 1 get /v1/version touch "$TMP/dev-ready" wait "$TMP/go" get /v1/version \
	>"$TMP/dev.out" 2>&1 &
DEVPID=$!
tlsc admin open 1 get /v1/version touch "$TMP/admin-ready" wait "$TMP/go" get /v1/version \
	>"$TMP/admin.out" 2>&1 &
ADMPID=$!
wait_until 'test -f "$TMP/dev-ready" && test -f "$TMP/admin-ready"'
sleep 1
ok 'kill -0 $SPID' "the developer's log stream is open"
cp "$TMP/revoked-crl.pem" "$TMP/crl-now.pem"
kill -HUP $DAEMON_PID
wait_until 'grep -q "TLS credentials reloaded" "$DLOG"'
ok 'grep -q "CRL .* (1 list)" "$DLOG"' "SIGHUP reloads the CRL"
touch "$TMP/go"
wait $DEVPID
wait $ADMPID
out=`cat "$TMP/dev.out"`
ok 'has "conn 0: 200 " "$out" && has "conn 0: 403 retry-after=- close=yes closed=yes" "$out" && has "revoked" "$out"' \
	"the next request on a connection opened before the reload is refused (403, revoked) and the connection closed"
out=`cat "$TMP/admin.out"`
ok 'test `count "^conn 0: 200 "` -eq 2' "... a certificate the CRL does not list goes on on its connection"
# The stream checks every second while idle: it ends within a few.
wait_until '! kill -0 $SPID'
ok '! kill -0 $SPID 2>/dev/null' "the revoked certificate's open log stream ends after the reload"
wait $SPID 2>/dev/null
ok 'grep -q "closing a connection from 127.0.0.1: .*revoked" "$DLOG"' "the daemon logs why it closed them"
kurl developer "$URL/v1/version"
ok 'test "$code" = 000' "a new connection with the revoked certificate fails in the handshake"
kurl admin -X POST "$URL/v1/jobs/$J/stop"
ok 'test "$code" = 200' "the admin stops the job"
stop_daemon
ok 'test $DAEMON_STATUS -eq 0' "the daemon stops on SIGTERM"
