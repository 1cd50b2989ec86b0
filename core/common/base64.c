/* base64.c - RFC 4648 base64: job uploads and binary log records in the API. */
#include <config.h>

#include <joblet/buffer.h>

#include "base/util.h"
#include "common/base64.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

size_t jl_base64_encode(const void *data, size_t len, char *out)
{
	const uint8_t *p = data;
	size_t o = 0, i = 0;

	for (; i + 3 <= len; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = alphabet[(v >> 6) & 63];
		out[o++] = alphabet[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)p[i] << 16 | (i + 1 < len ? (uint32_t)p[i + 1] << 8 : 0);

		out[o++] = alphabet[v >> 18];
		out[o++] = alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
		out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

static int8_t value_of(uint8_t c)
{
	if (c >= 'A' && c <= 'Z')
		return (int8_t)(c - 'A');
	if (c >= 'a' && c <= 'z')
		return (int8_t)(c - 'a' + 26);
	if (c >= '0' && c <= '9')
		return (int8_t)(c - '0' + 52);
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

int64_t jl_base64_decode(const char *text, size_t len, void *out)
{
	uint8_t *q = out;
	size_t o = 0;

	if (len % 4)
		return -1;
	for (size_t i = 0; i < len; i += 4) {
		const uint8_t *c = (const uint8_t *)text + i;
		int pad = (c[3] == '=') + (c[2] == '=' && c[3] == '=');
		int8_t a = value_of(c[0]), b = value_of(c[1]), d = pad >= 2 ? 0 : value_of(c[2]),
		       e = pad >= 1 ? 0 : value_of(c[3]);
		uint32_t v;

		if (a < 0 || b < 0 || d < 0 || e < 0 || (pad && i + 4 != len))
			return -1;
		v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)d << 6 | (uint32_t)e;
		q[o++] = (uint8_t)(v >> 16);
		if (pad < 2)
			q[o++] = (uint8_t)(v >> 8);
		if (pad < 1)
			q[o++] = (uint8_t)v;
	}
	return (int64_t)o;
}
