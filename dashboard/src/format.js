// Number, money and time formatting for the dashboard.

const intFmt = new Intl.NumberFormat("en-US");
const compactFmt = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

export function num(v) {
  return v === null || v === undefined || Number.isNaN(v) ? "—" : intFmt.format(v);
}

export function compact(v) {
  return v === null || v === undefined ? "—" : compactFmt.format(v);
}

// Costs range from billions of a dollar per request to dollars per month.
export function usd(v, { sign = false } = {}) {
  if (v === null || v === undefined || Number.isNaN(Number(v))) return "—";
  const n = Number(v);
  const abs = Math.abs(n);
  let body;
  if (abs === 0) body = "0.00";
  else if (abs >= 1) body = abs.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  else if (abs >= 0.01) body = abs.toFixed(4).replace(/0{1,2}$/, "");
  else body = trimZeros(abs.toPrecision(2));
  const prefix = n < 0 ? "−" : sign && n > 0 ? "+" : "";
  return `${prefix}$${body}`;
}

function trimZeros(s) {
  if (s.includes("e")) s = Number(s).toFixed(12);
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

// Catalogue prices: USD per 1M tokens.
export function perM(v) {
  if (v === null || v === undefined) return "—";
  const n = Number(v);
  if (n === 0) return "free";
  if (Number.isInteger(n)) return `$${n}`;
  if (Math.abs(n * 100 - Math.round(n * 100)) < 1e-9) return `$${n.toFixed(2)}`; // whole cents: $2.50
  return "$" + (n >= 100 ? n.toFixed(0) : trimZeros(n.toPrecision(3)));
}

export function ms(v) {
  if (v === null || v === undefined) return "—";
  return v >= 10000 ? `${(v / 1000).toFixed(1)} s` : v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`;
}

export function pct(v) {
  return v === null || v === undefined || !Number.isFinite(v) ? "—" : `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%`;
}

const dateTimeFmt = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
const dateFmt = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "short", day: "numeric" });
const timeFmt = new Intl.DateTimeFormat("en-US", { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });

export function dateTime(msEpoch) {
  return msEpoch ? dateTimeFmt.format(new Date(msEpoch)) : "—";
}
// Today's times without the date; older ones with it.
export function shortDateTime(msEpoch, now = Date.now()) {
  if (!msEpoch) return "—";
  const d = new Date(msEpoch);
  return d.toDateString() === new Date(now).toDateString() ? timeFmt.format(d) : dateTimeFmt.format(d);
}
export function date(msEpoch) {
  return msEpoch ? dateFmt.format(new Date(msEpoch)) : "—";
}
export function time(msEpoch) {
  return msEpoch ? timeFmt.format(new Date(msEpoch)) : "—";
}
export function isoTitle(msEpoch) {
  return msEpoch ? new Date(msEpoch).toISOString() : undefined;
}

const rtf = new Intl.RelativeTimeFormat("en-US", { numeric: "auto" });
export function relative(msEpoch, now = Date.now()) {
  if (!msEpoch) return "—";
  const diff = msEpoch - now;
  const abs = Math.abs(diff);
  if (abs < 45_000) return diff >= 0 ? "in a few seconds" : "just now";
  if (abs < 3_600_000) return rtf.format(Math.round(diff / 60_000), "minute");
  if (abs < 86_400_000) return rtf.format(Math.round(diff / 3_600_000), "hour");
  return rtf.format(Math.round(diff / 86_400_000), "day");
}

// "2025-11-27" -> "Nov 27" (the day is a UTC calendar day).
const dayFmt = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
export function dayLabel(day) {
  return dayFmt.format(new Date(`${day}T00:00:00Z`));
}

// Platform wallets count integer nano-USD (1 USD = 10^9 nusd). These format
// and parse with integer (BigInt) arithmetic, never through a float, so
// $0.10 + $0.20 shows as $0.30 and a balance shows to the last nano-dollar.
const NUSD_PER_USD = 1_000_000_000n;
export const NUSD_PER_CENT = 10_000_000;

function toBigInt(v) {
  if (typeof v === "bigint") return v;
  if (typeof v === "number") return Number.isSafeInteger(v) ? BigInt(v) : null;
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return BigInt(v.trim());
  return null;
}

function groupThousands(digits) {
  return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

// 10_000_000_000 -> "$10.00"; 6_600_000 -> "$0.0066"; -1 -> "−$0.000000001".
// At least two decimals, more only when the amount has them. `sign`: "+" on positive amounts.
export function nusd(v, { sign = false } = {}) {
  const n = toBigInt(v);
  if (n === null) return "—";
  const neg = n < 0n;
  const abs = neg ? -n : n;
  const whole = groupThousands((abs / NUSD_PER_USD).toString());
  let frac = (abs % NUSD_PER_USD).toString().padStart(9, "0").replace(/0+$/, "");
  if (frac.length < 2) frac = frac.padEnd(2, "0");
  const prefix = neg ? "−" : sign && n > 0n ? "+" : "";
  return `${prefix}$${whole}.${frac}`;
}

// Integer cents -> "$12.34" (or "$12" with `short` when it is whole dollars).
export function cents(v, { short = false } = {}) {
  if (!Number.isSafeInteger(v)) return "—";
  const s = nusd(BigInt(v) * BigInt(NUSD_PER_CENT));
  return short && s.endsWith(".00") ? s.slice(0, -3) : s;
}

// A dollar amount typed by a person -> integer cents, or an error message.
// Accepts "10", "10.5", "$1,250.00"; refuses fractions of a cent, signs and
// anything outside [minCents, maxCents].
export function parseDollars(text, { minCents = 1, maxCents = Number.MAX_SAFE_INTEGER } = {}) {
  const s = String(text ?? "").trim().replace(/^\$/, "").replace(/,(?=\d{3}(\D|$))/g, "");
  const range = `from ${cents(minCents)} to ${cents(maxCents)}`;
  const m = /^(\d+)(?:\.(\d{0,2}))?$/.exec(s);
  if (!s) return { error: `Enter an amount ${range}.` };
  if (!m) return { error: /^\d*\.\d{3,}$/.test(s) ? "Use whole cents: at most two digits after the point." : `Enter an amount in dollars, ${range}.` };
  const c = BigInt(m[1]) * 100n + BigInt((m[2] ?? "").padEnd(2, "0") || "0");
  if (c < BigInt(minCents) || c > BigInt(maxCents)) return { error: `Enter an amount ${range}.` };
  return { cents: Number(c) };
}
