// Providers, credential checks and the catalogue sync, end to end: the real
// Worker in workerd with local D1; every provider's upstream is a local mock
// at the path its real base URL has.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startGateway, root, ADMIN_TOKEN } from "../support/gateway.js";
import { startMockUpstream, fixture } from "../support/mock-upstream.js";

const definition = (id) => JSON.parse(readFileSync(join(root, "providers", `${id}.json`), "utf8"));

// The eight OpenAI-protocol providers: where the mock sits, a key of the right
// shape, a model each serves and the id its upstream expects for it.
const PROVIDERS = {
  openrouter: { prefix: "/api/v1", secret: "sk-or-v1-" + "b".repeat(64), model: "openai/gpt-4o-mini", upstream: "openai/gpt-4o-mini" },
  zenmux: { prefix: "/api/v1", secret: "sk-ai-v1-" + "c".repeat(32), model: "openai/gpt-5.2", upstream: "openai/gpt-5.2" },
  deepinfra: { prefix: "/v1/openai", secret: "deepinfra-token-0123456789", model: "qwen/qwen3-235b-a22b-2507", upstream: "Qwen/Qwen3-235B-A22B-Instruct-2507" },
  deepseek: { prefix: "", secret: "sk-" + "d".repeat(32), model: "deepseek/deepseek-chat", upstream: "deepseek-chat" },
  "google-ai-studio": { prefix: "/v1beta/openai", secret: "AIzaSyTest_0123456789-abcdef", model: "google/gemini-2.5-pro", upstream: "gemini-2.5-pro" },
  oaipro: { prefix: "/v1", secret: "sk-oaipro0123456789ABCDEF", model: "openai/gpt-4o-mini", upstream: "gpt-4o-mini" },
  openai: { prefix: "/v1", secret: "sk-proj-openai0123456789_abc", model: "openai/gpt-4o-mini", upstream: "gpt-4o-mini" },
  "qwen-code": { prefix: "/v1", secret: "sk-sp-" + "e".repeat(32), model: "qwen/qwen3-coder-plus", upstream: "qwen3-coder-plus" },
};
const OPENROUTER_HEADERS = { "http-referer": "https://github.com/keyaos/keyaos", "x-title": "Keyaos" };

// OpenRouter's list as the mock serves it: the shipped snapshot's models, with
// per-token decimal strings, plus or minus what a test changes.
const perToken = (perM) => (perM / 1e6).toFixed(12);
function openrouterEntry(m, prices = {}) {
  const input = prices.input ?? m.input_price_per_m ?? 0;
  const output = prices.output ?? m.output_price_per_m ?? 0;
  return {
    id: m.id,
    name: m.name,
    created: 1735689600,
    context_length: m.context_length,
    architecture: { input_modalities: m.input_modalities, output_modalities: m.output_modalities },
    pricing: { prompt: perToken(input), completion: perToken(output), request: "0" },
  };
}
const snapshot = definition("openrouter").models.entries;
function openrouterList({ drop = [], extra = [], cheaper = {} } = {}) {
  const data = snapshot.filter((m) => !drop.includes(m.id)).map((m) => openrouterEntry(m, cheaper[m.id]));
  return { data: [...data, ...extra] };
}

const state = {
  openrouterList: openrouterList(),
  openrouterStatus: 200,
  openrouterCredits: JSON.parse(fixture("openrouter_credits.json")),
  deepseekBalance: JSON.parse(fixture("deepseek_user_balance.json")),
};

// Answers the non-chat endpoints; chats fall through to the default plan.
function providerHandler(id) {
  const { prefix, secret } = PROVIDERS[id];
  const authorized = (req) => req.headers.authorization === `Bearer ${secret}`;
  const denied = { status: 401, json: JSON.parse(fixture("openai_error_401_invalid_api_key.json")) };
  return (req) => {
    if (req.method !== "GET") return undefined;
    const path = req.url;
    if (path === `${prefix}/models`) {
      if (id === "openrouter") return state.openrouterStatus === 200 ? { json: state.openrouterList } : { status: state.openrouterStatus, json: { error: { message: "upstream maintenance" } } };
      if (id === "zenmux") return { text: fixture("zenmux_models_entry.json") };
      if (id === "deepinfra") return { text: fixture("deepinfra_models_entry.json") };
      if (!authorized(req)) return denied;
      if (id === "deepseek") return { text: fixture("deepseek_models_list.json") };
      if (id === "google-ai-studio") return { text: fixture("google_ai_studio_openai_models_list.json") };
      if (id === "openai") return { text: fixture("openai_models_list.json") };
      return { json: { object: "list", data: [] } };
    }
    if (id === "openrouter" && path === "/api/v1/auth/key") return authorized(req) ? { json: { data: { label: "test" } } } : denied;
    if (id === "openrouter" && path === "/api/v1/credits") return authorized(req) ? { json: state.openrouterCredits } : denied;
    if (id === "deepseek" && path === "/user/balance") return authorized(req) ? { json: state.deepseekBalance } : denied;
    return undefined;
  };
}

let gw;
const mocks = {};

before(async () => {
  for (const id of Object.keys(PROVIDERS)) mocks[id] = await startMockUpstream(id, providerHandler(id));
  mocks.acme = await startMockUpstream("acme", (req) => (req.method === "GET" ? { json: { object: "list", data: [] } } : undefined));
  mocks.vllm = await startMockUpstream("vllm", (req) =>
    req.method === "GET" && req.url === "/v1/models"
      ? { json: { object: "list", data: [{ id: "meta-llama/Llama-3.1-8B-Instruct", object: "model" }, { id: "qwen2.5:7b", object: "model" }] } }
      : undefined,
  );
  const upstreams = {};
  for (const [id, p] of Object.entries(PROVIDERS)) upstreams[id] = mocks[id].url + p.prefix;
  gw = await startGateway({ upstreams, bindings: { CNY_USD_RATE: "8" } });
});

after(async () => {
  await gw?.close();
  for (const m of Object.values(mocks)) await m.close();
});

const scheduled = async () => (await gw.mf.getWorker()).scheduled({ cron: "17 * * * *" });
const catalog = async (query) => {
  const res = await gw.api("GET", `/api/catalog${query}`);
  assert.equal(res.status, 200, res.text);
  return res.json.data;
};
const offering = async (provider, model) => (await catalog(`?provider=${provider}&model=${encodeURIComponent(model)}`))[0];
const syncStates = async () => {
  const { results } = await gw.db.prepare("SELECT key, value FROM meta WHERE key LIKE 'sync:%'").all();
  return Object.fromEntries(results.map((r) => [r.key.slice(5), JSON.parse(r.value)]));
};
const chat = (body) =>
  gw.fetch("/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], ...body }),
  });

test("GET /api/providers lists every built-in provider with its credential guide", async () => {
  const res = await gw.api("GET", "/api/providers");
  assert.equal(res.status, 200);
  const byId = Object.fromEntries(res.json.data.map((p) => [p.id, p]));
  assert.equal(res.json.data.length, 11);
  const openrouter = byId.openrouter;
  assert.deepEqual(Object.keys(openrouter).sort(), ["auth_kind", "auto_quota", "credential_guide", "custom", "id", "model_count", "name", "protocol", "secret_format", "subscription", "sync"].sort());
  assert.equal(openrouter.protocol, "openai");
  assert.equal(openrouter.auth_kind, "bearer");
  assert.deepEqual(openrouter.secret_format, { prefixes: ["sk-or-v1-"], alphabet: "hex", min_length: 64, max_length: 64 });
  assert.equal(openrouter.credential_guide.url, "https://openrouter.ai/settings/keys");
  assert.equal(openrouter.model_count, snapshot.length, "the shipped snapshot is in the catalogue");
  assert.equal(openrouter.custom, false);
  assert.equal(openrouter.sync, null);
  assert.equal(byId.kiro.protocol, "aws-eventstream");
  assert.equal(byId.kiro.subscription, true);
  assert.equal(byId.kiro.credential_guide.file_path, "~/.aws/sso/cache/kiro-auth-token.json");
  assert.equal(byId["gemini-cli"].auth_kind, "google_oauth");
  assert.equal(byId.deepseek.auto_quota, true);
});

test("a key is checked with its provider's own validation before it is stored, and auto quotas are read", async () => {
  for (const [id, p] of Object.entries(PROVIDERS)) {
    const before = mocks[id].requests.length;
    const added = await gw.addCredential(id, p.secret);
    const check = mocks[id].requests.slice(before)[0];
    assert.ok(check, `${id}: the key was checked`);
    const validation = definition(id).validation;
    assert.equal(check.headers.authorization, `Bearer ${p.secret}`, `${id}: the key itself is sent`);
    if (validation.method === "GET") {
      assert.equal(`${check.method} ${check.url}`, `GET ${p.prefix}${validation.path}`, id);
    } else {
      assert.equal(`${check.method} ${check.url}`, `POST ${p.prefix}/chat/completions`, id);
      assert.equal(check.body.model, validation.model, id);
      assert.equal(check.body.max_tokens, 1, `${id}: a 1-token chat`);
    }
    if (id === "openrouter") for (const [k, v] of Object.entries(OPENROUTER_HEADERS)) assert.equal(check.headers[k], v);
    if (id === "openrouter") {
      // 50 credits − 42.1234 used.
      assert.equal(added.quota_usd, 7.8766);
      assert.equal(added.quota_source, "auto");
    } else if (id === "deepseek") {
      // 110 CNY at CNY_USD_RATE 8.
      assert.equal(added.quota_usd, 13.75);
      assert.equal(added.quota_source, "auto");
    } else {
      assert.equal(added.quota_usd, null, id);
      assert.equal(added.quota_source, null, id);
    }
  }
});

test("each OpenAI-protocol provider receives the exact upstream request", async () => {
  for (const [id, p] of Object.entries(PROVIDERS)) {
    const res = await chat({ model: p.model, provider: id });
    assert.equal(res.status, 200, `${id}: ${await res.clone().text()}`);
    assert.equal(res.headers.get("x-keyaos-provider"), id);
    await res.text();
    const sent = mocks[id].chatRequests().at(-1);
    assert.equal(sent.method, "POST");
    assert.equal(sent.url, `${p.prefix}/chat/completions`, id);
    assert.equal(sent.headers.authorization, `Bearer ${p.secret}`, id);
    assert.equal(sent.headers["content-type"], "application/json", id);
    assert.equal(sent.body.model, p.upstream, `${id}: the upstream's own model id`);
    assert.deepEqual(sent.body.messages, [{ role: "user", content: "hi" }], id);
    assert.equal(sent.body.provider, undefined, `${id}: routing fields are not forwarded`);
    for (const [k, v] of Object.entries(OPENROUTER_HEADERS)) assert.equal(sent.headers[k], id === "openrouter" ? v : undefined, `${id}: ${k}`);
  }
});

test("a rejected key is a 400 with the upstream's words; an unreachable upstream a 502; validate:false skips the check", async () => {
  const bad = await gw.api("POST", "/api/credentials", { provider_id: "openai", secret: "sk-proj-wrongkey000000000" });
  assert.equal(bad.status, 400);
  assert.equal(bad.json.error.code, "invalid_credential");
  assert.equal(bad.json.error.param, "secret");
  assert.match(bad.json.error.message, /Incorrect API key provided/);

  const created = await gw.api("POST", "/api/providers", { id: "nowhere", base_url: "http://127.0.0.1:9/v1", models: [{ id: "nowhere/model", input_price_per_m: 1, output_price_per_m: 1 }] });
  assert.equal(created.status, 201, created.text);
  const unreachable = await gw.api("POST", "/api/credentials", { provider_id: "nowhere", secret: "key-0123456789" });
  assert.equal(unreachable.status, 502);
  assert.equal(unreachable.json.error.code, "upstream_unreachable");
  assert.match(unreachable.json.error.message, /"validate": false/);

  const before = mocks.openai.requests.length;
  const offline = await gw.api("POST", "/api/credentials", { provider_id: "openai", secret: "sk-proj-offline0123456789", validate: false });
  assert.equal(offline.status, 201, offline.text);
  assert.equal(mocks.openai.requests.length, before, "no upstream request");
  const offlineAuto = await gw.api("POST", "/api/credentials", { provider_id: "deepseek", secret: "sk-" + "f".repeat(32), validate: false });
  assert.equal(offlineAuto.json.quota_source, "auto", "its balance is read by the next sync");
  assert.equal(offlineAuto.json.quota_usd, null);
  for (const cred of [offline.json, offlineAuto.json]) assert.equal((await gw.api("DELETE", `/api/credentials/${cred.id}`)).status, 200);
  assert.equal((await gw.api("DELETE", "/api/providers/nowhere")).status, 200);

  const wrongType = await gw.api("POST", "/api/credentials", { provider_id: "openai", secret: "sk-proj-x0123456789", validate: "no" });
  assert.equal(wrongType.status, 400);
  assert.equal(wrongType.json.error.param, "validate");
});

test("the cron syncs model lists and balances over a few runs, and the next request routes by the new prices", async () => {
  // OpenRouter now sells gpt-4o-mini below everyone else's $0.15/$0.60, and lists a new model.
  state.openrouterList = openrouterList({
    cheaper: { "openai/gpt-4o-mini": { input: 0.1, output: 0.4 } },
    extra: [{ id: "newvendor/new-model", name: "New Model", context_length: 32768, pricing: { prompt: "0.000001", completion: "0.000002", input_cache_read: "0.0000001" } }],
  });
  state.openrouterCredits = { data: { total_credits: 50, total_usage: 45 } };

  const synced = ["openrouter", "zenmux", "deepinfra", "deepseek", "google-ai-studio", "openai"];
  await scheduled();
  const first = await syncStates();
  assert.ok(first.openrouter?.ok, "the reference list goes first");
  assert.ok(Object.keys(first).length < synced.length, "one run does not take every list at once");
  let runs = 1;
  for (let states = first; !synced.every((id) => id in states) && runs < 6; states = await syncStates()) {
    await scheduled();
    runs++;
  }
  const states = await syncStates();
  assert.deepEqual(Object.keys(states).sort(), [...synced].sort(), `all lists synced in ${runs} runs`);
  for (const id of synced) assert.equal(states[id].ok, true, `${id}: ${states[id].error}`);
  assert.equal(states.antigravity, undefined, "an OAuth-only list is skipped");
  assert.equal(states.openrouter.models, snapshot.length + 1);

  // Prices per 1M tokens, from the fresh list.
  const mini = await offering("openrouter", "openai/gpt-4o-mini");
  assert.equal(mini.input_price_per_m, 0.1);
  assert.equal(mini.output_price_per_m, 0.4);
  assert.equal(mini.source, "sync");
  const fresh = await offering("openrouter", "newvendor/new-model");
  assert.deepEqual([fresh.input_price_per_m, fresh.output_price_per_m, fresh.cache_read_price_per_m, fresh.context_length], [1, 2, 0.1, 32768]);
  // Lists without prices: the provider's own snapshot price, else OpenRouter's.
  const reasoner = await offering("deepseek", "deepseek/deepseek-reasoner");
  assert.equal(reasoner.upstream_model_id, "deepseek-reasoner");
  assert.equal(reasoner.source, "sync");
  assert.ok(reasoner.input_price_per_m > 0);
  const flash = await offering("google-ai-studio", "google/gemini-2.5-flash");
  assert.equal(flash.upstream_model_id, "gemini-2.5-flash", "the models/ prefix is dropped");
  assert.equal(flash.source, "sync");
  const embedding = await offering("google-ai-studio", "google/gemini-embedding-001");
  assert.equal(embedding.input_price_per_m, null, "no price anywhere: listed but not routable");
  const qwen = await offering("deepinfra", "qwen/qwen3-235b-a22b-2507");
  assert.deepEqual([qwen.upstream_model_id, qwen.input_price_per_m, qwen.output_price_per_m], ["Qwen/Qwen3-235B-A22B-Instruct-2507", 0.13, 0.6]);
  // Lists much shorter than the catalogue are upserted, but the rest is not retired.
  assert.match(states.zenmux.note, /would disappear/);
  assert.equal((await offering("zenmux", "openai/gpt-4o-mini")).is_active, true);
  // Authenticated lists were fetched with the provider's own key.
  for (const id of ["deepseek", "google-ai-studio", "openai"]) {
    const list = mocks[id].requests.filter((r) => r.method === "GET" && r.url === `${PROVIDERS[id].prefix}/models`).at(-1);
    assert.equal(list.headers.authorization, `Bearer ${PROVIDERS[id].secret}`, id);
  }
  const orList = mocks.openrouter.requests.filter((r) => r.url === "/api/v1/models").at(-1);
  assert.equal(orList.headers.authorization, undefined, "OpenRouter's list is public");
  assert.equal(orList.headers["x-title"], "Keyaos");

  // Balances: OpenRouter's remaining credit changed.
  const creds = (await gw.api("GET", "/api/credentials")).json.data;
  assert.equal(creds.find((c) => c.provider_id === "openrouter").quota_usd, 5);

  // Routing reads the new prices at once: OpenRouter is now the cheapest gpt-4o-mini.
  for (let i = 0; i < 3; i++) {
    const res = await chat({ model: "openai/gpt-4o-mini" });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-keyaos-provider"), "openrouter");
    await res.text();
  }
});

test("a vanished model is deactivated; a failed, empty or halved list changes nothing", async () => {
  const sync = async () => {
    const res = await gw.api("POST", "/api/catalog/sync?provider=openrouter");
    assert.equal(res.status, 200, res.text);
    return res.json.providers[0];
  };
  const active = async () => (await catalog("?provider=openrouter")).filter((r) => r.is_active).length;
  const base = { cheaper: { "openai/gpt-4o-mini": { input: 0.1, output: 0.4 } } };

  state.openrouterList = openrouterList({ ...base, drop: ["openai/gpt-3.5-turbo"] });
  let r = await sync();
  assert.equal(r.ok, true);
  assert.equal(r.deactivated, 2, "gpt-3.5-turbo and the model listed last time");
  assert.equal((await offering("openrouter", "openai/gpt-3.5-turbo")).is_active, false);
  const count = await active();

  r = await sync();
  assert.equal(r.unchanged, true, "the same list again writes no rows");
  assert.equal(r.upserted, 0);

  state.openrouterStatus = 500;
  r = await sync();
  assert.equal(r.ok, false);
  assert.match(r.error, /HTTP 500: upstream maintenance/);
  assert.equal(await active(), count);
  assert.equal((await syncStates()).openrouter.ok, false);
  state.openrouterStatus = 200;

  state.openrouterList = { data: [] };
  r = await sync();
  assert.equal(r.ok, false);
  assert.match(r.error, /empty/);
  assert.equal(await active(), count);

  state.openrouterList = { data: openrouterList({ ...base, drop: ["openai/gpt-3.5-turbo"] }).data.slice(0, 20) };
  r = await sync();
  assert.equal(r.ok, true);
  assert.match(r.refused, /would disappear/);
  assert.equal(r.deactivated, 0);
  assert.equal(await active(), count);

  state.openrouterList = openrouterList({ ...base, drop: ["openai/gpt-3.5-turbo"] });
  assert.equal((await sync()).ok, true);
  const provider = (await gw.api("GET", "/api/providers/openrouter")).json;
  assert.equal(provider.sync.ok, true);
  assert.equal(provider.sync.models, snapshot.length - 1);
  assert.equal(provider.model_count, snapshot.length - 1);
});

test("GET /api/catalog lists every offering, filtered by provider and model", async () => {
  const all = await catalog("");
  assert.ok(all.length > 150);
  assert.ok(all.some((r) => !r.is_active), "inactive offerings are listed too");
  const rows = await catalog("?model=gpt-4o-mini");
  const providers = rows.map((r) => r.provider_id).sort();
  assert.deepEqual(providers, ["oaipro", "openai", "openrouter", "zenmux"]);
  const openai = rows.find((r) => r.provider_id === "openai");
  assert.deepEqual(Object.keys(openai).sort(), [
    "cache_read_price_per_m", "cache_write_price_per_m", "context_length", "input_modalities", "input_price_per_m", "is_active", "model_id",
    "name", "output_modalities", "output_price_per_m", "provider_id", "refreshed_at", "source", "upstream_model_id",
  ]);
  assert.equal(openai.upstream_model_id, "gpt-4o-mini");
  assert.equal(openai.cache_read_price_per_m, 0.075);
  assert.deepEqual(openai.input_modalities, ["text", "image"]);
  assert.equal(typeof openai.refreshed_at, "number");
  assert.deepEqual(await catalog("?provider=nobody"), []);
  const sync = await gw.api("GET", "/api/catalog/sync");
  assert.equal(sync.status, 405);
});

test("a custom OpenAI-compatible provider is validated, routes end to end, changes and goes", async () => {
  const invalid = [
    [{ id: "Acme_1", base_url: "https://x.test/v1", models: [] }, "id"],
    [{ id: "openai", base_url: "https://x.test/v1", models: [{ id: "a/b", input_price_per_m: 1, output_price_per_m: 1 }] }, "id"],
    [{ id: "acme", base_url: "https://me:secret@x.test/v1", models: [{ id: "a/b", input_price_per_m: 1, output_price_per_m: 1 }] }, "base_url"],
    [{ id: "acme", base_url: "ftp://x.test", models: [{ id: "a/b", input_price_per_m: 1, output_price_per_m: 1 }] }, "base_url"],
    [{ id: "acme", base_url: "https://x.test/v1", models: [{ id: "a/b" }] }, "models"],
    [{ id: "acme", base_url: "https://x.test/v1" }, "models"],
  ];
  for (const [body, param] of invalid) {
    const res = await gw.api("POST", "/api/providers", body);
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.equal(res.json.error.param, param, res.json.error.message);
    assert.equal(res.json.error.type, "invalid_request_error");
  }

  const body = {
    id: "acme",
    name: "Acme LLM",
    base_url: mocks.acme.url + "/v1",
    models: [{ id: "acme/coder-local", upstream_id: "coder:7b", input_price_per_m: 0.01, output_price_per_m: 0.02 }],
  };
  const created = await gw.api("POST", "/api/providers", body);
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json.custom, true);
  assert.equal(created.json.base_url, body.base_url);
  assert.equal((await gw.api("POST", "/api/providers", body)).status, 409);
  const listed = (await gw.api("GET", "/api/providers")).json.data.find((p) => p.id === "acme");
  assert.deepEqual([listed.name, listed.protocol, listed.auth_kind, listed.model_count, listed.custom], ["Acme LLM", "openai", "bearer", 1, true]);
  const row = await offering("acme", "acme/coder-local");
  assert.deepEqual([row.upstream_model_id, row.input_price_per_m, row.source], ["coder:7b", 0.01, "custom"]);

  const cred = await gw.addCredential("acme", "acme-key-0123456789");
  assert.equal(mocks.acme.requests.at(-1).url, "/v1/models", "validated with GET /models");
  const res = await chat({ model: "acme/coder-local" });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get("x-keyaos-provider"), "acme");
  await res.text();
  const sent = mocks.acme.chatRequests().at(-1);
  assert.equal(sent.url, "/v1/chat/completions");
  assert.equal(sent.headers.authorization, "Bearer acme-key-0123456789");
  assert.equal(sent.body.model, "coder:7b");

  const patched = await gw.api("PATCH", "/api/providers/acme", { models: [{ id: "acme/coder-large", upstream_id: "coder:32b", input_price_per_m: 0.05, output_price_per_m: 0.1 }] });
  assert.equal(patched.status, 200, patched.text);
  assert.equal(patched.json.model_count, 1);
  assert.equal(await offering("acme", "acme/coder-local"), undefined, "a model dropped from a fixed list goes");
  const large = await chat({ model: "acme/coder-large" });
  assert.equal(large.status, 200);
  await large.text();
  assert.equal(mocks.acme.chatRequests().at(-1).body.model, "coder:32b", "the change routes at once");
  assert.equal((await gw.api("PATCH", "/api/providers/openai", { name: "x" })).json.error.code, "builtin_provider");
  assert.equal((await gw.api("PATCH", "/api/providers/acme", { id: "other" })).status, 400);

  const inUse = await gw.api("DELETE", "/api/providers/acme");
  assert.equal(inUse.status, 409);
  assert.equal(inUse.json.error.code, "provider_in_use");
  assert.equal((await gw.api("DELETE", `/api/credentials/${cred.id}`)).status, 200);
  assert.equal((await gw.api("DELETE", "/api/providers/acme")).status, 200);
  assert.deepEqual(await catalog("?provider=acme"), []);
  assert.equal((await gw.api("GET", "/api/providers/acme")).status, 404);
  assert.equal((await gw.api("DELETE", "/api/providers/acme")).status, 404);
});

test("a custom provider with a models_url is synced like a built-in one", async () => {
  const created = await gw.api("POST", "/api/providers", { id: "vllm", base_url: mocks.vllm.url + "/v1", models_url: mocks.vllm.url + "/v1/models" });
  assert.equal(created.status, 201, created.text);
  const res = await gw.api("POST", "/api/catalog/sync?provider=vllm");
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.providers[0].ok, true);
  const llama = await offering("vllm", "meta-llama/llama-3.1-8b-instruct");
  assert.equal(llama.upstream_model_id, "meta-llama/Llama-3.1-8B-Instruct");
  assert.equal(llama.source, "custom");
  const reference = await offering("openrouter", "meta-llama/llama-3.1-8b-instruct");
  assert.equal(llama.input_price_per_m, reference.input_price_per_m, "priced at the reference (OpenRouter) price");
  const bare = await offering("vllm", "vllm/qwen2.5:7b");
  assert.equal(bare.upstream_model_id, "qwen2.5:7b", "a bare id gets the provider as its vendor");
  assert.equal(bare.input_price_per_m, null);
  assert.equal((await gw.api("POST", "/api/catalog/sync?provider=nobody")).status, 404);
  assert.equal((await gw.api("POST", "/api/catalog/sync?provider=kiro")).json.error.code, "nothing_to_sync");
  assert.equal((await gw.api("DELETE", "/api/providers/vllm")).status, 200);
});
