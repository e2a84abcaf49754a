import { useMemo } from "react";
import { useResource } from "./hooks.js";

// Provider names and guides, fetched once per session.
export function useProviders() {
  const res = useResource("/api/providers", { cached: true });
  const list = useMemo(() => [...(res.data?.data ?? [])].sort((a, b) => a.name.localeCompare(b.name)), [res.data]);
  const byId = useMemo(() => new Map(list.map((p) => [p.id, p])), [list]);
  return { ...res, list, byId, name: (id) => (id ? byId.get(id)?.name ?? id : "—") };
}

// Models the caller can route right now (credentials held), with best prices;
// `type` keeps only chat or only embedding models.
export function useRoutableModels(type) {
  const res = useResource("/v1/models");
  const list = useMemo(
    () => (res.data?.data ?? []).filter((m) => !type || (m.type || "chat") === type).sort((a, b) => a.id.localeCompare(b.id)),
    [res.data, type],
  );
  return { ...res, list };
}

// The last `days` UTC calendar days, oldest first, as "YYYY-MM-DD".
export function lastDays(days, now = Date.now()) {
  const out = [];
  const today = new Date(now);
  const base = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  for (let i = days - 1; i >= 0; i--) out.push(new Date(base - i * 86_400_000).toISOString().slice(0, 10));
  return out;
}
