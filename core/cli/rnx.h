/* rnx.h - what the files of rnx share (one file per command group). */
#ifndef RNX_H
#define RNX_H

#include <json.h>
#include <stdbool.h>

#include <joblet/error.h>
#include "common/cli.h"

/* Global options, given before the command (and --json also after it). */
struct rnx_ctx {
	const char *config_path; /* --config: the client configuration */
	const char *node;	 /* --node */
	int json;		 /* --json */
};

/* Command groups, one per file. */
extern const struct jl_cli_command rnx_plugins_commands[];
extern const struct jl_cli_command rnx_runtime_commands[];
extern const struct jl_cli_command rnx_job_commands[];
extern const struct jl_cli_command rnx_network_commands[];
extern const struct jl_cli_command rnx_monitor_commands[];  /* cmd_monitor.c */
int rnx_job_metrics(int argc, char **argv, void *userdata); /* cmd_monitor.c */
extern const struct jl_cli_command rnx_volume_commands[];
int rnx_cmd_version(int argc, char **argv, void *userdata);
int rnx_cmd_nodes(int argc, char **argv, void *userdata);
int rnx_cmd_ui(int argc, char **argv, void *userdata);	/* cmd_ui.c */
int rnx_cmd_mcp(int argc, char **argv, void *userdata); /* mcp_tools.c */
/* `rnx __complete -- WORDS...` and `rnx __complete --list` (cmd_complete.c). */
int rnx_complete(const struct jl_cli_command *root, int argc, char **argv);

/* A usage error: "PATH: WHAT[ `ARG`]; run `PATH --help` for the usage."; returns 2. */
int rnx_usage(const char *path, const char *what, const char *arg);

/* Print JSON text pretty on stdout (as it is when it does not parse). */
void rnx_print_json(const char *json);

/*
 * One API request without a body to the node of --config/--node: 0 with the
 * answer in *ret_body (new string), or -1 after printing the error.
 */
int rnx_request(const struct rnx_ctx *ctx, const char *method, const char *path, char **ret_body);
/* The same with a JSON body (NULL: none). */
int rnx_request_with(const struct rnx_ctx *ctx, const char *method, const char *path,
		     const char *body, char **ret_body);

/* "the node's answer was not understood" on stderr; returns JL_EXIT_FAILURE. */
int rnx_not_understood(void);

/* The string member key of o, or dflt when it has none (or it is not a string). */
const char *rnx_jstr(json_object *o, const char *key, const char *dflt);

/*
 * Result files (cmd_files.c) under the API path base (/v1/jobs/ID/files):
 * list rel (a folder's entries, or the entry itself), or download it to
 * out (NULL: ./basename).  Exit codes.
 */
int rnx_files_list(const struct rnx_ctx *ctx, const char *base, const char *rel);
int rnx_files_download(const struct rnx_ctx *ctx, const char *base, const char *rel,
		       const char *out, bool force);
/* base + "/" + rel percent-encoded (all but unreserved bytes and `/`) + query; new string. */
char *rnx_files_url(const char *base, const char *rel, const char *query);
int rnx_job_files(int argc, char **argv, void *userdata);
int rnx_job_download(int argc, char **argv, void *userdata);

/*
 * Append "?key=value" (or "&key=value" when path has a query) to path,
 * value percent-encoded (all but unreserved bytes), within size.
 */
void rnx_query_add(char *path, size_t size, const char *key, const char *value);

/* Print an error from libjoblet as "rnx: <message>". */
void rnx_print_error(const struct joblet_error *e);

#endif /* RNX_H */
