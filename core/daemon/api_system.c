/* api_system.c - /v1/version, /v1/plugins, /v1/audit and /metrics (Prometheus text). */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log_hub.h"
#include "manager.h"
#include "server.h"
#include "store.h"
#include "upload_stream.h"
#include "base/timefmt.h"
#include "plugin/loader.h"

int api_version(struct request *rq)
{
	json_object *o = json_object_new_object();
	char host[256] = "";
	char started[40];

	gethostname(host, sizeof(host) - 1);
	jl_time_format_rfc3339(rq->d->started_ns, started, sizeof(started));
	json_object_object_add(o, "version", json_object_new_string(JOBLET_VERSION_STRING));
	json_object_object_add(o, "plugin_abi", json_object_new_string(JOBLET_PLUGIN_ABI_STRING));
	json_object_object_add(o, "node", json_object_new_string(host));
	json_object_object_add(o, "started", json_object_new_string(started));
	json_object_object_add(o, "you", json_object_new_string(rq->who.cn));
	json_object_object_add(o, "role", json_object_new_string(role_name(rq->who.role)));
	return reply_obj(rq, MHD_HTTP_OK, o);
}

/* Append the elements of array `key` of from to that of into. */
static void append_array(json_object *into, json_object *from, const char *key)
{
	json_object *a, *b;

	if (!json_object_object_get_ex(into, key, &a) || !json_object_object_get_ex(from, key, &b))
		return;
	for (size_t i = 0; i < json_object_array_length(b); i++)
		json_object_array_add(a, json_object_get(json_object_array_get_idx(b, i)));
}

int api_plugins(struct request *rq)
{
	struct joblet_error *e = NULL;
	char *json = NULL;
	json_object *all, *deferred;
	int r = jl_plugin_set_to_json(rq->d->set, &json, &e);

	/* Registry and archive plugins not loaded yet: as the start-up check found them. */
	if (r < 0 || __atomic_load_n(&rq->d->deferred_loaded, __ATOMIC_ACQUIRE) ||
	    !rq->d->deferred_json)
		return reply_result(rq, r, e, json);
	all = json_tokener_parse(json);
	deferred = json_tokener_parse(rq->d->deferred_json);
	free(json);
	if (!all || !deferred) {
		json_object_put(all);
		json_object_put(deferred);
		return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_INTERNAL,
				   "cannot describe the plugins");
	}
	append_array(all, deferred, "plugins");
	append_array(all, deferred, "rejected");
	json_object_put(deferred);
	return reply_obj(rq, MHD_HTTP_OK, all);
}

int api_audit(struct request *rq)
{
	struct joblet_error *e = NULL;
	const char *limit = request_query(rq, "limit");
	long long n = limit ? strtoll(limit, NULL, 10) : 100;
	char *json = NULL;
	int r;

	if (n < 1 || n > 10000)
		n = 100;
	r = store_audit_json(rq->d->store, n, &json, &e);
	return reply_result(rq, r, e, json);
}

static void metric(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A metric of one value, without labels. */
static void metric_value(FILE *f, const char *name, const char *type, const char *help,
			 int64_t value)
{
	metric(f, name, type, help);
	fprintf(f, "%s %" PRId64 "\n", name, value);
}

/* The limits of request bodies (upload_stream.h): use and refusals. */
static void body_metrics(FILE *f, const struct jl_config *cfg)
{
	struct body_stats b;

	body_stats(&b);
	metric_value(f, "joblet_buffered_body_bytes", "gauge",
		     "Memory held for JSON request bodies (3 times their size).", b.buffered_bytes);
	metric_value(f, "joblet_buffered_body_bytes_limit", "gauge", "server.max_buffered_bytes.",
		     cfg->max_buffered_bytes);
	metric_value(f, "joblet_streamed_uploads", "gauge", "Multipart uploads being spooled.",
		     b.streams);
	metric(f, "joblet_body_refusals_total", "counter",
	       "Request bodies refused: busy (503), identity cap (429), never fits (413).");
	fprintf(f, "joblet_body_refusals_total{reason=\"busy\"} %" PRId64 "\n", b.refused_busy);
	fprintf(f, "joblet_body_refusals_total{reason=\"identity\"} %" PRId64 "\n",
		b.refused_identity);
	fprintf(f, "joblet_body_refusals_total{reason=\"too_large\"} %" PRId64 "\n",
		b.refused_large);
}

int api_metrics(struct request *rq)
{
	struct manager_stats ms;
	struct joblet_error *e = NULL;
	int64_t counts[10], conns, answered[6], conn_limit, nofile;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	enum MHD_Result r;

	if (!f)
		return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_NOMEM,
				   "out of memory");
	manager_stats(rq->d->manager, &ms);
	server_counters(rq->d->server, &conns, answered);
	server_limits(rq->d->server, &conn_limit, &nofile);
	if (store_job_counts(rq->d->store, counts, &e) < 0) {
		fclose(f);
		free(text);
		r = (enum MHD_Result)reply_joblet_error(rq, e);
		joblet_error_free(e);
		return r;
	}
	metric(f, "joblet_build_info", "gauge", "The joblet version serving.");
	fprintf(f, "joblet_build_info{version=\"%s\",plugin_abi=\"%s\"} 1\n", JOBLET_VERSION_STRING,
		JOBLET_PLUGIN_ABI_STRING);
	metric(f, "joblet_start_time_seconds", "gauge", "When the daemon started (Unix time).");
	fprintf(f, "joblet_start_time_seconds %.3f\n", (double)rq->d->started_ns / 1e9);
	metric(f, "joblet_jobs", "gauge", "Jobs in the store by state.");
	for (int32_t s = 1; s <= JOB_OOM_KILLED; s++)
		fprintf(f, "joblet_jobs{state=\"%s\"} %" PRId64 "\n", job_state_name(s), counts[s]);
	metric_value(f, "joblet_jobs_submitted_total", "counter", "Jobs submitted since the start.",
		     ms.submitted);
	metric_value(f, "joblet_jobs_started_total", "counter",
		     "Job supervisors started since the start.", ms.started);
	metric_value(f, "joblet_jobs_ended_total", "counter", "Jobs that reached a final state.",
		     ms.ended);
	metric_value(f, "joblet_job_start_failures_total", "counter",
		     "Jobs whose supervisor could not be started.", ms.start_failures);
	metric_value(f, "joblet_warm_pool_started_total", "counter",
		     "Standby supervisors started ahead of jobs (jobs.warm_pool).",
		     ms.standbys_started);
	metric_value(f, "joblet_warm_pool_claimed_total", "counter",
		     "Jobs started by a standby supervisor of the warm pool.", ms.standbys_claimed);
	metric_value(f, "joblet_warm_pool_ready", "gauge",
		     "Standby supervisors waiting for a job now.", ms.standbys_ready);
	metric_value(f, "joblet_connections", "gauge", "Open API connections.", conns);
	metric(f, "joblet_connections_max", "gauge",
	       "server.max_connections: past it a request gets 429.");
	fprintf(f, "joblet_connections_max %lld\n", (long long)rq->d->cfg->max_connections);
	metric(f, "joblet_connections_limit", "gauge",
	       "Connections accepted in all (RLIMIT_NOFILE less a reserve); past it new ones are closed unanswered.");
	fprintf(f, "joblet_connections_limit %lld\n", (long long)conn_limit);
	metric(f, "joblet_open_files_limit", "gauge", "The daemon's RLIMIT_NOFILE.");
	fprintf(f, "joblet_open_files_limit %lld\n", (long long)nofile);
	metric(f, "joblet_log_followers", "gauge", "Open log streams.");
	fprintf(f, "joblet_log_followers %ld\n", log_hub_followers(rq->d->hub));
	body_metrics(f, rq->d->cfg);
	metric(f, "joblet_http_responses_total", "counter", "API answers by status class.");
	for (int c = 2; c <= 5; c++)
		fprintf(f, "joblet_http_responses_total{code=\"%dxx\"} %" PRId64 "\n", c,
			answered[c]);
	api_monitor_prometheus(rq, f);
	fclose(f);
	r = (enum MHD_Result)reply_text(rq, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
					text, len);
	free(text);
	return r;
}
