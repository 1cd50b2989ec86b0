/*
 * log_event.c - the JSON of a job log record, written by joblet and read by
 * rnx (see log_event.h).
 *
 * Why not json-c, which both programs link: a followed log is an event
 * per few records the shim read from the job, and a job that writes a line
 * now and then makes a record, and an event, per line.  json-c allocates an object, a hash
 * table, a string and a print buffer per event.  tests/bench/
 * bench_log_event.c times both on the same events in the same run (figures
 * in tests/bench/README.md): json-c takes 5.5 to 7 times as long to encode
 * an event of one 2- or 64-byte line (2.3 to 3.6 times when one object is
 * reused), 8 to 18 times as long to decode it, and 1.5 to 1.8 (encode) and
 * 3 to 3.8 (decode) times as long for a 64 KiB record of 2-byte lines,
 * while both write the same bytes.  So the fast path stays, once, here.
 *
 * Encoding escapes and checks UTF-8 in one pass, 16 bytes at a time (SSE2;
 * 8 without it) while they are plain ASCII, then byte by byte through a
 * table for a while; decoding copies runs between escapes the same way.
 */
#include <config.h>

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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

#ifdef __SSE2__
/* A bit per byte of s[0..16) that needs care in a JSON string: < 0x20, `"`, `\`, or >= 0x80. */
static inline unsigned special16(const uint8_t *s)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	/* Signed: bytes 0x80 and up are negative, so below 0x20 too. */
	__m128i m = _mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
				 _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
					      _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));

	return (unsigned)_mm_movemask_epi8(m);
}

/* A bit per byte of s[0..16) that ends a run of a JSON string body: `"` or `\`. */
static inline unsigned quote_or_backslash16(const char *s)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
	__m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
				 _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));

	return (unsigned)_mm_movemask_epi8(m);
}
#endif

/*
 * What each byte needs in a JSON string: 0 nothing, the letter of its
 * two-byte escape (\n), 'u' for \u00XX, 'h' for a byte of a multi-byte
 * UTF-8 sequence (0x80 and up).
 */
static const char byte_class[256] = {
	['\b'] = 'b', ['\t'] = 't', ['\n'] = 'n', ['\f'] = 'f',	 ['\r'] = 'r',
	[0x00] = 'u', [0x01] = 'u', [0x02] = 'u', [0x03] = 'u',	 [0x04] = 'u',
	[0x05] = 'u', [0x06] = 'u', [0x07] = 'u', [0x0b] = 'u',	 [0x0e] = 'u',
	[0x0f] = 'u', [0x10] = 'u', [0x11] = 'u', [0x12] = 'u',	 [0x13] = 'u',
	[0x14] = 'u', [0x15] = 'u', [0x16] = 'u', [0x17] = 'u',	 [0x18] = 'u',
	[0x19] = 'u', [0x1a] = 'u', [0x1b] = 'u', [0x1c] = 'u',	 [0x1d] = 'u',
	[0x1e] = 'u', [0x1f] = 'u', ['"'] = '"',  ['\\'] = '\\', [0x80 ... 0xff] = 'h',
};

/*
 * Write s[0..n) as the body of a JSON string to out (room for 6 * n bytes):
 * its length, or -1 when s is not valid UTF-8.  Plain ASCII goes 16 bytes at
 * a time (8 without SSE2), and so does a lone line end between long runs;
 * after bytes that need care close together, the next 16 go one by one
 * through byte_class, so text dense with line ends (a job's short lines)
 * does not pay for a failed test at each.
 */
static ssize_t escape_utf8(const uint8_t *s, size_t n, char *out)
{
	static const char hex[] = "0123456789abcdef";
	char *o = out;
	size_t i = 0, plain = 16; /* plain bytes in a row before s[i] */

	while (i < n) {
		size_t stop;

#ifdef __SSE2__
		/*
		 * 16 bytes at a time, copied whole (out has room: 6 bytes per
		 * byte left), kept up to the first that needs care; not tried
		 * while care was needed in the last 8.
		 */
		while (plain >= 8 && i + 16 <= n) {
			unsigned m = special16(s + i), k;
			char c;

			memcpy(o, s + i, 16);
			if (!m) {
				o += 16;
				i += 16;
				continue;
			}
			k = (unsigned)__builtin_ctz(m);
			o += k;
			i += k;
			/*
			 * A line end (or quote, tab...) with none other in the 8
			 * bytes after it, as far as this block shows: written here,
			 * and on 16 at a time.  Else one by one for a while.
			 */
			if ((m >> k >> 1) & 0xff)
				break;
			c = byte_class[s[i]];
			if (c == 'h' || c == 'u')
				break;
			o[0] = '\\';
			o[1] = c;
			o += 2;
			i++;
		}
#else
		while (i + 8 <= n) {
			uint64_t x;

			memcpy(&x, s + i, 8);
			if (!word_plain(x))
				break;
			memcpy(o, &x, 8);
			o += 8;
			i += 8;
		}
#endif
		stop = n - i < 16 ? n : i + 16;
		while (i < stop) {
			uint8_t c = s[i];
			char k = byte_class[c];
			size_t q;

			if (!k) {
				*o++ = (char)c;
				i++;
				plain++;
				continue;
			}
			plain = 0;
			if (k == 'h') {
				q = jl_utf8_seq(s + i, n - i);
				if (!q)
					return -1;
				memcpy(o, s + i, q);
				o += q;
				i += q;
			} else if (k == 'u') {
				memcpy(o, "\\u00", 4);
				o[4] = hex[c >> 4];
				o[5] = hex[c & 15];
				o += 6;
				i++;
			} else {
				o[0] = '\\';
				o[1] = k;
				o += 2;
				i++;
			}
		}
	}
	return o - out;
}

/* The decimal digits of v to out (room for 21 bytes): their count. */
static size_t put_i64(int64_t v, char *out)
{
	char tmp[24];
	uint64_t u = v < 0 ? -(uint64_t)v : (uint64_t)v;
	size_t n = 0, o = 0;

	do {
		tmp[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		out[o++] = '-';
	while (n)
		out[o++] = tmp[--n];
	return o;
}

size_t jl_log_event_encode(int64_t ts_ns, const void *data, size_t len, char *out)
{
	size_t hn = 6, o;
	ssize_t n;

	memcpy(out, "{\"ts\":", 6);
	hn += put_i64(ts_ns, out + hn);
	memcpy(out + hn, ",\"data\":\"", 9);
	hn += 9;
	n = escape_utf8(data, len, out + hn);
	if (n >= 0) {
		o = hn + (size_t)n;
	} else {
		/* Not UTF-8: the bytes as Base64, after the same "ts". */
		o = hn - strlen("\"data\":\"");
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

/* The byte each one-letter escape \c stands for; 0: not an escape (\u aside). */
static const char letter_byte[256] = {
	['n'] = '\n', ['t'] = '\t', ['r'] = '\r',  ['b'] = '\b',
	['f'] = '\f', ['"'] = '"',  ['\\'] = '\\', ['/'] = '/',
};

#ifndef __SSE2__
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
#endif

/*
 * Where the run of bytes from s[i] ends: the next `"` or `\`, or len.
 * *qc and *bc remember where memchr() found the last of each.  *ret_lone
 * says whether no other `"` or `\` follows within the 8 bytes after the
 * one found (as far as seen: false when unknown).
 */
static size_t run_end(const char *s, size_t i, size_t len, const char **qc, const char **bc,
		      bool *ret_lone)
{
	*ret_lone = false;
#ifdef __SSE2__
	(void)qc;
	(void)bc;
	while (i + 16 <= len) {
		unsigned m = quote_or_backslash16(s + i), k;

		if (m) {
			k = (unsigned)__builtin_ctz(m);
			*ret_lone = !((m >> k >> 1) & 0xff);
			return i + k;
		}
		i += 16;
	}
	while (i < len && s[i] != '"' && s[i] != '\\')
		i++;
	return i;
#else
	const char *q = next_of(s, i, len, '"', qc);
	const char *b = next_of(s, i, len, '\\', bc);

	return (size_t)((b < q ? b : q) - s);
#endif
}

/*
 * Decode a JSON string body (after its opening quote) into out: bytes, or
 * -1 unterminated.  Byte by byte while escapes are close together (a job's
 * short lines); after 16 plain bytes in a row, or after an escape that
 * run_end() found alone between long runs (a line end of long lines),
 * run_end() finds the next quote or backslash.
 */
static ssize_t unescape(const char *s, size_t len, char *out)
{
	const char *qc = NULL, *bc = NULL;
	size_t i = 0, o = 0, plain = 0;
	bool lone = false; /* the escape at s[i] is alone between long runs */

	while (i < len) {
		char c = s[i];

		if (c != '"' && c != '\\') {
			out[o++] = c;
			i++;
			if (++plain == 16) {
				size_t stop = run_end(s, i, len, &qc, &bc, &lone);

				/* memmove: out may be the text itself, behind it. */
				memmove(out + o, s + i, stop - i);
				o += stop - i;
				i = stop;
				plain = 0;
			}
			continue;
		}
		plain = 0;
		if (c == '"')
			return (ssize_t)o;
		if (i + 1 >= len)
			return -1;
		if (s[i + 1] == 'u') {
			size_t used, k = unescape_u(s + i, len - i, out + o, &used);

			if (!k)
				return -1;
			o += k;
			i += used;
			lone = false;
			continue;
		}
		c = letter_byte[(uint8_t)s[i + 1]];
		if (!c)
			return -1;
		out[o++] = c;
		i += 2;
		/* The next plain byte starts run_end() again. */
		if (lone)
			plain = 15;
		lone = false;
	}
	return -1;
}

ssize_t jl_log_event_decode(const char *json, size_t len, char *out)
{
	const char *p = NULL, *end;
	size_t i = 6;

	/* joblet's own form first ({"ts":N,"data":"), any other order by search. */
	if (len > 16 && memcmp(json, "{\"ts\":", 6) == 0) {
		while (i < len && ((json[i] >= '0' && json[i] <= '9') || json[i] == '-'))
			i++;
		if (len - i >= 9 && memcmp(json + i, ",\"data\":\"", 9) == 0)
			p = json + i + 1;
	}
	if (!p)
		p = memmem(json, len, "\"data\":\"", 8);
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
