/*
 * uploads.c - the `uploads` of POST /v1/jobs: rnx reads host files into
 * the request (jl_uploads_encode), the daemon checks and decodes them
 * (jl_uploads_decode).
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "common/base64.h"
#include "common/uploads.h"

/* Uploads larger than this in all are refused by rnx (the daemon has its own limit). */
#define MAX_UPLOAD_BYTES (INT64_C(1) << 30)
/* How deep a folder given to --upload is read. */
#define MAX_HOST_DEPTH 32
/* What the daemon takes in one request. */
#define MAX_UPLOADS	 10000
#define MAX_UPLOAD_PATH	 1024
#define MAX_UPLOAD_DEPTH 32

/* ------------------------------------------------------------------ rnx: host files out */

struct encoder {
	json_object *arr;	     /* the `uploads` value being made */
	int64_t bytes;		     /* file bytes in it so far */
	struct jl_upload_plan *plan; /* files listed here, not read; or NULL */
};

static int encode_path(struct encoder *e, const char *host, const char *rel, int depth,
		       struct joblet_error **err);

/* "a/b" from a and b; NULL without memory. */
static char *join(const char *a, const char *b)
{
	size_t len = strlen(a) + strlen(b) + 2;
	char *p = malloc(len);

	if (p)
		snprintf(p, len, "%s/%s", a, b);
	return p;
}

static int add_entry(struct encoder *e, const char *rel, const char *b64, bool dir, mode_t mode,
		     struct joblet_error **err)
{
	json_object *o = json_object_new_object();

	if (!o)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	json_object_object_add(o, "path", json_object_new_string(rel));
	if (dir)
		json_object_object_add(o, "dir", json_object_new_boolean(1));
	else if (b64)
		json_object_object_add(o, "data", json_object_new_string(b64));
	json_object_object_add(o, "mode", json_object_new_int((int)(mode & 0755)));
	if (json_object_array_add(e->arr, o) < 0) {
		json_object_put(o);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	}
	return 0;
}

/* A folder: its own entry, then everything in it. */
static int encode_dir(struct encoder *e, const char *host, const char *rel, mode_t mode, int depth,
		      struct joblet_error **err)
{
	_cleanup_closedir_ DIR *d = opendir(host);
	struct dirent *de;
	int r;

	if (!d)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot read `%s`", host);
	if ((r = add_entry(e, rel, NULL, true, mode, err)) < 0)
		return r;
	while ((de = readdir(d))) {
		_cleanup_free_ char *h = NULL, *c = NULL;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		h = join(host, de->d_name);
		c = join(rel, de->d_name);
		if (!h || !c)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
		if ((r = encode_path(e, h, c, depth + 1, err)) < 0)
			return r;
	}
	return 0;
}

/* A file to send as a part: its entry (mode, no data) and its place in the plan. */
static int plan_file(struct encoder *e, const char *host, const char *rel, const struct stat *st,
		     struct joblet_error **err)
{
	struct jl_upload_plan *p = e->plan;
	struct jl_upload_file *g;
	int r;

	if (access(host, R_OK) < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot read upload `%s`", host);
	g = realloc(p->files, (p->n + 1) * sizeof(*g));
	if (!g)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	p->files = g;
	g[p->n].host = strdup(host);
	g[p->n].rel = strdup(rel);
	if (!g[p->n].host || !g[p->n].rel) {
		free(g[p->n].host);
		free(g[p->n].rel);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	}
	p->n++;
	if ((r = add_entry(e, rel, NULL, false, st->st_mode, err)) < 0)
		return r;
	e->bytes += (int64_t)st->st_size;
	return 0;
}

/* A file: its bytes, base64. */
static int encode_file(struct encoder *e, const char *host, const char *rel, const struct stat *st,
		       struct joblet_error **err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *data = NULL, *b64 = NULL;
	size_t got = 0;
	int r;

	if (e->bytes + st->st_size > MAX_UPLOAD_BYTES)
		return joblet_error_set(
			err, JOBLET_E_LIMIT, 0,
			"the uploads are larger than 1 GiB; the daemon takes at most server.max_request_bytes in one request");
	if (e->plan)
		return plan_file(e, host, rel, st, err);
	fd = open(host, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot read upload `%s`", host);
	data = malloc((size_t)st->st_size + 1);
	if (!data)
		return joblet_error_set(err, JOBLET_E_IO, ENOMEM, "cannot read upload `%s`", host);
	/* A file that shrinks (or fails) while it is read is sent as far as it was read. */
	while (got < (size_t)st->st_size) {
		ssize_t n = read(fd, data + got, (size_t)st->st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	b64 = malloc(4 * ((got + 2) / 3) + 1);
	if (!b64)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	jl_base64_encode(data, got, b64);
	if ((r = add_entry(e, rel, b64, false, st->st_mode, err)) < 0)
		return r;
	e->bytes += (int64_t)got;
	return 0;
}

/* host (a file or a folder) as rel in /work. */
static int encode_path(struct encoder *e, const char *host, const char *rel, int depth,
		       struct joblet_error **err)
{
	struct stat st;

	if (depth > MAX_HOST_DEPTH)
		return joblet_error_set(err, JOBLET_E_LIMIT, 0, "upload `%s` is nested too deeply",
					host);
	/* Links are followed: their targets are sent. */
	if (stat(host, &st) < 0)
		return joblet_error_set(err, JOBLET_E_NOT_FOUND, errno, "upload `%s`", host);
	if (S_ISDIR(st.st_mode))
		return encode_dir(e, host, rel, st.st_mode, depth, err);
	if (!S_ISREG(st.st_mode))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"upload `%s` is neither a file nor a folder", host);
	return encode_file(e, host, rel, &st, err);
}

/* One --upload PATH: it goes into /work under its last name. */
static int encode_arg(struct encoder *e, const char *arg, struct joblet_error **err)
{
	_cleanup_free_ char *copy = strdup(arg);
	char *base;
	size_t len;

	if (!copy)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	for (len = strlen(copy); len > 1 && copy[len - 1] == '/'; len--)
		copy[len - 1] = '\0';
	base = strrchr(copy, '/');
	base = base ? base + 1 : copy;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"upload `%s` has no name to give it in /work; name the file or folder itself",
			arg);
	return encode_path(e, copy, base, 0, err);
}

int jl_uploads_plan(char *const *host_paths, struct jl_upload_plan *ret, struct joblet_error **err)
{
	struct encoder e = { json_object_new_array(), 0, ret };
	int r;

	ret->entries = NULL;
	ret->files = NULL;
	ret->n = 0;
	if (!e.arr)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	for (; host_paths && *host_paths; host_paths++)
		if ((r = encode_arg(&e, *host_paths, err)) < 0) {
			json_object_put(e.arr);
			jl_upload_plan_done(ret);
			return r;
		}
	ret->entries = e.arr;
	return 0;
}

void jl_upload_plan_done(struct jl_upload_plan *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->files[i].host);
		free(p->files[i].rel);
	}
	free(p->files);
	json_object_put(p->entries);
	p->files = NULL;
	p->entries = NULL;
	p->n = 0;
}

int jl_uploads_encode(char *const *host_paths, json_object **ret_value, struct joblet_error **err)
{
	struct encoder e = { json_object_new_array(), 0, NULL };
	int r;

	if (!e.arr)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	for (; host_paths && *host_paths; host_paths++)
		if ((r = encode_arg(&e, *host_paths, err)) < 0) {
			json_object_put(e.arr);
			return r;
		}
	*ret_value = e.arr;
	return 0;
}

/* ------------------------------------------------------------------ the daemon: a request in */

bool jl_upload_path_ok(const char *p)
{
	size_t depth = 0;

	if (!*p || p[0] == '/' || strlen(p) > MAX_UPLOAD_PATH)
		return false;
	for (const char *c = p; *c;) {
		size_t n = strcspn(c, "/");

		if (n == 0 || n > 255 || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		if (++depth > MAX_UPLOAD_DEPTH)
			return false;
		c += n;
		if (*c == '/')
			c++;
		else
			break;
	}
	return p[strlen(p) - 1] != '/';
}

/* The members of upload i (an object) into up; path and data are borrowed from o. */
static int decode_members(json_object *o, size_t i, struct jl_upload *up, const char **ret_path,
			  const char **ret_data, size_t *ret_dlen, struct joblet_error **err)
{
	up->mode = 0644;
	json_object_object_foreach(o, k, val)
	{
		if (strcmp(k, "path") == 0 && json_object_is_type(val, json_type_string))
			*ret_path = json_object_get_string(val);
		else if (strcmp(k, "data") == 0 && json_object_is_type(val, json_type_string)) {
			*ret_data = json_object_get_string(val);
			*ret_dlen = (size_t)json_object_get_string_len(val);
		} else if (strcmp(k, "mode") == 0 && json_object_is_type(val, json_type_int))
			up->mode = (int)(json_object_get_int64(val) & 07777);
		else if (strcmp(k, "dir") == 0 && json_object_is_type(val, json_type_boolean))
			up->dir = json_object_get_boolean(val);
		else
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"uploads[%zu]: `%s` is not a field of an upload (path, data, mode, dir) or has the wrong type",
				i, k);
	}
	/* A folder without a mode must be enterable. */
	if (up->dir && !json_object_object_get_ex(o, "mode", NULL))
		up->mode = 0755;
	return 0;
}

/* Upload i of the request (o) into up, which the caller frees either way. */
static int decode_one(json_object *o, size_t i, struct jl_upload *up, struct joblet_error **err)
{
	const char *path = NULL, *data = NULL;
	size_t dlen = 0;
	int64_t got;
	int r;

	if (!json_object_is_type(o, json_type_object))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"each of `uploads` must be an object {path, data, mode}");
	if ((r = decode_members(o, i, up, &path, &data, &dlen, err)) < 0)
		return r;
	if (!path || !jl_upload_path_ok(path))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"uploads[%zu]: path `%s` must be relative to /work, without `.`, `..` or empty parts",
			i, path ? path : "");
	if (up->dir && data)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"uploads[%zu] `%s`: a folder has no data", i, path);
	up->path = strdup(path);
	if (!up->path)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	if (up->dir)
		return 0;
	up->data = malloc(dlen / 4 * 3 + 1);
	if (!up->data)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	got = data ? jl_base64_decode(data, dlen, up->data) : 0;
	if (got < 0)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"uploads[%zu] `%s`: data is not base64", i, path);
	up->len = (size_t)got;
	return 0;
}

int jl_uploads_decode(json_object *v, void *uploads, struct joblet_error **err)
{
	struct jl_uploads *u = uploads;
	size_t n;
	int r;

	if (!json_object_is_type(v, json_type_array))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"`uploads` must be an array of {path, data} objects");
	n = json_object_array_length(v);
	if (n > MAX_UPLOADS)
		return joblet_error_set(err, JOBLET_E_LIMIT, 0, "more than %d uploads",
					MAX_UPLOADS);
	jl_uploads_done(u);
	u->n = 0;
	u->items = calloc(n ? n : 1, sizeof(*u->items));
	if (!u->items)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		/* Counted before it is filled: jl_uploads_done() frees a half-made one. */
		if ((r = decode_one(json_object_array_get_idx(v, i), i, &u->items[u->n++], err)) <
		    0)
			return r;
	return 0;
}

json_object *jl_uploads_paths(const struct jl_uploads *u)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; a && i < u->n; i++)
		json_object_array_add(a, json_object_new_string(u->items[i].path));
	return a;
}

void jl_uploads_done(struct jl_uploads *u)
{
	for (size_t i = 0; i < u->n; i++) {
		free(u->items[i].path);
		free(u->items[i].data);
	}
	free(u->items);
	u->items = NULL;
	u->n = 0;
}
