/*
 * store.h - the daemon's job store: SQLite in WAL mode (paths.db).
 *
 * Tables: jobs (one row per job: spec without secret values, owner, state,
 * times, how it ended), events (every state change of every job) and
 * audit (every mutating API call: who, with which certificate and role,
 * what, and the answer).  The schema carries its version in
 * PRAGMA user_version and is migrated forward at open; a database written
 * by a newer joblet is refused rather than damaged.
 *
 * Thread safety: every function may be called from any thread; one
 * connection is shared under a mutex.
 */
#ifndef JOBLET_DAEMON_STORE_H
#define JOBLET_DAEMON_STORE_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/error.h>

/* The schema this joblet writes. */
#define STORE_SCHEMA_VERSION 4

enum job_state {
	JOB_PENDING = 1,   /* waiting for the scheduler */
	JOB_SCHEDULED = 2, /* waiting for its start time */
	JOB_RUNNING = 3,
	JOB_COMPLETED = 4, /* exit 0 */
	JOB_FAILED = 5,	   /* non-zero exit, a signal, or it could not start */
	JOB_STOPPED = 6,   /* stopped on request */
	JOB_CANCELED = 7,  /* canceled before it started */
	JOB_TIMEOUT = 8,   /* killed at its timeout */
	JOB_OOM_KILLED = 9 /* killed for memory */
};

/* "PENDING", ...; NULL for an unknown state. */
const char *job_state_name(int32_t state);
/* The state named (any case), or 0. */
int32_t job_state_parse(const char *name);
/* 1 for the states a job never leaves. */
int job_state_final(int32_t state);

/* One row of the jobs table.  Strings are owned; free with job_record_done(). */
struct job_record {
	char id[37];
	int64_t seq;	    /* submission order, from 1 */
	char *name;	    /* or NULL */
	char *owner;	    /* the client certificate's CN */
	char *owner_serial; /* its serial, hex */
	char *owner_role;   /* the role it acted with */
	int32_t state;	    /* enum job_state */
	int32_t shim_pid;   /* while RUNNING */
	char *spec_json;    /* the public spec (secret values as "***") */
	char *command;	    /* the command line, for listings */
	int64_t priority;
	int64_t created_ns;
	int64_t scheduled_ns;  /* when due, or 0 */
	int64_t started_ns;    /* 0 until it ran */
	int64_t ended_ns;      /* 0 until it ended */
	int32_t has_exit_code; /* 1: exit_code is valid */
	int32_t exit_code;
	int32_t signal; /* the signal that ended it, or 0 */
	int32_t reserved;
	char *reason; /* why it failed, was stopped, ...; or NULL */
	int64_t cpu_usec;
	int64_t memory_peak_bytes;
	char *cron;	 /* a recurring job's expression, or NULL */
	char parent[37]; /* the recurring job that made this one, or "" */
	char cores[256]; /* the cores it holds alone (--cpus), or "" */
	int64_t runs;	 /* a recurring job: how many jobs it has made */
	/* Output dropped past its log's cap (max_log). */
	int64_t log_dropped_bytes;
};

void job_record_done(struct job_record *r);

struct store;

/* Open (creating and migrating) the database at path. */
int store_open(const char *path, struct store **ret, struct joblet_error **err);
void store_close(struct store *s);

/* Insert a new job (all of r), with an event for its first state. */
int store_job_insert(struct store *s, const struct job_record *r, struct joblet_error **err);

/*
 * Write r's state, shim pid, times, exit, reason and usage over the row
 * with r->id, and record the state change as an event.
 * JOBLET_E_NOT_FOUND when the row is gone.
 */
int store_job_update(struct store *s, const struct job_record *r, struct joblet_error **err);

/*
 * A recurring job fired: update its record (next time, runs) and insert
 * the job it made, in one transaction, so a crash never fires it twice.
 */
int store_cron_fire(struct store *s, const struct job_record *cron, const struct job_record *child,
		    struct joblet_error **err);

/* The row of id into *ret.  JOBLET_E_NOT_FOUND when there is none. */
int store_job_get(struct store *s, const char *id, struct job_record *ret,
		  struct joblet_error **err);

/*
 * The id of the only job whose id starts with prefix (a whole id works
 * too), among the jobs of owner (a certificate CN; NULL: every job), so
 * another owner's job is never found, named or counted.
 * JOBLET_E_INVALID for a prefix that cannot be part of an id,
 * JOBLET_E_NOT_FOUND for none, JOBLET_E_CONFLICT naming the first matches
 * when several jobs share it.
 */
int store_job_resolve(struct store *s, const char *prefix, const char *owner, char ret_id[37],
		      struct joblet_error **err);

/*
 * Every job (state 0) or those in one state, in submission order: fn is
 * called for each; a non-zero return stops the walk and is returned.
 */
int store_job_foreach(struct store *s, int32_t state,
		      int (*fn)(const struct job_record *r, void *userdata), void *userdata,
		      struct joblet_error **err);

/* Remove the row of id and its events. */
int store_job_delete(struct store *s, const char *id, struct joblet_error **err);

/* The highest seq in the table (0 when empty). */
int store_job_max_seq(struct store *s, int64_t *ret, struct joblet_error **err);

/* How many jobs are in each state: counts[state] for state 1..9 (counts has 10 slots). */
int store_job_counts(struct store *s, int64_t counts[10], struct joblet_error **err);

/* The state changes of a job, oldest first. */
struct job_event {
	int64_t ts_ns;
	int32_t state;
	int32_t reserved;
	char *reason; /* owned, or NULL */
};
int store_job_events(struct store *s, const char *id, struct job_event **ret, size_t *ret_n,
		     struct joblet_error **err);
void job_events_free(struct job_event *ev, size_t n);

/* One audit row. */
struct audit_entry {
	const char *cn, *serial, *role; /* of the client certificate */
	const char *method, *path;	/* the request */
	const char *target;		/* the job id or runtime it acted on, or NULL */
	int32_t status;			/* the HTTP status answered */
	int32_t reserved;
	const char *message; /* the error message, or NULL */
};
int store_audit(struct store *s, const struct audit_entry *a, struct joblet_error **err);

/*
 * Keep at most max_rows audit rows and none older than max_age_s seconds
 * (-1: no such limit; both -1 until this is called).  Prunes now, adding the
 * rows removed to *ret_pruned (may be NULL); then store_audit() keeps the
 * rows within max_rows at every write, and prunes by age every 256 writes
 * or once an hour.
 */
int store_audit_retention(struct store *s, int64_t max_age_s, int64_t max_rows, int64_t *ret_pruned,
			  struct joblet_error **err);

/* The newest audit rows, newest first, as a JSON array (new string). */
int store_audit_json(struct store *s, int64_t limit, char **ret_json, struct joblet_error **err);

/*
 * Job networks (docs/networks.md): one row per network, built-in or made
 * by a user, and one lease per running job on one: the address it holds.
 */
struct net_record {
	char *name;		/* owned */
	char *cidr;		/* "172.20.0.0/16" */
	char *bridge;		/* its Linux bridge */
	char *owner;		/* the certificate CN that made it; NULL for a built-in */
	char *allow_json;	/* its default allow-list, a JSON array of strings */
	int32_t builtin;	/* 1: bridge or isolated, from joblet.yml */
	int32_t isolated_ports; /* 1: its jobs cannot reach each other */
	int64_t created_ns;
};
void net_record_done(struct net_record *n);

/*
 * Record a network.  A custom one whose name or bridge is taken:
 * JOBLET_E_EXISTS.  A built-in (builtin 1) is written over its row.
 */
int store_network_put(struct store *s, const struct net_record *n, struct joblet_error **err);
/* The network name into *ret.  JOBLET_E_NOT_FOUND when there is none. */
int store_network_get(struct store *s, const char *name, struct net_record *ret,
		      struct joblet_error **err);
/* Every network, the built-ins first then by name; a non-zero return of fn stops the walk. */
int store_network_foreach(struct store *s, int (*fn)(const struct net_record *n, void *userdata),
			  void *userdata, struct joblet_error **err);
/* How many jobs wait or run on network name. */
int store_network_users(struct store *s, const char *name, int64_t *ret_count,
			struct joblet_error **err);
/*
 * Remove custom network name, in one transaction with the check that no job
 * waits or runs on it (JOBLET_E_CONFLICT naming the first).  A built-in or
 * none: JOBLET_E_NOT_FOUND.
 */
int store_network_delete(struct store *s, const char *name, struct joblet_error **err);

/*
 * The lowest address of first..last (host order) no job holds on network,
 * leased to job_id, in one transaction; the one it holds already when it
 * has one.  JOBLET_E_BUSY when every address is held.
 */
int store_lease_take(struct store *s, const char *network, uint32_t first, uint32_t last,
		     const char *job_id, uint32_t *ret_address, struct joblet_error **err);
/* The job's address is free again (none held is success). */
int store_lease_release(struct store *s, const char *job_id, struct joblet_error **err);
/* Free the addresses of every job that is not RUNNING (after a crash); how many, in *ret_freed. */
int store_lease_reclaim(struct store *s, int64_t *ret_freed, struct joblet_error **err);
/* The ids of the jobs that hold an address, NULL-terminated (free with jl_strv_free()). */
int store_lease_jobs(struct store *s, char ***ret_ids, struct joblet_error **err);

/*
 * Volumes (docs/volumes.md; volumes.c mounts them): one row each, in a
 * table of its own made at open when missing (CREATE TABLE IF NOT EXISTS:
 * a database of an earlier release gains it, which that release ignores).
 */
struct volume_record {
	char name[64];	    /* letters, digits, - and _ (job/volume_ref.h) */
	char type[16];	    /* "filesystem" or "memory" */
	int64_t size_bytes; /* its quota */
	char *owner;	    /* the creator's certificate CN (owned) */
	int64_t created_ns;
};

void volume_record_done(struct volume_record *v);

/* Insert v.  JOBLET_E_EXISTS when a volume has its name. */
int store_volume_insert(struct store *s, const struct volume_record *v, struct joblet_error **err);
/* The row of name into *ret.  JOBLET_E_NOT_FOUND when there is none. */
int store_volume_get(struct store *s, const char *name, struct volume_record *ret,
		     struct joblet_error **err);
/* Remove the row of name (none: 0). */
int store_volume_delete(struct store *s, const char *name, struct joblet_error **err);
/* Every volume, by name: fn for each; a non-zero return stops the walk and is returned. */
int store_volume_foreach(struct store *s, int (*fn)(const struct volume_record *v, void *userdata),
			 void *userdata, struct joblet_error **err);

#endif /* JOBLET_DAEMON_STORE_H */
