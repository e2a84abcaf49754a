// Billing through the real Worker: every successful request billed exactly
// once, to the right amount, whatever the stream looked like.
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startGateway, ADMIN_TOKEN } from "../support/gateway.js";
import { startMockUpstream, openaiStream, fixture } from "../support/mock-upstream.js";

async function withGateway(upstreams, fn) {
  const mocks = {};
  // Plans apply to chat requests only (credential checks on add get a normal answer).
  for (const [id, handler] of Object.entries(upstreams))
    mocks[id] = await startMockUpstream(id, (req) => (req.url.endsWith("/chat/completions") ? handler(req) : undefined));
  const urls = Object.fromEntries(Object.entries(mocks).map(([id, m]) => [id, m.url + (id === "openrouter" ? "/api/v1" : "/v1")]));
  const gw = await startGateway({ upstreams: urls });
  try {
    await fn({ gw, mocks, client: new OpenAI({ apiKey: ADMIN_TOKEN, baseURL: gw.url + "/v1", maxRetries: 0 }) });
  } finally {
    await gw.close();
    for (const m of Object.values(mocks)) await m.close();
  }
}

test("upstream-reported costs are billed exactly (OpenRouter usage.cost, DeepInfra estimated_cost)", async () => {
  const openrouterBody = fixture("openrouter_chat_response_real.json");
  const deepinfraBody = fixture("deepinfra_chat_response_estimated_cost.json");
  await withGateway({ openrouter: () => ({ text: openrouterBody }), deepinfra: () => ({ text: deepinfraBody }) }, async ({ gw, client }) => {
    await gw.addCredential("openrouter", "sk-or-v1-" + "c".repeat(64), { price_multiplier: 0.5 });
    await gw.addCredential("deepinfra", "deepinfra-key-0123456789");
    await client.chat.completions.create({ model: "google/gemini-2.5-flash", messages: [{ role: "user", content: "x" }] });
    // OpenRouter at 0.5x would be cheaper; the request pins DeepInfra.
    await client.chat.completions.create({ model: "qwen/qwen3-235b-a22b-2507", provider: "deepinfra", messages: [{ role: "user", content: "x" }] });
    const rows = await gw.waitForRows("SELECT * FROM request_logs ORDER BY created_at", 2);
    const byProvider = Object.fromEntries(rows.map((r) => [r.provider_id, r]));
    // 2 x $0.30/M + 362 x $2.50/M = $0.0009056, as OpenRouter reported it; the 0.5 multiplier halves it.
    assert.equal(byProvider.openrouter.base_cost_nusd, 905600);
    assert.equal(byProvider.openrouter.effective_cost_nusd, 452800);
    assert.equal(byProvider.openrouter.cost_source, "upstream");
    assert.equal(byProvider.openrouter.reasoning_tokens, 356);
    // 1695 x $0.13/M + 203 x $0.60/M = $0.00034215
    assert.equal(byProvider.deepinfra.base_cost_nusd, 342150);
    assert.equal(byProvider.deepinfra.effective_cost_nusd, 342150);
  });
});

test("cached prompt tokens are billed at the cache-read price", async () => {
  const usage = { prompt_tokens: 1000, completion_tokens: 100, prompt_tokens_details: { cached_tokens: 800 } };
  await withGateway({ openai: () => ({ sse: openaiStream({ usage }) }) }, async ({ gw, client }) => {
    await gw.addCredential("openai", "sk-proj-cachekey0123456");
    const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "x" }] });
    for await (const _ of stream);
    const [row] = await gw.waitForRows("SELECT * FROM request_logs", 1);
    // 200 x 0.15 + 800 x 0.075 + 100 x 0.60 per M = $0.00015
    assert.equal(row.cached_tokens, 800);
    assert.equal(row.base_cost_nusd, 150000);
  });
});

test("a stream that reports usage on many events is billed once, with the final numbers", async () => {
  const chunks = openaiStream({ usage: null });
  const snapshot = (n) => `data: ${JSON.stringify({ id: "x", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: [], usage: { prompt_tokens: 50, completion_tokens: n, total_tokens: 50 + n } })}\n\n`;
  const sse = [chunks[0], snapshot(1), chunks[1], snapshot(2), chunks[2], snapshot(3), ...chunks.slice(3, -1), snapshot(9), chunks.at(-1)];
  await withGateway({ openai: () => ({ sse }) }, async ({ gw, client }) => {
    await gw.addCredential("openai", "sk-proj-snapkey01234567");
    const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "x" }] });
    for await (const _ of stream);
    await new Promise((r) => setTimeout(r, 300));
    const rows = await gw.waitForRows("SELECT * FROM request_logs", 1);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].input_tokens, 50);
    assert.equal(rows[0].output_tokens, 9);
  });
});

test("200 concurrent streamed requests leave exactly 200 billed rows that add up", async () => {
  let n = 0;
  const expected = [];
  await withGateway(
    {
      openai: () => {
        n += 1;
        const usage = { prompt_tokens: 10 + n, completion_tokens: (n % 7) + 1 };
        expected.push(usage);
        return { sse: openaiStream({ usage }) };
      },
    },
    async ({ gw, client }) => {
      await gw.addCredential("openai", "sk-proj-loadkey012345678");
      const N = 200;
      await Promise.all(
        Array.from({ length: N }, async () => {
          const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "x" }] });
          for await (const _ of stream);
        }),
      );
      const rows = await gw.waitForRows("SELECT * FROM request_logs WHERE status = 'ok'", N, 20000);
      assert.equal(rows.length, N);
      const nano = (u) => Math.round(u.prompt_tokens * 150 + u.completion_tokens * 600); // $0.15/$0.60 per M in nano-USD per token
      assert.equal(rows.reduce((s, r) => s + r.base_cost_nusd, 0), expected.reduce((s, u) => s + nano(u), 0));
      assert.equal(rows.reduce((s, r) => s + r.input_tokens, 0), expected.reduce((s, u) => s + u.prompt_tokens, 0));
      const usage = await gw.api("GET", "/api/usage?days=1");
      assert.equal(usage.json.totals.requests, N);
    },
  );
});

test("a client that leaves mid-stream is billed once, for what the upstream produced", async () => {
  await withGateway({ openai: () => ({ sse: openaiStream({ parts: Array(20).fill(" word"), usage: { prompt_tokens: 10, completion_tokens: 20 } }), gapMs: 30 }) }, async ({ gw, mocks }) => {
    await gw.addCredential("openai", "sk-proj-abortkey0123456");
    const controller = new AbortController();
    const res = await gw.fetch("/v1/chat/completions", {
      method: "POST",
      signal: controller.signal,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "openai/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "x" }] }),
    });
    const reader = res.body.getReader();
    await reader.read();
    controller.abort();
    const rows = await gw.waitForRows("SELECT * FROM request_logs", 1, 8000);
    await new Promise((r) => setTimeout(r, 500));
    const again = await gw.waitForRows("SELECT * FROM request_logs", 1);
    assert.equal(again.length, 1, "exactly one row");
    assert.equal(rows[0].status, "ok");
    assert.equal(rows[0].output_tokens, 20, "the upstream's full answer is billed");
    assert.equal(rows[0].base_cost_nusd, 10 * 150 + 20 * 600);
    assert.equal(mocks.openai.chatRequests().length, 1);
  });
});

test("without upstream usage the row is estimated and says so", async () => {
  await withGateway({ openai: () => ({ sse: openaiStream({ usage: null }) }) }, async ({ gw, client }) => {
    await gw.addCredential("openai", "sk-proj-estkey012345678");
    const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "x" }] });
    for await (const _ of stream);
    const [row] = await gw.waitForRows("SELECT * FROM request_logs", 1);
    assert.equal(row.usage_estimated, 1);
    assert.ok(row.output_tokens > 0 && row.input_tokens > 0);
  });
});

test("under mixed faults, billed rows match successful responses and errors cost nothing", async () => {
  const faults = [{ status: 500, json: { error: { message: "x" } } }, { sse: openaiStream(), cutAfter: 2 }, undefined, { status: 400, json: { error: { message: "bad", code: "invalid_value" } } }];
  let i = 0;
  await withGateway({ openai: () => faults[i++ % faults.length] }, async ({ gw, client }) => {
    await gw.addCredential("openai", "sk-proj-mixkey012345678");
    let ok = 0;
    for (let k = 0; k < 12; k++) {
      try {
        const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "x" }] });
        for await (const _ of stream);
        ok += 1;
      } catch {}
    }
    const rows = await gw.waitForRows("SELECT * FROM request_logs", 12);
    assert.equal(rows.length, 12);
    assert.equal(rows.filter((r) => r.status === "ok").length, ok);
    assert.ok(rows.filter((r) => r.status === "error").every((r) => r.base_cost_nusd === 0 && r.effective_cost_nusd === 0));
  });
});
