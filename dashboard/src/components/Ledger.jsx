// Platform mode: which way credits moved for a request. A log row is "spent"
// (you called, another account's key served), "earned" (your key served
// another account) or "self" (your key served you: nothing moves).
import { usd } from "../format.js";
import { Badge } from "./ui.jsx";

const DIRECTIONS = {
  spent: { label: "Spent", tone: "neutral", title: "You paid credits to the account whose key served it" },
  earned: { label: "Earned", tone: "ok", title: "Your key served another account, which paid you credits" },
  self: { label: "Self", tone: "neutral", title: "Your own key served it: no credits move" },
};

export function DirectionBadge({ direction }) {
  const d = DIRECTIONS[direction];
  return d ? (
    <Badge tone={d.tone} title={d.title}>
      {d.label}
    </Badge>
  ) : (
    <span className="muted">—</span>
  );
}

// Negative when spent, positive when earned, zero for self.
export function NetAmount({ log }) {
  const n = Number(log.net_usd);
  return <span className={n > 0 ? "nowrap amount-earned" : "nowrap"}>{usd(log.net_usd, { sign: true })}</span>;
}
