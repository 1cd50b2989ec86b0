/*
 * server.h - the HTTPS API of joblet serve: what the route files
 * (api_*.c) share with the server core (server.c).
 *
 * One table of routes, each with the least role that may call it; a route
 * missing from the table does not exist (404), a role below the entry is
 * refused (403).  Handlers run in the connection's thread, get the whole
 * request body, and answer with one of the reply_* functions.
 */
#ifndef JOBLET_DAEMON_SERVER_H
#define JOBLET_DAEMON_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <json.h>
#include <microhttpd.h>

#include <joblet/error.h>

#include "auth.h"
#include "config/config.h"
#include "plugin/loader.h"

struct manager;
struct log_hub;
struct store;
struct server;
struct secret_key;
struct volumes;

struct request;

/*
 * How request bodies are taken: their limits and the multipart spool
 * (upload_stream.h documents each).  A table handed to the server by
 * cmd_serve.c, as the routes are: server.c calls it, never names its file.
 */
struct body_hooks {
	int (*start)(struct request *rq); /* after route and role: MHD_YES or answered */
	unsigned int (*grow)(struct request *rq, size_t n); /* chunked: 0 or the refusal */
	int (*refusal)(struct request *rq, unsigned int status);
	void (*feed)(struct request *rq, const char *data, size_t n); /* multipart bytes */
	int (*finish)(struct request *rq); /* multipart complete: answers or runs the route */
	void (*end)(struct request *rq);   /* release the limits, remove the spool */
};

/* What the routes may use: the daemon's parts. */
struct daemon_ctx {
	const struct jl_config *cfg; /* the configuration the daemon started with */
	const char *config_path;     /* handed to every joblet-shim */
	const struct jl_plugin_set *set;
	/*
	 * The same set, for daemon_load_deferred(): registry and archive
	 * plugins are loaded on first use.  deferred_json: what a child process
	 * found of them at start-up (jl_plugin_set_to_json()), for /v1/plugins
	 * until then; deferred_loaded: they are loaded.
	 */
	struct jl_plugin_set *loadable;
	const char *deferred_json;
	int deferred_loaded;
	struct store *store;
	struct manager *manager;
	struct log_hub *hub;
	struct monitor *monitor; /* the node's figures (monitor.h) */
	struct server *server;
	struct results *results;	     /* kept result files (results.h) */
	const struct secret_key *secret_key; /* of secrets at rest (secrets.h) */
	const struct body_hooks *body;	     /* upload_stream.c's */
	struct volumes *volumes;	     /* volumes.h */
	int64_t started_ns;
	volatile int stopping;	   /* set when the daemon shuts down: streams end */
	struct networks *networks; /* job networks (networks.h) */
};

#define ROUTE_MUTATING 1u /* written to the audit log */
#define ROUTE_STREAM   2u /* answers text/event-stream; no idle timeout */
#define ROUTE_UPLOAD   4u /* also takes multipart/form-data, spooled (upload_stream.h) */

struct route {
	const char *method;
	const char *pattern; /* "/v1/jobs/{}/logs": {} matches one path segment */
	int32_t min_role;    /* enum role */
	uint32_t flags;
	int (*handler)(struct request *rq);
};

struct request {
	struct daemon_ctx *d;
	struct MHD_Connection *conn;
	const struct route *route;
	char method[16];
	char *path; /* the URL path, decoded */
	char *arg;  /* the {} segment of the route, or NULL */
	struct identity who;
	char *body; /* the request body, NUL-terminated (may hold NULs) */
	size_t body_len, body_cap;
	bool too_big;
	size_t seen;	      /* body bytes received */
	unsigned int refused; /* a body refused while read (body_grow()): answered at its end */
	struct upload_stream *ups; /* a multipart body being spooled (upload_stream.h), or NULL */
	int64_t held_bytes;	   /* of server.max_buffered_bytes */
	bool held_identity;	   /* counts against server.max_uploads_per_identity */
	bool held_stream;	   /* counts against server.max_streamed_uploads */
	bool answered;
	bool counted;	  /* holds a connection-cap slot */
	bool close;	  /* refused at the door: close the connection after the answer */
	int32_t status;	  /* the status answered */
	char target[160]; /* what it acted on, for the audit log */
	char *message;	  /* the error answered, for the audit log */
};

/* A query parameter, or NULL. */
const char *request_query(struct request *rq, const char *key);
/* ?key=1 or ?key=true (is_true), ?key=0 or ?key=false (!is_true); absent or else: false. */
bool request_query_flag(struct request *rq, const char *key, bool is_true);
/*
 * What the `{*}` at the end of the route's pattern matched, without its
 * leading slashes ("" for nothing).  Borrowed from rq.
 */
const char *request_path_tail(const struct request *rq);
/* Queue resp (taken) as the answer with status. */
int reply_response(struct request *rq, unsigned int status, struct MHD_Response *resp);
/* A request header, or NULL. */
const char *request_header(struct request *rq, const char *name);
/*
 * Whether a body of len bytes that will be refused is read (and dropped)
 * before its answer: a small one sent at once, without Expect:
 * 100-continue (as curl does below 1 MiB), whose client would otherwise
 * see a reset instead of the answer.  Larger ones are answered at once.
 */
bool request_read_before_refusal(struct request *rq, int64_t len);

/* Answer with text of a content type (copied). */
int reply_text(struct request *rq, unsigned int status, const char *content_type, const char *text,
	       size_t len);
/* Answer with JSON text (copied). */
int reply_json(struct request *rq, unsigned int status, const char *json);
/* Answer with a JSON object (taken: freed here). */
int reply_obj(struct request *rq, unsigned int status, json_object *o);
/* {"error":{"code": name of code, "message": ...}}. */
int reply_error(struct request *rq, unsigned int status, int32_t code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The status for e's code (400 invalid, 404 not-found, 409 conflict, ...) and its message. */
int reply_joblet_error(struct request *rq, const struct joblet_error *e);
/*
 * Finish a handler with what a libjoblet call gave: r < 0 answers e (and
 * frees it), else 200 with json (taken: freed here).
 */
int reply_result(struct request *rq, int r, struct joblet_error *e, char *json);
/* The HTTP status an error code maps to. */
unsigned int status_for_error(int32_t code);
/*
 * Answer with a stream (text/event-stream): reader is called for the body
 * as MHD can send it, free_cb when the response is gone.
 */
int reply_stream(struct request *rq, MHD_ContentReaderCallback reader, void *cls,
		 MHD_ContentReaderFreeCallback free_cb);

/*
 * The owner (certificate CN) whose jobs alone this request may see, or act
 * on when its route is mutating; NULL for every job (auth_job_scope()).
 * Every route that lists, reads or acts on jobs goes through this.
 */
const char *request_job_owner(const struct request *rq);

/*
 * The route's {} segment as the id of a job this request may see or act
 * on, into rq->target; 0, or -1 when it has answered.  Another owner's job
 * is answered exactly as a job that does not exist (404, the same body),
 * and an id prefix is matched against the caller's jobs only.
 */
int request_job(struct request *rq);

/* Parse the request body as a JSON object; on failure answers 400 and returns NULL. */
json_object *request_json(struct request *rq);

/*
 * Start serving routes (a table ending with a NULL method; borrowed until
 * server_stop()) on cfg->server_address.  Errors name the key and what to do.
 */
int server_start(struct daemon_ctx *d, const struct route *routes, struct server **ret,
		 struct joblet_error **err);
/*
 * SIGHUP: load server.tls.* again.  New connections handshake with them;
 * connections opened before are verified again at their next request or
 * stream wakeup (server_recheck_peer()).
 */
int server_reload_tls(struct server *s, const struct jl_config *cfg, struct joblet_error **err);
/* Stop accepting, end every connection, free. */
void server_stop(struct server *s);
/* Open connections now, and requests answered so far by status class (2xx..5xx). */
void server_counters(struct server *s, int64_t *ret_connections, int64_t ret_status[6]);
/* The connections MHD accepts in all, and RLIMIT_NOFILE it was derived from. */
void server_limits(struct server *s, int64_t *ret_conn_limit, int64_t *ret_nofile);
/*
 * Whether the client certificate of conn is still accepted by the current
 * credentials: cheap (a generation compare) unless they were reloaded since
 * it was last checked, then verified again (auth_peer_recheck()) and logged
 * when refused.  0, or -1 with JOBLET_E_PERMISSION: close the connection.
 * Call from the connection's own thread.
 */
int server_recheck_peer(struct server *s, struct MHD_Connection *conn, struct joblet_error **err);

/*
 * The route of routes (a table ending with a NULL method) for method and
 * the decoded URL path, *ret_arg (NULL on entry) getting its {} segment (a
 * new string, or NULL).  NULL with *ret_status 404, or 405
 * and the methods the path takes in allow[0..allow_size).  Pure: tests and
 * tests/fuzz/fuzz_route.c call it.
 */
const struct route *server_route_find(const struct route *routes, const char *method,
				      const char *path, char **ret_arg, unsigned int *ret_status,
				      char *allow, size_t allow_size);

/* The API's table, ending with a NULL method (api_routes.c). */
extern const struct route api_routes[];

/* Route handlers (api_*.c). */
int api_version(struct request *rq);
int api_plugins(struct request *rq);
int api_metrics(struct request *rq);
int api_audit(struct request *rq);
int api_job_run(struct request *rq);
int api_job_list(struct request *rq);
int api_job_status(struct request *rq);
int api_job_logs(struct request *rq);
int api_job_files(struct request *rq);
int api_job_metrics(struct request *rq);    /* api_job_metrics.c */
int api_monitor_status(struct request *rq); /* api_monitor.c */
int api_monitor_top(struct request *rq);
/* The node's figures and each running job's latest sample, for /metrics (api_monitor.c). */
void api_monitor_prometheus(struct request *rq, FILE *f);
int api_job_stop(struct request *rq);
int api_job_cancel(struct request *rq);
int api_job_delete(struct request *rq);
int api_job_delete_all(struct request *rq);
int api_runtime_list(struct request *rq);
int api_runtime_info(struct request *rq);
int api_runtime_install(struct request *rq);
int api_runtime_remove(struct request *rq);
int api_network_list(struct request *rq);
int api_network_create(struct request *rq);
int api_network_remove(struct request *rq);
int api_volume_list(struct request *rq);
int api_volume_create(struct request *rq);
int api_volume_remove(struct request *rq);
int api_volume_files(struct request *rq); /* api_volumes.c, through files.h */

/* The daemon log's line for an audited call (also written to the store). */
void server_audit(struct request *rq);

#endif /* JOBLET_DAEMON_SERVER_H */
