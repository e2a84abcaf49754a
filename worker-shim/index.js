// Keyaos Worker: hands every fetch and scheduled event to the C++ engine and
// performs the I/O it asks for (D1, upstream fetches, crypto, streaming).
// No routing, pricing or protocol logic lives here.
import wasmModule from "./keyaos.wasm";
import { WasmEngine } from "./loader.js";
import { open as openSecret, randomHex, seal, sha256Hex } from "./crypto.js";

const MAX_BODY_BYTES = 8 * 1024 * 1024;
const MAX_ERROR_BODY_BYTES = 64 * 1024;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

let engine = null;
let engineConfig = null;
const secretCache = new Map(); // ciphertext -> plaintext, isolate memory only

function configFrom(env) {
  let overrides = {};
  if (env.UPSTREAM_BASE_URLS) {
    try {
      overrides = typeof env.UPSTREAM_BASE_URLS === "string" ? JSON.parse(env.UPSTREAM_BASE_URLS) : env.UPSTREAM_BASE_URLS;
    } catch {
      overrides = { __invalid__: String(env.UPSTREAM_BASE_URLS) };
    }
  }
  return {
    admin_token: env.ADMIN_TOKEN || "",
    encryption_configured: Boolean(env.ENCRYPTION_KEY),
    upstream_base_urls: overrides,
    timeouts: {
      headers_ms: Number(env.UPSTREAM_HEADERS_TIMEOUT_MS || 0) || undefined,
      first_token_ms: Number(env.UPSTREAM_FIRST_TOKEN_TIMEOUT_MS || 0) || undefined,
      idle_ms: Number(env.UPSTREAM_IDLE_TIMEOUT_MS || 0) || undefined,
    },
    routing_cache_ms: Number(env.ROUTING_CACHE_MS || 0) || undefined,
    cny_usd_rate: Number(env.CNY_USD_RATE || 0) || undefined,
    cooldown_ms: Number(env.UPSTREAM_COOLDOWN_MS || 0) || undefined,
    cooldown_max_ms: Number(env.UPSTREAM_COOLDOWN_MAX_MS || 0) || undefined,
  };
}

function engineFor(env) {
  if (!engine) engine = new WasmEngine(wasmModule);
  const config = JSON.stringify(configFrom(env));
  if (config !== engineConfig) {
    engine.init(JSON.parse(config));
    engineConfig = config;
  }
  return engine;
}

function headersObject(headers) {
  const out = {};
  for (const [k, v] of headers) out[k.toLowerCase()] = v;
  return out;
}

async function runSql(env, statements) {
  try {
    const prepared = statements.map((s) => env.DB.prepare(s.sql).bind(...(s.params || [])));
    const results = prepared.length ? await env.DB.batch(prepared) : [];
    return { type: "rows", results: results.map((r) => r.results || []) };
  } catch (err) {
    return { type: "rows", results: [], error: String(err && err.message ? err.message : err) };
  }
}

async function plaintextOf(env, ciphertext) {
  let plain = secretCache.get(ciphertext);
  if (plain === undefined) {
    plain = await openSecret(env.ENCRYPTION_KEY, ciphertext);
    if (secretCache.size > 1000) secretCache.clear();
    secretCache.set(ciphertext, plain);
  }
  return plain;
}

async function runCrypto(env, head) {
  const values = [];
  for (const item of head.items || []) {
    if (item.op === "seal") values.push({ ciphertext: await seal(env.ENCRYPTION_KEY, item.text), sha256: await sha256Hex(item.text) });
    else if (item.op === "sha256") values.push({ sha256: await sha256Hex(item.text) });
    else if (item.op === "random") values.push({ hex: randomHex(item.bytes || 16) });
    // OAuth credentials (refresh tokens) are opened by the engine, which refreshes them.
    else if (item.op === "open") {
      try {
        values.push({ plaintext: await openSecret(env.ENCRYPTION_KEY, item.ciphertext) });
      } catch {
        values.push({ error: "cannot decrypt" });
      }
    }
  }
  return { type: "crypto", values };
}

function withTimeout(promise, ms, onTimeout) {
  if (!ms) return promise;
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => {
        onTimeout?.();
        reject(new TimeoutError());
      }, ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

class TimeoutError extends Error {}

// Reads up to maxBytes. With `drain`, the rest is read and dropped, so a
// client still sending an oversized body gets the answer instead of a reset.
async function readCapped(reader, maxBytes, drain = false) {
  const parts = [];
  let size = 0;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (size >= maxBytes) continue;
    parts.push(value);
    size += value.length;
    if (size >= maxBytes && !drain) {
      reader.cancel().catch(() => {});
      break;
    }
  }
  const out = new Uint8Array(size);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

// Upstream I/O of one request: the live response and its reader.
class Upstream {
  constructor() {
    this.response = null;
    this.reader = null;
    this.controller = null;
  }
  abort() {
    try {
      this.reader ? this.reader.cancel().catch(() => {}) : this.response?.body?.cancel().catch(() => {});
    } catch {}
    this.controller?.abort();
    this.response = null;
    this.reader = null;
  }
}

async function doFetch(env, head, payload, upstream) {
  upstream.abort();
  const headers = {};
  let secret = null;
  if (head.credential) secret = await plaintextOf(env, head.credential.ciphertext);
  for (const [k, v] of Object.entries(head.headers || {})) headers[k] = secret !== null ? v.replaceAll("${secret}", secret) : v;
  const controller = new AbortController();
  upstream.controller = controller;
  const started = Date.now();
  try {
    const response = await withTimeout(
      fetch(head.url, { method: head.method || "POST", headers, body: payload && payload.length ? payload : undefined, signal: controller.signal }),
      head.timeouts?.headers_ms,
      () => controller.abort(),
    );
    upstream.response = response;
    return { type: "upstream_head", status: response.status, headers: headersObject(response.headers), now: Date.now(), elapsed_ms: Date.now() - started };
  } catch (err) {
    const timedOut = err instanceof TimeoutError;
    return { type: "upstream_error", kind: timedOut ? "timeout" : "network", message: timedOut ? "no response headers in time" : String(err?.message || err), now: Date.now() };
  }
}

async function readBody(head, upstream) {
  const response = upstream.response;
  if (!response?.body) return [{ type: "upstream_body", now: Date.now() }, new Uint8Array(0)];
  upstream.reader = response.body.getReader();
  try {
    const bytes = await withTimeout(readCapped(upstream.reader, head.max_bytes || MAX_BODY_BYTES * 4), head.timeout_ms, () => upstream.abort());
    return [{ type: "upstream_body", now: Date.now() }, bytes];
  } catch (err) {
    const timedOut = err instanceof TimeoutError;
    return [{ type: "upstream_error", kind: timedOut ? "timeout" : "network", message: timedOut ? "upstream body stalled" : String(err?.message || err), now: Date.now() }, null];
  }
}

async function readChunk(head, upstream) {
  if (!upstream.response?.body) return [{ type: "upstream_end", now: Date.now() }, null];
  upstream.reader ??= upstream.response.body.getReader();
  try {
    const { value, done } = await withTimeout(upstream.reader.read(), head.timeout_ms, () => upstream.abort());
    if (done) return [{ type: "upstream_end", now: Date.now() }, null];
    return [{ type: "upstream_chunk", now: Date.now() }, value];
  } catch (err) {
    const timedOut = err instanceof TimeoutError;
    return [{ type: "upstream_error", kind: timedOut ? "timeout" : "network", message: timedOut ? "upstream stream stalled" : String(err?.message || err), now: Date.now() }, null];
  }
}

// After the first content event the response is committed: the rest of the
// upstream body is relayed to the client as it arrives and kept for metering.
// Reading it here (one JS step per chunk) is what lets the gateway notice a
// stalled upstream and end the client's stream properly; a client that leaves
// does not stop the reading, so the bill reflects what the upstream produced.
// The engine then decides how the client's stream ends.
function commitStream(eng, env, ctx, handle, head, prefix, upstream) {
  const { readable, writable } = new IdentityTransformStream();
  const pump = (async () => {
    const client = writable.getWriter();
    let clientGone = false;
    const send = (bytes) => {
      if (!clientGone && bytes.length) client.write(bytes).catch(() => (clientGone = true));
    };
    send(prefix);
    // transform: the engine translates each chunk (a non-OpenAI upstream)
    // and answers with the bytes to write; otherwise bytes pass unchanged.
    const transform = Boolean(head.transform);
    const parts = [];
    let size = 0;
    let upstreamError = null;
    if (upstream.response?.body) {
      const reader = upstream.reader ?? upstream.response.body.getReader();
      const idleMs = head.idle_ms;
      let last = Date.now();
      let stalled = false;
      const watchdog = idleMs
        ? setInterval(() => {
            if (Date.now() - last <= idleMs) return;
            stalled = true;
            clearInterval(watchdog);
            reader.cancel().catch(() => {});
            upstream.controller?.abort();
          }, Math.max(50, Math.min(1000, idleMs / 4)))
        : null;
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          last = Date.now();
          if (transform) {
            const out = eng.step(handle, { type: "upstream_chunk", now: last }, value);
            send(out.payload);
            continue;
          }
          parts.push(value);
          size += value.length;
          send(value);
        }
      } catch (err) {
        upstreamError = String(err?.message || err);
      } finally {
        if (watchdog) clearInterval(watchdog);
      }
      if (stalled) upstreamError = `no data from the upstream for ${idleMs} ms`;
    }
    const meterBytes = new Uint8Array(size);
    let off = 0;
    for (const p of parts) {
      meterBytes.set(p, off);
      off += p.length;
    }
    const fin = eng.step(handle, { type: "stream_end", now: Date.now(), client_aborted: clientGone, upstream_error: upstreamError }, meterBytes);
    eng.close(handle);
    send(fin.payload);
    if (clientGone) client.abort().catch(() => {});
    else client.close().catch(() => {});
    if (fin.head.background?.length) await runSql(env, fin.head.background);
  })();
  ctx.waitUntil(pump);
  return new Response(readable, { status: head.status, headers: head.headers });
}

// Performs actions until the engine answers the client (or finishes a job).
async function drive(eng, env, ctx, handle, action) {
  const upstream = new Upstream();
  try {
    for (;;) {
      const { head, payload } = action;
      let event;
      let bytes = null;
      switch (head.type) {
        case "sql":
          event = await runSql(env, head.statements);
          break;
        case "crypto":
          event = await runCrypto(env, head);
          break;
        case "fetch":
          event = await doFetch(env, head, payload, upstream);
          break;
        case "read_body":
          [event, bytes] = await readBody(head, upstream);
          break;
        case "read_chunk":
          [event, bytes] = await readChunk(head, upstream);
          break;
        case "sleep":
          await new Promise((r) => setTimeout(r, Math.max(0, Math.min(Number(head.ms) || 0, 60000))));
          event = { type: "timer", now: Date.now() };
          break;
        case "cancel_upstream":
          upstream.abort();
          event = { type: "cancelled", now: Date.now() };
          break;
        case "commit_stream":
          return commitStream(eng, env, ctx, handle, head, payload.slice(), upstream);
        case "respond": {
          eng.close(handle);
          upstream.abort();
          if (head.background?.length) ctx.waitUntil(runSql(env, head.background));
          return new Response(payload.length ? payload.slice() : null, { status: head.status, headers: head.headers });
        }
        case "done":
          eng.close(handle);
          upstream.abort();
          if (head.background?.length) await runSql(env, head.background);
          return null;
        default:
          throw new Error(`unknown engine action ${head.type}`);
      }
      if (!event.now) event.now = Date.now();
      action = eng.step(handle, event, bytes);
    }
  } catch (err) {
    eng.close(handle);
    upstream.abort();
    console.error("keyaos: request failed in the host:", err?.message || err);
    return errorResponse(500, "The gateway failed to process the request.", "server_error", "internal_error");
  }
}

function errorResponse(status, message, type, code) {
  return new Response(JSON.stringify({ error: { message, type, param: null, code } }), {
    status,
    headers: { "content-type": "application/json" },
  });
}

function isEngineRoute(path) {
  return path === "/health" || path.startsWith("/v1/") || path === "/v1" || path.startsWith("/api/") || path === "/api";
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    if (!isEngineRoute(url.pathname) && env.ASSETS) return env.ASSETS.fetch(request);
    const eng = engineFor(env);
    let body = new Uint8Array(0);
    let tooLarge = false;
    if (request.body) {
      body = await readCapped(request.body.getReader(), MAX_BODY_BYTES + 1, true);
      tooLarge = body.length > MAX_BODY_BYTES;
      if (tooLarge) body = new Uint8Array(0);
    }
    const handle = eng.open();
    const event = {
      type: "request",
      method: request.method,
      path: url.pathname,
      query: url.search.startsWith("?") ? url.search.slice(1) : "",
      headers: headersObject(request.headers),
      client_ip: request.headers.get("cf-connecting-ip") || "",
      body_too_large: tooLarge,
      max_body_bytes: MAX_BODY_BYTES,
      nonce: randomHex(16),
      now: Date.now(),
    };
    return drive(eng, env, ctx, handle, eng.step(handle, event, body));
  },

  async scheduled(controller, env, ctx) {
    const eng = engineFor(env);
    const handle = eng.open();
    const event = { type: "scheduled", cron: controller.cron, nonce: randomHex(16), now: Date.now() };
    ctx.waitUntil(drive(eng, env, ctx, handle, eng.step(handle, event, null)));
  },
};
