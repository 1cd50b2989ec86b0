/*
 * cmd_run_local.c - joblet run-local: run one job on this host in the
 * foreground, with the same isolation, limits and supervisor (joblet-shim)
 * as the daemon's jobs, and exit with the job's exit code.
 *
 * The job's output is followed from its framed log (never from a pipe of
 * our own), so what is printed is exactly what the log holds.  SIGINT and
 * SIGTERM ask the shim to stop the job (SIGTERM, grace period, SIGKILL);
 * this program waits for the shim to write the job's status either way.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "daemon.h"
#include "common/cli.h"
#include "config/config.h"
#include "job/executor.h"
#include "job/job_log.h"
#include "job/job_secrets.h"
#include "job/job_spec.h"

/* Copy every complete record of the log to our stdout/stderr. */
static int drain(struct jl_log_reader *r, bool *out_broken)
{
	struct joblet_error *e = NULL;
	struct jl_log_record rec;
	int n;

	while ((n = jl_log_reader_next(r, &rec, &e)) > 0) {
		int fd = rec.stream == JL_STREAM_STDOUT ? STDOUT_FILENO : STDERR_FILENO;

		/* joblet's own word in the log (the max_log marker): not the job's output. */
		if (rec.stream == JL_STREAM_SYSTEM) {
			fprintf(stderr, "joblet: %.*s\n", (int)rec.len, (const char *)rec.data);
			continue;
		}
		/* A closed stdout (`| head`) must not stop the job or lose its status. */
		if (!*out_broken && jl_write_all(fd, rec.data, rec.len) < 0 && fd == STDOUT_FILENO)
			*out_broken = true;
	}
	if (n < 0) {
		fprintf(stderr, "joblet: %s\n", joblet_error_message(e));
		joblet_error_free(e);
		return -1;
	}
	return 0;
}

/* The last line of the shim's own log, for when it ended without a status. */
static char *shim_last_line(const char *dir)
{
	char path[4096], line[1024], last[1024] = "";
	FILE *f;

	snprintf(path, sizeof(path), "%s/shim.log", dir);
	f = fopen(path, "re");
	if (!f)
		return strdup("no supervisor log");
	while (fgets(line, sizeof(line), f))
		if (line[0] != '\n')
			memcpy(last, line, sizeof(last));
	fclose(f);
	last[strcspn(last, "\n")] = '\0';
	return strdup(last[0] ? last : "its log is empty");
}

static void say_why(const struct jl_job_spec *spec, const struct jl_job_status *st)
{
	const char *id = spec->id;

	if (st->failed_to_start)
		fprintf(stderr, "joblet: job %s did not start: %s\n", id,
			st->error ? st->error : "unknown reason");
	else if (st->timeout)
		fprintf(stderr, "joblet: job %s timed out after %llds and was killed (exit 124)\n",
			id, (long long)spec->timeout_s);
	else if (st->oom)
		fprintf(stderr,
			"joblet: job %s was killed: out of memory (--max-memory=%lld MiB) (exit 137)\n",
			id, (long long)spec->max_memory_mib);
	else if (st->stopped)
		fprintf(stderr, "joblet: job %s was stopped on request (exit %d)\n", id,
			jl_job_status_exit_code(st));
	else if (!st->exited && st->signal)
		fprintf(stderr, "joblet: job %s was killed by signal %d (%s) (exit %d)\n", id,
			st->signal, strsignal(st->signal), jl_job_status_exit_code(st));
}

/* One run-local: what the steps below share. */
struct run_local {
	const char *config_path; /* --config for the shim, or NULL (the default joblet.yml) */
	char **args;		 /* the job's flags and command (argv minus --keep) */
	int nargs;
	bool keep; /* --keep: leave the job's state folder */
	struct jl_config *cfg;
	struct jl_job_spec *spec;
	char *dir; /* the job's state folder once created */
	struct jl_log_reader *reader;
	sigset_t old_mask; /* the signal mask to restore */
	bool mask_changed;
	int sfd;	  /* signalfd: SIGINT, SIGTERM, SIGHUP, SIGCHLD */
	int32_t shim_pid; /* -1 until the shim runs */
	int pidfd;
	/*
	 * The read end of the shim's --notify pipe: a byte whenever the log
	 * grew.  Not inotify: closing an inotify fd with a watch waits for an
	 * SRCU grace period, 16 ms here, and every run-local would end with it.
	 */
	int notify_read;
	bool out_broken, shim_gone, stop_sent;
	struct jl_job_status st;
};

/* --keep is ours; everything else is the job's (the flags of `rnx job run`). */
static int rl_split_args(struct run_local *rl, int argc, char **argv, struct joblet_error **err)
{
	rl->args = calloc((size_t)argc, sizeof(char *));
	if (!rl->args)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0 || argv[i][0] != '-') {
			while (i < argc)
				rl->args[rl->nargs++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--keep") == 0)
			rl->keep = true;
		else
			rl->args[rl->nargs++] = argv[i];
	}
	return 0;
}

/*
 * The job's spec from the flags, checked as the daemon would.  0, or an
 * exit code: JL_EXIT_USAGE after saying what is wrong with the command
 * line, JL_EXIT_FAILURE with *err set.
 */
static int rl_make_spec(struct run_local *rl, const struct joblet_ctx *ctx,
			struct joblet_error **err)
{
	struct jl_job_spec *spec;

	if (daemon_load_config(ctx, &rl->cfg, err) < 0 || jl_job_spec_new(&rl->spec, err) < 0)
		return JL_EXIT_FAILURE;
	spec = rl->spec;
	if (jl_job_spec_parse_args(spec, rl->nargs, rl->args, NULL, err) < 0) {
		fprintf(stderr,
			"joblet run-local: %s; run `joblet run-local --help` for the usage.\n",
			joblet_error_message(*err));
		joblet_error_clear(err);
		return JL_EXIT_USAGE;
	}
	if (spec->schedule_ns || spec->cron || spec->cpus) {
		fprintf(stderr,
			"joblet run-local: runs the job now, alone; --%s is for `rnx job run` (the daemon's scheduler starts scheduled and recurring jobs and pins cores; use --cpu-cores here).\n",
			spec->schedule_ns ? "schedule"
			: spec->cron	  ? "cron"
					  : "cpus");
		return JL_EXIT_USAGE;
	}
	if (jl_job_network_mode(spec->network_name) == JOBLET_NETWORK_BRIDGE) {
		fprintf(stderr,
			"joblet run-local: runs the job without the daemon, so only --network=none or host; --network=%s is for `rnx job run` (the daemon gives the job an address on it).\n",
			spec->network_name);
		return JL_EXIT_USAGE;
	}
	if (spec->volumes && spec->volumes[0]) {
		fprintf(stderr,
			"joblet run-local: volumes belong to the daemon (`rnx volume`); --volume is for `rnx job run`.\n");
		return JL_EXIT_USAGE;
	}
	if (!spec->argv || !spec->argv[0]) {
		fprintf(stderr,
			"joblet run-local: no command given; put it after the flags (`joblet run-local --max-memory=256 -- python3 job.py`).\n");
		return JL_EXIT_USAGE;
	}
	return jl_job_spec_validate(rl->cfg, spec, err) < 0 ? JL_EXIT_FAILURE : 0;
}

/*
 * The shim, with the secret env's values in a sealed memfd: spec.json has
 * only their names, and nothing else of this job is kept anywhere.
 */
static int rl_spawn(struct run_local *rl, struct joblet_error **err)
{
	_cleanup_close_ int fd = -1;
	uint8_t *buf = NULL;
	size_t len = 0;
	int notify[2], r;

	if (rl->spec->secret_env && rl->spec->secret_env[0]) {
		if (jl_job_secrets_pack(rl->spec->secret_env, &buf, &len, err) < 0)
			return -1;
		fd = jl_job_secrets_memfd(buf, len, err);
		jl_job_secrets_wipe(buf, len);
		if (fd < 0)
			return -1;
	}
	if (pipe2(notify, O_CLOEXEC | O_NONBLOCK) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot make a pipe");
	rl->notify_read = notify[0];
	r = jl_shim_spawn(rl->dir, rl->config_path, JL_SHIM_RUN, fd, notify[1], &rl->shim_pid,
			  &rl->pidfd, err);
	close(notify[1]);
	return r;
}

/* Signals become events before the shim exists, so none is lost; then the shim. */
static int rl_start(struct run_local *rl, struct joblet_error **err)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &rl->old_mask);
	rl->mask_changed = true;
	rl->sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (rl->sfd < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot watch for signals");
	if (jl_log_reader_open_flags(rl->dir, JL_LOG_READER_NO_WATCH, &rl->reader, err) < 0)
		return -1;
	return rl_spawn(rl, err);
}

/* SIGINT, SIGTERM, SIGHUP: ask the shim to stop the job. */
static void rl_on_signals(struct run_local *rl)
{
	struct signalfd_siginfo si;

	while (read(rl->sfd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			continue;
		if (!rl->stop_sent) {
			fprintf(stderr, "joblet: stopping job %s (grace period %llds)\n",
				rl->spec->id, (long long)rl->cfg->grace_period_s);
			rl->stop_sent = true;
		}
		/*
		 * Each further signal asks again; the shim does not restart the
		 * grace.  A failure means the shim has ended: the loop sees that.
		 */
		(void)jl_job_stop(rl->dir, NULL);
	}
}

/* Print the job's output from its log until the shim has ended, and what it wrote last. */
static void rl_follow(struct run_local *rl)
{
	while (!rl->shim_gone) {
		struct pollfd pfd[3] = {
			{ rl->sfd, POLLIN, 0 },
			{ rl->notify_read, POLLIN, 0 },
			{ rl->pidfd, POLLIN, 0 },
		};
		char bell[256];

		/* Once the shim has closed its end, its exit is what comes next. */
		if (poll(pfd, 3, -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents & POLLIN)
			while (read(rl->notify_read, bell, sizeof(bell)) > 0)
				;
		else if (pfd[1].revents & (POLLHUP | POLLERR)) {
			close(rl->notify_read);
			rl->notify_read = -1;
		}
		if (drain(rl->reader, &rl->out_broken) < 0)
			break;
		if (pfd[0].revents & POLLIN)
			rl_on_signals(rl);
		if (waitpid(rl->shim_pid, NULL, WNOHANG) == rl->shim_pid)
			rl->shim_gone = true;
	}
	if (!rl->shim_gone)
		waitpid(rl->shim_pid, NULL, 0);
	/* Everything the shim wrote before it ended; a corrupt log was reported already. */
	(void)drain(rl->reader, &rl->out_broken);
}

/* How the job ended: its status.json, or the shim's last words when it wrote none. */
static int rl_read_status(struct run_local *rl, struct joblet_error **err)
{
	char *msg = NULL;
	int r = jl_job_status_read(rl->dir, &rl->st, err);

	if (r == 0 || !*err || (*err)->code != JOBLET_E_NOT_FOUND)
		return r;
	joblet_error_clear(err);
	memset(&rl->st, 0, sizeof(rl->st));
	rl->st.failed_to_start = 1;
	rl->st.error = shim_last_line(rl->dir);
	if (rl->st.error &&
	    asprintf(&msg, "its supervisor (joblet-shim) ended without a status: %s",
		     rl->st.error) >= 0) {
		free(rl->st.error);
		rl->st.error = msg;
	}
	return 0;
}

/* Say how the job ended; keep or remove its folder.  The job's exit code. */
static int rl_report(struct run_local *rl)
{
	struct joblet_error *e = NULL;

	say_why(rl->spec, &rl->st);
	if (rl->keep)
		fprintf(stderr, "joblet: the job's state is kept in %s\n", rl->dir);
	else if (jl_job_remove(rl->dir, &e) < 0) {
		fprintf(stderr, "joblet: %s\n", joblet_error_message(e));
		joblet_error_free(e);
	}
	return jl_job_status_exit_code(&rl->st);
}

static void rl_done(struct run_local *rl)
{
	jl_job_status_done(&rl->st);
	jl_log_reader_free(rl->reader);
	if (rl->pidfd >= 0)
		close(rl->pidfd);
	if (rl->notify_read >= 0)
		close(rl->notify_read);
	if (rl->sfd >= 0)
		close(rl->sfd);
	if (rl->mask_changed)
		sigprocmask(SIG_SETMASK, &rl->old_mask, NULL);
	free(rl->dir);
	free(rl->args);
	jl_job_spec_free(rl->spec);
	jl_config_free(rl->cfg);
}

int joblet_cmd_run_local(int argc, char **argv, void *userdata)
{
	struct run_local rl = { .sfd = -1, .pidfd = -1, .notify_read = -1, .shim_pid = -1 };
	const struct joblet_ctx *ctx = userdata;
	struct joblet_error *e = NULL;
	int rc;

	/* The job's folder under the state folder is private, as the daemon's (cmd_serve.c). */
	umask(077);
	rl.config_path = ctx->config_path;
	if (!rl.config_path) {
		const char *env = secure_getenv("JOBLET_CONFIG");

		rl.config_path = env && *env ? env : NULL;
	}
	rc = rl_split_args(&rl, argc, argv, &e) < 0 ? JL_EXIT_FAILURE : rl_make_spec(&rl, ctx, &e);
	if (rc == 0 && jl_job_create(rl.cfg, rl.spec, &rl.dir, &e) < 0)
		rc = JL_EXIT_FAILURE;
	if (rc == 0 && rl_start(&rl, &e) == 0) {
		rl_follow(&rl);
		rc = rl_read_status(&rl, &e) < 0 ? JL_EXIT_FAILURE : rl_report(&rl);
	} else if (rc == 0)
		rc = JL_EXIT_FAILURE;
	if (e) {
		fprintf(stderr, "joblet: %s\n", joblet_error_message(e));
		joblet_error_clear(&e);
	}
	/* A job whose shim never ran leaves nothing behind. */
	if (rl.dir && rl.shim_pid <= 0 && jl_job_remove(rl.dir, &e) < 0)
		joblet_error_clear(&e);
	rl_done(&rl);
	return rc;
}
