/*
 * util.h - private helpers shared by the files of libjoblet (jl_ prefix).
 * Those marked JL_API are private tier (base/private.h): joblet-shim uses them.
 *
 * Not installed.  Cleanup attributes in the crun/systemd manner: a variable
 * declared _cleanup_free_ is freed when it leaves scope unless ownership was
 * handed on with TAKE_PTR().
 */
#ifndef JL_UTIL_H
#define JL_UTIL_H

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <joblet/error.h>

#include "base/cleanup.h"
#include "base/private.h"

JL_API void jl_strv_free(char **v);
static inline void jl_strvp(char ***v)
{
	jl_strv_free(*v);
}
#define _cleanup_strv_ _cleanup_(jl_strvp)

static inline bool jl_streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static inline bool jl_startswith(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Length of a NULL-terminated string vector (NULL counts as empty). */
JL_API size_t jl_strv_length(char *const *v);
/* Append a copy of s; returns 0 or -ENOMEM (v unchanged). */
JL_API int jl_strv_push(char ***v, const char *s);
/* A deep copy; NULL on OOM (a NULL input gives an empty vector). */
char **jl_strv_copy(char *const *v);
/* 1 when s is in v. */
bool jl_strv_contains(char *const *v, const char *s);
/* "a, b, c"; NULL on OOM. */
char *jl_strv_join(char *const *v, const char *sep);

/* asprintf that returns the string or NULL. */
JL_API char *jl_strdup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Read a whole file of at most max bytes into a new NUL-terminated buffer.
 * Errors: JOBLET_E_NOT_FOUND, JOBLET_E_IO, JOBLET_E_LIMIT, JOBLET_E_NOMEM.
 */
int jl_read_file(const char *path, size_t max, char **ret_data, size_t *ret_len,
		 struct joblet_error **err);

/* Read a small file (sysfs, procfs) into a trimmed string; NULL on failure (errno set). */
JL_API char *jl_read_line_file(const char *path);

/* Parse a whole decimal int64 (optional sign); -1 on any junk or overflow. */
JL_API int jl_parse_int64(const char *s, int64_t *ret);
/* host:port or [v6]:port with a port of min_port..65535. */
bool jl_address_valid(const char *a, int64_t min_port);

/*
 * A duration: whole seconds ("90"), or numbers with units in any
 * combination, optionally spaced: s, m, h, d ("90s", "5m", "2h30m",
 * "1h 15m", "1d"), or the units as words, in any case: sec, secs,
 * second(s), min, mins, minute(s), hr, hrs, hour(s), day(s) ("30sec",
 * "5mins", "2 hours", "1day", "1 hour 30 minutes").  -1 on junk,
 * zero-length or overflow.
 */
JL_API int jl_parse_duration(const char *s, int64_t *ret_seconds);

/*
 * The candidate a mistyped word most likely meant, for "did you mean":
 * the one within one edit (two for words of 5 characters or more; an edit
 * is a letter added, dropped, changed, or two swapped), or the only one
 * the word is a prefix of (3 characters at least).  word is word[0..len).
 * NULL when none is close, or two are equally close.
 */
JL_API const char *jl_closest_word(const char *word, size_t len, const char *const *candidates,
				   size_t n);

/*
 * A size: bytes ("4096") or a number with a unit: KiB MiB GiB TiB (and
 * K M G T) are powers of 1024, KB MB GB TB powers of 1000.  -1 on junk or
 * overflow.
 */
JL_API int jl_parse_size(const char *s, int64_t *ret_bytes);

/* The directory part of a path, as a new string ("." when there is none). */
char *jl_dirname(const char *path);

/* Is the process privileged (effective uid 0)? */
bool jl_privileged(void);

/* secure_getenv where available. */
const char *jl_getenv(const char *name);

#endif /* JL_UTIL_H */
