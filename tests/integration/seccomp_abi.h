/*
 * seccomp_abi.h - every call the seccomp profile refuses, tried through
 * every way into the kernel a 64-bit x86 process has: syscall(2) (the
 * native ABI), int $0x80 (the i386 ABI, its own system-call numbers), x32
 * (the native entry with __X32_SYSCALL_BIT in the number), and numbers past
 * the table or newer than the profile.  Shared by seccomp_probe.c (`abi`)
 * and hostile/probe.c (`seccomp`); include after probe_check.h.
 *
 * Each try runs in a child of its own, so that a call that gets through
 * (clone, personality) or a filter that kills (SIGSYS) leaves the rest
 * alone.  Refused means: the call failed with EPERM or ENOSYS, or the
 * child was killed by SIGSYS.  Anything else - an fd, 0, or an errno from
 * the kernel's own checks past the filter (EINVAL, EFAULT) - means the call
 * reached the kernel: FAIL.  The arguments do nothing if a call gets
 * through (invalid flags, missing paths, CLONE_SIGHAND without CLONE_VM).
 *
 * On other architectures only the native and past-the-table tries run.  The
 * i386 tries are skipped, with the reason, when the kernel has no IA32
 * emulation (int $0x80 raises SIGSEGV).  A kernel without the x32 ABI
 * answers ENOSYS to x32 numbers itself: those tries then pass either way.
 */
#ifndef SECCOMP_ABI_H
#define SECCOMP_ABI_H

#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif

#define ABI_P(p)    ((long)(uintptr_t)(p))
#define ABI_NONE    (-1L)
#define ABI_X32_BIT 0x40000000L

struct abi_call {
	const char *name;
	long nr;   /* native number (ABI_NONE: no such call here) */
	long nr32; /* i386 number (ABI_NONE: none) */
	long a[6];
};

static const int abi_vsock_args[3] = { AF_VSOCK, SOCK_STREAM, 0 };
static const char abi_c = 'x';

/* The profile's refused calls (tests/unit/plugins/isolation/test_seccomp.c has them all). */
static const struct abi_call abi_calls[] = {
	{ "clone CLONE_NEWUSER", SYS_clone, 120, { CLONE_NEWUSER | CLONE_SIGHAND } },
	{ "clone CLONE_NEWNS", SYS_clone, 120, { CLONE_NEWNS | CLONE_SIGHAND } },
	{ "clone3", SYS_clone3, 435, { 0, 0 } },
	{ "unshare CLONE_NEWUSER", SYS_unshare, 310, { CLONE_NEWUSER | CLONE_NEWNS | 0x1 } },
	{ "setns", SYS_setns, 346, { -1, 0 } },
	{ "mount", SYS_mount, 21, { ABI_P("none"), ABI_P("/"), ABI_P("joblet-nofs"), 0, 0 } },
	{ "umount2", SYS_umount2, 52, { ABI_P("/"), 0xffff } },
	{ "pivot_root", SYS_pivot_root, 217, { ABI_P("/joblet-none"), ABI_P("/joblet-none") } },
	{ "chroot", SYS_chroot, 61, { ABI_P("/joblet-none") } },
	{ "move_mount", SYS_move_mount, 429, { -1, ABI_P(""), -1, ABI_P(""), 0xffffffff } },
	{ "open_tree", SYS_open_tree, 428, { -1, ABI_P(""), 0xffffffff } },
	{ "fsopen", SYS_fsopen, 430, { ABI_P("joblet-nofs"), 0xffffffff } },
	{ "fsconfig", SYS_fsconfig, 431, { -1, 0xffff, 0, 0, 0 } },
	{ "fsmount", SYS_fsmount, 432, { -1, 0xffffffff, 0 } },
	{ "fspick", SYS_fspick, 433, { -1, ABI_P(""), 0xffffffff } },
	{ "mount_setattr", SYS_mount_setattr, 442, { -1, ABI_P(""), 0xffffffff, 0, 0 } },
	{ "keyctl", SYS_keyctl, 288, { 0x7fff } },
	{ "add_key", SYS_add_key, 286, { 0, 0, 0, 0, 0 } },
	{ "request_key", SYS_request_key, 287, { 0, 0, 0, 0 } },
	{ "bpf", SYS_bpf, 357, { 0x7fff, 0, 0 } },
	{ "perf_event_open", SYS_perf_event_open, 336, { 0, 0, -1, -1, 0 } },
	{ "userfaultfd", SYS_userfaultfd, 374, { 0xffffffff } },
	{ "io_uring_setup", SYS_io_uring_setup, 425, { 0, 0 } },
	{ "io_uring_enter", SYS_io_uring_enter, 426, { -1, 0, 0, 0, 0, 0 } },
	{ "io_uring_register", SYS_io_uring_register, 427, { -1, 0, 0, 0 } },
	{ "fanotify_init", SYS_fanotify_init, 338, { 0xffffffff, 0 } },
	{ "ptrace", SYS_ptrace, 26, { 0x7fff, -1, 0, 0 } },
	{ "process_vm_readv", SYS_process_vm_readv, 347, { 1, 0, 0, 0, 0, 0xff } },
	{ "process_vm_writev", SYS_process_vm_writev, 348, { 1, 0, 0, 0, 0, 0xff } },
	{ "kcmp", SYS_kcmp, 349, { 1, 1, 0x7fff, 0, 0 } },
	{ "pidfd_getfd", SYS_pidfd_getfd, 438, { -1, 0, 0xffff } },
	{ "process_madvise", SYS_process_madvise, 440, { -1, 0, 0, 0, 0xffff } },
	{ "move_pages", SYS_move_pages, 317, { 0, 0, 0, 0, 0, 0xffff } },
	{ "migrate_pages", SYS_migrate_pages, 294, { -1, 0, 0, 0 } },
	{ "kexec_load", SYS_kexec_load, 283, { 0, 0, 0, 0xffffffff } },
	{ "init_module", SYS_init_module, 128, { 0, 0, 0 } },
	{ "finit_module", SYS_finit_module, 350, { -1, 0, 0xffff } },
	{ "delete_module", SYS_delete_module, 129, { ABI_P("joblet_no_such_module"), O_NONBLOCK } },
	{ "reboot", SYS_reboot, 88, { 0, 0, 0, 0 } },
	{ "swapon", SYS_swapon, 87, { ABI_P("/joblet-none"), 0 } },
	{ "swapoff", SYS_swapoff, 115, { ABI_P("/joblet-none") } },
	{ "acct", SYS_acct, 51, { ABI_P("/joblet-none") } },
	{ "syslog", SYS_syslog, 103, { 9999, 0, 0 } },
	{ "quotactl", SYS_quotactl, 131, { 0, 0, 0, 0 } },
	{ "sethostname", SYS_sethostname, 74, { 0, 100000 } },
	{ "setdomainname", SYS_setdomainname, 121, { 0, 100000 } },
	{ "clock_adjtime", SYS_clock_adjtime, 343, { 0x7fff, 0 } },
	{ "adjtimex", SYS_adjtimex, 124, { 0 } },
	{ "open_by_handle_at", SYS_open_by_handle_at, 342, { -1, 0, 0 } },
	{ "name_to_handle_at", SYS_name_to_handle_at, 341, { -1, ABI_P(""), 0, 0, 0xffff } },
	{ "personality ADDR_NO_RANDOMIZE", SYS_personality, 136, { ADDR_NO_RANDOMIZE } },
	{ "ioctl TIOCSTI", SYS_ioctl, 54, { 100, TIOCSTI, ABI_P(&abi_c) } },
	{ "ioctl TIOCLINUX", SYS_ioctl, 54, { 100, TIOCLINUX, ABI_P(&abi_c) } },
	{ "socket AF_VSOCK", SYS_socket, 359, { AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0 } },
	{ "socket AF_PACKET", SYS_socket, 359, { AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0 } },
	{ "socket AF_NETLINK NETLINK_KOBJECT_UEVENT",
	  SYS_socket,
	  359,
	  { AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT } },
	{ "socketpair AF_VSOCK", SYS_socketpair, 360, { AF_VSOCK, SOCK_STREAM, 0, 0 } },
	/* i386 only: the socket multiplexer, its arguments in memory. */
	{ "socketcall SYS_SOCKET AF_VSOCK", ABI_NONE, 102, { 1, ABI_P(abi_vsock_args) } },
#ifdef SYS_iopl
	{ "iopl", SYS_iopl, 110, { 99 } },
	{ "ioperm", SYS_ioperm, 101, { 0x10000, 1, 0 } },
#endif
	/* Not in the profile: past the table, and calls newer than it (x86_64 numbers). */
	{ "number 1000, past the table", 1000, 1000, { 0 } },
#if defined(__x86_64__)
	{ "statmount (Linux 6.8)", 457, 457, { 0, 0, 0, 0 } },
	{ "listmount (Linux 6.8)", 458, 458, { 0, 0, 0, 0 } },
	{ "open_tree_attr (Linux 6.15)", 467, 467, { -1, ABI_P(""), 0xffffffff, 0, 0 } },
#endif
};

enum abi_kind { ABI_NATIVE = 1, ABI_I386, ABI_X32 };

#if defined(__x86_64__)
/*
 * The i386 entry point from 64-bit code; returns -errno as the kernel does.
 * Five arguments (the sixth would be in ebp): no case needs a sixth.
 */
static long abi_int80(long nr, const long a[6])
{
	long r;

	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(nr), "b"(a[0]), "c"(a[1]), "d"(a[2]), "S"(a[3]), "D"(a[4])
			 : "memory", "cc", "r8", "r9", "r10", "r11");
	return r;
}
#endif

/* In a child: make the call, exit 0 when it was refused, 1 when it got through. */
static void abi_try_child(enum abi_kind kind, const struct abi_call *c)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	long r, e;

	/* fd 100 is /dev/null: the ioctl cases never reach a terminal. */
	if (fd < 0 || dup3(fd, 100, O_CLOEXEC) < 0)
		_exit(2);
	errno = 0;
#if defined(__x86_64__)
	if (kind == ABI_I386) {
		r = abi_int80(c->nr32, c->a);
		e = r < 0 && r > -4096 ? -r : 0;
	} else
#endif
	{
		long nr = kind == ABI_X32 ? (c->nr | ABI_X32_BIT) : c->nr;

		r = syscall(nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
		e = r == -1 ? errno : 0;
	}
	if (r == 0 && (c->nr == SYS_clone || c->nr == SYS_clone3 || c->nr32 == 120))
		_exit(1); /* a clone child that got through */
	if (e == EPERM || e == ENOSYS)
		_exit(0);
	printf("#   returned %ld (%s)\n", r, e ? strerror((int)e) : "success");
	_exit(1);
}

/* One try; a verdict line. */
static void abi_try(enum abi_kind kind, const char *abi, const struct abi_call *c)
{
	char what[160];
	int st = 0;
	pid_t pid;

	snprintf(what, sizeof(what), "%s %s is refused", abi, c->name);
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		abi_try_child(kind, c);
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		ok(false, what, "cannot fork: %s", strerror(errno));
		return;
	}
	ok((WIFEXITED(st) && WEXITSTATUS(st) == 0) || (WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS),
	   what, "it reached the kernel (%s %d)", WIFEXITED(st) ? "exit" : "signal",
	   WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

#if defined(__x86_64__)
/* Does int $0x80 enter the kernel here?  Without IA32 emulation it raises SIGSEGV. */
static bool abi_have_i386(void)
{
	static const long none[6];
	int st = 0;
	pid_t pid = fork();

	if (pid == 0) {
		abi_int80(20 /* getpid */, none);
		_exit(0);
	}
	return pid > 0 && waitpid(pid, &st, 0) == pid &&
	       !(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
}
#endif

/* Every refused call through every ABI; the number of failures is in probe_failures. */
static void seccomp_abi_probe(void)
{
	const size_t n = sizeof(abi_calls) / sizeof(abi_calls[0]);

	for (size_t i = 0; i < n; i++)
		if (abi_calls[i].nr != ABI_NONE)
			abi_try(ABI_NATIVE, "native", &abi_calls[i]);
#if defined(__x86_64__)
	for (size_t i = 0; i < n; i++)
		if (abi_calls[i].nr != ABI_NONE)
			abi_try(ABI_X32, "x32", &abi_calls[i]);
	if (!abi_have_i386()) {
		printf("ok - i386 (int $0x80) calls # SKIP the kernel has no IA32 emulation (int $0x80 raises SIGSEGV)\n");
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (abi_calls[i].nr32 != ABI_NONE)
			abi_try(ABI_I386, "i386", &abi_calls[i]);
	{
		/* An allowed call is refused too: the whole ABI is, not only the listed calls. */
		const struct abi_call getpid32 = {
			"getpid (allowed natively)", ABI_NONE, 20, { 0 }
		};

		abi_try(ABI_I386, "i386", &getpid32);
	}
#else
	printf("ok - i386 and x32 calls # SKIP not an x86_64 machine\n");
#endif
}

#endif /* SECCOMP_ABI_H */
