/*
 * test_yaml_doc.c - the YAML document helpers of libjoblet
 * (core/lib/base/yaml_doc.c): typed getters, and documents that are refused
 * (aliases, billion-laughs bombs).
 */
#include <string.h>

#include "base/util.h"
#include "base/yaml_doc.h"

#include "jl_test.h"
#include "jl_tmp.h"

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

	jl_yaml_foreach_pair(p, root) if (strcmp(jl_yaml_scalar(jl_yaml_node(y, p->key)), key) ==
					  0) return jl_yaml_node(y, p->value);
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
	ck_assert_int_eq(jl_yaml_get_int(y, value_of(y, "big"), "big", 0, 100, &n, &e),
			 -JOBLET_E_PARSE);
	ck_assert_ptr_nonnull(
		strstr(e->message, "`t.yml` line 2: `big` must be between 0 and 100"));
	joblet_error_clear(&e);
	ck_assert_int_eq(jl_yaml_get_int(y, value_of(y, "word"), "word", 0, 100, &n, NULL),
			 -JOBLET_E_PARSE);
	ck_assert_int_eq(jl_yaml_get_bool(y, value_of(y, "t"), "t", &b, NULL), 0);
	ck_assert(b);
	/* A quoted "true" is a string, not a boolean. */
	ck_assert_int_eq(jl_yaml_get_bool(y, value_of(y, "q"), "q", &b, NULL), -JOBLET_E_PARSE);
	ck_assert_int_eq(jl_yaml_get_strv(y, value_of(y, "list"), "list", &v, NULL), 0);
	ck_assert_str_eq(v[0], "a");
	ck_assert_str_eq(v[1], "b");
	ck_assert_ptr_null(v[2]);
	jl_strv_free(v);
	ck_assert_int_eq(jl_yaml_get_strv(y, value_of(y, "word"), "word", &v, NULL),
			 -JOBLET_E_PARSE);
	ck_assert(jl_yaml_is_null(value_of(y, "nul")));
	ck_assert(jl_yaml_is_null(value_of(y, "empty")));
	ck_assert_int_eq(jl_yaml_get_string(y, value_of(y, "nul"), "nul", &s, NULL),
			 -JOBLET_E_PARSE);
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

	ck_assert_int_eq(
		jl_yaml_load_string(bomb, strlen(bomb), "bomb.yml", JOBLET_E_PARSE, &y, &e),
		-JOBLET_E_PARSE);
	ck_assert_ptr_nonnull(strstr(e->message, "`bomb.yml` line 1: anchors and aliases"));
	joblet_error_free(e);
	ck_assert_ptr_null(y);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("yaml_doc");
	TCase *tc = tcase_create("yaml_doc");

	tcase_add_checked_fixture(tc, jl_tmp_setup, jl_tmp_teardown);
	tcase_add_test(tc, test_yaml_converters);
	tcase_add_test(tc, test_yaml_refuses_aliases_and_bombs);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}
