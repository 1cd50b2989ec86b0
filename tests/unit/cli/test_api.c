/*
 * test_api.c - rnx's API client (core/cli/api.c, compiled into this test)
 * without a network: the errors made of an HTTP status and its body, and
 * what rnx_api_open() and the calls check before connecting.
 * tests/integration/test_rnx_api.sh drives it against TLS servers.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <joblet/error.h>

#include "api.h"

#include "jl_test.h"
#include "jl_tmp.h"
#include "base/error.h"

static struct joblet_error *status_error(long status, const char *body)
{
	struct joblet_error *e = NULL;
	int r = rnx_api_status_error(status, body, strlen(body), &e);

	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(r, -e->code);
	ck_assert_int_eq(e->detail, status);
	return e;
}

START_TEST(test_api_json_errors)
{
	struct joblet_error *e;
	char body[256];

	/* The server's message as is, its code by name, the status as detail. */
	e = status_error(404, "{\"error\":{\"code\":\"not-found\",\"message\":\"no job `abc`\"}}");
	ck_assert_int_eq(e->code, JOBLET_E_NOT_FOUND);
	ck_assert_str_eq(e->message, "no job `abc`");
	joblet_error_free(e);

	/* Every name of docs/error-codes.md maps to its code. */
	for (int32_t c = 1; c <= JL_E_LAST; c++) {
		snprintf(body, sizeof(body), "{\"error\": {\"message\": \"m\", \"code\": \"%s\"}}",
			 jl_error_code_name(c));
		e = status_error(400, body);
		ck_assert_msg(e->code == c, "`%s` gave %d", jl_error_code_name(c), e->code);
		joblet_error_free(e);
	}

	/* A name rnx does not know (a newer daemon): JOBLET_E_HTTP, message kept. */
	e = status_error(418, "{\"error\":{\"code\":\"teapot\",\"message\":\"I am one\"}}");
	ck_assert_int_eq(e->code, JOBLET_E_HTTP);
	ck_assert_str_eq(e->message, "I am one");
	joblet_error_free(e);
	e = status_error(409, "{\"error\":{\"message\":\"no code\"}}");
	ck_assert_int_eq(e->code, JOBLET_E_HTTP);
	ck_assert_str_eq(e->message, "no code");
	joblet_error_free(e);

	/* JSON that is not our error shape: treated as text. */
	e = status_error(500, "{\"error\":\"flat\"}\n");
	ck_assert_int_eq(e->code, JOBLET_E_HTTP);
	ck_assert_str_eq(e->message, "HTTP 500: {\"error\":\"flat\"}");
	joblet_error_free(e);
	e = status_error(500, "{\"error\":{\"code\":\"busy\",\"message\":\"\"}}");
	ck_assert_int_eq(e->code, JOBLET_E_HTTP);
	joblet_error_free(e);
}
END_TEST

START_TEST(test_api_text_errors)
{
	struct joblet_error *e = NULL;
	char longline[400];

	e = status_error(502, "\r\n  <html>\r\n<body>Bad Gateway</body>\n");
	ck_assert_int_eq(e->code, JOBLET_E_HTTP);
	ck_assert_str_eq(e->message, "HTTP 502: <html>");
	joblet_error_free(e);

	e = status_error(503, "");
	ck_assert_str_eq(e->message, "HTTP 503");
	joblet_error_free(e);

	/* What the transport passes when the body is empty: the reason phrase. */
	e = status_error(404, "Not Found");
	ck_assert_str_eq(e->message, "HTTP 404: Not Found");
	joblet_error_free(e);

	/* Control bytes are not copied into messages; long lines are cut. */
	e = status_error(400, "bad\x1b[31m\ttab");
	ck_assert_str_eq(e->message, "HTTP 400: bad?[31m?tab");
	joblet_error_free(e);
	memset(longline, 'x', sizeof(longline) - 1);
	longline[sizeof(longline) - 1] = '\0';
	e = status_error(400, longline);
	ck_assert_uint_eq(strlen(e->message), strlen("HTTP 400: ") + 160 + 3);
	ck_assert_ptr_nonnull(strstr(e->message, "xxx..."));
	joblet_error_free(e);

	/* The body need not be NUL-terminated: only len bytes are read. */
	e = NULL;
	ck_assert_int_eq(rnx_api_status_error(500, "oops and more", 4, &e), -JOBLET_E_HTTP);
	ck_assert_str_eq(e->message, "HTTP 500: oops");
	joblet_error_free(e);
	e = NULL;
	ck_assert_int_eq(
		rnx_api_status_error(404, "{\"error\":{\"code\":\"not-found\",\"message\":\"x\"}}",
				     20, &e),
		-JOBLET_E_HTTP);
	joblet_error_free(e);
	/* Without an error object. */
	ck_assert_int_eq(rnx_api_status_error(500, "", 0, NULL), -JOBLET_E_HTTP);
}
END_TEST

static int no_event(void *userdata, const struct rnx_sse_event *ev)
{
	(void)userdata;
	(void)ev;
	return 0;
}

#define PEM(kind) "-----BEGIN " kind "-----\nMIIB\n-----END " kind "-----\n"

START_TEST(test_api_open)
{
	struct rnx_api *api = NULL;
	struct joblet_error *e = NULL;
	char *body = NULL;
	const char *cfg;

	jl_tmp_write("client.pem", PEM("CERTIFICATE"));
	jl_tmp_write("ca.pem", PEM("CERTIFICATE"));
	cfg = jl_tmp_write("rnx-config.yml", "default: b\n"
					     "nodes:\n"
					     "  a:\n"
					     "    address: \"10.0.0.1:50051\"\n"
					     "    cert: client.pem\n"
					     "    key: |\n"
					     "      -----BEGIN PRIVATE KEY-----\n"
					     "      MIIB\n"
					     "      -----END PRIVATE KEY-----\n"
					     "    ca: ca.pem\n"
					     "  b:\n"
					     "    address: \"[::1]:7\"\n"
					     "    cert: client.pem\n"
					     "    key: client.pem\n"
					     "    ca: ca.pem\n");
	ck_assert_int_eq(rnx_api_open(cfg, NULL, &api, &e), 0);
	ck_assert_str_eq(rnx_api_node(api), "b");
	ck_assert_str_eq(rnx_api_address(api), "[::1]:7");
	ck_assert_str_eq(rnx_api_config_path(api), cfg);
	ck_assert_uint_eq(rnx_api_connections(api), 0);
	ck_assert_str_eq(rnx_api_last_event_id(api), "");
	rnx_api_free(api);

	ck_assert_int_eq(rnx_api_open(cfg, "a", &api, &e), 0);
	ck_assert_str_eq(rnx_api_node(api), "a");
	/* Checked before anything is sent. */
	ck_assert_int_eq(rnx_api_request(api, "get", "/v1/version", NULL, 0, &body, NULL, &e),
			 -JOBLET_E_INVALID);
	ck_assert_ptr_nonnull(strstr(e->message, "`get` is not an HTTP method"));
	joblet_error_clear(&e);
	ck_assert_int_eq(rnx_api_request(api, "GET", "v1/version", NULL, 0, &body, NULL, &e),
			 -JOBLET_E_INVALID);
	joblet_error_clear(&e);
	ck_assert_int_eq(
		rnx_api_request(api, "GET", "/v1/x\r\nHost: evil", NULL, 0, &body, NULL, &e),
		-JOBLET_E_INVALID);
	joblet_error_clear(&e);
	ck_assert_int_eq(rnx_api_stream(api, "GET", "/v1/jobs/1/logs", NULL, 0, "1\nX: y", no_event,
					NULL, &e),
			 -JOBLET_E_INVALID);
	joblet_error_clear(&e);
	ck_assert_ptr_null(body);
	ck_assert_uint_eq(rnx_api_connections(api), 0);
	rnx_api_free(api);
	rnx_api_free(NULL);

	/* No such node, no such file: what there is and how to get one. */
	ck_assert_int_eq(rnx_api_open(cfg, "c", &api, &e), -JOBLET_E_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(e->message, "no node `c`"));
	joblet_error_clear(&e);
	ck_assert_int_eq(rnx_api_open(jl_tmp_path("absent.yml"), NULL, &api, &e),
			 -JOBLET_E_NOT_FOUND);
	ck_assert_ptr_nonnull(strstr(e->message, "absent.yml"));
	ck_assert_ptr_nonnull(strstr(e->message, "`joblet certs init --dir DIR`"));
	joblet_error_clear(&e);
	cfg = jl_tmp_write("nokey.yml", "nodes:\n  a:\n    address: \"h:1\"\n    cert: client.pem\n"
					"    ca: ca.pem\n");
	ck_assert_int_eq(rnx_api_open(cfg, NULL, &api, &e), -JOBLET_E_CONFIG);
	ck_assert_ptr_nonnull(strstr(e->message, "has no client certificate (no `key`)"));
	joblet_error_clear(&e);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("api");
	TCase *tc = tcase_create("api");

	tcase_add_checked_fixture(tc, jl_tmp_setup, jl_tmp_teardown);
	tcase_add_test(tc, test_api_json_errors);
	tcase_add_test(tc, test_api_text_errors);
	tcase_add_test(tc, test_api_open);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}
