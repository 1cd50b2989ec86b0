/*
 * cgroup1_files.h - what isolation/cgroup1 writes into and reads from the
 * job's cgroups, one per v1 hierarchy, given as directory fds.  Kept apart
 * from the plugin's hooks so tests/unit/test_cgroup runs it against plain
 * directories.
 */
#ifndef CGROUP1_FILES_H
#define CGROUP1_FILES_H

#include <stdint.h>

#include <joblet/isolation.h>

#include "cgroup_common.h"

/*
 * The job's cgroup for each controller (JL_CG_V1_*): -1 when the
 * controller is not mounted.  Comounted controllers (cpu,cpuacct) share
 * one fd.  Borrowed.
 */
struct cgroup1_dirs {
	int fd[JL_CG_V1_N];
	const char *path[JL_CG_V1_N];
};

/*
 * Write the limits of l: cpu.cfs_period_us and cpu.cfs_quota_us;
 * memory.limit_in_bytes, memory.memsw.limit_in_bytes (same value, when the
 * file exists) and memory.swappiness=0 (when writable);
 * blkio.throttle.read_bps_device and write_bps_device for every device of
 * devs; pids.max; cpuset.cpus (l->cpus, else parent_cpus) and cpuset.mems
 * (l->mems).  A limit whose controller is not mounted, or that the kernel
 * refuses, fails with the reason.
 */
int cgroup1_write_limits(const struct cgroup1_dirs *d, const struct jl_cg_limits *l,
			 const struct jl_cg_devs *devs, const char *parent_cpus,
			 struct joblet_error **err);

/*
 * Fill cpu_usec (cpuacct.usage), memory_bytes, memory_peak_bytes
 * (memory.max_usage_in_bytes), pids and io bytes.  Absent files leave their
 * fields alone.
 */
void cgroup1_read_usage(const struct cgroup1_dirs *d, struct joblet_job_usage *u);

/*
 * memory.limit_in_bytes also turns the cgroup's OOM killer off
 * (memory.oom_control 1, best effort): a job at its limit then waits for
 * the shim to kill all of it, as memory.oom.group does on v2.
 */

/*
 * *ret = 1 when memory.oom_control counts an OOM kill (`oom_kill N`,
 * kernel >= 4.13) or the job waits at its limit (`under_oom 1`).  0;
 * -ENOENT when this kernel tells neither (no kill was counted).
 */
int cgroup1_read_oom(const struct cgroup1_dirs *d, int32_t *ret);

#endif /* CGROUP1_FILES_H */
