// Secrets and the hints about them: what /v1 clients may see, what may be
// stored, the binding of a ciphertext to its row, the isolate's caches, and
// a Kiro refresh raced by two isolates sharing one D1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { webcrypto } from "node:crypto";
import OpenAI from "openai";
import { startGateway, ADMIN_TOKEN, ENCRYPTION_KEY } from "../support/gateway.js";
import { startMockUpstream, fixture } from "../support/mock-upstream.js";
import { startMockGoogle } from "../support/mock-google.js";
import { startMockKiro } from "../support/mock-kiro.js";

const chat = (gw, body) =>
  gw.fetch("/v1/chat/completions", {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], ...body }),
  });
const keysSeen = (mock) => mock.chatRequests().map((r) => r.headers.authorization);

async function withOpenAI(fn) {
  const openai = await startMockUpstream("openai");
  const gw = await startGateway({ upstreams: { openai: openai.url + "/v1" } });
  try {
    await fn({ gw, openai });
  } finally {
    await gw.close();
    await openai.close();
  }
}

// Opens a stored v2 ciphertext the way the Worker seals it (AES-256-GCM,
// additional data naming the row).
async function openStored(ciphertext, ownerId, id) {
  assert.ok(ciphertext.startsWith("v2:"), "stored in the bound format");
  const bytes = Buffer.from(ciphertext.slice(3), "base64");
  const key = await webcrypto.subtle.importKey("raw", Buffer.from(ENCRYPTION_KEY, "base64"), "AES-GCM", false, ["decrypt"]);
  const params = { name: "AES-GCM", iv: bytes.subarray(0, 12), additionalData: new TextEncoder().encode(`keyaos:credential:${ownerId}:${id}`) };
  return new TextDecoder().decode(await webcrypto.subtle.decrypt(params, key, bytes.subarray(12)));
}

test("x-keyaos-credential is the credential's opaque id; the admin hint shows at most a quarter", async () => {
  await withOpenAI(async ({ gw }) => {
    // 13 characters, none of them hex digits, so no 3-character piece can occur in a hex id by chance
    const secret = "sk-pqrsmnoxyz";
    const cred = await gw.addCredential("openai", secret, { validate: false });
    assert.equal(cred.secret_hint, "...xyz");
    const res = await chat(gw, { model: "openai/gpt-4o-mini" });
    assert.equal(res.status, 200);
    const shown = res.headers.get("x-keyaos-credential");
    assert.equal(shown, cred.id);
    for (let i = 0; i + 3 <= secret.length; i++) assert.ok(!shown.includes(secret.slice(i, i + 3)), `no part of the secret (${secret.slice(i, i + 3)})`);
    const listed = await gw.api("GET", "/api/credentials");
    assert.equal(listed.json.data[0].secret_hint, "...xyz", "the admin view keeps the short hint");
  });
});

test("a secret that is not printable ASCII, or has CR/LF, is refused at POST", async () => {
  await withOpenAI(async ({ gw }) => {
    for (const secret of ["sk-caf\u00e9key0123456789", "sk-abc\r\nx-injected: 1", "sk-abc\u0007def0123456789", "sk-" + "a".repeat(5000)]) {
      const res = await gw.api("POST", "/api/credentials", { provider_id: "openai", secret, validate: false });
      assert.equal(res.status, 400, JSON.stringify(secret.slice(0, 30)));
      assert.equal(res.json.error.code, "invalid_secret_format");
      assert.equal(res.json.error.param, "secret");
      assert.equal(res.json.error.type, "invalid_request_error");
    }
    const { results } = await gw.db.prepare("SELECT id FROM credentials").all();
    assert.equal(results.length, 0);
  });
});

test("a Google account's email never reaches a /v1 client", async () => {
  const email = "jane.doe.keyaos@example.com";
  const google = await startMockGoogle({ onboarded: true });
  const gw = await startGateway({ upstreams: { "gemini-cli": google.url, "gemini-cli:oauth": google.url } });
  try {
    const file = JSON.stringify({ ...JSON.parse(fixture("gemini_cli_oauth_creds_file.json")), expiry_date: 1, email });
    const cred = await gw.addCredential("gemini-cli", file);
    assert.equal(cred.secret_hint, email, "the admin view may name the account");
    const seen = [];
    for (const stream of [true, false]) {
      const res = await chat(gw, { model: "google/gemini-2.5-flash", stream });
      assert.equal(res.status, 200);
      seen.push(JSON.stringify([...res.headers]), await res.text());
    }
    // Nor does the model list.
    const models = await gw.fetch("/v1/models", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    seen.push(JSON.stringify([...models.headers]), await models.text());
    for (const text of seen) {
      assert.ok(!text.includes(email), "no email");
      assert.ok(!text.includes("jane.doe"), "no part of the email");
    }
    assert.ok(seen[0].includes(cred.id), "the credential is named by its id");
  } finally {
    await gw.close();
    await google.close();
  }
});

test("a ciphertext copied to another credential's row does not open; the original still works", async () => {
  await withOpenAI(async ({ gw, openai }) => {
    const a = await gw.addCredential("openai", "sk-proj-keyofcredentialA0001", { validate: false, price_multiplier: 0.5 });
    const b = await gw.addCredential("openai", "sk-proj-keyofcredentialB0002", { validate: false, price_multiplier: 1 });
    let res = await chat(gw, { model: "openai/gpt-4o-mini" });
    assert.equal(res.status, 200);
    assert.deepEqual(keysSeen(openai), ["Bearer sk-proj-keyofcredentialA0001"], "A is the cheaper one");
    await gw.db.prepare("UPDATE credentials SET encrypted_secret = (SELECT encrypted_secret FROM credentials WHERE id = ?) WHERE id = ?").bind(a.id, b.id).run();
    assert.equal((await gw.api("PATCH", `/api/credentials/${a.id}`, { is_enabled: false })).status, 200);

    res = await chat(gw, { model: "openai/gpt-4o-mini" });
    const body = await res.json();
    assert.equal(res.status, 502, JSON.stringify(body));
    assert.equal(body.error.code, "credential_unreadable");
    assert.equal(typeof body.error.message, "string");
    assert.ok(!JSON.stringify(body).includes("keyofcredential"));
    assert.deepEqual(keysSeen(openai), ["Bearer sk-proj-keyofcredentialA0001"], "A's key was not sent for B");

    assert.equal((await gw.api("PATCH", `/api/credentials/${a.id}`, { is_enabled: true })).status, 200);
    res = await chat(gw, { model: "openai/gpt-4o-mini" });
    assert.equal(res.status, 200);
    assert.deepEqual(keysSeen(openai), Array(2).fill("Bearer sk-proj-keyofcredentialA0001"));
  });
});

test("after DELETE the credential's key is never sent again", async () => {
  await withOpenAI(async ({ gw, openai }) => {
    const a = await gw.addCredential("openai", "sk-proj-deletedkey000000001", { validate: false, price_multiplier: 0.5 });
    await gw.addCredential("openai", "sk-proj-remainingkey0000002", { validate: false, price_multiplier: 1 });
    assert.equal((await chat(gw, { model: "openai/gpt-4o-mini" })).status, 200);
    assert.equal((await gw.api("DELETE", `/api/credentials/${a.id}`)).status, 200);
    for (let i = 0; i < 3; i++) assert.equal((await chat(gw, { model: "openai/gpt-4o-mini", stream: i === 1 })).status, 200);
    assert.deepEqual(keysSeen(openai), ["Bearer sk-proj-deletedkey000000001", ...Array(3).fill("Bearer sk-proj-remainingkey0000002")]);
  });
});

test("upstream text about a refused key is not echoed to /v1 clients; it stays in /api", async () => {
  const upstreamText = "Incorrect API key provided: sk-proj-****************************wxyz. Account owner: ops@example.com";
  const openai = await startMockUpstream("openai", () => ({ status: 401, json: { error: { message: upstreamText, type: "invalid_request_error", param: null, code: "invalid_api_key" } } }));
  const gw = await startGateway({ upstreams: { openai: openai.url + "/v1" } });
  try {
    const cred = await gw.addCredential("openai", "sk-proj-refusedkey00000wxyz", { validate: false });
    const res = await chat(gw, { model: "openai/gpt-4o-mini" });
    const text = await res.text();
    assert.equal(res.status, 502);
    const body = JSON.parse(text);
    assert.deepEqual(Object.keys(body.error).sort(), ["code", "message", "param", "type"]);
    for (const leak of ["wxyz", "ops@example.com", "Incorrect API key"]) assert.ok(!text.includes(leak), leak);
    // The next request finds the credential dead: the reason is not shown either.
    const again = await chat(gw, { model: "openai/gpt-4o-mini" });
    const againText = await again.text();
    assert.equal(again.status, 503);
    for (const leak of ["wxyz", "ops@example.com", "Incorrect API key"]) assert.ok(!againText.includes(leak), leak);
    const admin = await gw.api("GET", `/api/credentials/${cred.id}`);
    assert.equal(admin.json.health, "dead");
    assert.ok(admin.json.dead_reason.includes("Incorrect API key"), "the admin view keeps the reason");
  } finally {
    await gw.close();
    await openai.close();
  }
});

test("kiro: two isolates on one D1 refresh the same credential at once; it stays healthy and D1 has the newest token", async () => {
  const SOCIAL = { ...JSON.parse(fixture("kiro_auth_token_file_social.json")), refreshToken: "aorRaceInitialxxxxxxxxxxxxxxxxxxxxxx", expiresAt: "2020-01-01T00:00:00.000Z" };
  // Both refreshes reach the token service before either answer returns.
  const kiro = await startMockKiro({ validRefreshTokens: [SOCIAL.refreshToken], tokenDelayMs: 300 });
  const dir = mkdtempSync(join(tmpdir(), "keyaos-race-"));
  const gw = await startGateway({ upstreams: { kiro: kiro.url, "kiro:oauth": kiro.url }, persist: dir, isolates: 2 });
  try {
    const cred = await gw.addCredential("kiro", JSON.stringify(SOCIAL));
    const ask = (url) =>
      new OpenAI({ apiKey: ADMIN_TOKEN, baseURL: url + "/v1", maxRetries: 0 }).chat.completions.create({ model: "anthropic/claude-sonnet-4.5", messages: [{ role: "user", content: "hi" }] });
    const answers = await Promise.all(gw.isolateUrls.map(ask));
    for (const a of answers) assert.equal(a.choices[0].message.content, "Hello from Kiro.");
    assert.equal(kiro.state.refreshCalls, 2, "both isolates refreshed");
    assert.equal(kiro.state.refresh.size, 1);
    const newest = [...kiro.state.refresh][0];

    const row = await gw.db.prepare("SELECT health, dead_reason, encrypted_secret FROM credentials WHERE id = ?").bind(cred.id).first();
    assert.equal(row.health, "ok", String(row.dead_reason));
    const stored = JSON.parse(await openStored(row.encrypted_secret, "self", cred.id));
    assert.equal(stored.refreshToken ?? stored.refresh_token, newest, "the newest rotated refresh token is in D1");
    // Both keep working.
    for (const url of [...gw.isolateUrls].reverse()) assert.equal((await ask(url)).choices[0].message.content, "Hello from Kiro.");
  } finally {
    await gw.close();
    await kiro.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
