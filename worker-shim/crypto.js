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

export async function seal(secret, plaintext) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv }, await aesKey(secret), encoder.encode(plaintext)));
  const out = new Uint8Array(iv.length + ct.length);
  out.set(iv);
  out.set(ct, iv.length);
  return bytesToBase64(out);
}

export async function open(secret, sealed) {
  const bytes = base64ToBytes(sealed);
  const pt = await crypto.subtle.decrypt({ name: "AES-GCM", iv: bytes.subarray(0, 12) }, await aesKey(secret), bytes.subarray(12));
  return decoder.decode(pt);
}

export async function sha256Hex(text) {
  return bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text))));
}

export function randomHex(bytes) {
  return bytesToHex(crypto.getRandomValues(new Uint8Array(bytes)));
}
