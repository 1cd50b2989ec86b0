/*
 * cmd_plugins.c - rnx plugins list: the plugins of the node's daemon
 * (GET /v1/plugins), loaded and rejected with the reason.  `joblet check`
 * shows the same on the host itself.
 */
#include <config.h>

#include <json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rnx.h"
#include "common/cli.h"

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : "";
}

static void print_table(json_object *root)
{
	json_object *plugins = NULL, *rejected = NULL;
	size_t n, wk = strlen("KIND"), wn = strlen("NAME"), wv = strlen("VERSION");

	json_object_object_get_ex(root, "plugins", &plugins);
	json_object_object_get_ex(root, "rejected", &rejected);
	n = plugins ? json_object_array_length(plugins) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(plugins, i);

		wk = strlen(str(p, "kind")) > wk ? strlen(str(p, "kind")) : wk;
		wn = strlen(str(p, "name")) > wn ? strlen(str(p, "name")) : wn;
		wv = strlen(str(p, "version")) > wv ? strlen(str(p, "version")) : wv;
	}
	printf("%-*s  %-*s  %-*s  %s\n", (int)wk, "KIND", (int)wn, "NAME", (int)wv, "VERSION",
	       "SUMMARY");
	for (size_t i = 0; i < n; i++) {
		json_object *p = json_object_array_get_idx(plugins, i);
		bool builtin = strcmp(str(p, "origin"), "builtin") == 0;

		printf("%-*s  %-*s  %-*s  %s%s\n", (int)wk, str(p, "kind"), (int)wn, str(p, "name"),
		       (int)wv, str(p, "version"), str(p, "summary"), builtin ? " [builtin]" : "");
	}
	n = rejected ? json_object_array_length(rejected) : 0;
	if (n > 0) {
		printf("\nRejected (%zu):\n", n);
		for (size_t i = 0; i < n; i++) {
			json_object *r = json_object_array_get_idx(rejected, i);

			printf("  %s\n      %s\n", str(r, "path"), str(r, "reason"));
		}
	}
}

static int plugins_list(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	char *json = NULL;
	json_object *root;
	int r;

	r = jl_cli_parse_json_only(argc, argv, "rnx plugins list", &ctx->json, stderr);
	if (r)
		return r;
	if (rnx_request(ctx, "GET", "/v1/plugins", &json) < 0)
		return JL_EXIT_FAILURE;
	root = json_tokener_parse(json);
	free(json);
	if (!root) {
		fprintf(stderr, "rnx: the plugin listing is not valid JSON\n");
		return JL_EXIT_FAILURE;
	}
	if (ctx->json)
		puts(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY |
								  JSON_C_TO_STRING_SPACED |
								  JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		print_table(root);
	json_object_put(root);
	return JL_EXIT_OK;
}

const struct jl_cli_command rnx_plugins_commands[] = {
	{ "list", "List the node's plugins (kind, name, version, summary) and rejected ones",
	  "[--json]",
	  "Options:\n"
	  "  --json   the listing as JSON (plugins, rejected, dirs)\n"
	  "\n"
	  "Rejected plugins are shown with the reason; a rejected plugin never stops joblet.\n",
	  plugins_list, NULL, "rnx plugins list\n" },
	{ NULL },
};
