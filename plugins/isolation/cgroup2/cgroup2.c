/* isolation/cgroup2 - placeholder while the plugin is written (issue 4). */
#include "config.h"

#include <joblet/isolation.h>

static int ph_prepare(struct joblet_job *job, void **ret_state, struct joblet_error **err)
{
	(void)job;
	*ret_state = NULL;
	return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0, "isolation/cgroup2 is not written yet");
}

static void ph_cleanup(struct joblet_job *job, void *state)
{
	(void)job;
	(void)state;
}

static const struct joblet_isolation_ops ph_ops = {
	.size = sizeof(struct joblet_isolation_ops),
	.prepare = ph_prepare,
	.cleanup = ph_cleanup,
};

JOBLET_PLUGIN_DEFINE(JOBLET_KIND_ISOLATION, "cgroup2", .version = JOBLET_VERSION_STRING,
		     .summary = "placeholder", .license = "Apache-2.0", .ops = &ph_ops);
