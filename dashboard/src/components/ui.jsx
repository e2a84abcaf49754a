import { createContext, useCallback, useContext, useEffect, useId, useRef, useState } from "react";

export function PageHeader({ title, description, actions }) {
  return (
    <header className="page-header">
      <div>
        <h1 tabIndex={-1} data-page-title>
          {title}
        </h1>
        {description && <p className="muted">{description}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </header>
  );
}

export function Card({ title, actions, children, className = "", headingLevel = 2, id }) {
  const H = `h${headingLevel}`;
  const headingId = `${useId()}-h`;
  return (
    <section className={`card ${className}`} id={id} aria-labelledby={title ? headingId : undefined}>
      {(title || actions) && (
        <div className="card-head">
          {title && <H id={headingId}>{title}</H>}
          {actions && <div className="card-actions">{actions}</div>}
        </div>
      )}
      {children}
    </section>
  );
}

// A KPI tile: label, value, a line under it.
export function Stat({ label, value, sub, tone, ...rest }) {
  return (
    <div className={`stat ${tone ? `stat-${tone}` : ""}`} {...rest}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      <div className="stat-sub muted">{sub || "\u00a0"}</div>
    </div>
  );
}

export function Badge({ tone = "neutral", children, title }) {
  return (
    <span className={`badge badge-${tone}`} title={title}>
      {children}
    </span>
  );
}

export function ErrorNote({ error, onRetry, children }) {
  if (!error && !children) return null;
  return (
    <div className="note note-error" role="alert">
      <span>{children || error?.message || String(error)}</span>
      {onRetry && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          Retry
        </button>
      )}
    </div>
  );
}

export function Loading({ label = "Loading…", rows = 3 }) {
  return (
    <div className="loading" role="status" aria-live="polite" style={{ minHeight: `${rows * 2.4}rem` }}>
      <span className="spinner" aria-hidden="true" />
      {label}
    </div>
  );
}

export function Empty({ title, children }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children && <div className="muted">{children}</div>}
    </div>
  );
}

async function writeClipboard(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain http on a LAN address has no async clipboard: fall back to a selection copy.
  const ta = document.createElement("textarea");
  ta.value = text;
  ta.setAttribute("readonly", "");
  ta.style.position = "fixed";
  ta.style.opacity = "0";
  document.body.appendChild(ta);
  ta.select();
  const ok = document.execCommand("copy");
  ta.remove();
  if (!ok) throw new Error("copy failed");
}

export function CopyButton({ text, label = "Copy", className = "btn btn-small", ariaLabel }) {
  const [state, setState] = useState("idle");
  useEffect(() => {
    if (state === "idle") return undefined;
    const id = setTimeout(() => setState("idle"), 1800);
    return () => clearTimeout(id);
  }, [state]);
  const copy = async () => {
    try {
      await writeClipboard(text);
      setState("copied");
    } catch {
      setState("failed");
    }
  };
  return (
    <button type="button" className={className} onClick={copy} aria-label={ariaLabel}>
      <span aria-live="polite">{state === "copied" ? "Copied" : state === "failed" ? "Copy failed" : label}</span>
    </button>
  );
}

// An on/off switch: a real button, so Space and Enter work.
export function Toggle({ checked, onChange, label, disabled, showText = true }) {
  return (
    <button type="button" role="switch" aria-checked={checked} aria-label={label} className="switch" disabled={disabled} onClick={() => onChange(!checked)}>
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      {showText && <span className="switch-text">{checked ? "On" : "Off"}</span>}
    </button>
  );
}

export function Field({ label, hint, error, children, className = "", id: fixedId }) {
  const autoId = useId();
  const id = fixedId || autoId;
  const hintId = hint ? `${id}-hint` : undefined;
  const errId = error ? `${id}-err` : undefined;
  const describedBy = [hintId, errId].filter(Boolean).join(" ") || undefined;
  const child = typeof children === "function" ? children({ id, describedBy, invalid: Boolean(error) }) : children;
  return (
    <div className={`field ${className}`}>
      <label htmlFor={id}>{label}</label>
      {child}
      {hint && (
        <p className="field-hint" id={hintId}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={errId}>
          {error}
        </p>
      )}
    </div>
  );
}

// A modal confirmation on the native <dialog>: focus is trapped and Escape cancels.
export function useConfirm() {
  const [request, setRequest] = useState(null);
  const dialogRef = useRef(null);
  useEffect(() => {
    const d = dialogRef.current;
    if (request && d && !d.open) d.showModal();
  }, [request]);
  const confirm = useCallback((opts) => new Promise((resolve) => setRequest({ ...opts, resolve })), []);
  const close = (answer) => {
    request?.resolve(answer);
    dialogRef.current?.close();
    setRequest(null);
  };
  const element = request ? (
    <dialog
      ref={dialogRef}
      className="dialog"
      aria-labelledby="confirm-title"
      onCancel={(e) => {
        e.preventDefault();
        close(false);
      }}
    >
      <h2 id="confirm-title">{request.title}</h2>
      {request.body && <div className="dialog-body">{request.body}</div>}
      <div className="dialog-actions">
        <button type="button" className="btn" onClick={() => close(false)} autoFocus>
          Cancel
        </button>
        <button type="button" className={`btn ${request.danger ? "btn-danger" : "btn-primary"}`} onClick={() => close(true)}>
          {request.confirmLabel || "Confirm"}
        </button>
      </div>
    </dialog>
  ) : null;
  return [confirm, element];
}

const ToastContext = createContext(() => {});
export function useToast() {
  return useContext(ToastContext);
}

export function ToastProvider({ children }) {
  const [toasts, setToasts] = useState([]);
  const push = useCallback((text, tone = "ok") => {
    const id = Math.random().toString(36).slice(2);
    setToasts([{ id, text, tone }]); // one at a time: the latest outcome is what matters
    setTimeout(() => setToasts((t) => t.filter((x) => x.id !== id)), 4000);
  }, []);
  return (
    <ToastContext.Provider value={push}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.tone}`}>
            {t.text}
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

// A filter over the catalogue's providers: "" stands for any provider.
export function ProviderSelect({ id, value, onChange, providers, anyLabel }) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">{anyLabel}</option>
      {providers.list.map((p) => (
        <option key={p.id} value={p.id}>
          {p.name}
        </option>
      ))}
    </select>
  );
}

export function Segmented({ label, value, options, onChange }) {
  return (
    <div className="segmented" role="group" aria-label={label}>
      {options.map((o) => (
        <button key={o.value} type="button" aria-pressed={value === o.value} onClick={() => onChange(o.value)}>
          {o.label}
        </button>
      ))}
    </div>
  );
}

// Tabs over one panel (WAI-ARIA tabs): arrow keys, Home and End move between
// tabs; only the selected tab is in the Tab order. tabs: [{ value, label }].
export function Tabs({ label, tabs, value, onChange, children }) {
  const base = useId();
  const tabId = (v) => `${base}-tab-${v}`;
  const onKeyDown = (e) => {
    const i = tabs.findIndex((t) => t.value === value);
    const last = tabs.length - 1;
    const next = { ArrowRight: i === last ? 0 : i + 1, ArrowLeft: i === 0 ? last : i - 1, Home: 0, End: last }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    onChange(tabs[next].value);
    document.getElementById(tabId(tabs[next].value))?.focus();
  };
  return (
    <>
      <div role="tablist" aria-label={label} className="tabs" onKeyDown={onKeyDown}>
        {tabs.map((t) => (
          <button
            key={t.value}
            id={tabId(t.value)}
            type="button"
            role="tab"
            aria-selected={t.value === value}
            aria-controls={`${base}-panel`}
            tabIndex={t.value === value ? 0 : -1}
            onClick={() => onChange(t.value)}
          >
            {t.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`${base}-panel`} aria-labelledby={tabId(value)} className="tab-panel">
        {children}
      </div>
    </>
  );
}

// The "Load more" line under a cursor-paged list (hooks.js usePagedList).
export function LoadMore({ list, label = "Load more" }) {
  if (!list.hasMore) return null;
  return (
    <div className="more">
      <button type="button" className="btn" onClick={list.more} disabled={list.loading} aria-busy={list.loading || undefined}>
        {list.loading ? "Loading…" : label}
      </button>
    </div>
  );
}
