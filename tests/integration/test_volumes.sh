#!/bin/sh
# test_volumes.sh - volumes through the daemon (docs/volumes.md): both
# types made, mounted into jobs at /volumes/NAME, shared by jobs of
# different uids (the idmapped mount), read-only with :ro, a hard size the
# job meets as ENOSPC while the host folder stays within it, the list's
# fields, 409 while a running or scheduled job uses one, 404 for another
# developer, admin sees all, kept across a daemon restart, and nothing
# left behind by remove (no mount, no loop device, no folder).
#
# Needs root, the isolation plugins, mkfs.ext4, unshare, curl and certtool
# (skips otherwise).  Runs in a mount namespace of its own (unshare -m,
# private): the daemon's volume mounts and the jobs' are never the host's,
# and whatever a failure leaves mounted goes with the namespace.  Loop
# devices are not namespaced: the test checks its own by backing file.
if test -z "${JOBLET_VOLUMES_NS:-}" && test "`id -u`" = 0 && command -v unshare >/dev/null 2>&1; then
	JOBLET_VOLUMES_NS=1 exec unshare -m --propagation private "${SHELL:-/bin/sh}" "$0" "$@"
fi
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

if test "`id -u`" != 0 || test "$no_isolation" = yes || test -z "${JOBLET_VOLUMES_NS:-}"; then
	echo "1..0 # SKIP needs root, unshare and the isolation plugins"
	exit 77
fi
for t in curl certtool; do
	command -v $t >/dev/null 2>&1 || { echo "1..0 # SKIP $t not found"; exit 77; }
done
if ! test -x /usr/sbin/mkfs.ext4 && ! test -x /sbin/mkfs.ext4; then
	echo "1..0 # SKIP mkfs.ext4 not found (Debian package e2fsprogs)"
	exit 77
fi

cgbase=joblet-vol-$$
first=`expr 500000 + $$ % 1000 \* 100`
last=`expr $first + 99`
write_stack_config "$TMP/base.yml" "$cgbase" "  uid_range: $first-$last
  grace_period: 1s
volumes:
  max_total: 96MiB
  max_memory_total: 16MiB
  max_per_user: 3
  max_user_total: 48MiB"
DAEMON_BASE_YML=$TMP/base.yml
export DAEMON_BASE_YML
VOLS=$TMP/state/volumes

# What this test's volumes hold of the namespace's mounts and the host's loop devices.
vol_mounts() { grep -c " $VOLS/" /proc/self/mountinfo; }
vol_loops() {
	_n=0
	for _f in /sys/block/loop*/loop/backing_file; do
		test -f "$_f" && grep -q "^$VOLS/" "$_f" 2>/dev/null && _n=`expr $_n + 1`
	done
	echo $_n
}

start_daemon || exit 1
rnx() { # role args...
	_role=$1
	shift
	run "$RNX" --config "$CERTS/rnx-config-$_role.yml" "$@"
}

# ------------------------------------------------------------------ create
rnx developer volume create vfs --size=32MiB
ok 'test $rc -eq 0 && has "vfs" "$out"' "a filesystem volume is created (32 MiB)"
rnx developer volume create vmem --size=8 --type=memory
ok 'test $rc -eq 0' "a memory volume is created (size in MiB, as --max-disk)"
ok 'test "`vol_mounts`" -eq 2 && test "`vol_loops`" -eq 1' \
	"each is mounted on its data folder, the filesystem one from a loop device"
ok 'test "`stat -c %s $VOLS/vfs/image`" -eq 33554432 && test "`du -k $VOLS/vfs/image | cut -f1`" -ge 32768' \
	"the ext4 image is allocated in full at create (not sparse)"
# ext4's lazy init would zero the inode tables after the mount with zero-out
# requests, which the loop device turns into holes punched in the image.
groups=`dumpe2fs "$VOLS/vfs/image" 2>/dev/null | grep -c '^Group [0-9]'`
zeroed=`dumpe2fs "$VOLS/vfs/image" 2>/dev/null | grep '^Group [0-9]' | grep -c ITABLE_ZEROED`
ok 'test "$groups" -gt 0 && test "$zeroed" -eq "$groups" && grep " $VOLS/vfs/data " /proc/self/mountinfo | grep -q noinit_itable' \
	"... with nothing left for ext4's lazy init to punch out ($zeroed of $groups inode tables zeroed, noinit_itable)"
rnx developer volume create vbig --size=128MiB
ok 'test $rc -ne 0 && has "volumes.max_total" "$err"' "a volume beyond volumes.max_total is refused, naming the setting"
rnx developer volume create 'bad/name' --size=16MiB
ok 'test $rc -eq 2' "a bad name is a usage error in rnx"
kurl developer -X POST -d '{"name":"bad.name","size":16777216}' "$URL/v1/volumes"
ok 'test "$code" = 400' "... and a 400 from the API"
kurl developer -X POST -d '{"name":"vfs","size":"16MiB"}' "$URL/v1/volumes"
ok 'test "$code" = 409' "a name taken is a 409"
# One owner's share: developer holds 40 MiB in two volumes.
rnx developer volume create vx --size=16MiB
ok 'test $rc -ne 0 && has "volumes.max_user_total" "$err" && test "`vol_mounts`" -eq 2' \
	"a volume past the owner's volumes.max_user_total is refused, naming the setting"
rnx admin volume create vadm --size=16MiB
ok 'test $rc -eq 0' "... while another user may still create one"
rnx developer volume create v3 --size=4 --type=memory
ok 'test $rc -eq 0' "a third volume of the developer fits its share"
rnx developer volume create v4 --size=1 --type=memory
ok 'test $rc -ne 0 && has "volumes.max_per_user" "$err"' \
	"a fourth is refused by volumes.max_per_user, naming the setting"
rnx admin volume remove vadm
rnx developer volume remove v3
ok 'test $rc -eq 0 && test "`vol_mounts`" -eq 2' "... and the extra volumes are removed"

# ------------------------------------------------------------------ shared between uids
rnx developer job run -f --volume=vfs --volume=vmem -- sh -c \
	'id -u; echo one >/volumes/vfs/f && echo mem >/volumes/vmem/m && stat -c "%u" /volumes/vfs/f /volumes/vmem/m /volumes/vfs'
u1=`printf '%s\n' "$out" | head -1`
owners=`printf '%s\n' "$out" | sed -n '2,4p' | sort -u`
ok 'test $rc -eq 0 && test "$owners" = "$u1"' "a job writes into both volumes, and sees the files as its own (uid $u1)"
ok 'test "`stat -c %u:%g $VOLS/vfs/data/f`" = "69999:69999" && test "`stat -c %u $VOLS/vmem/data/m`" = 69999' \
	"on disk the files belong to volumes.owner_id (69999), not to the job's uid"
# Hold the first uid with a job, so the next one runs as another.
rnx developer job run -- sleep 60
holder=`printf '%s\n' "$out" | sed -n 's/.*\([0-9a-f]\{8\}-[0-9a-f-]\{27\}\).*/\1/p' | head -1`
sleep 1
rnx developer job run -f --volume=vfs --volume=vmem -- sh -c \
	'id -u; cat /volumes/vfs/f /volumes/vmem/m; echo two >>/volumes/vfs/f && echo new >/volumes/vfs/g && cat /volumes/vfs/f'
u2=`printf '%s\n' "$out" | head -1`
ok 'test $rc -eq 0 && test -n "$u2" && test "$u2" != "$u1" && has "one
mem
one
two" "$out"' "a job of another uid ($u2) reads and writes the same files"
rnx developer job run -f --volume=vfs:ro -- sh -c \
	'cat /volumes/vfs/f >/dev/null && echo read; echo x >/volumes/vfs/h && echo WROTE; mount -o remount,rw /volumes/vfs && echo REMOUNTED; grep " /volumes/vfs " /proc/self/mountinfo'
ok 'has read "$out" && ! has WROTE "$out" && ! has REMOUNTED "$out" && has "Read-only" "$err$out" && has " ro," "$out" && has nosuid "$out" && has nodev "$out"' \
	"with :ro the job reads but cannot write nor remount it read-write (ro, nosuid, nodev)"
test -e "$VOLS/vfs/data/h"
ok 'test $? -ne 0' "... and nothing was written"
rnx developer job run -f --volume=vfs -- sh -c \
	'umount /volumes/vfs && echo UNMOUNTED; cp /bin/true /volumes/vfs/t && chmod 4755 /volumes/vfs/t && chown 0 /volumes/vfs/t && echo CHOWNED; rm -f /volumes/vfs/t; true'
ok '! has UNMOUNTED "$out" && ! has CHOWNED "$out"' "a job cannot unmount a volume nor give a file of it to root"
ok 'grep " $VOLS/vfs/data " /proc/self/mountinfo | grep -q nosuid && grep " $VOLS/vfs/data " /proc/self/mountinfo | grep -q nodev' \
	"on the host the volume is mounted nosuid,nodev too"

# ------------------------------------------------------------------ the size
rnx developer job run -f --volume=vfs --volume=vmem -- sh -c \
	'dd if=/dev/zero of=/volumes/vfs/big bs=1M count=64 2>&1; dd if=/dev/zero of=/volumes/vmem/big bs=1M count=32 2>&1; true'
nospc=`printf '%s\n' "$out" | grep -c "No space left"`
ok 'test "$nospc" -eq 2' "writing past the size gives the job ENOSPC (both types)"
ok 'test "`du -skx $VOLS/vfs | cut -f1`" -le 33000 && test "`stat -c %s $VOLS/vfs/image`" -eq 33554432 && test "`du -sk $VOLS/vmem/data | cut -f1`" -le 8192' \
	"the host folders did not grow past the sizes (`du -skx $VOLS/vfs | cut -f1` KiB, `du -sk $VOLS/vmem/data | cut -f1` KiB)"
rnx developer job run -f --volume=vfs --volume=vmem -- rm -f /volumes/vfs/big /volumes/vmem/big

# ------------------------------------------------------------------ list, owners
rnx developer volume list --json
ok 'test $rc -eq 0 && has "\"name\": \"vfs\"" "$out" && has "\"type\": \"memory\"" "$out" && has "\"size\": 33554432" "$out" && has "\"used\":" "$out" && has "\"owner\": \"developer-client\"" "$out" && has "\"created\":" "$out" && has "\"jobs\":" "$out"' \
	"volume list --json has name, type, size, used, owner, created and jobs"
rnx developer volume list
ok 'test $rc -eq 0 && has vfs "$out" && has vmem "$out" && has NAME "$out"' "volume list prints a table"
H=$TMP/h
mkdir -p "$H"
printf 'cn = developer2-client\nunit = developer\ntls_www_client\nsigning_key\nactivation_date = "2 days ago"\nexpiration_date = "30 days"\n' >"$H/d2.tmpl"
certtool --generate-privkey --key-type=ecdsa --outfile "$CERTS/client-developer2-key.pem" >/dev/null 2>&1
certtool --generate-certificate --load-privkey "$CERTS/client-developer2-key.pem" \
	--load-ca-certificate "$CERTS/ca/ca.pem" --load-ca-privkey "$CERTS/ca/ca-key.pem" \
	--template "$H/d2.tmpl" --outfile "$CERTS/client-developer2.pem" >/dev/null 2>&1
kurl developer2 "$URL/v1/volumes"
ok 'test "$code" = 200 && test "$out" = "[ ]" -o "$out" = "[]"' "another developer lists none of them"
kurl developer2 -X DELETE "$URL/v1/volumes/vfs"
d2del=$code
kurl developer2 -X POST -d '{"command":["ls","/volumes/vfs"],"volumes":["vfs"]}' "$URL/v1/jobs"
ok 'test "$d2del" = 404 && test "$code" = 404 && has "not found" "$out"' \
	"another developer gets 404 removing it or running a job with it"
kurl developer2 "$URL/v1/volumes/vfs/files/f"
ok 'test "$code" = 404' "another developer gets 404 reading a volume's files"

# ------------------------------------------------------------------ its files, through the API
rnx developer volume files vfs
ok 'test $rc -eq 0 && has " f" "$out" && has " g" "$out"' "rnx volume files lists the volume's files"
rnx developer volume download vfs f -o "$TMP/vfs-f"
ok 'test $rc -eq 0 && cmp -s "$TMP/vfs-f" "$VOLS/vfs/data/f"' "rnx volume download fetches a file byte-exact"
ln -s /etc/passwd "$VOLS/vfs/data/out"
kurl reader "$URL/v1/volumes/vfs/files/out"
ok 'test "$code" = 400' "... never following a link out of the volume (reader may read)"
rm -f "$VOLS/vfs/data/out"
kurl reader "$URL/v1/monitor/status"
ok 'test "$code" = 200 && has "\"name\":\"volume:vfs\"" "$out" && has "\"name\":\"volume:vmem\"" "$out"' \
	"the node's monitor lists each volume's disk"
kurl admin "$URL/v1/volumes"
ok 'test "$code" = 200 && has vfs "$out" && has vmem "$out"' "admin sees every volume"
kurl reader "$URL/v1/volumes"
ok 'test "$code" = 200 && has vfs "$out"' "reader lists every volume"
kurl reader -X DELETE "$URL/v1/volumes/vfs"
ok 'test "$code" = 403' "reader cannot remove one"

# ------------------------------------------------------------------ in use
rnx developer job run --volume=vfs -- sleep 60
running=`printf '%s\n' "$out" | sed -n 's/.*\([0-9a-f]\{8\}-[0-9a-f-]\{27\}\).*/\1/p' | head -1`
wait_until "\"$RNX\" --config \"$CERTS/rnx-config-developer.yml\" job status $running 2>/dev/null | grep -q RUNNING"
kurl developer -X DELETE "$URL/v1/volumes/vfs"
ok 'test "$code" = 409 && has "$running" "$out" && has RUNNING "$out"' "remove while a running job uses it: 409 naming the job"
rnx developer volume list --json
ok 'has "$running" "$out"' "the list names the job using it"
rnx developer job run --schedule=1h --volume=vmem:ro -- true
sched=`printf '%s\n' "$out" | sed -n 's/.*\([0-9a-f]\{8\}-[0-9a-f-]\{27\}\).*/\1/p' | head -1`
kurl developer -X DELETE "$URL/v1/volumes/vmem"
ok 'test "$code" = 409 && has "$sched" "$out" && has SCHEDULED "$out"' "... and while a scheduled job waits to use it"
rnx developer job stop $running
rnx developer job cancel $sched
rnx developer job stop $holder

# ------------------------------------------------------------------ restart
stop_daemon
start_daemon || exit 1
rnx developer job run -f --volume=vfs --volume=vmem -- cat /volumes/vfs/f /volumes/vfs/g /volumes/vmem/m
ok 'test $rc -eq 0 && has "one
two
new
mem" "$out"' "after a daemon restart the volumes and their files are still there"
grep -q "volume .* mounted" "$DLOG"
ok 'test $? -ne 0 && test "`vol_mounts`" -eq 2' "... still mounted, not mounted twice"
umount "$VOLS/vmem/data"
# An image with a hole (as lazy init punched them before): its last MiB,
# which the few files above leave unused.
umount "$VOLS/vfs/data"
wait_until 'test "`vol_loops`" -eq 0'
fallocate -p -o 31M -l 1M "$VOLS/vfs/image"
holed=`du -k "$VOLS/vfs/image" | cut -f1`
stop_daemon
start_daemon || exit 1
ok 'test "`vol_mounts`" -eq 2 && grep -q "volume .vmem. (memory) mounted" "$DLOG"' \
	"a volume found unmounted at start is mounted again (a memory volume starts empty)"
rnx developer job run -f --volume=vfs -- cat /volumes/vfs/f
ok 'test "$holed" -lt 32768 && test "`du -k $VOLS/vfs/image | cut -f1`" -ge 32768 && test $rc -eq 0 && has one "$out"' \
	"... and an image with holes is allocated in full again before its mount ($holed KiB before), its files intact"

# ------------------------------------------------------------------ remove
wait_until "! \"$RNX\" --config \"$CERTS/rnx-config-developer.yml\" job list 2>/dev/null | grep -q RUNNING"
rnx developer volume remove vfs
ok 'test $rc -eq 0' "remove a volume no job uses"
kurl admin -X DELETE "$URL/v1/volumes/vmem"
ok 'test "$code" = 200' "admin removes another's volume"
wait_until 'test "`vol_loops`" -eq 0'
ok 'test "`vol_mounts`" -eq 0 && test "`vol_loops`" -eq 0 && ! test -e "$VOLS/vfs" && ! test -e "$VOLS/vmem"' \
	"nothing is left: no mount, no loop device, no folder"
rnx developer job run -f --volume=vfs -- true
ok 'test $rc -ne 0 && has "not found" "$err"' "a job naming a removed volume is refused"

# Without isolation/rootfs nothing would mount them: such a node refuses jobs with volumes.
stop_daemon
sed -i 's/stack: \[namespaces, rootfs, cgroup, seccomp\]/stack: [namespaces, cgroup, seccomp]/' "$DAEMON_BASE_YML"
start_daemon || exit 1
rnx developer volume create vm2 --size=4 --type=memory
rnx developer job run -f --volume=vm2 -- true
ok 'test $rc -ne 0 && has "no \`rootfs\`" "$err"' "a node whose isolation.stack lacks rootfs refuses a job with volumes"
rnx developer volume remove vm2
ok 'test $rc -eq 0 && test "`vol_mounts`" -eq 0 && ! test -e "$VOLS/vm2"' "... and its volume is removed"

stop_daemon
for d in /sys/fs/cgroup/*/$cgbase /sys/fs/cgroup/$cgbase.slice /sys/fs/cgroup/unified/$cgbase.slice; do
	if test -d "$d"; then rmdir "$d" 2>/dev/null || echo "# cannot remove $d"; fi
done
u=$first
while test $u -le $last; do
	rm -f "/run/joblet/uids/$u"
	u=`expr $u + 1`
done
