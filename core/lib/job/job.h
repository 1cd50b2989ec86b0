/*
 * job/job.h - the job object (struct joblet_job, the view isolation plugins
 * get through <joblet/job.h>) as joblet-shim makes and runs it.
 *
 * Private tier (base/private.h).  The struct stays opaque outside
 * core/lib/job (job_private.h); the shim asks through these accessors.
 * Nothing here is thread-safe; the shim is single-threaded.
 */
#ifndef JL_JOB_JOB_H
#define JL_JOB_JOB_H

#include <stdint.h>

#include <joblet/error.h>
#include <joblet/job.h>

#include "base/private.h"
#include "job/job_spec.h"

/*
 * A job for spec (owned: taken over, also on failure) in state_dir; loads
 * the runtime's runtime.yml.  Free with jl_job_free().
 */
JL_API int jl_job_new(struct jl_job_spec *spec, const char *state_dir, struct joblet_job **ret_job,
		      struct joblet_error **err);

/* The job in state_dir as its spec.json describes it (jl_job_new()). */
JL_API int jl_job_open(const char *state_dir, struct joblet_job **ret_job,
		       struct joblet_error **err);

/* NULL is fine. */
JL_API void jl_job_free(struct joblet_job *job);

/*
 * Where plugins may cache what they derive from the configuration
 * (STATE_DIR/cache; copied).  0, or -ENOMEM.
 */
JL_API int jl_job_set_cache_dir(struct joblet_job *job, const char *dir);

/*
 * The values of the job's secret env, handed over in memory
 * (job_secrets.h): env (owned: taken over, also on failure) replaces the
 * masked list spec.json gave.  JOBLET_E_INVALID when env lacks a name
 * spec.json lists (the starter handed over the wrong list).
 */
JL_API int jl_job_set_secret_env(struct joblet_job *job, char **env, struct joblet_error **err);

/*
 * 0 when the job has every secret value it needs: none, or handed over, or
 * given in full by a spec.json of an earlier release.  JOBLET_E_INVALID
 * naming the first secret that still has only its mask.
 */
JL_API int jl_job_check_secrets(const struct joblet_job *job, struct joblet_error **err);

/* The host uid and gid the job runs as (what joblet_job_uid/gid return), never 0. */
JL_API void jl_job_set_user(struct joblet_job *job, uint32_t uid, uint32_t gid);

/* The job's spec (borrowed from the job). */
JL_API const struct jl_job_spec *jl_job_get_spec(const struct joblet_job *job);

/* The environment of the job's runtime (runtime.yml), NULL-terminated; NULL without one. */
JL_API char *const *jl_job_runtime_env(const struct joblet_job *job);

/* ------------------------------------------------------------------ creating the process */

/* The CLONE_NEW* flags the isolation layers asked for in prepare(). */
JL_API uint64_t jl_job_clone_flags(const struct joblet_job *job);

/* The job cgroup a layer handed over (joblet_job_set_cgroup_fd), or -1 (borrowed). */
JL_API int jl_job_cgroup_fd(const struct joblet_job *job);

/* The first process was created inside that cgroup (joblet_job_cloned_into_cgroup). */
JL_API void jl_job_set_cloned_into_cgroup(struct joblet_job *job);

/*
 * In the job's first process, before the layers' child hooks: the cgroup
 * namespace (when a layer asked for CLONE_NEWCGROUP) is made now, rooted
 * where the process is, unless a layer places the process itself in its
 * child hook (joblet_job_place_in_child): then when that layer says so
 * (joblet_job_child_placed), or at the latest at jl_job_make_cgroup_ns().
 */
JL_API int jl_job_cgroup_ns_begin(struct joblet_job *job, struct joblet_error **err);

/* In the child: make the job's cgroup namespace now if it is still to be made. */
JL_API int jl_job_make_cgroup_ns(struct joblet_job *job, struct joblet_error **err);

#endif /* JL_JOB_JOB_H */
