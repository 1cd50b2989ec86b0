/*
 * sse_follow.c - a server-sent-event stream that follows one job's folder
 * (sse_follow.h): the buffer, the wait on the log hub, the heartbeat, the
 * `exit` event and the checks that end a stream.
 */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log_hub.h"
#include "manager.h"
#include "sse_follow.h"
#include "store.h"

#define HEARTBEAT_S 15

struct sse_follow {
	struct daemon_ctx *d;
	struct MHD_Connection *conn; /* borrowed: lives as long as the stream */
	struct log_hub_watch *w;
	const struct sse_source *ops;
	void *src;
	char id[37];
	bool follow;
	int sock;	     /* the connection's socket (to see a peer that left), or -1 */
	int64_t quiet_since; /* CLOCK_MONOTONIC s of the last thing sent */
	bool done;	     /* the last event is formatted */
	uint64_t gen;
	char *out; /* formatted events: out[off..len) not sent yet */
	size_t off, len, cap;
};

bool sse_reserve(struct sse_follow *f, size_t more)
{
	size_t ncap;
	char *g;

	if (f->len + more <= f->cap)
		return true;
	if (f->off > 0) {
		memmove(f->out, f->out + f->off, f->len - f->off);
		f->len -= f->off;
		f->off = 0;
		if (f->len + more <= f->cap)
			return true;
	}
	ncap = f->cap ? f->cap : 64 * 1024;
	while (ncap < f->len + more)
		ncap *= 2;
	g = realloc(f->out, ncap);
	if (!g)
		return false;
	f->out = g;
	f->cap = ncap;
	return true;
}

void sse_put(struct sse_follow *f, const char *s, size_t n)
{
	memcpy(f->out + f->len, s, n);
	f->len += n;
}

char *sse_tail(struct sse_follow *f)
{
	return f->out + f->len;
}

void sse_advance(struct sse_follow *f, size_t n)
{
	f->len += n;
}

bool sse_want_more(const struct sse_follow *f, size_t bytes)
{
	return f->len - f->off < bytes;
}

const char *sse_job(const struct sse_follow *f)
{
	return f->id;
}

/* The job's end: `event: exit` with its state, exit code, signal and reason. */
static bool format_exit(struct sse_follow *f)
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
	ok = text && sse_reserve(f, strlen(text) + 32);
	if (ok) {
		sse_put(f, "event: exit\ndata: ", 18);
		sse_put(f, text, strlen(text));
		sse_put(f, "\n\n", 2);
	}
	json_object_put(o);
	job_record_done(&r);
	return ok;
}

/* Has the client closed its side of the connection? */
static bool peer_gone(const struct sse_follow *f)
{
	struct pollfd p = { f->sock, POLLRDHUP, 0 };

	return f->sock >= 0 && poll(&p, 1, 0) == 1 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR));
}

/* Is the client certificate still accepted, after a reload of the credentials? */
static bool peer_refused(const struct sse_follow *f)
{
	return server_recheck_peer(f->d->server, f->conn, NULL) < 0;
}

static int64_t mono_s(void)
{
	struct timespec mono;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	return mono.tv_sec;
}

/* Hand MHD what is formatted, up to max bytes. */
static ssize_t send_pending(struct sse_follow *f, char *buf, size_t max)
{
	size_t n = f->len - f->off < max ? f->len - f->off : max;

	f->quiet_since = mono_s();
	memcpy(buf, f->out + f->off, n);
	f->off += n;
	if (f->off == f->len)
		f->off = f->len = 0;
	return (ssize_t)n;
}

/*
 * Nothing to send and the job runs: sleep until its folder changes, a
 * second at a time so that a peer that left, or whose certificate was
 * revoked, frees its connection soon.  0 to go on, -1 to end the stream.
 */
static int wait_for_more(struct sse_follow *f)
{
	while (log_hub_wait(f->d->hub, f->w, f->gen, 1000) == 0) {
		if (peer_gone(f) || peer_refused(f))
			return -1;
		if (mono_s() - f->quiet_since >= HEARTBEAT_S) {
			if (sse_reserve(f, 16))
				sse_put(f, ": ping\n\n", 8);
			break;
		}
	}
	return 0;
}

static ssize_t follow_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct sse_follow *f = cls;
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
		/* Whether it had ended is read before the events, so none is missed. */
		log_hub_state(f->d->hub, f->w, &st);
		if (st.shutdown)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		f->gen = st.gen;
		r = f->ops->fill(f, f->src);
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
	struct sse_follow *f = cls;

	if (!f)
		return;
	if (f->w)
		log_hub_detach(f->d->hub, f->w);
	if (f->src)
		f->ops->free(f->src);
	free(f->out);
	free(f);
}

bool sse_parse_after(struct request *rq, const char **ret_text, uint64_t *ret)
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

/* Attach f to the hub, then open its source after event `after`. */
static int follow_open(struct sse_follow *f, uint64_t after, struct joblet_error **err)
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
	return f->ops->open(dir, after, &f->src, err);
}

int sse_follow_reply(struct request *rq, const struct sse_source *src, uint64_t after, bool follow)
{
	struct joblet_error *e = NULL;
	const union MHD_ConnectionInfo *ci;
	struct sse_follow *f = calloc(1, sizeof(*f));
	int r;

	if (!f)
		return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_NOMEM,
				   "out of memory");
	f->d = rq->d;
	f->conn = rq->conn;
	f->ops = src;
	memcpy(f->id, rq->target, sizeof(f->id));
	ci = MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
	f->sock = ci ? ci->connect_fd : -1;
	f->quiet_since = mono_s();
	f->follow = follow;
	if (follow_open(f, after, &e) < 0) {
		r = reply_joblet_error(rq, e);
		joblet_error_free(e);
		follow_free(f);
		return r;
	}
	return reply_stream(rq, follow_read, f, follow_free);
}
