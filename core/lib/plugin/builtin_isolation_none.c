/*
 * builtin_isolation_none.c - isolation/none: no isolation layer at all.
 *
 * The null object of the isolation stack (as crun's disabled cgroup
 * manager): with only this plugin a job is a plain child of the shim.  Unit
 * tests and development use it.
 */
#include <config.h>

/* Plugin log macros name this builtin (see <joblet/plugin.h>). */
#define JOBLET_PLUGIN_SELF jl_builtin_isolation_none

#include "plugin/builtins.h"

#include <joblet/isolation.h>

static int none_prepare(struct joblet_job *job, void **ret_state, struct joblet_error **err)
{
	(void)job;
	(void)err;
	*ret_state = NULL;
	return 0;
}

static void none_cleanup(struct joblet_job *job, void *state)
{
	(void)job;
	(void)state;
}

static const struct joblet_isolation_ops none_ops = {
	.size = sizeof(struct joblet_isolation_ops),
	.prepare = none_prepare,
	.cleanup = none_cleanup,
};

const struct joblet_plugin jl_builtin_isolation_none = JOBLET_PLUGIN_DESCRIPTOR(
	JOBLET_KIND_ISOLATION, "none", .version = JOBLET_VERSION_STRING,
	.summary = "no isolation: the job is a plain child process (tests, development)",
	.license = "Apache-2.0", .ops = &none_ops);
