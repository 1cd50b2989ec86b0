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
 * same owner rules as logs (request_job()).
 */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log_hub.h"
#include "manager.h"
#include "server.h"
#include "store.h"
#include "base/log.h"
#include "job/job_metrics.h"

#define HEARTBEAT_S 15
/* Bytes of events formatted ahead of what MHD asked for. */
#define FILL_BYTES (64 * 1024)
/* The longest sample as JSON, with its event lines. */
#define SAMPLE_MAX 640

struct mfollower {
	struct daemon_ctx *d;
	struct MHD_Connection *conn; /* borrowed: lives as long as the stream */
	struct log_hub_watch *w;
	struct jl_metrics_reader *reader;
	char id[37];
	bool follow;
	bool done;
	int sock;
	int64_t quiet_since;
	uint64_t gen;
	char *out;
	size_t off, len, cap;
};

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

static bool reserve(struct mfollower *f, size_t more)
{
	if (f->off > 0 && f->off == f->len)
		f->off = f->len = 0;
	if (f->len + more <= f->cap)
		return true;
	if (f->off > 0) {
		memmove(f->out, f->out + f->off, f->len - f->off);
		f->len -= f->off;
		f->off = 0;
	}
	while (f->len + more > f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 64 * 1024;
		char *g = realloc(f->out, ncap);

		if (!g)
			return false;
		f->out = g;
		f->cap = ncap;
	}
	return true;
}

static bool format_sample(struct mfollower *f, const struct jl_metrics_sample *s)
{
	if (!reserve(f, SAMPLE_MAX + 64))
		return false;
	f->len += (size_t)snprintf(f->out + f->len, 64,
				   "id: %" PRIu64 "\nevent: sample\ndata: ", s->seq);
	f->len += (size_t)sample_json(s, f->out + f->len, SAMPLE_MAX);
	memcpy(f->out + f->len, "\n\n", 2);
	f->len += 2;
	return true;
}

/* The job's end as the log stream says it: `event: exit` with its state. */
static bool format_exit(struct mfollower *f)
{
	struct job_record r;
	struct joblet_error *e = NULL;
	json_object *o;
	const char *text;
	bool ok;

	if (store_job_get(f->d->store, f->id, &r, &e) < 0) {
		joblet_error_free(e);
		return false;
	}
	o = json_object_new_object();
	json_object_object_add(o, "state", json_object_new_string(job_state_name(r.state)));
	json_object_object_add(o, "exit_code",
			       r.has_exit_code ? json_object_new_int(r.exit_code) : NULL);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	ok = text && reserve(f, strlen(text) + 32);
	if (ok)
		f->len += (size_t)snprintf(f->out + f->len, strlen(text) + 32,
					   "event: exit\ndata: %s\n\n", text);
	json_object_put(o);
	job_record_done(&r);
	return ok;
}

/* Format samples until FILL_BYTES wait: 1 when any was, 0 none, -1 on error. */
static int fill(struct mfollower *f)
{
	struct jl_metrics_sample s;
	struct joblet_error *e = NULL;
	int any = 0, n;

	while (f->len - f->off < FILL_BYTES &&
	       (n = jl_metrics_reader_next(f->reader, &s, &e)) > 0) {
		if (!format_sample(f, &s))
			return -1;
		any = 1;
	}
	if (e) {
		jl_log(JOBLET_LOG_ERROR, NULL, "job %s: %s", f->id, joblet_error_message(e));
		joblet_error_free(e);
		return -1;
	}
	return any;
}

static int64_t mono_s(void)
{
	struct timespec mono;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	return mono.tv_sec;
}

static bool peer_gone(const struct mfollower *f)
{
	struct pollfd p = { f->sock, POLLRDHUP, 0 };

	return f->sock >= 0 && poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/* Nothing to send and the job runs: sleep until its folder changes.  -1 ends the stream. */
static int wait_for_more(struct mfollower *f)
{
	while (log_hub_wait(f->d->hub, f->w, f->gen, 1000) == 0) {
		if (peer_gone(f) || server_recheck_peer(f->d->server, f->conn, NULL) < 0)
			return -1;
		if (mono_s() - f->quiet_since >= HEARTBEAT_S) {
			if (reserve(f, 16)) {
				memcpy(f->out + f->len, ": ping\n\n", 8);
				f->len += 8;
			}
			break;
		}
	}
	return 0;
}

static ssize_t follow_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct mfollower *f = cls;
	struct log_hub_state st;
	int r;

	(void)pos;
	for (;;) {
		if (f->off < f->len) {
			size_t n = f->len - f->off < max ? f->len - f->off : max;

			f->quiet_since = mono_s();
			memcpy(buf, f->out + f->off, n);
			f->off += n;
			return (ssize_t)n;
		}
		if (f->done)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (server_recheck_peer(f->d->server, f->conn, NULL) < 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		/* Whether it had ended is read before the samples, so the last is not missed. */
		log_hub_state(f->d->hub, f->w, &st);
		if (st.shutdown)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		f->gen = st.gen;
		r = fill(f);
		if (r < 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (r > 0)
			continue;
		if (st.ended || !f->follow) {
			if (st.ended && !format_exit(f))
				return MHD_CONTENT_READER_END_WITH_ERROR;
			f->done = true;
			continue;
		}
		if (wait_for_more(f) < 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
}

static void follow_free(void *cls)
{
	struct mfollower *f = cls;

	if (!f)
		return;
	if (f->w)
		log_hub_detach(f->d->hub, f->w);
	jl_metrics_reader_free(f->reader);
	free(f->out);
	free(f);
}

/* The sample to start after, from Last-Event-ID or ?after=N: false when not a number. */
static bool parse_after(struct request *rq, const char **ret_text, uint64_t *ret)
{
	const char *after = request_query(rq, "after");
	const char *last = request_header(rq, "Last-Event-ID");
	char *end;

	if (last && *last)
		after = last;
	*ret_text = after;
	*ret = 0;
	if (!after || !*after)
		return true;
	errno = 0;
	*ret = strtoull(after, &end, 10);
	return !errno && !*end && after[0] >= '0' && after[0] <= '9';
}

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

/* Attach f to the hub and open its job's samples after `after`. */
static int mfollower_open(struct mfollower *f, const char *dir, uint64_t after,
			  struct joblet_error **err)
{
	int r = log_hub_attach(f->d->hub, f->id, dir, &f->w, err);

	if (r < 0)
		return r;
	/* Registered first, then asked: an end recorded in between is not missed. */
	if (!manager_job_alive(f->d->manager, f->id))
		log_hub_job_ended(f->d->hub, f->id);
	return jl_metrics_reader_open(dir, after, &f->reader, err);
}

static bool wants_stream(struct request *rq)
{
	const char *follow = request_query(rq, "follow");
	const char *accept = request_header(rq, "Accept");

	return (follow && (strcmp(follow, "1") == 0 || strcmp(follow, "true") == 0)) ||
	       (accept && strstr(accept, "text/event-stream"));
}

int api_job_metrics(struct request *rq)
{
	struct joblet_error *e = NULL;
	const union MHD_ConnectionInfo *ci;
	struct mfollower *f;
	const char *after_text;
	char dir[4200];
	uint64_t after;
	int r;

	/* Another owner's job is a 404, like one that does not exist (request_job()). */
	if (request_job(rq) < 0)
		return MHD_YES;
	if (!parse_after(rq, &after_text, &after))
		return reply_error(
			rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
			"Last-Event-ID / after `%s` is not a sample number (the id of an event of an earlier stream)",
			after_text);
	manager_job_dir(rq->d->manager, rq->target, dir, sizeof(dir));
	if (!wants_stream(rq))
		return reply_array(rq, dir, after);
	f = calloc(1, sizeof(*f));
	if (!f)
		return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_NOMEM,
				   "out of memory");
	f->d = rq->d;
	f->conn = rq->conn;
	memcpy(f->id, rq->target, sizeof(f->id));
	ci = MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	f->sock = ci ? ci->connect_fd : -1;
	f->quiet_since = mono_s();
	f->follow = true;
	if (mfollower_open(f, dir, after, &e) < 0) {
		r = reply_joblet_error(rq, e);
		joblet_error_free(e);
		follow_free(f);
		return r;
	}
	return reply_stream(rq, follow_read, f, follow_free);
}
