/*
 * api_logs.c - GET /v1/jobs/{id}/logs: a job's output as server-sent events.
 *
 *	id: 17
 *	event: stdout
 *	data: {"ts":1733220000123456789,"data":"hello\n"}
 *
 * One event per record of the job's framed log; `id` is the record's
 * sequence number (1, 2, 3, ... with no gaps), so a client that reconnects
 * with Last-Event-ID (or ?after=N) gets exactly the records after it.
 * Output that is not UTF-8 comes as {"ts":...,"b64":"..."}.  A log cut
 * at its cap (max_log) holds `event: system` records saying so, in the
 * same JSON (common/log_event.h).  With
 * ?follow=1 the stream goes on while the job runs and ends with
 *
 *	event: exit
 *	data: {"state":"COMPLETED","exit_code":0,...}
 *
 * (also sent without follow when the job has ended).  Idle streams get a
 * `: ping` comment every 15 s.  A stream whose client certificate the
 * credentials reloaded since refuse (a CRL that now lists it) ends within
 * a second (server_recheck_peer()).  The stream itself: sse_follow.h.
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "sse_follow.h"
#include "base/log.h"
#include "job/job_log.h"
#include "common/log_event.h"

/* Bytes of events formatted ahead of what MHD asked for. */
#define FILL_BYTES (256 * 1024)

static int logs_open(const char *dir, uint64_t after, void **ret_src, struct joblet_error **err)
{
	struct jl_log_reader *reader = NULL;
	int r = jl_log_reader_open_flags(dir, JL_LOG_READER_NO_WATCH, &reader, err);

	if (r == 0 && after)
		r = jl_log_reader_skip(reader, after, err);
	if (r < 0) {
		jl_log_reader_free(reader);
		return r;
	}
	*ret_src = reader;
	return 0;
}

/* One record as an event: `id`, the stream as `event`, the record's JSON (common/log_event.h). */
static bool format_record(struct sse_follow *f, const struct jl_log_record *rec)
{
	char head[96];
	int hn = snprintf(head, sizeof(head), "id: %" PRIu64 "\nevent: %s\ndata: ", rec->seq,
			  jl_log_event_stream_name(rec->stream));

	if (!sse_reserve(f, (size_t)hn + jl_log_event_max(rec->len) + 2))
		return false;
	sse_put(f, head, (size_t)hn);
	sse_advance(f, jl_log_event_encode(rec->ts_ns, rec->data, rec->len, sse_tail(f)));
	sse_put(f, "\n\n", 2);
	return true;
}

/* Format records until FILL_BYTES are waiting; 1 when any was, 0 none, -1 on error. */
static int logs_fill(struct sse_follow *f, void *src)
{
	struct jl_log_record rec;
	struct joblet_error *e = NULL;
	int any = 0, n;

	while (sse_want_more(f, FILL_BYTES) && (n = jl_log_reader_next(src, &rec, &e)) > 0) {
		if (!format_record(f, &rec))
			return -1;
		any = 1;
	}
	if (e) {
		jl_log(JOBLET_LOG_ERROR, NULL, "job %s: %s", sse_job(f), joblet_error_message(e));
		joblet_error_free(e);
		return -1;
	}
	return any;
}

static void logs_free(void *src)
{
	jl_log_reader_free(src);
}

static const struct sse_source logs_source = { logs_open, logs_fill, logs_free };

int api_job_logs(struct request *rq)
{
	const char *follow = request_query(rq, "follow");
	const char *after;
	uint64_t skip;

	/* Another owner's job is a 404, like one that does not exist (request_job()). */
	if (request_job(rq) < 0)
		return MHD_YES;
	if (!sse_parse_after(rq, &after, &skip))
		return reply_error(
			rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
			"Last-Event-ID / after `%s` is not an event id (a record number from an earlier stream)",
			after);
	return sse_follow_reply(rq, &logs_source, skip,
				follow &&
					(strcmp(follow, "1") == 0 || strcmp(follow, "true") == 0));
}
