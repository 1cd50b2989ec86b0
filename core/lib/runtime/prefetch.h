/*
 * prefetch.h - read a stream ahead in its own thread, hashing as it goes.
 *
 * The install pipeline downloads, hashes and unpacks at once: a producer
 * thread pulls the package from the registry plugin's stream into a small
 * ring of buffers, computing SHA-256 and counting bytes, while the archive
 * plugin reads from the other end.  Memory stays at the ring's size
 * whatever the package size.  Size rules are checked as bytes arrive: more
 * than the index announced, or than the limit, fails at once.
 */
#ifndef JL_PREFETCH_H
#define JL_PREFETCH_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/error.h>
#include <joblet/stream.h>

struct jl_prefetch;

/* Called from the producer thread as bytes arrive (not more than ~10 times a second). */
typedef void (*jl_prefetch_progress_fn)(uint64_t done, int64_t total, double rate_bps,
					void *userdata);

struct jl_prefetch_options {
	int64_t expected_size; /* what the index says, or -1 */
	int64_t max_bytes;     /* refuse more than this (0 = no limit) */
	const char *what;      /* the URL, for messages */
	jl_prefetch_progress_fn progress;
	void *userdata;
};

/* Start reading src (ownership passes to the prefetch, also on failure). */
int jl_prefetch_new(struct joblet_stream *src, const struct jl_prefetch_options *opts,
		    struct jl_prefetch **ret, struct joblet_error **err);

/* The reading end (borrowed; valid until jl_prefetch_free). */
struct joblet_stream *jl_prefetch_stream(struct jl_prefetch *p);

/*
 * Look at the first bytes without consuming them (they are read again
 * through the stream).  *ret_len may be less than len at the end.
 */
int jl_prefetch_peek(struct jl_prefetch *p, const uint8_t **ret_head, size_t len, size_t *ret_len,
		     struct joblet_error **err);

/*
 * After the reader saw the end: the SHA-256 (lower-case hex) and the byte
 * count.  Fails when the stream has not been read to its end.
 */
int jl_prefetch_finish(struct jl_prefetch *p, char ret_sha256[65], uint64_t *ret_bytes,
		       struct joblet_error **err);

/* Stop the producer, wait for it, close the source.  NULL is fine. */
void jl_prefetch_free(struct jl_prefetch *p);

#endif /* JL_PREFETCH_H */
