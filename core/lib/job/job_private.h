/*
 * job/job_private.h - what the files of core/lib/job share about jobs: the
 * job object's fields (programs use the accessors of job/job.h).
 */
#ifndef JL_JOB_PRIVATE_H
#define JL_JOB_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <joblet/isolation.h>
#include <joblet/job.h>

#include "job/job_spec.h"
#include "runtime/runtime_yml.h"

struct joblet_job {
	struct jl_job_spec *spec; /* owned */
	char *state_dir;
	char *root_dir;
	char *work_dir;
	char *cache_dir; /* STATE_DIR/cache, or NULL (see joblet_job_cache_dir) */
	char short_id[9];
	uint64_t clone_flags;
	int cgroup_fd; /* -1, or the job cgroup (CLONE_INTO_CGROUP) */
	bool cloned_into_cgroup;
	bool places_in_child; /* a layer moves the process in child() (joblet_job_place_in_child) */
	bool cgroup_ns_pending;		 /* in the child: CLONE_NEWCGROUP still to be made */
	struct jl_runtime_desc *runtime; /* runtime.yml of spec->runtime_dir, or NULL */
	/* The spec's volumes, parsed (joblet_job_volume()); names owned. */
	struct jl_job_volume {
		char *name;
		const char *source; /* spec->volume_paths[i] */
		int32_t readonly;
	} * volumes;
	size_t n_volumes;
};

#endif /* JL_JOB_PRIVATE_H */
