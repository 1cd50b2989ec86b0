/*
 * test_timefmt.c - times a user gives: a delay (`2h30m`) or an RFC 3339 instant.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <joblet/error.h>

#include "base/timefmt.h"
#include "jl_test.h"

START_TEST(test_schedule_times)
{
	struct joblet_error *err = NULL;
	int64_t now = INT64_C(1796300000) * 1000000000, t;

	ck_assert_int_eq(jl_schedule_parse("2h30m", now, &t, &err), 0);
	ck_assert_int_eq(t, now + INT64_C(9000) * 1000000000);
	ck_assert_int_eq(jl_schedule_parse("1h 15m", now, &t, &err), 0);
	ck_assert_int_eq(t, now + INT64_C(4500) * 1000000000);
	ck_assert_int_eq(jl_schedule_parse("1d", now, &t, &err), 0);
	ck_assert_int_eq(t, now + INT64_C(86400) * 1000000000);
	ck_assert_int_eq(jl_schedule_parse("2026-12-03T10:00:00Z", now, &t, &err), 0);
	ck_assert_int_eq(t, INT64_C(1796292000) * 1000000000);
	ck_assert_int_eq(jl_schedule_parse("2026-12-03T11:30:00+01:30", now, &t, &err), 0);
	ck_assert_int_eq(t, INT64_C(1796292000) * 1000000000);
	ck_assert_int_eq(jl_schedule_parse("2026-12-03T10:00:00.250Z", now, &t, &err), 0);
	ck_assert_int_eq(t, INT64_C(1796292000) * 1000000000 + 250000000);
	/* Without a zone: local time (TZ decides). */
	setenv("TZ", "UTC+2", 1);
	tzset();
	ck_assert_int_eq(jl_schedule_parse("2026-12-03 08:00", now, &t, &err), 0);
	ck_assert_int_eq(t, INT64_C(1796292000) * 1000000000);
	ck_assert_int_eq(jl_schedule_parse("2026-12-03T08:00:00", now, &t, &err), 0);
	ck_assert_int_eq(t, INT64_C(1796292000) * 1000000000);
	/* The API takes only RFC 3339 with a zone. */
	ck_assert_int_lt(jl_time_parse_rfc3339("2026-12-03T08:00:00", &t, &err), 0);
	joblet_error_clear(&err);
	ck_assert_int_eq(jl_time_parse_rfc3339("2026-12-03T10:00:00Z", &t, &err), 0);
	{
		char buf[40];

		jl_time_format_rfc3339(t + 5000000, buf, sizeof(buf));
		ck_assert_str_eq(buf, "2026-12-03T10:00:00.005Z");
	}
	for (const char *const *b =
		     (const char *const[]){ "2026-02-31T10:00:00Z", "2026-13-01 10:00", "tomorrow",
					    "5 parsecs", "", "2026-12-03", "2026-12-03T25:00:00Z",
					    NULL };
	     *b; b++) {
		ck_assert_msg(jl_schedule_parse(*b, now, &t, &err) < 0, "%s", *b);
		ck_assert_ptr_nonnull(strstr(joblet_error_message(err), "RFC 3339"));
		joblet_error_clear(&err);
	}
	joblet_error_free(err);
}
END_TEST

/* Found by tests/fuzz/fuzz_job_json: year 1013 overflowed the nanoseconds (UBSan). */
START_TEST(test_time_range)
{
	struct joblet_error *err = NULL;
	int64_t now = INT64_C(1796300000) * 1000000000, t;

	/* Nanoseconds since 1970 in 64 bits: from 1677-09-21 to 2262-04-11. */
	for (const char *const *b =
		     (const char *const[]){ "1013-12-03T10:00:00Z", "0000-01-01T00:00:00Z",
					    "1677-09-21T00:00:00Z", "2262-04-11T23:47:16Z",
					    "9999-12-31T23:59:59.999999999Z", "1013-12-03 10:00",
					    NULL };
	     *b; b++) {
		ck_assert_msg(jl_time_parse_rfc3339(*b, &t, &err) < 0, "%s", *b);
		joblet_error_clear(&err);
		ck_assert_msg(jl_schedule_parse(*b, now, &t, &err) < 0, "%s", *b);
		joblet_error_clear(&err);
	}
	ck_assert_int_eq(jl_time_parse_rfc3339("2262-04-11T23:47:15.999999999Z", &t, &err), 0);
	ck_assert_int_eq(t, INT64_C(9223372035999999999));
	ck_assert_int_eq(jl_time_parse_rfc3339("1700-01-01T00:00:00Z", &t, &err), 0);
	ck_assert_int_eq(t, INT64_C(-8520336000) * 1000000000);
	joblet_error_free(err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("timefmt");
	TCase *tc_schedule = tcase_create("schedule");

	tcase_add_test(tc_schedule, test_schedule_times);
	tcase_add_test(tc_schedule, test_time_range);
	suite_add_tcase(s, tc_schedule);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}
