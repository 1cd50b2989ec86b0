/*
 * cron.c - cron expressions (joblet_cron_*): the five-field parser and the
 * next-fire-time search.
 *
 * The search runs on local wall-clock fields (year, month, day, hour,
 * minute) and jumps to the next set bit of each field, so its cost does not
 * depend on how far away the next match is.  Only the wall time it finds is
 * turned into an instant; that step (resolve()) is where daylight saving
 * time is dealt with, by asking localtime_r() which UTC offsets are in
 * force around it.
 */
#include <config.h>

#include <time.h>

#include "base/cron.h"

#include "base/util.h"

#define CRON_MAX_LEN 256
#define NS_PER_S     INT64_C(1000000000)
#define DAY_S	     INT64_C(86400)
/* How far jl_cron_next() looks, in years. */
#define HORIZON_YEARS 5
/* Bound on the search loop; each turn moves forward, this is only a backstop. */
#define MAX_TURNS 4096

#define FIELD_COUNT 5
#define FIELD_DOM   2
#define FIELD_MONTH 3
#define FIELD_DOW   4

static const char *const month_abbr[] = { "jan", "feb", "mar", "apr", "may", "jun",
					  "jul", "aug", "sep", "oct", "nov", "dec" };
static const char *const day_abbr[] = { "sun", "mon", "tue", "wed", "thu", "fri", "sat" };
static const char *const month_name[] = { "January",   "February", "March",    "April",
					  "May",       "June",	   "July",     "August",
					  "September", "October",  "November", "December" };

struct field {
	const char *name;	  /* as in messages: "day of month" */
	const char *range;	  /* "days of the month are 1-31" */
	int min, max;		  /* the numbers accepted */
	int star_max;		  /* the last value of `*` and of N/S */
	const char *const *names; /* three-letter names, the first of value names_base; or NULL */
	int names_base;
	int names_count;
};

static const struct field fields[FIELD_COUNT] = {
	{ "minute", "minutes are 0-59", 0, 59, 59, NULL, 0, 0 },
	{ "hour", "hours are 0-23", 0, 23, 23, NULL, 0, 0 },
	{ "day of month", "days of the month are 1-31", 1, 31, 31, NULL, 0, 0 },
	{ "month", "months are 1-12 or jan-dec", 1, 12, 12, month_abbr, 1, 12 },
	{ "day of week", "days of the week are 0-7 (0 and 7 are Sunday) or sun-sat", 0, 7, 6,
	  day_abbr, 0, 7 },
};

static const char fields_text[] = "5 fields (minute hour day-of-month month day-of-week)";
static const char macros_text[] = "@hourly, @daily, @weekly, @monthly, @yearly";

/* ------------------------------------------------------------ parsing */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char to_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive comparison of n bytes with a NUL-terminated lowercase word. */
static bool word_is(const char *s, size_t n, const char *word)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (word[i] == '\0' || to_lower(s[i]) != word[i])
			return false;
	return word[i] == '\0';
}

/*
 * s[0..n) for a message, with bytes that are not printable ASCII written
 * as \xNN, so a message never carries control characters.  buf holds at
 * least 4 * CRON_MAX_LEN + 1 bytes.
 */
static const char *quote(const char *s, size_t n, char *buf, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (size_t i = 0; i < n && o + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f) {
			buf[o++] = (char)c;
		} else {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		}
	}
	buf[o] = '\0';
	return buf;
}

#define QUOTE_BUF (4 * CRON_MAX_LEN + 1)

/* A field's text in the expression. */
struct slice {
	const char *s;
	size_t n;
};

/*
 * "cron field N (NAME) `PIECE` WHAT", with the whole field quoted first when
 * the piece at fault is only part of it.
 */
static int field_error(struct joblet_error **err, int fi, struct slice field, const char *piece,
		       size_t piece_len, const char *fmt, ...) JOBLET_PRINTF(6, 7);
static int field_error(struct joblet_error **err, int fi, struct slice field, const char *piece,
		       size_t piece_len, const char *fmt, ...)
{
	char qfield[QUOTE_BUF], qpiece[QUOTE_BUF];
	_cleanup_free_ char *what = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&what, fmt, ap);
	va_end(ap);
	if (r < 0) {
		what = NULL;
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot parse a cron field");
	}
	quote(piece, piece_len, qpiece, sizeof(qpiece));
	if (piece == field.s && piece_len == field.n)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "cron field %d (%s) `%s` %s",
					fi + 1, fields[fi].name, qpiece, what);
	quote(field.s, field.n, qfield, sizeof(qfield));
	return joblet_error_set(err, JOBLET_E_INVALID, 0, "cron field %d (%s) `%s`: `%s` %s",
				fi + 1, fields[fi].name, qfield, qpiece, what);
}

/* A syntax error in field fi: what is wrong (detail), then the forms accepted. */
static int syntax_error(struct joblet_error **err, int fi, struct slice field, const char *detail)
{
	return field_error(
		err, fi, field, field.s, field.n,
		"is not valid: %s; a field is `*`, N, N-M, a list such as 1,5,10-12, or a step */S, N-M/S or N/S (N to the last value), where %s",
		detail, fields[fi].range);
}

/* What follows an element's part, for "unexpected ..." messages. */
static int unexpected(struct joblet_error **err, int fi, struct slice field, const char *p,
		      const char *end, const char *after, size_t after_len)
{
	char qc[8], qa[QUOTE_BUF];
	_cleanup_free_ char *detail = NULL;

	if (p == end && after_len > 0)
		detail = jl_strdup_printf(
			"`%s` must be followed by %s", quote(after, after_len, qa, sizeof(qa)),
			after[after_len - 1] == '/' ? "a step number" : "a value");
	else if (p == end)
		detail = strdup("a value is missing");
	else if (after_len == 0)
		detail = jl_strdup_printf("unexpected `%s`", quote(p, 1, qc, sizeof(qc)));
	else
		detail = jl_strdup_printf("unexpected `%s` after `%s`", quote(p, 1, qc, sizeof(qc)),
					  quote(after, after_len, qa, sizeof(qa)));
	if (!detail)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot parse a cron field");
	return syntax_error(err, fi, field, detail);
}

/*
 * A number or a name at *pp (up to end) into *ret; *pp moves past it.
 * after/after_len: the text before it, for messages.
 */
static int parse_value(int fi, struct slice field, const char **pp, const char *end,
		       const char *after, size_t after_len, int *ret, struct joblet_error **err)
{
	const struct field *f = &fields[fi];
	const char *p = *pp, *start = p;

	if (p < end && is_digit(*p)) {
		int v = 0;

		while (p < end && is_digit(*p)) {
			if (v <= 1000)
				v = v * 10 + (*p - '0');
			p++;
		}
		if (v < f->min || v > f->max)
			return field_error(err, fi, field, start, (size_t)(p - start),
					   "is out of range: %s", f->range);
		*pp = p;
		*ret = v;
		return 0;
	}
	if (p < end && is_alpha(*p)) {
		char qw[QUOTE_BUF];

		while (p < end && is_alpha(*p))
			p++;
		if (!f->names) {
			_cleanup_free_ char *detail = jl_strdup_printf(
				"`%s` is not a number (names are for months and days of the week only)",
				quote(start, (size_t)(p - start), qw, sizeof(qw)));

			if (!detail)
				return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
							"cannot parse a cron field");
			return syntax_error(err, fi, field, detail);
		}
		for (int i = 0; i < f->names_count; i++) {
			if (word_is(start, (size_t)(p - start), f->names[i])) {
				*pp = p;
				*ret = f->names_base + i;
				return 0;
			}
		}
		return field_error(err, fi, field, start, (size_t)(p - start),
				   "is not a %s name: %s", fi == FIELD_MONTH ? "month" : "weekday",
				   f->range);
	}
	return unexpected(err, fi, field, p, end, after, after_len);
}

/* One field into a bit set (bit v: value v; weekday 7 already folded into 0). */
static int parse_field(int fi, struct slice field, uint64_t *ret_bits, struct joblet_error **err)
{
	const struct field *f = &fields[fi];
	const char *p = field.s, *end = field.s + field.n;
	uint64_t bits = 0;

	for (;;) {
		const char *elem = p;
		int a, b, step = 1;
		bool star = false, range = false;
		int r;

		if (p == end || *p == ',')
			return field_error(
				err, fi, field, field.s, field.n,
				"has an empty list element: write values between the commas, e.g. 1,5,10-12, where %s",
				f->range);
		if (*p == '*') {
			star = true;
			p++;
			a = f->min;
			b = f->star_max;
		} else {
			r = parse_value(fi, field, &p, end, elem, 0, &a, err);
			if (r < 0)
				return r;
			b = a;
			if (p < end && *p == '-') {
				range = true;
				p++;
				r = parse_value(fi, field, &p, end, elem, (size_t)(p - elem), &b,
						err);
				if (r < 0)
					return r;
				if (b < a) {
					char wrap[64], left[32], right[32];

					if (a == f->star_max)
						snprintf(left, sizeof(left), "%d", a);
					else
						snprintf(left, sizeof(left), "%d-%d", a,
							 f->star_max);
					if (b == f->min)
						snprintf(right, sizeof(right), "%d", b);
					else
						snprintf(right, sizeof(right), "%d-%d", f->min, b);
					if (fi == FIELD_DOW && b == 0)
						snprintf(wrap, sizeof(wrap), "%d-7", a);
					else
						snprintf(wrap, sizeof(wrap), "%s,%s", left, right);
					return field_error(
						err, fi, field, elem, (size_t)(p - elem),
						"runs backwards (%d > %d): a range goes from low to high; to wrap around write `%s`",
						a, b, wrap);
				}
			}
		}
		if (p < end && *p == '/') {
			const char *digits = ++p;
			int v = 0;

			while (p < end && is_digit(*p)) {
				if (v <= 1000)
					v = v * 10 + (*p - '0');
				p++;
			}
			if (p == digits)
				return unexpected(err, fi, field, p, end, elem, (size_t)(p - elem));
			if (v < 1 || v > f->star_max - f->min + 1) {
				char qs[QUOTE_BUF];

				return field_error(
					err, fi, field, elem, (size_t)(p - elem),
					"has step `%s`: a step is 1-%d",
					quote(digits, (size_t)(p - digits), qs, sizeof(qs)),
					f->star_max - f->min + 1);
			}
			step = v;
			if (!star && !range)
				b = a > f->star_max ? a : f->star_max;
		}
		if (p < end && *p != ',')
			return unexpected(err, fi, field, p, end, elem, (size_t)(p - elem));
		for (int v = a; v <= b; v += step)
			bits |= UINT64_C(1) << v;
		if (p == end)
			break;
		p++; /* the comma */
	}
	if (fi == FIELD_DOW && (bits & (1u << 7)))
		bits = (bits & ~(UINT64_C(1) << 7)) | 1;
	*ret_bits = bits;
	return 0;
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
	static const int8_t dim[13] = { 0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dim[m];
}

/* "February", "April and June", "April, June, September and November". */
static char *month_list(uint16_t months)
{
	char buf[256];
	size_t o = 0;
	int total = 0, seen = 0;

	for (int m = 1; m <= 12; m++)
		total += (months >> m) & 1;
	buf[0] = '\0';
	for (int m = 1; m <= 12; m++) {
		if (!((months >> m) & 1))
			continue;
		seen++;
		o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%s",
				      seen == 1	      ? ""
				      : seen == total ? " and "
						      : ", ",
				      month_name[m - 1]);
	}
	return strdup(buf);
}

/*
 * With the weekday not restricting (both must match, and the weekday field
 * is `*`-like), the days of the month must exist in one of the months.
 * The weekday case needs no check: every weekday comes in every month.
 */
static int check_can_fire(const struct jl_cron *c, const char *expr, size_t len,
			  struct joblet_error **err)
{
	_cleanup_free_ char *months = NULL;
	char q[QUOTE_BUF], days[32];
	int first = 0, count = 0, last = 0;

	if (!(c->flags & JL_CRON_DOW_STAR) || (c->flags & JL_CRON_DOM_STAR))
		return 0;
	for (int m = 1; m <= 12; m++) {
		if (!((c->months >> m) & 1))
			continue;
		/* 29 for February: it fires in leap years. */
		for (int d = 1; d <= (m == 2 ? 29 : days_in_month(1, m)); d++)
			if ((c->days >> d) & 1)
				return 0;
	}
	for (int d = 1; d <= 31; d++) {
		if ((c->days >> d) & 1) {
			if (!first)
				first = d;
			last = d;
			count++;
		}
	}
	/* Only days 30 and 31 can be missing from every month chosen. */
	if (count == 1)
		snprintf(days, sizeof(days), "day %d", first);
	else
		snprintf(days, sizeof(days), "day %d or %d", first, last);
	months = month_list(c->months);
	if (!months)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot parse a cron expression");
	return joblet_error_set(
		err, JOBLET_E_INVALID, 0,
		"cron expression `%s` can never fire: %s never %s %s; change the day of month (field 3) or the month (field 4)",
		quote(expr, len, q, sizeof(q)), months, strchr(months, ' ') ? "have" : "has", days);
}

static const struct {
	const char *name;
	const char *expr;
} macros[] = {
	{ "@yearly", "0 0 1 1 *" }, { "@annually", "0 0 1 1 *" }, { "@monthly", "0 0 1 * *" },
	{ "@weekly", "0 0 * * 0" }, { "@daily", "0 0 * * *" },	  { "@midnight", "0 0 * * *" },
	{ "@hourly", "0 * * * *" },
};

static int parse_fields(const char *expr, size_t len, struct jl_cron *ret,
			struct joblet_error **err);

static int parse_macro(const char *s, size_t n, struct jl_cron *ret, struct joblet_error **err)
{
	char q[QUOTE_BUF];
	size_t word = 0;

	while (word < n && !is_blank(s[word]))
		word++;
	for (size_t i = 0; i < ELEMENTSOF(macros); i++) {
		if (!word_is(s, word, macros[i].name))
			continue;
		if (word != n)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"cron expression `%s` is not valid: a macro such as `%s` stands alone, without fields after it",
				quote(s, n, q, sizeof(q)), macros[i].name);
		return parse_fields(macros[i].expr, strlen(macros[i].expr), ret, err);
	}
	if (word_is(s, word, "@reboot"))
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"cron macro `@reboot` is not supported: joblet starts jobs at times only; use 5 fields or %s",
			macros_text);
	return joblet_error_set(
		err, JOBLET_E_INVALID, 0,
		"`%s` is not a cron macro: use %s (@annually and @midnight are other names for @yearly and @daily), or 5 fields",
		quote(s, word, q, sizeof(q)), macros_text);
}

/* expr[0..len): without leading or trailing blanks, not empty. */
static int parse_fields(const char *expr, size_t len, struct jl_cron *ret,
			struct joblet_error **err)
{
	struct slice field[FIELD_COUNT];
	uint64_t bits[FIELD_COUNT];
	struct jl_cron c = { 0 };
	const char *p = expr, *end = expr + len;
	int count = 0, r;

	while (p < end) {
		const char *start = p;

		while (p < end && !is_blank(*p))
			p++;
		if (count < FIELD_COUNT)
			field[count] = (struct slice){ start, (size_t)(p - start) };
		count++;
		while (p < end && is_blank(*p))
			p++;
	}
	if (count != FIELD_COUNT) {
		char q[QUOTE_BUF];

		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"a cron expression has %s, `%s` has %d; or use %s",
					fields_text, quote(expr, len, q, sizeof(q)), count,
					macros_text);
	}
	for (int i = 0; i < FIELD_COUNT; i++) {
		r = parse_field(i, field[i], &bits[i], err);
		if (r < 0)
			return r;
	}
	c.minutes = bits[0];
	c.hours = (uint32_t)bits[1];
	c.days = (uint32_t)bits[2];
	c.months = (uint16_t)bits[3];
	c.weekdays = (uint8_t)bits[4];
	if (field[FIELD_DOM].s[0] == '*')
		c.flags |= JL_CRON_DOM_STAR;
	if (field[FIELD_DOW].s[0] == '*')
		c.flags |= JL_CRON_DOW_STAR;
	r = check_can_fire(&c, expr, len, err);
	if (r < 0)
		return r;
	*ret = c;
	return 0;
}

int jl_cron_parse(const char *expr, struct jl_cron *ret, struct joblet_error **err)
{
	size_t len;

	if (!expr || !ret)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "no cron expression given");
	len = strnlen(expr, CRON_MAX_LEN + 1);
	if (len > CRON_MAX_LEN)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"a cron expression is at most %d bytes, this one has %zu",
					CRON_MAX_LEN, strlen(expr));
	while (len > 0 && is_blank(*expr))
		expr++, len--;
	while (len > 0 && is_blank(expr[len - 1]))
		len--;
	if (len == 0)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"the cron expression is empty: a cron expression has %s, or is one of %s",
			fields_text, macros_text);
	if (expr[0] == '@')
		return parse_macro(expr, len, ret, err);
	return parse_fields(expr, len, ret, err);
}

/* ------------------------------------------------------------ the next time */

/* A local wall-clock time; fields may run past their range until normalized. */
struct wall {
	int64_t year;
	int month, day, hour, minute; /* 1-12, 1-31, 0-23, 0-59 */
};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, struct wall *w)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	w->day = (int)(doy - (153 * mp + 2) / 5 + 1);
	w->month = (int)(mp < 10 ? mp + 3 : mp - 9);
	w->year = era * 400 + yoe + (w->month <= 2);
}

/* A wall time as seconds, counted as if it were UTC. */
static int64_t wall_seconds(const struct wall *w)
{
	return days_from_civil(w->year, w->month, w->day) * DAY_S + w->hour * 3600 + w->minute * 60;
}

static void wall_of_seconds(int64_t s, struct wall *w)
{
	int64_t sod = s - floor_div(s, DAY_S) * DAY_S;

	civil_from_days(floor_div(s, DAY_S), w);
	w->hour = (int)(sod / 3600);
	w->minute = (int)(sod % 3600 / 60);
}

static int wall_cmp(const struct wall *a, const struct wall *b)
{
	int64_t x[5] = { a->year, a->month, a->day, a->hour, a->minute };
	int64_t y[5] = { b->year, b->month, b->day, b->hour, b->minute };

	for (int i = 0; i < 5; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* The local wall time at instant t as seconds-as-if-UTC; false when out of range. */
static bool local_seconds(int64_t t, int64_t *ret)
{
	time_t tt = (time_t)t;
	struct tm tm;
	struct wall w;

	if ((int64_t)tt != t || !localtime_r(&tt, &tm))
		return false;
	w = (struct wall){ (int64_t)tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
			   tm.tm_min };
	*ret = wall_seconds(&w) + tm.tm_sec;
	return true;
}

/* The UTC offset in force at instant t (local minus UTC, seconds). */
static bool offset_at(int64_t t, int64_t *ret)
{
	int64_t l;

	if (!local_seconds(t, &l))
		return false;
	*ret = l - t;
	return true;
}

/* Lowest set bit of set at or above from, or -1. */
static int next_bit(uint64_t set, int from)
{
	if (from >= 64)
		return -1;
	set &= ~UINT64_C(0) << from;
	return set ? __builtin_ctzll(set) : -1;
}

/* Weekday of y-m-d, 0 = Sunday (1970-01-01 was a Thursday). */
static int weekday(int64_t y, int m, int d)
{
	int64_t z = days_from_civil(y, m, d) + 4;

	return (int)(z - floor_div(z, 7) * 7);
}

/* Bit d set for each day d of month y-m that c matches (Vixie's OR/AND rule). */
static uint64_t month_days(const struct jl_cron *c, int64_t y, int m)
{
	int dim = days_in_month(y, m), first = weekday(y, m, 1);
	uint64_t in_month = ((UINT64_C(1) << dim) - 1) << 1;
	uint64_t dom = c->days & in_month, dow = 0;

	for (int w = 0; w < 7; w++)
		if ((c->weekdays >> w) & 1)
			for (int d = 1 + (w - first + 7) % 7; d <= dim; d += 7)
				dow |= UINT64_C(1) << d;
	if (c->flags & (JL_CRON_DOM_STAR | JL_CRON_DOW_STAR))
		return dom & dow;
	return dom | dow;
}

/* Move *w to the first wall time at or after it that c matches; false past limit. */
static bool next_wall(const struct jl_cron *c, struct wall *w, const struct wall *limit)
{
	for (;;) {
		uint64_t days;
		int v;

		if (w->minute > 59)
			w->hour++, w->minute = 0;
		if (w->hour > 23)
			w->day++, w->hour = 0, w->minute = 0;
		if (w->day > 31)
			w->month++, w->day = 1, w->hour = 0, w->minute = 0;
		if (w->month > 12)
			w->year++, w->month = 1, w->day = 1, w->hour = 0, w->minute = 0;
		if (wall_cmp(w, limit) >= 0)
			return false;

		v = next_bit(c->months & 0x1ffe, w->month);
		if (v < 0) {
			w->month = 13;
			continue;
		}
		if (v != w->month)
			*w = (struct wall){ w->year, v, 1, 0, 0 };

		days = month_days(c, w->year, w->month);
		v = next_bit(days, w->day);
		if (v < 0) {
			w->day = 32;
			continue;
		}
		if (v != w->day)
			w->day = v, w->hour = 0, w->minute = 0;

		v = next_bit(c->hours & 0xffffff, w->hour);
		if (v < 0) {
			w->hour = 24;
			continue;
		}
		if (v != w->hour)
			w->hour = v, w->minute = 0;

		v = next_bit(c->minutes & ((UINT64_C(1) << 60) - 1), w->minute);
		if (v < 0) {
			w->minute = 60;
			continue;
		}
		w->minute = v;
		return true;
	}
}

/*
 * First t in (lo, hi] whose offset differs from lo's, by bisection (the
 * offset at lo differs from the one at hi).  hi - lo is the size of the
 * clock change, usually an hour: a dozen calls, once per change crossed.
 */
static bool find_transition(int64_t lo, int64_t hi, int64_t *ret)
{
	int64_t off_lo, off;

	if (!offset_at(lo, &off_lo))
		return false;
	while (hi - lo > 1) {
		int64_t mid = lo + (hi - lo) / 2;

		if (!offset_at(mid, &off))
			return false;
		if (off == off_lo)
			lo = mid;
		else
			hi = mid;
	}
	*ret = hi;
	return true;
}

enum resolved {
	RESOLVED_FIRE = 1, /* *ret_t is when w happens */
	RESOLVED_SKIP = 2, /* w does not fire; *w now holds the wall time to search on from */
	RESOLVED_FAIL = 3, /* out of range */
};

static void wall_ceil_minute(int64_t s, struct wall *w)
{
	wall_of_seconds(floor_div(s + 59, 60) * 60, w);
}

/*
 * The instant wall time *w first happens at, if that is after after.  The
 * offsets a day before and a day after are the ones that can apply; a
 * candidate UTC time U - offset is real when that offset is in force then.
 *   - none real: *w is in a gap (clocks sprang forward); go on from the
 *     first wall time after the gap;
 *   - two real: *w is in a repeated hour (clocks fell back); it fires at
 *     the earlier one; when that is not after after, no time of the
 *     repeated hour fires any more: go on from its end.
 */
static enum resolved resolve(struct wall *w, int64_t after, int64_t *ret_t)
{
	int64_t u = wall_seconds(w), o1, o2, o, c1, c2, tr;
	bool ok1, ok2;

	if (!offset_at(u - DAY_S, &o1) || !offset_at(u + DAY_S, &o2))
		return RESOLVED_FAIL;
	c1 = u - o1;
	c2 = u - o2;
	ok1 = offset_at(c1, &o) && o == o1;
	ok2 = o2 != o1 && offset_at(c2, &o) && o == o2;
	if (ok1 || ok2) {
		int64_t first = ok1 && ok2 ? (c1 < c2 ? c1 : c2) : ok1 ? c1 : c2;

		if (first > after) {
			*ret_t = first;
			return RESOLVED_FIRE;
		}
		if (ok1 && ok2 && find_transition(first, c1 < c2 ? c2 : c1, &tr)) {
			/* The repeated hour ends where the earlier offset's walls did. */
			wall_ceil_minute(tr + (c1 < c2 ? o1 : o2), w);
			return RESOLVED_SKIP;
		}
		w->minute++;
		return RESOLVED_SKIP;
	}
	/* A gap: o1 was in force up to the transition, o2 from it on. */
	if (c2 < c1 && find_transition(c2, c1, &tr)) {
		wall_ceil_minute(tr + o2, w);
		return RESOLVED_SKIP;
	}
	w->minute++;
	return RESOLVED_SKIP;
}

int64_t jl_cron_next(const struct jl_cron *c, int64_t after_ns)
{
	int64_t after, start, local, t;
	struct wall w, limit;

	if (!c || !(c->minutes & ((UINT64_C(1) << 60) - 1)) || !(c->hours & 0xffffff) ||
	    !(c->days & 0xfffffffe) || !(c->months & 0x1ffe) || !(c->weekdays & 0x7f))
		return -1;
	tzset();
	after = floor_div(after_ns, NS_PER_S);
	start = floor_div(after, 60) * 60 + 60;
	if (!local_seconds(start, &local))
		return -1;
	wall_ceil_minute(local, &w);
	limit = w;
	limit.year += HORIZON_YEARS;

	for (int turn = 0; turn < MAX_TURNS; turn++) {
		if (!next_wall(c, &w, &limit))
			return -1;
		switch (resolve(&w, after, &t)) {
		case RESOLVED_FIRE:
			if (t > INT64_MAX / NS_PER_S)
				return -1;
			return t * NS_PER_S;
		case RESOLVED_SKIP:
			break;
		case RESOLVED_FAIL:
			return -1;
		}
	}
	return -1;
}
