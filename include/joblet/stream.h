/*
 * joblet/stream.h - a byte stream read by pulling.
 *
 * Part of the joblet SDK.  A registry plugin returns one for a package
 * download; the core wraps it (hashing, counting, size checks) and an
 * archive plugin pulls from the wrapper while the bytes arrive, so a package
 * is unpacked as it downloads and never sits whole in memory or on disk.
 *
 * Whoever creates a stream embeds this struct first in its own and fills
 * the function pointers; whoever receives it owns it and must call close()
 * exactly once.  A stream is used by one thread at a time.
 */
#ifndef JOBLET_STREAM_H
#define JOBLET_STREAM_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/common.h>
#include <joblet/error.h>

JOBLET_BEGIN_DECLS

struct joblet_stream {
	uint32_t size; /* sizeof(struct joblet_stream) at build time */
	uint32_t reserved0;
	/* Total bytes the stream will deliver when known (Content-Length), else -1. */
	int64_t length;
	/*
	 * REQUIRED.  Block until at least one byte, the end, or an error.
	 * Returns the number of bytes stored in buf (1..len), 0 at the end of
	 * the stream, or negative with *err set.  After the end or an error,
	 * further calls return the same result.
	 */
	int64_t (*read)(struct joblet_stream *s, void *buf, size_t len, struct joblet_error **err);
	/* REQUIRED.  Release everything; s must not be used afterwards. */
	void (*close)(struct joblet_stream *s);
	void *reserved[2]; /* must be NULL */
};

/*
 * A stream over an open file descriptor (a local package).  The stream
 * owns fd and closes it.  Its length is the file's size for regular files,
 * else -1.  Read errors are JOBLET_E_IO.
 */
JOBLET_API int joblet_stream_from_fd(int fd, const char *name, struct joblet_stream **ret_stream,
				     struct joblet_error **err);

JOBLET_END_DECLS

#endif /* JOBLET_STREAM_H */
