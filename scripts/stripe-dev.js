// A local stand-in for Stripe, to buy credits against `npm start` in
// Platform mode without a Stripe account. It speaks Stripe's API on
// 127.0.0.1, serves a Checkout page whose "Pay" delivers a signed
// checkout.session.completed to the gateway's webhook, and answers the
// off-session charges of auto top-up. No card is charged anywhere.
//   node scripts/stripe-dev.js env [--port <n>]
//       prints `export` lines for the Worker env: `eval "$(… env)"; npm start`
//   node scripts/stripe-dev.js serve [--port <n>] [--gateway <url>]
//       runs the stand-in (port 12111, gateway http://localhost:8787) until Ctrl-C
import { startStripe } from "../tests/support/mock-stripe.js";

// Local only: nothing outside this machine accepts them.
const SECRET_KEY = "sk_test_keyaos_local_stand_in";
const WEBHOOK_SECRET = "whsec_keyaos_local_stand_in";
const DEFAULT_PORT = 12111;

function option(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
}

export function devEnv(port) {
  return { STRIPE_API_BASE_URL: `http://127.0.0.1:${port}`, STRIPE_SECRET_KEY: SECRET_KEY, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET };
}

export async function serve({ port = DEFAULT_PORT, gateway = "http://localhost:8787" } = {}) {
  const webhookUrl = `${gateway.replace(/\/+$/, "")}/api/webhooks/stripe`;
  return startStripe({ secretKey: SECRET_KEY, webhookSecret: WEBHOOK_SECRET, port, webhookUrl });
}

async function main(args) {
  const [command] = args;
  const port = Number(option(args, "--port", DEFAULT_PORT));
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port must be a port number, not ${option(args, "--port")}`);
  if (command === "env") {
    for (const [name, value] of Object.entries(devEnv(port))) console.log(`export ${name}='${value}'`);
    return;
  }
  if (command === "serve") {
    const gateway = option(args, "--gateway", "http://localhost:8787");
    const stripe = await serve({ port, gateway });
    console.log(`Stripe stand-in on ${stripe.url}; webhooks go to ${gateway}/api/webhooks/stripe (Ctrl-C stops it)`);
    let seen = 0;
    const report = setInterval(() => {
      for (; seen < stripe.requests.length; seen++) {
        const r = stripe.requests[seen];
        if (r.path.startsWith("/v1/")) console.log(`${new Date(r.at).toISOString()} ${r.method} ${r.path}${r.keyMatches ? "" : " (wrong key: 401)"}`);
      }
    }, 500);
    const stop = async () => {
      clearInterval(report);
      await stripe.close();
      process.exit(0);
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
    return;
  }
  console.error("usage: node scripts/stripe-dev.js env [--port <n>] | serve [--port <n>] [--gateway <url>]");
  process.exitCode = 2;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main(process.argv.slice(2)).catch((err) => {
    console.error(`stripe-dev: ${err.message}`);
    process.exitCode = 1;
  });
}
