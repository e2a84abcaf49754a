// A Worker whose D1 has no schema yet (a first deploy before its migrations
// step) or an older one names the step to run, on every route, and starts
// working as soon as the migrations are applied, without a restart.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { startGateway, applyMigrations, root, ADMIN_TOKEN } from "../support/gateway.js";
import { startMockUpstream } from "../support/mock-upstream.js";

let gw, upstream;
const latestMigration = readdirSync(join(root, "migrations")).filter((f) => f.endsWith(".sql")).sort().at(-1);

before(async () => {
  upstream = await startMockUpstream("openai");
  gw = await startGateway({ upstreams: { openai: upstream.url + "/v1" }, migrate: false });
});

after(async () => {
  await gw?.close();
  await upstream?.close();
});

const client = () => new OpenAI({ apiKey: ADMIN_TOKEN, baseURL: gw.url + "/v1", maxRetries: 0 });
const chat = () => client().chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });

function assertSchemaError(res, code) {
  assert.equal(res.status, 503, res.text);
  assert.deepEqual(Object.keys(res.json.error).sort(), ["code", "message", "param", "type"]);
  assert.equal(res.json.error.code, code);
  assert.equal(res.json.error.type, "server_error");
  assert.match(res.json.error.message, /npx wrangler d1 migrations apply DB --remote/);
  assert.match(res.json.error.message, /npm run deploy/);
}

test("with no schema, /v1/models, /api/credentials, /v1/chat/completions and /health name the migrations step", async () => {
  assertSchemaError(await gw.api("GET", "/v1/models"), "schema_missing");
  assertSchemaError(await gw.api("GET", "/api/credentials"), "schema_missing");
  assertSchemaError(await gw.api("POST", "/api/credentials", { provider_id: "openai", secret: "sk-proj-x", validate: false }), "schema_missing");
  const health = await gw.fetch("/health");
  assertSchemaError({ status: health.status, json: await health.json() }, "schema_missing");
  await assert.rejects(chat(), (err) => {
    assert.equal(err.status, 503);
    assert.equal(err.code, "schema_missing");
    assert.match(err.message, /migrations apply DB --remote/);
    return true;
  });
  // Still refused before authentication succeeds: a wrong key is a 401, not a schema hint.
  const wrong = await fetch(gw.url + "/v1/models", { headers: { authorization: "Bearer wrong" } });
  assert.equal(wrong.status, 401);
  assert.equal(upstream.chatRequests().length, 0);
});

test("a schema behind the Worker's newest migration is refused as outdated", async () => {
  await gw.db.prepare("CREATE TABLE d1_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT UNIQUE, applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL)").run();
  await gw.db.prepare("INSERT INTO d1_migrations (name) VALUES ('0000_older.sql')").run();
  const res = await gw.api("GET", "/v1/models");
  assertSchemaError(res, "schema_outdated");
  assert.ok(res.json.error.message.includes("0000_older.sql") && res.json.error.message.includes(latestMigration), res.json.error.message);
  assertSchemaError(await gw.api("GET", "/api/credentials"), "schema_outdated");
});

test("after the migrations are applied the same Worker serves every route", async () => {
  await applyMigrations(gw.db);
  const health = await gw.fetch("/health");
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: "ok", service: "keyaos" });
  assert.equal((await gw.api("GET", "/api/credentials")).status, 200);
  await gw.addCredential("openai", "sk-proj-schemakey0123456789", { validate: false });
  const models = await gw.api("GET", "/v1/models");
  assert.equal(models.status, 200);
  assert.ok(models.json.data.some((m) => m.id === "openai/gpt-4o-mini"));
  const reply = await chat();
  assert.equal(reply.choices[0].message.content, "Hello from the mock");
  assert.equal(upstream.chatRequests().length, 1);
});
