/* daemon.h - what the files of the joblet program share. */
#ifndef JOBLET_DAEMON_H
#define JOBLET_DAEMON_H

#include <stdbool.h>

#include <joblet/error.h>
#include "common/cli.h"
#include "config/config.h"
#include "plugin/loader.h"

struct joblet_ctx {
	const char *config_path; /* --config, or NULL for the default (missing = defaults) */
	int json;		 /* --json */
};

/* The verbs of the program itself (joblet.c's table). */
int joblet_cmd_run_local(int argc, char **argv, void *userdata);
extern const struct jl_cli_command joblet_runtime_commands[];

/*
 * The verbs of joblet-daemon.so, which joblet.c loads with dlopen() and
 * finds by these names; the module's joblet_daemon_module_version is the
 * JOBLET_VERSION_STRING it was built with, and must be the program's.
 */
#define DAEMON_EXPORT __attribute__((visibility("default")))
DAEMON_EXPORT int joblet_cmd_serve(int argc, char **argv, void *userdata);
DAEMON_EXPORT int joblet_cmd_check(int argc, char **argv, void *userdata);
DAEMON_EXPORT int joblet_cmd_certs_init(int argc, char **argv, void *userdata); /* GnuTLS */
DAEMON_EXPORT extern const char joblet_daemon_module_version[];

/* Where `joblet certs init` tells rnx to reach the daemon by default. */
#define DAEMON_DEFAULT_ADDRESS "127.0.0.1:50051"

/*
 * Load the configuration --config names, else $JOBLET_CONFIG, else the
 * default file (missing = built-in defaults).
 */
int daemon_load_config(const struct joblet_ctx *ctx, struct jl_config **ret_cfg,
		       struct joblet_error **err);

/* Reasons `joblet serve` cannot start with this configuration and plugin set. */
struct daemon_problems {
	char *items[16];
	size_t n;
};
void daemon_find_problems(const struct jl_config *cfg, const struct jl_plugin_set *set,
			  struct daemon_problems *problems);
void daemon_problems_done(struct daemon_problems *problems);

/*
 * The plugin kinds the daemon loads only when an install or a registry
 * listing needs them: registry and archive plugins link libcurl,
 * libarchive, libxml2, ICU and libstdc++ (about 5 MiB of the daemon's RSS).
 * At start-up a child process loads and checks them (cmd_serve.c).
 */
#define DAEMON_DEFERRED_KINDS                                                                      \
	(JL_PLUGIN_KIND_BIT(JOBLET_KIND_REGISTRY) | JL_PLUGIN_KIND_BIT(JOBLET_KIND_ARCHIVE))

struct daemon_ctx;
/* Load the deferred plugins into d's set now, if not yet.  Errors: JOBLET_E_NOMEM. */
int daemon_load_deferred(struct daemon_ctx *d, struct joblet_error **err);

/* Log sink of the commands: stderr with the program's prefix (serve uses
 * jl_log_sink_stderr_stamped). */
void daemon_log_sink_plain(int32_t level, const char *source, const char *message, void *userdata);

#endif /* JOBLET_DAEMON_H */
