/* Base64 (core/common/base64.c): what the API's uploads and log events carry. */
#include "fuzz.h"

#include "common/base64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap = 3 * (size / 4) + 1, text_len;
	uint8_t *out = malloc(cap), *back = NULL;
	char *text = malloc(4 * ((size + 2) / 3) + 1);
	int64_t n;

	if (!out || !text)
		goto done;
	/* The input as Base64 text from outside: never writes past 3 * (len / 4). */
	n = jl_base64_decode((const char *)data, size, out);
	if (n > (int64_t)(3 * (size / 4)))
		abort();
	/* The input as bytes: encoded, they decode to themselves. */
	text_len = jl_base64_encode(data, size, text);
	back = malloc(3 * (text_len / 4) + 1);
	if (!back)
		goto done;
	n = jl_base64_decode(text, text_len, back);
	if (n != (int64_t)size || (size && memcmp(back, data, size) != 0))
		abort();
done:
	free(back);
	free(text);
	free(out);
	return 0;
}
