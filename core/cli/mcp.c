/*
 * mcp.c - rnx mcp: the Model Context Protocol over stdio (mcp.h).
 *
 * The transport is MCP's stdio one: JSON-RPC 2.0 messages, one per line
 * (UTF-8, no embedded newline) on stdin and stdout; stdout carries nothing
 * else, what rnx has to say goes to stderr.  The main thread reads and
 * answers initialize, ping and tools/list itself; each tools/call gets a
 * thread (see mcp.h).  A notifications/cancelled marks its call: the tool
 * ends soon and no answer is sent, as the protocol wants.  End of stdin
 * cancels what runs and ends rnx once the calls have ended.
 */
#include <config.h>

#include <errno.h>
#include <json.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "base/cleanup.h"
#include "base/util.h"
#include "common/cli.h"
#include "joblet/version.h"
#include "mcp.h"
#include "rnx.h"

/* The protocol revisions spoken, newest first: an initialize naming another gets the first. */
static const char *const mcp_versions[] = { "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05",
					    NULL };
/* The first revision with structured tool results (outputSchema, structuredContent). */
#define MCP_STRUCTURED_SINCE "2025-06-18"

/* The longest message read; a longer line is answered with an error and skipped. */
#define MCP_MAX_MESSAGE ((size_t)80 << 20)

/* JSON-RPC's error codes. */
#define RPC_PARSE_ERROR	     (-32700)
#define RPC_INVALID_REQUEST  (-32600)
#define RPC_METHOD_NOT_FOUND (-32601)
#define RPC_INVALID_PARAMS   (-32602)

struct mcp_server;

/* One tools/call under way: in the server's list while its thread runs. */
struct mcp_call {
	struct mcp_call *next;
	struct mcp_server *srv;
	json_object *id;	     /* the request's id (a copy) */
	char *id_key;		     /* its JSON text, to match a notifications/cancelled */
	json_object *progress_token; /* params._meta.progressToken, or NULL */
	const struct mcp_tool *tool;
	json_object *args;
	struct rnx_api *api;
	atomic_bool cancelled;
	double last_progress;
};

struct mcp_server {
	const struct rnx_ctx *ctx;
	const struct mcp_tool *tools; /* NULL-name terminated */
	size_t max_output;
	char protocol[16];		     /* the revision agreed at initialize */
	json_object **inputs;		     /* each tool's input schema, parsed */
	json_object **outputs;		     /* ... and its output schema */
	pthread_mutex_t lock;		     /* guards what follows, and stdout */
	pthread_cond_t ended;		     /* a call ended */
	struct mcp_call *calls;		     /* the calls under way */
	unsigned running;		     /* their count */
	struct rnx_api *idle[MCP_MAX_CALLS]; /* connections of ended calls, for the next */
	unsigned nidle;
	bool gone;	     /* stdout broke: the client is gone */
	atomic_bool closing; /* stdin ended: waits end, answers still go out */
};

/* ------------------------------------------------------------ the call's side */

json_object *mcp_call_args(const struct mcp_call *call)
{
	return call->args;
}

size_t mcp_call_max_output(const struct mcp_call *call)
{
	return call->srv->max_output;
}

bool mcp_call_cancelled(const struct mcp_call *call)
{
	return atomic_load(&call->cancelled) || atomic_load(&call->srv->closing);
}

bool mcp_call_abandoned(const struct mcp_call *call)
{
	return atomic_load(&call->cancelled);
}

int mcp_call_api(struct mcp_call *call, struct rnx_api **ret, struct joblet_error **err)
{
	struct mcp_server *srv = call->srv;

	if (!call->api) {
		pthread_mutex_lock(&srv->lock);
		if (srv->nidle > 0)
			call->api = srv->idle[--srv->nidle];
		pthread_mutex_unlock(&srv->lock);
	}
	if (!call->api && rnx_api_open(srv->ctx->config_path, srv->ctx->node, &call->api, err) < 0)
		return -1;
	*ret = call->api;
	return 0;
}

/* ------------------------------------------------------------ writing */

/* One message on stdout, on a line of its own; takes msg. */
static void send_message(struct mcp_server *srv, json_object *msg)
{
	size_t len;
	const char *text = json_object_to_json_string_length(
		msg, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	pthread_mutex_lock(&srv->lock);
	if (!srv->gone && (!text || jl_write_all(STDOUT_FILENO, text, len) < 0 ||
			   jl_write_all(STDOUT_FILENO, "\n", 1) < 0))
		srv->gone = true;
	pthread_mutex_unlock(&srv->lock);
	json_object_put(msg);
}

static json_object *new_message(void)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "jsonrpc", json_object_new_string("2.0"));
	return m;
}

/* The answer to request id (borrowed; NULL: null): result, taken. */
static void send_result(struct mcp_server *srv, json_object *id, json_object *result)
{
	json_object *m = new_message();

	json_object_object_add(m, "id", id ? json_object_get(id) : NULL);
	json_object_object_add(m, "result", result);
	send_message(srv, m);
}

static void send_error(struct mcp_server *srv, json_object *id, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void send_error(struct mcp_server *srv, json_object *id, int code, const char *fmt, ...)
{
	json_object *m = new_message(), *e = json_object_new_object();
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	json_object_object_add(e, "code", json_object_new_int(code));
	json_object_object_add(e, "message", json_object_new_string(text));
	json_object_object_add(m, "id", id ? json_object_get(id) : NULL);
	json_object_object_add(m, "error", e);
	send_message(srv, m);
}

void mcp_call_progress(struct mcp_call *call, double progress, const char *message)
{
	json_object *m, *p;

	if (!call->progress_token || progress <= call->last_progress || mcp_call_abandoned(call))
		return;
	call->last_progress = progress;
	m = new_message();
	p = json_object_new_object();
	json_object_object_add(m, "method", json_object_new_string("notifications/progress"));
	json_object_object_add(p, "progressToken", json_object_get(call->progress_token));
	json_object_object_add(p, "progress", json_object_new_double(progress));
	if (message)
		json_object_object_add(p, "message", json_object_new_string(message));
	json_object_object_add(m, "params", p);
	send_message(call->srv, m);
}

/* ------------------------------------------------------------ arguments */

static const char *json_type_word(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return "null";
	case json_type_boolean:
		return "boolean";
	case json_type_double:
		return "number";
	case json_type_int:
		return "integer";
	case json_type_object:
		return "object";
	case json_type_array:
		return "array";
	case json_type_string:
		return "string";
	}
	return "value";
}

static bool type_fits(const char *type, json_object *v)
{
	enum json_type t = json_object_get_type(v);

	if (strcmp(type, "string") == 0)
		return t == json_type_string;
	if (strcmp(type, "integer") == 0)
		return t == json_type_int ||
		       (t == json_type_double &&
			json_object_get_double(v) == (double)(int64_t)json_object_get_double(v));
	if (strcmp(type, "number") == 0)
		return t == json_type_int || t == json_type_double;
	if (strcmp(type, "boolean") == 0)
		return t == json_type_boolean;
	if (strcmp(type, "object") == 0)
		return t == json_type_object;
	if (strcmp(type, "array") == 0)
		return t == json_type_array;
	return true;
}

int mcp_check_args(const char *tool, json_object *schema, json_object *args,
		   struct joblet_error **err)
{
	json_object *props = NULL, *req = NULL;
	char names[512] = "";
	size_t o = 0;

	json_object_object_get_ex(schema, "properties", &props);
	json_object_object_foreach(props, pname, pdef)
	{
		(void)pdef;
		o += (size_t)snprintf(names + o, o < sizeof(names) ? sizeof(names) - o : 0, "%s%s",
				      o ? ", " : "", pname);
		if (o >= sizeof(names))
			o = sizeof(names) - 1;
	}
	if (!json_object_is_type(args, json_type_object))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"the arguments of %s must be an object; it takes: %s", tool,
					names);
	if (!json_object_object_get_ex(schema, "required", &req) ||
	    !json_object_is_type(req, json_type_array))
		req = NULL;
	for (size_t i = 0; req && i < json_object_array_length(req); i++) {
		const char *name = json_object_get_string(json_object_array_get_idx(req, i));

		if (!json_object_object_get_ex(args, name, NULL))
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"%s needs the argument `%s`; it takes: %s", tool,
						name, names);
	}
	json_object_object_foreach(args, name, value)
	{
		json_object *def, *type;

		if (!json_object_object_get_ex(props, name, &def)) {
			const char *cand[64];
			size_t n = 0;
			const char *near;

			json_object_object_foreach(props, pname, pdef)
			{
				(void)pdef;
				if (n < 64)
					cand[n++] = pname;
			}
			near = jl_closest_word(name, strlen(name), cand, n);
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"%s has no argument `%s`%s%s%s; it takes: %s", tool,
						name, near ? " (did you mean `" : "",
						near ? near : "", near ? "`?)" : "", names);
		}
		if (json_object_object_get_ex(def, "type", &type) &&
		    json_object_is_type(type, json_type_string) &&
		    !type_fits(json_object_get_string(type), value))
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"the argument `%s` of %s must be of type %s, not %s", name, tool,
				json_object_get_string(type), json_type_word(value));
	}
	return 0;
}

/* ------------------------------------------------------------ tools/call */

static void call_free(struct mcp_call *call)
{
	json_object_put(call->id);
	json_object_put(call->progress_token);
	json_object_put(call->args);
	free(call->id_key);
	free(call);
}

/* A call's result when the tool failed: its message as a tool error. */
static json_object *tool_error(const char *message)
{
	json_object *r = json_object_new_object(), *content = json_object_new_array(),
		    *text = json_object_new_object();

	json_object_object_add(text, "type", json_object_new_string("text"));
	json_object_object_add(text, "text", json_object_new_string(message));
	json_object_array_add(content, text);
	json_object_object_add(r, "content", content);
	json_object_object_add(r, "isError", json_object_new_boolean(1));
	return r;
}

/* A call's result when the tool did its work: out as JSON text and, when agreed, as is. */
static json_object *tool_result(const struct mcp_server *srv, json_object *out)
{
	json_object *r = json_object_new_object(), *content = json_object_new_array(),
		    *text = json_object_new_object();

	json_object_object_add(text, "type", json_object_new_string("text"));
	json_object_object_add(
		text, "text",
		json_object_new_string(json_object_to_json_string_ext(
			out, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)));
	json_object_array_add(content, text);
	json_object_object_add(r, "content", content);
	if (strcmp(srv->protocol, MCP_STRUCTURED_SINCE) >= 0)
		json_object_object_add(r, "structuredContent", out);
	else
		json_object_put(out);
	json_object_object_add(r, "isError", json_object_new_boolean(0));
	return r;
}

static void *call_thread(void *arg)
{
	struct mcp_call *call = arg;
	struct mcp_server *srv = call->srv;
	size_t t = (size_t)(call->tool - srv->tools);
	struct joblet_error *e = NULL;
	json_object *out = NULL, *result;

	if (mcp_check_args(call->tool->name, srv->inputs[t], call->args, &e) == 0 &&
	    call->tool->run(call, &out, &e) == 0)
		result = tool_result(srv, out);
	else {
		char msg[2048];

		if (e && e->code == JOBLET_E_HTTP && e->detail)
			snprintf(msg, sizeof(msg), "%s (HTTP %d)", joblet_error_message(e),
				 (int)e->detail);
		else
			snprintf(msg, sizeof(msg), "%s",
				 e ? joblet_error_message(e) : "the tool failed");
		result = tool_error(msg);
		joblet_error_free(e);
	}
	/* A cancelled request gets no answer. */
	if (!mcp_call_abandoned(call))
		send_result(srv, call->id, result);
	else
		json_object_put(result);

	pthread_mutex_lock(&srv->lock);
	for (struct mcp_call **p = &srv->calls; *p; p = &(*p)->next)
		if (*p == call) {
			*p = call->next;
			break;
		}
	if (call->api && srv->nidle < MCP_MAX_CALLS)
		srv->idle[srv->nidle++] = TAKE_PTR(call->api);
	srv->running--;
	pthread_cond_broadcast(&srv->ended);
	pthread_mutex_unlock(&srv->lock);
	rnx_api_free(call->api);
	call_free(call);
	return NULL;
}

static void tools_call(struct mcp_server *srv, json_object *id, json_object *params)
{
	json_object *name = NULL, *args = NULL, *meta = NULL, *token = NULL;
	const struct mcp_tool *tool = NULL;
	struct mcp_call *call;
	pthread_attr_t attr;
	pthread_t th;
	int r;

	if (!json_object_object_get_ex(params, "name", &name) ||
	    !json_object_is_type(name, json_type_string)) {
		send_error(srv, id, RPC_INVALID_PARAMS,
			   "tools/call needs params.name, the tool to call; tools/list names them");
		return;
	}
	for (const struct mcp_tool *t = srv->tools; t->name; t++)
		if (strcmp(t->name, json_object_get_string(name)) == 0)
			tool = t;
	if (!tool) {
		send_error(srv, id, RPC_INVALID_PARAMS, "no tool `%s`; tools/list names the tools",
			   json_object_get_string(name));
		return;
	}
	json_object_object_get_ex(params, "arguments", &args);
	if (json_object_object_get_ex(params, "_meta", &meta))
		json_object_object_get_ex(meta, "progressToken", &token);
	call = calloc(1, sizeof(*call));
	if (!call) {
		send_error(srv, id, RPC_INVALID_REQUEST, "out of memory");
		return;
	}
	call->srv = srv;
	call->tool = tool;
	/*
	 * Copies, not references: the message is freed here while the call's
	 * thread runs, and json-c's reference counts need not be atomic.
	 */
	call->id_key = strdup(json_object_to_json_string_ext(id, JSON_C_TO_STRING_PLAIN));
	if (json_object_deep_copy(id, &call->id, NULL) < 0 ||
	    (token && json_object_deep_copy(token, &call->progress_token, NULL) < 0))
		call->id = NULL;
	if (args && json_object_deep_copy(args, &call->args, NULL) < 0)
		call->args = NULL;
	else if (!args)
		call->args = json_object_new_object();
	if (!call->id_key || !call->id || !call->args) {
		call_free(call);
		send_error(srv, id, RPC_INVALID_REQUEST, "out of memory");
		return;
	}

	pthread_mutex_lock(&srv->lock);
	while (srv->running >= MCP_MAX_CALLS)
		pthread_cond_wait(&srv->ended, &srv->lock);
	call->next = srv->calls;
	srv->calls = call;
	srv->running++;
	pthread_mutex_unlock(&srv->lock);

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	r = pthread_create(&th, &attr, call_thread, call);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		pthread_mutex_lock(&srv->lock);
		srv->calls = call->next;
		srv->running--;
		pthread_mutex_unlock(&srv->lock);
		call_free(call);
		send_error(srv, id, RPC_INVALID_REQUEST, "cannot start the call: %s", strerror(r));
	}
}

/* notifications/cancelled: mark the call whose request id it names. */
static void cancel_call(struct mcp_server *srv, json_object *params)
{
	json_object *rid;
	const char *key;

	if (!json_object_object_get_ex(params, "requestId", &rid))
		return;
	key = json_object_to_json_string_ext(rid, JSON_C_TO_STRING_PLAIN);
	pthread_mutex_lock(&srv->lock);
	for (struct mcp_call *c = srv->calls; c; c = c->next)
		if (strcmp(c->id_key, key) == 0)
			atomic_store(&c->cancelled, true);
	pthread_mutex_unlock(&srv->lock);
}

/* ------------------------------------------------------------ the other methods */

static void initialize(struct mcp_server *srv, json_object *id, json_object *params)
{
	json_object *r = json_object_new_object(), *caps = json_object_new_object(),
		    *tools = json_object_new_object(), *info = json_object_new_object(), *v;
	const char *asked = NULL;

	if (json_object_object_get_ex(params, "protocolVersion", &v) &&
	    json_object_is_type(v, json_type_string))
		asked = json_object_get_string(v);
	snprintf(srv->protocol, sizeof(srv->protocol), "%s", mcp_versions[0]);
	for (size_t i = 0; asked && mcp_versions[i]; i++)
		if (strcmp(asked, mcp_versions[i]) == 0)
			snprintf(srv->protocol, sizeof(srv->protocol), "%s", asked);

	json_object_object_add(r, "protocolVersion", json_object_new_string(srv->protocol));
	json_object_object_add(tools, "listChanged", json_object_new_boolean(0));
	json_object_object_add(caps, "tools", tools);
	json_object_object_add(r, "capabilities", caps);
	json_object_object_add(info, "name", json_object_new_string("rnx"));
	json_object_object_add(info, "title", json_object_new_string("joblet"));
	json_object_object_add(info, "version", json_object_new_string(JOBLET_VERSION_STRING));
	json_object_object_add(r, "serverInfo", info);
	json_object_object_add(
		r, "instructions",
		json_object_new_string(
			"Runs commands and scripts as jobs on a joblet node: each job in its own namespaces, root and cgroups, with memory, CPU, process and time limits, as the identity and role of rnx's client certificate. "
			"run_job runs one and, by default, waits for it and returns its exit code, stdout and stderr; a job that outlives the wait goes on: follow it with job_status (wait_seconds) and job_logs (cursor). "
			"Files for the job go in run_job's `files` and land in /work; after the job, list_files and read_file read what it left in /work."));
	send_result(srv, id, r);
}

static void tools_list(struct mcp_server *srv, json_object *id)
{
	json_object *r = json_object_new_object(), *arr = json_object_new_array();
	bool structured = strcmp(srv->protocol, MCP_STRUCTURED_SINCE) >= 0;

	for (size_t i = 0; srv->tools[i].name; i++) {
		const struct mcp_tool *t = &srv->tools[i];
		json_object *o = json_object_new_object(), *a = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(t->name));
		json_object_object_add(o, "title", json_object_new_string(t->title));
		json_object_object_add(o, "description", json_object_new_string(t->description));
		json_object_object_add(o, "inputSchema", json_object_get(srv->inputs[i]));
		if (structured)
			json_object_object_add(o, "outputSchema", json_object_get(srv->outputs[i]));
		json_object_object_add(a, "title", json_object_new_string(t->title));
		json_object_object_add(a, "readOnlyHint",
				       json_object_new_boolean(!!(t->hints & MCP_READ_ONLY)));
		json_object_object_add(a, "destructiveHint",
				       json_object_new_boolean(!!(t->hints & MCP_DESTRUCTIVE)));
		json_object_object_add(a, "idempotentHint",
				       json_object_new_boolean(!!(t->hints & MCP_IDEMPOTENT)));
		json_object_object_add(a, "openWorldHint",
				       json_object_new_boolean(!!(t->hints & MCP_OPEN_WORLD)));
		json_object_object_add(o, "annotations", a);
		json_object_array_add(arr, o);
	}
	json_object_object_add(r, "tools", arr);
	send_result(srv, id, r);
}

/* One message as read from stdin. */
static void handle(struct mcp_server *srv, json_object *msg)
{
	json_object *v, *id = NULL, *params = NULL;
	const char *method;
	bool has_id;

	if (json_object_is_type(msg, json_type_array)) {
		send_error(
			srv, NULL, RPC_INVALID_REQUEST,
			"a batch (JSON array) of messages is not taken; send each message on a line of its own");
		return;
	}
	has_id = json_object_object_get_ex(msg, "id", &id);
	if (!json_object_is_type(msg, json_type_object) ||
	    !json_object_object_get_ex(msg, "jsonrpc", &v) ||
	    !json_object_is_type(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "2.0") != 0) {
		send_error(srv, has_id ? id : NULL, RPC_INVALID_REQUEST,
			   "not a JSON-RPC 2.0 message: it needs \"jsonrpc\": \"2.0\"");
		return;
	}
	if (!json_object_object_get_ex(msg, "method", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		if (json_object_object_get_ex(msg, "result", NULL) ||
		    json_object_object_get_ex(msg, "error", NULL))
			return; /* an answer: rnx asks nothing, so it answers nothing of ours */
		send_error(srv, has_id ? id : NULL, RPC_INVALID_REQUEST,
			   "a request needs a \"method\" string");
		return;
	}
	method = json_object_get_string(v);
	json_object_object_get_ex(msg, "params", &params);
	if (!has_id) {
		if (strcmp(method, "notifications/cancelled") == 0)
			cancel_call(srv, params);
		return; /* initialized and other notifications need nothing */
	}
	if (!json_object_is_type(id, json_type_string) && !json_object_is_type(id, json_type_int)) {
		send_error(srv, NULL, RPC_INVALID_REQUEST,
			   "a request's id must be a string or an integer");
		return;
	}
	if (strcmp(method, "initialize") == 0)
		initialize(srv, id, params);
	else if (strcmp(method, "ping") == 0)
		send_result(srv, id, json_object_new_object());
	else if (strcmp(method, "tools/list") == 0)
		tools_list(srv, id);
	else if (strcmp(method, "tools/call") == 0)
		tools_call(srv, id, params);
	else
		send_error(srv, id, RPC_METHOD_NOT_FOUND,
			   "rnx mcp has no method `%s`; it serves tools (tools/list, tools/call)",
			   method);
}

/* ------------------------------------------------------------ the loop */

struct line_reader {
	char *buf;
	size_t len, cap, start;
	bool eof;
};

/*
 * The next line of stdin in *ret (NUL-terminated in place, valid until the
 * next call) and its length: 1; 0 at the end of input; 2 for a line longer
 * than MCP_MAX_MESSAGE, which is skipped; -1 on a read error.
 */
static int read_line(struct line_reader *lr, char **ret, size_t *ret_len)
{
	bool too_long = false;

	for (;;) {
		char *nl = lr->len > lr->start
				   ? memchr(lr->buf + lr->start, '\n', lr->len - lr->start)
				   : NULL;
		ssize_t n;

		if (nl) {
			*nl = '\0';
			*ret = lr->buf + lr->start;
			*ret_len = (size_t)(nl - *ret);
			lr->start = (size_t)(nl - lr->buf) + 1;
			return too_long ? 2 : 1;
		}
		/* Keep what is left of a line at the front. */
		if (lr->start > 0) {
			memmove(lr->buf, lr->buf + lr->start, lr->len - lr->start);
			lr->len -= lr->start;
			lr->start = 0;
		}
		if (lr->len >= MCP_MAX_MESSAGE) {
			too_long = true;
			lr->len = 0;
		}
		if (lr->eof) {
			if (lr->len == 0)
				return too_long ? 2 : 0;
			/* A last message without its newline. */
			if (lr->len == lr->cap) {
				char *b = realloc(lr->buf, lr->cap + 1);

				if (!b)
					return -1;
				lr->buf = b;
				lr->cap++;
			}
			lr->buf[lr->len] = '\0';
			*ret = lr->buf;
			*ret_len = lr->len;
			lr->len = 0;
			return too_long ? 2 : 1;
		}
		if (lr->cap - lr->len < 64 << 10) {
			size_t cap = lr->cap ? lr->cap * 2 : 256 << 10;
			char *b = realloc(lr->buf, cap);

			if (!b)
				return -1;
			lr->buf = b;
			lr->cap = cap;
		}
		n = read(STDIN_FILENO, lr->buf + lr->len, lr->cap - lr->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			lr->eof = true;
		lr->len += (size_t)n;
	}
}

static int parse_schemas(struct mcp_server *srv)
{
	size_t n = 0;

	while (srv->tools[n].name)
		n++;
	srv->inputs = calloc(n + 1, sizeof(*srv->inputs));
	srv->outputs = calloc(n + 1, sizeof(*srv->outputs));
	if (!srv->inputs || !srv->outputs)
		return -1;
	for (size_t i = 0; i < n; i++) {
		srv->inputs[i] = json_tokener_parse(srv->tools[i].input_schema);
		srv->outputs[i] = json_tokener_parse(srv->tools[i].output_schema);
		if (!srv->inputs[i] || !srv->outputs[i]) {
			fprintf(stderr,
				"rnx mcp: the schema of the tool %s does not parse (a bug)\n",
				srv->tools[i].name);
			return -1;
		}
	}
	return 0;
}

static void free_schemas(struct mcp_server *srv)
{
	for (size_t i = 0; srv->inputs && srv->tools[i].name; i++) {
		json_object_put(srv->inputs[i]);
		json_object_put(srv->outputs[i]);
	}
	free(srv->inputs);
	free(srv->outputs);
}

static int serve(struct mcp_server *srv)
{
	struct line_reader lr = { 0 };
	json_tokener *tok = json_tokener_new_ex(64);
	int r, rc = JL_EXIT_OK;

	if (!tok)
		return JL_EXIT_FAILURE;
	for (;;) {
		char *line;
		size_t len;
		json_object *msg;

		r = read_line(&lr, &line, &len);
		if (r <= 0) {
			if (r < 0) {
				fprintf(stderr, "rnx mcp: cannot read stdin: %s\n",
					strerror(errno));
				rc = JL_EXIT_FAILURE;
			}
			break;
		}
		if (r == 2) {
			send_error(
				srv, NULL, RPC_INVALID_REQUEST,
				"a message longer than %zu MiB was skipped; send files of that size through the node's API instead",
				MCP_MAX_MESSAGE >> 20);
			continue;
		}
		while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == ' '))
			line[--len] = '\0';
		if (len == 0)
			continue;
		json_tokener_reset(tok);
		msg = json_tokener_parse_ex(tok, line, (int)len);
		if (!msg || json_tokener_get_parse_end(tok) != len) {
			send_error(srv, NULL, RPC_PARSE_ERROR,
				   "a line that is not one JSON value: %s",
				   msg ? "text after the value"
				       : json_tokener_error_desc(json_tokener_get_error(tok)));
			json_object_put(msg);
			continue;
		}
		handle(srv, msg);
		json_object_put(msg);
		if (srv->gone)
			break;
	}
	json_tokener_free(tok);
	free(lr.buf);

	/* The client is done: what waits stops waiting and answers with what it has. */
	atomic_store(&srv->closing, true);
	pthread_mutex_lock(&srv->lock);
	while (srv->running > 0)
		pthread_cond_wait(&srv->ended, &srv->lock);
	pthread_mutex_unlock(&srv->lock);
	return rc;
}

int mcp_main(int argc, char **argv, struct rnx_ctx *ctx, const struct mcp_tool *tools)
{
	struct mcp_server srv = { .ctx = ctx,
				  .tools = tools,
				  .max_output = MCP_DEFAULT_MAX_OUTPUT };
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;

		if (strcmp(a, "--node") == 0 || strcmp(a, "--config") == 0 ||
		    strcmp(a, "--max-output") == 0) {
			if (i + 1 >= argc)
				return rnx_usage("rnx mcp", "a value is missing after", a);
			v = argv[++i];
		} else if (strncmp(a, "--node=", 7) == 0 || strncmp(a, "--config=", 9) == 0 ||
			   strncmp(a, "--max-output=", 13) == 0)
			v = strchr(a, '=') + 1;
		else
			return rnx_usage("rnx mcp", "unknown option", a);
		if (strncmp(a, "--node", 6) == 0)
			ctx->node = v;
		else if (strncmp(a, "--config", 8) == 0)
			ctx->config_path = v;
		else {
			int64_t bytes;

			if (jl_parse_size(v, &bytes) < 0 || bytes < 1024 ||
			    bytes > (int64_t)MCP_MAX_OUTPUT_CEILING) {
				fprintf(stderr,
					"rnx mcp: --max-output `%s` is not a size from 1KiB to %uMiB (e.g. 64KiB, 1MiB)\n",
					v, MCP_MAX_OUTPUT_CEILING >> 20);
				return JL_EXIT_USAGE;
			}
			srv.max_output = (size_t)bytes;
		}
	}
	if (isatty(STDIN_FILENO))
		fprintf(stderr,
			"rnx mcp: speaking the Model Context Protocol on stdin and stdout; an MCP client starts this command (docs/mcp.md)\n");
	/* A client that goes away is a failed write, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	snprintf(srv.protocol, sizeof(srv.protocol), "%s", mcp_versions[0]);
	pthread_mutex_init(&srv.lock, NULL);
	pthread_cond_init(&srv.ended, NULL);
	rc = parse_schemas(&srv) < 0 ? JL_EXIT_FAILURE : serve(&srv);
	for (unsigned i = 0; i < srv.nidle; i++)
		rnx_api_free(srv.idle[i]);
	free_schemas(&srv);
	pthread_cond_destroy(&srv.ended);
	pthread_mutex_destroy(&srv.lock);
	return rc;
}
