/*
 * test_priority.c - scheduler/priority, loaded from build-plugins/ through the
 * plugin loader with settings from a joblet.yml, and driven through its ops
 * with a virtual clock (plain nanosecond values, nothing sleeps).
 *
 * Nothing here measures time: the 10,000-job cases check the order only.
 */

#include "policy_test.h"

#define MINUTE INT64_C(60000000000)
/* A realistic CLOCK_REALTIME value: 2025-01-01. */
#define T0 INT64_C(1735689600000000000)

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
	ck_assert_ptr_eq(ops->pick(q, &unlimited, T0 + 40 * MINUTE), &high);
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
	static const char *const bad[] = { "-1",	"ten",	     "1e3",	"\"\"",
					   "1.",	".5",	     "0x10",	"1000001",
					   "1000000.5", "0.0000001", "\" 10\"", "inf" };

	load_ok("priority", "      aging_per_minute: 1000000\n");
	load_ok("priority", "      aging_per_minute: 0.000001\n");
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char line[128];

		snprintf(line, sizeof(line), "      aging_per_minute: %s\n", bad[i]);
		expect_refused(
			"priority", line,
			"init() failed: setting `aging_per_minute` must be a number from 0 to 1000000");
	}
	expect_refused("priority", "      aging_per_minute: ten\n",
		       "0 turns aging off), not `ten`");
	expect_refused("priority", "      aging: 10\n",
		       "`aging` is not a setting of scheduler/priority");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("priority");
	TCase *tp = tcase_create("priority");

	tcase_add_checked_fixture(tp, setup, teardown);
	tcase_add_test(tp, test_priority_order);
	tcase_add_test(tp, test_priority_aging);
	tcase_add_test(tp, test_priority_starvation_bound);
	tcase_add_test(tp, test_priority_strict);
	tcase_add_test(tp, test_priority_remove);
	tcase_add_test(tp, test_priority_many);
	tcase_add_test(tp, test_priority_settings);
	suite_add_tcase(s, tp);
	return s;
}

int main(void)
{
	return jl_run_suite(suite());
}
