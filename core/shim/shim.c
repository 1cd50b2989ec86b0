/*
 * shim.c - joblet-shim: the supervisor of one job.
 *
 *   joblet-shim [--config FILE] [--secrets] [--notify] STATE_DIR
 *   joblet-shim [--config FILE] --reap STATE_DIR
 *   joblet-shim [--config FILE] --standby
 *
 * Started by jl_shim_spawn() as a fresh program (never a fork of the
 * daemon), one per job.  It loads the configuration and plugins itself,
 * then hands over to shim_supervise() (supervisor.c), which does the work.
 * With --secrets, fd 3 is a sealed memfd of the job's secret env
 * (job/job_secrets.h), read into memory and closed first thing.  With
 * --notify, fd 4 is a pipe to write a byte to whenever the log grew
 * (`joblet run-local` waits on it).
 * Its stderr is STATE_DIR/shim.log; its exit status is 0 once status.json
 * is written, 1 when not even that was possible.  With --reap it cleans up
 * after a shim of that job that died (the daemon runs it, reap.c): 0 when
 * everything is removed.  With --standby it is one of the daemon's warm
 * pool: it loads the configuration and plugins, then waits on fd 3 for a
 * job (jl_shim_claim(): the folder, shim.log as stderr, the secrets' memfd)
 * and runs it as if started for it; it exits 0 when the daemon closes fd 3
 * first.  A standby runs one job at most.
 */
#include <config.h>

#include <fcntl.h>
#include <sched.h>
#include <stdbool.h>
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
#include "job/executor.h"
#include "job/job_limits.h"
#include "plugin/loader.h"
#include "shim/shim.h"

static int usage(void)
{
	fprintf(stderr,
		"usage: joblet-shim [--config FILE] [--reap | [--secrets] [--notify]] STATE_DIR\n"
		"       joblet-shim [--config FILE] --standby\n");
	fprintf(stderr,
		"joblet-shim is started by joblet for each job; it is not meant to be run by hand.\n");
	return 2;
}

/* Did the configuration file change since *was (a stat of it then)? */
static bool config_changed(const char *path, const struct stat *was)
{
	struct stat now = { 0 };

	(void)stat(path, &now);
	return now.st_ino != was->st_ino || now.st_dev != was->st_dev ||
	       now.st_size != was->st_size || now.st_mtim.tv_sec != was->st_mtim.tv_sec ||
	       now.st_mtim.tv_nsec != was->st_mtim.tv_nsec;
}

/*
 * Start over as the shim of dir: the configuration changed while this
 * standby waited, and the job must see the file as it is now.  Only
 * returns on failure.
 */
static int standby_reexec(const char *config_path, const char *dir, int secrets_fd,
			  struct joblet_error **err)
{
	char *argv[6];
	int n = 0;

	argv[n++] = (char *)"joblet-shim";
	if (config_path) {
		argv[n++] = (char *)"--config";
		argv[n++] = (char *)config_path;
	}
	if (secrets_fd >= 0) {
		if (dup2(secrets_fd, JL_JOB_SECRETS_FD) < 0)
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
						"cannot hand over the secret env");
		argv[n++] = (char *)"--secrets";
	}
	argv[n++] = (char *)dir;
	argv[n] = NULL;
	execv("/proc/self/exe", argv);
	return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot start over for the job");
}

/*
 * A standby waits for its job on JL_SHIM_STANDBY_FD: 1 with *ret_dir (and
 * the secret env read), stderr now the job's shim.log; 0 when the daemon
 * let it go; -1 on error.
 */
static int standby_wait(const char *config_path, const struct stat *config_st, char **ret_dir,
			char ***ret_secret_env, struct joblet_error **err)
{
	int logfd = -1, secrets_fd = -1, r;

	r = jl_shim_standby_wait(JL_SHIM_STANDBY_FD, ret_dir, &logfd, &secrets_fd, err);
	close(JL_SHIM_STANDBY_FD);
	if (r <= 0)
		return r;
	if (dup2(logfd, STDERR_FILENO) < 0)
		r = joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot write to shim.log");
	close(logfd);
	/*
	 * The daemon starts a standby with SCHED_IDLE (it prepares on idle CPU
	 * time only); the job's supervisor, and the job it forks, are
	 * scheduled as every other process: a job never runs idle.
	 */
	if (r > 0 &&
	    sched_setscheduler(0, SCHED_OTHER, &(struct sched_param){ .sched_priority = 0 }) < 0)
		r = joblet_error_set(err, JOBLET_E_SYSTEM, errno,
				     "cannot leave the standby's SCHED_IDLE for the job");
	if (r > 0 &&
	    config_changed(config_path ? config_path : jl_config_default_path(), config_st))
		r = standby_reexec(config_path, *ret_dir, secrets_fd, err);
	if (r > 0 && secrets_fd >= 0 && jl_job_secrets_read_fd(secrets_fd, ret_secret_env, err) < 0)
		r = -1;
	if (secrets_fd >= 0)
		close(secrets_fd);
	return r > 0 ? 1 : -1;
}

int main(int argc, char **argv)
{
	struct jl_config *cfg = NULL;
	struct jl_plugin_set *set = NULL;
	struct joblet_error *err = NULL;
	const char *config_path = NULL, *state_dir = NULL;
	char **secret_env = NULL; /* the values of the secret env (--secrets), or NULL */
	int i, r, reap = 0, secrets = 0, standby = 0, notify = 0;
	char *claimed_dir = NULL; /* the job a standby was handed */
	struct stat config_st = { 0 };

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			config_path = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			config_path = argv[i] + 9;
		else if (strcmp(argv[i], "--reap") == 0)
			reap = 1;
		else if (strcmp(argv[i], "--secrets") == 0)
			secrets = 1;
		else if (strcmp(argv[i], "--standby") == 0)
			standby = 1;
		else if (strcmp(argv[i], "--notify") == 0)
			notify = 1;
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
	if (!secrets && !standby)
		close(JL_JOB_SECRETS_FD);
	if (!notify)
		close(JL_SHIM_NOTIFY_FD);
	syscall(SYS_close_range, JL_SHIM_NOTIFY_FD + 1U, ~0U, 0U);
	/* The log's notification pipe (`--notify`): ours alone, not the job's; never blocks us. */
	if (notify) {
		(void)fcntl(JL_SHIM_NOTIFY_FD, F_SETFD, FD_CLOEXEC);
		(void)fcntl(JL_SHIM_NOTIFY_FD, F_SETFL, O_NONBLOCK);
	}
	jl_log_set_sink(jl_log_sink_stderr_stamped, NULL);
	jl_log_set_level(JOBLET_LOG_WARNING);
	if (standby ? state_dir || secrets || reap || notify
		    : !state_dir || (secrets && reap) || (notify && reap))
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

	/* What the configuration was when loaded: a standby sees whether it changed since. */
	if (standby)
		(void)stat(config_path ? config_path : jl_config_default_path(), &config_st);
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
	if (r >= 0 && standby) {
		r = standby_wait(config_path, &config_st, &claimed_dir, &secret_env, &err);
		if (r == 0) /* the daemon let it go unused */
			goto out;
		state_dir = claimed_dir;
	}
	/* The supervisor's set-up step blocks the signals it reads and ignores SIGPIPE. */
	if (r >= 0)
		r = reap ? shim_reap(cfg, set, state_dir, &err)
			 : shim_supervise(cfg, set, state_dir, TAKE_PTR(secret_env),
					  notify ? JL_SHIM_NOTIFY_FD : -1, &err);
	if (r < 0)
		fprintf(stderr, "joblet-shim: %s\n", joblet_error_message(err));
out:
	free(claimed_dir);
	joblet_error_free(err);
	jl_job_secrets_free(secret_env);
	jl_plugin_set_free(set);
	jl_config_free(cfg);
	return r < 0 ? 1 : 0;
}
