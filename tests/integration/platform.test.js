// Platform mode in workerd with a real local D1: Clerk sessions verified in
// the Worker against a local JWKS (the only simulated part is Clerk), tenant
// isolation over every route of the router, the shared pool with wallets,
// and settlement exactly once, under concurrency and replays.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startGateway, ADMIN_TOKEN, ENCRYPTION_KEY, root } from "../support/gateway.js";
import { startClerk } from "../support/clerk.js";
import { driveRequest, loadEngine, runSql as runBatch } from "../support/engine-host.js";
import { startMockUpstream, openaiCompletion } from "../support/mock-upstream.js";

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const OPERATOR = "user_operator";
const ALICE = "user_alice"; // contributes a credential
const BOB = "user_bob"; // consumes from the pool
const USAGE = { prompt_tokens: 12, completion_tokens: 4 };
const BASE_COST = 12 * 150 + 4 * 600; // gpt-4o-mini at $0.15/$0.60 per M, in nano-USD
const MULTIPLIER = 0.5;
const COST = BASE_COST * MULTIPLIER; // what Alice's credential charges
const SIDE = Math.floor((COST * 3 + 50) / 100); // 3 %, rounded half up
const CHARGED = COST + SIDE;
const EARNED = COST - SIDE;
const ALICE_SECRET = "sk-proj-alicepoolkey0123456789";
const BOB_SECRET = "sk-proj-bobownkey0123456789abcd";

let clerk, mock, gw;

before(async () => {
  clerk = await startClerk({ azp: "http://localhost:8787" });
  mock = await startMockUpstream("openai", (req) => (req.url.endsWith("/chat/completions") ? { json: openaiCompletion({ usage: USAGE }) } : undefined));
  gw = await startGateway({ upstreams: { openai: mock.url + "/v1" }, bindings: clerk.bindings({ ownerId: OPERATOR, authorizedParties: ["http://localhost:8787"] }) });
});

after(async () => {
  await gw?.close();
  await mock?.close();
  await clerk?.close();
});

const call = (token, method, path, body) => gw.as(token)(method, path, body);
const as = (user) => (method, path, body) => call(clerk.sign({ sub: user }), method, path, body);

async function grant(owner, nusd, id = `grant_${owner}_${Math.random().toString(16).slice(2)}`) {
  await gw.db.prepare("INSERT INTO wallet_entries (id, owner_id, kind, amount_nusd, created_at) VALUES (?, ?, 'grant', ?, ?)").bind(id, owner, nusd, Date.now()).run();
}
const balance = async (owner) => (await gw.db.prepare("SELECT balance_nusd FROM wallets WHERE owner_id = ?").bind(owner).first())?.balance_nusd ?? 0;
const entrySum = async (owner) => (await gw.db.prepare("SELECT COALESCE(SUM(amount_nusd), 0) AS s FROM wallet_entries WHERE owner_id = ?").bind(owner).first()).s;
// max_tokens matches what the mock answers, so a request's estimate (what it
// reserves) is close to its real cost.
const chat = (token) =>
  gw.fetch("/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "openai/gpt-4o-mini", max_tokens: USAGE.completion_tokens, messages: [{ role: "user", content: "hi" }] }),
  });

test("sessions: only a current RS256 token of this Clerk instance for an authorised party opens the API", async () => {
  const me = await call(clerk.sign({ sub: ALICE }), "GET", "/api/me");
  assert.equal(me.status, 200, me.text);
  assert.deepEqual(me.json, { owner_id: ALICE, is_admin: false });
  assert.deepEqual((await call(clerk.sign({ sub: OPERATOR }), "GET", "/api/me")).json, { owner_id: OPERATOR, is_admin: true });

  const now = Math.floor(Date.now() / 1000);
  const refused = {
    expired: clerk.sign({ sub: ALICE, exp: now - 30, iat: now - 90, nbf: now - 90 }),
    "not yet valid": clerk.sign({ sub: ALICE, nbf: now + 120 }),
    "another issuer": clerk.sign({ sub: ALICE, iss: "https://clerk.attacker.test" }),
    "another origin": clerk.sign({ sub: ALICE, azp: "https://evil.example" }),
    "alg none": clerk.sign({ sub: ALICE }, { alg: "none" }),
    "HS256 keyed with the public key": clerk.sign({ sub: ALICE }, { alg: "HS256" }),
    "a key Clerk does not have": clerk.sign({ sub: ALICE }, { key: (await import("../../scripts/clerk-jwt.js")).signingKey({ kid: clerk.key.jwk.kid }) }),
    "a tampered payload": (() => {
      const [h, , s] = clerk.sign({ sub: ALICE }).split(".");
      return [h, Buffer.from(JSON.stringify({ sub: OPERATOR, iss: clerk.issuer, azp: "http://localhost:8787", exp: now + 60 })).toString("base64url"), s].join(".");
    })(),
    "the admin token": ADMIN_TOKEN,
    nothing: "",
  };
  for (const [why, token] of Object.entries(refused)) {
    for (const path of ["/api/me", "/v1/models"]) {
      const res = await call(token, "GET", path);
      assert.equal(res.status, 401, `${why} on ${path}: ${res.text}`);
      assert.equal(res.json.error.type, "authentication_error", why);
    }
  }
  // A session works on /v1 too.
  assert.equal((await call(clerk.sign({ sub: ALICE }), "GET", "/v1/models")).status, 200);
  // /api/config is public and names the mode.
  assert.deepEqual((await call("", "GET", "/api/config")).json, { mode: "platform", clerk_publishable_key: clerk.publishableKey, payments: false });
});

test("sessions: an unknown kid refetches the JWKS at most once per interval, and a rotated key works once Clerk lists it", async () => {
  await sleep(2100); // past the refetch interval of the previous test's fetches
  const fetched = clerk.jwksRequests;
  const stranger = (await import("../../scripts/clerk-jwt.js")).signingKey({ kid: "ins_unknown" });
  for (let i = 0; i < 5; i++) assert.equal((await call(clerk.sign({ sub: ALICE }, { key: stranger }), "GET", "/api/me")).status, 401);
  assert.equal(clerk.jwksRequests - fetched, 1, "five tokens with an unknown kid cost one JWKS fetch");

  const rotated = clerk.rotate();
  await sleep(2100);
  const res = await call(clerk.sign({ sub: ALICE }, { key: rotated }), "GET", "/api/me");
  assert.equal(res.status, 200, res.text);
  // Known keys need no fetch at all.
  const settled = clerk.jwksRequests;
  for (let i = 0; i < 3; i++) assert.equal((await call(clerk.sign({ sub: BOB }, { key: rotated }), "GET", "/api/me")).status, 200);
  assert.equal(clerk.jwksRequests, settled);
});

test("the shared pool: a consumer with credits is served by another owner's credential and both wallets move exactly once", async () => {
  const alice = as(ALICE);
  const added = await alice("POST", "/api/credentials", { provider_id: "openai", secret: ALICE_SECRET, price_multiplier: MULTIPLIER, quota_usd: 10 });
  assert.equal(added.status, 201, added.text);
  const aliceCredential = added.json.id;

  // Bob has no credential and no credits: 402 in OpenAI's shape.
  let res = await chat(clerk.sign({ sub: BOB }));
  assert.equal(res.status, 402);
  assert.equal((await res.json()).error.code, "insufficient_credits");

  await grant(BOB, 1_000_000_000);
  res = await chat(clerk.sign({ sub: BOB }));
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get("x-keyaos-provider"), "openai");
  assert.equal(res.headers.get("x-keyaos-credential"), null, "a consumer never learns whose credential served them");
  const requestId = res.headers.get("x-request-id");
  await res.json();
  const [log] = await gw.waitForRows(`SELECT * FROM request_logs WHERE id = '${requestId}'`, 1);
  assert.equal(log.credential_owner_id, ALICE);
  assert.equal(log.effective_cost_nusd, COST);
  assert.equal(log.consumer_charged_nusd, CHARGED);
  assert.equal(log.provider_earned_nusd, EARNED);
  assert.equal(await balance(BOB), 1_000_000_000 - CHARGED);
  assert.equal(await balance(ALICE), EARNED);
  const reservations = await gw.db.prepare("SELECT COUNT(*) AS n FROM wallet_reservations").first();
  assert.equal(reservations.n, 0, "the reservation was released");

  // What each side sees.
  const bobLogs = (await as(BOB)("GET", "/api/logs")).json.data;
  assert.equal(bobLogs.length, 1);
  assert.equal(bobLogs[0].direction, "spent");
  assert.equal(bobLogs[0].credential_id, null);
  assert.equal(bobLogs[0].net_usd, -CHARGED / 1e9);
  const detail = (await as(BOB)("GET", `/api/logs/${requestId}`)).json;
  assert.ok(detail.attempt_list.every((a) => a.credential_id === null), JSON.stringify(detail.attempt_list));
  const aliceLogs = (await alice("GET", "/api/logs")).json.data;
  assert.equal(aliceLogs.length, 1);
  assert.equal(aliceLogs[0].direction, "earned");
  assert.equal(aliceLogs[0].api_key_id, null);
  assert.equal(aliceLogs[0].credential_id, aliceCredential);
  assert.equal(aliceLogs[0].net_usd, EARNED / 1e9);
  const credentials = (await alice("GET", "/api/credentials")).json.data;
  assert.equal(credentials[0].earnings_nusd, EARNED);
  const stats = (await alice("GET", "/api/pool/stats")).json;
  assert.equal(stats.earnings_24h_nusd, EARNED);
  assert.ok(stats.healthy_credentials >= 1);
  assert.deepEqual((await as(BOB)("GET", "/v1/credits")).json, { data: { balance: (1_000_000_000 - CHARGED) / 1e9, balance_nusd: 1_000_000_000 - CHARGED } });

  // Self-use moves nothing.
  const before = [await balance(ALICE), await balance(BOB)];
  res = await chat(clerk.sign({ sub: ALICE }));
  assert.equal(res.status, 200);
  assert.match(res.headers.get("x-keyaos-credential"), /^cred_/, "the owner sees their own credential");
  const selfId = res.headers.get("x-request-id");
  await res.json();
  const [own] = await gw.waitForRows(`SELECT * FROM request_logs WHERE id = '${selfId}'`, 1);
  assert.equal(own.credential_owner_id, null);
  assert.equal(own.consumer_charged_nusd, 0);
  assert.deepEqual([await balance(ALICE), await balance(BOB)], before);
  assert.equal((await alice("GET", "/api/logs")).json.data.find((l) => l.id === selfId).direction, "self");
});

test("an empty wallet falls back to the caller's own credentials, which cost nothing", async () => {
  const carol = "user_carol";
  await grant(carol, 0);
  const added = await as(carol)("POST", "/api/credentials", { provider_id: "openai", secret: BOB_SECRET, quota_usd: 5 });
  assert.equal(added.status, 201, added.text);
  const seen = mock.requests.length;
  const res = await chat(clerk.sign({ sub: carol }));
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(res.headers.get("x-keyaos-credential"), added.json.id);
  await res.json();
  assert.equal(mock.requests[seen].headers.authorization, `Bearer ${BOB_SECRET}`, "served by Carol's own key, not the pool's cheaper one");
  const id = res.headers.get("x-request-id");
  const [log] = await gw.waitForRows(`SELECT * FROM request_logs WHERE id = '${id}'`, 1);
  assert.equal(log.credential_owner_id, null);
  assert.equal(await balance(carol), 0);
});

test("200 concurrent shared-pool requests: the ledger sums equal the log rows, and the wallet goes negative by at most one request", async () => {
  const dave = "user_dave";
  // Enough for about 150 of the 200 requests.
  const funds = 150 * CHARGED;
  await grant(dave, funds);
  const aliceBefore = await balance(ALICE);
  const results = await Promise.all(Array.from({ length: 200 }, () => chat(clerk.sign({ sub: dave })).then(async (r) => ({ status: r.status, body: await r.text() }))));
  const ok = results.filter((r) => r.status === 200).length;
  const refused = results.filter((r) => r.status === 402).length;
  assert.equal(ok + refused, 200, JSON.stringify(results.find((r) => r.status !== 200 && r.status !== 402)));
  assert.ok(refused > 0, "the funds did not cover all 200");
  // A refusal comes before any upstream is asked, and leaves no row.
  const logs = await gw.waitForRows(`SELECT * FROM request_logs WHERE owner_id = '${dave}'`, ok, 20000);
  assert.equal(logs.length, ok, "every served request left one log row");
  const served = logs.filter((l) => l.status === "ok");
  assert.equal(served.length, ok);
  const charged = served.reduce((s, l) => s + l.consumer_charged_nusd, 0);
  const earned = served.reduce((s, l) => s + l.provider_earned_nusd, 0);
  assert.equal(charged, ok * CHARGED);
  assert.equal(earned, ok * EARNED);
  const entries = await gw.db.prepare("SELECT kind, COUNT(*) AS n, SUM(amount_nusd) AS s FROM wallet_entries WHERE owner_id = ? GROUP BY kind").bind(dave).all();
  const spend = entries.results.find((e) => e.kind === "spend");
  assert.equal(spend.n, ok);
  assert.equal(spend.s, -charged);
  assert.equal(await balance(dave), funds - charged);
  assert.equal(await balance(dave), await entrySum(dave), "the balance is the sum of its entries");
  assert.equal(await balance(ALICE) - aliceBefore, earned);
  assert.equal(await balance(ALICE), await entrySum(ALICE));
  assert.ok(await balance(dave) > -CHARGED, `at most one request's cost below zero, got ${await balance(dave)}`);
  assert.ok(ok > 0, "requests were admitted");
  const reservations = await gw.db.prepare("SELECT COUNT(*) AS n FROM wallet_reservations").first();
  assert.equal(reservations.n, 0);
  // Every reservation came back as its request settled: what is left still buys a request.
  if ((await balance(dave)) > 0) {
    const res = await chat(clerk.sign({ sub: dave }));
    assert.equal(res.status, 200, await res.text());
  }
});

// As in ledger.test.js: the test is the host for the real engine against the
// same D1, takes the exact batch a shared-pool request hands the host, and
// writes it twice, as the Worker's retry after a lost answer would.
test("a replayed settlement batch moves nothing twice", async () => {
  const erin = "user_erin";
  await grant(erin, 1_000_000_000);
  const engine = loadEngine({
    admin_token: ADMIN_TOKEN,
    encryption_configured: true,
    upstream_base_urls: { openai: mock.url + "/v1" },
    platform: { secret_key_set: true, publishable_key: clerk.publishableKey, jwt_key: clerk.jwtKeyPem, owner_id: OPERATOR },
  });
  const body = JSON.stringify({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "x" }] });
  const request = { type: "request", method: "POST", path: "/v1/chat/completions", query: "", headers: { authorization: `Bearer ${clerk.sign({ sub: erin })}` }, client_ip: "", nonce: "7a".repeat(16) };
  const answer = await driveRequest(engine, { db: gw.db, encryptionKey: ENCRYPTION_KEY, request, body });
  assert.equal(answer.status, 200, answer.body);
  const background = answer.background;
  assert.ok(background.some((s) => s.name === "wallet.spend"), "the batch settles a shared-pool request");
  const runSql = (statements) => runBatch(gw.db, statements);

  const snapshot = async () => ({
    erin: await balance(erin),
    alice: await balance(ALICE),
    entries: (await gw.db.prepare("SELECT COUNT(*) AS n FROM wallet_entries").first()).n,
    logs: (await gw.db.prepare("SELECT COUNT(*) AS n FROM request_logs").first()).n,
  });
  const before = await snapshot();
  await runSql(background);
  const once = await snapshot();
  assert.equal(once.erin, before.erin - CHARGED);
  assert.equal(once.alice, before.alice + EARNED);
  assert.equal(once.entries, before.entries + 2);
  assert.equal(once.logs, before.logs + 1);
  await runSql(background);
  assert.deepEqual(await snapshot(), once, "the replay changed nothing");
});

// Every route the router serves (README's table, which a unit test keeps
// equal to the router's), tried by Bob on Alice's ids: a 404 each time, and
// nothing of Alice's changes. A new route is in the table, so it is tried too.
test("tenancy: no route shows or changes another owner's rows", async () => {
  const alice = as(ALICE);
  const bob = as(BOB);
  const key = await alice("POST", "/api/api-keys", { name: "alice key" });
  assert.equal(key.status, 201, key.text);
  assert.equal((await alice("PUT", "/api/model-aliases/alice-alias", { model: "openai/gpt-4o-mini" })).status, 200);
  const provider = await alice("POST", "/api/providers", { id: "alice-llm", base_url: "https://llm.alice.example/v1", models: [{ id: "alice/model", input_price_per_m: 1, output_price_per_m: 1 }] });
  assert.equal(provider.status, 201, provider.text);
  const credential = (await alice("GET", "/api/credentials")).json.data[0].id;
  const log = (await alice("GET", "/api/logs")).json.data[0].id;
  const ids = { credentials: credential, "api-keys": key.json.id, logs: log, providers: "alice-llm", "model-aliases": "alice-alias", responses: "resp_x" };

  const snapshotOfAlice = async () =>
    JSON.stringify([
      (await alice("GET", "/api/credentials")).json.data.map(({ cooldowns, ...c }) => c),
      (await alice("GET", "/api/api-keys")).json.data,
      (await alice("GET", "/api/model-aliases")).json.data,
      (await alice("GET", "/api/providers/alice-llm")).json,
    ]);
  const aliceBefore = await snapshotOfAlice();
  // Bob has a provider of the same id serving the same model: his routes act on his own only.
  const bobsProvider = await bob("POST", "/api/providers", { id: "alice-llm", base_url: "https://llm.bob.example/v1", models: [{ id: "alice/model", input_price_per_m: 2, output_price_per_m: 2 }] });
  assert.equal(bobsProvider.status, 201, bobsProvider.text);

  const readme = readFileSync(join(root, "README.md"), "utf8");
  const routes = [...readme.matchAll(/^\| `([A-Z]+)` \| `([^`]+)` \| [^|]+\|$/gm)].map((m) => ({ method: m[1], path: m[2] }));
  assert.ok(routes.length > 30, "README's route table was read");
  const bodies = { PATCH: { is_enabled: false, name: "bob was here", price_multiplier: 0.1 }, PUT: { model: "openai/gpt-4o-mini" }, POST: {} };
  let tried = 0;
  for (const { method, path } of routes) {
    const param = path.match(/\/api\/([a-z-]+)\/:|\/v1\/(responses)\/:/);
    if (!param) continue;
    const kind = param[1] || param[2];
    const concrete = path.replace(/:[a-z]+/, encodeURIComponent(ids[kind]));
    const res = await bob(method, concrete, bodies[method]);
    tried++;
    // Bob's own provider of that id answers, never Alice's.
    if (kind === "providers") {
      assert.ok([200, 400, 404].includes(res.status), `${method} ${concrete}: ${res.status} ${res.text}`);
      assert.ok(!res.text.includes("llm.alice.example"), `${method} ${concrete} showed Alice's provider: ${res.text}`);
      continue;
    }
    // PUT of an alias name is an upsert: Bob gets an alias of his own by that name.
    if (method === "PUT") {
      assert.equal(res.status, 200, res.text);
      assert.equal((await bob("DELETE", concrete)).status, 200);
      continue;
    }
    assert.equal(res.status, 404, `${method} ${concrete} as another owner: ${res.status} ${res.text}`);
  }
  assert.ok(tried >= 12, `every id-bearing route was tried (${tried})`);
  // Lists show Bob nothing of Alice's.
  for (const path of ["/api/credentials", "/api/api-keys", "/api/model-aliases", "/api/providers", "/api/logs"]) {
    const text = (await bob("GET", path)).text;
    for (const id of [credential, key.json.id, "alice-alias", "llm.alice.example", log]) assert.ok(!text.includes(id), `${path} shows Bob ${id}`);
  }
  assert.equal(await snapshotOfAlice(), aliceBefore, "nothing of Alice's changed");
  // Syncing the shared catalogue is the operator's.
  assert.equal((await bob("POST", "/api/catalog/sync")).status, 403);
});
