/*
 * helpers.c - what the command files of rnx share (rnx.h): usage errors,
 * printing JSON and errors, one bodiless API request.  rnx.c holds only
 * main() and the command table, so the command files depend on this file
 * and rnx.c on them, never the other way round.
 */
#include <config.h>

#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "rnx.h"

int rnx_usage(const char *path, const char *what, const char *arg)
{
	fprintf(stderr, "%s: %s%s%s%s; run `%s --help` for the usage.\n", path, what,
		arg ? " `" : "", arg ? arg : "", arg ? "`" : "", path);
	return JL_EXIT_USAGE;
}

void rnx_print_json(const char *json)
{
	json_object *o = json_tokener_parse(json);

	puts(o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							   JSON_C_TO_STRING_SPACED |
							   JSON_C_TO_STRING_NOSLASHESCAPE)
	       : json);
	json_object_put(o);
}

int rnx_request(const struct rnx_ctx *ctx, const char *method, const char *path, char **ret_body)
{
	struct joblet_error *e = NULL;
	struct rnx_api *api = NULL;
	int r = rnx_api_open(ctx->config_path, ctx->node, &api, &e);

	if (r == 0)
		r = rnx_api_request(api, method, path, NULL, 0, ret_body, NULL, &e);
	rnx_api_free(api);
	if (r < 0) {
		rnx_print_error(e);
		joblet_error_free(e);
		return -1;
	}
	return 0;
}

void rnx_print_error(const struct joblet_error *e)
{
	fprintf(stderr, "rnx: %s\n", joblet_error_message(e));
}
