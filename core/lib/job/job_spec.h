/*
 * job/job_spec.h - what to run: struct jl_job_spec, read from the flags of
 * `rnx job run` / `joblet run-local`, checked against the configuration,
 * and written to and read from spec.json.  One field table (job_schema.h)
 * drives the flags and every JSON view of it.
 *
 * Private tier (base/private.h): for joblet, joblet-shim and rnx.
 */
#ifndef JL_JOB_SPEC_H
#define JL_JOB_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/error.h>
#include <joblet/job.h>

#include "base/private.h"
#include "config/config.h"
#include "job/job_net.h"

/*
 * What to run.  Every field has a default (0/NULL = none or unlimited);
 * jl_job_spec_validate() checks the whole before anything is created.
 * Owned strings; free with jl_job_spec_free().  A member added here gets a
 * row in the table of job_schema.c, or no flag or JSON view knows it.
 */
struct jl_job_spec {
	char *id;		/* UUIDv4; made by jl_job_spec_new() */
	char **argv;		/* the command and its arguments, NULL-terminated */
	char **env;		/* KEY=VALUE set for the job, NULL-terminated */
	int64_t max_cpu;	/* percent of one core (100 = one core); 0 = unlimited */
	int64_t max_memory_mib; /* 0 = unlimited */
	int64_t max_disk_mib;	/* /work's size; 0 = the default (validated: none) */
	int64_t max_iobps;	/* bytes per second, read and write; 0 = unlimited */
	int64_t max_pids;	/* 0 = the configured default */
	int64_t timeout_s;	/* wall clock; 0 = none */
	char *cpu_cores;	/* cpuset list ("0-3,6"), or NULL for any */
	char *runtime;		/* NAME[@VERSION] as given, or NULL */
	char *runtime_dir;	/* the installed runtime it resolved to (set by validate) */
	char **uploads;		/* host files or folders copied into /work, NULL-terminated */
	char *workdir;		/* the job's working folder; NULL = /work */
	int64_t uid, gid;	/* the job's user; -1 until joblet-shim gives it one */
	int32_t network;	/* enum joblet_network_mode; 0 = none */
	int32_t reserved;
	char **secret_env;   /* KEY=VALUE set for the job and never shown (API: `***`) */
	char *name;	     /* a label for people, or NULL */
	int64_t priority;    /* 0..1000, for scheduler policies that use it */
	int64_t schedule_ns; /* CLOCK_REALTIME when to start; 0 = now */
	int64_t cpus;	     /* whole cores the scheduler pins for it alone; 0 = none */
	char *cron;	     /* a 5-field cron expression: a recurring job; or NULL */
	int64_t max_log_mib; /* the job's log at most (MiB); 0 = the configured default */
	/*
	 * The network by name: NULL or "none", "host", "bridge", "isolated" or
	 * a custom network (docs/networks.md).  `network` above is its mode,
	 * set by jl_job_spec_validate().
	 */
	char *network_name;
	char **allow;	     /* CIDR[:PORT[-PORT]] the job may reach; NULL = the network's */
	int64_t max_net_bps; /* bytes per second it may send; 0 = unlimited */
	/*
	 * Its place on a network (job/job_net.h), or NULL: set by the daemon
	 * when it leases the address; spec.json only ("net"), not a flag.
	 */
	struct jl_job_net *net;
	char **volumes; /* NAME or NAME:ro (--volume), NULL-terminated */
	/* The host folder of each of volumes, in order (spec.json only: the daemon resolves them)
	 */
	char **volume_paths;
};

/*
 * A limit (max_cpu, max_memory_mib, max_iobps, max_pids, timeout_s) before
 * jl_job_spec_validate() is 0 when the job gave none (the configured
 * default applies) or JL_JOB_LIMIT_UNLIMITED when it asked for no limit at
 * all (the flags' word `unlimited`, -1 in the API; allowed only under a
 * ceiling of `unlimited`).  After it, 0 means unlimited, as in answers,
 * spec.json and <joblet/job.h>.
 */
#define JL_JOB_LIMIT_UNLIMITED (-1)

/* The most processes a job may ever have, whatever isolation.ceiling.pids says. */
#define JL_JOB_MAX_PIDS 32768

/*
 * Give every limit of s its value (job_limits.c, one row per limit): the
 * default where it gave none, then refuse (JOBLET_E_INVALID, HTTP 400) a
 * value above its ceiling (isolation.ceiling.*), or a request for no limit
 * under a finite ceiling, with a message naming the ceiling.  Unlimited
 * becomes 0.  A step of jl_job_spec_validate().
 */
int jl_job_limits_apply(const struct jl_config *cfg, struct jl_job_spec *s,
			struct joblet_error **err);

/*
 * The mode of a network name: NULL and "none" JOBLET_NETWORK_NONE, "host"
 * JOBLET_NETWORK_HOST, any other (a network) JOBLET_NETWORK_BRIDGE.
 */
JL_API int32_t jl_job_network_mode(const char *name);

/* 1 when name may name a network: 1 to 63 of a-z, A-Z, 0-9, -, _. */
JL_API int jl_network_name_valid(const char *name);

/* A new empty spec with a fresh id. */
JL_API int jl_job_spec_new(struct jl_job_spec **ret_spec, struct joblet_error **err);
JL_API void jl_job_spec_free(struct jl_job_spec *spec);

/*
 * Parse the flags of `rnx job run` / `joblet run-local` into spec:
 *   --max-cpu=PCT --max-memory=MIB --max-iobps=BPS --cpu-cores=SPEC
 *   --max-pids=N --max-log=MIB --timeout=DUR --runtime=NAME[@VER] -e|--env K=V
 *   -s|--secret-env K=V --upload=PATH --workdir=DIR --network=none|host|bridge|isolated|NAME
 *   --allow=CIDR[:PORT[-PORT]] --max-net=BPS
 *   --schedule=WHEN (see jl_schedule_parse) --priority=N --name=NAME
 *   --cpus=N --cron=EXPR --volume=NAME[:ro]
 * Flags end at `--` or at the first word that is not a flag; the rest is
 * the command.  *ret_consumed (may be NULL) says how many words were read.
 * Errors: JOBLET_E_INVALID naming the flag and what it accepts.
 */
JL_API int jl_job_spec_parse_args(struct jl_job_spec *spec, int argc, char **argv,
				  int *ret_consumed, struct joblet_error **err);

/*
 * 1 when arg is one of the job flags above given without `=VALUE`, so the
 * next word is its value (for callers that pick out flags of their own).
 */
JL_API int jl_job_spec_flag_takes_value(const char *arg);

/* Replace the string *slot with a copy of v (the old one freed); errors JOBLET_E_NOMEM. */
int jl_job_spec_set_str(char **slot, const char *v, struct joblet_error **err);

/*
 * Check a spec against the configuration and this host, and fill in the
 * defaults: refuses negative or absurd limits, a cpuset naming CPUs the host
 * lacks, an unknown runtime (and resolves a known one: no version = the
 * highest installed), a relative or `..` working folder, env names that are
 * not identifiers, uploads that do not exist.  Nothing is created.  Errors:
 * JOBLET_E_INVALID or JOBLET_E_NOT_FOUND naming the field.
 */
JL_API int jl_job_spec_validate(const struct jl_config *cfg, struct jl_job_spec *spec,
				struct joblet_error **err);

/*
 * The spec as spec.json, and back: the keys of the API (job_schema.h) and
 * the fields only the file has (id, uid, gid, runtime_path), secret names
 * with the value `***` (their values reach the shim in memory:
 * job/job_secrets.h).  Reading also takes the
 * keys of an earlier release (argv, max_memory_mib, timeout_s, schedule_ns,
 * runtime_dir, env as KEY=VALUE arrays), so a job made before an upgrade
 * still starts after it.  Errors: JOBLET_E_PARSE, JOBLET_E_NOMEM.
 */
JL_API int jl_job_spec_to_json(const struct jl_job_spec *spec, char **ret_json,
			       struct joblet_error **err);
JL_API int jl_job_spec_from_json(const char *json, struct jl_job_spec **ret_spec,
				 struct joblet_error **err);

#endif /* JL_JOB_SPEC_H */
