/* test_util.c - private helpers of libjoblet: string vectors, files, numbers, YAML access. */
#include <errno.h>
#include <string.h>

#include "base/util.h"
#include "base/yaml_doc.h"

#include "jl_test.h"
#include "jl_tmp.h"

START_TEST(test_strv)
{
	_cleanup_strv_ char **v = NULL, **copy = NULL;
	_cleanup_free_ char *joined = NULL;

	ck_assert_uint_eq(jl_strv_length(v), 0);
	ck_assert_int_eq(jl_strv_push(&v, "a"), 0);
	ck_assert_int_eq(jl_strv_push(&v, "bb"), 0);
	ck_assert_int_eq(jl_strv_push(&v, ""), 0);
	ck_assert_uint_eq(jl_strv_length(v), 3);
	ck_assert(jl_strv_contains(v, "bb"));
	ck_assert(!jl_strv_contains(v, "b"));
	joined = jl_strv_join(v, ", ");
	ck_assert_str_eq(joined, "a, bb, ");
	copy = jl_strv_copy(v);
	ck_assert_uint_eq(jl_strv_length(copy), 3);
	ck_assert_ptr_ne(copy[0], v[0]);
	ck_assert_str_eq(copy[1], "bb");
}
END_TEST

START_TEST(test_parse_int64)
{
	int64_t n = 7;

	ck_assert_int_eq(jl_parse_int64("42", &n), 0);
	ck_assert_int_eq(n, 42);
	ck_assert_int_eq(jl_parse_int64("-9223372036854775808", &n), 0);
	ck_assert_int_eq(jl_parse_int64("9223372036854775808", &n), -1);
	ck_assert_int_eq(jl_parse_int64("", &n), -1);
	ck_assert_int_eq(jl_parse_int64(" 1", &n), -1);
	ck_assert_int_eq(jl_parse_int64("1 ", &n), -1);
	ck_assert_int_eq(jl_parse_int64("0x10", &n), -1);
	ck_assert_int_eq(jl_parse_int64(NULL, &n), -1);
}
END_TEST

START_TEST(test_durations_and_sizes)
{
	int64_t n;

	ck_assert_int_eq(jl_parse_duration("90", &n), 0);
	ck_assert_int_eq(n, 90);
	ck_assert_int_eq(jl_parse_duration("90s", &n), 0);
	ck_assert_int_eq(n, 90);
	ck_assert_int_eq(jl_parse_duration("2h30m", &n), 0);
	ck_assert_int_eq(n, 9000);
	ck_assert_int_eq(jl_parse_duration("1h 15m", &n), 0);
	ck_assert_int_eq(n, 4500);
	ck_assert_int_eq(jl_parse_duration("1d", &n), 0);
	ck_assert_int_eq(n, 86400);
	ck_assert_int_eq(jl_parse_duration("", &n), -1);
	ck_assert_int_eq(jl_parse_duration("5x", &n), -1);
	ck_assert_int_eq(jl_parse_duration("m", &n), -1);
	ck_assert_int_eq(jl_parse_duration("-5", &n), -1);
	ck_assert_int_eq(jl_parse_duration("99999999999999999999d", &n), -1);
	ck_assert_int_eq(jl_parse_size("4096", &n), 0);
	ck_assert_int_eq(n, 4096);
	ck_assert_int_eq(jl_parse_size("512MiB", &n), 0);
	ck_assert_int_eq(n, INT64_C(512) << 20);
	ck_assert_int_eq(jl_parse_size("8 GiB", &n), 0);
	ck_assert_int_eq(n, INT64_C(8) << 30);
	ck_assert_int_eq(jl_parse_size("1GB", &n), 0);
	ck_assert_int_eq(n, 1000000000);
	ck_assert_int_eq(jl_parse_size("2K", &n), 0);
	ck_assert_int_eq(n, 2048);
	ck_assert_int_eq(jl_parse_size("1.5GiB", &n), -1);
	ck_assert_int_eq(jl_parse_size("-1", &n), -1);
	ck_assert_int_eq(jl_parse_size("GiB", &n), -1);
	ck_assert_int_eq(jl_parse_size("9999999999TiB", &n), -1);
}
END_TEST

START_TEST(test_read_file)
{
	_cleanup_free_ char *data = NULL;
	struct joblet_error *e = NULL;
	size_t len = 0;

	jl_tmp_write("f", "hello\n");
	ck_assert_int_eq(jl_read_file(jl_tmp_path("f"), 100, &data, &len, NULL), 0);
	ck_assert_uint_eq(len, 6);
	ck_assert_str_eq(data, "hello\n");
	ck_assert_int_eq(jl_read_file(jl_tmp_path("f"), 5, &data, &len, &e), -JOBLET_E_LIMIT);
	joblet_error_clear(&e);
	ck_assert_int_eq(jl_read_file(jl_tmp_path("none"), 5, &data, &len, &e), -JOBLET_E_NOT_FOUND);
	ck_assert_int_eq(e->saved_errno, ENOENT);
	joblet_error_clear(&e);
	ck_assert_int_eq(jl_read_file(jl_tmpdir, 5, &data, &len, &e), -JOBLET_E_IO);
	joblet_error_clear(&e);
	free(data);
	data = NULL;
	/* A file of unknown size (procfs) is read in full, up to the limit. */
	ck_assert_int_eq(jl_read_file("/proc/self/status", 1 << 20, &data, &len, NULL), 0);
	ck_assert_ptr_nonnull(strstr(data, "Pid:"));
}
END_TEST

START_TEST(test_dirname)
{
	_cleanup_free_ char *a = jl_dirname("/etc/joblet/joblet.yml");
	_cleanup_free_ char *b = jl_dirname("file");
	_cleanup_free_ char *c = jl_dirname("/file");

	ck_assert_str_eq(a, "/etc/joblet");
	ck_assert_str_eq(b, ".");
	ck_assert_str_eq(c, "/");
}
END_TEST

static struct jl_yaml *yaml(const char *text)
{
	struct jl_yaml *y = NULL;
	struct joblet_error *e = NULL;

	ck_assert_msg(jl_yaml_load_string(text, strlen(text), "t.yml", JOBLET_E_PARSE, &y, &e) == 0,
		      "%s", joblet_error_message(e));
	return y;
}

static yaml_node_t *value_of(struct jl_yaml *y, const char *key)
{
	yaml_node_t *root = jl_yaml_root(y);

	jl_yaml_foreach_pair(p, root)
		if (strcmp(jl_yaml_scalar(jl_yaml_node(y, p->key)), key) == 0)
			return jl_yaml_node(y, p->value);
	ck_abort_msg("no key %s", key);
	return NULL;
}

START_TEST(test_yaml_converters)
{
	struct jl_yaml *y = yaml("n: 12\nbig: 99999\nneg: -1\nword: hello\nt: Yes\nq: \"true\"\n"
				 "list: [a, b]\nnul: ~\nempty:\n");
	struct joblet_error *e = NULL;
	int64_t n;
	bool b;
	char **v = NULL, *s = NULL;

	ck_assert_int_eq(jl_yaml_get_int(y, value_of(y, "n"), "n", 0, 100, &n, NULL), 0);
	ck_assert_int_eq(n, 12);
	ck_assert_int_eq(jl_yaml_get_int(y, value_of(y, "big"), "big", 0, 100, &n, &e), -JOBLET_E_PARSE);
	ck_assert_ptr_nonnull(strstr(e->message, "`t.yml` line 2: `big` must be between 0 and 100"));
	joblet_error_clear(&e);
	ck_assert_int_eq(jl_yaml_get_int(y, value_of(y, "word"), "word", 0, 100, &n, NULL), -JOBLET_E_PARSE);
	ck_assert_int_eq(jl_yaml_get_bool(y, value_of(y, "t"), "t", &b, NULL), 0);
	ck_assert(b);
	/* A quoted "true" is a string, not a boolean. */
	ck_assert_int_eq(jl_yaml_get_bool(y, value_of(y, "q"), "q", &b, NULL), -JOBLET_E_PARSE);
	ck_assert_int_eq(jl_yaml_get_strv(y, value_of(y, "list"), "list", &v, NULL), 0);
	ck_assert_str_eq(v[0], "a");
	ck_assert_str_eq(v[1], "b");
	ck_assert_ptr_null(v[2]);
	jl_strv_free(v);
	ck_assert_int_eq(jl_yaml_get_strv(y, value_of(y, "word"), "word", &v, NULL), -JOBLET_E_PARSE);
	ck_assert(jl_yaml_is_null(value_of(y, "nul")));
	ck_assert(jl_yaml_is_null(value_of(y, "empty")));
	ck_assert_int_eq(jl_yaml_get_string(y, value_of(y, "nul"), "nul", &s, NULL), -JOBLET_E_PARSE);
	ck_assert_int_eq(jl_yaml_get_string(y, value_of(y, "word"), "word", &s, NULL), 0);
	ck_assert_str_eq(s, "hello");
	free(s);
	jl_yaml_free(y);
}
END_TEST

START_TEST(test_yaml_refuses_aliases_and_bombs)
{
	const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
			   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
			   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
	struct jl_yaml *y = NULL;
	struct joblet_error *e = NULL;

	ck_assert_int_eq(jl_yaml_load_string(bomb, strlen(bomb), "bomb.yml", JOBLET_E_PARSE, &y, &e),
			 -JOBLET_E_PARSE);
	ck_assert_ptr_nonnull(strstr(e->message, "`bomb.yml` line 1: anchors and aliases"));
	joblet_error_free(e);
	ck_assert_ptr_null(y);
}
END_TEST

static Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("helpers");

	tcase_add_checked_fixture(tc, jl_tmp_setup, jl_tmp_teardown);
	tcase_add_test(tc, test_strv);
	tcase_add_test(tc, test_parse_int64);
	tcase_add_test(tc, test_durations_and_sizes);
	tcase_add_test(tc, test_read_file);
	tcase_add_test(tc, test_dirname);
	tcase_add_test(tc, test_yaml_converters);
	tcase_add_test(tc, test_yaml_refuses_aliases_and_bombs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(util_suite());
}
