// The dashboard in Platform mode, in a real browser against the gateway
// started with `npm start` and the Clerk stand-in's env (tests/support/clerk.js;
// its public key as CLERK_JWT_KEY, so no JWKS is fetched). Clerk's frontend
// is an outside service: the page's requests for clerk-js and to Clerk's
// frontend API are answered by tests/support/clerk-browser.js, with a
// stand-in bundle (tests/support/clerk-js-standin.js) whose session tokens
// the fixture signs.
// Alice adds an OpenAI key (a local mock) to the pool; Bob, whose wallet is
// seeded in D1, creates an API key and calls the pool with the OpenAI client;
// what each sees (balance, earnings, log directions) is the engine's own output.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "../../scripts/lib.js";
import { startClerk } from "../support/clerk.js";
import OpenAI from "openai";
import { startMockUpstream, openaiCompletion, openaiStream } from "../support/mock-upstream.js";
import { go, launchChromium, shot, watchConsole } from "../support/browser.js";
import { clerkBrowser, startPlatformGateway } from "../support/clerk-browser.js";
import { usd } from "../../dashboard/src/format.js";

const ADMIN_TOKEN = "e2e-platform-admin-token-0123456789";
const ENCRYPTION_KEY = Buffer.alloc(32, 11).toString("base64");
const OPENAI_KEY = "sk-proj-e2ePlatformAlice0123456789abcdef";
const USERS = {
  "alice@example.com": "user_alice",
  "bob@example.com": "user_bob",
};
const BOB_GRANT_NUSD = 1_000_000_000; // $1: the mock's usage below costs enough to show in the balance
const STREAM_PARTS = ["Pooled", " hello", "."];
const REPLY = "Hello from the pool";
// Large enough that a request's cost shows in a $1 balance: $0.0066 at gpt-4o-mini's list prices.
const USAGE = { prompt_tokens: 20_000, completion_tokens: 6_000 };

let gw, upstream, clerk, browser, origin, clerkContext, signIn, issued;
const consoleErrors = [];

// wrangler's local D1 in the gateway's state folder, before the gateway starts.
function d1(stateDir, args) {
  execFileSync("npx", ["wrangler", "d1", ...args, "keyaos-db", "--local", "--persist-to", stateDir], {
    cwd: root,
    env: { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false" },
    stdio: "pipe",
  });
}

// The engine's view for `userId`, with a token the fixture signs (as a script would hold one).
async function asUser(userId, path) {
  const res = await fetch(origin + path, { headers: { authorization: `Bearer ${clerk.sign({ sub: userId, azp: origin })}` } });
  assert.equal(res.status, 200, `${path} as ${userId}: ${res.status}`);
  return res.json();
}

// Sends `text` from the Playground and waits for the reply and its billed cost; returns the request id.
async function chat(page, text) {
  await go(page, "Playground");
  await page.getByLabel("Model", { exact: true }).selectOption("openai/gpt-4o-mini");
  await page.getByLabel("Message", { exact: true }).fill(text);
  await page.getByLabel("Message", { exact: true }).press("Enter");
  await page.locator('.msg[data-role="assistant"] .msg-text', { hasText: STREAM_PARTS.join("") }).waitFor();
  await page.waitForFunction(() => /\$/.test(document.querySelector('[data-field="cost"]')?.textContent || ""));
  return page.locator('[data-testid="response-info"] [data-field="request-id"]').innerText();
}

const statValue = (page, label) => page.locator(".stat", { has: page.getByText(label, { exact: true }) }).locator(".stat-value");

let alice, bob, aliceContext, bobContext, bobRequestId;

before(async () => {
  clerk = await startClerk();
  upstream = await startMockUpstream("openai", (req) => {
    if (!req.url.endsWith("/chat/completions")) return { json: { object: "list", data: [] } };
    if (req.body?.stream) return { sse: openaiStream({ model: req.body.model, parts: STREAM_PARTS, usage: USAGE }) };
    return { json: openaiCompletion({ model: req.body?.model, text: REPLY, usage: USAGE }) };
  });
  ({ gw, origin } = await startPlatformGateway({
    clerk,
    ownerId: "user_owner",
    env: { ADMIN_TOKEN, ENCRYPTION_KEY, UPSTREAM_BASE_URLS: JSON.stringify({ openai: upstream.url + "/v1" }) },
    // No payment flow yet: Bob's credit is a ledger entry written straight into D1.
    prepare: (stateDir) => {
      d1(stateDir, ["migrations", "apply"]);
      d1(stateDir, ["execute", "--command", `INSERT INTO wallet_entries (id, owner_id, kind, amount_nusd, created_at) VALUES ('grant_e2e_bob', 'user_bob', 'grant', ${BOB_GRANT_NUSD}, ${Date.now()})`]);
    },
  }));
  browser = await launchChromium();
  ({ context: clerkContext, signIn, issued } = clerkBrowser({ browser, clerk, origin, users: USERS, consoleErrors }));
  aliceContext = await clerkContext();
  bobContext = await clerkContext();
});

after(async () => {
  await browser?.close().catch(() => {});
  if (gw) writeFileSync(join(root, "test-results", "e2e-platform-gateway.log"), gw.output.join(""));
  await gw?.stop();
  await upstream?.close();
  await clerk?.close();
});

test("the gateway names Platform mode and its publishable key; the admin token is refused on /api", async () => {
  assert.deepEqual(await (await fetch(`${origin}/api/config`)).json(), { mode: "platform", clerk_publishable_key: clerk.publishableKey, payments: false });
  assert.equal((await fetch(`${origin}/api/credentials`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status, 401);
  assert.deepEqual(await asUser("user_alice", "/api/me"), { owner_id: "user_alice", is_admin: false });
  assert.deepEqual(await asUser("user_owner", "/api/me"), { owner_id: "user_owner", is_admin: true });
});

test("sign-in goes through Clerk: an unknown account is refused, Alice reaches her overview", async () => {
  const page = await aliceContext.newPage();
  // Clerk answers an unknown identifier with 422, which the browser logs.
  watchConsole(page, "alice-sign-in", consoleErrors, (text) => /status of 422/.test(text));
  await page.goto(origin);
  await page.getByRole("heading", { level: 1, name: "Keyaos" }).waitFor();
  assert.equal(await page.getByLabel("Admin token").count(), 0, "no admin-token login in Platform mode");
  await page.getByLabel("Email address").fill("mallory@example.com");
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByText("Couldn't find your account.").waitFor();
  await shot(page, "platform-sign-in-desktop");
  await page.close();

  alice = await signIn(aliceContext, "alice@example.com", "alice");
  await alice.getByRole("button", { name: "Open user menu" }).filter({ hasText: "alice@example.com" }).waitFor();
  await alice.waitForFunction(() => document.querySelector(".stat-value") && !document.querySelector("[aria-busy=true]"));
  assert.equal(await statValue(alice, "Balance").innerText(), "$0.00");
  assert.equal(await statValue(alice, "Healthy credentials").innerText(), "0");
  assert.equal(await statValue(alice, "Your calls, 24 h").innerText(), "0");
});

test("Alice adds an OpenAI key to the pool from the Credentials page", async () => {
  await go(alice, "Credentials");
  const form = alice.getByRole("region", { name: "Add a credential" });
  await form.getByLabel("Provider").selectOption("openai");
  await form.getByLabel("Key", { exact: true }).fill(OPENAI_KEY);
  await form.getByRole("button", { name: "Add credential" }).click();
  const row = alice.locator("tr[data-credential-id]").first();
  await row.waitFor();
  assert.match(await row.innerText(), /OpenAI/);
  assert.equal(await row.locator('[data-label="Earned"]').innerText(), "$0.00");
  const mine = await asUser("user_alice", "/api/credentials");
  assert.equal(mine.data.length, 1);
  assert.equal((await asUser("user_bob", "/api/credentials")).data.length, 0, "Bob does not see Alice's key");
});

test("Bob, with a seeded balance, makes an API key and calls the pool with it; Alice's key serves him and his balance drops", async () => {
  bob = await signIn(bobContext, "bob@example.com", "bob");
  await bob.waitForFunction(() => document.querySelector(".stat .stat-value")?.textContent === "$1.00");

  await go(bob, "API keys");
  const form = bob.getByRole("region", { name: "Create an API key" });
  await form.getByLabel("Name").fill("bob script");
  await form.getByRole("button", { name: "Create key" }).click();
  const keyInput = bob.locator("[data-new-key]");
  await keyInput.waitFor();
  const key = await keyInput.inputValue();
  assert.match(key, /^sk-keyaos-/);
  await bob.getByRole("button", { name: "I have saved it" }).click();

  // Bob holds no credential: the request can only go to the pool.
  const client = new OpenAI({ apiKey: key, baseURL: `${origin}/v1`, maxRetries: 0 });
  const { data, response } = await client.chat.completions
    .create({ model: "openai/gpt-4o-mini", max_tokens: USAGE.completion_tokens, stream: false, messages: [{ role: "user", content: "Hello pool" }] })
    .withResponse();
  assert.equal(data.choices[0].message.content, REPLY);
  assert.equal(response.headers.get("x-keyaos-credential"), null, "a consumer is not shown the contributor's credential");
  bobRequestId = response.headers.get("x-request-id");
  assert.equal(upstream.chatRequests().at(-1).headers.authorization, `Bearer ${OPENAI_KEY}`, "Alice's key served Bob");

  const log = (await asUser("user_bob", "/api/logs")).data.find((l) => l.id === bobRequestId);
  assert.equal(log.direction, "spent");
  assert.ok(log.net_usd < 0, `Bob's net is negative: ${log.net_usd}`);
  assert.equal(log.credential_id, null, "a consumer does not see the contributor's credential");
  const credits = (await asUser("user_bob", "/v1/credits")).data;
  assert.ok(Math.abs(credits.balance_nusd - (BOB_GRANT_NUSD + log.net_usd * 1e9)) <= 1, `the wallet moved by the logged amount: ${credits.balance_nusd}`);

  await go(bob, "Overview");
  await bob.waitForFunction((want) => document.querySelector(".stat .stat-value")?.textContent === want, usd(credits.balance));
  assert.match(await statValue(bob, "Balance").innerText(), /^\$0\.99\d\d$/, "the balance shows the charge");
  await shot(bob, "platform-overview-bob-desktop");

  await go(bob, "Logs");
  const row = bob.locator(`tr[data-log-id="${bobRequestId}"]`);
  await row.waitFor();
  assert.equal(await row.locator('[data-label="Direction"]').innerText(), "Spent");
  assert.equal(await row.locator('[data-label="Net"]').innerText(), usd(log.net_usd, { sign: true }));
  assert.match(await row.locator('[data-label="Net"]').innerText(), /^−\$0\.00\d+$/);
  await row.getByRole("button", { name: /Details/ }).click();
  const detail = bob.locator(`[id="log-${bobRequestId}"]`);
  await detail.getByText("another account's").waitFor();
  await shot(bob, "platform-logs-bob-desktop");
});

test("Alice sees the request as earned: her logs, her credential's earnings, the pool stats", async () => {
  const log = (await asUser("user_alice", "/api/logs")).data.find((l) => l.id === bobRequestId);
  assert.equal(log.direction, "earned");
  assert.ok(log.net_usd > 0, `Alice's net is positive: ${log.net_usd}`);
  assert.equal(log.api_key_id, null, "a contributor does not see the consumer's API key");

  await go(alice, "Logs");
  const row = alice.locator(`tr[data-log-id="${bobRequestId}"]`);
  await row.waitFor();
  assert.equal(await row.locator('[data-label="Direction"]').innerText(), "Earned");
  assert.equal(await row.locator('[data-label="Net"]').innerText(), usd(log.net_usd, { sign: true }));
  await shot(alice, "platform-logs-alice-desktop");

  await go(alice, "Credentials");
  const cred = (await asUser("user_alice", "/api/credentials")).data[0];
  assert.ok(cred.earnings_usd > 0);
  assert.equal(await alice.locator(`tr[data-credential-id="${cred.id}"] [data-label="Earned"]`).innerText(), usd(cred.earnings_usd));
  await shot(alice, "platform-credentials-alice-desktop");

  await go(alice, "Overview");
  const pool = await asUser("user_alice", "/api/pool/stats");
  assert.equal(pool.earnings_24h_usd, log.net_usd);
  assert.equal(pool.healthy_credentials, 1);
  await alice.waitForFunction((want) => [...document.querySelectorAll(".stat")].some((s) => s.textContent.includes("Earned, 24 h") && s.querySelector(".stat-value").textContent === want), usd(pool.earnings_24h_usd));
  assert.equal(await statValue(alice, "Healthy credentials").innerText(), "1");
  assert.equal(await statValue(alice, "Your calls, 24 h").innerText(), "0", "Bob's request is not Alice's call");
  assert.equal(await statValue(alice, "Balance").innerText(), usd((await asUser("user_alice", "/v1/credits")).data.balance));
  await shot(alice, "platform-overview-alice-desktop");
});

test("Alice's own request through her key is 'self': nothing moves", async () => {
  const id = await chat(alice, "Hello me");
  await go(alice, "Logs");
  const row = alice.locator(`tr[data-log-id="${id}"]`);
  await row.waitFor();
  assert.equal(await row.locator('[data-label="Direction"]').innerText(), "Self");
  assert.equal(await row.locator('[data-label="Net"]').innerText(), "$0.00");
  await go(alice, "Overview");
  await alice.waitForFunction(() => [...document.querySelectorAll(".stat")].some((s) => s.textContent.includes("Your calls, 24 h") && s.querySelector(".stat-value").textContent === "1"));
});

test("every API call carried its own session token from Clerk, for the signed-in user", async () => {
  for (const [page, userId] of [
    [alice, "user_alice"],
    [bob, "user_bob"],
  ]) {
    await page.waitForLoadState("networkidle");
    // /api/config is public and asked before anyone signs in.
    const config = page.calls.filter((c) => c.path === "/api/config");
    assert.deepEqual(config.map((c) => c.bearer), [""]);
    const calls = page.calls.filter((c) => c.path !== "/api/config");
    assert.ok(calls.length > 10, `${userId} made ${calls.length} API calls`);
    for (const call of calls) assert.equal(issued.get(call.bearer), userId, `${call.path} carried a token Clerk issued to ${userId}`);
    assert.equal(new Set(calls.map((c) => c.bearer)).size, calls.length, "no token is used twice");
  }
});

test("phone-sized viewport: the Platform pages fit the screen", async () => {
  await alice.setViewportSize({ width: 390, height: 844 });
  try {
    for (const [hash, heading, ready] of [
      ["overview", "Overview", ".stat"],
      ["credentials", "Credentials", "tr[data-credential-id]"],
      ["logs", "Logs", "tr[data-log-id]"],
    ]) {
      await alice.goto(`${origin}/#/${hash}`);
      await alice.getByRole("heading", { level: 1, name: heading }).waitFor();
      await alice.locator(ready).first().waitFor();
      const overflow = await alice.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${hash} scrolls sideways by ${overflow}px on a phone`);
      await shot(alice, `platform-${hash}-phone`);
    }
  } finally {
    await alice.setViewportSize({ width: 1280, height: 860 });
  }
});

test("signing out returns to Clerk's sign-in", async () => {
  await alice.getByRole("button", { name: "Sign out" }).click();
  await alice.getByLabel("Email address").waitFor();
  assert.equal(await alice.getByRole("navigation", { name: "Dashboard" }).count(), 0);
  await alice.reload();
  await alice.getByLabel("Email address").waitFor();
});

test("no console errors on any page", () => {
  assert.deepEqual(consoleErrors, []);
});
