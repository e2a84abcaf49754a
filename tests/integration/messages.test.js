// POST /v1/messages and /v1/messages/count_tokens with the real Anthropic SDK,
// against mock upstreams of every protocol: OpenAI-compatible (OpenAI,
// OpenRouter), Google v1internal (Gemini CLI) and Kiro.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import { startGateway, ADMIN_TOKEN } from "../support/gateway.js";
import { startMockUpstream, openaiStream, openaiCompletion, fixture } from "../support/mock-upstream.js";
import { startMockGoogle } from "../support/mock-google.js";
import { startMockKiro } from "../support/mock-kiro.js";

const base = { id: "chatcmpl-x", object: "chat.completion.chunk", created: 1, model: "m" };
const sse = (...events) => [...events.map((e) => `data: ${JSON.stringify(e)}\n\n`), "data: [DONE]\n\n"];
const delta = (d, finish = null) => ({ ...base, choices: [{ index: 0, delta: d, finish_reason: finish }] });
const usageChunk = (u) => ({ ...base, choices: [], usage: u });

let gw, openai, openrouter;
let plan = null; // the next answer of the OpenAI-compatible mocks
before(async () => {
  const handler = (entry, n) => (plan ? plan(entry, n) : undefined);
  openai = await startMockUpstream("openai", handler);
  openrouter = await startMockUpstream("openrouter", handler);
  gw = await startGateway({ upstreams: { openai: openai.url + "/v1", openrouter: openrouter.url + "/api/v1" }, bindings: { STREAM_KEEPALIVE_MS: "150" } });
  await gw.addCredential("openai", "sk-proj-messageskey0123456789abcd", { price_multiplier: 0.5 });
  await gw.addCredential("openrouter", "sk-or-v1-" + "b".repeat(64), { price_multiplier: 1 });
});
after(async () => {
  await gw?.close();
  await openai?.close();
  await openrouter?.close();
});
const client = (opts = {}) => new Anthropic({ apiKey: ADMIN_TOKEN, baseURL: gw.url, maxRetries: 0, ...opts });

test("messages.stream: thinking then text; usage with cache tokens; the billing row records them", async () => {
  plan = () => ({
    sse: sse(
      delta({ role: "assistant", content: "" }),
      delta({ reasoning: "Let me think." }),
      delta({ content: "Hello" }),
      delta({ content: " there" }),
      delta({}, "stop"),
      usageChunk({ prompt_tokens: 1000, completion_tokens: 9, total_tokens: 1009, prompt_tokens_details: { cached_tokens: 800, cache_write_tokens: 100 } }),
    ),
  });
  const before = openrouter.chatRequests().length;
  const stream = client().messages.stream({
    model: "claude-sonnet-4-5-20250929",
    max_tokens: 2000,
    thinking: { type: "enabled", budget_tokens: 1024 },
    system: [{ type: "text", text: "x-anthropic-billing-header: cc_version=2.1.0.abc; cch=12345;" }, { type: "text", text: "Be brief." }],
    messages: [{ role: "user", content: "hi" }],
  });
  let thinking = "";
  let text = "";
  stream.on("thinking", (d) => (thinking += d));
  stream.on("text", (d) => (text += d));
  const msg = await stream.finalMessage();
  plan = null;
  assert.equal(thinking, "Let me think.");
  assert.equal(text, "Hello there");
  assert.deepEqual(msg.content.map((b) => b.type), ["thinking", "text"]);
  assert.ok(msg.content[0].signature.length > 0, "the thinking block is signed so clients keep it");
  assert.equal(msg.model, "claude-sonnet-4-5-20250929");
  assert.equal(msg.stop_reason, "end_turn");
  assert.equal(msg.usage.input_tokens, 100);
  assert.equal(msg.usage.cache_read_input_tokens, 800);
  assert.equal(msg.usage.cache_creation_input_tokens, 100);
  assert.equal(msg.usage.output_tokens, 9);

  // The Anthropic name was routed to the catalogue's anthropic/claude-sonnet-4.5 (OpenRouter offers it).
  assert.equal(openrouter.chatRequests().length, before + 1);
  const sent = openrouter.chatRequests().at(-1).body;
  assert.equal(sent.model, "anthropic/claude-sonnet-4.5");
  assert.equal(sent.reasoning_effort, "low");
  assert.deepEqual(sent.messages[0], { role: "system", content: "Be brief." });
  assert.equal(sent.stream_options.include_usage, true);

  const rows = await gw.waitForRows("SELECT * FROM request_logs WHERE model_id = 'anthropic/claude-sonnet-4.5'", 1);
  assert.equal(rows.length, 1);
  const logs = await gw.api("GET", "/api/logs?limit=1");
  const row = logs.json.data[0];
  assert.equal(row.status, "ok");
  assert.equal(row.api, "messages");
  assert.equal(row.cached_tokens, 800);
  assert.equal(row.cache_write_tokens, 100);
  assert.equal(row.input_tokens, 1000);
});

test("a tool-use round trip: tool_use streamed with parsed input, the result goes back as a tool message", async () => {
  const longName = "mcp__filesystem_server_with_a_long_name__read_text_file_from_disk_now";
  assert.ok(longName.length > 64);
  plan = () => ({
    sse: sse(
      delta({ role: "assistant", content: null, tool_calls: [{ index: 0, id: "call_abc", type: "function", function: { name: openai.lastTool, arguments: "" } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '{"path":' } }] }),
      delta({ tool_calls: [{ index: 0, function: { arguments: '"/tmp/a"}' } }] }),
      delta({}, "tool_calls"),
      usageChunk({ prompt_tokens: 30, completion_tokens: 5, total_tokens: 35 }),
    ),
  });
  const tools = [{ name: longName, description: "Reads a file", input_schema: { type: "object", properties: { path: { type: "string" } }, required: ["path"] } }];
  // The mock answers with the upstream (shortened) name it was given.
  const realPlan = plan;
  plan = (entry, n) => {
    openai.lastTool = entry.body.tools?.[0]?.function?.name;
    return realPlan(entry, n);
  };
  const first = await client().messages.stream({ model: "openai/gpt-4o-mini", max_tokens: 100, tools, messages: [{ role: "user", content: "read /tmp/a" }] }).finalMessage();
  assert.equal(first.stop_reason, "tool_use");
  assert.equal(first.content.length, 1);
  const use = first.content[0];
  assert.equal(use.type, "tool_use");
  assert.equal(use.name, longName, "the client's tool name comes back");
  assert.equal(use.id, "call_abc");
  assert.deepEqual(use.input, { path: "/tmp/a" });
  assert.ok(openai.lastTool.length <= 64);

  plan = () => ({ sse: openaiStream({ parts: ["The file says hi."] }) });
  const second = await client().messages.stream({
    model: "openai/gpt-4o-mini",
    max_tokens: 100,
    tools,
    messages: [
      { role: "user", content: "read /tmp/a" },
      { role: "assistant", content: [{ type: "text", text: "Reading." }, use] },
      { role: "user", content: [{ type: "text", text: "here" }, { type: "tool_result", tool_use_id: use.id, content: "hi" }] },
    ],
  }).finalMessage();
  plan = null;
  assert.equal(second.content[0].text, "The file says hi.");
  const sent = openai.chatRequests().at(-1).body;
  assert.deepEqual(sent.messages.map((m) => m.role), ["user", "assistant", "tool", "user"]);
  assert.equal(sent.messages[1].tool_calls[0].function.name, openai.lastTool);
  assert.equal(sent.messages[1].content, "Reading.");
  assert.deepEqual(sent.messages[2], { role: "tool", tool_call_id: "call_abc", content: "hi" });
});

test("an image reaches the upstream as a data URL; messages.create answers a whole message", async () => {
  plan = () => ({ json: openaiCompletion({ text: "A red dot.", usage: { prompt_tokens: 50, completion_tokens: 3 } }) });
  const msg = await client().messages.create({
    model: "openai/gpt-4o-mini",
    max_tokens: 50,
    messages: [{ role: "user", content: [{ type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } }, { type: "text", text: "what?" }] }],
  });
  plan = null;
  assert.equal(msg.type, "message");
  assert.equal(msg.role, "assistant");
  assert.ok(msg.id.startsWith("msg_"));
  assert.deepEqual(msg.content, [{ type: "text", text: "A red dot." }]);
  assert.equal(msg.stop_reason, "end_turn");
  assert.equal(msg.usage.input_tokens, 50);
  assert.equal(msg.usage.output_tokens, 3);
  const sent = openai.chatRequests().at(-1).body;
  assert.equal(sent.stream, undefined);
  assert.deepEqual(sent.messages[0].content[0], { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } });
});

test("count_tokens answers an estimate; model aliases route an Anthropic name anywhere", async () => {
  const count = await client().messages.countTokens({ model: "claude-sonnet-4-5", messages: [{ role: "user", content: "hello ".repeat(400) }] });
  assert.ok(count.input_tokens >= 500 && count.input_tokens <= 1000, String(count.input_tokens));

  const put = await gw.api("PUT", "/api/model-aliases/claude-3-5-haiku", { model: "openai/gpt-4o-mini" });
  assert.equal(put.status, 200, put.text);
  assert.equal((await gw.api("PUT", "/api/model-aliases/x", { model: "nobody/nothing" })).status, 400);
  const list = await gw.api("GET", "/api/model-aliases");
  assert.deepEqual(list.json.data.map((a) => [a.alias, a.model]), [["claude-3-5-haiku", "openai/gpt-4o-mini"]]);
  plan = () => ({ sse: openaiStream({ parts: ["aliased"] }) });
  const msg = await client().messages.stream({ model: "claude-3-5-haiku-latest", max_tokens: 20, messages: [{ role: "user", content: "x" }] }).finalMessage();
  plan = null;
  assert.equal(msg.content[0].text, "aliased");
  assert.equal(msg.model, "claude-3-5-haiku-latest");
  assert.equal(openai.chatRequests().at(-1).body.model, "gpt-4o-mini");
  assert.equal((await gw.api("DELETE", "/api/model-aliases/claude-3-5-haiku")).status, 200);
  assert.equal((await gw.api("DELETE", "/api/model-aliases/claude-3-5-haiku")).status, 404);
});

test("count_tokens refuses a body that is not a Messages request in Anthropic's shape, and bills nothing", async () => {
  const before = (await gw.api("GET", "/api/logs?limit=200")).json.data.length;
  for (const body of ['{"model":"claude-sonnet-4-5"}', "not json", '{"model":"claude-sonnet-4-5","messages":"hi"}']) {
    const res = await gw.fetch("/v1/messages/count_tokens", { method: "POST", headers: { "x-api-key": ADMIN_TOKEN, "content-type": "application/json" }, body });
    assert.equal(res.status, 400, body);
    const json = await res.json();
    assert.equal(json.type, "error");
    assert.equal(json.error.type, "invalid_request_error");
    assert.ok(json.error.message.length > 0);
  }
  await assert.rejects(client().messages.countTokens({ model: "claude-sonnet-4-5", messages: [] }), (e) => e instanceof Anthropic.BadRequestError);
  assert.equal((await gw.api("GET", "/api/logs?limit=200")).json.data.length, before);
});

test("the real Claude Code request is accepted and answered as an Anthropic stream", async () => {
  const cc = JSON.parse(fixture("clients/claude_code_2.1.328_messages_request.json"));
  assert.equal((await gw.api("PUT", "/api/model-aliases/ag/agent", { model: "openai/gpt-4o-mini" })).status, 200);
  plan = () => ({ sse: openaiStream({ parts: ["Done."] }) });
  const headers = { ...cc.headers, authorization: `Bearer ${ADMIN_TOKEN}` };
  delete headers["accept-encoding"];
  delete headers.connection;
  const res = await gw.fetch(cc.request_line.split(" ")[1], { method: "POST", headers, body: JSON.stringify(cc.body) });
  plan = null;
  assert.equal(res.status, 200);
  const text = await res.text();
  const events = text.trim().split("\n\n").map((f) => f.split("\n")[0].replace("event: ", ""));
  assert.equal(events[0], "message_start");
  assert.equal(events.at(-1), "message_stop");
  assert.ok(events.includes("content_block_delta"));
  const sent = openai.chatRequests().at(-1).body;
  assert.equal(sent.tools.length, cc.body.tools.length);
  assert.ok(!JSON.stringify(sent).includes("x-anthropic-billing-header"));
  await gw.api("DELETE", "/api/model-aliases/ag/agent");
});

test("errors before a stream are Anthropic-shaped with the SDK's error classes", async () => {
  await assert.rejects(client({ apiKey: "wrong-key" }).messages.create({ model: "openai/gpt-4o-mini", max_tokens: 5, messages: [{ role: "user", content: "x" }] }), (e) => {
    assert.ok(e instanceof Anthropic.AuthenticationError);
    assert.equal(e.status, 401);
    assert.equal(e.error.type, "error");
    assert.equal(e.error.error.type, "authentication_error");
    return true;
  });
  await assert.rejects(client().messages.stream({ model: "nobody/no-such-model", max_tokens: 5, messages: [{ role: "user", content: "x" }] }).finalMessage(), (e) => {
    assert.ok(e instanceof Anthropic.NotFoundError);
    assert.equal(e.error.error.type, "not_found_error");
    return true;
  });
  const res = await gw.fetch("/v1/messages?beta=true", { method: "POST", headers: { "x-api-key": ADMIN_TOKEN, "content-type": "application/json" }, body: JSON.stringify({ model: "m", messages: [] }) });
  assert.equal(res.status, 400);
  const body = await res.json();
  assert.equal(body.type, "error");
  assert.equal(body.error.type, "invalid_request_error");

  // An upstream context-length error reads as Claude Code compacts on.
  plan = () => ({ status: 400, json: { error: { message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 140000 tokens.", type: "invalid_request_error", param: "messages", code: "context_length_exceeded" } } });
  await assert.rejects(client().messages.create({ model: "openai/gpt-4o-mini", max_tokens: 5, messages: [{ role: "user", content: "x" }] }), (e) => {
    assert.ok(e instanceof Anthropic.BadRequestError);
    assert.match(e.error.error.message, /prompt is too long: 140000 tokens > 128000 maximum/);
    return true;
  });
  plan = null;
});

test("a quiet upstream: the client's stream gets ping events, and the answer is whole", async () => {
  plan = () => ({ sse: openaiStream({ parts: ["slow", " but", " sure"] }), gapMs: 450 });
  // Raw frames: the SDK drops pings before a caller sees them.
  const res = await gw.fetch("/v1/messages", {
    method: "POST",
    headers: { "x-api-key": ADMIN_TOKEN, "content-type": "application/json" },
    body: JSON.stringify({ model: "openai/gpt-4o-mini", max_tokens: 50, stream: true, messages: [{ role: "user", content: "x" }] }),
  });
  const frames = (await res.text()).trim().split("\n\n");
  plan = null;
  const types = frames.map((f) => f.split("\n")[0].replace("event: ", ""));
  const text = frames
    .map((f) => JSON.parse(f.split("\n")[1].replace("data: ", "")))
    .filter((e) => e.type === "content_block_delta")
    .map((e) => e.delta.text)
    .join("");
  assert.equal(text, "slow but sure");
  const firstDelta = types.indexOf("content_block_delta");
  assert.ok(types.slice(firstDelta).includes("ping"), types.join(","));
  assert.equal(types.at(-1), "message_stop");
});

test("a model that refuses the reasoning control Claude Code's thinking maps to gets the request again without it", async () => {
  const seen = [];
  plan = (entry) => {
    seen.push(entry.body);
    if (entry.body.reasoning_effort)
      return { status: 400, json: { error: { message: "Unsupported parameter: 'reasoning_effort' is not supported with this model.", type: "invalid_request_error", param: "reasoning_effort", code: "unsupported_parameter" } } };
    return { sse: openaiStream({ parts: ["no thinking needed"] }) };
  };
  const msg = await client().messages.stream({ model: "openai/gpt-4o-mini", max_tokens: 2000, thinking: { type: "enabled", budget_tokens: 1024 }, messages: [{ role: "user", content: "x" }] }).finalMessage();
  plan = null;
  assert.equal(msg.content.at(-1).text, "no thinking needed");
  assert.equal(seen.length, 2);
  assert.equal(seen[0].reasoning_effort, "low");
  assert.equal(seen[1].reasoning_effort, undefined);
  assert.deepEqual(seen[1].messages, seen[0].messages);
  const row = (await gw.api("GET", "/api/logs?limit=1")).json.data[0];
  assert.equal(row.status, "ok");
  assert.equal(row.attempts, 2);
});

test("an upstream stream that breaks after the first content ends in an SDK error", async () => {
  plan = () => ({ sse: openaiStream({ parts: ["partial", " answer", " more"] }), cutAfter: 3 });
  const stream = client().messages.stream({ model: "openai/gpt-4o-mini", max_tokens: 50, messages: [{ role: "user", content: "x" }] });
  let text = "";
  stream.on("text", (d) => (text += d));
  await assert.rejects(stream.finalMessage(), (e) => {
    assert.ok(e instanceof Anthropic.APIError, String(e));
    return true;
  });
  plan = null;
  assert.ok(text.startsWith("partial"));
});

test("failover before the first event: a failing upstream is replaced by the next one", async () => {
  const okBefore = openrouter.chatRequests().length;
  plan = (entry) => (entry.url.includes("/api/v1/") ? { sse: openaiStream({ parts: ["from openrouter"] }) } : { status: 503, json: { error: { message: "overloaded", type: "server_error" } } });
  const msg = await client().messages.stream({ model: "openai/gpt-4o-mini", max_tokens: 20, messages: [{ role: "user", content: "x" }] }).finalMessage();
  plan = null;
  assert.equal(msg.content[0].text, "from openrouter");
  assert.equal(openrouter.chatRequests().length, okBefore + 1);
});

test("Gemini CLI and Kiro upstreams answer /v1/messages streams", async () => {
  const googleOptions = { onboarded: true };
  const google = await startMockGoogle(googleOptions);
  const kiro = await startMockKiro({ validRefreshTokens: ["aorSocialInitialxxxxxxxxxxxxxxxxxxxx"] });
  const g = await startGateway({ upstreams: { "gemini-cli": google.url, "gemini-cli:oauth": google.url, kiro: kiro.url, "kiro:oauth": kiro.url } });
  try {
    await g.addCredential("gemini-cli", JSON.stringify({ ...JSON.parse(fixture("gemini_cli_oauth_creds_file.json")), expiry_date: 1 }));
    await g.addCredential("kiro", JSON.stringify({ ...JSON.parse(fixture("kiro_auth_token_file_social.json")), refreshToken: "aorSocialInitialxxxxxxxxxxxxxxxxxxxx", expiresAt: "2020-01-01T00:00:00.000Z" }));
    const c = new Anthropic({ apiKey: ADMIN_TOKEN, baseURL: g.url, maxRetries: 0 });
    const gem = await c.messages.stream({ model: "google/gemini-2.5-flash", max_tokens: 50, messages: [{ role: "user", content: "hi" }] }).finalMessage();
    assert.equal(gem.content.at(-1).text, "Hello from Gemini.");
    assert.equal(gem.usage.input_tokens, 20);
    const kir = await c.messages.stream({ model: "claude-sonnet-4-5-20250929", max_tokens: 50, messages: [{ role: "user", content: "hi" }] }).finalMessage();
    assert.equal(kir.content.at(-1).text, "Hello from Kiro.");
    // A tool round through Google: the mock calls the first declared tool.
    const tools = [{ name: "get_weather", description: "Weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }];
    const call = await c.messages.stream({ model: "google/gemini-2.5-flash", max_tokens: 50, tools, messages: [{ role: "user", content: "weather?" }] }).finalMessage();
    assert.equal(call.stop_reason, "tool_use");
    const use = call.content.find((b) => b.type === "tool_use");
    assert.deepEqual(use.input, { city: "Paris" });
    assert.match(use.id, /^[A-Za-z0-9_-]+$/);
    const answer = await c.messages.stream({
      model: "google/gemini-2.5-flash",
      max_tokens: 50,
      tools,
      messages: [{ role: "user", content: "weather?" }, { role: "assistant", content: call.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "sunny" }] }],
    }).finalMessage();
    assert.match(answer.content.at(-1).text, /sunny/);

    // count_tokens for a Gemini model is Google's own count of what the model
    // reads: the conversation, and the system prompt and tools as a first turn.
    const countRes = await g.fetch("/v1/messages/count_tokens?beta=true", {
      method: "POST",
      headers: { "x-api-key": ADMIN_TOKEN, "content-type": "application/json", "anthropic-beta": "token-counting-2024-11-01" },
      body: JSON.stringify({ model: "google/gemini-2.5-flash", system: "You are terse.", tools, messages: [{ role: "user", content: "one two three" }] }),
    });
    assert.equal(countRes.status, 200);
    assert.equal(countRes.headers.get("x-keyaos-token-count"), "gemini-cli");
    const counted = await countRes.json();
    const sentCount = google.state.requests.filter((r) => r.url === "/v1internal:countTokens").at(-1).body;
    assert.equal(sentCount.request.model, "models/gemini-2.5-flash");
    assert.equal(sentCount.request.contents.length, 2);
    const preamble = sentCount.request.contents[0].parts[0].text;
    assert.match(preamble, /You are terse\./);
    assert.match(preamble, /get_weather/);
    assert.equal(sentCount.request.contents[1].parts[0].text, "one two three");
    const preambleWords = preamble.split(/\s+/).filter(Boolean).length;
    assert.deepEqual(counted, { input_tokens: preambleWords + 3 });
    // Through the SDK too; a model with no Google candidate is estimated.
    const viaSdk = await c.messages.countTokens({ model: "google/gemini-2.5-flash", messages: [{ role: "user", content: "alpha beta" }] });
    assert.equal(viaSdk.input_tokens, 2);
    const kiroCount = await g.fetch("/v1/messages/count_tokens", {
      method: "POST",
      headers: { "x-api-key": ADMIN_TOKEN, "content-type": "application/json" },
      body: JSON.stringify({ model: "claude-sonnet-4-5-20250929", messages: [{ role: "user", content: "hello ".repeat(400) }] }),
    });
    assert.equal(kiroCount.headers.get("x-keyaos-token-count"), "estimate");
    const estimated = (await kiroCount.json()).input_tokens;
    assert.ok(estimated >= 500 && estimated <= 1000, String(estimated));
    // Google failing to count: the estimate, still a 200.
    googleOptions.countStatus = 503;
    const failed = await g.fetch("/v1/messages/count_tokens", {
      method: "POST",
      headers: { "x-api-key": ADMIN_TOKEN, "content-type": "application/json" },
      body: JSON.stringify({ model: "google/gemini-2.5-flash", messages: [{ role: "user", content: "hello ".repeat(400) }] }),
    });
    assert.equal(failed.status, 200);
    assert.equal(failed.headers.get("x-keyaos-token-count"), "estimate");
    assert.ok((await failed.json()).input_tokens >= 500);
    // No billing row for a count.
    const logs = await g.api("GET", "/api/logs?limit=50");
    assert.equal(logs.json.data.length, 4);
  } finally {
    await g.close();
    await google.close();
    await kiro.close();
  }
});

test("count_tokens for a model Google AI Studio serves is Google's own count of the whole prompt", async () => {
  const counts = [];
  const studio = await startMockUpstream("google-ai-studio", (entry) => {
    if (entry.url.startsWith("/v1beta/openai/models")) return { text: fixture("google_ai_studio_openai_models_list.json") };
    const m = entry.url.match(/^\/v1beta\/models\/([^/:]+):countTokens$/);
    if (!m) return { status: 404, json: { error: { code: 404, message: "no such method" } } };
    counts.push({ model: m[1], key: entry.headers["x-goog-api-key"], authorization: entry.headers.authorization, body: entry.body });
    const g = entry.body.generateContentRequest;
    const texts = [...(g.systemInstruction?.parts || []), ...g.contents.flatMap((c) => c.parts)].map((p) => p.text || "");
    return { json: { totalTokens: texts.join(" ").split(/\s+/).filter(Boolean).length + (g.tools ? 10 : 0), promptTokensDetails: [{ modality: "TEXT", tokenCount: 1 }] } };
  });
  const g = await startGateway({ upstreams: { "google-ai-studio": studio.url + "/v1beta/openai" } });
  try {
    const key = "AIzaSyCount_0123456789-abcdefghijkl";
    await g.addCredential("google-ai-studio", key);
    const c = new Anthropic({ apiKey: ADMIN_TOKEN, baseURL: g.url, maxRetries: 0 });
    const tools = [{ name: "get_weather", description: "Weather", input_schema: { type: "object", properties: { city: { type: "string" } } } }];
    const counted = await c.messages.countTokens({ model: "google/gemini-2.5-flash", system: "Be brief please", tools, messages: [{ role: "user", content: "one two three" }] });
    assert.equal(counts.length, 1);
    assert.equal(counts[0].model, "gemini-2.5-flash");
    assert.equal(counts[0].key, key);
    assert.equal(counts[0].authorization, undefined);
    const sent = counts[0].body.generateContentRequest;
    assert.equal(sent.model, "models/gemini-2.5-flash");
    assert.deepEqual(sent.contents, [{ role: "user", parts: [{ text: "one two three" }] }]);
    assert.equal(sent.systemInstruction.parts[0].text, "Be brief please");
    assert.equal(sent.tools[0].functionDeclarations[0].name, "get_weather");
    assert.equal(counted.input_tokens, 3 + 3 + 10);
    assert.equal((await g.api("GET", "/api/logs?limit=5")).json.data.length, 0);
  } finally {
    await g.close();
    await studio.close();
  }
});

test("an alias can be the first thing set on a fresh database", async () => {
  const fresh = await startGateway();
  try {
    const put = await fresh.api("PUT", "/api/model-aliases/claude-sonnet-4-5", { model: "openai/gpt-4o-mini" });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.json.model, "openai/gpt-4o-mini");
  } finally {
    await fresh.close();
  }
});
