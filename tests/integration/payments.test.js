// Buying credits with Stripe, and auto top-up, in Platform mode: the real
// Worker in workerd with a real local D1; Clerk and Stripe are local stand-ins
// speaking their wire formats (tests/support/clerk.js, mock-stripe.js).
// After every test, each owner's wallet equals the sum of its entries.
import { test, before, after, afterEach } from "node:test";
import assert from "node:assert/strict";
import { startGateway, waitFor } from "../support/gateway.js";
import { startClerk } from "../support/clerk.js";
import { startStripe } from "../support/mock-stripe.js";
import { startMockUpstream, openaiCompletion } from "../support/mock-upstream.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const OPERATOR = "user_operator";
const ALICE = "user_alice"; // contributes a pool credential
const BOB = "user_bob"; // buys credits and spends them on the pool
const CENT = 10_000_000;
const USAGE = { prompt_tokens: 12, completion_tokens: 4 };
const SYNCED = ["openrouter", "zenmux", "deepinfra", "deepseek", "google-ai-studio", "qwen-code"];

let clerk, stripe, mock, gw;

before(async () => {
  clerk = await startClerk({ azp: "http://localhost:8787" });
  stripe = await startStripe();
  mock = await startMockUpstream("openai", (req) => (req.url.endsWith("/chat/completions") ? { json: openaiCompletion({ usage: USAGE }) } : undefined));
  const upstreams = { openai: mock.url + "/v1" };
  for (const id of SYNCED) upstreams[id] = mock.url + "/v1"; // the cron's catalogue sync stays local
  gw = await startGateway({
    upstreams,
    bindings: { ...clerk.bindings({ ownerId: OPERATOR, authorizedParties: ["http://localhost:8787"] }), ...stripe.bindings() },
  });
});

after(async () => {
  await gw?.close();
  await mock?.close();
  await stripe?.close();
  await clerk?.close();
});

afterEach(async () => {
  stripe.clearFailures();
  const { results } = await gw.db
    .prepare(
      "SELECT w.owner_id, w.balance_nusd, (SELECT COALESCE(SUM(amount_nusd), 0) FROM wallet_entries e WHERE e.owner_id = w.owner_id) AS sum FROM wallets w",
    )
    .all();
  for (const r of results) assert.equal(r.balance_nusd, r.sum, `wallet of ${r.owner_id} equals the sum of its entries`);
});

const as = (user) => (method, path, body) => gw.as(clerk.sign({ sub: user }))(method, path, body);
const balance = async (owner) => (await gw.db.prepare("SELECT balance_nusd FROM wallets WHERE owner_id = ?").bind(owner).first())?.balance_nusd ?? 0;
const entries = async (owner, kind) =>
  (await gw.db.prepare("SELECT * FROM wallet_entries WHERE owner_id = ? AND kind = ? ORDER BY id").bind(owner, kind).all()).results;
const payment = (id) => gw.db.prepare("SELECT * FROM payments WHERE id = ?").bind(id).first();
const scheduled = async () => (await gw.mf.getWorker()).scheduled({ cron: "17 * * * *" });
const stripeCalls = (path, method = "POST") => stripe.requests.filter((r) => r.path === path && r.method === method);

async function webhook(body, signature = stripe.signature(body)) {
  const res = await gw.fetch("/api/webhooks/stripe", { method: "POST", headers: { "content-type": "application/json", "stripe-signature": signature }, body });
  const text = await res.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, json, text };
}

// A checkout by `user` and the Session Stripe made for it.
async function checkout(user, amount_cents) {
  const res = await as(user)("POST", "/api/credits/checkout", { amount_cents });
  assert.equal(res.status, 200, res.text);
  const session = [...stripe.sessions.values()].find((s) => s.metadata.payment_id === res.json.payment_id);
  assert.ok(session, "Stripe has the session");
  return { ...res.json, session };
}

const completed = (sessionObject, opts) => stripe.event("checkout.session.completed", sessionObject, opts);

// Bob with a card saved by a paid checkout.
async function buy(user, cents) {
  const c = await checkout(user, cents);
  const res = await webhook(completed(stripe.pay(c.session.id)));
  assert.equal(res.status, 200, res.text);
  return c;
}

const chat = (user) =>
  gw.fetch("/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${clerk.sign({ sub: user })}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "openai/gpt-4o-mini", max_tokens: USAGE.completion_tokens, messages: [{ role: "user", content: "hi" }] }),
  });


test("checkout: amounts are integer cents in 100..1,000,000", async () => {
  const bob = as(BOB);
  for (const [amount_cents, code] of [
    [99, "checkout_min_amount"],
    [0, "checkout_min_amount"],
    [-500, "checkout_min_amount"],
    [1_000_001, "invalid_amount"],
    ["500", "invalid_amount"],
    [500.5, "invalid_amount"],
    [null, "invalid_amount"],
    [undefined, "invalid_amount"],
  ]) {
    const res = await bob("POST", "/api/credits/checkout", { amount_cents });
    assert.equal(res.status, 400, `${amount_cents}: ${res.text}`);
    assert.equal(res.json.error.code, code, String(amount_cents));
    assert.equal(res.json.error.param, "amount_cents");
  }
  assert.equal((await gw.db.prepare("SELECT COUNT(*) AS n FROM payments").first()).n, 0, "a refused amount leaves no payment");
  assert.equal((await gw.as("")("POST", "/api/credits/checkout", { amount_cents: 500 })).status, 401);
});

test("the full flow: checkout -> Stripe -> signed webhook -> balance, then the credits buy pool requests", async () => {
  const seen = stripe.requests.length;
  const c = await checkout(BOB, 1000);
  assert.match(c.payment_id, /^pay_[0-9a-f]{24}$/);
  assert.equal(c.url, c.session.url);
  const [customerCall, sessionCall] = stripe.requests.slice(seen);
  assert.equal(customerCall.path, "/v1/customers");
  assert.equal(customerCall.form["metadata[owner_id]"], BOB);
  assert.equal(customerCall.idempotencyKey, `keyaos-customer-${BOB}`);
  assert.equal(customerCall.headers["content-type"], "application/x-www-form-urlencoded");
  for (const call of [customerCall, sessionCall]) {
    assert.ok(call.bearer && call.keyMatches, "the shim added the secret key");
    assert.ok(!JSON.stringify(call.headers).includes(stripe.secretKey));
  }
  assert.equal(sessionCall.path, "/v1/checkout/sessions");
  const f = sessionCall.form;
  assert.equal(f.mode, "payment");
  assert.equal(f.customer, customerCall && [...stripe.customers.keys()].find((id) => stripe.customers.get(id).metadata.owner_id === BOB));
  assert.equal(f["payment_intent_data[setup_future_usage]"], "off_session");
  assert.equal(f["line_items[0][price_data][currency]"], "usd");
  assert.equal(f["line_items[0][price_data][product_data][name]"], "Keyaos credits");
  assert.equal(f["line_items[0][price_data][unit_amount]"], "1000");
  assert.equal(f["line_items[0][quantity]"], "1");
  assert.equal(f.client_reference_id, c.payment_id);
  assert.equal(f["metadata[payment_id]"], c.payment_id);
  assert.equal(f["metadata[owner_id]"], BOB);
  assert.equal(f.success_url, `${gw.url}/#/credits?checkout=success`);
  assert.equal(f.cancel_url, `${gw.url}/#/credits?checkout=canceled`);
  const expires = Number(f.expires_at) - Date.now() / 1000;
  assert.ok(expires > 30 * 60 && expires < 32 * 60, `expires in ${expires} s`);

  let list = (await as(BOB)("GET", "/api/credits/deposits")).json;
  assert.equal(list.object, "list");
  assert.deepEqual(
    list.data.map(({ created_at, ...d }) => d),
    [{ id: c.payment_id, source: "checkout", status: "pending", amount_usd: 10, amount_nusd: 1000 * CENT, amount_cents: 1000, completed_at: null }],
  );
  assert.equal(await balance(BOB), 0, "nothing is credited before Stripe says it is paid");

  const paid = stripe.pay(c.session.id);
  const res = await webhook(completed(paid));
  assert.equal(res.status, 200, res.text);
  assert.deepEqual(res.json, { received: true, credited: true });
  assert.equal(await balance(BOB), 1000 * CENT);
  const [entry] = await entries(BOB, "topup");
  assert.equal(entry.id, `topup:${c.payment_id}`);
  assert.equal(entry.amount_nusd, 1000 * CENT);
  const row = await payment(c.payment_id);
  assert.equal(row.status, "completed");
  assert.equal(row.stripe_payment_intent_id, paid.payment_intent);
  assert.equal(row.stripe_session_id, c.session.id);
  // The saved card, read from the PaymentIntent.
  assert.equal(stripeCalls(`/v1/payment_intents/${paid.payment_intent}`, "GET").length, 1);
  const customer = await gw.db.prepare("SELECT * FROM stripe_customers WHERE owner_id = ?").bind(BOB).first();
  assert.equal(customer.payment_method_id, stripe.intents.get(paid.payment_intent).payment_method);
  list = (await as(BOB)("GET", "/api/credits/deposits")).json;
  assert.equal(list.data[0].status, "completed");
  assert.ok(list.data[0].completed_at >= list.data[0].created_at);

  // The credits buy requests served by Alice's pool credential.
  const added = await as(ALICE)("POST", "/api/credentials", { provider_id: "openai", secret: "sk-proj-alicepoolkey0123456789", price_multiplier: 0.5, quota_usd: 10 });
  assert.equal(added.status, 201, added.text);
  const served = await chat(BOB);
  assert.equal(served.status, 200, await served.clone().text());
  const id = served.headers.get("x-request-id");
  await served.json();
  const [log] = await gw.waitForRows(`SELECT * FROM request_logs WHERE id = '${id}'`, 1);
  assert.equal(log.credential_owner_id, ALICE);
  assert.equal(await balance(BOB), 1000 * CENT - log.consumer_charged_nusd);
  assert.ok(log.consumer_charged_nusd > 0);
});

test("20 concurrent deliveries of one completed event credit exactly once", async () => {
  const c = await checkout(BOB, 300);
  const body = completed(stripe.pay(c.session.id));
  const before = await balance(BOB);
  const results = await Promise.all(Array.from({ length: 20 }, () => webhook(body)));
  assert.ok(results.every((r) => r.status === 200), JSON.stringify(results.find((r) => r.status !== 200)));
  assert.equal(results.filter((r) => r.json.credited).length, 1, "one delivery credited");
  assert.equal((await entries(BOB, "topup")).filter((e) => e.id === `topup:${c.payment_id}`).length, 1);
  assert.equal(await balance(BOB), before + 300 * CENT);
  // And later, re-signed, still nothing.
  assert.deepEqual((await webhook(body)).json, { received: true, credited: false });
  assert.equal(await balance(BOB), before + 300 * CENT);
});

test("expired then completed credits (the money was taken); completed then expired stays completed", async () => {
  const a = await checkout(BOB, 200);
  const before = await balance(BOB);
  assert.deepEqual((await webhook(stripe.event("checkout.session.expired", stripe.expired(a.session.id)))).json, { received: true, credited: false });
  assert.equal((await payment(a.payment_id)).status, "expired");
  assert.equal((await webhook(completed(stripe.pay(a.session.id)))).json.credited, true);
  assert.equal((await payment(a.payment_id)).status, "completed");
  assert.equal(await balance(BOB), before + 200 * CENT);

  const b = await checkout(BOB, 250);
  assert.equal((await webhook(completed(stripe.pay(b.session.id)))).json.credited, true);
  assert.equal((await webhook(stripe.event("checkout.session.expired", stripe.expired(b.session.id)))).status, 200);
  assert.equal((await payment(b.payment_id)).status, "completed");
  assert.equal(await balance(BOB), before + 450 * CENT);

  // An unpaid completion (a delayed method) waits; its async success credits.
  const d = await checkout(BOB, 150);
  const unpaid = stripe.pay(d.session.id, { payment_status: "unpaid" });
  assert.deepEqual((await webhook(completed(unpaid))).json, { received: true, credited: false });
  assert.equal((await payment(d.payment_id)).status, "pending");
  assert.equal((await webhook(stripe.event("checkout.session.async_payment_succeeded", { ...unpaid, payment_status: "paid" }))).json.credited, true);
  assert.equal(await balance(BOB), before + 600 * CENT);

  // Unknown events change nothing.
  const unknown = await webhook(stripe.event("customer.updated", { id: "cus_x", metadata: {} }));
  assert.equal(unknown.status, 200);
  assert.equal(unknown.json.received, true);
  assert.equal(await balance(BOB), before + 600 * CENT);
});

test("webhook signatures: forged, stale, and a replayed body with a new timestamp are refused and change nothing", async () => {
  const c = await checkout(BOB, 400);
  const body = completed(stripe.pay(c.session.id));
  const before = await balance(BOB);
  const now = Math.floor(Date.now() / 1000);
  const original = stripe.signature(body, { timestamp: now - 10 });
  const oldSig = original.split(",")[1];
  const refusals = {
    "a forged secret": stripe.signature(body, { secret: "whsec_attacker" }),
    "a stale timestamp": stripe.signature(body, { timestamp: now - 301 }),
    "a future timestamp": stripe.signature(body, { timestamp: now + 400 }),
    "a new timestamp, the old signature": `t=${now},${oldSig}`,
    "the body signed, then altered": stripe.signature(body.replace('"paid"', '"unpaid"')),
    "no v1": `t=${now}`,
    garbage: "nonsense",
    "": "",
  };
  for (const [why, signature] of Object.entries(refusals)) {
    const res = await webhook(body, signature);
    assert.equal(res.status, 400, `${why}: ${res.text}`);
    assert.equal(res.json.error.code, "invalid_signature", why);
  }
  // A v1 among several matches (a secret being rolled).
  const good = stripe.signature(body, { timestamp: now }).split(",")[1];
  const forged = stripe.signature(body, { timestamp: now, secret: "whsec_old" }).split(",")[1];
  assert.equal((await payment(c.payment_id)).status, "pending");
  assert.equal(await balance(BOB), before);
  const ok = await webhook(body, `t=${now},${forged},${good}`);
  assert.equal(ok.status, 200, ok.text);
  assert.equal(ok.json.credited, true);
  // A verified body that is not an event, or nested deeper than any body may be, changes nothing.
  for (const bad of ["[]", "not json", `{"id":"evt_deep","type":"x","data":{"object":{"id":"cs_x","deep":${"[".repeat(100)}${"]".repeat(100)}}}}`]) {
    const res = await webhook(bad);
    assert.equal(res.status, 400, bad.slice(0, 40));
    assert.equal(res.json.error.code, "invalid_event");
  }
  // An oversized body is refused unread.
  const big = await webhook("x".repeat(300 * 1024));
  assert.equal(big.status, 413);
});

test("missing Stripe configuration: checkout and webhook answer 503, and /api/config says payments are off", async () => {
  assert.equal((await gw.fetch("/api/config").then((r) => r.json())).payments, true);
  // The key without the webhook secret: a checkout would take money no webhook could credit.
  const bare = await startGateway({
    bindings: { ...clerk.bindings({ ownerId: OPERATOR, authorizedParties: ["http://localhost:8787"] }), ...stripe.bindings({ withWebhook: false }) },
  });
  try {
    assert.equal((await bare.fetch("/api/config").then((r) => r.json())).payments, false);
    const stripeCallsBefore = stripeCalls("/v1/customers").length + stripeCalls("/v1/checkout/sessions").length;
    const res = await bare.as(clerk.sign({ sub: BOB }))("POST", "/api/credits/checkout", { amount_cents: 500 });
    assert.equal(res.status, 503);
    assert.equal(res.json.error.code, "payments_not_configured");
    assert.equal(stripeCalls("/v1/customers").length + stripeCalls("/v1/checkout/sessions").length, stripeCallsBefore, "Stripe was not called");
    const body = stripe.event("checkout.session.completed", { id: "cs_1", metadata: {} });
    const hook = await bare.fetch("/api/webhooks/stripe", { method: "POST", headers: { "stripe-signature": stripe.signature(body) }, body });
    assert.equal(hook.status, 503);
    assert.equal((await hook.json()).error.code, "payments_not_configured");
  } finally {
    await bare.close();
  }
});

test("Stripe failures at checkout: 502 with Stripe's message, never the key, and the payment marked failed", async () => {
  const bob = as(BOB);
  for (const mode of ["500", "network"]) {
    stripe.failNext(1, mode, "/v1/checkout/sessions");
    const res = await bob("POST", "/api/credits/checkout", { amount_cents: 700 });
    assert.equal(res.status, 502, `${mode}: ${res.text}`);
    assert.equal(res.json.error.code, "stripe_error");
    if (mode === "500") assert.match(res.json.error.message, /An unknown error occurred/);
    assert.ok(!res.text.includes(stripe.secretKey));
  }
  const failed = (await gw.db.prepare("SELECT * FROM payments WHERE owner_id = ? AND status = 'failed'").bind(BOB).all()).results;
  assert.equal(failed.length, 2);
  assert.ok(failed.every((p) => p.error && !p.error.includes(stripe.secretKey)));
  // A rejected key: Stripe's message, redacted.
  const wrong = await startGateway({ bindings: { ...clerk.bindings({ ownerId: OPERATOR, authorizedParties: ["http://localhost:8787"] }), ...stripe.bindings(), STRIPE_SECRET_KEY: "sk_test_wrongkey123" } });
  try {
    const res = await wrong.as(clerk.sign({ sub: "user_wrongkey" }))("POST", "/api/credits/checkout", { amount_cents: 700 });
    assert.equal(res.status, 502);
    assert.match(res.json.error.message, /Invalid API Key provided/);
    assert.ok(!res.text.includes("sk_test_wrongkey123"));
  } finally {
    await wrong.close();
  }
});

test("concurrent first checkouts of one owner make one Stripe customer", async () => {
  const carol = "user_carol";
  const results = await Promise.all(Array.from({ length: 6 }, () => as(carol)("POST", "/api/credits/checkout", { amount_cents: 500 })));
  assert.ok(results.every((r) => r.status === 200), JSON.stringify(results.map((r) => r.text)));
  const theirs = [...stripe.customers.values()].filter((c) => c.metadata.owner_id === carol);
  assert.equal(theirs.length, 1, "one customer at Stripe");
  const rows = (await gw.db.prepare("SELECT * FROM stripe_customers WHERE owner_id = ?").bind(carol).all()).results;
  assert.equal(rows.length, 1);
  assert.equal(rows[0].customer_id, theirs[0].id);
  const sessions = [...stripe.sessions.values()].filter((s) => s.metadata.owner_id === carol);
  assert.equal(sessions.length, 6);
  assert.ok(sessions.every((s) => s.customer === theirs[0].id));
  // cancel-pending expires them, and only Carol's.
  const bobPendingBefore = (await gw.db.prepare("SELECT COUNT(*) AS n FROM payments WHERE owner_id = ? AND status = 'pending'").bind(BOB).first()).n;
  assert.deepEqual((await as(carol)("POST", "/api/credits/cancel-pending")).json, { canceled: 6 });
  assert.deepEqual((await as(carol)("POST", "/api/credits/cancel-pending")).json, { canceled: 0 });
  assert.equal((await gw.db.prepare("SELECT COUNT(*) AS n FROM payments WHERE owner_id = ? AND status = 'pending'").bind(BOB).first()).n, bobPendingBefore);
});

test("deposits: cursor pages, bounded, and each owner sees only their own", async () => {
  const dave = "user_dave";
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push((await checkout(dave, 100 + i)).payment_id);
  const seen = [];
  let cursor = null;
  let pages = 0;
  do {
    const res = await as(dave)("GET", `/api/credits/deposits?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    assert.equal(res.status, 200, res.text);
    assert.ok(res.json.data.length <= 2);
    seen.push(...res.json.data.map((d) => d.id));
    cursor = res.json.next_cursor;
    assert.equal(res.json.has_more, cursor !== null);
    pages++;
  } while (cursor);
  assert.equal(pages, 3);
  assert.deepEqual([...seen].sort(), [...ids].sort());
  assert.equal(new Set(seen).size, 5);
  const eve = (await as("user_eve")("GET", "/api/credits/deposits")).json;
  assert.deepEqual(eve.data, []);
  // Eve cannot complete Dave's payment by naming herself as its owner.
  const session = stripe.sessions.get([...stripe.sessions.values()].find((s) => s.metadata.payment_id === ids[0]).id);
  const forgedOwner = { ...stripe.pay(session.id), metadata: { payment_id: ids[0], owner_id: "user_eve" } };
  assert.equal((await webhook(completed(forgedOwner))).json.credited, false);
  assert.equal(await balance("user_eve"), 0);
  for (const q of ["limit=0", "limit=101", "limit=abc", "cursor=%%%"]) assert.equal((await as(dave)("GET", `/api/credits/deposits?${q}`)).status, 400, q);
});

test("Core mode: the payment routes do not exist (404 after auth)", async () => {
  const core = await startGateway({ bindings: stripe.bindings() });
  try {
    for (const [method, path] of [
      ["POST", "/api/credits/checkout"],
      ["GET", "/api/credits/deposits"],
      ["POST", "/api/credits/cancel-pending"],
      ["GET", "/api/credits/auto-topup"],
      ["PUT", "/api/credits/auto-topup"],
      ["POST", "/api/webhooks/stripe"],
    ]) {
      const res = await core.api(method, path, method === "GET" ? undefined : {});
      assert.equal(res.status, 404, `${method} ${path}: ${res.text}`);
      assert.match(res.json.error.message, /^No such route/);
      assert.equal((await core.as("")(method, path)).status, 401, `${method} ${path} without a key`);
    }
  } finally {
    await core.close();
  }
});

test("auto top-up settings: bounds, a saved card to enable, and the shape", async () => {
  const frank = as("user_frank");
  let res = await frank("GET", "/api/credits/auto-topup");
  assert.deepEqual(res.json, {
    enabled: false,
    threshold_cents: 500,
    amount_cents: 2000,
    has_payment_method: false,
    consecutive_failures: 0,
    paused_reason: null,
    next_attempt_at: null,
    last_error: null,
  });
  res = await frank("PUT", "/api/credits/auto-topup", { enabled: true, threshold_cents: 500, amount_cents: 1000 });
  assert.equal(res.status, 400);
  assert.equal(res.json.error.code, "no_payment_method");
  for (const body of [{ enabled: false, threshold_cents: 99 }, { enabled: false, amount_cents: 499 }, { enabled: "yes" }, { enabled: false, amount_cents: 600.5 }]) {
    const r = await frank("PUT", "/api/credits/auto-topup", body);
    assert.equal(r.status, 400, JSON.stringify(body));
  }
  res = await frank("PUT", "/api/credits/auto-topup", { enabled: false, threshold_cents: 800, amount_cents: 900 });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.threshold_cents, 800);
  assert.equal(res.json.amount_cents, 900);
  assert.equal(res.json.enabled, false);
});

test("auto top-up: a settlement below the threshold charges exactly once, even with 10 requests settling at once", async () => {
  // Bob has a saved card (the full-flow test) and credits; the threshold sits
  // just above his balance (saving it charges nothing: only a settlement or the cron does).
  const start = await balance(BOB);
  const thresholdCents = Math.floor(start / CENT) + 1;
  let res = await as(BOB)("PUT", "/api/credits/auto-topup", { enabled: true, threshold_cents: thresholdCents, amount_cents: 500 });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.has_payment_method, true);
  const charges = stripeCalls("/v1/payment_intents").length;
  await sleep(300);
  assert.equal(stripeCalls("/v1/payment_intents").length, charges, "saving the settings charged nothing");
  const results = await Promise.all(Array.from({ length: 10 }, () => chat(BOB).then(async (r) => ({ status: r.status, id: r.headers.get("x-request-id"), text: await r.text() }))));
  assert.ok(results.every((r) => r.status === 200), JSON.stringify(results.find((r) => r.status !== 200)));
  const topup = await waitFor("the auto top-up", async () =>
    gw.db.prepare("SELECT * FROM payments WHERE owner_id = ? AND source = 'auto_topup' AND status = 'completed'").bind(BOB).first(),
  );
  await gw.waitForRows(`SELECT id FROM request_logs WHERE id IN (${results.map((r) => `'${r.id}'`).join(",")})`, 10);
  await sleep(1500); // every follow-up has had its turn
  const calls = stripeCalls("/v1/payment_intents").slice(charges);
  assert.equal(calls.length, 1, "one charge");
  const call = calls[0];
  assert.equal(call.idempotencyKey, topup.id);
  assert.equal(call.form.amount, "500");
  assert.equal(call.form.currency, "usd");
  assert.equal(call.form.off_session, "true");
  assert.equal(call.form.confirm, "true");
  assert.equal(call.form["metadata[type]"], "auto_topup");
  assert.equal(call.form["metadata[payment_id]"], topup.id);
  assert.ok(call.keyMatches);
  const credited = await entries(BOB, "auto_topup");
  assert.equal(credited.length, 1);
  assert.equal(credited[0].id, `auto_topup:${topup.id}`);
  assert.equal(credited[0].amount_nusd, 500 * CENT);
  const state = await gw.db.prepare("SELECT * FROM auto_topup WHERE owner_id = ?").bind(BOB).first();
  assert.equal(state.claim_id, null);
  assert.equal(state.consecutive_failures, 0);
  const deposits = (await as(BOB)("GET", "/api/credits/deposits?limit=1")).json.data;
  assert.equal(deposits[0].source, "auto_topup");
  assert.equal(deposits[0].status, "completed");
  // Stripe's own event for that charge credits nothing more.
  const intent = stripe.intents.get(topup.stripe_payment_intent_id);
  assert.deepEqual((await webhook(stripe.event("payment_intent.succeeded", intent))).json, { received: true, credited: false });
  assert.equal((await entries(BOB, "auto_topup")).length, 1);
});

test("auto top-up: the cron sweeps; declines back off 1 h then 24 h, pause at 3 with the reason, re-enabling clears", async () => {
  const bob = as(BOB);
  const charges = () => stripeCalls("/v1/payment_intents").length;
  const state = () => gw.db.prepare("SELECT * FROM auto_topup WHERE owner_id = ?").bind(BOB).first();
  const age = (ms) => gw.db.prepare("UPDATE auto_topup SET last_attempt_at = last_attempt_at - ? WHERE owner_id = ?").bind(ms, BOB).run();
  const HOUR = 3600_000;
  // A threshold above the balance: the cron finds Bob due.
  const high = Math.floor((await balance(BOB)) / CENT) + 100;
  assert.equal((await bob("PUT", "/api/credits/auto-topup", { enabled: true, threshold_cents: high, amount_cents: 500 })).status, 200);
  let before = charges();
  const balanceBefore = await balance(BOB);
  await scheduled();
  assert.equal(charges(), before + 1, "the sweep charged");
  assert.equal(await balance(BOB), balanceBefore + 500 * CENT);

  // Declines: the first failure.
  const high2 = Math.floor((await balance(BOB)) / CENT) + 100;
  assert.equal((await bob("PUT", "/api/credits/auto-topup", { enabled: true, threshold_cents: high2, amount_cents: 500 })).status, 200);
  stripe.failNext(10, "card_declined", "/v1/payment_intents");
  before = charges();
  await scheduled();
  assert.equal(charges(), before + 1);
  let s = await state();
  assert.equal(s.consecutive_failures, 1);
  assert.match(s.last_error, /Your card was declined/);
  let view = (await bob("GET", "/api/credits/auto-topup")).json;
  assert.equal(view.consecutive_failures, 1);
  assert.equal(view.next_attempt_at, s.last_attempt_at + HOUR);
  assert.match(view.last_error, /declined/);
  const failedPayment = await gw.db.prepare("SELECT * FROM payments WHERE owner_id = ? AND source = 'auto_topup' ORDER BY created_at DESC LIMIT 1").bind(BOB).first();
  assert.equal(failedPayment.status, "failed");
  // Within the hour: neither the cron nor a settlement tries again.
  await scheduled();
  const r = await chat(BOB);
  assert.equal(r.status, 200);
  await r.text();
  await sleep(1000);
  assert.equal(charges(), before + 1, "no second try within 1 h");
  const steady = await balance(BOB); // after that request's spend
  // An hour later: the second failure, then 24 h.
  await age(HOUR + 1000);
  await scheduled();
  assert.equal(charges(), before + 2);
  s = await state();
  assert.equal(s.consecutive_failures, 2);
  assert.equal((await bob("GET", "/api/credits/auto-topup")).json.next_attempt_at, s.last_attempt_at + 24 * HOUR);
  await age(2 * HOUR);
  await scheduled();
  assert.equal(charges(), before + 2, "no third try within 24 h");
  await age(23 * HOUR);
  await scheduled();
  assert.equal(charges(), before + 3);
  s = await state();
  assert.equal(s.consecutive_failures, 3);
  view = (await bob("GET", "/api/credits/auto-topup")).json;
  assert.equal(view.enabled, true);
  assert.match(view.paused_reason, /Paused after 3 failed charges/);
  assert.equal(view.next_attempt_at, null);
  // Paused: however long, nothing more.
  await age(48 * HOUR);
  await scheduled();
  assert.equal(charges(), before + 3, "paused");
  assert.equal(await balance(BOB), steady, "declines move no money");
  // Re-enabling clears the pause and the failures; the next run charges.
  stripe.clearFailures();
  view = (await bob("PUT", "/api/credits/auto-topup", { enabled: true })).json;
  assert.equal(view.paused_reason, null);
  assert.equal(view.consecutive_failures, 0);
  assert.equal(view.last_error, null);
  await scheduled();
  assert.equal(charges(), before + 4);
  assert.equal(await balance(BOB), steady + 500 * CENT);
  // Disabled: nothing.
  await bob("PUT", "/api/credits/auto-topup", { enabled: false });
  await scheduled();
  assert.equal(charges(), before + 4);
});

test("auto top-up: crons overlapping settling requests still charge once", async () => {
  const bob = as(BOB);
  const high = Math.floor((await balance(BOB)) / CENT) + 1;
  assert.equal((await bob("PUT", "/api/credits/auto-topup", { enabled: true, threshold_cents: high, amount_cents: 500 })).status, 200);
  const before = stripeCalls("/v1/payment_intents").length;
  const credited = (await entries(BOB, "auto_topup")).length;
  const chats = Array.from({ length: 4 }, () => chat(BOB).then((r) => r.text()));
  await Promise.all([...chats, scheduled(), scheduled(), scheduled()]);
  await waitFor("the charge's credit", async () => (await entries(BOB, "auto_topup")).length > credited);
  await sleep(1500); // every follow-up has had its turn
  assert.equal(stripeCalls("/v1/payment_intents").length, before + 1);
  await bob("PUT", "/api/credits/auto-topup", { enabled: false });
});

test("auto top-up: a charge whose answer was lost is credited once by Stripe's payment_intent.succeeded", async () => {
  const bob = as(BOB);
  const high = Math.floor((await balance(BOB)) / CENT) + 100;
  assert.equal((await bob("PUT", "/api/credits/auto-topup", { enabled: true, threshold_cents: high, amount_cents: 600 })).status, 200);
  stripe.failNext(1, "network", "/v1/payment_intents");
  const before = await balance(BOB);
  await scheduled();
  const lost = await gw.db.prepare("SELECT * FROM payments WHERE owner_id = ? AND source = 'auto_topup' ORDER BY created_at DESC LIMIT 1").bind(BOB).first();
  assert.equal(lost.status, "failed");
  assert.equal((await gw.db.prepare("SELECT consecutive_failures AS n FROM auto_topup WHERE owner_id = ?").bind(BOB).first()).n, 1);
  // Stripe did charge; its event arrives (twice).
  const customer = (await gw.db.prepare("SELECT * FROM stripe_customers WHERE owner_id = ?").bind(BOB).first()).customer_id;
  const intent = stripe.makeIntent({ amount: 600, customer, payment_method: "pm_x", metadata: { type: "auto_topup", payment_id: lost.id, owner_id: BOB } });
  const body = stripe.event("payment_intent.succeeded", intent);
  assert.deepEqual((await webhook(body)).json, { received: true, credited: true });
  assert.deepEqual((await webhook(body)).json, { received: true, credited: false });
  assert.equal(await balance(BOB), before + 600 * CENT);
  assert.equal((await payment(lost.id)).status, "completed");
  assert.equal((await gw.db.prepare("SELECT consecutive_failures AS n FROM auto_topup WHERE owner_id = ?").bind(BOB).first()).n, 0);
  await bob("PUT", "/api/credits/auto-topup", { enabled: false });
});
