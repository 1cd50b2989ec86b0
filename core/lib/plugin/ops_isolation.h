/*
 * plugin/ops_isolation.h - calling isolation plugins, and the isolation
 * stack the configuration names.
 *
 * Private tier (base/private.h).  core/lib/plugin is the only caller of
 * plugin ops (ARCHITECTURE.md section 2): joblet-shim, its --reap and
 * `joblet check` go through these thin wrappers, one per slot of
 * struct joblet_isolation_ops (<joblet/isolation.h> says when each is
 * called and what it may do).  p is the descriptor of a loaded isolation
 * plugin (borrowed).  The loader accepts only ABI 2.x plugins, whose ops
 * tables hold every 2.0 slot, so no slot needs JOBLET_OPS_HAS; an OPTIONAL
 * slot a plugin leaves NULL does nothing and succeeds.  Errors are the
 * plugin's own, passed on unchanged: the caller adds the plugin's name.
 */
#ifndef JL_PLUGIN_OPS_ISOLATION_H
#define JL_PLUGIN_OPS_ISOLATION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <joblet/error.h>
#include <joblet/isolation.h>
#include <joblet/plugin.h>

#include "base/private.h"
#include "config/config.h"
#include "plugin/loader.h"

/* probe(): can this host use the plugin?  0 without a probe slot. */
JL_API int jl_isolation_probe(const struct joblet_plugin *p, struct joblet_error **err);

/* prepare() (REQUIRED): *ret_state receives the plugin's per-job state. */
JL_API int jl_isolation_prepare(const struct joblet_plugin *p, struct joblet_job *job,
				void **ret_state, struct joblet_error **err);

/* attach(): the job's first process is pid (host PID namespace), not yet released. */
JL_API int jl_isolation_attach(const struct joblet_plugin *p, struct joblet_job *job, void *state,
			       int32_t pid, struct joblet_error **err);

/* child(): in the job's first process, inside its namespaces, before exec. */
JL_API int jl_isolation_child(const struct joblet_plugin *p, struct joblet_job *job, void *state,
			      struct joblet_error **err);

/* stats(): add what the plugin measures to *usage. */
JL_API int jl_isolation_stats(const struct joblet_plugin *p, struct joblet_job *job, void *state,
			      struct joblet_job_usage *usage, struct joblet_error **err);

/* Has the plugin a kill() slot?  The supervisor signals through the first that has. */
JL_API bool jl_isolation_can_kill(const struct joblet_plugin *p);

/* kill(): signal every process of the job; JOBLET_E_UNSUPPORTED without a kill slot. */
JL_API int jl_isolation_kill(const struct joblet_plugin *p, struct joblet_job *job, void *state,
			     int32_t sig, struct joblet_error **err);

/* finish(): the job has ended; add final figures to *usage. */
JL_API int jl_isolation_finish(const struct joblet_plugin *p, struct joblet_job *job, void *state,
			       struct joblet_job_usage *usage, struct joblet_error **err);

/* cleanup() (REQUIRED): release what prepare() made; never fails. */
JL_API void jl_isolation_cleanup(const struct joblet_plugin *p, struct joblet_job *job,
				 void *state);

/* reap(): the job's supervisor died; remove what is left of the job.  0 without a slot. */
JL_API int jl_isolation_reap(const struct joblet_plugin *p, struct joblet_job *job,
			     struct joblet_error **err);

/*
 * The isolation plugins cfg->isolation_stack names, in order, as the shim
 * will use them: "cgroup" becomes cgroup2 when its probe() says this host
 * can use it, else cgroup1.  Fills ret[0..*ret_n) (at most max).  Errors:
 * JOBLET_E_NOT_FOUND (a plugin is not loaded), JOBLET_E_PLUGIN (its file
 * was rejected), JOBLET_E_UNSUPPORTED (it cannot work on this host) or
 * JOBLET_E_CONFIG (too many layers, one named twice), naming the plugin
 * and why.
 */
JL_API int jl_isolation_stack_resolve(const struct jl_config *cfg, const struct jl_plugin_set *set,
				      const struct joblet_plugin **ret, size_t max, size_t *ret_n,
				      struct joblet_error **err);

#endif /* JL_PLUGIN_OPS_ISOLATION_H */
