/*
 * joblet/isolation.h - isolation plugins: the layers that confine a job.
 *
 * Part of the joblet SDK.  The configured isolation plugins form a stack
 * (for example namespaces, rootfs, cgroup2, seccomp).  joblet-shim, the
 * per-job supervisor, runs the hooks in stack order and tears down in
 * reverse order:
 *
 *   shim:  prepare (each plugin, in order)
 *          clone() the job with the flags the stack asked for
 *   shim:  attach (child pid known; the child waits until every attach ran)
 *   child: the cgroup namespace (if asked for; see
 *          joblet_job_place_in_child), then child (inside the new
 *          namespaces, in order, as root), then the
 *          shim's own last steps: rlimits, no_new_privs, setgroups and
 *          setresgid/setresuid to the job's user, all capability sets
 *          emptied, every fd above 2 closed, the job's exact environment,
 *          chdir to its working folder, execve.  A filter a child hook
 *          installs (seccomp) must allow those.
 *   shim:  stats (any time while the job runs), kill (to stop it)
 *   shim:  finish (the job's last process has ended), in reverse order
 *   shim:  cleanup, in reverse order, for every plugin whose prepare ran,
 *          also when a later step failed
 *
 * The shim is single-threaded, so hooks need not be thread-safe.  A hook
 * that fails makes the job fail to start (or, for finish, records the
 * error) with the hook's message; the job is never started with a layer
 * silently missing.
 */
#ifndef JOBLET_ISOLATION_H
#define JOBLET_ISOLATION_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/common.h>
#include <joblet/error.h>
#include <joblet/job.h>
#include <joblet/plugin.h>

JOBLET_BEGIN_DECLS

/*
 * In prepare(): namespace flags (CLONE_NEW*) the job's first process must
 * be created with.  The flags of every plugin are combined.  All are given
 * to clone() except CLONE_NEWCGROUP: the shim makes the cgroup namespace
 * with unshare() in the child, before the first child hook, so its root is
 * the cgroup the process was created in (or moved to by attach()) - or,
 * when a layer moves the process itself in child() (see below), as soon as
 * that layer says it is done.
 */
JOBLET_API void joblet_job_request_clone_flags(struct joblet_job *job, uint64_t flags);

/*
 * For a layer that moves the job's first process into its cgroups from
 * child() rather than from attach() (cgroup v1: a process moving itself
 * skips a lock that costs an RCU grace period).  In prepare(): announce it;
 * the shim then defers the cgroup namespace.  In child(), once placed:
 * joblet_job_child_placed() makes the cgroup namespace at once, rooted at
 * the new cgroup (before later layers, such as a seccomp filter, run).
 */
JOBLET_API void joblet_job_place_in_child(struct joblet_job *job);
JOBLET_API int joblet_job_child_placed(struct joblet_job *job, struct joblet_error **err);

/*
 * In prepare() of a cgroup v2 plugin: an O_DIRECTORY fd of the job's
 * cgroup, so the shim creates the first process inside it
 * (clone3 CLONE_INTO_CGROUP).  The job takes ownership of fd.  When the
 * shim cannot use it, attach() must move the process instead; it can tell
 * by joblet_job_cloned_into_cgroup().
 */
JOBLET_API void joblet_job_set_cgroup_fd(struct joblet_job *job, int fd);
JOBLET_API int joblet_job_cloned_into_cgroup(const struct joblet_job *job);

/* Resource usage of a job, as far as a plugin can tell; unknown fields stay 0. */
struct joblet_job_usage {
	uint32_t size;
	/*
	 * 1 when the job met its memory limit (the kernel killed a process of
	 * it, or it waits at the limit).  Reported by stats() while the job
	 * runs, the shim kills the whole job at once: it ends OOM_KILLED.
	 */
	int32_t oom_killed;
	uint64_t cpu_usec;	    /* CPU time, user + system */
	uint64_t memory_peak_bytes; /* highest memory use seen */
	uint64_t memory_bytes;	    /* memory use now */
	uint64_t io_read_bytes;
	uint64_t io_write_bytes;
	uint64_t pids; /* processes now */
	/* Since ABI 2.2 (size tells): bytes the job's network interface received and sent. */
	uint64_t net_rx_bytes;
	uint64_t net_tx_bytes;
};

struct joblet_isolation_ops {
	uint32_t size; /* sizeof(struct joblet_isolation_ops) */

	/*
	 * OPTIONAL.  Can this host use the plugin?  0 = yes; negative with
	 * *err saying what is missing (JOBLET_E_UNSUPPORTED).  Called by
	 * `joblet check` and once before the first job; no side effects.
	 */
	int (*probe)(struct joblet_error **err);

	/*
	 * REQUIRED.  In the shim, before clone(): create what the job needs
	 * (a cgroup, limits).  *ret_state receives per-job state the plugin
	 * owns, handed to every later hook of this job (may stay NULL).
	 */
	int (*prepare)(struct joblet_job *job, void **ret_state, struct joblet_error **err);

	/*
	 * OPTIONAL.  In the shim after clone(); pid is the job's first process
	 * in the host PID namespace.  It has not run job code yet.
	 */
	int (*attach)(struct joblet_job *job, void *state, int32_t pid, struct joblet_error **err);

	/*
	 * OPTIONAL.  In the job's first process, inside its namespaces, before
	 * the command is exec'd.  An error here ends the job before any job
	 * code runs.
	 */
	int (*child)(struct joblet_job *job, void *state, struct joblet_error **err);

	/*
	 * OPTIONAL.  Fill *usage with what this plugin measures.  Called about
	 * once a second while the job runs; oom_killed set here ends the job.
	 */
	int (*stats)(struct joblet_job *job, void *state, struct joblet_job_usage *usage,
		     struct joblet_error **err);

	/*
	 * OPTIONAL.  Deliver signal sig to every process of the job (including
	 * ones that left the first process's tree).  The shim uses the first
	 * plugin in the stack that has this hook.
	 */
	int (*kill)(struct joblet_job *job, void *state, int32_t sig, struct joblet_error **err);

	/* OPTIONAL.  The job has ended: add final figures (OOM, peaks) to *usage. */
	int (*finish)(struct joblet_job *job, void *state, struct joblet_job_usage *usage,
		      struct joblet_error **err);

	/*
	 * REQUIRED.  Release everything prepare() made.  Called once per
	 * successful prepare(), also when the job never started.  Must not
	 * fail; log what could not be removed (the daemon sweeps leftovers).
	 */
	void (*cleanup)(struct joblet_job *job, void *state);

	/*
	 * OPTIONAL.  The job's supervisor died without cleaning up
	 * (killed, or the machine's OOM killer): kill whatever is left of the
	 * job and remove what prepare() would have made for it (its cgroups),
	 * knowing only the job (no state).  Called by `joblet-shim --reap`,
	 * which the daemon runs for such a job.  Finding nothing is success.
	 */
	int (*reap)(struct joblet_job *job, struct joblet_error **err);
};

JOBLET_END_DECLS

#endif /* JOBLET_ISOLATION_H */
