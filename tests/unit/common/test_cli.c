/* test_cli.c - command tables: help at every level, unknown words, what a leaf receives. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/cli.h"

#include "jl_test.h"

static int seen_argc;
static char seen_argv[8][64];

static int record(int argc, char **argv, void *userdata)
{
	seen_argc = argc;
	for (int i = 0; i < argc && i < 8; i++)
		snprintf(seen_argv[i], sizeof(seen_argv[i]), "%s", argv[i]);
	return *(int *)userdata;
}

static const struct jl_cli_command group_cmds[] = {
	{ "list", "List the widgets", "[--json]", "Options:\n  --json  as JSON\n", record, NULL },
	{ "show", "Show one widget", "ID", NULL, record, NULL },
	{ NULL },
};

static const struct jl_cli_command top_cmds[] = {
	{ "widgets", "Work with widgets", NULL, NULL, NULL, group_cmds },
	{ "version", "Show the version", NULL, NULL, record, NULL },
	{ NULL },
};

static const struct jl_cli_command root = { "prog",	 "A test program.",
					    "<command>", "Global options:\n  --x  an option\n",
					    NULL,	 top_cmds };

struct outcome {
	int rc;
	char out[4096];
	char err[4096];
};

static struct outcome run(int argc, char **argv)
{
	struct outcome o = { 0 };
	FILE *out = fmemopen(o.out, sizeof(o.out) - 1, "w");
	FILE *err = fmemopen(o.err, sizeof(o.err) - 1, "w");
	int leaf_rc = 42;

	seen_argc = -1;
	o.rc = jl_cli_dispatch(&root, argc, argv, &leaf_rc, out, err);
	fclose(out);
	fclose(err);
	return o;
}

#define RUN(...)                                                                                   \
	({                                                                                         \
		char *args_[] = { __VA_ARGS__, NULL };                                             \
		run((int)(sizeof(args_) / sizeof(args_[0])) - 1, args_);                           \
	})

START_TEST(test_top_help)
{
	struct outcome o = RUN("--help");

	ck_assert_int_eq(o.rc, JL_EXIT_OK);
	ck_assert_ptr_nonnull(strstr(o.out, "Usage: prog <command>"));
	ck_assert_ptr_nonnull(strstr(o.out, "widgets  Work with widgets"));
	ck_assert_ptr_nonnull(strstr(o.out, "version  Show the version"));
	ck_assert_ptr_nonnull(strstr(o.out, "Global options:"));
	ck_assert_str_eq(o.err, "");
	o = RUN("-h");
	ck_assert_int_eq(o.rc, JL_EXIT_OK);
	o = RUN("help");
	ck_assert_int_eq(o.rc, JL_EXIT_OK);
	ck_assert_ptr_nonnull(strstr(o.out, "Usage: prog <command>"));
}
END_TEST

START_TEST(test_no_command_is_usage_error)
{
	struct outcome o = run(0, (char *[]){ NULL });

	ck_assert_int_eq(o.rc, JL_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(o.err, "Usage: prog"));
	ck_assert_int_eq(seen_argc, -1);
	o = RUN("widgets");
	ck_assert_int_eq(o.rc, JL_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(o.err, "Usage: prog widgets"));
	ck_assert_ptr_nonnull(strstr(o.err, "list  List the widgets"));
}
END_TEST

START_TEST(test_group_and_leaf_help)
{
	struct outcome o = RUN("widgets", "--help");

	ck_assert_int_eq(o.rc, JL_EXIT_OK);
	ck_assert_ptr_nonnull(strstr(o.out, "Run `prog widgets <command> --help`"));
	o = RUN("help", "widgets", "list");
	ck_assert_int_eq(o.rc, JL_EXIT_OK);
	ck_assert_ptr_nonnull(strstr(o.out, "Usage: prog widgets list [--json]"));
	ck_assert_ptr_nonnull(strstr(o.out, "--json  as JSON"));
	o = RUN("widgets", "list", "--json", "-h");
	ck_assert_int_eq(o.rc, JL_EXIT_OK);
	ck_assert_int_eq(seen_argc, -1);
	ck_assert_ptr_nonnull(strstr(o.out, "Usage: prog widgets list"));
	o = RUN("widgets", "help", "show");
	ck_assert_int_eq(o.rc, JL_EXIT_OK);
	ck_assert_ptr_nonnull(strstr(o.out, "Usage: prog widgets show ID"));
}
END_TEST

START_TEST(test_unknown_words)
{
	struct outcome o = RUN("bogus");

	ck_assert_int_eq(o.rc, JL_EXIT_USAGE);
	ck_assert_str_eq(
		o.err, "prog: `bogus` is not a command; run `prog --help` to see the commands.\n");
	o = RUN("widgets", "frob");
	ck_assert_int_eq(o.rc, JL_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(o.err, "prog widgets: `frob` is not a command"));
	o = RUN("--frob");
	ck_assert_int_eq(o.rc, JL_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(o.err, "unknown option `--frob`"));
	o = RUN("help", "nope");
	ck_assert_int_eq(o.rc, JL_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(o.err, "`nope` is not a command"));
}
END_TEST

/* A mistyped command word gets the closest command named, at every level and after help. */
START_TEST(test_typo_suggests_the_command)
{
	struct outcome o = RUN("widgest", "list");

	ck_assert_int_eq(o.rc, JL_EXIT_USAGE);
	ck_assert_str_eq(
		o.err,
		"prog: `widgest` is not a command (did you mean `widgets`?); run `prog --help` to see the commands.\n");
	o = RUN("widgets", "lsit");
	ck_assert_int_eq(o.rc, JL_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(o.err, "`lsit` is not a command (did you mean `list`?)"));
	o = RUN("help", "versoin");
	ck_assert_int_eq(o.rc, JL_EXIT_USAGE);
	ck_assert_ptr_nonnull(strstr(o.err, "did you mean `version`?"));
}
END_TEST

START_TEST(test_leaf_receives_its_arguments)
{
	struct outcome o = RUN("widgets", "show", "abc", "--", "--help");

	ck_assert_int_eq(o.rc, 42);
	ck_assert_int_eq(seen_argc, 4);
	ck_assert_str_eq(seen_argv[0], "show");
	ck_assert_str_eq(seen_argv[1], "abc");
	ck_assert_str_eq(seen_argv[2], "--");
	ck_assert_str_eq(seen_argv[3], "--help");
	o = RUN("version");
	ck_assert_int_eq(o.rc, 42);
	ck_assert_int_eq(seen_argc, 1);
	ck_assert_str_eq(seen_argv[0], "version");
}
END_TEST

START_TEST(test_root_must_be_a_group)
{
	static const struct jl_cli_command leaf_root = { "solo", NULL, NULL, NULL, record, NULL };
	char buf[256] = "";
	FILE *err = fmemopen(buf, sizeof(buf) - 1, "w");
	int leaf_rc = 0;

	ck_assert_int_eq(jl_cli_dispatch(&leaf_root, 0, (char *[]){ NULL }, &leaf_rc, stdout, err),
			 JL_EXIT_FAILURE);
	fclose(err);
	ck_assert_ptr_nonnull(strstr(buf, "must be a group"));
}
END_TEST

START_TEST(test_parse_json_only)
{
	char buf[512] = "";
	FILE *err = fmemopen(buf, sizeof(buf) - 1, "w");
	int json = 0;

	ck_assert_int_eq(
		jl_cli_parse_json_only(1, (char *[]){ "list", NULL }, "p list", &json, err), 0);
	ck_assert_int_eq(json, 0);
	ck_assert_int_eq(jl_cli_parse_json_only(2, (char *[]){ "list", "--json", NULL }, "p list",
						&json, err),
			 0);
	ck_assert_int_eq(json, 1);
	/* getopt state is reset on every call: the same words parse the same way again. */
	json = 0;
	ck_assert_int_eq(jl_cli_parse_json_only(2, (char *[]){ "list", "--json", NULL }, "p list",
						&json, err),
			 0);
	ck_assert_int_eq(json, 1);
	ck_assert_int_eq(
		jl_cli_parse_json_only(2, (char *[]){ "list", "-x", NULL }, "p list", &json, err),
		JL_EXIT_USAGE);
	ck_assert_int_eq(jl_cli_parse_json_only(2, (char *[]){ "list", "extra", NULL }, "p list",
						&json, err),
			 JL_EXIT_USAGE);
	fclose(err);
	ck_assert_ptr_nonnull(strstr(buf, "p list: unknown option `-x`; run `p list --help`"));
	ck_assert_ptr_nonnull(strstr(buf, "p list: unexpected argument `extra`"));
}
END_TEST

static Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("dispatch");

	tcase_add_test(tc, test_top_help);
	tcase_add_test(tc, test_no_command_is_usage_error);
	tcase_add_test(tc, test_group_and_leaf_help);
	tcase_add_test(tc, test_unknown_words);
	tcase_add_test(tc, test_typo_suggests_the_command);
	tcase_add_test(tc, test_leaf_receives_its_arguments);
	tcase_add_test(tc, test_root_must_be_a_group);
	tcase_add_test(tc, test_parse_json_only);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(cli_suite());
}
