/*
 * test_volume_ref.c - volume names, `--volume=NAME[:ro]` references and
 * volume sizes (job/volume_ref.h), and a job spec's volumes as
 * jl_job_spec_validate() checks them.
 */
#include <config.h>

#include <string.h>

#include "base/util.h"
#include "job/job_spec.h"
#include "job/volume_ref.h"

#include "jl_test.h"

START_TEST(test_names)
{
	char long_ok[64], too_long[65];

	memset(long_ok, 'a', 63);
	long_ok[63] = '\0';
	memset(too_long, 'a', 64);
	too_long[64] = '\0';
	ck_assert(jl_volume_name_valid("cache"));
	ck_assert(jl_volume_name_valid("A-b_9"));
	ck_assert(jl_volume_name_valid("x"));
	ck_assert(jl_volume_name_valid(long_ok));
	ck_assert(!jl_volume_name_valid(too_long));
	ck_assert(!jl_volume_name_valid(""));
	ck_assert(!jl_volume_name_valid(NULL));
	ck_assert(!jl_volume_name_valid("."));
	ck_assert(!jl_volume_name_valid(".."));
	ck_assert(!jl_volume_name_valid("a/b"));
	ck_assert(!jl_volume_name_valid("a.b"));
	ck_assert(!jl_volume_name_valid("a b"));
	ck_assert(!jl_volume_name_valid("caf\xc3\xa9"));
}
END_TEST

START_TEST(test_refs)
{
	char name[JL_VOLUME_NAME_MAX + 1];
	int32_t ro = -1;
	struct joblet_error *err = NULL;

	ck_assert_int_eq(jl_volume_ref_parse("data", name, &ro, NULL), 0);
	ck_assert_str_eq(name, "data");
	ck_assert_int_eq(ro, 0);
	ck_assert_int_eq(jl_volume_ref_parse("data:ro", name, &ro, NULL), 0);
	ck_assert_str_eq(name, "data");
	ck_assert_int_eq(ro, 1);
	ck_assert_int_eq(jl_volume_ref_parse("data:rw", name, &ro, NULL), 0);
	ck_assert_int_eq(ro, 0);
	static const char *const bad[] = { "",	   ":ro",    "data:", "data:RO",  "data:ro:ro",
					   "../x", "a/b:ro", "a b",   "data:rox", NULL };
	for (size_t i = 0; bad[i]; i++) {
		ck_assert_msg(jl_volume_ref_parse(bad[i], name, &ro, &err) < 0, "`%s` taken",
			      bad[i]);
		ck_assert_int_eq(err->code, JOBLET_E_INVALID);
		ck_assert(strstr(joblet_error_message(err), "NAME or NAME:ro"));
		joblet_error_clear(&err);
	}
}
END_TEST

START_TEST(test_sizes)
{
	int64_t n = 0;

	ck_assert_int_eq(jl_volume_size_parse("512", &n), 0);
	ck_assert_int_eq(n, INT64_C(512) << 20);
	ck_assert_int_eq(jl_volume_size_parse("1GiB", &n), 0);
	ck_assert_int_eq(n, INT64_C(1) << 30);
	ck_assert_int_eq(jl_volume_size_parse("500MB", &n), 0);
	ck_assert_int_eq(n, INT64_C(500000000));
	ck_assert_int_lt(jl_volume_size_parse("0", &n), 0);
	ck_assert_int_lt(jl_volume_size_parse("-5", &n), 0);
	ck_assert_int_lt(jl_volume_size_parse("lots", &n), 0);
	ck_assert_int_lt(jl_volume_size_parse("", &n), 0);
	ck_assert_int_lt(jl_volume_size_parse(NULL, &n), 0);
	ck_assert_int_lt(jl_volume_size_parse("99999999999999999", &n), 0);
}
END_TEST

/* A spec with these volumes (and folders), validated against the defaults. */
static int validate(const char *const *vols, const char *const *paths, struct joblet_error **err)
{
	struct jl_config *cfg = NULL;
	struct jl_job_spec *s = NULL;
	int r;

	ck_assert_int_eq(jl_config_defaults(&cfg, NULL), 0);
	ck_assert_int_eq(jl_job_spec_new(&s, NULL), 0);
	ck_assert_int_eq(jl_strv_push(&s->argv, "true"), 0);
	for (; vols && *vols; vols++)
		ck_assert_int_eq(jl_strv_push(&s->volumes, *vols), 0);
	for (; paths && *paths; paths++)
		ck_assert_int_eq(jl_strv_push(&s->volume_paths, *paths), 0);
	r = jl_job_spec_validate(cfg, s, err);
	jl_job_spec_free(s);
	jl_config_free(cfg);
	return r;
}

START_TEST(test_spec_volumes)
{
	struct joblet_error *err = NULL;
	const char *many[JL_JOB_MAX_VOLUMES + 2];
	char names[JL_JOB_MAX_VOLUMES + 1][8];

	ck_assert_int_eq(validate((const char *[]){ "a", "b:ro", NULL }, NULL, NULL), 0);
	ck_assert_int_eq(validate((const char *[]){ "a", "b:ro", NULL },
				  (const char *[]){ "/s/a", "/s/b", NULL }, NULL),
			 0);
	ck_assert_int_lt(validate((const char *[]){ "a", "a:ro", NULL }, NULL, &err), 0);
	ck_assert(strstr(joblet_error_message(err), "given twice"));
	joblet_error_clear(&err);
	ck_assert_int_lt(validate((const char *[]){ "a/b", NULL }, NULL, &err), 0);
	joblet_error_clear(&err);
	ck_assert_int_lt(
		validate((const char *[]){ "a", NULL }, (const char *[]){ "rel", NULL }, &err), 0);
	joblet_error_clear(&err);
	ck_assert_int_lt(validate((const char *[]){ "a", "b", NULL },
				  (const char *[]){ "/s/a", NULL }, &err),
			 0);
	joblet_error_clear(&err);
	for (size_t i = 0; i <= JL_JOB_MAX_VOLUMES; i++) {
		snprintf(names[i], sizeof(names[i]), "v%zu", i);
		many[i] = names[i];
	}
	many[JL_JOB_MAX_VOLUMES + 1] = NULL;
	ck_assert_int_lt(validate(many, NULL, &err), 0);
	ck_assert(strstr(joblet_error_message(err), "at most"));
	joblet_error_clear(&err);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("volume_ref");
	TCase *tc = tcase_create("volume_ref");

	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_refs);
	tcase_add_test(tc, test_sizes);
	tcase_add_test(tc, test_spec_volumes);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}
