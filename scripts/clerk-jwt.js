// Clerk-shaped session tokens and keys with node:crypto only, for local
// Platform instances (scripts/platform-dev.js) and tests (tests/support/clerk.js).
// A session token is an RS256 JWT whose `iss` is https://<frontend API>; the
// publishable key carries that frontend API as base64("<host>$").
import { createHash, createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, sign as rsaSign } from "node:crypto";

export const b64url = (data) => Buffer.from(data).toString("base64url");

export function publishableKey(frontendApi, { live = false } = {}) {
  return `pk_${live ? "live" : "test"}_${Buffer.from(`${frontendApi}$`).toString("base64")}`;
}

// The frontend API a publishable key names, or null when it is not in Clerk's format.
export function frontendApiOf(key) {
  const m = /^pk_(?:test|live)_([A-Za-z0-9+/=_-]+)$/.exec(String(key));
  if (!m) return null;
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  return decoded.endsWith("$") && decoded.length > 1 ? decoded.slice(0, -1) : null;
}

export const issuerOf = (frontendApi) => `https://${frontendApi}`;

// An RS256 signing key: the private key, its public PEM (what CLERK_JWT_KEY
// holds) and its JWK (what a JWKS lists). `privatePem` loads a saved key.
export function signingKey({ kid, privatePem } = {}) {
  const privateKey = privatePem ? createPrivateKey(privatePem) : generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  const publicKey = createPublicKey(privateKey);
  const publicPem = publicKey.export({ type: "spki", format: "pem" });
  // Without a kid given, one derived from the key, so a saved key keeps its kid.
  const id = kid ?? `ins_${createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("hex").slice(0, 24)}`;
  return {
    kid: id,
    privateKey,
    publicPem,
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }),
    jwk: { ...publicKey.export({ format: "jwk" }), kid: id, alg: "RS256", use: "sig" },
  };
}

// Claims of a Clerk session token for `sub`, valid `ttlSeconds` from now.
// Clerk backdates nbf by 10 s against clock skew.
export function sessionClaims({ sub, issuer, azp, sid = `sess_${createHash("sha256").update(String(sub)).digest("hex").slice(0, 24)}`, ttlSeconds = 60, now = Date.now() }) {
  const iat = Math.floor(now / 1000);
  return { sub, iss: issuer, azp, iat, nbf: iat - 10, exp: iat + ttlSeconds, sid };
}

// A compact JWT. `alg`: "RS256" (signed with key), "none" (empty signature) or
// "HS256" keyed with the key's public PEM (the RS/HS confusion attack).
// `header` fields override the defaults (alg, kid, typ).
export function signJwt(claims, key, { alg = "RS256", header = {} } = {}) {
  const head = { alg, typ: "JWT", ...(alg === "none" ? {} : { kid: key.kid }), ...header };
  const input = `${b64url(JSON.stringify(head))}.${b64url(JSON.stringify(claims))}`;
  let signature;
  if (alg === "none") signature = Buffer.alloc(0);
  else if (alg === "HS256") signature = createHmac("sha256", key.publicPem).update(input).digest();
  else if (alg === "RS256") signature = rsaSign("RSA-SHA256", Buffer.from(input), key.privateKey);
  else throw new Error(`signJwt: unsupported alg ${alg}`);
  return `${input}.${b64url(signature)}`;
}
