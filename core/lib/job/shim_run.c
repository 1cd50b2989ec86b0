/*
 * shim_run.c - the supervisor of one job (jl_shim_run), the body of
 * joblet-shim.
 *
 * The shim is single-threaded and event-driven: one poll(2) over the job's
 * stdout and stderr pipes, a signalfd (SIGCHLD, SIGTERM, SIGINT) and a
 * timerfd (the timeout, then the grace period).  Output is appended to the
 * framed log as it arrives; when the log cannot be written (disk full) the
 * shim stops reading, so the job blocks on its pipe instead of losing
 * bytes, and tries again every second.
 */
#include <config.h>

#include <fcntl.h>
#include <grp.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>

#include <joblet/isolation.h>
#include <joblet/job.h>

#include "job/job_private.h"
#include "base/util.h"
#include "base/log.h"
#include "config/config.h"
#include "job/executor.h"
#include "job/job_log.h"
#include "job/job_spec.h"
#include "plugin/loader.h"
#include "plugin/ops_isolation.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
/* After the job's first process ended, how long to drain pipes others hold open. */
#define DRAIN_AFTER_EXIT_MS 3000

struct layer {
	const struct joblet_plugin *plugin;
	void *state;
	bool prepared;
};

struct stack {
	struct layer layers[16];
	size_t n;
};

static unsigned long long proc_start_time(pid_t pid);

/* The lock file's line: "SHIM" or "SHIM JOB STARTTIME". */
static void lock_note(int fd, pid_t shim, pid_t job)
{
	char line[96];
	int n = job > 0 ? snprintf(line, sizeof(line), "%ld %ld %llu\n", (long)shim, (long)job,
				   proc_start_time(job))
			: snprintf(line, sizeof(line), "%ld\n", (long)shim);

	if (ftruncate(fd, 0) < 0 || pwrite(fd, line, (size_t)n, 0) != n)
		jl_log(JOBLET_LOG_WARNING, NULL, "cannot note our pid in the job's lock file");
}

static int64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ------------------------------------------------------------------ the stack */

/* cfg->isolation_stack as layers. */
static int stack_resolve(const struct jl_config *cfg, const struct jl_plugin_set *set,
			 struct stack *st, struct joblet_error **err)
{
	const struct joblet_plugin *p[ELEMENTSOF(st->layers)];
	size_t n = 0;
	int r;

	memset(st, 0, sizeof(*st));
	r = jl_isolation_stack_resolve(cfg, set, p, ELEMENTSOF(p), &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		st->layers[i].plugin = p[i];
	}
	st->n = n;
	return 0;
}

static int stack_prepare(struct stack *st, struct joblet_job *job, struct joblet_error **err)
{
	for (size_t i = 0; i < st->n; i++) {
		struct layer *l = &st->layers[i];
		int r = jl_isolation_prepare(l->plugin, job, &l->state, err);

		if (r < 0)
			return joblet_error_prefix(err, r, "isolation/%s", l->plugin->name);
		l->prepared = true;
	}
	return 0;
}

static void stack_cleanup(struct stack *st, struct joblet_job *job)
{
	for (size_t i = st->n; i-- > 0;)
		if (st->layers[i].prepared) {
			jl_isolation_cleanup(st->layers[i].plugin, job, st->layers[i].state);
			st->layers[i].prepared = false;
		}
}

/* Signal every process of the job: the first layer that can, else the first process. */
static void stack_kill(struct stack *st, struct joblet_job *job, int pidfd, int sig)
{
	for (size_t i = 0; i < st->n; i++) {
		struct layer *l = &st->layers[i];
		_cleanup_error_ struct joblet_error *e = NULL;

		if (jl_isolation_can_kill(l->plugin)) {
			if (jl_isolation_kill(l->plugin, job, l->state, sig, &e) == 0)
				return;
			jl_log(JOBLET_LOG_WARNING, NULL, "isolation/%s could not signal the job: %s",
				   l->plugin->name, joblet_error_message(e));
		}
	}
	if (pidfd >= 0)
		syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

/* ------------------------------------------------------------------ the child */

/* Report a failure to the shim and end; only for the child before exec. */
static __attribute__((noreturn)) void child_fail(int report_fd, const char *msg)
{
	size_t n = strlen(msg);

	while (n > 0) {
		ssize_t w = write(report_fd, msg, n);

		if (w <= 0)
			break;
		msg += w;
		n -= (size_t)w;
	}
	_exit(127);
}

static void child_failf(int report_fd, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void child_failf(int report_fd, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	child_fail(report_fd, msg);
}

/* The job's environment: runtime's, then the job's own, then joblet's fixed ones. */
static char **job_environment(const struct joblet_job *job, const char *workdir)
{
	char **env = calloc(1, sizeof(char *));
	_cleanup_free_ char *id = jl_strdup_printf("JOBLET_JOB_ID=%s", joblet_job_id(job));
	bool have_path = false, have_home = false;

	if (!env || !id)
		return env;
	if (job->runtime)
		for (char **e = job->runtime->env; e && *e; e++)
			jl_strv_push(&env, *e);
	/* The job's own values win over the runtime's, secret ones over plain ones. */
	for (int pass = 0; pass < 2; pass++)
		for (char **e = pass ? job->spec->secret_env : job->spec->env; e && *e; e++) {
			size_t klen = strcspn(*e, "=");

			for (size_t i = 0; env[i]; i++)
				if (strncmp(env[i], *e, klen) == 0 && env[i][klen] == '=') {
					free(env[i]);
					for (size_t j = i; env[j]; j++)
						env[j] = env[j + 1];
					break;
				}
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
static void exec_job(int report_fd, char **argv, char **env)
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
	child_failf(report_fd, "cannot execute `%s`: %s (searched PATH=%s)", argv[0], strerror(saved),
		    path ? path : DEFAULT_PATH);
}

static void drop_privileges(const struct joblet_job *job, int report_fd)
{
	struct rlimit core0 = { 0, 0 }, nofile = { 1024, 1024 };
	uid_t uid = joblet_job_uid(job);
	gid_t gid = joblet_job_gid(job);

	if (setrlimit(RLIMIT_CORE, &core0) < 0 || setrlimit(RLIMIT_NOFILE, &nofile) < 0)
		child_failf(report_fd, "cannot set rlimits: %s", strerror(errno));
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_failf(report_fd, "cannot set no_new_privs: %s", strerror(errno));
	if (geteuid() == 0) {
		struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
		struct __user_cap_data_struct d[2];
		_cleanup_free_ char *last_text = jl_read_line_file("/proc/sys/kernel/cap_last_cap");
		int64_t last = 40;

		if (last_text)
			jl_parse_int64(last_text, &last);
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

		if (jl_parse_int64(de->d_name, &fd) == 0 && fd > 2 && fd != dirfd(d))
			fcntl((int)fd, F_SETFD, FD_CLOEXEC);
	}
}

static __attribute__((noreturn)) void child_main(struct stack *st, struct joblet_job *job,
						 const struct stat *host_root, int out_fd, int err_fd,
						 int sync_fd, int report_fd)
{
	char go, cwd[4096], host_workdir[4096];
	const char *workdir;
	struct stat root;
	char **env;
	int nullfd;
	ssize_t n;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nullfd < 0 || dup2(nullfd, 0) < 0 || dup2(out_fd, 1) < 0 || dup2(err_fd, 2) < 0)
		child_failf(report_fd, "cannot set up stdin/stdout/stderr: %s", strerror(errno));
	/* Wait until the shim has placed us (cgroups, attach hooks). */
	do
		n = read(sync_fd, &go, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(127);
	setsid();
	/*
	 * The cgroup namespace is rooted where the process is now, unless a
	 * layer moves it in its child hook: then when that layer says so.
	 */
	job->cgroup_ns_pending = (job->clone_flags & CLONE_NEWCGROUP) != 0;
	if (!job->places_in_child) {
		struct joblet_error *e = NULL;

		if (jl_job_make_cgroup_ns(job, &e) < 0)
			child_failf(report_fd, "%s", joblet_error_message(e));
	}
	for (size_t i = 0; i < st->n; i++) {
		struct layer *l = &st->layers[i];
		struct joblet_error *e = NULL;

		if (jl_isolation_child(l->plugin, job, l->state, &e) < 0)
			child_failf(report_fd, "isolation/%s: %s", l->plugin->name, joblet_error_message(e));
	}
	{
		/* A layer that announced it would place the process but never said so. */
		struct joblet_error *e = NULL;

		if (jl_job_make_cgroup_ns(job, &e) < 0)
			child_failf(report_fd, "%s (after the isolation layers' child hooks)",
				    joblet_error_message(e));
	}
	/*
	 * Without a layer that gave the job its own root (isolation/none), its
	 * /work is the host folder STATE/jobs/ID/work.
	 */
	workdir = joblet_job_workdir(job);
	if (stat("/", &root) == 0 && root.st_dev == host_root->st_dev &&
	    root.st_ino == host_root->st_ino && jl_startswith(workdir, "/work") &&
	    (workdir[5] == '\0' || workdir[5] == '/')) {
		snprintf(host_workdir, sizeof(host_workdir), "%s%s", job->work_dir, workdir + 5);
		workdir = host_workdir;
		/* The state folder is root's (0700): enter it while we still are root. */
		if (chdir(workdir) < 0)
			child_failf(report_fd, "cannot enter the working folder `%s`: %s",
				    joblet_job_workdir(job), strerror(errno));
	}
	env = job_environment(job, workdir);
	if (!env)
		child_fail(report_fd, "out of memory");
	drop_privileges(job, report_fd);
	if (workdir != host_workdir && chdir(workdir) < 0)
		child_failf(report_fd, "cannot enter the working folder `%s`: %s",
			    joblet_job_workdir(job), strerror(errno));
	if (!getcwd(cwd, sizeof(cwd)) || cwd[0] != '/')
		child_failf(report_fd, "the working folder `%s` is not inside the job's root",
			    joblet_job_workdir(job));
	close_fds_on_exec(report_fd);
	exec_job(report_fd, job->spec->argv, env);
	_exit(127);
}

/* ------------------------------------------------------------------ cloning */

struct jl_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

/* fork()-like clone with namespace flags; into the job cgroup when asked. */
static pid_t clone_job(struct joblet_job *job, int *ret_pidfd)
{
	int pidfd = -1;
	pid_t pid;

	*ret_pidfd = -1;
	if (job->cgroup_fd >= 0) {
		struct jl_clone_args a;

		memset(&a, 0, sizeof(a));
		a.flags = (job->clone_flags & ~(uint64_t)CLONE_NEWCGROUP) | CLONE_PIDFD | CLONE_INTO_CGROUP;
		a.pidfd = (uint64_t)(uintptr_t)&pidfd;
		a.exit_signal = SIGCHLD;
		a.cgroup = (uint64_t)job->cgroup_fd;
		pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
		if (pid >= 0) {
			if (pid > 0) {
				job->cloned_into_cgroup = true;
				*ret_pidfd = pidfd;
			}
			return pid;
		}
		/* Old kernel (no clone3, or no CLONE_INTO_CGROUP): attach() moves it. */
		jl_log(JOBLET_LOG_DEBUG, NULL, "clone3 into the job cgroup failed (%s); falling back",
			   strerror(errno));
	}
	pid = (pid_t)syscall(SYS_clone,
			     (unsigned long)((job->clone_flags & ~(uint64_t)CLONE_NEWCGROUP) | SIGCHLD),
			     NULL, NULL, NULL,
			     NULL);
	if (pid > 0)
		*ret_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	return pid;
}

/* ------------------------------------------------------------------ the pump */

struct pipe_in {
	int fd;
	int32_t stream;
	uint8_t pending[JL_LOG_MAX_RECORD]; /* read but not yet in the log */
	size_t pending_len;
};

/* Move what is readable from p into the log.  -1 when the log cannot take it now. */
static int pump(struct pipe_in *p, struct jl_log_writer *w, bool *ret_eof)
{
	*ret_eof = false;
	for (;;) {
		ssize_t n;

		if (p->pending_len > 0) {
			_cleanup_error_ struct joblet_error *e = NULL;

			if (jl_log_writer_append(w, p->stream, p->pending, p->pending_len, &e) < 0) {
				jl_log(JOBLET_LOG_ERROR, NULL, "%s; the job waits until it can be "
								   "written",
					   joblet_error_message(e));
				return -1;
			}
			p->pending_len = 0;
		}
		n = read(p->fd, p->pending, sizeof(p->pending));
		if (n > 0) {
			p->pending_len = (size_t)n;
			continue;
		}
		if (n == 0) {
			*ret_eof = true;
			return 0;
		}
		return errno == EAGAIN || errno == EINTR ? 0 : (*ret_eof = true, 0);
	}
}

static void arm(int tfd, int64_t ms)
{
	struct itimerspec its = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000000 } };

	if (ms <= 0)
		its.it_value.tv_nsec = 1;
	timerfd_settime(tfd, 0, &its, NULL);
}

static void disarm(int tfd)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };

	timerfd_settime(tfd, 0, &its, NULL);
}

/* ------------------------------------------------------------------ the run */

static int write_failure(const char *state_dir, int64_t started, const char *why,
			 struct joblet_error **err)
{
	struct jl_job_status st = { 0 };

	st.failed_to_start = 1;
	st.started_ns = started;
	st.ended_ns = now_ns(CLOCK_REALTIME);
	st.error = (char *)why;
	jl_log(JOBLET_LOG_ERROR, NULL, "the job did not start: %s", why);
	return jl_job_status_write(state_dir, &st, err);
}

int jl_shim_run(const struct jl_config *cfg, const struct jl_plugin_set *set,
		    const char *state_dir, struct joblet_error **err)
{
	_cleanup_free_ char *lock_path = jl_strdup_printf("%s/lock", state_dir);
	_cleanup_free_ char *spec_path = jl_strdup_printf("%s/spec.json", state_dir);
	_cleanup_free_ char *log_path = jl_strdup_printf("%s/log", state_dir);
	_cleanup_free_ char *spec_text = NULL;
	_cleanup_close_ int lock_fd = -1, sfd = -1, tfd = -1, retry_fd = -1, pidfd = -1, stats_fd = -1;
	struct joblet_error *e = NULL;
	struct jl_job_spec *spec = NULL;
	struct joblet_job *job = NULL;
	struct jl_log_writer *w = NULL;
	struct stack st = { 0 };
	struct jl_job_status status = { 0 };
	struct joblet_job_usage usage = { sizeof(usage), 0, 0, 0, 0, 0, 0, 0 };
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, syncp[2] = { -1, -1 }, rep[2] = { -1, -1 };
	int64_t started = now_ns(CLOCK_REALTIME), exited_at = 0;
	bool child_done = false, stopping = false, killed = false, log_blocked = false;
	struct pipe_in *pipes = NULL;
	size_t open_pipes = 0;
	sigset_t mask;
	struct stat host_root;
	pid_t pid = -1;
	int wstatus = 0, r;
	char msg[2048];

	if (!lock_path || !spec_path || !log_path)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot supervise the job");
	lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock_fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", lock_path);
	if (flock(lock_fd, LOCK_EX | LOCK_NB) < 0)
		return joblet_error_set(err, JOBLET_E_BUSY, errno,
					"another supervisor holds the job in `%s`", state_dir);
	/* Who holds the job: the lock file says (jl_job_shim_pid() reads it). */
	lock_note(lock_fd, getpid(), 0);
	{
		/* A job runs once: its log and status are never overwritten. */
		_cleanup_free_ char *mark = jl_strdup_printf("%s/started", state_dir);
		int fd = mark ? open(mark, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)
			      : -1;

		if (fd < 0)
			return joblet_error_set(err, errno == EEXIST ? JOBLET_E_EXISTS : JOBLET_E_IO,
						errno, "the job in `%s` has already run", state_dir);
		close(fd);
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	retry_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	stats_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sfd < 0 || tfd < 0 || retry_fd < 0 || stats_fd < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot set up the supervisor");

	r = jl_log_writer_open(log_path, &w, err);
	if (r < 0)
		return r;
	r = jl_read_file(spec_path, 4 << 20, &spec_text, NULL, &e);
	if (r == 0)
		r = jl_job_spec_from_json(spec_text, &spec, &e);
	if (r == 0)
		r = jl_job_new(spec, state_dir, &job, &e);
	if (r == 0) {
		_cleanup_free_ char *cache = jl_strdup_printf("%s/cache", cfg->state_dir);

		r = cache ? jl_job_set_cache_dir(job, cache) : -ENOMEM;
		if (r < 0)
			r = joblet_error_set(&e, JOBLET_E_NOMEM, ENOMEM, "cannot set up the job");
	}
	if (r == 0)
		r = stack_resolve(cfg, set, &st, &e);
	if (r == 0)
		r = stack_prepare(&st, job, &e);
	if (r < 0) {
		snprintf(msg, sizeof(msg), "%s", joblet_error_message(e));
		joblet_error_free(e);
		if (job)
			stack_cleanup(&st, job);
		r = write_failure(state_dir, started, msg, err);
		goto out;
	}

	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(syncp, O_CLOEXEC) < 0 ||
	    pipe2(rep, O_CLOEXEC) < 0) {
		snprintf(msg, sizeof(msg), "cannot create pipes: %s", strerror(errno));
		stack_cleanup(&st, job);
		r = write_failure(state_dir, started, msg, err);
		goto out;
	}
	started = now_ns(CLOCK_REALTIME);
	if (stat("/", &host_root) < 0)
		memset(&host_root, 0, sizeof(host_root));
	pid = clone_job(job, &pidfd);
	if (pid < 0) {
		snprintf(msg, sizeof(msg), "cannot create the job's process: %s", strerror(errno));
		stack_cleanup(&st, job);
		r = write_failure(state_dir, started, msg, err);
		goto out;
	}
	if (pid == 0) {
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		child_main(&st, job, &host_root, outp[1], errp[1], syncp[0], rep[1]);
	}
	close(outp[1]);
	close(errp[1]);
	close(syncp[0]);
	close(rep[1]);
	outp[1] = errp[1] = syncp[0] = rep[1] = -1;
	/* And which process is the job, for `joblet-shim --reap` should this shim die. */
	lock_note(lock_fd, getpid(), pid);

	/* Place the child, release it, learn whether it reached exec. */
	for (size_t i = 0; i < st.n; i++) {
		struct layer *l = &st.layers[i];

		if (jl_isolation_attach(l->plugin, job, l->state, pid, &e) < 0) {
			snprintf(msg, sizeof(msg), "isolation/%s: %s", l->plugin->name,
				 joblet_error_message(e));
			joblet_error_clear(&e);
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			stack_cleanup(&st, job);
			r = write_failure(state_dir, started, msg, err);
			goto out;
		}
	}
	if (write(syncp[1], "g", 1) != 1) {
		snprintf(msg, sizeof(msg), "cannot release the job's process: %s", strerror(errno));
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		stack_cleanup(&st, job);
		r = write_failure(state_dir, started, msg, err);
		goto out;
	}
	{
		size_t got = 0;
		ssize_t n;

		while ((n = read(rep[0], msg + got, sizeof(msg) - 1 - got)) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				break;
			got += (size_t)n;
			if (got == sizeof(msg) - 1)
				break;
		}
		msg[got] = '\0';
		if (got > 0) {
			waitpid(pid, NULL, 0);
			stack_cleanup(&st, job);
			r = write_failure(state_dir, started, msg, err);
			goto out;
		}
	}
	jl_log(JOBLET_LOG_INFO, NULL, "job %s started (pid %ld)", joblet_job_id(job), (long)pid);

	pipes = calloc(2, sizeof(*pipes));
	if (!pipes) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		stack_cleanup(&st, job);
		r = write_failure(state_dir, started, "out of memory", err);
		goto out;
	}
	pipes[0].fd = outp[0];
	pipes[0].stream = JL_STREAM_STDOUT;
	pipes[1].fd = errp[0];
	pipes[1].stream = JL_STREAM_STDERR;
	outp[0] = errp[0] = -1;
	fcntl(pipes[0].fd, F_SETFL, O_NONBLOCK);
	fcntl(pipes[1].fd, F_SETFL, O_NONBLOCK);
	/* Room for a burst: fewer wake-ups of the job and of us (at most pipe-max-size). */
	fcntl(pipes[0].fd, F_SETPIPE_SZ, 1 << 20);
	open_pipes = 2;
	if (joblet_job_limit(job, JOBLET_LIMIT_TIMEOUT_S) > 0)
		arm(tfd, joblet_job_limit(job, JOBLET_LIMIT_TIMEOUT_S) * 1000);
	{
		struct itimerspec every = { { 1, 0 }, { 1, 0 } };

		timerfd_settime(stats_fd, 0, &every, NULL);
	}

	while (open_pipes > 0 || !child_done) {
		struct pollfd pfd[6];
		int np = 0, timeout_ms = -1;

		for (int i = 0; i < 2; i++)
			pfd[np++] = (struct pollfd){ pipes[i].fd, (short)(pipes[i].fd >= 0 && !log_blocked ? POLLIN : 0), 0 };
		pfd[np++] = (struct pollfd){ sfd, POLLIN, 0 };
		pfd[np++] = (struct pollfd){ tfd, POLLIN, 0 };
		pfd[np++] = (struct pollfd){ retry_fd, POLLIN, 0 };
		pfd[np++] = (struct pollfd){ stats_fd, POLLIN, 0 };
		if (child_done && open_pipes > 0) {
			/* Others may hold the pipes open: do not wait on them for ever. */
			int64_t left = DRAIN_AFTER_EXIT_MS - (now_ns(CLOCK_MONOTONIC) - exited_at) / 1000000;

			if (left <= 0)
				break;
			timeout_ms = (int)left;
		}
		if (poll(pfd, (nfds_t)np, timeout_ms) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			bool eof;

			if (pipes[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (pump(&pipes[i], w, &eof) < 0) {
				log_blocked = true;
				arm(retry_fd, 1000);
				continue;
			}
			if (eof && pipes[i].pending_len == 0) {
				close(pipes[i].fd);
				pipes[i].fd = -1;
				open_pipes--;
			}
		}
		if (pfd[5].revents & POLLIN) {
			uint64_t x;

			/* Usage while the job runs: peaks some kernels do not keep (memory.peak). */
			if (read(stats_fd, &x, sizeof(x)) < 0) {
			}
			for (size_t i = 0; i < st.n; i++) {
				struct layer *l = &st.layers[i];

				if (jl_isolation_stats(l->plugin, job, l->state, &usage, &e) < 0)
					joblet_error_clear(&e);
			}
		}
		if (pfd[4].revents & POLLIN) {
			uint64_t x;

			if (read(retry_fd, &x, sizeof(x)) < 0) {
			}
			log_blocked = false;
			for (int i = 0; i < 2; i++) {
				bool eof;

				if (pipes[i].fd >= 0 && pipes[i].pending_len > 0 && pump(&pipes[i], w, &eof) < 0) {
					log_blocked = true;
					arm(retry_fd, 1000);
				}
			}
		}
		if (pfd[2].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGCHLD) {
					if (!child_done && waitpid(pid, &wstatus, WNOHANG) == pid) {
						child_done = true;
						exited_at = now_ns(CLOCK_MONOTONIC);
						/* Nothing of the job may outlive its first process. */
						stack_kill(&st, job, -1, SIGKILL);
					}
					while (waitpid(-1, NULL, WNOHANG) > 0)
						;
				} else if (si.ssi_signo != SIGHUP && !stopping && !child_done) {
					jl_log(JOBLET_LOG_INFO, NULL, "stopping the job on request");
					stopping = true;
					status.stopped = 1;
					stack_kill(&st, job, pidfd, SIGTERM);
					arm(tfd, cfg->grace_period_s * 1000);
				}
			}
		}
		if (pfd[3].revents & POLLIN) {
			uint64_t x;

			if (read(tfd, &x, sizeof(x)) < 0) {
			}
			if (child_done) {
			} else if (!stopping) {
				jl_log(JOBLET_LOG_INFO, NULL, "the job reached its timeout of %lld s",
					   (long long)joblet_job_limit(job, JOBLET_LIMIT_TIMEOUT_S));
				stopping = true;
				status.timeout = 1;
				stack_kill(&st, job, pidfd, SIGTERM);
				arm(tfd, cfg->grace_period_s * 1000);
			} else if (!killed) {
				killed = true;
				stack_kill(&st, job, pidfd, SIGKILL);
			}
		}
	}
	disarm(tfd);
	if (!child_done) {
		stack_kill(&st, job, pidfd, SIGKILL);
		waitpid(pid, &wstatus, 0);
	}
	for (size_t i = st.n; i-- > 0;) {
		struct layer *l = &st.layers[i];

		if (jl_isolation_finish(l->plugin, job, l->state, &usage, &e) < 0) {
			jl_log(JOBLET_LOG_WARNING, NULL, "isolation/%s: %s", l->plugin->name,
				   joblet_error_message(e));
			joblet_error_clear(&e);
		}
	}
	status.started_ns = started;
	status.ended_ns = now_ns(CLOCK_REALTIME);
	status.cpu_usec = usage.cpu_usec;
	status.memory_peak_bytes = usage.memory_peak_bytes;
	status.oom = usage.oom_killed;
	if (WIFEXITED(wstatus)) {
		status.exited = 1;
		status.exit_code = WEXITSTATUS(wstatus);
	} else if (WIFSIGNALED(wstatus))
		status.signal = WTERMSIG(wstatus);
	if (status.timeout)
		status.error = (char *)"killed at its timeout";
	else if (status.oom)
		status.error = (char *)"killed: out of memory (max_memory)";
	else if (status.stopped)
		status.error = (char *)"stopped on request";
	stack_cleanup(&st, job);
	r = jl_job_status_write(state_dir, &status, err);
	jl_log(JOBLET_LOG_INFO, NULL, "job %s ended (exit %d)", joblet_job_id(job),
		   jl_job_status_exit_code(&status));
out:
	for (size_t i = 0; pipes && i < 2; i++)
		if (pipes[i].fd >= 0)
			close(pipes[i].fd);
	free(pipes);
	for (int i = 0; i < 2; i++) {
		if (outp[i] >= 0)
			close(outp[i]);
		if (errp[i] >= 0)
			close(errp[i]);
		if (syncp[i] >= 0)
			close(syncp[i]);
		if (rep[i] >= 0)
			close(rep[i]);
	}
	jl_log_writer_free(w);
	jl_job_free(job);
	return r;
}

/* ------------------------------------------------------------------ reaping */

/* Field 22 of /proc/PID/stat: when the process started (clock ticks since boot), or 0. */
static unsigned long long proc_start_time(pid_t pid)
{
	char path[64], buf[1024];
	unsigned long long t = 0;
	const char *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* After the command name in parentheses (which may hold spaces): fields 3 on. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d "
				"%*d %*d %llu",
			 &t) != 1)
		return 0;
	return t;
}

/*
 * The job's first process, as the shim recorded it (the lock file: "SHIMPID
 * JOBPID STARTTIME"): killed when it is still that process.  It leads its own
 * session (and, with the namespaces layer, is its PID namespace's init, so
 * the kernel ends the rest with it).
 */
static void kill_first_process(const char *state_dir)
{
	_cleanup_free_ char *path = jl_strdup_printf("%s/lock", state_dir);
	_cleanup_free_ char *text = path ? jl_read_line_file(path) : NULL;
	long long shim = 0, pid = 0;
	unsigned long long start = 0;

	if (!text || sscanf(text, "%lld %lld %llu", &shim, &pid, &start) != 3 || pid <= 1)
		return;
	if (start == 0 || proc_start_time((pid_t)pid) != start)
		return;
	kill(-(pid_t)pid, SIGKILL);
	kill((pid_t)pid, SIGKILL);
	jl_log(JOBLET_LOG_INFO, NULL, "killed the job's first process %lld and its session",
		   pid);
}

/* Unmount whatever of the job is mounted in our mount namespace (below state_dir). */
static void unmount_leftovers(const char *state_dir)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/self/mountinfo", "re");
	size_t n = strlen(state_dir);
	char line[8192];
	_cleanup_strv_ char **targets = NULL;

	while (f && fgets(line, sizeof(line), f)) {
		char target[4096];

		/* id parent major:minor root target ... */
		if (sscanf(line, "%*s %*s %*s %*s %4095s", target) != 1)
			continue;
		if (strncmp(target, state_dir, n) == 0 && (target[n] == '/' || target[n] == '\0'))
			jl_strv_push(&targets, target);
	}
	/* Deepest first: the later lines are mounted on top. */
	for (size_t i = jl_strv_length(targets); i-- > 0;) {
		if (umount2(targets[i], MNT_DETACH) == 0)
			jl_log(JOBLET_LOG_INFO, NULL, "unmounted `%s`, left by a dead job",
				   targets[i]);
		else
			jl_log(JOBLET_LOG_WARNING, NULL, "cannot unmount `%s`: %s", targets[i],
				   strerror(errno));
	}
}

int jl_shim_reap(const struct jl_config *cfg, const struct jl_plugin_set *set,
		     const char *state_dir, struct joblet_error **err)
{
	_cleanup_free_ char *lock_path = jl_strdup_printf("%s/lock", state_dir);
	_cleanup_free_ char *spec_path = jl_strdup_printf("%s/spec.json", state_dir);
	_cleanup_free_ char *spec_text = NULL;
	_cleanup_close_ int lock_fd = -1;
	struct jl_job_spec *spec = NULL;
	struct joblet_job *job = NULL;
	struct stack st = { 0 };
	int r, failed = 0;

	if (!lock_path || !spec_path)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot reap the job");
	lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock_fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", lock_path);
	/* A live supervisor cleans up after itself. */
	if (flock(lock_fd, LOCK_EX | LOCK_NB) < 0)
		return joblet_error_set(err, JOBLET_E_BUSY, errno,
					"the job in `%s` has a live supervisor; nothing to reap",
					state_dir);
	r = jl_read_file(spec_path, 4 << 20, &spec_text, NULL, err);
	if (r == 0)
		r = jl_job_spec_from_json(spec_text, &spec, err);
	if (r == 0)
		r = jl_job_new(spec, state_dir, &job, err);
	else
		jl_job_spec_free(spec);
	if (r == 0)
		r = stack_resolve(cfg, set, &st, err);
	if (r < 0) {
		jl_job_free(job);
		return r;
	}
	unmount_leftovers(state_dir);
	kill_first_process(state_dir);
	for (size_t i = st.n; i-- > 0;) {
		struct joblet_error *e = NULL;

		if (jl_isolation_reap(st.layers[i].plugin, job, &e) < 0) {
			jl_log(JOBLET_LOG_ERROR, NULL, "isolation/%s: %s", st.layers[i].plugin->name,
				   joblet_error_message(e));
			joblet_error_free(e);
			failed++;
		}
	}
	jl_log(JOBLET_LOG_INFO, NULL, "job %s reaped%s", joblet_job_id(job),
		   failed ? " (with errors above)" : "");
	jl_job_free(job);
	return failed ? joblet_error_set(err, JOBLET_E_SYSTEM, 0,
					 "%d isolation layers could not clean up the job", failed)
		      : 0;
}
