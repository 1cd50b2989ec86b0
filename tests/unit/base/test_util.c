/* test_util.c - private helpers of libjoblet (core/lib/base/util.c): string vectors, files,
 * numbers. */
#include <errno.h>
#include <string.h>

#include "base/util.h"

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

START_TEST(test_closest_word)
{
	static const char *const cmds[] = { "run",    "list",	"status",  "log",  "stop",
					    "cancel", "delete", "install", "info", "remove" };
	static const char *const flags[] = { "--max-cpu", "--max-memory", "--max-disk",
					     "--cpus",	  "--cpu-cores",  "--timeout" };
#define CLOSEST(w, list) jl_closest_word(w, strlen(w), list, sizeof(list) / sizeof(list[0]))

	ck_assert_str_eq(CLOSEST("lsit", cmds), "list");      /* two letters swapped */
	ck_assert_str_eq(CLOSEST("instal", cmds), "install"); /* one dropped */
	ck_assert_str_eq(CLOSEST("stauts", cmds), "status");
	ck_assert_str_eq(CLOSEST("delte", cmds), "delete");
	ck_assert_str_eq(CLOSEST("canc", cmds), "cancel"); /* the only one it begins */
	ck_assert_str_eq(CLOSEST("--max-cpus", flags), "--max-cpu");
	ck_assert_str_eq(CLOSEST("--max-memroy", flags), "--max-memory");
	ck_assert_str_eq(CLOSEST("--timout", flags), "--timeout");
	ck_assert_ptr_null(CLOSEST("bogus", cmds));
	ck_assert_str_eq(CLOSEST("lo", cmds), "log");
	ck_assert_ptr_null(CLOSEST("li", cmds)); /* list? log? too short to say */
	ck_assert_ptr_null(CLOSEST("xyz", cmds));
	ck_assert_ptr_null(CLOSEST("list", cmds));   /* not a typo */
	ck_assert_ptr_null(CLOSEST("--max", flags)); /* begins three of them */
#undef CLOSEST
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
	/* The unit words upstream Joblet documents and users type. */
	static const struct {
		const char *text;
		int64_t seconds;
	} words[] = {
		{ "2min", 120 },      { "5mins", 300 },
		{ "30sec", 30 },      { "1hour", 3600 },
		{ "2 hours", 7200 },  { "1day", 86400 },
		{ "2 minutes", 120 }, { "1 second", 1 },
		{ "3 days", 259200 }, { "1 hour 30 minutes", 5400 },
		{ "1h30min", 5400 },  { "2 Hours", 7200 },
		{ "5 m", 300 },	      { "10secs", 10 },
		{ "2hrs", 7200 },
	};
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		n = -1;
		ck_assert_msg(jl_parse_duration(words[i].text, &n) == 0 && n == words[i].seconds,
			      "`%s`: %lld", words[i].text, (long long)n);
	}
	ck_assert_int_eq(jl_parse_duration("5ms", &n), -1);
	ck_assert_int_eq(jl_parse_duration("2 weeks", &n), -1);
	ck_assert_int_eq(jl_parse_duration("1h30", &n), -1);
	ck_assert_int_eq(jl_parse_duration("minutes", &n), -1);
	ck_assert_int_eq(jl_parse_duration("2 hours ago", &n), -1);
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
	ck_assert_int_eq(jl_read_file(jl_tmp_path("none"), 5, &data, &len, &e),
			 -JOBLET_E_NOT_FOUND);
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

static Suite *util_suite(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("helpers");

	tcase_add_checked_fixture(tc, jl_tmp_setup, jl_tmp_teardown);
	tcase_add_test(tc, test_strv);
	tcase_add_test(tc, test_parse_int64);
	tcase_add_test(tc, test_durations_and_sizes);
	tcase_add_test(tc, test_closest_word);
	tcase_add_test(tc, test_read_file);
	tcase_add_test(tc, test_dirname);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(util_suite());
}
