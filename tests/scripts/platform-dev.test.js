// scripts/platform-dev.js: `keys` prints env lines a shell can eval (the PEM
// intact), and `token` prints a session JWT that the printed key verifies,
// with the issuer the printed publishable key names.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createPublicKey, verify } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "../../scripts/lib.js";
import { frontendApiOf } from "../../scripts/clerk-jwt.js";

let dir;
before(() => {
  dir = mkdtempSync(join(tmpdir(), "keyaos-platform-dev-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const script = join(root, "scripts", "platform-dev.js");
function run(args, { shell } = {}) {
  const env = { ...process.env, PLATFORM_DEV_DIR: dir };
  const res = shell
    ? spawnSync("sh", ["-c", shell], { env, encoding: "utf8" })
    : spawnSync(process.execPath, [script, ...args], { env, encoding: "utf8" });
  return { status: res.status, stdout: res.stdout, stderr: res.stderr };
}

// The variables `eval "$(node scripts/platform-dev.js keys …)"` sets in sh.
function evalKeys(extra = "") {
  const names = ["CLERK_SECRET_KEY", "CLERK_PUBLISHABLE_KEY", "CLERK_JWT_KEY", "PLATFORM_OWNER_ID"];
  const res = run(null, { shell: `eval "$("${process.execPath}" "${script}" keys ${extra})" && node -e 'console.log(JSON.stringify(Object.fromEntries(${JSON.stringify(names)}.map((k) => [k, process.env[k]]))))'` });
  assert.equal(res.status, 0, res.stderr);
  return JSON.parse(res.stdout);
}

const decode = (part) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));

test("token before keys explains what to run", () => {
  const res = run(["token", "user_alice"]);
  assert.equal(res.status, 1);
  assert.match(res.stderr, /run `node scripts\/platform-dev\.js keys` first/);
});

test("keys: eval-able env lines; the key is kept private and reused", () => {
  const env = evalKeys("--owner user_alice");
  assert.match(env.CLERK_SECRET_KEY, /^sk_test_local[0-9a-f]{32}$/);
  assert.equal(frontendApiOf(env.CLERK_PUBLISHABLE_KEY), "clerk.keyaos.localhost");
  assert.match(env.CLERK_JWT_KEY, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n?$/);
  createPublicKey(env.CLERK_JWT_KEY); // parses
  assert.equal(env.PLATFORM_OWNER_ID, "user_alice");
  assert.equal(statSync(join(dir, "signing-key.pem")).mode & 0o077, 0, "the private key is readable by its owner only");
  assert.deepEqual(evalKeys("--owner user_alice"), env, "a second run prints the same key");
  assert.equal(run(["keys", "--owner", "user alice; rm"]).status, 1);
});

test("token: a one-hour session JWT for the user, signed with the printed key", () => {
  const env = evalKeys();
  assert.equal(env.PLATFORM_OWNER_ID, "user_local_owner");
  const res = run(["token", "user_bob"]);
  assert.equal(res.status, 0, res.stderr);
  const [h, p, s] = res.stdout.trim().split(".");
  assert.equal(decode(h).alg, "RS256");
  const claims = decode(p);
  assert.equal(claims.sub, "user_bob");
  assert.equal(claims.iss, `https://${frontendApiOf(env.CLERK_PUBLISHABLE_KEY)}`);
  assert.equal(claims.exp - claims.iat, 3600);
  assert.equal(verify("RSA-SHA256", Buffer.from(`${h}.${p}`), createPublicKey(env.CLERK_JWT_KEY), Buffer.from(s, "base64url")), true);
  const short = decode(run(["token", "user_bob", "--ttl", "120"]).stdout.split(".")[1]);
  assert.equal(short.exp - short.iat, 120);
  assert.equal(run(["token", "../etc"]).status, 1, "user ids are checked");
  assert.equal(run(["token", "user_bob", "--ttl", "0"]).status, 1);
});
