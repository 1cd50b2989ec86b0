/*
 * bench_sched.c - the scheduler core with each policy beside a trivial FIFO
 * baseline (an array popped from the front), in the same run:
 *
 *   decision   10,000 jobs queued; then, with one free slot at a time,
 *              release the running job and ask for the next: the median
 *              and 99th percentile time of one such decision
 *   memory     heap bytes per queued job that the core and the policy
 *              allocate (mallinfo2 before and after queueing 10,000); the
 *              caller's struct joblet_sched_job is printed apart
 *   cron       1,000 recurring entries: jl_cron_next() for each, as the
 *              daemon does when they all fire in the same minute
 *
 * Usage: bench_sched [PLUGIN_DIR]   (default build-plugins; the priority
 * and fairshare plugins are used when found there).  Prints ratios to the
 * baseline; absolute times on a shared machine mean little.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

#include "plugin/loader.h"
#include "sched/sched.h"
#include "base/cron.h"

#define NJOBS 10000
#define NCRON 1000

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

struct result {
	double median_ns, p99_ns, bytes_per_job;
};

static void summarize(int64_t *t, size_t n, struct result *r)
{
	qsort(t, n, sizeof(*t), cmp64);
	r->median_ns = (double)t[n / 2];
	r->p99_ns = (double)t[n * 99 / 100];
}

/* The baseline: an array of pointers, taken from the front. */
static void baseline(struct result *r)
{
	struct joblet_sched_job *jobs = calloc(NJOBS, sizeof(*jobs)), **q;
	int64_t *t = calloc(NJOBS, sizeof(*t));
	struct mallinfo2 before, after;
	size_t head = 0;

	before = mallinfo2();
	q = calloc(NJOBS, sizeof(*q));
	after = mallinfo2();
	for (size_t i = 0; i < NJOBS; i++)
		q[i] = &jobs[i];
	r->bytes_per_job = (double)(after.uordblks - before.uordblks) / NJOBS;
	for (size_t i = 0; i < NJOBS; i++) {
		int64_t t0 = now_ns();
		struct joblet_sched_job *volatile j = q[head++];

		(void)j;
		t[i] = now_ns() - t0;
	}
	summarize(t, NJOBS, r);
	free(q);
	free(jobs);
	free(t);
}

static const char *owners[100];

static int through_core(const struct joblet_plugin *policy, struct result *r)
{
	struct jl_sched_limits lim = { sizeof(lim), 0, 1, -1, -1, NULL, NULL };
	struct jl_sched *s;
	struct joblet_error *e = NULL;
	struct joblet_sched_job *jobs, *running = NULL;
	int64_t *t = calloc(NJOBS, sizeof(*t));
	struct mallinfo2 before, after;
	char(*ids)[16] = calloc(NJOBS, 16);

	jobs = calloc(NJOBS, sizeof(*jobs));
	before = mallinfo2(); /* the core's and the policy's own memory, not the caller's jobs */
	if (jl_sched_new(&lim, policy, &s, &e) < 0) {
		fprintf(stderr, "bench_sched: %s\n", joblet_error_message(e));
		return -1;
	}
	for (size_t i = 0; i < NJOBS; i++) {
		snprintf(ids[i], 16, "j%zu", i);
		jobs[i] = (struct joblet_sched_job){ .size = sizeof(jobs[i]),
						     .id = ids[i],
						     .owner = owners[i % 100],
						     .seq = i + 1,
						     .priority = (int64_t)((i * 7919) % 1001) };
		if (jl_sched_add(s, &jobs[i], (int64_t)i * 1000, &e) < 0) {
			fprintf(stderr, "bench_sched: %s\n", joblet_error_message(e));
			return -1;
		}
	}
	after = mallinfo2();
	r->bytes_per_job = (double)(after.uordblks - before.uordblks) / NJOBS;
	for (size_t i = 0; i < NJOBS; i++) {
		int64_t clock = INT64_C(1000000000000) + (int64_t)i * 1000000;
		int64_t t0 = now_ns();

		if (running)
			jl_sched_release(s, running, clock);
		running = jl_sched_next(s, clock);
		t[i] = now_ns() - t0;
		if (!running) {
			fprintf(stderr, "bench_sched: %s picked nothing with a free slot\n",
				policy->name);
			return -1;
		}
	}
	jl_sched_release(s, running, 0);
	summarize(t, NJOBS, r);
	jl_sched_free(s);
	free(jobs);
	free(ids);
	free(t);
	return 0;
}

static void cron_bench(double *per_entry_ns)
{
	static const char *const exprs[] = {
		"*/5 * * * *",	  "0 * * * *",		 "30 2 * * *",
		"0 0 1,15 * mon", "15 9-17 * * mon-fri", "0 0 29 2 *"
	};
	struct jl_cron c[NCRON];
	int64_t t[9], base = INT64_C(1796299200) * 1000000000; /* 2026-12-03T12:00:00Z */

	for (size_t i = 0; i < NCRON; i++)
		if (jl_cron_parse(exprs[i % 6], &c[i], NULL) < 0)
			abort();
	for (int round = 0; round < 9; round++) {
		int64_t t0 = now_ns(), sink = 0;

		for (size_t i = 0; i < NCRON; i++)
			sink += jl_cron_next(&c[i], base + (int64_t)round * 60000000000);
		t[round] = now_ns() - t0;
		if (sink == 0)
			abort();
	}
	qsort(t, 9, sizeof(*t), cmp64);
	*per_entry_ns = (double)t[4] / NCRON;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "build-plugins";
	const char *names[] = { "fifo", "priority", "fairshare" };
	struct jl_plugin_set *set;
	struct result base, r;
	double cron_ns;
	char owner_names[100][16];

	for (int i = 0; i < 100; i++) {
		snprintf(owner_names[i], sizeof(owner_names[i]), "user%d", i);
		owners[i] = owner_names[i];
	}
	if (jl_plugin_set_new(NULL, 0, &set, NULL) < 0)
		return 1;
	jl_plugin_set_load_dir(set, dir, NULL);
	baseline(&base);
	printf("%-28s %12s %12s %14s\n", "", "median", "p99", "bytes/queued");
	printf("%-28s %10.0fns %10.0fns %14.0f\n", "baseline (array FIFO)", base.median_ns,
	       base.p99_ns, base.bytes_per_job);
	for (size_t k = 0; k < 3; k++) {
		const struct joblet_plugin *p =
			jl_plugin_set_find(set, JOBLET_KIND_SCHEDULER, names[k]);
		char label[64];

		if (!p) {
			printf("%-28s not loaded from %s\n", names[k], dir);
			continue;
		}
		if (through_core(p, &r) < 0)
			return 1;
		snprintf(label, sizeof(label), "core + %s", names[k]);
		printf("%-28s %10.0fns %10.0fns %14.0f   decision %.1fx baseline, %s the 100 us target\n",
		       label, r.median_ns, r.p99_ns, r.bytes_per_job,
		       base.median_ns > 0 ? r.median_ns / base.median_ns : 0.0,
		       r.median_ns < 100000 ? "under" : "OVER");
	}
	printf("(each job also has the caller's struct joblet_sched_job: %zu bytes)\n",
	       sizeof(struct joblet_sched_job));
	cron_bench(&cron_ns);
	printf("cron: %d entries firing, jl_cron_next %.0f ns each (%.2f ms for all)\n", NCRON,
	       cron_ns, cron_ns * NCRON / 1e6);
	jl_plugin_set_free(set);
	return 0;
}
