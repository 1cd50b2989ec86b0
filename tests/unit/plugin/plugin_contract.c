/*
 * plugin_contract.c - the contract every plugin must keep, checked on real
 * plugin files and on the builtins.  Usage: plugin_contract [FILE.so...]
 *
 * Prints TAP.  For each plugin: the loader accepts it in strict mode, its
 * descriptor is complete, and its ops behave at the edges every caller
 * relies on (per kind).  tests/unit/plugin/test_plugin_contract.sh runs it over
 * every plugin the build produced.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <joblet/archive.h>
#include <joblet/error.h>
#include <joblet/isolation.h>
#include <joblet/plugin.h>
#include <joblet/registry.h>
#include <joblet/scheduler.h>

#include "plugin/loader.h"
#include "base/plugin_id.h"

static int failures;

static void result(int ok, const char *id, const char *fmt, ...)
{
	va_list ap;

	printf("%s - %s: ", ok ? "ok" : "not ok", id);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok)
		failures++;
}

/* A stream over a fixed buffer. */
struct mem_stream {
	struct joblet_stream base;
	const uint8_t *data;
	size_t len, pos;
};

static int64_t mem_read(struct joblet_stream *s, void *buf, size_t len, struct joblet_error **err)
{
	struct mem_stream *m = (struct mem_stream *)s;
	size_t n = m->len - m->pos < len ? m->len - m->pos : len;

	(void)err;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (int64_t)n;
}

static void mem_close(struct joblet_stream *s)
{
	(void)s;
}

static void check_archive(const char *id, const struct joblet_archive_ops *ops)
{
	uint8_t noise[JOBLET_ARCHIVE_PROBE_BYTES];
	struct joblet_archive_limits limits = { sizeof(limits), 0, 1 << 20, 100, 4096 };
	struct joblet_archive_stats stats = { sizeof(stats), 0, 0, 0 };
	char dir[] = "/tmp/joblet-contract-XXXXXX";
	struct joblet_error *e = NULL;
	int32_t score;
	int dfd, r;

	for (size_t i = 0; i < sizeof(noise); i++)
		noise[i] = (uint8_t)(i * 131 + 7);
	score = ops->probe(noise, 0, NULL);
	result(score >= 0 && score <= 100, id, "probe() of nothing is 0..100 (%d)", score);
	score = ops->probe(noise, sizeof(noise), "package.bin");
	result(score >= 0 && score <= 100, id, "probe() of noise is 0..100 (%d)", score);

	if (!mkdtemp(dir) || (dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		result(0, id, "cannot make a scratch directory");
		return;
	}
	{
		struct mem_stream m = {
			{ sizeof(struct joblet_stream), 0, 0, mem_read, mem_close, { 0 } },
			noise,
			0,
			0
		};
		r = ops->extract(&m.base, dfd, &limits, &stats, &e);
		result(r < 0 && e && e->message && *e->message, id,
		       "extract() of an empty stream fails with a message (%s)",
		       joblet_error_message(e));
		joblet_error_free(e);
		e = NULL;
	}
	{
		struct mem_stream m = { { sizeof(struct joblet_stream),
					  0,
					  sizeof(noise),
					  mem_read,
					  mem_close,
					  { 0 } },
					noise,
					sizeof(noise),
					0 };
		r = ops->extract(&m.base, dfd, &limits, &stats, &e);
		result(r < 0 && e && e->code == JOBLET_E_ARCHIVE, id,
		       "extract() of noise fails with code archive (%s)", joblet_error_message(e));
		joblet_error_free(e);
	}
	close(dfd);
	/* The scratch directory must still be empty: noise wrote nothing. */
	result(rmdir(dir) == 0, id, "nothing was written for refused input");
}

static void check_registry(const char *id, const struct joblet_registry_ops *ops)
{
	static const char *const specs[] = {
		"",	"owner/repo", "/srv/registry", "file:///srv/r", "https://example.org/r",
		"::::", NULL
	};

	for (size_t i = 0; specs[i]; i++) {
		int32_t v = ops->can_handle(specs[i]);

		result(v == 0 || v == 1, id, "can_handle(\"%s\") is 0 or 1 (%d)", specs[i], v);
	}
}

static void check_isolation(const char *id, const struct joblet_isolation_ops *ops)
{
	struct joblet_error *e = NULL;
	int r;

	if (!ops->probe) {
		result(1, id, "no probe() (optional)");
		return;
	}
	r = ops->probe(&e);
	result(r == 0 ? e == NULL : (r < 0 && e && *e->message), id,
	       "probe() answers 0, or negative with a message (%s)",
	       r == 0 ? "usable" : joblet_error_message(e));
	joblet_error_free(e);
}

static void check_scheduler(const char *id, const struct joblet_scheduler_ops *ops)
{
	struct joblet_sched_job jobs[5];
	struct joblet_sched_capacity none = { sizeof(none), 0, 0, -1, -1, -1 };
	struct joblet_sched_capacity all = { sizeof(all), 0, -1, -1, -1, -1 };
	int seen[5] = { 0 }, ok = 1, peek_ok = 1;
	const int has_peek = ops->peek != NULL;
	void *q = NULL;

	if (ops->create(&q, NULL) < 0) {
		result(0, id, "create() fails");
		return;
	}
	for (int i = 0; i < 5; i++) {
		jobs[i] = (struct joblet_sched_job){ .size = sizeof(jobs[i]),
						     .id = "job",
						     .owner = "o",
						     .seq = (uint64_t)i,
						     .priority = i * 100 };
		ok &= ops->submit(q, &jobs[i], i, NULL) == 0;
	}
	result(ok && ops->count(q) == 5, id, "submit() of 5 jobs, count() says 5");
	result(ops->pick(q, &none, 10) == NULL, id, "pick() starts nothing without a free slot");
	ops->remove(q, &jobs[2]);
	result(ops->count(q) == 4, id, "remove() takes a job out");
	for (int i = 0; i < 4; i++) {
		struct joblet_sched_job *next = has_peek ? ops->peek(q, 10 + i) : NULL;
		uint64_t before = ops->count(q);
		struct joblet_sched_job *j = ops->pick(q, &all, 10 + i);

		if (!j || j < jobs || j >= jobs + 5 || j == &jobs[2]) {
			ok = 0;
			break;
		}
		if (has_peek && (next != j || before != 4 - (uint64_t)i))
			peek_ok = 0;
		seen[j - jobs]++;
	}
	if (has_peek)
		result(peek_ok && ops->peek(q, 20) == NULL, id,
		       "peek() names the job pick() hands out next and leaves it queued");
	result(ok && seen[0] == 1 && seen[1] == 1 && seen[3] == 1 && seen[4] == 1, id,
	       "pick() hands out every queued job exactly once");
	result(ops->pick(q, &all, 20) == NULL && ops->count(q) == 0, id, "the queue is then empty");
	ops->destroy(q);
}

static void check_plugin(const struct joblet_plugin *p, const char *origin)
{
	char id[128];
	const uint64_t known_caps =
		JOBLET_CAP_NEEDS_ROOT | JOBLET_CAP_NETWORK | JOBLET_CAP_THREAD_SAFE;

	snprintf(id, sizeof(id), "%s/%s", jl_plugin_kind_name((int32_t)p->kind), p->name);
	result(p->version && *p->version && p->summary && *p->summary && p->license, id,
	       "descriptor has version, summary and license (%s)", origin);
	result((p->caps & ~known_caps) == 0, id, "only known capability bits");
	switch (p->kind) {
	case JOBLET_KIND_ARCHIVE:
		check_archive(id, p->ops);
		break;
	case JOBLET_KIND_REGISTRY:
		check_registry(id, p->ops);
		break;
	case JOBLET_KIND_ISOLATION:
		check_isolation(id, p->ops);
		break;
	case JOBLET_KIND_SCHEDULER:
		check_scheduler(id, p->ops);
		break;
	}
}

int main(int argc, char **argv)
{
	struct jl_plugin_set *set = NULL;
	struct joblet_error *e = NULL;

	if (jl_plugin_set_new(NULL, JL_LOADER_STRICT, &set, &e) < 0) {
		printf("not ok - cannot create a plugin set: %s\n", joblet_error_message(e));
		return 1;
	}
	for (int i = 1; i < argc; i++) {
		int r = jl_plugin_set_load_file(set, argv[i], &e);

		result(r == 0, argv[i], "accepted by the loader in strict mode%s%s", r ? ": " : "",
		       r ? joblet_error_message(e) : "");
		joblet_error_clear(&e);
	}
	for (size_t i = 0; i < jl_plugin_set_count(set); i++) {
		const char *origin;
		const struct joblet_plugin *p = jl_plugin_set_get(set, i, &origin);

		check_plugin(p, origin);
	}
	jl_plugin_set_free(set);
	return failures ? 1 : 0;
}
