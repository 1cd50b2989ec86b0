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

int rnx_request_with(const struct rnx_ctx *ctx, const char *method, const char *path,
		     const char *body, char **ret_body)
{
	struct joblet_error *e = NULL;
	struct rnx_api *api = NULL;
	int r = rnx_api_open(ctx->config_path, ctx->node, &api, &e);

	if (r == 0)
		r = rnx_api_request(api, method, path, body, body ? strlen(body) : 0, ret_body,
				    NULL, &e);
	rnx_api_free(api);
	if (r < 0) {
		rnx_print_error(e);
		joblet_error_free(e);
		return -1;
	}
	return 0;
}

int rnx_request(const struct rnx_ctx *ctx, const char *method, const char *path, char **ret_body)
{
	return rnx_request_with(ctx, method, path, NULL, ret_body);
}

int rnx_not_understood(void)
{
	fprintf(stderr, "rnx: the node's answer was not understood\n");
	return JL_EXIT_FAILURE;
}

const char *rnx_jstr(json_object *o, const char *key, const char *dflt)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : dflt;
}

void rnx_print_error(const struct joblet_error *e)
{
	fprintf(stderr, "rnx: %s\n", joblet_error_message(e));
}

void rnx_query_add(char *path, size_t size, const char *key, const char *value)
{
	size_t o = strlen(path);

	o += (size_t)snprintf(path + o, size - o, "%c%s=", strchr(path, '?') ? '&' : '?', key);
	for (const char *c = value; *c && o + 4 < size; c++) {
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~",
			   *c))
			path[o++] = *c;
		else
			o += (size_t)snprintf(path + o, size - o, "%%%02X", (unsigned char)*c);
	}
	if (o < size)
		path[o] = '\0';
}
