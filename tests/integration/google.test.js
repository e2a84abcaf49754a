// Gemini CLI and Antigravity credentials behind /v1/chat/completions, against
// a local Google (token endpoint and v1internal API). Each test checks what
// the mock saw (token calls, discovery calls, request envelopes), what the
// client got, and what D1 recorded.
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startGateway, ADMIN_TOKEN } from "../support/gateway.js";
import { startMockGoogle } from "../support/mock-google.js";
import { startMockUpstream, fixture } from "../support/mock-upstream.js";
import { streamChat, WEATHER_TOOL } from "../support/openai-client.js";

const MODEL = "google/gemini-2.5-flash";
const CREDS_FILE = JSON.stringify({ ...JSON.parse(fixture("gemini_cli_oauth_creds_file.json")), expiry_date: 1 });

async function withGoogle(options, fn, { provider = "gemini-cli", extraUpstreams = {} } = {}) {
  const google = await startMockGoogle(options);
  const gw = await startGateway({ upstreams: { [provider]: google.url, [`${provider}:oauth`]: google.url, ...extraUpstreams } });
  try {
    const client = new OpenAI({ apiKey: ADMIN_TOKEN, baseURL: gw.url + "/v1", maxRetries: 0 });
    await fn({ gw, google, client });
  } finally {
    await gw.close();
    await google.close();
  }
}

const streamText = (client, extra = {}) => streamChat(client, { model: MODEL, ...extra });

test("gemini-cli: refresh, onboarding and a streamed answer; the new state is sealed into D1", async () => {
  await withGoogle({ onboarded: false }, async ({ gw, google, client }) => {
    const cred = await gw.addCredential("gemini-cli", CREDS_FILE);
    assert.ok(!cred.secret_hint.includes("ya29") && !cred.secret_hint.includes("1//0gXXXXXXXX"), "the hint shows no token");
    const before = await gw.db.prepare("SELECT encrypted_secret FROM credentials WHERE id = ?").bind(cred.id).first();

    const { text, usage, finish } = await streamText(client);
    assert.equal(text, "Hello from Gemini.");
    assert.equal(finish, "stop");
    assert.equal(usage.prompt_tokens, 20);
    assert.equal(google.state.tokenCalls, 1);
    assert.equal(google.state.loadCalls, 1);
    assert.equal(google.state.onboardCalls, 1);
    assert.equal(google.state.pollCalls, 1);
    const sent = google.generateRequests()[0];
    assert.equal(sent.body.project, "aicode-consumers-123456");
    assert.equal(sent.body.model, "gemini-2.5-flash");
    assert.equal(sent.headers.authorization, "Bearer ya29.mock-1");

    const row = await gw.db.prepare("SELECT encrypted_secret, state FROM credentials WHERE id = ?").bind(cred.id).first();
    assert.notEqual(row.encrypted_secret, before.encrypted_secret, "the refreshed credential is sealed again");
    assert.ok(!row.encrypted_secret.includes("1//"), "stored encrypted");
    const state = JSON.parse(row.state);
    assert.equal(state.project_id, "aicode-consumers-123456");
    assert.ok(state.access_token_expires_at > Date.now());
    assert.ok(!row.state.includes("ya29"), "the state column holds no token");

    // Warm: the cached access token and project are reused.
    assert.equal((await streamText(client)).text, "Hello from Gemini.");
    assert.equal(google.state.tokenCalls, 1);
    assert.equal(google.state.loadCalls, 1);

    const logs = await gw.waitForRows("SELECT * FROM request_logs WHERE status = 'ok'", 2);
    assert.equal(logs.length, 2, "usage recorded once per request");
    assert.equal(logs[0].provider_id, "gemini-cli");
    assert.equal(logs[0].input_tokens, 20);
    assert.ok(logs[0].effective_cost_nusd > 0, "shadow-priced");
  });
});

test("gemini-cli: concurrent requests share one token refresh", async () => {
  await withGoogle({ onboarded: true, tokenDelayMs: 300 }, async ({ gw, google, client }) => {
    await gw.addCredential("gemini-cli", "1//0gConcurrentRefreshTokenForTheMockGoogle0123");
    const results = await Promise.all(Array.from({ length: 5 }, () => streamText(client)));
    for (const r of results) assert.equal(r.text, "Hello from Gemini.");
    assert.equal(google.state.tokenCalls, 1, "exactly one refresh");
    assert.equal(google.state.loadCalls, 1, "one project discovery");
    assert.equal(google.state.generateCalls, 5);
  });
});

test("gemini-cli: a non-streamed answer is one chat.completion", async () => {
  await withGoogle({ onboarded: true }, async ({ gw, google, client }) => {
    await gw.addCredential("gemini-cli", CREDS_FILE);
    const res = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] });
    assert.equal(res.object, "chat.completion");
    assert.equal(res.choices[0].message.content, "Hello from Gemini.");
    assert.equal(res.choices[0].finish_reason, "stop");
    assert.equal(res.usage.prompt_tokens, 20);
    assert.ok(google.state.requests.some((r) => r.url === "/v1internal:generateContent"));
    const logs = await gw.waitForRows("SELECT * FROM request_logs", 1);
    assert.equal(logs.length, 1);
    assert.equal(logs[0].stream, 0);
    assert.equal(logs[0].input_tokens, 20);
  });
});

test("gemini-cli: a tool-calling round trip through the openai client", async () => {
  await withGoogle({ onboarded: true }, async ({ gw, google, client }) => {
    await gw.addCredential("gemini-cli", CREDS_FILE);
    const tools = [WEATHER_TOOL];
    const messages = [{ role: "user", content: "Weather in Paris?" }];
    const { calls, finish, reasoning } = await streamChat(client, { model: MODEL, messages, tools });
    assert.equal(finish, "tool_calls");
    assert.equal(reasoning, "Let me check.");
    assert.equal(calls.length, 1);
    assert.equal(calls[0].name, "get_weather");
    assert.deepEqual(JSON.parse(calls[0].arguments), { city: "Paris" });
    assert.ok(calls[0].id);
    const decl = google.generateRequests()[0].body.request.tools[0].functionDeclarations[0];
    assert.equal(decl.name, "get_weather");

    messages.push({ role: "assistant", content: null, tool_calls: [{ id: calls[0].id, type: "function", function: { name: calls[0].name, arguments: calls[0].arguments } }] });
    messages.push({ role: "tool", tool_call_id: calls[0].id, content: JSON.stringify({ temperature: 21 }) });
    const answer = await client.chat.completions.create({ model: MODEL, messages, tools });
    assert.match(answer.choices[0].message.content, /temperature/);
    const second = google.generateRequests()[1].body.request.contents;
    assert.ok(
      second.some((c) => c.parts.some((p) => p.functionCall?.name === "get_weather" && p.thoughtSignature === "c2lnLW1vY2s=")),
      "the call is replayed with the signature Gemini gave it",
    );
    assert.ok(second.some((c) => c.parts.some((p) => p.functionResponse?.name === "get_weather")), "the result goes back");
  });
});

test("gemini-cli: a rate limit fails over to another provider and cools the credential down", async () => {
  const openrouter = await startMockUpstream("openrouter");
  try {
    await withGoogle(
      { onboarded: true, generate: () => ({ status: 429, json: fixture("gemini_v1internal_error_429_rate_limit.json") }) },
      async ({ gw, google, client }) => {
        const cred = await gw.addCredential("gemini-cli", CREDS_FILE, { price_multiplier: 0.1 });
        await gw.addCredential("openrouter", "sk-or-v1-" + "d".repeat(64), { validate: false });
        const { data, response } = await client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] }).withResponse();
        assert.equal(response.headers.get("x-keyaos-provider"), "openrouter");
        assert.equal(data.choices[0].message.content, "Hello from the mock");
        assert.equal(google.state.generateCalls, 1);
        assert.equal(openrouter.chatRequests().length, 1);
        const attempts = await gw.waitForRows("SELECT * FROM request_attempts ORDER BY attempt", 2);
        assert.equal(attempts[0].provider_id, "gemini-cli");
        assert.equal(attempts[0].error_class, "rate_limited");
        const cool = await gw.waitForRows(`SELECT * FROM cooldowns WHERE credential_id = '${cred.id}'`, 1);
        assert.equal(cool.length, 1);
      },
      { extraUpstreams: { openrouter: openrouter.url + "/v1" } },
    );
  } finally {
    await openrouter.close();
  }
});

test("gemini-cli: an invalid_grant marks the credential dead", async () => {
  await withGoogle({ onboarded: true, tokenError: true }, async ({ gw, google, client }) => {
    const cred = await gw.addCredential("gemini-cli", CREDS_FILE);
    await assert.rejects(client.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "hi" }] }), (e) => e.status === 502);
    assert.equal(google.state.tokenCalls, 1);
    assert.equal(google.state.generateCalls, 0);
    const row = await gw.waitForRows(`SELECT health FROM credentials WHERE id = '${cred.id}' AND health = 'dead'`, 1);
    assert.equal(row.length, 1);
  });
});

test("credentials: Google access tokens are refused, bare refresh tokens accepted", async () => {
  await withGoogle({}, async ({ gw }) => {
    const bad = await gw.api("POST", "/api/credentials", { provider_id: "gemini-cli", secret: "ya29.a0AfB_byAccessTokenOnly0123456789" });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error.code, "invalid_secret_format");
    assert.ok(!bad.text.includes("ya29.a0AfB_byAccessTokenOnly0123456789"));
    const good = await gw.api("POST", "/api/credentials", { provider_id: "gemini-cli", secret: "1//0gBareRefreshTokenForTheMock0123456789" });
    assert.equal(good.status, 201);
    assert.ok(!good.json.secret_hint.includes("BareRefreshToken"));
  });
});

test("antigravity: refresh, discovery and a streamed answer with its own client", async () => {
  await withGoogle(
    { onboarded: true },
    async ({ gw, google, client }) => {
      await gw.addCredential("antigravity", JSON.stringify(JSON.parse(fixture("antigravity_account_file_shape.json"))));
      const stream = await client.chat.completions.create({ model: "google/gemini-3-flash-preview", messages: [{ role: "user", content: "hi" }], stream: true });
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
      assert.equal(text, "Hello from Gemini.");
      assert.equal(google.state.tokenCalls, 1);
      const form = new URLSearchParams(google.state.requests.find((r) => r.url === "/token").raw);
      assert.match(form.get("client_id"), /^1071006060591-/);
      const sent = google.generateRequests()[0];
      assert.equal(sent.body.model, "gemini-3-flash");
      assert.match(sent.headers["user-agent"], /antigravity/);
    },
    { provider: "antigravity" },
  );
});
