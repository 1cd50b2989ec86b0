/*
 * cmd_job.c - rnx job run|list|status|log|stop|cancel|delete|delete-all:
 * jobs on a node, through its API (POST/GET/DELETE /v1/jobs...).
 *
 * `job run` reads its flags the way `joblet run-local` does (they end at
 * `--` or at the first word that is not a flag), sends the job with any
 * uploads as one JSON request, and with --follow streams the job's output
 * (stdout to stdout, stderr to stderr) and exits with the job's exit code.
 * A follower that loses its connection (the daemon restarts, say)
 * reconnects and resumes after the last event it got.
 */
#include <config.h>

#include <errno.h>
#include <json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "base/cleanup.h"
#include "rnx.h"
#include "common/cli.h"
#include "base/timefmt.h"
#include "job/job_schema.h"
#include "job/job_spec.h"
#include "common/log_event.h"
#include "common/uploads.h"
#include "common/runtime_text.h"

/* How long a submission refused with 429/503 + Retry-After is tried again. */
#define SUBMIT_RETRY_S 60L
/* How long a follower tries to get its stream back. */
#define RECONNECT_S 60

static int fail(struct joblet_error *e)
{
	rnx_print_error(e);
	joblet_error_free(e);
	return JL_EXIT_FAILURE;
}

static bool jint(json_object *o, const char *key, int64_t *ret)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*ret = json_object_get_int64(v);
	return true;
}

/* A job id (or unique prefix) as rnx takes it: hex and dashes only, so it is safe in a path. */
static bool id_ok(const char *id)
{
	size_t n = strlen(id);

	return n > 0 && n <= 36 && strspn(id, "0123456789abcdef-") == n;
}

/* Options common to the id verbs: [--json] ID. */
static int parse_id_args(int argc, char **argv, struct rnx_ctx *ctx, const char *path, bool *follow,
			 const char **ret_id)
{
	const char *id = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			ctx->json = 1;
		else if (follow && (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--follow") == 0))
			*follow = true;
		else if (argv[i][0] == '-')
			return rnx_usage(path, "unknown option", argv[i]);
		else if (id)
			return rnx_usage(path, "give one job id", NULL);
		else
			id = argv[i];
	}
	if (!id)
		return rnx_usage(
			path,
			"give the job's id (or a unique start of it; `rnx job list` shows them)",
			NULL);
	if (!id_ok(id)) {
		fprintf(stderr,
			"%s: `%s` is not a job id: give the UUID `rnx job list` shows, or a unique start of it (lower-case hex).\n",
			path, id);
		return JL_EXIT_USAGE;
	}
	*ret_id = id;
	return 0;
}

/* ------------------------------------------------------------------ time and sizes */

/* "2026-12-03T10:00:00.000Z" -> "2026-12-03 10:00:00" in local time; "-" for none. */
static void local_time(const char *rfc, char *buf, size_t size)
{
	int64_t ns;
	time_t t;
	struct tm tm;

	if (!rfc || jl_time_parse_rfc3339(rfc, &ns, NULL) < 0) {
		snprintf(buf, size, "-");
		return;
	}
	t = (time_t)(ns / 1000000000);
	localtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
}

static int64_t time_ns(const char *rfc)
{
	int64_t ns = 0;

	if (rfc)
		jl_time_parse_rfc3339(rfc, &ns, NULL);
	return ns;
}

static void duration(int64_t ns, char *buf, size_t size)
{
	double s = (double)ns / 1e9;

	if (s < 60)
		snprintf(buf, size, "%.3fs", s);
	else if (s < 3600)
		snprintf(buf, size, "%dm%02ds", (int)s / 60, (int)s % 60);
	else
		snprintf(buf, size, "%dh%02dm%02ds", (int)s / 3600, (int)s / 60 % 60, (int)s % 60);
}

/* ------------------------------------------------------------------ the log stream */

struct follow {
	struct rnx_ctx *ctx;
	bool ended;	 /* the exit event came */
	bool out_broken; /* stdout was closed (| head): keep reading, print no more */
	char state[32];
	int64_t exit_code;
	int64_t signal;
	bool has_exit;
	char reason[1024];
};

static int on_event(void *userdata, const struct rnx_sse_event *ev)
{
	struct follow *f = userdata;
	int32_t stream = jl_log_event_stream_parse(ev->event);

	if (stream) {
		ssize_t n;

		if (f->ctx->json) {
			json_object *o = json_tokener_parse(ev->data);

			if (o) {
				json_object_object_add(o, "stream",
						       json_object_new_string(ev->event));
				json_object_object_add(o, "id", json_object_new_string(ev->id));
				if (!f->out_broken &&
				    puts(json_object_to_json_string_ext(
					    o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
					f->out_broken = true;
				json_object_put(o);
			}
			return 0;
		}
		/* In place: the parser's buffer, not a copy of it. */
		n = jl_log_event_decode(ev->data, ev->len, ev->data);
		if (n < 0) {
			fprintf(stderr, "rnx: a log event (id %s) was not understood; skipped\n",
				ev->id);
			return 0;
		}
		/* joblet's own word in the log (the max_log marker): on stderr, marked as such. */
		if (stream == JL_LOG_EVENT_SYSTEM) {
			fprintf(stderr, "joblet: %.*s\n", (int)n, ev->data);
		} else if (stream == JL_LOG_EVENT_STDERR)
			jl_write_all(STDERR_FILENO, ev->data, (size_t)n);
		else if (!f->out_broken && jl_write_all(STDOUT_FILENO, ev->data, (size_t)n) < 0)
			f->out_broken = true;
		return 0;
	}
	if (strcmp(ev->event, "exit") == 0) {
		json_object *o = json_tokener_parse(ev->data);

		f->ended = true;
		snprintf(f->state, sizeof(f->state), "%s", o ? rnx_jstr(o, "state", "") : "");
		f->has_exit = o && jint(o, "exit_code", &f->exit_code);
		if (o)
			jint(o, "signal", &f->signal);
		snprintf(f->reason, sizeof(f->reason), "%s", o ? rnx_jstr(o, "reason", "") : "");
		if (f->ctx->json && o && !f->out_broken) {
			json_object_object_add(o, "stream", json_object_new_string("exit"));
			puts(json_object_to_json_string_ext(
				o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		}
		json_object_put(o);
	}
	return 0;
}

/*
 * Stream job id's log (follow: until it ends), resuming after a lost
 * connection.  0 when the stream ended, negative (printed) on error.
 */
static int stream_log(struct rnx_api *api, const char *id, bool follow, struct follow *f)
{
	char path[128], last[32] = "";
	struct timespec t0, now;
	int backoff_ms = 200, r;
	bool warned = false;

	snprintf(path, sizeof(path), "/v1/jobs/%s/logs%s", id, follow ? "?follow=1" : "");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct joblet_error *e = NULL;

		r = rnx_api_stream(api, "GET", path, NULL, 0, last[0] ? last : NULL, on_event, f,
				   &e);
		if (*rnx_api_last_event_id(api) && strcmp(last, rnx_api_last_event_id(api)) != 0) {
			/* Events came: the minute of retries starts again from here. */
			snprintf(last, sizeof(last), "%s", rnx_api_last_event_id(api));
			clock_gettime(CLOCK_MONOTONIC, &t0);
		}
		if (r >= 0) {
			if (warned)
				fprintf(stderr, "rnx: reconnected; nothing was lost\n");
			return 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((e->code != JOBLET_E_NETWORK && e->code != JOBLET_E_TIMEOUT) ||
		    now.tv_sec - t0.tv_sec > RECONNECT_S) {
			rnx_print_error(e);
			joblet_error_free(e);
			return -1;
		}
		if (!warned) {
			fprintf(stderr,
				"rnx: lost the log stream of job %s (%s); reconnecting...\n", id,
				joblet_error_message(e));
			warned = true;
		}
		joblet_error_free(e);
		usleep((useconds_t)backoff_ms * 1000);
		if (backoff_ms < 2000)
			backoff_ms *= 2;
	}
}

/* What a job's end means for `run -f`: its exit code, and a line on stderr for the unusual. */
static int exit_status(const struct follow *f, const char *id)
{
	if (!f->ended) {
		fprintf(stderr,
			"rnx: the log stream of job %s ended before the job did; `rnx job status %s` shows it\n",
			id, id);
		return JL_EXIT_FAILURE;
	}
	/* An exit code of its own speaks for itself; any other ending gets a line. */
	if (strcmp(f->state, "COMPLETED") != 0 &&
	    !(strcmp(f->state, "FAILED") == 0 && f->has_exit && f->signal == 0 &&
	      f->exit_code != 125))
		fprintf(stderr, "rnx: job %s %s%s%s\n", id, f->state, f->reason[0] ? ": " : "",
			f->reason);
	if (f->has_exit)
		return (int)f->exit_code;
	return strcmp(f->state, "COMPLETED") == 0 ? 0 : JL_EXIT_FAILURE;
}

/* ------------------------------------------------------------------ run */

/* The value of --schedule among the job flags (before `--`), or NULL. */
static const char *schedule_arg(int argc, char **argv)
{
	const char *v = NULL;

	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0 || argv[i][0] != '-')
			break;
		if (strncmp(argv[i], "--schedule=", 11) == 0)
			v = argv[i] + 11;
		else if (strcmp(argv[i], "--schedule") == 0 && i + 1 < argc)
			v = argv[++i];
		else if (jl_job_spec_flag_takes_value(argv[i]))
			i++;
	}
	return v;
}

/* `rnx job run` under way: its words, the job, and the node's answer. */
struct run {
	struct rnx_ctx *ctx;
	char **args; /* the job's words: its flags, then its command (borrowed from argv) */
	int nargs;
	bool follow;
	struct jl_job_spec *spec;
	struct rnx_api *api;
	char *body, *answer;
	json_object *rec; /* the job the node made */
};

/* -f/--follow and --json are rnx's; the rest are the job's flags, then its command. */
static void run_split_args(struct run *run, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0 || a[0] != '-' || a[1] == '\0') {
			while (i < argc)
				run->args[run->nargs++] = argv[i++];
			break;
		}
		if (strcmp(a, "-f") == 0 || strcmp(a, "--follow") == 0)
			run->follow = true;
		else if (strcmp(a, "--json") == 0)
			run->ctx->json = 1;
		else {
			run->args[run->nargs++] = argv[i];
			if (jl_job_spec_flag_takes_value(a) && i + 1 < argc)
				run->args[run->nargs++] = argv[++i];
		}
	}
}

/* The job from its words: 0, or an exit status (the error printed). */
static int run_read_spec(struct run *run)
{
	struct joblet_error *e = NULL;

	if (jl_job_spec_new(&run->spec, &e) < 0)
		return fail(e);
	if (jl_job_spec_parse_args(run->spec, run->nargs, run->args, NULL, &e) < 0) {
		fprintf(stderr, "rnx job run: %s; run `rnx job run --help` for the usage.\n",
			joblet_error_message(e));
		joblet_error_free(e);
		return JL_EXIT_USAGE;
	}
	if (!run->spec->argv || !run->spec->argv[0])
		return rnx_usage(
			"rnx job run",
			"no command given; put it after the flags (`rnx job run --max-memory=256 -- python3 job.py`)",
			NULL);
	if (run->follow && run->spec->cron)
		return rnx_usage(
			"rnx job run",
			"-f follows one job, and a recurring job (--cron) makes a new job each time; follow those with `rnx job log -f ID`",
			NULL);
	return 0;
}

/*
 * The files of --upload, listed by the uploads hook of the request (which
 * has no userdata) and sent as multipart/form-data parts.  rnx runs one job
 * submission per process.
 */
static struct jl_upload_plan submit_plan;

static int plan_uploads(char *const *host_paths, json_object **ret_value, struct joblet_error **err)
{
	int r;

	jl_upload_plan_done(&submit_plan);
	r = jl_uploads_plan(host_paths, &submit_plan, err);
	if (r == 0)
		*ret_value = TAKE_PTR(submit_plan.entries);
	return r;
}

/* One POST /v1/jobs: multipart when there are files, else JSON. */
static int post_job(struct run *run, struct joblet_error **err)
{
	struct rnx_api_file *files;
	int r;

	if (submit_plan.n == 0)
		return rnx_api_request(run->api, "POST", "/v1/jobs", run->body, strlen(run->body),
				       &run->answer, NULL, err);
	files = calloc(submit_plan.n, sizeof(*files));
	if (!files)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "out of memory");
	for (size_t i = 0; i < submit_plan.n; i++) {
		files[i].host = submit_plan.files[i].host;
		files[i].rel = submit_plan.files[i].rel;
	}
	r = rnx_api_post_multipart(run->api, "/v1/jobs", run->body, files, submit_plan.n,
				   &run->answer, NULL, err);
	free(files);
	return r;
}

/*
 * POST the job, again while the node answers 429 or 503 with Retry-After
 * (such an answer made nothing), for at most SUBMIT_RETRY_S seconds, saying
 * so on stderr each time.
 */
static int submit_with_retries(struct run *run, struct joblet_error **err)
{
	long waited = 0;

	for (;;) {
		struct joblet_error *e = NULL;
		long after;
		int r = post_job(run, &e);

		if (r == 0)
			return 0;
		after = rnx_api_retry_after(run->api);
		if (after < 0 || (e->detail != 429 && e->detail != 503) ||
		    waited >= SUBMIT_RETRY_S) {
			*err = e;
			return r;
		}
		after = after < 1 ? 1 : after > 10 ? 10 : after;
		if (after > SUBMIT_RETRY_S - waited)
			after = SUBMIT_RETRY_S - waited;
		fprintf(stderr, "rnx: the node is busy (HTTP %d: %s); trying again in %ld s\n",
			(int)e->detail, joblet_error_message(e), after);
		joblet_error_free(e);
		sleep((unsigned)after);
		waited += after;
	}
}

/* POST the job: 0 with run->rec, or an exit status (the error printed). */
static int run_submit(struct run *run)
{
	struct rnx_ctx *ctx = run->ctx;
	struct jl_job_request_out out = { schedule_arg(run->nargs, run->args), plan_uploads };
	struct joblet_error *e = NULL;
	int r;

	r = jl_job_spec_to_request(run->spec, &out, &run->body, &e) < 0 ||
	    rnx_api_open(ctx->config_path, ctx->node, &run->api, &e) < 0 ||
	    submit_with_retries(run, &e) < 0;
	jl_upload_plan_done(&submit_plan);
	if (r)
		return fail(e);
	run->rec = json_tokener_parse(run->answer);
	if (!run->rec || !rnx_jstr(run->rec, "id", NULL)) {
		fprintf(stderr, "rnx: the node's answer to POST /v1/jobs was not understood\n");
		return JL_EXIT_FAILURE;
	}
	return 0;
}

/* "Job ID STATE (when, why)" on where. */
static void print_submitted(FILE *where, json_object *rec)
{
	const char *state = rnx_jstr(rec, "state", "");
	char when[64];

	fprintf(where, "Job %s %s", rnx_jstr(rec, "id", ""), state);
	if (strcmp(state, "SCHEDULED") == 0 && rnx_jstr(rec, "cron", NULL)) {
		local_time(rnx_jstr(rec, "scheduled", NULL), when, sizeof(when));
		fprintf(where, " (recurring `%s`; the first run starts %s)",
			rnx_jstr(rec, "cron", NULL), when);
	} else if (strcmp(state, "SCHEDULED") == 0) {
		local_time(rnx_jstr(rec, "scheduled", NULL), when, sizeof(when));
		fprintf(where, " (starts %s)", when);
	} else if (strcmp(state, "PENDING") == 0 && rnx_jstr(rec, "waiting", NULL))
		fprintf(where, " (%s)", rnx_jstr(rec, "waiting", NULL));
	if (rnx_jstr(rec, "cores", NULL))
		fprintf(where, " on cores %s", rnx_jstr(rec, "cores", NULL));
	if (rnx_jstr(rec, "reason", NULL))
		fprintf(where, ": %s", rnx_jstr(rec, "reason", NULL));
	fprintf(where, "\n");
}

/* What the node made: the record, or a line (on stderr before the output of -f). */
static int run_report(struct run *run)
{
	struct follow f = { .ctx = run->ctx };
	const char *id = rnx_jstr(run->rec, "id", NULL);
	int rc;

	if (run->ctx->json && !run->follow)
		rnx_print_json(run->answer);
	else if (!run->follow || isatty(STDERR_FILENO) ||
		 strcmp(rnx_jstr(run->rec, "state", ""), "SCHEDULED") == 0)
		print_submitted(run->follow ? stderr : stdout, run->rec);
	if (!run->follow)
		return JL_EXIT_OK;
	rc = stream_log(run->api, id, true, &f) < 0 ? JL_EXIT_FAILURE : exit_status(&f, id);
	return rc;
}

static int job_run(int argc, char **argv, void *userdata)
{
	struct run run = { .ctx = userdata };
	int rc;

	run.args = calloc((size_t)argc + 1, sizeof(char *));
	if (!run.args)
		return JL_EXIT_FAILURE;
	run_split_args(&run, argc, argv);
	if ((rc = run_read_spec(&run)) == 0 && (rc = run_submit(&run)) == 0)
		rc = run_report(&run);
	json_object_put(run.rec);
	free(run.answer);
	free(run.body);
	free(run.args);
	rnx_api_free(run.api);
	jl_job_spec_free(run.spec);
	return rc;
}

/* ------------------------------------------------------------------ list, status */

static int job_list(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	const char *status = NULL, *owner = NULL;
	char path[1024], *answer = NULL;
	json_object *arr;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			ctx->json = 1;
		else if (strncmp(argv[i], "--status=", 9) == 0)
			status = argv[i] + 9;
		else if (strcmp(argv[i], "--status") == 0 && i + 1 < argc)
			status = argv[++i];
		else if (strncmp(argv[i], "--owner=", 8) == 0)
			owner = argv[i] + 8;
		else if (strcmp(argv[i], "--owner") == 0 && i + 1 < argc)
			owner = argv[++i];
		else
			return rnx_usage("rnx job list", "unknown option", argv[i]);
	}
	if (owner && (!*owner || strlen(owner) > 255))
		return rnx_usage("rnx job list",
				 "--owner takes the CN of a client certificate, not", owner);
	if (status &&
	    (!*status || strspn(status, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz") !=
				 strlen(status)))
		return rnx_usage("rnx job list",
				 "--status takes a state such as RUNNING or FAILED, not", status);
	snprintf(path, sizeof(path), "/v1/jobs%s%s", status ? "?status=" : "",
		 status ? status : "");
	if (owner)
		rnx_query_add(path, sizeof(path), "owner", owner);
	if (rnx_request(ctx, "GET", path, &answer) < 0)
		return JL_EXIT_FAILURE;
	if (ctx->json) {
		rnx_print_json(answer);
		free(answer);
		return JL_EXIT_OK;
	}
	arr = json_tokener_parse(answer);
	free(answer);
	if (!arr || !json_object_is_type(arr, json_type_array)) {
		json_object_put(arr);
		fprintf(stderr, "rnx: the node's job list was not understood\n");
		return JL_EXIT_FAILURE;
	}
	if (json_object_array_length(arr) == 0)
		/* Not "no jobs on the node": the node shows only the jobs the caller may see. */
		fprintf(stderr, "no jobs you may see%s%s%s%s\n", status ? " in state " : "",
			status ? status : "", owner ? " owned by " : "", owner ? owner : "");
	else
		printf("%-36s  %-10s  %4s  %-19s  %-19s  %-12s  %-16s  %s\n", "ID", "STATE", "EXIT",
		       "CREATED", "START", "NAME", "OWNER", "COMMAND");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *j = json_object_array_get_idx(arr, i);
		char when[64], start[64] = "-", code[16] = "-";
		int64_t x;

		local_time(rnx_jstr(j, "created", NULL), when, sizeof(when));
		/* When it started; before that, when it is to start (--schedule, a cron's next
		 * run). */
		if (rnx_jstr(j, "started", NULL))
			local_time(rnx_jstr(j, "started", NULL), start, sizeof(start));
		else if (rnx_jstr(j, "scheduled", NULL))
			local_time(rnx_jstr(j, "scheduled", NULL), start, sizeof(start));
		if (jint(j, "exit_code", &x))
			snprintf(code, sizeof(code), "%lld", (long long)x);
		if (rnx_jstr(j, "cron", NULL))
			printf("%-36s  %-10s  %4s  %-19s  %-19s  %-12.12s  %-16.16s  [cron %s] %.60s\n",
			       rnx_jstr(j, "id", ""), rnx_jstr(j, "state", ""), code, when, start,
			       rnx_jstr(j, "name", NULL) ? rnx_jstr(j, "name", NULL) : "-",
			       rnx_jstr(j, "owner", ""), rnx_jstr(j, "cron", NULL),
			       rnx_jstr(j, "command", ""));
		else
			printf("%-36s  %-10s  %4s  %-19s  %-19s  %-12.12s  %-16.16s  %.60s\n",
			       rnx_jstr(j, "id", ""), rnx_jstr(j, "state", ""), code, when, start,
			       rnx_jstr(j, "name", NULL) ? rnx_jstr(j, "name", NULL) : "-",
			       rnx_jstr(j, "owner", ""), rnx_jstr(j, "command", ""));
	}
	json_object_put(arr);
	return JL_EXIT_OK;
}

static void print_env(const char *label, json_object *env)
{
	bool first = true;

	if (!env || !json_object_is_type(env, json_type_object))
		return;
	json_object_object_foreach(env, k, v)
	{
		printf("%-14s %s=%s\n", first ? label : "", k, json_object_get_string(v));
		first = false;
	}
}

/* The record's own lines: who, what, how it ended or waits. */
static void print_status_record(json_object *j)
{
	int64_t x;

	printf("%-14s %s\n", "ID:", rnx_jstr(j, "id", ""));
	if (rnx_jstr(j, "name", NULL))
		printf("%-14s %s\n", "Name:", rnx_jstr(j, "name", NULL));
	printf("%-14s %s\n", "State:", rnx_jstr(j, "state", ""));
	if (rnx_jstr(j, "reason", NULL))
		printf("%-14s %s\n", "Reason:", rnx_jstr(j, "reason", NULL));
	if (rnx_jstr(j, "waiting", NULL))
		printf("%-14s %s\n", "Waiting:", rnx_jstr(j, "waiting", NULL));
	if (rnx_jstr(j, "cron", NULL)) {
		int64_t runs = 0;

		jint(j, "runs", &runs);
		printf("%-14s %s (local time of the node; %lld runs made)\n",
		       "Cron:", rnx_jstr(j, "cron", NULL), (long long)runs);
	}
	if (rnx_jstr(j, "parent", NULL))
		printf("%-14s %s (a run of that recurring job)\n",
		       "Made by:", rnx_jstr(j, "parent", NULL));
	if (rnx_jstr(j, "cores", NULL))
		printf("%-14s %s (held by this job alone)\n",
		       "Pinned cores:", rnx_jstr(j, "cores", NULL));
	if (jint(j, "exit_code", &x))
		printf("%-14s %lld\n", "Exit code:", (long long)x);
	printf("%-14s %s\n", "Command:", rnx_jstr(j, "command", ""));
	printf("%-14s %s (%s)\n", "Owner:", rnx_jstr(j, "owner", ""),
	       rnx_jstr(j, "owner_role", ""));
}

/* When it was made, ran and ended, and what it used. */
static void print_status_times(json_object *j)
{
	char a[64], b[64], d[64];
	int64_t x, started = time_ns(rnx_jstr(j, "started", NULL)),
		   ended = time_ns(rnx_jstr(j, "ended", NULL));

	local_time(rnx_jstr(j, "created", NULL), a, sizeof(a));
	printf("%-14s %s\n", "Created:", a);
	if (rnx_jstr(j, "scheduled", NULL)) {
		local_time(rnx_jstr(j, "scheduled", NULL), a, sizeof(a));
		printf("%-14s %s\n", rnx_jstr(j, "cron", NULL) ? "Next run:" : "Scheduled:", a);
	}
	local_time(rnx_jstr(j, "started", NULL), a, sizeof(a));
	local_time(rnx_jstr(j, "ended", NULL), b, sizeof(b));
	printf("%-14s %s\n", "Started:", a);
	if (ended) {
		duration(ended - started, d, sizeof(d));
		printf("%-14s %s (ran %s)\n", "Ended:", b, d);
	}
	if (jint(j, "cpu_usec", &x) && x > 0) {
		duration(x * 1000, d, sizeof(d));
		printf("%-14s %s\n", "CPU time:", d);
	}
	if (jint(j, "memory_peak_bytes", &x) && x > 0) {
		jl_size_format((double)x, d, sizeof(d));
		printf("%-14s %s\n", "Peak memory:", d);
	}
	if (jint(j, "log_dropped_bytes", &x) && x > 0)
		printf("%-14s %lld bytes past max_log, not in the log\n",
		       "Log dropped:", (long long)x);
}

/* The limits of the job's spec on one line. */
static void print_status_limits(json_object *spec)
{
	int64_t cpu = 0, mem = 0, io = 0, pids = 0, tmo = 0, log = 0;

	jint(spec, "max_cpu", &cpu);
	jint(spec, "max_memory", &mem);
	jint(spec, "max_iobps", &io);
	jint(spec, "max_pids", &pids);
	jint(spec, "max_log", &log);
	jint(spec, "timeout", &tmo);
	printf("%-14s ", "Limits:");
	if (cpu)
		printf("cpu %lld%%, ", (long long)cpu);
	else
		printf("cpu unlimited, ");
	if (mem)
		printf("memory %lld MiB, ", (long long)mem);
	else
		printf("memory unlimited, ");
	if (io)
		printf("io %lld B/s, ", (long long)io);
	else
		printf("io unlimited, ");
	printf("pids %lld, ", (long long)pids);
	if (log)
		printf("log %lld MiB, ", (long long)log);
	if (tmo)
		printf("timeout %llds\n", (long long)tmo);
	else
		printf("no timeout\n");
}

/* The job's spec as answers show it: limits, placement, environment, uploads. */
static void print_status_spec(json_object *spec)
{
	json_object *v;

	print_status_limits(spec);
	if (rnx_jstr(spec, "cpu_cores", NULL))
		printf("%-14s %s\n", "CPU cores:", rnx_jstr(spec, "cpu_cores", NULL));
	if (rnx_jstr(spec, "runtime", NULL))
		printf("%-14s %s (%s)\n", "Runtime:", rnx_jstr(spec, "runtime", NULL),
		       rnx_jstr(spec, "runtime_path", ""));
	printf("%-14s %s\n", "Network:", rnx_jstr(spec, "network", ""));
	printf("%-14s %s\n", "Workdir:", rnx_jstr(spec, "workdir", ""));
	if (json_object_object_get_ex(spec, "env", &v))
		print_env("Env:", v);
	if (json_object_object_get_ex(spec, "secret_env", &v))
		print_env("Secret env:", v);
	if (json_object_object_get_ex(spec, "uploads", &v) && json_object_array_length(v)) {
		printf("%-14s", "Uploads:");
		for (size_t i = 0; i < json_object_array_length(v); i++)
			printf(" %s", json_object_get_string(json_object_array_get_idx(v, i)));
		printf("\n");
	}
}

static void print_status(json_object *j)
{
	json_object *spec = NULL, *events = NULL;
	const char *state = rnx_jstr(j, "state", "");
	char a[64];

	print_status_record(j);
	print_status_times(j);
	json_object_object_get_ex(j, "spec", &spec);
	if (spec)
		print_status_spec(spec);
	json_object_object_get_ex(j, "events", &events);
	for (size_t i = 0; events && i < json_object_array_length(events); i++) {
		json_object *ev = json_object_array_get_idx(events, i);

		local_time(rnx_jstr(ev, "time", NULL), a, sizeof(a));
		printf("%-14s %s  %s%s%s\n", i ? "" : "History:", a, rnx_jstr(ev, "state", ""),
		       rnx_jstr(ev, "reason", NULL) ? ": " : "", rnx_jstr(ev, "reason", ""));
	}
	if (strcmp(state, "RUNNING") == 0)
		printf("\nFollow it with `rnx job log -f %s`; stop it with `rnx job stop %s`.\n",
		       rnx_jstr(j, "id", ""), rnx_jstr(j, "id", ""));
	else if (strcmp(state, "SCHEDULED") == 0 || strcmp(state, "PENDING") == 0)
		printf("\nCancel it with `rnx job cancel %s`.\n", rnx_jstr(j, "id", ""));
	else
		printf("\nIts output: `rnx job log %s`; remove it with `rnx job delete %s`.\n",
		       rnx_jstr(j, "id", ""), rnx_jstr(j, "id", ""));
}

static int job_status(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	const char *id = NULL;
	char path[128], *answer = NULL;
	json_object *o;
	int r = parse_id_args(argc, argv, ctx, "rnx job status", NULL, &id);

	if (r)
		return r;
	snprintf(path, sizeof(path), "/v1/jobs/%s", id);
	if (rnx_request(ctx, "GET", path, &answer) < 0)
		return JL_EXIT_FAILURE;
	if (ctx->json)
		rnx_print_json(answer);
	else if ((o = json_tokener_parse(answer))) {
		print_status(o);
		json_object_put(o);
	}
	free(answer);
	return JL_EXIT_OK;
}

static int job_log(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	struct follow f = { .ctx = ctx };
	struct joblet_error *e = NULL;
	struct rnx_api *api = NULL;
	const char *id = NULL;
	bool follow = false;
	int r = parse_id_args(argc, argv, ctx, "rnx job log", &follow, &id);

	if (r)
		return r;
	if (rnx_api_open(ctx->config_path, ctx->node, &api, &e) < 0)
		return fail(e);
	r = stream_log(api, id, follow, &f) < 0 ? JL_EXIT_FAILURE : JL_EXIT_OK;
	rnx_api_free(api);
	return r;
}

/* stop, cancel, delete: one request, one line. */
static int job_act(int argc, char **argv, struct rnx_ctx *ctx, const char *verb, const char *method,
		   const char *suffix, const char *done)
{
	char cmd[64], path[128], *answer = NULL;
	const char *id = NULL;
	json_object *o;
	int r;

	snprintf(cmd, sizeof(cmd), "rnx job %s", verb);
	r = parse_id_args(argc, argv, ctx, cmd, NULL, &id);
	if (r)
		return r;
	snprintf(path, sizeof(path), "/v1/jobs/%s%s", id, suffix);
	if (rnx_request(ctx, method, path, &answer) < 0)
		return JL_EXIT_FAILURE;
	if (ctx->json)
		rnx_print_json(answer);
	else if ((o = json_tokener_parse(answer))) {
		const char *full = rnx_jstr(o, "id", NULL) ? rnx_jstr(o, "id", NULL)
							   : rnx_jstr(o, "deleted", "");
		const char *state = rnx_jstr(o, "state", NULL);

		if (state && strcmp(state, "RUNNING") == 0)
			printf("job %s is stopping (SIGTERM, then SIGKILL after the grace period)\n",
			       full);
		else if (state)
			printf("job %s %s\n", full, state);
		else
			printf("job %s %s\n", full, done);
		json_object_put(o);
	}
	free(answer);
	return JL_EXIT_OK;
}

static int job_stop(int argc, char **argv, void *userdata)
{
	return job_act(argc, argv, userdata, "stop", "POST", "/stop", "stopped");
}

static int job_cancel(int argc, char **argv, void *userdata)
{
	return job_act(argc, argv, userdata, "cancel", "POST", "/cancel", "canceled");
}

static int job_delete(int argc, char **argv, void *userdata)
{
	return job_act(argc, argv, userdata, "delete", "DELETE", "", "deleted");
}

static int job_delete_all(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	char *answer = NULL;
	json_object *o;
	int r;

	r = jl_cli_parse_json_only(argc, argv, "rnx job delete-all", &ctx->json, stderr);
	if (r)
		return r;
	if (rnx_request(ctx, "DELETE", "/v1/jobs", &answer) < 0)
		return JL_EXIT_FAILURE;
	if (ctx->json)
		rnx_print_json(answer);
	else if ((o = json_tokener_parse(answer))) {
		int64_t d = 0, s = 0;

		jint(o, "deleted_count", &d);
		jint(o, "skipped_count", &s);
		printf("deleted %lld jobs; %lld left (they have not ended)\n", (long long)d,
		       (long long)s);
		json_object_put(o);
	}
	free(answer);
	return JL_EXIT_OK;
}

#define RUN_HELP                                                                                   \
	"Runs COMMAND as a job on the node.  Flags end at `--` or at the first word that is\n"     \
	"not a flag, so `rnx job run --runtime=my-runtime echo hello` works as typed.\n"           \
	"\n"                                                                                       \
	"Job flags:\n"                                                                             \
	"  --max-cpu=PCT        CPU, percent of one core (100 = one core)\n"                       \
	"  --max-memory=MIB     memory in MiB (or a size: 2GiB); the job is killed beyond it\n"    \
	"  --max-disk=MIB       size of /work in MiB (or 10GiB); writes beyond get ENOSPC\n"       \
	"  --max-iobps=BPS      disk bytes per second, read and write (or 10MiB)\n"                \
	"  --cpu-cores=SPEC     pin to these CPUs (0-3,6,8-9)\n"                                   \
	"  --max-pids=N         at most N processes (1..32768)\n"                                  \
	"  --max-log=MIB        keep at most MIB of the job's output in its log (or a size:\n"     \
	"                       1GiB; default the node's jobs.max_log); the rest is dropped\n"     \
	"  --timeout=DUR        stop the job after DUR (90, 90s, 5m, 1h30m)\n"                     \
	"  (without a limit flag the node's default applies; `unlimited` asks for none)\n"         \
	"  --runtime=NAME[@VER] mount an installed runtime (no version: the newest)\n"             \
	"  -e, --env K=V        set an environment variable (repeatable)\n"                        \
	"  -s, --secret-env K=V set one that no API answer ever shows (`***`)\n"                   \
	"  --upload=PATH        copy a file or folder of this host into /work (repeatable)\n"      \
	"  --workdir=DIR        working folder inside the job (default /work)\n"                   \
	"  --network=NAME       none (loopback only, default), bridge (jobs reach each other\n"    \
	"                       and the outside), isolated (the outside only), a network of\n"     \
	"                       `rnx network list`, or host (admin role only)\n"                   \
	"  --allow=CIDR[:PORT[-PORT]] the only destinations the job may reach (repeatable;\n"      \
	"                       default the network's list); never the node or 169.254/16\n"       \
	"  --max-net=RATE       bytes per second the job may send (10M, 1MiB)\n"                   \
	"  --schedule=WHEN      start later: RFC 3339 (no zone: the node's local time),\n"         \
	"                       `2026-12-03 10:00`, or a delay (90s, 5m, 2h30m, 1h 15m, 1d,\n"     \
	"                       2min, 2 hours, 1day)\n"                                            \
	"  --cron=EXPR          recurring: a new job at every time the 5-field cron\n"             \
	"                       expression matches (node's local time), e.g. \"*/5 * * * *\"\n"    \
	"  --priority=N         0..1000, for scheduler policies that use it\n"                     \
	"  --cpus=N             N whole cores pinned for this job alone, chosen by the node\n"     \
	"  --name=NAME          a label shown in `rnx job list`\n"                                 \
	"  --volume=NAME[:ro]   mount volume NAME at /volumes/NAME (read-only with :ro;\n"         \
	"                       repeatable; see `rnx volume`)\n"                                   \
	"Options of rnx:\n"                                                                        \
	"  -f, --follow         stream the job's output and exit with its exit code\n"             \
	"  --json               print the job record (with -f: one JSON line per event)\n"         \
	"\n"                                                                                       \
	"Exit status with --follow: the job's own; 124 when it timed out, 137 when killed\n"       \
	"(out of memory, or stopped), 128+N for signal N, 125 when it could not start, 1 when\n"   \
	"it was canceled or rnx failed, 2 for a usage error.\n"

const struct jl_cli_command rnx_job_commands[] = {
	{ "run", "Run a command as a job on the node", "[JOB FLAGS] [-f] [--] COMMAND [ARGS...]",
	  RUN_HELP, job_run, NULL,
	  "rnx job run -f -- uname -a\n"
	  "rnx job run --runtime=python-3.11 --max-memory=512 --upload=main.py -f -- python3 main.py\n"
	  "rnx job run --schedule=5m --name=backup -- ./backup.sh\n" },
	{ "list", "List the jobs you may see (yours; a reader's or admin's: all)",
	  "[--status=STATE] [--owner=CN] [--json]",
	  "STATE: PENDING, SCHEDULED, RUNNING, COMPLETED, FAILED, STOPPED, CANCELED, TIMEOUT,\n"
	  "OOM_KILLED.  CN: the owner (a client certificate's common name).\n"
	  "A developer or maintainer sees only its own jobs; another's job is \"no job\".\n",
	  job_list, NULL, "rnx job list --status=RUNNING\n" },
	{ "status", "Show a job: state, exit, times, limits, environment, history", "ID [--json]",
	  "ID is the job's UUID or a unique start of it.\n", job_status, NULL,
	  "rnx job status 3f2a9c1e\n" },
	{ "log", "Print a job's output; with -f follow it until the job ends",
	  "ID [-f|--follow] [--json]",
	  "stdout goes to stdout, stderr to stderr.  With --json, one JSON line per record\n"
	  "({\"stream\", \"id\", \"ts\", \"data\" or \"b64\"}).  A lost connection is resumed\n"
	  "where it broke, for up to a minute.  A log cut at its --max-log ends with a line\n"
	  "`joblet: log truncated after N bytes, M bytes dropped` on stderr (stream `system`).\n",
	  job_log, NULL, "rnx job log 3f2a9c1e -f\n" },
	{ "files", "List the files of a job's /work (while it runs and after it ended)",
	  "ID [PATH] [--json]",
	  "PATH is relative to /work (default: /work itself).  Columns: mode, size, mtime,\n"
	  "name (a symbolic link shows its target; it is never followed).  A folder lists its\n"
	  "entries, anything else shows itself.  Files stay until the job is deleted or the\n"
	  "node releases them (jobs.keep_results, jobs.results_memory: then 410 Gone).\n",
	  rnx_job_files, NULL, "rnx job files 3f2a9c1e out\n" },
	{ "download", "Fetch a file or folder of a job's /work",
	  "ID PATH [-o|--output DEST] [--force] [--json]",
	  "A file is fetched byte-exact into DEST (default ./BASENAME; into DEST/BASENAME\n"
	  "when DEST is a folder), written to a temporary file beside it and renamed when\n"
	  "complete.  A folder (PATH `.` for all of /work) comes as a tar stream unpacked\n"
	  "into DEST, which must not exist: rnx refuses absolute names, `..`, links that\n"
	  "point out of DEST, entries through a link, device nodes and FIFOs.  An existing\n"
	  "DEST file is replaced only with --force; a folder is never merged.\n",
	  rnx_job_download, NULL, "rnx job download 3f2a9c1e out/report.csv -o report.csv\n" },
	{ "metrics", "Show a job's CPU, memory, IO and processes over time; -f follows them",
	  "ID [-f|--follow] [--json]",
	  "One row per sample (every jobs.metrics_interval of the node, 5s by default): CPU\n"
	  "over the interval (100 = one core), memory and its peak, bytes read and written,\n"
	  "processes, and network bytes when the job has a network.  -f prints each new\n"
	  "sample until the job ends, resuming a lost connection where it broke.  With\n"
	  "--json the answer's array (with -f: one JSON line per sample).\n",
	  rnx_job_metrics, NULL, "rnx job metrics 3f2a9c1e -f\n" },
	{ "stop", "Stop a running job (SIGTERM, grace period, SIGKILL); cancel a waiting one",
	  "ID [--json]", NULL, job_stop, NULL, "rnx job stop 3f2a9c1e\n" },
	{ "cancel", "Cancel a job that has not started", "ID [--json]", NULL, job_cancel, NULL,
	  "rnx job cancel 3f2a9c1e\n" },
	{ "delete", "Remove an ended job, its log and files", "ID [--json]", NULL, job_delete, NULL,
	  "rnx job delete 3f2a9c1e\n" },
	{ "delete-all", "Remove every ended job of yours (an admin's: everyone's)", "[--json]",
	  NULL, job_delete_all, NULL, "rnx job delete-all\n" },
	{ NULL },
};
