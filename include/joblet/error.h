/*
 * joblet/error.h - the error object every fallible joblet function fills.
 *
 * Part of the joblet SDK (plugins use it) and of the libjoblet API.
 *
 * Convention: a fallible function returns int, 0 on success and a negative
 * number on failure, and takes `struct joblet_error **err` as its last
 * parameter.  err may be NULL (the caller does not want details); otherwise
 * *err must be NULL on entry and is set on failure only:
 *
 *	if (fd < 0)
 *		return joblet_error_set(err, JOBLET_E_IO, errno, "cannot open `%s`", path);
 *
 * On the way up, callers add context without losing the code:
 *
 *	r = install(spec, err);
 *	if (r < 0)
 *		return joblet_error_prefix(err, r, "installing `%s`", spec);
 *
 * The library never prints an error; the binaries decide.  Messages put
 * user-supplied values in backticks and end with what to do, where there is
 * something to do.
 */
#ifndef JOBLET_ERROR_H
#define JOBLET_ERROR_H

#include <stdint.h>

#include <joblet/common.h>

JOBLET_BEGIN_DECLS

/*
 * Error codes.  APPEND-ONLY: a code keeps its number and meaning forever.
 * docs/error-codes.md lists each one with its class; a unit test keeps the
 * two in step.
 */
enum joblet_error_code {
	JOBLET_E_NOMEM = 1,	  /* out of memory                              fatal */
	JOBLET_E_INVALID = 2,	  /* invalid argument or input                  step */
	JOBLET_E_IO = 3,	  /* a local file could not be read or written  step */
	JOBLET_E_NOT_FOUND = 4,	  /* the thing named does not exist             step */
	JOBLET_E_EXISTS = 5,	  /* the thing to create already exists         step */
	JOBLET_E_PERMISSION = 6,  /* not allowed (ownership, mode, role)        step */
	JOBLET_E_UNSUPPORTED = 7, /* this host or build lacks a feature         step */
	JOBLET_E_CONFIG = 8,	  /* a configuration file is wrong              fatal */
	JOBLET_E_PLUGIN = 9,	  /* a plugin was rejected or failed            step */
	JOBLET_E_ABI = 10,	  /* a plugin was built for another ABI         step */
	JOBLET_E_NETWORK = 11,	  /* connection refused/reset, DNS, TLS I/O     transient */
	JOBLET_E_HTTP = 12,	  /* the server answered with an HTTP error     step */
	JOBLET_E_TIMEOUT = 13,	  /* an operation ran out of time               transient */
	JOBLET_E_CHECKSUM = 14,	  /* downloaded bytes do not match the checksum step */
	JOBLET_E_ARCHIVE = 15,	  /* a malformed or hostile archive             step */
	JOBLET_E_LIMIT = 16,	  /* a configured limit was exceeded            step */
	JOBLET_E_BUSY = 17,	  /* locked or in use by someone else           transient */
	JOBLET_E_INTERNAL = 18,	  /* a joblet bug: an invariant was broken      fatal */
	JOBLET_E_SYSTEM = 19,	  /* a system call failed (errno saved)         step */
	JOBLET_E_PARSE = 20,	  /* a malformed document (JSON, YAML)          step */
	JOBLET_E_CANCELED = 21,	  /* the operation was canceled                 step */
	JOBLET_E_CONFLICT = 22,	  /* the request does not fit the current state step */
				  /*
				   * Append new codes here, then document them in docs/error-codes.md
				   * and name the newest code in core/lib/base/error.h.
				   */
};

/*
 * An error.  Allocated by joblet_error_set(), freed with joblet_error_free().
 * Fields may be read directly; do not write them.
 */
struct joblet_error {
	int32_t code;	     /* enum joblet_error_code */
	int32_t saved_errno; /* errno at the failure, or 0 */
	int32_t detail;	     /* code-specific number (HTTP status for JOBLET_E_HTTP), or 0 */
	int32_t reserved;
	char *message; /* owned; never NULL */
};

/*
 * Set *err (when err is not NULL) to a new error and return -code.
 * When saved_errno is not 0, ": <strerror(saved_errno)>" is appended to the
 * message.  An error already in *err is replaced.  When memory runs out the
 * error becomes a static "out of memory" error (freeing it is harmless).
 */
JOBLET_API int joblet_error_set(struct joblet_error **err, int32_t code, int saved_errno,
				const char *fmt, ...) JOBLET_PRINTF(4, 5);

/* Like joblet_error_set(), and stores detail (e.g. the HTTP status). */
JOBLET_API int joblet_error_set_detail(struct joblet_error **err, int32_t code, int32_t detail,
				       const char *fmt, ...) JOBLET_PRINTF(4, 5);

/*
 * Prepend "<context>: " to the message in *err and return r unchanged, so
 * `return joblet_error_prefix(err, r, "...")` passes the failure on.  Does
 * nothing to the message when err or *err is NULL.
 */
JOBLET_API int joblet_error_prefix(struct joblet_error **err, int r, const char *fmt, ...)
	JOBLET_PRINTF(3, 4);

/* Free an error; NULL is fine. */
JOBLET_API void joblet_error_free(struct joblet_error *e);

/* Free *err and set it to NULL; err or *err may be NULL. */
JOBLET_API void joblet_error_clear(struct joblet_error **err);

/* Move *src into *dst (freeing what *dst held) and set *src to NULL. */
JOBLET_API void joblet_error_move(struct joblet_error **dst, struct joblet_error **src);

/* The message of e, or "unknown error" when e is NULL.  Borrowed from e. */
JOBLET_API const char *joblet_error_message(const struct joblet_error *e);

JOBLET_END_DECLS

#endif /* JOBLET_ERROR_H */
