/*
 * child.c - the job's first process, from clone() to execve() of the job's
 * command: stdio, the release by the supervisor, the isolation layers'
 * child hooks, the working folder, the environment, the job's user and no
 * privileges, the parent-death signal; then it forks: the child execs the
 * job's command with no inherited fds, the first process stays as the
 * job's init (init.c).
 *
 * Anything that fails is written to the report pipe (close-on-exec, so the
 * supervisor reads EOF once the exec succeeded and init closed its end) and
 * ends the process with 127; the supervisor records the job as failed to
 * start with that text.
 */
#include <config.h>

#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/util.h"
#include "job/job.h"
#include "shim/shim.h"
#include "job/job_spec.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Report a failure to the shim and end. */
static __attribute__((noreturn)) void child_fail(int report_fd, const char *msg)
{
	/* Nothing to do when even the report cannot be written: the exit status tells. */
	(void)jl_write_all(report_fd, msg, strlen(msg));
	_exit(127);
}

static void child_failf(int report_fd, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 2, 3)));
static void child_failf(int report_fd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	child_fail(report_fd, msg);
}

/* ------------------------------------------------------------------ environment */

/* Remove KEY=... (the key of entry) from env, if there. */
static void env_unset_key_of(char **env, const char *entry)
{
	size_t klen = strcspn(entry, "=");

	for (size_t i = 0; env[i]; i++)
		if (strncmp(env[i], entry, klen) == 0 && env[i][klen] == '=') {
			free(env[i]);
			for (size_t j = i; env[j]; j++)
				env[j] = env[j + 1];
			return;
		}
}

/* The job's environment: runtime's, then the job's own, then joblet's fixed ones. */
static char **job_environment(const struct joblet_job *job, const char *workdir)
{
	const struct jl_job_spec *spec = jl_job_get_spec(job);
	char **env = calloc(1, sizeof(char *));
	_cleanup_free_ char *id = jl_strdup_printf("JOBLET_JOB_ID=%s", joblet_job_id(job));
	bool have_path = false, have_home = false;

	if (!env || !id)
		return env;
	for (char *const *e = jl_job_runtime_env(job); e && *e; e++)
		jl_strv_push(&env, *e);
	/* The job's own values win over the runtime's, secret ones over plain ones. */
	for (int pass = 0; pass < 2; pass++)
		for (char **e = pass ? spec->secret_env : spec->env; e && *e; e++) {
			env_unset_key_of(env, *e);
			jl_strv_push(&env, *e);
		}
	for (size_t i = 0; env[i]; i++) {
		have_path |= jl_startswith(env[i], "PATH=");
		have_home |= jl_startswith(env[i], "HOME=");
	}
	if (!have_path)
		jl_strv_push(&env, "PATH=" DEFAULT_PATH);
	if (!have_home) {
		_cleanup_free_ char *home = jl_strdup_printf("HOME=%s", workdir);

		if (home)
			jl_strv_push(&env, home);
	}
	jl_strv_push(&env, id);
	return env;
}

static const char *env_get(char **env, const char *key)
{
	size_t n = strlen(key);

	for (; env && *env; env++)
		if (strncmp(*env, key, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

/* execve with a PATH search in the job's own PATH. */
static __attribute__((noreturn)) void exec_job(int report_fd, char **argv, char **env)
{
	const char *path = env_get(env, "PATH");
	char buf[4096];
	int saved = ENOENT;

	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, env);
		child_failf(report_fd, "cannot execute `%s`: %s", argv[0], strerror(errno));
	}
	for (const char *p = path ? path : DEFAULT_PATH; *p;) {
		size_t len = strcspn(p, ":");

		if (len > 0 && len + strlen(argv[0]) + 2 < sizeof(buf)) {
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p, argv[0]);
			execve(buf, argv, env);
			if (errno != ENOENT && errno != ENOTDIR)
				saved = errno;
		}
		p += len;
		if (*p == ':')
			p++;
	}
	child_failf(report_fd, "cannot execute `%s`: %s (searched PATH=%s)", argv[0],
		    strerror(saved), path ? path : DEFAULT_PATH);
}

/* ------------------------------------------------------------------ privileges */

/* Root's way down: no bounding set, the job's uid and gid, no capabilities at all. */
static void drop_root(uid_t uid, gid_t gid, int report_fd)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];
	_cleanup_free_ char *last_text = jl_read_line_file("/proc/sys/kernel/cap_last_cap");
	int64_t last = 40;

	/* Unreadable: 40 (CAP_CHECKPOINT_RESTORE); a drop past the kernel's last is EINVAL. */
	if (!last_text || jl_parse_int64(last_text, &last) < 0)
		last = 40;
	/* The bounding set first: that needs CAP_SETPCAP, gone after setuid. */
	for (int64_t c = 0; c <= last; c++)
		if (prctl(PR_CAPBSET_DROP, (unsigned long)c, 0, 0, 0) < 0 && errno != EINVAL)
			child_failf(report_fd, "cannot drop capability %lld: %s", (long long)c,
				    strerror(errno));
	if (setgroups(1, &gid) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		child_failf(report_fd, "cannot switch to uid %u gid %u: %s", uid, gid,
			    strerror(errno));
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d) < 0)
		child_failf(report_fd, "cannot clear capabilities: %s", strerror(errno));
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		child_failf(report_fd, "cannot clear ambient capabilities: %s", strerror(errno));
	if (getuid() == 0 || geteuid() == 0)
		child_fail(report_fd, "still root after switching users; refusing to run the job");
}

static void drop_privileges(const struct joblet_job *job, int report_fd)
{
	struct rlimit core0 = { 0, 0 }, nofile = { 1024, 1024 };

	if (setrlimit(RLIMIT_CORE, &core0) < 0 || setrlimit(RLIMIT_NOFILE, &nofile) < 0)
		child_failf(report_fd, "cannot set rlimits: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_failf(report_fd, "cannot set no_new_privs: %s", strerror(errno));
	if (geteuid() == 0)
		drop_root(joblet_job_uid(job), joblet_job_gid(job), report_fd);
}

/* Mark every fd above 2 close-on-exec (the report pipe must live until exec). */
static void close_fds_on_exec(int report_fd)
{
	_cleanup_closedir_ DIR *d = NULL;

	if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return;
	d = opendir("/proc/self/fd");
	if (!d)
		child_failf(report_fd, "cannot close inherited fds: %s", strerror(errno));
	for (struct dirent *de; (de = readdir(d));) {
		int64_t fd;

		/* An fd that is gone by now needs no flag: F_SETFD's failure does not matter. */
		if (jl_parse_int64(de->d_name, &fd) == 0 && fd > 2 && fd != dirfd(d))
			(void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	}
}

/* ------------------------------------------------------------------ the steps */

/* stdin /dev/null, stdout and stderr the pipes; then wait until the supervisor placed us. */
static void child_stdio_and_wait(const struct shim_child *c)
{
	char go;
	ssize_t n;
	int nullfd;

	/* The supervisor dies: so do we (until setresuid clears it: child_watch_parent). */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nullfd < 0 || dup2(nullfd, 0) < 0 || dup2(c->out_fd, 1) < 0 || dup2(c->err_fd, 2) < 0)
		child_failf(c->report_fd, "cannot set up stdin/stdout/stderr: %s", strerror(errno));
	/* Wait until the shim has placed us (cgroups, attach hooks). */
	do
		n = read(c->sync_fd, &go, 1);
	while (n < 0 && errno == EINTR);
	/* No byte: the supervisor gave up on us and reports why itself. */
	if (n != 1)
		_exit(127);
	/* Already a session leader when it fails: then nothing is to be done. */
	(void)setsid();
}

/* The cgroup namespace and every layer's child hook (namespaces, root, seccomp...). */
static void child_isolate(const struct shim_child *c)
{
	struct joblet_error *e = NULL;

	if (jl_job_cgroup_ns_begin(c->job, &e) < 0)
		child_failf(c->report_fd, "%s", joblet_error_message(e));
	if (shim_stack_child(c->stack, c->job, &e) < 0)
		child_failf(c->report_fd, "%s", joblet_error_message(e));
	/* A layer that announced it would place the process but never said so. */
	if (jl_job_make_cgroup_ns(c->job, &e) < 0)
		child_failf(c->report_fd, "%s (after the isolation layers' child hooks)",
			    joblet_error_message(e));
}

/*
 * The job's working folder.  Without a layer that gave the job its own root
 * (isolation/none), its /work is the host folder STATE/jobs/ID/work: entered
 * now, while we still are root (the state folder is root's, 0700), and
 * written into buf.  Else entered after dropping privileges (*ret_entered
 * false).
 */
static const char *child_workdir(const struct shim_child *c, char *buf, size_t size,
				 bool *ret_entered)
{
	const char *workdir = joblet_job_workdir(c->job);
	struct stat root;

	*ret_entered = false;
	if (stat("/", &root) < 0 || root.st_dev != c->host_root.st_dev ||
	    root.st_ino != c->host_root.st_ino || !jl_startswith(workdir, "/work") ||
	    (workdir[5] != '\0' && workdir[5] != '/'))
		return workdir;
	snprintf(buf, size, "%s%s", joblet_job_work_dir(c->job), workdir + 5);
	if (chdir(buf) < 0)
		child_failf(c->report_fd, "cannot enter the working folder `%s`: %s",
			    joblet_job_workdir(c->job), strerror(errno));
	*ret_entered = true;
	return buf;
}

/*
 * The supervisor dies: so does the job's init, and with it the job.  Set
 * once the credentials are final (changing them clears the parent-death
 * signal), then checked: the supervisor may have died before.  getppid()
 * cannot tell in a pid namespace (our parent is outside: 0 throughout);
 * the sync pipe can: the supervisor holds its write end until it ends.
 */
static void child_watch_parent(const struct shim_child *c, pid_t parent)
{
	struct pollfd p = { c->sync_fd, POLLIN, 0 };

	/* Until init blocks it, SHIM_INIT_PARENT_GONE's default action ends us as SIGKILL would. */
	if (prctl(PR_SET_PDEATHSIG, getpid() == 1 ? SIGKILL : SHIM_INIT_PARENT_GONE, 0, 0, 0) < 0)
		child_failf(c->report_fd, "cannot set the parent-death signal: %s",
			    strerror(errno));
	if (getppid() != parent || (poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR))))
		_exit(127);
}

/*
 * Fork the job's command in a process group of its own; we stay as its
 * init (init.c).  The signals init waits for are blocked first, so none is
 * lost between the fork and init's loop; the child unblocks them.
 */
static __attribute__((noreturn)) void child_start_job(const struct shim_child *c, char **env)
{
	sigset_t set, none;
	pid_t pid;

	shim_init_signals(&set);
	sigemptyset(&none);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* Without a pid namespace of the job's own, orphans come to init all the same. */
	if (getpid() != 1)
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	/* Named before the job exists: its first look at /proc/1 sees no host path. */
	shim_init_name();
	pid = fork();
	if (pid < 0)
		child_failf(c->report_fd, "cannot start the job's process: %s", strerror(errno));
	if (pid == 0) {
		/* Both sides set the group: whichever runs first, it exists before any signal. */
		(void)setpgid(0, 0);
		sigprocmask(SIG_SETMASK, &none, NULL);
		close_fds_on_exec(c->report_fd);
		exec_job(c->report_fd, jl_job_get_spec(c->job)->argv, env);
	}
	(void)setpgid(pid, pid);
	shim_init_main(pid, c->status_fd, &set, c->signals_all);
}

void shim_child_main(const struct shim_child *c)
{
	char cwd[4096], host_workdir[4096];
	pid_t parent = getppid();
	const char *workdir;
	sigset_t none;
	bool entered;
	char **env;

	/* Undo what the supervisor set for itself: no signal blocked or ignored in the job. */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	child_stdio_and_wait(c);
	child_isolate(c);
	workdir = child_workdir(c, host_workdir, sizeof(host_workdir), &entered);
	env = job_environment(c->job, workdir);
	if (!env)
		child_fail(c->report_fd, "out of memory");
	drop_privileges(c->job, c->report_fd);
	child_watch_parent(c, parent);
	if (!entered && chdir(workdir) < 0)
		child_failf(c->report_fd, "cannot enter the working folder `%s`: %s",
			    joblet_job_workdir(c->job), strerror(errno));
	if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
		child_failf(c->report_fd, "the working folder `%s` is not inside the job's root",
			    joblet_job_workdir(c->job));
	child_start_job(c, env);
}
