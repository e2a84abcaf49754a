// The Credits page and the Admin section in a real browser, against the
// gateway started with `npm start` in Platform mode (the Clerk stand-in, as
// in platform.test.js) and a local mock of Stripe's API
// (tests/support/mock-stripe.js). Alice buys credits through Checkout (the
// mock's checkout page; the test then delivers the webhook Stripe would send,
// signed with the webhook secret), sets up auto top-up, and redeems a gift
// card the operator created in the Admin section; the operator grants her
// credits with a reason. Every figure the pages show is checked against the
// engine's own answer.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "../../scripts/lib.js";
import { startClerk } from "../support/clerk.js";
import { startStripe } from "../support/mock-stripe.js";
import { freePort, startGateway } from "../support/npm-start.js";
import { go, launchChromium, shot } from "../support/browser.js";
import { clerkBrowser, startPlatformGateway } from "../support/clerk-browser.js";
import { cents, nusd, parseDollars } from "../../dashboard/src/format.js";

const ADMIN_TOKEN = "e2e-credits-admin-token-0123456789";
const ENCRYPTION_KEY = Buffer.alloc(32, 13).toString("base64");
const USERS = {
  "alice@example.com": "user_alice",
  "owner@example.com": "user_owner",
};
const NUSD_PER_CENT = 10_000_000;

let gw, stripe, clerk, browser, origin, cb;
let alice, owner, giftCodes;
const consoleErrors = [];
let refusing = false; // set while a step provokes a 400 on purpose, which the browser logs as a failed load

async function asUser(userId, path) {
  const res = await fetch(origin + path, { headers: { authorization: `Bearer ${clerk.sign({ sub: userId, azp: origin })}` } });
  assert.equal(res.status, 200, `${path} as ${userId}: ${res.status}`);
  return res.json();
}

// What Stripe sends when a Checkout Session is paid, signed as Stripe signs it.
async function deliverPaid(sessionId) {
  const payload = stripe.event("checkout.session.completed", stripe.pay(sessionId));
  const res = await fetch(`${origin}/api/webhooks/stripe`, { method: "POST", headers: { "content-type": "application/json", "stripe-signature": stripe.signature(payload) }, body: payload });
  assert.equal(res.status, 200, `webhook: ${res.status} ${await res.text()}`);
}

// A browser context signed in through Clerk's stand-in, where Stripe's hosted
// checkout page (an outside service) is a local page that only shows where it is.
async function userContext() {
  const ctx = await cb.context();
  await ctx.route(/^https:\/\/checkout\.stripe\.test\//, (route) =>
    route.fulfill({ status: 200, contentType: "text/html", body: "<!doctype html><title>Stripe Checkout</title><h1>Stripe Checkout (test)</h1>" }),
  );
  return ctx;
}

const balanceText = (page) => page.locator(".balance-value").innerText();
const waitBalance = (page, nusdValue) => page.waitForFunction((want) => document.querySelector(".balance-value")?.dataset.balanceNusd === String(want), nusdValue);

before(async () => {
  clerk = await startClerk();
  stripe = await startStripe();
  ({ gw, origin } = await startPlatformGateway({ clerk, ownerId: "user_owner", env: { ADMIN_TOKEN, ENCRYPTION_KEY, ...stripe.bindings() } }));
  browser = await launchChromium();
  cb = clerkBrowser({ browser, clerk, origin, users: USERS, consoleErrors, ignore: (text) => refusing && /status of 400/.test(text) });
});

after(async () => {
  await browser?.close().catch(() => {});
  if (gw) writeFileSync(join(root, "test-results", "e2e-credits-gateway.log"), gw.output.join(""));
  await gw?.stop();
  await stripe?.close();
  await clerk?.close();
});

test("amounts are formatted from integer nano-USD and parsed into integer cents, with no float in between", () => {
  assert.equal(nusd(10_000_000_000), "$10.00");
  assert.equal(nusd(100_000_000 + 200_000_000), "$0.30"); // 0.1 + 0.2 as floats is 0.30000000000000004
  assert.equal(nusd(-6_600_000, { sign: true }), "−$0.0066");
  assert.equal(nusd(1, { sign: true }), "+$0.000000001");
  assert.equal(nusd(9_007_199_254_740_991), "$9,007,199.254740991");
  assert.equal(nusd("-123456789012345678"), "−$123,456,789.012345678");
  assert.equal(nusd(1.5), "—", "a fraction of a nano-dollar is not an amount");
  assert.equal(cents(1999), "$19.99");
  const range = { minCents: 100, maxCents: 1_000_000 };
  assert.deepEqual(parseDollars("19.99", range), { cents: 1999 }); // 19.99 * 100 is 1998.9999999999998 as a float
  assert.deepEqual(parseDollars("$1,250.5", range), { cents: 125050 });
  assert.deepEqual(parseDollars("10000", range), { cents: 1_000_000 });
  for (const bad of ["0.99", "10000.01", "1.005", "-5", "1e3", "", "ten"]) assert.ok(parseDollars(bad, range).error, `"${bad}" is refused`);
});

test("a user sees Credits but no Admin; Admin's address opens the overview", async () => {
  alice = await cb.signIn(await userContext(), "alice@example.com", "alice");
  const nav = alice.getByRole("navigation", { name: "Dashboard" });
  await nav.getByRole("link", { name: "Credits", exact: true }).waitFor();
  assert.equal(await nav.getByRole("link", { name: "Admin", exact: true }).count(), 0);
  await alice.goto(`${origin}/#/admin`);
  await alice.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
  assert.equal(await alice.getByRole("heading", { level: 1, name: "Admin" }).count(), 0);
});

test("without a saved card, auto top-up explains that one purchase saves it and cannot be turned on", async () => {
  await go(alice, "Credits");
  assert.equal(await balanceText(alice), "$0.00");
  const card = alice.getByRole("region", { name: "Auto top-up" });
  await card.locator('[data-field="saved-card"]', { hasText: "No" }).waitFor();
  assert.match(await card.locator('[data-notice="no-card"]').innerText(), /Buy credits once with a card above and it is saved/);
  assert.equal(await card.getByRole("switch", { name: "Top up automatically" }).isDisabled(), true);
  await shot(alice, "credits-empty-desktop");
});

test("a checkout left on Stripe's page: back on the canceled address a neutral notice, and the pending deposit can be canceled", async () => {
  await alice.getByRole("button", { name: "Buy $5 of credits" }).click();
  await alice.getByRole("heading", { name: "Stripe Checkout (test)" }).waitFor();
  const session = [...stripe.sessions.values()].at(-1);
  assert.equal(session.amount_total, 500);
  await alice.goto(session.cancel_url);
  await alice.getByText("Checkout was canceled. Nothing was charged.").waitFor();
  const history = alice.getByRole("region", { name: "History" });
  await history.getByRole("tab", { name: "Deposits" }).click();
  await history.locator('tr[data-status="pending"]').waitFor();
  await history.getByRole("button", { name: "Cancel pending checkouts" }).click();
  await alice.getByText("Canceled 1 pending checkout.").waitFor();
  await history.locator("tr[data-deposit-id]").first().locator('[data-label="Status"]', { hasText: "Expired" }).waitFor();
  assert.equal(await balanceText(alice), "$0.00");
});

test("Alice buys $10: the preset opens Stripe Checkout; after the webhook her balance shows $10.00 and the deposit is completed", async () => {
  await alice.getByRole("button", { name: "Buy $10 of credits" }).click();
  await alice.getByRole("heading", { name: "Stripe Checkout (test)" }).waitFor();
  const session = [...stripe.sessions.values()].at(-1);
  assert.equal(alice.url(), session.url, "the page went to the Checkout Session's address");
  assert.equal(session.amount_total, 1000);
  assert.equal(session.success_url, `${origin}/#/credits?checkout=success`);

  await deliverPaid(session.id);
  await alice.goto(`${origin}/#/credits?checkout=success`);
  await alice.getByText("Payment received — your balance updates when Stripe confirms it").waitFor();
  await waitBalance(alice, 1000 * NUSD_PER_CENT);
  assert.equal(await balanceText(alice), "$10.00");
  assert.deepEqual(await asUser("user_alice", "/api/credits/balance"), { balance_usd: 10, balance_nusd: 1000 * NUSD_PER_CENT });

  const history = alice.getByRole("region", { name: "History" });
  await history.getByRole("tab", { name: "Deposits" }).click();
  const row = history.locator("tr[data-deposit-id]").first();
  await row.locator('[data-label="Status"]', { hasText: "Completed" }).waitFor();
  assert.equal(await row.locator('[data-label="Amount"]').innerText(), "$10.00");
  await history.getByRole("tab", { name: "Transactions" }).click();
  const entry = history.locator('tr[data-kind="topup"]');
  assert.equal(await entry.locator('[data-label="Amount"]').innerText(), "+$10.00");
  await shot(alice, "credits-after-purchase-desktop");
});

test("with the card saved by that purchase, auto top-up saves", async () => {
  await alice.reload();
  const card = alice.getByRole("region", { name: "Auto top-up" });
  await card.locator('[data-field="saved-card"]', { hasText: "Yes" }).waitFor();
  await card.getByRole("switch", { name: "Top up automatically" }).click();
  await card.getByRole("group", { name: "When the balance falls below: presets" }).getByRole("button", { name: "$5" }).click();
  await card.getByRole("group", { name: "Add this amount: presets" }).getByRole("button", { name: "$20" }).click();
  await card.getByRole("button", { name: "Save auto top-up" }).click();
  await alice.getByText("Auto top-up is on: $20.00 when the balance falls below $5.00.").waitFor();
  const saved = await asUser("user_alice", "/api/credits/auto-topup");
  assert.equal(saved.enabled, true);
  assert.equal(saved.threshold_cents, 500);
  assert.equal(saved.amount_cents, 2000);
  await card.locator(".card-head .badge", { hasText: "On" }).waitFor();
});

test("the operator sees Admin: KPIs, the users table; grants Alice $5 with a reason and her balance rises by exactly $5.00", async () => {
  owner = await cb.signIn(await userContext(), "owner@example.com", "owner");
  await go(owner, "Admin");
  const kpis = await asUser("user_owner", "/api/admin/overview");
  const revenue = owner.locator('[data-kpi="revenue"] .stat-value');
  await owner.waitForFunction((want) => document.querySelector('[data-kpi="revenue"] .stat-value')?.textContent === want, nusd(kpis.revenue_nusd));
  assert.equal(await revenue.innerText(), "$10.00");
  assert.equal(await owner.locator('[data-kpi="users"] .stat-value').innerText(), String(kpis.users));
  await owner.locator(".chart-canvas svg").first().waitFor();
  await shot(owner, "admin-overview-desktop");

  await owner.getByRole("tab", { name: "Users" }).click();
  const row = owner.locator('tr[data-owner-id="user_alice"]');
  await row.waitFor();
  assert.equal(await row.locator('[data-label="Balance"]').innerText(), "$10.00");
  const before = (await asUser("user_alice", "/api/credits/balance")).balance_nusd;

  await row.getByRole("button", { name: "Grant or revoke credits for user_alice" }).click();
  const form = owner.getByRole("form", { name: "Grant or revoke credits" });
  await owner.waitForFunction(() => document.activeElement?.id === "adjust-owner" && document.activeElement.value === "user_alice"); // picked and focused
  await form.getByLabel("Amount (USD)").fill("5");
  await form.getByRole("button", { name: "Grant credits" }).click();
  await form.getByText("Say why").waitFor(); // the reason is required
  await form.getByLabel("Reason").fill("Welcome bonus for the e2e test");
  await form.getByRole("button", { name: "Grant credits" }).click();
  await owner.getByText("Granted $5.00 to user_alice.").waitFor();
  await row.locator('[data-label="Balance"]', { hasText: "$15.00" }).waitFor();
  await owner.locator("tr[data-adjustment-id]", { hasText: "Welcome bonus for the e2e test" }).waitFor();
  const after = (await asUser("user_alice", "/api/credits/balance")).balance_nusd;
  assert.equal(after - before, 500 * NUSD_PER_CENT, "exactly $5.00");
  await shot(owner, "admin-users-desktop");

  await alice.reload();
  await waitBalance(alice, after);
  assert.equal(await balanceText(alice), "$15.00");
  await alice.locator('tr[data-kind="grant"]').waitFor();
});

test("a revoke asks first, then takes exactly the amount", async () => {
  const form = owner.getByRole("form", { name: "Grant or revoke credits" });
  await form.getByRole("button", { name: "Revoke", exact: true }).click();
  await form.getByLabel("Amount (USD)").fill("1");
  await form.getByLabel("Reason").fill("Correction after a test");
  await form.getByRole("button", { name: "Revoke credits" }).click();
  const dialog = owner.getByRole("dialog", { name: "Revoke credits?" });
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await dialog.waitFor({ state: "detached" });
  assert.equal((await asUser("user_alice", "/api/credits/balance")).balance_nusd, 1500 * NUSD_PER_CENT, "nothing moved");
  await form.getByRole("button", { name: "Revoke credits" }).click();
  await dialog.getByRole("button", { name: "Revoke $1.00" }).click();
  await owner.getByText("Revoked $1.00 from user_alice.").waitFor();
  await owner.locator('tr[data-owner-id="user_alice"] [data-label="Balance"]', { hasText: "$14.00" }).waitFor();
  await owner.locator("tr[data-adjustment-id]", { hasText: "Correction after a test" }).locator('[data-label="Amount"]', { hasText: "−$1.00" }).waitFor();
  assert.equal((await asUser("user_alice", "/api/credits/balance")).balance_nusd, 1400 * NUSD_PER_CENT);
  await alice.reload();
  await waitBalance(alice, 1400 * NUSD_PER_CENT);
  await alice.locator('tr[data-kind="revoke"] [data-label="Amount"]', { hasText: "−$1.00" }).waitFor();
});

test("the operator creates 3 gift cards and sees 3 codes once", async () => {
  await owner.getByRole("tab", { name: "Gift cards" }).click();
  const form = owner.getByRole("form", { name: "Create gift cards" });
  await form.getByLabel("Amount per card (USD)").fill("2.50");
  await form.getByLabel("Number of cards").fill("3");
  await form.getByRole("button", { name: "Create gift cards" }).click();
  const codes = owner.getByRole("list", { name: "New gift card codes" }).locator("[data-gift-code]");
  await codes.first().waitFor();
  giftCodes = await codes.allInnerTexts();
  assert.equal(giftCodes.length, 3);
  for (const c of giftCodes) assert.match(c, /^KAOS(-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{4}){4}$/);
  await owner.getByText("they are not shown again").waitFor();
  await owner.getByRole("button", { name: "Copy all codes" }).waitFor();
  await owner.locator("tr[data-gift-card-id]").nth(2).waitFor();
  assert.equal(await owner.locator("tr[data-gift-card-id]").count(), 3);
  await shot(owner, "admin-gift-cards-desktop");
  await owner.getByRole("button", { name: "I have saved them" }).click();
  await owner.getByRole("list", { name: "New gift card codes" }).waitFor({ state: "detached" }); // the codes are gone
  const listed = await owner.locator("tr[data-gift-card-id]").allInnerTexts();
  for (const c of giftCodes) assert.ok(!listed.some((r) => r.includes(c)), "the list shows no whole code");
});

test("Alice redeems one: the amount added, her balance and transactions update; a wrong or used code shows the error", async () => {
  const card = alice.getByRole("region", { name: "Redeem a gift card" });
  const before = (await asUser("user_alice", "/api/credits/balance")).balance_nusd;
  refusing = true;
  await card.getByLabel("Gift card code").fill("KAOS-2222-3333-4444-5555");
  await card.getByRole("button", { name: "Redeem" }).click();
  await card.getByRole("alert").getByText("This code is not valid or has already been redeemed.").waitFor();

  await card.getByLabel("Gift card code").fill(giftCodes[0].toLowerCase());
  await card.getByRole("button", { name: "Redeem" }).click();
  await card.getByText("Added $2.50.").waitFor();
  await waitBalance(alice, before + 250 * NUSD_PER_CENT);
  assert.equal(await balanceText(alice), "$16.50");
  await alice.locator('tr[data-kind="gift_card"] [data-label="Amount"]', { hasText: "+$2.50" }).waitFor();

  await card.getByLabel("Gift card code").fill(giftCodes[0]);
  await card.getByRole("button", { name: "Redeem" }).click();
  await card.getByRole("alert").getByText("This code is not valid or has already been redeemed.").waitFor();
  refusing = false;
  assert.equal((await asUser("user_alice", "/api/credits/balance")).balance_nusd, before + 250 * NUSD_PER_CENT, "a used code adds nothing");
  await shot(alice, "credits-redeemed-desktop");

  await owner.reload();
  await owner.locator("tr[data-gift-card-id]", { hasText: "user_alice" }).waitFor();
});

test("the gift card list pages: 50 cards, then the rest with Load more", async () => {
  const form = owner.getByRole("form", { name: "Create gift cards" });
  await form.getByLabel("Amount per card (USD)").fill("0.01");
  await form.getByLabel("Number of cards").fill("60");
  await form.getByRole("button", { name: "Create gift cards" }).click();
  await owner.locator("[data-gift-code]").nth(59).waitFor();
  assert.equal(await owner.locator("[data-gift-code]").count(), 60);
  await owner.getByRole("button", { name: "I have saved them" }).click();
  const rows = owner.locator("tr[data-gift-card-id]");
  await owner.waitForFunction(() => document.querySelectorAll("tr[data-gift-card-id]").length === 50);
  await owner.getByRole("button", { name: "Load more" }).click();
  await rows.nth(62).waitFor();
  assert.equal(await rows.count(), 63);
  assert.equal(await owner.getByRole("button", { name: "Load more" }).count(), 0, "no page is left");
  const ids = await rows.evaluateAll((trs) => trs.map((tr) => tr.dataset.giftCardId));
  assert.equal(new Set(ids).size, 63, "no card is listed twice");
});

test("phone-sized viewport: Credits and every Admin tab fit the screen", async () => {
  for (const [page, hash, ready] of [
    [alice, "credits", "tr[data-entry-id]"],
    [owner, "admin", '[data-kpi="revenue"]'],
    [owner, "admin?tab=users", "tr[data-owner-id]"],
    [owner, "admin?tab=gift-cards", "tr[data-gift-card-id]"],
  ]) {
    await page.setViewportSize({ width: 390, height: 844 });
    try {
      await page.goto(`${origin}/#/${hash}`);
      await page.reload();
      await page.locator(ready).first().waitFor();
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${hash} scrolls sideways by ${overflow}px on a phone`);
      await shot(page, `${hash.replace(/\W+/g, "-")}-phone`);
    } finally {
      await page.setViewportSize({ width: 1280, height: 860 });
    }
  }
});

test("a gateway without Stripe keys: the Credits page says payments are not configured and buying is off", async () => {
  const port = await freePort();
  const bare = `http://127.0.0.1:${port}`;
  const plain = await startGateway({
    port,
    env: { ADMIN_TOKEN, ENCRYPTION_KEY, ...clerk.bindings({ ownerId: "user_owner", authorizedParties: [bare], networkless: true }) },
  });
  try {
    const here = clerkBrowser({ browser, clerk, origin: bare, users: USERS, consoleErrors, ignore: (text) => /status of 503/.test(text) });
    const page = await here.signIn(await here.context(), "alice@example.com", "alice-unpaid");
    await go(page, "Credits");
    const buy = page.getByRole("region", { name: "Buy credits" });
    // From /api/config on load, before any click.
    await buy.getByRole("alert").getByText("Payments are not configured on this gateway.").waitFor();
    for (const name of ["Buy $5 of credits", "Buy $10 of credits", "Buy $20 of credits", "Buy $50 of credits", "Buy"])
      assert.equal(await buy.getByRole("button", { name, exact: true }).isDisabled(), true, `${name} is off`);
    assert.equal(page.url(), `${bare}/#/credits`, "the page stayed");
    await page.context().close();
  } finally {
    await plain.stop();
  }
});

test("no console errors on any page", () => {
  assert.deepEqual(consoleErrors, []);
});
