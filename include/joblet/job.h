/*
 * joblet/job.h - what an isolation plugin may ask about the job it confines.
 *
 * Part of the joblet SDK.  A read-only view: accessors only, all borrowed
 * and valid for the life of the job, safe in every hook (also in the child).
 * How the hooks are called, and the few calls a layer makes to shape the
 * job's start, are in <joblet/isolation.h>.
 */
#ifndef JOBLET_JOB_H
#define JOBLET_JOB_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/common.h>
#include <joblet/error.h>

JOBLET_BEGIN_DECLS

enum joblet_network_mode {
	JOBLET_NETWORK_NONE = 1,  /* a network namespace with loopback only (default) */
	JOBLET_NETWORK_HOST = 2,  /* the host's network */
	JOBLET_NETWORK_BRIDGE = 3 /* its own interface on a network: joblet_job_net() (ABI 2.2) */
};

/* The executor's view of one job.  Opaque; owned by the shim. */
struct joblet_job;

/*
 * What a plugin may ask about the job (all borrowed, valid for the life of
 * the job; safe in every hook, also in the child).
 */

/* The job's id (a UUID) and its first 8 characters. */
JOBLET_API const char *joblet_job_id(const struct joblet_job *job);
JOBLET_API const char *joblet_job_short_id(const struct joblet_job *job);

/*
 * An empty folder in the state folder where the job's root may be built
 * (STATE_DIR/jobs/ID/root), and the host folder that is the job's /work.
 */
JOBLET_API const char *joblet_job_root_dir(const struct joblet_job *job);
JOBLET_API const char *joblet_job_work_dir(const struct joblet_job *job);

/*
 * A folder (STATE_DIR/cache, root's, mode 0700; it may not exist yet) where
 * a plugin may keep what it derives from its settings and this host, for
 * the next jobs (a compiled filter, say); file names should start with the
 * plugin's name.  NULL when there is none: work without a cache then.
 */
JOBLET_API const char *joblet_job_cache_dir(const struct joblet_job *job);

/* Limits of the spec; 0 means unlimited (pids: the configured default applied). */
enum joblet_job_limit {
	JOBLET_LIMIT_CPU_PERCENT = 1, /* percent of one core */
	JOBLET_LIMIT_MEMORY_MIB = 2,
	JOBLET_LIMIT_IO_BPS = 3, /* bytes per second, read and write */
	JOBLET_LIMIT_PIDS = 4,
	JOBLET_LIMIT_TIMEOUT_S = 5,
	JOBLET_LIMIT_DISK_MIB = 6 /* the size of /work; 0 = none (since ABI 2.1) */
};
JOBLET_API int64_t joblet_job_limit(const struct joblet_job *job, int32_t which);

/* The cpuset the job is pinned to ("0-3,6"), or NULL. */
JOBLET_API const char *joblet_job_cpus(const struct joblet_job *job);

/* The user the job runs as. */
JOBLET_API uint32_t joblet_job_uid(const struct joblet_job *job);
JOBLET_API uint32_t joblet_job_gid(const struct joblet_job *job);

/* enum joblet_network_mode (<joblet/job.h>). */
JOBLET_API int32_t joblet_job_network(const struct joblet_job *job);

/*
 * Since ABI 2.2.  The job's place on a network, when joblet_job_network()
 * is JOBLET_NETWORK_BRIDGE (the daemon leased its address); NULL
 * otherwise.  Addresses are IPv4 text; allow entries CIDR[:PORT[-PORT]]
 * (TCP and UDP; none = every destination the network does not deny).
 */
struct joblet_job_net {
	uint32_t size;		/* sizeof(struct joblet_job_net) */
	const char *network;	/* the network's name ("bridge", "isolated", custom) */
	const char *bridge;	/* its bridge device */
	const char *table;	/* the daemon's nftables table */
	const char *address;	/* the job's address and prefix, "172.20.0.5/16" */
	const char *gateway;	/* "172.20.0.1" */
	int32_t isolated_ports; /* 1: jobs on this network cannot reach each other */
	size_t n_allow;
	const char *const *allow; /* the egress allow-list */
	size_t n_dns;
	const char *const *dns; /* resolvers the job may use (port 53) */
	int64_t max_net_bps;	/* bytes per second the job may send; 0 = unlimited */
};
JOBLET_API const struct joblet_job_net *joblet_job_net(const struct joblet_job *job);

/* The job's working folder inside the job ("/work" unless the spec says). */
JOBLET_API const char *joblet_job_workdir(const struct joblet_job *job);

/*
 * The runtime the job uses: its installed folder, or NULL for none, and its
 * mounts (source relative to that folder, absolute target, read-only flag).
 * Returns the number of mounts; *ret_* of mount i via joblet_job_runtime_mount().
 */
JOBLET_API const char *joblet_job_runtime_dir(const struct joblet_job *job);
JOBLET_API size_t joblet_job_runtime_mount_count(const struct joblet_job *job);
JOBLET_API int joblet_job_runtime_mount(const struct joblet_job *job, size_t i,
					const char **ret_source, const char **ret_target,
					int32_t *ret_readonly);

/*
 * The volumes the job mounts (since ABI 2.2): the daemon's named, persistent
 * folders (docs/volumes.md), to be mounted at /volumes/NAME.  Returns the
 * number of them; joblet_job_volume() gives volume i: its name (letters,
 * digits, `-`, `_`), the host folder to mount (the volume's filesystem root:
 * a mount point, owned on disk by volumes.owner_id) and whether the job may
 * only read it.  0, or -1 when i is out of range.
 */
JOBLET_API size_t joblet_job_volume_count(const struct joblet_job *job);
JOBLET_API int joblet_job_volume(const struct joblet_job *job, size_t i, const char **ret_name,
				 const char **ret_source, int32_t *ret_readonly);

JOBLET_END_DECLS

#endif /* JOBLET_JOB_H */
