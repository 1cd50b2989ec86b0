/*
 * test_seccomp.c - isolation/seccomp, loaded from build-plugins/ through the
 * plugin loader and driven as the shim drives it: prepare() in this
 * process, child() in a forked child, which then tries every call of the
 * profile with syscall(2).
 *
 * Two modes prove different things.  With `default_action: errno` each
 * denied call must fail with EPERM (ENOSYS for clone3, EAFNOSUPPORT for the
 * audit socket), and ordinary work plus the shim's last steps must still
 * work.  With `default_action: kill` each denied call must kill its process
 * with SIGSYS, which the kernel never does by itself: that shows the filter,
 * not a missing capability, refused the call, also when the test runs as
 * an unprivileged user.  The arguments are chosen so that a call the filter
 * failed to stop does nothing (invalid flags, missing paths, no magic).
 *
 * The i386 (int $0x80) and x32 entry points are tested on x86_64 when the
 * kernel and the CPU take them.
 *
 * Valgrind does not implement seccomp(2): under valgrind the cases that
 * load a filter are reported as skipped, and the others still run (probe,
 * settings, prepare and cleanup), with libseccomp told the kernel's API
 * level so that the filter is still built and generated, and its memory
 * handling checked.
 */
#include <dirent.h>
#include <errno.h>
#include <linux/filter.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include <seccomp.h>

#include <joblet/error.h>
#include <joblet/isolation.h>
#include <joblet/plugin.h>

#include "config/config.h"
#include "plugin/loader.h"
#include "job/job_spec.h"

#include "job/job_private.h"

#include "jl_test.h"
#include "jl_tmp.h"
#include "job/job.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#ifndef AF_VSOCK
#define AF_VSOCK 40
#endif
#ifndef TIOCLINUX
#define TIOCLINUX 0x541C
#endif
#ifndef ELEMENTSOF
#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
#endif
#define X32_BIT 0x40000000L

/* An fd on /dev/null at a fixed number, for the ioctl cases. */
#define NULLFD 100

/* ------------------------------------------------------------------ the plugin */

struct plugin {
	struct jl_config *cfg;
	struct jl_plugin_set *set;
	const struct joblet_isolation_ops *ops;
	struct joblet_job *job;
	void *state;
};

static const char *plugin_path(void)
{
	static char p[4096];

	snprintf(p, sizeof(p), "%s/build-plugins/isolation_seccomp.so",
		 jl_test_env("JOBLET_TEST_BUILDDIR"));
	return p;
}

/* Load the plugin with these settings lines (YAML under the plugin's id); 0 or -code. */
static int plugin_load(struct plugin *pl, const char *settings, struct joblet_error **err)
{
	char yaml[2048];
	const struct joblet_plugin *d;
	int r;

	memset(pl, 0, sizeof(*pl));
	if (settings)
		snprintf(yaml, sizeof(yaml), "plugins:\n  settings:\n    isolation/seccomp:\n%s",
			 settings);
	else
		snprintf(yaml, sizeof(yaml), "plugins:\n  settings: {}\n");
	r = jl_config_load(jl_tmp_write("joblet.yml", yaml), 0, &pl->cfg, err);
	if (r < 0)
		return r;
	ck_assert_int_eq(jl_plugin_set_new(pl->cfg, JL_LOADER_NO_BUILTINS, &pl->set, NULL), 0);
	r = jl_plugin_set_load_file(pl->set, plugin_path(), err);
	if (r < 0)
		return r;
	d = jl_plugin_set_find(pl->set, JOBLET_KIND_ISOLATION, "seccomp");
	ck_assert_ptr_nonnull(d);
	pl->ops = d->ops;
	return 0;
}

/* Load, make a job and prepare() it, as the shim does before clone(). */
static void plugin_prepare(struct plugin *pl, const char *settings)
{
	struct jl_job_spec *spec = NULL;
	struct joblet_error *e = NULL;

	ck_assert_int_eq(plugin_load(pl, settings, NULL), 0);
	ck_assert_int_eq(jl_job_spec_new(&spec, NULL), 0);
	ck_assert_int_eq(jl_job_new(spec, jl_tmpdir, &pl->job, NULL), 0);
	ck_assert_msg(pl->ops->prepare(pl->job, &pl->state, &e) == 0, "prepare: %s",
		      joblet_error_message(e));
	ck_assert_ptr_nonnull(pl->state);
}

static void plugin_free(struct plugin *pl)
{
	if (pl->job && pl->ops)
		pl->ops->cleanup(pl->job, pl->state);
	jl_job_free(pl->job);
	jl_plugin_set_free(pl->set);
	jl_config_free(pl->cfg);
}

/* In a forked child: what the shim's child does before the hooks, then child(). */
static void child_enter(struct plugin *pl)
{
	struct joblet_error *e = NULL;
	int fd;

	setsid(); /* no controlling tty: vhangup and TIOCSTI have nothing to act on */
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd < 0 || dup2(fd, NULLFD) < 0)
		_exit(90);
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(91);
	if (pl->ops->child(pl->job, pl->state, &e) < 0) {
		fprintf(stderr, "child(): %s\n", joblet_error_message(e));
		_exit(92);
	}
}

static bool under_valgrind(void)
{
	const char *p = getenv("LD_PRELOAD");

	return p && strstr(p, "vgpreload");
}

/* ------------------------------------------------------------------ the denied calls */

struct call {
	const char *what;
	long nr;
	long a[6];
	int err; /* errno in errno mode; 0 = EPERM (and SIGSYS in kill mode) */
};

static const struct timespec ts_zero;
static const char c_x = 'x';

#define S(p) ((long)(uintptr_t)(p))

/* Every call of the profile, with arguments that do nothing if it got through. */
static const struct call denied[] = {
	{ "clone CLONE_NEWNS", SYS_clone, { CLONE_NEWNS | CLONE_SIGHAND }, 0 },
	{ "clone CLONE_NEWCGROUP", SYS_clone, { CLONE_NEWCGROUP | CLONE_SIGHAND }, 0 },
	{ "clone CLONE_NEWUTS", SYS_clone, { CLONE_NEWUTS | CLONE_SIGHAND }, 0 },
	{ "clone CLONE_NEWIPC", SYS_clone, { CLONE_NEWIPC | CLONE_SIGHAND }, 0 },
	{ "clone CLONE_NEWUSER", SYS_clone, { CLONE_NEWUSER | CLONE_SIGHAND }, 0 },
	{ "clone CLONE_NEWPID", SYS_clone, { CLONE_NEWPID | CLONE_SIGHAND }, 0 },
	{ "clone CLONE_NEWNET", SYS_clone, { CLONE_NEWNET | CLONE_SIGHAND }, 0 },
	{ "clone CLONE_NEWUSER, high bits set",
	  SYS_clone,
	  { (long)(CLONE_NEWUSER | CLONE_SIGHAND | (1UL << 40)) },
	  0 },
	{ "clone3", SYS_clone3, { 0, 0 }, ENOSYS },
	{ "unshare CLONE_NEWUSER", SYS_unshare, { CLONE_NEWUSER }, 0 },
	{ "unshare CLONE_NEWNS", SYS_unshare, { CLONE_NEWNS }, 0 },
	{ "unshare CLONE_FS", SYS_unshare, { CLONE_FS }, 0 },
	{ "setns", SYS_setns, { -1, 0 }, 0 },
	{ "mount", SYS_mount, { S("none"), S("/"), S("joblet-nofs"), 0, 0 }, 0 },
	{ "umount2", SYS_umount2, { S("/"), 0xffff }, 0 },
	{ "pivot_root", SYS_pivot_root, { S("/joblet-none"), S("/joblet-none") }, 0 },
	{ "chroot", SYS_chroot, { S("/joblet-none") }, 0 },
	{ "move_mount", SYS_move_mount, { -1, S(""), -1, S(""), 0xffffffff }, 0 },
	{ "open_tree", SYS_open_tree, { -1, S(""), 0xffffffff }, 0 },
	{ "fsopen", SYS_fsopen, { S("joblet-nofs"), 0xffffffff }, 0 },
	{ "fsconfig", SYS_fsconfig, { -1, 0xffff, 0, 0, 0 }, 0 },
	{ "fsmount", SYS_fsmount, { -1, 0xffffffff, 0 }, 0 },
	{ "fspick", SYS_fspick, { -1, S(""), 0xffffffff }, 0 },
	{ "mount_setattr", SYS_mount_setattr, { -1, S(""), 0xffffffff, 0, 0 }, 0 },
	{ "keyctl", SYS_keyctl, { 0x7fff }, 0 },
	{ "add_key", SYS_add_key, { 0, 0, 0, 0, 0 }, 0 },
	{ "request_key", SYS_request_key, { 0, 0, 0, 0 }, 0 },
	{ "bpf", SYS_bpf, { 0x7fff, 0, 0 }, 0 },
	{ "perf_event_open", SYS_perf_event_open, { 0, 0, -1, -1, 0 }, 0 },
	{ "userfaultfd", SYS_userfaultfd, { 0xffffffff }, 0 },
	{ "io_uring_setup", SYS_io_uring_setup, { 0, 0 }, 0 },
	{ "io_uring_enter", SYS_io_uring_enter, { -1, 0, 0, 0, 0, 0 }, 0 },
	{ "io_uring_register", SYS_io_uring_register, { -1, 0, 0, 0 }, 0 },
	{ "fanotify_init", SYS_fanotify_init, { 0xffffffff, 0 }, 0 },
	{ "ptrace", SYS_ptrace, { 0x7fff, -1, 0, 0 }, 0 },
	{ "process_vm_readv", SYS_process_vm_readv, { 1, 0, 0, 0, 0, 0xff }, 0 },
	{ "process_vm_writev", SYS_process_vm_writev, { 1, 0, 0, 0, 0, 0xff }, 0 },
	{ "kcmp", SYS_kcmp, { 1, 1, 0x7fff, 0, 0 }, 0 },
	{ "pidfd_getfd", SYS_pidfd_getfd, { -1, 0, 0xffff }, 0 },
	{ "process_madvise", SYS_process_madvise, { -1, 0, 0, 0, 0xffff }, 0 },
	{ "move_pages", SYS_move_pages, { 0, 0, 0, 0, 0, 0xffff }, 0 },
	{ "migrate_pages", SYS_migrate_pages, { -1, 0, 0, 0 }, 0 },
	{ "kexec_load", SYS_kexec_load, { 0, 0, 0, 0xffffffff }, 0 },
	{ "kexec_file_load", SYS_kexec_file_load, { -1, -1, 0, 0, 0xffff }, 0 },
	{ "init_module", SYS_init_module, { 0, 0, 0 }, 0 },
	{ "finit_module", SYS_finit_module, { -1, 0, 0xffff }, 0 },
	{ "delete_module", SYS_delete_module, { S("joblet_no_such_module"), O_NONBLOCK }, 0 },
#ifdef SYS_create_module
	{ "create_module", SYS_create_module, { 0, 0 }, 0 },
#endif
#ifdef SYS_query_module
	{ "query_module", SYS_query_module, { 0, 0, 0, 0, 0 }, 0 },
#endif
#ifdef SYS_get_kernel_syms
	{ "get_kernel_syms", SYS_get_kernel_syms, { 0 }, 0 },
#endif
	{ "reboot", SYS_reboot, { 0, 0, 0, 0 }, 0 },
	{ "swapon", SYS_swapon, { S("/joblet-none"), 0 }, 0 },
	{ "swapoff", SYS_swapoff, { S("/joblet-none") }, 0 },
	{ "acct", SYS_acct, { S("/joblet-none") }, 0 },
	{ "syslog", SYS_syslog, { 9999, 0, 0 }, 0 },
	{ "vhangup", SYS_vhangup, { 0 }, 0 },
	{ "quotactl", SYS_quotactl, { 0, 0, 0, 0 }, 0 },
#ifdef SYS_quotactl_fd
	{ "quotactl_fd", SYS_quotactl_fd, { -1, 0, 0, 0 }, 0 },
#endif
#ifdef SYS_nfsservctl
	{ "nfsservctl", SYS_nfsservctl, { 0, 0, 0 }, 0 },
#endif
#ifdef SYS_lookup_dcookie
	{ "lookup_dcookie", SYS_lookup_dcookie, { 0, 0, 0 }, 0 },
#endif
#ifdef SYS_uselib
	{ "uselib", SYS_uselib, { 0 }, 0 },
#endif
#ifdef SYS__sysctl
	{ "_sysctl", SYS__sysctl, { 0 }, 0 },
#endif
	{ "sethostname", SYS_sethostname, { 0, 100000 }, 0 },
	{ "setdomainname", SYS_setdomainname, { 0, 100000 }, 0 },
	{ "settimeofday", SYS_settimeofday, { 0, 0 }, 0 },
	{ "clock_settime", SYS_clock_settime, { CLOCK_MONOTONIC, S(&ts_zero) }, 0 },
	{ "clock_adjtime", SYS_clock_adjtime, { 0x7fff, 0 }, 0 },
	{ "adjtimex", SYS_adjtimex, { 0 }, 0 },
#ifdef SYS_iopl
	{ "iopl", SYS_iopl, { 99 }, 0 },
#endif
#ifdef SYS_ioperm
	{ "ioperm", SYS_ioperm, { 0x10000, 1, 0 }, 0 },
#endif
	{ "open_by_handle_at", SYS_open_by_handle_at, { -1, 0, 0 }, 0 },
	{ "name_to_handle_at", SYS_name_to_handle_at, { -1, S(""), 0, 0, 0xffff }, 0 },
	{ "personality ADDR_NO_RANDOMIZE", SYS_personality, { ADDR_NO_RANDOMIZE }, 0 },
	{ "personality READ_IMPLIES_EXEC", SYS_personality, { READ_IMPLIES_EXEC }, 0 },
	{ "personality PER_BSD", SYS_personality, { PER_BSD }, 0 },
	{ "personality PER_LINUX32|ADDR_NO_RANDOMIZE",
	  SYS_personality,
	  { PER_LINUX32 | ADDR_NO_RANDOMIZE },
	  0 },
	{ "personality 0xfffffffe", SYS_personality, { 0xfffffffe }, 0 },
	{ "personality ADDR_NO_RANDOMIZE, high bits set",
	  SYS_personality,
	  { (long)(ADDR_NO_RANDOMIZE | (1UL << 32)) },
	  0 },
	{ "ioctl TIOCSTI", SYS_ioctl, { NULLFD, TIOCSTI, S(&c_x) }, 0 },
	{ "ioctl TIOCSTI, high bits set",
	  SYS_ioctl,
	  { NULLFD, (long)(TIOCSTI | (1UL << 32)), S(&c_x) },
	  0 },
	{ "ioctl TIOCLINUX", SYS_ioctl, { NULLFD, TIOCLINUX, S(&c_x) }, 0 },
	{ "ioctl TIOCLINUX, high bits set",
	  SYS_ioctl,
	  { NULLFD, (long)(TIOCLINUX | (0xffffUL << 32)), S(&c_x) },
	  0 },
	{ "socket AF_VSOCK", SYS_socket, { AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0 }, 0 },
	{ "socket AF_VSOCK, high bits set",
	  SYS_socket,
	  { (long)(AF_VSOCK | (1UL << 32)), SOCK_STREAM | SOCK_CLOEXEC, 0 },
	  0 },
	{ "socket AF_NETLINK NETLINK_AUDIT",
	  SYS_socket,
	  { AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT },
	  EAFNOSUPPORT },
	{ "socket AF_PACKET", SYS_socket, { AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0 }, 0 },
	{ "socket AF_BLUETOOTH", SYS_socket, { AF_BLUETOOTH, SOCK_STREAM | SOCK_CLOEXEC, 0 }, 0 },
	{ "socket AF_NETLINK NETLINK_KOBJECT_UEVENT",
	  SYS_socket,
	  { AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_KOBJECT_UEVENT },
	  0 },
	{ "socket AF_NETLINK NETLINK_SOCK_DIAG",
	  SYS_socket,
	  { AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_SOCK_DIAG },
	  0 },
	{ "socketpair AF_VSOCK", SYS_socketpair, { AF_VSOCK, SOCK_STREAM, 0, 0 }, 0 },
	/* Not in the profile at all: ENOSYS, also under `default_action: kill`. */
	{ "a number past the table (1000)", 1000, { 0 }, ENOSYS },
	{ "an unlisted call (sysfs)", SYS_sysfs, { 1, 0, 0 }, ENOSYS },
#ifdef SYS_modify_ldt
	{ "an unlisted call (modify_ldt)", SYS_modify_ldt, { 0, 0, 0 }, ENOSYS },
#endif
#if defined(__x86_64__)
	/* Linux 6.8 and 6.15, newer than the libseccomp of the issue: the allow-list refuses them.
	 */
	{ "statmount (457)", 457, { 0, 0, 0, 0 }, ENOSYS },
	{ "listmount (458)", 458, { 0, 0, 0, 0 }, ENOSYS },
	{ "open_tree_attr (467)", 467, { -1, S(""), 0xffffffff, 0, 0 }, ENOSYS },
#endif
};

/* A call that must not be killed in kill mode (it has an errno of its own). */
static bool keeps_errno(const struct call *c)
{
	return c->err != 0;
}

/* Failures of the checks in a filtered child, sent to the test through a pipe. */
static int report_fd = -1;
static int n_failed;

static void report_failure(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report_failure(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(report_fd, buf, (size_t)n) < 0) {
	}
	n_failed++;
}

#define want(cond, ...)                                                                            \
	do {                                                                                       \
		if (!(cond))                                                                       \
			report_failure(__VA_ARGS__);                                               \
	} while (0)

/* Run fn in a child with the filter of pl loaded; fail the test with what it reported. */
static void run_filtered(struct plugin *pl, void (*fn)(void))
{
	int p[2], status;
	char out[16384];
	size_t got = 0;
	ssize_t n;
	pid_t pid;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		report_fd = p[1];
		child_enter(pl);
		fn();
		_exit(n_failed ? 1 : 0);
	}
	close(p[1]);
	while ((n = read(p[0], out + got, sizeof(out) - 1 - got)) > 0)
		got += (size_t)n;
	out[got] = '\0';
	close(p[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "the filtered child %s %d:\n%s",
		      WIFEXITED(status) ? "exited" : "was killed by",
		      WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), out);
}

static void expect_denied(const struct call *c)
{
	long r;

	errno = 0;
	r = syscall(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
	want(r == -1 && errno == (c->err ? c->err : EPERM), "%s: got %ld (%s), expected %s",
	     c->what, r, strerror(errno), strerror(c->err ? c->err : EPERM));
}

static void all_denied(void)
{
	for (size_t i = 0; i < ELEMENTSOF(denied); i++)
		expect_denied(&denied[i]);
}

/* ------------------------------------------------------------------ allowed work */

static void *thread_main(void *arg)
{
	return (char *)arg + 1;
}

static int fork_exec_true(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		char *argv[] = { (char *)"true", NULL }, *env[] = { NULL };

		execve("/bin/true", argv, env);
		_exit(126);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void ordinary_work(void)
{
	int p[2], status, fd, one = 0;
	pthread_t t;
	void *ret = NULL;
	pid_t pid;
	char c;

	want(getpid() == (pid_t)syscall(SYS_getpid), "getpid");
	want(pipe2(p, O_CLOEXEC) == 0 && write(p[1], "x", 1) == 1 && read(p[0], &c, 1) == 1 &&
		     c == 'x',
	     "pipe, write, read: %s", strerror(errno));
	want(ioctl(p[0], FIONREAD, &one) == 0 && one == 0, "ioctl FIONREAD: %s", strerror(errno));
	close(p[0]);
	close(p[1]);
	errno = 0;
	want(ioctl(NULLFD, TCGETS, &(char[64]){ 0 }) < 0 && errno == ENOTTY,
	     "ioctl TCGETS on /dev/null: %s (ENOTTY expected)", strerror(errno));

	/* fork() is clone(SIGCHLD | CLONE_CHILD_*): no namespace flag. */
	pid = fork();
	if (pid == 0)
		_exit(7);
	want(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		     WEXITSTATUS(status) == 7,
	     "fork: %s", strerror(errno));
	pid = (pid_t)syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(8);
	want(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
		     WEXITSTATUS(status) == 8,
	     "clone(SIGCHLD): %s", strerror(errno));
	/* glibc tries clone3 (ENOSYS here) and falls back to clone(CLONE_VM | CLONE_THREAD ...). */
	want(pthread_create(&t, NULL, thread_main, (void *)&c) == 0 && pthread_join(t, &ret) == 0 &&
		     ret == (char *)&c + 1,
	     "pthread_create");
	want(fork_exec_true() == 0, "fork + execve /bin/true");

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	want(fd >= 0, "socket AF_UNIX: %s", strerror(errno));
	close(fd);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	want(fd >= 0, "socket AF_INET: %s", strerror(errno));
	close(fd);
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	want(fd >= 0, "socket AF_NETLINK NETLINK_ROUTE: %s", strerror(errno));
	close(fd);
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	want(fd >= 0 || errno == EAFNOSUPPORT, "socket AF_INET6: %s", strerror(errno));
	close(fd);
	/* The kernel reads an int: high bits do not make AF_UNIX another family. */
	fd = (int)syscall(SYS_socket, (long)(AF_UNIX | (1UL << 32)), SOCK_STREAM | SOCK_CLOEXEC, 0);
	want(fd >= 0, "socket AF_UNIX with high bits: %s", strerror(errno));
	close(fd);
	{
		int sv[2];

		want(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0,
		     "socketpair AF_UNIX: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
	}

	/* The personalities Docker allows. */
	want(syscall(SYS_personality, 0xffffffffUL) >= 0, "personality query: %s", strerror(errno));
	want(syscall(SYS_personality, PER_LINUX32) >= 0, "personality PER_LINUX32: %s",
	     strerror(errno));
	want(syscall(SYS_personality, UNAME26) >= 0, "personality UNAME26: %s", strerror(errno));
	want(syscall(SYS_personality, PER_LINUX32 | UNAME26) >= 0,
	     "personality PER_LINUX32|UNAME26: %s", strerror(errno));
	want(syscall(SYS_personality, PER_LINUX) == (PER_LINUX32 | UNAME26),
	     "personality PER_LINUX: %s", strerror(errno));

	/* What the shim does after the hooks (core/shim/child.c drop_privileges). */
	{
		struct rlimit core0 = { 0, 0 }, nofile = { 1024, 1024 };
		struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2];
		char cwd[4096];

		want(setrlimit(RLIMIT_CORE, &core0) == 0, "setrlimit CORE: %s", strerror(errno));
		want(setrlimit(RLIMIT_NOFILE, &nofile) == 0, "setrlimit NOFILE: %s",
		     strerror(errno));
		want(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0, "prctl NO_NEW_PRIVS: %s",
		     strerror(errno));
		if (geteuid() == 0) {
			gid_t gid = 65534;

			for (int cap = 0; cap <= CAP_LAST_CAP; cap++)
				want(prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0 || errno == EINVAL,
				     "PR_CAPBSET_DROP %d: %s", cap, strerror(errno));
			want(setgroups(1, &gid) == 0, "setgroups: %s", strerror(errno));
			want(setresgid(65534, 65534, 65534) == 0, "setresgid: %s", strerror(errno));
			want(setresuid(65534, 65534, 65534) == 0, "setresuid: %s", strerror(errno));
		}
		memset(d, 0, sizeof(d));
		want(syscall(SYS_capset, &h, d) == 0, "capset: %s", strerror(errno));
		want(prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) == 0,
		     "PR_CAP_AMBIENT_CLEAR_ALL: %s", strerror(errno));
		want(chdir("/") == 0 && getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/") == 0,
		     "chdir, getcwd: %s", strerror(errno));
		want(syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0 || errno == ENOSYS,
		     "close_range CLOEXEC: %s", strerror(errno));
		want(fcntl(NULLFD, F_SETFD, FD_CLOEXEC) == 0, "fcntl F_SETFD: %s", strerror(errno));
		want(fork_exec_true() == 0, "fork + execve /bin/true after the privilege drop");
	}
}

/* ------------------------------------------------------------------ other ABIs */

#if defined(__x86_64__)
/* A call through the i386 entry point; returns -errno like the kernel. */
static long i386_call(long nr, long a, long b, long c)
{
	long r;

	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "a"(nr), "b"(a), "c"(b), "d"(c)
			 : "memory", "cc", "r8", "r9", "r10", "r11");
	return r;
}

/*
 * Does this kernel take int $0x80 (IA32 emulation on, and not valgrind)?
 * Without it the child dies of SIGSEGV: of the default action, not in a
 * sanitizer's handler, which would report the probe as a crash.
 */
static bool have_i386(void)
{
	int status;
	pid_t pid;

	if (under_valgrind())
		return false;
	pid = fork();
	if (pid == 0) {
		signal(SIGSEGV, SIG_DFL);
		_exit(i386_call(20 /* getpid */, 0, 0, 0) == getpid() ? 0 : 1);
	}
	return pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	       WEXITSTATUS(status) == 0;
}

/*
 * Only the native ABI is accepted: every call through int $0x80 fails with
 * ENOSYS, the allowed ones (getpid, socket AF_UNIX) as much as the denied
 * ones (socket AF_VSOCK, which main's filter let through, and the
 * socketcall(2) multiplexer, whose arguments seccomp cannot see).
 */
static void i386_checks(void)
{
	static const int vsock_args[3] = { AF_VSOCK, SOCK_STREAM, 0 };
	static const struct {
		const char *what;
		long nr, a, b, c;
	} calls[] = {
		{ "getpid", 20, 0, 0, 0 },
		{ "socket AF_UNIX", 359, AF_UNIX, SOCK_STREAM, 0 },
		{ "socket AF_VSOCK", 359, AF_VSOCK, SOCK_STREAM, 0 },
		{ "socketcall SYS_SOCKET AF_VSOCK", 102, 1, S(vsock_args), 0 },
		{ "unshare CLONE_NEWUSER", 310, CLONE_NEWUSER, 0, 0 },
		{ "clone CLONE_NEWUSER", 120, CLONE_NEWUSER | CLONE_SIGHAND, 0, 0 },
		{ "mount", 21, 0, 0, 0 },
		{ "umount", 22, 0, 0, 0 },
		{ "keyctl", 288, 0x7fff, 0, 0 },
		{ "ioctl TIOCSTI", 54, NULLFD, TIOCSTI, 0 },
		{ "personality ADDR_NO_RANDOMIZE", 136, ADDR_NO_RANDOMIZE, 0, 0 },
		{ "clone3", 435, 0, 0, 0 },
		{ "a number past the table", 1000, 0, 0, 0 },
	};

	for (size_t i = 0; i < ELEMENTSOF(calls); i++) {
		long r = i386_call(calls[i].nr, calls[i].a, calls[i].b, calls[i].c);

		want(r == -ENOSYS, "i386 %s: %ld, expected -ENOSYS", calls[i].what, r);
	}
}

/* x32 numbers (x86_64 ones with __X32_SYSCALL_BIT) are not the native ABI: ENOSYS. */
static void x32_checks(void)
{
	static const struct {
		const char *what;
		long nr, a, b;
	} calls[] = {
		{ "getpid", SYS_getpid, 0, 0 },
		{ "unshare CLONE_NEWUSER", SYS_unshare, CLONE_NEWUSER, 0 },
		{ "keyctl", SYS_keyctl, 0x7fff, 0 },
		{ "socket AF_VSOCK", SYS_socket, AF_VSOCK, SOCK_STREAM },
		{ "a number past the table", 1000, 0, 0 },
	};

	for (size_t i = 0; i < ELEMENTSOF(calls); i++) {
		long r;

		errno = 0;
		r = syscall(X32_BIT | calls[i].nr, calls[i].a, calls[i].b, 0);
		want(r == -1 && errno == ENOSYS, "x32 %s: %ld (%s), expected ENOSYS", calls[i].what,
		     r, strerror(errno));
	}
}
#endif

/* ------------------------------------------------------------------ the program itself */

/*
 * The generated program, run on chosen seccomp_data by the classic-BPF rules
 * of the kernel (the subset libseccomp emits), so that the answer for an ABI
 * the kernel here does not take (i386 without IA32 emulation, x32) is still
 * checked.  Returns the SECCOMP_RET_* value; 0xdead when the program holds an
 * instruction this evaluator does not know or falls off its end.
 */
struct fake_data {
	uint32_t nr, arch;
	uint64_t ip, args[6];
};

static uint32_t bpf_run(const struct sock_filter *f, size_t len, const struct fake_data *d)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 };

	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *i = &f[pc];
		bool t;

		switch (i->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			if (i->k + 4 > sizeof(*d))
				return 0xdead;
			memcpy(&a, (const char *)d + i->k, 4);
			continue;
		case BPF_LD | BPF_IMM:
			a = i->k;
			continue;
		case BPF_LDX | BPF_IMM:
			x = i->k;
			continue;
		case BPF_LD | BPF_MEM:
			a = mem[i->k % BPF_MEMWORDS];
			continue;
		case BPF_LDX | BPF_MEM:
			x = mem[i->k % BPF_MEMWORDS];
			continue;
		case BPF_ST:
			mem[i->k % BPF_MEMWORDS] = a;
			continue;
		case BPF_STX:
			mem[i->k % BPF_MEMWORDS] = x;
			continue;
		case BPF_ALU | BPF_AND | BPF_K:
			a &= i->k;
			continue;
		case BPF_ALU | BPF_OR | BPF_K:
			a |= i->k;
			continue;
		case BPF_ALU | BPF_ADD | BPF_K:
			a += i->k;
			continue;
		case BPF_ALU | BPF_SUB | BPF_K:
			a -= i->k;
			continue;
		case BPF_MISC | BPF_TAX:
			x = a;
			continue;
		case BPF_MISC | BPF_TXA:
			a = x;
			continue;
		case BPF_JMP | BPF_JA:
			pc += i->k;
			continue;
		case BPF_JMP | BPF_JEQ | BPF_K:
			t = a == i->k;
			break;
		case BPF_JMP | BPF_JGT | BPF_K:
			t = a > i->k;
			break;
		case BPF_JMP | BPF_JGE | BPF_K:
			t = a >= i->k;
			break;
		case BPF_JMP | BPF_JSET | BPF_K:
			t = (a & i->k) != 0;
			break;
		case BPF_JMP | BPF_JEQ | BPF_X:
			t = a == x;
			break;
		case BPF_JMP | BPF_JGT | BPF_X:
			t = a > x;
			break;
		case BPF_JMP | BPF_JGE | BPF_X:
			t = a >= x;
			break;
		case BPF_RET | BPF_K:
			return i->k;
		case BPF_RET | BPF_A:
			return a;
		default:
			return 0xdead;
		}
		pc += t ? i->jt : i->jf;
	}
	return 0xdead;
}

/* The compiled program prepare() left in the job's cache folder. */
static struct sock_filter *cached_program(const char *dir, size_t *ret_len)
{
	char path[4096 + 256];
	struct dirent *de;
	struct stat st;
	struct sock_filter *f;
	DIR *d = opendir(dir);
	int fd = -1;

	ck_assert_ptr_nonnull(d);
	while ((de = readdir(d)))
		if (strncmp(de->d_name, "seccomp-", 8) == 0) {
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			fd = open(path, O_RDONLY | O_CLOEXEC);
			break;
		}
	closedir(d);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(fstat(fd, &st), 0);
	f = malloc((size_t)st.st_size);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(read(fd, f, (size_t)st.st_size), st.st_size);
	close(fd);
	*ret_len = (size_t)st.st_size / sizeof(*f);
	return f;
}

/* The cached program of a fresh prepare() with the default settings. */
static struct sock_filter *default_program(struct plugin *pl, size_t *ret_len)
{
	struct jl_job_spec *spec = NULL;
	struct joblet_error *e = NULL;
	char dir[4096];

	snprintf(dir, sizeof(dir), "%s/cache", jl_tmpdir);
	ck_assert_int_eq(plugin_load(pl, NULL, NULL), 0);
	ck_assert_int_eq(jl_job_spec_new(&spec, NULL), 0);
	ck_assert_int_eq(jl_job_new(spec, jl_tmpdir, &pl->job, NULL), 0);
	ck_assert_int_eq(jl_job_set_cache_dir(pl->job, dir), 0);
	ck_assert_msg(pl->ops->prepare(pl->job, &pl->state, &e) == 0, "prepare: %s",
		      joblet_error_message(e));
	return cached_program(dir, ret_len);
}

#define ARCH_X86_64  0xc000003eU /* AUDIT_ARCH_X86_64 */
#define ARCH_I386    0x40000003U /* AUDIT_ARCH_I386 */
#define RET_ALLOW    0x7fff0000U
#define RET_ERRNO(e) (0x00050000U | (uint32_t)(e))

START_TEST(test_program_other_abis)
{
	static const struct {
		const char *what;
		uint32_t arch, nr;
		uint64_t a0, a2;
		uint32_t want;
	} cases[] = {
		{ "x86_64 getpid", ARCH_X86_64, 39, 0, 0, RET_ALLOW },
		{ "x86_64 socket AF_UNIX", ARCH_X86_64, 41, AF_UNIX, 0, RET_ALLOW },
		{ "x86_64 socket AF_VSOCK", ARCH_X86_64, 41, AF_VSOCK, 0, RET_ERRNO(EPERM) },
		{ "x86_64 number 1000", ARCH_X86_64, 1000, 0, 0, RET_ERRNO(ENOSYS) },
		{ "x32 getpid", ARCH_X86_64, 0x40000000U | 39, 0, 0, RET_ERRNO(ENOSYS) },
		{ "x32 socket AF_VSOCK", ARCH_X86_64, 0x40000000U | 41, AF_VSOCK, 0,
		  RET_ERRNO(ENOSYS) },
		{ "x32 number 1000", ARCH_X86_64, 0x40000000U | 1000, 0, 0, RET_ERRNO(ENOSYS) },
		/* The bypass: i386 socket (359) AF_VSOCK, and socketcall (102). */
		{ "i386 socket AF_VSOCK", ARCH_I386, 359, AF_VSOCK, 0, RET_ERRNO(ENOSYS) },
		{ "i386 socket AF_UNIX", ARCH_I386, 359, AF_UNIX, 0, RET_ERRNO(ENOSYS) },
		{ "i386 socketcall", ARCH_I386, 102, 1, 0, RET_ERRNO(ENOSYS) },
		{ "i386 getpid", ARCH_I386, 20, 0, 0, RET_ERRNO(ENOSYS) },
		{ "i386 unshare", ARCH_I386, 310, CLONE_NEWUSER, 0, RET_ERRNO(ENOSYS) },
		{ "i386 number 1000", ARCH_I386, 1000, 0, 0, RET_ERRNO(ENOSYS) },
	};
	struct plugin pl;
	struct sock_filter *f;
	char failures[4096] = "";
	size_t len, off = 0;

	if (seccomp_arch_native() != SCMP_ARCH_X86_64)
		return; /* the cases name x86_64 numbers */
	f = default_program(&pl, &len);
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct fake_data d = { .nr = cases[i].nr, .arch = cases[i].arch };
		uint32_t got;

		d.args[0] = cases[i].a0;
		d.args[1] = SOCK_STREAM;
		d.args[2] = cases[i].a2;
		got = bpf_run(f, len, &d);
		if (got != cases[i].want && off < sizeof(failures))
			off += (size_t)snprintf(failures + off, sizeof(failures) - off,
						"%s: 0x%08x, expected 0x%08x\n", cases[i].what, got,
						cases[i].want);
	}
	free(f);
	plugin_free(&pl);
	ck_assert_msg(failures[0] == '\0', "the program answers:\n%s", failures);
}
END_TEST

/* A spread of argument values: every value below 2^16, then single bits and mixes, each also with
 * high bits. */
static uint64_t sweep_value(unsigned i)
{
	static const uint64_t high[] = { 0, 1ULL << 32, 0xffffffff00000000ULL };
	uint64_t v;

	if (i < 0x10000)
		v = i;
	else if (i < 0x10000 + 32)
		v = 1ULL << (i - 0x10000);
	else
		v = (uint64_t)(i * 2654435761U); /* scattered 32-bit values */
	return v | high[i % 3];
}

/*
 * The argument rules, checked value by value on the program: each call must
 * pass exactly when its argument's low 32 bits are allowed, whatever the
 * high bits (the complement rules of seccomp_add_not_in() and personality).
 */
START_TEST(test_program_argument_rules)
{
	const uint32_t eperm = RET_ERRNO(EPERM);
	struct plugin pl;
	struct sock_filter *f;
	char failures[4096] = "";
	size_t len, off = 0;
	unsigned n = 0x10000 + 32 + 20000;

	if (seccomp_arch_native() != SCMP_ARCH_X86_64)
		return;
	f = default_program(&pl, &len);
	for (unsigned i = 0; i < n && off < sizeof(failures) - 200; i++) {
		uint64_t v = sweep_value(i);
		uint32_t lo = (uint32_t)v;
		struct fake_data d = { .arch = ARCH_X86_64 };
		uint32_t got, want;

		d.nr = SYS_ioctl;
		d.args[0] = 1;
		d.args[1] = v;
		got = bpf_run(f, len, &d);
		want = lo == TIOCSTI || lo == TIOCLINUX ? eperm : RET_ALLOW;
		if (got != want)
			off += (size_t)snprintf(failures + off, sizeof(failures) - off,
						"ioctl 0x%llx: 0x%x\n", (unsigned long long)v, got);

		d.nr = SYS_socket;
		d.args[0] = v;
		d.args[1] = SOCK_STREAM;
		d.args[2] = 0;
		got = bpf_run(f, len, &d);
		want = lo == AF_UNIX || lo == AF_INET || lo == AF_INET6 || lo == AF_NETLINK
			       ? RET_ALLOW
			       : eperm;
		if (got != want)
			off += (size_t)snprintf(failures + off, sizeof(failures) - off,
						"socket family 0x%llx: 0x%x\n",
						(unsigned long long)v, got);

		d.nr = SYS_socketpair;
		got = bpf_run(f, len, &d);
		if (got != want)
			off += (size_t)snprintf(failures + off, sizeof(failures) - off,
						"socketpair family 0x%llx: 0x%x\n",
						(unsigned long long)v, got);

		d.nr = SYS_socket;
		d.args[0] = AF_NETLINK;
		d.args[2] = v;
		got = bpf_run(f, len, &d);
		want = lo == NETLINK_ROUTE   ? RET_ALLOW
		       : lo == NETLINK_AUDIT ? RET_ERRNO(EAFNOSUPPORT)
					     : eperm;
		if (got != want)
			off += (size_t)snprintf(failures + off, sizeof(failures) - off,
						"socket AF_NETLINK protocol 0x%llx: 0x%x\n",
						(unsigned long long)v, got);

		d.nr = SYS_personality;
		d.args[0] = v;
		got = bpf_run(f, len, &d);
		want = lo == 0 || lo == 8 || lo == 0x20000 || lo == 0x20008 || lo == 0xffffffff
			       ? RET_ALLOW
			       : eperm;
		if (got != want)
			off += (size_t)snprintf(failures + off, sizeof(failures) - off,
						"personality 0x%llx: 0x%x\n", (unsigned long long)v,
						got);

		d.nr = SYS_clone;
		d.args[0] = v;
		got = bpf_run(f, len, &d);
		want = lo & (CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC |
			     CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET)
			       ? eperm
			       : RET_ALLOW;
		if (got != want)
			off += (size_t)snprintf(failures + off, sizeof(failures) - off,
						"clone 0x%llx: 0x%x\n", (unsigned long long)v, got);
	}
	free(f);
	plugin_free(&pl);
	ck_assert_msg(failures[0] == '\0', "the argument rules answer:\n%s", failures);
}
END_TEST

/* ------------------------------------------------------------------ tests */

START_TEST(test_probe)
{
	struct plugin pl;
	struct joblet_error *e = NULL;

	ck_assert_int_eq(plugin_load(&pl, NULL, NULL), 0);
	ck_assert_ptr_nonnull(pl.ops->probe);
	ck_assert_msg(pl.ops->probe(&e) == 0, "probe: %s", joblet_error_message(e));
	plugin_free(&pl);
}
END_TEST

START_TEST(test_denied_fail_with_eperm)
{
	struct plugin pl;

	plugin_prepare(&pl, NULL);
	run_filtered(&pl, all_denied);
	plugin_free(&pl);
}
END_TEST

START_TEST(test_ordinary_work_and_shim_steps)
{
	struct plugin pl;

	plugin_prepare(&pl, NULL);
	run_filtered(&pl, ordinary_work);
	plugin_free(&pl);
}
END_TEST

/* In kill mode every denied call ends its process with SIGSYS: the filter's doing. */
START_TEST(test_denied_kill_with_sigsys)
{
	struct plugin pl;
	char failures[8192] = "";
	size_t off = 0;

	plugin_prepare(&pl, "      default_action: kill\n");
	for (size_t i = 0; i < ELEMENTSOF(denied); i++) {
		const struct call *c = &denied[i];
		int status;
		pid_t pid = fork();

		ck_assert_int_ge(pid, 0);
		if (pid == 0) {
			long r;

			child_enter(&pl);
			errno = 0;
			r = syscall(c->nr, c->a[0], c->a[1], c->a[2], c->a[3], c->a[4], c->a[5]);
			/* 4: the errno expected; 5: something else. */
			_exit(r == -1 && errno == c->err ? 4 : 5);
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		if (keeps_errno(c) ? WIFEXITED(status) && WEXITSTATUS(status) == 4
				   : WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
			continue;
		off += (size_t)snprintf(failures + off, sizeof(failures) - off, "%s: %s %d\n",
					c->what, WIFEXITED(status) ? "exit" : "signal",
					WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
		if (off >= sizeof(failures))
			break;
	}
	ck_assert_msg(failures[0] == '\0', "not killed by the filter:\n%s", failures);
	/* ... and an ordinary call still is not. */
	{
		int status;
		pid_t pid = fork();

		if (pid == 0) {
			child_enter(&pl);
			_exit(getpid() == (pid_t)syscall(SYS_getpid) && fork_exec_true() == 0 ? 0
											      : 1);
		}
		ck_assert_int_eq(waitpid(pid, &status, 0), pid);
		ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	plugin_free(&pl);
}
END_TEST

#if defined(__x86_64__)
START_TEST(test_i386_entry_point)
{
	struct plugin pl;

	plugin_prepare(&pl, NULL);
	run_filtered(&pl, i386_checks);
	plugin_free(&pl);
}
END_TEST

START_TEST(test_x32_entry_point)
{
	struct plugin pl;

	plugin_prepare(&pl, NULL);
	run_filtered(&pl, x32_checks);
	plugin_free(&pl);
}
END_TEST
#endif

static void allowed_by_settings(void)
{
	/* Allowed: the kernel's own answer comes back. */
	errno = 0;
	want(syscall(SYS_ptrace, 0x7fff, -1, 0, 0) == -1 && errno != EPERM,
	     "ptrace is still refused (%s)", strerror(errno));
	errno = 0;
	want(syscall(SYS_keyctl, 0x7fff) == -1 && errno == EOPNOTSUPP, "keyctl: %s",
	     strerror(errno));
	/* A call the profile does not list is added: the kernel answers, not ENOSYS. */
	errno = 0;
	want(syscall(SYS_sysfs, 1, 0, 0) == -1 && errno == EFAULT, "sysfs: %s", strerror(errno));
	/* The rest of the profile stays. */
	errno = 0;
	want(syscall(SYS_bpf, 0x7fff, 0, 0) == -1 && errno == EPERM, "bpf: %s", strerror(errno));
	errno = 0;
	want(syscall(SYS_ioctl, NULLFD, TIOCSTI, &c_x) == -1 && errno == EPERM, "TIOCSTI: %s",
	     strerror(errno));
}

START_TEST(test_allow_setting)
{
	struct plugin pl;

	/* Commas, blanks, a name the profile allows already (a warning), one it does not list. */
	plugin_prepare(&pl, "      allow: \"ptrace,  keyctl read sysfs\"\n");
	run_filtered(&pl, allowed_by_settings);
	plugin_free(&pl);
}
END_TEST

static void expect_refused(const char *settings, const char *needle)
{
	struct plugin pl;
	struct joblet_error *e = NULL;
	int r = plugin_load(&pl, settings, &e);

	ck_assert_msg(r < 0, "`%s` was accepted", settings);
	ck_assert_ptr_nonnull(e);
	ck_assert_msg(strstr(e->message, needle), "`%s` not in: %s", needle, e->message);
	joblet_error_free(e);
	plugin_free(&pl);
}

START_TEST(test_setting_mistakes)
{
	expect_refused("      allow: \"ptrace, frobnicate\"\n",
		       "allow: `frobnicate` is not a system call");
	expect_refused("      allow: \"ptrace; rm\"\n", "`ptrace;` is not a system call name");
	expect_refused("      allow: [ptrace]\n", "must be a single value");
	expect_refused("      allow: clone3\n", "`clone3` cannot be filtered by its flags");
	expect_refused("      default_action: log\n", "default_action: `log` is not an action");
	expect_refused("      deny: bpf\n", "`deny` is not a setting of isolation/seccomp");
}
END_TEST

START_TEST(test_prepare_then_cleanup)
{
	struct plugin pl;

	/* Prepared but never started (a later layer failed): cleanup frees it all. */
	plugin_prepare(&pl, "      allow: \"clone3 clone unshare\"\n      default_action: errno\n");
	plugin_free(&pl);
}
END_TEST

/* Cases that cannot run here, with why: printed as TAP skips after the suite. */
static const char *skipped[16], *skipped_why[16];
static unsigned n_skipped;

#define add_if(tc, cond, fn, why)                                                                  \
	do {                                                                                       \
		if (cond)                                                                          \
			tcase_add_test(tc, fn);                                                    \
		else if (n_skipped < 16) {                                                         \
			skipped[n_skipped] = #fn;                                                  \
			skipped_why[n_skipped++] = (why);                                          \
		}                                                                                  \
	} while (0)

static Suite *seccomp_suite(bool can_load)
{
	Suite *s = suite_create("seccomp");
	TCase *tc = tcase_create("filter");
	const char *no_filter = "this process cannot load a seccomp filter (valgrind?)";

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, jl_tmp_setup, jl_tmp_teardown);
	tcase_add_test(tc, test_probe);
	tcase_add_test(tc, test_program_other_abis);
	tcase_add_test(tc, test_program_argument_rules);
	add_if(tc, can_load, test_denied_fail_with_eperm, no_filter);
	add_if(tc, can_load, test_ordinary_work_and_shim_steps, no_filter);
	add_if(tc, can_load, test_denied_kill_with_sigsys, no_filter);
#if defined(__x86_64__)
	add_if(tc, can_load, test_x32_entry_point, no_filter);
	add_if(tc, can_load && have_i386(), test_i386_entry_point,
	       can_load ? "no i386 system calls on this host" : no_filter);
#endif
	add_if(tc, can_load, test_allow_setting, no_filter);
	tcase_add_test(tc, test_setting_mistakes);
	tcase_add_test(tc, test_prepare_then_cleanup);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	/* What probe() asks libseccomp: level 4 is filter mode with KILL_PROCESS and TSYNC. */
	bool can_load = seccomp_api_get() >= 4;
	int rc;

	if (!can_load && under_valgrind())
		seccomp_api_set(4); /* build and generate filters all the same (never loaded) */
	rc = jl_run_suite(seccomp_suite(can_load));
	for (unsigned i = 0; i < n_skipped; i++)
		printf("ok - %s # SKIP %s\n", skipped[i], skipped_why[i]);
	return rc;
}
