#!/bin/sh
# test_oci_lifecycle.sh - joblet-oci's command line on bundles made here:
# the OCI lifecycle (create -> created -> start -> running -> stopped ->
# delete) and `state`, run, exec, kill, ps, pause/resume, update, events,
# list, spec, features; the floor (a user namespace of its own, capabilities,
# host namespaces and root refused, masked paths, seccomp on top of the
# floor's); linux.resources in the cgroup cgroupsPath names; rootless.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

OCI="$build/joblet-oci"
if ! test -x "$OCI"; then
	echo "1..0 # SKIP joblet-oci is not built (configure --enable-oci needs libseccomp)"
	exit 77
fi
if test "`id -u`" != 0; then
	echo "1..0 # SKIP needs root"
	exit 77
fi
if test "${JOBLET_TEST_UNDER_VALGRIND:-0}" = 1; then
	echo "1..0 # SKIP joblet-oci is not run under valgrind (the runs above checked it)"
	exit 77
fi
BUSYBOX=`command -v busybox`
if ! test -x "$BUSYBOX" || ldd "$BUSYBOX" >/dev/null 2>&1; then
	echo "1..0 # SKIP needs a static busybox (apt-get install busybox-static)"
	exit 77
fi
if ! unshare -U true 2>/dev/null; then
	echo "1..0 # SKIP user namespaces cannot be made here"
	exit 77
fi

ROOT="$TMP/state"
POLICY="$TMP/oci.yml"
cat >"$POLICY" <<EOF
plugins:
  dirs: [$build/build-plugins]
EOF
JOBLET_OCI_CONFIG=$POLICY
export JOBLET_OCI_CONFIG
oci() { "$OCI" --root "$ROOT" "$@"; }
CG="joblet-oci-test-$$"
cleanup_all() {
	for id in `"$OCI" --root "$ROOT" list -q 2>/dev/null`; do
		"$OCI" --root "$ROOT" delete --force "$id" >/dev/null 2>&1
	done
	for d in /sys/fs/cgroup/*/"$CG"; do
		test -d "$d" && find "$d" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	tap_exit
}
trap cleanup_all EXIT

# make_bundle DIR [jq-like python edits]: a busybox root and runc's default spec, no terminal.
make_bundle() { # dir args...
	_b=$1
	shift
	mkdir -p "$_b/rootfs/bin" "$_b/rootfs/proc" "$_b/rootfs/dev" "$_b/rootfs/sys" \
		"$_b/rootfs/tmp" "$_b/rootfs/etc"
	cp "$BUSYBOX" "$_b/rootfs/bin/busybox"
	for t in sh echo cat sleep id ls mkdir true false hostname grep wc head stat readlink unshare; do
		ln -sf busybox "$_b/rootfs/bin/$t"
	done
	chmod 1777 "$_b/rootfs/tmp"
	echo "bundle-root" >"$_b/rootfs/etc/marker"
	rm -f "$_b/config.json"
	"$OCI" spec --bundle "$_b" || return 1
	python3 - "$_b/config.json" "$CG" "$@" <<'EOF'
import json, sys
path, cg, args = sys.argv[1], sys.argv[2], sys.argv[3:]
c = json.load(open(path))
c["process"]["terminal"] = False
c["process"]["args"] = args or ["sleep", "30"]
c["linux"]["cgroupsPath"] = "/" + cg + "/" + path.split("/")[-2]
json.dump(c, open(path, "w"), indent=1)
EOF
}

# edit BUNDLE PYTHON: change the bundle's config.json (c is the document).
edit() {
	python3 - "$1/config.json" "$2" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
exec(sys.argv[2])
json.dump(c, open(sys.argv[1], "w"), indent=1)
EOF
}

state_of() { oci state "$1" 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])'; }

# --- spec and features ---
mkdir -p "$TMP/spec"
run "$OCI" spec --bundle "$TMP/spec"
ok 'test $rc = 0 && test -f "$TMP/spec/config.json"' "spec writes a config.json"
run python3 -c "import json; c=json.load(open('$TMP/spec/config.json')); print(len(c['process']['capabilities']['bounding']), c['root']['path'])"
ok 'test "$out" = "14 rootfs"' "spec's config.json grants Docker's 14 capabilities and uses rootfs/"
run "$OCI" spec --bundle "$TMP/spec"
ok 'test $rc != 0 && has "exists already" "$err"' "spec does not overwrite a config.json"
run "$OCI" features
ok 'test $rc = 0 && has "\"ociVersionMax\": \"1.1.0\"" "$out"' "features prints the spec's features document"

# --- the lifecycle ---
B="$TMP/b1"
make_bundle "$B" sh -c 'echo started; exec sleep 60'
run oci create --bundle "$B" --pid-file "$TMP/b1.pid" c1
ok 'test $rc = 0' "create succeeds"
ok 'test "`state_of c1`" = created' "after create the container is created"
PID=`cat "$TMP/b1.pid" 2>/dev/null`
ok 'test -n "$PID" && kill -0 "$PID"' "--pid-file names its live init"
run oci state c1
ok 'has "\"pid\": $PID" "$out" && has "\"bundle\": \"$B\"" "$out" && has "\"ociVersion\"" "$out"' "state prints pid, bundle, ociVersion"
run oci start c1
ok 'test $rc = 0 && test "`state_of c1`" = running' "start makes it running"
run oci start c1
ok 'test $rc != 0 && has "not created" "$err"' "a second start is refused"
HUID=`awk '/^Uid:/ {print $2}' /proc/$PID/status`
ok 'test "$HUID" -ge 1073741824' "its root is an unprivileged host uid ($HUID) of a range of its own"
run awk '{ print $1, $2, $3 }' /proc/$PID/uid_map
ok 'test "$out" = "0 $HUID 65536"' "its user namespace maps 0 to that range"
MEM=`cat /sys/fs/cgroup/pids/$CG/b1/cgroup.procs 2>/dev/null | head -1`
ok 'test "$MEM" = "$PID"' "its init is in the cgroup cgroupsPath names"
run oci ps --format json c1
ok 'test $rc = 0 && has "$PID" "$out"' "ps --format json lists its processes"
run oci list
ok 'has c1 "$out" && has running "$out"' "list shows it running"
run oci pause c1
ok 'test $rc = 0 && test "`state_of c1`" = paused' "pause freezes it"
run oci resume c1
ok 'test $rc = 0 && test "`state_of c1`" = running' "resume thaws it"
run oci events --stats c1
ok 'test $rc = 0 && has "\"type\":\"stats\"" "$out"' "events --stats prints its use"
run oci exec c1 sh -c 'cat /etc/marker; id -u; exit 3'
ok 'test $rc = 3 && has bundle-root "$out" && has 0 "$out"' "exec runs in its root as its uid 0 and returns the exit code"
# The process's "ready" and stage 1's pid message race: an exec that took
# "ready" first waited for ever for pid 0.
hung=0
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
	timeout 10 "$OCI" --root "$ROOT" exec c1 true || hung=`expr $hung + 1`
done
ok 'test $hung = 0' "20 execs in a row each return ($hung did not)"
run oci delete c1
ok 'test $rc != 0 && has "stop it first" "$err"' "delete of a running container is refused"
run oci kill c1 KILL
ok 'test $rc = 0' "kill sends a signal"
wait_until '! kill -0 $PID 2>/dev/null || grep -q "^State:.*Z" /proc/$PID/status'
ok 'test "`state_of c1`" = stopped' "after its process ended it is stopped"
run oci kill c1 TERM
ok 'test $rc != 0 && has "not running" "$err"' "kill of a stopped container is refused"
run oci delete c1
ok 'test $rc = 0 && ! test -d "$ROOT/c1"' "delete removes it"
ok '! test -d /sys/fs/cgroup/pids/$CG/b1 && ! test -d /sys/fs/cgroup/memory/$CG/b1' "delete removes its cgroups"
run oci state c1
ok 'test $rc != 0 && has "does not exist" "$err"' "state of a deleted container says it does not exist"
run oci delete --force c1
ok 'test $rc = 0' "delete --force of a missing container succeeds"

# --- run ---
B2="$TMP/b2"
make_bundle "$B2" sh -c 'cat /etc/marker; hostname; exit 7'
run oci run --bundle "$B2" r1
ok 'test $rc = 7 && has bundle-root "$out" && has joblet "$out"' "run passes output and the exit code through"
ok '! test -d "$ROOT/r1"' "run removes the container afterwards"
make_bundle "$B2" sleep 60
oci run --bundle "$B2" r2 >/dev/null 2>&1 &
runner=$!
wait_until 'test "`state_of r2`" = running'
oci kill r2 KILL
wait $runner
rc=$?
ok 'test $rc = 137' "a process killed by SIGKILL makes run exit 137"

# --- the floor ---
make_bundle "$B2" sh -c 'cat /proc/kcore | wc -c; echo x > /proc/sys/kernel/hostname; echo w=$?'
run oci run --bundle "$B2" f1
ok 'has "0" "$out" && has "w=1" "$out"' "masked /proc/kcore reads empty, /proc/sys is read-only"
make_bundle "$B2" true
edit "$B2" 'c["process"]["capabilities"]["bounding"].append("CAP_SYS_ADMIN")'
run oci run --bundle "$B2" f2
ok 'test $rc != 0 && has "CAP_SYS_ADMIN" "$err" && has "oci.allowed_capabilities" "$err"' "a capability beyond Docker's 14 is refused, naming the setting"
ok '! test -d "$ROOT/f2"' "a refused create leaves nothing behind"
make_bundle "$B2" true
edit "$B2" 'c["linux"]["namespaces"] = [n for n in c["linux"]["namespaces"] if n["type"] != "network"]'
run oci run --bundle "$B2" f3
ok 'test $rc != 0 && has "network" "$err" && has "allow_host_namespaces" "$err"' "sharing the host's network namespace is refused"
make_bundle "$B2" true
edit "$B2" 'c["linux"]["namespaces"].append({"type": "user"}); c["linux"]["uidMappings"] = [{"containerID": 0, "hostID": 0, "size": 1}]; c["linux"]["gidMappings"] = [{"containerID": 0, "hostID": 0, "size": 1}]'
run oci run --bundle "$B2" f4
ok 'test $rc != 0 && has "real root" "$err"' "mapping the host's root into the container is refused"
make_bundle "$B2" true
edit "$B2" 'c["linux"]["namespaces"].append({"type": "net", "path": "/proc/1/ns/net"})'
run oci run --bundle "$B2" f5
ok 'test $rc != 0' "an unknown or duplicate namespace entry is refused"
make_bundle "$B2" sh -c 'mkdir /tmp/a; echo m=$?; unshare -U true 2>/dev/null; echo u=$?'
edit "$B2" 'c["linux"]["seccomp"] = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13}]}'
run oci run --bundle "$B2" f6
ok 'has "m=1" "$out"' "the bundle's seccomp profile applies"
ok 'has "u=1" "$out"' "the floor's filter still refuses a new user namespace under an allow-all profile"
cat >"$TMP/allow.yml" <<EOF
plugins:
  dirs: [$build/build-plugins]
oci:
  allowed_capabilities: [CAP_SYS_PTRACE]
EOF
make_bundle "$B2" sh -c 'grep CapBnd /proc/self/status'
edit "$B2" 'c["process"]["capabilities"]["bounding"].append("CAP_SYS_PTRACE")'
run env JOBLET_OCI_CONFIG="$TMP/allow.yml" "$OCI" --root "$ROOT" run --bundle "$B2" f7
ok 'test $rc = 0' "a capability the operator allows is granted"

# --- resources ---
make_bundle "$B2" sh -c 'exec sleep 60'
edit "$B2" 'c["linux"]["resources"] = {"memory": {"limit": 67108864}, "pids": {"limit": 32}}'
run oci run --detach --bundle "$B2" m1
ok 'test $rc = 0' "run --detach starts it and returns"
ok 'test "`cat /sys/fs/cgroup/memory/$CG/b2/memory.limit_in_bytes 2>/dev/null`" = 67108864' "memory.limit is in its memory cgroup"
ok 'test "`cat /sys/fs/cgroup/pids/$CG/b2/pids.max 2>/dev/null`" = 32' "pids.limit is in its pids cgroup"
run oci update --memory 128M m1
ok 'test $rc = 0 && test "`cat /sys/fs/cgroup/memory/$CG/b2/memory.limit_in_bytes 2>/dev/null`" = 134217728' "update changes the memory limit"
run oci delete --force m1
ok 'test $rc = 0 && ! test -d /sys/fs/cgroup/memory/$CG/b2' "delete --force ends and removes a running container"
make_bundle "$B2" true
edit "$B2" 'c["linux"]["resources"] = {"memory": {"limit": -5}}'
run oci run --bundle "$B2" m2
ok 'test $rc != 0 && has "memory.limit" "$err"' "a bad resource value is refused, naming it"

# --- rootless ---
if command -v setpriv >/dev/null && setpriv --reuid=65534 --regid=65534 --clear-groups unshare -U true 2>/dev/null; then
	RB="$TMP/rl"
	make_bundle "$RB" sh -c 'id -u; cat /etc/marker'
	edit "$RB" 'c["linux"].pop("cgroupsPath", None); c["linux"]["resources"] = {}'
	chmod -R a+rX "$TMP"
	mkdir -p "$TMP/rlroot" && chown 65534:65534 "$TMP/rlroot"
	run setpriv --reuid=65534 --regid=65534 --clear-groups env JOBLET_OCI_CONFIG="$POLICY" "$OCI" --root "$TMP/rlroot/s" run --bundle "$RB" rl1
	ok 'test $rc = 0 && has bundle-root "$out"' "rootless: an unprivileged caller runs a container as its own uid"
else
	echo "ok - rootless # SKIP unprivileged user namespaces are not allowed here"
fi
