// A gateway where two providers serve openai/gpt-4o-mini: "openai" (the
// primary: a 0.5 price multiplier makes it the cheaper) and "oaipro" (the
// fallback), each at its own local upstream, with every upstream timeout
// (headers, first token, idle) at `timeoutMs` so a test can make them fire.
import OpenAI from "openai";
import { startGateway, ADMIN_TOKEN } from "./gateway.js";

// `fn({ gw, client, primaryCred })` runs against it; the gateway and both
// upstreams are closed after. `validate: false` adds the credentials without
// the upstream check, for upstreams that answer only chat calls.
export async function withPrimaryAndFallback(primary, fallback, { timeoutMs, validate = true }, fn) {
  const gw = await startGateway({
    upstreams: { openai: primary.url + "/v1", oaipro: fallback.url + "/v1" },
    bindings: {
      UPSTREAM_HEADERS_TIMEOUT_MS: String(timeoutMs),
      UPSTREAM_FIRST_TOKEN_TIMEOUT_MS: String(timeoutMs),
      UPSTREAM_IDLE_TIMEOUT_MS: String(timeoutMs),
    },
  });
  try {
    const checked = validate ? {} : { validate: false };
    const primaryCred = await gw.addCredential("openai", "sk-proj-primarykey0123456", { price_multiplier: 0.5, ...checked });
    await gw.addCredential("oaipro", "sk-secondarykey0123456789", checked);
    const client = new OpenAI({ apiKey: ADMIN_TOKEN, baseURL: gw.url + "/v1", maxRetries: 0 });
    await fn({ gw, client, primaryCred });
  } finally {
    await gw.close();
    await primary.close();
    await fallback.close();
  }
}
