import { useRef, useState } from "react";
import { api, ApiError, invalidate } from "../api.js";
import { useNow, useResource } from "../hooks.js";
import { useProviders } from "../data.js";
import { dateTime, num, relative, usd } from "../format.js";
import { secretVerdict } from "../secret_format.js";
import { Badge, Card, CopyButton, Empty, ErrorNote, Field, Loading, PageHeader, Toggle, useConfirm, useToast } from "../components/ui.jsx";
import { ResponsiveTable } from "../components/ListTable.jsx";
import { usePlatform } from "../platform.js";

function parseQuota(text) {
  const s = String(text ?? "").trim();
  if (s === "") return { value: null };
  const n = Number(s);
  if (!Number.isFinite(n) || n < 0) return { error: "Enter an amount in USD, 0 or more, or leave it empty for no limit." };
  return { value: n };
}

function parseMultiplier(text) {
  const n = Number(String(text ?? "").trim());
  if (!Number.isFinite(n) || n <= 0 || n > 100) return { error: "Enter a number above 0 and at most 100." };
  return { value: n };
}

// The browser's limits for the fields parseQuota and parseMultiplier check.
const QUOTA_INPUT = { type: "number", min: "0", step: "0.01" };
const MULTIPLIER_INPUT = { type: "number", min: "0.01", max: "100", step: "0.01" };

// `earnings`: Platform mode, with the Earned column (see CredentialRow).
const credentialColumns = (earnings) =>
  [
    { label: "Key" },
    { label: "Health" },
    { label: "Quota left", num: true },
    { label: "Multiplier", num: true },
    { label: "Spent", num: true },
    earnings && { label: "Earned", num: true },
    { label: "Enabled" },
    { label: "Actions", hideLabel: true },
  ].filter(Boolean);

export function Credentials() {
  const creds = useResource("/api/credentials");
  const providers = useProviders();
  const [adding, setAdding] = useState(null); // null = follow the list (open when empty)
  const list = creds.data?.data ?? [];
  const open = adding ?? (creds.data ? list.length === 0 : false);
  const [confirm, confirmDialog] = useConfirm();
  const toast = useToast();
  const platform = usePlatform();

  const replace = (updated) => creds.setData((d) => ({ ...d, data: d.data.map((c) => (c.id === updated.id ? { ...c, ...updated } : c)) }));
  const remove = async (c) => {
    const ok = await confirm({
      title: "Delete this credential?",
      body: (
        <p>
          {providers.name(c.provider_id)} key <code>{c.secret_hint}</code>
          {c.label ? ` (${c.label})` : ""} will no longer receive requests. Its request logs are kept.
        </p>
      ),
      confirmLabel: "Delete credential",
      danger: true,
    });
    if (!ok) return;
    try {
      await api(`/api/credentials/${encodeURIComponent(c.id)}`, { method: "DELETE" });
      creds.setData((d) => ({ ...d, data: d.data.filter((x) => x.id !== c.id) }));
      invalidate("/v1/models");
      toast("Credential deleted.");
    } catch (err) {
      toast(`Could not delete: ${err.message}`, "bad");
    }
  };

  return (
    <>
      <PageHeader
        title="Credentials"
        description={
          platform
            ? "Upstream keys you add to the shared pool: when other accounts' requests go through them, you earn their cost in credits. Secrets are encrypted at rest and never shown again."
            : "Upstream keys that Keyaos routes requests through. Secrets are encrypted at rest and never shown again."
        }
        actions={
          <button type="button" className="btn btn-primary" aria-expanded={open} aria-controls="add-credential" onClick={() => setAdding(!open)}>
            {open ? "Hide form" : "Add credential"}
          </button>
        }
      />
      {open && (
        <AddCredential
          providers={providers}
          onAdded={(c) => {
            creds.setData((d) => ({ ...(d || { object: "list" }), data: [c, ...(d?.data ?? [])] }));
            invalidate("/v1/models");
            setAdding(false);
            toast(`Added ${providers.name(c.provider_id)} key ${c.secret_hint}.`);
          }}
          onCancel={list.length ? () => setAdding(false) : undefined}
        />
      )}
      <Card title={`Your credentials${creds.data ? ` (${list.length})` : ""}`} actions={<button type="button" className="btn btn-small" onClick={creds.reload}>Refresh</button>}>
        <ErrorNote error={creds.error} onRetry={creds.reload} />
        {!creds.data && creds.loading ? (
          <Loading />
        ) : list.length === 0 ? (
          <Empty title="No credentials yet">Add an upstream API key above; Keyaos then lists and routes the models it serves.</Empty>
        ) : (
          <ResponsiveTable label="Credentials" columns={credentialColumns(platform)}>
            {list.map((c) => (
              <CredentialRow key={c.id} c={c} providerName={providers.name} earnings={platform} onSaved={replace} onDelete={() => remove(c)} />
            ))}
          </ResponsiveTable>
        )}
      </Card>
      {confirmDialog}
    </>
  );
}

function AddCredential({ providers, onAdded, onCancel }) {
  const [providerId, setProviderId] = useState("");
  const [secret, setSecret] = useState("");
  const [label, setLabel] = useState("");
  const [multiplier, setMultiplier] = useState("1");
  const [multiplierEdited, setMultiplierEdited] = useState(false);
  const [quota, setQuota] = useState("");
  const [touched, setTouched] = useState(false);
  const [errors, setErrors] = useState({});
  const [formError, setFormError] = useState(null);
  const [busy, setBusy] = useState(false);
  const secretRef = useRef(null);

  const provider = providers.byId.get(providerId) || null;
  const guide = provider?.credential_guide || {};
  const trimmed = secret.trim();
  const verdict = secretVerdict(provider, trimmed);
  const formatOk = verdict ? verdict.ok : null;
  const formatMessage =
    verdict?.message || `This does not match the ${provider?.name} key format${guide.placeholder ? ` (${guide.placeholder})` : ""}.`;
  const secretError = errors.secret || (touched && trimmed && formatOk === false ? formatMessage : null);
  const multiline = Boolean(guide.file_path);

  const [showSecret, setShowSecret] = useState(false);
  const [uncheckable, setUncheckable] = useState(null); // the provider could not be asked about the key

  const submit = async (e, { skipCheck = false } = {}) => {
    e?.preventDefault();
    setTouched(true);
    setFormError(null);
    setUncheckable(null);
    const next = {};
    if (!provider) next.provider = "Choose the provider this key belongs to.";
    if (!trimmed) next.secret = "Paste the key.";
    else if (formatOk === false) next.secret = formatMessage;
    const m = parseMultiplier(multiplier);
    if (m.error) next.multiplier = m.error;
    const q = parseQuota(quota);
    if (q.error) next.quota = q.error;
    setErrors(next);
    if (Object.keys(next).length) {
      document.getElementById(next.provider ? "cred-provider" : next.secret ? "cred-secret" : next.multiplier ? "cred-multiplier" : "cred-quota")?.focus();
      return;
    }
    setBusy(true);
    try {
      const body = { provider_id: provider.id, secret: trimmed, price_multiplier: m.value };
      if (q.value !== null) body.quota_usd = q.value;
      if (label.trim()) body.label = label.trim();
      if (skipCheck) body.validate = false;
      const created = await api("/api/credentials", { method: "POST", body });
      onAdded(created);
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && (err.code === "invalid_secret_format" || err.code === "credential_duplicate" || err.param === "secret")) {
        setErrors({ secret: err.code === "credential_duplicate" ? "This key is already added." : err.message });
        secretRef.current?.focus();
      } else if (err instanceof ApiError && err.param === "price_multiplier") setErrors({ multiplier: err.message });
      else if (err instanceof ApiError && err.param === "quota_usd") setErrors({ quota: err.message });
      else if (err instanceof ApiError && ["upstream_unreachable", "upstream_timeout", "credential_check_failed"].includes(err.code)) setUncheckable(err);
      else setFormError(err);
    }
  };

  return (
    <Card title="Add a credential" id="add-credential" className="form-card">
      <form onSubmit={submit} noValidate className="form-grid">
        {providers.error && <ErrorNote error={providers.error} onRetry={providers.reload} />}
        <Field id="cred-provider" label="Provider" error={errors.provider}>
          {({ describedBy, invalid }) => (
            <select
              id="cred-provider"
              value={providerId}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
              onChange={(e) => {
                setProviderId(e.target.value);
                setErrors({});
                setTouched(false);
                // A flat-fee plan usually costs far less than list prices; suggest so until the user picks a value.
                if (!multiplierEdited) setMultiplier(providers.byId.get(e.target.value)?.subscription ? "0.1" : "1");
              }}
            >
              <option value="">Choose a provider…</option>
              {providers.list.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.name}
                  {p.subscription ? " (subscription)" : ""}
                </option>
              ))}
            </select>
          )}
        </Field>
        <div className="guide" aria-live="polite">
          {provider ? (
            <>
              <h3 className="guide-title">Where to find your {provider.name} key</h3>
              {guide.text && <p>{guide.text}</p>}
              <ul className="guide-list">
                {guide.url && (
                  <li>
                    <a href={guide.url} target="_blank" rel="noopener noreferrer">
                      {guide.url.replace(/^https?:\/\//, "").replace(/\/$/, "")}
                      <span className="sr-only"> (opens in a new tab)</span> ↗
                    </a>
                  </li>
                )}
                {guide.file_path && (
                  <li className="guide-code">
                    <span className="muted">File</span> <code>{guide.file_path}</code>
                    <CopyButton text={guide.file_path} ariaLabel="Copy the file path" />
                  </li>
                )}
                {guide.command && (
                  <li className="guide-code">
                    <span className="muted">Command</span> <code>{guide.command}</code>
                    <CopyButton text={guide.command} ariaLabel="Copy the command" />
                  </li>
                )}
              </ul>
              <p className="muted small">
                {provider.model_count != null && `${num(provider.model_count)} models. `}
                {provider.subscription
                  ? "A flat-fee plan: requests are priced at OpenRouter's list price for the same model, × your multiplier (e.g. 0.1 if the plan works out at a tenth of that)."
                  : "Requests are priced at this provider's catalogue prices × your multiplier."}
              </p>
            </>
          ) : (
            <p className="muted">Choose a provider to see where to find its key.</p>
          )}
        </div>
        <Field
          id="cred-secret"
          label={multiline ? "Key or file contents" : "Key"}
          error={secretError}
          hint={formatOk === true && !errors.secret ? `✓ Matches the ${provider.name} key format.` : undefined}
          className="span-2"
        >
          {({ describedBy, invalid }) => {
            const props = {
              id: "cred-secret",
              ref: secretRef,
              spellCheck: false,
              autoComplete: "off",
              placeholder: guide.placeholder || "",
              value: secret,
              "aria-describedby": describedBy,
              "aria-invalid": invalid || undefined,
              onChange: (e) => {
                setSecret(e.target.value);
                setTouched(true);
                setErrors((x) => ({ ...x, secret: undefined }));
              },
            };
            return multiline ? (
              <textarea rows={4} {...props} />
            ) : (
              <div className="input-row">
                <input type={showSecret ? "text" : "password"} {...props} />
                <button type="button" className="btn" aria-pressed={showSecret} aria-label={showSecret ? "Hide the key" : "Show the key"} onClick={() => setShowSecret((v) => !v)}>
                  {showSecret ? "Hide" : "Show"}
                </button>
              </div>
            );
          }}
        </Field>
        <Field label="Label (optional)" hint="A name you recognise, e.g. “work account”.">
          {({ id, describedBy }) => <input id={id} value={label} maxLength={80} aria-describedby={describedBy} onChange={(e) => setLabel(e.target.value)} />}
        </Field>
        <Field id="cred-multiplier" label="Price multiplier" error={errors.multiplier} hint="What this key really costs relative to catalogue prices: 0.5 = half price. Cheaper keys are tried first.">
          {({ describedBy, invalid }) => (
            <input
              id="cred-multiplier"
              {...MULTIPLIER_INPUT}
              inputMode="decimal"
              value={multiplier}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
              onChange={(e) => {
                setMultiplier(e.target.value);
                setMultiplierEdited(true);
              }}
            />
          )}
        </Field>
        <Field id="cred-quota" label="Quota in USD (optional)" error={errors.quota} hint="Stop routing to this key after spending this much. Empty = no limit.">
          {({ describedBy, invalid }) => (
            <input
              id="cred-quota"
              {...QUOTA_INPUT}
              inputMode="decimal"
              value={quota}
              aria-describedby={describedBy}
              aria-invalid={invalid || undefined}
              onChange={(e) => setQuota(e.target.value)}
            />
          )}
        </Field>
        <ErrorNote error={formError} />
        {uncheckable && (
          <div className="note note-warn span-2" role="alert">
            <span>{uncheckable.message.replace(/ Try again, or add it with "validate": false\.$/, "")} You can try again, or add the key without checking it; a bad key is then marked dead on its first request.</span>
          </div>
        )}
        <div className="form-actions span-2">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? "Checking the key…" : "Add credential"}
          </button>
          {uncheckable && (
            <button type="button" className="btn" disabled={busy} onClick={() => submit(null, { skipCheck: true })}>
              Add without checking
            </button>
          )}
          {onCancel && (
            <button type="button" className="btn" onClick={onCancel}>
              Cancel
            </button>
          )}
        </div>
      </form>
    </Card>
  );
}

// `earnings`: Platform mode, where other accounts' requests through this key pay its owner.
function CredentialRow({ c, providerName, earnings, onSaved, onDelete }) {
  const now = useNow(15000);
  const [editing, setEditing] = useState(false);
  const [mult, setMult] = useState("");
  const [quota, setQuota] = useState("");
  const [errors, setErrors] = useState({});
  const [busy, setBusy] = useState(false);
  const toast = useToast();
  const cooldowns = (c.cooldowns ?? []).filter((cd) => cd.until_ms > now);

  const patch = async (body) => {
    setBusy(true);
    try {
      const updated = await api(`/api/credentials/${encodeURIComponent(c.id)}`, { method: "PATCH", body });
      onSaved(updated);
      return true;
    } catch (err) {
      if (err.param === "price_multiplier") setErrors({ multiplier: err.message });
      else if (err.param === "quota_usd") setErrors({ quota: err.message });
      else toast(`Could not save: ${err.message}`, "bad");
      return false;
    } finally {
      setBusy(false);
    }
  };

  const startEdit = () => {
    setMult(String(c.price_multiplier));
    setQuota(c.quota_usd === null || c.quota_usd === undefined ? "" : String(c.quota_usd));
    setErrors({});
    setEditing(true);
  };
  const save = async (e) => {
    e.preventDefault();
    const m = parseMultiplier(mult);
    const q = parseQuota(quota);
    const next = {};
    if (m.error) next.multiplier = m.error;
    if (q.error) next.quota = q.error;
    setErrors(next);
    if (Object.keys(next).length) return;
    if (await patch({ price_multiplier: m.value, quota_usd: q.value })) {
      setEditing(false);
      toast("Credential updated.");
    }
  };
  const formId = `edit-${c.id}`;
  const keyName = `${providerName(c.provider_id)} ${c.secret_hint}`;

  return (
    <tr data-credential-id={c.id} className={!c.is_enabled ? "row-muted" : undefined}>
      <td data-label="Key">
        <div className="cell-title">{providerName(c.provider_id)}</div>
        <div className="mono small nowrap">{c.secret_hint}</div>
        {c.label && <div className="muted small">{c.label}</div>}
      </td>
      <td data-label="Health">
        {c.health === "dead" ? <Badge tone="bad">Dead</Badge> : cooldowns.length ? <Badge tone="warn">Cooling down</Badge> : <Badge tone="ok">OK</Badge>}
        {c.health === "dead" && c.dead_reason && <div className="small muted">{c.dead_reason}</div>}
        {cooldowns.length > 0 && (
          <ul className="cooldowns small">
            {cooldowns.map((cd) => (
              <li key={cd.model_id}>
                <span className="mono">{cd.model_id === "*" ? "all models" : cd.model_id}</span>{" "}
                <span className="muted" title={dateTime(cd.until_ms)}>
                  until {relative(cd.until_ms, now).replace(/^in /, "")}
                  {cd.reason ? ` · ${cd.reason}` : ""}
                </span>
              </li>
            ))}
          </ul>
        )}
      </td>
      <td data-label="Quota left" className="num">
        {editing ? (
          <CellInput id={`${formId}-quota`} form={formId} label={`Quota in USD for ${keyName} (empty for no limit)`} {...QUOTA_INPUT} placeholder="no limit" value={quota} error={errors.quota} onChange={setQuota} />
        ) : c.quota_usd === null || c.quota_usd === undefined ? (
          <span className="muted">no limit</span>
        ) : (
          <>
            {usd(c.quota_usd)}
            {c.quota_source === "auto" && <div className="small muted">from provider</div>}
          </>
        )}
      </td>
      <td data-label="Multiplier" className="num">
        {editing ? (
          <CellInput id={`${formId}-mult`} form={formId} label={`Price multiplier for ${keyName}`} {...MULTIPLIER_INPUT} value={mult} error={errors.multiplier} onChange={setMult} />
        ) : (
          `×${c.price_multiplier}`
        )}
      </td>
      <td data-label="Spent" className="num">
        {usd(c.spent_usd)}
        <div className="small muted">{num(c.request_count)} requests</div>
      </td>
      {earnings && (
        <td data-label="Earned" className="num">
          {/* A key just added has earned nothing yet (the create response has no earnings). */}
          <span className={c.earnings_usd > 0 ? "amount-earned" : undefined}>{usd(c.earnings_usd ?? 0)}</span>
        </td>
      )}
      <td data-label="Enabled">
        <Toggle checked={Boolean(c.is_enabled)} disabled={busy} label={`Route requests to ${keyName}`} onChange={(v) => patch({ is_enabled: v }).then((ok) => ok && toast(v ? "Credential enabled." : "Credential disabled."))} />
      </td>
      <td data-label="Actions" className="actions">
        {editing ? (
          <form id={formId} onSubmit={save} className="row-actions">
            <button type="submit" className="btn btn-small btn-primary" disabled={busy}>
              Save
            </button>
            <button type="button" className="btn btn-small" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </form>
        ) : (
          <div className="row-actions">
            <button type="button" className="btn btn-small" onClick={startEdit} aria-label={`Edit ${keyName}`}>
              Edit
            </button>
            <button type="button" className="btn btn-small btn-danger-ghost" onClick={onDelete} aria-label={`Delete ${keyName}`}>
              Delete
            </button>
          </div>
        )}
      </td>
    </tr>
  );
}

// An input in an edited table row: labelled for screen readers only, and sent
// by the row's form (`form`), which sits in another cell.
function CellInput({ id, label, error, onChange, ...input }) {
  return (
    <>
      <label className="sr-only" htmlFor={id}>
        {label}
      </label>
      <input id={id} className="input-small" {...input} aria-invalid={error ? true : undefined} onChange={(e) => onChange(e.target.value)} />
      {error && <div className="field-error small">{error}</div>}
    </>
  );
}
