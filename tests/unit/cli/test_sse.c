/*
 * test_sse.c - the text/event-stream parser of rnx (core/cli/sse.c, compiled
 * into this test).  Every stream is also fed cut at every byte boundary, and
 * byte by byte, and must give the same events.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <joblet/error.h>

#include "sse.h"

#include "jl_test.h"

/* The events seen, one "type|id|data" record each (data escaped), and a count. */
struct rec {
	char *text;
	size_t len;
	size_t cap;
	int n;
	int stop_after; /* ask to stop at this event (1-based); 0 = never */
};

static void rec_add(struct rec *r, const char *s, size_t n)
{
	if (r->len + n + 1 > r->cap) {
		r->cap = (r->len + n + 1) * 2;
		r->text = realloc(r->text, r->cap);
		ck_assert_ptr_nonnull(r->text);
	}
	memcpy(r->text + r->len, s, n);
	r->len += n;
	r->text[r->len] = '\0';
}

static int rec_cb(void *userdata, const struct rnx_sse_event *ev)
{
	struct rec *r = userdata;

	ck_assert_ptr_nonnull(ev->event);
	ck_assert_ptr_nonnull(ev->id);
	ck_assert_ptr_nonnull(ev->data);
	ck_assert_int_eq(ev->data[ev->len], '\0');
	rec_add(r, ev->event, strlen(ev->event));
	rec_add(r, "|", 1);
	rec_add(r, ev->id, strlen(ev->id));
	rec_add(r, "|", 1);
	for (size_t i = 0; i < ev->len; i++) {
		if (ev->data[i] == '\n')
			rec_add(r, "\\n", 2);
		else if (ev->data[i] == '\0')
			rec_add(r, "\\0", 2);
		else if (ev->data[i] == '\r')
			rec_add(r, "\\r", 2);
		else
			rec_add(r, &ev->data[i], 1);
	}
	rec_add(r, "\n", 1);
	r->n++;
	return r->stop_after && r->n == r->stop_after;
}

/* Feed s in pieces cut at the offsets in cuts (ascending, ncuts of them). */
static int feed_cut(const char *s, size_t len, const size_t *cuts, size_t ncuts, size_t max,
		    struct rec *r, struct joblet_error **err, char *last_id, size_t last_id_len)
{
	struct rnx_sse_parser *p = NULL;
	size_t at = 0;
	int ret = 0;

	ck_assert_int_eq(rnx_sse_parser_new(rec_cb, r, max, &p, NULL), 0);
	for (size_t i = 0; i <= ncuts && ret == 0; i++) {
		size_t to = i < ncuts ? cuts[i] : len;

		ret = rnx_sse_parser_feed(p, s + at, to - at, err);
		at = to;
	}
	if (last_id)
		snprintf(last_id, last_id_len, "%s", rnx_sse_parser_last_id(p));
	rnx_sse_parser_free(p);
	return ret;
}

/*
 * Parse s whole, then cut at every byte boundary, at every pair of
 * boundaries (short streams), and byte by byte: all must agree with the
 * whole-stream result, which must equal want (when not NULL).  Returns the
 * feed result.
 */
static int check_stream(const char *s, size_t len, size_t max, const char *want, int want_n)
{
	struct rec whole = { 0 };
	struct joblet_error *e = NULL;
	char id_whole[256], id[256];
	int r0, r;

	r0 = feed_cut(s, len, NULL, 0, max, &whole, &e, id_whole, sizeof(id_whole));
	if (want) {
		ck_assert_msg(whole.text && strcmp(whole.text, want) == 0, "got:\n%s\nwant:\n%s",
			      whole.text ? whole.text : "(no events)", want);
		ck_assert_int_eq(whole.n, want_n);
	}
	joblet_error_clear(&e);
	for (size_t i = 0; i <= len; i++) {
		struct rec one = { 0 };

		r = feed_cut(s, len, &i, 1, max, &one, &e, id, sizeof(id));
		ck_assert_msg(r == r0, "cut at %zu: %d, whole: %d", i, r, r0);
		ck_assert_msg(one.n == whole.n && (one.n == 0 || strcmp(one.text, whole.text) == 0),
			      "cut at %zu gives\n%s\ninstead of\n%s", i,
			      one.text ? one.text : "(none)", whole.text ? whole.text : "(none)");
		ck_assert_str_eq(id, id_whole);
		joblet_error_clear(&e);
		free(one.text);
	}
	if (len <= 200) {
		for (size_t i = 0; i <= len; i++)
			for (size_t j = i; j <= len; j++) {
				size_t cuts[2] = { i, j };
				struct rec two = { 0 };

				r = feed_cut(s, len, cuts, 2, max, &two, &e, NULL, 0);
				ck_assert_msg(r == r0, "cuts at %zu, %zu: %d, whole: %d", i, j, r,
					      r0);
				ck_assert_msg(
					two.n == whole.n &&
						(two.n == 0 || strcmp(two.text, whole.text) == 0),
					"cuts at %zu, %zu differ", i, j);
				joblet_error_clear(&e);
				free(two.text);
			}
	}
	{
		size_t *cuts = malloc((len + 1) * sizeof(*cuts));
		struct rec bytes = { 0 };

		ck_assert_ptr_nonnull(cuts);
		for (size_t i = 0; i < len; i++)
			cuts[i] = i + 1;
		r = feed_cut(s, len, cuts, len ? len - 1 : 0, max, &bytes, &e, id, sizeof(id));
		ck_assert_int_eq(r, r0);
		ck_assert(bytes.n == whole.n &&
			  (bytes.n == 0 || strcmp(bytes.text, whole.text) == 0));
		ck_assert_str_eq(id, id_whole);
		joblet_error_clear(&e);
		free(bytes.text);
		free(cuts);
	}
	free(whole.text);
	return r0;
}

#define CHECK(s, want, n) check_stream(s, sizeof(s) - 1, 0, want, n)

START_TEST(test_sse_line_ends)
{
	/* The same two events with LF, CRLF, CR and a mix. */
	static const char want[] = "message||a\nmessage||b\\nc\n";

	ck_assert_int_eq(CHECK("data: a\n\ndata: b\ndata: c\n\n", want, 2), 0);
	ck_assert_int_eq(CHECK("data: a\r\n\r\ndata: b\r\ndata: c\r\n\r\n", want, 2), 0);
	ck_assert_int_eq(CHECK("data: a\r\rdata: b\rdata: c\r\r", want, 2), 0);
	ck_assert_int_eq(CHECK("data: a\r\n\ndata: b\rdata: c\n\r\n", want, 2), 0);
	/* CR LF is one line end, LF CR is two. */
	ck_assert_int_eq(CHECK("data: a\n\rdata: b\ndata: c\r\n\n", want, 2), 0);
}
END_TEST

START_TEST(test_sse_fields)
{
	/* One optional space goes; a second stays; no space is fine. */
	ck_assert_int_eq(CHECK("data:x\n\ndata:  two\n\ndata:\n\n",
			       "message||x\nmessage|| two\n"
			       "message||\n",
			       3),
			 0);
	/* A line with no colon is a field with an empty value. */
	ck_assert_int_eq(CHECK("data\ndata\n\n", "message||\\n\n", 1), 0);
	/* Comments, retry, unknown fields, case matters. */
	ck_assert_int_eq(CHECK(": heartbeat\n:\nretry: 100\nDATA: no\nfoo: bar\ndata: yes\n\n",
			       "message||yes\n", 1),
			 0);
	/* event type, and back to "message" for the next event. */
	ck_assert_int_eq(
		CHECK("event: stdout\ndata: 1\n\ndata: 2\n\nevent: exit\ndata: {\"code\":0}\n\n",
		      "stdout||1\nmessage||2\nexit||{\"code\":0}\n", 3),
		0);
	/* Colons after the first are part of the value. */
	ck_assert_int_eq(CHECK("data: a: b:c\n\n", "message||a: b:c\n", 1), 0);
	/* A BOM at the start is dropped (only there). */
	ck_assert_int_eq(CHECK("\xEF\xBB\xBF"
			       "data: x\n\n\xEF\xBB\xBF"
			       "data: y\n\n",
			       "message||x\n", 1),
			 0);
}
END_TEST

START_TEST(test_sse_multiline_data)
{
	ck_assert_int_eq(CHECK("data: line one\ndata: line two\ndata:\ndata: four\n\n",
			       "message||line one\\nline two\\n\\nfour\n", 1),
			 0);
	/* NUL and CR-free bytes pass through untouched; len counts them. */
	ck_assert_int_eq(check_stream("data: a\0b\n\n", 11, 0, "message||a\\0b\n", 1), 0);
	/* Several empty lines dispatch once. */
	ck_assert_int_eq(CHECK("data: a\n\n\n\n\ndata: b\n\n", "message||a\nmessage||b\n", 2), 0);
}
END_TEST

START_TEST(test_sse_empty_events)
{
	/* No data: not dispatched, unless the event type is set. */
	ck_assert_int_eq(CHECK("id: 1\n\nevent: exit\n\nevent:\n\n", "exit|1|\n", 1), 0);
	/* The type does not leak into an event dispatched later. */
	ck_assert_int_eq(CHECK("event: exit\n\ndata: x\n\n", "exit||\nmessage||x\n", 2), 0);
	/* What follows the last empty line is dropped at the end of the stream. */
	ck_assert_int_eq(CHECK("data: a\n\ndata: cut off\n", "message||a\n", 1), 0);
	ck_assert_int_eq(CHECK("", NULL, 0), 0);
}
END_TEST

START_TEST(test_sse_ids)
{
	struct rec r = { 0 };
	char id[64];
	static const char s[] = "id: 1\ndata: a\n\n"
				"data: b\n\n"		/* id 1 persists */
				"id: 7\n\n"		/* no event, but the last id becomes 7 */
				"data: c\n\n"		/* id 7 */
				"id: x\0y\ndata: d\n\n" /* an id with a NUL is ignored */
				"id\ndata: e\n\n"	/* an empty id resets it */
				"id: 9\ndata: f\n";	/* never dispatched: 9 does not count */

	ck_assert_int_eq(check_stream(s, sizeof(s) - 1, 0,
				      "message|1|a\nmessage|1|b\nmessage|7|c\nmessage|7|d\n"
				      "message||e\n",
				      5),
			 0);
	ck_assert_int_eq(feed_cut(s, sizeof(s) - 1, NULL, 0, 0, &r, NULL, id, sizeof(id)), 0);
	ck_assert_str_eq(id, "");
	free(r.text);
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(
		feed_cut("id: 42\ndata: x\n\nid: 43\n", 23, NULL, 0, 0, &r, NULL, id, sizeof(id)),
		0);
	ck_assert_str_eq(id, "42");
	free(r.text);
}
END_TEST

START_TEST(test_sse_limit)
{
	struct joblet_error *e = NULL;
	struct rec r = { 0 };
	char line[16 + 64 + 3]; /* 81 bytes of line and two LFs */
	int ret;

	/* 16 bytes of data in one event: fine with a limit of 16, in one or two lines. */
	ck_assert_int_eq(check_stream("data: 0123456789abcdef\n\n", 24, 16,
				      "message||0123456789abcdef\n", 1),
			 0);
	ck_assert_int_eq(check_stream("data: 01234567\ndata: 9abcdef\n\n", 30, 16,
				      "message||01234567\\n9abcdef\n", 1),
			 0);
	/* 17: JOBLET_E_LIMIT, however the stream is cut; the first event still arrives. */
	ck_assert_int_eq(
		check_stream("data: ok\n\ndata: 0123456789abcdefg\n\n", 35, 16, "message||ok\n", 1),
		-JOBLET_E_LIMIT);
	ck_assert_int_eq(check_stream("data: 01234567\ndata: 9abcdefg\n\n", 31, 16, NULL, 0),
			 -JOBLET_E_LIMIT);
	/* The limit is per event: many small events are fine. */
	ck_assert_int_eq(
		check_stream("data: 0123456789\n\ndata: 0123456789\n\ndata: 0123456789\n\n", 54, 16,
			     NULL, 3) == 0,
		1);
	/* A line longer than the limit and the 64 bytes allowed for a field name,
	 * even a comment. */
	memset(line, 'c', sizeof(line));
	line[0] = ':';
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = '\n';
	ck_assert_int_eq(check_stream(line, sizeof(line), 16, NULL, 0), -JOBLET_E_LIMIT);
	ck_assert_int_eq(check_stream(line + 3, sizeof(line) - 3, 16, NULL, 0), 0);
	ret = feed_cut("data: 0123456789abcdefg\n\n", 25, NULL, 0, 16, &r, &e, NULL, 0);
	ck_assert_int_eq(ret, -JOBLET_E_LIMIT);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(e->code, JOBLET_E_LIMIT);
	ck_assert_msg(strstr(e->message, "16 bytes"), "%s", e->message);
	joblet_error_free(e);
	free(r.text);
}
END_TEST

START_TEST(test_sse_stop)
{
	static const char s[] = "data: 1\n\ndata: 2\n\ndata: 3\n\n";
	struct joblet_error *e = NULL;
	struct rnx_sse_parser *p = NULL;
	struct rec r = { .stop_after = 2 };

	/* Stop at the second event: 1, the third is not delivered, in every cut. */
	for (size_t i = 0; i < sizeof(s); i++) {
		struct rec one = { .stop_after = 2 };

		ck_assert_int_eq(feed_cut(s, sizeof(s) - 1, &i, 1, 0, &one, NULL, NULL, 0), 1);
		ck_assert_int_eq(one.n, 2);
		ck_assert_str_eq(one.text, "message||1\nmessage||2\n");
		free(one.text);
	}
	/* After a stop the parser stays stopped and calls back no more. */
	ck_assert_int_eq(rnx_sse_parser_new(rec_cb, &r, 0, &p, NULL), 0);
	ck_assert_int_eq(rnx_sse_parser_feed(p, s, sizeof(s) - 1, NULL), 1);
	ck_assert_int_eq(rnx_sse_parser_feed(p, "data: 4\n\n", 9, NULL), 1);
	ck_assert_int_eq(r.n, 2);
	rnx_sse_parser_free(p);
	free(r.text);
	/* After an error it refuses to go on. */
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(rnx_sse_parser_new(rec_cb, &r, 4, &p, NULL), 0);
	ck_assert_int_eq(rnx_sse_parser_feed(p, "data: 12345\n", 12, NULL), -JOBLET_E_LIMIT);
	ck_assert_int_eq(rnx_sse_parser_feed(p, "\n", 1, &e), -JOBLET_E_INVALID);
	ck_assert_int_eq(r.n, 0);
	joblet_error_free(e);
	rnx_sse_parser_free(p);
	/* A callback is required. */
	ck_assert_int_eq(rnx_sse_parser_new(NULL, NULL, 0, &p, NULL), -JOBLET_E_INVALID);
}
END_TEST

static int count_cb(void *userdata, const struct rnx_sse_event *ev)
{
	size_t *n = userdata;

	*n += ev->len;
	return 0;
}

START_TEST(test_sse_big_feed_is_linear)
{
	/* 400k events ended by CR only, in one feed of 4.4 MB: a parser that looks
	 * for an LF from every line start would scan ~10^12 bytes and time out. */
	const size_t n = 400000;
	const char unit[] = "data: abc\r\r";
	size_t len = n * (sizeof(unit) - 1), total = 0;
	char *s = malloc(len);
	struct rnx_sse_parser *p = NULL;

	ck_assert_ptr_nonnull(s);
	for (size_t i = 0; i < n; i++)
		memcpy(s + i * (sizeof(unit) - 1), unit, sizeof(unit) - 1);
	ck_assert_int_eq(rnx_sse_parser_new(count_cb, &total, 1024, &p, NULL), 0);
	ck_assert_int_eq(rnx_sse_parser_feed(p, s, len, NULL), 0);
	ck_assert_uint_eq(total, 3 * n);
	/* And one long line arriving in many small feeds is appended, not recopied. */
	rnx_sse_parser_free(p);
	total = 0;
	ck_assert_int_eq(rnx_sse_parser_new(count_cb, &total, 0, &p, NULL), 0);
	ck_assert_int_eq(rnx_sse_parser_feed(p, "data: ", 6, NULL), 0);
	memset(s, 'x', len);
	for (size_t at = 0; at < len; at += 7)
		ck_assert_int_eq(rnx_sse_parser_feed(p, s + at, len - at < 7 ? len - at : 7, NULL),
				 0);
	ck_assert_int_eq(rnx_sse_parser_feed(p, "\n\n", 2, NULL), 0);
	ck_assert_uint_eq(total, len);
	rnx_sse_parser_free(p);
	free(s);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("sse");
	TCase *tc = tcase_create("sse");

	tcase_add_test(tc, test_sse_line_ends);
	tcase_add_test(tc, test_sse_fields);
	tcase_add_test(tc, test_sse_multiline_data);
	tcase_add_test(tc, test_sse_empty_events);
	tcase_add_test(tc, test_sse_ids);
	tcase_add_test(tc, test_sse_limit);
	tcase_add_test(tc, test_sse_stop);
	tcase_add_test(tc, test_sse_big_feed_is_linear);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}
