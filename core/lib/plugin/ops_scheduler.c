/*
 * ops_scheduler.c - what libjoblet offers scheduler policies: the SDK's
 * joblet_sched_fits() (<joblet/scheduler.h>), in the plugin area so that the
 * builtin fifo policy and the scheduler core above it share it.
 */
#include <config.h>

#include <joblet/scheduler.h>

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
	return 1;
}
