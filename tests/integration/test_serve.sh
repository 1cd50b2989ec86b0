#!/bin/sh
# test_serve.sh - joblet serve's life cycle: start-up checks (TLS files
# included), one daemon per state directory, SIGHUP reload (a broken file
# keeps the running configuration), SIGTERM stop.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

wait_for() { # text file seconds
	i=0
	while test $i -lt `expr $3 \* 10`; do
		grep -q "$1" "$2" 2>/dev/null && return 0
		sleep 0.1
		i=`expr $i + 1`
	done
	return 1
}

make_certs || exit 1
TLS="server:
  address: 127.0.0.1:0
  tls:
    cert: $CERTS/server.pem
    key: $CERTS/server-key.pem
    client_ca: $CERTS/ca.pem"

write_config "$TMP/notls.yml" "server:
  address: 127.0.0.1:0
  tls:
    cert: $TMP/nosuch/server.pem"
run "$JOBLET" --config "$TMP/notls.yml" serve
ok 'test $rc -eq 1 && has "server.tls.cert \`$TMP/nosuch/server.pem\` cannot be read" "$err" && has "joblet certs init" "$err"' \
	"serve refuses to start without its certificate, saying how to make one"
write_config "$TMP/badpair.yml" "server:
  address: 127.0.0.1:0
  tls:
    cert: $CERTS/server.pem
    key: $CERTS/client-admin-key.pem
    client_ca: $CERTS/ca.pem"
run "$JOBLET" --config "$TMP/badpair.yml" serve
ok 'test $rc -eq 1 && has "cannot be used" "$err" && has "its own private key" "$err"' \
	"serve refuses a certificate with another certificate's key"
write_config "$TMP/badaddr.yml" "server:
  address: 127.0.0.1:99999"
run "$JOBLET" --config "$TMP/badaddr.yml" serve
ok 'test $rc -eq 1 && has "server.address" "$err" && has "HOST:PORT" "$err"' "serve refuses a bad server.address"

write_config "$TMP/joblet.yml" "$TLS"
"$JOBLET" --config "$TMP/joblet.yml" serve >"$TMP/serve.log" 2>&1 &
pid=$!
wait_for "serving; state directory" "$TMP/serve.log" 20
ok 'kill -0 $pid 2>/dev/null && grep -q "serving; state directory \`$TMP/state\`" "$TMP/serve.log"' \
	"joblet serve starts and logs its state directory"
ok 'test "`cat $TMP/state/joblet.pid 2>/dev/null`" = "`cat /proc/$pid/task/$pid/stat 2>/dev/null | cut -d" " -f1`" || grep -q "pid $pid" "$TMP/serve.log"' \
	"the pid file holds the daemon's pid"
ok 'test "`stat -c %a $TMP/state`" = 700' "the state directory is private (0700)"

run "$JOBLET" --config "$TMP/joblet.yml" serve
ok 'test $rc -eq 1 && has "another joblet (pid" "$err" && has "$TMP/state" "$err"' \
	"a second daemon on the same state directory is refused, naming the first"

ok 'grep -q "API on https://127.0.0.1:[1-9][0-9]* (TLS 1.3, client certificates from \`$CERTS/ca.pem\`)" "$TMP/serve.log"' \
	"the API listens with TLS 1.3 on the port it was given (0: any free one, logged)"

cp "$TMP/joblet.yml" "$TMP/good.yml"
printf 'logging:\n  levle: debug\n' >>"$TMP/joblet.yml"
kill -HUP $pid
wait_for "reload failed" "$TMP/serve.log" 10
ok 'grep -q "reload failed, keeping the running configuration: .*line [0-9]*: \`logging.levle\`" "$TMP/serve.log" && kill -0 $pid' \
	"SIGHUP with a broken file: error logged, daemon keeps running"
cp "$TMP/good.yml" "$TMP/joblet.yml"
printf 'logging:\n  level: debug\n' >>"$TMP/joblet.yml"
kill -HUP $pid
wait_for "configuration reloaded" "$TMP/serve.log" 10
ok 'grep -q "configuration reloaded from \`$TMP/joblet.yml\`" "$TMP/serve.log"' "SIGHUP with a good file reloads it"
ok '! grep -q "take effect at the next start" "$TMP/serve.log"' "a reload that changes only the log level warns about nothing"
mv "$CERTS/server.pem" "$CERTS/server.pem.away"
kill -HUP $pid
wait_for "TLS reload failed" "$TMP/serve.log" 10
ok 'grep -q "TLS reload failed, keeping the running certificates: server.tls.cert" "$TMP/serve.log" && kill -0 $pid' \
	"SIGHUP with a missing certificate keeps the running ones and the daemon"
mv "$CERTS/server.pem.away" "$CERTS/server.pem"
kill -HUP $pid
wait_for "TLS credentials reloaded" "$TMP/serve.log" 10
ok 'grep -q "TLS credentials reloaded: server certificate CN=joblet-server" "$TMP/serve.log"' \
	"SIGHUP reloads the certificates"
printf 'scheduler:\n  policy: other\n' >>"$TMP/joblet.yml"
kill -HUP $pid
wait_for "the changes take effect at the next start" "$TMP/serve.log" 10
ok 'grep -q "scheduler.policy are read at start-up; the changes take effect at the next start" "$TMP/serve.log"' \
	"a reload that changes start-up settings says they wait for a restart"

kill -TERM $pid
i=0
while kill -0 $pid 2>/dev/null && test $i -lt 50; do sleep 0.1; i=`expr $i + 1`; done
wait $pid
status=$?
ok 'test $status -eq 0 && grep -q "stopping on Terminated" "$TMP/serve.log"' "SIGTERM stops the daemon with status 0"

write_config "$TMP/nopolicy.yml" "$TLS
scheduler:
  policy: nosuch"
run "$JOBLET" --config "$TMP/nopolicy.yml" serve
ok 'test $rc -eq 1 && has "scheduler policy \`nosuch\`" "$err" && has "not starting" "$err"' \
	"serve refuses to start without its scheduler policy"
# Registry and archive plugins are checked at start by a child process
# (the daemon loads them only for an install): a wrong setting of one still
# stops the start.
write_config "$TMP/badreg.yml" "$TLS"
sed -i "s|^  dirs: .*|&\\
  settings:\\
    registry/https:\\
      no_such_setting: 1|" "$TMP/badreg.yml"
run "$JOBLET" --config "$TMP/badreg.yml" serve
if test -f "$build/build-plugins/registry_https.so"; then
	ok 'test $rc -eq 1 && has "\`no_such_setting\` is not a setting of registry/https" "$err" && has "not starting" "$err"' \
		"serve refuses a wrong setting of a registry plugin, which it loads only for installs"
else
	ok 'test $rc -eq 1 && has "settings for plugin \`registry/https\`, which is not loaded" "$err" && has "not starting" "$err"' \
		"serve refuses settings of a registry plugin that is not built"
fi
printf 'paths:\n  state_dir: relative\n' >"$TMP/rel.yml"
run "$JOBLET" --config "$TMP/rel.yml" serve
ok 'test $rc -eq 1 && has "must be an absolute path" "$err"' "serve refuses a broken configuration"
run "$JOBLET" serve extra
ok 'test $rc -eq 2 && has "unexpected argument" "$err"' "serve takes no arguments"
