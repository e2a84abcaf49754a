// The gateway's HTTP API, same origin as the dashboard. Every call carries the
// admin token (Core) or a Clerk session token (Platform); in Core a 401
// anywhere ends the session and returns to the login page.

const TOKEN_KEY = "keyaos.admin_token";

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || `Request failed with status ${status}`);
    this.name = "ApiError";
    this.status = status;
    this.type = error?.type ?? null;
    this.code = error?.code ?? null;
    this.param = error?.param ?? null;
  }
}

let unauthorizedHandler = null;
export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}

export function getToken() {
  try {
    return localStorage.getItem(TOKEN_KEY) || "";
  } catch {
    return "";
  }
}

export function setToken(token) {
  localStorage.setItem(TOKEN_KEY, token);
}

export function clearToken() {
  try {
    localStorage.removeItem(TOKEN_KEY);
  } catch {}
  cache.clear();
}

// Platform mode: a function returning a session token. Clerk's tokens live
// 60 s, so each call asks for one (Clerk refreshes it when needed).
let sessionToken = null;
export function setSessionTokenSource(fn) {
  sessionToken = fn;
}

export async function authHeaders(token) {
  const bearer = token ?? (sessionToken ? ((await sessionToken()) ?? "") : getToken());
  return { authorization: `Bearer ${bearer}` };
}

// Reads an error body in the gateway's OpenAI shape, or makes one up from the status.
export async function errorFrom(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {}
  return new ApiError(res.status, body?.error ?? { message: `${res.status} ${res.statusText || "error"}` });
}

export function reportUnauthorized(err) {
  if (err instanceof ApiError && err.status === 401) unauthorizedHandler?.(err);
}

// api("/api/credentials"), api("/api/credentials", { method: "POST", body: {...} })
export async function api(path, { method = "GET", body, signal, token, quiet401 = false } = {}) {
  const headers = await authHeaders(token);
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  if (!res.ok) {
    const err = await errorFrom(res);
    if (!quiet401) reportUnauthorized(err);
    throw err;
  }
  if (res.status === 204) return null;
  const text = await res.text();
  return text ? JSON.parse(text) : null;
}

// Lists that rarely change within a session (providers, catalogue) are fetched once.
const cache = new Map();
export function cachedApi(path) {
  if (!cache.has(path)) {
    const p = api(path).catch((err) => {
      cache.delete(path);
      throw err;
    });
    cache.set(path, p);
  }
  return cache.get(path);
}
export function invalidate(prefix) {
  for (const key of [...cache.keys()]) if (key.startsWith(prefix)) cache.delete(key);
}

export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== "") q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : "";
}
