// Hosts the real engine (worker-shim/keyaos.wasm, loaded as the Worker loads
// it) from a test, against the test's local D1 and mock upstreams, for one
// non-streamed request: it performs each action the engine asks for and
// returns the response with its background (ledger) batch, which the Worker
// would write itself. Tests use it to run that exact batch again, as the
// Worker's retry after a lost answer would.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { WasmEngine } from "../../worker-shim/loader.js";
import { open, sha256Hex, verifyRs256 } from "../../worker-shim/crypto.js";
import { root } from "./gateway.js";

export function loadEngine(config) {
  const engine = new WasmEngine(new WebAssembly.Module(readFileSync(join(root, "worker-shim", "keyaos.wasm"))));
  engine.init(config);
  return engine;
}

// Runs statements as one D1 batch and answers as the Worker does.
export async function runSql(db, statements) {
  const results = await db.batch(statements.map((s) => db.prepare(s.sql).bind(...(s.params || []))));
  return { type: "rows", results: results.map((r) => r.results || []) };
}

async function crypto(items, encryptionKey) {
  const values = [];
  for (const item of items) {
    if (item.op === "sha256") values.push({ sha256: await sha256Hex(item.text) });
    else if (item.op === "verify_rs256") values.push({ valid: await verifyRs256(item) });
    else if (item.op === "open") values.push({ plaintext: await open(encryptionKey, item.ciphertext, item.aad) });
    else values.push({ error: `unknown crypto op ${item.op}` });
  }
  return { type: "crypto", values };
}

// `request`: the engine's request event (without `now`); `body`: its bytes.
export async function driveRequest(engine, { db, encryptionKey, request, body }) {
  const handle = engine.open();
  let action = engine.step(handle, { ...request, now: Date.now() }, new TextEncoder().encode(body));
  let upstream = null;
  try {
    for (let steps = 0; steps < 60; steps++) {
      const { head, payload } = action;
      let event;
      let bytes = null;
      if (head.type === "sql") event = await runSql(db, head.statements);
      else if (head.type === "crypto") event = await crypto(head.items, encryptionKey);
      else if (head.type === "fetch") {
        // The Worker opens the sealed secret and puts it where the engine marked it.
        const secret = head.credential ? await open(encryptionKey, head.credential.ciphertext, head.credential.aad) : null;
        const headers = { "content-type": "application/json" };
        for (const [k, v] of Object.entries(head.headers || {})) headers[k] = secret !== null ? v.replaceAll("${secret}", secret) : v;
        upstream = await fetch(head.url, { method: head.method || "POST", headers, body: payload.length ? payload.slice() : undefined });
        event = { type: "upstream_head", status: upstream.status, headers: Object.fromEntries(upstream.headers) };
      } else if (head.type === "read_body") {
        bytes = new Uint8Array(await upstream.arrayBuffer());
        event = { type: "upstream_body" };
      } else if (head.type === "respond") {
        return { status: head.status, body: new TextDecoder().decode(payload), background: head.background || [] };
      } else throw new Error(`unexpected engine action ${head.type}`);
      event.now = Date.now();
      action = engine.step(handle, event, bytes);
    }
    throw new Error("the engine did not answer within 60 steps");
  } finally {
    engine.close(handle);
  }
}
