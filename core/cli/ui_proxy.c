/*
 * ui_proxy.c - the API calls `rnx ui` relays to the node: the browser's
 * /api/v1/... becomes the node's /v1/..., made with the user's client
 * certificate.
 *
 * Only the routes of the table below pass, each with the query parameters
 * it names; path segments in their place are ids and names, never `.`,
 * `..`, `%` or `/`.  Answers pass as they are: a JSON answer with its body,
 * an error with the daemon's status and its {"error":{"code","message"}}
 * (the page shows the message), an event stream event by event.
 *
 * An event stream's head goes to the browser with its first event, or
 * after a second without one: an error answer of the node before that
 * keeps its status.  An error after that is an `error` event with the same
 * JSON, except a broken connection to the node, which just ends the stream
 * (the page resumes it with Last-Event-ID, which passes to the node).  The
 * stream to the node ends when the browser goes away (the watch below).
 */
#include <config.h>

#include <json.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "base/error.h"
#include "ui_server.h"

#define HEAD_AFTER_S 1
#define PING_EVERY_S 15

enum relay {
	RELAY_JSON = 1,	  /* a JSON answer */
	RELAY_STREAM = 2, /* an event stream */
	RELAY_FOLLOW = 3, /* an event stream with follow=1, else JSON */
};

struct route {
	const char *method;
	const char *pattern; /* `*`: one id or name */
	enum relay relay;
	const char *query; /* the parameters it takes, each followed by a space */
};

static const struct route routes[] = {
	{ "GET", "/v1/version", RELAY_JSON, "" },
	{ "GET", "/v1/plugins", RELAY_JSON, "" },
	{ "GET", "/v1/jobs", RELAY_JSON, "status owner " },
	{ "GET", "/v1/jobs/*", RELAY_JSON, "" },
	{ "DELETE", "/v1/jobs/*", RELAY_JSON, "" },
	{ "POST", "/v1/jobs/*/stop", RELAY_JSON, "" },
	{ "POST", "/v1/jobs/*/cancel", RELAY_JSON, "" },
	{ "GET", "/v1/jobs/*/logs", RELAY_STREAM, "follow after coalesce " },
	{ "GET", "/v1/jobs/*/metrics", RELAY_FOLLOW, "follow after " },
	{ "GET", "/v1/monitor/status", RELAY_JSON, "" },
	{ "GET", "/v1/monitor/top", RELAY_JSON, "by limit " },
	{ "GET", "/v1/runtimes", RELAY_JSON, "registry " },
	{ "POST", "/v1/runtimes/install", RELAY_STREAM, "" },
	{ "GET", "/v1/runtimes/*", RELAY_JSON, "" },
	{ "DELETE", "/v1/runtimes/*", RELAY_JSON, "" },
	{ NULL },
};

/* An id or name in a `*` of a pattern: 1 to 255 of these, not starting with `.`. */
static int segment_ok(const char *p, size_t n)
{
	if (n == 0 || n > 255 || p[0] == '.')
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
		      (p[i] >= '0' && p[i] <= '9') || strchr("-._@+", p[i])))
			return 0;
	return 1;
}

static int path_matches(const char *pattern, const char *path)
{
	while (*pattern && *path) {
		if (*pattern == '*') {
			size_t n = strcspn(path, "/");

			if (!segment_ok(path, n))
				return 0;
			path += n;
			pattern++;
		} else if (*pattern++ != *path++) {
			return 0;
		}
	}
	return !*pattern && !*path;
}

/* Is key[0..n) one of the words of keys (each followed by a space)? */
static int key_in(const char *keys, const char *key, size_t n)
{
	for (const char *w = keys; *w; w += strcspn(w, " ") + 1)
		if (strcspn(w, " ") == n && strncmp(w, key, n) == 0)
			return 1;
	return 0;
}

/* Every `key=value` of query is one the route takes, with a value of URI characters. */
static int query_ok(const char *query, const char *keys)
{
	const char *p = query;

	while (p && *p) {
		size_t n = strcspn(p, "&"), k = strcspn(p, "=&");

		if (k == 0 || !key_in(keys, p, k))
			return 0;
		for (size_t i = k + 1; i < n; i++)
			if (!((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
			      (p[i] >= '0' && p[i] <= '9') || strchr("-._~%!*'()", p[i])))
				return 0;
		p += n;
		if (*p == '&')
			p++;
	}
	return 1;
}

static int is_follow(const char *query)
{
	char v[8];

	return ui_http_query(query, "follow", v, sizeof(v)) == 0 && strcmp(v, "1") == 0;
}

/* The status and body of an error of rnx_api_*(): the daemon's own, or ours. */
static void send_api_error(struct ui_conn *c, const struct joblet_error *e)
{
	int status = e->detail >= 400 && e->detail <= 599 ? e->detail
		     : e->code == JOBLET_E_TIMEOUT	  ? 504
		     : e->code == JOBLET_E_NOMEM	  ? 500
							  : 502;

	ui_send_error(c, status, jl_error_code_name(e->code), joblet_error_message(e));
}

/* ------------------------------------------------------------------ event streams */

struct relay_state {
	struct ui_conn *c;
	int head_sent;
	time_t start, last_write;
};

static time_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

static int relay_head(struct relay_state *rl)
{
	if (rl->head_sent)
		return 0;
	rl->head_sent = 1;
	rl->last_write = now_s();
	return ui_send_stream_head(rl->c, "text/event-stream; charset=utf-8");
}

/* One event of the node to the browser, as it came: id, event and data lines. */
static int relay_event(void *userdata, const struct rnx_sse_event *ev)
{
	struct relay_state *rl = userdata;
	struct ui_conn *c = rl->c;
	const char *d = ev->data, *end = ev->data + ev->len;
	char line[320];
	int n;

	if (relay_head(rl) < 0)
		return 1;
	n = snprintf(line, sizeof(line), "%s%s%sevent: %s\n", *ev->id ? "id: " : "", ev->id,
		     *ev->id ? "\n" : "", ev->event);
	if (n < 0 || (size_t)n >= sizeof(line) || ui_write(c, line, (size_t)n, 1) < 0)
		return 1;
	do {
		const char *nl = memchr(d, '\n', (size_t)(end - d));
		size_t len = nl ? (size_t)(nl - d) : (size_t)(end - d);

		if (ui_write(c, "data: ", 6, 1) < 0 || ui_write(c, d, len, 1) < 0 ||
		    ui_write(c, "\n", 1, 1) < 0)
			return 1;
		d += len + (nl ? 1 : 0);
	} while (d < end);
	if (ui_write(c, "\n", 1, 0) < 0)
		return 1;
	rl->last_write = now_s();
	return 0;
}

/*
 * About once a second while the node's stream is open: end it when the
 * browser went away or the server stops; send the head after a quiet
 * second, and a comment every PING_EVERY_S so that the browser's
 * connection shows it is alive.
 */
static int relay_watch(void *userdata)
{
	struct relay_state *rl = userdata;
	struct pollfd p = { .fd = rl->c->fd, .events = POLLIN | POLLRDHUP };
	time_t now = now_s();

	if (ui_server_stopping(rl->c->srv))
		return 1;
	if (poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)))
		return 1;
	if (!rl->head_sent && now - rl->start >= HEAD_AFTER_S)
		return relay_head(rl) < 0;
	if (rl->head_sent && now - rl->last_write >= PING_EVERY_S) {
		if (ui_write(rl->c, ": ping\n\n", 8, 0) < 0)
			return 1;
		rl->last_write = now;
	}
	return 0;
}

static int event_id_ok(const char *id)
{
	size_t n = strlen(id);

	if (n > 64)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)id[i] < 0x20 || (unsigned char)id[i] >= 0x7f)
			return 0;
	return 1;
}

static void relay_stream(struct ui_conn *c, struct rnx_api *api, const char *path)
{
	struct relay_state rl = { .c = c, .start = now_s() };
	struct joblet_error *e = NULL;
	const char *leid = c->rq.last_event_id;
	int r;

	if (leid && !event_id_ok(leid)) {
		ui_send_error(c, 400, "invalid", "Last-Event-ID is not a short line of text");
		return;
	}
	if (ui_stream_enter(c->srv) < 0) {
		ui_send_error(
			c, 503, "limit",
			"the dashboard relays too many event streams at once; close some of its tabs and try again");
		return;
	}
	rnx_api_set_watch(api, relay_watch, &rl);
	r = rnx_api_stream(api, c->rq.method, path, c->body_len ? c->body : NULL, c->body_len,
			   leid && *leid ? leid : NULL, relay_event, &rl, &e);
	rnx_api_set_watch(api, NULL, NULL);
	ui_stream_leave(c->srv);
	if (r == 0) {
		/* The node ended the stream: so does the browser's connection. */
		(void)relay_head(&rl); /* a stream without events still gets its head */
		c->close = 1;
	} else if (r < 0 && !rl.head_sent) {
		send_api_error(c, e);
	} else if (r < 0 && e->code != JOBLET_E_NETWORK && e->code != JOBLET_E_TIMEOUT) {
		json_object *o = json_object_new_object(), *eo = json_object_new_object();
		const char *text;
		char *ev = NULL;

		json_object_object_add(eo, "code",
				       json_object_new_string(jl_error_code_name(e->code)));
		json_object_object_add(eo, "message",
				       json_object_new_string(joblet_error_message(e)));
		json_object_object_add(o, "error", eo);
		text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
								 JSON_C_TO_STRING_NOSLASHESCAPE);
		if (asprintf(&ev, "event: error\ndata: %s\n\n", text) >= 0) {
			/* The connection ends next whether or not this arrives. */
			(void)ui_write(c, ev, strlen(ev), 0);
			free(ev);
		}
		json_object_put(o);
		c->close = 1;
	} else {
		c->close = 1;
	}
	joblet_error_free(e);
}

/* ------------------------------------------------------------------ a call */

static void relay_json(struct ui_conn *c, struct rnx_api *api, const char *path)
{
	struct joblet_error *e = NULL;
	char *body = NULL;
	size_t len = 0;

	if (rnx_api_request(api, c->rq.method, path, c->body_len ? c->body : NULL, c->body_len,
			    &body, &len, &e) == 0)
		ui_send(c, 200, "application/json", NULL, body, len);
	else
		send_api_error(c, e);
	free(body);
	joblet_error_free(e);
}

static const struct route *find_route(const char *method, const char *path, int *ret_path_known)
{
	*ret_path_known = 0;
	for (const struct route *rt = routes; rt->method; rt++) {
		if (!path_matches(rt->pattern, path))
			continue;
		*ret_path_known = 1;
		if (strcmp(rt->method, method) == 0)
			return rt;
	}
	return NULL;
}

void ui_proxy(struct ui_conn *c)
{
	const char *path = c->rq.path + 4; /* "/api/v1/jobs" -> "/v1/jobs" */
	const struct route *rt;
	struct joblet_error *e = NULL;
	struct rnx_api *api;
	char *upstream = NULL;
	int known;

	rt = find_route(c->rq.method, path, &known);
	if (!rt) {
		ui_send_error(c, known ? 405 : 404, known ? "invalid" : "not-found",
			      known ? "the dashboard does not relay this method for this path"
				    : "the dashboard does not relay this path to the node");
		return;
	}
	if (!query_ok(c->rq.query, rt->query)) {
		ui_send_error(c, 400, "invalid",
			      "the dashboard does not relay this query to the node");
		return;
	}
	if (c->body_len &&
	    (!c->rq.content_type || strncmp(c->rq.content_type, "application/json", 16) != 0)) {
		ui_send_error(c, 415, "invalid", "a request body must be application/json");
		return;
	}
	if (asprintf(&upstream, "%s%s%s", path, c->rq.query ? "?" : "",
		     c->rq.query ? c->rq.query : "") < 0) {
		ui_send_error(c, 500, "nomem", "out of memory");
		return;
	}
	api = ui_api_take(c->srv, &e);
	if (!api) {
		send_api_error(c, e);
	} else if (rt->relay == RELAY_STREAM ||
		   (rt->relay == RELAY_FOLLOW && is_follow(c->rq.query))) {
		relay_stream(c, api, upstream);
	} else {
		relay_json(c, api, upstream);
	}
	ui_api_give(c->srv, api);
	joblet_error_free(e);
	free(upstream);
}
