/*
 * The SSE parser of rnx (core/cli/sse.c) on a stream from the daemon, and
 * each event's data decoded as a log event (core/common/log_event.c).
 * The first byte of the input sets where the stream is cut into reads.
 */
#include "fuzz.h"

#include "cli/sse.h"
#include "common/log_event.h"

static int on_event(void *userdata, const struct rnx_sse_event *ev)
{
	char *out;

	(void)userdata;
	if (!ev->event || !ev->id || !ev->data || ev->data[ev->len] != '\0')
		abort();
	(void)jl_log_event_stream_parse(ev->event);
	out = malloc(ev->len + 1);
	if (out) {
		ssize_t n = jl_log_event_decode(ev->data, ev->len, out);

		if (n > (ssize_t)ev->len)
			abort();
		free(out);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rnx_sse_parser *p = NULL;
	size_t step, at;

	if (size < 1)
		return 0;
	step = (size_t)data[0] % 64 + 1;
	data++;
	size--;
	if (rnx_sse_parser_new(on_event, NULL, 4096, &p, NULL) < 0)
		return 0;
	for (at = 0; at < size; at += step)
		if (rnx_sse_parser_feed(p, (const char *)data + at,
					size - at < step ? size - at : step, NULL) != 0)
			break;
	(void)rnx_sse_parser_last_id(p);
	rnx_sse_parser_free(p);
	return 0;
}
