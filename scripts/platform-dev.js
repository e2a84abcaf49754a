// Keys for a local Platform-mode instance without a Clerk account: a dev RSA
// key stands in for Clerk's instance key, and tokens signed with it are the
// session JWTs Clerk would issue.
//   node scripts/platform-dev.js keys [--owner <user_id>]
//       creates build/platform-dev/signing-key.pem once (kept on later runs) and
//       prints `export` lines for the Worker env; `eval "$(… keys)"; npm start`
//   node scripts/platform-dev.js token <user_id> [--ttl <seconds>]
//       prints a session JWT for that user (1 h unless --ttl)
// PLATFORM_DEV_DIR picks another folder for the key.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { issuerOf, publishableKey, sessionClaims, signJwt, signingKey } from "./clerk-jwt.js";
import { root } from "./lib.js";

// A frontend API that resolves nowhere: the engine only compares it with `iss`.
const DEV_FRONTEND_API = "clerk.keyaos.localhost";
const DEV_AZP = "http://localhost:8787";
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;

const dir = () => resolve(process.env.PLATFORM_DEV_DIR || join(root, "build", "platform-dev"));

function loadKey({ create }) {
  const file = join(dir(), "signing-key.pem");
  if (existsSync(file)) return signingKey({ privatePem: readFileSync(file, "utf8") });
  if (!create) throw new Error(`no dev key at ${file}: run \`node scripts/platform-dev.js keys\` first`);
  const key = signingKey();
  mkdirSync(dir(), { recursive: true });
  writeFileSync(file, key.privatePem, { mode: 0o600 });
  return key;
}

// The Worker env of a local Platform instance that trusts `key`.
function devEnv(key, ownerId) {
  // Derived from the key, so it stays the same across runs; nothing checks it locally.
  const secret = `sk_test_local${createHash("sha256").update(key.publicPem).digest("hex").slice(0, 32)}`;
  return {
    CLERK_SECRET_KEY: secret,
    CLERK_PUBLISHABLE_KEY: publishableKey(DEV_FRONTEND_API),
    CLERK_JWT_KEY: key.publicPem,
    PLATFORM_OWNER_ID: ownerId,
  };
}

function devToken(key, userId, ttlSeconds) {
  return signJwt(sessionClaims({ sub: userId, issuer: issuerOf(DEV_FRONTEND_API), azp: DEV_AZP, ttlSeconds }), key);
}

// Single quotes keep a multi-line PEM intact in sh, bash and zsh.
const shellExport = (name, value) => `export ${name}='${value.replace(/'/g, `'\\''`)}'`;

function option(args, name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : fallback;
}

function main(args) {
  const [command, arg] = args;
  if (command === "keys") {
    const owner = option(args, "--owner", "user_local_owner");
    if (!USER_ID.test(owner)) throw new Error(`--owner: a Clerk-style user id ([A-Za-z0-9_-], at most 64), not ${JSON.stringify(owner)}`);
    const env = devEnv(loadKey({ create: true }), owner);
    process.stdout.write(Object.entries(env).map(([k, v]) => shellExport(k, v)).join("\n") + "\n");
    console.error(`Dev key: ${join(dir(), "signing-key.pem")}. Start with: eval "$(node scripts/platform-dev.js keys)" && npm start`);
    return;
  }
  if (command === "token" && arg && USER_ID.test(arg)) {
    const ttl = Number(option(args, "--ttl", "3600"));
    if (!Number.isInteger(ttl) || ttl < 1 || ttl > 7 * 86400) throw new Error("--ttl: whole seconds, 1 to 604800");
    process.stdout.write(devToken(loadKey({ create: false }), arg, ttl) + "\n");
    return;
  }
  throw new Error("usage: node scripts/platform-dev.js keys [--owner <user_id>] | token <user_id> [--ttl <seconds>]");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
