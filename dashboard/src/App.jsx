import { useEffect, useRef, useState } from "react";
import { clearToken, getToken, onUnauthorized } from "./api.js";
import { href, useRoute } from "./router.js";
import { CopyButton, ToastProvider } from "./components/ui.jsx";
import { Login } from "./pages/Login.jsx";
import { Overview } from "./pages/Overview.jsx";
import { Credentials } from "./pages/Credentials.jsx";
import { ApiKeys } from "./pages/ApiKeys.jsx";
import { Models } from "./pages/Models.jsx";
import { Logs } from "./pages/Logs.jsx";
import { Playground } from "./pages/Playground.jsx";

const PAGES = [
  { id: "overview", label: "Overview", Component: Overview },
  { id: "credentials", label: "Credentials", Component: Credentials },
  { id: "api-keys", label: "API keys", Component: ApiKeys },
  { id: "models", label: "Models", Component: Models },
  { id: "logs", label: "Logs", Component: Logs },
  { id: "playground", label: "Playground", Component: Playground },
];

export function App() {
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

  return (
    <ToastProvider>
      {token ? (
        <Shell onLogout={logout} />
      ) : (
        <Login
          message={loginMessage}
          onLogin={(t) => {
            setLoginMessage("");
            setTokenState(t);
          }}
        />
      )}
    </ToastProvider>
  );
}

function Shell({ onLogout }) {
  const route = useRoute();
  const page = PAGES.find((p) => p.id === route.page) || PAGES[0];
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
        <button type="button" className="btn btn-ghost" onClick={onLogout}>
          Log out
        </button>
      </header>
      <nav className="sidenav" aria-label="Dashboard">
        <ul>
          {PAGES.map((p) => (
            <li key={p.id}>
              <a href={href(p.id)} aria-current={p.id === page.id ? "page" : undefined}>
                {p.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={mainRef} className="content">
        <Page key={page.id} params={route.params} />
      </main>
    </div>
  );
}
