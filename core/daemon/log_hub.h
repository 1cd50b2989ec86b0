/*
 * log_hub.h - who follows the live log of which job (GET /v1/jobs/{id}/logs).
 *
 * One inotify instance for the whole daemon watches the state folder of
 * every job someone follows; a follower sleeps until its job's log grows
 * or the job ends (no polling loop).  A follower only reads the job's log
 * file, so a slow one never holds up the job, the shim or the other
 * followers.  The hub knows nothing of HTTP (api_logs.c) nor of the job
 * manager: cmd_serve.c tells it when a job ends.
 *
 * Thread safety: every function may be called from any thread; a watch is
 * used by the one follower that attached it.
 */
#ifndef JOBLET_DAEMON_LOG_HUB_H
#define JOBLET_DAEMON_LOG_HUB_H

#include <stdbool.h>
#include <stdint.h>

#include <joblet/error.h>

struct log_hub;
/* One follower's hold on a job's folder; the inotify watch is shared by its followers. */
struct log_hub_watch;

/* Start the hub and its thread.  Errors: JOBLET_E_NOMEM, JOBLET_E_SYSTEM (inotify, thread). */
int log_hub_new(struct log_hub **ret, struct joblet_error **err);
/* Stop the thread and free; NULL is fine.  Every watch must have been detached. */
void log_hub_free(struct log_hub *h);

/*
 * Follow job id whose state folder is dir: *ret is detached with
 * log_hub_detach().  Errors: JOBLET_E_LIMIT (fs.inotify.max_user_watches),
 * JOBLET_E_SYSTEM, JOBLET_E_NOMEM.
 */
int log_hub_attach(struct log_hub *h, const char *id, const char *dir, struct log_hub_watch **ret,
		   struct joblet_error **err);
void log_hub_detach(struct log_hub *h, struct log_hub_watch *w);

/* What a follower reads before it reads the log, so no change after it is missed. */
struct log_hub_state {
	uint64_t gen;  /* changes seen in the job's folder so far */
	bool ended;    /* the job has ended (or its folder is gone) */
	bool shutdown; /* the daemon stops: every stream ends */
};
void log_hub_state(struct log_hub *h, const struct log_hub_watch *w, struct log_hub_state *ret);

/*
 * Sleep until w's folder changes after gen, its job ends or the hub shuts
 * down (1), or timeout_ms pass (0).
 */
int log_hub_wait(struct log_hub *h, struct log_hub_watch *w, uint64_t gen, int timeout_ms);

/* Job id has ended: wake its followers. */
void log_hub_job_ended(struct log_hub *h, const char *id);

/* The daemon stops: every follower wakes and its stream ends. */
void log_hub_shutdown(struct log_hub *h);

/* Followers now, for /metrics. */
long log_hub_followers(struct log_hub *h);

#endif /* JOBLET_DAEMON_LOG_HUB_H */
