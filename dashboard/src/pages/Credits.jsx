// Platform mode: the caller's wallet. Balance, buying credits through Stripe
// Checkout, auto top-up, gift-card redemption, and the ledger (transactions)
// and deposits. Every amount is shown from its integer *_nusd field.
import { useEffect, useState } from "react";
import { api, ApiError, qs } from "../api.js";
import { usePagedList, useResource } from "../hooks.js";
import { loadConfig } from "../platform.js";
import { replaceParams } from "../router.js";
import { cents, isoTitle, nusd, parseDollars, relative } from "../format.js";
import { Badge, Card, Empty, ErrorNote, Field, Loading, PageHeader, Segmented, Tabs, Toggle, useToast } from "../components/ui.jsx";
import { ListTable, timeColumn } from "../components/ListTable.jsx";

const BUY_PRESETS = [500, 1000, 2000, 5000];
const BUY_MIN_CENTS = 100;
const BUY_MAX_CENTS = 1_000_000;
const THRESHOLD_PRESETS = [500, 1000, 2500];
const TOPUP_PRESETS = [1000, 2000, 5000];
const THRESHOLD_MIN_CENTS = 100;
const TOPUP_MIN_CENTS = 500;
const TOPUP_MAX_CENTS = 1_000_000;
const CODE_MAX_LENGTH = 64;
// After a return from Checkout the webhook may still be on its way: look again this often, this many times.
const CONFIRM_POLL_MS = 3000;
const CONFIRM_POLLS = 10;

export const KINDS = {
  spend: "Spent",
  earn: "Earned",
  topup: "Top-up",
  auto_topup: "Auto top-up",
  gift_card: "Gift card",
  grant: "Grant",
  revoke: "Revoke",
};
const SOURCES = { checkout: "Card purchase", auto_topup: "Auto top-up" };
const STATUS_TONES = { pending: "warn", completed: "ok", expired: "neutral", failed: "bad" };
const STATUS_LABELS = { pending: "Pending", completed: "Completed", expired: "Expired", failed: "Failed" };

export function Credits({ params }) {
  const balance = useResource("/api/credits/balance");
  const [kind, setKind] = useState("");
  const transactions = usePagedList(`/api/credits/transactions${qs({ limit: 20, kind })}`);
  const deposits = usePagedList("/api/credits/deposits?limit=20");
  const [tab, setTab] = useState("transactions");
  const [notice, setNotice] = useState(null); // "success" | "canceled": the way back from Checkout
  const [polls, setPolls] = useState(0);
  const [paymentsOff, setPaymentsOff] = useState(false);
  // The gateway says at /api/config whether it can take payments; a 503 from checkout says so too.
  useEffect(() => {
    let live = true;
    loadConfig().then(
      (config) => live && config.payments === false && setPaymentsOff(true),
      () => {},
    );
    return () => {
      live = false;
    };
  }, []);

  const checkout = params.get("checkout");
  useEffect(() => {
    if (checkout === "success" || checkout === "canceled") setNotice(checkout);
    if (checkout === "success") {
      setTab("deposits");
      setPolls(CONFIRM_POLLS);
    }
    // The notice is shown once: a reload of the page does not show it again.
    if (checkout) replaceParams("credits", {});
  }, [checkout]);

  // Until Stripe's confirmation is in (no deposit pending), look again every few seconds.
  const pending = deposits.items.some((d) => d.status === "pending");
  useEffect(() => {
    if (polls <= 0) return undefined;
    if (deposits.loaded && !pending) {
      setPolls(0);
      return undefined;
    }
    const id = setTimeout(() => {
      balance.reload();
      deposits.reload();
      transactions.reload();
      setPolls((n) => n - 1);
    }, CONFIRM_POLL_MS);
    return () => clearTimeout(id);
  }, [polls, pending, deposits.loaded, balance.reload, deposits.reload, transactions.reload]);

  const refresh = () => {
    balance.reload();
    transactions.reload();
    deposits.reload();
  };

  return (
    <>
      <PageHeader
        title="Credits"
        description="Credits pay for requests served by other accounts' keys in the shared pool. Buy them with a card, top up automatically, or redeem a gift card."
        actions={
          <button type="button" className="btn" onClick={refresh}>
            Refresh
          </button>
        }
      />
      {notice === "success" && (
        <div className="note note-ok" role="status" data-notice="checkout-success">
          <span>Payment received — your balance updates when Stripe confirms it.</span>
          <button type="button" className="btn btn-small" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </div>
      )}
      {notice === "canceled" && (
        <div className="note note-info" role="status" data-notice="checkout-canceled">
          <span>Checkout was canceled. Nothing was charged.</span>
          <button type="button" className="btn btn-small" onClick={() => setNotice(null)}>
            Dismiss
          </button>
        </div>
      )}

      <div className="grid-2">
        <Card title="Balance">
          <ErrorNote error={balance.error} onRetry={balance.reload} />
          {!balance.data && balance.loading ? (
            <Loading rows={2} />
          ) : (
            <div className="balance" aria-busy={balance.loading}>
              <span className="balance-value" data-balance-nusd={balance.data?.balance_nusd ?? ""}>
                {nusd(balance.data?.balance_nusd)}
              </span>
              <p className="muted">Spent on requests that other accounts' keys serve; your own keys cost you nothing.</p>
            </div>
          )}
        </Card>
        <BuyCredits unavailable={paymentsOff} onUnavailable={() => setPaymentsOff(true)} />
      </div>

      <div className="grid-2">
        <AutoTopup />
        <Redeem
          onRedeemed={(r) => {
            balance.setData({ balance_usd: r.balance_usd, balance_nusd: r.balance_nusd });
            transactions.reload();
          }}
        />
      </div>

      <Card title="History">
        <Tabs
          label="History"
          value={tab}
          onChange={setTab}
          tabs={[
            { value: "transactions", label: "Transactions" },
            { value: "deposits", label: "Deposits" },
          ]}
        >
          {tab === "transactions" ? (
            <Transactions list={transactions} kind={kind} onKind={setKind} />
          ) : (
            <Deposits list={deposits} onCanceled={() => deposits.reload()} />
          )}
        </Tabs>
      </Card>
    </>
  );
}

// Only the gateway's own answer decides where the browser goes: an http(s) address.
function checkoutUrl(url) {
  try {
    const u = new URL(String(url));
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
  } catch {
    return null;
  }
}

function BuyCredits({ unavailable, onUnavailable }) {
  const [custom, setCustom] = useState("");
  const [fieldError, setFieldError] = useState(null);
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(null); // the amount in cents being sent to Checkout

  useEffect(() => {
    if (busy === null) return undefined;
    // The browser is leaving for Checkout; should it stay (a blocked navigation), the buttons come back.
    const id = setTimeout(() => setBusy(null), 10_000);
    return () => clearTimeout(id);
  }, [busy]);

  const buy = async (amountCents) => {
    setFailure(null);
    setFieldError(null);
    setBusy(amountCents);
    try {
      const res = await api("/api/credits/checkout", { method: "POST", body: { amount_cents: amountCents } });
      const url = checkoutUrl(res?.url);
      if (!url) throw new Error("The gateway did not return a checkout address.");
      window.location.assign(url);
    } catch (err) {
      setBusy(null);
      if (err instanceof ApiError && err.code === "payments_not_configured") onUnavailable();
      else if (err instanceof ApiError && err.param === "amount_cents") setFieldError(err.message);
      else setFailure(err);
    }
  };

  const submitCustom = (e) => {
    e.preventDefault();
    const parsed = parseDollars(custom, { minCents: BUY_MIN_CENTS, maxCents: BUY_MAX_CENTS });
    if (parsed.error) {
      setFieldError(parsed.error);
      document.getElementById("buy-custom")?.focus();
      return;
    }
    buy(parsed.cents);
  };

  const disabled = unavailable || busy !== null;
  return (
    <Card title="Buy credits">
      {unavailable && <ErrorNote>Payments are not configured on this gateway.</ErrorNote>}
      <ErrorNote error={failure} />
      <p className="muted">$1 buys $1 of credits. You pay on Stripe's checkout page; the card is saved for auto top-up.</p>
      <div className="preset-row" role="group" aria-label="Buy a preset amount">
        {BUY_PRESETS.map((c) => (
          <button key={c} type="button" className="btn" disabled={disabled} aria-busy={busy === c || undefined} onClick={() => buy(c)} aria-label={`Buy ${cents(c, { short: true })} of credits`}>
            {cents(c, { short: true })}
          </button>
        ))}
      </div>
      <form onSubmit={submitCustom} noValidate className="inline-form" aria-label="Buy a custom amount">
        <Field id="buy-custom" label="Custom amount (USD)" hint={`From ${cents(BUY_MIN_CENTS)} to ${cents(BUY_MAX_CENTS)}, in whole cents.`} error={fieldError}>
          {({ id, describedBy, invalid }) => (
            <div className="input-row">
              <input
                id={id}
                inputMode="decimal"
                autoComplete="off"
                placeholder="25.00"
                value={custom}
                aria-describedby={describedBy}
                aria-invalid={invalid || undefined}
                onChange={(e) => {
                  setCustom(e.target.value);
                  setFieldError(null);
                }}
              />
              <button type="submit" className="btn btn-primary" disabled={disabled}>
                {busy !== null && !BUY_PRESETS.includes(busy) ? "Opening checkout…" : "Buy"}
              </button>
            </div>
          )}
        </Field>
      </form>
    </Card>
  );
}

const dollarsText = (c) => (Number.isSafeInteger(c) ? cents(c).slice(1).replace(/,/g, "") : "");

// One amount with preset buttons beside a free text field.
function AmountField({ id, label, hint, presets, text, onText, error }) {
  const parsed = parseDollars(text);
  return (
    <Field id={id} label={label} hint={hint} error={error}>
      {({ describedBy, invalid }) => (
        <div className="amount-field">
          <Segmented
            label={`${label}: presets`}
            value={parsed.cents}
            options={presets.map((c) => ({ value: c, label: cents(c, { short: true }) }))}
            onChange={(c) => onText(dollarsText(c))}
          />
          <input id={id} className="input-small" inputMode="decimal" autoComplete="off" value={text} aria-describedby={describedBy} aria-invalid={invalid || undefined} onChange={(e) => onText(e.target.value)} />
        </div>
      )}
    </Field>
  );
}

function AutoTopup() {
  const cfg = useResource("/api/credits/auto-topup");
  const toast = useToast();
  const [form, setForm] = useState(null); // { enabled, threshold, amount } as typed
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [needsCard, setNeedsCard] = useState(false);
  const [busy, setBusy] = useState(false);
  const c = cfg.data;

  // The form starts from the saved settings, and again after each save.
  useEffect(() => {
    if (c) setForm({ enabled: Boolean(c.enabled), threshold: dollarsText(c.threshold_cents) || "10.00", amount: dollarsText(c.amount_cents) || "20.00" });
  }, [c]);

  const noCard = c ? !c.has_payment_method : false;
  const save = async (e) => {
    e.preventDefault();
    setFailure(null);
    setNeedsCard(false);
    const t = parseDollars(form.threshold, { minCents: THRESHOLD_MIN_CENTS, maxCents: TOPUP_MAX_CENTS });
    const a = parseDollars(form.amount, { minCents: TOPUP_MIN_CENTS, maxCents: TOPUP_MAX_CENTS });
    const next = {};
    if (t.error) next.threshold = t.error;
    if (a.error) next.amount = a.error;
    setErrors(next);
    if (Object.keys(next).length) {
      document.getElementById(next.threshold ? "topup-threshold" : "topup-amount")?.focus();
      return;
    }
    setBusy(true);
    try {
      const saved = await api("/api/credits/auto-topup", { method: "PUT", body: { enabled: form.enabled, threshold_cents: t.cents, amount_cents: a.cents } });
      cfg.setData(saved);
      toast(saved.enabled ? `Auto top-up is on: ${cents(saved.amount_cents)} when the balance falls below ${cents(saved.threshold_cents)}.` : "Auto top-up is off.");
    } catch (err) {
      if (err instanceof ApiError && err.code === "no_payment_method") setNeedsCard(true);
      else if (err instanceof ApiError && err.param === "threshold_cents") setErrors({ threshold: err.message });
      else if (err instanceof ApiError && err.param === "amount_cents") setErrors({ amount: err.message });
      else setFailure(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="Auto top-up" actions={c && <Badge tone={c.paused_reason ? "warn" : c.enabled ? "ok" : "neutral"}>{c.paused_reason ? "Paused" : c.enabled ? "On" : "Off"}</Badge>}>
      <ErrorNote error={cfg.error} onRetry={cfg.reload} />
      {!c && cfg.loading ? (
        <Loading rows={4} />
      ) : c && form ? (
        <>
          {c.paused_reason && (
            <div className="note note-warn" role="alert" data-notice="auto-topup-paused">
              <span>
                Auto top-up is paused: {c.paused_reason}
                {c.consecutive_failures ? ` (${c.consecutive_failures} failed ${c.consecutive_failures === 1 ? "charge" : "charges"})` : ""}. Buy credits once to save a working card, then turn it on again.
              </span>
            </div>
          )}
          <dl className="kv kv-grid auto-topup-state">
            <dt>Saved card</dt>
            <dd data-field="saved-card">{c.has_payment_method ? "Yes" : "No"}</dd>
            <dt>Failed charges</dt>
            <dd data-field="failures">{c.consecutive_failures ?? 0}</dd>
            {c.next_attempt_at ? (
              <>
                <dt>Next attempt</dt>
                <dd title={isoTitle(c.next_attempt_at)}>{relative(c.next_attempt_at)}</dd>
              </>
            ) : null}
            {c.last_error ? (
              <>
                <dt>Last error</dt>
                <dd className="break">{c.last_error}</dd>
              </>
            ) : null}
          </dl>
          {(noCard || needsCard) && (
            <p className="note note-info" data-notice="no-card">
              Auto top-up charges the card saved with a purchase. Buy credits once with a card above and it is saved; then you can turn auto top-up on.
            </p>
          )}
          <form onSubmit={save} noValidate className="form-stack" aria-label="Auto top-up settings">
            <ErrorNote error={failure} />
            <div className="field">
              <span className="field-label" id="topup-enabled-label">
                Top up automatically
              </span>
              <Toggle label="Top up automatically" checked={form.enabled} disabled={noCard && !form.enabled} onChange={(v) => setForm({ ...form, enabled: v })} />
            </div>
            <AmountField
              id="topup-threshold"
              label="When the balance falls below"
              hint={`At least ${cents(THRESHOLD_MIN_CENTS)}.`}
              presets={THRESHOLD_PRESETS}
              text={form.threshold}
              error={errors.threshold}
              onText={(v) => {
                setForm({ ...form, threshold: v });
                setErrors({ ...errors, threshold: null });
              }}
            />
            <AmountField
              id="topup-amount"
              label="Add this amount"
              hint={`At least ${cents(TOPUP_MIN_CENTS)}, charged to the saved card.`}
              presets={TOPUP_PRESETS}
              text={form.amount}
              error={errors.amount}
              onText={(v) => {
                setForm({ ...form, amount: v });
                setErrors({ ...errors, amount: null });
              }}
            />
            <div className="form-actions">
              <button type="submit" className="btn btn-primary" disabled={busy}>
                {busy ? "Saving…" : "Save auto top-up"}
              </button>
            </div>
          </form>
        </>
      ) : null}
    </Card>
  );
}

function Redeem({ onRedeemed }) {
  const [code, setCode] = useState("");
  const [error, setError] = useState(null); // the code as typed is not one
  const [failure, setFailure] = useState(null); // the gateway refused it
  const [result, setResult] = useState(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    setResult(null);
    setFailure(null);
    const trimmed = code.trim().toUpperCase();
    if (!trimmed) return setError("Enter the code printed on the gift card.");
    if (trimmed.length > CODE_MAX_LENGTH) return setError("This is longer than any gift card code.");
    setError(null);
    setBusy(true);
    try {
      const r = await api("/api/credits/redeem", { method: "POST", body: { code: trimmed } });
      setResult(r);
      setCode("");
      onRedeemed(r);
    } catch (err) {
      setFailure(err instanceof ApiError && err.code === "invalid_or_used" ? new Error("This code is not valid or has already been redeemed.") : err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="Redeem a gift card">
      <ErrorNote error={failure} />
      <form onSubmit={submit} noValidate aria-label="Redeem a gift card">
        <Field id="redeem-code" label="Gift card code" error={error}>
          {({ id, describedBy, invalid }) => (
            <div className="input-row">
              <input
                id={id}
                className="mono"
                autoComplete="off"
                spellCheck={false}
                autoCapitalize="characters"
                placeholder="KAOS-XXXX-XXXX-XXXX-XXXX"
                maxLength={CODE_MAX_LENGTH + 8}
                value={code}
                aria-describedby={describedBy}
                aria-invalid={invalid || undefined}
                onChange={(e) => {
                  setCode(e.target.value);
                  setError(null);
                  setFailure(null);
                }}
              />
              <button type="submit" className="btn btn-primary" disabled={busy}>
                {busy ? "Redeeming…" : "Redeem"}
              </button>
            </div>
          )}
        </Field>
      </form>
      {result && (
        <div className="note note-ok" role="status" data-notice="redeemed">
          <span>
            Added <strong>{nusd(result.amount_nusd)}</strong>. Your balance is now {nusd(result.balance_nusd)}.
          </span>
        </div>
      )}
    </Card>
  );
}

const positive = (t) => Number(t.amount_nusd) > 0;
const TRANSACTION_COLUMNS = [
  timeColumn(),
  { label: "Kind", cell: (t) => <Badge tone={positive(t) ? "ok" : "neutral"}>{KINDS[t.kind] ?? t.kind}</Badge> },
  {
    label: "Description",
    className: "break",
    cell: (t) => (
      <>
        {t.description || <span className="muted">—</span>}
        {t.request_id && <div className="small muted mono">request {t.request_id}</div>}
      </>
    ),
  },
  { label: "Amount", num: true, className: (t) => (positive(t) ? "nowrap amount-earned" : "nowrap"), cell: (t) => nusd(t.amount_nusd, { sign: true }) },
];

function Transactions({ list, kind, onKind }) {
  return (
    <>
      <div className="filters">
        <div className="field">
          <label htmlFor="tx-kind">Kind</label>
          <select id="tx-kind" value={kind} onChange={(e) => onKind(e.target.value)}>
            <option value="">Every kind</option>
            {Object.entries(KINDS).map(([k, label]) => (
              <option key={k} value={k}>
                {label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ListTable
        list={list}
        label="Transactions"
        columns={TRANSACTION_COLUMNS}
        rowAttrs={(t) => ({ "data-entry-id": t.id, "data-kind": t.kind })}
        empty={
          <Empty title={kind ? `No ${KINDS[kind]?.toLowerCase() ?? kind} entries` : "No transactions yet"}>Purchases, gift cards, grants, spending and earnings appear here.</Empty>
        }
      />
    </>
  );
}

const DEPOSIT_COLUMNS = [
  timeColumn(),
  { label: "Source", cell: (d) => SOURCES[d.source] ?? d.source },
  {
    label: "Status",
    title: (d) => (d.completed_at ? `Completed ${new Date(d.completed_at).toISOString()}` : undefined),
    cell: (d) => <Badge tone={STATUS_TONES[d.status] ?? "neutral"}>{STATUS_LABELS[d.status] ?? d.status}</Badge>,
  },
  { label: "Amount", num: true, className: "nowrap", cell: (d) => nusd(d.amount_nusd) },
];

function Deposits({ list, onCanceled }) {
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const pending = list.items.some((d) => d.status === "pending");
  const cancelPending = async () => {
    setBusy(true);
    try {
      const r = await api("/api/credits/cancel-pending", { method: "POST", body: {} });
      toast(r?.canceled ? `Canceled ${r.canceled} pending ${r.canceled === 1 ? "checkout" : "checkouts"}.` : "No checkout was pending.");
      onCanceled();
    } catch (err) {
      toast(`Could not cancel: ${err.message}`, "bad");
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      {pending && (
        <div className="filters">
          <p className="muted grow">A pending checkout completes when Stripe confirms the payment, or expires after 30 minutes.</p>
          <button type="button" className="btn btn-small" onClick={cancelPending} disabled={busy}>
            Cancel pending checkouts
          </button>
        </div>
      )}
      <ListTable
        list={list}
        label="Deposits"
        columns={DEPOSIT_COLUMNS}
        rowAttrs={(d) => ({ "data-deposit-id": d.id, "data-status": d.status })}
        empty={<Empty title="No deposits yet">Card purchases and automatic top-ups appear here.</Empty>}
      />
    </>
  );
}
