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
 * Output that is not UTF-8 comes as {"ts":...,"b64":"..."}.  With
 * ?follow=1 the stream goes on while the job runs and ends with
 *
 *	event: exit
 *	data: {"state":"COMPLETED","exit_code":0,...}
 *
 * (also sent without follow when the job has ended).  Idle streams get a
 * `: ping` comment every 15 s.
 */
#include <config.h>

#include <errno.h>
#include <poll.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "logs.h"
#include "manager.h"
#include "server.h"
#include "store.h"
#include "base/log.h"
#include "job/job_log.h"
#include "common/base64.h"

#define HEARTBEAT_S 15
/* Bytes of events formatted ahead of what MHD asked for. */
#define FILL_BYTES (256 * 1024)

struct watch {
	int wd;
	char id[37];
	int refs;
	uint64_t gen;	/* bumped on every change in the job's folder */
	bool ended;	/* the manager recorded the job's end */
	pthread_cond_t cond;
	struct watch *next;
};

struct log_hub {
	struct daemon_ctx *d;
	pthread_mutex_t lock;
	int ifd;
	pthread_t thread;
	bool thread_started;
	bool shutdown;
	struct watch *watches;
	long followers;
};

static struct watch *watch_by_id(struct log_hub *h, const char *id)
{
	for (struct watch *w = h->watches; w; w = w->next)
		if (strcmp(w->id, id) == 0)
			return w;
	return NULL;
}

static void *hub_main(void *arg)
{
	struct log_hub *h = arg;
	char buf[8192] __attribute__((aligned(__alignof__(struct inotify_event))));

	for (;;) {
		ssize_t n = read(h->ifd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		pthread_mutex_lock(&h->lock);
		if (h->shutdown) {
			pthread_mutex_unlock(&h->lock);
			break;
		}
		for (char *p = buf; p < buf + n;) {
			struct inotify_event *ev = (struct inotify_event *)p;

			for (struct watch *w = h->watches; w; w = w->next)
				if (w->wd == ev->wd) {
					w->gen++;
					if (ev->mask & (IN_IGNORED | IN_DELETE_SELF))
						w->ended = true;
					pthread_cond_broadcast(&w->cond);
				}
			p += sizeof(*ev) + ev->len;
		}
		pthread_mutex_unlock(&h->lock);
	}
	return NULL;
}

int log_hub_new(struct daemon_ctx *d, struct log_hub **ret, struct joblet_error **err)
{
	struct log_hub *h = calloc(1, sizeof(*h));

	if (!h)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot start the log streams");
	h->d = d;
	pthread_mutex_init(&h->lock, NULL);
	/* Blocking: the hub's thread sleeps in read(). */
	h->ifd = inotify_init1(IN_CLOEXEC);
	if (h->ifd < 0) {
		int e = errno;

		free(h);
		return joblet_error_set(err, JOBLET_E_SYSTEM, e,
					"cannot watch job logs (inotify_init1)%s",
					e == EMFILE ? "; raise fs.inotify.max_user_instances" : "");
	}
	if (pthread_create(&h->thread, NULL, hub_main, h) != 0) {
		close(h->ifd);
		free(h);
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot start the log streams");
	}
	h->thread_started = true;
	*ret = h;
	return 0;
}

void log_hub_shutdown(struct log_hub *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->shutdown = true;
	for (struct watch *w = h->watches; w; w = w->next)
		pthread_cond_broadcast(&w->cond);
	pthread_mutex_unlock(&h->lock);
}

void log_hub_free(struct log_hub *h)
{
	if (!h)
		return;
	log_hub_shutdown(h);
	if (h->thread_started) {
		/* It sleeps in read(), a cancellation point, never holding the lock there. */
		pthread_cancel(h->thread);
		pthread_join(h->thread, NULL);
	}
	close(h->ifd);
	while (h->watches) {
		struct watch *w = h->watches;

		h->watches = w->next;
		pthread_cond_destroy(&w->cond);
		free(w);
	}
	pthread_mutex_destroy(&h->lock);
	free(h);
}

void log_hub_job_ended(struct log_hub *h, const char *id)
{
	struct watch *w;

	pthread_mutex_lock(&h->lock);
	w = watch_by_id(h, id);
	if (w) {
		w->ended = true;
		w->gen++;
		pthread_cond_broadcast(&w->cond);
	}
	pthread_mutex_unlock(&h->lock);
}

long log_hub_followers(struct log_hub *h)
{
	long n;

	pthread_mutex_lock(&h->lock);
	n = h->followers;
	pthread_mutex_unlock(&h->lock);
	return n;
}

/* Watch job id's folder; the watch is shared by all its followers. */
static struct watch *hub_attach(struct log_hub *h, const char *id, const char *dir,
				struct joblet_error **err)
{
	struct watch *w;

	pthread_mutex_lock(&h->lock);
	w = watch_by_id(h, id);
	if (!w) {
		int wd = inotify_add_watch(h->ifd, dir,
					   IN_MODIFY | IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF |
						   IN_ONLYDIR);

		if (wd < 0) {
			int e = errno;

			pthread_mutex_unlock(&h->lock);
			joblet_error_set(err, e == ENOSPC ? JOBLET_E_LIMIT : JOBLET_E_SYSTEM, e,
					 "cannot follow the log of job %s%s", id,
					 e == ENOSPC ? " (fs.inotify.max_user_watches)" : "");
			return NULL;
		}
		w = calloc(1, sizeof(*w));
		if (!w) {
			inotify_rm_watch(h->ifd, wd);
			pthread_mutex_unlock(&h->lock);
			joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot follow the log");
			return NULL;
		}
		w->wd = wd;
		snprintf(w->id, sizeof(w->id), "%s", id);
		pthread_cond_init(&w->cond, NULL);
		w->next = h->watches;
		h->watches = w;
	}
	w->refs++;
	h->followers++;
	pthread_mutex_unlock(&h->lock);
	return w;
}

static void hub_detach(struct log_hub *h, struct watch *w)
{
	pthread_mutex_lock(&h->lock);
	h->followers--;
	if (--w->refs == 0) {
		for (struct watch **p = &h->watches; *p; p = &(*p)->next)
			if (*p == w) {
				*p = w->next;
				break;
			}
		inotify_rm_watch(h->ifd, w->wd);
		pthread_cond_destroy(&w->cond);
		free(w);
	}
	pthread_mutex_unlock(&h->lock);
}

/* ------------------------------------------------------------------ one follower */

struct follower {
	struct daemon_ctx *d;
	struct watch *w;
	struct jl_log_reader *reader;
	char id[37];
	bool follow;
	int sock;	/* the connection's socket (to see a peer that left), or -1 */
	int64_t quiet_since; /* CLOCK_MONOTONIC s of the last thing sent */
	bool done;	/* the last event is formatted */
	bool failed;
	uint64_t gen;
	char *out;	/* formatted events: out[off..len) not sent yet */
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

/* 1 when none of the 8 bytes of x needs care in a JSON string: 0x20..0x7f, not `"` or `\`. */
static inline bool word_plain(uint64_t x)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');

	return !(((x - ones * 0x20) & ~x & highs) | (x & highs) | ((q - ones) & ~q & highs) |
		 ((b - ones) & ~b & highs));
}

/* Length of the UTF-8 sequence at s (n bytes left), or 0 when it is not valid UTF-8. */
static size_t utf8_seq(const uint8_t *s, size_t n)
{
	uint8_t c = s[0];

	if (c >= 0xc2 && c <= 0xdf)
		return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (c >= 0xe0 && c <= 0xef)
		return n >= 3 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
				       !(c == 0xe0 && s[1] < 0xa0) && !(c == 0xed && s[1] > 0x9f)
			       ? 3
			       : 0;
	if (c >= 0xf0 && c <= 0xf4)
		return n >= 4 && (s[1] & 0xc0) == 0x80 && (s[2] & 0xc0) == 0x80 &&
				       (s[3] & 0xc0) == 0x80 && !(c == 0xf0 && s[1] < 0x90) &&
				       !(c == 0xf4 && s[1] > 0x8f)
			       ? 4
			       : 0;
	return 0;
}

/*
 * Write s[0..n) as the body of a JSON string to out (room for 6 * n bytes):
 * its length, or -1 when s is not valid UTF-8 (no overlongs, no surrogates).
 * Plain ASCII goes 8 bytes at a time.
 */
static ssize_t escape_utf8(const uint8_t *s, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	size_t i = 0;

	while (i < n) {
		size_t start = i, k;

		while (i + 8 <= n) {
			uint64_t x;

			memcpy(&x, s + i, 8);
			if (!word_plain(x))
				break;
			i += 8;
		}
		while (i < n && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
			i++;
		memcpy(o, s + start, i - start);
		o += i - start;
		if (i == n)
			break;
		if (s[i] >= 0x80) {
			k = utf8_seq(s + i, n - i);
			if (!k)
				return -1;
			memcpy(o, s + i, k);
			o += k;
			i += k;
			continue;
		}
		*o++ = '\\';
		switch (s[i]) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[s[i] >> 4];
			*o++ = hex[s[i] & 15];
		}
		i++;
	}
	return o - out;
}

static bool format_record(struct follower *f, const struct jl_log_record *rec)
{
	char head[160];
	int hn;
	ssize_t n;
	const char *stream = rec->stream == JL_STREAM_STDERR ? "stderr" : "stdout";

	/* Room for the worst case either way: 6 bytes per byte escaped. */
	if (!reserve(f, sizeof(head) + 6 * rec->len + 8))
		return false;
	hn = snprintf(head, sizeof(head), "id: %" PRIu64 "\nevent: %s\ndata: {\"ts\":%" PRId64
					  ",\"data\":\"",
		      rec->seq, stream, rec->ts_ns);
	n = escape_utf8(rec->data, rec->len, f->out + f->len + hn);
	if (n >= 0) {
		memcpy(f->out + f->len, head, (size_t)hn);
		f->len += (size_t)hn + (size_t)n;
	} else {
		/* Not UTF-8: the bytes as base64. */
		hn = snprintf(head, sizeof(head), "id: %" PRIu64 "\nevent: %s\ndata: {\"ts\":%" PRId64
						  ",\"b64\":\"",
			      rec->seq, stream, rec->ts_ns);
		put(f, head, (size_t)hn);
		f->len += jl_base64_encode(rec->data, rec->len, f->out + f->len);
	}
	put(f, "\"}\n\n", 4);
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

static ssize_t follow_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct follower *f = cls;
	struct log_hub *h = f->d->hub;

	(void)pos;
	for (;;) {
		bool ended, heartbeat = false, stop;
		int r;

		if (f->off < f->len) {
			size_t n = f->len - f->off < max ? f->len - f->off : max;
			struct timespec mono;

			clock_gettime(CLOCK_MONOTONIC, &mono);
			f->quiet_since = mono.tv_sec;

			memcpy(buf, f->out + f->off, n);
			f->off += n;
			if (f->off == f->len)
				f->off = f->len = 0;
			return (ssize_t)n;
		}
		if (f->done)
			return MHD_CONTENT_READER_END_OF_STREAM;
		/* Whether it had ended is read before the records, so none is missed. */
		pthread_mutex_lock(&h->lock);
		ended = f->w->ended;
		stop = h->shutdown;
		f->gen = f->w->gen;
		pthread_mutex_unlock(&h->lock);
		if (stop)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		r = fill(f);
		if (r < 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (r > 0)
			continue;
		if (ended || !f->follow) {
			if (ended && !format_exit(f))
				return MHD_CONTENT_READER_END_WITH_ERROR;
			f->done = true;
			continue;
		}
		pthread_mutex_lock(&h->lock);
		while (f->w->gen == f->gen && !f->w->ended && !h->shutdown) {
			struct timespec until, mono;

			/* A second at a time: a peer that left frees its connection soon. */
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 1;
			if (pthread_cond_timedwait(&f->w->cond, &h->lock, &until) != ETIMEDOUT)
				continue;
			if (peer_gone(f)) {
				pthread_mutex_unlock(&h->lock);
				return MHD_CONTENT_READER_END_WITH_ERROR;
			}
			clock_gettime(CLOCK_MONOTONIC, &mono);
			if (mono.tv_sec - f->quiet_since >= HEARTBEAT_S) {
				heartbeat = true;
				break;
			}
		}
		pthread_mutex_unlock(&h->lock);
		if (heartbeat && reserve(f, 16))
			put(f, ": ping\n\n", 8);
	}
}

static void follow_free(void *cls)
{
	struct follower *f = cls;

	if (!f)
		return;
	if (f->w)
		hub_detach(f->d->hub, f->w);
	jl_log_reader_free(f->reader);
	free(f->out);
	free(f);
}

int api_job_logs(struct request *rq)
{
	struct joblet_error *e = NULL;
	struct follower *f;
	const char *follow = request_query(rq, "follow");
	const char *after = request_query(rq, "after");
	const char *last = request_header(rq, "Last-Event-ID");
	char dir[4200];
	uint64_t skip = 0;

	if (store_job_resolve(rq->d->store, rq->arg, rq->target, &e) < 0) {
		int r = reply_joblet_error(rq, e);

		joblet_error_free(e);
		return r;
	}
	if (last && *last)
		after = last;
	if (after && *after) {
		char *end;

		errno = 0;
		skip = strtoull(after, &end, 10);
		if (errno || *end || after[0] == '-')
			return reply_error(rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
					   "Last-Event-ID / after `%s` is not an event id (a record "
					   "number from an earlier stream)",
					   after);
	}
	f = calloc(1, sizeof(*f));
	if (!f)
		return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_NOMEM, "out of memory");
	f->d = rq->d;
	memcpy(f->id, rq->target, sizeof(f->id));
	{
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		struct timespec mono;

		f->sock = ci ? ci->connect_fd : -1;
		clock_gettime(CLOCK_MONOTONIC, &mono);
		f->quiet_since = mono.tv_sec;
	}
	f->follow = follow && (strcmp(follow, "1") == 0 || strcmp(follow, "true") == 0);
	manager_job_dir(rq->d->manager, f->id, dir, sizeof(dir));
	f->w = hub_attach(rq->d->hub, f->id, dir, &e);
	/* Registered first, then asked: an end recorded in between is not missed. */
	if (f->w && !manager_job_alive(rq->d->manager, f->id))
		log_hub_job_ended(rq->d->hub, f->id);
	if (!f->w || jl_log_reader_open_flags(dir, JL_LOG_READER_NO_WATCH, &f->reader, &e) < 0 ||
	    (skip && jl_log_reader_skip(f->reader, skip, &e) < 0)) {
		int r = reply_joblet_error(rq, e);

		joblet_error_free(e);
		follow_free(f);
		return r;
	}
	return reply_stream(rq, follow_read, f, follow_free);
}
