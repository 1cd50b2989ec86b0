/*
 * shim.h - what the files of joblet-shim share (see README.md).
 *
 *   shim.c        main: command line, configuration, plugins
 *   supervisor.c  one job from start to end (shim_supervise), as named steps
 *   child.c       the job's first process until it forks the command
 *   init.c        then the job's init: forwards signals, reaps, exits as the job did
 *   reap.c        `--reap`: clean up after a shim that died (shim_reap)
 *   stack.c       the isolation stack: its layers' hooks, in order
 *   lock.c        the job's lock file: who holds the job
 *   uid.c         the job's own uid: a lock per uid of isolation.uid_range
 */
#ifndef JL_SHIM_H
#define JL_SHIM_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <joblet/error.h>
#include <joblet/isolation.h>
#include <joblet/job.h>

#include "config/config.h"
#include "plugin/loader.h"

/* ------------------------------------------------------------------ supervisor.c, reap.c */

/*
 * Supervise the job in state_dir from start to end: take its lock, set up
 * the isolation stack of cfg->isolation_stack, start the job, write what it
 * prints to the log, enforce its timeout, stop it on SIGTERM/SIGINT, record
 * how it ended in status.json and tear the stack down.  Returns 0 once
 * status.json is written (whatever the job did, also when it could not
 * start); negative only when not even that was possible (the lock is held:
 * JOBLET_E_BUSY).  Blocks SIGCHLD, SIGTERM, SIGINT and SIGHUP (read from a
 * signalfd) and ignores SIGPIPE for the rest of the process.  secret_env
 * (owned; NULL = none handed over) holds the values of the job's secret
 * env; the job's encrypted copy (secrets.enc) is removed once it started.
 * notify_fd (-1 = none; `--notify`) gets a byte, never blocking, whenever
 * the log grew.
 */
int shim_supervise(const struct jl_config *cfg, const struct jl_plugin_set *set,
		   const char *state_dir, char **secret_env, int notify_fd,
		   struct joblet_error **err);

/*
 * `--reap`: the supervisor of the job in state_dir died without cleaning
 * up.  With the job's lock held (JOBLET_E_BUSY when a live shim holds it),
 * unmount what of the job is mounted here, kill its first process if it
 * still is the one the lock file names, and call each isolation layer's
 * reap() in reverse order (kills what is left, removes its cgroups).
 */
int shim_reap(const struct jl_config *cfg, const struct jl_plugin_set *set, const char *state_dir,
	      struct joblet_error **err);

/* ------------------------------------------------------------------ stack.c */

#define SHIM_MAX_LAYERS 16

struct shim_layer {
	const struct joblet_plugin *plugin; /* borrowed from the plugin set */
	void *state;			    /* the plugin's, from prepare() */
	bool prepared;			    /* cleanup() is owed */
};

struct shim_stack {
	struct shim_layer layers[SHIM_MAX_LAYERS];
	size_t n;
};

/* cfg->isolation_stack as layers (jl_isolation_stack_resolve). */
int shim_stack_resolve(const struct jl_config *cfg, const struct jl_plugin_set *set,
		       struct shim_stack *st, struct joblet_error **err);
/* prepare() of each layer in order; the error names the layer. */
int shim_stack_prepare(struct shim_stack *st, struct joblet_job *job, struct joblet_error **err);
/* attach() of each layer in order; the error names the layer. */
int shim_stack_attach(struct shim_stack *st, struct joblet_job *job, pid_t pid,
		      struct joblet_error **err);
/* In the child: child() of each layer in order; the error names the layer. */
int shim_stack_child(struct shim_stack *st, struct joblet_job *job, struct joblet_error **err);
/* stats() of each layer into *usage; failures are left out (the next tick tries again). */
void shim_stack_stats(struct shim_stack *st, struct joblet_job *job,
		      struct joblet_job_usage *usage);
/* Whether a layer can signal every process of the job (kill). */
bool shim_stack_can_kill(const struct shim_stack *st);
/* Signal every process of the job: the first layer that can, else pidfd (when >= 0). */
void shim_stack_kill(struct shim_stack *st, struct joblet_job *job, int pidfd, int sig);
/* finish() of each layer in reverse order into *usage; failures are logged. */
void shim_stack_finish(struct shim_stack *st, struct joblet_job *job,
		       struct joblet_job_usage *usage);
/* cleanup() of each prepared layer, in reverse order. */
void shim_stack_cleanup(struct shim_stack *st, struct joblet_job *job);
/* reap() of each layer in reverse order; failures are logged.  The number that failed. */
int shim_stack_reap(struct shim_stack *st, struct joblet_job *job);

/* ------------------------------------------------------------------ child.c */

/* What the job's first process starts from (all fds are the child's ends). */
struct shim_child {
	struct shim_stack *stack;
	struct joblet_job *job;
	struct stat host_root; /* "/" of the shim: tells whether a layer gave the job a root */
	int out_fd, err_fd;    /* the write ends of the job's stdout and stderr pipes */
	int sync_fd;	       /* read end: one byte once the supervisor placed the process */
	int report_fd;	       /* write end, close-on-exec: why the job could not start */
	int status_fd;	       /* write end: init writes the job's wait status (an int) */
	bool signals_all;      /* the supervisor signals every process itself (a layer can) */
};

/*
 * The job's first process, right after clone(): set up, wait to be
 * released, run the layers' child hooks, become the job's user, fork the
 * job's command and stay as its init.  Never returns: a failure is written
 * to report_fd, then _exit.
 */
__attribute__((noreturn)) void shim_child_main(const struct shim_child *c);

/* ------------------------------------------------------------------ init.c */

/*
 * The parent-death signal of init when the job has no pid namespace of its
 * own: init catches it and kills the job's process group, which no kernel
 * does for it there.  (As PID 1 it is SIGKILL: the namespace goes with it.)
 */
#define SHIM_INIT_PARENT_GONE SIGPWR

/* The signals init waits for: those it forwards, SIGCHLD and SHIM_INIT_PARENT_GONE. */
void shim_init_signals(sigset_t *ret_set);

/*
 * What /proc/1/cmdline and comm show of init: "joblet-init", no host path.
 * Called before the job's command is forked, so the job never sees more.
 */
void shim_init_name(void);

/*
 * The job's init (its PID 1 when the job has a pid namespace), with its
 * command forked as job (in the process group job) and the signals of set
 * blocked: closes every fd but status_fd, forwards SIGTERM, SIGINT, SIGHUP,
 * SIGQUIT, SIGUSR1 and SIGUSR2 to the job's process group, reaps every
 * process that ends (a signal from the supervisor only when signals_all is
 * false: else it signalled every process itself).  When job ends, writes its wait status to
 * status_fd and exits with its exit code (or 128 + its signal), which ends whatever is left in the
 * pid namespace.
 */
__attribute__((noreturn)) void shim_init_main(pid_t job, int status_fd, const sigset_t *set,
					      bool signals_all);

/* ------------------------------------------------------------------ uid.c */

/*
 * Give the job a uid and gid of its own (the same number): the lowest of
 * cfg's isolation.uid_range whose lock in /run/joblet/uids no one holds,
 * locked; its fd (close-on-exec) in *ret_fd, to keep open until nothing
 * of the job is left.  Then STATE/jobs/ID/work and everything in it
 * become the job's (no link followed).  Without root: the caller's uid,
 * no lock (*ret_fd -1).  JOBLET_E_LIMIT when every uid is held.
 */
int shim_uid_take(const struct jl_config *cfg, struct joblet_job *job, int *ret_fd,
		  struct joblet_error **err);

/* ------------------------------------------------------------------ lock.c */

/*
 * The lock file's line, which jl_job_shim_pid() and `--reap` read: "SHIM"
 * while the job has no process yet, then "SHIM JOB STARTTIME".
 */
void shim_lock_note(int lock_fd, pid_t shim, pid_t job);

/*
 * The job's first process as the lock file in state_dir names it, when it
 * still is that process (same start time): its pid, else 0.
 */
pid_t shim_lock_job_process(const char *state_dir);

#endif /* JL_SHIM_H */
