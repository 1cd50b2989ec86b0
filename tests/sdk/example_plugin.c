/*
 * example_plugin.c - an out-of-tree joblet plugin, built with nothing but
 * the installed SDK:
 *
 *	cc -shared $(pkg-config --cflags joblet-plugin) -o scheduler_lifo.so \
 *	   example_plugin.c $(pkg-config --libs joblet-plugin)
 *	install -m 644 scheduler_lifo.so $(pkg-config --variable=plugindir joblet-plugin)
 *
 * and chosen in joblet.yml with `scheduler: {policy: lifo}`.  It is a
 * scheduler policy that starts the newest waiting job first (a toy: it can
 * starve old jobs).  tests/sdk/test_sdk.sh builds it against a DESTDIR
 * install and checks joblet loads it.
 */
#include <errno.h>
#include <stdlib.h>

#include <joblet/scheduler.h>

struct lifo_queue {
	struct joblet_sched_job **items;
	uint64_t n, cap;
};

static int lifo_create(void **ret_state, struct joblet_error **err)
{
	struct lifo_queue *q = calloc(1, sizeof(*q));

	if (!q)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot create the LIFO queue");
	*ret_state = q;
	return 0;
}

static void lifo_destroy(void *state)
{
	struct lifo_queue *q = state;

	free(q->items);
	free(q);
}

static int lifo_submit(void *state, struct joblet_sched_job *job, int64_t now_ns,
		       struct joblet_error **err)
{
	struct lifo_queue *q = state;

	(void)now_ns;
	if (q->n == q->cap) {
		uint64_t ncap = q->cap ? q->cap * 2 : 16;
		struct joblet_sched_job **grown = realloc(q->items, ncap * sizeof(*grown));

		if (!grown)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						"cannot queue job `%s`", job->id);
		q->items = grown;
		q->cap = ncap;
	}
	q->items[q->n++] = job;
	return 0;
}

static void lifo_remove(void *state, struct joblet_sched_job *job)
{
	struct lifo_queue *q = state;

	for (uint64_t i = 0; i < q->n; i++)
		if (q->items[i] == job) {
			for (; i + 1 < q->n; i++)
				q->items[i] = q->items[i + 1];
			q->n--;
			return;
		}
}

static struct joblet_sched_job *lifo_pick(void *state, const struct joblet_sched_capacity *free_cap,
					  int64_t now_ns)
{
	struct lifo_queue *q = state;

	(void)now_ns;
	if (q->n == 0 || !joblet_sched_fits(free_cap, q->items[q->n - 1]))
		return NULL;
	return q->items[--q->n];
}

static uint64_t lifo_count(void *state)
{
	return ((struct lifo_queue *)state)->n;
}

static int lifo_init(const struct joblet_plugin_host *host, struct joblet_error **err)
{
	(void)host;
	(void)err;
	joblet_plog_info("ready: the newest job starts first");
	return 0;
}

static const struct joblet_scheduler_ops lifo_ops = {
	.size = sizeof(struct joblet_scheduler_ops),
	.create = lifo_create,
	.destroy = lifo_destroy,
	.submit = lifo_submit,
	.remove = lifo_remove,
	.pick = lifo_pick,
	.count = lifo_count,
};

JOBLET_PLUGIN_DEFINE(JOBLET_KIND_SCHEDULER, "lifo", .version = "0.1.0",
		     .summary = "example policy: the newest waiting job starts first",
		     .license = "Apache-2.0", .init = lifo_init, .ops = &lifo_ops);
