/*
 * error.c - struct joblet_error and the table of error codes.
 *
 * The lowest file of libjoblet: it uses nothing of it but its own header,
 * so every other file may report errors.
 */
#include <config.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/error.h"

/* "a: b" in a new string, or NULL. */
static char *join2(const char *a, const char *b)
{
	char *s = NULL;

	return asprintf(&s, "%s: %s", a, b) < 0 ? NULL : s;
}

/*
 * The code table.  Names are stable API (they appear in JSON errors and in
 * docs/error-codes.md, which a unit test compares with this table).
 */
static const struct {
	const char *name;
	int32_t error_class;
} error_codes[JL_E_LAST + 1] = {
	[JOBLET_E_NOMEM] = { "no-memory", JL_ERROR_FATAL },
	[JOBLET_E_INVALID] = { "invalid", JL_ERROR_STEP },
	[JOBLET_E_IO] = { "io", JL_ERROR_STEP },
	[JOBLET_E_NOT_FOUND] = { "not-found", JL_ERROR_STEP },
	[JOBLET_E_EXISTS] = { "exists", JL_ERROR_STEP },
	[JOBLET_E_PERMISSION] = { "permission", JL_ERROR_STEP },
	[JOBLET_E_UNSUPPORTED] = { "unsupported", JL_ERROR_STEP },
	[JOBLET_E_CONFIG] = { "config", JL_ERROR_FATAL },
	[JOBLET_E_PLUGIN] = { "plugin", JL_ERROR_STEP },
	[JOBLET_E_ABI] = { "abi", JL_ERROR_STEP },
	[JOBLET_E_NETWORK] = { "network", JL_ERROR_TRANSIENT },
	[JOBLET_E_HTTP] = { "http", JL_ERROR_STEP },
	[JOBLET_E_TIMEOUT] = { "timeout", JL_ERROR_TRANSIENT },
	[JOBLET_E_CHECKSUM] = { "checksum", JL_ERROR_STEP },
	[JOBLET_E_ARCHIVE] = { "archive", JL_ERROR_STEP },
	[JOBLET_E_LIMIT] = { "limit", JL_ERROR_STEP },
	[JOBLET_E_BUSY] = { "busy", JL_ERROR_TRANSIENT },
	[JOBLET_E_INTERNAL] = { "internal", JL_ERROR_FATAL },
	[JOBLET_E_SYSTEM] = { "system", JL_ERROR_STEP },
	[JOBLET_E_PARSE] = { "parse", JL_ERROR_STEP },
	[JOBLET_E_CANCELED] = { "canceled", JL_ERROR_STEP },
	[JOBLET_E_CONFLICT] = { "conflict", JL_ERROR_STEP },
};

/* Handed out when even the error cannot be allocated; never freed. */
static char oom_message[] = "out of memory";
static struct joblet_error oom_error = {
	.code = JOBLET_E_NOMEM,
	.saved_errno = ENOMEM,
	.message = oom_message,
};

static void error_store(struct joblet_error **err, int32_t code, int saved_errno, int32_t detail,
			char *message)
{
	struct joblet_error *e;

	joblet_error_clear(err);
	e = message ? calloc(1, sizeof(*e)) : NULL;
	if (!e) {
		free(message);
		*err = &oom_error;
		return;
	}
	e->code = code;
	e->saved_errno = saved_errno;
	e->detail = detail;
	e->message = message;
	*err = e;
}

static char *format_message(int saved_errno, const char *fmt, va_list ap)
{
	char *msg = NULL, *full;

	if (vasprintf(&msg, fmt, ap) < 0)
		return NULL;
	if (saved_errno == 0)
		return msg;
	full = join2(msg, strerror(saved_errno));
	free(msg);
	return full;
}

static int error_setv(struct joblet_error **err, int32_t code, int saved_errno, const char *fmt,
		      va_list ap) JOBLET_PRINTF(4, 0);
static int error_setv(struct joblet_error **err, int32_t code, int saved_errno, const char *fmt,
		      va_list ap)
{
	if (code <= 0 || code > JL_E_LAST)
		code = JOBLET_E_INTERNAL;
	if (err)
		error_store(err, code, saved_errno, 0, format_message(saved_errno, fmt, ap));
	return -code;
}

int joblet_error_set(struct joblet_error **err, int32_t code, int saved_errno, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = error_setv(err, code, saved_errno, fmt, ap);
	va_end(ap);
	return r;
}

int joblet_error_set_detail(struct joblet_error **err, int32_t code, int32_t detail,
			    const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = error_setv(err, code, 0, fmt, ap);
	va_end(ap);
	if (err && *err != &oom_error)
		(*err)->detail = detail;
	return r;
}

int joblet_error_prefix(struct joblet_error **err, int r, const char *fmt, ...)
{
	char *prefix = NULL, *joined;
	va_list ap;

	if (!err || !*err || *err == &oom_error)
		return r;
	va_start(ap, fmt);
	if (vasprintf(&prefix, fmt, ap) < 0)
		prefix = NULL;
	va_end(ap);
	if (!prefix)
		return r;
	joined = join2(prefix, (*err)->message);
	free(prefix);
	if (!joined)
		return r;
	free((*err)->message);
	(*err)->message = joined;
	return r;
}

void joblet_error_free(struct joblet_error *e)
{
	if (!e || e == &oom_error)
		return;
	free(e->message);
	free(e);
}

void joblet_error_clear(struct joblet_error **err)
{
	if (!err)
		return;
	joblet_error_free(*err);
	*err = NULL;
}

void joblet_error_move(struct joblet_error **dst, struct joblet_error **src)
{
	struct joblet_error *e = src ? *src : NULL;

	if (src)
		*src = NULL;
	if (!dst) {
		joblet_error_free(e);
		return;
	}
	joblet_error_clear(dst);
	*dst = e;
}

const char *joblet_error_message(const struct joblet_error *e)
{
	return e && e->message ? e->message : "unknown error";
}

const char *jl_error_code_name(int32_t code)
{
	if (code <= 0 || code > JL_E_LAST || !error_codes[code].name)
		return "unknown";
	return error_codes[code].name;
}

int32_t jl_error_code_class(int32_t code)
{
	if (code <= 0 || code > JL_E_LAST || !error_codes[code].name)
		return JL_ERROR_FATAL;
	return error_codes[code].error_class;
}

const char *jl_error_class_name(int32_t error_class)
{
	switch (error_class) {
	case JL_ERROR_TRANSIENT:
		return "transient";
	case JL_ERROR_STEP:
		return "step";
	case JL_ERROR_FATAL:
		return "fatal";
	default:
		return "unknown";
	}
}
