/*
 * job/job_log.h - a job's framed log: joblet-shim writes it, everyone else
 * reads it.
 *
 * Private tier (base/private.h).
 *
 * A record on disk: a 24-byte header, then `len` bytes.
 *	u16 magic 0x4c4a ("JL" little-endian), u8 version 1, u8 stream,
 *	u32 len, u64 seq, u64 ts_ns        (all little-endian)
 * Records are appended with one writev() each (O_APPEND), so a reader sees
 * whole records, or a partial one at the very end while it is written.
 *
 * Stream 3 (system) holds what joblet itself says in a job's log, never the
 * job's bytes: the marker of a log cut at its cap (max_log).  Logs written
 * before it existed hold streams 1 and 2 only and read as they always did.
 */
#ifndef JL_JOB_LOG_H
#define JL_JOB_LOG_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/error.h>

#include "base/private.h"

/* ------------------------------------------------------------------ the log */

enum jl_log_stream { JL_STREAM_STDOUT = 1, JL_STREAM_STDERR = 2, JL_STREAM_SYSTEM = 3 };

/* One record of a job's log.  data is borrowed from the reader until its next call. */
struct jl_log_record {
	int32_t stream; /* enum jl_log_stream */
	int32_t reserved;
	uint64_t seq;  /* 1, 2, 3, ... with no gaps */
	int64_t ts_ns; /* CLOCK_REALTIME when the shim read the bytes */
	const uint8_t *data;
	size_t len;
};

#define JL_LOG_MAGIC	  0x4c4a
#define JL_LOG_VERSION	  1
#define JL_LOG_HEADER	  24
#define JL_LOG_MAX_RECORD (64 * 1024)

/* ------------------------------------------------------------------ writing */

struct jl_log_writer;

/* Open the empty log file jl_job_create() made (a log with records is refused). */
JL_API int jl_log_writer_open(const char *path, struct jl_log_writer **ret,
			      struct joblet_error **err);
/*
 * Append one record (len <= JL_LOG_MAX_RECORD); on failure nothing of it
 * counts (the seq is not used up).  Past the cap (jl_log_writer_set_cap)
 * the job's bytes (stdout, stderr) are counted as dropped and 0 returned:
 * the record that crosses the cap keeps the part that fits, a system
 * record then says the log was truncated, and nothing more of the job is
 * written.  JL_STREAM_SYSTEM records are never capped (the caller keeps
 * them short).
 */
JL_API int jl_log_writer_append(struct jl_log_writer *w, int32_t stream, const void *data,
				size_t len, struct joblet_error **err);
/*
 * The most bytes the job's records may take in the file, headers
 * included (0: no cap).  Set before the first append.
 */
JL_API void jl_log_writer_set_cap(struct jl_log_writer *w, uint64_t bytes);
/* Bytes of the job's output in the log, and bytes dropped past the cap. */
JL_API uint64_t jl_log_writer_kept(const struct jl_log_writer *w);
JL_API uint64_t jl_log_writer_dropped(const struct jl_log_writer *w);
/*
 * The job has ended: when its log was truncated, append the final system
 * record "log truncated after N bytes, M bytes dropped" (nothing
 * otherwise).  Errors as jl_log_writer_append().
 */
JL_API int jl_log_writer_finish(struct jl_log_writer *w, struct joblet_error **err);
JL_API uint64_t jl_log_writer_seq(const struct jl_log_writer *w);
/* NULL is fine. */
JL_API void jl_log_writer_free(struct jl_log_writer *w);

/* ------------------------------------------------------------------ reading */

struct jl_log_reader;

/* Open STATE_DIR/jobs/ID/log for reading from the start. */
JL_API int jl_log_reader_open(const char *state_dir, struct jl_log_reader **ret,
			      struct joblet_error **err);

/* Flags for jl_log_reader_open_flags(). */
#define JL_LOG_READER_NO_WATCH (UINT32_C(1) << 0) /* no inotify fd (the caller watches) */

/* jl_log_reader_open() with flags; with NO_WATCH jl_log_reader_fd() is -1. */
JL_API int jl_log_reader_open_flags(const char *state_dir, uint32_t flags,
				    struct jl_log_reader **ret, struct joblet_error **err);

/*
 * Skip every record up to and including sequence number seq without
 * reading their bytes (a follower that resumes after Last-Event-ID).
 * Returns 0 when the next record will be seq + 1, or the log ends before
 * it (the rest arrives later); negative on a corrupt log.
 */
JL_API int jl_log_reader_skip(struct jl_log_reader *r, uint64_t seq, struct joblet_error **err);
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

/* Encode and decode a log record's header: hidden, libjoblet's and its unit tests'. */
void jl_log_header_encode(uint8_t out[JL_LOG_HEADER], int32_t stream, uint32_t len, uint64_t seq,
			  int64_t ts_ns);
int jl_log_header_decode(const uint8_t in[JL_LOG_HEADER], int32_t *stream, uint32_t *len,
			 uint64_t *seq, int64_t *ts_ns);

#endif /* JL_JOB_LOG_H */
