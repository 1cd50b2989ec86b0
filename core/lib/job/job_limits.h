/*
 * job/job_limits.h - the limits every job gets: the operator's defaults
 * (isolation.max_memory, isolation.max_pids, isolation.timeout, ...) for a
 * job that asks for none, and the ceilings (isolation.ceiling.*) above
 * which a request is refused.  One table (job_limits.c) names each limit
 * once: its job field, its default and its ceiling in struct jl_config.
 *
 * jl_job_limits_apply(), which gives a spec its limits, is declared in
 * job/job_spec.h (job_spec.c calls it; no include loop).  This header has
 * what the programs need besides: the check of joblet.yml and the OOM
 * killer's order.
 *
 * Private tier (base/private.h).
 */
#ifndef JL_JOB_LIMITS_H
#define JL_JOB_LIMITS_H

#include <stdint.h>

#include <joblet/error.h>

#include "base/private.h"
#include "config/config.h"

/*
 * Do the defaults of cfg stay under its ceilings?  0, or JOBLET_E_CONFIG
 * naming both keys (a default above its ceiling would refuse every job that
 * asks for nothing).  The daemon calls it when it reads joblet.yml.
 */
JL_API int jl_job_limits_check_config(const struct jl_config *cfg, struct joblet_error **err);

/*
 * How readily the kernel's OOM killer picks each process (oom_score_adj,
 * -1000..1000).  The daemon and the shims are protected, but not immune
 * (-1000): one that leaks until it holds most of the memory is still
 * killed before the host falls over.  A job is always the first choice: it
 * runs code nobody vetted, and its whole cgroup dies with it.
 */
#define JL_OOM_SCORE_ADJ_DAEMON (-900)
#define JL_OOM_SCORE_ADJ_SHIM	(-900)
#define JL_OOM_SCORE_ADJ_JOB	1000

/*
 * Write value to /proc/PID/oom_score_adj (pid 0 = the caller; the caller
 * owns that choice: a program's main, or the shim for its job).  Written
 * by root, it is also the floor the process cannot go below.  Errors:
 * JOBLET_E_SYSTEM.
 */
JL_API int jl_oom_score_adj_set(int32_t pid, int32_t value, struct joblet_error **err);

#endif /* JL_JOB_LIMITS_H */
