/*
 * mcp.h - rnx mcp: joblet as a Model Context Protocol server (docs/mcp.md).
 *
 * mcp.c speaks the protocol: JSON-RPC 2.0, one message per line on stdin
 * and stdout, version negotiation, tools/list and tools/call, cancellation
 * and progress.  mcp_tools.c holds the tools, each a row of its table with
 * its JSON Schemas and a function that calls the node's API, and the
 * command `rnx mcp`, which hands that table to mcp_main().
 *
 * Each tools/call runs in a thread of its own (at most MCP_MAX_CALLS at
 * once) with a connection to the node of its own, so a run_job that waits
 * for its job holds up no other call.  A tool never prints: what it made
 * is a JSON object (the call's structured result), what went wrong a
 * joblet_error whose message becomes the tool error the client sees.
 */
#ifndef RNX_MCP_H
#define RNX_MCP_H

#include <json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <joblet/error.h>

#include "api.h"
#include "rnx.h"

/* Tools running at once; a call beyond waits for one to end. */
#define MCP_MAX_CALLS 8

/* What a tool's result holds of a job's output or a file by default (--max-output). */
#define MCP_DEFAULT_MAX_OUTPUT (64u << 10)
/* ... and at most, whatever a call asks for. */
#define MCP_MAX_OUTPUT_CEILING (16u << 20)

/* The hints of a tool (MCP's ToolAnnotations). */
enum {
	MCP_READ_ONLY = 1 << 0,
	MCP_DESTRUCTIVE = 1 << 1,
	MCP_IDEMPOTENT = 1 << 2,
	MCP_OPEN_WORLD = 1 << 3,
};

struct mcp_call;

struct mcp_tool {
	const char *name;
	const char *title;
	const char *description;
	const char *input_schema;  /* JSON Schema text of its arguments */
	const char *output_schema; /* JSON Schema text of its structured result */
	unsigned hints;
	/* 0 and *ret a new object (the structured result), or negative with *err. */
	int (*run)(struct mcp_call *call, json_object **ret, struct joblet_error **err);
};

/*
 * `rnx mcp` with its options (argv[0] is "mcp"): serve tools (in the order
 * tools/list shows them; a NULL name ends the table) on stdin and stdout
 * until stdin ends.  Returns an exit status.
 */
int mcp_main(int argc, char **argv, struct rnx_ctx *ctx, const struct mcp_tool *tools);

/* The arguments of a call, checked against the top level of its input schema. */
json_object *mcp_call_args(const struct mcp_call *call);

/* What the result of call holds of output or a file, unless its arguments say less. */
size_t mcp_call_max_output(const struct mcp_call *call);

/* The call's connection to the node: opened on first use, kept for the next calls. */
int mcp_call_api(struct mcp_call *call, struct rnx_api **ret, struct joblet_error **err);

/*
 * Whether the call should end soon: the client cancelled it, or its input
 * ended (rnx mcp is about to exit).  A wait then ends with what it has.
 */
bool mcp_call_cancelled(const struct mcp_call *call);

/* Whether the client cancelled the call: its answer will not be sent. */
bool mcp_call_abandoned(const struct mcp_call *call);

/*
 * Tell the client how the call goes (notifications/progress), when it asked
 * for that with a progress token; progress must grow from one to the next.
 */
void mcp_call_progress(struct mcp_call *call, double progress, const char *message);

/*
 * Check args against schema's top level: `required`, the `type` of each
 * property (string, integer, number, boolean, object, array), and no
 * argument the schema does not name.  0, or JOBLET_E_INVALID saying which
 * argument and what the tool takes.  Exposed for the unit test.
 */
int mcp_check_args(const char *tool, json_object *schema, json_object *args,
		   struct joblet_error **err);

#endif /* RNX_MCP_H */
