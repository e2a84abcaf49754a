// The dashboard in a real browser against the gateway started the way a user
// starts it (`npm start`: build, local D1, wrangler dev), with the OpenAI
// provider pointed at a local mock upstream. Screenshots of every page, on a
// desktop and a phone-sized viewport, go to test-results/screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { startMockUpstream, openaiStream, openaiCompletion } from "../support/mock-upstream.js";
import { startGateway } from "../support/npm-start.js";
import { go, launchChromium, shot, watchConsole as watchPage } from "../support/browser.js";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef";
const ENCRYPTION_KEY = Buffer.alloc(32, 9).toString("base64");
const OPENAI_KEY = "sk-proj-e2eDashboardKey0123456789abcdef";
const STREAM_PARTS = ["Hello", " from", " the", " streaming", " mock", "."];

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let gw, upstream, browser, context, page;
let requestId = null;
const consoleErrors = [];
let expected401 = false; // set while a step provokes a 401 on purpose

const watchConsole = (p, name) => watchPage(p, name, consoleErrors, (text) => expected401 && /status of 401/.test(text));

before(async () => {
  // The OpenAI mock streams slowly enough for the Playground to show tokens arriving.
  upstream = await startMockUpstream("openai", (req) => {
    if (!req.url.endsWith("/chat/completions")) return { json: { object: "list", data: [] } };
    if (req.body?.stream) return { sse: openaiStream({ model: req.body.model, parts: STREAM_PARTS, usage: { prompt_tokens: 20, completion_tokens: 6 } }), gapMs: 60 };
    return { json: openaiCompletion({ model: req.body?.model, text: "Hello from the mock" }) };
  });
  gw = await startGateway({ env: { ADMIN_TOKEN, ENCRYPTION_KEY, UPSTREAM_BASE_URLS: JSON.stringify({ openai: upstream.url + "/v1" }) } });
  browser = await launchChromium();
  context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: gw.url });
  page = await context.newPage();
  page.setDefaultTimeout(15000);
  watchConsole(page, "desktop");
});

after(async () => {
  await browser?.close().catch(() => {});
  if (gw) writeFileSync(join(root, "test-results", "e2e-gateway.log"), gw.output.join(""));
  await gw?.stop();
  await upstream?.close();
});

test("log in: a wrong token is refused, the admin token opens the overview", async () => {
  await page.goto(gw.url);
  await page.getByLabel("Admin token").waitFor();
  await shot(page, "login-desktop");
  expected401 = true;
  await page.getByLabel("Admin token").fill("not-the-token");
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByText("This token was not accepted").waitFor();
  expected401 = false;
  await page.getByLabel("Admin token").fill(ADMIN_TOKEN);
  await page.getByRole("button", { name: "Log in" }).click();
  await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
  assert.equal(await page.evaluate(() => localStorage.getItem("keyaos.admin_token")), ADMIN_TOKEN);
  await page.getByText("No upstream keys yet").waitFor();
});

test("Core mode has no Credits or Admin page: not in the menu, and their addresses open the overview", async () => {
  const nav = page.getByRole("navigation", { name: "Dashboard" });
  assert.deepEqual(await nav.getByRole("link").allInnerTexts(), ["Overview", "Credentials", "API keys", "Models", "Logs", "Playground"]);
  const asked = [];
  const onRequest = (r) => asked.push(new URL(r.url()).pathname);
  page.on("request", onRequest);
  for (const hash of ["credits", "admin"]) {
    await page.goto(`${gw.url}/#/${hash}`);
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    assert.equal(await nav.locator('[aria-current="page"]').innerText(), "Overview");
  }
  await page.waitForLoadState("networkidle");
  page.off("request", onRequest);
  assert.deepEqual(asked.filter((p) => /^\/api\/(credits|admin|me)\b/.test(p)), [], "Core asks no Platform route");
});

test("credentials: the provider guide, live format validation, add, inline edit", async () => {
  await go(page, "Credentials");
  const form = page.getByRole("region", { name: "Add a credential" });
  await form.getByLabel("Provider").selectOption("openai");
  await form.getByText("Where to find your OpenAI key").waitFor();
  assert.equal(await form.getByRole("link", { name: /platform\.openai\.com\/api-keys/ }).getAttribute("href"), "https://platform.openai.com/api-keys");

  const secret = form.getByLabel("Key", { exact: true });
  assert.equal(await secret.getAttribute("placeholder"), "sk-proj-...");
  await secret.fill("not-an-openai-key");
  await form.getByText("This does not match the OpenAI key format (sk-proj-...)").waitFor();
  assert.equal(await secret.getAttribute("aria-invalid"), "true");
  await form.getByRole("button", { name: "Add credential" }).click();
  await sleep(200);
  assert.equal(upstream.requests.length, 0, "an invalid key is not sent anywhere");
  assert.equal(await page.locator("tr[data-credential-id]").count(), 0);

  await secret.fill(OPENAI_KEY);
  await form.getByText("Matches the OpenAI key format").waitFor();
  await form.getByLabel("Label (optional)").fill("e2e");
  await form.getByLabel("Price multiplier").fill("0.5");
  await shot(page, "credentials-add-desktop");
  await form.getByRole("button", { name: "Add credential" }).click();
  const row = page.locator("tr[data-credential-id]").first();
  await row.waitFor();
  assert.match(await row.innerText(), /OpenAI/);
  assert.match(await row.innerText(), /\.\.\.cdef/);
  assert.match(await row.getByText("OK", { exact: true }).innerText(), /OK/);
  assert.match(await row.innerText(), /×0\.5/);

  // Inline edit: multiplier and quota, then Save.
  await row.getByRole("button", { name: /^Edit / }).click();
  await row.getByLabel(/Price multiplier for/).fill("0.8");
  await row.getByLabel(/Quota in USD for/).fill("25");
  await row.getByRole("button", { name: "Save" }).click();
  await row.getByText("×0.8").waitFor();
  await row.getByText("$25.00").waitFor();

  // The enabled switch round-trips through PATCH.
  const toggle = row.getByRole("switch");
  assert.equal(await toggle.getAttribute("aria-checked"), "true");
  await toggle.click();
  await page.waitForFunction((el) => el.getAttribute("aria-checked") === "false", await toggle.elementHandle());
  await toggle.click();
  await page.waitForFunction((el) => el.getAttribute("aria-checked") === "true", await toggle.elementHandle());

  const stored = await (await fetch(`${gw.url}/api/credentials`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
  assert.equal(stored.data.length, 1);
  assert.equal(stored.data[0].price_multiplier, 0.8);
  assert.equal(stored.data[0].quota_usd, 25);
  assert.equal(Boolean(stored.data[0].is_enabled), true);
  await sleep(300); // let the switch finish moving
  await shot(page, "credentials-desktop");
});

test("API keys: create one, copy it once, call the gateway with the openai client", async () => {
  await go(page, "API keys");
  const form = page.getByRole("region", { name: "Create an API key" });
  await form.getByLabel("Name").fill("e2e app");
  await form.getByLabel("Expires").selectOption("30");
  await form.getByLabel("Spending limit in USD (optional)").fill("5");
  await form.getByLabel("Allowed models (optional)").fill("openai/gpt-4o-mini");
  await form.getByLabel("Allowed models (optional)").press("Enter");
  await form.getByRole("list", { name: "Allowed models" }).getByText("openai/gpt-4o-mini").waitFor();
  await form.getByRole("button", { name: "Create key" }).click();

  const keyInput = page.locator("[data-new-key]");
  await keyInput.waitFor();
  const key = await keyInput.inputValue();
  assert.match(key, /^sk-keyaos-/);
  await page.getByRole("button", { name: "Copy key" }).click();
  await page.getByRole("button", { name: "Copied" }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), key);
  await shot(page, "api-key-created-desktop");

  const client = new OpenAI({ apiKey: key, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  const completion = await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] });
  assert.equal(completion.choices[0].message.content, "Hello from the mock");
  assert.equal(upstream.chatRequests().at(-1).headers.authorization, `Bearer ${OPENAI_KEY}`);

  await page.getByRole("button", { name: "I have saved it" }).click();
  assert.equal(await page.locator("[data-new-key]").count(), 0, "the key is shown only once");
  const row = page.locator("tr[data-api-key-id]").first();
  await row.waitFor();
  assert.match(await row.innerText(), /e2e app/);
  assert.doesNotMatch(await row.innerText(), new RegExp(key), "the list never shows the full key");

  // Disabled keys are refused; enabling it again lets it through.
  await row.getByRole("switch").click();
  await page.waitForFunction((el) => el.getAttribute("aria-checked") === "false", await row.getByRole("switch").elementHandle());
  await assert.rejects(client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "hi" }] }), (err) => {
    assert.ok([401, 403].includes(err.status), `a disabled key gets 401/403, not ${err.status}`);
    return true;
  });
  await row.getByRole("switch").click();
  await page.waitForFunction((el) => el.getAttribute("aria-checked") === "true", await row.getByRole("switch").elementHandle());
  await client.chat.completions.create({ model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "again" }] });

  await page.getByRole("button", { name: "Refresh" }).click();
  await row.getByText(/2 requests/).waitFor();
  await shot(page, "api-keys-desktop");
});

test("models: search, per-provider prices, routable marked, route preview", async () => {
  await go(page, "Models");
  await page.locator("tr[data-model-id]").first().waitFor();
  assert.ok((await page.locator(".offer-best").count()) > 0, "some model shows its cheapest offer");
  await page.getByLabel("Search models").fill("gpt-4o-mini");
  await page.waitForFunction(() => document.querySelectorAll("tr[data-model-id]").length === 1);
  const row = page.locator('tr[data-model-id="openai/gpt-4o-mini"]');
  await row.getByText("Routable").waitFor();
  const offer = row.locator(".offer", { hasText: "OpenAI" });
  assert.match(await offer.innerText(), /\$0\.15 \/ \$0\.60/);
  await row.getByRole("button", { name: "Route" }).click();
  const detail = page.locator('[id="route-openai/gpt-4o-mini"]');
  await detail.getByText("...cdef").waitFor();
  await shot(page, "models-desktop");
  await page.getByLabel("Only routable").check();
  await page.getByLabel("Search models").fill("");
  const ids = await page.locator("tr[data-model-id]").evaluateAll((rows) => rows.map((r) => r.dataset.modelId));
  assert.ok(ids.length > 0 && ids.every((id) => id.startsWith("openai/")), `only OpenAI models are routable here: ${ids.join(", ")}`);
});

test("playground: streams a reply, shows the upstream and the billed cost, without layout jumps", async () => {
  await go(page, "Playground");
  await page.getByLabel("Model", { exact: true }).selectOption("openai/gpt-4o-mini");
  await page.getByLabel("Provider", { exact: true }).selectOption("openai");
  const boxes = () =>
    page.evaluate(() => ["main .pg-chat", ".messages", ".composer", ".pg-info", ".pg-settings"].map((s) => {
      const r = document.querySelector(s).getBoundingClientRect();
      return [s, Math.round(r.x), Math.round(r.y), Math.round(r.width), Math.round(r.height)].join(" ");
    }));
  const before = await boxes();
  await page.getByLabel("Message", { exact: true }).fill("Say hello");
  await page.getByLabel("Message", { exact: true }).press("Enter");

  const assistant = page.locator('.msg[data-role="assistant"] .msg-text');
  await page.waitForFunction(() => {
    const t = document.querySelector('.msg[data-role="assistant"] .msg-text')?.textContent || "";
    return t.length > 0 && t !== "Hello from the streaming mock.";
  });
  const during = await boxes();
  await page.getByRole("button", { name: "Send" }).waitFor(); // the stream has ended
  assert.equal(await assistant.innerText(), STREAM_PARTS.join(""));
  const after = await boxes();
  assert.deepEqual(during, before, "nothing moves while the reply streams in");
  assert.deepEqual(after, before, "nothing moves when the reply completes");

  const info = page.locator('[data-testid="response-info"]');
  const field = (name) => info.locator(`[data-field="${name}"]`);
  assert.equal(await field("provider").innerText(), "OpenAI");
  assert.match(await field("credential").innerText(), /^cred_[0-9a-f]{24}$/, "the credential's opaque id");
  assert.equal(await field("attempts").innerText(), "1");
  await page.waitForFunction(() => /\$/.test(document.querySelector('[data-field="cost"]')?.textContent || ""));
  assert.match(await field("cost").innerText(), /^\$0\.0000\d+$/);
  assert.equal(await field("tokens").innerText(), "20 / 6");
  requestId = await field("request-id").innerText();
  assert.ok(requestId && requestId !== "—");
  await shot(page, "playground-desktop");
  const sent = upstream.chatRequests().at(-1);
  assert.equal(sent.body.stream, true);
  assert.deepEqual(sent.body.messages, [{ role: "user", content: "Say hello" }]);
});

test("logs: the playground request with its provider, cost and attempts; filters", async () => {
  await go(page, "Logs");
  const row = page.locator(`tr[data-log-id="${requestId}"]`);
  await row.waitFor();
  const text = await row.innerText();
  assert.match(text, /openai\/gpt-4o-mini/);
  assert.match(text, /OpenAI/);
  assert.match(text, /20 \/ 6/);
  assert.match(await row.locator('[data-label="Cost"]').innerText(), /^\$0\.0000\d+$/);
  await row.getByRole("button", { name: /Details/ }).click();
  const detail = page.locator(`[id="log-${requestId}"]`);
  const attempts = detail.getByRole("table", { name: "Attempts" });
  await attempts.waitFor();
  assert.match(await attempts.innerText(), /OpenAI/);
  assert.match(await attempts.innerText(), /200/);
  await shot(page, "logs-desktop");

  await page.getByLabel("Status", { exact: true }).selectOption("error");
  await row.waitFor({ state: "detached" });
  await page.getByLabel("Status", { exact: true }).selectOption("ok");
  await page.getByLabel("Provider", { exact: true }).selectOption("openai");
  await row.waitFor();
  assert.equal(await page.locator("tr[data-log-id]").count(), 3, "three successful OpenAI requests so far");
});

test("overview: totals, charts and the recent request", async () => {
  await go(page, "Overview");
  await page.locator(`tr[data-request-id="${requestId}"]`).waitFor();
  assert.match(await page.locator(`tr[data-request-id="${requestId}"]`).innerText(), /OpenAI/);
  const requests = page.locator(".stat", { hasText: "Requests" }).locator(".stat-value");
  await page.waitForFunction((el) => Number(el.textContent) >= 3, await requests.elementHandle());
  assert.match(await page.locator(".stat", { hasText: "Spent" }).locator(".stat-value").innerText(), /^\$0\.0\d+$/);
  await page.getByRole("region", { name: "Credential health" }).getByText("serving").waitFor();
  assert.ok((await page.locator(".chart-canvas rect.series-0").count()) >= 1, "today's bar is drawn");
  await shot(page, "overview-desktop");
});

test("phone-sized viewport: every page fits the screen", async () => {
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  await phone.addInitScript((t) => localStorage.setItem("keyaos.admin_token", t), ADMIN_TOKEN);
  const p = await phone.newPage();
  p.setDefaultTimeout(15000);
  watchConsole(p, "phone");
  try {
    for (const [hash, heading, ready] of [
      ["overview", "Overview", ".stat"],
      ["credentials", "Credentials", "tr[data-credential-id]"],
      ["api-keys", "API keys", "tr[data-api-key-id]"],
      ["models", "Models", "tr[data-model-id]"],
      ["logs", "Logs", "tr[data-log-id]"],
      ["playground", "Playground", ".messages"],
    ]) {
      await p.goto(`${gw.url}/#/${hash}`);
      await p.getByRole("heading", { level: 1, name: heading }).waitFor();
      await p.locator(ready).first().waitFor();
      await sleep(150);
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${hash} scrolls sideways by ${overflow}px on a phone`);
      await shot(p, `${hash}-phone`);
    }
    await p.getByLabel("Message", { exact: true }).fill("Hi from a phone");
    await p.getByRole("button", { name: "Send" }).click();
    await p.locator('.msg[data-role="assistant"] .msg-text', { hasText: STREAM_PARTS.join("") }).waitFor();
    assert.equal(await p.getByRole("status").filter({ hasText: "Reply:" }).innerText(), `Reply: ${STREAM_PARTS.join("")}`, "the finished reply is announced once");
    await p.waitForFunction(() => /\$/.test(document.querySelector('[data-field="cost"]')?.textContent || ""));
    await shot(p, "playground-chat-phone");
  } finally {
    await phone.close();
  }
});

test("deleting an API key asks first, then the key stops working", async () => {
  await go(page, "API keys");
  const row = page.locator("tr[data-api-key-id]").first();
  await row.waitFor();
  await row.getByRole("button", { name: /^Delete / }).click();
  const dialog = page.getByRole("dialog", { name: "Delete this API key?" });
  await dialog.waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Cancel", "focus starts on the safe choice");
  await shot(page, "api-key-delete-dialog-desktop");
  await page.keyboard.press("Escape");
  await dialog.waitFor({ state: "detached" });
  assert.equal(await page.locator("tr[data-api-key-id]").count(), 1, "Escape keeps the key");
  await row.getByRole("button", { name: /^Delete / }).click();
  await dialog.getByRole("button", { name: "Delete key" }).click();
  await page.getByText("No API keys yet").waitFor();
  const listed = await (await fetch(`${gw.url}/api/api-keys`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).json();
  assert.equal(listed.data.length, 0);
});

test("a rejected token anywhere returns to the login page with a message", async () => {
  expected401 = true;
  await page.evaluate(() => localStorage.setItem("keyaos.admin_token", "revoked-token"));
  await page.goto(`${gw.url}/?reload=1#/logs`);
  await page.getByText("did not accept the saved token").waitFor();
  await page.getByLabel("Admin token").waitFor();
  // The page's other requests with the revoked token may still be answering.
  await page.waitForLoadState("networkidle");
  expected401 = false;
  assert.equal(await page.evaluate(() => localStorage.getItem("keyaos.admin_token")), null);
});

test("the OpenAPI document for /v1 and /api is served at the same origin", async () => {
  const res = await fetch(gw.url + "/openapi.json");
  assert.equal(res.status, 200);
  const spec = await res.json();
  assert.equal(spec.openapi, "3.1.0");
  for (const path of ["/v1/chat/completions", "/v1/models", "/api/credentials", "/api/api-keys", "/api/logs", "/api/usage", "/api/route"]) assert.ok(spec.paths[path], path);
  // The error codes and fields README documents are described too.
  const chat = spec.paths["/v1/chat/completions"].post.responses;
  assert.match(chat["503"].description, /`overloaded`/);
  assert.match(chat["503"].description, /`schema_missing`.*`schema_outdated`/);
  assert.match(chat["402"].description, /`insufficient_credits_for_request`/);
  assert.match(chat["403"].description, /`content_flagged`/);
  assert.match(chat["400"].description, /`json_too_deep`.*`invalid_value`/);
  assert.match(chat["502"].description, /`credential_unreadable`/);
  assert.match(chat["504"].description, /`upstream_timeout`/);
  assert.match(spec.paths["/api/credentials"].post.responses["400"].description, /`invalid_secret_format`/);
  assert.match(spec.paths["/health"].get.responses["503"].description, /`schema_missing`/);
  const logs = spec.paths["/api/logs"].get;
  assert.ok(logs.parameters.some((p) => p.name === "cursor"));
  assert.ok(logs.responses["200"].content["application/json"].schema.allOf.some((s) => s.properties?.next_cursor));
  const sync = spec.paths["/api/catalog/sync"].post.responses["200"].content["application/json"].schema;
  assert.deepEqual(Object.keys(sync.properties.revalidated.items.properties).sort(), ["credential_id", "provider_id", "revived", "status"]);
  for (const [path, item] of Object.entries(spec.paths))
    for (const [method, op] of Object.entries(item))
      if (["get", "post", "put", "patch", "delete"].includes(method))
          for (const [status, r] of Object.entries(op.responses)) {
          assert.ok(r.$ref || r.description, `${method} ${path} ${status} has a description`);
          if (r.$ref) assert.ok(spec.components.responses[r.$ref.split("/").pop()], r.$ref);
        }
});

test("no console errors on any page", () => {
  assert.deepEqual(consoleErrors, []);
});
