/*
 * upload_stream.c - the limits of request bodies, and the multipart form
 * of POST /v1/jobs spooled to disk as it arrives (upload_stream.h).
 *
 * A JSON body is held in memory three times over while it is parsed and
 * decoded (the body, json-c's copy, the decoded files), so its cost counts
 * three times against a budget all requests share; a multipart body costs
 * a fixed few tens of KiB whatever the size of its files.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/fsutil.h"
#include "base/log.h"
#include "common/uploads.h"
#include "server.h"
#include "upload_stream.h"

/* What a byte of a JSON body costs while it is parsed and decoded. */
#define JSON_COST 3
/* The `job` part of a multipart body. */
#define MAX_JOB_PART (1 << 20)
/* Files and folders of one multipart body (as jl_uploads_decode). */
#define MAX_ITEMS 10000
/* What MHD's multipart parser buffers. */
#define PP_BUFFER (32 * 1024)

/* ------------------------------------------------------------------ the limits */

struct ident_count {
	char cn[256];
	int64_t n;
};

struct gate {
	pthread_mutex_t lock;
	int64_t buffered; /* cost of the bodies held in memory */
	int64_t streams;
	struct ident_count *ids;
	size_t n_ids, cap_ids;
	struct body_stats refused;
};

static struct gate gate = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* Under gate.lock: the slot of cn (created when asked); NULL without memory. */
static struct ident_count *ident_slot(const char *cn, bool create)
{
	for (size_t i = 0; i < gate.n_ids; i++)
		if (strcmp(gate.ids[i].cn, cn) == 0)
			return &gate.ids[i];
	if (!create)
		return NULL;
	if (gate.n_ids == gate.cap_ids) {
		size_t ncap = gate.cap_ids ? gate.cap_ids * 2 : 16;
		struct ident_count *g = realloc(gate.ids, ncap * sizeof(*g));

		if (!g)
			return NULL;
		gate.ids = g;
		gate.cap_ids = ncap;
	}
	snprintf(gate.ids[gate.n_ids].cn, sizeof(gate.ids[0].cn), "%s", cn);
	gate.ids[gate.n_ids].n = 0;
	return &gate.ids[gate.n_ids++];
}

void body_stats(struct body_stats *ret)
{
	pthread_mutex_lock(&gate.lock);
	*ret = gate.refused;
	ret->buffered_bytes = gate.buffered;
	ret->streams = gate.streams;
	pthread_mutex_unlock(&gate.lock);
}

static bool is_multipart(const char *ct)
{
	return ct && strncasecmp(ct, "multipart/form-data", 19) == 0 &&
	       (ct[19] == ';' || ct[19] == ' ' || ct[19] == '\0');
}

/*
 * Under gate.lock: take rq's share, or say why not (0 when taken).  len is
 * the announced body length, or -1.
 */
static unsigned int hold(struct request *rq, bool multipart, int64_t len)
{
	const struct jl_config *cfg = rq->d->cfg;
	struct ident_count *id = ident_slot(rq->who.cn, true);
	int64_t cost = len > 0 ? JSON_COST * len : 0;

	if (!id)
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	if (id->n >= cfg->max_uploads_per_identity) {
		gate.refused.refused_identity++;
		return MHD_HTTP_TOO_MANY_REQUESTS;
	}
	if (multipart && gate.streams >= cfg->max_streamed_uploads) {
		gate.refused.refused_busy++;
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	if (!multipart && cost > cfg->max_buffered_bytes) {
		gate.refused.refused_large++;
		return MHD_HTTP_CONTENT_TOO_LARGE;
	}
	if (!multipart && gate.buffered + cost > cfg->max_buffered_bytes) {
		gate.refused.refused_busy++;
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	}
	id->n++;
	rq->held_identity = true;
	if (multipart) {
		gate.streams++;
		rq->held_stream = true;
	}
	gate.buffered += cost;
	rq->held_bytes = cost;
	return 0;
}

static int refuse(struct request *rq, unsigned int status, bool multipart)
{
	const struct jl_config *cfg = rq->d->cfg;

	if (status == MHD_HTTP_TOO_MANY_REQUESTS)
		return reply_error(
			rq, status, JOBLET_E_LIMIT,
			"`%s` already has %lld requests with a body in flight (server.max_uploads_per_identity); wait for one to end",
			rq->who.cn, (long long)cfg->max_uploads_per_identity);
	if (status == MHD_HTTP_CONTENT_TOO_LARGE)
		return reply_error(
			rq, status, JOBLET_E_LIMIT,
			"a JSON body costs 3 times its size in memory and this one does not fit in server.max_buffered_bytes (%lld bytes); send the files as multipart/form-data (as rnx does)",
			(long long)cfg->max_buffered_bytes);
	if (multipart)
		return reply_error(
			rq, status, JOBLET_E_LIMIT,
			"%lld uploads are being received (server.max_streamed_uploads); try again shortly",
			(long long)cfg->max_streamed_uploads);
	return reply_error(
		rq, status, JOBLET_E_LIMIT,
		"the request bodies held in memory fill server.max_buffered_bytes (%lld bytes); try again shortly, or send files as multipart/form-data",
		(long long)cfg->max_buffered_bytes);
}

static int upload_stream_new(struct request *rq);

int body_start(struct request *rq)
{
	const char *cl = request_header(rq, MHD_HTTP_HEADER_CONTENT_LENGTH);
	const char *te = request_header(rq, MHD_HTTP_HEADER_TRANSFER_ENCODING);
	bool multipart = is_multipart(request_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE));
	/* start_request() has checked the number. */
	int64_t len = cl ? (int64_t)strtoll(cl, NULL, 10) : -1;
	unsigned int status;

	if (len <= 0 && !te)
		return MHD_YES;
	if (multipart && !(rq->route->flags & ROUTE_UPLOAD))
		return reply_error(rq, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, JOBLET_E_INVALID,
				   "`%s %s` takes a JSON body, not multipart/form-data", rq->method,
				   rq->path);
	pthread_mutex_lock(&gate.lock);
	status = hold(rq, multipart, len);
	pthread_mutex_unlock(&gate.lock);
	if (status) {
		if (request_read_before_refusal(rq, len)) {
			rq->refused = status;
			return MHD_YES;
		}
		return refuse(rq, status, multipart);
	}
	if (multipart)
		(void)upload_stream_new(rq); /* a failure is answered there */
	return MHD_YES;
}

unsigned int body_grow(struct request *rq, size_t n)
{
	const struct jl_config *cfg = rq->d->cfg;
	int64_t cost = JSON_COST * (int64_t)n;
	unsigned int status = 0;

	pthread_mutex_lock(&gate.lock);
	if (rq->held_bytes + cost > cfg->max_buffered_bytes) {
		gate.refused.refused_large++;
		status = MHD_HTTP_CONTENT_TOO_LARGE;
	} else if (gate.buffered + cost > cfg->max_buffered_bytes) {
		gate.refused.refused_busy++;
		status = MHD_HTTP_SERVICE_UNAVAILABLE;
	} else {
		gate.buffered += cost;
		rq->held_bytes += cost;
	}
	pthread_mutex_unlock(&gate.lock);
	return status;
}

int body_refusal(struct request *rq, unsigned int status)
{
	return refuse(rq, status, is_multipart(request_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE)));
}

static void upload_stream_free(struct upload_stream *us);

void body_end(struct request *rq)
{
	pthread_mutex_lock(&gate.lock);
	if (rq->held_identity) {
		struct ident_count *id = ident_slot(rq->who.cn, false);

		if (id && --id->n <= 0)
			*id = gate.ids[--gate.n_ids];
	}
	if (rq->held_stream)
		gate.streams--;
	gate.buffered -= rq->held_bytes;
	rq->held_bytes = 0;
	rq->held_identity = rq->held_stream = false;
	pthread_mutex_unlock(&gate.lock);
	upload_stream_free(rq->ups);
	rq->ups = NULL;
}

/* ------------------------------------------------------------------ the spool */

struct spooled {
	char *path;
	int mode;
	bool dir;
};

struct upload_stream {
	struct request *rq;
	struct MHD_PostProcessor *pp;
	int root_fd;   /* <state_dir>/uploads */
	char name[40]; /* the spool folder in it */
	int spool_fd;
	/* The part being read. */
	char *key, *filename;
	bool in_part;
	uint64_t part_bytes;
	int fd; /* the file being written, or -1 */
	char *job;
	size_t job_len;
	bool job_seen;
	struct spooled *items;
	size_t n, cap;
	uid_t uid;
	gid_t gid;
	/* The first failure, answered at the end of the body. */
	unsigned int status;
	int32_t code;
	char error[1024];
};

static void fail(struct upload_stream *us, unsigned int status, int32_t code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail(struct upload_stream *us, unsigned int status, int32_t code, const char *fmt, ...)
{
	va_list ap;

	if (us->status)
		return;
	us->status = status;
	us->code = code;
	va_start(ap, fmt);
	vsnprintf(us->error, sizeof(us->error), fmt, ap);
	va_end(ap);
}

/* <state_dir>/uploads, created 0700 (and made so) when missing. */
static int open_root(const char *state_dir)
{
	_cleanup_close_ int sfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int fd;

	if (sfd < 0)
		return -1;
	if (mkdirat(sfd, "uploads", 0700) < 0 && errno != EEXIST)
		return -1;
	fd = openat(sfd, "uploads", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd >= 0 && fchmod(fd, 0700) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int upload_stream_new(struct request *rq)
{
	struct upload_stream *us = calloc(1, sizeof(*us));
	uint8_t rnd[12];

	if (!us)
		return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_NOMEM,
				   "out of memory"),
		       -1;
	us->rq = rq;
	us->fd = us->spool_fd = -1;
	rq->ups = us;
	us->root_fd = open_root(rq->d->cfg->state_dir);
	for (int tries = 0; us->root_fd >= 0 && us->spool_fd < 0 && tries < 8; tries++) {
		if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
			break;
		for (size_t i = 0; i < sizeof(rnd); i++)
			snprintf(us->name + 2 * i, 3, "%02x", rnd[i]);
		if (mkdirat(us->root_fd, us->name, 0700) < 0) {
			us->name[0] = '\0';
			continue;
		}
		us->spool_fd = openat(us->root_fd, us->name,
				      O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (us->spool_fd < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "cannot make an upload spool in `%s/uploads`: %s",
		       rq->d->cfg->state_dir, strerror(errno));
		return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_IO,
				   "the daemon cannot spool uploads; its log says why"),
		       -1;
	}
	return 0;
}

static void upload_stream_free(struct upload_stream *us)
{
	struct joblet_error *e = NULL;

	if (!us)
		return;
	if (us->pp)
		MHD_destroy_post_processor(us->pp);
	if (us->fd >= 0)
		close(us->fd);
	if (us->spool_fd >= 0)
		close(us->spool_fd);
	if (us->root_fd >= 0 && us->name[0] && jl_rm_rf_at(us->root_fd, us->name, &e) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "%s", joblet_error_message(e));
		joblet_error_free(e);
	}
	if (us->root_fd >= 0)
		close(us->root_fd);
	for (size_t i = 0; i < us->n; i++)
		free(us->items[i].path);
	free(us->items);
	free(us->key);
	free(us->filename);
	free(us->job);
	free(us);
}

int upload_spool_clear(const char *state_dir, struct joblet_error **err)
{
	_cleanup_close_ int sfd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (sfd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", state_dir);
	return jl_rm_rf_at(sfd, "uploads", err);
}

static struct spooled *item_find(struct upload_stream *us, const char *path)
{
	for (size_t i = 0; i < us->n; i++)
		if (strcmp(us->items[i].path, path) == 0)
			return &us->items[i];
	return NULL;
}

static struct spooled *item_add(struct upload_stream *us, const char *path, size_t len, bool dir)
{
	struct spooled *it;

	if (us->n >= MAX_ITEMS) {
		fail(us, MHD_HTTP_CONTENT_TOO_LARGE, JOBLET_E_LIMIT,
		     "more than %d files and folders uploaded", MAX_ITEMS);
		return NULL;
	}
	if (us->n == us->cap) {
		size_t ncap = us->cap ? us->cap * 2 : 16;
		struct spooled *g = realloc(us->items, ncap * sizeof(*g));

		if (!g)
			return NULL;
		us->items = g;
		us->cap = ncap;
	}
	it = &us->items[us->n];
	it->path = strndup(path, len);
	if (!it->path)
		return NULL;
	it->dir = dir;
	it->mode = dir ? 0755 : 0644;
	us->n++;
	return it;
}

/* A folder made in the spool: remembered, to be given its owner and mode. */
static int spool_made(int fd, const char *path, size_t len, void *cls, struct joblet_error **err)
{
	(void)fd;
	if (!item_add(cls, path, len, true))
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	return 0;
}

/*
 * The folders of path in the spool, made when missing (and remembered);
 * the fd of the last (of path itself with last_too), or -1 after fail().
 */
static int spool_parents(struct upload_stream *us, const char *path, bool last_too)
{
	const char *slash = strrchr(path, '/');
	size_t len = last_too ? strlen(path) : slash ? (size_t)(slash - path) : 0;
	struct joblet_error *e = NULL;
	int fd = jl_open_folders_at(us->spool_fd, path, len, 0700, spool_made, us, &e);

	if (fd < 0) {
		int32_t code = e ? e->code : JOBLET_E_NOMEM;

		fail(us,
		     code == JOBLET_E_INVALID ? MHD_HTTP_BAD_REQUEST
					      : MHD_HTTP_INTERNAL_SERVER_ERROR,
		     code, "upload `%s`: %s", path, e ? joblet_error_message(e) : "out of memory");
		joblet_error_free(e);
		return -1;
	}
	return fd;
}

/* A part named `upload`: its file, created new in the spool. */
static void open_file_part(struct upload_stream *us, const char *path)
{
	_cleanup_close_ int dfd = -1;
	const char *base = strrchr(path, '/');

	if (!jl_upload_path_ok(path)) {
		fail(us, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
		     "upload part `%s`: its filename must be a path relative to /work, without `.`, `..` or empty parts",
		     path);
		return;
	}
	dfd = spool_parents(us, path, false);
	if (dfd < 0)
		return;
	base = base ? base + 1 : path;
	us->fd = openat(dfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (us->fd < 0) {
		fail(us, errno == EEXIST ? MHD_HTTP_BAD_REQUEST : MHD_HTTP_INTERNAL_SERVER_ERROR,
		     errno == EEXIST ? JOBLET_E_INVALID : JOBLET_E_IO,
		     "upload `%s`: cannot create it%s", path,
		     errno == EEXIST ? " (given twice, or it is a folder)" : "");
		return;
	}
	if (!item_add(us, path, strlen(path), false))
		fail(us, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_NOMEM, "out of memory");
}

static void start_part(struct upload_stream *us, const char *key, const char *filename)
{
	if (us->fd >= 0)
		close(us->fd);
	us->fd = -1;
	free(us->key);
	free(us->filename);
	us->key = strdup(key ? key : "");
	us->filename = filename ? strdup(filename) : NULL;
	us->in_part = true;
	us->part_bytes = 0;
	if (!us->key || (filename && !us->filename)) {
		fail(us, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_NOMEM, "out of memory");
		return;
	}
	if (strcmp(us->key, "job") == 0) {
		if (us->job_seen)
			fail(us, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
			     "the body has two parts named `job`");
		us->job_seen = true;
	} else if (strcmp(us->key, "upload") == 0) {
		if (!filename || !*filename)
			fail(us, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
			     "a part named `upload` needs a filename: the path of the file in /work");
		else
			open_file_part(us, filename);
	} else
		fail(us, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
		     "the body has a part named `%s`; a job takes one part `job` (its JSON) and parts `upload` (files)",
		     us->key);
}

static bool same_part(const struct upload_stream *us, const char *key, const char *filename)
{
	return us->in_part && us->key && strcmp(us->key, key ? key : "") == 0 &&
	       ((!filename && !us->filename) ||
		(filename && us->filename && strcmp(filename, us->filename) == 0));
}

static enum MHD_Result on_part(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *filename, const char *content_type,
			       const char *transfer_encoding, const char *data, uint64_t off,
			       size_t size)
{
	struct upload_stream *us = cls;

	(void)kind;
	(void)content_type;
	/* A new part starts at offset 0; an empty one may be reported before its end. */
	if (off == 0 && !(same_part(us, key, filename) && us->part_bytes == 0))
		start_part(us, key, filename);
	if (!us->status && transfer_encoding && strcasecmp(transfer_encoding, "binary") != 0 &&
	    strcasecmp(transfer_encoding, "8bit") != 0 &&
	    strcasecmp(transfer_encoding, "7bit") != 0)
		fail(us, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
		     "part `%s`: Content-Transfer-Encoding `%s` is not taken; send the bytes as they are",
		     key ? key : "", transfer_encoding);
	if (us->status)
		return MHD_NO;
	us->part_bytes += size;
	if (strcmp(us->key, "job") == 0) {
		char *g;

		if (us->job_len + size > MAX_JOB_PART) {
			fail(us, MHD_HTTP_CONTENT_TOO_LARGE, JOBLET_E_LIMIT,
			     "the part `job` is larger than 1 MiB; files go in parts named `upload`");
			return MHD_NO;
		}
		g = realloc(us->job, us->job_len + size + 1);
		if (!g) {
			fail(us, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_NOMEM, "out of memory");
			return MHD_NO;
		}
		us->job = g;
		memcpy(us->job + us->job_len, data, size);
		us->job_len += size;
		us->job[us->job_len] = '\0';
		return MHD_YES;
	}
	for (size_t done = 0; done < size;) {
		ssize_t w = write(us->fd, data + done, size - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fail(us, MHD_HTTP_INSUFFICIENT_STORAGE, JOBLET_E_IO,
			     "upload `%s`: the daemon cannot write it: %s", us->filename,
			     strerror(w < 0 ? errno : ENOSPC));
			return MHD_NO;
		}
		done += (size_t)w;
	}
	return MHD_YES;
}

void upload_stream_feed(struct request *rq, const char *data, size_t n)
{
	struct upload_stream *us = rq->ups;

	if (us->status)
		return;
	if (!us->pp) {
		us->pp = MHD_create_post_processor(rq->conn, PP_BUFFER, on_part, us);
		if (!us->pp) {
			fail(us, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
			     "the multipart/form-data body has no boundary in its Content-Type");
			return;
		}
	}
	if (MHD_post_process(us->pp, data, n) != MHD_YES)
		fail(us, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
		     "the multipart/form-data body is malformed");
}

int upload_stream_finish(struct request *rq)
{
	struct upload_stream *us = rq->ups;

	if (us->pp && MHD_destroy_post_processor(us->pp) != MHD_YES)
		fail(us, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
		     "the multipart/form-data body ends in the middle of a part");
	us->pp = NULL;
	if (us->fd >= 0)
		close(us->fd);
	us->fd = -1;
	if (!us->status && !us->job)
		fail(us, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
		     "a multipart/form-data job needs a part named `job` holding its JSON object");
	if (us->status)
		return reply_error(rq, us->status, us->code, "%s", us->error);
	free(rq->body);
	rq->body = TAKE_PTR(us->job);
	rq->body_len = us->job_len;
	rq->body_cap = us->job_len + 1;
	return rq->route->handler(rq);
}

/* ------------------------------------------------------------------ the job */

/* Entry i of the `uploads` of the `job` part: a folder to make, or the mode of a file part. */
static int entry(struct upload_stream *us, json_object *o, size_t i, struct joblet_error **err)
{
	const char *path = NULL;
	int mode = -1;
	bool dir = false;
	struct spooled *it;

	if (!json_object_is_type(o, json_type_object))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"each of `uploads` must be an object {path, mode, dir}");
	json_object_object_foreach(o, k, val)
	{
		if (strcmp(k, "path") == 0 && json_object_is_type(val, json_type_string))
			path = json_object_get_string(val);
		else if (strcmp(k, "mode") == 0 && json_object_is_type(val, json_type_int))
			mode = (int)(json_object_get_int64(val) & 07777);
		else if (strcmp(k, "dir") == 0 && json_object_is_type(val, json_type_boolean))
			dir = json_object_get_boolean(val);
		else if (strcmp(k, "data") == 0)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"uploads[%zu]: in a multipart/form-data request a file is a part named `upload`, not `data`",
				i);
		else
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"uploads[%zu]: `%s` is not a field of an upload (path, mode, dir) or has the wrong type",
				i, k);
	}
	if (!path || !jl_upload_path_ok(path))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"uploads[%zu]: path `%s` must be relative to /work, without `.`, `..` or empty parts",
			i, path ? path : "");
	if (dir) {
		int fd = spool_parents(us, path, true);

		if (fd < 0)
			return joblet_error_set(err, us->code, 0, "uploads[%zu]: %s", i, us->error);
		close(fd);
	}
	it = item_find(us, path);
	if (!it || it->dir != dir)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			dir ? "uploads[%zu]: `%s` is a file part, not a folder"
			    : "uploads[%zu]: no part `upload` has the filename `%s`",
			i, path);
	if (mode >= 0)
		it->mode = mode;
	return 0;
}

int upload_stream_entries(json_object *v, void *cls, struct joblet_error **err)
{
	struct upload_stream *us = cls;
	size_t n;
	int r;

	if (!json_object_is_type(v, json_type_array))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"`uploads` must be an array of {path, mode, dir} objects");
	n = json_object_array_length(v);
	if (n > MAX_ITEMS)
		return joblet_error_set(err, JOBLET_E_LIMIT, 0, "more than %d uploads", MAX_ITEMS);
	for (size_t i = 0; i < n; i++)
		if ((r = entry(us, json_object_array_get_idx(v, i), i, err)) < 0)
			return r;
	return 0;
}

json_object *upload_stream_paths(const struct upload_stream *us)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < us->n; i++)
		json_object_array_add(a, json_object_new_string(us->items[i].path));
	return a;
}

bool upload_stream_has_files(const struct upload_stream *us)
{
	return us && us->n > 0;
}

void upload_stream_set_owner(struct upload_stream *us, uid_t uid, gid_t gid)
{
	us->uid = uid;
	us->gid = gid;
}

/* Give item it of the spool the job user and its mode, never through a link. */
static int settle(struct upload_stream *us, const struct spooled *it, struct joblet_error **err)
{
	const char *slash = strrchr(it->path, '/');
	_cleanup_free_ char *parent = slash ? strndup(it->path, (size_t)(slash - it->path)) : NULL;
	_cleanup_close_ int dfd = -1, fd = -1;

	if (slash && !parent)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	dfd = parent ? spool_parents(us, parent, true) : fcntl(us->spool_fd, F_DUPFD_CLOEXEC, 3);
	if (dfd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "upload `%s`: %s", it->path,
					us->error);
	fd = openat(dfd, slash ? slash + 1 : it->path,
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | (it->dir ? O_DIRECTORY : 0));
	if (fd < 0 || fchmod(fd, (mode_t)(it->mode & 0755)) < 0 ||
	    (geteuid() == 0 && fchown(fd, us->uid, us->gid) < 0))
		return joblet_error_set(err, JOBLET_E_IO, errno,
					"upload `%s`: cannot set its owner and mode", it->path);
	return 0;
}

int upload_stream_move(const char *state_dir, void *cls, struct joblet_error **err)
{
	struct upload_stream *us = cls;
	char work[4200];
	_cleanup_close_ int wfd = -1;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r, dfd;

	for (size_t i = 0; i < us->n; i++)
		if ((r = settle(us, &us->items[i], err)) < 0)
			return r;
	snprintf(work, sizeof(work), "%s/work", state_dir);
	wfd = open(work, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	dfd = fcntl(us->spool_fd, F_DUPFD_CLOEXEC, 3);
	if (wfd < 0 || dfd < 0 || !(d = fdopendir(dfd))) {
		if (dfd >= 0 && !d)
			close(dfd);
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", work);
	}
	while ((de = readdir(d))) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (renameat2(us->spool_fd, de->d_name, wfd, de->d_name, RENAME_NOREPLACE) < 0)
			return joblet_error_set(
				err, JOBLET_E_IO, errno,
				errno == EXDEV
					? "cannot move upload `%s` into `%s`: `%s/uploads` and the jobs folder must be on one file system"
					: "cannot move upload `%s` into `%s` (spool `%s/uploads`)",
				de->d_name, work, state_dir);
	}
	return 0;
}

const struct body_hooks upload_body_hooks = {
	.start = body_start,
	.grow = body_grow,
	.refusal = body_refusal,
	.feed = upload_stream_feed,
	.finish = upload_stream_finish,
	.end = body_end,
};
