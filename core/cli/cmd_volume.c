/*
 * cmd_volume.c - rnx volume ...: the node's volumes (docs/volumes.md),
 * through /v1/volumes.  create sends the size as typed (the node reads it
 * as --max-disk's value: MiB, or a size with a unit), list prints a table
 * or the answer itself with --json, remove names the volume.
 */
#include <config.h>

#include <json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "rnx.h"
#include "common/cli.h"
#include "job/volume_ref.h"

/* Bytes for people: 512MiB, 2.0GiB. */
static void size_text(int64_t n, char *buf, size_t size)
{
	if (n >= (INT64_C(1) << 30))
		snprintf(buf, size, "%.1fGiB", (double)n / (double)(INT64_C(1) << 30));
	else if (n >= (INT64_C(1) << 20))
		snprintf(buf, size, "%.1fMiB", (double)n / (double)(INT64_C(1) << 20));
	else
		snprintf(buf, size, "%lldB", (long long)n);
}

static int volume_create(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	const char *name = NULL, *size = NULL, *type = NULL;
	char *answer = NULL, *body;
	json_object *o;
	int64_t bytes;
	int r;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--json") == 0)
			ctx->json = 1;
		else if (strncmp(a, "--size=", 7) == 0)
			size = a + 7;
		else if (strncmp(a, "--type=", 7) == 0)
			type = a + 7;
		else if ((strcmp(a, "--size") == 0 || strcmp(a, "--type") == 0) && i + 1 < argc)
			*(a[2] == 's' ? &size : &type) = argv[++i];
		else if (a[0] == '-')
			return rnx_usage("rnx volume create", "unknown option", a);
		else if (name)
			return rnx_usage("rnx volume create", "give only one name", a);
		else
			name = a;
	}
	if (!name || !jl_volume_name_valid(name))
		return rnx_usage("rnx volume create",
				 "give a NAME of 1 to 63 letters, digits, `-` or `_`", name);
	if (!size || jl_volume_size_parse(size, &bytes) < 0)
		return rnx_usage("rnx volume create",
				 "give --size=SIZE (MiB, or with a unit: 1GiB, 500MB)", size);
	if (type && strcmp(type, "filesystem") != 0 && strcmp(type, "memory") != 0)
		return rnx_usage("rnx volume create", "--type takes filesystem or memory", type);
	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "size", json_object_new_string(size));
	if (type)
		json_object_object_add(o, "type", json_object_new_string(type));
	body = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	r = body ? rnx_request_with(ctx, "POST", "/v1/volumes", body, &answer) : -1;
	free(body);
	if (r < 0)
		return JL_EXIT_FAILURE;
	if (ctx->json)
		rnx_print_json(answer);
	else {
		char sz[32];

		size_text(bytes, sz, sizeof(sz));
		printf("volume %s created (%s, %s)\n", name, type ? type : "filesystem", sz);
	}
	free(answer);
	return JL_EXIT_OK;
}

static const char *str_of(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "-";
}

static int64_t int_of(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v && json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
}

static void print_table(json_object *arr)
{
	printf("%-24s %-10s %10s %10s %5s %-20s %s\n", "NAME", "TYPE", "SIZE", "USED", "JOBS",
	       "OWNER", "CREATED");
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *v = json_object_array_get_idx(arr, i), *jobs = NULL;
		char size[32], used[32];
		int64_t u = int_of(v, "used");

		json_object_object_get_ex(v, "jobs", &jobs);
		size_text(int_of(v, "size"), size, sizeof(size));
		if (u >= 0)
			size_text(u, used, sizeof(used));
		else
			snprintf(used, sizeof(used), "unmounted");
		printf("%-24s %-10s %10s %10s %5zu %-20s %s\n", str_of(v, "name"),
		       str_of(v, "type"), size, used, jobs ? json_object_array_length(jobs) : 0,
		       str_of(v, "owner"), str_of(v, "created"));
	}
}

static int volume_list(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	char *answer = NULL;
	json_object *arr;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			ctx->json = 1;
		else
			return rnx_usage("rnx volume list", "unknown option", argv[i]);
	}
	if (rnx_request_with(ctx, "GET", "/v1/volumes", NULL, &answer) < 0)
		return JL_EXIT_FAILURE;
	if (ctx->json) {
		rnx_print_json(answer);
		free(answer);
		return JL_EXIT_OK;
	}
	arr = json_tokener_parse(answer);
	free(answer);
	if (!arr || !json_object_is_type(arr, json_type_array)) {
		json_object_put(arr);
		return rnx_not_understood();
	}
	if (json_object_array_length(arr) == 0)
		printf("no volumes\n");
	else
		print_table(arr);
	json_object_put(arr);
	return JL_EXIT_OK;
}

static int volume_remove(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	const char *name = NULL;
	char *answer = NULL, path[128];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			ctx->json = 1;
		else if (argv[i][0] == '-')
			return rnx_usage("rnx volume remove", "unknown option", argv[i]);
		else if (name)
			return rnx_usage("rnx volume remove", "give only one name", argv[i]);
		else
			name = argv[i];
	}
	if (!name || !jl_volume_name_valid(name))
		return rnx_usage("rnx volume remove", "give the NAME of a volume", name);
	snprintf(path, sizeof(path), "/v1/volumes/%s", name);
	if (rnx_request_with(ctx, "DELETE", path, NULL, &answer) < 0)
		return JL_EXIT_FAILURE;
	if (ctx->json)
		rnx_print_json(answer);
	else
		printf("volume %s removed\n", name);
	free(answer);
	return JL_EXIT_OK;
}

/* NAME [PATH] (files) or NAME PATH [-o DEST] [--force] (download); PATH relative to the volume. */
static int volume_files_args(int argc, char **argv, struct rnx_ctx *ctx, const char *cmd,
			     bool download, const char **ret_name, const char **ret_path,
			     const char **ret_out, bool *ret_force)
{
	const char *words[3] = { NULL, NULL, NULL };
	size_t n = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			ctx->json = 1;
		else if (download && strcmp(argv[i], "--force") == 0)
			*ret_force = true;
		else if (download && strcmp(argv[i], "-o") == 0 && i + 1 < argc)
			*ret_out = argv[++i];
		else if (download && strncmp(argv[i], "--output=", 9) == 0)
			*ret_out = argv[i] + 9;
		else if (argv[i][0] == '-' && argv[i][1])
			return rnx_usage(cmd, "unknown option", argv[i]);
		else if (n == 2)
			return rnx_usage(cmd, "too many arguments", argv[i]);
		else
			words[n++] = argv[i];
	}
	if (!words[0] || !jl_volume_name_valid(words[0]))
		return rnx_usage(cmd, "give the NAME of a volume", words[0]);
	if (download && !words[1])
		return rnx_usage(cmd, "give the path in the volume to download (`.` for all of it)",
				 NULL);
	*ret_name = words[0];
	*ret_path = words[1] ? words[1] : "";
	while (**ret_path == '/')
		(*ret_path)++;
	if (!strcmp(*ret_path, "."))
		*ret_path = "";
	return 0;
}

static int volume_files(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	const char *name = NULL, *path = NULL, *out = NULL;
	bool force = false;
	char base[128];
	int r = volume_files_args(argc, argv, ctx, "rnx volume files", false, &name, &path, &out,
				  &force);

	if (r)
		return r;
	snprintf(base, sizeof(base), "/v1/volumes/%s/files", name);
	return rnx_files_list(ctx, base, path);
}

static int volume_download(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	const char *name = NULL, *path = NULL, *out = NULL;
	bool force = false;
	char base[128];
	int r = volume_files_args(argc, argv, ctx, "rnx volume download", true, &name, &path, &out,
				  &force);

	if (r)
		return r;
	snprintf(base, sizeof(base), "/v1/volumes/%s/files", name);
	return rnx_files_download(ctx, base, path, out, force);
}

const struct jl_cli_command rnx_volume_commands[] = {
	{ "create", "Create a volume: a named folder of a fixed size that outlives jobs",
	  "NAME --size=SIZE [--type=filesystem|memory] [--json]",
	  "SIZE is MiB (512) or a size with a unit (1GiB, 500MB); it is a hard quota: a job\n"
	  "writing past it gets ENOSPC.  `filesystem` (default) is an ext4 image on the node's\n"
	  "disk, allocated in full now; `memory` is a tmpfs whose pages count against the\n"
	  "memory of the job that writes them, and a reboot of the node empties it.\n"
	  "Jobs mount it with `rnx job run --volume=NAME[:ro]` at /volumes/NAME.\n",
	  volume_create, NULL,
	  "rnx volume create data --size=1GiB\n"
	  "rnx job run --volume=data -- ls /volumes/data\n" },
	{ "list", "List the volumes you may see, with their use and the jobs using them",
	  "[--json]", NULL, volume_list, NULL, "rnx volume list\n" },
	{ "remove", "Remove a volume and its files (refused while a job uses it)", "NAME [--json]",
	  NULL, volume_remove, NULL, "rnx volume remove data\n" },
	{ "files", "List the files of a volume", "NAME [PATH] [--json]",
	  "PATH is relative to the volume (default: its top).  Columns: mode, size, mtime,\nname; a symbolic link shows its target and is never followed.\n",
	  volume_files, NULL, "rnx volume files data logs\n" },
	{ "download", "Fetch a file or folder of a volume",
	  "NAME PATH [-o|--output DEST] [--force] [--json]",
	  "As `rnx job download`: a file byte-exact into DEST (default ./BASENAME), a folder\n(PATH `.` for all of it) as a tar stream unpacked into DEST, which must not exist.\n",
	  volume_download, NULL, "rnx volume download data logs -o ./logs\n" },
	{ NULL },
};
