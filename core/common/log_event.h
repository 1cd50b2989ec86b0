/*
 * common/log_event.h - the JSON of one job log record on the API's event
 * stream (GET /v1/jobs/{id}/logs), for both ends: joblet writes it
 * (core/daemon/api_logs.c) and rnx reads it (core/cli/cmd_job.c).
 *
 *	{"ts":1733220000123456789,"data":"hello\n"}	bytes that are UTF-8
 *	{"ts":1733220000123456789,"b64":"/wA="}		bytes that are not
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
 * its "b64" bytes) into out, which has room for len bytes.  Returns their
 * count, or -1 when json holds neither or a malformed one.
 */
ssize_t jl_log_event_decode(const char *json, size_t len, char *out);

#endif /* JL_LOG_EVENT_H */
