/* test_fifo.c - the builtin scheduler/fifo policy and joblet_sched_fits(). */
#include <stdlib.h>

#include <joblet/plugin.h>
#include <joblet/scheduler.h>

#include "plugin/loader.h"

#include "jl_test.h"

static struct jl_plugin_set *set;
static const struct joblet_scheduler_ops *ops;
static void *q;

static const struct joblet_sched_capacity unlimited = { sizeof(unlimited), 0, -1, -1, -1, -1 };

static void setup(void)
{
	const struct joblet_plugin *p;

	ck_assert_int_eq(jl_plugin_set_new(NULL, 0, &set, NULL), 0);
	p = jl_plugin_set_find(set, JOBLET_KIND_SCHEDULER, "fifo");
	ck_assert_ptr_nonnull(p);
	ops = p->ops;
	ck_assert_int_eq(ops->create(&q, NULL), 0);
}

static void teardown(void)
{
	ops->destroy(q);
	jl_plugin_set_free(set);
}

static struct joblet_sched_job job(const char *id, int64_t cpu)
{
	return (struct joblet_sched_job){ .size = sizeof(struct joblet_sched_job),
					  .id = id,
					  .max_cpu = cpu };
}

START_TEST(test_submission_order)
{
	struct joblet_sched_job a = job("a", 0), b = job("b", 0), c = job("c", 0);

	ck_assert_ptr_null(ops->pick(q, &unlimited, 0));
	ops->submit(q, &a, 0, NULL);
	ops->submit(q, &b, 1, NULL);
	ops->submit(q, &c, 2, NULL);
	ck_assert_uint_eq(ops->count(q), 3);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, 3), &a);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, 3), &b);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, 3), &c);
	ck_assert_ptr_null(ops->pick(q, &unlimited, 3));
	ck_assert_uint_eq(ops->count(q), 0);
}
END_TEST

START_TEST(test_nothing_overtakes_the_head)
{
	struct joblet_sched_job big = job("big", 400), small = job("small", 50);
	struct joblet_sched_capacity cap = unlimited;

	ops->submit(q, &big, 0, NULL);
	ops->submit(q, &small, 0, NULL);
	cap.free_cpu = 100;
	ck_assert_ptr_null(ops->pick(q, &cap, 0));
	ck_assert_uint_eq(ops->count(q), 2);
	cap.free_cpu = 400;
	ck_assert_ptr_eq(ops->pick(q, &cap, 0), &big);
	ck_assert_ptr_eq(ops->pick(q, &cap, 0), &small);
}
END_TEST

START_TEST(test_remove_anywhere)
{
	struct joblet_sched_job a = job("a", 0), b = job("b", 0), c = job("c", 0), d = job("d", 0);

	ops->submit(q, &a, 0, NULL);
	ops->submit(q, &b, 0, NULL);
	ops->submit(q, &c, 0, NULL);
	ops->submit(q, &d, 0, NULL);
	ops->remove(q, &b); /* middle */
	ops->remove(q, &a); /* head */
	ops->remove(q, &d); /* tail */
	ck_assert_uint_eq(ops->count(q), 1);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, 0), &c);
	ops->submit(q, &a, 0, NULL);
	ck_assert_ptr_eq(ops->pick(q, &unlimited, 0), &a);
	ck_assert_uint_eq(ops->count(q), 0);
}
END_TEST

START_TEST(test_many_jobs)
{
	enum { N = 10000 };
	struct joblet_sched_job *jobs = calloc(N, sizeof(*jobs));

	for (int i = 0; i < N; i++) {
		jobs[i] = job("x", 0);
		jobs[i].seq = (uint64_t)i;
		ck_assert_int_eq(ops->submit(q, &jobs[i], i, NULL), 0);
	}
	for (int i = 0; i < N; i += 2)
		ops->remove(q, &jobs[i]);
	ck_assert_uint_eq(ops->count(q), N / 2);
	for (int i = 1; i < N; i += 2)
		ck_assert_uint_eq(ops->pick(q, &unlimited, N)->seq, (uint64_t)i);
	ck_assert_ptr_null(ops->pick(q, &unlimited, N));
	free(jobs);
}
END_TEST

START_TEST(test_fits)
{
	struct joblet_sched_job j = job("j", 200);
	struct joblet_sched_capacity cap = unlimited;

	j.max_memory_mib = 512;
	j.exclusive_cores = 2;
	ck_assert_int_eq(joblet_sched_fits(&cap, &j), 1);
	cap.free_slots = 0;
	ck_assert_int_eq(joblet_sched_fits(&cap, &j), 0);
	cap.free_slots = 1;
	cap.free_cpu = 199;
	ck_assert_int_eq(joblet_sched_fits(&cap, &j), 0);
	cap.free_cpu = 200;
	cap.free_memory_mib = 511;
	ck_assert_int_eq(joblet_sched_fits(&cap, &j), 0);
	cap.free_memory_mib = 512;
	cap.free_cores = 1;
	ck_assert_int_eq(joblet_sched_fits(&cap, &j), 0);
	cap.free_cores = 2;
	ck_assert_int_eq(joblet_sched_fits(&cap, &j), 1);
}
END_TEST

static Suite *fifo_suite(void)
{
	Suite *s = suite_create("fifo");
	TCase *tc = tcase_create("policy");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_submission_order);
	tcase_add_test(tc, test_nothing_overtakes_the_head);
	tcase_add_test(tc, test_remove_anywhere);
	tcase_add_test(tc, test_many_jobs);
	tcase_add_test(tc, test_fits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(fifo_suite());
}
