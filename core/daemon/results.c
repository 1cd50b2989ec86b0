/*
 * results.c - the /work of ended jobs, kept and released (results.h).
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <time.h>
#include <unistd.h>

#include <linux/magic.h>

#include "base/cleanup.h"
#include "base/fsutil.h"
#include "base/log.h"
#include "base/timefmt.h"
#include "job/results_ns.h"
#include "manager.h"
#include "results.h"
#include "store.h"

struct results {
	struct daemon_ctx *d;
	char jobs_dir[4096];
	int ns_root;	 /* the results namespace's root (results_ns.h), or -1 */
	int64_t next_ns; /* CLOCK_REALTIME of the next keep_results expiry, or 0 */
	/*
	 * What the kept /work use together, as of the last full sweep plus the
	 * jobs that ended since (at most: a job deleted since still counts).
	 * Only when this is over jobs.results_memory does a run look at every
	 * job: a node with thousands kept pays nothing per ended job.
	 */
	int64_t kept_bytes;
	bool full; /* the next run looks at every job (at first: what the previous daemon kept) */
	pthread_mutex_t lock; /* ended */
	char (*ended)[37];    /* jobs that ended since the last run */
	size_t n_ended, cap_ended;
};

/* A kept tmpfs /work of an ended job. */
struct kept {
	char id[37];
	int64_t ended_ns;
	int64_t bytes;
};

struct sweep {
	struct results *r;
	int64_t now_ns;
	struct kept *kept;
	size_t n, cap;
	int64_t total;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int64_t tmpfs_bytes(struct results *r, const char *id);

/* The results namespace: the previous daemon's, or a new one. */
static void open_ns(struct results *r)
{
	struct joblet_error *e = NULL;
	int made = jl_results_ns_setup(r->jobs_dir, &e);

	r->ns_root = made < 0 ? -1 : jl_results_ns_root(r->jobs_dir);
	if (made < 0)
		jl_log(JOBLET_LOG_WARNING, NULL,
		       "%s; the /work of ended jobs stays mounted in the daemon's mount namespace, where every new job copies it",
		       joblet_error_message(e));
	else if (r->ns_root < 0)
		jl_log(JOBLET_LOG_WARNING, NULL,
		       "cannot enter the mount namespace that keeps the /work of ended jobs (`%s/%s`): %s; their files cannot be served",
		       r->jobs_dir, JL_RESULTS_NS_PIN_FILE, strerror(errno));
	else if (made)
		jl_log(JOBLET_LOG_INFO, NULL,
		       "the /work of ended jobs is kept in a mount namespace of its own, pinned at `%s/%s`",
		       r->jobs_dir, JL_RESULTS_NS_PIN_FILE);
	joblet_error_free(e);
}

/*
 * The job's /work: kept in the results namespace (an ended job), or still
 * here (a running one); *ret_mounted tells whether it is a mount point.
 */
static int open_work(struct results *r, const char *id, bool *ret_mounted)
{
	char dir[4200], rel[80];
	struct stat st, pst;
	int fd, parent;

	*ret_mounted = false;
	if (r->ns_root >= 0 && strlen(id) < 64) {
		snprintf(rel, sizeof(rel), "%s/work", id);
		fd = openat(r->ns_root, rel, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		parent = openat(r->ns_root, id, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		*ret_mounted = fd >= 0 && parent >= 0 && fstat(fd, &st) == 0 &&
			       fstat(parent, &pst) == 0 && st.st_dev != pst.st_dev;
		if (parent >= 0)
			close(parent);
		if (*ret_mounted)
			return fd;
		if (fd >= 0)
			close(fd);
	}
	manager_job_dir(r->d->manager, id, dir, sizeof(dir));
	fd = open(dir, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	parent = fd;
	fd = openat(parent, "work", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	*ret_mounted = fd >= 0 && fstat(fd, &st) == 0 && fstat(parent, &pst) == 0 &&
		       st.st_dev != pst.st_dev;
	close(parent);
	return fd;
}

int results_open_work(struct results *r, const char *id)
{
	bool mounted;

	return open_work(r, id, &mounted);
}

int results_new(struct daemon_ctx *d, struct results **ret, struct joblet_error **err)
{
	struct results *r = calloc(1, sizeof(*r));

	if (!r)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	r->d = d;
	r->next_ns = 1;
	r->full = true;
	pthread_mutex_init(&r->lock, NULL);
	snprintf(r->jobs_dir, sizeof(r->jobs_dir), "%s/jobs", d->cfg->state_dir);
	open_ns(r);
	*ret = r;
	return 0;
}

void results_free(struct results *r)
{
	if (!r)
		return;
	if (r->ns_root >= 0)
		close(r->ns_root);
	pthread_mutex_destroy(&r->lock);
	free(r->ended);
	free(r);
}

void results_stop(struct results *r, bool jobs_alive)
{
	struct joblet_error *e = NULL;

	/* An empty results namespace is not left behind; one with files is, for the next daemon. */
	if (!r || r->ns_root < 0 || jobs_alive || jl_results_ns_count(r->jobs_dir) != 0)
		return;
	if (jl_results_ns_remove(r->jobs_dir, &e) < 0) {
		jl_log(JOBLET_LOG_WARNING, NULL, "%s", joblet_error_message(e));
		joblet_error_free(e);
	}
}

void results_job_ended(struct results *r, const char *id)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	if (r->n_ended == r->cap_ended) {
		size_t cap = r->cap_ended ? 2 * r->cap_ended : 16;
		char(*e)[37] = realloc(r->ended, cap * sizeof(*e));

		if (e) {
			r->ended = e;
			r->cap_ended = cap;
		}
	}
	if (r->n_ended < r->cap_ended && strlen(id) < sizeof(r->ended[0]))
		snprintf(r->ended[r->n_ended++], sizeof(r->ended[0]), "%s", id);
	else
		r->full = true; /* not noted: the next run counts everything */
	pthread_mutex_unlock(&r->lock);
}

/* Whether a run has work for what ended (set from any thread). */
static bool ended_pending(struct results *r)
{
	bool pending;

	pthread_mutex_lock(&r->lock);
	pending = r->n_ended > 0 || r->full;
	pthread_mutex_unlock(&r->lock);
	return pending;
}

/*
 * The jobs that ended since the last run, added to what is kept: true when
 * that is all there is to do (the total is within jobs.results_memory).
 */
static bool count_ended(struct results *r)
{
	const struct jl_config *cfg = r->d->cfg;
	char(*ended)[37];
	size_t n;
	bool full;

	pthread_mutex_lock(&r->lock);
	ended = r->ended;
	n = r->n_ended;
	full = r->full;
	r->ended = NULL;
	r->n_ended = r->cap_ended = 0;
	pthread_mutex_unlock(&r->lock);
	for (size_t i = 0; i < n && !full; i++) {
		int64_t bytes = tmpfs_bytes(r, ended[i]);

		if (bytes > 0)
			r->kept_bytes += bytes;
	}
	free(ended);
	if (full)
		return false;
	/* Its keep_results expiry comes after those known, unless none is. */
	if (cfg->keep_results_s > 0 && r->next_ns <= 0 && n > 0)
		r->next_ns = now_ns() + cfg->keep_results_s * 1000000000;
	return cfg->results_memory <= 0 || r->kept_bytes <= cfg->results_memory;
}

int results_timeout_ms(struct results *r, int max_ms)
{
	int64_t left;

	if (!r)
		return max_ms;
	if (ended_pending(r))
		return 0;
	if (r->next_ns <= 0)
		return max_ms;
	left = (r->next_ns - now_ns()) / 1000000 + 1;
	return left < 0 ? 0 : left > max_ms ? max_ms : (int)left;
}

int results_released(const char *job_dir, char *buf, size_t size)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", job_dir, RESULTS_RELEASED_FILE);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, size - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 1;
}

/* The bytes a tmpfs /work of an ended job holds, or -1 when it is not one. */
static int64_t tmpfs_bytes(struct results *r, const char *id)
{
	bool mounted;
	_cleanup_close_ int fd = open_work(r, id, &mounted);
	struct statfs sf;

	if (fd < 0 || !mounted || fstatfs(fd, &sf) < 0 || sf.f_type != TMPFS_MAGIC)
		return -1;
	return (int64_t)(sf.f_blocks - sf.f_bfree) * (int64_t)sf.f_bsize;
}

/* Unmount (or remove) the job's /work, then say so in its folder. */
static void release(struct results *r, const char *id, const char *why)
{
	char dir[4200], work[4300], text[512], when[40], tmp[4300], path[4300];
	_cleanup_free_ char *real = NULL;
	struct joblet_error *e = NULL;
	int fd, rc = 0;

	manager_job_dir(r->d->manager, id, dir, sizeof(dir));
	snprintf(work, sizeof(work), "%s/work", dir);
	real = realpath(work, NULL);
	if (real && jl_mounts_under(real, NULL) > 0)
		rc = jl_unmount_under(real, &e);
	if (rc == 0 && real) {
		_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		rc = dfd < 0 ? -1 : jl_rm_rf_at(dfd, "work", &e);
	}
	if (rc < 0) {
		jl_log(JOBLET_LOG_WARNING, NULL, "cannot release the files of job %s: %s", id,
		       e ? joblet_error_message(e) : strerror(errno));
		joblet_error_free(e);
		return;
	}
	jl_time_format_rfc3339(now_ns(), when, sizeof(when));
	snprintf(text, sizeof(text), "released at %s: %s\n", when, why);
	snprintf(tmp, sizeof(tmp), "%s/.%s.tmp", dir, RESULTS_RELEASED_FILE);
	snprintf(path, sizeof(path), "%s/%s", dir, RESULTS_RELEASED_FILE);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, strlen(text)) < 0 || close(fd) < 0 || rename(tmp, path) < 0)
		jl_log(JOBLET_LOG_WARNING, NULL, "cannot write `%s`: %s", path, strerror(errno));
	jl_log(JOBLET_LOG_INFO, NULL, "released the files (/work) of job %s: %s", id, why);
}

static int sweep_one(const struct job_record *rec, void *userdata)
{
	struct sweep *s = userdata;
	struct results *r = s->r;
	const struct jl_config *cfg = r->d->cfg;
	char dir[4200], work[4300], why[256];
	int64_t expires, bytes;

	if (!job_state_final(rec->state) || rec->ended_ns <= 0)
		return 0;
	manager_job_dir(r->d->manager, rec->id, dir, sizeof(dir));
	if (results_released(dir, why, sizeof(why)))
		return 0;
	snprintf(work, sizeof(work), "%s/work", dir);
	if (access(work, F_OK) < 0)
		return 0;
	expires = cfg->keep_results_s > 0 ? rec->ended_ns + cfg->keep_results_s * 1000000000
					  : INT64_MAX;
	if (expires <= s->now_ns) {
		snprintf(why, sizeof(why), "kept for %llds after the job ended (jobs.keep_results)",
			 (long long)cfg->keep_results_s);
		release(r, rec->id, why);
		return 0;
	}
	if (expires != INT64_MAX && (r->next_ns <= 0 || expires < r->next_ns))
		r->next_ns = expires;
	bytes = tmpfs_bytes(r, rec->id);
	if (bytes < 0)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct kept *k = realloc(s->kept, cap * sizeof(*k));

		if (!k)
			return 0;
		s->kept = k;
		s->cap = cap;
	}
	memcpy(s->kept[s->n].id, rec->id, sizeof(rec->id));
	s->kept[s->n].ended_ns = rec->ended_ns;
	s->kept[s->n].bytes = bytes;
	s->n++;
	s->total += bytes;
	return 0;
}

static int oldest_first(const void *a, const void *b)
{
	const struct kept *x = a, *y = b;

	return x->ended_ns < y->ended_ns ? -1 : x->ended_ns > y->ended_ns;
}

void results_run(struct results *r)
{
	const struct jl_config *cfg;
	struct sweep s = { .r = r };
	struct joblet_error *e = NULL;
	bool due;

	if (!r)
		return;
	due = r->next_ns > 0 && r->next_ns <= now_ns();
	if (!due && !ended_pending(r))
		return;
	if (!due && count_ended(r))
		return;
	cfg = r->d->cfg;
	/* Every job is looked at: what ended meanwhile is counted in the sweep. */
	pthread_mutex_lock(&r->lock);
	r->n_ended = 0;
	r->full = false;
	pthread_mutex_unlock(&r->lock);
	s.now_ns = now_ns();
	r->next_ns = 0;
	if (store_job_foreach(r->d->store, 0, sweep_one, &s, &e) < 0) {
		jl_log(JOBLET_LOG_WARNING, NULL, "cannot check the kept result files: %s",
		       joblet_error_message(e));
		joblet_error_free(e);
		/* Due again in a minute: a full sweep then (not at once, in a loop). */
		r->next_ns = s.now_ns + 60 * INT64_C(1000000000);
	}
	if (cfg->results_memory > 0 && s.total > cfg->results_memory) {
		qsort(s.kept, s.n, sizeof(*s.kept), oldest_first);
		for (size_t i = 0; i < s.n && s.total > cfg->results_memory; i++) {
			char why[256];

			snprintf(
				why, sizeof(why),
				"the /work of ended jobs used more than jobs.results_memory (%lld MiB): the oldest are released first",
				(long long)(cfg->results_memory >> 20));
			release(r, s.kept[i].id, why);
			s.total -= s.kept[i].bytes;
		}
	}
	r->kept_bytes = s.total;
	free(s.kept);
}
