/*
 * test_plugin.c - small plugins for the loader tests, one per JL_VARIANT_*.
 *
 * Each variant breaks exactly one acceptance rule (or none: GOOD); the
 * loader test copies the built .so files into fresh directories and checks
 * the verdict and the reason.  GOOD is a working LIFO scheduler policy, so
 * the tests can also call through its ops.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <joblet/scheduler.h>

#ifdef JL_VARIANT_GOOD
#define NAME "good"
#elif defined(JL_VARIANT_SECOND)
#define NAME "second"
#elif defined(JL_VARIANT_BADMAJOR)
#define NAME "badmajor"
#elif defined(JL_VARIANT_NEWMINOR)
#define NAME "newminor"
#elif defined(JL_VARIANT_NOSYM)
#define NAME "nosym"
#elif defined(JL_VARIANT_WRONGKIND)
#define NAME "wrongkind"
#elif defined(JL_VARIANT_MISMATCH)
#define NAME "other"
#elif defined(JL_VARIANT_NOOP)
#define NAME "noop"
#elif defined(JL_VARIANT_SMALLOPS)
#define NAME "smallops"
#elif defined(JL_VARIANT_RESERVED)
#define NAME "reserved"
#elif defined(JL_VARIANT_INITFAIL)
#define NAME "initfail"
#elif defined(JL_VARIANT_FIFO)
#define NAME "fifo"
#elif defined(JL_VARIANT_ARCHIVE10)
#define NAME "old"
#else
#error "define one JL_VARIANT_*"
#endif

struct lifo {
	struct joblet_sched_job *items[64];
	uint64_t n;
};

static int lifo_create(void **ret_state, struct joblet_error **err)
{
	struct lifo *l = calloc(1, sizeof(*l));

	if (!l)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "no memory");
	*ret_state = l;
	return 0;
}

static void lifo_destroy(void *state)
{
	free(state);
}

static int lifo_submit(void *state, struct joblet_sched_job *job, int64_t now_ns,
		       struct joblet_error **err)
{
	struct lifo *l = state;

	(void)now_ns;
	if (l->n == 64)
		return joblet_error_set(err, JOBLET_E_LIMIT, 0, "test queue is full");
	l->items[l->n++] = job;
	return 0;
}

static void lifo_remove(void *state, struct joblet_sched_job *job)
{
	struct lifo *l = state;

	for (uint64_t i = 0; i < l->n; i++)
		if (l->items[i] == job) {
			memmove(&l->items[i], &l->items[i + 1],
				(l->n - i - 1) * sizeof(l->items[0]));
			l->n--;
			return;
		}
}

static __attribute__((unused)) struct joblet_sched_job *
lifo_pick(void *state, const struct joblet_sched_capacity *free_cap, int64_t now_ns)
{
	struct lifo *l = state;

	(void)now_ns;
	if (l->n == 0 || !joblet_sched_fits(free_cap, l->items[l->n - 1]))
		return NULL;
	return l->items[--l->n];
}

static uint64_t lifo_count(void *state)
{
	return ((struct lifo *)state)->n;
}

static const struct joblet_scheduler_ops lifo_ops __attribute__((unused)) = {
#ifdef JL_VARIANT_SMALLOPS
	.size = 8,
#else
	.size = sizeof(struct joblet_scheduler_ops),
#endif
	.create = lifo_create,
	.destroy = lifo_destroy,
	.submit = lifo_submit,
	.remove = lifo_remove,
#ifndef JL_VARIANT_NOOP
	.pick = lifo_pick,
#endif
	.count = lifo_count,
};

#if defined(JL_VARIANT_GOOD)
static const char *const good_settings[] = { "greeting", "mode", "wait", "count", NULL };
static char greeting[64] = "hello";

static int good_init(const struct joblet_plugin_host *host, struct joblet_error **err)
{
	const char *g = joblet_plugin_host_setting(host, "greeting");
	const char *mode = joblet_plugin_host_setting(host, "mode");
	int64_t wait = 5, count = 2;
	int has_wait, has_count;

	if (mode && strcmp(mode, "fail") == 0)
		return joblet_error_set(err, JOBLET_E_PLUGIN, 0, "told to fail by its settings");
	if (g) {
		strncpy(greeting, g, sizeof(greeting) - 1);
		greeting[sizeof(greeting) - 1] = '\0';
	}
	/* The SDK's readers of typed settings (1 = set, 0 = not set). */
	has_wait = joblet_plugin_host_setting_duration(host, "wait", 1, 86400, &wait, err);
	if (has_wait < 0)
		return has_wait;
	has_count = joblet_plugin_host_setting_int(host, "count", 0, 20, &count, err);
	if (has_count < 0)
		return has_count;
	if (has_wait || has_count)
		joblet_plog_info("init: %s, wait %llds, count %lld", greeting, (long long)wait,
				 (long long)count);
	else
		joblet_plog_info("init: %s", greeting);
	return 0;
}
#endif

#if defined(JL_VARIANT_INITFAIL)
static int initfail_init(const struct joblet_plugin_host *host, struct joblet_error **err)
{
	(void)host;
	return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0, "this host lacks the frobnicator");
}
#endif

#if defined(JL_VARIANT_ARCHIVE10)
/*
 * An archive plugin as built against the 1.x SDK (plugin ABI 1.5): its ops
 * table ends before `create`, as 1.0's did.  A 2.x joblet must refuse it,
 * saying what to rebuild, and never call into it.
 */
#include <joblet/archive.h>

static int32_t old_probe(const uint8_t *head, size_t len, const char *name)
{
	(void)head;
	(void)len;
	(void)name;
	return 1;
}

static int old_extract(struct joblet_stream *in, int dirfd, const struct joblet_archive_limits *l,
		       struct joblet_archive_stats *st, struct joblet_error **err)
{
	(void)in;
	(void)dirfd;
	(void)l;
	(void)st;
	return joblet_error_set(err, JOBLET_E_ARCHIVE, 0, "old plugin");
}

/* The 1.0 table was a prefix of today's; its size says where it ends. */
static const struct joblet_archive_ops old_ops = {
	.size = offsetof(struct joblet_archive_ops, create),
	.probe = old_probe,
	.extract = old_extract,
};

JOBLET_API const struct joblet_plugin joblet_plugin = {
	.abi_major = 1,
	.abi_minor = 5,
	.struct_size = sizeof(struct joblet_plugin),
	.kind = JOBLET_KIND_ARCHIVE,
	.name = NAME,
	.version = "1.0.0",
	.summary = "an archive plugin built for ABI 1.5",
	.ops = &old_ops,
};
#elif defined(JL_VARIANT_NOSYM)
/* Exports a differently named descriptor: the loader must not find joblet_plugin. */
JOBLET_API const struct joblet_plugin not_the_plugin = JOBLET_PLUGIN_DESCRIPTOR(
	JOBLET_KIND_SCHEDULER, NAME, .version = "1", .summary = "x", .ops = &lifo_ops);
#else
JOBLET_API const struct joblet_plugin joblet_plugin = {
#if defined(JL_VARIANT_BADMAJOR)
	.abi_major = JOBLET_PLUGIN_ABI_MAJOR + 1,
#else
	.abi_major = JOBLET_PLUGIN_ABI_MAJOR,
#endif
#if defined(JL_VARIANT_NEWMINOR)
	.abi_minor = JOBLET_PLUGIN_ABI_MINOR + 1,
#else
	.abi_minor = JOBLET_PLUGIN_ABI_MINOR,
#endif
	.struct_size = sizeof(struct joblet_plugin),
	.kind = JOBLET_KIND_SCHEDULER,
	.name = NAME,
	.version = "9.9.9",
	.summary = "loader test plugin " NAME,
	.license = "Apache-2.0",
#if defined(JL_VARIANT_GOOD)
	.settings = good_settings,
	.init = good_init,
#elif defined(JL_VARIANT_INITFAIL)
	.init = initfail_init,
#endif
	.ops = &lifo_ops,
#if defined(JL_VARIANT_RESERVED)
	.reserved = { (void *)&lifo_ops },
#endif
};
#endif
