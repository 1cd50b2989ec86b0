/*
 * oci/oci.c - joblet-oci's main: runc's global flags, the command table,
 * and --log.
 *
 * Every command is a short-lived process; what stays between them is the
 * state folder (--root, state.c).  Errors go to stderr and, with --log, to
 * that file too, in the format --log-format names: containerd's runc shim
 * reads the last "error" line of a JSON log to say why a command failed.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <joblet/log.h>
#include <joblet/version.h>

#include "base/cleanup.h"
#include "base/log.h"
#include "base/timefmt.h"
#include "base/util.h"
#include "oci/oci.h"

#define OCI_DEFAULT_ROOT "/run/joblet-oci"

struct oci_command {
	const char *name;
	int (*fn)(struct oci_ctx *ctx, int argc, char **argv);
	const char *summary;
};

static const struct oci_command commands[] = {
	{ "create", oci_cmd_create, "create a container from a bundle; `start` runs its process" },
	{ "start", oci_cmd_start, "run the process of a created container" },
	{ "run", oci_cmd_run, "create and start a container, and wait for it" },
	{ "state", oci_cmd_state, "print the state of a container (JSON)" },
	{ "kill", oci_cmd_kill, "send a signal to a container's process (or all with --all)" },
	{ "delete", oci_cmd_delete, "remove a stopped container (--force: any)" },
	{ "list", oci_cmd_list, "list the containers under --root" },
	{ "ps", oci_cmd_ps, "list the processes of a container" },
	{ "exec", oci_cmd_exec, "run a new process in a running container" },
	{ "pause", oci_cmd_pause, "freeze every process of a container" },
	{ "resume", oci_cmd_resume, "thaw a paused container" },
	{ "update", oci_cmd_update, "change a container's resource limits" },
	{ "events", oci_cmd_events, "print a container's resource use and OOM events" },
	{ "features", oci_cmd_features, "print what this runtime supports (JSON)" },
	{ "spec", oci_cmd_spec, "write a default config.json for a bundle" },
};

static void oci_vlog(const struct oci_ctx *ctx, const char *level, const char *fmt, va_list ap)
{
	_cleanup_free_ char *msg = NULL;
	char when[64];

	if (strcmp(level, "debug") == 0 && !ctx->debug)
		return;
	if (vasprintf(&msg, fmt, ap) < 0)
		return;
	if (ctx->log_fd != STDERR_FILENO || strcmp(level, "debug") == 0 ||
	    ctx->log_format == OCI_LOG_JSON) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		jl_time_format_rfc3339((int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec, when,
				       sizeof(when));
		if (ctx->log_format == OCI_LOG_JSON) {
			json_object *o = json_object_new_object();

			if (o) {
				json_object_object_add(o, "level", json_object_new_string(level));
				json_object_object_add(o, "msg", json_object_new_string(msg));
				json_object_object_add(o, "time", json_object_new_string(when));
				dprintf(ctx->log_fd, "%s\n",
					json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
				json_object_put(o);
			}
		} else {
			dprintf(ctx->log_fd, "time=\"%s\" level=%s msg=\"%s\"\n", when, level, msg);
		}
	}
	/* What went wrong is also said where the person or engine that ran us looks. */
	if (ctx->log_fd != STDERR_FILENO && strcmp(level, "error") == 0)
		fprintf(stderr, "joblet-oci: %s\n", msg);
	else if (ctx->log_fd == STDERR_FILENO && ctx->log_format != OCI_LOG_JSON &&
		 strcmp(level, "debug") != 0)
		fprintf(stderr, "joblet-oci: %s%s\n",
			strcmp(level, "error") == 0	? ""
			: strcmp(level, "warning") == 0 ? "warning: "
							: "",
			msg);
}

void oci_log(const struct oci_ctx *ctx, const char *level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	oci_vlog(ctx, level, fmt, ap);
	va_end(ap);
}

/* libjoblet's and the floor plugin's own log lines go to --log as well. */
static const struct oci_ctx *log_ctx;

static void oci_log_sink(int32_t level, const char *source, const char *message, void *userdata)
{
	(void)userdata;
	if (!log_ctx)
		return;
	oci_log(log_ctx,
		level <= JOBLET_LOG_ERROR     ? "error"
		: level <= JOBLET_LOG_WARNING ? "warning"
		: level <= JOBLET_LOG_INFO    ? "info"
					      : "debug",
		"%s%s%s", source ? source : "", source ? ": " : "", message);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: joblet-oci [GLOBAL OPTIONS] COMMAND [OPTIONS] [ARGS]\n"
		"\n"
		"An OCI runtime with runc's command line, over joblet's isolation (joblet-oci(8)).\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(f,
		"\n"
		"Global options:\n"
		"  --root DIR            state of the containers (default " OCI_DEFAULT_ROOT
		", rootless: $XDG_RUNTIME_DIR/joblet-oci)\n"
		"  --log FILE            write log lines there (default stderr)\n"
		"  --log-format text|json\n"
		"  --systemd-cgroup      linux.cgroupsPath is slice:prefix:name\n"
		"  --rootless auto|true|false\n"
		"  --config FILE         the policy ($JOBLET_OCI_CONFIG, oci.yml, or joblet.yml's oci:)\n"
		"  --debug               log debug lines too\n"
		"  -h, --help, -v, --version\n");
}

enum {
	OPT_ROOT = 1000,
	OPT_LOG,
	OPT_LOG_FORMAT,
	OPT_LOG_LEVEL,
	OPT_SYSTEMD_CGROUP,
	OPT_ROOTLESS,
	OPT_CONFIG,
	OPT_CRIU,
};

static int open_log(struct oci_ctx *ctx, const char *path)
{
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);

	if (fd < 0) {
		fprintf(stderr, "joblet-oci: --log `%s`: %s\n", path, strerror(errno));
		return -1;
	}
	ctx->log_fd = fd;
	return 0;
}

static int parse_globals(struct oci_ctx *ctx, int argc, char **argv, char **ret_config)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "log", required_argument, NULL, OPT_LOG },
		{ "log-format", required_argument, NULL, OPT_LOG_FORMAT },
		{ "log-level", required_argument, NULL, OPT_LOG_LEVEL },
		{ "systemd-cgroup", no_argument, NULL, OPT_SYSTEMD_CGROUP },
		{ "rootless", required_argument, NULL, OPT_ROOTLESS },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "criu", required_argument, NULL, OPT_CRIU },
		{ "debug", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'v' },
		{ NULL, 0, NULL, 0 },
	};
	enum oci_rootless rootless = OCI_ROOTLESS_AUTO;
	int c;

	/* "+": stop at the command, whose own options follow it. */
	while ((c = getopt_long(argc, argv, "+dhv", opts, NULL)) != -1) {
		switch (c) {
		case OPT_ROOT:
			free(ctx->root);
			ctx->root = strdup(optarg);
			if (!ctx->root)
				return -1;
			break;
		case OPT_LOG:
			if (open_log(ctx, optarg) < 0)
				return -1;
			break;
		case OPT_LOG_FORMAT:
			if (strcmp(optarg, "text") == 0)
				ctx->log_format = OCI_LOG_TEXT;
			else if (strcmp(optarg, "json") == 0)
				ctx->log_format = OCI_LOG_JSON;
			else {
				fprintf(stderr,
					"joblet-oci: --log-format takes text or json, not `%s`\n",
					optarg);
				return -1;
			}
			break;
		case OPT_LOG_LEVEL:
			if (strcmp(optarg, "debug") == 0)
				ctx->debug = true;
			break;
		case OPT_SYSTEMD_CGROUP:
			ctx->systemd_cgroup = true;
			break;
		case OPT_ROOTLESS:
			if (strcmp(optarg, "auto") == 0)
				rootless = OCI_ROOTLESS_AUTO;
			else if (strcmp(optarg, "true") == 0)
				rootless = OCI_ROOTLESS_TRUE;
			else if (strcmp(optarg, "false") == 0)
				rootless = OCI_ROOTLESS_FALSE;
			else {
				fprintf(stderr,
					"joblet-oci: --rootless takes auto, true or false, not `%s`\n",
					optarg);
				return -1;
			}
			break;
		case OPT_CONFIG:
			free(*ret_config);
			*ret_config = strdup(optarg);
			break;
		case OPT_CRIU:
			break; /* checkpointing is not offered; the flag is accepted as runc's */
		case 'd':
			ctx->debug = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'v':
			printf("joblet-oci version %s\nspec: 1.1.0\n", JOBLET_VERSION_STRING);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	ctx->rootless =
		rootless == OCI_ROOTLESS_TRUE || (rootless == OCI_ROOTLESS_AUTO && geteuid() != 0);
	return 0;
}

static int default_root(struct oci_ctx *ctx)
{
	const char *xdg;

	if (ctx->root)
		return 0;
	xdg = secure_getenv("XDG_RUNTIME_DIR");
	if (ctx->rootless && geteuid() != 0 && xdg && *xdg)
		ctx->root = jl_strdup_printf("%s/joblet-oci", xdg);
	else
		ctx->root = strdup(OCI_DEFAULT_ROOT);
	return ctx->root ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct oci_ctx ctx = {
		.log_fd = STDERR_FILENO,
		.log_format = OCI_LOG_TEXT,
	};
	_cleanup_error_ struct joblet_error *e = NULL;
	_cleanup_free_ char *config = NULL;
	const char *name;
	int idx, r = 1;

	if (parse_globals(&ctx, argc, argv, &config) < 0 || default_root(&ctx) < 0)
		return 1;
	if (optind >= argc) {
		usage(stderr);
		return 1;
	}
	name = argv[optind];
	log_ctx = &ctx;
	jl_log_set_sink(oci_log_sink, NULL);
	jl_log_set_level(ctx.debug ? JOBLET_LOG_DEBUG : JOBLET_LOG_WARNING);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(commands[i].name, name) != 0)
			continue;
		/* `spec` and `features` need no policy: they describe, they run nothing. */
		if (strcmp(name, "spec") != 0 && strcmp(name, "features") != 0 &&
		    oci_policy_load(config, &ctx.policy, &e) < 0) {
			oci_log(&ctx, "error", "%s", joblet_error_message(e));
			goto out;
		}
		/* The command parses its own words afresh: argv[0] is its name. */
		idx = optind;
		optind = 0;
		r = commands[i].fn(&ctx, argc - idx, argv + idx);
		goto out;
	}
	oci_log(&ctx, "error", "`%s` is not a command; see joblet-oci --help", name);
out:
	oci_policy_clear(&ctx.policy);
	free(ctx.root);
	if (ctx.log_fd != STDERR_FILENO)
		close(ctx.log_fd);
	return r;
}
