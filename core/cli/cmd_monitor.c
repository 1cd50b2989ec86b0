/*
 * cmd_monitor.c - rnx monitor status|top, and rnx job metrics (its row is
 * in cmd_job.c's table): the node's figures and a job's samples over time
 * (docs/metrics.md).
 */
#include <config.h>

#include <json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "rnx.h"
#include "common/cli.h"

/* How long -f tries to reconnect a lost stream before it gives up (as `job log -f`). */
#define RECONNECT_S 60

static int64_t jnum(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_int64(v) : 0;
}

static double jdbl(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_double(v) : 0;
}

static bool jhas(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && v;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && v ? json_object_get_string(v) : "";
}

static json_object *jobj(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? v : NULL;
}

/* 1536 -> "1.5K" (powers of 1024), into buf. */
static const char *human(int64_t n, char *buf, size_t size)
{
	const char *unit = "KMGTPE";
	double v = (double)n;
	int u = -1;

	while (v >= 1024 && u < 5) {
		v /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, size, "%lld", (long long)n);
	else
		snprintf(buf, size, "%.1f%c", v, unit[u]);
	return buf;
}

/* ------------------------------------------------------------------ rnx job metrics */

struct mview {
	struct rnx_ctx *ctx;
	bool header_done;
	bool ended;
};

static void sample_row(struct mview *v, json_object *s)
{
	char t[32], mem[16], peak[16], rd[16], wr[16], rx[16], tx[16], net[40] = "-";
	time_t sec = (time_t)(jnum(s, "ts") / 1000000000);
	struct tm tm;

	if (v->ctx->json) {
		puts(json_object_to_json_string_ext(s, JSON_C_TO_STRING_PLAIN));
		return;
	}
	if (!v->header_done) {
		printf("%-8s %-19s %7s %9s %9s %9s %9s %6s %s\n", "SEQ", "TIME", "CPU%", "MEMORY",
		       "PEAK", "READ", "WRITTEN", "PIDS", "NET RX/TX");
		v->header_done = true;
	}
	localtime_r(&sec, &tm);
	strftime(t, sizeof(t), "%Y-%m-%d %H:%M:%S", &tm);
	if (jhas(s, "net_rx_bytes"))
		snprintf(net, sizeof(net), "%s/%s", human(jnum(s, "net_rx_bytes"), rx, sizeof(rx)),
			 human(jnum(s, "net_tx_bytes"), tx, sizeof(tx)));
	printf("%-8lld %-19s %7.1f %9s %9s %9s %9s %6lld %s%s\n", (long long)jnum(s, "seq"), t,
	       jdbl(s, "cpu_percent"), human(jnum(s, "memory_bytes"), mem, sizeof(mem)),
	       human(jnum(s, "memory_peak_bytes"), peak, sizeof(peak)),
	       human(jnum(s, "io_read_bytes"), rd, sizeof(rd)),
	       human(jnum(s, "io_write_bytes"), wr, sizeof(wr)), (long long)jnum(s, "pids"), net,
	       jhas(s, "final") ? "  (final)" : "");
	fflush(stdout);
}

static int on_sample(void *userdata, const struct rnx_sse_event *ev)
{
	struct mview *v = userdata;
	json_object *o = json_tokener_parse(ev->data);

	if (strcmp(ev->event, "sample") == 0 && o)
		sample_row(v, o);
	else if (strcmp(ev->event, "exit") == 0) {
		v->ended = true;
		if (!v->ctx->json)
			printf("job ended: %s\n", o ? jstr(o, "state") : "?");
	}
	json_object_put(o);
	return 0;
}

/* Follow the samples of job id until it ends, resuming after a lost connection. */
static int follow_metrics(struct rnx_api *api, const char *id, struct mview *v)
{
	char path[128], last[32] = "";
	struct timespec t0, now;
	int backoff_ms = 200;
	bool warned = false;

	snprintf(path, sizeof(path), "/v1/jobs/%s/metrics?follow=1", id);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct joblet_error *e = NULL;
		int r = rnx_api_stream(api, "GET", path, NULL, 0, last[0] ? last : NULL, on_sample,
				       v, &e);

		if (*rnx_api_last_event_id(api) && strcmp(last, rnx_api_last_event_id(api)) != 0) {
			snprintf(last, sizeof(last), "%s", rnx_api_last_event_id(api));
			clock_gettime(CLOCK_MONOTONIC, &t0);
		}
		if (r >= 0) {
			if (warned)
				fprintf(stderr, "rnx: reconnected; no sample was lost\n");
			return 0;
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((e->code != JOBLET_E_NETWORK && e->code != JOBLET_E_TIMEOUT) ||
		    now.tv_sec - t0.tv_sec > RECONNECT_S) {
			rnx_print_error(e);
			joblet_error_free(e);
			return -1;
		}
		if (!warned)
			fprintf(stderr,
				"rnx: lost the metrics stream of job %s (%s); reconnecting...\n",
				id, joblet_error_message(e));
		warned = true;
		joblet_error_free(e);
		usleep((useconds_t)backoff_ms * 1000);
		if (backoff_ms < 2000)
			backoff_ms *= 2;
	}
}

/* A job id or a start of one: lower-case hex and dashes only. */
static bool id_ok(const char *id)
{
	return *id && strlen(id) <= 36 && strspn(id, "0123456789abcdef-") == strlen(id);
}

int rnx_job_metrics(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	struct mview v = { .ctx = ctx };
	const char *id = NULL;
	bool follow = false;
	char path[128], *answer = NULL;
	json_object *a;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			ctx->json = 1;
		else if (strcmp(argv[i], "-f") == 0 || strcmp(argv[i], "--follow") == 0)
			follow = true;
		else if (argv[i][0] == '-')
			return rnx_usage("rnx job metrics", "unknown option", argv[i]);
		else if (id)
			return rnx_usage("rnx job metrics", "give one job id", NULL);
		else
			id = argv[i];
	}
	if (!id || !id_ok(id))
		return rnx_usage(
			"rnx job metrics",
			"give the job's id (or a unique start of it; `rnx job list` shows them), not",
			id ? id : "nothing");
	if (follow) {
		struct joblet_error *e = NULL;
		struct rnx_api *api = NULL;

		if (rnx_api_open(ctx->config_path, ctx->node, &api, &e) < 0) {
			rnx_print_error(e);
			joblet_error_free(e);
			return JL_EXIT_FAILURE;
		}
		r = follow_metrics(api, id, &v);
		rnx_api_free(api);
		return r < 0 ? JL_EXIT_FAILURE : JL_EXIT_OK;
	}
	snprintf(path, sizeof(path), "/v1/jobs/%s/metrics", id);
	if (rnx_request(ctx, "GET", path, &answer) < 0)
		return JL_EXIT_FAILURE;
	if (ctx->json) {
		rnx_print_json(answer);
	} else if ((a = json_tokener_parse(answer)) && json_object_is_type(a, json_type_array)) {
		for (size_t i = 0; i < json_object_array_length(a); i++)
			sample_row(&v, json_object_array_get_idx(a, i));
		if (!v.header_done)
			printf("no samples yet (the job has not started, or ran less than a sample's interval)\n");
		json_object_put(a);
	}
	free(answer);
	return JL_EXIT_OK;
}

/* ------------------------------------------------------------------ rnx monitor status */

static void print_budget(json_object *sched, const char *key, const char *label, bool bytes)
{
	json_object *b = jobj(sched, key);
	char u[16], t[16];

	if (!b)
		return;
	if (bytes)
		printf("  %-12s %s of %s\n", label, human(jnum(b, "used"), u, sizeof(u)),
		       jhas(b, "total") ? human(jnum(b, "total"), t, sizeof(t)) : "no limit");
	else if (jhas(b, "total"))
		printf("  %-12s %lld of %lld\n", label, (long long)jnum(b, "used"),
		       (long long)jnum(b, "total"));
	else
		printf("  %-12s %lld (no limit)\n", label, (long long)jnum(b, "used"));
}

static void print_status(json_object *o)
{
	json_object *cpu = jobj(o, "cpu"), *mem = jobj(o, "memory"), *swap = jobj(o, "swap");
	json_object *load = cpu ? jobj(cpu, "load") : NULL, *disks = jobj(o, "disks");
	json_object *jobs = jobj(o, "jobs"), *sched = jobj(o, "scheduler");
	int64_t up = jnum(o, "uptime_seconds");
	char a[16], b[16], c[16];

	printf("node       %s (Linux %s, %s), up %lldd %02lld:%02lld, joblet %s\n",
	       jstr(o, "hostname"), jstr(o, "kernel"), jstr(o, "arch"), (long long)(up / 86400),
	       (long long)(up / 3600 % 24), (long long)(up / 60 % 60), jstr(o, "version"));
	if (cpu)
		printf("cpu        %lld CPUs, %.1f%% busy, load %.2f %.2f %.2f\n",
		       (long long)jnum(cpu, "count"), jdbl(cpu, "usage_percent"),
		       load ? json_object_get_double(json_object_array_get_idx(load, 0)) : 0.0,
		       load ? json_object_get_double(json_object_array_get_idx(load, 1)) : 0.0,
		       load ? json_object_get_double(json_object_array_get_idx(load, 2)) : 0.0);
	if (mem)
		printf("memory     %s used of %s, %s available\n",
		       human(jnum(mem, "used_bytes"), a, sizeof(a)),
		       human(jnum(mem, "total_bytes"), b, sizeof(b)),
		       human(jnum(mem, "free_bytes"), c, sizeof(c)));
	if (swap)
		printf("swap       %s used of %s\n", human(jnum(swap, "used_bytes"), a, sizeof(a)),
		       human(jnum(swap, "total_bytes"), b, sizeof(b)));
	for (size_t i = 0; disks && i < json_object_array_length(disks); i++) {
		json_object *d = json_object_array_get_idx(disks, i);

		printf("disk       %-10s %s used of %s, %s free (%s)\n", jstr(d, "name"),
		       human(jnum(d, "used_bytes"), a, sizeof(a)),
		       human(jnum(d, "size_bytes"), b, sizeof(b)),
		       human(jnum(d, "free_bytes"), c, sizeof(c)), jstr(d, "path"));
	}
	if (jobs)
		printf("jobs       %lld running, %lld waiting\n", (long long)jnum(jobs, "running"),
		       (long long)jnum(jobs, "waiting"));
	if (sched) {
		printf("scheduler budgets (used of total):\n");
		print_budget(sched, "jobs", "jobs", false);
		print_budget(sched, "cpu_percent", "cpu %", false);
		print_budget(sched, "memory_bytes", "memory", true);
		print_budget(sched, "disk_bytes", "disk", true);
		print_budget(sched, "cores", "pinned cores", false);
	}
}

static int monitor_status(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	char *answer = NULL;
	json_object *o;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			ctx->json = 1;
		else
			return rnx_usage("rnx monitor status", "unknown argument", argv[i]);
	}
	if (rnx_request(ctx, "GET", "/v1/monitor/status", &answer) < 0)
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

/* ------------------------------------------------------------------ rnx monitor top */

static void print_top(json_object *a)
{
	char mem[16], peak[16];

	printf("%-36s %-16s %-16s %7s %9s %9s %6s\n", "ID", "NAME", "OWNER", "CPU%", "MEMORY",
	       "PEAK", "PIDS");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *j = json_object_array_get_idx(a, i);

		if (!jhas(j, "ts")) {
			printf("%-36s %-16.16s %-16.16s %7s %9s %9s %6s\n", jstr(j, "id"),
			       jhas(j, "name") ? jstr(j, "name") : "-", jstr(j, "owner"), "-", "-",
			       "-", "-");
			continue;
		}
		printf("%-36s %-16.16s %-16.16s %7.1f %9s %9s %6lld\n", jstr(j, "id"),
		       jhas(j, "name") ? jstr(j, "name") : "-", jstr(j, "owner"),
		       jdbl(j, "cpu_percent"), human(jnum(j, "memory_bytes"), mem, sizeof(mem)),
		       human(jnum(j, "memory_peak_bytes"), peak, sizeof(peak)),
		       (long long)jnum(j, "pids"));
	}
}

static int monitor_top(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	const char *by = "cpu", *limit = NULL;
	char path[128], *answer = NULL;
	json_object *a;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			ctx->json = 1;
		else if (strncmp(argv[i], "--by=", 5) == 0)
			by = argv[i] + 5;
		else if (strcmp(argv[i], "--by") == 0 && i + 1 < argc)
			by = argv[++i];
		else if (strncmp(argv[i], "--limit=", 8) == 0)
			limit = argv[i] + 8;
		else
			return rnx_usage("rnx monitor top", "unknown argument", argv[i]);
	}
	if (strcmp(by, "cpu") != 0 && strcmp(by, "memory") != 0)
		return rnx_usage("rnx monitor top", "--by takes cpu or memory, not", by);
	if (limit && (!*limit || strspn(limit, "0123456789") != strlen(limit) || strlen(limit) > 6))
		return rnx_usage("rnx monitor top", "--limit takes a number of jobs, not", limit);
	snprintf(path, sizeof(path), "/v1/monitor/top?by=%s%s%s", by, limit ? "&limit=" : "",
		 limit ? limit : "");
	if (rnx_request(ctx, "GET", path, &answer) < 0)
		return JL_EXIT_FAILURE;
	if (ctx->json)
		rnx_print_json(answer);
	else if ((a = json_tokener_parse(answer)) && json_object_is_type(a, json_type_array)) {
		print_top(a);
		json_object_put(a);
	}
	free(answer);
	return JL_EXIT_OK;
}

const struct jl_cli_command rnx_monitor_commands[] = {
	{ "status", "Show the node: CPU, memory, load, disks, jobs and scheduler budgets",
	  "[--json]",
	  "From GET /v1/monitor/status: the host (name, kernel, uptime), CPU use over the\n"
	  "last second or more (from the daemon's own reads of /proc/stat), load averages,\n"
	  "memory and swap, the state folder's disk (and each volume's), running and waiting\n"
	  "jobs, and how much of each scheduler budget running jobs hold.\n",
	  monitor_status, NULL, "rnx monitor status\n" },
	{ "top", "List running jobs ranked by CPU or memory",
	  "[--by=cpu|memory] [--limit=N] [--json]",
	  "From GET /v1/monitor/top: running jobs (yours only, as a developer) by their latest\n"
	  "sample (jobs.metrics_interval), the busiest first; 10 unless --limit (at most 1000).\n",
	  monitor_top, NULL, "rnx monitor top --by=memory --limit=5\n" },
	{ NULL },
};
