/*
 * manager.c - jobs from submission to their end (see manager.h).
 *
 * Crash safety comes from the order of steps and from what the shim leaves
 * in the job folder: the folder exists before the record, the record before
 * any shim; a shim holds the folder's lock while it lives and marks it
 * `started` before the job runs.  So at any moment a restarted daemon can
 * tell what a job is: a held lock is a live shim (adopt it), status.json
 * an ended job, `started` without either a dead shim (FAILED), none of
 * them a job that never ran (queue it again).  A job therefore runs at most
 * once.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json.h>

#include "base/cron.h"
#include <joblet/heap.h>
#include <joblet/scheduler.h>

#include "base/cleanup.h"
#include "manager.h"
#include "networks.h"
#include "secrets.h"
#include "server.h"
#include "base/log.h"
#include "base/timefmt.h"
#include "config/config.h"
#include "job/executor.h"
#include "job/job_secrets.h"
#include "job/job_spec.h"
#include "plugin/loader.h"
#include "sched/sched.h"

#define HASH_SIZE 4096
/* The most standby supervisors kept (jobs.warm_pool). */
#define POOL_MAX 64
/* How often jobs without a pidfd (no pidfd_open here) are looked at. */
#define NO_PIDFD_CHECK_MS 250

struct mjob {
	struct job_record rec;	    /* the fields store_job_update() writes, and the id */
	struct joblet_sched_job sj; /* in the scheduler core while it waits or runs */
	int pidfd;
	bool in_sched;	      /* sj is in the scheduler core */
	bool child;	      /* the shim is our child (spawned by this daemon) */
	struct jl_cron *cron; /* a recurring job: it makes jobs, never runs itself */
	uint64_t heap_idx;    /* a recurring job's slot in the cron heap; SIZE_MAX: none yet */
	struct mjob *hnext;
};

/* A standby joblet-shim of the warm pool: started ahead, waiting on ctl for a job. */
struct standby {
	int32_t pid;
	int pidfd; /* or -1 */
	int ctl;
};

struct manager {
	struct daemon_ctx *d;
	pthread_mutex_t lock;
	struct mjob *hash[HASH_SIZE];
	size_t alive;		       /* jobs in the hash */
	size_t reserved;	       /* submissions past the cap check, not yet recorded */
	struct joblet_heap *heap;      /* recurring jobs, the next to fire first */
	struct jl_sched *sched;	       /* the scheduler core: time, capacity, pinning, policy */
	struct jl_sched_limits limits; /* its capacity (limits.cores not kept), for the monitor */
	int epfd, timer_fd, check_fd;
	bool check_armed; /* some running job has no pidfd: check_fd ticks */
	int64_t seq;
	struct manager_stats stats;
	char jobs_dir[4096];
	char shim_config[4096]; /* --config for shims, or "" */
	bool detached;
	/* The warm pool: pool_want standbys kept, refilled from manager_dispatch(). */
	struct standby pool[POOL_MAX];
	size_t pool_n, pool_want;
	int pool_fd;	  /* an eventfd in epfd: the pool wants refilling */
	bool pool_failed; /* a standby could not be started: said once */
	void (*on_event)(void *userdata, const char *id, enum manager_job_event event);
	void *on_event_userdata;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void manager_job_dir(const struct manager *m, const char *id, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", m->jobs_dir, id);
}

/* ------------------------------------------------------------------ the hash */

static size_t hash_of(const char *id)
{
	uint32_t h = 2166136261u;

	for (; *id; id++)
		h = (h ^ (uint8_t)*id) * 16777619u;
	return h % HASH_SIZE;
}

static struct mjob *find(struct manager *m, const char *id)
{
	for (struct mjob *j = m->hash[hash_of(id)]; j; j = j->hnext)
		if (strcmp(j->rec.id, id) == 0)
			return j;
	return NULL;
}

static void hash_add(struct manager *m, struct mjob *j)
{
	size_t h = hash_of(j->rec.id);

	j->hnext = m->hash[h];
	m->hash[h] = j;
	m->alive++;
}

static void hash_del(struct manager *m, struct mjob *j)
{
	for (struct mjob **p = &m->hash[hash_of(j->rec.id)]; *p; p = &(*p)->hnext)
		if (*p == j) {
			*p = j->hnext;
			m->alive--;
			return;
		}
}

/* ------------------------------------------------------------------ the cron heap */

/* Keyed by scheduled_ns; at the same time, in submission order. */
static int heap_compare(const void *a, const void *b, void *userdata)
{
	const struct job_record *x = &((const struct mjob *)a)->rec;
	const struct job_record *y = &((const struct mjob *)b)->rec;

	(void)userdata;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int heap_push(struct manager *m, struct mjob *j)
{
	return joblet_heap_push(m->heap, j, JOBLET_HEAP_KEY_INT64(j->rec.scheduled_ns), NULL);
}

static void heap_remove(struct manager *m, struct mjob *j)
{
	joblet_heap_remove(m->heap, j);
}

/* Arm the timer for the earliest scheduled job or cron run (or disarm it). */
static void arm_timer(struct manager *m)
{
	struct itimerspec its = { { 0, 0 }, { 0, 0 } };
	int64_t due = jl_sched_next_due(m->sched);
	const struct mjob *c = joblet_heap_top(m->heap);

	if (c && (due < 0 || c->rec.scheduled_ns < due))
		due = c->rec.scheduled_ns;
	if (due >= 0) {
		int64_t at = due;

		/* An absolute CLOCK_REALTIME timer follows clock changes. */
		if (at <= 0)
			at = 1;
		its.it_value.tv_sec = at / 1000000000;
		its.it_value.tv_nsec = at % 1000000000;
	}
	timerfd_settime(m->timer_fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL);
}

/* ------------------------------------------------------------------ state changes */

static void save(struct manager *m, struct mjob *j)
{
	struct joblet_error *e = NULL;

	if (store_job_update(m->d->store, &j->rec, &e) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "job %s: %s", j->rec.id, joblet_error_message(e));
		joblet_error_free(e);
	}
}

static void set_reason(struct job_record *r, const char *reason)
{
	free(r->reason);
	r->reason = reason ? strdup(reason) : NULL;
}

static void mjob_free(struct mjob *j)
{
	if (!j)
		return;
	if (j->pidfd >= 0)
		close(j->pidfd);
	job_record_done(&j->rec);
	free(j->cron);
	free(j);
}

/* A job that can never start again (ended, canceled) needs no encrypted secrets. */
static void drop_secrets(const struct manager *m, const char *id)
{
	char path[4300];

	snprintf(path, sizeof(path), "%s/%s/" JL_JOB_SECRETS_FILE, m->jobs_dir, id);
	if (unlink(path) < 0 && errno != ENOENT)
		jl_log(JOBLET_LOG_WARNING, NULL, "cannot remove `%s`: %s", path, strerror(errno));
}

/* The job has reached a final state: record it, forget it, say so. */
static void finish(struct manager *m, struct mjob *j)
{
	char id[37];

	if (j->in_sched) {
		jl_sched_release(m->sched, &j->sj, now_ns());
		j->in_sched = false;
	}
	heap_remove(m, j);
	if (j->pidfd >= 0) {
		epoll_ctl(m->epfd, EPOLL_CTL_DEL, j->pidfd, NULL);
		close(j->pidfd);
		j->pidfd = -1;
	}
	if (j->rec.ended_ns == 0)
		j->rec.ended_ns = now_ns();
	j->rec.shim_pid = 0;
	drop_secrets(m, j->rec.id);
	networks_job_end(m->d->networks, j->rec.id);
	save(m, j);
	m->stats.ended++;
	jl_log(JOBLET_LOG_INFO, NULL, "job %s %s%s%s", j->rec.id, job_state_name(j->rec.state),
	       j->rec.reason ? ": " : "", j->rec.reason ? j->rec.reason : "");
	memcpy(id, j->rec.id, sizeof(id));
	hash_del(m, j);
	mjob_free(j);
	if (m->on_event)
		m->on_event(m->on_event_userdata, id, MANAGER_JOB_ENDED);
}

/* The last line of the shim's log, for a job that ended without a status. */
static void shim_last_line(const char *dir, char *buf, size_t size)
{
	char path[4300], line[1024];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "%s/shim.log", dir);
	f = fopen(path, "re");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f))
		if (line[0] != '\n') {
			const char *msg = line;
			char when[64], level[16];
			int skip = 0;

			line[strcspn(line, "\n")] = '\0';
			/* "2026-12-03T10:00:00.000Z info    joblet: ...": the message is enough. */
			if (line[0] >= '0' && line[0] <= '9' &&
			    sscanf(line, "%63s %15s %n", when, level, &skip) == 2 && skip > 0)
				msg = line + skip;
			snprintf(buf, size, "%s", msg);
		}
	fclose(f);
}

/*
 * joblet-shim for the job folder dir (jl_shim_spawn), with this daemon's
 * --config and secrets_fd (-1: none) as its secret env.
 */
static int spawn_shim(const struct manager *m, const char *dir, enum jl_shim_mode mode,
		      int secrets_fd, int32_t *ret_pid, int *ret_pidfd, struct joblet_error **err)
{
	return jl_shim_spawn(dir, m->shim_config[0] ? m->shim_config : NULL, mode, secrets_fd, -1,
			     ret_pid, ret_pidfd, err);
}

/* `joblet-shim --reap DIR`: removes what a dead shim left (cgroups, processes). */
static void spawn_reaper(struct manager *m, const char *dir)
{
	int32_t pid;

	if (spawn_shim(m, dir, JL_SHIM_REAP, -1, &pid, NULL, NULL) < 0)
		jl_log(JOBLET_LOG_WARNING, NULL, "cannot start `%s --reap %s`", jl_shim_path(),
		       dir);
}

/* How a job ended, from its status.json. */
static void apply_status(struct job_record *r, const struct jl_job_status *st)
{
	char why[256] = "";

	r->has_exit_code = 1;
	r->exit_code = jl_job_status_exit_code(st);
	r->signal = st->signal;
	r->cpu_usec = (int64_t)st->cpu_usec;
	r->memory_peak_bytes = (int64_t)st->memory_peak_bytes;
	r->log_dropped_bytes = (int64_t)st->log_dropped_bytes;
	if (st->started_ns)
		r->started_ns = st->started_ns;
	r->ended_ns = st->ended_ns ? st->ended_ns : now_ns();
	if (st->failed_to_start) {
		r->state = JOB_FAILED;
		snprintf(why, sizeof(why), "did not start: %s", st->error ? st->error : "unknown");
	} else if (st->timeout) {
		r->state = JOB_TIMEOUT;
		snprintf(why, sizeof(why), "%s", st->error ? st->error : "killed at its timeout");
	} else if (st->oom) {
		r->state = JOB_OOM_KILLED;
		snprintf(why, sizeof(why), "killed: out of memory (max_memory)");
	} else if (st->stopped) {
		r->state = JOB_STOPPED;
		snprintf(why, sizeof(why), "stopped on request");
	} else if (st->exited && st->exit_code == 0) {
		r->state = JOB_COMPLETED;
	} else {
		r->state = JOB_FAILED;
		if (st->exited)
			snprintf(why, sizeof(why), "exit code %d", st->exit_code);
		else
			snprintf(why, sizeof(why), "killed by signal %d (%s)", st->signal,
				 strsignal(st->signal));
	}
	set_reason(r, why[0] ? why : NULL);
}

static int watch(struct manager *m, struct mjob *j);

/* A job's shim is gone (or was never seen): decide what the job is now. */
static void settle(struct manager *m, struct mjob *j)
{
	struct jl_job_status st = { 0 };
	struct joblet_error *e = NULL;
	char dir[4200], started[4300], line[1024], why[1200];
	struct stat sb;

	manager_job_dir(m, j->rec.id, dir, sizeof(dir));
	if (jl_job_running(dir)) {
		/* Another shim of this job holds it (a spawn raced a restart): follow that one. */
		if (watch(m, j) == 0)
			return;
	}
	if (jl_job_status_read(dir, &st, &e) == 0) {
		apply_status(&j->rec, &st);
		jl_job_status_done(&st);
		finish(m, j);
		return;
	}
	joblet_error_clear(&e);
	snprintf(started, sizeof(started), "%s/started", dir);
	shim_last_line(dir, line, sizeof(line));
	j->rec.state = JOB_FAILED;
	j->rec.has_exit_code = 1;
	j->rec.exit_code = 125;
	if (stat(started, &sb) == 0) {
		snprintf(why, sizeof(why),
			 "its supervisor (joblet-shim) died while the job ran; its log ends: %s",
			 line[0] ? line : "(empty)");
		spawn_reaper(m, dir);
	} else
		snprintf(why, sizeof(why),
			 "its supervisor (joblet-shim) ended before the job started: %s",
			 line[0] ? line : "its log is empty");
	set_reason(&j->rec, why);
	finish(m, j);
}

static int open_pidfd(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

/* A running job has no pidfd (kernel < 5.3, valgrind, no fd left): look at it regularly. */
static void need_check(struct manager *m)
{
	struct itimerspec every = { { 0, NO_PIDFD_CHECK_MS * 1000000 },
				    { 0, NO_PIDFD_CHECK_MS * 1000000 } };

	if (!m->check_armed && timerfd_settime(m->check_fd, 0, &every, NULL) == 0)
		m->check_armed = true;
}

/*
 * Watch the shim that holds job j's folder now (pid from its lock).  0 when
 * it is watched; negative when no shim holds it.
 */
static int watch(struct manager *m, struct mjob *j)
{
	char dir[4200];
	struct epoll_event ev = { .events = EPOLLIN };
	int pidfd;
	int32_t pid = 0;

	manager_job_dir(m, j->rec.id, dir, sizeof(dir));
	if (jl_job_shim_pid(dir, &pid) < 0)
		return -1;
	pidfd = open_pidfd((pid_t)pid);
	/* The pidfd pins the process; it must still hold the lock (not a reused pid). */
	if (pidfd < 0 && errno != ENOSYS)
		return -1;
	if (!jl_job_running(dir)) {
		if (pidfd >= 0)
			close(pidfd);
		return -1;
	}
	if (j->pidfd >= 0) {
		epoll_ctl(m->epfd, EPOLL_CTL_DEL, j->pidfd, NULL);
		close(j->pidfd);
	}
	j->pidfd = pidfd;
	j->rec.shim_pid = (int32_t)pid;
	if (pidfd >= 0) {
		ev.data.ptr = j;
		epoll_ctl(m->epfd, EPOLL_CTL_ADD, pidfd, &ev);
	} else
		need_check(m);
	return 0;
}

/* The spec.json of the job folder dir into *ret. */
static int read_spec(const char *dir, struct jl_job_spec **ret, struct joblet_error **err)
{
	char path[4300], *text = NULL;
	FILE *f;
	int r = 0;
	long n;

	snprintf(path, sizeof(path), "%s/spec.json", dir);
	f = fopen(path, "re");
	if (!f)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot read `%s`", path);
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0 ||
	    !(text = calloc(1, (size_t)n + 1)) || fread(text, 1, (size_t)n, f) != (size_t)n)
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot read `%s`", path);
	fclose(f);
	if (r == 0)
		r = jl_job_spec_from_json(text, ret, err);
	free(text);
	return r;
}

/*
 * spec as the spec.json of the job folder dir, written beside and renamed
 * (the shim reads one or the other), 0600 whatever the umask.
 */
static int write_spec(const char *dir, const struct jl_job_spec *spec, struct joblet_error **err)
{
	char path[4300], tmp[4300];
	_cleanup_free_ char *json = NULL;
	_cleanup_close_ int fd = -1;
	int r;

	snprintf(path, sizeof(path), "%s/spec.json", dir);
	snprintf(tmp, sizeof(tmp), "%s/spec.json.tmp", dir);
	r = jl_job_spec_to_json(spec, &json, err);
	if (r < 0)
		return r;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fchmod(fd, 0600) < 0 || jl_write_all(fd, json, strlen(json)) < 0 ||
	    close(TAKE_FD(fd)) < 0 || rename(tmp, path) < 0) {
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s`", path);
		unlink(tmp);
	}
	return r;
}

/* The cores the scheduler chose for a --cpus job go into its spec.json as its cpuset. */
static int pin_cores(const char *dir, const char *cores, struct joblet_error **err)
{
	struct jl_job_spec *spec = NULL;
	int r = read_spec(dir, &spec, err);

	if (r < 0)
		return r;
	free(spec->cpu_cores);
	spec->cpu_cores = strdup(cores);
	if (!spec->cpu_cores)
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot pin the job's cores");
	if (r == 0)
		r = write_spec(dir, spec, err);
	jl_job_spec_free(spec);
	return r;
}

/*
 * A job of an earlier release that waits to start has its secret values in
 * clear in spec.json: seal them (secrets.enc) and write spec.json again,
 * with `***`.  A failure is logged: the job then starts with them as they are.
 */
static void migrate_secrets(struct manager *m, const char *id)
{
	struct jl_job_spec *spec = NULL;
	struct joblet_error *e = NULL;
	char dir[4200];
	bool clear = false;
	int r;

	manager_job_dir(m, id, dir, sizeof(dir));
	if (read_spec(dir, &spec, &e) < 0) {
		joblet_error_free(e);
		return;
	}
	for (char **v = spec->secret_env; v && *v; v++)
		clear |= strcmp(strchr(*v, '=') + 1, JL_JOB_SECRET_MASK) != 0;
	r = clear ? secrets_seal(m->d->secret_key, dir, id, spec->secret_env, &e) : 0;
	if (r < 0 && e->code == JOBLET_E_EXISTS) {
		joblet_error_clear(&e);
		r = 0;
	}
	if (clear && r == 0)
		r = write_spec(dir, spec, &e);
	if (r < 0)
		jl_log(JOBLET_LOG_WARNING, NULL, "job %s: cannot encrypt its secrets: %s", id,
		       joblet_error_message(e));
	else if (clear)
		jl_log(JOBLET_LOG_INFO, NULL,
		       "job %s: its secret values (spec.json of an earlier release) are encrypted now",
		       id);
	joblet_error_free(e);
	jl_job_spec_free(spec);
}

/* ------------------------------------------------------------------ the warm pool */

/* Start standbys until the pool holds pool_want (called with the lock held). */
static void pool_fill(struct manager *m)
{
	while (m->pool_n < m->pool_want && !m->detached) {
		struct standby *sb = &m->pool[m->pool_n];
		struct joblet_error *e = NULL;

		if (jl_shim_spawn_standby(m->shim_config[0] ? m->shim_config : NULL, &sb->pid,
					  &sb->pidfd, &sb->ctl, &e) < 0) {
			if (!m->pool_failed)
				jl_log(JOBLET_LOG_WARNING, NULL,
				       "cannot keep standby supervisors (jobs.warm_pool): %s; jobs start the usual way",
				       joblet_error_message(e));
			m->pool_failed = true;
			joblet_error_free(e);
			return;
		}
		m->pool_n++;
		m->stats.standbys_started++;
	}
}

/* Ask for a refill from the dispatch loop: spawning is kept off a request's path. */
static void pool_want_fill(struct manager *m)
{
	uint64_t one = 1;

	if (m->pool_fd >= 0 && m->pool_n < m->pool_want)
		(void)!write(m->pool_fd, &one, sizeof(one));
}

/* Has this standby died (its pidfd reports)? */
static bool standby_gone(const struct standby *sb)
{
	struct pollfd p = { sb->pidfd, POLLIN, 0 };

	return sb->pidfd >= 0 && poll(&p, 1, 0) == 1;
}

/* Let a standby go: it exits when its ctl closes (reaped by manager_sigchld()). */
static void standby_release(struct standby *sb)
{
	close(sb->ctl);
	if (sb->pidfd >= 0)
		close(sb->pidfd);
}

/*
 * Hand job folder dir to a standby of the pool: 0 with its pid and pidfd,
 * -1 when none could take it (the caller starts a shim the usual way).
 */
static int pool_claim(struct manager *m, const char *dir, int secrets_fd, int32_t *ret_pid,
		      int *ret_pidfd)
{
	while (m->pool_n > 0) {
		/* The oldest first: the likeliest to be waiting already. */
		struct standby sb = m->pool[0];
		struct joblet_error *e = NULL;

		memmove(m->pool, m->pool + 1, --m->pool_n * sizeof(m->pool[0]));
		if (standby_gone(&sb)) {
			standby_release(&sb);
			continue;
		}
		/*
		 * It prepared with SCHED_IDLE (jl_shim_spawn_standby()); from now
		 * on it is a job's supervisor, also if it is still loading: on a
		 * busy host an idle-time standby could wait long for the CPU.
		 */
		(void)sched_setscheduler(sb.pid, SCHED_OTHER,
					 &(struct sched_param){ .sched_priority = 0 });
		if (jl_shim_claim(sb.ctl, dir, secrets_fd, &e) < 0) {
			jl_log(JOBLET_LOG_INFO, NULL, "a standby supervisor did not take a job: %s",
			       joblet_error_message(e));
			joblet_error_free(e);
			standby_release(&sb);
			continue;
		}
		close(sb.ctl);
		*ret_pid = sb.pid;
		*ret_pidfd = sb.pidfd;
		m->stats.standbys_claimed++;
		pool_want_fill(m);
		return 0;
	}
	pool_want_fill(m);
	return -1;
}

/* Let every standby go (the daemon stops): each exits as its ctl closes; wait for them. */
static void pool_drain(struct manager *m)
{
	while (m->pool_n > 0) {
		struct standby sb = m->pool[--m->pool_n];

		standby_release(&sb);
		while (waitpid(sb.pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
}

/* Start the shim of job j (jl_shim_spawn: a fresh program in its own session, no fork copy). */
static int start(struct manager *m, struct mjob *j)
{
	struct epoll_event ev = { .events = EPOLLIN };
	struct joblet_error *e = NULL, *spawn_e = NULL, *secrets_e = NULL, *net_e = NULL;
	_cleanup_close_ int secrets_fd = -1;
	char dir[4200];
	int32_t pid;
	int r = 0;

	manager_job_dir(m, j->rec.id, dir, sizeof(dir));
	jl_sched_job_cores(&j->sj, j->rec.cores, sizeof(j->rec.cores));
	if (j->rec.cores[0] && pin_cores(dir, j->rec.cores, &e) < 0)
		r = -1;
	else if (networks_job_start(m->d->networks, dir, j->rec.id, &net_e) < 0)
		r = -1;
	else if (secrets_open_fd(m->d->secret_key, dir, j->rec.id, &secrets_fd, &secrets_e) < 0)
		r = -1;
	else if (pool_claim(m, dir, secrets_fd, &pid, &j->pidfd) < 0)
		r = spawn_shim(m, dir, JL_SHIM_RUN, secrets_fd, &pid, &j->pidfd, &spawn_e);
	if (r != 0) {
		char why[900];

		m->stats.start_failures++;
		/* Whichever step of the launch failed, the reason a job has always given. */
		if (e)
			snprintf(why, sizeof(why), "cannot pin its cores: %s",
				 joblet_error_message(e));
		else if (secrets_e)
			snprintf(why, sizeof(why), "cannot read its secrets: %s",
				 joblet_error_message(secrets_e));
		else if (net_e)
			snprintf(why, sizeof(why), "%s", joblet_error_message(net_e));
		else
			snprintf(why, sizeof(why), "cannot start the job supervisor `%s`: %s",
				 jl_shim_path(), strerror(spawn_e ? spawn_e->saved_errno : 0));
		joblet_error_free(e);
		joblet_error_free(secrets_e);
		joblet_error_free(net_e);
		joblet_error_free(spawn_e);
		j->rec.state = JOB_FAILED;
		j->rec.has_exit_code = 1;
		j->rec.exit_code = 125;
		set_reason(&j->rec, why);
		finish(m, j);
		return -1;
	}
	j->child = true;
	j->rec.shim_pid = pid;
	j->rec.state = JOB_RUNNING;
	j->rec.started_ns = now_ns();
	if (j->pidfd >= 0) {
		ev.data.ptr = j;
		epoll_ctl(m->epfd, EPOLL_CTL_ADD, j->pidfd, &ev);
	} else
		need_check(m);
	m->stats.started++;
	save(m, j);
	return 0;
}

/* Scheduled jobs whose time has come are PENDING now (the record says so). */
static void mark_due(struct manager *m, int64_t now)
{
	struct joblet_sched_job *sj;

	while ((sj = jl_sched_due(m->sched, now))) {
		struct mjob *j = (struct mjob *)((char *)sj - offsetof(struct mjob, sj));

		j->rec.state = JOB_PENDING;
		save(m, j);
	}
}

/* Start whatever the scheduler picks, as long as it picks. */
static void schedule(struct manager *m)
{
	struct joblet_sched_job *sj;
	int64_t now = now_ns();

	if (m->detached)
		return;
	/* First, so that a job that falls due here and must wait is recorded PENDING. */
	mark_due(m, now);
	while ((sj = jl_sched_next(m->sched, now))) {
		struct mjob *j = (struct mjob *)((char *)sj - offsetof(struct mjob, sj));

		start(m, j);
	}
}

/* What the scheduler core needs of job j; the limits come from its spec. */
static void fill_sched_job(struct mjob *j, int64_t max_cpu, int64_t max_memory_mib, int64_t cpus,
			   int64_t max_disk_mib)
{
	j->sj.size = sizeof(j->sj);
	j->sj.id = j->rec.id;
	j->sj.owner = j->rec.owner;
	j->sj.seq = (uint64_t)j->rec.seq;
	j->sj.priority = j->rec.priority;
	/* A job pinned to N cores can use at most N x 100%: that is its share of the budget. */
	j->sj.max_cpu = max_cpu > 0 ? max_cpu : cpus * 100;
	j->sj.max_memory_mib = max_memory_mib;
	j->sj.max_disk_mib = max_disk_mib;
	j->sj.exclusive_cores = cpus;
	j->sj.start_at_ns = j->rec.state == JOB_SCHEDULED ? j->rec.scheduled_ns : 0;
	/*
	 * When it became ready (created, or its start time): after a restart a
	 * waiting job keeps the age it had, for aging and fair share.
	 */
	j->sj.submit_time_ns =
		j->rec.scheduled_ns > j->rec.created_ns ? j->rec.scheduled_ns : j->rec.created_ns;
}

/* The limits from a stored public spec (max_cpu, max_memory, cpus, max_disk). */
static void fill_sched_job_json(struct mjob *j, const char *spec_json)
{
	json_object *o = spec_json ? json_tokener_parse(spec_json) : NULL, *v;
	int64_t cpu = 0, mem = 0, cpus = 0, disk = 0;

	if (o && json_object_object_get_ex(o, "max_cpu", &v))
		cpu = json_object_get_int64(v);
	if (o && json_object_object_get_ex(o, "max_memory", &v))
		mem = json_object_get_int64(v);
	if (o && json_object_object_get_ex(o, "cpus", &v))
		cpus = json_object_get_int64(v);
	if (o && json_object_object_get_ex(o, "max_disk", &v))
		disk = json_object_get_int64(v);
	json_object_put(o);
	fill_sched_job(j, cpu, mem, cpus, disk);
}

/* Hand job j (filled) to the scheduler core: it waits for its time, its turn and room. */
static int enqueue(struct manager *m, struct mjob *j)
{
	struct joblet_error *e = NULL;

	if (jl_sched_add(m->sched, &j->sj, now_ns(), &e) < 0) {
		/* Only after a restart with smaller limits: it can never run here now. */
		char why[1100];

		snprintf(why, sizeof(why), "it can never run on this node: %s",
			 joblet_error_message(e));
		joblet_error_free(e);
		j->rec.state = JOB_FAILED;
		j->rec.has_exit_code = 1;
		j->rec.exit_code = 125;
		set_reason(&j->rec, why);
		finish(m, j);
		return -1;
	}
	j->in_sched = true;
	return 0;
}

static void cron_fire(struct manager *m, struct mjob *c, int64_t now);

/*
 * Scheduled jobs whose time has come become pending; recurring jobs that are
 * due fire.  With the lock held; cron_fire() lets it go while it copies files.
 */
static void fire_due(struct manager *m)
{
	int64_t now = now_ns();
	struct mjob *c;

	mark_due(m, now);
	while ((c = joblet_heap_top(m->heap)) && c->rec.scheduled_ns <= now)
		cron_fire(m, c, now);
	arm_timer(m);
}

/* ------------------------------------------------------------------ recurring jobs */

/* The spec of a run of recurring job id: its own, a new id, its files to copy. */
static int cron_child_spec(struct manager *m, const char *id, struct jl_job_spec **ret,
			   struct joblet_error **err)
{
	char dir[4200], path[4300];
	struct jl_job_spec *spec = NULL, *fresh = NULL;
	DIR *wd;
	struct dirent *de;
	int r = 0;

	manager_job_dir(m, id, dir, sizeof(dir));
	r = read_spec(dir, &spec, err);
	if (r == 0)
		r = jl_job_spec_new(&fresh, err);
	if (r < 0) {
		jl_job_spec_free(spec);
		return r;
	}
	free(spec->id);
	spec->id = fresh->id;
	fresh->id = NULL;
	jl_job_spec_free(fresh);
	free(spec->cron);
	spec->cron = NULL;
	spec->schedule_ns = 0;
	/* The files uploaded with the recurring job are copied into each run's /work. */
	for (char **u = spec->uploads; u && *u; u++)
		free(*u);
	if (spec->uploads)
		spec->uploads[0] = NULL;
	snprintf(path, sizeof(path), "%s/work", dir);
	wd = opendir(path);
	while (wd && (de = readdir(wd))) {
		char *full;
		char **g;
		size_t k = 0, len;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		len = strlen(path) + strlen(de->d_name) + 2;
		full = malloc(len);
		while (spec->uploads && spec->uploads[k])
			k++;
		g = full ? realloc(spec->uploads, (k + 2) * sizeof(*g)) : NULL;
		if (!g) {
			free(full);
			r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					     "cannot copy the job's files");
			break;
		}
		snprintf(full, len, "%s/%s", path, de->d_name);
		g[k] = full;
		g[k + 1] = NULL;
		spec->uploads = g;
	}
	if (wd)
		closedir(wd);
	if (r < 0) {
		jl_job_spec_free(spec);
		return r;
	}
	*ret = spec;
	return 0;
}

/* The public spec of a run: the recurring job's, without its cron line. */
static char *cron_child_public(const char *spec_json)
{
	json_object *o = spec_json ? json_tokener_parse(spec_json) : NULL;
	const char *t;
	char *out;

	if (!o)
		return NULL;
	json_object_object_del(o, "cron");
	t = json_object_to_json_string_ext(o,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	out = t ? strdup(t) : NULL;
	json_object_put(o);
	return out;
}

/*
 * Recurring job c is due: make its run (a new job, queued like any) and move
 * c to its next time, both in one store transaction, so a crash at any
 * point fires it at most once.  The run's folder (a copy of c's uploads) is
 * made without the lock, so a large upload holds up no other call; a folder
 * left by a crash there has no record and recovery removes it.  A run that
 * cannot be made is noted in c's reason and the daemon log; c keeps its
 * schedule.  Called with the lock held; c may be gone when it returns.
 */
static void cron_fire(struct manager *m, struct mjob *c, int64_t now)
{
	struct jl_job_spec *spec = NULL;
	struct joblet_error *e = NULL;
	struct mjob *j = NULL;
	char id[37], *dir = NULL, when[40], why[1200];
	int64_t next = jl_cron_next(c->cron, now);
	int r = 0;

	jl_time_format_rfc3339(c->rec.scheduled_ns, when, sizeof(when));
	/* Out of the heap while its run is made: nothing else fires it meanwhile. */
	heap_remove(m, c);
	if (m->alive + m->reserved >= (size_t)m->d->cfg->max_active_jobs)
		r = joblet_error_set(
			&e, JOBLET_E_LIMIT, 0,
			"%lld jobs are pending, scheduled or running (jobs.max_active)",
			(long long)m->d->cfg->max_active_jobs);
	if (r == 0) {
		memcpy(id, c->rec.id, sizeof(id));
		m->reserved++;
		pthread_mutex_unlock(&m->lock);
		r = cron_child_spec(m, id, &spec, &e);
		if (r == 0)
			r = jl_job_create(m->d->cfg, spec, &dir, &e);
		if (r == 0) {
			char from[4200];

			/* The run gets the recurring job's secrets, sealed again for its own id. */
			manager_job_dir(m, id, from, sizeof(from));
			r = secrets_copy(m->d->secret_key, from, id, dir, spec->id, &e);
		}
		pthread_mutex_lock(&m->lock);
		m->reserved--;
		c = find(m, id);
		if (!c || c->rec.state != JOB_SCHEDULED) {
			/* Canceled meanwhile: this run is not made. */
			if (dir && jl_job_remove(dir, NULL) < 0)
				jl_log(JOBLET_LOG_WARNING, NULL, "cannot remove `%s`", dir);
			joblet_error_free(e);
			jl_job_spec_free(spec);
			free(dir);
			return;
		}
	}
	if (r == 0 && !(j = calloc(1, sizeof(*j))))
		r = joblet_error_set(&e, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	if (r == 0) {
		j->pidfd = -1;
		j->heap_idx = SIZE_MAX;
		snprintf(j->rec.id, sizeof(j->rec.id), "%s", spec->id);
		snprintf(j->rec.parent, sizeof(j->rec.parent), "%s", c->rec.id);
		j->rec.name = c->rec.name ? strdup(c->rec.name) : NULL;
		j->rec.owner = strdup(c->rec.owner);
		j->rec.owner_serial = c->rec.owner_serial ? strdup(c->rec.owner_serial) : NULL;
		j->rec.owner_role = c->rec.owner_role ? strdup(c->rec.owner_role) : NULL;
		j->rec.spec_json = cron_child_public(c->rec.spec_json);
		j->rec.command = strdup(c->rec.command ? c->rec.command : "");
		j->rec.priority = c->rec.priority;
		j->rec.created_ns = now;
		j->rec.state = JOB_PENDING;
		j->rec.seq = ++m->seq;
		if (!j->rec.owner || !j->rec.spec_json || !j->rec.command ||
		    (c->rec.name && !j->rec.name))
			r = joblet_error_set(&e, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	}
	c->rec.scheduled_ns = next > 0 ? next : INT64_MAX;
	if (r == 0) {
		c->rec.runs++;
		set_reason(&c->rec, NULL);
		r = store_cron_fire(m->d->store, &c->rec, &j->rec, &e);
		if (r < 0)
			c->rec.runs--;
	}
	if (r < 0) {
		snprintf(why, sizeof(why), "its run due at %s was not made: %s", when,
			 joblet_error_message(e));
		jl_log(JOBLET_LOG_ERROR, NULL, "recurring job %s: %s", c->rec.id, why);
		set_reason(&c->rec, why);
		save(m, c);
		if (dir && jl_job_remove(dir, NULL) < 0)
			jl_log(JOBLET_LOG_WARNING, NULL, "cannot remove `%s`", dir);
		if (j)
			m->seq--;
		mjob_free(j);
	} else {
		free(j->rec.spec_json);
		free(j->rec.command);
		j->rec.spec_json = j->rec.command = NULL;
		hash_add(m, j);
		m->stats.submitted++;
		jl_log(JOBLET_LOG_INFO, NULL, "recurring job %s (`%s`): run %lld is job %s",
		       c->rec.id, c->rec.cron, (long long)c->rec.runs, j->rec.id);
		fill_sched_job_json(j, c->rec.spec_json);
		enqueue(m, j);
	}
	joblet_error_free(e);
	jl_job_spec_free(spec);
	free(dir);
	if (next > 0)
		heap_push(m, c);
	else {
		c->rec.state = JOB_COMPLETED;
		set_reason(&c->rec, "its cron expression matches no time in the next five years");
		finish(m, c);
	}
}

/* ------------------------------------------------------------------ the loop */

/* The scheduler core over the configured capacity; auto = what this host has. */
static int make_sched(const struct jl_config *cfg, const struct joblet_plugin *policy,
		      struct jl_sched **ret, struct jl_sched_limits *ret_limits,
		      struct joblet_error **err)
{
	struct jl_sched_limits lim = { .size = sizeof(lim) };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN), pages = sysconf(_SC_PHYS_PAGES),
	     page = sysconf(_SC_PAGESIZE);
	char online[1024] = "";
	FILE *f;
	int r;

	lim.max_running_jobs = cfg->max_running_jobs;
	lim.cpu_budget =
		cfg->cpu_budget != 0 ? cfg->cpu_budget : (int64_t)(ncpu > 0 ? ncpu : 1) * 100;
	lim.memory_budget_mib = cfg->memory_budget > 0	 ? cfg->memory_budget >> 20
				: cfg->memory_budget < 0 ? -1
							 : (int64_t)pages * page >> 20;
	lim.disk_budget_mib = cfg->disk_budget > 0 ? cfg->disk_budget >> 20 : -1;
	if (cfg->pinnable_cores)
		lim.cores = cfg->pinnable_cores;
	else if ((f = fopen("/sys/devices/system/cpu/online", "re"))) {
		if (fgets(online, sizeof(online), f))
			online[strcspn(online, "\n")] = '\0';
		fclose(f);
		lim.cores = online;
	}
	r = jl_sched_new(&lim, policy, ret, err);
	*ret_limits = lim;
	ret_limits->cores = ret_limits->sysfs_cpu = NULL;
	if (r == 0)
		jl_log(JOBLET_LOG_INFO, NULL,
		       "scheduler: policy %s, at most %lld jobs at once, CPU budget %lld%%, memory budget %lld MiB, disk budget %lld MiB, cores to pin: %s",
		       policy->name, (long long)lim.max_running_jobs, (long long)lim.cpu_budget,
		       (long long)lim.memory_budget_mib, (long long)lim.disk_budget_mib,
		       lim.cores && *lim.cores ? lim.cores : "none");
	return r;
}

int manager_new(struct daemon_ctx *d, struct manager **ret, struct joblet_error **err)
{
	const struct joblet_plugin *p =
		jl_plugin_set_find(d->set, JOBLET_KIND_SCHEDULER, d->cfg->scheduler_policy);
	struct manager *m = calloc(1, sizeof(*m));
	struct epoll_event ev = { .events = EPOLLIN };
	int r;

	if (!m)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot start the job manager");
	m->d = d;
	m->epfd = m->timer_fd = m->check_fd = m->pool_fd = -1;
	pthread_mutex_init(&m->lock, NULL);
	snprintf(m->jobs_dir, sizeof(m->jobs_dir), "%s/jobs", d->cfg->state_dir);
	if (d->config_path)
		snprintf(m->shim_config, sizeof(m->shim_config), "%s", d->config_path);
	if (!p) {
		r = joblet_error_set(err, JOBLET_E_NOT_FOUND, 0,
				     "scheduler policy `%s` is not loaded",
				     d->cfg->scheduler_policy);
		goto fail;
	}
	if ((r = make_sched(d->cfg, p, &m->sched, &m->limits, err)) < 0)
		goto fail;
	if ((r = joblet_heap_new(heap_compare, NULL, offsetof(struct mjob, heap_idx), &m->heap,
				 err)) < 0)
		goto fail;
	if (mkdir(m->jobs_dir, 0700) < 0 && errno != EEXIST) {
		r = joblet_error_set(err, JOBLET_E_IO, errno, "cannot create `%s`", m->jobs_dir);
		goto fail;
	}
	m->epfd = epoll_create1(EPOLL_CLOEXEC);
	m->timer_fd = timerfd_create(CLOCK_REALTIME, TFD_CLOEXEC | TFD_NONBLOCK);
	m->check_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (m->epfd < 0 || m->timer_fd < 0 || m->check_fd < 0) {
		r = joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot set up the job manager");
		goto fail;
	}
	ev.data.ptr = &m->timer_fd;
	epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->timer_fd, &ev);
	/* Armed by need_check() only while a running job has no pidfd. */
	ev.data.ptr = &m->check_fd;
	epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->check_fd, &ev);
	/* jobs.warm_pool: auto is two standbys per CPU; filled by the first dispatch. */
	m->pool_want = d->cfg->warm_pool >= 0 ? (size_t)d->cfg->warm_pool
					      : 2 * (size_t)(sysconf(_SC_NPROCESSORS_ONLN) > 0
								     ? sysconf(_SC_NPROCESSORS_ONLN)
								     : 1);
	if (m->pool_want > POOL_MAX)
		m->pool_want = POOL_MAX;
	if (m->pool_want > 0) {
		m->pool_fd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
		if (m->pool_fd < 0) {
			r = joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					     "cannot set up the job manager");
			goto fail;
		}
		ev.data.ptr = &m->pool_fd;
		epoll_ctl(m->epfd, EPOLL_CTL_ADD, m->pool_fd, &ev);
	}
	if ((r = store_job_max_seq(d->store, &m->seq, err)) < 0)
		goto fail;
	*ret = m;
	return 0;
fail:
	manager_free(m);
	return r;
}

void manager_on_job_event(struct manager *m,
			  void (*fn)(void *userdata, const char *id, enum manager_job_event event),
			  void *userdata)
{
	pthread_mutex_lock(&m->lock);
	m->on_event = fn;
	m->on_event_userdata = userdata;
	pthread_mutex_unlock(&m->lock);
}

void manager_free(struct manager *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < HASH_SIZE; i++)
		while (m->hash[i]) {
			struct mjob *j = m->hash[i];

			m->hash[i] = j->hnext;
			mjob_free(j);
		}
	pool_drain(m);
	jl_sched_free(m->sched);
	joblet_heap_free(m->heap);
	if (m->pool_fd >= 0)
		close(m->pool_fd);
	if (m->epfd >= 0)
		close(m->epfd);
	if (m->timer_fd >= 0)
		close(m->timer_fd);
	if (m->check_fd >= 0)
		close(m->check_fd);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

int manager_fd(struct manager *m)
{
	return m->epfd;
}

/* Jobs watched without a pidfd: has the shim gone?  The ticks stop when none is left. */
static void check_unwatched(struct manager *m)
{
	struct itimerspec off = { { 0, 0 }, { 0, 0 } };
	size_t left = 0;

	for (size_t i = 0; i < HASH_SIZE; i++)
		for (struct mjob *j = m->hash[i], *next; j; j = next) {
			char dir[4200];

			next = j->hnext;
			if (j->rec.state != JOB_RUNNING || j->pidfd >= 0)
				continue;
			manager_job_dir(m, j->rec.id, dir, sizeof(dir));
			if ((j->child && waitpid(j->rec.shim_pid, NULL, WNOHANG) == 0) ||
			    (!j->child && kill(j->rec.shim_pid, 0) == 0 && jl_job_running(dir))) {
				left++;
				continue;
			}
			settle(m, j);
		}
	/* settle() may have found a new shim to watch without a pidfd: need_check() re-arms. */
	if (left == 0 && m->check_armed) {
		timerfd_settime(m->check_fd, 0, &off, NULL);
		m->check_armed = false;
	}
}

/*
 * Take a timerfd's expirations, so epoll stops reporting it.  Their count
 * is not needed (the heap and the jobs say what is due), and EAGAIN
 * (nothing left) and ECANCELED (the clock was set) mean the same as a
 * count: look again.
 */
static void timer_clear(int fd)
{
	uint64_t ticks;

	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN && errno != ECANCELED)
		jl_log(JOBLET_LOG_WARNING, NULL, "cannot read a timer of the job manager: %s",
		       strerror(errno));
}

void manager_dispatch(struct manager *m)
{
	struct epoll_event evs[64];
	int n;

	pthread_mutex_lock(&m->lock);
	while ((n = epoll_wait(m->epfd, evs, 64, 0)) > 0) {
		bool due = false;

		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &m->timer_fd) {
				timer_clear(m->timer_fd);
				due = true;
			} else if (p == &m->check_fd) {
				timer_clear(m->check_fd);
				check_unwatched(m);
			} else if (p == &m->pool_fd) {
				timer_clear(m->pool_fd);
				pool_fill(m);
			} else {
				struct mjob *j = p;

				/* Our own child is reaped here, an adopted shim by init. */
				if (j->child)
					waitpid(j->rec.shim_pid, NULL, WNOHANG);
				epoll_ctl(m->epfd, EPOLL_CTL_DEL, j->pidfd, NULL);
				close(j->pidfd);
				j->pidfd = -1;
				j->child = false;
				settle(m, j);
			}
		}
		/* After the batch: fire_due() lets the lock go, and evs[] holds job pointers. */
		if (due)
			fire_due(m);
		schedule(m);
	}
	pthread_mutex_unlock(&m->lock);
}

void manager_sigchld(struct manager *m)
{
	pthread_mutex_lock(&m->lock);
	if (m->check_armed)
		check_unwatched(m);
	/* Reapers and shims whose pidfd already reported: collect them. */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	schedule(m);
	pthread_mutex_unlock(&m->lock);
}

/* ------------------------------------------------------------------ recovery */

struct recover_ctx {
	struct manager *m;
	int64_t adopted, requeued, failed, finished;
};

static int recover_one(const struct job_record *r, void *userdata)
{
	struct recover_ctx *rc = userdata;
	struct manager *m = rc->m;
	struct mjob *j;
	char dir[4200], started[4300], path[4300];
	struct stat sb;

	if (job_state_final(r->state))
		return 0;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->pidfd = -1;
	j->heap_idx = SIZE_MAX;
	j->rec = *r;
	j->rec.name = r->name ? strdup(r->name) : NULL;
	j->rec.owner = strdup(r->owner);
	j->rec.owner_serial = r->owner_serial ? strdup(r->owner_serial) : NULL;
	j->rec.owner_role = r->owner_role ? strdup(r->owner_role) : NULL;
	j->rec.reason = r->reason ? strdup(r->reason) : NULL;
	j->rec.cron = r->cron ? strdup(r->cron) : NULL;
	/* A recurring job keeps its spec and command: every run copies them. */
	j->rec.spec_json = r->cron ? strdup(r->spec_json) : NULL;
	j->rec.command = r->cron ? strdup(r->command) : NULL;
	hash_add(m, j);
	if (r->cron) {
		struct joblet_error *e = NULL;

		j->cron = malloc(sizeof(*j->cron));
		if (!j->cron || !j->rec.spec_json || !j->rec.command ||
		    jl_cron_parse(r->cron, j->cron, &e) < 0) {
			char why[600];

			snprintf(why, sizeof(why), "cannot take up the recurring job again: %s",
				 e ? joblet_error_message(e) : "out of memory");
			joblet_error_free(e);
			j->rec.state = JOB_FAILED;
			set_reason(&j->rec, why);
			rc->failed++;
			finish(m, j);
			return 0;
		}
		migrate_secrets(m, r->id);
		/* A run that fell due while no daemon ran is made once, at once (fire_due). */
		heap_push(m, j);
		rc->requeued++;
		return 0;
	}
	manager_job_dir(m, r->id, dir, sizeof(dir));
	snprintf(started, sizeof(started), "%s/started", dir);
	snprintf(path, sizeof(path), "%s/spec.json", dir);
	if (stat(path, &sb) < 0) {
		j->rec.state = JOB_FAILED;
		j->rec.has_exit_code = 1;
		j->rec.exit_code = 125;
		set_reason(&j->rec, "its state folder is gone (removed while the daemon was down)");
		rc->failed++;
		finish(m, j);
		return 0;
	}
	if (jl_job_running(dir) && watch(m, j) == 0) {
		if (j->rec.state != JOB_RUNNING) {
			j->rec.state = JOB_RUNNING;
			if (!j->rec.started_ns)
				j->rec.started_ns = now_ns();
			save(m, j);
		}
		{
			struct joblet_error *e = NULL;

			fill_sched_job_json(j, r->spec_json);
			if (jl_sched_adopt(m->sched, &j->sj, r->cores, now_ns(), &e) < 0) {
				/* Its cores clash with another's (a bug or a hand-edited store):
				 * it is counted, without cores, rather than lost. */
				jl_log(JOBLET_LOG_WARNING, NULL, "job %s: %s", r->id,
				       joblet_error_message(e));
				joblet_error_clear(&e);
				jl_sched_adopt(m->sched, &j->sj, NULL, now_ns(), NULL);
			}
			j->in_sched = true;
		}
		jl_log(JOBLET_LOG_INFO, NULL, "job %s: re-adopted (shim pid %d)", r->id,
		       j->rec.shim_pid);
		rc->adopted++;
		return 0;
	}
	if (stat(started, &sb) == 0) {
		/* It ran (or runs no more): its status says how it ended, or its shim died. */
		settle(m, j);
		rc->finished++;
		return 0;
	}
	/* Never started: it waits again, as it did; a time that passed meanwhile runs it now. */
	migrate_secrets(m, r->id);
	{
		int32_t state = j->rec.scheduled_ns > now_ns() ? JOB_SCHEDULED : JOB_PENDING;

		if (j->rec.state != state) {
			j->rec.state = state;
			save(m, j);
		}
	}
	fill_sched_job_json(j, r->spec_json);
	if (enqueue(m, j) == 0)
		rc->requeued++;
	else
		rc->failed++;
	return 0;
}

/* Job folders no record names: a submission the previous daemon did not finish. */
static void sweep_orphans(struct manager *m)
{
	DIR *d = opendir(m->jobs_dir);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		struct job_record r;
		struct joblet_error *e = NULL;
		char dir[4200];

		if (strlen(de->d_name) != 36 || strspn(de->d_name, "0123456789abcdef-") != 36)
			continue;
		if (store_job_get(m->d->store, de->d_name, &r, &e) == 0) {
			job_record_done(&r);
			continue;
		}
		if (e && e->code == JOBLET_E_NOT_FOUND) {
			manager_job_dir(m, de->d_name, dir, sizeof(dir));
			joblet_error_clear(&e);
			if (!jl_job_running(dir) && jl_job_remove(dir, &e) == 0)
				jl_log(JOBLET_LOG_INFO, NULL,
				       "removed `%s`: a job folder without a record (an unfinished submission)",
				       dir);
		}
		joblet_error_free(e);
	}
	closedir(d);
}

int manager_recover(struct manager *m, struct joblet_error **err)
{
	struct recover_ctx rc = { .m = m };
	int r;

	pthread_mutex_lock(&m->lock);
	r = store_job_foreach(m->d->store, 0, recover_one, &rc, err);
	if (r == 0) {
		sweep_orphans(m);
		fire_due(m);
		schedule(m);
	}
	pthread_mutex_unlock(&m->lock);
	if (r < 0)
		return r;
	if (rc.adopted + rc.requeued + rc.failed + rc.finished > 0)
		jl_log(JOBLET_LOG_INFO, NULL,
		       "recovered the jobs of the previous daemon: %lld running re-adopted, %lld queued again, %lld ended while it was down, %lld failed",
		       (long long)rc.adopted, (long long)rc.requeued, (long long)rc.finished,
		       (long long)rc.failed);
	return 0;
}

/* ------------------------------------------------------------------ requests */

/* A job on its way in: what the steps of manager_submit() share. */
struct submission {
	struct jl_job_spec *spec; /* validated; freed by manager_submit() */
	const struct job_owner *owner;
	struct jl_cron cron; /* spec->cron parsed */
	int64_t next;	     /* a recurring job's first run */
	char *dir;	     /* the job's state folder, once made */
	struct mjob *j;	     /* the manager's entry, once made */
};

/*
 * Refuse now, saying why, a job that could never run here or that would
 * pass jobs.max_active; else hold a place for it (m->reserved).
 */
static int submit_admit(struct manager *m, struct submission *s, struct joblet_error **err)
{
	const struct jl_job_spec *spec = s->spec;
	struct joblet_sched_job probe = { 0 };
	int r;

	if (spec->cron) {
		r = jl_cron_parse(spec->cron, &s->cron, err);
		if (r < 0)
			return r;
		s->next = jl_cron_next(&s->cron,
				       s->owner->received_ns ? s->owner->received_ns : now_ns());
	}
	probe.size = sizeof(probe);
	probe.id = spec->id;
	probe.max_cpu = spec->max_cpu > 0 ? spec->max_cpu : spec->cpus * 100;
	probe.max_memory_mib = spec->max_memory_mib;
	probe.max_disk_mib = spec->max_disk_mib;
	probe.exclusive_cores = spec->cpus;
	pthread_mutex_lock(&m->lock);
	r = jl_sched_check(m->sched, &probe, err);
	if (r < 0) {
		if (err && *err)
			(*err)->code = JOBLET_E_INVALID;
		r = -JOBLET_E_INVALID;
	} else if (m->alive + m->reserved >= (size_t)m->d->cfg->max_active_jobs) {
		r = joblet_error_set(
			err, JOBLET_E_LIMIT, 0,
			"%lld jobs are pending, scheduled or running (jobs.max_active); wait for some to end or cancel some",
			(long long)m->d->cfg->max_active_jobs);
	} else
		m->reserved++;
	pthread_mutex_unlock(&m->lock);
	return r;
}

/* The manager's entry for the job, its record as it will be stored. */
static int submit_make_entry(struct submission *s, const char *public_json, const char *command,
			     struct joblet_error **err)
{
	const struct jl_job_spec *spec = s->spec;
	const struct job_owner *owner = s->owner;
	struct mjob *j = calloc(1, sizeof(*j));

	if (!j)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot record the job");
	s->j = j;
	j->pidfd = -1;
	j->heap_idx = SIZE_MAX;
	snprintf(j->rec.id, sizeof(j->rec.id), "%s", spec->id);
	j->rec.name = spec->name ? strdup(spec->name) : NULL;
	j->rec.owner = strdup(owner->cn ? owner->cn : "");
	j->rec.owner_serial = owner->serial ? strdup(owner->serial) : NULL;
	j->rec.owner_role = owner->role ? strdup(owner->role) : NULL;
	j->rec.spec_json = strdup(public_json);
	j->rec.command = strdup(command);
	j->rec.priority = spec->priority;
	j->rec.created_ns = owner->received_ns ? owner->received_ns : now_ns();
	j->rec.scheduled_ns = spec->cron ? s->next : spec->schedule_ns;
	j->rec.state = j->rec.scheduled_ns > j->rec.created_ns ? JOB_SCHEDULED : JOB_PENDING;
	j->rec.cron = spec->cron ? strdup(spec->cron) : NULL;
	j->cron = spec->cron ? malloc(sizeof(*j->cron)) : NULL;
	if (j->cron)
		*j->cron = s->cron;
	if (!j->rec.owner || !j->rec.spec_json || !j->rec.command || (spec->name && !j->rec.name) ||
	    (spec->cron && (!j->rec.cron || !j->cron)))
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot record the job");
	return 0;
}

/* A submission that failed after its folder was made: nothing of it stays. */
static void submit_undo(struct submission *s)
{
	if (s->dir && jl_job_remove(s->dir, NULL) < 0)
		jl_log(JOBLET_LOG_WARNING, NULL, "cannot remove `%s`", s->dir);
	mjob_free(s->j);
	s->j = NULL;
}

/* The record as stored, for the caller; the copy kept here needs no spec text. */
static void submit_answer(struct mjob *j, struct job_record *ret)
{
	*ret = j->rec;
	ret->name = j->rec.name ? strdup(j->rec.name) : NULL;
	ret->owner = strdup(j->rec.owner);
	ret->owner_serial = j->rec.owner_serial ? strdup(j->rec.owner_serial) : NULL;
	ret->owner_role = j->rec.owner_role ? strdup(j->rec.owner_role) : NULL;
	ret->cron = j->rec.cron ? strdup(j->rec.cron) : NULL;
	ret->reason = NULL;
	if (j->cron) {
		/* A recurring job keeps its spec and command: every run copies them. */
		ret->spec_json = strdup(j->rec.spec_json);
		ret->command = strdup(j->rec.command);
	} else {
		ret->spec_json = TAKE_PTR(j->rec.spec_json);
		ret->command = TAKE_PTR(j->rec.command);
	}
}

/* Into the hash, then the cron heap or the scheduler (which may start it at once). */
static void submit_queue(struct manager *m, struct submission *s)
{
	struct mjob *j = TAKE_PTR(s->j);

	hash_add(m, j);
	m->stats.submitted++;
	if (j->cron) {
		heap_push(m, j);
		arm_timer(m);
		return;
	}
	fill_sched_job(j, s->spec->max_cpu, s->spec->max_memory_mib, s->spec->cpus,
		       s->spec->max_disk_mib);
	if (enqueue(m, j) == 0) {
		if (j->rec.state == JOB_SCHEDULED)
			arm_timer(m);
		else
			schedule(m);
	}
}

/* What start() did (RUNNING, or FAILED and gone from the hash) shows in the answer. */
static void submit_answer_update(struct manager *m, struct job_record *ret)
{
	struct mjob *j = find(m, ret->id);
	struct job_record now;

	if (j) {
		ret->state = j->rec.state;
		ret->started_ns = j->rec.started_ns;
		ret->shim_pid = j->rec.shim_pid;
		memcpy(ret->cores, j->rec.cores, sizeof(ret->cores));
	} else if (store_job_get(m->d->store, ret->id, &now, NULL) == 0) {
		ret->state = now.state;
		ret->reason = TAKE_PTR(now.reason);
		ret->has_exit_code = now.has_exit_code;
		ret->exit_code = now.exit_code;
		job_record_done(&now);
	}
}

int manager_submit(struct manager *m, struct jl_job_spec *spec, const struct job_owner *owner,
		   const char *public_json, const char *command,
		   int (*add_files)(const char *dir, void *userdata, struct joblet_error **err),
		   void *userdata, struct job_record *ret, struct joblet_error **err)
{
	struct submission s = { .spec = spec, .owner = owner };
	int r = submit_admit(m, &s, err);

	if (r < 0) {
		jl_job_spec_free(spec);
		return r;
	}
	/* Slow parts (folder, uploads) outside the lock. */
	r = jl_job_create(m->d->cfg, spec, &s.dir, err);
	if (r == 0 && add_files)
		r = add_files(s.dir, userdata, err);
	/* The values only encrypted: spec.json has the names (job/job_secrets.h). */
	if (r == 0)
		r = secrets_seal(m->d->secret_key, s.dir, spec->id, spec->secret_env, err);
	if (r == 0)
		r = submit_make_entry(&s, public_json, command, err);
	pthread_mutex_lock(&m->lock);
	m->reserved--;
	if (r == 0) {
		s.j->rec.seq = ++m->seq;
		r = store_job_insert(m->d->store, &s.j->rec, err);
	}
	if (r < 0) {
		pthread_mutex_unlock(&m->lock);
		submit_undo(&s);
	} else {
		submit_answer(s.j, ret);
		submit_queue(m, &s);
		submit_answer_update(m, ret);
		pthread_mutex_unlock(&m->lock);
	}
	free(s.dir);
	jl_job_spec_free(spec);
	return r < 0 ? r : 0;
}

static int not_alive(struct manager *m, const char *id, const char *what, struct joblet_error **err)
{
	struct job_record r;
	int rc = store_job_get(m->d->store, id, &r, err);

	if (rc < 0)
		return rc;
	rc = joblet_error_set(err, JOBLET_E_CONFLICT, 0,
			      "job %s has already ended (%s); nothing to %s", id,
			      job_state_name(r.state), what);
	job_record_done(&r);
	return rc;
}

static int cancel_locked(struct manager *m, struct mjob *j)
{
	char why[200];

	if (j->cron)
		snprintf(why, sizeof(why),
			 "canceled: the recurring job makes no more runs (%lld made)",
			 (long long)j->rec.runs);
	else
		snprintf(why, sizeof(why), "canceled before it started");
	j->rec.state = JOB_CANCELED;
	set_reason(&j->rec, why);
	finish(m, j);
	return 0;
}

/* Stop (running: SIGTERM via its shim; waiting: cancel) or only cancel job id. */
static int stop_or_cancel(struct manager *m, const char *id, bool may_stop, struct job_record *ret,
			  struct joblet_error **err)
{
	struct mjob *j;
	int r = 0;

	pthread_mutex_lock(&m->lock);
	j = find(m, id);
	if (!j)
		r = not_alive(m, id, may_stop ? "stop" : "cancel", err);
	else if (j->rec.state == JOB_RUNNING && may_stop) {
		char dir[4200];

		manager_job_dir(m, id, dir, sizeof(dir));
		r = jl_job_stop(dir, err);
		if (r < 0 && err && *err && (*err)->code == JOBLET_E_NOT_FOUND) {
			/* It is ending right now; its end is recorded shortly. */
			joblet_error_clear(err);
			r = 0;
		}
	} else if (j->rec.state == JOB_RUNNING)
		r = joblet_error_set(
			err, JOBLET_E_CONFLICT, 0,
			"job %s is running; cancel is for jobs that wait: use `rnx job stop %s`",
			id, id);
	else
		r = cancel_locked(m, j);
	pthread_mutex_unlock(&m->lock);
	if (r == 0)
		r = store_job_get(m->d->store, id, ret, err);
	return r;
}

int manager_stop(struct manager *m, const char *id, struct job_record *ret,
		 struct joblet_error **err)
{
	return stop_or_cancel(m, id, true, ret, err);
}

int manager_cancel(struct manager *m, const char *id, struct job_record *ret,
		   struct joblet_error **err)
{
	return stop_or_cancel(m, id, false, ret, err);
}

int manager_delete(struct manager *m, const char *id, struct joblet_error **err)
{
	char dir[4200];
	struct stat sb;
	bool alive;
	int r;

	pthread_mutex_lock(&m->lock);
	alive = find(m, id) != NULL;
	pthread_mutex_unlock(&m->lock);
	/* An ended job never comes back to life: its files go without holding up other jobs. */
	if (alive)
		return joblet_error_set(err, JOBLET_E_CONFLICT, 0,
					"job %s has not ended; stop or cancel it first", id);
	manager_job_dir(m, id, dir, sizeof(dir));
	r = stat(dir, &sb) == 0 ? jl_job_remove(dir, err) : 0;
	if (r < 0 && err && *err && (*err)->code == JOBLET_E_BUSY) {
		joblet_error_clear(err);
		r = joblet_error_set(err, JOBLET_E_CONFLICT, 0,
				     "job %s is still being cleaned up; try again in a moment", id);
	}
	if (r == 0)
		r = store_job_delete(m->d->store, id, err);
	return r;
}

struct delete_all_ctx {
	struct manager *m;
	const char *owner; /* or NULL: everyone's */
	int64_t deleted, skipped;
};

static int delete_one(const struct job_record *r, void *userdata)
{
	struct delete_all_ctx *c = userdata;
	struct joblet_error *e = NULL;

	if (c->owner && strcmp(c->owner, r->owner ? r->owner : "") != 0)
		return 0;
	if (!job_state_final(r->state)) {
		c->skipped++;
		return 0;
	}
	if (manager_delete(c->m, r->id, &e) == 0)
		c->deleted++;
	else {
		c->skipped++;
		joblet_error_free(e);
	}
	return 0;
}

int manager_delete_all(struct manager *m, const char *owner, int64_t *ret_deleted,
		       int64_t *ret_skipped, struct joblet_error **err)
{
	struct delete_all_ctx c = { .m = m, .owner = owner };
	int r = store_job_foreach(m->d->store, 0, delete_one, &c, err);

	*ret_deleted = c.deleted;
	*ret_skipped = c.skipped;
	return r;
}

int manager_waiting(struct manager *m, const char *id, const char *viewer, char *buf, size_t size)
{
	struct mjob *j;
	int r = 0;

	buf[0] = '\0';
	pthread_mutex_lock(&m->lock);
	j = find(m, id);
	if (j && j->cron) {
		char when[40];

		jl_time_format_rfc3339(j->rec.scheduled_ns, when, sizeof(when));
		snprintf(buf, size, "recurring (`%s`): the next run is made at %s", j->rec.cron,
			 when);
		r = 1;
	} else if (j && j->in_sched && j->rec.state != JOB_RUNNING) {
		jl_sched_why_for(m->sched, &j->sj, viewer, buf, size);
		r = 1;
	}
	pthread_mutex_unlock(&m->lock);
	return r;
}

int manager_job_alive(struct manager *m, const char *id)
{
	int alive;

	pthread_mutex_lock(&m->lock);
	alive = find(m, id) != NULL;
	pthread_mutex_unlock(&m->lock);
	return alive;
}

void manager_stats(struct manager *m, struct manager_stats *ret)
{
	pthread_mutex_lock(&m->lock);
	*ret = m->stats;
	ret->standbys_ready = (int64_t)m->pool_n;
	ret->pending = ret->scheduled = ret->running = 0;
	for (size_t i = 0; i < HASH_SIZE; i++)
		for (struct mjob *j = m->hash[i]; j; j = j->hnext) {
			if (j->rec.state == JOB_PENDING)
				ret->pending++;
			else if (j->rec.state == JOB_SCHEDULED)
				ret->scheduled++;
			else if (j->rec.state == JOB_RUNNING)
				ret->running++;
		}
	pthread_mutex_unlock(&m->lock);
}

void manager_sched_usage(struct manager *m, struct jl_sched_usage *ret_used,
			 struct jl_sched_limits *ret_total)
{
	pthread_mutex_lock(&m->lock);
	ret_used->size = sizeof(*ret_used);
	jl_sched_usage(m->sched, ret_used);
	*ret_total = m->limits;
	pthread_mutex_unlock(&m->lock);
}

void manager_detach(struct manager *m)
{
	pthread_mutex_lock(&m->lock);
	m->detached = true;
	pool_drain(m);
	pthread_mutex_unlock(&m->lock);
}
