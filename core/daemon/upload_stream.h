/*
 * upload_stream.h - request bodies the daemon takes without holding them:
 * the multipart/form-data form of POST /v1/jobs, whose files go straight
 * to a spool folder on disk, and the limits every request body meets.
 *
 * Limits (docs/security.md, "Limits a client meets"):
 *   - a body held in memory (JSON) costs 3 times its size against
 *     server.max_buffered_bytes, shared by all requests: past it 503 with
 *     Retry-After, and 413 when it could never fit (send files as
 *     multipart/form-data instead);
 *   - one identity (certificate CN) has at most
 *     server.max_uploads_per_identity requests with a body in flight (429);
 *   - at most server.max_streamed_uploads multipart bodies are spooled at
 *     once (503), each up to server.max_request_bytes on disk.
 *
 * A multipart body has one part named `job` (the JSON object of the JSON
 * form, at most 1 MiB, whose `uploads` entries may name folders and give
 * modes but carry no `data`) and parts named `upload` whose filename is the
 * path in /work.  The files are written to <state_dir>/uploads/<random>/
 * (0700) as they arrive, created new without following links, and renamed
 * into the job's work folder when the job is made; the spool goes on any
 * failure and leftovers at start.
 *
 * server.c calls the body functions through upload_body_hooks (which
 * cmd_serve.c hands it), api_jobs.c the job functions; the counters are
 * the daemon's and thread-safe.
 */
#ifndef JOBLET_DAEMON_UPLOAD_STREAM_H
#define JOBLET_DAEMON_UPLOAD_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json.h>

#include <joblet/error.h>

#include "config/config.h"

struct request;
struct upload_stream;

/* What /metrics shows. */
struct body_stats {
	int64_t buffered_bytes;	  /* held against server.max_buffered_bytes now */
	int64_t streams;	  /* multipart bodies being spooled now */
	int64_t refused_busy;	  /* 503: budget or streams full */
	int64_t refused_identity; /* 429: server.max_uploads_per_identity */
	int64_t refused_large;	  /* 413: could never fit the budget */
};

void body_stats(struct body_stats *ret);

/*
 * The gate of a request with a body, after its route and role are known:
 * holds its share of the limits above (released by body_end()), starts a
 * spool for a multipart POST /v1/jobs.  Returns what the access handler
 * returns: MHD_YES to go on (answered or not: rq->answered says).
 */
int body_start(struct request *rq);

/*
 * n more bytes of a body whose length was not announced (chunked): 0 when
 * held, else the status to answer at the end (503 or 413).
 */
unsigned int body_grow(struct request *rq, size_t n);

/* Answer a body refused by body_grow() or, once read, by body_start() (503, 413, 429). */
int body_refusal(struct request *rq, unsigned int status);

/* Release what rq holds of the limits and remove its spool, if any. */
void body_end(struct request *rq);

/*
 * Feed n bytes of a multipart body to rq's stream: files go to disk.  A
 * failure is kept and answered by upload_stream_finish().
 */
void upload_stream_feed(struct request *rq, const char *data, size_t n);

/*
 * The body is complete: answers a bad body (400), else puts the `job` part
 * in rq->body and runs the route's handler.  Returns the handler's value.
 */
int upload_stream_finish(struct request *rq);

/*
 * The `uploads` hook of jl_job_spec_from_request() for a multipart request
 * (us: struct upload_stream): entries give folders and modes; files come
 * from the parts.  Errors: JOBLET_E_INVALID naming the entry.
 */
int upload_stream_entries(json_object *value, void *us, struct joblet_error **err);

/* The paths of what was uploaded, as answers show them (new); NULL without memory. */
json_object *upload_stream_paths(const struct upload_stream *us);

/* Whether anything was uploaded. */
bool upload_stream_has_files(const struct upload_stream *us);

/* The owner the moved files get (the job's user). */
void upload_stream_set_owner(struct upload_stream *us, uid_t uid, gid_t gid);

/*
 * The add_files hook of manager_submit(): give the spooled files their
 * owner and modes and rename them into <state_dir>/work.  Errors: JOBLET_E_IO.
 */
int upload_stream_move(const char *state_dir, void *us, struct joblet_error **err);

/* body_start() and the others above, for the server (server.h). */
extern const struct body_hooks upload_body_hooks;

/* Remove what an earlier run left in <state_dir>/uploads; 0 or JOBLET_E_IO. */
int upload_spool_clear(const char *state_dir, struct joblet_error **err);

#endif /* JOBLET_DAEMON_UPLOAD_STREAM_H */
