/* error.c - struct joblet_error and the table of error codes. */
#include "config.h"

#include "base/util.h"

/*
 * The code table.  Names are stable API (they appear in JSON errors and in
 * docs/error-codes.md, which a unit test compares with this table).
 */
static const struct {
	const char *name;
	int32_t error_class;
} error_codes[_JOBLET_E_MAX] = {
	[JOBLET_E_NOMEM] = { "no-memory", JOBLET_ERROR_FATAL },
	[JOBLET_E_INVALID] = { "invalid", JOBLET_ERROR_STEP },
	[JOBLET_E_IO] = { "io", JOBLET_ERROR_STEP },
	[JOBLET_E_NOT_FOUND] = { "not-found", JOBLET_ERROR_STEP },
	[JOBLET_E_EXISTS] = { "exists", JOBLET_ERROR_STEP },
	[JOBLET_E_PERMISSION] = { "permission", JOBLET_ERROR_STEP },
	[JOBLET_E_UNSUPPORTED] = { "unsupported", JOBLET_ERROR_STEP },
	[JOBLET_E_CONFIG] = { "config", JOBLET_ERROR_FATAL },
	[JOBLET_E_PLUGIN] = { "plugin", JOBLET_ERROR_STEP },
	[JOBLET_E_ABI] = { "abi", JOBLET_ERROR_STEP },
	[JOBLET_E_NETWORK] = { "network", JOBLET_ERROR_TRANSIENT },
	[JOBLET_E_HTTP] = { "http", JOBLET_ERROR_STEP },
	[JOBLET_E_TIMEOUT] = { "timeout", JOBLET_ERROR_TRANSIENT },
	[JOBLET_E_CHECKSUM] = { "checksum", JOBLET_ERROR_STEP },
	[JOBLET_E_ARCHIVE] = { "archive", JOBLET_ERROR_STEP },
	[JOBLET_E_LIMIT] = { "limit", JOBLET_ERROR_STEP },
	[JOBLET_E_BUSY] = { "busy", JOBLET_ERROR_TRANSIENT },
	[JOBLET_E_INTERNAL] = { "internal", JOBLET_ERROR_FATAL },
	[JOBLET_E_SYSTEM] = { "system", JOBLET_ERROR_STEP },
	[JOBLET_E_PARSE] = { "parse", JOBLET_ERROR_STEP },
	[JOBLET_E_CANCELED] = { "canceled", JOBLET_ERROR_STEP },
	[JOBLET_E_CONFLICT] = { "conflict", JOBLET_ERROR_STEP },
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
	full = jl_strdup_printf("%s: %s", msg, strerror(saved_errno));
	free(msg);
	return full;
}

int joblet_error_setv(struct joblet_error **err, int32_t code, int saved_errno, const char *fmt,
		      va_list ap)
{
	if (code <= 0 || code >= _JOBLET_E_MAX)
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
	r = joblet_error_setv(err, code, saved_errno, fmt, ap);
	va_end(ap);
	return r;
}

int joblet_error_set_detail(struct joblet_error **err, int32_t code, int32_t detail,
			    const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = joblet_error_setv(err, code, 0, fmt, ap);
	va_end(ap);
	if (err && *err != &oom_error)
		(*err)->detail = detail;
	return r;
}

int joblet_error_prefix(struct joblet_error **err, int r, const char *fmt, ...)
{
	_cleanup_free_ char *prefix = NULL;
	char *joined;
	va_list ap;

	if (!err || !*err || *err == &oom_error)
		return r;
	va_start(ap, fmt);
	if (vasprintf(&prefix, fmt, ap) < 0)
		prefix = NULL;
	va_end(ap);
	if (!prefix)
		return r;
	joined = jl_strdup_printf("%s: %s", prefix, (*err)->message);
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

const char *joblet_error_code_name(int32_t code)
{
	if (code <= 0 || code >= _JOBLET_E_MAX || !error_codes[code].name)
		return "unknown";
	return error_codes[code].name;
}

int32_t joblet_error_code_class(int32_t code)
{
	if (code <= 0 || code >= _JOBLET_E_MAX || !error_codes[code].name)
		return JOBLET_ERROR_FATAL;
	return error_codes[code].error_class;
}

const char *joblet_error_class_name(int32_t error_class)
{
	switch (error_class) {
	case JOBLET_ERROR_TRANSIENT:
		return "transient";
	case JOBLET_ERROR_STEP:
		return "step";
	case JOBLET_ERROR_FATAL:
		return "fatal";
	default:
		return "unknown";
	}
}
