// A plain one-attempt success writes no attempt row of its own: the attempt
// is kept on its log row, and the request_attempts view and /api/logs/:id
// still show it. A failover still writes one row per attempt.
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startGateway, ADMIN_TOKEN } from "../support/gateway.js";
import { startMockUpstream } from "../support/mock-upstream.js";

async function withGateway(plan, fn) {
  let chats = 0;
  const a = await startMockUpstream("openai", (req) => (req.url.endsWith("/chat/completions") ? plan(++chats) : undefined));
  const b = await startMockUpstream("oaipro");
  const gw = await startGateway({ upstreams: { openai: a.url + "/v1", oaipro: b.url + "/v1" } });
  try {
    await gw.addCredential("openai", "sk-proj-primarykey0123456", { price_multiplier: 0.5, validate: false });
    await gw.addCredential("oaipro", "sk-secondarykey0123456789", { validate: false });
    const client = new OpenAI({ apiKey: ADMIN_TOKEN, baseURL: gw.url + "/v1", maxRetries: 0 });
    await fn({ gw, client });
  } finally {
    await gw.close();
    await a.close();
    await b.close();
  }
}

const ask = (client) => client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }).withResponse();

test("a one-attempt success keeps its attempt on its log row; the view and /api/logs/:id show it", async () => {
  await withGateway(() => undefined, async ({ gw, client }) => {
    const { response } = await ask(client);
    const id = response.headers.get("x-request-id");
    assert.match(id, /^req_[0-9a-f]{12}-[0-9a-f]+$/);
    const [log] = await gw.waitForRows("SELECT * FROM request_logs", 1);
    assert.equal(log.id, id);
    assert.equal(parseInt(id.slice(4, 16), 16), log.created_at);
    assert.ok(log.attempt_offset_ms >= 0);
    assert.equal((await gw.db.prepare("SELECT COUNT(*) AS n FROM request_attempt_rows").first()).n, 0);
    const { results: view } = await gw.db.prepare("SELECT * FROM request_attempts").all();
    assert.equal(view.length, 1);
    assert.deepEqual([view[0].request_id, view[0].attempt, view[0].provider_id, view[0].status, view[0].http_status], [id, 1, "openai", "ok", 200]);
    assert.equal(view[0].created_at, log.created_at + log.attempt_offset_ms);
    const one = await gw.api("GET", `/api/logs/${id}`);
    assert.equal(one.status, 200);
    assert.equal(one.json.attempt_list.length, 1);
    assert.deepEqual(one.json.attempt_list[0], {
      attempt: 1, provider_id: "openai", credential_id: log.credential_id, model_id: "openai/gpt-4o-mini", status: "ok",
      http_status: 200, error_class: null, error_message: null, latency_ms: view[0].latency_ms,
      first_byte_ms: view[0].first_byte_ms, created_at: view[0].created_at,
    });
  });
});

test("a failover writes one row per attempt, and /api/logs/:id lists them in order", async () => {
  await withGateway((n) => (n <= 2 ? { status: 503, json: { error: { message: "busy" } } } : undefined), async ({ gw, client }) => {
    const { response } = await ask(client);
    assert.equal(response.headers.get("x-keyaos-provider"), "oaipro");
    const id = response.headers.get("x-request-id");
    const rows = await gw.waitForRows("SELECT * FROM request_attempt_rows ORDER BY attempt", 2);
    assert.deepEqual(rows.map((r) => [r.provider_id, r.status]), [["openai", "error"], ["oaipro", "ok"]]);
    const [log] = await gw.waitForRows("SELECT * FROM request_logs", 1);
    assert.equal(log.attempt_offset_ms, null);
    const one = await gw.api("GET", `/api/logs/${id}`);
    assert.deepEqual(one.json.attempt_list.map((a) => [a.attempt, a.provider_id, a.status]), [[1, "openai", "error"], [2, "oaipro", "ok"]]);
  });
});
