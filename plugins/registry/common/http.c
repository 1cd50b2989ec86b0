/*
 * http.c - the HTTPS client of the registry plugins (registry_http_*, see
 * http.h), on libcurl with GnuTLS.
 *
 * Downloads are pulled: registry_http_open() returns a stream whose read()
 * drives a curl multi handle until bytes arrive, pausing the transfer when
 * the reader falls behind, so memory stays bounded whatever the size.
 * When a transfer breaks off, the stream reconnects with a Range request
 * from the first byte not yet delivered (skipping bytes itself when the
 * server ignores ranges), so the reader sees one gap-free body.
 *
 * libcurl is linked, by the two plugins that compile this file in: only
 * they fetch over HTTP, and the per-job shim never loads a registry plugin.
 * Options go through curl_easy_setopt() itself, so curl's compile-time type
 * checks see every value, and every CURLcode is looked at: an option or
 * feature this libcurl lacks is JOBLET_E_UNSUPPORTED naming it.
 */
#include <config.h>

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <joblet/plugin.h>
#include <joblet/version.h>

#include "http.h"

/*
 * curl.h checks the type of each curl_easy_setopt() value at compile time,
 * but its warning comes from a macro of a system header, and GCC drops
 * warnings located there: let them through for the code below (the headers
 * are read already, so their own warnings stay quiet).
 */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic warning "-Wsystem-headers"
#endif

#define HTTP_DEFAULT_CONNECT_MS	   15000
#define HTTP_DEFAULT_STALL_MS	   60000
#define HTTP_DEFAULT_RETRIES	   4
#define HTTP_DEFAULT_RETRY_BASE_MS 500
#define HTTP_MAX_BACKOFF_MS	   30000
/* A stream pauses the transfer when this much is buffered and unread. */
#define HTTP_STREAM_HIGH_WATER (1024 * 1024)

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_result;

/*
 * Once per process.  The plugin that calls it stays loaded until the
 * process exits, and so does libcurl with it: no curl_global_cleanup().
 */
static void http_global_init(void)
{
	curl_init_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Every request starts here: a failed curl_global_init() is JOBLET_E_NETWORK. */
static int http_init(struct joblet_error **err)
{
	pthread_once(&curl_once, http_global_init);
	if (curl_init_result != CURLE_OK)
		return joblet_error_set(err, JOBLET_E_NETWORK, 0, "cannot initialise libcurl: %s",
					curl_easy_strerror(curl_init_result));
	return 0;
}

struct http_settings {
	char *ca_file;
	long connect_ms;
	long stall_s;
	int retries;
	long retry_base_ms;
	int64_t max_bytes;
};

static int settings_from(const struct registry_http_options *o, struct http_settings *s,
			 struct joblet_error **err)
{
	int r;

	memset(s, 0, sizeof(*s));
	r = http_init(err);
	if (r < 0)
		return r;
	s->connect_ms = HTTP_DEFAULT_CONNECT_MS;
	s->stall_s = HTTP_DEFAULT_STALL_MS / 1000;
	s->retries = HTTP_DEFAULT_RETRIES;
	s->retry_base_ms = HTTP_DEFAULT_RETRY_BASE_MS;
	if (!o)
		return 0;
	if (o->ca_file[0] && !(s->ca_file = strdup(o->ca_file)))
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot start a download");
	if (o->connect_timeout_ms > 0)
		s->connect_ms = (long)o->connect_timeout_ms;
	if (o->stall_timeout_ms > 0)
		s->stall_s = o->stall_timeout_ms < 1000 ? 1 : (long)(o->stall_timeout_ms / 1000);
	if (o->retries != 0)
		s->retries = o->retries < 0 ? 0 : o->retries;
	if (o->retry_base_ms > 0)
		s->retry_base_ms = (long)o->retry_base_ms;
	s->max_bytes = o->max_bytes;
	return 0;
}

static bool is_https(const char *url)
{
	return url && strncasecmp(url, "https://", 8) == 0;
}

/* What the header callback learns about the current response. */
struct http_response {
	long status;
	char reason[96];
	long retry_after_s;
	char etag[256];
	bool have_range;
	uint64_t range_start;
};

/* Retry-After in seconds (the HTTP-date form is not used by registries). */
static void header_retry_after(const char *v, struct http_response *r)
{
	char *end;
	long s;

	while (*v == ' ')
		v++;
	if (*v < '0' || *v > '9')
		return;
	errno = 0;
	s = strtol(v, &end, 10);
	if (errno == 0 && *end == '\0')
		r->retry_after_s = s;
}

static size_t header_cb(char *data, size_t size, size_t n, void *userdata)
{
	struct http_response *r = userdata;
	size_t len = size * n;
	char line[512];

	snprintf(line, sizeof(line), "%.*s", (int)(len < sizeof(line) - 1 ? len : sizeof(line) - 1),
		 data);
	line[strcspn(line, "\r\n")] = '\0';
	if (strncmp(line, "HTTP/", 5) == 0) {
		/* A new response (after a redirect or a 100): forget the last one. */
		const char *sp = strchr(line, ' '), *sp2;

		memset(r, 0, sizeof(*r));
		if (sp) {
			r->status = strtol(sp + 1, NULL, 10);
			sp2 = strchr(sp + 1, ' ');
			if (sp2)
				snprintf(r->reason, sizeof(r->reason), "%.*s",
					 (int)sizeof(r->reason) - 1, sp2 + 1);
		}
	} else if (strncasecmp(line, "etag:", 5) == 0) {
		const char *v = line + 5;

		while (*v == ' ' || *v == '\t')
			v++;
		/* A validator that does not fit is dropped, never cut. */
		if (strlen(v) < sizeof(r->etag))
			memcpy(r->etag, v, strlen(v) + 1);
		else
			r->etag[0] = '\0';
	} else if (strncasecmp(line, "retry-after:", 12) == 0) {
		header_retry_after(line + 12, r);
	} else if (strncasecmp(line, "content-range:", 14) == 0) {
		unsigned long long start;

		if (sscanf(line + 14, " bytes %llu-", &start) == 1) {
			r->have_range = true;
			r->range_start = start;
		}
	}
	return len;
}

/* The standard phrase, for HTTP/2 answers that carry none. */
static const char *reason_phrase(long status)
{
	static const struct {
		long status;
		const char *phrase;
	} phrases[] = {
		{ 400, "Bad Request" },
		{ 401, "Unauthorized" },
		{ 403, "Forbidden" },
		{ 404, "Not Found" },
		{ 408, "Request Timeout" },
		{ 410, "Gone" },
		{ 416, "Range Not Satisfiable" },
		{ 429, "Too Many Requests" },
		{ 500, "Internal Server Error" },
		{ 502, "Bad Gateway" },
		{ 503, "Service Unavailable" },
		{ 504, "Gateway Timeout" },
	};

	for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++)
		if (phrases[i].status == status)
			return phrases[i].phrase;
	return "Error";
}

static bool status_transient(long status)
{
	return status == 408 || status == 429 || (status >= 500 && status <= 599);
}

static bool curl_transient(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
		return true;
	default:
		return false;
	}
}

static int http_status_error(struct joblet_error **err, const char *url,
			     const struct http_response *r)
{
	return joblet_error_set_detail(err, JOBLET_E_HTTP, (int32_t)r->status,
				       "HTTP %ld: %ld %s (fetching `%s`)", r->status, r->status,
				       *r->reason ? r->reason : reason_phrase(r->status), url);
}

static int curl_error(struct joblet_error **err, const char *url, CURLcode c, const char *errbuf,
		      long stall_s)
{
	const char *detail = errbuf && *errbuf ? errbuf : curl_easy_strerror(c);

	switch (c) {
	case CURLE_OPERATION_TIMEDOUT:
		return joblet_error_set(
			err, JOBLET_E_TIMEOUT, 0,
			"fetching `%s` timed out (no data for %ld s, or no connection): %s", url,
			stall_s, detail);
	case CURLE_COULDNT_RESOLVE_HOST:
		return joblet_error_set(
			err, JOBLET_E_NETWORK, 0,
			"cannot resolve the host of `%s`: %s; check the address and the DNS", url,
			detail);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return joblet_error_set(
			err, JOBLET_E_NETWORK, 0,
			"cannot verify the TLS certificate of `%s`: %s; set the plugin's `ca_file` to the CA that signed it",
			url, detail);
	case CURLE_UNSUPPORTED_PROTOCOL:
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"`%s` (or a redirect from it) is not an https:// URL", url);
	case CURLE_NOT_BUILT_IN:
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"fetching `%s` needs a feature this libcurl was built without: %s; install libcurl 7.85 or newer built with GnuTLS (apt-get install libcurl3-gnutls)",
			url, detail);
	default:
		return joblet_error_set(err, JOBLET_E_NETWORK, 0, "fetching `%s` failed: %s", url,
					detail);
	}
}

/*
 * curl_easy_setopt() refused `option`.  One this libcurl does not know or
 * was built without is this host's limit (JOBLET_E_UNSUPPORTED, named), not
 * a lack of memory.
 */
static int setopt_error(struct joblet_error **err, const char *url, const char *option, CURLcode c)
{
	switch (c) {
	case CURLE_OUT_OF_MEMORY:
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot fetch `%s`", url);
	case CURLE_UNKNOWN_OPTION:
	case CURLE_NOT_BUILT_IN:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"this libcurl cannot do `%s` (%s), which the HTTPS client of the registry plugins needs; install libcurl 7.85 or newer built with GnuTLS (apt-get install libcurl3-gnutls)",
			option, curl_easy_strerror(c));
	default:
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"cannot fetch `%s`: libcurl refused `%s`: %s", url, option,
					curl_easy_strerror(c));
	}
}

/*
 * Set an option and remember the first that fails.  A macro, not a
 * function: curl_easy_setopt() is itself a macro that checks the type of
 * the value against the option at compile time.
 */
#define HTTP_SETOPT(c, failed, rc, option, value)                                                  \
	do {                                                                                       \
		if ((rc) == CURLE_OK &&                                                            \
		    ((rc) = curl_easy_setopt((c), option, (value))) != CURLE_OK)                   \
			(failed) = #option;                                                        \
	} while (0)

/* A curl multi call failed: out of memory, or libcurl's own trouble. */
static int multi_error(struct joblet_error **err, const char *url, CURLMcode c)
{
	if (c == CURLM_OUT_OF_MEMORY)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot fetch `%s`", url);
	return joblet_error_set(err, JOBLET_E_NETWORK, 0, "fetching `%s` failed: %s", url,
				curl_multi_strerror(c));
}

static void backoff(const struct http_settings *s, int attempt, long retry_after_s)
{
	long ms = s->retry_base_ms << (attempt < 16 ? attempt : 16);
	struct timespec ts;

	if (retry_after_s > 0 && retry_after_s * 1000 > ms)
		ms = retry_after_s * 1000;
	if (ms > HTTP_MAX_BACKOFF_MS)
		ms = HTTP_MAX_BACKOFF_MS;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A handle for url with the rules of http.h; errbuf has CURL_ERROR_SIZE bytes. */
static int easy_new(const char *url, const struct http_settings *s, struct http_response *resp,
		    char *errbuf, CURL **ret, struct joblet_error **err)
{
	CURL *c = curl_easy_init();
	const char *failed = NULL;
	CURLcode rc = CURLE_OK;

	if (!c)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot fetch `%s`", url);
	errbuf[0] = '\0';
	HTTP_SETOPT(c, failed, rc, CURLOPT_ERRORBUFFER, errbuf);
	HTTP_SETOPT(c, failed, rc, CURLOPT_URL, url);
	HTTP_SETOPT(c, failed, rc, CURLOPT_PROTOCOLS_STR, "https");
	HTTP_SETOPT(c, failed, rc, CURLOPT_REDIR_PROTOCOLS_STR, "https");
	HTTP_SETOPT(c, failed, rc, CURLOPT_FOLLOWLOCATION, 1L);
	HTTP_SETOPT(c, failed, rc, CURLOPT_MAXREDIRS, 5L);
	HTTP_SETOPT(c, failed, rc, CURLOPT_CONNECTTIMEOUT_MS, s->connect_ms);
	HTTP_SETOPT(c, failed, rc, CURLOPT_LOW_SPEED_LIMIT, 1L);
	HTTP_SETOPT(c, failed, rc, CURLOPT_LOW_SPEED_TIME, s->stall_s);
	HTTP_SETOPT(c, failed, rc, CURLOPT_SSL_VERIFYPEER, 1L);
	HTTP_SETOPT(c, failed, rc, CURLOPT_SSL_VERIFYHOST, 2L);
	HTTP_SETOPT(c, failed, rc, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (s->ca_file)
		HTTP_SETOPT(c, failed, rc, CURLOPT_CAINFO, s->ca_file);
	HTTP_SETOPT(c, failed, rc, CURLOPT_USERAGENT, "joblet/" JOBLET_VERSION_STRING);
	HTTP_SETOPT(c, failed, rc, CURLOPT_NOSIGNAL, 1L);
	HTTP_SETOPT(c, failed, rc, CURLOPT_HEADERFUNCTION, header_cb);
	HTTP_SETOPT(c, failed, rc, CURLOPT_HEADERDATA, resp);
	if (rc != CURLE_OK) {
		curl_easy_cleanup(c);
		return setopt_error(err, url, failed, rc);
	}
	*ret = c;
	return 0;
}

/* ------------------------------------------------------------------ GET into a buffer */

struct get_state {
	struct joblet_buffer *body;
	struct http_response *resp;
	int64_t max_bytes;
	bool too_big;
	struct joblet_error *append_err;
};

static size_t get_write_cb(char *data, size_t size, size_t n, void *userdata)
{
	struct get_state *g = userdata;
	size_t len = size * n;

	/* The body of an error page is not wanted. */
	if (g->resp->status >= 300)
		return len;
	if (g->max_bytes > 0 && joblet_buffer_length(g->body) + len > (uint64_t)g->max_bytes) {
		g->too_big = true;
		return 0;
	}
	/* A failed append (the caller's limit, or no memory) is reported after the transfer. */
	if (joblet_buffer_append(g->body, data, len, &g->append_err) < 0)
		return 0;
	return len;
}

/* One GET: what it brought, and how the transfer ended. */
struct get_attempt {
	struct http_response resp;
	struct get_state g;
	CURLcode res;
	char errbuf[CURL_ERROR_SIZE];
};

/* Make one GET of url into body; a negative return means it could not be made. */
static int get_once(const char *url, const struct http_settings *s, const char *etag,
		    struct joblet_buffer *body, struct get_attempt *a, struct joblet_error **err)
{
	struct curl_slist *headers = NULL;
	const char *failed = NULL;
	char *inm = NULL;
	CURLcode rc = CURLE_OK, info;
	CURL *c;
	int r;

	r = easy_new(url, s, &a->resp, a->errbuf, &c, err);
	if (r < 0)
		return r;
	joblet_buffer_reset(body);
	a->g = (struct get_state){ body, &a->resp, s->max_bytes, false, NULL };
	if (etag && *etag) {
		if (asprintf(&inm, "If-None-Match: %s", etag) < 0)
			inm = NULL;
		headers = inm ? curl_slist_append(NULL, inm) : NULL;
		free(inm);
		if (!headers) {
			curl_easy_cleanup(c);
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot fetch `%s`",
						url);
		}
		HTTP_SETOPT(c, failed, rc, CURLOPT_HTTPHEADER, headers);
	}
	HTTP_SETOPT(c, failed, rc, CURLOPT_WRITEFUNCTION, get_write_cb);
	HTTP_SETOPT(c, failed, rc, CURLOPT_WRITEDATA, &a->g);
	if (rc == CURLE_OK) {
		a->res = curl_easy_perform(c);
		info = curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a->resp.status);
		if (a->res == CURLE_OK)
			a->res = info;
	}
	curl_easy_cleanup(c);
	curl_slist_free_all(headers);
	return rc == CURLE_OK ? 0 : setopt_error(err, url, failed, rc);
}

/*
 * What one GET means: 0 done (body, ETag and not-modified set), 1 try
 * again, negative failed.
 */
static int get_outcome(const char *url, const struct http_settings *s, int attempt,
		       const char *etag, struct get_attempt *a, struct joblet_buffer *ret_etag,
		       int32_t *ret_not_modified, struct joblet_error **err)
{
	const struct http_response *resp = &a->resp;
	int r;

	if (a->g.too_big)
		return joblet_error_set(err, JOBLET_E_LIMIT, 0,
					"`%s` is larger than the %lld bytes allowed", url,
					(long long)s->max_bytes);
	if (a->g.append_err) {
		r = joblet_error_set(err, a->g.append_err->code, 0, "`%s`: %s", url,
				     a->g.append_err->message);
		joblet_error_free(a->g.append_err);
		return r;
	}
	if (a->res == CURLE_OK && resp->status == 304 && etag && *etag) {
		if (ret_not_modified)
			*ret_not_modified = 1;
		if (ret_etag) {
			joblet_buffer_reset(ret_etag);
			return joblet_buffer_append_str(ret_etag, *resp->etag ? resp->etag : etag,
							err);
		}
		return 0;
	}
	if (a->res == CURLE_OK && resp->status >= 200 && resp->status < 300) {
		if (ret_etag) {
			joblet_buffer_reset(ret_etag);
			return joblet_buffer_append_str(ret_etag, resp->etag, err);
		}
		return 0;
	}
	if ((a->res == CURLE_OK ? status_transient(resp->status) : curl_transient(a->res)) &&
	    attempt < s->retries)
		return 1;
	return a->res == CURLE_OK ? http_status_error(err, url, resp)
				  : curl_error(err, url, a->res, a->errbuf, s->stall_s);
}

int registry_http_get(const char *url, const struct registry_http_options *opts, const char *etag,
		      struct joblet_buffer *body, struct joblet_buffer *ret_etag,
		      int32_t *ret_not_modified, struct joblet_error **err)
{
	struct http_settings s;
	int r;

	if (!is_https(url))
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "`%s` is not an https:// URL",
					url ? url : "(null)");
	r = settings_from(opts, &s, err);
	if (r < 0)
		return r;
	if (ret_not_modified)
		*ret_not_modified = 0;
	for (int attempt = 0;; attempt++) {
		struct get_attempt a = { 0 };

		r = get_once(url, &s, etag, body, &a, err);
		if (r == 0)
			r = get_outcome(url, &s, attempt, etag, &a, ret_etag, ret_not_modified,
					err);
		if (r != 1)
			break;
		joblet_plog_info("fetching `%s`: %s; trying again", url,
				 a.res == CURLE_OK ? a.resp.reason : curl_easy_strerror(a.res));
		backoff(&s, attempt, a.resp.retry_after_s);
	}
	free(s.ca_file);
	return r;
}

/* ------------------------------------------------------------------ streams */

struct http_stream {
	struct joblet_stream base;
	char *url;
	struct http_settings s;
	CURLM *multi;
	CURL *easy;
	struct http_response resp;
	char errbuf[CURL_ERROR_SIZE];
	char range[32];
	uint8_t *buf; /* received, not yet read: buf[off..len) */
	size_t off, len, cap;
	bool paused;
	bool running;	      /* the current attempt has not finished */
	CURLcode result;      /* of the finished attempt */
	uint64_t delivered;   /* body bytes handed to the reader or buffered */
	uint64_t skip;	      /* bytes of this attempt's body already delivered before */
	uint64_t resume_from; /* what this attempt asked for with Range, 0 for all */
	bool body_started;    /* this attempt's first body byte arrived */
	int attempt;
	int64_t total;		      /* full body length, -1 when unknown */
	struct joblet_error *failure; /* sticky */
	bool eof;
	bool too_big; /* more than max_bytes arrived */
};

/* Room for len more bytes after the unread ones; false when out of memory. */
static bool stream_reserve(struct http_stream *h, size_t len)
{
	size_t ncap = h->cap ? h->cap : 64 * 1024;
	uint8_t *nb;

	if (h->off > 0 && h->off == h->len)
		h->off = h->len = 0;
	if (h->len + len <= h->cap)
		return true;
	/* Compact first: the unread part moves to the front. */
	if (h->off > 0) {
		memmove(h->buf, h->buf + h->off, h->len - h->off);
		h->len -= h->off;
		h->off = 0;
	}
	while (ncap < h->len + len)
		ncap *= 2;
	if (ncap > h->cap) {
		nb = realloc(h->buf, ncap);
		if (!nb)
			return false;
		h->buf = nb;
		h->cap = ncap;
	}
	return true;
}

static size_t stream_write_cb(char *data, size_t size, size_t n, void *userdata)
{
	struct http_stream *h = userdata;
	size_t len = size * n;

	if (h->resp.status >= 300)
		return len;
	if (!h->body_started) {
		/* A server without ranges answers 200: drop what was delivered before. */
		h->body_started = true;
		if (h->resp.status == 200 && h->resume_from > 0)
			h->skip = h->resume_from;
	}
	if (h->skip > 0) {
		size_t drop = h->skip < len ? (size_t)h->skip : len;

		h->skip -= drop;
		data += drop;
		len -= drop;
		if (len == 0)
			return size * n;
	}
	if (h->len - h->off >= HTTP_STREAM_HIGH_WATER) {
		h->paused = true;
		return CURL_WRITEFUNC_PAUSE;
	}
	if (!stream_reserve(h, len))
		return 0;
	if (h->s.max_bytes > 0 && h->delivered + len > (uint64_t)h->s.max_bytes) {
		h->too_big = true;
		return 0;
	}
	memcpy(h->buf + h->len, data, len);
	h->len += len;
	h->delivered += len;
	return size * n;
}

static void stream_drop_easy(struct http_stream *h)
{
	if (h->easy) {
		/*
		 * May be ignored: it fails only for a handle not in the multi
		 * handle, and the easy handle is freed right after either way.
		 */
		(void)curl_multi_remove_handle(h->multi, h->easy);
		curl_easy_cleanup(h->easy);
		h->easy = NULL;
	}
}

/* Start (or restart, from h->delivered) the transfer. */
static int stream_start(struct http_stream *h, struct joblet_error **err)
{
	const char *failed = NULL;
	CURLcode rc = CURLE_OK;
	CURLMcode mc;
	int r;

	stream_drop_easy(h);
	memset(&h->resp, 0, sizeof(h->resp));
	r = easy_new(h->url, &h->s, &h->resp, h->errbuf, &h->easy, err);
	if (r < 0)
		return r;
	HTTP_SETOPT(h->easy, failed, rc, CURLOPT_WRITEFUNCTION, stream_write_cb);
	HTTP_SETOPT(h->easy, failed, rc, CURLOPT_WRITEDATA, h);
	/*
	 * CURLOPT_RANGE, not RESUME_FROM: curl then leaves a 200 answer (a
	 * server without ranges) to us, and we skip what was delivered.
	 */
	if (h->delivered > 0) {
		snprintf(h->range, sizeof(h->range), "%llu-", (unsigned long long)h->delivered);
		HTTP_SETOPT(h->easy, failed, rc, CURLOPT_RANGE, h->range);
	}
	if (rc != CURLE_OK)
		return setopt_error(err, h->url, failed, rc);
	h->skip = 0;
	h->resume_from = h->delivered;
	h->body_started = false;
	h->paused = false;
	h->running = true;
	h->result = CURLE_OK;
	mc = curl_multi_add_handle(h->multi, h->easy);
	if (mc != CURLM_OK)
		return multi_error(err, h->url, mc);
	return 0;
}

/* Drive the transfer once, waiting up to a second for something to happen. */
static int stream_pump(struct http_stream *h, struct joblet_error **err)
{
	int running = 0, left;
	CURLMcode mc;
	CURLMsg *msg;

	if (h->paused && h->len - h->off < HTTP_STREAM_HIGH_WATER / 2) {
		CURLcode rc;

		/* Cleared first: the write callback may pause again inside curl_easy_pause(). */
		h->paused = false;
		rc = curl_easy_pause(h->easy, CURLPAUSE_CONT);
		if (rc != CURLE_OK)
			return curl_error(err, h->url, rc, NULL, h->s.stall_s);
	}
	mc = curl_multi_perform(h->multi, &running);
	while (mc == CURLM_OK && (msg = curl_multi_info_read(h->multi, &left)))
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == h->easy) {
			h->running = false;
			h->result = msg->data.result;
		}
	if (mc == CURLM_OK && h->running && h->len == h->off && !h->paused)
		mc = curl_multi_poll(h->multi, NULL, 0, 1000, NULL);
	return mc == CURLM_OK ? 0 : multi_error(err, h->url, mc);
}

/*
 * The first answer of an attempt arrived (status known): check it, and on a
 * resumed attempt line the body up with what was already delivered.
 * Returns 0, 1 to retry, or negative.
 */
static int stream_check_answer(struct http_stream *h, uint64_t asked_from,
			       struct joblet_error **err)
{
	long status = h->resp.status;

	if (status >= 200 && status < 300) {
		if (status == 206 && asked_from > 0 &&
		    (!h->resp.have_range || h->resp.range_start != asked_from))
			return joblet_error_set(
				err, JOBLET_E_NETWORK, 0,
				"resuming `%s` at byte %llu: the server answered another range",
				h->url, (unsigned long long)asked_from);
		return 0;
	}
	if (status_transient(status) && h->attempt < h->s.retries)
		return 1;
	return http_status_error(err, h->url, &h->resp);
}

/* Pump until the attempt's final answer is known or the attempt ends. */
static int stream_await_answer(struct http_stream *h, struct joblet_error **err)
{
	int r = 0;

	/* Redirects are followed by curl: wait for the final answer. */
	while (r == 0 && h->running &&
	       (h->resp.status == 0 || (h->resp.status >= 300 && h->resp.status < 400)))
		r = stream_pump(h, err);
	/* An error answer's body is discarded as it comes: let it end. */
	while (r == 0 && h->running && h->resp.status >= 400)
		r = stream_pump(h, err);
	return r;
}

/*
 * Run the current attempt until its status is known (answered) or it ends;
 * handles retries.  Used by open (to report 404s there) and by read.
 */
static int stream_settle(struct http_stream *h, struct joblet_error **err)
{
	for (;;) {
		uint64_t asked_from = h->delivered;
		int r;

		r = stream_await_answer(h, err);
		if (r < 0)
			return r;
		if (h->resp.status != 0) {
			r = stream_check_answer(h, asked_from, err);
			if (r <= 0)
				return r;
		} else if (!(curl_transient(h->result) && h->attempt < h->s.retries))
			return curl_error(err, h->url, h->result, h->errbuf, h->s.stall_s);
		joblet_plog_info("fetching `%s`: %s; trying again", h->url,
				 h->resp.status ? h->resp.reason : curl_easy_strerror(h->result));
		backoff(&h->s, h->attempt, h->resp.retry_after_s);
		h->attempt++;
		r = stream_start(h, err);
		if (r < 0)
			return r;
	}
}

/*
 * The attempt ended and everything it brought was read: end of file, a
 * resumed attempt, or the sticky failure.
 */
static void stream_after_attempt(struct http_stream *h)
{
	if (h->result == CURLE_OK) {
		if (h->total < 0 || h->delivered >= (uint64_t)h->total) {
			h->eof = true;
			return;
		}
		/* The server closed early without curl noticing: resume. */
		h->result = CURLE_PARTIAL_FILE;
	}
	if (h->too_big) {
		joblet_error_set(&h->failure, JOBLET_E_LIMIT, 0,
				 "`%s` is larger than the %lld bytes allowed", h->url,
				 (long long)h->s.max_bytes);
		return;
	}
	if (curl_transient(h->result) && h->attempt < h->s.retries) {
		joblet_plog_info("fetching `%s` broke off after %llu bytes (%s); resuming", h->url,
				 (unsigned long long)h->delivered, curl_easy_strerror(h->result));
		backoff(&h->s, h->attempt, 0);
		h->attempt++;
		if (stream_start(h, &h->failure) == 0)
			/* A failure lands in h->failure, which the reader sees next. */
			(void)stream_settle(h, &h->failure);
		return;
	}
	curl_error(&h->failure, h->url, h->result, h->errbuf, h->s.stall_s);
	if (h->total >= 0 && h->failure)
		joblet_error_prefix(&h->failure, 0, "after %llu of %lld bytes",
				    (unsigned long long)h->delivered, (long long)h->total);
}

static int64_t http_stream_read(struct joblet_stream *s, void *buf, size_t len,
				struct joblet_error **err)
{
	struct http_stream *h = (struct http_stream *)s;

	for (;;) {
		if (h->failure) {
			joblet_error_set(err, h->failure->code, 0, "%s", h->failure->message);
			return -h->failure->code;
		}
		if (h->len > h->off) {
			size_t n = h->len - h->off < len ? h->len - h->off : len;

			memcpy(buf, h->buf + h->off, n);
			h->off += n;
			return (int64_t)n;
		}
		if (h->eof || len == 0)
			return 0;
		if (h->running) {
			/* A failure lands in h->failure, returned at the top. */
			(void)stream_pump(h, &h->failure);
			continue;
		}
		stream_after_attempt(h);
	}
}

static void http_stream_close(struct joblet_stream *s)
{
	struct http_stream *h = (struct http_stream *)s;

	stream_drop_easy(h);
	/* May be ignored: it fails only for a handle that is not a multi handle. */
	if (h->multi)
		(void)curl_multi_cleanup(h->multi);
	joblet_error_free(h->failure);
	free(h->buf);
	free(h->url);
	free(h->s.ca_file);
	free(h);
}

int registry_http_open(const char *url, const struct registry_http_options *opts,
		       struct joblet_stream **ret_stream, struct joblet_error **err)
{
	struct http_stream *h;
	curl_off_t cl = -1;
	int r;

	if (!is_https(url))
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "`%s` is not an https:// URL",
					url ? url : "(null)");
	h = calloc(1, sizeof(*h));
	if (!h)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot fetch `%s`", url);
	h->base.size = sizeof(h->base);
	h->base.read = http_stream_read;
	h->base.close = http_stream_close;
	h->total = -1;
	r = settings_from(opts, &h->s, err);
	if (r < 0)
		goto fail;
	h->url = strdup(url);
	h->multi = curl_multi_init();
	if (!h->url || !h->multi) {
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot fetch `%s`", url);
		goto fail;
	}
	r = stream_start(h, err);
	if (r == 0)
		r = stream_settle(h, err);
	if (r < 0)
		goto fail;
	/* Without a length (no Content-Length, or the call failed) the stream's is -1. */
	if (curl_easy_getinfo(h->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK &&
	    cl >= 0)
		h->total = (int64_t)cl;
	h->base.length = h->total;
	if (h->s.max_bytes > 0 && h->total > h->s.max_bytes) {
		r = joblet_error_set(err, JOBLET_E_LIMIT, 0,
				     "`%s` is %lld bytes, more than the %lld allowed", url,
				     (long long)h->total, (long long)h->s.max_bytes);
		goto fail;
	}
	*ret_stream = &h->base;
	return 0;
fail:
	http_stream_close(&h->base);
	return r;
}

int registry_http_resolve(const char *base, const char *ref, char **ret_url,
			  struct joblet_error **err)
{
	CURLU *u = curl_url();
	char *out = NULL, *copy;
	CURLUcode rc;

	if (!u)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot resolve `%s`", ref);
	rc = curl_url_set(u, CURLUPART_URL, base, 0);
	if (rc == CURLUE_OK)
		rc = curl_url_set(u, CURLUPART_URL, ref, 0);
	if (rc == CURLUE_OK)
		rc = curl_url_get(u, CURLUPART_URL, &out, 0);
	curl_url_cleanup(u);
	if (rc == CURLUE_OUT_OF_MEMORY)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot resolve `%s`", ref);
	if (rc != CURLUE_OK)
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"cannot resolve `%s` against `%s`: %s", ref, base,
					curl_url_strerror(rc));
	copy = strdup(out);
	curl_free(out);
	if (!copy)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot resolve `%s`", ref);
	*ret_url = copy;
	return 0;
}

int registry_http_open_ref(const char *base, const char *ref,
			   const struct registry_http_options *opts,
			   struct joblet_stream **ret_stream, struct joblet_error **err)
{
	char *url = NULL;
	int r;

	r = registry_http_resolve(base, ref, &url, err);
	if (r < 0)
		return r;
	if (!is_https(url))
		r = joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"`%s` is not an https:// URL; another registry plugin may fetch it", url);
	else
		r = registry_http_open(url, opts, ret_stream, err);
	free(url);
	return r;
}

int registry_http_options_from_settings(const struct joblet_plugin_host *host,
					struct registry_http_options *opts,
					struct joblet_error **err)
{
	const char *ca = joblet_plugin_host_setting(host, "ca_file");
	int64_t n;
	int r;

	memset(opts, 0, sizeof(*opts));
	if (ca) {
		if (ca[0] != '/' || strlen(ca) >= sizeof(opts->ca_file))
			return joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"setting `ca_file` must be an absolute path of fewer than %zu bytes, not `%s`",
				sizeof(opts->ca_file), ca);
		memcpy(opts->ca_file, ca, strlen(ca) + 1);
	}
	r = joblet_plugin_host_setting_duration(host, "connect_timeout", 1, 86400, &n, err);
	if (r < 0)
		return r;
	if (r > 0)
		opts->connect_timeout_ms = n * 1000;
	r = joblet_plugin_host_setting_duration(host, "stall_timeout", 1, 86400, &n, err);
	if (r < 0)
		return r;
	if (r > 0)
		opts->stall_timeout_ms = n * 1000;
	r = joblet_plugin_host_setting_int(host, "retries", 0, 20, &n, err);
	if (r < 0)
		return r;
	if (r > 0)
		opts->retries = n == 0 ? -1 : (int32_t)n;
	return 0;
}
