/*
 * isolation/seccomp - a system-call filter for every job (libseccomp).
 *
 * An allow-list in the shape of Docker's and containerd's default profile:
 * the calls an ordinary program makes (files, memory, processes, threads,
 * signals, time, sockets, IPC) pass, a few of them only with harmless
 * arguments (clone without namespace flags, socket in four families, ioctl
 * but TIOCSTI and TIOCLINUX, personality as Docker allows it); everything
 * else fails with ENOSYS, as on a kernel that lacks the call, so that a C
 * library falls back and a system call added to Linux after this profile
 * was written is refused until someone lists it.  A short list of calls
 * that create or enter namespaces, change mounts, reach kernel-wide state
 * or other processes fails with EPERM instead (or kills the job), which is
 * what the `allow` setting lifts.
 *
 * Only the native ABI is filtered and accepted: a call through another
 * one (i386's int $0x80 or sysenter, arm on aarch64) fails with ENOSYS, or
 * kills the job under `default_action: kill`; x32's numbers (the x86_64
 * entry with __X32_SYSCALL_BIT) match no rule and fail with ENOSYS.  Why, rather than the same
 * rules on each: see README.md ("ABIs").
 *
 * prepare() builds the filter in the shim, so a filter that cannot be
 * built refuses the job with a reason before anything runs, and keeps the
 * generated program in the job cache folder for the next jobs of the same
 * configuration and build; child() only loads it (seccomp(2), TSYNC).  It
 * is the last layer of the stack: the layers before it (rootfs: mount,
 * pivot_root) run before it, and the shim's own last steps (setresuid,
 * capset, prctl, close_range, execve) are all allowed.
 */
#include <config.h>

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf_common.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <linux/seccomp.h>
#include <unistd.h>

#include <joblet/isolation.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Bump when the code that turns the profile into rules changes in a way the
 * table does not show: the compiled-filter cache key includes it (besides
 * the table, the settings and the joblet build).
 */
#define SECCOMP_RULES_REVISION 2

/* How a profile entry treats its system call. */
enum seccomp_how {
	HOW_ALLOW = 1,	 /* every call passes */
	HOW_DENY,	 /* every call: the denial action (EPERM, or kill) */
	HOW_ENOSYS,	 /* every call: ENOSYS (the default action), so the C library falls back */
	HOW_CLONE,	 /* passes without CLONE_NEW* flags; denied with any */
	HOW_IOCTL,	 /* passes but TIOCSTI and TIOCLINUX (low 32 bits of the request) */
	HOW_SOCKET,	 /* families AF_UNIX, AF_INET, AF_INET6; AF_NETLINK with NETLINK_ROUTE */
	HOW_SOCKETPAIR,	 /* families AF_UNIX, AF_INET, AF_INET6, AF_NETLINK */
	HOW_PERSONALITY, /* the values Docker allows */
};

/* The name may be unknown to an older libseccomp: see seccomp_profile. */
#define SECCOMP_OPTIONAL 1

struct seccomp_entry {
	const char *name; /* as libseccomp spells it */
	uint8_t how;	  /* enum seccomp_how */
	uint8_t flags;	  /* SECCOMP_OPTIONAL */
};

/* clang-format off */
#define ALLOW(n) { n, HOW_ALLOW, 0 }
#define ALLOW_NEW(n) { n, HOW_ALLOW, SECCOMP_OPTIONAL }
#define DENY(n) { n, HOW_DENY, 0 }
#define DENY_NEW(n) { n, HOW_DENY, SECCOMP_OPTIONAL }
/* clang-format on */

/*
 * The profile.  README.md has the same list with the reasons; keep both in
 * step.  Every name must be known to the libseccomp in use, or the filter is
 * not built and the job is refused naming it: a typo must never quietly
 * drop a rule.  The exceptions, marked _NEW, are calls added in Linux 5.8 or
 * later, which libseccomp 2.5.0 (the oldest we build with) may not know
 * (2.5.4 knows Linux 5.17, 2.5.5 6.7, 2.5.6 6.13).  Missing, such a call
 * gets ENOSYS like any call not listed: an allowed one then makes the C
 * library fall back (faccessat2 to faccessat, close_range to a loop), a
 * denied one is still refused, with ENOSYS instead of EPERM.  A name known
 * to libseccomp but not a call of this ABI (`open` on aarch64) needs no
 * rule.
 */
/* clang-format off */
static const struct seccomp_entry seccomp_profile[] = {
	/* Files and descriptors. */
	ALLOW("read"), ALLOW("write"), ALLOW("readv"), ALLOW("writev"), ALLOW("pread64"),
	ALLOW("pwrite64"), ALLOW("preadv"), ALLOW("pwritev"), ALLOW("preadv2"), ALLOW("pwritev2"),
	ALLOW("open"), ALLOW("openat"), ALLOW("openat2"), ALLOW("creat"), ALLOW("close"),
	ALLOW_NEW("close_range"), ALLOW("lseek"), ALLOW("dup"), ALLOW("dup2"), ALLOW("dup3"),
	ALLOW("fcntl"), ALLOW("flock"), ALLOW("fsync"), ALLOW("fdatasync"), ALLOW("sync"),
	ALLOW("syncfs"), ALLOW("sync_file_range"), ALLOW("truncate"), ALLOW("ftruncate"),
	ALLOW("fallocate"), ALLOW("fadvise64"), ALLOW("readahead"), ALLOW("stat"), ALLOW("fstat"),
	ALLOW("lstat"), ALLOW("newfstatat"), ALLOW("statx"), ALLOW("statfs"), ALLOW("fstatfs"),
	ALLOW("access"), ALLOW("faccessat"), ALLOW_NEW("faccessat2"), ALLOW("getdents"),
	ALLOW("getdents64"), ALLOW("getcwd"), ALLOW("chdir"), ALLOW("fchdir"), ALLOW("rename"),
	ALLOW("renameat"), ALLOW("renameat2"), ALLOW("mkdir"), ALLOW("mkdirat"), ALLOW("rmdir"),
	ALLOW("link"), ALLOW("linkat"), ALLOW("unlink"), ALLOW("unlinkat"), ALLOW("symlink"),
	ALLOW("symlinkat"), ALLOW("readlink"), ALLOW("readlinkat"), ALLOW("chmod"),
	ALLOW("fchmod"), ALLOW("fchmodat"), ALLOW_NEW("fchmodat2"), ALLOW("chown"),
	ALLOW("fchown"), ALLOW("lchown"), ALLOW("fchownat"), ALLOW("umask"), ALLOW("utime"),
	ALLOW("utimes"), ALLOW("futimesat"), ALLOW("utimensat"), ALLOW("mknod"), ALLOW("mknodat"),
	ALLOW("pipe"), ALLOW("pipe2"), ALLOW("splice"), ALLOW("tee"), ALLOW("vmsplice"),
	ALLOW("sendfile"), ALLOW("copy_file_range"), ALLOW("getxattr"), ALLOW("lgetxattr"),
	ALLOW("fgetxattr"), ALLOW("setxattr"), ALLOW("lsetxattr"), ALLOW("fsetxattr"),
	ALLOW("listxattr"), ALLOW("llistxattr"), ALLOW("flistxattr"), ALLOW("removexattr"),
	ALLOW("lremovexattr"), ALLOW("fremovexattr"), ALLOW("memfd_create"),
	/* Waiting for descriptors, events, timers, inotify, POSIX AIO. */
	ALLOW("select"), ALLOW("pselect6"), ALLOW("poll"), ALLOW("ppoll"), ALLOW("epoll_create"),
	ALLOW("epoll_create1"), ALLOW("epoll_ctl"), ALLOW("epoll_wait"), ALLOW("epoll_pwait"),
	ALLOW_NEW("epoll_pwait2"), ALLOW("eventfd"), ALLOW("eventfd2"), ALLOW("signalfd"),
	ALLOW("signalfd4"), ALLOW("timerfd_create"), ALLOW("timerfd_settime"),
	ALLOW("timerfd_gettime"), ALLOW("inotify_init"), ALLOW("inotify_init1"),
	ALLOW("inotify_add_watch"), ALLOW("inotify_rm_watch"), ALLOW("io_setup"),
	ALLOW("io_destroy"), ALLOW("io_submit"), ALLOW("io_cancel"), ALLOW("io_getevents"),
	ALLOW("io_pgetevents"),
	/* Memory. */
	ALLOW("brk"), ALLOW("mmap"), ALLOW("munmap"), ALLOW("mremap"), ALLOW("mprotect"),
	ALLOW("madvise"), ALLOW("mincore"), ALLOW("msync"), ALLOW("mlock"), ALLOW("mlock2"),
	ALLOW("munlock"), ALLOW("mlockall"), ALLOW("munlockall"), ALLOW("remap_file_pages"),
	ALLOW("pkey_alloc"), ALLOW("pkey_free"), ALLOW("pkey_mprotect"), ALLOW("membarrier"),
	ALLOW("mbind"), ALLOW("set_mempolicy"), ALLOW("get_mempolicy"),
	ALLOW_NEW("set_mempolicy_home_node"), ALLOW_NEW("map_shadow_stack"), ALLOW_NEW("mseal"),
	ALLOW_NEW("cachestat"),
	/* Processes and threads. */
	{ "clone", HOW_CLONE, 0 }, { "clone3", HOW_ENOSYS, 0 }, /* flags in memory: libcs use clone */
	ALLOW("fork"), ALLOW("vfork"), ALLOW("execve"), ALLOW("execveat"), ALLOW("exit"),
	ALLOW("exit_group"), ALLOW("wait4"), ALLOW("waitid"), ALLOW("getpid"), ALLOW("getppid"),
	ALLOW("gettid"), ALLOW("getpgid"), ALLOW("setpgid"), ALLOW("getpgrp"), ALLOW("getsid"),
	ALLOW("setsid"), ALLOW("set_tid_address"), ALLOW("set_robust_list"),
	ALLOW("get_robust_list"), ALLOW("futex"), ALLOW_NEW("futex_waitv"), ALLOW_NEW("futex_wake"),
	ALLOW_NEW("futex_wait"), ALLOW_NEW("futex_requeue"), ALLOW("rseq"), ALLOW("arch_prctl"),
	ALLOW("prctl"), ALLOW("sched_yield"), ALLOW("sched_getaffinity"),
	ALLOW("sched_setaffinity"), ALLOW("sched_getparam"), ALLOW("sched_setparam"),
	ALLOW("sched_getscheduler"), ALLOW("sched_setscheduler"), ALLOW("sched_get_priority_max"),
	ALLOW("sched_get_priority_min"), ALLOW("sched_rr_get_interval"), ALLOW("sched_getattr"),
	ALLOW("sched_setattr"), ALLOW("getpriority"), ALLOW("setpriority"), ALLOW("ioprio_get"),
	ALLOW("ioprio_set"), ALLOW("getrlimit"), ALLOW("setrlimit"), ALLOW("prlimit64"),
	ALLOW("getrusage"), ALLOW("times"), ALLOW("sysinfo"), ALLOW("uname"), ALLOW("getcpu"),
	ALLOW("getrandom"), ALLOW("pidfd_open"), ALLOW("pidfd_send_signal"), ALLOW("seccomp"),
	ALLOW_NEW("landlock_create_ruleset"), ALLOW_NEW("landlock_add_rule"),
	ALLOW_NEW("landlock_restrict_self"),
	/* Credentials: without capabilities the kernel refuses what matters. */
	ALLOW("capget"), ALLOW("capset"), ALLOW("getuid"), ALLOW("geteuid"), ALLOW("getgid"),
	ALLOW("getegid"), ALLOW("getresuid"), ALLOW("getresgid"), ALLOW("setuid"), ALLOW("setgid"),
	ALLOW("setreuid"), ALLOW("setregid"), ALLOW("setresuid"), ALLOW("setresgid"),
	ALLOW("setfsuid"), ALLOW("setfsgid"), ALLOW("getgroups"), ALLOW("setgroups"),
	/* Signals and time (reading clocks, timers, sleeping). */
	ALLOW("rt_sigaction"), ALLOW("rt_sigprocmask"), ALLOW("rt_sigreturn"),
	ALLOW("rt_sigpending"), ALLOW("rt_sigsuspend"), ALLOW("rt_sigtimedwait"),
	ALLOW("rt_sigqueueinfo"), ALLOW("rt_tgsigqueueinfo"), ALLOW("sigaltstack"), ALLOW("kill"),
	ALLOW("tkill"), ALLOW("tgkill"), ALLOW("pause"), ALLOW("restart_syscall"),
	ALLOW("nanosleep"), ALLOW("clock_nanosleep"), ALLOW("clock_gettime"),
	ALLOW("clock_getres"), ALLOW("gettimeofday"), ALLOW("time"), ALLOW("alarm"),
	ALLOW("getitimer"), ALLOW("setitimer"), ALLOW("timer_create"), ALLOW("timer_settime"),
	ALLOW("timer_gettime"), ALLOW("timer_getoverrun"), ALLOW("timer_delete"),
	/* Sockets (socket and socketpair by family, below). */
	ALLOW("bind"), ALLOW("connect"), ALLOW("listen"), ALLOW("accept"), ALLOW("accept4"),
	ALLOW("getsockname"), ALLOW("getpeername"), ALLOW("sendto"), ALLOW("recvfrom"),
	ALLOW("sendmsg"), ALLOW("recvmsg"), ALLOW("sendmmsg"), ALLOW("recvmmsg"),
	ALLOW("shutdown"), ALLOW("setsockopt"), ALLOW("getsockopt"),
	/* System V and POSIX IPC (namespaced). */
	ALLOW("shmget"), ALLOW("shmat"), ALLOW("shmdt"), ALLOW("shmctl"), ALLOW("semget"),
	ALLOW("semop"), ALLOW("semtimedop"), ALLOW("semctl"), ALLOW("msgget"), ALLOW("msgsnd"),
	ALLOW("msgrcv"), ALLOW("msgctl"), ALLOW("mq_open"), ALLOW("mq_unlink"),
	ALLOW("mq_timedsend"), ALLOW("mq_timedreceive"), ALLOW("mq_notify"),
	ALLOW("mq_getsetattr"),
	/* By argument. */
	{ "ioctl", HOW_IOCTL, 0 }, { "socket", HOW_SOCKET, 0 }, { "socketpair", HOW_SOCKETPAIR, 0 },
	{ "personality", HOW_PERSONALITY, 0 },

	/*
	 * Refused with EPERM (or kill), so that `allow` can lift them one by one
	 * and a job sees "not permitted" rather than "not implemented".
	 */
	/* Namespaces and mounts: the job's view of the system is made for it and stays so. */
	DENY("unshare"), DENY("setns"), DENY("mount"), DENY("umount2"), DENY("pivot_root"),
	DENY("chroot"), DENY("move_mount"), DENY("open_tree"), DENY_NEW("open_tree_attr"),
	DENY("fsopen"), DENY("fsconfig"), DENY("fsmount"), DENY("fspick"),
	DENY_NEW("mount_setattr"),
	/* Kernel keyrings are not namespaced. */
	DENY("keyctl"), DENY("add_key"), DENY("request_key"),
	/* Large kernel attack surface a batch job does not need. */
	DENY("bpf"), DENY("perf_event_open"), DENY("userfaultfd"), DENY("io_uring_setup"),
	DENY("io_uring_enter"), DENY("io_uring_register"), DENY("fanotify_init"),
	/* Other processes: read, write, compare, steal fds, move pages. */
	DENY("ptrace"), DENY("process_vm_readv"), DENY("process_vm_writev"), DENY("kcmp"),
	DENY("pidfd_getfd"), DENY_NEW("process_madvise"), DENY("move_pages"),
	DENY("migrate_pages"),
	/* Kernel-wide state: modules, kexec, reboot, swap, accounting, log, quotas. */
	DENY("kexec_load"), DENY("kexec_file_load"), DENY("init_module"), DENY("finit_module"),
	DENY("delete_module"), DENY("create_module"), DENY("query_module"),
	DENY("get_kernel_syms"), DENY("reboot"), DENY("swapon"), DENY("swapoff"), DENY("acct"),
	DENY("syslog"), DENY("vhangup"), DENY("quotactl"), DENY_NEW("quotactl_fd"),
	DENY("nfsservctl"), DENY("lookup_dcookie"), DENY("uselib"), DENY("_sysctl"),
	/* The host's names and clocks. */
	DENY("sethostname"), DENY("setdomainname"), DENY("settimeofday"), DENY("clock_settime"),
	DENY("clock_adjtime"), DENY("adjtimex"),
	/* Hardware. */
	DENY("iopl"), DENY("ioperm"),
	/* File handles open any file of a file system, past every folder permission. */
	DENY("open_by_handle_at"), DENY("name_to_handle_at"),
};
/* clang-format on */

/* The CLONE_NEW* flags clone() takes (CLONE_NEWTIME exists only for clone3 and unshare). */
static const uint32_t seccomp_clone_ns_flags[] = {
	CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID,	CLONE_NEWNET,
};

/* The socket families a job may open (AF_NETLINK: socket() only with NETLINK_ROUTE). */
static const uint32_t seccomp_families[] = { AF_UNIX, AF_INET, AF_INET6, AF_NETLINK };

/*
 * The netlink protocols with a rule of their own: NETLINK_ROUTE passes (ip,
 * getifaddrs), NETLINK_AUDIT fails as on a kernel without audit (what nspawn
 * does), so login tools carry on; any other is denied.
 */
static const uint32_t seccomp_netlink_protocols[] = { NETLINK_ROUTE, NETLINK_AUDIT };

/* The ioctl requests denied: they push input into, or act on, a terminal the job shares. */
static const uint32_t seccomp_ioctl_denied[] = { TIOCSTI, TIOCLINUX };

/*
 * The personalities allowed, as Docker: PER_LINUX, PER_LINUX32, UNAME26, both
 * of the latter, and the query 0xffffffff.  SECCOMP_PERSONA_SAFE is the union
 * of the bits the first four use.
 */
static const uint32_t seccomp_personalities[] = { 0, 0x8, 0x20000, 0x20008, 0xffffffff };
#define SECCOMP_PERSONA_SAFE 0x20008U

/* At most this many calls outside the profile can be added by `allow`. */
#define SECCOMP_MAX_EXTRA 32

/*
 * What joblet.yml says (plugins.settings."isolation/seccomp"); set by init().
 * A process loads its plugins once (the shim, the daemon), so one copy
 * serves; a later init() replaces it.
 */
static struct {
	bool allowed[ELEMENTSOF(seccomp_profile)];
	char extra[SECCOMP_MAX_EXTRA][64]; /* calls outside the profile that `allow` adds */
	unsigned n_extra;
	bool kill;
} seccomp_cfg;

static const char *const seccomp_settings[] = { "allow", "default_action", NULL };

static int seccomp_find(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(seccomp_profile); i++)
		if (strcmp(seccomp_profile[i].name, name) == 0)
			return (int)i;
	return -1;
}

static bool seccomp_is_allowed(const char *name)
{
	int i = seccomp_find(name);

	return i >= 0 && seccomp_cfg.allowed[i];
}

/* 1 when the running kernel is at least major.minor, 0 when older, -1 when unknown. */
static int seccomp_kernel_at_least(unsigned long major, unsigned long minor)
{
	struct utsname u;
	unsigned long ma, mi;
	char *end;

	if (uname(&u) < 0)
		return -1;
	errno = 0;
	ma = strtoul(u.release, &end, 10);
	if (errno || end == u.release || *end != '.')
		return -1;
	mi = strtoul(end + 1, &end, 10);
	if (errno)
		return -1;
	return ma > major || (ma == major && mi >= minor);
}

/* ------------------------------------------------------------------ settings */

/* One name of `allow`: lift a profile entry, or add a call the profile does not list. */
static int seccomp_allow_one(const char *name, struct joblet_error **err)
{
	int i = seccomp_find(name);

	if (i >= 0 && seccomp_profile[i].how == HOW_ALLOW) {
		joblet_plog_warning("allow: `%s` is allowed by the profile already", name);
		return 0;
	}
	if (i >= 0) {
		seccomp_cfg.allowed[i] = true;
		return 0;
	}
	if (seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR) {
		const struct scmp_version *v = seccomp_version();

		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"plugins.settings.\"isolation/seccomp\".allow: `%s` is not a system call (libseccomp %u.%u.%u knows no such name); check the spelling",
			name, v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
	}
	for (unsigned k = 0; k < seccomp_cfg.n_extra; k++)
		if (strcmp(seccomp_cfg.extra[k], name) == 0)
			return 0;
	if (seccomp_cfg.n_extra == SECCOMP_MAX_EXTRA)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"plugins.settings.\"isolation/seccomp\".allow: more than %d calls outside the profile; allow fewer",
			SECCOMP_MAX_EXTRA);
	snprintf(seccomp_cfg.extra[seccomp_cfg.n_extra++], sizeof(seccomp_cfg.extra[0]), "%s",
		 name);
	return 0;
}

static int seccomp_parse_allow(const char *value, struct joblet_error **err)
{
	const char *p = value;

	while (*p) {
		size_t len;
		char name[64];
		int r;

		p += strspn(p, ", \t");
		len = strcspn(p, ", \t");
		if (len == 0)
			break;
		if (len >= sizeof(name) || strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_") < len)
			return joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"plugins.settings.\"isolation/seccomp\".allow: `%.*s` is not a system call name; list names such as `ptrace, keyctl`",
				(int)(len > 64 ? 64 : len), p);
		memcpy(name, p, len);
		name[len] = '\0';
		p += len;
		r = seccomp_allow_one(name, err);
		if (r < 0)
			return r;
	}
	/* clone3's flags cannot be checked: allowing it reopens what clone's check closes. */
	if (seccomp_is_allowed("clone3") &&
	    !(seccomp_is_allowed("clone") && seccomp_is_allowed("unshare")))
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"plugins.settings.\"isolation/seccomp\".allow: `clone3` cannot be filtered by its flags, so allowing it lets jobs create namespaces; allow `clone` and `unshare` too if that is what you want");
	/* Before Linux 4.8 a tracer could change a system call after the filter passed it. */
	if ((seccomp_is_allowed("ptrace") || seccomp_is_allowed("process_vm_readv") ||
	     seccomp_is_allowed("process_vm_writev")) &&
	    seccomp_kernel_at_least(4, 8) != 1)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"plugins.settings.\"isolation/seccomp\".allow: `ptrace` and `process_vm_*` can be allowed only on Linux 4.8 or newer (older kernels let a tracer bypass the filter)");
	return 0;
}

static int seccomp_init_plugin(const struct joblet_plugin_host *host, struct joblet_error **err)
{
	const char *allow = joblet_plugin_host_setting(host, "allow");
	const char *action = joblet_plugin_host_setting(host, "default_action");

	memset(&seccomp_cfg, 0, sizeof(seccomp_cfg));
	if (action && strcmp(action, "kill") == 0)
		seccomp_cfg.kill = true;
	else if (action && strcmp(action, "errno") != 0)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"plugins.settings.\"isolation/seccomp\".default_action: `%s` is not an action; use `errno` (denied calls fail with EPERM) or `kill` (they kill the job)",
			action);
	if (allow) {
		int r = seccomp_parse_allow(allow, err);

		if (r < 0) {
			memset(&seccomp_cfg, 0, sizeof(seccomp_cfg));
			return r;
		}
	}
	return 0;
}

static void seccomp_fini(void)
{
	memset(&seccomp_cfg, 0, sizeof(seccomp_cfg));
}

/* ------------------------------------------------------------------ the filter */

static uint32_t seccomp_deny_action(void)
{
	return seccomp_cfg.kill ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(EPERM);
}

/* Count of 1 bits. */
static unsigned seccomp_popcount(uint32_t v)
{
	return (unsigned)__builtin_popcount(v);
}

static bool seccomp_in(uint32_t v, const uint32_t *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (set[i] == v)
			return true;
	return false;
}

/*
 * Rules with action act for the calls whose argument arg, in its low 32 bits
 * (what the kernel reads of an int), is none of set[] - and, if extra is
 * given, that match it too.  libseccomp takes one comparison per argument
 * and rule, and has no "not in", so the complement is cut into masked
 * equality tests: the value differs from the set in a bit where all members
 * agree (one rule per such bit), or it agrees there and its other bits make
 * none of the members (one exact rule per remaining pattern).  The members
 * must differ in at most 6 bits.
 */
static int seccomp_add_not_in(scmp_filter_ctx ctx, uint32_t act, int nr, unsigned arg,
			      const uint32_t *set, size_t n, const struct scmp_arg_cmp *extra,
			      int *ret_rules)
{
	uint32_t common = 0xffffffffU, diff, s = 0;
	struct scmp_arg_cmp cmp[2];
	unsigned ncmp = extra ? 2 : 1;
	int r = 0;

	for (size_t i = 1; i < n; i++)
		common &= ~(set[i] ^ set[0]);
	diff = ~common;
	if (seccomp_popcount(diff) > 6)
		return -E2BIG;
	if (extra)
		cmp[1] = *extra;
	for (unsigned b = 0; r == 0 && b < 32; b++) {
		uint64_t bit = 1ULL << b;

		if (!(common & bit))
			continue;
		cmp[0] = SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, bit, ~(uint64_t)set[0] & bit);
		r = seccomp_rule_add_array(ctx, act, nr, ncmp, cmp);
		(*ret_rules)++;
	}
	do {
		uint32_t v = (set[0] & common) | s;

		if (r == 0 && !seccomp_in(v, set, n)) {
			cmp[0] = SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, 0xffffffffULL, v);
			r = seccomp_rule_add_array(ctx, act, nr, ncmp, cmp);
			(*ret_rules)++;
		}
		s = (s - diff) & diff; /* the next subset of diff's bits */
	} while (s != 0);
	return r;
}

/* One rule per value: the argument's low 32 bits equal it (and extra, if given). */
static int seccomp_add_each(scmp_filter_ctx ctx, uint32_t act, int nr, unsigned arg,
			    const uint32_t *set, size_t n, const struct scmp_arg_cmp *extra,
			    int *ret_rules)
{
	struct scmp_arg_cmp cmp[2];
	int r = 0;

	if (extra)
		cmp[1] = *extra;
	for (size_t i = 0; r == 0 && i < n; i++, (*ret_rules)++) {
		cmp[0] = SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, 0xffffffffULL, set[i]);
		r = seccomp_rule_add_array(ctx, act, nr, extra ? 2 : 1, cmp);
	}
	return r;
}

/*
 * clone: passes when no CLONE_NEW* flag is set; each flag has its deny rule
 * (the two sets are disjoint, so no rule shadows another).  The kernel reads
 * the low 32 bits of the flags; s390 takes the stack first, the flags second.
 */
static int seccomp_add_clone(scmp_filter_ctx ctx, int nr, int *ret_rules)
{
	unsigned arg = seccomp_arch_native() == SCMP_ARCH_S390X ? 1 : 0;
	uint64_t all = 0;
	int r = 0;

	for (size_t i = 0; i < ELEMENTSOF(seccomp_clone_ns_flags); i++)
		all |= seccomp_clone_ns_flags[i];
	for (size_t i = 0; r == 0 && i < ELEMENTSOF(seccomp_clone_ns_flags); i++, (*ret_rules)++)
		r = seccomp_rule_add(ctx, seccomp_deny_action(), nr, 1,
				     SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, seccomp_clone_ns_flags[i],
					      seccomp_clone_ns_flags[i]));
	if (r == 0) {
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
				     SCMP_CMP(arg, SCMP_CMP_MASKED_EQ, all, 0));
		(*ret_rules)++;
	}
	return r;
}

/*
 * socket and socketpair: the families of seccomp_families pass, the others
 * are denied.  For socket, AF_NETLINK passes only with NETLINK_ROUTE, fails
 * with EAFNOSUPPORT for NETLINK_AUDIT, and is denied otherwise.  Family and
 * protocol are ints: only their low 32 bits are compared.
 */
static int seccomp_add_socket(scmp_filter_ctx ctx, int nr, bool netlink_route_only, int *ret_rules)
{
	const struct scmp_arg_cmp netlink = SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, AF_NETLINK);
	const uint32_t route = NETLINK_ROUTE, audit = NETLINK_AUDIT;
	size_t n = ELEMENTSOF(seccomp_families) - (netlink_route_only ? 1 : 0);
	int r;

	r = seccomp_add_each(ctx, SCMP_ACT_ALLOW, nr, 0, seccomp_families, n, NULL, ret_rules);
	if (r == 0)
		r = seccomp_add_not_in(ctx, seccomp_deny_action(), nr, 0, seccomp_families,
				       ELEMENTSOF(seccomp_families), NULL, ret_rules);
	if (r < 0 || !netlink_route_only)
		return r;
	r = seccomp_add_each(ctx, SCMP_ACT_ALLOW, nr, 2, &route, 1, &netlink, ret_rules);
	if (r == 0)
		r = seccomp_add_each(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), nr, 2, &audit, 1, &netlink,
				     ret_rules);
	if (r == 0)
		r = seccomp_add_not_in(ctx, seccomp_deny_action(), nr, 2, seccomp_netlink_protocols,
				       ELEMENTSOF(seccomp_netlink_protocols), &netlink, ret_rules);
	return r;
}

/*
 * personality: the values of seccomp_personalities pass.  The rest is
 * denied by bit tests on the low 32 bits: "some bit outside 0x20008 set,
 * and some bit clear".  Bit 0 is outside: with bit 0 set, any other clear
 * bit j denies; with bit 0 clear, any set bit k outside 0x20008 does.  That
 * is exactly the complement of the allowed values.
 */
static int seccomp_add_personality(scmp_filter_ctx ctx, int nr, int *ret_rules)
{
	uint32_t deny = seccomp_deny_action();
	int r;

	r = seccomp_add_each(ctx, SCMP_ACT_ALLOW, nr, 0, seccomp_personalities,
			     ELEMENTSOF(seccomp_personalities), NULL, ret_rules);
	for (unsigned j = 1; r == 0 && j < 32; j++, (*ret_rules)++)
		r = seccomp_rule_add(ctx, deny, nr, 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, 1ULL | (1ULL << j), 1ULL));
	for (unsigned k = 1; r == 0 && k < 32; k++) {
		if (SECCOMP_PERSONA_SAFE & (1U << k))
			continue;
		r = seccomp_rule_add(ctx, deny, nr, 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, 1ULL | (1ULL << k), 1ULL << k));
		(*ret_rules)++;
	}
	return r;
}

static int seccomp_add_entry(scmp_filter_ctx ctx, const struct seccomp_entry *e, int nr,
			     bool allowed, int *ret_rules)
{
	if (allowed || e->how == HOW_ALLOW) {
		(*ret_rules)++;
		return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	switch (e->how) {
	case HOW_DENY:
		(*ret_rules)++;
		return seccomp_rule_add(ctx, seccomp_deny_action(), nr, 0);
	case HOW_ENOSYS:
		return 0; /* the default action */
	case HOW_CLONE:
		return seccomp_add_clone(ctx, nr, ret_rules);
	case HOW_IOCTL:
		/* The request is an unsigned int for the kernel: TIOCSTI | 1 << 32 is TIOCSTI. */
		{
			int r = seccomp_add_each(ctx, seccomp_deny_action(), nr, 1,
						 seccomp_ioctl_denied,
						 ELEMENTSOF(seccomp_ioctl_denied), NULL, ret_rules);

			return r < 0 ? r
				     : seccomp_add_not_in(
					       ctx, SCMP_ACT_ALLOW, nr, 1, seccomp_ioctl_denied,
					       ELEMENTSOF(seccomp_ioctl_denied), NULL, ret_rules);
		}
	case HOW_SOCKET:
		return seccomp_add_socket(ctx, nr, true, ret_rules);
	case HOW_SOCKETPAIR:
		return seccomp_add_socket(ctx, nr, false, ret_rules);
	case HOW_PERSONALITY:
		return seccomp_add_personality(ctx, nr, ret_rules);
	default:
		return -EINVAL;
	}
}

/*
 * The native system-call number of a profile name: 0 and *ret_nr < 0 when
 * the name is not a call of this ABI, or an optional name this libseccomp
 * does not know; an error naming it when a required name is unknown.
 */
static int seccomp_resolve(const struct seccomp_entry *e, int *ret_nr, struct joblet_error **err)
{
	int nr = seccomp_syscall_resolve_name_arch(seccomp_arch_native(), e->name);

	*ret_nr = nr;
	if (nr != __NR_SCMP_ERROR)
		return 0;
	if (e->flags & SECCOMP_OPTIONAL) {
		joblet_plog_debug("this libseccomp does not know `%s`; it fails with ENOSYS",
				  e->name);
		return 0;
	}
	{
		const struct scmp_version *v = seccomp_version();

		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"the system-call profile names `%s`, which libseccomp %u.%u.%u does not know; install a newer libseccomp (or mark the name optional in the profile)",
			e->name, v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
	}
}

/* The profile's rules, and the calls `allow` adds, into ctx. */
static int seccomp_add_rules(scmp_filter_ctx ctx, int *ret_rules, struct joblet_error **err)
{
	for (size_t i = 0; i < ELEMENTSOF(seccomp_profile); i++) {
		const struct seccomp_entry *e = &seccomp_profile[i];
		int r, nr;

		r = seccomp_resolve(e, &nr, err);
		if (r < 0)
			return r;
		if (nr < 0) /* not a call of this ABI (pseudo number), or optional and unknown */
			continue;
		r = seccomp_add_entry(ctx, e, nr, seccomp_cfg.allowed[i], ret_rules);
		if (r < 0)
			return joblet_error_set(err, JOBLET_E_INTERNAL, -r,
						"cannot add the filter rule for `%s`", e->name);
	}
	for (unsigned k = 0; k < seccomp_cfg.n_extra; k++) {
		int nr = seccomp_syscall_resolve_name(seccomp_cfg.extra[k]), r;

		if (nr < 0)
			continue; /* not a call of this ABI */
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
		if (r < 0)
			return joblet_error_set(err, JOBLET_E_INTERNAL, -r,
						"cannot add the filter rule for `%s`",
						seccomp_cfg.extra[k]);
		(*ret_rules)++;
	}
	return 0;
}

/*
 * The filter: the native ABI only.  Unlisted calls (and numbers past the
 * table, and x32's, which enter as x86_64 with __X32_SYSCALL_BIT set) get
 * ENOSYS in either mode; calls through another ABI (i386) get ENOSYS too,
 * or kill under `default_action: kill`.
 */
static int seccomp_build(scmp_filter_ctx *ret_ctx, int *ret_rules, struct joblet_error **err)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(ENOSYS));
	uint32_t badarch = seccomp_cfg.kill ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(ENOSYS);
	int r, rules = 0;

	*ret_ctx = NULL;
	if (!ctx)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"cannot start a system-call filter (libseccomp sees seccomp API level %u here; 4 is needed)",
			seccomp_api_get());
	/* Raw error numbers from libseccomp, for the messages. */
	seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, badarch);
	/* The kernel takes a filter from a process without CAP_SYS_ADMIN only with NNP. */
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	/* A binary tree of system-call numbers instead of a list. */
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r < 0) {
		seccomp_release(ctx);
		return joblet_error_set(err, JOBLET_E_INTERNAL, -r,
					"cannot set the system-call filter's attributes");
	}
	r = seccomp_add_rules(ctx, &rules, err);
	if (r < 0) {
		seccomp_release(ctx);
		return r;
	}
	*ret_ctx = ctx;
	*ret_rules = rules;
	return 0;
}

/* A generated filter program: what the kernel loads. */
struct seccomp_prog {
	struct sock_filter *insns;
	size_t len; /* instructions */
};

static void seccomp_prog_free(struct seccomp_prog *p)
{
	if (p) {
		free(p->insns);
		free(p);
	}
}

/* Read a whole BPF program from fd (at its start); negative errno. */
static int seccomp_prog_read(int fd, struct seccomp_prog **ret)
{
	struct seccomp_prog *p;
	struct stat st;
	size_t got = 0;

	if (fstat(fd, &st) < 0)
		return -errno;
	if (st.st_size <= 0 || st.st_size % (off_t)sizeof(struct sock_filter) != 0 ||
	    st.st_size > (off_t)(BPF_MAXINSNS * sizeof(struct sock_filter)))
		return -EBADMSG;
	p = calloc(1, sizeof(*p));
	if (!p || !(p->insns = malloc((size_t)st.st_size))) {
		free(p);
		return -ENOMEM;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = pread(fd, (char *)p->insns + got, (size_t)st.st_size - got, (off_t)got);

		if (n <= 0) {
			seccomp_prog_free(p);
			return n < 0 ? -errno : -EBADMSG;
		}
		got += (size_t)n;
	}
	p->len = (size_t)st.st_size / sizeof(struct sock_filter);
	*ret = p;
	return 0;
}

/* Generate the program of ctx; negative errno. */
static int seccomp_export(scmp_filter_ctx ctx, struct seccomp_prog **ret)
{
	int fd = memfd_create("joblet-seccomp", MFD_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	r = seccomp_export_bpf(ctx, fd);
	if (r == 0)
		r = seccomp_prog_read(fd, ret);
	close(fd);
	return r;
}

/* FNV-1a, 64 bits, over len bytes into h. */
static uint64_t seccomp_hash(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * UINT64_C(1099511628211);
	return h;
}

/*
 * The build of this plugin: its file's device, inode, size and change time,
 * so that a rebuilt or reinstalled plugin (whose rule code may differ while
 * the version string does not) never loads a filter an older build made.
 */
static uint64_t seccomp_hash_build(uint64_t h)
{
	Dl_info info;
	struct stat st;

	h = seccomp_hash(h, PACKAGE_VERSION, sizeof(PACKAGE_VERSION));
	h = seccomp_hash(h, JOBLET_PLUGIN_SELF.version, strlen(JOBLET_PLUGIN_SELF.version) + 1);
	if (dladdr((void *)seccomp_hash_build, &info) && info.dli_fname &&
	    stat(info.dli_fname, &st) == 0) {
		uint64_t id[5] = { (uint64_t)st.st_dev, (uint64_t)st.st_ino, (uint64_t)st.st_size,
				   (uint64_t)st.st_ctim.tv_sec, (uint64_t)st.st_ctim.tv_nsec };

		h = seccomp_hash(h, id, sizeof(id));
	}
	return h;
}

/*
 * The compiled filter is the same for every job of this configuration, and
 * building it costs milliseconds (hundreds of rules), so it is kept in the
 * job cache folder under a name derived from everything it depends on: the
 * joblet build and this plugin's file, SECCOMP_RULES_REVISION, the whole
 * profile (names, treatments, the argument tables), the settings,
 * libseccomp's version and API level, and the native ABI.  A changed profile
 * or setting takes effect at the next job, without clearing the cache.
 */
static void seccomp_cache_name(char *buf, size_t len)
{
	const struct scmp_version *v = seccomp_version();
	uint32_t misc[7] = { SECCOMP_RULES_REVISION, v ? v->major : 0,	v ? v->minor : 0,
			     v ? v->micro : 0,	     seccomp_api_get(), seccomp_arch_native(),
			     seccomp_cfg.kill };
	uint64_t h = seccomp_hash_build(UINT64_C(14695981039346656037));

	h = seccomp_hash(h, misc, sizeof(misc));
	for (size_t i = 0; i < ELEMENTSOF(seccomp_profile); i++) {
		const struct seccomp_entry *e = &seccomp_profile[i];
		uint8_t how[3] = { e->how, e->flags, seccomp_cfg.allowed[i] };

		h = seccomp_hash(h, e->name, strlen(e->name) + 1);
		h = seccomp_hash(h, how, sizeof(how));
	}
	for (unsigned k = 0; k < seccomp_cfg.n_extra; k++)
		h = seccomp_hash(h, seccomp_cfg.extra[k], strlen(seccomp_cfg.extra[k]) + 1);
	h = seccomp_hash(h, seccomp_clone_ns_flags, sizeof(seccomp_clone_ns_flags));
	h = seccomp_hash(h, seccomp_families, sizeof(seccomp_families));
	h = seccomp_hash(h, seccomp_netlink_protocols, sizeof(seccomp_netlink_protocols));
	h = seccomp_hash(h, seccomp_ioctl_denied, sizeof(seccomp_ioctl_denied));
	h = seccomp_hash(h, seccomp_personalities, sizeof(seccomp_personalities));
	snprintf(buf, len, "seccomp-%016llx.bpf", (unsigned long long)h);
}

static struct seccomp_prog *seccomp_cache_load(const char *dir, const char *name)
{
	struct seccomp_prog *p = NULL;
	int dfd, fd;

	if (!dir)
		return NULL;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return NULL;
	fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd < 0)
		return NULL;
	if (seccomp_prog_read(fd, &p) < 0)
		p = NULL;
	close(fd);
	return p;
}

/* Best effort: a cache that cannot be written only costs the next job time. */
static void seccomp_cache_store(const char *dir, const char *name, const struct seccomp_prog *p)
{
	char tmp[128];
	size_t size = p->len * sizeof(struct sock_filter);
	int dfd, fd;

	if (!dir || (mkdir(dir, 0700) < 0 && errno != EEXIST))
		return;
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0)
		return;
	snprintf(tmp, sizeof(tmp), ".%s.%ld", name, (long)getpid());
	fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd >= 0) {
		bool ok = write(fd, p->insns, size) == (ssize_t)size;

		if (close(fd) < 0)
			ok = false;
		if (!ok || renameat(dfd, tmp, dfd, name) < 0)
			unlinkat(dfd, tmp, 0);
	}
	close(dfd);
}

/* ------------------------------------------------------------------ the hooks */

/*
 * The actions the kernel's seccomp filters can take, from
 * /proc/sys/kernel/seccomp/actions_avail (Linux 4.14, the release that added
 * SECCOMP_RET_KILL_PROCESS; CONFIG_SECCOMP_FILTER).  1 when both are there,
 * 0 when not, -1 when the file cannot be read.  A file, not a seccomp(2)
 * call: that also answers under tools that do not pass seccomp(2) through.
 */
static int seccomp_kernel_actions_ok(void)
{
	char buf[256];
	ssize_t n;
	int fd = open("/proc/sys/kernel/seccomp/actions_avail", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strstr(buf, "kill_process") && strstr(buf, "errno") ? 1 : 0;
}

static int seccomp_probe(struct joblet_error **err)
{
	const struct scmp_version *v = seccomp_version();
	int ok;

	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0)
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, errno,
					"this kernel has no seccomp (CONFIG_SECCOMP)");
	if (!v || v->major < 2 || (v->major == 2 && v->minor < 5))
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0,
					"libseccomp %u.%u.%u is too old; 2.5.0 or newer is needed",
					v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
	ok = seccomp_kernel_actions_ok();
	/* Without the file (no /proc?), ask libseccomp: level 4 is filter mode with KILL_PROCESS.
	 */
	if (ok < 0)
		ok = seccomp_api_get() >= 4;
	if (!ok)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"the kernel's seccomp lacks filter mode with SECCOMP_RET_KILL_PROCESS (Linux 4.14 or newer with CONFIG_SECCOMP_FILTER is needed)");
	return 0;
}

static int seccomp_prepare(struct joblet_job *job, void **ret_state, struct joblet_error **err)
{
	struct seccomp_prog *prog;
	scmp_filter_ctx ctx = NULL;
	char name[64];
	int r, rules = 0;

	*ret_state = NULL;
	seccomp_cache_name(name, sizeof(name));
	prog = seccomp_cache_load(joblet_job_cache_dir(job), name);
	if (prog) {
		*ret_state = prog;
		return 0;
	}
	r = seccomp_build(&ctx, &rules, err);
	if (r < 0)
		return joblet_error_prefix(err, r, "building the system-call filter");
	/* Generate the program now: a filter the kernel would refuse fails here, not in the job. */
	r = seccomp_export(ctx, &prog);
	seccomp_release(ctx);
	if (r < 0)
		return joblet_error_set(
			err, r == -EBADMSG ? JOBLET_E_LIMIT : JOBLET_E_INTERNAL, -r,
			r == -EBADMSG
				? "the system-call filter is longer than the kernel's %d instructions"
				: "cannot generate the system-call filter (%d)",
			BPF_MAXINSNS);
	joblet_plog_debug(
		"job %s: %d rules, %zu BPF instructions, denied calls %s, unlisted calls fail with ENOSYS",
		joblet_job_short_id(job), rules, prog->len,
		seccomp_cfg.kill ? "kill the job" : "fail with EPERM");
	seccomp_cache_store(joblet_job_cache_dir(job), name, prog);
	*ret_state = prog;
	return 0;
}

static int seccomp_child(struct joblet_job *job, void *state, struct joblet_error **err)
{
	struct seccomp_prog *prog = state;
	struct sock_fprog fprog;

	(void)job;
	if (!prog)
		return joblet_error_set(err, JOBLET_E_INTERNAL, 0, "no filter was prepared");
	fprog.len = (unsigned short)prog->len;
	fprog.filter = prog->insns;
	/* The kernel takes a filter from a process without CAP_SYS_ADMIN only with NNP. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot set no_new_privs");
	/* TSYNC: every thread of the process gets it (the child has one, but say so). */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fprog) != 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot load the system-call filter");
	return 0;
}

static void seccomp_cleanup(struct joblet_job *job, void *state)
{
	(void)job;
	seccomp_prog_free(state);
}

static const struct joblet_isolation_ops seccomp_ops = {
	.size = sizeof(struct joblet_isolation_ops),
	.probe = seccomp_probe,
	.prepare = seccomp_prepare,
	.child = seccomp_child,
	.cleanup = seccomp_cleanup,
};

JOBLET_PLUGIN_DEFINE(
	JOBLET_KIND_ISOLATION, "seccomp", .version = "2.0.0",
	.summary = "a system-call allow-list in the shape of Docker's default profile (libseccomp)",
	.license = "Apache-2.0", .settings = seccomp_settings, .init = seccomp_init_plugin,
	.fini = seccomp_fini, .ops = &seccomp_ops);
