// Platform mode, the operator (PLATFORM_OWNER_ID) only: the gateway's
// money and traffic, every account's wallet, grants and revokes, gift-card
// batches, and a catalogue sync on demand.
import { useEffect, useMemo, useRef, useState } from "react";
import { api, ApiError, invalidate, qs } from "../api.js";
import { usePagedList, useResource } from "../hooks.js";
import { replaceParams } from "../router.js";
import { cents, compact, isoTitle, nusd, num, parseDollars, shortDateTime } from "../format.js";
import { BarChart } from "../components/BarChart.jsx";
import { Badge, Card, CopyButton, Empty, ErrorNote, Field, Loading, PageHeader, Segmented, Stat, Tabs, useConfirm, useToast } from "../components/ui.jsx";
import { ListTable, timeColumn } from "../components/ListTable.jsx";
import { SyncReport } from "./Models.jsx";

const TABS = [
  { value: "overview", label: "Overview" },
  { value: "users", label: "Users" },
  { value: "gift-cards", label: "Gift cards" },
];
const HOURS = [
  { value: 24, label: "24 hours" },
  { value: 72, label: "3 days" },
  { value: 168, label: "7 days" },
];
// The chart's bar width for each range, in minutes.
const BAR_MINUTES = { 24: 60, 72: 180, 168: 360 };
const ADJUST_MAX_CENTS = 100_000_000; // $1,000,000 in one grant or revoke
const REASON_MAX = 500;
const GIFT_MIN_CENTS = 1;
const GIFT_MAX_CENTS = 100_000_000;
const GIFT_MAX_COUNT = 500;
const NOTE_MAX = 200;

export function Admin({ params }) {
  const wanted = TABS.some((t) => t.value === params.get("tab")) ? params.get("tab") : "overview";
  const [tab, setTab] = useState(wanted);
  useEffect(() => setTab(wanted), [wanted]); // a link to another tab of this page
  const [grantTo, setGrantTo] = useState(null); // an owner id picked in the users table
  const [syncReport, setSyncReport] = useState(null);
  useEffect(() => replaceParams("admin", { tab: tab === "overview" ? undefined : tab }), [tab]);

  return (
    <>
      <PageHeader
        title="Admin"
        description="The operator's console: revenue and traffic across every account, wallets, grants and gift cards."
        actions={<SyncNow onReport={setSyncReport} />}
      />
      {syncReport && <SyncReport report={syncReport} onClose={() => setSyncReport(null)} />}
      <Tabs label="Admin" tabs={TABS} value={tab} onChange={setTab}>
        {tab === "overview" && <AdminOverview />}
        {tab === "users" && <Users grantTo={grantTo} onPick={setGrantTo} />}
        {tab === "gift-cards" && <GiftCards />}
      </Tabs>
    </>
  );
}

function SyncNow({ onReport }) {
  const toast = useToast();
  const [busy, setBusy] = useState(false);
  const sync = async () => {
    setBusy(true);
    onReport(null);
    try {
      const r = await api("/api/admin/sync", { method: "POST" });
      onReport(r ?? {});
      invalidate("/api/catalog");
      invalidate("/v1/models");
      toast("Catalogue synced.");
    } catch (err) {
      toast(`Sync failed: ${err.message}`, "bad");
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" className="btn" onClick={sync} disabled={busy}>
      {busy ? "Syncing…" : "Sync catalogue now"}
    </button>
  );
}

// An activity bucket's start: epoch milliseconds, epoch seconds or an ISO string.
function bucketTime(t) {
  if (typeof t === "number") return t < 1e12 ? t * 1000 : t;
  const n = Date.parse(t);
  return Number.isNaN(n) ? null : n;
}

const hourFmt = new Intl.DateTimeFormat("en-US", { hour: "2-digit", minute: "2-digit", hour12: false });
const dayHourFmt = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", hour: "2-digit", hour12: false });

function AdminOverview() {
  const [hours, setHours] = useState(24);
  const overview = useResource("/api/admin/overview");
  const activity = useResource(`/api/admin/activity${qs({ hours })}`);
  const o = overview.data;

  // Every bar of the range, empty ones included, oldest first. The gateway's
  // buckets (5 minutes and up) are summed into about 24 bars.
  const series = useMemo(() => {
    const a = activity.data;
    if (!a) return [];
    const minutes = Math.max(Number.isInteger(a.bucket_minutes) && a.bucket_minutes > 0 ? a.bucket_minutes : 60, BAR_MINUTES[hours] ?? 60);
    const size = minutes * 60_000;
    const bars = new Map();
    for (const d of a.data ?? []) {
      const t = bucketTime(d.time);
      if (t === null) continue;
      const key = Math.floor(t / size) * size;
      const bar = bars.get(key) ?? { requests: 0, tokens: 0, charged: 0 };
      bar.requests += Number(d.requests) || 0;
      bar.tokens += Number(d.tokens) || 0;
      bar.charged += Number(d.charged_nusd) || 0;
      bars.set(key, bar);
    }
    const end = Math.floor(Date.now() / size) * size;
    const count = Math.ceil((hours * 60) / minutes);
    const fmt = hours <= 24 ? hourFmt : dayHourFmt;
    const out = [];
    for (let i = count - 1; i >= 0; i--) {
      const start = end - i * size;
      out.push({ key: String(start), label: fmt.format(new Date(start)), values: bars.get(start) ?? { requests: 0, tokens: 0, charged: 0 } });
    }
    return out;
  }, [activity.data, hours]);
  const barMinutes = series.length > 1 ? (Number(series[1].key) - Number(series[0].key)) / 60_000 : 60;
  const unit = barMinutes % 60 === 0 ? `${barMinutes / 60}-hour interval` : `${barMinutes}-minute interval`;
  const range = HOURS.find((h) => h.value === hours)?.label;
  const tokens = series.reduce((s, d) => s + d.values.tokens, 0);

  return (
    <>
      <ErrorNote error={overview.error} onRetry={overview.reload} />
      <div className="stats stats-wide" aria-busy={overview.loading} aria-label="Platform totals" role="group">
        <Stat label="Revenue" value={nusd(o?.revenue_nusd)} sub="paid in by card" data-kpi="revenue" />
        <Stat label="Consumption" value={nusd(o?.consumption_nusd)} sub="charged to consumers" data-kpi="consumption" />
        <Stat label="Fees" value={nusd(o?.fees_nusd)} sub="kept by the platform" data-kpi="fees" />
        <Stat label="Requests" value={num(o?.requests)} sub="through the pool" data-kpi="requests" />
        <Stat label="Users" value={num(o?.users)} sub={o ? `${num(o.active_users_24h)} active in 24 h` : ""} data-kpi="users" />
        <Stat label="Active credentials" value={num(o?.active_credentials)} sub="serving the pool" data-kpi="active-credentials" />
      </div>
      <Card title="Activity" actions={<Segmented label="Activity range" value={hours} options={HOURS} onChange={setHours} />}>
        <ErrorNote error={activity.error} onRetry={activity.reload} />
        {!activity.data && activity.loading ? (
          <Loading rows={6} />
        ) : (
          <div className="grid-2">
            <BarChart
              title="Requests"
              unit={unit}
              data={series}
              series={[{ key: "requests", label: "Requests" }]}
              format={(v) => num(Math.round(v))}
              summary={`Last ${range}, ${compact(tokens)} tokens`}
            />
            <BarChart
              title="Charged to consumers"
              unit={unit}
              data={series}
              series={[{ key: "charged", label: "Charged" }]}
              format={(v) => nusd(Math.round(v))}
              summary={`Last ${range}`}
            />
          </div>
        )}
      </Card>
    </>
  );
}

const money = (label, key, extra = {}) => ({ label, num: true, className: "nowrap", cell: (item) => nusd(item[key]), ...extra });
const USER_COLUMNS = [
  { label: "Account", className: "break", cell: (u) => <span className="mono">{u.owner_id}</span> },
  money("Balance", "balance_nusd"),
  money("Topped up", "topped_up_nusd"),
  money("Spent", "spent_nusd"),
  money("Earned", "earned_nusd"),
  { label: "Credentials", num: true, cell: (u) => num(u.credentials) },
];

function Users({ grantTo, onPick }) {
  const users = usePagedList("/api/admin/users?limit=50");
  const adjustments = usePagedList("/api/admin/adjustments?limit=20");
  return (
    <>
      <AdjustCredits
        ownerId={grantTo}
        onDone={() => {
          users.reload();
          adjustments.reload();
        }}
      />
      <Card title="Users">
        <ListTable
          list={users}
          label="Users"
          rows={5}
          rowKey={(u) => u.owner_id}
          rowAttrs={(u) => ({ "data-owner-id": u.owner_id })}
          columns={[
            ...USER_COLUMNS,
            {
              label: "Actions",
              hideLabel: true,
              className: "actions",
              cell: (u) => (
                <button type="button" className="btn btn-small" onClick={() => onPick({ id: u.owner_id, at: Date.now() })} aria-label={`Grant or revoke credits for ${u.owner_id}`}>
                  Adjust
                </button>
              ),
            },
          ]}
          empty={<Empty title="No wallets yet">An account gets a wallet with its first credit or charge.</Empty>}
        />
      </Card>
      <Adjustments list={adjustments} />
    </>
  );
}

const newKey = () => (crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`);

function AdjustCredits({ ownerId, onDone }) {
  const toast = useToast();
  const [confirm, confirmDialog] = useConfirm();
  const [owner, setOwner] = useState("");
  const [direction, setDirection] = useState("grant");
  const [amount, setAmount] = useState("");
  const [reason, setReason] = useState("");
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);
  // One key per intended adjustment: a retry after a lost answer is not applied twice.
  const key = useRef(newKey());
  const ownerRef = useRef(null);

  useEffect(() => {
    if (!ownerId) return;
    setOwner(ownerId.id);
    key.current = newKey();
    ownerRef.current?.focus();
    ownerRef.current?.scrollIntoView?.({ block: "center" });
  }, [ownerId]);

  const edit = (fn) => (e) => {
    fn(e.target.value);
    setErrors({});
    key.current = newKey();
  };

  const submit = async (e) => {
    e.preventDefault();
    setFailure(null);
    const next = {};
    const id = owner.trim();
    if (!id) next.owner = "Enter the account's owner id (a Clerk user id).";
    else if (id.length > 200) next.owner = "This is longer than any owner id.";
    const parsed = parseDollars(amount, { minCents: 1, maxCents: ADJUST_MAX_CENTS });
    if (parsed.error) next.amount = parsed.error;
    const why = reason.trim();
    if (!why) next.reason = "Say why: the reason is kept with the adjustment.";
    else if (why.length > REASON_MAX) next.reason = `At most ${REASON_MAX} characters.`;
    setErrors(next);
    if (Object.keys(next).length) {
      document.getElementById(next.owner ? "adjust-owner" : next.amount ? "adjust-amount" : "adjust-reason")?.focus();
      return;
    }
    const signed = direction === "revoke" ? -parsed.cents : parsed.cents;
    if (direction === "revoke") {
      const ok = await confirm({
        title: "Revoke credits?",
        body: (
          <p>
            {cents(parsed.cents)} will be taken from <code>{id}</code>'s balance, which may go below zero.
          </p>
        ),
        confirmLabel: `Revoke ${cents(parsed.cents)}`,
        danger: true,
      });
      if (!ok) return;
    }
    setBusy(true);
    try {
      await api("/api/admin/credits", { method: "POST", body: { owner_id: id, amount_cents: signed, reason: why, idempotency_key: key.current } });
      toast(`${direction === "revoke" ? "Revoked" : "Granted"} ${cents(parsed.cents)} ${direction === "revoke" ? "from" : "to"} ${id}.`);
      key.current = newKey();
      setAmount("");
      setReason("");
      onDone();
    } catch (err) {
      if (err instanceof ApiError && err.param === "owner_id") setErrors({ owner: err.message });
      else if (err instanceof ApiError && err.param === "amount_cents") setErrors({ amount: err.message });
      else if (err instanceof ApiError && err.param === "reason") setErrors({ reason: err.message });
      else setFailure(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card title="Grant or revoke credits" className="form-card">
      <form onSubmit={submit} noValidate className="form-grid" aria-label="Grant or revoke credits">
        <ErrorNote error={failure} />
        <Field id="adjust-owner" label="Account (owner id)" error={errors.owner} hint="Pick one with Adjust in the table below, or paste a Clerk user id.">
          {({ id, describedBy, invalid }) => (
            <input id={id} ref={ownerRef} className="mono" autoComplete="off" spellCheck={false} value={owner} aria-describedby={describedBy} aria-invalid={invalid || undefined} onChange={edit(setOwner)} />
          )}
        </Field>
        <div className="field-pair">
          <div className="field">
            <span className="field-label">Direction</span>
            <Segmented
              label="Direction"
              value={direction}
              options={[
                { value: "grant", label: "Grant" },
                { value: "revoke", label: "Revoke" },
              ]}
              onChange={(v) => {
                setDirection(v);
                key.current = newKey();
              }}
            />
          </div>
          <Field id="adjust-amount" label="Amount (USD)" error={errors.amount}>
            {({ id, describedBy, invalid }) => (
              <input id={id} inputMode="decimal" autoComplete="off" placeholder="5.00" value={amount} aria-describedby={describedBy} aria-invalid={invalid || undefined} onChange={edit(setAmount)} />
            )}
          </Field>
        </div>
        <Field id="adjust-reason" className="span-2" label="Reason" error={errors.reason} hint={`Required, at most ${REASON_MAX} characters; kept in the audit trail.`}>
          {({ id, describedBy, invalid }) => (
            <textarea id={id} rows={2} maxLength={REASON_MAX} value={reason} aria-describedby={describedBy} aria-invalid={invalid || undefined} onChange={edit(setReason)} />
          )}
        </Field>
        <div className="form-actions span-2">
          <button type="submit" className={`btn ${direction === "revoke" ? "btn-danger" : "btn-primary"}`} disabled={busy}>
            {busy ? "Saving…" : direction === "revoke" ? "Revoke credits" : "Grant credits"}
          </button>
        </div>
      </form>
      {confirmDialog}
    </Card>
  );
}

// An adjustment's amount: its nusd when given, else its cents.
const adjustmentAmount = (a) => (a.amount_nusd !== undefined && a.amount_nusd !== null ? nusd(a.amount_nusd, { sign: true }) : Number.isSafeInteger(a.amount_cents) ? `${a.amount_cents > 0 ? "+" : a.amount_cents < 0 ? "−" : ""}${cents(Math.abs(a.amount_cents))}` : "—");

const ADJUSTMENT_COLUMNS = [
  timeColumn(),
  { label: "Account", className: "break", cell: (a) => <span className="mono">{a.owner_id}</span> },
  { label: "Amount", num: true, className: "nowrap", cell: adjustmentAmount },
  { label: "Reason", className: "break", cell: (a) => a.reason },
];

function Adjustments({ list }) {
  return (
    <Card title="Adjustments">
      <ListTable
        list={list}
        label="Adjustments"
        rows={3}
        columns={ADJUSTMENT_COLUMNS}
        rowAttrs={(a) => ({ "data-adjustment-id": a.id })}
        empty={<Empty title="No grants or revokes yet" />}
      />
    </Card>
  );
}

const redeemedCell = (g) =>
  g.redeemed_at ? (
    <>
      <Badge tone="neutral">Redeemed</Badge> <span className="small muted mono break">{g.redeemed_by}</span>
      <div className="small muted" title={isoTitle(g.redeemed_at)}>
        {shortDateTime(g.redeemed_at)}
      </div>
    </>
  ) : (
    <Badge tone="ok">Unused</Badge>
  );

function GiftCards() {
  const [batch, setBatch] = useState("");
  const cards = usePagedList(`/api/admin/gift-cards${qs({ batch_id: batch, limit: 50 })}`);
  const [created, setCreated] = useState(null);
  return (
    <>
      {created ? (
        <NewCodes batch={created} onDone={() => setCreated(null)} onShowBatch={() => setBatch(created.batch_id)} />
      ) : (
        <CreateGiftCards
          onCreated={(b) => {
            setCreated(b);
            cards.reload();
          }}
        />
      )}
      <Card
        title="Gift cards"
        actions={
          batch && (
            <button type="button" className="btn btn-small" onClick={() => setBatch("")}>
              Show every batch
            </button>
          )
        }
      >
        {batch && (
          <p className="muted">
            Batch <code>{batch}</code> only.
          </p>
        )}
        <ListTable
          list={cards}
          label="Gift cards"
          columns={[
            {
              label: "Code",
              className: "nowrap",
              cell: (g) => (
                <span className="mono" title="Only the code's last characters are kept">
                  {String(g.hint ?? "").startsWith("KAOS") ? g.hint : `KAOS-…-${g.hint}`}
                </span>
              ),
            },
            { label: "Amount", num: true, className: "nowrap", cell: (g) => cents(g.amount_cents) },
            {
              label: "Batch",
              cell: (g) => (
                <button type="button" className="btn-link mono" onClick={() => setBatch(g.batch_id)} aria-label={`Show batch ${g.batch_id} only`}>
                  {g.batch_id}
                </button>
              ),
            },
            { label: "Redeemed", cell: redeemedCell },
            timeColumn("Created"),
          ]}
          rowAttrs={(g) => ({ "data-gift-card-id": g.id, "data-redeemed": g.redeemed_at ? "true" : "false" })}
          empty={<Empty title="No gift cards yet">Create a batch above; each code adds its amount to the balance of whoever redeems it first.</Empty>}
        />
      </Card>
    </>
  );
}

function CreateGiftCards({ onCreated }) {
  const [amount, setAmount] = useState("");
  const [count, setCount] = useState("10");
  const [note, setNote] = useState("");
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e) => {
    e.preventDefault();
    setFailure(null);
    const next = {};
    const a = parseDollars(amount, { minCents: GIFT_MIN_CENTS, maxCents: GIFT_MAX_CENTS });
    if (a.error) next.amount = a.error;
    const n = /^\d+$/.test(count.trim()) ? Number(count.trim()) : NaN;
    if (!(n >= 1 && n <= GIFT_MAX_COUNT)) next.count = `Enter a whole number from 1 to ${GIFT_MAX_COUNT}.`;
    if (note.trim().length > NOTE_MAX) next.note = `At most ${NOTE_MAX} characters.`;
    setErrors(next);
    if (Object.keys(next).length) {
      document.getElementById(next.amount ? "gift-amount" : next.count ? "gift-count" : "gift-note")?.focus();
      return;
    }
    setBusy(true);
    try {
      const body = { amount_cents: a.cents, count: n };
      if (note.trim()) body.note = note.trim();
      const batch = await api("/api/admin/gift-cards", { method: "POST", body });
      onCreated(batch);
    } catch (err) {
      if (err instanceof ApiError && err.param === "amount_cents") setErrors({ amount: err.message });
      else if (err instanceof ApiError && err.param === "count") setErrors({ count: err.message });
      else if (err instanceof ApiError && err.param === "note") setErrors({ note: err.message });
      else setFailure(err);
      setBusy(false);
    }
  };

  return (
    <Card title="Create gift cards" className="form-card">
      <form onSubmit={submit} noValidate className="form-grid" aria-label="Create gift cards">
        <ErrorNote error={failure} />
        <div className="field-pair">
          <Field id="gift-amount" label="Amount per card (USD)" error={errors.amount} hint={`From ${cents(GIFT_MIN_CENTS)} to ${cents(GIFT_MAX_CENTS)}.`}>
            {({ id, describedBy, invalid }) => (
              <input id={id} inputMode="decimal" autoComplete="off" placeholder="10.00" value={amount} aria-describedby={describedBy} aria-invalid={invalid || undefined} onChange={(e) => setAmount(e.target.value)} />
            )}
          </Field>
          <Field id="gift-count" label="Number of cards" error={errors.count} hint={`1 to ${GIFT_MAX_COUNT}.`}>
            {({ id, describedBy, invalid }) => (
              <input id={id} inputMode="numeric" autoComplete="off" value={count} aria-describedby={describedBy} aria-invalid={invalid || undefined} onChange={(e) => setCount(e.target.value)} />
            )}
          </Field>
        </div>
        <Field id="gift-note" label="Note (optional)" error={errors.note} hint="For you: where this batch goes.">
          {({ id, describedBy, invalid }) => (
            <input id={id} autoComplete="off" maxLength={NOTE_MAX} value={note} aria-describedby={describedBy} aria-invalid={invalid || undefined} onChange={(e) => setNote(e.target.value)} />
          )}
        </Field>
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={busy}>
            {busy ? "Creating…" : "Create gift cards"}
          </button>
        </div>
      </form>
    </Card>
  );
}

// A new batch's codes: the only time they are shown.
function NewCodes({ batch, onDone, onShowBatch }) {
  const codes = Array.isArray(batch?.codes) ? batch.codes : [];
  const ref = useRef(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <Card title={`${num(codes.length)} new gift ${codes.length === 1 ? "card" : "cards"} of ${cents(batch.amount_cents)}`} className="card-highlight" id="new-gift-cards">
      <div className="note note-warn" role="alert" tabIndex={-1} ref={ref}>
        <span>Copy these codes now: they are not shown again. The list below keeps only a hint of each.</span>
      </div>
      <ol className="codes mono" aria-label="New gift card codes">
        {codes.map((c) => (
          <li key={c} data-gift-code>
            {c}
          </li>
        ))}
      </ol>
      <div className="form-actions">
        <CopyButton text={codes.join("\n")} label="Copy all codes" className="btn btn-primary" />
        <button type="button" className="btn" onClick={onShowBatch}>
          Show this batch
        </button>
        <button type="button" className="btn" onClick={onDone}>
          I have saved them
        </button>
      </div>
      <p className="small muted">
        Batch <code>{batch.batch_id}</code>
      </p>
    </Card>
  );
}
