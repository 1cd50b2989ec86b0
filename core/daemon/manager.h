/*
 * manager.h - the daemon's jobs from submission to their end.
 *
 * A job is recorded in the store before anything starts it.  Scheduled
 * jobs wait in a min-heap on a timerfd; due jobs go to the scheduler
 * policy; the policy's pick is started by exec'ing joblet-shim, whose end
 * is seen through a pidfd.  At start-up manager_recover() makes the store
 * and the job folders agree again after whatever stopped the previous
 * daemon: running jobs are re-adopted (their shims never stopped), waiting
 * ones re-queued, and a job whose shim died is FAILED with the reason.
 *
 * Thread safety: every function may be called from any thread.
 */
#ifndef JOBLET_DAEMON_MANAGER_H
#define JOBLET_DAEMON_MANAGER_H

#include <stdint.h>

#include <joblet/error.h>

#include "store.h"
#include "job/job_spec.h"

struct daemon_ctx;
struct manager;

/* Who submits a job (the client certificate). */
struct job_owner {
	const char *cn;
	const char *serial;
	const char *role;
	int64_t received_ns; /* when the request arrived (CLOCK_REALTIME): the job's `created` */
};

int manager_new(struct daemon_ctx *d, struct manager **ret, struct joblet_error **err);
void manager_free(struct manager *m);

/* What the manager tells whoever watches its jobs (cmd_serve.c: the log hub). */
enum manager_job_event {
	MANAGER_JOB_ENDED = 1, /* the job's final state is recorded */
};

/*
 * Call fn(userdata, id, event) on each event of a job, from the thread that
 * caused it, with the manager's lock held: fn must not call the manager.
 * Set it before manager_recover(); fn NULL for none.
 */
void manager_on_job_event(struct manager *m,
			  void (*fn)(void *userdata, const char *id, enum manager_job_event event),
			  void *userdata);

/* Before serving: re-adopt, re-queue and fail what the previous daemon left. */
int manager_recover(struct manager *m, struct joblet_error **err);

/* An fd that becomes readable when manager_dispatch() has work (an epoll set). */
int manager_fd(struct manager *m);
/* Handle ended shims and due schedules; never blocks. */
void manager_dispatch(struct manager *m);
/* SIGCHLD: reap children (shims, reapers) and look at jobs without a pidfd. */
void manager_sigchld(struct manager *m);

/*
 * Record and queue a job.  spec has been validated; it is taken over.
 * add_files (may be NULL) fills the job's work folder (dir is its state
 * folder) before the job is recorded.  public_json is the spec as the API
 * shows it (secret values masked).  *ret gets the record as stored.
 * Errors: JOBLET_E_LIMIT (jobs.max_active), what creating the folder or
 * add_files reports, JOBLET_E_IO from the store.
 */
int manager_submit(struct manager *m, struct jl_job_spec *spec, const struct job_owner *owner,
		   const char *public_json, const char *command,
		   int (*add_files)(const char *dir, void *userdata, struct joblet_error **err),
		   void *userdata, struct job_record *ret, struct joblet_error **err);

/* Stop a running job (SIGTERM, grace period, SIGKILL), or cancel one that waits. */
int manager_stop(struct manager *m, const char *id, struct job_record *ret,
		 struct joblet_error **err);
/* Cancel a job that has not started (JOBLET_E_CONFLICT otherwise). */
int manager_cancel(struct manager *m, const char *id, struct job_record *ret,
		   struct joblet_error **err);
/* Remove an ended job: its record, log and folder (JOBLET_E_CONFLICT while it lives). */
int manager_delete(struct manager *m, const char *id, struct joblet_error **err);
/*
 * Remove every ended job of owner (a certificate CN; NULL: of everyone);
 * counts those removed and those of owner left (still alive).
 */
int manager_delete_all(struct manager *m, const char *owner, int64_t *ret_deleted,
		       int64_t *ret_skipped, struct joblet_error **err);

/* The state folder of job id (STATE_DIR/jobs/ID) into buf. */
void manager_job_dir(const struct manager *m, const char *id, char *buf, size_t size);

/*
 * Why job id has not started, for people ("waits for CPU: ...", the next
 * run of a recurring job), into buf: 1, or 0 when it does not wait.  The
 * text names no job of another owner than viewer (a certificate CN; NULL:
 * any job may be named).
 */
int manager_waiting(struct manager *m, const char *id, const char *viewer, char *buf, size_t size);

/* 1 while job id is pending, scheduled or running. */
int manager_job_alive(struct manager *m, const char *id);

/* Totals since start-up, for /metrics. */
struct manager_stats {
	int64_t submitted, started, ended, start_failures;
	int64_t pending, scheduled, running;
	/* The warm pool (jobs.warm_pool): started, handed a job, waiting now. */
	int64_t standbys_started, standbys_claimed, standbys_ready;
};
void manager_stats(struct manager *m, struct manager_stats *ret);

/*
 * What the scheduler core holds (used) of what it may give (total: its
 * limits, negative = no limit; cores not set), for the monitor.
 */
struct jl_sched_usage;
struct jl_sched_limits;
void manager_sched_usage(struct manager *m, struct jl_sched_usage *ret_used,
			 struct jl_sched_limits *ret_total);

/* Shut down: jobs keep running under their shims (the next daemon adopts them). */
void manager_detach(struct manager *m);

#endif /* JOBLET_DAEMON_MANAGER_H */
