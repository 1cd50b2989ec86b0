/*
 * bench_log_event.c - the JSON of the log stream: common/log_event.c (the
 * codec joblet and rnx share) beside json-c doing the same work, in the
 * same run, on the same events:
 *
 *   encode   {"ts":N,"data":"..."} from a record's bytes, as the daemon
 *            does per record (json-c: a fresh object per event, and one
 *            object reused with its values set; both with the UTF-8 check
 *            json-c does not make, and the same output flags)
 *   decode   the bytes back from that text, as rnx does per event
 *            (json-c: one tokener, reset per event)
 *
 * for records of one line of 64 bytes (63 characters and a newline), of
 * one line of 2 bytes ("y\n", what `yes` writes), and of 64 KiB of such
 * 2-byte lines (what a record is when the shim reads `yes` from its
 * pipe).  Both encoders' outputs are compared first: they must be the same
 * bytes.  Prints the median of ROUNDS rounds per figure, ns per event and
 * MiB/s of log data, and json-c's time over the codec's.
 *
 * Usage: bench_log_event [ROUNDS]  (default 7; any user).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json.h>

#include "common/base64.h"
#include "common/log_event.h"

#define FLAGS (JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)
/* The shim reads a job's pipe in chunks: a chatty job's records are this large. */
#define CHUNK (64 * 1024)

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* UTF-8 validity for the json-c encoders (json-c writes any bytes): ASCII 8 bytes at a time. */
static bool utf8_valid(const uint8_t *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint64_t x;

		if (i + 8 <= n && (memcpy(&x, s + i, 8), !(x & UINT64_C(0x8080808080808080)))) {
			i += 8;
			continue;
		}
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		if (s[i] >= 0xc2 && s[i] <= 0xdf && i + 1 < n && (s[i + 1] & 0xc0) == 0x80)
			i += 2;
		else if (s[i] >= 0xe0 && s[i] <= 0xef && i + 2 < n && (s[i + 1] & 0xc0) == 0x80 &&
			 (s[i + 2] & 0xc0) == 0x80 && !(s[i] == 0xe0 && s[i + 1] < 0xa0) &&
			 !(s[i] == 0xed && s[i + 1] > 0x9f))
			i += 3;
		else if (s[i] >= 0xf0 && s[i] <= 0xf4 && i + 3 < n && (s[i + 1] & 0xc0) == 0x80 &&
			 (s[i + 2] & 0xc0) == 0x80 && (s[i + 3] & 0xc0) == 0x80 &&
			 !(s[i] == 0xf0 && s[i + 1] < 0x90) && !(s[i] == 0xf4 && s[i + 1] > 0x8f))
			i += 4;
		else
			return false;
	}
	return true;
}

static json_object *data_value(const char *data, size_t len, const char **key)
{
	char *b64;
	json_object *v;

	if (utf8_valid((const uint8_t *)data, len)) {
		*key = "data";
		return json_object_new_string_len(data, (int)len);
	}
	*key = "b64";
	b64 = malloc(4 * ((len + 2) / 3) + 1);
	jl_base64_encode(data, len, b64);
	v = json_object_new_string(b64);
	free(b64);
	return v;
}

/* json-c as the daemon would use it: one object per event. */
static size_t jsonc_encode_fresh(int64_t ts, const char *data, size_t len, char *out)
{
	json_object *o = json_object_new_object(), *v;
	const char *key, *text;
	size_t n;

	json_object_object_add(o, "ts", json_object_new_int64(ts));
	v = data_value(data, len, &key);
	json_object_object_add(o, key, v);
	text = json_object_to_json_string_length(o, FLAGS, &n);
	memcpy(out, text, n + 1);
	json_object_put(o);
	return n;
}

/* json-c at its cheapest: one object for every event, its values set in place. */
static json_object *reused, *reused_ts, *reused_data;

static size_t jsonc_encode_reused(int64_t ts, const char *data, size_t len, char *out)
{
	const char *text;
	size_t n;

	if (!reused) {
		reused = json_object_new_object();
		reused_ts = json_object_new_int64(0);
		reused_data = json_object_new_string("");
		json_object_object_add(reused, "ts", reused_ts);
		json_object_object_add(reused, "data", reused_data);
	}
	if (!utf8_valid((const uint8_t *)data, len))
		return jsonc_encode_fresh(ts, data, len, out);
	json_object_set_int64(reused_ts, ts);
	json_object_set_string_len(reused_data, data, (int)len);
	text = json_object_to_json_string_length(reused, FLAGS, &n);
	memcpy(out, text, n + 1);
	return n;
}

static json_tokener *tok;

static ssize_t jsonc_decode(const char *json, size_t len, char *out)
{
	json_object *o, *v;
	ssize_t n = -1;

	json_tokener_reset(tok);
	o = json_tokener_parse_ex(tok, json, (int)len);
	if (!o)
		return -1;
	if (json_object_object_get_ex(o, "data", &v)) {
		n = json_object_get_string_len(v);
		memcpy(out, json_object_get_string(v), (size_t)n);
	} else if (json_object_object_get_ex(o, "b64", &v)) {
		n = (ssize_t)jl_base64_decode(json_object_get_string(v),
					      (size_t)json_object_get_string_len(v), out);
	}
	json_object_put(o);
	return n;
}

typedef size_t (*encode_fn)(int64_t ts, const char *data, size_t len, char *out);
typedef ssize_t (*decode_fn)(const char *json, size_t len, char *out);

struct events {
	const char *line;
	size_t len, count;
	char *json; /* count events, each at a stride */
	size_t stride;
	size_t *json_len;
};

/* ns for encoding every event with fn. */
static int64_t time_encode(struct events *ev, encode_fn fn)
{
	int64_t t0 = now_ns();

	for (size_t i = 0; i < ev->count; i++)
		ev->json_len[i] = fn((int64_t)i, ev->line, ev->len, ev->json + i * ev->stride);
	return now_ns() - t0;
}

static char *sink; /* decoded bytes; as large as the largest event */

static int64_t time_decode(struct events *ev, decode_fn fn)
{
	int64_t t0 = now_ns();

	for (size_t i = 0; i < ev->count; i++)
		if (fn(ev->json + i * ev->stride, ev->json_len[i], sink) != (ssize_t)ev->len)
			abort();
	return now_ns() - t0;
}

static size_t codec_encode(int64_t ts, const char *data, size_t len, char *out)
{
	return jl_log_event_encode(ts, data, len, out);
}

static void report(const char *what, int64_t ns, const struct events *ev, double base)
{
	double per = (double)ns / (double)ev->count;

	printf("  %-34s %8.1f ns/event %8.1f MiB/s", what, per,
	       (double)ev->len * (double)ev->count / ((double)ns / 1e9) / 1048576.0);
	if (base > 0)
		printf("   x%.1f", per / base);
	printf("\n");
}

/* The same bytes from both encoders, or the comparison means nothing. */
static void check_same(const char *line, size_t len)
{
	char *a = malloc(jl_log_event_max(len)), *b = malloc(jl_log_event_max(len));
	size_t na = jl_log_event_encode(123456789, line, len, a);
	size_t nb = jsonc_encode_fresh(123456789, line, len, b);

	if (na != nb || memcmp(a, b, na) != 0) {
		fprintf(stderr, "bench_log_event: the encoders differ:\n  %s\n  %s\n", a, b);
		exit(1);
	}
	free(a);
	free(b);
}

static void run(const char *name, const char *line, size_t count, int rounds)
{
	struct events ev = { line, strlen(line), count, NULL, 0, NULL };
	int64_t *t[5];
	const char *names[5] = { "encode: log_event.c", "encode: json-c, object per event",
				 "encode: json-c, one object reused", "decode: log_event.c",
				 "decode: json-c, one tokener" };

	check_same(line, ev.len);
	ev.stride = jl_log_event_max(ev.len);
	ev.json = malloc(ev.stride * count);
	ev.json_len = malloc(sizeof(size_t) * count);
	for (int k = 0; k < 5; k++)
		t[k] = malloc(sizeof(int64_t) * (size_t)rounds);
	for (int r = 0; r < rounds; r++) {
		/* Interleaved, so a busy moment of the machine is shared out. */
		t[1][r] = time_encode(&ev, jsonc_encode_fresh);
		t[2][r] = time_encode(&ev, jsonc_encode_reused);
		t[0][r] = time_encode(&ev, codec_encode);
		t[4][r] = time_decode(&ev, jsonc_decode);
		t[3][r] = time_decode(&ev, jl_log_event_decode);
	}
	printf("%s (%zu events, median of %d rounds):\n", name, count, rounds);
	for (int k = 0; k < 5; k++) {
		qsort(t[k], (size_t)rounds, sizeof(int64_t), cmp64);
		report(names[k], t[k][rounds / 2], &ev,
		       k == 0 || k == 3 ? 0 : (double)t[k < 3 ? 0 : 3][rounds / 2] / (double)count);
	}
	for (int k = 0; k < 5; k++)
		free(t[k]);
	free(ev.json);
	free(ev.json_len);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 7;
	char line64[65], *chunk = malloc(CHUNK + 1), *chunk64 = malloc(CHUNK + 1);
	char *plain64 = malloc(CHUNK + 1);

	if (rounds < 1)
		rounds = 7;
	tok = json_tokener_new();
	sink = malloc(CHUNK);
	for (size_t i = 0; i < CHUNK; i += 2)
		memcpy(chunk + i, "y\n", 2);
	chunk[CHUNK] = '\0';
	/* A typical log line: letters, digits, spaces, a quote, a tab, a newline. */
	snprintf(line64, sizeof(line64), "%-52s\t\"%08d\"\n",
		 "2026-12-06 10:00:00 worker-3 processed batch", 42);
	if (strlen(line64) != 64) {
		fprintf(stderr, "bench_log_event: the 64-byte line is %zu bytes\n", strlen(line64));
		return 1;
	}
	for (size_t i = 0; i < CHUNK; i += 64)
		memcpy(chunk64 + i, line64, 64);
	chunk64[CHUNK] = '\0';
	/* What bench_api.sh's job writes: `yes` of 63 letters, a line end alone in 64 bytes. */
	for (size_t i = 0; i < CHUNK; i += 64) {
		memset(plain64 + i, 'a', 63);
		plain64[i + 63] = '\n';
	}
	plain64[CHUNK] = '\0';
	run("64-byte lines", line64, 200000, rounds);
	run("2-byte lines", "y\n", 500000, rounds);
	run("64 KiB records of 2-byte lines (`yes` through the shim)", chunk, 1000, rounds);
	run("64 KiB records of 64-byte lines", chunk64, 1000, rounds);
	run("64 KiB records of 64-byte lines of letters (bench_api.sh's job)", plain64, 1000,
	    rounds);
	printf("(xN: that figure's time per event over log_event.c's)\n");
	json_object_put(reused);
	json_tokener_free(tok);
	free(chunk);
	free(chunk64);
	free(plain64);
	free(sink);
	return 0;
}
