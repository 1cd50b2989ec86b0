/*
 * base/buffer.h - creating and reading buffers, closing streams.
 *
 * Private tier (base/private.h).  Plugins only fill buffers and return
 * streams (<joblet/buffer.h>, <joblet/stream.h>); the core makes, limits,
 * reads and frees them.
 */
#ifndef JL_BUFFER_H
#define JL_BUFFER_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/buffer.h>
#include <joblet/error.h>
#include <joblet/stream.h>

#include "base/private.h"

/* A new empty buffer with no size limit. Free with jl_buffer_free(). */
JL_API int jl_buffer_new(struct joblet_buffer **ret_buffer, struct joblet_error **err);

/* Free b; NULL is fine. */
JL_API void jl_buffer_free(struct joblet_buffer *b);

/*
 * Refuse to grow past max bytes (0 = no limit): an append that would pass it
 * fails with JOBLET_E_LIMIT and leaves the buffer as it was.
 */
JL_API void jl_buffer_set_limit(struct joblet_buffer *b, size_t max);

/*
 * The bytes, always followed by a NUL that is not counted in the length, so
 * text can be used as a C string.  Borrowed; valid until the next change.
 */
JL_API const char *jl_buffer_data(const struct joblet_buffer *b);

/* Call s->close(s) when s is not NULL.  Convenience for owners. */
JL_API void jl_stream_close(struct joblet_stream *s);

#endif /* JL_BUFFER_H */
