/*
 * joblet/buffer.h - a growable byte buffer owned by libjoblet.
 *
 * Part of the joblet SDK.  The core hands buffers to plugins to fill (a
 * registry index, an ETag), so that memory a plugin returns is always
 * allocated and freed by the library: a plugin never frees core memory and
 * the core never frees plugin memory.  A plugin appends to a buffer, may
 * empty it and ask its length; creating, limiting and reading buffers is
 * the core's.
 *
 * Not thread-safe: one buffer, one thread at a time.
 */
#ifndef JOBLET_BUFFER_H
#define JOBLET_BUFFER_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/common.h>
#include <joblet/error.h>

JOBLET_BEGIN_DECLS

struct joblet_buffer;

/* Append len bytes.  Returns 0, or negative (JOBLET_E_NOMEM, JOBLET_E_LIMIT). */
JOBLET_API int joblet_buffer_append(struct joblet_buffer *b, const void *data, size_t len,
				    struct joblet_error **err);

/* Append a NUL-terminated string (without its NUL). */
JOBLET_API int joblet_buffer_append_str(struct joblet_buffer *b, const char *s,
					struct joblet_error **err);

/* Forget the contents; keeps the allocation and the limit. */
JOBLET_API void joblet_buffer_reset(struct joblet_buffer *b);

/* How many bytes it holds. */
JOBLET_API size_t joblet_buffer_length(const struct joblet_buffer *b);

JOBLET_END_DECLS

#endif /* JOBLET_BUFFER_H */
