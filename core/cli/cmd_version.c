/* cmd_version.c - rnx version. */
#include "config.h"

#include <json.h>
#include <stdio.h>

#include "rnx.h"

int rnx_cmd_version(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	int r = joblet_cli_parse_json_only(argc, argv, "rnx version", &ctx->json, stderr);

	if (r)
		return r;
	if (ctx->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "client", json_object_new_string(joblet_version_string()));
		json_object_object_add(o, "plugin_abi",
				       json_object_new_string(JOBLET_PLUGIN_ABI_STRING));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else
		printf("rnx %s (plugin ABI %s)\n", joblet_version_string(), JOBLET_PLUGIN_ABI_STRING);
	return JOBLET_EXIT_OK;
}
