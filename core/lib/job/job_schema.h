/*
 * job/job_schema.h - the one field table of struct jl_job_spec, and the
 * JSON views it drives: the request of POST /v1/jobs (rnx writes it, the
 * daemon reads it), the spec that answers and the store show, and the job
 * folder's spec.json.  The flags of `rnx job run` / `joblet run-local` are
 * read from the same table (jl_job_spec_parse_args(), job/job_spec.h).
 *
 * One key per field in every JSON view: spec.json uses the API's keys, plus
 * the fields only the file has (the job's id, user and runtime folder), and
 * still reads the keys a spec.json of an earlier release used (.old_key).
 *
 * Private tier (base/private.h): for joblet, rnx and the tests.  Not for the
 * shim's build (it reads spec.json through job/job_spec.h): this header
 * needs json-c's.
 */
#ifndef JL_JOB_SCHEMA_H
#define JL_JOB_SCHEMA_H

#include <json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <joblet/error.h>

#include "base/private.h"
#include "job/job_spec.h"

/* What a field holds, and so how each view reads and writes it. */
enum jl_job_kind {
	JL_JOB_ARGV = 1, /* char **: the command; the words after the flags, a JSON array */
	JL_JOB_ENV,	 /* char ** of KEY=VALUE; a JSON object of strings */
	JL_JOB_INT,	 /* int64_t; a flag's text is read by .parse */
	JL_JOB_STRING,	 /* char *; NULL = unset (JSON null) */
	JL_JOB_ENUM,	 /* int32_t, one of .names; 0 = unset = the first name */
	JL_JOB_TIME,	 /* int64_t, ns since 1970; 0 = unset; RFC 3339 in JSON */
	/*
	 * char ** of host paths in the flags and spec.json; in the API, the
	 * files' contents, which only the programs convert (the hooks below).
	 */
	JL_JOB_UPLOADS,
	JL_JOB_LIST, /* char ** of strings; a repeated flag; a JSON array of strings */
};

/* Where a field shows: bits of .views. */
#define JL_JOB_REQUEST 0x1u /* POST /v1/jobs takes it, rnx sends it */
#define JL_JOB_ANSWER  0x2u /* the spec that answers (GET /v1/jobs/ID) and the store show */
#define JL_JOB_FILE    0x4u /* spec.json */
#define JL_JOB_SECRET  0x8u /* values never shown: `***` in answers, `...` in errors */

/* A name of a JL_JOB_ENUM field. */
struct jl_job_enum_name {
	const char *name;
	int32_t value;
	/* NULL, or why a request of a role below admin may not ask for it (403). */
	const char *admin_only;
};

/* One field of struct jl_job_spec.  Strings are static. */
struct jl_job_field {
	const char *key;	/* in every JSON view */
	const char *old_key;	/* its key in a spec.json of an earlier release, or NULL */
	const char *flag;	/* "--max-cpu", or NULL when no flag sets it */
	const char *short_flag; /* "-e", or NULL */
	enum jl_job_kind kind;
	unsigned views; /* JL_JOB_REQUEST | ... */
	size_t offset;	/* of its member in struct jl_job_spec */
	/*
	 * JL_JOB_INT: reads a flag's text; the flag takes flag_min..flag_max, the API
	 * api_min..api_max.  A limit has both minimums -1 (unlimited; the flag
	 * also takes the word `unlimited`) and 0 = not given (the default).
	 */
	int (*parse)(const char *text, int64_t *ret);
	int64_t flag_min, flag_max, api_min, api_max;
	const char *flag_what; /* what the flag takes, for its error ("a number of processes") */
	const char *api_what;  /* JL_JOB_ENUM: what the API takes ("none or host") */
	/*
	 * JL_JOB_ENUM: its names, NULL-name terminated.  JL_JOB_STRING: values
	 * with a meaning of their own (their admin_only applies), or NULL.
	 */
	const struct jl_job_enum_name *names;
	const char *answer_unset; /* JL_JOB_STRING: what answers show when unset, or NULL (null) */
};

/* The table, in the order of the keys in every JSON view; *ret_n fields. */
JL_API const struct jl_job_field *jl_job_schema(size_t *ret_n);

/*
 * What rnx adds to the table to write a request.  uploads (REQUIRED when
 * the spec has uploads) makes the `uploads` value from the host paths: it
 * reads the files (common/uploads.h).  schedule_text is --schedule as
 * typed, or NULL: a time without a zone is sent as typed, so the node reads
 * it in its own local time; any other is sent as RFC 3339.
 */
struct jl_job_request_out {
	const char *schedule_text;
	int (*uploads)(char *const *host_paths, json_object **ret_value, struct joblet_error **err);
};

/*
 * The body of POST /v1/jobs for spec: the fields it sets, in *ret_json (a
 * new string).  Errors: those of out->uploads, JOBLET_E_NOMEM.
 */
JL_API int jl_job_spec_to_request(const struct jl_job_spec *spec,
				  const struct jl_job_request_out *out, char **ret_json,
				  struct joblet_error **err);

/*
 * What the daemon adds to read a request: whether the caller is an admin
 * (may ask for admin-only names), and uploads (REQUIRED), called with the
 * `uploads` value (borrowed) and userdata where it stands in the request.
 */
struct jl_job_request_in {
	bool admin;
	int (*uploads)(json_object *value, void *userdata, struct joblet_error **err);
	void *userdata;
};

/*
 * A request body (an object, borrowed) into a new spec with a fresh id.
 * Only the fields of the table with JL_JOB_REQUEST are taken, each checked
 * for its type and range; `command` is required.  Nothing is checked
 * against the host: jl_job_spec_validate() does that.  Errors:
 * JOBLET_E_INVALID naming the field (400), JOBLET_E_PERMISSION (403),
 * those of in->uploads.
 */
JL_API int jl_job_spec_from_request(json_object *request, const struct jl_job_request_in *in,
				    struct jl_job_spec **ret_spec, struct joblet_error **err);

/*
 * The spec as answers and the store show it, in *ret_json (a new string):
 * every field with JL_JOB_ANSWER, secret values as `***`.  uploads
 * (consumed; NULL = none) is the `uploads` value: the paths in /work.
 */
JL_API int jl_job_spec_to_answer(const struct jl_job_spec *spec, json_object *uploads,
				 char **ret_json, struct joblet_error **err);

#endif /* JL_JOB_SCHEMA_H */
