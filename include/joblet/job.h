/*
 * joblet/job.h - jobs: what to run (the spec), running it under joblet-shim
 * (the executor), how it ended (the status) and what it wrote (the log).
 *
 * Part of the libjoblet API.  `joblet run-local` and the daemon use it.  A
 * job lives in a state folder STATE_DIR/jobs/ID holding spec.json, the
 * framed log, status.json when it has ended, the lock its shim holds while
 * it runs (its first line: the shim's pid, then the job's first process
 * and its start time), and work/ (the job's /work).
 */
#ifndef JOBLET_JOB_H
#define JOBLET_JOB_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/common.h>
#include <joblet/config.h>
#include <joblet/error.h>
#include <joblet/loader.h>

JOBLET_BEGIN_DECLS

enum joblet_network_mode {
	JOBLET_NETWORK_NONE = 1, /* a network namespace with loopback only (default) */
	JOBLET_NETWORK_HOST = 2	 /* the host's network */
};

/*
 * What to run.  Every field has a default (0/NULL = none or unlimited);
 * joblet_job_spec_validate() checks the whole before anything is created.
 * Owned strings; free with joblet_job_spec_free().
 */
struct joblet_job_spec {
	char *id;		 /* UUIDv4; made by joblet_job_spec_new() */
	char **argv;		 /* the command and its arguments, NULL-terminated */
	char **env;		 /* KEY=VALUE set for the job, NULL-terminated */
	int64_t max_cpu;	 /* percent of one core (100 = one core); 0 = unlimited */
	int64_t max_memory_mib;	 /* 0 = unlimited */
	int64_t max_iobps;	 /* bytes per second, read and write; 0 = unlimited */
	int64_t max_pids;	 /* 0 = the configured default */
	int64_t timeout_s;	 /* wall clock; 0 = none */
	char *cpu_cores;	 /* cpuset list ("0-3,6"), or NULL for any */
	char *runtime;		 /* NAME[@VERSION] as given, or NULL */
	char *runtime_dir;	 /* the installed runtime it resolved to (set by validate) */
	char **uploads;		 /* host files or folders copied into /work, NULL-terminated */
	char *workdir;		 /* the job's working folder; NULL = /work */
	int64_t uid, gid;	 /* the job's user; -1 = the configured default */
	int32_t network;	 /* enum joblet_network_mode; 0 = none */
	int32_t reserved;
	char **secret_env;	 /* KEY=VALUE set for the job and never shown (API: `***`) */
	char *name;		 /* a label for people, or NULL */
	int64_t priority;	 /* 0..1000, for scheduler policies that use it */
	int64_t schedule_ns;	 /* CLOCK_REALTIME when to start; 0 = now */
	int64_t cpus;		 /* whole cores the scheduler pins for it alone; 0 = none */
	char *cron;		 /* a 5-field cron expression: a recurring job; or NULL */
};

/* A new empty spec with a fresh id. */
JOBLET_API int joblet_job_spec_new(struct joblet_job_spec **ret_spec, struct joblet_error **err);
JOBLET_API void joblet_job_spec_free(struct joblet_job_spec *spec);

/*
 * Parse the flags of `rnx job run` / `joblet run-local` into spec:
 *   --max-cpu=PCT --max-memory=MIB --max-iobps=BPS --cpu-cores=SPEC
 *   --max-pids=N --timeout=DUR --runtime=NAME[@VER] -e|--env K=V
 *   -s|--secret-env K=V --upload=PATH --workdir=DIR --network=none|host
 *   --schedule=WHEN (see joblet_schedule_parse) --priority=N --name=NAME
 *   --cpus=N --cron=EXPR
 * Flags end at `--` or at the first word that is not a flag; the rest is
 * the command.  *ret_consumed (may be NULL) says how many words were read.
 * Errors: JOBLET_E_INVALID naming the flag and what it accepts.
 */
JOBLET_API int joblet_job_spec_parse_args(struct joblet_job_spec *spec, int argc, char **argv,
					  int *ret_consumed, struct joblet_error **err);

/*
 * 1 when arg is one of the job flags above given without `=VALUE`, so the
 * next word is its value (for callers that pick out flags of their own).
 */
JOBLET_API int joblet_job_spec_flag_takes_value(const char *arg);

/*
 * Check a spec against the configuration and this host, and fill in the
 * defaults: refuses negative or absurd limits, a cpuset naming CPUs the host
 * lacks, an unknown runtime (and resolves a known one: no version = the
 * highest installed), a relative or `..` working folder, env names that are
 * not identifiers, uploads that do not exist.  Nothing is created.  Errors:
 * JOBLET_E_INVALID or JOBLET_E_NOT_FOUND naming the field.
 */
JOBLET_API int joblet_job_spec_validate(const struct joblet_config *cfg,
					struct joblet_job_spec *spec, struct joblet_error **err);

/*
 * When a job scheduled with `--schedule=WHEN` starts, as CLOCK_REALTIME
 * nanoseconds:
 *   RFC 3339 with a zone      2026-12-03T10:00:00Z, 2026-12-03T11:00:00+01:00
 *   the same without a zone   2026-12-03T10:00:00 (this host's local time)
 *   a date and a time         2026-12-03 10:00[:00] (local time)
 *   a delay from now_ns       90s, 5m, 2h30m, 1h 15m, 1d (a bare number: seconds)
 * A time in the past is returned as it is (the job then runs at once).
 * Errors: JOBLET_E_INVALID naming the forms accepted.
 */
JOBLET_API int joblet_schedule_parse(const char *when, int64_t now_ns, int64_t *ret_ns,
				     struct joblet_error **err);

/* Parse RFC 3339 with a zone (what the API takes): JOBLET_E_INVALID otherwise. */
JOBLET_API int joblet_time_parse_rfc3339(const char *text, int64_t *ret_ns,
					 struct joblet_error **err);

/* ns (CLOCK_REALTIME) as RFC 3339 in UTC with milliseconds, into buf (at least 32 bytes). */
JOBLET_API void joblet_time_format_rfc3339(int64_t ns, char *buf, size_t size);

/* The spec as JSON (spec.json), and back. */
JOBLET_API int joblet_job_spec_to_json(const struct joblet_job_spec *spec, char **ret_json,
				       struct joblet_error **err);
JOBLET_API int joblet_job_spec_from_json(const char *json, struct joblet_job_spec **ret_spec,
					 struct joblet_error **err);

/* ------------------------------------------------------------------ running */

/*
 * Create the job's state folder (STATE_DIR/jobs/ID, mode 0700) with
 * spec.json and work/ holding the uploads, owned by the job's user.
 * *ret_dir is a new string.
 */
JOBLET_API int joblet_job_create(const struct joblet_config *cfg,
				 const struct joblet_job_spec *spec, char **ret_dir,
				 struct joblet_error **err);

/*
 * Start joblet-shim for a created job: a fresh program (never a fork that
 * does work), in its own session, that outlives the caller.  The shim is
 * LIBEXECDIR/joblet-shim, or $JOBLET_SHIM.  config_path is handed to it
 * (NULL = the default joblet.yml).  *ret_pid gets the shim's pid.
 */
JOBLET_API int joblet_job_spawn(const char *state_dir, const char *config_path, int32_t *ret_pid,
				struct joblet_error **err);

/*
 * The body of joblet-shim: supervise the job in state_dir from start to
 * end.  Takes the job's lock, sets up the isolation stack of
 * cfg->isolation_stack from set ("cgroup" picks cgroup2 when this host can
 * use it, else cgroup1), starts the job, writes everything it prints to the
 * log, enforces its timeout, stops it on SIGTERM, records how it ended in
 * status.json, and tears the stack down.  Returns 0 once status.json is
 * written (whatever the job did, also when it could not start); negative
 * only when not even that was possible (the lock is held: JOBLET_E_BUSY).
 */
JOBLET_API int joblet_shim_run(const struct joblet_config *cfg, const struct joblet_plugin_set *set,
			       const char *state_dir, struct joblet_error **err);

/*
 * The body of `joblet-shim --reap`: the supervisor of the job in state_dir
 * died without cleaning up.  With the job's lock held (JOBLET_E_BUSY when a
 * live shim holds it), unmount what of the job is mounted here and call
 * each isolation layer's reap() in reverse order, which kills what is left
 * of the job and removes its cgroups.
 */
JOBLET_API int joblet_shim_reap(const struct joblet_config *cfg,
				const struct joblet_plugin_set *set, const char *state_dir,
				struct joblet_error **err);

/*
 * The isolation plugins cfg->isolation_stack names, in order, as the shim
 * will use them: "cgroup" becomes cgroup2 when its probe() says this host
 * can use it, else cgroup1.  Fills ret[0..*ret_n) (at most max).  Errors:
 * JOBLET_E_NOT_FOUND (a plugin is not loaded) or JOBLET_E_UNSUPPORTED (it
 * cannot work on this host), naming the plugin and why.
 */
JOBLET_API int joblet_isolation_stack_resolve(const struct joblet_config *cfg,
					      const struct joblet_plugin_set *set,
					      const struct joblet_plugin **ret, size_t max,
					      size_t *ret_n, struct joblet_error **err);

/* Remove a job's state folder (log, status, work/): the job must have ended. */
JOBLET_API int joblet_job_remove(const char *state_dir, struct joblet_error **err);

/* Ask a running job to stop: the shim signals the job, waits the grace period, kills. */
JOBLET_API int joblet_job_stop(const char *state_dir, struct joblet_error **err);

/*
 * The pid of the shim that holds (or last held) the job in state_dir, as it
 * wrote it into the job's lock file.  0, or -1 when no shim ever did.  Only
 * joblet_job_running() says whether it still holds it.
 */
JOBLET_API int joblet_job_shim_pid(const char *state_dir, int32_t *ret_pid);

/* 1 while the job's shim runs (holds the lock), 0 when it does not. */
JOBLET_API int joblet_job_running(const char *state_dir);

/* How a job ended (status.json). */
struct joblet_job_status {
	int32_t exited;		/* 1: exit_code is valid */
	int32_t exit_code;
	int32_t signal;		/* the signal that ended it, or 0 */
	int32_t oom;		/* 1: killed for memory */
	int32_t timeout;	/* 1: killed at its timeout */
	int32_t stopped;	/* 1: stopped on request */
	int32_t failed_to_start; /* 1: never ran; see error */
	int32_t reserved;
	uint64_t cpu_usec;
	uint64_t memory_peak_bytes;
	int64_t started_ns;	/* CLOCK_REALTIME */
	int64_t ended_ns;
	char *error;		/* why it failed to start or was killed, or NULL */
};

/* Read status.json.  JOBLET_E_NOT_FOUND while the job has not ended. */
JOBLET_API int joblet_job_status_read(const char *state_dir, struct joblet_job_status *ret_status,
				      struct joblet_error **err);
JOBLET_API void joblet_job_status_done(struct joblet_job_status *status);

/*
 * The exit code a command-line tool should report for a status: the job's
 * own exit code, 128+N for signal N, 124 on timeout, 137 when killed (OOM
 * or stopped), 125 when it failed to start.
 */
JOBLET_API int joblet_job_status_exit_code(const struct joblet_job_status *status);

/* ------------------------------------------------------------------ the log */

enum joblet_log_stream {
	JOBLET_STREAM_STDOUT = 1,
	JOBLET_STREAM_STDERR = 2
};

/* One record of a job's log.  data is borrowed from the reader until its next call. */
struct joblet_log_record {
	int32_t stream;	   /* enum joblet_log_stream */
	int32_t reserved;
	uint64_t seq;	   /* 1, 2, 3, ... with no gaps */
	int64_t ts_ns;	   /* CLOCK_REALTIME when the shim read the bytes */
	const uint8_t *data;
	size_t len;
};

struct joblet_log_reader;

/* Open STATE_DIR/jobs/ID/log for reading from the start. */
JOBLET_API int joblet_log_reader_open(const char *state_dir, struct joblet_log_reader **ret,
				      struct joblet_error **err);

/* Flags for joblet_log_reader_open_flags(). */
#define JOBLET_LOG_READER_NO_WATCH (UINT32_C(1) << 0) /* no inotify fd (the caller watches) */

/* joblet_log_reader_open() with flags; with NO_WATCH joblet_log_reader_fd() is -1. */
JOBLET_API int joblet_log_reader_open_flags(const char *state_dir, uint32_t flags,
					    struct joblet_log_reader **ret,
					    struct joblet_error **err);

/*
 * Skip every record up to and including sequence number seq without
 * reading their bytes (a follower that resumes after Last-Event-ID).
 * Returns 0 when the next record will be seq + 1, or the log ends before
 * it (the rest arrives later); negative on a corrupt log.
 */
JOBLET_API int joblet_log_reader_skip(struct joblet_log_reader *r, uint64_t seq,
				      struct joblet_error **err);
JOBLET_API void joblet_log_reader_free(struct joblet_log_reader *r);

/*
 * The next record: 1 with *rec filled, 0 when no complete record follows
 * yet (more may come while the job runs), negative on error (a corrupt
 * log: JOBLET_E_PARSE).
 */
JOBLET_API int joblet_log_reader_next(struct joblet_log_reader *r, struct joblet_log_record *rec,
				      struct joblet_error **err);

/* An fd that becomes readable when the log grows (inotify), for poll(2). */
JOBLET_API int joblet_log_reader_fd(struct joblet_log_reader *r);

/* Call after the fd polled readable, to consume the notification. */
JOBLET_API void joblet_log_reader_ack(struct joblet_log_reader *r);

JOBLET_END_DECLS

#endif /* JOBLET_JOB_H */
