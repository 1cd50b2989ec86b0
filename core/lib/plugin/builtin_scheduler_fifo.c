/*
 * builtin_scheduler_fifo.c - scheduler/fifo: strict submission order.
 *
 * No job overtakes an earlier one: when the oldest waiting job does not fit
 * into the free capacity, nothing starts until it does.  That wastes some
 * capacity but can never starve a large job (jobs that could never fit are
 * refused at submission by the scheduler core).  Every operation is O(1).
 *
 * The queue is an intrusive doubly linked list through policy_link:
 * [0] = next, [1] = prev.
 */
#include <config.h>

/* Plugin log macros name this builtin (see <joblet/plugin.h>). */
#define JOBLET_PLUGIN_SELF jl_builtin_scheduler_fifo

#include <errno.h>
#include <stdlib.h>

#include "plugin/builtins.h"

#include <joblet/scheduler.h>

struct fifo_queue {
	struct joblet_sched_job *head;
	struct joblet_sched_job *tail;
	uint64_t count;
};

#define FIFO_NEXT(j)	    ((struct joblet_sched_job *)(uintptr_t)(j)->policy_link[0])
#define FIFO_PREV(j)	    ((struct joblet_sched_job *)(uintptr_t)(j)->policy_link[1])
#define FIFO_SET_NEXT(j, n) ((j)->policy_link[0] = (uint64_t)(uintptr_t)(n))
#define FIFO_SET_PREV(j, p) ((j)->policy_link[1] = (uint64_t)(uintptr_t)(p))

static int fifo_create(void **ret_state, struct joblet_error **err)
{
	struct fifo_queue *q = calloc(1, sizeof(*q));

	if (!q)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot create the FIFO queue");
	*ret_state = q;
	return 0;
}

static void fifo_destroy(void *state)
{
	free(state);
}

static int fifo_submit(void *state, struct joblet_sched_job *job, int64_t now_ns,
		       struct joblet_error **err)
{
	struct fifo_queue *q = state;

	(void)now_ns;
	(void)err;
	FIFO_SET_NEXT(job, NULL);
	FIFO_SET_PREV(job, q->tail);
	if (q->tail)
		FIFO_SET_NEXT(q->tail, job);
	else
		q->head = job;
	q->tail = job;
	q->count++;
	return 0;
}

static void fifo_remove(void *state, struct joblet_sched_job *job)
{
	struct fifo_queue *q = state;
	struct joblet_sched_job *next = FIFO_NEXT(job), *prev = FIFO_PREV(job);

	if (prev)
		FIFO_SET_NEXT(prev, next);
	else
		q->head = next;
	if (next)
		FIFO_SET_PREV(next, prev);
	else
		q->tail = prev;
	FIFO_SET_NEXT(job, NULL);
	FIFO_SET_PREV(job, NULL);
	q->count--;
}

static struct joblet_sched_job *fifo_pick(void *state, const struct joblet_sched_capacity *free_cap,
					  int64_t now_ns)
{
	struct fifo_queue *q = state;
	struct joblet_sched_job *job = q->head;

	(void)now_ns;
	if (!job || !joblet_sched_fits(free_cap, job))
		return NULL;
	fifo_remove(q, job);
	return job;
}

static struct joblet_sched_job *fifo_peek(void *state, int64_t now_ns)
{
	(void)now_ns;
	return ((struct fifo_queue *)state)->head;
}

static uint64_t fifo_count(void *state)
{
	return ((struct fifo_queue *)state)->count;
}

static const struct joblet_scheduler_ops fifo_ops = {
	.size = sizeof(struct joblet_scheduler_ops),
	.create = fifo_create,
	.destroy = fifo_destroy,
	.submit = fifo_submit,
	.remove = fifo_remove,
	.pick = fifo_pick,
	.count = fifo_count,
	.peek = fifo_peek,
};

const struct joblet_plugin jl_builtin_scheduler_fifo = JOBLET_PLUGIN_DESCRIPTOR(
	JOBLET_KIND_SCHEDULER, "fifo", .version = JOBLET_VERSION_STRING,
	.summary = "strict submission order: no job overtakes an earlier one",
	.license = "Apache-2.0", .ops = &fifo_ops);
