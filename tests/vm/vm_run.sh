#!/bin/sh
# vm_run.sh - joblet's own VM runner for the tests that need a real cgroup v2
# kernel (tests/vm/).  It boots Debian's cloud kernel (the package
# linux-image-cloud-amd64, unpacked into a cache, never installed) under
# qemu with a busybox initramfs it builds, mounts cgroup2 with every
# controller enabled, runs one shell command as root and prints what the
# command printed.
#
#   vm_run.sh [-t SECONDS] [-m MB] [-c CPUS] [-d DISK_MB] [-b PROGRAM]...
#             [-f SOURCE:TARGET]... COMMAND
#
#   -b PROGRAM        copied to /usr/local/bin in the VM with the shared
#                     libraries ldd names (repeatable)
#   -f SOURCE:TARGET  a file or folder copied to TARGET in the VM (repeatable)
#   -d DISK_MB        an empty virtio disk, /dev/vda in the VM
#   -t SECONDS        limit for the whole VM (default 300); -m, -c: memory in
#                     MiB (512) and CPUs (2)
#
# Environment: JOBLET_VM_CACHE, where the kernel is kept (default
# /var/cache/joblet-vm for root, else ~/.cache/joblet-vm);
# JOBLET_VM_KERNEL_PKG, an exact kernel package to use instead of the one
# linux-image-cloud-amd64 depends on.
#
# Exit status: the command's; 124 when the VM ran past -t; 125 when it
# stopped without reporting one (its console is printed); 2 when this host
# lacks what it needs (the message says what to install).
#
# The VM's kernel runs under TCG emulation (no KVM needed), 10 to 30 times
# slower than the host for system calls: size timeouts for that.  Its clock
# follows the host's.  It has no network but loopback.
set -eu

limit=300
mem=512
cpus=2
disk=0
progs=
files=
while getopts t:m:c:d:b:f: opt; do
	case $opt in
	t) limit=$OPTARG ;;
	m) mem=$OPTARG ;;
	c) cpus=$OPTARG ;;
	d) disk=$OPTARG ;;
	b) progs="$progs
$OPTARG" ;;
	f) files="$files
$OPTARG" ;;
	*) echo "usage: vm_run.sh [-t S] [-m MB] [-c N] [-d MB] [-b PROG]... [-f SRC:DEST]... COMMAND" >&2; exit 2 ;;
	esac
done
shift `expr $OPTIND - 1`
test $# -ge 1 || { echo "vm_run.sh: no command given" >&2; exit 2; }
command="$*"

fail_setup() {
	echo "vm_run.sh: $*" >&2
	exit 2
}

# ------------------------------------------------------------ what the host needs
for tool in qemu-system-x86_64 cpio gzip dpkg-deb apt-get flock timeout; do
	command -v $tool >/dev/null 2>&1 ||
		fail_setup "$tool is missing (apt-get install qemu-system-x86 cpio dpkg apt util-linux coreutils)"
done
busybox=`command -v busybox || true`
test -n "$busybox" || fail_setup "busybox is missing (apt-get install busybox-static)"
if ldd "$busybox" >/dev/null 2>&1; then
	fail_setup "$busybox is linked dynamically; the VM needs busybox-static"
fi

# ------------------------------------------------------------ the kernel
if test "`id -u`" = 0; then
	cache=${JOBLET_VM_CACHE:-/var/cache/joblet-vm}
else
	cache=${JOBLET_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/joblet-vm}
fi
mkdir -p "$cache"
# One unpacking at a time: VM tests may start together.
exec 8>"$cache/lock"
flock 8
kernel=`ls "$cache"/kernel/boot/vmlinuz-* 2>/dev/null | head -n 1 || true`
if test -z "$kernel"; then
	pkg=${JOBLET_VM_KERNEL_PKG:-`apt-cache depends linux-image-cloud-amd64 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1`}
	test -n "$pkg" || fail_setup "apt knows no linux-image-cloud-amd64 (run apt-get update)"
	echo "vm_run.sh: unpacking $pkg into $cache (once)" >&2
	rm -rf "$cache/kernel" "$cache/download"
	mkdir -p "$cache/download"
	(cd "$cache/download" && apt-get download -q "$pkg" >/dev/null 2>&1) ||
		fail_setup "cannot download $pkg with apt-get download"
	mkdir -p "$cache/kernel"
	# Only the kernel and the virtio modules it needs for a disk are kept.
	dpkg-deb --fsys-tarfile "$cache"/download/*.deb |
		tar -x -C "$cache/kernel" --wildcards './boot/vmlinuz-*' './lib/modules/*/kernel/drivers/virtio/*' \
			'./lib/modules/*/kernel/drivers/block/virtio_blk*' 2>/dev/null ||
		fail_setup "cannot unpack $pkg"
	rm -rf "$cache/download"
	kernel=`ls "$cache"/kernel/boot/vmlinuz-* | head -n 1`
fi
exec 8>&-
modules=`ls -d "$cache"/kernel/lib/modules/* 2>/dev/null | head -n 1 || true`

# ------------------------------------------------------------ the initramfs
work=`mktemp -d "${TMPDIR:-/tmp}/joblet-vm-XXXXXX"`
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root/bin" "$root/usr/local/bin" "$root/proc" "$root/sys" "$root/dev" "$root/tmp" \
	"$root/root" "$root/modules" "$root/etc"
cp "$busybox" "$root/bin/busybox"

# A disk needs virtio_blk, and the cloud kernel builds it and what it rests
# on as modules: load them in this order.
n=0
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk; do
	test -n "$modules" || break
	f=`find "$modules" -name "$m.ko*" | head -n 1`
	test -n "$f" || continue
	n=`expr $n + 1`
	cp "$f" "$root/modules/$n-`basename "$f"`"
done

copy_with_libs() { # program
	p=`command -v "$1" || true`
	test -n "$p" || fail_setup "no program $1"
	cp -L "$p" "$root/usr/local/bin/"
	for lib in `ldd "$p" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'`; do
		mkdir -p "$root`dirname "$lib"`"
		cp -L "$lib" "$root$lib"
	done
}
old_ifs=$IFS
IFS='
'
for p in $progs; do
	test -n "$p" && copy_with_libs "$p"
done
for spec in $files; do
	test -n "$spec" || continue
	from=${spec%%:*}
	to=${spec#*:}
	mkdir -p "$root`dirname "$to"`"
	cp -a "$from" "$root$to"
done
IFS=$old_ifs
printf '%s\n' "$command" >"$root/command"

cat >"$root/init" <<'EOI'
#!/bin/busybox sh
# pivot_root cannot leave the initramfs itself: run from a tmpfs copy.
if ! test -e /.on-tmpfs; then
	/bin/busybox mkdir /tmpfs
	/bin/busybox mount -t tmpfs -o mode=0755 rootfs /tmpfs
	for f in /*; do
		test "$f" = /tmpfs || /bin/busybox cp -a "$f" /tmpfs/
	done
	/bin/busybox touch /tmpfs/.on-tmpfs
	exec /bin/busybox switch_root /tmpfs /init
fi
/bin/busybox --install -s /bin
export PATH=/usr/local/bin:/bin HOME=/root
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mkdir -p /dev/shm /dev/pts
mount -t devpts devpts /dev/pts
mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
for c in `cat /sys/fs/cgroup/cgroup.controllers`; do
	echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
done
for m in /modules/*; do
	test -e "$m" && insmod "$m" 2>/dev/null
done
if grep -q joblet.vm.disk /proc/cmdline; then
	i=0
	while ! test -b /dev/vda && test $i -lt 100; do sleep 0.1; i=$((i + 1)); done
fi
ip link set lo up 2>/dev/null
hostname joblet-vm
cd /root
echo "@@joblet-vm: begin@@"
sh /command </dev/null 2>&1
status=$?
# The command's last line may lack its newline.
echo
echo "@@joblet-vm: status $status@@"
sync
poweroff -f
EOI
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"

# ------------------------------------------------------------ the VM
append="console=ttyS0 quiet loglevel=1 panic=-1 cgroup_no_v1=all"
set --
if test "$disk" -gt 0; then
	truncate -s "${disk}M" "$work/disk.raw"
	set -- -drive "file=$work/disk.raw,if=virtio,format=raw,cache=unsafe"
	append="$append joblet.vm.disk"
fi
set +e
timeout -k 5 "$limit" qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
	-accel tcg,thread=multi -cpu max -m "$mem" -smp "$cpus" \
	-kernel "$kernel" -initrd "$work/initrd.gz" -append "$append" \
	-serial "file:$work/console" "$@" </dev/null >"$work/qemu.log" 2>&1
qemu_status=$?
set -e
tr -d '\r' <"$work/console" >"$work/console.txt" || true
status=`sed -n 's/^@@joblet-vm: status \([0-9]*\)@@$/\1/p' "$work/console.txt" | tail -n 1`
# What the command printed: between the markers, less the line the end
# marker's own newline added.
awk '/^@@joblet-vm: status [0-9]+@@$/ { exit } on { print } /^@@joblet-vm: begin@@$/ { on = 1 }' \
	"$work/console.txt" | sed '$ { /^$/ d; }'
if test -n "$status"; then
	exit "$status"
fi
test $qemu_status -eq 124 && { echo "vm_run.sh: the VM ran past $limit s" >&2; exit 124; }
echo "vm_run.sh: the VM stopped without a status (qemu status $qemu_status); its console:" >&2
cat "$work/qemu.log" "$work/console.txt" >&2
exit 125
