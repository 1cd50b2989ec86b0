/*
 * api.c - rnx's HTTPS client of the joblet API (see api.h for the rules).
 *
 * One curl easy handle per rnx_api.  Before each call it is reset
 * (curl_easy_reset() keeps live connections and the TLS session cache) and
 * given the same TLS options again, so curl finds its open connection
 * matching and reuses it.
 */
#include <config.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <json.h>

#include <joblet/error.h>

#include <joblet/version.h>

#include "api.h"
#include "base/error.h"
#include "config/client_config.h"

/* Only the error body of a failed stream is kept, and only this much of it. */
#define ERROR_BODY_MAX	  (64u << 10)
#define CONNECT_TIMEOUT_S 10L
#define STALL_TIMEOUT_S	  60L

/* A PEM of the node as libcurl sees it: a path, and our memfd when inline. */
struct pem_file {
	const char *key;    /* "cert", "key", "ca" */
	const char *source; /* the file it came from, or NULL when inline */
	char *path;	    /* what curl opens */
	int fd;		    /* memfd of inline PEM, or -1 */
};

struct rnx_api {
	CURL *curl;
	struct jl_client_config *cfg;
	const struct jl_client_node *node; /* borrowed from cfg */
	char *host;			   /* the address without the port (and [ ]) */
	char *user_agent;
	struct pem_file cert, key, ca;
	char *last_event_id;
	unsigned connections;
	long retry_after;    /* of the last answer, or -1 */
	long timeout_ms;     /* rnx_api_set_timeout(): the whole of each call, or 0 */
	rnx_api_watch watch; /* rnx_api_set_watch(), or NULL */
	void *watch_data;
	int curl_inited;
	char errbuf[CURL_ERROR_SIZE];
};

/* One transfer in flight. */
enum xfer_mode {
	XFER_UNDECIDED = 0,
	XFER_BODY = 1,	  /* a plain request: the body is kept */
	XFER_STREAM = 2,  /* 2xx text/event-stream: bytes go to the parser */
	XFER_ERROR = 3,	  /* a stream's error answer: the body is kept (bounded) */
	XFER_NOT_SSE = 4, /* a stream's 2xx answer of another type: aborted */
	XFER_SINK = 5,	  /* a download's 2xx answer: bytes go to the sink */
};

struct xfer {
	struct rnx_api *api;
	enum xfer_mode mode;
	char *buf;
	size_t len, cap, max;
	int too_big;
	struct rnx_sse_parser *parser;
	int stopped;		   /* the callback said stop */
	struct joblet_error *perr; /* the parser's error */
	char reason[128];	   /* reason phrase of the last status line */
	char *content_type;
	curl_mime *mime;   /* a multipart/form-data body (borrowed), or NULL */
	long retry_after;  /* Retry-After of the answer in seconds, or -1 */
	rnx_api_sink sink; /* a download's (rnx_api_download()), or NULL */
	void *sink_data;
};

static void xfer_done(struct xfer *x)
{
	free(x->buf);
	free(x->content_type);
	joblet_error_free(x->perr);
	rnx_sse_parser_free(x->parser);
}

/* ------------------------------------------------------------------ open */

static void pem_file_init(struct pem_file *f, const char *key)
{
	f->key = key;
	f->source = NULL;
	f->path = NULL;
	f->fd = -1;
}

static void pem_file_done(struct pem_file *f)
{
	free(f->path);
	if (f->fd >= 0)
		close(f->fd);
	f->path = NULL;
	f->fd = -1;
}

/* Hand PEM text that came inline to curl through a memfd, or name its file. */
static int pem_file_setup(struct pem_file *f, const struct rnx_api *api, const char *pem,
			  const char *path, struct joblet_error **err)
{
	size_t len = strlen(pem), done = 0;
	char name[32];

	if (path) {
		f->source = path;
		f->path = strdup(path);
		if (!f->path)
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
						"cannot prepare the `%s` of node `%s`", f->key,
						api->node->name);
		return 0;
	}
	snprintf(name, sizeof(name), "rnx-%s", f->key);
	f->fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (f->fd < 0)
		return joblet_error_set(
			err, JOBLET_E_SYSTEM, errno,
			"cannot hand the inline `%s` of node `%s` to libcurl (memfd_create)",
			f->key, api->node->name);
	while (done < len) {
		ssize_t n = write(f->fd, pem + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return joblet_error_set(
				err, JOBLET_E_SYSTEM, n < 0 ? errno : EIO,
				"cannot hand the inline `%s` of node `%s` to libcurl (writing its memfd)",
				f->key, api->node->name);
		done += (size_t)n;
	}
	/* Nobody else holds the fd; the seals only make the PEM read-only. */
	(void)fcntl(f->fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL);
	if (asprintf(&f->path, "/proc/self/fd/%d", f->fd) < 0) {
		f->path = NULL;
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot prepare the `%s` of node `%s`", f->key,
					api->node->name);
	}
	if (access(f->path, R_OK) < 0)
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, errno,
			"cannot hand the inline `%s` of node `%s` to libcurl through `%s` (is /proc mounted?); or write it to a file and name that file in `%s`",
			f->key, api->node->name, f->path, api->cfg->source);
	return 0;
}

/* "host" of "host:port" or "[v6]:port". */
static char *address_host(const char *address)
{
	const char *colon;

	if (address[0] == '[') {
		const char *close = strchr(address, ']');

		return close ? strndup(address + 1, (size_t)(close - address - 1))
			     : strdup(address);
	}
	colon = strrchr(address, ':');
	return colon ? strndup(address, (size_t)(colon - address)) : strdup(address);
}

static int has_pem(const char *s)
{
	return s && strstr(s, "-----BEGIN ");
}

/* The client configuration, with what to do when there is none. */
static int locate_config(const char *config_path, char **ret_path, struct joblet_error **err)
{
	const char *env = getenv("RNX_CONFIG");
	struct joblet_error *e = NULL;
	int r = jl_client_config_locate(config_path, ret_path, &e);

	if (r == 0)
		return 0;
	if (e && e->code == JOBLET_E_NOT_FOUND && (config_path || (env && *env)))
		r = joblet_error_set(
			err, JOBLET_E_NOT_FOUND, 0,
			"%s; `joblet certs init --dir DIR` on the joblet host makes one (DIR/rnx-config.yml): copy it to ~/.rnx/rnx-config.yml, or name it with --config FILE or $RNX_CONFIG",
			joblet_error_message(e));
	else if (e && e->code == JOBLET_E_NOT_FOUND)
		/* The search message already says where it looked and about --config. */
		r = joblet_error_set(
			err, JOBLET_E_NOT_FOUND, 0,
			"%s; `joblet certs init --dir DIR` on the joblet host makes one (DIR/rnx-config.yml)",
			joblet_error_message(e));
	else if (e)
		joblet_error_move(err, &e);
	joblet_error_free(e);
	return r;
}

int rnx_api_open(const char *config_path, const char *node, struct rnx_api **ret,
		 struct joblet_error **err)
{
	struct rnx_api *api = calloc(1, sizeof(*api));
	char *path = NULL;
	CURLcode cr;
	int r;

	if (!api)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					"cannot set up the API client");
	pem_file_init(&api->cert, "cert");
	pem_file_init(&api->key, "key");
	pem_file_init(&api->ca, "ca");
	r = locate_config(config_path, &path, err);
	if (r < 0)
		goto fail;
	r = jl_client_config_load(path, &api->cfg, err);
	free(path);
	if (r < 0)
		goto fail;
	r = jl_client_config_select(api->cfg, node, &api->node, err);
	if (r < 0)
		goto fail;
	/* The loader insists on all three; this holds whatever it becomes. */
	if (!has_pem(api->node->cert_pem) || !has_pem(api->node->key_pem)) {
		r = joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"node `%s` in `%s` has no client certificate: set cert and key (run `joblet certs init`)",
			api->node->name, api->cfg->source);
		goto fail;
	}
	if (!has_pem(api->node->ca_pem)) {
		r = joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"node `%s` in `%s` has no `ca`: set it to the CA that signed the server certificate",
			api->node->name, api->cfg->source);
		goto fail;
	}
	api->host = address_host(api->node->address);
	if (asprintf(&api->user_agent, "rnx/%s", JOBLET_VERSION_STRING) < 0)
		api->user_agent = NULL;
	if (!api->host || !api->user_agent) {
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot set up the API client");
		goto fail;
	}
	r = pem_file_setup(&api->cert, api, api->node->cert_pem, api->node->cert_path, err);
	if (r == 0)
		r = pem_file_setup(&api->key, api, api->node->key_pem, api->node->key_path, err);
	if (r == 0)
		r = pem_file_setup(&api->ca, api, api->node->ca_pem, api->node->ca_path, err);
	if (r < 0)
		goto fail;
	cr = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (cr != CURLE_OK) {
		r = joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0, "cannot initialise libcurl: %s",
				     curl_easy_strerror(cr));
		goto fail;
	}
	api->curl_inited = 1;
	api->curl = curl_easy_init();
	if (!api->curl) {
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot set up a libcurl handle");
		goto fail;
	}
	*ret = api;
	return 0;
fail:
	rnx_api_free(api);
	return r;
}

void rnx_api_free(struct rnx_api *api)
{
	if (!api)
		return;
	if (api->curl)
		curl_easy_cleanup(api->curl);
	if (api->curl_inited)
		curl_global_cleanup();
	pem_file_done(&api->cert);
	pem_file_done(&api->key);
	pem_file_done(&api->ca);
	jl_client_config_free(api->cfg);
	free(api->host);
	free(api->user_agent);
	free(api->last_event_id);
	free(api);
}

const char *rnx_api_node(const struct rnx_api *api)
{
	return api->node->name;
}

const char *rnx_api_address(const struct rnx_api *api)
{
	return api->node->address;
}

const char *rnx_api_config_path(const struct rnx_api *api)
{
	return api->cfg->source;
}

void rnx_api_set_timeout(struct rnx_api *api, long ms)
{
	api->timeout_ms = ms > 0 ? ms : 0;
}

unsigned rnx_api_connections(const struct rnx_api *api)
{
	return api->connections;
}

void rnx_api_set_watch(struct rnx_api *api, rnx_api_watch watch, void *userdata)
{
	api->watch = watch;
	api->watch_data = userdata;
}

const char *rnx_api_last_event_id(const struct rnx_api *api)
{
	return api->last_event_id ? api->last_event_id : "";
}

/* ------------------------------------------------------------------ errors */

/* The JOBLET_E_* named `name` (docs/error-codes.md), or JOBLET_E_HTTP. */
static int32_t code_by_name(const char *name)
{
	for (int32_t c = 1; c <= JL_E_LAST; c++)
		if (strcmp(jl_error_code_name(c), name) == 0)
			return c;
	return JOBLET_E_HTTP;
}

int rnx_api_status_error(long status, const char *body, size_t len, struct joblet_error **err)
{
	json_tokener *tok = json_tokener_new();
	json_object *root = NULL, *eo, *v;
	const char *code = NULL, *message = NULL;
	int r;

	if (tok && len > 0 && len < INT32_MAX) {
		root = json_tokener_parse_ex(tok, body, (int)len);
		if (root && json_tokener_get_error(tok) != json_tokener_success) {
			json_object_put(root);
			root = NULL;
		}
	}
	json_tokener_free(tok);
	if (root && json_object_object_get_ex(root, "error", &eo) &&
	    json_object_is_type(eo, json_type_object)) {
		if (json_object_object_get_ex(eo, "code", &v) &&
		    json_object_is_type(v, json_type_string))
			code = json_object_get_string(v);
		if (json_object_object_get_ex(eo, "message", &v) &&
		    json_object_is_type(v, json_type_string))
			message = json_object_get_string(v);
	}
	if (message && *message) {
		r = joblet_error_set_detail(err, code ? code_by_name(code) : JOBLET_E_HTTP,
					    (int32_t)status, "%s", message);
	} else {
		/* The first line of whatever it is, without control bytes, cut short. */
		char line[161];
		size_t n = 0, i = 0;

		while (i < len &&
		       (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
			i++;
		for (; i < len && body[i] != '\n' && body[i] != '\r' && n < sizeof(line) - 1; i++)
			line[n++] =
				(unsigned char)body[i] < 0x20 || body[i] == 0x7f ? '?' : body[i];
		while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
			n--;
		line[n] = '\0';
		if (n > 0)
			r = joblet_error_set_detail(
				err, JOBLET_E_HTTP, (int32_t)status, "HTTP %ld: %s%s", status, line,
				i < len && body[i] != '\n' && body[i] != '\r' ? "..." : "");
		else
			r = joblet_error_set_detail(err, JOBLET_E_HTTP, (int32_t)status, "HTTP %ld",
						    status);
	}
	json_object_put(root);
	return r;
}

/* curl's error text, with our memfd paths named for what they hold. */
static void error_detail(const struct rnx_api *api, CURLcode res, char *out, size_t outlen)
{
	const struct pem_file *files[] = { &api->cert, &api->key, &api->ca };
	const char *src = api->errbuf[0] ? api->errbuf : curl_easy_strerror(res);
	size_t n = 0;

	while (*src && n + 1 < outlen) {
		size_t i;

		for (i = 0; i < 3; i++) {
			const struct pem_file *f = files[i];
			size_t plen;

			if (f->fd < 0 || !f->path)
				continue;
			plen = strlen(f->path);
			if (strncmp(src, f->path, plen) == 0 &&
			    !isdigit((unsigned char)src[plen])) {
				int w = snprintf(out + n, outlen - n, "(inline %s)", f->key);

				n = w < 0 || (size_t)w >= outlen - n ? outlen - 1 : n + (size_t)w;
				src += plen;
				break;
			}
		}
		if (i == 3)
			out[n++] = *src++;
	}
	out[n] = '\0';
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == ' ' || out[n - 1] == '.'))
		out[--n] = '\0';
}

/* "the client certificate of `FILE`": its file, or the configuration holding it inline. */
static const char *cert_source(const struct rnx_api *api)
{
	return api->cert.source ? api->cert.source : api->cfg->source;
}

/*
 * The connection and TLS options of every call: the same each time, so the
 * open connection matches and is reused.
 */
static CURLcode connection_options(const struct rnx_api *api, CURL *c, const char *url)
{
	CURLcode cr = CURLE_OK;

	cr |= curl_easy_setopt(c, CURLOPT_URL, url);
	cr |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
	/* The path as written: `..` goes to the node, which refuses it, not resolved here
	 * to another route. */
	cr |= curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
	cr |= curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
	cr |= curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_3);
	cr |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	cr |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	cr |= curl_easy_setopt(c, CURLOPT_CAINFO, api->ca.path);
	cr |= curl_easy_setopt(c, CURLOPT_CAPATH, NULL);
	cr |= curl_easy_setopt(c, CURLOPT_SSLCERT, api->cert.path);
	cr |= curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
	cr |= curl_easy_setopt(c, CURLOPT_SSLKEY, api->key.path);
	cr |= curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
	cr |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, CONNECT_TIMEOUT_S);
	if (api->timeout_ms > 0) {
		cr |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, api->timeout_ms);
		cr |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, api->timeout_ms);
	}
	cr |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	cr |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	cr |= curl_easy_setopt(c, CURLOPT_TCP_KEEPIDLE, 30L);
	cr |= curl_easy_setopt(c, CURLOPT_TCP_KEEPINTVL, 10L);
	return cr;
}

/*
 * What is known of a failed transfer.  It is classified by curl's codes and
 * GnuTLS's, never by the text of their messages: that text (detail) is
 * only shown to people.
 */
struct failure {
	struct rnx_api *api;
	CURLcode res;
	const char *method, *path;
	const char *name, *addr; /* the node's */
	char detail[CURL_ERROR_SIZE + 64];
	long oserr;	 /* CURLINFO_OS_ERRNO */
	long verify;	 /* CURLINFO_SSL_VERIFYRESULT: GnuTLS's gnutls_certificate_status_t bits */
	long request;	 /* CURLINFO_REQUEST_SIZE: bytes of request sent, 0 before any */
	bool fresh;	 /* a new connection that ended before any answer */
	bool handshaken; /* ... after its TLS handshake was complete */
};

static void failure_read(struct rnx_api *api, CURLcode res, const char *method, const char *path,
			 struct failure *f)
{
	long connects = 0, status = 0;
	curl_off_t appconnect = 0;

	f->api = api;
	f->res = res;
	f->method = method;
	f->path = path;
	f->name = api->node->name;
	f->addr = api->node->address;
	error_detail(api, res, f->detail, sizeof(f->detail));
	f->oserr = f->verify = f->request = 0;
	/* An info curl lacks keeps its 0, which is what "nothing happened" reads as. */
	(void)curl_easy_getinfo(api->curl, CURLINFO_OS_ERRNO, &f->oserr);
	(void)curl_easy_getinfo(api->curl, CURLINFO_SSL_VERIFYRESULT, &f->verify);
	(void)curl_easy_getinfo(api->curl, CURLINFO_REQUEST_SIZE, &f->request);
	(void)curl_easy_getinfo(api->curl, CURLINFO_NUM_CONNECTS, &connects);
	(void)curl_easy_getinfo(api->curl, CURLINFO_RESPONSE_CODE, &status);
	(void)curl_easy_getinfo(api->curl, CURLINFO_APPCONNECT_TIME_T, &appconnect);
	/* Where a TLS 1.3 server that refuses the client certificate leaves us. */
	f->fresh = connects > 0 && status == 0;
	f->handshaken = f->fresh && appconnect > 0;
}

/* Connecting failed: refused, no such host, or no answer in time. */
static int connect_error(const struct failure *f, struct joblet_error **err)
{
	const struct rnx_api *api = f->api;

	switch (f->res) {
	case CURLE_COULDNT_CONNECT:
		if (f->oserr == ECONNREFUSED)
			return joblet_error_set(
				err, JOBLET_E_NETWORK, 0,
				"cannot connect to node `%s` at `%s`: connection refused; is `joblet serve` running there?",
				f->name, f->addr);
		return joblet_error_set(
			err, JOBLET_E_NETWORK, 0,
			"cannot connect to node `%s` at `%s`: %s; check the address in `%s` and the network",
			f->name, f->addr, f->oserr ? strerror((int)f->oserr) : f->detail,
			api->cfg->source);
	case CURLE_COULDNT_RESOLVE_HOST:
		return joblet_error_set(
			err, JOBLET_E_NETWORK, 0,
			"cannot connect to node `%s`: host `%s` not found (%s); check the address in `%s`",
			f->name, api->host, f->detail, api->cfg->source);
	default:
		/* CURLE_OPERATION_TIMEDOUT.  Once the request is sent only the stall
		 * rule (CURLOPT_LOW_SPEED_*) is left; before, the connect time ran out. */
		if (f->request == 0)
			return joblet_error_set(
				err, JOBLET_E_TIMEOUT, 0,
				"cannot connect to node `%s` at `%s`: no answer within %ld s; check the address in `%s`, the network and firewalls",
				f->name, f->addr, CONNECT_TIMEOUT_S, api->cfg->source);
		return joblet_error_set(
			err, JOBLET_E_TIMEOUT, 0,
			"node `%s` at `%s` sent nothing for %ld s (%s %s); try again later",
			f->name, f->addr, STALL_TIMEOUT_S, f->method, f->path);
	}
}

/* A certificate or key of the configuration does not do. */
static int certificate_error(const struct failure *f, struct joblet_error **err)
{
	const struct rnx_api *api = f->api;

	switch (f->res) {
	case CURLE_PEER_FAILED_VERIFICATION:
		/* The chain verified (no GnuTLS status bit set), so the host name failed. */
		if (f->verify == 0 || (f->verify & GNUTLS_CERT_UNEXPECTED_OWNER))
			return joblet_error_set(
				err, JOBLET_E_CONFIG, 0,
				"the server certificate of node `%s` is not for `%s` (%s); the address in `%s` must be a host name or IP address the certificate holds, and `ca` the CA that signed it",
				f->name, api->host, f->detail, api->cfg->source);
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"the server certificate of node `%s` at `%s` is not trusted (%s); `ca` of node `%s` in `%s` must be the CA that signed the server certificate",
			f->name, f->addr, f->detail, f->name, api->cfg->source);
	case CURLE_SSL_CACERT_BADFILE:
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"cannot use `ca` of node `%s` in `%s` (%s); it must be the PEM certificate of the CA that signed the server certificate",
			f->name, api->ca.source ? api->ca.source : api->cfg->source, f->detail);
	default:
		/* CURLE_SSL_CERTPROBLEM */
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"cannot use the client certificate of `%s` for node `%s` (%s); cert must be a PEM certificate and key its unencrypted PEM private key",
			cert_source(api), f->name, f->detail);
	}
}

/*
 * Whether GnuTLS takes the node's client certificate with its key: 0, or
 * the GNUTLS_E_* code that curl met loading them (it reports them only as
 * CURLE_SSL_CONNECT_ERROR).
 */
static int client_pair_check(const struct rnx_api *api)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t cert = { (unsigned char *)api->node->cert_pem,
				(unsigned int)strlen(api->node->cert_pem) };
	gnutls_datum_t key = { (unsigned char *)api->node->key_pem,
			       (unsigned int)strlen(api->node->key_pem) };
	int r = gnutls_certificate_allocate_credentials(&cred);

	if (r < 0)
		return r;
	r = gnutls_certificate_set_x509_key_mem2(cred, &cert, &key, GNUTLS_X509_FMT_PEM, NULL, 0);
	gnutls_certificate_free_credentials(cred);
	return r < 0 ? r : 0;
}

/* The TLS handshake failed: our certificate and key, or the server's TLS. */
static int handshake_error(const struct failure *f, struct joblet_error **err)
{
	const struct rnx_api *api = f->api;
	int pair = client_pair_check(api);

	if (pair == GNUTLS_E_CERTIFICATE_KEY_MISMATCH)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"cannot use the client certificate of `%s` with its key for node `%s` (%s); key must be the unencrypted PEM private key of cert",
			cert_source(api), f->name, gnutls_strerror(pair));
	if (pair < 0)
		return joblet_error_set(
			err, JOBLET_E_CONFIG, 0,
			"cannot use the client certificate of `%s` for node `%s` (%s); cert must be a PEM certificate and key its unencrypted PEM private key",
			cert_source(api), f->name, gnutls_strerror(pair));
	return joblet_error_set(
		err, JOBLET_E_NETWORK, 0,
		"TLS handshake with node `%s` at `%s` failed (%s); is `joblet serve` listening there, with TLS 1.3?",
		f->name, f->addr, f->detail);
}

/* Wait up to ms for something to read on a connect-only handle, and read one byte. */
static CURLcode recv_within(CURL *c, int ms)
{
	curl_socket_t sock = CURL_SOCKET_BAD;
	struct timespec t0, now;
	CURLcode r = CURLE_AGAIN;

	if (curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &sock) != CURLE_OK ||
	    sock == CURL_SOCKET_BAD)
		return CURLE_RECV_ERROR;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int left = ms; r == CURLE_AGAIN && left > 0;) {
		struct pollfd p = { sock, POLLIN, 0 };
		char byte;
		size_t n = 0;

		if (poll(&p, 1, left) < 0 && errno != EINTR)
			return CURLE_RECV_ERROR;
		/* TLS 1.3 session tickets come first: they read as CURLE_AGAIN. */
		r = curl_easy_recv(c, &byte, 1, &n);
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = ms - (int)((now.tv_sec - t0.tv_sec) * 1000 +
				  (now.tv_nsec - t0.tv_nsec) / 1000000);
	}
	return r;
}

/*
 * The TLS alert node sends a new connection right after its handshake
 * (how a TLS 1.3 server refuses a client certificate: after the client
 * finished its side), or -1 when none comes within a second.  curl keeps
 * nothing of a connection that failed, so this makes one more, only to
 * learn the alert, and asks GnuTLS for it through curl (CURLINFO_TLS_SSL_PTR).
 */
static int alert_after_handshake(struct rnx_api *api)
{
	CURL *c = curl_easy_init();
	struct curl_tlssessioninfo *tls = NULL;
	char *url = NULL;
	CURLcode cr;
	int alert = -1;

	if (!c || asprintf(&url, "https://%s/", api->node->address) < 0) {
		curl_easy_cleanup(c);
		return -1;
	}
	cr = connection_options(api, c, url);
	cr |= curl_easy_setopt(c, CURLOPT_CONNECT_ONLY, 1L);
	free(url);
	if (cr == CURLE_OK && curl_easy_perform(c) == CURLE_OK &&
	    recv_within(c, 1000) == CURLE_RECV_ERROR &&
	    curl_easy_getinfo(c, CURLINFO_TLS_SSL_PTR, &tls) == CURLE_OK && tls &&
	    tls->backend == CURLSSLBACKEND_GNUTLS && tls->internals) {
		gnutls_alert_description_t a = gnutls_alert_get((gnutls_session_t)tls->internals);

		/* close_notify (0) is also what it says when no alert came. */
		if (a != GNUTLS_A_CLOSE_NOTIFY)
			alert = (int)a;
	}
	curl_easy_cleanup(c);
	return alert;
}

/* The connection failed while sending or receiving. */
static int connection_error(const struct failure *f, struct joblet_error **err)
{
	int alert = f->handshaken ? alert_after_handshake(f->api) : -1;

	if (alert >= 0)
		return joblet_error_set(
			err, JOBLET_E_PERMISSION, 0,
			"node `%s` refused the client certificate of `%s` (TLS alert: %s); it must be signed by the daemon's client CA (server.tls.client_ca)",
			f->name, cert_source(f->api),
			gnutls_alert_get_name((gnutls_alert_description_t)alert));
	/* Its alert can be lost when it closes first (a slow client). */
	if (f->fresh)
		return joblet_error_set(
			err, JOBLET_E_NETWORK, 0,
			"node `%s` at `%s` closed the connection right after the TLS handshake (%s): it most likely refused the client certificate of `%s`, which must be signed by the daemon's client CA (server.tls.client_ca)",
			f->name, f->addr, f->detail, cert_source(f->api));
	return joblet_error_set(err, JOBLET_E_NETWORK, 0,
				"the connection to node `%s` at `%s` broke during %s %s: %s",
				f->name, f->addr, f->method, f->path, f->detail);
}

/* What came back, if anything, was not an answer. */
static int answer_error(const struct failure *f, struct joblet_error **err)
{
	switch (f->res) {
	case CURLE_GOT_NOTHING:
		if (f->fresh)
			return joblet_error_set(
				err, JOBLET_E_NETWORK, 0,
				"node `%s` at `%s` closed the connection without answering %s %s; is `joblet serve` listening there?  (It does so when it refuses the client certificate of `%s`, which must be signed by the daemon's client CA, server.tls.client_ca.)",
				f->name, f->addr, f->method, f->path, cert_source(f->api));
		return joblet_error_set(
			err, JOBLET_E_NETWORK, 0,
			"node `%s` at `%s` closed the connection without answering %s %s; is `joblet serve` listening there?",
			f->name, f->addr, f->method, f->path);
	case CURLE_PARTIAL_FILE:
		return joblet_error_set(err, JOBLET_E_NETWORK, 0,
					"the answer of node `%s` at `%s` to %s %s was cut off: %s",
					f->name, f->addr, f->method, f->path, f->detail);
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return joblet_error_set(
			err, JOBLET_E_NETWORK, 0,
			"node `%s` at `%s` does not answer as a joblet daemon (%s); is `joblet serve` listening there?",
			f->name, f->addr, f->detail);
	case CURLE_OUT_OF_MEMORY:
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "%s %s on node `%s`: %s",
					f->method, f->path, f->name, f->detail);
	default:
		return joblet_error_set(err, JOBLET_E_NETWORK, 0,
					"%s %s on node `%s` at `%s` failed: %s", f->method, f->path,
					f->name, f->addr, f->detail);
	}
}

static int transport_error(struct rnx_api *api, const struct xfer *x, CURLcode res,
			   const char *method, const char *path, struct joblet_error **err)
{
	struct failure f;

	failure_read(api, res, method, path, &f);
	if (x->mode == XFER_STREAM)
		return joblet_error_set(err, JOBLET_E_NETWORK, 0,
					"the stream of %s %s from node `%s` at `%s` broke: %s",
					method, path, f.name, f.addr, f.detail);
	switch (res) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_OPERATION_TIMEDOUT:
		return connect_error(&f, err);
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CERTPROBLEM:
		return certificate_error(&f, err);
	case CURLE_SSL_CONNECT_ERROR:
		return handshake_error(&f, err);
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		return connection_error(&f, err);
	default:
		return answer_error(&f, err);
	}
}

/* ------------------------------------------------------------------ transfers */

static int buf_append(struct xfer *x, const char *p, size_t n)
{
	size_t cap;
	char *nb;

	if (n > x->max - x->len) {
		x->too_big = 1;
		return -1;
	}
	if (x->len + n + 1 > x->cap) {
		cap = x->cap ? x->cap : 4096;
		while (cap < x->len + n + 1)
			cap *= 2;
		nb = realloc(x->buf, cap);
		if (!nb)
			return -1;
		x->buf = nb;
		x->cap = cap;
	}
	memcpy(x->buf + x->len, p, n);
	x->len += n;
	x->buf[x->len] = '\0';
	return 0;
}

static size_t header_cb(char *p, size_t size, size_t n, void *userdata)
{
	struct xfer *x = userdata;
	size_t len = size * n;

	if (len > 12 && strncasecmp(p, "Retry-After:", 12) == 0) {
		char num[16];
		size_t k = 0;

		for (size_t i = 12; i < len && k + 1 < sizeof(num); i++)
			if (p[i] >= '0' && p[i] <= '9')
				num[k++] = p[i];
			else if (k || (p[i] != ' ' && p[i] != '\t'))
				break;
		num[k] = '\0';
		/* An HTTP date instead of seconds: a second, then ask again. */
		x->retry_after = k ? strtol(num, NULL, 10) : 1;
	}
	/* "HTTP/1.1 404 Not Found": keep "Not Found" for bodiless errors. */
	if (len > 5 && memcmp(p, "HTTP/", 5) == 0) {
		const char *sp = memchr(p, ' ', len), *end = p + len;

		x->reason[0] = '\0';
		if (sp && (sp = memchr(sp + 1, ' ', (size_t)(end - sp - 1)))) {
			size_t rl = (size_t)(end - sp - 1);

			while (rl > 0 && (sp[rl] == '\r' || sp[rl] == '\n'))
				rl--;
			if (rl >= sizeof(x->reason))
				rl = sizeof(x->reason) - 1;
			memcpy(x->reason, sp + 1, rl);
			x->reason[rl] = '\0';
		}
	}
	return len;
}

static size_t body_cb(char *p, size_t size, size_t n, void *userdata)
{
	struct xfer *x = userdata;
	size_t len = size * n;

	return buf_append(x, p, len) < 0 ? 0 : len;
}

/* Content type `want` (parameters after `;` allowed)? */
static int type_is(const char *ct, const char *want)
{
	size_t n = strlen(want);

	return ct && strncasecmp(ct, want, n) == 0 &&
	       (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

static size_t stream_cb(char *p, size_t size, size_t n, void *userdata)
{
	struct xfer *x = userdata;
	size_t len = size * n;
	int r;

	if (x->mode == XFER_STREAM) {
		r = rnx_sse_parser_feed(x->parser, p, len, &x->perr);
		if (r == 0)
			return len;
		if (r > 0)
			x->stopped = 1;
		return CURL_WRITEFUNC_ERROR;
	}
	if (x->mode == XFER_UNDECIDED) {
		long status = 0;
		char *ct = NULL;

		curl_easy_getinfo(x->api->curl, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(x->api->curl, CURLINFO_CONTENT_TYPE, &ct);
		if (status < 200 || status > 299) {
			x->mode = XFER_ERROR;
		} else if (type_is(ct, "text/event-stream")) {
			x->mode = XFER_STREAM;
			return stream_cb(p, size, n, userdata);
		} else {
			x->mode = XFER_NOT_SSE;
			x->content_type = strdup(ct ? ct : "no content type");
			return CURL_WRITEFUNC_ERROR;
		}
	}
	/* An error answer: keep its start for the message, read the rest. */
	if (x->len < x->max)
		(void)buf_append(x, p, len < x->max - x->len ? len : x->max - x->len);
	return len;
}

/* libcurl's progress call, about once a second: the stream's watch may end it. */
static int watch_cb(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		    curl_off_t ulnow)
{
	struct xfer *x = userdata;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (!x->api->watch(x->api->watch_data))
		return 0;
	x->stopped = 1;
	return 1;
}

/* A download's bytes: to the sink on a 2xx answer, kept (bounded) on another. */
static size_t sink_cb(char *p, size_t size, size_t n, void *userdata)
{
	struct xfer *x = userdata;
	size_t len = size * n;

	if (x->mode == XFER_UNDECIDED) {
		long status = 0;
		char *ct = NULL;

		curl_easy_getinfo(x->api->curl, CURLINFO_RESPONSE_CODE, &status);
		curl_easy_getinfo(x->api->curl, CURLINFO_CONTENT_TYPE, &ct);
		x->mode = status < 200 || status > 299 ? XFER_ERROR : XFER_SINK;
		if (x->mode == XFER_SINK && !(x->content_type = strdup(ct ? ct : "")))
			return CURL_WRITEFUNC_ERROR;
	}
	if (x->mode == XFER_SINK)
		return x->sink(x->sink_data, x->content_type, p, len, &x->perr) < 0
			       ? CURL_WRITEFUNC_ERROR
			       : len;
	if (x->len < x->max)
		(void)buf_append(x, p, len < x->max - x->len ? len : x->max - x->len);
	return len;
}

static int valid_request(const char *method, const char *path, struct joblet_error **err)
{
	size_t i;

	for (i = 0; method && method[i]; i++)
		if (method[i] < 'A' || method[i] > 'Z')
			break;
	if (!method || i == 0 || method[i] || i > 16)
		return joblet_error_set(err, JOBLET_E_INVALID, 0, "`%s` is not an HTTP method",
					method ? method : "(null)");
	if (!path || path[0] != '/')
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"API path `%s` does not start with `/`",
					path ? path : "(null)");
	for (i = 0; path[i]; i++)
		if ((unsigned char)path[i] <= 0x20 || path[i] == 0x7f)
			return joblet_error_set(
				err, JOBLET_E_INVALID, 0,
				"API path `%s` holds a blank or control character; percent-encode it",
				path);
	return 0;
}

/*
 * Set api->curl up for one call.  *ret_headers is to be freed with
 * curl_slist_free_all() after the transfer.
 */
static int prepare(struct rnx_api *api, struct xfer *x, const char *method, const char *path,
		   const char *body, size_t body_len, int stream, const char *last_event_id,
		   struct curl_slist **ret_headers, struct joblet_error **err)
{
	CURL *c = api->curl;
	struct curl_slist *h = NULL, *t;
	char *url = NULL, *leid = NULL;
	CURLcode cr = CURLE_OK;
	int r;

	*ret_headers = NULL;
	r = valid_request(method, path, err);
	if (r < 0)
		return r;
	if (last_event_id && (strchr(last_event_id, '\r') || strchr(last_event_id, '\n')))
		return joblet_error_set(err, JOBLET_E_INVALID, 0,
					"an event id holds a line break; it cannot be sent back");
	if (asprintf(&url, "https://%s%s", api->node->address, path) < 0)
		url = NULL;
	if (last_event_id && asprintf(&leid, "Last-Event-ID: %s", last_event_id) < 0)
		leid = NULL;
	if (!url || (last_event_id && !leid)) {
		free(url);
		free(leid);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot prepare %s %s", method,
					path);
	}
	/* Header lines: what curl would add by itself is overridden or removed. */
	const char *lines[] = {
		stream ? "Accept: text/event-stream" : "Accept: application/json",
		x->mime ? NULL
		: body	? "Content-Type: application/json"
			: "Content-Type:",
		"Expect:", /* no 100-continue round trip for larger bodies */
		leid,
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (!lines[i])
			continue;
		t = curl_slist_append(h, lines[i]);
		if (!t) {
			curl_slist_free_all(h);
			free(url);
			free(leid);
			return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot prepare %s %s",
						method, path);
		}
		h = t;
	}
	free(leid);

	curl_easy_reset(c);
	api->errbuf[0] = '\0';
	cr |= connection_options(api, c, url);
	cr |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, api->errbuf);
	cr |= curl_easy_setopt(c, CURLOPT_USERAGENT, api->user_agent);
	cr |= curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 64L * 1024);
	cr |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	cr |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	cr |= curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	cr |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, stream ? stream_cb : body_cb);
	cr |= curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	if (!stream) {
		cr |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
		cr |= curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, STALL_TIMEOUT_S);
	} else if (api->watch) {
		cr |= curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, watch_cb);
		cr |= curl_easy_setopt(c, CURLOPT_XFERINFODATA, x);
		cr |= curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
	}
	if (x->mime) {
		cr |= curl_easy_setopt(c, CURLOPT_MIMEPOST, x->mime);
	} else if (strcmp(method, "GET") == 0 && !body) {
		cr |= curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	} else if (body || strcmp(method, "POST") == 0) {
		cr |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
				       (curl_off_t)(body ? body_len : 0));
		cr |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
		if (strcmp(method, "POST") != 0)
			cr |= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	} else {
		cr |= curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
		cr |= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	/* curl copies the URL; the header list must live until the transfer ends. */
	free(url);
	if (cr != CURLE_OK) {
		curl_slist_free_all(h);
		return joblet_error_set(
			err, JOBLET_E_UNSUPPORTED, 0,
			"this libcurl lacks an option rnx needs (%s); rnx needs libcurl 7.85 or later built with GnuTLS",
			curl_easy_strerror(cr));
	}
	*ret_headers = h;
	return 0;
}

static void count_connections(struct rnx_api *api)
{
	long n = 0;

	if (curl_easy_getinfo(api->curl, CURLINFO_NUM_CONNECTS, &n) == CURLE_OK && n > 0)
		api->connections += (unsigned)n;
}

/* The error of a non-2xx answer, with the reason phrase when the body says nothing. */
static int status_error(const struct xfer *x, long status, struct joblet_error **err)
{
	if (x->len == 0 && x->reason[0])
		return rnx_api_status_error(status, x->reason, strlen(x->reason), err);
	return rnx_api_status_error(status, x->buf ? x->buf : "", x->len, err);
}

/* Perform the prepared call of x and keep its answer (rnx_api_request()). */
static int perform(struct rnx_api *api, struct xfer *x, const char *method, const char *path,
		   struct curl_slist *headers, char **ret_body, size_t *ret_len,
		   struct joblet_error **err)
{
	CURLcode res;
	long status = 0;
	int r = 0;

	res = curl_easy_perform(api->curl);
	curl_slist_free_all(headers);
	count_connections(api);
	api->retry_after = x->retry_after;
	if (res == CURLE_WRITE_ERROR && x->too_big)
		r = joblet_error_set(
			err, JOBLET_E_LIMIT, 0,
			"the answer of node `%s` to %s %s is larger than the %u MiB rnx accepts",
			api->node->name, method, path, RNX_API_MAX_BODY >> 20);
	else if (res == CURLE_WRITE_ERROR)
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
				     "cannot hold the answer of node `%s` to %s %s",
				     api->node->name, method, path);
	else if (res != CURLE_OK)
		r = transport_error(api, x, res, method, path, err);
	else {
		curl_easy_getinfo(api->curl, CURLINFO_RESPONSE_CODE, &status);
		if (status < 200 || status > 299)
			r = status_error(x, status, err);
	}
	if (r == 0) {
		if (!x->buf)
			x->buf = strdup("");
		if (!x->buf) {
			r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					     "cannot hold the answer of node `%s`",
					     api->node->name);
		} else {
			if (ret_len)
				*ret_len = x->len;
			*ret_body = x->buf;
			x->buf = NULL;
		}
	}
	xfer_done(x);
	return r;
}

int rnx_api_request(struct rnx_api *api, const char *method, const char *path, const char *body,
		    size_t body_len, char **ret_body, size_t *ret_len, struct joblet_error **err)
{
	struct xfer x = {
		.api = api, .mode = XFER_BODY, .max = RNX_API_MAX_BODY, .retry_after = -1
	};
	struct curl_slist *headers = NULL;
	int r;

	api->retry_after = -1;
	r = prepare(api, &x, method, path, body, body_len, 0, NULL, &headers, err);
	if (r < 0)
		return r;
	return perform(api, &x, method, path, headers, ret_body, ret_len, err);
}

int rnx_api_post_multipart(struct rnx_api *api, const char *path, const char *json,
			   const struct rnx_api_file *files, size_t n, char **ret_body,
			   size_t *ret_len, struct joblet_error **err)
{
	struct xfer x = {
		.api = api, .mode = XFER_BODY, .max = RNX_API_MAX_BODY, .retry_after = -1
	};
	struct curl_slist *headers = NULL;
	curl_mime *mime = curl_mime_init(api->curl);
	curl_mimepart *part;
	CURLcode cr = CURLE_OK;
	int r;

	api->retry_after = -1;
	if (!mime)
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot prepare POST %s",
					path);
	part = curl_mime_addpart(mime);
	cr |= part ? curl_mime_name(part, "job") : CURLE_OUT_OF_MEMORY;
	cr |= part ? curl_mime_data(part, json, CURL_ZERO_TERMINATED) : CURLE_OUT_OF_MEMORY;
	cr |= part ? curl_mime_type(part, "application/json") : CURLE_OUT_OF_MEMORY;
	/* Each file is read by libcurl as it is sent: rnx never holds one. */
	for (size_t i = 0; cr == CURLE_OK && i < n; i++) {
		part = curl_mime_addpart(mime);
		cr |= part ? curl_mime_name(part, "upload") : CURLE_OUT_OF_MEMORY;
		cr |= part ? curl_mime_filedata(part, files[i].host) : CURLE_OUT_OF_MEMORY;
		cr |= part ? curl_mime_filename(part, files[i].rel) : CURLE_OUT_OF_MEMORY;
		cr |= part ? curl_mime_type(part, "application/octet-stream") : CURLE_OUT_OF_MEMORY;
		if (cr != CURLE_OK) {
			curl_mime_free(mime);
			return joblet_error_set(err, JOBLET_E_IO, 0, "cannot send upload `%s`: %s",
						files[i].host, curl_easy_strerror(cr));
		}
	}
	if (cr != CURLE_OK) {
		curl_mime_free(mime);
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "cannot prepare POST %s",
					path);
	}
	x.mime = mime;
	r = prepare(api, &x, "POST", path, NULL, 0, 0, NULL, &headers, err);
	if (r == 0)
		r = perform(api, &x, "POST", path, headers, ret_body, ret_len, err);
	/* The handle must not point at the freed form on its next call. */
	curl_easy_setopt(api->curl, CURLOPT_MIMEPOST, (curl_mime *)NULL);
	curl_mime_free(mime);
	return r;
}

long rnx_api_retry_after(const struct rnx_api *api)
{
	return api->retry_after;
}

int rnx_api_stream(struct rnx_api *api, const char *method, const char *path, const char *body,
		   size_t body_len, const char *last_event_id, rnx_sse_cb cb, void *userdata,
		   struct joblet_error **err)
{
	struct xfer x = { .api = api, .mode = XFER_UNDECIDED, .max = ERROR_BODY_MAX };
	struct curl_slist *headers = NULL;
	CURLcode res;
	long status = 0;
	int r;

	free(api->last_event_id);
	api->last_event_id = NULL;
	r = rnx_sse_parser_new(cb, userdata, RNX_API_MAX_EVENT, &x.parser, err);
	if (r < 0)
		return r;
	r = prepare(api, &x, method, path, body, body_len, 1, last_event_id, &headers, err);
	if (r < 0) {
		xfer_done(&x);
		return r;
	}
	res = curl_easy_perform(api->curl);
	curl_slist_free_all(headers);
	count_connections(api);
	api->last_event_id = strdup(rnx_sse_parser_last_id(x.parser));
	if (x.stopped)
		r = 1;
	else if (x.perr) {
		r = -x.perr->code;
		joblet_error_prefix(&x.perr, r, "%s %s on node `%s`", method, path,
				    api->node->name);
		joblet_error_move(err, &x.perr);
	} else if (x.mode == XFER_NOT_SSE)
		r = joblet_error_set(
			err, JOBLET_E_PARSE, 0,
			"node `%s` answered %s %s with `%s`, not an event stream (text/event-stream); is `joblet serve` listening at `%s`?",
			api->node->name, method, path, x.content_type ? x.content_type : "?",
			api->node->address);
	else if (res != CURLE_OK)
		r = transport_error(api, &x, res, method, path, err);
	else {
		curl_easy_getinfo(api->curl, CURLINFO_RESPONSE_CODE, &status);
		if (status < 200 || status > 299)
			r = status_error(&x, status, err);
		else
			r = 0;
	}
	xfer_done(&x);
	return r;
}

int rnx_api_download(struct rnx_api *api, const char *path, rnx_api_sink sink, void *userdata,
		     struct joblet_error **err)
{
	struct xfer x = { .api = api,
			  .mode = XFER_UNDECIDED,
			  .max = ERROR_BODY_MAX,
			  .retry_after = -1,
			  .sink = sink,
			  .sink_data = userdata };
	struct curl_slist *headers = NULL;
	CURLcode res;
	long status = 0;
	int r;

	api->retry_after = -1;
	r = prepare(api, &x, "GET", path, NULL, 0, 0, NULL, &headers, err);
	if (r < 0) {
		xfer_done(&x);
		return r;
	}
	curl_easy_setopt(api->curl, CURLOPT_WRITEFUNCTION, sink_cb);
	res = curl_easy_perform(api->curl);
	curl_slist_free_all(headers);
	count_connections(api);
	if (x.perr) {
		r = -x.perr->code;
		joblet_error_move(err, &x.perr);
	} else if (res != CURLE_OK) {
		r = transport_error(api, &x, res, "GET", path, err);
	} else {
		curl_easy_getinfo(api->curl, CURLINFO_RESPONSE_CODE, &status);
		if (status < 200 || status > 299) {
			r = status_error(&x, status, err);
		} else {
			char *ct = NULL;

			/* The end (also of an empty body, when the sink was never called). */
			curl_easy_getinfo(api->curl, CURLINFO_CONTENT_TYPE, &ct);
			r = sink(userdata,
				 x.content_type ? x.content_type
				 : ct		? ct
						: "",
				 NULL, 0, err);
		}
	}
	xfer_done(&x);
	return r;
}
