/*
 * test_ui_http.c - the request parser of `rnx ui` (core/cli/ui_http.c,
 * compiled into this test): what a browser sends passes, and every hostile
 * or malformed head gets its status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_http.h"

#include "jl_test.h"

/* Parse text (a whole head) in a copy; the status, *rq filled on 0. */
static int parse(const char *text, struct ui_request *rq, char **keep)
{
	const char *why = NULL;
	char *buf = strdup(text);
	int r;

	ck_assert_ptr_nonnull(buf);
	r = ui_http_parse_head(buf, strlen(buf), rq, &why);
	ck_assert_ptr_nonnull(why);
	*keep = buf;
	return r;
}

static int status_of(const char *text)
{
	struct ui_request rq;
	char *buf;
	int r = parse(text, &rq, &buf);

	free(buf);
	return r;
}

START_TEST(test_ui_http_browser_request)
{
	struct ui_request rq;
	char *buf;

	ck_assert_int_eq(parse("POST /api/v1/jobs/ab12/stop?x=1 HTTP/1.1\r\n"
			       "Host: 127.0.0.1:8080\r\n"
			       "Origin: http://127.0.0.1:8080\r\n"
			       "Cookie: a=b; rnx_ui_8080=0123\r\n"
			       "Content-Type: application/json\r\n"
			       "Content-Length:  12 \r\n"
			       "Last-Event-ID: 17\r\n"
			       "\r\n",
			       &rq, &buf),
			 0);
	ck_assert_str_eq(rq.method, "POST");
	ck_assert_str_eq(rq.path, "/api/v1/jobs/ab12/stop");
	ck_assert_str_eq(rq.query, "x=1");
	ck_assert_str_eq(rq.host, "127.0.0.1:8080");
	ck_assert_str_eq(rq.origin, "http://127.0.0.1:8080");
	ck_assert_str_eq(rq.last_event_id, "17");
	ck_assert_uint_eq(rq.content_length, 12);
	ck_assert_int_eq(rq.keep_alive, 1);
	ck_assert_int_eq(rq.minor, 1);
	free(buf);

	ck_assert_int_eq(parse("GET / HTTP/1.0\r\n\r\n", &rq, &buf), 0);
	ck_assert_int_eq(rq.keep_alive, 0);
	ck_assert_ptr_null(rq.query);
	free(buf);
	ck_assert_int_eq(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", &rq, &buf),
			 0);
	ck_assert_int_eq(rq.keep_alive, 0);
	free(buf);
}
END_TEST

START_TEST(test_ui_http_hostile_heads)
{
	static const struct {
		const char *head;
		int status;
	} cases[] = {
		{ "GET / HTTP/1.1\n\n", 400 },				 /* bare LF */
		{ "GET / HTTP/1.1\r\nHost: h\n\r\n", 400 },		 /* bare LF in a line */
		{ "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", 400 },	 /* bare CR */
		{ "GET / HTTP/1.1\r\n\r\n", 400 },			 /* no Host */
		{ "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 }, /* Host twice */
		{ "GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", 400 }, /* folding */
		{ "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400 },		 /* blank in a name */
		{ "GET / HTTP/1.1\r\nHost: h\x01\r\n\r\n", 400 },	 /* control byte */
		{ "GET / HTTP/1.1\r\nHost: h\xc3\xa9\r\n\r\n", 400 },	 /* non-ASCII */
		{ "GET / HTTP/1.1\r\nHost: h\r\nnocolon\r\n\r\n", 400 }, /* not Name: value */
		{ "get / HTTP/1.1\r\nHost: h\r\n\r\n", 400 },		 /* lower-case method */
		{ "GET http://x/ HTTP/1.1\r\nHost: h\r\n\r\n", 400 },	 /* absolute form */
		{ "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400 },	 /* blank in the target */
		{ "GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n", 400 },	 /* DEL in the target */
		{ "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505 },		 /* HTTP/2 */
		{ "GET / FTP/1.0\r\nHost: h\r\n\r\n", 400 },		 /* not HTTP */
		{ "GET /\r\nHost: h\r\n\r\n", 400 },			 /* HTTP/0.9 */
		{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", 400 },
		{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 2\r\n\r\n", 400 },
		{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \r\n\r\n", 400 },
		{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
		  400 },
		{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		  413 },
		{ "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 65537\r\n\r\n", 413 },
		{ "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", 501 },
		{ "GET / HTTP/1.1\r\nHost: h\r\nOrigin: a\r\nOrigin: b\r\n\r\n", 400 },
		{ "GET / HTTP/1.1\r\nHost: h\r\n", 400 }, /* no empty line */
		{ "ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\nHost: h\r\n\r\n", 400 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int r = status_of(cases[i].head);

		if (r != cases[i].status)
			ck_abort_msg("case %zu: %d, not %d", i, r, cases[i].status);
	}
}
END_TEST

START_TEST(test_ui_http_limits)
{
	size_t n = UI_HTTP_MAX_TARGET + 64;
	char *big = malloc(n + 64);
	char *many = malloc(UI_HTTP_MAX_HEAD);
	size_t o;

	ck_assert_ptr_nonnull(big);
	ck_assert_ptr_nonnull(many);
	o = (size_t)snprintf(big, n + 64, "GET /");
	memset(big + o, 'a', UI_HTTP_MAX_TARGET);
	o += UI_HTTP_MAX_TARGET;
	snprintf(big + o, n + 64 - o, " HTTP/1.1\r\nHost: h\r\n\r\n");
	ck_assert_int_eq(status_of(big), 414);

	o = (size_t)snprintf(many, UI_HTTP_MAX_HEAD, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (int i = 0; i < UI_HTTP_MAX_HEADERS + 1; i++)
		o += (size_t)snprintf(many + o, UI_HTTP_MAX_HEAD - o, "X-%d: 1\r\n", i);
	snprintf(many + o, UI_HTTP_MAX_HEAD - o, "\r\n");
	ck_assert_int_eq(status_of(many), 431);
	free(big);
	free(many);
}
END_TEST

START_TEST(test_ui_http_head_end)
{
	ck_assert_uint_eq(ui_http_head_end("GET / HTTP/1.1\r\nHost: h\r\n", 25), 0);
	ck_assert_uint_eq(ui_http_head_end("GET / HTTP/1.1\r\n\r\nbody", 22), 18);
	/* A bare LF empty line ends the head too, so that it is refused at once. */
	ck_assert_uint_eq(ui_http_head_end("GET / HTTP/1.1\n\n", 16), 16);
	ck_assert_uint_eq(ui_http_head_end("", 0), 0);
}
END_TEST

START_TEST(test_ui_http_cookie_query)
{
	char v[16];

	ck_assert_int_eq(ui_http_cookie("a=1; rnx_ui_80=tok; b=2", "rnx_ui_80", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "tok");
	ck_assert_int_eq(ui_http_cookie("xrnx_ui_80=tok", "rnx_ui_80", v, sizeof(v)), -1);
	ck_assert_int_eq(ui_http_cookie("rnx_ui_8080=tok", "rnx_ui_80", v, sizeof(v)), -1);
	ck_assert_int_eq(ui_http_cookie("rnx_ui_80=0123456789abcdef0", "rnx_ui_80", v, sizeof(v)),
			 -1);
	ck_assert_int_eq(ui_http_cookie(NULL, "rnx_ui_80", v, sizeof(v)), -1);
	ck_assert_int_eq(ui_http_query("follow=1&token=abc", "token", v, sizeof(v)), 0);
	ck_assert_str_eq(v, "abc");
	ck_assert_int_eq(ui_http_query("xtoken=abc", "token", v, sizeof(v)), -1);
	ck_assert_int_eq(ui_http_same("abcd", "abcd", 4), 1);
	ck_assert_int_eq(ui_http_same("abcd", "abce", 4), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ui_http");
	TCase *tc = tcase_create("ui_http");

	tcase_add_test(tc, test_ui_http_browser_request);
	tcase_add_test(tc, test_ui_http_hostile_heads);
	tcase_add_test(tc, test_ui_http_limits);
	tcase_add_test(tc, test_ui_http_head_end);
	tcase_add_test(tc, test_ui_http_cookie_query);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}
