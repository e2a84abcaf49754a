// The ledger with a real local D1: a request is billed exactly once when D1
// fails and recovers, a batch given up on is reported with its request id, a
// replayed batch changes nothing, and an API key's quota holds under
// concurrent requests.
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI from "openai";
import { startGateway, waitFor, ADMIN_TOKEN, ENCRYPTION_KEY } from "../support/gateway.js";
import { driveRequest, loadEngine, runSql as runBatch } from "../support/engine-host.js";
import { startMockUpstream, openaiCompletion } from "../support/mock-upstream.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const OPENAI_SECRET = "sk-proj-ledgerkey0123456789";
const USAGE = { prompt_tokens: 12, completion_tokens: 4 };
const COST = 12 * 150 + 4 * 600; // gpt-4o-mini at $0.15/$0.60 per M, in nano-USD

// A gateway whose workerd output (the Worker's console) is kept in `output()`.
async function withGateway({ plan, bindings = {} } = {}, fn) {
  const mock = await startMockUpstream("openai", (req) => (req.url.endsWith("/chat/completions") ? plan?.(req) : undefined));
  let text = "";
  const gw = await startGateway({
    upstreams: { openai: mock.url + "/v1" },
    bindings,
    handleRuntimeStdio(stdout, stderr) {
      for (const stream of [stdout, stderr]) stream.on("data", (chunk) => (text += chunk.toString()));
    },
  });
  try {
    const credential = await gw.addCredential("openai", OPENAI_SECRET, { quota_usd: 1 });
    await fn({ gw, mock, credential, output: () => text });
  } finally {
    await gw.close();
    await mock.close();
  }
}

async function createKey(gw, quota_usd) {
  const res = await gw.api("POST", "/api/api-keys", { name: "ledger", quota_usd });
  assert.equal(res.status, 201);
  return res.json;
}

// One non-streamed chat through the OpenAI client; returns the request id.
async function chat(apiKey, gw, extra = {}) {
  const client = new OpenAI({ apiKey, baseURL: gw.url + "/v1", maxRetries: 0 });
  const { response } = await client.chat.completions
    .create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "x" }], ...extra })
    .withResponse();
  return response.headers.get("x-request-id");
}


async function balances(gw, credentialId, keyId) {
  const cred = await gw.db.prepare("SELECT quota_nusd, spent_nusd, request_count FROM credentials WHERE id = ?").bind(credentialId).first();
  const key = await gw.db.prepare("SELECT used_nusd, request_count FROM api_keys WHERE id = ?").bind(keyId).first();
  const logs = (await gw.db.prepare("SELECT COUNT(*) AS n FROM request_logs").first()).n;
  const attempts = (await gw.db.prepare("SELECT COUNT(*) AS n FROM request_attempts").first()).n;
  const reservations = (await gw.db.prepare("SELECT COUNT(*) AS n FROM api_key_reservations").first()).n;
  return { cred, key, logs, attempts, reservations };
}

test("D1 fails on the ledger write, then recovers: the request is billed exactly once", async () => {
  await withGateway({ plan: () => ({ json: openaiCompletion({ usage: USAGE }) }) }, async ({ gw, credential, output }) => {
    const key = await createKey(gw, 1);
    await gw.db.prepare("CREATE TRIGGER fail_log BEFORE INSERT ON request_logs BEGIN SELECT RAISE(ABORT, 'injected'); END").run();
    const id = await chat(key.key, gw);
    assert.match(id, /^req_/);
    // The first attempt failed for real; D1 comes back inside the backoff window.
    await waitFor("the first failed attempt", () => output().includes(`ledger write for ${id} failed (attempt 1 of 4)`));
    await gw.db.prepare("DROP TRIGGER fail_log").run();
    await gw.waitForRows("SELECT id FROM request_logs", 1, 8000);
    await sleep(500); // no later attempt may bill again
    const b = await balances(gw, credential.id, key.id);
    assert.equal(b.logs, 1);
    assert.equal(b.attempts, 1);
    assert.equal(b.cred.spent_nusd, COST);
    assert.equal(b.cred.quota_nusd, 1_000_000_000 - COST);
    assert.equal(b.cred.request_count, 1);
    assert.equal(b.key.used_nusd, COST);
    assert.equal(b.key.request_count, 1);
    assert.equal(b.reservations, 0, "the reservation was replaced by the real cost");
    assert.ok(output().includes("injected"), "the attempt's D1 error is logged");
  });
});

test("D1 stays broken: the ledger write is abandoned after bounded retries and reported with the request id", async () => {
  await withGateway({ plan: () => ({ json: openaiCompletion({ usage: USAGE }) }) }, async ({ gw, credential, output }) => {
    const key = await createKey(gw, 1);
    await gw.db.prepare("CREATE TRIGGER fail_log BEFORE INSERT ON request_logs BEGIN SELECT RAISE(ABORT, 'injected'); END").run();
    const started = Date.now();
    const id = await chat(key.key, gw);
    await waitFor("the abandoned write", () => output().includes(`ledger write for ${id} abandoned after 4 attempts`), 15000);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 250 + 1000 + 2500, `backed off before giving up (${elapsed} ms)`);
    const lines = output().split("\n").filter((l) => l.includes(id));
    assert.equal(lines.filter((l) => l.includes("failed (attempt")).length, 3);
    assert.ok(lines.some((l) => l.includes("abandoned") && l.includes("injected")));
    // Nothing secret and no body reaches the log.
    for (const secret of [OPENAI_SECRET, key.key, ADMIN_TOKEN, "INSERT", "Hello from the mock"]) assert.ok(!output().includes(secret), secret);
    await sleep(300);
    const b = await balances(gw, credential.id, key.id);
    assert.equal(b.logs, 0);
    assert.equal(b.cred.spent_nusd, 0);
    assert.equal(b.key.used_nusd, 0);
    assert.equal(b.reservations, 1, "an unsettled reservation stays until it expires");
  });
});

// The realistic double run is a batch that committed while the Worker got no
// answer in time (LEDGER_WRITE_TIMEOUT_MS): the Worker sends it again. Local
// D1 runs on workerd's own thread, so a write cannot be made to time out after
// committing there. Instead this test is the host for the real engine
// (worker-shim/keyaos.wasm, loaded as the Worker loads it) against the same
// local D1, takes the exact ledger batch the engine hands the host after a
// billed request, and writes it twice, as the Worker's retry would.
test("the same ledger batch written twice bills once: the second write changes nothing", async () => {
  await withGateway({ plan: () => ({ json: openaiCompletion({ usage: USAGE }) }) }, async ({ gw, mock, credential }) => {
    const key = await createKey(gw, 1);
    const engine = loadEngine({ admin_token: ADMIN_TOKEN, encryption_configured: true, upstream_base_urls: { openai: mock.url + "/v1" } });
    const body = JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "x" }] });
    const request = { type: "request", method: "POST", path: "/v1/chat/completions", query: "", headers: { authorization: `Bearer ${key.key}` }, client_ip: "", nonce: "5e".repeat(16) };
    const answer = await driveRequest(engine, { db: gw.db, encryptionKey: ENCRYPTION_KEY, request, body });
    assert.equal(answer.status, 200, answer.body);
    const background = answer.background;
    assert.ok(background.length, "the engine handed over a ledger batch");
    const runSql = (statements) => runBatch(gw.db, statements);

    await runSql(background);
    const once = await balances(gw, credential.id, key.id);
    assert.equal(once.logs, 1);
    assert.equal(once.cred.spent_nusd, COST);
    assert.equal(once.cred.quota_nusd, 1_000_000_000 - COST);
    assert.equal(once.key.used_nusd, COST);
    assert.equal(once.key.request_count, 1);
    assert.equal(once.reservations, 0);
    await runSql(background);
    assert.deepEqual(await balances(gw, credential.id, key.id), once, "the replay changed nothing");
  });
});

test("50 concurrent requests on an API key with a quota never bill past it; the rest get 429 key_quota_exceeded", async () => {
  // Each request may cost up to max_tokens (its estimate) but reports fewer tokens.
  const usage = { prompt_tokens: 12, completion_tokens: 500 };
  const cost = 12 * 150 + 500 * 600;
  const QUOTA_NUSD = 5_000_000;
  await withGateway({ plan: () => ({ delayMs: 300, json: openaiCompletion({ usage }) }) }, async ({ gw, credential }) => {
    const key = await createKey(gw, QUOTA_NUSD / 1e9);
    const client = new OpenAI({ apiKey: key.key, baseURL: gw.url + "/v1", maxRetries: 0 });
    const N = 50;
    const outcomes = await Promise.all(
      Array.from({ length: N }, async () => {
        try {
          const { response } = await client.chat.completions
            .create({ model: "openai/gpt-4o-mini", max_tokens: 1000, messages: [{ role: "user", content: "x" }] })
            .withResponse();
          return { ok: true, estimate: Number(response.headers.get("x-keyaos-cost-estimate")) };
        } catch (err) {
          return { ok: false, status: err.status, code: err.code, type: err.type };
        }
      }),
    );
    const served = outcomes.filter((o) => o.ok);
    const refused = outcomes.filter((o) => !o.ok);
    assert.equal(served.length + refused.length, N);
    for (const r of refused) assert.deepEqual([r.status, r.code, r.type], [429, "key_quota_exceeded", "insufficient_quota"]);
    const rows = await gw.waitForRows("SELECT effective_cost_nusd FROM request_logs", served.length, 10000);
    await sleep(300);
    const b = await balances(gw, credential.id, key.id);
    // The bound: spend plus in-flight estimates never exceed the quota, and here every cost is within its estimate.
    assert.ok(b.key.used_nusd <= QUOTA_NUSD, `used ${b.key.used_nusd} of ${QUOTA_NUSD}`);
    assert.equal(b.key.used_nusd, served.length * cost);
    assert.equal(rows.reduce((s, r) => s + r.effective_cost_nusd, 0), served.length * cost);
    assert.equal(b.logs, served.length, "refused requests reach no upstream and bill nothing");
    assert.equal(b.cred.spent_nusd, served.length * cost);
    assert.equal(b.reservations, 0);
    // Refusals are not spurious: at least as many as fit on their estimates alone were served.
    const estimateNusd = Math.ceil(served[0].estimate * 1e9);
    assert.ok(served.length >= Math.floor(QUOTA_NUSD / estimateNusd), `${served.length} served, estimate ${estimateNusd}`);
    assert.ok(refused.length > 0);
  });
});
