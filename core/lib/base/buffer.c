/* buffer.c - struct joblet_buffer and the stream helper. */
#include <config.h>

#include <sys/stat.h>

#include <joblet/buffer.h>
#include <joblet/stream.h>

#include "base/util.h"
#include "base/buffer.h"

struct joblet_buffer {
	char *data;
	size_t len;
	size_t cap;
	size_t limit;
};

int jl_buffer_new(struct joblet_buffer **ret_buffer, struct joblet_error **err)
{
	struct joblet_buffer *b = calloc(1, sizeof(*b));

	if (!b)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot allocate a buffer");
	*ret_buffer = b;
	return 0;
}

void jl_buffer_free(struct joblet_buffer *b)
{
	if (!b)
		return;
	free(b->data);
	free(b);
}

void jl_buffer_set_limit(struct joblet_buffer *b, size_t max)
{
	b->limit = max;
}

int joblet_buffer_append(struct joblet_buffer *b, const void *data, size_t len,
			 struct joblet_error **err)
{
	if (len == 0)
		return 0;
	if (len > SIZE_MAX - b->len - 1 || (b->limit && b->len + len > b->limit))
		return joblet_error_set(err, JOBLET_E_LIMIT, 0,
					"more than the %zu bytes allowed here", b->limit);
	if (b->len + len + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 256;
		char *nd;

		while (ncap < b->len + len + 1)
			ncap = ncap > SIZE_MAX / 2 ? b->len + len + 1 : ncap * 2;
		nd = realloc(b->data, ncap);
		if (!nd)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						"cannot grow a buffer to %zu bytes", ncap);
		b->data = nd;
		b->cap = ncap;
	}
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

int joblet_buffer_append_str(struct joblet_buffer *b, const char *s, struct joblet_error **err)
{
	return joblet_buffer_append(b, s, strlen(s), err);
}

void joblet_buffer_reset(struct joblet_buffer *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

const char *jl_buffer_data(const struct joblet_buffer *b)
{
	return b->data ? b->data : "";
}

size_t joblet_buffer_length(const struct joblet_buffer *b)
{
	return b->len;
}

void jl_stream_close(struct joblet_stream *s)
{
	if (s && s->close)
		s->close(s);
}

struct fd_stream {
	struct joblet_stream base;
	int fd;
	int failed_errno; /* sticky: a failed stream keeps failing */
	bool at_end;
	char *name;
};

static int64_t fd_stream_read(struct joblet_stream *s, void *buf, size_t len,
			      struct joblet_error **err)
{
	struct fd_stream *f = (struct fd_stream *)s;

	while (!f->failed_errno && !f->at_end) {
		ssize_t n = read(f->fd, buf, len);

		if (n > 0)
			return n;
		if (n == 0)
			f->at_end = len > 0;
		else if (errno != EINTR)
			f->failed_errno = errno;
		if (n == 0)
			return 0;
	}
	if (f->failed_errno)
		return joblet_error_set(err, JOBLET_E_IO, f->failed_errno, "cannot read `%s`",
					f->name);
	return 0;
}

static void fd_stream_close(struct joblet_stream *s)
{
	struct fd_stream *f = (struct fd_stream *)s;

	close(f->fd);
	free(f->name);
	free(f);
}

int joblet_stream_from_fd(int fd, const char *name, struct joblet_stream **ret_stream,
			  struct joblet_error **err)
{
	struct fd_stream *f = calloc(1, sizeof(*f));
	struct stat st;

	if (!f || !(f->name = strdup(name ? name : "(file)"))) {
		free(f);
		close(fd);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read `%s`", name);
	}
	f->fd = fd;
	f->base.size = sizeof(f->base);
	f->base.length = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (int64_t)st.st_size : -1;
	f->base.read = fd_stream_read;
	f->base.close = fd_stream_close;
	*ret_stream = &f->base;
	return 0;
}
