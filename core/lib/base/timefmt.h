/*
 * base/timefmt.h - times as people and the API write them.
 *
 * Private tier (base/private.h).
 */
#ifndef JL_TIMEFMT_H
#define JL_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/error.h>

#include "base/private.h"

/*
 * When a job scheduled with `--schedule=WHEN` starts, as CLOCK_REALTIME
 * nanoseconds:
 *   RFC 3339 with a zone      2026-12-03T10:00:00Z, 2026-12-03T11:00:00+01:00
 *   the same without a zone   2026-12-03T10:00:00 (this host's local time)
 *   a date and a time         2026-12-03 10:00[:00] (local time)
 *   a delay from now_ns       90s, 5m, 2h30m, 1h 15m, 1d, 2min, 2 hours (a bare
 *                             number: seconds; jl_parse_duration())
 * A time in the past is returned as it is (the job then runs at once).
 * Errors: JOBLET_E_INVALID naming the forms accepted.
 */
JL_API int jl_schedule_parse(const char *when, int64_t now_ns, int64_t *ret_ns,
			     struct joblet_error **err);

/* Parse RFC 3339 with a zone (what the API takes): JOBLET_E_INVALID otherwise. */
JL_API int jl_time_parse_rfc3339(const char *text, int64_t *ret_ns, struct joblet_error **err);

/* ns (CLOCK_REALTIME) as RFC 3339 in UTC with milliseconds, into buf (at least 32 bytes). */
JL_API void jl_time_format_rfc3339(int64_t ns, char *buf, size_t size);

#endif /* JL_TIMEFMT_H */
