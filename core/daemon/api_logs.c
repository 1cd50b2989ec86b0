/*
 * api_logs.c - GET /v1/jobs/{id}/logs: a job's output as server-sent events.
 *
 *	id: 17
 *	event: stdout
 *	data: {"ts":1733220000123456789,"data":"hello\n"}
 *
 * An event carries consecutive records of one stream of the job's framed
 * log (?coalesce=0: one record); `id` is its last record's sequence number
 * (1, 2, 3, ... with no gaps), so a client that reconnects with
 * Last-Event-ID (or ?after=N) gets exactly the records after it.
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

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
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
/* The most bytes of output one event carries (a record holds at most JL_LOG_MAX_RECORD). */
#define EVENT_DATA JL_LOG_MAX_RECORD

/*
 * One stream's reader.  Consecutive records of one stream (stdout or
 * stderr) that are in the log when it is read go out as one event, up to
 * EVENT_DATA bytes: a job that prints many short lines is not one event,
 * one JSON object and one callback in rnx per line.  Nothing waits for more
 * to come, so coalescing adds no latency.  The event's id is its last
 * record's, so Last-Event-ID resumes exactly after what it carried; its ts
 * is its first record's.  ?coalesce=0 gives one event per record.
 */
struct logs_src {
	struct jl_log_reader *reader;
	bool coalesce;
	/* The event being gathered: acc_len bytes of stream acc_stream, from acc_ts to record
	 * acc_seq. */
	uint8_t *acc;
	size_t acc_len;
	size_t acc_records; /* 0: no event is being gathered */
	int32_t acc_stream;
	int64_t acc_ts;
	uint64_t acc_seq;
};

static int logs_open(const char *dir, uint64_t after, bool coalesce, void **ret_src,
		     struct joblet_error **err)
{
	struct logs_src *src = calloc(1, sizeof(*src));
	int r;

	if (!src)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	src->coalesce = coalesce;
	r = jl_log_reader_open_flags(dir, JL_LOG_READER_NO_WATCH, &src->reader, err);
	if (r == 0 && after)
		r = jl_log_reader_skip(src->reader, after, err);
	if (r == 0 && coalesce && !(src->acc = malloc(EVENT_DATA)))
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	if (r < 0) {
		jl_log_reader_free(src->reader);
		free(src);
		return r;
	}
	*ret_src = src;
	return 0;
}

static int logs_open_events(const char *dir, uint64_t after, void **ret_src,
			    struct joblet_error **err)
{
	return logs_open(dir, after, true, ret_src, err);
}

static int logs_open_records(const char *dir, uint64_t after, void **ret_src,
			     struct joblet_error **err)
{
	return logs_open(dir, after, false, ret_src, err);
}

/* One event: `id`, the stream as `event`, the JSON of its bytes (common/log_event.h). */
static bool format_event(struct sse_follow *f, uint64_t seq, int32_t stream, int64_t ts_ns,
			 const uint8_t *data, size_t len)
{
	char head[96];
	int hn = snprintf(head, sizeof(head), "id: %" PRIu64 "\nevent: %s\ndata: ", seq,
			  jl_log_event_stream_name(stream));

	if (!sse_reserve(f, (size_t)hn + jl_log_event_max(len) + 2))
		return false;
	sse_put(f, head, (size_t)hn);
	sse_advance(f, jl_log_event_encode(ts_ns, data, len, sse_tail(f)));
	sse_put(f, "\n\n", 2);
	return true;
}

/* The event gathered so far, if any, out. */
static bool flush_event(struct sse_follow *f, struct logs_src *src)
{
	bool ok;

	if (!src->acc_records)
		return true;
	ok = format_event(f, src->acc_seq, src->acc_stream, src->acc_ts, src->acc, src->acc_len);
	src->acc_len = src->acc_records = 0;
	return ok;
}

/* Record rec into the event being gathered, or out as its own. */
static bool take_record(struct sse_follow *f, struct logs_src *src, const struct jl_log_record *rec)
{
	if (!src->coalesce || rec->stream == JL_LOG_EVENT_SYSTEM)
		return flush_event(f, src) &&
		       format_event(f, rec->seq, rec->stream, rec->ts_ns, rec->data, rec->len);
	if (src->acc_records &&
	    (rec->stream != src->acc_stream || rec->len > EVENT_DATA - src->acc_len) &&
	    !flush_event(f, src))
		return false;
	if (!src->acc_records) {
		src->acc_stream = rec->stream;
		src->acc_ts = rec->ts_ns;
	}
	memcpy(src->acc + src->acc_len, rec->data, rec->len);
	src->acc_len += rec->len;
	src->acc_seq = rec->seq;
	src->acc_records++;
	return true;
}

/* Format what the log holds now until FILL_BYTES are waiting; 1 when any was, 0 none, -1 on error.
 */
static int logs_fill(struct sse_follow *f, void *p)
{
	struct logs_src *src = p;
	struct jl_log_record rec;
	struct joblet_error *e = NULL;
	int any = 0, n = 0;

	while (sse_want_more(f, FILL_BYTES) &&
	       (n = jl_log_reader_next(src->reader, &rec, &e)) > 0) {
		if (!take_record(f, src, &rec))
			return -1;
		any = 1;
	}
	if (e) {
		jl_log(JOBLET_LOG_ERROR, NULL, "job %s: %s", sse_job(f), joblet_error_message(e));
		joblet_error_free(e);
		return -1;
	}
	/* Nothing more now (or enough waits): what was gathered goes. */
	if (src->acc_records) {
		if (!flush_event(f, src))
			return -1;
		any = 1;
	}
	return any;
}

static void logs_free(void *p)
{
	struct logs_src *src = p;

	jl_log_reader_free(src->reader);
	free(src->acc);
	free(src);
}

static const struct sse_source logs_events = { logs_open_events, logs_fill, logs_free };
static const struct sse_source logs_records = { logs_open_records, logs_fill, logs_free };

int api_job_logs(struct request *rq)
{
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
	return sse_follow_reply(
		rq, request_query_flag(rq, "coalesce", false) ? &logs_records : &logs_events, skip,
		request_query_flag(rq, "follow", true));
}
