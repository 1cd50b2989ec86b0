/*
 * ops_isolation.c - the only calls into isolation plugins' ops, and the
 * resolution of isolation.stack into loaded plugins.
 */
#include <config.h>

#include <errno.h>
#include <string.h>

#include "base/util.h"
#include "plugin/ops_isolation.h"

static const struct joblet_isolation_ops *ops_of(const struct joblet_plugin *p)
{
	return p->ops;
}

int jl_isolation_probe(const struct joblet_plugin *p, struct joblet_error **err)
{
	const struct joblet_isolation_ops *ops = ops_of(p);

	return ops->probe ? ops->probe(err) : 0;
}

int jl_isolation_prepare(const struct joblet_plugin *p, struct joblet_job *job, void **ret_state,
			 struct joblet_error **err)
{
	return ops_of(p)->prepare(job, ret_state, err);
}

int jl_isolation_attach(const struct joblet_plugin *p, struct joblet_job *job, void *state,
			int32_t pid, struct joblet_error **err)
{
	const struct joblet_isolation_ops *ops = ops_of(p);

	return ops->attach ? ops->attach(job, state, pid, err) : 0;
}

int jl_isolation_child(const struct joblet_plugin *p, struct joblet_job *job, void *state,
		       struct joblet_error **err)
{
	const struct joblet_isolation_ops *ops = ops_of(p);

	return ops->child ? ops->child(job, state, err) : 0;
}

int jl_isolation_stats(const struct joblet_plugin *p, struct joblet_job *job, void *state,
		       struct joblet_job_usage *usage, struct joblet_error **err)
{
	const struct joblet_isolation_ops *ops = ops_of(p);

	return ops->stats ? ops->stats(job, state, usage, err) : 0;
}

bool jl_isolation_can_kill(const struct joblet_plugin *p)
{
	return ops_of(p)->kill != NULL;
}

int jl_isolation_kill(const struct joblet_plugin *p, struct joblet_job *job, void *state,
		      int32_t sig, struct joblet_error **err)
{
	const struct joblet_isolation_ops *ops = ops_of(p);

	if (!ops->kill)
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0,
					"isolation/%s cannot signal a job's processes", p->name);
	return ops->kill(job, state, sig, err);
}

int jl_isolation_finish(const struct joblet_plugin *p, struct joblet_job *job, void *state,
			struct joblet_job_usage *usage, struct joblet_error **err)
{
	const struct joblet_isolation_ops *ops = ops_of(p);

	return ops->finish ? ops->finish(job, state, usage, err) : 0;
}

void jl_isolation_cleanup(const struct joblet_plugin *p, struct joblet_job *job, void *state)
{
	ops_of(p)->cleanup(job, state);
}

int jl_isolation_reap(const struct joblet_plugin *p, struct joblet_job *job,
		      struct joblet_error **err)
{
	const struct joblet_isolation_ops *ops = ops_of(p);

	return ops->reap ? ops->reap(job, err) : 0;
}

/* ------------------------------------------------------------------ the stack */

/* A stack entry that is not loaded: say why when the file was rejected. */
static int not_loaded(const struct jl_plugin_set *set, const char *name, struct joblet_error **err)
{
	_cleanup_free_ char *file = jl_strdup_printf("/isolation_%s.so", name);
	const char *path, *reason;

	for (size_t i = 0; file && jl_plugin_set_rejected(set, i, &path, &reason) == 0; i++)
		if (strlen(path) >= strlen(file) &&
		    strcmp(path + strlen(path) - strlen(file), file) == 0)
			return joblet_error_set(
				err, JOBLET_E_PLUGIN, 0,
				"isolation plugin `%s` (isolation.stack) was rejected: %s", name,
				reason);
	return joblet_error_set(
		err, JOBLET_E_NOT_FOUND, 0,
		"isolation plugin `%s` (isolation.stack) is not loaded; see `joblet check`", name);
}

/* "cgroup": cgroup2 when this host can use it, else cgroup1, else why neither. */
static int resolve_cgroup(const struct jl_plugin_set *set, const struct joblet_plugin **ret,
			  struct joblet_error **err)
{
	_cleanup_error_ struct joblet_error *e2 = NULL, *e1 = NULL;
	const struct joblet_plugin *v2 = jl_plugin_set_find(set, JOBLET_KIND_ISOLATION, "cgroup2");
	const struct joblet_plugin *v1 = jl_plugin_set_find(set, JOBLET_KIND_ISOLATION, "cgroup1");

	if (v2 && jl_isolation_probe(v2, &e2) == 0)
		*ret = v2;
	else if (v1 && jl_isolation_probe(v1, &e1) == 0)
		*ret = v1;
	else
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"no cgroup backend can limit jobs on this host (cgroup2: %s; cgroup1: %s); limits are never silently skipped",
			v2 ? joblet_error_message(e2) : "plugin not loaded",
			v1 ? joblet_error_message(e1) : "plugin not loaded");
	return 0;
}

/* One named layer, loaded and usable here. */
static int resolve_one(const struct jl_plugin_set *set, const char *name,
		       const struct joblet_plugin **ret, struct joblet_error **err)
{
	int r;

	if (strcmp(name, "cgroup") == 0)
		return resolve_cgroup(set, ret, err);
	*ret = jl_plugin_set_find(set, JOBLET_KIND_ISOLATION, name);
	if (!*ret)
		return not_loaded(set, name, err);
	r = jl_isolation_probe(*ret, err);
	if (r < 0)
		return joblet_error_prefix(err, r, "isolation/%s cannot work on this host", name);
	return 0;
}

int jl_isolation_stack_resolve(const struct jl_config *cfg, const struct jl_plugin_set *set,
			       const struct joblet_plugin **ret, size_t max, size_t *ret_n,
			       struct joblet_error **err)
{
	size_t n = 0;

	for (char **name = cfg->isolation_stack; name && *name; name++) {
		const struct joblet_plugin *p = NULL;
		int r;

		if (n == max)
			return joblet_error_set(err, JOBLET_E_CONFIG, 0,
						"isolation.stack has more than %zu layers", max);
		r = resolve_one(set, *name, &p, err);
		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++)
			if (ret[i] == p)
				return joblet_error_set(err, JOBLET_E_CONFIG, 0,
							"isolation.stack names isolation/%s twice",
							p->name);
		ret[n++] = p;
	}
	*ret_n = n;
	return 0;
}
