/*
 * config/config.h - the daemon's joblet.yml.
 *
 * Private tier (base/private.h).  YAML read with libyaml.  Every
 * joblet.yml key has a default, so a missing file (when allowed) or an empty
 * one gives a working configuration.  An unknown key, a value of the wrong
 * type or out of range is an error (JOBLET_E_CONFIG) whose message names the
 * file, the line and the key:
 *
 *	`/etc/joblet/joblet.yml` line 7: `logging.levle` is not a setting
 *	(settings under logging: level); see joblet.yml(5)
 *
 * joblet.yml(5) documents every key.
 */
#ifndef JL_CONFIG_H
#define JL_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "base/private.h"
#include <joblet/error.h>

/* Per-plugin settings (plugins.settings) as read from the file; see below. */
struct jl_config_settings;

/*
 * The daemon configuration.  Owned by whoever loaded it; free with
 * jl_config_free().  Fields may be read directly.  This struct belongs to
 * the libjoblet API, not the plugin ABI (plugins see settings through
 * joblet_plugin_host_setting()).
 */
struct jl_config {
	char *source;	   /* the file read, or NULL when only defaults apply */
	int32_t log_level; /* logging.level (enum joblet_log_level) */
	int32_t reserved;
	char *state_dir;			    /* paths.state_dir */
	char **plugin_dirs;			    /* plugins.dirs, NULL-terminated */
	char *scheduler_policy;			    /* scheduler.policy, a scheduler plugin name */
	struct jl_config_settings *plugin_settings; /* plugins.settings */
	char *runtimes_dir;			    /* runtimes.dir */
	char *default_registry;	 /* runtimes.registry: the registry spec used without --registry */
	char **registry_plugins; /* runtimes.registry_plugins: asked in this order; NULL-terminated
				  */
	int64_t index_ttl_s;	 /* runtimes.index_ttl: how long a fetched index is used as is */
	/* runtimes.allowed_registries: registries a reader may name besides runtimes.registry */
	char **allowed_registries;   /* NULL-terminated, or NULL */
	int64_t index_cache_entries; /* runtimes.index_cache_entries: indexes kept in the cache */
	int64_t index_cache_bytes;   /* runtimes.index_cache_bytes: their bytes together */
	int64_t max_download_bytes;  /* runtimes.max_download_bytes */
	int64_t max_unpacked_bytes;  /* runtimes.max_unpacked_bytes */
	int64_t max_entries;	/* runtimes.max_entries: files, folders and links in a package */
	char *platform;		/* runtimes.platform, or NULL to detect ({os}-{arch}) */
	char **isolation_stack; /* isolation.stack: plugin names, set up in this order */
	/* isolation.uid_range: each running job runs as a uid (and gid) of its own from these. */
	int64_t uid_first, uid_last;
	int64_t grace_period_s;	  /* isolation.grace_period: SIGTERM to SIGKILL */
	int64_t default_max_pids; /* isolation.max_pids: when a job asks for no limit */
	/* The API server (joblet serve). */
	char *server_address; /* server.address: host:port to listen on */
	char *tls_cert;	      /* server.tls.cert: the server's certificate (PEM) */
	char *tls_key;	      /* server.tls.key: its private key (PEM) */
	char *tls_client_ca;  /* server.tls.client_ca: the CA that signs client certificates */
	char *tls_crl;	      /* server.tls.crl: revoked client certificates (PEM CRL), or NULL */
	int32_t tls_min_version; /* server.tls.min_version: 12 or 13 (TLS 1.2 / 1.3) */
	int32_t reserved2;
	int64_t handshake_timeout_s; /* server.handshake_timeout */
	int64_t idle_timeout_s;	 /* server.idle_timeout: a connection without traffic is closed */
	int64_t max_connections; /* server.max_connections: in all (more get 429) */
	int64_t max_connections_per_client; /* server.max_connections_per_client: per address */
	int64_t max_request_bytes;  /* server.max_request_bytes: request bodies (413 beyond) */
	int64_t audit_max_age_s;    /* server.audit_retention.max_age: seconds, -1 = unlimited */
	int64_t audit_max_rows;	    /* server.audit_retention.max_rows: -1 = unlimited */
	int64_t max_buffered_bytes; /* server.max_buffered_bytes: JSON bodies in memory, all */
	int64_t max_uploads_per_identity; /* server.max_uploads_per_identity: bodies in flight */
	int64_t max_streamed_uploads;	  /* server.max_streamed_uploads: multipart bodies */
	char *db_path; /* paths.db: the job store (SQLite), or NULL = STATE_DIR/joblet.db */
	int64_t max_active_jobs; /* jobs.max_active: pending, scheduled and running jobs (429
				    beyond) */
	/* The scheduler's capacity (docs/scheduling.md).  -1 = no limit, 0 = auto. */
	int64_t max_running_jobs; /* scheduler.max_running_jobs: jobs running at once */
	int64_t cpu_budget;	  /* scheduler.cpu_budget: percent of one core; auto = CPUs x 100 */
	int64_t memory_budget;	  /* scheduler.memory_budget: bytes; auto = the host's memory */
	char *pinnable_cores; /* scheduler.cores: cpuset list; NULL = auto (online), "" = none */
	/* Limits of a job that gives none (-1 = none): they count against the budgets too. */
	int64_t default_max_cpu;    /* isolation.max_cpu: percent of one core */
	int64_t default_max_memory; /* isolation.max_memory: bytes */
	int64_t default_max_iobps;  /* isolation.max_iobps: bytes per second */
	int64_t default_max_disk;   /* isolation.max_disk: bytes of /work per job */
	int64_t disk_budget;	    /* scheduler.disk_budget: bytes, the sum of running max_disk */
	int32_t reserve_cores;	    /* scheduler.reserve_cores: other jobs run outside cores */
	int32_t reserved3;
	/* security.secret_key_file: the key of secrets at rest; NULL = secrets.key beside tls_key
	 */
	char *secret_key_file;
	int64_t default_max_log;   /* jobs.max_log: bytes of a job's log when it gives no max_log */
	int64_t default_timeout_s; /* isolation.timeout: a job's wall clock limit; -1 = none */
	/*
	 * isolation.ceiling.*: the most a job may ask for, -1 = unlimited (then
	 * a job may also ask for no limit at all).  job/job_limits.h applies
	 * them with the defaults above.
	 */
	int64_t ceiling_memory;	   /* bytes */
	int64_t ceiling_cpu;	   /* percent of one core */
	int64_t ceiling_iobps;	   /* bytes per second */
	int64_t ceiling_pids;	   /* processes */
	int64_t ceiling_timeout_s; /* seconds */
	int64_t ceiling_disk;	   /* bytes of /work */
	int64_t ceiling_log;	   /* bytes of a job's log (never unlimited) */
	/*
	 * oci.*: what joblet-oci allows beyond its floor (docs/oci.md).  The
	 * daemon reads and ignores them.
	 */
	int32_t oci_allow_host_root;	   /* oci.allow_host_root */
	int32_t oci_allow_hooks;	   /* oci.allow_hooks */
	int32_t oci_allow_host_devices;	   /* oci.allow_host_devices */
	int32_t oci_allow_host_namespaces; /* oci.allow_host_namespaces */
	char **oci_allowed_caps;	   /* oci.allowed_capabilities: CAP_* names, or NULL */
	/* oci.uid_range: host uids (and gids) of containers' user namespaces */
	int64_t oci_uid_first, oci_uid_last;
	int64_t oci_ids_per_container; /* oci.ids_per_container: the size of each one's range */
	/* networks.*: job networks (docs/networks.md). */
	char *net_table;	   /* networks.table: the daemon's nftables table */
	char **net_dns;		   /* networks.dns: IPv4 resolvers; NULL = the host's */
	char *net_bridge_cidr;	   /* networks.bridge.cidr */
	char *net_bridge_device;   /* networks.bridge.device: its Linux bridge */
	char *net_isolated_cidr;   /* networks.isolated.cidr */
	char *net_isolated_device; /* networks.isolated.device */
	/* Result files (/work) of ended jobs (docs/results.md); -1 = unlimited. */
	int64_t keep_results_s; /* jobs.keep_results: seconds after the end */
	int64_t results_memory; /* jobs.results_memory: bytes of kept --max-disk /work */
	/* Metrics over time (docs/metrics.md): the shim samples every job. */
	int64_t metrics_interval_s; /* jobs.metrics_interval: seconds between samples */
	int64_t max_metrics; /* jobs.max_metrics: samples kept per job (then the oldest go) */
	/* jobs.warm_pool: supervisors started ahead, waiting for a job; 0 = none, -1 = auto (2 per
	 * CPU). */
	int64_t warm_pool;
	/* volumes.*: the daemon's volumes (docs/volumes.md). */
	int64_t volumes_max_total;	  /* volumes.max_total: bytes of all filesystem volumes */
	int64_t volumes_max_memory_total; /* volumes.max_memory_total: bytes of all memory ones */
	int64_t volumes_max_per_user; /* volumes.max_per_user: volumes of one owner; -1 unlimited */
	int64_t volumes_max_user_total; /* volumes.max_user_total: their bytes; -1 unlimited */
	int64_t volumes_owner_id;	/* volumes.owner_id: the uid and gid files have on disk */
};

/* The highest uid or gid a job may have ((uid_t)-1 means "unchanged" to the kernel). */
#define JL_UID_MAX INT64_C(4294967294)
/* isolation.uid_range's default: above regular (60000) and dynamic (65519) users, below
 * useradd's subordinate ids (100000) and sssd's id mapping (200000). */
#define JL_UID_RANGE_DEFAULT_FIRST 70000
#define JL_UID_RANGE_DEFAULT_LAST  99999
/* oci.uid_range's default: 16384 ranges of 65536 ids, far above any account or subordinate range.
 */
#define JL_OCI_UID_RANGE_DEFAULT_FIRST INT64_C(1073741824)
#define JL_OCI_UID_RANGE_DEFAULT_LAST  INT64_C(2147483647)
#define JL_OCI_IDS_PER_CONTAINER       65536
/*
 * volumes.owner_id's default: the uid and gid every file of a volume has on
 * disk (each job sees them as its own through an idmapped mount).  Just
 * below isolation.uid_range's default, above Debian's regular (60000) and
 * reserved (65000-65534 is above it, 60000-64999 below) ids: no account.
 */
#define JL_VOLUMES_OWNER_ID_DEFAULT 69999

/* Flags for jl_config_load(). */
#define JL_CONFIG_MISSING_OK (UINT32_C(1) << 0) /* a missing file means defaults */

/* The compiled-in path of joblet.yml ("/etc/joblet/joblet.yml"). Static. */
JL_API const char *jl_config_default_path(void);

/* A configuration holding only the defaults. */
JL_API int jl_config_defaults(struct jl_config **ret_config, struct joblet_error **err);

/*
 * Read path over the defaults.  Errors: JOBLET_E_NOT_FOUND (missing, unless
 * JL_CONFIG_MISSING_OK), JOBLET_E_IO, JOBLET_E_CONFIG (syntax, unknown
 * key, wrong type or value; the message names file, line and key).
 */
JL_API int jl_config_load(const char *path, uint32_t flags, struct jl_config **ret_config,
			  struct joblet_error **err);

JL_API void jl_config_free(struct jl_config *cfg);

/*
 * The setting `key` of plugin `plugin_id` ("kind/name"), or NULL.  Scalars
 * are returned as written in the file.  Borrowed from cfg.
 */
JL_API const char *jl_config_plugin_setting(const struct jl_config *cfg, const char *plugin_id,
					    const char *key);

/* 1 when a and b hold the same plugins.settings (any order of plugins and keys). */
JL_API int jl_config_plugin_settings_equal(const struct jl_config *a, const struct jl_config *b);

/*
 * isolation.uid_range against the host (uid_range.c): a range of 1 to
 * JL_UID_MAX with room for scheduler.max_running_jobs, and no id of it
 * used in etc_dir/passwd, group, subuid or subgid (the user of a
 * subordinate id can run processes as it).  jl_config_load() checks it
 * against /etc.  JOBLET_E_CONFIG naming the id and who has it.
 */
JL_API int jl_config_check_uid_range(const struct jl_config *cfg, const char *etc_dir,
				     struct joblet_error **err);

/* "FIRST-LAST" into its two ids (1 <= FIRST <= LAST <= JL_UID_MAX); -EINVAL else. */
int jl_uid_range_parse(const char *s, int64_t *ret_first, int64_t *ret_last);

/*
 * Inside libjoblet only (hidden): the settings as the loader checks them
 * against each plugin's list and hands them to its init().
 */

/* One `plugins.settings."<id>".<key>: <value>` line. */
struct jl_setting {
	char *key;
	char *value;
	int line;
};

/* The settings of one plugin id. */
struct jl_plugin_settings {
	char *plugin_id; /* "kind/name" */
	int line;
	struct jl_setting *items;
	size_t n_items;
};

struct jl_config_settings {
	char *source; /* file name for messages */
	struct jl_plugin_settings *plugins;
	size_t n_plugins;
};

/* The settings of one plugin, or NULL. */
const struct jl_plugin_settings *jl_config_find_settings(const struct jl_config *cfg,
							 const char *plugin_id);

#endif /* JL_CONFIG_H */
