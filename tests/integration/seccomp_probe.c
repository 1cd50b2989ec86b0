/*
 * seccomp_probe.c - run as a joblet job by test_seccomp.sh (and by
 * tests/bench/bench_seccomp.sh).  Statically linked, so it runs in any root.
 *
 *   seccomp_probe status      the Seccomp, Seccomp_filters, NoNewPrivs lines
 *   seccomp_probe denied      one line per call of the profile: "NAME ERRNO",
 *                             ERRNO being the errno name, or "ok" when it worked
 *   seccomp_probe abi         every refused call through every ABI (syscall,
 *                             int $0x80, x32) and numbers past the table
 *                             (seccomp_abi.h): "ok - ..." or "FAIL - ..."; exit 1
 *                             on a FAIL
 *   seccomp_probe work        ordinary work (fork, exec, threads, files in the
 *                             working folder, AF_INET and AF_UNIX sockets):
 *                             "ok - WHAT" or "FAIL - WHAT: WHY"; exit 1 on a FAIL
 *   seccomp_probe bench N M   time N getpid() and M fork + execve of /bin/true:
 *                             "getpid_ns=T forkexec_ns=T" (totals)
 *   seccomp_probe noop        exit 0 (what `work` execs)
 *
 * The denied calls get arguments that do nothing if a call got through.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "probe_check.h"
#include "seccomp_abi.h"

#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif

#define S(p) ((long)(uintptr_t)(p))
/* /dev/null at a fixed number: the ioctl cases never touch a real terminal. */
#define NULLFD 100

struct call {
	const char *name;
	long nr;
	long a[6];
};

static const char c_x = 'x';

static const struct call calls[] = {
	{ "clone_newuser", SYS_clone, { CLONE_NEWUSER | CLONE_SIGHAND } },
	{ "clone_newns", SYS_clone, { CLONE_NEWNS | CLONE_SIGHAND } },
	{ "clone_newnet", SYS_clone, { CLONE_NEWNET | CLONE_SIGHAND } },
	{ "clone3", SYS_clone3, { 0, 0 } },
	{ "unshare_newuser", SYS_unshare, { CLONE_NEWUSER } },
	{ "unshare_newns", SYS_unshare, { CLONE_NEWNS } },
	{ "setns", SYS_setns, { -1, 0 } },
	{ "mount", SYS_mount, { S("none"), S("/"), S("joblet-nofs"), 0, 0 } },
	{ "umount2", SYS_umount2, { S("/"), 0xffff } },
	{ "pivot_root", SYS_pivot_root, { S("/joblet-none"), S("/joblet-none") } },
	{ "chroot", SYS_chroot, { S("/joblet-none") } },
	{ "move_mount", SYS_move_mount, { -1, S(""), -1, S(""), 0xffffffff } },
	{ "open_tree", SYS_open_tree, { -1, S(""), 0xffffffff } },
	{ "fsopen", SYS_fsopen, { S("joblet-nofs"), 0xffffffff } },
	{ "fsconfig", SYS_fsconfig, { -1, 0xffff, 0, 0, 0 } },
	{ "fsmount", SYS_fsmount, { -1, 0xffffffff, 0 } },
	{ "fspick", SYS_fspick, { -1, S(""), 0xffffffff } },
	{ "mount_setattr", SYS_mount_setattr, { -1, S(""), 0xffffffff, 0, 0 } },
	{ "keyctl", SYS_keyctl, { 0x7fff } },
	{ "add_key", SYS_add_key, { 0, 0, 0, 0, 0 } },
	{ "request_key", SYS_request_key, { 0, 0, 0, 0 } },
	{ "bpf", SYS_bpf, { 0x7fff, 0, 0 } },
	{ "perf_event_open", SYS_perf_event_open, { 0, 0, -1, -1, 0 } },
	{ "userfaultfd", SYS_userfaultfd, { 0xffffffff } },
	{ "io_uring_setup", SYS_io_uring_setup, { 0, 0 } },
	{ "io_uring_enter", SYS_io_uring_enter, { -1, 0, 0, 0, 0, 0 } },
	{ "io_uring_register", SYS_io_uring_register, { -1, 0, 0, 0 } },
	{ "ptrace", SYS_ptrace, { 0x7fff, -1, 0, 0 } },
	{ "process_vm_readv", SYS_process_vm_readv, { 1, 0, 0, 0, 0, 0xff } },
	{ "process_vm_writev", SYS_process_vm_writev, { 1, 0, 0, 0, 0, 0xff } },
	{ "kcmp", SYS_kcmp, { 1, 1, 0x7fff, 0, 0 } },
	{ "pidfd_getfd", SYS_pidfd_getfd, { -1, 0, 0xffff } },
	{ "move_pages", SYS_move_pages, { 0, 0, 0, 0, 0, 0xffff } },
	{ "kexec_load", SYS_kexec_load, { 0, 0, 0, 0xffffffff } },
	{ "kexec_file_load", SYS_kexec_file_load, { -1, -1, 0, 0, 0xffff } },
	{ "init_module", SYS_init_module, { 0, 0, 0 } },
	{ "finit_module", SYS_finit_module, { -1, 0, 0xffff } },
	{ "delete_module", SYS_delete_module, { S("joblet_no_such_module"), O_NONBLOCK } },
	{ "reboot", SYS_reboot, { 0, 0, 0, 0 } },
	{ "swapon", SYS_swapon, { S("/joblet-none"), 0 } },
	{ "swapoff", SYS_swapoff, { S("/joblet-none") } },
	{ "acct", SYS_acct, { S("/joblet-none") } },
	{ "syslog", SYS_syslog, { 9999, 0, 0 } },
	{ "quotactl", SYS_quotactl, { 0, 0, 0, 0 } },
	{ "sethostname", SYS_sethostname, { 0, 100000 } },
	{ "setdomainname", SYS_setdomainname, { 0, 100000 } },
	{ "settimeofday", SYS_settimeofday, { 0, 0 } },
	{ "clock_adjtime", SYS_clock_adjtime, { 0x7fff, 0 } },
	{ "adjtimex", SYS_adjtimex, { 0 } },
#ifdef SYS_iopl
	{ "iopl", SYS_iopl, { 99 } },
	{ "ioperm", SYS_ioperm, { 0x10000, 1, 0 } },
#endif
	{ "open_by_handle_at", SYS_open_by_handle_at, { -1, 0, 0 } },
	{ "name_to_handle_at", SYS_name_to_handle_at, { -1, S(""), 0, 0, 0xffff } },
	{ "personality", SYS_personality, { ADDR_NO_RANDOMIZE } },
	{ "ioctl_tiocsti", SYS_ioctl, { NULLFD, TIOCSTI, S(&c_x) } },
	{ "ioctl_tiocsti_high", SYS_ioctl, { NULLFD, (long)(TIOCSTI | (1UL << 32)), S(&c_x) } },
	{ "socket_vsock", SYS_socket, { AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0 } },
	{ "socket_audit", SYS_socket, { AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT } },
};

static int status(void)
{
	FILE *f = fopen("/proc/self/status", "re");
	char line[256];

	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "Seccomp", 7) == 0 || strncmp(line, "NoNewPrivs", 10) == 0)
			fputs(line, stdout);
	fclose(f);
	return 0;
}

static int denied(void)
{
	int fd = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (fd < 0 || dup3(fd, NULLFD, O_CLOEXEC) < 0)
		return 1;
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		const struct call *c = &calls[i];
		long r;

		errno = 0;
		r = syscall(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
		if (r >= 0 && (c->nr == SYS_socket || c->nr == SYS_userfaultfd ||
			       c->nr == SYS_io_uring_setup))
			close((int)r);
		if (r == 0 && (c->nr == SYS_clone || c->nr == SYS_clone3))
			_exit(0); /* a child that got through: never runs the rest */
		printf("%s %s\n", c->name, r >= 0 ? "ok" : strerrorname_np(errno));
	}
	/* Back to the default persona, if the personality call got through. */
	personality(PER_LINUX);
	return 0;
}

static int run_wait(const char *path, char *const argv[])
{
	int st;
	pid_t pid = fork();

	if (pid == 0) {
		execv(path, argv);
		_exit(126);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void *thread_main(void *arg)
{
	return (char *)arg + 1;
}

static int work(void)
{
	char buf[64] = "";
	int fd, sv[2], st;
	pthread_t t;
	void *ret = NULL;
	pid_t pid;

	pid = fork();
	if (pid == 0)
		_exit(3);
	ok(pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 3, "fork",
	   "%s", strerror(errno));
	{
		char *argv[] = { (char *)"seccomp_probe", (char *)"noop", NULL };

		ok(run_wait("/proc/self/exe", argv) == 0, "exec", "%s", strerror(errno));
	}
	ok(pthread_create(&t, NULL, thread_main, buf) == 0 && pthread_join(t, &ret) == 0 &&
		   ret == buf + 1,
	   "threads", "pthread_create failed");

	fd = open("probe-file", O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	ok(fd >= 0 && write(fd, "hello", 5) == 5 && pread(fd, buf, 5, 0) == 5 &&
		   memcmp(buf, "hello", 5) == 0 && fsync(fd) == 0 && close(fd) == 0 &&
		   unlink("probe-file") == 0,
	   "file IO in the working folder", "%s", strerror(errno));

	ok(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0 &&
		   write(sv[0], "u", 1) == 1 && read(sv[1], buf, 1) == 1 && buf[0] == 'u',
	   "AF_UNIX sockets", "%s", strerror(errno));
	close(sv[0]);
	close(sv[1]);

	{
		struct sockaddr_in a = { .sin_family = AF_INET,
					 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t alen = sizeof(a);
		int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), c = -1, s = -1;
		bool good = l >= 0 && bind(l, (struct sockaddr *)&a, sizeof(a)) == 0 &&
			    listen(l, 1) == 0 && getsockname(l, (struct sockaddr *)&a, &alen) == 0;

		if (good) {
			c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			good = c >= 0 && connect(c, (struct sockaddr *)&a, sizeof(a)) == 0 &&
			       (s = accept4(l, NULL, NULL, SOCK_CLOEXEC)) >= 0 &&
			       send(c, "i", 1, 0) == 1 && recv(s, buf, 1, 0) == 1 && buf[0] == 'i';
		}
		ok(good, "AF_INET sockets on the loopback", "%s", strerror(errno));
		close(l);
		close(c);
		close(s);
	}
	return probe_failures ? 1 : 0;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int bench(long n, long m)
{
	char *argv[] = { (char *)"true", NULL };
	int64_t t0, t1, t2;

	t0 = now_ns();
	for (long i = 0; i < n; i++)
		syscall(SYS_getpid);
	t1 = now_ns();
	for (long i = 0; i < m; i++)
		if (run_wait("/bin/true", argv) != 0)
			return 1;
	t2 = now_ns();
	printf("getpid_ns=%lld forkexec_ns=%lld\n", (long long)(t1 - t0), (long long)(t2 - t1));
	return 0;
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(c, "status") == 0)
		return status();
	if (strcmp(c, "denied") == 0)
		return denied();
	if (strcmp(c, "work") == 0)
		return work();
	if (strcmp(c, "abi") == 0) {
		seccomp_abi_probe();
		return probe_failures ? 1 : 0;
	}
	if (strcmp(c, "bench") == 0 && argc == 4)
		return bench(strtol(argv[2], NULL, 10), strtol(argv[3], NULL, 10));
	if (strcmp(c, "noop") == 0)
		return 0;
	fprintf(stderr, "usage: seccomp_probe status|denied|abi|work|bench N M|noop\n");
	return 2;
}
