/*
 * log_event.c - the JSON of a job log record, written by joblet and read by
 * rnx (see log_event.h).
 *
 * Why not json-c, which both programs link: a followed log is one event
 * per record the shim read from the job, and a job that writes a line now
 * and then makes a record per line.  json-c allocates an object, a hash
 * table, a string and a print buffer per event.  tests/bench/
 * bench_log_event.c times both on the same events in the same run (figures
 * in tests/bench/README.md): json-c takes 5.5 to 7 times as long to encode
 * an event of one 2- or 64-byte line (2.3 to 3.6 times when one object is
 * reused), 8 to 18 times as long to decode it, and 1.5 to 1.8 (encode) and
 * 3 to 3.8 (decode) times as long for a 64 KiB record of 2-byte lines,
 * while both write the same bytes.  So the fast path stays, once, here.
 *
 * Encoding escapes and checks UTF-8 in one pass, 8 bytes at a time while
 * they are plain ASCII.
 */
#include <config.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "base/utf8.h"
#include "common/base64.h"
#include "common/log_event.h"

/* `{"ts":` a number of at most 20 characters, `,"data":"`, `"}` and a NUL. */
#define EVENT_FRAME 40

static const char *const stream_names[] = {
	[JL_LOG_EVENT_STDOUT] = "stdout",
	[JL_LOG_EVENT_STDERR] = "stderr",
	[JL_LOG_EVENT_SYSTEM] = "system",
};

const char *jl_log_event_stream_name(int32_t stream)
{
	return stream >= JL_LOG_EVENT_STDOUT && stream <= JL_LOG_EVENT_SYSTEM ? stream_names[stream]
									      : "stdout";
}

int32_t jl_log_event_stream_parse(const char *name)
{
	for (int32_t i = JL_LOG_EVENT_STDOUT; i <= JL_LOG_EVENT_SYSTEM; i++)
		if (strcmp(name, stream_names[i]) == 0)
			return i;
	return 0;
}

size_t jl_log_event_max(size_t len)
{
	/* 6 bytes per byte escaped (\u00XX); Base64 needs fewer. */
	return EVENT_FRAME + 6 * len;
}

/* 1 when none of the 8 bytes of x needs care in a JSON string: 0x20..0x7f, not `"` or `\`. */
static inline bool word_plain(uint64_t x)
{
	const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
	uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');

	return !(((x - ones * 0x20) & ~x & highs) | (x & highs) | ((q - ones) & ~q & highs) |
		 ((b - ones) & ~b & highs));
}

/* The escape of the ASCII byte c (a control character, `"` or `\`) to o; returns its end. */
static char *escape_byte(uint8_t c, char *o)
{
	static const char hex[] = "0123456789abcdef";

	*o++ = '\\';
	switch (c) {
	case '"':
		*o++ = '"';
		break;
	case '\\':
		*o++ = '\\';
		break;
	case '\n':
		*o++ = 'n';
		break;
	case '\r':
		*o++ = 'r';
		break;
	case '\t':
		*o++ = 't';
		break;
	case '\b':
		*o++ = 'b';
		break;
	case '\f':
		*o++ = 'f';
		break;
	default:
		*o++ = 'u';
		*o++ = '0';
		*o++ = '0';
		*o++ = hex[c >> 4];
		*o++ = hex[c & 15];
	}
	return o;
}

/*
 * Write s[0..n) as the body of a JSON string to out (room for 6 * n bytes):
 * its length, or -1 when s is not valid UTF-8.
 */
static ssize_t escape_utf8(const uint8_t *s, size_t n, char *out)
{
	char *o = out;
	size_t i = 0;

	while (i < n) {
		size_t start = i, k;

		while (i + 8 <= n) {
			uint64_t x;

			memcpy(&x, s + i, 8);
			if (!word_plain(x))
				break;
			i += 8;
		}
		while (i < n && s[i] >= 0x20 && s[i] < 0x80 && s[i] != '"' && s[i] != '\\')
			i++;
		memcpy(o, s + start, i - start);
		o += i - start;
		if (i == n)
			break;
		if (s[i] < 0x80) {
			o = escape_byte(s[i++], o);
			continue;
		}
		k = jl_utf8_seq(s + i, n - i);
		if (!k)
			return -1;
		memcpy(o, s + i, k);
		o += k;
		i += k;
	}
	return o - out;
}

size_t jl_log_event_encode(int64_t ts_ns, const void *data, size_t len, char *out)
{
	int hn = snprintf(out, EVENT_FRAME, "{\"ts\":%" PRId64 ",\"data\":\"", ts_ns);
	ssize_t n = escape_utf8(data, len, out + hn);
	size_t o;

	if (n >= 0) {
		o = (size_t)hn + (size_t)n;
	} else {
		/* Not UTF-8: the bytes as Base64, after the same "ts". */
		o = (size_t)hn - strlen("\"data\":\"");
		memcpy(out + o, "\"b64\":\"", 7);
		o += 7;
		o += jl_base64_encode(data, len, out + o);
	}
	memcpy(out + o, "\"}", 3);
	return o + 2;
}

/* The value of 4 hex digits at s, or -1. */
static int hex4(const char *s)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i], l = (char)(c | 0x20);

		if (c >= '0' && c <= '9')
			v = v << 4 | (c - '0');
		else if (l >= 'a' && l <= 'f')
			v = v << 4 | (l - 'a' + 10);
		else
			return -1;
	}
	return v;
}

/* Code point cp as UTF-8 to out; returns the bytes written. */
static size_t put_utf8(unsigned cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | cp >> 6);
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | cp >> 12);
		out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | cp >> 18);
	out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/*
 * The \uXXXX escape at s[0..len) (s at the backslash), a surrogate pair
 * joined, as UTF-8 to out: the bytes written, *used the escape's length;
 * 0 when malformed.
 */
static size_t unescape_u(const char *s, size_t len, char *out, size_t *used)
{
	int cp = len >= 6 ? hex4(s + 2) : -1, lo;

	if (cp < 0)
		return 0;
	*used = 6;
	if (cp >= 0xd800 && cp <= 0xdbff && len >= 12 && s[6] == '\\' && s[7] == 'u') {
		lo = hex4(s + 8);
		if (lo >= 0xdc00 && lo <= 0xdfff) {
			cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			*used = 12;
		}
	}
	return put_utf8((unsigned)cp, out);
}

/* The byte the one-letter escape \c stands for, or -1. */
static int unescape_letter(char c)
{
	switch (c) {
	case 'n':
		return '\n';
	case 't':
		return '\t';
	case 'r':
		return '\r';
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case '"':
		return '"';
	case '\\':
		return '\\';
	case '/':
		return '/';
	default:
		return -1;
	}
}

/* The first c in s[i..len), or s + len; *cache keeps the last answer while it lies ahead. */
static const char *next_of(const char *s, size_t i, size_t len, char c, const char **cache)
{
	const char *p;

	if (*cache && *cache >= s + i)
		return *cache;
	p = memchr(s + i, c, len - i);
	*cache = p ? p : s + len;
	return *cache;
}

/*
 * Decode a JSON string body (after its opening quote) into out: bytes, or
 * -1 unterminated.  Where the next quote and backslash are is remembered,
 * so text full of escapes (a job's output of short lines) is read once.
 */
static ssize_t unescape(const char *s, size_t len, char *out)
{
	const char *qc = NULL, *bc = NULL;
	size_t i = 0, o = 0;

	while (i < len) {
		size_t run = i;
		int c;

		/* Byte by byte while the run is short (a job's short lines); memchr() past that. */
		while (i < len && i - run < 16 && s[i] != '"' && s[i] != '\\')
			out[o++] = s[i++];
		if (i - run == 16) {
			const char *q = next_of(s, i, len, '"', &qc);
			const char *b = next_of(s, i, len, '\\', &bc);
			size_t stop = (size_t)((b < q ? b : q) - s);

			memcpy(out + o, s + i, stop - i);
			o += stop - i;
			i = stop;
		}
		if (i == len)
			return -1;
		if (s[i] == '"')
			return (ssize_t)o;
		if (i + 1 >= len)
			return -1;
		if (s[i + 1] == 'u') {
			size_t used, k = unescape_u(s + i, len - i, out + o, &used);

			if (!k)
				return -1;
			o += k;
			i += used;
			continue;
		}
		c = unescape_letter(s[i + 1]);
		if (c < 0)
			return -1;
		out[o++] = (char)c;
		i += 2;
	}
	return -1;
}

ssize_t jl_log_event_decode(const char *json, size_t len, char *out)
{
	const char *p = memmem(json, len, "\"data\":\"", 8), *end;

	if (p) {
		p += 8;
		return unescape(p, len - (size_t)(p - json), out);
	}
	p = memmem(json, len, "\"b64\":\"", 7);
	if (!p)
		return -1;
	p += 7;
	end = memchr(p, '"', len - (size_t)(p - json));
	if (!end)
		return -1;
	return (ssize_t)jl_base64_decode(p, (size_t)(end - p), out);
}
