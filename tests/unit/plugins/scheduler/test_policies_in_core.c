/*
 * test_policies_in_core.c - scheduler/priority and scheduler/fairshare driven
 * through the scheduler core (core/lib/sched/sched.c) with a virtual clock:
 * capacity, start times, starvation, a restart.
 */

#include "sched/sched.h"

#include "policy_test.h"

#define MINUTE INT64_C(60000000000)
/* A realistic CLOCK_REALTIME value: 2025-01-01. */
#define T0 INT64_C(1735689600000000000)

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
	ck_assert_msg(
		strstr(why,
		       "waits its turn behind job big, the next in the priority policy's order, which waits for CPU: needs 200%, 100% of the 200% budget is free"),
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

static Suite *suite(void)
{
	Suite *s = suite_create("policies_in_core");
	TCase *tc = tcase_create("through_the_core");

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
	return jl_run_suite(suite());
}
