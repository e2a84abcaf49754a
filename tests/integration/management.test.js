// The management API in workerd: API keys and their enforcement on /v1,
// logs with attempts, usage totals, credential edits and route explanations.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startGateway } from "../support/gateway.js";
import { startMockUpstream } from "../support/mock-upstream.js";

let gw, openai, openrouter, cheapCredential;

before(async () => {
  openai = await startMockUpstream("openai");
  openrouter = await startMockUpstream("openrouter");
  gw = await startGateway({ upstreams: { openai: openai.url + "/v1", openrouter: openrouter.url + "/api/v1" } });
  cheapCredential = await gw.addCredential("openai", "sk-proj-managementkey0123", { price_multiplier: 0.5 });
  await gw.addCredential("openrouter", "sk-or-v1-" + "b".repeat(64));
});

after(async () => {
  await gw?.close();
  await openai?.close();
  await openrouter?.close();
});

const chatWith = (key, model = "openai/gpt-4o-mini") =>
  new OpenAI({ apiKey: key, baseURL: gw.url + "/v1", maxRetries: 0 }).chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] });

test("an API key is shown once, works from the openai client, and its usage is counted", async () => {
  const created = await gw.api("POST", "/api/api-keys", { name: "ci", quota_usd: 1 });
  assert.equal(created.status, 201);
  assert.match(created.json.key, /^sk-keyaos-[0-9a-f]{32}$/);
  assert.equal(created.json.quota_usd, 1);
  const reply = await chatWith(created.json.key);
  assert.equal(reply.choices[0].message.content, "Hello from the mock");
  const list = await gw.api("GET", "/api/api-keys");
  assert.ok(!list.text.includes(created.json.key), "the key is never listed again");
  const { results } = await gw.db.prepare("SELECT key_hash FROM api_keys").all();
  assert.ok(results.every((r) => r.key_hash !== created.json.key), "only a hash is stored");
  const rows = await gw.waitForRows(`SELECT * FROM request_logs WHERE api_key_id = '${created.json.id}'`, 1);
  assert.equal(rows.length, 1);
  // 12 x 0.15/M + 4 x 0.60/M = 4200 nano-USD, x0.5
  const key = await gw.api("GET", `/api/api-keys/${created.json.id}`);
  assert.equal(key.json.used_usd, 0.0000021);
  assert.equal(key.json.request_count, 1);
  const reset = await gw.api("POST", `/api/api-keys/${created.json.id}/reset-usage`);
  assert.equal(reset.json.used_usd, 0);
  // API keys do not open the management API.
  const mgmt = await fetch(gw.url + "/api/credentials", { headers: { authorization: `Bearer ${created.json.key}` } });
  assert.equal(mgmt.status, 401);
});

test("API key limits are enforced on /v1 with OpenAI-shaped errors", async () => {
  const expect = async (promise, status, code) =>
    assert.rejects(promise, (err) => {
      assert.equal(err.status, status);
      assert.equal(err.code, code);
      return true;
    });
  await expect(chatWith("sk-keyaos-" + "0".repeat(32)), 401, "invalid_api_key");
  const expired = await gw.api("POST", "/api/api-keys", { name: "old", expires_at: Date.now() - 1000 });
  await expect(chatWith(expired.json.key), 401, "key_expired");
  const spent = await gw.api("POST", "/api/api-keys", { name: "spent", quota_usd: 0 });
  await expect(chatWith(spent.json.key), 429, "key_quota_exceeded");
  const narrow = await gw.api("POST", "/api/api-keys", { name: "narrow", allowed_models: ["gpt-4o"] });
  await expect(chatWith(narrow.json.key), 403, "model_not_allowed");
  const models = await new OpenAI({ apiKey: narrow.json.key, baseURL: gw.url + "/v1" }).models.list();
  assert.ok(models.data.every((m) => m.id === "openai/gpt-4o"), "the model list is filtered too");
  const fenced = await gw.api("POST", "/api/api-keys", { name: "fenced", allowed_ips: ["203.0.113.9"] });
  await expect(chatWith(fenced.json.key), 403, "ip_not_allowed");
  const disabled = await gw.api("POST", "/api/api-keys", { name: "off" });
  await gw.api("PATCH", `/api/api-keys/${disabled.json.id}`, { is_enabled: false });
  await expect(chatWith(disabled.json.key), 401, "invalid_api_key");
  const bad = await gw.api("POST", "/api/api-keys", { name: "", quota_usd: -1 });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.param, "name");
  const gone = await gw.api("DELETE", `/api/api-keys/${disabled.json.id}`);
  assert.equal(gone.json.deleted, true);
  assert.equal((await gw.api("DELETE", `/api/api-keys/${disabled.json.id}`)).status, 404);
});

test("the route explanation ranks by expected cost and says why others were skipped", async () => {
  const res = await gw.api("GET", "/api/route?model=gpt-4o-mini&max_tokens=1000");
  assert.equal(res.status, 200);
  assert.equal(res.json.model_id, "openai/gpt-4o-mini");
  assert.deepEqual(res.json.candidates.map((c) => c.provider_id), ["openai", "openrouter"]);
  const [first, second] = res.json.candidates;
  assert.equal(first.price_multiplier, 0.5);
  assert.ok(first.expected_cost_usd < second.expected_cost_usd);
  assert.ok(res.json.skipped.some((s) => s.provider_id === "oaipro" && /no credential/.test(s.reason)));
  assert.equal((await gw.api("GET", "/api/route")).status, 400);
  assert.equal((await gw.api("GET", "/api/route?model=nobody/nothing")).status, 404);
});

test("editing a credential changes routing at once; disabling takes it out", async () => {
  const off = await gw.api("PATCH", `/api/credentials/${cheapCredential.id}`, { is_enabled: false });
  assert.equal(off.status, 200);
  assert.equal(off.json.is_enabled, false);
  const route = await gw.api("GET", "/api/route?model=openai/gpt-4o-mini");
  assert.deepEqual(route.json.candidates.map((c) => c.provider_id), ["openrouter"]);
  await gw.api("PATCH", `/api/credentials/${cheapCredential.id}`, { is_enabled: true, price_multiplier: 0.25, quota_usd: 5 });
  const back = await gw.api("GET", `/api/credentials/${cheapCredential.id}`);
  assert.equal(back.json.price_multiplier, 0.25);
  assert.equal(back.json.quota_usd, 5);
  assert.deepEqual(back.json.cooldowns, []);
  const invalid = await gw.api("PATCH", `/api/credentials/${cheapCredential.id}`, { price_multiplier: 0 });
  assert.equal(invalid.status, 400);
  assert.equal(invalid.json.error.param, "price_multiplier");
});

test("logs page through requests with their attempts, and usage sums them", async () => {
  await chatWith((await gw.api("POST", "/api/api-keys", { name: "logs" })).json.key);
  const before = Date.now();
  await gw.waitForRows("SELECT id FROM request_logs WHERE status = 'ok'", 2);
  const page = await gw.api("GET", "/api/logs?limit=1");
  assert.equal(page.json.data.length, 1);
  assert.equal(page.json.has_more, true);
  const next = await gw.api("GET", `/api/logs?limit=1&before=${page.json.data[0].created_at}`);
  assert.notEqual(next.json.data[0].id, page.json.data[0].id);
  const log = await gw.api("GET", `/api/logs/${page.json.data[0].id}`);
  assert.equal(log.json.attempt_list.length, log.json.attempts);
  assert.equal(log.json.attempt_list[0].status, "ok");
  const filtered = await gw.api("GET", "/api/logs?provider=openrouter");
  assert.equal(filtered.json.data.length, 0);
  const usage = await gw.api("GET", "/api/usage?days=7");
  assert.equal(usage.status, 200);
  const { results } = await gw.db.prepare("SELECT COUNT(*) AS n, SUM(effective_cost_nusd) AS eff, SUM(list_cost_nusd) AS list FROM request_logs").all();
  assert.equal(usage.json.totals.requests, results[0].n);
  assert.equal(usage.json.totals.effective_cost_usd, results[0].eff / 1e9);
  assert.equal(usage.json.totals.savings_usd, (results[0].list - results[0].eff) / 1e9);
  assert.equal(usage.json.by_day.length, 1);
  assert.equal(usage.json.by_day[0].day, new Date(before).toISOString().slice(0, 10));
  assert.ok(usage.json.by_model.some((m) => m.model_id === "openai/gpt-4o-mini"));
  assert.equal((await gw.api("GET", "/api/logs/req_missing")).status, 404);
});
