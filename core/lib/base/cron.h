/*
 * base/cron.h - cron expressions: parsing the standard five fields and
 * finding the next time one fires.
 *
 * Private tier (base/private.h).  The daemon keeps one struct jl_cron per
 * recurring job and asks jl_cron_next() for the next start each time
 * one fires.  docs/scheduling.md ("Cron syntax") is the user's reference.
 *
 *	struct jl_cron c;
 *	if (jl_cron_parse("*\/15 8-18 * * mon-fri", &c, &err) < 0)
 *		return -1;
 *	int64_t when = jl_cron_next(&c, now_ns);
 */
#ifndef JL_CRON_H
#define JL_CRON_H

#include <stdint.h>

#include "base/private.h"
#include <joblet/error.h>

/*
 * A parsed cron expression: bit sets of the times it matches.  Plain data
 * (no pointers) that may be copied and stored.  jl_cron_parse() fills
 * it; a hand-made one works too (bits outside the ranges below are ignored).
 */
struct jl_cron {
	uint64_t minutes; /* bit m: minute m (0-59) */
	uint32_t hours;	  /* bit h: hour h (0-23) */
	uint32_t days;	  /* bit d: day of month d (1-31) */
	uint16_t months;  /* bit m: month m (1-12) */
	uint8_t weekdays; /* bit w: weekday w (0 = Sunday .. 6) */
	uint8_t flags;	  /* JL_CRON_DOM_STAR, JL_CRON_DOW_STAR: that field was `*` */
};

/*
 * The day-of-month / day-of-week field started with `*` (`*` or `*\/n`).
 * As in Vixie cron: when neither flag is set, a day matches if its day of
 * the month OR its weekday matches; when either is set, both must match.
 */
#define JL_CRON_DOM_STAR 1
#define JL_CRON_DOW_STAR 2

/*
 * Parse expr into *ret.
 *
 * expr: five fields separated by any number of spaces or tabs (leading and
 * trailing ones allowed), minute hour day-of-month month day-of-week, each
 * `*`, N, N-M, a list A,B,C-D, or a step `*\/S`, `N-M/S`, `N/S` (N to the
 * field's last value); month names jan..dec and weekday names sun..sat in
 * any case, also in ranges; weekday 7 is Sunday.  Or one of the macros
 * @yearly (@annually), @monthly, @weekly, @daily (@midnight), @hourly.
 * At most 256 bytes.
 *
 * Errors: JOBLET_E_INVALID, naming the field, the bad text, the range of
 * values it accepts and the forms accepted; also for an expression that
 * can never fire ("0 0 30 2 *": February never has day 30).  On error *ret
 * is left as it was.
 *
 * Thread safety: none needed (no global state).  expr is borrowed.
 */
JL_API int jl_cron_parse(const char *expr, struct jl_cron *ret, struct joblet_error **err);

/*
 * The first time strictly after after_ns (CLOCK_REALTIME nanoseconds) that
 * c matches, in nanoseconds, on a whole local minute (seconds 0).  -1 when
 * it matches nothing within the next 5 years (e.g. "0 0 29 2 *" from March
 * 2096, as 2100 is not a leap year), or c is NULL.
 *
 * Times are in this process's local time zone: TZ, read again on every call
 * (it calls tzset()).  Daylight saving time:
 *   - a local time that does not exist (the hour skipped when clocks spring
 *     forward) never fires; the job fires at the next matching time that
 *     does exist ("30 2 * * *" skips that day, "*\/15 * * * *" goes from
 *     01:45 to 03:00);
 *   - a local time that occurs twice (the hour repeated when clocks fall
 *     back) fires once, at its first occurrence; during the repeated hour
 *     nothing fires ("0 * * * *" goes from 01:00 in summer time to 02:00 in
 *     standard time).
 * The set of times a struct fires at depends only on it and the zone, not on
 * after_ns: chaining calls visits them all in order.
 *
 * Cost: a few localtime_r() calls, whatever the expression (it skips whole
 * months, days and hours).  Thread-safe as localtime_r().
 */
JL_API int64_t jl_cron_next(const struct jl_cron *c, int64_t after_ns);

#endif /* JL_CRON_H */
