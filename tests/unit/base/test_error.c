/* test_error.c - struct joblet_error, the code table and its documentation, logging, buffers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <joblet/buffer.h>
#include <joblet/error.h>
#include <joblet/plugin.h>

#include "base/cleanup.h"
#include "base/error.h"
#include "base/log.h"
#include "base/buffer.h"

#include "jl_test.h"

START_TEST(test_set_returns_negative_code_and_keeps_errno)
{
	struct joblet_error *e = NULL;
	int r = joblet_error_set(&e, JOBLET_E_IO, ENOENT, "cannot open `%s`", "/x");

	ck_assert_int_eq(r, -JOBLET_E_IO);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->code, JOBLET_E_IO);
	ck_assert_int_eq(e->saved_errno, ENOENT);
	ck_assert_str_eq(e->message, "cannot open `/x`: No such file or directory");
	joblet_error_free(e);
}
END_TEST

START_TEST(test_set_with_null_err_only_returns)
{
	ck_assert_int_eq(joblet_error_set(NULL, JOBLET_E_LIMIT, 0, "x"), -JOBLET_E_LIMIT);
}
END_TEST

START_TEST(test_set_replaces_previous_error)
{
	struct joblet_error *e = NULL;

	joblet_error_set(&e, JOBLET_E_IO, 0, "first");
	joblet_error_set(&e, JOBLET_E_LIMIT, 0, "second");
	ck_assert_int_eq(e->code, JOBLET_E_LIMIT);
	ck_assert_str_eq(e->message, "second");
	joblet_error_free(e);
}
END_TEST

START_TEST(test_invalid_code_becomes_internal)
{
	struct joblet_error *e = NULL;

	ck_assert_int_eq(joblet_error_set(&e, 0, 0, "zero"), -JOBLET_E_INTERNAL);
	ck_assert_int_eq(e->code, JOBLET_E_INTERNAL);
	joblet_error_clear(&e);
	ck_assert_int_eq(joblet_error_set(&e, 100000, 0, "big"), -JOBLET_E_INTERNAL);
	joblet_error_clear(&e);
	ck_assert_ptr_null(e);
}
END_TEST

START_TEST(test_prefix_adds_context_and_passes_r)
{
	struct joblet_error *e = NULL;
	int r = joblet_error_set(&e, JOBLET_E_CHECKSUM, 0, "checksum mismatch");

	ck_assert_int_eq(joblet_error_prefix(&e, r, "installing `%s`", "python-3.11"), r);
	ck_assert_str_eq(e->message, "installing `python-3.11`: checksum mismatch");
	ck_assert_int_eq(e->code, JOBLET_E_CHECKSUM);
	ck_assert_int_eq(joblet_error_prefix(NULL, -7, "x"), -7);
	joblet_error_free(e);
	e = NULL;
	ck_assert_int_eq(joblet_error_prefix(&e, -3, "nothing to prefix"), -3);
	ck_assert_ptr_null(e);
}
END_TEST

START_TEST(test_detail_move_message)
{
	struct joblet_error *a = NULL, *b = NULL;

	joblet_error_set_detail(&a, JOBLET_E_HTTP, 404, "HTTP %d: %s", 404, "404 Not Found");
	ck_assert_int_eq(a->detail, 404);
	ck_assert_str_eq(joblet_error_message(a), "HTTP 404: 404 Not Found");
	joblet_error_move(&b, &a);
	ck_assert_ptr_null(a);
	ck_assert_int_eq(b->code, JOBLET_E_HTTP);
	ck_assert_str_eq(joblet_error_message(NULL), "unknown error");
	joblet_error_free(b);
	joblet_error_free(NULL);
}
END_TEST

START_TEST(test_code_names_and_classes)
{
	ck_assert_str_eq(jl_error_code_name(JOBLET_E_NOT_FOUND), "not-found");
	ck_assert_str_eq(jl_error_code_name(0), "unknown");
	ck_assert_int_eq(jl_error_code_class(JOBLET_E_NETWORK), JL_ERROR_TRANSIENT);
	ck_assert_int_eq(jl_error_code_class(JOBLET_E_TIMEOUT), JL_ERROR_TRANSIENT);
	ck_assert_int_eq(jl_error_code_class(JOBLET_E_CHECKSUM), JL_ERROR_STEP);
	ck_assert_int_eq(jl_error_code_class(JOBLET_E_NOMEM), JL_ERROR_FATAL);
	ck_assert_str_eq(jl_error_class_name(JL_ERROR_STEP), "step");
	/* Every code up to the end has a name: nobody appended a code without one. */
	for (int32_t c = 1; c <= JL_E_LAST; c++)
		ck_assert_str_ne(jl_error_code_name(c), "unknown");
}
END_TEST

/* docs/error-codes.md must list every code: "| N | `name` | class |". */
START_TEST(test_docs_list_every_code)
{
	char path[4096], line[1024];
	FILE *f;
	int seen[JL_E_LAST + 1] = { 0 };

	snprintf(path, sizeof(path), "%s/docs/error-codes.md", jl_test_env("JOBLET_TEST_SRCDIR"));
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	while (fgets(line, sizeof(line), f)) {
		int code;
		char name[64], cls[32];

		if (sscanf(line, "| %d | `%63[^`]` | %31[a-z] |", &code, name, cls) != 3)
			continue;
		ck_assert_msg(code > 0 && code <= JL_E_LAST, "doc lists unknown code %d", code);
		ck_assert_str_eq(name, jl_error_code_name(code));
		ck_assert_str_eq(cls, jl_error_class_name(jl_error_code_class(code)));
		seen[code]++;
	}
	fclose(f);
	for (int c = 1; c <= JL_E_LAST; c++)
		ck_assert_msg(seen[c] == 1, "docs/error-codes.md lists code %d %d times", c,
			      seen[c]);
}
END_TEST

struct captured {
	int count;
	int32_t level;
	char source[64];
	char message[256];
};

static void capture_sink(int32_t level, const char *source, const char *message, void *userdata)
{
	struct captured *c = userdata;

	c->count++;
	c->level = level;
	snprintf(c->source, sizeof(c->source), "%s", source);
	snprintf(c->message, sizeof(c->message), "%s", message);
}

/* Fields of a message come from clients: none may forge a line or drive a terminal. */
START_TEST(test_log_escapes_control_characters)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "plain text, ünïcödé ✓ 𝄞", "plain text, ünïcödé ✓ 𝄞" },
		{ "a\nb\rc\td", "a\\nb\\rc\\td" },
		{ "\x1b[31mred\x7f", "\\x1b[31mred\\x7f" },
		{ "back\\slash", "back\\\\slash" },
		{ "bad \xff\xc3 utf8 \xc0\xaf \xed\xa0\x80",
		  "bad \\xff\\xc3 utf8 \\xc0\\xaf \\xed\\xa0\\x80" },
		{ "c1 \xc2\x9b csi", "c1 \\xc2\\x9b csi" },
		{ "", "" },
	};
	struct captured c = { 0 };

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		_cleanup_free_ char *got = jl_log_escape(cases[i].in);

		ck_assert_str_eq(got, cases[i].out);
	}
	/* Through the sink: the forged line stays on the line of the message. */
	jl_log_set_sink(capture_sink, &c);
	jl_log_set_level(JOBLET_LOG_INFO);
	jl_log(JOBLET_LOG_INFO, NULL, "audit: GET %s -> 404",
	       "/v1/x\n2026-01-01 info joblet: audit: DELETE all-jobs -> 200 by cn=admin-client");
	ck_assert_int_eq(c.count, 1);
	ck_assert_ptr_null(strchr(c.message, '\n'));
	ck_assert_str_eq(
		c.message,
		"audit: GET /v1/x\\n2026-01-01 info joblet: audit: DELETE all-jobs -> 200 by cn=admin-client -> 404");
	jl_log_set_sink(NULL, NULL);
}
END_TEST

START_TEST(test_log_sink_level_and_sources)
{
	struct captured c = { 0 };
	int32_t level;

	jl_log_set_sink(capture_sink, &c);
	jl_log_set_level(JOBLET_LOG_WARNING);
	jl_log(JOBLET_LOG_INFO, NULL, "dropped %d", 1);
	ck_assert_int_eq(c.count, 0);
	jl_log(JOBLET_LOG_ERROR, NULL, "kept %d", 2);
	ck_assert_int_eq(c.count, 1);
	ck_assert_str_eq(c.source, "joblet");
	ck_assert_str_eq(c.message, "kept 2");

	jl_log_set_level(JOBLET_LOG_DEBUG);
	joblet_plugin_log(
		&(const struct joblet_plugin){ .kind = JOBLET_KIND_ARCHIVE, .name = "tar" },
		JOBLET_LOG_DEBUG, "from %s", "plugin");
	ck_assert_str_eq(c.source, "archive/tar");
	ck_assert_str_eq(c.message, "from plugin");
	ck_assert_int_eq(c.level, JOBLET_LOG_DEBUG);

	jl_log_set_sink(NULL, NULL);
	ck_assert_int_eq(jl_log_enabled(JOBLET_LOG_ERROR), 0);
	jl_log(JOBLET_LOG_ERROR, NULL, "nowhere");
	ck_assert_int_eq(c.count, 2);

	ck_assert_int_eq(jl_log_level_parse("WARN", &level), 0);
	ck_assert_int_eq(level, JOBLET_LOG_WARNING);
	ck_assert_int_eq(jl_log_level_parse("loud", &level), -1);
	ck_assert_str_eq(jl_log_level_name(JOBLET_LOG_INFO), "info");
}
END_TEST

START_TEST(test_buffer_grows_and_limits)
{
	struct joblet_buffer *b = NULL;
	struct joblet_error *e = NULL;
	char big[5000];

	ck_assert_int_eq(jl_buffer_new(&b, NULL), 0);
	ck_assert_str_eq(jl_buffer_data(b), "");
	memset(big, 'x', sizeof(big));
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(joblet_buffer_append(b, big, sizeof(big), NULL), 0);
	ck_assert_uint_eq(joblet_buffer_length(b), 500000);
	ck_assert_int_eq(jl_buffer_data(b)[500000], '\0');
	joblet_buffer_reset(b);
	jl_buffer_set_limit(b, 10);
	ck_assert_int_eq(joblet_buffer_append_str(b, "0123456789", NULL), 0);
	ck_assert_int_eq(joblet_buffer_append_str(b, "!", &e), -JOBLET_E_LIMIT);
	ck_assert_int_eq(e->code, JOBLET_E_LIMIT);
	ck_assert_str_eq(jl_buffer_data(b), "0123456789");
	joblet_error_free(e);
	jl_buffer_free(b);
	jl_buffer_free(NULL);
}
END_TEST

static Suite *error_suite(void)
{
	Suite *s = suite_create("error");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_set_returns_negative_code_and_keeps_errno);
	tcase_add_test(tc, test_set_with_null_err_only_returns);
	tcase_add_test(tc, test_set_replaces_previous_error);
	tcase_add_test(tc, test_invalid_code_becomes_internal);
	tcase_add_test(tc, test_prefix_adds_context_and_passes_r);
	tcase_add_test(tc, test_detail_move_message);
	tcase_add_test(tc, test_code_names_and_classes);
	tcase_add_test(tc, test_docs_list_every_code);
	tcase_add_test(tc, test_log_sink_level_and_sources);
	tcase_add_test(tc, test_log_escapes_control_characters);
	tcase_add_test(tc, test_buffer_grows_and_limits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(error_suite());
}
