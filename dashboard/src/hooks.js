import { useCallback, useEffect, useRef, useState } from "react";
import { api, cachedApi } from "./api.js";

// Loads `path` (null skips). Keeps the previous data while reloading, so
// tables and charts do not collapse and jump on refresh.
export function useResource(path, { cached = false } = {}) {
  const [state, setState] = useState({ data: undefined, error: null, loading: Boolean(path) });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!path) return undefined;
    let live = true;
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    (cached ? cachedApi(path) : api(path, { signal: ctl.signal })).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error) => live && error.name !== "AbortError" && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      live = false;
      ctl.abort();
    };
  }, [path, tick, cached]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  const setData = useCallback((fn) => setState((s) => ({ ...s, data: typeof fn === "function" ? fn(s.data) : fn })), []);
  return { ...state, reload, setData };
}

// The element's content width, for charts drawn in real pixels.
export function useWidth() {
  const ref = useRef(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return undefined;
    const ro = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0].contentRect.width);
      setWidth((prev) => (prev === w ? prev : w));
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return [ref, width];
}

// The current time, re-rendering every `ms` so relative times and cooldown
// countdowns stay current (and correct on any other re-render too).
export function useNow(ms = 30000) {
  const [, setTick] = useState(0);
  useEffect(() => {
    const id = setInterval(() => setTick((t) => t + 1), ms);
    return () => clearInterval(id);
  }, [ms]);
  return Date.now();
}

export function useDebounced(value, ms = 300) {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = setTimeout(() => setV(value), ms);
    return () => clearTimeout(id);
  }, [value, ms]);
  return v;
}

// A cursor-paged list (`{object:"list", data, has_more, next_cursor}`) read
// page by page: `more()` appends the next page. A new `path` (null skips) or
// `reload()` starts again from the first page; an answer to an older request
// is dropped.
export function usePagedList(path) {
  const [state, setState] = useState({ items: [], next: null, hasMore: false, loading: Boolean(path), error: null, loaded: false });
  const seq = useRef(0);
  const fetchPage = useCallback(
    (cursor) => {
      if (!path) return;
      const id = ++seq.current;
      setState((s) => ({ ...s, loading: true, error: null }));
      const sep = path.includes("?") ? "&" : "?";
      api(cursor ? `${path}${sep}cursor=${encodeURIComponent(cursor)}` : path).then(
        (page) => {
          if (id !== seq.current) return;
          const data = Array.isArray(page?.data) ? page.data : [];
          setState((s) => ({
            items: cursor ? [...s.items, ...data] : data,
            next: page?.has_more ? (page.next_cursor ?? null) : null,
            hasMore: Boolean(page?.has_more && page?.next_cursor),
            loading: false,
            error: null,
            loaded: true,
          }));
        },
        (error) => id === seq.current && setState((s) => ({ ...s, loading: false, error })),
      );
    },
    [path],
  );
  useEffect(() => {
    fetchPage(null);
    return () => {
      seq.current++;
    };
  }, [fetchPage]);
  const reload = useCallback(() => fetchPage(null), [fetchPage]);
  const more = useCallback(() => state.next && fetchPage(state.next), [fetchPage, state.next]);
  return { ...state, reload, more };
}
