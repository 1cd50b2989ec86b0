/*
 * cgroup2_files.c - the limit files isolation/cgroup2 writes and the usage
 * files it reads, in one job cgroup (see cgroup2_files.h).
 */
#include <config.h>

#include "cgroup2_files.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int cgroup2_write_limits(int fd, const char *path, const struct jl_cg_limits *l,
			 const struct jl_cg_devs *devs, struct joblet_error **err)
{
	char v[128];
	int r;

	if (l->cpu_percent > 0) {
		if (jl_cg_cpu_max(l->cpu_percent, v, sizeof(v)) < 0)
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"max_cpu %" PRId64 "%% is too large",
						l->cpu_percent);
		r = jl_cg_write(fd, path, "cpu.max", v, err);
		if (r < 0)
			return joblet_error_prefix(err, r,
						   "cannot limit CPU to %" PRId64 "%% of a core",
						   l->cpu_percent);
	}
	if (l->memory_mib > 0) {
		snprintf(v, sizeof(v), "%" PRId64, l->memory_mib * 1024 * 1024);
		r = jl_cg_write(fd, path, "memory.max", v, err);
		if (r < 0)
			return joblet_error_prefix(err, r, "cannot limit memory to %" PRId64 " MiB",
						   l->memory_mib);
		/* No swap: a job at its limit is killed, not slowed down to a crawl. */
		r = jl_cg_write_raw(fd, "memory.swap.max", "0");
		if (r == -ENOENT && l->host_has_swap)
			return joblet_error_set(
				err, JOBLET_E_UNSUPPORTED, 0,
				"cannot keep the job out of swap: `%s/memory.swap.max` does not exist (this kernel does not account swap) and this host has swap, so the job could use more than %lld MiB; boot with swapaccount=1, turn swap off, or run the job without a memory limit",
				path, (long long)l->memory_mib);
		if (r < 0 && r != -ENOENT) {
			r = jl_cg_write(fd, path, "memory.swap.max", "0", err);
			if (r < 0)
				return joblet_error_prefix(err, r,
							   "cannot keep the job out of swap");
		}
	}
	/* An OOM kill ends the whole job, not one of its processes (kernel >= 4.19). */
	r = jl_cg_write_raw(fd, "memory.oom.group", "1");
	if (r < 0 && r != -ENOENT) {
		r = jl_cg_write(fd, path, "memory.oom.group", "1", err);
		if (r < 0)
			return r;
	}
	if (l->io_bps > 0) {
		if (!devs || devs->n == 0)
			return joblet_error_set(err, JOBLET_E_INTERNAL, 0,
						"an IO limit without the devices to apply it to");
		for (size_t i = 0; i < devs->n; i++) {
			if (jl_cg_io_max_line(&devs->dev[i], l->io_bps, v, sizeof(v)) < 0)
				return joblet_error_set(err, JOBLET_E_INTERNAL, 0,
							"io.max line too long");
			r = jl_cg_write(fd, path, "io.max", v, err);
			if (r < 0)
				return joblet_error_prefix(err, r,
							   "cannot limit IO to %" PRId64 " bytes/s",
							   l->io_bps);
		}
	}
	if (l->pids > 0) {
		snprintf(v, sizeof(v), "%" PRId64, l->pids);
		r = jl_cg_write(fd, path, "pids.max", v, err);
		if (r < 0)
			return joblet_error_prefix(
				err, r, "cannot limit the job to %" PRId64 " processes", l->pids);
	}
	if (l->cpus) {
		r = jl_cg_write(fd, path, "cpuset.cpus", l->cpus, err);
		if (r < 0)
			return joblet_error_prefix(err, r, "cannot pin the job to CPUs `%s`",
						   l->cpus);
		if (l->mems && *l->mems) {
			r = jl_cg_write(fd, path, "cpuset.mems", l->mems, err);
			if (r < 0)
				return joblet_error_prefix(
					err, r, "cannot pin the job to CPUs `%s`", l->cpus);
		}
	}
	return 0;
}

void cgroup2_read_usage(int fd, struct joblet_job_usage *u, uint64_t *peak_seen)
{
	char buf[8192];
	uint64_t v;
	int r;

	if (jl_cg_read_flat_at(fd, "cpu.stat", "usage_usec", &v) == 0)
		u->cpu_usec = v;
	if (jl_cg_read_u64_at(fd, "memory.current", &v) == 0) {
		u->memory_bytes = v;
		if (v > *peak_seen)
			*peak_seen = v;
	}
	r = jl_cg_read_u64_at(fd, "memory.peak", &v);
	if (r == 0)
		u->memory_peak_bytes = v > *peak_seen ? v : *peak_seen;
	else if (*peak_seen > 0)
		u->memory_peak_bytes = *peak_seen;
	if (jl_cg_read_u64_at(fd, "pids.current", &v) == 0)
		u->pids = v;
	if (jl_cg_read_at(fd, "io.stat", buf, sizeof(buf)) >= 0) {
		u->io_read_bytes = jl_cg_nested_sum(buf, "rbytes");
		u->io_write_bytes = jl_cg_nested_sum(buf, "wbytes");
	}
}

int cgroup2_read_oom(int fd, int32_t *ret)
{
	char buf[4096];
	ssize_t n = jl_cg_read_at(fd, "memory.events", buf, sizeof(buf));
	uint64_t v;

	if (n < 0)
		return (int)n;
	/* oom_kill: processes the OOM killer ended (4.13); before that only `oom`. */
	if (jl_cg_flat_get(buf, "oom_kill", &v) == 0 || jl_cg_flat_get(buf, "oom", &v) == 0) {
		*ret = v > 0;
		return 0;
	}
	return -ENOENT;
}
