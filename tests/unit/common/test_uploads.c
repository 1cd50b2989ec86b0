/*
 * test_uploads.c - the `uploads` of POST /v1/jobs: the path rules both
 * forms share (jl_upload_path_ok) and rnx's plan of a multipart request
 * (jl_uploads_plan): entries without data, the files listed, not read.
 */
#include <config.h>

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <joblet/error.h>

#include "common/uploads.h"
#include "jl_test.h"
#include "jl_tmp.h"

START_TEST(test_path_rules)
{
	static const char *const good[] = { "a", "dir/a.py", "a.b/c..d/.e", "..x", NULL };
	static const char *const bad[] = { "",	"/etc/passwd", "../x", "a/../../b", "a//b",
					   ".", "a/./b",       "a/",   "a/..",	    NULL };
	char deep[200];
	size_t o = 0;

	for (const char *const *p = good; *p; p++)
		ck_assert_msg(jl_upload_path_ok(*p), "`%s` refused", *p);
	for (const char *const *p = bad; *p; p++)
		ck_assert_msg(!jl_upload_path_ok(*p), "`%s` taken", *p);
	for (int i = 0; i < 33; i++)
		o += (size_t)snprintf(deep + o, sizeof(deep) - o, "d/");
	snprintf(deep + o, sizeof(deep) - o, "f");
	ck_assert(!jl_upload_path_ok(deep));
}
END_TEST

START_TEST(test_plan_lists_files_without_data)
{
	struct jl_upload_plan plan = { 0 };
	struct joblet_error *e = NULL;
	char *paths[2] = { NULL, NULL };
	const char *js;

	mkdir(jl_tmp_path("tree"), 0755);
	mkdir(jl_tmp_path("tree/sub"), 0755);
	jl_tmp_write("tree/sub/a.txt", "hello");
	chmod(jl_tmp_path("tree/sub/a.txt"), 0750);
	paths[0] = (char *)jl_tmp_path("tree");
	ck_assert_int_eq(jl_uploads_plan(paths, &plan, &e), 0);
	ck_assert_uint_eq(plan.n, 1);
	ck_assert_str_eq(plan.files[0].rel, "tree/sub/a.txt");
	ck_assert_str_eq(plan.files[0].host, jl_tmp_path("tree/sub/a.txt"));
	js = json_object_to_json_string_ext(plan.entries, JSON_C_TO_STRING_PLAIN |
								  JSON_C_TO_STRING_NOSLASHESCAPE);
	ck_assert_msg(strstr(js, "{\"path\":\"tree\",\"dir\":true"), "%s", js);
	ck_assert_msg(strstr(js, "{\"path\":\"tree/sub/a.txt\",\"mode\":488}"), "%s", js);
	ck_assert_msg(!strstr(js, "data"), "%s", js);
	jl_upload_plan_done(&plan);
	paths[0] = (char *)jl_tmp_path("missing");
	ck_assert_int_lt(jl_uploads_plan(paths, &plan, &e), 0);
	ck_assert_int_eq(e->code, JOBLET_E_NOT_FOUND);
	ck_assert_uint_eq(plan.n, 0);
	joblet_error_free(e);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("uploads");
	TCase *tc = tcase_create("uploads");

	tcase_add_checked_fixture(tc, jl_tmp_setup, jl_tmp_teardown);
	tcase_add_test(tc, test_path_rules);
	tcase_add_test(tc, test_plan_lists_files_without_data);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}
