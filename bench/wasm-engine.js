// Drives keyaos.wasm directly (no Worker, no I/O) through warm streamed
// requests, as the Worker does, to measure wasm CPU per request and count
// the D1 round trips a warm request needs.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { WasmEngine } from "../worker-shim/loader.js";
import { readsSeedVersion, writesSeedVersion } from "./wasm-sync.js";
import { cpuSummary, threadCpuMs, timedCpu } from "./thread-cpu.js";
import { warmUp } from "../worker-shim/warm-up.js";

const TOKEN = "bench-admin-token";
const credentials = [{ id: "cred_a", owner_id: "self", provider_id: "openai", secret_hint: "sk-pro...cdef", encrypted_secret: "v2:c2VhbGVkIGJ5IHRoZSBob3N0", price_multiplier: 0.5, quota_nusd: null, is_enabled: 1, health: "ok", dead_reason: null }];
const offerings = [{ provider_id: "openai", model_id: "openai/gpt-4o-mini", upstream_model_id: "gpt-4o-mini", input_price: 0.15, output_price: 0.6, cache_read_price: 0.075, cache_write_price: null }];
const body = JSON.stringify({ model: "gpt-4o-mini", stream: true, max_tokens: 256, messages: [{ role: "system", content: "You are a helpful assistant." }, { role: "user", content: "Write a short poem about gateways." }] });

export function openaiStream(n) {
  const chunk = (delta, finish) => `data: ${JSON.stringify({ id: "chatcmpl-x", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
  let out = chunk({ role: "assistant", content: "" }, null);
  for (let i = 0; i < n; i++) out += chunk({ content: i % 5 ? " words" : " gateway" }, null);
  out += chunk({}, "stop");
  out += `data: ${JSON.stringify({ id: "chatcmpl-x", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [], usage: { prompt_tokens: 24, completion_tokens: n, total_tokens: 24 + n } })}\n\ndata: [DONE]\n\n`;
  return out;
}

// `seeded`: the catalogue snapshot version D1 already holds (meta's
// catalog_seed), as an earlier isolate left it; null for a new database.
function rowsFor(head, seeded = null) {
  return head.statements.map((s) =>
    /^SELECT[\s\S]*FROM credentials/.test(s.sql) ? credentials
    : /^SELECT[\s\S]*FROM catalog/.test(s.sql) ? offerings
    : seeded !== null && readsSeedVersion(s.sql) ? [{ value: seeded }]
    : [],
  );
}

// `wasm`: a path, or a compiled module (shared with a warm-up).
function openEngine(wasm) {
  const engine = new WasmEngine(wasm instanceof WebAssembly.Module ? wasm : new WebAssembly.Module(readFileSync(wasm)));
  engine.init({ admin_token: TOKEN, encryption_configured: true });
  return engine;
}

// Opens a streamed request and steps it to its commit with `head` (the
// stream up to its first content event); returns the handle. `onSql` sees
// each SQL action.
function openCommitted(engine, i, now, head, onSql = () => {}, seeded = null) {
  const h = engine.open();
  let a = engine.step(h, { type: "request", method: "POST", path: "/v1/chat/completions", query: "", headers: { authorization: `Bearer ${TOKEN}` }, now, nonce: i.toString(16).padStart(32, "0") }, body);
  while (a.head.type === "sql") {
    onSql(a.head);
    a = engine.step(h, { type: "rows", results: rowsFor(a.head, seeded), now }, null);
  }
  if (a.head.type !== "fetch") throw new Error(`expected fetch, got ${a.head.type}`);
  engine.step(h, { type: "upstream_head", status: 200, headers: {}, now }, null);
  const commit = engine.step(h, { type: "upstream_chunk", now }, head);
  if (commit.head.type !== "commit_stream") throw new Error(`expected commit_stream, got ${commit.head.type}`);
  return h;
}

const firstContentEnd = (stream) => stream.indexOf("\n\n", stream.indexOf(" gateway")) + 2;

// A whole streamed request of the 60-event answer, as the Worker drives it.
function streamedRequests(engine, onSql = () => {}, seeded = null) {
  const stream = openaiStream(60);
  const cut = firstContentEnd(stream);
  const head = new TextEncoder().encode(stream.slice(0, cut));
  const rest = new TextEncoder().encode(stream.slice(cut));
  const run = (i, now) => {
    const h = openCommitted(engine, i, now, head, onSql, seeded);
    // After the commit, every chunk goes through the engine's meter on its way to the client.
    if (engine.chunk(h, now, rest) === null) throw new Error("the hot path refused a committed stream");
    const fin = engine.step(h, { type: "stream_end", now, client_aborted: false }, null);
    if (fin.head.type !== "finish") throw new Error("no finish");
    engine.close(h);
  };
  return { run, streamBytes: stream.length };
}

export function measureWasmEngine(wasmPath, iterations = 3000) {
  const engine = openEngine(wasmPath);
  let sqlActions = 0;
  const { run, streamBytes } = streamedRequests(engine, () => sqlActions++);
  run(0, 1000); // cold: loads the routing table
  const coldSql = sqlActions;
  sqlActions = 0;
  for (let i = 1; i < 200; i++) run(i, 2000); // JIT warm-up
  const times = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = threadCpuMs();
    run(1000 + i, 2000);
    times.push((threadCpuMs() - t0) * 1000);
  }
  times.sort((a, b) => a - b);
  return {
    sqlActionsCold: coldSql,
    sqlActionsPerWarmRequest: sqlActions / (iterations + 199),
    medianUs: times[Math.floor(times.length / 2)],
    p99Us: times[Math.floor(times.length * 0.99)],
    streamBytes,
  };
}

// The catalogue version an engine writes once it has seeded D1.
function seedVersion(wasmPath) {
  let version = null;
  const { run } = streamedRequests(openEngine(wasmPath), (head) => {
    for (const s of head.statements) if (writesSeedVersion(s.sql)) version = s.params[0];
  });
  run(0, 1000);
  if (version === null) throw new Error("the engine did not seed the catalogue");
  return version;
}

// The first and second streamed requests of a fresh isolate (a new process
// each time, so no compiled code is shared) on a D1 an earlier isolate
// seeded: the first loads the routing table and compiles, function by
// function on first call, the code it runs; the second finds both done.
// Compiling the module, instantiating it and the engine's init are the
// isolate's startup and not counted. `warm`: the isolate ran the Worker's
// startup warm-up (worker-shim/warm-up.js) first, whose own CPU is `startup`.
export function measureFreshIsolateRequests(wasmPath, trials = 5) {
  const seeded = seedVersion(wasmPath);
  const results = {};
  for (const warm of [false, true]) {
    const firsts = [], seconds = [], startups = [];
    for (let i = 0; i < trials; i++) {
      const args = [fileURLToPath(import.meta.url), "--fresh-requests", wasmPath, seeded, warm ? "warm" : "cold"];
      const res = spawnSync(process.execPath, args, { encoding: "utf8" });
      if (res.status !== 0) throw new Error(`fresh-isolate requests failed: ${res.stderr}`);
      const { first, second, startup } = JSON.parse(res.stdout);
      firsts.push(first);
      seconds.push(second);
      if (startup) startups.push(startup);
    }
    results[warm ? "warm" : "cold"] = { first: cpuSummary(firsts), second: cpuSummary(seconds), ...(warm ? { startup: cpuSummary(startups) } : {}) };
  }
  return results;
}

if (process.argv[2] === "--fresh-requests") {
  const [wasmPath, seeded, mode] = process.argv.slice(3);
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  const startup = mode === "warm" ? timedCpu(() => warmUp(module)) : null;
  const { run } = streamedRequests(openEngine(module), () => {}, seeded);
  const first = timedCpu(() => run(0, 1000));
  const second = timedCpu(() => run(1, 1001));
  console.log(JSON.stringify({ first, second, startup }));
}

// A committed stream relayed one event per upstream chunk, as a loopback
// upstream sends it: the Worker's hot path (kx_chunk: the chunk's bytes in,
// the client's bytes out) against the same chunks sent as upstream_chunk
// events (JSON event and action head per chunk), in the same run.
export function measureWasmChunks(wasmPath, runs = 20, events = 4000) {
  const engine = openEngine(wasmPath);
  const encoder = new TextEncoder();
  const stream = openaiStream(events);
  const cut = firstContentEnd(stream);
  const head = encoder.encode(stream.slice(0, cut));
  const chunks = stream.slice(cut).split(/(?<=\n\n)/).map((c) => encoder.encode(c));
  const relay = {
    hot: (h, now, c) => {
      if (engine.chunk(h, now, c) === null) throw new Error("the hot path refused a committed stream");
    },
    event: (h, now, c) => engine.step(h, { type: "upstream_chunk", now }, c),
  };
  const times = { hot: [], event: [] };
  for (let i = 0; i < runs + 3; i++) {
    for (const [name, send] of Object.entries(relay)) {
      const h = openCommitted(engine, 5000 + 2 * i + (name === "hot" ? 0 : 1), 2000, head);
      const t0 = threadCpuMs();
      for (const c of chunks) send(h, 2000, c);
      const elapsed = (threadCpuMs() - t0) * 1000;
      const fin = engine.step(h, { type: "stream_end", now: 2000, client_aborted: false }, null);
      if (fin.head.type !== "finish") throw new Error("no finish");
      engine.close(h);
      if (i >= 3) times[name].push(elapsed / chunks.length); // the first runs warm the JIT
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { chunks: chunks.length, hotUs: median(times.hot), eventUs: median(times.event) };
}
