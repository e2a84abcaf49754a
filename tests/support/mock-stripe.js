// A stand-in for Stripe's API on 127.0.0.1, speaking its wire format:
// form-encoded requests with `Authorization: Bearer <secret key>`, JSON
// answers, `{error: {type, code, message}}` errors with Stripe's statuses, and
// Idempotency-Key replays (the same key and body answer the first answer
// again; the same key with another body is a 400 idempotency_error). It
// records every request (the key's value is never kept, only that a Bearer
// key came), can fail the next calls (500, 402 card_declined, a dropped
// connection, or no answer), and signs webhook payloads as Stripe does.
import { createHmac, randomBytes } from "node:crypto";
import { createServer } from "node:http";

const rid = (prefix) => `${prefix}_${randomBytes(12).toString("hex")}`;

// Options for a local instance (scripts/stripe-dev.js): `port` to listen on;
// `webhookUrl`, where it delivers signed events as Stripe would: a Checkout
// session's URL is then a page of this stand-in whose "Pay" completes the
// session (checkout.session.completed) and returns to its success_url, and an
// off-session charge that succeeds is followed by payment_intent.succeeded.
export async function startStripe({
  secretKey = `sk_test_${randomBytes(12).toString("hex")}`,
  webhookSecret = `whsec_${randomBytes(16).toString("hex")}`,
  port = 0,
  webhookUrl = null,
} = {}) {
  let forward = webhookUrl; // see forwardTo()
  const requests = [];
  const customers = new Map();
  const sessions = new Map();
  const intents = new Map();
  const idempotent = new Map(); // "<method> <path> <key>" -> {body, status, answer}
  let failures = []; // [{mode, path}] consumed in order by matching requests
  const hung = new Set();

  const send = (res, status, obj, extra = {}) => {
    res.writeHead(status, { "content-type": "application/json", "request-id": rid("req"), ...extra });
    res.end(JSON.stringify(obj));
  };
  const error = (status, type, code, message, more = {}) => ({ status, answer: { error: { type, code, message, ...more } } });

  function handle(method, path, form) {
    if (method === "POST" && path === "/v1/customers") {
      const customer = { id: rid("cus"), object: "customer", created: Math.floor(Date.now() / 1000), metadata: pick(form, "metadata"), description: form.description ?? null };
      customers.set(customer.id, customer);
      return { status: 200, answer: customer };
    }
    if (method === "POST" && path === "/v1/checkout/sessions") {
      if (!form.customer || !customers.has(form.customer)) return error(400, "invalid_request_error", "resource_missing", `No such customer: '${form.customer}'`, { param: "customer" });
      const amount = Number(form["line_items[0][price_data][unit_amount]"]);
      if (!Number.isInteger(amount) || amount < 50) return error(400, "invalid_request_error", "amount_too_small", "Amount must be at least 50 cents.");
      const expires = Number(form.expires_at);
      const now = Math.floor(Date.now() / 1000);
      if (form.expires_at !== undefined && (expires < now + 30 * 60 || expires > now + 24 * 3600))
        return error(400, "invalid_request_error", "parameter_invalid_integer", "The `expires_at` timestamp must be between 30 minutes and 24 hours from now.", { param: "expires_at" });
      const session = {
        id: rid("cs_test"),
        object: "checkout.session",
        mode: form.mode,
        status: "open",
        payment_status: "unpaid",
        amount_total: amount,
        currency: form["line_items[0][price_data][currency]"],
        customer: form.customer,
        client_reference_id: form.client_reference_id ?? null,
        metadata: pick(form, "metadata"),
        success_url: form.success_url,
        cancel_url: form.cancel_url,
        expires_at: expires,
        payment_intent: null,
      };
      session.url = forward ? `${url}/c/pay/${session.id}` : `https://checkout.stripe.test/c/pay/${session.id}`;
      sessions.set(session.id, session);
      return { status: 200, answer: session };
    }
    const pi = path.match(/^\/v1\/payment_intents\/([^/]+)$/);
    if (method === "GET" && pi) {
      const intent = intents.get(decodeURIComponent(pi[1]));
      return intent ? { status: 200, answer: intent } : error(404, "invalid_request_error", "resource_missing", `No such payment_intent: '${pi[1]}'`);
    }
    if (method === "POST" && path === "/v1/payment_intents") {
      if (!form.customer || !customers.has(form.customer)) return error(400, "invalid_request_error", "resource_missing", `No such customer: '${form.customer}'`);
      if (!form.payment_method) return error(400, "invalid_request_error", "parameter_missing", "Missing required param: payment_method.");
      const intent = makeIntent({ amount: Number(form.amount), customer: form.customer, payment_method: form.payment_method, metadata: pick(form, "metadata") });
      if (forward) setTimeout(() => deliver(event("payment_intent.succeeded", intent)).catch(() => {}), 50);
      return { status: 200, answer: intent };
    }
    return error(404, "invalid_request_error", null, `Unrecognized request URL (${method}: ${path}).`);
  }

  function makeIntent({ amount, customer, payment_method, metadata = {}, status = "succeeded" }) {
    const intent = { id: rid("pi"), object: "payment_intent", amount, currency: "usd", customer, payment_method, status, metadata };
    intents.set(intent.id, intent);
    return intent;
  }

  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const raw = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url, "http://x");
    if (forward && url.pathname.startsWith("/c/pay/")) return checkoutPage(req.method, url.pathname, res);
    const form = Object.fromEntries(new URLSearchParams(raw));
    const auth = req.headers.authorization || "";
    const headers = { ...req.headers };
    delete headers.authorization;
    const entry = {
      method: req.method,
      path: url.pathname,
      form,
      raw,
      headers,
      bearer: auth.startsWith("Bearer "),
      keyMatches: auth === `Bearer ${secretKey}`,
      idempotencyKey: req.headers["idempotency-key"] ?? null,
      at: Date.now(),
    };
    requests.push(entry);
    const i = failures.findIndex((f) => !f.path || f.path === url.pathname);
    if (i >= 0) {
      const [f] = failures.splice(i, 1);
      entry.failed = f.mode;
      if (f.mode === "500") return send(res, 500, { error: { type: "api_error", code: null, message: "An unknown error occurred" } });
      if (f.mode === "card_declined")
        return send(res, 402, { error: { type: "card_error", code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." } });
      if (f.mode === "network") return req.socket.destroy();
      if (f.mode === "timeout") {
        hung.add(res);
        return;
      }
    }
    if (!entry.keyMatches) return send(res, 401, { error: { type: "invalid_request_error", message: "Invalid API Key provided: sk_test_****" } });
    if (req.method === "POST" && entry.idempotencyKey) {
      const k = `${req.method} ${url.pathname} ${entry.idempotencyKey}`;
      const seen = idempotent.get(k);
      if (seen) {
        entry.replayed = true;
        if (seen.body !== raw)
          return send(res, 400, { error: { type: "idempotency_error", message: "Keys for idempotent requests can only be used with the same parameters they were first used with." } });
        return send(res, seen.status, seen.answer, { "idempotent-replayed": "true" });
      }
      const out = handle(req.method, url.pathname, form);
      idempotent.set(k, { body: raw, ...out });
      return send(res, out.status, out.answer);
    }
    const out = handle(req.method, url.pathname, form);
    send(res, out.status, out.answer);
  });
  await new Promise((r) => server.listen(port, "127.0.0.1", r));
  const url = `http://127.0.0.1:${server.address().port}`;

  // Stripe's signature header for a payload: t=<seconds>,v1=HMAC(secret, t.payload).
  const signature = (payload, { timestamp = Math.floor(Date.now() / 1000), secret = webhookSecret } = {}) =>
    `t=${timestamp},v1=${createHmac("sha256", secret).update(`${timestamp}.${payload}`).digest("hex")}`;

  function event(type, object, { id = rid("evt") } = {}) {
    return JSON.stringify({ id, object: "event", api_version: "2024-06-20", created: Math.floor(Date.now() / 1000), type, livemode: false, data: { object } });
  }

  // A signed event to webhookUrl; resolves to the endpoint's status.
  async function deliver(body) {
    const res = await fetch(forward, { method: "POST", headers: { "content-type": "application/json", "stripe-signature": signature(body) }, body });
    await res.arrayBuffer();
    return res.status;
  }

  // The hosted Checkout page of a local instance: GET shows the session,
  // POST …/pay completes it and delivers the event, POST …/cancel goes back.
  async function checkoutPage(method, path, res) {
    const [, , , id, action] = path.split("/");
    const session = sessions.get(decodeURIComponent(id || ""));
    const page = (status, body) => {
      res.writeHead(status, { "content-type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><meta charset="utf-8"><title>Stripe Checkout (local)</title><body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">${body}</body>`);
    };
    if (!session) return page(404, "<h1>No such Checkout session</h1>");
    const dollars = (session.amount_total / 100).toFixed(2);
    if (method === "GET" && !action) {
      if (session.status !== "open") return page(410, `<h1>This session is ${escapeHtml(session.status)}</h1>`);
      return page(
        200,
        `<h1>Keyaos credits: $${dollars}</h1><p>A local stand-in for Stripe Checkout: no card is charged.</p>` +
          `<form method="post" action="/c/pay/${session.id}/pay"><button>Pay $${dollars} with a test card</button></form>` +
          `<form method="post" action="/c/pay/${session.id}/cancel"><button>Cancel</button></form>`,
      );
    }
    if (method === "POST" && action === "cancel") {
      res.writeHead(303, { location: session.cancel_url });
      return res.end();
    }
    if (method === "POST" && action === "pay" && session.status === "open") {
      const status = await deliver(event("checkout.session.completed", pay(session.id))).catch((err) => String(err.message || err));
      if (status !== 200) return page(502, `<h1>The gateway's webhook did not accept the payment</h1><p>${escapeHtml(String(status))} from ${escapeHtml(forward)}</p>`);
      res.writeHead(303, { location: session.success_url });
      return res.end();
    }
    return page(405, "<h1>Not here</h1>");
  }

  // The session paid (a saved card, its PaymentIntent): the object of checkout.session.completed.
  function pay(sessionId, { payment_status = "paid" } = {}) {
    const s = sessions.get(sessionId);
    if (!s) throw new Error(`no session ${sessionId}`);
    if (!s.payment_intent) s.payment_intent = makeIntent({ amount: s.amount_total, customer: s.customer, payment_method: rid("pm") }).id;
    s.status = "complete";
    s.payment_status = payment_status;
    return { ...s };
  }

  return {
    url,
    secretKey,
    webhookSecret,
    requests,
    customers,
    sessions,
    intents,
    // The Worker env pointing at this mock.
    bindings: ({ withKey = true, withWebhook = true } = {}) => ({
      STRIPE_API_BASE_URL: url,
      ...(withKey ? { STRIPE_SECRET_KEY: secretKey } : {}),
      ...(withWebhook ? { STRIPE_WEBHOOK_SECRET: webhookSecret } : {}),
    }),
    // The next `n` requests (to `path`, when given) fail: "500", "card_declined", "network", "timeout".
    failNext(n, mode, path) {
      for (let i = 0; i < n; i++) failures.push({ mode, path });
    },
    clearFailures() {
      failures = [];
    },
    signature,
    // An event body as Stripe sends it.
    event,
    pay,
    expired(sessionId) {
      const s = sessions.get(sessionId);
      return { ...s, status: "expired" };
    },
    makeIntent,
    // Delivers events to `webhookUrl` from now on (see the options above).
    forwardTo(webhookUrl) {
      forward = webhookUrl;
    },
    close: () =>
      new Promise((r) => {
        for (const res of hung) res.destroy();
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}

const escapeHtml = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function pick(form, prefix) {
  const out = {};
  for (const [k, v] of Object.entries(form)) {
    const m = k.match(new RegExp(`^${prefix}\\[([^\\]]+)\\]$`));
    if (m) out[m[1]] = v;
  }
  return out;
}
