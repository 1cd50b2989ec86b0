/*
 * test_http.c - the registry plugins' HTTPS client (plugins/registry/common)
 * on its own: URL resolution, the https-only rule and its error codes, and a
 * refused connection reported without a retry when retries are off.  The
 * transfers themselves (retries, resumption, truncation, ETags) are driven
 * against the fake HTTPS registry by tests/integration/test_runtime.sh.
 */
#include <string.h>

#include <joblet/buffer.h>
#include <joblet/error.h>
#include <joblet/plugin.h>
#include <joblet/registry.h>
#include <joblet/stream.h>

#include "base/buffer.h"
#include "http.h"
#include "jl_test.h"

/* The client logs as "its" plugin (joblet_plog_info): this program is one. */
static const struct joblet_registry_ops test_ops = { .size = sizeof(struct joblet_registry_ops) };
JOBLET_PLUGIN_DEFINE(JOBLET_KIND_REGISTRY, "http_test", .version = "0", .summary = "test",
		     .ops = &test_ops);

static void expect_resolved(const char *base, const char *ref, const char *expected)
{
	struct joblet_error *e = NULL;
	char *url = NULL;

	ck_assert_msg(registry_http_resolve(base, ref, &url, &e) == 0, "%s",
		      joblet_error_message(e));
	ck_assert_str_eq(url, expected);
	free(url);
}

START_TEST(test_resolve)
{
	const char *index = "https://example.org/rt/main/registry.json";
	struct joblet_error *e = NULL;
	char *url = NULL;

	expect_resolved(index, "pkg/a-1.0.0.tar.gz",
			"https://example.org/rt/main/pkg/a-1.0.0.tar.gz");
	expect_resolved(index, "/releases/a.tar.gz", "https://example.org/releases/a.tar.gz");
	expect_resolved(index, "../b.tar.gz", "https://example.org/rt/b.tar.gz");
	expect_resolved(index, "https://cdn.example.net/a.tar.gz",
			"https://cdn.example.net/a.tar.gz");
	ck_assert_int_eq(registry_http_resolve("not a url", "x", &url, &e), -JOBLET_E_INVALID);
	ck_assert_ptr_null(url);
	ck_assert_ptr_nonnull(strstr(e->message, "cannot resolve `x` against `not a url`: "));
	joblet_error_free(e);
}
END_TEST

START_TEST(test_https_only)
{
	struct joblet_stream *s = NULL;
	struct joblet_error *e = NULL;

	ck_assert_int_eq(registry_http_get("http://example.org/registry.json", NULL, NULL, NULL,
					   NULL, NULL, &e),
			 -JOBLET_E_INVALID);
	ck_assert_str_eq(e->message, "`http://example.org/registry.json` is not an https:// URL");
	joblet_error_clear(&e);
	ck_assert_int_eq(registry_http_open("file:///etc/passwd", NULL, &s, &e), -JOBLET_E_INVALID);
	ck_assert_ptr_null(s);
	joblet_error_clear(&e);
	/* A download_url that leaves https is another plugin's to fetch. */
	ck_assert_int_eq(registry_http_open_ref("https://example.org/rt/registry.json",
						"http://example.org/a.tar.gz", NULL, &s, &e),
			 -JOBLET_E_UNSUPPORTED);
	ck_assert_ptr_null(s);
	ck_assert_str_eq(
		e->message,
		"`http://example.org/a.tar.gz` is not an https:// URL; another registry plugin may fetch it");
	joblet_error_free(e);
}
END_TEST

START_TEST(test_refused_without_retries)
{
	struct registry_http_options o;
	struct joblet_buffer *body = NULL;
	struct joblet_stream *s = NULL;
	struct joblet_error *e = NULL;

	ck_assert_int_eq(jl_buffer_new(&body, NULL), 0);
	/* Port 1 on loopback: nothing listens there, the connection is refused at once. */
	memset(&o, 0, sizeof(o));
	o.retries = -1;
	o.connect_timeout_ms = 5000;
	ck_assert_int_eq(registry_http_open("https://127.0.0.1:1/a.tar.gz", &o, &s, &e),
			 -JOBLET_E_NETWORK);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(e->message, "fetching `https://127.0.0.1:1/a.tar.gz` failed: "), "%s",
		      e->message);
	joblet_error_clear(&e);
	ck_assert_int_eq(registry_http_get("https://127.0.0.1:1/registry.json", &o, NULL, body,
					   NULL, NULL, &e),
			 -JOBLET_E_NETWORK);
	ck_assert_uint_eq(joblet_buffer_length(body), 0);
	joblet_error_free(e);
	jl_buffer_free(body);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("registry_http");
	TCase *tc = tcase_create("client");

	tcase_add_test(tc, test_resolve);
	tcase_add_test(tc, test_https_only);
	tcase_add_test(tc, test_refused_without_retries);
	suite_add_tcase(s, tc);
	return jl_run_suite(s);
}
