/*
 * test_semver.c - private version helpers of libjoblet: semantic versions
 * (semver.c), runtime specs NAME[@VERSION] (runtime_spec.c) and the registry
 * platform of a host (platform.c, with os-release files in
 * tests/fixtures/os-release/).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "config/platform.h"
#include "runtime/runtime_spec.h"
#include "runtime/semver.h"
#include "base/util.h"

#include "jl_test.h"
#include "jl_tmp.h"

/* ------------------------------------------------------------ semver */

static const char accepted[] = "use MAJOR.MINOR.PATCH with no leading zeros, optionally followed "
			       "by -PRERELEASE and +BUILD, e.g. 1.2.3 or 3.0.0-rc1";

static void parse_ok(const char *text, struct jl_semver *v)
{
	struct joblet_error *e = NULL;

	ck_assert_msg(jl_semver_parse(text, v, &e) == 0, "`%s`: %s", text,
		      joblet_error_message(e));
	ck_assert_ptr_null(e);
}

/* Parse must fail with JOBLET_E_INVALID, leave ret alone; returns the error. */
static struct joblet_error *parse_bad(const char *text)
{
	static char pre[] = "sentinel";
	struct jl_semver v = { 7, 7, 7, pre, NULL };
	struct joblet_error *e = NULL;
	int r = jl_semver_parse(text, &v, &e);

	ck_assert_msg(r == -JOBLET_E_INVALID, "`%s` was accepted (r=%d)",
		      text ? text : "(null)", r);
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
	"99999999999999999999999.999999999999999999.99999999999999999----RC-SNAPSHOT.12.09.1-----"
	"---------------------------..12",
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
		{ "1.1", "`1.1` is not a semantic version: it does not start with three numbers "
			 "MAJOR.MINOR.PATCH; " },
		{ "1.2.3.4", "`1.2.3.4` is not a semantic version: `.4` follows MAJOR.MINOR.PATCH, "
			     "where only -PRERELEASE and +BUILD may; " },
		{ " 1.2.3", "` 1.2.3` is not a semantic version: it contains whitespace; " },
		{ "18446744073709551616.0.0", "`18446744073709551616.0.0` is not a semantic "
					      "version: `18446744073709551616` is larger "
					      "than 18446744073709551615; " },
		{ "1.1.1-01", "`1.1.1-01` is not a semantic version: numeric pre-release "
			      "identifier `01` has a leading zero; " },
		{ "1.1.1-", "`1.1.1-` is not a semantic version: the pre-release has an empty "
			    "identifier; " },
		{ "1.1.1-a..b", "`1.1.1-a..b` is not a semantic version: the pre-release has an "
				"empty identifier; " },
		{ "1.2.3+", "`1.2.3+` is not a semantic version: the build metadata has an empty "
			    "identifier; " },
		{ "1.0.0-alpha_beta", "`1.0.0-alpha_beta` is not a semantic version: `_` is not "
				      "allowed in the pre-release (only 0-9, A-Z, a-z, `-` and "
				      "dots between identifiers); " },
		{ "9.8.7+meta+meta", "`9.8.7+meta+meta` is not a semantic version: `+` is not "
				     "allowed in the build metadata (only 0-9, A-Z, a-z, `-` and "
				     "dots between identifiers); " },
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
		"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
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
		"1.0",	      "latest",	     "v3.0.0", "1.0.0-beta",  "1.0.0-rc.1",
		"1.0.0",      "2.0.0-alpha", "2.0.0",  "9.0.0+build", "10.0.0",
	};

	qsort(index, ELEMENTSOF(index), sizeof(index[0]), qsort_versions);
	for (size_t i = 0; i < ELEMENTSOF(index); i++)
		ck_assert_str_eq(index[i], sorted[i]);
}
END_TEST

/* ------------------------------------------------------------ runtime specs */

static void spec_ok(const char *text, const char *name, const char *version)
{
	struct jl_runtime_spec s = { 0 };
	struct joblet_error *e = NULL;

	ck_assert_msg(jl_runtime_spec_parse(text, &s, &e) == 0, "`%s`: %s", text,
		      joblet_error_message(e));
	ck_assert_ptr_null(e);
	ck_assert_str_eq(s.name, name);
	if (version)
		ck_assert_str_eq(s.version, version);
	else
		ck_assert_ptr_null(s.version);
	jl_runtime_spec_done(&s);
	ck_assert_ptr_null(s.name);
	ck_assert_ptr_null(s.version);
}

/* Must fail with JOBLET_E_INVALID, leave ret alone and say `message`. */
static void spec_bad(const char *text, const char *message)
{
	static char name[] = "sentinel";
	struct jl_runtime_spec s = { name, NULL };
	struct joblet_error *e = NULL;
	int r = jl_runtime_spec_parse(text, &s, &e);

	ck_assert_msg(r == -JOBLET_E_INVALID, "`%s` was accepted (r=%d)",
		      text ? text : "(null)", r);
	ck_assert_int_eq(e->code, JOBLET_E_INVALID);
	ck_assert_ptr_eq(s.name, name);
	ck_assert_ptr_null(s.version);
	ck_assert_msg(strstr(e->message, message), "`%s`: %s", text ? text : "(null)", e->message);
	joblet_error_free(e);
	ck_assert_int_eq(jl_runtime_spec_parse(text, &s, NULL), -JOBLET_E_INVALID);
}

START_TEST(test_spec_good)
{
	char name64[65];

	spec_ok("python-3.11-ml", "python-3.11-ml", NULL);
	spec_ok("python-3.11-ml@1.0.2", "python-3.11-ml", "1.0.2");
	spec_ok("python-beta@3.0.0-rc1", "python-beta", "3.0.0-rc1");
	spec_ok("x@latest", "x", NULL);
	spec_ok("openjdk-21", "openjdk-21", NULL);
	spec_ok("graalvmjdk-21@21.0.2", "graalvmjdk-21", "21.0.2");
	spec_ok("python-3.11-pytorch-cuda@2.1.0+cu121.b7", "python-3.11-pytorch-cuda",
		"2.1.0+cu121.b7");
	spec_ok("0@0.0.0", "0", "0.0.0");
	spec_ok("a_b.c-d9", "a_b.c-d9", NULL);
	spec_ok("a..b", "a..b", NULL);
	spec_ok("latest", "latest", NULL);
	spec_ok("latest@latest", "latest", NULL);
	memset(name64, 'n', 64);
	name64[64] = '\0';
	spec_ok(name64, name64, NULL);
}
END_TEST

START_TEST(test_spec_bad)
{
	static const char invalid_name[] =
		"is invalid: use lower-case letters, digits, `.`, `_` and `-`, starting with a "
		"letter or digit";
	char name65[80];

	spec_bad(NULL, "an empty runtime spec is not valid; use NAME, NAME@VERSION or NAME@latest");
	spec_bad("", "an empty runtime spec is not valid");
	spec_bad("@1.0.0", "runtime spec `@1.0.0` has no name before `@`; use NAME, NAME@VERSION "
			   "or NAME@latest, e.g. python-3.11-ml@1.0.2");
	spec_bad("@", "has no name before `@`");
	spec_bad("x@", "runtime spec `x@` has no version after `@`; use NAME@VERSION (e.g. "
		       "x@1.2.3), NAME@latest or just NAME");
	spec_bad("x@1.0", "runtime spec `x@1.0`: `1.0` is not a semantic version: ");
	spec_bad("x@v1.0.0", "runtime spec `x@v1.0.0`: `v1.0.0` is not a semantic version: remove "
			     "the leading `v`");
	spec_bad("x@Latest", "`Latest` is not a semantic version");
	spec_bad("x@1.0.0 ", "it contains whitespace");
	spec_bad("x@01.0.0", "`01` has a leading zero");
	spec_bad("X", "runtime name `X` is invalid: use lower-case letters, digits, `.`, `_` and "
		      "`-`, starting with a letter or digit");
	spec_bad("Python", "runtime name `Python` is invalid: use lower-case letters, digits, "
			   "`.`, `_` and `-`, starting with a letter or digit");
	spec_bad("Python@1.0.0", "runtime name `Python` is invalid");
	spec_bad("-x", "runtime name `-x` is invalid");
	spec_bad(".x", "runtime name `.x` is invalid");
	spec_bad("_x", "runtime name `_x` is invalid");
	spec_bad("..", "runtime name `..` is invalid");
	spec_bad("../x", "runtime name `../x` is invalid");
	spec_bad("a/b", "runtime name `a/b` is invalid");
	spec_bad("a/b@1.0.0", "runtime name `a/b` is invalid");
	spec_bad("/etc", invalid_name);
	spec_bad("x y", invalid_name);
	spec_bad(" x", invalid_name);
	spec_bad("x\n", invalid_name);
	spec_bad("caf\xc3\xa9", invalid_name);
	spec_bad("a@1.0.0@2", "runtime spec `a@1.0.0@2` has more than one `@`; use NAME, "
			      "NAME@VERSION or NAME@latest");
	spec_bad("a@@1.0.0", "has more than one `@`");
	spec_bad("x@latest@", "has more than one `@`");
	memset(name65, 'n', 65);
	name65[65] = '\0';
	spec_bad(name65, "is too long (65 bytes): use at most 64 bytes");
	memcpy(name65 + 65, "@1.0.0", sizeof("@1.0.0"));
	spec_bad(name65, "is too long (65 bytes)");
}
END_TEST

START_TEST(test_runtime_name_valid)
{
	char name[70];

	ck_assert(jl_runtime_name_valid("python-3.11-ml"));
	ck_assert(jl_runtime_name_valid("a"));
	ck_assert(jl_runtime_name_valid("9"));
	ck_assert(jl_runtime_name_valid("a-"));
	ck_assert(!jl_runtime_name_valid(NULL));
	ck_assert(!jl_runtime_name_valid(""));
	ck_assert(!jl_runtime_name_valid("."));
	ck_assert(!jl_runtime_name_valid("a@1.0.0"));
	ck_assert(!jl_runtime_name_valid("aB"));
	ck_assert(!jl_runtime_name_valid("a:b"));
	ck_assert(!jl_runtime_name_valid("a\\b"));
	memset(name, 'a', 64);
	name[64] = '\0';
	ck_assert(jl_runtime_name_valid(name));
	name[64] = 'a';
	name[65] = '\0';
	ck_assert(!jl_runtime_name_valid(name));
	jl_runtime_spec_done(NULL);
}
END_TEST

/* ------------------------------------------------------------ platform */

static const char supported[] = "runtime registries know ubuntu (Debian family), rhel (RHEL "
				"family) and amzn on amd64 or arm64";

static char *fixture(const char *name)
{
	char *p = jl_strdup_printf("%s/tests/fixtures/os-release/%s",
				   jl_test_env("JOBLET_TEST_SRCDIR"), name);

	ck_assert_ptr_nonnull(p);
	return p;
}

/* Detect from a file; expected NULL means JOBLET_E_UNSUPPORTED with `message`. */
static void detect(const char *path, const char *machine, const char *expected,
		   const char *message)
{
	static char sentinel[] = "sentinel";
	struct joblet_error *e = NULL;
	char *platform = sentinel;
	int r = jl_platform_detect(path, machine, &platform, &e);

	if (expected) {
		ck_assert_msg(r == 0, "`%s` on %s: %s", path, machine, joblet_error_message(e));
		ck_assert_ptr_null(e);
		ck_assert_msg(strcmp(platform, expected) == 0, "`%s` on %s: %s, not %s", path,
			      machine, platform, expected);
		ck_assert(jl_platform_valid(platform));
		free(platform);
		return;
	}
	ck_assert_msg(r == -JOBLET_E_UNSUPPORTED, "`%s` on %s: r=%d (%s)", path, machine, r,
		      r == 0 ? platform : joblet_error_message(e));
	ck_assert_ptr_eq(platform, sentinel);
	ck_assert_int_eq(e->code, JOBLET_E_UNSUPPORTED);
	if (message)
		ck_assert_msg(strcmp(e->message, message) == 0, "`%s` on %s:\n%s\nnot\n%s", path,
			      machine, e->message, message);
	ck_assert_ptr_nonnull(strstr(e->message, supported));
	joblet_error_free(e);
	ck_assert_int_eq(jl_platform_detect(path, machine, &platform, NULL), -JOBLET_E_UNSUPPORTED);
}

START_TEST(test_platform_fixtures)
{
	static const struct {
		const char *file;
		const char *family; /* NULL: unsupported */
	} cases[] = {
		{ "debian-12", "ubuntu" },
		{ "ubuntu-22.04", "ubuntu" },
		{ "linuxmint-21", "ubuntu" },
		{ "pop-22.04", "ubuntu" },
		{ "raspbian-11", "ubuntu" },
		{ "rocky-9", "rhel" },
		{ "almalinux-9", "rhel" },
		{ "fedora-39", "rhel" },
		{ "ol-9", "rhel" },
		{ "centos-stream-9", "rhel" },
		{ "amzn-2023", "amzn" }, /* ID_LIKE=fedora, but ID comes first */
		{ "amzn-2", "amzn" },
		{ "quoted", "rhel" },
		{ "hostile-unterminated", "ubuntu" },
		{ "alpine-3.19", NULL },
		{ "opensuse-leap-15", NULL },
		{ "missing-id", NULL },
	};
	static const struct {
		const char *machine;
		const char *arch; /* NULL: unsupported */
	} machines[] = {
		{ "x86_64", "amd64" }, { "aarch64", "arm64" }, { "arm64", "arm64" },
		{ "riscv64", NULL },   { "i686", NULL },       { "amd64", NULL },
		{ "armv7l", NULL },    { "", NULL },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		_cleanup_free_ char *path = fixture(cases[i].file);

		for (size_t j = 0; j < ELEMENTSOF(machines); j++) {
			_cleanup_free_ char *expected = NULL;

			if (cases[i].family && machines[j].arch)
				expected = jl_strdup_printf("%s-%s", cases[i].family,
							    machines[j].arch);
			detect(path, machines[j].machine, expected, NULL);
		}
	}
}
END_TEST

START_TEST(test_platform_messages)
{
	_cleanup_free_ char *alpine = fixture("alpine-3.19"), *debian = fixture("debian-12");
	_cleanup_free_ char *suse = fixture("opensuse-leap-15"), *none = fixture("missing-id");
	_cleanup_free_ char *quoted = fixture("quoted"), *m1 = NULL, *m2 = NULL, *m3 = NULL;
	_cleanup_free_ char *m4 = NULL, *m5 = NULL;

	m1 = jl_strdup_printf("this host is `alpine` on `x86_64`; %s", supported);
	detect(alpine, "x86_64", NULL, m1);
	m2 = jl_strdup_printf("this host is `debian` on `riscv64`; %s", supported);
	detect(debian, "riscv64", NULL, m2);
	m3 = jl_strdup_printf("this host is `opensuse-leap` (like `suse opensuse`) on `aarch64`; "
			      "%s",
			      supported);
	detect(suse, "aarch64", NULL, m3);
	m4 = jl_strdup_printf("this host is `linux` on `x86_64`; %s", supported);
	detect(none, "x86_64", NULL, m4);
	/* Quotes and escapes decoded as a shell would. */
	m5 = jl_strdup_printf("this host is `my\"os\\2` (like `centos  \"rhel\"`) on `riscv64`; %s",
			      supported);
	detect(quoted, "riscv64", NULL, m5);
}
END_TEST

START_TEST(test_platform_os_release_syntax)
{
	/* CRLF line ends. */
	detect(jl_tmp_write("crlf", "NAME=\"x\"\r\nID=\"debian\"\r\nVERSION_ID=1\r\n"), "x86_64",
	       "ubuntu-amd64", NULL);
	/* The last assignment wins, as in a shell. */
	detect(jl_tmp_write("twice", "ID=alpine\nID=rocky\n"), "x86_64", "rhel-amd64", NULL);
	/* No newline at the end. */
	detect(jl_tmp_write("nonl", "ID=amzn"), "aarch64", "amzn-arm64", NULL);
	/* Single quotes keep backslashes; an unquoted backslash escapes. */
	detect(jl_tmp_write("single", "ID='ub\\untu'\n"), "x86_64", NULL,
	       "this host is `ub\\untu` on `x86_64`; runtime registries know ubuntu (Debian "
	       "family), rhel (RHEL family) and amzn on amd64 or arm64");
	detect(jl_tmp_write("unquoted", "ID=ub\\untu\n"), "x86_64", "ubuntu-amd64", NULL);
	/* A backslash-newline inside double quotes joins the lines. */
	detect(jl_tmp_write("cont", "ID=\"deb\\\nian\"\n"), "x86_64", "ubuntu-amd64", NULL);
	/* Concatenated quoted parts form one word. */
	detect(jl_tmp_write("concat", "ID='ubu'\"n\"tu\n"), "x86_64", "ubuntu-amd64", NULL);
	/* Junk lines are ignored; so is an assignment followed by more words. */
	detect(jl_tmp_write("junk", "garbage\n=x\n9ID=ubuntu\nID=alpine extra\nID ID=x\n"
				    "  ID=fedora   # comment\n\x01\xff\n"),
	       "x86_64", "rhel-amd64", NULL);
	/* ID_LIKE words in order, separated by any blanks. */
	detect(jl_tmp_write("like", "ID=mine\nID_LIKE=\"  suse\tamzn  debian \"\n"), "x86_64",
	       "amzn-amd64", NULL);
	/* Case matters: IDs are lower-case by definition. */
	detect(jl_tmp_write("case", "ID=Ubuntu\nid=ubuntu\n"), "x86_64", NULL, NULL);
	/* An empty ID is the default `linux`. */
	detect(jl_tmp_write("emptyid", "ID=\nID_LIKE=\n"), "x86_64", NULL,
	       "this host is `linux` on `x86_64`; runtime registries know ubuntu (Debian family), "
	       "rhel (RHEL family) and amzn on amd64 or arm64");
	detect(jl_tmp_write("empty", ""), "x86_64", NULL, NULL);
	/* A family name inside a longer word does not count. */
	detect(jl_tmp_write("partial", "ID=ubuntuish\nID_LIKE=\"debianoid rhel9\"\n"), "x86_64",
	       NULL, NULL);
}
END_TEST

START_TEST(test_platform_unreadable)
{
	static char sentinel[] = "sentinel";
	struct joblet_error *e = NULL;
	char *platform = sentinel;
	FILE *f;

	ck_assert_int_eq(jl_platform_detect(jl_tmp_path("none"), "x86_64", &platform, &e),
			 -JOBLET_E_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(e->message, "cannot tell the platform of this host: cannot "
						 "open `"));
	ck_assert_ptr_nonnull(strstr(e->message, "/none`"));
	joblet_error_clear(&e);
	ck_assert_int_eq(jl_platform_detect(jl_tmpdir, "x86_64", &platform, &e), -JOBLET_E_IO);
	joblet_error_clear(&e);
	/* An os-release file has a few hundred bytes; a huge one is refused. */
	f = fopen(jl_tmp_path("huge"), "w");
	ck_assert_ptr_nonnull(f);
	fputs("ID=debian\n", f);
	for (int i = 0; i < JL_OS_RELEASE_MAX_BYTES / 8; i++)
		fputs("#padding", f);
	fclose(f);
	ck_assert_int_eq(jl_platform_detect(jl_tmp_path("huge"), "x86_64", &platform, &e),
			 -JOBLET_E_LIMIT);
	joblet_error_clear(&e);
	ck_assert_ptr_eq(platform, sentinel);
}
END_TEST

START_TEST(test_platform_valid)
{
	static const char *const good[] = {
		"ubuntu-amd64", "ubuntu-arm64", "rhel-amd64",
		"rhel-arm64",	"amzn-amd64",	"amzn-arm64",
	};
	static const char *const bad[] = {
		"",	       "ubuntu",	"amd64",	 "debian-amd64", "ubuntu-x86_64",
		"Ubuntu-amd64", "ubuntu-amd64 ", " ubuntu-amd64", "ubuntu_amd64", "ubuntu-amd64-x",
		"rhel-arm64\n", "amzn-riscv64",
	};

	for (size_t i = 0; i < ELEMENTSOF(good); i++)
		ck_assert_int_eq(jl_platform_valid(good[i]), 1);
	for (size_t i = 0; i < ELEMENTSOF(bad); i++)
		ck_assert_msg(jl_platform_valid(bad[i]) == 0, "`%s`", bad[i]);
	ck_assert_int_eq(jl_platform_valid(NULL), 0);
}
END_TEST

/* ID from an os-release file, read naively (enough for real distributions' files). */
static char *naive_id(const char *path)
{
	_cleanup_free_ char *data = NULL;
	const char *line;
	size_t len;

	ck_assert_int_eq(jl_read_file(path, 1 << 20, &data, NULL, NULL), 0);
	for (line = data; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (jl_startswith(line, "ID="))
			break;
	if (!line)
		return NULL;
	line += 3;
	len = strcspn(line, "\n");
	if (len >= 2 && (line[0] == '"' || line[0] == '\'') && line[len - 1] == line[0]) {
		line++;
		len -= 2;
	}
	return strndup(line, len);
}

START_TEST(test_platform_this_host)
{
	static const struct {
		const char *id;
		const char *family;
	} known[] = {
		{ "debian", "ubuntu" }, { "ubuntu", "ubuntu" }, { "rhel", "rhel" },
		{ "centos", "rhel" },	{ "rocky", "rhel" },	{ "almalinux", "rhel" },
		{ "fedora", "rhel" },	{ "ol", "rhel" },	{ "amzn", "amzn" },
	};
	struct joblet_error *e1 = NULL, *e2 = NULL;
	_cleanup_free_ char *p1 = NULL, *p2 = NULL, *id = NULL;
	const char *path = NULL, *arch = NULL, *family = NULL;
	struct utsname u;
	struct stat st;
	int r1, r2;

	ck_assert_int_eq(uname(&u), 0);
	if (stat("/etc/os-release", &st) == 0)
		path = "/etc/os-release";
	else if (stat("/usr/lib/os-release", &st) == 0)
		path = "/usr/lib/os-release";

	r1 = jl_platform_detect(NULL, NULL, &p1, &e1);
	if (!path) {
		ck_assert_int_eq(r1, -JOBLET_E_UNSUPPORTED);
		ck_assert_ptr_nonnull(strstr(e1->message, "neither `/etc/os-release` nor "
							  "`/usr/lib/os-release` exists"));
		joblet_error_free(e1);
		return;
	}
	/* The same as naming the file and the machine explicitly. */
	r2 = jl_platform_detect(path, u.machine, &p2, &e2);
	ck_assert_int_eq(r1, r2);
	if (r1 == 0)
		ck_assert_str_eq(p1, p2);
	else
		ck_assert_str_eq(e1->message, e2->message);

	/* And what the test can tell by itself. */
	if (strcmp(u.machine, "x86_64") == 0)
		arch = "amd64";
	else if (strcmp(u.machine, "aarch64") == 0 || strcmp(u.machine, "arm64") == 0)
		arch = "arm64";
	id = naive_id(path);
	for (size_t i = 0; id && i < ELEMENTSOF(known); i++)
		if (strcmp(id, known[i].id) == 0)
			family = known[i].family;
	if (r1 == 0) {
		ck_assert(jl_platform_valid(p1));
		ck_assert_ptr_nonnull(arch);
		ck_assert_str_eq(p1 + strlen(p1) - strlen(arch), arch);
		if (family)
			ck_assert(jl_startswith(p1, family) && p1[strlen(family)] == '-');
		fprintf(stderr, "this host: %s (ID=%s, machine %s)\n", p1, id ? id : "?",
			u.machine);
	} else {
		ck_assert_int_eq(r1, -JOBLET_E_UNSUPPORTED);
		ck_assert(!arch || !family);
		ck_assert_ptr_nonnull(strstr(e1->message, u.machine));
		fprintf(stderr, "this host: %s\n", e1->message);
	}
	joblet_error_free(e1);
	joblet_error_free(e2);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("semver");
	TCase *tc = tcase_create("semver");
	TCase *spec = tcase_create("runtime_spec");
	TCase *plat = tcase_create("platform");

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

	tcase_add_test(spec, test_spec_good);
	tcase_add_test(spec, test_spec_bad);
	tcase_add_test(spec, test_runtime_name_valid);
	suite_add_tcase(s, spec);

	tcase_add_checked_fixture(plat, jl_tmp_setup, jl_tmp_teardown);
	tcase_add_test(plat, test_platform_fixtures);
	tcase_add_test(plat, test_platform_messages);
	tcase_add_test(plat, test_platform_os_release_syntax);
	tcase_add_test(plat, test_platform_unreadable);
	tcase_add_test(plat, test_platform_valid);
	tcase_add_test(plat, test_platform_this_host);
	suite_add_tcase(s, plat);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}
