/*
 * test_log_event.c - the JSON of the log stream (common/log_event.h): the
 * bytes on the wire, that they are what json-c writes and reads, invalid
 * UTF-8 as Base64, and malformed events refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json.h>

#include "common/log_event.h"

#include "jl_test.h"

/* encode(ts, data) into a fresh buffer, checked against the bound. */
static char *encode(int64_t ts, const void *data, size_t len)
{
	size_t max = jl_log_event_max(len);
	char *out = malloc(max);
	size_t n;

	ck_assert_ptr_nonnull(out);
	memset(out, 'X', max);
	n = jl_log_event_encode(ts, data, len, out);
	ck_assert_uint_lt(n, max);
	ck_assert_int_eq(out[n], '\0');
	ck_assert_uint_eq(strlen(out), n);
	return out;
}

/* decode(encode(data)) gives data back, into another buffer and in place (as rnx decodes). */
static void round_trip(const void *data, size_t len)
{
	char *json = encode(1, data, len), *back = malloc(strlen(json) + 1);
	ssize_t n = jl_log_event_decode(json, strlen(json), back);

	ck_assert_int_eq(n, (ssize_t)len);
	ck_assert_mem_eq(back, data, len);
	n = jl_log_event_decode(json, strlen(json), json);
	ck_assert_int_eq(n, (ssize_t)len);
	ck_assert_mem_eq(json, data, len);
	free(json);
	free(back);
}

/* What json-c writes for {"ts":ts,"data":data} (the daemon's flags). */
static char *jsonc_encode(int64_t ts, const char *data, size_t len)
{
	json_object *o = json_object_new_object();
	char *text;

	json_object_object_add(o, "ts", json_object_new_int64(ts));
	json_object_object_add(o, "data", json_object_new_string_len(data, (int)len));
	text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

START_TEST(test_wire_bytes)
{
	static const struct {
		const char *data, *json;
	} cases[] = {
		{ "hello\n", "{\"ts\":17,\"data\":\"hello\\n\"}" },
		{ "", "{\"ts\":17,\"data\":\"\"}" },
		{ "a\"b\\c/d\te\rf\bg\fh",
		  "{\"ts\":17,\"data\":\"a\\\"b\\\\c/d\\te\\rf\\bg\\fh\"}" },
		{ "\x01\x1f\x7f", "{\"ts\":17,\"data\":\"\\u0001\\u001f\x7f\"}" },
		{ "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80",
		  "{\"ts\":17,\"data\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"}" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *json = encode(17, cases[i].data, strlen(cases[i].data));

		ck_assert_str_eq(json, cases[i].json);
		free(json);
	}
}
END_TEST

START_TEST(test_same_bytes_as_jsonc)
{
	char all[128 + 16];
	const char *extra = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xef\xbf\xbd";
	size_t n = 0;

	for (int c = 0; c < 128; c++)
		all[n++] = (char)c;
	memcpy(all + n, extra, strlen(extra));
	n += strlen(extra);
	/* Every ASCII byte, and UTF-8 of 2, 3 and 4 bytes; each at every offset of a word. */
	for (size_t start = 0; start < 9; start++) {
		char *ours = encode(-5, all + start, n - start);
		char *theirs = jsonc_encode(-5, all + start, n - start);

		ck_assert_str_eq(ours, theirs);
		free(ours);
		free(theirs);
	}
}
END_TEST

/*
 * Lines of every length from 0 to 40 bytes ending in each byte that needs
 * care, alone or with another next to it: the fast paths keep a lone line
 * end between long runs 16 bytes at a time, and must write and read what
 * json-c writes wherever it falls in a block.
 */
START_TEST(test_line_ends_at_every_offset)
{
	static const char *const ends[] = { "\n",	"\t",	"\"",	"\\",	"\x01",
					    "\xc3\xa9", "\n\n", "\"\n", "\\\"", "\n\x01" };
	char text[400];

	for (size_t e = 0; e < sizeof(ends) / sizeof(ends[0]); e++)
		for (size_t run = 0; run <= 40; run++)
			for (size_t lead = 0; lead < 3; lead++) {
				size_t n = 0;
				char *ours, *theirs;

				memset(text, 'a', lead);
				n = lead;
				while (n + run + strlen(ends[e]) < 300) {
					memset(text + n, 'b' + (char)(n % 20), run);
					n += run;
					memcpy(text + n, ends[e], strlen(ends[e]));
					n += strlen(ends[e]);
				}
				ours = encode(7, text, n);
				theirs = jsonc_encode(7, text, n);
				ck_assert_msg(strcmp(ours, theirs) == 0,
					      "end %zu, run %zu, lead %zu: %s", e, run, lead, ours);
				free(ours);
				free(theirs);
				round_trip(text, n);
			}
}
END_TEST

START_TEST(test_not_utf8_is_base64)
{
	static const struct {
		const char *data;
		size_t len;
	} cases[] = {
		{ "\xff\x00", 2 },	   /* not UTF-8 at all */
		{ "ok\xc0\x80", 4 },	   /* an overlong NUL */
		{ "\xed\xa0\x80", 3 },	   /* a surrogate */
		{ "abc\xe2\x82", 5 },	   /* cut short */
		{ "\xf5\x80\x80\x80", 4 }, /* beyond U+10FFFF */
		{ "12345678\x80", 9 },	   /* a continuation byte after a plain word */
	};
	char *json = encode(3, "\xff\x00", 2);

	ck_assert_str_eq(json, "{\"ts\":3,\"b64\":\"/wA=\"}");
	free(json);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json = encode(3, cases[i].data, cases[i].len);
		ck_assert_ptr_nonnull(strstr(json, "\"b64\":\""));
		free(json);
		round_trip(cases[i].data, cases[i].len);
	}
}
END_TEST

START_TEST(test_round_trips)
{
	unsigned char bytes[256], worst[512];
	char text[1000];
	unsigned seed = 42;

	for (int i = 0; i < 256; i++)
		bytes[i] = (unsigned char)i;
	round_trip(bytes, sizeof(bytes));
	round_trip(bytes, 128);
	for (size_t i = 0; i < sizeof(worst); i++)
		worst[i] = (unsigned char)(i % 32); /* every byte escaped as \u00XX: the bound */
	round_trip(worst, sizeof(worst));
	/* Long runs and escapes in turn: where the next quote is must be looked up again. */
	{
		const char *mixed =
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\ncccccccccccccccccccccccccccc\\\"\"dddddddddddddddddddddd";

		round_trip(mixed, strlen(mixed));
	}
	for (size_t i = 0; i < sizeof(text); i += 2)
		memcpy(text + i, "y\n", 2);
	round_trip(text, sizeof(text));
	for (int r = 0; r < 200; r++) {
		size_t len = (size_t)(rand_r(&seed) % sizeof(text));

		for (size_t i = 0; i < len; i++)
			text[i] = (char)(r % 2 ? rand_r(&seed) % 256 : 0x20 + rand_r(&seed) % 95);
		round_trip(text, len);
	}
}
END_TEST

START_TEST(test_decodes_what_jsonc_writes)
{
	/* Escapes the daemon never writes, but JSON allows. */
	const char *json = "{\"ts\":1,\"data\":\"a\\/b\\u00e9\\u20AC\\ud83d\\ude00\\u0000z\"}";
	const char want[] = "a/b\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\0z";
	char out[64];
	ssize_t n = jl_log_event_decode(json, strlen(json), out);

	ck_assert_int_eq(n, (ssize_t)sizeof(want) - 1);
	ck_assert_mem_eq(out, want, sizeof(want) - 1);
}
END_TEST

START_TEST(test_malformed)
{
	static const char *bad[] = {
		"{\"ts\":1,\"data\":\"no end",
		"{\"ts\":1,\"data\":\"bad \\x escape\"}",
		"{\"ts\":1,\"data\":\"short \\u12\"}",
		"{\"ts\":1,\"data\":\"not hex \\u12g4\"}",
		"{\"ts\":1,\"data\":\"ends in a backslash \\",
		"{\"ts\":1,\"b64\":\"not base64!\"}",
		"{\"ts\":1,\"b64\":\"/wA=",
		"{\"ts\":1}",
		"",
	};
	char out[64];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(jl_log_event_decode(bad[i], strlen(bad[i]), out) == -1,
			      "accepted `%s`", bad[i]);
}
END_TEST

/* The streams' event names, both ways; `system` is joblet's own word (the max_log marker). */
START_TEST(test_stream_names)
{
	ck_assert_str_eq(jl_log_event_stream_name(JL_LOG_EVENT_STDOUT), "stdout");
	ck_assert_str_eq(jl_log_event_stream_name(JL_LOG_EVENT_STDERR), "stderr");
	ck_assert_str_eq(jl_log_event_stream_name(JL_LOG_EVENT_SYSTEM), "system");
	ck_assert_str_eq(jl_log_event_stream_name(0), "stdout");
	ck_assert_str_eq(jl_log_event_stream_name(99), "stdout");
	ck_assert_int_eq(jl_log_event_stream_parse("stdout"), JL_LOG_EVENT_STDOUT);
	ck_assert_int_eq(jl_log_event_stream_parse("stderr"), JL_LOG_EVENT_STDERR);
	ck_assert_int_eq(jl_log_event_stream_parse("system"), JL_LOG_EVENT_SYSTEM);
	ck_assert_int_eq(jl_log_event_stream_parse("exit"), 0);
	ck_assert_int_eq(jl_log_event_stream_parse(""), 0);
	ck_assert_int_eq(jl_log_event_stream_parse("STDOUT"), 0);
}
END_TEST

static Suite *log_event_suite(void)
{
	Suite *s = suite_create("log_event");
	TCase *tc = tcase_create("codec");

	tcase_add_test(tc, test_wire_bytes);
	tcase_add_test(tc, test_same_bytes_as_jsonc);
	tcase_add_test(tc, test_line_ends_at_every_offset);
	tcase_add_test(tc, test_not_utf8_is_base64);
	tcase_add_test(tc, test_round_trips);
	tcase_add_test(tc, test_decodes_what_jsonc_writes);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_stream_names);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(log_event_suite());
}
