/*
 * isolation/cgroup1 - limit a job with cgroup v1 hierarchies, for hosts
 * where v1 owns the controllers (v1-only, or hybrid with an empty cgroup2).
 *
 * Each mounted hierarchy of cpu, cpuacct, cpuset, memory, blkio, pids and
 * freezer (found in /proc/self/mountinfo; comounted ones such as
 * cpu,cpuacct count once) gets MOUNT/BASE/<job id>, default
 * /sys/fs/cgroup/<controller>/joblet/ID; the BASE folders are created when
 * missing and left in place.  Only the hierarchies a job uses are joined
 * (cpuset and blkio only with a pin or an IO limit).  v1 has no
 * CLONE_INTO_CGROUP: child() moves the job's first process into every
 * hierarchy before anything of the job runs.  Stopping is
 * freeze, signal every task, thaw.  A limit whose controller is not
 * mounted, or that the kernel refuses, fails the job.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <joblet/isolation.h>

#include "cgroup1_files.h"
#include "cgroup_common.h"

#define CGROUP1_DEFAULT_BASE "joblet"
#define CGROUP1_MOUNTINFO    "/proc/self/mountinfo"
/* How long cleanup() waits for the job's processes to go before rmdir. */
#define CGROUP1_CLEANUP_MS 5000
/* How long kill() waits for the freezer to take hold, and in all. */
#define CGROUP1_FREEZE_MS 1000
#define CGROUP1_KILL_MS	  2000

/* Without these joblet cannot account memory, apply the pids default or stop a job safely. */
static const int cgroup1_required[] = { JL_CG_V1_MEMORY, JL_CG_V1_PIDS, JL_CG_V1_FREEZER };

/* Settings (plugins.settings."isolation/cgroup1"), set once by init(). */
static char cgroup1_base[256] = CGROUP1_DEFAULT_BASE;

/* One mounted hierarchy the job is in. */
struct cgroup1_hier {
	char *mount;	 /* where it is mounted */
	char *base_path; /* MOUNT/BASE */
	char *path;	 /* MOUNT/BASE/ID */
	uint32_t mask;	 /* 1 << JL_CG_V1_* of the controllers on it */
	int base_fd;
	int fd;
};

struct cgroup1_state {
	char *name; /* the job id */
	struct cgroup1_hier h[JL_CG_V1_N];
	size_t n;
	struct cgroup1_dirs dirs; /* per controller, borrowed from h */
	int oom_efd;		  /* eventfd of memory.oom_control notifications, or -1 */
	bool oom;		  /* an OOM was seen (sticky: the job is then ended) */
};

static const char *const cgroup1_settings[] = { "base", NULL };

static int cgroup1_init(const struct joblet_plugin_host *host, struct joblet_error **err)
{
	const char *b = joblet_plugin_host_setting(host, "base");

	if (b) {
		if (!jl_cg_rel_path_ok(b) || strlen(b) >= sizeof(cgroup1_base))
			return joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"isolation/cgroup1 setting `base` must be a relative path below each hierarchy (letters, digits, `.`, `_`, `-`, no `..`), such as `joblet`, not `%s`",
				b);
		snprintf(cgroup1_base, sizeof(cgroup1_base), "%s", b);
	}
	return 0;
}

/* ------------------------------------------------------------------ probe */

/* Are the required controllers mounted?  Fills missing/mounted for messages. */
static bool cgroup1_have_required(const struct jl_cg_layout *lay, char *missing, size_t msize,
				  char *mounted, size_t nsize)
{
	bool ok = true;

	missing[0] = mounted[0] = '\0';
	for (size_t i = 0; i < sizeof(cgroup1_required) / sizeof(cgroup1_required[0]); i++)
		if (!lay->v1_mount[cgroup1_required[i]]) {
			size_t n = strlen(missing);

			snprintf(missing + n, msize - n, "%s%s", n ? ", " : "",
				 jl_cg_v1_name(cgroup1_required[i]));
			ok = false;
		}
	for (int i = 0; i < JL_CG_V1_N; i++)
		if (lay->v1_mount[i]) {
			size_t n = strlen(mounted);

			snprintf(mounted + n, nsize - n, "%s%s", n ? " " : "", jl_cg_v1_name(i));
		}
	return ok;
}

static int cgroup1_missing_error(const struct jl_cg_layout *lay, const char *missing,
				 const char *mounted, struct joblet_error **err)
{
	if (!*mounted)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0, "no cgroup v1 controller is mounted%s",
			lay->n_v2
				? " (this host uses the cgroup2 hierarchy: isolation/cgroup2 serves it)"
				: "");
	return joblet_error_set(
		err, JOBLET_E_UNSUPPORTED, 0,
		"the cgroup v1 controllers %s are not mounted (mounted: %s); joblet needs memory, pids and freezer to account, limit and stop jobs",
		missing, mounted);
}

static int cgroup1_probe(struct joblet_error **err)
{
	struct jl_cg_layout lay;
	char missing[128], mounted[128];
	int r = 0;

	r = jl_cg_layout_load(CGROUP1_MOUNTINFO, &lay, err);
	if (r < 0)
		return r;
	if (!cgroup1_have_required(&lay, missing, sizeof(missing), mounted, sizeof(mounted))) {
		r = cgroup1_missing_error(&lay, missing, mounted, err);
		goto out;
	}
	for (int i = 0; i < JL_CG_V1_N; i++) {
		char p[PATH_MAX];
		struct stat st;

		if (!lay.v1_mount[i])
			continue;
		snprintf(p, sizeof(p), "%s/%s", lay.v1_mount[i], cgroup1_base);
		if (stat(p, &st) < 0)
			snprintf(p, sizeof(p), "%s", lay.v1_mount[i]);
		if (access(p, W_OK) < 0) {
			r = joblet_error_set(err, JOBLET_E_UNSUPPORTED, errno,
					     "cannot create cgroups under `%s`: run joblet as root",
					     p);
			goto out;
		}
	}
out:
	jl_cg_layout_free(&lay);
	return r;
}

/* ------------------------------------------------------------------ prepare */

/* Give a new (empty) v1 cpuset the CPUs and memory nodes of its parent. */
static int cgroup1_cpuset_inherit(int parent_fd, const char *parent, int fd, const char *dir,
				  struct joblet_error **err)
{
	static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

	for (size_t i = 0; i < 2; i++) {
		char v[1024];
		int r;

		if (jl_cg_read_at(fd, files[i], v, sizeof(v)) >= 0 && v[strspn(v, " \n")] != '\0')
			continue;
		if (jl_cg_read_at(parent_fd, files[i], v, sizeof(v)) < 0)
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot read `%s/%s`",
						parent, files[i]);
		v[strcspn(v, "\n")] = '\0';
		r = jl_cg_write(fd, dir, files[i], v, err);
		if (r < 0)
			return joblet_error_prefix(err, r, "cannot set up cpuset `%s`", dir);
	}
	return 0;
}

/* Open MOUNT/BASE of h, creating what is missing (and left in place). */
static int cgroup1_open_base(struct cgroup1_hier *h, struct joblet_error **err)
{
	char dir[PATH_MAX];
	int fd, r;

	fd = open(h->mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot open `%s`", h->mount);
	snprintf(dir, sizeof(dir), "%s", h->mount);
	for (const char *c = cgroup1_base; *c;) {
		size_t len = strcspn(c, "/");
		char name[256], sub[PATH_MAX];
		int next;

		snprintf(name, sizeof(name), "%.*s", (int)len, c);
		if (mkdirat(fd, name, 0755) < 0 && errno != EEXIST) {
			r = joblet_error_set(err,
					     errno == EACCES || errno == EPERM ? JOBLET_E_PERMISSION
									       : JOBLET_E_SYSTEM,
					     errno, "cannot create cgroup `%s/%s`", dir, name);
			close(fd);
			return r;
		}
		next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (next < 0) {
			r = joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					     "cannot open cgroup `%s/%s`", dir, name);
			close(fd);
			return r;
		}
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, name) >= (int)sizeof(sub)) {
			close(next);
			close(fd);
			return joblet_error_set(err, JOBLET_E_INVALID, ENAMETOOLONG,
						"cgroup path `%s/%s` is too long", dir, name);
		}
		if (h->mask & (1u << JL_CG_V1_CPUSET)) {
			r = cgroup1_cpuset_inherit(fd, dir, next, sub, err);
			if (r < 0) {
				close(next);
				close(fd);
				return r;
			}
		}
		close(fd);
		fd = next;
		snprintf(dir, sizeof(dir), "%s", sub);
		c += len;
		while (*c == '/')
			c++;
	}
	h->base_fd = fd;
	return 0;
}

static void cgroup1_state_free(struct cgroup1_state *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		struct cgroup1_hier *h = &s->h[i];

		if (h->fd >= 0)
			close(h->fd);
		if (h->base_fd >= 0)
			close(h->base_fd);
		free(h->mount);
		free(h->base_path);
		free(h->path);
	}
	if (s->oom_efd >= 0)
		close(s->oom_efd);
	free(s->name);
	free(s);
}

/* Remove the job cgroups made so far (prepare failed). */
static void cgroup1_unmake(struct cgroup1_state *s)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->h[i].fd >= 0 && s->h[i].base_fd >= 0)
			unlinkat(s->h[i].base_fd, s->name, AT_REMOVEDIR);
}

/*
 * Ask the kernel for an eventfd notification of OOM in the job's memory
 * cgroup: the OOM record on kernels whose memory.oom_control has no
 * oom_kill counter (before 4.13).
 */
static void cgroup1_watch_oom(struct cgroup1_state *s)
{
	int mfd = s->dirs.fd[JL_CG_V1_MEMORY], ofd, efd;
	char v[64];

	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ofd = openat(mfd, "memory.oom_control", O_RDONLY | O_CLOEXEC);
	if (efd >= 0 && ofd >= 0) {
		snprintf(v, sizeof(v), "%d %d", efd, ofd);
		if (jl_cg_write_raw(mfd, "cgroup.event_control", v) == 0) {
			s->oom_efd = efd;
			efd = -1;
		}
	}
	if (s->oom_efd < 0)
		joblet_plog_debug("no OOM notification for `%s` (cgroup.event_control)",
				  s->dirs.path[JL_CG_V1_MEMORY]);
	if (efd >= 0)
		close(efd);
	if (ofd >= 0)
		close(ofd);
}

/* What prepare() works out before it makes the job's cgroups. */
struct cgroup1_plan {
	struct jl_cg_limits l;
	struct jl_cg_devs devs; /* the disks an IO limit applies to */
	char parent_cpus[1024]; /* cpuset.cpus of the cpuset BASE, when a cpuset is joined */
	char mems[1024];	/* its cpuset.mems (l.mems points here) */
};

/* A state for job, named by the job id. */
static int cgroup1_state_new(struct joblet_job *job, struct cgroup1_state **ret,
			     struct joblet_error **err)
{
	struct cgroup1_state *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot prepare the job's cgroups");
	s->oom_efd = -1;
	for (int i = 0; i < JL_CG_V1_N; i++)
		s->dirs.fd[i] = -1;
	s->name = strdup(joblet_job_id(job));
	if (!s->name) {
		cgroup1_state_free(s);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot prepare the job's cgroups");
	}
	if (!jl_cg_rel_path_ok(s->name) || strchr(s->name, '/')) {
		r = joblet_error_set(err, JOBLET_E_INVALID, 0, "job id `%s` cannot name a cgroup",
				     s->name);
		cgroup1_state_free(s);
		return r;
	}
	*ret = s;
	return 0;
}

/* The job's limits, and the disks below its work folder when IO is limited. */
static int cgroup1_plan_limits(struct joblet_job *job, struct cgroup1_plan *plan,
			       struct joblet_error **err)
{
	int r;

	jl_cg_limits_from_job(job, &plan->l);
	plan->l.host_has_swap = jl_cg_host_has_swap("/proc/swaps");
	if (plan->l.io_bps <= 0)
		return 0;
	r = jl_cg_disks_of_path("/sys", CGROUP1_MOUNTINFO, joblet_job_work_dir(job), &plan->devs,
				err);
	if (r < 0)
		return joblet_error_prefix(err, r, "cannot limit IO to %" PRId64 " bytes/s",
					   plan->l.io_bps);
	return 0;
}

/* One entry of s->h per mounted hierarchy: cpu,cpuacct mounted together is one folder. */
static int cgroup1_find_hierarchies(struct cgroup1_state *s, const struct jl_cg_layout *lay,
				    struct joblet_error **err)
{
	for (int c = 0; c < JL_CG_V1_N; c++) {
		struct cgroup1_hier *h;
		size_t i;

		if (!lay->v1_mount[c])
			continue;
		for (i = 0; i < s->n; i++)
			if (strcmp(s->h[i].mount, lay->v1_mount[c]) == 0)
				break;
		h = &s->h[i];
		if (i == s->n) {
			h->mount = strdup(lay->v1_mount[c]);
			h->fd = h->base_fd = -1;
			s->n++;
			if (!h->mount ||
			    asprintf(&h->base_path, "%s/%s", lay->v1_mount[c], cgroup1_base) < 0 ||
			    asprintf(&h->path, "%s/%s/%s", lay->v1_mount[c], cgroup1_base,
				     s->name) < 0) {
				h->base_path = h->path = NULL;
				return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
							"cannot prepare the job's cgroups");
			}
		}
		h->mask |= 1u << c;
	}
	return 0;
}

/*
 * A hierarchy holding only cpuset or blkio is left out when the job asks
 * for no pinning or IO limit: each hierarchy costs a mkdir, a migration
 * (which waits for an RCU grace period on v1) and an rmdir.  The job then
 * stays in the shim's cgroup there, as the host set it.
 */
static void cgroup1_keep_needed(struct cgroup1_state *s, const struct jl_cg_limits *l)
{
	unsigned needed = (1u << JL_CG_V1_CPU) | (1u << JL_CG_V1_CPUACCT) |
			  (1u << JL_CG_V1_MEMORY) | (1u << JL_CG_V1_PIDS) |
			  (1u << JL_CG_V1_FREEZER);
	size_t kept = 0;

	if (l->cpus)
		needed |= 1u << JL_CG_V1_CPUSET;
	if (l->io_bps > 0)
		needed |= 1u << JL_CG_V1_BLKIO;
	for (size_t i = 0; i < s->n; i++) {
		if (s->h[i].mask & needed) {
			s->h[kept++] = s->h[i];
			continue;
		}
		free(s->h[i].mount);
		free(s->h[i].base_path);
		free(s->h[i].path);
	}
	s->n = kept;
}

/* The hierarchies of this host the job will be in; the required controllers must be mounted. */
static int cgroup1_plan_hierarchies(struct cgroup1_state *s, const struct jl_cg_limits *l,
				    struct joblet_error **err)
{
	struct jl_cg_layout lay;
	char missing[128], mounted[128];
	int r;

	r = jl_cg_layout_load(CGROUP1_MOUNTINFO, &lay, err);
	if (r < 0)
		return r;
	if (!cgroup1_have_required(&lay, missing, sizeof(missing), mounted, sizeof(mounted)))
		r = cgroup1_missing_error(&lay, missing, mounted, err);
	else
		r = cgroup1_find_hierarchies(s, &lay, err);
	jl_cg_layout_free(&lay);
	if (r == 0)
		cgroup1_keep_needed(s, l);
	return r;
}

/* MOUNT/BASE/ID in hierarchy h, open; with a cpuset, what the parent offers. */
static int cgroup1_make_one(struct cgroup1_state *s, struct cgroup1_hier *h,
			    struct cgroup1_plan *plan, struct joblet_error **err)
{
	int r;

	r = cgroup1_open_base(h, err);
	if (r < 0)
		return r;
	if (mkdirat(h->base_fd, s->name, 0755) < 0)
		return joblet_error_set(
			err, errno == EEXIST ? JOBLET_E_EXISTS : JOBLET_E_SYSTEM, errno,
			"cannot create the job's cgroup `%s`%s", h->path,
			errno == EEXIST
				? " (a job with this id runs, or a dead one left it behind: remove it with rmdir)"
				: "");
	h->fd = openat(h->base_fd, s->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (h->fd < 0) {
		r = joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot open `%s`", h->path);
		/* Best effort: one left behind makes the next job of this id say to rmdir it. */
		(void)unlinkat(h->base_fd, s->name, AT_REMOVEDIR);
		return r;
	}
	for (int c = 0; c < JL_CG_V1_N; c++)
		if (h->mask & (1u << c)) {
			s->dirs.fd[c] = h->fd;
			s->dirs.path[c] = h->path;
		}
	if (h->mask & (1u << JL_CG_V1_CPUSET)) {
		/* Unreadable leaves them empty: cgroup1_write_limits() then says so. */
		if (jl_cg_read_at(h->base_fd, "cpuset.cpus", plan->parent_cpus,
				  sizeof(plan->parent_cpus)) >= 0)
			plan->parent_cpus[strcspn(plan->parent_cpus, "\n")] = '\0';
		if (jl_cg_read_at(h->base_fd, "cpuset.mems", plan->mems, sizeof(plan->mems)) >= 0)
			plan->mems[strcspn(plan->mems, "\n")] = '\0';
		plan->l.mems = plan->mems;
	}
	return 0;
}

static int cgroup1_prepare(struct joblet_job *job, void **ret_state, struct joblet_error **err)
{
	struct cgroup1_plan plan = { .devs = { .n = 0 } };
	struct cgroup1_state *s = NULL;
	int r;

	*ret_state = NULL;
	r = cgroup1_state_new(job, &s, err);
	if (r < 0)
		return r;
	r = cgroup1_plan_limits(job, &plan, err);
	if (r == 0)
		r = cgroup1_plan_hierarchies(s, &plan.l, err);
	if (r < 0) {
		cgroup1_state_free(s);
		return r;
	}
	for (size_t i = 0; i < s->n && r == 0; i++)
		r = cgroup1_make_one(s, &s->h[i], &plan, err);
	if (r == 0)
		r = cgroup1_write_limits(&s->dirs, &plan.l, &plan.devs, plan.parent_cpus, err);
	if (r < 0) {
		/* The job's cgroups made so far go; the BASE folders stay, as always. */
		cgroup1_unmake(s);
		cgroup1_state_free(s);
		return r;
	}
	cgroup1_watch_oom(s);
	/* child() moves the process (see cgroup1_child). */
	joblet_job_place_in_child(job);
	for (size_t i = 0; i < s->n; i++)
		joblet_plog_debug("job %s: cgroup `%s`", s->name, s->h[i].path);
	*ret_state = s;
	return 0;
}

/* ------------------------------------------------------------------ running */

/*
 * In the job's first process, before anything of the job runs: move this
 * process into the job cgroup of every hierarchy.  The process moves
 * itself (`0` written to `tasks`: the calling thread, and the process has
 * one) because the kernel then skips the process-wide lock whose write side
 * waits for an RCU grace period; moving it from the shim by pid costs that
 * wait (10-20 ms here) at every job start.  The hierarchy folders were
 * opened by prepare(); their fds close when the job execs.
 */
static int cgroup1_child(struct joblet_job *job, void *state, struct joblet_error **err)
{
	struct cgroup1_state *s = state;
	int r;

	for (size_t i = 0; i < s->n; i++) {
		r = jl_cg_write(s->h[i].fd, s->h[i].path, "tasks", "0", err);
		if (r < 0)
			return joblet_error_prefix(
				err, r, "cannot move the job's first process into its cgroups");
	}
	/* Placed: the job's cgroup namespace (if any) is rooted here. */
	return joblet_job_child_placed(job, err);
}

/*
 * Has the job met its memory limit?  The counter or under_oom; on kernels
 * with neither (before 4.13), the eventfd the kernel signals.  Sticky: the
 * shim kills the job once it is seen, and then both read 0 again.
 */
static bool cgroup1_oom_seen(struct cgroup1_state *s)
{
	uint64_t events = 0;
	int32_t oom = 0;

	if (cgroup1_read_oom(&s->dirs, &oom) == 0 && oom)
		s->oom = true;
	/* Non-blocking: EAGAIN when nothing was signalled. */
	if (s->oom_efd >= 0 && read(s->oom_efd, &events, sizeof(events)) == sizeof(events) &&
	    events > 0)
		s->oom = true;
	return s->oom;
}

/* Every second while the job runs: an OOM reported here makes the shim end the whole job. */
static int cgroup1_stats(struct joblet_job *job, void *state, struct joblet_job_usage *usage,
			 struct joblet_error **err)
{
	struct cgroup1_state *s = state;

	(void)job;
	(void)err;
	cgroup1_read_usage(&s->dirs, usage);
	if (cgroup1_oom_seen(s))
		usage->oom_killed = 1;
	return 0;
}

/* Freeze the job, waiting until deadline at most; false when the freezer cannot. */
static bool cgroup1_freeze(int fd, int64_t deadline)
{
	char st[64];

	if (fd < 0 || jl_cg_write_raw(fd, "freezer.state", "FROZEN") < 0)
		return false;
	/* FREEZING until every task stopped; a task stuck in the kernel may delay it. */
	while (jl_cg_read_at(fd, "freezer.state", st, sizeof(st)) >= 0 &&
	       strncmp(st, "FROZEN", 6) != 0 && jl_cg_now_ms() < deadline)
		jl_cg_sleep_ms(5);
	return true;
}

static int cgroup1_kill(struct joblet_job *job, void *state, int32_t sig, struct joblet_error **err)
{
	struct cgroup1_state *s = state;
	int ffd = s->dirs.fd[JL_CG_V1_FREEZER], fd = ffd >= 0 ? ffd : s->h[0].fd;
	int64_t until = jl_cg_now_ms() + CGROUP1_KILL_MS;

	(void)job;
	/* Nothing left (the usual case when the job's first process ended): nothing to freeze. */
	if (jl_cg_is_empty(fd))
		return 0;
	/*
	 * Freeze, signal every task, thaw: while frozen nothing forks, so the
	 * list read is the whole job.  Frozen tasks take the signal when thawed.
	 * SIGKILL is repeated until the cgroup is empty (or the time is up).
	 */
	for (;;) {
		int64_t wait = jl_cg_now_ms() + CGROUP1_FREEZE_MS;
		bool frozen = cgroup1_freeze(ffd, wait < until ? wait : until);
		size_t n = 0;
		int r = jl_cg_signal_procs(fd, sig, &n);

		if (frozen)
			jl_cg_write_raw(ffd, "freezer.state", "THAWED");
		if (r == -ENOENT)
			break;
		if (r < 0)
			return joblet_error_set(err, JOBLET_E_SYSTEM, -r,
						"cannot list the processes of the job's cgroup");
		if (sig != SIGKILL || n == 0 || jl_cg_now_ms() >= until)
			break;
		jl_cg_sleep_ms(10);
	}
	return 0;
}

static int cgroup1_finish(struct joblet_job *job, void *state, struct joblet_job_usage *usage,
			  struct joblet_error **err)
{
	struct cgroup1_state *s = state;

	(void)job;
	(void)err;
	cgroup1_read_usage(&s->dirs, usage);
	if (cgroup1_oom_seen(s))
		usage->oom_killed = 1;
	return 0;
}

static void cgroup1_cleanup(struct joblet_job *job, void *state)
{
	struct cgroup1_state *s = state;
	struct joblet_error *e = NULL;
	int64_t until;

	if (!s)
		return;
	/* (cgroup1_kill returns at once when the job's cgroup is already empty.) */
	if (s->n > 0 && cgroup1_kill(job, s, SIGKILL, &e) < 0) {
		joblet_plog_warning("%s", joblet_error_message(e));
		joblet_error_clear(&e);
	}
	until = jl_cg_now_ms() + CGROUP1_CLEANUP_MS;
	for (size_t i = 0; i < s->n; i++) {
		int64_t left = until - jl_cg_now_ms();

		if (jl_cg_rmdir_wait(s->h[i].base_fd, s->h[i].base_path, s->name,
				     left > 0 ? (int)left : 0, &e) < 0) {
			joblet_plog_warning("%s; the daemon removes it later",
					    joblet_error_message(e));
			joblet_error_clear(&e);
		}
	}
	cgroup1_state_free(s);
}

/* Every hierarchy, also those a job may not have used (cpuset, blkio). */
static int cgroup1_reap(struct joblet_job *job, struct joblet_error **err)
{
	struct jl_cg_layout lay;
	int r = jl_cg_layout_load(CGROUP1_MOUNTINFO, &lay, err);

	if (r < 0)
		return r;
	/* The freezer first: thawing it lets the other hierarchies empty. */
	for (int pass = 0; pass < 2 && r == 0; pass++)
		for (int c = 0; c < JL_CG_V1_N && r == 0; c++) {
			char base[PATH_MAX + 256];
			bool seen = false;

			if (!lay.v1_mount[c] || (pass == 0) != (c == JL_CG_V1_FREEZER))
				continue;
			/* cpu,cpuacct share one mount: one visit. */
			for (int k = 0; k < c; k++)
				if (lay.v1_mount[k] &&
				    strcmp(lay.v1_mount[k], lay.v1_mount[c]) == 0 &&
				    k != JL_CG_V1_FREEZER)
					seen = true;
			if (seen && pass == 1)
				continue;
			snprintf(base, sizeof(base), "%s/%s", lay.v1_mount[c], cgroup1_base);
			r = jl_cg_reap_dir(base, joblet_job_id(job), CGROUP1_CLEANUP_MS, err);
		}
	jl_cg_layout_free(&lay);
	return r;
}

static const struct joblet_isolation_ops cgroup1_ops = {
	.size = sizeof(struct joblet_isolation_ops),
	.probe = cgroup1_probe,
	.prepare = cgroup1_prepare,
	.child = cgroup1_child,
	.stats = cgroup1_stats,
	.kill = cgroup1_kill,
	.finish = cgroup1_finish,
	.cleanup = cgroup1_cleanup,
	.reap = cgroup1_reap,
};

JOBLET_PLUGIN_DEFINE(JOBLET_KIND_ISOLATION, "cgroup1", .version = JOBLET_VERSION_STRING,
		     .summary = "cgroup v1 limits: cpu, memory, blkio, pids, cpuset; freezer stop",
		     .license = "Apache-2.0", .caps = JOBLET_CAP_NEEDS_ROOT,
		     .settings = cgroup1_settings, .init = cgroup1_init, .ops = &cgroup1_ops);
