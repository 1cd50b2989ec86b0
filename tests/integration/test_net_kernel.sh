#!/bin/sh
# test_net_kernel.sh - job networks on the kernel (core/net through
# tests/integration/net_driver): bridges, veth pairs, the daemon's nftables
# table and each job's egress rules, in network namespaces this test makes
# (the host's own is never touched):
#
#   "daemon" namespace: the test itself (unshare -n); it listens on TCP 7443
#       (the daemon's port) and routes out through
#   "outside" namespace: a veth away (10.99.0.2), standing in for the
#       internet: servers on 203.0.113.10:80 and :8080, 203.0.113.20:80,
#       a resolver on 203.0.113.53:53 and cloud metadata 169.254.169.254:80.
#
# Networks: bridge (joblet0, 172.20.0.0/16), isolated (joblet1,
# 172.21.0.0/16, isolated ports), custom (joblet2, 10.30.0.0/24).
# NET_DRIVER_NO_RULES=1 removes every job's table and the host chains'
# rules: the deny tests must then fail (docs/networks.md says so).
if test -z "$JL_NET_TEST_NS"; then
	if test "`id -u`" != 0 || ! unshare -n true 2>/dev/null; then
		echo "1..0 # SKIP needs root and network namespaces"
		exit 77
	fi
	for t in ip nft nsenter; do
		command -v $t >/dev/null || { echo "1..0 # SKIP $t is missing"; exit 77; }
	done
	JL_NET_TEST_NS=1 exec unshare -n sh "$0" "$@"
fi
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"
driver="$build/tests/integration/net_driver"
test -x "$driver" || { echo "1..0 # SKIP net_driver is not built (--enable-networks)"; exit 77; }
T=jt

ip link set lo up
ip -o link | awk '{ print $2 }' | sort >"$TMP/links.before"
nft list tables >"$TMP/tables.before"

# ------------------------------------------------------------ the outside
unshare -n sleep 600 &
opid=$!
bg="$opid"
cleanup_all() {
	for p in $bg; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
}
trap 'cleanup_all; tap_exit' EXIT
tap_outside "$opid"
nsenter -t "$opid" -n "$driver" serve 203.0.113.10 80 203.0.113.10 8080 203.0.113.20 80 \
	203.0.113.53 53 169.254.169.254 80 &
bg="$bg $!"
"$driver" serve 0.0.0.0 7443 &
bg="$bg $!"

# ------------------------------------------------------------ the host side
run "$driver" init $T 203.0.113.53
ok 'test $rc = 0' "the daemon's table is made ($err)"
run "$driver" init $T 203.0.113.53
ok 'test $rc = 0' "making it again is fine ($err)"
run "$driver" up $T bridge joblet0 172.20.0.0/16 0
ok 'test $rc = 0' "network bridge is up ($err)"
run "$driver" up $T isolated joblet1 172.21.0.0/16 1
ok 'test $rc = 0' "network isolated is up ($err)"
run "$driver" up $T custom joblet2 10.30.0.0/24 0
ok 'test $rc = 0' "a custom network is up ($err)"
run "$driver" up $T custom joblet2 10.30.0.0/24 0
ok 'test $rc = 0' "bringing it up again is fine ($err)"
ok 'test "`cat /proc/sys/net/ipv4/ip_forward`" = 1' "IPv4 forwarding is on in the daemon's namespace"
run nft list table netdev ${T}_net
ok 'test `echo "$out" | grep -c "hook ingress device \"joblet[012]\" priority filter; policy accept;"` = 3 &&
	! has "drop" "$out"' "each bridge has its ingress chain, which judges nothing"
run ip -br addr show joblet0
ok 'has 172.20.0.1/16 "$out"' "the gateway is on the bridge ($out)"
if test -n "$NET_DRIVER_NO_RULES"; then
	nft flush chain inet $T input
	nft flush chain inet $T forward
fi

# Servers as jobs: A on bridge, C on isolated, each listening on 9000.
server() { # NAME BRIDGE ID ADDR GW ISO
	name=$1
	shift
	"$driver" job $T "$@" 0 -d 203.0.113.53 -- \
		sh -c "echo \$\$ >$TMP/$name.pid; exec $driver serve 0.0.0.0 9000" >/dev/null 2>&1 &
	bg="$bg $!"
}
server A joblet0 aaaa0010 172.20.0.10/16 172.20.0.1 0
server C joblet1 aaaa0020 172.21.0.10/16 172.21.0.1 1
server E joblet2 aaaa0030 10.30.0.10/24 10.30.0.1 0
for i in `seq 50`; do
	test -s "$TMP/A.pid" && test -s "$TMP/C.pid" && test -s "$TMP/E.pid" && break
	sleep 0.1
done
sleep 0.3

n=100
# conn BRIDGE ADDR GW ISO IP PORT [driver options]: a job connecting to IP:PORT.
conn() {
	br=$1 addr=$2 gw=$3 iso=$4 dst=$5 port=$6
	shift 6
	n=$((n + 1))
	"$driver" job $T "$br" "cccc0$n" "$addr" "$gw" "$iso" 0 -d 203.0.113.53 "$@" -- \
		"$driver" connect "$dst" "$port" >"$TMP/conn.out" 2>&1
	rc=$?
}
on_bridge() { conn joblet0 172.20.0.11/16 172.20.0.1 0 "$@"; }
on_isolated() { conn joblet1 172.21.0.11/16 172.21.0.1 1 "$@"; }
on_custom() { conn joblet2 10.30.0.11/24 10.30.0.1 0 "$@"; }

# ------------------------------------------------------------ between jobs
on_bridge 172.20.0.10 9000
ok 'test $rc = 0' "two jobs on bridge reach each other (`cat $TMP/conn.out`)"
ok 'grep -Eq "tx=[1-9]" $TMP/conn.out' "the job's sent bytes are counted (`cat $TMP/conn.out`)"
on_isolated 172.21.0.10 9000
ok 'test $rc = 1' "two jobs on isolated do not"
on_bridge 172.21.0.10 9000
ok 'test $rc = 1' "a job on bridge does not reach one on isolated"
on_custom 172.20.0.10 9000
ok 'test $rc = 1' "a job on a custom network does not reach one on bridge"
on_bridge 10.30.0.10 9000
ok 'test $rc = 1' "nor the other way round"

# ------------------------------------------------------------ outbound, inbound
on_bridge 203.0.113.10 80
ok 'test $rc = 0' "bridge reaches the outside through NAT"
on_isolated 203.0.113.10 80
ok 'test $rc = 0' "isolated reaches the outside through NAT"
on_custom 203.0.113.10 80
ok 'test $rc = 0' "a custom network reaches the outside through NAT"
nsenter -t "$opid" -n ip route add 172.20.0.0/16 via 10.99.0.1
nsenter -t "$opid" -n ip route add 172.21.0.0/16 via 10.99.0.1
run nsenter -t "$opid" -n "$driver" connect 172.20.0.10 9000
ok 'test $rc = 1' "nothing comes in from the outside to a job on bridge"
run nsenter -t "$opid" -n "$driver" connect 172.21.0.10 9000
ok 'test $rc = 1' "nor to one on isolated"
run nsenter -t "$opid" -n "$driver" connect 10.99.0.1 7443
ok 'test $rc = 0' "(the daemon's port answers the outside: the server is up)"

# ------------------------------------------------------------ the allow-list
allow="-a 203.0.113.10/32:80 -a 10.0.0.0/8:1-2"
on_bridge 203.0.113.10 80 $allow
ok 'test $rc = 0' "allow-list: an allowed destination and port is reached"
on_bridge 203.0.113.10 8080 $allow
ok 'test $rc = 1' "allow-list: the same address on another port is refused"
on_bridge 203.0.113.20 80 $allow
ok 'test $rc = 1' "allow-list: another address is refused"
on_bridge 203.0.113.53 53 $allow
ok 'test $rc = 0' "allow-list: the resolver stays reachable on port 53"
on_bridge 172.20.0.10 9000 $allow
ok 'test $rc = 1' "allow-list: a peer on the same network not listed is refused"
on_isolated 203.0.113.10 80 -a 203.0.113.0/24:80-80
ok 'test $rc = 0' "allow-list on isolated: a listed network and port range is reached"

# ------------------------------------------------------------ always denied
for mode in on_bridge on_isolated on_custom "on_bridge_all"; do
	case $mode in
	on_bridge_all) m=on_bridge; extra="-a 0.0.0.0/0"; what="bridge allowing 0.0.0.0/0" ;;
	*) m=$mode; extra=; what=${mode#on_} ;;
	esac
	case $m in
	on_bridge) gw=172.20.0.1 ;;
	on_isolated) gw=172.21.0.1 ;;
	on_custom) gw=10.30.0.1 ;;
	esac
	$m $gw 7443 $extra
	ok 'test $rc = 1' "$what: the daemon's port on the gateway is unreachable"
	$m 10.99.0.1 7443 $extra
	ok 'test $rc = 1' "$what: the daemon's port on the host's other address is unreachable"
	$m 127.0.0.1 7443 $extra
	ok 'test $rc = 1' "$what: the host's loopback is not the job's (nothing listens there)"
	$m 169.254.169.254 80 $extra
	ok 'test $rc = 1' "$what: cloud metadata 169.254.169.254 is unreachable"
done

# ------------------------------------------------------------ the plugin, through joblet-shim
# A job folder made by `joblet run-local --keep`, its spec given a `net`
# object as the daemon writes it at start, run again by joblet-shim with
# isolation/network in the stack: attach, child, /etc/resolv.conf, cleanup.
if test -f "$build/build-plugins/isolation_network.so" && test "$no_isolation" = no; then
	cat >"$TMP/joblet.yml" <<EOY
paths:
  state_dir: $TMP/state
plugins:
  dirs: [$build/build-plugins]
isolation:
  stack: [namespaces, network, rootfs]
EOY
	# What the job saw, on its stdout (the job's framed log; /work is its own disk).
	"$JOBLET" --config "$TMP/joblet.yml" run-local --keep -- /bin/sh -c '
		sed "s/^/resolv: /" /etc/resolv.conf
		ip -4 -o addr show | sed "s/^/addr: /"
		ip route | sed "s/^/route: /"
		for t in out:203.0.113.10/80 host:172.20.0.1/7443 meta:169.254.169.254/80; do
			if timeout 2 bash -c "exec 3<>/dev/tcp/${t#*:}"; then r=yes; else r=no; fi
			echo "${t%%:*}: $r"
		done' >/dev/null 2>&1
	job=`ls -d "$TMP"/state/jobs/* | head -1`
	# A kept job keeps its /work mounted (docs/results.md): the shim makes it again.
	umount -l "$job/work" 2>/dev/null
	rm -f "$job/started" "$job/lock" "$job/status.json"
	: >"$job/log"
	net='"net":{"network":"bridge","bridge":"joblet0","table":"'$T'","address":"172.20.0.40/16","gateway":"172.20.0.1","isolated_ports":false,"allow":[],"dns":["203.0.113.53"],"max_net_bps":0}'
	sed 's|}$|,'"$net"'}|' "$job/spec.json" >"$job/spec.new" && mv "$job/spec.new" "$job/spec.json"
	run "$build/joblet-shim" --config "$TMP/joblet.yml" "$job"
	ok 'test $rc = 0 && has "\"exit_code\":0" "`cat $job/status.json`"' "a job on bridge runs under joblet-shim with isolation/network (`cat $job/shim.log 2>/dev/null | tail -1`)"
	seen=`grep -a -o -E "(resolv|addr|route|out|host|meta): .*" "$job/log"`
	ok 'printf "%s\n" "$seen" | grep -q "^addr: .*eth0 .*inet 172.20.0.40/16"' "its eth0 has the leased address (`printf '%s' "$seen" | tr '\n' ' '`)"
	ok 'printf "%s\n" "$seen" | grep -q "^route: default via 172.20.0.1"' "its default route goes via the gateway"
	ok 'printf "%s\n" "$seen" | grep -qx "resolv: nameserver 203.0.113.53"' "its /etc/resolv.conf names the network's resolver"
	ok 'printf "%s\n" "$seen" | grep -qx "out: yes"' "it reaches the outside"
	ok 'printf "%s\n" "$seen" | grep -qx "host: no" && printf "%s\n" "$seen" | grep -qx "meta: no"' "and neither the daemon's port nor 169.254.169.254"
	sid=`basename "$job" | cut -c1-8`
	ok '! ip link show jv$sid >/dev/null 2>&1 && ! nft list tables | grep -q ${T}_j$sid' "the shim's cleanup left no interface or table of the job"
	umount -l "$job/work" 2>/dev/null
	rm -rf "$TMP/state"
else
	echo "ok - the plugin through joblet-shim # SKIP isolation/network or the isolation stack is not usable here"
fi

# ------------------------------------------------------------ cleanup, reclaim
for s in A C E; do kill "`cat $TMP/$s.pid`"; done
for i in `seq 50`; do
	ip -o link | grep -q ' jv' || break
	sleep 0.1
done
run sh -c 'ip -o link | grep " jv"'
ok 'test -z "$out"' "no job interface is left once the jobs ended ($out)"
run sh -c "nft list tables | grep ${T}_j"
ok 'test -z "$out"' "no job table is left ($out)"

"$driver" job $T joblet0 dddd0001 172.20.0.30/16 172.20.0.1 0 1048576 -a 10.1.0.0/16:443 \
	-a 1.2.3.4/32:8000-8080 -a 10.2.0.0/15 -d 192.0.2.53 -k -- true >/dev/null
# The rules are written as netlink expressions (core/net/nfbatch.c): nft,
# reading them back from the kernel, must see the policy they stand for.
nft list table netdev ${T}_jdddd0001 >"$TMP/job-rules" 2>&1
sed -n '4,$p' "$TMP/job-rules" | sed 's/^[[:space:]]*//' >"$TMP/job-rules.body"
cat >"$TMP/job-rules.want" <<'RULES'
arp saddr ip 172.20.0.30 accept
meta protocol != ip drop
ip saddr != 172.20.0.30 drop
ip daddr 0.0.0.0/8 drop
ip daddr 127.0.0.0/8 drop
ip daddr 169.254.0.0/16 drop
ip daddr 224.0.0.0/3 drop
limit rate over 1 mbytes/second drop
ip daddr 192.0.2.53 tcp dport 53 accept
ip daddr 192.0.2.53 udp dport 53 accept
ip daddr 172.20.0.1 drop
ip daddr 10.1.0.0/16 tcp dport 443 accept
ip daddr 10.1.0.0/16 udp dport 443 accept
ip daddr 1.2.3.4 tcp dport 8000-8080 accept
ip daddr 1.2.3.4 udp dport 8000-8080 accept
ip daddr 10.2.0.0/15 accept
}
}
RULES
ok 'grep -q "hook ingress device \"jvdddd0001\" priority -500; policy drop;" "$TMP/job-rules" &&
	diff "$TMP/job-rules.want" "$TMP/job-rules.body" >&2' \
	"nft reads the job's rules back as its policy, in order, nothing else"
"$driver" job $T joblet0 dddd0002 172.20.0.31/16 172.20.0.1 0 0 -k -- sleep 30 >/dev/null &
kept=$!
for i in `seq 50`; do ip link show jvdddd0002 >/dev/null 2>&1 && break; sleep 0.1; done
ok 'nft list tables | grep -q ${T}_jdddd0001' "a job not cleaned up (its supervisor died) leaves its table"
run "$driver" reclaim $T dddd0002-live-job-id
ok 'test $rc = 0' "reclaim runs ($err)"
ok '! nft list tables | grep -q ${T}_jdddd0001' "reclaim removes the dead job's table"
ok 'nft list tables | grep -q ${T}_jdddd0002 && ip link show jvdddd0002 >/dev/null' \
	"and keeps the live job's table and interface"
kill $kept
wait $kept 2>/dev/null
run "$driver" reclaim $T
ok 'test $rc = 0 && ! ip -o link | grep -q " jv" && ! nft list tables | grep -q ${T}_j' \
	"with no live job, reclaim leaves no job interface or table"

for net in "bridge joblet0 172.20.0.0/16 0" "isolated joblet1 172.21.0.0/16 1" \
	"custom joblet2 10.30.0.0/24 0"; do
	run "$driver" down $T $net
	ok 'test $rc = 0' "network `echo $net | cut -d' ' -f1` is down ($err)"
done
run "$driver" down $T custom joblet2 10.30.0.0/24 0
ok 'test $rc = 0' "taking it down again is fine ($err)"
run nft list set inet $T bridges
ok '! has joblet "$out"' "the networks left the daemon's sets"
run nft list table netdev ${T}_net
ok 'test $rc = 0 && ! has chain "$out"' "and their bridges' ingress chains are gone"
nft delete table inet $T
nft delete table netdev ${T}_net
ip link del d0
ip -o link | awk '{ print $2 }' | sort >"$TMP/links.after"
nft list tables >"$TMP/tables.after"
ok 'cmp -s "$TMP/links.before" "$TMP/links.after"' "no interface is left (`cat $TMP/links.after | tr '\n' ' '`)"
ok 'cmp -s "$TMP/tables.before" "$TMP/tables.after"' "no nftables table is left"
