// Runs the real Worker (worker-shim + keyaos.wasm) in workerd through
// Miniflare, with a real local D1 that has the project's migrations applied.
import { Miniflare } from "miniflare";
import { readdirSync, readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

// Polls `check` until it answers something truthy (background writes finish
// after the response); fails naming `what` after timeoutMs.
export async function waitFor(what, check, timeoutMs = 10000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const ADMIN_TOKEN = "test-admin-token-0123456789";
export const ENCRYPTION_KEY = Buffer.alloc(32, 7).toString("base64");

// Applies migrations/*.sql and records them where `wrangler d1 migrations apply` does;
// `through` stops after the migration of that file name (an older database).
// The Worker as Miniflare loads it: the shim and the engine module.
export const KEYAOS_MODULE = {
  modules: true,
  scriptPath: join(root, "worker-shim", "index.js"),
  modulesRoot: root,
  modulesRules: [
    { type: "ESModule", include: ["**/*.js"] },
    { type: "CompiledWasm", include: ["**/*.wasm"] },
  ],
  compatibilityDate: "2025-12-01",
};

export async function applyMigrations(db, { through } = {}) {
  await db.prepare("CREATE TABLE IF NOT EXISTS d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)").run();
  const dir = join(root, "migrations");
  for (const name of readdirSync(dir).filter((f) => f.endsWith(".sql")).sort()) {
    const done = await db.prepare("SELECT 1 FROM d1_migrations WHERE name = ?").bind(name).first();
    if (done) continue;
    const sql = readFileSync(join(dir, name), "utf8");
    const statements = sql
      .split(/;\s*(?:\n|$)/)
      .map((s) => s.replace(/^\s*--.*$/gm, "").trim())
      .filter(Boolean);
    await db.batch(statements.map((s) => db.prepare(s)));
    await db.prepare("INSERT INTO d1_migrations (name) VALUES (?)").bind(name).run();
    if (name === through) return;
  }
}

// `persist`: a folder for D1's files, so a second gateway started on it (a
// restarted Worker) sees the first one's data. `migrate: false` starts on an
// empty D1, as a first deploy whose migrations step has not run yet.
// `handleRuntimeStdio(stdout, stderr)` receives workerd's output streams (what
// the Worker logs) instead of Miniflare's default printing.
// `isolates`: more copies of the Worker in the same runtime, each in its own
// isolate (own memory and caches) on the one D1, as Cloudflare runs a Worker
// in many isolates at once. Their base URLs are `isolateUrls` (the first is `url`).
// `serviceBindings`: bindings to functions run in Node, e.g. an `ASSETS`
// that plays the dashboard's static assets.
export async function startGateway({ upstreams = {}, bindings = {}, serviceBindings, persist, handleRuntimeStdio, isolates = 1, migrate = true } = {}) {
  const worker = (i) => ({
    name: `keyaos${i}`,
    ...KEYAOS_MODULE,
    d1Databases: { DB: dbName },
    bindings: {
      ADMIN_TOKEN,
      ENCRYPTION_KEY,
      UPSTREAM_BASE_URLS: JSON.stringify(upstreams),
      ...bindings,
    },
    ...(serviceBindings ? { serviceBindings } : {}),
    ...(i > 0 ? { unsafeDirectSockets: [{ port: 0 }] } : {}),
  });
  const dbName = persist ? "keyaos-test-persisted" : "keyaos-test-" + Math.random().toString(16).slice(2);
  const { name: _first, ...single } = worker(0);
  const mf = new Miniflare({
    ...(isolates > 1 ? { workers: Array.from({ length: isolates }, (_, i) => worker(i)) } : single),
    ...(persist ? { d1Persist: persist } : {}),
    ...(handleRuntimeStdio ? { handleRuntimeStdio } : {}),
  });
  const url = (await mf.ready).toString().replace(/\/$/, "");
  const isolateUrls = [url];
  for (let i = 1; i < isolates; i++) isolateUrls.push((await mf.unsafeGetDirectURL(`keyaos${i}`)).toString().replace(/\/$/, ""));
  const db = await mf.getD1Database("DB");
  if (migrate) await applyMigrations(db);
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  // A JSON call with these headers: {status, headers, json, text}.
  const caller = (headers) => async (method, path, body) => {
    const res = await fetch(url + path, {
      method,
      headers: { ...headers, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {}
    return { status: res.status, headers: res.headers, json, text };
  };
  return {
    mf,
    url,
    isolateUrls,
    db,
    fetch: (path, init = {}) => fetch(url + path, init),
    api: caller(auth),
    // The same calls with another bearer token (an API key, a Platform session), or none.
    as: (token) => caller(token ? { authorization: `Bearer ${token}` } : {}),
    addCredential: async (provider_id, secret, extra = {}) => {
      const res = await fetch(url + "/api/credentials", {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ provider_id, secret, ...extra }),
      });
      const json = await res.json();
      if (res.status !== 201) throw new Error(`adding a ${provider_id} credential failed: ${res.status} ${JSON.stringify(json)}`);
      return json;
    },
    // Background writes (billing) finish after the response; wait for them.
    waitForRows: async (sql, count, timeoutMs = 5000) => {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const { results } = await db.prepare(sql).all();
        if (results.length >= count || Date.now() > until) return results;
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    close: () => mf.dispose(),
  };
}
