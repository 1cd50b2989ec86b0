/*
 * base/log.h - where libjoblet's and plugins' log messages go.
 *
 * Private tier (base/private.h).  The library never writes to stdout or
 * stderr itself.  The program that embeds it (joblet, joblet-shim, rnx, a
 * test) installs a sink; until then messages are dropped.
 *
 * Thread safety: jl_log() may be called from any thread; it calls the sink
 * under a lock, so a sink need not be reentrant.  Set the sink and the
 * level before starting threads.
 */
#ifndef JL_LOG_H
#define JL_LOG_H

#include <stdarg.h>
#include <stdint.h>

#include <joblet/log.h>

#include "base/private.h"

/*
 * A sink receives one finished message (no trailing newline).  source is
 * "joblet" for the core, "kind/name" for a plugin.  All pointers are
 * borrowed for the duration of the call.
 */
typedef void (*jl_log_sink_fn)(int32_t level, const char *source, const char *message,
			       void *userdata);

/* Install a sink (NULL drops every message, the default). */
JL_API void jl_log_set_sink(jl_log_sink_fn sink, void *userdata);

/*
 * A ready sink for long-running programs: one line per message on stderr,
 * "2026-01-02T03:04:05.678Z LEVEL   source: message" (UTC), flushed at once.
 * userdata is unused.
 */
JL_API void jl_log_sink_stderr_stamped(int32_t level, const char *source, const char *message,
				       void *userdata);

/* Messages above this level are dropped before formatting. Default: INFO. */
JL_API void jl_log_set_level(int32_t level);
JL_API int32_t jl_log_get_level(void);

/* 1 when a message at level would reach the sink, else 0. */
JL_API int jl_log_enabled(int32_t level);

JL_API void jl_log(int32_t level, const char *source, const char *fmt, ...) JOBLET_PRINTF(3, 4);
JL_API void jl_logv(int32_t level, const char *source, const char *fmt, va_list ap)
	JOBLET_PRINTF(3, 0);

/*
 * text made safe for a one-line log (new string, NULL when out of memory):
 * a backslash becomes \\, newline, carriage return and tab \n \r \t, every
 * other control character (below 0x20, 0x7f, the C1 controls U+0080..U+009F)
 * and every byte of invalid UTF-8 \xNN.  jl_logv() applies it to each
 * message and source, so a field a client chose cannot forge a line.
 */
JL_API char *jl_log_escape(const char *text);

/* "error", "warning", "info", "debug"; "unknown" otherwise. Static. */
JL_API const char *jl_log_level_name(int32_t level);

/*
 * Parse a level name (case-insensitive; "warn" is accepted for "warning").
 * Returns 0 and sets *ret_level, or -1 when the name is not a level.
 */
JL_API int jl_log_level_parse(const char *name, int32_t *ret_level);

#endif /* JL_LOG_H */
