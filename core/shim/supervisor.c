/*
 * supervisor.c - one job from start to end (shim_supervise), as named
 * steps over one struct supervisor:
 *
 *   lock     the job's lock and its `started` mark (a job runs once)
 *   setup    signals, timers, the log writer
 *   load     the job from spec.json, the isolation stack's prepare()
 *   spawn    the pipes and the job's first process (child.c)
 *   release  the layers' attach(), the go byte, the child's report
 *   watch    the poll loop until the job and its output are done; a sample
 *            of its usage into the file `metrics` every jobs.metrics_interval
 *   finish   finish() and cleanup() of the layers, the last sample, status.json
 *
 * A failure in load, spawn or release takes the one failure path (fail):
 * the process killed, the stack cleaned up, a failed-to-start status.
 *
 * The shim is single-threaded and event-driven: one poll(2) over the job's
 * stdout and stderr pipes, a signalfd (SIGCHLD, SIGTERM, SIGINT, SIGHUP)
 * and four timerfds.  Output is appended to the framed log as it arrives;
 * when the log cannot be written (disk full) the shim stops reading, so the
 * job blocks on its pipe instead of losing bytes, and tries again every
 * second.  Past the log's cap (max_log) the shim goes on reading at full
 * speed and drops the bytes (the writer counts them), so a job that prints
 * without end is neither blocked nor slowed, and the host's disk holds at
 * most the cap; the count goes into status.json.
 */
#include <config.h>

#include <fcntl.h>
#include <limits.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"
#include "job/executor.h"
#include "job/job.h"
#include "job/job_limits.h"
#include "job/job_log.h"
#include "job/job_metrics.h"
#include "job/job_secrets.h"
#include "job/results_ns.h"
#include "shim/shim.h"
#include "config/config.h"
#include "plugin/loader.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

/* After the job's first process ended, how long to drain pipes others hold open. */
#define DRAIN_AFTER_EXIT_MS 3000

/* What the supervisor polls: indices into its fd table (from 0: they index arrays). */
enum slot {
	SLOT_STDOUT,  /* the read end of the job's stdout pipe */
	SLOT_STDERR,  /* the read end of its stderr pipe */
	SLOT_SIGNAL,  /* signalfd: SIGCHLD, SIGTERM, SIGINT, SIGHUP */
	SLOT_TIMEOUT, /* timerfd: the job's timeout, then the end of the grace period */
	SLOT_RETRY,   /* timerfd: write the log again, a second after it failed */
	SLOT_STATS,   /* timerfd: every second, the layers' stats */
	SLOT_METRICS, /* timerfd: every jobs.metrics_interval, a sample into `metrics` */
	SLOT_COUNT
};

/* A pipe's bytes read but not yet in the log (they wait there while the log is full). */
struct output {
	int32_t stream; /* JL_STREAM_* */
	size_t pending_len;
	uint8_t pending[JL_LOG_MAX_RECORD];
};

struct supervisor {
	const struct jl_config *cfg;
	const struct jl_plugin_set *set;
	const char *state_dir;
	char **secret_env; /* handed over (--secrets), until the job has them; or NULL */
	int notify_fd;	   /* --notify: a byte whenever the log grew; or -1 */

	int lock_fd;
	int uid_fd;	    /* holds the job's uid (uid.c) until everything of the job is gone */
	int fd[SLOT_COUNT]; /* -1 when closed; poll ignores those */
	struct output *out; /* [SLOT_STDOUT], [SLOT_STDERR] */
	struct jl_log_writer *log;
	struct joblet_job *job;
	struct shim_stack stack;

	/* The child's ends of the pipes until it has them, then -1. */
	int child_out, child_err, sync_read, report_write, status_write;
	int sync_write, report_read, status_read; /* ours */
	pid_t pid;				  /* the job's first process (its init), or -1 */
	int pidfd;

	size_t open_outputs;
	bool child_done, stopping, killed, log_blocked;
	int wstatus;
	int64_t started_ns, exited_at;
	struct jl_job_status status;
	struct joblet_job_usage usage;
	/* The samples (job/job_metrics.h), or NULL when the file could not be made. */
	struct jl_metrics_writer *metrics;
	uint64_t sample_cpu_usec; /* cpu_usec at the last sample */
	int64_t sample_mono_ns;	  /* CLOCK_MONOTONIC of the last sample (or of the start) */
	bool has_net;		  /* the job has a network of its own */
	bool metrics_failed;	  /* a sample could not be written: said once */
	char why[2048];		  /* why the job could not start (load, spawn, release) */
};

static int64_t now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
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

/* A timerfd polled readable: consume its expiry count. */
static void timer_ack(int tfd)
{
	uint64_t expirations;

	/* The count itself is not needed; EAGAIN (nothing expired after all) changes nothing. */
	(void)!read(tfd, &expirations, sizeof(expirations));
}

/* Record why the job could not start; -1 for the caller to return. */
static int why_not(struct supervisor *sv, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static int why_not(struct supervisor *sv, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sv->why, sizeof(sv->why), fmt, ap);
	va_end(ap);
	return -1;
}

/* ------------------------------------------------------------------ lock, setup, load */

/* The job's lock (held until we end) and its `started` mark: a job runs once. */
static int sv_lock(struct supervisor *sv, struct joblet_error **err)
{
	_cleanup_free_ char *lock_path = jl_strdup_printf("%s/lock", sv->state_dir);
	_cleanup_free_ char *mark = jl_strdup_printf("%s/started", sv->state_dir);
	_cleanup_free_ char *secrets = jl_strdup_printf("%s/" JL_JOB_SECRETS_FILE, sv->state_dir);
	int fd;

	if (!lock_path || !mark || !secrets)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot supervise the job");
	sv->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (sv->lock_fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", lock_path);
	if (flock(sv->lock_fd, LOCK_EX | LOCK_NB) < 0)
		return joblet_error_set(err, JOBLET_E_BUSY, errno,
					"another supervisor holds the job in `%s`", sv->state_dir);
	/* Who holds the job: the lock file says (jl_job_shim_pid() reads it). */
	shim_lock_note(sv->lock_fd, getpid(), 0);
	/* A job runs once: its log and status are never overwritten. */
	fd = open(mark, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return joblet_error_set(err, errno == EEXIST ? JOBLET_E_EXISTS : JOBLET_E_IO, errno,
					"the job in `%s` has already run", sv->state_dir);
	close(fd);
	/*
	 * Started: it never starts again, so its encrypted secrets are not
	 * needed any more (ENOENT: it had none).  A failure only leaves a file
	 * that is removed with the job.
	 */
	if (unlinkat(AT_FDCWD, secrets, 0) < 0 && errno != ENOENT)
		jl_log(JOBLET_LOG_WARNING, NULL, "cannot remove `%s`: %s", secrets,
		       strerror(errno));
	return 0;
}

/*
 * Signals become events on a signalfd, for the rest of this process: the
 * signals it reads are blocked, and SIGPIPE is ignored (a log reader that
 * goes away must not end the supervisor).  The job's first process undoes
 * both before it runs job code (child.c).
 */
static int sv_setup(struct supervisor *sv, struct joblet_error **err)
{
	_cleanup_free_ char *log_path = jl_strdup_printf("%s/log", sv->state_dir);
	sigset_t mask;

	if (!log_path)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot supervise the job");
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sv->fd[SLOT_SIGNAL] = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	sv->fd[SLOT_TIMEOUT] = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	sv->fd[SLOT_RETRY] = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	sv->fd[SLOT_STATS] = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	sv->fd[SLOT_METRICS] = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (sv->fd[SLOT_SIGNAL] < 0 || sv->fd[SLOT_TIMEOUT] < 0 || sv->fd[SLOT_RETRY] < 0 ||
	    sv->fd[SLOT_STATS] < 0 || sv->fd[SLOT_METRICS] < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot set up the supervisor");
	return jl_log_writer_open(log_path, &sv->log, err);
}

/*
 * The most bytes of the job's log: its max_log, or jobs.max_log for a spec
 * written before max_log existed (validation sets it on every new job).
 */
static uint64_t log_cap(const struct supervisor *sv)
{
	int64_t mib = jl_job_get_spec(sv->job)->max_log_mib;

	return mib > 0 ? (uint64_t)mib << 20 : (uint64_t)sv->cfg->default_max_log;
}

/* The job from its folder, and every layer's prepare(). */
static int sv_load(struct supervisor *sv)
{
	_cleanup_free_ char *cache = jl_strdup_printf("%s/cache", sv->cfg->state_dir);
	_cleanup_error_ struct joblet_error *e = NULL;
	int r;

	sv->out = calloc(SLOT_STDERR + 1, sizeof(*sv->out));
	if (!sv->out)
		return why_not(sv, "out of memory");
	sv->out[SLOT_STDOUT].stream = JL_STREAM_STDOUT;
	sv->out[SLOT_STDERR].stream = JL_STREAM_STDERR;
	r = jl_job_open(sv->state_dir, &sv->job, &e);
	if (r == 0)
		jl_log_writer_set_cap(sv->log, log_cap(sv));
	if (r == 0 && (!cache || jl_job_set_cache_dir(sv->job, cache) < 0))
		r = joblet_error_set(&e, JOBLET_E_NOMEM, ENOMEM, "cannot set up the job");
	/* Before any layer: they see the job's uid (the rootfs layer's /etc/passwd). */
	if (r == 0)
		r = shim_uid_take(sv->cfg, sv->job, &sv->uid_fd, &e);
	if (r == 0 && sv->secret_env)
		r = jl_job_set_secret_env(sv->job, TAKE_PTR(sv->secret_env), &e);
	if (r == 0)
		r = jl_job_check_secrets(sv->job, &e);
	if (r == 0)
		r = shim_stack_resolve(sv->cfg, sv->set, &sv->stack, &e);
	if (r == 0)
		r = shim_stack_prepare(&sv->stack, sv->job, &e);
	return r < 0 ? why_not(sv, "%s", joblet_error_message(e)) : 0;
}

/* ------------------------------------------------------------------ spawn, release */

struct jl_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	uint64_t set_tid, set_tid_size, cgroup;
};

/* fork()-like clone with the layers' namespace flags; into the job cgroup when one was given. */
static pid_t clone_job(struct joblet_job *job, int *ret_pidfd)
{
	uint64_t flags = jl_job_clone_flags(job) & ~(uint64_t)CLONE_NEWCGROUP;
	int pidfd = -1;
	pid_t pid;

	*ret_pidfd = -1;
	if (jl_job_cgroup_fd(job) >= 0) {
		struct jl_clone_args a;

		memset(&a, 0, sizeof(a));
		a.flags = flags | CLONE_PIDFD | CLONE_INTO_CGROUP;
		a.pidfd = (uint64_t)(uintptr_t)&pidfd;
		a.exit_signal = SIGCHLD;
		a.cgroup = (uint64_t)jl_job_cgroup_fd(job);
		pid = (pid_t)syscall(SYS_clone3, &a, sizeof(a));
		if (pid > 0) {
			jl_job_set_cloned_into_cgroup(job);
			*ret_pidfd = pidfd;
		}
		if (pid >= 0)
			return pid;
		/* Old kernel (no clone3, or no CLONE_INTO_CGROUP): attach() moves it. */
		jl_log(JOBLET_LOG_DEBUG, NULL,
		       "clone3 into the job cgroup failed (%s); falling back", strerror(errno));
	}
	pid = (pid_t)syscall(SYS_clone, (unsigned long)(flags | SIGCHLD), NULL, NULL, NULL, NULL);
	if (pid > 0)
		*ret_pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	return pid;
}

/* Two close-on-exec pipes' ends into *ret_read and *ret_write. */
static int make_pipe(int *ret_read, int *ret_write)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	*ret_read = p[0];
	*ret_write = p[1];
	return 0;
}

/* The pipes and the job's first process, which waits in child.c until released. */
static int sv_spawn(struct supervisor *sv)
{
	struct shim_child c = { .stack = &sv->stack,
				.job = sv->job,
				.signals_all = shim_stack_can_kill(&sv->stack) };
	_cleanup_error_ struct joblet_error *e = NULL;

	if (make_pipe(&sv->fd[SLOT_STDOUT], &sv->child_out) < 0 ||
	    make_pipe(&sv->fd[SLOT_STDERR], &sv->child_err) < 0 ||
	    make_pipe(&sv->sync_read, &sv->sync_write) < 0 ||
	    make_pipe(&sv->report_read, &sv->report_write) < 0 ||
	    make_pipe(&sv->status_read, &sv->status_write) < 0)
		return why_not(sv, "cannot create pipes: %s", strerror(errno));
	sv->started_ns = now_ns(CLOCK_REALTIME);
	if (stat("/", &c.host_root) < 0)
		memset(&c.host_root, 0, sizeof(c.host_root));
	sv->pid = clone_job(sv->job, &sv->pidfd);
	if (sv->pid < 0)
		return why_not(sv, "cannot create the job's process: %s", strerror(errno));
	if (sv->pid == 0) {
		c.out_fd = sv->child_out;
		c.err_fd = sv->child_err;
		c.sync_fd = sv->sync_read;
		c.report_fd = sv->report_write;
		c.status_fd = sv->status_write;
		shim_child_main(&c);
	}
	close_fd(&sv->child_out);
	close_fd(&sv->child_err);
	close_fd(&sv->sync_read);
	close_fd(&sv->report_write);
	/*
	 * Before any job code runs, and inherited by all of it: the OOM killer's
	 * first choice.  Written by root, the job cannot lower it.
	 */
	if (jl_oom_score_adj_set(sv->pid, JL_OOM_SCORE_ADJ_JOB, &e) < 0)
		return why_not(sv, "%s", joblet_error_message(e));
	close_fd(&sv->status_write);
	/* And which process is the job, for `joblet-shim --reap` should this shim die. */
	shim_lock_note(sv->lock_fd, getpid(), sv->pid);
	return 0;
}

/* Place the child (attach), release it, learn whether it reached exec. */
static int sv_release(struct supervisor *sv)
{
	_cleanup_error_ struct joblet_error *e = NULL;
	size_t got = 0;
	ssize_t n;

	if (shim_stack_attach(&sv->stack, sv->job, sv->pid, &e) < 0)
		return why_not(sv, "%s", joblet_error_message(e));
	if (write(sv->sync_write, "g", 1) != 1)
		return why_not(sv, "cannot release the job's process: %s", strerror(errno));
	/* EOF: the exec closed the report pipe.  Anything else is why it could not start. */
	while (got < sizeof(sv->why) - 1 &&
	       (n = read(sv->report_read, sv->why + got, sizeof(sv->why) - 1 - got)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		got += (size_t)n;
	}
	sv->why[got] = '\0';
	if (got > 0)
		return -1;
	jl_log(JOBLET_LOG_INFO, NULL, "job %s started (pid %ld)", joblet_job_id(sv->job),
	       (long)sv->pid);
	return 0;
}

/*
 * The job's /work tmpfs, kept for its results, goes into the daemon's
 * results namespace (results_ns.h), out of the mount table every new job
 * copies.  Without one, or when the move fails, it stays here, as it was.
 */
static void keep_results(struct supervisor *sv)
{
	const char *id = strrchr(sv->state_dir, '/');
	struct joblet_error *e = NULL;
	char jobs_dir[PATH_MAX];

	if (!id || id == sv->state_dir || (size_t)(id - sv->state_dir) >= sizeof(jobs_dir))
		return;
	snprintf(jobs_dir, sizeof(jobs_dir), "%.*s", (int)(id - sv->state_dir), sv->state_dir);
	if (jl_results_ns_keep(jobs_dir, id + 1, &e) < 0)
		jl_log(JOBLET_LOG_WARNING, NULL, "%s; the job's /work stays mounted here",
		       joblet_error_message(e));
	joblet_error_free(e);
}

/* The one failure path of load, spawn and release: the job did not start, and why. */
static int sv_fail(struct supervisor *sv, struct joblet_error **err)
{
	struct jl_job_status st = { 0 };

	if (sv->pid > 0) {
		kill(sv->pid, SIGKILL);
		waitpid(sv->pid, NULL, 0);
	}
	if (sv->job)
		shim_stack_cleanup(&sv->stack, sv->job);
	keep_results(sv);
	st.failed_to_start = 1;
	st.started_ns = sv->started_ns;
	st.ended_ns = now_ns(CLOCK_REALTIME);
	st.error = sv->why;
	jl_log(JOBLET_LOG_ERROR, NULL, "the job did not start: %s", sv->why);
	return jl_job_status_write(sv->state_dir, &st, err);
}

/* ------------------------------------------------------------------ watch */

/*
 * The log grew: a byte to --notify.  A full pipe already holds a wake-up;
 * a reader that is gone (EPIPE; SIGPIPE is ignored) does not matter.
 */
static void notify(struct supervisor *sv)
{
	if (sv->notify_fd >= 0)
		(void)!write(sv->notify_fd, "", 1);
}

/* Move what is readable from a pipe into the log.  -1 when the log cannot take it now. */
static int pump(struct supervisor *sv, enum slot s, bool *ret_eof)
{
	struct output *o = &sv->out[s];
	bool grew = false;
	int r = 0;

	*ret_eof = false;
	for (;;) {
		ssize_t n;

		if (o->pending_len > 0) {
			_cleanup_error_ struct joblet_error *e = NULL;

			if (jl_log_writer_append(sv->log, o->stream, o->pending, o->pending_len,
						 &e) < 0) {
				jl_log(JOBLET_LOG_ERROR, NULL,
				       "%s; the job waits until it can be written",
				       joblet_error_message(e));
				r = -1;
				break;
			}
			o->pending_len = 0;
			grew = true;
		}
		n = read(sv->fd[s], o->pending, sizeof(o->pending));
		if (n > 0) {
			o->pending_len = (size_t)n;
			continue;
		}
		/* EOF, or an error that no further read cures: this output is done. */
		*ret_eof = n == 0 || (errno != EAGAIN && errno != EINTR);
		break;
	}
	if (grew)
		notify(sv);
	return r;
}

/* A pipe polled readable (or hung up): into the log, or wait for the log. */
static void on_output(struct supervisor *sv, enum slot s)
{
	bool eof;

	if (pump(sv, s, &eof) < 0) {
		sv->log_blocked = true;
		arm(sv->fd[SLOT_RETRY], 1000);
		return;
	}
	if (eof && sv->out[s].pending_len == 0) {
		close_fd(&sv->fd[s]);
		sv->open_outputs--;
	}
}

/*
 * Usage while the job runs: peaks some kernels do not keep (memory.peak).
 * A job that met its memory limit ends whole, at once: on cgroup v1 the
 * kernel kills one process at most (or none: isolation/cgroup1 turns its
 * OOM killer off and the job waits), and the rest must not run on.
 */
static void on_stats(struct supervisor *sv)
{
	timer_ack(sv->fd[SLOT_STATS]);
	shim_stack_stats(&sv->stack, sv->job, &sv->usage);
	if (sv->usage.oom_killed && !sv->child_done && !sv->killed) {
		jl_log(JOBLET_LOG_INFO, NULL, "the job ran out of memory: ending all of it");
		sv->killed = true;
		shim_stack_kill(&sv->stack, sv->job, sv->pidfd, SIGKILL);
	}
}

/*
 * One sample of the job's usage into `metrics`: fresh stats, CPU over the
 * time since the last sample.  A sample that cannot be written is lost
 * (said once); the job goes on.
 */
static void take_sample(struct supervisor *sv, uint32_t flags)
{
	_cleanup_error_ struct joblet_error *e = NULL;
	struct jl_metrics_sample m = { 0 };
	int64_t mono = now_ns(CLOCK_MONOTONIC);
	const struct joblet_job_usage *u = &sv->usage;

	if (!sv->metrics)
		return;
	m.ts_ns = now_ns(CLOCK_REALTIME);
	m.cpu_usec = u->cpu_usec;
	m.cpu_centipct = jl_metrics_cpu_centipct(
		u->cpu_usec > sv->sample_cpu_usec ? u->cpu_usec - sv->sample_cpu_usec : 0,
		(uint64_t)(mono - sv->sample_mono_ns) / 1000);
	m.memory_bytes = u->memory_bytes;
	m.memory_peak_bytes = u->memory_peak_bytes;
	m.io_read_bytes = u->io_read_bytes;
	m.io_write_bytes = u->io_write_bytes;
	m.pids = u->pids;
	/* A network plugin counts the job's interface; none counts nothing (none, host). */
	sv->has_net = sv->has_net || u->net_rx_bytes || u->net_tx_bytes;
	if (sv->has_net) {
		m.flags |= JL_METRICS_NET;
		m.net_rx_bytes = u->net_rx_bytes;
		m.net_tx_bytes = u->net_tx_bytes;
	}
	m.flags |= flags;
	sv->sample_cpu_usec = u->cpu_usec;
	sv->sample_mono_ns = mono;
	if (jl_metrics_writer_append(sv->metrics, &m, &e) < 0 && !sv->metrics_failed) {
		sv->metrics_failed = true;
		jl_log(JOBLET_LOG_WARNING, NULL,
		       "%s; samples of job %s are lost until it can be written",
		       joblet_error_message(e), joblet_job_id(sv->job));
	}
}

static void on_metrics(struct supervisor *sv)
{
	timer_ack(sv->fd[SLOT_METRICS]);
	if (sv->child_done)
		return;
	shim_stack_stats(&sv->stack, sv->job, &sv->usage);
	take_sample(sv, 0);
}

/*
 * The samples' file, and its timer.  Without it the job still runs (its
 * metrics are a view, not a limit): the reason goes to the shim's log.
 */
static void metrics_start(struct supervisor *sv)
{
	_cleanup_error_ struct joblet_error *e = NULL;
	int64_t s = sv->cfg->metrics_interval_s > 0 ? sv->cfg->metrics_interval_s : 5;
	struct itimerspec every = { { s, 0 }, { s, 0 } };
	int32_t net = joblet_job_network(sv->job);

	sv->has_net = net != 0 && net != JOBLET_NETWORK_NONE && net != JOBLET_NETWORK_HOST;
	sv->sample_mono_ns = now_ns(CLOCK_MONOTONIC);
	if (jl_metrics_writer_open(sv->state_dir, (uint64_t)sv->cfg->max_metrics,
				   (uint64_t)s * 1000, &sv->metrics, &e) < 0) {
		jl_log(JOBLET_LOG_WARNING, NULL, "%s; job %s runs without samples of its usage",
		       joblet_error_message(e), joblet_job_id(sv->job));
		return;
	}
	timerfd_settime(sv->fd[SLOT_METRICS], 0, &every, NULL);
}

/* A second after the log failed: try what waits again. */
static void on_retry(struct supervisor *sv)
{
	timer_ack(sv->fd[SLOT_RETRY]);
	sv->log_blocked = false;
	for (enum slot s = SLOT_STDOUT; s <= SLOT_STDERR; s++) {
		bool eof;

		if (sv->fd[s] >= 0 && sv->out[s].pending_len > 0 && pump(sv, s, &eof) < 0) {
			sv->log_blocked = true;
			arm(sv->fd[SLOT_RETRY], 1000);
		}
	}
}

/*
 * SIGTERM to the job now, SIGKILL to all of it when the grace period ends
 * (on_timeout).  With a layer that can, to every process of the job (also
 * one that left the job's process group; init does not pass it on again);
 * else to the job's init, which hands it to the job's process group.
 */
static void stop_job(struct supervisor *sv)
{
	sv->stopping = true;
	if (shim_stack_can_kill(&sv->stack))
		shim_stack_kill(&sv->stack, sv->job, sv->pidfd, SIGTERM);
	else if (sv->pidfd < 0 || syscall(SYS_pidfd_send_signal, sv->pidfd, SIGTERM, NULL, 0) < 0)
		(void)kill(sv->pid, SIGTERM);
	arm(sv->fd[SLOT_TIMEOUT], sv->cfg->grace_period_s * 1000);
}

/*
 * The init ended (its status in sv->wstatus): the job's own status is what
 * init wrote to the status pipe before it exited.  Nothing there (init was
 * killed, or the job never started): the init's status stands.
 */
static void take_job_status(struct supervisor *sv)
{
	int ws;

	fcntl(sv->status_read, F_SETFL, O_NONBLOCK);
	if (read(sv->status_read, &ws, sizeof(ws)) == (ssize_t)sizeof(ws) &&
	    (WIFEXITED(ws) || WIFSIGNALED(ws)))
		sv->wstatus = ws;
}

static void on_child_exit(struct supervisor *sv)
{
	if (!sv->child_done && waitpid(sv->pid, &sv->wstatus, WNOHANG) == sv->pid) {
		take_job_status(sv);
		sv->child_done = true;
		sv->exited_at = now_ns(CLOCK_MONOTONIC);
		/* Nothing of the job may outlive its first process. */
		shim_stack_kill(&sv->stack, sv->job, -1, SIGKILL);
	}
	/*
	 * Any other child of ours (a helper a plugin started) is reaped too,
	 * but only once the job's own status is in: waitpid(-1) must not take it.
	 */
	if (sv->child_done)
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
}

static void on_signal(struct supervisor *sv)
{
	struct signalfd_siginfo si;

	while (read(sv->fd[SLOT_SIGNAL], &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			on_child_exit(sv);
		else if (si.ssi_signo != SIGHUP && !sv->stopping && !sv->child_done) {
			jl_log(JOBLET_LOG_INFO, NULL, "stopping the job on request");
			sv->status.stopped = 1;
			stop_job(sv);
		}
	}
}

/* The timeout (SIGTERM and the grace period), then the grace period's end (SIGKILL). */
static void on_timeout(struct supervisor *sv)
{
	timer_ack(sv->fd[SLOT_TIMEOUT]);
	if (sv->child_done)
		return;
	if (!sv->stopping) {
		jl_log(JOBLET_LOG_INFO, NULL, "the job reached its timeout of %lld s",
		       (long long)joblet_job_limit(sv->job, JOBLET_LIMIT_TIMEOUT_S));
		sv->status.timeout = 1;
		stop_job(sv);
	} else if (!sv->killed) {
		sv->killed = true;
		shim_stack_kill(&sv->stack, sv->job, sv->pidfd, SIGKILL);
	}
}

/* The pipes non-blocking, the timeout and the stats tick armed. */
static void watch_start(struct supervisor *sv)
{
	struct itimerspec every = { { 1, 0 }, { 1, 0 } };
	int64_t timeout_s = joblet_job_limit(sv->job, JOBLET_LIMIT_TIMEOUT_S);

	for (enum slot s = SLOT_STDOUT; s <= SLOT_STDERR; s++)
		fcntl(sv->fd[s], F_SETFL, O_NONBLOCK);
	/* Room for a burst: fewer wake-ups of the job and of us (at most pipe-max-size). */
	fcntl(sv->fd[SLOT_STDOUT], F_SETPIPE_SZ, 1 << 20);
	sv->open_outputs = 2;
	if (timeout_s > 0)
		arm(sv->fd[SLOT_TIMEOUT], timeout_s * 1000);
	timerfd_settime(sv->fd[SLOT_STATS], 0, &every, NULL);
	metrics_start(sv);
}

/* Until the first process ended and its output is in the log; others may hold the pipes. */
static void sv_watch(struct supervisor *sv)
{
	watch_start(sv);
	while (sv->open_outputs > 0 || !sv->child_done) {
		struct pollfd pfd[SLOT_COUNT];
		int timeout_ms = -1;

		for (enum slot s = 0; s < SLOT_COUNT; s++)
			pfd[s] = (struct pollfd){ sv->fd[s], POLLIN, 0 };
		if (sv->log_blocked)
			pfd[SLOT_STDOUT].events = pfd[SLOT_STDERR].events = 0;
		if (sv->child_done && sv->open_outputs > 0) {
			/* Others may hold the pipes open: do not wait on them for ever. */
			int64_t since_ms = (now_ns(CLOCK_MONOTONIC) - sv->exited_at) / 1000000;
			int64_t left = DRAIN_AFTER_EXIT_MS - since_ms;

			if (left <= 0)
				break;
			timeout_ms = (int)left;
		}
		if (poll(pfd, SLOT_COUNT, timeout_ms) < 0 && errno != EINTR)
			break;
		for (enum slot s = SLOT_STDOUT; s <= SLOT_STDERR; s++)
			if (sv->fd[s] >= 0 && (pfd[s].revents & (POLLIN | POLLHUP | POLLERR)))
				on_output(sv, s);
		if (pfd[SLOT_STATS].revents & POLLIN)
			on_stats(sv);
		if (pfd[SLOT_METRICS].revents & POLLIN)
			on_metrics(sv);
		if (pfd[SLOT_RETRY].revents & POLLIN)
			on_retry(sv);
		if (pfd[SLOT_SIGNAL].revents & POLLIN)
			on_signal(sv);
		if (pfd[SLOT_TIMEOUT].revents & POLLIN)
			on_timeout(sv);
	}
}

/* ------------------------------------------------------------------ finish */

/* How the job ended, from its wait status and what the layers measured. */
static void compose_status(struct supervisor *sv)
{
	struct jl_job_status *st = &sv->status;

	st->started_ns = sv->started_ns;
	st->ended_ns = now_ns(CLOCK_REALTIME);
	st->cpu_usec = sv->usage.cpu_usec;
	st->memory_peak_bytes = sv->usage.memory_peak_bytes;
	st->oom = sv->usage.oom_killed;
	if (WIFEXITED(sv->wstatus)) {
		st->exited = 1;
		st->exit_code = WEXITSTATUS(sv->wstatus);
	} else if (WIFSIGNALED(sv->wstatus))
		st->signal = WTERMSIG(sv->wstatus);
	if (st->timeout)
		st->error = (char *)"killed at its timeout";
	else if (st->oom)
		st->error = (char *)"killed: out of memory (max_memory)";
	else if (st->stopped)
		st->error = (char *)"stopped on request";
}

/* The log's final marker when it was cut at its cap, before status.json says the job ended. */
static void finish_log(struct supervisor *sv)
{
	_cleanup_error_ struct joblet_error *e = NULL;

	if (jl_log_writer_finish(sv->log, &e) < 0)
		jl_log(JOBLET_LOG_WARNING, NULL, "%s", joblet_error_message(e));
	sv->status.log_dropped_bytes = jl_log_writer_dropped(sv->log);
	if (sv->status.log_dropped_bytes)
		jl_log(JOBLET_LOG_INFO, NULL,
		       "job %s: its log was truncated after %llu bytes (max_log), %llu bytes dropped",
		       joblet_job_id(sv->job), (unsigned long long)jl_log_writer_kept(sv->log),
		       (unsigned long long)sv->status.log_dropped_bytes);
}

/* The job has ended: the layers' finish() and cleanup(), then status.json. */
static int sv_finish(struct supervisor *sv, struct joblet_error **err)
{
	int r;

	disarm(sv->fd[SLOT_TIMEOUT]);
	if (!sv->child_done) {
		shim_stack_kill(&sv->stack, sv->job, sv->pidfd, SIGKILL);
		waitpid(sv->pid, &sv->wstatus, 0);
		take_job_status(sv);
	}
	shim_stack_finish(&sv->stack, sv->job, &sv->usage);
	/* Before status.json: whoever sees the job ended finds every sample. */
	take_sample(sv, JL_METRICS_FINAL);
	finish_log(sv);
	compose_status(sv);
	shim_stack_cleanup(&sv->stack, sv->job);
	/* Before status.json: a reader that sees the job ended finds /work kept. */
	keep_results(sv);
	r = jl_job_status_write(sv->state_dir, &sv->status, err);
	jl_log(JOBLET_LOG_INFO, NULL, "job %s ended (exit %d)", joblet_job_id(sv->job),
	       jl_job_status_exit_code(&sv->status));
	return r;
}

/* ------------------------------------------------------------------ the run */

static void sv_init(struct supervisor *sv, const struct jl_config *cfg,
		    const struct jl_plugin_set *set, const char *state_dir)
{
	memset(sv, 0, sizeof(*sv));
	sv->cfg = cfg;
	sv->set = set;
	sv->state_dir = state_dir;
	sv->lock_fd = sv->uid_fd = sv->pidfd = sv->notify_fd = -1;
	for (enum slot s = 0; s < SLOT_COUNT; s++)
		sv->fd[s] = -1;
	sv->child_out = sv->child_err = sv->sync_read = sv->report_write = sv->status_write = -1;
	sv->sync_write = sv->report_read = sv->status_read = -1;
	sv->pid = -1;
	sv->usage.size = sizeof(sv->usage);
	sv->started_ns = now_ns(CLOCK_REALTIME);
}

static void sv_done(struct supervisor *sv)
{
	for (enum slot s = 0; s < SLOT_COUNT; s++)
		close_fd(&sv->fd[s]);
	close_fd(&sv->child_out);
	close_fd(&sv->child_err);
	close_fd(&sv->sync_read);
	close_fd(&sv->report_write);
	close_fd(&sv->status_write);
	close_fd(&sv->sync_write);
	close_fd(&sv->report_read);
	close_fd(&sv->status_read);
	close_fd(&sv->pidfd);
	free(sv->out);
	jl_metrics_writer_free(sv->metrics);
	jl_log_writer_free(sv->log);
	jl_job_secrets_free(sv->secret_env);
	jl_job_free(sv->job);
	/* Last: the uid and the lock are released once everything of the job is done. */
	close_fd(&sv->uid_fd);
	close_fd(&sv->lock_fd);
}

int shim_supervise(const struct jl_config *cfg, const struct jl_plugin_set *set,
		   const char *state_dir, char **secret_env, int notify_fd,
		   struct joblet_error **err)
{
	struct supervisor sv;
	int r;

	sv_init(&sv, cfg, set, state_dir);
	sv.secret_env = secret_env;
	sv.notify_fd = notify_fd;
	r = sv_lock(&sv, err);
	if (r == 0)
		r = sv_setup(&sv, err);
	if (r == 0) {
		if (sv_load(&sv) < 0 || sv_spawn(&sv) < 0 || sv_release(&sv) < 0) {
			r = sv_fail(&sv, err);
		} else {
			sv_watch(&sv);
			r = sv_finish(&sv, err);
		}
	}
	sv_done(&sv);
	return r;
}
