// The relay between upstream and client: only well-formed events reach the
// client, a slow but live non-streamed answer is served once, a stall
// mid-body is reported (not run again elsewhere), and a stranger's body is
// never read.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { ADMIN_TOKEN } from "../support/gateway.js";
import { withPrimaryAndFallback } from "../support/primary-fallback.js";
import { startMockUpstream, openaiStream, openaiCompletion } from "../support/mock-upstream.js";
import { startRecordingServer } from "../support/http-mock.js";

const IDLE_MS = 400;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// "openai" is the primary (cheaper, 0.5 multiplier), "oaipro" the fallback.
// `primary(entry, req, res)` answers the primary's chat calls by hand.
async function scenario(primary, fn) {
  const a = await startRecordingServer(primary);
  const b = await startMockUpstream("oaipro");
  await withPrimaryAndFallback(a, b, { timeoutMs: IDLE_MS, validate: false }, ({ gw, client }) => fn({ gw, a, b, client }));
}

const ask = (client, extra = {}) => client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }], ...extra });
const chats = (server) => server.requests.filter((r) => r.url.endsWith("/chat/completions"));

// Answers the primary's chat call with these SSE events, 5 ms apart.
const sendEvents = (events) => async (entry, req, res) => {
  res.writeHead(200, { "content-type": "text/event-stream" });
  for (const e of events) {
    res.write(e);
    await sleep(5);
  }
  res.end();
};

test("a malformed event after content is dropped: the openai client gets the whole answer", async () => {
  const events = openaiStream({ parts: ["Hello", " from", " the", " mock"] });
  // After the first content chunk: an event whose JSON is cut short.
  events.splice(2, 0, 'data: {"choices":[{"delta":{"content":"x"}\n\n');
  await scenario(sendEvents(events), async ({ gw, a, b, client }) => {
    const stream = await ask(client, { stream: true });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    assert.equal(text, "Hello from the mock");
    assert.equal(chats(a).length, 1);
    assert.equal(chats(b).length, 0);
    const [attempt] = await gw.waitForRows("SELECT * FROM request_attempts WHERE status = 'ok'", 1);
    assert.equal(attempt.provider_id, "openai");
    assert.match(attempt.error_message, /1 malformed stream event dropped/);
    const [log] = await gw.waitForRows("SELECT * FROM request_logs", 1);
    assert.equal(log.status, "ok");
    assert.equal(log.output_tokens, 4);
  });
});

test("an error event after content reaches the client redacted, with no [DONE]", async () => {
  const events = openaiStream({ parts: ["Hello", " from"], finish: false, usage: null, done: false });
  const leak = "Key sk-live0a1b2c3d4e5f6g7h8i9j0k1l2m3n4xyz of billing.owner@example.com was throttled";
  events.push(`data: ${JSON.stringify({ error: { message: leak, type: "server_error", code: "provider_error" } })}\n\n`);
  await scenario(sendEvents(events), async ({ gw, a, client }) => {
    // The openai client throws on the error event, after the content.
    const stream = await ask(client, { stream: true });
    let text = "";
    await assert.rejects(async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    }, (err) => {
      assert.match(err.message, /Key \[redacted\] of \[redacted\] was throttled/);
      assert.doesNotMatch(err.message, /example\.com|sk-live/);
      return true;
    });
    assert.equal(text, "Hello from");
    // The raw stream: content events byte for byte, the error event redacted, no [DONE].
    const res = await fetch(gw.url + "/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }], stream: true }),
    });
    assert.equal(res.status, 200);
    const raw = await res.text();
    assert.ok(raw.startsWith(events.slice(0, 3).join("")), raw);
    assert.doesNotMatch(raw, /\[DONE\]/);
    assert.doesNotMatch(raw, /example\.com|sk-live/);
    const last = JSON.parse(raw.trim().split("\n\n").pop().slice("data: ".length));
    assert.equal(last.error.message, "Key [redacted] of [redacted] was throttled");
    assert.equal(last.error.code, "provider_error");
    assert.equal(chats(a).length, 2);
    // The full text stays in the attempt log under /api.
    const rows = await gw.waitForRows("SELECT * FROM request_attempts WHERE error_message LIKE '%billing.owner@example.com%'", 2);
    assert.equal(rows.length, 2);
  });
});

test("a non-streamed answer that arrives slowly but steadily is served once, by its upstream", async () => {
  const body = JSON.stringify(openaiCompletion({ text: "A long, carefully reasoned answer." }));
  const pieces = 8; // 8 x 200 ms: longer than the idle timeout in total, each gap shorter
  await scenario(async (entry, req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    const size = Math.ceil(body.length / pieces);
    for (let i = 0; i < pieces; i++) {
      res.write(body.slice(i * size, (i + 1) * size));
      await sleep(200);
    }
    res.end();
  }, async ({ gw, a, b, client }) => {
    const t0 = Date.now();
    const { data, response } = await ask(client).withResponse();
    const elapsed = Date.now() - t0;
    assert.equal(response.headers.get("x-keyaos-provider"), "openai");
    assert.equal(chats(a).length, 1, "the upstream was asked once");
    assert.equal(chats(b).length, 0, "and the answer was not run elsewhere");
    assert.equal(data.choices[0].message.content, "A long, carefully reasoned answer.");
    assert.ok(elapsed > IDLE_MS * 2, `the body took longer than the idle timeout (${elapsed} ms)`);
    const rows = await gw.waitForRows("SELECT * FROM request_attempts", 1);
    assert.deepEqual(rows.map((r) => [r.provider_id, r.status]), [["openai", "ok"]]);
  });
});

test("a non-streamed body that stalls mid-way gives a clear error and is not run again elsewhere", async () => {
  const body = JSON.stringify(openaiCompletion());
  await scenario(async (entry, req, res) => {
    res.writeHead(200, { "content-type": "application/json" });
    res.write(body.slice(0, 40)); // then nothing, connection left open
  }, async ({ gw, a, b, client }) => {
    const t0 = Date.now();
    await assert.rejects(ask(client), (err) => {
      assert.equal(err.status, 504);
      assert.equal(err.code, "upstream_timeout");
      assert.match(err.message, /no data from the upstream for 400 ms/);
      assert.match(err.message, /not retried elsewhere/);
      return true;
    });
    const elapsed = Date.now() - t0;
    assert.ok(elapsed >= IDLE_MS && elapsed < IDLE_MS + 3000, `cut after the idle gap (${elapsed} ms)`);
    assert.equal(chats(a).length, 1);
    assert.equal(chats(b).length, 0);
    const [log] = await gw.waitForRows("SELECT * FROM request_logs", 1);
    assert.equal(log.status, "error");
    assert.equal(log.http_status, 504);
    assert.equal(log.effective_cost_nusd, 0);
  });
});

// A POST that sends its headers and 1 MiB of body, then never finishes the body.
function endlessPost(gwUrl, headers) {
  const url = new URL(gwUrl + "/v1/chat/completions");
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", headers: { "content-type": "application/json", ...headers } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () => {
          req.destroy();
          resolve({ status: res.statusCode, text });
        });
      },
    );
    req.on("error", reject);
    req.write('{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"' + "x".repeat(1 << 20));
    // No req.end(): the body never completes.
    setTimeout(() => {
      req.destroy();
      reject(new Error("no answer within 5 s"));
    }, 5000);
  });
}

test("an unauthenticated POST is refused with 401 without its body being read", async () => {
  await scenario(async () => {}, async ({ gw, a }) => {
    for (const headers of [{}, { authorization: "Bearer wrong-token" }]) {
      const t0 = Date.now();
      const { status, text } = await endlessPost(gw.url, headers);
      assert.equal(status, 401);
      const { error } = JSON.parse(text);
      assert.equal(error.type, "authentication_error");
      assert.equal(error.code, "invalid_api_key");
      assert.ok("param" in error);
      assert.ok(Date.now() - t0 < 3000, "answered promptly");
    }
    assert.equal(chats(a).length, 0);
  });
});
