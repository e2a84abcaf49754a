// Benchmarks Keyaos and prints a Markdown report (README "Benchmarks").
// Every number is compared with a baseline measured in the same run:
//  - latency and throughput through the gateway (real Worker in workerd +
//    local D1) vs a do-nothing pass-through Worker in the same workerd (the
//    runtime's own cost) and vs straight to the same loopback mock upstream;
//  - engine CPU per request, natively vs parsing the same bytes with nlohmann,
//    and in wasm (V8) driven by a host that does no I/O;
//  - the CPU of a cron run syncing a ~1 MB model list, natively and in wasm;
//  - mapping a long conversation for each upstream protocol vs passing it on;
//  - wasm size and instantiate time, and the first request and cron run of a
//    fresh isolate (V8 compiling the code they first run) beside warm ones.
// Usage: npm run bench [-- --quick]
import { gzipSync } from "node:zlib";
import { cpus } from "node:os";
import { readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { ensureApt, ensureNodeModules, root, run } from "./lib.js";

const quick = process.argv.includes("--quick");
ensureApt(["cmake", "gxx", "nlohmann"]);
ensureNodeModules();
run("node scripts/build.js --native > /dev/null");

const { startGateway, ADMIN_TOKEN } = await import("../tests/support/gateway.js");
const { Miniflare } = await import("miniflare");
const { startMockUpstream, openaiCompletion } = await import("../tests/support/mock-upstream.js");
const { measureWasmEngine, measureWasmChunks, measureFreshIsolateRequests, openaiStream } = await import("../bench/wasm-engine.js");
const { measureWasmSync, measureFreshIsolateSync } = await import("../bench/wasm-sync.js");
const { measureWasmTranslate, measureWasmRequestMapping, measureWasmInbound } = await import("../bench/wasm-translate.js");
const { measureWorkerCpu } = await import("../bench/worker-cpu.js");
const { checkThreadClock } = await import("../bench/thread-cpu.js");
// The engine's figures are the CPU of the thread that runs it, as a Worker's
// request is billed; the clock is checked before it is trusted.
checkThreadClock();

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * p))];
};
const ms = (n) => n.toFixed(2);

// ---- wasm size and instantiation -------------------------------------------
const wasmPath = join(root, "worker-shim", "keyaos.wasm");
const wasmBytes = readFileSync(wasmPath);
const inst = [];
for (let i = 0; i < (quick ? 5 : 20); i++) {
  const t0 = performance.now();
  const module = new WebAssembly.Module(wasmBytes);
  const { WasmEngine } = await import("../worker-shim/loader.js");
  new WasmEngine(module).init({ admin_token: "x" });
  inst.push(performance.now() - t0);
}

// ---- engine CPU ---------------------------------------------------------------
const native = JSON.parse(execFileSync(join(root, "build", "native", "keyaos_bench"), [quick ? "3000" : "20000"], { encoding: "utf8" }));
const wasm = measureWasmEngine(wasmPath, quick ? 500 : 3000);
const wasmChunks = measureWasmChunks(wasmPath, quick ? 5 : 20);
const wasmFreshRequests = measureFreshIsolateRequests(wasmPath, quick ? 3 : 5);
const wasmSync = measureWasmSync(wasmPath, quick ? 6 : 30);
const wasmTranslate = measureWasmTranslate(wasmPath, { iterations: quick ? 300 : 2000, longRuns: quick ? 10 : 40 });
const wasmMapping = measureWasmRequestMapping(wasmPath, { runs: quick ? 8 : 30 });
const wasmInbound = measureWasmInbound(wasmPath, { runs: quick ? 8 : 30 });
const wasmSyncReal = measureWasmSync(wasmPath, quick ? 6 : 30, { entryBytes: 3000 }); // entries of a real list's size
const wasmSyncFresh = measureFreshIsolateSync(wasmPath, wasmSyncReal, { entryBytes: 3000, trials: quick ? 3 : 5 });

// ---- end to end through workerd ---------------------------------------------------
const streamChunks = openaiStream(60).split(/(?<=\n\n)/);
const upstream = await startMockUpstream("openai", (req) =>
  req.body?.stream ? { sse: streamChunks } : { json: openaiCompletion({ text: "x".repeat(300) }) },
);
const gw = await startGateway({ upstreams: { openai: upstream.url + "/v1" } });
await gw.addCredential("openai", "sk-proj-benchkey0123456789", { price_multiplier: 0.5 });

const requestBody = (stream) => JSON.stringify({ model: "openai/gpt-4o-mini", stream, max_tokens: 256, messages: [{ role: "user", content: "Write a short poem about gateways." }] });
async function timed(url, headers, stream) {
  const t0 = performance.now();
  const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: requestBody(stream) });
  const reader = res.body.getReader();
  let first = null;
  for (;;) {
    const { done } = await reader.read();
    if (first === null) first = performance.now() - t0;
    if (done) break;
  }
  if (res.status !== 200) throw new Error(`status ${res.status}`);
  return { ttfb: first, total: performance.now() - t0 };
}
// The runtime's own cost: a Worker that only forwards the request.
const passThrough = new Miniflare({
  modules: true,
  compatibilityDate: "2025-12-01",
  script: `export default { fetch(req, env) { const u = new URL(req.url); return fetch(env.UPSTREAM + u.pathname, { method: req.method, headers: req.headers, body: req.body }); } }`,
  bindings: { UPSTREAM: upstream.url },
});
const passThroughUrl = (await passThrough.ready).toString().replace(/\/$/, "");
const direct = { url: upstream.url + "/v1/chat/completions", headers: { authorization: "Bearer sk-proj-benchkey0123456789" } };
const forwarded = { url: passThroughUrl + "/v1/chat/completions", headers: direct.headers };
const viaGateway = { url: gw.url + "/v1/chat/completions", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };
const N = quick ? 60 : 400;
const latency = {};
for (const stream of [true, false]) {
  for (const [name, target] of [["direct", direct], ["passthrough", forwarded], ["gateway", viaGateway]]) {
    for (let i = 0; i < 20; i++) await timed(target.url, target.headers, stream); // warm-up
    const samples = [];
    for (let i = 0; i < N; i++) samples.push(await timed(target.url, target.headers, stream));
    latency[`${stream ? "stream" : "plain"}_${name}`] = {
      ttfb50: pct(samples.map((s) => s.ttfb), 0.5),
      ttfb99: pct(samples.map((s) => s.ttfb), 0.99),
      total50: pct(samples.map((s) => s.total), 0.5),
      total99: pct(samples.map((s) => s.total), 0.99),
    };
  }
}
const throughput = [];
for (const concurrency of [1, 8, 32]) {
  const row = { concurrency };
  for (const [name, target] of [["direct", direct], ["passthrough", forwarded], ["gateway", viaGateway]]) {
    const total = quick ? 80 : 480;
    let next = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next++ < total) await timed(target.url, target.headers, false);
      }),
    );
    row[name] = total / ((performance.now() - t0) / 1000);
  }
  throughput.push(row);
}
const billed = await gw.waitForRows("SELECT id FROM request_logs WHERE status = 'ok'", 1);
await gw.close();

// ---- the Worker's own CPU per request and D1 rows, D1 in its own process -------------
const workerCpu = await measureWorkerCpu(quick);
await passThrough.dispose();
await upstream.close();

// ---- report -------------------------------------------------------------------------
const cpu = cpus()[0]?.model?.trim() || "unknown CPU";
const lines = [];
lines.push(`Machine: ${cpus().length} × ${cpu}, Node ${process.version}. Command: \`npm run bench\`${quick ? " -- --quick" : ""}.`);
lines.push("");
lines.push("| latency, p50 (p99) in ms | direct to mock | pass-through Worker | Keyaos | Keyaos ÷ pass-through |");
lines.push("|---|---|---|---|---|");
for (const kind of ["stream", "plain"]) {
  for (const metric of ["ttfb", "total"]) {
    const [d, p, g] = ["direct", "passthrough", "gateway"].map((n) => latency[`${kind}_${n}`]);
    const cell = (x) => `${ms(x[metric + "50"])} (${ms(x[metric + "99"])})`;
    lines.push(`| ${kind === "stream" ? "streamed" : "non-streamed"}, ${metric === "ttfb" ? "time to first byte" : "total"} | ${cell(d)} | ${cell(p)} | ${cell(g)} | ${(g[metric + "50"] / p[metric + "50"]).toFixed(2)}× |`);
  }
}
lines.push("");
lines.push("| concurrency | direct req/s | pass-through req/s | Keyaos req/s | Keyaos ÷ pass-through |");
lines.push("|---|---|---|---|---|");
for (const r of throughput) lines.push(`| ${r.concurrency} | ${r.direct.toFixed(0)} | ${r.passthrough.toFixed(0)} | ${r.gateway.toFixed(0)} | ${(r.gateway / r.passthrough).toFixed(2)} |`);
lines.push("");
lines.push("| Worker CPU per request (JavaScript + wasm + runtime), ms | pass-through Worker | JavaScript relay Worker | the relay writing a 2-row billing batch | Keyaos | Keyaos adds over pass-through / relay / billing relay | Keyaos ÷ billing relay | D1 host | D1 rows read / written |");
lines.push("|---|---|---|---|---|---|---|---|---|");
const signed = (x) => `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(2)}`;
for (const { label, g, p, j, b } of workerCpu)
  lines.push(`| ${label} | ${p.workerMs.toFixed(2)} | ${j.workerMs.toFixed(2)} | ${b.workerMs.toFixed(2)} | ${g.workerMs.toFixed(2)} | ${signed(g.workerMs - p.workerMs)} / ${signed(g.workerMs - j.workerMs)} / ${signed(g.workerMs - b.workerMs)} | ${(g.workerMs / b.workerMs).toFixed(2)}× | ${g.d1Ms.toFixed(2)} | ${g.rowsRead.toFixed(1)} / ${g.rowsWritten.toFixed(1)} |`);
const writtenPerRequest = workerCpu.find((r) => r.label === "non-streamed").g.rowsWritten;
lines.push("");
lines.push(`Free plan (100,000 D1 rows written a day): ${Math.floor(100000 / Math.max(writtenPerRequest, 1e-9)).toLocaleString("en-US")} successful requests a day at ${writtenPerRequest.toFixed(1)} rows each.`);
lines.push("");
lines.push("| engine CPU per request | value |");
lines.push("|---|---|");
lines.push(`| native, warm streamed request (${native.stream_bytes} B stream, 62 events) | ${native.stream_request_us.toFixed(1)} µs |`);
lines.push(`| native baseline: nlohmann parse of the same request and events | ${native.baseline_us.toFixed(1)} µs (engine = ${native.stream_vs_baseline.toFixed(2)}× baseline) |`);
lines.push(`| native, warm non-streamed request | ${native.plain_request_us.toFixed(1)} µs |`);
lines.push(`| native meter scan of a ${(native.long_stream_bytes / 1024).toFixed(0)} KB, 4,000-event stream | ${native.long_stream_scan_ms.toFixed(2)} ms (${native.meter_mb_per_s.toFixed(0)} MB/s) |`);
lines.push(`| wasm in V8, warm streamed request incl. host JSON, thread CPU (p50 / p99) | ${wasm.medianUs.toFixed(1)} / ${wasm.p99Us.toFixed(1)} µs (free-tier budget 10,000 µs) |`);
lines.push(`| wasm in V8, per upstream chunk of a committed ${wasmChunks.chunks}-chunk stream: hot path (kx_chunk) / event path (kx_step) | ${wasmChunks.hotUs.toFixed(2)} / ${wasmChunks.eventUs.toFixed(2)} µs (${(wasmChunks.hotUs / wasmChunks.eventUs).toFixed(2)}×) |`);
lines.push(`| D1 round trips: cold request / warm request | ${wasm.sqlActionsCold} / ${wasm.sqlActionsPerWarmRequest} |`);
lines.push(`| keyaos.wasm size raw / gzip | ${(wasmBytes.length / 1024).toFixed(0)} KB / ${(gzipSync(wasmBytes).length / 1024).toFixed(0)} KB |`);
lines.push(`| compile + instantiate + init (p50) | ${ms(pct(inst, 0.5))} ms |`);
const fr = wasmFreshRequests;
const freshRequest = (r) => `${ms(r.first.medianMs)} / ${ms(r.first.maxMs)} ms; ${ms(r.second.medianMs)} / ${ms(r.second.maxMs)} ms`;
lines.push(`| wasm in V8, a fresh isolate's first streamed request / its second, thread CPU (p50 / max): without the startup warm-up | ${freshRequest(fr.cold)} (the process's, with V8's background threads: ${ms(fr.cold.first.processMedianMs)} ms) |`);
lines.push(`| the same after the startup warm-up (\`worker-shim/warm-up.js\`, run by the isolate's global scope) | ${freshRequest(fr.warm)}; the warm-up itself ${ms(fr.warm.startup.medianMs)} / ${ms(fr.warm.startup.maxMs)} ms at startup |`);
lines.push("");
const listKb = (native.sync_list_bytes / 1024).toFixed(0);
lines.push(`| catalogue sync, one cron run (${listKb} KB OpenRouter list and its embeddings list, ${native.sync_models} models) | value |`);
lines.push("|---|---|");
lines.push(`| native: parse + price + decide + build SQL, every row changed and written | ${native.sync_full_ms.toFixed(2)} ms (parse alone ${native.sync_parse_ms.toFixed(2)} ms) |`);
lines.push(`| native: the same, nothing changed | ${native.sync_unchanged_ms.toFixed(2)} ms |`);
// p50 / p99 / max of the thread's CPU, and the process's max (V8's background threads included).
const runCell = (r) => `${ms(r.medianMs)} / ${ms(r.p99Ms)} / ${ms(r.maxMs)} ms over ${r.runs} runs (process: ${ms(r.processMaxMs)} ms)`;
lines.push(`| wasm in V8 incl. host JSON, thread CPU (p50 / p99 / max): every row changed, ${wasmSync.rowsPerRun} written | ${runCell(wasmSync.changed)} |`);
lines.push(`| wasm: each following run until all rows are written (${wasmSync.runsToWriteAll - 1} runs) | ${runCell(wasmSync.catchUp)} |`);
lines.push(`| wasm: list unchanged since the last run (not parsed again) | ${runCell(wasmSync.unchanged)} |`);
lines.push(`| wasm: a ${(wasmSyncReal.listBytes / 1024).toFixed(0)} KB list of real-size (~3 KB) entries, ${wasmSyncReal.models} models, every row changed, ${wasmSyncReal.rowsPerRun} written | ${runCell(wasmSyncReal.changed)} |`);
lines.push(`| wasm: the same list, each following run until all rows are written (${wasmSyncReal.runsToWriteAll - 1} runs) | ${runCell(wasmSyncReal.catchUp)} |`);
lines.push(`| wasm: the same list, unchanged since the last run | ${runCell(wasmSyncReal.unchanged)} |`);
const freshCell = (r) => `${ms(r.medianMs)} / ${ms(r.maxMs)} ms (process: ${ms(r.processMedianMs)} ms)`;
lines.push(`| wasm: the same list, the first cron run of a fresh isolate, thread CPU (p50 / max): list unchanged / every row changed | ${freshCell(wasmSyncFresh.cold.unchanged)}; ${freshCell(wasmSyncFresh.cold.changed)} |`);
lines.push(`| wasm: the same, after the startup warm-up | ${freshCell(wasmSyncFresh.warm.unchanged)}; ${freshCell(wasmSyncFresh.warm.changed)} |`);
lines.push("");
lines.push(`| translation to OpenAI SSE (${native.translate_short_events}-piece short answer, ${native.translate_long_events}-piece long answer, 16 KB chunks) | Google v1internal SSE | Kiro event stream (CRC-checked) |`);
lines.push("|---|---|---|");
lines.push(`| native, short answer | ${native.google_short_us.toFixed(1)} µs (${(native.google_short_bytes / 1024).toFixed(1)} KB) | ${native.kiro_short_us.toFixed(1)} µs (${(native.kiro_short_bytes / 1024).toFixed(1)} KB) |`);
lines.push(`| native, long answer | ${native.google_long_ms.toFixed(2)} ms, ${native.google_mb_per_s.toFixed(0)} MB/s | ${native.kiro_long_ms.toFixed(2)} ms, ${native.kiro_mb_per_s.toFixed(0)} MB/s |`);
const wt = wasmTranslate;
lines.push(`| wasm in V8, whole warm request with a short answer, incl. host JSON (p50 / p99) | ${wt.google.shortMedianUs.toFixed(0)} / ${wt.google.shortP99Us.toFixed(0)} µs | ${wt.kiro.shortMedianUs.toFixed(0)} / ${wt.kiro.shortP99Us.toFixed(0)} µs |`);
lines.push(`| wasm in V8, whole request with a long answer (${(wt.google.longBytes / 1024).toFixed(0)} KB / ${(wt.kiro.longBytes / 1024).toFixed(0)} KB) | ${wt.google.longMs.toFixed(2)} ms, ${wt.google.mbPerS.toFixed(0)} MB/s | ${wt.kiro.longMs.toFixed(2)} ms, ${wt.kiro.mbPerS.toFixed(0)} MB/s |`);
lines.push(`| wasm in V8, per 16 KB upstream chunk of the long answer (${wt.google.longChunks} / ${wt.kiro.longChunks} chunks) | ${wt.google.usPerChunk.toFixed(0)} µs | ${wt.kiro.usPerChunk.toFixed(0)} µs |`);
lines.push("");
const wm = wasmMapping;
const mapped = (r) => `${r.medianMs.toFixed(2)} (${r.maxMs.toFixed(2)}) ms, ${(r.medianMs / wm.openai.medianMs).toFixed(2)}× baseline`;
lines.push(`| a long conversation (${(wm.openai.clientBytes / 1024).toFixed(0)} KB: 200 tool rounds, 20 tools), wasm in V8 from the request to the upstream fetch, incl. host JSON, p50 (max) | OpenAI-compatible (baseline: the body passed on) | Google v1internal | Kiro |`);
lines.push("|---|---|---|---|");
lines.push(`| CPU | ${wm.openai.medianMs.toFixed(2)} (${wm.openai.maxMs.toFixed(2)}) ms | ${mapped(wm.google)} | ${mapped(wm.kiro)} |`);
lines.push("");
lines.push(`| inbound APIs: the engine's OpenAI stream rendered for the client (${native.translate_short_events} / ${native.translate_long_events}-piece answer, ${(native.openai_short_bytes / 1024).toFixed(1)} KB / ${(native.openai_long_bytes / 1024).toFixed(0)} KB of OpenAI SSE) | Anthropic Messages | OpenAI Responses |`);
lines.push("|---|---|---|");
lines.push(`| native, short answer | ${native.messages_short_us.toFixed(1)} µs | ${native.responses_short_us.toFixed(1)} µs |`);
lines.push(`| native, long answer | ${native.messages_long_ms.toFixed(2)} ms, ${native.messages_mb_per_s.toFixed(0)} MB/s | ${native.responses_long_ms.toFixed(2)} ms, ${native.responses_mb_per_s.toFixed(0)} MB/s |`);
const wi = wasmInbound;
const inboundCell = (r) => `${ms(r.medianMs)} (${ms(r.maxMs)}) ms, ${(r.medianMs / wi.chat.medianMs).toFixed(2)}× baseline`;
lines.push(`| wasm in V8, the whole request with the long answer, incl. host JSON, p50 (max); baseline: Chat Completions relaying the same answer, ${ms(wi.chat.medianMs)} (${ms(wi.chat.maxMs)}) ms | ${inboundCell(wi.messages)} | ${inboundCell(wi.responses)} |`);
lines.push(`| native, mapping the recorded client request (Claude Code ${(native.messages_request_bytes / 1024).toFixed(0)} KB / Codex ${(native.responses_request_bytes / 1024).toFixed(0)} KB) to a chat request | ${native.messages_request_us.toFixed(1)} µs | ${native.responses_request_us.toFixed(1)} µs |`);
const report = lines.join("\n");
console.log("\n" + report);
mkdirSync(join(root, "build"), { recursive: true });
writeFileSync(join(root, "build", "bench-report.md"), report + "\n");
if (billed.length === 0) throw new Error("no request was billed during the benchmark");
