/*
 * cmd_version.c - rnx version: the version of rnx and, when a node is
 * configured, of the daemon there (GET /v1/version).
 *
 * The client's version always prints and the command succeeds whatever the
 * node does: an unreachable node or an answer rnx does not understand is a
 * one-line note on stderr.
 */
#include <config.h>

#include <errno.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <joblet/version.h>

#include "api.h"
#include "rnx.h"
#include "common/cli.h"
#include "config/client_config.h"

struct server_version {
	char *version;
	char *plugin_abi; /* or NULL when the server does not say */
};

/* The first line of an answer, for a message: at most 60 printable bytes. */
static void first_line(const char *body, size_t len, char *out, size_t outlen)
{
	size_t i = 0, n = 0;

	while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
		i++;
	for (; i < len && body[i] != '\n' && body[i] != '\r' && n + 4 < outlen && n < 60; i++)
		out[n++] = (unsigned char)body[i] < 0x20 || body[i] == 0x7f ? '?' : body[i];
	if (i < len && body[i] != '\n' && body[i] != '\r' && n + 4 <= outlen) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	out[n] = '\0';
}

static int parse_version(const struct rnx_api *api, const char *body, size_t len,
			 struct server_version *ret, struct joblet_error **err)
{
	json_object *root = json_tokener_parse(body), *v, *abi;
	char line[64];
	int r = 0;

	if (root && json_object_is_type(root, json_type_object) &&
	    json_object_object_get_ex(root, "version", &v) &&
	    json_object_is_type(v, json_type_string) && *json_object_get_string(v)) {
		ret->version = strdup(json_object_get_string(v));
		ret->plugin_abi = json_object_object_get_ex(root, "plugin_abi", &abi) &&
						  json_object_is_type(abi, json_type_string)
					  ? strdup(json_object_get_string(abi))
					  : NULL;
		if (!ret->version)
			r = joblet_error_set(err, JOBLET_E_NOMEM, ENOMEM,
					     "cannot hold the version of node `%s`",
					     rnx_api_node(api));
	} else {
		first_line(body, len, line, sizeof(line));
		r = joblet_error_set(
			err, JOBLET_E_PARSE, 0,
			"the answer of node `%s` to GET /v1/version was not understood (%s%s%s); is `joblet serve` listening at `%s`?",
			rnx_api_node(api), root ? "no `version` in `" : "not JSON: `",
			*line ? line : "(empty)", "`", rnx_api_address(api));
	}
	json_object_put(root);
	return r;
}

/*
 * Ask the node for its version.  0 with *ret filled; 1 when no node is
 * configured at all (and none was asked for); negative with *err.
 */
static int query_server(const struct rnx_ctx *ctx, char **ret_node, struct server_version *ret,
			struct joblet_error **err)
{
	const char *env = getenv("RNX_CONFIG");
	struct rnx_api *api = NULL;
	char *path = NULL, *body = NULL;
	size_t len = 0;
	int r;

	/* Nothing configured and nothing asked for: only the client's version. */
	if (!ctx->config_path && !ctx->node && !(env && *env) &&
	    jl_client_config_locate(NULL, &path, NULL) < 0)
		return 1;
	r = rnx_api_open(path ? path : ctx->config_path, ctx->node, &api, err);
	free(path);
	if (r < 0)
		return r;
	*ret_node = strdup(rnx_api_node(api));
	r = rnx_api_request(api, "GET", "/v1/version", NULL, 0, &body, &len, err);
	if (r == 0)
		r = parse_version(api, body, len, ret, err);
	free(body);
	rnx_api_free(api);
	return r;
}

int rnx_cmd_version(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	struct server_version sv = { NULL, NULL };
	struct joblet_error *e = NULL;
	char *node = NULL;
	int r = jl_cli_parse_json_only(argc, argv, "rnx version", &ctx->json, stderr);

	if (r)
		return r;
	if (!ctx->json) {
		/* The client's part first, whatever the node does. */
		printf("rnx %s (plugin ABI %s)\n", JOBLET_VERSION_STRING, JOBLET_PLUGIN_ABI_STRING);
		fflush(stdout);
	}
	r = query_server(ctx, &node, &sv, &e);
	if (r < 0)
		fprintf(stderr, "rnx: the server's version is unknown: %s\n",
			joblet_error_message(e));
	if (ctx->json) {
		json_object *o = json_object_new_object(), *s = NULL;

		json_object_object_add(o, "client", json_object_new_string(JOBLET_VERSION_STRING));
		json_object_object_add(o, "plugin_abi",
				       json_object_new_string(JOBLET_PLUGIN_ABI_STRING));
		if (r == 0) {
			s = json_object_new_object();
			json_object_object_add(s, "node", json_object_new_string(node ? node : ""));
			json_object_object_add(s, "version", json_object_new_string(sv.version));
			json_object_object_add(s, "plugin_abi",
					       sv.plugin_abi ? json_object_new_string(sv.plugin_abi)
							     : NULL);
		}
		json_object_object_add(o, "server", s);
		if (r < 0)
			json_object_object_add(o, "server_error",
					       json_object_new_string(joblet_error_message(e)));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_SPACED |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else if (r == 0)
		printf("server: joblet %s (node %s)\n", sv.version, node ? node : "?");
	joblet_error_free(e);
	free(sv.version);
	free(sv.plugin_abi);
	free(node);
	return JL_EXIT_OK;
}
