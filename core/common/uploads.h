/*
 * common/uploads.h - the `uploads` of POST /v1/jobs: files and folders for
 * a job's /work.  In the request they are the files themselves:
 *
 *	[{"path": "dir", "dir": true, "mode": 493},
 *	 {"path": "dir/a.py", "data": "<base64>", "mode": 420}]
 *
 * while the flags (--upload) and spec.json name host paths.  rnx reads the
 * host paths into that array (jl_uploads_encode), the daemon checks and
 * decodes it (jl_uploads_decode) and writes the files into the job's /work
 * (core/daemon/api_jobs.c).  These are the two hooks of the field `uploads`
 * of the job schema (job/job_schema.h).
 *
 * core/common is compiled into the joblet and rnx programs (not libjoblet).
 */
#ifndef JL_UPLOADS_H
#define JL_UPLOADS_H

#include <json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <joblet/error.h>

/* One upload of a request, checked and decoded.  Owned by its jl_uploads. */
struct jl_upload {
	char *path;    /* relative to /work, without `.`, `..` or empty parts */
	uint8_t *data; /* a file's bytes (len of them); NULL for a folder */
	size_t len;
	int mode; /* permission bits as given (& 07777); 0644, or 0755 for a folder, when not */
	bool dir;
};

struct jl_uploads {
	struct jl_upload *items;
	size_t n;
};

/*
 * The request's `uploads` array for host_paths (files or folders, whole
 * trees; links followed) in *ret_value (new).  Reads the files.  Errors:
 * JOBLET_E_NOT_FOUND, JOBLET_E_IO, JOBLET_E_LIMIT (more than 1 GiB in all),
 * JOBLET_E_INVALID (a path with no name to give it in /work).
 */
int jl_uploads_encode(char *const *host_paths, json_object **ret_value, struct joblet_error **err);

/* A file rnx sends as a part of a multipart/form-data request. */
struct jl_upload_file {
	char *host; /* where rnx reads it */
	char *rel;  /* its path in /work */
};

/* What rnx sends for --upload in a multipart/form-data request. */
struct jl_upload_plan {
	json_object *entries; /* the `uploads` value: folders, files' modes, no data (owned) */
	struct jl_upload_file *files;
	size_t n;
};

/*
 * As jl_uploads_encode(), without reading the files: the entries carry no
 * data, and the files to send as parts are listed in *ret (free with
 * jl_upload_plan_done(), also on failure).  Same errors.
 */
int jl_uploads_plan(char *const *host_paths, struct jl_upload_plan *ret, struct joblet_error **err);

/* Free what p holds (p itself is the caller's). */
void jl_upload_plan_done(struct jl_upload_plan *p);

/*
 * Check and decode a request's `uploads` value (borrowed) into uploads
 * (a struct jl_uploads, zeroed or holding earlier ones; free with
 * jl_uploads_done() also on failure).  Errors: JOBLET_E_INVALID naming the
 * upload (400), JOBLET_E_LIMIT, JOBLET_E_NOMEM.
 */
int jl_uploads_decode(json_object *value, void *uploads, struct joblet_error **err);

/* dir/a/b.txt: relative, no `.`, `..` or empty parts, at most 1024 bytes and 32 deep. */
bool jl_upload_path_ok(const char *path);

/* The paths of u as a JSON array (new), as answers show them; NULL without memory. */
json_object *jl_uploads_paths(const struct jl_uploads *u);

/* Free what u holds (u itself is the caller's). */
void jl_uploads_done(struct jl_uploads *u);

#endif /* JL_UPLOADS_H */
