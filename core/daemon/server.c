/*
 * server.c - the HTTPS server of joblet serve: libmicrohttpd with GnuTLS,
 * one thread per connection.
 *
 * Before a TLS session's handshake begins (MHD's "connection started"
 * notification) the session gets the daemon's current credentials, a
 * required client certificate and in-handshake verification, so a peer
 * without a valid certificate gets a TLS alert and nothing else.  Every
 * request is verified again, then authorised against the route table,
 * before any handler runs.  Connections are counted in all and per
 * address; past the caps a caller gets 429 and the connection is closed.
 * MHD itself refuses connections (without a word) only past the hard limit
 * that the open-file limit allows (conn_limit()), far above the caps, so
 * every refused request gets its answer.
 *
 * A reload (SIGHUP) loads new credentials with a new generation; a request
 * on a connection opened before it, and a log stream at its next wakeup,
 * verify the client certificate again against the current client CA and
 * CRL (server_recheck_peer()), so a revoked certificate stops working on
 * the connections it already has.
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "base/cleanup.h"
#include "server.h"
#include "store.h"
#include "base/error.h"
#include "base/log.h"
#include "config/config.h"

#define STREAM_BLOCK (64 * 1024)
/*
 * File descriptors kept for everything but API connections: each running
 * job's pipes and pidfd, the log files and the log hub's inotify, the
 * database, plugins and the libraries they use (docs/security.md).
 */
#define FD_RESERVE 512
/*
 * Connections past server.max_connections that still get their 429: as many
 * again as max_connections, at least this many.  Each connection is a thread
 * (512 KiB of stack reserved, a few pages of it resident): this bounds them.
 */
#define ANSWER_HEADROOM 256
#define THREAD_STACK	(512 * 1024)

struct addr_count {
	char addr[64];
	int64_t n;
};

struct server {
	struct daemon_ctx *d;
	const struct route *routes; /* borrowed from server_start()'s caller */
	struct MHD_Daemon *mhd;
	gnutls_priority_t prio;
	struct tls_creds *creds; /* current; under lock */
	pthread_mutex_t lock;
	struct addr_count *addrs;
	size_t n_addrs, cap_addrs;
	int64_t open; /* connections */
	int64_t answered[6];
	int64_t conn_limit; /* what MHD accepts in all (conn_limit()) */
	int64_t nofile;	    /* RLIMIT_NOFILE's soft limit, raised at start */
	uint16_t port;	    /* the port listened on */
};

/* What MHD keeps per TCP connection (its socket context). */
struct conn_ctx {
	struct tls_creds *creds;
	char addr[64];
	uint64_t checked_gen; /* the credentials' generation last verified against */
	bool setup_failed;
};

/* ------------------------------------------------------------------ counting */

static struct addr_count *addr_slot(struct server *s, const char *addr, bool create)
{
	for (size_t i = 0; i < s->n_addrs; i++)
		if (strcmp(s->addrs[i].addr, addr) == 0)
			return &s->addrs[i];
	if (!create)
		return NULL;
	if (s->n_addrs == s->cap_addrs) {
		size_t ncap = s->cap_addrs ? s->cap_addrs * 2 : 16;
		struct addr_count *g = realloc(s->addrs, ncap * sizeof(*g));

		if (!g)
			return NULL;
		s->addrs = g;
		s->cap_addrs = ncap;
	}
	snprintf(s->addrs[s->n_addrs].addr, sizeof(s->addrs[0].addr), "%s", addr);
	s->addrs[s->n_addrs].n = 0;
	return &s->addrs[s->n_addrs++];
}

static void addr_text(const struct sockaddr *sa, char *buf, size_t size)
{
	buf[0] = '\0';
	if (!sa)
		return;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, buf,
			  (socklen_t)size);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, buf,
			  (socklen_t)size);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct server *s = cls;
	struct conn_ctx *c = *socket_context;

	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		const union MHD_ConnectionInfo *ci;
		gnutls_session_t session = NULL;

		c = calloc(1, sizeof(*c));
		*socket_context = c;
		if (!c)
			return;
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		addr_text(ci ? ci->client_addr : NULL, c->addr, sizeof(c->addr));
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
		session = ci ? (gnutls_session_t)ci->tls_session : NULL;
		pthread_mutex_lock(&s->lock);
		c->creds = s->creds;
		c->checked_gen = c->creds->generation;
		tls_creds_ref(c->creds);
		s->open++;
		{
			struct addr_count *a = addr_slot(s, c->addr, true);

			if (a)
				a->n++;
		}
		pthread_mutex_unlock(&s->lock);
		/* Before the handshake: strict, with the credentials of this moment. */
		if (!session || auth_session_setup(session, c->creds, s->prio) < 0)
			c->setup_failed = true;
		/* The handshake must end soon; the idle timeout applies after it. */
		MHD_set_connection_option(conn, MHD_CONNECTION_OPTION_TIMEOUT,
					  (unsigned int)s->d->cfg->handshake_timeout_s);
		return;
	}
	if (!c)
		return;
	pthread_mutex_lock(&s->lock);
	s->open--;
	{
		struct addr_count *a = addr_slot(s, c->addr, false);

		if (a && --a->n <= 0) {
			*a = s->addrs[--s->n_addrs];
		}
	}
	pthread_mutex_unlock(&s->lock);
	tls_creds_unref(c->creds);
	free(c);
	*socket_context = NULL;
}

/* 1 when the connection is beyond the caps. */
static int over_caps(struct server *s, const struct conn_ctx *c)
{
	const struct jl_config *cfg = s->d->cfg;
	struct addr_count *a;
	int over;

	pthread_mutex_lock(&s->lock);
	a = addr_slot(s, c->addr, false);
	over = s->open > cfg->max_connections		     ? 1
	       : a && a->n > cfg->max_connections_per_client ? 2
							     : 0;
	pthread_mutex_unlock(&s->lock);
	return over;
}

void server_limits(struct server *s, int64_t *ret_conn_limit, int64_t *ret_nofile)
{
	*ret_conn_limit = s->conn_limit;
	*ret_nofile = s->nofile;
}

int server_recheck_peer(struct server *s, struct MHD_Connection *conn, struct joblet_error **err)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	struct conn_ctx *c = ci ? ci->socket_context : NULL;
	struct joblet_error *e = NULL;
	struct tls_creds *now;
	uint64_t gen;
	int r;

	if (!c)
		return joblet_error_set(err, JOBLET_E_PERMISSION, 0, "not a TLS connection");
	/* The common case: no reload since the last check, nothing to do. */
	pthread_mutex_lock(&s->lock);
	now = s->creds;
	gen = now->generation;
	if (gen != c->checked_gen)
		tls_creds_ref(now);
	pthread_mutex_unlock(&s->lock);
	if (gen == c->checked_gen)
		return 0;
	ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	r = auth_peer_recheck(ci ? (gnutls_session_t)ci->tls_session : NULL, now, &e);
	tls_creds_unref(now);
	if (r < 0) {
		jl_log(JOBLET_LOG_WARNING, NULL, "closing a connection from %s: %s", c->addr,
		       joblet_error_message(e));
		if (err)
			*err = e;
		else
			joblet_error_free(e);
		return r;
	}
	c->checked_gen = gen;
	return 0;
}

void server_counters(struct server *s, int64_t *ret_connections, int64_t ret_status[6])
{
	pthread_mutex_lock(&s->lock);
	*ret_connections = s->open;
	memcpy(ret_status, s->answered, sizeof(s->answered));
	pthread_mutex_unlock(&s->lock);
}

/* ------------------------------------------------------------------ replies */

unsigned int status_for_error(int32_t code)
{
	switch (code) {
	case JOBLET_E_INVALID:
	case JOBLET_E_PARSE:
		return MHD_HTTP_BAD_REQUEST;
	case JOBLET_E_NOT_FOUND:
		return MHD_HTTP_NOT_FOUND;
	case JOBLET_E_PERMISSION:
		return MHD_HTTP_FORBIDDEN;
	case JOBLET_E_EXISTS:
	case JOBLET_E_CONFLICT:
	case JOBLET_E_BUSY:
		return MHD_HTTP_CONFLICT;
	case JOBLET_E_LIMIT:
		return MHD_HTTP_TOO_MANY_REQUESTS;
	case JOBLET_E_UNSUPPORTED:
		return MHD_HTTP_UNPROCESSABLE_CONTENT;
	case JOBLET_E_NETWORK:
	case JOBLET_E_HTTP:
	case JOBLET_E_TIMEOUT:
	case JOBLET_E_CHECKSUM:
	case JOBLET_E_ARCHIVE:
		return MHD_HTTP_BAD_GATEWAY;
	default:
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

static void count_answer(struct request *rq, unsigned int status)
{
	struct server *s = rq->d->server;

	rq->status = (int32_t)status;
	rq->answered = true;
	pthread_mutex_lock(&s->lock);
	if (status / 100 >= 1 && status / 100 <= 5)
		s->answered[status / 100]++;
	pthread_mutex_unlock(&s->lock);
	if (rq->route && (rq->route->flags & ROUTE_MUTATING))
		server_audit(rq);
}

static int queue(struct request *rq, unsigned int status, struct MHD_Response *resp)
{
	enum MHD_Result r;

	if (!resp)
		return MHD_NO;
	count_answer(rq, status);
	r = MHD_queue_response(rq->conn, status, resp);
	MHD_destroy_response(resp);
	return r;
}

static struct MHD_Response *json_response(const char *json, size_t len)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)json, MHD_RESPMEM_MUST_COPY);

	if (resp) {
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	}
	return resp;
}

int reply_text(struct request *rq, unsigned int status, const char *content_type, const char *text,
	       size_t len)
{
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)text, MHD_RESPMEM_MUST_COPY);

	if (resp)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
	return queue(rq, status, resp);
}

int reply_json(struct request *rq, unsigned int status, const char *json)
{
	return queue(rq, status, json_response(json, strlen(json)));
}

int reply_obj(struct request *rq, unsigned int status, json_object *o)
{
	const char *text = json_object_to_json_string_ext(
		o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	int r = text ? reply_json(rq, status, text) : MHD_NO;

	json_object_put(o);
	return r;
}

static int reply_error_v(struct request *rq, unsigned int status, int32_t code, const char *fmt,
			 va_list ap)
{
	json_object *o = json_object_new_object(), *e = json_object_new_object();
	struct MHD_Response *resp;
	char msg[2048];
	const char *text;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	free(rq->message);
	rq->message = strdup(msg);
	json_object_object_add(e, "code", json_object_new_string(jl_error_code_name(code)));
	json_object_object_add(e, "message", json_object_new_string(msg));
	json_object_object_add(o, "error", e);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	resp = text ? json_response(text, strlen(text)) : NULL;
	json_object_put(o);
	if (resp && status == MHD_HTTP_TOO_MANY_REQUESTS)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "1");
	else if (resp && status == MHD_HTTP_SERVICE_UNAVAILABLE)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, "2");
	/* Refused at the door: the socket goes at once rather than idling on. */
	if (resp && rq->close)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
	/* A body not read yet: MHD closes the connection after this answer. */
	return queue(rq, status, resp);
}

int reply_error(struct request *rq, unsigned int status, int32_t code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = reply_error_v(rq, status, code, fmt, ap);
	va_end(ap);
	return r;
}

int reply_joblet_error(struct request *rq, const struct joblet_error *e)
{
	int32_t code = e ? e->code : JOBLET_E_INTERNAL;

	return reply_error(rq, status_for_error(code), code, "%s", joblet_error_message(e));
}

int reply_result(struct request *rq, int r, struct joblet_error *e, char *json)
{
	int x;

	if (r < 0) {
		x = reply_joblet_error(rq, e);
		joblet_error_free(e);
		return x;
	}
	x = reply_json(rq, MHD_HTTP_OK, json);
	free(json);
	return x;
}

int reply_stream(struct request *rq, MHD_ContentReaderCallback reader, void *cls,
		 MHD_ContentReaderFreeCallback free_cb)
{
	struct MHD_Response *resp = MHD_create_response_from_callback(
		MHD_SIZE_UNKNOWN, STREAM_BLOCK, reader, cls, free_cb);

	if (!resp) {
		free_cb(cls);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/event-stream");
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	/* Streams end on their own schedule; silence is bridged by heartbeats. */
	MHD_set_connection_option(rq->conn, MHD_CONNECTION_OPTION_TIMEOUT, 0);
	return queue(rq, MHD_HTTP_OK, resp);
}

const char *request_path_tail(const struct request *rq)
{
	const char *p = rq->route ? rq->route->pattern : "", *u = rq->path ? rq->path : "";

	while (*p && *u) {
		if (!strcmp(p, "{*}"))
			break;
		if (p[0] == '{' && p[1] == '}') {
			u += strcspn(u, "/");
			p += 2;
			continue;
		}
		p++;
		u++;
	}
	while (*u == '/')
		u++;
	return u;
}

int reply_response(struct request *rq, unsigned int status, struct MHD_Response *resp)
{
	return queue(rq, status, resp);
}

const char *request_query(struct request *rq, const char *key)
{
	return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key);
}

bool request_query_flag(struct request *rq, const char *key, bool is_true)
{
	const char *v = request_query(rq, key);

	return v &&
	       (strcmp(v, is_true ? "1" : "0") == 0 || strcmp(v, is_true ? "true" : "false") == 0);
}

const char *request_header(struct request *rq, const char *name)
{
	return MHD_lookup_connection_value(rq->conn, MHD_HEADER_KIND, name);
}

/* At most 1 MiB, and never past what body_data() reads of a refused body. */
bool request_read_before_refusal(struct request *rq, int64_t len)
{
	int64_t most = 4 * rq->d->cfg->max_request_bytes;

	return len >= 0 && len <= (most < (1 << 20) ? most : (1 << 20)) &&
	       !request_header(rq, "Expect");
}

const char *request_job_owner(const struct request *rq)
{
	return auth_job_scope(&rq->who, !rq->route || (rq->route->flags & ROUTE_MUTATING));
}

int request_job(struct request *rq)
{
	struct joblet_error *e = NULL;

	if (store_job_resolve(rq->d->store, rq->arg ? rq->arg : "", request_job_owner(rq),
			      rq->target, &e) < 0) {
		reply_joblet_error(rq, e);
		joblet_error_free(e);
		return -1;
	}
	return 0;
}

json_object *request_json(struct request *rq)
{
	struct json_tokener *tok;
	json_object *o;

	if (rq->body_len == 0) {
		reply_error(rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
			    "the request needs a JSON object as its body");
		return NULL;
	}
	if (memchr(rq->body, '\0', rq->body_len)) {
		reply_error(rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_PARSE, "the body holds a NUL byte");
		return NULL;
	}
	tok = json_tokener_new_ex(64);
	if (!tok) {
		reply_error(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, JOBLET_E_NOMEM, "out of memory");
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, rq->body, (int)rq->body_len);
	if (!o || json_tokener_get_error(tok) != json_tokener_success ||
	    json_tokener_get_parse_end(tok) != rq->body_len) {
		enum json_tokener_error je = json_tokener_get_error(tok);

		reply_error(rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_PARSE,
			    "the body is not valid JSON: %s at byte %zu",
			    je == json_tokener_success ? "more than one value"
						       : json_tokener_error_desc(je),
			    json_tokener_get_parse_end(tok));
		json_object_put(o);
		json_tokener_free(tok);
		return NULL;
	}
	json_tokener_free(tok);
	/* Parsed: the text is not needed any more, and may be large. */
	free(rq->body);
	rq->body = NULL;
	rq->body_len = rq->body_cap = 0;
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		reply_error(rq, MHD_HTTP_BAD_REQUEST, JOBLET_E_INVALID,
			    "the body must be a JSON object");
		return NULL;
	}
	return o;
}

void server_audit(struct request *rq)
{
	struct audit_entry a = {
		.cn = rq->who.cn[0] ? rq->who.cn : NULL,
		.serial = rq->who.serial[0] ? rq->who.serial : NULL,
		.role = role_name(rq->who.role),
		.method = rq->method,
		.path = rq->path ? rq->path : "",
		.target = rq->target[0] ? rq->target : NULL,
		.status = rq->status,
		.message = rq->message,
	};
	struct joblet_error *e = NULL;

	jl_log(JOBLET_LOG_INFO, NULL, "audit: %s %s -> %d by cn=`%s` serial=%s role=%s%s%s%s%s",
	       a.method, a.path, a.status, a.cn ? a.cn : "", a.serial ? a.serial : "-", a.role,
	       a.target ? " target=" : "", a.target ? a.target : "", a.message ? ": " : "",
	       a.message ? a.message : "");
	if (store_audit(rq->d->store, &a, &e) < 0) {
		jl_log(JOBLET_LOG_ERROR, NULL, "%s", joblet_error_message(e));
		joblet_error_free(e);
	}
}

/* ------------------------------------------------------------------ routing */

/*
 * Match path against pattern; *ret_arg gets the {} segment (new string).
 * A pattern ending in `{*}` takes the rest of the path: nothing, or `/`
 * and anything (request_path_tail()).
 */
static bool route_match(const char *pattern, const char *path, char **ret_arg)
{
	const char *p = pattern, *u = path;

	*ret_arg = NULL;
	while (*p) {
		if (!strcmp(p, "{*}") && (*u == '\0' || *u == '/'))
			return true;
		if (!*u)
			break;
		if (p[0] == '{' && p[1] == '}') {
			size_t n = strcspn(u, "/");

			if (n == 0)
				return false;
			free(*ret_arg);
			*ret_arg = strndup(u, n);
			u += n;
			p += 2;
			continue;
		}
		if (*p != *u)
			break;
		p++;
		u++;
	}
	if (*p || *u) {
		free(*ret_arg);
		*ret_arg = NULL;
		return false;
	}
	return true;
}

const struct route *server_route_find(const struct route *routes, const char *method,
				      const char *path, char **ret_arg, unsigned int *ret_status,
				      char *allow, size_t allow_size)
{
	const struct route *found = NULL;

	allow[0] = '\0';
	*ret_status = MHD_HTTP_NOT_FOUND;
	for (const struct route *r = routes; r->method; r++) {
		char *arg = NULL;

		if (!route_match(r->pattern, path, &arg))
			continue;
		if (strcmp(r->method, method) == 0 && !found) {
			found = r;
			free(*ret_arg);
			*ret_arg = arg;
			continue;
		}
		free(arg);
		*ret_status = MHD_HTTP_METHOD_NOT_ALLOWED;
		if (strlen(allow) + strlen(r->method) + 3 < allow_size)
			snprintf(allow + strlen(allow), allow_size - strlen(allow), "%s%s",
				 allow[0] ? ", " : "", r->method);
	}
	return found;
}

static int start_request(struct server *s, struct request *rq, const char *url, const char *method,
			 struct conn_ctx *c)
{
	const union MHD_ConnectionInfo *ci;
	struct joblet_error *e = NULL;
	unsigned int status;
	char allow[64];
	const char *cl;
	int over;

	snprintf(rq->method, sizeof(rq->method), "%s", method);
	rq->path = strdup(url);
	if (!rq->path)
		return MHD_NO;
	MHD_set_connection_option(rq->conn, MHD_CONNECTION_OPTION_TIMEOUT,
				  (unsigned int)s->d->cfg->idle_timeout_s);
	ci = MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (!c || c->setup_failed ||
	    auth_peer(ci ? (gnutls_session_t)ci->tls_session : NULL, &rq->who, &e) < 0) {
		/* The handshake should have refused this peer; never serve it. */
		jl_log(JOBLET_LOG_WARNING, NULL, "refused a request from %s: %s", c ? c->addr : "?",
		       e ? joblet_error_message(e) : "TLS setup failed");
		joblet_error_free(e);
		return MHD_NO;
	}
	rq->route =
		server_route_find(s->routes, method, url, &rq->arg, &status, allow, sizeof(allow));
	if (server_recheck_peer(s, rq->conn, &e) < 0) {
		rq->close = true;
		over = reply_error(
			rq, MHD_HTTP_FORBIDDEN, JOBLET_E_PERMISSION,
			"%s; the daemon's credentials were reloaded since this connection was opened and refuse `%s` now: ask the CA's operator for a new client certificate",
			joblet_error_message(e), rq->who.cn);
		joblet_error_free(e);
		return over;
	}
	over = over_caps(s, c);
	rq->close = over != 0;
	if (over)
		return reply_error(
			rq, MHD_HTTP_TOO_MANY_REQUESTS, JOBLET_E_LIMIT,
			over == 1
				? "the daemon has %lld connections open (server.max_connections); try again shortly"
				: "%lld connections from your address are open (server.max_connections_per_client); close some or reuse one",
			(long long)(over == 1 ? s->d->cfg->max_connections
					      : s->d->cfg->max_connections_per_client));
	if (!rq->route) {
		if (status == MHD_HTTP_METHOD_NOT_ALLOWED) {
			int r = reply_error(rq, status, JOBLET_E_INVALID,
					    "`%s` does not take %s; it takes %s", url, method,
					    allow);

			return r;
		}
		return reply_error(rq, MHD_HTTP_NOT_FOUND, JOBLET_E_NOT_FOUND,
				   "no such API route `%s %s`; see docs/api.md", method, url);
	}
	if (rq->who.role == ROLE_NONE)
		return reply_error(
			rq, MHD_HTTP_FORBIDDEN, JOBLET_E_PERMISSION,
			"the client certificate of `%s` names no role: its OU must be admin, maintainer, developer or reader",
			rq->who.cn);
	if (rq->who.role < rq->route->min_role)
		return reply_error(rq, MHD_HTTP_FORBIDDEN, JOBLET_E_PERMISSION,
				   "role %s may not %s %s; it needs %s or above",
				   role_name(rq->who.role), method, rq->route->pattern,
				   role_name(rq->route->min_role));
	cl = request_header(rq, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl) {
		char *end;
		unsigned long long n = strtoull(cl, &end, 10);

		if (!*end && n > (unsigned long long)s->d->cfg->max_request_bytes &&
		    request_read_before_refusal(rq, (int64_t)n)) {
			rq->too_big = true; /* read on, answered at its end */
			return MHD_YES;
		}
		if (*end || n > (unsigned long long)s->d->cfg->max_request_bytes)
			return reply_error(
				rq, MHD_HTTP_CONTENT_TOO_LARGE, JOBLET_E_LIMIT,
				"the request body of %s bytes is larger than the %lld allowed (server.max_request_bytes)",
				cl, (long long)s->d->cfg->max_request_bytes);
	}
	return s->d->body->start(rq);
}

/*
 * n bytes of rq's body: spooled (multipart) or held in memory (bounded by
 * server.max_request_bytes and the in-memory budget).  A body past a limit
 * is read on and dropped, up to 4 times the limit, and answered at its end.
 */
static int body_data(struct server *s, struct request *rq, const char *data, size_t n)
{
	const char *cl;

	rq->seen += n;
	if (rq->too_big || rq->refused)
		return rq->seen > 4 * (size_t)s->d->cfg->max_request_bytes ? MHD_NO : MHD_YES;
	if (rq->seen > (size_t)s->d->cfg->max_request_bytes) {
		/* Chunked and too big: nothing of it is kept. */
		rq->too_big = true;
		free(rq->body);
		rq->body = NULL;
		rq->body_len = rq->body_cap = 0;
		s->d->body->end(rq);
		return MHD_YES;
	}
	if (rq->ups) {
		s->d->body->feed(rq, data, n);
		return MHD_YES;
	}
	cl = request_header(rq, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (!cl && (rq->refused = s->d->body->grow(rq, n))) {
		free(rq->body);
		rq->body = NULL;
		rq->body_len = rq->body_cap = 0;
		return MHD_YES;
	}
	if (rq->body_len + n + 1 > rq->body_cap) {
		/* The announced length at once: one allocation, no doubling. */
		size_t ncap = cl ? (size_t)strtoull(cl, NULL, 10) + 1 : 0;
		char *g;

		if (ncap < rq->body_len + n + 1)
			ncap = rq->body_cap ? rq->body_cap : 4096;
		while (ncap < rq->body_len + n + 1)
			ncap *= 2;
		g = realloc(rq->body, ncap);
		if (!g)
			return MHD_NO;
		rq->body = g;
		rq->body_cap = ncap;
	}
	memcpy(rq->body + rq->body_len, data, n);
	rq->body_len += n;
	rq->body[rq->body_len] = '\0';
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct server *s = cls;
	struct request *rq = *con_cls;

	(void)version;
	if (!rq) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		rq->d = s->d;
		rq->conn = conn;
		return (enum MHD_Result)start_request(s, rq, url, method,
						      ci ? ci->socket_context : NULL);
	}
	if (rq->answered) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		size_t n = *upload_data_size;

		*upload_data_size = 0;
		return (enum MHD_Result)body_data(s, rq, upload_data, n);
	}
	if (rq->too_big)
		return (enum MHD_Result)reply_error(
			rq, MHD_HTTP_CONTENT_TOO_LARGE, JOBLET_E_LIMIT,
			"the request body is larger than the %lld bytes allowed (server.max_request_bytes)",
			(long long)s->d->cfg->max_request_bytes);
	if (rq->refused)
		return (enum MHD_Result)s->d->body->refusal(rq, rq->refused);
	{
		int r = rq->ups ? s->d->body->finish(rq) : rq->route->handler(rq);

		/* The body is used up: a stream that goes on (an install) holds no share. */
		s->d->body->end(rq);
		return (enum MHD_Result)r;
	}
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct server *s = cls;
	struct request *rq = *con_cls;

	(void)conn;
	(void)toe;
	if (!rq)
		return;
	s->d->body->end(rq);
	free(rq->path);
	free(rq->arg);
	free(rq->body);
	free(rq->message);
	free(rq);
	*con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	/* Refused handshakes land here too: worth a line, not an alarm. */
	jl_log(JOBLET_LOG_DEBUG, NULL, "http: %s", msg);
}

/* ------------------------------------------------------------------ life cycle */

static int listen_address(const char *address, struct sockaddr_storage *ret, socklen_t *ret_len,
			  bool *ret_v6, struct joblet_error **err)
{
	char host[256];
	const char *colon, *port, *h = address;
	size_t hl;
	struct addrinfo hints = { 0 }, *ai = NULL;
	int r;

	if (address[0] == '[') {
		const char *close = strchr(address, ']');

		h = address + 1;
		hl = close ? (size_t)(close - h) : 0;
		port = close ? close + 2 : "";
	} else {
		colon = strrchr(address, ':');
		hl = colon ? (size_t)(colon - address) : 0;
		port = colon ? colon + 1 : "";
	}
	snprintf(host, sizeof(host), "%.*s", (int)hl, h);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	r = getaddrinfo(host, port, &hints, &ai);
	if (r != 0 || !ai)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"server.address `%s` cannot be used: %s; give an address of this host (0.0.0.0:50051, 127.0.0.1:50051, [::]:50051)",
			address, gai_strerror(r));
	memcpy(ret, ai->ai_addr, ai->ai_addrlen);
	*ret_len = ai->ai_addrlen;
	*ret_v6 = ai->ai_family == AF_INET6;
	freeaddrinfo(ai);
	return 0;
}

/*
 * How many connections MHD may hold: RLIMIT_NOFILE's soft limit raised to
 * its hard limit, less FD_RESERVE, and at most max_connections plus its
 * answer headroom (each connection is a thread).  Past it MHD closes new
 * connections unanswered; below it every refused request gets its 429.
 */
static void conn_limit(struct server *s, const struct jl_config *cfg)
{
	struct rlimit rl;
	int64_t headroom =
		cfg->max_connections > ANSWER_HEADROOM ? cfg->max_connections : ANSWER_HEADROOM;
	int64_t want = cfg->max_connections + headroom, fds;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		rl.rlim_cur = rl.rlim_max = 1024;
	if (rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
			(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	s->nofile = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (rlim_t)INT32_MAX
			    ? (int64_t)INT32_MAX
			    : (int64_t)rl.rlim_cur;
	fds = s->nofile > FD_RESERVE + 16 ? s->nofile - FD_RESERVE : 16;
	s->conn_limit = want < fds ? want : fds;
	jl_log(JOBLET_LOG_INFO, NULL,
	       "accepting up to %lld connections (RLIMIT_NOFILE %lld, %d kept for jobs, logs, the database and plugins); past server.max_connections (%lld) or server.max_connections_per_client (%lld) a request gets 429",
	       (long long)s->conn_limit, (long long)s->nofile, FD_RESERVE,
	       (long long)cfg->max_connections, (long long)cfg->max_connections_per_client);
	if (s->conn_limit <= cfg->max_connections)
		jl_log(JOBLET_LOG_WARNING, NULL,
		       "RLIMIT_NOFILE %lld allows only %lld connections, not more than server.max_connections (%lld): connections past it are closed without an answer; raise the open-file limit (LimitNOFILE= in joblet.service, ulimit -n) or lower server.max_connections",
		       (long long)s->nofile, (long long)s->conn_limit,
		       (long long)cfg->max_connections);
}

int server_start(struct daemon_ctx *d, const struct route *routes, struct server **ret,
		 struct joblet_error **err)
{
	const struct jl_config *cfg = d->cfg;
	struct server *s = calloc(1, sizeof(*s));
	struct sockaddr_storage sa;
	socklen_t sa_len;
	bool v6 = false;
	unsigned int flags;
	int r;

	if (!s)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot start the API server");
	s->d = d;
	s->routes = routes;
	pthread_mutex_init(&s->lock, NULL);
	if ((r = listen_address(cfg->server_address, &sa, &sa_len, &v6, err)) < 0 ||
	    (r = tls_creds_load(cfg, &s->creds, err)) < 0)
		goto fail;
	if (gnutls_priority_init(&s->prio, tls_priorities(cfg->tls_min_version), NULL) < 0) {
		r = joblet_error_set(err, JOBLET_E_INTERNAL, 0, "GnuTLS rejects our priorities");
		goto fail;
	}
	conn_limit(s, cfg);
	flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS |
		MHD_USE_POLL | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	if (v6)
		flags |= MHD_USE_IPv6;
	s->mhd = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
		MHD_OPTION_HTTPS_MEM_KEY, s->creds->key_pem, MHD_OPTION_HTTPS_MEM_CERT,
		s->creds->cert_pem, MHD_OPTION_HTTPS_MEM_TRUST, s->creds->ca_pem,
		MHD_OPTION_HTTPS_PRIORITIES, tls_priorities(cfg->tls_min_version),
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_NOTIFY_COMPLETED,
		on_completed, s, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)cfg->idle_timeout_s,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned int)s->conn_limit,
		MHD_OPTION_THREAD_STACK_SIZE, (size_t)THREAD_STACK, MHD_OPTION_EXTERNAL_LOGGER,
		mhd_log, NULL, MHD_OPTION_LISTEN_BACKLOG_SIZE, 512u, MHD_OPTION_END);
	if (!s->mhd) {
		r = joblet_error_set(
			err, JOBLET_E_SYSTEM, errno,
			"cannot listen on server.address `%s`%s; is another daemon using the port? (the daemon log above may say more)",
			cfg->server_address, errno == EACCES ? " (permission denied)" : "");
		goto fail;
	}
	{
		const union MHD_DaemonInfo *di =
			MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
		char shown[300];
		const char *colon = strrchr(cfg->server_address, ':');

		/* Port 0 asks for any free port: say which one it is. */
		snprintf(shown, sizeof(shown), "%.*s:%u", (int)(colon - cfg->server_address),
			 cfg->server_address, di ? (unsigned)di->port : 0u);
		s->port = di ? di->port : 0;
		jl_log(JOBLET_LOG_INFO, NULL,
		       "API on https://%s (TLS %s1.3, client certificates from `%s`); server certificate %s",
		       shown, cfg->tls_min_version == 12 ? "1.2 and " : "", cfg->tls_client_ca,
		       s->creds->summary);
	}
	*ret = s;
	return 0;
fail:
	server_stop(s);
	return r;
}

int server_reload_tls(struct server *s, const struct jl_config *cfg, struct joblet_error **err)
{
	struct tls_creds *fresh = NULL, *old;
	int r = tls_creds_load(cfg, &fresh, err);

	if (r < 0)
		return r;
	pthread_mutex_lock(&s->lock);
	old = s->creds;
	s->creds = fresh;
	pthread_mutex_unlock(&s->lock);
	tls_creds_unref(old);
	jl_log(JOBLET_LOG_INFO, NULL, "TLS credentials reloaded: server certificate %s",
	       fresh->summary);
	return 0;
}

void server_stop(struct server *s)
{
	if (!s)
		return;
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	if (s->prio)
		gnutls_priority_deinit(s->prio);
	tls_creds_unref(s->creds);
	free(s->addrs);
	pthread_mutex_destroy(&s->lock);
	free(s);
}
