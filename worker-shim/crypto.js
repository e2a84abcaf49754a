// Secrets at rest: AES-256-GCM under ENCRYPTION_KEY, via WebCrypto.
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const keyCache = new Map();

function base64ToBytes(b64) {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function bytesToBase64(bytes) {
  let bin = "";
  for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
  return btoa(bin);
}

export function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// ENCRYPTION_KEY is 32 random bytes in base64; any other string is stretched
// with SHA-256 so a hand-typed passphrase still yields a 256-bit key.
async function aesKey(secret) {
  if (!secret) throw new Error("ENCRYPTION_KEY is not set");
  let key = keyCache.get(secret);
  if (!key) {
    let raw = null;
    try {
      raw = base64ToBytes(secret);
    } catch {
      raw = null;
    }
    if (!raw || raw.length !== 32) raw = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(secret)));
    key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    keyCache.set(secret, key);
  }
  return key;
}

// Format "v2:" + base64(iv || ciphertext), sealed with additional data (the
// row it belongs to), so a value copied to another row does not open.
const V2 = "v2:";

export async function seal(secret, plaintext, aad) {
  if (!aad) throw new Error("sealing needs additional data");
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const params = { name: "AES-GCM", iv, additionalData: encoder.encode(aad) };
  const ct = new Uint8Array(await crypto.subtle.encrypt(params, await aesKey(secret), encoder.encode(plaintext)));
  const out = new Uint8Array(iv.length + ct.length);
  out.set(iv);
  out.set(ct, iv.length);
  return V2 + bytesToBase64(out);
}

// Values without the prefix were sealed before additional data was used:
// they open without it (and are sealed again as v2 by the engine).
export async function open(secret, sealed, aad) {
  const v2 = sealed.startsWith(V2);
  if (v2 && !aad) throw new Error("opening needs additional data");
  const bytes = base64ToBytes(v2 ? sealed.slice(V2.length) : sealed);
  const params = { name: "AES-GCM", iv: bytes.subarray(0, 12), ...(v2 ? { additionalData: encoder.encode(aad) } : {}) };
  const pt = await crypto.subtle.decrypt(params, await aesKey(secret), bytes.subarray(12));
  return decoder.decode(pt);
}

export async function sha256Hex(text) {
  return bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text))));
}

export function randomHex(bytes) {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(bytes)));
}

// Imported verification keys, by JWK modulus or PEM text; bounded, since a
// JWKS rotates rarely and CLERK_JWT_KEY is one key.
const verifyKeys = new Map();
const VERIFY_KEYS_MAX = 32;
const RS256 = { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" };

function base64UrlToBytes(text) {
  return base64ToBytes(text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "="));
}

async function verifyKey(item) {
  const id = item.jwk ? "jwk:" + item.jwk.n + ":" + item.jwk.e : "pem:" + item.spki_pem;
  let key = verifyKeys.get(id);
  if (!key) {
    if (item.jwk) {
      key = await crypto.subtle.importKey("jwk", { kty: "RSA", n: item.jwk.n, e: item.jwk.e, alg: "RS256", ext: true }, RS256, false, ["verify"]);
    } else {
      const body = String(item.spki_pem || "").replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "").replace(/\s+/g, "");
      key = await crypto.subtle.importKey("spki", base64ToBytes(body), RS256, false, ["verify"]);
    }
    if (verifyKeys.size >= VERIFY_KEYS_MAX) verifyKeys.clear();
    verifyKeys.set(id, key);
  }
  return key;
}

// True only for a signature that verifies; a key that does not import, or a
// malformed signature, is false rather than an error the engine must parse.
export async function verifyRs256(item) {
  try {
    const key = await verifyKey(item);
    return await crypto.subtle.verify(RS256, key, base64UrlToBytes(item.signature || ""), encoder.encode(item.data || ""));
  } catch {
    return false;
  }
}

// HMAC-SHA256 of text under a secret (Stripe's webhook signatures), lower-case hex.
const hmacKeys = new Map();
export async function hmacSha256Hex(secret, text) {
  let key = hmacKeys.get(secret);
  if (!key) {
    key = await crypto.subtle.importKey("raw", encoder.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    if (hmacKeys.size >= 4) hmacKeys.clear();
    hmacKeys.set(secret, key);
  }
  return bytesToHex(new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(text))));
}
