/*
 * stack.c - the isolation stack of one job: set up in order, torn down in
 * reverse (<joblet/isolation.h>).  The hooks are called through
 * plugin/ops_isolation.h, the library's only callers of plugin ops.
 */
#include <config.h>

#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "plugin/ops_isolation.h"
#include "shim/shim.h"
#include "config/config.h"
#include "plugin/loader.h"

/* A hook failed: "isolation/NAME: why", also when the hook gave no why. */
static int layer_failed(const struct shim_layer *l, int r, struct joblet_error **err)
{
	if (err && !*err)
		joblet_error_set(err, JOBLET_E_PLUGIN, 0, "unknown error");
	return joblet_error_prefix(err, r, "isolation/%s", l->plugin->name);
}

int shim_stack_resolve(const struct jl_config *cfg, const struct jl_plugin_set *set,
		       struct shim_stack *st, struct joblet_error **err)
{
	const struct joblet_plugin *p[SHIM_MAX_LAYERS];
	size_t n = 0;
	int r;

	memset(st, 0, sizeof(*st));
	r = jl_isolation_stack_resolve(cfg, set, p, ELEMENTSOF(p), &n, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		st->layers[i].plugin = p[i];
	st->n = n;
	return 0;
}

int shim_stack_prepare(struct shim_stack *st, struct joblet_job *job, struct joblet_error **err)
{
	for (size_t i = 0; i < st->n; i++) {
		struct shim_layer *l = &st->layers[i];
		int r = jl_isolation_prepare(l->plugin, job, &l->state, err);

		if (r < 0)
			return layer_failed(l, r, err);
		l->prepared = true;
	}
	return 0;
}

int shim_stack_attach(struct shim_stack *st, struct joblet_job *job, pid_t pid,
		      struct joblet_error **err)
{
	for (size_t i = 0; i < st->n; i++) {
		struct shim_layer *l = &st->layers[i];
		int r = jl_isolation_attach(l->plugin, job, l->state, pid, err);

		if (r < 0)
			return layer_failed(l, r, err);
	}
	return 0;
}

int shim_stack_child(struct shim_stack *st, struct joblet_job *job, struct joblet_error **err)
{
	for (size_t i = 0; i < st->n; i++) {
		struct shim_layer *l = &st->layers[i];
		int r = jl_isolation_child(l->plugin, job, l->state, err);

		if (r < 0)
			return layer_failed(l, r, err);
	}
	return 0;
}

void shim_stack_stats(struct shim_stack *st, struct joblet_job *job, struct joblet_job_usage *usage)
{
	for (size_t i = 0; i < st->n; i++) {
		_cleanup_error_ struct joblet_error *e = NULL;

		/* A figure missed now is read again at the next tick or by finish(). */
		(void)jl_isolation_stats(st->layers[i].plugin, job, st->layers[i].state, usage, &e);
	}
}

bool shim_stack_can_kill(const struct shim_stack *st)
{
	for (size_t i = 0; i < st->n; i++)
		if (jl_isolation_can_kill(st->layers[i].plugin))
			return true;
	return false;
}

void shim_stack_kill(struct shim_stack *st, struct joblet_job *job, int pidfd, int sig)
{
	for (size_t i = 0; i < st->n; i++) {
		struct shim_layer *l = &st->layers[i];
		_cleanup_error_ struct joblet_error *e = NULL;

		if (!jl_isolation_can_kill(l->plugin))
			continue;
		if (jl_isolation_kill(l->plugin, job, l->state, sig, &e) == 0)
			return;
		jl_log(JOBLET_LOG_WARNING, NULL, "isolation/%s could not signal the job: %s",
		       l->plugin->name, joblet_error_message(e));
	}
	/* No layer could: the first process alone (it is gone when the call fails). */
	if (pidfd >= 0)
		(void)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0);
}

void shim_stack_finish(struct shim_stack *st, struct joblet_job *job,
		       struct joblet_job_usage *usage)
{
	for (size_t i = st->n; i-- > 0;) {
		struct shim_layer *l = &st->layers[i];
		_cleanup_error_ struct joblet_error *e = NULL;

		if (jl_isolation_finish(l->plugin, job, l->state, usage, &e) < 0)
			jl_log(JOBLET_LOG_WARNING, NULL, "isolation/%s: %s", l->plugin->name,
			       joblet_error_message(e));
	}
}

void shim_stack_cleanup(struct shim_stack *st, struct joblet_job *job)
{
	for (size_t i = st->n; i-- > 0;) {
		struct shim_layer *l = &st->layers[i];

		if (l->prepared) {
			jl_isolation_cleanup(l->plugin, job, l->state);
			l->prepared = false;
		}
	}
}

int shim_stack_reap(struct shim_stack *st, struct joblet_job *job)
{
	int failed = 0;

	for (size_t i = st->n; i-- > 0;) {
		const struct joblet_plugin *p = st->layers[i].plugin;
		_cleanup_error_ struct joblet_error *e = NULL;

		if (jl_isolation_reap(p, job, &e) < 0) {
			jl_log(JOBLET_LOG_ERROR, NULL, "isolation/%s: %s", p->name,
			       joblet_error_message(e));
			failed++;
		}
	}
	return failed;
}
