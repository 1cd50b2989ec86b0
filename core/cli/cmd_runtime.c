/*
 * cmd_runtime.c - rnx runtime ...: runtimes on the node, through its API.
 *
 * install streams the daemon's progress (POST /v1/runtimes/install, an
 * event stream) into the same progress bar `joblet runtime install` draws;
 * list, info and remove print what `joblet runtime` prints for the same
 * answer.  pack and index build packages and a registry.json from folders
 * of this machine, for publishing: they run `joblet runtime pack|index`
 * here (the joblet program beside rnx, or $RNX_JOBLET) and need no node.
 */
#include <config.h>

#include <errno.h>
#include <json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "rnx.h"
#include "common/cli.h"
#include "runtime/runtime.h"
#include "common/runtime_text.h"

/* A runtime spec as a path segment: NAME[@VERSION] of the characters runtimes use. */
static bool spec_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n < 200 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-@") ==
		       n;
}

static int call(struct rnx_ctx *ctx, const char *method, const char *path, int32_t what)
{
	char *answer = NULL;
	int r = JL_EXIT_OK;

	if (rnx_request(ctx, method, path, &answer) < 0)
		return JL_EXIT_FAILURE;
	if (ctx->json)
		rnx_print_json(answer);
	else if (jl_runtime_print_text(stdout, stderr, "rnx", what, answer) < 0)
		r = rnx_not_understood();
	free(answer);
	return r;
}

/* One NAME[@VERSION] and --json. */
static int one_spec(int argc, char **argv, struct rnx_ctx *ctx, const char *path, const char **ret)
{
	*ret = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			ctx->json = 1;
		else if (argv[i][0] == '-')
			return rnx_usage(path, "unknown option", argv[i]);
		else if (*ret)
			return rnx_usage(path, "give only one runtime", NULL);
		else
			*ret = argv[i];
	}
	if (!*ret)
		return rnx_usage(path, "give one runtime (NAME[@VERSION])", NULL);
	if (!spec_ok(*ret))
		return rnx_usage(path, "this is not a runtime name", *ret);
	return 0;
}

static int runtime_list(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	const char *registry = NULL;
	bool from_registry = false;
	char path[1024];

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			ctx->json = 1;
		else if (strncmp(argv[i], "--registry=", 11) == 0) {
			from_registry = true;
			registry = argv[i] + 11;
		} else if (strcmp(argv[i], "--registry") == 0) {
			from_registry = true;
			if (i + 1 < argc && argv[i + 1][0] != '-')
				registry = argv[++i];
		} else
			return rnx_usage("rnx runtime list", "unknown option", argv[i]);
	}
	if (!from_registry)
		return call(ctx, "GET", "/v1/runtimes", JL_RUNTIME_TEXT_LIST);
	/* The registry spec (a path or URL), percent-encoded. */
	snprintf(path, sizeof(path), "/v1/runtimes");
	rnx_query_add(path, sizeof(path), "registry", registry ? registry : "");
	return call(ctx, "GET", path, JL_RUNTIME_TEXT_REGISTRY);
}

/* info and remove: /v1/runtimes/NAME[@VERSION] with a method. */
static int one_runtime(int argc, char **argv, struct rnx_ctx *ctx, const char *method, int32_t what)
{
	const char *spec;
	char cmd[64], path[300];
	int r;

	snprintf(cmd, sizeof(cmd), "rnx runtime %s", argv[0]);
	r = one_spec(argc, argv, ctx, cmd, &spec);
	if (r)
		return r;
	snprintf(path, sizeof(path), "/v1/runtimes/%s", spec);
	return call(ctx, method, path, what);
}

static int runtime_info(int argc, char **argv, void *userdata)
{
	return one_runtime(argc, argv, userdata, "GET", JL_RUNTIME_TEXT_INFO);
}

static int runtime_remove(int argc, char **argv, void *userdata)
{
	return one_runtime(argc, argv, userdata, "DELETE", JL_RUNTIME_TEXT_REMOVED);
}

struct install {
	struct rnx_ctx *ctx;
	struct jl_progress_view bar;
	char *result;
	char *error;
};

static int on_install_event(void *userdata, const struct rnx_sse_event *ev)
{
	struct install *in = userdata;
	json_object *o = json_tokener_parse(ev->data), *v;

	if (strcmp(ev->event, "progress") == 0 && o && !in->ctx->json) {
		const char *phase = rnx_jstr(o, "phase", NULL);
		struct jl_install_progress p = {
			sizeof(p), 0, rnx_jstr(o, "name", NULL),   rnx_jstr(o, "version", NULL), 0,
			-1,	   0, rnx_jstr(o, "message", NULL)
		};

		p.phase = !phase			      ? 0
			  : strcmp(phase, "resolving") == 0   ? JL_INSTALL_RESOLVING
			  : strcmp(phase, "downloading") == 0 ? JL_INSTALL_DOWNLOADING
			  : strcmp(phase, "verifying") == 0   ? JL_INSTALL_VERIFYING
			  : strcmp(phase, "done") == 0	      ? JL_INSTALL_DONE
							      : 0;
		if (json_object_object_get_ex(o, "done", &v))
			p.done = (uint64_t)json_object_get_int64(v);
		if (json_object_object_get_ex(o, "total", &v))
			p.total = json_object_get_int64(v);
		if (json_object_object_get_ex(o, "rate_bps", &v))
			p.rate_bps = json_object_get_double(v);
		if (p.phase)
			jl_install_progress_print(stderr, &in->bar, &p);
	} else if (strcmp(ev->event, "result") == 0) {
		free(in->result);
		in->result = strndup(ev->data, ev->len);
	} else if (strcmp(ev->event, "error") == 0) {
		json_object *e = NULL;

		if (o)
			json_object_object_get_ex(o, "error", &e);
		free(in->error);
		in->error = strdup(e && rnx_jstr(e, "message", NULL) ? rnx_jstr(e, "message", NULL)
								     : ev->data);
	}
	json_object_put(o);
	return 0;
}

static int runtime_install(int argc, char **argv, void *userdata)
{
	struct rnx_ctx *ctx = userdata;
	struct install in = { ctx, { isatty(STDERR_FILENO), -1, 0, 0 }, NULL, NULL };
	struct joblet_error *e = NULL;
	struct rnx_api *api = NULL;
	const char *spec = NULL, *registry = NULL;
	bool force = false;
	json_object *body;
	int r, rc = JL_EXIT_FAILURE;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			ctx->json = 1;
		else if (strcmp(argv[i], "--force") == 0)
			force = true;
		else if (strncmp(argv[i], "--registry=", 11) == 0)
			registry = argv[i] + 11;
		else if (strcmp(argv[i], "--registry") == 0 && i + 1 < argc)
			registry = argv[++i];
		else if (argv[i][0] == '-')
			return rnx_usage("rnx runtime install", "unknown option", argv[i]);
		else if (spec)
			return rnx_usage("rnx runtime install", "give only one runtime", NULL);
		else
			spec = argv[i];
	}
	if (!spec)
		return rnx_usage("rnx runtime install", "give one runtime (NAME[@VERSION])", NULL);
	body = json_object_new_object();
	json_object_object_add(body, "spec", json_object_new_string(spec));
	if (registry)
		json_object_object_add(body, "registry", json_object_new_string(registry));
	if (force)
		json_object_object_add(body, "force", json_object_new_boolean(1));
	r = rnx_api_open(ctx->config_path, ctx->node, &api, &e);
	if (r == 0) {
		const char *text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN);

		r = rnx_api_stream(api, "POST", "/v1/runtimes/install", text, strlen(text), NULL,
				   on_install_event, &in, &e);
	}
	jl_install_progress_end(stderr, &in.bar);
	json_object_put(body);
	rnx_api_free(api);
	if (r < 0) {
		rnx_print_error(e);
		joblet_error_free(e);
	} else if (in.error)
		fprintf(stderr, "rnx: %s\n", in.error);
	else if (!in.result)
		fprintf(stderr,
			"rnx: the install stream of the node ended without a result; `rnx runtime list` shows what is installed\n");
	else {
		if (ctx->json)
			rnx_print_json(in.result);
		else
			jl_runtime_print_text(stdout, stderr, "rnx", JL_RUNTIME_TEXT_INSTALLED,
					      in.result);
		rc = JL_EXIT_OK;
	}
	free(in.result);
	free(in.error);
	return rc;
}

/* pack and index: `joblet runtime` of this machine, with the same arguments. */
static int rnx_runtime_exec(int argc, char **argv, void *userdata)
{
	const char *joblet = getenv("RNX_JOBLET");
	char **args = calloc((size_t)argc + 4, sizeof(char *));
	struct rnx_ctx *ctx = userdata;
	int n = 0;

	if (!joblet || !*joblet)
		joblet = JOBLET_SBINDIR "/joblet";
	if (!args) {
		fprintf(stderr, "rnx: out of memory\n");
		return JL_EXIT_FAILURE;
	}
	args[n++] = (char *)"joblet";
	if (ctx->json)
		args[n++] = (char *)"--json";
	args[n++] = (char *)"runtime";
	for (int i = 0; i < argc; i++)
		args[n++] = argv[i];
	execv(joblet, args);
	fprintf(stderr,
		"rnx: cannot run `%s` for `rnx runtime %s`: %s; install joblet on this machine, or point $RNX_JOBLET at it\n",
		joblet, argv[0], strerror(errno));
	free(args);
	return JL_EXIT_FAILURE;
}

#define RNX_RUNTIME_LOCAL                                                                          \
	"Builds from folders of this machine, with `joblet runtime` of this machine (no\n"         \
	"node); see rnx(1).\n"

const struct jl_cli_command rnx_runtime_commands[] = {
	{ "install", "Install a runtime on the node from a registry (progress as it goes)",
	  "NAME[@VERSION|@latest] [--registry=OWNER/REPO|PATH|URL] [--force] [--json]",
	  "Needs the maintainer role.  The registry is the node's runtimes.registry unless\n"
	  "--registry names another; a PATH is a folder on the node.\n",
	  runtime_install, NULL,
	  "rnx runtime install python-3.11\n"
	  "rnx runtime install python-3.11@1.0.0 --registry=acme/runtimes\n" },
	{ "list", "List the node's runtimes, or with --registry what a registry offers",
	  "[--registry[=SPEC]] [--json]", NULL, runtime_list, NULL,
	  "rnx runtime list\n"
	  "rnx runtime list --registry\n" },
	{ "info", "Show a runtime installed on the node", "NAME[@VERSION] [--json]", NULL,
	  runtime_info, NULL, "rnx runtime info python-3.11\n" },
	{ "remove", "Remove a version from the node, or every version without @ (admin role)",
	  "NAME[@VERSION] [--json]", NULL, runtime_remove, NULL,
	  "rnx runtime remove python-3.11@1.0.0\n" },
	{ "pack", "Build NAME-VERSION.tar.gz from a runtime folder",
	  "DIR [-o|--output OUT] [--json]", RNX_RUNTIME_LOCAL, rnx_runtime_exec, NULL,
	  "rnx runtime pack ./python-3.11 -o dist/\n" },
	{ "index", "Write DIR/registry.json for the packages in DIR",
	  "DIR [--base-url URL] [--platforms LIST] [--json]", RNX_RUNTIME_LOCAL, rnx_runtime_exec,
	  NULL, "rnx runtime index dist --base-url https://example.org/runtimes\n" },
	{ NULL },
};
