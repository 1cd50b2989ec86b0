/*
 * test_runtime_spec.c - runtime specs NAME[@VERSION]
 * (core/lib/runtime/runtime_spec.c) and runtime names.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "runtime/runtime_spec.h"
#include "base/util.h"

#include "jl_test.h"

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

	ck_assert_msg(r == -JOBLET_E_INVALID, "`%s` was accepted (r=%d)", text ? text : "(null)",
		      r);
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
		"is invalid: use lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit";
	char name65[80];

	spec_bad(NULL, "an empty runtime spec is not valid; use NAME, NAME@VERSION or NAME@latest");
	spec_bad("", "an empty runtime spec is not valid");
	spec_bad(
		"@1.0.0",
		"runtime spec `@1.0.0` has no name before `@`; use NAME, NAME@VERSION or NAME@latest, e.g. python-3.11-ml@1.0.2");
	spec_bad("@", "has no name before `@`");
	spec_bad(
		"x@",
		"runtime spec `x@` has no version after `@`; use NAME@VERSION (e.g. x@1.2.3), NAME@latest or just NAME");
	spec_bad("x@1.0", "runtime spec `x@1.0`: `1.0` is not a semantic version: ");
	spec_bad(
		"x@v1.0.0",
		"runtime spec `x@v1.0.0`: `v1.0.0` is not a semantic version: remove the leading `v`");
	spec_bad("x@Latest", "`Latest` is not a semantic version");
	spec_bad("x@1.0.0 ", "it contains whitespace");
	spec_bad("x@01.0.0", "`01` has a leading zero");
	spec_bad(
		"X",
		"runtime name `X` is invalid: use lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit");
	spec_bad(
		"Python",
		"runtime name `Python` is invalid: use lower-case letters, digits, `.`, `_` and `-`, starting with a letter or digit");
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
	spec_bad(
		"a@1.0.0@2",
		"runtime spec `a@1.0.0@2` has more than one `@`; use NAME, NAME@VERSION or NAME@latest");
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

static Suite *suite(void)
{
	Suite *s = suite_create("runtime_spec");
	TCase *spec = tcase_create("runtime_spec");

	tcase_add_test(spec, test_spec_good);
	tcase_add_test(spec, test_spec_bad);
	tcase_add_test(spec, test_runtime_name_valid);
	suite_add_tcase(s, spec);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}
