// STREAM_RELAY=verbatim: after the first content an OpenAI upstream's stream
// reaches the client through the runtime's pipe, byte for byte, while the
// engine meters a copy. Failover before content, the bill, a missing [DONE],
// and the error event that ends a cut or stalled answer all still hold.
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startGateway, ADMIN_TOKEN } from "../support/gateway.js";
import { startMockUpstream, openaiStream } from "../support/mock-upstream.js";

const IDLE_MS = 400;

async function scenario(plan, fn, { secondary } = {}) {
  let chats = 0;
  const onlyChats = (p) => p && ((req) => (req.url.endsWith("/chat/completions") ? p(req, ++chats) : undefined));
  const a = await startMockUpstream("openai", onlyChats(plan));
  const b = await startMockUpstream("oaipro", secondary);
  const gw = await startGateway({
    upstreams: { openai: a.url + "/v1", oaipro: b.url + "/v1" },
    bindings: {
      STREAM_RELAY: "verbatim",
      UPSTREAM_HEADERS_TIMEOUT_MS: String(IDLE_MS),
      UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: String(IDLE_MS),
      UPSTREAM_IDLE_TIMEOUT_MS: String(IDLE_MS),
    },
  });
  try {
    await gw.addCredential("openai", "sk-proj-primarykey0123456", { price_multiplier: 0.5, validate: false });
    await gw.addCredential("oaipro", "sk-secondarykey0123456789", { validate: false });
    const client = new OpenAI({ apiKey: ADMIN_TOKEN, baseURL: gw.url + "/v1", maxRetries: 0 });
    await fn({ gw, a, b, client });
  } finally {
    await gw.close();
    await a.close();
    await b.close();
  }
}

async function raw(gw) {
  const res = await gw.fetch("/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "openai/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "hi" }] }),
  });
  return { res, text: await res.text() };
}

const lastEvent = (text) => JSON.parse(text.trim().split("\n\n").pop().slice("data: ".length));

test("verbatim relay: the upstream's bytes reach the client as sent, split events included, and the answer is billed", async () => {
  const events = openaiStream({ parts: ["Hello", " from", " the", " mock"] });
  // A malformed event after content passes as sent (it is counted), and the
  // first content event is split across two writes.
  events.splice(3, 0, 'data: {"choices":[{"delta":{"content":"x"}\n\n');
  const whole = events.join("");
  // The commit comes with the second piece, which ends inside the next event.
  const cut = whole.indexOf('"Hello"');
  const mid = whole.indexOf('" from"');
  const chunks = [whole.slice(0, cut), whole.slice(cut, mid), whole.slice(mid)];
  await scenario(() => ({ sse: chunks, gapMs: 20 }), async ({ gw }) => {
    const { res, text } = await raw(gw);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("x-keyaos-provider"), "openai");
    assert.equal(text, whole);
    const [log] = await gw.waitForRows("SELECT * FROM request_logs", 1);
    assert.equal(log.status, "ok");
    assert.equal(log.input_tokens, 12);
    assert.equal(log.output_tokens, 4);
    assert.ok(log.effective_cost_nusd > 0);
    const [attempt] = await gw.waitForRows("SELECT * FROM request_attempts", 1);
    assert.match(attempt.error_message, /1 malformed stream event relayed as sent/);
  });
});

test("verbatim relay: a missing [DONE] is appended after the upstream's last byte", async () => {
  const events = openaiStream({ done: false });
  // The last event also lacks its blank line.
  events[events.length - 1] = events[events.length - 1].trimEnd();
  await scenario(() => ({ sse: events }), async ({ gw, client }) => {
    const { text } = await raw(gw);
    assert.ok(text.startsWith(events.join("")), text);
    assert.ok(text.endsWith("\n\ndata: [DONE]\n\n"), text);
    const stream = await client.chat.completions.create({ model: "openai/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "hi" }] });
    let got = "";
    for await (const chunk of stream) got += chunk.choices[0]?.delta?.content ?? "";
    assert.equal(got, "Hello from the mock");
  });
});

// What the client got, up to the end or a break of its response.
async function rawUntilError(gw) {
  const res = await gw.fetch("/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "openai/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "hi" }] }),
  });
  const reader = res.body.getReader();
  let text = "";
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { res, text, broken: false };
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    return { res, text, broken: true };
  }
}

test("verbatim relay: an upstream that closes before finishing gets an error event and no [DONE]", async () => {
  const events = openaiStream({ parts: ["Hello", " from"], finish: false, usage: null, done: false });
  await scenario(() => ({ sse: events, gapMs: 20 }), async ({ gw }) => {
    const { text } = await raw(gw);
    assert.ok(text.startsWith(events.join("")), text);
    assert.doesNotMatch(text, /\[DONE\]/);
    assert.equal(lastEvent(text).error.code, "stream_truncated");
    const [log] = await gw.waitForRows("SELECT * FROM request_logs", 1);
    assert.equal(log.status, "error");
  });
});

test("verbatim relay: a cut answer ends with an error event and no [DONE], and is logged as truncated", async () => {
  await scenario(() => ({ sse: openaiStream(), cutAfter: 3 }), async ({ gw }) => {
    const { text } = await rawUntilError(gw);
    assert.ok(text.startsWith(openaiStream().slice(0, 3).join("")), text);
    assert.doesNotMatch(text, /\[DONE\]/);
    assert.equal(lastEvent(text).error.code, "stream_truncated");
    const [log] = await gw.waitForRows("SELECT * FROM request_logs", 1);
    assert.equal(log.status, "error");
    assert.equal(log.error_class, "stream");
  });
});

test("verbatim relay: a stalled upstream is noticed within the idle timeout and the client's stream ends with an error event", async () => {
  await scenario(() => ({ sse: openaiStream(), stallAfter: 3 }), async ({ gw }) => {
    const t0 = Date.now();
    const { text } = await rawUntilError(gw);
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= IDLE_MS && elapsed < IDLE_MS + 2500, `ended after ${elapsed} ms`);
    assert.doesNotMatch(text, /\[DONE\]/);
    const last = lastEvent(text);
    assert.equal(last.error.code, "stream_truncated");
    assert.match(last.error.message, /no data from the upstream/);
  });
});

test("verbatim relay: a failure before the first content still fails over", async () => {
  await scenario(() => ({ status: 500, json: { error: { message: "boom" } } }), async ({ gw, a, b }) => {
    const { res, text } = await raw(gw);
    assert.equal(res.headers.get("x-keyaos-provider"), "oaipro");
    assert.ok(text.endsWith("data: [DONE]\n\n"));
    assert.equal(a.chatRequests().length, 2); // the one retry of a first 500
    assert.equal(b.chatRequests().length, 1);
  });
});
