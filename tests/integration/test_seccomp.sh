#!/bin/sh
# test_seccomp.sh - isolation/seccomp in real jobs: `joblet run-local` runs
# seccomp_probe (static) as uid 65534 with no capabilities, first with only
# the seccomp layer, then with namespaces and rootfs in front of it (their
# child hooks mount and pivot_root before the filter is loaded).
#
# Each call of the profile must come back EPERM (ENOSYS for clone3,
# EAFNOSUPPORT for the audit socket).  A job without the filter proves the
# difference: the calls an unprivileged process may make answer otherwise
# there.  Ordinary work (fork, exec, threads, files, sockets) keeps working.
#
# Needs root (run-local switches to the job's user): exits 77 elsewhere.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

if test "`id -u`" != 0; then
	echo "1..0 # SKIP run-local needs root"
	exit 77
fi
probe="$build/tests/integration/seccomp_probe"
if ! test -x "$probe"; then
	echo "not ok - $probe is built (make check builds it)"
	exit 1
fi

# config NAME STACK [SETTINGS]: a joblet.yml with the build tree's plugins.
config() {
	cat >"$TMP/$1.yml" <<EOC
plugins:
  dirs: [$build/build-plugins]
  settings:
    isolation/seccomp: {${3:-}}
paths:
  state_dir: $TMP/state
isolation:
  stack: [$2]
EOC
}
config seccomp seccomp
config none none
config kill seccomp "default_action: kill"
config allow seccomp 'allow: "ptrace, keyctl"'
config typo seccomp 'allow: "ptrace, keyctll"'
config full "namespaces, rootfs, seccomp"

job() { # config [flags] -- command...
	cfg=$1
	shift
	run "$JOBLET" --config "$TMP/$cfg.yml" run-local "$@"
}

# What one call answered in the last output ("ok" or an errno name).
answer() {
	printf '%s\n' "$out" | sed -n "s/^$1 //p"
}

# ---------------------------------------------------------------- the filter is there
job seccomp -- "$probe" status
ok 'test $rc -eq 0 && has "Seccomp:	2" "$out" && has "Seccomp_filters:	1" "$out" && has "NoNewPrivs:	1" "$out"' \
	"the job runs in seccomp filter mode with one filter and no_new_privs"

# ---------------------------------------------------------------- each call refused
job seccomp -- "$probe" denied
ok 'test $rc -eq 0 && test `printf "%s\n" "$out" | wc -l` -ge 50' "the probe tried every call"
seccomp_out=$out
bad=
for line in `printf '%s\n' "$seccomp_out" | tr ' ' '='`; do
	name=${line%%=*}
	got=${line#*=}
	case $name in
	clone3) want=ENOSYS ;;
	socket_audit) want=EAFNOSUPPORT ;;
	*) want=EPERM ;;
	esac
	test "$got" = "$want" || bad="$bad $name=$got(want $want)"
done
out=$seccomp_out
ok 'test -z "$bad"' "every call of the profile is refused in the job:${bad:- all as expected}"

# The same probe without the filter: what an unprivileged job may do answers otherwise.
job none -- "$probe" denied
none_out=$out
same=
for name in clone3 keyctl personality socket_audit process_vm_readv ioctl_tiocsti \
	ioctl_tiocsti_high fsconfig name_to_handle_at pidfd_getfd move_pages; do
	out=$seccomp_out
	with=`answer $name`
	out=$none_out
	without=`answer $name`
	test -n "$without" && test "$with" != "$without" || same="$same $name($with/$without)"
done
ok 'test -z "$same"' "without the filter those calls answer otherwise (the filter, not the missing capabilities, refuses them):${same:- all differ}"

# ---------------------------------------------------------------- every ABI
# Each refused call through syscall(2), x32 numbers and int $0x80 (skipped
# with the reason when the kernel has no IA32 emulation), and numbers past
# the table or newer than the profile (listmount, open_tree_attr).
job seccomp -- "$probe" abi
printf '%s\n' "$out" | grep -E '^(FAIL|#)|SKIP' | sed 's/^/# /'
ok 'test $rc -eq 0 && test `printf "%s\n" "$out" | grep -c "^ok"` -ge 100' \
	"every refused call fails (EPERM or ENOSYS) through every ABI, and past the table"
job kill -- "$probe" abi
ok 'test $rc -eq 0' "with default_action: kill as well (SIGSYS, or ENOSYS for unlisted calls and x32 numbers)"
job none -- "$probe" abi
ok 'test $rc -ne 0 && has "FAIL - native socket AF_NETLINK NETLINK_KOBJECT_UEVENT" "$out"' \
	"without the filter the same probe finds calls that reach the kernel"

# ---------------------------------------------------------------- ordinary work
job seccomp -- "$probe" work
ok 'test $rc -eq 0 && test `printf "%s\n" "$out" | grep -c "^ok"` -eq 6' \
	"fork, exec, threads, file IO in the working folder, AF_UNIX and AF_INET sockets work"
job seccomp -- /bin/sh -c 'echo hello | tr a-z A-Z; ls / >/dev/null && date >/dev/null && echo done'
ok 'test $rc -eq 0 && has "HELLO" "$out" && has "done" "$out"' "a shell pipeline runs under the filter"

# ---------------------------------------------------------------- behind namespaces and rootfs
job full --upload="$probe" -- /work/seccomp_probe denied
full_rc=$rc
ok 'test $rc -eq 0 && test "`answer unshare_newuser`" = EPERM && test "`answer mount`" = EPERM && test "`answer clone3`" = ENOSYS' \
	"with namespaces and rootfs in front (mounts and pivot_root before the filter) the calls are refused"
job full --upload="$probe" -- /work/seccomp_probe work
ok 'test $rc -eq 0 && test $full_rc -eq 0' "ordinary work runs with namespaces, rootfs and seccomp"

# ---------------------------------------------------------------- settings
job kill -- "$probe" denied
ok 'test $rc -eq 159 && has "signal 31" "$err"' "with default_action: kill the first denied call kills the job with SIGSYS"
job kill -- "$probe" work
ok 'test $rc -eq 0' "with default_action: kill ordinary work still runs"

job allow -- "$probe" denied
ok 'test $rc -eq 0 && test "`answer keyctl`" != EPERM && test "`answer ptrace`" != EPERM && test "`answer bpf`" = EPERM' \
	"allow: \"ptrace, keyctl\" lets those two through and nothing else"

job typo -- "$probe" status
ok 'test $rc -eq 125 && has "\`keyctll\` is not a system call" "$err"' \
	"a job is refused when the plugin's settings are wrong, with the reason"
run "$JOBLET" --config "$TMP/typo.yml" check
ok 'test $rc -ne 0 && has "\`keyctll\` is not a system call" "$out"' \
	"joblet check names the unknown system call in allow"

# ---------------------------------------------------------------- the compiled filter is cached
# One file per configuration in STATE_DIR/cache; a damaged one is not used.
n=`ls "$TMP"/state/cache/seccomp-*.bpf 2>/dev/null | wc -l`
ok 'test "$n" -ge 3' "each configuration's compiled filter is kept in the cache folder ($n files)"
for f in "$TMP"/state/cache/seccomp-*.bpf; do
	printf 'xyz' >"$f"
done
job seccomp -- "$probe" denied
ok 'test $rc -eq 0 && test "`answer bpf`" = EPERM && test "`answer keyctl`" = EPERM' \
	"a damaged cache file is ignored: the filter is built again and refuses the calls"
job kill -- "$probe" denied
ok 'test $rc -eq 159' "and the kill-mode filter is its own, not the errno one"

# Another build of the plugin (here: a copy, another file) does not load
# the filter the first one compiled: the key covers the build.
mkdir -p "$TMP/plugins2"
cp "$build/build-plugins/isolation_seccomp.so" "$TMP/plugins2/"
sed "s|dirs: \[$build/build-plugins\]|dirs: [$TMP/plugins2]|" "$TMP/seccomp.yml" >"$TMP/build2.yml"
before=`ls "$TMP"/state/cache/seccomp-*.bpf | wc -l`
job build2 -- "$probe" status
after=`ls "$TMP"/state/cache/seccomp-*.bpf | wc -l`
ok 'test $rc -eq 0 && test "$after" -eq `expr $before + 1`' \
	"another build of the plugin compiles and caches a filter of its own ($before, then $after files)"
