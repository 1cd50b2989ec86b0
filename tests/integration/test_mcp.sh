#!/bin/sh
# test_mcp.sh - `rnx mcp` (core/cli/mcp.c, mcp_tools.c, docs/mcp.md): the
# protocol spoken line by line (version negotiation, malformed input, the end
# of input), then a real MCP client, the official TypeScript SDK run by node
# (tests/mcp/client.mjs), against a test daemon: tools listed, jobs run,
# output read with a cursor, files read, a job stopped, a call cancelled, a
# reader refused.
#
# The SDK comes from npm (tests/mcp/package-lock.json): from
# $JOBLET_TEST_NODE_MODULES, else tests/mcp/node_modules of the source tree
# (`npm ci --prefix tests/mcp`, which quickstart.sh test and ci run), else
# `npm ci` into this test's folder.  Skipped, saying why, only without node
# or when none of these gives the SDK.
. "${JOBLET_TEST_SRCDIR:?}/tests/integration/tap.sh"

HOME="$TMP/home"
RNX_CONFIG=
export HOME RNX_CONFIG
mkdir -p "$HOME"
trap 'test -n "${DAEMON_PID:-}" && stop_daemon; tap_exit' EXIT

# One exchange with `rnx mcp`: the lines of $1 in, its answers in $out.
mcp_lines() { # input [args...]
	_in=$1
	shift
	printf '%s\n' "$_in" >"$TMP/mcp.in"
	"$RNX" --config "$TMP/none.yml" mcp "$@" <"$TMP/mcp.in" >"$TMP/.out" 2>"$TMP/.err"
	rc=$?
	out=`cat "$TMP/.out"`
	err=`cat "$TMP/.err"`
}
init() { # protocol version
	printf '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"%s","capabilities":{},"clientInfo":{"name":"sh","version":"1"}}}' "$1"
}

# ---------------------------------------------------------------- the protocol
mcp_lines "`init 2025-06-18`"
ok 'test $rc -eq 0 && has "\"id\":1,\"result\":{\"protocolVersion\":\"2025-06-18\"" "$out" && has "\"name\":\"rnx\"" "$out"' \
	"initialize: a revision rnx speaks is agreed as asked"
mcp_lines "`init 2024-11-05`
"'{"jsonrpc":"2.0","method":"notifications/initialized"}
{"jsonrpc":"2.0","id":2,"method":"tools/list"}'
ok 'has "\"protocolVersion\":\"2024-11-05\"" "$out" && has "\"inputSchema\"" "$out" && ! has "outputSchema" "$out"' \
	"initialize 2024-11-05: agreed, and tools/list without the output schemas that revision lacks"
mcp_lines "`init 1999-01-01`"
ok 'has "\"protocolVersion\":\"2025-11-25\"" "$out"' \
	"initialize with a revision rnx does not speak: it answers its newest"
mcp_lines '{"jsonrpc":"2.0","id":7,"method":"ping"}
this is not json
[{"jsonrpc":"2.0","id":8,"method":"ping"}]
{"jsonrpc":"1.0","id":9,"method":"ping"}
{"jsonrpc":"2.0","id":10,"method":"resources/list"}
{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"nope"}}
{"jsonrpc":"2.0","id":12,"method":"tools/call","params":{"name":"job_status","arguments":{"job_id":"abc","wait":1}}}
{"jsonrpc":"2.0","id":13,"method":"tools/call","params":{"name":"job_status","arguments":{"job_id":5}}}
{"jsonrpc":"2.0","id":14,"method":"ping"}'
ok 'test $rc -eq 0 && has "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":{}}" "$out" && has "{\"jsonrpc\":\"2.0\",\"id\":14,\"result\":{}}" "$out"' \
	"ping answers, also after malformed lines"
ok 'has "\"id\":null,\"error\":{\"code\":-32700" "$out" && has "not one JSON value" "$out"' \
	"a line that is not JSON: a parse error, and rnx goes on"
ok 'has "\"code\":-32600,\"message\":\"a batch" "$out" && has "\"id\":9,\"error\":{\"code\":-32600" "$out"' \
	"a batch, and a message that is not JSON-RPC 2.0: invalid request"
ok 'has "\"id\":10,\"error\":{\"code\":-32601" "$out" && has "\"id\":11,\"error\":{\"code\":-32602,\"message\":\"no tool \`nope\`" "$out"' \
	"an unknown method and an unknown tool: protocol errors"
ok 'has "\"id\":12,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"job_status has no argument \`wait\` (did you mean \`wait_seconds\`?)" "$out" && has "\"isError\":true" "$out"' \
	"an unknown argument: a tool error naming it and the closest one"
ok 'has "\"id\":13,\"result\":{\"content\":[{\"type\":\"text\",\"text\":\"the argument \`job_id\` of job_status must be of type string, not integer" "$out"' \
	"an argument of the wrong type: a tool error"
test "`printf '%s\n' "$out" | wc -l`" -eq 9
ok 'test $? -eq 0' "every message of a line gets one line of answer, the end of input waits for the calls"

# Each answer is one line of JSON that python can read.
printf '%s\n' "$out" >"$TMP/answers"
ok 'python3 -c "import json,sys; [json.loads(l) for l in open(sys.argv[1])]" "$TMP/answers"' \
	"each answer is a line of valid JSON"

mcp_lines "" --max-output 12
ok 'test $rc -eq 2 && has "--max-output \`12\` is not a size" "$err"' "--max-output refuses a size below 1KiB"
mcp_lines "" --frobnicate
ok 'test $rc -eq 2 && has "unknown option" "$err"' "an unknown option is a usage error"

# ---------------------------------------------------------------- the SDK
if ! command -v node >/dev/null 2>&1; then
	echo "ok - the MCP TypeScript SDK client # SKIP needs node (apt-get install nodejs)"
	exit 0
fi
mkdir -p "$TMP/mcp"
cp "$src/tests/mcp/client.mjs" "$src/tests/mcp/package.json" "$src/tests/mcp/package-lock.json" "$TMP/mcp/"
modules=${JOBLET_TEST_NODE_MODULES:-$src/tests/mcp/node_modules}
if test -d "$modules/@modelcontextprotocol/sdk"; then
	ln -s "$modules" "$TMP/mcp/node_modules"
elif ! (cd "$TMP/mcp" && npm ci --no-audit --no-fund --loglevel=error) >"$TMP/npm.log" 2>&1; then
	echo "ok - the MCP TypeScript SDK client # SKIP npm ci could not install @modelcontextprotocol/sdk (`tail -1 "$TMP/npm.log"`)"
	exit 0
fi

start_daemon || exit 1
MCP_TEST_NO_FILES=
if test "${JOBLET_TEST_UNDER_VALGRIND:-0}" = 1; then
	MCP_TEST_NO_FILES="valgrind does not know openat2(), which the node's file routes need"
fi
export MCP_TEST_NO_FILES
node "$TMP/mcp/client.mjs" "$RNX" "$CERTS/rnx-config-developer.yml" "$CERTS/rnx-config-reader.yml" \
	>"$TMP/client.out" 2>"$TMP/client.err"
rc=$?
cat "$TMP/client.out"
if test $rc -ne 0; then
	grep -q '^not ok' "$TMP/client.out" || echo "not ok - the MCP client exited with status $rc"
	echo "# its stderr (rnx mcp's too):"
	sed 's/^/#   /' "$TMP/client.err" | tail -20
fi
ok 'test `grep "^ok" "$TMP/client.out" | grep -vc SKIP` -ge 30' "the client ran its checks"
