/*
 * logs.h - live job logs for the API's followers (GET /v1/jobs/{id}/logs).
 *
 * One inotify instance for the whole daemon watches the state folder of
 * every job someone follows; a follower sleeps until its job's log grows
 * or the job ends (no polling loop), and a heartbeat keeps idle streams
 * and dead peers in check.  A follower only reads the job's log file, so a
 * slow one never holds up the job, the shim or the other followers.
 */
#ifndef JOBLET_DAEMON_LOGS_H
#define JOBLET_DAEMON_LOGS_H

#include <joblet/error.h>

struct daemon_ctx;
struct log_hub;

int log_hub_new(struct daemon_ctx *d, struct log_hub **ret, struct joblet_error **err);
void log_hub_free(struct log_hub *h);

/* The manager recorded the end of job id: wake its followers. */
void log_hub_job_ended(struct log_hub *h, const char *id);

/* The daemon stops: every stream ends. */
void log_hub_shutdown(struct log_hub *h);

/* Followers now, for /metrics. */
long log_hub_followers(struct log_hub *h);

#endif /* JOBLET_DAEMON_LOGS_H */
