/*
 * ops_scheduler.c - the only calls into scheduler policies' ops, and what
 * libjoblet offers policies: the SDK's joblet_sched_fits()
 * (<joblet/scheduler.h>), here in the plugin area so that the builtin fifo
 * policy and the scheduler core above it share it.
 */
#include <config.h>

#include <stddef.h>

#include <joblet/scheduler.h>

#include "plugin/ops_scheduler.h"

int joblet_sched_fits(const struct joblet_sched_capacity *cap, const struct joblet_sched_job *job)
{
	if (cap->free_slots >= 0 && cap->free_slots < 1)
		return 0;
	if (cap->free_cpu >= 0 && job->max_cpu > cap->free_cpu)
		return 0;
	if (cap->free_memory_mib >= 0 && job->max_memory_mib > cap->free_memory_mib)
		return 0;
	if (cap->free_cores >= 0 && job->exclusive_cores > cap->free_cores)
		return 0;
	if (cap->size >= offsetof(struct joblet_sched_capacity, free_disk_mib) + 8 &&
	    job->size >= offsetof(struct joblet_sched_job, max_disk_mib) + 8 &&
	    cap->free_disk_mib >= 0 && job->max_disk_mib > cap->free_disk_mib)
		return 0;
	return 1;
}

/* ------------------------------------------------------------------ the ops */

static const struct joblet_scheduler_ops *ops_of(const struct joblet_plugin *p)
{
	return p->ops;
}

int jl_scheduler_create(const struct joblet_plugin *p, void **ret_state, struct joblet_error **err)
{
	return ops_of(p)->create(ret_state, err);
}

void jl_scheduler_destroy(const struct joblet_plugin *p, void *state)
{
	ops_of(p)->destroy(state);
}

int jl_scheduler_submit(const struct joblet_plugin *p, void *state, struct joblet_sched_job *job,
			int64_t now_ns, struct joblet_error **err)
{
	return ops_of(p)->submit(state, job, now_ns, err);
}

void jl_scheduler_remove(const struct joblet_plugin *p, void *state, struct joblet_sched_job *job)
{
	ops_of(p)->remove(state, job);
}

struct joblet_sched_job *jl_scheduler_pick(const struct joblet_plugin *p, void *state,
					   const struct joblet_sched_capacity *free_cap,
					   int64_t now_ns)
{
	return ops_of(p)->pick(state, free_cap, now_ns);
}

void jl_scheduler_finished(const struct joblet_plugin *p, void *state,
			   const struct joblet_sched_job *job, int64_t now_ns)
{
	const struct joblet_scheduler_ops *ops = ops_of(p);

	if (ops->finished)
		ops->finished(state, job, now_ns);
}

uint64_t jl_scheduler_count(const struct joblet_plugin *p, void *state)
{
	return ops_of(p)->count(state);
}

void jl_scheduler_adopt(const struct joblet_plugin *p, void *state,
			const struct joblet_sched_job *job, int64_t now_ns)
{
	const struct joblet_scheduler_ops *ops = ops_of(p);

	if (ops->adopt)
		ops->adopt(state, job, now_ns);
}

struct joblet_sched_job *jl_scheduler_peek(const struct joblet_plugin *p, void *state,
					   int64_t now_ns)
{
	const struct joblet_scheduler_ops *ops = ops_of(p);

	return ops->peek ? ops->peek(state, now_ns) : NULL;
}
