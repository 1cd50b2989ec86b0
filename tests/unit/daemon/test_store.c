/*
 * test_store.c - the daemon's job store (core/daemon/store.c) on a real
 * SQLite file: records and their events survive reopening, updates, unique
 * prefixes (ambiguous, malformed, unknown), listing by state, counts,
 * deletion, the audit log, a schema written by a newer joblet and a file
 * that is not a database.
 */
#include <config.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "auth.h"
#include "jl_test.h"
#include "jl_tmp.h"
#include "base/util.h"
#include "store.h"
#include "config/config.h"

static struct joblet_error *err;

static void setup(void)
{
	jl_tmp_setup();
	err = NULL;
}

static void teardown(void)
{
	joblet_error_free(err);
	err = NULL;
	jl_tmp_teardown();
}

static struct job_record rec(const char *id, int64_t seq, int32_t state)
{
	struct job_record r = { 0 };

	snprintf(r.id, sizeof(r.id), "%s", id);
	r.seq = seq;
	r.owner = (char *)"developer-client";
	r.owner_serial = (char *)"abcd";
	r.owner_role = (char *)"developer";
	r.state = state;
	r.spec_json = (char *)"{\"command\":[\"true\"]}";
	r.command = (char *)"true";
	r.created_ns = 1000 + seq;
	return r;
}

#define ID_A "11111111-1111-4111-8111-111111111111"
#define ID_B "11111111-2222-4222-8222-222222222222"
#define ID_C "33333333-3333-4333-8333-333333333333"

static int count_cb(const struct job_record *r, void *userdata)
{
	(void)r;
	(*(int *)userdata)++;
	return 0;
}

START_TEST(test_store_records)
{
	struct store *s = NULL;
	struct job_record a = rec(ID_A, 1, JOB_PENDING), b = rec(ID_B, 2, JOB_SCHEDULED),
			  c = rec(ID_C, 3, JOB_PENDING), got;
	struct job_event *ev = NULL;
	size_t n = 0;
	int64_t counts[10], max = 0;
	char id[37];
	int k = 0;

	b.owner = (char *)"other-client";
	ck_assert_int_eq(store_open(jl_tmp_path("joblet.db"), &s, &err), 0);
	ck_assert_int_eq(store_job_insert(s, &a, &err), 0);
	ck_assert_int_eq(store_job_insert(s, &b, &err), 0);
	ck_assert_int_eq(store_job_insert(s, &c, &err), 0);
	/* The same id or seq twice is refused. */
	ck_assert_int_lt(store_job_insert(s, &a, &err), 0);
	joblet_error_clear(&err);

	a.state = JOB_RUNNING;
	a.shim_pid = 4242;
	a.started_ns = 5;
	ck_assert_int_eq(store_job_update(s, &a, &err), 0);
	a.state = JOB_FAILED;
	a.has_exit_code = 1;
	a.exit_code = 3;
	a.reason = (char *)"exit code 3";
	a.ended_ns = 9;
	a.log_dropped_bytes = INT64_C(51380224);
	ck_assert_int_eq(store_job_update(s, &a, &err), 0);
	store_close(s);

	/* Reopened: all of it is there. */
	ck_assert_int_eq(store_open(jl_tmp_path("joblet.db"), &s, &err), 0);
	ck_assert_int_eq(store_job_get(s, ID_A, &got, &err), 0);
	ck_assert_int_eq(got.state, JOB_FAILED);
	ck_assert_int_eq(got.has_exit_code, 1);
	ck_assert_int_eq(got.exit_code, 3);
	ck_assert_str_eq(got.reason, "exit code 3");
	ck_assert_str_eq(got.owner, "developer-client");
	ck_assert_str_eq(got.spec_json, "{\"command\":[\"true\"]}");
	ck_assert_int_eq(got.started_ns, 5);
	ck_assert_int_eq(got.log_dropped_bytes, INT64_C(51380224));
	job_record_done(&got);
	ck_assert_int_eq(store_job_get(s, ID_B, &got, &err), 0);
	ck_assert_int_eq(got.has_exit_code, 0);
	job_record_done(&got);
	ck_assert_int_eq(store_job_events(s, ID_A, &ev, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_int_eq(ev[0].state, JOB_PENDING);
	ck_assert_int_eq(ev[1].state, JOB_RUNNING);
	ck_assert_int_eq(ev[2].state, JOB_FAILED);
	ck_assert_str_eq(ev[2].reason, "exit code 3");
	job_events_free(ev, n);

	/* Prefixes. */
	ck_assert_int_eq(store_job_resolve(s, "3333", NULL, id, &err), 0);
	ck_assert_str_eq(id, ID_C);
	ck_assert_int_eq(store_job_resolve(s, ID_B, NULL, id, &err), 0);
	ck_assert_str_eq(id, ID_B);
	ck_assert_int_eq(store_job_resolve(s, "11111111-", NULL, id, &err), -JOBLET_E_CONFLICT);
	ck_assert_ptr_nonnull(strstr(joblet_error_message(err), "several job ids"));
	joblet_error_clear(&err);
	ck_assert_int_eq(store_job_resolve(s, "4444", NULL, id, &err), -JOBLET_E_NOT_FOUND);
	joblet_error_clear(&err);
	/* Among one owner's jobs: another's is neither found nor named nor counted. */
	ck_assert_int_eq(store_job_resolve(s, "11111111-", "developer-client", id, &err), 0);
	ck_assert_str_eq(id, ID_A);
	ck_assert_int_eq(store_job_resolve(s, "11111111-", "other-client", id, &err), 0);
	ck_assert_str_eq(id, ID_B);
	ck_assert_int_eq(store_job_resolve(s, ID_C, "other-client", id, &err), -JOBLET_E_NOT_FOUND);
	{
		char *msg = strdup(joblet_error_message(err));

		joblet_error_clear(&err);
		/* The same answer as for an id no job has, but for the id itself. */
		ck_assert_int_eq(store_job_resolve(s, "33333333-3333-4333-8333-333333333334",
						   "other-client", id, &err),
				 -JOBLET_E_NOT_FOUND);
		ck_assert_ptr_nonnull(strstr(msg, "no job `" ID_C "`; "));
		ck_assert_ptr_nonnull(strstr(joblet_error_message(err),
					     "no job `33333333-3333-4333-8333-333333333334`; "));
		free(msg);
		joblet_error_clear(&err);
	}
	for (const char *const *bad = (const char *const[]){ "", "-1", "1111111x", "ABCD",
							     "11111111111", "1111*", "%", NULL };
	     *bad; bad++) {
		ck_assert_msg(store_job_resolve(s, *bad, NULL, id, &err) == -JOBLET_E_INVALID, "%s",
			      *bad);
		joblet_error_clear(&err);
	}

	ck_assert_int_eq(store_job_foreach(s, JOB_PENDING, count_cb, &k, &err), 0);
	ck_assert_int_eq(k, 1);
	k = 0;
	ck_assert_int_eq(store_job_foreach(s, 0, count_cb, &k, &err), 0);
	ck_assert_int_eq(k, 3);
	ck_assert_int_eq(store_job_counts(s, counts, &err), 0);
	ck_assert_int_eq(counts[JOB_FAILED], 1);
	ck_assert_int_eq(counts[JOB_SCHEDULED], 1);
	ck_assert_int_eq(counts[JOB_PENDING], 1);
	ck_assert_int_eq(store_job_max_seq(s, &max, &err), 0);
	ck_assert_int_eq(max, 3);

	ck_assert_int_eq(store_job_delete(s, ID_A, &err), 0);
	ck_assert_int_eq(store_job_get(s, ID_A, &got, &err), -JOBLET_E_NOT_FOUND);
	joblet_error_clear(&err);
	ck_assert_int_eq(store_job_events(s, ID_A, &ev, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	job_events_free(ev, n);
	/* Updating a deleted job says so. */
	ck_assert_int_eq(store_job_update(s, &a, &err), -JOBLET_E_NOT_FOUND);
	store_close(s);
}
END_TEST

START_TEST(test_store_audit)
{
	struct store *s = NULL;
	struct audit_entry a = { "admin-client", "ff01", "admin", "DELETE", "/v1/jobs",
				 "3 jobs",	 200,	 0,	  NULL };
	struct audit_entry b = { "reader-client",
				 "ff02",
				 "reader",
				 "POST",
				 "/v1/jobs",
				 NULL,
				 403,
				 0,
				 "role reader may not POST /v1/jobs" };
	char *json = NULL;

	ck_assert_int_eq(store_open(jl_tmp_path("joblet.db"), &s, &err), 0);
	ck_assert_int_eq(store_audit(s, &a, &err), 0);
	ck_assert_int_eq(store_audit(s, &b, &err), 0);
	ck_assert_int_eq(store_audit_json(s, 10, &json, &err), 0);
	/* Newest first, slashes as they are. */
	ck_assert_ptr_nonnull(strstr(json, "\"cn\":\"reader-client\""));
	ck_assert(strstr(json, "reader-client") < strstr(json, "admin-client"));
	ck_assert_ptr_nonnull(strstr(json, "\"path\":\"/v1/jobs\""));
	ck_assert_ptr_nonnull(strstr(json, "\"status\":403"));
	free(json);
	ck_assert_int_eq(store_audit_json(s, 1, &json, &err), 0);
	ck_assert_ptr_null(strstr(json, "admin-client"));
	free(json);
	store_close(s);
}
END_TEST

/* The audit table stays within server.audit_retention: rows, then age. */
static int64_t audit_rows(const char *path)
{
	sqlite3 *db;
	sqlite3_stmt *q;
	int64_t n = -1;

	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM audit", -1, &q, NULL),
			 SQLITE_OK);
	if (sqlite3_step(q) == SQLITE_ROW)
		n = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	sqlite3_close(db);
	return n;
}

START_TEST(test_store_audit_retention)
{
	struct store *s = NULL;
	struct audit_entry a = {
		"developer-client", "ff03", "developer", "POST", "/v1/jobs", NULL, 201, 0, NULL
	};
	const char *path = jl_tmp_path("joblet.db");
	char *json = NULL;
	int64_t pruned = -1;
	sqlite3 *db;

	ck_assert_int_eq(store_open(path, &s, &err), 0);
	for (int i = 0; i < 50; i++)
		ck_assert_int_eq(store_audit(s, &a, &err), 0);
	ck_assert_int_eq(audit_rows(path), 50);
	/* Rows: pruned at once to the newest 10, then kept at 10 while rows come in. */
	ck_assert_int_eq(store_audit_retention(s, -1, 10, &pruned, &err), 0);
	ck_assert_int_eq(pruned, 40);
	ck_assert_int_eq(audit_rows(path), 10);
	a.target = "newest";
	for (int i = 0; i < 30; i++)
		ck_assert_int_eq(store_audit(s, &a, &err), 0);
	ck_assert_int_eq(audit_rows(path), 10);
	ck_assert_int_eq(store_audit_json(s, 1, &json, &err), 0);
	ck_assert_ptr_nonnull(strstr(json, "\"target\":\"newest\""));
	free(json);

	/* Age: the 6 oldest rows made 2 days old go, with a limit of one day. */
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(
		sqlite3_exec(db,
			     "UPDATE audit SET ts_ns = ts_ns - 172800000000000 WHERE id IN "
			     "(SELECT id FROM audit ORDER BY id LIMIT 6)",
			     NULL, NULL, NULL),
		SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(store_audit_retention(s, 86400, -1, &pruned, &err), 0);
	ck_assert_int_eq(pruned, 6);
	ck_assert_int_eq(audit_rows(path), 4);
	/* Unlimited both ways: nothing more goes. */
	ck_assert_int_eq(store_audit_retention(s, -1, -1, &pruned, &err), 0);
	ck_assert_int_eq(pruned, 0);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(store_audit(s, &a, &err), 0);
	ck_assert_int_eq(audit_rows(path), 24);
	store_close(s);
}
END_TEST

START_TEST(test_store_refusals)
{
	struct store *s = NULL;
	sqlite3 *db;
	int fd;

	/* Written by a newer joblet: refused, not damaged. */
	ck_assert_int_eq(store_open(jl_tmp_path("new.db"), &s, &err), 0);
	store_close(s);
	ck_assert_int_eq(sqlite3_open(jl_tmp_path("new.db"), &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(store_open(jl_tmp_path("new.db"), &s, &err), -JOBLET_E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(joblet_error_message(err), "newer joblet"));
	joblet_error_clear(&err);
	/* Not a database. */
	fd = open(jl_tmp_path("junk.db"), O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	for (int i = 0; i < 64; i++)
		ck_assert_int_eq(write(fd, "this is not sqlite at all.......", 32), 32);
	close(fd);
	ck_assert_int_lt(store_open(jl_tmp_path("junk.db"), &s, &err), 0);
	ck_assert_ptr_nonnull(strstr(joblet_error_message(err), "junk.db"));
	joblet_error_clear(&err);
	/* A folder that does not exist. */
	ck_assert_int_lt(store_open(jl_tmp_path("no/such/joblet.db"), &s, &err), 0);
}
END_TEST

/* A store of schema 2 (before log_dropped_bytes) is migrated: its jobs read with 0 dropped. */
START_TEST(test_store_migrates_v2)
{
	struct store *s = NULL;
	struct job_record a = rec(ID_A, 1, JOB_COMPLETED), got;
	sqlite3 *db;

	ck_assert_int_eq(store_open(jl_tmp_path("old.db"), &s, &err), 0);
	ck_assert_int_eq(store_job_insert(s, &a, &err), 0);
	store_close(s);
	ck_assert_int_eq(sqlite3_open(jl_tmp_path("old.db"), &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
				      "ALTER TABLE jobs DROP COLUMN log_dropped_bytes;"
				      "DROP TABLE networks; DROP TABLE net_leases;"
				      "PRAGMA user_version = 2",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	ck_assert_int_eq(store_open(jl_tmp_path("old.db"), &s, &err), 0);
	ck_assert_int_eq(store_job_get(s, ID_A, &got, &err), 0);
	ck_assert_int_eq(got.log_dropped_bytes, 0);
	job_record_done(&got);
	a.log_dropped_bytes = 7;
	ck_assert_int_eq(store_job_update(s, &a, &err), 0);
	ck_assert_int_eq(store_job_get(s, ID_A, &got, &err), 0);
	ck_assert_int_eq(got.log_dropped_bytes, 7);
	job_record_done(&got);
	store_close(s);
}
END_TEST

/*
 * Networks and leases: a job gets the lowest free address and keeps it
 * when asked again; its end frees it; a restart frees those of jobs that
 * do not run; a network a waiting or running job names cannot be removed.
 */
START_TEST(test_store_networks)
{
	struct store *s = NULL;
	struct job_record a = rec(ID_A, 1, JOB_RUNNING), b = rec(ID_B, 2, JOB_RUNNING),
			  c = rec(ID_C, 3, JOB_PENDING);
	struct net_record n = { .name = (char *)"lab",
				.cidr = (char *)"10.9.0.0/29",
				.bridge = (char *)"jlnlab",
				.owner = (char *)"developer-client" },
			  got;
	uint32_t addr;
	int64_t users = -1, freed = -1;
	char **ids = NULL;

	c.spec_json = (char *)"{\"command\":[\"true\"],\"network\":\"lab\"}";
	ck_assert_int_eq(store_open(jl_tmp_path("net.db"), &s, &err), 0);
	ck_assert_int_eq(store_job_insert(s, &a, &err), 0);
	ck_assert_int_eq(store_job_insert(s, &b, &err), 0);
	ck_assert_int_eq(store_network_put(s, &n, &err), 0);
	ck_assert_int_lt(store_network_put(s, &n, &err), 0);
	ck_assert_int_eq(err->code, JOBLET_E_EXISTS);
	joblet_error_clear(&err);
	ck_assert_int_eq(store_network_get(s, "lab", &got, &err), 0);
	ck_assert_str_eq(got.cidr, "10.9.0.0/29");
	ck_assert_str_eq(got.allow_json, "[]");
	net_record_done(&got);
	/* 10.9.0.2 .. 10.9.0.6: the gateway and the broadcast are never leased. */
	ck_assert_int_eq(store_lease_take(s, "lab", 0x0a090002, 0x0a090003, ID_A, &addr, &err), 0);
	ck_assert_uint_eq(addr, 0x0a090002);
	ck_assert_int_eq(store_lease_take(s, "lab", 0x0a090002, 0x0a090003, ID_A, &addr, &err), 0);
	ck_assert_uint_eq(addr, 0x0a090002);
	ck_assert_int_eq(store_lease_take(s, "lab", 0x0a090002, 0x0a090003, ID_B, &addr, &err), 0);
	ck_assert_uint_eq(addr, 0x0a090003);
	ck_assert_int_lt(store_lease_take(s, "lab", 0x0a090002, 0x0a090003, ID_C, &addr, &err), 0);
	ck_assert_int_eq(err->code, JOBLET_E_BUSY);
	joblet_error_clear(&err);
	ck_assert_int_eq(store_lease_release(s, ID_A, &err), 0);
	ck_assert_int_eq(store_lease_take(s, "lab", 0x0a090002, 0x0a090003, ID_C, &addr, &err), 0);
	ck_assert_uint_eq(addr, 0x0a090002);
	/* C does not run (PENDING): a restart frees its address; B's stays. */
	ck_assert_int_eq(store_lease_reclaim(s, &freed, &err), 0);
	ck_assert_int_eq(freed, 1);
	ck_assert_int_eq(store_lease_jobs(s, &ids, &err), 0);
	ck_assert_str_eq(ids[0], ID_B);
	ck_assert_ptr_null(ids[1]);
	jl_strv_free(ids);
	/* C waits on lab: it cannot be removed, and the answer names C. */
	ck_assert_int_eq(store_job_insert(s, &c, &err), 0);
	ck_assert_int_eq(store_network_users(s, "lab", &users, &err), 0);
	ck_assert_int_eq(users, 1);
	ck_assert_int_lt(store_network_delete(s, "lab", &err), 0);
	ck_assert_int_eq(err->code, JOBLET_E_CONFLICT);
	ck_assert_ptr_nonnull(strstr(joblet_error_message(err), ID_C));
	joblet_error_clear(&err);
	c.state = JOB_CANCELED;
	ck_assert_int_eq(store_job_update(s, &c, &err), 0);
	ck_assert_int_eq(store_network_delete(s, "lab", &err), 0);
	ck_assert_int_lt(store_network_get(s, "lab", &got, &err), 0);
	ck_assert_int_eq(err->code, JOBLET_E_NOT_FOUND);
	joblet_error_clear(&err);
	store_close(s);
}
END_TEST

START_TEST(test_states)
{
	for (int32_t s = JOB_PENDING; s <= JOB_OOM_KILLED; s++) {
		ck_assert_ptr_nonnull(job_state_name(s));
		ck_assert_int_eq(job_state_parse(job_state_name(s)), s);
	}
	ck_assert_int_eq(job_state_parse("running"), JOB_RUNNING);
	ck_assert_int_eq(job_state_parse("RUN"), 0);
	ck_assert_ptr_null(job_state_name(0));
	ck_assert_int_eq(job_state_final(JOB_RUNNING), 0);
	ck_assert_int_eq(job_state_final(JOB_SCHEDULED), 0);
	ck_assert_int_eq(job_state_final(JOB_CANCELED), 1);
	ck_assert_int_eq(job_state_final(JOB_OOM_KILLED), 1);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_store_records);
	tcase_add_test(tc, test_store_audit);
	tcase_add_test(tc, test_store_audit_retention);
	tcase_add_test(tc, test_store_refusals);
	tcase_add_test(tc, test_store_migrates_v2);
	tcase_add_test(tc, test_store_networks);
	tcase_add_test(tc, test_states);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}
