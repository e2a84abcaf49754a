// Drives cron invocations through keyaos.wasm (no Worker, no I/O): the sync
// of a ~1 MB OpenRouter model list, as the free plan's 10 ms CPU budget sees
// it. The host answers every action from memory (meta included); the time
// measured is what the Worker spends in the engine and the loader's JSON.
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { WasmEngine } from "../worker-shim/loader.js";

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

export function measureWasmSync(wasmPath, runs = 30, { entryBytes = 0 } = {}) {
  const engine = new WasmEngine(new WebAssembly.Module(readFileSync(wasmPath)));
  engine.init({ admin_token: "bench", encryption_configured: true, upstream_base_urls: { openrouter: "http://openrouter.test/api/v1" } });
  const { body, ids } = syntheticOpenrouterList(1024 * 1024, 0, entryBytes);
  const lists = [body, syntheticOpenrouterList(1024 * 1024, 1, entryBytes).body].map((b) => new TextEncoder().encode(b));
  let listBytes = lists[0];
  const embeddingModels = 3;
  const embeddingsBytes = new TextEncoder().encode(syntheticEmbeddingsList(embeddingModels));
  const activeIds = [{ ids: ids.join("\n") }];  // every model active: the steady state
  let now = Date.now();
  // The meta table, as the sync reads and writes it.
  const meta = new Map();
  const recent = () => JSON.stringify({ at: now - 60_000, ok: true, models: 20, bytes: 20_000 });
  const rowsFor = (statement) => {
    const { sql, params = [] } = statement;
    if (sql.startsWith("SELECT key, value FROM meta WHERE key LIKE 'sync:%'")) {
      // Every other list was synced a minute ago, so the run is OpenRouter's alone.
      for (const id of ["zenmux", "deepinfra", "deepseek", "google-ai-studio", "openai"]) meta.set(`sync:${id}`, recent());
      return [...meta].filter(([k]) => k.startsWith("sync:")).map(([key, value]) => ({ key, value }));
    }
    if (sql.startsWith("SELECT value FROM meta WHERE key = ?")) return meta.has(params[0]) ? [{ value: meta.get(params[0]) }] : [];
    if (sql.startsWith("SELECT group_concat(model_id")) return activeIds;
    if (sql.startsWith("INSERT INTO meta (key, value)")) meta.set(params[0], params[1]);
    return [];
  };
  const overdue = () => {
    const state = JSON.parse(meta.get("sync:openrouter") ?? "{}");
    meta.set("sync:openrouter", JSON.stringify({ ...state, at: now - 2 * 3600_000 }));
  };

  const run = () => {
    const h = engine.open();
    let cpu = 0, steps = 0, statements = 0;
    // CPU time, not wall time: the machine may be shared while this runs.
    const step = (event, payload) => {
      const t0 = process.cpuUsage();
      const a = engine.step(h, { now, ...event }, payload);
      const dt = process.cpuUsage(t0);
      cpu += (dt.user + dt.system) / 1000;
      steps++;
      return a;
    };
    let a = step({ type: "scheduled", cron: "17 * * * *" }, null);
    let url = "";
    for (;;) {
      const t = a.head.type;
      if (t === "sql") {
        statements += a.head.statements.length;
        a = step({ type: "rows", results: a.head.statements.map(rowsFor) }, null);
      } else if (t === "fetch") {
        url = a.head.url;
        a = step({ type: "upstream_head", status: 200, headers: {} }, null);
      } else if (t === "read_body") {
        a = step({ type: "upstream_body" }, url.endsWith("/embeddings/models") ? embeddingsBytes : listBytes);
      } else break;
    }
    engine.close(h);
    return { cpu, steps, statements, state: JSON.parse(meta.get("sync:openrouter")) };
  };

  run(); // seeds the catalogue snapshot once, as a fresh isolate would
  const changed = [], catchUps = [], unchanged = [];
  let first = null, catchUp = 0;
  for (let i = 0; i < runs + 3; i++) {
    // A list that changed throughout: the row budget caps the write, the rest follows.
    listBytes = lists[i % 2];
    overdue();
    const r = run();
    if (i >= 3) changed.push(r.cpu);
    first = r;
    for (catchUp = 1; JSON.parse(meta.get("sync:openrouter")).pending > 0 && catchUp < 20; catchUp++) {
      const more = run();
      if (i >= 3) catchUps.push(more.cpu);
    }
    // The usual hourly run: the same list, not parsed again.
    overdue();
    const same = run();
    if (same.state.pending !== 0) throw new Error("rows still pending");
    if (i >= 3) unchanged.push(same.cpu);
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const max = (xs) => Math.max(...xs);
  return {
    listBytes: listBytes.length,
    models: ids.length + embeddingModels,
    rowsPerRun: ids.length + embeddingModels - first.state.pending,
    runsToWriteAll: catchUp,
    changedMedianMs: median(changed),
    changedMaxMs: max(changed),
    catchUpMedianMs: median(catchUps),
    catchUpMaxMs: max(catchUps),
    unchangedMedianMs: median(unchanged),
    unchangedMaxMs: max(unchanged),
    statements: first.statements,
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const wasm = process.argv[2] || join(dirname(fileURLToPath(import.meta.url)), "..", "worker-shim", "keyaos.wasm");
  console.log(JSON.stringify(measureWasmSync(wasm)));
  console.log(JSON.stringify(measureWasmSync(wasm, 30, { entryBytes: 3000 })));
}
