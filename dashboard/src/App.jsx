import { useEffect, useRef, useState } from "react";
import { clearToken, getToken, invalidate, onUnauthorized, setSessionTokenSource } from "./api.js";
import { loadClerk, loadConfig, ModeContext, usePlatform } from "./platform.js";
import { useResource } from "./hooks.js";
import { href, useRoute } from "./router.js";
import { CopyButton, ErrorNote, Loading, ToastProvider } from "./components/ui.jsx";
import { Login, LoginCard } from "./pages/Login.jsx";
import { Overview } from "./pages/Overview.jsx";
import { Credentials } from "./pages/Credentials.jsx";
import { ApiKeys } from "./pages/ApiKeys.jsx";
import { Models } from "./pages/Models.jsx";
import { Logs } from "./pages/Logs.jsx";
import { Playground } from "./pages/Playground.jsx";
import { Credits } from "./pages/Credits.jsx";
import { Admin } from "./pages/Admin.jsx";

// `platform`: only in Platform mode; `admin`: only for the operator (/api/me's is_admin).
const PAGES = [
  { id: "overview", label: "Overview", Component: Overview },
  { id: "credentials", label: "Credentials", Component: Credentials },
  { id: "api-keys", label: "API keys", Component: ApiKeys },
  { id: "models", label: "Models", Component: Models },
  { id: "logs", label: "Logs", Component: Logs },
  { id: "playground", label: "Playground", Component: Playground },
  { id: "credits", label: "Credits", Component: Credits, platform: true },
  { id: "admin", label: "Admin", Component: Admin, platform: true, admin: true },
];

// The gateway's /api/config names the mode; nothing is drawn before it answers.
export function App() {
  const [config, setConfig] = useState(null);
  const [error, setError] = useState(null);
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    setError(null);
    loadConfig().then(setConfig, setError);
  }, [attempt]);
  if (error)
    return (
      <LoginCard intro="Could not ask the gateway how to sign in.">
        <ErrorNote error={error} onRetry={() => setAttempt((n) => n + 1)} />
      </LoginCard>
    );
  if (!config) return null;
  const platform = config.mode === "platform";
  return (
    <ModeContext.Provider value={platform ? "platform" : "core"}>
      <ToastProvider>{platform ? <PlatformApp publishableKey={config.clerk_publishable_key} /> : <CoreApp />}</ToastProvider>
    </ModeContext.Provider>
  );
}

// Core: one operator, signed in with the gateway's ADMIN_TOKEN.
function CoreApp() {
  const [token, setTokenState] = useState(() => getToken());
  const [loginMessage, setLoginMessage] = useState("");

  useEffect(() => {
    onUnauthorized(() => {
      clearToken();
      setLoginMessage("The gateway did not accept the saved token (401). Log in again with your ADMIN_TOKEN.");
      setTokenState("");
    });
    return () => onUnauthorized(null);
  }, []);

  const logout = () => {
    clearToken();
    setLoginMessage("You are logged out.");
    setTokenState("");
  };

  return token ? (
    <Shell
      account={
        <button type="button" className="btn btn-ghost" onClick={logout}>
          Log out
        </button>
      }
    />
  ) : (
    <Login
      message={loginMessage}
      onLogin={(t) => {
        setLoginMessage("");
        setTokenState(t);
      }}
    />
  );
}

// Platform: each user signs in with Clerk; API calls carry their session token.
function PlatformApp({ publishableKey }) {
  const [clerk, setClerk] = useState(null);
  const [user, setUser] = useState(null);
  const [error, setError] = useState(null);
  const [attempt, setAttempt] = useState(0);

  const shownUser = useRef(null);

  useEffect(() => {
    let live = true;
    let unsubscribe = null;
    // Another account's lists must not come from the cache: drop it before that account's pages render.
    const follow = (next) => {
      if (!live) return;
      if ((next?.id ?? null) !== shownUser.current) invalidate("");
      shownUser.current = next?.id ?? null;
      setUser(next ?? null);
    };
    setError(null);
    loadClerk(publishableKey).then(
      (c) => {
        if (!live) return;
        setSessionTokenSource(() => c.session?.getToken() ?? null);
        follow(c.user);
        setClerk(c);
        unsubscribe = c.addListener((resources) => follow(resources.user));
      },
      (err) => live && setError(err),
    );
    return () => {
      live = false;
      unsubscribe?.();
    };
  }, [publishableKey, attempt]);

  const userId = user?.id ?? null;

  if (error)
    return (
      <LoginCard intro="Sign-in is provided by Clerk, which did not load.">
        <ErrorNote error={error} onRetry={() => setAttempt((n) => n + 1)} />
      </LoginCard>
    );
  if (!clerk) return <LoginCard intro={<Loading label="Loading sign-in…" rows={2} />} />;
  if (!userId) return <ClerkSignIn clerk={clerk} />;
  return <Shell key={userId} account={<ClerkAccount clerk={clerk} />} />;
}

function ClerkSignIn({ clerk }) {
  const ref = useRef(null);
  useEffect(() => {
    document.title = "Sign in · Keyaos";
    const el = ref.current;
    clerk.mountSignIn(el);
    return () => clerk.unmountSignIn(el);
  }, [clerk]);
  return (
    <LoginCard wide intro="Sign in to contribute upstream keys to the shared pool, earn credits when others use them, and spend credits on any model.">
      <div ref={ref} className="clerk-sign-in" />
    </LoginCard>
  );
}

function ClerkAccount({ clerk }) {
  const ref = useRef(null);
  useEffect(() => {
    const el = ref.current;
    clerk.mountUserButton(el);
    return () => clerk.unmountUserButton(el);
  }, [clerk]);
  return (
    <>
      <div ref={ref} className="user-button" />
      <button type="button" className="btn btn-ghost" onClick={() => clerk.signOut()}>
        Sign out
      </button>
    </>
  );
}

function Shell({ account }) {
  const route = useRoute();
  const platform = usePlatform();
  const me = useResource(platform ? "/api/me" : null);
  const isAdmin = me.data?.is_admin === true;
  const pages = PAGES.filter((p) => (!p.platform || platform) && (!p.admin || isAdmin));
  // An operator's link to an admin page waits for /api/me rather than showing the overview first.
  const waiting = platform && !me.data && !me.error && PAGES.some((p) => p.id === route.page && p.admin);
  const page = pages.find((p) => p.id === route.page) || pages[0];
  const mainRef = useRef(null);
  const first = useRef(true);
  const baseUrl = `${window.location.origin}/v1`;

  useEffect(() => {
    document.title = `${page.label} · Keyaos`;
    // On a phone the menu scrolls sideways: keep the current page's tab in view.
    const nav = document.querySelector(".sidenav ul");
    const current = nav?.querySelector('[aria-current="page"]');
    if (nav && current && nav.scrollWidth > nav.clientWidth) nav.scrollTo({ left: current.offsetLeft - (nav.clientWidth - current.offsetWidth) / 2 });
    // Move focus to the new page's heading, except on the first load.
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.querySelector("[data-page-title]")?.focus({ preventScroll: false });
    window.scrollTo(0, 0);
  }, [page.id]);

  const Page = page.Component;
  return (
    <div className="shell">
      <button type="button" className="skip-link" onClick={() => mainRef.current?.querySelector("[data-page-title]")?.focus()}>
        Skip to content
      </button>
      <header className="topbar">
        <a className="brand" href={href("overview")}>
          <img src="/favicon.svg" alt="" width="22" height="22" />
          Keyaos
        </a>
        <div className="endpoint">
          <span className="muted endpoint-label">OpenAI base URL</span>
          <code className="endpoint-url">{baseUrl}</code>
          <CopyButton text={baseUrl} ariaLabel="Copy the OpenAI base URL" />
        </div>
        {account}
      </header>
      <nav className="sidenav" aria-label="Dashboard">
        <ul>
          {pages.map((p) => (
            <li key={p.id}>
              <a href={href(p.id)} aria-current={p.id === page.id ? "page" : undefined}>
                {p.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={mainRef} className="content">
        {waiting ? <Loading /> : <Page key={page.id} params={route.params} />}
      </main>
    </div>
  );
}
