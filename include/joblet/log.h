/*
 * joblet/log.h - where libjoblet and plugins send log messages.
 *
 * Part of the joblet SDK and of the libjoblet API.
 *
 * The library never writes to stdout or stderr itself.  The process that
 * embeds it (joblet, rnx, a test) installs a sink; until then messages are
 * dropped.  Plugins log through the joblet_plog_* macros of
 * <joblet/plugin.h>, which name the plugin as the source ("archive/tar").
 *
 * Thread safety: joblet_log() may be called from any thread; it calls the
 * sink under a lock, so a sink need not be reentrant.  Set the sink and the
 * level before starting threads.
 */
#ifndef JOBLET_LOG_H
#define JOBLET_LOG_H

#include <stdarg.h>
#include <stdint.h>

#include <joblet/common.h>

JOBLET_BEGIN_DECLS

enum joblet_log_level {
	JOBLET_LOG_ERROR = 1,
	JOBLET_LOG_WARNING = 2,
	JOBLET_LOG_INFO = 3,
	JOBLET_LOG_DEBUG = 4
};

/*
 * A sink receives one finished message (no trailing newline).  source is
 * "joblet" for the core, "kind/name" for a plugin.  All pointers are
 * borrowed for the duration of the call.
 */
typedef void (*joblet_log_sink_fn)(int32_t level, const char *source, const char *message,
				   void *userdata);

/* Install a sink (NULL drops every message, the default). */
JOBLET_API void joblet_log_set_sink(joblet_log_sink_fn sink, void *userdata);

/*
 * A ready sink for long-running programs: one line per message on stderr,
 * "2026-01-02T03:04:05.678Z LEVEL   source: message" (UTC), flushed at once.
 * userdata is unused.
 */
JOBLET_API void joblet_log_sink_stderr_stamped(int32_t level, const char *source,
					       const char *message, void *userdata);

/* Messages above this level are dropped before formatting. Default: INFO. */
JOBLET_API void joblet_log_set_level(int32_t level);
JOBLET_API int32_t joblet_log_get_level(void);

/* 1 when a message at level would reach the sink, else 0. */
JOBLET_API int joblet_log_enabled(int32_t level);

JOBLET_API void joblet_log(int32_t level, const char *source, const char *fmt, ...)
	JOBLET_PRINTF(3, 4);
JOBLET_API void joblet_logv(int32_t level, const char *source, const char *fmt, va_list ap)
	JOBLET_PRINTF(3, 0);

/* "error", "warning", "info", "debug"; "unknown" otherwise. Static. */
JOBLET_API const char *joblet_log_level_name(int32_t level);

/*
 * Parse a level name (case-insensitive; "warn" is accepted for "warning").
 * Returns 0 and sets *ret_level, or -1 when the name is not a level.
 */
JOBLET_API int joblet_log_level_parse(const char *name, int32_t *ret_level);

JOBLET_END_DECLS

#endif /* JOBLET_LOG_H */
