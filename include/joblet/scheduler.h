/*
 * joblet/scheduler.h - scheduler policies: which waiting job starts next.
 *
 * Part of the joblet SDK.  Exactly one policy is active (joblet.yml:
 * `scheduler.policy`).  The scheduler core owns the queue entries, the
 * clock, capacity accounting, time schedules and core pinning; a policy only
 * orders the jobs that are ready to run.  The core calls a policy from one
 * thread at a time, and passes the time explicitly (never read a clock in a
 * policy), so policies are tested with a virtual clock.
 *
 * The second half of this header is the scheduler core itself
 * (joblet_sched_*), which the daemon drives and tests drive with a virtual
 * clock: every time is CLOCK_REALTIME nanoseconds passed in by the caller.
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
	int64_t max_memory_mib;	 /* 0 = unlimited */
	int64_t exclusive_cores; /* whole cores it asks for; 0 = none */
	void *policy_data;	 /* free for the policy */
	uint64_t policy_link[2]; /* free for the policy (indexes, heap slots) */
	/* ABI 1.4.  The core's own; a policy never touches them. */
	int64_t start_at_ns;	 /* when it may start (0 = at once) */
	uint64_t core_slot;	 /* its place in the core's time heap */
	uint32_t core_state;	 /* where it is: waiting for its time, queued, running */
	uint32_t core_reserved;
	void *core_data;	 /* the cores it holds while it runs */
};

/* What is free right now.  A negative field means "no limit". */
struct joblet_sched_capacity {
	uint32_t size;
	uint32_t reserved;
	int64_t free_slots;	 /* jobs that may still start */
	int64_t free_cpu;	 /* percent of one core, summed */
	int64_t free_memory_mib;
	int64_t free_cores;	 /* cores free for exclusive pinning */
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
	 * OPTIONAL (ABI 1.4).  job is running without having been picked (a
	 * job re-adopted after a daemon restart): account it as picked;
	 * finished() follows when it ends.
	 */
	void (*adopt)(void *state, const struct joblet_sched_job *job, int64_t now_ns);

	/*
	 * OPTIONAL (ABI 1.5).  The job pick() would return now if everything
	 * were free, left in the queue; NULL when the queue is empty.  The core
	 * uses it to say which job the others wait behind.
	 */
	struct joblet_sched_job *(*peek)(void *state, int64_t now_ns);
};

/* ------------------------------------------------------------------ the scheduler core */

/* What the host gives jobs.  A negative number means "no limit". */
struct joblet_sched_limits {
	uint32_t size; /* sizeof(struct joblet_sched_limits) */
	uint32_t reserved;
	int64_t max_running_jobs;  /* jobs running at once */
	int64_t cpu_budget;	   /* the sum of running jobs' CPU, percent of one core */
	int64_t memory_budget_mib; /* the sum of running jobs' max_memory */
	const char *cores;	   /* CPUs that may be pinned exclusively ("0-7"); NULL = none */
	const char *sysfs_cpu;	   /* topology: /sys/devices/system/cpu, or a copy (tests) */
};

/* What is in use and what waits, for status pages and metrics. */
struct joblet_sched_usage {
	uint32_t size;
	uint32_t reserved;
	int64_t running, scheduled, queued;
	int64_t cpu_used, memory_used_mib, cores_used;
	int64_t cores_total; /* CPUs that may be pinned exclusively */
};

struct joblet_sched;

/*
 * A scheduler core over limits with policy (a scheduler plugin's
 * descriptor, e.g. from joblet_plugin_set_find()).  Reads the CPU
 * topology of the pinnable cores.  Errors: JOBLET_E_INVALID (a bad core
 * list, CPUs the topology lacks), JOBLET_E_NOMEM, what the policy's
 * create() reports.  Not thread safe: callers serialise (the daemon holds
 * its manager lock).
 */
JOBLET_API int joblet_sched_new(const struct joblet_sched_limits *limits,
				const struct joblet_plugin *policy, struct joblet_sched **ret,
				struct joblet_error **err);
/* Free the core; jobs still in it belong to the caller. */
JOBLET_API void joblet_sched_free(struct joblet_sched *s);

/*
 * Could job ever run under these limits?  0, or JOBLET_E_LIMIT saying which
 * limit it exceeds and by how much (so it is refused at submission).
 */
JOBLET_API int joblet_sched_check(const struct joblet_sched *s,
				  const struct joblet_sched_job *job, struct joblet_error **err);

/*
 * Take job in (caller-owned, unchanged until it leaves): when
 * job->start_at_ns is after now_ns it waits for that time, else it goes to
 * the policy at once.  A job->submit_time_ns that is not 0 is kept (when it
 * became ready, such as before a daemon restart), else it is now_ns.  Runs
 * joblet_sched_check() first.
 */
JOBLET_API int joblet_sched_add(struct joblet_sched *s, struct joblet_sched_job *job,
				int64_t now_ns, struct joblet_error **err);

/* Take a waiting job out (canceled).  No-op for a job that is not waiting. */
JOBLET_API void joblet_sched_cancel(struct joblet_sched *s, struct joblet_sched_job *job);

/*
 * One job whose start time has come by now_ns, handed to the policy (it is
 * now ready to run, so the caller may note that), or NULL when none is
 * due.  joblet_sched_next() does the same for all of them by itself.
 */
JOBLET_API struct joblet_sched_job *joblet_sched_due(struct joblet_sched *s, int64_t now_ns);

/*
 * The next job to start now: hands every job whose time has come to the
 * policy, asks it, and reserves what the pick needs (a slot, CPU, memory
 * and, for exclusive_cores, that many cores).  NULL when none should start
 * yet.  Call again until NULL.  The job then runs until
 * joblet_sched_release().
 */
JOBLET_API struct joblet_sched_job *joblet_sched_next(struct joblet_sched *s, int64_t now_ns);

/* The cores a running job holds exclusively, as a cpuset list ("2-3"), or "" for none. */
JOBLET_API void joblet_sched_job_cores(const struct joblet_sched_job *job, char *buf,
				       size_t size);

/*
 * A job already running (re-adopted after a restart) holds its share and
 * the cores in its cpuset list cores (NULL or "" for none).  Errors:
 * JOBLET_E_CONFLICT when one of those cores is held already.
 */
JOBLET_API int joblet_sched_adopt(struct joblet_sched *s, struct joblet_sched_job *job,
				  const char *cores, int64_t now_ns, struct joblet_error **err);

/* A running job ended (or could not start): give back what it held. */
JOBLET_API void joblet_sched_release(struct joblet_sched *s, struct joblet_sched_job *job,
				     int64_t now_ns);

/* When the next waiting job falls due (for a timer), or -1 when none waits for a time. */
JOBLET_API int64_t joblet_sched_next_due(const struct joblet_sched *s);

/*
 * Why a waiting job has not started, for people, into buf: "waits for its
 * start time, ...", "waits for CPU: needs 200%, 50% of the 400% budget is
 * free ...", "waits its turn behind job ID, the next in the fifo policy's
 * order, which waits for memory: ..." (with a policy that has peek()), ...
 */
JOBLET_API void joblet_sched_why(const struct joblet_sched *s, const struct joblet_sched_job *job,
				 char *buf, size_t size);

JOBLET_API void joblet_sched_usage(const struct joblet_sched *s, struct joblet_sched_usage *ret);

JOBLET_END_DECLS

#endif /* JOBLET_SCHEDULER_H */
