/*
 * cmd_runtime.c - rnx runtime ...: runtimes on the node.
 *
 * Until rnx talks to the daemon's API, `rnx runtime` runs the same verbs
 * on this host by executing `joblet runtime` with the same arguments (the
 * joblet program installed beside rnx, or $RNX_JOBLET), so a user can type
 * the commands of the registry guide today.  Installing needs the rights
 * joblet needs for the runtimes folder (root, by default).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rnx.h"

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
		return JOBLET_EXIT_FAILURE;
	}
	args[n++] = (char *)"joblet";
	if (ctx->json)
		args[n++] = (char *)"--json";
	args[n++] = (char *)"runtime";
	for (int i = 0; i < argc; i++)
		args[n++] = argv[i];
	execv(joblet, args);
	fprintf(stderr, "rnx: cannot run `%s` for `rnx runtime`: %s; install joblet on this host, "
			"or point $RNX_JOBLET at it\n",
		joblet, strerror(errno));
	free(args);
	return JOBLET_EXIT_FAILURE;
}

#define RNX_RUNTIME_LOCAL "Runs `joblet runtime` on this host (see rnx(1)).\n"

const struct joblet_cli_command rnx_runtime_commands[] = {
	{ "install", "Install a runtime from a registry",
	  "NAME[@VERSION|@latest] [--registry=OWNER/REPO|PATH|URL] [--force] [--json]",
	  RNX_RUNTIME_LOCAL, rnx_runtime_exec, NULL },
	{ "list", "List installed runtimes, or with --registry what a registry offers",
	  "[--registry[=SPEC]] [--json]", RNX_RUNTIME_LOCAL, rnx_runtime_exec, NULL },
	{ "info", "Show an installed runtime", "NAME[@VERSION] [--json]", RNX_RUNTIME_LOCAL,
	  rnx_runtime_exec, NULL },
	{ "remove", "Remove an installed version, or every version without @",
	  "NAME[@VERSION] [--json]", RNX_RUNTIME_LOCAL, rnx_runtime_exec, NULL },
	{ "pack", "Build NAME-VERSION.tar.gz from a runtime folder", "DIR [-o OUT] [--json]",
	  RNX_RUNTIME_LOCAL, rnx_runtime_exec, NULL },
	{ "index", "Write DIR/registry.json for the packages in DIR",
	  "DIR [--base-url URL] [--platforms LIST] [--json]", RNX_RUNTIME_LOCAL, rnx_runtime_exec,
	  NULL },
	{ NULL },
};
