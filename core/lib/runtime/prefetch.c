/* prefetch.c - read-ahead with hashing in a producer thread (see prefetch.h). */
#include <config.h>

#include <pthread.h>
#include <time.h>

#include "runtime/prefetch.h"
#include "runtime/sha256.h"
#include "base/util.h"
#include "base/buffer.h"

#define PREFETCH_CHUNK	 (256 * 1024)
#define PREFETCH_NCHUNKS 8
/* The producer hands a chunk over once it holds this much (or at the end). */
#define PREFETCH_MIN_FILL (64 * 1024)

struct chunk {
	uint8_t *data;
	size_t len;
};

struct jl_prefetch {
	struct joblet_stream base; /* the reading end */
	struct joblet_stream *src;
	struct jl_prefetch_options o;
	char *what;

	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct chunk ring[PREFETCH_NCHUNKS];
	unsigned head, tail, count;
	size_t head_pos;
	bool producer_done;
	bool stop;
	struct joblet_error *producer_err;

	struct sha256_ctx hash;
	bool hash_live;
	uint8_t digest[SHA256_DIGEST_SIZE];
	uint64_t produced;

	bool consumer_eof;
	uint8_t *peek;
	size_t peek_len, peek_pos;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Record the producer's failure; the reader meets it after the bytes before it. */
static void producer_fail(struct jl_prefetch *p, struct joblet_error *e)
{
	pthread_mutex_lock(&p->lock);
	p->producer_err = e;
	p->producer_done = true;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

static void *producer(void *arg)
{
	struct jl_prefetch *p = arg;
	double start = now_s(), last_report = 0;

	for (;;) {
		struct joblet_error *e = NULL;
		struct chunk *c;
		bool at_end = false;

		pthread_mutex_lock(&p->lock);
		while (p->count == PREFETCH_NCHUNKS && !p->stop)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stop) {
			pthread_mutex_unlock(&p->lock);
			return NULL;
		}
		c = &p->ring[p->tail];
		pthread_mutex_unlock(&p->lock);

		c->len = 0;
		while (c->len < PREFETCH_MIN_FILL) {
			int64_t n =
				p->src->read(p->src, c->data + c->len, PREFETCH_CHUNK - c->len, &e);

			if (n < 0) {
				if (!e)
					joblet_error_set(&e, JOBLET_E_IO, 0, "reading `%s` failed",
							 p->what);
				producer_fail(p, e);
				return NULL;
			}
			if (n == 0) {
				at_end = true;
				break;
			}
			p->produced += (uint64_t)n;
			if (p->o.expected_size >= 0 && p->produced > (uint64_t)p->o.expected_size) {
				joblet_error_set(
					&e, JOBLET_E_LIMIT, 0,
					"`%s` is larger than the %lld bytes the registry index announces; the package is refused",
					p->what, (long long)p->o.expected_size);
				producer_fail(p, e);
				return NULL;
			}
			if (p->o.max_bytes > 0 && p->produced > (uint64_t)p->o.max_bytes) {
				joblet_error_set(
					&e, JOBLET_E_LIMIT, 0,
					"`%s` is larger than the %lld bytes allowed (runtimes.max_download_bytes)",
					p->what, (long long)p->o.max_bytes);
				producer_fail(p, e);
				return NULL;
			}
			sha256_update(&p->hash, (size_t)n, c->data + c->len);
			c->len += (size_t)n;
		}
		if (at_end && p->o.expected_size >= 0 &&
		    p->produced != (uint64_t)p->o.expected_size)
			joblet_error_set(
				&e, JOBLET_E_CHECKSUM, 0,
				"`%s` ended after %llu bytes but the registry index announces %lld; the download is incomplete or the index is wrong",
				p->what, (unsigned long long)p->produced,
				(long long)p->o.expected_size);
		else if (at_end) {
			jl_sha256_digest(&p->hash, p->digest);
			p->hash_live = false;
		}
		/* Report before handing over, so the last report precedes what the reader does
		 * next. */
		if (p->o.progress) {
			double t = now_s();

			if (at_end || t - last_report >= 0.1) {
				int64_t total = p->o.expected_size >= 0 ? p->o.expected_size
									: p->src->length;

				p->o.progress(p->produced, total,
					      t > start ? p->produced / (t - start) : 0,
					      p->o.userdata);
				last_report = t;
			}
		}
		pthread_mutex_lock(&p->lock);
		if (c->len > 0) {
			p->tail = (p->tail + 1) % PREFETCH_NCHUNKS;
			p->count++;
		}
		if (at_end) {
			/* The reader gets every byte first, then the error. */
			p->producer_err = e;
			p->producer_done = true;
		}
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		if (at_end)
			return NULL;
	}
}

static int64_t ring_read(struct jl_prefetch *p, void *buf, size_t len, struct joblet_error **err)
{
	size_t n;

	pthread_mutex_lock(&p->lock);
	while (p->count == 0 && !p->producer_done)
		pthread_cond_wait(&p->cond, &p->lock);
	if (p->count == 0) {
		int32_t code = p->producer_err ? p->producer_err->code : 0;

		if (code)
			joblet_error_set(err, code, 0, "%s", p->producer_err->message);
		else
			p->consumer_eof = true;
		pthread_mutex_unlock(&p->lock);
		return code ? -code : 0;
	}
	struct chunk *c = &p->ring[p->head];
	n = c->len - p->head_pos < len ? c->len - p->head_pos : len;
	pthread_mutex_unlock(&p->lock);

	/* The chunk at head is ours until we hand it back. */
	memcpy(buf, c->data + p->head_pos, n);
	p->head_pos += n;
	if (p->head_pos == c->len) {
		pthread_mutex_lock(&p->lock);
		p->head = (p->head + 1) % PREFETCH_NCHUNKS;
		p->count--;
		p->head_pos = 0;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
	return (int64_t)n;
}

static int64_t prefetch_read(struct joblet_stream *s, void *buf, size_t len,
			     struct joblet_error **err)
{
	struct jl_prefetch *p = (struct jl_prefetch *)s;

	if (len == 0)
		return 0;
	if (p->peek_pos < p->peek_len) {
		size_t n = p->peek_len - p->peek_pos < len ? p->peek_len - p->peek_pos : len;

		memcpy(buf, p->peek + p->peek_pos, n);
		p->peek_pos += n;
		return (int64_t)n;
	}
	return ring_read(p, buf, len, err);
}

static void prefetch_close(struct joblet_stream *s)
{
	/* The reading end is borrowed: jl_prefetch_free() releases everything. */
	(void)s;
}

int jl_prefetch_peek(struct jl_prefetch *p, const uint8_t **ret_head, size_t len, size_t *ret_len,
		     struct joblet_error **err)
{
	if (!p->peek) {
		p->peek = malloc(len ? len : 1);
		if (!p->peek)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`",
						p->what);
		while (p->peek_len < len) {
			int64_t n = ring_read(p, p->peek + p->peek_len, len - p->peek_len, err);

			if (n < 0)
				return (int)n;
			if (n == 0)
				break;
			p->peek_len += (size_t)n;
		}
	}
	*ret_head = p->peek;
	*ret_len = p->peek_len;
	return 0;
}

int jl_prefetch_new(struct joblet_stream *src, const struct jl_prefetch_options *opts,
		    struct jl_prefetch **ret, struct joblet_error **err)
{
	struct jl_prefetch *p = calloc(1, sizeof(*p));
	int r;

	if (!p) {
		jl_stream_close(src);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot start a download");
	}
	p->src = src;
	p->o = *opts;
	p->base.size = sizeof(p->base);
	p->base.length = opts->expected_size >= 0 ? opts->expected_size : src->length;
	p->base.read = prefetch_read;
	p->base.close = prefetch_close;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	p->what = strdup(opts->what ? opts->what : "the package");
	if (!p->what)
		goto oom;
	p->o.what = p->what;
	for (int i = 0; i < PREFETCH_NCHUNKS; i++)
		if (!(p->ring[i].data = malloc(PREFETCH_CHUNK)))
			goto oom;
	sha256_init(&p->hash);
	p->hash_live = true;
	r = pthread_create(&p->thread, NULL, producer, p);
	if (r != 0) {
		jl_prefetch_free(p);
		return joblet_error_set(err, JOBLET_E_SYSTEM, r,
					"cannot start the download thread");
	}
	p->thread_started = true;
	*ret = p;
	return 0;
oom:
	jl_prefetch_free(p);
	return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot start a download");
}

struct joblet_stream *jl_prefetch_stream(struct jl_prefetch *p)
{
	return &p->base;
}

int jl_prefetch_finish(struct jl_prefetch *p, char ret_sha256[65], uint64_t *ret_bytes,
		       struct joblet_error **err)
{
	static const char hex[] = "0123456789abcdef";

	if (!p->consumer_eof || p->hash_live)
		return joblet_error_set(err, JOBLET_E_INTERNAL, 0, "`%s` was not read to its end",
					p->what);
	for (int i = 0; i < 32; i++) {
		ret_sha256[2 * i] = hex[p->digest[i] >> 4];
		ret_sha256[2 * i + 1] = hex[p->digest[i] & 15];
	}
	ret_sha256[64] = '\0';
	if (ret_bytes)
		*ret_bytes = p->produced;
	return 0;
}

void jl_prefetch_free(struct jl_prefetch *p)
{
	if (!p)
		return;
	if (p->thread_started) {
		pthread_mutex_lock(&p->lock);
		p->stop = true;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
	}
	jl_stream_close(p->src);
	for (int i = 0; i < PREFETCH_NCHUNKS; i++)
		free(p->ring[i].data);
	joblet_error_free(p->producer_err);
	pthread_cond_destroy(&p->cond);
	pthread_mutex_destroy(&p->lock);
	free(p->peek);
	free(p->what);
	free(p);
}
