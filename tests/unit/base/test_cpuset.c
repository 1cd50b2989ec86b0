/*
 * test_cpuset.c - CPU sets: parsing a list, formatting it, set difference,
 * the online CPUs.
 */
#include <config.h>

#include <unistd.h>

#include <joblet/error.h>

#include "base/cpuset.h"
#include "jl_test.h"

START_TEST(test_cpuset)
{
	struct joblet_error *err = NULL;
	struct jl_cpuset a, b, d;
	char buf[64];

	ck_assert_int_eq(jl_cpuset_parse("0-3,6,8-9", &a, NULL), 0);
	ck_assert_uint_eq(jl_cpuset_count(&a), 7);
	ck_assert(jl_cpuset_has(&a, 3) && !jl_cpuset_has(&a, 4) && jl_cpuset_has(&a, 9));
	ck_assert_int_eq(jl_cpuset_format(&a, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "0-3,6,8-9");
	ck_assert_int_eq(jl_cpuset_parse(" 9 , 8,6,3,2,1,0 ", &b, NULL), 0);
	ck_assert_int_eq(jl_cpuset_format(&b, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "0-3,6,8-9");
	ck_assert_int_eq(jl_cpuset_parse("2-5", &b, NULL), 0);
	jl_cpuset_minus(&b, &a, &d);
	ck_assert_int_eq(jl_cpuset_format(&d, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "4-5");
	ck_assert_int_eq(jl_cpuset_format(&d, buf, 3), -1);
	ck_assert_int_lt(jl_cpuset_parse("", &a, &err), 0);
	ck_assert_int_eq(err->code, JOBLET_E_INVALID);
	ck_assert_int_lt(jl_cpuset_parse("5-3", &a, NULL), 0);
	ck_assert_int_lt(jl_cpuset_parse("1,,2", &a, NULL), 0);
	ck_assert_int_lt(jl_cpuset_parse("1-", &a, NULL), 0);
	ck_assert_int_lt(jl_cpuset_parse("4096", &a, NULL), 0);
	ck_assert_int_lt(jl_cpuset_parse("-1", &a, NULL), 0);
	ck_assert_int_eq(jl_cpuset_parse("4095", &a, NULL), 0);
	ck_assert_int_eq(jl_cpuset_online(&a, NULL), 0);
	ck_assert(jl_cpuset_has(&a, 0));
	ck_assert_uint_eq(jl_cpuset_count(&a), (size_t)sysconf(_SC_NPROCESSORS_ONLN));
	joblet_error_free(err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("cpuset");
	TCase *tc_cpuset = tcase_create("cpuset");

	tcase_add_test(tc_cpuset, test_cpuset);
	suite_add_tcase(s, tc_cpuset);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}
