import { useEffect, useState } from "react";

// Hash routes: #/logs, #/playground?model=openai/gpt-4o-mini
export function parseHash(hash = window.location.hash) {
  const raw = hash.replace(/^#\/?/, "");
  const [path, query = ""] = raw.split("?");
  return { page: path || "overview", params: new URLSearchParams(query) };
}

export function useRoute() {
  const [route, setRoute] = useState(() => parseHash());
  useEffect(() => {
    const on = () => setRoute(parseHash());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  return route;
}

export function href(page, params) {
  const q = params ? new URLSearchParams(params).toString() : "";
  return `#/${page}${q ? `?${q}` : ""}`;
}

// Updates the query of the current page without adding a history entry.
export function replaceParams(page, params) {
  const next = href(page, Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "")));
  if (window.location.hash !== next) window.history.replaceState(null, "", next);
}
