// client.mjs - drives `rnx mcp` with the official MCP TypeScript SDK, as an
// agent's MCP client would, against a test daemon (tests/integration/test_mcp.sh).
//
//   node client.mjs RNX DEVELOPER_CONFIG READER_CONFIG
//
// Prints TAP ("ok - what", "not ok - what" with the details as comments)
// and exits 1 when a check failed.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { McpError } from "@modelcontextprotocol/sdk/types.js";

const [rnx, devConfig, readerConfig] = process.argv.slice(2);
let n = 0;
let failed = 0;

function ok(cond, what, detail) {
	n++;
	if (cond) {
		console.log(`ok - ${what}`);
		return;
	}
	failed++;
	console.log(`not ok - ${what}`);
	if (detail !== undefined) {
		const text = typeof detail === "string" ? detail : JSON.stringify(detail, null, 1);
		for (const line of text.split("\n").slice(0, 40))
			console.log(`#   ${line}`);
	}
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function connect(config, args = []) {
	const transport = new StdioClientTransport({
		command: rnx,
		args: ["--config", config, "mcp", ...args],
		env: { ...process.env },
		stderr: "inherit",
	});
	const client = new Client({ name: "joblet-test", version: "1.0.0" });
	await client.connect(transport);
	return client;
}

// A tool call's text, for messages.
const text = (r) => (r.content || []).map((c) => c.text).join("\n");

async function main() {
	const dev = await connect(devConfig);

	// ------------------------------------------------------------ the handshake
	const info = dev.getServerVersion();
	ok(info && info.name === "rnx", "initialize: the server is rnx", info);
	ok(dev.getServerCapabilities()?.tools, "initialize: it serves tools", dev.getServerCapabilities());
	ok(typeof dev.getInstructions() === "string" && dev.getInstructions().includes("run_job"),
		"initialize: instructions tell how to use it", dev.getInstructions());

	const { tools } = await dev.listTools();
	const names = tools.map((t) => t.name).sort();
	const want = ["job_logs", "job_status", "list_files", "list_jobs", "list_runtimes",
		"read_file", "run_job", "stop_job"];
	ok(JSON.stringify(names) === JSON.stringify(want), "tools/list names the eight tools", names);
	ok(tools.every((t) => t.inputSchema?.type === "object" && t.outputSchema?.type === "object" &&
		t.description.length > 40),
		"each tool has an input schema, an output schema and a description", tools);
	const stop = tools.find((t) => t.name === "stop_job");
	ok(stop.annotations?.destructiveHint === true && tools.find((t) => t.name === "job_status")
		.annotations?.readOnlyHint === true, "annotations: stop_job destructive, job_status read-only",
		tools.map((t) => [t.name, t.annotations]));

	// ------------------------------------------------------------ run_job, waiting
	let r = await dev.callTool({
		name: "run_job",
		arguments: { command: ["sh", "-c", "echo hello; echo oops >&2; exit 3"], name: "mcp-exit" },
	});
	let s = r.structuredContent;
	ok(!r.isError && s?.state === "FAILED" && s.exit_code === 3 && s.ended === true,
		"run_job waits and answers the state and exit code", r);
	ok(s?.stdout === "hello\n" && s?.stderr === "oops\n", "run_job answers stdout and stderr apart", s);
	ok(JSON.parse(text(r)).job_id === s?.job_id, "the text content is the same result as JSON", text(r));

	// A script and files placed in /work; what the job leaves there, read back.
	r = await dev.callTool({
		name: "run_job",
		arguments: {
			script: "set -e\ncat data/in.txt\nmkdir -p out\nprintf 'result\\n' > out/r.txt\n" +
				"head -c 300 /dev/zero | tr '\\0' 'x' > out/big.txt\nprintf '\\377\\376' > out/bin\n" +
				"test -x tool.sh && ./tool.sh\n",
			files: [{ path: "data/in.txt", content: "forty-two\n" },
				{ path: "tool.sh", content: "#!/bin/sh\necho tool ran\n", executable: true }],
			env: { GREETING: "hi" },
		},
	});
	s = r.structuredContent;
	ok(!r.isError && s?.state === "COMPLETED" && s.stdout === "forty-two\ntool ran\n",
		"run_job runs a script with files placed in /work (folders made, modes kept)", r);
	const job = s?.job_id;

	// valgrind does not know openat2(), which the node's file routes need.
	const noFiles = process.env.MCP_TEST_NO_FILES;
	if (noFiles) {
		for (const what of ["list_files", "read_file"])
			console.log(`ok - ${what} # SKIP ${noFiles}`);
	} else {
		r = await dev.callTool({ name: "list_files", arguments: { job_id: job, path: "out" } });
		const entries = (r.structuredContent?.entries || []).map((e) => `${e.name}:${e.type}:${e.size}`);
		ok(!r.isError && entries.includes("r.txt:file:7") && entries.includes("big.txt:file:300"),
			"list_files lists what the job left in /work/out", r);
		r = await dev.callTool({ name: "list_files", arguments: { job_id: job } });
		ok(!r.isError && r.structuredContent.entries.some((e) => e.name === "main.sh"),
			"list_files of /work shows the script run_job placed", r);

		r = await dev.callTool({ name: "read_file", arguments: { job_id: job, path: "out/r.txt" } });
		ok(!r.isError && r.structuredContent.content === "result\n" &&
			r.structuredContent.encoding === "utf-8" && r.structuredContent.more === false,
			"read_file reads a text file", r);
		r = await dev.callTool({
			name: "read_file", arguments: { job_id: job, path: "out/big.txt", offset: 100, max_bytes: 50 },
		});
		s = r.structuredContent;
		ok(!r.isError && s.content === "x".repeat(50) && s.offset === 100 && s.length === 50 &&
			s.size === 300 && s.more === true, "read_file reads a slice: offset, max_bytes, more", r);
		r = await dev.callTool({ name: "read_file", arguments: { job_id: job, path: "out/bin" } });
		ok(!r.isError && r.structuredContent.encoding === "base64" && r.structuredContent.content === "//4=",
			"read_file gives bytes that are not text in base64", r);
		r = await dev.callTool({ name: "read_file", arguments: { job_id: job, path: "../../etc/passwd" } });
		ok(r.isError === true && /\.\.|out of|outside|not/.test(text(r)),
			"read_file of a path out of /work is a tool error with the node's message", r);
	}

	// ------------------------------------------------------------ bounded output, no loss
	r = await dev.callTool({
		name: "run_job",
		arguments: {
			command: ["sh", "-c", "i=0; while [ $i -lt 3000 ]; do echo \"line $i of the output\"; i=$((i+1)); done"],
			max_output_bytes: 4000,
		},
	});
	s = r.structuredContent;
	ok(!r.isError && s.truncated === true && s.stdout.length <= 4000 && s.stdout.startsWith("line 0 of") &&
		s.notes.some((x) => x.includes("cursor")), "run_job cuts output at max_output_bytes and says how to read on",
		{ ...s, stdout: s?.stdout?.slice(0, 200) });
	let all = s.stdout;
	let cursor = s.cursor;
	for (let i = 0; i < 100; i++) {
		r = await dev.callTool({ name: "job_logs", arguments: { job_id: s.job_id, cursor, max_bytes: 20000 } });
		if (r.isError)
			break;
		all += r.structuredContent.stdout;
		cursor = r.structuredContent.cursor;
		if (!r.structuredContent.more)
			break;
	}
	let expect = "";
	for (let i = 0; i < 3000; i++)
		expect += `line ${i} of the output\n`;
	ok(all === expect && r.structuredContent?.ended === true && r.structuredContent?.exit_code === 0,
		"job_logs with the cursor reads the rest: every line once, in order", { got: all.length, want: expect.length, last: r });

	// Cut inside records and inside characters: read on, nothing lost or doubled, no U+FFFD.
	r = await dev.callTool({
		name: "run_job",
		arguments: { command: ["sh", "-c", "i=0; while [ $i -lt 300 ]; do printf '\\303\\251'; i=$((i+1)); done; echo"], max_output_bytes: 17 },
	});
	all = r.structuredContent?.stdout ?? "";
	cursor = r.structuredContent?.cursor;
	let calls = 0;
	while (r.structuredContent?.truncated || r.structuredContent?.more) {
		if (++calls > 200)
			break;
		r = await dev.callTool({ name: "job_logs", arguments: { job_id: r.structuredContent.job_id, cursor, max_bytes: 17 } });
		all += r.structuredContent?.stdout ?? "";
		cursor = r.structuredContent?.cursor;
	}
	ok(all === "\u00e9".repeat(300) + "\n" && !all.includes("\ufffd") && calls > 30,
		"17-byte reads of 2-byte characters: whole characters, every one once", { calls, got: all.slice(0, 100), len: all.length, last: r });

	// ------------------------------------------------------------ a job that outlives the wait; stop
	r = await dev.callTool({
		name: "run_job",
		arguments: { command: ["sh", "-c", "echo started; exec sleep 60"], wait_seconds: 1, name: "mcp-long" },
	});
	s = r.structuredContent;
	ok(!r.isError && s.ended === false && s.state === "RUNNING" &&
		s.notes.some((x) => x.includes("still RUNNING")), "run_job answers a job still running after wait_seconds", r);
	const long = s.job_id;
	r = await dev.callTool({ name: "job_logs", arguments: { job_id: long } });
	ok(!r.isError && r.structuredContent.stdout === "started\n" && r.structuredContent.ended === false,
		"job_logs reads a running job's output", r);
	r = await dev.callTool({ name: "job_status", arguments: { job_id: long.slice(0, 8) } });
	ok(!r.isError && r.structuredContent.state === "RUNNING" && r.structuredContent.id === long,
		"job_status takes a start of the id", r);
	r = await dev.callTool({ name: "stop_job", arguments: { job_id: long } });
	ok(!r.isError && r.structuredContent.state === "STOPPED", "stop_job stops it: STOPPED", r);

	// wait: false, then job_status waiting for the end.
	r = await dev.callTool({ name: "run_job", arguments: { command: ["sh", "-c", "sleep 1; exit 7"], wait: false } });
	s = r.structuredContent;
	ok(!r.isError && s.ended === false && ["PENDING", "RUNNING"].includes(s.state),
		"run_job with wait false answers once the job is submitted", r);
	r = await dev.callTool({ name: "job_status", arguments: { job_id: s.job_id, wait_seconds: 20 } });
	ok(!r.isError && r.structuredContent.state === "FAILED" && r.structuredContent.exit_code === 7,
		"job_status with wait_seconds waits for the end", r);

	// Progress while run_job waits.
	const progress = [];
	r = await dev.callTool({ name: "run_job", arguments: { command: ["sleep", "2.5"] } }, undefined, {
		onprogress: (p) => progress.push(p),
	});
	ok(!r.isError && r.structuredContent.state === "COMPLETED" && progress.length >= 1 &&
		progress.every((p, i) => i === 0 || p.progress > progress[i - 1].progress),
		"run_job sends growing progress notifications while it waits", { r, progress });

	// ------------------------------------------------------------ lists
	r = await dev.callTool({ name: "list_jobs", arguments: { limit: 2 } });
	ok(!r.isError && r.structuredContent.jobs.length === 2 && r.structuredContent.truncated === true &&
		r.structuredContent.total >= 6, "list_jobs: the newest, limited", r);
	r = await dev.callTool({ name: "list_jobs", arguments: { state: "STOPPED" } });
	ok(!r.isError && r.structuredContent.jobs.some((j) => j.id === long) &&
		r.structuredContent.jobs.every((j) => j.state === "STOPPED"), "list_jobs filters by state", r);
	r = await dev.callTool({ name: "list_runtimes", arguments: {} });
	ok(!r.isError && Array.isArray(r.structuredContent.runtimes), "list_runtimes answers the installed runtimes", r);

	// ------------------------------------------------------------ errors are tool errors
	r = await dev.callTool({ name: "run_job", arguments: { comand: ["true"] } });
	ok(r.isError === true && text(r).includes("no argument `comand`") && text(r).includes("did you mean `command`"),
		"an unknown argument is a tool error naming it", r);
	r = await dev.callTool({ name: "run_job", arguments: { command: ["true"], max_memory: 99999999 } });
	ok(r.isError === true && text(r).includes("max_memory 99999999 MiB"), "a limit the node refuses: the daemon's message", r);
	r = await dev.callTool({ name: "job_status", arguments: { job_id: "0123abcd" } });
	ok(r.isError === true && text(r).includes("no job `0123abcd`"), "a job that does not exist: not found", r);
	r = await dev.callTool({ name: "job_status", arguments: { job_id: "../../v1/audit" } });
	ok(r.isError === true && text(r).includes("is not a job id"), "a job id that is a path is refused", r);
	try {
		await dev.callTool({ name: "no_such_tool", arguments: {} });
		ok(false, "an unknown tool is a protocol error");
	} catch (e) {
		ok(e instanceof McpError && e.code === -32602 && e.message.includes("no tool"),
			"an unknown tool is a protocol error", String(e));
	}

	// ------------------------------------------------------------ cancellation
	const ac = new AbortController();
	const call = dev.callTool({ name: "run_job", arguments: { command: ["sleep", "60"], name: "mcp-cancel" } },
		undefined, { signal: ac.signal });
	let cancelled = null;
	for (let i = 0; i < 100 && !cancelled; i++) {
		await sleep(100);
		const l = await dev.callTool({ name: "list_jobs", arguments: { state: "RUNNING" } });
		cancelled = l.structuredContent.jobs.find((j) => j.name === "mcp-cancel");
	}
	ac.abort("the test cancels");
	let threw = false;
	try {
		await call;
	} catch {
		threw = true;
	}
	let state = null;
	for (let i = 0; i < 100 && cancelled; i++) {
		const st = await dev.callTool({ name: "job_status", arguments: { job_id: cancelled.id } });
		state = st.structuredContent.state;
		if (state !== "RUNNING")
			break;
		await sleep(100);
	}
	ok(threw && cancelled && state === "STOPPED", "a cancelled run_job stops the job it started", { threw, cancelled, state });
	const alive = await dev.callTool({ name: "list_jobs", arguments: { limit: 1 } });
	ok(!alive.isError, "the server goes on after a cancellation", alive);

	// ------------------------------------------------------------ a reader
	const reader = await connect(readerConfig);
	await reader.listTools();
	r = await reader.callTool({ name: "run_job", arguments: { command: ["true"] } });
	ok(r.isError === true && /reader|permission|403/.test(text(r)), "a reader's run_job is refused: a tool error", r);
	r = await reader.callTool({ name: "stop_job", arguments: { job_id: job } });
	ok(r.isError === true && text(r).includes("role reader may not"), "a reader's stop_job is refused: a tool error", r);
	r = await reader.callTool({ name: "job_status", arguments: { job_id: job } });
	ok(!r.isError && r.structuredContent.state === "COMPLETED", "a reader reads a job's status", r);
	await reader.close();

	await dev.close();
}

try {
	await main();
} catch (e) {
	ok(false, "the client ran to the end", e?.stack || String(e));
}
console.log(`# ${n} checks, ${failed} failed`);
process.exit(failed ? 1 : 0);
