/*
 * job/executor.h - jobs from the outside: the state folder, starting the
 * job's supervisor (joblet-shim), stopping it, and how the job ended.
 *
 * A job lives in a state folder STATE_DIR/jobs/ID holding spec.json (secret
 * values masked: job_secrets.h), secrets.enc while a job with secrets waits
 * to start (the daemon's, encrypted), the framed log, status.json when it has ended, the lock its
 * shim holds while it runs (its first line: the shim's pid, then the job's first process and its
 * start time), and work/ (the job's /work).
 *
 * Private tier (base/private.h).
 */
#ifndef JL_JOB_EXECUTOR_H
#define JL_JOB_EXECUTOR_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/error.h>
#include <joblet/plugin.h>

#include "base/private.h"
#include "config/config.h"
#include "job/job_spec.h"

/* ------------------------------------------------------------------ running */

/*
 * Create the job's state folder (STATE_DIR/jobs/ID, mode 0700) with
 * spec.json and work/ holding the uploads, owned by the job's user.
 * *ret_dir is a new string.
 */
JL_API int jl_job_create(const struct jl_config *cfg, const struct jl_job_spec *spec,
			 char **ret_dir, struct joblet_error **err);

/* What a shim started by jl_shim_spawn() is to do. */
enum jl_shim_mode {
	JL_SHIM_RUN = 1, /* supervise the job from start to end */
	JL_SHIM_REAP,	 /* `--reap`: clean up after a shim of the job that died */
};

/* The joblet-shim program: $JOBLET_SHIM when set (secure_getenv), else LIBEXECDIR/joblet-shim. */
JL_API const char *jl_shim_path(void);

/*
 * The one way joblet-shim is started (the daemon, its reapers, `joblet
 * run-local`): a fresh program (posix_spawn: nothing of the caller runs in
 * the child, so a threaded caller is fine), in its own session so it
 * outlives the caller, with the caller's environment, no signal blocked or
 * ignored, stdin and stdout on /dev/null and stderr appended to
 * STATE_DIR/shim.log.  The shim closes every other inherited fd itself.
 * config_path is handed on as --config (NULL = the default joblet.yml).
 * secrets_fd (borrowed; -1 = none) is a sealed memfd of the job's secret
 * env (jl_job_secrets_memfd()): the shim gets it as fd 3 and `--secrets`.
 * notify_fd (borrowed; -1 = none) is the write end of a pipe: the shim gets
 * it as fd 4 and `--notify`, and writes a byte to it (never blocking)
 * whenever the job's log grew.  `joblet run-local` waits on it rather than
 * on inotify, whose close waits for an SRCU grace period (about 16 ms).
 *
 * *ret_pid gets the shim's pid (a child of the caller, who reaps it);
 * *ret_pidfd (may be NULL) a pidfd of it, or -1 where the kernel has none.
 * Errors carry the errno: JOBLET_E_NOT_FOUND (the program cannot be run),
 * JOBLET_E_IO (shim.log cannot be opened), JOBLET_E_SYSTEM (no process).
 */
JL_API int jl_shim_spawn(const char *state_dir, const char *config_path, enum jl_shim_mode mode,
			 int secrets_fd, int notify_fd, int32_t *ret_pid, int *ret_pidfd,
			 struct joblet_error **err);

/* The fd of a shim's `--notify` pipe (jl_shim_spawn()). */
#define JL_SHIM_NOTIFY_FD 4

/* The fd on which a standby joblet-shim (`--standby`) waits for its job. */
#define JL_SHIM_STANDBY_FD 3

/*
 * A standby joblet-shim (the warm pool, docs/api.md): started as
 * jl_shim_spawn() starts one, with `--standby` instead of a job folder.
 * It loads the configuration and the isolation plugins, then waits on
 * *ret_ctl (the caller's end of a socket pair) for jl_shim_claim().  Its
 * stderr is the caller's until then.  Closing *ret_ctl unclaimed ends it.
 * *ret_pid and *ret_pidfd as for jl_shim_spawn().
 */
JL_API int jl_shim_spawn_standby(const char *config_path, int32_t *ret_pid, int *ret_pidfd,
				 int *ret_ctl, struct joblet_error **err);

/*
 * Hand the job folder state_dir to the standby shim on ctl (borrowed; the
 * caller closes it after), with secrets_fd (-1: none) as its secret env.
 * From then on the standby is the job's shim, exactly as if jl_shim_spawn()
 * had started it for state_dir, with STATE_DIR/shim.log as its stderr.
 * Errors: JOBLET_E_IO (shim.log), JOBLET_E_SYSTEM (the standby is gone:
 * start a shim the usual way instead).
 */
JL_API int jl_shim_claim(int ctl, const char *state_dir, int secrets_fd, struct joblet_error **err);

/*
 * The standby side of jl_shim_claim(): wait on fd for a job.  1 with
 * *ret_dir (a new string), *ret_log (its shim.log) and *ret_secrets (-1:
 * none); 0 when the daemon closed its end without a job; -1 on error.
 */
JL_API int jl_shim_standby_wait(int fd, char **ret_dir, int *ret_log, int *ret_secrets,
				struct joblet_error **err);

/* Remove a job's state folder (log, status, work/): the job must have ended. */
JL_API int jl_job_remove(const char *state_dir, struct joblet_error **err);

/* Ask a running job to stop: the shim signals the job, waits the grace period, kills. */
JL_API int jl_job_stop(const char *state_dir, struct joblet_error **err);

/*
 * The pid of the shim that holds (or last held) the job in state_dir, as it
 * wrote it into the job's lock file.  0, or -1 when no shim ever did.  Only
 * jl_job_running() says whether it still holds it.
 */
JL_API int jl_job_shim_pid(const char *state_dir, int32_t *ret_pid);

/* 1 while the job's shim runs (holds the lock), 0 when it does not. */
JL_API int jl_job_running(const char *state_dir);

/* How a job ended (status.json). */
struct jl_job_status {
	int32_t exited; /* 1: exit_code is valid */
	int32_t exit_code;
	int32_t signal;		 /* the signal that ended it, or 0 */
	int32_t oom;		 /* 1: killed for memory */
	int32_t timeout;	 /* 1: killed at its timeout */
	int32_t stopped;	 /* 1: stopped on request */
	int32_t failed_to_start; /* 1: never ran; see error */
	int32_t reserved;
	uint64_t cpu_usec;
	uint64_t memory_peak_bytes;
	int64_t started_ns; /* CLOCK_REALTIME */
	int64_t ended_ns;
	/* Output past its log's cap (max_log), not in the log. */
	uint64_t log_dropped_bytes;
	char *error; /* why it failed to start or was killed, or NULL */
};

/* Write status.json atomically into state_dir (the shim, once the job ended). */
JL_API int jl_job_status_write(const char *state_dir, const struct jl_job_status *status,
			       struct joblet_error **err);

/* Read status.json.  JOBLET_E_NOT_FOUND while the job has not ended. */
JL_API int jl_job_status_read(const char *state_dir, struct jl_job_status *ret_status,
			      struct joblet_error **err);
JL_API void jl_job_status_done(struct jl_job_status *status);

/*
 * The exit code a command-line tool should report for a status: the job's
 * own exit code, 128+N for signal N, 124 on timeout, 137 when killed (OOM
 * or stopped), 125 when it failed to start.
 */
JL_API int jl_job_status_exit_code(const struct jl_job_status *status);

#endif /* JL_JOB_EXECUTOR_H */
