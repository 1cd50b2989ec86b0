/*
 * oci/floor.c - joblet's own system-call filter under every container: the
 * isolation/seccomp plugin, configured by joblet.yml as for joblet's jobs
 * (plugins.dirs, plugins.settings."isolation/seccomp").
 *
 * The plugin is driven as joblet-shim drives it (core/shim/stack.c):
 * prepare() in the caller builds the program (cached under
 * <root>/cache), child() in the container's process loads it.  A container
 * never runs without it: a plugin that cannot be found, loaded or prepared
 * fails `create`.
 */
#include <config.h>

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdlib.h>
#include <string.h>

#include <joblet/plugin.h>

#include "base/cleanup.h"
#include "base/util.h"
#include "config/config.h"
#include "job/job.h"
#include "job/job_spec.h"
#include "oci/oci.h"
#include "plugin/loader.h"
#include "plugin/ops_isolation.h"

struct oci_floor {
	struct jl_config *cfg;		    /* owned */
	struct jl_plugin_set *set;	    /* owned */
	const struct joblet_plugin *plugin; /* borrowed from set */
	struct joblet_job *job;		    /* owned: the job view the plugin sees */
	void *state;			    /* the plugin's, from prepare() */
	bool prepared;
};

/* Why the plugin is not in the set: its file's rejection, or where we looked. */
static int floor_missing(const struct oci_floor *f, struct joblet_error **err)
{
	_cleanup_free_ char *dirs = NULL;
	const char *path, *reason, *d;

	for (size_t i = 0; jl_plugin_set_rejected(f->set, i, &path, &reason) == 0; i++)
		if (strstr(path, "isolation_seccomp"))
			return joblet_error_set(
				err, JOBLET_E_PLUGIN, 0,
				"joblet-oci needs the isolation/seccomp plugin for its floor: `%s`: %s",
				path, reason);
	for (size_t i = 0; (d = jl_plugin_set_dir(f->set, i)); i++) {
		char *more = jl_strdup_printf("%s%s%s", dirs ? dirs : "", dirs ? ", " : "", d);

		if (!more)
			break;
		free(dirs);
		dirs = more;
	}
	return joblet_error_set(
		err, JOBLET_E_NOT_FOUND, 0,
		"joblet-oci needs the isolation/seccomp plugin for its floor: isolation_seccomp.so is not in the plugin folders of joblet.yml (%s); install it or fix plugins.dirs",
		dirs ? dirs : "none");
}

static int floor_load_plugin(const struct oci_ctx *ctx, struct oci_floor *f,
			     struct joblet_error **err)
{
	static const char *const names[] = { "seccomp", NULL };
	const char *path = ctx->policy.joblet_config;
	int r;

	r = jl_config_load(path ? path : jl_config_default_path(), path ? 0 : JL_CONFIG_MISSING_OK,
			   &f->cfg, err);
	if (r == 0)
		r = jl_plugin_set_new(f->cfg, JL_LOADER_NO_BUILTINS, &f->set, err);
	if (r == 0)
		r = jl_plugin_set_restrict(f->set, JOBLET_KIND_ISOLATION, names, err);
	if (r == 0)
		r = jl_plugin_set_scan(f->set, err);
	if (r < 0)
		return joblet_error_prefix(
			err, r, "joblet-oci needs the isolation/seccomp plugin for its floor");
	f->plugin = jl_plugin_set_find(f->set, JOBLET_KIND_ISOLATION, "seccomp");
	if (!f->plugin)
		return floor_missing(f, err);
	r = jl_isolation_probe(f->plugin, err);
	if (r < 0)
		return joblet_error_prefix(
			err, r, "joblet-oci needs the isolation/seccomp plugin for its floor");
	return 0;
}

/* The job view the plugin sees: a job of no spec of its own, with a cache folder. */
static int floor_make_job(const struct oci_ctx *ctx, struct oci_floor *f, struct joblet_error **err)
{
	_cleanup_free_ char *cache = NULL;
	struct jl_job_spec *spec = NULL;
	int r;

	if (!ctx->root)
		return joblet_error_set(err, JOBLET_E_INTERNAL, 0,
					"no state folder (--root) for the floor's cache");
	/*
	 * The host's root keeps one cache for every --root (containerd's,
	 * podman's...), beside the uid ranges, not among a caller's containers.
	 */
	if (geteuid() == 0 && (mkdir("/run/joblet-oci", 0700) == 0 || errno == EEXIST) &&
	    (mkdir("/run/joblet-oci/cache", 0700) == 0 || errno == EEXIST))
		cache = strdup("/run/joblet-oci/cache");
	else
		cache = jl_strdup_printf("%s/cache", ctx->root);
	if (!cache)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	r = jl_job_spec_new(&spec, err);
	if (r == 0)
		r = jl_job_new(spec, ctx->root, &f->job, err);
	if (r == 0 && jl_job_set_cache_dir(f->job, cache) < 0)
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	return r;
}

int oci_floor_prepare(const struct oci_ctx *ctx, struct oci_floor **ret, struct joblet_error **err)
{
	struct oci_floor *f = calloc(1, sizeof(*f));
	int r;

	*ret = NULL;
	if (!f)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	r = floor_load_plugin(ctx, f, err);
	if (r == 0)
		r = floor_make_job(ctx, f, err);
	if (r == 0) {
		r = jl_isolation_prepare(f->plugin, f->job, &f->state, err);
		if (r < 0)
			r = joblet_error_prefix(
				err, r,
				"joblet-oci needs the isolation/seccomp plugin for its floor");
		else
			f->prepared = true;
	}
	if (r < 0) {
		oci_floor_free(f);
		return r;
	}
	*ret = f;
	return 0;
}

int oci_floor_load(const struct oci_floor *f, struct joblet_error **err)
{
	int r = jl_isolation_child(f->plugin, f->job, f->state, err);

	if (r < 0)
		return joblet_error_prefix(err, r, "isolation/seccomp (joblet's floor)");
	return 0;
}

void oci_floor_free(struct oci_floor *f)
{
	if (!f)
		return;
	if (f->prepared)
		jl_isolation_cleanup(f->plugin, f->job, f->state);
	jl_job_free(f->job);
	jl_plugin_set_free(f->set);
	jl_config_free(f->cfg);
	free(f);
}
