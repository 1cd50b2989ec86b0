/*
 * shim.c - joblet-shim: the supervisor of one job.
 *
 *   joblet-shim [--config FILE] [--secrets] STATE_DIR
 *   joblet-shim [--config FILE] --reap STATE_DIR
 *
 * Started by jl_shim_spawn() as a fresh program (never a fork of the
 * daemon), one per job.  It loads the configuration and plugins itself,
 * then hands over to shim_supervise() (supervisor.c), which does the work.
 * With --secrets, fd 3 is a sealed memfd of the job's secret env
 * (job/job_secrets.h), read into memory and closed first thing.
 * Its stderr is STATE_DIR/shim.log; its exit status is 0 once status.json
 * is written, 1 when not even that was possible.  With --reap it cleans up
 * after a shim of that job that died (the daemon runs it, reap.c): 0 when
 * everything is removed.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <joblet/error.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "config/config.h"
#include "job/job_secrets.h"
#include "job/job_limits.h"
#include "plugin/loader.h"
#include "shim/shim.h"

static int usage(void)
{
	fprintf(stderr, "usage: joblet-shim [--config FILE] [--reap | --secrets] STATE_DIR\n");
	fprintf(stderr,
		"joblet-shim is started by joblet for each job; it is not meant to be run by hand.\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct jl_config *cfg = NULL;
	struct jl_plugin_set *set = NULL;
	struct joblet_error *err = NULL;
	const char *config_path = NULL, *state_dir = NULL;
	char **secret_env = NULL; /* the values of the secret env (--secrets), or NULL */
	int i, r, reap = 0, secrets = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config_path = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			config_path = argv[i] + 9;
		else if (strcmp(argv[i], "--reap") == 0)
			reap = 1;
		else if (strcmp(argv[i], "--secrets") == 0)
			secrets = 1;
		else if (argv[i][0] == '-' || state_dir)
			return usage();
		else
			state_dir = argv[i];
	}
	/*
	 * The daemon runs with umask 077 (its state is private); the job gets the
	 * conventional 022, as from a login shell.  Our own files have explicit modes.
	 */
	umask(022);
	/* Nothing the starter left open reaches the job or stays pinned by us. */
	syscall(SYS_close_range, secrets ? JL_JOB_SECRETS_FD + 1U : 3U, ~0U, 0U);
	jl_log_set_sink(jl_log_sink_stderr_stamped, NULL);
	jl_log_set_level(JOBLET_LOG_WARNING);
	if (!state_dir || (secrets && reap))
		return usage();
	/* The secret env into memory at once, its fd closed before anything else runs. */
	if (secrets) {
		r = jl_job_secrets_read_fd(JL_JOB_SECRETS_FD, &secret_env, &err);
		close(JL_JOB_SECRETS_FD);
		if (r < 0) {
			fprintf(stderr, "joblet-shim: %s\n", joblet_error_message(err));
			joblet_error_free(err);
			return 1;
		}
	}

	r = jl_config_load(config_path ? config_path : jl_config_default_path(),
			   config_path ? 0 : JL_CONFIG_MISSING_OK, &cfg, &err);
	if (r >= 0) {
		jl_log_set_level(cfg->log_level);
		r = jl_plugin_set_new(cfg, 0, &set, &err);
	}
	/* Only the layers of the stack are loaded ("cgroup" may be either backend). */
	if (r >= 0) {
		const char *names[20];
		size_t n = 0;

		for (char **s = cfg->isolation_stack; s && *s && n < 16; s++) {
			if (strcmp(*s, "cgroup") == 0) {
				names[n++] = "cgroup2";
				names[n++] = "cgroup1";
			} else
				names[n++] = *s;
		}
		names[n] = NULL;
		r = jl_plugin_set_restrict(set, JOBLET_KIND_ISOLATION, names, &err);
	}
	if (r >= 0)
		r = jl_plugin_set_scan(set, &err);
	/*
	 * The OOM killer takes the job first, its supervisor last
	 * (job/job_limits.h).  Without CAP_SYS_RESOURCE (some containers) this
	 * fails for every job: the daemon warns once at its start.
	 */
	if (r >= 0 && !reap && jl_oom_score_adj_set(0, JL_OOM_SCORE_ADJ_SHIM, &err) < 0) {
		jl_log(JOBLET_LOG_DEBUG, NULL, "%s; the OOM killer may pick the supervisor",
		       joblet_error_message(err));
		joblet_error_clear(&err);
	}
	/* The supervisor's set-up step blocks the signals it reads and ignores SIGPIPE. */
	if (r >= 0)
		r = reap ? shim_reap(cfg, set, state_dir, &err)
			 : shim_supervise(cfg, set, state_dir, TAKE_PTR(secret_env), &err);
	if (r < 0)
		fprintf(stderr, "joblet-shim: %s\n", joblet_error_message(err));
	joblet_error_free(err);
	jl_job_secrets_free(secret_env);
	jl_plugin_set_free(set);
	jl_config_free(cfg);
	return r < 0 ? 1 : 0;
}
