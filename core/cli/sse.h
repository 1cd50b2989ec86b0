/*
 * sse.h - an incremental parser of text/event-stream (server-sent events).
 *
 * Private to rnx.  The daemon streams job logs and install progress as
 * server-sent events; rnx_api_stream() (api.h) feeds what arrives to this
 * parser, which calls back once per event.  The parser follows the WHATWG
 * rules (HTML, "Server-sent events", parsing an event stream):
 *
 *   - lines end with LF, CRLF or CR (also when a CRLF is split between two
 *     feeds); a UTF-8 byte order mark at the very start is dropped;
 *   - `field: value`: one space after the colon is removed; a line without a
 *     colon is a field with an empty value; lines starting with `:` are
 *     comments (the server's heartbeats);
 *   - `data` lines are joined with LF; `event` sets the type; `id` sets the
 *     last event id unless the value contains a NUL; `retry` and unknown
 *     fields are ignored;
 *   - an empty line dispatches the event.  An event with no data is not
 *     dispatched, except when its `event` field is set (joblet's own rule:
 *     `event: exit` with no data still reaches the callback);
 *   - the last event id persists across events until an `id` line changes
 *     it; it is taken when an event is dispatched (so an id in an event the
 *     connection lost before its empty line does not count), which is what a
 *     client sends back as Last-Event-ID when it reconnects;
 *   - whatever follows the last empty line when the stream ends is dropped.
 *
 * Cost: the input is scanned with memchr(), bytes are copied at most once
 * (into the data buffer, or into the line buffer when a line is split
 * between feeds), and the buffers are reused from event to event.
 *
 * Not thread-safe: one parser, one thread at a time.
 */
#ifndef RNX_SSE_H
#define RNX_SSE_H

#include <stddef.h>

#include <joblet/error.h>

/* One event, as the callback sees it.  Every pointer is borrowed from the
 * parser and valid only during the callback. */
struct rnx_sse_event {
	const char *event; /* the `event` field; "message" when none was given */
	const char *id;	   /* the last event id; "" when none */
	/*
	 * The data lines joined with LF; NUL-terminated (data may hold NULs).
	 * The callback may rewrite data[0..len] in place (rnx decodes a log
	 * event there): the parser's buffer is reused after it returns.
	 */
	char *data;
	size_t len; /* bytes of data, without the terminating NUL */
};

/*
 * Called for each event, from inside rnx_sse_parser_feed().  Returns 0 to go
 * on, non-zero to stop: the feed then returns 1 at once.
 */
typedef int (*rnx_sse_cb)(void *userdata, const struct rnx_sse_event *ev);

struct rnx_sse_parser;

/*
 * A new parser calling cb(userdata, ...) for every event.  max_event_bytes
 * bounds the data of one event, and the length of one line to that plus 64
 * bytes for the field name (0 = no bound); beyond it the feed fails with
 * JOBLET_E_LIMIT, whatever the cuts between feeds.  Errors: JOBLET_E_NOMEM,
 * JOBLET_E_INVALID (cb is NULL).  Free with rnx_sse_parser_free().
 */
int rnx_sse_parser_new(rnx_sse_cb cb, void *userdata, size_t max_event_bytes,
		       struct rnx_sse_parser **ret, struct joblet_error **err);

/*
 * Parse the next len bytes of the stream (any split is fine: a line or a
 * CRLF may be cut anywhere).  Returns 0 when all were consumed; 1 when the
 * callback asked to stop (the rest of buf is not looked at); negative on an
 * error (JOBLET_E_LIMIT: an event or a line beyond max_event_bytes;
 * JOBLET_E_NOMEM).  After 1 or an error the parser is done: a later feed
 * returns 1 again, or fails with JOBLET_E_INVALID.
 */
int rnx_sse_parser_feed(struct rnx_sse_parser *p, const char *buf, size_t len,
			struct joblet_error **err);

/* The last event id as of the last dispatched event ("" when none).
 * Borrowed; valid until the next feed or the free. */
const char *rnx_sse_parser_last_id(const struct rnx_sse_parser *p);

/* Free p; NULL is fine. */
void rnx_sse_parser_free(struct rnx_sse_parser *p);

#endif /* RNX_SSE_H */
