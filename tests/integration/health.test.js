// Credential health against upstreams that answer with request-level and
// key-level errors, and traffic returning to a cheap upstream after it
// recovers. The mock upstreams speak the providers' own error shapes.
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startGateway, ADMIN_TOKEN } from "../support/gateway.js";
import { startMockUpstream, openaiStream } from "../support/mock-upstream.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Cooldown timings shortened through the Worker's bindings.
const COOLDOWN_MS = 250;
const COOLDOWN_MAX_MS = 1000;

// Two providers serve openai/gpt-4o-mini: `cheap` (openai, multiplier 0.5)
// and `dear` (oaipro). `cheapPlan(req, n)` plans the cheap upstream's chat answers.
async function scenario(cheapPlan, fn, { bindings = {}, dearPlan } = {}) {
  const chatOnly = (plan) => plan && ((req) => (req.url.endsWith("/chat/completions") ? plan(req) : undefined));
  const cheap = await startMockUpstream("openai", chatOnly(cheapPlan));
  const dear = await startMockUpstream("oaipro", chatOnly(dearPlan));
  const gw = await startGateway({
    upstreams: { openai: cheap.url + "/v1", oaipro: dear.url + "/v1" },
    bindings: { UPSTREAM_COOLDOWN_MS: String(COOLDOWN_MS), UPSTREAM_COOLDOWN_MAX_MS: String(COOLDOWN_MAX_MS), ...bindings },
  });
  try {
    const cheapCred = await gw.addCredential("openai", "sk-proj-cheapkey0123456789", { price_multiplier: 0.5 });
    const dearCred = await gw.addCredential("oaipro", "sk-dearkey0123456789abcd");
    const client = new OpenAI({ apiKey: ADMIN_TOKEN, baseURL: gw.url + "/v1", maxRetries: 0 });
    await fn({ gw, cheap, dear, client, cheapCred, dearCred });
  } finally {
    await gw.close();
    await cheap.close();
    await dear.close();
  }
}

const ask = (client, extra = {}) =>
  client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }], ...extra }).withResponse();
const servedBy = async (client, extra) => (await ask(client, extra)).response.headers.get("x-keyaos-provider");

test("after a burst of 503s the cheap upstream gets traffic back within the longest cooldown", async () => {
  let down = true;
  const overloaded = { status: 503, json: { error: { message: "The engine is currently overloaded", type: "service_unavailable_error", code: "server_is_overloaded" } } };
  await scenario(() => (down ? overloaded : undefined), async ({ cheap, client }) => {
    // The burst: concurrent requests fail together, then sequential ones keep failing for a while.
    const burst = await Promise.all(Array.from({ length: 8 }, () => servedBy(client)));
    assert.deepEqual([...new Set(burst)], ["oaipro"]);
    const burstEnd = Date.now() + 2500;
    while (Date.now() < burstEnd) {
      assert.equal(await servedBy(client), "oaipro");
      await sleep(100);
    }
    const duringBurst = cheap.chatRequests().length;
    down = false;
    const recovered = Date.now();
    // 14 requests over about 3.5 s, as in the report; the cheap one must serve again within the bound.
    const seen = [];
    for (let i = 0; i < 14; i++) {
      seen.push({ at: Date.now() - recovered, by: await servedBy(client) });
      await sleep(250);
    }
    const back = seen.findIndex((s) => s.by === "openai");
    assert.ok(back >= 0, `the cheap upstream never served again: ${JSON.stringify(seen)}`);
    assert.ok(seen[back].at <= COOLDOWN_MAX_MS + 800, `back after ${seen[back].at} ms (${JSON.stringify(seen)})`);
    assert.ok(seen.slice(back).every((s) => s.by === "openai"), `traffic stays on the cheap upstream: ${JSON.stringify(seen)}`);
    // While it was down it was only probed, not hammered: at most the 8 concurrent ones plus one probe per cooldown.
    assert.ok(duringBurst <= 8 + Math.ceil(2500 / COOLDOWN_MS), `cheap upstream asked ${duringBurst} times during the burst`);
  });
});

test("a streamed probe gives the traffic back at its first content, not when the stream ends", async () => {
  let failures = 2;
  await scenario(
    (req) => {
      if (failures > 0) {
        failures--;
        return { status: 503, json: { error: { message: "overloaded", type: "service_unavailable_error" } } };
      }
      if (req.body.stream) return { sse: openaiStream({ parts: ["a", "b", "c", "d", "e", "f"] }), gapMs: 300 };
      return undefined;
    },
    async ({ client }) => {
      assert.equal(await servedBy(client), "oaipro");
      assert.equal(await servedBy(client), "oaipro", "two failures: the pair cools down");
      await sleep(COOLDOWN_MS * 1.25 + 50);
      // The probe is a slow stream (about 2 s); read its first content, then ask again while it still runs.
      const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true });
      const it = stream[Symbol.asyncIterator]();
      let first = "";
      while (!first) first = (await it.next()).value?.choices[0]?.delta?.content ?? "";
      const t0 = Date.now();
      assert.equal(await servedBy(client), "openai", "the cheap upstream serves again while the probe streams");
      assert.ok(Date.now() - t0 < 1000);
      let rest = first;
      for (let r = await it.next(); !r.done; r = await it.next()) rest += r.value.choices[0]?.delta?.content ?? "";
      assert.equal(rest, "abcdef");
    },
  );
});

// OpenRouter (cheap, multiplier 0.5) and oaipro serve openai/gpt-4o-mini.
// `state` drives OpenRouter's key check, its balance and its chat answers.
async function openrouterScenario(fn, { dearPlan } = {}) {
  const state = { keyValid: true, credits: 50, chat: undefined };
  const openrouter = await startMockUpstream("openrouter", (req) => {
    if (req.url.endsWith("/auth/key"))
      return state.keyValid ? { json: { data: { label: "sk-or-v1-abc...", usage: 0, limit: null } } } : { status: 401, json: { error: { message: "User not found.", code: 401 } } };
    if (req.url.endsWith("/credits")) return { json: { data: { total_credits: state.credits, total_usage: 0 } } };
    if (req.url.endsWith("/chat/completions")) return state.chat?.(req);
    return { status: 404, json: { error: { message: "not here", code: 404 } } };
  });
  const dear = await startMockUpstream("oaipro", dearPlan && ((req) => (req.url.endsWith("/chat/completions") ? dearPlan(req) : undefined)));
  // Every provider the cron may list points at loopback, so no run leaves this machine.
  const upstreams = { oaipro: dear.url + "/v1" };
  for (const id of ["openrouter", "zenmux", "deepinfra", "deepseek", "google-ai-studio", "openai", "qwen-code"]) upstreams[id] = openrouter.url + "/v1";
  const gw = await startGateway({ upstreams });
  try {
    const cheapCred = await gw.addCredential("openrouter", "sk-or-v1-" + "a".repeat(64), { price_multiplier: 0.5 });
    await gw.addCredential("oaipro", "sk-dearkey0123456789abcd");
    const client = new OpenAI({ apiKey: ADMIN_TOKEN, baseURL: gw.url + "/v1", maxRetries: 0 });
    const credential = async () => (await gw.api("GET", `/api/credentials/${cheapCred.id}`)).json;
    const scheduled = async () => (await gw.mf.getWorker()).scheduled({ cron: "17 * * * *" });
    await fn({ gw, openrouter, dear, client, cheapCred, credential, state, scheduled });
  } finally {
    await gw.close();
    await openrouter.close();
    await dear.close();
  }
}

const unaffordable = (req) => ({
  status: 402,
  json: { error: { code: 402, message: `This request requires more credits, or fewer max_tokens. You requested up to ${req.body.max_tokens} tokens, but can only afford 3276. To increase, visit https://openrouter.ai/settings/credits and add more credits`, metadata: { provider_name: null } }, user_id: "user_x" },
});

test("max_tokens the key cannot afford fails over, and the key stays healthy", async () => {
  await openrouterScenario(async ({ gw, openrouter, client, credential, state }) => {
    state.chat = (req) => (req.body.max_tokens > 3276 ? unaffordable(req) : undefined);
    for (let i = 0; i < 3; i++) assert.equal(await servedBy(client, { max_tokens: 900000 }), "oaipro", "the next key serves it");
    const cred = await credential();
    assert.equal(cred.health, "ok");
    assert.deepEqual(cred.cooldowns, []);
    const rows = await gw.waitForRows("SELECT * FROM request_attempts WHERE provider_id = 'openrouter'", 3);
    assert.deepEqual(rows.map((r) => r.error_class), ["unaffordable", "unaffordable", "unaffordable"]);
    assert.match(rows[0].error_message, /fewer max_tokens/);
    assert.equal(await servedBy(client, { max_tokens: 100 }), "openrouter", "a request it can afford goes to the cheap key");
    assert.equal(openrouter.chatRequests().length, 4, "every request still asked the cheap key first");
  });
});

test("when no key can afford max_tokens the client gets a clear 402", async () => {
  await openrouterScenario(
    async ({ client, credential, state }) => {
      state.chat = unaffordable;
      await assert.rejects(ask(client, { max_tokens: 900000 }), (err) => {
        assert.equal(err.status, 402);
        assert.equal(err.code, "insufficient_credits_for_request");
        assert.equal(err.param, "max_tokens");
        assert.match(err.message, /fewer max_tokens/);
        return true;
      });
      assert.equal((await credential()).health, "ok");
    },
    { dearPlan: unaffordable },
  );
});

test("a flagged prompt goes back to the client and does not harm the key", async () => {
  await openrouterScenario(async ({ gw, dear, client, credential, state }) => {
    state.chat = () => ({
      status: 403,
      json: { error: { code: 403, message: "openai/gpt-4o-mini requires moderation on OpenAI. Your input was flagged for \"violence\". No credits were charged.", metadata: { reasons: ["violence"], flagged_input: "hi", provider_name: "OpenAI", model_slug: "openai/gpt-4o-mini" } } },
    });
    for (let i = 0; i < 3; i++)
      await assert.rejects(ask(client), (err) => {
        assert.equal(err.status, 403);
        assert.equal(err.code, "content_flagged");
        assert.match(err.message, /flagged/);
        return true;
      });
    assert.equal(dear.chatRequests().length, 0, "other keys are not asked to moderate the same prompt");
    const cred = await credential();
    assert.equal(cred.health, "ok");
    assert.deepEqual(cred.cooldowns, []);
    const rows = await gw.waitForRows("SELECT * FROM request_attempts", 3);
    assert.ok(rows.every((r) => r.error_class === "content_policy"));
  });
});

test("a real 401 kills the key; the cron revives it once its check passes again", async () => {
  await openrouterScenario(async ({ gw, openrouter, client, credential, state, scheduled }) => {
    state.chat = () => ({ status: 401, json: { error: { message: "User not found.", code: 401 } } });
    state.keyValid = false;
    assert.equal(await servedBy(client), "oaipro");
    assert.equal(await servedBy(client), "oaipro");
    assert.equal(openrouter.chatRequests().length, 1, "a dead key is not asked again");
    let cred = await credential();
    assert.equal(cred.health, "dead");
    assert.match(cred.dead_reason, /User not found/);
    await scheduled();
    assert.equal((await credential()).health, "dead", "its check still fails: it stays dead");
    // The key works again (a provider-side incident is over).
    state.keyValid = true;
    state.chat = undefined;
    await scheduled();
    cred = await credential();
    assert.equal(cred.health, "ok", "revived by the hourly job");
    assert.equal(cred.dead_reason, null);
    const checks = openrouter.requests.filter((r) => r.url.endsWith("/auth/key"));
    assert.equal(checks.at(-1).headers.authorization, "Bearer sk-or-v1-" + "a".repeat(64));
    assert.equal(await servedBy(client), "openrouter", "traffic is back on the cheap key");
  });
});

test("an empty balance is a cooldown of the whole key, lifted by the next quota refresh", async () => {
  await openrouterScenario(async ({ gw, openrouter, client, credential, state }) => {
    state.chat = () => ({ status: 402, json: JSON.parse('{"error": {"code": 402, "message": "Insufficient credits. Add more using https://openrouter.ai/credits", "metadata": {"limit_source": "openrouter_credits"}}}') });
    assert.equal(await servedBy(client), "oaipro");
    let cred = await credential();
    assert.equal(cred.health, "ok", "not dead");
    assert.deepEqual(cred.cooldowns.map((c) => [c.model_id, c.reason]), [["*", "payment"]]);
    assert.ok(cred.cooldowns[0].until_ms - Date.now() > 50 * 60 * 1000, "it rests until the next hourly refresh");
    assert.equal(await servedBy(client, { model: "openai/gpt-4o" }), "oaipro", "no model of the key is tried");
    assert.equal(openrouter.chatRequests().length, 1);
    // The owner tops up; the next refresh reads the balance and lifts the cooldown.
    state.chat = undefined;
    state.credits = 20;
    const sync = await gw.api("POST", "/api/catalog/sync?provider=openrouter");
    assert.equal(sync.status, 200, sync.text);
    assert.equal(sync.json.credits[0].ok, true);
    cred = await credential();
    assert.deepEqual(cred.cooldowns, []);
    assert.equal(cred.quota_usd, 20);
    assert.equal(await servedBy(client), "openrouter");
  });
});
