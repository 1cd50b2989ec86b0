/* cmd_nodes.c - rnx nodes: the nodes of the client configuration. */
#include <config.h>

#include <json.h>
#include <stdio.h>
#include <string.h>

#include "rnx.h"
#include "common/cli.h"
#include "config/client_config.h"

static const char *source_of(const char *path)
{
	return path ? path : "inline";
}

int rnx_cmd_nodes(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	struct jl_client_config *cfg = NULL;
	const struct jl_client_node *def = NULL;
	struct joblet_error *e = NULL;
	char *path = NULL;
	int r;

	r = jl_cli_parse_json_only(argc, argv, "rnx nodes", &ctx->json, stderr);
	if (r)
		return r;
	if (jl_client_config_locate(ctx->config_path, &path, &e) < 0 ||
	    jl_client_config_load(path, &cfg, &e) < 0) {
		rnx_print_error(e);
		joblet_error_free(e);
		free(path);
		return JL_EXIT_FAILURE;
	}
	/* No default is fine for listing; --node must name a node, though. */
	if (jl_client_config_select(cfg, ctx->node, &def, &e) < 0 && ctx->node) {
		rnx_print_error(e);
		joblet_error_free(e);
		jl_client_config_free(cfg);
		free(path);
		return JL_EXIT_FAILURE;
	}
	joblet_error_clear(&e);
	if (ctx->json) {
		json_object *arr = json_object_new_array();

		for (size_t i = 0; i < cfg->n_nodes; i++) {
			const struct jl_client_node *n = &cfg->nodes[i];
			json_object *o = json_object_new_object();

			json_object_object_add(o, "name", json_object_new_string(n->name));
			json_object_object_add(o, "address", json_object_new_string(n->address));
			json_object_object_add(o, "nodeId",
					       n->node_id ? json_object_new_string(n->node_id)
							  : NULL);
			json_object_object_add(o, "default", json_object_new_boolean(n == def));
			json_object_object_add(o, "cert",
					       json_object_new_string(source_of(n->cert_path)));
			json_object_object_add(o, "key",
					       json_object_new_string(source_of(n->key_path)));
			json_object_object_add(o, "ca",
					       json_object_new_string(source_of(n->ca_path)));
			json_object_array_add(arr, o);
		}
		puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY |
								 JSON_C_TO_STRING_SPACED |
								 JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(arr);
	} else {
		printf("Nodes in %s:\n", path);
		for (size_t i = 0; i < cfg->n_nodes; i++) {
			const struct jl_client_node *n = &cfg->nodes[i];

			printf("%s %-16s %-24s cert: %s, key: %s, ca: %s\n", n == def ? "*" : " ",
			       n->name, n->address, source_of(n->cert_path), source_of(n->key_path),
			       source_of(n->ca_path));
		}
	}
	jl_client_config_free(cfg);
	free(path);
	return JL_EXIT_OK;
}
