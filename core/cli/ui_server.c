/*
 * ui_server.c - the local web server of `rnx ui`: listening, connections,
 * the token, static pages (see ui_server.h for the rules).
 */
#include <config.h>

#include <arpa/inet.h>
#include <errno.h>
#include <json.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "ui_assets.h"
#include "ui_server.h"

#define POOL_MAX      8
#define IO_TIMEOUT_S  30
#define STOP_WAIT_S   5
#define COOKIE_PREFIX "rnx_ui_"

/* Every answer's security headers (ui_server.h). */
#define SECURITY_HEADERS                                                                           \
	"Content-Security-Policy: default-src 'self'; object-src 'none'; base-uri 'none'; "        \
	"form-action 'self'; frame-ancestors 'none'\r\n"                                           \
	"X-Content-Type-Options: nosniff\r\n"                                                      \
	"X-Frame-Options: DENY\r\n"                                                                \
	"Referrer-Policy: no-referrer\r\n"                                                         \
	"Cross-Origin-Opener-Policy: same-origin\r\n"                                              \
	"Cross-Origin-Resource-Policy: same-origin\r\n"                                            \
	"Cache-Control: no-store\r\n"

struct ui_server {
	struct ui_options opt;
	char *node;
	int lfd;
	uint16_t port;
	char token[UI_TOKEN_HEX + 1];
	char url[128];
	char cookie_name[32];
	char host_ip[32], host_name[32]; /* the two Host values taken */

	pthread_mutex_t lock; /* the pool, the connections, rnx_api open and free */
	pthread_cond_t idle;  /* signalled when a connection ends */
	struct rnx_api *pool[POOL_MAX];
	unsigned pooled;
	int fds[UI_MAX_CONNECTIONS]; /* open connections, -1 free */
	unsigned active;
	atomic_int streams;
	atomic_int stopping;
};

/* ------------------------------------------------------------------ answers */

int ui_write(struct ui_conn *c, const void *p, size_t n, int more)
{
	const char *b = p;

	while (n > 0) {
		ssize_t w = send(c->fd, b, n, MSG_NOSIGNAL | (more ? MSG_MORE : 0));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			c->close = 1;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_head(struct ui_conn *c, int status, const char *type, const char *extra,
		     long long length, int more)
{
	char head[2048], len[48] = "", ctype[160] = "";
	int n;

	if (length >= 0)
		snprintf(len, sizeof(len), "Content-Length: %lld\r\n", length);
	if (type)
		snprintf(ctype, sizeof(ctype), "Content-Type: %s\r\n", type);
	n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\n%s%s%s%sConnection: %s\r\n\r\n", status,
		     ui_http_reason(status), ctype, len, SECURITY_HEADERS, extra ? extra : "",
		     c->close ? "close" : "keep-alive");
	if (n < 0 || (size_t)n >= sizeof(head)) {
		c->close = 1;
		return -1;
	}
	return ui_write(c, head, (size_t)n, more);
}

int ui_send(struct ui_conn *c, int status, const char *type, const char *extra, const void *body,
	    size_t len)
{
	int head_only = strcmp(c->rq.method, "HEAD") == 0;

	if (!c->rq.keep_alive)
		c->close = 1;
	if (send_head(c, status, type, extra, (long long)len, len > 0 && !head_only) < 0)
		return -1;
	return head_only || len == 0 ? 0 : ui_write(c, body, len, 0);
}

int ui_send_stream_head(struct ui_conn *c, const char *type)
{
	c->close = 1;
	return send_head(c, 200, type, "X-Accel-Buffering: no\r\n", -1, 0);
}

int ui_send_error(struct ui_conn *c, int status, const char *code, const char *message)
{
	json_object *o = json_object_new_object(), *e = json_object_new_object();
	const char *text;
	int r;

	json_object_object_add(e, "code", json_object_new_string(code));
	json_object_object_add(e, "message", json_object_new_string(message));
	json_object_object_add(o, "error", e);
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
							 JSON_C_TO_STRING_NOSLASHESCAPE);
	r = ui_send(c, status, "application/json", NULL, text, strlen(text));
	json_object_put(o);
	return r;
}

/* A refusal to a person: a line of text (and the connection ends). */
static void refuse(struct ui_conn *c, int status, const char *text)
{
	c->close = 1;
	ui_send(c, status, "text/plain; charset=utf-8", NULL, text, strlen(text));
}

/* ------------------------------------------------------------------ pool and counts */

struct rnx_api *ui_api_take(struct ui_server *s, struct joblet_error **err)
{
	struct rnx_api *api = NULL;

	pthread_mutex_lock(&s->lock);
	if (s->pooled > 0)
		api = s->pool[--s->pooled];
	else if (rnx_api_open(s->opt.config_path, s->opt.node, &api, err) < 0)
		api = NULL;
	pthread_mutex_unlock(&s->lock);
	return api;
}

void ui_api_give(struct ui_server *s, struct rnx_api *api)
{
	if (!api)
		return;
	rnx_api_set_watch(api, NULL, NULL);
	pthread_mutex_lock(&s->lock);
	if (s->pooled < POOL_MAX)
		s->pool[s->pooled++] = api;
	else
		rnx_api_free(api);
	pthread_mutex_unlock(&s->lock);
}

int ui_stream_enter(struct ui_server *s)
{
	if (atomic_fetch_add(&s->streams, 1) >= UI_MAX_STREAMS) {
		atomic_fetch_sub(&s->streams, 1);
		return -1;
	}
	return 0;
}

void ui_stream_leave(struct ui_server *s)
{
	atomic_fetch_sub(&s->streams, 1);
}

int ui_server_stopping(struct ui_server *s)
{
	return atomic_load(&s->stopping);
}

/* ------------------------------------------------------------------ a request */

static int host_ok(const struct ui_server *s, const char *host)
{
	return host && (strcmp(host, s->host_ip) == 0 || strcmp(host, s->host_name) == 0);
}

/* The page's own origin: http:// and the Host it was asked as. */
static int origin_ok(const struct ui_conn *c)
{
	const char *o = c->rq.origin;

	return strncmp(o, "http://", 7) == 0 && strcmp(o + 7, c->rq.host) == 0;
}

static int token_is(const struct ui_server *s, const char *t)
{
	return strlen(t) == UI_TOKEN_HEX && ui_http_same(t, s->token, UI_TOKEN_HEX);
}

/* 2 when the request carries the token as a Bearer, 1 as the cookie, else 0. */
static int authorized(const struct ui_conn *c)
{
	char v[UI_TOKEN_HEX + 2];
	const char *a = c->rq.authorization;

	if (a && strncmp(a, "Bearer ", 7) == 0 && token_is(c->srv, a + 7))
		return 2;
	if (ui_http_cookie(c->rq.cookie, c->srv->cookie_name, v, sizeof(v)) == 0 &&
	    token_is(c->srv, v))
		return 1;
	return 0;
}

/* GET /?token=T: the cookie, and away with the token from the address. */
static void login(struct ui_conn *c, const char *t)
{
	char extra[256];

	if (!token_is(c->srv, t)) {
		refuse(c, 401,
		       "rnx ui: this token is not the one `rnx ui` printed; open the address it printed, or run `rnx ui` again for a new one.\n");
		return;
	}
	snprintf(extra, sizeof(extra),
		 "Set-Cookie: %s=%s; Path=/; HttpOnly; SameSite=Strict\r\nLocation: /\r\n",
		 c->srv->cookie_name, c->srv->token);
	ui_send(c, 303, NULL, extra, NULL, 0);
}

static void serve_asset(struct ui_conn *c)
{
	const char *path = strcmp(c->rq.path, "/") == 0 ? "/index.html" : c->rq.path;

	if (strcmp(c->rq.method, "GET") != 0 && strcmp(c->rq.method, "HEAD") != 0) {
		ui_send(c, 405, "text/plain; charset=utf-8", "Allow: GET, HEAD\r\n",
			"only GET and HEAD here\n", 23);
		return;
	}
	for (const struct ui_asset *a = ui_assets; a->path; a++)
		if (strcmp(a->path, path) == 0) {
			ui_send(c, 200, a->type, NULL, a->data, a->len);
			return;
		}
	ui_send(c, 404, "text/plain; charset=utf-8", NULL, "no such page\n", 13);
}

static void handle(struct ui_conn *c)
{
	struct ui_server *s = c->srv;
	char t[UI_TOKEN_HEX + 2];
	int auth;

	if (!host_ok(s, c->rq.host)) {
		char msg[256];

		snprintf(
			msg, sizeof(msg),
			"rnx ui: this dashboard answers only as %s or %s; open the address `rnx ui` printed.\n",
			s->host_ip, s->host_name);
		refuse(c, 421, msg);
		return;
	}
	if (c->rq.origin && !origin_ok(c)) {
		refuse(c, 403,
		       "rnx ui: a request from another site (Origin) is refused; use the dashboard's own page.\n");
		return;
	}
	if (strcmp(c->rq.path, "/") == 0 &&
	    ui_http_query(c->rq.query, "token", t, sizeof(t)) == 0) {
		login(c, t);
		return;
	}
	auth = authorized(c);
	if (!auth) {
		if (strncmp(c->rq.path, "/api/", 5) == 0) {
			c->close = 1;
			ui_send_error(
				c, 401, "permission",
				"this dashboard needs its token: open the address `rnx ui` printed (http://127.0.0.1:PORT/?token=...)");
		} else {
			refuse(c, 401,
			       "rnx ui: this dashboard needs its token; open the address `rnx ui` printed (http://127.0.0.1:PORT/?token=...), or run `rnx ui` again.\n");
		}
		return;
	}
	/* A change made with the cookie must come from the page itself. */
	if (auth == 1 && !c->rq.origin && strcmp(c->rq.method, "GET") != 0 &&
	    strcmp(c->rq.method, "HEAD") != 0) {
		refuse(c, 403,
		       "rnx ui: a request that changes something needs the page's Origin header; use the dashboard's page, or send `Authorization: Bearer TOKEN`.\n");
		return;
	}
	if (strncmp(c->rq.path, "/api/", 5) == 0)
		s->opt.api(c);
	else
		serve_asset(c);
}

/* ------------------------------------------------------------------ a connection */

/*
 * Read the next request into c: 0 with c->rq, c->body set; 1 when the
 * browser closed the connection (or went quiet) between requests; -1 when
 * the request was refused (answered) or the connection broke.
 */
static int read_request(struct ui_conn *c)
{
	const char *why;
	size_t head = 0, need;
	int status;

	while (!(head = ui_http_head_end(c->buf, c->len))) {
		ssize_t n;

		if (c->len >= UI_HTTP_MAX_HEAD) {
			refuse(c, 431, "rnx ui: the request head is too large.\n");
			return -1;
		}
		n = recv(c->fd, c->buf + c->len, UI_HTTP_MAX_HEAD - c->len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return c->len == 0 ? 1 : -1;
		c->len += (size_t)n;
	}
	memset(&c->rq, 0, sizeof(c->rq));
	status = ui_http_parse_head(c->buf, head, &c->rq, &why);
	if (status) {
		char msg[256];

		snprintf(msg, sizeof(msg), "rnx ui: refused: %s.\n", why);
		c->rq.keep_alive = 0;
		refuse(c, status, msg);
		return -1;
	}
	need = head + c->rq.content_length;
	while (c->len < need) {
		ssize_t n = recv(c->fd, c->buf + c->len, need - c->len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c->len += (size_t)n;
	}
	c->body = c->buf + head;
	c->body_len = c->rq.content_length;
	return 0;
}

static void conn_register(struct ui_server *s, int fd, int on)
{
	pthread_mutex_lock(&s->lock);
	for (unsigned i = 0; i < UI_MAX_CONNECTIONS; i++)
		if (s->fds[i] == (on ? -1 : fd)) {
			s->fds[i] = on ? fd : -1;
			break;
		}
	pthread_mutex_unlock(&s->lock);
}

static void *conn_main(void *arg)
{
	struct ui_conn *c = arg;
	struct ui_server *s = c->srv;
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
	int one = 1;

	/* Failing options only lose a timeout or a delay: the connection still works. */
	(void)setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	(void)setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	while (!c->close && !ui_server_stopping(s)) {
		size_t used;

		if (read_request(c) != 0)
			break;
		handle(c);
		if (!c->rq.keep_alive)
			break;
		/* Keep what the browser sent after this request (pipelining). */
		used = (size_t)(c->body - c->buf) + c->body_len;
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
	}
	conn_register(s, c->fd, 0);
	close(c->fd);
	free(c);
	pthread_mutex_lock(&s->lock);
	s->active--;
	pthread_cond_broadcast(&s->idle);
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void accept_one(struct ui_server *s)
{
#define BUSY_TEXT "rnx ui: too many connections at once; close some tabs and try again\n"
	static const char busy[] =
		"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
		"Retry-After: 1\r\nConnection: close\r\n\r\n" BUSY_TEXT;
	struct ui_conn *c;
	pthread_attr_t attr;
	pthread_t t;
	int fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0) {
		/* Out of descriptors: the pending connection waits; do not spin on it. */
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
			nanosleep(&(struct timespec){ .tv_nsec = 100 * 1000 * 1000 }, NULL);
		return;
	}
	pthread_mutex_lock(&s->lock);
	if (s->active >= UI_MAX_CONNECTIONS) {
		pthread_mutex_unlock(&s->lock);
		/* Best effort: the connection is closed whatever this does. */
		(void)send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
		close(fd);
		return;
	}
	s->active++;
	pthread_mutex_unlock(&s->lock);
	c = calloc(1, sizeof(*c));
	if (c) {
		c->srv = s;
		c->fd = fd;
		conn_register(s, fd, 1);
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pthread_attr_setstacksize(&attr, 256u << 10);
		if (pthread_create(&t, &attr, conn_main, c) == 0) {
			pthread_attr_destroy(&attr);
			return;
		}
		pthread_attr_destroy(&attr);
		conn_register(s, fd, 0);
		free(c);
	}
	close(fd);
	pthread_mutex_lock(&s->lock);
	s->active--;
	pthread_mutex_unlock(&s->lock);
}

/* ------------------------------------------------------------------ the server */

static int make_token(struct ui_server *s, struct joblet_error **err)
{
	unsigned char raw[UI_TOKEN_HEX / 2];
	size_t got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
						"cannot make the dashboard's token (getrandom)");
		got += (size_t)n;
	}
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(s->token + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

static int listen_on(struct ui_server *s, uint16_t port, struct joblet_error **err)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	socklen_t alen = sizeof(a);
	int one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (s->lfd < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "cannot make a socket");
	/* Without it a restart waits for TIME_WAIT; the bind still says what is wrong. */
	(void)setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(s->lfd, (struct sockaddr *)&a, sizeof(a)) < 0)
		return joblet_error_set(
			err, JOBLET_E_SYSTEM, errno,
			"cannot listen on 127.0.0.1:%u; choose another --port, or leave it out for any free port",
			port);
	if (listen(s->lfd, 64) < 0 || getsockname(s->lfd, (struct sockaddr *)&a, &alen) < 0)
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot listen on 127.0.0.1:%u", port);
	s->port = ntohs(a.sin_port);
	return 0;
}

int ui_server_new(const struct ui_options *o, struct ui_server **ret, struct joblet_error **err)
{
	struct ui_server *s = calloc(1, sizeof(*s));
	struct rnx_api *api = NULL;
	int r;

	if (!s)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot set up the dashboard");
	s->opt = *o;
	s->lfd = -1;
	for (unsigned i = 0; i < UI_MAX_CONNECTIONS; i++)
		s->fds[i] = -1;
	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->idle, NULL);
	/* The configuration is read now, so that a wrong one is said at once. */
	r = rnx_api_open(o->config_path, o->node, &api, err);
	if (r < 0)
		goto fail;
	s->node = strdup(rnx_api_node(api));
	s->pool[s->pooled++] = api;
	r = make_token(s, err);
	if (r == 0)
		r = listen_on(s, o->port, err);
	if (r < 0)
		goto fail;
	snprintf(s->url, sizeof(s->url), "http://127.0.0.1:%u/?token=%s", s->port, s->token);
	snprintf(s->cookie_name, sizeof(s->cookie_name), COOKIE_PREFIX "%u", s->port);
	snprintf(s->host_ip, sizeof(s->host_ip), "127.0.0.1:%u", s->port);
	snprintf(s->host_name, sizeof(s->host_name), "localhost:%u", s->port);
	if (!s->node) {
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot set up the dashboard");
		goto fail;
	}
	*ret = s;
	return 0;
fail:
	ui_server_free(s);
	return r;
}

const char *ui_server_url(const struct ui_server *s)
{
	return s->url;
}

const char *ui_server_node(const struct ui_server *s)
{
	return s->node;
}

int ui_server_run(struct ui_server *s, int stop_fd, struct joblet_error **err)
{
	struct pollfd p[2] = { { .fd = s->lfd, .events = POLLIN },
			       { .fd = stop_fd, .events = POLLIN } };
	struct timespec until;

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			return joblet_error_set(err, JOBLET_E_SYSTEM, errno, "poll");
		}
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN)
			accept_one(s);
	}
	/* Stop: wake every connection's thread and wait for them. */
	atomic_store(&s->stopping, 1);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += STOP_WAIT_S;
	pthread_mutex_lock(&s->lock);
	for (unsigned i = 0; i < UI_MAX_CONNECTIONS; i++)
		if (s->fds[i] >= 0)
			shutdown(s->fds[i], SHUT_RDWR);
	while (s->active > 0 && pthread_cond_timedwait(&s->idle, &s->lock, &until) == 0)
		;
	pthread_mutex_unlock(&s->lock);
	return 0;
}

void ui_server_free(struct ui_server *s)
{
	if (!s)
		return;
	/* Connections still running (a stop that timed out) keep what they use. */
	if (s->active > 0)
		return;
	if (s->lfd >= 0)
		close(s->lfd);
	for (unsigned i = 0; i < s->pooled; i++)
		rnx_api_free(s->pool[i]);
	pthread_mutex_destroy(&s->lock);
	pthread_cond_destroy(&s->idle);
	free(s->node);
	free(s);
}
