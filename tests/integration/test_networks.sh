#!/bin/sh
# test_networks.sh - job networks through the daemon (docs/networks.md):
# rnx network create/list/remove and /v1/networks with their ownership
# rules, jobs on bridge, isolated and a custom network with real bridges,
# veth pairs and nftables rules, their egress policy (--allow, a network's
# default list), what no job ever reaches (the host's addresses, the
# daemon's port, 169.254.169.254, other networks), nothing inbound from the
# outside, records that survive a restart, addresses freed after a kill -9
# of the daemon, and nothing left behind.
#
# Everything runs in namespaces this test makes (the host's network is
# never touched): it runs itself again under `unshare -n -m`; the daemon
# listens on 0.0.0.0:50051 there, routes out through an "outside"
# namespace a veth away (10.99.0.2) that stands in for the internet, with
# servers on 203.0.113.10:80, 203.0.113.20:80 and 169.254.169.254:80.
# Jobs use the host's busybox (`nc`) from their read-only /usr.
if test -z "$JL_NETD_TEST_NS"; then
	if test "`id -u`" != 0 || ! unshare -n -m true 2>/dev/null; then
		echo "1..0 # SKIP needs root and network namespaces"
		exit 77
	fi
	for t in ip nft nsenter curl busybox; do
		command -v $t >/dev/null || { echo "1..0 # SKIP $t is missing"; exit 77; }
	done
	JL_NETD_TEST_NS=1 exec unshare -n -m --propagation private sh "$0" "$@"
fi
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"
if test "$no_isolation" = yes || ! test -f "$build/build-plugins/isolation_network.so"; then
	echo "1..0 # SKIP job networks are not built (configure --enable-networks)"
	exit 77
fi
driver="$build/tests/integration/net_driver"
test -x "$driver" || { echo "1..0 # SKIP net_driver is not built"; exit 77; }

ip link set lo up
grep -c . /proc/self/mountinfo >"$TMP/mounts.before"

# ------------------------------------------------------------ the outside
unshare -n sleep 900 &
opid=$!
bg="$opid"
cleanup_all() {
	test -n "${DAEMON_PID:-}" && kill "$DAEMON_PID" 2>/dev/null
	for p in $bg; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for d in /sys/fs/cgroup/*/$cgbase /sys/fs/cgroup/$cgbase.slice /sys/fs/cgroup/unified/$cgbase.slice; do
		test -d "$d" && rmdir "$d" 2>/dev/null
	done
}
trap 'cleanup_all; tap_exit' EXIT
tap_outside "$opid" "ip route add 172.16.0.0/12 via 10.99.0.1; ip route add 10.0.0.0/8 via 10.99.0.1"
nsenter -t "$opid" -n "$driver" serve 203.0.113.10 80 203.0.113.20 80 169.254.169.254 80 &
bg="$bg $!"
ip -o link | awk '{ print $2 }' | grep -v '^joblet[01]' | sort >"$TMP/links.before"

# ------------------------------------------------------------ the daemon
cgbase=joblet-net-$$
first=`expr 500000 + $$ % 1000 \* 100`
write_stack_config "$TMP/joblet.yml" "$cgbase" "  uid_range: $first-`expr $first + 99`
  grace_period: 1s
networks:
  dns: [203.0.113.53]"
sed -i 's/stack: \[namespaces, rootfs/stack: [namespaces, network, rootfs/' "$TMP/joblet.yml"
PORT=50051
start_netd() {
	make_certs || return 1
	{
		cat "$TMP/joblet.yml"
		printf 'server:\n  address: 0.0.0.0:%s\n  tls:\n' $PORT
		printf '    cert: %s\n    key: %s\n    client_ca: %s\n' "$CERTS/server.pem" \
			"$CERTS/server-key.pem" "$CERTS/ca.pem"
	} >"$TMP/daemon.yml"
	DLOG=$TMP/daemon.log
	"$JOBLET" --config "$TMP/daemon.yml" serve >>"$DLOG" 2>&1 &
	DAEMON_PID=$!
	URL=https://127.0.0.1:$PORT
	for _f in "$CERTS"/rnx-config*.yml; do
		sed -i "s|address: .*|address: \"127.0.0.1:$PORT\"|" "$_f"
	done
	for _i in `seq 100`; do
		curl -s --max-time 2 --cacert "$CERTS/ca.pem" --cert "$CERTS/client-reader.pem" \
			--key "$CERTS/client-reader-key.pem" "$URL/v1/version" >/dev/null 2>&1 && return 0
		kill -0 $DAEMON_PID 2>/dev/null || break
		sleep 0.1
	done
	echo "# the daemon did not start:"
	sed 's/^/#   /' "$DLOG" | tail -20
	return 1
}
start_netd || exit 1
ok '! grep -q "jobs may use only" "$DLOG"' "the daemon sets up networks in its namespace"
run nft list table inet joblet
ok 'test $rc = 0' "the daemon's nftables table is there"

# A second developer, for ownership.
printf 'cn = dev2-client\nunit = developer\ntls_www_client\nsigning_key\nexpiration_date = "30 days"\n' \
	>"$TMP/dev2.tmpl"
certtool --generate-privkey --key-type=ecdsa --outfile "$CERTS/client-dev2-key.pem" >/dev/null 2>&1
certtool --generate-certificate --load-privkey "$CERTS/client-dev2-key.pem" \
	--load-ca-certificate "$CERTS/ca/ca.pem" --load-ca-privkey "$CERTS/ca/ca-key.pem" \
	--template "$TMP/dev2.tmpl" --outfile "$CERTS/client-dev2.pem" >/dev/null 2>&1

# submit ROLE NETWORK SCRIPT [EXTRA JSON]: a job running `sh -c SCRIPT`; its id in $J.
submit() {
	kurl $1 -X POST -d '{"command":["sh","-c","'"$3"'"],"network":"'"$2"'","max_pids":64'"${4:-}"'}' \
		"$URL/v1/jobs"
	J=`jid`
}
addr_of() { sed -n 's/.*"address": *"\([0-9.]*\)\\\{0,1\}\/.*/\1/p' "$TMP/state/jobs/$1/spec.json"; }
# probe NAME IP PORT: a line "PROBE NAME rc=N" in the job's output (0: it connected).
probe() { printf 'busybox nc -w 2 %s %s </dev/null >/dev/null 2>&1; echo PROBE %s rc=$?; ' $2 $3 $1; }
logs() { kurl reader "$URL/v1/jobs/$1/logs"; }
reached() { has "PROBE $1 rc=0" "$out"; }
refused() { has "PROBE $1 rc=" "$out" && ! has "PROBE $1 rc=0" "$out"; }
server() { echo 'busybox nc -ll -p 9000 -e /bin/echo hello'; }

# ------------------------------------------------------------ networks: create, list, remove
RD="$RNX --config $CERTS/rnx-config-developer.yml"
run $RD network create lab --cidr=10.30.0.0/24 --allow=203.0.113.20/32:80
ok 'test $rc = 0 && has "network lab created: 10.30.0.0/24" "$out"' "rnx network create makes a network ($out$err)"
run ip -br addr
ok 'has "10.30.0.1/24" "$out"' "... its bridge has the gateway"
run $RD network list --json
ok 'has "\"name\": \"bridge\"" "$out" && has "\"name\": \"isolated\"" "$out" && has "\"name\": \"lab\"" "$out" && has "\"owner\": \"developer-client\"" "$out"' \
	"rnx network list --json shows the built-ins and the user's own"
run $RD network list
ok 'has "lab" "$out" && has "10.30.0.0/24" "$out" && has "203.0.113.20/32:80" "$out"' "... and as a table"
run $RD network create lab2 --cidr=10.30.0.128/25
ok 'test $rc != 0 && has "overlaps network \`lab\`" "$err"' "a block overlapping another network: refused, naming it"
run $RD network create lab2 --cidr=10.99.0.0/16
ok 'test $rc != 0 && has "host" "$err"' "a block overlapping the host's addresses or routes: refused ($err)"
run $RD network create lab2 --cidr=8.8.0.0/16
ok 'test $rc != 0 && has "private IPv4 block" "$err"' "a public block: refused"
run $RD network create lab2 --cidr=10.31.0.0/30
ok 'test $rc != 0 && has "/29" "$err"' "a block smaller than /29: refused"
run $RD network create 'bad.name' --cidr=10.31.0.0/24
ok 'test $rc != 0 && has "a-z, A-Z, 0-9" "$err"' "a bad name: refused"
run $RD network create bridge --cidr=10.31.0.0/24
ok 'test $rc != 0 && has "exists already" "$err"' "a built-in's name: refused"
kurl dev2 "$URL/v1/networks"
ok 'test "$code" = 200 && ! has "\"lab\"" "$out" && has "\"bridge\"" "$out"' "another developer does not see the network"
kurl dev2 -X DELETE "$URL/v1/networks/lab"
ok 'test "$code" = 404' "... cannot remove it (404)"
submit dev2 lab 'true'
ok 'test "$code" = 404 && has "no network" "$out"' "... nor run a job on it (404)"
kurl reader "$URL/v1/networks"
ok 'has "\"lab\"" "$out"' "a reader sees every network"
submit developer nosuch 'true'
ok 'test "$code" = 404' "a job on a network that does not exist: 404"
kurl developer -X POST -d '{"command":["true"],"network":"bridge","allow":["10.0.0.0/33"]}' "$URL/v1/jobs"
ok 'test "$code" = 400 && has "--allow" "$out"' "a bad --allow: 400 with the form"
kurl developer -X POST -d '{"command":["true"],"allow":["10.0.0.0/8"]}' "$URL/v1/jobs"
ok 'test "$code" = 400' "--allow without a network: 400"
kurl developer -X DELETE "$URL/v1/networks/bridge"
ok 'test "$code" = 403 && has "built in" "$out"' "a built-in cannot be removed"

# ------------------------------------------------------------ between jobs
submit developer bridge "`server`" ',"timeout":60'
SB=$J
submit developer isolated "`server`" ',"timeout":60'
SI=$J
wait_state $SB RUNNING && wait_state $SI RUNNING
sleep 0.5
ok 'test -n "`addr_of $SB`" && test -n "`addr_of $SI`"' "servers on bridge and isolated have addresses (`addr_of $SB`, `addr_of $SI`)"
AB=`addr_of $SB`
AI=`addr_of $SI`
# Every mode: what it reaches and what it must not.
forbidden="`probe host 10.99.0.1 $PORT``probe gw 172.20.0.1 $PORT``probe gwi 172.21.0.1 $PORT``probe gwl 10.30.0.1 $PORT``probe meta 169.254.169.254 80`"
submit developer bridge "`probe peer $AB 9000``probe iso $AI 9000``probe out 203.0.113.10 80`$forbidden"
CB=$J
submit developer isolated "`probe peer $AI 9000``probe bridge $AB 9000``probe out 203.0.113.10 80`$forbidden"
CI=$J
submit developer lab "`probe bridge $AB 9000``probe out10 203.0.113.10 80``probe out20 203.0.113.20 80`$forbidden"
CL=$J
for j in $CB $CI $CL; do wait_state $j COMPLETED; done
logs $CB
ok 'reached peer' "two jobs on bridge reach each other"
ok 'refused iso' "a job on bridge does not reach one on isolated"
ok 'reached out' "bridge reaches the outside"
for p in host gw gwi gwl meta; do
	ok "refused $p" "bridge: $p (the host, the daemon's port, 169.254.169.254) unreachable"
done
# The job's namespace is held until its last counters are read: a job that
# sends and ends before its first sample still has its bytes counted.
submit developer bridge "`probe peer $AB 9000`"
JT=$J
wait_state $JT COMPLETED
kurl reader "$URL/v1/jobs/$JT/metrics"
tx=`printf '%s' "$out" | grep -o '"net_tx_bytes":[0-9]*' | tail -1 | cut -d: -f2`
ok 'has "[{\"seq\":1," "$out" && ! has "\"seq\":2" "$out" && has "\"final\":true" "$out" && test -n "$tx" && test "$tx" -gt 0' \
	"the bytes a job sent before its first sample are counted at its end ($tx)"
logs $CI
ok 'refused peer' "two jobs on isolated do not reach each other"
ok 'refused bridge' "isolated does not reach bridge"
ok 'reached out' "isolated reaches the outside"
for p in host gw gwi gwl meta; do
	ok "refused $p" "isolated: $p unreachable"
done
logs $CL
ok 'refused bridge' "a custom network does not reach bridge"
ok 'reached out20 && refused out10' "a custom network's default allow-list: 203.0.113.20:80 reached, 203.0.113.10 refused"
for p in host gw gwi gwl meta; do
	ok "refused $p" "custom: $p unreachable"
done

# --allow: the job's own list replaces the network's.
submit developer bridge "`probe yes 203.0.113.10 80``probe no 203.0.113.20 80`" ',"allow":["203.0.113.10/32:80"]'
wait_state $J COMPLETED
logs $J
ok 'reached yes && refused no' "--allow: the allowed destination reached, another refused"
run $RD job run -f --network=lab --allow=203.0.113.10/32 -- sh -c "`probe a 203.0.113.10 80``probe b 203.0.113.20 80`"
ok 'has "PROBE a rc=0" "$out" && has "PROBE b rc=" "$out" && ! has "PROBE b rc=0" "$out"' \
	"rnx job run --network=NAME --allow=...: the job's list wins over the network's"

# Nothing inbound from outside.
run nsenter -t "$opid" -n busybox nc -w 2 "$AB" 9000
ok 'test $rc != 0 && ! has hello "$out"' "the outside cannot reach a job on bridge"
run nsenter -t "$opid" -n busybox nc -w 2 "$AI" 9000
ok 'test $rc != 0 && ! has hello "$out"' "... nor one on isolated"

# ------------------------------------------------------------ removal while in use
submit developer lab 'sleep 30'
JL=$J
wait_state $JL RUNNING
kurl developer -X DELETE "$URL/v1/networks/lab"
ok 'test "$code" = 409 && has "$JL" "$out"' "a network a running job uses cannot be removed (409 naming the job)"
kurl developer -X POST "$URL/v1/jobs/$JL/stop"
wait_state $JL STOPPED
for j in $SB $SI; do kurl developer -X POST "$URL/v1/jobs/$j/stop"; wait_state $j STOPPED; done
kurl developer -X POST -d '{"command":["true"],"network":"lab","schedule":"1h"}' "$URL/v1/jobs"
JW=`jid`
kurl developer -X DELETE "$URL/v1/networks/lab"
ok 'test "$code" = 409 && has "$JW" "$out"' "... nor one a waiting job names"
ok '! sqlite3 "$TMP/state/joblet.db" "select job_id from net_leases" | grep -q .' \
	"waiting jobs hold no address, and ended ones gave theirs back"
kurl developer -X POST "$URL/v1/jobs/$JW/cancel"

# ------------------------------------------------------------ restarts
stop_daemon
# A crash between a lease and the job's record leaves an address no job holds.
sqlite3 "$TMP/state/joblet.db" \
	"INSERT INTO net_leases (job_id, network, address) VALUES ('00000000-0000-4000-8000-000000000000', 'bridge', 2886991999)"
start_netd
ok '! sqlite3 "$TMP/state/joblet.db" "select job_id from net_leases" | grep -q .' \
	"at start, the address of a job that does not run is free again"
run $RD network list
ok 'has "lab" "$out" && has "10.30.0.0/24" "$out"' "a network's record survives a restart"
submit developer bridge 'sleep 60'
JK=$J
wait_state $JK RUNNING
AK=`addr_of $JK`
lk=`cut -d" " -f1,2 "$TMP/state/jobs/$JK/lock" 2>/dev/null`
kill -9 $DAEMON_PID
wait $DAEMON_PID 2>/dev/null
# The job's supervisor and init die with the daemon (a crash of the node).
for p in $lk; do kill -9 $p 2>/dev/null; done
sleep 0.5
start_netd
wait_state $JK FAILED
ok '! sqlite3 "$TMP/state/joblet.db" "select job_id from net_leases" | grep -q .' \
	"after kill -9 and a restart, the dead job's address is free again"
submit developer bridge 'true'
wait_state $J COMPLETED
ok 'test -n "$AK" && test "`addr_of $J`" = "$AK"' "... and the next job gets it ($AK)"
run $RD network remove lab
ok 'test $rc = 0' "rnx network remove removes it ($err)"
run ip -br link
ok '! has jln "$out"' "... and its bridge"

# ------------------------------------------------------------ nothing left behind
# An ended job keeps its /work mounted until it is deleted (docs/results.md).
$RNX --config $CERTS/rnx-config-admin.yml job delete-all >/dev/null 2>&1
stop_daemon
ip -o link | awk '{ print $2 }' | grep -v '^joblet[01]' | sort >"$TMP/links.after"
ok 'cmp -s "$TMP/links.before" "$TMP/links.after"' "no interface left behind (`comm -13 $TMP/links.before $TMP/links.after | tr '\n' ' '`)"
run nft list tables
ok 'test "$out" = "table inet joblet
table netdev joblet_net"' "no job's nftables table left behind, only the daemon's ($out)"
ok 'test "`grep -c . /proc/self/mountinfo`" = "`cat $TMP/mounts.before`"' "no mount left behind"
nft delete table inet joblet
nft delete table netdev joblet_net
for b in joblet0 joblet1; do ip link del $b 2>/dev/null; done
