// One request can never harm the next: over-deep JSON, oversized lists and
// invalid numbers are refused with OpenAI errors, and an engine that fails
// mid-request is replaced. The real Worker in workerd with local D1; the
// upstream is a local server speaking OpenAI's wire format.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startGateway, ADMIN_TOKEN } from "../support/gateway.js";
import { startMockUpstream } from "../support/mock-upstream.js";

let gw, upstream;
// The next answers the mock gives instead of a normal completion.
const planned = [];

before(async () => {
  upstream = await startMockUpstream("openai", () => planned.shift());
  gw = await startGateway({ upstreams: { openai: upstream.url + "/v1" } });
  await gw.addCredential("openai", "sk-proj-limitskey0123456789abcdef");
});

after(async () => {
  await gw?.close();
  await upstream?.close();
});

const client = () => new OpenAI({ apiKey: ADMIN_TOKEN, baseURL: gw.url + "/v1", maxRetries: 0 });
const nested = (depth) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
const messages = '"messages":[{"role":"user","content":"hi"}]';
const post = (body) =>
  gw.fetch("/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body,
  });

// An OpenAI error body with this status, as JSON (never the runtime's error page).
async function assertOpenAIError(res, status) {
  const text = await res.text();
  assert.equal(res.status, status, text.slice(0, 300));
  assert.match(res.headers.get("content-type") || "", /^application\/json/, text.slice(0, 300));
  const body = JSON.parse(text);
  assert.deepEqual(Object.keys(body.error).sort(), ["code", "message", "param", "type"]);
  return body.error;
}

async function assertServed() {
  const done = await client().chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
  assert.equal(done.choices[0].message.content, "Hello from the mock");
}

test("a 20,000-deep stream_options is a 400 OpenAI error, and the next request is served", async () => {
  for (const depth of [20000, 200000]) {
    const res = await post(`{"model":"openai/gpt-4o-mini","stream":true,${messages},"stream_options":${nested(depth)}}`);
    const error = await assertOpenAIError(res, 400);
    assert.equal(error.type, "invalid_request_error");
    assert.equal(error.code, "json_too_deep");
    assert.equal(error.param, "stream_options");
    await assertServed();
  }
  const before = upstream.chatRequests().length;
  assert.equal(before, 2, "only the two normal requests reached the upstream");
});

test("an over-deep management body is a 400 OpenAI error", async () => {
  const res = await gw.fetch("/api/api-keys", {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: `{"name":"ci","allowed_models":${"[".repeat(20000)}"a"${"]".repeat(20000)}}`,
  });
  const error = await assertOpenAIError(res, 400);
  assert.equal(error.code, "json_too_deep");
  assert.equal(error.param, "allowed_models");
});

// An upstream answer nested 20,000 deep makes the engine's error path recurse
// past the stack (a real failure inside the engine, not a simulated one).
// The failed instance must be replaced: the proof is that the isolate's
// routing cache is gone, so a multiplier changed behind its back in D1 is
// read on the next request, while before the failure the cached one was used.
const multiplierOfLastRequest = async (count) => (await gw.waitForRows("SELECT price_multiplier FROM request_logs ORDER BY created_at", count)).at(-1).price_multiplier;

test("a request that makes the engine fail gets a 500 OpenAI error and the next request runs on a fresh engine", async () => {
  const logged = async () => (await gw.db.prepare("SELECT COUNT(*) AS n FROM request_logs").first()).n;
  await assertServed();
  assert.equal(await multiplierOfLastRequest(await logged()), 1);
  await gw.db.prepare("UPDATE credentials SET price_multiplier = 3").run();
  await assertServed();
  assert.equal(await multiplierOfLastRequest(await logged()), 1, "the warm engine still routes from its cache");

  const hostile = `{"error":${nested(20000)}}`;
  for (let i = 0; i < 3; i++) {
    planned.push({ status: 200, text: hostile });
    const res = await post(`{"model":"openai/gpt-4o-mini",${messages}}`);
    const error = await assertOpenAIError(res, 500);
    assert.equal(error.type, "server_error");
    assert.equal(planned.length, 0, "the hostile answer was served");
  }
  const before = await logged();
  await assertServed();
  const rows = await gw.waitForRows("SELECT price_multiplier FROM request_logs ORDER BY created_at", before + 1);
  assert.equal(rows.at(-1).price_multiplier, 3, "a fresh engine read the credentials from D1 again");
  for (let i = 0; i < 3; i++) await assertServed();
});

test("a 5,000-entry models list is refused fast", async () => {
  const models = Array.from({ length: 5000 }, (_, i) => `vendor/model-${i}`);
  const started = Date.now();
  await assert.rejects(
    client().chat.completions.create({ model: "openai/gpt-4o-mini", models, messages: [{ role: "user", content: "hi" }] }),
    (err) => {
      assert.equal(err.status, 400);
      assert.equal(err.param, "models");
      assert.equal(err.code, "invalid_value");
      return true;
    },
  );
  assert.ok(Date.now() - started < 2000, `answered in ${Date.now() - started} ms`);
});

test("invalid max_tokens and sampling values are 400s naming the field", async () => {
  for (const [field, raw] of [["max_tokens", "-1"], ["max_tokens", "1e400"], ["max_tokens", "1.5"], ["max_tokens", '"12"'], ["temperature", "5"], ["n", "0"]]) {
    const res = await post(`{"model":"openai/gpt-4o-mini",${messages},"${field}":${raw}}`);
    const error = await assertOpenAIError(res, 400);
    assert.equal(error.param, field, `${field}=${raw}`);
    assert.equal(error.type, "invalid_request_error");
  }
  const res = await client().chat.completions.create({ model: "openai/gpt-4o-mini", max_tokens: 64, temperature: 0.2, messages: [{ role: "user", content: "hi" }] });
  assert.equal(res.choices[0].message.content, "Hello from the mock");
  assert.equal(upstream.chatRequests().at(-1).body.max_tokens, 64);
});
