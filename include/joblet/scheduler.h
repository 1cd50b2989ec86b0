/*
 * joblet/scheduler.h - scheduler policies: which waiting job starts next.
 *
 * Part of the joblet SDK.  Exactly one policy is active (joblet.yml:
 * `scheduler.policy`).  The scheduler core owns the queue entries, the
 * clock, capacity accounting, time schedules and core pinning; a policy only
 * orders the jobs that are ready to run.  The core calls a policy from one
 * thread at a time, and passes the time explicitly (never read a clock in a
 * policy), so policies are tested with a virtual clock.
 */
#ifndef JOBLET_SCHEDULER_H
#define JOBLET_SCHEDULER_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/common.h>
#include <joblet/error.h>
#include <joblet/plugin.h>

JOBLET_BEGIN_DECLS

/*
 * A job waiting to run.  Owned by the scheduler core and valid from
 * submit() until the policy returns it from pick() or the core calls
 * remove().  A policy reads the fields and may use policy_data and
 * policy_link for its own bookkeeping.
 */
struct joblet_sched_job {
	uint32_t size;
	uint32_t flags;		 /* none defined yet */
	const char *id;		 /* job id (UUID) */
	const char *owner;	 /* client identity (certificate CN) */
	uint64_t seq;		 /* submission order, strictly increasing */
	int64_t submit_time_ns;	 /* when it became ready, on the core's clock */
	int64_t priority;	 /* 0..1000, higher first (policies may ignore it) */
	int64_t max_cpu;	 /* percent of one core it may use; 0 = unlimited */
	int64_t max_memory_mib;	 /* 0 = unlimited: the core counts it as the whole budget */
	int64_t exclusive_cores; /* whole cores it asks for; 0 = none */
	void *policy_data;	 /* free for the policy */
	uint64_t policy_link[2]; /* free for the policy (indexes, heap slots) */
	/* The core's own; a policy never touches them. */
	int64_t start_at_ns; /* when it may start (0 = at once) */
	uint64_t core_slot;  /* its place in the core's time heap */
	uint32_t core_state; /* where it is: waiting for its time, queued, running */
	uint32_t core_reserved;
	void *core_data; /* the cores it holds while it runs */
	/* Since ABI 2.1 (size tells): appended, so a 2.0 policy reads the fields above unchanged.
	 */
	int64_t max_disk_mib; /* its /work (--max-disk); 0 = none */
};

/* What is free right now.  A negative field means "no limit". */
struct joblet_sched_capacity {
	uint32_t size;
	uint32_t reserved;
	int64_t free_slots; /* jobs that may still start */
	int64_t free_cpu;   /* percent of one core, summed */
	int64_t free_memory_mib;
	int64_t free_cores;    /* cores free for exclusive pinning */
	int64_t free_disk_mib; /* since ABI 2.1 (size tells): of scheduler.disk_budget */
};

/* 1 when job fits into cap, else 0.  Policies use it in pick(). */
JOBLET_API int joblet_sched_fits(const struct joblet_sched_capacity *cap,
				 const struct joblet_sched_job *job);

struct joblet_scheduler_ops {
	uint32_t size; /* sizeof(struct joblet_scheduler_ops) */

	/* REQUIRED.  Make an empty queue; *ret_state is owned by the policy. */
	int (*create)(void **ret_state, struct joblet_error **err);

	/* REQUIRED.  Free the queue.  Jobs still in it belong to the core. */
	void (*destroy)(void *state);

	/* REQUIRED.  A job became ready.  Errors: JOBLET_E_NOMEM. */
	int (*submit)(void *state, struct joblet_sched_job *job, int64_t now_ns,
		      struct joblet_error **err);

	/* REQUIRED.  Take job out of the queue (canceled); it was submitted. */
	void (*remove)(void *state, struct joblet_sched_job *job);

	/*
	 * REQUIRED.  Choose the job to start now among those that fit into
	 * *free, take it out of the queue and return it; NULL when none should
	 * start.  The core calls pick() again after starting one.
	 */
	struct joblet_sched_job *(*pick)(void *state, const struct joblet_sched_capacity *free,
					 int64_t now_ns);

	/* OPTIONAL.  A job this policy picked has ended (fair-share accounting). */
	void (*finished)(void *state, const struct joblet_sched_job *job, int64_t now_ns);

	/* REQUIRED.  How many jobs are queued. */
	uint64_t (*count)(void *state);

	/*
	 * OPTIONAL.  job is running without having been picked (a
	 * job re-adopted after a daemon restart): account it as picked;
	 * finished() follows when it ends.
	 */
	void (*adopt)(void *state, const struct joblet_sched_job *job, int64_t now_ns);

	/*
	 * OPTIONAL.  The job pick() would return now if everything
	 * were free, left in the queue; NULL when the queue is empty.  The core
	 * uses it to say which job the others wait behind.
	 */
	struct joblet_sched_job *(*peek)(void *state, int64_t now_ns);
};

JOBLET_END_DECLS

#endif /* JOBLET_SCHEDULER_H */
