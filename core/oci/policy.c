/*
 * oci/policy.c - what the operator allows joblet-oci beyond its floor.
 *
 * One file is read: --config, else $JOBLET_OCI_CONFIG, else
 * /etc/joblet/oci.yml when it exists, else joblet.yml (missing: defaults).
 * It is a joblet.yml (joblet.yml(5)): its `oci:` section is the policy,
 * its `plugins:` section says where the isolation/seccomp plugin of the
 * floor is and how it is set.  Every default is the floor.
 */
#include <config.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "config/config.h"
#include "oci/oci.h"

static int policy_path(const char *path, char **ret, bool *ret_missing_ok)
{
	const char *env = secure_getenv("JOBLET_OCI_CONFIG");
	const char *oci_yml = JOBLET_SYSCONFDIR "/joblet/oci.yml";

	*ret_missing_ok = false;
	if (!path && env && *env)
		path = env;
	if (!path && access(oci_yml, F_OK) == 0)
		path = oci_yml;
	if (!path) {
		path = jl_config_default_path();
		*ret_missing_ok = true;
	}
	*ret = strdup(path);
	return *ret ? 0 : -ENOMEM;
}

static int policy_caps(struct jl_config *cfg, struct oci_policy *p, struct joblet_error **err)
{
	for (char **c = cfg->oci_allowed_caps; c && *c; c++) {
		int cap = oci_cap_from_name(*c);

		if (cap < 0)
			return joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"`%s`: oci.allowed_capabilities: `%s` is not a capability (names such as CAP_SYS_PTRACE, see capabilities(7))",
				cfg->source ? cfg->source : "joblet.yml", *c);
		p->allowed_caps |= UINT64_C(1) << cap;
	}
	return 0;
}

int oci_policy_load(const char *path, struct oci_policy *ret, struct joblet_error **err)
{
	struct jl_config *cfg = NULL;
	_cleanup_free_ char *file = NULL;
	bool missing_ok;
	int64_t span;
	int r;

	memset(ret, 0, sizeof(*ret));
	if (policy_path(path, &file, &missing_ok) < 0)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the policy");
	r = jl_config_load(file, missing_ok ? JL_CONFIG_MISSING_OK : 0, &cfg, err);
	if (r < 0)
		return r;
	ret->allow_host_root = cfg->oci_allow_host_root;
	ret->allow_hooks = cfg->oci_allow_hooks;
	ret->allow_host_devices = cfg->oci_allow_host_devices;
	ret->allow_host_namespaces = cfg->oci_allow_host_namespaces;
	r = policy_caps(cfg, ret, err);
	if (r < 0)
		goto out;
	span = cfg->oci_uid_last - cfg->oci_uid_first + 1;
	if (cfg->oci_ids_per_container < 1 || cfg->oci_ids_per_container > span) {
		r = joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"`%s`: oci.ids_per_container must be from 1 to the size of oci.uid_range (%lld), not %lld",
			file, (long long)span, (long long)cfg->oci_ids_per_container);
		goto out;
	}
	ret->uid_base = (uint32_t)cfg->oci_uid_first;
	ret->uid_count = (uint32_t)cfg->oci_ids_per_container;
	ret->uid_slots = (uint32_t)(span / cfg->oci_ids_per_container);
	if (cfg->source) {
		ret->joblet_config = strdup(cfg->source);
		if (!ret->joblet_config)
			r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot read the policy");
	}
out:
	jl_config_free(cfg);
	if (r < 0)
		oci_policy_clear(ret);
	return r;
}

void oci_policy_clear(struct oci_policy *p)
{
	free(p->joblet_config);
	memset(p, 0, sizeof(*p));
}
