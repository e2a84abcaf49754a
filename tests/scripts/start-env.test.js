// scripts/start.js hands ADMIN_TOKEN, the upstream overrides and Platform
// mode's CLERK_* / PLATFORM_* variables to `wrangler dev` in a .env file: read
// back with wrangler's own loader, every value arrives as it was set,
// a PEM's line breaks and a JSON value's quotes included.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { unstable_getVarsForDev } from "wrangler";
import { envOverrides, PASSED_ENV } from "../../scripts/start.js";
import { publishableKey, signingKey } from "../../scripts/clerk-jwt.js";

// What the Worker would see for `text`, loaded the way `wrangler dev --env-file` loads it.
function loadedByWrangler(text) {
  const dir = mkdtempSync(join(tmpdir(), "keyaos-env-"));
  try {
    const file = join(dir, "env-overrides.env");
    writeFileSync(file, text);
    const vars = unstable_getVarsForDev(undefined, [file], {}, undefined, true);
    return Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, v.value]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("every passed variable reaches the Worker unchanged", () => {
  const env = {
    ADMIN_TOKEN: "kx-it's-$HOME-\\$x",
    ENCRYPTION_KEY: Buffer.alloc(32, 3).toString("base64"),
    UPSTREAM_BASE_URLS: JSON.stringify({ openai: "http://127.0.0.1:9/v1", "a'b": 'q"' }),
    CLERK_SECRET_KEY: "sk_test_local0123",
    CLERK_PUBLISHABLE_KEY: publishableKey("clerk.keyaos.test"),
    CLERK_JWT_KEY: signingKey().publicPem,
    CLERK_JWKS_URL: "http://127.0.0.1:4321/.well-known/jwks.json",
    CLERK_AUTHORIZED_PARTIES: "http://localhost:8787,https://keyaos.example",
    PLATFORM_OWNER_ID: "user_owner",
    PLATFORM_ALLOW_PRIVATE_HOSTS: "true",
    STRIPE_SECRET_KEY: "sk_test_local0123",
    STRIPE_WEBHOOK_SECRET: "whsec_local0123",
    STRIPE_API_BASE_URL: "http://127.0.0.1:4322",
  };
  assert.deepEqual(Object.keys(env).sort(), [...PASSED_ENV].sort(), "the test covers every passed variable");
  assert.ok(env.CLERK_JWT_KEY.split("\n").length > 5, "the PEM spans lines");
  assert.deepEqual(loadedByWrangler(envOverrides(env)), env);
});

test("unset and empty variables are left out; other variables are not passed", () => {
  assert.deepEqual(loadedByWrangler(envOverrides({ PLATFORM_OWNER_ID: "user_a", CLERK_JWKS_URL: "", HOME: "/root" })), { PLATFORM_OWNER_ID: "user_a" });
});

test("a value no quote can hold is refused rather than written wrong", () => {
  assert.throws(() => envOverrides({ ADMIN_TOKEN: "a'b\"c`d" }), /ADMIN_TOKEN contains/);
});
