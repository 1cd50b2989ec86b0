/* job_metrics.c - the ring file of a job's samples (job/job_metrics.h). */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "job/job_metrics.h"

/* Offsets in the header. */
#define H_VERSION  8
#define H_RECSIZE  12
#define H_CAPACITY 16
#define H_INTERVAL 24
#define H_LATEST   32

/* The checksum sits in the last four bytes of a record and covers the rest. */
#define R_CHECKSUM (JL_METRICS_RECORD - 4)

/* The most samples a file may hold, whatever its header says (2 GiB of records). */
#define MAX_CAPACITY (UINT64_C(1) << 24)

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v = 0;

	for (int i = 3; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static uint32_t fnv1a(const uint8_t *p, size_t n)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

void jl_metrics_encode(const struct jl_metrics_sample *s, uint8_t *out)
{
	memset(out, 0, JL_METRICS_RECORD);
	put64(out + 0, s->seq);
	put64(out + 8, (uint64_t)s->ts_ns);
	put64(out + 16, s->cpu_usec);
	put32(out + 24, s->cpu_centipct);
	put32(out + 28, s->flags);
	put64(out + 32, s->memory_bytes);
	put64(out + 40, s->memory_peak_bytes);
	put64(out + 48, s->io_read_bytes);
	put64(out + 56, s->io_write_bytes);
	put64(out + 64, s->pids);
	put64(out + 72, s->net_rx_bytes);
	put64(out + 80, s->net_tx_bytes);
	put32(out + R_CHECKSUM, fnv1a(out, R_CHECKSUM));
}

int jl_metrics_decode(const uint8_t *in, struct jl_metrics_sample *ret)
{
	if (get64(in) == 0 || get32(in + R_CHECKSUM) != fnv1a(in, R_CHECKSUM))
		return -1;
	ret->seq = get64(in + 0);
	ret->ts_ns = (int64_t)get64(in + 8);
	ret->cpu_usec = get64(in + 16);
	ret->cpu_centipct = get32(in + 24);
	ret->flags = get32(in + 28);
	ret->memory_bytes = get64(in + 32);
	ret->memory_peak_bytes = get64(in + 40);
	ret->io_read_bytes = get64(in + 48);
	ret->io_write_bytes = get64(in + 56);
	ret->pids = get64(in + 64);
	ret->net_rx_bytes = get64(in + 72);
	ret->net_tx_bytes = get64(in + 80);
	return 0;
}

uint32_t jl_metrics_cpu_centipct(uint64_t cpu_usec_delta, uint64_t wall_usec)
{
	unsigned __int128 v;

	if (wall_usec == 0)
		return 0;
	/* percent x 100 = cpu / wall x 10000, rounded */
	v = ((unsigned __int128)cpu_usec_delta * 10000 + wall_usec / 2) / wall_usec;
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static int pwrite_all(int fd, const void *buf, size_t len, off_t off)
{
	ssize_t n;

	do
		n = pwrite(fd, buf, len, off);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len)
		return 0;
	if (n >= 0)
		errno = ENOSPC;
	return -1;
}

/* ------------------------------------------------------------------ writing */

struct jl_metrics_writer {
	int fd;
	uint64_t capacity;
	uint64_t seq; /* the last one written */
	char *path;
};

int jl_metrics_writer_open(const char *dir, uint64_t capacity, uint64_t interval_ms,
			   struct jl_metrics_writer **ret, struct joblet_error **err)
{
	_cleanup_free_ char *path = jl_strdup_printf("%s/" JL_METRICS_FILE, dir);
	uint8_t h[JL_METRICS_HEADER] = { 0 };
	struct jl_metrics_writer *w;
	int fd;

	if (!path)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot sample the job");
	if (capacity < 1 || capacity > MAX_CAPACITY)
		return joblet_error_set(err, JOBLET_E_INVALID, EINVAL,
					"a metrics file holds 1 to %llu samples, not %llu",
					(unsigned long long)MAX_CAPACITY,
					(unsigned long long)capacity);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot create `%s`", path);
	memcpy(h, JL_METRICS_MAGIC, 8);
	put32(h + H_VERSION, JL_METRICS_VERSION);
	put32(h + H_RECSIZE, JL_METRICS_RECORD);
	put64(h + H_CAPACITY, capacity);
	put64(h + H_INTERVAL, interval_ms);
	if (pwrite_all(fd, h, sizeof(h), 0) < 0) {
		int e = errno;

		close(fd);
		return joblet_error_set(err, JOBLET_E_IO, e, "cannot write `%s`", path);
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		close(fd);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot sample the job");
	}
	w->fd = fd;
	w->capacity = capacity;
	w->path = TAKE_PTR(path);
	*ret = w;
	return 0;
}

int jl_metrics_writer_append(struct jl_metrics_writer *w, struct jl_metrics_sample *s,
			     struct joblet_error **err)
{
	uint8_t rec[JL_METRICS_RECORD], latest[8];
	off_t off;

	s->seq = w->seq + 1;
	off = (off_t)(JL_METRICS_HEADER + ((s->seq - 1) % w->capacity) * JL_METRICS_RECORD);
	jl_metrics_encode(s, rec);
	if (pwrite_all(w->fd, rec, sizeof(rec), off) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s`", w->path);
	w->seq = s->seq;
	put64(latest, s->seq);
	if (pwrite_all(w->fd, latest, sizeof(latest), H_LATEST) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot write `%s`", w->path);
	return 0;
}

void jl_metrics_writer_free(struct jl_metrics_writer *w)
{
	if (!w)
		return;
	close(w->fd);
	free(w->path);
	free(w);
}

/* ------------------------------------------------------------------ reading */

struct jl_metrics_reader {
	int fd; /* -1 until the file exists */
	uint64_t capacity, interval_ms;
	uint64_t next; /* the seq to return next */
	char *path;
};

/* Open the file and read its header once it exists: 1 open, 0 not there yet, -1 error. */
static int reader_ready(struct jl_metrics_reader *r, struct joblet_error **err)
{
	uint8_t h[JL_METRICS_HEADER];
	ssize_t n;
	int fd;

	if (r->fd >= 0)
		return 1;
	fd = open(r->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", r->path);
	n = pread(fd, h, sizeof(h), 0);
	if (n >= 0 && n < (ssize_t)sizeof(h)) {
		/* Created, header not written yet: look again later. */
		close(fd);
		return 0;
	}
	if (n < 0 || memcmp(h, JL_METRICS_MAGIC, 8) != 0 ||
	    get32(h + H_RECSIZE) != JL_METRICS_RECORD || get64(h + H_CAPACITY) < 1 ||
	    get64(h + H_CAPACITY) > MAX_CAPACITY) {
		close(fd);
		return joblet_error_set(err, JOBLET_E_IO, n < 0 ? errno : EINVAL,
					"`%s` is not a metrics file of this joblet", r->path);
	}
	r->fd = fd;
	r->capacity = get64(h + H_CAPACITY);
	r->interval_ms = get64(h + H_INTERVAL);
	return 1;
}

int jl_metrics_reader_open(const char *dir, uint64_t after, struct jl_metrics_reader **ret,
			   struct joblet_error **err)
{
	struct jl_metrics_reader *r = calloc(1, sizeof(*r));

	if (!r || !(r->path = jl_strdup_printf("%s/" JL_METRICS_FILE, dir))) {
		free(r);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the metrics");
	}
	r->fd = -1;
	r->next = after + 1;
	if (reader_ready(r, err) < 0) {
		jl_metrics_reader_free(r);
		return -1;
	}
	*ret = r;
	return 0;
}

/* The sample in the slot of seq: 1 decoded, 0 empty or half-written, -1 error. */
static int read_slot(struct jl_metrics_reader *r, uint64_t seq, struct jl_metrics_sample *ret,
		     struct joblet_error **err)
{
	uint8_t rec[JL_METRICS_RECORD];
	off_t off = (off_t)(JL_METRICS_HEADER + ((seq - 1) % r->capacity) * JL_METRICS_RECORD);
	ssize_t n = pread(r->fd, rec, sizeof(rec), off);

	if (n < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot read `%s`", r->path);
	if (n < (ssize_t)sizeof(rec))
		return 0;
	return jl_metrics_decode(rec, ret) == 0 ? 1 : 0;
}

/* The header's latest seq: 0 when none yet (or it cannot be read: then the slots tell). */
static uint64_t read_latest(const struct jl_metrics_reader *r)
{
	uint8_t latest[8];

	if (pread(r->fd, latest, sizeof(latest), H_LATEST) != (ssize_t)sizeof(latest))
		return 0;
	return get64(latest);
}

int jl_metrics_reader_next(struct jl_metrics_reader *r, struct jl_metrics_sample *ret,
			   struct joblet_error **err)
{
	int k = reader_ready(r, err);

	if (k <= 0)
		return k;
	/* A lap moves next to the oldest kept; the writer may lap it again meanwhile. */
	for (int tries = 0; tries < 8; tries++) {
		struct jl_metrics_sample s;
		uint64_t latest, oldest;

		k = read_slot(r, r->next, &s, err);
		if (k <= 0 || s.seq < r->next)
			return k < 0 ? -1 : 0;
		if (s.seq == r->next) {
			r->next++;
			*ret = s;
			return 1;
		}
		/* Overwritten before it was read: on at the oldest still kept. */
		latest = read_latest(r);
		if (latest < s.seq)
			latest = s.seq;
		oldest = latest - r->capacity + 1;
		r->next = oldest > r->next ? oldest : r->next + 1;
	}
	return 0;
}

int jl_metrics_reader_latest(struct jl_metrics_reader *r, struct jl_metrics_sample *ret,
			     struct joblet_error **err)
{
	uint64_t seq;
	int k = reader_ready(r, err);

	if (k <= 0)
		return k;
	seq = read_latest(r);
	if (seq == 0)
		return 0;
	k = read_slot(r, seq, ret, err);
	return k == 1 && ret->seq == seq ? 1 : k < 0 ? -1 : 0;
}

uint64_t jl_metrics_reader_interval_ms(const struct jl_metrics_reader *r)
{
	return r->interval_ms;
}

void jl_metrics_reader_free(struct jl_metrics_reader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->path);
	free(r);
}
