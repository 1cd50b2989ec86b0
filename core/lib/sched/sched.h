/*
 * sched/sched.h - the scheduler core: time, capacity and pinning.
 *
 * Private tier (base/private.h): the daemon and the tests.  The core owns
 * when a job may start (a min-heap of start times), what the node can give
 * (slots, CPU and memory budgets, cores to pin) and which cores a pinned
 * job holds; the one scheduler policy plugin (<joblet/scheduler.h>) only
 * orders the jobs that are ready.
 */
#ifndef JL_SCHED_H
#define JL_SCHED_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/error.h>
#include <joblet/plugin.h>
#include <joblet/scheduler.h>

#include "base/private.h"

/* ------------------------------------------------------------------ the scheduler core */

/* What the host gives jobs.  A negative number means "no limit". */
struct jl_sched_limits {
	uint32_t size; /* sizeof(struct jl_sched_limits) */
	uint32_t reserved;
	int64_t max_running_jobs;  /* jobs running at once */
	int64_t cpu_budget;	   /* the sum of running jobs' CPU, percent of one core */
	int64_t memory_budget_mib; /* the sum of running jobs' max_memory */
	const char *cores;	   /* CPUs that may be pinned exclusively ("0-7"); NULL = none */
	const char *sysfs_cpu;	   /* topology: /sys/devices/system/cpu, or a copy (tests) */
	int64_t disk_budget_mib;   /* the sum of running jobs' max_disk */
};

/* What is in use and what waits, for status pages and metrics. */
struct jl_sched_usage {
	uint32_t size;
	uint32_t reserved;
	int64_t running, scheduled, queued;
	int64_t cpu_used, memory_used_mib, cores_used;
	int64_t cores_total; /* CPUs that may be pinned exclusively */
	int64_t disk_used_mib;
};

struct jl_sched;

/*
 * A scheduler core over limits with policy (a scheduler plugin's
 * descriptor, e.g. from jl_plugin_set_find()).  Reads the CPU
 * topology of the pinnable cores.  Errors: JOBLET_E_INVALID (a bad core
 * list, CPUs the topology lacks), JOBLET_E_NOMEM, what the policy's
 * create() reports.  Not thread safe: callers serialise (the daemon holds
 * its manager lock).
 */
JL_API int jl_sched_new(const struct jl_sched_limits *limits, const struct joblet_plugin *policy,
			struct jl_sched **ret, struct joblet_error **err);
/* Free the core; jobs still in it belong to the caller. */
JL_API void jl_sched_free(struct jl_sched *s);

/*
 * Could job ever run under these limits?  0, or JOBLET_E_LIMIT saying which
 * limit it exceeds and by how much (so it is refused at submission).
 */
JL_API int jl_sched_check(const struct jl_sched *s, const struct joblet_sched_job *job,
			  struct joblet_error **err);

/*
 * Take job in (caller-owned, unchanged until it leaves): when
 * job->start_at_ns is after now_ns it waits for that time, else it goes to
 * the policy at once.  A job without a memory limit (max_memory_mib 0)
 * counts as the whole memory budget: the core sets max_memory_mib to it
 * (here and in jl_sched_adopt()).  A job->submit_time_ns that is not 0 is kept (when it
 * became ready, such as before a daemon restart), else it is now_ns.  Runs
 * jl_sched_check() first.
 */
JL_API int jl_sched_add(struct jl_sched *s, struct joblet_sched_job *job, int64_t now_ns,
			struct joblet_error **err);

/* Take a waiting job out (canceled).  No-op for a job that is not waiting. */
JL_API void jl_sched_cancel(struct jl_sched *s, struct joblet_sched_job *job);

/*
 * One job whose start time has come by now_ns, handed to the policy (it is
 * now ready to run, so the caller may note that), or NULL when none is
 * due.  jl_sched_next() does the same for all of them by itself.
 */
JL_API struct joblet_sched_job *jl_sched_due(struct jl_sched *s, int64_t now_ns);

/*
 * The next job to start now: hands every job whose time has come to the
 * policy, asks it, and reserves what the pick needs (a slot, CPU, memory
 * and, for exclusive_cores, that many cores).  NULL when none should start
 * yet.  Call again until NULL.  The job then runs until
 * jl_sched_release().
 */
JL_API struct joblet_sched_job *jl_sched_next(struct jl_sched *s, int64_t now_ns);

/* The cores a running job holds exclusively, as a cpuset list ("2-3"), or "" for none. */
JL_API void jl_sched_job_cores(const struct joblet_sched_job *job, char *buf, size_t size);

/*
 * A job already running (re-adopted after a restart) holds its share and
 * the cores in its cpuset list cores (NULL or "" for none).  Errors:
 * JOBLET_E_CONFLICT when one of those cores is held already.
 */
JL_API int jl_sched_adopt(struct jl_sched *s, struct joblet_sched_job *job, const char *cores,
			  int64_t now_ns, struct joblet_error **err);

/* A running job ended (or could not start): give back what it held. */
JL_API void jl_sched_release(struct jl_sched *s, struct joblet_sched_job *job, int64_t now_ns);

/* When the next waiting job falls due (for a timer), or -1 when none waits for a time. */
JL_API int64_t jl_sched_next_due(const struct jl_sched *s);

/*
 * Why a waiting job has not started, for people, into buf: "waits for its
 * start time, ...", "waits for CPU: needs 200%, 50% of the 400% budget is
 * free ...", "waits its turn behind job ID, the next in the fifo policy's
 * order, which waits for memory: ..." (with a policy that has peek()), ...
 */
JL_API void jl_sched_why(const struct jl_sched *s, const struct joblet_sched_job *job, char *buf,
			 size_t size);
/*
 * The same for a viewer who may see only the jobs whose owner is viewer
 * (NULL: every job): a job of another owner that holds this one up is
 * "another job", never named.
 */
JL_API void jl_sched_why_for(const struct jl_sched *s, const struct joblet_sched_job *job,
			     const char *viewer, char *buf, size_t size);

JL_API void jl_sched_usage(const struct jl_sched *s, struct jl_sched_usage *ret);

#endif /* JL_SCHED_H */
