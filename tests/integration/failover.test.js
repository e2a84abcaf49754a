// Failover, cooldowns and stream-boundary behaviour against fault-injecting
// upstreams. Each test asserts what the mock upstreams saw (count, spacing),
// not only what the client got.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ADMIN_TOKEN } from "../support/gateway.js";
import { withPrimaryAndFallback } from "../support/primary-fallback.js";
import { startMockUpstream, openaiStream, openaiCompletion } from "../support/mock-upstream.js";

const TIMEOUT_MS = 400;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Two providers serve openai/gpt-4o-mini: "openai" (primary: cheaper with a
// 0.5 multiplier) and "oaipro" (secondary). `primary` plans each request.
async function scenario(primary, fn, { secondary } = {}) {
  // Faults apply to chat requests only (credential checks on add get a normal answer).
  const chatOnly = (plan) => {
    let chats = 0;
    return plan && ((req) => (req.url.endsWith("/chat/completions") ? plan(req, ++chats) : undefined));
  };
  const a = await startMockUpstream("openai", chatOnly(primary));
  const b = await startMockUpstream("oaipro", chatOnly(secondary));
  await withPrimaryAndFallback(a, b, { timeoutMs: TIMEOUT_MS }, (ctx) => fn({ ...ctx, a, b }));
}

const ask = (client, extra = {}) => client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }], ...extra });
const askRaw = (client, extra = {}) => ask(client, extra).withResponse();

async function readStream(client) {
  const stream = await ask(client, { stream: true });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  return text;
}

async function rawStream(gw) {
  const res = await gw.fetch("/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "openai/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "hi" }] }),
  });
  return { res, text: await res.text() };
}

const attempts = (gw, count) => gw.waitForRows("SELECT * FROM request_attempts ORDER BY created_at, attempt", count);

test("429 with Retry-After: fail over, then leave the key alone until it may retry", async () => {
  await scenario(() => ({ status: 429, headers: { "retry-after": "30" }, json: { error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } } }), async ({ gw, a, b, client, primaryCred }) => {
    const first = await askRaw(client);
    assert.equal(first.response.headers.get("x-keyaos-provider"), "oaipro");
    assert.equal(first.response.headers.get("x-keyaos-attempts"), "2");
    await askRaw(client);
    await askRaw(client);
    assert.equal(a.chatRequests().length, 1, "the rate-limited key is not asked again");
    assert.equal(b.chatRequests().length, 3);
    const cred = await gw.api("GET", `/api/credentials/${primaryCred.id}`);
    const wait = cred.json.cooldowns[0].until_ms - Date.now();
    assert.ok(wait > 25000 && wait <= 30000, `cooldown follows Retry-After (${wait} ms)`);
  });
});

test("429 without Retry-After cools the key down with a short backoff", async () => {
  await scenario(() => ({ status: 429, json: { error: { message: "slow down", type: "rate_limit_error", code: "slow_down" } } }), async ({ gw, a, client, primaryCred }) => {
    await askRaw(client);
    await askRaw(client);
    assert.equal(a.chatRequests().length, 1);
    const cred = await gw.api("GET", `/api/credentials/${primaryCred.id}`);
    const wait = cred.json.cooldowns[0].until_ms - Date.now();
    assert.ok(wait > 2000 && wait <= 6250, `exponential default with jitter (${wait} ms)`);
  });
});

test("a first 500 is retried once on the same key", async () => {
  await scenario((req, n) => (n === 1 ? { status: 500, json: { error: { message: "boom", type: "server_error" } } } : undefined), async ({ a, b, client }) => {
    const { response } = await askRaw(client);
    assert.equal(response.headers.get("x-keyaos-provider"), "openai");
    assert.equal(a.chatRequests().length, 2);
    assert.equal(b.chatRequests().length, 0);
  });
});

test("a persistent 503 fails over every time and stops being tried after repeated failures", async () => {
  await scenario(() => ({ status: 503, json: { error: { message: "overloaded", type: "service_unavailable_error", code: "server_is_overloaded" } } }), async ({ a, b, client }) => {
    for (let i = 0; i < 4; i++) assert.equal((await askRaw(client)).response.headers.get("x-keyaos-provider"), "oaipro");
    assert.equal(a.chatRequests().length, 2, "cooled down after two failures");
    assert.equal(b.chatRequests().length, 4);
  });
});

test("a connection reset before headers fails over", async () => {
  await scenario(() => ({ reset: true }), async ({ gw, b, client }) => {
    const { data, response } = await askRaw(client);
    assert.equal(data.choices[0].message.content, "Hello from the mock");
    assert.equal(response.headers.get("x-keyaos-provider"), "oaipro");
    const rows = await attempts(gw, 2);
    assert.equal(rows[0].error_class, "network");
    assert.equal(b.chatRequests().length, 1);
  });
});

test("an upstream that never answers times out and fails over", async () => {
  await scenario(() => ({ hang: true }), async ({ gw, b, client }) => {
    const t0 = Date.now();
    const { response } = await askRaw(client);
    const elapsed = Date.now() - t0;
    assert.equal(response.headers.get("x-keyaos-provider"), "oaipro");
    assert.ok(elapsed >= TIMEOUT_MS && elapsed < TIMEOUT_MS + 2000, `waited for the header timeout only (${elapsed} ms)`);
    const rows = await attempts(gw, 2);
    assert.equal(rows[0].error_class, "timeout");
  });
});

test("a slow first token fails over before anything reaches the client", async () => {
  // The role chunk arrives, then nothing for longer than the first-token timeout.
  await scenario((req) => ({ sse: openaiStream({ parts: ["late"] }), gapMs: TIMEOUT_MS * 3 }), async ({ a, b, client }) => {
    const text = await readStream(client);
    assert.equal(text, "Hello from the mock", "only the second upstream's answer");
    assert.equal(a.chatRequests().length, 1);
    assert.equal(b.chatRequests().length, 1);
  });
});

test("a malformed event before content fails over", async () => {
  await scenario(() => ({ sse: ["data: {this is not json\n\n", ...openaiStream()] }), async ({ b, client }) => {
    assert.equal(await readStream(client), "Hello from the mock");
    assert.equal(b.chatRequests().length, 1);
  });
});

test("a stream cut mid-answer ends with an error event and no [DONE], and bills nothing", async () => {
  await scenario((req) => ({ sse: openaiStream(), cutAfter: 3 }), async ({ gw, a, b }) => {
    const { res, text } = await rawStream(gw);
    assert.equal(res.status, 200);
    assert.ok(text.includes('"content":"Hello"'), "the part already sent stays");
    assert.match(text, /data: \{"error":\{"message":"The upstream stream (broke|ended) before the answer was complete/);
    assert.ok(!text.includes("[DONE]"), "a cut answer never looks complete");
    assert.equal(b.chatRequests().length, 0, "no failover after content");
    const rows = await gw.waitForRows("SELECT * FROM request_logs", 1);
    assert.equal(rows[0].status, "error");
    assert.equal(rows[0].effective_cost_nusd, 0);
    assert.equal(a.chatRequests().length, 1);
  });
});

test("the openai client raises on a cut stream", async () => {
  await scenario(() => ({ sse: openaiStream(), cutAfter: 3 }), async ({ client }) => {
    await assert.rejects(readStream(client));
  });
});

test("a stalled stream is cut after the idle timeout with an error event", async () => {
  await scenario(() => ({ sse: openaiStream(), stallAfter: 3 }), async ({ gw }) => {
    const t0 = Date.now();
    const { text } = await rawStream(gw);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= TIMEOUT_MS && elapsed < TIMEOUT_MS + 3000, `cut after the idle timeout (${elapsed} ms)`);
    assert.match(text, /no data from the upstream/);
    assert.ok(!text.includes("[DONE]"));
    const rows = await gw.waitForRows("SELECT * FROM request_logs", 1);
    assert.equal(rows[0].error_class, "stream");
  });
});

test("a stream that finishes without [DONE] is completed and billed", async () => {
  await scenario(() => ({ sse: openaiStream({ done: false }) }), async ({ gw }) => {
    const { text } = await rawStream(gw);
    assert.ok(text.endsWith("data: [DONE]\n\n"));
    const rows = await gw.waitForRows("SELECT * FROM request_logs", 1);
    assert.equal(rows[0].status, "ok");
    assert.equal(rows[0].output_tokens, 4);
  });
});

for (const [name, error] of [
  ["context length", { message: "This model's maximum context length is 128000 tokens.", type: "invalid_request_error", param: "messages", code: "context_length_exceeded" }],
  ["content policy", { message: "Your request was rejected as a result of our safety system.", type: "invalid_request_error", param: null, code: "content_policy_violation" }],
]) {
  test(`a 400 ${name} error goes back to the client without failover`, async () => {
    await scenario(() => ({ status: 400, json: { error } }), async ({ gw, a, b, client }) => {
      await assert.rejects(ask(client), (err) => {
        assert.equal(err.status, 400);
        assert.equal(err.code, error.code);
        assert.equal(err.message.startsWith("400 " + error.message), true);
        return true;
      });
      assert.equal(a.chatRequests().length, 1);
      assert.equal(b.chatRequests().length, 0);
      const cred = (await gw.api("GET", "/api/credentials")).json.data.find((c) => c.provider_id === "openai");
      assert.equal(cred.health, "ok", "the key is not blamed for the client's request");
      assert.deepEqual(cred.cooldowns, []);
    });
  });
}

test("a key rejected with 401 is marked dead and traffic moves on", async () => {
  await scenario(() => ({ status: 401, json: { error: { message: "Incorrect API key provided", type: "invalid_request_error", code: "invalid_api_key" } } }), async ({ gw, a, client, primaryCred }) => {
    await askRaw(client);
    await askRaw(client);
    assert.equal(a.chatRequests().length, 1);
    const cred = await gw.api("GET", `/api/credentials/${primaryCred.id}`);
    assert.equal(cred.json.health, "dead");
    await gw.api("PATCH", `/api/credentials/${primaryCred.id}`, { is_enabled: true });
    assert.equal((await gw.api("GET", `/api/credentials/${primaryCred.id}`)).json.health, "ok", "re-enabling revives it");
  });
});

test("a primary that recovers gets its traffic back after one probe", async () => {
  let down = true;
  await scenario(() => (down ? { status: 429, headers: { "retry-after": "1" }, json: { error: { message: "later" } } } : undefined), async ({ a, b, client }) => {
    assert.equal((await askRaw(client)).response.headers.get("x-keyaos-provider"), "oaipro");
    assert.equal((await askRaw(client)).response.headers.get("x-keyaos-provider"), "oaipro");
    assert.equal(a.chatRequests().length, 1);
    down = false;
    await sleep(1100);
    assert.equal((await askRaw(client)).response.headers.get("x-keyaos-provider"), "openai", "the probe succeeds");
    assert.equal((await askRaw(client)).response.headers.get("x-keyaos-provider"), "openai", "traffic is back");
    assert.equal(a.chatRequests().length, 3);
    assert.ok(a.chatRequests()[1].at - a.chatRequests()[0].at >= 1000, "no retry before Retry-After");
    assert.equal(b.chatRequests().length, 2);
  });
});

test("after a failover the response and the bill name the upstream that served it", async () => {
  await scenario(
    () => ({ status: 502, json: { error: { message: "bad gateway" } } }),
    async ({ gw, client }) => {
      const { data, response } = await askRaw(client);
      assert.equal(data.model, "gpt-4o-mini-2024-07-18");
      assert.equal(response.headers.get("x-keyaos-provider"), "oaipro");
      const [row] = await gw.waitForRows("SELECT * FROM request_logs", 1);
      assert.equal(row.provider_id, "oaipro");
      assert.equal(row.served_model, "gpt-4o-mini-2024-07-18");
      assert.equal(row.input_tokens, 30);
      assert.equal(row.output_tokens, 7);
      assert.equal(row.attempts, 2);
      // oaipro at OpenAI's list price, multiplier 1: 30 x 0.15/M + 7 x 0.60/M
      assert.equal(row.base_cost_nusd, 8700);
      const log = await gw.api("GET", `/api/logs/${row.id}`);
      assert.deepEqual(log.json.attempt_list.map((x) => [x.provider_id, x.status, x.error_class]), [["openai", "error", "server"], ["oaipro", "ok", null]]);
    },
    { secondary: () => ({ json: openaiCompletion({ model: "gpt-4o-mini-2024-07-18", usage: { prompt_tokens: 30, completion_tokens: 7 } }) }) },
  );
});

test("concurrent requests under injected faults are all answered and every attempt is logged", async () => {
  const faults = [{ status: 500, json: { error: { message: "x" } } }, { reset: true }, { status: 429, json: { error: { message: "y" } } }, undefined];
  await scenario((req, n) => faults[n % faults.length], async ({ gw, a, b, client }) => {
    const N = 40;
    const results = await Promise.allSettled(Array.from({ length: N }, (_, i) => (i % 2 ? readStream(client) : ask(client))));
    assert.equal(results.filter((r) => r.status === "fulfilled").length, N, "every request answered");
    const logs = await gw.waitForRows("SELECT * FROM request_logs", N);
    assert.equal(logs.length, N);
    assert.ok(logs.every((r) => r.status === "ok"));
    const rows = await gw.waitForRows("SELECT * FROM request_attempts", a.chatRequests().length + b.chatRequests().length);
    assert.equal(rows.length, a.chatRequests().length + b.chatRequests().length, "one attempt row per upstream request");
    assert.equal(logs.reduce((s, r) => s + r.attempts, 0), rows.length);
  });
});

test("when every candidate is rate-limited the client gets 429 with Retry-After and the attempts", async () => {
  const limited = () => ({ status: 429, headers: { "retry-after": "20" }, json: { error: { message: "Rate limit reached", code: "rate_limit_exceeded" } } });
  await scenario(
    limited,
    async ({ gw, client }) => {
      const res = await gw.fetch("/v1/chat/completions", {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }),
      });
      assert.equal(res.status, 429);
      assert.equal(res.headers.get("retry-after"), "20");
      assert.equal(res.headers.get("x-keyaos-attempts"), "2");
      const body = await res.json();
      assert.match(body.error.message, /attempts: openai 429 rate_limited; oaipro 429 rate_limited/);
    },
    { secondary: limited },
  );
});

test("a model fallback list is tried in order, and routing fields never reach the upstream", async () => {
  await scenario(undefined, async ({ a, b, client }) => {
    const reply = await ask(client, { model: "nobody/no-such-model", models: ["openai/gpt-4o-mini"], provider: { order: ["oaipro"] } });
    assert.equal(reply.choices[0].message.content, "Hello from the mock");
    assert.equal(a.chatRequests().length, 0, "provider.order put oaipro first");
    const sent = b.chatRequests()[0].body;
    assert.equal(sent.model, "gpt-4o-mini");
    assert.equal("models" in sent || "provider" in sent, false);
  });
});

test("a credential whose quota is used up is not a candidate", async () => {
  await scenario(undefined, async ({ gw, a, b, client, primaryCred }) => {
    await gw.api("PATCH", `/api/credentials/${primaryCred.id}`, { quota_usd: 0 });
    await ask(client);
    assert.equal(a.chatRequests().length, 0);
    assert.equal(b.chatRequests().length, 1);
    const route = await gw.api("GET", "/api/route?model=openai/gpt-4o-mini");
    assert.ok(route.json.skipped.some((s) => s.credential_id === primaryCred.id && s.reason === "quota used up"));
  });
});
