// Tenancy of custom providers in Platform mode, in workerd with a real local
// D1: two owners may each have a provider of the same id serving the same
// model, and each one's rows, sync state, routing and credentials stay its
// own. Custom provider URLs must name public https hosts unless the operator
// allows private ones. /v1/models lists what the caller can be routed to,
// the shared pool included. Clerk and the upstreams are local servers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGateway, applyMigrations } from "../support/gateway.js";
import { startClerk } from "../support/clerk.js";
import { startMockUpstream, openaiCompletion } from "../support/mock-upstream.js";

const OPERATOR = "user_operator";
const ALICE = "user_alice";
const BOB = "user_bob";
const CAROL = "user_carol"; // no credentials: uses the shared pool only

let clerk, mocks, gw;

// Each owner's upstream answers with its own name and lists its own models.
function ownerUpstream(owner, models) {
  return startMockUpstream(owner, (req) => {
    if (req.url.endsWith("/chat/completions")) return { json: openaiCompletion({ text: `answered by ${owner}` }) };
    if (req.url.endsWith("/models")) return { json: { object: "list", data: models.map((id) => ({ id, object: "model", owned_by: owner })) } };
    return undefined;
  });
}

before(async () => {
  clerk = await startClerk({ azp: "http://localhost:8787" });
  mocks = {
    alice: await ownerUpstream("alice", ["acme/listed-by-alice", "acme/listed-by-both"]),
    bob: await ownerUpstream("bob", ["acme/listed-by-bob", "acme/listed-by-both", "acme/third"]),
    openai: await startMockUpstream("openai", (req) => (req.url.endsWith("/chat/completions") ? { json: openaiCompletion() } : undefined)),
  };
  gw = await startGateway({
    upstreams: { openai: mocks.openai.url + "/v1" },
    bindings: clerk.bindings({ ownerId: OPERATOR, authorizedParties: ["http://localhost:8787"], allowPrivateHosts: true }),
  });
});

after(async () => {
  await gw?.close();
  for (const m of Object.values(mocks ?? {})) await m.close();
  await clerk?.close();
});

const as = (user, g = gw) => (method, path, body) => g.as(clerk.sign({ sub: user }))(method, path, body);
const chat = (user, model) =>
  as(user)("POST", "/v1/chat/completions", { model, messages: [{ role: "user", content: "hi" }] });
const catalogRows = async (user, provider) => (await as(user)("GET", `/api/catalog?provider=${provider}`)).json.data;

test("two owners' providers of the same id and model keep their own rows, routes and keys", async () => {
  const alice = as(ALICE);
  const bob = as(BOB);
  const mine = (mock, price) => ({ id: "mine", base_url: mock.url + "/v1", models: [{ id: "acme/model", input_price_per_m: price, output_price_per_m: price * 2 }] });
  const a = await alice("POST", "/api/providers", mine(mocks.alice, 1));
  assert.equal(a.status, 201, a.text);
  const b = await bob("POST", "/api/providers", mine(mocks.bob, 3));
  assert.equal(b.status, 201, b.text, "Bob may use the id Alice uses");

  // One row per owner in D1; each owner's catalogue shows only their own.
  const rows = (await gw.db.prepare("SELECT owner_id, model_id, input_price FROM catalog WHERE provider_id = 'mine' ORDER BY owner_id").all()).results;
  assert.deepEqual(rows, [
    { owner_id: ALICE, model_id: "acme/model", input_price: 1 },
    { owner_id: BOB, model_id: "acme/model", input_price: 3 },
  ]);
  assert.deepEqual((await catalogRows(ALICE, "mine")).map((r) => r.input_price_per_m), [1]);
  assert.deepEqual((await catalogRows(BOB, "mine")).map((r) => r.input_price_per_m), [3]);
  assert.deepEqual(await catalogRows(CAROL, "mine"), [], "a third owner sees neither");

  const aliceKey = "sk-alice-custom-0123456789abcdef";
  const bobKey = "sk-bob-custom-0123456789abcdef00";
  assert.equal((await alice("POST", "/api/credentials", { provider_id: "mine", secret: aliceKey })).status, 201);
  assert.equal((await bob("POST", "/api/credentials", { provider_id: "mine", secret: bobKey })).status, 201);

  // Each request goes to its owner's upstream with its owner's key, however
  // the isolate's caches were filled before.
  for (let round = 0; round < 2; round++) {
    for (const [user, owner, key] of [[ALICE, "alice", aliceKey], [BOB, "bob", bobKey]]) {
      const before = mocks[owner].chatRequests().length;
      const res = await chat(user, "acme/model");
      assert.equal(res.status, 200, res.text);
      assert.equal(res.json.choices[0].message.content, `answered by ${owner}`);
      const sent = mocks[owner].chatRequests();
      assert.equal(sent.length, before + 1);
      assert.equal(sent.at(-1).headers.authorization, `Bearer ${key}`);
    }
  }
  assert.ok(mocks.alice.chatRequests().every((r) => r.headers.authorization === `Bearer ${aliceKey}`), "Bob's key never reached Alice's upstream");
  assert.ok(mocks.bob.chatRequests().every((r) => r.headers.authorization === `Bearer ${bobKey}`), "Alice's key never reached Bob's upstream");
  // Carol has no provider 'mine': the model is not hers to call.
  assert.equal((await chat(CAROL, "acme/model")).status, 404);

  // Alice changes her model list: Bob's rows stay as they were.
  const patched = await alice("PATCH", "/api/providers/mine", { models: [{ id: "acme/renamed", input_price_per_m: 5, output_price_per_m: 5 }] });
  assert.equal(patched.status, 200, patched.text);
  assert.deepEqual((await catalogRows(ALICE, "mine")).map((r) => r.model_id), ["acme/renamed"]);
  assert.deepEqual((await catalogRows(BOB, "mine")).map((r) => r.input_price_per_m), [3]);
  assert.equal((await chat(BOB, "acme/model")).status, 200);

  // Alice deletes hers: Bob's provider, rows and routing are untouched.
  const aliceCredential = (await alice("GET", "/api/credentials")).json.data.find((c) => c.provider_id === "mine").id;
  assert.equal((await alice("DELETE", `/api/credentials/${aliceCredential}`)).status, 200);
  assert.equal((await alice("DELETE", "/api/providers/mine")).status, 200);
  assert.deepEqual(await catalogRows(ALICE, "mine"), []);
  assert.equal((await gw.db.prepare("SELECT COUNT(*) AS n FROM catalog WHERE provider_id = 'mine' AND owner_id = ?").bind(ALICE).first()).n, 0);
  assert.deepEqual((await catalogRows(BOB, "mine")).map((r) => r.input_price_per_m), [3]);
  assert.equal((await bob("GET", "/api/providers/mine")).status, 200);
  const res = await chat(BOB, "acme/model");
  assert.equal(res.status, 200, res.text);
  assert.equal(res.json.choices[0].message.content, "answered by bob");
});

test("a sync of a provider id lists each owner's upstream into that owner's rows and state", async () => {
  for (const [user, mock] of [[ALICE, mocks.alice], [BOB, mocks.bob]]) {
    const created = await as(user)("POST", "/api/providers", { id: "synced", base_url: mock.url + "/v1", models_url: mock.url + "/v1/models" });
    assert.equal(created.status, 201, created.text);
  }
  const run = await as(OPERATOR)("POST", "/api/catalog/sync?provider=synced");
  assert.equal(run.status, 200, run.text);
  assert.equal(run.json.providers.length, 2, "both owners' lists were fetched");
  assert.ok(run.json.providers.every((p) => p.ok), run.text);

  const ids = async (user) => (await catalogRows(user, "synced")).filter((r) => r.is_active).map((r) => r.model_id).sort();
  assert.deepEqual(await ids(ALICE), ["acme/listed-by-alice", "acme/listed-by-both"]);
  assert.deepEqual(await ids(BOB), ["acme/listed-by-bob", "acme/listed-by-both", "acme/third"]);
  const state = async (user) => (await as(user)("GET", "/api/providers/synced")).json;
  const [aliceState, bobState] = [await state(ALICE), await state(BOB)];
  assert.equal(aliceState.model_count, 2, JSON.stringify(aliceState));
  assert.equal(aliceState.sync.models, 2, JSON.stringify(aliceState));
  assert.equal(bobState.model_count, 3, JSON.stringify(bobState));
  assert.equal(bobState.sync.models, 3, JSON.stringify(bobState));
  const keys = (await gw.db.prepare("SELECT key FROM meta WHERE key LIKE 'sync%synced' ORDER BY key").all()).results.map((r) => r.key);
  assert.deepEqual(keys, [`sync:${ALICE}/synced`, `sync:${BOB}/synced`, `sync_rows:${ALICE}/synced`, `sync_rows:${BOB}/synced`]);

  // Deleting Alice's drops her rows and state only.
  assert.equal((await as(ALICE)("DELETE", "/api/providers/synced")).status, 200);
  assert.deepEqual(await ids(ALICE), []);
  assert.deepEqual(await ids(BOB), ["acme/listed-by-bob", "acme/listed-by-both", "acme/third"]);
  const left = (await gw.db.prepare("SELECT key FROM meta WHERE key LIKE 'sync%synced' ORDER BY key").all()).results.map((r) => r.key);
  assert.deepEqual(left, [`sync:${BOB}/synced`, `sync_rows:${BOB}/synced`]);
});

test("/v1/models lists what the caller can be routed to: own credentials, and the shared pool with credits", async () => {
  const listed = async (user) => (await as(user)("GET", "/v1/models")).json.data.map((m) => m.id);
  assert.ok(!(await listed(CAROL)).includes("openai/gpt-4o-mini"), "nothing is routable for Carol yet");
  const added = await as(ALICE)("POST", "/api/credentials", { provider_id: "openai", secret: "sk-proj-alicepoolkey0123456789", price_multiplier: 0.8 });
  assert.equal(added.status, 201, added.text);
  assert.ok(!(await listed(CAROL)).includes("openai/gpt-4o-mini"), "without credits the pool is not Carol's");

  await gw.db.prepare("INSERT INTO wallet_entries (id, owner_id, kind, amount_nusd, created_at) VALUES ('grant_carol', ?, 'grant', 1000000000, ?)").bind(CAROL, Date.now()).run();
  const models = (await as(CAROL)("GET", "/v1/models")).json.data;
  const mini = models.find((m) => m.id === "openai/gpt-4o-mini");
  assert.ok(mini, "with credits, the pool's models are listed");
  assert.deepEqual(mini.providers, ["openai"]);
  assert.ok(!models.some((m) => m.id.startsWith("acme/")), "no owner's custom models are listed to others");
  // And what is listed routes.
  const res = await chat(CAROL, "openai/gpt-4o-mini");
  assert.equal(res.status, 200, res.text);
  // Alice's own list still has her model through her credential.
  assert.ok((await listed(ALICE)).includes("openai/gpt-4o-mini"));
});

test("custom provider URLs must be public https hosts in Platform mode", async () => {
  const strict = await startGateway({ bindings: clerk.bindings({ ownerId: OPERATOR, authorizedParties: ["http://localhost:8787"] }) });
  try {
    const alice = as(ALICE, strict);
    const provider = (urls) => ({ id: "strict", models: [{ id: "acme/model", input_price_per_m: 1, output_price_per_m: 1 }], ...urls });
    const refused = [
      [{ base_url: mocks.alice.url + "/v1" }, "base_url"],
      [{ base_url: "https://localhost:8443/v1" }, "base_url"],
      [{ base_url: "https://127.0.0.1/v1" }, "base_url"],
      [{ base_url: "https://2130706433/v1" }, "base_url"],
      [{ base_url: "https://169.254.169.254/v1" }, "base_url"],
      [{ base_url: "https://10.0.0.8/v1" }, "base_url"],
      [{ base_url: "https://[::1]/v1" }, "base_url"],
      [{ base_url: "https://metadata.google.internal/v1" }, "base_url"],
      [{ base_url: "https://api.example.com/v1", models_url: "https://192.168.1.2/v1/models" }, "models_url"],
    ];
    for (const [urls, param] of refused) {
      const res = await alice("POST", "/api/providers", provider(urls));
      assert.equal(res.status, 400, `${JSON.stringify(urls)}: ${res.text}`);
      assert.equal(res.json.error.code, "private_host");
      assert.equal(res.json.error.param, param);
    }
    assert.equal((await strict.db.prepare("SELECT COUNT(*) AS n FROM custom_providers").first()).n, 0, "nothing was stored");

    const ok = await alice("POST", "/api/providers", provider({ base_url: "https://api.example.com/v1" }));
    assert.equal(ok.status, 201, ok.text);
    const moved = await alice("PATCH", "/api/providers/strict", { base_url: "https://192.168.0.10/v1" });
    assert.equal(moved.status, 400, moved.text);
    assert.equal((await alice("GET", "/api/providers/strict")).json.base_url, "https://api.example.com/v1", "the stored provider is unchanged");
  } finally {
    await strict.close();
  }
});

test("an instance upgraded from a single owner keeps its custom provider's rows as that owner's", async () => {
  const old = await startGateway({ migrate: false });
  try {
    await applyMigrations(old.db, { through: "0007_platform_wallets.sql" });
    const now = Date.now();
    await old.db.batch([
      old.db.prepare("INSERT INTO custom_providers (id, owner_id, definition, created_at, updated_at) VALUES ('legacy', 'self', ?, ?, ?)").bind(
        JSON.stringify({ id: "legacy", name: "legacy", base_url: mocks.alice.url + "/v1", models: [{ id: "acme/legacy", input_price_per_m: 1, output_price_per_m: 1 }] }),
        now,
        now,
      ),
      old.db.prepare("INSERT INTO catalog (provider_id, model_id, model_suffix, upstream_model_id, source, created_at, refreshed_at) VALUES ('legacy', 'acme/legacy', 'legacy', 'acme/legacy', 'custom', ?, ?)").bind(now, now),
      old.db.prepare("INSERT INTO catalog (provider_id, model_id, model_suffix, upstream_model_id, source, created_at, refreshed_at) VALUES ('openai', 'openai/gpt-4o-mini', 'gpt-4o-mini', 'gpt-4o-mini', 'sync', ?, ?)").bind(now, now),
      old.db.prepare("INSERT INTO meta (key, value) VALUES ('sync:legacy', '{}'), ('sync_rows:legacy', ''), ('sync:openai', '{}')"),
    ]);
    await applyMigrations(old.db);
    const rows = (await old.db.prepare("SELECT owner_id, provider_id, model_id FROM catalog ORDER BY provider_id").all()).results;
    assert.deepEqual(rows, [
      { owner_id: "self", provider_id: "legacy", model_id: "acme/legacy" },
      { owner_id: "", provider_id: "openai", model_id: "openai/gpt-4o-mini" },
    ]);
    const keys = (await old.db.prepare("SELECT key FROM meta WHERE key LIKE 'sync%' ORDER BY key").all()).results.map((r) => r.key);
    assert.deepEqual(keys, ["sync:openai"], "the custom provider's old state is dropped: its next sync writes every row");
    // The single owner's catalogue still shows its model.
    const seen = (await old.api("GET", "/api/catalog?provider=legacy")).json.data;
    assert.equal(seen.length, 1);
  } finally {
    await old.close();
  }
});
