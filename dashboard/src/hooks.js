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
