// Platform mode (multi-tenant, signed in with Clerk) versus Core (one admin
// token). The gateway says which at /api/config; in Platform mode Clerk's
// browser bundle is loaded from the instance's frontend API, the install
// Clerk documents for plain JavaScript.
import { createContext, useContext } from "react";

export const ModeContext = createContext("core");
export const usePlatform = () => useContext(ModeContext) === "platform";

export async function loadConfig() {
  const res = await fetch("/api/config");
  if (!res.ok) throw new Error(`/api/config answered ${res.status}`);
  return res.json();
}

// The frontend API host a publishable key encodes: pk_test_/pk_live_ + base64("<host>$").
export function frontendApiOf(publishableKey) {
  const m = /^pk_(?:test|live)_([A-Za-z0-9+/]+={0,2})$/.exec(String(publishableKey ?? ""));
  if (!m) return null;
  let decoded = "";
  try {
    decoded = atob(m[1]);
  } catch {
    return null;
  }
  const host = decoded.endsWith("$") ? decoded.slice(0, -1) : "";
  // A host name only: it becomes part of a script URL.
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(host) ? host : null;
}

let clerkLoading = null;
// Clerk, loaded once per page; a failed load can be tried again.
export function loadClerk(publishableKey) {
  clerkLoading ??= new Promise((resolve, reject) => {
    const host = frontendApiOf(publishableKey);
    if (!host) throw new Error("The gateway's CLERK_PUBLISHABLE_KEY is not a Clerk publishable key.");
    const script = document.createElement("script");
    script.src = `https://${host}/npm/@clerk/clerk-js@5/dist/clerk.browser.js`;
    script.async = true;
    script.crossOrigin = "anonymous";
    script.dataset.clerkPublishableKey = publishableKey;
    script.onload = () => (window.Clerk ? resolve(window.Clerk) : reject(new Error(`${host} served no Clerk.`)));
    script.onerror = () => {
      script.remove();
      reject(new Error(`Could not load Clerk from ${host}.`));
    };
    document.head.appendChild(script);
  })
    .then(async (clerk) => {
      await clerk.load();
      return clerk;
    })
    .catch((err) => {
      clerkLoading = null;
      throw err;
    });
  return clerkLoading;
}
