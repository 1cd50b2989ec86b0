#!/bin/sh
# test_rnx_api.sh - rnx's HTTPS client (core/cli/api.c) against real TLS
# servers, until the daemon's API exists: gnutls-serv for mutual TLS (client
# certificates, trust, host names, TLS versions, what `rnx version` prints),
# and tests/fixtures/fake_registry (HTTP/1.1) for keep-alive and event
# streams, driven through tests/integration/api_client.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

if ! command -v gnutls-serv >/dev/null 2>&1 || ! command -v certtool >/dev/null 2>&1; then
	echo "1..0 # SKIP needs gnutls-serv and certtool (apt-get install gnutls-bin)"
	exit 77
fi
version=`sed -n 's/^#define JOBLET_VERSION_STRING "\(.*\)"/\1/p' "$build/include/joblet/version.h"`
abi=`sed -n 's/^#define JOBLET_PLUGIN_ABI_STRING "\(.*\)"/\1/p' "$build/include/joblet/version.h"`
client_line="rnx $version (plugin ABI $abi)"
CLIENT="$build/tests/integration/api_client"
REGISTRY="$build/tests/fixtures/fake_registry"

# No configuration of the user running the tests is used.
HOME="$TMP/home"
RNX_CONFIG=
export HOME RNX_CONFIG
mkdir -p "$HOME"

pids=
trap 'for p in $pids; do kill $p 2>/dev/null; wait $p 2>/dev/null; done; tap_exit' EXIT

# ---------------------------------------------------------------- certificates
# Two CAs, each with a localhost/127.0.0.1 server certificate and a client
# certificate (CN=test-admin, OU=admin).
for ca in a b; do
	sh "$src/tests/fixtures/make-test-certs.sh" "$TMP/$ca" || exit 1
	cat >"$TMP/$ca/client.tmpl" <<'EOF'
organization = "joblet tests"
unit = "admin"
cn = "test-admin"
tls_www_client
signing_key
activation_date = "2 days ago"
expiration_date = "1 year"
EOF
	certtool --generate-privkey --key-type=ecdsa --outfile "$TMP/$ca/client-key.pem" \
		>"$TMP/certtool.log" 2>&1 &&
		certtool --generate-certificate --load-privkey "$TMP/$ca/client-key.pem" \
			--load-ca-certificate "$TMP/$ca/ca.pem" --load-ca-privkey "$TMP/$ca/ca-key.pem" \
			--template "$TMP/$ca/client.tmpl" --outfile "$TMP/$ca/client.pem" \
			>>"$TMP/certtool.log" 2>&1 || {
		echo "not ok - certtool could not make a client certificate"
		sed 's/^/#   /' "$TMP/certtool.log"
		exit 1
	}
done

# ---------------------------------------------------------------- servers
# A port nothing listens on (gnutls-serv binds with SO_REUSEPORT, so a taken
# port would not make it fail).
port_seed=`expr $$ % 20000`
free_port() {
	while :; do
		port_seed=`expr \( $port_seed + 7 \) % 20000`
		_p=`expr 30000 + $port_seed`
		_hex=`printf '%04X' $_p`
		awk '{ split($2, a, ":"); print a[2] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null |
			grep -qx "$_hex" || break
	done
	echo $_p
}

# start_gserv NAME ARGS...: gnutls-serv in HTTP mode with the server
# certificate of CA a; sets $port.
start_gserv() {
	name=$1
	shift
	port=`free_port`
	gnutls-serv --http --x509certfile "$TMP/a/server.pem" --x509keyfile "$TMP/a/server-key.pem" \
		-p $port "$@" >"$TMP/$name.log" 2>&1 </dev/null &
	pids="$pids $!"
	wait_until 'grep -q "listening on IPv4" "$TMP/$name.log"' ||
		echo "# gnutls-serv $name did not start: `cat "$TMP/$name.log"`"
}

printf '{"version": "9.9.9-test", "plugin_abi": "1.2"}' >"$TMP/version.json"
# Checks client certificates against CA a and answers with that JSON.
start_gserv json --x509cafile "$TMP/a/ca.pem" --require-client-cert --verify-client-cert \
	--httpdata "$TMP/version.json"
json_port=$port
# Answers every GET with its HTML page (the request's headers in it).
start_gserv html --x509cafile "$TMP/a/ca.pem" --require-client-cert
html_port=$port
# Speaks TLS 1.2 at most.
start_gserv tls12 --priority 'NORMAL:-VERS-TLS1.3' --httpdata "$TMP/version.json"
tls12_port=$port
refused_port=`free_port`

# ---------------------------------------------------------------- configurations
# node_config FILE ADDRESS CERT KEY CA: the PEMs as file names relative to FILE's folder.
node_config() {
	cat >"$1" <<EOC
nodes:
  local:
    address: "$2"
    cert: $3
    key: $4
    ca: $5
EOC
}
# The same with the PEM text inline (what `joblet certs init` writes).
inline_config() { # FILE ADDRESS CERTFILE KEYFILE CAFILE
	{
		echo "nodes:"
		echo "  local:"
		echo "    address: \"$2\""
		for k in cert:$3 key:$4 ca:$5; do
			echo "    ${k%%:*}: |"
			sed 's/^/      /' "${k#*:}"
		done
	} >"$1"
}
node_config "$TMP/a/paths.yml" "127.0.0.1:$json_port" client.pem client-key.pem ca.pem
inline_config "$TMP/inline.yml" "localhost:$json_port" "$TMP/a/client.pem" "$TMP/a/client-key.pem" \
	"$TMP/a/ca.pem"

# ---------------------------------------------------------------- rnx version
run "$RNX" --config "$TMP/a/paths.yml" version
ok 'test $rc -eq 0 && test "$out" = "$client_line
server: joblet 9.9.9-test (node local)" && test -z "$err"' \
	"rnx version: the client, then the server's version (PEM files)"
run "$RNX" --config "$TMP/inline.yml" version
ok 'test $rc -eq 0 && test "$out" = "$client_line
server: joblet 9.9.9-test (node local)" && test -z "$err"' \
	"rnx version with inline PEM (memfd) and a DNS name in the address"
RNX_CONFIG="$TMP/inline.yml" run "$RNX" version --json
ok 'test $rc -eq 0 && has "\"client\": \"$version\"" "$out" && has "\"server\": {" "$out" &&
	has "\"version\": \"9.9.9-test\"" "$out" && has "\"node\": \"local\"" "$out"' \
	"rnx version --json, the configuration from \$RNX_CONFIG"
run "$RNX" version
ok 'test $rc -eq 0 && test "$out" = "$client_line" && test -z "$err"' \
	"no client configuration anywhere: the client's version only, no note"

node_config "$TMP/a/html.yml" "127.0.0.1:$html_port" client.pem client-key.pem ca.pem
run "$RNX" --config "$TMP/a/html.yml" version
ok 'test $rc -eq 0 && test "$out" = "$client_line" &&
	has "the answer of node \`local\` to GET /v1/version was not understood (not JSON: \`<HTML>" "$err"' \
	"a server answering something else than JSON: client version, a note, status 0"
ok 'test `printf "%s\\n" "$err" | wc -l` -eq 1' "the note is one line"

node_config "$TMP/a/refused.yml" "127.0.0.1:$refused_port" client.pem client-key.pem ca.pem
run "$RNX" --config "$TMP/a/refused.yml" version
ok 'test $rc -eq 0 && test "$out" = "$client_line" &&
	has "cannot connect to node \`local\` at \`127.0.0.1:$refused_port\`: connection refused; is \`joblet serve\` running there?" "$err"' \
	"connection refused: says so and asks whether joblet serve runs there"
run "$RNX" --config "$TMP/a/refused.yml" --json version
ok 'test $rc -eq 0 && has "\"server\": null" "$out" && has "\"server_error\": \"cannot connect" "$out"' \
	"rnx version --json names the server's error"

node_config "$TMP/a/wrongca.yml" "127.0.0.1:$json_port" client.pem client-key.pem ../b/ca.pem
run "$RNX" --config "$TMP/a/wrongca.yml" version
ok 'test $rc -eq 0 && test "$out" = "$client_line" &&
	has "the server certificate of node \`local\` at \`127.0.0.1:$json_port\` is not trusted" "$err" &&
	has "\`ca\` of node \`local\` in \`$TMP/a/wrongca.yml\` must be the CA that signed the server certificate" "$err"' \
	"a server certificate of another CA is not trusted, and ca is named as the fix"
inline_config "$TMP/wrongca-inline.yml" "127.0.0.1:$json_port" "$TMP/a/client.pem" \
	"$TMP/a/client-key.pem" "$TMP/b/ca.pem"
run "$RNX" --config "$TMP/wrongca-inline.yml" version
ok 'has "is not trusted" "$err" && has "(inline ca)" "$err" && ! has "/proc/self/fd" "$err"' \
	"an inline ca is named as such, not as a /proc path"
# (That the system's CAs are never consulted, CURLOPT_CAPATH NULL, would take
# a server certificate from a public CA to show.)

node_config "$TMP/a/mismatch.yml" "127.0.0.2:$json_port" client.pem client-key.pem ca.pem
run "$RNX" --config "$TMP/a/mismatch.yml" version
ok 'test $rc -eq 0 && has "the server certificate of node \`local\` is not for \`127.0.0.2\`" "$err" &&
	has "\`ca\` the CA that signed it" "$err"' \
	"an address the server certificate does not hold: says so"

printf 'nodes:\n  local:\n    address: "127.0.0.1:%s"\n    key: client-key.pem\n    ca: ca.pem\n' \
	$json_port >"$TMP/a/nocert.yml"
run "$RNX" --config "$TMP/a/nocert.yml" version
ok 'test $rc -eq 0 && test "$out" = "$client_line" &&
	has "node \`local\` has no client certificate (no \`cert\`): set cert and key (run \`joblet certs init\`)" "$err" &&
	has "$TMP/a/nocert.yml" "$err"' \
	"a node without a client certificate: names the node and file and what to run"

node_config "$TMP/a/otherclient.yml" "127.0.0.1:$json_port" ../b/client.pem ../b/client-key.pem ca.pem
run "$RNX" --config "$TMP/a/otherclient.yml" version
ok 'test $rc -eq 0 && test "$out" = "$client_line" &&
	has "node \`local\`" "$err" && has "refused the client certificate of \`$TMP/a/../b/client.pem\`" "$err" &&
	has "must be signed by the daemon'"'"'s client CA (server.tls.client_ca)" "$err"' \
	"a client certificate the server does not accept: says whose CA must sign it"
run "$CLIENT" "$TMP/a/otherclient.yml" - get /v1/version
ok 'test $rc -eq 1 && has "error permission" "$err" && has "(TLS alert: " "$err"' \
	"... known by the TLS alert the server sent after the handshake (GnuTLS's code, not message text): a permission error"

node_config "$TMP/a/wrongkey.yml" "127.0.0.1:$json_port" client.pem ../b/client-key.pem ca.pem
run "$RNX" --config "$TMP/a/wrongkey.yml" version
ok 'test $rc -eq 0 && has "cannot use the client certificate of \`$TMP/a/client.pem\` with its key" "$err"' \
	"a key that is not the certificate's: said before anything is sent"

node_config "$TMP/a/tls12.yml" "127.0.0.1:$tls12_port" client.pem client-key.pem ca.pem
run "$RNX" --config "$TMP/a/tls12.yml" version
ok 'test $rc -eq 0 && has "TLS handshake with node \`local\` at \`127.0.0.1:$tls12_port\` failed" "$err" &&
	has "TLS 1.3" "$err"' \
	"a server without TLS 1.3 is refused (TLS 1.3 at least)"

run "$RNX" --config "$TMP/absent.yml" version
ok 'test $rc -eq 0 && test "$out" = "$client_line" && has "absent.yml" "$err" &&
	has "\`joblet certs init --dir DIR\`" "$err"' \
	"an explicit configuration that does not exist: the note says how to make one"
run "$RNX" --config "$TMP/a/paths.yml" --node nope version
ok 'test $rc -eq 0 && has "no node \`nope\`" "$err"' "an unknown --node is a note too"

# ---------------------------------------------------------------- the client API
# What the request carries (gnutls-serv's page shows the request's headers).
run "$CLIENT" "$TMP/a/html.yml" - get /v1/version
ok 'test $rc -eq 0 && has "User-Agent: rnx/$version" "$out" && has "Accept: application/json" "$out" &&
	! has "Content-Type" "$out" && ! has "Expect" "$out"' \
	"requests send User-Agent: rnx/VERSION and Accept: application/json, no body headers on a GET"

if ! test -x "$REGISTRY"; then
	echo "ok - keep-alive and event streams # SKIP tests/fixtures/fake_registry is not built"
	exit 0
fi
mkdir -p "$TMP/www"
: >"$TMP/www/.faults"
cp "$TMP/version.json" "$TMP/www/version.json"
json_size=`wc -c <"$TMP/version.json" | tr -d ' '`
i=1
while test $i -le 50; do
	printf 'id: %d\nevent: stdout\ndata: {"ts":%d,"data":"line %d"}\n\n' $i $i $i
	test `expr $i % 10` -eq 0 && printf ': heartbeat\n'
	i=`expr $i + 1`
done >"$TMP/www/log.sse"
cp "$TMP/www/log.sse" "$TMP/www/slow.sse"
cp "$TMP/www/log.sse" "$TMP/www/cut.sse"
"$REGISTRY" --cert "$TMP/a/server.pem" --key "$TMP/a/server-key.pem" --root "$TMP/www" \
	--port-file "$TMP/port" --log "$TMP/access.log" 2>"$TMP/registry.err" &
pids="$pids $!"
wait_until 'test -s "$TMP/port"'
node_config "$TMP/a/h11.yml" "127.0.0.1:`cat "$TMP/port"`" client.pem client-key.pem ca.pem

run "$CLIENT" "$TMP/a/h11.yml" - get /version.json get /missing get /version.json
ok 'test $rc -eq 1 && has "error http (detail 404): HTTP 404: 404 Not Found" "$err" &&
	test `printf "%s\\n" "$out" | grep -c "^--- $json_size bytes"` -eq 2' \
	"an error status without a JSON body: HTTP <status>: <first line>, detail the status"
ok 'has "connections: 1" "$out"' "three requests, one of them a 404, on one connection (keep-alive)"

run "$CLIENT" "$TMP/a/h11.yml" - get /version.json stream /log.sse - 0 get /version.json
ok 'test $rc -eq 0 && test `printf "%s\\n" "$out" | grep -c "^event=stdout id="` -eq 50 &&
	has "event=stdout id=50 len=26 data={\"ts\":50,\"data\":\"line 50\"}" "$out" &&
	has "result: 0
last-id: 50" "$out"' \
	"a stream: every event, in order, with its type and id; 0 when the server ends it"
ok 'has "connections: 1" "$out"' "a request, a stream and a request on one connection"

run "$CLIENT" "$TMP/a/h11.yml" - stream /log.sse 17 0
ok 'grep -q "GET /log.sse 200 .* leid=17" "$TMP/access.log"' "the last event id is sent as Last-Event-ID"

printf '/slow.sse rate 100\n/cut.sse truncate 1000 1\n' >"$TMP/www/.faults"
start=`date +%s`
run "$CLIENT" "$TMP/a/h11.yml" - stream /slow.sse - 2
took=`expr \`date +%s\` - $start`
ok 'test $rc -eq 0 && test `printf "%s\\n" "$out" | grep -c "^event="` -eq 2 && has "result: 1
last-id: 2" "$out" && test $took -lt 10' \
	"events reach the callback as they arrive (2 of a 30 s stream in ${took} s); a stop returns 1"

run "$CLIENT" "$TMP/a/h11.yml" - stream /cut.sse - 0
last=`printf '%s\n' "$out" | sed -n 's/^event=stdout id=\([0-9]*\) .*/\1/p' | tail -1`
ok 'test $rc -eq 1 && has "error network (detail 0): the stream of GET /cut.sse from node \`local\`" "$err" &&
	has "broke" "$err" && test -n "$last" && has "last-id: $last" "$out" && test "$last" -lt 50' \
	"a stream cut in the middle is a network error, and the last id is kept to resume"

run "$CLIENT" "$TMP/a/h11.yml" - stream /version.json - 0
ok 'test $rc -eq 1 && has "error parse" "$err" && has "answered GET /version.json with \`application/json\`, not an event stream" "$err"' \
	"a 2xx answer that is not text/event-stream is refused"

run "$CLIENT" "$TMP/a/h11.yml" - request POST /jobs '{"command":"true"}'
ok 'test $rc -eq 1 && has "error http (detail 405): HTTP 405: 405 Method Not Allowed" "$err"' \
	"a POST with a JSON body; the error status comes back"
ok 'grep -q "^POST /jobs 405" "$TMP/access.log"' "the POST reached the server"
