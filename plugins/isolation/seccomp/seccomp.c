/*
 * isolation/seccomp - a system-call filter for every job (libseccomp).
 *
 * A deny-list modelled on Docker's default profile and systemd-nspawn's
 * filter: the calls that create or enter namespaces, change mounts, reach
 * kernel-wide state (modules, keyrings, clocks, swap, reboot), widen the
 * kernel's attack surface (bpf, perf, io_uring, userfaultfd) or reach into
 * other processes (ptrace, process_vm_*) are refused; everything else passes.
 * The filter covers every ABI the CPU can enter (x86_64, i386 and x32 on
 * x86_64), so a job cannot step around it by switching ABIs; a call made
 * through any other ABI kills the process.
 *
 * prepare() builds the filter in the shim, so a filter that cannot be
 * built refuses the job with a reason before anything runs, and keeps the
 * generated program in the job cache folder for the next jobs of the same
 * configuration; child() only loads it (seccomp(2), TSYNC).  It is the last layer of the stack: the
 * layers before it (rootfs: mount, pivot_root) and the shim's own last steps (setresuid, capset,
 * prctl, close_range, execve) run after it or before it and are all allowed.  README.md has the
 * profile, the settings and the limits.
 */
#include <config.h>

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

/* How a profile entry treats its system call. */
enum seccomp_how {
	HOW_DENY = 1,	 /* every call: the denial action (EPERM, or kill) */
	HOW_ENOSYS,	 /* every call: ENOSYS, so the C library falls back */
	HOW_CLONE_NS,	 /* clone with any CLONE_NEW* flag */
	HOW_IOCTL_TTY,	 /* ioctl TIOCSTI and TIOCLINUX (low 32 bits of the request) */
	HOW_SOCKET,	 /* socket AF_VSOCK; AF_NETLINK with NETLINK_AUDIT */
	HOW_PERSONALITY, /* personality other than the values Docker allows */
};

struct seccomp_entry {
	const char *name; /* as libseccomp spells it */
	uint8_t how;	  /* enum seccomp_how */
};

/*
 * The profile.  README.md has the same list with the reason for each; keep
 * both in step.  Names a libseccomp or an architecture does not know are
 * skipped (the call does not exist there).
 */
static const struct seccomp_entry seccomp_profile[] = {
	/* Namespaces and mounts: the job's view of the system is made for it and stays so. */
	{ "clone", HOW_CLONE_NS },
	{ "clone3", HOW_ENOSYS }, /* its flags are in memory: libcs then use clone */
	{ "unshare", HOW_DENY },
	{ "setns", HOW_DENY },
	{ "mount", HOW_DENY },
	{ "umount", HOW_DENY }, /* i386 */
	{ "umount2", HOW_DENY },
	{ "pivot_root", HOW_DENY },
	{ "chroot", HOW_DENY },
	{ "move_mount", HOW_DENY },
	{ "open_tree", HOW_DENY },
	{ "open_tree_attr", HOW_DENY }, /* Linux 6.15; skipped by libseccomp that lack it */
	{ "fsopen", HOW_DENY },
	{ "fsconfig", HOW_DENY },
	{ "fsmount", HOW_DENY },
	{ "fspick", HOW_DENY },
	{ "mount_setattr", HOW_DENY },
	/* Kernel keyrings are not namespaced. */
	{ "keyctl", HOW_DENY },
	{ "add_key", HOW_DENY },
	{ "request_key", HOW_DENY },
	/* Large kernel attack surface a batch job does not need. */
	{ "bpf", HOW_DENY },
	{ "perf_event_open", HOW_DENY },
	{ "userfaultfd", HOW_DENY },
	{ "io_uring_setup", HOW_DENY },
	{ "io_uring_enter", HOW_DENY },
	{ "io_uring_register", HOW_DENY },
	{ "fanotify_init", HOW_DENY },
	/* Other processes (jobs may share a uid): read, write, compare, steal fds, move pages. */
	{ "ptrace", HOW_DENY },
	{ "process_vm_readv", HOW_DENY },
	{ "process_vm_writev", HOW_DENY },
	{ "kcmp", HOW_DENY },
	{ "pidfd_getfd", HOW_DENY },
	{ "process_madvise", HOW_DENY },
	{ "move_pages", HOW_DENY },
	{ "migrate_pages", HOW_DENY },
	/* Kernel-wide state: modules, kexec, reboot, swap, accounting, log, quotas. */
	{ "kexec_load", HOW_DENY },
	{ "kexec_file_load", HOW_DENY },
	{ "init_module", HOW_DENY },
	{ "finit_module", HOW_DENY },
	{ "delete_module", HOW_DENY },
	{ "create_module", HOW_DENY },
	{ "query_module", HOW_DENY },
	{ "get_kernel_syms", HOW_DENY },
	{ "reboot", HOW_DENY },
	{ "swapon", HOW_DENY },
	{ "swapoff", HOW_DENY },
	{ "acct", HOW_DENY },
	{ "syslog", HOW_DENY },
	{ "vhangup", HOW_DENY },
	{ "quotactl", HOW_DENY },
	{ "quotactl_fd", HOW_DENY },
	{ "nfsservctl", HOW_DENY },
	{ "lookup_dcookie", HOW_DENY },
	{ "uselib", HOW_DENY },
	{ "_sysctl", HOW_DENY },
	/* The host's names and clocks. */
	{ "sethostname", HOW_DENY },
	{ "setdomainname", HOW_DENY },
	{ "settimeofday", HOW_DENY },
	{ "stime", HOW_DENY }, /* i386 */
	{ "clock_settime", HOW_DENY },
	{ "clock_settime64", HOW_DENY }, /* i386 */
	{ "clock_adjtime", HOW_DENY },
	{ "clock_adjtime64", HOW_DENY }, /* i386 */
	{ "adjtimex", HOW_DENY },
	/* Hardware. */
	{ "iopl", HOW_DENY },
	{ "ioperm", HOW_DENY },
	{ "vm86", HOW_DENY },	 /* i386 */
	{ "vm86old", HOW_DENY }, /* i386 */
	/* File handles open any file of a file system, past every folder permission. */
	{ "open_by_handle_at", HOW_DENY },
	{ "name_to_handle_at", HOW_DENY },
	/* By argument. */
	{ "personality", HOW_PERSONALITY },
	{ "ioctl", HOW_IOCTL_TTY },
	{ "socket", HOW_SOCKET },
};

/* The CLONE_NEW* flags clone() takes (CLONE_NEWTIME exists only for clone3 and unshare). */
static const uint32_t seccomp_clone_ns_flags[] = {
	CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID,	CLONE_NEWNET,
};

/* The extra ABIs each native ABI can call the kernel with. */
static const struct {
	uint32_t native;
	uint32_t compat;
} seccomp_compat[] = {
	{ SCMP_ARCH_X86_64, SCMP_ARCH_X86 },  { SCMP_ARCH_X86_64, SCMP_ARCH_X32 },
	{ SCMP_ARCH_X32, SCMP_ARCH_X86_64 },  { SCMP_ARCH_X32, SCMP_ARCH_X86 },
	{ SCMP_ARCH_AARCH64, SCMP_ARCH_ARM }, { SCMP_ARCH_S390X, SCMP_ARCH_S390 },
	{ SCMP_ARCH_PPC64, SCMP_ARCH_PPC },
};

/*
 * What joblet.yml says (plugins.settings."isolation/seccomp"); set by init().
 * A process loads its plugins once (the shim, the daemon), so one copy
 * serves; a later init() replaces it.
 */
static struct {
	bool allowed[ELEMENTSOF(seccomp_profile)];
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

static int seccomp_parse_allow(const char *value, struct joblet_error **err)
{
	const char *p = value;

	while (*p) {
		size_t len;
		char name[64];
		int i;

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
		i = seccomp_find(name);
		if (i >= 0) {
			seccomp_cfg.allowed[i] = true;
			continue;
		}
		if (seccomp_syscall_resolve_name(name) == __NR_SCMP_ERROR) {
			const struct scmp_version *v = seccomp_version();

			return joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"plugins.settings.\"isolation/seccomp\".allow: `%s` is not a system call (libseccomp %u.%u.%u knows no such name); check the spelling",
				name, v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
		}
		joblet_plog_warning("allow: `%s` is not denied by the profile; nothing to allow",
				    name);
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

static int seccomp_add_entry(scmp_filter_ctx ctx, const struct seccomp_entry *e, uint32_t arch,
			     int nr, int *ret_rules)
{
	uint32_t deny = seccomp_cfg.kill ? SCMP_ACT_KILL_PROCESS : SCMP_ACT_ERRNO(EPERM);
	int r = 0, n = 0;

	switch (e->how) {
	case HOW_DENY:
		r = seccomp_rule_add(ctx, deny, nr, 0);
		n = 1;
		break;
	case HOW_ENOSYS:
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), nr, 0);
		n = 1;
		break;
	case HOW_CLONE_NS: {
		/* s390 takes the stack first and the flags second. */
		unsigned arg = arch == SCMP_ARCH_S390X || arch == SCMP_ARCH_S390 ? 1 : 0;

		/* The kernel reads the low 32 bits of the flags; a bit test is exact. */
		for (size_t i = 0; r == 0 && i < ELEMENTSOF(seccomp_clone_ns_flags); i++, n++)
			r = seccomp_rule_add(ctx, deny, nr, 1,
					     SCMP_CMP(arg, SCMP_CMP_MASKED_EQ,
						      seccomp_clone_ns_flags[i],
						      seccomp_clone_ns_flags[i]));
		break;
	}
	case HOW_IOCTL_TTY: {
		/*
		 * The request is an unsigned int for the kernel: compare only the
		 * low 32 bits, or TIOCSTI | 1 << 32 would pass the filter and
		 * still push characters into the terminal.
		 */
		const uint64_t reqs[] = { TIOCSTI, TIOCLINUX };

		for (size_t i = 0; r == 0 && i < ELEMENTSOF(reqs); i++, n++)
			r = seccomp_rule_add(ctx, deny, nr, 1,
					     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffULL, reqs[i]));
		break;
	}
	case HOW_SOCKET:
		/*
		 * vsock reaches the hypervisor's host, past the network namespace.
		 * The audit socket fails as on a kernel without audit (what nspawn
		 * does), so login tools carry on.  Domain and protocol are ints.
		 */
		r = seccomp_rule_add(ctx, deny, nr, 1,
				     SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, AF_VSOCK));
		if (r == 0)
			r = seccomp_rule_add(
				ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), nr, 2,
				SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffULL, AF_NETLINK),
				SCMP_A2(SCMP_CMP_MASKED_EQ, 0xffffffffULL, NETLINK_AUDIT));
		n = 2;
		break;
	case HOW_PERSONALITY: {
		/*
		 * Allowed, as Docker: PER_LINUX (0), PER_LINUX32 (0x8), UNAME26
		 * (0x20000), both (0x20008) and the query 0xffffffff.  libseccomp
		 * takes one comparison per argument and rule, so the rest is
		 * covered by bit tests on the low 32 bits (the kernel's unsigned
		 * int): denied is "some bit outside 0x20008 set, and some bit
		 * clear".  Bit 0 is outside: with bit 0 set, any other clear bit
		 * j denies; with bit 0 clear, any set bit k outside 0x20008 does.
		 */
		const uint32_t safe = 0x20008;

		for (unsigned j = 1; r == 0 && j < 32; j++, n++)
			r = seccomp_rule_add(ctx, deny, nr, 1,
					     SCMP_A0(SCMP_CMP_MASKED_EQ, 1ULL | (1ULL << j), 1ULL));
		for (unsigned k = 1; r == 0 && k < 32; k++) {
			if (safe & (1U << k))
				continue;
			r = seccomp_rule_add(
				ctx, deny, nr, 1,
				SCMP_A0(SCMP_CMP_MASKED_EQ, 1ULL | (1ULL << k), 1ULL << k));
			n++;
		}
		break;
	}
	default:
		r = -EINVAL;
		break;
	}
	*ret_rules += n;
	return r;
}

/* A filter context for one ABI, with the attributes every part shares (seccomp_merge needs that).
 */
static int seccomp_new_ctx(uint32_t arch, scmp_filter_ctx *ret_ctx)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r;

	*ret_ctx = NULL;
	if (!ctx)
		return -ENOMEM;
	/* Raw error numbers from libseccomp, for the messages. */
	seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
	/* A call through an ABI the filter does not cover: kill, never pass. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	/* The kernel takes a filter from a process without CAP_SYS_ADMIN only with NNP. */
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1);
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	/* A binary tree of system-call numbers instead of a list. */
	if (r == 0)
		r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r == 0 && arch != seccomp_arch_native()) {
		r = seccomp_arch_add(ctx, arch);
		if (r == 0)
			r = seccomp_arch_remove(ctx, SCMP_ARCH_NATIVE);
	}
	if (r < 0) {
		seccomp_release(ctx);
		return r;
	}
	*ret_ctx = ctx;
	return 0;
}

/*
 * ABIs where libseccomp also filters socketcall(2) for a rule on socket():
 * the arguments are then in memory, and libseccomp's translation turns a rule
 * on the family into a rule on every socket.  The socket rules are left out
 * there.
 */
static bool seccomp_has_socketcall(uint32_t arch)
{
	return arch == SCMP_ARCH_X86 || arch == SCMP_ARCH_S390 || arch == SCMP_ARCH_S390X ||
	       arch == SCMP_ARCH_PPC || arch == SCMP_ARCH_PPC64 || arch == SCMP_ARCH_PPC64LE;
}

/* The profile's rules for one ABI into its context. */
static int seccomp_add_rules(scmp_filter_ctx ctx, uint32_t arch, int *ret_rules,
			     struct joblet_error **err)
{
	for (size_t i = 0; i < ELEMENTSOF(seccomp_profile); i++) {
		const struct seccomp_entry *e = &seccomp_profile[i];
		int r;

		if (seccomp_cfg.allowed[i])
			continue;
		/* Unknown to this libseccomp, or not a call of this ABI (iopl on arm). */
		if (seccomp_syscall_resolve_name_arch(arch, e->name) < 0)
			continue;
		if (e->how == HOW_SOCKET && seccomp_has_socketcall(arch))
			continue;
		/* Rules take the native number (or libseccomp's placeholder) and translate it. */
		r = seccomp_add_entry(ctx, e, arch, seccomp_syscall_resolve_name(e->name),
				      ret_rules);
		if (r < 0)
			return joblet_error_set(err, JOBLET_E_INTERNAL, -r,
						"cannot add the filter rule for `%s` (ABI 0x%x)",
						e->name, arch);
	}
	return 0;
}

static int seccomp_build(scmp_filter_ctx *ret_ctx, int *ret_rules, struct joblet_error **err)
{
	uint32_t native = seccomp_arch_native();
	scmp_filter_ctx ctx = NULL;
	int r, rules = 0;

	*ret_ctx = NULL;
	for (size_t i = 0; i < ELEMENTSOF(seccomp_profile); i++)
		if (seccomp_syscall_resolve_name(seccomp_profile[i].name) == __NR_SCMP_ERROR)
			joblet_plog_debug("this libseccomp does not know `%s`; no rule for it",
					  seccomp_profile[i].name);
	r = seccomp_new_ctx(native, &ctx);
	if (r < 0)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, -r,
			"cannot start a system-call filter (libseccomp sees seccomp API level %u here; 4 is needed)",
			seccomp_api_get());
	r = seccomp_add_rules(ctx, native, &rules, err);
	if (r < 0)
		goto fail;
	/*
	 * One context per extra ABI, merged into the native one.  x32 enters
	 * the kernel as x86_64 with __X32_SYSCALL_BIT in the number; the
	 * generated filter tells the two apart by that bit.
	 */
	for (size_t i = 0; i < ELEMENTSOF(seccomp_compat); i++) {
		uint32_t arch = seccomp_compat[i].compat;
		scmp_filter_ctx part = NULL;

		if (seccomp_compat[i].native != native)
			continue;
		r = seccomp_new_ctx(arch, &part);
		if (r < 0) {
			/* Not fatal: calls through that ABI get the bad-arch action (kill). */
			joblet_plog_warning("cannot filter ABI 0x%x (%s); its calls kill the job",
					    arch, strerror(-r));
			continue;
		}
		r = seccomp_add_rules(part, arch, &rules, err);
		if (r == 0) {
			r = seccomp_merge(ctx, part); /* takes part on success */
			if (r < 0)
				r = joblet_error_set(err, JOBLET_E_INTERNAL, -r,
						     "cannot merge the filter of ABI 0x%x", arch);
		}
		if (r < 0) {
			seccomp_release(part);
			goto fail;
		}
	}
	*ret_ctx = ctx;
	*ret_rules = rules;
	return 0;
fail:
	seccomp_release(ctx);
	return r;
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

/*
 * The compiled filter is the same for every job of this configuration, and
 * building it costs milliseconds (hundreds of rules over three ABIs), so it
 * is kept in the job cache folder under a name derived from everything it
 * depends on: this plugin's profile and settings, libseccomp's version and
 * API level, and the native ABI.
 */
static void seccomp_cache_name(char *buf, size_t len)
{
	const struct scmp_version *v = seccomp_version();
	uint64_t h = UINT64_C(14695981039346656037);
	char key[512];
	int n;

	n = snprintf(key, sizeof(key), "%s|%u.%u.%u|%u|%u|%d|%zu|", JOBLET_PLUGIN_SELF.version,
		     v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0, seccomp_api_get(),
		     seccomp_arch_native(), seccomp_cfg.kill, ELEMENTSOF(seccomp_profile));
	for (int i = 0; i < n && i < (int)sizeof(key); i++)
		h = (h ^ (uint8_t)key[i]) * UINT64_C(1099511628211);
	for (size_t i = 0; i < ELEMENTSOF(seccomp_profile); i++) {
		for (const char *c = seccomp_profile[i].name; *c; c++)
			h = (h ^ (uint8_t)*c) * UINT64_C(1099511628211);
		h = (h ^ (uint8_t)(seccomp_cfg.allowed[i] ? 'a' : 'd')) * UINT64_C(1099511628211);
	}
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
	joblet_plog_debug("job %s: %d rules, %zu BPF instructions, denied calls %s",
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
	JOBLET_KIND_ISOLATION, "seccomp", .version = "1.0.0",
	.summary = "a system-call filter modelled on Docker's and nspawn's (libseccomp)",
	.license = "Apache-2.0", .settings = seccomp_settings, .init = seccomp_init_plugin,
	.fini = seccomp_fini, .ops = &seccomp_ops);
