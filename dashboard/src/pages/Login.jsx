import { useEffect, useRef, useState } from "react";
import { api, ApiError, setToken } from "../api.js";

export function Login({ message, onLogin }) {
  const [value, setValue] = useState("");
  const [show, setShow] = useState(false);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const inputRef = useRef(null);

  useEffect(() => {
    document.title = "Log in · Keyaos";
    inputRef.current?.focus();
  }, []);

  const submit = async (e) => {
    e.preventDefault();
    const token = value.trim();
    if (!token) {
      setError("Paste the ADMIN_TOKEN of this gateway.");
      inputRef.current?.focus();
      return;
    }
    setBusy(true);
    setError("");
    try {
      // The management API accepts only the admin token (API keys are for /v1).
      await api("/api/credentials", { token, quiet401: true });
      setToken(token);
      onLogin(token);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) setError("This token was not accepted. Use the gateway's ADMIN_TOKEN, not an sk-keyaos API key.");
      else setError(`Could not reach the gateway: ${err.message}`);
      inputRef.current?.focus();
    }
  };

  return (
    <LoginCard intro="Log in with the gateway's admin token to manage upstream keys, API keys and routing.">
      {message && (
        <p className="note note-info" role="status">
          {message}
        </p>
      )}
      <form onSubmit={submit} noValidate>
        <input type="text" name="username" autoComplete="username" value="admin" readOnly hidden />
        <div className="field">
          <label htmlFor="admin-token">Admin token</label>
          <div className="input-row">
            <input
              id="admin-token"
              ref={inputRef}
              type={show ? "text" : "password"}
              autoComplete="current-password"
              spellCheck={false}
              value={value}
              onChange={(e) => setValue(e.target.value)}
              aria-invalid={error ? true : undefined}
              aria-describedby={error ? "admin-token-error admin-token-hint" : "admin-token-hint"}
            />
            <button type="button" className="btn" onClick={() => setShow((s) => !s)} aria-pressed={show}>
              {show ? "Hide" : "Show"}
            </button>
          </div>
          <p className="field-hint" id="admin-token-hint">
            Set as the <code>ADMIN_TOKEN</code> secret; <code>npm start</code> keeps it in <code>.dev.vars</code>. It is stored in this browser only.
          </p>
          {error && (
            <p className="field-error" id="admin-token-error" role="alert">
              {error}
            </p>
          )}
        </div>
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? "Checking…" : "Log in"}
        </button>
      </form>
    </LoginCard>
  );
}

// The card every sign-in screen sits in; `wide` fits Clerk's sign-in form.
export function LoginCard({ intro, wide = false, children }) {
  return (
    <div className="login">
      <main className={`login-card${wide ? " login-card-wide" : ""}`}>
        <div className="login-brand">
          <img src="/favicon.svg" alt="" width="32" height="32" />
          <h1>Keyaos</h1>
        </div>
        {typeof intro === "string" ? <p className="muted">{intro}</p> : intro}
        {children}
      </main>
    </div>
  );
}
