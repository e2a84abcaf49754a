// Platform mode's credits: gift cards (redeem races, the attempt limit, a
// 500-card batch), the operator's grants and revokes (idempotent, audited),
// the owner's ledger views, and the operator console, in workerd with a real
// local D1. Only Clerk (a local JWKS) and the upstream provider are simulated.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGateway } from "../support/gateway.js";
import { startClerk } from "../support/clerk.js";
import { startMockUpstream, openaiCompletion } from "../support/mock-upstream.js";

const OPERATOR = "user_operator";
const CODE = /^KAOS(-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}){4}$/;
const NUSD_PER_CENT = 10_000_000;
const USAGE = { prompt_tokens: 12, completion_tokens: 4 };
const COST = (12 * 150 + 4 * 600) * 0.5; // gpt-4o-mini at $0.15/$0.60 per M, multiplier 0.5, in nano-USD
const SIDE = Math.floor((COST * 3 + 50) / 100);
const CHARGED = COST + SIDE;
const EARNED = COST - SIDE;

let clerk, mock, gw;

before(async () => {
  clerk = await startClerk({ azp: "http://localhost:8787" });
  mock = await startMockUpstream("openai", (req) => (req.url.endsWith("/chat/completions") ? { json: openaiCompletion({ usage: USAGE }) } : undefined));
  gw = await startGateway({ upstreams: { openai: mock.url + "/v1" }, bindings: clerk.bindings({ ownerId: OPERATOR }) });
});

after(async () => {
  await gw?.close();
  await mock?.close();
  await clerk?.close();
});

const as = (user, g) => (method, path, body) => (g ?? gw).as(clerk.sign({ sub: user }))(method, path, body);
const operator = as(OPERATOR);
const balance = async (owner, g = gw) => (await g.db.prepare("SELECT balance_nusd FROM wallets WHERE owner_id = ?").bind(owner).first())?.balance_nusd ?? 0;

async function makeCards(count, amount_cents, note) {
  const res = await operator("POST", "/api/admin/gift-cards", { amount_cents, count, ...(note ? { note } : {}) });
  assert.equal(res.status, 201, res.text);
  return res.json;
}

// Every wallet equals the sum of its entries.
async function assertLedgerMatchesWallets(g = gw) {
  const { results } = await g.db
    .prepare(
      "SELECT w.owner_id, w.balance_nusd, (SELECT COALESCE(SUM(amount_nusd), 0) FROM wallet_entries e WHERE e.owner_id = w.owner_id) AS s FROM wallets w",
    )
    .all();
  for (const r of results) assert.equal(r.balance_nusd, r.s, `wallet of ${r.owner_id}`);
  const orphans = await g.db.prepare("SELECT COUNT(*) AS n FROM (SELECT DISTINCT owner_id FROM wallet_entries) e WHERE e.owner_id NOT IN (SELECT owner_id FROM wallets)").first();
  assert.equal(orphans.n, 0);
}

test("redeem race: 20 concurrent redeems of one code by two users give exactly one success and one entry", async () => {
  const { codes } = await makeCards(1, 1234);
  const [code] = codes;
  const users = ["user_race_a", "user_race_b"];
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => as(users[i % 2])("POST", "/api/credits/redeem", { code })));
  const won = results.filter((r) => r.status === 200);
  assert.equal(won.length, 1, JSON.stringify(results.map((r) => r.status)));
  assert.ok(results.every((r) => r.status === 200 || (r.status === 400 && r.json.error.code === "invalid_or_used")), JSON.stringify(results.map((r) => r.text)));
  assert.equal(won[0].json.amount_nusd, 1234 * NUSD_PER_CENT);
  assert.equal(won[0].json.amount_usd, 12.34);
  const entries = await gw.db.prepare("SELECT * FROM wallet_entries WHERE kind = 'gift_card' AND owner_id IN (?, ?)").bind(...users).all();
  assert.equal(entries.results.length, 1);
  assert.equal(entries.results[0].id, `gift_card:${won[0].json.card_id}`);
  const winner = entries.results[0].owner_id;
  assert.equal(await balance(winner), 1234 * NUSD_PER_CENT);
  assert.equal(await balance(users.find((u) => u !== winner)), 0);
  assert.equal(won[0].json.balance_nusd, 1234 * NUSD_PER_CENT);
  const card = await gw.db.prepare("SELECT redeemed_by FROM gift_cards WHERE id = ?").bind(won[0].json.card_id).first();
  assert.equal(card.redeemed_by, winner);
  await assertLedgerMatchesWallets();
});

test("an unknown, a malformed and a used code get the same answer; input is normalised", async () => {
  const { codes } = await makeCards(1, 100);
  const user = as("user_norm");
  // Lower case, no dashes, surrounding spaces: the same code.
  const typed = "  " + codes[0].toLowerCase().replaceAll("-", "") + "\n";
  const ok = await user("POST", "/api/credits/redeem", { code: typed });
  assert.equal(ok.status, 200, ok.text);
  const used = await as("user_norm_other")("POST", "/api/credits/redeem", { code: codes[0] });
  const unknown = await as("user_norm_other")("POST", "/api/credits/redeem", { code: "KAOS-2222-3333-4444-5555" });
  const malformed = await as("user_norm_other")("POST", "/api/credits/redeem", { code: "not a code" });
  for (const r of [used, unknown, malformed]) {
    assert.equal(r.status, 400);
    assert.deepEqual(r.json, used.json);
  }
  assert.equal(used.json.error.code, "invalid_or_used");
  // Not a string at all is a plain validation error.
  for (const body of [{}, { code: 5 }, { code: "" }, { code: "x".repeat(65) }]) {
    const r = await user("POST", "/api/credits/redeem", body);
    assert.equal(r.status, 400, JSON.stringify(body));
    assert.equal(r.json.error.param, "code");
  }
  assert.equal((await user("GET", "/api/credits/redeem")).status, 405);
});

test("the attempt limit: after 20 failures in an hour the next redeem is 429 and the code is not tried; old failures expire", async () => {
  const owner = "user_guesser";
  const guesser = as(owner);
  for (let i = 0; i < 20; i++) {
    const r = await guesser("POST", "/api/credits/redeem", { code: `KAOS-2222-3333-4444-${String(5000 + i).replace(/[01]/g, "9")}` });
    assert.equal(r.status, 400, `attempt ${i + 1}: ${r.text}`);
    assert.equal(r.json.error.code, "invalid_or_used");
  }
  const { codes } = await makeCards(1, 700);
  const limited = await guesser("POST", "/api/credits/redeem", { code: codes[0] });
  assert.equal(limited.status, 429, limited.text);
  assert.equal(limited.json.error.code, "too_many_attempts");
  assert.equal(await balance(owner), 0);
  const rows = await gw.db.prepare("SELECT COUNT(*) AS n FROM gift_card_redeem_failures WHERE owner_id = ?").bind(owner).first();
  assert.equal(rows.n, 20, "a refused attempt adds no row: the table stays bounded");
  // The card is untouched; an hour later the failures no longer count and are pruned.
  await gw.db.prepare("UPDATE gift_card_redeem_failures SET at = at - 3600001 WHERE owner_id = ?").bind(owner).run();
  const ok = await guesser("POST", "/api/credits/redeem", { code: codes[0] });
  assert.equal(ok.status, 200, ok.text);
  assert.equal(await balance(owner), 700 * NUSD_PER_CENT);
  const left = await gw.db.prepare("SELECT COUNT(*) AS n FROM gift_card_redeem_failures WHERE owner_id = ?").bind(owner).first();
  assert.equal(left.n, 0, "the redeem pruned the old rows");
});

test("a 500-card batch: codes shown once, stored hashed, listed in pages, and every code redeems exactly once", async () => {
  const batch = await makeCards(500, 3, "launch");
  assert.match(batch.batch_id, /^gcb_[0-9a-f]{16}$/);
  assert.equal(batch.codes.length, 500);
  assert.equal(new Set(batch.codes).size, 500);
  for (const c of batch.codes) assert.match(c, CODE);
  assert.equal(batch.amount_nusd, 3 * NUSD_PER_CENT);

  // No code is stored in clear.
  const stored = await gw.db.prepare("SELECT * FROM gift_cards WHERE batch_id = ?").bind(batch.batch_id).all();
  assert.equal(stored.results.length, 500);
  const text = JSON.stringify(stored.results);
  for (const c of batch.codes.slice(0, 50)) assert.ok(!text.includes(c.slice(5)), "a code in clear");
  for (const r of stored.results) assert.match(r.code_sha256, /^[0-9a-f]{64}$/);

  // Pages of 100 list each card once.
  const seen = new Set();
  let cursor = null;
  let pages = 0;
  do {
    const res = await operator("GET", `/api/admin/gift-cards?batch_id=${batch.batch_id}&limit=100${cursor ? `&cursor=${cursor}` : ""}`);
    assert.equal(res.status, 200, res.text);
    for (const c of res.json.data) {
      assert.ok(!seen.has(c.id));
      seen.add(c.id);
      assert.equal(c.batch_id, batch.batch_id);
      assert.equal(c.redeemed_by, null);
      assert.equal(c.note, "launch");
    }
    cursor = res.json.has_more ? res.json.next_cursor : null;
    pages++;
  } while (cursor);
  assert.equal(seen.size, 500);
  assert.equal(pages, 5);
  const hints = new Set(stored.results.map((r) => r.hint));
  for (const c of batch.codes) assert.ok(hints.has(c.slice(-4)));

  // Every code once, by two users, ten at a time.
  const users = ["user_bulk_a", "user_bulk_b"];
  for (let i = 0; i < 500; i += 10) {
    const results = await Promise.all(batch.codes.slice(i, i + 10).map((code, j) => as(users[(i + j) % 2])("POST", "/api/credits/redeem", { code })));
    for (const r of results) assert.equal(r.status, 200, r.text);
  }
  assert.equal((await balance(users[0])) + (await balance(users[1])), 500 * 3 * NUSD_PER_CENT);
  const redeemed = await gw.db.prepare("SELECT COUNT(*) AS n FROM gift_cards WHERE batch_id = ? AND redeemed_by IS NOT NULL").bind(batch.batch_id).first();
  assert.equal(redeemed.n, 500);
  // A second redeem of any of them fails.
  const again = await as("user_bulk_c")("POST", "/api/credits/redeem", { code: batch.codes[250] });
  assert.equal(again.json.error.code, "invalid_or_used");
  const listed = await operator("GET", `/api/admin/gift-cards?batch_id=${batch.batch_id}&limit=1`);
  assert.ok(users.includes(listed.json.data[0].redeemed_by));
  await assertLedgerMatchesWallets();

  // Bounds of the batch.
  for (const body of [{ amount_cents: 0, count: 1 }, { amount_cents: 100, count: 501 }, { amount_cents: 100, count: 0 }, { amount_cents: 1.5, count: 1 }, { amount_cents: "100", count: 1 }, { amount_cents: 100_000_001, count: 1 }, { amount_cents: 100, count: 1, note: "x".repeat(501) }]) {
    const r = await operator("POST", "/api/admin/gift-cards", body);
    assert.equal(r.status, 400, JSON.stringify(body));
  }
});

test("grants and revokes: one adjustment and one entry each, idempotent by key, audited, and the sums match the wallets", async () => {
  const owner = "user_granted";
  const first = await operator("POST", "/api/admin/credits", { owner_id: owner, amount_cents: 500, reason: "welcome", idempotency_key: "ticket-1" });
  assert.equal(first.status, 201, first.text);
  assert.equal(first.json.kind, "grant");
  assert.equal(first.json.amount_nusd, 500 * NUSD_PER_CENT);
  assert.equal(first.json.created_by, OPERATOR);
  assert.equal(first.json.replayed, false);
  // A retry, and five concurrent ones, return the first adjustment and move nothing.
  const retries = await Promise.all(Array.from({ length: 5 }, () => operator("POST", "/api/admin/credits", { owner_id: owner, amount_cents: 500, reason: "welcome", idempotency_key: "ticket-1" })));
  for (const r of retries) {
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.id, first.json.id);
    assert.equal(r.json.replayed, true);
  }
  assert.equal(await balance(owner), 500 * NUSD_PER_CENT);
  const reused = await operator("POST", "/api/admin/credits", { owner_id: owner, amount_cents: 900, reason: "welcome", idempotency_key: "ticket-1" });
  assert.equal(reused.status, 409);
  assert.equal(reused.json.error.code, "idempotency_key_reused");
  // Concurrent first uses of a new key: one adjustment.
  const race = await Promise.all(Array.from({ length: 8 }, () => operator("POST", "/api/admin/credits", { owner_id: owner, amount_cents: 100, reason: "race", idempotency_key: "ticket-2" })));
  assert.equal(race.filter((r) => r.status === 201).length, 1, JSON.stringify(race.map((r) => r.status)));
  assert.equal(new Set(race.map((r) => r.json.id)).size, 1);
  assert.equal(await balance(owner), 600 * NUSD_PER_CENT);

  // A revoke may take the balance below zero (the operator's correction).
  const revoke = await operator("POST", "/api/admin/credits", { owner_id: owner, amount_cents: -800, reason: "chargeback" });
  assert.equal(revoke.status, 201, revoke.text);
  assert.equal(revoke.json.kind, "revoke");
  assert.equal(revoke.json.amount_nusd, -800 * NUSD_PER_CENT);
  assert.equal(await balance(owner), -200 * NUSD_PER_CENT);
  const view = await as(owner)("GET", "/api/credits/balance");
  assert.deepEqual(view.json, { balance_usd: -2, balance_nusd: -200 * NUSD_PER_CENT });

  const entries = await gw.db.prepare("SELECT id, kind, amount_nusd FROM wallet_entries WHERE owner_id = ? ORDER BY created_at, id").bind(owner).all();
  assert.deepEqual(
    entries.results.map((e) => e.id).sort(),
    [`grant:${first.json.id}`, `grant:${race[0].json.id}`, `revoke:${revoke.json.id}`].sort(),
  );
  // The ledger shows the reasons.
  const tx = await as(owner)("GET", "/api/credits/transactions");
  assert.deepEqual(tx.json.data.map((t) => t.description).sort(), ["Credit grant: race", "Credit grant: welcome", "Credit revoked: chargeback"]);
  // The operator's own wallet is named by their user id.
  const own = await operator("POST", "/api/admin/credits", { owner_id: OPERATOR, amount_cents: 1, reason: "self test" });
  assert.equal(own.status, 201, own.text);
  assert.equal(own.json.owner_id, OPERATOR);
  assert.equal(await balance("self"), NUSD_PER_CENT);

  // The audit trail, newest first, in pages.
  const list = await operator("GET", "/api/admin/adjustments?limit=2");
  assert.equal(list.json.data.length, 2);
  assert.equal(list.json.has_more, true);
  const rest = await operator("GET", `/api/admin/adjustments?limit=100&cursor=${list.json.next_cursor}`);
  const all = [...list.json.data, ...rest.json.data];
  assert.equal(all.length, 4);
  assert.deepEqual(all.map((a) => a.reason).sort(), ["chargeback", "race", "self test", "welcome"]);

  // Validation.
  for (const body of [
    { owner_id: owner, amount_cents: 0, reason: "zero" },
    { owner_id: owner, amount_cents: 1.5, reason: "fraction" },
    { owner_id: owner, amount_cents: "5", reason: "string" },
    { owner_id: owner, amount_cents: 100_000_001, reason: "too much" },
    { owner_id: owner, amount_cents: 5 },
    { owner_id: owner, amount_cents: 5, reason: "   " },
    { owner_id: owner, amount_cents: 5, reason: "x".repeat(501) },
    { owner_id: "", amount_cents: 5, reason: "no owner" },
    { owner_id: "a b", amount_cents: 5, reason: "space" },
    { amount_cents: 5, reason: "missing owner" },
    { owner_id: owner, amount_cents: 5, reason: "bad key", idempotency_key: 7 },
  ]) {
    const r = await operator("POST", "/api/admin/credits", body);
    assert.equal(r.status, 400, JSON.stringify(body) + r.text);
  }
  assert.equal((await operator("POST", "/api/admin/credits", { owner_id: owner, amount_cents: 5, reason: "ü".repeat(500) })).status, 201, "500 characters of two bytes each");
  await assertLedgerMatchesWallets();
});

test("transactions: newest first in cursor pages, filtered by kind, and never another owner's", async () => {
  const mine = "user_tx", theirs = "user_tx_other";
  const stmt = gw.db.prepare("INSERT INTO wallet_entries (id, owner_id, kind, amount_nusd, request_id, credential_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)");
  const base = Date.now() - 100_000;
  const rows = [];
  // 45 entries, many sharing a millisecond, and 5 of another owner's at the same times.
  for (let i = 0; i < 45; i++) rows.push(stmt.bind(`tx_${String(i).padStart(2, "0")}`, mine, i % 3 === 0 ? "spend" : "earn", i % 3 === 0 ? -i : i, `req_${i}`, i % 3 === 0 ? null : "cred_x", base + Math.floor(i / 4)));
  for (let i = 0; i < 5; i++) rows.push(stmt.bind(`tx_other_${i}`, theirs, "spend", -1, null, null, base + i));
  await gw.db.batch(rows);

  const user = as(mine);
  const seen = [];
  let cursor = null;
  do {
    const res = await user("GET", `/api/credits/transactions?limit=10${cursor ? `&cursor=${cursor}` : ""}`);
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.object, "list");
    seen.push(...res.json.data);
    cursor = res.json.next_cursor;
    assert.equal(res.json.has_more, cursor !== null);
  } while (cursor);
  assert.equal(seen.length, 45);
  assert.equal(new Set(seen.map((t) => t.id)).size, 45);
  assert.ok(seen.every((t) => t.id.startsWith("tx_") && !t.id.startsWith("tx_other")), "another owner's entry");
  for (let i = 1; i < seen.length; i++) {
    const a = seen[i - 1], b = seen[i];
    assert.ok(a.created_at > b.created_at || (a.created_at === b.created_at && a.id > b.id), "newest first");
  }
  const spend = seen.find((t) => t.kind === "spend" && t.amount_nusd !== 0);
  assert.equal(spend.description, "API usage");
  assert.equal(spend.amount_usd, spend.amount_nusd / 1e9);
  assert.equal(seen.find((t) => t.kind === "earn").description, "Earned from shared credential");
  assert.equal(seen.find((t) => t.kind === "earn").credential_id, "cred_x");

  const earnOnly = await user("GET", "/api/credits/transactions?kind=earn&limit=100");
  assert.equal(earnOnly.json.data.length, 30);
  assert.ok(earnOnly.json.data.every((t) => t.kind === "earn"));
  const other = await as(theirs)("GET", "/api/credits/transactions?limit=100");
  assert.deepEqual(other.json.data.map((t) => t.id).sort(), ["tx_other_0", "tx_other_1", "tx_other_2", "tx_other_3", "tx_other_4"]);

  for (const q of ["limit=0", "limit=101", "limit=abc", "kind=bogus", "kind=spend'--", "cursor=%%%", "cursor=abc"]) {
    const r = await user("GET", `/api/credits/transactions?${q}`);
    assert.equal(r.status, 400, q + " " + r.text);
  }
  const balanceView = await user("GET", "/api/credits/balance");
  assert.equal(balanceView.json.balance_nusd, await balance(mine));
});

test("the console: 403 for other users; 404 in Core mode and without PLATFORM_OWNER_ID", async () => {
  const routes = [
    ["GET", "/api/admin/overview"],
    ["GET", "/api/admin/users"],
    ["GET", "/api/admin/activity"],
    ["POST", "/api/admin/credits", { owner_id: "user_x", amount_cents: 100, reason: "x" }],
    ["GET", "/api/admin/adjustments"],
    ["GET", "/api/admin/gift-cards"],
    ["POST", "/api/admin/gift-cards", { amount_cents: 100, count: 1 }],
    ["POST", "/api/admin/sync"],
  ];
  const adjustmentsBefore = (await gw.db.prepare("SELECT COUNT(*) AS n FROM credit_adjustments").first()).n;
  for (const [method, path, body] of routes) {
    const r = await as("user_not_operator")(method, path, body);
    assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
    assert.equal(r.json.error.code, "forbidden");
    assert.equal((await gw.as("")(method, path, body)).status, 401);
  }
  assert.equal((await gw.db.prepare("SELECT COUNT(*) AS n FROM credit_adjustments").first()).n, adjustmentsBefore);
  // The operator reaches the sync task itself (a provider with nothing to sync).
  const sync = await operator("POST", "/api/admin/sync?provider=kiro");
  assert.equal(sync.json?.error?.code, "nothing_to_sync", sync.text);

  const core = await startGateway();
  const noOperator = await startGateway({ bindings: clerk.bindings({}) });
  try {
    const unknown = await core.api("GET", "/api/no-such-thing");
    for (const [method, path, body] of [...routes, ["GET", "/api/credits/balance"], ["GET", "/api/credits/transactions"], ["POST", "/api/credits/redeem", { code: "x" }]]) {
      const r = await core.api(method, path, body);
      assert.equal(r.status, 404, `Core ${method} ${path}: ${r.text}`);
      assert.equal(r.json.error.message, `No such route: ${method} ${path}`);
      assert.equal(r.json.error.code, unknown.json.error.code);
      assert.equal((await core.as("")(method, path, body)).status, 401, "after auth, like unknown routes");
    }
    // A wrong method is a 404 too in Core, not a 405 that would reveal the route.
    assert.equal((await core.api("DELETE", "/api/admin/overview")).status, 404);
    for (const [method, path, body] of routes) {
      const r = await as(OPERATOR, noOperator)(method, path, body);
      assert.equal(r.status, 404, `no operator ${method} ${path}: ${r.text}`);
    }
    // The owner's credit routes still work there.
    assert.equal((await as("user_y", noOperator)("GET", "/api/credits/balance")).status, 200);
  } finally {
    await core.close();
    await noOperator.close();
  }
});

test("overview, users and activity are exact for a known scenario: a topped-up wallet, a grant, a cross-owner request", async () => {
  // A gateway of its own, so the figures are the scenario's alone.
  const g = await startGateway({ upstreams: { openai: mock.url + "/v1" }, bindings: clerk.bindings({ ownerId: OPERATOR }) });
  try {
    const op = as(OPERATOR, g);
    const alice = as("user_alice", g);
    const added = await alice("POST", "/api/credentials", { provider_id: "openai", secret: "sk-proj-alicepoolkey0123456789", price_multiplier: 0.5 });
    assert.equal(added.status, 201, added.text);
    assert.equal((await op("POST", "/api/admin/credits", { owner_id: "user_bob", amount_cents: 1000, reason: "trial" })).status, 201);
    // A completed purchase as the payments side records it.
    await g.db.prepare("INSERT INTO wallet_entries (id, owner_id, kind, amount_nusd, created_at) VALUES ('topup:pay_1', 'user_carol', 'topup', 2500000000, ?)").bind(Date.now()).run();
    const res = await g.fetch("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${clerk.sign({ sub: "user_bob" })}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "openai/gpt-4o-mini", max_tokens: USAGE.completion_tokens, messages: [{ role: "user", content: "hi" }] }),
    });
    assert.equal(res.status, 200, await res.clone().text());
    const id = res.headers.get("x-request-id");
    await res.json();
    await g.waitForRows(`SELECT * FROM request_logs WHERE id = '${id}'`, 1);

    const overview = await op("GET", "/api/admin/overview");
    assert.equal(overview.status, 200, overview.text);
    assert.deepEqual(overview.json, {
      revenue_usd: 2.5,
      revenue_nusd: 2_500_000_000,
      consumption_usd: CHARGED / 1e9,
      consumption_nusd: CHARGED,
      fees_usd: (CHARGED - EARNED) / 1e9,
      fees_nusd: CHARGED - EARNED,
      requests: 1,
      active_credentials: 1,
      users: 3,
      active_users_24h: 1,
    });

    const users = await op("GET", "/api/admin/users?limit=2");
    assert.equal(users.json.has_more, true);
    const more = await op("GET", `/api/admin/users?cursor=${users.json.next_cursor}`);
    const byOwner = Object.fromEntries([...users.json.data, ...more.json.data].map((u) => [u.owner_id, u]));
    assert.deepEqual(Object.keys(byOwner).sort(), ["user_alice", "user_bob", "user_carol"]);
    assert.deepEqual(byOwner.user_bob, { object: "user", owner_id: "user_bob", balance_usd: (10_000_000_000 - CHARGED) / 1e9, balance_nusd: 10_000_000_000 - CHARGED, topped_up_nusd: 0, spent_nusd: CHARGED, earned_nusd: 0, credentials: 0 });
    assert.equal(byOwner.user_alice.earned_nusd, EARNED);
    assert.equal(byOwner.user_alice.credentials, 1);
    assert.equal(byOwner.user_carol.topped_up_nusd, 2_500_000_000);

    const activity = await op("GET", "/api/admin/activity?hours=1");
    assert.equal(activity.status, 200, activity.text);
    assert.equal(activity.json.bucket_minutes, 5);
    assert.ok(activity.json.data.length >= 12 && activity.json.data.length <= 13);
    const sum = (k) => activity.json.data.reduce((s, b) => s + b[k], 0);
    assert.equal(sum("requests"), 1);
    assert.equal(sum("tokens"), USAGE.prompt_tokens + USAGE.completion_tokens);
    assert.equal(sum("charged_nusd"), CHARGED);
    assert.equal((await op("GET", "/api/admin/activity?hours=168")).json.bucket_minutes, 120);
    assert.equal((await op("GET", "/api/admin/activity?hours=72")).json.data.length >= 144, true);
    for (const h of ["0", "169", "x", "1.5"]) assert.equal((await op("GET", `/api/admin/activity?hours=${h}`)).status, 400, h);
    await assertLedgerMatchesWallets(g);
  } finally {
    await g.close();
  }
});
