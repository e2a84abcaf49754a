// A stand-in for Clerk's side of Platform mode, with no network beyond
// loopback: RSA keys (one kid each), a JWKS on 127.0.0.1 that counts its
// requests and can be rotated or told to fail, and session tokens signed as
// Clerk signs them, or forged in the ways an attacker would try.
import { createServer } from "node:http";
import { randomBytes } from "node:crypto";
import { issuerOf, publishableKey, sessionClaims, signJwt, signingKey } from "../../scripts/clerk-jwt.js";

// `frontendApi`: the host the publishable key encodes (the issuer is https://<it>).
// `azp`: the origin put in tokens unless sign() is given another.
export async function startClerk({ frontendApi = "clerk.keyaos.test", azp = "http://localhost:8787" } = {}) {
  const newKey = () => signingKey({ kid: `ins_test_${randomBytes(6).toString("hex")}` });
  let keys = [newKey()];
  let failing = false;
  let jwksRequests = 0;

  const server = createServer((req, res) => {
    if (req.method !== "GET" || new URL(req.url, "http://x").pathname !== "/.well-known/jwks.json") {
      res.writeHead(404).end();
      return;
    }
    jwksRequests++;
    if (failing) {
      res.writeHead(500, { "content-type": "application/json" }).end('{"errors":[{"code":"internal_error"}]}');
      return;
    }
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: keys.map((k) => k.jwk) }));
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  const jwksUrl = `http://127.0.0.1:${server.address().port}/.well-known/jwks.json`;
  const issuer = issuerOf(frontendApi);
  const current = () => keys[keys.length - 1];
  const pk = publishableKey(frontendApi);
  const secretKey = `sk_test_${randomBytes(18).toString("hex")}`;

  return {
    frontendApi,
    issuer,
    jwksUrl,
    publishableKey: pk,
    secretKey,
    get keys() {
      return [...keys];
    },
    // The key tokens are signed with by default (the newest).
    get key() {
      return current();
    },
    get jwtKeyPem() {
      return current().publicPem;
    },
    get jwksRequests() {
      return jwksRequests;
    },
    // Adds a key that signs from now on; `dropOld` removes the others from the JWKS.
    rotate({ dropOld = false } = {}) {
      const next = newKey();
      keys = dropOld ? [next] : [...keys, next];
      return next;
    },
    // While set, the JWKS answers 500.
    failJwks(on = true) {
      failing = on;
    },
    // A session token. `claims` override the defaults (sub, iss, azp, iat, nbf,
    // exp = +60 s, sid); a claim set to undefined is left out.
    // Options: `key` (one of `keys`, or a foreign signingKey()), `kid` (the
    // header's kid, e.g. one the JWKS does not list), `header` (other header
    // fields), `alg` ("RS256", "none", or "HS256" keyed with the public PEM).
    sign(claims = {}, { key = current(), kid, header = {}, alg = "RS256", ttlSeconds = 60 } = {}) {
      const all = { ...sessionClaims({ sub: claims.sub ?? "user_test", issuer, azp, ttlSeconds }), ...claims };
      for (const k of Object.keys(all)) if (all[k] === undefined) delete all[k];
      return signJwt(all, key, { alg, header: kid === undefined ? header : { kid, ...header } });
    },
    // The Worker env that turns on Platform mode against this Clerk.
    // `networkless`: the public key as CLERK_JWT_KEY instead of CLERK_JWKS_URL.
    bindings({ ownerId, authorizedParties, allowPrivateHosts = false, networkless = false } = {}) {
      return {
        CLERK_SECRET_KEY: secretKey,
        CLERK_PUBLISHABLE_KEY: pk,
        ...(networkless ? { CLERK_JWT_KEY: current().publicPem } : { CLERK_JWKS_URL: jwksUrl }),
        ...(authorizedParties ? { CLERK_AUTHORIZED_PARTIES: [].concat(authorizedParties).join(",") } : {}),
        ...(ownerId ? { PLATFORM_OWNER_ID: ownerId } : {}),
        ...(allowPrivateHosts ? { PLATFORM_ALLOW_PRIVATE_HOSTS: "true" } : {}),
      };
    },
    close: () =>
      new Promise((r) => {
        server.closeAllConnections?.();
        server.close(() => r());
      }),
  };
}
