// The gateway end to end: the real Worker in workerd with local D1, upstream
// providers simulated by local servers speaking their wire format.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startGateway, ADMIN_TOKEN } from "../support/gateway.js";
import { startMockUpstream, openaiStream, openaiCompletion, fixture } from "../support/mock-upstream.js";

let gw, cheap, pricey;

before(async () => {
  // OpenAI lists gpt-4o-mini at $0.15/$0.60; OpenRouter at the same list price,
  // so a 0.5 multiplier on the OpenAI key makes it the cheaper route.
  cheap = await startMockUpstream("openai");
  pricey = await startMockUpstream("openrouter");
  gw = await startGateway({ upstreams: { openai: cheap.url + "/v1", openrouter: pricey.url + "/api/v1" } });
  await gw.addCredential("openai", "sk-proj-cheapkey0123456789abcdef", { price_multiplier: 0.5 });
  await gw.addCredential("openrouter", "sk-or-v1-" + "a".repeat(64), { price_multiplier: 1 });
});

after(async () => {
  await gw?.close();
  await cheap?.close();
  await pricey?.close();
});

const client = () => new OpenAI({ apiKey: ADMIN_TOKEN, baseURL: gw.url + "/v1", maxRetries: 0 });

test("health answers without auth", async () => {
  const res = await gw.fetch("/health");
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { status: "ok", service: "keyaos" });
});

test("a streamed request goes to the cheaper upstream, token by token, and is billed once", async () => {
  const before = cheap.chatRequests().length;
  const stream = await client().chat.completions.create({
    model: "openai/gpt-4o-mini",
    stream: true,
    messages: [{ role: "user", content: "hi" }],
  });
  const parts = [];
  for await (const chunk of stream) if (chunk.choices[0]?.delta?.content) parts.push(chunk.choices[0].delta.content);
  assert.deepEqual(parts, ["Hello", " from", " the", " mock"]);
  assert.equal(cheap.chatRequests().length, before + 1, "the cheaper provider served it");
  assert.equal(pricey.chatRequests().length, 0, "the pricier one was not asked");
  const sent = cheap.chatRequests().at(-1);
  assert.equal(sent.body.model, "gpt-4o-mini", "the upstream model id is sent");
  assert.equal(sent.body.stream_options.include_usage, true, "usage is requested from the upstream");
  assert.equal(sent.headers.authorization, "Bearer sk-proj-cheapkey0123456789abcdef");
  const rows = await gw.waitForRows("SELECT * FROM request_logs WHERE stream = 1", 1);
  assert.equal(rows.length, 1);
  const row = rows[0];
  assert.equal(row.status, "ok");
  assert.equal(row.provider_id, "openai");
  assert.equal(row.input_tokens, 12);
  assert.equal(row.output_tokens, 4);
  // 12 x $0.15/M + 4 x $0.60/M = $0.0000042 = 4200 nano-USD; x0.5 = 2100.
  assert.equal(row.base_cost_nusd, 4200);
  assert.equal(row.effective_cost_nusd, 2100);
  assert.equal(row.model_id, "openai/gpt-4o-mini");
});

test("a non-streamed request passes the upstream body through unchanged", async () => {
  const res = await gw.fetch("/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
  });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-keyaos-provider"), "openai");
  assert.match(res.headers.get("x-keyaos-credential"), /^cred_[0-9a-f]{24}$/, "an opaque id, no part of the key");
  const body = await res.text();
  assert.equal(body, JSON.stringify(openaiCompletion({ model: "gpt-4o-mini" })));
});

test("the openai client sees 401 for a wrong key and 404 for an unknown model", async () => {
  const bad = new OpenAI({ apiKey: "wrong", baseURL: gw.url + "/v1", maxRetries: 0 });
  await assert.rejects(bad.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] }), (err) => {
    assert.equal(err.status, 401);
    assert.equal(err.error.type, "authentication_error");
    return true;
  });
  await assert.rejects(client().chat.completions.create({ model: "nobody/no-such-model", messages: [{ role: "user", content: "x" }] }), (err) => {
    assert.equal(err.status, 404);
    assert.equal(err.code, "model_not_found");
    return true;
  });
});

test("bad input gets OpenAI-shaped 4xx errors", async () => {
  const post = (body, headers = {}) =>
    gw.fetch("/v1/chat/completions", { method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json", ...headers }, body });
  const cases = [
    [await post("{not json"), 400, "invalid_json"],
    [await post(JSON.stringify({ messages: [{ role: "user", content: "x" }] })), 400, "missing_required_parameter"],
    [await post(JSON.stringify({ model: "gpt-4o-mini" })), 400, "missing_required_parameter"],
    [await post(JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x".repeat(9 * 1024 * 1024) }] })), 413, "request_too_large"],
    [await gw.fetch("/v1/chat/completions", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }), 405, "method_not_allowed"],
    [await gw.fetch("/v1/nothing-here", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }), 404, "not_found"],
    [await gw.fetch("/v1/models"), 401, "invalid_api_key"],
  ];
  for (const [res, status, code] of cases) {
    assert.equal(res.status, status);
    const json = await res.json();
    assert.equal(json.error.code, code);
    assert.ok(typeof json.error.message === "string" && json.error.message.length > 0);
    assert.ok("param" in json.error && "type" in json.error);
  }
});

test("x-api-key works as well as a bearer token", async () => {
  const res = await gw.fetch("/v1/models", { headers: { "x-api-key": ADMIN_TOKEN } });
  assert.equal(res.status, 200);
});

test("/v1/models lists routable models with their best price", async () => {
  const models = await client().models.list();
  const mini = models.data.find((m) => m.id === "openai/gpt-4o-mini");
  assert.ok(mini, "gpt-4o-mini is listed");
  assert.equal(mini.object, "model");
  assert.equal(mini.owned_by, "openai");
  assert.equal(mini.pricing.provider, "openai");
  assert.equal(mini.pricing.input_per_m, 0.075);
  assert.ok(models.data.every((m) => m.providers.length > 0));
});

test("credentials are stored encrypted and only a hint is returned", async () => {
  const list = await gw.api("GET", "/api/credentials");
  assert.equal(list.status, 200);
  assert.equal(list.json.data.length, 2);
  assert.ok(!list.text.includes("cheapkey0123456789"), "no secret in the listing");
  const { results } = await gw.db.prepare("SELECT encrypted_secret FROM credentials").all();
  for (const r of results) assert.ok(!r.encrypted_secret.includes("cheapkey"), "ciphertext only at rest");
  const bad = await gw.api("POST", "/api/credentials", { provider_id: "openrouter", secret: "not-a-key" });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, "invalid_secret_format");
  const dup = await gw.api("POST", "/api/credentials", { provider_id: "openai", secret: "sk-proj-cheapkey0123456789abcdef" });
  assert.equal(dup.status, 409);
  const unknown = await gw.api("POST", "/api/credentials", { provider_id: "nope", secret: "x" });
  assert.equal(unknown.status, 400);
  assert.equal(unknown.json.error.code, "unknown_provider");
  const missing = await gw.api("DELETE", "/api/credentials/cred_missing");
  assert.equal(missing.status, 404);
});
