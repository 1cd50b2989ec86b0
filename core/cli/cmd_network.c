/*
 * cmd_network.c - rnx network ...: the node's job networks
 * (/v1/networks; docs/networks.md).
 */
#include <config.h>

#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "rnx.h"
#include "common/cli.h"

/* A body to the node: 0 with the answer in *ret (new string), or -1 after printing the error. */
/* The allow-list of a network as "a,b" (or "any"). */
static void allow_text(json_object *o, char *buf, size_t size)
{
	json_object *a;
	size_t len =
		json_object_object_get_ex(o, "allow", &a) && json_object_is_type(a, json_type_array)
			? json_object_array_length(a)
			: 0;

	snprintf(buf, size, "%s", len ? "" : "any");
	for (size_t i = 0; i < len; i++) {
		size_t at = strlen(buf);

		snprintf(buf + at, size - at, "%s%s", i ? "," : "",
			 json_object_get_string(json_object_array_get_idx(a, i)));
	}
}

static void print_networks(json_object *arr)
{
	printf("%-20s %-18s %-16s %-5s %-20s %s\n", "NAME", "CIDR", "BRIDGE", "JOBS", "OWNER",
	       "ALLOW");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i), *v;
		char allow[512];

		allow_text(o, allow, sizeof(allow));
		printf("%-20s %-18s %-16s %-5lld %-20s %s\n", rnx_jstr(o, "name", "?"),
		       rnx_jstr(o, "cidr", "?"), rnx_jstr(o, "bridge", "?"),
		       json_object_object_get_ex(o, "jobs", &v)
			       ? (long long)json_object_get_int64(v)
			       : 0LL,
		       rnx_jstr(o, "owner", "(built in)"), allow);
	}
}

static int network_list(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	char *answer = NULL;
	json_object *arr;
	int r = JL_EXIT_OK;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			ctx->json = 1;
		else
			return rnx_usage("rnx network list", "unknown option", argv[i]);
	}
	if (rnx_request(ctx, "GET", "/v1/networks", &answer) < 0)
		return JL_EXIT_FAILURE;
	arr = json_tokener_parse(answer);
	if (ctx->json)
		rnx_print_json(answer);
	else if (arr && json_object_is_type(arr, json_type_array))
		print_networks(arr);
	else
		r = rnx_not_understood();
	json_object_put(arr);
	free(answer);
	return r;
}

/* NAME --cidr=CIDR [--allow=ENTRY]... [--json] into o; 0, or the usage error's status. */
static int create_args(int argc, char **argv, struct rnx_ctx *ctx, json_object *o)
{
	json_object *allow = json_object_new_array();
	const char *name = NULL, *cidr = NULL;

	json_object_object_add(o, "allow", allow);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--json") == 0)
			ctx->json = 1;
		else if (strncmp(a, "--cidr=", 7) == 0)
			cidr = a + 7;
		else if (strncmp(a, "--allow=", 8) == 0)
			json_object_array_add(allow, json_object_new_string(a + 8));
		else if ((strcmp(a, "--cidr") == 0 || strcmp(a, "--allow") == 0) && i + 1 < argc) {
			if (a[2] == 'c')
				cidr = argv[++i];
			else
				json_object_array_add(allow, json_object_new_string(argv[++i]));
		} else if (a[0] == '-')
			return rnx_usage("rnx network create",
					 "unknown option or one without its value", a);
		else if (name)
			return rnx_usage("rnx network create", "give only one name", a);
		else
			name = a;
	}
	if (!name || !cidr)
		return rnx_usage("rnx network create", "give a NAME and --cidr=CIDR (10.42.0.0/24)",
				 NULL);
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "cidr", json_object_new_string(cidr));
	return 0;
}

static int network_create(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	json_object *o = json_object_new_object(), *got;
	char *answer = NULL;
	int r = create_args(argc, argv, ctx, o);

	if (r == 0 && rnx_request_with(ctx, "POST", "/v1/networks",
				       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN),
				       &answer) < 0)
		r = JL_EXIT_FAILURE;
	json_object_put(o);
	if (r)
		return r;
	got = json_tokener_parse(answer);
	if (ctx->json)
		rnx_print_json(answer);
	else
		printf("network %s created: %s on bridge %s\n", rnx_jstr(got, "name", "?"),
		       rnx_jstr(got, "cidr", "?"), rnx_jstr(got, "bridge", "?"));
	json_object_put(got);
	free(answer);
	return JL_EXIT_OK;
}

static int network_remove(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	const char *name = NULL;
	char *answer = NULL, path[256];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			ctx->json = 1;
		else if (argv[i][0] == '-')
			return rnx_usage("rnx network remove", "unknown option", argv[i]);
		else if (name)
			return rnx_usage("rnx network remove", "give only one name", argv[i]);
		else
			name = argv[i];
	}
	if (!name)
		return rnx_usage("rnx network remove", "give the NAME of a network", NULL);
	if (strlen(name) > 63 ||
	    strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_") !=
		    strlen(name))
		return rnx_usage("rnx network remove", "this is not a network name", name);
	snprintf(path, sizeof(path), "/v1/networks/%s", name);
	if (rnx_request(ctx, "DELETE", path, &answer) < 0)
		return JL_EXIT_FAILURE;
	if (ctx->json)
		rnx_print_json(answer);
	else
		printf("network %s removed\n", name);
	free(answer);
	return JL_EXIT_OK;
}

const struct jl_cli_command rnx_network_commands[] = {
	{ "create", "Make a network of your own for jobs (developer role and up)",
	  "NAME --cidr=CIDR [--allow=CIDR[:PORT[-PORT]]]... [--json]",
	  "CIDR is a private IPv4 block from /8 to /29 (10.42.0.0/24) that overlaps no other\n"
	  "network and no address or route of the node.  --allow (repeatable) is the\n"
	  "network's default egress allow-list: a job on it that gives no --allow of its\n"
	  "own may reach only these destinations.  Jobs join it with\n"
	  "`rnx job run --network=NAME`; jobs on different networks cannot reach each\n"
	  "other.  See docs/networks.md.\n",
	  network_create, NULL,
	  "rnx network create lab --cidr=10.42.0.0/24 --allow=203.0.113.20/32:80\n" },
	{ "list", "List the networks you may use: built-in and your own", "[--json]", NULL,
	  network_list, NULL, "rnx network list --json\n" },
	{ "remove", "Remove a network of yours (admin: any); refused while a job uses it",
	  "NAME [--json]", NULL, network_remove, NULL, "rnx network remove lab\n" },
	{ NULL },
};
