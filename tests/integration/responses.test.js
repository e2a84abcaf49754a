// POST /v1/responses (OpenAI Responses API, as Codex CLI and the OpenAI SDK
// speak it) in front of each upstream protocol: an OpenAI-compatible
// provider, Gemini CLI (Google v1internal) and Kiro, all simulated locally.
// The real `openai` client's responses.stream() accumulator checks every
// stream's event order, indices and item ids.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import http from "node:http";
import OpenAI from "openai";
import { startGateway, ADMIN_TOKEN } from "../support/gateway.js";
import { startMockUpstream, openaiStream, fixture } from "../support/mock-upstream.js";
import { startMockGoogle } from "../support/mock-google.js";
import { startMockKiro } from "../support/mock-kiro.js";

const OPENAI_MODEL = "openai/gpt-4o-mini";
const GOOGLE_MODEL = "google/gemini-2.5-flash";
const KIRO_MODEL = "anthropic/claude-sonnet-4.5";
const KIRO_SOCIAL = { ...JSON.parse(fixture("kiro_auth_token_file_social.json")), refreshToken: "aorSocialInitialxxxxxxxxxxxxxxxxxxxx", expiresAt: "2020-01-01T00:00:00.000Z" };
const GEMINI_CREDS = JSON.stringify({ ...JSON.parse(fixture("gemini_cli_oauth_creds_file.json")), expiry_date: 1 });
const CODEX = JSON.parse(fixture("clients/codex_0.169.0_responses_request.json"));

// What the OpenAI-compatible mock answers next: set per test, reset after.
let plan = null;
let gw, openai, openrouter, google, kiro;

before(async () => {
  openai = await startMockUpstream("openai", (entry, n) => plan?.(entry, n));
  openrouter = await startMockUpstream("openrouter");
  google = await startMockGoogle({ onboarded: true });
  kiro = await startMockKiro({ validRefreshTokens: [KIRO_SOCIAL.refreshToken] });
  gw = await startGateway({
    upstreams: {
      openai: openai.url + "/v1",
      openrouter: openrouter.url + "/api/v1",
      "gemini-cli": google.url,
      "gemini-cli:oauth": google.url,
      kiro: kiro.url,
      "kiro:oauth": kiro.url,
    },
  });
  // The OpenAI key is the cheaper route for gpt-4o-mini; OpenRouter is its failover.
  await gw.addCredential("openai", "sk-proj-cheapkey0123456789abcdef", { price_multiplier: 0.5 });
  await gw.addCredential("openrouter", "sk-or-v1-" + "b".repeat(64), { price_multiplier: 1 });
  await gw.addCredential("gemini-cli", GEMINI_CREDS);
  await gw.addCredential("kiro", JSON.stringify(KIRO_SOCIAL));
});

after(async () => {
  await gw?.close();
  for (const m of [openai, openrouter, google, kiro]) await m?.close();
});

const client = () => new OpenAI({ apiKey: ADMIN_TOKEN, baseURL: gw.url + "/v1", maxRetries: 0 });

async function withPlan(p, fn) {
  plan = p;
  try {
    return await fn();
  } finally {
    plan = null;
  }
}

// OpenAI chat chunks from a list of deltas, then a finish reason and usage.
function chunks(deltas, { finish = "stop", usage = { prompt_tokens: 30, completion_tokens: 9 } } = {}) {
  const base = { id: "chatcmpl-r", object: "chat.completion.chunk", created: 1727346168, model: "gpt-4o-mini" };
  const out = [{ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] }];
  for (const d of deltas) out.push({ ...base, choices: [{ index: 0, delta: d, finish_reason: null }] });
  out.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: finish }] });
  if (usage) out.push({ ...base, choices: [], usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } });
  return [...out.map((e) => `data: ${JSON.stringify(e)}\n\n`), "data: [DONE]\n\n"];
}

const toolCall = (id, name, args) => [
  { tool_calls: [{ index: 0, id, type: "function", function: { name, arguments: "" } }] },
  { tool_calls: [{ index: 0, function: { arguments: args.slice(0, 4) } }] },
  { tool_calls: [{ index: 0, function: { arguments: args.slice(4) } }] },
];

// Streams through the SDK, recording every event type; returns the final response.
const streamed = (params) => streamedVia(params);
async function streamedVia(params) {
  const stream = client().responses.stream(params);
  const types = [];
  let text = "";
  stream.on("event", (e) => types.push(e.type));
  stream.on("response.output_text.delta", (e) => (text += e.delta));
  const response = await stream.finalResponse();
  return { response, types, text };
}

// The raw Responses frames of a POST, for what the SDK does not show.
async function rawEvents(body, headers = {}) {
  const res = await gw.fetch("/v1/responses", {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  const events = text
    .split("\n\n")
    .filter((f) => f.startsWith("event: "))
    .map((f) => {
      const [eventLine, dataLine] = f.split("\n");
      return { event: eventLine.slice(7), data: JSON.parse(dataLine.slice(6)) };
    });
  return { res, events };
}

test("responses.stream() through an OpenAI-compatible upstream: text, usage, what the upstream was sent, the log row", async () => {
  const sentBefore = openai.chatRequests().length;
  const { response, types, text } = await streamed({
    model: OPENAI_MODEL,
    instructions: "Be brief.",
    input: "Say hello",
    max_output_tokens: 50,
    store: false,
    include: ["reasoning.encrypted_content"],
  });
  assert.equal(text, "Hello from the mock");
  assert.equal(response.status, "completed");
  assert.equal(response.output_text, "Hello from the mock");
  assert.equal(response.model, OPENAI_MODEL);
  assert.match(response.id, /^resp_/);
  assert.deepEqual(response.usage, {
    input_tokens: 12,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: 4,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: 16,
  });
  assert.equal(types[0], "response.created");
  assert.equal(types.at(-1), "response.completed");

  const sent = openai.chatRequests()[sentBefore].body;
  assert.deepEqual(sent.messages, [
    { role: "system", content: "Be brief." },
    { role: "user", content: "Say hello" },
  ]);
  assert.equal(sent.max_tokens, 50);
  assert.equal(sent.stream, true);
  assert.equal(sent.stream_options.include_usage, true);
  for (const k of ["input", "instructions", "store", "include", "max_output_tokens"]) assert.ok(!(k in sent), `${k} is not forwarded`);

  const rows = await gw.waitForRows("SELECT * FROM request_logs WHERE api = 'responses' AND status = 'ok'", 1);
  assert.ok(rows.length >= 1, "billed once, as a responses request");
  const logs = await gw.api("GET", "/api/logs?limit=50");
  const row = logs.json.data.find((r) => r.api === "responses");
  assert.ok(row, "the log row names the inbound API");
  assert.equal(row.provider_id, "openai");
  assert.equal(row.input_tokens, 12);
  assert.equal(row.output_tokens, 4);
  assert.ok(row.effective_cost_usd > 0);
  assert.equal(row.stream, true);
});

test("responses.create() without streaming: the same response object", async () => {
  const r = await client().responses.create({ model: OPENAI_MODEL, input: [{ role: "user", content: [{ type: "input_text", text: "hi" }] }] });
  assert.equal(r.object, "response");
  assert.equal(r.status, "completed");
  assert.equal(r.output_text, "Hello from the mock");
  assert.equal(r.output.length, 1);
  assert.equal(r.output[0].type, "message");
  assert.equal(r.output[0].content[0].type, "output_text");
  assert.equal(r.usage.total_tokens, 16);
  assert.equal(r.model, OPENAI_MODEL);
  assert.ok(Number.isInteger(r.created_at));
});

test("reasoning.effort that the model refuses: the same request again without reasoning_effort", async () => {
  const seen = [];
  plan = (entry) => {
    seen.push(entry.body);
    if (entry.body.reasoning_effort) return { status: 400, json: { error: { message: "Unrecognized request argument supplied: reasoning_effort", type: "invalid_request_error", param: null, code: null } } };
    return undefined;
  };
  const r = await client().responses.create({ model: OPENAI_MODEL, reasoning: { effort: "high" }, input: "hi" });
  plan = null;
  assert.equal(r.status, "completed");
  assert.equal(r.output_text, "Hello from the mock");
  assert.deepEqual(seen.map((b) => b.reasoning_effort), ["high", undefined]);
});

test("reasoning deltas become a reasoning item before the message", async () => {
  const sse = chunks([{ reasoning_content: "Think" }, { reasoning_content: "ing." }, { content: "Done." }], {
    usage: { prompt_tokens: 20, completion_tokens: 10, completion_tokens_details: { reasoning_tokens: 6 } },
  });
  await withPlan(
    () => ({ sse }),
    async () => {
      const { response, types } = await streamed({ model: OPENAI_MODEL, input: "think", reasoning: { effort: "low", summary: "auto" } });
      assert.deepEqual(response.output.map((o) => o.type), ["reasoning", "message"]);
      assert.deepEqual(response.output[0].summary, [{ type: "summary_text", text: "Thinking." }]);
      assert.equal(response.output_text, "Done.");
      assert.equal(response.usage.output_tokens_details.reasoning_tokens, 6);
      assert.ok(types.includes("response.reasoning_summary_text.delta"));
      assert.equal(openai.chatRequests().at(-1).body.reasoning_effort, "low");
    },
  );
});

const weatherTool = { type: "function", name: "weather", description: "Weather of a city.", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } };

test("a function tool round trip through an OpenAI-compatible upstream", async () => {
  await withPlan(
    (entry) => {
      const last = entry.body.messages.at(-1);
      if (last.role === "tool") return { sse: chunks([{ content: `It is ${last.content}.` }]) };
      return { sse: chunks([{ content: "Checking." }, ...toolCall("call_w1", "weather", '{"city":"Paris"}')], { finish: "tool_calls" }) };
    },
    async () => {
      const first = await streamed({ model: OPENAI_MODEL, input: "Weather in Paris?", tools: [weatherTool] });
      assert.deepEqual(first.response.output.map((o) => o.type), ["message", "function_call"]);
      const call = first.response.output[1];
      assert.equal(call.call_id, "call_w1");
      assert.equal(call.name, "weather");
      assert.deepEqual(JSON.parse(call.arguments), { city: "Paris" });
      assert.equal(call.status, "completed");
      const sentTools = openai.chatRequests().at(-1).body.tools;
      assert.deepEqual(sentTools, [{ type: "function", function: { name: "weather", description: "Weather of a city.", parameters: weatherTool.parameters } }]);

      const second = await streamed({
        model: OPENAI_MODEL,
        tools: [weatherTool],
        input: [
          { role: "user", content: "Weather in Paris?" },
          ...first.response.output,
          { type: "function_call_output", call_id: "call_w1", output: "21C" },
        ],
      });
      assert.equal(second.response.output_text, "It is 21C.");
      const messages = openai.chatRequests().at(-1).body.messages;
      assert.deepEqual(messages.slice(1), [
        { role: "assistant", content: "Checking.", tool_calls: [{ id: "call_w1", type: "function", function: { name: "weather", arguments: '{"city":"Paris"}' } }] },
        { role: "tool", tool_call_id: "call_w1", content: "21C" },
      ]);
    },
  );
});

test("a custom tool (Codex's apply_patch) round trip: a one-string function upstream, custom_tool_call for the client", async () => {
  const patch = "*** Begin Patch\n*** Add File: hello.txt\n+hi\n*** End Patch";
  const applyPatch = { type: "custom", name: "apply_patch", description: "Edit files.", format: { type: "grammar", syntax: "lark", definition: "start: begin_patch hunk+ end_patch" } };
  await withPlan(
    (entry) => {
      const last = entry.body.messages.at(-1);
      if (last.role === "tool") return { sse: chunks([{ content: "Patched." }]) };
      return { sse: chunks(toolCall("call_p1", "apply_patch", JSON.stringify({ input: patch })), { finish: "tool_calls" }) };
    },
    async () => {
      const first = await streamed({ model: OPENAI_MODEL, input: "Add hello.txt", tools: [applyPatch] });
      const fn = openai.chatRequests().at(-1).body.tools[0].function;
      assert.equal(fn.name, "apply_patch");
      assert.deepEqual(fn.parameters.required, ["input"]);
      assert.ok(fn.description.includes("start: begin_patch hunk+ end_patch"), "the grammar reaches the model");
      assert.equal(first.response.output.length, 1);
      const call = first.response.output[0];
      assert.equal(call.type, "custom_tool_call");
      assert.equal(call.name, "apply_patch");
      assert.equal(call.call_id, "call_p1");
      assert.equal(call.input, patch);
      assert.ok(first.types.includes("response.custom_tool_call_input.delta"));

      const second = await streamed({
        model: OPENAI_MODEL,
        tools: [applyPatch],
        input: [{ role: "user", content: "Add hello.txt" }, call, { type: "custom_tool_call_output", call_id: "call_p1", output: "Success." }],
      });
      assert.equal(second.response.output_text, "Patched.");
      const messages = openai.chatRequests().at(-1).body.messages;
      assert.deepEqual(messages[1].tool_calls[0].function, { name: "apply_patch", arguments: JSON.stringify({ input: patch }) });
      assert.deepEqual(messages[2], { role: "tool", tool_call_id: "call_p1", content: "Success." });
    },
  );
});

for (const [label, model, provider] of [
  ["Gemini CLI (Google v1internal)", GOOGLE_MODEL, "gemini-cli"],
  ["Kiro", KIRO_MODEL, "kiro"],
]) {
  test(`${label}: text, then a function tool round trip, streamed and not`, async () => {
    // The gateway's routing field pins the upstream (OpenRouter offers these models too).
    const streamed = (params) => streamedVia({ ...params, provider });
    const hello = await streamed({ model, input: "hi" });
    assert.equal(hello.response.status, "completed");
    assert.match(hello.response.output_text, /^Hello from (Gemini|Kiro)\.$/);
    assert.ok(hello.response.usage.input_tokens > 0 && hello.response.usage.output_tokens > 0);

    const first = await streamed({ model, input: "Weather in Paris?", tools: [weatherTool] });
    const call = first.response.output.find((o) => o.type === "function_call");
    assert.ok(call, "the upstream's tool call reaches the client");
    assert.equal(call.name, "weather");
    assert.ok(call.call_id);
    assert.deepEqual(JSON.parse(call.arguments), { city: "Paris" });
    const again = await client().responses.create({
      model,
      provider,
      tools: [weatherTool],
      input: [{ role: "user", content: "Weather in Paris?" }, call, { type: "function_call_output", call_id: call.call_id, output: '{"temp":"21C"}' }],
    });
    assert.equal(again.status, "completed");
    assert.match(again.output_text, /^The tool said: .*21C/);
    const rows = await gw.waitForRows(`SELECT * FROM request_logs WHERE api = 'responses' AND provider_id = '${provider}' AND status = 'ok'`, 3);
    assert.equal(rows.length, 3, "each request billed to the pinned upstream");
  });
}

test("errors before the stream: OpenAI shape with param; the SDK throws the matching error", async () => {
  await assert.rejects(client().responses.create({ model: OPENAI_MODEL, input: "x", previous_response_id: "resp_123" }), (e) => {
    assert.equal(e.status, 400);
    assert.equal(e.error.param, "previous_response_id");
    assert.equal(e.error.type, "invalid_request_error");
    assert.match(e.message, /keeps no responses/);
    return true;
  });
  await assert.rejects(client().responses.create({ model: OPENAI_MODEL, input: "x", max_output_tokens: 0 }), (e) => e.status === 400 && e.error.param === "max_output_tokens");
  await assert.rejects(client().responses.stream({ model: "nobody/no-such-model", input: "x" }).finalResponse(), (e) => e.status === 404);
  // The upstream's own 4xx comes back as it is, and is not failed over.
  await withPlan(
    () => ({ status: 400, json: { error: { message: "This model's maximum context length is 128000 tokens.", type: "invalid_request_error", param: "messages", code: "context_length_exceeded" } } }),
    async () => {
      const before = openrouter.chatRequests().length;
      await assert.rejects(client().responses.stream({ model: OPENAI_MODEL, input: "long" }).finalResponse(), (e) => e.status === 400 && e.error.code === "context_length_exceeded");
      assert.equal(openrouter.chatRequests().length, before);
    },
  );
  const unauth = await fetch(gw.url + "/v1/responses", { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
  assert.equal(unauth.status, 401);
  assert.equal((await unauth.json()).error.type, "authentication_error");
});

test("a stream that breaks after its first event ends with response.failed; the SDK throws", async () => {
  const sse = chunks([{ content: "Partial " }, { content: "answer" }, { content: " never finished" }]);
  await withPlan(
    () => ({ sse, cutAfter: 3 }),
    async () => {
      const { res, events } = await rawEvents({ model: OPENAI_MODEL, input: "x", stream: true });
      assert.equal(res.status, 200);
      const types = events.map((e) => e.event);
      assert.equal(types[0], "response.created");
      const failed = events.find((e) => e.event === "response.failed");
      assert.ok(failed, `response.failed arrives (got ${types.join(", ")})`);
      assert.equal(failed.data.response.status, "failed");
      assert.equal(failed.data.response.error.code, "server_error");
      assert.ok(!types.includes("response.completed"));
      events.forEach((e, i) => assert.equal(e.data.sequence_number, i));

      let sawFailed = false;
      const stream = client().responses.stream({ model: OPENAI_MODEL, input: "x" });
      stream.on("response.failed", () => (sawFailed = true));
      await assert.rejects(stream.finalResponse(), (e) => e instanceof OpenAI.APIError);
      assert.ok(sawFailed, "the SDK saw response.failed before throwing");
    },
  );
  const rows = await gw.waitForRows("SELECT * FROM request_logs WHERE api = 'responses' AND status != 'ok'", 1);
  assert.ok(rows.length >= 1, "the broken stream is logged as failed");
});

test("a length stop ends as response.incomplete", async () => {
  await withPlan(
    () => ({ sse: chunks([{ content: "cut sho" }], { finish: "length" }) }),
    async () => {
      const { response, types } = await streamed({ model: OPENAI_MODEL, input: "x", max_output_tokens: 2 });
      assert.equal(response.status, "incomplete");
      assert.deepEqual(response.incomplete_details, { reason: "max_output_tokens" });
      assert.equal(types.at(-1), "response.incomplete");
    },
  );
});

test("the real Codex 0.169.0 request is accepted and answered as Codex reads it", async () => {
  const body = { ...CODEX.body, model: OPENAI_MODEL };
  const headers = Object.fromEntries(Object.entries(CODEX.headers).filter(([k]) => !["authorization", "content-type"].includes(k)));
  await withPlan(
    () => ({ sse: chunks([{ content: "The file says " }, { content: "hello." }, ...toolCall("call_c1", "exec_command", '{"cmd":"cat marker.txt"}')], { finish: "tool_calls" }) }),
    async () => {
      const { res, events } = await rawEvents(body, headers);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type"), /text\/event-stream/);
      const types = events.map((e) => e.event);
      assert.deepEqual(types.slice(0, 2), ["response.created", "response.in_progress"]);
      assert.equal(types.at(-1), "response.completed");
      const done = events.filter((e) => e.event === "response.output_item.done").map((e) => e.data.item);
      assert.deepEqual(done.map((i) => i.type), ["message", "function_call"]);
      assert.equal(done[1].name, "exec_command");
      assert.equal(done[1].call_id, "call_c1");
      const completed = events.at(-1).data.response;
      assert.deepEqual(completed.output, done, "response.completed carries every item");
      for (const k of ["input_tokens", "output_tokens", "total_tokens"]) assert.ok(Number.isInteger(completed.usage[k]));
      assert.ok(Number.isInteger(completed.usage.input_tokens_details.cached_tokens));
      assert.ok(Number.isInteger(completed.usage.output_tokens_details.reasoning_tokens));

      const sent = openai.chatRequests().at(-1).body;
      assert.equal(sent.messages[0].role, "system");
      assert.ok(sent.tools.some((t) => t.function.name === "multi_agent_v1__close_agent"), "namespace tools are flattened");
      assert.ok(!sent.tools.some((t) => t.type !== "function"), "hosted tools are dropped");
      assert.equal(sent.prompt_cache_key, "<uuid>");
    },
  );
});

test("Codex's other calls: a WebSocket GET gets 426, /responses/compact and stored responses 404", async () => {
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  // fetch() may not send Upgrade, so the handshake goes by node:http as a WebSocket client sends it.
  const ws = await new Promise((resolve, reject) => {
    const req = http.request(gw.url + "/v1/responses", {
      headers: { ...auth, upgrade: "websocket", connection: "Upgrade", "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "openai-beta": "responses_websockets=2026-02-06" },
    });
    req.on("upgrade", () => reject(new Error("the gateway accepted a WebSocket")));
    req.on("response", (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, json: async () => JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end();
  });
  assert.equal(ws.status, 426);
  const wsBody = await ws.json();
  assert.equal(wsBody.error.code, "websocket_not_supported");
  assert.equal(wsBody.error.type, "invalid_request_error");

  const compact = await gw.fetch("/v1/responses/compact", { method: "POST", headers: { ...auth, "content-type": "application/json" }, body: JSON.stringify({ model: OPENAI_MODEL, input: [] }) });
  assert.equal(compact.status, 404);
  assert.equal((await compact.json()).error.code, "not_found");

  const stored = await gw.fetch("/v1/responses/resp_abc", { headers: auth });
  assert.equal(stored.status, 404);
  assert.equal((await stored.json()).error.code, "not_found");

  const get = await gw.fetch("/v1/responses", { headers: auth });
  assert.equal(get.status, 405);
});

// Last: the failed attempts may cool the OpenAI key down for the tests after it.
test("failover before the first event: the next upstream answers, the client sees one clean stream", async () => {
  const before = openrouter.chatRequests().length;
  await withPlan(
    () => ({ status: 503, json: { error: { message: "overloaded", type: "server_error" } } }),
    async () => {
      const res = await gw.fetch("/v1/responses", {
        method: "POST",
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
        body: JSON.stringify({ model: OPENAI_MODEL, input: "x", stream: true }),
      });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("x-keyaos-provider"), "openrouter");
      assert.equal(res.headers.get("x-keyaos-attempts"), "2");
      const body = await res.text();
      assert.equal(body.split("event: response.created").length, 2, "one response.created");
      assert.ok(body.includes("event: response.completed"));
      const { response } = await streamed({ model: OPENAI_MODEL, input: "x" });
      assert.equal(response.output_text, "Hello from the mock");
    },
  );
  assert.equal(openrouter.chatRequests().length, before + 2);
});
