// The Worker's startup warm-up (worker-shim/warm-up.js) must take the paths
// a request and a cron run take, to their end, or it compiles too little; and
// it must leave nothing in the engine the Worker serves from.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { WasmEngine } from "../../worker-shim/loader.js";
import { warmUp } from "../../worker-shim/warm-up.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const module = new WebAssembly.Module(readFileSync(`${root}/worker-shim/keyaos.wasm`));

test("the warm-up answers a billed chat completion, streamed and not, streams through each inbound API and syncs a list", () => {
  const report = warmUp(module);
  for (const api of ["chat", "messages", "responses"]) {
    assert.equal(report[api].end, "finish", `${api}: ${JSON.stringify(report[api])}`);
    assert.equal(report[api].fetches, 1, api);
    assert.ok(report[api].statements.includes("ledger.insert_log"), `${api} was not billed`);
  }
  assert.equal(report.chat_plain.end, "respond");
  assert.equal(report.chat_plain.status, 200);
  assert.ok(report.chat_plain.statements.includes("ledger.insert_log"), "the non-streamed answer was not billed");
  assert.ok(report.chat.statements.includes("credentials.load_for_routing"));
  assert.equal(report.sync.end, "done");
  assert.ok(report.sync.fetches >= 1);
  assert.ok(report.sync.statements.includes("catalog.upsert"), "the sync wrote no catalogue row");
});

test("an engine instantiated after the warm-up starts from nothing", () => {
  warmUp(module);
  const engine = new WasmEngine(module);
  engine.init({ admin_token: "t", encryption_configured: true });
  const h = engine.open();
  const body = JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
  const a = engine.step(h, { type: "request", method: "POST", path: "/v1/chat/completions", query: "", headers: { authorization: "Bearer t" }, now: 1000, nonce: "0".repeat(32) }, body);
  // Its own first request checks the schema and loads its own routing table.
  assert.equal(a.head.type, "sql");
  assert.deepEqual(a.head.statements.map((s) => s.name), ["schema.check"]);
  engine.close(h);
});
