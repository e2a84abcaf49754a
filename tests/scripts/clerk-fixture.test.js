// The Clerk stand-in (tests/support/clerk.js) checked against node:crypto, so
// Platform tests cannot pass on tokens it signed wrongly: what it signs verifies
// with the key its JWKS lists, what is tampered with or forged does not.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHmac, createPublicKey, verify } from "node:crypto";
import { startClerk } from "../support/clerk.js";
import { frontendApiOf, signingKey } from "../../scripts/clerk-jwt.js";

let clerk;
before(async () => {
  clerk = await startClerk({ azp: "http://127.0.0.1:8787" });
});
after(() => clerk?.close());

const decode = (part) => JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
const jwks = async () => {
  const res = await fetch(clerk.jwksUrl);
  return { status: res.status, body: await res.json() };
};

// RS256 verification the way a relying party does it: the kid picks the JWKS key.
async function verifiesWithJwks(token) {
  const [h, p, s] = token.split(".");
  const header = decode(h);
  if (header.alg !== "RS256") return false;
  const jwk = (await jwks()).body.keys.find((k) => k.kid === header.kid);
  if (!jwk) return false;
  return verify("RSA-SHA256", Buffer.from(`${h}.${p}`), createPublicKey({ key: jwk, format: "jwk" }), Buffer.from(s, "base64url"));
}

test("the publishable key encodes the frontend API in Clerk's format; the issuer is its https origin", () => {
  assert.match(clerk.publishableKey, /^pk_test_[A-Za-z0-9+/]+=*$/);
  assert.equal(Buffer.from(clerk.publishableKey.slice("pk_test_".length), "base64").toString(), "clerk.keyaos.test$");
  assert.equal(frontendApiOf(clerk.publishableKey), "clerk.keyaos.test");
  assert.equal(frontendApiOf("pk_test_" + Buffer.from("no-dollar").toString("base64")), null);
  assert.equal(clerk.issuer, "https://clerk.keyaos.test");
  assert.match(clerk.secretKey, /^sk_test_/);
});

test("a signed token has Clerk's header and claims and verifies against its JWKS key; a tampered one does not", async () => {
  const before = clerk.jwksRequests;
  const token = clerk.sign({ sub: "user_alice" });
  const [h, p, s] = token.split(".");
  assert.deepEqual(decode(h), { alg: "RS256", typ: "JWT", kid: clerk.key.kid });
  const claims = decode(p);
  assert.equal(claims.sub, "user_alice");
  assert.equal(claims.iss, "https://clerk.keyaos.test");
  assert.equal(claims.azp, "http://127.0.0.1:8787");
  assert.match(claims.sid, /^sess_[0-9a-f]{24}$/);
  assert.equal(claims.exp - claims.iat, 60);
  assert.ok(claims.nbf <= claims.iat && Math.abs(claims.iat - Date.now() / 1000) < 5);
  assert.equal(await verifiesWithJwks(token), true);
  assert.equal(clerk.jwksRequests, before + 1, "each JWKS fetch is counted");

  const forgedClaims = Buffer.from(JSON.stringify({ ...claims, sub: "user_mallory" })).toString("base64url");
  assert.equal(await verifiesWithJwks(`${h}.${forgedClaims}.${s}`), false, "changed claims break the signature");
  const flipped = Buffer.from(s, "base64url");
  flipped[10] ^= 1;
  assert.equal(await verifiesWithJwks(`${h}.${p}.${flipped.toString("base64url")}`), false, "a changed signature fails");
  assert.equal(await verifiesWithJwks(clerk.sign({ sub: "user_alice" }, { key: signingKey() })), false, "a key the JWKS does not list fails");
});

test("claims and header can be overridden or left out", () => {
  const [h, p] = clerk.sign({ sub: "user_b", exp: 1, azp: undefined }, { kid: "ins_unknown", header: { typ: "at+jwt" } }).split(".");
  assert.deepEqual(decode(h), { alg: "RS256", typ: "at+jwt", kid: "ins_unknown" });
  assert.equal(decode(p).exp, 1);
  assert.equal("azp" in decode(p), false);
  assert.equal(decode(clerk.sign({}, { ttlSeconds: 3600 }).split(".")[1]).exp - decode(clerk.sign().split(".")[1]).iat, 3600);
});

test("forgeries: alg none has no signature; HS256 is an HMAC keyed with the public PEM", async () => {
  const none = clerk.sign({ sub: "user_x" }, { alg: "none" });
  const [nh, np, ns] = none.split(".");
  assert.deepEqual(decode(nh), { alg: "none", typ: "JWT" });
  assert.equal(decode(np).sub, "user_x");
  assert.equal(ns, "");
  assert.equal(await verifiesWithJwks(none), false);

  const hs = clerk.sign({ sub: "user_x" }, { alg: "HS256" });
  const [hh, hp, hsig] = hs.split(".");
  assert.equal(decode(hh).alg, "HS256");
  assert.equal(decode(hh).kid, clerk.key.kid);
  assert.equal(createHmac("sha256", clerk.jwtKeyPem).update(`${hh}.${hp}`).digest("base64url"), hsig);
  assert.equal(await verifiesWithJwks(hs), false);
});

test("rotate adds a signing key; dropOld leaves only the new one; failJwks answers 500", async () => {
  const first = clerk.key;
  const oldToken = clerk.sign({ sub: "user_r" });
  const second = clerk.rotate();
  assert.notEqual(second.kid, first.kid);
  assert.deepEqual((await jwks()).body.keys.map((k) => k.kid), [first.kid, second.kid]);
  assert.equal(decode(clerk.sign().split(".")[0]).kid, second.kid, "new tokens use the new key");
  assert.equal(await verifiesWithJwks(oldToken), true, "the old key still verifies until dropped");
  assert.equal(createPublicKey(clerk.jwtKeyPem).export({ format: "jwk" }).n, second.jwk.n, "jwtKeyPem is the signing key's");

  const third = clerk.rotate({ dropOld: true });
  assert.deepEqual((await jwks()).body.keys.map((k) => k.kid), [third.kid]);
  assert.equal(await verifiesWithJwks(oldToken), false);

  clerk.failJwks();
  assert.equal((await jwks()).status, 500);
  clerk.failJwks(false);
  assert.equal((await jwks()).status, 200);
  assert.equal((await fetch(clerk.jwksUrl.replace("jwks.json", "other"))).status, 404);
});

test("bindings: the Worker env for Platform mode, with the JWKS URL or the PEM", () => {
  assert.deepEqual(clerk.bindings(), {
    CLERK_SECRET_KEY: clerk.secretKey,
    CLERK_PUBLISHABLE_KEY: clerk.publishableKey,
    CLERK_JWKS_URL: clerk.jwksUrl,
  });
  const all = clerk.bindings({ ownerId: "user_owner", authorizedParties: ["http://a.test", "http://b.test"], allowPrivateHosts: true, networkless: true });
  assert.equal(all.CLERK_JWKS_URL, undefined);
  assert.equal(all.CLERK_JWT_KEY, clerk.jwtKeyPem);
  assert.match(all.CLERK_JWT_KEY, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+\n-----END PUBLIC KEY-----\n$/);
  assert.equal(all.CLERK_AUTHORIZED_PARTIES, "http://a.test,http://b.test");
  assert.equal(all.PLATFORM_OWNER_ID, "user_owner");
  assert.equal(all.PLATFORM_ALLOW_PRIVATE_HOSTS, "true");
});
