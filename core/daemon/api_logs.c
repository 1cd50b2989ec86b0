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
 * a second (server_recheck_peer()).
 */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "log_hub.h"
#include "manager.h"
#include "server.h"
#include "store.h"
#include "base/log.h"
#include "job/job_log.h"
#include "common/log_event.h"

#define HEARTBEAT_S 15
/* Bytes of events formatted ahead of what MHD asked for. */
#define FILL_BYTES (256 * 1024)

struct follower {
	struct daemon_ctx *d;
	struct MHD_Connection *conn; /* borrowed: lives as long as the stream */
	struct log_hub_watch *w;
	struct jl_log_reader *reader;
	char id[37];
	bool follow;
	int sock;	     /* the connection's socket (to see a peer that left), or -1 */
	int64_t quiet_since; /* CLOCK_MONOTONIC s of the last thing sent */
	bool done;	     /* the last event is formatted */
	bool failed;
	uint64_t gen;
	char *out; /* formatted events: out[off..len) not sent yet */
	size_t off, len, cap;
};

static bool reserve(struct follower *f, size_t more)
{
	if (f->len + more <= f->cap)
		return true;
	if (f->off > 0) {
		memmove(f->out, f->out + f->off, f->len - f->off);
		f->len -= f->off;
		f->off = 0;
		if (f->len + more <= f->cap)
			return true;
	}
	{
		size_t ncap = f->cap ? f->cap : 64 * 1024;
		char *g;

		while (ncap < f->len + more)
			ncap *= 2;
		g = realloc(f->out, ncap);
		if (!g)
			return false;
		f->out = g;
		f->cap = ncap;
	}
	return true;
}

static void put(struct follower *f, const char *s, size_t n)
{
	memcpy(f->out + f->len, s, n);
	f->len += n;
}

/* One record as an event: `id`, the stream as `event`, the record's JSON (common/log_event.h). */
static bool format_record(struct follower *f, const struct jl_log_record *rec)
{
	char head[96];
	int hn = snprintf(head, sizeof(head), "id: %" PRIu64 "\nevent: %s\ndata: ", rec->seq,
			  jl_log_event_stream_name(rec->stream));

	if (!reserve(f, (size_t)hn + jl_log_event_max(rec->len) + 2))
		return false;
	put(f, head, (size_t)hn);
	f->len += jl_log_event_encode(rec->ts_ns, rec->data, rec->len, f->out + f->len);
	put(f, "\n\n", 2);
	return true;
}

static bool format_exit(struct follower *f)
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
	json_object_object_add(o, "signal", json_object_new_int(r.signal));
	json_object_object_add(o, "reason", r.reason ? json_object_new_string(r.reason) : NULL);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	ok = text && reserve(f, strlen(text) + 32);
	if (ok) {
		put(f, "event: exit\ndata: ", 18);
		put(f, text, strlen(text));
		put(f, "\n\n", 2);
	}
	json_object_put(o);
	job_record_done(&r);
	return ok;
}

/* Format records until FILL_BYTES are waiting; 1 when any was, 0 none, -1 on error. */
static int fill(struct follower *f)
{
	struct jl_log_record rec;
	struct joblet_error *e = NULL;
	int any = 0, n;

	while (f->len - f->off < FILL_BYTES && (n = jl_log_reader_next(f->reader, &rec, &e)) > 0) {
		if (!format_record(f, &rec))
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

/* Has the client closed its side of the connection? */
static bool peer_gone(const struct follower *f)
{
	struct pollfd p = { f->sock, POLLRDHUP, 0 };

	return f->sock >= 0 && poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

static int64_t mono_s(void)
{
	struct timespec mono;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	return mono.tv_sec;
}

/* Hand MHD what is formatted, up to max bytes. */
static ssize_t send_pending(struct follower *f, char *buf, size_t max)
{
	size_t n = f->len - f->off < max ? f->len - f->off : max;

	f->quiet_since = mono_s();
	memcpy(buf, f->out + f->off, n);
	f->off += n;
	if (f->off == f->len)
		f->off = f->len = 0;
	return (ssize_t)n;
}

/* Is the client certificate still accepted, after a reload of the credentials? */
static bool peer_refused(const struct follower *f)
{
	return server_recheck_peer(f->d->server, f->conn, NULL) < 0;
}

/*
 * Nothing to send and the job runs: sleep until its folder changes, a
 * second at a time so that a peer that left, or whose certificate was
 * revoked, frees its connection soon.  0 to go on, -1 to end the stream.
 */
static int wait_for_more(struct follower *f)
{
	struct log_hub *h = f->d->hub;

	while (log_hub_wait(h, f->w, f->gen, 1000) == 0) {
		if (peer_gone(f) || peer_refused(f))
			return -1;
		if (mono_s() - f->quiet_since >= HEARTBEAT_S) {
			if (reserve(f, 16))
				put(f, ": ping\n\n", 8);
			break;
		}
	}
	return 0;
}

static ssize_t follow_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct follower *f = cls;
	struct log_hub_state st;
	int r;

	(void)pos;
	for (;;) {
		if (f->off < f->len)
			return send_pending(f, buf, max);
		if (f->done)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (peer_refused(f))
			return MHD_CONTENT_READER_END_WITH_ERROR;
		/* Whether it had ended is read before the records, so none is missed. */
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
	struct follower *f = cls;

	if (!f)
		return;
	if (f->w)
		log_hub_detach(f->d->hub, f->w);
	jl_log_reader_free(f->reader);
	free(f->out);
	free(f);
}

/*
 * The record to start after, from ?after=N or Last-Event-ID (0: from the
 * first): false when *ret_text is not a number.
 */
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
	return !errno && !*end && after[0] != '-';
}

/* Attach f to the hub and open its job's log after record skip. */
static int follower_open(struct follower *f, uint64_t skip, struct joblet_error **err)
{
	char dir[4200];
	int r;

	manager_job_dir(f->d->manager, f->id, dir, sizeof(dir));
	r = log_hub_attach(f->d->hub, f->id, dir, &f->w, err);
	if (r < 0)
		return r;
	/* Registered first, then asked: an end recorded in between is not missed. */
	if (!manager_job_alive(f->d->manager, f->id))
		log_hub_job_ended(f->d->hub, f->id);
	r = jl_log_reader_open_flags(dir, JL_LOG_READER_NO_WATCH, &f->reader, err);
	if (r == 0 && skip)
		r = jl_log_reader_skip(f->reader, skip, err);
	return r;
}

int api_job_logs(struct request *rq)
{
	struct joblet_error *e = NULL;
	struct follower *f;
	const char *follow = request_query(rq, "follow");
	const union MHD_ConnectionInfo *ci;
	const char *after;
	uint64_t skip;
	int r;

	/* Another owner's job is a 404, like one that does not exist (request_job()). */
	if (request_job(rq) < 0)
		return MHD_YES;
	if (!parse_after(rq, &after, &skip))
		return reply_error(
			rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
			"Last-Event-ID / after `%s` is not an event id (a record number from an earlier stream)",
			after);
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
	f->follow = follow && (strcmp(follow, "1") == 0 || strcmp(follow, "true") == 0);
	if (follower_open(f, skip, &e) < 0) {
		r = reply_joblet_error(rq, e);
		joblet_error_free(e);
		follow_free(f);
		return r;
	}
	return reply_stream(rq, follow_read, f, follow_free);
}
