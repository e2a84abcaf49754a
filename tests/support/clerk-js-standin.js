// A stand-in for Clerk's browser bundle (clerk.browser.js), served by the
// Platform e2e test in place of https://<frontend api>/npm/@clerk/clerk-js@5/dist/clerk.browser.js.
// It implements the part of Clerk's API the dashboard uses (load, user,
// session.getToken, addListener, mount/unmount of SignIn and UserButton,
// signOut) and, like Clerk, talks to its frontend API at the script's own
// origin: POST /v1/client/sign_ins (form-encoded identifier) signs in,
// POST /v1/client/sessions/<sid>/tokens returns {jwt} for the session. The
// test answers those with tokens signed by tests/support/clerk.js.
(() => {
  const script = document.currentScript;
  const frontendApi = new URL(script.src).origin;
  const STORE = "clerk-standin.session"; // Clerk keeps its client in a cookie; this survives reloads the same way
  const listeners = new Set();

  const post = async (path, form) => {
    const res = await fetch(frontendApi + path, { method: "POST", body: form ? new URLSearchParams(form) : undefined });
    const body = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(body.errors?.[0]?.message || `Clerk answered ${res.status}`);
    return body;
  };

  function signedIn({ user, session }) {
    clerk.user = { id: user.id, primaryEmailAddress: { emailAddress: user.email } };
    clerk.session = {
      id: session.id,
      status: "active",
      // A new token on every call, as Clerk's short-lived session tokens.
      getToken: async () => (await post(`/v1/client/sessions/${encodeURIComponent(session.id)}/tokens`)).jwt,
    };
  }

  const emit = () => {
    for (const fn of listeners) fn({ user: clerk.user, session: clerk.session });
  };

  const clerk = {
    publishableKey: script.dataset.clerkPublishableKey,
    loaded: false,
    user: null,
    session: null,
    async load() {
      const saved = localStorage.getItem(STORE);
      if (saved) signedIn(JSON.parse(saved));
      clerk.loaded = true;
    },
    addListener(fn) {
      listeners.add(fn);
      if (clerk.loaded) fn({ user: clerk.user, session: clerk.session });
      return () => listeners.delete(fn);
    },
    mountSignIn(el) {
      const form = document.createElement("form");
      form.className = "cl-standin-sign-in";
      form.innerHTML =
        '<label>Email address <input type="email" name="identifier" autocomplete="email" required></label>' +
        '<p role="alert" class="cl-standin-error"></p><button type="submit">Continue</button>';
      form.addEventListener("submit", async (e) => {
        e.preventDefault();
        try {
          const result = await post("/v1/client/sign_ins", { identifier: form.identifier.value });
          localStorage.setItem(STORE, JSON.stringify(result));
          signedIn(result);
          emit();
        } catch (err) {
          form.querySelector(".cl-standin-error").textContent = err.message;
        }
      });
      el.replaceChildren(form);
    },
    unmountSignIn(el) {
      el.replaceChildren();
    },
    mountUserButton(el) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "cl-standin-user-button";
      button.setAttribute("aria-label", "Open user menu");
      button.textContent = clerk.user?.primaryEmailAddress.emailAddress ?? "";
      el.replaceChildren(button);
    },
    unmountUserButton(el) {
      el.replaceChildren();
    },
    async signOut() {
      localStorage.removeItem(STORE);
      clerk.user = null;
      clerk.session = null;
      emit();
    },
  };
  window.Clerk = clerk;
})();
