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
 * p1 - a*s1 with p2 - a*s2: the order does not depend on now.  Each job
 * gets that key once, at submit(), and the queue is a binary heap on it:
 * submit, remove and pick are O(log n).  The key is exact integer
 * arithmetic: priority in millionths of a point times nanoseconds per
 * minute, minus the aging in millionths of a point per minute times the
 * submit time in nanoseconds.  That needs about 104 bits, hence __int128.
 *
 * policy_link[0] holds the job's index in the heap.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <joblet/scheduler.h>

#define PRIORITY_MAX 1000
/* aging_per_minute: at most this, with at most 6 digits after the point. */
#define PRIORITY_AGING_MAX 1000000
#define PRIORITY_AGING_DEFAULT_MICRO (INT64_C(10) * 1000000)
#define PRIORITY_MICRO 1000000
#define PRIORITY_NS_PER_MINUTE INT64_C(60000000000)
#define PRIORITY_MIN_CAPACITY 64

#ifdef __SIZEOF_INT128__
__extension__ typedef __int128 priority_key;
#else
/* 32-bit targets: 64 bits of mantissa (x86) or 53 (elsewhere), about 1e-5 of a point. */
typedef long double priority_key;
#endif

struct priority_entry {
	priority_key key; /* higher first */
	uint64_t seq;	  /* then lower first */
	struct joblet_sched_job *job;
};

struct priority_queue {
	struct priority_entry *heap;
	size_t n, capacity;
	int64_t aging_micro; /* aging_per_minute when the queue was made, in millionths */
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
		return joblet_error_set(err, JOBLET_E_CONFIG, 0,
					"setting `aging_per_minute` must be a number from 0 to %d "
					"with at most 6 digits after the point (the priority a "
					"waiting job gains per minute, such as 10 or 0.5; 0 turns "
					"aging off), not `%s`",
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

static int priority_before(const struct priority_entry *a, const struct priority_entry *b)
{
	return a->key > b->key || (a->key == b->key && a->seq < b->seq);
}

static void priority_place(struct priority_queue *q, size_t i, struct priority_entry e)
{
	q->heap[i] = e;
	e.job->policy_link[0] = i;
}

static void priority_sift_up(struct priority_queue *q, size_t i)
{
	struct priority_entry e = q->heap[i];

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (!priority_before(&e, &q->heap[parent]))
			break;
		priority_place(q, i, q->heap[parent]);
		i = parent;
	}
	priority_place(q, i, e);
}

static void priority_sift_down(struct priority_queue *q, size_t i)
{
	struct priority_entry e = q->heap[i];

	for (;;) {
		size_t child = 2 * i + 1;

		if (child >= q->n)
			break;
		if (child + 1 < q->n && priority_before(&q->heap[child + 1], &q->heap[child]))
			child++;
		if (!priority_before(&q->heap[child], &e))
			break;
		priority_place(q, i, q->heap[child]);
		i = child;
	}
	priority_place(q, i, e);
}

static void priority_remove_at(struct priority_queue *q, size_t i)
{
	q->heap[i].job->policy_link[0] = UINT64_MAX;
	q->n--;
	if (i < q->n) {
		priority_place(q, i, q->heap[q->n]);
		if (i > 0 && priority_before(&q->heap[i], &q->heap[(i - 1) / 2]))
			priority_sift_up(q, i);
		else
			priority_sift_down(q, i);
	}
	/* Give memory back after a burst; a failed shrink keeps the larger array. */
	if (q->capacity > PRIORITY_MIN_CAPACITY && q->n < q->capacity / 4) {
		struct priority_entry *smaller =
			realloc(q->heap, q->capacity / 2 * sizeof(*q->heap));

		if (smaller) {
			q->heap = smaller;
			q->capacity /= 2;
		}
	}
}

static int priority_create(void **ret_state, struct joblet_error **err)
{
	struct priority_queue *q = calloc(1, sizeof(*q));

	if (!q)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot create the priority queue");
	q->aging_micro = priority_aging_micro;
	*ret_state = q;
	return 0;
}

static void priority_destroy(void *state)
{
	struct priority_queue *q = state;

	if (!q)
		return;
	free(q->heap);
	free(q);
}

static int priority_submit(void *state, struct joblet_sched_job *job, int64_t now_ns,
			   struct joblet_error **err)
{
	struct priority_queue *q = state;

	(void)now_ns;
	if (q->n == q->capacity) {
		size_t cap = q->capacity ? q->capacity * 2 : PRIORITY_MIN_CAPACITY;
		struct priority_entry *grown = NULL;

		if (cap <= SIZE_MAX / sizeof(*grown))
			grown = realloc(q->heap, cap * sizeof(*grown));
		if (!grown)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						"cannot queue job `%s`: out of memory",
						job->id ? job->id : "?");
		q->heap = grown;
		q->capacity = cap;
	}
	priority_place(q, q->n, (struct priority_entry){ priority_key_of(q, job), job->seq, job });
	q->n++;
	priority_sift_up(q, q->n - 1);
	return 0;
}

static void priority_remove(void *state, struct joblet_sched_job *job)
{
	struct priority_queue *q = state;
	uint64_t i = job->policy_link[0];

	/* A job that is not in this queue (a caller's mistake) is left alone. */
	if (i >= q->n || q->heap[i].job != job)
		return;
	priority_remove_at(q, (size_t)i);
}

static struct joblet_sched_job *priority_pick(void *state,
					      const struct joblet_sched_capacity *free_cap,
					      int64_t now_ns)
{
	struct priority_queue *q = state;
	struct joblet_sched_job *job;

	(void)now_ns;
	if (q->n == 0)
		return NULL;
	job = q->heap[0].job;
	/* Strict: the best job waits for room rather than let others pass it. */
	if (!joblet_sched_fits(free_cap, job))
		return NULL;
	priority_remove_at(q, 0);
	return job;
}

static struct joblet_sched_job *priority_peek(void *state, int64_t now_ns)
{
	struct priority_queue *q = state;

	(void)now_ns;
	return q->n > 0 ? q->heap[0].job : NULL;
}

static uint64_t priority_count(void *state)
{
	return ((struct priority_queue *)state)->n;
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

JOBLET_PLUGIN_DEFINE(JOBLET_KIND_SCHEDULER, "priority", .version = "1.0.0",
		     .summary = "highest priority first, aged per minute waited so no job "
				"starves; the best job waits until it fits",
		     .license = "Apache-2.0", .settings = priority_settings,
		     .init = priority_init, .ops = &priority_ops);
