/*
 * test_sched_policies.c - scheduler/priority and scheduler/fairshare, loaded
 * from build-plugins/ through the plugin loader with settings from a
 * joblet.yml, and driven through their ops with a virtual clock (plain
 * nanosecond values, nothing sleeps).
 *
 * Nothing here measures time: the 10,000-job cases check the order only.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <joblet/archive.h>
#include <joblet/buffer.h>
#include <joblet/error.h>
#include <joblet/isolation.h>
#include <joblet/job.h>
#include <joblet/log.h>
#include <joblet/plugin.h>
#include <joblet/registry.h>
#include <joblet/scheduler.h>
#include <joblet/stream.h>
#include <joblet/version.h>

#include "config/config.h"
#include "plugin/loader.h"
#include "sched/sched.h"

#include "jl_test.h"
#include "jl_tmp.h"

#define MINUTE INT64_C(60000000000)
/* A realistic CLOCK_REALTIME value: 2025-01-01. */
#define T0 INT64_C(1735689600000000000)

static const struct joblet_sched_capacity unlimited = { sizeof(unlimited), 0, -1, -1, -1, -1 };
static const struct joblet_sched_capacity one_slot = { sizeof(one_slot), 0, 1, -1, -1, -1 };

static struct jl_config *cfg;
static struct jl_plugin_set *set;
static const struct joblet_scheduler_ops *ops;
static void *q;

static void setup(void)
{
	jl_tmp_setup();
	cfg = NULL;
	set = NULL;
	ops = NULL;
	q = NULL;
}

static void teardown(void)
{
	if (q)
		ops->destroy(q);
	jl_plugin_set_free(set);
	jl_config_free(cfg);
	jl_tmp_teardown();
}

/*
 * Load scheduler_<name>.so with these settings lines (YAML under the
 * plugin's id, NULL for none).  0, or negative with *err set.
 */
static int load(const char *name, const char *settings, struct joblet_error **err)
{
	char yaml[2048], path[4096];
	const struct joblet_plugin *p;
	int r;

	if (q)
		ops->destroy(q);
	q = NULL;
	jl_plugin_set_free(set);
	set = NULL;
	jl_config_free(cfg);
	cfg = NULL;
	if (settings)
		snprintf(yaml, sizeof(yaml), "plugins:\n  settings:\n    scheduler/%s:\n%s", name,
			 settings);
	else
		snprintf(yaml, sizeof(yaml), "plugins:\n  settings: {}\n");
	r = jl_config_load(jl_tmp_write("joblet.yml", yaml), 0, &cfg, err);
	if (r < 0)
		return r;
	ck_assert_int_eq(jl_plugin_set_new(cfg, JL_LOADER_NO_BUILTINS, &set, NULL), 0);
	snprintf(path, sizeof(path), "%s/build-plugins/scheduler_%s.so",
		 jl_test_env("JOBLET_TEST_BUILDDIR"), name);
	r = jl_plugin_set_load_file(set, path, err);
	if (r < 0)
		return r;
	p = jl_plugin_set_find(set, JOBLET_KIND_SCHEDULER, name);
	ck_assert_ptr_nonnull(p);
	ops = p->ops;
	ck_assert_int_eq(ops->create(&q, NULL), 0);
	return 0;
}

static void load_ok(const char *name, const char *settings)
{
	struct joblet_error *e = NULL;

	ck_assert_msg(load(name, settings, &e) == 0, "loading %s: %s", name,
		      joblet_error_message(e));
}

static void expect_refused(const char *name, const char *settings, const char *needle)
{
	struct joblet_error *e = NULL;
	int r = load(name, settings, &e);

	ck_assert_msg(r < 0, "`%s` was accepted", settings);
	ck_assert_ptr_nonnull(e);
	ck_assert_msg(strstr(e->message, needle), "`%s` not in: %s", needle, e->message);
	joblet_error_free(e);
}

static struct joblet_sched_job job(uint64_t seq, const char *owner, int64_t priority,
				   int64_t submit)
{
	return (struct joblet_sched_job){ .size = sizeof(struct joblet_sched_job), .id = "job",
					  .owner = owner, .seq = seq, .submit_time_ns = submit,
					  .priority = priority };
}

static void submit(struct joblet_sched_job *j, int64_t now)
{
	ck_assert_int_eq(ops->submit(q, j, now, NULL), 0);
}

/* ------------------------------------------------------------------ priority */

START_TEST(test_priority_order)
{
	static const int64_t prio[] = { 500, 1000, 500, 0, 1000, 999 };
	static const uint64_t want[] = { 1, 4, 5, 0, 2, 3 };
	struct joblet_sched_job j[6];

	load_ok("priority", NULL);
	ck_assert_ptr_null(ops->pick(q, &unlimited, T0));
	for (int i = 0; i < 6; i++) {
		j[i] = job((uint64_t)i, "o", prio[i], T0);
		submit(&j[i], T0);
	}
	ck_assert_uint_eq(ops->count(q), 6);
	for (int i = 0; i < 6; i++)
		ck_assert_uint_eq(ops->pick(q, &unlimited, T0)->seq, want[i]);
	ck_assert_ptr_null(ops->pick(q, &unlimited, T0));
	ck_assert_uint_eq(ops->count(q), 0);
}
END_TEST

START_TEST(test_priority_aging)
{
	struct joblet_sched_job low = job(1, "o", 0, T0), high = job(2, "o", 500, T0 + 60 * MINUTE);

	/* Default 10 per minute: after 60 minutes, 0 + 600 beats a fresh 500. */
	load_ok("priority", NULL);
	submit(&low, T0);
	submit(&high, T0 + 60 * MINUTE);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0 + 60 * MINUTE), &low);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0 + 60 * MINUTE), &high);

	/* Exactly equal effective priority (0 + 500 = 500): submission order. */
	high = job(2, "o", 500, T0 + 50 * MINUTE);
	submit(&high, T0 + 50 * MINUTE);
	submit(&low, T0 + 50 * MINUTE);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0 + 50 * MINUTE), &low);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0 + 50 * MINUTE), &high);
	/* One point more, or one nanosecond less waited, and the other goes first. */
	high = job(2, "o", 501, T0 + 50 * MINUTE);
	submit(&low, T0 + 50 * MINUTE);
	submit(&high, T0 + 50 * MINUTE);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0 + 50 * MINUTE), &high);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0 + 50 * MINUTE), &low);
	low = job(1, "o", 0, T0 + 1);
	high = job(2, "o", 500, T0 + 50 * MINUTE);
	submit(&low, T0 + 50 * MINUTE);
	submit(&high, T0 + 50 * MINUTE);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0 + 50 * MINUTE), &high);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0 + 50 * MINUTE), &low);

	/* Aging off: priority alone, however long the low one waited. */
	load_ok("priority", "      aging_per_minute: 0\n");
	low = job(1, "o", 0, T0);
	high = job(2, "o", 1, T0 + 100000 * MINUTE);
	submit(&low, T0);
	submit(&high, T0 + 100000 * MINUTE);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0 + 100000 * MINUTE), &high);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0 + 100000 * MINUTE), &low);

	/* A fraction: 2.5 per minute, so 40 minutes make up 100 points (a tie). */
	load_ok("priority", "      aging_per_minute: 2.5\n");
	low = job(1, "o", 0, T0);
	high = job(2, "o", 100, T0 + 40 * MINUTE);
	submit(&low, T0);
	submit(&high, T0 + 40 * MINUTE);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0 + 40 * MINUTE), &low);
	high.submit_time_ns = T0 + 40 * MINUTE - 1;
	low.submit_time_ns = T0;
	submit(&high, T0 + 40 * MINUTE);
	submit(&low, T0 + 40 * MINUTE);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0 + 40 * MINUTE), &high);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0 + 40 * MINUTE), &low);
}
END_TEST

/*
 * A priority-0 job among a stream of priority-1000 jobs, two submitted per
 * minute and one started per minute: it waits only behind those submitted
 * less than 1000 / 10 = 100 minutes after it.
 */
START_TEST(test_priority_starvation_bound)
{
	enum { MINUTES = 400, PER_MINUTE = 2 };
	struct joblet_sched_job *high = calloc(MINUTES * PER_MINUTE, sizeof(*high));
	struct joblet_sched_job low = job(0, "o", 0, T0);
	uint64_t seq = 1, picks_before = 0, within_bound = 0;
	int picked = 0;

	ck_assert_ptr_nonnull(high);
	load_ok("priority", "      aging_per_minute: 10\n");
	submit(&low, T0);
	for (int m = 0; m < MINUTES && !picked; m++) {
		int64_t now = T0 + m * MINUTE;
		struct joblet_sched_job *j;

		for (int k = 0; k < PER_MINUTE; k++) {
			struct joblet_sched_job *h = &high[m * PER_MINUTE + k];

			*h = job(seq++, "o", 1000, now);
			submit(h, now);
			if (now - T0 < 100 * MINUTE)
				within_bound++;
		}
		j = ops->pick(q, &one_slot, now);
		ck_assert_ptr_nonnull(j);
		if (j == &low)
			picked = 1;
		else
			picks_before++;
	}
	ck_assert_msg(picked, "the low-priority job starved");
	ck_assert_msg(picks_before <= within_bound, "%llu started before it, bound %llu",
		      (unsigned long long)picks_before, (unsigned long long)within_bound);
	/* And it did not go early either: all 200 of the first 100 minutes were ahead. */
	ck_assert_uint_eq(picks_before, within_bound);
	free(high);
}
END_TEST

START_TEST(test_priority_strict)
{
	struct joblet_sched_job big = job(1, "o", 1000, T0), small = job(2, "o", 10, T0);
	struct joblet_sched_capacity cap = unlimited;

	load_ok("priority", NULL);
	big.max_cpu = 400;
	small.max_cpu = 50;
	submit(&small, T0);
	submit(&big, T0);
	cap.free_cpu = 100;
	ck_assert_ptr_null(ops->pick(q, &cap, T0));
	ck_assert_ptr_null(ops->pick(q, &cap, T0 + 1000 * MINUTE));
	ck_assert_uint_eq(ops->count(q), 2);
	/* peek() names the job that holds the others up, and leaves it queued. */
	ck_assert_ptr_eq(ops->peek(q, T0), &big);
	ck_assert_uint_eq(ops->count(q), 2);
	cap.free_cpu = 400;
	ck_assert_ptr_eq(ops->pick(q, &cap, T0), &big);
	ck_assert_ptr_eq(ops->peek(q, T0), &small);
	ck_assert_ptr_eq(ops->pick(q, &cap, T0), &small);
	ck_assert_ptr_null(ops->peek(q, T0));
	ck_assert_ptr_null(ops->pick(q, &one_slot, T0));
}
END_TEST

START_TEST(test_priority_remove)
{
	static const int64_t prio[] = { 10, 900, 500, 700, 300, 800, 100, 600 };
	struct joblet_sched_job j[8];

	load_ok("priority", NULL);
	for (int i = 0; i < 8; i++) {
		j[i] = job((uint64_t)i, "o", prio[i], T0);
		submit(&j[i], T0);
	}
	ops->remove(q, &j[3]); /* 700, in the middle */
	ops->remove(q, &j[1]); /* 900, the best */
	ops->remove(q, &j[0]); /* 10, the worst */
	ck_assert_uint_eq(ops->count(q), 5);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0), &j[5]);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0), &j[7]);
	ops->remove(q, &j[4]);
	submit(&j[3], T0);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0), &j[3]);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0), &j[2]);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0), &j[6]);
	ck_assert_ptr_null(ops->pick(q, &unlimited, T0));
	ck_assert_uint_eq(ops->count(q), 0);
}
END_TEST

static uint64_t rng_state = 42;

static uint64_t rng(void)
{
	rng_state = rng_state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return rng_state >> 33;
}

/* The effective priority at a fixed time (aging 3 per minute; whole minutes), as a reference. */
static int ref_before(const struct joblet_sched_job *a, const struct joblet_sched_job *b)
{
	int64_t now = T0 + 10000 * MINUTE;
	int64_t ea = a->priority + 3 * ((now - a->submit_time_ns) / MINUTE);
	int64_t eb = b->priority + 3 * ((now - b->submit_time_ns) / MINUTE);

	return ea > eb || (ea == eb && a->seq < b->seq);
}

/* 10,000 jobs at random priorities and times; a third removed; the rest in order. */
START_TEST(test_priority_many)
{
	enum { N = 10000 };
	struct joblet_sched_job *j = calloc(N, sizeof(*j));
	const struct joblet_sched_job *prev = NULL;
	char *removed = calloc(N, 1);
	uint64_t left = N;

	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_nonnull(removed);
	load_ok("priority", "      aging_per_minute: 3\n");
	for (int i = 0; i < N; i++) {
		/* Whole minutes, so the reference's arithmetic is exact. */
		j[i] = job((uint64_t)i, "o", (int64_t)(rng() % 1001),
			   T0 + (int64_t)(rng() % 5000) * MINUTE);
		submit(&j[i], T0);
	}
	for (int i = 0; i < N / 3; i++) {
		uint64_t k = rng() % N;

		if (!removed[k]) {
			ops->remove(q, &j[k]);
			removed[k] = 1;
			left--;
		}
	}
	ck_assert_uint_eq(ops->count(q), left);
	for (uint64_t i = 0; i < left; i++) {
		const struct joblet_sched_job *p = ops->pick(q, &unlimited, T0);

		ck_assert_ptr_nonnull(p);
		ck_assert(!removed[p - j]);
		if (prev)
			ck_assert_msg(ref_before(prev, p), "seq %llu came before seq %llu",
				      (unsigned long long)prev->seq, (unsigned long long)p->seq);
		prev = p;
	}
	ck_assert_ptr_null(ops->pick(q, &unlimited, T0));
	free(removed);
	free(j);
}
END_TEST

START_TEST(test_priority_settings)
{
	static const char *const bad[] = { "-1", "ten", "1e3", "\"\"", "1.", ".5", "0x10",
					   "1000001", "1000000.5", "0.0000001", "\" 10\"", "inf" };

	load_ok("priority", "      aging_per_minute: 1000000\n");
	load_ok("priority", "      aging_per_minute: 0.000001\n");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[128];

		snprintf(line, sizeof(line), "      aging_per_minute: %s\n", bad[i]);
		expect_refused("priority", line,
			       "init() failed: setting `aging_per_minute` must be a number from 0 "
			       "to 1000000");
	}
	expect_refused("priority", "      aging_per_minute: ten\n",
		       "0 turns aging off), not `ten`");
	expect_refused("priority", "      aging: 10\n",
		       "`aging` is not a setting of scheduler/priority");
}
END_TEST

/* ------------------------------------------------------------------ fairshare */

/* One slot that frees up after every job: B's one job must not wait for A's 1000. */
START_TEST(test_fairshare_one_job_not_blocked)
{
	enum { N = 1000 };
	struct joblet_sched_job *a = calloc(N, sizeof(*a)), b;
	int b_at = -1;

	ck_assert_ptr_nonnull(a);
	load_ok("fairshare", NULL);
	for (int i = 0; i < N; i++) {
		a[i] = job((uint64_t)i, "alice", 0, T0);
		submit(&a[i], T0);
	}
	b = job(N, "bob", 0, T0);
	submit(&b, T0);
	for (int i = 0; i <= N; i++) {
		struct joblet_sched_job *j = ops->pick(q, &one_slot, T0 + i);

		ck_assert_ptr_nonnull(j);
		if (j == &b)
			b_at = i;
		else
			ck_assert_ptr_eq(j, &a[i - (b_at >= 0)]); /* A's own in FIFO order */
		ops->finished(q, j, T0 + i);
	}
	ck_assert_msg(b_at >= 0 && b_at < 2, "bob's job was pick %d", b_at);
	ck_assert_ptr_null(ops->pick(q, &one_slot, T0 + N + 1));
	ck_assert_uint_eq(ops->count(q), 0);

	/* Bob arrives while alice's job runs: his goes at the next free slot. */
	for (int i = 0; i < 10; i++) {
		a[i] = job((uint64_t)(2 * N + i), "alice", 0, T0);
		submit(&a[i], T0);
	}
	ck_assert_ptr_eq(ops->pick(q, &one_slot, T0), &a[0]);
	b = job(3 * N, "bob", 0, T0);
	submit(&b, T0);
	ops->finished(q, &a[0], T0);
	ck_assert_ptr_eq(ops->pick(q, &one_slot, T0), &b);
	free(a);
}
END_TEST

/*
 * Bob runs one job at a time (he is freed after each and comes back): he
 * gets every other slot, not all of them, and alice's backlog moves on.
 */
START_TEST(test_fairshare_owner_comes_back)
{
	enum { N = 50 };
	struct joblet_sched_job a[N], b;
	int alice = 0, bob = 0, bob_waiting = 0;
	uint64_t seq = 0;

	load_ok("fairshare", NULL);
	for (int i = 0; i < N; i++) {
		a[i] = job(seq++, "alice", 0, T0);
		submit(&a[i], T0);
	}
	for (int i = 0; i < N; i++) {
		struct joblet_sched_job *j;

		if (!bob_waiting) {
			b = job(seq++, "bob", 0, T0);
			submit(&b, T0);
			bob_waiting = 1;
		}
		j = ops->pick(q, &one_slot, T0);
		ck_assert_ptr_nonnull(j);
		if (j == &b) {
			bob++;
			bob_waiting = 0;
		} else {
			ck_assert_ptr_eq(j, &a[alice]);
			alice++;
		}
		ops->finished(q, j, T0);
	}
	ck_assert_int_eq(alice, N / 2);
	ck_assert_int_eq(bob, N / 2);
	if (bob_waiting)
		ops->remove(q, &b);
}
END_TEST

/* Refill a fixed number of slots; returns how many were started. */
static int fill(int slots, int *running, const char *const *owners, int n_owners,
		struct joblet_sched_job **started, int *n_started)
{
	int total = 0, n = 0;

	for (int i = 0; i < n_owners; i++)
		total += running[i];
	for (;;) {
		struct joblet_sched_capacity cap = unlimited;
		struct joblet_sched_job *j;

		cap.free_slots = slots - total;
		j = ops->pick(q, &cap, T0);
		if (!j)
			break;
		for (int i = 0; i < n_owners; i++)
			if (strcmp(j->owner, owners[i]) == 0)
				running[i]++;
		started[(*n_started)++] = j;
		total++;
		n++;
	}
	return n;
}

START_TEST(test_fairshare_weights)
{
	enum { N = 300 };
	static const char *const owners[] = { "alice", "bob" };
	struct joblet_sched_job *j = calloc(2 * N, sizeof(*j));
	struct joblet_sched_job **started = calloc(2 * N, sizeof(*started));
	int running[2] = { 0, 0 }, n_started = 0;

	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_nonnull(started);
	load_ok("fairshare", "      weights: \"alice=3, bob = 1\"\n");
	for (int i = 0; i < 2 * N; i++) {
		j[i] = job((uint64_t)i, owners[i % 2], 0, T0);
		submit(&j[i], T0);
	}
	ck_assert_int_eq(fill(8, running, owners, 2, started, &n_started), 8);
	ck_assert_int_eq(running[0], 6);
	ck_assert_int_eq(running[1], 2);
	/* Whichever job ends, the refilled slot keeps 6:2. */
	for (int round = 0; round < 200; round++) {
		int k = (int)(rng() % (uint64_t)n_started);
		struct joblet_sched_job *done = started[k];

		for (int i = k; i + 1 < n_started; i++)
			started[i] = started[i + 1];
		n_started--;
		running[strcmp(done->owner, "alice") == 0 ? 0 : 1]--;
		ops->finished(q, done, T0);
		ck_assert_int_eq(fill(8, running, owners, 2, started, &n_started), 1);
		ck_assert_int_eq(running[0], 6);
		ck_assert_int_eq(running[1], 2);
	}
	free(started);
	free(j);
}
END_TEST

START_TEST(test_fairshare_default_weight)
{
	static const char *const owners[] = { "alice", "bob" };
	struct joblet_sched_job j[40], *started[40];
	int running[2] = { 0, 0 }, n_started = 0;

	load_ok("fairshare", "      weights: alice=1\n      default_weight: 2\n");
	for (int i = 0; i < 40; i++) {
		j[i] = job((uint64_t)i, owners[i % 2], 0, T0);
		submit(&j[i], T0);
	}
	ck_assert_int_eq(fill(6, running, owners, 2, started, &n_started), 6);
	ck_assert_int_eq(running[0], 2);
	ck_assert_int_eq(running[1], 4);
}
END_TEST

START_TEST(test_fairshare_adopt_finished)
{
	struct joblet_sched_job adopted[3], a[3], b[3], c = job(100, "carol", 0, T0);

	load_ok("fairshare", NULL);
	/* Alice has three jobs running from before a restart, and nothing waiting. */
	for (int i = 0; i < 3; i++) {
		adopted[i] = job((uint64_t)i, "alice", 0, T0);
		ops->adopt(q, &adopted[i], T0);
	}
	ck_assert_uint_eq(ops->count(q), 0);
	for (int i = 0; i < 3; i++) {
		a[i] = job((uint64_t)(10 + i), "alice", 0, T0);
		b[i] = job((uint64_t)(20 + i), "bob", 0, T0);
		submit(&a[i], T0);
		submit(&b[i], T0);
	}
	/* Bob catches up first, although alice's jobs are older. */
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0), &b[0]);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0), &b[1]);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0), &b[2]);
	/* 3 and 3: alice was served least recently (at adoption). */
	ck_assert_ptr_eq(ops->pick(q, &one_slot, T0), &a[0]);
	/* Adopted jobs end: alice's share drops, so her next goes first. */
	ops->finished(q, &adopted[0], T0);
	ops->finished(q, &adopted[1], T0);
	ck_assert_ptr_eq(ops->pick(q, &one_slot, T0), &a[1]);
	ck_assert_ptr_eq(ops->pick(q, &one_slot, T0), &a[2]);
	ck_assert_ptr_null(ops->pick(q, &one_slot, T0));

	/* An owner with nothing waiting: adopt, finish, and finish again (ignored). */
	ops->adopt(q, &c, T0);
	ops->finished(q, &c, T0);
	ops->finished(q, &c, T0);
	/* A finish for an owner never seen is ignored too. */
	c.owner = "dave";
	ops->finished(q, &c, T0);
	/* Carol starts afresh at 0 running, so her job beats alice's (4 running). */
	c = job(200, "carol", 0, T0);
	a[0] = job(150, "alice", 0, T0);
	submit(&a[0], T0);
	submit(&c, T0);
	ck_assert_ptr_eq(ops->pick(q, &one_slot, T0), &c);
	ck_assert_ptr_eq(ops->pick(q, &one_slot, T0), &a[0]);
	for (int i = 0; i < 3; i++)
		ops->finished(q, &b[i], T0);
}
END_TEST

START_TEST(test_fairshare_strict)
{
	struct joblet_sched_job big = job(1, "alice", 0, T0), small = job(2, "bob", 0, T0);
	struct joblet_sched_capacity cap = unlimited;

	load_ok("fairshare", NULL);
	big.max_memory_mib = 4096;
	small.max_memory_mib = 64;
	submit(&big, T0);
	submit(&small, T0);
	cap.free_memory_mib = 1024;
	ck_assert_ptr_null(ops->pick(q, &cap, T0));
	ck_assert_uint_eq(ops->count(q), 2);
	/* peek() names the job that holds the others up, and leaves it queued. */
	ck_assert_ptr_eq(ops->peek(q, T0), &big);
	ck_assert_uint_eq(ops->count(q), 2);
	cap.free_memory_mib = 4096;
	ck_assert_ptr_eq(ops->pick(q, &cap, T0), &big);
	ck_assert_ptr_eq(ops->peek(q, T0), &small);
	ck_assert_ptr_eq(ops->pick(q, &cap, T0), &small);
	ck_assert_ptr_null(ops->peek(q, T0));
}
END_TEST

START_TEST(test_fairshare_remove)
{
	struct joblet_sched_job a[5], b = job(10, "bob", 0, T0), c = job(11, "carol", 0, T0);

	load_ok("fairshare", NULL);
	for (int i = 0; i < 5; i++) {
		a[i] = job((uint64_t)i, "alice", 0, T0);
		submit(&a[i], T0);
	}
	submit(&b, T0);
	submit(&c, T0);
	ops->remove(q, &a[2]); /* middle */
	ops->remove(q, &a[0]); /* head */
	ops->remove(q, &a[4]); /* tail */
	ops->remove(q, &c);    /* carol's only job: carol is gone */
	ck_assert_uint_eq(ops->count(q), 3);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0), &a[1]);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0), &b);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0), &a[3]);
	ck_assert_ptr_null(ops->pick(q, &unlimited, T0));
	ck_assert_uint_eq(ops->count(q), 0);
	/* No owner, no CN: one anonymous owner. */
	b = job(20, NULL, 0, T0);
	submit(&b, T0);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0), &b);
	ops->finished(q, &b, T0);
}
END_TEST

/*
 * 10,000 jobs across 100 owners, one slot freed after every job: owners take
 * turns (each once per 100 picks), and each owner's jobs go in FIFO order.
 */
START_TEST(test_fairshare_many_owners)
{
	enum { N = 10000, OWNERS = 100 };
	struct joblet_sched_job *j = calloc(N, sizeof(*j));
	char (*names)[16] = calloc(OWNERS, sizeof(*names));
	uint64_t next[OWNERS] = { 0 };
	int seen[OWNERS];

	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_nonnull(names);
	load_ok("fairshare", NULL);
	for (int i = 0; i < OWNERS; i++)
		snprintf(names[i], sizeof(names[i]), "user%d", i);
	/* Owners submit in bursts of uneven length. */
	for (int i = 0; i < N; i++) {
		int o = (int)((uint64_t)i * 7919 % N) % OWNERS;

		j[i] = job((uint64_t)i, names[o], 0, T0);
		submit(&j[i], T0);
	}
	for (int round = 0; round < N / OWNERS; round++) {
		memset(seen, 0, sizeof(seen));
		for (int k = 0; k < OWNERS; k++) {
			struct joblet_sched_job *p = ops->pick(q, &one_slot, T0);
			int o;

			ck_assert_ptr_nonnull(p);
			o = (int)strtol(p->owner + strlen("user"), NULL, 10);
			ck_assert_int_eq(seen[o]++, 0);
			ck_assert_uint_gt(p->seq + 1, next[o]);
			next[o] = p->seq + 1;
			ops->finished(q, p, T0);
		}
	}
	ck_assert_ptr_null(ops->pick(q, &one_slot, T0));
	free(names);
	free(j);
}
END_TEST

START_TEST(test_fairshare_settings)
{
	load_ok("fairshare", "      weights: \" alice = 3 ,bob=2,, carol smith=1000000,\"\n");
	load_ok("fairshare", "      weights: \"\"\n      default_weight: 7\n");
	expect_refused("fairshare", "      weights: \"alice=3, bob\"\n",
		       "setting `weights`: `bob` is not OWNER=WEIGHT");
	expect_refused("fairshare", "      weights: \"alice=0\"\n", "`alice=0` is not OWNER=");
	expect_refused("fairshare", "      weights: \"=3\"\n", "`=3` is not OWNER=WEIGHT");
	expect_refused("fairshare", "      weights: \"alice=x\"\n", "`alice=x` is not OWNER=");
	expect_refused("fairshare", "      weights: \"alice=3; bob=2\"\n",
		       "`alice=3; bob=2` is not OWNER=WEIGHT");
	expect_refused("fairshare", "      weights: \"alice=-1\"\n", "`alice=-1` is not");
	expect_refused("fairshare", "      weights: \"alice=1000001\"\n",
		       "a whole number from 1 to 1000000; entries separated by commas, such as "
		       "`alice=3, bob=2`");
	expect_refused("fairshare", "      weights: \"bob=1, alice=2, bob=3\"\n",
		       "setting `weights` names `bob` twice");
	expect_refused("fairshare", "      default_weight: 0\n",
		       "setting `default_weight` must be a whole number from 1 to 1000000");
	expect_refused("fairshare", "      default_weight: 1.5\n", "not `1.5`");
	expect_refused("fairshare", "      weight: 1\n",
		       "`weight` is not a setting of scheduler/fairshare");
}
END_TEST

/* ------------------------------------------------------------------ through the core */

#define MIN_NS (INT64_C(60) * 1000000000)

/* The scheduler core over the plugin load_ok() loaded last. */
static struct jl_sched *core_of(const char *name, int64_t slots, int64_t cpu)
{
	struct jl_sched_limits lim = { sizeof(lim), 0, slots, cpu, -1, NULL, NULL };
	const struct joblet_plugin *p = jl_plugin_set_find(set, JOBLET_KIND_SCHEDULER, name);
	struct jl_sched *c = NULL;
	struct joblet_error *e = NULL;

	ck_assert_ptr_nonnull(p);
	ck_assert_msg(jl_sched_new(&lim, p, &c, &e) == 0, "%s", joblet_error_message(e));
	return c;
}

static void core_add(struct jl_sched *c, struct joblet_sched_job *j, int64_t now)
{
	struct joblet_error *e = NULL;

	ck_assert_msg(jl_sched_add(c, j, now, &e) == 0, "%s", joblet_error_message(e));
}

START_TEST(test_core_priority_capacity_and_time)
{
	struct jl_sched *c;
	struct joblet_sched_job run = job(1, "a", 0, 0), big = job(2, "a", 900, 0),
				small = job(3, "a", 10, 0), later = job(4, "a", 1000, 0);
	char why[256];

	load_ok("priority", "      aging_per_minute: 0\n");
	c = core_of("priority", 2, 200);
	run.max_cpu = 100;
	big.max_cpu = 200;
	small.max_cpu = 50;
	later.start_at_ns = 10 * MIN_NS; /* the highest priority, but not yet due */
	big.id = "big";
	core_add(c, &run, 0);
	ck_assert_ptr_eq(jl_sched_next(c, 0), &run);
	core_add(c, &big, 0);
	core_add(c, &small, 0);
	core_add(c, &later, 0);
	/* big (900) is first but needs 200% with 100% free: strict, so small waits too. */
	ck_assert_ptr_null(jl_sched_next(c, MIN_NS));
	jl_sched_why(c, &small, why, sizeof(why));
	ck_assert_msg(strstr(why, "waits its turn behind job big, the next in the priority "
				  "policy's order, which waits for CPU: needs 200%, 100% of the "
				  "200% budget is free"),
		      "%s", why);
	jl_sched_release(c, &run, 2 * MIN_NS);
	ck_assert_ptr_eq(jl_sched_next(c, 2 * MIN_NS), &big);
	jl_sched_release(c, &big, 3 * MIN_NS);
	/* At 10 minutes `later` is due and outranks small. */
	ck_assert_ptr_eq(jl_sched_next(c, 10 * MIN_NS), &later);
	ck_assert_ptr_eq(jl_sched_next(c, 10 * MIN_NS), &small);
	jl_sched_release(c, &later, 11 * MIN_NS);
	jl_sched_release(c, &small, 11 * MIN_NS);
	jl_sched_free(c);
}
END_TEST

START_TEST(test_core_priority_starvation_bound)
{
	/* aging 10/min: a priority-0 job outranks any job submitted 100+ minutes after it. */
	static struct joblet_sched_job stream[400];
	struct jl_sched *c;
	struct joblet_sched_job low = job(1, "a", 0, 0), *running = NULL;
	int64_t now = 0;
	int picks = 0;

	load_ok("priority", "      aging_per_minute: 10\n");
	c = core_of("priority", 1, -1);
	core_add(c, &low, 0);
	/* One slot; every minute a priority-1000 job arrives, one job ends and one starts. */
	for (int i = 0; i < 400 && running != &low; i++) {
		now = (int64_t)(i + 1) * MIN_NS;
		stream[i] = job((uint64_t)i + 2, "a", 1000, 0);
		core_add(c, &stream[i], now);
		if (running)
			jl_sched_release(c, running, now);
		running = jl_sched_next(c, now);
		ck_assert_ptr_nonnull(running);
		picks++;
	}
	ck_assert_ptr_eq(running, &low);
	/* Those submitted in the first 100 minutes go first, none submitted after. */
	ck_assert_int_le(picks, 101 + 1);
	ck_assert_int_ge(picks, 99);
	jl_sched_release(c, running, now);
	while ((running = jl_sched_next(c, now)))
		jl_sched_release(c, running, now);
	jl_sched_free(c);
}
END_TEST

START_TEST(test_core_fairshare_one_among_many)
{
	static struct joblet_sched_job a[1000];
	struct jl_sched *c;
	struct joblet_sched_job b = job(1001, "bob", 0, 0), *r;
	int b_at = -1;

	load_ok("fairshare", NULL);
	c = core_of("fairshare", 1, -1);
	for (int i = 0; i < 1000; i++) {
		a[i] = job((uint64_t)i + 1, "alice", 0, 0);
		core_add(c, &a[i], i);
	}
	core_add(c, &b, 1000);
	for (int k = 0; k < 1001; k++) {
		r = jl_sched_next(c, 2000 + k);
		ck_assert_ptr_nonnull(r);
		if (r == &b)
			b_at = k;
		jl_sched_release(c, r, 2000 + k);
	}
	ck_assert_msg(b_at >= 0 && b_at <= 1, "bob's one job started as number %d", b_at);
	jl_sched_free(c);
}
END_TEST

START_TEST(test_core_fairshare_after_restart)
{
	/* alice's two jobs ran before a restart and are adopted: bob goes first. */
	struct jl_sched *c;
	struct joblet_sched_job a1 = job(1, "alice", 0, 0), a2 = job(2, "alice", 0, 0),
				a3 = job(3, "alice", 0, 0), b1 = job(4, "bob", 0, 0);

	load_ok("fairshare", NULL);
	c = core_of("fairshare", 3, -1);
	ck_assert_int_eq(jl_sched_adopt(c, &a1, NULL, 0, NULL), 0);
	ck_assert_int_eq(jl_sched_adopt(c, &a2, NULL, 0, NULL), 0);
	core_add(c, &a3, 1);
	core_add(c, &b1, 2);
	ck_assert_ptr_eq(jl_sched_next(c, 3), &b1);
	ck_assert_ptr_null(jl_sched_next(c, 3)); /* 3 slots, 3 running */
	jl_sched_release(c, &a1, 4);
	ck_assert_ptr_eq(jl_sched_next(c, 4), &a3);
	jl_sched_release(c, &a2, 5);
	jl_sched_release(c, &a3, 5);
	jl_sched_release(c, &b1, 5);
	jl_sched_free(c);
}
END_TEST

static Suite *policies_suite(void)
{
	Suite *s = suite_create("sched_policies");
	TCase *tp = tcase_create("priority"), *tf = tcase_create("fairshare"),
	      *tc = tcase_create("through_the_core");

	tcase_add_checked_fixture(tp, setup, teardown);
	tcase_add_test(tp, test_priority_order);
	tcase_add_test(tp, test_priority_aging);
	tcase_add_test(tp, test_priority_starvation_bound);
	tcase_add_test(tp, test_priority_strict);
	tcase_add_test(tp, test_priority_remove);
	tcase_add_test(tp, test_priority_many);
	tcase_add_test(tp, test_priority_settings);
	suite_add_tcase(s, tp);

	tcase_add_checked_fixture(tf, setup, teardown);
	tcase_add_test(tf, test_fairshare_one_job_not_blocked);
	tcase_add_test(tf, test_fairshare_owner_comes_back);
	tcase_add_test(tf, test_fairshare_weights);
	tcase_add_test(tf, test_fairshare_default_weight);
	tcase_add_test(tf, test_fairshare_adopt_finished);
	tcase_add_test(tf, test_fairshare_strict);
	tcase_add_test(tf, test_fairshare_remove);
	tcase_add_test(tf, test_fairshare_many_owners);
	tcase_add_test(tf, test_fairshare_settings);
	suite_add_tcase(s, tf);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_core_priority_capacity_and_time);
	tcase_add_test(tc, test_core_priority_starvation_bound);
	tcase_add_test(tc, test_core_fairshare_one_among_many);
	tcase_add_test(tc, test_core_fairshare_after_restart);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(policies_suite());
}
