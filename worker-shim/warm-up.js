// Runs a few requests and a cron run through a throwaway engine instance
// when the isolate starts, answered from memory (no I/O, no shared state).
// V8 compiles a wasm function on its first call, and the compiled code
// belongs to the module, which every instance shares: without this, the
// first request of a new isolate compiled what it ran and took about 11 ms
// of CPU instead of 0.5. The platform limits startup (the global scope) to
// 1 s of its own; the request's 10 ms are left for the request.
import { WasmEngine } from "./loader.js";

const TOKEN = "warm-up-admin-token";
const NOW = 1_800_000_000_000;
const encoder = new TextEncoder();

// What D1 would hold for one OpenAI-compatible credential serving one model;
// every other statement finds nothing.
const ROWS = {
  "credentials.load_for_routing": [
    { id: "cred_warm_up", owner_id: "self", provider_id: "openai", secret_hint: "sk-...warm", encrypted_secret: "v2:d2FybS11cA",
      price_multiplier: 1, quota_nusd: null, is_enabled: 1, health: "ok", dead_reason: null },
  ],
  "catalog.offerings": [
    { provider_id: "openai", model_id: "openai/gpt-4o-mini", upstream_model_id: "gpt-4o-mini", input_price: 0.15, output_price: 0.6,
      cache_read_price: 0.075, cache_write_price: null },
  ],
};

const chunk = (delta, finish = null, usage = undefined) =>
  `data: ${JSON.stringify({ id: "chatcmpl-warm-up", object: "chat.completion.chunk", created: 1, model: "gpt-4o-mini", choices: usage ? [] : [{ index: 0, delta, finish_reason: finish }], ...(usage ? { usage } : {}) })}\n\n`;
// Up to the first content, which commits the stream; the rest goes through
// the relay's hot path, as every chunk after the first does.
const STREAM_HEAD = encoder.encode(chunk({ role: "assistant", content: "" }) + chunk({ content: "Hello" }));
const STREAM_REST = encoder.encode(
  chunk({ content: " there" }) + chunk({}, "stop") + chunk(null, null, { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 }) +
    "data: [DONE]\n\n",
);
// A model list as OpenAI-compatible providers and OpenRouter send it.
const MODEL_LIST = encoder.encode(JSON.stringify({
  data: [{ id: "openai/gpt-4o-mini", name: "GPT-4o mini", context_length: 128000, architecture: { input_modalities: ["text"], output_modalities: ["text"] },
           pricing: { prompt: "0.00000015", completion: "0.0000006" } }],
}));

const COMPLETION = encoder.encode(JSON.stringify({
  id: "chatcmpl-warm-up", object: "chat.completion", created: 1, model: "gpt-4o-mini",
  choices: [{ index: 0, message: { role: "assistant", content: "Hello there" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
}));

const CRYPTO = {
  open: () => ({ plaintext: "sk-warm-up" }),
  seal: () => ({ ciphertext: "v2:d2FybS11cA", sha256: "0".repeat(64) }),
  reseal: () => ({ ciphertext: "v2:d2FybS11cA" }),
  sha256: () => ({ sha256: "0".repeat(64) }),
  random: (item) => ({ hex: "00".repeat(item.bytes || 16) }),
};

// Steps one task to its end, as the Worker's host would, from memory.
// Returns the type of the last action, the fetches made and the names of
// the statements run (the last action's background batch included).
function drive(engine, event, payload) {
  const h = engine.open();
  const now = NOW;
  let a = engine.step(h, { now, ...event }, payload);
  let fetches = 0;
  let url = "";
  const statements = new Set();
  try {
    for (let steps = 0; steps < 500; steps++) {
      const head = a.head;
      switch (head.type) {
        case "sql":
          for (const st of head.statements) statements.add(st.name);
          a = engine.step(h, { type: "rows", now, results: head.statements.map((s) => ROWS[s.name] ?? []) }, null);
          break;
        case "crypto":
          a = engine.step(h, { type: "crypto", now, values: head.items.map((item) => (CRYPTO[item.op] ?? (() => ({ error: "unsupported" })))(item)) }, null);
          break;
        case "fetch": {
          fetches++;
          url = head.url;
          const stream = head.headers?.accept === "text/event-stream";
          a = engine.step(h, { type: "upstream_head", now, status: 200, elapsed_ms: 1,
                               headers: { "content-type": stream ? "text/event-stream" : "application/json" } }, null);
          break;
        }
        case "read_chunk":
          a = engine.step(h, { type: "upstream_chunk", now }, STREAM_HEAD);
          break;
        case "read_body":
          a = engine.step(h, { type: "upstream_body", now }, /\/chat\/completions$/.test(url) ? COMPLETION : MODEL_LIST);
          break;
        case "commit_stream":
          if (engine.chunk(h, now, STREAM_REST) === null) engine.step(h, { type: "upstream_chunk", now }, STREAM_REST);
          a = engine.step(h, { type: "stream_end", now, client_aborted: false }, null);
          break;
        case "sleep":
          a = engine.step(h, { type: "timer", now }, null);
          break;
        default: // respond, finish, done: the task is over
          for (const st of head.background ?? []) statements.add(st.name);
          return { end: head.type, status: head.status ?? null, fetches, statements: [...statements] };
      }
    }
    return { end: "unfinished", fetches, statements: [...statements] };
  } finally {
    engine.close(h);
  }
}

const request = (path, body) => [
  { type: "request", method: "POST", path, query: "", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
    client_ip: "", origin: "https://warm-up.invalid", nonce: "0".repeat(32) },
  encoder.encode(JSON.stringify(body)),
];

// The paths most requests and every cron run take: a chat completion,
// streamed and not, the streamed one through the Anthropic Messages and
// OpenAI Responses APIs too, and the catalogue sync. Returns how each ended,
// for the tests.
export function warmUp(module) {
  const engine = new WasmEngine(module);
  engine.init({ admin_token: TOKEN, encryption_configured: true, upstream_base_urls: {} });
  const messages = [{ role: "user", content: "Say hello." }];
  return {
    chat: drive(engine, ...request("/v1/chat/completions", { model: "gpt-4o-mini", stream: true, messages })),
    chat_plain: drive(engine, ...request("/v1/chat/completions", { model: "gpt-4o-mini", messages })),
    messages: drive(engine, ...request("/v1/messages", { model: "gpt-4o-mini", max_tokens: 64, stream: true, messages })),
    responses: drive(engine, ...request("/v1/responses", { model: "gpt-4o-mini", stream: true, input: "Say hello." })),
    sync: drive(engine, { type: "scheduled", cron: "17 * * * *", nonce: "0".repeat(32) }, null),
  };
}
