// Kiro credentials behind /v1/chat/completions, against a local Kiro (token
// services with refresh-token rotation, generateAssistantResponse answering
// in CRC-checked AWS Event Stream frames).
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import { startGateway, ADMIN_TOKEN } from "../support/gateway.js";
import { startMockKiro } from "../support/mock-kiro.js";
import { startMockUpstream, fixture } from "../support/mock-upstream.js";
import { streamChat, WEATHER_TOOL } from "../support/openai-client.js";

const MODEL = "anthropic/claude-sonnet-4.5";
const SOCIAL = { ...JSON.parse(fixture("kiro_auth_token_file_social.json")), refreshToken: "aorSocialInitialxxxxxxxxxxxxxxxxxxxx", expiresAt: "2020-01-01T00:00:00.000Z" };
const IDC = {
  ...JSON.parse(fixture("kiro_auth_token_file_idc.json")),
  refreshToken: "aorIdcInitialxxxxxxxxxxxxxxxxxxxxxxx",
  expiresAt: "2020-01-01T00:00:00.000Z",
  clientId: "mockClientIdxxxxxxxxxxxx",
  clientSecret: "mockClientSecretxxxxxxxxxxxx",
};

async function withKiro(options, fn, { extraUpstreams = {}, persist } = {}) {
  const kiro = await startMockKiro({ validRefreshTokens: [SOCIAL.refreshToken, IDC.refreshToken], ...options });
  const start = () => startGateway({ upstreams: { kiro: kiro.url, "kiro:oauth": kiro.url, ...extraUpstreams }, persist });
  let gw = await start();
  const ctx = {
    kiro,
    get gw() {
      return gw;
    },
    client: () => new OpenAI({ apiKey: ADMIN_TOKEN, baseURL: gw.url + "/v1", maxRetries: 0 }),
    restart: async () => {
      await gw.close();
      gw = await start();
    },
  };
  try {
    await fn(ctx);
  } finally {
    await gw.close();
    await kiro.close();
  }
}

const streamText = (client, extra = {}) => streamChat(client, { model: MODEL, ...extra });

test("kiro (social): refresh, a streamed answer, usage recorded once and flagged estimated", async () => {
  await withKiro({}, async ({ gw, kiro, client }) => {
    const cred = await gw.addCredential("kiro", JSON.stringify(SOCIAL));
    assert.ok(!cred.secret_hint.includes("aorSocialInitial"), "the hint shows no token");
    const { text, usage, finish } = await streamText(client());
    assert.equal(text, "Hello from Kiro.");
    assert.equal(finish, "stop");
    assert.ok(usage.completion_tokens > 0);
    assert.equal(kiro.state.socialCalls, 1);
    const sent = kiro.generateRequests()[0];
    assert.equal(sent.headers.authorization, "Bearer aoaMockAccess1xxxxxxxxxxxxxxxxxxxxxx");
    assert.equal(sent.body.profileArn, "arn:aws:codewhisperer:us-east-1:123456789012:profile/ABCDEFGHIJKL");
    const logs = await gw.waitForRows("SELECT * FROM request_logs", 1);
    assert.equal(logs.length, 1);
    assert.equal(logs[0].status, "ok");
    assert.equal(logs[0].provider_id, "kiro");
    assert.equal(logs[0].usage_estimated, 1);
    assert.ok(logs[0].output_tokens > 0);
    assert.ok(logs[0].effective_cost_nusd > 0);
  });
});

test("kiro: a non-streamed answer reads the whole event stream", async () => {
  await withKiro({}, async ({ gw, kiro, client }) => {
    await gw.addCredential("kiro", JSON.stringify(SOCIAL));
    const res = await client().chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] });
    assert.equal(res.object, "chat.completion");
    assert.equal(res.choices[0].message.content, "Hello from Kiro.");
    assert.ok(res.usage.prompt_tokens > 0);
    assert.equal(kiro.state.generateCalls, 1);
  });
});

test("kiro (IdC): a tool-calling round trip through the openai client", async () => {
  await withKiro({}, async ({ gw, kiro, client }) => {
    await gw.addCredential("kiro", JSON.stringify(IDC));
    const c = client();
    const tools = [WEATHER_TOOL];
    const messages = [{ role: "user", content: "Weather in Paris?" }];
    const { calls, finish, text } = await streamChat(c, { model: MODEL, messages, tools });
    assert.equal(kiro.state.idcCalls, 1);
    assert.equal(text, "Checking.");
    assert.equal(finish, "tool_calls");
    assert.equal(calls.length, 1);
    assert.equal(calls[0].id, "tooluse_mock0001");
    assert.equal(calls[0].name, "get_weather");
    assert.deepEqual(JSON.parse(calls[0].arguments), { city: "Paris" });

    messages.push({ role: "assistant", content: "Checking.", tool_calls: [{ id: calls[0].id, type: "function", function: { name: calls[0].name, arguments: calls[0].arguments } }] });
    messages.push({ role: "tool", tool_call_id: calls[0].id, content: JSON.stringify({ temperature: 21 }) });
    const answer = await c.chat.completions.create({ model: MODEL, messages, tools });
    assert.match(answer.choices[0].message.content, /temperature/);
    const second = kiro.generateRequests()[1].body.conversationState;
    assert.equal(second.currentMessage.userInputMessage.userInputMessageContext.toolResults[0].toolUseId, "tooluse_mock0001");
    assert.ok(second.history.some((h) => h.assistantResponseMessage?.toolUses?.[0]?.toolUseId === "tooluse_mock0001"));
  });
});

test("kiro: concurrent requests share one refresh (rotation would break a second one)", async () => {
  await withKiro({ tokenDelayMs: 300 }, async ({ gw, kiro, client }) => {
    await gw.addCredential("kiro", JSON.stringify(SOCIAL));
    const c = client();
    const results = await Promise.all(Array.from({ length: 4 }, () => streamText(c)));
    for (const r of results) assert.equal(r.text, "Hello from Kiro.");
    assert.equal(kiro.state.refreshCalls, 1);
  });
});

test("kiro: the rotated refresh token is persisted and used after a restart of the Worker", async () => {
  const dir = mkdtempSync(join(tmpdir(), "keyaos-kiro-"));
  try {
    await withKiro(
      {},
      async (ctx) => {
        const cred = await ctx.gw.addCredential("kiro", JSON.stringify(SOCIAL));
        assert.equal((await streamText(ctx.client())).text, "Hello from Kiro.");
        assert.equal(ctx.kiro.state.refreshCalls, 1);
        assert.ok(!ctx.kiro.state.refresh.has(SOCIAL.refreshToken), "the pasted refresh token is spent");
        const state = JSON.parse((await ctx.gw.db.prepare("SELECT state FROM credentials WHERE id = ?").bind(cred.id).first()).state);
        assert.ok(state.access_token_expires_at > Date.now());

        await ctx.restart();
        // A fresh isolate reuses the stored access token without refreshing.
        assert.equal((await streamText(ctx.client())).text, "Hello from Kiro.");
        assert.equal(ctx.kiro.state.refreshCalls, 1);

        // Kiro revokes the access token: one forced refresh with the rotated
        // refresh token from D1, one retry on the same credential.
        await ctx.restart();
        ctx.kiro.state.access.clear();
        const { data, response } = await ctx
          .client()
          .chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] })
          .withResponse();
        assert.equal(data.choices[0].message.content, "Hello from Kiro.");
        assert.equal(response.headers.get("x-keyaos-provider"), "kiro");
        assert.equal(ctx.kiro.state.refreshCalls, 2);
        assert.equal(ctx.kiro.state.requests.filter((r) => r.url === "/refreshToken")[1].body.refreshToken, "aorRotated1xxxxxxxxxxxxxxxxxxxxxxxx");
        const health = await ctx.gw.db.prepare("SELECT health FROM credentials WHERE id = ?").bind(cred.id).first();
        assert.equal(health.health, "ok");
      },
      { persist: dir },
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("kiro: a 403 after a forced refresh marks the credential dead", async () => {
  await withKiro({ generate: () => ({ status: 403, json: fixture("kiro_error_403_bearer_invalid.json") }) }, async ({ gw, kiro, client }) => {
    const cred = await gw.addCredential("kiro", JSON.stringify(SOCIAL));
    await assert.rejects(client().chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] }), (e) => e.status === 502);
    assert.equal(kiro.state.generateCalls, 2, "one retry after a forced refresh");
    assert.equal(kiro.state.refreshCalls, 2);
    const row = await gw.waitForRows(`SELECT health FROM credentials WHERE id = '${cred.id}' AND health = 'dead'`, 1);
    assert.equal(row.length, 1);
  });
});

test("kiro: a credential killed by a refused refresh is revived by the sync once its token works again; one still refused stays dead", async () => {
  const second = { ...SOCIAL, refreshToken: "aorSocialSecondxxxxxxxxxxxxxxxxxxxxx" };
  // The public model lists answer 404 from the local mock: no network beyond loopback.
  const lists = (url) => ({ openrouter: url + "/api/v1", zenmux: url + "/api/v1", deepinfra: url + "/v1/openai" });
  await withKiro({ validRefreshTokens: [] }, async ({ gw, kiro, client }) => {
    const a = await gw.addCredential("kiro", JSON.stringify(SOCIAL));
    const b = await gw.addCredential("kiro", JSON.stringify(second));
    // Both refresh tokens are refused (invalid_grant): both credentials die.
    await assert.rejects(client().chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] }));
    const dead = await gw.waitForRows("SELECT id, encrypted_secret, dead_reason FROM credentials WHERE health = 'dead' ORDER BY id", 2);
    assert.equal(dead.length, 2);
    const before = Object.fromEntries(dead.map((r) => [r.id, r]));
    // The first account's token works again (the provider-side incident is over).
    kiro.state.refresh.add(SOCIAL.refreshToken);
    await gw.db.prepare("UPDATE credentials SET dead_reason = 'auth: old reason'").run();
    const refreshesBefore = kiro.state.refreshCalls;
    const sync = await gw.api("POST", "/api/catalog/sync");
    assert.equal(sync.status, 200, sync.text);
    const checks = Object.fromEntries(sync.json.revalidated.map((c) => [c.credential_id, c]));
    assert.deepEqual(checks[a.id], { credential_id: a.id, provider_id: "kiro", status: 200, revived: true });
    assert.equal(checks[b.id].revived, false);
    assert.equal(checks[b.id].provider_id, "kiro");
    assert.equal(kiro.state.refreshCalls - refreshesBefore, 2, "one refresh per dead credential");
    const rowA = (await gw.api("GET", `/api/credentials/${a.id}`)).json;
    const rowB = (await gw.api("GET", `/api/credentials/${b.id}`)).json;
    assert.equal(rowA.health, "ok");
    assert.equal(rowA.dead_reason, null);
    assert.equal(rowB.health, "dead");
    assert.match(rowB.dead_reason, /invalid_grant|refresh/i);
    assert.notEqual(rowB.dead_reason, "auth: old reason");
    // The rotated refresh token was written back for the revived credential only.
    const [storedA] = await gw.waitForRows(`SELECT encrypted_secret, state FROM credentials WHERE id = '${a.id}'`, 1);
    assert.notEqual(storedA.encrypted_secret, before[a.id].encrypted_secret);
    assert.ok(JSON.parse(storedA.state).access_token_expires_at > Date.now());
    const [storedB] = await gw.waitForRows(`SELECT encrypted_secret FROM credentials WHERE id = '${b.id}'`, 1);
    assert.equal(storedB.encrypted_secret, before[b.id].encrypted_secret);
    assert.ok(!kiro.state.refresh.has(SOCIAL.refreshToken), "the old token was spent by the check");
    // Traffic is back, on the token the check obtained: no new refresh.
    const refreshesAfterSync = kiro.state.refreshCalls;
    const answer = await client().chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] });
    assert.equal(answer.choices[0].message.content, "Hello from Kiro.");
    assert.equal(kiro.state.refreshCalls, refreshesAfterSync);
  }, { extraUpstreams: lists("http://127.0.0.1:9") });
});

test("kiro: a dead credential whose token endpoint is unreachable is left as it was by the sync", async () => {
  const kiro = await startMockKiro({ validRefreshTokens: [SOCIAL.refreshToken] });
  // Port 9 (discard) on loopback: the refresh cannot connect.
  const gw = await startGateway({ upstreams: { kiro: kiro.url, "kiro:oauth": "http://127.0.0.1:9", openrouter: kiro.url, zenmux: kiro.url, deepinfra: kiro.url } });
  try {
    const a = await gw.addCredential("kiro", JSON.stringify(SOCIAL));
    await gw.db.prepare("UPDATE credentials SET health = 'dead', dead_reason = 'auth: refused earlier', updated_at = 5 WHERE id = ?").bind(a.id).run();
    const [before] = await gw.waitForRows(`SELECT * FROM credentials WHERE id = '${a.id}'`, 1);
    const sync = await gw.api("POST", "/api/catalog/sync");
    assert.equal(sync.status, 200, sync.text);
    assert.deepEqual(sync.json.revalidated, [{ credential_id: a.id, provider_id: "kiro", status: null, revived: false }]);
    const [after] = await gw.waitForRows(`SELECT * FROM credentials WHERE id = '${a.id}'`, 1);
    assert.deepEqual(after, before);
    assert.equal(kiro.state.refreshCalls, 0);
  } finally {
    await gw.close();
    await kiro.close();
  }
});

test("kiro: the monthly limit (402) fails over to another provider and cools down until next month", async () => {
  const openrouter = await startMockUpstream("openrouter");
  try {
    await withKiro(
      { generate: () => ({ status: 402, json: fixture("kiro_error_402_monthly_limit.json") }) },
      async ({ gw, kiro, client }) => {
        const cred = await gw.addCredential("kiro", JSON.stringify(SOCIAL), { price_multiplier: 0.1 });
        await gw.addCredential("openrouter", "sk-or-v1-" + "d".repeat(64), { validate: false });
        const c = client();
        const { data, response } = await c.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] }).withResponse();
        assert.equal(response.headers.get("x-keyaos-provider"), "openrouter");
        assert.equal(data.choices[0].message.content, "Hello from the mock");
        const cool = await gw.waitForRows(`SELECT * FROM cooldowns WHERE credential_id = '${cred.id}'`, 1);
        assert.equal(cool.length, 1);
        const now = new Date();
        const nextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
        assert.ok(Math.abs(cool[0].until_ms - nextMonth) < 60_000, "until the month boundary");
        // The next request skips Kiro altogether.
        await c.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] });
        assert.equal(kiro.state.generateCalls, 1);
        assert.equal(openrouter.chatRequests().length, 2);
        const health = await gw.db.prepare("SELECT health FROM credentials WHERE id = ?").bind(cred.id).first();
        assert.equal(health.health, "ok", "a monthly limit is not a dead credential");
      },
      { extraUpstreams: { openrouter: openrouter.url + "/v1" } },
    );
  } finally {
    await openrouter.close();
  }
});

test("credentials: Kiro access tokens are refused", async () => {
  await withKiro({}, async ({ gw }) => {
    const bad = await gw.api("POST", "/api/credentials", { provider_id: "kiro", secret: "aoaAAAAAGaccessTokenOnly0123456789" });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, "invalid_secret_format");
  });
});
