/*
 * test_sched.c - the scheduler core (joblet_sched_*) with the builtin fifo
 * policy and a virtual clock: time schedules, capacity, refusal of jobs
 * that can never fit, why a job waits, exclusive core pinning on fake
 * topologies, adoption after a restart.  No case sleeps.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <joblet/error.h>
#include <joblet/plugin.h>
#include <joblet/scheduler.h>

#include "plugin/loader.h"
#include "sched/sched.h"

#include "jl_test.h"
#include "jl_tmp.h"

#define MIN_NS (INT64_C(60) * 1000000000)

static struct jl_plugin_set *set;
static const struct joblet_plugin *fifo;

static void setup(void)
{
	jl_tmp_setup();
	ck_assert_int_eq(jl_plugin_set_new(NULL, 0, &set, NULL), 0);
	fifo = jl_plugin_set_find(set, JOBLET_KIND_SCHEDULER, "fifo");
	ck_assert_ptr_nonnull(fifo);
}

static void teardown(void)
{
	jl_plugin_set_free(set);
	jl_tmp_teardown();
}

static struct jl_sched *core(int64_t slots, int64_t cpu, int64_t mem, const char *cores,
			     const char *sysfs)
{
	struct jl_sched_limits lim = { sizeof(lim), 0, slots, cpu, mem, cores, sysfs };
	struct jl_sched *s = NULL;
	struct joblet_error *e = NULL;

	ck_assert_msg(jl_sched_new(&lim, fifo, &s, &e) == 0, "%s", joblet_error_message(e));
	return s;
}

static uint64_t next_seq;

static struct joblet_sched_job job(const char *id, int64_t cpu, int64_t mem, int64_t cores)
{
	return (struct joblet_sched_job){ .size = sizeof(struct joblet_sched_job),
					  .id = id,
					  .owner = "alice",
					  .seq = ++next_seq,
					  .max_cpu = cpu,
					  .max_memory_mib = mem,
					  .exclusive_cores = cores };
}

static void add(struct jl_sched *s, struct joblet_sched_job *j, int64_t now)
{
	struct joblet_error *e = NULL;

	ck_assert_msg(jl_sched_add(s, j, now, &e) == 0, "%s", joblet_error_message(e));
}

/* A fake /sys/devices/system/cpu: cpu i on node[i] (its package too) with core id core_id[i]. */
static const char *fake_sysfs(int n, const int *node, const int *core_id)
{
	static char root[4096];
	char name[128], num[16];

	snprintf(root, sizeof(root), "%s", jl_tmp_path("cpu"));
	mkdir(root, 0755);
	for (int i = 0; i < n; i++) {
		snprintf(name, sizeof(name), "cpu/cpu%d", i);
		mkdir(jl_tmp_path(name), 0755);
		snprintf(name, sizeof(name), "cpu/cpu%d/node%d", i, node[i]);
		mkdir(jl_tmp_path(name), 0755);
		snprintf(name, sizeof(name), "cpu/cpu%d/topology", i);
		mkdir(jl_tmp_path(name), 0755);
		snprintf(name, sizeof(name), "cpu/cpu%d/topology/core_id", i);
		snprintf(num, sizeof(num), "%d\n", core_id[i]);
		jl_tmp_write(name, num);
		snprintf(name, sizeof(name), "cpu/cpu%d/topology/physical_package_id", i);
		snprintf(num, sizeof(num), "%d\n", node[i]);
		jl_tmp_write(name, num);
	}
	return root;
}

static const char *cores_of(const struct joblet_sched_job *j)
{
	static char buf[4][128];
	static int k;
	char *b = buf[k++ % 4];

	jl_sched_job_cores(j, b, 128);
	return b;
}

START_TEST(test_time_schedule_fires_in_order_and_once)
{
	struct jl_sched *s = core(-1, -1, -1, NULL, NULL);
	struct joblet_sched_job a = job("a", 0, 0, 0), b = job("b", 0, 0, 0), c = job("c", 0, 0, 0);

	a.start_at_ns = 30 * MIN_NS;
	b.start_at_ns = 10 * MIN_NS;
	c.start_at_ns = 20 * MIN_NS;
	add(s, &a, 0);
	add(s, &b, 0);
	add(s, &c, 0);
	ck_assert_int_eq(jl_sched_next_due(s), 10 * MIN_NS);
	ck_assert_ptr_null(jl_sched_next(s, 10 * MIN_NS - 1));
	ck_assert_ptr_eq(jl_sched_next(s, 10 * MIN_NS), &b);
	ck_assert_ptr_null(jl_sched_next(s, 10 * MIN_NS));
	ck_assert_int_eq(jl_sched_next_due(s), 20 * MIN_NS);
	/* Both fall due between two looks: in time order, each once. */
	ck_assert_ptr_eq(jl_sched_next(s, 31 * MIN_NS), &c);
	ck_assert_ptr_eq(jl_sched_next(s, 31 * MIN_NS), &a);
	ck_assert_ptr_null(jl_sched_next(s, 99 * MIN_NS));
	ck_assert_int_eq(jl_sched_next_due(s), -1);
	/* It became ready at its start time, not when someone looked. */
	ck_assert_int_eq(a.submit_time_ns, 30 * MIN_NS);
	jl_sched_release(s, &a, 99 * MIN_NS);
	jl_sched_release(s, &b, 99 * MIN_NS);
	jl_sched_release(s, &c, 99 * MIN_NS);
	jl_sched_free(s);
}
END_TEST

START_TEST(test_a_time_in_the_past_runs_now)
{
	struct jl_sched *s = core(-1, -1, -1, NULL, NULL);
	struct joblet_sched_job a = job("a", 0, 0, 0);

	a.start_at_ns = 5 * MIN_NS;
	add(s, &a, 6 * MIN_NS);
	ck_assert_int_eq(jl_sched_next_due(s), -1);
	ck_assert_ptr_eq(jl_sched_next(s, 6 * MIN_NS), &a);
	jl_sched_release(s, &a, 7 * MIN_NS);
	jl_sched_free(s);
}
END_TEST

START_TEST(test_cancel_from_the_heap_and_the_queue)
{
	struct jl_sched *s = core(1, -1, -1, NULL, NULL);
	struct joblet_sched_job j[20], *got[20], run = job("run", 0, 0, 0), q = job("q", 0, 0, 0);
	char id[20][8];
	int n = 0;

	for (int i = 0; i < 20; i++) {
		snprintf(id[i], sizeof(id[i]), "t%d", i);
		j[i] = job(id[i], 0, 0, 0);
		j[i].start_at_ns = (int64_t)((i * 7) % 20 + 1) * MIN_NS; /* a shuffled order */
		add(s, &j[i], 0);
	}
	/* Cancel every third from the middle of the heap. */
	for (int i = 0; i < 20; i += 3)
		jl_sched_cancel(s, &j[i]);
	/* One slot: q waits behind run and is canceled from the policy's queue. */
	add(s, &run, 0);
	add(s, &q, 0);
	ck_assert_ptr_eq(jl_sched_next(s, 0), &run);
	jl_sched_cancel(s, &q);
	jl_sched_release(s, &run, 0);
	/* The rest come in time order, each once, none canceled. */
	for (struct joblet_sched_job *x; (x = jl_sched_next(s, 100 * MIN_NS)); n++) {
		ck_assert_int_lt(n, 13);
		got[n] = x;
		ck_assert_ptr_ne(x, &q);
		ck_assert_msg((x - j) % 3 != 0, "canceled job %s ran", x->id);
		ck_assert_msg(n == 0 || x->start_at_ns > got[n - 1]->start_at_ns,
			      "out of time order");
		jl_sched_release(s, x, 100 * MIN_NS);
	}
	ck_assert_int_eq(n, 13);
	ck_assert_int_eq(jl_sched_next_due(s), -1);
	jl_sched_free(s);
}
END_TEST

START_TEST(test_slots_bound_what_runs)
{
	struct jl_sched *s = core(2, -1, -1, NULL, NULL);
	struct joblet_sched_job a = job("a", 0, 0, 0), b = job("b", 0, 0, 0), c = job("c", 0, 0, 0);
	struct jl_sched_usage u;
	char why[256];

	add(s, &a, 0);
	add(s, &b, 0);
	add(s, &c, 0);
	ck_assert_ptr_eq(jl_sched_next(s, 0), &a);
	ck_assert_ptr_eq(jl_sched_next(s, 0), &b);
	ck_assert_ptr_null(jl_sched_next(s, 0));
	jl_sched_why(s, &c, why, sizeof(why));
	ck_assert_msg(strstr(why, "free slot") && strstr(why, "scheduler.max_running_jobs"), "%s",
		      why);
	jl_sched_usage(s, &u);
	ck_assert_int_eq(u.running, 2);
	ck_assert_int_eq(u.queued, 1);
	jl_sched_release(s, &a, 1);
	ck_assert_ptr_eq(jl_sched_next(s, 1), &c);
	jl_sched_release(s, &b, 2);
	jl_sched_release(s, &c, 2);
	jl_sched_usage(s, &u);
	ck_assert_int_eq(u.running, 0);
	jl_sched_free(s);
}
END_TEST

START_TEST(test_cpu_and_memory_budgets)
{
	struct jl_sched *s = core(-1, 400, 1024, NULL, NULL);
	struct joblet_sched_job a = job("a", 300, 100, 0), b = job("b", 200, 100, 0),
				c = job("c", 50, 1000, 0), d = job("d", 100, 100, 0);
	char why[256];

	add(s, &a, 0);
	add(s, &b, 0);
	ck_assert_ptr_eq(jl_sched_next(s, 0), &a);
	/* 300 of 400 used: b (200) waits, and fifo lets nothing overtake it. */
	add(s, &d, 0);
	ck_assert_ptr_null(jl_sched_next(s, 0));
	jl_sched_why(s, &b, why, sizeof(why));
	ck_assert_msg(strstr(why, "needs 200%") && strstr(why, "100% of the 400%"), "%s", why);
	/* d would fit; it says which job it waits behind, and for what. */
	jl_sched_why(s, &d, why, sizeof(why));
	ck_assert_msg(
		strstr(why,
		       "waits its turn behind job b, the next in the fifo policy's order, which waits for CPU: needs 200%"),
		"%s", why);
	/* Its owner may read that; someone who sees only their own jobs may not learn b's id. */
	jl_sched_why_for(s, &d, "alice", why, sizeof(why));
	ck_assert_msg(strstr(why, "behind job b,"), "%s", why);
	jl_sched_why_for(s, &d, "mallory", why, sizeof(why));
	ck_assert_msg(
		strstr(why,
		       "waits its turn behind another user's job, the next in the fifo policy's order, which waits for CPU: needs 200%") &&
			!strstr(why, "job b"),
		"%s", why);
	jl_sched_release(s, &a, 1);
	ck_assert_ptr_eq(jl_sched_next(s, 1), &b);
	ck_assert_ptr_eq(jl_sched_next(s, 1), &d);
	/* Memory: 200 of 1024 MiB used, c needs 1000. */
	add(s, &c, 1);
	ck_assert_ptr_null(jl_sched_next(s, 1));
	jl_sched_why(s, &c, why, sizeof(why));
	ck_assert_msg(strstr(why, "waits for memory") && strstr(why, "824 MiB"), "%s", why);
	jl_sched_release(s, &b, 2);
	ck_assert_ptr_null(jl_sched_next(s, 2));
	jl_sched_release(s, &d, 2);
	ck_assert_ptr_eq(jl_sched_next(s, 2), &c);
	jl_sched_release(s, &c, 3);
	jl_sched_free(s);
}
END_TEST

/* /work sizes (--max-disk) count against scheduler.disk_budget like memory does. */
START_TEST(test_disk_budget)
{
	struct jl_sched_limits lim = { sizeof(lim), 0, -1, -1, -1, NULL, NULL, 1024 };
	struct joblet_sched_job a = job("a", 0, 0, 0), b = job("b", 0, 0, 0),
				big = job("big", 0, 0, 0);
	struct joblet_error *e = NULL;
	struct jl_sched *s = NULL;
	char why[256];

	ck_assert_msg(jl_sched_new(&lim, fifo, &s, &e) == 0, "%s", joblet_error_message(e));
	a.max_disk_mib = 800;
	b.max_disk_mib = 300;
	big.max_disk_mib = 2048;
	ck_assert_int_eq(jl_sched_add(s, &big, 0, &e), -JOBLET_E_LIMIT);
	ck_assert_msg(strstr(joblet_error_message(e), "2048 MiB of disk") &&
			      strstr(joblet_error_message(e), "scheduler.disk_budget"),
		      "%s", joblet_error_message(e));
	joblet_error_clear(&e);
	add(s, &a, 0);
	add(s, &b, 0);
	ck_assert_ptr_eq(jl_sched_next(s, 0), &a);
	/* 800 of 1024 MiB held: b (300) waits until a ends. */
	ck_assert_ptr_null(jl_sched_next(s, 0));
	jl_sched_why(s, &b, why, sizeof(why));
	ck_assert_msg(strstr(why, "waits for disk: needs 300 MiB, 224 MiB of the 1024 MiB"), "%s",
		      why);
	jl_sched_release(s, &a, 1);
	ck_assert_ptr_eq(jl_sched_next(s, 1), &b);
	jl_sched_release(s, &b, 2);
	jl_sched_free(s);
}
END_TEST

/* A job without a memory limit may take all the memory: it counts as the whole budget. */
START_TEST(test_unlimited_memory_counts_the_whole_budget)
{
	struct jl_sched *s = core(-1, -1, 1024, NULL, NULL);
	struct joblet_sched_job a = job("a", 0, 100, 0), u = job("u", 0, 0, 0),
				b = job("b", 0, 100, 0);
	char why[256];

	add(s, &a, 0);
	ck_assert_ptr_eq(jl_sched_next(s, 0), &a);
	add(s, &u, 0);
	ck_assert_int_eq(u.max_memory_mib, 1024);
	ck_assert_ptr_null(jl_sched_next(s, 0));
	jl_sched_why(s, &u, why, sizeof(why));
	ck_assert_msg(strstr(why, "waits for memory: needs 1024 MiB"), "%s", why);
	jl_sched_release(s, &a, 1);
	ck_assert_ptr_eq(jl_sched_next(s, 1), &u);
	/* While it runs, nothing else that holds memory starts. */
	add(s, &b, 1);
	ck_assert_ptr_null(jl_sched_next(s, 1));
	jl_sched_release(s, &u, 2);
	ck_assert_ptr_eq(jl_sched_next(s, 2), &b);
	jl_sched_release(s, &b, 3);
	jl_sched_free(s);
}
END_TEST

START_TEST(test_never_fits_is_refused_with_why)
{
	const int node[4] = { 0, 0, 0, 0 }, coreid[4] = { 0, 1, 2, 3 };
	const char *sys = fake_sysfs(4, node, coreid);
	struct jl_sched *s = core(4, 400, 2048, "0-3", sys);
	struct joblet_sched_job cpu = job("cpu", 500, 0, 0), mem = job("mem", 0, 4096, 0),
				cores = job("cores", 0, 0, 5), ok = job("ok", 400, 2048, 4);
	struct joblet_error *e = NULL;

	ck_assert_int_eq(jl_sched_add(s, &cpu, 0, &e), -JOBLET_E_LIMIT);
	ck_assert_msg(strstr(joblet_error_message(e), "500% CPU") &&
			      strstr(joblet_error_message(e), "400%"),
		      "%s", joblet_error_message(e));
	joblet_error_clear(&e);
	ck_assert_int_eq(jl_sched_add(s, &mem, 0, &e), -JOBLET_E_LIMIT);
	ck_assert_msg(strstr(joblet_error_message(e), "4096 MiB"), "%s", joblet_error_message(e));
	joblet_error_clear(&e);
	ck_assert_int_eq(jl_sched_add(s, &cores, 0, &e), -JOBLET_E_LIMIT);
	ck_assert_msg(strstr(joblet_error_message(e), "5 exclusive cores") &&
			      strstr(joblet_error_message(e), "pin 4"),
		      "%s", joblet_error_message(e));
	joblet_error_clear(&e);
	/* Exactly the whole node fits. */
	add(s, &ok, 0);
	ck_assert_ptr_eq(jl_sched_next(s, 0), &ok);
	ck_assert_str_eq(cores_of(&ok), "0-3");
	jl_sched_release(s, &ok, 1);
	jl_sched_free(s);
}
END_TEST

START_TEST(test_pinning_takes_sibling_threads_together)
{
	/* 4 physical cores x 2 threads, Linux numbering: cpu i and i+4 are siblings. */
	const int node[8] = { 0 }, coreid[8] = { 0, 1, 2, 3, 0, 1, 2, 3 };
	const char *sys = fake_sysfs(8, node, coreid);
	struct jl_sched *s = core(-1, -1, -1, "0-7", sys);
	struct joblet_sched_job a = job("a", 0, 0, 2), b = job("b", 0, 0, 1), c = job("c", 0, 0, 1),
				d = job("d", 0, 0, 4);

	add(s, &a, 0);
	ck_assert_ptr_eq(jl_sched_next(s, 0), &a);
	ck_assert_str_eq(cores_of(&a), "0,4"); /* one whole core, both threads */
	add(s, &b, 0);
	ck_assert_ptr_eq(jl_sched_next(s, 0), &b);
	add(s, &c, 0);
	ck_assert_ptr_eq(jl_sched_next(s, 0), &c);
	/* The second single thread fills the hole b left, not a fresh core. */
	ck_assert_str_eq(cores_of(&b), "1");
	ck_assert_str_eq(cores_of(&c), "5");
	add(s, &d, 0);
	ck_assert_ptr_eq(jl_sched_next(s, 0), &d);
	ck_assert_str_eq(cores_of(&d), "2-3,6-7");
	jl_sched_release(s, &a, 1);
	jl_sched_release(s, &b, 1);
	jl_sched_release(s, &c, 1);
	jl_sched_release(s, &d, 1);
	jl_sched_free(s);
}
END_TEST

START_TEST(test_pinning_prefers_one_numa_node)
{
	/* Two nodes of 4 CPUs (no SMT). */
	const int node[8] = { 0, 0, 0, 0, 1, 1, 1, 1 }, coreid[8] = { 0, 1, 2, 3, 0, 1, 2, 3 };
	const char *sys = fake_sysfs(8, node, coreid);
	struct jl_sched *s = core(-1, -1, -1, "0-7", sys);
	struct joblet_sched_job a = job("a", 0, 0, 1), b = job("b", 0, 0, 3), c = job("c", 0, 0, 3),
				d = job("d", 0, 0, 1);
	char why[256];

	add(s, &a, 0);
	ck_assert_ptr_eq(jl_sched_next(s, 0), &a);
	ck_assert_str_eq(cores_of(&a), "0");
	/* 3 fit on node 0 (3 free) and on node 1 (4 free): the tighter, node 0. */
	add(s, &b, 0);
	ck_assert_ptr_eq(jl_sched_next(s, 0), &b);
	ck_assert_str_eq(cores_of(&b), "1-3");
	add(s, &c, 0);
	ck_assert_ptr_eq(jl_sched_next(s, 0), &c);
	ck_assert_str_eq(cores_of(&c), "4-6");
	add(s, &d, 0);
	ck_assert_ptr_eq(jl_sched_next(s, 0), &d);
	ck_assert_str_eq(cores_of(&d), "7");
	/* All held: the next waits, saying for what. */
	jl_sched_release(s, &a, 1);
	jl_sched_release(s, &d, 1);
	{
		struct joblet_sched_job e = job("e", 0, 0, 3);

		add(s, &e, 1);
		ck_assert_ptr_null(jl_sched_next(s, 1));
		jl_sched_why(s, &e, why, sizeof(why));
		ck_assert_msg(strstr(why, "needs 3 exclusive cores, 2 of 8"), "%s", why);
		/* Released cores are pinnable again, across nodes when no node has 3. */
		jl_sched_release(s, &b, 2);
		ck_assert_ptr_eq(jl_sched_next(s, 2), &e);
		ck_assert_str_eq(cores_of(&e), "0-2");
		jl_sched_release(s, &e, 3);
	}
	jl_sched_release(s, &c, 3);
	jl_sched_free(s);
}
END_TEST

START_TEST(test_pinning_across_nodes_when_none_has_room)
{
	const int node[4] = { 0, 0, 1, 1 }, coreid[4] = { 0, 1, 0, 1 };
	const char *sys = fake_sysfs(4, node, coreid);
	struct jl_sched *s = core(-1, -1, -1, "0-3", sys);
	struct joblet_sched_job a = job("a", 0, 0, 3);

	add(s, &a, 0);
	ck_assert_ptr_eq(jl_sched_next(s, 0), &a);
	ck_assert_str_eq(cores_of(&a), "0-2");
	jl_sched_release(s, &a, 1);
	jl_sched_free(s);
}
END_TEST

START_TEST(test_adopt_holds_its_share_and_cores)
{
	const int node[4] = { 0 }, coreid[4] = { 0, 1, 2, 3 };
	const char *sys = fake_sysfs(4, node, coreid);
	struct jl_sched *s = core(2, 400, -1, "0-3", sys);
	struct joblet_sched_job old = job("old", 200, 0, 2), clash = job("clash", 0, 0, 1),
				a = job("a", 200, 0, 2), b = job("b", 0, 0, 0);
	struct joblet_error *e = NULL;
	struct jl_sched_usage u;

	ck_assert_int_eq(jl_sched_adopt(s, &old, "1-2", 0, &e), 0);
	ck_assert_str_eq(cores_of(&old), "1-2");
	ck_assert_int_eq(jl_sched_adopt(s, &clash, "2", 0, &e), -JOBLET_E_CONFLICT);
	ck_assert_msg(strstr(joblet_error_message(e), "cores 2"), "%s", joblet_error_message(e));
	joblet_error_clear(&e);
	jl_sched_usage(s, &u);
	ck_assert_int_eq(u.running, 1);
	ck_assert_int_eq(u.cpu_used, 200);
	ck_assert_int_eq(u.cores_used, 2);
	add(s, &a, 0);
	ck_assert_ptr_eq(jl_sched_next(s, 0), &a);
	ck_assert_str_eq(cores_of(&a), "0,3"); /* the adopted job's cores are not given out */
	add(s, &b, 0);
	ck_assert_ptr_null(jl_sched_next(s, 0)); /* 2 slots, both taken */
	jl_sched_release(s, &old, 1);
	ck_assert_ptr_eq(jl_sched_next(s, 1), &b);
	jl_sched_release(s, &a, 1);
	jl_sched_release(s, &b, 1);
	jl_sched_usage(s, &u);
	ck_assert_int_eq(u.running + u.cpu_used + u.cores_used, 0);
	jl_sched_free(s);
}
END_TEST

START_TEST(test_bad_core_list_and_missing_cpu)
{
	struct jl_sched_limits lim = { sizeof(lim), 0, -1, -1, -1, "3-1", NULL };
	const int node[2] = { 0 }, coreid[2] = { 0, 1 };
	struct jl_sched *s = NULL;
	struct joblet_error *e = NULL;

	ck_assert_int_eq(jl_sched_new(&lim, fifo, &s, &e), -JOBLET_E_INVALID);
	joblet_error_clear(&e);
	lim.cores = "0-2";
	lim.sysfs_cpu = fake_sysfs(2, node, coreid);
	ck_assert_int_eq(jl_sched_new(&lim, fifo, &s, &e), -JOBLET_E_INVALID);
	ck_assert_msg(strstr(joblet_error_message(e), "CPU 2 in scheduler.cores"), "%s",
		      joblet_error_message(e));
	joblet_error_free(e);
}
END_TEST

START_TEST(test_why_a_timed_job_waits)
{
	struct jl_sched *s = core(-1, -1, -1, NULL, NULL);
	struct joblet_sched_job a = job("a", 0, 0, 0);
	char why[256];

	a.start_at_ns = INT64_C(1796299200) * 1000000000; /* 2026-12-03T12:00:00Z */
	add(s, &a, 0);
	jl_sched_why(s, &a, why, sizeof(why));
	ck_assert_msg(strstr(why, "start time, 2026-12-03T12:00:00"), "%s", why);
	jl_sched_cancel(s, &a);
	ck_assert_int_eq(jl_sched_next_due(s), -1);
	jl_sched_free(s);
}
END_TEST

static Suite *sched_suite(void)
{
	Suite *s = suite_create("sched");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_time_schedule_fires_in_order_and_once);
	tcase_add_test(tc, test_a_time_in_the_past_runs_now);
	tcase_add_test(tc, test_cancel_from_the_heap_and_the_queue);
	tcase_add_test(tc, test_slots_bound_what_runs);
	tcase_add_test(tc, test_cpu_and_memory_budgets);
	tcase_add_test(tc, test_disk_budget);
	tcase_add_test(tc, test_unlimited_memory_counts_the_whole_budget);
	tcase_add_test(tc, test_never_fits_is_refused_with_why);
	tcase_add_test(tc, test_pinning_takes_sibling_threads_together);
	tcase_add_test(tc, test_pinning_prefers_one_numa_node);
	tcase_add_test(tc, test_pinning_across_nodes_when_none_has_room);
	tcase_add_test(tc, test_adopt_holds_its_share_and_cores);
	tcase_add_test(tc, test_bad_core_list_and_missing_cpu);
	tcase_add_test(tc, test_why_a_timed_job_waits);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return jl_run_suite(sched_suite());
}
