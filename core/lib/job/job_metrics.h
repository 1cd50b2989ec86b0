/*
 * job/job_metrics.h - a job's metrics over time: joblet-shim samples the
 * job every jobs.metrics_interval into the file `metrics` of its folder,
 * the daemon reads it (GET /v1/jobs/{id}/metrics, monitor top, /metrics).
 *
 * Private tier (base/private.h).
 *
 * The file is a ring of fixed-size records after a header, so it never
 * grows past header + capacity records (jobs.max_metrics) however long the
 * job runs; once full, the newest sample overwrites the oldest.  Sample
 * number seq (1, 2, 3, ... with no gaps) lives in slot (seq - 1) %
 * capacity.  All numbers are little-endian.
 *
 *	header (128 bytes): "JLMETRIC", u32 version 1, u32 record size 128,
 *	  u64 capacity, u64 interval_ms, u64 latest seq (0: none yet), zeros
 *	record (128 bytes): u64 seq, i64 ts_ns, u64 cpu_usec,
 *	  u32 cpu_centipct, u32 flags, u64 memory_bytes, u64 memory_peak_bytes,
 *	  u64 io_read_bytes, u64 io_write_bytes, u64 pids, u64 net_rx_bytes,
 *	  u64 net_tx_bytes, zeros, u32 checksum (FNV-1a of bytes 0..123)
 *
 * A record is written with one pwrite() into one page (128 divides the page
 * size), then the header's latest seq; a reader that meets a record
 * half-written sees a bad checksum and takes it as not there yet.
 */
#ifndef JL_JOB_METRICS_H
#define JL_JOB_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/error.h>

#include "base/private.h"

#define JL_METRICS_FILE	   "metrics"
#define JL_METRICS_MAGIC   "JLMETRIC"
#define JL_METRICS_VERSION 1
#define JL_METRICS_HEADER  128
#define JL_METRICS_RECORD  128

/* Sample flags. */
#define JL_METRICS_NET	 1u /* the job has a network of its own: net_* count */
#define JL_METRICS_FINAL 2u /* the last sample, taken when the job ended */

/* One sample of a job. */
struct jl_metrics_sample {
	uint64_t seq;	       /* 1, 2, 3, ... */
	int64_t ts_ns;	       /* CLOCK_REALTIME when it was taken */
	uint64_t cpu_usec;     /* CPU time so far, user + system */
	uint32_t cpu_centipct; /* CPU over the interval before it, in 1/100 % of one core */
	uint32_t flags;	       /* JL_METRICS_* */
	uint64_t memory_bytes;
	uint64_t memory_peak_bytes;
	uint64_t io_read_bytes; /* so far */
	uint64_t io_write_bytes;
	uint64_t pids;
	uint64_t net_rx_bytes; /* so far; with JL_METRICS_NET */
	uint64_t net_tx_bytes;
};

/* Encode s into out[JL_METRICS_RECORD]. */
JL_API void jl_metrics_encode(const struct jl_metrics_sample *s, uint8_t *out);
/* Decode in[JL_METRICS_RECORD]: 0, or -1 for an empty slot or a bad checksum. */
JL_API int jl_metrics_decode(const uint8_t *in, struct jl_metrics_sample *ret);

/*
 * CPU over an interval in 1/100 % of one core: cpu_usec_delta of CPU time
 * in wall_usec of time (0 when no time passed), at most UINT32_MAX.
 */
JL_API uint32_t jl_metrics_cpu_centipct(uint64_t cpu_usec_delta, uint64_t wall_usec);

/* ------------------------------------------------------------------ writing (the shim) */

struct jl_metrics_writer;

/*
 * Create dir/metrics (it must not exist: a job is sampled once) for
 * capacity samples (>= 1) taken every interval_ms.
 */
JL_API int jl_metrics_writer_open(const char *dir, uint64_t capacity, uint64_t interval_ms,
				  struct jl_metrics_writer **ret, struct joblet_error **err);
/* Append s under the next seq (s->seq is set): the oldest goes once capacity is reached. */
JL_API int jl_metrics_writer_append(struct jl_metrics_writer *w, struct jl_metrics_sample *s,
				    struct joblet_error **err);
JL_API void jl_metrics_writer_free(struct jl_metrics_writer *w);

/* ------------------------------------------------------------------ reading */

struct jl_metrics_reader;

/*
 * A reader of dir/metrics that starts after sample `after` (0: from the
 * oldest kept).  The file may not exist yet (a job that has not started):
 * the reader then has nothing until it does.
 */
JL_API int jl_metrics_reader_open(const char *dir, uint64_t after, struct jl_metrics_reader **ret,
				  struct joblet_error **err);
/*
 * The next sample in seq order: 1, 0 when there is none yet, negative on
 * error.  Samples overwritten before they were read are skipped: the next
 * is then the oldest still kept (its seq shows the gap).
 */
JL_API int jl_metrics_reader_next(struct jl_metrics_reader *r, struct jl_metrics_sample *ret,
				  struct joblet_error **err);
/* The newest sample: 1, 0 when there is none (or no file), negative on error. */
JL_API int jl_metrics_reader_latest(struct jl_metrics_reader *r, struct jl_metrics_sample *ret,
				    struct joblet_error **err);
/* The interval the samples were taken at (ms), 0 before the file exists. */
JL_API uint64_t jl_metrics_reader_interval_ms(const struct jl_metrics_reader *r);
JL_API void jl_metrics_reader_free(struct jl_metrics_reader *r);

#endif /* JL_JOB_METRICS_H */
