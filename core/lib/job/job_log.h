/*
 * job/job_log.h - reading a job's framed log (the shim writes it).
 *
 * Private tier (base/private.h).
 */
#ifndef JL_JOB_LOG_H
#define JL_JOB_LOG_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/error.h>

#include "base/private.h"

/* ------------------------------------------------------------------ the log */

enum jl_log_stream {
	JL_STREAM_STDOUT = 1,
	JL_STREAM_STDERR = 2
};

/* One record of a job's log.  data is borrowed from the reader until its next call. */
struct jl_log_record {
	int32_t stream;	   /* enum jl_log_stream */
	int32_t reserved;
	uint64_t seq;	   /* 1, 2, 3, ... with no gaps */
	int64_t ts_ns;	   /* CLOCK_REALTIME when the shim read the bytes */
	const uint8_t *data;
	size_t len;
};

struct jl_log_reader;

/* Open STATE_DIR/jobs/ID/log for reading from the start. */
JL_API int jl_log_reader_open(const char *state_dir, struct jl_log_reader **ret,
				      struct joblet_error **err);

/* Flags for jl_log_reader_open_flags(). */
#define JL_LOG_READER_NO_WATCH (UINT32_C(1) << 0) /* no inotify fd (the caller watches) */

/* jl_log_reader_open() with flags; with NO_WATCH jl_log_reader_fd() is -1. */
JL_API int jl_log_reader_open_flags(const char *state_dir, uint32_t flags,
					    struct jl_log_reader **ret,
					    struct joblet_error **err);

/*
 * Skip every record up to and including sequence number seq without
 * reading their bytes (a follower that resumes after Last-Event-ID).
 * Returns 0 when the next record will be seq + 1, or the log ends before
 * it (the rest arrives later); negative on a corrupt log.
 */
JL_API int jl_log_reader_skip(struct jl_log_reader *r, uint64_t seq,
				      struct joblet_error **err);
JL_API void jl_log_reader_free(struct jl_log_reader *r);

/*
 * The next record: 1 with *rec filled, 0 when no complete record follows
 * yet (more may come while the job runs), negative on error (a corrupt
 * log: JOBLET_E_PARSE).
 */
JL_API int jl_log_reader_next(struct jl_log_reader *r, struct jl_log_record *rec,
				      struct joblet_error **err);

/* An fd that becomes readable when the log grows (inotify), for poll(2). */
JL_API int jl_log_reader_fd(struct jl_log_reader *r);

/* Call after the fd polled readable, to consume the notification. */
JL_API void jl_log_reader_ack(struct jl_log_reader *r);

#endif /* JL_JOB_LOG_H */
