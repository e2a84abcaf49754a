import { useRef, useState } from "react";
import { api, ApiError } from "../api.js";
import { useNow, useResource } from "../hooks.js";
import { date, isoTitle, num, relative, usd } from "../format.js";
import { Badge, Card, CopyButton, Empty, ErrorNote, Field, Loading, PageHeader, Toggle, useConfirm, useToast } from "../components/ui.jsx";
import { ResponsiveTable } from "../components/ListTable.jsx";

const EXPIRY = [
  { value: "never", label: "Never" },
  { value: "7", label: "In 7 days" },
  { value: "30", label: "In 30 days" },
  { value: "90", label: "In 90 days" },
  { value: "custom", label: "On a date…" },
];

const KEY_COLUMNS = [
  { label: "Name" },
  { label: "Status" },
  { label: "Used", num: true },
  { label: "Limits" },
  { label: "Last used" },
  { label: "Enabled" },
  { label: "Actions", hideLabel: true },
];

function splitList(text) {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}

export function ApiKeys() {
  const keys = useResource("/api/api-keys");
  const [created, setCreated] = useState(null);
  const [confirm, confirmDialog] = useConfirm();
  const toast = useToast();
  const now = useNow(60000);
  const list = keys.data?.data ?? [];

  const replace = (k) => keys.setData((d) => ({ ...d, data: d.data.map((x) => (x.id === k.id ? { ...x, ...k } : x)) }));
  const act = async (fn, done) => {
    try {
      await fn();
      if (done) toast(done);
    } catch (err) {
      toast(`${err.message}`, "bad");
    }
  };
  const setEnabled = (k, v) =>
    act(async () => replace(await api(`/api/api-keys/${encodeURIComponent(k.id)}`, { method: "PATCH", body: { is_enabled: v } })), v ? `“${k.name}” enabled.` : `“${k.name}” disabled.`);
  const resetUsage = async (k) => {
    const ok = await confirm({
      title: "Reset usage?",
      body: <p>The spend counter of “{k.name}” goes back to $0, so its quota applies afresh. Request logs are kept.</p>,
      confirmLabel: "Reset usage",
    });
    if (!ok) return;
    act(async () => {
      const res = await api(`/api/api-keys/${encodeURIComponent(k.id)}/reset-usage`, { method: "POST" });
      if (res && res.id) replace(res);
      else keys.reload();
    }, "Usage reset.");
  };
  const remove = async (k) => {
    const ok = await confirm({
      title: "Delete this API key?",
      body: (
        <p>
          Clients using “{k.name}” (<code>{k.key_hint}</code>) will get 401 errors from now on. This cannot be undone.
        </p>
      ),
      confirmLabel: "Delete key",
      danger: true,
    });
    if (!ok) return;
    act(async () => {
      await api(`/api/api-keys/${encodeURIComponent(k.id)}`, { method: "DELETE" });
      keys.setData((d) => ({ ...d, data: d.data.filter((x) => x.id !== k.id) }));
      if (created?.id === k.id) setCreated(null);
    }, "API key deleted.");
  };

  return (
    <>
      <PageHeader title="API keys" description="Keys for your apps and tools to call /v1 with, each with its own limits. They cannot manage the gateway." />
      {created ? (
        <NewKey k={created} onDone={() => setCreated(null)} />
      ) : (
        <CreateKey
          onCreated={(k) => {
            setCreated(k);
            const { key: _secret, ...rest } = k;
            keys.setData((d) => ({ ...(d || { object: "list" }), data: [rest, ...(d?.data ?? [])] }));
          }}
        />
      )}
      <Card title={`Keys${keys.data ? ` (${list.length})` : ""}`} actions={<button type="button" className="btn btn-small" onClick={keys.reload}>Refresh</button>}>
        <ErrorNote error={keys.error} onRetry={keys.reload} />
        {!keys.data && keys.loading ? (
          <Loading />
        ) : list.length === 0 ? (
          <Empty title="No API keys yet">Create one above for each app, so you can limit and revoke it on its own. The admin token also works on /v1.</Empty>
        ) : (
          <ResponsiveTable label="API keys" columns={KEY_COLUMNS}>
            {list.map((k) => {
              const expired = k.expires_at && k.expires_at <= now;
              return (
                <tr key={k.id} data-api-key-id={k.id} className={!k.is_enabled || expired ? "row-muted" : undefined}>
                  <td data-label="Name">
                    <div className="cell-title">{k.name}</div>
                    <div className="mono small nowrap">{k.key_hint}</div>
                    <div className="small muted">created {date(k.created_at)}</div>
                  </td>
                  <td data-label="Status">
                    {expired ? <Badge tone="bad">Expired</Badge> : k.is_enabled ? <Badge tone="ok">Active</Badge> : <Badge tone="neutral">Disabled</Badge>}
                    <div className="small muted" title={isoTitle(k.expires_at)}>
                      {k.expires_at ? `${expired ? "expired" : "expires"} ${date(k.expires_at)}` : "never expires"}
                    </div>
                  </td>
                  <td data-label="Used" className="num">
                    {usd(k.used_usd)}
                    {k.quota_usd !== null && k.quota_usd !== undefined && <div className="small muted">of {usd(k.quota_usd)} limit</div>}
                    <div className="small muted">{num(k.request_count)} requests</div>
                  </td>
                  <td data-label="Limits" className="small">
                    <div>
                      <span className="muted">Models: </span>
                      {k.allowed_models?.length ? <span className="mono break">{k.allowed_models.join(", ")}</span> : "all"}
                    </div>
                    <div>
                      <span className="muted">IPs: </span>
                      {k.allowed_ips?.length ? <span className="mono break">{k.allowed_ips.join(", ")}</span> : "any"}
                    </div>
                  </td>
                  <td data-label="Last used" className="small" title={isoTitle(k.last_used_at)}>
                    {k.last_used_at ? relative(k.last_used_at, now) : <span className="muted">never</span>}
                  </td>
                  <td data-label="Enabled">
                    <Toggle checked={Boolean(k.is_enabled)} label={`Allow requests with “${k.name}”`} onChange={(v) => setEnabled(k, v)} />
                  </td>
                  <td data-label="Actions" className="actions">
                    <div className="row-actions">
                      <button type="button" className="btn btn-small" onClick={() => resetUsage(k)} aria-label={`Reset usage of ${k.name}`}>
                        Reset usage
                      </button>
                      <button type="button" className="btn btn-small btn-danger-ghost" onClick={() => remove(k)} aria-label={`Delete ${k.name}`}>
                        Delete
                      </button>
                    </div>
                  </td>
                </tr>
              );
            })}
          </ResponsiveTable>
        )}
      </Card>
      {confirmDialog}
    </>
  );
}

function CreateKey({ onCreated }) {
  const models = useResource("/v1/models?all=1", { cached: true });
  const [name, setName] = useState("");
  const [expiry, setExpiry] = useState("never");
  const [customDate, setCustomDate] = useState("");
  const [quota, setQuota] = useState("");
  const [allowed, setAllowed] = useState([]);
  const [modelInput, setModelInput] = useState("");
  const [ips, setIps] = useState("");
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);
  const modelRef = useRef(null);

  const addModel = () => {
    const id = modelInput.trim();
    if (!id) return;
    if (!allowed.includes(id)) setAllowed([...allowed, id]);
    setModelInput("");
    modelRef.current?.focus();
  };

  const submit = async (e) => {
    e.preventDefault();
    setFormError(null);
    const next = {};
    if (!name.trim()) next.name = "Give the key a name, e.g. the app that will use it.";
    let expires_at = null;
    if (expiry === "custom") {
      if (!customDate) next.expiry = "Pick the day the key stops working.";
      else {
        expires_at = new Date(`${customDate}T23:59:59`).getTime();
        if (expires_at <= Date.now()) next.expiry = "Pick a day in the future.";
      }
    } else if (expiry !== "never") expires_at = Date.now() + Number(expiry) * 86_400_000;
    let quota_usd = null;
    if (quota.trim()) {
      quota_usd = Number(quota);
      if (!Number.isFinite(quota_usd) || quota_usd <= 0) next.quota = "Enter an amount in USD above 0, or leave it empty for no limit.";
    }
    const models = modelInput.trim() && !allowed.includes(modelInput.trim()) ? [...allowed, modelInput.trim()] : allowed;
    const allowed_ips = splitList(ips);
    setErrors(next);
    if (Object.keys(next).length) {
      document.getElementById(next.name ? "key-name" : next.expiry ? (expiry === "custom" ? "key-expiry-date" : "key-expiry") : "key-quota")?.focus();
      return;
    }
    setBusy(true);
    try {
      const body = { name: name.trim() };
      if (expires_at) body.expires_at = expires_at;
      if (quota_usd !== null) body.quota_usd = quota_usd;
      if (models.length) body.allowed_models = models;
      if (allowed_ips.length) body.allowed_ips = allowed_ips;
      const k = await api("/api/api-keys", { method: "POST", body });
      onCreated(k);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.param) setErrors({ [{ name: "name", expires_at: "expiry", quota_usd: "quota", allowed_models: "models", allowed_ips: "ips" }[err.param] || "form"]: err.message });
      else setFormError(err);
    }
  };

  return (
    <Card title="Create an API key" className="form-card">
      <form onSubmit={submit} noValidate className="form-grid">
        <Field id="key-name" label="Name" error={errors.name}>
          {({ id, describedBy, invalid }) => (
            <input id={id} value={name} maxLength={80} autoComplete="off" aria-describedby={describedBy} aria-invalid={invalid || undefined} onChange={(e) => setName(e.target.value)} />
          )}
        </Field>
        <div className="field-pair">
          <Field id="key-expiry" label="Expires" error={expiry !== "custom" ? errors.expiry : undefined}>
            {({ id, describedBy }) => (
              <select id={id} value={expiry} aria-describedby={describedBy} onChange={(e) => setExpiry(e.target.value)}>
                {EXPIRY.map((o) => (
                  <option key={o.value} value={o.value}>
                    {o.label}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {expiry === "custom" && (
            <Field id="key-expiry-date" label="Expiry date" error={errors.expiry}>
              {({ id, describedBy, invalid }) => (
                <input
                  id={id}
                  type="date"
                  value={customDate}
                  min={new Date(Date.now() + 86_400_000).toISOString().slice(0, 10)}
                  aria-describedby={describedBy}
                  aria-invalid={invalid || undefined}
                  onChange={(e) => setCustomDate(e.target.value)}
                />
              )}
            </Field>
          )}
        </div>
        <Field id="key-quota" label="Spending limit in USD (optional)" error={errors.quota} hint="Requests are refused once the key has spent this much. Empty = no limit.">
          {({ id, describedBy, invalid }) => (
            <input id={id} type="number" inputMode="decimal" min="0" step="0.01" value={quota} aria-describedby={describedBy} aria-invalid={invalid || undefined} onChange={(e) => setQuota(e.target.value)} />
          )}
        </Field>
        <Field id="key-models" label="Allowed models (optional)" error={errors.models} hint="Empty = every model. Type a model id and press Enter to add it.">
          {({ id, describedBy }) => (
            <div>
              <div className="input-row">
                <input
                  id={id}
                  ref={modelRef}
                  list="key-model-options"
                  value={modelInput}
                  autoComplete="off"
                  spellCheck={false}
                  placeholder="openai/gpt-4o-mini"
                  aria-describedby={describedBy}
                  onChange={(e) => setModelInput(e.target.value)}
                  onKeyDown={(e) => {
                    if (e.key === "Enter") {
                      e.preventDefault();
                      addModel();
                    }
                  }}
                />
                <button type="button" className="btn" onClick={addModel}>
                  Add
                </button>
              </div>
              <datalist id="key-model-options">
                {(models.data?.data ?? []).map((m) => (
                  <option key={m.id} value={m.id} />
                ))}
              </datalist>
              {allowed.length > 0 && (
                <ul className="chips" aria-label="Allowed models">
                  {allowed.map((m) => (
                    <li key={m} className="chip">
                      <span className="mono">{m}</span>
                      <button type="button" aria-label={`Remove ${m}`} onClick={() => setAllowed(allowed.filter((x) => x !== m))}>
                        ×
                      </button>
                    </li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </Field>
        <Field id="key-ips" label="Allowed IP addresses (optional)" error={errors.ips} hint="One per line or comma-separated. Empty = any address.">
          {({ id, describedBy, invalid }) => (
            <textarea id={id} rows={2} spellCheck={false} value={ips} placeholder="203.0.113.7" aria-describedby={describedBy} aria-invalid={invalid || undefined} onChange={(e) => setIps(e.target.value)} />
          )}
        </Field>
        <ErrorNote error={formError || (errors.form ? { message: errors.form } : null)} />
        <div className="form-actions span-2">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? "Creating…" : "Create key"}
          </button>
        </div>
      </form>
    </Card>
  );
}

function NewKey({ k, onDone }) {
  const base = `${window.location.origin}/v1`;
  const sample = `curl ${base}/chat/completions \\
  -H "Authorization: Bearer ${k.key}" \\
  -H "Content-Type: application/json" \\
  -d '{"model":"openai/gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}'`;
  return (
    <Card title={`Your new key “${k.name}”`} className="card-highlight">
      <p role="status">Copy it now: it is shown only once. Keyaos keeps only a hash of it.</p>
      <div className="input-row secret-row">
        <label htmlFor="new-key" className="sr-only">
          New API key
        </label>
        <input id="new-key" className="mono" readOnly value={k.key} onFocus={(e) => e.target.select()} data-new-key />
        <CopyButton text={k.key} label="Copy key" className="btn btn-primary" />
      </div>
      <details className="sample">
        <summary>Example request</summary>
        <pre className="code">{sample}</pre>
        <CopyButton text={sample} label="Copy example" />
      </details>
      <div className="form-actions">
        <button type="button" className="btn" onClick={onDone}>
          I have saved it
        </button>
      </div>
    </Card>
  );
}
