/* job_log.c - the framed job log: writer (the shim) and reader (everyone else). */
#include <config.h>

#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>

#include <joblet/job.h>

#include "job/job_private.h"
#include "base/util.h"
#include "base/log.h"
#include "job/job_log.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

void jl_log_header_encode(uint8_t out[JL_LOG_HEADER], int32_t stream, uint32_t len, uint64_t seq,
			  int64_t ts_ns)
{
	put16(out, JL_LOG_MAGIC);
	out[2] = JL_LOG_VERSION;
	out[3] = (uint8_t)stream;
	put32(out + 4, len);
	put64(out + 8, seq);
	put64(out + 16, (uint64_t)ts_ns);
}

int jl_log_header_decode(const uint8_t in[JL_LOG_HEADER], int32_t *stream, uint32_t *len,
			 uint64_t *seq, int64_t *ts_ns)
{
	uint32_t l = (uint32_t)in[4] | (uint32_t)in[5] << 8 | (uint32_t)in[6] << 16 |
		     (uint32_t)in[7] << 24;

	if (((uint16_t)in[0] | (uint16_t)in[1] << 8) != JL_LOG_MAGIC || in[2] != JL_LOG_VERSION ||
	    in[3] < JL_STREAM_STDOUT || in[3] > JL_STREAM_SYSTEM || l == 0 || l > JL_LOG_MAX_RECORD)
		return -1;
	*stream = in[3];
	*len = l;
	*seq = get64(in + 8);
	*ts_ns = (int64_t)get64(in + 16);
	return 0;
}

struct jl_log_writer {
	int fd;
	uint64_t seq;
	off_t size; /* bytes of whole records: where a torn one is cut back to */
	char *path;
	uint64_t cap;	  /* the most bytes of the file the job's records take; 0 = none */
	uint64_t kept;	  /* bytes of the job's output in the log */
	uint64_t dropped; /* bytes of the job's output dropped past the cap */
	bool truncated;	  /* the cap was reached: no more of the job's output */
};

int jl_log_writer_open(const char *path, struct jl_log_writer **ret, struct joblet_error **err)
{
	struct jl_log_writer *w = calloc(1, sizeof(*w));

	if (!w || !(w->path = strdup(path))) {
		free(w);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot open the job log");
	}
	/* jl_job_create() made it empty; a log with records is another run's. */
	w->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
	if (w->fd >= 0) {
		struct stat st;

		if (fstat(w->fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != 0) {
			close(w->fd);
			w->fd = -1;
			errno = EEXIST;
		}
	}
	if (w->fd < 0) {
		int e = errno;

		free(w->path);
		free(w);
		return joblet_error_set(err, JOBLET_E_IO, e, "cannot create the job log `%s`",
					path);
	}
	*ret = w;
	return 0;
}

/* One record as it is, with no cap. */
static int append_record(struct jl_log_writer *w, int32_t stream, const void *data, size_t len,
			 struct joblet_error **err)
{
	uint8_t head[JL_LOG_HEADER];
	struct iovec iov[2];
	struct timespec ts;
	ssize_t n;

	if (len == 0)
		return 0;
	if (len > JL_LOG_MAX_RECORD)
		return joblet_error_set(err, JOBLET_E_INTERNAL, 0,
					"log record of %zu bytes is too big", len);
	clock_gettime(CLOCK_REALTIME, &ts);
	jl_log_header_encode(head, stream, (uint32_t)len, w->seq + 1,
			     (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec);
	iov[0] = (struct iovec){ head, sizeof(head) };
	iov[1] = (struct iovec){ (void *)data, len };
	do
		n = writev(w->fd, iov, 2);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)(sizeof(head) + len)) {
		w->seq++;
		w->size += n;
		return 0;
	}
	/*
	 * A short write (disk full) leaves a torn record at the end: cut it
	 * off so the log stays whole, and let the caller try again later.
	 */
	if (n > 0 && ftruncate(w->fd, w->size) < 0)
		jl_log(JOBLET_LOG_ERROR, NULL, "cannot repair the job log `%s`", w->path);
	return joblet_error_set(err, JOBLET_E_IO, n < 0 ? errno : ENOSPC,
				"cannot write the job log `%s`", w->path);
}

/* A system record of what joblet says, formatted. */
static int append_system(struct jl_log_writer *w, struct joblet_error **err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int append_system(struct jl_log_writer *w, struct joblet_error **err, const char *fmt, ...)
{
	char text[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(text))
		return joblet_error_set(err, JOBLET_E_INTERNAL, 0, "a log marker is too long");
	return append_record(w, JL_STREAM_SYSTEM, text, (size_t)n, err);
}

/*
 * The job's record that crosses the cap: the part that fits is kept (its
 * failure is the caller's to retry, nothing counted), the rest dropped,
 * and a system record says so at once, so that a follower knows why the
 * output stops.  Its failure (the disk is full) is not fatal: the final
 * marker (jl_log_writer_finish) says it again.
 */
static int append_crossing(struct jl_log_writer *w, int32_t stream, const void *data, size_t len,
			   struct joblet_error **err)
{
	uint64_t used = (uint64_t)w->size + JL_LOG_HEADER;
	size_t room = w->cap > used ? (size_t)(w->cap - used < len ? w->cap - used : len) : 0;
	struct joblet_error *e = NULL;

	if (room > 0 && append_record(w, stream, data, room, err) < 0)
		return -1;
	w->kept += room;
	w->dropped += len - room;
	w->truncated = true;
	if (append_system(w, &e, "log truncated after %llu bytes (max_log); the rest is dropped",
			  (unsigned long long)w->kept) < 0) {
		jl_log(JOBLET_LOG_WARNING, NULL, "%s", joblet_error_message(e));
		joblet_error_free(e);
	}
	return 0;
}

int jl_log_writer_append(struct jl_log_writer *w, int32_t stream, const void *data, size_t len,
			 struct joblet_error **err)
{
	if (stream == JL_STREAM_SYSTEM || len == 0)
		return append_record(w, stream, data, len, err);
	if (w->truncated) {
		w->dropped += len;
		return 0;
	}
	if (w->cap && (uint64_t)w->size + JL_LOG_HEADER + len > w->cap)
		return append_crossing(w, stream, data, len, err);
	if (append_record(w, stream, data, len, err) < 0)
		return -1;
	w->kept += len;
	return 0;
}

void jl_log_writer_set_cap(struct jl_log_writer *w, uint64_t bytes)
{
	w->cap = bytes;
}

uint64_t jl_log_writer_kept(const struct jl_log_writer *w)
{
	return w->kept;
}

uint64_t jl_log_writer_dropped(const struct jl_log_writer *w)
{
	return w->dropped;
}

int jl_log_writer_finish(struct jl_log_writer *w, struct joblet_error **err)
{
	if (!w->truncated)
		return 0;
	return append_system(w, err, "log truncated after %llu bytes, %llu bytes dropped",
			     (unsigned long long)w->kept, (unsigned long long)w->dropped);
}

uint64_t jl_log_writer_seq(const struct jl_log_writer *w)
{
	return w->seq;
}

void jl_log_writer_free(struct jl_log_writer *w)
{
	if (!w)
		return;
	close(w->fd);
	free(w->path);
	free(w);
}

/* ------------------------------------------------------------------ reader */

struct jl_log_reader {
	int fd;
	int inotify_fd;
	uint8_t *buf; /* bytes read, not yet consumed: buf[off..len) */
	size_t off, len, cap;
	uint64_t last_seq;
	char *path;
};

int jl_log_reader_open(const char *state_dir, struct jl_log_reader **ret, struct joblet_error **err)
{
	return jl_log_reader_open_flags(state_dir, 0, ret, err);
}

int jl_log_reader_open_flags(const char *state_dir, uint32_t flags, struct jl_log_reader **ret,
			     struct joblet_error **err)
{
	struct jl_log_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the job log");
	r->inotify_fd = -1;
	r->cap = 2 * (JL_LOG_HEADER + JL_LOG_MAX_RECORD);
	r->buf = malloc(r->cap);
	r->path = jl_strdup_printf("%s/log", state_dir);
	if (!r->buf || !r->path) {
		jl_log_reader_free(r);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the job log");
	}
	r->fd = open(r->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (r->fd < 0) {
		int e = errno;

		jl_log_reader_free(r);
		return joblet_error_set(err, e == ENOENT ? JOBLET_E_NOT_FOUND : JOBLET_E_IO, e,
					"cannot open the job log in `%s`", state_dir);
	}
	r->inotify_fd =
		flags & JL_LOG_READER_NO_WATCH ? -1 : inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (r->inotify_fd >= 0 && inotify_add_watch(r->inotify_fd, r->path, IN_MODIFY) < 0) {
		close(r->inotify_fd);
		r->inotify_fd = -1;
	}
	*ret = r;
	return 0;
}

void jl_log_reader_free(struct jl_log_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	if (r->inotify_fd >= 0)
		close(r->inotify_fd);
	free(r->buf);
	free(r->path);
	free(r);
}

int jl_log_reader_fd(struct jl_log_reader *r)
{
	return r->inotify_fd;
}

void jl_log_reader_ack(struct jl_log_reader *r)
{
	char buf[4096];

	if (r->inotify_fd >= 0)
		while (read(r->inotify_fd, buf, sizeof(buf)) > 0)
			;
}

int jl_log_reader_next(struct jl_log_reader *r, struct jl_log_record *rec,
		       struct joblet_error **err)
{
	for (;;) {
		size_t have = r->len - r->off;
		uint32_t len;
		uint64_t seq;
		int64_t ts;
		int32_t stream;
		ssize_t n;

		if (have >= JL_LOG_HEADER) {
			if (jl_log_header_decode(r->buf + r->off, &stream, &len, &seq, &ts) < 0 ||
			    seq != r->last_seq + 1)
				return joblet_error_set(
					err, JOBLET_E_PARSE, 0,
					"the job log `%s` is corrupt after record %llu", r->path,
					(unsigned long long)r->last_seq);
			if (have >= JL_LOG_HEADER + len) {
				rec->stream = stream;
				rec->reserved = 0;
				rec->seq = seq;
				rec->ts_ns = ts;
				rec->data = r->buf + r->off + JL_LOG_HEADER;
				rec->len = len;
				r->off += JL_LOG_HEADER + len;
				r->last_seq = seq;
				return 1;
			}
		}
		/* Need more: keep the unconsumed part, read after it. */
		if (r->off > 0) {
			memmove(r->buf, r->buf + r->off, have);
			r->len = have;
			r->off = 0;
		}
		n = read(r->fd, r->buf + r->len, r->cap - r->len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return joblet_error_set(err, JOBLET_E_IO, errno,
						"cannot read the job log `%s`", r->path);
		}
		if (n == 0)
			return 0;
		r->len += (size_t)n;
	}
}

int jl_log_reader_skip(struct jl_log_reader *r, uint64_t seq, struct joblet_error **err)
{
	while (r->last_seq < seq) {
		size_t have = r->len - r->off;
		uint8_t head[JL_LOG_HEADER];
		uint32_t len;
		uint64_t s;
		int64_t ts;
		int32_t stream;
		struct stat st;
		off_t pos;
		ssize_t n;

		if (have > 0) {
			/* Records already read: consume them the ordinary way. */
			struct jl_log_record rec;
			int k = jl_log_reader_next(r, &rec, err);

			if (k <= 0)
				return k;
			continue;
		}
		/* Nothing buffered: read just the header, seek over the bytes. */
		n = read(r->fd, head, sizeof(head));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return joblet_error_set(err, JOBLET_E_IO, errno,
						"cannot read the job log `%s`", r->path);
		}
		if (n == 0)
			return 0;
		if ((size_t)n < sizeof(head) ||
		    jl_log_header_decode(head, &stream, &len, &s, &ts) < 0 ||
		    s != r->last_seq + 1) {
			/* A partial header (or a corrupt one): let next() deal with it. */
			memcpy(r->buf, head, (size_t)n);
			r->off = 0;
			r->len = (size_t)n;
			if ((size_t)n < sizeof(head))
				return 0;
			continue;
		}
		pos = lseek(r->fd, 0, SEEK_CUR);
		/* Seek only over bytes that are there: a torn record may still be cut off. */
		if (pos < 0 || fstat(r->fd, &st) < 0 || st.st_size < pos + (off_t)len) {
			memcpy(r->buf, head, sizeof(head));
			r->off = 0;
			r->len = sizeof(head);
			return 0;
		}
		if (lseek(r->fd, (off_t)len, SEEK_CUR) < 0)
			return joblet_error_set(err, JOBLET_E_IO, errno,
						"cannot read the job log `%s`", r->path);
		r->last_seq = s;
	}
	return 0;
}
