/*
 * scheduler/priority - highest priority first, aged so that nothing starves.
 *
 * A waiting job's effective priority is its priority (0..1000) plus
 * aging_per_minute for every minute it has waited since it became ready;
 * the highest goes first, equal ones in submission order (seq).  Strict:
 * when the best job does not fit into what is free, nothing starts, so a
 * large job at the front is never held back by small ones behind it.
 *
 * Comparing p1 + a*(now - s1) with p2 + a*(now - s2) is comparing
 * p1 - a*s1 with p2 - a*s2: the order does not depend on now, so the queue
 * is a heap (<joblet/heap.h>) on that key: submit, remove and pick are
 * O(log n).  The key is exact integer arithmetic: priority in millionths of
 * a point times nanoseconds per minute, minus the aging in millionths of a
 * point per minute times the submit time in nanoseconds.  That needs about
 * 104 bits, hence __int128.  The heap orders by a 64-bit digest of it
 * (priority_heap_key()) and asks priority_compare() only when two digests
 * are equal; that computes the exact keys from the jobs' priority and
 * submit_time_ns, which the core does not change while a job waits.
 *
 * policy_link[0] is the job's slot in the heap.
 */
#include <config.h>

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <joblet/heap.h>
#include <joblet/scheduler.h>

#define PRIORITY_MAX 1000
/* aging_per_minute: at most this, with at most 6 digits after the point. */
#define PRIORITY_AGING_MAX	     1000000
#define PRIORITY_AGING_DEFAULT_MICRO (INT64_C(10) * 1000000)
#define PRIORITY_MICRO		     1000000
#define PRIORITY_NS_PER_MINUTE	     INT64_C(60000000000)
#define PRIORITY_KEY_UNIT	     ((priority_key)(INT64_C(1) << 40))

#ifdef __SIZEOF_INT128__
__extension__ typedef __int128 priority_key;
#else
/* 32-bit targets: 64 bits of mantissa (x86) or 53 (elsewhere), about 1e-5 of a point. */
typedef long double priority_key;
#endif

struct priority_queue {
	struct joblet_heap *heap; /* the waiting jobs, best first; slot policy_link[0] */
	int64_t aging_micro;	  /* aging_per_minute when the queue was made, in millionths */
};

/* aging_per_minute from joblet.yml, in millionths of a point; set by init(). */
static int64_t priority_aging_micro = PRIORITY_AGING_DEFAULT_MICRO;

static const char *const priority_settings[] = { "aging_per_minute", NULL };

/* "10", "0", "2.5", "0.125": digits with at most 6 after a point; -1 for anything else. */
static int priority_parse_aging(const char *s, int64_t *ret_micro)
{
	int64_t whole = 0, frac = 0;
	int digits = 0, frac_digits = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++, digits++) {
		whole = whole * 10 + (*p - '0');
		if (whole > PRIORITY_AGING_MAX)
			return -1;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, frac_digits++) {
			if (frac_digits == 6)
				return -1;
			frac = frac * 10 + (*p - '0');
		}
		if (frac_digits == 0)
			return -1;
	}
	if (*p || digits == 0)
		return -1;
	for (int i = frac_digits; i < 6; i++)
		frac *= 10;
	if (whole == PRIORITY_AGING_MAX && frac > 0)
		return -1;
	*ret_micro = whole * PRIORITY_MICRO + frac;
	return 0;
}

static int priority_init(const struct joblet_plugin_host *host, struct joblet_error **err)
{
	const char *v = joblet_plugin_host_setting(host, "aging_per_minute");
	int64_t micro;

	priority_aging_micro = PRIORITY_AGING_DEFAULT_MICRO;
	if (!v)
		return 0;
	if (priority_parse_aging(v, &micro) < 0)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"setting `aging_per_minute` must be a number from 0 to %d with at most 6 digits after the point (the priority a waiting job gains per minute, such as 10 or 0.5; 0 turns aging off), not `%s`",
			PRIORITY_AGING_MAX, v);
	priority_aging_micro = micro;
	return 0;
}

/* The job's effective priority at now, less aging_micro * now (the same for every job). */
static priority_key priority_key_of(const struct priority_queue *q,
				    const struct joblet_sched_job *job)
{
	int64_t p = job->priority;

	if (p < 0)
		p = 0;
	else if (p > PRIORITY_MAX)
		p = PRIORITY_MAX;

	return (priority_key)p * PRIORITY_MICRO * PRIORITY_NS_PER_MINUTE -
	       (priority_key)q->aging_micro * job->submit_time_ns;
}

/*
 * The heap's key: the opposite of the exact key (the heap takes the lowest
 * first) in units of 2^40 (2e-5 of a point), so most comparisons read no
 * job.  Truncating never puts two jobs against their exact order; jobs
 * whose units are equal go to priority_compare().  It fits: |exact key| <
 * 2^103 (priority * 6e16 < 2^66, aging_micro * |submit time| < 2^40 *
 * 2^63), so the units are less than 2^63.
 */
static uint64_t priority_heap_key(priority_key exact)
{
	return JOBLET_HEAP_KEY_INT64((int64_t)(-exact / PRIORITY_KEY_UNIT));
}

/* The higher exact key first; equal ones in submission order. */
static int priority_compare(const void *a, const void *b, void *userdata)
{
	const struct priority_queue *q = userdata;
	const struct joblet_sched_job *x = a, *y = b;
	priority_key kx = priority_key_of(q, x), ky = priority_key_of(q, y);

	if (kx != ky)
		return kx > ky ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void priority_destroy(void *state)
{
	struct priority_queue *q = state;

	if (!q)
		return;
	joblet_heap_free(q->heap);
	free(q);
}

static int priority_create(void **ret_state, struct joblet_error **err)
{
	struct priority_queue *q = calloc(1, sizeof(*q));

	if (!q)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot create the priority queue");
	q->aging_micro = priority_aging_micro;
	if (joblet_heap_new(priority_compare, q, offsetof(struct joblet_sched_job, policy_link[0]),
			    &q->heap, NULL) < 0) {
		priority_destroy(q);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot create the priority queue");
	}
	*ret_state = q;
	return 0;
}

static int priority_submit(void *state, struct joblet_sched_job *job, int64_t now_ns,
			   struct joblet_error **err)
{
	struct priority_queue *q = state;

	(void)now_ns;
	if (joblet_heap_push(q->heap, job, priority_heap_key(priority_key_of(q, job)), NULL) < 0)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot queue job `%s`: out of memory",
					job->id ? job->id : "?");
	return 0;
}

static void priority_remove(void *state, struct joblet_sched_job *job)
{
	struct priority_queue *q = state;

	/* A job that is not in this queue (a caller's mistake) is left alone. */
	joblet_heap_remove(q->heap, job);
}

static struct joblet_sched_job *
priority_pick(void *state, const struct joblet_sched_capacity *free_cap, int64_t now_ns)
{
	struct priority_queue *q = state;
	struct joblet_sched_job *job = joblet_heap_top(q->heap);

	(void)now_ns;
	/* Strict: the best job waits for room rather than let others pass it. */
	if (!job || !joblet_sched_fits(free_cap, job))
		return NULL;
	return joblet_heap_pop(q->heap); /* job, the top */
}

static struct joblet_sched_job *priority_peek(void *state, int64_t now_ns)
{
	struct priority_queue *q = state;

	(void)now_ns;
	return joblet_heap_top(q->heap);
}

static uint64_t priority_count(void *state)
{
	return joblet_heap_count(((struct priority_queue *)state)->heap);
}

static const struct joblet_scheduler_ops priority_ops = {
	.size = sizeof(struct joblet_scheduler_ops),
	.create = priority_create,
	.destroy = priority_destroy,
	.submit = priority_submit,
	.remove = priority_remove,
	.pick = priority_pick,
	.count = priority_count,
	.peek = priority_peek,
};

JOBLET_PLUGIN_DEFINE(
	JOBLET_KIND_SCHEDULER, "priority", .version = "1.0.0",
	.summary =
		"highest priority first, aged per minute waited so no job starves; the best job waits until it fits",
	.license = "Apache-2.0", .settings = priority_settings, .init = priority_init,
	.ops = &priority_ops);
