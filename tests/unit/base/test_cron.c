/*
 * test_cron.c - cron expressions (joblet/cron.h): every form into its exact
 * bit sets, every refusal with its message, and next fire times in UTC and
 * across daylight saving time in America/New_York, checked against a
 * minute-by-minute search as well.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <joblet/error.h>

#include "base/cron.h"

#include "jl_test.h"

#define NS	     INT64_C(1000000000)
#define ALL_MINUTES  ((UINT64_C(1) << 60) - 1)
#define ALL_HOURS    0xffffffu
#define ALL_DAYS     0xfffffffeu
#define ALL_MONTHS   0x1ffe
#define ALL_WEEKDAYS 0x7f
#define BOTH_STAR    (JL_CRON_DOM_STAR | JL_CRON_DOW_STAR)
#define NY_ZONE	     "/usr/share/zoneinfo/America/New_York"

static uint64_t bits(const int *v, int n)
{
	uint64_t b = 0;

	for (int i = 0; i < n; i++)
		b |= UINT64_C(1) << v[i];
	return b;
}

#define BITS(...) bits((const int[]){ __VA_ARGS__ }, sizeof((int[]){ __VA_ARGS__ }) / sizeof(int))

static void set_tz(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

/* y-m-d h:mi UTC in nanoseconds. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {
		.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi
	};

	return (int64_t)timegm(&tm) * NS;
}

static struct jl_cron parse_ok(const char *expr)
{
	struct jl_cron c;
	struct joblet_error *e = NULL;

	memset(&c, 0xa5, sizeof(c));
	ck_assert_msg(jl_cron_parse(expr, &c, &e) == 0, "`%s`: %s", expr, joblet_error_message(e));
	ck_assert_ptr_null(e);
	return c;
}

static void expect(const char *expr, uint64_t minutes, uint32_t hours, uint32_t days,
		   uint16_t months, uint8_t weekdays, uint8_t flags)
{
	struct jl_cron c = parse_ok(expr);

	ck_assert_msg(c.minutes == minutes, "`%s`: minutes %#llx, want %#llx", expr,
		      (unsigned long long)c.minutes, (unsigned long long)minutes);
	ck_assert_msg(c.hours == hours, "`%s`: hours %#x, want %#x", expr, c.hours, hours);
	ck_assert_msg(c.days == days, "`%s`: days %#x, want %#x", expr, c.days, days);
	ck_assert_msg(c.months == months, "`%s`: months %#x, want %#x", expr, c.months, months);
	ck_assert_msg(c.weekdays == weekdays, "`%s`: weekdays %#x, want %#x", expr, c.weekdays,
		      weekdays);
	ck_assert_msg(c.flags == flags, "`%s`: flags %d, want %d", expr, c.flags, flags);
}

/*
 * Parse must fail with JOBLET_E_INVALID and leave *ret alone; the message
 * must contain each of the NULL-terminated strings.
 */
static void expect_bad(const char *expr, ...)
{
	struct jl_cron c, before;
	struct joblet_error *e = NULL;
	const char *want;
	va_list ap;
	int r;

	memset(&c, 0x5a, sizeof(c));
	before = c;
	r = jl_cron_parse(expr, &c, &e);
	ck_assert_msg(r == -JOBLET_E_INVALID, "`%s` was accepted (r=%d)", expr ? expr : "(null)",
		      r);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->code, JOBLET_E_INVALID);
	ck_assert_int_eq(e->saved_errno, 0);
	ck_assert_msg(memcmp(&c, &before, sizeof(c)) == 0, "`%s`: ret was changed", expr);
	for (const char *m = e->message; *m; m++)
		ck_assert_msg((unsigned char)*m >= 0x20 && (unsigned char)*m < 0x7f,
			      "control or non-ASCII byte in `%s`", e->message);
	va_start(ap, expr);
	while ((want = va_arg(ap, const char *)))
		ck_assert_msg(strstr(e->message, want), "`%s`: message \"%s\" lacks \"%s\"", expr,
			      e->message, want);
	va_end(ap);
	joblet_error_free(e);
	/* Also without an error object. */
	ck_assert_int_eq(jl_cron_parse(expr, &c, NULL), -JOBLET_E_INVALID);
}

static void expect_message(const char *expr, const char *message)
{
	struct jl_cron c;
	struct joblet_error *e = NULL;

	ck_assert_int_eq(jl_cron_parse(expr, &c, &e), -JOBLET_E_INVALID);
	ck_assert_str_eq(e->message, message);
	joblet_error_free(e);
}

/* ------------------------------------------------------------ parsing */

START_TEST(test_parse_star_and_numbers)
{
	expect("* * * * *", ALL_MINUTES, ALL_HOURS, ALL_DAYS, ALL_MONTHS, ALL_WEEKDAYS, BOTH_STAR);
	expect("5 4 3 2 1", BITS(5), BITS(4), BITS(3), BITS(2), BITS(1), 0);
	expect("59 23 31 12 6", BITS(59), BITS(23), BITS(31), BITS(12), BITS(6), 0);
	expect("0 0 1 1 0", BITS(0), BITS(0), BITS(1), BITS(1), BITS(0), 0);
	expect("05 007 09 01 00", BITS(5), BITS(7), BITS(9), BITS(1), BITS(0), 0);
}
END_TEST

START_TEST(test_parse_ranges_lists_steps)
{
	expect("1-5 * * * *", BITS(1, 2, 3, 4, 5), ALL_HOURS, ALL_DAYS, ALL_MONTHS, ALL_WEEKDAYS,
	       BOTH_STAR);
	expect("1,3,10-12 0-0 * * *", BITS(1, 3, 10, 11, 12), BITS(0), ALL_DAYS, ALL_MONTHS,
	       ALL_WEEKDAYS, BOTH_STAR);
	expect("*/15 */5 * * *", BITS(0, 15, 30, 45), BITS(0, 5, 10, 15, 20), ALL_DAYS, ALL_MONTHS,
	       ALL_WEEKDAYS, BOTH_STAR);
	expect("10-30/10 1-23/11 * * *", BITS(10, 20, 30), BITS(1, 12, 23), ALL_DAYS, ALL_MONTHS,
	       ALL_WEEKDAYS, BOTH_STAR);
	/* a/n: from a to the field's last value. */
	expect("50/5 20/2 25/3 10/1 3/2", BITS(50, 55), BITS(20, 22), BITS(25, 28, 31),
	       BITS(10, 11, 12), BITS(3, 5), 0);
	/* A step of the whole span matches the first value only. */
	expect("*/60 */24 */31 */12 */7", BITS(0), BITS(0), BITS(1), BITS(1), BITS(0), BOTH_STAR);
	expect("*/20,5 * * * *", BITS(0, 5, 20, 40), ALL_HOURS, ALL_DAYS, ALL_MONTHS, ALL_WEEKDAYS,
	       BOTH_STAR);
	expect("0 0 5-5/2 * *", BITS(0), BITS(0), BITS(5), ALL_MONTHS, ALL_WEEKDAYS,
	       JL_CRON_DOW_STAR);
	expect("0 0 */10 */3 */2", BITS(0), BITS(0), BITS(1, 11, 21, 31), BITS(1, 4, 7, 10),
	       BITS(0, 2, 4, 6), BOTH_STAR);
}
END_TEST

START_TEST(test_parse_names_and_sunday_7)
{
	expect("0 0 * jan,MAR,Dec *", BITS(0), BITS(0), ALL_DAYS, BITS(1, 3, 12), ALL_WEEKDAYS,
	       BOTH_STAR);
	expect("0 0 * Jun-aug *", BITS(0), BITS(0), ALL_DAYS, BITS(6, 7, 8), ALL_WEEKDAYS,
	       BOTH_STAR);
	expect("0 0 * feb-12/5 *", BITS(0), BITS(0), ALL_DAYS, BITS(2, 7, 12), ALL_WEEKDAYS,
	       BOTH_STAR);
	expect("0 0 * * mon-fri", BITS(0), BITS(0), ALL_DAYS, ALL_MONTHS, BITS(1, 2, 3, 4, 5),
	       JL_CRON_DOM_STAR);
	expect("0 0 * * SUN,sat", BITS(0), BITS(0), ALL_DAYS, ALL_MONTHS, BITS(0, 6),
	       JL_CRON_DOM_STAR);
	expect("0 0 * * 7", BITS(0), BITS(0), ALL_DAYS, ALL_MONTHS, BITS(0), JL_CRON_DOM_STAR);
	expect("0 0 * * 5-7", BITS(0), BITS(0), ALL_DAYS, ALL_MONTHS, BITS(0, 5, 6),
	       JL_CRON_DOM_STAR);
	expect("0 0 * * thu-7", BITS(0), BITS(0), ALL_DAYS, ALL_MONTHS, BITS(0, 4, 5, 6),
	       JL_CRON_DOM_STAR);
	expect("0 0 * * 0-7/7", BITS(0), BITS(0), ALL_DAYS, ALL_MONTHS, BITS(0), JL_CRON_DOM_STAR);
	expect("0 0 * * 7/1", BITS(0), BITS(0), ALL_DAYS, ALL_MONTHS, BITS(0), JL_CRON_DOM_STAR);
	expect("0 0 * * Wed/2", BITS(0), BITS(0), ALL_DAYS, ALL_MONTHS, BITS(3, 5),
	       JL_CRON_DOM_STAR);
}
END_TEST

START_TEST(test_parse_blanks)
{
	expect("  0\t\t12  *  *\t*  ", BITS(0), BITS(12), ALL_DAYS, ALL_MONTHS, ALL_WEEKDAYS,
	       BOTH_STAR);
	expect("\t1 2 3 4 5\t", BITS(1), BITS(2), BITS(3), BITS(4), BITS(5), 0);
}
END_TEST

START_TEST(test_parse_star_flags)
{
	/* Vixie: a field that starts with `*` counts as `*`, also with a step. */
	expect("0 0 1 * 1", BITS(0), BITS(0), BITS(1), ALL_MONTHS, BITS(1), 0);
	expect("0 0 * * 1", BITS(0), BITS(0), ALL_DAYS, ALL_MONTHS, BITS(1), JL_CRON_DOM_STAR);
	expect("0 0 1 * *", BITS(0), BITS(0), BITS(1), ALL_MONTHS, ALL_WEEKDAYS, JL_CRON_DOW_STAR);
	expect("0 0 */2 * 1", BITS(0), BITS(0), 0xaaaaaaaau, ALL_MONTHS, BITS(1), JL_CRON_DOM_STAR);
	expect("0 0 1 * */2", BITS(0), BITS(0), BITS(1), ALL_MONTHS, BITS(0, 2, 4, 6),
	       JL_CRON_DOW_STAR);
	/* Not at the start: restricted. */
	expect("0 0 1-31 * 0-7", BITS(0), BITS(0), ALL_DAYS, ALL_MONTHS, ALL_WEEKDAYS, 0);
}
END_TEST

START_TEST(test_parse_macros)
{
	static const struct {
		const char *macro, *expr;
	} m[] = {
		{ "@yearly", "0 0 1 1 *" },  { "@annually", "0 0 1 1 *" },
		{ "@monthly", "0 0 1 * *" }, { "@weekly", "0 0 * * 0" },
		{ "@daily", "0 0 * * *" },   { "@midnight", "0 0 * * *" },
		{ "@hourly", "0 * * * *" },  { "  @HOURLY\t", "0 * * * *" },
		{ "@Daily", "0 0 * * *" },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		struct jl_cron a = parse_ok(m[i].macro), b = parse_ok(m[i].expr);

		ck_assert_msg(a.minutes == b.minutes && a.hours == b.hours && a.days == b.days &&
				      a.months == b.months && a.weekdays == b.weekdays &&
				      a.flags == b.flags,
			      "`%s` is not `%s`", m[i].macro, m[i].expr);
	}
	expect("@weekly", BITS(0), BITS(0), ALL_DAYS, ALL_MONTHS, BITS(0), JL_CRON_DOM_STAR);
	expect("@yearly", BITS(0), BITS(0), BITS(1), BITS(1), ALL_WEEKDAYS, JL_CRON_DOW_STAR);
}
END_TEST

START_TEST(test_parse_accepts_what_can_fire)
{
	/* Leap years; the OR rule (Mondays); the 31st of the months that have it. */
	parse_ok("0 0 29 2 *");
	parse_ok("0 0 30 2 1");
	parse_ok("0 0 31 * *");
	parse_ok("0 0 30,31 2,4 *");
	parse_ok("0 0 */15 2 *");
}
END_TEST

/* ------------------------------------------------------------ refusals */

START_TEST(test_bad_field_count)
{
	expect_message(
		"*/5 * *",
		"a cron expression has 5 fields (minute hour day-of-month month day-of-week), `*/5 * *` has 3; or use @hourly, @daily, @weekly, @monthly, @yearly");
	expect_bad("* * * *", "5 fields", "has 4", "@daily", NULL);
	expect_bad("* * * * * *", "has 6", NULL);
	expect_bad("", "empty", "5 fields", "@hourly", NULL);
	expect_bad(" \t ", "empty", NULL);
	expect_bad(NULL, "no cron expression", NULL);
	/* Only spaces and tabs separate fields. */
	expect_bad("0 0 * * *\n", "day of week", "unexpected `\\x0a`", NULL);
	expect_bad("0\n0 * * *", "has 4", "`0\\x0a0 * * *`", NULL);
}
END_TEST

START_TEST(test_bad_range)
{
	expect_message("0 25 * * *", "cron field 2 (hour) `25` is out of range: hours are 0-23");
	expect_message("1,60 * * * *",
		       "cron field 1 (minute) `1,60`: `60` is out of range: minutes are 0-59");
	expect_bad("0 0 0 * *", "cron field 3 (day of month) `0` is out of range",
		   "days of the month are 1-31", NULL);
	expect_bad("0 0 32 * *", "day of month", "`32`", "1-31", NULL);
	expect_bad("0 0 * 13 *", "cron field 4 (month) `13`", "months are 1-12 or jan-dec", NULL);
	expect_bad("0 0 * 0 *", "(month)", NULL);
	expect_bad("0 0 * * 8", "cron field 5 (day of week) `8` is out of range",
		   "0-7 (0 and 7 are Sunday) or sun-sat", NULL);
	expect_bad("0 0-24 * * *", "(hour) `0-24`: `24` is out of range", NULL);
	expect_bad("99999999999999999999 * * * *", "(minute)", "is out of range", NULL);
}
END_TEST

START_TEST(test_bad_syntax)
{
	expect_bad("1,,2 * * * *", "(minute) `1,,2` has an empty list element", NULL);
	expect_bad(",1 * * * *", "(minute)", "empty list element", NULL);
	expect_bad("0 1, * * *", "(hour) `1,` has an empty list element", NULL);
	expect_bad("5-1 * * * *", "(minute) `5-1` runs backwards (5 > 1)", "`5-59,0-1`", NULL);
	expect_bad("0 22-2 * * *", "(hour)", "runs backwards", "`22-23,0-2`", NULL);
	expect_bad("0 0 * * fri-sun", "(day of week) `fri-sun` runs backwards", "`5-7`", NULL);
	expect_bad("0 0 * dec-jan *", "(month)", "runs backwards", "`12,1`", NULL);
	expect_bad("*/0 * * * *", "(minute) `*/0` has step `0`: a step is 1-60", NULL);
	expect_bad("0 1-5/0 * * *", "(hour)", "step `0`", "1-24", NULL);
	expect_bad("*/61 * * * *", "step `61`", NULL);
	expect_bad("0 0 * * */8", "(day of week)", "a step is 1-7", NULL);
	expect_bad("5x * * * *", "(minute) `5x` is not valid: unexpected `x` after `5`", "*/S",
		   "minutes are 0-59", NULL);
	expect_bad("*5 * * * *", "unexpected `5` after `*`", NULL);
	expect_bad("*-5 * * * *", "unexpected `-` after `*`", NULL);
	expect_bad("0 5- * * *", "(hour) `5-` is not valid: `5-` must be followed by a value",
		   NULL);
	expect_bad("*/ * * * *", "`*/` must be followed by a step number", NULL);
	expect_bad("*/x * * * *", "unexpected `x` after `*/`", NULL);
	expect_bad("*/5x * * * *", "unexpected `x` after `*/5`", NULL);
	expect_bad("1-2-3 * * * *", "unexpected `-` after `1-2`", NULL);
	expect_bad("-5 * * * *", "unexpected `-`", NULL);
	expect_bad("/5 * * * *", "unexpected `/`", NULL);
	expect_bad("0 0 * * 1;", "(day of week)", "unexpected `;`", NULL);
	expect_bad("0 0 * * 1\x01", "(day of week) `1\\x01`", "unexpected `\\x01`", NULL);
	expect_bad("0 0 \xc3\xa9 * *", "(day of month) `\\xc3\\xa9`", NULL);
	expect_bad("mon * * * *", "(minute)", "`mon` is not a number", NULL);
	expect_bad("0 0 1st * *", "(day of month)", "unexpected `s` after `1`", NULL);
	expect_bad("0 0 * * monday", "(day of week) `monday` is not a weekday name", "sun-sat",
		   NULL);
	expect_bad("0 0 * * mon-friday", "(day of week) `mon-friday`: `friday` is not a weekday",
		   NULL);
	expect_bad("0 0 * foo *", "(month) `foo` is not a month name", "jan-dec", NULL);
	expect_bad("0 0 * 1-ja *", "(month)", "`ja` is not a month name", NULL);
}
END_TEST

START_TEST(test_bad_macro_and_length)
{
	char big[400];

	expect_bad("@foo", "`@foo` is not a cron macro", "@hourly", "5 fields", NULL);
	expect_bad("@reboot", "`@reboot` is not supported", NULL);
	expect_bad("@daily 5", "`@daily 5`", "stands alone", NULL);
	expect_bad("0 @daily * * *", "(hour)", "unexpected `@`", NULL);
	memset(big, ' ', sizeof(big));
	memcpy(big, "* * * * *", 9);
	big[257] = '\0';
	expect_bad(big, "at most 256 bytes, this one has 257", NULL);
	big[256] = '\0';
	parse_ok(big);
}
END_TEST

START_TEST(test_bad_never_fires)
{
	expect_bad("0 0 30 2 *", "`0 0 30 2 *` can never fire: February never has day 30",
		   "day of month", "month", NULL);
	expect_bad("0 0 31 4,6,9,11 *", "April, June, September and November never have day 31",
		   NULL);
	expect_bad("0 0 30,31 feb *", "February never has day 30 or 31", NULL);
	expect_bad("0 0 31 feb,apr *", "February and April never have day 31", NULL);
	/* `*` with a step is still `*`: both must match, and no day exists. */
	expect_bad("0 0 31 2 */2", "February never has day 31", NULL);
}
END_TEST

/* ------------------------------------------------------------ next, UTC */

static struct jl_cron cron(const char *expr)
{
	return parse_ok(expr);
}

static void expect_next(const char *expr, int64_t after, int64_t want)
{
	struct jl_cron c = cron(expr);
	int64_t got = jl_cron_next(&c, after);

	ck_assert_msg(got == want, "`%s` after %lld: got %lld, want %lld (diff %lld s)", expr,
		      (long long)(after / NS), (long long)(got / NS), (long long)(want / NS),
		      (long long)((got - want) / NS));
}

START_TEST(test_next_every_5_minutes)
{
	struct jl_cron c = cron("*/5 * * * *");
	int64_t t = utc(2024, 1, 1, 10, 2) + 30 * NS;

	set_tz("UTC");
	expect_next("*/5 * * * *", t, utc(2024, 1, 1, 10, 5));
	expect_next("*/5 * * * *", utc(2024, 1, 1, 10, 5), utc(2024, 1, 1, 10, 10));
	expect_next("*/5 * * * *", utc(2024, 1, 1, 10, 5) - 1, utc(2024, 1, 1, 10, 5));
	expect_next("*/5 * * * *", utc(2024, 1, 1, 10, 5) + 1, utc(2024, 1, 1, 10, 10));
	t = utc(2024, 1, 1, 23, 40);
	for (int i = 1; i <= 30; i++) {
		t = jl_cron_next(&c, t);
		ck_assert_int_eq(t, utc(2024, 1, 1, 23, 40) + i * 300 * NS);
	}
}
END_TEST

START_TEST(test_next_hourly_at_30)
{
	set_tz("UTC");
	expect_next("30 * * * *", utc(2024, 5, 6, 10, 30), utc(2024, 5, 6, 11, 30));
	expect_next("30 * * * *", utc(2024, 5, 6, 10, 30) - 1, utc(2024, 5, 6, 10, 30));
	expect_next("30 * * * *", utc(2024, 5, 6, 23, 31), utc(2024, 5, 7, 0, 30));
	expect_next("@hourly", utc(2024, 5, 6, 23, 0), utc(2024, 5, 7, 0, 0));
}
END_TEST

START_TEST(test_next_daily_across_month_end)
{
	set_tz("UTC");
	expect_next("15 2 * * *", utc(2024, 1, 31, 3, 0), utc(2024, 2, 1, 2, 15));
	expect_next("15 2 * * *", utc(2024, 1, 31, 2, 14), utc(2024, 1, 31, 2, 15));
	expect_next("15 2 * * *", utc(2024, 2, 29, 2, 15), utc(2024, 3, 1, 2, 15));
	expect_next("15 2 * * *", utc(2023, 2, 28, 2, 15), utc(2023, 3, 1, 2, 15));
	expect_next("15 2 * * *", utc(2024, 4, 30, 23, 59), utc(2024, 5, 1, 2, 15));
	expect_next("0 0 31 * *", utc(2024, 1, 31, 0, 0), utc(2024, 3, 31, 0, 0));
	expect_next("@monthly", utc(2024, 1, 15, 0, 0), utc(2024, 2, 1, 0, 0));
}
END_TEST

START_TEST(test_next_feb_29)
{
	set_tz("UTC");
	expect_next("0 0 29 2 *", utc(2024, 3, 1, 0, 0), utc(2028, 2, 29, 0, 0));
	expect_next("0 0 29 2 *", utc(2023, 1, 1, 0, 0), utc(2024, 2, 29, 0, 0));
	expect_next("0 0 29 2 *", utc(2024, 2, 29, 0, 0), utc(2028, 2, 29, 0, 0));
	expect_next("0 0 29 2 *", utc(2095, 3, 1, 0, 0), utc(2096, 2, 29, 0, 0));
	/* 2100 is not a leap year: 2104 is more than 5 years away. */
	expect_next("0 0 29 2 *", utc(2096, 3, 1, 0, 0), -1);
	/* Every 29 February from 2004 to 2092, one after the other. */
	{
		struct jl_cron c = cron("0 0 29 2 *");
		int64_t t = utc(2001, 1, 1, 0, 0);
		int n = 0;

		for (int y = 2004; y < 2096; y += 4) {
			t = jl_cron_next(&c, t);
			ck_assert_int_eq(t, utc(y, 2, 29, 0, 0));
			n++;
		}
		ck_assert_int_eq(n, 23);
	}
}
END_TEST

START_TEST(test_next_vixie_or)
{
	static const int want[][2] = { { 1, 8 }, { 1, 15 }, { 1, 22 }, { 1, 29 },
				       { 2, 1 }, { 2, 5 },  { 2, 12 }, { 2, 15 } };
	struct jl_cron c = cron("0 0 1,15 * mon");
	int64_t t = utc(2024, 1, 1, 0, 0); /* a Monday and the 1st */

	set_tz("UTC");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		t = jl_cron_next(&c, t);
		ck_assert_int_eq(t, utc(2024, want[i][0], want[i][1], 0, 0));
	}
}
END_TEST

START_TEST(test_next_star_step_means_and)
{
	/* `*` with a step counts as `*`: the 1st, 11th, 21st or 31st AND a Monday. */
	static const int want[][3] = { { 2024, 3, 11 },	 { 2024, 4, 1 },   { 2024, 7, 1 },
				       { 2024, 10, 21 }, { 2024, 11, 11 }, { 2025, 3, 31 } };
	struct jl_cron c = cron("0 0 */10 * mon");
	int64_t t = utc(2024, 1, 1, 0, 0);

	set_tz("UTC");
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		t = jl_cron_next(&c, t);
		ck_assert_int_eq(t, utc(want[i][0], want[i][1], want[i][2], 0, 0));
	}
	/* Friday the 13th. */
	expect_next("0 0 13 * 5", utc(2024, 1, 1, 0, 0), utc(2024, 1, 5, 0, 0));
	expect_next("0 0 * * 5", utc(2024, 1, 1, 0, 0), utc(2024, 1, 5, 0, 0));
}
END_TEST

START_TEST(test_next_weekdays)
{
	set_tz("UTC");
	/* 2024-01-05 is a Friday. */
	expect_next("0 9 * * mon-fri", utc(2024, 1, 5, 9, 0), utc(2024, 1, 8, 9, 0));
	expect_next("0 9 * * mon-fri", utc(2024, 1, 5, 8, 59), utc(2024, 1, 5, 9, 0));
	expect_next("0 9 * * sat,sun", utc(2024, 1, 5, 9, 0), utc(2024, 1, 6, 9, 0));
	expect_next("0 9 * * 7", utc(2024, 1, 5, 9, 0), utc(2024, 1, 7, 9, 0));
	expect_next("@weekly", utc(2024, 1, 5, 9, 0), utc(2024, 1, 7, 0, 0));
}
END_TEST

START_TEST(test_next_year_rollover)
{
	set_tz("UTC");
	expect_next("59 23 31 12 *", utc(2023, 12, 31, 23, 58), utc(2023, 12, 31, 23, 59));
	expect_next("59 23 31 12 *", utc(2023, 12, 31, 23, 59), utc(2024, 12, 31, 23, 59));
	expect_next("* * * * *", utc(2023, 12, 31, 23, 59) + 30 * NS, utc(2024, 1, 1, 0, 0));
	expect_next("@yearly", utc(2023, 12, 31, 23, 59), utc(2024, 1, 1, 0, 0));
	expect_next("0 0 1 1 *", utc(2024, 1, 1, 0, 0), utc(2025, 1, 1, 0, 0));
}
END_TEST

START_TEST(test_next_strictly_after)
{
	set_tz("UTC");
	expect_next("0 0 * * *", utc(2024, 1, 1, 0, 0), utc(2024, 1, 2, 0, 0));
	expect_next("0 0 * * *", utc(2024, 1, 1, 0, 0) - 1, utc(2024, 1, 1, 0, 0));
	expect_next("* * * * *", utc(2024, 1, 1, 0, 0), utc(2024, 1, 1, 0, 1));
	expect_next("* * * * *", utc(2024, 1, 1, 0, 0) + NS - 1, utc(2024, 1, 1, 0, 1));
	/* Before 1970. */
	expect_next("0 0 1 * *", utc(1969, 12, 15, 0, 0), utc(1970, 1, 1, 0, 0));
	expect_next("30 * * * *", -1, utc(1970, 1, 1, 0, 30));
}
END_TEST

START_TEST(test_next_none)
{
	struct jl_cron c = cron("0 0 * * *");

	set_tz("UTC");
	ck_assert_int_eq(jl_cron_next(NULL, 0), -1);
	c.weekdays = 0;
	ck_assert_int_eq(jl_cron_next(&c, 0), -1);
	c = cron("0 0 * * *");
	c.minutes = UINT64_C(1) << 60; /* outside 0-59 */
	ck_assert_int_eq(jl_cron_next(&c, 0), -1);
	/* A hand-made 30 February (parse refuses it) never fires. */
	c = cron("0 0 28 2 *");
	c.days = 1u << 30;
	ck_assert_int_eq(jl_cron_next(&c, utc(2024, 1, 1, 0, 0)), -1);
	/* Past what nanoseconds in an int64 can hold (2262). */
	expect_next("0 0 1 1 *", utc(2262, 1, 1, 0, 0), -1);
	c = cron("* * * * *");
	ck_assert_int_eq(jl_cron_next(&c, INT64_MAX), -1);
}
END_TEST

/* The oracle: minute by minute, with the local calendar from localtime_r(). */
static bool matches_tm(const struct jl_cron *c, const struct tm *tm)
{
	bool dom = (c->days >> tm->tm_mday) & 1, dow = (c->weekdays >> tm->tm_wday) & 1;

	if (!((c->minutes >> tm->tm_min) & 1) || !((c->hours >> tm->tm_hour) & 1) ||
	    !((c->months >> (tm->tm_mon + 1)) & 1))
		return false;
	if (c->flags & BOTH_STAR)
		return dom && dow;
	return dom || dow;
}

/*
 * First whole UTC minute after after_s whose local time matches and did not
 * happen an hour earlier (New York repeats one hour when clocks fall back).
 */
static int64_t brute_next(const struct jl_cron *c, int64_t after_s, int64_t max_minutes)
{
	int64_t t = (after_s / 60 + 1) * 60;

	for (int64_t i = 0; i < max_minutes; i++, t += 60) {
		time_t tt = (time_t)t, earlier = (time_t)(t - 3600);
		struct tm tm, tm2;

		localtime_r(&tt, &tm);
		if (!matches_tm(c, &tm))
			continue;
		localtime_r(&earlier, &tm2);
		if (tm2.tm_mday == tm.tm_mday && tm2.tm_hour == tm.tm_hour &&
		    tm2.tm_min == tm.tm_min)
			continue;
		return t * NS;
	}
	return -2;
}

static const char *const oracle_exprs[] = {
	"*/5 * * * *",	   "30 * * * *",     "15 2 * * *",  "0 0 1,15 * mon",
	"0 9 * * mon-fri", "*/7 1-3 * * *",  "59 23 * * *", "0 6 */10 * *",
	"0,30 1,2 * * *",  "10 */3 * * 0,6", "0 12 13 * 5", "45 1 1-7 * *",
	"* 2 * * *",	   "5 1 * 1,3,11 *", "0 0 * * *",   "1-59/29 0-4 * * *",
};

static void check_oracle(int64_t from_s, int64_t span_s, int steps)
{
	for (size_t i = 0; i < sizeof(oracle_exprs) / sizeof(oracle_exprs[0]); i++) {
		struct jl_cron c = cron(oracle_exprs[i]);

		for (int k = 0; k < steps; k++) {
			/* Spread over the span, at odd seconds. */
			int64_t after = from_s + span_s * k / steps + (k * 7919) % 60;
			int64_t want = brute_next(&c, after, 60 * 24 * 40);
			int64_t got = jl_cron_next(&c, after * NS);

			ck_assert_msg(got == want, "`%s` after %lld: got %lld, oracle %lld",
				      oracle_exprs[i], (long long)after, (long long)(got / NS),
				      (long long)(want / NS));
		}
	}
}

START_TEST(test_next_agrees_with_oracle_utc)
{
	set_tz("UTC");
	check_oracle(utc(2023, 12, 20, 0, 0) / NS, 80 * 86400, 25);
}
END_TEST

/* ------------------------------------------------------------ daylight saving time */

static bool have_new_york(void)
{
	struct stat st;

	return stat(NY_ZONE, &st) == 0;
}

START_TEST(test_dst_gap_new_york)
{
	/* 2024-03-10 02:00 EST (07:00 UTC) became 03:00 EDT: 02:00-02:59 did not exist. */
	set_tz("America/New_York");
	/* Skipped that day: the next existing 02:30 is the day after (EDT, UTC-4). */
	expect_next("30 2 * * *", utc(2024, 3, 10, 5, 0), utc(2024, 3, 11, 6, 30));
	expect_next("30 2 * * *", utc(2024, 3, 9, 5, 0), utc(2024, 3, 9, 7, 30));
	/* 01:45 EST, then 03:00 EDT: the next matching time that exists. */
	expect_next("*/15 * * * *", utc(2024, 3, 10, 6, 45), utc(2024, 3, 10, 7, 0));
	expect_next("* * * * *", utc(2024, 3, 10, 6, 59), utc(2024, 3, 10, 7, 0));
	expect_next("0 * * * *", utc(2024, 3, 10, 6, 0), utc(2024, 3, 10, 7, 0));
	expect_next("0 3 * * *", utc(2024, 3, 10, 5, 0), utc(2024, 3, 10, 7, 0));
	expect_next("* 2 * * *", utc(2024, 3, 10, 5, 0), utc(2024, 3, 11, 6, 0));
	/* Midnight: EST one day, EDT the next. */
	expect_next("0 0 * * *", utc(2024, 3, 9, 5, 0), utc(2024, 3, 10, 5, 0));
	expect_next("0 0 * * *", utc(2024, 3, 10, 5, 0), utc(2024, 3, 11, 4, 0));
}
END_TEST

START_TEST(test_dst_overlap_new_york)
{
	/* 2024-11-03 02:00 EDT (06:00 UTC) became 01:00 EST: 01:00-01:59 happened twice. */
	set_tz("America/New_York");
	/* Once, the first time (EDT); the next is the day after (EST, UTC-5). */
	expect_next("30 1 * * *", utc(2024, 11, 3, 4, 0), utc(2024, 11, 3, 5, 30));
	expect_next("30 1 * * *", utc(2024, 11, 3, 5, 30), utc(2024, 11, 4, 6, 30));
	/* Asked during the repeated hour: its times already happened. */
	expect_next("30 1 * * *", utc(2024, 11, 3, 6, 10), utc(2024, 11, 4, 6, 30));
	expect_next("*/5 * * * *", utc(2024, 11, 3, 6, 10), utc(2024, 11, 3, 7, 0));
	/* Nothing fires during the repeat. */
	expect_next("0 * * * *", utc(2024, 11, 3, 5, 0), utc(2024, 11, 3, 7, 0));
	expect_next("*/30 * * * *", utc(2024, 11, 3, 5, 30), utc(2024, 11, 3, 7, 0));
	expect_next("* * * * *", utc(2024, 11, 3, 5, 59), utc(2024, 11, 3, 7, 0));
	expect_next("0 2 * * *", utc(2024, 11, 3, 4, 0), utc(2024, 11, 3, 7, 0));
	expect_next("59 1 * * *", utc(2024, 11, 3, 4, 0), utc(2024, 11, 3, 5, 59));
	expect_next("0 0 * * *", utc(2024, 11, 3, 4, 0), utc(2024, 11, 4, 5, 0));
}
END_TEST

START_TEST(test_dst_agrees_with_oracle_new_york)
{
	set_tz("America/New_York");
	check_oracle(utc(2024, 3, 8, 0, 0) / NS, 4 * 86400, 20);
	check_oracle(utc(2024, 11, 1, 0, 0) / NS, 4 * 86400, 20);
}
END_TEST

START_TEST(test_zone_is_read_on_every_call)
{
	struct jl_cron c = cron("0 0 * * *");

	set_tz("America/New_York");
	ck_assert_int_eq(jl_cron_next(&c, utc(2024, 1, 1, 12, 0)), utc(2024, 1, 2, 5, 0));
	setenv("TZ", "UTC", 1); /* no tzset(): jl_cron_next() calls it */
	ck_assert_int_eq(jl_cron_next(&c, utc(2024, 1, 1, 12, 0)), utc(2024, 1, 2, 0, 0));
}
END_TEST

static Suite *suite(bool dst)
{
	Suite *s = suite_create("cron");
	TCase *parse = tcase_create("parse");
	TCase *bad = tcase_create("refused");
	TCase *next = tcase_create("next");
	TCase *zone = tcase_create("dst");

	tcase_add_test(parse, test_parse_star_and_numbers);
	tcase_add_test(parse, test_parse_ranges_lists_steps);
	tcase_add_test(parse, test_parse_names_and_sunday_7);
	tcase_add_test(parse, test_parse_blanks);
	tcase_add_test(parse, test_parse_star_flags);
	tcase_add_test(parse, test_parse_macros);
	tcase_add_test(parse, test_parse_accepts_what_can_fire);
	suite_add_tcase(s, parse);

	tcase_add_test(bad, test_bad_field_count);
	tcase_add_test(bad, test_bad_range);
	tcase_add_test(bad, test_bad_syntax);
	tcase_add_test(bad, test_bad_macro_and_length);
	tcase_add_test(bad, test_bad_never_fires);
	suite_add_tcase(s, bad);

	tcase_set_timeout(next, 60);
	tcase_add_test(next, test_next_every_5_minutes);
	tcase_add_test(next, test_next_hourly_at_30);
	tcase_add_test(next, test_next_daily_across_month_end);
	tcase_add_test(next, test_next_feb_29);
	tcase_add_test(next, test_next_vixie_or);
	tcase_add_test(next, test_next_star_step_means_and);
	tcase_add_test(next, test_next_weekdays);
	tcase_add_test(next, test_next_year_rollover);
	tcase_add_test(next, test_next_strictly_after);
	tcase_add_test(next, test_next_none);
	tcase_add_test(next, test_next_agrees_with_oracle_utc);
	suite_add_tcase(s, next);

	if (dst) {
		tcase_set_timeout(zone, 120);
		tcase_add_test(zone, test_dst_gap_new_york);
		tcase_add_test(zone, test_dst_overlap_new_york);
		tcase_add_test(zone, test_dst_agrees_with_oracle_new_york);
		tcase_add_test(zone, test_zone_is_read_on_every_call);
		suite_add_tcase(s, zone);
	}
	return s;
}

int main(void)
{
	bool dst = have_new_york();
	int r = jl_run_suite(suite(dst));

	if (!dst)
		printf("ok - test_dst_* # SKIP no time zone data: %s is missing (install tzdata)\n",
		       NY_ZONE);
	return r;
}
