/*
 * timefmt.c - times as people write them (`--schedule`) and as the API
 * carries them (RFC 3339).
 */
#include <config.h>

#include <ctype.h>
#include <time.h>

#include <joblet/job.h>

#include "base/util.h"
#include "base/timefmt.h"

#define NS_PER_S INT64_C(1000000000)

/* n digits at *p into *ret; advances *p. */
static bool digits(const char **p, int n, int *ret)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*ret = v;
	return true;
}

enum zone_kind {
	ZONE_NONE = 1,	 /* no zone given: local time */
	ZONE_OFFSET = 2, /* Z or +HH:MM */
};

/*
 * YYYY-MM-DD(T| )HH:MM[:SS[.frac]][Z|+HH:MM|-HH:MM].  *ret_ns is the instant;
 * *ret_zone says whether a zone was given.  -1 when text is not of this form.
 */
static int parse_datetime(const char *text, int64_t *ret_ns, enum zone_kind *ret_zone)
{
	const char *p = text;
	struct tm tm = { 0 };
	int year, mon, day, hour, min, sec = 0, off = 0;
	int64_t frac_ns = 0;
	time_t t;

	if (!digits(&p, 4, &year) || *p++ != '-' || !digits(&p, 2, &mon) || *p++ != '-' ||
	    !digits(&p, 2, &day) || (*p != 'T' && *p != 't' && *p != ' '))
		return -1;
	p++;
	if (!digits(&p, 2, &hour) || *p++ != ':' || !digits(&p, 2, &min))
		return -1;
	if (*p == ':') {
		p++;
		if (!digits(&p, 2, &sec))
			return -1;
		if (*p == '.') {
			int64_t scale = NS_PER_S / 10;

			p++;
			if (!isdigit((unsigned char)*p))
				return -1;
			for (; isdigit((unsigned char)*p); p++, scale /= 10)
				frac_ns += (*p - '0') * scale;
		}
	}
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
		return -1;
	if (*p == 'Z' || *p == 'z') {
		p++;
		*ret_zone = ZONE_OFFSET;
	} else if (*p == '+' || *p == '-') {
		int sign = *p == '-' ? -1 : 1, oh, om;

		p++;
		if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) || oh > 23 || om > 59)
			return -1;
		off = sign * (oh * 3600 + om * 60);
		*ret_zone = ZONE_OFFSET;
	} else
		*ret_zone = ZONE_NONE;
	if (*p)
		return -1;
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	if (*ret_zone == ZONE_NONE) {
		tm.tm_isdst = -1;
		t = mktime(&tm);
	} else
		t = timegm(&tm);
	if (t == (time_t)-1 && !(year == 1969 || year == 1970))
		return -1;
	/* mktime/timegm normalise 31 February into March: refuse instead. */
	if (tm.tm_mday != day || tm.tm_mon != mon - 1)
		return -1;
	/* Nanoseconds since 1970 must fit in 64 bits: 1677-09-21 to 2262-04-11. */
	if ((int64_t)t - off < INT64_MIN / NS_PER_S + 1 ||
	    (int64_t)t - off > INT64_MAX / NS_PER_S - 1)
		return -1;
	*ret_ns = ((int64_t)t - off) * NS_PER_S + frac_ns;
	return 0;
}

int jl_time_parse_rfc3339(const char *text, int64_t *ret_ns, struct joblet_error **err)
{
	enum zone_kind zone;

	if (!text || parse_datetime(text, ret_ns, &zone) < 0 || zone != ZONE_OFFSET)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"`%s` is not an RFC 3339 time with a zone (2026-12-03T10:00:00Z or 2026-12-03T11:00:00+01:00)",
			text ? text : "");
	return 0;
}

int jl_schedule_parse(const char *when, int64_t now_ns, int64_t *ret_ns, struct joblet_error **err)
{
	enum zone_kind zone;
	int64_t s;

	if (when && parse_datetime(when, ret_ns, &zone) == 0)
		return 0;
	if (when && jl_parse_duration(when, &s) == 0 &&
	    s <= INT64_MAX / NS_PER_S - now_ns / NS_PER_S) {
		*ret_ns = now_ns + s * NS_PER_S;
		return 0;
	}
	return joblet_error_set(
		err, JOBLET_E_INVALID, 0,
		"`%s` is not a time: give RFC 3339 (2026-12-03T10:00:00Z; without a zone it is this host's local time), `2026-12-03 10:00[:00]`, or a delay such as 90s, 5m, 2h30m, 1h 15m, 1d, 2min, 2 hours",
		when ? when : "");
}

void jl_time_format_rfc3339(int64_t ns, char *buf, size_t size)
{
	time_t t = (time_t)(ns / NS_PER_S);
	int ms = (int)((ns % NS_PER_S) / 1000000);
	struct tm tm;

	if (ns < 0 || !gmtime_r(&t, &tm)) {
		snprintf(buf, size, "1970-01-01T00:00:00.000Z");
		return;
	}
	snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ms);
}
