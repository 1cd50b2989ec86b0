/*
 * ui_server.h - the local web server of `rnx ui` (docs/ui.md).
 *
 * Private to rnx.  It listens on 127.0.0.1 only, serves the dashboard's
 * pages (ui_assets.h) and relays a fixed set of API calls to the node with
 * the user's own client certificate (ui_proxy.c): the browser needs no
 * certificate, and a random token guards the port.
 *
 *   - The token is 32 random bytes (getrandom), in hex.  GET /?token=T with
 *     the right T sets the cookie rnx_ui_<PORT> (HttpOnly, SameSite=Strict)
 *     and redirects to /, so the token leaves the address bar; every other
 *     request needs that cookie or `Authorization: Bearer T`, compared in
 *     constant time.
 *   - A Host other than 127.0.0.1:PORT or localhost:PORT is refused (a DNS
 *     rebinding page cannot reach the port by another name), and so is an
 *     Origin other than the page's own; a request that changes something
 *     (not GET or HEAD) with the cookie must carry the page's Origin.
 *   - Limits: UI_MAX_CONNECTIONS connections (a thread each), UI_MAX_STREAMS
 *     of them relaying an event stream, the head and body sizes of
 *     ui_http.h, 30 s to send a request or take an answer's bytes.
 *   - Every answer carries Content-Security-Policy (default-src 'self',
 *     frame-ancestors 'none'), X-Content-Type-Options: nosniff,
 *     Referrer-Policy: no-referrer and Cache-Control: no-store.
 *
 * Threads: one per connection; each takes an rnx_api from a small pool for
 * the duration of one call (an rnx_api is not thread-safe), so calls to the
 * node reuse TLS connections.
 */
#ifndef RNX_UI_SERVER_H
#define RNX_UI_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/error.h>

#include "ui_http.h"

#define UI_MAX_CONNECTIONS 64
#define UI_MAX_STREAMS	   32
#define UI_TOKEN_HEX	   64

struct rnx_api;
struct ui_server;
struct ui_conn;

struct ui_options {
	const char *config_path; /* --config, or NULL (borrowed) */
	const char *node;	 /* --node, or NULL (borrowed) */
	uint16_t port;		 /* 0: any free port */
	/* Answers a request under /api/ once it passed the checks: ui_proxy(). */
	void (*api)(struct ui_conn *c);
};

/*
 * Check that the client configuration names a node, make the token and
 * listen on 127.0.0.1:port.  Errors: those of rnx_api_open();
 * JOBLET_E_SYSTEM (the port is taken, no randomness).  Free with
 * ui_server_free().
 */
int ui_server_new(const struct ui_options *o, struct ui_server **ret, struct joblet_error **err);

/* The address to open, with the token: http://127.0.0.1:PORT/?token=T.  Borrowed. */
const char *ui_server_url(const struct ui_server *s);

/* The node the dashboard talks to.  Borrowed. */
const char *ui_server_node(const struct ui_server *s);

/*
 * Serve until stop_fd becomes readable (a signalfd of SIGINT and SIGTERM),
 * then close every connection and wait (5 s at most) for their threads.
 */
int ui_server_run(struct ui_server *s, int stop_fd, struct joblet_error **err);

/* Free s after ui_server_run() returned (or before it ran); NULL is fine. */
void ui_server_free(struct ui_server *s);

/* ------------------------------------------------------------------ for ui_proxy.c */

/* One browser connection and the request it is at. */
struct ui_conn {
	struct ui_server *srv;
	int fd;
	struct ui_request rq;
	const char *body; /* the request body (in buf), body_len bytes */
	size_t body_len;
	int close;  /* close the connection after this answer */
	size_t len; /* bytes in buf */
	char buf[UI_HTTP_MAX_HEAD + UI_HTTP_MAX_BODY];
};

/*
 * Answer with status, Content-Type type (NULL: none), extra header lines
 * (each ending with CRLF; NULL: none) and body; length is the body's.  A
 * HEAD request gets the head only.  0, or -1 when the browser is gone.
 */
int ui_send(struct ui_conn *c, int status, const char *type, const char *extra, const void *body,
	    size_t len);

/*
 * The head of an answer whose body follows until the connection closes
 * (an event stream): status 200, Content-Type type.  0 or -1.
 */
int ui_send_stream_head(struct ui_conn *c, const char *type);

/* Write n bytes to the browser (more: more follow at once).  0 or -1. */
int ui_write(struct ui_conn *c, const void *p, size_t n, int more);

/* A JSON error answer as the daemon writes them: {"error":{"code","message"}}. */
int ui_send_error(struct ui_conn *c, int status, const char *code, const char *message);

/* Take an rnx_api for one call, and give it back after; NULL with *err when none can be had. */
struct rnx_api *ui_api_take(struct ui_server *s, struct joblet_error **err);
void ui_api_give(struct ui_server *s, struct rnx_api *api);

/* Count a stream in (0, or -1 past UI_MAX_STREAMS) and out. */
int ui_stream_enter(struct ui_server *s);
void ui_stream_leave(struct ui_server *s);

/* 1 once the server is stopping: streams end. */
int ui_server_stopping(struct ui_server *s);

/* ui_proxy.c: answer a request under /api/ (the node's API under /api/v1/). */
void ui_proxy(struct ui_conn *c);

#endif /* RNX_UI_SERVER_H */
