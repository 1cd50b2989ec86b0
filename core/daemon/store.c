/*
 * store.c - the job store on SQLite (see store.h).
 *
 * WAL mode with synchronous=NORMAL: a commit survives a crash of the
 * daemon (the kill -9 the restart tests use); a power loss may take the
 * last commits, never the integrity of the file.  Statements are prepared
 * once and reused.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <json.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "store.h"

static const char *const state_names[] = {
	NULL,	  "PENDING", "SCHEDULED", "RUNNING", "COMPLETED",
	"FAILED", "STOPPED", "CANCELED",  "TIMEOUT", "OOM_KILLED",
};

const char *job_state_name(int32_t state)
{
	return state >= 1 && state <= JOB_OOM_KILLED ? state_names[state] : NULL;
}

int32_t job_state_parse(const char *name)
{
	for (int32_t i = 1; name && i <= JOB_OOM_KILLED; i++)
		if (strcasecmp(name, state_names[i]) == 0)
			return i;
	return 0;
}

int job_state_final(int32_t state)
{
	return state >= JOB_COMPLETED && state <= JOB_OOM_KILLED;
}

void job_record_done(struct job_record *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->owner);
	free(r->owner_serial);
	free(r->owner_role);
	free(r->spec_json);
	free(r->command);
	free(r->reason);
	free(r->cron);
	r->cron = NULL;
	r->name = r->owner = r->owner_serial = r->owner_role = r->spec_json = r->command =
		r->reason = NULL;
}

/* Each migration takes the schema from version i to i + 1. */
static const char *const migrations[] = {
	/* 0 -> 1 */
	"CREATE TABLE jobs ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" seq INTEGER NOT NULL UNIQUE,"
	" name TEXT,"
	" owner TEXT NOT NULL,"
	" owner_serial TEXT,"
	" owner_role TEXT,"
	" state INTEGER NOT NULL,"
	" shim_pid INTEGER NOT NULL DEFAULT 0,"
	" spec TEXT NOT NULL,"
	" command TEXT NOT NULL,"
	" priority INTEGER NOT NULL DEFAULT 0,"
	" created_ns INTEGER NOT NULL,"
	" scheduled_ns INTEGER NOT NULL DEFAULT 0,"
	" started_ns INTEGER NOT NULL DEFAULT 0,"
	" ended_ns INTEGER NOT NULL DEFAULT 0,"
	" exit_code INTEGER,"
	" signal INTEGER NOT NULL DEFAULT 0,"
	" reason TEXT,"
	" cpu_usec INTEGER NOT NULL DEFAULT 0,"
	" memory_peak_bytes INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX jobs_state ON jobs(state, seq);"
	"CREATE TABLE events ("
	" id INTEGER PRIMARY KEY,"
	" job_id TEXT NOT NULL,"
	" ts_ns INTEGER NOT NULL,"
	" state INTEGER NOT NULL,"
	" reason TEXT);"
	"CREATE INDEX events_job ON events(job_id, id);"
	"CREATE TABLE audit ("
	" id INTEGER PRIMARY KEY,"
	" ts_ns INTEGER NOT NULL,"
	" cn TEXT, serial TEXT, role TEXT,"
	" method TEXT NOT NULL, path TEXT NOT NULL, target TEXT,"
	" status INTEGER NOT NULL, message TEXT);",
	/* 1 -> 2: recurring jobs, and the cores a job holds alone */
	"ALTER TABLE jobs ADD COLUMN cron TEXT;"
	"ALTER TABLE jobs ADD COLUMN parent TEXT;"
	"ALTER TABLE jobs ADD COLUMN cores TEXT;"
	"ALTER TABLE jobs ADD COLUMN runs INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX jobs_parent ON jobs(parent, seq);",
	/* 2 -> 3: output dropped past a job's log cap (max_log) */
	"ALTER TABLE jobs ADD COLUMN log_dropped_bytes INTEGER NOT NULL DEFAULT 0;",
	/* 3 -> 4: job networks (docs/networks.md) and the addresses running jobs hold on them */
	"CREATE TABLE networks ("
	" name TEXT PRIMARY KEY NOT NULL,"
	" cidr TEXT NOT NULL,"
	" bridge TEXT NOT NULL UNIQUE,"
	" owner TEXT,"
	" allow TEXT NOT NULL DEFAULT '[]',"
	" builtin INTEGER NOT NULL DEFAULT 0,"
	" isolated_ports INTEGER NOT NULL DEFAULT 0,"
	" created_ns INTEGER NOT NULL);"
	"CREATE TABLE net_leases ("
	" job_id TEXT PRIMARY KEY NOT NULL,"
	" network TEXT NOT NULL,"
	" address INTEGER NOT NULL,"
	" UNIQUE(network, address));",
};

enum stmt_id {
	ST_INSERT = 0,
	ST_UPDATE,
	ST_GET,
	ST_EVENT,
	ST_RESOLVE,
	ST_ALL,
	ST_BY_STATE,
	ST_DELETE,
	ST_DELETE_EVENTS,
	ST_MAX_SEQ,
	ST_COUNTS,
	ST_EVENTS,
	ST_AUDIT,
	ST_AUDIT_LIST,
	ST_AUDIT_PRUNE_AGE,
	ST_AUDIT_PRUNE_ROWS,
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST__N
};

#define COLUMNS                                                                                    \
	"id, seq, name, owner, owner_serial, owner_role, state, shim_pid, spec, command, "         \
	"priority, created_ns, scheduled_ns, started_ns, ended_ns, exit_code, signal, reason, "    \
	"cpu_usec, memory_peak_bytes, cron, parent, cores, runs, log_dropped_bytes"

static const char *const stmt_sql[ST__N] = {
	[ST_INSERT] =
		"INSERT INTO jobs (" COLUMNS ") VALUES "
		"(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18,?19,?20,?21,?22,?23,?24,"
		"?25)",
	[ST_UPDATE] = "UPDATE jobs SET state=?2, shim_pid=?3, started_ns=?4, ended_ns=?5, "
		      "exit_code=?6, signal=?7, reason=?8, cpu_usec=?9, memory_peak_bytes=?10, "
		      "scheduled_ns=?11, cores=?12, runs=?13, log_dropped_bytes=?14 WHERE id=?1",
	[ST_GET] = "SELECT " COLUMNS " FROM jobs WHERE id=?1",
	[ST_EVENT] = "INSERT INTO events (job_id, ts_ns, state, reason) VALUES (?1,?2,?3,?4)",
	/* Ids are lower-case hex and dashes, so GLOB 'prefix*' is an exact prefix match. */
	[ST_RESOLVE] =
		"SELECT id FROM jobs WHERE id GLOB ?1 AND (?2 IS NULL OR owner = ?2) ORDER BY seq LIMIT 3",
	[ST_ALL] = "SELECT " COLUMNS " FROM jobs ORDER BY seq",
	[ST_BY_STATE] = "SELECT " COLUMNS " FROM jobs WHERE state=?1 ORDER BY seq",
	[ST_DELETE] = "DELETE FROM jobs WHERE id=?1",
	[ST_DELETE_EVENTS] = "DELETE FROM events WHERE job_id=?1",
	[ST_MAX_SEQ] = "SELECT COALESCE(MAX(seq), 0) FROM jobs",
	[ST_COUNTS] = "SELECT state, COUNT(*) FROM jobs GROUP BY state",
	[ST_EVENTS] = "SELECT ts_ns, state, reason FROM events WHERE job_id=?1 ORDER BY id",
	[ST_AUDIT] = "INSERT INTO audit (ts_ns, cn, serial, role, method, path, target, status, "
		     "message) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
	[ST_AUDIT_LIST] = "SELECT ts_ns, cn, serial, role, method, path, target, status, message "
			  "FROM audit ORDER BY id DESC LIMIT ?1",
	/*
	 * Rows are written in time order, so the old ones are the low ids: walk up
	 * from the oldest to the first young enough row (cost: the rows deleted).
	 */
	[ST_AUDIT_PRUNE_AGE] = "DELETE FROM audit WHERE id < COALESCE((SELECT id FROM audit WHERE "
			       "ts_ns >= ?1 ORDER BY id LIMIT 1), (SELECT MAX(id) + 1 FROM audit))",
	/* Ids only grow and only the oldest go: the newest ?1 rows are the ids above max - ?1. */
	[ST_AUDIT_PRUNE_ROWS] = "DELETE FROM audit WHERE id <= (SELECT MAX(id) FROM audit) - ?1",
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[ST__N];
	pthread_mutex_t lock;
	char *path;
	/* Audit retention (server.audit_retention); -1 = no limit. */
	int64_t audit_max_age_s, audit_max_rows;
	int64_t audit_since_prune; /* rows written since the last age prune */
	int64_t audit_pruned_ns;   /* when it was */
};

static int db_error(struct store *s, struct joblet_error **err, const char *what)
{
	int code = sqlite3_extended_errcode(s->db);
	int32_t jcode =
		(code & 0xff) == SQLITE_BUSY || (code & 0xff) == SQLITE_LOCKED	? JOBLET_E_BUSY
		: (code & 0xff) == SQLITE_FULL || (code & 0xff) == SQLITE_IOERR ? JOBLET_E_IO
										: JOBLET_E_SYSTEM;

	return joblet_error_set(err, jcode, 0, "job store `%s`: cannot %s: %s", s->path, what,
				sqlite3_errmsg(s->db));
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int exec_sql(struct store *s, const char *sql, const char *what, struct joblet_error **err)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		int r = joblet_error_set(err, JOBLET_E_SYSTEM, 0, "job store `%s`: cannot %s: %s",
					 s->path, what, msg ? msg : sqlite3_errmsg(s->db));

		sqlite3_free(msg);
		return r;
	}
	return 0;
}

static int migrate(struct store *s, struct joblet_error **err)
{
	sqlite3_stmt *q = NULL;
	int version = 0, r;

	if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK)
		return db_error(s, err, "read the schema version");
	if (sqlite3_step(q) == SQLITE_ROW)
		version = sqlite3_column_int(q, 0);
	sqlite3_finalize(q);
	if (version > STORE_SCHEMA_VERSION)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"job store `%s` has schema version %d, newer than the %d this joblet knows: it was written by a newer joblet; run that one, or point paths.db elsewhere",
			s->path, version, STORE_SCHEMA_VERSION);
	for (; version < STORE_SCHEMA_VERSION; version++) {
		char pragma[64];

		/* One transaction per step: a failed step leaves the previous version intact. */
		if ((r = exec_sql(s, "BEGIN IMMEDIATE", "migrate the schema", err)) < 0)
			return r;
		snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", version + 1);
		if ((r = exec_sql(s, migrations[version], "migrate the schema", err)) < 0 ||
		    (r = exec_sql(s, pragma, "migrate the schema", err)) < 0) {
			exec_sql(s, "ROLLBACK", "roll back", NULL);
			return r;
		}
		if ((r = exec_sql(s, "COMMIT", "migrate the schema", err)) < 0)
			return r;
	}
	return 0;
}

/*
 * The database (made now when missing) and its -wal and -shm files are
 * 0600 whatever the umask: SQLite gives the files it makes the database's
 * mode, and one of an earlier release may have been made wider.
 */
static int private_files(const char *path, struct joblet_error **err)
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };

	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		char name[4200];
		int fd;

		snprintf(name, sizeof(name), "%s%s", path, suffixes[i]);
		fd = open(name, O_RDWR | O_CLOEXEC | (i == 0 ? O_CREAT : O_NOFOLLOW), 0600);
		if (fd < 0 && i > 0 && errno == ENOENT)
			continue;
		if (fd < 0 || fchmod(fd, 0600) < 0) {
			int saved = errno;

			if (fd >= 0)
				close(fd);
			return joblet_error_set(err, JOBLET_E_IO, saved,
						"cannot open the job store `%s`", name);
		}
		close(fd);
	}
	return 0;
}

static int volumes_schema(struct store *s, struct joblet_error **err);

int store_open(const char *path, struct store **ret, struct joblet_error **err)
{
	struct store *s = calloc(1, sizeof(*s));
	int r;

	if (!s || !(s->path = strdup(path))) {
		free(s);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot open the job store");
	}
	pthread_mutex_init(&s->lock, NULL);
	s->audit_max_age_s = s->audit_max_rows = -1;
	if ((r = private_files(path, err)) < 0)
		goto fail;
	if (sqlite3_open_v2(path, &s->db,
			    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
				    SQLITE_OPEN_EXRESCODE,
			    NULL) != SQLITE_OK) {
		r = joblet_error_set(err, JOBLET_E_IO, 0, "cannot open the job store `%s`: %s",
				     path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 5000);
	if ((r = exec_sql(s, "PRAGMA journal_mode=WAL", "switch to WAL mode", err)) < 0 ||
	    (r = exec_sql(s, "PRAGMA synchronous=NORMAL", "set synchronous", err)) < 0 ||
	    (r = exec_sql(s, "PRAGMA foreign_keys=ON", "set foreign_keys", err)) < 0 ||
	    /*
	     * 128 KiB of page cache: the daemon's memory stays small however
	     * many jobs it keeps (1 MiB was most of its growth after 1000
	     * jobs; the file's pages stay in the kernel's cache either way,
	     * and neither submissions nor listings got slower).
	     */
	    (r = exec_sql(s, "PRAGMA cache_size=-128", "set the cache size", err)) < 0)
		goto fail;
	{
		/* A file that is not a database fails here, with SQLite's reason. */
		sqlite3_stmt *q = NULL;

		if (sqlite3_prepare_v2(s->db, "PRAGMA quick_check", -1, &q, NULL) != SQLITE_OK ||
		    sqlite3_step(q) != SQLITE_ROW ||
		    strcmp((const char *)sqlite3_column_text(q, 0), "ok") != 0) {
			r = joblet_error_set(
				err, JOBLET_E_IO, 0,
				"the job store `%s` is damaged or not a joblet database (%s); move it away and start again (the jobs it held are then forgotten)",
				path, sqlite3_errmsg(s->db));
			sqlite3_finalize(q);
			goto fail;
		}
		sqlite3_finalize(q);
	}
	if ((r = migrate(s, err)) < 0 || (r = volumes_schema(s, err)) < 0)
		goto fail;
	for (int i = 0; i < ST__N; i++)
		if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
				       NULL) != SQLITE_OK) {
			r = db_error(s, err, "prepare its statements");
			goto fail;
		}
	*ret = s;
	return 0;
fail:
	store_close(s);
	return r;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	for (int i = 0; i < ST__N; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	pthread_mutex_destroy(&s->lock);
	free(s->path);
	free(s);
}

static void bind_text(sqlite3_stmt *q, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(q, i, v, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(q, i);
}

/* Run a statement that returns no rows; resets it. */
static int step_done(struct store *s, sqlite3_stmt *q, const char *what, struct joblet_error **err)
{
	int rc = sqlite3_step(q);
	int r = rc == SQLITE_DONE ? 0 : db_error(s, err, what);

	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	return r;
}

static int add_event(struct store *s, const char *id, int32_t state, const char *reason,
		     struct joblet_error **err)
{
	sqlite3_stmt *q = s->st[ST_EVENT];

	bind_text(q, 1, id);
	sqlite3_bind_int64(q, 2, now_ns());
	sqlite3_bind_int(q, 3, state);
	bind_text(q, 4, reason);
	return step_done(s, q, "record the job's state", err);
}

static int begin(struct store *s, struct joblet_error **err)
{
	return step_done(s, s->st[ST_BEGIN], "start a transaction", err);
}

static int commit(struct store *s, int r, struct joblet_error **err)
{
	if (r < 0) {
		step_done(s, s->st[ST_ROLLBACK], "roll back", NULL);
		return r;
	}
	r = step_done(s, s->st[ST_COMMIT], "commit", err);
	if (r < 0)
		step_done(s, s->st[ST_ROLLBACK], "roll back", NULL);
	return r;
}

static int insert_locked(struct store *s, const struct job_record *j, struct joblet_error **err)
{
	sqlite3_stmt *q = s->st[ST_INSERT];
	int r;

	bind_text(q, 1, j->id);
	sqlite3_bind_int64(q, 2, j->seq);
	bind_text(q, 3, j->name);
	bind_text(q, 4, j->owner ? j->owner : "");
	bind_text(q, 5, j->owner_serial);
	bind_text(q, 6, j->owner_role);
	sqlite3_bind_int(q, 7, j->state);
	sqlite3_bind_int(q, 8, j->shim_pid);
	bind_text(q, 9, j->spec_json ? j->spec_json : "{}");
	bind_text(q, 10, j->command ? j->command : "");
	sqlite3_bind_int64(q, 11, j->priority);
	sqlite3_bind_int64(q, 12, j->created_ns);
	sqlite3_bind_int64(q, 13, j->scheduled_ns);
	sqlite3_bind_int64(q, 14, j->started_ns);
	sqlite3_bind_int64(q, 15, j->ended_ns);
	if (j->has_exit_code)
		sqlite3_bind_int(q, 16, j->exit_code);
	else
		sqlite3_bind_null(q, 16);
	sqlite3_bind_int(q, 17, j->signal);
	bind_text(q, 18, j->reason);
	sqlite3_bind_int64(q, 19, j->cpu_usec);
	sqlite3_bind_int64(q, 20, j->memory_peak_bytes);
	bind_text(q, 21, j->cron);
	bind_text(q, 22, j->parent[0] ? j->parent : NULL);
	bind_text(q, 23, j->cores[0] ? j->cores : NULL);
	sqlite3_bind_int64(q, 24, j->runs);
	sqlite3_bind_int64(q, 25, j->log_dropped_bytes);
	r = step_done(s, q, "record the job", err);
	if (r == 0)
		r = add_event(s, j->id, j->state, j->reason, err);
	return r;
}

static int update_locked(struct store *s, const struct job_record *j, bool event,
			 struct joblet_error **err)
{
	sqlite3_stmt *q = s->st[ST_UPDATE];
	int r;

	bind_text(q, 1, j->id);
	sqlite3_bind_int(q, 2, j->state);
	sqlite3_bind_int(q, 3, j->shim_pid);
	sqlite3_bind_int64(q, 4, j->started_ns);
	sqlite3_bind_int64(q, 5, j->ended_ns);
	if (j->has_exit_code)
		sqlite3_bind_int(q, 6, j->exit_code);
	else
		sqlite3_bind_null(q, 6);
	sqlite3_bind_int(q, 7, j->signal);
	bind_text(q, 8, j->reason);
	sqlite3_bind_int64(q, 9, j->cpu_usec);
	sqlite3_bind_int64(q, 10, j->memory_peak_bytes);
	sqlite3_bind_int64(q, 11, j->scheduled_ns);
	bind_text(q, 12, j->cores[0] ? j->cores : NULL);
	sqlite3_bind_int64(q, 13, j->runs);
	sqlite3_bind_int64(q, 14, j->log_dropped_bytes);
	r = step_done(s, q, "update the job", err);
	if (r == 0 && sqlite3_changes(s->db) == 0)
		r = joblet_error_set(err, JOBLET_E_NOT_FOUND, 0, "job `%s` is not in the store",
				     j->id);
	if (r == 0 && event)
		r = add_event(s, j->id, j->state, j->reason, err);
	return r;
}

int store_job_insert(struct store *s, const struct job_record *j, struct joblet_error **err)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = begin(s, err);
	if (r == 0)
		r = insert_locked(s, j, err);
	r = commit(s, r, err);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int store_job_update(struct store *s, const struct job_record *j, struct joblet_error **err)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = begin(s, err);
	if (r == 0)
		r = update_locked(s, j, true, err);
	r = commit(s, r, err);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int store_cron_fire(struct store *s, const struct job_record *cron, const struct job_record *child,
		    struct joblet_error **err)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = begin(s, err);
	if (r == 0)
		r = update_locked(s, cron, false, err);
	if (r == 0)
		r = insert_locked(s, child, err);
	r = commit(s, r, err);
	pthread_mutex_unlock(&s->lock);
	return r;
}

static char *col_dup(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return t ? strdup((const char *)t) : NULL;
}

static int read_row(sqlite3_stmt *q, struct job_record *j)
{
	const unsigned char *id = sqlite3_column_text(q, 0);

	memset(j, 0, sizeof(*j));
	snprintf(j->id, sizeof(j->id), "%s", id ? (const char *)id : "");
	j->seq = sqlite3_column_int64(q, 1);
	j->name = col_dup(q, 2);
	j->owner = col_dup(q, 3);
	j->owner_serial = col_dup(q, 4);
	j->owner_role = col_dup(q, 5);
	j->state = sqlite3_column_int(q, 6);
	j->shim_pid = sqlite3_column_int(q, 7);
	j->spec_json = col_dup(q, 8);
	j->command = col_dup(q, 9);
	j->priority = sqlite3_column_int64(q, 10);
	j->created_ns = sqlite3_column_int64(q, 11);
	j->scheduled_ns = sqlite3_column_int64(q, 12);
	j->started_ns = sqlite3_column_int64(q, 13);
	j->ended_ns = sqlite3_column_int64(q, 14);
	j->has_exit_code = sqlite3_column_type(q, 15) != SQLITE_NULL;
	j->exit_code = sqlite3_column_int(q, 15);
	j->signal = sqlite3_column_int(q, 16);
	j->reason = col_dup(q, 17);
	j->cpu_usec = sqlite3_column_int64(q, 18);
	j->memory_peak_bytes = sqlite3_column_int64(q, 19);
	j->cron = col_dup(q, 20);
	snprintf(j->parent, sizeof(j->parent), "%s",
		 sqlite3_column_text(q, 21) ? (const char *)sqlite3_column_text(q, 21) : "");
	snprintf(j->cores, sizeof(j->cores), "%s",
		 sqlite3_column_text(q, 22) ? (const char *)sqlite3_column_text(q, 22) : "");
	j->runs = sqlite3_column_int64(q, 23);
	j->log_dropped_bytes = sqlite3_column_int64(q, 24);
	if (!j->owner || !j->spec_json || !j->command) {
		job_record_done(j);
		return -ENOMEM;
	}
	return 0;
}

int store_job_get(struct store *s, const char *id, struct job_record *ret,
		  struct joblet_error **err)
{
	sqlite3_stmt *q = s->st[ST_GET];
	int rc, r;

	pthread_mutex_lock(&s->lock);
	bind_text(q, 1, id);
	rc = sqlite3_step(q);
	if (rc == SQLITE_ROW)
		r = read_row(q, ret) < 0
			    ? joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the job")
			    : 0;
	else if (rc == SQLITE_DONE)
		r = joblet_error_set(err, JOBLET_E_NOT_FOUND, 0, "no job `%s`", id);
	else
		r = db_error(s, err, "read the job");
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int store_job_resolve(struct store *s, const char *prefix, const char *owner, char ret_id[37],
		      struct joblet_error **err)
{
	sqlite3_stmt *q = s->st[ST_RESOLVE];
	char pattern[40], found[3][37];
	size_t len = strlen(prefix), n = 0;
	bool shape = len > 0 && len <= 36;
	int rc, r = 0;

	/* 8-4-4-4-12 lower-case hex digits: a prefix must follow that shape. */
	for (size_t i = 0; shape && i < len; i++)
		shape = (i == 8 || i == 13 || i == 18 || i == 23)
				? prefix[i] == '-'
				: (isdigit((unsigned char)prefix[i]) ||
				   (prefix[i] >= 'a' && prefix[i] <= 'f'));
	if (!shape)
		return joblet_error_set(
			err, JOBLET_E_INVALID, 0,
			"`%.40s` is not a job id: give the UUID `rnx job list` shows, or a unique start of it (lower-case hex)",
			prefix);
	snprintf(pattern, sizeof(pattern), "%s*", prefix);
	pthread_mutex_lock(&s->lock);
	bind_text(q, 1, pattern);
	bind_text(q, 2, owner);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < 3)
		snprintf(found[n++], sizeof(found[0]), "%s",
			 (const char *)sqlite3_column_text(q, 0));
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = db_error(s, err, "look the job up");
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	pthread_mutex_unlock(&s->lock);
	if (r < 0)
		return r;
	if (n == 0)
		return joblet_error_set(err, JOBLET_E_NOT_FOUND, 0,
					"no job `%s`; `rnx job list` shows the jobs", prefix);
	if (n > 1)
		return joblet_error_set(
			err, JOBLET_E_CONFLICT, 0,
			"`%s` is the start of several job ids (%s, %s%s); give more of the id",
			prefix, found[0], found[1], n > 2 ? ", ..." : "");
	memcpy(ret_id, found[0], 37);
	return 0;
}

int store_job_foreach(struct store *s, int32_t state,
		      int (*fn)(const struct job_record *r, void *userdata), void *userdata,
		      struct joblet_error **err)
{
	sqlite3_stmt *q = s->st[state ? ST_BY_STATE : ST_ALL];
	struct job_record *rows = NULL;
	size_t n = 0, cap = 0;
	int rc, r = 0;

	/* Rows are copied out first, so fn runs without the store's lock held. */
	pthread_mutex_lock(&s->lock);
	if (state)
		sqlite3_bind_int(q, 1, state);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			struct job_record *g = realloc(rows, ncap * sizeof(*g));

			if (!g) {
				r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						     "cannot list the jobs");
				break;
			}
			rows = g;
			cap = ncap;
		}
		if (read_row(q, &rows[n]) < 0) {
			r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot list the jobs");
			break;
		}
		n++;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_error(s, err, "list the jobs");
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < n; i++) {
		if (r == 0)
			r = fn(&rows[i], userdata);
		job_record_done(&rows[i]);
	}
	free(rows);
	return r;
}

int store_job_delete(struct store *s, const char *id, struct joblet_error **err)
{
	int r;

	pthread_mutex_lock(&s->lock);
	r = begin(s, err);
	if (r == 0) {
		bind_text(s->st[ST_DELETE], 1, id);
		r = step_done(s, s->st[ST_DELETE], "delete the job", err);
	}
	if (r == 0) {
		bind_text(s->st[ST_DELETE_EVENTS], 1, id);
		r = step_done(s, s->st[ST_DELETE_EVENTS], "delete the job's events", err);
	}
	r = commit(s, r, err);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int store_job_max_seq(struct store *s, int64_t *ret, struct joblet_error **err)
{
	sqlite3_stmt *q = s->st[ST_MAX_SEQ];
	int r = 0;

	pthread_mutex_lock(&s->lock);
	if (sqlite3_step(q) == SQLITE_ROW)
		*ret = sqlite3_column_int64(q, 0);
	else
		r = db_error(s, err, "read the last job number");
	sqlite3_reset(q);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int store_job_counts(struct store *s, int64_t counts[10], struct joblet_error **err)
{
	sqlite3_stmt *q = s->st[ST_COUNTS];
	int rc, r = 0;

	memset(counts, 0, 10 * sizeof(counts[0]));
	pthread_mutex_lock(&s->lock);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		int st = sqlite3_column_int(q, 0);

		if (st >= 1 && st <= 9)
			counts[st] = sqlite3_column_int64(q, 1);
	}
	if (rc != SQLITE_DONE)
		r = db_error(s, err, "count the jobs");
	sqlite3_reset(q);
	pthread_mutex_unlock(&s->lock);
	return r;
}

void job_events_free(struct job_event *ev, size_t n)
{
	for (size_t i = 0; ev && i < n; i++)
		free(ev[i].reason);
	free(ev);
}

int store_job_events(struct store *s, const char *id, struct job_event **ret, size_t *ret_n,
		     struct joblet_error **err)
{
	sqlite3_stmt *q = s->st[ST_EVENTS];
	struct job_event *ev = NULL;
	size_t n = 0;
	int rc, r = 0;

	pthread_mutex_lock(&s->lock);
	bind_text(q, 1, id);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct job_event *g = realloc(ev, (n + 1) * sizeof(*g));

		if (!g) {
			r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the events");
			break;
		}
		ev = g;
		ev[n].ts_ns = sqlite3_column_int64(q, 0);
		ev[n].state = sqlite3_column_int(q, 1);
		ev[n].reserved = 0;
		ev[n].reason = col_dup(q, 2);
		n++;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_error(s, err, "read the job's events");
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	pthread_mutex_unlock(&s->lock);
	if (r < 0) {
		job_events_free(ev, n);
		return r;
	}
	*ret = ev;
	*ret_n = n;
	return 0;
}

/* Past the limits: by rows (cheap, at every insert) and, when due or forced, by age. */
static int audit_prune_locked(struct store *s, bool by_age, int64_t *ret_pruned,
			      struct joblet_error **err)
{
	int64_t now = now_ns();
	int r = 0;

	if (s->audit_max_rows > 0) {
		sqlite3_bind_int64(s->st[ST_AUDIT_PRUNE_ROWS], 1, s->audit_max_rows);
		r = step_done(s, s->st[ST_AUDIT_PRUNE_ROWS], "prune the audit log", err);
		if (r == 0 && ret_pruned)
			*ret_pruned += sqlite3_changes(s->db);
	}
	if (r == 0 && s->audit_max_age_s > 0 && by_age) {
		int64_t age_ns = s->audit_max_age_s > INT64_MAX / 1000000000
					 ? INT64_MAX
					 : s->audit_max_age_s * 1000000000;

		sqlite3_bind_int64(s->st[ST_AUDIT_PRUNE_AGE], 1, now - age_ns);
		r = step_done(s, s->st[ST_AUDIT_PRUNE_AGE], "prune the audit log", err);
		if (r == 0 && ret_pruned)
			*ret_pruned += sqlite3_changes(s->db);
		s->audit_since_prune = 0;
		s->audit_pruned_ns = now;
	}
	return r;
}

int store_audit_retention(struct store *s, int64_t max_age_s, int64_t max_rows, int64_t *ret_pruned,
			  struct joblet_error **err)
{
	int r;

	if (ret_pruned)
		*ret_pruned = 0;
	pthread_mutex_lock(&s->lock);
	s->audit_max_age_s = max_age_s;
	s->audit_max_rows = max_rows;
	r = audit_prune_locked(s, true, ret_pruned, err);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int store_audit(struct store *s, const struct audit_entry *a, struct joblet_error **err)
{
	sqlite3_stmt *q = s->st[ST_AUDIT];
	int r;

	pthread_mutex_lock(&s->lock);
	sqlite3_bind_int64(q, 1, now_ns());
	bind_text(q, 2, a->cn);
	bind_text(q, 3, a->serial);
	bind_text(q, 4, a->role);
	bind_text(q, 5, a->method);
	bind_text(q, 6, a->path);
	bind_text(q, 7, a->target);
	sqlite3_bind_int(q, 8, a->status);
	bind_text(q, 9, a->message);
	r = step_done(s, q, "write the audit log", err);
	/* By age every 256 rows or once an hour, whichever comes first. */
	if (r == 0)
		r = audit_prune_locked(s,
				       ++s->audit_since_prune >= 256 ||
					       now_ns() - s->audit_pruned_ns >=
						       INT64_C(3600000000000),
				       NULL, err);
	pthread_mutex_unlock(&s->lock);
	return r;
}

static json_object *col_json(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return t ? json_object_new_string((const char *)t) : NULL;
}

int store_audit_json(struct store *s, int64_t limit, char **ret_json, struct joblet_error **err)
{
	sqlite3_stmt *q = s->st[ST_AUDIT_LIST];
	json_object *arr = json_object_new_array();
	int rc, r = 0;

	if (!arr)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the audit log");
	pthread_mutex_lock(&s->lock);
	sqlite3_bind_int64(q, 1, limit);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "ts_ns",
				       json_object_new_int64(sqlite3_column_int64(q, 0)));
		json_object_object_add(o, "cn", col_json(q, 1));
		json_object_object_add(o, "serial", col_json(q, 2));
		json_object_object_add(o, "role", col_json(q, 3));
		json_object_object_add(o, "method", col_json(q, 4));
		json_object_object_add(o, "path", col_json(q, 5));
		json_object_object_add(o, "target", col_json(q, 6));
		json_object_object_add(o, "status", json_object_new_int(sqlite3_column_int(q, 7)));
		json_object_object_add(o, "message", col_json(q, 8));
		json_object_array_add(arr, o);
	}
	if (rc != SQLITE_DONE)
		r = db_error(s, err, "read the audit log");
	sqlite3_reset(q);
	sqlite3_clear_bindings(q);
	pthread_mutex_unlock(&s->lock);
	if (r == 0) {
		const char *t = json_object_to_json_string_ext(
			arr, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

		*ret_json = t ? strdup(t) : NULL;
		if (!*ret_json)
			r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					     "cannot read the audit log");
	}
	json_object_put(arr);
	return r;
}

/* ------------------------------------------------------------------ networks */

void net_record_done(struct net_record *n)
{
	if (!n)
		return;
	free(n->name);
	free(n->cidr);
	free(n->bridge);
	free(n->owner);
	free(n->allow_json);
	memset(n, 0, sizeof(*n));
}

/* A statement of its own (networks are rare next to jobs: not kept prepared). */
static int prepare(struct store *s, const char *sql, sqlite3_stmt **ret, struct joblet_error **err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, ret, NULL) != SQLITE_OK)
		return db_error(s, err, "prepare a statement on networks");
	return 0;
}

#define NET_COLUMNS "name, cidr, bridge, owner, allow, builtin, isolated_ports, created_ns"

static void read_net(sqlite3_stmt *q, struct net_record *n)
{
	memset(n, 0, sizeof(*n));
	n->name = col_dup(q, 0);
	n->cidr = col_dup(q, 1);
	n->bridge = col_dup(q, 2);
	n->owner = col_dup(q, 3);
	n->allow_json = col_dup(q, 4);
	n->builtin = sqlite3_column_int(q, 5);
	n->isolated_ports = sqlite3_column_int(q, 6);
	n->created_ns = sqlite3_column_int64(q, 7);
}

int store_network_put(struct store *s, const struct net_record *n, struct joblet_error **err)
{
	/* A built-in is written again at every start (joblet.yml may have changed it). */
	const char *sql =
		n->builtin
			? "INSERT INTO networks (" NET_COLUMNS ") VALUES (?1,?2,?3,?4,?5,1,?7,?8) "
			  "ON CONFLICT(name) DO UPDATE SET cidr=?2, bridge=?3, owner=NULL, allow=?5, "
			  "builtin=1, isolated_ports=?7"
			: "INSERT INTO networks (" NET_COLUMNS ") VALUES (?1,?2,?3,?4,?5,0,?7,?8)";
	sqlite3_stmt *q = NULL;
	int rc, r;

	pthread_mutex_lock(&s->lock);
	r = prepare(s, sql, &q, err);
	if (r == 0) {
		bind_text(q, 1, n->name);
		bind_text(q, 2, n->cidr);
		bind_text(q, 3, n->bridge);
		bind_text(q, 4, n->owner);
		bind_text(q, 5, n->allow_json ? n->allow_json : "[]");
		sqlite3_bind_int(q, 7, n->isolated_ports);
		sqlite3_bind_int64(q, 8, n->created_ns ? n->created_ns : now_ns());
		rc = sqlite3_step(q);
		if ((rc & 0xff) == SQLITE_CONSTRAINT)
			r = joblet_error_set(
				err, JOBLET_E_EXISTS, 0,
				"a network named `%s` or with the bridge `%s` exists already; choose another name",
				n->name, n->bridge);
		else if (rc != SQLITE_DONE)
			r = db_error(s, err, "record the network");
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int store_network_get(struct store *s, const char *name, struct net_record *ret,
		      struct joblet_error **err)
{
	sqlite3_stmt *q = NULL;
	int rc, r;

	pthread_mutex_lock(&s->lock);
	r = prepare(s, "SELECT " NET_COLUMNS " FROM networks WHERE name=?1", &q, err);
	if (r == 0) {
		bind_text(q, 1, name);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW)
			read_net(q, ret);
		else if (rc == SQLITE_DONE)
			r = joblet_error_set(
				err, JOBLET_E_NOT_FOUND, 0,
				"there is no network `%s`; `rnx network list` shows the networks you may use",
				name);
		else
			r = db_error(s, err, "read the network");
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int store_network_foreach(struct store *s, int (*fn)(const struct net_record *n, void *userdata),
			  void *userdata, struct joblet_error **err)
{
	struct net_record *all = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *q = NULL;
	int rc, r;

	/* Read them all first: fn may call the store. */
	pthread_mutex_lock(&s->lock);
	r = prepare(s, "SELECT " NET_COLUMNS " FROM networks ORDER BY builtin DESC, name", &q, err);
	while (r == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (n == cap) {
			struct net_record *m = reallocarray(all, cap ? cap * 2 : 8, sizeof(*all));

			if (!m) {
				r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						     "cannot read the networks");
				break;
			}
			all = m;
			cap = cap ? cap * 2 : 8;
		}
		read_net(q, &all[n++]);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_error(s, err, "read the networks");
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; r == 0 && i < n; i++)
		r = fn(&all[i], userdata);
	for (size_t i = 0; i < n; i++)
		net_record_done(&all[i]);
	free(all);
	return r;
}

/* The first job waiting or running on network name into user (or ""); under the lock. */
static int network_user_locked(struct store *s, const char *name, char user[37],
			       struct joblet_error **err)
{
	sqlite3_stmt *q = NULL;
	int rc, r;

	user[0] = '\0';
	r = prepare(s,
		    "SELECT id FROM jobs WHERE state IN (1,2,3) AND json_valid(spec) AND "
		    "json_extract(spec, '$.network') = ?1 ORDER BY seq LIMIT 1",
		    &q, err);
	if (r == 0) {
		bind_text(q, 1, name);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW)
			snprintf(user, 37, "%s", (const char *)sqlite3_column_text(q, 0));
		else if (rc != SQLITE_DONE)
			r = db_error(s, err, "find the jobs on the network");
	}
	sqlite3_finalize(q);
	return r;
}

int store_network_users(struct store *s, const char *name, int64_t *ret_count,
			struct joblet_error **err)
{
	sqlite3_stmt *q = NULL;
	int r;

	pthread_mutex_lock(&s->lock);
	r = prepare(s,
		    "SELECT COUNT(*) FROM jobs WHERE state IN (1,2,3) AND json_valid(spec) AND "
		    "json_extract(spec, '$.network') = ?1",
		    &q, err);
	if (r == 0) {
		bind_text(q, 1, name);
		if (sqlite3_step(q) == SQLITE_ROW)
			*ret_count = sqlite3_column_int64(q, 0);
		else
			r = db_error(s, err, "count the jobs on the network");
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int store_network_delete(struct store *s, const char *name, struct joblet_error **err)
{
	sqlite3_stmt *q = NULL;
	char user[37];
	int r;

	pthread_mutex_lock(&s->lock);
	r = begin(s, err);
	if (r == 0)
		r = network_user_locked(s, name, user, err);
	if (r == 0 && user[0])
		r = joblet_error_set(
			err, JOBLET_E_CONFLICT, 0,
			"network `%s` is in use by job %s (waiting or running); stop or cancel it first, then remove the network",
			name, user);
	if (r == 0)
		r = prepare(s, "DELETE FROM networks WHERE name=?1 AND builtin=0", &q, err);
	if (r == 0) {
		bind_text(q, 1, name);
		if (sqlite3_step(q) != SQLITE_DONE)
			r = db_error(s, err, "remove the network");
		else if (sqlite3_changes(s->db) == 0)
			r = joblet_error_set(err, JOBLET_E_NOT_FOUND, 0, "there is no network `%s`",
					     name);
	}
	sqlite3_finalize(q);
	r = commit(s, r, err);
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* The lowest of first..last that no job holds on network, under the lock and a transaction. */
static int free_address_locked(struct store *s, const char *network, uint32_t first, uint32_t last,
			       uint32_t *ret, struct joblet_error **err)
{
	sqlite3_stmt *q = NULL;
	uint32_t next = first;
	int rc, r;

	r = prepare(s,
		    "SELECT address FROM net_leases WHERE network=?1 AND address BETWEEN ?2 AND ?3 "
		    "ORDER BY address",
		    &q, err);
	if (r < 0)
		return r;
	bind_text(q, 1, network);
	sqlite3_bind_int64(q, 2, first);
	sqlite3_bind_int64(q, 3, last);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		uint32_t a = (uint32_t)sqlite3_column_int64(q, 0);

		if (a > next)
			break;
		next = a + 1;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		r = db_error(s, err, "read the network's addresses");
	else if (next > last || next < first)
		r = joblet_error_set(
			err, JOBLET_E_BUSY, 0,
			"network `%s` has no free address: each of its running jobs holds one; wait for some to end, or use a network with a larger block",
			network);
	else
		*ret = next;
	sqlite3_finalize(q);
	return r;
}

int store_lease_take(struct store *s, const char *network, uint32_t first, uint32_t last,
		     const char *job_id, uint32_t *ret_address, struct joblet_error **err)
{
	sqlite3_stmt *q = NULL;
	int rc, r;

	pthread_mutex_lock(&s->lock);
	r = begin(s, err);
	/* A job that holds one already (a start after a restart) keeps it. */
	if (r == 0)
		r = prepare(s, "SELECT address FROM net_leases WHERE job_id=?1 AND network=?2", &q,
			    err);
	if (r == 0) {
		bind_text(q, 1, job_id);
		bind_text(q, 2, network);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW) {
			*ret_address = (uint32_t)sqlite3_column_int64(q, 0);
			sqlite3_finalize(q);
			r = commit(s, 0, err);
			pthread_mutex_unlock(&s->lock);
			return r;
		}
		if (rc != SQLITE_DONE)
			r = db_error(s, err, "read the job's address");
	}
	sqlite3_finalize(q);
	q = NULL;
	if (r == 0)
		r = free_address_locked(s, network, first, last, ret_address, err);
	if (r == 0)
		r = prepare(s,
			    "INSERT OR REPLACE INTO net_leases (job_id, network, address) VALUES "
			    "(?1,?2,?3)",
			    &q, err);
	if (r == 0) {
		bind_text(q, 1, job_id);
		bind_text(q, 2, network);
		sqlite3_bind_int64(q, 3, *ret_address);
		if (sqlite3_step(q) != SQLITE_DONE)
			r = db_error(s, err, "record the job's address");
	}
	sqlite3_finalize(q);
	r = commit(s, r, err);
	pthread_mutex_unlock(&s->lock);
	return r;
}

/* Run sql (binding text ?1 when given), adding the rows it changed to *ret_changed. */
static int lease_exec(struct store *s, const char *sql, const char *arg, int64_t *ret_changed,
		      struct joblet_error **err)
{
	sqlite3_stmt *q = NULL;
	int r;

	pthread_mutex_lock(&s->lock);
	r = prepare(s, sql, &q, err);
	if (r == 0) {
		if (arg)
			bind_text(q, 1, arg);
		if (sqlite3_step(q) != SQLITE_DONE)
			r = db_error(s, err, "free the addresses of jobs");
		else if (ret_changed)
			*ret_changed += sqlite3_changes(s->db);
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int store_lease_release(struct store *s, const char *job_id, struct joblet_error **err)
{
	return lease_exec(s, "DELETE FROM net_leases WHERE job_id=?1", job_id, NULL, err);
}

int store_lease_reclaim(struct store *s, int64_t *ret_freed, struct joblet_error **err)
{
	*ret_freed = 0;
	return lease_exec(s,
			  "DELETE FROM net_leases WHERE job_id NOT IN "
			  "(SELECT id FROM jobs WHERE state = 3)",
			  NULL, ret_freed, err);
}

int store_lease_jobs(struct store *s, char ***ret_ids, struct joblet_error **err)
{
	sqlite3_stmt *q = NULL;
	char **ids = calloc(1, sizeof(char *));
	int rc, r;

	if (!ids)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the leases");
	pthread_mutex_lock(&s->lock);
	r = prepare(s, "SELECT job_id FROM net_leases ORDER BY job_id", &q, err);
	while (r == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW)
		if (jl_strv_push(&ids, (const char *)sqlite3_column_text(q, 0)) < 0)
			r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the leases");
	if (r == 0 && rc != SQLITE_DONE)
		r = db_error(s, err, "read the leases");
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->lock);
	if (r < 0) {
		jl_strv_free(ids);
		return r;
	}
	*ret_ids = ids;
	return 0;
}

/* ------------------------------------------------------------------ volumes */

/*
 * A table of its own, made when missing rather than by a numbered
 * migration: additive, and an earlier release that opens the database
 * ignores it.
 */
static int volumes_schema(struct store *s, struct joblet_error **err)
{
	return exec_sql(s,
			"CREATE TABLE IF NOT EXISTS volumes ("
			" name TEXT PRIMARY KEY NOT NULL,"
			" type TEXT NOT NULL,"
			" size_bytes INTEGER NOT NULL,"
			" owner TEXT NOT NULL,"
			" created_ns INTEGER NOT NULL)",
			"make the volumes table", err);
}

void volume_record_done(struct volume_record *v)
{
	free(v->owner);
	v->owner = NULL;
}

/* Prepare sql on the shared connection (the caller holds the lock). */
static int volume_prepare(struct store *s, const char *sql, sqlite3_stmt **q,
			  struct joblet_error **err)
{
	if (sqlite3_prepare_v2(s->db, sql, -1, q, NULL) != SQLITE_OK)
		return db_error(s, err, "read the volumes");
	return 0;
}

static int volume_row(sqlite3_stmt *q, struct volume_record *v)
{
	const char *name = (const char *)sqlite3_column_text(q, 0);
	const char *type = (const char *)sqlite3_column_text(q, 1);

	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name ? name : "");
	snprintf(v->type, sizeof(v->type), "%s", type ? type : "");
	v->size_bytes = sqlite3_column_int64(q, 2);
	v->owner = col_dup(q, 3);
	v->created_ns = sqlite3_column_int64(q, 4);
	return v->owner ? 0 : -1;
}

int store_volume_insert(struct store *s, const struct volume_record *v, struct joblet_error **err)
{
	sqlite3_stmt *q = NULL;
	int r, rc;

	pthread_mutex_lock(&s->lock);
	r = volume_prepare(s,
			   "INSERT INTO volumes (name, type, size_bytes, owner, created_ns) "
			   "VALUES (?1,?2,?3,?4,?5)",
			   &q, err);
	if (r == 0) {
		bind_text(q, 1, v->name);
		bind_text(q, 2, v->type);
		sqlite3_bind_int64(q, 3, v->size_bytes);
		bind_text(q, 4, v->owner);
		sqlite3_bind_int64(q, 5, v->created_ns);
		rc = sqlite3_step(q);
		if ((rc & 0xff) == SQLITE_CONSTRAINT)
			r = joblet_error_set(err, JOBLET_E_EXISTS, 0,
					     "volume `%s` exists already; choose another name",
					     v->name);
		else if (rc != SQLITE_DONE)
			r = db_error(s, err, "record the volume");
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int store_volume_get(struct store *s, const char *name, struct volume_record *ret,
		     struct joblet_error **err)
{
	sqlite3_stmt *q = NULL;
	int r, rc;

	pthread_mutex_lock(&s->lock);
	r = volume_prepare(s,
			   "SELECT name, type, size_bytes, owner, created_ns FROM volumes "
			   "WHERE name=?1",
			   &q, err);
	if (r == 0) {
		bind_text(q, 1, name);
		rc = sqlite3_step(q);
		if (rc == SQLITE_ROW)
			r = volume_row(q, ret) < 0
				    ? joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory")
				    : 0;
		else if (rc == SQLITE_DONE)
			r = joblet_error_set(err, JOBLET_E_NOT_FOUND, 0, "volume `%s` not found",
					     name);
		else
			r = db_error(s, err, "read the volume");
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int store_volume_delete(struct store *s, const char *name, struct joblet_error **err)
{
	sqlite3_stmt *q = NULL;
	int r;

	pthread_mutex_lock(&s->lock);
	r = volume_prepare(s, "DELETE FROM volumes WHERE name=?1", &q, err);
	if (r == 0) {
		bind_text(q, 1, name);
		if (sqlite3_step(q) != SQLITE_DONE)
			r = db_error(s, err, "remove the volume");
	}
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->lock);
	return r;
}

int store_volume_foreach(struct store *s, int (*fn)(const struct volume_record *v, void *userdata),
			 void *userdata, struct joblet_error **err)
{
	struct volume_record *rows = NULL;
	size_t n = 0;
	sqlite3_stmt *q = NULL;
	int r, rc = SQLITE_DONE;

	/* Read them all first: fn may call the store (and so take the lock) itself. */
	pthread_mutex_lock(&s->lock);
	r = volume_prepare(s,
			   "SELECT name, type, size_bytes, owner, created_ns FROM volumes "
			   "ORDER BY name",
			   &q, err);
	while (r == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		struct volume_record *grown = realloc(rows, (n + 1) * sizeof(*rows));

		if (!grown || volume_row(q, &(rows = grown)[n++]) < 0)
			r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = db_error(s, err, "read the volumes");
	sqlite3_finalize(q);
	pthread_mutex_unlock(&s->lock);
	for (size_t i = 0; i < n; i++) {
		if (r == 0)
			r = fn(&rows[i], userdata);
		volume_record_done(&rows[i]);
	}
	free(rows);
	return r;
}
