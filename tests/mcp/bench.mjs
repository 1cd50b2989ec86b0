// bench.mjs - times `rnx mcp` calls as an MCP client makes them (the
// official TypeScript SDK, one rnx mcp kept running), for
// tests/bench/bench_mcp.sh.
//
//   node bench.mjs RNX CONFIG RUNS
//
// Prints "connect US", then "run_job US" and "job_status US" RUNS times each
// (microseconds per call), after five calls of each to warm up.
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";

const [rnx, config, runsText] = process.argv.slice(2);
const runs = Number(runsText);
const us = (t0) => Math.round((performance.now() - t0) * 1000);

let t0 = performance.now();
const client = new Client({ name: "joblet-bench", version: "1.0.0" });
await client.connect(new StdioClientTransport({
	command: rnx,
	args: ["--config", config, "mcp"],
	env: { ...process.env },
}));
await client.listTools();
console.log(`connect ${us(t0)}`);

let id = null;
for (const phase of ["warm", "run"]) {
	for (let i = 0; i < (phase === "warm" ? 5 : runs); i++) {
		t0 = performance.now();
		const r = await client.callTool({ name: "run_job", arguments: { command: ["true"] } });
		const t = us(t0);
		if (r.isError || r.structuredContent.state !== "COMPLETED")
			throw new Error(`run_job: ${JSON.stringify(r)}`);
		id = r.structuredContent.job_id;
		if (phase === "run")
			console.log(`run_job ${t}`);
	}
	for (let i = 0; i < (phase === "warm" ? 5 : runs); i++) {
		t0 = performance.now();
		const r = await client.callTool({ name: "job_status", arguments: { job_id: id } });
		const t = us(t0);
		if (r.isError)
			throw new Error(`job_status: ${JSON.stringify(r)}`);
		if (phase === "run")
			console.log(`job_status ${t}`);
	}
}
await client.close();
