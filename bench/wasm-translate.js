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

export function measureWasmTranslate(wasmPath, { iterations = 1000, longRuns = 30 } = {}) {
  const results = {};
  for (const [name, p] of Object.entries(PROVIDERS)) {
    const engine = new WasmEngine(new WebAssembly.Module(readFileSync(wasmPath)));
    engine.init({ admin_token: TOKEN, encryption_configured: true, upstream_base_urls: { [p.provider]: "http://upstream.test" } });
    const credentials = [{ id: "cred_o", owner_id: "self", provider_id: p.provider, secret_hint: "x", encrypted_secret: "v2:c2VhbGVkIGJ5IHRoZSBob3N0", price_multiplier: 1, quota_nusd: null, is_enabled: 1, health: "ok", dead_reason: null }];
    const offerings = [{ provider_id: p.provider, model_id: p.model, upstream_model_id: p.upstream, input_price: 3, output_price: 15, cache_read_price: null, cache_write_price: null }];
    const rowsFor = (head) => head.statements.map((s) => (/^SELECT[\s\S]*FROM credentials/.test(s.sql) ? credentials : /^SELECT[\s\S]*FROM catalog/.test(s.sql) ? offerings : []));
    const body = JSON.stringify({ model: p.model, stream: true, messages: [{ role: "user", content: "Write a short poem about gateways." }] });
    const run = (i, parts) => {
      const now = 2000 + i;
      const h = engine.open();
      let a = engine.step(h, { type: "request", method: "POST", path: "/v1/chat/completions", query: "", headers: { authorization: `Bearer ${TOKEN}` }, now, nonce: i.toString(16).padStart(32, "0") }, body);
      for (;;) {
        if (a.head.type === "sql") a = engine.step(h, { type: "rows", results: rowsFor(a.head), now }, null);
        else if (a.head.type === "crypto") a = engine.step(h, { type: "crypto", values: [{ plaintext: p.plaintext }], now }, null);
        else break;
      }
      if (a.head.type !== "fetch") throw new Error(`${name}: expected fetch, got ${a.head.type}`);
      a = engine.step(h, { type: "upstream_head", status: 200, headers: {}, now }, null);
      let out = 0;
      let k = 0;
      while (a.head.type === "read_chunk" && k < parts.length) a = engine.step(h, { type: "upstream_chunk", now }, parts[k++]);
      if (a.head.type !== "commit_stream") throw new Error(`${name}: expected a commit, got ${a.head.type}`);
      out += a.payload.length;
      // The Worker's path for a committed stream: the hot path, the event as fallback.
      for (; k < parts.length; k++) out += (engine.chunk(h, now, parts[k]) ?? engine.step(h, { type: "upstream_chunk", now }, parts[k]).payload).length;
      const fin = engine.step(h, { type: "stream_end", now, client_aborted: false }, null);
      if (fin.head.type !== "finish" || !new TextDecoder().decode(fin.payload).includes("[DONE]")) throw new Error(`${name}: no [DONE]`);
      engine.close(h);
      return out + fin.payload.length;
    };
    const short = chunks(p.answer(60));
    const long = p.answer(4000);
    const longParts = chunks(long);
    for (let i = 0; i < 200; i++) run(i, short); // JIT warm-up and cache fill
    const times = [];
    for (let i = 0; i < iterations; i++) {
      const t0 = process.hrtime.bigint();
      run(1000 + i, short);
      times.push(Number(process.hrtime.bigint() - t0) / 1000);
    }
    times.sort((a, b) => a - b);
    const longTimes = [];
    for (let i = 0; i < longRuns; i++) {
      const t0 = process.hrtime.bigint();
      run(100000 + i, longParts);
      longTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
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
  const credentials = [{ id: "cred_a", owner_id: "self", provider_id: "openai", secret_hint: "sk-pro...cdef", encrypted_secret: "v2:c2VhbGVkIGJ5IHRoZSBob3N0", price_multiplier: 1, quota_nusd: null, is_enabled: 1, health: "ok", dead_reason: null }];
  const offerings = [{ provider_id: "openai", model_id: "openai/gpt-4o-mini", upstream_model_id: "gpt-4o-mini", input_price: 0.15, output_price: 0.6, cache_read_price: null, cache_write_price: null }];
  const rowsFor = (head) => head.statements.map((s) => (/^SELECT[\s\S]*FROM credentials/.test(s.sql) ? credentials : /^SELECT[\s\S]*FROM catalog/.test(s.sql) ? offerings : []));
  const answer = new TextEncoder().encode(openaiStream(events));
  const parts = chunks(answer);
  const results = {};
  for (const [name, api] of Object.entries(INBOUND)) {
    const engine = new WasmEngine(new WebAssembly.Module(readFileSync(wasmPath)));
    engine.init({ admin_token: TOKEN, encryption_configured: true, upstream_base_urls: { openai: "http://upstream.test/v1" } });
    const body = JSON.stringify({ model: "openai/gpt-4o-mini", stream: true, ...api.body });
    let clientBytes = 0;
    const run = (i) => {
      const now = 2000 + i;
      const h = engine.open();
      let a = engine.step(h, { type: "request", method: "POST", path: api.path, query: "", headers: { "content-type": "application/json", ...api.headers }, now, nonce: i.toString(16).padStart(32, "0") }, body);
      for (;;) {
        if (a.head.type === "sql") a = engine.step(h, { type: "rows", results: rowsFor(a.head), now }, null);
        else if (a.head.type === "crypto") a = engine.step(h, { type: "crypto", values: [{ plaintext: "sk-proj-benchkey0123456789abcdef" }], now }, null);
        else break;
      }
      if (a.head.type !== "fetch") throw new Error(`${name}: expected fetch, got ${a.head.type} ${new TextDecoder().decode(a.payload)}`);
      a = engine.step(h, { type: "upstream_head", status: 200, headers: { "content-type": "text/event-stream" }, now }, null);
      let k = 0, out = 0;
      while (a.head.type === "read_chunk" && k < parts.length) a = engine.step(h, { type: "upstream_chunk", now }, parts[k++]);
      if (a.head.type !== "commit_stream") throw new Error(`${name}: expected a commit, got ${a.head.type}`);
      out += a.payload.length;
      for (; k < parts.length; k++) out += (engine.chunk(h, now, parts[k]) ?? engine.step(h, { type: "upstream_chunk", now }, parts[k]).payload).length;
      const fin = engine.step(h, { type: "stream_end", now, client_aborted: false }, null);
      if (fin.head.type !== "finish") throw new Error(`${name}: no finish`);
      engine.close(h);
      clientBytes = out + fin.payload.length;
    };
    for (let i = 0; i < 5; i++) run(i); // JIT warm-up and cache fill
    const times = [];
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      run(1000 + i);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    results[name] = { upstreamBytes: answer.length, clientBytes, medianMs: times[Math.floor(times.length / 2)], maxMs: times[times.length - 1] };
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
    const engine = new WasmEngine(new WebAssembly.Module(readFileSync(wasmPath)));
    engine.init({ admin_token: TOKEN, encryption_configured: true, upstream_base_urls: { [p.provider]: "http://upstream.test" } });
    const credentials = [{ id: "cred_o", owner_id: "self", provider_id: p.provider, secret_hint: "x", encrypted_secret: "v2:c2VhbGVkIGJ5IHRoZSBob3N0", price_multiplier: 1, quota_nusd: null, is_enabled: 1, health: "ok", dead_reason: null }];
    const offerings = [{ provider_id: p.provider, model_id: p.model, upstream_model_id: p.upstream, input_price: 3, output_price: 15, cache_read_price: null, cache_write_price: null }];
    const rowsFor = (head) => head.statements.map((s) => (/^SELECT[\s\S]*FROM credentials/.test(s.sql) ? credentials : /^SELECT[\s\S]*FROM catalog/.test(s.sql) ? offerings : []));
    const body = longConversation(p.model);
    let upstreamBytes = 0;
    const run = (i) => {
      const now = 2000 + i;
      const h = engine.open();
      let a = engine.step(h, { type: "request", method: "POST", path: "/v1/chat/completions", query: "", headers: { authorization: `Bearer ${TOKEN}` }, now, nonce: i.toString(16).padStart(32, "0") }, body);
      for (;;) {
        if (a.head.type === "sql") a = engine.step(h, { type: "rows", results: rowsFor(a.head), now }, null);
        else if (a.head.type === "crypto") a = engine.step(h, { type: "crypto", values: [{ plaintext: p.plaintext }], now }, null);
        else break;
      }
      if (a.head.type !== "fetch") throw new Error(`${name}: expected fetch, got ${a.head.type}`);
      upstreamBytes = a.payload.length;
      engine.close(h);
    };
    for (let i = 0; i < 5; i++) run(i); // JIT warm-up and cache fill
    const times = [];
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      run(1000 + i);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    results[name] = { clientBytes: body.length, upstreamBytes, medianMs: times[Math.floor(times.length / 2)], maxMs: times[times.length - 1] };
  }
  return results;
}

// `node bench/wasm-translate.js [path/to/keyaos.wasm]` prints the numbers.
if (import.meta.url === `file://${process.argv[1]}`) {
  const wasmPath = process.argv[2] || new URL("../worker-shim/keyaos.wasm", import.meta.url).pathname;
  console.log(JSON.stringify({ translate: measureWasmTranslate(wasmPath), mapping: measureWasmRequestMapping(wasmPath) }, null, 1));
}
