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
import { secretVerdict } from "../../dashboard/src/secret_format.js";

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

// Keys for every built-in provider with a format: some fit, some do not.
const FORMAT_EXAMPLES = {
  openrouter: { good: ["sk-or-v1-" + "0123456789abcdef".repeat(4)], bad: ["sk-or-v1-" + "a".repeat(63), "sk-or-v1-" + "A".repeat(64), "sk-or-v2-" + "a".repeat(64)] },
  zenmux: { good: ["sk-ai-v1-abc123", "sk-ss-v1-0"], bad: ["sk-ab-v1-abc", "sk-ai-v1-ABC", "sk-ai-v1-"] },
  deepseek: { good: ["sk-0123abcdef"], bad: ["sk-ABCDEF", "sk-xyz"] },
  "google-ai-studio": { good: ["AIzaSyA-bc_DEF123"], bad: ["AIza", "AIzaSy.A", "aiza123"] },
  oaipro: { good: ["sk-AbC123"], bad: ["sk-abc_def", "sk-"] },
  openai: { good: ["sk-proj-Ab3_x-9", "sk-abc", "sk-proj-"], bad: ["sk-proj.abc", "not-an-openai-key", "sk-abc/def"] },
  "qwen-code": { good: ["sk-sp-" + "e".repeat(32)], bad: ["sk-sp-XYZ", "sk-abc"] },
};

test("the dashboard's format check gives the Worker's verdict for every built-in provider's keys", async () => {
  const gw = await startGateway();
  try {
    const providers = (await gw.api("GET", "/api/providers")).json.data;
    const withFormat = providers.filter((p) => p.secret_format);
    assert.deepEqual(withFormat.map((p) => p.id).sort(), Object.keys(FORMAT_EXAMPLES).sort());
    for (const p of withFormat) {
      for (const [expected, keys] of [[true, FORMAT_EXAMPLES[p.id].good], [false, FORMAT_EXAMPLES[p.id].bad]]) {
        for (const key of keys) {
          const pasted = `  ${key}\n`;  // as pasted: both sides trim
          const inBrowser = secretVerdict(p, pasted.trim());
          const res = await gw.api("POST", "/api/credentials", { provider_id: p.id, secret: pasted, validate: false });
          const label = `${p.id} ${JSON.stringify(key)}: ${res.text}`;
          assert.equal(inBrowser?.ok, expected, label);
          assert.equal(res.status, expected ? 201 : 400, label);
          if (expected) {
            assert.equal((await gw.api("DELETE", `/api/credentials/${res.json.id}`)).status, 200);
          } else {
            assert.equal(res.json.error.code, "invalid_secret_format", label);
            assert.equal(res.json.error.param, "secret", label);
          }
        }
      }
    }
    const bad = await gw.api("POST", "/api/credentials", { provider_id: "openrouter", secret: "sk-or-v1-abc", validate: false });
    assert.equal(bad.json.error.message, "This does not look like a OpenRouter credential: expected sk-or-v1- followed by exactly 64 lower-case hex characters (0-9, a-f).");
    const zen = await gw.api("POST", "/api/credentials", { provider_id: "zenmux", secret: "sk-xx-v1-abc", validate: false });
    assert.equal(zen.json.error.message, "This does not look like a ZenMux credential: expected sk-ai-v1- or sk-ss-v1- followed by one or more lower-case hex characters (0-9, a-f).");
    const { results } = await gw.db.prepare("SELECT id FROM credentials").all();
    assert.equal(results.length, 0);
  } finally {
    await gw.close();
  }
});

test("a custom provider's secret format is validated, listed and enforced on its keys", async () => {
  const gw = await startGateway();
  try {
    const base = { id: "acme", base_url: "http://127.0.0.1:9/v1", models: [{ id: "acme/chat", input_price_per_m: 1, output_price_per_m: 2 }] };
    for (const [secret_format, problem] of [
      ["^acme_[a-z]+$", "secret_format: must be an object"],
      [{ alphabet: "[a-z]" }, 'secret_format.alphabet: "[a-z]" must be one of hex, base62, base64url, printable, or {"chars": "..."}'],
      [{ alphabet: { chars: "x".repeat(5000) } }, "secret_format.alphabet.chars: lists 'x' twice"],
      [{ alphabet: "hex", min_length: 1e9 }, "secret_format.min_length: must be an integer from 1 to 4096"],
      [{ alphabet: "hex", prefixes: Array.from({ length: 17 }, (_, i) => `p${i}-`) }, "secret_format.prefixes: may list at most 16 prefixes"],
    ]) {
      const res = await gw.api("POST", "/api/providers", { ...base, secret_format });
      assert.equal(res.status, 400, res.text);
      assert.deepEqual(res.json.error, { message: "Invalid custom provider: " + problem, type: "invalid_request_error", param: "secret_format", code: "invalid_provider" });
    }
    assert.equal((await gw.api("GET", "/health")).status, 200, "the Worker still serves");

    const format = { prefixes: ["acme_live_"], alphabet: { chars: "0123456789ABCDEFGHJKMNPQRSTVWXYZ" }, min_length: 8, max_length: 8 };
    const created = await gw.api("POST", "/api/providers", { ...base, secret_format: format });
    assert.equal(created.status, 201, created.text);
    const listed = (await gw.api("GET", "/api/providers/acme")).json;
    assert.deepEqual(listed.secret_format, format);
    assert.equal(listed.credential_guide.placeholder, "acme_live_...");
    for (const [key, fits] of [["acme_live_0A9ZXY12", true], ["acme_live_0A9ZXY1", false], ["acme_live_0I9ZXY12", false], ["acme_test_0A9ZXY12", false]]) {
      const res = await gw.api("POST", "/api/credentials", { provider_id: "acme", secret: key, validate: false });
      assert.equal(res.status, fits ? 201 : 400, `${key}: ${res.text}`);
      assert.equal(secretVerdict(listed, key).ok, fits, key);
      if (!fits) assert.equal(res.json.error.message, 'This does not look like a acme credential: expected acme_live_ followed by exactly 8 characters from "0123456789ABCDEFGHJKMNPQRSTVWXYZ".');
    }
    // Dropping the format takes any key again.
    const patched = await gw.api("PATCH", "/api/providers/acme", { secret_format: null });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.secret_format, null);
    assert.equal((await gw.api("POST", "/api/credentials", { provider_id: "acme", secret: "whatever-key", validate: false })).status, 201);
  } finally {
    await gw.close();
  }
});

test("Qwen Code offers only its Coding Plan key; a pasted OAuth credential file is a 400", async () => {
  const gw = await startGateway();
  try {
    const qwen = (await gw.api("GET", "/api/providers/qwen-code")).json;
    assert.equal(qwen.auth_kind, "bearer");
    assert.equal(qwen.credential_guide.file_path, null);
    assert.equal(qwen.credential_guide.command, null);
    assert.deepEqual(qwen.secret_format.prefixes, ["sk-sp-"]);
    const file = fixture("qwen_oauth_creds_file.json");
    assert.deepEqual(secretVerdict(qwen, file.trim()), { ok: false, message: "Qwen Code takes an API key, not a JSON credential file." });
    for (const validate of [false, true]) {
      const res = await gw.api("POST", "/api/credentials", { provider_id: "qwen-code", secret: file, validate });
      assert.equal(res.status, 400, res.text);
      assert.deepEqual(res.json.error, {
        message: "Qwen Code takes an API key, not a JSON credential file: OAuth logins are not supported for Qwen Code.",
        type: "invalid_request_error",
        param: "secret",
        code: "invalid_secret_format",
      });
    }
    // The same refusal for any API-key provider, with or without a format.
    const deepinfra = await gw.api("POST", "/api/credentials", { provider_id: "deepinfra", secret: file, validate: false });
    assert.equal(deepinfra.status, 400);
    assert.equal(deepinfra.json.error.code, "invalid_secret_format");
    const { results } = await gw.db.prepare("SELECT id FROM credentials").all();
    assert.equal(results.length, 0);
    assert.equal((await gw.api("POST", "/api/credentials", { provider_id: "qwen-code", secret: "sk-sp-" + "e".repeat(32), validate: false })).status, 201);
  } finally {
    await gw.close();
  }
});
