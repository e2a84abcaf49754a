// Drives cron invocations through keyaos.wasm (no Worker, no I/O): the sync
// of a ~1 MB OpenRouter model list, as the free plan's 10 ms CPU budget sees
// it. The host answers every action from memory (meta included); the time
// measured is what the Worker spends in the engine and the loader's JSON.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { WasmEngine } from "../worker-shim/loader.js";
import { cpuSummary, timedCpu } from "./thread-cpu.js";
import { warmUp } from "../worker-shim/warm-up.js";

// The engine's read and write of the catalogue snapshot's version in meta:
// a D1 an earlier isolate seeded answers the read, so it is not seeded again.
export const readsSeedVersion = (sql) => sql.includes("WHERE key = 'catalog_seed'");
export const writesSeedVersion = (sql) => sql.startsWith("INSERT INTO meta (key, value) VALUES ('catalog_seed'");

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "tests", "fixtures");

// The fixture's model entry under distinct ids until the body reaches `bytes`
// (bench/sync_bench.cpp builds the same list natively).
// `variant` shifts every price, so two variants differ in every row.
// `entryBytes` pads each entry's description to a real entry's size (the
// fixture's is trimmed to ~0.9 KB; OpenRouter's run to ~3 KB).
export function syntheticOpenrouterList(bytes = 1024 * 1024, variant = 0, entryBytes = 0) {
  const model = JSON.parse(readFileSync(join(fixtures, "openrouter_models_entry.json"), "utf8")).data[0];
  const parts = [];
  let size = 10;
  for (let i = 0; size < bytes; i++) {
    const copy = structuredClone(model);
    copy.id = `vendor${i % 50}/model-${i}`;
    copy.pricing.prompt = `0.000000${((i + variant) % 9) + 1}`;
    copy.pricing.completion = `0.00000${((i + variant) % 9) + 1}`;
    const short = JSON.stringify(copy).length;
    if (entryBytes > short) copy.description += " Lorem ipsum dolor sit amet.".repeat(Math.ceil((entryBytes - short) / 28));
    const text = JSON.stringify(copy);
    parts.push(text);
    size += text.length + 1;
  }
  return { body: `{"data":[${parts.join(",")}]}`, ids: parts.map((_, i) => `vendor${i % 50}/model-${i}`) };
}

// OpenRouter's second list, /embeddings/models, read beside the main one in
// every sync: a few entries, as bench/sync_bench.cpp builds it.
export function syntheticEmbeddingsList(models = 3) {
  const model = JSON.parse(readFileSync(join(fixtures, "openrouter_models_entry.json"), "utf8")).data[0];
  return JSON.stringify({ data: Array.from({ length: models }, (_, i) => ({ ...model, id: `openai/text-embedding-bench-${i}` })) });
}

// One isolate's engine and the D1 it sees (meta, the active ids), with two
// 1 MB lists whose every row differs (`useList(0 | 1)`).
// `wasm`: a path, or a compiled module (shared with a warm-up).
class SyncBench {
  constructor(wasm, { entryBytes = 0, meta = [] } = {}) {
    this.engine = new WasmEngine(wasm instanceof WebAssembly.Module ? wasm : new WebAssembly.Module(readFileSync(wasm)));
    this.engine.init({ admin_token: "bench", encryption_configured: true, upstream_base_urls: { openrouter: "http://openrouter.test/api/v1" } });
    const { body, ids } = syntheticOpenrouterList(1024 * 1024, 0, entryBytes);
    this.lists = [body, syntheticOpenrouterList(1024 * 1024, 1, entryBytes).body].map((b) => new TextEncoder().encode(b));
    this.listIndex = 0;
    this.embeddingModels = 3;
    this.embeddingsBytes = new TextEncoder().encode(syntheticEmbeddingsList(this.embeddingModels));
    this.ids = ids;
    this.activeIds = [{ ids: ids.join("\n") }]; // every model active: the steady state
    this.now = Date.now();
    this.meta = new Map(meta); // the meta table, as the sync reads and writes it
  }

  useList(i) {
    this.listIndex = i;
  }

  rowsFor({ sql, params = [] }) {
    const meta = this.meta;
    if (sql.startsWith("SELECT key, value FROM meta WHERE key LIKE 'sync:%'")) {
      // Every other list was synced a minute ago, so the run is OpenRouter's alone.
      const recent = JSON.stringify({ at: this.now - 60_000, ok: true, models: 20, bytes: 20_000 });
      for (const id of ["zenmux", "deepinfra", "deepseek", "google-ai-studio", "openai"]) meta.set(`sync:${id}`, recent);
      return [...meta].filter(([k]) => k.startsWith("sync:")).map(([key, value]) => ({ key, value }));
    }
    // The snapshot seeded by an earlier isolate is not seeded again.
    if (readsSeedVersion(sql)) return meta.has("catalog_seed") ? [{ value: meta.get("catalog_seed") }] : [];
    if (writesSeedVersion(sql)) meta.set("catalog_seed", params[0]);
    else if (sql.startsWith("SELECT value FROM meta WHERE key = ?")) return meta.has(params[0]) ? [{ value: meta.get(params[0]) }] : [];
    else if (sql.startsWith("SELECT group_concat(model_id")) return this.activeIds;
    else if (sql.startsWith("INSERT INTO meta (key, value)")) meta.set(params[0], params[1]);
    return [];
  }

  // OpenRouter's list is due: its last sync was two hours ago.
  overdue() {
    const state = JSON.parse(this.meta.get("sync:openrouter") ?? "{}");
    this.meta.set("sync:openrouter", JSON.stringify({ ...state, at: this.now - 2 * 3600_000 }));
  }

  state() {
    return JSON.parse(this.meta.get("sync:openrouter"));
  }

  // One cron invocation, answered from memory; CPU of the engine steps only.
  run() {
    const engine = this.engine;
    const h = engine.open();
    let cpu = 0, processCpu = 0, steps = 0, statements = 0;
    const step = (event, payload) => {
      let a;
      const t = timedCpu(() => (a = engine.step(h, { now: this.now, ...event }, payload)));
      cpu += t.cpu;
      processCpu += t.processCpu;
      steps++;
      return a;
    };
    let a = step({ type: "scheduled", cron: "17 * * * *" }, null);
    let url = "";
    for (;;) {
      const t = a.head.type;
      if (t === "sql") {
        statements += a.head.statements.length;
        a = step({ type: "rows", results: a.head.statements.map((s) => this.rowsFor(s)) }, null);
      } else if (t === "fetch") {
        url = a.head.url;
        a = step({ type: "upstream_head", status: 200, headers: {} }, null);
      } else if (t === "read_body") {
        a = step({ type: "upstream_body" }, url.endsWith("/embeddings/models") ? this.embeddingsBytes : this.lists[this.listIndex]);
      } else break;
    }
    engine.close(h);
    return { cpu, processCpu, steps, statements };
  }
}


export function measureWasmSync(wasmPath, runs = 30, { entryBytes = 0 } = {}) {
  const bench = new SyncBench(wasmPath, { entryBytes });
  bench.run(); // seeds the catalogue snapshot once, as a fresh isolate would
  const changed = [], catchUps = [], unchanged = [];
  let first = null, catchUp = 0;
  for (let i = 0; i < runs + 3; i++) {
    // A list that changed throughout: the row budget caps the write, the rest follows.
    bench.useList(i % 2);
    bench.overdue();
    const r = bench.run();
    if (i >= 3) changed.push(r);
    first = { ...r, state: bench.state() };
    for (catchUp = 1; bench.state().pending > 0 && catchUp < 20; catchUp++) {
      const more = bench.run();
      if (i >= 3) catchUps.push(more);
    }
    // The usual hourly run: the same list, not parsed again.
    bench.overdue();
    const same = bench.run();
    if (bench.state().pending !== 0) throw new Error("rows still pending");
    if (i >= 3) unchanged.push(same);
  }
  return {
    listBytes: bench.lists[bench.listIndex].length,
    models: bench.ids.length + bench.embeddingModels,
    rowsPerRun: bench.ids.length + bench.embeddingModels - first.state.pending,
    runsToWriteAll: catchUp,
    changed: cpuSummary(changed),
    catchUp: cpuSummary(catchUps),
    unchanged: cpuSummary(unchanged),
    statements: first.statements,
    // D1 as this isolate left it: every row written, the list last synced.
    steadyMeta: [...bench.meta],
    lastList: bench.listIndex,
  };
}

// The first cron run of a fresh isolate (a new process each time, so no
// compiled code is shared): V8 compiles each function on its first call, to
// baseline code, so this run costs more than a warm one; `warm` isolates ran
// the Worker's startup warm-up (worker-shim/warm-up.js) first.
// `steady` is measureWasmSync's result: D1 holds its rows, so the isolate
// neither seeds the snapshot nor finds rows pending.
export function measureFreshIsolateSync(wasmPath, steady, { entryBytes = 0, trials = 5 } = {}) {
  const trial = (list, mode) => {
    const args = [fileURLToPath(import.meta.url), "--fresh-run", wasmPath, String(entryBytes), String(list), mode];
    const res = spawnSync(process.execPath, args, { input: JSON.stringify(steady.steadyMeta), encoding: "utf8" });
    if (res.status !== 0) throw new Error(`fresh-isolate sync run failed: ${res.stderr}`);
    return JSON.parse(res.stdout);
  };
  const results = {};
  for (const mode of ["cold", "warm"]) {
    const unchanged = [], changed = [];
    for (let i = 0; i < trials; i++) {
      unchanged.push(trial(steady.lastList, mode));
      changed.push(trial(1 - steady.lastList, mode));
    }
    results[mode] = { unchanged: cpuSummary(unchanged), changed: cpuSummary(changed) };
  }
  return results;
}

if (process.argv[2] === "--fresh-run") {
  const [wasmPath, entryBytes, list, mode] = process.argv.slice(3);
  const module = new WebAssembly.Module(readFileSync(wasmPath));
  if (mode === "warm") warmUp(module);
  const bench = new SyncBench(module, { entryBytes: Number(entryBytes), meta: JSON.parse(readFileSync(0, "utf8")) });
  bench.useList(Number(list));
  bench.overdue();
  const r = bench.run();
  const state = bench.state();
  if (!state.ok) throw new Error(`the sync failed: ${state.error}`);
  console.log(JSON.stringify(r));
} else if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const wasm = process.argv[2] || join(dirname(fileURLToPath(import.meta.url)), "..", "worker-shim", "keyaos.wasm");
  for (const entryBytes of [0, 3000]) {
    const steady = measureWasmSync(wasm, 30, { entryBytes });
    const fresh = measureFreshIsolateSync(wasm, steady, { entryBytes });
    delete steady.steadyMeta;
    console.log(JSON.stringify({ entryBytes, ...steady, fresh }));
  }
}
