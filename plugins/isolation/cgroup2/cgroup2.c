/*
 * isolation/cgroup2 - limit a job with a cgroup of the unified hierarchy.
 *
 * Each job gets MOUNT/BASE/<job id> (default /sys/fs/cgroup/joblet.slice/ID)
 * with cpu.max, memory.max (+ memory.swap.max=0, memory.oom.group=1),
 * io.max on the disks behind the job's storage, pids.max and cpuset.cpus /
 * cpuset.mems.  The controllers a job needs are enabled in the
 * cgroup.subtree_control of BASE and of those of its ancestors that lack
 * them.  The job's first process is created inside the cgroup
 * (clone3 CLONE_INTO_CGROUP on the fd prepare() hands over) or, where the
 * kernel cannot, moved there by attach() before it runs any job code.
 * A limit that cannot be applied fails the job: never silently unlimited.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <joblet/isolation.h>

#include "cgroup2_files.h"
#include "cgroup_common.h"

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define CGROUP2_DEFAULT_MOUNT "/sys/fs/cgroup"
#define CGROUP2_DEFAULT_BASE  "joblet.slice"
/* How long cleanup() waits for the job's processes to go before rmdir. */
#define CGROUP2_CLEANUP_MS 5000
/* How long kill() waits for a freeze to take hold, and in all. */
#define CGROUP2_FREEZE_MS 1000
#define CGROUP2_KILL_MS	  2000

/* The controllers joblet may need; probe() wants them all available. */
static const char *const cgroup2_controllers[] = { "cpu", "memory", "pids", "io", "cpuset", NULL };

/* Settings (plugins.settings."isolation/cgroup2"), set once by init(). */
static char cgroup2_mount[PATH_MAX] = CGROUP2_DEFAULT_MOUNT;
static char cgroup2_base[256] = CGROUP2_DEFAULT_BASE;

struct cgroup2_state {
	char *base_path; /* MOUNT/BASE */
	char *path;	 /* MOUNT/BASE/ID */
	char *name;	 /* ID */
	int base_fd;
	int fd;
	bool has_kill;	    /* cgroup.kill (5.14) */
	uint64_t peak_seen; /* highest memory.current seen (no memory.peak before 5.19) */
};

static const char *const cgroup2_settings[] = { "mount", "base", NULL };

static int cgroup2_init(const struct joblet_plugin_host *host, struct joblet_error **err)
{
	const char *m = joblet_plugin_host_setting(host, "mount");
	const char *b = joblet_plugin_host_setting(host, "base");

	if (m) {
		if (m[0] != '/' || strstr(m, "/..") || strlen(m) >= sizeof(cgroup2_mount))
			return joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"isolation/cgroup2 setting `mount` must be an absolute path without `..`, not `%s`",
				m);
		snprintf(cgroup2_mount, sizeof(cgroup2_mount), "%s", m);
		/* "/sys/fs/cgroup/" and "/sys/fs/cgroup" are the same mount. */
		for (size_t n = strlen(cgroup2_mount); n > 1 && cgroup2_mount[n - 1] == '/'; n--)
			cgroup2_mount[n - 1] = '\0';
	}
	if (b) {
		if (!jl_cg_rel_path_ok(b) || strlen(b) >= sizeof(cgroup2_base))
			return joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"isolation/cgroup2 setting `base` must be a relative path below the cgroup2 mount (letters, digits, `.`, `_`, `-`, no `..`), such as `joblet.slice`, not `%s`",
				b);
		snprintf(cgroup2_base, sizeof(cgroup2_base), "%s", b);
	}
	return 0;
}

/* ------------------------------------------------------------------ probe */

/* Where a cgroup2 is mounted other than at the configured place, for messages. */
static void cgroup2_elsewhere(char *buf, size_t size)
{
	struct jl_cg_layout lay;
	size_t used = 0;

	buf[0] = '\0';
	if (jl_cg_layout_load("/proc/self/mountinfo", &lay, NULL) < 0)
		return;
	for (size_t i = 0; i < lay.n_v2 && used < size; i++) {
		char path[PATH_MAX + 32], ctl[512] = "";
		int fd;

		if (strcmp(lay.v2_mount[i], cgroup2_mount) == 0)
			continue;
		snprintf(path, sizeof(path), "%s", lay.v2_mount[i]);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) {
			if (jl_cg_read_at(fd, "cgroup.controllers", ctl, sizeof(ctl)) >= 0)
				ctl[strcspn(ctl, "\n")] = '\0';
			close(fd);
		}
		used += (size_t)snprintf(buf + used, size - used,
					 "; a cgroup2 is mounted at `%s` with controllers: %s",
					 path, *ctl ? ctl : "none");
	}
	for (int i = 0; i < JL_CG_V1_N && used < size; i++)
		if (lay.v1_mount[i]) {
			snprintf(
				buf + used, size - used,
				"; cgroup v1 hierarchies own the controllers (isolation/cgroup1 can use them)");
			break;
		}
	jl_cg_layout_free(&lay);
}

/* The nearest existing cgroup at or above MOUNT/BASE: a new string. */
static char *cgroup2_existing_ancestor(void)
{
	char *p = NULL;
	struct stat st;

	if (asprintf(&p, "%s/%s", cgroup2_mount, cgroup2_base) < 0)
		return NULL;
	while (stat(p, &st) < 0 && strlen(p) > strlen(cgroup2_mount))
		*strrchr(p, '/') = '\0';
	return p;
}

static int cgroup2_probe(struct joblet_error **err)
{
	jl_cg_autofree char *anc = NULL;
	jl_cg_autoclose int fd = -1;
	char ctl[512], missing[128] = "", other[1024];
	struct statfs sfs;

	if (statfs(cgroup2_mount, &sfs) < 0 || sfs.f_type != CGROUP2_SUPER_MAGIC) {
		cgroup2_elsewhere(other, sizeof(other));
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0,
					"cgroup2 is not mounted at `%s`%s", cgroup2_mount, other);
	}
	anc = cgroup2_existing_ancestor();
	if (!anc)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot probe cgroup2");
	fd = open(anc, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || jl_cg_read_at(fd, "cgroup.controllers", ctl, sizeof(ctl)) < 0)
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, errno,
					"cannot read `%s/cgroup.controllers`", anc);
	ctl[strcspn(ctl, "\n")] = '\0';
	for (const char *const *c = cgroup2_controllers; *c; c++)
		if (!jl_cg_word_in(ctl, *c)) {
			size_t n = strlen(missing);

			snprintf(missing + n, sizeof(missing) - n, "%s%s", n ? ", " : "", *c);
		}
	if (*missing) {
		cgroup2_elsewhere(other, sizeof(other));
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"cgroup2 at `%s` lacks the controllers %s in `%s` (it has: %s); enable them in the parent's cgroup.subtree_control or delegate them to joblet%s",
			cgroup2_mount, missing, anc, *ctl ? ctl : "none", other);
	}
	if (faccessat(fd, ".", W_OK, AT_EACCESS) < 0)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, errno,
			"cannot create cgroups under `%s`: run joblet as root, or delegate that cgroup to joblet's user",
			anc);
	return 0;
}

/* ------------------------------------------------------------------ prepare */

/* Enable each controller of want in dir's cgroup.subtree_control that is not yet on. */
static int cgroup2_enable(int fd, const char *dir, const char *const *want,
			  struct joblet_error **err)
{
	char on[512], avail[512], v[32];
	int r;

	if (jl_cg_read_at(fd, "cgroup.subtree_control", on, sizeof(on)) < 0)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, errno,
			"cannot read `%s/cgroup.subtree_control`; is `%s` a cgroup2 directory?",
			dir, dir);
	for (const char *const *c = want; *c; c++) {
		if (jl_cg_word_in(on, *c))
			continue;
		if (jl_cg_read_at(fd, "cgroup.controllers", avail, sizeof(avail)) < 0)
			avail[0] = '\0';
		avail[strcspn(avail, "\n")] = '\0';
		if (!jl_cg_word_in(avail, *c))
			return joblet_error_set(
				err, JOBLET_E_UNSUPPORTED, 0,
				"the cgroup2 `%s` controller is not available in `%s` (cgroup.controllers: %s); enable it in its parent's cgroup.subtree_control, or delegate it to joblet",
				*c, dir, *avail ? avail : "none");
		snprintf(v, sizeof(v), "+%s", *c);
		r = jl_cg_write(fd, dir, "cgroup.subtree_control", v, err);
		if (r < 0)
			return joblet_error_prefix(err, r, "cannot enable the `%s` controller", *c);
	}
	return 0;
}

/*
 * Create MOUNT/BASE as needed, with want enabled all the way down, and
 * return an fd of BASE.
 */
static int cgroup2_open_base(const char *const *want, int *ret_fd, struct joblet_error **err)
{
	char dir[PATH_MAX];
	int fd, r;

	fd = open(cgroup2_mount, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, errno, "cannot open `%s`",
					cgroup2_mount);
	snprintf(dir, sizeof(dir), "%s", cgroup2_mount);
	for (const char *c = cgroup2_base; *c;) {
		size_t len = strcspn(c, "/");
		char name[256];
		int next;

		snprintf(name, sizeof(name), "%.*s", (int)len, c);
		r = cgroup2_enable(fd, dir, want, err);
		if (r < 0) {
			close(fd);
			return r;
		}
		if (mkdirat(fd, name, 0755) < 0 && errno != EEXIST) {
			r = joblet_error_set(err,
					     errno == EACCES || errno == EPERM ? JOBLET_E_PERMISSION
									       : JOBLET_E_SYSTEM,
					     errno, "cannot create cgroup `%s/%s`", dir, name);
			close(fd);
			return r;
		}
		next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		close(fd);
		if (next < 0)
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
						"cannot open cgroup `%s/%s`", dir, name);
		fd = next;
		snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/%s", name);
		c += len;
		while (*c == '/')
			c++;
	}
	r = cgroup2_enable(fd, dir, want, err);
	if (r < 0) {
		close(fd);
		return r;
	}
	*ret_fd = fd;
	return 0;
}

static void cgroup2_state_free(struct cgroup2_state *s)
{
	if (!s)
		return;
	if (s->fd >= 0)
		close(s->fd);
	if (s->base_fd >= 0)
		close(s->base_fd);
	free(s->base_path);
	free(s->path);
	free(s->name);
	free(s);
}

static int cgroup2_prepare(struct joblet_job *job, void **ret_state, struct joblet_error **err)
{
	struct cgroup2_state *s = calloc(1, sizeof(*s));
	const char *want[8];
	struct jl_cg_limits l;
	struct jl_cg_devs devs = { .n = 0 };
	char mems[256] = "";
	size_t nw = 0;
	int r, fd;

	*ret_state = NULL;
	if (!s)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot prepare the job's cgroup");
	s->fd = s->base_fd = -1;
	jl_cg_limits_from_job(job, &l);
	l.host_has_swap = jl_cg_host_has_swap("/proc/swaps");
	if (l.io_bps > 0) {
		r = jl_cg_disks_of_path("/sys", "/proc/self/mountinfo", joblet_job_work_dir(job),
					&devs, err);
		if (r < 0) {
			cgroup2_state_free(s);
			return joblet_error_prefix(err, r, "cannot limit IO to %" PRId64 " bytes/s",
						   l.io_bps);
		}
	}
	/* memory and pids always: OOM reporting, accounting and the pids default. */
	want[nw++] = "memory";
	want[nw++] = "pids";
	if (l.cpu_percent > 0)
		want[nw++] = "cpu";
	if (l.io_bps > 0)
		want[nw++] = "io";
	if (l.cpus)
		want[nw++] = "cpuset";
	want[nw] = NULL;

	s->name = strdup(joblet_job_id(job));
	if (!s->name || asprintf(&s->base_path, "%s/%s", cgroup2_mount, cgroup2_base) < 0 ||
	    asprintf(&s->path, "%s/%s", s->base_path, s->name) < 0) {
		s->base_path = s->path = NULL;
		cgroup2_state_free(s);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot prepare the job's cgroup");
	}
	if (!jl_cg_rel_path_ok(s->name) || strchr(s->name, '/')) {
		r = joblet_error_set(err, JOBLET_E_INVALID, 0, "job id `%s` cannot name a cgroup",
				     s->name);
		cgroup2_state_free(s);
		return r;
	}
	r = cgroup2_open_base(want, &s->base_fd, err);
	if (r < 0) {
		cgroup2_state_free(s);
		return r;
	}
	if (mkdirat(s->base_fd, s->name, 0755) < 0) {
		r = joblet_error_set(
			err, errno == EEXIST ? JOBLET_E_EXISTS : JOBLET_E_SYSTEM, errno,
			"cannot create the job's cgroup `%s`%s", s->path,
			errno == EEXIST
				? " (a job with this id runs, or a dead one left it behind: remove it with rmdir)"
				: "");
		cgroup2_state_free(s);
		return r;
	}
	s->fd = openat(s->base_fd, s->name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (s->fd < 0) {
		r = joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot open `%s`", s->path);
		goto fail;
	}
	if (l.cpus) {
		if (jl_cg_read_at(s->base_fd, "cpuset.mems.effective", mems, sizeof(mems)) >= 0)
			mems[strcspn(mems, "\n")] = '\0';
		l.mems = mems;
	}
	r = cgroup2_write_limits(s->fd, s->path, &l, &devs, err);
	if (r < 0)
		goto fail;
	s->has_kill = faccessat(s->fd, "cgroup.kill", F_OK, 0) == 0;

	/* The shim creates the job's first process right in here (CLONE_INTO_CGROUP). */
	fd = fcntl(s->fd, F_DUPFD_CLOEXEC, 3);
	if (fd < 0) {
		r = joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot hand over `%s`", s->path);
		goto fail;
	}
	joblet_job_set_cgroup_fd(job, fd);
	joblet_plog_debug("job %s: cgroup `%s`", s->name, s->path);
	*ret_state = s;
	return 0;
fail:
	unlinkat(s->base_fd, s->name, AT_REMOVEDIR);
	cgroup2_state_free(s);
	return r;
}

/* ------------------------------------------------------------------ running */

static int cgroup2_attach(struct joblet_job *job, void *state, int32_t pid,
			  struct joblet_error **err)
{
	struct cgroup2_state *s = state;
	char v[32];
	int r;

	if (joblet_job_cloned_into_cgroup(job))
		return 0;
	/* clone3 could not place it (kernel < 5.7): move it before it runs job code. */
	snprintf(v, sizeof(v), "%" PRId32, pid);
	r = jl_cg_write(s->fd, s->path, "cgroup.procs", v, err);
	if (r < 0)
		return joblet_error_prefix(err, r,
					   "cannot move the job's first process into its cgroup");
	return 0;
}

static int cgroup2_stats(struct joblet_job *job, void *state, struct joblet_job_usage *usage,
			 struct joblet_error **err)
{
	struct cgroup2_state *s = state;

	(void)job;
	(void)err;
	cgroup2_read_usage(s->fd, usage, &s->peak_seen);
	return 0;
}

/* Wait until cgroup.events says frozen (bounded). */
static void cgroup2_wait_frozen(int fd)
{
	int64_t until = jl_cg_now_ms() + CGROUP2_FREEZE_MS;
	uint64_t frozen = 0;

	while (jl_cg_read_flat_at(fd, "cgroup.events", "frozen", &frozen) == 0 && !frozen &&
	       jl_cg_now_ms() < until)
		jl_cg_sleep_ms(5);
}

static int cgroup2_kill(struct joblet_job *job, void *state, int32_t sig, struct joblet_error **err)
{
	struct cgroup2_state *s = state;
	int64_t until = jl_cg_now_ms() + CGROUP2_KILL_MS;
	bool frozen;
	size_t n = 0;
	int r;

	(void)job;
	if (sig == SIGKILL && s->has_kill) {
		struct joblet_error *e = NULL;

		/* The kernel kills the whole subtree, racing forks included (5.14). */
		if (jl_cg_write(s->fd, s->path, "cgroup.kill", "1", &e) == 0)
			return 0;
		joblet_plog_warning("%s; signalling each process instead", joblet_error_message(e));
		joblet_error_free(e);
	}
	/* Frozen, nothing forks while the list is read (cgroup.freeze: 5.2). */
	frozen = jl_cg_write_raw(s->fd, "cgroup.freeze", "1") == 0;
	if (frozen)
		cgroup2_wait_frozen(s->fd);
	for (;;) {
		r = jl_cg_signal_procs(s->fd, sig, &n);
		if (frozen) {
			/* Fatal signals reach frozen tasks; others wait for the thaw. */
			jl_cg_write_raw(s->fd, "cgroup.freeze", "0");
			frozen = false;
		}
		if (r == -ENOENT)
			break;
		if (r < 0)
			return joblet_error_set(err, JOBLET_E_SYSTEM, -r,
						"cannot list the processes of `%s`", s->path);
		/* SIGKILL until empty: without a freezer, forks may race the list. */
		if (sig != SIGKILL || n == 0 || jl_cg_now_ms() >= until)
			break;
		jl_cg_sleep_ms(10);
	}
	return 0;
}

static int cgroup2_finish(struct joblet_job *job, void *state, struct joblet_job_usage *usage,
			  struct joblet_error **err)
{
	struct cgroup2_state *s = state;
	int32_t oom = 0;
	int r;

	(void)job;
	cgroup2_read_usage(s->fd, usage, &s->peak_seen);
	r = cgroup2_read_oom(s->fd, &oom);
	if (r < 0)
		return joblet_error_set(
			err, JOBLET_E_SYSTEM, -r,
			"cannot tell whether the job ran out of memory (`%s/memory.events`)",
			s->path);
	if (oom)
		usage->oom_killed = 1;
	return 0;
}

static void cgroup2_cleanup(struct joblet_job *job, void *state)
{
	struct cgroup2_state *s = state;
	struct joblet_error *e = NULL;

	(void)job;
	if (!s)
		return;
	if (!jl_cg_is_empty(s->fd) && cgroup2_kill(job, s, SIGKILL, &e) < 0) {
		joblet_plog_warning("%s", joblet_error_message(e));
		joblet_error_clear(&e);
	}
	if (jl_cg_rmdir_wait(s->base_fd, s->base_path, s->name, CGROUP2_CLEANUP_MS, &e) < 0) {
		joblet_plog_warning("%s; the daemon removes it later", joblet_error_message(e));
		joblet_error_clear(&e);
	}
	cgroup2_state_free(s);
}

static int cgroup2_reap(struct joblet_job *job, struct joblet_error **err)
{
	char base[PATH_MAX + 256];

	snprintf(base, sizeof(base), "%s/%s", cgroup2_mount, cgroup2_base);
	return jl_cg_reap_dir(base, joblet_job_id(job), CGROUP2_CLEANUP_MS, err);
}

static const struct joblet_isolation_ops cgroup2_ops = {
	.size = sizeof(struct joblet_isolation_ops),
	.probe = cgroup2_probe,
	.prepare = cgroup2_prepare,
	.attach = cgroup2_attach,
	.stats = cgroup2_stats,
	.kill = cgroup2_kill,
	.finish = cgroup2_finish,
	.cleanup = cgroup2_cleanup,
	.reap = cgroup2_reap,
};

JOBLET_PLUGIN_DEFINE(JOBLET_KIND_ISOLATION, "cgroup2", .version = JOBLET_VERSION_STRING,
		     .summary = "cgroup v2 limits: cpu.max, memory.max, io.max, pids.max, cpuset",
		     .license = "Apache-2.0", .settings = cgroup2_settings, .init = cgroup2_init,
		     .ops = &cgroup2_ops);
