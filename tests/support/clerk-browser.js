// Browser contexts for the Platform-mode dashboard tests, signed in through
// Clerk's stand-in: the page's requests for clerk-js and to Clerk's frontend
// API (an outside service) are answered here, by the stand-in bundle
// (tests/support/clerk-js-standin.js) and session tokens the fixture
// (tests/support/clerk.js) signs. `users` maps an email address to a user id;
// console errors go to `consoleErrors` unless `ignore(text)` accepts them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { root } from "../../scripts/lib.js";
import { watchConsole } from "./browser.js";
import { freePort, startGateway } from "./npm-start.js";

const STANDIN = readFileSync(join(root, "tests", "support", "clerk-js-standin.js"), "utf8");

// The gateway in Platform mode behind `npm start`, with `clerk` as its
// identity provider and its own origin as the one authorized party; returns
// the gateway and that origin. `env` adds bindings, `prepare` runs on the
// fresh state directory before the start.
export async function startPlatformGateway({ clerk, ownerId, env, prepare }) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const gw = await startGateway({
    port,
    env: { ...env, ...clerk.bindings({ ownerId, authorizedParties: [origin], networkless: true }) },
    prepare,
  });
  return { gw, origin };
}

export function clerkBrowser({ browser, clerk, origin, users, consoleErrors, ignore }) {
  const issued = new Map(); // session token -> user id, every token the stand-in handed out
  const sessions = new Map(); // sid -> user id

  // A browser context whose Clerk requests are answered by the stand-in and the fixture.
  async function context() {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    const cors = { "access-control-allow-origin": origin, "content-type": "application/json" };
    await ctx.route(`https://${clerk.frontendApi}/**`, async (route) => {
      const req = route.request();
      const path = new URL(req.url()).pathname;
      if (path === "/npm/@clerk/clerk-js@5/dist/clerk.browser.js")
        return route.fulfill({ status: 200, contentType: "application/javascript", headers: { "access-control-allow-origin": "*" }, body: STANDIN });
      if (path === "/v1/client/sign_ins" && req.method() === "POST") {
        const email = new URLSearchParams(req.postData() || "").get("identifier");
        const userId = users[email];
        if (!userId) return route.fulfill({ status: 422, headers: cors, body: JSON.stringify({ errors: [{ message: "Couldn't find your account." }] }) });
        const sid = `sess_${userId}_${sessions.size}`;
        sessions.set(sid, userId);
        return route.fulfill({ status: 200, headers: cors, body: JSON.stringify({ user: { id: userId, email }, session: { id: sid } }) });
      }
      const tokens = /^\/v1\/client\/sessions\/([^/]+)\/tokens$/.exec(path);
      if (tokens && req.method() === "POST" && sessions.has(decodeURIComponent(tokens[1]))) {
        const sid = decodeURIComponent(tokens[1]);
        const jwt = clerk.sign({ sub: sessions.get(sid), sid, azp: origin, jti: `${issued.size}` });
        issued.set(jwt, sessions.get(sid));
        return route.fulfill({ status: 200, headers: cors, body: JSON.stringify({ object: "token", jwt }) });
      }
      return route.fulfill({ status: 404, headers: cors, body: "{}" });
    });
    return ctx;
  }

  // A page signed in as `email` through the stand-in's SignIn form; every
  // /api and /v1 request it makes is recorded with its bearer token.
  async function signIn(ctx, email, name) {
    const page = await ctx.newPage();
    page.setDefaultTimeout(15000);
    watchConsole(page, name, consoleErrors, ignore);
    page.calls = [];
    page.on("request", (r) => {
      const url = new URL(r.url());
      if (url.origin === origin && /^\/(api|v1)\//.test(url.pathname)) page.calls.push({ path: url.pathname, bearer: (r.headers().authorization || "").replace(/^Bearer /, "") });
    });
    await page.goto(origin);
    await page.getByLabel("Email address").fill(email);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    return page;
  }

  return { issued, sessions, context, signIn };
}
