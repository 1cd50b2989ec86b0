/*
 * api.h - the HTTPS client of rnx: one node of the client configuration,
 * JSON requests and event streams over mutual TLS.
 *
 * Private to rnx (libjoblet does not link libcurl; rnx does).  The node
 * comes from the client configuration (joblet/config.h): its address, the
 * client certificate and key rnx presents, and the CA the server
 * certificate must be signed by.  Rules every call follows:
 *
 *   - TLS 1.3 at least; the server is verified against the node's `ca`
 *     only (never the system's CAs), and the address's host must be a name
 *     or IP address of the server certificate;
 *   - one connection per rnx_api, kept open between calls (HTTP/1.1
 *     keep-alive), so `job run --follow` makes its POST and then reads the
 *     log stream on one TLS session;
 *   - connecting gives up after 10 s; a plain request gives up when nothing
 *     arrives for 60 s; a stream never times out on silence (the daemon
 *     sends heartbeat comments);
 *   - headers `User-Agent: rnx/<version>` and `Accept: application/json`
 *     (`text/event-stream` for streams); a body is sent as application/json;
 *   - no redirects are followed; nothing is printed: errors say what went
 *     wrong and what to do, for rnx_print_error().
 *
 * Inline PEM of the configuration reaches libcurl (GnuTLS flavour, which
 * takes no PEM from memory) as memfd files named /proc/self/fd/N, so no key
 * material is written to disk; PEM read from a file is passed as that path.
 *
 * Not thread-safe: one rnx_api, one thread at a time.
 */
#ifndef RNX_API_H
#define RNX_API_H

#include <stddef.h>

#include <joblet/error.h>

#include "sse.h"

/* The largest answer rnx_api_request() accepts (JOBLET_E_LIMIT beyond). */
#define RNX_API_MAX_BODY (64u << 20)
/* The largest event of a stream (data bytes of one event; JOBLET_E_LIMIT beyond). */
#define RNX_API_MAX_EVENT (16u << 20)

struct rnx_api;

/*
 * Open the node to talk to: the client configuration config_path (--config;
 * NULL: $RNX_CONFIG, ~/.rnx/rnx-config.yml, then the system one) and its
 * node `node` (--node; NULL: the default node).  Nothing is sent yet: the
 * connection is made by the first call.  Errors: JOBLET_E_NOT_FOUND (no
 * configuration, no such node), JOBLET_E_CONFIG (the file is wrong, a node
 * without certificate or key), JOBLET_E_SYSTEM (memfd), JOBLET_E_NOMEM,
 * JOBLET_E_UNSUPPORTED (libcurl cannot be initialised).  Free with
 * rnx_api_free().
 */
int rnx_api_open(const char *config_path, const char *node, struct rnx_api **ret,
		 struct joblet_error **err);

/* Close the connection and free api; NULL is fine. */
void rnx_api_free(struct rnx_api *api);

/* The node's name and host:port.  Borrowed from api. */
const char *rnx_api_node(const struct rnx_api *api);
const char *rnx_api_address(const struct rnx_api *api);

/* The client configuration file the node came from.  Borrowed from api. */
const char *rnx_api_config_path(const struct rnx_api *api);

/*
 * Give up on each later call after ms milliseconds in all, connecting
 * included (JOBLET_E_TIMEOUT or JOBLET_E_NETWORK); 0 restores the rules
 * above.  For shell completion, which must not keep a TAB waiting.
 */
void rnx_api_set_timeout(struct rnx_api *api, long ms);

/*
 * How many connections api has opened so far: 1 after any number of calls
 * when keep-alive worked.  For diagnostics and tests.
 */
unsigned rnx_api_connections(const struct rnx_api *api);

/*
 * One request: method ("GET", "POST", "DELETE", ...) on path (starting with
 * `/`, already percent-encoded).  body may be NULL (no body; a POST then
 * sends an empty one), else body_len bytes of JSON.
 *
 * On a 2xx answer: 0, and *ret_body a new NUL-terminated string holding the
 * body (the caller frees it; "" when there was none), its length in
 * *ret_len (ret_len may be NULL).  On another status: negative, *ret_body
 * untouched, and *err from the server's JSON error body
 * {"error":{"code":"<name>","message":"<text>"}}: the message as is, the
 * code the JOBLET_E_* of that name (docs/error-codes.md; JOBLET_E_HTTP for
 * a name rnx does not know), detail the HTTP status; without such a body
 * JOBLET_E_HTTP, "HTTP <status>: <first line of the body>".  Transport
 * errors: JOBLET_E_NETWORK (refused, reset, DNS), JOBLET_E_TIMEOUT,
 * JOBLET_E_CONFIG (the server certificate is not trusted or not for this
 * address; the client certificate or key is unusable), JOBLET_E_PERMISSION
 * (the server refused the client certificate with a TLS alert; a server
 * that just closes the new connection after the handshake is
 * JOBLET_E_NETWORK, and the message names the certificate as the likely
 * cause), JOBLET_E_LIMIT (an answer
 * beyond RNX_API_MAX_BODY), JOBLET_E_INVALID (method or path).
 */
int rnx_api_request(struct rnx_api *api, const char *method, const char *path, const char *body,
		    size_t body_len, char **ret_body, size_t *ret_len, struct joblet_error **err);

/* A file of a multipart/form-data body: read from host, named rel. */
struct rnx_api_file {
	const char *host; /* the file to send (borrowed) */
	const char *rel;  /* its filename in the body: the path in the job's /work */
};

/*
 * POST to path a multipart/form-data body: a part `job` holding json and a
 * part `upload` per file, read by libcurl as it sends them (rnx never holds
 * a file in memory).  Answers and errors as rnx_api_request(); JOBLET_E_IO
 * when a file cannot be read.
 */
int rnx_api_post_multipart(struct rnx_api *api, const char *path, const char *json,
			   const struct rnx_api_file *files, size_t n, char **ret_body,
			   size_t *ret_len, struct joblet_error **err);

/* The Retry-After (seconds) of the last answer, or -1 when it had none. */
long rnx_api_retry_after(const struct rnx_api *api);

/*
 * A GET or POST whose answer is text/event-stream: every event goes to
 * cb(userdata, ev) as it arrives (see sse.h; ev->id is the last event id,
 * which the caller keeps to resume).  last_event_id, when not NULL, is sent
 * as Last-Event-ID: the server then sends the events after that one.
 *
 * Returns 0 when the server ended the stream, 1 when cb asked to stop (the
 * connection is then closed, not reused), negative on error.  An error
 * status before the stream started is reported as by rnx_api_request(); a
 * 2xx answer that is not an event stream is JOBLET_E_PARSE; a connection
 * that breaks once the stream started is JOBLET_E_NETWORK (reconnect with
 * the last id seen; rnx_api_last_event_id() keeps it); an event beyond
 * RNX_API_MAX_EVENT is JOBLET_E_LIMIT.
 */
int rnx_api_stream(struct rnx_api *api, const char *method, const char *path, const char *body,
		   size_t body_len, const char *last_event_id, rnx_sse_cb cb, void *userdata,
		   struct joblet_error **err);

/*
 * A check the next rnx_api_stream() calls on api about once a second while
 * the stream is open, also when nothing arrives: non-zero ends the stream
 * at once, which then returns 1 as when its callback asked to stop.  rnx ui
 * ends the node's stream so when the browser went away.  watch NULL (the
 * default) removes it; it is called from the thread that runs the stream.
 */
typedef int (*rnx_api_watch)(void *userdata);
void rnx_api_set_watch(struct rnx_api *api, rnx_api_watch watch, void *userdata);

/*
 * The last event id of the latest rnx_api_stream() on api, as of its last
 * dispatched event ("" when none): what to pass as last_event_id to resume
 * after JOBLET_E_NETWORK.  Borrowed; valid until the next stream.
 */
const char *rnx_api_last_event_id(const struct rnx_api *api);

/*
 * What a download's bytes go to: n bytes at buf as they arrive, then once
 * buf NULL, n 0 at the end of a complete answer.  content_type is the
 * answer's.  0, or negative with err to abort the download.
 */
typedef int (*rnx_api_sink)(void *userdata, const char *content_type, const void *buf, size_t n,
			    struct joblet_error **err);

/*
 * GET path and hand a 2xx answer's body to sink as it arrives, in bounded
 * memory whatever its size (result files, tar streams).  Errors as
 * rnx_api_request(); a sink's error is returned as it is.
 */
int rnx_api_download(struct rnx_api *api, const char *path, rnx_api_sink sink, void *userdata,
		     struct joblet_error **err);

/*
 * The error of an answer with HTTP status `status` and body body/len (not
 * necessarily NUL-terminated), as rnx_api_request() reports it.  Always
 * returns negative.  Exposed for the unit test.
 */
int rnx_api_status_error(long status, const char *body, size_t len, struct joblet_error **err);

#endif /* RNX_API_H */
