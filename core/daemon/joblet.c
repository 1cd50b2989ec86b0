/*
 * joblet.c - the joblet program: the daemon (`joblet serve`) and the
 * host-side admin verbs.  Global options and the command table; each verb
 * lives in its own cmd_<verb>.c.
 *
 * The daemon's verbs (serve, check, certs init) are in joblet-daemon.so,
 * loaded here when one of them runs: it links libmicrohttpd, GnuTLS, SQLite
 * and the job networks, about twenty libraries whose loading would cost
 * every `joblet run-local` and `joblet runtime` more than a millisecond.
 */
#include <config.h>

#include <dlfcn.h>
#include <stdlib.h>
#include <json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "common/cli.h"
#include "base/log.h"
#include "config/config.h"
#include "job/executor.h"
#include "plugin/loader.h"

static int joblet_cmd_version(int argc, char **argv, void *userdata)
{
	struct joblet_ctx *ctx = userdata;
	int r = jl_cli_parse_json_only(argc, argv, "joblet version", &ctx->json, stderr);

	if (r)
		return r;
	if (ctx->json) {
		json_object *o = json_object_new_object();

		json_object_object_add(o, "version", json_object_new_string(JOBLET_VERSION_STRING));
		json_object_object_add(o, "plugin_abi",
				       json_object_new_string(JOBLET_PLUGIN_ABI_STRING));
		json_object_object_add(o, "plugindir", json_object_new_string(JOBLET_PLUGINDIR));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_SPACED |
							       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else
		printf("joblet %s (plugin ABI %s, plugins in %s)\n", JOBLET_VERSION_STRING,
		       JOBLET_PLUGIN_ABI_STRING, JOBLET_PLUGINDIR);
	return JL_EXIT_OK;
}

/* $JOBLET_DAEMON_MODULE when set (secure_getenv), else PKGLIBDIR/joblet-daemon.so. */
static const char *daemon_module_path(void)
{
	const char *path = secure_getenv("JOBLET_DAEMON_MODULE");

	return path && *path ? path : JOBLET_PKGLIBDIR "/joblet-daemon.so";
}

/* Run the verb `symbol` of joblet-daemon.so.  The module stays loaded until the process exits. */
static int daemon_verb(const char *symbol, int argc, char **argv, void *userdata)
{
	const char *path = daemon_module_path();
	union {
		void *p;
		int (*run)(int argc, char **argv, void *userdata);
	} verb;
	const char *version;
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);

	if (!h) {
		fprintf(stderr,
			"joblet: cannot load the daemon's part (%s); is joblet installed? ($JOBLET_DAEMON_MODULE names another file)\n",
			dlerror());
		return JL_EXIT_FAILURE;
	}
	version = dlsym(h, "joblet_daemon_module_version");
	verb.p = dlsym(h, symbol);
	if (!version || strcmp(version, JOBLET_VERSION_STRING) != 0 || !verb.p) {
		fprintf(stderr,
			"joblet: `%s` is the daemon's part of another joblet (%s), not of joblet %s; install joblet again so that both are of one version\n",
			path, version ? version : "no version", JOBLET_VERSION_STRING);
		dlclose(h);
		return JL_EXIT_FAILURE;
	}
	return verb.run(argc, argv, userdata);
}

static int daemon_serve(int argc, char **argv, void *userdata)
{
	return daemon_verb("joblet_cmd_serve", argc, argv, userdata);
}

static int daemon_check(int argc, char **argv, void *userdata)
{
	return daemon_verb("joblet_cmd_check", argc, argv, userdata);
}

static int daemon_certs_init(int argc, char **argv, void *userdata)
{
	return daemon_verb("joblet_cmd_certs_init", argc, argv, userdata);
}

static const struct jl_cli_command joblet_certs_commands[] = {
	{ "init",
	  "Create a CA, the server certificate, a client certificate per role and rnx configs",
	  "--dir DIR [--server-name NAME]... [--ip ADDR]... [--address HOST:PORT]\n"
	  "                         [--ca-days N] [--days N] [--force] [--json]",
	  "Options:\n"
	  "  --dir DIR             the folder to write into (created mode 0700 if missing)\n"
	  "  --server-name NAME    a DNS name of the server, besides localhost (repeatable)\n"
	  "  --ip ADDR             an IPv4 or IPv6 address of the server, besides 127.0.0.1\n"
	  "                        and ::1 (repeatable)\n"
	  "  --address HOST:PORT   where rnx reaches the daemon (default " DAEMON_DEFAULT_ADDRESS
	  ")\n"
	  "  --ca-days N           the CA is valid N days (default 1095, 3 years)\n"
	  "  --days N              the server and client certificates are valid N days\n"
	  "                        (default 365; at most --ca-days)\n"
	  "  --force               replace existing files: a new CA, so every certificate of\n"
	  "                        the old one stops working\n"
	  "  --json                list the files, serials and expiry dates as JSON\n"
	  "\n"
	  "Writes into DIR, with ECDSA P-256 keys and SHA-256 signatures:\n"
	  "  ca.pem                                 the CA (O=joblet, OU=CA, CN=joblet-ca)\n"
	  "  ca/ca-key.pem, ca/ca.pem               its key and a copy of it, in a folder\n"
	  "                                         of their own (0700) to move off the host\n"
	  "  server.pem, server-key.pem             the daemon's certificate (serverAuth)\n"
	  "  client-ROLE.pem, client-ROLE-key.pem   one per role: admin, maintainer,\n"
	  "                                         developer, reader (clientAuth, OU=ROLE)\n"
	  "  rnx-config-ROLE.yml                    rnx configuration of a role: node\n"
	  "                                         `default`, certificate, key, CA inline\n"
	  "  rnx-config.yml                         the operator's: a node per role\n"
	  "  secrets.key                            the key of jobs' secrets at rest\n"
	  "                                         (made once; never replaced, not by --force)\n"
	  "Keys and configurations are mode 0600, certificates 0644.  Existing files are\n"
	  "refused unless --force, which also removes the ca-key.pem of older joblets from\n"
	  "DIR.  At the end it prints the lines for joblet.yml and how to move ca/ away.\n",
	  daemon_certs_init, NULL,
	  "joblet certs init --dir /etc/joblet/certs --server-name node1.example.org --ip 192.0.2.10\n" },
	{ NULL },
};

static const struct jl_cli_command joblet_commands[] = {
	{ "serve",
	  "Run the daemon in the foreground until SIGTERM (SIGHUP reloads the configuration)", NULL,
	  "Loads the configuration and the plugins, refuses to start when the configured\n"
	  "scheduler policy is missing or a plugin setting is wrong, takes the lock of the\n"
	  "state directory (one daemon per state directory) and runs until SIGTERM or\n"
	  "SIGINT.  SIGHUP reloads joblet.yml; a broken file is reported and the running\n"
	  "configuration kept.\n",
	  daemon_serve, NULL,
	  "joblet serve\n"
	  "joblet --config ./joblet.yml serve\n" },
	{ "check", "Show what this host supports: cgroups, namespaces, seccomp, plugins",
	  "[--json]",
	  "Options:\n"
	  "  --json   the report as JSON\n"
	  "\n"
	  "Exit status 0 when joblet can serve with this host and configuration, 1 when\n"
	  "something it needs is missing (the report says what).\n",
	  daemon_check, NULL,
	  "joblet check\n"
	  "joblet check --json\n" },
	{ "run-local", "Run one isolated job on this host in the foreground; exit with its code",
	  "[--keep] [JOB FLAGS] [--] COMMAND [ARGS...]",
	  "Runs COMMAND as a job with the isolation stack of joblet.yml (isolation.stack)\n"
	  "and the same supervisor (joblet-shim) as the daemon's jobs, prints its output as\n"
	  "it comes, and exits with the job's exit code.\n"
	  "\n"
	  "Job flags (those of `rnx job run`):\n"
	  "  --max-cpu=PCT        CPU, percent of one core (100 = one core)\n"
	  "  --max-memory=MIB     memory in MiB (or a size: 2GiB); the job is killed beyond it\n"
	  "  --max-disk=MIB       size of /work in MiB (or 10GiB); writes beyond get ENOSPC\n"
	  "  --max-iobps=BPS      disk bytes per second, read and write (or 10MiB)\n"
	  "  --cpu-cores=SPEC     pin to these CPUs (0-3,6,8-9)\n"
	  "  --max-pids=N         at most N processes (default isolation.max_pids)\n"
	  "  --max-log=MIB        keep at most MIB of output in the log (default jobs.max_log)\n"
	  "  --timeout=DUR        stop the job after DUR (90, 90s, 5m, 1h30m)\n"
	  "  (without a limit flag isolation.max_* / isolation.timeout apply; `unlimited`\n"
	  "   asks for none, where isolation.ceiling.* is unlimited)\n"
	  "  --runtime=NAME[@VER] mount an installed runtime (no version: the newest)\n"
	  "  -e, --env K=V        set an environment variable (repeatable)\n"
	  "  --upload=PATH        copy a host file or folder into /work (repeatable)\n"
	  "  --workdir=DIR        working folder inside the job (default /work)\n"
	  "  --network=MODE       none (loopback only, default) or host; networks (bridge,\n"
	  "                       isolated, custom) need the daemon: `rnx job run`\n"
	  "  --keep               keep the job's state folder (log, status) afterwards\n"
	  "\n"
	  "Exit status: the job's own; 124 when it timed out, 137 when it was killed (out\n"
	  "of memory, or stopped), 128+N for signal N, 125 when it could not start, 1 or 2\n"
	  "when the job was refused.  Ctrl-C stops the job (SIGTERM, isolation.grace_period,\n"
	  "SIGKILL).\n",
	  joblet_cmd_run_local, NULL,
	  "joblet run-local --max-memory=256 --timeout=30s -- sh -c 'echo hello'\n"
	  "joblet run-local --runtime=python-3.11 --upload=main.py -- python3 main.py\n" },
	{ "runtime", "Install, list, inspect and remove runtimes; build packages and indexes", NULL,
	  NULL, NULL, joblet_runtime_commands,
	  "joblet runtime install python-3.11\n"
	  "joblet runtime list\n" },
	{ "certs", "Create the TLS certificates of the API: a CA, the server's, one per role", NULL,
	  NULL, NULL, joblet_certs_commands, "joblet certs init --dir /etc/joblet/certs\n" },
	{ "version", "Show the version, plugin ABI and plugin directory", "[--json]", NULL,
	  joblet_cmd_version, NULL, "joblet version --json\n" },
	{ NULL },
};

static const struct jl_cli_command joblet_root = {
	"joblet",
	"joblet runs Linux jobs in isolation; this program is its daemon and host tools.",
	"[--config FILE] <command> [options]",
	"Global options:\n"
	"  --config FILE  daemon configuration (default: $JOBLET_CONFIG, then\n"
	"                 " JOBLET_SYSCONFDIR "/joblet/joblet.yml; a missing default file\n"
	"                 means built-in defaults)\n"
	"  --json         machine-readable output\n"
	"  --version      same as `joblet version`\n"
	"  -h, --help     this help\n",
	NULL,
	joblet_commands,
};

/* `joblet __complete -- WORDS...`: commands and flags; `joblet __complete --list`. */
static int joblet_complete(int argc, char **argv)
{
	struct jl_cli_completion c = { .root = &joblet_root };

	return jl_cli_complete_main(&c, argc, argv, stdout, stderr);
}

int main(int argc, char **argv)
{
	struct joblet_ctx ctx = { 0 };
	int i;

	jl_log_set_sink(daemon_log_sink_plain, NULL);
	jl_log_set_level(JOBLET_LOG_ERROR);

	/* The shell completion scripts' question (contrib/completion): not in --help. */
	if (argc >= 2 && strcmp(argv[1], "__complete") == 0)
		return joblet_complete(argc - 2, argv + 2);
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--json") == 0)
			ctx.json = 1;
		else if (strcmp(a, "--version") == 0)
			return joblet_cmd_version(1, (char *[]){ (char *)"version", NULL }, &ctx);
		else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
			break;
		else if (strcmp(a, "--config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr,
					"joblet: --config needs a file; run `joblet --help`.\n");
				return JL_EXIT_USAGE;
			}
			ctx.config_path = argv[++i];
		} else if (strncmp(a, "--config=", 9) == 0)
			ctx.config_path = a + 9;
		else {
			fprintf(stderr,
				"joblet: unknown option `%s`; run `joblet --help` to see the options.\n",
				a);
			return JL_EXIT_USAGE;
		}
	}
	return jl_cli_dispatch(&joblet_root, argc - i, argv + i, &ctx, stdout, stderr);
}
