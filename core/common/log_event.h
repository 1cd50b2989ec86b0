/*
 * common/log_event.h - the JSON of one job log record on the API's event
 * stream (GET /v1/jobs/{id}/logs), for both ends: joblet writes it
 * (core/daemon/api_logs.c) and rnx reads it (core/cli/cmd_job.c).
 *
 *	{"ts":1733220000123456789,"data":"hello\n"}	bytes that are UTF-8
 *	{"ts":1733220000123456789,"b64":"/wA="}		bytes that are not
 *
 * The stream is the event's SSE name: `stdout` and `stderr` carry the job's
 * own bytes; `system` carries what joblet says in the job's log (the
 * marker "log truncated after N bytes, M bytes dropped" of a log cut at its
 * max_log), never the job's output: rnx shows it on stderr after a
 * `joblet: ` prefix.  A reader that knows only stdout and stderr skips it.
 *
 * The "data" form is exactly what json-c writes for that object with
 * JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, so any JSON
 * parser reads it (rnx --json hands it to json-c).  This codec exists
 * beside json-c only because it is the hot path of a followed log; see
 * log_event.c for the figures.
 *
 * core/common is compiled into the joblet and rnx programs (not libjoblet).
 * Every function is pure and thread-safe.
 */
#ifndef JL_LOG_EVENT_H
#define JL_LOG_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The streams of a log record: the numbers of enum jl_log_stream (job/job_log.h). */
enum jl_log_event_stream {
	JL_LOG_EVENT_STDOUT = 1,
	JL_LOG_EVENT_STDERR = 2,
	JL_LOG_EVENT_SYSTEM = 3,
};

/* The event name of a stream ("stdout", "stderr", "system"); "stdout" for an unknown one. */
const char *jl_log_event_stream_name(int32_t stream);

/* The stream an event name stands for, or 0 when it names none (`exit`, a later kind). */
int32_t jl_log_event_stream_parse(const char *name);

/* The most bytes jl_log_event_encode() writes for len bytes of data (a NUL included). */
size_t jl_log_event_max(size_t len);

/*
 * Write the event of data[0..len) logged at ts_ns to out, which has room
 * for jl_log_event_max(len) bytes: {"ts":N,"data":"..."} when data is
 * valid UTF-8 (no overlong forms, no surrogates), else {"ts":N,"b64":"..."}.
 * Returns the length of the JSON text (out is NUL-terminated after it).
 */
size_t jl_log_event_encode(int64_t ts_ns, const void *data, size_t len, char *out);

/*
 * The bytes of an event's JSON text json[0..len) (its "data" string, or
 * its "b64" bytes) into out, which has room for len bytes and may be json
 * itself (the bytes are written behind where they are read).  Returns their
 * count, or -1 when json holds neither or a malformed one.
 */
ssize_t jl_log_event_decode(const char *json, size_t len, char *out);

#endif /* JL_LOG_EVENT_H */
