// README's local purchase flow: the real Worker in workerd with a real local
// D1, the Stripe stand-in of scripts/stripe-dev.js (its hosted Checkout page
// and its signed webhooks), and the local Clerk.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startGateway, waitFor } from "../support/gateway.js";
import { startClerk } from "../support/clerk.js";
import { startMockUpstream } from "../support/mock-upstream.js";
import { devEnv, serve } from "../../scripts/stripe-dev.js";

const OPERATOR = "user_operator";
const BOB = "user_bob";
const CENT = 10_000_000;

const SYNCED = ["openrouter", "zenmux", "deepinfra", "deepseek", "google-ai-studio", "qwen-code"];

let clerk, stripe, mock, gw;

before(async () => {
  clerk = await startClerk({ azp: "http://localhost:8787" });
  stripe = await serve({ port: 0, gateway: "http://127.0.0.1:9" }); // pointed at the gateway once it runs
  const port = Number(new URL(stripe.url).port);
  mock = await startMockUpstream("openai", () => undefined); // the cron's catalogue sync stays local
  const upstreams = Object.fromEntries(SYNCED.map((id) => [id, mock.url + "/v1"]));
  gw = await startGateway({ upstreams, bindings: { ...clerk.bindings({ ownerId: OPERATOR, authorizedParties: ["http://localhost:8787"] }), ...devEnv(port) } });
  stripe.forwardTo(`${gw.url}/api/webhooks/stripe`);
});

after(async () => {
  await gw?.close();
  await mock?.close();
  await stripe?.close();
  await clerk?.close();
});

const bob = (method, path, body) => gw.as(clerk.sign({ sub: BOB }))(method, path, body);
const entries = async (kind) =>
  (await gw.db.prepare("SELECT * FROM wallet_entries WHERE owner_id = ? AND kind = ?").bind(BOB, kind).all()).results;

test("buying credits locally: checkout, the stand-in's Checkout page, its signed webhook, then auto top-up", async () => {
  const checkout = await bob("POST", "/api/credits/checkout", { amount_cents: 1000 });
  assert.equal(checkout.status, 200, checkout.text);
  assert.ok(checkout.json.url.startsWith(`${stripe.url}/c/pay/`), checkout.json.url);

  const page = await fetch(checkout.json.url);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /Pay \$10\.00 with a test card/);

  // "Pay": the stand-in completes the session, delivers the signed event and returns to the dashboard.
  const paid = await fetch(`${checkout.json.url}/pay`, { method: "POST", redirect: "manual" });
  assert.equal(paid.status, 303, await paid.text());
  assert.equal(paid.headers.get("location"), `${gw.url}/#/credits?checkout=success`);
  assert.equal((await bob("GET", "/api/credits/balance")).json.balance_nusd, 1000 * CENT);
  const deposits = await bob("GET", "/api/credits/deposits");
  assert.deepEqual(deposits.json.data.map((d) => [d.source, d.status, d.amount_cents]), [["checkout", "completed", 1000]]);
  // A session is paid once: the page is gone, and a second "Pay" credits nothing.
  assert.equal((await fetch(checkout.json.url)).status, 410);
  assert.equal((await fetch(`${checkout.json.url}/pay`, { method: "POST", redirect: "manual" })).status, 405);
  assert.equal((await entries("topup")).length, 1);

  // The paid checkout saved the card, so auto top-up can be enabled; the cron
  // finds the balance ($10) below the threshold ($20) and charges $5 once,
  // and Stripe's payment_intent.succeeded that follows credits nothing more.
  const enabled = await bob("PUT", "/api/credits/auto-topup", { enabled: true, threshold_cents: 2000, amount_cents: 500 });
  assert.equal(enabled.status, 200, enabled.text);
  assert.equal(enabled.json.has_payment_method, true);
  await (await gw.mf.getWorker()).scheduled({ cron: "17 * * * *" });
  await waitFor("the auto top-up's credit", async () => (await entries("auto_topup")).length === 1);
  assert.equal(stripe.requests.filter((r) => r.path === "/v1/payment_intents" && r.method === "POST").length, 1);
  await new Promise((r) => setTimeout(r, 300)); // the stand-in's payment_intent.succeeded has arrived
  assert.equal((await entries("auto_topup")).length, 1);
  assert.equal((await bob("GET", "/api/credits/balance")).json.balance_nusd, 1500 * CENT);
});

test("the stand-in's Cancel returns to the dashboard and credits nothing", async () => {
  const checkout = await bob("POST", "/api/credits/checkout", { amount_cents: 700 });
  assert.equal(checkout.status, 200, checkout.text);
  const before = (await bob("GET", "/api/credits/balance")).json.balance_nusd;
  const canceled = await fetch(`${checkout.json.url}/cancel`, { method: "POST", redirect: "manual" });
  assert.equal(canceled.status, 303);
  assert.equal(canceled.headers.get("location"), `${gw.url}/#/credits?checkout=canceled`);
  assert.equal((await bob("GET", "/api/credits/balance")).json.balance_nusd, before);
});
