/*
 * daemon.c - what the verbs of the joblet program share: loading the
 * configuration, the checks `serve` and `check` make before they start, and
 * the log sink of the short-lived verbs (daemon.h).  joblet.c holds only
 * main() and the command table, so the verbs depend on this file and
 * joblet.c on them, never the other way round.
 */
#include <config.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "server.h"
#include "base/log.h"
#include "config/config.h"
#include "job/executor.h"
#include "job/job_limits.h"
#include "plugin/loader.h"
#include "plugin/ops_isolation.h"

void daemon_log_sink_plain(int32_t level, const char *source, const char *message, void *userdata)
{
	(void)userdata;
	fprintf(stderr, "joblet: %s: %s: %s\n", jl_log_level_name(level), source, message);
}

int daemon_load_config(const struct joblet_ctx *ctx, struct jl_config **ret_cfg,
		       struct joblet_error **err)
{
	const char *env = ctx->config_path ? NULL : secure_getenv("JOBLET_CONFIG");
	const char *path = ctx->config_path ? ctx->config_path : (env && *env ? env : NULL);

	int r = jl_config_load(path ? path : jl_config_default_path(),
			       path ? 0 : JL_CONFIG_MISSING_OK, ret_cfg, err);

	/* A default above its ceiling would refuse every job that asks for nothing. */
	if (r == 0 && (r = jl_job_limits_check_config(*ret_cfg, err)) < 0) {
		jl_config_free(*ret_cfg);
		*ret_cfg = NULL;
	}
	return r;
}

static void problem_add(struct daemon_problems *problems, char *msg)
{
	if (!msg)
		msg = strdup("out of memory while checking the configuration");
	if (msg && problems->n < sizeof(problems->items) / sizeof(problems->items[0]))
		problems->items[problems->n++] = msg;
	else
		free(msg);
}

/* Can this process create and write the state directory? */
static bool state_dir_usable(const char *dir)
{
	char path[4096];
	char *slash;

	if (access(dir, F_OK) == 0)
		return access(dir, W_OK | X_OK) == 0;
	/* The first ancestor that exists must let us create the rest. */
	snprintf(path, sizeof(path), "%s", dir);
	while ((slash = strrchr(path, '/')) && slash != path) {
		*slash = '\0';
		if (access(path, F_OK) == 0)
			return access(path, W_OK | X_OK) == 0;
	}
	return access("/", W_OK | X_OK) == 0;
}

void daemon_find_problems(const struct jl_config *cfg, const struct jl_plugin_set *set,
			  struct daemon_problems *problems)
{
	struct joblet_error *e = NULL;
	char *msg = NULL;

	if (!state_dir_usable(cfg->state_dir)) {
		if (asprintf(
			    &msg,
			    "the state directory `%s` (paths.state_dir) cannot be created or written by this user; run as root or choose another directory",
			    cfg->state_dir) < 0)
			msg = NULL;
		problem_add(problems, msg);
		msg = NULL;
	}

	if (!jl_plugin_set_find(set, JOBLET_KIND_SCHEDULER, cfg->scheduler_policy)) {
		if (asprintf(
			    &msg,
			    "scheduler policy `%s` (scheduler.policy) is not loaded; see the plugins above",
			    cfg->scheduler_policy) < 0)
			msg = NULL;
		problem_add(problems, msg);
	}
	{
		const struct joblet_plugin *layers[16];
		size_t n;

		if (jl_isolation_stack_resolve(cfg, set, layers, 16, &n, &e) < 0) {
			if (asprintf(&msg, "jobs cannot run: %s", joblet_error_message(e)) < 0)
				msg = NULL;
			problem_add(problems, msg);
			msg = NULL;
			joblet_error_clear(&e);
		} else if (n == 0)
			problem_add(
				problems,
				strdup("isolation.stack is empty; give at least `none` (no isolation) or the default stack"));
	}
	if (jl_plugin_set_check_settings(set, &e) < 0) {
		problem_add(problems, strdup(joblet_error_message(e)));
		joblet_error_free(e);
	}
}

void daemon_problems_done(struct daemon_problems *problems)
{
	for (size_t i = 0; i < problems->n; i++)
		free(problems->items[i]);
	problems->n = 0;
}

int daemon_load_deferred(struct daemon_ctx *d, struct joblet_error **err)
{
	int r;

	if (__atomic_load_n(&d->deferred_loaded, __ATOMIC_ACQUIRE) || !d->loadable)
		return 0;
	r = jl_plugin_set_load_kinds(d->loadable, DAEMON_DEFERRED_KINDS, err);
	if (r == 0)
		__atomic_store_n(&d->deferred_loaded, 1, __ATOMIC_RELEASE);
	return r;
}
