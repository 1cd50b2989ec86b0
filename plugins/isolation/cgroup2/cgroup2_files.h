/*
 * cgroup2_files.h - what isolation/cgroup2 writes into and reads from one
 * job cgroup, given as a directory fd.  Kept apart from the plugin's hooks
 * so tests/unit/test_cgroup runs it against a plain directory.
 */
#ifndef CGROUP2_FILES_H
#define CGROUP2_FILES_H

#include <stdint.h>

#include <joblet/isolation.h>

#include "cgroup_common.h"

/*
 * Write the limits of l into the job cgroup fd (path for messages):
 * cpu.max; memory.max, memory.swap.max=0; memory.oom.group=1; io.max for
 * every device of devs; pids.max; cpuset.cpus and cpuset.mems.  A limit
 * that is asked for and cannot be written fails with the reason.
 */
int cgroup2_write_limits(int fd, const char *path, const struct jl_cg_limits *l,
			 const struct jl_cg_devs *devs, struct joblet_error **err);

/*
 * Fill cpu_usec, memory_bytes, memory_peak_bytes, pids and io bytes from
 * the files of fd.  Without memory.peak (kernels before 5.19) the peak is
 * the highest memory.current seen, kept in *peak_seen.  Absent files leave
 * their fields alone.
 */
void cgroup2_read_usage(int fd, struct joblet_job_usage *u, uint64_t *peak_seen);

/* *ret = 1 when memory.events counts an OOM kill.  0, or -errno. */
int cgroup2_read_oom(int fd, int32_t *ret);

#endif /* CGROUP2_FILES_H */
