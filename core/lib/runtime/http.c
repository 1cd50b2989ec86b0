/*
 * http.c - the SDK's HTTPS client (joblet_http_*), on libcurl with GnuTLS.
 *
 * Downloads are pulled: joblet_http_open() returns a stream whose read()
 * drives a curl multi handle until bytes arrive, pausing the transfer when
 * the reader falls behind, so memory stays bounded whatever the size.
 * When a transfer breaks off, the stream reconnects with a Range request
 * from the first byte not yet delivered (skipping bytes itself when the
 * server ignores ranges), so the reader sees one gap-free body.
 *
 * libjoblet does not link libcurl: the first request loads it with
 * dlopen().  Every joblet program, the per-job shim and every plugin link
 * libjoblet, and most of them never fetch anything; a linked libcurl would
 * map it and the ~30 libraries behind it (GnuTLS, Kerberos, LDAP, SSH, ...)
 * into each of them, costing megabytes and milliseconds at every start.
 */
#include <config.h>

#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <strings.h>
#include <time.h>

#include <joblet/http.h>
#include <joblet/log.h>
#include <joblet/plugin.h>
#include <joblet/version.h>

#include "base/util.h"
#include "base/log.h"

#define HTTP_DEFAULT_CONNECT_MS 15000
#define HTTP_DEFAULT_STALL_MS 60000
#define HTTP_DEFAULT_RETRIES 4
#define HTTP_DEFAULT_RETRY_BASE_MS 500
#define HTTP_MAX_BACKOFF_MS 30000
/* A stream pauses the transfer when this much is buffered and unread. */
#define HTTP_STREAM_HIGH_WATER (1024 * 1024)
/* The Debian package that holds JOBLET_CURL_SONAME, for the message when it is missing. */
#define HTTP_CURL_PACKAGE "libcurl3-gnutls"

/*
 * The libcurl functions this file calls, as libcurl.NAME for curl_NAME.
 * Their types come from curl's own prototypes (__typeof__ does not evaluate
 * its operand: no reference to the symbol is left for the linker), so the
 * compiler checks calls through the table as it checks direct ones; only
 * the type checks curl's macros add to direct curl_easy_setopt() calls do
 * not apply, so every option value here is of the type curl documents for
 * it (long, char *, a callback, a pointer).
 */
#define HTTP_CURL_FUNCTIONS(X)                                                                   \
	X(global_init) X(easy_strerror) X(easy_init) X(easy_setopt) X(easy_cleanup)               \
	X(easy_perform) X(easy_getinfo) X(easy_pause) X(slist_append) X(slist_free_all)           \
	X(multi_init) X(multi_add_handle) X(multi_remove_handle) X(multi_perform)                 \
	X(multi_info_read) X(multi_poll) X(multi_cleanup) X(url) X(url_set) X(url_get)            \
	X(url_cleanup) X(url_strerror) X(free)

#define HTTP_CURL_SLOT(name) __typeof__(&curl_##name) name;
static struct {
	HTTP_CURL_FUNCTIONS(HTTP_CURL_SLOT)
} libcurl;
#undef HTTP_CURL_SLOT

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static bool curl_loaded;	  /* the table is filled */
static char curl_load_error[512]; /* why not, when it is not */
static CURLcode curl_init_result;

/* Once per process: load libcurl, fill the table, initialise libcurl. */
static void http_global_init(void)
{
	void *lib = dlopen(JOBLET_CURL_SONAME, RTLD_NOW | RTLD_LOCAL);
	const char *missing = NULL, *why;

	if (!lib) {
		why = dlerror();
		snprintf(curl_load_error, sizeof(curl_load_error),
			 "the HTTPS client needs libcurl (`%s`), which cannot be loaded: %s; install "
			 "it (apt-get install %s)",
			 JOBLET_CURL_SONAME, why ? why : "unknown error", HTTP_CURL_PACKAGE);
		return;
	}
#define HTTP_CURL_LOAD(name)                                                                      \
	if (!missing && !(libcurl.name = (__typeof__(libcurl.name))dlsym(lib, "curl_" #name)))     \
		missing = "curl_" #name;
	HTTP_CURL_FUNCTIONS(HTTP_CURL_LOAD)
#undef HTTP_CURL_LOAD
	if (missing) {
		snprintf(curl_load_error, sizeof(curl_load_error),
			 "the HTTPS client needs `%s` from libcurl (`%s`), which lacks it; install "
			 "libcurl 7.85 or newer (apt-get install %s)",
			 missing, JOBLET_CURL_SONAME, HTTP_CURL_PACKAGE);
		memset(&libcurl, 0, sizeof(libcurl));
		dlclose(lib);
		return;
	}
	/* Loaded for good: never dlclose()d, libcurl keeps process-wide state. */
	curl_loaded = true;
	curl_init_result = libcurl.global_init(CURL_GLOBAL_DEFAULT);
}

/*
 * Every entry point that calls libcurl starts here.  A libcurl that cannot
 * be loaded is JOBLET_E_UNSUPPORTED (this host lacks it), never a crash;
 * with init, a failed curl_global_init() is JOBLET_E_NETWORK (requests need
 * it; joblet_http_resolve() only parses URLs and does without).
 */
static int http_init(bool init, struct joblet_error **err)
{
	pthread_once(&curl_once, http_global_init);
	if (!curl_loaded)
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0, "%s", curl_load_error);
	if (init && curl_init_result != CURLE_OK)
		return joblet_error_set(err, JOBLET_E_NETWORK, 0, "cannot initialise libcurl: %s",
					libcurl.easy_strerror(curl_init_result));
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

static int settings_from(const struct joblet_http_options *o, struct http_settings *s,
			 struct joblet_error **err)
{
	int r;

	memset(s, 0, sizeof(*s));
	r = http_init(true, err);
	if (r < 0)
		return r;
	s->connect_ms = HTTP_DEFAULT_CONNECT_MS;
	s->stall_s = HTTP_DEFAULT_STALL_MS / 1000;
	s->retries = HTTP_DEFAULT_RETRIES;
	s->retry_base_ms = HTTP_DEFAULT_RETRY_BASE_MS;
	if (o) {
		if (o->ca_file && !(s->ca_file = strdup(o->ca_file)))
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
	}
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
		int64_t s;
		const char *v = line + 12;

		while (*v == ' ')
			v++;
		if (jl_parse_int64(v, &s) == 0 && s >= 0)
			r->retry_after_s = (long)s;
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
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 408: return "Request Timeout";
	case 410: return "Gone";
	case 416: return "Range Not Satisfiable";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Error";
	}
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
	const char *detail = errbuf && *errbuf ? errbuf : libcurl.easy_strerror(c);

	switch (c) {
	case CURLE_OPERATION_TIMEDOUT:
		return joblet_error_set(err, JOBLET_E_TIMEOUT, 0,
					"fetching `%s` timed out (no data for %ld s, or no "
					"connection): %s",
					url, stall_s, detail);
	case CURLE_COULDNT_RESOLVE_HOST:
		return joblet_error_set(err, JOBLET_E_NETWORK, 0,
					"cannot resolve the host of `%s`: %s; check the address and "
					"the DNS",
					url, detail);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
		return joblet_error_set(err, JOBLET_E_NETWORK, 0,
					"cannot verify the TLS certificate of `%s`: %s; set the "
					"plugin's `ca_file` to the CA that signed it",
					url, detail);
	case CURLE_UNSUPPORTED_PROTOCOL:
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"`%s` (or a redirect from it) is not an https:// URL", url);
	default:
		return joblet_error_set(err, JOBLET_E_NETWORK, 0, "fetching `%s` failed: %s", url,
					detail);
	}
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

static CURL *easy_new(const char *url, const struct http_settings *s, struct http_response *resp,
		      char *errbuf)
{
	CURL *c = libcurl.easy_init();

	if (!c)
		return NULL;
	errbuf[0] = '\0';
	if (libcurl.easy_setopt(c, CURLOPT_URL, url) != CURLE_OK ||
	    libcurl.easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
	    libcurl.easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "https") != CURLE_OK) {
		libcurl.easy_cleanup(c);
		return NULL;
	}
	libcurl.easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	libcurl.easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	libcurl.easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, s->connect_ms);
	libcurl.easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
	libcurl.easy_setopt(c, CURLOPT_LOW_SPEED_TIME, s->stall_s);
	libcurl.easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	libcurl.easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	libcurl.easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
	if (s->ca_file)
		libcurl.easy_setopt(c, CURLOPT_CAINFO, s->ca_file);
	libcurl.easy_setopt(c, CURLOPT_USERAGENT, "joblet/" JOBLET_VERSION_STRING);
	libcurl.easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	libcurl.easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	libcurl.easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	libcurl.easy_setopt(c, CURLOPT_HEADERDATA, resp);
	return c;
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
	if (joblet_buffer_append(g->body, data, len, &g->append_err) < 0) {
		/* The caller's buffer limit (JOBLET_E_LIMIT), or no memory. */
		return 0;
	}
	return len;
}

int joblet_http_get(const char *url, const struct joblet_http_options *opts, const char *etag,
		    struct joblet_buffer *body, struct joblet_buffer *ret_etag,
		    int32_t *ret_not_modified, struct joblet_error **err)
{
	struct http_settings s;
	int r;

	if (!is_https(url))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"`%s` is not an https:// URL", url ? url : "(null)");
	r = settings_from(opts, &s, err);
	if (r < 0)
		return r;
	if (ret_not_modified)
		*ret_not_modified = 0;
	for (int attempt = 0;; attempt++) {
		struct http_response resp = { 0 };
		struct get_state g = { body, &resp, s.max_bytes, false, NULL };
		struct curl_slist *headers = NULL;
		char errbuf[CURL_ERROR_SIZE];
		_cleanup_free_ char *inm = NULL;
		CURL *c = easy_new(url, &s, &resp, errbuf);
		CURLcode res;

		if (!c) {
			r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot fetch `%s`", url);
			break;
		}
		joblet_buffer_reset(body);
		if (etag && *etag) {
			inm = jl_strdup_printf("If-None-Match: %s", etag);
			headers = inm ? libcurl.slist_append(NULL, inm) : NULL;
			libcurl.easy_setopt(c, CURLOPT_HTTPHEADER, headers);
		}
		libcurl.easy_setopt(c, CURLOPT_WRITEFUNCTION, get_write_cb);
		libcurl.easy_setopt(c, CURLOPT_WRITEDATA, &g);
		res = libcurl.easy_perform(c);
		libcurl.easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp.status);
		libcurl.easy_cleanup(c);
		libcurl.slist_free_all(headers);

		if (g.too_big) {
			r = joblet_error_set(err, JOBLET_E_LIMIT, 0,
					     "`%s` is larger than the %lld bytes allowed", url,
					     (long long)s.max_bytes);
			break;
		}
		if (g.append_err) {
			r = joblet_error_set(err, g.append_err->code, 0, "`%s`: %s", url,
					     g.append_err->message);
			joblet_error_free(g.append_err);
			break;
		}
		if (res == CURLE_OK && resp.status == 304 && etag && *etag) {
			if (ret_not_modified)
				*ret_not_modified = 1;
			if (ret_etag) {
				joblet_buffer_reset(ret_etag);
				joblet_buffer_append_str(ret_etag, *resp.etag ? resp.etag : etag, NULL);
			}
			r = 0;
			break;
		}
		if (res == CURLE_OK && resp.status >= 200 && resp.status < 300) {
			if (ret_etag) {
				joblet_buffer_reset(ret_etag);
				if (joblet_buffer_append_str(ret_etag, resp.etag, err) < 0) {
					r = -JOBLET_E_NOMEM;
					break;
				}
			}
			r = 0;
			break;
		}
		if ((res == CURLE_OK ? status_transient(resp.status) : curl_transient(res)) &&
		    attempt < s.retries) {
			jl_log(JOBLET_LOG_INFO, NULL, "fetching `%s`: %s; trying again", url,
				   res == CURLE_OK ? resp.reason : libcurl.easy_strerror(res));
			backoff(&s, attempt, resp.retry_after_s);
			continue;
		}
		r = res == CURLE_OK ? http_status_error(err, url, &resp)
				    : curl_error(err, url, res, errbuf, s.stall_s);
		break;
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
	uint8_t *buf;	    /* received, not yet read: buf[off..len) */
	size_t off, len, cap;
	bool paused;
	bool running;	    /* the current attempt has not finished */
	CURLcode result;    /* of the finished attempt */
	uint64_t delivered; /* body bytes handed to the reader or buffered */
	uint64_t skip;	    /* bytes of this attempt's body already delivered before */
	uint64_t resume_from; /* what this attempt asked for with Range, 0 for all */
	bool body_started;  /* this attempt's first body byte arrived */
	int attempt;
	int64_t total;	    /* full body length, -1 when unknown */
	struct joblet_error *failure; /* sticky */
	bool eof;
	bool too_big;	    /* more than max_bytes arrived */
};

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
	if (h->off > 0 && h->off == h->len)
		h->off = h->len = 0;
	if (h->len + len > h->cap) {
		size_t ncap = h->cap ? h->cap : 64 * 1024;
		uint8_t *nb;

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
				return 0;
			h->buf = nb;
			h->cap = ncap;
		}
	}
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
		libcurl.multi_remove_handle(h->multi, h->easy);
		libcurl.easy_cleanup(h->easy);
		h->easy = NULL;
	}
}

/* Start (or restart, from h->delivered) the transfer. */
static int stream_start(struct http_stream *h, struct joblet_error **err)
{
	stream_drop_easy(h);
	memset(&h->resp, 0, sizeof(h->resp));
	h->easy = easy_new(h->url, &h->s, &h->resp, h->errbuf);
	if (!h->easy)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot fetch `%s`", h->url);
	libcurl.easy_setopt(h->easy, CURLOPT_WRITEFUNCTION, stream_write_cb);
	libcurl.easy_setopt(h->easy, CURLOPT_WRITEDATA, h);
	/*
	 * CURLOPT_RANGE, not RESUME_FROM: curl then leaves a 200 answer (a
	 * server without ranges) to us, and we skip what was delivered.
	 */
	if (h->delivered > 0) {
		snprintf(h->range, sizeof(h->range), "%llu-", (unsigned long long)h->delivered);
		libcurl.easy_setopt(h->easy, CURLOPT_RANGE, h->range);
	}
	h->skip = 0;
	h->resume_from = h->delivered;
	h->body_started = false;
	h->paused = false;
	h->running = true;
	h->result = CURLE_OK;
	if (libcurl.multi_add_handle(h->multi, h->easy) != CURLM_OK)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot fetch `%s`", h->url);
	return 0;
}

/* Drive the transfer once; returns true while it runs. */
static void stream_pump(struct http_stream *h)
{
	int running = 0, left;
	CURLMsg *msg;

	if (h->paused && h->len - h->off < HTTP_STREAM_HIGH_WATER / 2) {
		h->paused = false;
		libcurl.easy_pause(h->easy, CURLPAUSE_CONT);
	}
	libcurl.multi_perform(h->multi, &running);
	while ((msg = libcurl.multi_info_read(h->multi, &left)))
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == h->easy) {
			h->running = false;
			h->result = msg->data.result;
		}
	if (h->running && h->len == h->off && !h->paused)
		libcurl.multi_poll(h->multi, NULL, 0, 1000, NULL);
}

/*
 * The first answer of an attempt arrived (status known): check it, and on a
 * resumed attempt line the body up with what was already delivered.
 * Returns 0, 1 to retry, or negative.
 */
static int stream_check_answer(struct http_stream *h, uint64_t asked_from, struct joblet_error **err)
{
	long status = h->resp.status;

	if (status >= 200 && status < 300) {
		if (status == 206 && asked_from > 0 &&
		    (!h->resp.have_range || h->resp.range_start != asked_from))
			return joblet_error_set(err, JOBLET_E_NETWORK, 0,
						"resuming `%s` at byte %llu: the server answered "
						"another range",
						h->url, (unsigned long long)asked_from);
		return 0;
	}
	if (status_transient(status) && h->attempt < h->s.retries)
		return 1;
	return http_status_error(err, h->url, &h->resp);
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

		/* Wait for the final answer (redirects are followed by curl). */
		while (h->running && (h->resp.status == 0 ||
				      (h->resp.status >= 300 && h->resp.status < 400)))
			stream_pump(h);
		/* An error answer's body is discarded as it comes: let it end. */
		while (h->running && h->resp.status >= 400)
			stream_pump(h);
		if (h->resp.status != 0) {
			r = stream_check_answer(h, asked_from, err);
			if (r < 0)
				return r;
			if (r == 0)
				return 0;
		} else if (!(curl_transient(h->result) && h->attempt < h->s.retries))
			return curl_error(err, h->url, h->result, h->errbuf, h->s.stall_s);
		jl_log(JOBLET_LOG_INFO, NULL, "fetching `%s`: %s; trying again", h->url,
			   h->resp.status ? h->resp.reason : libcurl.easy_strerror(h->result));
		backoff(&h->s, h->attempt, h->resp.retry_after_s);
		h->attempt++;
		r = stream_start(h, err);
		if (r < 0)
			return r;
	}
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
			stream_pump(h);
			continue;
		}
		/* The attempt ended and everything it brought was read. */
		if (h->result == CURLE_OK) {
			if (h->total >= 0 && h->delivered < (uint64_t)h->total) {
				/* The server closed early without curl noticing: resume. */
				h->result = CURLE_PARTIAL_FILE;
			} else {
				h->eof = true;
				return 0;
			}
		}
		if (h->too_big) {
			joblet_error_set(&h->failure, JOBLET_E_LIMIT, 0,
					 "`%s` is larger than the %lld bytes allowed", h->url,
					 (long long)h->s.max_bytes);
			continue;
		}
		if (curl_transient(h->result) && h->attempt < h->s.retries) {
			struct joblet_error *e = NULL;

			jl_log(JOBLET_LOG_INFO, NULL,
				   "fetching `%s` broke off after %llu bytes (%s); resuming", h->url,
				   (unsigned long long)h->delivered, libcurl.easy_strerror(h->result));
			backoff(&h->s, h->attempt, 0);
			h->attempt++;
			if (stream_start(h, &e) < 0 || stream_settle(h, &e) < 0) {
				h->failure = e;
				continue;
			}
			continue;
		}
		curl_error(&h->failure, h->url, h->result, h->errbuf, h->s.stall_s);
		if (h->total >= 0 && h->failure)
			joblet_error_prefix(&h->failure, 0, "after %llu of %lld bytes",
					    (unsigned long long)h->delivered, (long long)h->total);
	}
}

static void http_stream_close(struct joblet_stream *s)
{
	struct http_stream *h = (struct http_stream *)s;

	stream_drop_easy(h);
	if (h->multi)
		libcurl.multi_cleanup(h->multi);
	joblet_error_free(h->failure);
	free(h->buf);
	free(h->url);
	free(h->s.ca_file);
	free(h);
}

int joblet_http_open(const char *url, const struct joblet_http_options *opts,
		     struct joblet_stream **ret_stream, struct joblet_error **err)
{
	struct http_stream *h;
	curl_off_t cl = -1;
	int r;

	if (!is_https(url))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"`%s` is not an https:// URL", url ? url : "(null)");
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
	h->multi = libcurl.multi_init();
	if (!h->url || !h->multi) {
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot fetch `%s`", url);
		goto fail;
	}
	r = stream_start(h, err);
	if (r == 0)
		r = stream_settle(h, err);
	if (r < 0)
		goto fail;
	if (libcurl.easy_getinfo(h->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK && cl >= 0)
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

int joblet_http_resolve(const char *base, const char *ref, char **ret_url,
			struct joblet_error **err)
{
	CURLU *u;
	char *out = NULL, *copy;
	CURLUcode rc;
	int r;

	r = http_init(false, err);
	if (r < 0)
		return r;
	u = libcurl.url();
	if (!u)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot resolve `%s`", ref);
	rc = libcurl.url_set(u, CURLUPART_URL, base, 0);
	if (rc == CURLUE_OK)
		rc = libcurl.url_set(u, CURLUPART_URL, ref, 0);
	if (rc == CURLUE_OK)
		rc = libcurl.url_get(u, CURLUPART_URL, &out, 0);
	libcurl.url_cleanup(u);
	if (rc != CURLUE_OK)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "cannot resolve `%s` against `%s`: %s",
					ref, base, libcurl.url_strerror(rc));
	copy = strdup(out);
	libcurl.free(out);
	if (!copy)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot resolve `%s`", ref);
	*ret_url = copy;
	return 0;
}

int joblet_http_open_ref(const char *base, const char *ref, const struct joblet_http_options *opts,
			 struct joblet_stream **ret_stream, struct joblet_error **err)
{
	_cleanup_free_ char *url = NULL;
	int r;

	r = joblet_http_resolve(base, ref, &url, err);
	if (r < 0)
		return r;
	if (!is_https(url))
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0,
					"`%s` is not an https:// URL; another registry plugin may "
					"fetch it",
					url);
	return joblet_http_open(url, opts, ret_stream, err);
}

int joblet_http_options_from_settings(const struct joblet_plugin_host *host,
				      struct joblet_http_options *opts, char *ca_buf, size_t ca_len,
				      struct joblet_error **err)
{
	static const char *const durations[] = { "connect_timeout", "stall_timeout" };
	const char *v;
	int64_t n;

	memset(opts, 0, sizeof(*opts));
	opts->size = sizeof(*opts);
	v = joblet_plugin_host_setting(host, "ca_file");
	if (v) {
		if (v[0] != '/' || strlen(v) >= ca_len)
			return joblet_error_set(err, JOBLET_E_CONFIG, 0,
						"setting `ca_file` must be an absolute path of fewer "
						"than %zu bytes, not `%s`",
						ca_len, v);
		memcpy(ca_buf, v, strlen(v) + 1);
		opts->ca_file = ca_buf;
	}
	for (size_t i = 0; i < ELEMENTSOF(durations); i++) {
		v = joblet_plugin_host_setting(host, durations[i]);
		if (!v)
			continue;
		if (jl_parse_duration(v, &n) < 0 || n < 1 || n > 86400)
			return joblet_error_set(err, JOBLET_E_CONFIG, 0,
						"setting `%s` must be a duration from 1s to 1d (15s, "
						"2m), not `%s`",
						durations[i], v);
		if (i == 0)
			opts->connect_timeout_ms = n * 1000;
		else
			opts->stall_timeout_ms = n * 1000;
	}
	v = joblet_plugin_host_setting(host, "retries");
	if (v) {
		if (jl_parse_int64(v, &n) < 0 || n < 0 || n > 20)
			return joblet_error_set(err, JOBLET_E_CONFIG, 0,
						"setting `retries` must be a whole number from 0 to 20, "
						"not `%s`",
						v);
		opts->retries = n == 0 ? -1 : (int32_t)n;
	}
	return 0;
}
