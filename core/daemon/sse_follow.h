/*
 * sse_follow.h - a server-sent-event stream that follows one job's folder:
 * the log stream (api_logs.c) and the metrics stream (api_job_metrics.c).
 *
 * The stream formats events ahead of what MHD asks for, sleeps on the
 * log hub while the job runs and nothing is new, sends `: ping` every 15 s
 * when idle, ends with `event: exit` (the job's state, exit code, signal
 * and reason) once the job ended and its last event was sent, and stops
 * within a second when the client left, its certificate was revoked, or
 * the daemon stops.  What the events are is the source's: its fill()
 * formats what is new with sse_put().
 */
#ifndef JOBLET_DAEMON_SSE_FOLLOW_H
#define JOBLET_DAEMON_SSE_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server.h"

struct sse_follow;

struct sse_source {
	/* Open what follows job folder dir after event id `after` (0: from the first). */
	int (*open)(const char *dir, uint64_t after, void **ret_src, struct joblet_error **err);
	/*
	 * Format the events that are new, while sse_want_more(): 1 when any
	 * was, 0 when none, -1 on an error (the stream ends; log it).
	 */
	int (*fill)(struct sse_follow *f, void *src);
	void (*free)(void *src);
};

/*
 * Answer rq (a request for job rq->target, its owner checked) with the
 * stream of src from event `after`; follow: go on while the job runs.
 */
int sse_follow_reply(struct request *rq, const struct sse_source *src, uint64_t after, bool follow);

/* Room for more bytes at the end of what waits: false when out of memory. */
bool sse_reserve(struct sse_follow *f, size_t more);
/* Append n bytes (after sse_reserve()). */
void sse_put(struct sse_follow *f, const char *s, size_t n);
/* Where the next bytes go (after sse_reserve()), and how many were written there. */
char *sse_tail(struct sse_follow *f);
void sse_advance(struct sse_follow *f, size_t n);
/* Fewer than `bytes` are formatted and waiting: fill() may format more. */
bool sse_want_more(const struct sse_follow *f, size_t bytes);
/* The job's id, for messages. */
const char *sse_job(const struct sse_follow *f);

/*
 * The event id to start after, from Last-Event-ID or ?after=N (0: none
 * given): false when it is not a number; *ret_text is what was given.
 */
bool sse_parse_after(struct request *rq, const char **ret_text, uint64_t *ret);

#endif /* JOBLET_DAEMON_SSE_FOLLOW_H */
