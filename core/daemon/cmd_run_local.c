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
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/cleanup.h"
#include "daemon.h"
#include "common/cli.h"
#include "config/config.h"
#include "job/executor.h"
#include "job/job_log.h"
#include "job/job_spec.h"

/* Copy every complete record of the log to our stdout/stderr. */
static int drain(struct jl_log_reader *r, bool *out_broken)
{
	struct joblet_error *e = NULL;
	struct jl_log_record rec;
	int n;

	while ((n = jl_log_reader_next(r, &rec, &e)) > 0) {
		int fd = rec.stream == JL_STREAM_STDERR ? STDERR_FILENO : STDOUT_FILENO;

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
		fprintf(stderr, "joblet: job %s timed out after %llds and was killed (exit 124)\n", id,
			(long long)spec->timeout_s);
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

int joblet_cmd_run_local(int argc, char **argv, void *userdata)
{
	struct joblet_ctx *ctx = userdata;
	struct jl_config *cfg = NULL;
	struct jl_job_spec *spec = NULL;
	struct jl_log_reader *reader = NULL;
	struct jl_job_status st = { 0 };
	struct joblet_error *e = NULL;
	char *dir = NULL, **args = NULL;
	const char *config_path = ctx->config_path;
	int nargs = 0, rc = JL_EXIT_FAILURE, sfd = -1, pidfd = -1, r;
	bool keep = false, out_broken = false, shim_gone = false, stop_sent = false;
	int32_t shim_pid = -1;
	sigset_t mask, old;

	/* --keep is ours; everything else is the job's (the flags of `rnx job run`). */
	args = calloc((size_t)argc, sizeof(char *));
	if (!args)
		goto oom;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0 || argv[i][0] != '-') {
			while (i < argc)
				args[nargs++] = argv[i++];
			break;
		}
		if (strcmp(argv[i], "--keep") == 0)
			keep = true;
		else
			args[nargs++] = argv[i];
	}
	if (!config_path) {
		const char *env = secure_getenv("JOBLET_CONFIG");

		config_path = env && *env ? env : NULL;
	}
	if (daemon_load_config(ctx, &cfg, &e) < 0 || jl_job_spec_new(&spec, &e) < 0)
		goto fail;
	if (jl_job_spec_parse_args(spec, nargs, args, NULL, &e) < 0) {
		fprintf(stderr, "joblet run-local: %s; run `joblet run-local --help` for the usage.\n",
			joblet_error_message(e));
		joblet_error_free(e);
		rc = JL_EXIT_USAGE;
		goto out;
	}
	if (spec->schedule_ns || spec->cron || spec->cpus) {
		fprintf(stderr, "joblet run-local: runs the job now, alone; --%s is for `rnx job run` "
				"(the daemon's scheduler starts scheduled and recurring jobs and pins "
				"cores; use --cpu-cores here).\n",
			spec->schedule_ns ? "schedule" : spec->cron ? "cron" : "cpus");
		rc = JL_EXIT_USAGE;
		goto out;
	}
	if (!spec->argv || !spec->argv[0]) {
		fprintf(stderr, "joblet run-local: no command given; put it after the flags "
				"(`joblet run-local --max-memory=256 -- python3 job.py`).\n");
		rc = JL_EXIT_USAGE;
		goto out;
	}
	if (jl_job_spec_validate(cfg, spec, &e) < 0 || jl_job_create(cfg, spec, &dir, &e) < 0)
		goto fail;

	/* Signals become events before the shim exists, so none is lost. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, &old);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		joblet_error_set(&e, JOBLET_E_SYSTEM, errno, "cannot watch for signals");
		goto fail_created;
	}
	if (jl_log_reader_open(dir, &reader, &e) < 0 ||
	    jl_shim_spawn(dir, config_path, JL_SHIM_RUN, &shim_pid, &pidfd, &e) < 0)
		goto fail_created;

	while (!shim_gone) {
		struct pollfd pfd[3] = {
			{ sfd, POLLIN, 0 },
			{ jl_log_reader_fd(reader), POLLIN, 0 },
			{ pidfd, POLLIN, 0 },
		};

		/* Without inotify, look at the log every 100 ms. */
		if (poll(pfd, 3, pfd[1].fd < 0 ? 100 : -1) < 0 && errno != EINTR)
			break;
		if (pfd[1].revents & POLLIN)
			jl_log_reader_ack(reader);
		if (drain(reader, &out_broken) < 0)
			break;
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGCHLD)
					continue;
				if (!stop_sent) {
					fprintf(stderr, "joblet: stopping job %s (grace period %llds)\n",
						spec->id, (long long)cfg->grace_period_s);
					stop_sent = true;
				}
				/* Each further signal asks again; the shim does not restart the grace. */
				if (jl_job_stop(dir, NULL) < 0 && !jl_job_running(dir))
					continue;
			}
		}
		if (waitpid(shim_pid, NULL, WNOHANG) == shim_pid)
			shim_gone = true;
	}
	if (!shim_gone)
		waitpid(shim_pid, NULL, 0);
	/* Everything the shim wrote before it ended. */
	drain(reader, &out_broken);

	r = jl_job_status_read(dir, &st, &e);
	if (r < 0 && e && e->code == JOBLET_E_NOT_FOUND) {
		joblet_error_clear(&e);
		memset(&st, 0, sizeof(st));
		st.failed_to_start = 1;
		st.error = shim_last_line(dir);
		if (st.error) {
			char *msg = NULL;

			if (asprintf(&msg, "its supervisor (joblet-shim) ended without a status: %s",
				     st.error) >= 0) {
				free(st.error);
				st.error = msg;
			}
		}
		r = 0;
	}
	if (r < 0)
		goto fail_created;
	say_why(spec, &st);
	rc = jl_job_status_exit_code(&st);
	if (keep)
		fprintf(stderr, "joblet: the job's state is kept in %s\n", dir);
	else if (jl_job_remove(dir, &e) < 0) {
		fprintf(stderr, "joblet: %s\n", joblet_error_message(e));
		joblet_error_clear(&e);
	}
	goto out;

oom:
	joblet_error_set(&e, JOBLET_E_NOMEM, ENOMEM, "out of memory");
fail:
	fprintf(stderr, "joblet: %s\n", joblet_error_message(e));
	joblet_error_free(e);
	rc = JL_EXIT_FAILURE;
	goto out;
fail_created:
	fprintf(stderr, "joblet: %s\n", joblet_error_message(e));
	joblet_error_free(e);
	rc = JL_EXIT_FAILURE;
	if (shim_pid <= 0 && dir && jl_job_remove(dir, &e) < 0)
		joblet_error_clear(&e);
out:
	jl_job_status_done(&st);
	jl_log_reader_free(reader);
	if (pidfd >= 0)
		close(pidfd);
	if (sfd >= 0) {
		close(sfd);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	free(dir);
	free(args);
	jl_job_spec_free(spec);
	jl_config_free(cfg);
	return rc;
}
