/*
 * policy_test.h - the fixture the scheduler policy tests share: a
 * configuration and plugin set loaded from build-plugins/, the policy's ops
 * and queue, and helpers to make and submit jobs (all static, one copy per
 * test program).
 */
#ifndef JL_POLICY_TEST_H
#define JL_POLICY_TEST_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <joblet/error.h>
#include <joblet/plugin.h>
#include <joblet/scheduler.h>

#include "config/config.h"
#include "plugin/loader.h"

#include "jl_test.h"
#include "jl_tmp.h"

static const struct joblet_sched_capacity unlimited = { sizeof(unlimited), 0, -1, -1, -1, -1 };
static const struct joblet_sched_capacity one_slot = { sizeof(one_slot), 0, 1, -1, -1, -1 };

static struct jl_config *cfg;
static struct jl_plugin_set *set;
static const struct joblet_scheduler_ops *ops;
static void *q;

static inline void setup(void)
{
	jl_tmp_setup();
	cfg = NULL;
	set = NULL;
	ops = NULL;
	q = NULL;
}

static inline void teardown(void)
{
	if (q)
		ops->destroy(q);
	jl_plugin_set_free(set);
	jl_config_free(cfg);
	jl_tmp_teardown();
}

/*
 * Load scheduler_<name>.so with these settings lines (YAML under the
 * plugin's id, NULL for none).  0, or negative with *err set.
 */
static inline int load(const char *name, const char *settings, struct joblet_error **err)
{
	char yaml[2048], path[4096];
	const struct joblet_plugin *p;
	int r;

	if (q)
		ops->destroy(q);
	q = NULL;
	jl_plugin_set_free(set);
	set = NULL;
	jl_config_free(cfg);
	cfg = NULL;
	if (settings)
		snprintf(yaml, sizeof(yaml), "plugins:\n  settings:\n    scheduler/%s:\n%s", name,
			 settings);
	else
		snprintf(yaml, sizeof(yaml), "plugins:\n  settings: {}\n");
	r = jl_config_load(jl_tmp_write("joblet.yml", yaml), 0, &cfg, err);
	if (r < 0)
		return r;
	ck_assert_int_eq(jl_plugin_set_new(cfg, JL_LOADER_NO_BUILTINS, &set, NULL), 0);
	snprintf(path, sizeof(path), "%s/build-plugins/scheduler_%s.so",
		 jl_test_env("JOBLET_TEST_BUILDDIR"), name);
	r = jl_plugin_set_load_file(set, path, err);
	if (r < 0)
		return r;
	p = jl_plugin_set_find(set, JOBLET_KIND_SCHEDULER, name);
	ck_assert_ptr_nonnull(p);
	ops = p->ops;
	ck_assert_int_eq(ops->create(&q, NULL), 0);
	return 0;
}

static inline void load_ok(const char *name, const char *settings)
{
	struct joblet_error *e = NULL;

	ck_assert_msg(load(name, settings, &e) == 0, "loading %s: %s", name,
		      joblet_error_message(e));
}

static inline void expect_refused(const char *name, const char *settings, const char *needle)
{
	struct joblet_error *e = NULL;
	int r = load(name, settings, &e);

	ck_assert_msg(r < 0, "`%s` was accepted", settings);
	ck_assert_ptr_nonnull(e);
	ck_assert_msg(strstr(e->message, needle), "`%s` not in: %s", needle, e->message);
	joblet_error_free(e);
}

static inline struct joblet_sched_job job(uint64_t seq, const char *owner, int64_t priority,
					  int64_t submit)
{
	return (struct joblet_sched_job){ .size = sizeof(struct joblet_sched_job),
					  .id = "job",
					  .owner = owner,
					  .seq = seq,
					  .submit_time_ns = submit,
					  .priority = priority };
}

static inline void submit(struct joblet_sched_job *j, int64_t now)
{
	ck_assert_int_eq(ops->submit(q, j, now, NULL), 0);
}

static uint64_t rng_state = 42;

static inline uint64_t rng(void)
{
	rng_state = rng_state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
	return rng_state >> 33;
}

#endif /* JL_POLICY_TEST_H */
