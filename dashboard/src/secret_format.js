// The gateway's secret format rule (wasm/catalog/secret_format.cpp), applied
// to a provider's `secret_format` from /api/providers, so the form's verdict
// is the one the gateway gives: one of the prefixes (or none), then
// min_length to max_length characters of the alphabet, the prefix not counted.

const visible = (c) => c > 0x20 && c < 0x7f;
const digit = (c) => c >= 0x30 && c <= 0x39;
const lower = (c) => c >= 0x61 && c <= 0x7a;
const upper = (c) => c >= 0x41 && c <= 0x5a;

const ALPHABETS = {
  hex: (c) => digit(c) || (c >= 0x61 && c <= 0x66),
  base62: (c) => digit(c) || lower(c) || upper(c),
  base64url: (c) => digit(c) || lower(c) || upper(c) || c === 0x2d || c === 0x5f,
  printable: visible,
};

function alphabetTest(alphabet) {
  if (typeof alphabet === "string") return ALPHABETS[alphabet] || null;
  if (alphabet && typeof alphabet.chars === "string") {
    const chars = new Set([...alphabet.chars].map((ch) => ch.charCodeAt(0)));
    return (c) => chars.has(c);
  }
  return null;
}

// true or false; null when the format is missing or unreadable (the gateway decides).
export function secretMatches(format, secret) {
  if (!format || typeof secret !== "string") return null;
  const inAlphabet = alphabetTest(format.alphabet);
  if (!inAlphabet) return null;
  const min = Number.isInteger(format.min_length) ? format.min_length : 1;
  const max = Number.isInteger(format.max_length) ? format.max_length : Infinity;
  const bodyFits = (body) => {
    if (body.length < min || body.length > max) return false;
    for (let i = 0; i < body.length; i++) if (!inAlphabet(body.charCodeAt(i))) return false;
    return true;
  };
  const prefixes = Array.isArray(format.prefixes) ? format.prefixes : [];
  if (prefixes.length === 0) return bodyFits(secret);
  return prefixes.some((p) => typeof p === "string" && secret.startsWith(p) && bodyFits(secret.slice(p.length)));
}

// What the form says about a trimmed secret: null (nothing to say), or
// {ok: true} / {ok: false, message}.
export function secretVerdict(provider, secret) {
  if (!provider || !secret) return null;
  // An API-key provider refuses a credential file (the gateway says the same).
  if (provider.auth_kind === "bearer" && secret.startsWith("{"))
    return { ok: false, message: `${provider.name} takes an API key, not a JSON credential file.` };
  const ok = secretMatches(provider.secret_format, secret);
  if (ok === null) return null;
  return ok ? { ok: true } : { ok: false, message: null };
}
