/*
 * test_fairshare.c - scheduler/fairshare, loaded from build-plugins/ through
 * the plugin loader with settings from a joblet.yml, and driven through its
 * ops with a virtual clock (plain nanosecond values, nothing sleeps).
 */

#include "policy_test.h"

#define MINUTE INT64_C(60000000000)
/* A realistic CLOCK_REALTIME value: 2025-01-01. */
#define T0 INT64_C(1735689600000000000)

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
	char(*names)[16] = calloc(OWNERS, sizeof(*names));
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
	expect_refused(
		"fairshare", "      weights: \"alice=1000001\"\n",
		"a whole number from 1 to 1000000; entries separated by commas, such as `alice=3, bob=2`");
	expect_refused("fairshare", "      weights: \"bob=1, alice=2, bob=3\"\n",
		       "setting `weights` names `bob` twice");
	expect_refused("fairshare", "      default_weight: 0\n",
		       "setting `default_weight` must be a whole number from 1 to 1000000");
	expect_refused("fairshare", "      default_weight: 1.5\n", "not `1.5`");
	expect_refused("fairshare", "      weight: 1\n",
		       "`weight` is not a setting of scheduler/fairshare");
}
END_TEST

/* ------------------------------------------------------------------ against a model */

/*
 * A plain model of the order the plugin documents, without a heap: the
 * owner served next has the fewest running jobs per weight, then was served
 * least recently, then has the oldest head job, then the lowest name.
 * Owners appear at tick - 1 and are forgotten with nothing waiting or
 * running.  Random submits, picks, ends, removals and adoptions are checked
 * against it, under weights that exercise every way the plugin keys its
 * heap (one weight; small ones; ones whose common multiple is too large for
 * a key; shares that outgrow their field).
 */
#define M_OWNERS 6
#define M_JOBS	 600
#define M_STEPS	 4000

enum { M_OUT = 0, M_WAITING = 1, M_RUNNING = 2 };

struct model_owner {
	uint64_t weight, running, served;
	int exists;
	int fifo[M_JOBS], head, tail; /* job indexes; the waiting ones are [head, tail) */
};

struct model {
	struct model_owner o[M_OWNERS];
	uint64_t tick, seq;
	char names[M_OWNERS][8];
	struct joblet_sched_job jobs[M_JOBS];
	int state[M_JOBS], n_jobs, waiting;
	uint64_t most_running;
};

static struct model_owner *model_owner(struct model *m, int k)
{
	struct model_owner *o = &m->o[k];

	if (!o->exists) {
		o->exists = 1;
		o->running = 0;
		o->head = o->tail = 0;
		o->served = m->tick ? m->tick - 1 : 0;
	}
	return o;
}

static void model_started(struct model *m, int k)
{
	m->o[k].running++;
	m->tick += 2;
	m->o[k].served = m->tick;
	if (m->o[k].running > m->most_running)
		m->most_running = m->o[k].running;
}

static uint64_t model_head_seq(const struct model *m, int k)
{
	return m->jobs[m->o[k].fifo[m->o[k].head]].seq;
}

/* 1 when owner a is served before owner b. */
static int model_before(const struct model *m, int a, int b)
{
	const struct model_owner *x = &m->o[a], *y = &m->o[b];
	uint64_t lhs = x->running * y->weight, rhs = y->running * x->weight;

	if (lhs != rhs)
		return lhs < rhs;
	if (x->served != y->served)
		return x->served < y->served;
	if (model_head_seq(m, a) != model_head_seq(m, b))
		return model_head_seq(m, a) < model_head_seq(m, b);
	return strcmp(m->names[a], m->names[b]) < 0;
}

/* The job whose turn it is, or NULL when nothing waits. */
static struct joblet_sched_job *model_next(struct model *m, int *ret_owner)
{
	int best = -1;

	for (int k = 0; k < M_OWNERS; k++)
		if (m->o[k].exists && m->o[k].head < m->o[k].tail &&
		    (best < 0 || model_before(m, k, best)))
			best = k;
	*ret_owner = best;
	return best < 0 ? NULL : &m->jobs[m->o[best].fifo[m->o[best].head]];
}

static void model_submit(struct model *m, int k)
{
	int i = m->n_jobs++;

	m->jobs[i] = job(++m->seq, m->names[k], 0, T0);
	submit(&m->jobs[i], T0);
	model_owner(m, k)->fifo[m->o[k].tail++] = i;
	m->state[i] = M_WAITING;
	m->waiting++;
}

static void model_pick(struct model *m)
{
	int k;
	struct joblet_sched_job *want = model_next(m, &k);

	ck_assert_ptr_eq(ops->peek(q, T0), want);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0), want);
	if (!want)
		return;
	m->state[m->o[k].fifo[m->o[k].head++]] = M_RUNNING;
	m->waiting--;
	model_started(m, k);
}

/* End a running job, or remove a waiting one, of owner k (a random one). */
static void model_end(struct model *m, int k)
{
	int i, at;

	for (i = 0; i < m->n_jobs; i++)
		if (m->state[i] != M_OUT && strcmp(m->jobs[i].owner, m->names[k]) == 0 &&
		    rng() % 3 == 0)
			break;
	if (i == m->n_jobs)
		return;
	if (m->state[i] == M_RUNNING) {
		ops->finished(q, &m->jobs[i], T0);
		m->o[k].running--;
	} else {
		ops->remove(q, &m->jobs[i]);
		for (at = m->o[k].head; m->o[k].fifo[at] != i; at++)
			;
		memmove(&m->o[k].fifo[at], &m->o[k].fifo[at + 1],
			(size_t)(m->o[k].tail - at - 1) * sizeof(int));
		m->o[k].tail--;
		m->waiting--;
	}
	m->state[i] = M_OUT;
	if (m->o[k].head == m->o[k].tail && m->o[k].running == 0)
		m->o[k].exists = 0;
}

static void model_adopt(struct model *m, int k)
{
	int i = m->n_jobs++;

	m->jobs[i] = job(++m->seq, m->names[k], 0, T0);
	ops->adopt(q, &m->jobs[i], T0);
	model_owner(m, k);
	model_started(m, k);
	m->state[i] = M_RUNNING;
}

static void model_run(const char *settings, const uint64_t *weights, uint64_t want_most_running)
{
	struct model *m = calloc(1, sizeof(*m));

	ck_assert_ptr_nonnull(m);
	load_ok("fairshare", settings);
	for (int k = 0; k < M_OWNERS; k++) {
		snprintf(m->names[k], sizeof(m->names[k]), "o%d", k);
		m->o[k].weight = weights[k];
	}
	for (int step = 0; step < M_STEPS; step++) {
		uint64_t op = rng() % 20;
		int k = (int)(rng() % M_OWNERS);

		if (op < 8 && m->n_jobs < M_JOBS)
			model_submit(m, k);
		else if (op < 14)
			model_pick(m);
		else if (op < 19)
			model_end(m, k);
		else if (m->n_jobs < M_JOBS)
			model_adopt(m, k);
		ck_assert_uint_eq(ops->count(q), (uint64_t)m->waiting);
	}
	ck_assert_uint_ge(m->most_running, want_most_running);
	free(m);
}

START_TEST(test_fairshare_against_model)
{
	static const uint64_t one[M_OWNERS] = { 1, 1, 1, 1, 1, 1 };
	static const uint64_t small[M_OWNERS] = { 3, 1, 2, 1, 1, 1 };
	static const uint64_t primes[M_OWNERS] = { 999983, 999979, 1, 1, 1, 1 };
	static const uint64_t wide[M_OWNERS] = { 1, 1000000, 1, 1, 1, 1 };
	static const uint64_t fours[M_OWNERS] = { 4, 4, 4, 2, 4, 4 };

	model_run(NULL, one, 0);
	model_run("      weights: \"o0=3, o2=2\"\n", small, 0);
	/* A common multiple of about 1e12: no key, fairshare_compare() alone. */
	model_run("      weights: \"o0=999983, o1=999979\"\n", primes, 0);
	/* Shares of weight-1 owners outgrow the key's field after 16 running jobs. */
	model_run("      weights: \"o1=1000000\"\n", wide, 17);
	model_run("      weights: \"o3=2\"\n      default_weight: 4\n", fours, 0);
}
END_TEST

/* ------------------------------------------------------------------ suite */

static Suite *suite(void)
{
	Suite *s = suite_create("fairshare");
	TCase *tf = tcase_create("fairshare");

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
	tcase_add_test(tf, test_fairshare_against_model);
	suite_add_tcase(s, tf);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}
