# oci_clients.sh - helpers for the tests that drive joblet-oci through real
# clients (test_oci_containerd.sh, test_oci_podman.sh, test_oci_slurm.sh).
# Sourced after tap.sh.
#
#   oci_need_root                  exits 77 unless root
#   oci_need CMD... -- PACKAGE     exits 77 (naming the Debian package) unless
#                                  every CMD is installed
#   oci_runtime_setup              $RT: the runtime under test, wrapped by
#                                  $RTW, a script that appends its argv (one
#                                  line, "UID ARGS...") to $RTLOG and execs it
#   oci_rootfs DIR                 a busybox-static root file system in DIR
#   oci_bundle DIR [UID GID]       DIR/config.json + DIR/rootfs; with UID GID,
#                                  a rootless bundle whose user namespace maps
#                                  0 to UID/GID (as `runc spec --rootless`)
#   oci_free_port [AFTER]          a TCP port nobody is bound to (above AFTER)
#   oci_calls                      prints the runtime's calls as TAP comments,
#                                  ids and folders replaced by placeholders
#                                  (and by the sed script $OCI_CALLS_SED first)
#
# The runtime is $JOBLET_OCI_RUNTIME, else the build tree's joblet-oci; the
# tests were proven with JOBLET_OCI_RUNTIME=`command -v runc`.

oci_need_root() {
	if test "`id -u`" != 0; then
		echo "1..0 # SKIP needs root (it starts the client's daemons)"
		exit 77
	fi
}

oci_need() { # cmd... -- package
	_missing=""
	while test $# -gt 0 && test "$1" != --; do
		command -v "$1" >/dev/null 2>&1 || _missing="$_missing $1"
		shift
	done
	if test -n "$_missing"; then
		echo "1..0 # SKIP$_missing not installed (apt-get install $2)"
		exit 77
	fi
}

oci_runtime_setup() {
	# The valgrind pass re-runs integration tests for joblet and rnx, which
	# these do not use; the runtime, started by the clients, is not wrapped.
	if test "${JOBLET_TEST_UNDER_VALGRIND:-0}" = 1; then
		echo "1..0 # SKIP the clients run the runtime outside valgrind; nothing to check twice"
		exit 77
	fi
	RT=${JOBLET_OCI_RUNTIME:-$build/joblet-oci}
	case $RT in
	/*) ;;
	*) RT=`command -v "$RT" 2>/dev/null` ;;
	esac
	if test -z "$RT" || ! test -x "$RT"; then
		echo "1..0 # SKIP no OCI runtime at \`${JOBLET_OCI_RUNTIME:-$build/joblet-oci}' (build joblet-oci, or set JOBLET_OCI_RUNTIME)"
		exit 77
	fi
	RTLOG="$TMP/runtime-calls.log"
	: >"$RTLOG"
	chmod 666 "$RTLOG"
	# joblet-oci's policy: the build tree's plugins (its seccomp floor).
	RTPOLICY="$TMP/oci-policy.yml"
	printf 'plugins:\n  dirs: [%s]\n' "$build/build-plugins" >"$RTPOLICY"
	chmod 644 "$RTPOLICY"
	RTW="$TMP/oci-runtime"
	cat >"$RTW" <<EOW
#!/bin/sh
echo "\`id -u\` \$*" >>"$RTLOG"
JOBLET_OCI_CONFIG="$RTPOLICY"
export JOBLET_OCI_CONFIG
exec "$RT" "\$@"
EOW
	chmod 755 "$RTW"
	echo "# runtime under test: $RT"
}

oci_rootfs() { # dir
	mkdir -p "$1/bin" "$1/proc" "$1/sys" "$1/dev" "$1/etc" "$1/tmp" "$1/root"
	cp /bin/busybox "$1/bin/busybox"
	for _a in `/bin/busybox --list`; do
		test "$_a" = busybox || ln -s busybox "$1/bin/$_a"
	done
	echo "root:x:0:0:root:/root:/bin/sh" >"$1/etc/passwd"
	echo "root:x:0:" >"$1/etc/group"
	chmod 1777 "$1/tmp"
}

# A config.json like `runc spec` (or `runc spec --rootless` with UID GID):
# the clients rewrite process.args and add their own parts.
oci_bundle() { # dir [uid gid]
	mkdir -p "$1"
	oci_rootfs "$1/rootfs"
	if test $# -ge 3; then
		_ns='{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "user"}'
		_maps="\"uidMappings\": [{\"containerID\": 0, \"hostID\": $2, \"size\": 1}],
		\"gidMappings\": [{\"containerID\": 0, \"hostID\": $3, \"size\": 1}],"
		_sys='{"destination": "/sys", "type": "none", "source": "/sys", "options": ["rbind", "nosuid", "noexec", "nodev", "ro"]}'
		_pts='"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"'
	else
		_ns='{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}'
		_maps=
		_sys='{"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
		{"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}'
		_pts='"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"'
	fi
	_caps='"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"'
	cat >"$1/config.json" <<EOJ
{
	"ociVersion": "1.0.2",
	"process": {
		"terminal": false,
		"user": {"uid": 0, "gid": 0},
		"args": ["sh"],
		"env": ["PATH=/bin", "TERM=xterm"],
		"cwd": "/",
		"capabilities": {"bounding": [$_caps], "effective": [$_caps], "permitted": [$_caps]},
		"rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
		"noNewPrivileges": true
	},
	"root": {"path": "rootfs", "readonly": true},
	"hostname": "oci-test",
	"mounts": [
		{"destination": "/proc", "type": "proc", "source": "proc"},
		{"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
		{"destination": "/dev/pts", "type": "devpts", "source": "devpts", "options": [$_pts]},
		{"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
		{"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
		$_sys
	],
	"linux": {
		$_maps
		"namespaces": [$_ns],
		"maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
		"readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
	}
}
EOJ
}

# A port in 20000..59999 that no socket on this host is bound to (from
# /proc/net/tcp*, so it needs neither ss nor python), above AFTER if given.
oci_free_port() { # [after]
	_p=${1:-`expr 20000 + $$ % 30000`}
	while :; do
		_p=`expr $_p + 1`
		_hex=`printf '%04X' $_p`
		cat /proc/net/tcp /proc/net/tcp6 2>/dev/null | awk '{print $2}' | grep -q ":$_hex\$" || break
	done
	echo $_p
}

# The runtime's calls, so a failure shows what the client asked for (and the
# list of subcommands and flags each client uses stays visible in the log).
oci_calls() {
	echo "# the runtime was called $(wc -l <"$RTLOG") times:"
	sed -E "${OCI_CALLS_SED:-}s#$TMP#\$TMP#g; s#[0-9a-f]{64}#<ID>#g; s#/tmp/runc-process[0-9]+#/tmp/runc-process<N>#g; s#exec-process-[0-9]+#exec-process-<N>#g; s#/tmp/conmon-term\.[A-Za-z0-9]+#/tmp/conmon-term.<X>#g; s#/tmp/pty[0-9]+/#/tmp/pty<N>/#g" \
		"$RTLOG" | sort | uniq -c | sort -rn | sed 's/^/#   /'
}
