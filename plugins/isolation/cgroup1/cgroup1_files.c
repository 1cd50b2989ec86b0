/*
 * cgroup1_files.c - the limit files isolation/cgroup1 writes and the usage
 * files it reads, across the v1 hierarchies (see cgroup1_files.h).
 */
#include <config.h>

#include "cgroup1_files.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* The flag that asks for the limit a controller enforces, for messages. */
static const char *cgroup1_flag(int c)
{
	switch (c) {
	case JL_CG_V1_CPU:
		return "--max-cpu";
	case JL_CG_V1_MEMORY:
		return "--max-memory";
	case JL_CG_V1_BLKIO:
		return "--max-iobps";
	case JL_CG_V1_PIDS:
		return "--max-pids";
	case JL_CG_V1_CPUSET:
		return "--cpu-cores";
	default:
		return "the limit";
	}
}

static int cgroup1_need(const struct cgroup1_dirs *d, int c, const char *what,
			struct joblet_error **err)
{
	if (d->fd[c] >= 0)
		return 0;
	return joblet_error_set(
		err, JOBLET_E_UNSUPPORTED, 0,
		"cannot %s: the cgroup v1 `%s` controller is not mounted on this host; mount it (for example on /sys/fs/cgroup/%s) or run the job without %s",
		what, jl_cg_v1_name(c), jl_cg_v1_name(c), cgroup1_flag(c));
}

/* cpu.cfs_period_us and cpu.cfs_quota_us. */
static int cgroup1_write_cpu(const struct cgroup1_dirs *d, const struct jl_cg_limits *l,
			     struct joblet_error **err)
{
	const char *path = d->path[JL_CG_V1_CPU];
	char v[128], what[128];
	int r;

	snprintf(what, sizeof(what), "limit CPU to %" PRId64 "%% of a core", l->cpu_percent);
	r = cgroup1_need(d, JL_CG_V1_CPU, what, err);
	if (r < 0)
		return r;
	snprintf(v, sizeof(v), "%d", JL_CG_CPU_PERIOD_US);
	r = jl_cg_write(d->fd[JL_CG_V1_CPU], path, "cpu.cfs_period_us", v, err);
	if (r == 0) {
		snprintf(v, sizeof(v), "%" PRId64, jl_cg_cfs_quota_us(l->cpu_percent));
		r = jl_cg_write(d->fd[JL_CG_V1_CPU], path, "cpu.cfs_quota_us", v, err);
	}
	if (r < 0)
		return joblet_error_prefix(err, r, "cannot %s", what);
	return 0;
}

/* memory.limit_in_bytes; memory+swap the same (no swap), where swap is accounted. */
static int cgroup1_write_memory(const struct cgroup1_dirs *d, const struct jl_cg_limits *l,
				struct joblet_error **err)
{
	const char *path = d->path[JL_CG_V1_MEMORY];
	char v[128], what[128];
	int fd = d->fd[JL_CG_V1_MEMORY], r;

	snprintf(what, sizeof(what), "limit memory to %" PRId64 " MiB", l->memory_mib);
	r = cgroup1_need(d, JL_CG_V1_MEMORY, what, err);
	if (r < 0)
		return r;
	snprintf(v, sizeof(v), "%" PRId64, l->memory_mib * 1024 * 1024);
	r = jl_cg_write(fd, path, "memory.limit_in_bytes", v, err);
	if (r < 0)
		return joblet_error_prefix(err, r, "cannot %s", what);
	/* memory+swap = memory: no swap at all (only with swap accounting). */
	r = jl_cg_write_raw(fd, "memory.memsw.limit_in_bytes", v);
	if (r == -ENOENT && l->host_has_swap)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"cannot keep the job out of swap: `%s/memory.memsw.limit_in_bytes` does not exist (swap accounting is off) and this host has swap, so the job could use more than %lld MiB; boot with swapaccount=1, turn swap off, or run the job without a memory limit",
			path, (long long)l->memory_mib);
	if (r < 0 && r != -ENOENT) {
		r = jl_cg_write(fd, path, "memory.memsw.limit_in_bytes", v, err);
		if (r < 0)
			return joblet_error_prefix(err, r, "cannot keep the job out of swap");
	}
	/* Best effort: some kernels refuse it below a hierarchy root. */
	(void)jl_cg_write_raw(fd, "memory.swappiness", "0");
	/*
	 * v1 has no memory.oom.group: its OOM killer ends one process and the
	 * rest of the job runs on.  With the killer off here, a job at its limit
	 * waits (under_oom 1) until the shim, told by stats(), kills all of it.
	 * A kernel that refuses leaves the killer on, so the failure is
	 * ignored: the shim still ends the job when it sees the kill, a moment
	 * later.
	 */
	(void)jl_cg_write_raw(fd, "memory.oom_control", "1");
	return 0;
}

/* blkio.throttle.{read,write}_bps_device for every disk of devs. */
static int cgroup1_write_blkio(const struct cgroup1_dirs *d, const struct jl_cg_limits *l,
			       const struct jl_cg_devs *devs, struct joblet_error **err)
{
	const char *path = d->path[JL_CG_V1_BLKIO];
	char v[128], what[128];
	int r;

	snprintf(what, sizeof(what), "limit IO to %" PRId64 " bytes/s", l->io_bps);
	r = cgroup1_need(d, JL_CG_V1_BLKIO, what, err);
	if (r < 0)
		return r;
	if (!devs || devs->n == 0)
		return joblet_error_set(err, JOBLET_E_INTERNAL, 0,
					"an IO limit without the devices to apply it to");
	for (size_t i = 0; i < devs->n; i++) {
		if (jl_cg_blkio_line(&devs->dev[i], l->io_bps, v, sizeof(v)) < 0)
			return joblet_error_set(err, JOBLET_E_INTERNAL, 0, "blkio line too long");
		r = jl_cg_write(d->fd[JL_CG_V1_BLKIO], path, "blkio.throttle.read_bps_device", v,
				err);
		if (r == 0)
			r = jl_cg_write(d->fd[JL_CG_V1_BLKIO], path,
					"blkio.throttle.write_bps_device", v, err);
		if (r < 0)
			return joblet_error_prefix(err, r, "cannot %s", what);
	}
	return 0;
}

static int cgroup1_write_pids(const struct cgroup1_dirs *d, const struct jl_cg_limits *l,
			      struct joblet_error **err)
{
	char v[128], what[128];
	int r;

	snprintf(what, sizeof(what), "limit the job to %" PRId64 " processes", l->pids);
	r = cgroup1_need(d, JL_CG_V1_PIDS, what, err);
	if (r < 0)
		return r;
	snprintf(v, sizeof(v), "%" PRId64, l->pids);
	r = jl_cg_write(d->fd[JL_CG_V1_PIDS], d->path[JL_CG_V1_PIDS], "pids.max", v, err);
	if (r < 0)
		return joblet_error_prefix(err, r, "cannot %s", what);
	return 0;
}

/*
 * cpuset.cpus (the job's pin, else the parent's CPUs) and cpuset.mems: a
 * new v1 cpuset is empty, and no process can join an empty cpuset.
 */
static int cgroup1_write_cpuset(const struct cgroup1_dirs *d, const struct jl_cg_limits *l,
				const char *parent_cpus, struct joblet_error **err)
{
	const char *cpus = l->cpus ? l->cpus : parent_cpus;
	const char *path = d->path[JL_CG_V1_CPUSET];
	int r;

	if (!cpus || !*cpus || !l->mems || !*l->mems)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"cannot set up the job's cpuset in `%s`: its parent has no CPUs or memory nodes (cpuset.cpus `%s`, cpuset.mems `%s`)",
			path, cpus ? cpus : "", l->mems ? l->mems : "");
	r = jl_cg_write(d->fd[JL_CG_V1_CPUSET], path, "cpuset.cpus", cpus, err);
	if (r == 0)
		r = jl_cg_write(d->fd[JL_CG_V1_CPUSET], path, "cpuset.mems", l->mems, err);
	if (r < 0)
		return joblet_error_prefix(err, r, "cannot pin the job to CPUs `%s`", cpus);
	return 0;
}

int cgroup1_write_limits(const struct cgroup1_dirs *d, const struct jl_cg_limits *l,
			 const struct jl_cg_devs *devs, const char *parent_cpus,
			 struct joblet_error **err)
{
	char what[128];
	int r = 0;

	if (l->cpu_percent > 0)
		r = cgroup1_write_cpu(d, l, err);
	if (r == 0 && l->memory_mib > 0)
		r = cgroup1_write_memory(d, l, err);
	if (r == 0 && l->io_bps > 0)
		r = cgroup1_write_blkio(d, l, devs, err);
	if (r == 0 && l->pids > 0)
		r = cgroup1_write_pids(d, l, err);
	if (r == 0 && l->cpus) {
		snprintf(what, sizeof(what), "pin the job to CPUs `%s`", l->cpus);
		r = cgroup1_need(d, JL_CG_V1_CPUSET, what, err);
	}
	if (r == 0 && d->fd[JL_CG_V1_CPUSET] >= 0)
		r = cgroup1_write_cpuset(d, l, parent_cpus, err);
	return r;
}

/* Read and Write bytes of blkio.throttle.io_service_bytes ("8:0 Read 4096" lines). */
static void cgroup1_blkio_bytes(const char *text, uint64_t *rd, uint64_t *wr)
{
	*rd = *wr = 0;
	for (const char *l = text; l && *l;) {
		char op[16];
		unsigned long long n;

		if (sscanf(l, "%*u:%*u %15s %llu", op, &n) == 2) {
			if (strcmp(op, "Read") == 0)
				*rd += n;
			else if (strcmp(op, "Write") == 0)
				*wr += n;
		}
		l = strchr(l, '\n');
		if (l)
			l++;
	}
}

void cgroup1_read_usage(const struct cgroup1_dirs *d, struct joblet_job_usage *u)
{
	char buf[8192];
	uint64_t v;

	if (d->fd[JL_CG_V1_CPUACCT] >= 0 &&
	    jl_cg_read_u64_at(d->fd[JL_CG_V1_CPUACCT], "cpuacct.usage", &v) == 0)
		u->cpu_usec = v / 1000;
	if (d->fd[JL_CG_V1_MEMORY] >= 0) {
		if (jl_cg_read_u64_at(d->fd[JL_CG_V1_MEMORY], "memory.usage_in_bytes", &v) == 0)
			u->memory_bytes = v;
		if (jl_cg_read_u64_at(d->fd[JL_CG_V1_MEMORY], "memory.max_usage_in_bytes", &v) == 0)
			u->memory_peak_bytes = v;
	}
	if (d->fd[JL_CG_V1_PIDS] >= 0 &&
	    jl_cg_read_u64_at(d->fd[JL_CG_V1_PIDS], "pids.current", &v) == 0)
		u->pids = v;
	if (d->fd[JL_CG_V1_BLKIO] >= 0 &&
	    jl_cg_read_at(d->fd[JL_CG_V1_BLKIO], "blkio.throttle.io_service_bytes", buf,
			  sizeof(buf)) >= 0)
		cgroup1_blkio_bytes(buf, &u->io_read_bytes, &u->io_write_bytes);
}

int cgroup1_read_oom(const struct cgroup1_dirs *d, int32_t *ret)
{
	char buf[256];
	uint64_t kills = 0, under = 0;
	int r;

	if (d->fd[JL_CG_V1_MEMORY] < 0)
		return -ENOENT;
	r = jl_cg_read_at(d->fd[JL_CG_V1_MEMORY], "memory.oom_control", buf, sizeof(buf));
	if (r < 0)
		return r;
	r = jl_cg_flat_get(buf, "oom_kill", &kills);
	/* With the OOM killer off, a job at its limit waits: under_oom 1. */
	if (jl_cg_flat_get(buf, "under_oom", &under) < 0 && r < 0)
		return r;
	*ret = kills > 0 || under > 0;
	return r < 0 && !under ? r : 0;
}
