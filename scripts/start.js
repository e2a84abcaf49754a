// Starts Keyaos locally: workerd + a local D1 with migrations applied, the
// dashboard served at the same URL. Generates ADMIN_TOKEN and ENCRYPTION_KEY
// into .dev.vars on first run. ADMIN_TOKEN, ENCRYPTION_KEY and
// UPSTREAM_BASE_URLS from the environment override .dev.vars; PORT picks the port.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { ensureNodeModules, root, run } from "./lib.js";

ensureNodeModules();
run("node scripts/build.js");

const devVars = join(root, ".dev.vars");
if (!existsSync(devVars)) {
  const token = "kx-" + randomBytes(24).toString("hex");
  writeFileSync(devVars, `ADMIN_TOKEN=${token}\nENCRYPTION_KEY=${randomBytes(32).toString("base64")}\n`, { mode: 0o600 });
  console.log(`\nGenerated .dev.vars. Your admin token (shown once; it stays in .dev.vars):\n\n    ${token}\n`);
}

// Values from the environment win over .dev.vars, in a file wrangler loads last.
const overrides = ["ADMIN_TOKEN", "ENCRYPTION_KEY", "UPSTREAM_BASE_URLS"].filter((k) => process.env[k]);
mkdirSync(join(root, "build"), { recursive: true });
const overrideFile = join(root, "build", "env-overrides.env");
writeFileSync(overrideFile, overrides.map((k) => `${k}=${JSON.stringify(process.env[k])}`).join("\n") + "\n", { mode: 0o600 });

run("npx wrangler d1 migrations apply keyaos-db --local > build/migrations.log 2>&1 || (cat build/migrations.log; exit 1)", {
  env: { ...process.env, CI: "true" },
});
const port = process.env.PORT || "8787";
const envFiles = [devVars, overrideFile].map((f) => `--env-file ${f}`).join(" ");
console.log(`Keyaos: http://localhost:${port}  (OpenAI base URL: http://localhost:${port}/v1)`);
run(`npx wrangler dev --local --port ${port} --ip 127.0.0.1 ${envFiles}`);
