/*
 * api_runtimes.c - /v1/runtimes: list, info, install (a stream of progress
 * events), remove.
 *
 * POST /v1/runtimes/install {"spec": "NAME[@VERSION]", "registry": "...",
 * "force": false} answers text/event-stream:
 *	event: progress   data: {"phase":"downloading","done":N,"total":N,...}
 *	event: result     data: what jl_runtime_install() reports
 *	event: error      data: {"error":{"code":"...","message":"..."}}
 * The install runs in a thread of its own: a client that goes away does
 * not stop it half-way (an install is all or nothing anyway).
 */
#include <config.h>

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "server.h"
#include "base/error.h"
#include "base/log.h"
#include "runtime/runtime.h"

/*
 * A registry other than those of joblet.yml is a host, port or folder the
 * daemon (root) fetches or reads: only maintainers may name one.  Refused
 * before anything is fetched or read, so the answer says nothing of what
 * is there.  0, or -1 when it has answered.
 */
static int registry_allowed(struct request *rq, const char *registry, int *ret)
{
	if (rq->who.role >= ROLE_MAINTAINER || jl_registry_is_configured(rq->d->cfg, registry))
		return 0;
	*ret = reply_error(
		rq, MHD_HTTP_FORBIDDEN, JOBLET_E_PERMISSION,
		"role %s may name only the registries of joblet.yml (runtimes.registry and runtimes.allowed_registries), not `%s`; naming another registry needs maintainer or above, or ask the operator to add it to runtimes.allowed_registries",
		role_name(rq->who.role), registry);
	return -1;
}

int api_runtime_list(struct request *rq)
{
	struct joblet_error *e = NULL;
	const char *registry = request_query(rq, "registry");
	char *json = NULL;
	int r;

	if (registry && registry_allowed(rq, registry, &r) < 0)
		return r;
	if (registry) {
		r = daemon_load_deferred(rq->d, &e);
		if (r == 0)
			r = jl_registry_list(rq->d->cfg, rq->d->set, *registry ? registry : NULL,
					     &json, &e);
	} else
		r = jl_runtime_list(rq->d->cfg, NULL, &json, &e);
	return reply_result(rq, r, e, json);
}

int api_runtime_info(struct request *rq)
{
	struct joblet_error *e = NULL;
	char *json = NULL;
	int r = jl_runtime_list(rq->d->cfg, rq->arg, &json, &e);

	return reply_result(rq, r, e, json);
}

int api_runtime_remove(struct request *rq)
{
	struct joblet_error *e = NULL;
	char *json = NULL;
	int r;

	snprintf(rq->target, sizeof(rq->target), "%s", rq->arg);
	r = jl_runtime_remove(rq->d->cfg, rq->arg, &json, &e);
	return reply_result(rq, r, e, json);
}

/* ------------------------------------------------------------------ install */

struct install {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int refs;      /* the thread and the stream */
	bool finished; /* the final event is queued */
	bool sent_final;
	char *queue; /* events not sent yet */
	size_t len, cap;
	int64_t last_progress_ns;
	struct daemon_ctx *d;
	char *spec, *registry;
	bool force;
};

static void install_unref(struct install *in)
{
	int left;

	pthread_mutex_lock(&in->lock);
	left = --in->refs;
	pthread_mutex_unlock(&in->lock);
	if (left > 0)
		return;
	pthread_mutex_destroy(&in->lock);
	pthread_cond_destroy(&in->cond);
	free(in->queue);
	free(in->spec);
	free(in->registry);
	free(in);
}

/* Queue one event (under in->lock). */
static void push_event(struct install *in, const char *event, const char *data)
{
	size_t need = strlen(event) + strlen(data) + 32;

	if (in->len + need > in->cap) {
		size_t ncap = in->cap ? in->cap : 4096;
		char *g;

		while (ncap < in->len + need)
			ncap *= 2;
		g = realloc(in->queue, ncap);
		if (!g)
			return;
		in->queue = g;
		in->cap = ncap;
	}
	in->len += (size_t)snprintf(in->queue + in->len, in->cap - in->len,
				    "event: %s\ndata: %s\n\n", event, data);
	pthread_cond_broadcast(&in->cond);
}

static const char *phase_name(int32_t phase)
{
	switch (phase) {
	case JL_INSTALL_RESOLVING:
		return "resolving";
	case JL_INSTALL_DOWNLOADING:
		return "downloading";
	case JL_INSTALL_VERIFYING:
		return "verifying";
	case JL_INSTALL_DONE:
		return "done";
	default:
		return "working";
	}
}

static void on_progress(const struct jl_install_progress *p, void *userdata)
{
	struct install *in = userdata;
	struct timespec ts;
	int64_t now;
	json_object *o;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	pthread_mutex_lock(&in->lock);
	/* Downloads report often: ten events a second are plenty for a progress bar. */
	if (p->phase == JL_INSTALL_DOWNLOADING && !p->message &&
	    now - in->last_progress_ns < 100000000) {
		pthread_mutex_unlock(&in->lock);
		return;
	}
	in->last_progress_ns = now;
	o = json_object_new_object();
	json_object_object_add(o, "phase", json_object_new_string(phase_name(p->phase)));
	json_object_object_add(o, "name", p->name ? json_object_new_string(p->name) : NULL);
	json_object_object_add(o, "version",
			       p->version ? json_object_new_string(p->version) : NULL);
	json_object_object_add(o, "done", json_object_new_int64((int64_t)p->done));
	json_object_object_add(o, "total", json_object_new_int64(p->total));
	json_object_object_add(o, "rate_bps", json_object_new_double(p->rate_bps));
	json_object_object_add(o, "message",
			       p->message ? json_object_new_string(p->message) : NULL);
	push_event(in, "progress", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	pthread_mutex_unlock(&in->lock);
}

static void *install_main(void *arg)
{
	struct install *in = arg;
	struct jl_install_request req = {
		.size = sizeof(req),
		.flags = in->force ? JL_INSTALL_FORCE : 0,
		.spec = in->spec,
		.registry = in->registry,
		.progress = on_progress,
		.userdata = in,
	};
	struct joblet_error *e = NULL;
	char *json = NULL;
	int r = daemon_load_deferred(in->d, &e);

	if (r == 0)
		r = jl_runtime_install(in->d->cfg, in->d->set, &req, &json, &e);

	pthread_mutex_lock(&in->lock);
	if (r == 0) {
		push_event(in, "result", json);
		jl_log(JOBLET_LOG_INFO, NULL, "runtime `%s` installed: %s", in->spec, json);
	} else {
		json_object *o = json_object_new_object(), *x = json_object_new_object();

		json_object_object_add(x, "code",
				       json_object_new_string(jl_error_code_name(e->code)));
		json_object_object_add(x, "message",
				       json_object_new_string(joblet_error_message(e)));
		json_object_object_add(o, "error", x);
		push_event(in, "error", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
		json_object_put(o);
		jl_log(JOBLET_LOG_WARNING, NULL, "runtime `%s` not installed: %s", in->spec,
		       joblet_error_message(e));
	}
	in->finished = true;
	pthread_cond_broadcast(&in->cond);
	pthread_mutex_unlock(&in->lock);
	free(json);
	joblet_error_free(e);
	install_unref(in);
	return NULL;
}

static ssize_t install_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct install *in = cls;
	ssize_t n;

	(void)pos;
	pthread_mutex_lock(&in->lock);
	while (in->len == 0 && !in->finished && !in->d->stopping) {
		struct timespec until;

		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 15;
		if (pthread_cond_timedwait(&in->cond, &in->lock, &until) == ETIMEDOUT)
			push_event(in, "progress", "{\"phase\":\"working\"}");
	}
	if (in->len == 0) {
		pthread_mutex_unlock(&in->lock);
		return in->finished ? MHD_CONTENT_READER_END_OF_STREAM
				    : MHD_CONTENT_READER_END_WITH_ERROR;
	}
	n = (ssize_t)(in->len < max ? in->len : max);
	memcpy(buf, in->queue, (size_t)n);
	memmove(in->queue, in->queue + n, in->len - (size_t)n);
	in->len -= (size_t)n;
	pthread_mutex_unlock(&in->lock);
	return n;
}

static void install_free(void *cls)
{
	install_unref(cls);
}

int api_runtime_install(struct request *rq)
{
	json_object *o = request_json(rq);
	struct install *in;
	const char *spec = NULL, *registry = NULL;
	bool force = false;
	pthread_t th;
	pthread_attr_t attr;
	int r;

	if (!o)
		return MHD_YES;
	json_object_object_foreach(o, key, v)
	{
		if (strcmp(key, "spec") == 0 && json_object_is_type(v, json_type_string))
			spec = json_object_get_string(v);
		else if (strcmp(key, "registry") == 0 && json_object_is_type(v, json_type_string))
			registry = json_object_get_string(v);
		else if (strcmp(key, "force") == 0 && json_object_is_type(v, json_type_boolean))
			force = json_object_get_boolean(v);
		else {
			r = reply_error(
				rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
				"`%s` is not a field of an install (spec, registry, force) or has the wrong type",
				key);

			json_object_put(o);
			return r;
		}
	}
	if (!spec || !*spec) {
		json_object_put(o);
		return reply_error(rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
				   "`spec` is required: NAME, NAME@VERSION or NAME@latest");
	}
	if (registry && registry_allowed(rq, registry, &r) < 0) {
		json_object_put(o);
		return r;
	}
	snprintf(rq->target, sizeof(rq->target), "%s", spec);
	in = calloc(1, sizeof(*in));
	if (!in || !(in->spec = strdup(spec)) ||
	    (registry && *registry && !(in->registry = strdup(registry)))) {
		json_object_put(o);
		if (in)
			free(in->spec);
		free(in);
		return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_NOMEM,
				   "out of memory");
	}
	json_object_put(o);
	pthread_mutex_init(&in->lock, NULL);
	pthread_cond_init(&in->cond, NULL);
	in->refs = 2;
	in->d = rq->d;
	in->force = force;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&th, &attr, install_main, in) != 0) {
		pthread_attr_destroy(&attr);
		in->refs = 1;
		install_unref(in);
		return reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_SYSTEM,
				   "cannot start the install");
	}
	pthread_attr_destroy(&attr);
	return reply_stream(rq, install_read, in, install_free);
}
