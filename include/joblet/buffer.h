/*
 * joblet/buffer.h - a growable byte buffer owned by libjoblet.
 *
 * Part of the joblet SDK.  The core hands buffers to plugins to fill (a
 * registry index, an ETag), so that memory a plugin returns is always
 * allocated and freed by the library: a plugin never frees core memory and
 * the core never frees plugin memory.
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

/* A new empty buffer with no size limit. Free with joblet_buffer_free(). */
JOBLET_API int joblet_buffer_new(struct joblet_buffer **ret_buffer, struct joblet_error **err);

/* Free b; NULL is fine. */
JOBLET_API void joblet_buffer_free(struct joblet_buffer *b);

/*
 * Refuse to grow past max bytes (0 = no limit): an append that would pass it
 * fails with JOBLET_E_LIMIT and leaves the buffer as it was.
 */
JOBLET_API void joblet_buffer_set_limit(struct joblet_buffer *b, size_t max);

/* Append len bytes.  Returns 0, or negative (JOBLET_E_NOMEM, JOBLET_E_LIMIT). */
JOBLET_API int joblet_buffer_append(struct joblet_buffer *b, const void *data, size_t len,
				    struct joblet_error **err);

/* Append a NUL-terminated string (without its NUL). */
JOBLET_API int joblet_buffer_append_str(struct joblet_buffer *b, const char *s,
					struct joblet_error **err);

/* Forget the contents; keeps the allocation and the limit. */
JOBLET_API void joblet_buffer_reset(struct joblet_buffer *b);

/*
 * The bytes, always followed by a NUL that is not counted in the length, so
 * text can be used as a C string.  Borrowed; valid until the next change.
 */
JOBLET_API const char *joblet_buffer_data(const struct joblet_buffer *b);
JOBLET_API size_t joblet_buffer_length(const struct joblet_buffer *b);

/*
 * Base64 (RFC 4648, standard alphabet, padded).  Encode data[0..len) into
 * out, which needs 4 * ((len + 2) / 3) + 1 bytes; returns the length
 * written (out is NUL-terminated).
 */
JOBLET_API size_t joblet_base64_encode(const void *data, size_t len, char *out);

/*
 * Decode text[0..len) into out, which needs 3 * (len / 4) bytes; returns
 * the bytes written, or -1 for a character outside the alphabet, a length
 * that is not a multiple of 4 or misplaced padding.
 */
JOBLET_API int64_t joblet_base64_decode(const char *text, size_t len, void *out);

JOBLET_END_DECLS

#endif /* JOBLET_BUFFER_H */
