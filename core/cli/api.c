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
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include <curl/curl.h>
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
	char *host;			       /* the address without the port (and [ ]) */
	char *user_agent;
	struct pem_file cert, key, ca;
	char *last_event_id;
	unsigned connections;
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
		return joblet_error_set(err, JOBLET_E_SYSTEM, errno,
					"cannot hand the inline `%s` of node `%s` to libcurl "
					"(memfd_create)",
					f->key, api->node->name);
	while (done < len) {
		ssize_t n = write(f->fd, pem + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return joblet_error_set(err, JOBLET_E_SYSTEM, n < 0 ? errno : EIO,
						"cannot hand the inline `%s` of node `%s` to "
						"libcurl (writing its memfd)",
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
		    "cannot hand the inline `%s` of node `%s` to libcurl through "
		    "`%s` (is /proc mounted?); or write it to a file and name "
		    "that file in `%s`",
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
		    "%s; `joblet certs init --dir DIR` on the joblet host makes one "
		    "(DIR/rnx-config.yml): copy it to ~/.rnx/rnx-config.yml, "
		    "or name it with --config FILE or $RNX_CONFIG",
		    joblet_error_message(e));
	else if (e && e->code == JOBLET_E_NOT_FOUND)
		/* The search message already says where it looked and about --config. */
		r = joblet_error_set(
		    err, JOBLET_E_NOT_FOUND, 0,
		    "%s; `joblet certs init --dir DIR` on the joblet host makes one "
		    "(DIR/rnx-config.yml)",
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
		    "node `%s` in `%s` has no client certificate: set cert and key "
		    "(run `joblet certs init`)",
		    api->node->name, api->cfg->source);
		goto fail;
	}
	if (!has_pem(api->node->ca_pem)) {
		r = joblet_error_set(
		    err, JOBLET_E_CONFIG, 0,
		    "node `%s` in `%s` has no `ca`: set it to the CA that signed the "
		    "server certificate",
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

unsigned rnx_api_connections(const struct rnx_api *api)
{
	return api->connections;
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
	const struct pem_file *files[] = {&api->cert, &api->key, &api->ca};
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

static int transport_error(struct rnx_api *api, const struct xfer *x, CURLcode res,
			   const char *method, const char *path, struct joblet_error **err)
{
	const char *name = api->node->name, *addr = api->node->address;
	char detail[CURL_ERROR_SIZE + 64];
	long oserr = 0, connects = 0, status = 0;
	int fresh;

	error_detail(api, res, detail, sizeof(detail));
	curl_easy_getinfo(api->curl, CURLINFO_OS_ERRNO, &oserr);
	curl_easy_getinfo(api->curl, CURLINFO_NUM_CONNECTS, &connects);
	curl_easy_getinfo(api->curl, CURLINFO_RESPONSE_CODE, &status);
	/* A new connection that ended before any answer: where a TLS 1.3 server
	 * that refuses the client certificate leaves us. */
	fresh = connects > 0 && status == 0;

	if (x->mode == XFER_STREAM)
		return joblet_error_set(err, JOBLET_E_NETWORK, 0,
					"the stream of %s %s from node `%s` at `%s` broke: %s",
					method, path, name, addr, detail);
	switch (res) {
	case CURLE_COULDNT_CONNECT:
		if (oserr == ECONNREFUSED)
			return joblet_error_set(err, JOBLET_E_NETWORK, 0,
						"cannot connect to node `%s` at `%s`: connection "
						"refused; is `joblet serve` running there?",
						name, addr);
		return joblet_error_set(err, JOBLET_E_NETWORK, 0,
					"cannot connect to node `%s` at `%s`: %s; check the "
					"address in `%s` and the network",
					name, addr, oserr ? strerror((int)oserr) : detail,
					api->cfg->source);
	case CURLE_COULDNT_RESOLVE_HOST:
		return joblet_error_set(err, JOBLET_E_NETWORK, 0,
					"cannot connect to node `%s`: host `%s` not found (%s); "
					"check the address in `%s`",
					name, api->host, detail, api->cfg->source);
	case CURLE_OPERATION_TIMEDOUT:
		/* The stall rule (CURLOPT_LOW_SPEED_*) says "Operation too slow";
		 * anything else ran out of the connect time. */
		if (!strstr(detail, "too slow"))
			return joblet_error_set(err, JOBLET_E_TIMEOUT, 0,
						"cannot connect to node `%s` at `%s`: no answer "
						"within %ld s; check the address in `%s`, the "
						"network and firewalls",
						name, addr, CONNECT_TIMEOUT_S, api->cfg->source);
		return joblet_error_set(err, JOBLET_E_TIMEOUT, 0,
					"node `%s` at `%s` sent nothing for %ld s (%s %s); try "
					"again later",
					name, addr, STALL_TIMEOUT_S, method, path);
	case CURLE_PEER_FAILED_VERIFICATION:
		if (strstr(detail, "does not match") || strstr(detail, "host name"))
			return joblet_error_set(err, JOBLET_E_CONFIG, 0,
						"the server certificate of node `%s` is not for "
						"`%s` (%s); the address in `%s` must be a host "
						"name or IP address the certificate holds, and "
						"`ca` the CA that signed it",
						name, api->host, detail, api->cfg->source);
		return joblet_error_set(err, JOBLET_E_CONFIG, 0,
					"the server certificate of node `%s` at `%s` is not "
					"trusted (%s); `ca` of node `%s` in `%s` must be the CA "
					"that signed the server certificate",
					name, addr, detail, name, api->cfg->source);
	case CURLE_SSL_CACERT_BADFILE:
		return joblet_error_set(
		    err, JOBLET_E_CONFIG, 0,
		    "cannot use `ca` of node `%s` in `%s` (%s); it must be the "
		    "PEM certificate of the CA that signed the server certificate",
		    name, api->ca.source ? api->ca.source : api->cfg->source, detail);
	case CURLE_SSL_CERTPROBLEM:
		return joblet_error_set(err, JOBLET_E_CONFIG, 0,
					"cannot use the client certificate of `%s` for node `%s` "
					"(%s); cert must be a PEM certificate and key its "
					"unencrypted PEM private key",
					cert_source(api), name, detail);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
		/* GnuTLS could not load them (a key of another certificate, say). */
		if (res == CURLE_SSL_CONNECT_ERROR && strstr(detail, "key or certificate file"))
			return joblet_error_set(err, JOBLET_E_CONFIG, 0,
						"cannot use the client certificate of `%s` with "
						"its key for node `%s` (%s); key must be the "
						"unencrypted PEM private key of cert",
						cert_source(api), name, detail);
		/* A TLS 1.3 server checks the client certificate after the client
		 * finished its side of the handshake: its refusal is an alert on
		 * the first read.  (TLS 1.2: during the handshake.) */
		if (strcasestr(detail, "alert") || strcasestr(detail, "certificate") ||
		    strcasestr(detail, "CA is unknown"))
			return joblet_error_set(err, JOBLET_E_PERMISSION, 0,
						"node `%s` refused the client certificate of `%s` "
						"(%s); it must be signed by the daemon's client CA "
						"(server.tls.client_ca)",
						name, cert_source(api), detail);
		if (res == CURLE_SSL_CONNECT_ERROR)
			return joblet_error_set(err, JOBLET_E_NETWORK, 0,
						"TLS handshake with node `%s` at `%s` failed (%s); "
						"is `joblet serve` listening there, with TLS 1.3?",
						name, addr, detail);
		/* Its alert can be lost when it closes first (a slow client). */
		if (fresh)
			return joblet_error_set(err, JOBLET_E_NETWORK, 0,
						"node `%s` at `%s` closed the connection right "
						"after the TLS handshake (%s): it most likely "
						"refused the client certificate of `%s`, which "
						"must be signed by the daemon's client CA "
						"(server.tls.client_ca)",
						name, addr, detail, cert_source(api));
		return joblet_error_set(
		    err, JOBLET_E_NETWORK, 0,
		    "the connection to node `%s` at `%s` broke during %s %s: %s", name, addr,
		    method, path, detail);
	case CURLE_GOT_NOTHING:
		if (fresh)
			return joblet_error_set(err, JOBLET_E_NETWORK, 0,
						"node `%s` at `%s` closed the connection without "
						"answering %s %s; is `joblet serve` listening "
						"there?  (It does so when it refuses the client "
						"certificate of `%s`, which must be signed by the "
						"daemon's client CA, server.tls.client_ca.)",
						name, addr, method, path, cert_source(api));
		return joblet_error_set(err, JOBLET_E_NETWORK, 0,
					"node `%s` at `%s` closed the connection without answering "
					"%s %s; is `joblet serve` listening there?",
					name, addr, method, path);
	case CURLE_PARTIAL_FILE:
		return joblet_error_set(err, JOBLET_E_NETWORK, 0,
					"the answer of node `%s` at `%s` to %s %s was cut off: %s",
					name, addr, method, path, detail);
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_UNSUPPORTED_PROTOCOL:
		return joblet_error_set(err, JOBLET_E_NETWORK, 0,
					"node `%s` at `%s` does not answer as a joblet daemon "
					"(%s); is `joblet serve` listening there?",
					name, addr, detail);
	case CURLE_OUT_OF_MEMORY:
		return joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM, "%s %s on node `%s`: %s",
					method, path, name, detail);
	default:
		return joblet_error_set(err, JOBLET_E_NETWORK, 0,
					"%s %s on node `%s` at `%s` failed: %s", method, path, name,
					addr, detail);
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
			return joblet_error_set(err, JOBLET_E_INVALID, 0,
						"API path `%s` holds a blank or control character; "
						"percent-encode it",
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
	    body ? "Content-Type: application/json" : "Content-Type:",
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
	/* The connection and TLS options: the same on every call, so the open
	 * connection matches and is reused. */
	cr |= curl_easy_setopt(c, CURLOPT_URL, url);
	cr |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
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
	cr |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	cr |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
	cr |= curl_easy_setopt(c, CURLOPT_TCP_KEEPIDLE, 30L);
	cr |= curl_easy_setopt(c, CURLOPT_TCP_KEEPINTVL, 10L);
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
	}
	if (strcmp(method, "GET") == 0 && !body) {
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
		return joblet_error_set(err, JOBLET_E_UNSUPPORTED, 0,
					"this libcurl lacks an option rnx needs (%s); rnx needs "
					"libcurl 7.85 or later built with GnuTLS",
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

int rnx_api_request(struct rnx_api *api, const char *method, const char *path, const char *body,
		    size_t body_len, char **ret_body, size_t *ret_len, struct joblet_error **err)
{
	struct xfer x = {.api = api, .mode = XFER_BODY, .max = RNX_API_MAX_BODY};
	struct curl_slist *headers = NULL;
	CURLcode res;
	long status = 0;
	int r;

	r = prepare(api, &x, method, path, body, body_len, 0, NULL, &headers, err);
	if (r < 0)
		return r;
	res = curl_easy_perform(api->curl);
	curl_slist_free_all(headers);
	count_connections(api);
	if (res == CURLE_WRITE_ERROR && x.too_big)
		r = joblet_error_set(
		    err, JOBLET_E_LIMIT, 0,
		    "the answer of node `%s` to %s %s is larger than the %u MiB rnx "
		    "accepts",
		    api->node->name, method, path, RNX_API_MAX_BODY >> 20);
	else if (res == CURLE_WRITE_ERROR)
		r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
				     "cannot hold the answer of node `%s` to %s %s",
				     api->node->name, method, path);
	else if (res != CURLE_OK)
		r = transport_error(api, &x, res, method, path, err);
	else {
		curl_easy_getinfo(api->curl, CURLINFO_RESPONSE_CODE, &status);
		if (status < 200 || status > 299)
			r = status_error(&x, status, err);
	}
	if (r == 0) {
		if (!x.buf)
			x.buf = strdup("");
		if (!x.buf) {
			r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					     "cannot hold the answer of node `%s`",
					     api->node->name);
		} else {
			if (ret_len)
				*ret_len = x.len;
			*ret_body = x.buf;
			x.buf = NULL;
		}
	}
	xfer_done(&x);
	return r;
}

int rnx_api_stream(struct rnx_api *api, const char *method, const char *path, const char *body,
		   size_t body_len, const char *last_event_id, rnx_sse_cb cb, void *userdata,
		   struct joblet_error **err)
{
	struct xfer x = {.api = api, .mode = XFER_UNDECIDED, .max = ERROR_BODY_MAX};
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
		r = joblet_error_set(err, JOBLET_E_PARSE, 0,
				     "node `%s` answered %s %s with `%s`, not an event stream "
				     "(text/event-stream); is `joblet serve` listening at `%s`?",
				     api->node->name, method, path,
				     x.content_type ? x.content_type : "?", api->node->address);
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
