// The Worker's own CPU per request (JavaScript + wasm + the runtime's work
// for it), apart from the local D1 simulator's, and D1 rows per request.
//
// Five workerd processes: Keyaos, a do-nothing pass-through Worker, a
// JavaScript relay Worker (it reads each upstream chunk and writes it to the
// client, the least any Worker that looks at a stream does), the same relay
// writing a two-row billing batch after each answer, and a D1 host. Keyaos's
// and the billing relay's `DB` binding is a thin client that sends each batch
// to the D1 host over loopback HTTP, as the real D1 binding sends it to D1's
// service, so SQLite's work runs in the host's process and not in theirs.
// CPU is read from /proc (every thread's run time, in ns) around a run of
// sequential requests. Rows come from D1's own meta.rows_read/rows_written.
import { readFileSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { Miniflare } from "miniflare";
import { fileURLToPath } from "node:url";
import { applyMigrations, ADMIN_TOKEN, ENCRYPTION_KEY, KEYAOS_MODULE } from "../tests/support/gateway.js";
import { startMockUpstream, openaiCompletion } from "../tests/support/mock-upstream.js";
import { openaiStream } from "./wasm-engine.js";

// The D1 host: runs each batch on a real local D1 and counts D1's rows.
const HOST_SCRIPT = `
let read = 0, written = 0, batches = 0;
export default {
  async fetch(req, env) {
    const url = new URL(req.url);
    if (url.pathname === "/stats") return Response.json({ read, written, batches });
    const statements = await req.json();
    try {
      const results = await env.DB.batch(statements.map((s) => env.DB.prepare(s.sql).bind(...s.params)));
      batches++;
      for (const r of results) { read += r.meta?.rows_read || 0; written += r.meta?.rows_written || 0; }
      return Response.json(results.map((r) => ({ results: r.results, meta: r.meta })));
    } catch (err) {
      return new Response(String(err?.message || err), { status: 500 });
    }
  },
};`;

// The JavaScript relay: the pass-through's request, its answer's bytes moved
// chunk by chunk through JavaScript, as Keyaos's shim moves them, and no more.
// With `billing`, once the answer has gone to the client it also writes a
// two-row batch (a log row and a balance) through the same DB binding as
// Keyaos, in waitUntil, as Keyaos writes its ledger: what Keyaos adds over it
// is its own work (auth, routing, the upstream request, the events' checks,
// the meter).
const relayScript = (billing) => `
export default {
  async fetch(req, env, ctx) {
    const u = new URL(req.url);
    const upstream = await fetch(env.UPSTREAM + u.pathname, { method: req.method, headers: req.headers, body: req.body });
    const { readable, writable } = new IdentityTransformStream();
    const writer = writable.getWriter();
    const reader = upstream.body.getReader();
    ctx.waitUntil((async () => {
      ${billing ? "let bytes = 0;" : ""}
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        ${billing ? "bytes += value.length;" : ""}
        writer.write(value);
      }
      await writer.close();
      ${billing ? `await env.DB.batch([
        env.DB.prepare("INSERT OR IGNORE INTO relay_log (id, bytes, created_at) VALUES (?, ?, ?)").bind(crypto.randomUUID(), bytes, Date.now()),
        env.DB.prepare("UPDATE relay_balance SET used = used + ?, requests = requests + 1 WHERE id = 1").bind(bytes),
      ]);` : ""}
    })());
    return new Response(readable, { status: upstream.status, headers: upstream.headers });
  },
};`;
const JS_RELAY_SCRIPT = relayScript(false);
const JS_RELAY_BILLING_SCRIPT = relayScript(true);

// Keyaos's DB binding: the part of D1's binding the shim uses (prepare, bind, batch).
const CLIENT_SCRIPT = `
class Statement {
  constructor(sql, params = []) { this.sql = sql; this.params = params; }
  bind(...params) { return new Statement(this.sql, params); }
}
export default function (env) {
  return {
    prepare: (sql) => new Statement(sql),
    async batch(statements) {
      const body = JSON.stringify(statements.map((s) => ({ sql: s.sql, params: s.params })));
      // A reused loopback connection the host has dropped: send once more.
      let res;
      try {
        res = await fetch(env.HOST + "/batch", { method: "POST", body });
      } catch {
        res = await fetch(env.HOST + "/batch", { method: "POST", body, headers: { connection: "close" } });
      }
      if (!res.ok) throw new Error(await res.text());
      return res.json();
    },
  };
}`;

function children() {
  try {
    const out = execFileSync("ps", ["-o", "pid=,comm=", "--ppid", String(process.pid)], { encoding: "utf8" });
    return new Set(out.split("\n").map((l) => l.trim().split(/\s+/)).filter(([pid, comm]) => pid && comm === "workerd").map(([pid]) => pid));
  } catch {
    return new Set();
  }
}

async function started(make) {
  const before = children();
  const mf = make();
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const pids = [...children()].filter((p) => !before.has(p));
  if (pids.length !== 1) throw new Error(`expected one new workerd process, found ${pids.length}`);
  return { mf, url, pid: pids[0] };
}

// CPU time of every thread of a process so far, in ms.
export function processCpuMs(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
    } catch {}
  }
  return ns / 1e6;
}

export async function startWorkerCpuBench(upstreamUrl) {
  const host = await started(
    () => new Miniflare({ modules: true, compatibilityDate: "2025-12-01", script: HOST_SCRIPT, d1Databases: { DB: "keyaos-bench" } }),
  );
  const db = await host.mf.getD1Database("DB");
  await applyMigrations(db);
  await db.batch([
    db.prepare("CREATE TABLE relay_log (id TEXT PRIMARY KEY, bytes INTEGER NOT NULL, created_at INTEGER NOT NULL) WITHOUT ROWID"),
    db.prepare("CREATE TABLE relay_balance (id INTEGER PRIMARY KEY, used INTEGER NOT NULL, requests INTEGER NOT NULL)"),
    db.prepare("INSERT INTO relay_balance (id, used, requests) VALUES (1, 0, 0)"),
  ]);
  // A Worker whose DB binding is the thin client to the D1 host.
  const withD1Client = (worker) =>
    new Miniflare({
      workers: [
        { ...worker, wrappedBindings: { DB: { scriptName: "d1-client", bindings: { HOST: host.url } } } },
        { name: "d1-client", modules: true, script: CLIENT_SCRIPT },
      ],
    });
  const gateway = await started(() =>
    withD1Client({
      name: "keyaos",
      ...KEYAOS_MODULE,
      bindings: { ADMIN_TOKEN, ENCRYPTION_KEY, UPSTREAM_BASE_URLS: JSON.stringify({ openai: upstreamUrl + "/v1" }) },
    }),
  );
  const passThrough = await started(
    () =>
      new Miniflare({
        modules: true,
        compatibilityDate: "2025-12-01",
        script: `export default { fetch(req, env) { const u = new URL(req.url); return fetch(env.UPSTREAM + u.pathname, { method: req.method, headers: req.headers, body: req.body }); } }`,
        bindings: { UPSTREAM: upstreamUrl },
      }),
  );
  const jsRelay = await started(
    () => new Miniflare({ modules: true, compatibilityDate: "2025-12-01", script: JS_RELAY_SCRIPT, bindings: { UPSTREAM: upstreamUrl } }),
  );
  const billingRelay = await started(() =>
    withD1Client({ name: "relay", modules: true, compatibilityDate: "2025-12-01", script: JS_RELAY_BILLING_SCRIPT, bindings: { UPSTREAM: upstreamUrl } }),
  );
  const stats = async () => (await fetch(host.url + "/stats")).json();
  const close = () => Promise.all([gateway, passThrough, jsRelay, billingRelay, host].map((w) => w.mf.dispose()));
  return { host, gateway, passThrough, jsRelay, billingRelay, stats, close };
}

// Runs `n` sequential requests and returns CPU ms per request of each process
// and D1 rows per request.
export async function cpuPerRequest(bench, target, n, send) {
  const d0 = await bench.stats();
  const pids = [target.pid, bench.host.pid];
  const before = pids.map(processCpuMs);
  for (let i = 0; i < n; i++) await send(target.url);
  // The ledger batch is written after the response (waitUntil): wait for it.
  if (target === bench.gateway || target === bench.billingRelay) {
    for (let k = 0; k < 200 && (await bench.stats()).batches < d0.batches + n; k++) await new Promise((r) => setTimeout(r, 10));
  } else await new Promise((r) => setTimeout(r, 50));
  const after = pids.map(processCpuMs);
  const d1 = await bench.stats();
  return {
    workerMs: (after[0] - before[0]) / n,
    d1Ms: (after[1] - before[1]) / n,
    rowsRead: (d1.read - d0.read) / n,
    rowsWritten: (d1.written - d0.written) / n,
    batches: (d1.batches - d0.batches) / n,
  };
}

// Pass-through, JavaScript relay and Keyaos for short, long, paced and
// non-streamed answers.
export async function measureWorkerCpu(quick = false) {
  // `max_tokens` picks the answer: 60 events at once, 4,000 events at once, or
  // 60 events 2 ms apart (each arrives as its own chunk).
  const cpuStreams = { 60: openaiStream(60).split(/(?<=\n\n)/), 4000: openaiStream(4000).split(/(?<=\n\n)/), 61: openaiStream(60).split(/(?<=\n\n)/) };
  const cpuUpstream = await startMockUpstream("openai", (req) =>
    req.body?.stream ? { sse: cpuStreams[req.body.max_tokens] ?? cpuStreams[60], gapMs: req.body.max_tokens === 61 ? 2 : 0 } : { json: openaiCompletion({ text: "x".repeat(300) }) },
  );
  const wb = await startWorkerCpuBench(cpuUpstream.url);
  // Both gateways share the D1 host: one credential serves both.
  {
    const res = await fetch(wb.gateway.url + "/api/credentials", { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ provider_id: "openai", secret: "sk-proj-benchkey0123456789", price_multiplier: 0.5, validate: false }) });
    if (res.status !== 201) throw new Error(`credential: ${res.status} ${await res.text()}`);
  }
  const sendTo = (maxTokens, stream, gateway) => async (url) => {
    // A keep-alive connection the runtime closed as this request went out is
    // tried once more (it never reached the Worker).
    const post = (init) => fetch(url + "/v1/chat/completions", init).catch((err) => {
      if (err?.cause?.code !== "UND_ERR_SOCKET") throw err;
      return fetch(url + "/v1/chat/completions", init);
    });
    const res = await post({
      method: "POST",
      headers: { "content-type": "application/json", authorization: gateway ? `Bearer ${ADMIN_TOKEN}` : "Bearer sk-proj-benchkey0123456789" },
      body: JSON.stringify({ model: gateway ? "openai/gpt-4o-mini" : "gpt-4o-mini", stream, max_tokens: maxTokens, messages: [{ role: "user", content: "Write a poem." }] }),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`status ${res.status}: ${text.slice(0, 200)}`);
    if (stream && !text.includes("[DONE]")) throw new Error("stream without [DONE]");
  };
  const workerCpu = [];
  for (const [label, maxTokens, stream, n] of [
    ["streamed, 60 events", 60, true, quick ? 60 : 300],
    ["streamed, 4,000 events", 4000, true, quick ? 10 : 40],
    ["streamed, 60 events 2 ms apart", 61, true, quick ? 30 : 100],
    ["non-streamed", 60, false, quick ? 60 : 300],
  ]) {
    for (let i = 0; i < 10; i++) {
      await sendTo(maxTokens, stream, true)(wb.gateway.url);
      await sendTo(maxTokens, stream, false)(wb.passThrough.url);
      await sendTo(maxTokens, stream, false)(wb.jsRelay.url);
      await sendTo(maxTokens, stream, false)(wb.billingRelay.url);
    }
    const g = await cpuPerRequest(wb, wb.gateway, n, sendTo(maxTokens, stream, true));
    const p = await cpuPerRequest(wb, wb.passThrough, n, sendTo(maxTokens, stream, false));
    const j = await cpuPerRequest(wb, wb.jsRelay, n, sendTo(maxTokens, stream, false));
    const b = await cpuPerRequest(wb, wb.billingRelay, n, sendTo(maxTokens, stream, false));
    if (b.batches < 0.99) throw new Error(`the billing relay wrote ${b.batches} batches per request`);
    workerCpu.push({ label, g, p, j, b });
  }
  await wb.close();
  await cpuUpstream.close();
  return workerCpu;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) console.log("RESULT " + JSON.stringify(await measureWorkerCpu(process.argv.includes("--quick"))));
