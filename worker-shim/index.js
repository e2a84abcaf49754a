// Keyaos Worker: hands every fetch and scheduled event to the C++ engine and
// performs the I/O it asks for (D1, upstream fetches, crypto, streaming).
// No routing, pricing or protocol logic lives here. The events and actions
// exchanged with the engine are those of wasm/core/io.h, and no others.
import wasmModule from "./keyaos.wasm";
import { WasmEngine } from "./loader.js";
import { warmUp } from "./warm-up.js";
import { hmacSha256Hex, open as openSecret, randomHex, seal, sha256Hex, verifyRs256 } from "./crypto.js";

// Buffer bounds: a client's request body (read only for an authenticated
// caller, when the engine asks), an upstream body read whole (the engine names
// its own cap; this is the fallback), and the bytes written to a client but
// not yet taken by it before the relay waits for the client.
const MAX_BODY_BYTES = 8 * 1024 * 1024;
const MAX_UPSTREAM_BODY_BYTES = 16 * 1024 * 1024;
const MAX_CLIENT_QUEUE_BYTES = 1024 * 1024;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

let engine = null;
let engineConfig = null;
// Opened API keys, isolate memory only: credential id -> {ciphertext, plaintext}.
// An entry serves only the exact ciphertext it was opened from (a re-sealed or
// replaced secret misses), the engine names deleted or changed credentials in
// `forget_secrets`, and the least recently used entries go first.
const secretCache = new Map();
const SECRET_CACHE_MAX = 256;

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
      keepalive_ms: Number(env.STREAM_KEEPALIVE_MS || 0) || undefined,
    },
    routing_cache_ms: Number(env.ROUTING_CACHE_MS || 0) || undefined,
    cny_usd_rate: Number(env.CNY_USD_RATE || 0) || undefined,
    cooldown_ms: Number(env.UPSTREAM_COOLDOWN_MS || 0) || undefined,
    cooldown_max_ms: Number(env.UPSTREAM_COOLDOWN_MAX_MS || 0) || undefined,
    // Platform mode is on when Clerk's keys are set. The secret key itself
    // stays here: the engine only needs to know it is configured.
    platform: {
      secret_key_set: Boolean(env.CLERK_SECRET_KEY),
      publishable_key: env.CLERK_PUBLISHABLE_KEY || "",
      jwt_key: env.CLERK_JWT_KEY || "",
      jwks_url: env.CLERK_JWKS_URL || "",
      authorized_parties: env.CLERK_AUTHORIZED_PARTIES || "",
      owner_id: env.PLATFORM_OWNER_ID || "",
      allow_private_hosts: env.PLATFORM_ALLOW_PRIVATE_HOSTS === "true",
    },
    // Payments: the keys stay here too. The engine's Stripe calls name
    // secret_ref "stripe" and get the key added (doFetch); webhooks are
    // signed through the hmac_sha256 op (key_ref "stripe_webhook").
    stripe: {
      secret_key_set: Boolean(env.STRIPE_SECRET_KEY),
      webhook_secret_set: Boolean(env.STRIPE_WEBHOOK_SECRET),
      api_base_url: stripeBase(env),
    },
  };
}

function stripeBase(env) {
  return String(env.STRIPE_API_BASE_URL || "https://api.stripe.com").replace(/\/+$/, "");
}

// The secrets a crypto op may name by reference; their values never reach the engine.
function secretByRef(env, ref) {
  if (ref === "stripe_webhook") return env.STRIPE_WEBHOOK_SECRET || null;
  return null;
}

// A failed instance (see WasmEngine.broken) is replaced before the next
// request, so one bad request never reaches the state of another.
function liveEngine() {
  if (!engine || engine.broken) {
    engine = null;
    engineConfig = null;
    engine = new WasmEngine(wasmModule);
  }
  return engine;
}

function engineFor(env) {
  const eng = liveEngine();
  const config = JSON.stringify(configFrom(env));
  if (config !== engineConfig) {
    eng.init(JSON.parse(config));
    engineConfig = config;
  }
  return eng;
}

// The paths the engine answers, from its route table: {prefixes, paths}. The
// same for every instance of the module, so read once per isolate.
let enginePaths = null;

function isEngineRoute(path) {
  enginePaths ??= liveEngine().paths();
  return enginePaths.paths.includes(path) || enginePaths.prefixes.some((p) => path === p || path.startsWith(p + "/"));
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

// A request's ledger batch (log row, attempts, balances) is written after the
// response, in ctx.waitUntil. It is retried with backoff when D1 fails or
// does not answer in time: the batch is idempotent (see wasm/billing/ledger.h),
// so a retry of a write that did commit changes nothing.
const LEDGER_RETRY_DELAYS_MS = [250, 1000, 2500];
const DEFAULT_LEDGER_TIMEOUT_MS = 5000;

async function writeLedger(env, statements, requestId) {
  const timeoutMs = Number(env.LEDGER_WRITE_TIMEOUT_MS || 0) || DEFAULT_LEDGER_TIMEOUT_MS;
  const attempts = LEDGER_RETRY_DELAYS_MS.length + 1;
  const id = requestId || "(no request id)";
  for (let attempt = 1; ; attempt++) {
    let error;
    try {
      const result = await withTimeout(runSql(env, statements), timeoutMs);
      if (!result.error) return true;
      error = result.error;
    } catch (err) {
      error = err instanceof TimeoutError ? `no answer from D1 within ${timeoutMs} ms` : String(err?.message || err);
    }
    // Only the request id and D1's message: never statements, parameters or bodies.
    error = error.slice(0, 300);
    if (attempt >= attempts) {
      console.error(`keyaos: ledger write for ${id} abandoned after ${attempts} attempts: ${error}`);
      return false;
    }
    const delay = LEDGER_RETRY_DELAYS_MS[attempt - 1];
    console.warn(`keyaos: ledger write for ${id} failed (attempt ${attempt} of ${attempts}), retrying in ${delay} ms: ${error}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

async function plaintextOf(env, credential) {
  const { id, ciphertext, aad } = credential;
  const hit = secretCache.get(id);
  secretCache.delete(id);
  if (hit && hit.ciphertext === ciphertext) {
    secretCache.set(id, hit);
    return hit.plaintext;
  }
  const plaintext = await openSecret(env.ENCRYPTION_KEY, ciphertext, aad);
  secretCache.set(id, { ciphertext, plaintext });
  while (secretCache.size > SECRET_CACHE_MAX) secretCache.delete(secretCache.keys().next().value);
  return plaintext;
}

function forgetSecrets(head) {
  for (const id of head?.forget_secrets || []) secretCache.delete(id);
}

async function runCrypto(env, head) {
  const values = [];
  for (const item of head.items || []) {
    if (item.op === "seal") values.push({ ciphertext: await seal(env.ENCRYPTION_KEY, item.text, item.aad), sha256: await sha256Hex(item.text) });
    else if (item.op === "sha256") values.push({ sha256: await sha256Hex(item.text) });
    else if (item.op === "random") values.push({ hex: randomHex(item.bytes || 16) });
    // OAuth credentials (refresh tokens) are opened by the engine, which refreshes them.
    else if (item.op === "open") {
      try {
        values.push({ plaintext: await openSecret(env.ENCRYPTION_KEY, item.ciphertext, item.aad) });
      } catch {
        values.push({ error: "cannot decrypt" });
      }
    }
    // An older ciphertext sealed again with its row's additional data; the
    // plaintext stays here.
    else if (item.op === "reseal") {
      try {
        const plain = await openSecret(env.ENCRYPTION_KEY, item.ciphertext, item.aad);
        values.push({ ciphertext: await seal(env.ENCRYPTION_KEY, plain, item.aad) });
      } catch {
        values.push({ error: "cannot decrypt" });
      }
    }
    // A Clerk session's RS256 signature, with a JWK from Clerk's JWKS or CLERK_JWT_KEY's PEM.
    else if (item.op === "verify_rs256") values.push({ valid: await verifyRs256(item) });
    // A Stripe webhook's signature: HMAC-SHA256 under a secret named by reference.
    else if (item.op === "hmac_sha256") {
      const key = secretByRef(env, item.key_ref);
      if (!key) values.push({ error: `unknown key_ref ${String(item.key_ref)}` });
      else values.push({ hex: await hmacSha256Hex(key, String(item.text ?? "")) });
    }
    // One value per item, always, so an unknown op cannot shift the others.
    else values.push({ error: `unknown crypto op ${String(item.op)}` });
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

// Reads up to maxBytes (plus at most one chunk). With `drain`, the rest is
// read and dropped, so a client still sending an oversized body gets the
// answer instead of a reset.
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
  return concat(parts, size);
}

function concat(parts, size) {
  if (parts.length === 1) return parts[0];
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
  if (head.credential) {
    try {
      secret = await plaintextOf(env, head.credential);
    } catch {
      return { type: "upstream_error", kind: "credential", message: "the credential could not be decrypted", now: Date.now() };
    }
  }
  for (const [k, v] of Object.entries(head.headers || {})) headers[k] = secret !== null ? v.replaceAll("${secret}", secret) : v;
  // Stripe's key is added here, and only to Stripe's own base URL.
  if (head.secret_ref !== undefined) {
    if (head.secret_ref !== "stripe" || !env.STRIPE_SECRET_KEY || !String(head.url).startsWith(stripeBase(env) + "/"))
      return { type: "upstream_error", kind: "credential", message: "no secret for this request", now: Date.now() };
    headers.authorization = `Bearer ${env.STRIPE_SECRET_KEY}`;
  }
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

// Reads an upstream body whole, holding at most max_bytes. idle_ms bounds
// each gap between bytes, so a long answer that keeps arriving is never cut.
async function readBody(head, upstream) {
  const response = upstream.response;
  if (!response?.body) return [{ type: "upstream_body", now: Date.now() }, new Uint8Array(0)];
  const reader = (upstream.reader = response.body.getReader());
  const maxBytes = Number(head.max_bytes) || MAX_UPSTREAM_BODY_BYTES;
  const idleMs = Number(head.idle_ms) || 0;
  const parts = [];
  let size = 0;
  try {
    for (;;) {
      const { value, done } = await withTimeout(reader.read(), idleMs, () => upstream.abort());
      if (done) break;
      if (size + value.length > maxBytes) {
        upstream.abort();
        if (head.whole) return [{ type: "upstream_error", kind: "too_large", message: `body over ${maxBytes} bytes`, bytes: size + value.length, now: Date.now() }, null];
        parts.push(value.subarray(0, maxBytes - size));
        size = maxBytes;
        break;
      }
      parts.push(value);
      size += value.length;
    }
  } catch (err) {
    const timedOut = err instanceof TimeoutError;
    const message = timedOut ? `no data from the upstream for ${idleMs} ms` : String(err?.message || err);
    return [{ type: "upstream_error", kind: timedOut ? "timeout" : "network", message, bytes: size, now: Date.now() }, null];
  }
  return [{ type: "upstream_body", now: Date.now() }, concat(parts, size)];
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

// After the first content event the response is committed: every further
// upstream chunk goes to the engine's hot path (eng.chunk: bytes in, bytes
// out, no JSON either way), which meters it and answers the bytes for the
// client (translated, or the upstream's own well-formed events), so no copy
// of the stream is kept here. Reading here is what lets the gateway
// notice a stalled upstream and end the client's stream properly; a client
// that leaves does not stop the reading, so the bill reflects what the
// upstream produced. The engine then decides how the client's stream ends.
function commitStream(eng, env, ctx, handle, head, prefix, upstream) {
  const { readable, writable } = new IdentityTransformStream();
  const requestId = head.headers?.["x-request-id"];
  const pump = (async () => {
    const client = writable.getWriter();
    let clientGone = false;
    let closed = false;
    let queued = 0; // written to the client, not yet taken by it
    let lastWrite = null;
    let lastSent = Date.now();
    const send = (bytes) => {
      if (clientGone || !bytes?.length) return;
      lastSent = Date.now();
      queued += bytes.length;
      lastWrite = client.write(bytes).then(
        () => (queued -= bytes.length),
        () => (clientGone = true),
      );
    };
    let background = null;
    let fin = null;
    try {
      send(prefix);
      let upstreamError = null;
      let engineFailed = null;
      if (upstream.response?.body) {
        const reader = upstream.reader ?? upstream.response.body.getReader();
        const idleMs = head.idle_ms;
        const keepaliveMs = Number(head.keepalive_ms) || 0;
        let last = Date.now();
        let stalled = false;
        let waitingForClient = false;
        // Also keeps the engine's task marked alive while bytes only pass
        // through, and asks it for a keepalive frame when the client's stream
        // has been quiet (the upstream's idle clock is not reset by it).
        const watchdog = setInterval(() => {
          const now = Date.now();
          eng.touch(handle, now);
          if (keepaliveMs && !waitingForClient && !clientGone && now - lastSent >= keepaliveMs) {
            try {
              send(streamAction(eng.step(handle, { type: "keepalive", now }, null), "write").payload);
            } catch (err) {
              engineFailed = err;
              reader.cancel().catch(() => {});
            }
            lastSent = now;
          }
          if (!idleMs || waitingForClient || now - last <= idleMs) return;
          stalled = true;
          clearInterval(watchdog);
          reader.cancel().catch(() => {});
          upstream.controller?.abort();
        }, Math.max(50, Math.min(1000, (idleMs || 4000) / 4, keepaliveMs ? keepaliveMs / 2 : 1000)));
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            last = Date.now();
            let bytes;
            try {
              bytes = eng.chunk(handle, last, value);
              if (bytes === null) {
                bytes = streamAction(eng.step(handle, { type: "upstream_chunk", now: last }, value), "write").payload;
              }
            } catch (err) {
              engineFailed = err;
              break;
            }
            send(bytes);
            // A slow client: wait for it rather than queue without bound (the
            // upstream's idle clock does not run meanwhile).
            if (queued > MAX_CLIENT_QUEUE_BYTES && !clientGone) {
              waitingForClient = true;
              await lastWrite;
              waitingForClient = false;
              last = Date.now();
            }
          }
        } catch (err) {
          upstreamError = String(err?.message || err);
        } finally {
          clearInterval(watchdog);
        }
        if (stalled) upstreamError = `no data from the upstream for ${idleMs} ms`;
      }
      if (engineFailed) throw engineFailed;
      fin = streamAction(eng.step(handle, { type: "stream_end", now: Date.now(), client_aborted: clientGone, upstream_error: upstreamError }, null), "finish");
      eng.close(handle);
      closed = true;
      send(fin.payload);
      background = fin.head.background;
    } catch (err) {
      // The engine (or the host) cannot end the stream: end it with an error event and no [DONE].
      console.error(`keyaos: stream relay for ${requestId || "(no request id)"} failed in the host: ${String(err?.message || err).slice(0, 300)}`);
      send(encoder.encode(`data: ${errorBody("The gateway failed while streaming the response.", "server_error", "internal_error")}\n\n`));
    } finally {
      // Whatever happened, the engine's task and the upstream are released.
      if (!closed) {
        try {
          eng.close(handle);
        } catch {}
      }
      upstream.abort();
      if (clientGone) client.abort().catch(() => {});
      else client.close().catch(() => {});
    }
    if (background?.length && (await writeLedger(env, background, requestId))) await followUp(env, ctx, fin.head.follow_up);
  })();
  ctx.waitUntil(pump);
  return new Response(readable, { status: head.status, headers: head.headers });
}

// An action of a committed stream: `write` for a chunk or a keepalive,
// `finish` for its end. Any other breaks the protocol, and the client's
// stream ends with an error event.
function streamAction(out, expected) {
  if (out.head.type !== expected) throw new Error(`unexpected engine action ${out.head.type} (expected ${expected})`);
  forgetSecrets(out.head);
  return out;
}

// Performs actions until the engine answers the client (or finishes a job).
// Every way out closes the engine's handle (commit_stream hands it to the relay).
async function drive(eng, env, ctx, handle, event, payload, request = null) {
  const upstream = new Upstream();
  try {
    let action = eng.step(handle, event, payload);
    for (;;) {
      const { head, payload } = action;
      forgetSecrets(head);
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
        case "read_request_body": {
          // Asked for only once the caller is authenticated.
          const max = Number(head.max_bytes) || MAX_BODY_BYTES;
          const body = request?.body ? await readCapped(request.body.getReader(), max + 1, true) : new Uint8Array(0);
          const tooLarge = body.length > max;
          event = { type: "request_body", too_large: tooLarge };
          bytes = tooLarge ? null : body;
          break;
        }
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
          if (head.background?.length)
            ctx.waitUntil(writeLedger(env, head.background, head.headers?.["x-request-id"]).then((ok) => ok && followUp(env, ctx, head.follow_up)));
          return new Response(payload.length ? payload.slice() : null, { status: head.status, headers: head.headers });
        }
        case "done":
          eng.close(handle);
          upstream.abort();
          if (head.background?.length && (await writeLedger(env, head.background, head.headers?.["x-request-id"]))) await followUp(env, ctx, head.follow_up);
          return null;
        default:
          throw new Error(`unknown engine action ${head.type}`);
      }
      if (!event.now) event.now = Date.now();
      action = eng.step(handle, event, bytes);
    }
  } catch (err) {
    try {
      eng.close(handle);
    } catch {}
    upstream.abort();
    return failed(err);
  }
}

// What the engine names to do once a request's ledger batch is written
// (follow_up {type: "auto_topup", owner_id}): a new engine task, run to its
// `done` like the cron's. Failures are logged, never the client's concern.
async function followUp(env, ctx, job) {
  if (!job) return;
  try {
    const [eng, handle] = openRequest(env);
    await drive(eng, env, ctx, handle, { type: "follow_up", follow_up: job, nonce: randomHex(16), now: Date.now() }, null);
  } catch (err) {
    console.error(`keyaos: follow-up ${String(job.type)} failed in the host: ${String(err?.message || err).slice(0, 300)}`);
  }
}

function errorBody(message, type, code) {
  return JSON.stringify({ error: { message, type, param: null, code } });
}

function errorResponse(status, message, type, code) {
  return new Response(errorBody(message, type, code), {
    status,
    headers: { "content-type": "application/json" },
  });
}

// Any exception out of the engine or the host: an OpenAI-shaped 500, never
// the runtime's error page; a failed engine is replaced by engineFor.
function failed(err) {
  console.error("keyaos: request failed in the host:", err?.message || err);
  return errorResponse(500, "The gateway failed to process the request.", "server_error", "internal_error");
}

// The engine (replaced first if it failed) and a handle for one new request.
function openRequest(env) {
  const eng = engineFor(env);
  return [eng, eng.open()];
}

// At the isolate's startup, not in its first request: V8 compiles the code a
// request and a cron run take (worker-shim/warm-up.js), and the engine is
// instantiated (its configuration comes with the first event's env).
try {
  warmUp(wasmModule);
  liveEngine();
} catch (err) {
  console.error("keyaos: the startup warm-up failed:", err?.message || err);
}

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    let eng;
    let handle;
    try {
      // Everything the engine does not answer is the dashboard's.
      if (env.ASSETS && !isEngineRoute(url.pathname)) return env.ASSETS.fetch(request);
      [eng, handle] = openRequest(env);
    } catch (err) {
      return failed(err);
    }
    const event = {
      type: "request",
      method: request.method,
      path: url.pathname,
      query: url.search.startsWith("?") ? url.search.slice(1) : "",
      headers: headersObject(request.headers),
      client_ip: request.headers.get("cf-connecting-ip") || "",
      origin: url.origin,
      // The body stays unread until the engine asks for it (after auth).
      body_pending: Boolean(request.body),
      max_body_bytes: MAX_BODY_BYTES,
      nonce: randomHex(16),
      now: Date.now(),
    };
    return drive(eng, env, ctx, handle, event, null, request);
  },

  async scheduled(controller, env, ctx) {
    let eng;
    let handle;
    try {
      [eng, handle] = openRequest(env);
    } catch (err) {
      failed(err);
      return;
    }
    const event = { type: "scheduled", cron: controller.cron, nonce: randomHex(16), now: Date.now() };
    ctx.waitUntil(drive(eng, env, ctx, handle, event, null));
  },
};
