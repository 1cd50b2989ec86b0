/*
 * cmd_runtime.c - joblet runtime install|list|info|remove|pack|index: the
 * runtime pipeline run directly on this host.
 */
#include <config.h>

#include <getopt.h>
#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "common/cli.h"
#include "config/config.h"
#include "plugin/loader.h"
#include "runtime/runtime.h"
#include "common/runtime_text.h"

/* ------------------------------------------------------------------ shared */

struct runtime_env {
	struct jl_config *cfg;
	struct jl_plugin_set *set;
};

static int env_open(struct joblet_ctx *ctx, bool plugins, struct runtime_env *env)
{
	struct joblet_error *e = NULL;

	memset(env, 0, sizeof(*env));
	if (daemon_load_config(ctx, &env->cfg, &e) < 0 ||
	    (plugins && (jl_plugin_set_new(env->cfg, 0, &env->set, &e) < 0 ||
			 jl_plugin_set_scan(env->set, &e) < 0))) {
		fprintf(stderr, "joblet: %s\n", joblet_error_message(e));
		joblet_error_free(e);
		jl_plugin_set_free(env->set);
		jl_config_free(env->cfg);
		return -1;
	}
	return 0;
}

static void env_close(struct runtime_env *env)
{
	jl_plugin_set_free(env->set);
	jl_config_free(env->cfg);
}

static int fail(struct joblet_error *e)
{
	fprintf(stderr, "joblet: %s\n", joblet_error_message(e));
	joblet_error_free(e);
	return JL_EXIT_FAILURE;
}

/* A usage error: "PATH: WHAT[ `ARG`]; run `PATH --help` for the usage." */
static int usage(const char *path, const char *what, const char *arg)
{
	fprintf(stderr, "%s: %s%s%s%s; run `%s --help` for the usage.\n", path, what,
		arg ? " `" : "", arg ? arg : "", arg ? "`" : "", path);
	return JL_EXIT_USAGE;
}

static json_object *parse_json(const char *text)
{
	return json_tokener_parse(text);
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)
		       ? json_object_get_string(v)
		       : "";
}

static void print_json(const char *text)
{
	json_object *o = parse_json(text);

	puts(o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							   JSON_C_TO_STRING_SPACED |
							   JSON_C_TO_STRING_NOSLASHESCAPE)
	       : text);
	json_object_put(o);
}

/*
 * Finish a verb: report the failure, or print the JSON answer as JSON
 * (--json) or as text through print_text.  Consumes e and json.
 */
static int finish(const struct joblet_ctx *ctx, int r, struct joblet_error *e, char *json,
		  void (*print_text)(json_object *o, const void *arg), const void *arg)
{
	json_object *o;

	if (r < 0)
		return fail(e);
	if (ctx->json)
		print_json(json);
	else {
		o = parse_json(json);
		print_text(o, arg);
		json_object_put(o);
	}
	free(json);
	return JL_EXIT_OK;
}

/* finish() for the answers libjoblet prints (enum jl_runtime_text). */
static int finish_text(const struct joblet_ctx *ctx, int r, struct joblet_error *e, char *json,
		       int32_t what)
{
	if (r < 0)
		return fail(e);
	if (ctx->json)
		print_json(json);
	else
		jl_runtime_print_text(stdout, stderr, "joblet", what, json);
	free(json);
	return JL_EXIT_OK;
}

static void install_progress(const struct jl_install_progress *p, void *userdata)
{
	jl_install_progress_print(stderr, userdata, p);
}

/* ------------------------------------------------------------------ install */

static int runtime_install(int argc, char **argv, void *userdata)
{
	static const struct option options[] = {
		{ "registry", required_argument, NULL, 'r' },
		{ "force", no_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct joblet_ctx *ctx = userdata;
	struct jl_install_request req = { sizeof(req), 0, NULL, NULL, install_progress, NULL };
	struct jl_progress_view bar = { isatty(STDERR_FILENO), -1, 0, 0 };
	struct runtime_env env;
	struct joblet_error *e = NULL;
	char *json = NULL;
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", options, NULL)) != -1) {
		if (c == 'r')
			req.registry = optarg;
		else if (c == 'f')
			req.flags |= JL_INSTALL_FORCE;
		else if (c == 'j')
			ctx->json = 1;
		else if (c == ':')
			return usage("joblet runtime install",
				     "this option needs a value:", argv[optind - 1]);
		else
			return usage("joblet runtime install", "unknown option", argv[optind - 1]);
	}
	if (optind != argc - 1)
		return usage("joblet runtime install",
			     optind >= argc ? "give one runtime (NAME[@VERSION])"
					    : "give only one runtime",
			     NULL);
	req.spec = argv[optind];
	req.userdata = &bar;
	if (env_open(ctx, true, &env) < 0)
		return JL_EXIT_FAILURE;
	r = jl_runtime_install(env.cfg, env.set, &req, &json, &e);
	jl_install_progress_end(stderr, &bar);
	env_close(&env);
	return finish_text(ctx, r, e, json, JL_RUNTIME_TEXT_INSTALLED);
}

/* ------------------------------------------------------------------ list / info */

/* One runtime spec and an optional --json, in any order. */
static int one_spec_and_json(int argc, char **argv, struct joblet_ctx *ctx, const char *path,
			     const char *what, const char **ret_spec)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c != 'j')
			return usage(path, "unknown option", argv[optind - 1]);
		ctx->json = 1;
	}
	if (optind != argc - 1)
		return usage(path, what, NULL);
	*ret_spec = argv[optind];
	return 0;
}

static int runtime_list(int argc, char **argv, void *userdata)
{
	static const struct option options[] = {
		{ "registry", optional_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct joblet_ctx *ctx = userdata;
	struct runtime_env env;
	struct joblet_error *e = NULL;
	const char *registry = NULL;
	bool from_registry = false;
	char *json = NULL;
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c == 'r') {
			from_registry = true;
			registry = optarg;
			/* `--registry SPEC` as well as `--registry=SPEC`. */
			if (!registry && optind < argc && argv[optind][0] != '-')
				registry = argv[optind++];
		} else if (c == 'j')
			ctx->json = 1;
		else
			return usage("joblet runtime list", "unknown option", argv[optind - 1]);
	}
	if (optind < argc)
		return usage("joblet runtime list", "unexpected argument", argv[optind]);
	if (env_open(ctx, from_registry, &env) < 0)
		return JL_EXIT_FAILURE;
	r = from_registry ? jl_registry_list(env.cfg, env.set, registry, &json, &e)
			  : jl_runtime_list(env.cfg, NULL, &json, &e);
	env_close(&env);
	return finish_text(ctx, r, e, json,
			   from_registry ? JL_RUNTIME_TEXT_REGISTRY : JL_RUNTIME_TEXT_LIST);
}

static int runtime_info(int argc, char **argv, void *userdata)
{
	struct joblet_ctx *ctx = userdata;
	const char *spec = NULL;
	struct runtime_env env;
	struct joblet_error *e = NULL;
	char *json = NULL;
	int r;

	r = one_spec_and_json(argc, argv, ctx, "joblet runtime info",
			      "give one runtime (NAME[@VERSION])", &spec);
	if (r)
		return r;
	if (env_open(ctx, false, &env) < 0)
		return JL_EXIT_FAILURE;
	r = jl_runtime_list(env.cfg, spec, &json, &e);
	env_close(&env);
	return finish_text(ctx, r, e, json, JL_RUNTIME_TEXT_INFO);
}

static int runtime_remove(int argc, char **argv, void *userdata)
{
	struct joblet_ctx *ctx = userdata;
	const char *spec = NULL;
	struct runtime_env env;
	struct joblet_error *e = NULL;
	char *json = NULL;
	int r;

	r = one_spec_and_json(argc, argv, ctx, "joblet runtime remove",
			      "give one runtime (NAME for every version, or NAME@VERSION)", &spec);
	if (r)
		return r;
	if (env_open(ctx, false, &env) < 0)
		return JL_EXIT_FAILURE;
	r = jl_runtime_remove(env.cfg, spec, &json, &e);
	env_close(&env);
	return finish_text(ctx, r, e, json, JL_RUNTIME_TEXT_REMOVED);
}

/* ------------------------------------------------------------------ pack / index */

static void print_packed(json_object *o, const void *arg)
{
	json_object *v = NULL;
	char size[32];

	(void)arg;
	json_object_object_get_ex(o, "size", &v);
	jl_size_format((double)json_object_get_int64(v), size, sizeof(size));
	printf("wrote %s (%s %s, %s, sha256:%s)\n", jstr(o, "path"), jstr(o, "name"),
	       jstr(o, "version"), size, jstr(o, "sha256"));
}

static int runtime_pack(int argc, char **argv, void *userdata)
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct joblet_ctx *ctx = userdata;
	struct runtime_env env;
	struct joblet_error *e = NULL;
	const char *out = NULL;
	char *json = NULL;
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "o:", options, NULL)) != -1) {
		if (c == 'o')
			out = optarg;
		else if (c == 'j')
			ctx->json = 1;
		else
			return usage("joblet runtime pack", "unknown option or missing value at",
				     argv[optind - 1]);
	}
	if (optind != argc - 1)
		return usage("joblet runtime pack", "give one runtime folder", NULL);
	if (env_open(ctx, true, &env) < 0)
		return JL_EXIT_FAILURE;
	r = jl_runtime_pack(env.cfg, env.set, argv[optind], out, &json, &e);
	env_close(&env);
	return finish(ctx, r, e, json, print_packed, NULL);
}

static void print_indexed(json_object *o, const void *arg)
{
	json_object *rts = NULL;
	size_t versions = 0;

	json_object_object_get_ex(o, "runtimes", &rts);
	if (rts) {
		json_object_object_foreach(rts, name, vs)
		{
			(void)name;
			versions += (size_t)json_object_object_length(vs);
		}
	}
	printf("wrote %s/registry.json: %d runtimes, %zu versions\n", (const char *)arg,
	       rts ? json_object_object_length(rts) : 0, versions);
}

static int runtime_index(int argc, char **argv, void *userdata)
{
	static const struct option options[] = {
		{ "base-url", required_argument, NULL, 'b' },
		{ "platforms", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct joblet_ctx *ctx = userdata;
	struct runtime_env env;
	struct joblet_error *e = NULL;
	const char *base = NULL, *platforms = NULL;
	char *json = NULL;
	int c, r;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (c == 'b')
			base = optarg;
		else if (c == 'p')
			platforms = optarg;
		else if (c == 'j')
			ctx->json = 1;
		else
			return usage("joblet runtime index", "unknown option or missing value at",
				     argv[optind - 1]);
	}
	if (optind != argc - 1)
		return usage("joblet runtime index", "give one folder of packages", NULL);
	if (env_open(ctx, true, &env) < 0)
		return JL_EXIT_FAILURE;
	r = jl_registry_index_dir(env.cfg, env.set, argv[optind], base, platforms, &json, &e);
	env_close(&env);
	return finish(ctx, r, e, json, print_indexed, argv[optind]);
}

const struct jl_cli_command joblet_runtime_commands[] = {
	{ "install", "Install a runtime from a registry",
	  "NAME[@VERSION|@latest] [--registry=OWNER/REPO|PATH|URL] [--force] [--json]",
	  "Options:\n"
	  "  --registry=SPEC  where from: OWNER/REPO (GitHub), an https:// URL, or a local\n"
	  "                   folder (/path, ./path, file://...); default: runtimes.registry\n"
	  "  --force          replace an installed version (atomically)\n"
	  "  --json           the result as JSON\n"
	  "\n"
	  "Without @VERSION the newest version for this host is installed.  Progress goes to\n"
	  "standard error; the last line says where the runtime was installed.\n",
	  runtime_install, NULL,
	  "joblet runtime install python-3.11\n"
	  "joblet runtime install python-3.11@1.0.0 --registry=./registry\n" },
	{ "list", "List installed runtimes, or with --registry what a registry offers",
	  "[--registry[=SPEC]] [--json]",
	  "Options:\n"
	  "  --registry[=SPEC]  list what the registry offers (default: runtimes.registry)\n"
	  "  --json             as JSON\n",
	  runtime_list, NULL, "joblet runtime list --registry=acme/runtimes\n" },
	{ "info", "Show an installed runtime: path, mounts, environment", "NAME[@VERSION] [--json]",
	  NULL, runtime_info, NULL, "joblet runtime info python-3.11 --json\n" },
	{ "remove", "Remove an installed version, or every version without @",
	  "NAME[@VERSION] [--json]", NULL, runtime_remove, NULL,
	  "joblet runtime remove python-3.11@1.0.0\n" },
	{ "pack", "Build NAME-VERSION.tar.gz from a runtime folder (with runtime.yml)",
	  "DIR [-o|--output OUT] [--json]",
	  "Options:\n"
	  "  -o, --output OUT  a folder to write into, or the file to write\n"
	  "                    (default: NAME-VERSION.tar.gz in the current folder)\n",
	  runtime_pack, NULL, "joblet runtime pack ./python-3.11 -o dist/\n" },
	{ "index", "Write DIR/registry.json for the packages in DIR",
	  "DIR [--base-url URL] [--platforms LIST] [--json]",
	  "Options:\n"
	  "  --base-url URL    download_url = URL/FILE (default: the file name, relative to\n"
	  "                    the registry, for local folders and same-place hosting)\n"
	  "  --platforms LIST  platforms of packages whose runtime.yml names none\n"
	  "                    (comma-separated, e.g. ubuntu-amd64,rhel-amd64; default: this\n"
	  "                    host's)\n",
	  runtime_index, NULL, "joblet runtime index dist --platforms ubuntu-amd64,rhel-amd64\n" },
	{ NULL },
};
