/*
 * joblet/http.h - HTTPS for plugins: one client with the same rules everywhere.
 *
 * Part of the joblet SDK.  Registry plugins fetch indexes and packages with
 * these functions instead of linking libcurl themselves, so every download
 * gets the same behaviour: HTTPS only (also after redirects), TLS through
 * GnuTLS with a configurable CA bundle, connect and stall timeouts, retries
 * with exponential backoff on transient failures (connection refused or
 * reset, timeouts, HTTP 5xx and 429, honouring Retry-After), and errors
 * worded as `HTTP 404: 404 Not Found`.
 *
 * libjoblet loads libcurl the first time one of these functions needs it.
 * Where it cannot be loaded, joblet_http_get(), joblet_http_open(),
 * joblet_http_open_ref() and joblet_http_resolve() fail with
 * JOBLET_E_UNSUPPORTED, naming the library and what to install.
 *
 * Thread safety: every function may be called from several threads at once;
 * one stream is used by one thread at a time.
 */
#ifndef JOBLET_HTTP_H
#define JOBLET_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <joblet/buffer.h>
#include <joblet/common.h>
#include <joblet/error.h>
#include <joblet/plugin.h>
#include <joblet/stream.h>

JOBLET_BEGIN_DECLS

/* Options of one request.  Zero fields mean the defaults named here. */
struct joblet_http_options {
	uint32_t size;		     /* sizeof(struct joblet_http_options) */
	uint32_t flags;		     /* none defined yet */
	const char *ca_file;	     /* PEM bundle of trusted CAs; NULL = the system's */
	int64_t connect_timeout_ms;  /* default 15000 */
	int64_t stall_timeout_ms;    /* abort when no byte arrives for this long; default 60000 */
	int32_t retries;	     /* transient failures retried; default 4, negative = none */
	int32_t reserved;
	int64_t retry_base_ms;	     /* first backoff, doubled each time; default 500 */
	int64_t max_bytes;	     /* refuse a body larger than this (JOBLET_E_LIMIT); 0 = no limit */
};

/*
 * The plugin settings joblet_http_options_from_settings() reads; a plugin
 * that uses it lists them in its descriptor's settings.
 *	ca_file          PEM bundle of trusted CAs
 *	connect_timeout  duration (15s, 1m)
 *	stall_timeout    duration
 *	retries          whole number >= 0
 */
#define JOBLET_HTTP_SETTING_NAMES "ca_file", "connect_timeout", "stall_timeout", "retries"

/*
 * Fill *opts (zeroed first, size set) from the calling plugin's settings.
 * ca_file is copied into the caller's ca_buf (ca_len bytes) and opts points
 * there.  Errors: JOBLET_E_CONFIG naming the setting and the value.
 */
JOBLET_API int joblet_http_options_from_settings(const struct joblet_plugin_host *host,
						 struct joblet_http_options *opts, char *ca_buf,
						 size_t ca_len, struct joblet_error **err);

/*
 * GET url into body (which is reset first).  When etag is not NULL it is
 * sent as If-None-Match, and a 304 answer sets *ret_not_modified to 1 and
 * leaves body empty (ret_not_modified may be NULL only when etag is NULL).
 * The ETag of the answer, if any, goes into ret_etag (may be NULL).
 * Errors: JOBLET_E_HTTP (detail = status), JOBLET_E_NETWORK, JOBLET_E_TIMEOUT
 * (after the retries), JOBLET_E_LIMIT, JOBLET_E_INVALID (not an https URL).
 */
JOBLET_API int joblet_http_get(const char *url, const struct joblet_http_options *opts,
			       const char *etag, struct joblet_buffer *body,
			       struct joblet_buffer *ret_etag, int32_t *ret_not_modified,
			       struct joblet_error **err);

/*
 * Open url for reading as a stream.  The request is made before this
 * returns, so an HTTP error (404) is reported here; the stream's length is
 * the Content-Length, or -1.  A transfer that breaks off is resumed with a
 * Range request (or, when the server ignores ranges, fetched again and the
 * bytes already delivered skipped), within the retry budget; the reader
 * never sees a byte twice or a gap.  Close the stream with
 * joblet_stream_close().
 */
JOBLET_API int joblet_http_open(const char *url, const struct joblet_http_options *opts,
				struct joblet_stream **ret_stream, struct joblet_error **err);

/*
 * Open ref, absolute or relative to base (a registry's index URL), as
 * joblet_http_open() does.  A ref that resolves to something other than
 * https:// is JOBLET_E_UNSUPPORTED, so the core can ask another registry
 * plugin (registry.h, open_package).
 */
JOBLET_API int joblet_http_open_ref(const char *base, const char *ref,
				    const struct joblet_http_options *opts,
				    struct joblet_stream **ret_stream, struct joblet_error **err);

/*
 * Resolve ref (absolute, or relative such as `pkg/a.tar.gz` or `/x`)
 * against base, as a browser would.  *ret_url is a new string.
 */
JOBLET_API int joblet_http_resolve(const char *base, const char *ref, char **ret_url,
				   struct joblet_error **err);

JOBLET_END_DECLS

#endif /* JOBLET_HTTP_H */
