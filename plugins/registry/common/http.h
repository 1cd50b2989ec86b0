/*
 * http.h - the HTTPS client of the in-tree registry plugins (registry_http_*).
 *
 * Not installed and not part of the SDK: registry/github and registry/https
 * link it from plugins/registry/common (a libtool convenience library) and
 * link libcurl (GnuTLS flavour) themselves, so libcurl is a DT_NEEDED of
 * those two plugins, where packagers and ldd see it, and of nothing in the
 * core but rnx: a process maps it only when it loads one of them, which the
 * per-job shim never does.  A third-party plugin that needs HTTP links
 * libcurl itself.
 *
 * One client, the same rules for every download: HTTPS only (also after
 * redirects), TLS through GnuTLS with a configurable CA bundle, connect and
 * stall timeouts, retries with exponential backoff on transient failures
 * (connection refused or reset, timeouts, HTTP 5xx, 408 and 429, honouring
 * Retry-After), and errors worded as `HTTP 404: 404 Not Found`.
 *
 * Retries are logged at level info through joblet_plog_info(), so the log
 * names the plugin that fetched.
 *
 * Thread safety: every function may be called from several threads at once;
 * one stream is used by one thread at a time.
 */
#ifndef REGISTRY_HTTP_H
#define REGISTRY_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/buffer.h>
#include <joblet/error.h>
#include <joblet/plugin.h>
#include <joblet/stream.h>

/* Options of one request.  Zero fields mean the defaults named here. */
struct registry_http_options {
	char ca_file[4096];	    /* PEM bundle of trusted CAs; empty = the system's */
	int64_t connect_timeout_ms; /* default 15000 */
	int64_t stall_timeout_ms;   /* abort when no byte arrives for this long; default 60000 */
	int32_t retries;	    /* transient failures retried; default 4, negative = none */
	int64_t retry_base_ms;	    /* first backoff, doubled each time; default 500 */
	int64_t max_bytes;	    /* refuse a larger body (JOBLET_E_LIMIT); 0 = no limit */
};

/*
 * The plugin settings registry_http_options_from_settings() reads; a plugin
 * that uses it lists them in its descriptor's settings.
 *	ca_file          PEM bundle of trusted CAs (an absolute path)
 *	connect_timeout  duration from 1s to 1d (15s, 1m)
 *	stall_timeout    duration from 1s to 1d
 *	retries          whole number from 0 to 20 (0 = none)
 */
#define REGISTRY_HTTP_SETTING_NAMES "ca_file", "connect_timeout", "stall_timeout", "retries"

/*
 * For init(): fill *opts (zeroed first) from the calling plugin's settings.
 * Errors: JOBLET_E_CONFIG naming the setting and the value.
 */
int registry_http_options_from_settings(const struct joblet_plugin_host *host,
					struct registry_http_options *opts,
					struct joblet_error **err);

/*
 * GET url into body (which is reset first).  When etag is not NULL it is
 * sent as If-None-Match, and a 304 answer sets *ret_not_modified to 1 and
 * leaves body empty (ret_not_modified may be NULL only when etag is NULL).
 * The ETag of the answer, if any, goes into ret_etag (may be NULL).  opts
 * may be NULL (every default).
 * Errors: JOBLET_E_HTTP (detail = status), JOBLET_E_NETWORK, JOBLET_E_TIMEOUT
 * (after the retries), JOBLET_E_LIMIT, JOBLET_E_INVALID (not an https URL),
 * JOBLET_E_UNSUPPORTED (this libcurl lacks an option or feature the client
 * needs; the message names it).
 */
int registry_http_get(const char *url, const struct registry_http_options *opts, const char *etag,
		      struct joblet_buffer *body, struct joblet_buffer *ret_etag,
		      int32_t *ret_not_modified, struct joblet_error **err);

/*
 * Open url for reading as a stream (owned by the caller: close it with its
 * close()).  The request is made before this returns, so an HTTP error (404)
 * is reported here; the stream's length is the Content-Length, or -1.
 * Reading pulls: the transfer pauses while about 1 MiB is received and
 * unread.  A transfer that breaks off is resumed with a Range request (or,
 * when the server ignores ranges, fetched again and the bytes already
 * delivered skipped), within the retry budget; the reader never sees a byte
 * twice or a gap.  Errors as registry_http_get().
 */
int registry_http_open(const char *url, const struct registry_http_options *opts,
		       struct joblet_stream **ret_stream, struct joblet_error **err);

/*
 * Open ref, absolute or relative to base (a registry's index URL), as
 * registry_http_open() does.  A ref that resolves to something other than
 * https:// is JOBLET_E_UNSUPPORTED, so the core can ask another registry
 * plugin (registry.h, open_package).
 */
int registry_http_open_ref(const char *base, const char *ref,
			   const struct registry_http_options *opts,
			   struct joblet_stream **ret_stream, struct joblet_error **err);

/*
 * Resolve ref (absolute, or relative such as `pkg/a.tar.gz` or `/x`)
 * against base, as a browser would.  *ret_url is a new string (free() it).
 * Errors: JOBLET_E_INVALID when they do not parse.
 */
int registry_http_resolve(const char *base, const char *ref, char **ret_url,
			  struct joblet_error **err);

#endif /* REGISTRY_HTTP_H */
