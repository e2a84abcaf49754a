// Load with faults: ~1,000 streamed requests at concurrency 50 while the
// cheaper upstream fails 10% of its requests before the headers and cuts 5%
// mid-answer. Every client must get a complete answer or a clear error (never
// a silent truncation), every request exactly one log row, and the billed
// rows must be exactly the complete answers, to the nano-USD.
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startGateway, ADMIN_TOKEN } from "../support/gateway.js";
import { startMockUpstream, openaiStream } from "../support/mock-upstream.js";

const REQUESTS = 1000;
const CONCURRENCY = 50;
const TEXT = "Hello from the mock";

// A small deterministic generator, so a failing run can be replayed.
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

test("1,000 streamed requests at concurrency 50 under faults: complete or clearly failed, logged once, billed exactly", { timeout: 180_000 }, async () => {
  const random = prng(20261201);
  const faults = { before_headers: 0, cut: 0 };
  const chatOnly = (plan) => (req) => (req.url.endsWith("/chat/completions") ? plan(req) : undefined);
  const cheap = await startMockUpstream(
    "openai",
    chatOnly(() => {
      const r = random();
      if (r < 0.05) return (faults.before_headers++, { reset: true });
      if (r < 0.1) return (faults.before_headers++, { status: 503, json: { error: { message: "overloaded", type: "server_error" } } });
      // Cut after the role chunk and two content chunks: past the first content, so it cannot fail over.
      if (r < 0.15) return (faults.cut++, { sse: openaiStream(), cutAfter: 3 });
      return undefined;
    }),
  );
  const pricier = await startMockUpstream("oaipro");
  const gw = await startGateway({
    upstreams: { openai: cheap.url + "/v1", oaipro: pricier.url + "/v1" },
    bindings: { UPSTREAM_HEADERS_TIMEOUT_MS: "5000", UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: "5000", UPSTREAM_IDLE_TIMEOUT_MS: "5000" },
  });
  try {
    await gw.addCredential("openai", "sk-proj-loadcheap0123456", { price_multiplier: 0.5 });
    await gw.addCredential("oaipro", "sk-loadpricier0123456789");
    const client = new OpenAI({ apiKey: ADMIN_TOKEN, baseURL: gw.url + "/v1", maxRetries: 0 });

    const outcomes = [];
    let next = 0;
    async function worker() {
      while (next < REQUESTS) {
        next += 1;
        let text = "";
        let finished = false;
        try {
          const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "hi" }] });
          for await (const chunk of stream) {
            text += chunk.choices[0]?.delta?.content ?? "";
            if (chunk.choices[0]?.finish_reason === "stop") finished = true;
          }
          outcomes.push({ ok: true, text, finished });
        } catch (err) {
          outcomes.push({ ok: false, text, error: err });
        }
      }
    }
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));

    assert.equal(outcomes.length, REQUESTS);
    const complete = outcomes.filter((o) => o.ok);
    const failed = outcomes.filter((o) => !o.ok);
    // A stream that ended without an error is the whole answer, never a prefix of it.
    for (const o of complete) {
      assert.equal(o.text, TEXT, "a stream that ended normally carries the whole answer");
      assert.ok(o.finished, "and its finish_reason");
    }
    // Failures are the mid-answer cuts, reported as errors (the SDK raises on the error event).
    for (const o of failed) assert.ok(o.error instanceof Error && String(o.error.message).length > 0, "a failure is a clear error");
    assert.ok(faults.cut > 0 && faults.before_headers > 0, "the mock injected both kinds of fault");
    assert.equal(failed.length, faults.cut, "only the cuts after the first content reach the client; every fault before the headers failed over");

    const rows = await gw.waitForRows("SELECT * FROM request_logs", REQUESTS, 30_000);
    assert.equal(rows.length, REQUESTS, "one log row per request");
    const billed = rows.filter((r) => r.effective_cost_nusd > 0);
    const okRows = rows.filter((r) => r.status === "ok");
    assert.equal(okRows.length, complete.length, "ok rows are the complete answers");
    assert.equal(billed.length, complete.length, "billed rows are the complete answers");
    assert.ok(rows.filter((r) => r.status !== "ok").every((r) => r.base_cost_nusd === 0 && r.effective_cost_nusd === 0), "errors cost nothing");

    // Every complete answer has the same usage, so each provider's rows all cost the same.
    const costOf = {};
    for (const r of okRows) {
      costOf[r.provider_id] ??= r.effective_cost_nusd;
      assert.equal(r.effective_cost_nusd, costOf[r.provider_id], `every ${r.provider_id} answer costs the same`);
      assert.equal(r.input_tokens, 12);
      assert.equal(r.output_tokens, 4);
    }
    const expectedSum = okRows.reduce((s, r) => s + costOf[r.provider_id], 0);
    const { results } = await gw.db.prepare("SELECT SUM(effective_cost_nusd) AS total, COUNT(*) AS n FROM request_logs").all();
    assert.equal(results[0].total, expectedSum, "the ledger sum is exact");

    // Every upstream request has its attempt row.
    const attempts = await gw.waitForRows("SELECT * FROM request_attempts", cheap.chatRequests().length + pricier.chatRequests().length, 30_000);
    assert.equal(attempts.length, cheap.chatRequests().length + pricier.chatRequests().length, "one attempt row per upstream request");
  } finally {
    await gw.close();
    await cheap.close();
    await pricier.close();
  }
});
