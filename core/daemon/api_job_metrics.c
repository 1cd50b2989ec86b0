/*
 * api_job_metrics.c - GET /v1/jobs/{id}/metrics: a job's samples
 * (job/job_metrics.h, docs/metrics.md).
 *
 * Plain: a JSON array of the samples kept, oldest first.  With ?follow=1
 * or Accept: text/event-stream: server-sent events, one per sample,
 *
 *	id: 17
 *	event: sample
 *	data: {"seq":17,"ts":1733220000123456789,"cpu_percent":98.5,...}
 *
 * `id` is the sample's seq, so a client that reconnects with
 * Last-Event-ID (or ?after=N) gets exactly the samples after it (unless
 * they were overwritten meanwhile: a ring keeps jobs.max_metrics; the seq
 * then shows the gap).  With follow the stream goes on while the job runs
 * and ends with `event: exit` (as the log stream's) once the job ended and
 * its last sample was sent; idle streams get a `: ping` every 15 s.  The
 * same owner rules as logs (request_job()).  The stream itself:
 * sse_follow.h.
 */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "manager.h"
#include "server.h"
#include "sse_follow.h"
#include "base/log.h"
#include "job/job_metrics.h"

/* Bytes of events formatted ahead of what MHD asked for. */
#define FILL_BYTES (64 * 1024)
/* The longest sample as JSON, with its event lines. */
#define SAMPLE_MAX 640

/* One sample as JSON into buf (at least SAMPLE_MAX bytes): its length. */
static int sample_json(const struct jl_metrics_sample *s, char *buf, size_t size)
{
	int n = snprintf(
		buf, size,
		"{\"seq\":%" PRIu64 ",\"ts\":%" PRId64 ",\"cpu_usec\":%" PRIu64
		",\"cpu_percent\":%.2f,\"memory_bytes\":%" PRIu64 ",\"memory_peak_bytes\":%" PRIu64
		",\"io_read_bytes\":%" PRIu64 ",\"io_write_bytes\":%" PRIu64 ",\"pids\":%" PRIu64,
		s->seq, s->ts_ns, s->cpu_usec, (double)s->cpu_centipct / 100.0, s->memory_bytes,
		s->memory_peak_bytes, s->io_read_bytes, s->io_write_bytes, s->pids);

	if (s->flags & JL_METRICS_NET)
		n += snprintf(buf + n, size - (size_t)n,
			      ",\"net_rx_bytes\":%" PRIu64 ",\"net_tx_bytes\":%" PRIu64,
			      s->net_rx_bytes, s->net_tx_bytes);
	n += snprintf(buf + n, size - (size_t)n, "%s}",
		      (s->flags & JL_METRICS_FINAL) ? ",\"final\":true" : "");
	return n;
}

static int metrics_open(const char *dir, uint64_t after, void **ret_src, struct joblet_error **err)
{
	struct jl_metrics_reader *reader = NULL;
	int r = jl_metrics_reader_open(dir, after, &reader, err);

	if (r < 0)
		return r;
	*ret_src = reader;
	return 0;
}

static bool format_sample(struct sse_follow *f, const struct jl_metrics_sample *s)
{
	char head[64];
	int hn = snprintf(head, sizeof(head), "id: %" PRIu64 "\nevent: sample\ndata: ", s->seq);

	if (!sse_reserve(f, (size_t)hn + SAMPLE_MAX + 2))
		return false;
	sse_put(f, head, (size_t)hn);
	sse_advance(f, (size_t)sample_json(s, sse_tail(f), SAMPLE_MAX));
	sse_put(f, "\n\n", 2);
	return true;
}

/* Format samples until FILL_BYTES wait: 1 when any was, 0 none, -1 on error. */
static int metrics_fill(struct sse_follow *f, void *src)
{
	struct jl_metrics_sample s;
	struct joblet_error *e = NULL;
	int any = 0, n;

	while (sse_want_more(f, FILL_BYTES) && (n = jl_metrics_reader_next(src, &s, &e)) > 0) {
		if (!format_sample(f, &s))
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

static void metrics_free(void *src)
{
	jl_metrics_reader_free(src);
}

static const struct sse_source metrics_source = { metrics_open, metrics_fill, metrics_free };

/* Every sample kept after `after`, as a JSON array (at most jobs.max_metrics of them). */
static int reply_array(struct request *rq, const char *dir, uint64_t after)
{
	struct jl_metrics_reader *reader = NULL;
	struct joblet_error *e = NULL;
	struct jl_metrics_sample s;
	char *text = NULL;
	size_t len = 0;
	FILE *out;
	int n = 0, r;

	if (jl_metrics_reader_open(dir, after, &reader, &e) < 0) {
		r = reply_joblet_error(rq, e);
		joblet_error_free(e);
		return r;
	}
	out = open_memstream(&text, &len);
	if (!out) {
		jl_metrics_reader_free(reader);
		return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_NOMEM,
				   "out of memory");
	}
	fputc('[', out);
	while ((r = jl_metrics_reader_next(reader, &s, &e)) > 0) {
		char buf[SAMPLE_MAX];

		sample_json(&s, buf, sizeof(buf));
		fprintf(out, "%s%s", n++ ? "," : "", buf);
	}
	fputc(']', out);
	fclose(out);
	jl_metrics_reader_free(reader);
	if (r < 0) {
		free(text);
		r = reply_joblet_error(rq, e);
		joblet_error_free(e);
		return r;
	}
	r = text ? reply_json(rq, MHD_HTTP_OK, text)
		 : reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_NOMEM, "out of memory");
	free(text);
	return r;
}

static bool wants_stream(struct request *rq)
{
	const char *accept = request_header(rq, "Accept");

	return request_query_flag(rq, "follow", true) ||
	       (accept && strstr(accept, "text/event-stream"));
}

int api_job_metrics(struct request *rq)
{
	const char *after_text;
	char dir[4200];
	uint64_t after;

	/* Another owner's job is a 404, like one that does not exist (request_job()). */
	if (request_job(rq) < 0)
		return MHD_YES;
	if (!sse_parse_after(rq, &after_text, &after))
		return reply_error(
			rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
			"Last-Event-ID / after `%s` is not a sample number (the id of an event of an earlier stream)",
			after_text);
	if (wants_stream(rq))
		return sse_follow_reply(rq, &metrics_source, after, true);
	manager_job_dir(rq->d->manager, rq->target, dir, sizeof(dir));
	return reply_array(rq, dir, after);
}
