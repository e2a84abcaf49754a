// Starts Keyaos locally: workerd + a local D1 with migrations applied, the
// dashboard served at the same URL. Generates ADMIN_TOKEN and ENCRYPTION_KEY
// into .dev.vars on first run. The variables in PASSED_ENV (ADMIN_TOKEN,
// ENCRYPTION_KEY, UPSTREAM_BASE_URLS, and Platform mode's CLERK_*, PLATFORM_*
// and STRIPE_*) from the environment override .dev.vars; PORT picks the port;
// KEYAOS_STATE_DIR keeps the local D1 there instead of under .wrangler/.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join, resolve } from "node:path";
import { ensureNodeModules, root, run } from "./lib.js";

export const PASSED_ENV = [
  "ADMIN_TOKEN",
  "ENCRYPTION_KEY",
  "UPSTREAM_BASE_URLS",
  "CLERK_SECRET_KEY",
  "CLERK_PUBLISHABLE_KEY",
  "CLERK_JWT_KEY",
  "CLERK_JWKS_URL",
  "CLERK_AUTHORIZED_PARTIES",
  "PLATFORM_OWNER_ID",
  "PLATFORM_ALLOW_PRIVATE_HOSTS",
  "STRIPE_SECRET_KEY",
  "STRIPE_WEBHOOK_SECRET",
  "STRIPE_API_BASE_URL",
];

// A value in .env syntax, kept literal: single quotes unless the value has one
// (a JSON value's own quotes and a PEM's line breaks stay as they are); `$` is
// escaped because wrangler expands $NAME even inside quotes.
function quote(name, v) {
  const escaped = v.replace(/\$/g, "\\$");
  for (const q of ["'", '"', "`"]) if (!v.includes(q)) return `${q}${escaped}${q}`;
  throw new Error(`${name} contains ', " and \`: it cannot be quoted for wrangler's .env files`);
}

// The .env text that carries the set PASSED_ENV variables of `env` to the Worker.
export function envOverrides(env = process.env) {
  return PASSED_ENV.filter((k) => env[k]).map((k) => `${k}=${quote(k, env[k])}`).join("\n") + "\n";
}

function start() {
  ensureNodeModules();
  // Serves the committed keyaos.wasm; after changing the C++, run `npm run build -- --wasm` first.
  run("node scripts/build.js");

  const devVars = join(root, ".dev.vars");
  if (!existsSync(devVars)) {
    const token = "kx-" + randomBytes(24).toString("hex");
    writeFileSync(devVars, `ADMIN_TOKEN=${token}\nENCRYPTION_KEY=${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
    console.log(`\nGenerated .dev.vars. Your admin token (shown once; it stays in .dev.vars):\n\n    ${token}\n`);
  }

  // Values from the environment win over .dev.vars, in a file wrangler loads last.
  const stateDir = process.env.KEYAOS_STATE_DIR ? resolve(process.env.KEYAOS_STATE_DIR) : null;
  const persist = stateDir ? ` --persist-to ${JSON.stringify(stateDir)}` : "";
  const overrideDir = stateDir || join(root, "build");
  mkdirSync(overrideDir, { recursive: true });
  const overrideFile = join(overrideDir, "env-overrides.env");
  writeFileSync(overrideFile, envOverrides(), { mode: 0o600 });

  const migrationsLog = join(overrideDir, "migrations.log");
  run(`npx wrangler d1 migrations apply keyaos-db --local${persist} > ${JSON.stringify(migrationsLog)} 2>&1 || (cat ${JSON.stringify(migrationsLog)}; exit 1)`, {
    env: { ...process.env, CI: "true" },
  });
  const port = process.env.PORT || "8787";
  const envFiles = [devVars, overrideFile].map((f) => `--env-file ${JSON.stringify(f)}`).join(" ");
  console.log(`Keyaos: http://localhost:${port}  (OpenAI base URL: http://localhost:${port}/v1)`);
  run(`npx wrangler dev --local --port ${port} --ip 127.0.0.1${persist} ${envFiles}`);
}

if (import.meta.url === `file://${process.argv[1]}`) start();
