/*
 * probe.c - the hostile job: one attack per subcommand, run as a joblet job
 * by test_hostile.sh.  Statically linked, uploaded into /work.
 *
 * Every check prints "ok - WHAT" when the attack failed as it must, or
 * "FAIL - WHAT: DETAIL" when it got through; the exit status is 0 when
 * nothing got through, 1 otherwise, 2 for a usage error.  Nothing here
 * writes a value that would harm the host if an attack succeeded: kernel
 * files are opened for writing but never written, signals are 0 or
 * SIGCONT, files get unique names and are removed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "../probe_check.h"
#include "../seccomp_abi.h"

/* open() for writing must fail; never writes.  Returns the errno (0 if it opened). */
static int try_open_write(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOCTTY);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return errno;
}

/* Create and remove a file: 0 when that worked, else errno. */
static int try_create(const char *dir)
{
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/.joblet-probe-%d-%ld", dir, getpid(), (long)time(NULL));
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno;
	close(fd);
	unlink(path);
	return 0;
}

/* Append word and a space to a fixed buffer, cutting off what does not fit. */
static void append_word(char *buf, size_t size, const char *word)
{
	size_t n = strlen(buf);

	if (n < size)
		snprintf(buf + n, size - n, "%s ", word);
}

static char *read_text(const char *path)
{
	static char buf[1 << 16];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n, got = 0;

	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf + got, sizeof(buf) - 1 - (size_t)got)) > 0)
		got += n;
	close(fd);
	buf[got] = '\0';
	return buf;
}

static const char *status_field(const char *status, const char *key, char *out, size_t n)
{
	const char *p = strstr(status, key);

	if (!p)
		return NULL;
	p += strlen(key);
	while (*p == ' ' || *p == '\t')
		p++;
	snprintf(out, n, "%.*s", (int)strcspn(p, "\n"), p);
	return out;
}

/* ------------------------------------------------------------------ cases */

static void case_pids(int argc, char **argv)
{
	pid_t host = (pid_t)probe_arg(argc, argv, 0, 0);
	char *cmd;
	int n = 0;
	DIR *d;

	ok(getpid() == 2 && getppid() == 1,
	   "the job is pid 2 of its own pid namespace, under joblet's init (pid 1)",
	   "getpid() = %d, getppid() = %d", getpid(), getppid());
	if (host > 1) {
		int r = kill(host, 0);

		ok(r < 0 && errno == ESRCH, "a host process cannot be signalled",
		   "kill(%d, 0) = %d (%s)", host, r, strerror(errno));
	}
	d = opendir("/proc");
	for (struct dirent *de; d && (de = readdir(d));)
		if (de->d_name[0] >= '1' && de->d_name[0] <= '9')
			n++;
	if (d)
		closedir(d);
	ok(n > 0 && n < 8, "only the job's processes are in /proc", "%d processes visible", n);
	cmd = read_text("/proc/1/cmdline");
	ok(cmd && strncmp(cmd, "joblet-init", 11) == 0 && !strchr(cmd, '/'),
	   "/proc/1 is joblet-init and names no host path", "cmdline `%s`", cmd ? cmd : "?");
}

static void case_ns(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		char name[32], path[64], link[128], what[128];
		const char *colon = strchr(argv[i], ':');
		ssize_t n;

		if (!colon)
			continue;
		snprintf(name, sizeof(name), "%.*s", (int)(colon - argv[i]), argv[i]);
		snprintf(path, sizeof(path), "/proc/self/ns/%s", name);
		n = readlink(path, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = '\0';
		snprintf(what, sizeof(what), "the %s namespace differs from the host's", name);
		ok(n > 0 && strstr(link, colon + 1) == NULL, what, "job %s, host %s", link,
		   colon + 1);
	}
}

static void case_root(int argc, char **argv)
{
	const char *marker = argc > 0 ? argv[0] : "/nonexistent-marker";
	char cwd[4096], line[4096], via_proc[4200];
	struct stat st;
	FILE *f;
	bool root_is_tmpfs = false;

	ok(stat(marker, &st) < 0 && errno == ENOENT, "a host file is not visible",
	   "stat(%s) worked", marker);
	for (int i = 0; i < 64; i++)
		if (chdir("..") < 0)
			break;
	ok(getcwd(cwd, sizeof(cwd)) && strcmp(cwd, "/") == 0, "`..` stops at the job's root",
	   "cwd %s", cwd);
	ok(stat(marker, &st) < 0, "`..` does not reach the host", "stat(%s) worked", marker);
	ok(chroot("/tmp") < 0 && errno == EPERM, "chroot is refused", "chroot: %s",
	   strerror(errno));
	for (int i = 0; i < 64; i++)
		if (chdir("..") < 0)
			break;
	ok(stat(marker, &st) < 0, "no chroot escape reaches the host", "stat(%s) worked", marker);
	snprintf(via_proc, sizeof(via_proc), "/proc/1/root%s", marker);
	ok(stat(via_proc, &st) < 0, "/proc/1/root is the job's root", "stat(%s) worked", via_proc);
	f = fopen("/proc/self/mountinfo", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char mp[4096], fstype[64];
		const char *dash = strstr(line, " - ");

		if (sscanf(line, "%*s %*s %*s %*s %4095s", mp) == 1 && strcmp(mp, "/") == 0 &&
		    dash && sscanf(dash + 3, "%63s", fstype) == 1)
			root_is_tmpfs = strcmp(fstype, "tmpfs") == 0;
	}
	if (f)
		fclose(f);
	ok(root_is_tmpfs, "the job's / is its own tmpfs, not the host's root", "see mountinfo");
	ok(umount2("/", MNT_DETACH) < 0, "the job cannot unmount its root", "umount2 worked");
}

static void case_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	char list[512] = "";
	bool only = true;

	for (struct dirent *de; d && (de = readdir(d));) {
		long fd;

		if (de->d_name[0] == '.')
			continue;
		fd = strtol(de->d_name, NULL, 10);
		if (fd == dirfd(d))
			continue;
		if (fd > 2)
			only = false;
		append_word(list, sizeof(list), de->d_name);
	}
	if (d)
		closedir(d);
	ok(d && only, "only fds 0, 1 and 2 reach the job", "open fds: %s", list);
}

static void case_privs(void)
{
	static const char *const caps[] = { "CapInh:", "CapPrm:", "CapEff:", "CapBnd:", "CapAmb:" };
	char *status = read_text("/proc/self/status");
	char v[128], what[64];
	unsigned u[4] = { 0 }, g[4] = { 0 };

	if (!status) {
		ok(false, "read /proc/self/status", "%s", strerror(errno));
		return;
	}
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		snprintf(what, sizeof(what), "%.6s is empty", caps[i]);
		ok(status_field(status, caps[i], v, sizeof(v)) &&
			   strcmp(v, "0000000000000000") == 0,
		   what, "%s", v);
	}
	ok(status_field(status, "NoNewPrivs:", v, sizeof(v)) && strcmp(v, "1") == 0,
	   "NoNewPrivs is 1", "%s", v);
	status_field(status, "Uid:", v, sizeof(v));
	sscanf(v, "%u %u %u %u", &u[0], &u[1], &u[2], &u[3]);
	ok(u[0] && u[1] && u[2] && u[3], "the job does not run as root (any uid)", "Uid: %s", v);
	status_field(status, "Gid:", v, sizeof(v));
	sscanf(v, "%u %u %u %u", &g[0], &g[1], &g[2], &g[3]);
	ok(g[0] && g[1] && g[2] && g[3], "the job's gids are not root's", "Gid: %s", v);
	ok(setuid(0) < 0, "setuid(0) fails", "setuid(0) worked");
	ok(getgroups(0, NULL) <= 1, "at most one supplementary group", "%d groups",
	   getgroups(0, NULL));
}

static void case_readonly(void)
{
	static const char *const ro[] = { "/",	  "/usr", "/usr/bin", "/etc", "/etc/ssl",
					  "/bin", "/lib", "/dev",     "/sbin" };
	static const char *const rw[] = { "/work", "/tmp", "/dev/shm" };
	char what[4200], line[4096];
	FILE *f;

	for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		int e = try_create(ro[i]);

		snprintf(what, sizeof(what), "writing in %s fails with EROFS", ro[i]);
		ok(e == EROFS, what, "%s", e ? strerror(e) : "the file was created");
	}
	ok(try_open_write("/etc/passwd") == EROFS || try_open_write("/etc/passwd") == EACCES,
	   "/etc/passwd cannot be opened for writing", "%s",
	   strerror(try_open_write("/etc/passwd")));
	for (size_t i = 0; i < sizeof(rw) / sizeof(rw[0]); i++) {
		int e = try_create(rw[i]);

		snprintf(what, sizeof(what), "%s is writable", rw[i]);
		ok(e == 0, what, "%s", strerror(e));
	}
	/* Every mount nosuid; nodev except where the device nodes live. */
	f = fopen("/proc/self/mountinfo", "re");
	while (f && fgets(line, sizeof(line), f)) {
		char root[4096], mp[4096], opts[512];

		if (sscanf(line, "%*s %*s %*s %4095s %4095s %511s", root, mp, opts) != 3)
			continue;
		snprintf(what, sizeof(what), "%s is mounted nosuid", mp);
		ok(strstr(opts, "nosuid") != NULL, what, "options %s", opts);
		if (strcmp(mp, "/dev") != 0 && strcmp(mp, "/dev/pts") != 0 &&
		    strcmp(root, "/null") != 0) {
			snprintf(what, sizeof(what), "%s is mounted nodev", mp);
			ok(strstr(opts, "nodev") != NULL, what, "options %s", opts);
		}
		snprintf(what, sizeof(what), "%s does not propagate to or from the host", mp);
		ok(strstr(line, "shared:") == NULL && strstr(line, "master:") == NULL, what, "%s",
		   line);
	}
	if (f)
		fclose(f);
}

static void case_procfs(void)
{
	static const char *const unwritable[] = {
		"/proc/sysrq-trigger", "/proc/sys/kernel/core_pattern", "/proc/sys/kernel/hostname",
		"/proc/sys/vm/drop_caches", "/proc/sys/kernel/modprobe"
	};
	static const char *const empty[] = { "/proc/kcore", "/proc/keys", "/proc/timer_list",
					     "/proc/kallsyms", "/proc/sched_debug" };
	char what[128];

	for (size_t i = 0; i < sizeof(unwritable) / sizeof(unwritable[0]); i++) {
		int e = try_open_write(unwritable[i]);

		snprintf(what, sizeof(what), "%s cannot be opened for writing", unwritable[i]);
		ok(e != 0, what, "it opened");
	}
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		char buf[64];
		int fd = open(empty[i], O_RDONLY | O_CLOEXEC);
		ssize_t n = fd >= 0 ? read(fd, buf, sizeof(buf)) : 0;

		if (fd >= 0)
			close(fd);
		snprintf(what, sizeof(what), "%s shows nothing", empty[i]);
		ok(n <= 0, what, "read %zd bytes", n);
	}
	mkdir("/tmp/probe-proc", 0700);
	ok(mount("proc", "/tmp/probe-proc", "proc", 0, NULL) < 0, "a new procfs cannot be mounted",
	   "mount worked");
	rmdir("/tmp/probe-proc");
}

static void case_dev(void)
{
	static const char *const allowed[] = { "null",	"zero",	  "full",  "random", "urandom",
					       "tty",	"pts",	  "ptmx",  "shm",    "fd",
					       "stdin", "stdout", "stderr" };
	DIR *d = opendir("/dev");
	char extra[512] = "";
	int fd;

	for (struct dirent *de; d && (de = readdir(d));) {
		bool known = de->d_name[0] == '.';

		for (size_t i = 0; !known && i < sizeof(allowed) / sizeof(allowed[0]); i++)
			known = strcmp(de->d_name, allowed[i]) == 0;
		if (!known)
			append_word(extra, sizeof(extra), de->d_name);
	}
	if (d)
		closedir(d);
	ok(d && extra[0] == '\0', "/dev holds only the allow-list", "extra entries: %s", extra);
	ok(mknod("/tmp/probe-null", S_IFCHR | 0666, makedev(1, 3)) < 0 && errno == EPERM,
	   "mknod in /tmp fails with EPERM", "%s", strerror(errno));
	unlink("/tmp/probe-null");
	ok(mknod("/work/probe-null", S_IFCHR | 0666, makedev(1, 3)) < 0 && errno == EPERM,
	   "mknod in /work fails with EPERM", "%s", strerror(errno));
	unlink("/work/probe-null");
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
	ok(fd < 0 && errno == ENXIO, "there is no controlling terminal", "open(/dev/tty): %s",
	   fd < 0 ? strerror(errno) : "opened");
	if (fd >= 0)
		close(fd);
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	ok(fd >= 0, "/dev/null works", "%s", strerror(errno));
	if (fd >= 0)
		close(fd);
	ok(access("/dev/sda", F_OK) < 0 && access("/dev/vda", F_OK) < 0 &&
		   access("/dev/kmsg", F_OK) < 0 && access("/dev/mem", F_OK) < 0,
	   "no disk, memory or kernel-log device", "one exists");
}

static void case_cgroupfs(void)
{
	static const char *const files[] = { "/sys/fs/cgroup/cgroup.procs",
					     "/sys/fs/cgroup/memory/cgroup.procs",
					     "/sys/fs/cgroup/pids/cgroup.procs",
					     "/sys/fs/cgroup/unified/cgroup.procs" };
	char what[128], *cg;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(what, sizeof(what), "%s cannot be opened for writing", files[i]);
		ok(try_open_write(files[i]) != 0, what, "it opened");
	}
	mkdir("/tmp/probe-cg", 0700);
	ok(mount("cgroup2", "/tmp/probe-cg", "cgroup2", 0, NULL) < 0, "cgroup2 cannot be mounted",
	   "mount worked");
	ok(mount("cgroup", "/tmp/probe-cg", "cgroup", 0, "memory") < 0,
	   "cgroup v1 cannot be mounted", "mount worked");
	rmdir("/tmp/probe-cg");
	/* The job sits at the root of its cgroup namespace. */
	cg = read_text("/proc/self/cgroup");
	if (cg) {
		bool all_root = true;
		char *save = NULL;

		for (char *line = strtok_r(cg, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			const char *path = strrchr(line, ':');

			if (path && strcmp(path, ":/") != 0)
				all_root = false;
		}
		ok(all_root, "the job's cgroups are the root of its cgroup namespace",
		   "see /proc/self/cgroup");
	}
}

static void case_forkbomb(int argc, char **argv)
{
	int n = (int)probe_arg(argc, argv, 0, 100), made = 0;
	pid_t *kids = calloc((size_t)n, sizeof(pid_t));

	for (int i = 0; i < n; i++) {
		pid_t p = fork();

		if (p == 0) {
			pause();
			_exit(0);
		}
		if (p < 0)
			break;
		kids[made++] = p;
	}
	printf("forked=%d\n", made);
	for (int i = 0; i < made; i++)
		kill(kids[i], SIGKILL);
	while (wait(NULL) > 0)
		;
	free(kids);
}

static void case_memhog(int argc, char **argv)
{
	size_t mb = (size_t)probe_arg(argc, argv, 0, 256);

	for (size_t i = 0; i < mb; i++) {
		char *p = malloc(1 << 20);

		if (!p) {
			printf("malloc failed after %zu MiB\n", i);
			break;
		}
		memset(p, (int)i, 1 << 20);
	}
	printf("survived %zu MiB\n", mb);
	fflush(stdout);
}

static double now(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void case_cpuhog(int argc, char **argv)
{
	double secs = (double)probe_arg(argc, argv, 0, 3);
	double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	volatile unsigned long x = 0;

	while (now(CLOCK_MONOTONIC) - w0 < secs)
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i;
	printf("cpu_ratio=%.3f\n",
	       (now(CLOCK_PROCESS_CPUTIME_ID) - c0) / (now(CLOCK_MONOTONIC) - w0));
}

/* Double-fork into a new session, ignore SIGTERM everywhere, live for ever. */
static void case_stubborn(void)
{
	signal(SIGTERM, SIG_IGN);
	if (fork() == 0) {
		setsid();
		if (fork() == 0) {
			for (;;)
				pause();
		}
		for (;;)
			pause();
	}
	printf("started\n");
	fflush(stdout);
	for (;;)
		pause();
}

static void case_net(int argc, char **argv)
{
	int port = (int)probe_arg(argc, argv, 0, 1);
	const char *other_ip = argc > 1 ? argv[1] : NULL;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct sockaddr_un u = { .sun_family = AF_UNIX };
	char *dev, *save = NULL, what[160];
	int fd, r, lines = 0;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	r = connect(fd, (struct sockaddr *)&a, sizeof(a));
	ok(r < 0 && errno == ECONNREFUSED, "the host's 127.0.0.1 listener is not reachable",
	   "connect: %s", r == 0 ? "connected" : strerror(errno));
	close(fd);
	snprintf(u.sun_path + 1, sizeof(u.sun_path) - 1, "joblet-hostile-%d", port);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	r = connect(fd, (struct sockaddr *)&u,
		    (socklen_t)(sizeof(sa_family_t) + 1 + strlen(u.sun_path + 1)));
	ok(r < 0, "the host's abstract unix socket is not reachable", "connected");
	close(fd);
	if (other_ip) {
		struct sockaddr_in b = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

		if (inet_pton(AF_INET, other_ip, &b.sin_addr) == 1) {
			fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
			r = connect(fd, (struct sockaddr *)&b, sizeof(b));
			snprintf(what, sizeof(what), "the host address %s is not reachable",
				 other_ip);
			ok(r < 0 && (errno == ENETUNREACH || errno == EHOSTUNREACH), what,
			   "connect: %s", r == 0 ? "connected" : strerror(errno));
			close(fd);
		}
	}
	dev = read_text("/proc/net/dev");
	for (char *line = dev ? strtok_r(dev, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		if (strchr(line, ':') && !strstr(line, "lo:"))
			lines++;
	ok(dev && lines == 0, "the only network interface is lo", "%d others", lines);
	/* Loopback works inside the job. */
	{
		struct sockaddr_in l = { .sin_family = AF_INET };
		socklen_t len = sizeof(l);
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), c;

		l.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		r = bind(s, (struct sockaddr *)&l, sizeof(l));
		if (r == 0)
			r = listen(s, 1);
		if (r == 0)
			r = getsockname(s, (struct sockaddr *)&l, &len);
		c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (r == 0)
			r = connect(c, (struct sockaddr *)&l, sizeof(l));
		ok(r == 0, "the job's own loopback works", "%s", strerror(errno));
		close(c);
		close(s);
	}
}

/* Host side of the network case: listen on 127.0.0.1:PORT and an abstract socket. */
static int case_listen(int argc, char **argv)
{
	int port = (int)probe_arg(argc, argv, 0, 0);
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	struct sockaddr_un u = { .sun_family = AF_UNIX };
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0),
	    t = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	snprintf(u.sun_path + 1, sizeof(u.sun_path) - 1, "joblet-hostile-%d", port);
	if (bind(s, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(s, 8) < 0 ||
	    bind(t, (struct sockaddr *)&u,
		 (socklen_t)(sizeof(sa_family_t) + 1 + strlen(u.sun_path + 1))) < 0 ||
	    listen(t, 8) < 0) {
		perror("listen");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	for (;;)
		pause();
}

static void case_env(void)
{
	extern char **environ;

	for (char **e = environ; *e; e++)
		printf("%s\n", *e);
}

/* System calls the seccomp layer refuses (run with it in the stack). */
static void case_seccomp(void)
{
	ok(unshare(CLONE_NEWUSER) < 0, "unshare(CLONE_NEWUSER) fails", "a user namespace was made");
	ok(unshare(CLONE_NEWNS) < 0, "unshare(CLONE_NEWNS) fails", "a mount namespace was made");
	ok(syscall(SYS_keyctl, 0, 0, 0, 0, 0) < 0 && errno == EPERM, "keyctl is refused", "%s",
	   strerror(errno));
	ok(syscall(SYS_bpf, 0, NULL, 0) < 0 && errno == EPERM, "bpf is refused", "%s",
	   strerror(errno));
	ok(syscall(SYS_io_uring_setup, 1, NULL) < 0 && errno == EPERM, "io_uring_setup is refused",
	   "%s", strerror(errno));
	ok(syscall(SYS_ptrace, 0 /* PTRACE_TRACEME */, 0, 0, 0) < 0 && errno == EPERM,
	   "ptrace is refused", "%s", strerror(errno));
	ok(syscall(SYS_clone3, NULL, 0) < 0 && errno == ENOSYS, "clone3 reports ENOSYS", "%s",
	   strerror(errno));
	{
		char c = 'x';

		ok(ioctl(0, TIOCSTI, &c) < 0 && errno == EPERM, "ioctl TIOCSTI is refused", "%s",
		   strerror(errno));
		ok(syscall(SYS_ioctl, 0, TIOCSTI | (1UL << 32), &c) < 0 && errno == EPERM,
		   "ioctl TIOCSTI with high bits set is refused", "%s", strerror(errno));
	}
	/* Every refused call again through each ABI: int $0x80, x32, past the table. */
	seccomp_abi_probe();
}

int main(int argc, char **argv)
{
	const char *c = argc > 1 ? argv[1] : "";
	int n = argc > 2 ? argc - 2 : 0;
	char **rest = argv + 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(c, "pids") == 0)
		case_pids(n, rest);
	else if (strcmp(c, "ns") == 0)
		case_ns(n, rest);
	else if (strcmp(c, "root") == 0)
		case_root(n, rest);
	else if (strcmp(c, "fds") == 0)
		case_fds();
	else if (strcmp(c, "privs") == 0)
		case_privs();
	else if (strcmp(c, "readonly") == 0)
		case_readonly();
	else if (strcmp(c, "procfs") == 0)
		case_procfs();
	else if (strcmp(c, "dev") == 0)
		case_dev();
	else if (strcmp(c, "cgroupfs") == 0)
		case_cgroupfs();
	else if (strcmp(c, "forkbomb") == 0)
		case_forkbomb(n, rest);
	else if (strcmp(c, "memhog") == 0)
		case_memhog(n, rest);
	else if (strcmp(c, "cpuhog") == 0)
		case_cpuhog(n, rest);
	else if (strcmp(c, "stubborn") == 0)
		case_stubborn();
	else if (strcmp(c, "net") == 0)
		case_net(n, rest);
	else if (strcmp(c, "listen") == 0)
		return case_listen(n, rest);
	else if (strcmp(c, "env") == 0)
		case_env();
	else if (strcmp(c, "seccomp") == 0)
		case_seccomp();
	else if (strcmp(c, "hostname") == 0) {
		char h[256] = "";

		gethostname(h, sizeof(h));
		printf("%s\n", h);
	} else {
		fprintf(stderr,
			"usage: probe pids|ns|root|fds|privs|readonly|procfs|dev|cgroupfs|forkbomb N|memhog MB|cpuhog S|stubborn|net PORT [IP]|listen PORT|env|seccomp|hostname\n");
		return 2;
	}
	return probe_failures ? 1 : 0;
}
