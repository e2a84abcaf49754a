// Drives translated streams through keyaos.wasm (no Worker, no I/O): Google
// v1internal SSE and Kiro's AWS Event Stream, each turned into OpenAI SSE in
// chunk by chunk, as the Worker runs them after commit. Measures CPU per
// warm request (short answer) and throughput on a long answer, host JSON
// included; a long OpenAI answer rendered by the inbound Messages and
// Responses APIs; and long conversations mapped for each upstream.
import { readFileSync } from "node:fs";
import { WasmEngine } from "../worker-shim/loader.js";
import { event as kiroEvent } from "../tests/support/mock-kiro.js";
import { openaiStream } from "./wasm-engine.js";
import { threadCpuMs } from "./thread-cpu.js";

const TOKEN = "bench-admin-token";
const CHUNK = 16 * 1024;
const word = (i) => (i % 5 === 0 ? " gateway" : " words");

export function googleAnswer(words) {
  let out = "";
  const ev = (parts, finish, n) =>
    `data: ${JSON.stringify({ response: { candidates: [{ content: { role: "model", parts }, ...(finish ? { finishReason: finish } : {}), index: 0 }], usageMetadata: { promptTokenCount: 24, candidatesTokenCount: n, totalTokenCount: 24 + n } }, traceId: "benchtrace" })}\r\n\r\n`;
  for (let i = 0; i < words; i++) out += ev([{ text: word(i) }], null, i + 1);
  out += ev([{ text: "" }], "STOP", words);
  return new TextEncoder().encode(out);
}

export function kiroAnswer(words) {
  const frames = [];
  for (let i = 0; i < words; i++) frames.push(kiroEvent("assistantResponseEvent", { content: word(i) }));
  frames.push(kiroEvent("meteringEvent", { unit: "credit", unitPlural: "credits", usage: 0.0148 }));
  frames.push(kiroEvent("contextUsageEvent", { contextUsagePercentage: 2.1684 }));
  return new Uint8Array(Buffer.concat(frames));
}

const PROVIDERS = {
  google: {
    provider: "gemini-cli",
    model: "google/gemini-2.5-flash",
    upstream: "gemini-2.5-flash",
    plaintext: JSON.stringify({ refresh_token: "1//0gBenchxxxxxxxxxxxxxxxx", access_token: "ya29.bench", expiry_date: 4102444800000, project_id: "bench-project" }),
    answer: googleAnswer,
  },
  kiro: {
    provider: "kiro",
    model: "anthropic/claude-sonnet-4.5",
    upstream: "claude-sonnet-4.5",
    plaintext: JSON.stringify({ refreshToken: "aorBenchxxxxxxxxxxxxxxxxxxxx", accessToken: "aoaBenchxxxxxxxxxxxxxxxxxxxx", expiresAt: "2100-01-01T00:00:00.000Z", authMethod: "social" }),
    answer: kiroAnswer,
  },
};

function chunks(bytes) {
  const out = [];
  for (let at = 0; at < bytes.length; at += CHUNK) out.push(bytes.subarray(at, at + CHUNK));
  return out;
}

// An engine whose one credential, for `p.provider`, serves `p.model`; its
// host answers SQL from memory and decrypts the credential to `p.plaintext`.
function upstreamEngine(wasmPath, p, baseUrl = "http://upstream.test") {
  const engine = new WasmEngine(new WebAssembly.Module(readFileSync(wasmPath)));
  engine.init({ admin_token: TOKEN, encryption_configured: true, upstream_base_urls: { [p.provider]: baseUrl } });
  const credentials = [{ id: "cred_o", owner_id: "self", provider_id: p.provider, secret_hint: "x", encrypted_secret: "v2:c2VhbGVkIGJ5IHRoZSBob3N0", price_multiplier: 1, quota_nusd: null, is_enabled: 1, health: "ok", dead_reason: null }];
  const offerings = [{ provider_id: p.provider, model_id: p.model, upstream_model_id: p.upstream, input_price: 3, output_price: 15, cache_read_price: null, cache_write_price: null }];
  const rowsFor = (head) => head.statements.map((s) => (/^SELECT[\s\S]*FROM credentials/.test(s.sql) ? credentials : /^SELECT[\s\S]*FROM catalog/.test(s.sql) ? offerings : []));
  // Opens request `i` and steps it to its upstream fetch; returns the handle and the fetch action.
  const toFetch = (i, body, { path = "/v1/chat/completions", headers = { authorization: `Bearer ${TOKEN}` } } = {}) => {
    const now = 2000 + i;
    const h = engine.open();
    let a = engine.step(h, { type: "request", method: "POST", path, query: "", headers: { "content-type": "application/json", ...headers }, now, nonce: i.toString(16).padStart(32, "0") }, body);
    for (;;) {
      if (a.head.type === "sql") a = engine.step(h, { type: "rows", results: rowsFor(a.head), now }, null);
      else if (a.head.type === "crypto") a = engine.step(h, { type: "crypto", values: [{ plaintext: p.plaintext }], now }, null);
      else break;
    }
    if (a.head.type !== "fetch") throw new Error(`${p.provider} ${path}: expected fetch, got ${a.head.type}`);
    return { h, fetch: a, now };
  };
  // Answers the fetch with `parts` as the Worker relays them: events until
  // the commit, then the hot path (the event as its fallback); returns the
  // bytes the client got and the finish action.
  const relay = ({ h, now }, parts, headers = {}) => {
    let a = engine.step(h, { type: "upstream_head", status: 200, headers, now }, null);
    let k = 0;
    while (a.head.type === "read_chunk" && k < parts.length) a = engine.step(h, { type: "upstream_chunk", now }, parts[k++]);
    if (a.head.type !== "commit_stream") throw new Error(`${p.provider}: expected a commit, got ${a.head.type}`);
    let bytes = a.payload.length;
    for (; k < parts.length; k++) bytes += (engine.chunk(h, now, parts[k]) ?? engine.step(h, { type: "upstream_chunk", now }, parts[k]).payload).length;
    const fin = engine.step(h, { type: "stream_end", now, client_aborted: false }, null);
    if (fin.head.type !== "finish") throw new Error(`${p.provider}: no finish`);
    engine.close(h);
    return { bytes: bytes + fin.payload.length, fin };
  };
  return { engine, toFetch, relay };
}

// `run(i)` warmed 5 times (JIT and caches), then timed `runs` times: the
// thread's CPU at p50 and max, in ms.
function timedRuns(run, runs) {
  for (let i = 0; i < 5; i++) run(i);
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = threadCpuMs();
    run(1000 + i);
    times.push(threadCpuMs() - t0);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)], maxMs: times[times.length - 1] };
}

export function measureWasmTranslate(wasmPath, { iterations = 1000, longRuns = 30 } = {}) {
  const results = {};
  for (const [name, p] of Object.entries(PROVIDERS)) {
    const { toFetch, relay } = upstreamEngine(wasmPath, p);
    const body = JSON.stringify({ model: p.model, stream: true, messages: [{ role: "user", content: "Write a short poem about gateways." }] });
    const run = (i, parts) => {
      const { bytes, fin } = relay(toFetch(i, body), parts);
      if (!new TextDecoder().decode(fin.payload).includes("[DONE]")) throw new Error(`${name}: no [DONE]`);
      return bytes;
    };
    const short = chunks(p.answer(60));
    const long = p.answer(4000);
    const longParts = chunks(long);
    for (let i = 0; i < 200; i++) run(i, short); // JIT warm-up and cache fill
    const times = [];
    for (let i = 0; i < iterations; i++) {
      const t0 = threadCpuMs();
      run(1000 + i, short);
      times.push((threadCpuMs() - t0) * 1000);
    }
    times.sort((a, b) => a - b);
    const longTimes = [];
    for (let i = 0; i < longRuns; i++) {
      const t0 = threadCpuMs();
      run(100000 + i, longParts);
      longTimes.push(threadCpuMs() - t0);
    }
    longTimes.sort((a, b) => a - b);
    const longMs = longTimes[Math.floor(longTimes.length / 2)];
    results[name] = {
      shortBytes: short.reduce((n, c) => n + c.length, 0),
      shortMedianUs: times[Math.floor(times.length / 2)],
      shortP99Us: times[Math.floor(times.length * 0.99)],
      longBytes: long.length,
      longMs,
      longChunks: longParts.length,
      // One engine step per upstream chunk after the commit: what each costs.
      usPerChunk: (longMs * 1000) / longParts.length,
      mbPerS: long.length / (longMs / 1000) / 1e6,
    };
  }
  return results;
}

// The inbound APIs a coding client calls, each given the same OpenAI answer
// from the upstream: Chat Completions passes it on (the baseline: the
// metered relay), Messages and Responses render it in their own events.
const INBOUND = {
  chat: { path: "/v1/chat/completions", headers: { authorization: `Bearer ${TOKEN}` }, body: { messages: [{ role: "user", content: "Write a poem." }] } },
  messages: { path: "/v1/messages", headers: { "x-api-key": TOKEN, "anthropic-version": "2023-06-01" }, body: { max_tokens: 8192, messages: [{ role: "user", content: "Write a poem." }] } },
  responses: { path: "/v1/responses", headers: { authorization: `Bearer ${TOKEN}` }, body: { input: "Write a poem." } },
};

// The whole request of a long answer (`events` OpenAI events, 16 KB chunks)
// through each inbound API, p50 over `runs`.
export function measureWasmInbound(wasmPath, { runs = 30, events = 4000 } = {}) {
  const upstream = { provider: "openai", model: "openai/gpt-4o-mini", upstream: "gpt-4o-mini", plaintext: "sk-proj-benchkey0123456789abcdef" };
  const answer = new TextEncoder().encode(openaiStream(events));
  const parts = chunks(answer);
  const results = {};
  for (const [name, api] of Object.entries(INBOUND)) {
    const { toFetch, relay } = upstreamEngine(wasmPath, upstream, "http://upstream.test/v1");
    const body = JSON.stringify({ model: upstream.model, stream: true, ...api.body });
    let clientBytes = 0;
    const timed = timedRuns((i) => {
      clientBytes = relay(toFetch(i, body, api), parts, { "content-type": "text/event-stream" }).bytes;
    }, runs);
    results[name] = { upstreamBytes: answer.length, clientBytes, ...timed };
  }
  return results;
}

// A long agent conversation, as coding clients send it: a long system prompt,
// `rounds` tool rounds (user text, an assistant tool call, its result) and
// `tools` declared tools with schemas.
export function longConversation(model, { rounds = 200, tools = 20 } = {}) {
  const messages = [{ role: "system", content: "s".repeat(20000) }];
  for (let i = 0; i < rounds; i++) {
    messages.push({ role: "user", content: String.fromCharCode(97 + (i % 26)).repeat(1500) + " words and more" });
    messages.push({ role: "assistant", content: "ok", tool_calls: [{ id: `t${i}`, type: "function", function: { name: "read", arguments: JSON.stringify({ path: "src/x.cpp", lines: [1, 2, 3] }) } }] });
    messages.push({ role: "tool", tool_call_id: `t${i}`, content: "r".repeat(800) });
  }
  messages.push({ role: "user", content: "go" });
  const declared = Array.from({ length: tools }, (_, i) => ({
    type: "function",
    function: { name: i === 0 ? "read" : `tool${i}`, description: "d".repeat(300), parameters: { type: "object", properties: { a: { type: "string" }, b: { type: "array", items: { type: "number" } } }, required: ["a"] } },
  }));
  return JSON.stringify({ model, stream: true, messages, tools: declared });
}

const MAPPERS = {
  // The baseline: an OpenAI-compatible upstream, whose body is the client's with the model replaced.
  openai: { provider: "openai", model: "openai/gpt-4o-mini", upstream: "gpt-4o-mini", plaintext: "sk-proj-benchkey0123456789" },
  google: PROVIDERS.google,
  kiro: PROVIDERS.kiro,
};

// CPU from a long conversation's request event to the upstream fetch: routing,
// reading the client body and writing the upstream's, host JSON included.
export function measureWasmRequestMapping(wasmPath, { runs = 30 } = {}) {
  const results = {};
  for (const [name, p] of Object.entries(MAPPERS)) {
    const { engine, toFetch } = upstreamEngine(wasmPath, p);
    const body = longConversation(p.model);
    let upstreamBytes = 0;
    const timed = timedRuns((i) => {
      const { h, fetch } = toFetch(i, body);
      upstreamBytes = fetch.payload.length;
      engine.close(h);
    }, runs);
    results[name] = { clientBytes: body.length, upstreamBytes, ...timed };
  }
  return results;
}

// `node bench/wasm-translate.js [path/to/keyaos.wasm]` prints the numbers.
if (import.meta.url === `file://${process.argv[1]}`) {
  const wasmPath = process.argv[2] || new URL("../worker-shim/keyaos.wasm", import.meta.url).pathname;
  console.log(JSON.stringify({ translate: measureWasmTranslate(wasmPath), mapping: measureWasmRequestMapping(wasmPath), inbound: measureWasmInbound(wasmPath) }, null, 1));
}
