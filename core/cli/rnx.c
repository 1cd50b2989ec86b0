/*
 * rnx.c - the joblet command-line client: global options and the command
 * table.  Each command group lives in its own cmd_<group>.c.
 */
#include <config.h>

#include <json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "rnx.h"
#include "common/cli.h"
#include "base/log.h"

static const struct jl_cli_command rnx_commands[] = {
	{ "version", "Show the version of rnx and of the joblet daemon on the node", "[--json]",
	  "The version of rnx (and of the plugin ABI it speaks) always prints; then, when a\n"
	  "node is configured (see --config, --node), the daemon's version from GET\n"
	  "/v1/version as `server: joblet VERSION (node NAME)`.  A node that cannot be\n"
	  "reached or asked is a note on stderr; the exit status is 0 all the same.\n",
	  rnx_cmd_version, NULL,
	  "rnx version\n"
	  "rnx --node prod version --json\n" },
	{ "job", "Run jobs and follow, inspect, stop, cancel and delete them", NULL, NULL, NULL,
	  rnx_job_commands,
	  "rnx job run -f -- uname -a\n"
	  "rnx job list --status=RUNNING\n" },
	{ "network", "Make, list and remove networks for jobs (--network=NAME)", NULL, NULL, NULL,
	  rnx_network_commands,
	  "rnx network create lab --cidr=10.42.0.0/24\n"
	  "rnx job run --network=lab -- ip addr\n" },
	{ "plugins", "List plugins: loaded ones and rejected ones with the reason", NULL, NULL,
	  NULL, rnx_plugins_commands, "rnx plugins list\n" },
	{ "runtime", "Install, list, inspect and remove runtimes; build packages and indexes", NULL,
	  NULL, NULL, rnx_runtime_commands,
	  "rnx runtime install python-3.11\n"
	  "rnx job run --runtime=python-3.11 -- python3 --version\n" },
	{ "monitor", "Show the node's figures and its busiest jobs", NULL, NULL, NULL,
	  rnx_monitor_commands,
	  "rnx monitor status\n"
	  "rnx monitor top --by=memory\n" },
	{ "volume", "Create, list and remove volumes: named folders of a fixed size jobs mount",
	  NULL, NULL, NULL, rnx_volume_commands,
	  "rnx volume create data --size=1GiB\n"
	  "rnx job run --volume=data -- ls /volumes/data\n" },
	{ "mcp", "Serve the node to AI agents: the Model Context Protocol on stdin and stdout",
	  "[--node NAME] [--config FILE] [--max-output SIZE]",
	  "An MCP client (a coding assistant, an agent framework) starts `rnx mcp` and\n"
	  "talks to it over stdin and stdout (JSON-RPC 2.0, a message per line).  Its\n"
	  "tools run jobs and read their status, output and files with the identity\n"
	  "and role of this client configuration's certificate: run_job, job_status,\n"
	  "job_logs, stop_job, list_jobs, list_runtimes, list_files, read_file.\n"
	  "docs/mcp.md shows how to register it with MCP clients.\n"
	  "\n"
	  "Options:\n"
	  "  --node NAME, --config FILE  the node to serve (as the global options)\n"
	  "  --max-output SIZE           output or file bytes a result holds at most,\n"
	  "                              unless a call asks for less or more (default\n"
	  "                              64KiB; at most 16MiB)\n",
	  rnx_cmd_mcp, NULL,
	  "claude mcp add joblet -- rnx mcp --node prod\n"
	  "rnx --config ~/.rnx/agent-config.yml mcp --max-output 256KiB\n" },
	{ "ui", "Serve a web dashboard of the node on 127.0.0.1: jobs, logs, runtimes, the node",
	  "[--port N] [--open]",
	  "Serves the dashboard on 127.0.0.1 only and prints its address on stdout, with\n"
	  "a random token the browser needs; the browser talks to the node through rnx\n"
	  "with this configuration's client certificate, so it needs none.  Runs until\n"
	  "Ctrl-C.  docs/ui.md has the pages and the security model.\n"
	  "\n"
	  "Options:\n"
	  "  --port N  listen on port N (default: any free port)\n"
	  "  --open    open the address in a browser (xdg-open)\n",
	  rnx_cmd_ui, NULL,
	  "rnx ui --open\n"
	  "rnx --node prod ui --port 8080\n" },
	{ "nodes", "List the nodes of the client configuration (`*` marks the default)", "[--json]",
	  NULL, rnx_cmd_nodes, NULL,
	  "rnx nodes\n"
	  "rnx --node prod job list\n" },
	{ NULL },
};

static const struct jl_cli_command rnx_root = {
	"rnx",
	"rnx drives joblet, the micro-container runtime for Linux jobs.",
	"[--config FILE] [--node NAME] [--json] <command> [options]",
	"Global options:\n"
	"  --config FILE  client configuration (default: $RNX_CONFIG, ~/.rnx/rnx-config.yml,\n"
	"                 then " JOBLET_SYSCONFDIR "/joblet/rnx-config.yml)\n"
	"  --node NAME    the node of that configuration to talk to\n"
	"  --json         machine-readable output\n"
	"  -v, --version  same as `rnx version`\n"
	"  -h, --help     this help\n",
	NULL,
	rnx_commands,
};

static void rnx_log_sink(int32_t level, const char *source, const char *message, void *userdata)
{
	(void)userdata;
	fprintf(stderr, "rnx: %s: %s: %s\n", jl_log_level_name(level), source, message);
}

int main(int argc, char **argv)
{
	struct rnx_ctx ctx = { 0 };
	int i;

	jl_log_set_sink(rnx_log_sink, NULL);
	jl_log_set_level(JOBLET_LOG_ERROR);

	/* The shell completion scripts' question: not a command, not in --help. */
	if (argc >= 2 && strcmp(argv[1], "__complete") == 0)
		return rnx_complete(&rnx_root, argc - 2, argv + 2);
	/* Global options come before the command word. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--json") == 0)
			ctx.json = 1;
		else if (strcmp(a, "--version") == 0 || strcmp(a, "-v") == 0)
			return rnx_cmd_version(1, (char *[]){ (char *)"version", NULL }, &ctx);
		else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			break;
		else if (strcmp(a, "--config") == 0 || strcmp(a, "--node") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "rnx: %s needs a value; run `rnx --help`.\n", a);
				return JL_EXIT_USAGE;
			}
			*(a[2] == 'c' ? &ctx.config_path : &ctx.node) = argv[++i];
		} else if (strncmp(a, "--config=", 9) == 0)
			ctx.config_path = a + 9;
		else if (strncmp(a, "--node=", 7) == 0)
			ctx.node = a + 7;
		else {
			fprintf(stderr,
				"rnx: unknown option `%s`; run `rnx --help` to see the options.\n",
				a);
			return JL_EXIT_USAGE;
		}
	}
	return jl_cli_dispatch(&rnx_root, argc - i, argv + i, &ctx, stdout, stderr);
}
