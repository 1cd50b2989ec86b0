/* job_private.h - what libjoblet's files share about jobs. */
#ifndef JL_JOB_PRIVATE_H
#define JL_JOB_PRIVATE_H

#include <stdbool.h>
#include <stdint.h>

#include <joblet/isolation.h>
#include <joblet/job.h>

#include "runtime/runtime_yml.h"
#include "job/executor.h"
#include "job/job_spec.h"

struct joblet_job {
	struct jl_job_spec *spec; /* owned */
	char *state_dir;
	char *root_dir;
	char *work_dir;
	char *cache_dir;	      /* STATE_DIR/cache, or NULL (see joblet_job_cache_dir) */
	char short_id[9];
	uint64_t clone_flags;
	int cgroup_fd;		      /* -1, or the job cgroup (CLONE_INTO_CGROUP) */
	bool cloned_into_cgroup;
	bool places_in_child;	      /* a layer moves the process in child() (joblet_job_place_in_child) */
	bool cgroup_ns_pending;	      /* in the child: CLONE_NEWCGROUP still to be made */
	struct jl_runtime_desc *runtime; /* runtime.yml of spec->runtime_dir, or NULL */
};

/* A job for spec (taken over) in state_dir; loads the runtime's runtime.yml. */
int jl_job_new(struct jl_job_spec *spec, const char *state_dir, struct joblet_job **ret_job,
	       struct joblet_error **err);
void jl_job_free(struct joblet_job *job);
/* In the child: make the job's cgroup namespace now if it is still to be made. */
int jl_job_make_cgroup_ns(struct joblet_job *job, struct joblet_error **err);

/* Where plugins may cache what they derive from the configuration (STATE_DIR/cache). */
int jl_job_set_cache_dir(struct joblet_job *job, const char *dir);

/* ------------------------------------------------------------------ framed log */

/*
 * A record on disk: a 24-byte header, then `len` bytes.
 *	u16 magic 0x4c4a ("JL" little-endian), u8 version 1, u8 stream,
 *	u32 len, u64 seq, u64 ts_ns        (all little-endian)
 * Records are appended with one writev() each (O_APPEND), so a reader sees
 * whole records, or a partial one at the very end while it is written.
 */
#define JL_LOG_MAGIC 0x4c4a
#define JL_LOG_VERSION 1
#define JL_LOG_HEADER 24
#define JL_LOG_MAX_RECORD (64 * 1024)

struct jl_log_writer;

/* Open the empty log file jl_job_create() made (a log with records is refused). */
int jl_log_writer_open(const char *path, struct jl_log_writer **ret, struct joblet_error **err);
/* Append one record; on failure nothing of it counts (the seq is not used up). */
int jl_log_writer_append(struct jl_log_writer *w, int32_t stream, const void *data, size_t len,
			 struct joblet_error **err);
uint64_t jl_log_writer_seq(const struct jl_log_writer *w);
void jl_log_writer_free(struct jl_log_writer *w);

/* Encode/decode a header (exposed for the unit tests). */
void jl_log_header_encode(uint8_t out[JL_LOG_HEADER], int32_t stream, uint32_t len, uint64_t seq,
			  int64_t ts_ns);
int jl_log_header_decode(const uint8_t in[JL_LOG_HEADER], int32_t *stream, uint32_t *len,
			 uint64_t *seq, int64_t *ts_ns);

/* ------------------------------------------------------------------ status */

/* Write status.json atomically into state_dir. */
int jl_job_status_write(const char *state_dir, const struct jl_job_status *st,
			struct joblet_error **err);

#endif /* JL_JOB_PRIVATE_H */
