/*
 * test_semver.c - semantic versions (core/lib/runtime/semver.c): parsing,
 * precedence by SemVer 2.0, comparing version texts.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "runtime/semver.h"
#include "base/util.h"

#include "jl_test.h"

/* ------------------------------------------------------------ semver */

static const char accepted[] =
	"use MAJOR.MINOR.PATCH with no leading zeros, optionally followed by -PRERELEASE and +BUILD, e.g. 1.2.3 or 3.0.0-rc1";

static void parse_ok(const char *text, struct jl_semver *v)
{
	struct joblet_error *e = NULL;

	ck_assert_msg(jl_semver_parse(text, v, &e) == 0, "`%s`: %s", text, joblet_error_message(e));
	ck_assert_ptr_null(e);
}

/* Parse must fail with JOBLET_E_INVALID, leave ret alone; returns the error. */
static struct joblet_error *parse_bad(const char *text)
{
	static char pre[] = "sentinel";
	struct jl_semver v = { 7, 7, 7, pre, NULL };
	struct joblet_error *e = NULL;
	int r = jl_semver_parse(text, &v, &e);

	ck_assert_msg(r == -JOBLET_E_INVALID, "`%s` was accepted (r=%d)", text ? text : "(null)",
		      r);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->code, JOBLET_E_INVALID);
	ck_assert_int_eq(e->saved_errno, 0);
	ck_assert_ptr_eq(v.prerelease, pre);
	ck_assert_ptr_null(v.build);
	ck_assert(v.major == 7 && v.minor == 7 && v.patch == 7);
	/* Also without an error object. */
	ck_assert_int_eq(jl_semver_parse(text, &v, NULL), -JOBLET_E_INVALID);
	return e;
}

/* Valid according to semver.org (the list that comes with its regular expressions). */
static const char *const valid_versions[] = {
	"0.0.4",
	"1.2.3",
	"10.20.30",
	"1.1.2-prerelease+meta",
	"1.1.2+meta",
	"1.1.2+meta-valid",
	"1.0.0-alpha",
	"1.0.0-beta",
	"1.0.0-alpha.beta",
	"1.0.0-alpha.beta.1",
	"1.0.0-alpha.1",
	"1.0.0-alpha0.valid",
	"1.0.0-alpha.0valid",
	"1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay",
	"1.0.0-rc.1+build.1",
	"2.0.0-rc.1+build.123",
	"1.2.3-beta",
	"10.2.3-DEV-SNAPSHOT",
	"1.2.3-SNAPSHOT-123",
	"1.0.0",
	"2.0.0",
	"1.1.7",
	"2.0.0+build.1848",
	"2.0.1-alpha.1227",
	"1.0.0-alpha+beta",
	"1.2.3----RC-SNAPSHOT.12.9.1--.12+788",
	"1.2.3----R-S.12.9.1--.12+meta",
	"1.2.3----RC-SNAPSHOT.12.9.1--.12",
	"1.0.0+0.build.1-rc.10000aaa-kk-0.1",
	"1.0.0-0A.is.legal",
	/* Ours. */
	"0.0.0",
	"3.0.0-rc1",
	"1.0.0-0",
	"1.0.0-x-y-z.--",
	"1.0.0+001",
	"1.0.0+0.00.000",
	"1.0.0--",
	"1.0.0-99999999999999999999999999999",
	"18446744073709551615.18446744073709551615.18446744073709551615",
};

/* Invalid according to semver.org, plus what joblet refuses on top (v, overflow). */
static const char *const invalid_versions[] = {
	"1",
	"1.2",
	"1.2.3-0123",
	"1.2.3-0123.0123",
	"1.1.2+.123",
	"+invalid",
	"-invalid",
	"-invalid+invalid",
	"-invalid.01",
	"alpha",
	"alpha.beta",
	"alpha.beta.1",
	"alpha.1",
	"alpha+beta",
	"alpha_beta",
	"alpha.",
	"alpha..",
	"beta",
	"1.0.0-alpha_beta",
	"-alpha.",
	"1.0.0-alpha..",
	"1.0.0-alpha..1",
	"1.0.0-alpha...1",
	"1.0.0-alpha....1",
	"1.0.0-alpha.....1",
	"1.0.0-alpha......1",
	"1.0.0-alpha.......1",
	"01.1.1",
	"1.01.1",
	"1.1.01",
	"1.2",
	"1.2.3.DEV",
	"1.2-SNAPSHOT",
	"1.2.31.2.3----RC-SNAPSHOT.12.09.1--..12+788",
	"1.2-RC-SNAPSHOT",
	"-1.0.3-gamma+b7718",
	"+justmeta",
	"9.8.7+meta+meta",
	"9.8.7-whatever+meta+meta",
	"99999999999999999999999.999999999999999999.99999999999999999----RC-SNAPSHOT.12.09.1--------------------------------..12",
	/* Ours. */
	"",
	"v1.2.3",
	"V1.2.3",
	"version",
	" 1.2.3",
	"1.2.3 ",
	"1.2.3\n",
	"1 .2.3",
	"1.2.3-a b",
	"1.2.3+",
	"1.2.3-",
	"1.2.3-+b",
	"1.2.3-a.",
	"1.2.3-.a",
	"1.1.1-",
	"1.1.1-01",
	"1.1.1-00",
	"1.1.1-1.01",
	"1.1.1-a..b",
	"1.1.1+a..b",
	"1.1.1+a.",
	"1.1.1-\xc3\xa4",
	"1.1.1+\x01",
	"1.1.1-a/b",
	"00.0.0",
	"0.00.0",
	"0.0.00",
	"1.2.3.4",
	"1.",
	"1.2.",
	"1..3",
	".1.2.3",
	"a.b.c",
	"1.2.x",
	"-1.2.3",
	"+1.2.3",
	"1.2.3++",
	"1.2.3-a+b+c",
	"1.2.3_4",
	"1,2,3",
	"99999999999999999999999.0.0",
	"18446744073709551616.0.0",
	"0.18446744073709551616.0",
	"0.0.18446744073709551616",
	"0.0.99999999999999999999",
};

START_TEST(test_semver_valid)
{
	for (size_t i = 0; i < ELEMENTSOF(valid_versions); i++) {
		struct jl_semver v = { 0 };

		parse_ok(valid_versions[i], &v);
		jl_semver_done(&v);
		ck_assert_ptr_null(v.prerelease);
		ck_assert_ptr_null(v.build);
	}
}
END_TEST

START_TEST(test_semver_invalid)
{
	for (size_t i = 0; i < ELEMENTSOF(invalid_versions); i++) {
		const char *text = invalid_versions[i];
		_cleanup_free_ char *start =
			jl_strdup_printf("`%s` is not a semantic version: ", text);
		struct joblet_error *e = parse_bad(text);

		if (*text)
			ck_assert_msg(jl_startswith(e->message, start), "`%s`: %s", text,
				      e->message);
		ck_assert_msg(strstr(e->message, accepted), "`%s`: %s", text, e->message);
		joblet_error_free(e);
	}
	joblet_error_free(parse_bad(NULL));
}
END_TEST

START_TEST(test_semver_messages)
{
	static const struct {
		const char *text;
		const char *message;
	} cases[] = {
		{ "1.02.3", "`1.02.3` is not a semantic version: `02` has a leading zero; " },
		{ "v1.2.3", "`v1.2.3` is not a semantic version: remove the leading `v`; " },
		{ "1.1",
		  "`1.1` is not a semantic version: it does not start with three numbers MAJOR.MINOR.PATCH; " },
		{ "1.2.3.4",
		  "`1.2.3.4` is not a semantic version: `.4` follows MAJOR.MINOR.PATCH, where only -PRERELEASE and +BUILD may; " },
		{ " 1.2.3", "` 1.2.3` is not a semantic version: it contains whitespace; " },
		{ "18446744073709551616.0.0",
		  "`18446744073709551616.0.0` is not a semantic version: `18446744073709551616` is larger than 18446744073709551615; " },
		{ "1.1.1-01",
		  "`1.1.1-01` is not a semantic version: numeric pre-release identifier `01` has a leading zero; " },
		{ "1.1.1-",
		  "`1.1.1-` is not a semantic version: the pre-release has an empty identifier; " },
		{ "1.1.1-a..b",
		  "`1.1.1-a..b` is not a semantic version: the pre-release has an empty identifier; " },
		{ "1.2.3+",
		  "`1.2.3+` is not a semantic version: the build metadata has an empty identifier; " },
		{ "1.0.0-alpha_beta",
		  "`1.0.0-alpha_beta` is not a semantic version: `_` is not allowed in the pre-release (only 0-9, A-Z, a-z, `-` and dots between identifiers); " },
		{ "9.8.7+meta+meta",
		  "`9.8.7+meta+meta` is not a semantic version: `+` is not allowed in the build metadata (only 0-9, A-Z, a-z, `-` and dots between identifiers); " },
		{ "1.1.1+\x01", "byte 0x01 is not allowed in the build metadata" },
		{ "1.1.1-\xc3\xa4", "byte 0xc3 is not allowed in the pre-release" },
		{ "", "an empty string is not a semantic version; " },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct joblet_error *e = parse_bad(cases[i].text);

		ck_assert_msg(strstr(e->message, cases[i].message), "`%s`: %s", cases[i].text,
			      e->message);
		ck_assert_msg(strstr(e->message, accepted), "%s", e->message);
		joblet_error_free(e);
	}
}
END_TEST

START_TEST(test_semver_long_text_is_cut_in_messages)
{
	char text[2000];
	struct joblet_error *e;

	memset(text, '1', sizeof(text) - 1);
	text[sizeof(text) - 1] = '\0';
	e = parse_bad(text);
	ck_assert_uint_lt(strlen(e->message), 600);
	ck_assert_ptr_nonnull(strstr(e->message, "...` is not a semantic version"));
	joblet_error_free(e);
}
END_TEST

START_TEST(test_semver_fields)
{
	struct jl_semver v = { 0 };

	parse_ok("1.2.3-rc.1+build.5", &v);
	ck_assert(v.major == 1 && v.minor == 2 && v.patch == 3);
	ck_assert_str_eq(v.prerelease, "rc.1");
	ck_assert_str_eq(v.build, "build.5");
	jl_semver_done(&v);
	ck_assert_ptr_null(v.prerelease);

	parse_ok("10.20.30+0.build--x", &v);
	ck_assert(v.major == 10 && v.minor == 20 && v.patch == 30);
	ck_assert_ptr_null(v.prerelease);
	ck_assert_str_eq(v.build, "0.build--x");
	jl_semver_done(&v);

	parse_ok("0.0.0-a-b", &v);
	ck_assert(v.major == 0 && v.minor == 0 && v.patch == 0);
	ck_assert_str_eq(v.prerelease, "a-b");
	ck_assert_ptr_null(v.build);
	jl_semver_done(&v);

	parse_ok("18446744073709551615.18446744073709551614.4294967296", &v);
	ck_assert(v.major == UINT64_MAX);
	ck_assert(v.minor == UINT64_MAX - 1);
	ck_assert(v.patch == 4294967296ULL);
	jl_semver_done(&v);

	jl_semver_done(NULL);
	jl_semver_done(&v);
}
END_TEST

static int cmp(const char *a, const char *b)
{
	struct jl_semver va = { 0 }, vb = { 0 };
	int c, t;

	parse_ok(a, &va);
	parse_ok(b, &vb);
	c = jl_semver_compare(&va, &vb);
	t = jl_semver_compare_text(a, b);
	ck_assert_msg(c == t, "`%s` vs `%s`: compare %d, compare_text %d", a, b, c, t);
	ck_assert_msg(c == -1 || c == 0 || c == 1, "`%s` vs `%s`: %d", a, b, c);
	jl_semver_done(&va);
	jl_semver_done(&vb);
	return c;
}

/* Every pair of a list in ascending order, both ways, and each with itself. */
static void check_ascending(const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ck_assert_msg(cmp(list[i], list[i]) == 0, "`%s` != itself", list[i]);
		for (size_t j = i + 1; j < n; j++) {
			ck_assert_msg(cmp(list[i], list[j]) < 0, "`%s` < `%s` fails", list[i],
				      list[j]);
			ck_assert_msg(cmp(list[j], list[i]) > 0, "`%s` > `%s` fails", list[j],
				      list[i]);
		}
	}
}

START_TEST(test_semver_precedence_semver_org)
{
	/* semver.org section 11, both examples, verbatim. */
	static const char *const prerelease[] = {
		"1.0.0-alpha",	"1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
		"1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",	     "1.0.0",
	};
	static const char *const release[] = { "1.0.0", "2.0.0", "2.1.0", "2.1.1" };

	check_ascending(prerelease, ELEMENTSOF(prerelease));
	check_ascending(release, ELEMENTSOF(release));
}
END_TEST

START_TEST(test_semver_precedence_more)
{
	static const char *const ladder[] = {
		"0.0.0-0",
		"0.0.0-0.0",
		"0.0.0-1",
		"0.0.0-9",
		"0.0.0-10",
		"0.0.0-99999999999999999999998",
		"0.0.0-99999999999999999999999",
		"0.0.0-100000000000000000000000",
		"0.0.0--",
		"0.0.0-0a",
		"0.0.0-A",
		"0.0.0-Z",
		"0.0.0-a",
		"0.0.0-a.0",
		"0.0.0-a.a",
		"0.0.0-a-",
		"0.0.0-aa",
		"0.0.0",
		"0.0.1-rc.1",
		"0.0.1",
		"0.1.0",
		"0.9.0",
		"0.10.0",
		"1.0.0",
		"3.0.0-rc1",
		"3.0.0",
		"4294967296.0.0",
		"18446744073709551614.0.0",
		"18446744073709551615.0.0-rc.1",
		"18446744073709551615.0.0",
		"18446744073709551615.18446744073709551615.18446744073709551615",
	};

	check_ascending(ladder, ELEMENTSOF(ladder));
	ck_assert_int_lt(cmp("3.0.0-rc1", "3.0.0"), 0);
	ck_assert_int_lt(cmp("1.0.0-rc.9", "1.0.0-rc.10"), 0);
	ck_assert_int_gt(cmp("1.0.0-rc9", "1.0.0-rc10"), 0); /* alphanumeric: ASCII order */
}
END_TEST

START_TEST(test_semver_build_metadata_ignored)
{
	ck_assert_int_eq(cmp("1.0.0+a", "1.0.0+b"), 0);
	ck_assert_int_eq(cmp("1.0.0+a", "1.0.0"), 0);
	ck_assert_int_eq(cmp("1.0.0-rc.1+x.1", "1.0.0-rc.1+y.2.3"), 0);
	ck_assert_int_lt(cmp("1.0.0-rc.1+zzz", "1.0.0+aaa"), 0);
	ck_assert_int_lt(cmp("1.0.0+999", "1.0.1+0"), 0);
}
END_TEST

START_TEST(test_semver_compare_structs)
{
	static char empty[] = "", rc[] = "rc.1", leading[] = "007", seven[] = "7", eight[] = "8";
	struct jl_semver a = { 1, 0, 0, NULL, NULL }, b = { 1, 0, 0, empty, NULL };

	/* An empty pre-release counts as none. */
	ck_assert_int_eq(jl_semver_compare(&a, &b), 0);
	b.prerelease = rc;
	ck_assert_int_eq(jl_semver_compare(&a, &b), 1);
	ck_assert_int_eq(jl_semver_compare(&b, &a), -1);
	/* Hand-made leading zeros still compare as numbers. */
	a.prerelease = leading;
	b.prerelease = seven;
	ck_assert_int_eq(jl_semver_compare(&a, &b), 0);
	b.prerelease = eight;
	ck_assert_int_eq(jl_semver_compare(&a, &b), -1);
	b.major = 0;
	ck_assert_int_eq(jl_semver_compare(&a, &b), 1);
}
END_TEST

START_TEST(test_semver_compare_text_unparsable)
{
	ck_assert_int_eq(jl_semver_compare_text("garbage", "0.0.0-0"), -1);
	ck_assert_int_eq(jl_semver_compare_text("0.0.0-0", "garbage"), 1);
	ck_assert_int_eq(jl_semver_compare_text("1.2", "0.0.0"), -1);
	ck_assert_int_eq(jl_semver_compare_text("v9.9.9", "0.0.1"), -1);
	ck_assert_int_eq(jl_semver_compare_text("a", "b"), -1);
	ck_assert_int_eq(jl_semver_compare_text("b", "a"), 1);
	ck_assert_int_eq(jl_semver_compare_text("1.02.3", "1.02.3"), 0);
	ck_assert_int_eq(jl_semver_compare_text("1.2", "1.10"), 1); /* strcmp */
	ck_assert_int_eq(jl_semver_compare_text(NULL, "1.0.0"), -1);
	ck_assert_int_eq(jl_semver_compare_text("1.0.0", NULL), 1);
	ck_assert_int_eq(jl_semver_compare_text(NULL, NULL), 0);
	ck_assert_int_eq(jl_semver_compare_text(NULL, ""), 0);
	ck_assert_int_eq(jl_semver_compare_text("", "x"), -1);
}
END_TEST

static int qsort_versions(const void *a, const void *b)
{
	return jl_semver_compare_text(*(const char *const *)a, *(const char *const *)b);
}

START_TEST(test_semver_sort_index)
{
	const char *index[] = {
		"2.0.0",      "1.0.0-beta", "latest",	   "1.0.0",	  "10.0.0",
		"1.0.0-rc.1", "v3.0.0",	    "2.0.0-alpha", "9.0.0+build", "1.0",
	};
	static const char *const sorted[] = {
		"1.0",	 "latest",	"v3.0.0", "1.0.0-beta",	 "1.0.0-rc.1",
		"1.0.0", "2.0.0-alpha", "2.0.0",  "9.0.0+build", "10.0.0",
	};

	qsort(index, ELEMENTSOF(index), sizeof(index[0]), qsort_versions);
	for (size_t i = 0; i < ELEMENTSOF(index); i++)
		ck_assert_str_eq(index[i], sorted[i]);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("semver");
	TCase *tc = tcase_create("semver");

	tcase_add_test(tc, test_semver_valid);
	tcase_add_test(tc, test_semver_invalid);
	tcase_add_test(tc, test_semver_messages);
	tcase_add_test(tc, test_semver_long_text_is_cut_in_messages);
	tcase_add_test(tc, test_semver_fields);
	tcase_add_test(tc, test_semver_precedence_semver_org);
	tcase_add_test(tc, test_semver_precedence_more);
	tcase_add_test(tc, test_semver_build_metadata_ignored);
	tcase_add_test(tc, test_semver_compare_structs);
	tcase_add_test(tc, test_semver_compare_text_unparsable);
	tcase_add_test(tc, test_semver_sort_index);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}
