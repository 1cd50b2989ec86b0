/*
 * plugin/ops_scheduler.h - calling scheduler policies.
 *
 * Hidden inside libjoblet: core/lib/plugin is the only caller of plugin ops
 * (ARCHITECTURE.md section 2), and the scheduler core (core/lib/sched) the
 * only caller of these thin wrappers, one per slot of struct
 * joblet_scheduler_ops (<joblet/scheduler.h> says when each is called and
 * what it may do).  p is the descriptor of a loaded scheduler plugin
 * (borrowed) and state what its create() made.  The loader accepts only
 * ABI 2.x plugins, whose ops tables hold every 2.0 slot, so no slot needs
 * JOBLET_OPS_HAS; an OPTIONAL slot a policy leaves NULL does nothing.
 * Errors are the policy's own, passed on unchanged.  Not thread-safe, like
 * the policies: the core calls them from one thread at a time.
 */
#ifndef JL_PLUGIN_OPS_SCHEDULER_H
#define JL_PLUGIN_OPS_SCHEDULER_H

#include <stdint.h>

#include <joblet/error.h>
#include <joblet/plugin.h>
#include <joblet/scheduler.h>

/* create() (REQUIRED): *ret_state receives the policy's empty queue. */
int jl_scheduler_create(const struct joblet_plugin *p, void **ret_state, struct joblet_error **err);

/* destroy() (REQUIRED): free the queue; the jobs in it stay the caller's. */
void jl_scheduler_destroy(const struct joblet_plugin *p, void *state);

/* submit() (REQUIRED): job is ready to run.  Errors: JOBLET_E_NOMEM. */
int jl_scheduler_submit(const struct joblet_plugin *p, void *state, struct joblet_sched_job *job,
			int64_t now_ns, struct joblet_error **err);

/* remove() (REQUIRED): take a submitted job out of the queue (canceled). */
void jl_scheduler_remove(const struct joblet_plugin *p, void *state, struct joblet_sched_job *job);

/* pick() (REQUIRED): the job to start now within *free_cap, taken out; NULL for none. */
struct joblet_sched_job *jl_scheduler_pick(const struct joblet_plugin *p, void *state,
					   const struct joblet_sched_capacity *free_cap,
					   int64_t now_ns);

/* finished(): a job the policy picked or adopted has ended.  Nothing without the slot. */
void jl_scheduler_finished(const struct joblet_plugin *p, void *state,
			   const struct joblet_sched_job *job, int64_t now_ns);

/* count() (REQUIRED): how many jobs are queued. */
uint64_t jl_scheduler_count(const struct joblet_plugin *p, void *state);

/* adopt(): job runs without having been picked (re-adopted).  Nothing without the slot. */
void jl_scheduler_adopt(const struct joblet_plugin *p, void *state,
			const struct joblet_sched_job *job, int64_t now_ns);

/* peek(): the job pick() would take if all were free, left queued; NULL without the slot. */
struct joblet_sched_job *jl_scheduler_peek(const struct joblet_plugin *p, void *state,
					   int64_t now_ns);

#endif /* JL_PLUGIN_OPS_SCHEDULER_H */
